"""Leaderboards: our records beside the published numbers, as markdown and CSV.

Rows are ranked only against rows of the same protocol id; a published
number is shown with its source and protocol, never ranked with ours.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ganbench.fileio import write_text
from ganbench.metrics.kinds import MetricKind
from ganbench.plots import save_metric_bars
from ganbench.suites import Suite


def table(records: list[dict], suite: Suite, published: pd.DataFrame) -> pd.DataFrame:
    pub = published[(published["dataset"] == suite.published_dataset) & (published["metric"] == MetricKind.FID.key)]
    rows = []
    for r in records:
        m, p, t = r["metrics"], r["protocol"], r.get("training", {})
        match = pub[pub["model"] == r["model"]]
        rows.append({
            "model": r["model"],
            "seed": r["seed"],
            "FID": m["fid"],
            "FID ±": (m["fid_ci_high"] - m["fid_ci_low"]) / 2 if "fid_ci_high" in m else None,
            "KID": m["kid_mean"],
            "KID std": m["kid_std"],
            "n fake": p["n_fake"],
            "n real": p["n_real"],
            "epochs": t.get("epochs"),
            "steps": t.get("steps"),
            "train s": r.get("wall_time_s", {}).get("train"),
            "device": r["environment"].get("device"),
            "protocol": p["id"],
            "published FID": float(match["value"].iloc[0]) if len(match) else None,
            "published source": match["source"].iloc[0] if len(match) else None,
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df = df.sort_values(["protocol", "FID"]).reset_index(drop=True)
    df.insert(0, "rank", df.groupby("protocol").cumcount() + 1)
    return df


def _fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def markdown(df: pd.DataFrame, suite: Suite, published: pd.DataFrame) -> str:
    p = suite.protocol
    lines = [
        f"# Leaderboard: {suite.name}",
        "",
        f"{suite.description}. Data `{suite.data}` at {suite.resolution}x{suite.resolution}x{suite.channels}; "
        f"metric protocol `{p.name}`: FID and KID of {p.n_fake} generated images against {p.n_real} real images "
        f"of the {p.real_split} split (Inception-v3 pool3, torch-fidelity). Lower is better for both.",
        "",
        "| rank | model | seed | FID ± 95%² | KID ×10³ | samples (fake / real) | epochs (steps) | published FID¹ | protocol id |",
        "|---:|---|---:|---:|---:|---|---|---:|---|",
    ]
    for r in df.to_dict("records"):
        lines.append(
            f"| {r['rank']} | {r['model']} | {r['seed']} | {_fmt(r['FID'])} ± {_fmt(r['FID ±'])} | "
            f"{_fmt(r['KID'] * 1e3)} ± {_fmt(r['KID std'] * 1e3)} | {r['n fake']} / {r['n real']} | "
            f"{_fmt(r['epochs'], 1)} ({r['steps']}) | {_fmt(r['published FID'])} | `{r['protocol']}` |"
        )
    lines.append("")
    pub = published[published["dataset"] == suite.published_dataset]
    if len(pub):
        first = pub.iloc[0]
        lines += [
            f"¹ Published on {suite.published_dataset} by {first['source']}. Protocol: {first['protocol']}. "
            "**Not comparable** with our numbers: different FID code, sample counts and training budget; "
            "shown for context and never ranked.",
        ]
    else:
        lines.append("¹ No published number for this data set.")
    lines += ["", "² The FID interval is ± 1.96 bootstrap standard errors over the generated samples (the real "
              "set held fixed); KID's ± is its standard deviation over subsets. Neither covers training-seed "
              "variance: rerun with other --seed values for that.",
              "", "Ranks compare only rows with the same protocol id (same extractor, weights, resize, "
              "quantization, real data and sample counts). Each row's full provenance is in its record.json.", ""]
    return "\n".join(lines)


def write(df: pd.DataFrame, suite: Suite, published: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """The markdown and CSV views, and a PNG of FID with its intervals, each written atomically."""
    md_path = Path(out) / "leaderboards" / f"{suite.name}.md"
    csv_path = md_path.with_suffix(".csv")
    write_text(md_path, markdown(df, suite, published))
    write_text(csv_path, df.to_csv(index=False))
    if not df.empty:
        save_metric_bars(md_path.with_name(f"{suite.name}-fid.png"), df, "FID", "FID ±",
                         f"{suite.name}: FID with 95% bootstrap intervals")
    return md_path, csv_path
