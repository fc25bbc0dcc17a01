"""ganbench: GAN evaluation with exact metrics, their uncertainty and provenance, from Python or the command line.

    import ganbench
    result = ganbench.score("path/to/real_images", generated, value_range=(-1, 1))
    print(result.values["fid"], result.intervals["fid"])

The names in `__all__` are the public API (docs/api.md); anything else may change between releases. They are
imported on first use, so that `import ganbench` (and the command line's start) stays quick.
"""

from __future__ import annotations

import importlib

from ganbench.core.version import __version__ as __version__

_WHERE = {
    "score": "ganbench.api",
    "run_suite": "ganbench.api",
    "load_records": "ganbench.api",
    "leaderboard": "ganbench.api",
    "compare": "ganbench.api",
    "zoo": "ganbench.api",
    "ScoreResult": "ganbench.metrics.result",
    "Record": "ganbench.core.contracts",
    "GanbenchError": "ganbench.core.errors",
    "Interrupted": "ganbench.core.errors",
    "GAN": "ganbench.models.base",
    "Batch": "ganbench.models.base",
    "ModelSpec": "ganbench.models.registry",
    "register_model": "ganbench.models.registry",
    "Metric": "ganbench.metrics.kinds",
    "MetricKind": "ganbench.metrics.kinds",
    "Direction": "ganbench.metrics.kinds",
    "Noise": "ganbench.metrics.kinds",
    "Setting": "ganbench.metrics.kinds",
    "register_metric": "ganbench.metrics.registry",
}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module 'ganbench' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
