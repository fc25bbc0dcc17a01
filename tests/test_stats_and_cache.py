"""Precomputed statistics (--real-stats, stats export) and the cache commands, on real images."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import assert_one_line_error, run_cli


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


def test_cache_list_and_clear(tmp_path, png_sets):
    real, fake = png_sets
    env = {"GANBENCH_CACHE": str(tmp_path)}
    args = ["score", "--real", str(real), "--fake", str(fake), "--metrics", "kid", "--json"]
    first = json.loads(run_cli(*args, env=env).stdout)
    assert first["real_cache_hit"] is False
    assert json.loads(run_cli(*args, env=env).stdout)["real_cache_hit"] is True
    listing = json.loads(run_cli("cache", "list", "--json", env=env).stdout)
    kinds = sorted(e["kind"] for e in listing["entries"])
    assert kinds == ["real-features", "weights"] and listing["cache_dir"] == str(tmp_path)
    assert [e["n"] for e in listing["entries"] if e["kind"] == "real-features"] == [24]
    cleared = run_cli("cache", "clear", env=env)
    assert cleared.returncode == 0 and "removed 1" in cleared.stdout
    assert json.loads(run_cli(*args, env=env).stdout)["real_cache_hit"] is False
