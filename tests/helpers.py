"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganbench.core import config

FULL_FASHION_MNIST = config.DEBIAN_FASHION_MNIST
# The records the committed fashion-mnist board is built from: real records to read without training.
COMMITTED_RECORDS = Path(__file__).resolve().parents[1] / "leaderboards" / "records" / "fashion-mnist"
needs_full_fashion_mnist = pytest.mark.skipif(
    not (FULL_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"full Fashion-MNIST not installed at {FULL_FASHION_MNIST} (apt-get install dataset-fashion-mnist)",
)


def isolate(mp: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """A private ganbench cache and torch hub folder, offline, with none of the user's weight or data variables:
    weights a user downloaded into their own hub folder must not change what a test sees, and a test that
    clears a cache clears its own."""
    mp.setenv("GANBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch-home")))
    mp.setenv("GANBENCH_OFFLINE", "1")
    for name in ("GANBENCH_DATA", "GANBENCH_INCEPTION_WEIGHTS", "GANBENCH_RESNET18_WEIGHTS",
                 "GANBENCH_VGG16_WEIGHTS", "GANBENCH_PUBLISHED"):
        mp.delenv(name, raising=False)


def committed_records() -> list[dict]:
    """The committed fashion-mnist records' JSON objects, a fresh copy each call, in file order."""
    import json

    return [json.loads(p.read_text()) for p in sorted(COMMITTED_RECORDS.glob("*.json"))]


def gaussian(n: int, d: int, shift: float, seed: int):
    """n float64 feature vectors of N(shift, 1) in d dimensions, as a tensor: fixed stand-ins for features."""
    import torch

    return torch.from_numpy(np.random.default_rng(seed).normal(shift, 1.0, size=(n, d)))


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


def _default_sigint() -> None:
    """In the child: SIGINT handled and deliverable (a shell's background job, a CI runner's, ignores it, and a
    child inherits both the disposition and the mask)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_cli_process(*args: str, env: dict | None = None) -> subprocess.Popen:
    """`python -m ganbench ARGS` started in a child process that Ctrl-C (SIGINT) reaches, whatever the runner's
    own disposition; its stdout and stderr are pipes."""
    return subprocess.Popen([sys.executable, "-m", "ganbench", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})}, preexec_fn=_default_sigint)


def interrupt_when(proc: subprocess.Popen, event, what: str, timeout: float = 300) -> tuple[str, str]:
    """Ctrl-C (SIGINT) to a running child as soon as `event()` holds (polled every 10 ms), checking that the
    child was still running then; returns its stdout and stderr."""
    import signal
    import time

    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not event():
        time.sleep(0.01)
    assert proc.poll() is None, f"the {what} ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=120)


def generator_module(on_import: str = "", on_forward: str = "") -> str:
    """The source of a small user generator module for `--generator FILE:build`: a seeded linear layer from an
    8-d latent to 28x28 images, running `on_import` when imported and `on_forward` (which sees the latent `z`)
    on every call."""
    return f'''
from pathlib import Path

import torch
from torch import nn

{on_import}


class G(nn.Module):
    latent_dim = 8

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 28 * 28)

    def forward(self, z):
        {on_forward}
        return torch.tanh(self.fc(z)).view(-1, 1, 28, 28)


def build():
    torch.manual_seed(0)
    return G()
'''


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command line's own entry point (`ganbench.cli.app.main`) in this process, with its stdout, stderr and
    exit code captured as a child process's would be. Saves the interpreter start and torch import of a child
    process (seconds each on this CPU)."""
    from ganbench.cli.main import main

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


# What a user must never see on stderr: a traceback, an exception dumped by type name, a Python warning.
_DUMP = re.compile(r'^\s*File "|Traceback|^\s*\w+(Error|Exception|Warning): |\.py:\d+: \w*Warning|warnings\.warn\(')


def assert_one_line_error(proc, *fragments: str, code: int = 2) -> str:
    """The contract for bad input: exit code, one error line and it is the last (progress lines before it are
    fine), naming the problem; nothing on stderr is a traceback, an exception dump or a library warning.
    Exit 70 (an internal error) says `internal error: ` instead of `error: `."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    prefix = "internal error: " if code == 70 else "error: "
    errors = [line for line in lines if line.startswith(("error: ", "internal error: "))]
    assert len(errors) == 1 and lines[-1] == errors[0] and errors[0].startswith(prefix), proc.stderr
    dumps = [line for line in lines[:-1] if _DUMP.search(line)]
    assert not dumps, proc.stderr
    if code != 70:  # only an internal error names an exception type (with how to get its traceback)
        assert not _DUMP.search(lines[-1]), lines[-1]
    for fragment in fragments:
        assert fragment in lines[-1], (fragment, lines[-1])
    return lines[-1]


def baseline_key(baseline: dict, model: str, seed: int) -> str:
    """The key of a gate baseline's one entry for this model and seed (model/configuration/seedN)."""
    (key,) = [k for k, e in baseline["entries"].items() if (e["model"], e["seed"]) == (model, seed)]
    assert re.fullmatch(rf"{re.escape(model)}/[0-9a-f]{{8}}/seed{seed}", key), key
    return key
