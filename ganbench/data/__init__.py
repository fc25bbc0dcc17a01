"""Real data: every provider yields uint8 NCHW images of a declared size.

`load_data("fashion-mnist", "train")`, `load_data("folder:/path/to/images")`.
Missing data raises a GanbenchError that says where it looked and how to get it.
"""

from pathlib import Path

from ganbench.core.errors import GanbenchError
from ganbench.data.arrays import ARRAY_SUFFIXES, load_array
from ganbench.data.base import ImageData, conform
from ganbench.data.folder import load_folder
from ganbench.data.providers import PROVIDERS, load_data

__all__ = ["ImageData", "conform", "PROVIDERS", "load_data", "load_images"]


def load_images(path: str | Path) -> ImageData:
    """Images given on the command line: a folder, or a `.npy`/`.npz` array file."""
    if Path(path).suffix in ARRAY_SUFFIXES:
        return load_array(path)
    if Path(path).expanduser().is_file():
        raise GanbenchError(f"{path} is a file, not a folder of images or a .npy/.npz array of them")
    return load_folder(path)
