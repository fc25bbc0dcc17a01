"""`ganbench compare A B [...]`: every metric the models share, side by side, with which differences are
real; their samples side by side and their metric curves overlaid (PNG). The first model is the reference
each other model is tested against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from ganbench.core.config import DEFAULTS
from ganbench.core.contracts import Record
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import write_text
from ganbench.core.progress import warn
from ganbench.metrics.protocol import metric_protocol_id
from ganbench.metrics.registry import MetricKind, kinds, metric_kind
from ganbench.models.sampling import generate
from ganbench.pipeline.records import SAMPLES_SUFFIX, kept_record_path, metric_values
from ganbench.pipeline.run import load_checkpoint_model
from ganbench.results.leaderboard import run_notes
from ganbench.results.plots import save_grids_side_by_side, save_metric_curves
from ganbench.results.significance import ALPHA, Difference, Estimate, difference, estimate
from ganbench.train.trainer import CHECKPOINT

GRID_SAMPLES = DEFAULTS.grid_samples  # as many as a training run's epoch grids


@dataclass(frozen=True)
class MetricRow:
    kind: MetricKind
    estimates: dict[str, Estimate]  # model -> its value over its runs
    differences: dict[str, Difference]  # each model after the first -> its difference from the first
    features: str | None = None  # the feature network behind the metric, where a run may use one of several


@dataclass(frozen=True)
class Comparison:
    suite: str
    models: list[str]
    records: dict[str, list[Record]]  # model -> one record per seed
    rows: list[MetricRow]
    alpha: float = ALPHA
    caveats: tuple[str, ...] = ()

    @property
    def protocol_id(self) -> str:
        return next(iter(self.records.values()))[0].protocol_id

    def verdict(self, row: MetricRow, model: str) -> str:
        d, first = row.differences[model], self.models[0]
        if d.p_value is None:
            return d.method
        if d.within_bias is not None:
            return (f"not significant: the difference ({abs(d.difference):.3g}) is within {row.kind.label}'s "
                    f"bias at these sample counts (up to {d.within_bias:.3g}; {d.p_text})")
        if d.significant(self.alpha):
            return f"{model if d.better == 'b' else first} better ({d.p_text})"
        return f"no significant difference ({d.p_text})"


FAR_FROM_REAL = 2.0  # FID above this many times the FID between two halves of the real set: far from the data


def caveats(records: dict[str, list[Record]]) -> list[str]:
    """What a reader must know before any "better": that every model is far from the real data (each FID far
    above the FID between two halves of the real set), and the records' own notes (small-sample bias, lowered
    KID subsets), each once, naming the runs it concerns unless it concerns them all."""
    runs = [(m, r) for m, rs in records.items() for r in rs]
    out = []
    fids = {m: [metric_kind("fid").value_in(r.metrics) for r in rs] for m, rs in records.items()}
    halves = [(r.real_reference or {}).get("fid_between_halves") for _, r in runs]
    if all(None not in v for v in fids.values()) and None not in halves:
        floor, n_each = max(halves), runs[0][1].real_reference["n_each"]
        means = {m: sum(v) / len(v) for m, v in fids.items()}
        if all(f > FAR_FROM_REAL * floor for f in means.values()):
            shown = ", ".join(f"{f:.4g} ({m})" for m, f in means.items())
            out.append(f"every model is far from the real data: FID {shown}, while two halves of the real set "
                       f"({n_each} images each) are {floor:.4g} apart; a \"better\" says which is less far, "
                       "not that either is close")
    return out + run_notes([r for _, r in runs])


def build(records: dict[str, list[Record]], suite: str, alpha: float = ALPHA) -> Comparison:
    """Rows for every metric all models hold; records of differing protocols are refused, not compared."""
    ids = {r.protocol_id: f"{m} seed {r.seed}" for m, rs in records.items() for r in rs}
    if len(ids) > 1:
        raise GanbenchError("the records were scored under different protocols (" +
                            ", ".join(f"{run}: {pid}" for pid, run in ids.items()) +
                            "): rescore them alike with `ganbench run`, or compare runs of one protocol")
    models = list(records)
    protocol = next(iter(records.values()))[0].protocol  # one protocol for all, checked above
    rows = []
    not_compared = []
    for kind in kinds():
        estimates = {m: estimate(kind, [metric_values(r) for r in rs]) for m, rs in records.items()}
        if any(e is None for e in estimates.values()):
            continue  # shared metrics only
        own = {metric_protocol_id(kind, r.protocol) for rs in records.values() for r in rs}
        if len(own) > 1:  # the metric's own settings differ (KID's subset size): its numbers are not compared
            not_compared.append(kind.label)
            continue
        first = estimates[models[0]]
        rows.append(MetricRow(kind, estimates, {m: difference(kind, first, estimates[m]) for m in models[1:]},
                              kind.features(protocol)))
    notes = caveats(records)
    if not_compared:
        notes.append(f"{', '.join(not_compared)} not compared: the runs were scored with different settings of "
                     "that metric (each record's protocol.settings), so their numbers are not comparable")
    return Comparison(suite, models, records, rows, alpha, tuple(notes))


def table(c: Comparison) -> pd.DataFrame:
    rows = []
    for row in c.rows:
        out = {"metric": row.kind.label, "direction": row.kind.direction.value, "features": row.features}
        for m, e in row.estimates.items():
            out[m] = e.mean
            out[f"{m} ±95%"] = e.half_width
            out[f"{m} runs"] = e.n_runs
        for m, d in row.differences.items():
            out[f"{m} - {c.models[0]}"] = d.difference
            out[f"p ({m})"] = d.p_value
            out[f"verdict ({m})"] = c.verdict(row, m)
        out["interval"] = next(iter(row.estimates.values())).basis
        rows.append(out)
    return pd.DataFrame(rows)


def as_json(c: Comparison, files: dict[str, str]) -> dict:
    return {
        "suite": c.suite, "models": c.models, "protocol_id": c.protocol_id, "alpha": c.alpha,
        "caveats": list(c.caveats),
        "seeds": {m: [r.seed for r in rs] for m, rs in c.records.items()},
        "rows": [{
            "metric": row.kind.key, "label": row.kind.label, "direction": row.kind.direction.value,
            "features": row.features,
            "values": {m: {"mean": e.mean, "half_width": e.half_width, "runs": list(e.values), "interval": e.basis}
                       for m, e in row.estimates.items()},
            "differences": [{"model": m, "reference": c.models[0], "difference": d.difference, "p_value": d.p_value,
                             "significant": d.significant(c.alpha), "method": d.method,
                             "verdict": c.verdict(row, m)} for m, d in row.differences.items()],
        } for row in c.rows],
        "files": files,
    }


def write(c: Comparison, run_dirs: dict[str, Path], out: Path, device: torch.device, seed: int) -> dict[str, str]:
    """The table (CSV), the models' samples side by side and their curves overlaid (PNG), atomically."""
    base = Path(out) / "compare" / c.suite / "-vs-".join(c.models)
    files = {"table": str(base.with_name(base.name + ".csv"))}
    write_text(files["table"], table(c).to_csv(index=False))

    fid_row = next((row for row in c.rows if row.kind.key == "fid"), None)
    grids: list[tuple[str, torch.Tensor | Path]] = []
    for m in c.models:
        fid = ""
        if fid_row is not None:  # the comparison's own estimate: its mean over seeds with its 95% interval
            e = fid_row.estimates[m]
            fid = f"\nFID {fid_row.kind.format(e.mean, half_width=e.half_width)} ({e.basis})"
        if (run_dirs[m] / CHECKPOINT).is_file():
            model, config = load_checkpoint_model(run_dirs[m] / CHECKPOINT, device)
            grids.append((f"{m} (seed {config.seed}, step {config.checkpoint['step']}){fid}",
                          generate(model, GRID_SAMPLES, seed)))
            continue
        kept = kept_record_path(run_dirs[m])  # a record kept without its checkpoint: its run's last training grid
        kept = kept.with_name(kept.stem + SAMPLES_SUFFIX)
        if kept.is_file():
            grids.append((f"{m} (seed {c.records[m][0].seed})\nits run's last training grid (no checkpoint)"
                          f"{fid}", kept))
        else:
            warn(f"no checkpoint in {run_dirs[m]} and no kept sample grid: {m} has no samples in the picture")
    if grids:
        files["samples"] = str(base.with_name(base.name + "-samples.png"))
        drawn = sum(isinstance(images, torch.Tensor) for _, images in grids)
        save_grids_side_by_side(Path(files["samples"]), grids,
                                f"{c.suite}: {GRID_SAMPLES} samples each from noise seed {seed}" if drawn == len(grids)
                                else f"{c.suite}: samples of each model")

    curves = base.with_name(base.name + "-curves.png")
    runs = [r for m in c.models for r in c.records[m]]
    if save_metric_curves(curves, runs, f"{c.suite}: metric curves over training"):
        files["curves"] = str(curves)
    return files
