"""Weights files are data, never code: a poisoned cache or weights file cannot run anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.metrics.features.inception import (
    CONVERTED_SHA256,
    FID_HELPER_SHA1,
    TFID_FILENAME,
    build_extractor,
    resolve_weights,
)
from tests.helpers import assert_one_line_error, run_cli


class Payload:
    """Unpickling this creates the folder `marker`: proof that a load ran code."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def poisoned_file(path: Path, marker: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"fc.weight": torch.zeros(1), "payload": Payload(marker)}, path)
    return path


def test_the_converted_file_hash_is_pinned_in_the_code():
    weights = resolve_weights()
    assert weights.sha256 == CONVERTED_SHA256[FID_HELPER_SHA1] == file_hash(weights.path)


def test_a_poisoned_converted_cache_is_replaced_without_being_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    genuine = resolve_weights()
    marker = tmp_path / "ran"
    poisoned_file(genuine.path, marker)
    # The attacker can also write a hash beside the file: nothing beside it is trusted.
    genuine.path.with_suffix(".json").write_text(f'{{"sha256": "{file_hash(genuine.path)}"}}')
    weights = resolve_weights()
    build_extractor(weights)
    assert not marker.exists()
    assert weights.sha256 == CONVERTED_SHA256[FID_HELPER_SHA1] == file_hash(weights.path)


def test_a_poisoned_torch_hub_file_is_refused_in_one_line_without_running(tmp_path, png_sets):
    marker = tmp_path / "ran"
    poisoned_file(tmp_path / "torch" / "hub" / "checkpoints" / TFID_FILENAME, marker)
    real, fake = png_sets
    proc = run_cli("score", "--real", str(real), "--fake", str(fake),
                   env={"TORCH_HOME": str(tmp_path / "torch")})
    assert_one_line_error(proc, "refused Inception weights", "holds Python objects, not only tensors")
    assert "weights_only" not in proc.stderr  # never point the user at the unsafe load
    assert not marker.exists()


def test_a_poisoned_explicit_weights_file_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = poisoned_file(tmp_path / "w.pth", marker)
    with pytest.raises(GanbenchError, match="refused Inception weights .* holds Python objects"):
        resolve_weights(path)
    assert not marker.exists()


def test_a_foreign_state_dict_is_refused_in_one_line(tmp_path):
    path = tmp_path / "foreign.pth"
    torch.save({"fc.weight": torch.ones(3, 3), "conv.weight": torch.ones(2)}, path)
    weights = resolve_weights(path)  # readable tensors with a logits layer ...
    with pytest.raises(GanbenchError, match="is not a torch-fidelity Inception state dict"):
        build_extractor(weights)  # ... but not this network's
