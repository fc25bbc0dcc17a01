"""`ganbench gate`: the newest records of a suite against a committed baseline, for CI.

A gated metric fails only when it got worse by more than the allowed
regression plus its noise: the 95% half-widths recorded with both values
(FID's 1.96 bootstrap standard errors, 1.96 x KID's subset std), combined in quadrature.
Direction and noise come from the metric registry (metrics/registry.py). A
baseline written under another protocol id, or with other settings of a gated
metric (its own id, metrics/protocol.py), is refused, never compared.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from ganbench.core.contracts import Record
from ganbench.core.errors import EXIT_OK, EXIT_REGRESSION, GanbenchError
from ganbench.core.progress import info
from ganbench.metrics.protocol import metric_protocol_id
from ganbench.metrics.registry import MetricKind, metric_of
from ganbench.metrics.registry import kinds as reported_kinds
from ganbench.pipeline.records import run_folder, run_records
from ganbench.results.experiments import config_id, experiments

SCHEMA = "ganbench.baseline/2"  # entries keyed by model, configuration and seed
OLD_SCHEMA = "ganbench.baseline/1"  # entries keyed by model and seed alone: still read


@dataclass(frozen=True)
class Threshold:
    """`--max-regression`: `2%` of the baseline value, or `0.5` in the metric's own unit."""

    amount: float
    relative: bool

    @classmethod
    def parse(cls, text: str) -> Threshold:
        relative = text.strip().endswith("%")
        try:
            amount = float(text.strip().rstrip("%"))
        except ValueError:
            raise GanbenchError(f"--max-regression takes a number or a percentage such as 2%, got '{text}'") from None
        if not math.isfinite(amount) or amount < 0:
            raise GanbenchError(f"--max-regression must be a non-negative number, got '{text}'")
        return cls(amount / 100 if relative else amount, relative)

    def allowed(self, baseline: float) -> float:
        return self.amount * abs(baseline) if self.relative else self.amount

    def __str__(self) -> str:
        return f"{self.amount * 100:g}%" if self.relative else f"{self.amount:g}"


@dataclass(frozen=True)
class GateRow:
    run: str  # model/configuration/seedN (run_key)
    metric: str
    baseline: float | None
    current: float | None
    worse_by: float | None  # positive: worse, in the metric's unit
    allowed: float | None
    noise: float | None
    status: str  # regressed | within noise | improved | unchanged | new (not gated)


def run_key(record: Record) -> str:
    """A gated run: its model, its configuration (results/experiments.py: every setting but the seed) and seed, so
    that two configurations of one model and seed (another budget, another learning rate) are gated apart."""
    return f"{record.model}/{config_id(record)}/seed{record.seed}"


def _old_key(key: str) -> str:
    """model/seedN, the key a baseline of the first schema has for a run."""
    model, _, rest = key.partition("/")
    return f"{model}/{rest.rpartition('/')[2]}"


def make_baseline(records: dict[str, Record], suite: str) -> dict:
    if not records:
        raise GanbenchError(f"no records for suite {suite}: run `ganbench run --suite {suite}` first")
    return {
        "schema": SCHEMA,
        "suite": suite,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "entries": {
            key: {"model": r.model, "seed": r.seed, "protocol_id": r.protocol_id,
                  "metric_protocol_ids": _metric_protocol_ids(r),
                  "record_created": r.created or None,
                  "metrics": {k: v for k, v in r.metrics.items() if isinstance(v, (int, float))}}
            for key, r in sorted(records.items())
        },
    }


def _metric_protocol_ids(record: Record) -> dict[str, str]:
    """The own protocol id of each number the record holds whose metric has settings (KID's subset size)."""
    return {kind.key: pid for kind in reported_kinds() if kind.value_in(record.metrics) is not None
            and (pid := metric_protocol_id(kind, record.protocol)) != record.protocol_id}


