"""What each metric means for a comparison: its direction, unit and noise, as one typed table.

The leaderboard, `compare` and `gate` read this table, never strings of
their own: a misspelt "larger"/"less" rule cannot silently invert a gate.
Keys are the ones records hold (`metrics.fid`, `metrics.kid_mean`) and
published.csv's `metric` column uses (`fid`, `began-m@epoch8`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from ganbench.errors import GanbenchError


class Direction(Enum):
    LOWER = "lower is better"
    HIGHER = "higher is better"
    TOWARD_50 = "closer to 50% is better"  # an independent classifier's error: 50% means indistinguishable
    EXACT = "equal to the reference is right"  # structural numbers such as parameter counts


class Noise(Enum):
    BOOTSTRAP = "95% bootstrap interval over generated samples"
    BINOMIAL = "95% Wilson interval over the held-out images"  # a classifier's error or accuracy
    SUBSET_STD = "standard deviation over random subsets"
    SPLIT_STD = "standard deviation over splits"
    SEEDS = "no per-run interval: spread over training seeds only"
    NONE = "none: exact"

    @property
    def source(self) -> str:
        """What gives a run this noise estimate where its record has none."""
        return {Noise.BOOTSTRAP: "--bootstrap above 0",
                Noise.SUBSET_STD: "at least 4 samples, so that the subsets differ",
                Noise.SPLIT_STD: "more samples, so that the splits differ",
                Noise.BINOMIAL: "a held-out set"}.get(self, "several seeds")


@dataclass(frozen=True)
class MetricInfo:
    key: str  # published.csv's metric name
    label: str
    direction: Direction
    noise: Noise
    unit: str = ""
    value_key: str = ""  # the record's metrics key; default: key
    spread_keys: tuple[str, ...] = ()  # BOOTSTRAP, BINOMIAL: (low, high); *_STD: (std,)
    standard_error_key: str = ""  # BOOTSTRAP: the record's bootstrap standard error, which a test may use
    # How far the value may lie above the truth from its sample counts alone (records.fid_bias): a difference
    # smaller than this is never called significant.
    bias_key: str = ""
    # False for a statistic of a model's own training (BEGAN's M is measured by its own discriminator), which
    # tracks one model over training or against its baseline, and for a reference the model does not change
    # (the augmentation study's real-only accuracy): neither ranks one model against another.
    across_models: bool = True
    # The protocol field naming the feature network this metric was computed on, where a run may use one of
    # several (precision/recall and density/coverage: VGG16 fc2, or Inception pool3 without VGG16 weights).
    features_key: str = ""


class MetricKind(Enum):
    FID = MetricInfo("fid", "FID", Direction.LOWER, Noise.BOOTSTRAP, spread_keys=("fid_ci_low", "fid_ci_high"),
                     standard_error_key="fid_bootstrap_std", bias_key="fid_bias")
    KID = MetricInfo("kid", "KID", Direction.LOWER, Noise.SUBSET_STD, value_key="kid_mean", spread_keys=("kid_std",))
    IS = MetricInfo("is", "IS", Direction.HIGHER, Noise.SPLIT_STD, value_key="is_mean", spread_keys=("is_std",))
    PRECISION = MetricInfo("precision", "precision", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
    RECALL = MetricInfo("recall", "recall", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
    DENSITY = MetricInfo("density", "density", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
    COVERAGE = MetricInfo("coverage", "coverage", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
    FID_INF = MetricInfo("fid-inf", "FID∞", Direction.LOWER, Noise.SEEDS, value_key="fid_inf")
    IC_STRONG_ERROR = MetricInfo("ic-strong-error", "strong IC error", Direction.TOWARD_50, Noise.BINOMIAL, "%",
                                 "ic_strong_error", ("ic_strong_error_ci_low", "ic_strong_error_ci_high"))
    IC_WEAK_ERROR = MetricInfo("ic-weak-error", "weak IC error", Direction.TOWARD_50, Noise.BINOMIAL, "%",
                               "ic_weak_error", ("ic_weak_error_ci_low", "ic_weak_error_ci_high"))
    BEGAN_M = MetricInfo("began-m", "BEGAN M", Direction.LOWER, Noise.SEEDS, value_key="began_m", across_models=False)
    BEGAN_K = MetricInfo("began-k", "BEGAN k", Direction.EXACT, Noise.SEEDS, value_key="began_k", across_models=False)
    # Wang et al.'s Table 2: a classifier's test accuracy when trained on real data alone, on real plus
    # traditional augmentation, and on real plus the model's generated images (`aug-accuracy`).
    AUG_REAL_ACCURACY = MetricInfo("aug-real-accuracy", "accuracy, real data alone", Direction.HIGHER,
                                   Noise.BINOMIAL, "%", "aug_real_accuracy",
                                   ("aug_real_accuracy_ci_low", "aug_real_accuracy_ci_high"), across_models=False)
    AUG_TRADITIONAL_ACCURACY = MetricInfo("aug-traditional-accuracy", "accuracy, real + traditional augmentation",
                                          Direction.HIGHER, Noise.BINOMIAL, "%", "aug_traditional_accuracy",
                                          ("aug_traditional_accuracy_ci_low", "aug_traditional_accuracy_ci_high"),
                                          across_models=False)
    AUG_ACCURACY = MetricInfo("aug-accuracy", "accuracy, real + generated", Direction.HIGHER, Noise.BINOMIAL, "%",
                              "aug_accuracy", ("aug_accuracy_ci_low", "aug_accuracy_ci_high"))
    AUG_GAIN = MetricInfo("aug-gain", "accuracy gain from generated images", Direction.HIGHER, Noise.SEEDS, "pp",
                          "aug_gain")
    PARAMS_G = MetricInfo("params-g", "G parameters", Direction.EXACT, Noise.NONE, "parameters")
    PARAMS_G_TRAINABLE = MetricInfo("params-g-trainable", "G trainable parameters", Direction.EXACT, Noise.NONE,
                                    "parameters")
    PARAMS_G_NONTRAINABLE = MetricInfo("params-g-nontrainable", "G non-trainable parameters", Direction.EXACT,
                                       Noise.NONE, "parameters")
    PARAMS_D = MetricInfo("params-d", "D parameters", Direction.EXACT, Noise.NONE, "parameters")

    @property
    def key(self) -> str:
        return self.value.key

    @property
    def info(self) -> MetricInfo:
        return self.value

    @classmethod
    def from_key(cls, key: str) -> MetricKind:
        """`fid` -> FID; a qualified key such as `began-m@epoch8` -> BEGAN_M."""
        base = key.split("@", 1)[0]
        for kind in cls:
            if kind.key == base:
                return kind
        raise GanbenchError(f"unknown metric '{key}' (known: {', '.join(k.key for k in cls)})")

    def value_in(self, metrics: dict) -> float | None:
        v = metrics.get(self.value.value_key or self.key)
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None

    def features(self, protocol: dict) -> str | None:
        """The feature network behind this metric in a record's protocol, in words; None where it has no choice."""
        name = protocol.get(self.value.features_key) if self.value.features_key else None
        if not name:
            return None
        if str(name).startswith("vgg16"):
            return "VGG16 fc2 features"
        return "Inception pool3 features (no VGG16 weights)"

    @property
    def is_count(self) -> bool:
        return self.value.unit == "parameters"

    def format(self, value: float, signed: bool = False) -> str:
        """Counts with thousands separators, other values to 4 significant digits."""
        sign = "+" if signed else ""
        return f"{value:{sign},.0f}" if self.is_count else f"{value:{sign}.4g}"

    def standard_error(self, metrics: dict) -> float | None:
        """The recorded bootstrap standard error over generated samples, where the metric has one."""
        v = metrics.get(self.value.standard_error_key) if self.value.standard_error_key else None
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None

    def bias(self, metrics: dict) -> float | None:
        v = metrics.get(self.value.bias_key) if self.value.bias_key else None
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None

    def half_width(self, metrics: dict) -> float:
        """The 95% half-width of a recorded value's noise (0 when the record carries none)."""
        keys = self.value.spread_keys
        if not keys or any(not isinstance(metrics.get(k), (int, float)) for k in keys):
            return 0.0
        if len(keys) == 2:  # an interval (low, high)
            return (metrics[keys[1]] - metrics[keys[0]]) / 2
        return 1.96 * metrics[keys[0]]

    def worsening(self, before: float, after: float) -> float:
        """How much worse `after` is than `before`, in the metric's unit (negative: better)."""
        d = self.value.direction
        if d is Direction.LOWER:
            return after - before
        if d is Direction.HIGHER:
            return before - after
        if d is Direction.TOWARD_50:
            return abs(after - 50) - abs(before - 50)
        return abs(after - before)

    def better(self, a: float, b: float) -> bool:
        """Is a better than b?"""
        return self.worsening(b, a) < 0
