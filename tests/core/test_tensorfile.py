"""Checkpoints and arrays that ganbench refuses: each refusal is one line in our words, and none suggests the
unsafe load that torch's and numpy's own messages recommend."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from ganbench.pipeline.run import plan_run, train
from ganbench.suites import get_suite
from ganbench.train.trainer import snapshot_path
from tests.helpers import assert_one_line_error, run_cli

SUITE = get_suite("fashion-mnist-quick")


class Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.fixture(scope="module")
def run(tmp_path_factory, quick_train):
    data = quick_train.subset(64, seed=0)
    plan = plan_run("fcgan", SUITE, 0, tmp_path_factory.mktemp("run"), data, steps=4)
    train(plan, data, torch.device("cpu"))
    return plan


def score_checkpoint(path):
    return run_cli("score", "--checkpoint", str(path), "--suite", "fashion-mnist-smoke", "--n-fake", "8")


def assert_no_unsafe_advice(proc):
    assert "weights_only" not in proc.stderr and "unsafe" not in proc.stderr.lower(), proc.stderr


def test_a_pickled_object_checkpoint_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"format": 1, "config": Payload(marker)}, path)
    proc = score_checkpoint(path)
    assert_one_line_error(proc, "refused checkpoint", "holds Python objects, not only tensors")
    assert_no_unsafe_advice(proc)
    assert not marker.exists()


@pytest.mark.parametrize("content, fragment", [
    (b"", "truncated"),
    (b"\x00" * 100, "not a torch tensor file"),
    (pickle.dumps({"format": 1}), "not a torch tensor file"),  # a plain pickle, not torch's format
], ids=["empty", "zeros", "plain-pickle"])
def test_files_that_are_not_torch_files(tmp_path, content, fragment):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(content)
    proc = score_checkpoint(path)
    assert_one_line_error(proc, "damaged checkpoint", fragment)
    assert_no_unsafe_advice(proc)


def test_a_truncated_checkpoint_says_so_in_a_whole_sentence(tmp_path, run):
    data = run.checkpoint.read_bytes()
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(data[: len(data) // 2])
    last = assert_one_line_error(score_checkpoint(path), "damaged checkpoint")
    assert last.endswith("the file is truncated or not a complete torch/numpy file"), last


@pytest.mark.parametrize("change, fragment", [
    (lambda c: {}, "is not a ganbench checkpoint"),
    (lambda c: {k: v for k, v in c.items() if k != "finished"}, "has no 'finished' field"),
    (lambda c: {**c, "step": "12"}, "has a malformed 'step' field"),
    (lambda c: {**c, "config": [1, 2]}, "has a malformed 'config' field"),
], ids=["empty-dict", "no-finished", "step-string", "config-list"])
def test_checkpoints_with_missing_or_malformed_fields(tmp_path, run, change, fragment):
    path = tmp_path / "checkpoint.pt"
    torch.save(change(torch.load(run.checkpoint, weights_only=True)), path)
    assert_one_line_error(score_checkpoint(path), fragment)


def test_a_checkpoint_of_another_model_names_what_does_not_fit(tmp_path, run):
    ckpt = torch.load(run.checkpoint, weights_only=True)
    weights = dict(ckpt["model"])
    first = next(iter(weights))
    weights[first] = torch.zeros(3, 3)
    weights["extra.weight"] = torch.zeros(1)
    path = tmp_path / "checkpoint.pt"
    torch.save({**ckpt, "model": weights}, path)
    last = assert_one_line_error(score_checkpoint(path), "does not fit model 'fcgan'")
    assert "1 unexpected (e.g. extra.weight)" in last and f"{first}: [3, 3] in the file" in last, last


def test_a_snapshot_passed_as_a_checkpoint_names_the_file_to_pass(run):
    snapshots = sorted(snapshot_path(run.run_dir, 0).parent.glob("*.pt"))
    assert snapshots
    proc = run_cli("explore", str(snapshots[-1]))
    assert_one_line_error(proc, "holds bare weights (a training snapshot", str(run.run_dir / "checkpoint.pt"))


def test_an_object_array_is_refused_without_pointing_at_allow_pickle(tmp_path, png_sets):
    real, _ = png_sets
    path = tmp_path / "fake.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    proc = run_cli("score", "--real", str(real), "--fake", str(path))
    assert_one_line_error(proc, "corrupt image array", "holds Python objects, not only tensors")
    assert "allow_pickle" not in proc.stderr and "unsafe" not in proc.stderr.lower(), proc.stderr


def test_a_damaged_or_poisoned_classifier_cache_is_retrained_not_loaded(tmp_path, capsys):
    from ganbench.metrics.classifiers.labels import _load_cached

    marker = tmp_path / "ran"
    evil, junk, bare = tmp_path / "evil.pt", tmp_path / "junk.pt", tmp_path / "bare.pt"
    torch.save({"key": Payload(marker)}, evil)
    junk.write_bytes(b"\x00" * 10)
    torch.save(torch.zeros(3), bare)  # readable tensors, but not a cache entry
    assert _load_cached(evil, {}) is None and _load_cached(junk, {}) is None and _load_cached(bare, {}) is None
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long warnings
    assert "holds Python objects" in err and "not a torch tensor file" in err and "retraining" in err
    assert "bare.pt is not one ganbench wrote" in err
    assert "Error" not in err and not marker.exists()  # no exception type names in front of the user
