"""Images stored as arrays: `.npy`, or `.npz` with an `images` array (or a single array), uint8.

Layouts N x H x W, N x H x W x C and N x C x H x W (C = 1 or 3) are accepted;
floats are refused rather than guessed at ([0, 1] or [-1, 1] or [0, 255]?).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from ganbench.data.base import ImageData
from ganbench.errors import GanbenchError
from ganbench.tensorfile import load_error

ARRAY_SUFFIXES = (".npy", ".npz")


def _read(path: Path) -> np.ndarray:
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        with np.load(path, allow_pickle=False) as npz:
            if "images" in npz.files:
                return npz["images"]
            if len(npz.files) == 1:
                return npz[npz.files[0]]
            if {"mu", "sigma"} <= set(npz.files):
                raise GanbenchError(f"{path} holds statistics (mu, sigma), not images: pass it as --real-stats")
            raise GanbenchError(f"{path} has several arrays ({', '.join(npz.files)}) and none named 'images'")
    except GanbenchError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise GanbenchError(f"corrupt image array {path}: {load_error(exc)}") from None


def load_array(path: str | Path) -> ImageData:
    path = Path(path)
    if not path.is_file():
        raise GanbenchError(f"image array not found: {path}")
    arr = _read(path)
    if arr.dtype != np.uint8:
        raise GanbenchError(f"{path}: images must be uint8 (0-255), not {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 4 and arr.shape[3] in (1, 3) and arr.shape[1] not in (1, 3):
        arr = arr.transpose(0, 3, 1, 2)
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise GanbenchError(f"{path}: expected N x H x W, N x H x W x C or N x C x H x W images, got {arr.shape}")
    return ImageData(f"array:{path.name}", torch.from_numpy(np.ascontiguousarray(arr)), str(path))
