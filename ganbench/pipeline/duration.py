"""A rough duration of planned work on this device, measured before the work starts.

Each model still to train runs two of its own training steps on real images (the second is timed) and the
feature network takes one small batch twice (the second timed). The estimate counts training and feature
extraction, which dominate a suite's run; classifier metrics and writing files come on top.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch

from ganbench.data import ImageData
from ganbench.data.quantize import to_unit
from ganbench.models.base import GAN, Batch

MIN_STEPS = 100  # fewer steps left than this, or fewer images than MIN_IMAGES: too little work to be worth a probe
MIN_IMAGES = 500
PROBE_IMAGES = 4  # images of the feature network's timed batch


@dataclass(frozen=True)
class PlanDuration:
    steps: dict[str, int]  # run name -> training steps left
    steps_per_s: dict[str, float]  # run name -> measured rate
    images: int  # images through the feature network (real ones included, even where the cache will serve them)
    images_per_s: float | None
    device: str

    @property
    def seconds(self) -> float:
        train = sum(n / self.steps_per_s[name] for name, n in self.steps.items())
        return train + (self.images / self.images_per_s if self.images_per_s else 0.0)

    @property
    def duration(self) -> str:
        return human_duration(self.seconds)

    def line(self) -> str:
        work = []
        if self.steps:
            runs = ", ".join(f"{name} ({n:,} steps at {self.steps_per_s[name]:.3g}/s)" for name, n in self.steps.items())
            work.append(f"training {runs}")
        if self.images:
            work.append(f"features of {self.images:,} images" +
                        (f" at {self.images_per_s:.3g}/s" if self.images_per_s else ""))
        return (f"planned: {'; '.join(work)}: about {self.duration} on {self.device} at the rates measured "
                "just now (classifier metrics not included)")


def human_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def training_rate(build: Callable[[], GAN], data: ImageData, batch_size: int, device: torch.device) -> float:
    """Steps per second of a model `build` makes (thrown away after) on one batch of real images; the random
    state of the process is left as it was."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        model = build().to(device).train()
        optimizers = model.configure_optimizers()
        labels = data.labels[:batch_size].to(device) if data.labels is not None else None
        batch = Batch(to_unit(data.images[:batch_size]).to(device), labels)
        model.train_step(batch, optimizers, 0)  # warm-up: kernels chosen, memory allocated
        _sync(device)
        start = time.perf_counter()
        model.train_step(batch, optimizers, 1)
        _sync(device)
        return 1.0 / max(time.perf_counter() - start, 1e-9)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def worth_estimating(steps: dict[str, int], images: int) -> bool:
    return any(n >= MIN_STEPS for n in steps.values()) or images >= MIN_IMAGES
