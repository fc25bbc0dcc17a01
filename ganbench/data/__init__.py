"""Real data: every provider yields uint8 NCHW images of a declared size.

`load_data("fashion-mnist", "train")`, `load_data("folder:/path/to/images")`.
Missing data raises a GanbenchError that says where it looked and how to get it.
"""

from ganbench.data.base import ImageData, conform
from ganbench.data.providers import PROVIDERS, load_data

__all__ = ["ImageData", "conform", "PROVIDERS", "load_data"]
