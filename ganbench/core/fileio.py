"""Atomic writes: a file is either the old one or the complete new one, never half of either."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

_written: list[Path] = []  # this command's finished files, for the message when it is interrupted


def written() -> list[Path]:
    """The files this command has written so far, in order (each one whole)."""
    return list(_written)


def new_command() -> None:
    _written.clear()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600): give it the mode a plain open() would have
        os.chmod(tmp_path, _new_file_mode(path))
        os.replace(tmp_path, path)
        _written.append(path)
    finally:
        tmp_path.unlink(missing_ok=True)


def _new_file_mode(path: Path) -> int:
    """The replaced file's own mode, else 0666 less the umask (read by setting it, the only portable way)."""
    with contextlib.suppress(FileNotFoundError):
        return path.stat().st_mode & 0o777
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    """torch.save, atomically. Serialized in memory first: saved to a path, torch names the archive's folder
    after the file, so the temporary name would change the bytes (and a weights file's hash) on every save."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes(path, buffer.getvalue())


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_figure(path: str | os.PathLike, fig) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=fig.dpi)
