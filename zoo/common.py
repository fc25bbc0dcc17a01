"""Pieces shared by several zoo families (written once, imported by each)."""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.models.base import GAN, Batch
from ganbench.models.registry import ModelSpec


def keras_init(module: nn.Module) -> None:
    """Keras' default initialisation (Glorot-uniform kernels, zero biases), for models specified in Keras."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class BCEGAN(GAN):
    """The original GAN objective as Keras tutorials train it (Goodfellow et al. 2014).

    One D step on a real batch (label 1) and a generated batch (label 0), then
    one G step with fresh noise and label 1 (the non-saturating loss). D
    returns a logit: sigmoid + binary cross-entropy is computed as one
    numerically stable function, which is the same loss. A subclass may add a
    term to D's loss (`discriminator_penalty`), as SAGAN adds a gradient penalty.
    """

    def discriminator_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        """An extra term of D's loss, logged as `penalty`; none in the plain GAN."""
        return None

    def train_step(self, batch: Batch, optimizers: Mapping[str, torch.optim.Optimizer], step: int) -> dict[str, float]:
        real = batch.images
        n, device = real.shape[0], real.device
        opt_g, opt_d = optimizers["G"], optimizers["D"]

        fake = self.G(torch.randn(n, self.latent_dim, device=device)).detach()
        logit_real, logit_fake = self.D(real), self.D(fake)
        loss_d = 0.5 * (
            F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
            + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake))
        )
        penalty = self.discriminator_penalty(real, fake)
        opt_d.zero_grad(set_to_none=True)
        (loss_d if penalty is None else loss_d + penalty).backward()
        opt_d.step()

        logit_gen = self.D(self.G(torch.randn(n, self.latent_dim, device=device)))
        loss_g = F.binary_cross_entropy_with_logits(logit_gen, torch.ones_like(logit_gen))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        logged = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": torch.sigmoid(logit_real).mean().item(),
            "d_fake": torch.sigmoid(logit_fake).mean().item(),
        }
        if penalty is not None:
            logged["penalty"] = penalty.item()
        return logged


def keras_gan(generator: nn.Module, discriminator: nn.Module, hparams: Mapping) -> BCEGAN:
    """A BCEGAN whose layers start from Keras' initialisation."""
    keras_init(generator)
    keras_init(discriminator)
    return BCEGAN(generator, discriminator, hparams)


# McGinney et al.: "epochs = 10, (batch size = 16 ...)", "optimiser = Adam(0.0002, 0.5)",
# "loss = binary_crossentropy". Keras' Adam uses epsilon 1e-7 and beta2 0.999.
SEED_002_DEFAULTS = {
    "latent_dim": 100,
    "lr_g": 2e-4,
    "lr_d": 2e-4,
    "betas": (0.5, 0.999),
    "eps": 1e-7,
    "batch_size": 16,
    "epochs": 10,
}
SEED_002_SOURCE = "McGinney et al., General Adversarial Networks (Teesside University poster)"


def seed_002_spec(name: str, build, description: str) -> ModelSpec:
    return ModelSpec(name=name, family=name, source=SEED_002_SOURCE, defaults=SEED_002_DEFAULTS, build=build,
                     description=description)
