"""Throughput of `ganbench score` against torch-fidelity's own `calculate_metrics`, in one process.

    python -m pytest benchmarks/ -s

Both read the same two PNG folders of real Fashion-MNIST images and compute
FID with the same Inception weights; neither may use a feature cache. The
last test prints the ratios and checks that exact's FID equals torch-fidelity's
to 1e-4 and, on a GPU, that `--precision fast` stays within 0.5% of exact.
GANBENCH_BENCH_N sets the images per set (default 128); GANBENCH_BENCH_SIZE
upsamples them (default 28, Fashion-MNIST's own size) to time larger inputs.
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
SIZE = int(os.environ.get("GANBENCH_BENCH_SIZE", "28"))
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    for name, split in (("real", "test"), ("fake", "train")):
        images = load_data("fashion-mnist-quick", split).images[:N]
        if SIZE != images.shape[-1]:
            images = torch.nn.functional.interpolate(images.float(), size=SIZE, mode="bilinear").round().byte()
        write_pngs(root / name, images.numpy())
    return root / "real", root / "fake"


def run_torch_fidelity(real, fake, weights):
    return torch_fidelity.calculate_metrics(
        input1=str(fake), input2=str(real), fid=True, cuda=DEVICE.type == "cuda",
        feature_extractor_weights_path=str(weights), cache=False, verbose=False,
    )["frechet_inception_distance"]


def run_ganbench(real, fake, precision="exact"):
    cache.clear()  # extract both sets, as torch-fidelity does without its cache
    opts = ScoreOptions(DEVICE, metrics=("fid",), bootstrap=0, precision=precision)
    result = score_inputs(str(real), None, fake, opts)
    RESULTS.setdefault("checks", {})[precision] = result["precision_check"]
    return result["metrics"]["fid"]


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


@pytest.mark.skipif(DEVICE.type != "cuda", reason="on a CPU without native float16, fast runs exact's kernels")
def test_ganbench_score_fast(benchmark, folders):
    real, fake = folders
    run_ganbench(real, fake, "fast")  # warm-up: cuDNN autotuning
    timed(benchmark, "ganbench fast", lambda: run_ganbench(real, fake, "fast"))


def test_ratio():
    peer = RESULTS["torch-fidelity"]
    images = 2 * N
    name = torch.cuda.get_device_name() if DEVICE.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"\n{name}: {images} images of {SIZE}x{SIZE} -> 299x299")
    for label in ("torch-fidelity", "ganbench", "ganbench fast"):
        if label in RESULTS:
            r = RESULTS[label]
            print(f"  {label:16s} {r['seconds']:7.1f} s {images / r['seconds']:9.1f} img/s  "
                  f"{peer['seconds'] / r['seconds']:5.2f}x  FID {r['fid']:.6f}")
    assert RESULTS["ganbench"]["fid"] == pytest.approx(peer["fid"], rel=1e-4)
    if "ganbench fast" in RESULTS:
        check = RESULTS["checks"]["fast"]
        print(f"  fast's own calibration: {check}")
        assert RESULTS["ganbench fast"]["fid"] == pytest.approx(RESULTS["ganbench"]["fid"], rel=5e-3)
