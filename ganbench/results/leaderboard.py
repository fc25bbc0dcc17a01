"""Leaderboards: our records beside the published numbers, as markdown and CSV.

Rows are ranked only against rows of the same protocol id; a published
number is shown with its source and protocol, never ranked with ours. A rank
says "better" only where `compare` would: rows it cannot tell apart share a
rank and are marked tied (`1=`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ganbench.core.contracts import Record
from ganbench.core.fileio import write_text
from ganbench.metrics.protocol import metric_protocol_id
from ganbench.metrics.registry import Direction, MetricKind, kinds, metric_kind, run_facts, runs_kinds
from ganbench.pipeline.records import damaged_note, metric_values
from ganbench.results.experiments import Experiment, experiments, run_label
from ganbench.results.plots import save_metric_bars, save_metric_curves
from ganbench.results.sections import board_sections
from ganbench.results.published import ANY_MODEL
from ganbench.results.significance import ALPHA, Estimate, difference, estimate
from ganbench.suites import Suite


def suite_published(published: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """The published rows of the suite's data set at its image size (Fashion-MNIST at 28x28 is not at 64x64).
    Parameter counts depend on the image size only: theirs are kept for any data set."""
    shape = f"{suite.resolution}x{suite.resolution}x{suite.channels}"
    counts = published["metric"].isin([k.key for k in kinds() if k.is_count])
    same_data = published["dataset"] == suite.published_dataset
    return published[(same_data | counts) & (published["resolution"] == shape)]


def _run_row(exp: Experiment, r: Record, pub: pd.DataFrame) -> dict:
    """One run's row: each runs-table metric's value and spread as recorded (absent: None), the facts they
    depend on, the samples, the budget and the published FID."""
    m = r.metrics
    match = pub[pub["model"] == r.model]
    row = {"model": exp.label, "seed": r.seed}
    for kind in runs_kinds():
        column = kind.runs_column
        row[column.name] = m.get(kind.value_key or kind.key)  # absent when the scoring asked for other metrics
        if column.spread_is_std:
            row[column.spread] = m.get(kind.spread_keys[0])
        elif column.spread:
            interval = kind.interval(m)
            row[column.spread] = (interval[1] - interval[0]) / 2 if interval else None
    row.update({fact.name: fact.read(r) for fact in run_facts()})
    return {
        **row,
        "n fake": r.n_fake,
        "n real": r.n_real,
        "epochs": r.training.epochs,
        "steps": r.training.steps,
        "train s": r.wall_time_s.get("train"),
        "device": r.device,
        "protocol": r.protocol_id,
        "published FID": float(match["value"].iloc[0]) if len(match) else None,
        "published source": match["source"].iloc[0] if len(match) else None,
    }


TIE = ("rows not told apart share a rank, marked = (1=): their difference from the first row of the tie is not "
       f"significant at alpha {ALPHA} (FID of single runs: a z-test on their bootstrap standard errors; over seeds: "
       "Welch's t-test) or lies within FID's bias at these sample counts (the larger of the bootstrap's bias "
       "estimate and the FID between two halves of the real set, scaled to the counts), as `ganbench compare` "
       "judges a difference. Where no test applies (KID of one run each, one seed against several), ranks order "
       "the values only: run several seeds to test them")


def tied_ranks(kind: MetricKind, estimates: list[Estimate | None]) -> list[tuple[int, bool]]:
    """(rank, tied) of rows already in best-first order: a row whose difference from its tie's first row compare's
    test finds not significant, or within the metric's bias (`significance.difference`), shares that row's rank,
    and both are marked tied. A difference no test applies to (one run each of KID) is ranked by value."""
    ranks: list[int] = []
    tied: list[bool] = []
    first = 0
    for i, e in enumerate(estimates):
        lead = estimates[first]
        d = difference(kind, lead, e) if i and e is not None and lead is not None else None
        if d is not None and d.p_value is not None and not d.significant(ALPHA):
            ranks.append(ranks[first])
            tied.append(True)
            tied[first] = True
        else:
            first = i
            ranks.append(i + 1)
            tied.append(False)
    return list(zip(ranks, tied))


def _rank(df: pd.DataFrame, groups: list[str], kind_of, estimates: pd.Series) -> pd.DataFrame:
    """`rank` and `tied` within each group of rows (best first), from each row's estimate."""
    for _, group in df.groupby(groups, sort=False):
        index = group.index
        kind = kind_of(df.loc[index[0]])
        for i, (rank, tie) in zip(index, tied_ranks(kind, list(estimates[index]))):
            df.loc[i, ["rank", "tied"]] = [rank, tie]
    return df