def compare(baseline: dict, records: dict[str, Record], kinds: list[MetricKind], threshold: Threshold,
            damaged: dict[Path, str] | None = None) -> list[GateRow]:
    """Each gated run's metrics against the baseline's. `damaged`: records that could not be read, by path (a
    gated run whose record is damaged is named as such, not as never run)."""
    if baseline.get("schema") == OLD_SCHEMA:
        records = _by_model_and_seed(records)
    rows = []
    for key, entry in baseline["entries"].items():
        record = records.get(key)
        if record is None:
            model, seed = key.partition("/")[0], key.rpartition("/")[2]  # run_key's model/.../seedN
            folder = run_folder(model, int(seed[4:])) + "-" if seed[4:].isdigit() else None
            broken = [(p, why) for p, why in (damaged or {}).items() if folder and p.parent.name.startswith(folder)]
            if broken:
                raise GanbenchError(f"the baseline gates {key}, whose record {broken[0][0]} is damaged "
                                    f"({broken[0][1]}): score the run again (`ganbench run`) or restore the file")
            raise GanbenchError(f"the baseline gates {key}, which has no record: run it, or update the baseline")
        if record.protocol_id != entry["protocol_id"]:
            raise GanbenchError(f"{key}: the baseline's protocol {entry['protocol_id']} is not the record's "
                                f"{record.protocol_id}; numbers of different protocols are not compared "
                                "(update the baseline if the change of protocol is intended)")
        for kind in kinds:
            before, after = kind.value_in(entry["metrics"]), kind.value_in(record.metrics)
            stored = entry["metrics"].get(kind.value_key or kind.key)
            if before is None and stored is not None:
                raise GanbenchError(f"malformed baseline: {key}'s {kind.key} is {stored!r}, not a finite number "
                                    "(restore the file, or write it again with --update-baseline)")
            if before is None or after is None:
                where = "the baseline" if before is None else "the record"
                raise GanbenchError(f"{key}: {kind.key} is not in {where} (gate the metrics both were scored with, "
                                    "or update the baseline)")
            _check_settings(key, kind, entry, record)
            worse = kind.worsening(before, after)
            noise = math.hypot(_noise(kind, entry["metrics"], f"the baseline's {key}"),
                               _noise(kind, record.metrics, f"the record of {key}"))
            allowed = threshold.allowed(before)
            if worse > allowed + noise:
                status = "regressed"
            elif worse < -noise:
                status = "improved"
            elif worse == 0:
                status = "unchanged"
            else:
                status = "within noise"
            rows.append(GateRow(key, kind.key, before, after, worse, allowed, noise, status))
    for key in sorted(set(records) - set(baseline["entries"])):
        rows.append(GateRow(key, ",".join(k.key for k in kinds), None, None, None, None, None, "new (not gated)"))
    return rows


def _by_model_and_seed(records: dict[str, Record]) -> dict[str, Record]:
    """The records keyed as a first-schema baseline keys its runs (model/seedN); a model and seed run in two
    configurations cannot be matched to such a baseline's one entry."""
    out: dict[str, Record] = {}
    for key, record in records.items():
        old = _old_key(key)
        if old in out:
            raise GanbenchError(f"{old} has runs of two configurations, and the baseline, written by an older "
                                "ganbench, does not say which it gates: write it again with --update-baseline")
        out[old] = record
    return out


def _check_settings(key: str, kind: MetricKind, entry: dict, record: Record) -> None:
    """Refuse to judge a number scored with other settings of its metric than the baseline's (a KID of another
    subset size), and one whose baseline does not say which settings it had."""
    ours = metric_protocol_id(kind, record.protocol)
    if ours == record.protocol_id:
        return  # the metric has no settings of its own: the protocol id, checked above, covers it
    theirs = (entry.get("metric_protocol_ids") or {}).get(kind.key)
    if theirs is None:
        raise GanbenchError(f"{key}: the baseline does not record the settings its {kind.key} was scored with, so "
                            "it cannot be judged against this record's (write the baseline again with "
                            "--update-baseline)")
    if theirs != ours:
        settings = record.protocol.get("settings") or {}
        own = ", ".join(f"{name} {settings.get(name)}" for name in metric_of(kind).settings)
        raise GanbenchError(f"{key}: {kind.key} was scored with other settings than the baseline's (protocol "
                            f"{theirs}, this record's {ours}: {own}); numbers of different settings are not compared "
                            "(update the baseline if the change is intended)")


