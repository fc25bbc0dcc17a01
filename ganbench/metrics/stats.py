"""Precomputed real statistics: `.npz` files with `mu` and `sigma`, as pytorch-fid, TTUR and clean-fid write them.

Reading validates shape and finiteness, so a truncated or foreign file stops
with one line; writing adds `n` and a JSON `protocol` beside mu and sigma.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganbench.errors import GanbenchError
from ganbench.fileio import atomic_path
from ganbench.fileio import file_hash
from ganbench.tensorfile import load_error


@dataclass(frozen=True)
class RealStats:
    mu: np.ndarray  # float64, d
    sigma: np.ndarray  # float64, d x d
    n: int | None
    sha256: str
    protocol: dict | None  # what ganbench recorded when it wrote the file; None for other tools' files


def load_stats(path: str | Path, dims: int) -> RealStats:
    path = Path(path)
    if not path.is_file():
        raise GanbenchError(f"statistics file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            if not {"mu", "sigma"} <= keys:
                raise GanbenchError(f"{path} has no 'mu' and 'sigma' arrays (it has: {', '.join(sorted(keys)) or 'none'})")
            mu, sigma = npz["mu"].astype(np.float64), npz["sigma"].astype(np.float64)
            n = int(npz["n"]) if "n" in keys else None
            protocol = json.loads(str(npz["protocol"])) if "protocol" in keys else None
    except GanbenchError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise GanbenchError(f"corrupt statistics file {path}: {load_error(exc)}") from None
    if mu.shape != (dims,) or sigma.shape != (dims, dims):
        raise GanbenchError(f"{path}: mu {mu.shape} and sigma {sigma.shape} do not fit {dims}-d Inception features")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise GanbenchError(f"{path}: mu or sigma is not finite")
    return RealStats(mu, sigma, n, file_hash(path), protocol)


def save_stats(path: str | Path, features: torch.Tensor, protocol: dict) -> None:
    """mu and sigma of features, in float64, with their sample count and protocol."""
    x = features.double().numpy()
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, mu=x.mean(axis=0), sigma=np.cov(x, rowvar=False), n=len(x),
                 protocol=json.dumps(protocol, sort_keys=True))