def table(records: list[Record], suite: Suite, published: pd.DataFrame) -> pd.DataFrame:
    pub = suite_published(published, suite)
    pub = pub[pub["metric"] == metric_kind("fid").key]
    runs = [(r, _run_row(exp, r, pub)) for exp in experiments(records) for r in exp.runs]
    df = pd.DataFrame([row for _, row in runs])
    if df.empty:
        return df
    fid = metric_kind("fid")
    df["_estimate"] = [estimate(fid, [metric_values(r)]) for r, _ in runs]
    df = df.sort_values(["protocol", "FID"], na_position="last").reset_index(drop=True)
    df.insert(0, "rank", 0)
    df.insert(1, "tied", False)
    df = _rank(df, ["protocol"], lambda _: fid, df["_estimate"])
    return df.drop(columns=["_estimate"]).astype({"rank": int, "tied": bool})


def _by_metric_protocol(kind: MetricKind, runs: list[tuple[Record, dict]]) -> dict[str, list[tuple[Record, dict]]]:
    """An experiment's runs (each with its `metric_values`) by the metric's own protocol id: seeds scored with
    other settings of the metric (a KID subset size) are another row, never averaged together."""
    groups: dict[str, list[tuple[Record, dict]]] = {}
    for run in runs:
        groups.setdefault(metric_protocol_id(kind, run[0].protocol), []).append(run)
    return groups


def _metric_row(kind: MetricKind, exp: Experiment, valued: list[tuple[Record, dict]],
                pub: pd.DataFrame) -> dict | None:
    """One metric of one experiment's runs (of one metric protocol, each with its `metric_values`), over their
    seeds; None where none holds it."""
    e = estimate(kind, [values for _, values in valued])
    if e is None:
        return None
    runs = [r for r, _ in valued]
    match = pub[pub["model"].isin([exp.model, ANY_MODEL]) & (pub["metric"] == kind.key)]
    theirs = float(match["value"].iloc[0]) if len(match) else None
    features = kind.features(runs[0].protocol)  # one protocol id: one feature network
    return {
        "metric": kind.key, "label": kind.label, "direction": kind.direction.value,
        "model": exp.label, "seeds": ",".join(str(r.seed) for r in runs), "value": e.mean,
        "±95%": e.half_width, "interval": e.basis, "published": theirs,
        "difference": None if theirs is None else e.mean - theirs,
        "published source": match["source"].iloc[0] if len(match) else None,
        "published protocol": match["protocol"].iloc[0] if len(match) else None,
        "features": features,
        "note": "; ".join(filter(None, (features, _published_note(match), _fact_note(kind, runs)))),
        "_estimate": e,
        "_rank_key": (kind.worsening(0.0, e.mean) if kind.direction is not Direction.EXACT
                      and kind.across_models else None),
    }


