"""The model registry: built-in families, an external plugin, a broken plugin, unknown names."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
import torch

from ganbench.core.errors import GanbenchError
from ganbench.models.registry import ModelSpec, get_model, load_zoo
from tests.helpers import assert_one_line_error, run_cli, run_cli_process

PLUGIN_MODULE = textwrap.dedent('''
    from dataclasses import replace
    from torch import nn
    from ganbench.models.registry import ModelSpec
    from zoo.common import BCEGAN

    class G(nn.Module):
        def __init__(self, latent, res, ch):
            super().__init__()
            self.shape = (ch, res, res)
            self.net = nn.Sequential(nn.Linear(latent, ch * res * res), nn.Tanh())
        def forward(self, z):
            return self.net(z).view(len(z), *self.shape)

    class D(nn.Module):
        def __init__(self, res, ch):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(ch * res * res, 1))
        def forward(self, x):
            return self.net(x).squeeze(1)

    def build(res, ch, h):
        return BCEGAN(G(h["latent_dim"], res, ch), D(res, ch), h)

    SPEC = ModelSpec(name="tinygan", family="tiny", source="a test plugin", build=build,
                     defaults={"latent_dim": 8, "lr_g": 1e-3, "lr_d": 1e-3, "batch_size": 8, "epochs": 1})

    class Buggy(BCEGAN):  # a plugin with a bug in its step: ganbench's internal-error path
        def train_step(self, batch, optimizers, step):
            return {"loss_d": 1 / 0}

    class Diverging(BCEGAN):  # a step whose loss is no number: a diverged model, which is the user's news
        def train_step(self, batch, optimizers, step):
            losses = super().train_step(batch, optimizers, step)
            return {**losses, "loss_g": float("nan")} if step >= 2 else losses

    BUGGY = [replace(SPEC, name="buggygan", build=lambda res, ch, h: Buggy(G(h["latent_dim"], res, ch), D(res, ch), h)),
             replace(SPEC, name="diverginggan",
                     build=lambda res, ch, h: Diverging(G(h["latent_dim"], res, ch), D(res, ch), h))]
''')


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    """A real installed distribution (dist-info with entry points) providing one good and one broken model."""
    (tmp_path / "tinyplugin.py").write_text(PLUGIN_MODULE)
    (tmp_path / "brokenplugin.py").write_text("import a_module_that_does_not_exist\n")
    dist = tmp_path / "tinyplugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[ganbench.models]\ntinygan = tinyplugin:SPEC\nbroken = brokenplugin:SPEC\nbuggy = tinyplugin:BUGGY\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    load_zoo.cache_clear()
    yield tmp_path
    load_zoo.cache_clear()
    sys.modules.pop("tinyplugin", None)


def test_builtin_families_are_registered_through_entry_points():
    zoo = load_zoo()
    assert {"fcgan", "dcgan"} <= set(zoo.models)
    assert zoo.models["dcgan"].plugin == "ganbench"
    assert all(isinstance(s, ModelSpec) for s in zoo.models.values())


def test_models_take_resolution_and_channels_from_the_suite():
    for name in ("fcgan", "dcgan"):
        for res, ch in ((28, 1), (32, 3), (64, 3)):
            model = get_model(name).create(res, ch)
            out = model.sample(2, torch.Generator().manual_seed(0))
            assert out.shape == (2, ch, res, res)
            assert out.min() >= -1 and out.max() <= 1  # tanh output
            assert model.D(out).shape == (2,)


def test_seed_002_hyperparameters():
    for name in ("fcgan", "dcgan"):
        d = get_model(name).defaults
        assert (d["lr_g"], d["lr_d"], tuple(d["betas"])[0], d["batch_size"], d["epochs"]) == (2e-4, 2e-4, 0.5, 16, 10)
    fc = get_model("fcgan").create(28, 1)
    assert sum(isinstance(m, torch.nn.Linear) for m in fc.G.modules()) == 4
    assert sum(isinstance(m, torch.nn.Linear) for m in fc.D.modules()) == 4
    dc = get_model("dcgan").create(28, 1)
    convs = (torch.nn.Conv2d, torch.nn.ConvTranspose2d)
    assert sum(isinstance(m, convs) for m in dc.G.modules()) == 4
    assert sum(isinstance(m, convs) for m in dc.D.modules()) == 4
    lrelu = [m.negative_slope for m in dc.D.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert len(lrelu) == 4 and set(lrelu) == {0.2}


def test_unknown_model_names_the_known_ones():
    with pytest.raises(GanbenchError, match=r"unknown model 'nope' \(known: .*dcgan.*fcgan"):
        get_model("nope")


def test_external_plugin_is_discovered_and_broken_one_is_reported(plugin_path):
    zoo = load_zoo()
    assert zoo.models["tinygan"].plugin == "tinyplugin"
    assert "broken" in zoo.broken and "ModuleNotFoundError" in zoo.broken["broken"]
    with pytest.raises(GanbenchError, match="model plugin 'broken' failed to load"):
        get_model("broken")
    model = get_model("tinygan").create(28, 1)
    assert model.sample(3).shape == (3, 1, 28, 28)


def test_cli_lists_plugin_and_survives_broken_one(plugin_path):
    proc = run_cli_process("zoo", "--json", env={"PYTHONPATH": str(plugin_path)})
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    names = {m["name"]: m for m in listing["models"]}
    assert {"fcgan", "dcgan", "tinygan"} <= set(names)
    assert names["tinygan"]["params"]["64x64x3"]["G"] == 8 * 64 * 64 * 3 + 64 * 64 * 3
    assert "broken" in listing["broken_plugins"]
    proc = run_cli_process("train", "broken", "--suite", "fashion-mnist-smoke", env={"PYTHONPATH": str(plugin_path)})
    assert_one_line_error(proc, "broken")


def test_zoo_json_parameter_counts_match_the_modules():
    proc = run_cli("zoo", "--json")
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    by_name = {m["name"]: m for m in listing["models"]}
    for name in ("fcgan", "dcgan"):
        model = get_model(name).create(28, 1)
        counts = by_name[name]["params"]["28x28x1"]
        assert counts["G"] == sum(p.numel() for p in model.G.parameters())
        assert counts["D"] == sum(p.numel() for p in model.D.parameters())
        assert by_name[name]["source"].startswith("McGinney et al., General Adversarial Networks")


def test_a_bug_is_an_internal_error_exit_70_and_debug_shows_its_traceback(plugin_path):
    env = {"PYTHONPATH": str(plugin_path)}
    args = ("train", "buggygan", "--suite", "fashion-mnist-smoke", "--steps", "3", "--out", str(plugin_path / "o"))
    proc = run_cli_process(*args, env=env)
    last = assert_one_line_error(proc, "ZeroDivisionError", "GANBENCH_DEBUG=1", code=70)
    assert last.startswith("internal error: ")
    debug = run_cli_process(*args, env={**env, "GANBENCH_DEBUG": "1"})
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "1 / 0" in debug.stderr


def test_a_diverged_model_is_a_one_line_error_exit_2_through_the_cli(plugin_path):
    proc = run_cli_process("train", "diverginggan", "--suite", "fashion-mnist-smoke", "--steps", "6",
                           "--out", str(plugin_path / "o"), env={"PYTHONPATH": str(plugin_path)})
    assert_one_line_error(proc, "training diverged", "loss_g is nan at step 3")
