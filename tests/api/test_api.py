"""The Python API: `ganbench.score` on folders, arrays, tensors and generators equals `ganbench score` and
torch-fidelity's own `calculate_metrics`; errors are exceptions; the public surface is pinned; docs/api.md runs."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch_fidelity

import ganbench
from ganbench.metrics.features.inception import resolve_weights
from ganbench.metrics.uncertainty import fid_between_halves
from tests.helpers import generator_module, run_cli

ROOT = Path(__file__).resolve().parents[2]

PUBLIC = ["Batch", "Direction", "GAN", "GanbenchError", "Interrupted", "Metric", "MetricKind", "ModelSpec", "Noise",
          "Record", "Setting", "ScoreResult", "__version__", "compare", "leaderboard", "load_records", "register_metric", "register_model",
          "run_suite", "score", "zoo"]


def test_the_public_surface_is_what_docs_api_names():
    """A name added to or dropped from `ganbench.__all__` by accident fails here; each resolves, and each one
    docs/api.md's table names is in it."""
    assert sorted(ganbench.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(ganbench, name) is not None, name
    table = re.findall(r"^\| `(\w+)\(", (ROOT / "docs" / "api.md").read_text(), re.M)
    assert set(table) <= set(PUBLIC) and len(table) == 8
    with pytest.raises(AttributeError):
        ganbench.nothing_of_the_kind  # noqa: B018


def test_importing_ganbench_leaves_the_heavy_modules_for_first_use():
    import subprocess

    code = "import sys, ganbench; print('torch' in sys.modules, ganbench.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", ganbench.__version__]


