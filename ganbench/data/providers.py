"""The data providers: name -> loader of a split as ImageData.

Each loader looks in documented places, in order, and when nothing is
found raises one line naming every place it looked and how to get the data.
"""

from __future__ import annotations

import gzip
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ganbench.core import config
from ganbench.core.errors import GanbenchError
from ganbench.data.base import ImageData
from ganbench.data.folder import list_images, load_folder

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Provider:
    name: str
    description: str
    load: Callable[[str], ImageData]  # split -> data
    present: Callable[[], bool] = lambda: True  # are its files on this machine? (a look, not a load)
    downloadable: bool = False  # fetched on first use where downloads are allowed

    def availability(self) -> str:
        """In words, for `ganbench suites`: present, fetched on first use, or missing."""
        if self.present():
            return "present"
        return "downloaded on first use" if self.downloadable and config.downloads_allowed() else "not present"


# ---------------------------------------------------------------- IDX files (MNIST, Fashion-MNIST)

def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip or raw), as LeCun's MNIST and Zalando's Fashion-MNIST ship them."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
        if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
            raise ValueError("not an unsigned-byte IDX file")
        ndim = raw[3]
        shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    except (OSError, ValueError, EOFError, IndexError) as exc:
        raise GanbenchError(f"corrupt IDX file {path}: {exc}") from None


def _find_idx(folders: list[Path], stem: str) -> Path | None:
    for folder in folders:
        for name in (stem + ".gz", stem):
            if (folder / name).is_file():
                return folder / name
    return None


def _idx_dataset(name: str, folders: list[Path], split: str, download: Callable[[Path], None] | None,
                 classes: tuple[str, ...] | None, how_to_get: str) -> ImageData:
    prefix = "train" if split == "train" else "t10k"
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    found = [_find_idx(folders, s) for s in stems]
    if None in found and download is not None and config.downloads_allowed():
        target = folders[-1]
        try:
            download(target)
        except Exception as exc:  # network errors come in many types
            raise GanbenchError(
                f"{name} not found in {', '.join(map(str, folders))} and its download failed "
                f"({type(exc).__name__}); {how_to_get}"
            ) from None
        found = [_find_idx(folders, s) for s in stems]
    if None in found:
        raise GanbenchError(f"{name} not found (looked in {', '.join(map(str, folders))}); {how_to_get}")
    images = read_idx(found[0])
    labels = read_idx(found[1])
    if len(images) != len(labels):
        raise GanbenchError(f"{name}: {found[0]} and {found[1]} disagree on the number of images")
    return ImageData(name, torch.from_numpy(images.copy())[:, None], str(found[0].parent),
                     torch.from_numpy(labels.astype(np.int64)), classes)


def _torchvision_download(cls_name: str) -> Callable[[Path], None]:
    def download(target: Path) -> None:
        import torchvision.datasets as tvd

        root = target.parent.parent  # torchvision keeps MNIST-style sets in <root>/<Name>/raw
        getattr(tvd, cls_name)(root=str(root), train=True, download=True)
        getattr(tvd, cls_name)(root=str(root), train=False, download=True)

    return download


def _idx_present(folders: list[Path]) -> bool:
    return all(_find_idx(folders, f"{p}-images-idx3-ubyte") for p in ("train", "t10k"))


def _fashion_folders() -> list[Path]:
    root = config.data_root()
    return [root / "fashion-mnist", root, config.DEBIAN_FASHION_MNIST, root / "FashionMNIST" / "raw"]


def _mnist_folders() -> list[Path]:
    root = config.data_root()
    return [root / "mnist", root / "MNIST" / "raw"]


def fashion_mnist(split: str) -> ImageData:
    folders = _fashion_folders()
    return _idx_dataset(
        "fashion-mnist", folders, split, _torchvision_download("FashionMNIST"), FASHION_CLASSES,
        f"install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or put the four IDX files "
        f"in ${config.ENV_DATA}/fashion-mnist",
    )


