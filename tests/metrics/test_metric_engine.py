"""The metric catalogue on real Inception features: formulas checked against independent computations."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.linalg
import torch
import torch_fidelity
from prdc import compute_prdc

from ganbench.core.errors import GanbenchError
from ganbench.data import load_data
from ganbench.metrics import fidelity
from ganbench.metrics.features.inception import resolve_weights
from ganbench.metrics.registry import parse_metrics
from ganbench.metrics.scorer import Scorer
from ganbench.metrics.uncertainty import RealMoments, bootstrap_fid, fid_fast, fid_infinity, fid_of_subsets
from tests.helpers import assert_one_line_error, gaussian, run_cli


@pytest.fixture(scope="module")
def features(quick_test, quick_train):
    """Inception pool features of 60 real test images and 40 real training images (different garments)."""
    scorer = Scorer(torch.device("cpu"))
    return scorer.real(quick_test, 60).features, scorer.real(quick_train, 40).features



@pytest.mark.parametrize("n_fake", [40, 300])  # fewer and more samples than dimensions: both branches
def test_fast_fid_equals_torch_fidelity(n_fake):
    real, fake = gaussian(500, 64, 0.0, 0), gaussian(n_fake, 64, 0.2, 1)
    expected = fidelity.fid(fake, real)
    assert fid_fast(fake.numpy(), RealMoments.from_features(real)) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("n_fake", [40, 300])
def test_fids_of_resamples_equal_each_resamples_own_fid(n_fake):
    """The shared n x n matrix (n <= d) and the d x d path (n > d) give each subset's FID, repeated rows included."""
    real, fake = RealMoments.from_features(gaussian(500, 64, 0.0, 0)), gaussian(n_fake, 64, 0.3, 1).numpy()
    rng = np.random.default_rng(2)
    subsets = [rng.integers(0, n_fake, n_fake), rng.permutation(n_fake)[: n_fake // 2], np.array([0, 0, 1, 5])]
    expected = [fid_fast(fake[i], real) for i in subsets]
    # a centred set's zero eigenvalue comes out as rounding noise whose square root differs between the two paths
    assert fid_of_subsets(fake, real, subsets) == pytest.approx(expected, rel=1e-8)
    assert len(set(expected)) == 3


@pytest.mark.slow
def test_fast_fid_on_rank_deficient_inception_features(features):
    real, fake = features
    expected = fidelity.fid(fake, real)
    assert fid_fast(fake.double().numpy(), RealMoments.from_features(real)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.slow
def test_fid_equals_scipy_sqrtm_in_float64(features):
    """Against scipy's matrix square root in float64, on the first 512 of the 2048 feature dimensions: the same
    rank-deficient regime as the full features (fewer samples than dimensions) at a 64th of sqrtm's cost."""
    real, fake = (f[:, :512].contiguous() for f in features)
    x, y = fake.double().numpy(), real.double().numpy()
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    diff = x.mean(0) - y.mean(0)
    independent = diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
    assert fidelity.fid(fake, real) == pytest.approx(independent, rel=1e-6)


@pytest.mark.slow
def test_bootstrap_interval_is_centred_seeded_and_nonzero(features):
    real, fake = features
    point = fidelity.fid(fake, real)
    moments = RealMoments.from_features(real)
    a = bootstrap_fid(fake, moments, point, 30, seed=0)
    assert a.low < point < a.high and a.high - point == pytest.approx(point - a.low)
    assert 0.01 * point < a.std < 0.5 * point and a.resamples == 30
    assert bootstrap_fid(fake, moments, point, 30, seed=0) == a
    assert bootstrap_fid(fake, moments, point, 30, seed=1).std != a.std


def test_fid_infinity_removes_the_sample_size_bias():
    """Over 30 draws of 200 samples: finite FID is biased upward, its extrapolation is not."""
    d = 16  # true FID between N(0, I) and N(0.5, I) in 16-d: 16 * 0.25 = 4
    real = RealMoments(np.zeros(d), np.eye(d))
    finite, extrapolated = [], []
    for seed in range(30):
        fake = gaussian(200, d, 0.5, seed)
        finite.append(fid_fast(fake.numpy(), real))
        inf = fid_infinity(fake, real, seed=seed)
        extrapolated.append(inf.value)
    assert np.mean(finite) - 4.0 > 0.25  # about +0.44
    assert abs(np.mean(extrapolated) - 4.0) < 0.2  # about -0.06 +- 0.07
    assert inf.sizes[0] == 40 and inf.sizes[-1] == 200 and len(inf.fids) == len(inf.sizes) and inf.slope > 0


def test_inception_score_is_exp_expected_kl():
    logits = torch.from_numpy(np.random.default_rng(0).normal(0, 3, size=(200, 1008)))
    p = torch.softmax(logits, 1).numpy()
    marginal = p.mean(0)
    expected = np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1)))
    assert fidelity.inception_score(logits, splits=1, seed=0).mean == pytest.approx(expected, rel=1e-9)
    assert fidelity.inception_score(logits, splits=10, seed=0).std > 0
    with pytest.raises(GanbenchError, match="too few generated samples for the Inception Score"):
        fidelity.inception_score(logits[:5], splits=10, seed=0)


