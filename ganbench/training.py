"""One generic training loop for every model: the model owns train_step, the trainer orchestrates.

The trainer feeds seeded batches, logs every step (JSONL), draws a sample
grid per epoch, writes atomic checkpoints holding every RNG state, resumes
exactly where it stopped, and turns Ctrl-C into a last checkpoint and a
clean exit. It holds no globals, so a distributed wrapper can be added
here later without touching any model.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from rich.progress import TextColumn

from ganbench import checkpoint, config, convergence
from ganbench.data import ImageData
from ganbench.errors import GanbenchError, Interrupted
from ganbench.fileio import torch_save, write_json, write_text
from ganbench.model import GAN, Batch
from ganbench.plots import read_log, save_grid, save_ic_curve, save_loss_curves
from ganbench.progress import progress
from ganbench.sampling import generate, to_unit

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"
SNAPSHOTS = "snapshots"  # G's weights at the run's snapshot steps, for the metric curve


def snapshot_path(run_dir: Path, step: int) -> Path:
    return Path(run_dir) / SNAPSHOTS / f"G_step{step:07d}.pt"


class Monitor(Protocol):
    """A measurement of the model taken every `every` steps (seed 003's weak classifier), logged in that
    step's line. It must leave the training RNG and the model's mode as it found them."""

    every: int

    def __call__(self, model: GAN) -> dict[str, float]: ...


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    steps: int
    finished: bool
    wall_time: float
    resumed_from: int


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The data order of one epoch, a pure function of (seed, epoch): resuming mid-epoch needs no saved sampler."""
    state = int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])
    return torch.randperm(n, generator=torch.Generator().manual_seed(state))


