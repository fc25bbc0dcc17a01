"""Throughput of `ganbench score` against torch-fidelity's own `calculate_metrics`, in one process.

    python -m pytest benchmarks/ -s

Both read the same two PNG folders of real Fashion-MNIST images and compute
FID with the same Inception weights; neither may use a feature cache (ours is a
private one, cleared before each call). It prints the median ratio over repeats
and checks that exact's FID equals torch-fidelity's to 1e-4 and, on a GPU, that
`--precision fast` stays within 0.5% of exact. GANBENCH_BENCH_N sets the images
per set (default 128), GANBENCH_BENCH_REPEATS the repeats of each side (default
3); GANBENCH_BENCH_SIZE upsamples the images (default 28, Fashion-MNIST's own
size) to time larger inputs.
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
import torch
import torch_fidelity

from ganbench.data import load_data
from ganbench.metrics import cache
from ganbench.metrics.features.inception import resolve_weights
from ganbench.pipeline.evaluate import ScoreOptions, score_inputs
from tests.helpers import write_pngs

N = int(os.environ.get("GANBENCH_BENCH_N", "128"))  # images per set
SIZE = int(os.environ.get("GANBENCH_BENCH_SIZE", "28"))
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
REPEATS = int(os.environ.get("GANBENCH_BENCH_REPEATS", "3"))
CHECKS: dict[str, dict] = {}


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
    CHECKS[precision] = result.precision_check
    return result.values["fid"]


def seconds(fn) -> tuple[float, float]:
    start = time.perf_counter()
    fid = fn()
    return time.perf_counter() - start, fid


def test_throughput_against_torch_fidelity(folders):
    """torch-fidelity, ganbench exact (and fast on a GPU), alternating, REPEATS times each after one warm-up
    of each (model load, first-call overheads, cuDNN autotuning): the median ratio with its min and max."""
    real, fake = folders
    weights = resolve_weights().path
    sides = {"torch-fidelity": lambda: run_torch_fidelity(real, fake, weights),
             "ganbench": lambda: run_ganbench(real, fake)}
    if DEVICE.type == "cuda":  # on a CPU without native float16, fast runs exact's kernels
        sides["ganbench fast"] = lambda: run_ganbench(real, fake, "fast")
    for fn in sides.values():
        fn()
    runs = {name: [] for name in sides}
    for _ in range(REPEATS):  # alternating, so that a busy moment of the machine hits every side
        for name, fn in sides.items():
            runs[name].append(seconds(fn))
    images = 2 * N
    name = torch.cuda.get_device_name() if DEVICE.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"\n{name}: {images} images of {SIZE}x{SIZE} -> 299x299, median of {REPEATS} (min-max)")
    peer = [t for t, _ in runs["torch-fidelity"]]
    for label, timings in runs.items():
        t = [s for s, _ in timings]
        ratios = [a / b for a, b in zip(peer, t)]
        print(f"  {label:16s} {statistics.median(t):7.1f} s ({min(t):.1f}-{max(t):.1f}) "
              f"{images / statistics.median(t):8.1f} img/s  {statistics.median(ratios):5.2f}x "
              f"({min(ratios):.2f}-{max(ratios):.2f})  FID {timings[0][1]:.6f}")
    assert runs["ganbench"][0][1] == pytest.approx(runs["torch-fidelity"][0][1], rel=1e-4)
    if "ganbench fast" in runs:
        print(f"  fast's own calibration: {CHECKS['fast']}")
        assert runs["ganbench fast"][0][1] == pytest.approx(runs["ganbench"][0][1], rel=5e-3)
