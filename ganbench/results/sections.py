"""Sections that studies add to a suite's leaderboard (BEGAN's M and k by epoch beside the thesis's log), found
through the `ganbench.board_sections` entry points as models are through `ganbench.models`: the leaderboard
writes what they build and never names a study.

An entry point names an object with a `name` (its files are `<suite>-<name>.csv` and `.png`) and
`build(records, published) -> Section | None`, where `published` holds the suite's published numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import pandas as pd

from ganbench.core.contracts import Record
from ganbench.core.plugins import load_entry_points

ENTRY_POINTS = "ganbench.board_sections"


@dataclass(frozen=True)
class Section:
    table: pd.DataFrame  # written as <suite>-<name>.csv
    markdown: list[str]  # lines after the leaderboard's tables
    draw: Callable[[Path, str], bool]  # (PNG path, suite name) -> whether it drew one


class BoardSection(Protocol):
    name: str

    def build(self, records: list[Record], published: pd.DataFrame) -> Section | None: ...


@functools.cache
def board_sections() -> tuple[BoardSection, ...]:
    """Every installed section, by entry-point name; one that fails to load is left out, and said so."""
    return tuple(load_entry_points(ENTRY_POINTS, "leaderboard section"))
