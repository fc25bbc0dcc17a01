"""One model on one suite: plan the run, train it (or find it finished), score it, write its record.

A run's folder is named by a hash of its configuration, so the same
configuration finds its finished checkpoint again and a changed one never
overwrites another's.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from ganbench.core import distributed
from ganbench.core.config import DEFAULTS as config_defaults
from ganbench.core.contracts import Curve, Record, RunConfig, Training, identity, json_normal, run_digest
from ganbench.core.errors import GanbenchError, option
from ganbench.core.progress import warn
from ganbench.core.tensorfile import load_tensors, state_dict_mismatch
from ganbench.data import ImageData
from ganbench.metrics import registry
from ganbench.metrics.inputs import ModelContext
from ganbench.metrics.scorer import RealReference, Scorer
from ganbench.models.base import GAN, TrainingStatistics, count_keras_total, count_parameters
from ganbench.models.registry import get_model
from ganbench.pipeline.records import make_record, run_folder, write_record
from ganbench.suites import Suite
from ganbench.train import checkpoint
from ganbench.train.log import read_log
from ganbench.train.trainer import CHECKPOINT, LOG, Trainer, snapshot_path


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    config: RunConfig
    run_dir: Path

    @property
    def checkpoint(self) -> Path:
        return self.run_dir / CHECKPOINT


def plan_run(model: str, suite: Suite, seed: int, out: Path, train_data: ImageData,
             steps: int | None = None, epochs: int | None = None, ic_weak_every: float | None = None) -> RunPlan:
    """The run's configuration and folder; `ic_weak_every` (epochs, 0: never; None: the suite's) adds the weak
    classifier's measurement during training, which changes the log and so the configuration."""
    if steps is not None and epochs is not None:
        raise GanbenchError(f"give {option('steps')} or {option('epochs')}, not both")
    if ic_weak_every is None:
        ic_weak_every = suite.ic_weak_every
    if not ic_weak_every >= 0:
        raise GanbenchError(f"{option('ic_weak_every')} must be 0 (never) or a positive number of epochs, not "
                            f"{ic_weak_every}")
    spec = get_model(model)
    hparams = spec.planned_hparams()
    batch_size = int(hparams["batch_size"])
    steps_per_epoch = len(train_data) // batch_size
    if steps is None:  # explicit steps, explicit epochs, the suite's budget, the paper's steps or epochs
        steps = int(epochs) * steps_per_epoch if epochs else suite.steps
    if steps is None and not suite.epochs and "steps" in hparams:
        steps = int(hparams["steps"])
    if steps is None:
        steps = int(suite.epochs or hparams["epochs"]) * steps_per_epoch
    if steps < 1:
        raise GanbenchError("the number of training steps must be at least 1")
    config = RunConfig(
        model=spec.name, family=spec.family, source=spec.source, hparams=json_normal(hparams),
        suite=suite.name, data=suite.data, data_sha256=train_data.content_hash, resolution=suite.resolution,
        channels=suite.channels, seed=seed, batch_size=batch_size, total_steps=steps, steps_per_epoch=steps_per_epoch,
        snapshot_steps=tuple(snapshot_steps(steps, suite.protocol.curve_points)),
        ic_weak={"every_steps": max(1, round(ic_weak_every * steps_per_epoch)),
                 "samples": config_defaults.ic_weak_samples} if ic_weak_every else None,
    )
    folder = run_folder(spec.name, seed)
    run_dir = Path(out) / "runs" / suite.name / f"{folder}-{run_digest(config)}"
    return RunPlan(config=config, run_dir=run_dir if run_dir.exists() else _earlier_run_dir(run_dir.parent, folder,
                                                                                            config) or run_dir)


def _earlier_run_dir(suite_dir: Path, folder: str, config: RunConfig) -> Path | None:
    """A run of this identity under the name an earlier ganbench gave it (its folder's hash then also covered
    descriptive fields such as the paper's citation): found by its config.json, so it is resumed or reused."""
    for candidate in sorted(suite_dir.glob(f"{folder}-*")):
        saved = candidate / "config.json"
        try:
            if saved.is_file() and identity(json.loads(saved.read_text())) == identity(config):
                return candidate
        except (OSError, ValueError):
            continue
    return None


def snapshot_steps(total_steps: int, points: int) -> list[int]:
    """The steps, before the last, whose G the trainer keeps for the metric curve (the last is the checkpoint)."""
    return sorted({round(total_steps * i / points) for i in range(1, points)} - {0, total_steps})


def build_model(config: RunConfig) -> GAN:
    torch.manual_seed(config.seed)
    return get_model(config.model).create(config.resolution, config.channels, config.hparams)


def train(plan: RunPlan, data: ImageData, device: torch.device, resume: bool = True, overwrite: bool = False,
          stop_after: int | None = None, checkpoint_every: int = config_defaults.checkpoint_every):
    cfg = plan.config
    model = build_model(cfg)
    model.load_initial_weights()  # a resumed run's checkpoint then replaces them
    trainer = Trainer(model, data, cfg, plan.run_dir, device, checkpoint_every=checkpoint_every,
                      monitors=monitors(cfg, data, device))
    return trainer.fit(resume=resume, overwrite=overwrite, stop_after=stop_after)