def metric_table(records: list[Record], suite: Suite, published: pd.DataFrame) -> pd.DataFrame:
    """One row per protocol, model and metric: our value over its seeds with its 95% interval, the published
    value and the difference, and a rank among the rows of the same protocol and metric."""
    pub = suite_published(published, suite)
    rows = []
    for exp in experiments(records):
        valued = [(r, metric_values(r)) for r in exp.runs]  # once per run, not once per metric
        for order, kind in enumerate(kinds()):
            for pid, runs in _by_metric_protocol(kind, valued).items():
                row = _metric_row(kind, exp, runs, pub)
                if row is not None:
                    rows.append({**row, "protocol": pid, "_order": order})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df = df.sort_values(["_order", "protocol", "_rank_key", "model"], na_position="last").reset_index(drop=True)
    ranked = df["_rank_key"].notna()
    df["rank"] = pd.array([None] * len(df), dtype="Int64")
    df["tied"] = pd.array([None] * len(df), dtype="boolean")
    ranks = _rank(df[ranked].copy(), ["metric", "protocol"], lambda row: metric_kind(row["metric"]),
                  df.loc[ranked, "_estimate"])
    df.loc[ranked, "rank"], df.loc[ranked, "tied"] = ranks["rank"], ranks["tied"]
    return df.drop(columns=["_order", "_rank_key", "_estimate"])


# pragma: no mutate block
# Above: which rows rank together and how, which the mutation check (docs/testing.md) covers. Below: how the
# board says it (cells, notes, markdown, files).
def _published_note(match: pd.DataFrame) -> str:
    if match.empty:
        return ""
    first = match.iloc[0]
    comparable = str(first["comparable_with"])
    more = f" ({len(match)} published values; the first shown)" if len(match) > 1 else ""
    if comparable.startswith("none"):
        return f"not comparable: the protocols differ{more}"
    return f"comparable with {comparable}{more}"


def _fact_note(kind: MetricKind, runs: list[Record]) -> str:
    """What about the runs the value depends on (BEGAN's M and k: how the encoder started), in words."""
    if kind.fact is None:
        return ""
    values = sorted({kind.fact.read(r) for r in runs} - {None})
    return f"{kind.fact.name}: {', '.join(values)}" if values else ""


def rank_text(rank, tied) -> str:
    """`3`, `1=` for a rank shared with rows it cannot be told apart from, `–` for a row not ranked."""
    if rank is None or pd.isna(rank):
        return "–"
    return f"{int(rank)}=" if tied is True else str(int(rank))


def _fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _with_noise(value, half_width, digits: int = 2) -> str:
    """`value ± half-width`; a value without a noise estimate says so rather than showing ± 0 or ± –."""
    if value is None or pd.isna(value):
        return "–"
    return f"{_fmt(value, digits)} ± {_fmt(half_width, digits)}" if half_width is not None and pd.notna(half_width) \
        else f"{_fmt(value, digits)} (no noise estimate)"


def _metric_cell(kind: MetricKind, v) -> str:
    return "–" if v is None or pd.isna(v) else kind.format(v)


def metric_markdown(mf: pd.DataFrame) -> list[str]:
    lines = [
        "## Every metric",
        "",
        "Our value is the mean over the listed seeds; ± is its 95% interval (over seeds when there are several, "
        "else the run's own noise estimate, named in the interval column). Ranks as in the runs table: "
        "models not told apart share a rank (=). Published values come from "
        "ganbench/assets/published.csv (shipped with ganbench); the difference is ours minus theirs, and the "
        "note says whether the protocols allow reading it.",
        "",
        "| metric | rank | model | seeds | ours ± 95% | interval | published | ours − published | note |",
        "|---|---:|---|---|---:|---|---:|---:|---|",
    ]
    for r in mf.to_dict("records"):
        kind = metric_kind(r["metric"])
        hw = r["±95%"]
        ours = kind.format(r["value"], half_width=None if hw is None or pd.isna(hw) else hw)
        rank = rank_text(r["rank"], r["tied"])
        name = r["label"] if kind.direction is Direction.EXACT else f"{r['label']} ({r['direction']})"
        lines.append(f"| {name} | {rank} | {r['model']} | {r['seeds']} | {ours} | "
                     f"{r['interval']} | {_metric_cell(kind, r['published'])} | {_metric_cell(kind, r['difference'])} "
                     f"| {r['note'] or '–'} |")
    sources = mf.dropna(subset=["published source"]).drop_duplicates(["published source", "published protocol"])
    if len(sources):
        lines += ["", "Published values, their sources and protocols:", ""]
        lines += [f"- {r['published source']}: {r['published protocol']}" for r in sources.to_dict("records")]
    return lines + [""]


