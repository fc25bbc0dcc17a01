"""The interface every zoo model implements: G, D, and the train_step that couples them.

As in torch-mimicry, the model owns its training step (losses, D:G ratio,
penalties); the trainer only feeds batches, keeps time and writes files. A
model holds no globals and no distributed code, so a wrapper (DDP) can be
added by the trainer without touching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch
from torch import nn


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

    @property
    def latent_dim(self) -> int:
        return int(self.hparams["latent_dim"])

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise on the CPU, so that a seed gives the same samples on every device."""
        return torch.randn(n, self.latent_dim, generator=generator)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [-1, 1] from seeded CPU noise, on the model's device."""
        device = next(self.parameters()).device
        return self.G(self.sample_latent(n, generator).to(device))

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


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
