"""FC-GAN of McGinney et al.: fully connected G and D.

"FCGAN models had 4 dense layers", "Generator models used tanh activation,
while discriminator models used sigmoid", "activation after every layer =
LeakyReLU(0.2)". The widths (256-512-1024 in G, mirrored in D) are those of
the Keras tutorial the poster cites (Theiler 2021); the poster does not state them.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from zoo.common import BCEGAN, keras_gan, seed_002_spec

WIDTHS = (256, 512, 1024)


def _dense_stack(sizes: list[int]) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    return layers


class Generator(nn.Module):
    def __init__(self, latent_dim: int, resolution: int, channels: int):
        super().__init__()
        self.shape = (channels, resolution, resolution)
        out = channels * resolution * resolution
        self.net = nn.Sequential(*_dense_stack([latent_dim, *WIDTHS]), nn.Linear(WIDTHS[-1], out), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.shape)


class Discriminator(nn.Module):
    def __init__(self, resolution: int, channels: int):
        super().__init__()
        inp = channels * resolution * resolution
        widths = WIDTHS[::-1]
        self.net = nn.Sequential(nn.Flatten(), *_dense_stack([inp, *widths]), nn.Linear(widths[-1], 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # a logit; the sigmoid lives in the loss


def build(resolution: int, channels: int, hparams: Mapping[str, Any]) -> BCEGAN:
    return keras_gan(Generator(hparams["latent_dim"], resolution, channels), Discriminator(resolution, channels), hparams)


SPEC = seed_002_spec("fcgan", build, "4 dense layers in G and D, LeakyReLU(0.2), tanh/sigmoid outputs, BCE")
