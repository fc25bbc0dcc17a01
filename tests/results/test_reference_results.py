"""Kept records (leaderboards/records/<suite>/): written by `leaderboard --keep-records`, read back without
runs/ by the leaderboard and by compare, and refused in one line when damaged or absent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import assert_one_line_error, run_cli

ROOT = Path(__file__).resolve().parents[2]

SUITE = "fashion-mnist"


def test_kept_records_are_written_and_read_back_without_runs(smoke_copy):
    """--keep-records copies each record and its last grid; with runs/ gone the board is the same."""
    out = smoke_copy
    first = run_cli("leaderboard", "--suite", "fashion-mnist-smoke", "--out", str(out), "--keep-records")
    assert first.returncode == 0, first.stderr
    kept = out / "leaderboards" / "records" / "fashion-mnist-smoke"
    records = sorted(kept.glob("*.json"))
    assert [p.stem.split("-seed")[0] for p in records] == ["dcgan", "fcgan"]
    board = (out / "leaderboards" / "fashion-mnist-smoke.md").read_bytes()
    shutil.rmtree(out / "runs")
    second = run_cli("leaderboard", "--suite", "fashion-mnist-smoke", "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert (out / "leaderboards" / "fashion-mnist-smoke.md").read_bytes() == board


def test_compare_reuses_kept_records_without_training(smoke_copy):
    out = smoke_copy
    assert run_cli("leaderboard", "--suite", "fashion-mnist-smoke", "--out", str(out), "--keep-records").returncode == 0
    shutil.rmtree(out / "runs")
    proc = run_cli("compare", "dcgan", "fcgan", "--suite", "fashion-mnist-smoke", "--steps", "6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "dcgan seed 0: record found: reused" in proc.stderr and "leaderboards/records" in proc.stderr
    assert "training" not in proc.stderr.replace("over training", "")
    assert not (out / "runs").exists() or not list((out / "runs").rglob("checkpoint.pt"))


def test_a_damaged_kept_record_is_one_line_error(smoke_copy):
    out = smoke_copy
    assert run_cli("leaderboard", "--suite", "fashion-mnist-smoke", "--out", str(out), "--keep-records").returncode == 0
    shutil.rmtree(out / "runs")
    (out / "leaderboards" / "fashion-mnist-smoke.md").unlink()
    victim = sorted((out / "leaderboards" / "records" / "fashion-mnist-smoke").glob("*.json"))[0]
    victim.write_text(victim.read_text()[:200])
    proc = run_cli("leaderboard", "--suite", "fashion-mnist-smoke", "--out", str(out))
    assert_one_line_error(proc, victim.name, "damaged")
    assert not (out / "leaderboards" / "fashion-mnist-smoke.md").exists()  # nothing half-written


def test_no_records_anywhere_is_one_line_error(tmp_path):
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(tmp_path))
    assert_one_line_error(proc, "no records for suite fashion-mnist", "leaderboards/records")


@pytest.mark.parametrize("content", ["", "[1, 2]", '{"schema": "ganbench.record/1"}'])
def test_keep_records_with_nothing_valid_is_one_line_error(tmp_path, content):
    run = tmp_path / "runs" / SUITE / "dcgan-seed0-00000000"
    run.mkdir(parents=True)
    (run / "record.json").write_text(content)
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(tmp_path), "--keep-records")
    assert_one_line_error(proc, "no records to keep")


# The committed reference results (McGinney et al.'s FC-GAN and DC-GAN at the poster's budget): the golden
# master of every later change. Seeds still to run are added here as their records are committed.
REFERENCE = ROOT / "leaderboards"
REFERENCE_RUNS = {(model, seed) for model in ("fcgan", "dcgan") for seed in (0, 1, 2)}  # McGinney et al.'s six


def test_committed_reference_records_validate():
    from ganbench.pipeline.records import read_kept

    paths = sorted((REFERENCE / "records" / SUITE).glob("*.json"))
    records = [read_kept(p) for p in paths]
    assert {(r.model, r.seed) for r in records} == REFERENCE_RUNS
    for path, r in zip(paths, records):
        assert r.training.steps == 37500 and r.training.batch_size == 16
        assert r.samples == {"real": 10000, "fake": 10000} and r.protocol["real_data"] == "fashion-mnist"
        assert {"fid", "fid_ci_low", "kid_mean", "precision", "recall", "density", "coverage",
                "ic_strong_error"} <= set(r.metrics)
        assert r.curve.n_fake == 1000 and r.curve.points[-1]["step"] == 37500
        assert len(r.curve.points) >= 5
        assert r.config["ic_weak"]["every_steps"] == 3750  # the weak classifier every epoch
        assert r.environment["git_commit"] and r.device.startswith("cpu")
        assert path.with_name(path.stem + "-samples.png").stat().st_size > 0
    assert len({r.protocol_id for r in records}) == 1


def test_committed_board_regenerates_from_the_committed_records(tmp_path):
    shutil.copytree(REFERENCE / "records" / SUITE, tmp_path / "leaderboards" / "records" / SUITE)
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for name in (f"{SUITE}.md", f"{SUITE}.csv", f"{SUITE}-metrics.csv"):
        assert (tmp_path / "leaderboards" / name).read_text() == (REFERENCE / name).read_text(), name
    assert (tmp_path / "leaderboards" / f"{SUITE}-fid.png").stat().st_size > 0


def test_precision_rows_name_their_feature_network(tmp_path):
    """The reference runs were scored without VGG16 weights: every table says which features stood in."""
    shutil.copytree(REFERENCE / "records" / SUITE, tmp_path / "leaderboards" / "records" / SUITE)
    metrics = pd.read_csv(REFERENCE / f"{SUITE}-metrics.csv")
    for metric in ("precision", "recall", "density", "coverage"):
        rows = metrics[metrics["metric"] == metric]
        assert len(rows) == 2 and rows["note"].str.startswith("Inception pool3 features (no VGG16 weights)").all()
    assert metrics[metrics["metric"] == "fid"]["features"].isna().all()
    board = (REFERENCE / f"{SUITE}.md").read_text()
    assert board.count("| Inception pool3 features (no VGG16 weights)") == 8
    proc = run_cli("compare", "dcgan", "fcgan", "--suite", SUITE, "--seed", "0,1,2", "--out", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["metric"]: r for r in json.loads(proc.stdout)["rows"]}
    assert rows["recall"]["features"] == "Inception pool3 features (no VGG16 weights)"
    assert rows["fid"]["features"] is None


COMMITTED_RUNS = {"dcgan-seed0-d11a756c", "dcgan-seed1-152a9bbe", "dcgan-seed2-f72c87c2", "fcgan-seed0-aa5f6155",
                  "fcgan-seed1-f32fc992", "fcgan-seed2-fb26194e"}


def test_todays_plans_name_the_committed_runs(tmp_path):
    """A run's folder is a hash of the settings that make it: a change to any of them would orphan every committed
    record and every user's runs. Pinned here, and the kept records carry those names."""
    from ganbench.pipeline.request import Request
    from ganbench.pipeline.suite import plan_runs
    from ganbench.suites import get_suite

    plans = plan_runs(Request(suite=get_suite(SUITE), models=("dcgan", "fcgan"), out=tmp_path, seeds=(0, 1, 2)))
    assert {p.run_dir.name for p in plans} == COMMITTED_RUNS
    assert {p.stem for p in (REFERENCE / "records" / SUITE).glob("*.json")} == COMMITTED_RUNS


