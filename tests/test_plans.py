"""Long work is never started unasked: the plan and its estimate come first, and past the threshold a run
without a terminal refuses unless --yes (a terminal is asked). Names a user mistypes get a suggestion."""

from __future__ import annotations

from ganbench.suites import get_suite, quicker
from tests.helpers import assert_one_line_error, run_cli


def test_compare_over_the_threshold_without_a_terminal_starts_nothing(tmp_path):
    """McGinney et al.'s two models at the full suite's 10 epochs: hours on this CPU, refused before any work."""
    proc = run_cli("compare", "fcgan", "dcgan", "--suite", "fashion-mnist", "--out", str(tmp_path))
    last = assert_one_line_error(proc, "the plan takes about", "over the 10 min that start without asking",
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
