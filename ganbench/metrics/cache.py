"""Cache of real-image features, keyed by a hash of everything that defines them.

The key holds the pixels' content hash (not a name or path, which go stale),
the sample count, the extractor, its weights hash and the backend version.
Files are written atomically and verified on read: a truncated or altered
file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ganbench import config
from ganbench.fileio import atomic_path
from ganbench.progress import warn


# What reading a truncated, altered or foreign .npz raises.
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


def _array_hash(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def features_dir() -> Path:
    return config.cache_dir() / "real-features"


def load_or_compute(key: dict, compute: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, bool]:
    """(features, hit): the cached features for `key`, or `compute()` stored under it."""
    path = features_dir() / f"{key_hash(key)}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as npz:
                feats, stored_key, digest = npz["features"], str(npz["key"]), str(npz["sha256"])
            if json.loads(stored_key) == key and _array_hash(feats) == digest:
                return torch.from_numpy(feats), True
            warn(f"real-feature cache {path.name} does not match its key or checksum; recomputing")
        except DAMAGED as exc:
            warn(f"real-feature cache {path.name} is damaged ({type(exc).__name__}); recomputing")
    feats = compute().numpy()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, features=feats, key=json.dumps(key, sort_keys=True), sha256=_array_hash(feats))
    return torch.from_numpy(feats), False


def entries() -> list[dict]:
    """What the cache holds: real features (with the key they were stored under) and converted weights."""
    out = []
    for path in sorted(features_dir().glob("*.npz")):
        item = {"kind": "real-features", "path": str(path), "bytes": path.stat().st_size}
        try:
            with np.load(path, allow_pickle=False) as npz:
                key = json.loads(str(npz["key"]))
            item.update(n=key.get("n"), content_sha256=key.get("content_sha256", "")[:12],
                        weights_sha256=key.get("weights_sha256", "")[:12])
        except DAMAGED:
            item["damaged"] = True
        out.append(item)
    for path in sorted((config.cache_dir() / "weights").glob("*.pth")):
        out.append({"kind": "weights", "path": str(path), "bytes": path.stat().st_size})
    return out


def clear(include_weights: bool = False) -> list[str]:
    """Delete cached real features (and converted weights when asked); returns what was removed."""
    removed = []
    for item in entries():
        if item["kind"] == "real-features" or include_weights:
            path = Path(item["path"])
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            removed.append(str(path))
    return removed
