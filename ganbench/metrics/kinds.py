"""The types of the metric registry: what a metric is computed from (`needs`), the direction and noise model of a
reported number (`MetricKind`), its columns in the leaderboard, and the `Metric` that `--metrics` names.

They are apart from the registry (metrics/registry.py) so that a metric module, built-in or plugged in, imports
them without importing the registry that lists it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

# What a metric is computed from, in the order the tables list their kinds.
FEATURES = "features"  # Inception (or VGG16) features of both sets; `compute(Inputs) -> dict`
IMAGES = "images"  # the uint8 images of both sets (a classifier trained on them); `compute(Inputs) -> dict`
TRAINING = "training"  # the model's own training log (BEGAN's M and k); read when the record is written
MODEL = "model"  # the model and its suite's labelled data; `compute(ModelContext) -> dict`
STRUCTURE = "structure"  # the networks themselves (parameter counts); every record carries them
_SECTIONS = (FEATURES, IMAGES, TRAINING, MODEL, STRUCTURE)
_SECTION_ORDER = {FEATURES: 0, IMAGES: 0, TRAINING: 1, MODEL: 2, STRUCTURE: 3}


class Direction(Enum):
    LOWER = "lower is better"
    HIGHER = "higher is better"
    TOWARD_50 = "closer to 50% is better"  # an independent classifier's error: 50% means indistinguishable
    EXACT = "equal to the reference is right"  # structural numbers such as parameter counts


class Noise(Enum):
    BOOTSTRAP = "1.96 × bootstrap standard error over generated samples"  # FID ± that: a 95% normal interval
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


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


@dataclass(frozen=True, kw_only=True)
class RunFact:
    """A fact about a run that one of its numbers depends on, shown beside that number: BEGAN's M and k depend on
    how its discriminator's encoder started. `read(record)` gives it in a word, or None where it does not apply."""

    name: str  # the CSV column and the every-metric table's note ("encoder: random")
    heading: str  # the markdown heading, with its footnote mark
    read: Callable[[Any], str | None]


@dataclass(frozen=True, kw_only=True)
class RunsColumn:
    """A metric's column in the leaderboard's table of runs (one row per run); metrics without one are in the
    every-metric table only. The CSV keeps the value and its spread as recorded; markdown and the console show
    the value with its 95% half-width."""

    name: str  # the CSV column of the value; the console's heading
    heading: str  # the markdown heading, with its footnote mark
    spread: str = ""  # the CSV column of its spread: a 95% half-width, or a standard deviation (spread_is_std)
    spread_is_std: bool = False
    scale: float = 1.0  # markdown shows value x scale (KID x 10³)
    digits: int = 2  # markdown's decimals
    console: str = ".2f"  # the console's format of the (unscaled) value
    optional: bool = False  # shown only where some run has a value: a statistic that only some models log
    footnote: str = ""  # markdown's footnote for the heading's mark (once, however many columns share it)

    def half_width(self, row: dict) -> float | None:
        """The 95% half-width of the value in a runs-table row: the recorded half-width, or 1.96 standard
        deviations; None where the run has no noise estimate (or the column no spread)."""
        spread = _number(row.get(self.spread)) if self.spread else None
        if spread is None:
            return None
        return 1.96 * spread if self.spread_is_std else spread


@dataclass(frozen=True, kw_only=True)
class MetricKind:
    """One reported number: how to read it from a record's metrics, and how to judge it."""

    key: str  # the name tables, gate files and published.csv's `metric` column use (`fid`, `began-m@epoch8`)
    label: str
    direction: Direction
    noise: Noise
    unit: str = ""
    value_key: str = ""  # the record's metrics key; default: key
    spread_keys: tuple[str, ...] = ()  # BOOTSTRAP, BINOMIAL: (low, high); *_STD: (std,)
    standard_error_key: str = ""  # BOOTSTRAP: the record's bootstrap standard error, which a test may use
    # How far the value may lie above the truth from its sample counts alone (FID's `derive`): a difference
    # smaller than this is never called significant.
    bias_key: str = ""
    # False for a statistic of a model's own training (BEGAN's M is measured by its own discriminator), which
    # tracks one model over training or against its baseline, and for a reference the model does not change
    # (the augmentation study's real-only accuracy): neither ranks one model against another.
    across_models: bool = True
    # The protocol field naming the feature network this metric was computed on, where a run may use one of
    # several (precision/recall and density/coverage: VGG16 fc2, or Inception pool3 without VGG16 weights).
    features_key: str = ""
    runs_column: RunsColumn | None = None  # its column in the leaderboard's table of runs, if it has one
    fact: RunFact | None = None  # what about the run the value depends on, shown beside it

    def value_in(self, metrics: dict) -> float | None:
        return _number(metrics.get(self.value_key or self.key))

    def features(self, protocol: dict) -> str | None:
        """The feature network behind this metric in a record's protocol, in words; None where it has no choice."""
        name = protocol.get(self.features_key) if self.features_key else None
        if not name:
            return None
        if str(name).startswith("vgg16"):
            return "VGG16 fc2 features"
        return "Inception pool3 features (no VGG16 weights)"

    @property
    def is_count(self) -> bool:
        return self.unit == "parameters"

    def format(self, value: float, signed: bool = False, half_width: float | None = None) -> str:
        """Counts with thousands separators; a value with its 95% half-width as `26.5 ± 4.0`: the half-width to 2
        significant digits and the value to the same decimal place; other values to 4 significant digits. A
        percentage carries its sign once, after both (`4.0 ± 1.9%`); a signed difference of percentages is in
        percentage points (`+1.2 pp`)."""
        sign = "+" if signed else ""
        if self.is_count:
            return f"{value:{sign},.0f}"
        unit = (" pp" if signed else "%") if self.unit == "%" else ""
        if half_width is None or not math.isfinite(half_width) or half_width <= 0:
            return f"{value:{sign}.4g}{unit}"
        decimals = max(0, 1 - math.floor(math.log10(abs(float(f"{half_width:.2g}")))))
        return f"{value:{sign}.{decimals}f} ± {half_width:.{decimals}f}{unit}"

    def standard_error(self, metrics: dict) -> float | None:
        """The recorded bootstrap standard error over generated samples, where the metric has one."""
        v = _number(metrics.get(self.standard_error_key)) if self.standard_error_key else None
        return v if v is not None and v > 0 else None

    def bias(self, metrics: dict) -> float | None:
        v = _number(metrics.get(self.bias_key)) if self.bias_key else None
        return v if v is not None and v > 0 else None

    def half_width(self, metrics: dict) -> float:
        """The 95% half-width of a recorded value's noise (0 when the record carries none)."""
        keys = self.spread_keys
        if not keys or any(not isinstance(metrics.get(k), (int, float)) for k in keys):
            return 0.0
        if len(keys) == 2:  # an interval (low, high)
            return (metrics[keys[1]] - metrics[keys[0]]) / 2
        return 1.96 * metrics[keys[0]]

    def interval(self, metrics: dict) -> tuple[float, float] | None:
        """The recorded value's 95% interval: (low, high) as recorded, or value ± 1.96 std; None without one."""
        value = self.value_in(metrics)
        spread = [_number(metrics.get(k)) for k in self.spread_keys]
        if value is None or not spread or None in spread:
            return None
        return (spread[0], spread[1]) if len(spread) == 2 else (value - 1.96 * spread[0], value + 1.96 * spread[0])

    def worsening(self, before: float, after: float) -> float:
        """How much worse `after` is than `before`, in the metric's unit (negative: better)."""
        d = self.direction
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


