"""The 64x64 zoo (Bury, 2024, and Wang et al.): the structural facts the papers state, their training steps, and that
each model trains on real 64x64 Fashion-MNIST and scores through `ganbench score`."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganbench.models.base import Batch, count_parameters
from ganbench.models.registry import get_model
from tests.helpers import needs_full_fashion_mnist, run_cli
from zoo.blocks import BasicBlock, SelfAttention, has_spectral_norm

MODELS_64 = ("sagan", "dcgan64", "wgan", "wgan-sn", "wgan-sa", "wgan-res", "wgan-improved")
CONVS = (nn.Conv2d, nn.ConvTranspose2d)


def build(name: str, channels: int = 3):
    torch.manual_seed(0)
    return get_model(name).create(64, channels)


def convs(module: nn.Module, inside_attention: bool = False) -> list[nn.Module]:
    """The (transposed) convolutions of a network, without the attention blocks' 1x1 ones unless asked."""
    attention = {id(c) for a in module.modules() if isinstance(a, SelfAttention) for c in a.modules()}
    return [m for m in module.modules() if isinstance(m, CONVS) and (inside_attention or id(m) not in attention)]


def attention_inputs(net: nn.Module, x: torch.Tensor) -> list[tuple[int, ...]]:
    """The shape (C, H, W) each self-attention block of `net` sees, in order."""
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(i[0].shape[1:])))
             for m in net.modules() if isinstance(m, SelfAttention)]
    net.eval()
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    return shapes


@pytest.mark.parametrize("name", MODELS_64)
@pytest.mark.parametrize("channels", [1, 3])
def test_every_model_makes_64x64_images_with_the_suite_channels(name, channels):
    model = build(name, channels)
    z = torch.randn(4, model.latent_dim)
    assert model.latent_dim == 100
    images = model.G(z)
    assert images.shape == (4, channels, 64, 64)
    assert images.abs().max() <= 1  # tanh
    assert model.D(images).shape == (4,)


def test_sagan_follows_seed_000():
    model = build("sagan")
    for net in (model.G, model.D):
        assert len(convs(net)) == 5  # "five convolution layers"
        assert all(has_spectral_norm(c) for c in convs(net, inside_attention=True))  # "each convolution layer"
        assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
        assert [m.gamma.item() for m in net.modules() if isinstance(m, SelfAttention)] == [0.0]
    # "between the third and fourth layers": G's third layer makes 128x16x16, D's third 256x8x8
    assert attention_inputs(model.G, torch.randn(2, 100)) == [(128, 16, 16)]
    assert attention_inputs(model.D, torch.randn(2, 3, 64, 64)) == [(256, 8, 8)]
    assert any(isinstance(m, nn.ReLU) for m in model.G.modules())
    assert [m.negative_slope for m in model.D.modules() if isinstance(m, nn.LeakyReLU)] == [0.2] * 4
    opt = model.configure_optimizers()
    assert isinstance(opt["G"], torch.optim.Adam) and isinstance(opt["D"], torch.optim.Adam)
    assert (opt["G"].defaults["lr"], opt["D"].defaults["lr"]) == (1e-4, 4e-4)
    assert opt["D"].defaults["betas"] == (0.5, 0.999)


def test_sagan_step_adds_a_gradient_penalty(quick_train):
    model = build("sagan", 1)
    real = quick_train.images[:8].float().div(127.5).sub(1)
    real = nn.functional.interpolate(real, size=64, mode="bilinear")
    fake = model.G(torch.randn(8, 100)).detach()
    penalty = model.discriminator_penalty(real, fake)
    assert penalty.item() > 0 and penalty.requires_grad  # it trains D
    logged = model.train_step(Batch(real), model.configure_optimizers(), 0)
    assert {"loss_d", "loss_g", "penalty"} <= set(logged)


def test_improved_wgan_follows_seed_001():
    model = build("wgan-improved")
    G, D = model.G, model.D
    # "the input 100-dimensional noise is converted into a tensor with a size of 64x2x2 by a linear layer"
    assert (G.project.in_features, G.project.out_features) == (100, 64 * 2 * 2)
    blocks = [m for m in G.modules() if isinstance(m, BasicBlock)]
    seen = []
    hooks = [b.register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape[1:]))) for b in blocks]
    G.eval()
    with torch.no_grad():
        G(torch.randn(2, 100))
    for h in hooks:
        h.remove()
    assert seen == [(64, 2, 2), (64, 4, 4), (64, 8, 8), (64, 16, 16)]  # four stages, each upsampling x2
    assert attention_inputs(G, torch.randn(2, 100)) == [(64, 4, 4), (64, 8, 8), (64, 16, 16), (64, 32, 32)]
    assert attention_inputs(D, torch.randn(2, 3, 64, 64)) == []  # attention in the generator only
    # spectral norm on every convolution of the residual blocks, and only there
    in_blocks = {id(c) for b in model.modules() if isinstance(b, BasicBlock) for c in convs(b)}
    for net in (G, D):
        for c in convs(net, inside_attention=True):
            assert has_spectral_norm(c) == (id(c) in in_blocks)
    # D: a 3x3 convolution from 3 to 64 channels at 64x64, five stages halving to 2x2, one linear score
    assert (D.stem.in_channels, D.stem.out_channels, D.stem.kernel_size) == (3, 64, (3, 3))
    assert len([m for m in D.modules() if isinstance(m, BasicBlock)]) == 5
    assert len([m for m in D.modules() if isinstance(m, nn.AvgPool2d)]) == 5
    assert (D.score.in_features, D.score.out_features) == (64 * 2 * 2, 1)
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())  # a Wasserstein critic (docs/zoo.md)
    opt = model.configure_optimizers()
    assert all(isinstance(o, torch.optim.RMSprop) and o.defaults["lr"] == 5e-5 for o in opt.values())
    assert model.hparams["batch_size"] == 32


