"""A small image classifier trained by ganbench on a suite's labelled data, cached, with its test accuracy.

It names the class of a generated image for seed 003's maps of class areas ("maps of areas obtained by
classification of 10,000 generated images"). Deterministic for a seed; cached under a key of everything
that defines it (the pixels' hashes, the architecture, the budget, the seed), verified on read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from ganbench import config
from ganbench.data import ImageData
from ganbench.errors import GanbenchError
from ganbench.fileio import torch_save
from ganbench.metrics.cache import key_hash
from ganbench.progress import progress, warn
from ganbench.sampling import to_unit

ARCHITECTURE = "cnn32-64-fc128/v1"  # change it when SmallCNN changes: the cache key holds it
EPOCHS = 3
BATCH = 128
LR = 1e-3


class SmallCNN(nn.Module):
    """Two 3x3 convolutions (32, 64) with max-pooling, a 128-unit hidden layer, one logit per class."""

    def __init__(self, resolution: int, channels: int, classes: int):
        super().__init__()
        side = resolution // 4
        self.layers = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Linear(128, classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@dataclass
class LabelClassifier:
    net: SmallCNN
    classes: tuple[str, ...]
    test_accuracy: float  # on the suite's test split, which it never trained on
    provenance: dict

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return predict(self.net, images)


@torch.no_grad()
def predict(net: nn.Module, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Class indices of uint8 NCHW images (or floats in [-1, 1]), on the CPU."""
    device = next(net.parameters()).device
    net.eval()
    out = []
    for start in range(0, len(images), batch):
        x = images[start:start + batch]
        x = to_unit(x) if x.dtype == torch.uint8 else x
        out.append(net(x.to(device)).argmax(1).cpu())
    return torch.cat(out)


def _batches(n: int, size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, size):
        yield order[start:start + size]


def fit(train: ImageData, classes: int, epochs: int, seed: int, device: torch.device) -> SmallCNN:
    """Cross-entropy, Adam, shuffled mini-batches; the same seed gives the same network on the CPU."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = SmallCNN(train.resolution, train.channels, classes).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    order = torch.Generator().manual_seed(seed)
    steps = epochs * -(-len(train) // BATCH)
    with progress() as bar:
        task = bar.add_task(f"classifier on {train.name}", total=steps)
        for _ in range(epochs):
            for idx in _batches(len(train), BATCH, order):
                x, y = to_unit(train.images[idx]).to(device), train.labels[idx].to(device)
                loss = F.cross_entropy(net(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                bar.advance(task)
    return net.eval()


def _load_cached(path, key: dict) -> dict | None:
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
        if json.loads(stored["key"]) == key:
            return stored
        warn(f"classifier cache {path.name} does not match its key; retraining")
    except Exception as exc:  # a truncated or foreign file: retrain, never trust it
        warn(f"classifier cache {path.name} is damaged ({type(exc).__name__}); retraining")
    return None


def label_classifier(train: ImageData, test: ImageData, device: torch.device, seed: int = 0,
                     epochs: int = EPOCHS) -> tuple[LabelClassifier, bool]:
    """(the classifier, cache hit): trained on `train`'s labels, its accuracy measured on `test`."""
    if train.labels is None or test.labels is None:
        raise GanbenchError(f"{train.name} has no class labels: a classifier of its classes cannot be trained")
    classes = train.classes or tuple(str(i) for i in range(int(train.labels.max()) + 1))
    key = {"architecture": ARCHITECTURE, "train_sha256": train.content_hash, "test_sha256": test.content_hash,
           "train_labels": hashlib.sha256(train.labels.numpy().tobytes()).hexdigest(), "epochs": epochs,
           "batch": BATCH, "lr": LR, "seed": seed, "classes": list(train.classes or ())}
    path = config.cache_dir() / "classifiers" / f"{key_hash(key)}.pt"
    stored = _load_cached(path, key) if path.is_file() else None
    hit = stored is not None
    if stored is None:
        net = fit(train, len(classes), epochs, seed, device)
        accuracy = float((predict(net, test.images) == test.labels).float().mean())
        stored = {"key": json.dumps(key, sort_keys=True), "state": net.cpu().state_dict(), "accuracy": accuracy}
        torch_save(path, stored)
    net = SmallCNN(train.resolution, train.channels, len(classes))
    net.load_state_dict(stored["state"])
    provenance = {"architecture": ARCHITECTURE, "epochs": epochs, "seed": seed, "train": train.name,
                  "n_train": len(train), "test": test.name, "n_test": len(test), "cache": str(path)}
    return LabelClassifier(net.to(device).eval(), tuple(classes), float(stored["accuracy"]), provenance), hit
