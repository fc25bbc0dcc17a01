"""Tensor files read safely, and refusals said in our words.

Every checkpoint, snapshot and weights file is read with `torch.load(weights_only=True)`.
torch's own messages on a refused file recommend the unsafe load; ours say what the file
is and never suggest running what it holds.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import torch

from ganbench.core.errors import GanbenchError

UNSAFE_CONTENT = "it holds Python objects, not only tensors, and ganbench loads tensors only"


def load_error(exc: BaseException) -> str:
    """Why torch or numpy could not (or would not) read a file, in one short clause."""
    text = str(exc)
    lower = text.lower()
    if "unsupported global" in lower or "object arrays cannot be loaded" in lower:
        return UNSAFE_CONTENT
    if "central directory" in text or isinstance(exc, EOFError) or "ran out of input" in lower:
        return "the file is truncated or not a complete torch/numpy file"
    if "unsupported operand" in lower or "invalid load key" in lower or "weights only load failed" in lower:
        return "the file is not a torch tensor file"
    first = text.splitlines()[0].strip() if text.strip() else type(exc).__name__
    return first[:160]


def load_tensors(path: str | Path, what: str) -> Any:
    """`torch.load(path, weights_only=True)` on the CPU; any failure is one GanbenchError naming `what`."""
    path = Path(path)
    if not path.is_file():
        raise GanbenchError(f"{what} not found: {path}")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols say nothing to a user
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        reason = load_error(exc)
        verb = "refused" if reason == UNSAFE_CONTENT else "damaged"
        raise GanbenchError(f"{verb} {what} {path}: {reason}") from None


def state_dict_mismatch(exc: RuntimeError) -> str:
    """torch's multi-line load_state_dict error, summarised on one line: what is missing, extra or misshapen."""
    text = str(exc)
    parts = []
    for label, pattern in (("missing", r"Missing key\(s\) in state_dict: (.*)"),
                           ("unexpected", r"Unexpected key\(s\) in state_dict: (.*)")):
        m = re.search(pattern, text)
        if m:
            keys = re.findall(r'"([^"]+)"', m.group(1))
            parts.append(f"{len(keys)} {label} (e.g. {keys[0]})" if keys else label)
    shapes = re.findall(r"size mismatch for ([^:]+): copying a param with shape torch.Size\((\[[^\]]*\])\) from "
                        r"checkpoint, the shape in current model is torch.Size\((\[[^\]]*\])\)", text)
    if shapes:
        name, theirs, ours = shapes[0]
        parts.append(f"{len(shapes)} of another shape (e.g. {name}: {theirs} in the file, {ours} expected)")
    if not parts:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return (lines[-1] if lines else type(exc).__name__)[:160]
    return "tensors " + "; ".join(parts)
