"""The lean Inception forward, `--precision fast` and its calibration, VGG16 features for precision/recall,
a generator module as input, and the refusals around them (statistics of another protocol, images of
another size)."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import torch
import torchvision
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

from ganbench.core.config import Settings
from ganbench.core.fileio import file_hash
from ganbench.data import load_folder
from ganbench.metrics.features import extractor as features_module
from ganbench.metrics.fidelity import fid, precision_recall
from ganbench.metrics.features.inception import build_extractor, resolve_weights
from ganbench.metrics.features.inception_net import LeanInception, tf1_resize
from ganbench.metrics.scorer import Scorer
from ganbench.metrics.features.vgg16 import PR_LAYER, VGG16Features
from ganbench.models.registry import get_model
from tests.helpers import assert_one_line_error, generator_module, run_cli

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def odd_sizes(quick_test):
    """Real Fashion-MNIST images at the input sizes that exercise the resize: up, down, non-square, identity."""
    base = quick_test.images[:3].expand(-1, 3, -1, -1).float()
    return [torch.nn.functional.interpolate(base, size=s, mode="bilinear").round().to(torch.uint8)
            for s in ((28, 28), (64, 48), (331, 310), (299, 299))]


def test_matrix_resize_equals_torch_fidelitys_tf1_resize(odd_sizes):
    for x in odd_sizes:
        x = x.float()
        theirs = interpolate_bilinear_2d_like_tensorflow1x(x, size=(299, 299), align_corners=False)
        ours = tf1_resize(x, 299)
        assert (ours - theirs).abs().max() < 1e-3, tuple(x.shape)  # pixel values 0..255, float32 rounding


def test_lean_inception_gives_torch_fidelitys_features(odd_sizes):
    weights = resolve_weights()
    theirs = build_extractor(weights, ("2048",)).eval()
    ours = LeanInception(theirs, ("2048",)).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        for x in odd_sizes:
            a, b = theirs(x)[0], ours(x)[0]
            assert a.abs().max() > 1  # real features, not zeros
            assert (a - b).abs().max() < 1e-4, tuple(x.shape)


def test_a_process_builds_each_network_once_and_reference_runs_torch_fidelitys_own():
    """Scoring again (a training loop calling ganbench.score) reuses the network built for the same weights,
    layers and forward pass; `reference` is torch-fidelity's own module, with its own provenance."""
    exact, again = Scorer(CPU), Scorer(CPU, seed=5)
    reference = Scorer(CPU, precision="reference")
    assert again.extract.module is exact.extract.module
    assert isinstance(exact.extract.module, LeanInception)
    own = reference.extract.module.extractor
    assert isinstance(own, FeatureExtractorInceptionV3) and own.features_list == ["2048"]
    assert reference.extract.provenance()["memory_format"] == "contiguous"
    assert exact.extract.provenance()["memory_format"] == "channels_last"


@pytest.mark.slow
def test_fast_precision_measures_its_fid_difference_from_exact(quick_train, quick_test, monkeypatch):
    # A device with native half arithmetic (a GPU), simulated on this CPU, which only emulates float16.
    monkeypatch.setattr(features_module, "half_dtype", lambda device: torch.float16)
    real, fake = quick_test.subset(6, 0), quick_train.images[:6]  # float16 is slow to emulate: few images
    fast = Scorer(CPU, metrics=("fid",), precision="fast", calibration=3)
    assert fast.extract.provenance()["compute_dtype"] == "float16"
    fast_fake, fast_real = fast.fake_from_images(fake), fast.real(real)
    result = fast.score(fast_fake, fast_real)
    check = result.precision_check

    exact = Scorer(CPU, metrics=("fid",))
    exact_fake = exact.fake_from_images(fake).pool
    exact_real = exact.real(real).features
    # The calibration is really exact, on both sides: fid_exact is the FID of exact features of the same images.
    assert torch.allclose(fast_fake.exact_head, exact_fake[:3], atol=1e-5)
    assert torch.allclose(fast_real.exact_head, exact_real[:3], atol=1e-5)
    assert check["n_fake"] == check["n_real"] == 3
    assert check["fid_fast"] == pytest.approx(fid(fast_fake.pool[:3], fast_real.features[:3]), rel=1e-9)
    assert 0 < check["relative_difference"] < 5e-3
    full_exact = fid(exact_fake, exact_real)
    assert result.metrics["fid"] == pytest.approx(full_exact, rel=5e-3)
    assert result.metrics["fid"] != full_exact  # float16 really ran
    assert result.protocol["compute_dtype"] == "float16"


