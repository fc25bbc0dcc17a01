"""Objects that installed packages expose through an entry-point group (leaderboard sections, group studies)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from ganbench.core.progress import warn


def load_entry_points(group: str, what: str) -> list[Any]:
    """Every object of the group, by entry-point name; one that fails to load is left out, and said so (a broken
    plugin costs its own part, not the command)."""
    found = []
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        try:
            found.append(point.load())
        except Exception as exc:
            warn(f"{what} '{point.name}' ({point.value}) failed to load: {exc}")
    return found
