"""Studies over a suite group, one over all its classes (Wang et al.'s augmentation study over the ore classes,
one generator per class), found through the `ganbench.group_studies` entry points by the group they study: the
command line runs one after the group's suites and rebuilds its leaderboard, and never names it.

An entry point names an object with `group` (a name of `suites.SUITE_GROUPS`), `metrics` (those it computes
over the whole group, in place of each class suite), `run(members, request)` (the group's class suites and the
typed request of `ganbench run`) and `write_leaderboard(records, out)` (the board of the study's records, written
under `out` unless it is None), both returning (table, files written).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Protocol

import pandas as pd

from ganbench.core.contracts import Record
from ganbench.core.plugins import load_entry_points
from ganbench.pipeline.request import Request
from ganbench.suites import Suite

ENTRY_POINTS = "ganbench.group_studies"


class GroupStudy(Protocol):
    group: str
    metrics: tuple[str, ...]

    def run(self, members: list[Suite], request: Request) -> tuple[pd.DataFrame, list[Path]]: ...

    def write_leaderboard(self, records: list[Record], out: Path | None) -> tuple[pd.DataFrame, list[Path]]: ...


@functools.cache
def group_studies() -> dict[str, GroupStudy]:
    """Every installed group study by the group it studies; one that fails to load is left out, and said so."""
    return {study.group: study for study in load_entry_points(ENTRY_POINTS, "group study")}
