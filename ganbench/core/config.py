"""Defaults shared by the Python API, the CLI and the docs: one typed object, one place.

As in torch-fidelity's defaults.py, every knob has exactly one default value;
`HELP` holds the sentence the CLI and docs/cli.md show for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Defaults:
    """Every knob's one default value, typed."""

    suite: str = "fashion-mnist-quick"
    seed: int = 0
    device: str = "auto"
    out: str = "."
    precision: str = "exact"
    calibration_samples: int = 500
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    metrics: str = "fid,kid"
    bootstrap: int = 100
    alpha: float = 0.05
    grid_samples: int = 64
    checkpoint_every: int = 500
    aug_per_class: int = 2000
    aug_epochs: int = 500
    ic_weak_every: float | None = None  # the suite's (0, never, for most)
    ic_weak_samples: int = 1000
    ask_over: float = 60.0  # minutes: where hours of work start; the default run and the smoke suites start unasked
    reuse: bool = False  # `run` scores every model again: a benchmark of now


DEFAULTS = Defaults()

HELP: dict[str, str] = {
    "suite": "Benchmark suite: data, resolution, models and metric protocol (see `ganbench suites`).",
    "seed": "Seed for weights, data order, noise and metric subsets; the same seed gives the same numbers on CPU.",
    "device": "auto (CUDA when available), cpu, cuda or cuda:N.",
    "out": "Folder that receives runs/ (checkpoints, logs, records, PNGs) and leaderboards/.",
    "precision": "exact: float32, torch-fidelity's numbers; fast: float16 convolutions where the device has them "
                 "(GPUs), larger batches, with its FID difference from exact measured and recorded; reference: "
                 "torch-fidelity's own forward pass, its features bit for bit (slower).",
    "calibration_samples": "Images of each set that `--precision fast` also scores in exact precision to measure "
                           "its FID difference.",
    "grid_samples": "Images in each sample-grid PNG.",
    "checkpoint_every": "Write a checkpoint every N training steps, besides one at the end of every epoch (a "
                        "preempted or stopped run resumes from the last one).",
    "ic_weak_every": "Train the weak independent classifier every N epochs of GAN training (fractions allowed) and "
                     "log its error; 0: never (Korotka et al., 2024: every 10). Default: the suite's (see `ganbench suites`).",
    "ic_weak_samples": "Real and generated images the weak independent classifier uses during training, each.",
    "alpha": "Significance level of each test of a difference between two models.",
    "ask_over": "Ask before starting work estimated to take longer than this many minutes (without a terminal: "
                "refuse unless --yes).",
    "yes": "Start the planned work without asking, however long its estimate.",
    "reuse": "Reuse each run's record where it serves the request (the same run configuration, metrics, precision "
             "and steps) instead of scoring the model again; `compare` always does.",
}

ENV_CACHE = "GANBENCH_CACHE"
ENV_DATA = "GANBENCH_DATA"
ENV_OFFLINE = "GANBENCH_OFFLINE"
ENV_INCEPTION = "GANBENCH_INCEPTION_WEIGHTS"
ENV_RESNET18 = "GANBENCH_RESNET18_WEIGHTS"  # ImageNet ResNet18 for BEGAN's encoder (Zaika, 2025)
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def cache_dir() -> Path:
    """User cache (never site-packages): $GANBENCH_CACHE, else $XDG_CACHE_HOME/ganbench, else ~/.cache/ganbench."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "ganbench"


def data_root() -> Path:
    """Where data sets are looked for (and downloaded to, when downloads are allowed)."""
    if os.environ.get(ENV_DATA):
        return Path(os.environ[ENV_DATA]).expanduser()
    return cache_dir() / "data"


def downloads_allowed() -> bool:
    return os.environ.get(ENV_OFFLINE, "").lower() not in ("1", "true", "yes")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """A scoring's per-metric settings (a suite's protocol fixes them; recorded beside each number)."""

    kid_subsets: int = DEFAULTS.kid_subsets
    kid_subset_size: int = DEFAULTS.kid_subset_size
    is_splits: int = 10
    neighbours: int = 3  # k of precision/recall and density/coverage
    bootstrap: int = DEFAULTS.bootstrap  # FID resamples; 0: no interval
    fid_inf_points: int = 15
    aug_per_class: int = DEFAULTS.aug_per_class  # generated images added per class
    aug_epochs: int = DEFAULTS.aug_epochs  # the most epochs each augmentation classifier trains
    # A plugged-in metric's settings, as (field, value) pairs: `METRIC.NAME` fields no built-in has.
    extra: tuple[tuple[str, object], ...] = ()

    def get(self, field: str):
        """A setting by the field the record keeps it under (a plugged-in metric reads `gap.scale` so)."""
        if field in BUILT_IN_SETTINGS:
            return getattr(self, field)
        found = dict(self.extra)
        if field not in found:
            raise KeyError(f"no setting {field} in this scoring")
        return found[field]

    def with_values(self, values: dict) -> Settings:
        """These settings with some changed, built-in fields and plugged-in ones alike."""
        built_in = {k: v for k, v in values.items() if k in BUILT_IN_SETTINGS}
        extra = {**dict(self.extra), **{k: v for k, v in values.items() if k not in BUILT_IN_SETTINGS}}
        return replace(self, **built_in, extra=tuple(sorted(extra.items())))

    def as_record(self) -> dict:
        """What the record's `protocol.settings` holds: every built-in field, then the plugged-in ones."""
        return {**{f: getattr(self, f) for f in BUILT_IN_SETTINGS}, **dict(self.extra)}


# The built-in settings and their defaults, in the order the record keeps them (a built-in metric's `Setting` reads
# its default here).
BUILT_IN_SETTINGS = {f.name: f.default for f in fields(Settings) if f.name != "extra"}


@dataclass(frozen=True, kw_only=True)
class AugOptions:
    """The augmentation study's settings a command may change; the other settings are the suite's."""

    aug_per_class: int = DEFAULTS.aug_per_class
    aug_epochs: int = DEFAULTS.aug_epochs

    def applied_to(self, settings: Settings) -> Settings:
        return replace(settings, aug_per_class=self.aug_per_class, aug_epochs=self.aug_epochs)
