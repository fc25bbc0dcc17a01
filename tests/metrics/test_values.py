"""Metric values in the fast lane, on small fixed feature arrays, each against an independent reference: the
peer's own function (torch-fidelity's `kid_features_to_metric`), a formula written out here, or what the statistic
claims to measure (the bootstrap's width against the spread of FIDs over independently drawn sets). The end-to-end
check against torch-fidelity's `calculate_metrics` is `test_metric_engine.test_all_metrics_through_the_cli`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric

from ganbench.core.config import Settings
from ganbench.core.errors import GanbenchError
from ganbench.metrics import fidelity, registry
from ganbench.metrics.inputs import Inputs
from ganbench.metrics.stats import RealStats
from ganbench.metrics.uncertainty import RealMoments, bootstrap_fid, fid_between_halves, fid_fast, fid_infinity
from tests.helpers import gaussian



def _metric(name: str, fake: torch.Tensor, real: torch.Tensor, settings: Settings, seed: int = 0) -> dict:
    """One metric as the scorer computes it: through the registry, with these settings."""
    return registry.compute((name,), Inputs(fake=fake, real=real, fake_logits=None, seed=seed, settings=settings,
                                            real_stats=None))


def test_kid_equals_torch_fidelitys_kid_features_to_metric():
    """Different subset counts and sizes (7 of 13), so swapping them anywhere on the way is seen."""
    real, fake = gaussian(60, 16, 0.0, 0), gaussian(50, 16, 0.4, 1)
    ours = _metric("kid", fake, real, Settings(kid_subsets=7, kid_subset_size=13), seed=3)
    theirs = kid_features_to_metric(fake, real, kid_subsets=7, kid_subset_size=13, rng_seed=3, verbose=False,
                                    kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None,
                                    kid_kernel_poly_coef0=1)
    assert ours["kid_mean"] == theirs[KEY_METRIC_KID_MEAN] and ours["kid_std"] == theirs[KEY_METRIC_KID_STD]
    assert ours["kid_subset_size"] == 13
    swapped = kid_features_to_metric(fake, real, kid_subsets=13, kid_subset_size=7, rng_seed=3, verbose=False)
    assert swapped[KEY_METRIC_KID_MEAN] != ours["kid_mean"]  # the check can tell the two apart


def test_kid_of_whole_sets_is_the_unbiased_mmd_with_the_cubic_kernel():
    """With the subset size equal to the sample count every subset is the whole set: KID is then the unbiased MMD²
    of Bińkowski et al. (2018) with k(x, y) = (x·y / d + 1)³, written out here, and it has no noise estimate."""
    real, fake = gaussian(30, 8, 0.0, 4), gaussian(30, 8, 0.5, 5)
    ours = _metric("kid", fake, real, Settings(kid_subsets=3, kid_subset_size=30))
    x, y = fake.numpy(), real.numpy()
    d, m = x.shape[1], len(x)
    kxx, kyy, kxy = ((a @ b.T / d + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
    mmd = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
    assert ours["kid_mean"] == pytest.approx(mmd, rel=1e-9)
    assert ours["kid_std"] is None  # every subset was the whole set


def test_the_bootstrap_width_matches_the_spread_of_fid_over_independent_sets():
    """The bootstrap standard error of one set's FID estimates how FID varies from one set of n samples to another:
    over 200 independent draws of 100 samples its spread here is about 0.27, and each set's bootstrap must land
    within a factor of 2 of it (a bootstrap that stopped resampling gives 0; one over the wrong axis far more)."""
    d, n = 8, 100
    real = RealMoments(np.zeros(d), np.eye(d))
    spread = np.std([fid_fast(gaussian(n, d, 0.3, seed).numpy(), real) for seed in range(200)], ddof=1)
    assert 0.1 < spread < 1.0
    for seed in range(1000, 1005):
        fake = gaussian(n, d, 0.3, seed)
        point = fid_fast(fake.numpy(), real)
        b = bootstrap_fid(fake, real, point, 200, seed=0)
        assert spread / 2 < b.std < 2 * spread, (seed, b.std, spread)
        assert b.high - point == pytest.approx(1.959964 * b.std, rel=1e-6)  # a normal 95% interval
        assert point - b.low == pytest.approx(1.959964 * b.std, rel=1e-6)
        assert b.bias > 0  # a resample repeats about a third of its rows: its FID lies above


def test_fid_reported_with_its_bootstrap_through_the_registry():
    real, fake = gaussian(80, 8, 0.0, 6), gaussian(60, 8, 0.3, 7)
    out = _metric("fid", fake, real, Settings(bootstrap=50))
    s_f, s_r = np.cov(fake.numpy(), rowvar=False), np.cov(real.numpy(), rowvar=False)
    w = np.linalg.eigvals(s_f @ s_r)
    diff = fake.numpy().mean(0) - real.numpy().mean(0)
    independent = diff @ diff + np.trace(s_f) + np.trace(s_r) - 2 * np.sum(np.sqrt(w.real.clip(0)))
    assert out["fid"] == pytest.approx(independent, rel=1e-9)
    b = bootstrap_fid(fake, RealMoments.from_features(real), out["fid"], 50, seed=0)
    assert (out["fid_ci_low"], out["fid_ci_high"], out["fid_bootstrap_std"], out["fid_bootstrap_bias"]) == \
        (b.low, b.high, b.std, b.bias)
    assert _metric("fid", fake, real, Settings(bootstrap=0)).keys() == {"fid"}


def test_fid_infinity_is_the_intercept_of_fid_over_one_over_n():
    """Its points are FIDs of subsets of the generated set (the largest all of it), and its value is the intercept
    of the least-squares line through them against 1/N, written out here."""
    real, fake = gaussian(300, 8, 0.0, 11), gaussian(150, 8, 0.5, 8)
    out = _metric("fid-inf", fake, real, Settings(fid_inf_points=6))
    assert len(out["fid_inf_sizes"]) == 6 and out["fid_inf_sizes"][-1] == 150 and out["fid_inf_sizes"][0] == 30
    assert out["fid_inf_fids"][-1] == pytest.approx(fidelity.fid(fake, real), rel=1e-9)
    x = 1 / np.array(out["fid_inf_sizes"], dtype=float)
    y = np.array(out["fid_inf_fids"])
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    assert out["fid_inf"] == pytest.approx(y.mean() - slope * x.mean(), rel=1e-9)
    assert out["fid_inf_slope"] == pytest.approx(slope, rel=1e-9)


def test_the_neighbour_count_reaches_precision_and_recall():
    real, fake = gaussian(40, 8, 0.0, 9), gaussian(40, 8, 0.8, 10)
    for k in (2, 5):
        out = _metric("pr", fake, real, Settings(neighbours=k))
        assert out == fidelity.precision_recall(fake, real, k)
    assert _metric("pr", fake, real, Settings(neighbours=2)) != _metric("pr", fake, real, Settings(neighbours=5))


def test_fid_against_precomputed_statistics_equals_fid_against_their_features():
    """The stats-only path (a `.npz` of mu and sigma): the same FID as from the features behind those moments."""
    real, fake = gaussian(80, 8, 0.0, 12), gaussian(60, 8, 0.3, 13)
    x = real.numpy()
    stats = RealStats(x.mean(axis=0), np.cov(x, rowvar=False), 80, "s" * 64, None)
    out = registry.compute(("fid",), Inputs(fake=fake, real=None, fake_logits=None, seed=0,
                                            settings=Settings(bootstrap=0), real_stats=stats))
    assert out == {"fid": pytest.approx(fidelity.fid(fake, real), rel=1e-9)}


def test_fid_and_kid_refuse_too_few_samples_naming_the_side():
    one, two = gaussian(1, 8, 0.0, 0), gaussian(2, 8, 0.0, 1)
    for f in (fidelity.fid, lambda a, b: fidelity.kid(a, b, 3, 2, 0)):
        with pytest.raises(GanbenchError, match=r"^too few generated samples for FID/KID: 1 \(need at least 2\)$"):
            f(one, two)
        with pytest.raises(GanbenchError, match=r"^too few real samples for FID/KID: 1 \(need at least 2\)$"):
            f(two, one)
        with pytest.raises(GanbenchError, match="too few generated samples"):
            f(torch.zeros(8, dtype=torch.float64), two)  # one vector, not a set of them
        assert np.isfinite(f(two, gaussian(2, 8, 0.5, 2)) if f is fidelity.fid else f(two, two).mean)  # 2 suffice


def test_kid_lowers_a_subset_size_the_samples_do_not_allow_and_records_the_count():
    assert [fidelity.kid_subset_size(asked, n) for asked, n in ((10, 10), (3, 10), (11, 10), (5, 4), (5, 3), (9, 2))] \
        == [10, 3, 5, 2, 3, 2]
    k = fidelity.kid(gaussian(30, 8, 0.0, 0), gaussian(30, 8, 0.2, 1), subsets=7, subset_size=50, seed=0)
    assert (k.subsets, k.subset_size) == (7, 15) and k.std is not None


def test_a_bootstrap_is_seeded_resampling_of_the_generated_rows_with_replacement():
    """Its standard error is the spread (ddof 1) of the FIDs of `resamples` sets of n rows drawn with replacement by
    numpy's generator of that seed; its bias estimate their mean less the point."""
    real = RealMoments(np.zeros(8), np.eye(8))
    fake = gaussian(50, 8, 0.3, 14)
    point = fid_fast(fake.numpy(), real)
    b = bootstrap_fid(fake, real, point, 30, seed=5)
    rng = np.random.default_rng(5)
    values = [fid_fast(fake.numpy()[rng.integers(0, 50, 50)], real) for _ in range(30)]
    assert b.std == pytest.approx(np.std(values, ddof=1), rel=1e-9)
    assert b.bias == pytest.approx(np.mean(values) - point, rel=1e-9)
    assert (b.resamples, b.level, b.seed) == (30, 0.95, 5)
    assert bootstrap_fid(fake, real, point, 2, seed=5).std > 0  # two resamples are enough
    for too_few in (1, 0):
        with pytest.raises(GanbenchError, match=r"^the bootstrap needs at least 2 resamples$"):
            bootstrap_fid(fake, real, point, too_few, seed=5)
    with pytest.raises(GanbenchError, match="at least 2 resamples"):  # through the metric, as --bootstrap 1 asks
        _metric("fid", fake, gaussian(60, 8, 0.0, 15), Settings(bootstrap=1))


