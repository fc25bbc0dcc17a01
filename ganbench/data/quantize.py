"""The one quantization every metric sees: generator floats in [-1, 1] to uint8 images, and back for training."""

from __future__ import annotations

import torch

from ganbench.core.errors import GanbenchError

QUANTIZATION = "uint8 = round((clamp(x, -1, 1) + 1) * 127.5)"


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats to uint8, rounding to nearest (the one quantization every metric sees)."""
    if not torch.isfinite(x).all():
        raise GanbenchError("the generator produced NaN or infinite values: the model has diverged")
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Values in [low, high] rescaled to [-1, 1], the range `to_uint8` quantizes."""
    return (x - low) * (2 / (high - low)) - 1


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 to floats in [-1, 1] (the range G's tanh produces and D trains on)."""
    return images.float().div(127.5).sub(1)
