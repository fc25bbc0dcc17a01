"""Throughput of `ganbench score` against torch-fidelity's own `calculate_metrics`, in one process.

    python -m pytest benchmarks/ -s

Both read the same two PNG folders of real Fashion-MNIST images and compute
FID with the same Inception weights; neither may use a feature cache. The
last test prints the ratio and checks that both FIDs agree to 1e-4.
"""

from __future__ import annotations

import os
import time

import pytest
import torch
import torch_fidelity

from ganbench.data import load_data
from ganbench.evaluate import ScoreOptions, score_inputs
from ganbench.metrics import cache
from ganbench.metrics.inception import resolve_weights
from tests.helpers import write_pngs

N = int(os.environ.get("GANBENCH_BENCH_N", "128"))  # images per set
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    write_pngs(root / "real", load_data("fashion-mnist-quick", "test").images[:N].numpy())
    write_pngs(root / "fake", load_data("fashion-mnist-quick", "train").images[:N].numpy())
    return root / "real", root / "fake"


def run_torch_fidelity(real, fake, weights):
    return torch_fidelity.calculate_metrics(
        input1=str(fake), input2=str(real), fid=True, cuda=DEVICE.type == "cuda",
        feature_extractor_weights_path=str(weights), cache=False, verbose=False,
    )["frechet_inception_distance"]


def run_ganbench(real, fake):
    cache.clear()  # extract both sets, as torch-fidelity does without its cache
    opts = ScoreOptions(DEVICE, metrics=("fid",), bootstrap=0)
    return score_inputs(str(real), None, fake, opts)["metrics"]["fid"]


def timed(benchmark, name, fn):
    start = time.perf_counter()
    fid = benchmark.pedantic(fn, rounds=1, iterations=1, warmup_rounds=0)
    RESULTS[name] = {"fid": fid, "seconds": time.perf_counter() - start}


def test_torch_fidelity_calculate_metrics(benchmark, folders):
    real, fake = folders
    weights = resolve_weights().path
    run_torch_fidelity(real, fake, weights)  # warm-up: model load, first-call overheads
    timed(benchmark, "torch-fidelity", lambda: run_torch_fidelity(real, fake, weights))


def test_ganbench_score(benchmark, folders):
    real, fake = folders
    run_ganbench(real, fake)  # warm-up
    timed(benchmark, "ganbench", lambda: run_ganbench(real, fake))


def test_ratio():
    peer, ours = RESULTS["torch-fidelity"], RESULTS["ganbench"]
    images = 2 * N
    print(f"\n{DEVICE} ({torch.get_num_threads()} threads), {images} images of 28x28 -> 299x299:")
    print(f"  torch-fidelity calculate_metrics: {peer['seconds']:.1f} s, {images / peer['seconds']:.1f} img/s, FID {peer['fid']:.6f}")
    print(f"  ganbench score:                   {ours['seconds']:.1f} s, {images / ours['seconds']:.1f} img/s, FID {ours['fid']:.6f}")
    print(f"  throughput ratio (ganbench / torch-fidelity): {peer['seconds'] / ours['seconds']:.2f}x")
    assert ours["fid"] == pytest.approx(peer["fid"], rel=1e-4)
