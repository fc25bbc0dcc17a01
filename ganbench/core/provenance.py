"""Facts every record carries: versions, git commit, device, time."""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from pathlib import Path

import torch

from ganbench.core import distributed
from ganbench.core.errors import GanbenchError, option
from ganbench.core.version import __version__


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise GanbenchError(f"unknown device '{name}' (use auto, cpu, cuda or cuda:N)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GanbenchError(f"device '{name}' asked for, but CUDA is not available here "
                            f"(use {option('device', 'cpu')})")
    if device.type not in ("cpu", "cuda"):
        raise GanbenchError(f"unsupported device '{name}' (use auto, cpu, cuda or cuda:N)")
    return device


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def git_commit() -> str | None:
    """The commit of the ganbench source tree, with '-dirty' when it has changes; None outside a checkout."""
    root = Path(__file__).resolve().parents[2]  # ganbench/core/ -> the checkout
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def environment(device: torch.device) -> dict:
    return {
        "ganbench_version": __version__,
        "git_commit": git_commit(),
        "torch_version": torch.__version__,
        "device": device_name(device),
        "processes": distributed.current().provenance(),  # world size and backend (none: one process)
        "created": now(),
    }
