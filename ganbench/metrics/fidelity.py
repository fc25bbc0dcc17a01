"""FID and KID from features, by torch-fidelity's own formula functions (so our numbers are theirs).

Argument order follows torch-fidelity's `calculate_metrics(input1, input2)`:
the first set is the generated one, the second the real one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric

from ganbench.errors import GanbenchError

MIN_SAMPLES = 2  # a covariance needs two samples


@dataclass(frozen=True)
class KID:
    mean: float
    std: float
    subsets: int
    subset_size: int


def _check(features: torch.Tensor, what: str) -> None:
    if features.dim() != 2 or len(features) < MIN_SAMPLES:
        raise GanbenchError(f"too few {what} samples for FID/KID: {len(features)} (need at least {MIN_SAMPLES})")


def fid(fake: torch.Tensor, real: torch.Tensor) -> float:
    _check(fake, "generated")
    _check(real, "real")
    stats_fake = fid_features_to_statistics(fake)
    stats_real = fid_features_to_statistics(real)
    return float(fid_statistics_to_metric(stats_fake, stats_real, verbose=False)[KEY_METRIC_FID])


def kid(fake: torch.Tensor, real: torch.Tensor, subsets: int, subset_size: int, seed: int) -> KID:
    """torch-fidelity's KID; a subset size above the sample count is lowered to it (recorded), never a crash."""
    _check(fake, "generated")
    _check(real, "real")
    size = min(subset_size, len(fake), len(real))
    out = kid_features_to_metric(
        fake, real, kid_subsets=subsets, kid_subset_size=size, rng_seed=seed, verbose=False,
        kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1,
    )
    return KID(out[KEY_METRIC_KID_MEAN], out[KEY_METRIC_KID_STD], subsets, size)
