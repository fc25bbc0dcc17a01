"""The results' pictures (PNG, written atomically): metric bars with their intervals, metric curves over
training, sample grids side by side."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ganbench.core.contracts import Record  # noqa: E402
from ganbench.core.fileio import save_figure  # noqa: E402
from ganbench.metrics.registry import metrics  # noqa: E402
from ganbench.results.experiments import experiments, run_label  # noqa: E402
from ganbench.train.pictures import make_grid  # noqa: E402


def save_metric_bars(path: Path, df, metric: str, spread: str | None, title: str) -> None:
    """One bar per leaderboard row (model, seed) with its 95% interval; one colour per protocol id, since
    bars of different protocols are not comparable."""
    labels = [f"{m}\nseed {s}" for m, s in zip(df["model"], df["seed"])]
    protocols = list(dict.fromkeys(df["protocol"]))
    colours = [f"C{protocols.index(p) % 10}" for p in df["protocol"]]
    errors = df[spread].fillna(0).to_numpy(dtype=float) if spread else None
    values = df[metric].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(max(5.5, 1.1 * len(df) + 1.5), 3.8))
    ax.bar(range(len(df)), values, yerr=errors, color=colours, capsize=4)
    top = float(np.nanmax(values + (errors if errors is not None else 0)))
    ax.set_ylim(0, 1.3 * top)  # headroom for the legend
    ax.set_xticks(range(len(df)), labels, fontsize=8)
    ax.set_ylabel(f"{metric} (lower is better)" if metric in ("FID", "KID") else metric)
    ax.set_title(title, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    handles = [Patch(color=f"C{i % 10}", label=f"protocol {p}") for i, p in enumerate(protocols)]
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    fig.tight_layout()
    save_figure(path, fig)
    plt.close(fig)


def save_grids_side_by_side(path: Path, grids: list[tuple[str, torch.Tensor | Path]], title: str) -> None:
    """One sample grid per model, in a row: uint8 NCHW images (drawn from the same noise where the latents
    agree), or a grid PNG a run saved (a kept record's, whose checkpoint is not at hand)."""
    from PIL import Image

    fig, axes = plt.subplots(1, len(grids), figsize=(4.2 * len(grids), 4.8), squeeze=False)
    for ax, (label, images) in zip(axes[0], grids):
        if isinstance(images, torch.Tensor):
            grid = make_grid(images, nrow=math.ceil(math.sqrt(len(images))), padding=2, pad_value=255)
            picture = (grid[0] if images.shape[1] == 1 else grid.permute(1, 2, 0)).numpy()
        else:
            with Image.open(images) as png:
                picture = np.asarray(png.convert("L") if png.mode in ("L", "LA", "I") else png.convert("RGB"))
        ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))  # room for the suptitle
    save_figure(path, fig)
    plt.close(fig)


SEED_MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # the runs of one experiment: one colour, a marker and line each
SEED_LINES = ("-", "--", ":", "-.")


def save_metric_curves(path: Path, records: list[Record], title: str) -> bool:
    """Metric curves over training, overlaid: one line per record that holds a curve, one panel per metric
    the curves hold; the seeds of one experiment (model and configuration) share its colour and each has its own
    marker and line style, so the legend tells every line apart; a model run under several configurations is
    labelled by what sets each apart. False (no file) when no record has a curve."""
    series = [(run_label(exp, r), (i, j), r.curve) for i, exp in enumerate(experiments(records))
              for j, r in enumerate(rr for rr in exp.runs if rr.curve)]
    if not series:
        return False
    curve_kinds = [k for m in metrics() if m.curve for k in m.kinds]  # what the registry draws over training
    keys = [(k.value_key or k.key, k) for k in curve_kinds
            if any((k.value_key or k.key) in c.points[0] for _, _, c in series)]
    x = "epoch" if any(c.x_axis() == "epoch" for _, _, c in series) else "step"  # runs under an epoch: steps
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 3.8), squeeze=False)
    for ax, (key, kind) in zip(axes[0], keys):
        for label, (colour, nth), curve in series:  # nth: the run's place among its experiment's seeds
            pts = [p for p in curve.points if key in p]
            ax.plot([p[x] for p in pts], [p[key] for p in pts], marker=SEED_MARKERS[nth % len(SEED_MARKERS)],
                    ls=SEED_LINES[nth % len(SEED_LINES)], ms=4, color=f"C{colour % 10}", label=label)
        n = {c.n_fake for _, _, c in series}
        ax.set_title(f"{kind.label} of {'/'.join(map(str, sorted(n)))} generated images ({kind.direction.value})",
                     fontsize=9)
        ax.set_xlabel(x)
        ax.set_ylabel(kind.label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save_figure(path, fig)
    plt.close(fig)
    return True
