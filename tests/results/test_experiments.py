"""Which runs are one experiment: seeds of one configuration are averaged, other configurations are rows of their
own named by what sets them apart, a rerun of one seed replaces the older run, and constants carry no ±.

On the committed reference records (McGinney et al.'s models, 3 seeds each, full budget), with a copy of one
record given another budget or a newer creation time where a test needs a second configuration or a rerun."""

from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ganbench.core.contracts import Record
from ganbench.pipeline.records import read_kept
from ganbench.results.experiments import experiments
from ganbench.results.leaderboard import metric_table, table
from ganbench.results.published import load_published
from ganbench.suites import get_suite
from tests.helpers import assert_one_line_error, run_cli

SUITE = "fashion-mnist"
RECORDS = Path(__file__).resolve().parents[2] / "leaderboards" / "records" / SUITE


def reference() -> list[Record]:
    return [read_kept(p) for p in sorted(RECORDS.glob("*.json"))]


def with_budget(record: Record, steps: int) -> Record:
    """The record as a run of `steps` training steps would hold it (its configuration and training budget)."""
    other = copy.deepcopy(record.to_dict())
    other["config"].update(total_steps=steps, snapshot_steps=[steps // 2])
    other["training"]["steps"] = steps
    other["metrics"]["fid"] += 100.0
    return Record.from_dict(other)


def test_seeds_of_one_configuration_are_one_experiment():
    assert [(e.label, e.seeds, e.replaced) for e in experiments(reference())] == [
        ("dcgan", [0, 1, 2], ()), ("fcgan", [0, 1, 2], ())]


def test_another_budget_is_its_own_row_named_by_its_budget_never_a_seed():
    records = reference()
    short = with_budget(next(r for r in records if r.model == "fcgan" and r.seed == 0), 10)
    labels = {e.label: e.seeds for e in experiments(records + [short])}
    assert labels == {"dcgan": [0, 1, 2], "fcgan (37,500 steps)": [0, 1, 2], "fcgan (10 steps)": [0]}

    suite, published = get_suite(SUITE), load_published()
    fid = metric_table(records + [short], suite, published).query("metric == 'fid'").set_index("model")
    assert fid.loc["fcgan (37,500 steps)", "interval"] == "over 3 seeds"
    assert fid.loc["fcgan (37,500 steps)", "seeds"] == "0,1,2"
    assert fid.loc["fcgan (10 steps)", "seeds"] == "0" and "seeds" not in fid.loc["fcgan (10 steps)", "interval"]
    full = [r.metrics["fid"] for r in records if r.model == "fcgan"]
    assert fid.loc["fcgan (37,500 steps)", "value"] == sum(full) / 3  # the short run is not averaged in
    runs = table(records + [short], suite, published)
    assert sorted(runs["model"]) == ["dcgan"] * 3 + ["fcgan (10 steps)"] + ["fcgan (37,500 steps)"] * 3


def test_a_rerun_of_one_seed_replaces_the_older_run_and_names_it(tmp_path):
    kept = tmp_path / "leaderboards" / "records" / SUITE
    shutil.copytree(RECORDS, kept)
    older = read_kept(kept / "dcgan-seed0-d11a756c.json")
    newer = replace(older, created="2099-01-01T00:00:00.000000+00:00",
                    metrics={**older.metrics, "fid": older.metrics["fid"] + 1.0})
    (kept / "dcgan-seed0-rerun.json").write_text(newer.to_json())
    (dcgan, _) = experiments(reference() + [newer])
    assert dcgan.seeds == [0, 1, 2] and dcgan.runs[0].created == newer.created
    assert [r.created for r in dcgan.replaced] == [older.created]

    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    board = (tmp_path / "leaderboards" / f"{SUITE}.md").read_text()
    assert f"Replaced by a newer run of the same configuration and seed, and not shown: dcgan seed 0 (created " \
           f"{older.created})." in board
    runs = pd.read_csv(tmp_path / "leaderboards" / f"{SUITE}.csv")
    assert len(runs) == 6 and newer.metrics["fid"] in set(runs["FID"])
    assert older.metrics["fid"] not in set(runs["FID"])


def test_constant_quantities_carry_no_plus_minus():
    mf = metric_table(reference(), get_suite(SUITE), load_published()).set_index(["metric", "model"])
    row = mf.loc[("params-g", "dcgan")]
    assert row["value"] == 1726209 and row["interval"] == "exact" and pd.isna(row["±95%"])
    assert mf.loc[("fid", "dcgan"), "interval"] == "over 3 seeds" and mf.loc[("fid", "dcgan"), "±95%"] > 0


def test_a_run_of_another_budget_is_its_own_row_in_every_view(smoke_copy):
    """A real second run of FC-GAN on the smoke suite, 100 steps beside the smoke run's 6, both seed 0 (scored
    with KID, which every run there has); its plan is over the (lowered) threshold for asking, so without a
    terminal it starts only with --yes."""
    args = ("run", "--suite", "fashion-mnist-smoke", "--models", "fcgan", "--steps", "100", "--ask-over", "0.001",
            "--metrics", "kid", "--out", str(smoke_copy))
    runs = sorted((smoke_copy / "runs" / "fashion-mnist-smoke").iterdir())
    refused = assert_one_line_error(run_cli(*args), "the plan takes about", "pass --yes", "or try fewer --steps")
    assert "--suite" not in refused  # it is the smoke suite already
    assert sorted((smoke_copy / "runs" / "fashion-mnist-smoke").iterdir()) == runs  # nothing started
    proc = run_cli(*args, "--yes")
    assert proc.returncode == 0, proc.stderr
    boards = smoke_copy / "leaderboards"
    board = (boards / "fashion-mnist-smoke.md").read_text()
    assert " | fcgan (100 steps) | 0 | " in board and " | fcgan (6 steps) | 0 | " in board
    assert "over 2 seeds" not in board
    kid = pd.read_csv(boards / "fashion-mnist-smoke-metrics.csv").query("metric == 'kid'")
    assert sorted(kid["model"]) == ["dcgan", "fcgan (100 steps)", "fcgan (6 steps)"]
    assert set(kid["seeds"].astype(str)) == {"0"}
    assert sorted(pd.read_csv(boards / "fashion-mnist-smoke.csv")["model"]) == sorted(kid["model"])
    assert (boards / "fashion-mnist-smoke-curves.png").stat().st_size > 0
    assert "fcgan (100 steps)" in proc.stdout  # the table `run` prints
