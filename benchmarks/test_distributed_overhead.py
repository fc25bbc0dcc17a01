"""The cost of the distributed path at world size 1, in one process: training steps per second and sharded
generation + feature extraction in images per second, plain against under a one-process group (nccl on a
GPU, gloo on a CPU), where the trainer wraps G and D in DistributedDataParallel, averages the losses over
ranks, and the scorer shards and gathers.

    python -m pytest benchmarks/test_distributed_overhead.py -s

GANBENCH_BENCH_STEPS sets the training steps (default 200), GANBENCH_BENCH_N the generated images (default
256), GANBENCH_BENCH_REPEATS the repeats of each path (default 3). Both paths must give the same numbers: the
test checks the losses and the features are equal.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import statistics
import time

import pytest
import torch
import torch.distributed as dist

from ganbench.data import load_data
from ganbench.metrics.features.extractor import FEATURE_LAYER
from ganbench.metrics.scorer import Scorer
from ganbench.pipeline.run import build_model, plan_run, train
from ganbench.suites import get_suite

STEPS = int(os.environ.get("GANBENCH_BENCH_STEPS", "200"))
N = int(os.environ.get("GANBENCH_BENCH_N", "256"))
REPEATS = int(os.environ.get("GANBENCH_BENCH_REPEATS", "3"))
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def one_process_group() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if DEVICE.type == "cuda":
        torch.cuda.set_device(0)
    dist.init_process_group("nccl" if DEVICE.type == "cuda" else "gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=0, world_size=1, timeout=datetime.timedelta(seconds=120))


def timed_training(out) -> tuple[float, list[dict]]:
    suite = get_suite("fashion-mnist-smoke")
    data = load_data("fashion-mnist-quick", "train")
    plan = plan_run("dcgan", suite, 0, out, data, steps=STEPS)
    result = train(plan, data, DEVICE, resume=False, overwrite=True)
    log = [json.loads(line) for line in (plan.run_dir / "log.jsonl").read_text().splitlines()]
    return STEPS / result.wall_time, [{k: v for k, v in r.items() if k != "time"} for r in log]


def timed_features() -> tuple[float, torch.Tensor]:
    model = build_model({"model": "dcgan", "seed": 0, "resolution": 28, "channels": 1,
                              "hparams": {"latent_dim": 100}}).to(DEVICE)
    scorer = Scorer(DEVICE, metrics=("fid",))
    scorer.fake_from_model(model, min(N, 64), "warm-up")
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    feats = scorer.fake_from_model(model, N, "generated")[FEATURE_LAYER]
    return N / (time.perf_counter() - t0), feats


def measure(path: str, out) -> dict:
    if path == "world size 1":
        one_process_group()
    try:
        steps_per_s, log = timed_training(out)
        images_per_s, feats = timed_features()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return {"steps_per_s": steps_per_s, "images_per_s": images_per_s, "log": log, "features": feats}


def test_distributed_path_at_world_size_1(tmp_path):
    """Both paths in one test (so that it runs alone), alternating, REPEATS times each; the median ratio."""
    runs = {"plain": [], "world size 1": []}
    for r in range(REPEATS):
        for path in runs:
            runs[path].append(measure(path, tmp_path / f"{path}-{r}"))
    plain, ws1 = runs["plain"][0], runs["world size 1"][0]
    assert ws1["log"] == plain["log"], "the distributed path at world size 1 changed the training"
    assert torch.equal(ws1["features"], plain["features"]), "sharding at world size 1 changed the features"

    def ratio(key: str) -> str:
        ratios = [b[key] / a[key] for a, b in zip(runs["plain"], runs["world size 1"])]
        return f"ratio {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"

    def median(path: str, key: str) -> float:
        return statistics.median(m[key] for m in runs[path])

    print(f"\n{DEVICE}, median of {REPEATS}: dcgan training {median('plain', 'steps_per_s'):.1f} steps/s plain, "
          f"{median('world size 1', 'steps_per_s'):.1f} under DDP at world size 1 ({ratio('steps_per_s')}); "
          f"generation + Inception {median('plain', 'images_per_s'):.1f} images/s plain, "
          f"{median('world size 1', 'images_per_s'):.1f} sharded ({ratio('images_per_s')})")
