"""Exact resume for every zoo family: a run stopped after 3 steps and resumed ends bit-identical to the same
run done in one go (weights, buffers, optimizer state, every logged loss). Each family keeps state of its
own across steps: WGAN's critic-step counter and clipping, SAGAN's gradient penalty, the one-tape latent
models' shared step, the CGAN's labels, the original BEGAN's k."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from ganbench.pipeline import run as runs
from ganbench.pipeline.run import plan_run, train
from ganbench.suites import get_suite, suite_data
from ganbench.train import checkpoint

STEPS, STOP = 6, 3  # WGAN's n_critic is 5: G steps at 0 and 5, one on each side of the stop
FAMILIES = [("wgan", "fashion-mnist64-smoke"), ("wgan-improved", "fashion-mnist64-smoke"),
            ("sagan", "fashion-mnist64-smoke"), ("dcgan64", "fashion-mnist64-smoke"),
            ("began-original", "fashion-mnist64-smoke"), ("latent2d", "fashion-mnist-latent-smoke"),
            ("cgan", "fashion-mnist-latent-smoke")]


def same(a, b, where: str = "") -> None:
    """Nested checkpoint contents equal, tensors bit for bit."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def losses(run_dir) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k != "time"}
            for line in (run_dir / "log.jsonl").read_text().splitlines()]


@pytest.fixture
def batches_of_4(monkeypatch):
    """Each model with its own code and hyperparameters but a batch of 4 (the papers' 32 and 64 at 64x64 take
    up to 16 s a step on a 2-core CPU): what a resume restores does not depend on the batch size."""
    get_model = runs.get_model

    def small(name):
        spec = get_model(name)
        return dataclasses.replace(spec, defaults={**spec.defaults, "batch_size": 4})

    monkeypatch.setattr(runs, "get_model", small)


@pytest.mark.slow
@pytest.mark.parametrize("model,suite", FAMILIES, ids=[m for m, _ in FAMILIES])
def test_resume_equals_the_uninterrupted_run(model, suite, tmp_path, batches_of_4):
    s = get_suite(suite)
    data = suite_data(s, "train")
    cpu = torch.device("cpu")
    straight = plan_run(model, s, 1, tmp_path / "a", data, steps=STEPS)
    train(straight, data, cpu)
    split = plan_run(model, s, 1, tmp_path / "b", data, steps=STEPS)
    assert not train(split, data, cpu, stop_after=STOP).finished
    resumed = train(split, data, cpu, resume=True)
    assert resumed.finished and resumed.resumed_from == STOP
    assert straight.config.batch_size == 4
    a, b = checkpoint.load(straight.checkpoint), checkpoint.load(split.checkpoint)
    same(a["model"], b["model"], "model")
    same(a["optimizers"], b["optimizers"], "optimizers")
    assert losses(split.run_dir) == losses(straight.run_dir)
