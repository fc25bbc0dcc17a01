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
from importlib.metadata import entry_points
from typing import Any, Iterable

from ganbench.core.errors import GanbenchError, option
from ganbench.metrics.builtin import BUILTIN
from ganbench.metrics.kinds import (  # noqa: F401  the registry's types, importable from here as before
    _SECTION_ORDER, FEATURES, IMAGES, MODEL, STRUCTURE, TRAINING, Direction, Metric, MetricKind, Noise, RunFact,
    RunsColumn)

ENTRY_POINT_GROUP = "ganbench.metrics"

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
DEFAULT_CURVE = ("fid",)  # a metric curve's points where none of the metrics asked for makes curves


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


def derived(metrics: dict, real_reference: dict | None, n_fake: int | None, n_real: int | None) -> dict:
    """What every metric derives from a record's numbers, reference and sample counts (`Metric.derive`)."""
    out: dict = {}
    for m in _all().values():
        if m.derive is not None:
            out.update(m.derive(metrics, real_reference, n_fake, n_real))
    return out


def curve_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics a metric curve's points compute: those asked for that make curves, else FID."""
    return tuple(k for k in keys if get_metric(k).curve) or DEFAULT_CURVE


def compute_model(keys: tuple[str, ...], context: Any) -> dict:
    """The MODEL metrics among `keys`, from the model and its suite (`ModelContext`)."""
    out: dict = {}
    for key in needing(keys, MODEL):
        out.update(get_metric(key).compute(context))
    return out
