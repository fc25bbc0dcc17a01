"""One model on one suite: plan the run, train it (or find it finished), score it, write its record.

A run's folder is named by a hash of its configuration, so the same
configuration finds its finished checkpoint again and a changed one never
overwrites another's.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench import checkpoint
from ganbench.data import ImageData, conform, load_data
from ganbench.errors import GanbenchError
from ganbench.model import GAN, count_parameters
from ganbench.provenance import environment
from ganbench.records import make_record, write_record
from ganbench.registry import get_model
from ganbench.scoring import RealReference, Scorer
from ganbench.suites import Suite
from ganbench.training import CHECKPOINT, Trainer


@dataclass(frozen=True)
class RunPlan:
    config: dict
    run_dir: Path

    @property
    def checkpoint(self) -> Path:
        return self.run_dir / CHECKPOINT


def suite_data(suite: Suite, split: str) -> ImageData:
    return conform(load_data(suite.data, split), suite.resolution, suite.channels)


def plan_run(model: str, suite: Suite, seed: int, out: Path, train_data: ImageData,
             steps: int | None = None, epochs: int | None = None) -> RunPlan:
    if steps is not None and epochs is not None:
        raise GanbenchError("give --steps or --epochs, not both")
    spec = get_model(model)
    hparams = dict(spec.defaults)
    batch_size = int(hparams["batch_size"])
    steps_per_epoch = len(train_data) // batch_size
    if steps is None:  # explicit steps, explicit epochs, the suite's budget, the paper's epochs
        steps = int(epochs) * steps_per_epoch if epochs else suite.steps
    if steps is None:
        steps = int(suite.epochs or hparams["epochs"]) * steps_per_epoch
    if steps < 1:
        raise GanbenchError("the number of training steps must be at least 1")
    config = checkpoint.normalize_config({
        "model": spec.name, "family": spec.family, "source": spec.source, "hparams": hparams,
        "suite": suite.name, "data": suite.data, "data_sha256": train_data.content_hash,
        "resolution": suite.resolution, "channels": suite.channels,
        "seed": seed, "batch_size": batch_size, "total_steps": steps, "steps_per_epoch": steps_per_epoch,
    })
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
    return RunPlan(config, Path(out) / "runs" / suite.name / f"{spec.name}-seed{seed}-{digest}")


def build_model(config: dict) -> GAN:
    torch.manual_seed(config["seed"])
    return get_model(config["model"]).create(config["resolution"], config["channels"], config["hparams"])


def train(plan: RunPlan, data: ImageData, device: torch.device, resume: bool = True, overwrite: bool = False,
          stop_after: int | None = None):
    cfg = plan.config
    trainer = Trainer(build_model(cfg), data, cfg, plan.run_dir, device, cfg["seed"], cfg["batch_size"],
                      cfg["total_steps"])
    return trainer.fit(resume=resume, overwrite=overwrite, stop_after=stop_after)


def load_checkpoint_model(path: Path, device: torch.device) -> tuple[GAN, dict]:
    """The model a checkpoint holds, rebuilt from its own configuration."""
    ckpt = checkpoint.load(path)
    config = ckpt["config"]
    model = build_model(config)
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as exc:
        raise GanbenchError(f"checkpoint {path} does not fit model '{config['model']}': {str(exc).splitlines()[0]}") from None
    info = {"step": ckpt["step"], "finished": ckpt["finished"], "wall_time": ckpt["wall_time"]}
    return model.to(device).eval(), {**config, "checkpoint": info}


def score_model(model: GAN, config: dict, real: RealReference, n_fake: int, scorer: Scorer,
                device: torch.device, train_wall: float, run_dir: Path | None) -> dict:
    t0 = time.perf_counter()
    fake = scorer.fake_from_model(model, n_fake, f"generated: {config['model']}")
    scored = scorer.score(fake, real)
    steps = config.get("checkpoint", {}).get("step", config["total_steps"])  # a checkpoint may be mid-training
    training = {
        "steps": steps, "batch_size": config["batch_size"],
        "epochs": round(steps / config["steps_per_epoch"], 3),
        "params_g": count_parameters(model.G), "params_d": count_parameters(model.D),
    }
    record = make_record(config, training, scored, environment(device),
                         {"train": round(train_wall, 2), "score": round(time.perf_counter() - t0, 2)})
    if run_dir is not None:
        write_record(run_dir, record)
    return record
