"""Images stored as arrays: `.npy`, or `.npz` with an `images` array (or a single array), uint8.

Layouts N x H x W, N x H x W x C and N x C x H x W (C = 1 or 3) are accepted;
floats are refused rather than guessed at ([0, 1] or [-1, 1] or [0, 255]?).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from ganbench.core.errors import GanbenchError, option
from ganbench.core.tensorfile import load_error
from ganbench.data.base import ImageData
from ganbench.data.quantize import from_range, to_uint8

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
                raise GanbenchError(f"{path} holds statistics (mu, sigma), not images: pass it as "
                                    f"{option('real_stats')}")
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
    return ImageData(f"array:{path.name}", torch.from_numpy(np.ascontiguousarray(_nchw(arr, str(path)))), str(path))


def _nchw(arr, what: str):
    """N x H x W, N x H x W x C or N x C x H x W (C = 1 or 3) -> N x C x H x W, for NumPy arrays and tensors."""
    if arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 4 and arr.shape[3] in (1, 3) and arr.shape[1] not in (1, 3):
        arr = arr.transpose(0, 3, 1, 2) if isinstance(arr, np.ndarray) else arr.permute(0, 3, 1, 2)
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise GanbenchError(f"{what}: expected N x H x W, N x H x W x C or N x C x H x W images (C = 1 or 3), got "
                            f"{tuple(arr.shape)}")
    return arr


def images_from_array(arr: np.ndarray | torch.Tensor, name: str,
                      value_range: tuple[float, float] | None = None) -> ImageData:
    """Images held in memory: uint8 in [0, 255], or floats whose range the caller states (never guessed: [0, 1],
    [-1, 1] and [0, 255] all occur). Floats go through the one quantization generated images get."""
    x = torch.from_numpy(np.asarray(arr)) if isinstance(arr, np.ndarray) else arr
    if not isinstance(x, torch.Tensor):
        raise GanbenchError(f"{name}: expected a NumPy array or a torch tensor of images, got {type(arr).__name__}")
    x = _nchw(x.detach().cpu(), name)
    if x.dtype == torch.uint8:  # [0, 255] whatever the floats' range (the other set may be floats)
        return ImageData(name, x.contiguous(), name)
    if not x.is_floating_point():
        raise GanbenchError(f"{name}: images must be uint8 or floating point, not {x.dtype}")
    if value_range is None:
        raise GanbenchError(f"{name}: float images need value_range=(low, high), such as (-1, 1) or (0, 1): the "
                            "range is never guessed")
    low, high = map(float, value_range)
    if not high > low:
        raise GanbenchError(f"{name}: value_range {tuple(value_range)} must be (low, high) with low < high")
    x = x.double()
    if not torch.isfinite(x).all():
        raise GanbenchError(f"{name}: the images hold NaN or infinite values")
    slack = 1e-3 * (high - low)
    if x.min() < low - slack or x.max() > high + slack:
        raise GanbenchError(f"{name}: values from {x.min().item():.4g} to {x.max().item():.4g} lie outside "
                            f"value_range ({low:g}, {high:g})")
    return ImageData(name, to_uint8(from_range(x, low, high)).contiguous(), name)