@dataclass(frozen=True, kw_only=True)
class Setting:
    """A setting of one metric, declared in its module: `ganbench score --set METRIC.NAME=VALUE` and
    `ganbench.score(..., settings={"METRIC.NAME": VALUE})` reach it, `--help` and docs/cli.md list it, and the
    record's `protocol.settings` keeps its value under `field`."""

    name: str  # after the metric's name and a dot: `kid.subset_size`
    help: str
    default: int | float | None = None  # None: the field's default in `core.config.Settings` (a built-in's)
    type: type = int  # int or float
    low: float | None = None  # the smallest value allowed
    field: str | None = None  # the record's key (a `core.config.Settings` field for a built-in); None: METRIC.NAME
    # False for a setting that only sizes a noise estimate (FID's bootstrap resamples): its values are the same
    # numbers, so it is not part of the metric's own protocol id.
    identity: bool = True


@dataclass(frozen=True, kw_only=True)
class Metric:
    """What `--metrics NAME` asks for: what it needs, how it computes, what it reports."""

    name: str
    help: str  # one line for `--metrics`' help and docs/metrics.md
    kinds: tuple[MetricKind, ...]  # the numbers it reports, each read from the record by its value_key
    compute: Callable[[Any], dict] | None = None  # None: TRAINING and STRUCTURE numbers, which records carry
    needs: str = FEATURES
    needs_logits: bool = False  # FEATURES: Inception's 1008-way logits of the generated set
    needs_real_features: bool = True  # False: mu and sigma of the real set suffice
    uses_pr_features: bool = False  # VGG16 fc2 features where their weights are present
    curve: bool = False  # also a point of the metric curve over training
    selectable: bool = True  # False: not named in --metrics (training statistics and structural counts)
    # Its settings: those its values depend on (`identity`), as the record's `protocol.settings` holds them, make
    # with the scoring's protocol id the metric's own id (`metric_protocol_id`), so numbers of different settings
    # (KIDs of two subset sizes) are never ranked or gated together.
    options: tuple[Setting, ...] = ()
    # After every metric computed: takes out of the values what the record keeps elsewhere, and returns the
    # settings it actually used (KID's subset size, lowered for few samples) and notes for the reader:
    # `finish(values, settings, n_min) -> (used settings by field, notes)`.
    finish: Callable[[dict, Any, int], tuple[dict, tuple[str, ...]]] | None = None
    # Numbers read from a record beside those `compute` returned (FID's bias at the record's sample counts):
    # `derive(metrics, real_reference, n_fake, n_real) -> dict`.
    derive: Callable[[dict, Any, Any, Any], dict] | None = None
    reads_real_halves: bool = False  # the FID between two halves of the real set, kept as the record's reference
    # MODEL metrics that read the suite's class labels: checked before any training, and this said where the
    # suite has none (after "use a labelled suite")
    needs_labels: str | None = None

    def field(self, option: Setting) -> str:
        return option.field or f"{self.name}.{option.name}"

    @property
    def settings(self) -> tuple[str, ...]:
        """The recorded settings its values depend on (the fields of its identity options)."""
        return tuple(self.field(o) for o in self.options if o.identity)

    def __post_init__(self):
        if self.needs not in _SECTIONS:
            raise ValueError(f"metric {self.name}: needs must be one of {', '.join(_SECTIONS)}, not {self.needs!r}")
        if self.selectable and self.compute is None:
            raise ValueError(f"metric {self.name}: a metric named in --metrics needs a compute function")
