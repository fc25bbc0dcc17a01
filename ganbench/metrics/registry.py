"""The one metric registry: what each metric needs, how it computes, and what its numbers mean.

A `Metric` is what `--metrics` names (`fid`, `pr`, `aug`): it declares what it is computed from, its compute
function and the `MetricKind`s it reports (`pr` reports precision and recall). A `MetricKind` is one reported
number: the record key it is read from, its direction, noise model, unit and label. The CLI's help, the scorer,
the metric curves, the leaderboard, `compare`, `gate` and the plots read this registry, never names of their
own: adding a metric is one module that calls `register_metric` (docs/plugins.md).

The built-in metrics are modules of `ganbench.metrics.builtin`; other packages add theirs through the entry-point
group `ganbench.metrics` (a Metric or a list of them), or call `register_metric` in their own process.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import entry_points
from typing import Any, Callable, Iterable

from ganbench.core.errors import GanbenchError, option

ENTRY_POINT_GROUP = "ganbench.metrics"

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
    # The scoring settings (fields of `config.Settings`) its values depend on, as the record's `protocol.settings`
    # holds them: with the scoring's protocol id they make the metric's own id (`metric_protocol_id`), so numbers
    # of different settings (KIDs of two subset sizes) are never ranked or gated together. A setting that only
    # sizes a noise estimate (FID's bootstrap resamples) is not one of them.
    settings: tuple[str, ...] = ()

    def __post_init__(self):
        if self.needs not in _SECTIONS:
            raise ValueError(f"metric {self.name}: needs must be one of {', '.join(_SECTIONS)}, not {self.needs!r}")
        if self.selectable and self.compute is None:
            raise ValueError(f"metric {self.name}: a metric named in --metrics needs a compute function")


_REGISTERED: dict[str, Metric] = {}  # register_metric's, in this process


def register_metric(metric: Metric) -> Metric:
    """Add a metric (from a plugin, a notebook, a test) to this process's registry; a name or a reported key
    the registry already has is refused."""
    if not isinstance(metric, Metric):
        raise GanbenchError(f"register_metric takes a Metric, not {type(metric).__name__}")
    _check_new(metric, _all())
    _REGISTERED[metric.name] = metric
    _all.cache_clear()
    return metric


def unregister_metric(name: str) -> None:
    """Take a metric registered in this process out again (a test's clean-up)."""
    if _REGISTERED.pop(name, None) is not None:
        _all.cache_clear()


def _check_new(metric: Metric, known: dict[str, Metric]) -> None:
    if metric.name in known:
        raise GanbenchError(f"a metric named '{metric.name}' is already registered: choose another name")
    taken = {k.key for m in known.values() for k in m.kinds}
    clash = [k.key for k in metric.kinds if k.key in taken]
    if clash:
        raise GanbenchError(f"metric {metric.name} reports '{clash[0]}', which another metric reports already")


@functools.lru_cache(maxsize=1)
def _all() -> dict[str, Metric]:
    """The built-in metrics, then the entry points' (a broken plugin is skipped with a warning), then those
    registered in this process."""
    from ganbench.core.progress import warn
    from ganbench.metrics.builtin import BUILTIN

    known = {m.name: m for m in BUILTIN}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            loaded = ep.load()
            for m in loaded if isinstance(loaded, (list, tuple)) else [loaded]:
                if not isinstance(m, Metric):
                    raise TypeError(f"gives {type(m).__name__}, not a Metric")
                _check_new(m, known)
                known[m.name] = m
        except Exception as exc:  # a broken plugin must not break scoring
            warn(f"metric plugin '{ep.name}' failed to load: {type(exc).__name__}: {exc}".splitlines()[0])
    for m in _REGISTERED.values():
        known.setdefault(m.name, m)
    return known


def metric_of(kind: MetricKind) -> Metric | None:
    """The metric reporting this number (None for a kind no registered metric reports)."""
    return next((m for m in _all().values() if kind in m.kinds), None)


def metrics(selectable: bool = True) -> list[Metric]:
    """The metrics --metrics can name (all of them, training statistics and counts included, with False)."""
    return [m for m in _all().values() if m.selectable or not selectable]


def get_metric(name: str) -> Metric:
    known = _all()
    if name not in known or not known[name].selectable:
        raise GanbenchError(f"unknown metric '{name}' (known: {', '.join(m.name for m in metrics())})")
    return known[name]


def kinds() -> list[MetricKind]:
    """Every reported number, in the tables' order: from features and images, training statistics, the
    model-level studies, then the networks' sizes (registration order within each)."""
    found = [(_SECTION_ORDER[m.needs], i, k) for i, m in enumerate(_all().values()) for k in m.kinds]
    return [k for *_, k in sorted(found, key=lambda t: (t[0], t[1]))]


def runs_kinds() -> list[MetricKind]:
    """The kinds with a column in the leaderboard's table of runs, in the tables' order."""
    return [k for k in kinds() if k.runs_column is not None]


def run_facts(shown: list[MetricKind] | None = None) -> list[RunFact]:
    """The facts the runs table shows beside the columns of `shown` (default: every runs-table kind), each once,
    in the order of the kinds that have them."""
    kinds_shown = runs_kinds() if shown is None else shown
    return list({k.fact.name: k.fact for k in kinds_shown if k.fact is not None}.values())


def metric_kind(key: str) -> MetricKind:
    """`fid` -> FID's kind; a qualified key such as `began-m@epoch8` -> BEGAN's M."""
    base = key.split("@", 1)[0]
    for k in kinds():
        if k.key == base:
            return k
    raise GanbenchError(f"unknown metric '{key}' (known: {', '.join(k.key for k in kinds())})")


DEFAULT_METRICS = ("fid", "kid")


def _names(text: str | Iterable[str]) -> list[str]:
    names = text.split(",") if isinstance(text, str) else text
    return list(dict.fromkeys(k.strip() for k in names if k.strip()))


def _unknown(name: str) -> GanbenchError:
    return GanbenchError(f"unknown metric '{name}' (known: {', '.join(m.name for m in metrics())}, or a number "
                         f"one reports: {', '.join(k.key for m in metrics() for k in m.kinds if k.key != m.name)})")


def _metric_reporting(name: str) -> Metric | None:
    """The selectable metric of that name, or the one reporting a number of that name (`precision` -> `pr`)."""
    known = {m.name: m for m in metrics()}
    if name in known:
        return known[name]
    return next((m for m in known.values() for k in m.kinds if k.key == name), None)


def parse_metrics(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """`fid,kid,is` (or the names as a sequence) -> ("fid", "kid", "is"), refusing unknown names. One grammar
    with `gate`: a number a metric reports names that metric (`precision` or `recall` asks for `pr`,
    `ic-strong-error` for `ic-strong`)."""
    if not text:
        return DEFAULT_METRICS
    names = _names(text)
    if not names:
        raise _unknown(str(text))
    found = []
    for name in names:
        metric = _metric_reporting(name)
        if metric is None:
            raise _unknown(name)
        found.append(metric.name)
    return tuple(dict.fromkeys(found))


def parse_kinds(text: str | Iterable[str]) -> tuple[MetricKind, ...]:
    """The numbers `gate` judges: `fid,precision` -> FID's and precision's kinds. One grammar with `--metrics`: a
    metric's name stands for every number it reports (`pr` -> precision and recall, `ic-strong` -> its error)."""
    found: list[MetricKind] = []
    for name in _names(text):
        metric = _metric_reporting(name)
        if metric is not None and metric.name == name:
            found += metric.kinds
        elif metric is not None or name.split("@", 1)[0] in {k.key for k in kinds()}:
            found.append(metric_kind(name))
        else:
            raise _unknown(name)
    return tuple(dict.fromkeys(found))


def metrics_help() -> str:
    """`--metrics`' help: every selectable metric's name."""
    return f"Comma-separated metrics: {', '.join(m.name for m in metrics())} (see docs/metrics.md)."


def needing(keys: tuple[str, ...], what: str) -> tuple[str, ...]:
    """The names of the metrics computed from `what` (FEATURES, IMAGES or MODEL)."""
    return tuple(k for k in keys if get_metric(k).needs == what)


def check_stats_only(keys: tuple[str, ...]) -> None:
    """Refuse, before any work, metrics that need real features when only mu and sigma are given."""
    need = [k for k in keys if get_metric(k).needs_real_features]
    if need:
        usable = ",".join(m.name for m in metrics() if not m.needs_real_features and not m.needs_logits)
        raise GanbenchError(f"{', '.join(need)} need real images or their features, and precomputed statistics "
                            f"hold only mu and sigma: use {option('metrics', usable)}, or give real images")


def compute(keys: tuple[str, ...], inputs: Any) -> dict:
    """The metrics computed from features and images; MODEL metrics are computed where the model is
    (`compute_model`)."""
    out: dict = {}
    for key in keys:
        m = get_metric(key)
        if m.needs in (FEATURES, IMAGES):
            out.update(m.compute(inputs))
    return out


def compute_model(keys: tuple[str, ...], context: Any) -> dict:
    """The MODEL metrics among `keys`, from the model and its suite (`ModelContext`)."""
    out: dict = {}
    for key in needing(keys, MODEL):
        out.update(get_metric(key).compute(context))
    return out
