"""scripts/reproduce.py on the CPU with scaled-down budgets: the GPU run's path end to end (train, score, keep
records, report), its budget refusing runs it has no time for, and its plan."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "reproduce.py"


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["reproduce"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_smoke_run_trains_scores_and_keeps_records(reproduce, tmp_path, capsys):
    out = tmp_path / "repro"
    archive = tmp_path / "repro.tar.gz"
    rc = reproduce.main(["--smoke", "--scale", "0.1", "--only", "dcgan64", "--no-benchmarks",
                         "--budget-minutes", "10", "--out", str(out), "--archive", str(archive)])
    assert rc == 0
    report = (out / "report.txt").read_text()
    assert "dcgan64 seed 0 on fashion-mnist64-smoke (2 steps): finished" in report and "scored" in report
    kept = sorted((out / "leaderboards" / "records" / "fashion-mnist64-smoke").glob("*.json"))
    assert [p.name.split("-seed")[0] for p in kept] == ["dcgan64"]
    record = json.loads(kept[0].read_text())
    assert record["training"]["steps"] == 2 and set(record["metrics"]) >= {"fid", "kid_mean", "precision", "coverage"}
    assert archive.stat().st_size > 0


def test_budget_too_small_starts_nothing(reproduce, tmp_path, capsys):
    out = tmp_path / "repro"
    assert reproduce.main(["--smoke", "--only", "dcgan64,sagan", "--no-benchmarks", "--budget-minutes", "0.5",
                           "--out", str(out)]) == 0
    report = (out / "report.txt").read_text().splitlines()
    assert report == ["sagan seed 0 on fashion-mnist64-smoke: not started (budget spent)",
                      "dcgan64 seed 0 on fashion-mnist64-smoke: not started (budget spent)"]
    assert not (out / "runs").exists()


def test_plan_lists_the_runs_in_priority_order(reproduce, capsys):
    assert reproduce.main(["--plan", "--smoke"]) == 0
    lines = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert lines[:3] == ["began", "sagan", "wgan-improved"] and lines[-1] == "cgan"


def test_unknown_model_is_refused(reproduce, capsys):
    with pytest.raises(SystemExit) as exc:
        reproduce.main(["--only", "nosuchgan"])
    assert exc.value.code == 2 and "nosuchgan" in capsys.readouterr().err
