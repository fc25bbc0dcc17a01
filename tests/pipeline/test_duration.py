"""The rough duration `run` and `compare` state before their work: what is counted and how it is measured."""

from __future__ import annotations

import math

import torch

from ganbench.metrics.scorer import Scorer
from ganbench.pipeline import suite as bench
from ganbench.pipeline.request import Request
from ganbench.pipeline.duration import PlanDuration, training_rate
from ganbench.pipeline.run import build_model
from ganbench.suites import get_suite, suite_data, suite_real_images


def test_the_estimate_adds_each_run_s_steps_and_the_images_at_their_rates():
    est = PlanDuration({"a seed 0": 600, "b seed 0": 300}, {"a seed 0": 10.0, "b seed 0": 3.0}, 1_000, 8.0, "cpu")
    assert est.seconds == 60 + 100 + 125
    assert est.line() == ("planned: training a seed 0 (600 steps at 10/s), b seed 0 (300 steps at 3/s); features of "
                          "1,000 images at 8/s: about 5 min on cpu at the rates measured just now (classifier metrics "
                          "not included)")
    assert "about 45 s" in PlanDuration({}, {}, 360, 8.0, "cpu").line()
    assert "about 2.5 h" in PlanDuration({"a": 9_000}, {"a": 1.0}, 0, None, "cuda:0").line()


def test_the_training_probe_leaves_the_random_state_as_it_was(quick_train):
    config = bench.plan_runs(Request(suite=get_suite("fashion-mnist-quick"), models=("dcgan",), out="unused",
                                     seeds=(0,)))[0].config
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    rate = training_rate(lambda: build_model(config), quick_train, 16, torch.device("cpu"))
    assert math.isfinite(rate) and rate > 0
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_default_suite_s_plan_counts_its_steps_and_images(tmp_path, capsys):
    suite = get_suite("fashion-mnist-quick")
    plans = bench.plan_runs(Request(suite=suite, models=("fcgan", "dcgan"), out=tmp_path, seeds=(0,)))
    states = bench.survey(plans, ("fid", "kid"), "exact")
    scorer = Scorer(torch.device("cpu"), seed=0, metrics=("fid", "kid"), settings=suite.protocol.settings())
    bench._say_estimate(states, suite, suite_data(suite, "train"), suite_real_images(suite), scorer,
                        torch.device("cpu"))
    line = " ".join(capsys.readouterr().err.split())
    # 2 epochs of 5,000 images at batch 16; 500 real images, and per model 500 generated plus 100 at each of
    # the 2 kept snapshots (the curve's last point reuses the final images)
    assert "fcgan seed 0 (624 steps at" in line and "dcgan seed 0 (624 steps at" in line
    assert "features of 1,900 images at" in line and "on cpu" in line
    assert not list(tmp_path.iterdir())  # measuring wrote nothing