def shown_kinds(df: pd.DataFrame) -> list[MetricKind]:
    """The runs-table metrics a board shows: every one without `optional`, and an optional one (a statistic that
    some models log, such as BEGAN's M) where some run has a value ("–" for the others)."""
    return [k for k in runs_kinds()
            if not k.runs_column.optional or (not df.empty and df[k.runs_column.name].notna().any())]


def _scaled(v, scale: float):
    return None if v is None or pd.isna(v) else v * scale


def _runs_cell(kind: MetricKind, r: dict) -> str:
    """A metric's markdown cell: value ± its 95% half-width where it has a spread, at the column's scale."""
    c = kind.runs_column
    value = _scaled(r[c.name], c.scale)
    if not c.spread:
        return _fmt(value, c.digits)
    return _with_noise(value, _scaled(c.half_width(r), c.scale), c.digits)


def run_notes(records: list[Record]) -> list[str]:
    """The shown runs' notes (small-sample bias, lowered KID subsets), each once, naming the runs it concerns
    unless it concerns them all."""
    shown = [(run_label(exp, r), r) for exp in experiments(records) for r in exp.runs]
    notes: dict[str, list[str]] = {}
    for name, r in shown:
        for note in r.notes:
            notes.setdefault(note, []).append(name)
    return [note if len(who) == len(shown) else f"{note} ({', '.join(who)})" for note, who in notes.items()]


def board_notes(records: list[Record], damaged: dict[Path, str] | None = None) -> list[str]:
    """What the board says under its table, wherever it is printed or written: the runs' notes and each damaged
    record it could not show."""
    return run_notes(records) + [damaged_note(path, reason) for path, reason in (damaged or {}).items()]


def replaced_lines(records: list[Record]) -> list[str]:
    """The runs a newer run of the same configuration and seed replaced, by name: shown nowhere else."""
    gone = [f"{run_label(exp, r)} (created {r.created or 'at an unknown time'})"
            for exp in experiments(records) for r in exp.replaced]
    if not gone:
        return []
    return [f"Replaced by a newer run of the same configuration and seed, and not shown: {'; '.join(gone)}.", ""]


