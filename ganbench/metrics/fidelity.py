"""Metric formulas on features, by torch-fidelity's own functions (so our numbers are theirs) and prdc's.

Argument order follows torch-fidelity's `calculate_metrics(input1, input2)`:
the first set is the generated one, the second the real one.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import numpy as np
import torch
from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import KEY_METRIC_ISC_MEAN, KEY_METRIC_ISC_STD, isc_features_to_metric
from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric
from torch_fidelity.metric_prc import KEY_METRIC_PRECISION, KEY_METRIC_RECALL, prc_features_to_metric

from ganbench.core.errors import GanbenchError

MIN_SAMPLES = 2  # a covariance needs two samples


@dataclass(frozen=True)
class KID:
    mean: float
    std: float | None  # None: every subset was the whole set, so their spread is no noise estimate
    subsets: int
    subset_size: int


MIN_KID_SAMPLES_FOR_NOISE = 4  # two subsets of 2 that can differ


def kid_subset_size(requested: int, n: int) -> int:
    """The subset size KID uses on n samples (the smaller set): the requested size where the samples allow it
    (all n of them when asked for: the unbiased MMD² of the whole sets, with no noise estimate); a larger one is
    lowered to half of n, so that the subsets differ and their spread measures noise (torch-fidelity's default
    takes 1,000 of 10,000), or to all n where there are too few samples for that."""
    if requested <= n:
        return requested
    return n // 2 if n >= MIN_KID_SAMPLES_FOR_NOISE else n


def _check(features: torch.Tensor, what: str) -> None:
    if features.dim() != 2 or len(features) < MIN_SAMPLES:
        raise GanbenchError(f"too few {what} samples for FID/KID: {len(features)} (need at least {MIN_SAMPLES})")


def fid(fake: torch.Tensor, real: torch.Tensor) -> float:
    _check(fake, "generated")
    _check(real, "real")
    stats_fake = fid_features_to_statistics(fake)
    stats_real = fid_features_to_statistics(real)
    return float(fid_statistics_to_metric(stats_fake, stats_real, verbose=False)[KEY_METRIC_FID])


def fid_from_stats(fake: torch.Tensor, mu: np.ndarray, sigma: np.ndarray) -> float:
    """FID against precomputed real statistics (float64), by torch-fidelity's formula."""
    _check(fake, "generated")
    stats_fake = fid_features_to_statistics(fake)
    stats_fake["mu"] = stats_fake["mu"].astype(np.float64)  # its formula wants equal dtypes
    return float(fid_statistics_to_metric(stats_fake, {"mu": mu, "sigma": sigma}, verbose=False)[KEY_METRIC_FID])


def kid(fake: torch.Tensor, real: torch.Tensor, subsets: int, subset_size: int, seed: int) -> KID:
    """torch-fidelity's KID; a subset size the samples do not allow is lowered (see `kid_subset_size`; recorded),
    never a crash. Where the subsets can only be the whole set, the standard deviation is None, not 0."""
    _check(fake, "generated")
    _check(real, "real")
    n = min(len(fake), len(real))
    size = kid_subset_size(subset_size, n)
    out = kid_features_to_metric(
        fake, real, kid_subsets=subsets, kid_subset_size=size, rng_seed=seed, verbose=False,
        kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1,
    )
    return KID(out[KEY_METRIC_KID_MEAN], out[KEY_METRIC_KID_STD] if size < n else None, subsets, size)


# pragma: no mutate block
# Above: FID and KID, which the mutation check (docs/testing.md) covers; below, the other metrics' wrappers.
@dataclass(frozen=True)
class InceptionScore:
    mean: float
    std: float
    splits: int


def inception_score(logits: torch.Tensor, splits: int, seed: int) -> InceptionScore:
    """torch-fidelity's IS: exp(E_x KL(p(y|x) || p(y))) per split, from the 1008-way logits."""
    if len(logits) < splits:
        raise GanbenchError(f"too few generated samples for the Inception Score: {len(logits)} < {splits} splits")
    out = isc_features_to_metric(logits, splits=splits, shuffle=True, rng_seed=seed)
    return InceptionScore(out[KEY_METRIC_ISC_MEAN], out[KEY_METRIC_ISC_STD], splits)


def precision_recall(fake: torch.Tensor, real: torch.Tensor, k: int) -> dict[str, float]:
    """Kynkäänniemi et al. (2019) through torch-fidelity's own function (generated first, real second)."""
    _check_neighbours(fake, real, k)
    out = prc_features_to_metric(fake, real, prc_neighborhood=k, prc_batch_size=10000, save_cpu_ram=False,
                                 verbose=False)
    return {"precision": out[KEY_METRIC_PRECISION], "recall": out[KEY_METRIC_RECALL]}


def density_coverage(fake: torch.Tensor, real: torch.Tensor, k: int) -> dict[str, float]:
    """Naeem et al. (2020) through the authors' `prdc` package."""
    from prdc import compute_prdc  # imports scikit-learn: only when asked for

    _check_neighbours(fake, real, k)
    with contextlib.redirect_stdout(sys.stderr):  # prdc prints; stdout stays machine-readable
        out = compute_prdc(real.numpy(), fake.numpy(), nearest_k=k)
    return {"density": float(out["density"]), "coverage": float(out["coverage"])}


def _check_neighbours(fake: torch.Tensor, real: torch.Tensor, k: int) -> None:
    if min(len(fake), len(real)) <= k:
        raise GanbenchError(f"too few samples for {k}-nearest-neighbour metrics: {min(len(fake), len(real))} (need > {k})")
