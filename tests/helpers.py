"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganbench import config

FULL_FASHION_MNIST = config.DEBIAN_FASHION_MNIST
needs_full_fashion_mnist = pytest.mark.skipif(
    not (FULL_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"full Fashion-MNIST not installed at {FULL_FASHION_MNIST} (apt-get install dataset-fashion-mnist)",
)


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


def run_cli_process(*args: str, env: dict | None = None, timeout: float = 600, cwd: Path | None = None):
    """`python -m ganbench ARGS` in a child process: for what needs one (signals, PYTHONPATH plugins)."""
    return subprocess.run(
        [sys.executable, "-m", "ganbench", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=cwd,
    )


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command line's own entry point (`ganbench.cli.main`) in this process, with its stdout, stderr and
    exit code captured as a child process's would be. Saves the interpreter start and torch import of a child
    process (seconds each on this CPU)."""
    from ganbench.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(env or {})
    code = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["ganbench", *args], code, out.getvalue(), err.getvalue())


def assert_one_line_error(proc, *fragments: str, code: int = 2) -> str:
    """The contract for bad input: exit code, no traceback, a last line `error: ...` naming the problem."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in last, (fragment, last)
    return last