def test_fid_infinity_sizes_seed_and_smallest_sets():
    real = RealMoments(np.zeros(8), np.eye(8))
    fake = gaussian(152, 8, 0.5, 16)
    inf = fid_infinity(fake, real, seed=3, points=6)
    assert inf.sizes == [30, 54, 78, 103, 127, 152]  # from a fifth (152 // 5) to all, evenly spaced
    assert fid_infinity(fake, real, seed=3, points=6) == inf  # seeded subsets
    assert fid_infinity(fake, real, seed=4, points=6).fids[0] != inf.fids[0]
    assert fid_infinity(gaussian(10, 8, 0.5, 17), real, seed=0, points=3).sizes == [2, 6, 10]
    out = _metric("fid-inf", fake, gaussian(200, 8, 0.0, 18), Settings(fid_inf_points=6), seed=3)
    again = fid_infinity(fake, RealMoments.from_features(gaussian(200, 8, 0.0, 18)), seed=3, points=6)
    assert (out["fid_inf"], out["fid_inf_fids"]) == (again.value, again.fids)


def test_fid_between_two_halves_of_a_set():
    """Two disjoint halves of a seeded permutation (an odd row left out), their FID by torch-fidelity's formula."""
    x = gaussian(11, 8, 0.0, 19)
    h = fid_between_halves(x, seed=2)
    order = np.random.default_rng(2).permutation(11)
    assert h.n_each == 5
    assert h.fid == pytest.approx(fidelity.fid(x[order[:5]], x[order[5:10]]), rel=1e-6)
    assert fid_between_halves(x[:4]).n_each == 2 and fid_between_halves(x[:3]) is None


