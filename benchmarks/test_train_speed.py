"""Training speed: ganbench's Trainer against a plain PyTorch loop of the same model and step, in one process.

    python -m pytest benchmarks/test_train_speed.py -s

For `fcgan` and `dcgan` (28x28, batch 16, McGinney et al.'s Adam and BCE) it trains GANBENCH_BENCH_STEPS steps
(default 300) on the embedded Fashion-MNIST subset, through the Trainer (`ganbench train`'s path: seeded
batches, JSONL log, progress bar, checkpoint and loss plot at the end) and through the plain loop written
below, alternating the two GANBENCH_BENCH_REPEATS times (default 3). Both see the same data order, the same
seed and the same noise, and their losses must be equal step for step. It prints steps/s of each (median,
min-max) and the median ratio, then the same for the variants of the plain loop that a step's arithmetic
allows (channels_last, torch.compile with its compile time) and for the thread count.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import pytest
import torch
import torch.nn.functional as F

from ganbench.data import load_data
from ganbench.data.quantize import to_unit
from ganbench.models.registry import get_model
from ganbench.pipeline.run import build_model, plan_run, train
from ganbench.suites import get_suite
from ganbench.train.trainer import epoch_permutation

STEPS = int(os.environ.get("GANBENCH_BENCH_STEPS", "300"))
REPEATS = int(os.environ.get("GANBENCH_BENCH_REPEATS", "3"))
SEED = 0
MODELS = ("fcgan", "dcgan")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GANBENCH_OFFLINE", "1")


@pytest.fixture(scope="module")
def data():
    return load_data("fashion-mnist-quick", "train")


def trainer_run(model: str, data, out) -> tuple[float, float, list[tuple[float, float]]]:
    """Steps/s of `ganbench train`'s path (everything fit() does, from start to its last file), steps/s of its
    step loop alone (the log's clock: without building the model, the final checkpoint and the plots), and
    the losses."""
    plan = plan_run(model, get_suite("fashion-mnist-smoke"), SEED, out, data, steps=STEPS, ic_weak_every=0)
    t0 = time.perf_counter()
    train(plan, data, torch.device("cpu"), resume=False, overwrite=True)
    wall = time.perf_counter() - t0
    log = [json.loads(line) for line in (plan.run_dir / "log.jsonl").read_text().splitlines()]
    return STEPS / wall, STEPS / log[-1]["time"], [(r["loss_d"], r["loss_g"]) for r in log]


def plain_run(model: str, data, channels_last: bool = False,
              compile_: bool = False) -> tuple[float, list[tuple[float, float]], float]:
    """The same training in a plain loop: seeded model, Adam, one D and one G step of BCE per batch. Returns
    steps/s (after compilation, when compiling), the losses and the compile time (first step's extra)."""
    gan = build_model({"model": model, "seed": SEED, "resolution": 28, "channels": 1,  # seeds torch, as for the Trainer
                       "hparams": get_model(model).planned_hparams()})
    h = gan.hparams
    opt_g = torch.optim.Adam(gan.G.parameters(), lr=h["lr_g"], betas=tuple(h["betas"]), eps=h["eps"])
    opt_d = torch.optim.Adam(gan.D.parameters(), lr=h["lr_d"], betas=tuple(h["betas"]), eps=h["eps"])
    G, D = gan.G, gan.D
    if channels_last:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    if compile_:
        G, D = torch.compile(G), torch.compile(D)
    batch, per_epoch = int(h["batch_size"]), len(data) // int(h["batch_size"])
    images = to_unit(data.images)  # converted once, as one tensor
    losses, compile_time, t0 = [], 0.0, time.perf_counter()
    order = None
    for step in range(STEPS):
        epoch, i = divmod(step, per_epoch)
        if i == 0:
            order = epoch_permutation(len(data), SEED, epoch)[: per_epoch * batch]
        real = images[order[i * batch:(i + 1) * batch]]
        if channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        fake = G(torch.randn(batch, 100)).detach()
        logit_real, logit_fake = D(real), D(fake)
        loss_d = 0.5 * (F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
                        + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        logit_gen = D(G(torch.randn(batch, 100)))
        loss_g = F.binary_cross_entropy_with_logits(logit_gen, torch.ones_like(logit_gen))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        losses.append((loss_d.item(), loss_g.item()))
        if step == 0 and compile_:
            compile_time, t0 = time.perf_counter() - t0, time.perf_counter()
    return (STEPS - (1 if compile_ else 0)) / (time.perf_counter() - t0), losses, compile_time


def summary(rates: list[float]) -> str:
    return f"{statistics.median(rates):7.2f} steps/s ({min(rates):.2f}-{max(rates):.2f})"


def ratio_line(name: str, ours: list[float], base: list[float]) -> str:
    ratios = [a / b for a, b in zip(ours, base)]
    return f"  {name:<34} {summary(ours)}  ratio {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"


@pytest.mark.parametrize("model", MODELS)
def test_trainer_against_plain_loop(model, data, tmp_path):
    threads = torch.get_num_threads()
    plain, ours, loop, cl = [], [], [], []
    for r in range(REPEATS):  # alternating, so that a busy moment of the machine hits both sides
        rate, plain_losses, _ = plain_run(model, data)
        plain.append(rate)
        rate, loop_rate, trainer_losses = trainer_run(model, data, tmp_path / f"r{r}")
        ours.append(rate)
        loop.append(loop_rate)
        assert trainer_losses == plain_losses  # the same computation, bit for bit
        rate, cl_losses, _ = plain_run(model, data, channels_last=True)
        cl.append(rate)
    cl_diff = max(abs(a - b) / abs(b) for p, q in zip(cl_losses, plain_losses) for a, b in zip(p, q))
    lines = [f"{model}, {STEPS} steps, batch 16, {threads} threads, median of {REPEATS} (min-max):",
             f"  {'plain loop':<34} {summary(plain)}",
             ratio_line("Trainer (ganbench train)", ours, plain),
             ratio_line("Trainer, step loop alone", loop, plain),
             ratio_line("plain, channels_last", cl, plain) + f"  loss rel. diff {cl_diff:.1e}"]
    print("\n" + "\n".join(lines))


@pytest.mark.parametrize("model", MODELS)
def test_threads(model, data):
    """One thread against all cores, in the plain loop (the same arithmetic: only the reduction order may differ)."""
    threads = torch.get_num_threads()
    if threads < 2:
        pytest.skip("one core: nothing to compare")
    one, many = [], []
    try:
        for _ in range(REPEATS):
            torch.set_num_threads(1)
            one.append(plain_run(model, data)[0])
            torch.set_num_threads(threads)
            many.append(plain_run(model, data)[0])
    finally:
        torch.set_num_threads(threads)
    print(f"\n{model}, plain loop:\n  {threads} threads {summary(many)}\n" + ratio_line("1 thread", one, many))


@pytest.mark.parametrize("model", MODELS)
def test_compile(model, data):
    """torch.compile of G and D (inductor): steps/s after compiling, the compile time, and how far its losses move."""
    torch._dynamo.reset()  # a cold start: the first repeat pays the whole compilation
    base, compiled = [], []
    try:
        for _ in range(REPEATS):  # alternating, so that a busy moment of the machine hits both sides
            base.append(plain_run(model, data))
            compiled.append(plain_run(model, data, compile_=True))
    except Exception as exc:  # no C++ compiler, or inductor unsupported here: report, do not fail
        pytest.skip(f"torch.compile unavailable: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    diff = max(abs(a - b) / abs(b) for p, q in zip(compiled[0][1], base[0][1]) for a, b in zip(p, q))
    # Later repeats reuse the process's compiled graphs: their first step is the warm cost, not compilation.
    print(f"\n{model}, plain loop:\n  eager {summary([b[0] for b in base])}\n"
          + ratio_line("torch.compile", [c[0] for c in compiled], [b[0] for b in base])
          + f"  compile {compiled[0][2]:.1f} s cold, {statistics.median(c[2] for c in compiled[1:]):.2f} s warm;"
          + f" loss rel. diff {diff:.1e}")
