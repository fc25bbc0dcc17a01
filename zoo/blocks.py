"""Layers several zoo families share: spectral normalisation, self-attention, residual blocks, DCGAN's init.

Written once here; SAGAN (Bury, 2024) and the WGAN family (Wang et al.) build from them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm


def sn(module: nn.Module, on: bool = True) -> nn.Module:
    """`module` with spectral normalisation of its weight (Miyato et al. 2018) when `on`."""
    return spectral_norm(module) if on else module


def has_spectral_norm(module: nn.Module) -> bool:
    return parametrize.is_parametrized(module, "weight")


def raw_weight(module: nn.Module) -> torch.Tensor:
    """The trained tensor behind `module.weight`: the unnormalised one under spectral normalisation."""
    if has_spectral_norm(module):
        return module.parametrizations.weight.original
    return module.weight


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. (2016): convolution weights N(0, 0.02); batch-norm scales N(1, 0.02), shifts 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(raw_weight(m), 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class SelfAttention(nn.Module):
    """Self-attention over the positions of a feature map (Zhang et al. 2019), as Bury (2024) and Wang et al. describe it.

    Query and key are 1x1 convolutions to C/8 channels, the value a 1x1 convolution to C channels; the
    attention map is a softmax over positions; the output is `gamma * attention + x` with a learnable
    scale `gamma` that starts at 0 (Wang et al., Eq. 6: "a scaling factor with an initial value of 0"), so the
    block starts as the identity.
    """

    def __init__(self, channels: int, spectral: bool = False):
        super().__init__()
        inner = max(channels // 8, 1)
        self.query = sn(nn.Conv2d(channels, inner, 1), spectral)
        self.key = sn(nn.Conv2d(channels, inner, 1), spectral)
        self.value = sn(nn.Conv2d(channels, channels, 1), spectral)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)  # n x hw x c'
        k = self.key(x).flatten(2)  # n x c' x hw
        attention = F.softmax(torch.bmm(q, k), dim=-1)  # n x hw (query) x hw (key)
        v = self.value(x).flatten(2)  # n x c x hw
        out = torch.bmm(v, attention.transpose(1, 2)).view(n, c, h, w)
        return self.gamma * out + x


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock (3x3 conv, BN, ReLU, 3x3 conv, BN, plus the input, ReLU), with optional
    spectral normalisation on each of its convolutions (Wang et al.: "embedded on each convolutional layer of the
    residual blocks"). A 1x1 convolution matches the shortcut when the channel count changes."""

    def __init__(self, in_channels: int, out_channels: int, spectral: bool = False):
        super().__init__()
        self.conv1 = sn(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), spectral)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = sn(nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), spectral)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                sn(nn.Conv2d(in_channels, out_channels, 1, bias=False), spectral), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))
