"""Image folders: the `folder:PATH` provider, `ganbench score --real/--fake DIR`, and CelebA's JPEGs.

Files are found as torch-fidelity finds them (png/jpg/jpeg, not recursive,
sorted by real path) so that the same folder gives the same sample order,
and so the same KID subsets, in both tools.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganbench.core.errors import GanbenchError
from ganbench.core.progress import map_progress
from ganbench.data.base import ImageData

EXTENSIONS = ("png", "jpg", "jpeg")


def list_images(folder: Path) -> list[Path]:
    files = [
        Path(os.path.realpath(folder / f))
        for f in os.listdir(folder)
        if os.path.splitext(f)[1].lower().lstrip(".") in EXTENSIONS and (folder / f).is_file()
    ]
    return sorted(files, key=str)


SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I")  # PIL's modes for 16-bit grayscale PNGs


def read_image(path: Path, transform: Callable[[Image.Image], Image.Image] | None = None) -> Image.Image:
    try:
        with warnings.catch_warnings():  # PIL warns, then raises, on an image claiming a huge pixel count
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                img = _to_8_bit(im, path)
                return transform(img) if transform else img.copy()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise GanbenchError(f"image {path} claims more pixels than an image ganbench scores should have "
                            f"(over {Image.MAX_IMAGE_PIXELS:,}); refused as a possible decompression bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise GanbenchError(f"corrupt or unreadable image {path}: {str(exc).splitlines()[0]}") from None


def _to_8_bit(im: Image.Image, path: Path) -> Image.Image:
    """L or RGB, 8 bits. 16-bit grayscale is scaled (PIL's convert would clip every value above 255 to white)."""
    if im.mode in ("L", "RGB"):
        return im
    if im.mode in SIXTEEN_BIT:
        arr = np.asarray(im)
        if arr.min() < 0 or arr.max() > 65535:
            raise GanbenchError(f"image {path} holds {im.mode} values outside 16 bits; save it as 8-bit PNG")
        return Image.fromarray(np.round(arr.astype(np.float64) / 257).astype(np.uint8), mode="L")
    return im.convert("RGB")


def images_to_tensor(imgs: list[Image.Image], where: str) -> torch.Tensor:
    """uint8 NCHW; grayscale stays one channel unless the folder mixes modes (then all RGB, as PIL converts)."""
    sizes = {im.size for im in imgs}
    if len(sizes) > 1:
        a, b = sorted(sizes)[:2]
        raise GanbenchError(
            f"images in {where} have different sizes ({a[0]}x{a[1]} and {b[0]}x{b[1]}): resize them or use a suite"
        )
    if any(im.mode == "RGB" for im in imgs):
        arr = np.stack([np.asarray(im.convert("RGB")) for im in imgs]).transpose(0, 3, 1, 2)
    else:
        arr = np.stack([np.asarray(im) for im in imgs])[:, None]
    return torch.from_numpy(np.ascontiguousarray(arr))


def load_folder(path: str | Path, name: str | None = None,
                transform: Callable[[Image.Image], Image.Image] | None = None) -> ImageData:
    """Every image directly in `path`; or, when it holds only sub-folders of images, one class per sub-folder."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise GanbenchError(f"image folder not found: {folder}")
    name = name or f"folder:{folder}"
    files = list_images(folder)
    labels, classes = None, None
    if not files:
        subdirs = sorted(d for d in folder.iterdir() if d.is_dir() and list_images(d))
        if subdirs:
            per_class = [list_images(d) for d in subdirs]
            files = [f for fs in per_class for f in fs]
            labels = torch.cat([torch.full((len(fs),), i, dtype=torch.int64) for i, fs in enumerate(per_class)])
            classes = tuple(d.name for d in subdirs)
    if not files:
        raise GanbenchError(f"no images ({', '.join(EXTENSIONS)}) in {folder}")
    # PIL decodes with the GIL released: threads decode in parallel (torch-fidelity uses 4 loader processes)
    imgs = map_progress(lambda f: read_image(f, transform), files, f"reading {folder.name}",
                        threads=min(8, os.cpu_count() or 1))
    return ImageData(name, images_to_tensor(imgs, str(folder)), str(folder), labels, classes)