def test_the_covariance_of_real_moments_is_over_rows():
    x = gaussian(30, 4, 0.0, 20)
    m = RealMoments.from_features(x)
    np.testing.assert_allclose(m.sigma, np.cov(x.numpy().T), rtol=1e-12)
    np.testing.assert_allclose(m.mu, x.numpy().mean(axis=0), rtol=1e-12)


def test_defaults_fid_infinity_at_15_sizes_and_the_halves_split_by_seed_0():
    real = RealMoments(np.zeros(8), np.eye(8))
    assert len(fid_infinity(gaussian(150, 8, 0.5, 21), real, seed=0).sizes) == 15
    x = gaussian(12, 8, 0.0, 22)
    assert fid_between_halves(x) == fid_between_halves(x, seed=0) != fid_between_halves(x, seed=1)


def test_fid_against_statistics_takes_float32_features_and_names_too_few():
    """Inception features are float32 and a statistics file's moments float64: torch-fidelity's formula wants one
    dtype, so the generated mean is made float64."""
    real = gaussian(80, 8, 0.0, 23).numpy()
    fake = gaussian(60, 8, 0.3, 24).float()
    mu, sigma = real.mean(axis=0), np.cov(real, rowvar=False)
    assert fidelity.fid_from_stats(fake, mu, sigma) == pytest.approx(
        fidelity.fid(fake.double(), torch.from_numpy(real)), rel=1e-6)
    with pytest.raises(GanbenchError, match=r"^too few generated samples for FID/KID: 1 \(need at least 2\)$"):
        fidelity.fid_from_stats(fake[:1], mu, sigma)


def test_kids_finishing_step_records_the_subset_size_it_used_and_says_why_it_was_lowered():
    """KID's values carry the subset size torch-fidelity used; its finish moves it to the recorded settings and,
    where it is below the size asked for, says why: half the samples (so subsets differ), or all of them."""
    from ganbench.metrics.builtin.kid import finish

    asked = Settings(kid_subset_size=1000)
    values = {"kid_mean": 0.1, "kid_std": 0.01, "kid_subset_size": 50}
    assert finish(values, asked, 100) == ({"kid_subset_size": 50}, (
        "KID subset size lowered from 1000 to 50 (half of the 100 samples, so that its subsets differ)",))
    assert values == {"kid_mean": 0.1, "kid_std": 0.01}  # the size left the values
    assert finish({"kid_subset_size": 3}, asked, 3) == ({"kid_subset_size": 3}, (
        "KID subset size lowered from 1000 to 3 (all 3 samples: too few for subsets that differ, so KID has no "
        "noise estimate)",))
    assert finish({"kid_subset_size": 1000}, asked, 5000) == ({"kid_subset_size": 1000}, ())  # as asked: no note
    assert finish({"kid_mean": 0.1}, asked, 10) == ({}, ())  # nothing to record

