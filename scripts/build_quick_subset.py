"""Rebuild ganbench/assets/fashion_mnist_quick.npz from the full Fashion-MNIST.

    python scripts/build_quick_subset.py

Takes 500 train and 100 test images of each of the 10 classes, chosen with a
fixed seed, from the full set as `ganbench.data.load_data("fashion-mnist")`
finds it (Debian's dataset-fashion-mnist, $GANBENCH_DATA, or torchvision).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganbench.core.fileio import atomic_path
from ganbench.data import load_data

PER_CLASS = {"train": 500, "test": 100}
SEED = 20261123
OUT = Path(__file__).resolve().parents[1] / "ganbench" / "assets" / "fashion_mnist_quick.npz"


def balanced_subset(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picks))


def main() -> None:
    rng = np.random.default_rng(SEED)
    arrays = {}
    for split, per_class in PER_CLASS.items():
        data = load_data("fashion-mnist", split)
        labels = data.labels.numpy()
        idx = balanced_subset(labels, per_class, rng)
        arrays[f"{split}_images"] = data.images.numpy()[idx, 0]
        arrays[f"{split}_labels"] = labels[idx].astype(np.uint8)
        arrays[f"{split}_source_index"] = idx.astype(np.int32)  # row in the full split, for provenance
    with atomic_path(OUT) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
