"""`ganbench explore` on briefly trained Korotka et al. (2024) models: the map of class areas (2-D, 3-D sections, per
CGAN label), the smooth flow and the layer activations at their stated sizes, the cached classifier, the
orientation of the map, and the one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from ganbench.core.provenance import resolve_device
from ganbench.pipeline.run import load_checkpoint_model
from ganbench.studies import explore_plots
from ganbench.studies.explore import suite_classifier
from ganbench.studies.latent_maps import class_map, interpolate, mean_activations
from tests.helpers import assert_one_line_error, run_cli

SUITE = "fashion-mnist-latent-smoke"
GRID = 30  # the default is the paper's 100 x 100; the tests draw fewer points to save CPU time


def trained(out: Path, model: str, steps: int = 3) -> Path:
    proc = run_cli("train", model, "--suite", SUITE, "--steps", str(steps), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return next((out / "runs" / SUITE).glob(f"{model.replace(':', '-')}-seed0-*")) / "checkpoint.pt"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("explore")
    return {m: trained(out, m) for m in ("latent2d", "latent3d", "latent4d", "cgan")}


def explore_json(checkpoint: Path, *args: str) -> dict:
    proc = run_cli("explore", str(checkpoint), "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def png_size(path: str) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def pixels(inches: tuple[float, float]) -> tuple[int, int]:
    return round(inches[0] * explore_plots.DPI), round(inches[1] * explore_plots.DPI)


@pytest.mark.slow  # the map trains the suite's label classifier (once per cache)
def test_a_2d_latent_gets_the_map_the_flow_and_the_activations_at_their_sizes(checkpoints, tmp_path):
    result = explore_json(checkpoints["latent2d"], "--out", str(tmp_path), "--grid", str(GRID),
                          "--point", "0.5,-0.25", "--steps", "7")
    assert set(result["files"]) == {"map", "flow", "activations"}
    assert png_size(result["files"]["map"]) == pixels(explore_plots.FIGSIZE["map_2d"])
    assert png_size(result["files"]["flow"]) == pixels(explore_plots.flow_size(7))
    # latent2d's G: LeakyReLU after the reshape (256x7x7), after each hidden transposed conv, then tanh.
    assert result["activations"] == ["1: LeakyReLU 256x7x7", "2: LeakyReLU 128x7x7", "3: LeakyReLU 64x14x14",
                                     "4: Tanh 1x28x28"]
    assert png_size(result["files"]["activations"]) == pixels(explore_plots.activations_size(4))
    assert result["point"] == [0.5, -0.25] and result["flow"]["steps"] == 7
    classifier = result["classifier"]
    assert classifier["n_train"] == 5000 and classifier["n_test"] == 1000
    assert classifier["test_accuracy"] > 0.6  # a real classifier of real Fashion-MNIST, tested on held-out images
    shares = result["map"]["class_shares"]
    assert result["map"]["grid"] == GRID and sum(shares.values()) == pytest.approx(1, abs=1e-3)
    assert result["point_class"] in shares


@pytest.mark.slow  # the map trains the suite's label classifier (once per cache)
def test_the_classifier_is_cached_deterministic_and_rebuilt_when_damaged(checkpoints, tmp_path):
    args = ("--only", "map", "--grid", "8", "--out", str(tmp_path))
    first = explore_json(checkpoints["latent2d"], *args)
    again = explore_json(checkpoints["latent2d"], *args)
    assert again["classifier"]["cached"] and again["classifier"] == {**first["classifier"], "cached": True}
    assert again["map"] == first["map"]
    Path(first["classifier"]["cache"]).write_bytes(b"not a checkpoint")
    proc = run_cli("explore", str(checkpoints["latent2d"]), "--json", *args)
    assert proc.returncode == 0 and "damaged" in proc.stderr
    rebuilt = json.loads(proc.stdout)
    assert not rebuilt["classifier"]["cached"]
    # the same seed retrains the same network
    assert rebuilt["classifier"]["test_accuracy"] == first["classifier"]["test_accuracy"]


@pytest.mark.slow  # the map trains the suite's label classifier (once per cache)
def test_the_map_puts_latent_x_in_columns_and_y_in_rows_from_minus_one_up(checkpoints):
    device = resolve_device("cpu")
    model, config = load_checkpoint_model(checkpoints["latent2d"], device)
    classifier, _ = suite_classifier(config.suite, device, 0)
    grid = class_map(model, classifier, 3, torch.zeros(2))  # axis values -1, 0, 1
    for x, col in ((-1.0, 0), (1.0, 2)):
        for y, row in ((-1.0, 0), (1.0, 2)):
            image = model.generate(torch.tensor([[x, y]]))
            assert grid[row, col] == classifier.predict(image)[0]


@pytest.mark.slow  # the map trains the suite's label classifier (once per cache)
def test_a_3d_latent_gets_sixteen_sections_along_each_axis(checkpoints, tmp_path):
    result = explore_json(checkpoints["latent3d"], "--only", "map", "--point", "0.2,-0.6,0.9", "--out", str(tmp_path))
    assert result["map"]["sections"] == 16
    assert sum(result["map"]["class_shares"].values()) == pytest.approx(1, abs=1e-3)
    assert png_size(result["files"]["map"]) == pixels(explore_plots.FIGSIZE["sections_3d"])


@pytest.mark.slow  # the map trains the suite's label classifier (once per cache)
def test_a_cgan_gets_one_map_per_class_label(checkpoints, tmp_path):
    result = explore_json(checkpoints["cgan"], "--only", "map,activations", "--grid", "6", "--label", "3",
                          "--out", str(tmp_path))
    agreement = result["map"]["agreement_with_label"]
    assert len(agreement) == 10 and all(0 <= a <= 1 for a in agreement)
    assert result["label"] == 3
    assert png_size(result["files"]["map"]) == pixels(explore_plots.FIGSIZE["conditional_maps"])


def test_a_4d_latent_is_refused_for_the_map_in_one_line_but_gets_the_other_pictures(checkpoints, tmp_path):
    proc = run_cli("explore", str(checkpoints["latent4d"]), "--out", str(tmp_path))
    assert_one_line_error(proc, "needs a 2-D or 3-D latent", "latent4d's latent is 4-D")
    assert not list(tmp_path.iterdir())  # refused before drawing anything
    result = explore_json(checkpoints["latent4d"], "--only", "flow,activations", "--out", str(tmp_path))
    assert set(result["files"]) == {"flow", "activations"}


@pytest.mark.parametrize("args, fragment", [
    (("--point", "0.5"), "--point has 1 coordinates; this model's latent has 2"),
    (("--point", "a,b"), "comma-separated numbers"),
    (("--only", "map,heatmap"), "unknown picture 'heatmap'"),
    (("--from", "1,1", "--to", "-2,-2"), "opposite directions"),
])
def test_bad_options_fail_in_one_line(checkpoints, tmp_path, args, fragment):
    proc = run_cli("explore", str(checkpoints["latent2d"]), "--only", "flow", "--out", str(tmp_path), *args)
    assert_one_line_error(proc, fragment)


def test_a_damaged_checkpoint_fails_in_one_line(tmp_path):
    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(b"\x00" * 100)
    assert_one_line_error(run_cli("explore", str(bad)), "damaged checkpoint")


def test_spherical_interpolation_keeps_the_ends_and_interpolates_the_norm():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    linear, spherical = interpolate(a, b, 5)
    assert torch.allclose(linear[0], a) and torch.allclose(linear[-1], b)
    assert torch.allclose(spherical[0], a) and torch.allclose(spherical[-1], b, atol=1e-6)
    assert torch.allclose(spherical.norm(dim=1), torch.linspace(1, 2, 5), atol=1e-6)
    angles = torch.atan2(spherical[:, 1], spherical[:, 0])
    assert torch.allclose(angles, torch.linspace(0, torch.pi / 2, 5), atol=1e-6)  # evenly along the arc


def test_the_last_activation_is_the_generated_image(checkpoints):
    model, _ = load_checkpoint_model(checkpoints["latent2d"], resolve_device("cpu"))
    point = torch.tensor([0.3, -0.7])
    layers = mean_activations(model, point, None)
    assert torch.allclose(layers[-1][1], model.generate(point[None])[0, 0], atol=1e-6)


def test_points_in_one_direction_flow_along_the_line():
    linear, spherical = interpolate(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 2.0]), 4)
    assert torch.equal(linear, spherical)
