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

from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import atomic_path, file_hash
from ganbench.core.tensorfile import load_error


@dataclass(frozen=True)
class RealStats:
    mu: np.ndarray  # float64, d
    sigma: np.ndarray  # float64, d x d
    n: int | None
    sha256: str
    protocol: dict | None  # what ganbench recorded when it wrote the file; None for other tools' files


def holds_stats(path: str | Path) -> bool:
    """Is this an `.npz` of statistics (mu and sigma, no images)? False for anything else, unreadable included:
    the reader of images says what is wrong with it."""
    path = Path(path).expanduser()
    if path.suffix != ".npz" or not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {"mu", "sigma"} <= set(npz.files) and "images" not in npz.files
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return False


def load_stats(path: str | Path, dims: int) -> RealStats:
    """mu and sigma of a statistics file (ganbench's, or clean-fid's and pytorch-fid's .npz), validated before any
    work: impossible statistics (asymmetric, complex, not positive semi-definite) would give an impossible FID."""
    path = Path(path)
    if not path.is_file():
        raise GanbenchError(f"statistics file not found: {path}")
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            raise GanbenchError(f"{path} is a single array, not a statistics file (an .npz with 'mu' and 'sigma')")
        with loaded as npz:
            keys = set(npz.files)
            if not {"mu", "sigma"} <= keys:
                raise GanbenchError(f"{path} has no 'mu' and 'sigma' arrays (it has: {', '.join(sorted(keys)) or 'none'})")
            mu, sigma = npz["mu"], npz["sigma"]
            n = npz["n"] if "n" in keys else None
            protocol = str(npz["protocol"]) if "protocol" in keys else None
    except GanbenchError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise GanbenchError(f"corrupt statistics file {path}: {load_error(exc)}") from None
    mu, sigma = _real_matrix(path, "mu", mu), _real_matrix(path, "sigma", sigma)
    if mu.shape != (dims,) or sigma.shape != (dims, dims):
        raise GanbenchError(f"{path}: mu {mu.shape} and sigma {sigma.shape} do not fit {dims}-d Inception features")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise GanbenchError(f"{path}: mu or sigma is not finite")
    scale = max(float(np.abs(sigma).max()), 1e-12)
    if np.abs(sigma - sigma.T).max() > 1e-6 * scale:
        raise GanbenchError(f"{path}: sigma is not symmetric, so it is not a covariance matrix")
    lowest = float(np.linalg.eigvalsh(sigma)[0])
    if lowest < -1e-6 * scale:  # rounding leaves tiny negative eigenvalues in a rank-deficient covariance
        raise GanbenchError(f"{path}: sigma is not positive semi-definite (eigenvalue {lowest:.3g}), so it is not "
                            f"a covariance matrix")
    return RealStats(mu, sigma, _count(path, n), file_hash(path), _protocol(path, protocol))


def _real_matrix(path: Path, name: str, value: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(value) or not np.issubdtype(value.dtype, np.number):
        raise GanbenchError(f"{path}: {name} holds {value.dtype} values, not real numbers")
    return value.astype(np.float64)


def _count(path: Path, n: np.ndarray | None) -> int | None:
    if n is None:
        return None
    if n.shape != () or not np.issubdtype(n.dtype, np.integer) or int(n) < 2:
        raise GanbenchError(f"{path}: its sample count 'n' must be one integer of at least 2, not {n.dtype} {n.shape}")
    return int(n)


def _protocol(path: Path, text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        protocol = json.loads(text)
    except ValueError:
        protocol = None
    if not isinstance(protocol, dict):
        raise GanbenchError(f"{path}: its 'protocol' is not the JSON object ganbench writes")
    return protocol


def save_stats(path: str | Path, features: torch.Tensor, protocol: dict) -> None:
    """mu and sigma of features, in float64, with their sample count and protocol."""
    x = features.double().numpy()
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, mu=x.mean(axis=0), sigma=np.cov(x, rowvar=False), n=len(x),
                 protocol=json.dumps(protocol, sort_keys=True))
