"""The committed fashion-mnist records as a user's runs/ folder: the gate and the leaderboard on real records,
without training or the Inception network. One grammar for metric names and suites, and a damaged record named
wherever its run would have been."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from tests.helpers import COMMITTED_RECORDS, assert_one_line_error, baseline_key, run_cli

KEPT = COMMITTED_RECORDS


@pytest.fixture
def runs(tmp_path) -> Path:
    """tmp_path/runs/fashion-mnist/<run>/record.json for each committed record, as `ganbench run` lays them out."""
    for path in sorted(KEPT.glob("*.json")):
        (tmp_path / "runs" / "fashion-mnist" / path.stem).mkdir(parents=True)
        shutil.copy(path, tmp_path / "runs" / "fashion-mnist" / path.stem / "record.json")
    return tmp_path


def _gate(out: Path, *args: str):
    return run_cli("gate", "--baseline", str(out / "baseline.json"), "--out", str(out), *args)


def test_gate_takes_the_suite_from_its_baseline_and_metric_names_as_score_does(runs):
    assert _gate(runs, "--suite", "fashion-mnist", "--update-baseline").returncode == 0
    proc = _gate(runs, "--metrics", "fid,pr,ic-strong", "--json")  # no --suite: the baseline names it
    assert proc.returncode == 0, proc.stderr
    gated = {row["metric"] for row in json.loads(proc.stdout)["rows"]}
    assert gated == {"fid", "precision", "recall", "ic-strong-error"}  # pr: both its numbers
    by_number = _gate(runs, "--metrics", "recall,ic-strong-error", "--json")  # the old spelling still works
    assert {row["metric"] for row in json.loads(by_number.stdout)["rows"]} == {"recall", "ic-strong-error"}
    assert_one_line_error(_gate(runs, "--metrics", "sharpness"), "unknown metric 'sharpness'", "pr")


def test_gate_names_a_damaged_record_and_a_damaged_baseline_value(runs):
    assert _gate(runs, "--suite", "fashion-mnist", "--update-baseline").returncode == 0
    baseline = json.loads((runs / "baseline.json").read_text())
    record = next((runs / "runs" / "fashion-mnist").glob("dcgan-seed1-*/record.json"))
    record.write_text(record.read_text()[:200])  # cut short, as by a full disk
    assert_one_line_error(_gate(runs), f"{baseline_key(baseline, 'dcgan', 1)}, whose record {record} is damaged "
                                       "(unreadable")
    shutil.copy(next(KEPT.glob("dcgan-seed1-*.json")), record)
    fcgan = baseline_key(baseline, "fcgan", 0)
    baseline["entries"][fcgan]["metrics"]["fid"] = "abc"
    (runs / "baseline.json").write_text(json.dumps(baseline))
    assert_one_line_error(_gate(runs), f"malformed baseline: {fcgan}'s fid is 'abc', not a finite number")


def test_the_leaderboard_names_a_damaged_record_in_its_notes_wherever_it_is_shown(runs):
    record = next((runs / "runs" / "fashion-mnist").glob("fcgan-seed2-*/record.json"))
    record.write_text("{")
    proc = run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(runs))
    assert proc.returncode == 0, proc.stderr
    note = f"not shown: the record {record} is damaged (unreadable (JSONDecodeError))"
    board = (runs / "leaderboards" / "fashion-mnist.md").read_text()
    assert f"- {note}" in board
    assert f"note: {note}" in proc.stdout
    assert "| fcgan | 2 |" not in board and "| fcgan | 1 |" in board
    as_json = json.loads(run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(runs), "--json").stdout)
    assert any(n.startswith(note) for n in as_json["notes"])


def test_the_board_ties_what_compare_cannot_tell_apart(runs):
    """Each ranked row of the every-metric table is tied with the row above it exactly where `compare` on the
    same records finds their difference not significant (density: p = 0.31 over three seeds each)."""
    kept = runs / "leaderboards" / "records" / "fashion-mnist"
    kept.mkdir(parents=True)
    for grid in KEPT.glob("*-samples.png"):  # each run's last training grid, kept beside its record
        shutil.copy(grid, kept / grid.name)
    proc = run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(runs))
    assert proc.returncode == 0, proc.stderr
    board = pd.read_csv(runs / "leaderboards" / "fashion-mnist-metrics.csv")
    compared = json.loads(run_cli("compare", "dcgan", "fcgan", "--suite", "fashion-mnist", "--seed", "0,1,2",
                                  "--out", str(runs), "--json").stdout)
    verdicts = {row["metric"]: row["differences"][0]["significant"] for row in compared["rows"]}
    # No checkpoints beside kept records: the samples picture shows each run's kept training grid instead
    with Image.open(compared["files"]["samples"]) as samples:
        assert samples.width > samples.height > 0
    ranked = board[board["rank"].notna()]
    assert set(ranked["metric"]) == {"fid", "kid", "precision", "recall", "density", "coverage", "ic-strong-error"}
    for metric, rows in ranked.groupby("metric"):
        assert rows["tied"].tolist() == [not verdicts[metric]] * 2, metric
        assert rows["rank"].tolist() == ([1, 1] if not verdicts[metric] else [1, 2]), metric
    assert not verdicts["density"]  # the real tie among these records
    md = (runs / "leaderboards" / "fashion-mnist.md").read_text()
    assert "| density (higher is better) | 1= | dcgan |" in md and "| density (higher is better) | 1= | fcgan |" in md
    assert "share a rank, marked = (1=)" in md


def test_where_no_test_applies_the_board_orders_values_without_a_tie(runs):
    """Seed 0 alone of each model: FID's single-run z-test tells them apart (1, 2); KID of one run each has no
    test (compare says so), so its rows are ordered by value, neither tied nor called a tie."""
    for run in (runs / "runs" / "fashion-mnist").glob("*-seed[12]-*"):
        shutil.rmtree(run)
    assert run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(runs)).returncode == 0
    board = pd.read_csv(runs / "leaderboards" / "fashion-mnist-metrics.csv").set_index(["metric", "model"])
    assert [board.loc[("kid", m), "rank"] for m in ("dcgan", "fcgan")] == [1, 2]
    assert not board.loc["kid", "tied"].any() and not board.loc["fid", "tied"].any()
    md = (runs / "leaderboards" / "fashion-mnist.md").read_text()
    assert "Where no test applies (KID of one run each, one seed against several), ranks order the values only" in md