def mnist(split: str) -> ImageData:
    folders = _mnist_folders()
    return _idx_dataset(
        "mnist", folders, split, _torchvision_download("MNIST"), tuple(str(i) for i in range(10)),
        f"put the four MNIST IDX files in ${config.ENV_DATA}/mnist, or allow downloads (unset {config.ENV_OFFLINE})",
    )


# ---------------------------------------------------------------- the embedded quick subset

QUICK_ASSET = "fashion_mnist_quick.npz"


def fashion_mnist_quick(split: str) -> ImageData:
    """5,000 train and 1,000 test Fashion-MNIST images shipped in the package (MIT licence, see assets/)."""
    ref = importlib.resources.files("ganbench.assets").joinpath(QUICK_ASSET)
    try:
        with importlib.resources.as_file(ref) as path, np.load(path) as npz:
            images, labels = npz[f"{split}_images"], npz[f"{split}_labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise GanbenchError(f"the embedded quick subset is damaged ({exc}); reinstall ganbench") from None
    return ImageData("fashion-mnist-quick", torch.from_numpy(images)[:, None], f"ganbench/assets/{QUICK_ASSET}",
                     torch.from_numpy(labels.astype(np.int64)), FASHION_CLASSES)


# ---------------------------------------------------------------- CIFAR (torchvision's pickled batches)

def _cifar(cls_name: str, folder: str, name: str) -> Callable[[str], ImageData]:
    def load(split: str) -> ImageData:
        import torchvision.datasets as tvd

        root = config.data_root()
        download = config.downloads_allowed() and not (root / folder).is_dir()
        try:
            ds = getattr(tvd, cls_name)(root=str(root), train=split == "train", download=download)
        except Exception as exc:
            reason = "download failed" if download else f"downloads disabled by {config.ENV_OFFLINE}"
            raise GanbenchError(
                f"{name} not found in {root / folder} ({reason}: {type(exc).__name__}); put torchvision's "
                f"{folder} folder in ${config.ENV_DATA}"
            ) from None
        images = torch.from_numpy(np.ascontiguousarray(ds.data.transpose(0, 3, 1, 2)))
        return ImageData(name, images, str(root / folder), torch.tensor(ds.targets, dtype=torch.int64),
                         tuple(ds.classes))

    return load


# ---------------------------------------------------------------- CelebA, 64x64 as Bury (2024) prepares it

CELEBA_CROP, CELEBA_SIZE = 160, 64


def celeba_transform(img):
    """Bury (2024): centre crop 160x160 of the 178x218 aligned faces, then resize to 64x64."""
    from PIL import Image

    w, h = img.size
    left, top = (w - CELEBA_CROP) // 2, (h - CELEBA_CROP) // 2
    img = img.crop((left, top, left + CELEBA_CROP, top + CELEBA_CROP))
    return img.resize((CELEBA_SIZE, CELEBA_SIZE), Image.Resampling.BILINEAR)


def _celeba_folders() -> list[Path]:
    root = config.data_root()
    return [root / "celeba" / "img_align_celeba", root / "img_align_celeba"]


def celeba64(split: str) -> ImageData:
    root = config.data_root()
    candidates = _celeba_folders()
    folder = next((c for c in candidates if c.is_dir() and list_images(c)), None)
    if folder is None:
        raise GanbenchError(
            f"CelebA not found (looked in {', '.join(map(str, candidates))}); unzip img_align_celeba.zip and "
            f"put list_eval_partition.txt from the CelebA site into {root / 'celeba'} (torchvision's "
            f"datasets.CelebA(root='{root}', download=True) makes the same layout)"
        )
    data = load_folder(folder, "celeba64", transform=celeba_transform)
    partition = folder.parent / "list_eval_partition.txt"
    if not partition.is_file():
        return data  # no official split: every image serves as train and test
    wanted = {"train": "0", "test": "2"}[split]
    keep = {line.split()[0] for line in partition.read_text().splitlines() if line.split()[1:] == [wanted]}
    idx = [i for i, f in enumerate(list_images(folder)) if f.name in keep]
    return ImageData("celeba64", data.images[idx], data.source)


# ---------------------------------------------------------------- Korotka et al.'s landscape photos (not shipped)

LANDSCAPE_SIZE = 64


def centre_square(img):
    """Korotka et al.'s "64x64 landscape photos" from photos of any shape: the centred square, resized to 64x64."""
    from PIL import Image

    w, h = img.size
    side = min(w, h)
    img = img.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
    return img.resize((LANDSCAPE_SIZE, LANDSCAPE_SIZE), Image.Resampling.BILINEAR)


def landscape64(split: str) -> ImageData:
    """Every photo serves as train and test: the paper scores its classifier against its own data set."""
    folder = config.data_root() / "landscape"
    if not folder.is_dir():
        raise GanbenchError(
            f"landscape photos not found (looked in {folder}); Korotka et al.'s 90,000 photos are not published: put a "
            f"folder of landscape photos (any sizes) in ${config.ENV_DATA}/landscape"
        )
    return load_folder(folder, "landscape64", transform=centre_square)


# ---------------------------------------------------------------- Wang et al.'s ore images (private)

ORE_CLASSES = ("concentrate", "waste")

def _ore(cls: str) -> Callable[[str], ImageData]:
    def load(split: str) -> ImageData:
        """Every image of the class folder serves as train and test: the paper scores against its data set."""
        folder = config.data_root() / "ore" / cls
        if not folder.is_dir():
            raise GanbenchError(
                f"ore {cls} images not found (looked in {folder}); Wang et al.'s ore images are private: put yours in "
                f"${config.ENV_DATA}/ore/{cls}, or run --suite ore:FOLDER with FOLDER/concentrate and FOLDER/waste"
            )
        return load_folder(folder, f"ore-{cls}")

    return load


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("fashion-mnist-quick", "5,000 train / 1,000 test Fashion-MNIST images shipped in the package", fashion_mnist_quick),
        Provider("fashion-mnist", f"full Fashion-MNIST (60k/10k) from ${config.ENV_DATA}, Debian's package, or torchvision",
                 fashion_mnist, lambda: _idx_present(_fashion_folders()), downloadable=True),
        Provider("mnist", f"MNIST (60k/10k) from ${config.ENV_DATA} or torchvision", mnist,
                 lambda: _idx_present(_mnist_folders()), downloadable=True),
        Provider("cifar10", f"CIFAR-10 (50k/10k) from ${config.ENV_DATA} or torchvision",
                 _cifar("CIFAR10", "cifar-10-batches-py", "cifar10"),
                 lambda: (config.data_root() / "cifar-10-batches-py").is_dir(), downloadable=True),
        Provider("cifar100", f"CIFAR-100 (50k/10k) from ${config.ENV_DATA} or torchvision",
                 _cifar("CIFAR100", "cifar-100-python", "cifar100"),
                 lambda: (config.data_root() / "cifar-100-python").is_dir(), downloadable=True),
        Provider("celeba64", "CelebA aligned faces, centre crop 160, resized to 64x64 (Bury, 2024)", celeba64,
                 lambda: any(c.is_dir() for c in _celeba_folders())),
        Provider("landscape64", f"landscape photos from ${config.ENV_DATA}/landscape, centre square at 64x64 (Korotka et al., 2024)",
                 landscape64, lambda: (config.data_root() / "landscape").is_dir()),
        *(Provider(f"ore-{c}", f"Wang et al.'s {c} ore images from ${config.ENV_DATA}/ore/{c} (private data)", _ore(c),
                   lambda c=c: (config.data_root() / "ore" / c).is_dir())
          for c in ORE_CLASSES),
    )
}


def load_data(spec: str, split: str = "train") -> ImageData:
    """`spec` is a provider name or `folder:PATH`."""
    if split not in SPLITS:
        raise GanbenchError(f"unknown split '{split}' (known: {', '.join(SPLITS)})")
    if spec.startswith("folder:"):
        return load_folder(spec[len("folder:"):], spec)
    if spec not in PROVIDERS:
        raise GanbenchError(f"unknown data set '{spec}' (known: {', '.join(PROVIDERS)}, folder:PATH)")
    return PROVIDERS[spec].load(split)
