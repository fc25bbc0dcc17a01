"""A small image classifier trained by ganbench on a suite's labelled data, cached, with its test accuracy.

It names the class of a generated image for Korotka et al.'s maps of class areas ("maps of areas obtained by
classification of 10,000 generated images"). Deterministic for a seed; cached under a key of everything
that defines it (the pixels' hashes, the architecture, the budget, the seed), verified on read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import torch

from ganbench.core import config
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import torch_save
from ganbench.core.progress import warn
from ganbench.core.tensorfile import load_tensors
from ganbench.data import ImageData
from ganbench.metrics.cache import key_hash
from ganbench.metrics.classifiers.fitting import Budget, Labelled, error_rate, fit, predict
from ganbench.metrics.classifiers.nets import SmallCNN

EPOCHS = 3
BUDGET = Budget(EPOCHS)


@dataclass
class LabelClassifier:
    net: SmallCNN
    classes: tuple[str, ...]
    test_accuracy: float  # on the suite's test split, which it never trained on
    provenance: dict

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return predict(self.net, images)


def _load_cached(path, key: dict) -> dict | None:
    try:
        stored = load_tensors(path, "classifier cache")
    except GanbenchError as exc:  # a truncated or foreign file: retrain, never trust it
        warn(f"{exc}; retraining")
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("key"), str):
        warn(f"classifier cache {path.name} is not one ganbench wrote; retraining")
        return None
    try:
        if json.loads(stored["key"]) == key:
            return stored
    except ValueError:
        pass
    warn(f"classifier cache {path.name} does not match its key; retraining")
    return None


def label_classifier(train: ImageData, test: ImageData, device: torch.device, seed: int = 0,
                     epochs: int = EPOCHS) -> tuple[LabelClassifier, bool]:
    """(the classifier, cache hit): trained on `train`'s labels, its accuracy measured on `test`."""
    if train.labels is None or test.labels is None:
        raise GanbenchError(f"{train.name} has no class labels: a classifier of its classes cannot be trained")
    classes = train.classes or tuple(str(i) for i in range(int(train.labels.max()) + 1))
    budget = replace(BUDGET, epochs=epochs)
    key = {"architecture": SmallCNN.architecture, "train_sha256": train.content_hash,
           "test_sha256": test.content_hash, "train_labels": hashlib.sha256(train.labels.numpy().tobytes()).hexdigest(),
           "epochs": epochs, "batch": budget.batch, "lr": budget.lr, "seed": seed, "classes": list(train.classes or ())}
    path = config.cache_dir() / "classifiers" / f"{key_hash(key)}.pt"
    stored = _load_cached(path, key) if path.is_file() else None
    hit = stored is not None
    if stored is None:
        net = fit(lambda: SmallCNN(train.resolution, train.channels, len(classes)),
                  Labelled(train.images, train.labels), budget, seed, device, f"classifier on {train.name}").net
        accuracy = 1 - error_rate(net, Labelled(test.images, test.labels))
        stored = {"key": json.dumps(key, sort_keys=True), "state": net.cpu().state_dict(), "accuracy": accuracy}
        torch_save(path, stored)
    net = SmallCNN(train.resolution, train.channels, len(classes))
    net.load_state_dict(stored["state"])
    provenance = {"architecture": SmallCNN.architecture, "epochs": epochs, "seed": seed, "train": train.name,
                  "n_train": len(train), "test": test.name, "n_test": len(test), "cache": str(path)}
    return LabelClassifier(net.to(device).eval(), tuple(classes), float(stored["accuracy"]), provenance), hit