def markdown(df: pd.DataFrame, mf: pd.DataFrame, suite: Suite, published: pd.DataFrame,
             sections: list[str] = (), replaced: list[str] = (), notes: list[str] = ()) -> str:
    p = suite.protocol
    shown = shown_kinds(df)
    facts = run_facts(shown)
    heads = "".join(f" {k.runs_column.heading} |" for k in shown) + "".join(f" {f.heading} |" for f in facts)
    rules = "---:|" * len(shown) + "---|" * len(facts)
    lines = [
        f"# Leaderboard: {suite.name}",
        "",
        f"{suite.description}. Data `{suite.data}` at {suite.resolution}x{suite.resolution}x{suite.channels}; "
        f"metric protocol `{p.name}`: FID and KID of {p.n_fake} generated images against {p.n_real} real images "
        f"of the {p.real_split} split (Inception-v3 pool3, torch-fidelity). Lower is better for both.",
        "",
        "## Runs",
        "",
        "| rank | model | seed |" + heads + " samples (fake / real) | epochs (steps) | published FID¹ | protocol id |",
        "|---:|---|---:|" + rules + "---|---|---:|---|",
    ]
    for r in df.to_dict("records"):
        cells = "".join(f" {_runs_cell(k, r)} |" for k in shown) + "".join(f" {_fmt(r[f.name])} |" for f in facts)
        lines.append(
            f"| {rank_text(r['rank'], r['tied'])} | {r['model']} | {r['seed']} |{cells} "
            f"{r['n fake']} / {r['n real']} | "
            f"{_fmt(r['epochs'], 1)} ({r['steps']}) | {_fmt(r['published FID'])} | `{r['protocol']}` |"
        )
    lines.append("")
    if notes:  # caveats beside the numbers they concern
        lines += ["Notes on these numbers:", "", *(f"- {note}" for note in notes), ""]
    pub = suite_published(published, suite)
    pub_fid = pub[pub["metric"] == metric_kind("fid").key]
    if len(pub_fid):
        first = pub_fid.iloc[0]
        lines += [
            f"¹ Published on {suite.published_dataset} by {first['source']}. Protocol: {first['protocol']}. "
            "**Not comparable** with our numbers: the paper's FID code and sample counts are not this "
            "protocol's (and its training budget may not be this suite's, see the epochs column); "
            "shown for context and never ranked.",
        ]
    else:
        lines.append(f"¹ No published FID for {suite.published_dataset} at this image size.")
    lines += ["", "² Each ± is a 95% interval over the generated samples of one run: FID's is 1.96 bootstrap "
              "standard errors (the real set held fixed), KID's 1.96 standard deviations over random subsets "
              "(the CSV keeps the standard deviation itself). \"no noise estimate\": FID scored without the "
              "bootstrap, or KID of too few samples for subsets that differ. Neither covers training-seed "
              "variance: rerun with other --seed values for that.",
              "", "Ranks compare only rows with the same protocol id (same extractor, weights, resize, "
              f"quantization, real data and sample counts), by FID; {TIE}. Each row's full provenance is in its "
              "record.json.", ""]
    lines += replaced
    for footnote in dict.fromkeys(k.runs_column.footnote for k in shown if k.runs_column.footnote):
        lines += [footnote, ""]
    return "\n".join(lines + metric_markdown(mf) + list(sections))


def write(records: list[Record], suite: Suite, published: pd.DataFrame, out: Path,
          damaged: dict[Path, str] | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """The markdown and CSV views (per run and per metric), a PNG of FID with its intervals and one of the
    metric curves over training where records have them, each written atomically. `damaged`: records that could
    not be read, named in the board's notes."""
    df, mf = table(records, suite, published), metric_table(records, suite, published)
    pub = suite_published(published, suite)  # the trajectories published for this data set and size only
    built = [(s.name, section) for s in board_sections() if (section := s.build(records, pub)) is not None]
    md_path = Path(out) / "leaderboards" / f"{suite.name}.md"
    paths = [md_path, md_path.with_suffix(".csv"), md_path.with_name(f"{suite.name}-metrics.csv")]
    write_text(paths[0], markdown(df, mf, suite, published, [line for _, s in built for line in s.markdown],
                                  replaced_lines(records), board_notes(records, damaged)))
    write_text(paths[1], df.to_csv(index=False))
    write_text(paths[2], mf.to_csv(index=False))
    for name, section in built:  # what studies add (entry points `ganbench.board_sections`)
        paths.append(md_path.with_name(f"{suite.name}-{name}.csv"))
        write_text(paths[-1], section.table.to_csv(index=False))
        png = md_path.with_name(f"{suite.name}-{name}.png")
        if section.draw(png, suite.name):
            paths.append(png)
    if not df.empty and df["FID"].notna().any():
        paths.append(md_path.with_name(f"{suite.name}-fid.png"))
        save_metric_bars(paths[-1], df, "FID", metric_kind("fid").runs_column.spread,
                         f"{suite.name}: FID ± 1.96 bootstrap standard errors (95%)")
    curves = md_path.with_name(f"{suite.name}-curves.png")
    if save_metric_curves(curves, records, f"{suite.name}: metric curves over training"):
        paths.append(curves)
    return df, paths
