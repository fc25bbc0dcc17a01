"""Precomputed statistics (--real-stats, stats export) and the cache commands, on real images."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import assert_one_line_error, run_cli, write_pngs


@pytest.fixture(scope="module")
def exported(tmp_path_factory, png_sets):
    real, _ = png_sets
    out = tmp_path_factory.mktemp("stats") / "real.npz"
    proc = run_cli("stats", "export", "--real", str(real), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def test_exported_stats_are_in_the_common_format(exported):
    path, info = exported
    with np.load(path) as npz:
        assert npz["mu"].shape == (2048,) and npz["sigma"].shape == (2048, 2048)
        assert npz["mu"].dtype == np.float64 and int(npz["n"]) == 24
        assert json.loads(str(npz["protocol"]))["weights_sha256"] == info["weights_sha256"]


@pytest.mark.slow
def test_fid_from_stats_equals_fid_from_images(exported, png_sets):
    real, fake = png_sets
    path, _ = exported
    args = ["--fake", str(fake), "--metrics", "fid", "--bootstrap", "0", "--json"]
    from_images = json.loads(run_cli("score", "--real", str(real), *args).stdout)
    proc = run_cli("score", "--real-stats", str(path), *args)
    assert proc.returncode == 0, proc.stderr
    from_stats = json.loads(proc.stdout)
    assert from_stats["metrics"]["fid"] == pytest.approx(from_images["metrics"]["fid"], rel=1e-6)
    assert from_stats["protocol"]["real_data"] == "stats:real.npz" and from_stats["protocol"]["n_real"] == 24


def test_bad_statistics_files(tmp_path, exported, png_sets):
    _, fake = png_sets
    path, _ = exported

    def score(stats, metrics="fid"):
        return run_cli("score", "--real-stats", str(stats), "--fake", str(fake), "--metrics", metrics)

    assert_one_line_error(score(path, "fid,kid"), "kid need real images or their features")
    np.savez(tmp_path / "other.npz", mean=np.zeros(3))
    assert_one_line_error(score(tmp_path / "other.npz"), "has no 'mu' and 'sigma'")
    np.savez(tmp_path / "small.npz", mu=np.zeros(64), sigma=np.eye(64))
    assert_one_line_error(score(tmp_path / "small.npz"), "do not fit 2048-d")
    (tmp_path / "broken.npz").write_bytes(path.read_bytes()[:1000])
    assert_one_line_error(score(tmp_path / "broken.npz"), "corrupt statistics file")
    assert_one_line_error(score(tmp_path / "absent.npz"), "statistics file not found")


@pytest.mark.slow
def test_cache_list_and_clear(tmp_path, quick_train, quick_test):
    real, fake = tmp_path / "real", tmp_path / "fake"  # 8 images each: three scorings, each its own Inception
    write_pngs(real, quick_test.images[:8].numpy())
    write_pngs(fake, quick_train.images[:8].numpy())
    env = {"GANBENCH_CACHE": str(tmp_path / "cache")}
    args = ["score", "--real", str(real), "--fake", str(fake), "--metrics", "kid", "--json"]
    first = json.loads(run_cli(*args, env=env).stdout)
    assert first["real_features_cached"] is False
    assert json.loads(run_cli(*args, env=env).stdout)["real_features_cached"] is True
    listing = json.loads(run_cli("cache", "list", "--json", env=env).stdout)
    kinds = sorted(e["kind"] for e in listing["entries"])
    assert kinds == ["real-features", "weights"] and listing["cache_dir"] == str(tmp_path / "cache")
    assert [e["n"] for e in listing["entries"] if e["kind"] == "real-features"] == [8]
    cleared = run_cli("cache", "clear", env=env)
    assert cleared.returncode == 0 and "removed 1" in cleared.stdout
    assert json.loads(run_cli(*args, env=env).stdout)["real_features_cached"] is False


def _stats_file(path, mu=None, sigma=None, **extra):
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(64, 2048))
    np.savez(path, mu=feats.mean(0) if mu is None else mu,
             sigma=np.cov(feats, rowvar=False) if sigma is None else sigma, **extra)
    return path


@pytest.mark.parametrize("fields, fragment", [
    ({"sigma": -np.eye(2048)}, "sigma is not positive semi-definite"),  # once scored as FID -1542
    ({"sigma": np.triu(np.ones((2048, 2048)))}, "sigma is not symmetric"),
    ({"sigma": np.eye(2048) * (1 + 1j)}, "sigma holds complex128 values, not real numbers"),
    ({"n": np.arange(3)}, "sample count 'n' must be one integer"),
    ({"protocol": json.dumps([1, 2])}, "'protocol' is not the JSON object"),
    ({"protocol": "torch-fidelity"}, "'protocol' is not the JSON object"),
], ids=["negative-definite", "asymmetric", "complex", "n-vector", "protocol-list", "protocol-string"])
def test_impossible_statistics_are_refused_before_scoring(tmp_path, png_sets, fields, fragment):
    _, fake = png_sets
    path = _stats_file(tmp_path / "stats.npz", **fields)
    proc = run_cli("score", "--real-stats", str(path), "--fake", str(fake), "--metrics", "fid")
    assert_one_line_error(proc, fragment)
    assert "Warning" not in proc.stderr  # numpy's ComplexWarning once leaked here


def test_a_plain_array_is_not_a_statistics_file(tmp_path, png_sets):
    _, fake = png_sets
    np.save(tmp_path / "mu.npy", np.zeros(2048))
    proc = run_cli("score", "--real-stats", str(tmp_path / "mu.npy"), "--fake", str(fake), "--metrics", "fid")
    assert_one_line_error(proc, "is a single array, not a statistics file")


def test_export_onto_a_folder_is_bad_input(tmp_path, png_sets):
    real, _ = png_sets
    (tmp_path / "real.npz").mkdir()
    proc = run_cli("stats", "export", "--real", str(real), "--out", str(tmp_path / "real.npz"))
    assert_one_line_error(proc, "cannot use", "real.npz")
    assert (tmp_path / "real.npz").is_dir() and not list(tmp_path.glob(".real.npz.*"))
