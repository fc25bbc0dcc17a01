"""The per-step training log (JSON lines) read back: for its pictures, a resumed run and a model's statistics."""

from __future__ import annotations

import json
from pathlib import Path

from ganbench.core.errors import GanbenchError
from ganbench.core.progress import warn


def read_log(path: Path) -> list[dict]:
    """The per-step log. A hard kill can leave its last line half-written: that line is dropped, and said so
    (a resumed run writes it again); any other damage is an error."""
    if not path.is_file():
        return []
    text = path.read_text()
    lines = text.splitlines()
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            if i == len(lines) - 1 and not text.endswith("\n"):
                warn(f"{path}: dropped its last line, cut off mid-write (the run was stopped while logging)")
                break
            raise GanbenchError(f"damaged log {path}: line {i + 1} is not JSON") from None
    return records
