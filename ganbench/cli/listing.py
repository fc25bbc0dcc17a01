"""`ganbench zoo`: every model with its source, parameter counts and default hyperparameters."""

from __future__ import annotations

import torch

from ganbench.core.errors import GanbenchError
from ganbench.models.base import count_keras_total, count_parameters
from ganbench.models.registry import ModelSpec, load_zoo
from ganbench.suites import SUITES

FALLBACK_SHAPE = (64, 3)  # for a plugin model that no built-in suite lists


def _shapes(spec: ModelSpec) -> list[tuple[int, int]]:
    shapes = sorted({(s.resolution, s.channels) for s in SUITES.values()
                     if spec.name in {m.partition(":")[0] for m in s.models}})  # a variant is its model's shape
    return shapes or [FALLBACK_SHAPE]


def parameter_counts(spec: ModelSpec) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Per image shape: the trainable counts, and the totals as Keras' summary prints them (which the Keras
    papers quote: batch normalisation's running statistics included)."""
    counts, keras = {}, {}
    # Built on the CPU: the meta device would skip the initialisation, but its Python kernels make spectral
    # norm's power iteration take seconds per model (0.1 s on the CPU for the largest built-in model).
    with torch.device("cpu"):
        for res, ch in _shapes(spec):
            try:
                model = spec.create(res, ch)
            except GanbenchError:
                continue
            counts[f"{res}x{res}x{ch}"] = {"G": count_parameters(model.G), "D": count_parameters(model.D)}
            keras[f"{res}x{res}x{ch}"] = {"G": count_keras_total(model.G), "D": count_keras_total(model.D)}
    return counts, keras


def _listing(spec: ModelSpec) -> dict:
    params, keras = parameter_counts(spec)
    return {
        "name": spec.name,
        "family": spec.family,
        "source": spec.source,
        "description": spec.description,
        "plugin": spec.plugin,
        "params": params,
        "params_keras_total": keras,
        "variants": list(spec.variants or ()),
        "defaults": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.defaults.items()},
    }


def zoo_listing() -> dict:
    zoo = load_zoo()
    models = [_listing(spec) for spec in zoo.models.values()]
    return {"models": models, "broken_plugins": dict(zoo.broken)}
