"""Pictures people would rather look at: sample grids and loss curves (PNG, written atomically)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from ganbench.contracts import Record  # noqa: E402
from ganbench.errors import GanbenchError  # noqa: E402
from ganbench.experiments import experiments, run_label  # noqa: E402
from ganbench.fileio import atomic_path, save_figure  # noqa: E402
from ganbench.metrics.registry import metrics  # noqa: E402
from ganbench.progress import warn  # noqa: E402


def make_grid(images: torch.Tensor, **options) -> torch.Tensor:
    """torchvision's grid, imported when a picture is drawn (importing torchvision costs every command a second)."""
    from torchvision.utils import make_grid as grid

    return grid(images, **options)

MIN_GRID_WIDTH = 480  # small images are upscaled (nearest) so a grid is readable


def save_grid(path: Path, images: torch.Tensor, title: str | None = None) -> None:
    """uint8 NCHW images as one square-ish grid PNG."""
    nrow = math.ceil(math.sqrt(len(images)))
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=255).permute(1, 2, 0).numpy()
    img = Image.fromarray(grid[..., 0] if images.shape[1] == 1 else grid)
    scale = max(1, math.ceil(MIN_GRID_WIDTH / img.width))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")


def read_log(path: Path) -> list[dict]:
    """The per-step log. A hard kill can leave its last line half-written: that line is dropped, and said so
    (a resumed run writes it again); any other damage is an error."""
    if not path.is_file():
        return []
    text = path.read_text()
    lines = text.splitlines()
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            if i == len(lines) - 1 and not text.endswith("\n"):
                warn(f"{path}: dropped its last line, cut off mid-write (the run was stopped while logging)")
                break
            raise GanbenchError(f"damaged log {path}: line {i + 1} is not JSON") from None
    return records


def _smooth(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < window:
        return y
    kernel = np.ones(window) / window
    return np.convolve(y, kernel, mode="valid")


def save_loss_curves(path: Path, log: list[dict], title: str, steps_per_epoch: int | None = None) -> None:
    """Every numeric series of the per-step log (losses, D outputs), raw and smoothed, against the step."""
    # Every step's series; a measurement logged at some steps only (the weak classifier's error) has its own plot.
    keys = [k for k in log[0] if k not in ("step", "epoch", "time") and isinstance(log[0][k], (int, float))
            and all(k in r for r in log)] if log else []
    fig, axes = plt.subplots(len(keys) or 1, 1, figsize=(8, 2.2 * max(len(keys), 1)), sharex=True, squeeze=False)
    steps = np.array([r["step"] for r in log])
    window = max(1, len(log) // 50)
    for ax, key in zip(axes[:, 0], keys):
        y = np.array([r[key] for r in log], dtype=float)
        ax.plot(steps, y, alpha=0.25, lw=0.8, color="C0")
        ys = _smooth(y, window)
        ax.plot(steps[len(steps) - len(ys):], ys, lw=1.6, color="C1", label=f"mean of {window} steps")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        if steps_per_epoch:
            for e in range(steps_per_epoch, int(steps.max()) + 1, steps_per_epoch):
                ax.axvline(e, color="grey", lw=0.5, ls=":")
    axes[0, 0].set_title(title)
    axes[0, 0].legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("step (dotted lines: epochs)" if steps_per_epoch else "step")
    fig.tight_layout()
    save_figure(path, fig)
    plt.close(fig)


def save_ic_curve(path: Path, log: list[dict], title: str, steps_per_epoch: int) -> None:
    """Korotka et al.'s Fig. 7: the weak independent classifier's held-out error over training, with its 95% Wilson
    interval and the ideal 50% (the classifier cannot tell generated from real)."""
    rows = [r for r in log if "ic_weak_error" in r]
    epochs = np.array([r["step"] / steps_per_epoch for r in rows])
    err = np.array([r["ic_weak_error"] for r in rows])
    low = np.array([r.get("ic_weak_error_ci_low", e) for r, e in zip(rows, err)])
    high = np.array([r.get("ic_weak_error_ci_high", e) for r, e in zip(rows, err)])
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.fill_between(epochs, low, high, color="C0", alpha=0.2, lw=0, label="95% Wilson interval")
    ax.plot(epochs, err, "o-", color="C0", ms=3, label="weak IC error on held-out images")
    ax.axhline(50, color="grey", ls="--", lw=1, label="50%: cannot tell generated from real")
    ax.set_ylim(0, 68)
    ax.set_xlabel("epoch")
    ax.set_ylabel("error, %")
    ax.set_title(f"{title}: weak independent classifier")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    fig.tight_layout()
    save_figure(path, fig)
    plt.close(fig)


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


def save_grids_side_by_side(path: Path, grids: list[tuple[str, torch.Tensor]], title: str) -> None:
    """One sample grid per model (uint8 NCHW, drawn from the same noise where the latents agree), in a row."""
    fig, axes = plt.subplots(1, len(grids), figsize=(4.2 * len(grids), 4.8), squeeze=False)
    for ax, (label, images) in zip(axes[0], grids):
        grid = make_grid(images, nrow=math.ceil(math.sqrt(len(images))), padding=2, pad_value=255)
        ax.imshow((grid[0] if images.shape[1] == 1 else grid.permute(1, 2, 0)).numpy(), cmap="gray", vmin=0,
                  vmax=255, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))  # room for the suptitle
    save_figure(path, fig)
    plt.close(fig)


def save_metric_curves(path: Path, records: list[Record], title: str) -> bool:
    """Metric curves over training, overlaid: one line per record that holds a curve, one panel per metric
    the curves hold; the seeds of one experiment (model and configuration) share its colour, and a model run
    under several configurations is labelled by what sets each apart. False (no file) when no record has a
    curve."""
    series = [(run_label(exp, r), i, r.curve) for i, exp in enumerate(experiments(records)) for r in exp.runs
              if r.curve]
    if not series:
        return False
    curve_kinds = [k for m in metrics() if m.curve for k in m.kinds]  # what the registry draws over training
    keys = [(k.value_key or k.key, k) for k in curve_kinds
            if any((k.value_key or k.key) in c.points[0] for _, _, c in series)]
    x = "epoch" if any(c.x_axis() == "epoch" for _, _, c in series) else "step"  # runs under an epoch: steps
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 3.8), squeeze=False)
    for ax, (key, kind) in zip(axes[0], keys):
        for label, colour, curve in series:
            pts = [p for p in curve.points if key in p]
            ax.plot([p[x] for p in pts], [p[key] for p in pts], marker="o", ms=3, color=f"C{colour % 10}",
                    label=label)
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