GENERATOR_FILE = textwrap.dedent('''
    import torch
    from ganbench.models.registry import get_model

    def build():
        gan = get_model("dcgan").create(28, 1)
        gan.G.load_state_dict(torch.load({weights!r}, weights_only=True))
        gan.G.latent_dim = gan.latent_dim
        return gan.G

    NOT_A_MODULE = 3
''')


@pytest.fixture(scope="module")
def generator_file(tmp_path_factory):
    """A user's generator: a zoo DC-GAN's G with seeded random weights, loaded by their own code."""
    root = tmp_path_factory.mktemp("generator")
    torch.manual_seed(3)
    gan = get_model("dcgan").create(28, 1)
    torch.save(gan.G.state_dict(), root / "g.pt")
    path = root / "my_generator.py"
    path.write_text(GENERATOR_FILE.format(weights=str(root / "g.pt")))
    return path, gan


def test_generator_module_is_scored_like_the_model_it_holds(generator_file, png_sets):
    path, gan = generator_file
    real, _ = png_sets
    proc = run_cli("score", "--real", str(real), "--generator", f"{path}:build", "--n-fake", "12",
                   "--metrics", "fid", "--bootstrap", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["protocol"]["n_fake"] == 12 and result["fake"] == f"{path}:build"

    scorer = Scorer(CPU, metrics=("fid",))
    ours = scorer.score(scorer.fake_from_model(gan.eval(), 12), scorer.real(load_folder(real)))
    assert result["metrics"]["fid"] == pytest.approx(ours.metrics["fid"], rel=1e-9)
    assert result["protocol"]["id"] == ours.protocol_id


def test_generator_and_protocol_refusals(generator_file, png_sets, tmp_path):
    path, _ = generator_file
    real, _ = png_sets
    cases = [
        (["--generator", f"{tmp_path}/none.py:G", "--n-fake", "4"], "generator file not found"),
        (["--generator", f"{path}:missing", "--n-fake", "4"], "has no attribute 'missing'"),
        (["--generator", f"{path}:NOT_A_MODULE", "--n-fake", "4"], "failed: TypeError"),
        (["--generator", f"{path}:build"], "--n-fake"),
        (["--fake", str(real), "--precision", "turbo"], "unknown precision 'turbo'"),
    ]
    big = tmp_path / "big.npy"
    np.save(big, np.zeros((4, 1, 32, 32), np.uint8))
    cases.append((["--fake", str(big)], "generated images are 32x32, real ones 28x28"))
    for args, fragment in cases:
        assert_one_line_error(run_cli("score", "--real", str(real), *args), fragment)


def test_statistics_from_another_protocol_are_refused(png_sets, tmp_path):
    """A file ganbench wrote with clean-fid's pipeline cannot serve as torch-fidelity's reference."""
    _, fake = png_sets
    feats = np.random.default_rng(0).normal(size=(64, 2048))
    protocol = {"backend": "clean-fid", "mode": "clean", "extractor": "nvlabs-inception-2015-12-05"}
    stats = tmp_path / "clean.npz"
    np.savez(stats, mu=feats.mean(0), sigma=np.cov(feats, rowvar=False), n=64, protocol=json.dumps(protocol))
    proc = run_cli("score", "--real-stats", str(stats), "--fake", str(fake), "--metrics", "fid")
    assert_one_line_error(proc, "backend='clean-fid'", "'torch-fidelity'")


@pytest.fixture(scope="module")
def vgg16_file(tmp_path_factory):
    """A file in torchvision's VGG16 format. Its weights are a seeded random initialisation: the ImageNet
    file cannot be had offline, and these tests compare two pipelines on the same weights, never a value."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("vgg") / "vgg16.pth"
    torch.save({k: v.half() for k, v in torchvision.models.vgg16().state_dict().items()}, path)
    return path


def test_vgg16_features_equal_torch_fidelitys_extractor(vgg16_file, odd_sizes):
    from torch_fidelity.feature_extractor_vgg16 import FeatureExtractorVGG16

    theirs = FeatureExtractorVGG16("vgg16", ["fc2_relu"], feature_extractor_weights_path=str(vgg16_file))
    ours = VGG16Features(vgg16_file, CPU)
    for x in odd_sizes[:3]:
        with torch.inference_mode():
            a = theirs(x)[0]
        b = ours(x, len(x), "vgg16")[PR_LAYER]
        assert a.abs().max() > 0
        assert (a - b).abs().max() <= 1e-4 * a.abs().max(), tuple(x.shape)


@pytest.mark.slow
def test_precision_recall_use_vgg16_features_where_present(vgg16_file, quick_train, quick_test, capfd):
    scorer = Scorer(CPU, metrics=("pr",), vgg16_weights=str(vgg16_file), settings=Settings(bootstrap=0))
    assert "VGG16" not in capfd.readouterr().err  # no substitute, nothing to warn of
    real = scorer.real(quick_test.subset(12, 0))
    fake = scorer.fake_from_images(quick_train.images[:12])
    result = scorer.score(fake, real)
    assert result.protocol["pr_features"] == "vgg16-torchvision/fc2_relu"
    assert result.protocol["pr_network"]["weights_sha256"] == file_hash(vgg16_file)
    vgg = VGG16Features(vgg16_file, CPU)
    expected = precision_recall(vgg(quick_train.images[:12].expand(-1, 3, -1, -1), 12, "fake")[PR_LAYER],
                                real.pr_features, 3)
    assert result.metrics["precision"] == expected["precision"]
    assert result.metrics["recall"] == expected["recall"]
    # The same metric without the weights: Inception features, another protocol id; FID's features are the same.
    plain = Scorer(CPU, metrics=("pr",), settings=Settings(bootstrap=0))
    plain_fake = plain.fake_from_images(quick_train.images[:12])
    other = plain.score(plain_fake, plain.real(quick_test.subset(12, 0)))
    assert other.protocol["pr_features"] == "inception-v3-compat/2048"
    assert other.protocol_id != result.protocol_id
    assert torch.equal(plain_fake.pool, fake.pool)


PRINTING_GENERATOR = generator_module(on_import='print("loading my generator")',
                                      on_forward='print("generating", len(z))')


def test_a_generator_that_prints_leaves_stdout_to_the_json(png_sets, tmp_path):
    real, _ = png_sets
    path = tmp_path / "chatty.py"
    path.write_text(PRINTING_GENERATOR)
    proc = run_cli("score", "--real", str(real), "--generator", f"{path}:build", "--n-fake", "8",
                   "--metrics", "fid", "--bootstrap", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["protocol"]["n_fake"] == 8  # nothing but JSON on stdout
    assert "loading my generator" in proc.stderr and "generating" in proc.stderr


@pytest.mark.parametrize("code, fragment", [
    ("import sys\nsys.exit(0)\n", "it called sys.exit(0)"),
    ("raise KeyboardInterrupt\n", "it raised KeyboardInterrupt"),
], ids=["sys-exit-0", "keyboard-interrupt"])
def test_a_generator_module_that_exits_is_an_error_not_a_pass(png_sets, tmp_path, code, fragment):
    real, _ = png_sets
    path = tmp_path / "quits.py"
    path.write_text(code)
    proc = run_cli("score", "--real", str(real), "--generator", f"{path}:G", "--n-fake", "4", "--json")
    assert_one_line_error(proc, f"cannot import {path}", fragment)
    assert proc.stdout == ""
