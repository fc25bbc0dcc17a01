"""Sections that studies add to a leaderboard through the `ganbench.board_sections` entry points: BEGAN's is
installed, and one from outside ganbench is written beside the committed board, which it leaves unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ganbench.core.fileio import save_figure
from ganbench.pipeline.records import board_records
from ganbench.results import leaderboard
from ganbench.results.published import load_published
from ganbench.results.sections import Section, board_sections
from ganbench.suites import get_suite

ROOT = Path(__file__).resolve().parents[2]
SUITE = "fashion-mnist"


class RunsPerModel:
    """A study's section: how many runs each model has on the board, as a table, a line each and a bar chart."""

    name = "runs-per-model"

    def build(self, records, published):
        table = pd.Series([r.model for r in records]).value_counts().sort_index().rename_axis("model")
        table = table.rename("runs").reset_index()

        def draw(path: Path, suite: str) -> bool:
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.bar(table["model"], table["runs"])
            ax.set_title(f"{suite}: runs per model")
            save_figure(path, fig)
            plt.close(fig)
            return True

        return Section(table, ["## Runs per model", "", *(f"- {m}: {n}" for m, n in table.values), ""], draw)


def test_began_s_section_and_metric_are_installed_as_entry_points():
    """BEGAN's study plugs in as a plugin would: its leaderboard section and its metric (M and k) come from
    entry points, and the metric layer's own modules name no BEGAN."""
    from importlib.metadata import entry_points

    from ganbench.metrics.builtin import BUILTIN
    from ganbench.metrics.registry import ENTRY_POINT_GROUP, metric_kind

    assert "convergence" in [s.name for s in board_sections()]
    (began,) = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == "began-convergence"]
    assert began.value == "ganbench.studies.began_metric:METRIC"
    assert metric_kind("began-m") in began.load().kinds and "began-convergence" not in [m.name for m in BUILTIN]
    naming = [p.name for p in (ROOT / "ganbench" / "metrics").rglob("*.py")
              if re.search(r"began_(metric|convergence)|BEGAN_[MK]\b", p.read_text())]
    assert naming == []


def test_a_section_from_outside_is_written_beside_the_unchanged_board(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "leaderboards" / "records" / SUITE, tmp_path / "leaderboards" / "records" / SUITE)
    monkeypatch.setattr(leaderboard, "board_sections", lambda: (*board_sections(), RunsPerModel()))
    suite = get_suite(SUITE)
    _, paths = leaderboard.write(board_records(tmp_path, SUITE), suite, load_published(), tmp_path)
    boards = tmp_path / "leaderboards"
    assert boards / f"{SUITE}-runs-per-model.csv" in paths and boards / f"{SUITE}-runs-per-model.png" in paths
    assert not (boards / f"{SUITE}-convergence.csv").exists()  # BEGAN's builds nothing without BEGAN runs
    table = pd.read_csv(boards / f"{SUITE}-runs-per-model.csv")
    assert table.to_dict("records") == [{"model": "dcgan", "runs": 3}, {"model": "fcgan", "runs": 3}]
    assert (boards / f"{SUITE}-runs-per-model.png").stat().st_size > 1000
    committed = (ROOT / "leaderboards" / f"{SUITE}.md").read_text()
    written = (boards / f"{SUITE}.md").read_text()
    assert written == committed + "\n## Runs per model\n\n- dcgan: 3\n- fcgan: 3\n"
    for name in (f"{SUITE}.csv", f"{SUITE}-metrics.csv"):
        assert (boards / name).read_text() == (ROOT / "leaderboards" / name).read_text()
