"""Korotka et al.'s zoo: exact parameter counts, shapes, the activation variants training on real data, the CGAN's
labels, and MODEL:VARIANT names through the registry, the run folders and `ganbench zoo`."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.data.quantize import to_unit
from ganbench.models.base import Batch, count_keras_total, count_parameters
from ganbench.models.registry import get_model
from ganbench.pipeline.run import plan_run
from ganbench.suites import get_suite, suite_data
from tests.helpers import run_cli
from zoo.korotka import ACTIVATIONS

# Table 3 of the paper: trainable G, Keras' total for G (BatchNorm's running statistics included), D.
PAPER = {
    "latent2d": (1_076_160, 1_101_632, 212_865),
    "latent3d": (1_088_704, 1_114_176, 212_865),
    "latent4d": (1_101_248, 1_126_720, 212_865),
    "cgan": (1_088_734, 1_114_206, 220_705),
}
LANDSCAPE_G_KERAS, LANDSCAPE_D_PAPER, LANDSCAPE_D_OURS = 10_729_344, 2_563_713, 2_567_169
SHAPES = {"latent2d": (28, 1), "latent3d": (28, 1), "latent4d": (28, 1), "cgan": (28, 1), "landscape": (64, 3)}


def build(name: str):
    torch.manual_seed(0)
    res, ch = SHAPES[name.partition(":")[0]]
    return get_model(name).create(res, ch)


@pytest.fixture(scope="module")
def real_batches() -> dict[tuple[int, int], Batch]:
    """8 real labelled Fashion-MNIST images at each size the family trains on, in [-1, 1]."""
    out = {}
    for suite in ("fashion-mnist-latent-smoke", "fashion-mnist64-smoke"):
        data = suite_data(get_suite(suite), "train")
        for ch in {1, 3}:
            images = data.images[:8] if ch == 1 else data.images[:8].expand(-1, 3, -1, -1)
            out[(data.resolution, ch)] = Batch(to_unit(images), data.labels[:8])
    return out


@pytest.mark.parametrize("name", list(PAPER))
def test_parameter_counts_are_the_papers_exactly(name):
    trainable_g, keras_g, d = PAPER[name]
    model = build(name)
    assert count_parameters(model.G) == trainable_g
    assert count_keras_total(model.G) == keras_g
    assert count_parameters(model.D) == count_keras_total(model.D) == d  # D has no batch normalisation


def test_landscape_generator_matches_table_4_and_its_discriminator_is_the_documented_nearest():
    model = build("landscape")
    assert count_keras_total(model.G) == LANDSCAPE_G_KERAS
    assert count_parameters(model.G) == LANDSCAPE_G_KERAS - (16384 + 512 + 256 + 256 + 128) * 2
    assert count_parameters(model.D) == LANDSCAPE_D_OURS
    assert LANDSCAPE_D_OURS - LANDSCAPE_D_PAPER == 3456  # the difference docs/zoo.md states
    layers = [m for m in model.G.modules() if isinstance(m, (nn.Linear, nn.ConvTranspose2d))]
    assert [m.out_features if isinstance(m, nn.Linear) else m.out_channels for m in layers] == [
        8 * 8 * 256, 512, 256, 256, 128, 3]
    assert all(m.bias is None for m in layers)  # the Keras layout has no biases in G


@pytest.mark.parametrize("name", list(SHAPES))
def test_output_shapes(name):
    model = build(name).eval()
    res, ch = SHAPES[name]
    images = model.sample(5, torch.Generator().manual_seed(1))
    assert images.shape == (5, ch, res, res) and images.abs().max() <= 1  # tanh
    labels = torch.arange(5) if model.num_classes else None
    logits = model.discriminate(images, labels)
    assert logits.shape == (5,)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("name", list(SHAPES))
def test_every_activation_variant_builds_and_trains_a_step_on_real_data(name, activation, real_batches):
    model = build(f"{name}:{activation}")
    assert model.hparams["activation"] == activation
    kinds = {type(m) for m in model.modules()}
    assert type(ACTIVATIONS[activation](4)) in kinds and nn.Tanh in kinds
    others = {type(ACTIVATIONS[a](4)) for a in ACTIVATIONS if a != activation}
    assert not kinds & others  # the variant replaces every hidden activation, in G and D
    res, ch = SHAPES[name]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    logged = model.train_step(real_batches[(res, ch)], model.configure_optimizers(), 0)
    assert set(logged) == {"loss_d", "loss_g", "d_real", "d_fake"}
    assert all(torch.isfinite(torch.tensor(v)) for v in logged.values())
    after = model.state_dict()
    for net in ("G.", "D."):  # both networks were updated by the one-tape step
        assert any(not torch.equal(before[k], after[k]) for k in after if k.startswith(net))


def test_the_cgan_conditions_on_labels_and_needs_labelled_data(real_batches):
    model = build("cgan").eval()
    z = torch.zeros(2, 3).normal_(generator=torch.Generator().manual_seed(0))
    a = model.generate(z, torch.tensor([0, 0]))
    b = model.generate(z, torch.tensor([7, 7]))
    assert not torch.allclose(a, b)  # the label changes the image of the same noise
    first = model.sample(20, torch.Generator().manual_seed(3))
    assert torch.equal(first, model.sample(20, torch.Generator().manual_seed(3)))  # seeded labels and noise
    with pytest.raises(GanbenchError, match="needs a class label"):
        model.generate(z)
    unlabelled = Batch(real_batches[(28, 1)].images)
    with pytest.raises(GanbenchError, match="labelled data"):
        model.train(True).train_step(unlabelled, model.configure_optimizers(), 0)


def test_tensorflow_tutorial_hyperparameters_and_the_papers_budgets():
    for name, epochs in (("latent2d", 5000), ("latent3d", 2000), ("latent4d", 1000)):
        h = get_model(name).defaults
        assert (h["latent_dim"], h["epochs"]) == (int(name[6]), epochs)
        assert (h["lr_g"], h["lr_d"], tuple(h["betas"]), h["eps"], h["batch_size"]) == (1e-4, 1e-4, (0.9, 0.999),
                                                                                           1e-7, 256)
    assert get_model("cgan").defaults["steps"] == 60000
    assert get_model("landscape").defaults["latent_dim"] == 100


def test_variant_names_resolve_and_unknown_ones_fail_in_one_line(tmp_path, quick_train):
    spec = get_model("latent4d:prelu")
    assert spec.name == "latent4d:prelu" and spec.defaults["activation"] == "prelu"
    assert get_model("latent4d").defaults["activation"] == "leakyrelu"  # the base is unchanged
    with pytest.raises(GanbenchError, match="no variant 'swish'.*relu, leakyrelu, prelu, elu"):
        get_model("latent4d:swish")
    with pytest.raises(GanbenchError, match="model 'dcgan' has no variant 'relu' \\(its variants: none\\)"):
        get_model("dcgan:relu")
    with pytest.raises(GanbenchError, match="unknown activation 'tanh'"):
        get_model("latent2d").create(28, 1, {"activation": "tanh"})
    with pytest.raises(GanbenchError, match="makes 28x28 images, not 64x64"):
        get_model("latent2d").create(64, 1)
    plan = plan_run("latent4d:prelu", get_suite("fashion-mnist-latent-smoke"), 0, tmp_path, quick_train)
    assert plan.run_dir.name.startswith("latent4d-prelu-seed0-") and plan.config.model == "latent4d:prelu"
    assert plan.config.hparams["activation"] == "prelu"


def test_zoo_json_lists_trainable_and_keras_counts_and_the_variants():
    proc = run_cli("zoo", "--json")
    assert proc.returncode == 0, proc.stderr
    models = {m["name"]: m for m in json.loads(proc.stdout)["models"]}
    for name, (trainable_g, keras_g, d) in PAPER.items():
        assert models[name]["params"]["28x28x1"] == {"G": trainable_g, "D": d}
        assert models[name]["params_keras_total"]["28x28x1"] == {"G": keras_g, "D": d}
        assert models[name]["variants"] == list(ACTIVATIONS)
    assert models["landscape"]["params_keras_total"]["64x64x3"]["G"] == LANDSCAPE_G_KERAS
    assert models["dcgan"]["variants"] == []


def test_the_papers_parameter_counts_stand_beside_ours_on_any_data_set_but_its_errors_do_not():
    from ganbench.results.leaderboard import suite_published
    from ganbench.results.published import load_published

    pub = suite_published(load_published(), get_suite("fashion-mnist-latent-smoke"))
    counts = {(r["model"], r["metric"]): r["value"] for r in pub.to_dict("records")}
    for name, (trainable_g, keras_g, d) in PAPER.items():  # structural: the data set does not matter
        assert counts[(name, "params-g")] == keras_g and counts[(name, "params-g-trainable")] == trainable_g
    assert not (pub["metric"] == "ic-strong-error").any()  # MNIST's classifier errors: not on Fashion-MNIST
    assert not (pub["model"] == "landscape").any()  # another image size


def test_landscape_photos_of_any_size_become_centred_64x64_squares(tmp_path, monkeypatch, quick_train):
    from PIL import Image

    from ganbench.data import load_data

    folder = tmp_path / "landscape"
    folder.mkdir()
    photo = quick_train.images[0, 0].numpy()  # a real 28x28 image, pasted into wide and tall RGB photos
    for name, size in (("wide.png", (120, 80)), ("tall.jpg", (50, 90))):
        canvas = Image.new("RGB", size, (10, 200, 30))
        canvas.paste(Image.fromarray(photo).convert("RGB"), ((size[0] - 28) // 2, (size[1] - 28) // 2))
        canvas.save(folder / name)
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path))
    data = load_data("landscape64")
    assert data.images.shape == (2, 3, 64, 64)
    corners = data.images[:, :, 0, 0].int()  # the green border (JPEG moves it a little): a centred crop
    assert ((corners - torch.tensor([10, 200, 30])).abs() <= 8).all(), corners
    centre = data.images[:, :, 28:36, 28:36].int()  # the gray photo, pasted in the middle, is in the middle
    assert ((centre[:, 0] - centre[:, 1]).abs() < 40).float().mean() > 0.9
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(GanbenchError, match="landscape photos not found"):
        load_data("landscape64")
