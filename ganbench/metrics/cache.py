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

import numpy as np
import torch

from ganbench.core import config
from ganbench.core.fileio import atomic_path
from ganbench.core.progress import warn

# What reading a truncated, altered or foreign .npz raises.
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


LAYER_PREFIX = "layer_"  # one array per feature layer: layer_2048, layer_fc2_relu


def _layers_hash(layers: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(layers):
        h.update(name.encode())
        h.update(np.ascontiguousarray(layers[name]).tobytes())
    return h.hexdigest()


def features_dir() -> Path:
    return config.cache_dir() / "real-features"


def load(key: dict) -> dict[str, torch.Tensor] | None:
    """The cached features for `key` ({layer: features}), or None: absent, damaged or not matching (warned)."""
    path = _path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            layers = {k[len(LAYER_PREFIX):]: npz[k] for k in npz.files if k.startswith(LAYER_PREFIX)}
            stored_key, digest = str(npz["key"]), str(npz["sha256"])
        if json.loads(stored_key) == key and layers and _layers_hash(layers) == digest:
            return {k: torch.from_numpy(v) for k, v in layers.items()}
        warn(f"real-feature cache {path.name} does not match its key or checksum; recomputing")
    except DAMAGED as exc:
        warn(f"real-feature cache {path.name} is damaged ({type(exc).__name__}); recomputing")
    return None


def store(key: dict, feats: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Write features under `key` (atomically, with their checksum); returns them as read back would."""
    layers = {k: v.numpy() for k, v in feats.items()}
    with atomic_path(_path(key)) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **{LAYER_PREFIX + k: v for k, v in layers.items()}, key=json.dumps(key, sort_keys=True),
                     sha256=_layers_hash(layers))
    return {k: torch.from_numpy(v) for k, v in layers.items()}


def _path(key: dict) -> Path:
    return features_dir() / f"{key_hash(key)}.npz"


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
