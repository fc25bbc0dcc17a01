"""BEGAN's convergence measure M and equilibrium term k: from a run's per-step log to its per-epoch table,
its final values, and the PNGs that put a trajectory beside the thesis's (Zaika, 2025).

The log holds M and k at every step (a model whose discriminator is an autoencoder logs them; no other
model does, and M is then undefined, never 0). Per epoch we keep two views:
- the value at step 900 of the epoch, one batch, the thesis's only logged value (its epochs have 938 steps);
- the mean over the epoch's steps, a steadier view of the same trajectory.
The final M of a run is the mean over its last epoch's steps (one batch is noisy); the final k is k after
the last step (k is a state, not a sample).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ganbench.core.contracts import Record  # noqa: E402
from ganbench.core.fileio import save_figure  # noqa: E402
from ganbench.studies.began_metric import BEGAN_K, BEGAN_M, encoder  # noqa: E402

LOG_STEP = 900  # Zaika (2025) prints "Step [900/938]" once per epoch
M, K = "M", "k"  # the log's keys
RECORD_KEYS = {M: BEGAN_M.value_key, K: BEGAN_K.value_key}
AT_LOG_STEP = {key: f"{key} at step {LOG_STEP}" for key in (M, K)}  # the comparison table's columns


def versus_published(encoder_init: str | None) -> str:
    """Whether a run's M and k can be read beside the thesis's: its encoder started from ImageNet weights, and a
    random encoder trains a different discriminator, so its trajectory is not the same experiment."""
    if encoder_init == "random":
        return "not comparable: random encoder (the published run's was ImageNet-initialised)"
    return "comparable" if encoder_init == "imagenet" else "not comparable: another discriminator"


def has_measure(log: list[dict]) -> bool:
    return any(M in r and K in r for r in log)


def per_epoch(log: list[dict], steps_per_epoch: int, log_step: int = LOG_STEP) -> list[dict]:
    """One row per epoch the log reaches: the epoch's mean M and k over its logged steps, and both at the
    epoch's `log_step`-th step (None when the epoch is shorter or was not reached)."""
    rows: dict[int, list[dict]] = {}
    for r in log:
        if M in r and K in r:
            rows.setdefault(int(r["epoch"]), []).append(r)
    table = []
    for epoch, steps in sorted(rows.items()):
        at = [r for r in steps if r["step"] - (epoch - 1) * steps_per_epoch == log_step]
        table.append({
            "epoch": epoch, "steps": len(steps),
            "M_mean": float(np.mean([r[M] for r in steps])), "k_mean": float(np.mean([r[K] for r in steps])),
            "M_at_log_step": at[0][M] if at else None, "k_at_log_step": at[0][K] if at else None,
        })
    return table


def summarize(log: list[dict], steps_per_epoch: int, up_to_step: int | None = None) -> dict | None:
    """The record's `training.convergence`: the per-epoch table and the final M and k; None without M."""
    log = [r for r in log if up_to_step is None or r["step"] <= up_to_step]
    if not has_measure(log):
        return None
    epochs = per_epoch(log, steps_per_epoch)
    last = max((r for r in log if M in r), key=lambda r: r["step"])
    return {
        "log_step": LOG_STEP, "steps_per_epoch": steps_per_epoch, "epochs": epochs,
        "final": {M: epochs[-1]["M_mean"], K: last[K], "step": last["step"],
                  "M_basis": f"mean over the {epochs[-1]['steps']} logged steps of epoch {epochs[-1]['epoch']}"},
    }


def record_metrics(summary: dict | None) -> dict:
    """The final M and k under the record's metric keys (`began_m`, `began_k`); nothing without M."""
    if summary is None:
        return {}
    return {RECORD_KEYS[M]: summary["final"][M], RECORD_KEYS[K]: summary["final"][K]}


_EPOCH_METRIC = re.compile(r"^(began-[mk])@epoch(\d+)$")


def published_trajectory(published: pd.DataFrame, model: str) -> dict[int, dict[str, float]]:
    """{epoch: {"M": ..., "k": ...}} from published rows such as `began-m@epoch3` for this model."""
    out: dict[int, dict[str, float]] = {}
    for r in published[published["model"] == model].to_dict("records"):
        match = _EPOCH_METRIC.match(str(r["metric"]))
        if match:
            key = M if match.group(1) == BEGAN_M.key else K
            out.setdefault(int(match.group(2)), {})[key] = float(r["value"])
    return out


def comparison_table(records: list[Record], published: pd.DataFrame) -> pd.DataFrame:
    """Every run with M, epoch by epoch, beside the published value of the same model and epoch."""
    rows = []
    for r in records:
        summary = r.training.convergence
        if not summary:
            continue
        theirs = published_trajectory(published, r.model)
        init = encoder(r)
        for e in summary["epochs"]:
            pub = theirs.get(e["epoch"], {})
            rows.append({
                "model": r.model, "seed": r.seed, "encoder": init or "–", "epoch": e["epoch"],
                "steps": e["steps"], "versus published": versus_published(init) if pub else "–",
                AT_LOG_STEP[M]: e["M_at_log_step"], "published M": pub.get(M), "M epoch mean": e["M_mean"],
                AT_LOG_STEP[K]: e["k_at_log_step"], "published k": pub.get(K), "k epoch mean": e["k_mean"],
            })
    return pd.DataFrame(rows)


