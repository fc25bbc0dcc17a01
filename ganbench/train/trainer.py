"""One generic training loop for every model: the model owns train_step, the trainer orchestrates.

The trainer feeds seeded batches, logs every step (JSONL), draws a sample
grid per epoch, writes atomic checkpoints holding every RNG state, resumes
exactly where it stopped, and turns Ctrl-C into a last checkpoint and a
clean exit.

Under torchrun it wraps G and D in DistributedDataParallel for the length of
each `train_step` (models hold no distributed code), gives each rank its
share of the global batch the model's hyperparameters name, and averages the
logged losses and the model's own state (BEGAN's k) over the ranks. Rank 0
alone writes files; it reads the checkpoint and broadcasts it, so a run
resumes with any number of processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
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
from torch.utils.data import DistributedSampler

from ganbench.core import config, distributed
from ganbench.core.contracts import RunConfig, identity
from ganbench.core.errors import GanbenchError, Interrupted
from ganbench.core.fileio import torch_save, write_json, write_text
from ganbench.core.progress import progress, warn
from ganbench.core.tensorfile import state_dict_mismatch
from ganbench.data import ImageData
from ganbench.data.quantize import to_unit
from ganbench.models.base import GAN, Batch
from ganbench.models.sampling import generate
from ganbench.train import checkpoint
from ganbench.train.log import read_log
from ganbench.train.pictures import save_grid, save_ic_curve, save_loss_curves

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"
SNAPSHOTS = "snapshots"  # G's weights at the run's snapshot steps, for the metric curve


@contextmanager
def exclusive(run_dir: Path):
    """One writer per run folder: a second `train` on it is refused, where it would delete the log the first one
    is appending to. The lock is on the folder itself (flock), so it goes with the process, however it ends."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GanbenchError(f"{run_dir} is being trained by another ganbench process: wait for it to finish, "
                                f"or train into another --out") from None
        yield
    finally:
        os.close(fd)


def snapshot_path(run_dir: Path, step: int) -> Path:
    return Path(run_dir) / SNAPSHOTS / f"G_step{step:07d}.pt"


