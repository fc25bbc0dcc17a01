"""One training loop for every classifier ganbench trains: a label classifier, the independent classifiers,
the augmentation study's. Cross-entropy, Adam, seeded shuffles; a fixed budget, or early stopping on a
validation split that restores the best epoch's weights. The same seed gives the same network on the CPU."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.core.progress import progress
from ganbench.data.quantize import to_unit

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]  # floats in [-1, 1] -> floats, per batch


@dataclass(frozen=True)
class Budget:
    """How long a classifier trains: `epochs` passes, or with `patience`, until the validation loss has not
    improved by `min_delta` for that many epochs (at most `epochs`)."""

    epochs: int
    batch: int = 128
    lr: float = 1e-3
    patience: int | None = None  # None: a fixed budget, no validation
    min_delta: float = 1e-3  # a smaller fall of the validation loss is no improvement (a perfect separation's
    # loss keeps shrinking toward 0 without changing a single answer)


@dataclass(frozen=True)
class Labelled:
    images: torch.Tensor  # uint8 NCHW
    labels: torch.Tensor  # int64

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx: torch.Tensor) -> "Labelled":
        return Labelled(self.images[idx], self.labels[idx])


@dataclass(frozen=True)
class Fitted:
    net: nn.Module
    epochs_run: int
    best_epoch: int  # the epoch whose weights the net holds
    val_losses: tuple[float, ...]  # per epoch; empty for a fixed budget


def _batches(n: int, size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, size):
        yield order[start:start + size]


@torch.no_grad()
def predict(net: nn.Module, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Class indices of uint8 NCHW images (or floats in [-1, 1]), on the CPU."""
    return logits(net, images, batch).argmax(1)


@torch.no_grad()
def logits(net: nn.Module, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    device = next(net.parameters()).device
    net.eval()
    out = []
    for start in range(0, len(images), batch):
        x = images[start:start + batch]
        x = to_unit(x) if x.dtype == torch.uint8 else x
        out.append(net(x.to(device)).float().cpu())
    return torch.cat(out)


def _val_loss(net: nn.Module, val: Labelled) -> float:
    return float(F.cross_entropy(logits(net, val.images), val.labels))


def fit(make_net: Callable[[], nn.Module], train: Labelled, budget: Budget, seed: int, device: torch.device,
        description: str, val: Labelled | None = None, augment: Augment | None = None) -> Fitted:
    """Train a fresh net (built under the seed) on `train`; with budget.patience, stop early on `val`."""
    if budget.patience is not None and val is None:
        raise ValueError("early stopping needs a validation split")
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)  # the initial weights and dropout's masks
        net = make_net().to(device)
        opt = torch.optim.Adam(net.parameters(), lr=budget.lr)
        order = torch.Generator().manual_seed(seed)
        best = (float("inf"), 0, None)
        losses: list[float] = []
        epoch = 0
        steps = budget.epochs * -(-len(train) // budget.batch)
        with progress() as bar:
            task = bar.add_task(description, total=steps)
            for epoch in range(1, budget.epochs + 1):
                net.train()
                for idx in _batches(len(train), budget.batch, order):
                    x = to_unit(train.images[idx])
                    x = augment(x, order) if augment is not None else x
                    loss = F.cross_entropy(net(x.to(device)), train.labels[idx].to(device))
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    bar.advance(task)
                if budget.patience is None:
                    continue
                losses.append(_val_loss(net, val))
                if losses[-1] < best[0] - budget.min_delta:
                    best = (losses[-1], epoch, copy.deepcopy(net.state_dict()))
                elif epoch - best[1] >= budget.patience:
                    break
    if best[2] is not None:
        net.load_state_dict(best[2])
    return Fitted(net.eval(), epoch, best[1] if best[2] is not None else epoch, tuple(losses))


def error_rate(net: nn.Module, data: Labelled) -> float:
    """The fraction of `data` the net gets wrong."""
    return int((predict(net, data.images) != data.labels).sum()) / len(data)
