"""DCGAN at 64x64 (Radford et al. 2016): the baseline of Wang et al.'s Table 1, and the skeleton of SAGAN and WGAN.

Five convolution layers in G and in D, batch normalisation, ReLU in G and LeakyReLU(0.2) in D, tanh out of G
and one score out of D. Wang et al. compare against "DCGAN ... under the same training environment" (batch 32,
its Section 5.2); the rest is Radford's recipe: Adam lr 2e-4, betas (0.5, 0.999), N(0, 0.02) weights, no batch
normalisation on D's input layer.

The same two networks, with spectral normalisation on every convolution and self-attention between chosen
layers, are SAGAN's (Bury, 2024) and the plain WGAN ablations' (Wang et al.); those families import them.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch
from torch import nn

from ganbench.models.registry import ModelSpec
from zoo.blocks import SelfAttention, dcgan_init, sn
from zoo.common import BCEGAN

WIDTH = 64  # Radford's ngf = ndf = 64: layer widths 512, 256, 128, 64
SEED_001_SOURCE = "Wang et al., Improved WGAN for Image Generation Methods"


class Generator(nn.Module):
    """z -> 512x4x4 -> 256x8x8 -> 128x16x16 -> 64x32x32 -> Cx64x64: five transposed convolutions.

    `attention_after` holds layer numbers (1-5): a self-attention block acts on that layer's output.
    """

    def __init__(self, latent_dim: int, channels: int, spectral: bool = False, attention_after: Iterable[int] = ()):
        super().__init__()
        widths = [latent_dim, 8 * WIDTH, 4 * WIDTH, 2 * WIDTH, WIDTH]
        attention_after = set(attention_after)
        layers: list[nn.Module] = []
        for i in range(4):
            stride, pad = (1, 0) if i == 0 else (2, 1)  # the first layer turns the 1x1 noise into 4x4
            layers += [sn(nn.ConvTranspose2d(widths[i], widths[i + 1], 4, stride, pad, bias=False), spectral),
                       nn.BatchNorm2d(widths[i + 1]), nn.ReLU(True)]
            if i + 1 in attention_after:
                layers.append(SelfAttention(widths[i + 1], spectral))
        layers += [sn(nn.ConvTranspose2d(WIDTH, channels, 4, 2, 1, bias=False), spectral), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class Discriminator(nn.Module):
    """Cx64x64 -> 64x32x32 -> 128x16x16 -> 256x8x8 -> 512x4x4 -> one score: five convolutions, no sigmoid
    (the BCE models apply it inside their loss, the WGAN critic never)."""

    def __init__(self, channels: int, spectral: bool = False, attention_after: Iterable[int] = ()):
        super().__init__()
        widths = [channels, WIDTH, 2 * WIDTH, 4 * WIDTH, 8 * WIDTH]
        attention_after = set(attention_after)
        layers: list[nn.Module] = []
        for i in range(4):
            layers.append(sn(nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1, bias=False), spectral))
            if i > 0:  # Radford: no batch norm on D's input layer
                layers.append(nn.BatchNorm2d(widths[i + 1]))
            layers.append(nn.LeakyReLU(0.2, True))
            if i + 1 in attention_after:
                layers.append(SelfAttention(widths[i + 1], spectral))
        layers.append(sn(nn.Conv2d(8 * WIDTH, 1, 4, 1, 0, bias=False), spectral))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()


def networks(latent_dim: int, channels: int, spectral: bool = False, attention_g: Iterable[int] = (),
             attention_d: Iterable[int] = ()) -> tuple[Generator, Discriminator]:
    """G and D with Radford's initialisation, as every family built on these layers starts them."""
    G, D = Generator(latent_dim, channels, spectral, attention_g), Discriminator(channels, spectral, attention_d)
    dcgan_init(G)
    dcgan_init(D)
    return G, D


def build(resolution: int, channels: int, hparams: Mapping[str, Any]) -> BCEGAN:
    return BCEGAN(*networks(hparams["latent_dim"], channels), hparams)


SPEC = ModelSpec(
    name="dcgan64", family="dcgan64", source=SEED_001_SOURCE, build=build, resolutions=(64,),
    defaults={"latent_dim": 100, "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999), "batch_size": 32,
              "steps": 10000},
    description="Radford's 64x64 DCGAN, Wang et al.'s Table 1 baseline: 5 convolutions each, batch norm, BCE",
)
