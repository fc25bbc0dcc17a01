"""Metric settings by name: `--set kid.subset_size=500` on the command line, `settings={"kid.subset_size": 500}`
in the Python API. Each setting is declared once, in its metric's module (a `Setting` of its `options`); this
module finds them in the registry, checks a value against its declaration and fills in the defaults."""

from __future__ import annotations

from typing import Iterable, Mapping

from ganbench.core.config import BUILT_IN_SETTINGS, Settings
from ganbench.core.errors import GanbenchError, option
from ganbench.metrics.kinds import Metric, Setting
from ganbench.metrics.registry import get_metric, metrics

def declared() -> dict[str, tuple[Metric, Setting]]:
    """Every selectable metric's settings by their names, `kid.subset_size`, in the registry's order."""
    return {f"{m.name}.{o.name}": (m, o) for m in metrics() for o in m.options}


def default(metric: Metric, setting: Setting):
    """A setting's default: its declaration's, else (a built-in's) its field's in `core.config.Settings`."""
    if setting.default is not None:
        return setting.default
    field = metric.field(setting)
    if field not in BUILT_IN_SETTINGS:
        raise GanbenchError(f"metric {metric.name}'s setting {setting.name} declares no default")
    return BUILT_IN_SETTINGS[field]


def settings_help() -> str:
    """`--set`'s help: the syntax and every setting with its default."""
    listed = ", ".join(f"{name} ({default(m, o)})" for name, (m, o) in declared().items())
    return (f"A metric's setting, METRIC.NAME=VALUE (repeatable): {listed}. See docs/cli.md for what each "
            "does; a metric not being scored takes none.")


def parse(given: Mapping[str, object] | Iterable[str] | None, keys: tuple[str, ...]) -> dict[str, object]:
    """{"kid.subset_size": 500} (the API) or ["kid.subset_size=500"] (the command line) -> the values by the
    fields the record keeps them under, each checked against its declaration; for the metrics `keys` only."""
    if not given:
        return {}
    if isinstance(given, Mapping):
        pairs = [(str(k), v) for k, v in given.items()]
    else:
        pairs = []
        for text in given:
            name, sep, value = str(text).partition("=")
            if not sep or not name.strip():
                raise GanbenchError(f"{option('set')} takes METRIC.NAME=VALUE, such as kid.subset_size=500, not "
                                    f"{text!r}")
            pairs.append((name.strip(), value.strip()))
    known = declared()
    out: dict[str, object] = {}
    spelled: dict[str, str] = {}
    for name, raw in pairs:
        if name not in known:
            raise GanbenchError(f"unknown setting {name!r} (known: {', '.join(known)})")
        metric, setting = known[name]
        if metric.name not in keys:
            raise GanbenchError(f"{name} is a setting of {metric.name}, which this scoring does not compute "
                                f"({option('metrics')} {','.join(keys)})")
        value = _value(name, setting, raw)
        field = metric.field(setting)
        if field in out and out[field] != value:
            raise GanbenchError(f"{spelled[field]} and {name} are one setting: give it one value, not {out[field]} "
                                f"and {value}")
        out[field], spelled[field] = value, name
    return out


def _value(name: str, setting: Setting, raw: object) -> int | float:
    kind = "an integer" if setting.type is int else "a number"
    if isinstance(raw, bool):
        raise GanbenchError(f"{name} takes {kind}, not {raw!r}")
    try:
        value = setting.type(raw)
    except (TypeError, ValueError):
        raise GanbenchError(f"{name} takes {kind}, not {raw!r}") from None
    if setting.type is int and isinstance(raw, float) and raw != value:
        raise GanbenchError(f"{name} takes {kind}, not {raw!r}")
    if setting.low is not None and not value >= setting.low:
        raise GanbenchError(f"{name} must be at least {setting.low:g}, not {raw}")
    return value


def complete(settings: Settings, keys: tuple[str, ...]) -> Settings:
    """The scoring's settings with each computed metric's plugged-in settings at their defaults where not given
    (the built-in ones are `Settings`' own fields)."""
    missing = {}
    for key in keys:
        metric = get_metric(key)
        for setting in metric.options:
            field = metric.field(setting)
            if field not in BUILT_IN_SETTINGS and field not in dict(settings.extra):
                missing[field] = default(metric, setting)
    return settings.with_values(missing) if missing else settings