def _cell(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.4f}"


def markdown(table: pd.DataFrame, source: str | None) -> list[str]:
    """The leaderboard's section: our trajectory beside the published one, epoch by epoch."""
    if table.empty:
        return []
    fixed = ("model", "seed", "encoder", "epoch", "steps")
    cols = [c for c in table.columns if c not in fixed and c != "versus published"]
    lines = ["## BEGAN convergence: M and k by epoch", "",
             f"M = L(x) + |γ L(x) − L_G| and the equilibrium term k, from each run's per-step log. 'at step "
             f"{LOG_STEP}' is the {LOG_STEP}th step of the epoch, one batch, the thesis's only logged value; the "
             "epoch mean averages every step of the epoch. Both are training statistics of the run's own "
             "discriminator, so they compare across runs of one architecture and budget, not across models. The "
             "encoder column says how the discriminator's encoder started (ImageNet weights or random); only a run "
             "whose encoder started as the published run's can be read beside it.",
             "", "| model | seed | encoder | epoch | steps | " + " | ".join(cols) + " | versus published |",
             "|---|---:|---|---:|---:|" + "---:|" * len(cols) + "---|"]
    for r in table.to_dict("records"):
        lines.append(f"| {r['model']} | {r['seed']} | {r['encoder']} | {r['epoch']} | {r['steps']} | "
                     + " | ".join(_cell(r[c]) for c in cols) + f" | {r['versus published']} |")
    if source:
        lines += ["", f"Published: {source}."]
    return lines + [""]


def _axes(title: str):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, key in zip(axes, (M, K)):
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    axes[0].set_title("convergence measure M (lower: nearer equilibrium and better reconstruction)", fontsize=9)
    axes[1].set_title("equilibrium term k", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig, axes


def _published(axes, theirs: dict[int, dict[str, float]], label: str) -> None:
    for ax, key in zip(axes, (M, K)):
        pts = sorted((e, v[key]) for e, v in theirs.items() if key in v)
        if pts:
            ax.plot(*zip(*pts), "ks--", ms=5, lw=1, label=label)


def _finish(fig, axes, path: Path) -> None:
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    save_figure(path, fig)
    plt.close(fig)


def save_run_plot(path: Path, log: list[dict], steps_per_epoch: int, title: str) -> None:
    """One run: M and k at every step (faint), their epoch means and their values at step 900."""
    fig, axes = _axes(title)
    rows = [r for r in log if M in r]
    x = np.array([r["step"] for r in rows]) / steps_per_epoch
    epochs = per_epoch(log, steps_per_epoch)
    # Each epoch mean sits at the middle of the steps it averages (a partial last epoch included).
    middle = [float(np.mean([r["step"] for r in rows if r["epoch"] == e["epoch"]])) / steps_per_epoch for e in epochs]
    for ax, key in zip(axes, (M, K)):
        ax.plot(x, [r[key] for r in rows], lw=0.6, alpha=0.35, color="C0", label="every step")
        ax.plot(middle, [e[f"{key}_mean"] for e in epochs], "o-", color="C1", ms=4, label="epoch mean")
        at = [(e["epoch"] - 1 + LOG_STEP / steps_per_epoch, e[f"{key}_at_log_step"]) for e in epochs
              if e[f"{key}_at_log_step"] is not None]
        if at:
            ax.plot(*zip(*at), "D", color="C2", ms=4, label=f"step {LOG_STEP} of the epoch")
    _finish(fig, axes, path)


def save_comparison_plot(path: Path, table: pd.DataFrame, published: pd.DataFrame, title: str) -> bool:
    """Every run's per-epoch M and k beside the published trajectory of its model; False when no run has M."""
    if table.empty:
        return False
    fig, axes = _axes(title)
    for i, ((model, seed), run) in enumerate(table.groupby(["model", "seed"], sort=False)):
        for ax, key in zip(axes, (M, K)):
            ax.plot(run["epoch"], run[f"{key} epoch mean"], "o-", color=f"C{i % 10}", ms=4,
                    label=f"{model} seed {seed}: epoch mean")
            if run[AT_LOG_STEP[key]].notna().any():
                ax.plot(run["epoch"], run[AT_LOG_STEP[key]], "D:", color=f"C{i % 10}", ms=4,
                        label=f"{model} seed {seed}: step {LOG_STEP}")
    for model in table["model"].unique():
        theirs = published_trajectory(published, model)
        if theirs:
            _published(axes, theirs, f"published {model} (step {LOG_STEP})")
    _finish(fig, axes, path)
    return True

