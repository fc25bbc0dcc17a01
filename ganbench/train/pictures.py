"""Training's pictures (PNG, written atomically): sample grids, loss curves, the weak classifier's error."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from ganbench.core.fileio import atomic_path, save_figure  # noqa: E402


def make_grid(images: torch.Tensor, **options) -> torch.Tensor:
    """torchvision's grid, imported when a picture is drawn (importing torchvision costs every command a second)."""
    from torchvision.utils import make_grid as grid

    return grid(images, **options)


MIN_GRID_WIDTH = 480  # small images are upscaled (nearest) so a grid is readable


TITLE_HEIGHT = 24  # the band above a grid that names it


def save_grid(path: Path, images: torch.Tensor, title: str | None = None) -> None:
    """uint8 NCHW images as one square-ish grid PNG, with its title (model, seed, step) written above the grid
    and kept in the PNG's Title field, so that the picture says what it shows wherever it is opened."""
    from PIL import ImageDraw, PngImagePlugin

    nrow = math.ceil(math.sqrt(len(images)))
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=255).permute(1, 2, 0).numpy()
    img = Image.fromarray(grid[..., 0] if images.shape[1] == 1 else grid)
    scale = max(1, math.ceil(MIN_GRID_WIDTH / img.width))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    info = None
    if title:
        framed = Image.new(img.mode, (img.width, img.height + TITLE_HEIGHT), 255 if img.mode == "L" else (255,) * 3)
        framed.paste(img, (0, TITLE_HEIGHT))
        ImageDraw.Draw(framed).text((6, 6), title, fill=0 if img.mode == "L" else (0, 0, 0))
        img, info = framed, PngImagePlugin.PngInfo()
        info.add_text("Title", title)
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG", pnginfo=info)


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
    epoch_ends = range(steps_per_epoch, int(steps.max()) + 1, steps_per_epoch) if steps_per_epoch and len(log) \
        else range(0)
    for ax, key in zip(axes[:, 0], keys):
        y = np.array([r[key] for r in log], dtype=float)
        ax.plot(steps, y, alpha=0.25, lw=0.8, color="C0")
        ys = _smooth(y, window)
        ax.plot(steps[len(steps) - len(ys):], ys, lw=1.6, color="C1", label=f"mean of {window} steps")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        for e in epoch_ends:
            ax.axvline(e, color="grey", lw=0.5, ls=":")
    axes[0, 0].set_title(title)
    axes[0, 0].legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("step (dotted lines: epochs)" if epoch_ends else "step")  # said only where drawn
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
