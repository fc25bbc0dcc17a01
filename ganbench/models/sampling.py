"""Generator -> uint8 images, quantized once, the same way for every backend."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from ganbench.core.progress import progress
from ganbench.data.quantize import to_uint8
from ganbench.models.base import GAN


@torch.no_grad()
def generate_batches(model: GAN, n: int, seed: int, batch_size: int,
                     rows: range | None = None) -> Iterator[torch.Tensor]:
    """n uint8 CPU images in batches, from seeded CPU noise: the same seed gives the same images on any device.
    With `rows` (a rank's block of whole batches), only the batches starting there: every batch's inputs are
    still drawn, so the images are those a single process makes."""
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, n, batch_size):
            z, labels = model.sample_inputs(min(batch_size, n - start), gen)
            if rows is None or start in rows:
                yield images_at(model, z, labels, batch_size=batch_size)
    finally:
        model.train(was_training)


def generate(model: GAN, n: int, seed: int, batch_size: int = 250) -> torch.Tensor:
    return torch.cat(list(generate_batches(model, n, seed, batch_size)))


@torch.no_grad()
def images_at(model: GAN, z: torch.Tensor, labels: torch.Tensor | None = None, description: str | None = None,
              batch_size: int = 500) -> torch.Tensor:
    """uint8 CPU images for given latent points (rows of z) and, for a conditional model, class labels; in
    batches, under a progress bar when described."""
    device = next(model.parameters(), torch.empty(0)).device
    out = []
    with progress() if description else contextlib.nullcontext() as bar:
        task = bar.add_task(description, total=len(z)) if bar else None
        for start in range(0, len(z), batch_size):
            y = None if labels is None else labels[start:start + batch_size].to(device)
            out.append(to_uint8(model.generate(z[start:start + batch_size].to(device), y).cpu()))
            if bar:
                bar.advance(task, len(out[-1]))
    return torch.cat(out)
