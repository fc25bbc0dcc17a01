"""Long work is never started unasked: the plan and its estimate come first, and past the threshold a run
without a terminal refuses unless --yes (a terminal is asked). Names a user mistypes get a suggestion."""

from __future__ import annotations

import json

import pytest
import torch

from ganbench.metrics.scorer import Scorer
from ganbench.pipeline.evaluate import PLAN_OVER_IMAGES, say_plan
from ganbench.suites import get_suite, quicker
from tests.helpers import assert_one_line_error, run_cli


def test_compare_over_the_threshold_without_a_terminal_starts_nothing(tmp_path):
    """McGinney et al.'s two models at the full suite's 10 epochs: hours on this CPU, refused before any work."""
    proc = run_cli("compare", "fcgan", "dcgan", "--suite", "fashion-mnist", "--out", str(tmp_path))
    last = assert_one_line_error(proc, "the plan takes about", "over the 60 min that start without asking",
                                 "pass --yes to start it", "--suite fashion-mnist-smoke", "fewer --steps")
    assert " h on cpu" in last or " min on cpu" in last
    assert "planned: training fcgan seed 0" in proc.stderr  # the plan is said first
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_quicker_alternative_is_a_smoke_suite_of_the_same_models_and_size():
    assert quicker(get_suite("fashion-mnist64"), ["sagan", "began"]).startswith("--suite fashion-mnist64-smoke")
    assert quicker(get_suite("mnist-latent"), ["latent2d"]).startswith("--suite fashion-mnist-latent-smoke")
    assert quicker(get_suite("fashion-mnist-smoke"), ["fcgan"]) == "fewer --steps"


def test_a_near_miss_suite_name_suggests_the_suite(tmp_path):
    last = assert_one_line_error(run_cli("run", "--suite", "fashion-mnist-smok", "--out", str(tmp_path)),
                                 "unknown suite 'fashion-mnist-smok'", "did you mean fashion-mnist-smoke?")
    assert "known: fashion-mnist-quick" in last


def test_score_says_its_plan_before_reading_many_real_images(quick_test, capfd):
    """Reading thousands of real images takes minutes on a CPU: past a few hundred, score says how long first."""
    scorer = Scorer(torch.device("cpu"), metrics=("fid",))
    say_plan(scorer, quick_test.subset(PLAN_OVER_IMAGES, 0), 50)
    assert "planned" not in capfd.readouterr().err
    say_plan(scorer, quick_test.subset(PLAN_OVER_IMAGES + 1, 0), 50)
    err = capfd.readouterr().err
    assert f"planned: features of {PLAN_OVER_IMAGES + 1} real images (unless cached) and 50 generated: about " in err
    assert "--n-real N scores against a seeded subset of N real images" in err


def test_n_real_scores_against_a_seeded_subset_of_the_real_images(png_sets):
    real, fake = png_sets
    args = ("score", "--real", str(real), "--fake", str(fake), "--metrics", "kid", "--json")
    proc = run_cli(*args, "--n-real", "12")
    assert proc.returncode == 0, proc.stderr
    scored = json.loads(proc.stdout)
    assert (scored["protocol"]["n_real"], scored["protocol"]["n_fake"]) == (12, 24)
    assert json.loads(run_cli(*args, "--n-real", "12").stdout)["metrics"] == scored["metrics"]  # the same subset
    assert_one_line_error(run_cli(*args, "--n-real", "30"), "--n-real 30 is more than the 24 real images there are")


def test_suites_say_whose_data_is_on_this_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path))  # offline (the tests' environment), nothing there yet
    def listed() -> dict:
        proc = run_cli("suites", "--json")
        assert proc.returncode == 0, proc.stderr
        return {s["name"]: s["data_available"] for s in json.loads(proc.stdout)}

    before = listed()
    assert before["fashion-mnist-smoke"] == "present"  # shipped in the package
    assert before["mnist"] == "not present" and before["landscape64"] == "not present"
    (tmp_path / "landscape").mkdir()
    assert listed()["landscape64"] == "present"
    assert "data here" in run_cli("suites").stdout


def test_inputs_that_are_not_what_was_meant_say_what_was_meant(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not images")
    assert_one_line_error(run_cli("score", "--real", str(notes), "--fake", str(tmp_path)),
                          "notes.txt is a file, not a folder of images or a .npy/.npz array of them")
    assert_one_line_error(run_cli("score", "--real", "fashion-mnst", "--fake", str(tmp_path)),
                          "--real fashion-mnst: no such folder, file or suite (did you mean the suite fashion-mnist?)")
    assert_one_line_error(run_cli("compare", "dcgan", "fcgn", "--suite", "fashion-mnist-smoke", "--out",
                                  str(tmp_path)), "unknown model 'fcgn' (did you mean fcgan?", "known: ")


def test_the_command_line_reads_the_same_everywhere():
    from ganbench import __version__

    assert run_cli("--version").stdout.strip() == f"ganbench {__version__}"
    for command in ("run", "compare", "score", "gate", "leaderboard"):
        text = run_cli(command, "--help").stdout
        assert "--help" in text and "<bool>" not in text, command  # flags as flags, never `--json <bool>`
    gate = run_cli("gate", "--help").stdout
    assert "--metrics" in gate and "hold the records" in gate  # one spelling; --out as a command that reads
    assert "--seed" in run_cli("compare", "--help").stdout and "--yes" in run_cli("run", "--help").stdout


def test_the_default_run_starts_unasked_even_at_a_third_of_the_measured_speed():
    """The README's own command, estimated at about 5 minutes on an idle 2-core CPU, starts without a terminal and
    without --yes even where a busy machine triples its estimate; hours of work are still refused."""
    from types import SimpleNamespace

    from ganbench.cli.app import _ask_before_long_work
    from ganbench.core.config import DEFAULTS
    from ganbench.core.errors import GanbenchError

    suite = get_suite(DEFAULTS.suite)
    confirm = _ask_before_long_work(False, DEFAULTS.ask_over, suite, list(suite.models))
    confirm(SimpleNamespace(seconds=3 * 5 * 60, duration="15 min", device="cpu"))  # starts: no error
    with pytest.raises(GanbenchError, match="over the 60 min that start without asking"):
        confirm(SimpleNamespace(seconds=4.1 * 3600, duration="4.1 h", device="cpu"))
