"""What the commands print: rich tables and plain lines on stdout (progress and warnings go to stderr)."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)  # files and pipes get whole tables


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, allow_nan=False) + "\n")


def print_study(table, files) -> None:
    """A group study's rows (Wang et al.'s augmentation accuracies) beside the published ones."""
    stdout.print(table[["metric", "model", "value", "±95%", "published"]].to_string(index=False), highlight=False)
    stdout.print("wrote " + ", ".join(map(str, files)), highlight=False)


def metric_rows(metrics: dict) -> list[tuple[str, str, str]]:
    """A scored run's metrics as a reader wants them: the label, the value with its 95% interval (or "no noise
    estimate" where the metric has one and this run could not measure it), and what the interval is."""
    from ganbench.metrics.registry import Noise, kinds
    from ganbench.results.significance import estimate

    rows = []
    for kind in kinds():
        e = estimate(kind, [metrics])
        if e is None:
            continue
        value = kind.format(e.mean)
        if e.half_width is not None:
            rows.append((kind.label, f"{value} ± {e.half_width:.4g}", e.basis))
        elif kind.spread_keys:
            rows.append((kind.label, f"{value} (no noise estimate)", f"none: needs {kind.noise.source}"))
        else:
            rows.append((kind.label, value, "exact" if kind.noise is Noise.NONE else e.basis))
    return rows


def print_leaderboard(df, suite: str) -> None:
    import pandas as pd

    from ganbench.results.leaderboard import shown_kinds

    shown = [k.runs_column for k in shown_kinds(df)]
    table = Table(title=f"ganbench: {suite}")
    for col in ("rank", "model", "seed", *(f"{c.name} ± 95%" if c.spread else c.name for c in shown), "n fake",
                "n real", "epochs", "published FID", "protocol"):
        table.add_column(col, justify="right" if col not in ("model", "protocol") else "left")

    def cell(r: dict, c) -> str:
        value = r[c.name]
        if pd.isna(value):
            return "–"
        if not c.spread:
            return format(value, c.console)
        half_width = c.half_width(r)
        return format(value, c.console) + (f" ± {half_width:{c.console}}" if half_width is not None
                                           else " (no noise estimate)")

    for r in df.to_dict("records"):
        table.add_row(str(r["rank"]), r["model"], str(r["seed"]), *(cell(r, c) for c in shown), str(r["n fake"]),
                      str(r["n real"]), f"{r['epochs']:.1f}",
                      format(r["published FID"], ".2f") if pd.notna(r["published FID"]) else "–", r["protocol"])
    stdout.print(table)
