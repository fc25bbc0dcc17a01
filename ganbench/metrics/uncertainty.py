"""FID's uncertainty and its sample-size bias: a bootstrap interval and FID-infinity.

Both need many FIDs of resampled sets, so they use an exact but fast trace
term: for a generated covariance S_f = A A^T (A the centred features divided
by sqrt(n-1)), the non-zero eigenvalues of S_r S_f are those of the n x n
symmetric matrix A^T S_r A, so tr sqrt(S_r S_f) = sum sqrt(eigvalsh(A^T S_r A)).
With n >= d the d x d form sqrt(S_r) S_f sqrt(S_r) is used instead. Both are
computed in float64 and tested against torch-fidelity's value.

Resamples of a set of n <= d rows share one n x n matrix: with X the rows less
their mean, P = X S_r X^T is computed once, and a resample's A^T S_r A is
J P[i, i] J / (m - 1) for its row indices i (repeats allowed) and the centring
matrix J, so no resample pays for a product with the d x d covariance.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from ganbench.core.errors import GanbenchError


@dataclass(frozen=True)
class RealMoments:
    """mu and sigma of the real features (float64), computed once per reference."""

    mu: np.ndarray
    sigma: np.ndarray

    @classmethod
    def from_features(cls, features: torch.Tensor) -> "RealMoments":
        x = features.double().numpy()
        return cls(x.mean(axis=0), np.cov(x, rowvar=False))

    @functools.cached_property
    def sqrt_sigma(self) -> np.ndarray:
        """Only the n >= d branch needs it (an eigendecomposition of d x d)."""
        w, v = np.linalg.eigh(self.sigma)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def fid_fast(fake: np.ndarray, real: RealMoments) -> float:
    """FID of float64 generated features against real moments, by the symmetric trace identity."""
    n, d = fake.shape
    mu = fake.mean(axis=0)
    centred = fake - mu
    if n <= d:
        a = centred.T / np.sqrt(n - 1)  # d x n, S_f = a a^T
        eig = np.linalg.eigvalsh(a.T @ real.sigma @ a)
        trace_fake = float(np.sum(a * a))
    else:
        sigma_f = centred.T @ centred / (n - 1)
        eig = np.linalg.eigvalsh(real.sqrt_sigma @ sigma_f @ real.sqrt_sigma)
        trace_fake = float(np.trace(sigma_f))
    return _fid(mu - real.mu, real, trace_fake, eig)


def _fid(diff: np.ndarray, real: RealMoments, trace_fake: float, eig: np.ndarray) -> float:
    tr_covmean = float(np.sum(np.sqrt(np.clip(eig, 0, None))))
    return float(diff @ diff + np.trace(real.sigma) + trace_fake - 2 * tr_covmean)


def fid_of_subsets(fake: np.ndarray, real: RealMoments, subsets: list[np.ndarray]) -> np.ndarray:
    """FID of each subset of the rows of float64 `fake` (row indices, repeats allowed), as `fid_fast` gives it.

    Where `fake` has at most d rows, every subset's trace term comes from one n x n matrix computed once.
    """
    n, d = fake.shape
    if n > d:
        return np.array([fid_fast(fake[i], real) for i in subsets])
    x = fake - fake.mean(axis=0)
    p = x @ real.sigma @ x.T
    fids = []
    for i in subsets:
        m = len(i)
        block = p[np.ix_(i, i)]
        # J B J for the centring J = I - 11^T/m, without forming J
        centred = block - block.mean(axis=0) - block.mean(axis=1, keepdims=True) + block.mean()
        rows = x[i] - x[i].mean(axis=0)
        eig = np.linalg.eigvalsh(centred / (m - 1))
        fids.append(_fid(fake[i].mean(axis=0) - real.mu, real, float(np.sum(rows * rows)) / (m - 1), eig))
    return np.array(fids)


@dataclass(frozen=True)
class Bootstrap:
    low: float
    high: float
    std: float  # the bootstrap standard error of FID
    # Efron's bootstrap estimate of FID's bias at this sample count: the resampled FIDs' mean less the FID. A
    # resample repeats about a third of its images, so this understates the bias of FID at n (by about half
    # where the bias goes as 1/n); a difference below it cannot be told from the bias.
    bias: float
    resamples: int
    level: float
    seed: int


def bootstrap_fid(fake: torch.Tensor, real: RealMoments, point: float, resamples: int, seed: int,
                  level: float = 0.95) -> Bootstrap:
    """A normal interval, point ± z * (bootstrap standard error), over generated sets resampled with replacement.

    The percentile interval is not used: a resample repeats about a third of
    its images, which lowers the effective sample count and biases every
    resampled FID upward, often by more than the spread (on 300 Fashion-MNIST
    features, FID 42.4 gave resampled FIDs of 55-59). The spread itself is
    what the standard error keeps. The real set is held fixed (its statistics
    are cached and shared by every model of a suite).
    """
    from scipy.special import ndtri  # scipy.stats.norm.ppf's own function, without importing scipy.stats

    if resamples < 2:
        raise GanbenchError("the bootstrap needs at least 2 resamples")
    x = fake.double().numpy()
    rng = np.random.default_rng(seed)
    values = fid_of_subsets(x, real, [rng.integers(0, len(x), len(x)) for _ in range(resamples)])
    std = float(values.std(ddof=1))
    z = float(ndtri(0.5 + level / 2))
    return Bootstrap(point - z * std, point + z * std, std, float(values.mean() - point), resamples, level, seed)


@dataclass(frozen=True)
class FIDInfinity:
    value: float
    slope: float
    sizes: list[int]
    fids: list[float]


def fid_infinity(fake: torch.Tensor, real: RealMoments, seed: int, points: int = 15) -> FIDInfinity:
    """Chong and Forsyth (2020): FID is linear in 1/N; fit FID_N at `points` sizes and extrapolate to 1/N = 0.

    The paper uses N from 5,000 to 50,000; here the sizes are evenly spaced
    from a fifth of the generated set to all of it, each a seeded subset.
    """
    x = fake.double().numpy()
    n = len(x)
    sizes = sorted({int(s) for s in np.linspace(max(n // 5, 2), n, points)})
    rng = np.random.default_rng(seed)
    fids = list(fid_of_subsets(x, real, [rng.permutation(n)[:s] for s in sizes]))
    slope, intercept = np.polyfit(1.0 / np.array(sizes, dtype=float), fids, 1)
    return FIDInfinity(float(intercept), float(slope), sizes, [float(f) for f in fids])


@dataclass(frozen=True)
class Halves:
    """FID between two random halves of one set: what FID reads for two samples of one distribution at
    `n_each` images each. A model's FID at such counts is read against it (far above it: far from the data)."""

    fid: float
    n_each: int


def fid_between_halves(features: torch.Tensor, seed: int = 0) -> Halves | None:
    """None for fewer than 4 samples (two of 2 at least)."""
    half = len(features) // 2
    if half < 2:
        return None
    x = features.double().numpy()
    order = np.random.default_rng(seed).permutation(len(x))
    second = RealMoments.from_features(torch.from_numpy(x[order[half:2 * half]]))
    return Halves(fid_fast(x[order[:half]], second), half)
