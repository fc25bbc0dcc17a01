"""DC-GAN of McGinney et al.: convolutional G and D.

"DCGAN models had 4 convolutional layers", tanh for G, sigmoid for D,
"activation after every layer = LeakyReLU(0.2)". The poster gives no
kernel sizes or widths; these follow Radford et al. (2016), which it cites:
G projects the noise to 256 x (r/4)^2, then a 3x3 convolution at that
size, two stride-2 transposed convolutions (channels halving, as in DCGAN's
pyramid) and a 3x3 output convolution; D has three stride-2 and one
stride-1 3x3 convolution and a dense logit. No batch normalisation: the
poster names only LeakyReLU after every layer.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from ganbench.core.errors import GanbenchError
from zoo.common import BCEGAN, keras_gan, seed_002_spec


class Generator(nn.Module):
    def __init__(self, latent_dim: int, resolution: int, channels: int):
        super().__init__()
        self.start = resolution // 4
        self.project = nn.Sequential(nn.Linear(latent_dim, 256 * self.start**2), nn.LeakyReLU(0.2))
        self.convs = nn.Sequential(
            nn.Conv2d(256, 128, 3, padding=1), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, channels, 3, padding=1), nn.Tanh(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.convs(self.project(z).view(z.shape[0], 256, self.start, self.start))


class Discriminator(nn.Module):
    def __init__(self, resolution: int, channels: int):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(channels, 64, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(128, 128, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(128, 256, 3, stride=1, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(),
        )  # fmt: skip
        side = -(-resolution // 8)  # three stride-2 convolutions with padding 1
        self.logit = nn.Linear(256 * side * side, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(self.convs(x)).squeeze(1)


def build(resolution: int, channels: int, hparams: Mapping[str, Any]) -> BCEGAN:
    if resolution % 4:
        raise GanbenchError(f"dcgan needs a resolution divisible by 4, not {resolution}")
    return keras_gan(Generator(hparams["latent_dim"], resolution, channels), Discriminator(resolution, channels), hparams)


SPEC = seed_002_spec("dcgan", build, "4 convolutions in G and D, LeakyReLU(0.2), tanh/sigmoid outputs, BCE")
