"""The papers' runs on one GPU, most valuable first, within a wall-clock budget.

    python scripts/reproduce.py --budget-minutes 14 --out repro            # on a GPU machine
    python scripts/reproduce.py --plan                                     # what it would run, and nothing else
    python scripts/reproduce.py --smoke --scale 0.001 --budget-minutes 5   # the same path on a CPU, scaled down

Each run trains with `ganbench train --resume` (so a stopped run continues from its checkpoint on the next
call), is stopped with Ctrl-C's clean path (a last checkpoint) when its share of the budget is spent, and is
scored with `ganbench run` once its training is finished. The budget keeps time for the scoring of a run that
finishes and, at the end, for the GPU benchmarks (exact and fast precision against torch-fidelity, the
distributed path's overhead, the trainer's overhead). Records are then copied to
OUT/leaderboards/records/<suite>/ (`ganbench leaderboard --keep-records`) and, with --archive, packed with the
boards and logs into one .tar.gz to bring back and commit.

--scale F trains F times each paper's steps (at least 2), for checking the script; --smoke swaps every suite
for its small CPU counterpart (the embedded Fashion-MNIST subset, tens of images scored).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Job:
    suite: str
    model: str
    seed: int
    why: str


# Priority order: BEGAN's thesis run (Zaika), SAGAN (Bury), the improved WGAN and its ablations (Wang et al.),
# the 64x64 DCGAN baseline, then Korotka et al.'s latent-space GANs and CGAN. CelebA and the ore images cannot
# be had offline, so the 64x64 models train on the full Fashion-MNIST at 64x64.
JOBS = (
    Job("began-thesis", "began", 0, "Zaika: BEGAN with a ResNet18 autoencoder, 8 epochs, M and k by epoch"),
    Job("fashion-mnist64", "sagan", 0, "Bury: SAGAN, 5 epochs"),
    Job("fashion-mnist64", "wgan-improved", 0, "Wang et al.: the improved WGAN, 10,000 steps"),
    *(Job("fashion-mnist64", m, 0, "Wang et al.: ablation, 10,000 steps")
      for m in ("wgan", "wgan-sn", "wgan-sa", "wgan-res")),
    Job("fashion-mnist64", "dcgan64", 0, "Wang et al.'s baseline (Radford's DCGAN), 10,000 steps"),
    *(Job("fashion-mnist-latent", m, 0, "Korotka et al.: 2-D/3-D/4-D latents and the CGAN, 50 epochs")
      for m in ("latent2d", "latent3d", "latent4d", "cgan")),
)
SMOKE = {"began-thesis": "fashion-mnist64-smoke", "fashion-mnist64": "fashion-mnist64-smoke",
         "fashion-mnist-latent": "fashion-mnist-latent-smoke"}
METRICS = "fid,kid,pr,dc"
SCORE_RESERVE_S = 150  # a finished run's scoring (10k generated and, once, 10k real images on a GPU)
BENCHMARKS = ("benchmarks/test_throughput.py", "benchmarks/test_distributed_overhead.py",
              "benchmarks/test_train_speed.py")
BENCHMARK_RESERVE_S = 240
MIN_SLICE_S = 30  # a run is not started with less time than this


def ganbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "ganbench", *args]


@functools.lru_cache(maxsize=None)
def train_data(suite: str):
    from ganbench.suites import get_suite, suite_data

    return suite_data(get_suite(suite), "train")


def paper_steps(job: Job, suite: str) -> int:
    """The run's training steps as `ganbench train` plans them (each paper's budget on the suite)."""
    from ganbench.pipeline.run import plan_run
    from ganbench.suites import get_suite

    return int(plan_run(job.model, get_suite(suite), job.seed, Path("."), train_data(suite)).config.total_steps)


def train(job: Job, suite: str, steps: int | None, out: Path, seconds: float, log) -> str:
    """Train (or resume) within `seconds`; stopped with SIGINT (a last checkpoint) when they run out.
    Returns 'finished', 'stopped' or 'failed'."""
    cmd = ganbench("train", job.model, "--suite", suite, "--seed", str(job.seed), "--resume", "--out", str(out),
                   *(("--steps", str(steps)) if steps else ()))
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT)
    try:
        rc = proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait()
        return "stopped" if rc == 130 else "failed"
    return "finished" if rc == 0 else "failed"


def score(job: Job, suite: str, steps: int | None, out: Path, log) -> bool:
    cmd = ganbench("run", "--suite", suite, "--models", job.model, "--seed", str(job.seed), "--metrics", METRICS,
                   "--out", str(out), *(("--steps", str(steps)) if steps else ()))
    return subprocess.run(cmd, stdout=log, stderr=log, cwd=ROOT).returncode == 0


def benchmarks(out: Path, seconds: float, smoke: bool) -> str:
    env = {**os.environ, **({"GANBENCH_BENCH_STEPS": "20", "GANBENCH_BENCH_N": "32", "GANBENCH_BENCH_REPEATS": "1"}
                            if smoke else {"GANBENCH_BENCH_STEPS": "1000", "GANBENCH_BENCH_N": "4096"})}
    with open(out / "benchmarks.txt", "w") as f:
        try:
            rc = subprocess.run([sys.executable, "-m", "pytest", *BENCHMARKS, "-s", "-q", "-p", "no:cacheprovider"],
                                stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=env, timeout=seconds).returncode
        except subprocess.TimeoutExpired:
            return "timed out"
    return "passed" if rc == 0 else f"failed (exit {rc})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--budget-minutes", type=float, default=14.0, help="wall-clock budget for everything")
    p.add_argument("--out", type=Path, default=Path("repro"), help="folder for runs/ and leaderboards/")
    p.add_argument("--scale", type=float, default=1.0, help="train this fraction of each paper's steps")
    p.add_argument("--smoke", action="store_true", help="each suite's small CPU counterpart")
    p.add_argument("--only", default="", help="comma-separated models to run (default: all, in priority order)")
    p.add_argument("--no-benchmarks", action="store_true", help="skip the GPU benchmarks")
    p.add_argument("--archive", type=Path, help="pack records, boards, logs and the report into this .tar.gz")
    p.add_argument("--plan", action="store_true", help="print the runs and their steps, run nothing")
    a = p.parse_args(argv)
    if not (a.budget_minutes > 0 and 0 < a.scale <= 1):
        p.error("--budget-minutes must be positive and --scale in (0, 1]")
    only = {m for m in a.only.split(",") if m}
    jobs = [j for j in JOBS if not only or j.model in only]
    if only - {j.model for j in jobs}:
        p.error(f"--only names models the script does not run: {', '.join(sorted(only - {j.model for j in jobs}))}")

    plan = []
    for job in jobs:
        suite = SMOKE[job.suite] if a.smoke else job.suite
        full = paper_steps(job, suite)
        steps = None if a.scale == 1 else max(2, math.ceil(full * a.scale))
        plan.append((job, suite, steps, steps or full))
    bench_reserve = 0 if a.no_benchmarks else BENCHMARK_RESERVE_S
    print(f"budget {a.budget_minutes:g} min ({bench_reserve} s kept for the benchmarks, {SCORE_RESERVE_S} s for "
          "each finished run's scoring), runs in this order:")
    for job, suite, _, n in plan:
        print(f"  {job.model:<14} seed {job.seed}  {suite:<26} {n:>7,} steps  {job.why}")
    if a.plan:
        return 0

    a.out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + a.budget_minutes * 60
    report, suites_scored = [], set()
    with open(a.out / "reproduce.log", "a") as log:
        for job, suite, steps, n in plan:
            left = deadline - time.monotonic() - bench_reserve - SCORE_RESERVE_S
            if left < MIN_SLICE_S:
                report.append(f"{job.model} seed {job.seed} on {suite}: not started (budget spent)")
                continue
            t0 = time.monotonic()
            state = train(job, suite, steps, a.out, left, log)
            line = f"{job.model} seed {job.seed} on {suite} ({n:,} steps): {state} after {time.monotonic() - t0:.0f} s"
            if state == "finished":
                ok = score(job, suite, steps, a.out, log)
                line += "; scored" if ok else "; scoring failed (see reproduce.log)"
                suites_scored |= {suite} if ok else set()
            elif state == "stopped":
                line += "; its checkpoint resumes on the next call"
            report.append(line)
            print(line, flush=True)
        for suite in sorted(suites_scored):
            subprocess.run(ganbench("leaderboard", "--suite", suite, "--out", str(a.out), "--keep-records"),
                           stdout=log, stderr=log, cwd=ROOT)
    if not a.no_benchmarks:
        left = deadline - time.monotonic()
        report.append(f"benchmarks: {benchmarks(a.out, left, a.smoke) if left > 60 else 'not run (budget spent)'}")
        print(report[-1])
    (a.out / "report.txt").write_text("\n".join(report) + "\n")
    if a.archive:
        with tarfile.open(a.archive, "w:gz") as tar:
            for name in ("leaderboards", "report.txt", "reproduce.log", "benchmarks.txt"):
                if (a.out / name).exists():
                    tar.add(a.out / name, arcname=name)
            for log_file in sorted((a.out / "runs").glob("*/*/log.jsonl")):
                tar.add(log_file, arcname=str(log_file.relative_to(a.out)))
        print(f"wrote {a.archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