def monitors(config: RunConfig, data: ImageData, device: torch.device) -> tuple:
    """The measurements a run's configuration asks for during training: Korotka et al.'s weak classifier on a
    seeded subset of the training images."""
    weak = config.ic_weak
    if not weak:
        return ()
    from ganbench.metrics.classifiers.two_sample import WeakICMonitor

    real = data.subset(weak["samples"], config.seed).images
    return (WeakICMonitor(real, weak["every_steps"], config.seed, device),)


def load_checkpoint_model(path: Path, device: torch.device) -> tuple[GAN, RunConfig]:
    """The model a checkpoint holds, rebuilt from its own configuration (which says the checkpoint's step)."""
    ckpt = distributed.on_main(checkpoint.load, path)  # rank 0 reads; under torchrun every rank gets it
    config = RunConfig.from_dict(ckpt["config"]).with_checkpoint(ckpt["step"], ckpt["finished"], ckpt["wall_time"])
    model = build_model(config)
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as exc:
        raise GanbenchError(f"checkpoint {path} does not fit model '{config.model}': {state_dict_mismatch(exc)}") from None
    return model.to(device).eval(), config


def metric_curve(model: GAN, config: RunConfig, run_dir: Path, final_pool: torch.Tensor, real: RealReference,
                 scorer: Scorer, n: int, final_step: int) -> Curve | None:
    """FID (and KID) over training, from the G snapshots the trainer kept and the final model; None without
    snapshots. Every point scores n images with the run's seed; the last point is the first n of the final
    scoring's images."""
    steps = distributed.on_main(lambda: [s for s in config.snapshot_steps
                                         if s < final_step and snapshot_path(run_dir, s).is_file()])
    if not steps:
        return None
    snap = copy.deepcopy(model)
    points = []
    for step in steps:
        weights = distributed.on_main(_read_snapshot, snap.G, snapshot_path(run_dir, step))
        if weights is None:
            continue
        snap.G.load_state_dict(weights)
        fake = scorer.fake_from_model(snap, n, f"curve: {config.model} step {step}")
        points.append({"step": step, **scorer.curve_values(fake.pool, real)})
    points.append({"step": final_step, **scorer.curve_values(final_pool[:n], real)})
    for p in points:
        p["epoch"] = round(p["step"] / config.steps_per_epoch, 3)
    return Curve(n_fake=n, n_real=real.n, points=tuple(points))


def _read_snapshot(generator: torch.nn.Module, path: Path) -> dict | None:
    """A snapshot's G weights, loaded into `generator` to check them; None (warned) when damaged: it costs its
    point (on every rank, when rank 0 reads it under torchrun)."""
    try:
        weights = load_tensors(path, "snapshot")
        generator.load_state_dict(weights)
        return weights
    except GanbenchError as exc:
        warn(f"skipping the curve point of {path}: {exc}")
    except RuntimeError as exc:
        warn(f"skipping the curve point of {path}: {state_dict_mismatch(exc)}")
    return None


def training_statistics(model: GAN, log_path: Path | None, steps_per_epoch: int,
                        steps: int) -> TrainingStatistics | None:
    """What the model makes of its training log up to the scored step (BEGAN: M and k by epoch); None without a
    log or statistics. A damaged log costs the statistics, not the score."""
    if log_path is None:
        return None
    try:
        log = read_log(log_path)
    except GanbenchError as exc:
        warn(f"no training statistics: {exc}")
        return None
    except OSError as exc:
        warn(f"no training statistics: {log_path} is unreadable ({exc.strerror})")
        return None
    return model.training_statistics(log, steps_per_epoch, steps)


def score_model(model: GAN, config: RunConfig, real: RealReference, scorer: Scorer, *, n_fake: int,
                train_wall: float, run_dir: Path | None, curve_n: int | None = None,
                log_path: Path | None = None) -> Record:
    """Score a model, write its record (with a metric curve when the run kept snapshots and curve_n is given,
    and the statistics the model makes of its training log, run_dir's or log_path's: BEGAN's M and k). Under torchrun
    every rank generates and extracts its share, rank 0 computes and writes, and every rank gets the record."""
    t0 = time.perf_counter()
    fake = scorer.fake_from_model(model, n_fake, f"generated: {config.model}")
    scored = scorer.score(fake, real, config.model)
    context = ModelContext(model, config, scorer.settings, scorer.seed, scorer.device)
    scored = replace(scored, metrics={**scored.metrics,
                                      **distributed.on_main(registry.compute_model, scorer.metrics, context)})
    steps = (config.checkpoint or {}).get("step", config.total_steps)  # a checkpoint may be mid-training
    curve = None
    if run_dir is not None and curve_n and scorer.needs_features:
        curve = metric_curve(model, config, run_dir, fake.pool, real, scorer, curve_n, steps)
    training = Training(steps=steps, batch_size=config.batch_size, epochs=round(steps / config.steps_per_epoch, 3),
                        params_g=count_parameters(model.G), params_d=count_parameters(model.D),
                        params_g_keras=count_keras_total(model.G))
    log = log_path or (Path(run_dir) / LOG if run_dir is not None else None)

    def record() -> Record:  # rank 0's, handed to every rank
        stats = training_statistics(model, log, config.steps_per_epoch, steps)
        metrics = {**scored.metrics, **(stats.values if stats else {})}
        made = make_record(config, replace(training, convergence=stats.summary if stats else None),
                           replace(scored, metrics=metrics),
                           {"train": round(train_wall, 2), "score": round(time.perf_counter() - t0, 2)}, curve)
        if run_dir is not None:
            write_record(run_dir, made)
        return made

    return distributed.on_main(record)