def test_rewording_a_papers_citation_renames_no_run_and_an_earlier_name_is_still_found(tmp_path, monkeypatch):
    """The descriptive fields (source, family) stay in the configuration for readers and out of the folder's
    hash; a run an earlier ganbench named with them in the hash is found by its config.json and reused."""
    from dataclasses import replace

    from ganbench.models import registry
    from ganbench.pipeline.request import Request
    from ganbench.pipeline.suite import plan_runs
    from ganbench.suites import get_suite

    suite = get_suite("fashion-mnist-smoke")
    plan = plan_runs(Request(suite=suite, models=("fcgan",), out=tmp_path, seeds=(0,), steps=6))[0]
    assert plan.config.source.startswith("McGinney et al., General Adversarial Networks")
    zoo = registry.load_zoo()
    reworded = replace(zoo.models["fcgan"], source="McGinney et al. (undated), a poster")
    monkeypatch.setitem(zoo.models, "fcgan", reworded)
    again = plan_runs(Request(suite=suite, models=("fcgan",), out=tmp_path, seeds=(0,), steps=6))[0]
    assert again.config.source == "McGinney et al. (undated), a poster" and again.run_dir == plan.run_dir

    earlier = plan.run_dir.with_name("fcgan-seed0-0123abcd")  # the name a hash of the old citation gave
    earlier.mkdir(parents=True)
    (earlier / "config.json").write_text(json.dumps({**plan.config.to_dict(), "source": "002: McGinney et al., ..."}))
    assert plan_runs(Request(suite=suite, models=("fcgan",), out=tmp_path, seeds=(0,), steps=6))[0].run_dir == earlier
    (earlier / "config.json").write_text(json.dumps({**plan.config.to_dict(), "total_steps": 7}))  # another run: not reused
    assert plan_runs(Request(suite=suite, models=("fcgan",), out=tmp_path, seeds=(0,),
                             steps=6))[0].run_dir == plan.run_dir
