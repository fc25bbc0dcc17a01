"""`ganbench explore`: Korotka et al.'s latent-space interface (computed in latent_maps, drawn by explore_plots).

- the map of class areas: a grid of latent points in [-1, 1]^2, each named by the class a classifier
  (trained by ganbench on the suite's labelled data) gives its image; for a 3-D latent, 16 sections along
  each axis of a 16^3 cube; for a conditional model, one map per class label;
- the "smooth flow" between two latent points, linear and spherical;
- the mean activation of each of G's layers for one latent point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench.core.contracts import RunConfig
from ganbench.core.errors import GanbenchError
from ganbench.metrics.classifiers.labels import LabelClassifier, label_classifier
from ganbench.models.base import GAN
from ganbench.models.sampling import images_at
from ganbench.pipeline.run import load_checkpoint_model
from ganbench.studies.latent_maps import GRID, SECTIONS, class_cube, class_map, interpolate, mean_activations
from ganbench.suites import get_suite, suite_data

PICTURES = ("map", "flow", "activations")
MAP_LATENTS = (2, 3)  # a map of class areas is drawn for these latent sizes
FLOW_STEPS = 10


@dataclass(frozen=True)
class Options:
    pictures: tuple[str, ...] = PICTURES
    point: tuple[float, ...] | None = None  # None: the origin
    flow_from: tuple[float, ...] | None = None  # None: seeded draws from the model's prior
    flow_to: tuple[float, ...] | None = None
    flow_steps: int = FLOW_STEPS
    label: int = 0  # a conditional model's label for the point, the flow and the activations
    grid: int = GRID
    seed: int = 0


def parse_point(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise GanbenchError(f"{what} must be comma-separated numbers like 0.5,-0.2, not '{text}'") from None
    if not all(math.isfinite(v) for v in values):
        raise GanbenchError(f"{what} must be finite numbers, not '{text}'")
    return values


def _as_latent(model: GAN, values: tuple[float, ...], what: str) -> torch.Tensor:
    if len(values) != model.latent_dim:
        raise GanbenchError(f"{what} has {len(values)} coordinates; this model's latent has {model.latent_dim}")
    return torch.tensor(values, dtype=torch.float32)


def check_map(model: GAN, name: str) -> None:
    if model.latent_dim not in MAP_LATENTS:
        raise GanbenchError(
            f"the map of class areas needs a 2-D or 3-D latent; {name}'s latent is {model.latent_dim}-D "
            f"(--only flow,activations draws the other pictures)"
        )


def suite_classifier(suite_name: str, device: torch.device, seed: int) -> tuple[LabelClassifier, bool]:
    suite = get_suite(suite_name)
    train, test = suite_data(suite, "train"), suite_data(suite, "test")
    if train.labels is None:
        raise GanbenchError(f"suite {suite.name}'s data has no class labels, which the map of class areas needs "
                            f"(--only flow,activations draws the other pictures)")
    return label_classifier(train, test, device, seed)


def _check_options(model: GAN, name: str, opts: Options) -> None:
    unknown = set(opts.pictures) - set(PICTURES)
    if unknown:
        raise GanbenchError(f"unknown picture '{sorted(unknown)[0]}' (known: {', '.join(PICTURES)})")
    if "map" in opts.pictures:
        check_map(model, name)
    if opts.grid < 2:
        raise GanbenchError("--grid must be at least 2")
    if opts.flow_steps < 2:
        raise GanbenchError("--steps must be at least 2")
    if model.num_classes and not 0 <= opts.label < model.num_classes:
        raise GanbenchError(f"--label must be in 0..{model.num_classes - 1} for {name}")


@dataclass(frozen=True)
class _View:
    """What every picture of one exploration shares."""

    model: GAN
    config: RunConfig
    point: torch.Tensor
    point_image: torch.Tensor
    label: int | None  # a conditional model's label, else None
    title: str


def explore(checkpoint: Path, out: Path, opts: Options, device: torch.device) -> dict:
    """Draw the asked pictures into `out`; returns what was drawn and measured (for --json)."""
    model, config = load_checkpoint_model(checkpoint, device)
    _check_options(model, config.model, opts)  # before any work, so a refusal writes nothing
    label = opts.label if model.num_classes else None
    point = _as_latent(model, opts.point, "--point") if opts.point else torch.zeros(model.latent_dim)
    point_image = images_at(model, point[None], None if label is None else torch.tensor([label]))[0]
    title = f"{config.model}, step {config.checkpoint['step']} ({config.suite}, seed {config.seed})"
    view = _View(model, config, point, point_image, label, title)
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"checkpoint": str(checkpoint), "model": config.model, "suite": config.suite,
                    "latent_dim": model.latent_dim, "point": [round(v, 6) for v in point.tolist()],
                    "label": label, "files": {}}
    for picture, draw in (("map", _map), ("flow", _flow), ("activations", _activations)):
        if picture in opts.pictures:
            path = out / f"explore-{picture}.png"
            result.update(draw(view, opts, path, device))
            result["files"][picture] = str(path)
    return result


def _map(view: _View, opts: Options, path: Path, device: torch.device) -> dict:
    from ganbench.studies import explore_plots as draw

    model, point = view.model, view.point
    classifier, hit = suite_classifier(view.config.suite, device, opts.seed)
    point_class = int(classifier.predict(view.point_image[None])[0])
    found = {"classifier": {"test_accuracy": classifier.test_accuracy, "cached": hit, **classifier.provenance},
             "point_class": classifier.classes[point_class]}
    if view.label is not None:
        maps = [class_map(model, classifier, opts.grid, point, c) for c in range(model.num_classes)]
        agreement = [float((m == c).float().mean()) for c, m in enumerate(maps)]
        draw.conditional_maps(path, maps, classifier, point, view.point_image, view.label, view.title)
        return {**found, "map": {"grid": opts.grid, "agreement_with_label": agreement}}
    if model.latent_dim == 2:
        grid = class_map(model, classifier, opts.grid, point)
        draw.map_2d(path, grid, classifier, point, view.point_image, view.title)
        return {**found, "map": {"grid": opts.grid, "class_shares": _shares(grid, classifier.classes)}}
    cube = class_cube(model, classifier)
    draw.sections_3d(path, cube, classifier, point, view.point_image, view.title)
    return {**found, "map": {"sections": SECTIONS, "class_shares": _shares(cube, classifier.classes)}}


def _flow(view: _View, opts: Options, path: Path, device: torch.device) -> dict:
    from ganbench.studies import explore_plots as draw

    a, b = _flow_ends(view.model, opts)
    linear, spherical = interpolate(a, b, opts.flow_steps)
    labels = None if view.label is None else torch.full((opts.flow_steps,), view.label, dtype=torch.long)
    draw.flow(path, (images_at(view.model, linear, labels), images_at(view.model, spherical, labels)), a, b,
              view.title)
    return {"flow": {"from": [round(v, 6) for v in a.tolist()], "to": [round(v, 6) for v in b.tolist()],
                     "steps": opts.flow_steps}}


def _activations(view: _View, opts: Options, path: Path, device: torch.device) -> dict:
    from ganbench.studies import explore_plots as draw

    layers = mean_activations(view.model, view.point, view.label)
    draw.activations(path, layers, view.point, view.title)
    return {"activations": [name for name, _ in layers]}


def _flow_ends(model: GAN, opts: Options) -> tuple[torch.Tensor, torch.Tensor]:
    """--from and --to, or seeded draws from the model's prior for the ends not given."""
    drawn = model.sample_latent(2, torch.Generator().manual_seed(opts.seed))
    a = _as_latent(model, opts.flow_from, "--from") if opts.flow_from else drawn[0]
    b = _as_latent(model, opts.flow_to, "--to") if opts.flow_to else drawn[1]
    return a, b


def _shares(classes: torch.Tensor, names: tuple[str, ...]) -> dict[str, float]:
    counts = torch.bincount(classes.flatten(), minlength=len(names)).float() / classes.numel()
    return {n: round(float(c), 4) for n, c in zip(names, counts)}
