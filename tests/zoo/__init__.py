"""The papers' models, trained on real data."""
