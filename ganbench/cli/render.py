"""What the commands print: rich tables and plain lines on stdout (progress and warnings go to stderr)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)  # files and pipes get whole tables


def name_column(table: Table, heading: str, names) -> None:
    """A column of names a user types back (suites, models, runs): never wrapped or cut with an ellipsis, however
    narrow the table; the other columns wrap instead."""
    table.add_column(heading, no_wrap=True, min_width=max([len(heading), *map(len, names)]))


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, allow_nan=False) + "\n")


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
    from ganbench.pipeline.records import derived

    lines = []
    halves = result.real_reference or {}
    if halves.get("fid_between_halves") is not None:
        lines.append(f"reference: two random halves of the real set ({halves['n_each']} images each) are FID "
                     f"{halves['fid_between_halves']:.4g} apart, what FID reads for two samples of one "
                     "distribution at these counts")
    bias = derived(result).get("fid_bias") if "fid" in result.metrics else None
    if bias is not None:
        lines.append(f"bias: FID at these sample counts may read up to {bias:.3g} above the truth from the counts "
                     "alone; a difference no larger is not told apart (compare and the leaderboard call it a tie)")
    return lines


def print_board(result) -> None:
    """A board as `run` and `leaderboard` print it: a suite's table (a group study's rows, such as Wang et al.'s
    augmentation accuracies beside the published ones), the notes the markdown has under it, and the files
    written."""
    if result.study:
        stdout.print(result.table[["metric", "model", "value", "±95%", "published"]].to_string(index=False),
                     highlight=False)
    else:
        print_leaderboard(result.table, result.suite)
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


def print_zoo(listing: dict) -> None:
    table = Table(title="ganbench zoo")
    name_column(table, "model", [m["name"] for m in listing["models"]])
    for col in ("variants", "family", "shape", "G params", "D params", "G (Keras)", "source"):
        table.add_column(col, overflow="fold")
    for m in listing["models"]:
        for shape, n in m["params"].items():
            keras = m["params_keras_total"][shape]["G"]
            table.add_row(m["name"], ", ".join(m["variants"]) or "–", m["family"], shape, f"{n['G']:,}",
                          f"{n['D']:,}", f"{keras:,}", m["source"])
    stdout.print(table)
    stdout.print("Trainable parameters; G (Keras) adds batch normalisation's running statistics, as Keras' "
                 "summary (and the Keras papers) count. A variant is run as MODEL:VARIANT.", highlight=False)
    for name, reason in listing["broken_plugins"].items():
        stdout.print(f"[red]plugin {name} failed to load:[/red] {reason}", highlight=False)


def print_suites(listing: list[dict]) -> None:
    table = Table(title="ganbench suites")
    name_column(table, "suite", [s["name"] for s in listing])
    for col in ("data", "data here", "size", "models", "protocol", "training"):
        table.add_column(col, overflow="fold")  # a narrow terminal folds a long word, never cuts it
    for s in listing:
        table.add_row(s["name"], s["data"], s["data_available"], f"{s['resolution']}x{s['resolution']}x{s['channels']}",
                      ", ".join(s["models"]), s["protocol"]["name"],
                      f"{s['steps']} steps" if s["steps"] else f"{s['epochs']} epochs" if s["epochs"]
                      else "each model's default")
    stdout.print(table)


def print_score(result) -> None:
    """A ScoreResult, or a checkpoint's Record: each metric with its interval, what FID is read against, the
    notes, and fast precision's measured difference."""
    p = result.protocol
    table = Table(title=f"{p['n_fake']} generated vs {p['n_real']} real, protocol {p['id']}")
    table.add_column("metric")
    table.add_column("value ± 95%", justify="right")
    table.add_column("the ± is")
    for row in metric_rows(result.metrics):
        table.add_row(*row)
    stdout.print(table)
    for line in reference_lines(result):
        stdout.print(line, highlight=False)
    for note in result.notes:
        stdout.print(f"note: {note}", highlight=False)
    check = result.precision_check or {}
    if "relative_difference" in check:
        stdout.print(f"precision fast: FID {check['fid_fast']:.6g} vs exact {check['fid_exact']:.6g} on the first "
                     f"{check['n_fake']} generated images ({check['relative_difference']:.2e} relative)", highlight=False)


def print_comparison(result, files: dict, seeds) -> None:
    """`compare`'s caveats (before any "better"), each metric's estimates, differences and verdicts, and the files."""
    models, alpha = result.models, result.alpha
    for caveat in result.caveats:
        stdout.print(f"caveat: {caveat}", highlight=False)
    table = Table(title=f"ganbench compare on {result.suite} (seeds {', '.join(map(str, seeds))}; protocol "
                        f"{result.protocol_id}; alpha {alpha})")
    table.add_column("metric")
    for m in models:
        table.add_column(m, justify="right")
    for m in models[1:]:
        table.add_column(f"{m} − {models[0]}", justify="right")
        table.add_column("verdict" if len(models) == 2 else f"verdict ({m})")
    for row in result.rows:
        kind = row.kind
        cells = [kind.label if kind.is_count else f"{kind.label} ({kind.direction.value})"
                 + (f"; on {row.features}" if row.features else "")]
        for m in models:
            e = row.estimates[m]
            cells.append(kind.format(e.mean, half_width=e.half_width))
        for m in models[1:]:
            d = row.differences[m]
            verdict = result.verdict(row, m)
            cells += [kind.format(d.difference, signed=True),
                      f"[bold]{verdict}[/bold]" if d.significant(alpha) else verdict]
        table.add_row(*cells)
    stdout.print(table)
    bases = {f"{r.kind.label}: {next(iter(r.estimates.values())).basis}" for r in result.rows
             if not r.kind.is_count}
    stdout.print("± is a 95% interval; " + "; ".join(sorted(bases)), highlight=False)
    stdout.print("wrote " + ", ".join(files.values()), highlight=False)


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.4g}"


def print_gate(rows, suite: str, baseline, threshold) -> None:
    table = Table(title=f"ganbench gate: {suite} against {baseline} (max regression {threshold} + noise)")
    for col in ("run", "metric", "baseline", "now", "worse by", "allowed + noise", "status"):
        table.add_column(col, justify="left" if col in ("run", "metric", "status") else "right")
    for r in rows:
        limit = "–" if r.allowed is None else f"{r.allowed:.4g} + {r.noise:.4g}"
        style = {"regressed": "red", "improved": "green"}.get(r.status, "")
        table.add_row(r.run, r.metric, _num(r.baseline), _num(r.current), _num(r.worse_by), limit,
                      f"[{style}]{r.status}[/{style}]" if style else r.status)
    stdout.print(table)


def print_cache(items: list[dict], folder: Path) -> None:
    table = Table(title=f"ganbench cache: {folder}")
    for col in ("kind", "images", "content", "weights", "MB", "file"):
        table.add_column(col)
    for e in items:
        table.add_row(e["kind"], str(e.get("n", "")), e.get("content_sha256", ""), e.get("weights_sha256", ""),
                      f"{e['bytes'] / 1e6:.1f}", Path(e["path"]).name + (" (damaged)" if e.get("damaged") else ""))
    stdout.print(table)


def print_explore(result: dict) -> None:
    if "classifier" in result:
        c = result["classifier"]
        stdout.print(f"classifier: test accuracy {100 * c['test_accuracy']:.1f}% on {c['n_test']:,} images "
                     f"({'cached' if c['cached'] else 'trained'}); the point's image is a {result['point_class']}",
                     highlight=False)
    for kind, path in result["files"].items():
        stdout.print(f"{kind}: {path}", highlight=False)

