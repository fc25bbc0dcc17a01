"""What the commands print: rich tables and plain lines on stdout (progress and warnings go to stderr)."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)  # files and pipes get whole tables


def name_column(table: Table, heading: str, names) -> None:
    """A column of names a user types back (suites, models, runs): never wrapped or cut with an ellipsis, however
    narrow the table; the other columns wrap instead."""
    table.add_column(heading, no_wrap=True, min_width=max([len(heading), *map(len, names)]))


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
            rows.append((kind.label, kind.format(e.mean, half_width=e.half_width), e.basis))
        elif kind.spread_keys:
            rows.append((kind.label, f"{value} (no noise estimate)", f"none: needs {kind.noise.source}"))
        else:
            rows.append((kind.label, value, "exact" if kind.noise is Noise.NONE else e.basis))
    return rows


def reference_lines(result) -> list[str]:
    """What an FID is read against, as `compare` and the JSON give it: the FID between two halves of the real set
    (two samples of one distribution at these counts) and FID's bias at the scoring's sample counts."""
    from ganbench.pipeline.records import fid_bias

    lines = []
    halves = result.real_reference or {}
    if halves.get("fid_between_halves") is not None:
        lines.append(f"reference: two random halves of the real set ({halves['n_each']} images each) are FID "
                     f"{halves['fid_between_halves']:.4g} apart, what FID reads for two samples of one "
                     "distribution at these counts")
    bias = fid_bias(result) if "fid" in result.metrics else None
    if bias is not None:
        lines.append(f"bias: FID at these sample counts may read up to {bias:.3g} above the truth from the counts "
                     "alone; a difference no larger is not told apart (compare and the leaderboard call it a tie)")
    return lines


def print_board(result, suite: str) -> None:
    """A suite's board as `run` and `leaderboard` print it: the table, the notes the markdown has under it, and the
    files written."""
    print_leaderboard(result.table, suite)
    for note in result.notes:
        stdout.print(f"note: {note}", highlight=False)
    stdout.print("wrote " + ", ".join(map(str, result.files)), highlight=False)


def print_leaderboard(df, suite: str) -> None:
    import pandas as pd

    from ganbench.results.leaderboard import rank_text, shown_kinds

    shown = [k.runs_column for k in shown_kinds(df)]
    table = Table(title=f"ganbench: {suite}")
    table.add_column("rank", justify="right")
    name_column(table, "model", df["model"] if len(df) else [])
    for col in ("seed", *(f"{c.name} ± 95%" if c.spread else c.name for c in shown), "n fake",
                "n real", "epochs", "published FID", "protocol"):
        table.add_column(col, justify="right" if col != "protocol" else "left")

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
        table.add_row(rank_text(r["rank"], r["tied"]), r["model"], str(r["seed"]), *(cell(r, c) for c in shown),
                      str(r["n fake"]),
                      str(r["n real"]), f"{r['epochs']:.1f}",
                      format(r["published FID"], ".2f") if pd.notna(r["published FID"]) else "–", r["protocol"])
    stdout.print(table)