def _noise(kind: MetricKind, metrics: dict, where: str) -> float:
    """The 95% half-width the gate forgives, refused unless it is a finite, non-negative interval: an infinite
    or NaN noise would forgive any regression."""
    keys = kind.spread_keys
    if not keys:
        return 0.0
    values = [metrics.get(k) for k in keys]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        raise GanbenchError(f"{where}: {kind.key} has no noise estimate ({', '.join(keys)} not recorded), so the gate "
                            f"cannot tell a regression from noise and does not judge it: gate other metrics, or "
                            f"score with {kind.noise.source}")
    half_width = kind.half_width(metrics)
    if not all(math.isfinite(v) for v in values) or not half_width >= 0:
        shown = ", ".join(f"{k}={v}" for k, v in zip(keys, values))
        raise GanbenchError(f"{where}: {kind.key}'s noise ({shown}) is not a finite, non-negative interval")
    return half_width


def exit_code(rows: list[GateRow]) -> int:
    return EXIT_REGRESSION if any(r.status == "regressed" for r in rows) else EXIT_OK


# pragma: no mutate block
# Above: the gate's decision, which the mutation check (docs/testing.md) covers. Below: reading the records and
# the baseline file, and the JSON report.
def newest_records(runs_dir: Path, suite: str) -> dict[str, Record]:
    """The newest valid record of each model, configuration and seed, as results/experiments.py groups them
    (invalid ones are reported and skipped)."""
    newest: dict[str, Record] = {}
    for experiment in experiments(run_records(runs_dir, suite)):
        for record in experiment.runs:
            key = run_key(record)
            if key not in newest or record.created >= newest[key].created:
                newest[key] = record
    return dict(sorted(newest.items()))


def baseline_suite(path: Path) -> str | None:
    """The suite a baseline file names (`gate` without --suite gates that one); None where there is no readable
    baseline yet (load_baseline then says what is wrong)."""
    try:
        suite = json.loads(path.read_text()).get("suite")
    except (OSError, ValueError, AttributeError):
        return None
    return suite if isinstance(suite, str) else None


def load_baseline(path: Path, suite: str) -> dict:
    if not path.is_file():
        raise GanbenchError(f"baseline file not found: {path} (write one with `ganbench gate --update-baseline`)")
    try:
        baseline = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise GanbenchError(f"malformed baseline {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(baseline, dict) or baseline.get("schema") not in (SCHEMA, OLD_SCHEMA):
        raise GanbenchError(f"malformed baseline {path}: not a {SCHEMA} file")
    if baseline["schema"] == OLD_SCHEMA:
        info(f"{path} was written by an older ganbench: its runs are matched by model and seed alone "
             "(--update-baseline rewrites it keyed by configuration too)")
    entries = baseline.get("entries")
    if not isinstance(entries, dict) or not entries or not all(
            isinstance(e, dict) and isinstance(e.get("metrics"), dict) and "protocol_id" in e for e in entries.values()):
        raise GanbenchError(f"malformed baseline {path}: its entries lack metrics or protocol ids")
    if baseline.get("suite") != suite:
        raise GanbenchError(f"baseline {path} is for suite {baseline.get('suite')!r}, not {suite!r}")
    return baseline


def as_json(rows: list[GateRow], threshold: Threshold, baseline_path: Path) -> dict:
    return {"baseline": str(baseline_path), "max_regression": str(threshold), "exit_code": exit_code(rows),
            "rows": [asdict(r) for r in rows]}
