"""Checkpoints: model, optimizers, every RNG state and the step, written atomically, loaded safely.

Loading uses `torch.load(..., weights_only=True)`: a checkpoint holds tensors
and plain Python values only, never pickled code.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganbench.core.contracts import json_normal
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import torch_save
from ganbench.core.tensorfile import load_tensors

FORMAT = 1


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                  "has_gauss": int(np_state[3]), "gauss": float(np_state[4])},
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))


def save(path: Path, *, config: dict, step: int, model: torch.nn.Module, optimizers: dict, finished: bool,
         wall_time: float) -> None:
    torch_save(path, {
        "format": FORMAT,
        "config": json_normal(config),
        "step": step,
        "finished": finished,
        "wall_time": wall_time,
        "model": model.state_dict(),
        "optimizers": {k: o.state_dict() for k, o in optimizers.items()},
        "rng": rng_state(),
    })


FIELDS = {"format": int, "config": dict, "step": int, "finished": bool, "wall_time": (int, float), "model": dict,
          "optimizers": dict, "rng": dict}


def load(path: str | Path) -> dict:
    path = Path(path)
    ckpt = load_tensors(path, "checkpoint")
    if isinstance(ckpt, dict) and ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        # A training snapshot (G's weights for the metric curve) or any bare state dict: no config to rebuild from.
        run_dir = path.parent.parent if path.parent.name == "snapshots" else path.parent
        raise GanbenchError(f"{path} holds bare weights (a training snapshot or a state dict), not a ganbench "
                            f"checkpoint: pass the run's {run_dir / 'checkpoint.pt'}")
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise GanbenchError(f"{path} is not a ganbench checkpoint (format {FORMAT})")
    for field, kind in FIELDS.items():
        value = ckpt.get(field)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problem = "has no" if field not in ckpt else "has a malformed"
            raise GanbenchError(f"damaged checkpoint {path}: it {problem} '{field}' field")
    return ckpt
