"""The metrics `ganbench score --metrics` knows, by stable key.

Each entry says what it needs (pool features of both sets, or the 1008-way
logits of the generated set) and computes a dict of stable result keys from
features. The formulas are torch-fidelity's and prdc's (metrics/fidelity.py);
intervals and FID-infinity are ours (metrics/uncertainty.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import torch

from ganbench import config
from ganbench.errors import GanbenchError
from ganbench.metrics import fidelity, uncertainty
from ganbench.metrics.stats import RealStats


@dataclass(frozen=True)
class Settings:
    kid_subsets: int = int(config.DEFAULTS["kid_subsets"])
    kid_subset_size: int = int(config.DEFAULTS["kid_subset_size"])
    is_splits: int = 10
    neighbours: int = 3  # k of precision/recall and density/coverage
    bootstrap: int = int(config.DEFAULTS["bootstrap"])  # FID resamples; 0: no interval
    fid_inf_points: int = 15


@dataclass
class Inputs:
    fake: torch.Tensor  # pool3 features, N x 2048
    real: torch.Tensor | None  # None when only precomputed statistics are given
    fake_logits: torch.Tensor | None
    seed: int
    settings: Settings
    real_stats: RealStats | None = None
    fake_pr: torch.Tensor | None = None  # VGG16 fc2 features, when present; else the pool features serve
    real_pr: torch.Tensor | None = None

    def pr_pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The features precision/recall and density/coverage compare."""
        if self.fake_pr is not None:
            return self.fake_pr, self.real_pr
        return self.fake, self.real

    @functools.cached_property
    def real_moments(self) -> uncertainty.RealMoments:
        if self.real is None:
            return uncertainty.RealMoments(self.real_stats.mu, self.real_stats.sigma)
        return uncertainty.RealMoments.from_features(self.real)


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    compute: Callable[[Inputs], dict]
    needs_logits: bool = False
    needs_real_features: bool = True  # False: mu and sigma of the real set suffice
    uses_pr_features: bool = False  # True: VGG16 features where their weights are present


def _fid(x: Inputs) -> dict:
    if x.real is None:
        out = {"fid": fidelity.fid_from_stats(x.fake, x.real_stats.mu, x.real_stats.sigma)}
    else:
        out = {"fid": fidelity.fid(x.fake, x.real)}
    if x.settings.bootstrap > 0:
        b = uncertainty.bootstrap_fid(x.fake, x.real_moments, out["fid"], x.settings.bootstrap, x.seed)
        out.update(fid_ci_low=b.low, fid_ci_high=b.high, fid_bootstrap_std=b.std)
    return out


def _kid(x: Inputs) -> dict:
    k = fidelity.kid(x.fake, x.real, x.settings.kid_subsets, x.settings.kid_subset_size, x.seed)
    return {"kid_mean": k.mean, "kid_std": k.std, "kid_subset_size": k.subset_size}


def _is(x: Inputs) -> dict:
    s = fidelity.inception_score(x.fake_logits, x.settings.is_splits, x.seed)
    return {"is_mean": s.mean, "is_std": s.std}


def _pr(x: Inputs) -> dict:
    return fidelity.precision_recall(*x.pr_pair(), x.settings.neighbours)


def _dc(x: Inputs) -> dict:
    return fidelity.density_coverage(*x.pr_pair(), x.settings.neighbours)


def _fid_inf(x: Inputs) -> dict:
    f = uncertainty.fid_infinity(x.fake, x.real_moments, x.seed, x.settings.fid_inf_points)
    return {"fid_inf": f.value, "fid_inf_slope": f.slope, "fid_inf_sizes": f.sizes, "fid_inf_fids": f.fids}


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("fid", "Fréchet Inception Distance, with a bootstrap interval over generated samples", _fid,
               needs_real_features=False),
        Metric("kid", "Kernel Inception Distance (unbiased MMD², cubic kernel), mean and std over subsets", _kid),
        Metric("is", "Inception Score over 10 splits (needs the 1008-way logits weights)", _is, needs_logits=True,
               needs_real_features=False),
        Metric("pr", "precision and recall (Kynkäänniemi et al. 2019), k = 3, on VGG16 fc2 features where present",
               _pr, uses_pr_features=True),
        Metric("dc", "density and coverage (Naeem et al. 2020, prdc), k = 3, on VGG16 fc2 features where present",
               _dc, uses_pr_features=True),
        Metric("fid-inf", "FID extrapolated to infinitely many samples (Chong and Forsyth 2020)", _fid_inf,
               needs_real_features=False),
    )
}
DEFAULT_METRICS = ("fid", "kid")


def parse_metrics(text: str | None) -> tuple[str, ...]:
    """`fid,kid,is` -> ("fid", "kid", "is"), refusing unknown keys."""
    if not text:
        return DEFAULT_METRICS
    keys = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    unknown = [k for k in keys if k not in METRICS]
    if unknown or not keys:
        raise GanbenchError(f"unknown metric '{unknown[0] if unknown else text}' (known: {', '.join(METRICS)})")
    return keys


def check_stats_only(keys: tuple[str, ...]) -> None:
    """Refuse, before any work, metrics that need real features when only mu and sigma are given."""
    need = [k for k in keys if METRICS[k].needs_real_features]
    if need:
        raise GanbenchError(f"{', '.join(need)} need real features, and precomputed statistics hold only mu and "
                            "sigma: use --metrics fid,fid-inf, or give --real images")


def compute(keys: tuple[str, ...], inputs: Inputs) -> dict:
    out: dict = {}
    for key in keys:
        out.update(METRICS[key].compute(inputs))
    return out
