"""The pictures of `ganbench explore` (PNG, written atomically), at fixed pixel sizes (FIGSIZE x DPI)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ganbench.core.fileio import save_figure  # noqa: E402
from ganbench.metrics.classifiers.labels import LabelClassifier  # noqa: E402
from ganbench.studies.latent_maps import MAP_RANGE, axis_values  # noqa: E402

DPI = 100
# Width and height in inches; a picture's size in pixels is these times DPI.
FIGSIZE = {"map_2d": (12.0, 6.0), "sections_3d": (18.0, 6.0), "conditional_maps": (16.0, 7.5)}
FLOW_INCHES_PER_STEP, FLOW_HEIGHT = 1.2, 3.2
ACTIVATION_INCHES_PER_LAYER, ACTIVATION_HEIGHT = 2.4, 3.0
EXTENT = (*MAP_RANGE, *MAP_RANGE)


def flow_size(steps: int) -> tuple[float, float]:
    return (FLOW_INCHES_PER_STEP * steps + 1.6, FLOW_HEIGHT)


def activations_size(layers: int) -> tuple[float, float]:
    return (ACTIVATION_INCHES_PER_LAYER * layers + 0.4, ACTIVATION_HEIGHT)


def _colours(n: int) -> ListedColormap:
    base = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return ListedColormap([base(i % base.N) for i in range(n)])


def _show_map(ax, classes: torch.Tensor, n: int) -> None:
    ax.imshow(classes.numpy(), cmap=_colours(n), vmin=-0.5, vmax=n - 0.5, origin="lower", extent=EXTENT,
              interpolation="nearest", aspect="equal")


def _show_image(ax, image: torch.Tensor, title: str) -> None:
    if image.shape[0] == 1:
        ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=255)
    else:
        ax.imshow(image.permute(1, 2, 0).numpy())
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _mark(ax, x: float, y: float) -> None:
    ax.plot([x], [y], marker="*", markersize=16, color="white", markeredgecolor="black", linestyle="none")


def _legend(fig, classifier: LabelClassifier, **where) -> None:
    cmap = _colours(len(classifier.classes))
    handles = [Patch(color=cmap(i), label=f"{i}: {c}") for i, c in enumerate(classifier.classes)]
    fig.legend(handles=handles, title="Image class", fontsize=9, title_fontsize=10, frameon=False, **where)


def _accuracy(classifier: LabelClassifier) -> str:
    p = classifier.provenance
    return (f"classes by ganbench's classifier ({p['architecture']}, {p['n_train']:,} labelled training images): "
            f"test accuracy {100 * classifier.test_accuracy:.1f}% on {p['n_test']:,} held-out images")


def _point_text(point: torch.Tensor) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in point.tolist()) + ")"


def map_2d(path: Path, classes: torch.Tensor, classifier: LabelClassifier, point: torch.Tensor,
           point_image: torch.Tensor, title: str) -> None:
    fig = plt.figure(figsize=FIGSIZE["map_2d"], dpi=DPI)
    grid = fig.add_gridspec(1, 3, width_ratios=(1, 2, 0.9), left=0.03, right=0.98, top=0.86, bottom=0.1)
    _show_image(fig.add_subplot(grid[0]), point_image, f"Generated image at {_point_text(point)}")
    ax = fig.add_subplot(grid[1])
    _show_map(ax, classes, len(classifier.classes))
    _mark(ax, *point.tolist())
    ax.set_xlabel("x (latent 1)")
    ax.set_ylabel("y (latent 2)")
    ax.set_title(f"Map of class areas: {classes.shape[0]}x{classes.shape[1]} latent points in [-1, 1]²", fontsize=10)
    _legend(fig, classifier, loc="center right")
    fig.suptitle(f"{title}\n{_accuracy(classifier)}", fontsize=10)
    save_figure(path, fig)
    plt.close(fig)


def sections_3d(path: Path, cube: torch.Tensor, classifier: LabelClassifier, point: torch.Tensor,
                point_image: torch.Tensor, title: str) -> None:
    """Three rows, one per axis: the 16 sections of the cube across it, each a map over the other two axes."""
    n = cube.shape[0]
    values = axis_values(n)
    fig = plt.figure(figsize=FIGSIZE["sections_3d"], dpi=DPI)
    grid = fig.add_gridspec(3, n + 2, width_ratios=(*([1] * n), 0.2, 3), left=0.02, right=0.99, top=0.86,
                            bottom=0.04, hspace=0.35, wspace=0.08)
    nearest = [int(torch.argmin((values - v).abs())) for v in point.tolist()]
    axis_names = ("x", "y", "z")
    for axis in range(3):
        others = [a for a in range(3) if a != axis]
        for i in range(n):
            ax = fig.add_subplot(grid[axis, i])
            section = cube.select(axis, i)  # indexed [others[0], others[1]]: rows must be the second other axis
            _show_map(ax, section.T, len(classifier.classes))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{axis_names[axis]}={values[i]:.2f}", fontsize=7)
            if i == nearest[axis]:
                _mark(ax, point[others[0]].item(), point[others[1]].item())
        fig.text(0.005, 0.78 - axis * 0.29, f"across {axis_names[axis]}\n"
                 f"({axis_names[others[0]]} → , {axis_names[others[1]]} ↑)", fontsize=8, rotation=90, va="center")
    _show_image(fig.add_subplot(grid[0:2, n + 1]), point_image, f"Generated image at {_point_text(point)}\n"
                f"(★ in its nearest sections)")
    _legend(fig, classifier, loc="lower right", ncol=2, bbox_to_anchor=(0.99, 0.02))
    fig.suptitle(f"{title}: {n} sections of the {n}³ cube of class areas along each axis\n{_accuracy(classifier)}",
                 fontsize=10)
    save_figure(path, fig)
    plt.close(fig)


def conditional_maps(path: Path, maps: list[torch.Tensor], classifier: LabelClassifier, point: torch.Tensor,
                     point_image: torch.Tensor, label: int, title: str) -> None:
    """A CGAN: one map per class label over latent axes 1 and 2 (the others at the point's coordinates)."""
    cols = (len(maps) + 1) // 2
    fig = plt.figure(figsize=FIGSIZE["conditional_maps"], dpi=DPI)
    grid = fig.add_gridspec(2, cols + 1, width_ratios=(*([1] * cols), 1.1), left=0.03, right=0.99, top=0.84,
                            bottom=0.05, hspace=0.3)
    for shown, classes in enumerate(maps):  # `label` stays the point's label, for the image's title below
        ax = fig.add_subplot(grid[shown // cols, shown % cols])
        _show_map(ax, classes, len(classifier.classes))
        _mark(ax, point[0].item(), point[1].item())
        agree = 100 * float((classes == shown).float().mean())
        name = classifier.classes[shown] if shown < len(classifier.classes) else str(shown)
        ax.set_title(f"label {shown} ({name}): {agree:.0f}% agree", fontsize=8)
        ax.set_xticks([-1, 0, 1])
        ax.set_yticks([-1, 0, 1])
        ax.tick_params(labelsize=7)
    _show_image(fig.add_subplot(grid[0, cols]), point_image, f"image at {_point_text(point)}, label {label}")
    _legend(fig, classifier, loc="lower right", bbox_to_anchor=(0.995, 0.03))
    rest = "" if len(point) <= 2 else f", the other latent coordinates at {_point_text(point[2:])}"
    fig.suptitle(f"{title}: map of class areas per class label ({maps[0].shape[0]}² points each over latent "
                 f"axes 1, 2{rest})\n{_accuracy(classifier)}", fontsize=10)
    save_figure(path, fig)
    plt.close(fig)


def flow(path: Path, images: tuple[torch.Tensor, torch.Tensor], a: torch.Tensor, b: torch.Tensor, title: str) -> None:
    """Two rows of images from A to B: linear and spherical interpolation."""
    steps = len(images[0])
    fig, axes = plt.subplots(2, steps, figsize=flow_size(steps), dpi=DPI, squeeze=False)
    for row, (kind, row_images) in enumerate(zip(("linear", "spherical"), images)):
        for i, image in enumerate(row_images):
            _show_image(axes[row][i], image, "A" if i == 0 else "B" if i == steps - 1 else "")
        axes[row][0].set_ylabel(kind, fontsize=10)
        axes[row][0].yaxis.set_visible(True)
    fig.suptitle(f"{title}: smooth flow from A = {_point_text(a)} to B = {_point_text(b)}", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.82, bottom=0.03, wspace=0.05, hspace=0.2)
    save_figure(path, fig)
    plt.close(fig)


def activations(path: Path, layers: list[tuple[str, torch.Tensor]], point: torch.Tensor, title: str) -> None:
    """Each activation layer's mean over channels, black near zero and white for a strong response."""
    fig, axes = plt.subplots(1, len(layers), figsize=activations_size(len(layers)), dpi=DPI, squeeze=False)
    for ax, (name, act) in zip(axes[0], layers):
        ax.imshow(act.numpy(), cmap="gray", interpolation="nearest")
        ax.set_title(f"{name}\n[{act.min():.2g}, {act.max():.2g}]", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title}: activations for each layer (mean over channels) at {_point_text(point)}", fontsize=9)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.72, bottom=0.03, wspace=0.15)
    save_figure(path, fig)
    plt.close(fig)