def _cli_json(*args) -> dict:
    proc = run_cli("score", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _cli_values(*args) -> dict:
    return _cli_json(*args)["metrics"]


def _same(api: ganbench.ScoreResult, cli: dict,
          keys: tuple[str, ...] = ("fid", "fid_ci_low", "fid_ci_high", "kid_mean", "kid_std")) -> None:
    for key in keys:
        assert api.metrics[key] == pytest.approx(cli[key], rel=1e-12, abs=0), key


@pytest.fixture(scope="module")
def pixels(png_sets):
    """The PNG folders' images as uint8 N x 28 x 28 arrays, in file order (the order a folder is read in)."""
    from PIL import Image

    real, fake = png_sets
    return tuple(np.stack([np.asarray(Image.open(p)) for p in sorted(d.glob("*.png"))]) for d in (real, fake))


def _equals_torch_fidelity(exact: ganbench.ScoreResult, reference: ganbench.ScoreResult, real: Path,
                           fake: Path) -> None:
    """torch-fidelity's own calculate_metrics on the same folders, with the same weights.

    `reference` runs torch-fidelity's own forward pass: FID, KID and KID's spread to 1e-6 relative (they are
    equal bit for bit in one process). `exact` folds batch normalisation into the convolutions, so its features
    equal torch-fidelity's to float32 rounding: FID to 1e-6; KID, a difference of float32 kernel means about a
    thousand times larger than itself on these two real sets, magnifies that rounding to a few 1e-6 relative
    (measured 2e-6 to 6e-6), as much as torch-fidelity's own float32 KID differs from the same kernels summed
    in float64 (3e-6 here) and a thousandth of KID's own noise."""
    theirs = torch_fidelity.calculate_metrics(
        input1=str(fake), input2=str(real), cuda=False, fid=True, kid=True, kid_subset_size=12, rng_seed=0,
        feature_extractor_weights_path=str(resolve_weights().path), verbose=False, cache=False, save_cpu_ram=True,
    )
    for key, peer in (("fid", "frechet_inception_distance"), ("kid", "kernel_inception_distance_mean")):
        assert reference.values[key] == pytest.approx(theirs[peer], rel=1e-6), key
    assert reference.metrics["kid_std"] == pytest.approx(theirs["kernel_inception_distance_std"], rel=1e-6)
    assert exact.values["fid"] == pytest.approx(theirs["frechet_inception_distance"], rel=1e-6)
    assert exact.values["kid"] == pytest.approx(theirs["kernel_inception_distance_mean"], rel=2e-5)
    assert exact.metrics["kid_std"] == pytest.approx(theirs["kernel_inception_distance_std"], rel=2e-5)
    assert abs(exact.values["kid"] - theirs["kernel_inception_distance_mean"]) < 1e-3 * exact.metrics["kid_std"]
    assert reference.protocol_id != exact.protocol_id  # different arithmetic: never ranked together


@pytest.mark.slow
def test_score_on_arrays_and_tensors_equals_the_cli_on_folders_and_torch_fidelity(png_sets, pixels):
    real, fake = png_sets
    real_px, fake_px = pixels
    printed = _cli_json("--real", str(real), "--fake", str(fake), "--kid-subset-size", "12")
    cli = printed["metrics"]
    on_folders = ganbench.score(real, fake, kid_subset_size=12)
    _same(on_folders, cli)
    reference = ganbench.score(real, fake, kid_subset_size=12, precision="reference")
    _equals_torch_fidelity(on_folders, reference, real, fake)
    # What `ganbench score --json` says of those numbers: the protocol, the weights, the environment.
    p = printed["protocol"]
    assert (p["n_real"], p["n_fake"], p["settings"]["kid_subset_size"]) == (24, 24, 12)
    assert p["backend"] == "torch-fidelity" and p["backend_version"] == torch_fidelity.__version__
    assert p["weights_sha256"] == resolve_weights().sha256 and p["id"] == on_folders.protocol_id
    assert any("rank-deficient" in n for n in printed["notes"])
    for key in ("device", "ganbench_version", "git_commit", "torch_version", "created"):
        assert key in printed["environment"]
    assert cli["fid"] > 10  # test and train images of different items are far apart at 24 samples
    # A uint8 N x C x H x W tensor against a float N x H x W x C array in [0, 1], its range said.
    floats = ganbench.score(torch.from_numpy(real_px)[:, None], fake_px[..., None].astype(np.float32) / 255,
                            value_range=(0, 1), kid_subset_size=12)
    _same(floats, cli)
    assert floats.n_fake == 24 and floats.n_real == 24 and floats.values["fid"] == cli["fid"]
    low, high = floats.intervals["fid"]
    std = floats.metrics["fid_bootstrap_std"]  # 1.96 bootstrap standard errors either side, a real spread
    assert (high - floats.values["fid"], floats.values["fid"] - low) == pytest.approx((1.959964 * std,) * 2, rel=1e-6)
    assert 0.01 * floats.values["fid"] < std < 0.5 * floats.values["fid"]
    assert floats.intervals["kid"] == pytest.approx((cli["kid_mean"] - 1.96 * cli["kid_std"],
                                                     cli["kid_mean"] + 1.96 * cli["kid_std"]))
    # The folder and the tensor are different sources of the same pixels.
    assert on_folders.protocol["real_sha256"] == floats.protocol["real_sha256"]


@pytest.mark.slow
def test_score_of_a_generator_object_equals_the_cli_on_its_module(png_sets, tmp_path):
    real, _ = png_sets
    source = tmp_path / "gen.py"
    source.write_text(generator_module())
    # KID alone: equal to 1e-12 only from the same images' features (FID's equality on the same features is the
    # test above's).
    cli = _cli_values("--real", str(real), "--generator", f"{source}:build", "--n-fake", "20", "--seed", "3",
                      "--metrics", "kid")
    kid = ("kid_mean", "kid_std")
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    G = namespace["build"]().train()
    before = {k: v.clone() for k, v in G.state_dict().items()}
    result = ganbench.score(str(real), G, metrics="kid", n_fake=20, seed=3)
    _same(result, cli, kid)
    assert G.training  # left in the mode it was in
    assert all(torch.equal(before[k], v) for k, v in G.state_dict().items())
    # A plain function from noise to images, its noise size given.
    as_function = ganbench.score(str(real), lambda z: G(z), metrics="kid", n_fake=20, seed=3, latent_dim=8)
    _same(as_function, cli, kid)


def test_problems_raise_ganbench_errors_with_the_clis_line(png_sets, pixels):
    real, fake = png_sets
    floats = torch.from_numpy(pixels[1]).float()
    cases = [
        (lambda: ganbench.score(real, floats), "float images need value_range=(low, high)"),
        (lambda: ganbench.score(real, floats, value_range=(0, 1)), "lie outside value_range (0, 1)"),
        (lambda: ganbench.score(real, fake, metrics=("fid", "fdi")), "unknown metric 'fdi'"),
        (lambda: ganbench.score("fashion-mnist-quik", fake), "did you mean the suite fashion-mnist-quick?"),
        (lambda: ganbench.score(real, fake, n_fake=10), "n_fake is how many images to draw from a generator"),
        (lambda: ganbench.score(real, torch.nn.Linear(3, 3), n_fake=4), "no latent_dim/z_dim/nz attribute"),
        (lambda: ganbench.score(real, np.zeros((4, 5, 28, 28), np.uint8)), "expected N x H x W"),
        (lambda: ganbench.score(real, fake, device="tpu"), "unknown device 'tpu'"),
        (lambda: ganbench.leaderboard([]), "no records"),
        (lambda: ganbench.compare(["dcgan"]), "two or more different models"),
    ]
    for call, fragment in cases:
        with pytest.raises(ganbench.GanbenchError) as caught:
            call()
        assert fragment in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


def test_the_api_speaks_its_own_parameters_and_holds_the_clis_bounds(png_sets, tmp_path):
    """An error names `n_fake`, never the command line's `--n-fake`; what the CLI refuses the API refuses."""
    real, fake = png_sets
    torch.manual_seed(0)
    generator = torch.nn.Sequential(torch.nn.Linear(8, 28 * 28), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 28, 28)))
    cases = [
        (lambda: ganbench.score(real, generator, latent_dim=8), "a generator needs n_fake=N (at least 2)"),
        (lambda: ganbench.score(real, generator, latent_dim=8, n_fake=1), "n_fake must be at least 2, not 1"),
        (lambda: ganbench.score(real, fake, bootstrap=-1), "bootstrap must be at least 0, not -1"),
        (lambda: ganbench.score(real, fake, kid_subset_size=1), "kid_subset_size must be at least 2, not 1"),
        (lambda: ganbench.score(real, fake, n_real=1), "n_real must be at least 2, not 1"),
        (lambda: ganbench.score(real, fake, seed=-3), "seed must be at least 0, not -3"),
        (lambda: ganbench.run_suite("fashion-mnist-smoke", steps=0, out=tmp_path), "steps must be at least 1"),
        (lambda: ganbench.run_suite("fashion-mnist-smoke", seeds="0,x", out=tmp_path),
         "seeds takes an integer or comma-separated integers"),
    ]
    for call, fragment in cases:
        with pytest.raises(ganbench.GanbenchError) as caught:
            call()
        message = str(caught.value)
        assert fragment in message and "--" not in message, message
    # The command line keeps its own words for the same problem.
    module = tmp_path / "g.py"
    module.write_text(generator_module())
    proc = run_cli("score", "--real", str(real), "--generator", f"{module}:build")
    assert proc.returncode == 2 and "a generator needs --n-fake N (at least 2)" in proc.stderr, proc.stderr