class Monitor(Protocol):
    """A measurement of the model taken every `every` steps (Korotka et al.'s weak classifier), logged in that
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


class EpochSampler(DistributedSampler):
    """This rank's share of each epoch's seeded order: the epoch's global batches (the single process's), each
    dealt round the ranks (rank r takes every world-size-th index from r). The ranks' batches at a step make up
    the single process's batch whatever their number, and a resumed run finds its place from the step alone."""

    def __init__(self, n: int, seed: int, per_epoch: int, world: distributed.World):
        super().__init__(range(n), num_replicas=world.size, rank=world.rank, shuffle=True, seed=seed, drop_last=True)
        self.per_epoch = per_epoch  # whole global batches: the last partial one is dropped, as by one process

    def __iter__(self):
        order = epoch_permutation(len(self.dataset), self.seed, self.epoch)[: self.per_epoch]
        return iter(order[self.rank:: self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.per_epoch // self.num_replicas


@contextmanager
def stop_flag(signals: tuple[signal.Signals, ...] = (signal.SIGINT,)):
    """A first Ctrl-C (or, under torchrun, the SIGTERM it stops its workers with) sets a flag the loop checks
    between steps, so no step is cut in half; a second one aborts."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        flag.set()
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)

    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def data_parallel(model: GAN, replicas: tuple[torch.nn.Module, torch.nn.Module] | None):
    """The model's G and D replaced by their DistributedDataParallel wrappers for one train_step (which calls
    them as self.G and self.D); outside it, the plain modules, so state dicts and pictures are unchanged."""
    if replicas is None:
        yield
        return
    plain = model._modules["G"], model._modules["D"]
    model._modules["G"], model._modules["D"] = replicas
    try:
        yield
    finally:
        model._modules["G"], model._modules["D"] = plain


def reseed_rank(seed: int, step: int, rank: int) -> None:
    """The noise of a rank other than 0 at a step, from (seed, step, rank): a run resumed at the same process
    count draws what it would have drawn (rank 0's stream is the checkpoint's, as in one process)."""
    torch.manual_seed(int(np.random.SeedSequence([seed, step, rank]).generate_state(1)[0]))


class Trainer:
    def __init__(self, model: GAN, data: ImageData, run_config: RunConfig, run_dir: Path, device: torch.device, *,
                 checkpoint_every: int = config.DEFAULTS.checkpoint_every,
                 grid_samples: int = config.DEFAULTS.grid_samples, monitors: tuple[Monitor, ...] = ()):
        """The run's seed, global batch and budget are its configuration's."""
        seed, batch_size, total_steps = run_config.seed, run_config.batch_size, run_config.total_steps
        if len(data) < batch_size:
            raise GanbenchError(f"{data.name} has {len(data)} images, fewer than one batch of {batch_size}")
        self.world = distributed.current()
        if batch_size % self.world.size:
            raise GanbenchError(f"the global batch of {batch_size} does not split evenly over {self.world.size} "
                                "processes: start a number of processes that divides it")
        self.rank_batch = batch_size // self.world.size  # the model's batch is the global one: its lr holds
        self.model = model.to(device)
        self.data = data
        self.config = run_config
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
        self.snapshot_steps = set(self.config.snapshot_steps)
        self.ckpt_path = self.run_dir / CHECKPOINT
        self.log_path = self.run_dir / LOG
        self.sampler = EpochSampler(len(data), seed, self.steps_per_epoch * batch_size, self.world)
        if self.world.distributed and model.sync_batchnorm:
            self._sync_batchnorm()

    def _sync_batchnorm(self) -> None:
        if not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in self.model.modules()):
            return
        if self.device.type == "cuda":
            # The converted layers keep the same parameters (so the optimizers') and state-dict keys.
            torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.model)
        elif self.world.is_main:
            warn(f"{self.config.model} normalizes over the global batch on GPUs (SyncBatchNorm); torch has no "
                 f"CPU SyncBatchNorm, so each of the {self.world.size} processes normalizes over its "
                 f"{self.rank_batch} images")

    # ------------------------------------------------------------------ state

    def _save(self, step: int, wall: float, finished: bool) -> None:
        checkpoint.save(self.ckpt_path, config=self.config.to_dict(), step=step, model=self.model,
                        optimizers=self.optimizers, finished=finished, wall_time=wall)

    def _restore(self) -> dict:
        ckpt = checkpoint.load(self.ckpt_path)
        if identity(ckpt["config"]) != identity(self.config):
            raise GanbenchError(f"{self.ckpt_path} was written with another configuration; use another --out")
        try:
            self._load_state(ckpt)
        except RuntimeError as exc:
            raise GanbenchError(f"damaged checkpoint {self.ckpt_path}: {state_dict_mismatch(exc)}") from None
        except (KeyError, ValueError) as exc:  # optimizer state of another shape or kind
            raise GanbenchError(f"damaged checkpoint {self.ckpt_path}: optimizer state does not fit "
                                f"({str(exc).splitlines()[0][:120]})") from None
        checkpoint.set_rng_state(ckpt["rng"])
        return ckpt

    def _load_state(self, ckpt: dict) -> None:
        self.model.load_state_dict(ckpt["model"])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(ckpt["optimizers"][name])

    def _prepare(self, resume: bool, overwrite: bool) -> dict | None:
        """Rank 0's part of starting: the checkpoint to go on from (restored here; None for a fresh start), the
        log trimmed to it and the configuration written."""
        ckpt = None
        if self.ckpt_path.exists() and not overwrite:
            if not resume:
                raise GanbenchError(
                    f"a checkpoint already exists in {self.run_dir}: pass --resume to continue it or --overwrite to restart"
                )
            ckpt = self._restore()
            if ckpt["finished"]:
                return ckpt
            self._trim_log(int(ckpt["step"]))
        else:
            self.log_path.unlink(missing_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json(self.run_dir / "config.json", self.config.to_dict())
        return ckpt

    def _trim_log(self, step: int) -> None:
        """Keep the log lines of the steps the checkpoint holds; later ones will be written again."""
        lines = [json.dumps(r) for r in read_log(self.log_path) if r["step"] <= step]
        write_text(self.log_path, "".join(line + "\n" for line in lines))

    # ------------------------------------------------------------------ loop

    def fit(self, resume: bool = False, overwrite: bool = False, stop_after: int | None = None) -> TrainResult:
        """Train to total_steps. `stop_after` ends early with a checkpoint, as Ctrl-C would (for tests)."""
        with exclusive(self.run_dir) if self.world.is_main else contextlib.nullcontext():
            return self._fit(resume, overwrite, stop_after)

    def _fit(self, resume: bool, overwrite: bool, stop_after: int | None) -> TrainResult:
        world, main = self.world, self.world.is_main
        ckpt = distributed.on_main(self._prepare, resume, overwrite)  # rank 0 reads; every rank gets it
        step, wall = (int(ckpt["step"]), float(ckpt["wall_time"])) if ckpt else (0, 0.0)
        if ckpt and ckpt["finished"]:
            return TrainResult(self.run_dir, step, True, wall, step)
        if ckpt and not main:
            self._load_state(ckpt)  # rank 0 checked it in _prepare
        del ckpt
        resumed_from = step
        self.model.train()
        replicas = None
        if world.distributed:
            replicas = (distributed.data_parallel(self.model.G, self.device),
                        distributed.data_parallel(self.model.D, self.device))
        signals = (signal.SIGINT, signal.SIGTERM) if world.distributed else (signal.SIGINT,)
        kept = f"the last good checkpoint stays in {self.ckpt_path}" if step or self.ckpt_path.exists() else \
            "no checkpoint was written"

        perm_epoch, perm = -1, None
        labels_all = self.data.labels
        t_start = time.perf_counter() - wall
        with stop_flag(signals) as interrupted, open(self.log_path, "a") if main else contextlib.nullcontext() as log, \
                progress(TextColumn("{task.fields[losses]}")) as bar, distributed.collective(lambda: kept):
            task = bar.add_task(f"train {self.config.model}", total=self.total_steps, completed=step, losses="")
            while step < self.total_steps:
                epoch, i = divmod(step, self.steps_per_epoch)
                if epoch != perm_epoch:
                    self.sampler.set_epoch(epoch)
                    perm_epoch, perm = epoch, torch.tensor(list(self.sampler))
                idx = perm[i * self.rank_batch: (i + 1) * self.rank_batch]
                labels = labels_all[idx].to(self.device) if labels_all is not None else None
                batch = Batch(to_unit(self.data.images[idx]).to(self.device), labels)

                if not main:
                    reseed_rank(self.seed, step, world.rank)
                with data_parallel(self.model, replicas):
                    losses = self.model.train_step(batch, self.optimizers, step)
                stop = interrupted.is_set() or (stop_after is not None and step + 1 >= stop_after)
                if world.distributed:  # the global batch's losses; every rank stops at the same step
                    *values, stopping = distributed.mean_over_ranks([*losses.values(), float(stop)])
                    losses, stop = dict(zip(losses, values)), stopping > 0
                    distributed.average_tensors(list(self.model.buffers(recurse=False)))  # BEGAN's k
                bad = [k for k, v in losses.items() if not math.isfinite(v)]
                if bad:
                    raise distributed.alike(GanbenchError(
                        f"training diverged: {bad[0]} is {losses[bad[0]]} at step {step + 1}; {kept}"
                    ))
                step += 1
                at_boundary = step % self.steps_per_epoch == 0 or step % self.checkpoint_every == 0
                save = (at_boundary or stop) and step < self.total_steps  # the last step's checkpoint comes below
                wall = time.perf_counter() - t_start
                if main:
                    measured = {k: v for m in self.monitors if step % m.every == 0 for k, v in m(self.model).items()}
                    log.write(json.dumps({"step": step, "epoch": epoch + 1, "time": round(wall, 3), **losses,
                                          **measured}) + "\n")
                    bar.update(task, completed=step, losses="  ".join(f"{k} {v:.4f}" for k, v in losses.items()))
                    self._step_files(step, epoch, wall, save, log)
                if save:
                    kept = f"the last good checkpoint stays in {self.ckpt_path}"
                if stop and step < self.total_steps:
                    if stop_after is not None and step >= stop_after:
                        return TrainResult(self.run_dir, step, False, wall, resumed_from)
                    bar.stop()
                    raise distributed.alike(Interrupted(
                        f"interrupted at step {step}/{self.total_steps}; checkpoint written to {self.ckpt_path}"
                    ))
        if main:
            self._save(step, wall, finished=True)
            if step % self.steps_per_epoch:  # a run ending inside an epoch (a smoke suite's) shows its last G too
                self._grid(self.run_dir / "samples" / f"step_{step:07d}.png", f"step {step}")
            self._finish_plots()
        return TrainResult(self.run_dir, step, True, wall, resumed_from)

    def _step_files(self, step: int, epoch: int, wall: float, save: bool, log) -> None:
        """Rank 0's files after a step: the epoch's grid, G's snapshot, and a checkpoint when `save`."""
        if step % self.steps_per_epoch == 0:
            self._epoch_grid(epoch + 1, step)
        if step in self.snapshot_steps:
            torch_save(snapshot_path(self.run_dir, step), self.model.G.state_dict())
        if save:
            log.flush()
            self._save(step, wall, finished=False)

    # ------------------------------------------------------------------ pictures

    def _epoch_grid(self, epoch: int, step: int) -> None:
        self._grid(self.run_dir / "samples" / f"epoch_{epoch:03d}.png", f"epoch {epoch} (step {step})")

    def _grid(self, path: Path, when: str) -> None:
        # Its own seeded generator: drawing the grid does not move the training RNG.
        images = generate(self.model, self.grid_samples, seed=self.seed, batch_size=self.grid_samples)
        save_grid(path, images, f"{self.config.model} on {self.config.suite}, seed {self.seed}, {when}")

    def _finish_plots(self) -> None:
        title = f"{self.config.model} on {self.config.suite} (seed {self.seed})"
        log = read_log(self.log_path)
        save_loss_curves(self.run_dir / "losses.png", log, title, self.steps_per_epoch)
        self.model.save_training_plots(log, self.run_dir, self.steps_per_epoch, title)
        if any("ic_weak_error" in r for r in log):
            save_ic_curve(self.run_dir / "ic-weak.png", log, title, self.steps_per_epoch)
