"""Pictures a reader needs no other page for: sample grids that name their model, seed and step; loss curves that
claim no epoch lines they do not draw; metric curves whose seeds the legend tells apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image

from ganbench.core.contracts import Record
from ganbench.results import plots
from ganbench.train import pictures
from tests.helpers import run_cli

KEPT = Path(__file__).resolve().parents[2] / "leaderboards" / "records" / "fashion-mnist"


def _figures(monkeypatch, module) -> list:
    """The figures `module` saves, kept open for the test to read."""
    drawn = []
    monkeypatch.setattr(module, "save_figure", lambda path, fig: drawn.append(fig))
    monkeypatch.setattr(module.plt, "close", lambda fig=None: None)
    return drawn


def test_a_short_runs_grid_names_itself_and_its_losses_claim_no_epoch_lines(tmp_path, monkeypatch):
    proc = run_cli("train", "fcgan", "--suite", "fashion-mnist-smoke", "--steps", "6", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    run_dir = next((tmp_path / "runs" / "fashion-mnist-smoke").glob("fcgan-seed0-*"))
    with Image.open(run_dir / "samples" / "step_0000006.png") as grid:
        assert grid.text["Title"] == "fcgan on fashion-mnist-smoke, seed 0, step 6"
        top = grid.convert("L").crop((0, 0, grid.width, pictures.TITLE_HEIGHT))
        assert top.getextrema()[0] < 128  # the title is drawn on the picture itself, above the grid
    # docs/cli.md names every file the run wrote, by its pattern (samples/step_NNNNNNN.png, not epoch_NNN.png)
    documented = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    written = [p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()]
    assert "samples/step_0000006.png" in written
    for name in written:
        pattern = re.sub(r"\d+", lambda digits: "N" * len(digits.group()), name)
        assert pattern in documented, (name, pattern)
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    drawn = _figures(monkeypatch, pictures)
    pictures.save_loss_curves(tmp_path / "short.png", log, "short", steps_per_epoch=100)  # 6 steps: no epoch ends
    pictures.save_loss_curves(tmp_path / "long.png", log, "long", steps_per_epoch=2)  # epochs end at 2, 4, 6
    short, long = (fig.axes[-1] for fig in drawn)
    assert short.get_xlabel() == "step" and not [ln for ln in short.lines if ln.get_linestyle() == ":"]
    assert long.get_xlabel() == "step (dotted lines: epochs)"
    assert len([ln for ln in long.lines if ln.get_linestyle() == ":"]) == 3


def test_the_curves_legend_tells_every_seed_apart(monkeypatch, tmp_path):
    records = [Record.from_dict(json.loads(p.read_text())) for p in sorted(KEPT.glob("*.json"))]
    drawn = _figures(monkeypatch, plots)
    assert plots.save_metric_curves(tmp_path / "curves.png", records, "curves")
    for ax in drawn[0].axes:
        styles = {line.get_label(): (line.get_color(), line.get_marker(), line.get_linestyle()) for line in ax.lines}
        assert len(styles) == 6 and len(set(styles.values())) == 6, styles  # 2 models x 3 seeds
        assert len({c for c, _, _ in styles.values()}) == 2  # one colour a model