def test_ablations_add_one_change_each():
    def facts(name):
        m = build(name)
        every = convs(m.G, True) + convs(m.D, True)
        return {
            "residual": any(isinstance(x, BasicBlock) for x in m.modules()),
            "sn": any(has_spectral_norm(c) for c in every),
            "sn_everywhere": all(has_spectral_norm(c) for c in every),
            "attention_g": len([x for x in m.G.modules() if isinstance(x, SelfAttention)]),
            "attention_d": len([x for x in m.D.modules() if isinstance(x, SelfAttention)]),
        }

    assert facts("wgan") == dict(residual=False, sn=False, sn_everywhere=False, attention_g=0, attention_d=0)
    assert facts("wgan-sn") == dict(residual=False, sn=True, sn_everywhere=True, attention_g=0, attention_d=0)
    assert facts("wgan-sa") == dict(residual=False, sn=False, sn_everywhere=False, attention_g=4, attention_d=0)
    assert facts("wgan-res") == dict(residual=True, sn=False, sn_everywhere=False, attention_g=0, attention_d=0)
    assert facts("wgan-improved") == dict(residual=True, sn=True, sn_everywhere=False, attention_g=4, attention_d=0)
    assert facts("dcgan64") == facts("wgan")  # the same networks; only the objective differs
    wgan, dcgan = build("wgan"), build("dcgan64")
    assert count_parameters(wgan) == count_parameters(dcgan)
    assert len(convs(wgan.G)) == len(convs(wgan.D)) == 5


def test_wgan_step_clips_the_critic_and_updates_g_every_n_critic_steps(quick_train):
    model = build("wgan", 1)
    opt = model.configure_optimizers()
    real = nn.functional.interpolate(quick_train.images[:32].float().div(127.5).sub(1), size=64)
    g_before = [p.detach().clone() for p in model.G.parameters()]
    model.train_step(Batch(real), opt, 1)  # not a G step (1 % 5)
    assert all(torch.equal(a, b) for a, b in zip(g_before, model.G.parameters()))
    assert max(p.abs().max().item() for p in model.D.parameters()) <= 0.01
    logged = model.train_step(Batch(real), opt, 5)  # a G step
    assert not all(torch.equal(a, b) for a, b in zip(g_before, model.G.parameters()))
    assert logged["wasserstein"] == pytest.approx(-logged["loss_d"])


def test_zoo_json_lists_every_64x64_model_with_g_and_d_counts():
    proc = run_cli("zoo", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = {m["name"]: m for m in json.loads(proc.stdout)["models"]}
    for name in MODELS_64:
        model = build(name, 3)
        assert listed[name]["params"]["64x64x3"] == {"G": count_parameters(model.G), "D": count_parameters(model.D)}
        assert set(listed[name]["params"]) == {"64x64x1", "64x64x3"}  # fashion-mnist64 and celeba64 / ore


@pytest.mark.slow
@needs_full_fashion_mnist
@pytest.mark.parametrize("name", MODELS_64)
def test_each_model_trains_on_fashion_mnist64_and_its_checkpoint_scores(name, tmp_path):
    """Two steps on the full 64x64 Fashion-MNIST; scored against the smoke suite's 50 real images (the same
    images at the same size, test_data64 checks), as fashion-mnist64's 10,000 would take half an hour here. KID
    scores the checkpoint's images as FID would (the same Inception features), without a 2048 x 2048
    eigendecomposition per model."""
    proc = run_cli("train", name, "--suite", "fashion-mnist64", "--steps", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    ckpt = next(tmp_path.glob("runs/fashion-mnist64/*/checkpoint.pt"))
    log = [json.loads(line) for line in (ckpt.parent / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2]
    assert all(torch.isfinite(torch.tensor(v)) for r in log for v in r.values())
    proc = run_cli("score", "--checkpoint", str(ckpt), "--suite", "fashion-mnist64-smoke", "--n-fake", "10",
                   "--metrics", "kid", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["protocol"]["n_fake"] == 10 and result["model"] == name
    assert 0 < result["metrics"]["kid_mean"] < 10  # two steps from noise: far from the real images
