"""The container every provider returns, and the one way images are brought to a suite's size."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import torch

from ganbench.core.errors import GanbenchError


@dataclass(frozen=True)
class ImageData:
    name: str
    images: torch.Tensor  # uint8, N x C x H x W
    source: str  # where the images were read from, for provenance and error messages
    labels: torch.Tensor | None = None  # int64, N
    classes: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise TypeError(f"{self.name}: images must be uint8 NCHW, got {self.images.dtype} {tuple(self.images.shape)}")
        if len(self.images) == 0:
            raise GanbenchError(f"{self.name}: no images in {self.source}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def resolution(self) -> int:
        return self.images.shape[2]

    @functools.cached_property
    def content_hash(self) -> str:
        """SHA-256 of the pixels and their shape: what a real-statistics cache is keyed by."""
        h = hashlib.sha256(repr(tuple(self.images.shape)).encode())
        h.update(self.images.contiguous().numpy().tobytes())
        return h.hexdigest()

    def subset(self, n: int, seed: int) -> "ImageData":
        """A seeded random subset of n images (all of them, in order, when n >= len)."""
        if n >= len(self):
            return self
        idx = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n].sort().values
        labels = self.labels[idx] if self.labels is not None else None
        return ImageData(f"{self.name}[{n} of {len(self)}, seed {seed}]", self.images[idx], self.source, labels, self.classes)


def conform(data: ImageData, resolution: int | None, channels: int | None) -> ImageData:
    """Bring images to a suite's channel count and square resolution (antialiased bilinear on uint8)."""
    import torchvision.transforms.v2.functional as TF  # here: importing torchvision costs every command a second

    images = data.images
    if channels is not None and images.shape[1] != channels:
        if channels == 3 and images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1).contiguous()
        elif channels == 1 and images.shape[1] == 3:
            images = TF.rgb_to_grayscale(images)
        else:
            raise GanbenchError(f"{data.name}: cannot convert {images.shape[1]} channels to {channels}")
    if resolution is not None and tuple(images.shape[2:]) != (resolution, resolution):
        images = TF.resize(images, [resolution, resolution], antialias=True)
    if images is data.images:
        return data
    return ImageData(data.name, images, data.source, data.labels, data.classes)
