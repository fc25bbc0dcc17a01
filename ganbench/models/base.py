"""The interface every zoo model implements: G, D, and the train_step that couples them.

As in torch-mimicry, the model owns its training step (losses, D:G ratio,
penalties); the trainer only feeds batches, keeps time and writes files. A
model holds no globals and no distributed code, so a wrapper (DDP) can be
added by the trainer without touching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn


@dataclass(frozen=True)
class TrainingStatistics:
    """Statistics of a model's own training, summarised from its training log, that its record keeps beside the
    scores: the final values under the record keys of the registry metric that declares them (BEGAN's `began_m`,
    `began_k`), and a summary kept as the record's `training.convergence` (M and k by epoch)."""

    values: dict[str, float]
    summary: dict[str, Any]


@dataclass
class Batch:
    """Real images scaled to [-1, 1] (float NCHW) and their labels, when the data has any."""

    images: torch.Tensor
    labels: torch.Tensor | None = None


class GAN(nn.Module):
    """Base class of zoo models. Subclasses set `G` and `D` and implement `train_step`."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, hparams: Mapping[str, Any]):
        super().__init__()
        self.G = generator
        self.D = discriminator
        self.hparams = dict(hparams)

    # A conditional model's number of class labels (0: unconditional); its G and D then take the labels too.
    num_classes = 0

    @property
    def latent_dim(self) -> int:
        return int(self.hparams["latent_dim"])

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G's images for latent points (and class labels, for a conditional model)."""
        return self.G(z)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise on the CPU, so that a seed gives the same samples on every device."""
        return torch.randn(n, self.latent_dim, generator=generator)

    def sample_inputs(self, n: int,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """G's random inputs for n images, drawn on the CPU: latent points, and labels for a conditional model.
        Drawn apart from G so that sharded scoring can draw every batch's inputs and run G on its own only."""
        return self.sample_latent(n, generator), None

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [-1, 1] from seeded CPU inputs, on the model's device."""
        device = next(self.parameters()).device
        z, labels = self.sample_inputs(n, generator)
        return self.generate(z.to(device), None if labels is None else labels.to(device))

    # Under torchrun on GPUs, the trainer turns the model's batch normalisation into SyncBatchNorm, so that it
    # normalizes over the global batch as the seeds' single GPU did; a model sets False to keep each process's
    # own statistics (cheaper, and what plain DDP does).
    sync_batchnorm = True

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Adam for G and D from the hyperparameters; override for other optimizers."""
        h = self.hparams
        betas, eps = tuple(h.get("betas", (0.5, 0.999))), h.get("eps", 1e-8)
        return {
            "G": torch.optim.Adam(self.G.parameters(), lr=h["lr_g"], betas=betas, eps=eps),
            "D": torch.optim.Adam(self.D.parameters(), lr=h["lr_d"], betas=betas, eps=eps),
        }

    def load_initial_weights(self) -> None:
        """Before training from scratch: load pretrained parts named in the hyperparameters (none by default).
        Kept out of the constructor, so that rebuilding a model to load a checkpoint never needs those files."""

    def train_step(self, batch: Batch, optimizers: Mapping[str, torch.optim.Optimizer], step: int) -> dict[str, float]:
        """One training iteration on one batch; returns the scalar losses to log."""
        raise NotImplementedError

    def training_statistics(self, log: list[dict], steps_per_epoch: int, steps: int) -> TrainingStatistics | None:
        """What the record keeps of the statistics `train_step` logged, over the log's first `steps` steps (a
        checkpoint may be mid-training). None (the default): the model logs no statistic beyond its losses."""
        return None

    def save_training_plots(self, log: list[dict], run_dir: Path, steps_per_epoch: int, title: str) -> None:
        """After training, the model's own pictures of its logged statistics in `run_dir` (none by default; the
        trainer draws the losses of every model)."""


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def count_keras_total(module: nn.Module) -> int:
    """The total Keras' `model.summary()` prints: the parameters plus batch normalisation's running mean and
    variance, which Keras counts as non-trainable weights and PyTorch keeps as buffers."""
    running = sum(b.numel() for name, b in module.named_buffers()
                  if name.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
    return count_parameters(module, trainable_only=False) + running