def test_run_suite_and_compare_take_seeds_as_the_command_line_does(tmp_path):
    """`seeds=` takes 0, "0,1" or [0, 1], like --seed; `seed=`, run_suite's old name, still works."""
    from ganbench.pipeline.request import parse_seeds

    assert parse_seeds(0) == (0,) and parse_seeds("0,1, 2") == (0, 1, 2) and parse_seeds([3, 1]) == (3, 1)
    with pytest.raises(ganbench.GanbenchError, match="give seeds"):
        ganbench.run_suite("fashion-mnist-smoke", seeds=[0, 1], seed=2, out=tmp_path)


def test_a_score_result_round_trips_through_json_and_refuses_another_schema(png_sets, monkeypatch):
    from ganbench.metrics import scorer as scoring

    real, fake = png_sets
    calls = []
    monkeypatch.setattr(scoring, "_HALVES", {})
    monkeypatch.setattr(scoring, "fid_between_halves", lambda f: calls.append(len(f)) or fid_between_halves(f))
    result = ganbench.score(real, fake, metrics="fid", bootstrap=0)
    # Scoring again against the same real images computes the real halves' FID (the floor) once per process.
    assert ganbench.score(real, fake, metrics="fid", bootstrap=0).real_reference == result.real_reference
    assert calls == [24] and result.real_reference["n_each"] == 12
    again = ganbench.ScoreResult.from_json(result.to_json())
    assert again == result and again.values == {"fid": result.metrics["fid"]} and again.intervals == {}
    written_before = {k if k != "real_features_cached" else "real_cache_hit": v  # the field's earlier name
                      for k, v in json.loads(result.to_json()).items()}
    assert ganbench.ScoreResult.from_dict(written_before) == result
    newer = {**json.loads(result.to_json()), "schema_version": 99}
    with pytest.raises(ganbench.GanbenchError, match="schema version 99"):
        ganbench.ScoreResult.from_json(json.dumps(newer))
    with pytest.raises(ganbench.GanbenchError, match="lacks environment, metrics"):
        ganbench.ScoreResult.from_json('{"real": "a", "fake": "b"}')


def test_the_committed_board_rebuilds_from_python_byte_identical(tmp_path):
    suite = "fashion-mnist"
    shutil.copytree(ROOT / "leaderboards" / "records" / suite, tmp_path / "leaderboards" / "records" / suite)
    records = ganbench.load_records(tmp_path, suite)
    assert len(records) == 6 and {r.model for r in records} == {"dcgan", "fcgan"}
    assert ganbench.load_records(tmp_path) == records  # every suite found there: this one
    board = ganbench.leaderboard(records, out=tmp_path)
    for name in (f"{suite}.md", f"{suite}.csv", f"{suite}-metrics.csv"):
        assert (tmp_path / "leaderboards" / name).read_bytes() == (ROOT / "leaderboards" / name).read_bytes(), name
    committed = (ROOT / "leaderboards" / f"{suite}.csv").read_text().splitlines()
    assert len(board) == len(committed) - 1 and list(board["model"])[:3] == ["dcgan"] * 3


def test_register_model_adds_to_this_processs_zoo_and_refuses_a_taken_name():
    from ganbench.models.registry import load_zoo

    spec = ganbench.zoo()["fcgan"]
    mine = ganbench.register_model(ganbench.ModelSpec("api-test-gan", "api-test", "a test of the API",
                                                      spec.defaults, spec.build))
    try:
        assert ganbench.zoo()["api-test-gan"] == mine
        with torch.device("cpu"):
            assert isinstance(mine.create(28, 1), ganbench.GAN)
        with pytest.raises(ganbench.GanbenchError, match="already in the zoo"):
            ganbench.register_model(mine)
    finally:
        from ganbench.models import registry

        registry._REGISTERED.pop("api-test-gan", None)
        load_zoo.cache_clear()