@pytest.mark.slow
def test_precision_recall_density_coverage_equal_prdc(features):
    real, fake = features
    ref = compute_prdc(real.numpy(), fake.numpy(), nearest_k=3)
    pr = fidelity.precision_recall(fake, real, 3)
    dc = fidelity.density_coverage(fake, real, 3)
    # torch-fidelity averages in float32; one sample more or less would move these by 1/40.
    assert pr["precision"] == pytest.approx(ref["precision"], abs=1e-6)
    assert pr["recall"] == pytest.approx(ref["recall"], abs=1e-6)
    assert dc == pytest.approx({"density": ref["density"], "coverage": ref["coverage"]}, abs=1e-12)
    assert 0 < pr["precision"] <= 1 and 0 < dc["coverage"] <= 1


@pytest.mark.slow
def test_features_do_not_depend_on_batch_size(quick_test):
    images = quick_test.images[:12]  # batches of 5, 5 and 2 against one batch of 12
    small = Scorer(torch.device("cpu"), batch_size=5).fake_from_images(images).pool
    large = Scorer(torch.device("cpu"), batch_size=64).fake_from_images(images).pool
    torch.testing.assert_close(small, large, atol=1e-4, rtol=0)
    ref = Scorer(torch.device("cpu")).real(quick_test.subset(16, seed=4)).features
    assert fidelity.fid(small, ref) == pytest.approx(fidelity.fid(large, ref), rel=1e-6)


def test_all_metrics_through_the_cli(png_sets):
    """`ganbench score` end to end on 24 real and 24 generated images, every feature metric against an independent
    reference: FID and KID against torch-fidelity's own `calculate_metrics` on the same folders and weights (to
    float32 rounding: exact precision folds batch normalisation into the convolutions, see test_api), precision,
    recall, density and coverage against prdc on the same Inception features, FID-infinity against its own points,
    and FID's interval against its bootstrap standard error."""
    real, fake = png_sets
    proc = run_cli("score", "--real", str(real), "--fake", str(fake), "--metrics", "fid,kid,pr,dc,fid-inf",
                   "--kid-subset-size", "16", "--bootstrap", "20", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    m = out["metrics"]
    theirs = torch_fidelity.calculate_metrics(
        input1=str(fake), input2=str(real), cuda=False, fid=True, kid=True, kid_subset_size=16, rng_seed=0,
        feature_extractor_weights_path=str(resolve_weights().path), verbose=False, cache=False, save_cpu_ram=True)
    assert m["fid"] == pytest.approx(theirs["frechet_inception_distance"], rel=1e-6)
    assert m["kid_mean"] == pytest.approx(theirs["kernel_inception_distance_mean"], rel=2e-5)
    assert m["kid_std"] == pytest.approx(theirs["kernel_inception_distance_std"], rel=2e-5)
    # The neighbour metrics on the Inception features the CLI used (no VGG16 weights offline), by prdc: the real
    # folder's from the cache the CLI filled, the generated folder's extracted again.
    scorer = Scorer(torch.device("cpu"))
    cached = scorer.real(load_data(f"folder:{real}"))
    assert cached.cache_hit
    generated = scorer.fake_from_images(load_data(f"folder:{fake}").images).pool
    ref = compute_prdc(cached.features.numpy(), generated.numpy(), nearest_k=3)
    assert (m["precision"], m["recall"]) == pytest.approx((ref["precision"], ref["recall"]), abs=1e-6)
    assert (m["density"], m["coverage"]) == pytest.approx((ref["density"], ref["coverage"]), abs=1e-12)
    # FID-infinity: its last point is FID on all 24 images, its value the intercept of its line against 1/N.
    assert m["fid_inf_sizes"][-1] == 24 and m["fid_inf_fids"][-1] == pytest.approx(m["fid"], rel=1e-6)
    slope, intercept = np.polyfit(1 / np.array(m["fid_inf_sizes"]), m["fid_inf_fids"], 1)
    assert m["fid_inf"] == pytest.approx(intercept, rel=1e-9)
    # FID's 95% interval: 1.96 bootstrap standard errors either side, a spread of the size FID varies by here.
    assert m["fid_ci_high"] - m["fid"] == pytest.approx(1.959964 * m["fid_bootstrap_std"], rel=1e-6)
    assert m["fid"] - m["fid_ci_low"] == pytest.approx(1.959964 * m["fid_bootstrap_std"], rel=1e-6)
    assert 0.01 * m["fid"] < m["fid_bootstrap_std"] < 0.5 * m["fid"]
    assert out["protocol"]["metrics"] == ["fid", "kid", "pr", "dc", "fid-inf"]
    assert out["protocol"]["settings"]["bootstrap"] == 20 and out["protocol"]["settings"]["kid_subset_size"] == 16
    assert out["protocol"]["pr_features"] == "inception-v3-compat/2048"  # no VGG16 weights offline
    # ... and the substitute is said, once, for pr and dc together
    assert proc.stderr.count("no VGG16 weights") == 1 and "Inception pool3 features instead" in proc.stderr


def test_inception_score_is_refused_without_logits(png_sets):
    real, fake = png_sets
    proc = run_cli("score", "--real", str(real), "--fake", str(fake), "--metrics", "fid,is")
    assert_one_line_error(proc, "1008-way logits", "weights-inception-2015-12-05-6726825d.pth")
    assert "Inception Score" in proc.stderr


def test_unknown_metric_is_refused():
    with pytest.raises(GanbenchError, match="unknown metric 'lpips'"):
        parse_metrics("fid,lpips")
    assert parse_metrics("kid, fid,kid") == ("kid", "fid")
