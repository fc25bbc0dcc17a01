"""Leaderboards, comparisons, the gate, the committed reference results."""