@contextmanager
def ctrl_c_flag():
    """A first Ctrl-C sets a flag the loop checks between steps (so no step is cut in half); a second one aborts."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        flag.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class Trainer:
    def __init__(self, model: GAN, data: ImageData, run_config: dict, run_dir: Path, device: torch.device,
                 seed: int, batch_size: int, total_steps: int, checkpoint_every: int = 500,
                 grid_samples: int = int(config.DEFAULTS["grid_samples"]), monitors: tuple[Monitor, ...] = ()):
        if len(data) < batch_size:
            raise GanbenchError(f"{data.name} has {len(data)} images, fewer than one batch of {batch_size}")
        self.model = model.to(device)
        self.data = data
        self.config = checkpoint.normalize_config(run_config)
        self.run_dir = Path(run_dir)
        self.device = device
        self.seed = seed
        self.batch_size = batch_size
        self.total_steps = total_steps
        self.steps_per_epoch = len(data) // batch_size
        self.checkpoint_every = checkpoint_every
        self.grid_samples = grid_samples
        self.monitors = monitors
        self.optimizers = model.configure_optimizers()
        self.snapshot_steps = set(self.config.get("snapshot_steps", ()))
        self.ckpt_path = self.run_dir / CHECKPOINT
        self.log_path = self.run_dir / LOG

    # ------------------------------------------------------------------ state

    def _save(self, step: int, wall: float, finished: bool) -> None:
        checkpoint.save(self.ckpt_path, config=self.config, step=step, model=self.model,
                        optimizers=self.optimizers, finished=finished, wall_time=wall)

    def _restore(self) -> tuple[int, float, bool]:
        ckpt = checkpoint.load(self.ckpt_path)
        if ckpt["config"] != self.config:
            raise GanbenchError(f"{self.ckpt_path} was written with another configuration; use another --out")
        try:
            self.model.load_state_dict(ckpt["model"])
            for name, opt in self.optimizers.items():
                opt.load_state_dict(ckpt["optimizers"][name])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise GanbenchError(f"damaged checkpoint {self.ckpt_path}: {str(exc).splitlines()[0][:200]}") from None
        checkpoint.set_rng_state(ckpt["rng"])
        return int(ckpt["step"]), float(ckpt["wall_time"]), bool(ckpt["finished"])

    def _trim_log(self, step: int) -> None:
        """Keep the log lines of the steps the checkpoint holds; later ones will be written again."""
        lines = [json.dumps(r) for r in read_log(self.log_path) if r["step"] <= step]
        write_text(self.log_path, "".join(line + "\n" for line in lines))

    # ------------------------------------------------------------------ loop

    def fit(self, resume: bool = False, overwrite: bool = False, stop_after: int | None = None) -> TrainResult:
        """Train to total_steps. `stop_after` ends early with a checkpoint, as Ctrl-C would (for tests)."""
        step, wall = 0, 0.0
        if self.ckpt_path.exists() and not overwrite:
            if not resume:
                raise GanbenchError(
                    f"a checkpoint already exists in {self.run_dir}: pass --resume to continue it or --overwrite to restart"
                )
            step, wall, finished = self._restore()
            if finished:
                return TrainResult(self.run_dir, step, True, wall, step)
            self._trim_log(step)
        else:
            self.log_path.unlink(missing_ok=True)
        resumed_from = step
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json(self.run_dir / "config.json", self.config)
        self.model.train()

        perm_epoch, perm = -1, None
        labels_all = self.data.labels
        t_start = time.perf_counter() - wall
        with ctrl_c_flag() as interrupted, open(self.log_path, "a") as log, \
                progress(TextColumn("{task.fields[losses]}")) as bar:
            task = bar.add_task(f"train {self.config['model']}", total=self.total_steps, completed=step, losses="")
            while step < self.total_steps:
                epoch, i = divmod(step, self.steps_per_epoch)
                if epoch != perm_epoch:
                    perm_epoch, perm = epoch, epoch_permutation(len(self.data), self.seed, epoch)
                idx = perm[i * self.batch_size: (i + 1) * self.batch_size]
                labels = labels_all[idx].to(self.device) if labels_all is not None else None
                batch = Batch(to_unit(self.data.images[idx]).to(self.device), labels)

                losses = self.model.train_step(batch, self.optimizers, step)
                bad = [k for k, v in losses.items() if not math.isfinite(v)]
                if bad:
                    raise GanbenchError(
                        f"training diverged: {bad[0]} is {losses[bad[0]]} at step {step + 1}; "
                        f"the last good checkpoint stays in {self.ckpt_path}"
                    )
                step += 1
                measured = {k: v for m in self.monitors if step % m.every == 0 for k, v in m(self.model).items()}
                wall = time.perf_counter() - t_start
                log.write(json.dumps({"step": step, "epoch": epoch + 1, "time": round(wall, 3), **losses,
                                      **measured}) + "\n")
                bar.update(task, completed=step, losses="  ".join(f"{k} {v:.4f}" for k, v in losses.items()))

                if step % self.steps_per_epoch == 0:
                    self._epoch_grid(epoch + 1)
                if step in self.snapshot_steps:
                    torch_save(snapshot_path(self.run_dir, step), self.model.G.state_dict())
                at_boundary = step % self.steps_per_epoch == 0 or step % self.checkpoint_every == 0
                if at_boundary and step < self.total_steps:  # the last step gets the final checkpoint below
                    log.flush()
                    self._save(step, wall, finished=False)
                if interrupted.is_set() or (stop_after is not None and step >= stop_after and step < self.total_steps):
                    log.flush()
                    self._save(step, wall, finished=False)
                    if interrupted.is_set():
                        bar.stop()
                        raise Interrupted(
                            f"interrupted at step {step}/{self.total_steps}; checkpoint written to {self.ckpt_path}; "
                            "continue with --resume"
                        )
                    return TrainResult(self.run_dir, step, False, wall, resumed_from)
        self._save(step, wall, finished=True)
        self._finish_plots()
        return TrainResult(self.run_dir, step, True, wall, resumed_from)

    # ------------------------------------------------------------------ pictures

    def _epoch_grid(self, epoch: int) -> None:
        # Its own seeded generator: drawing the grid does not move the training RNG.
        images = generate(self.model, self.grid_samples, seed=self.seed, batch_size=self.grid_samples)
        save_grid(self.run_dir / "samples" / f"epoch_{epoch:03d}.png", images)

    def _finish_plots(self) -> None:
        title = f"{self.config['model']} on {self.config['suite']} (seed {self.seed})"
        log = read_log(self.log_path)
        save_loss_curves(self.run_dir / "losses.png", log, title, self.steps_per_epoch)
        if convergence.has_measure(log):
            convergence.save_run_plot(self.run_dir / "convergence.png", log, self.steps_per_epoch, title)
        if any("ic_weak_error" in r for r in log):
            save_ic_curve(self.run_dir / "ic-weak.png", log, title, self.steps_per_epoch)
