"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def write_pngs(folder: Path, images: np.ndarray, prefix: str = "img") -> list[Path]:
    """uint8 N x C x H x W -> PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        arr = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
        path = folder / f"{prefix}_{i:04d}.png"
        Image.fromarray(arr).save(path)
        paths.append(path)
    return paths


def run_cli(*args: str, env: dict | None = None, timeout: float = 600, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "ganbench", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=cwd,
    )


def assert_one_line_error(proc, *fragments: str, code: int = 2) -> str:
    """The contract for bad input: exit code, no traceback, a last line `error: ...` naming the problem."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in last, (fragment, last)
    return last
