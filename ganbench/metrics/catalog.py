"""The metrics `ganbench score --metrics` knows, by stable key.

Each entry says what it needs (pool features of both sets, the 1008-way
logits of the generated set, the images themselves, or the model and its
suite's labelled data) and computes a dict of stable result keys. The
formulas are torch-fidelity's and prdc's (metrics/fidelity.py); intervals
and FID-infinity are ours (metrics/uncertainty.py); the classifier-based
scores are Korotka et al.'s and Wang et al.'s (ganbench/classifiers/).
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
    aug_per_class: int = int(config.DEFAULTS["aug_per_class"])  # generated images added per class
    aug_epochs: int = int(config.DEFAULTS["aug_epochs"])  # the most epochs each augmentation classifier trains


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
    fake_images: torch.Tensor | None = None  # uint8 NCHW, for the metrics that classify images
    real_images: torch.Tensor | None = None
    device: torch.device = torch.device("cpu")  # where classifiers train

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


FEATURES, IMAGES, MODEL = "features", "images", "model"  # what a metric is computed from


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    compute: Callable[[Inputs], dict] | None  # None: a MODEL metric, computed from the model and its suite
    needs_logits: bool = False
    needs_real_features: bool = True  # False: mu and sigma of the real set suffice
    uses_pr_features: bool = False  # True: VGG16 features where their weights are present
    needs: str = FEATURES  # IMAGES: the uint8 images of both sets; MODEL: a model and a labelled suite


def _fid(x: Inputs) -> dict:
    if x.real is None:
        out = {"fid": fidelity.fid_from_stats(x.fake, x.real_stats.mu, x.real_stats.sigma)}
    else:
        out = {"fid": fidelity.fid(x.fake, x.real)}
    if x.settings.bootstrap > 0:
        b = uncertainty.bootstrap_fid(x.fake, x.real_moments, out["fid"], x.settings.bootstrap, x.seed)
        out.update(fid_ci_low=b.low, fid_ci_high=b.high, fid_bootstrap_std=b.std, fid_bootstrap_bias=b.bias)
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


def _ic(protocol_name: str) -> Callable[[Inputs], dict]:
    def compute(x: Inputs) -> dict:
        from ganbench.classifiers.two_sample import PROTOCOLS, independent_classifier

        result = independent_classifier(x.real_images, x.fake_images, PROTOCOLS[protocol_name], x.seed, x.device)
        prefix = protocol_name.replace("-", "_")
        scores = {f"{prefix}_{k}": result.pop(k) for k in ("error", "error_ci_low", "error_ci_high", "train_error",
                                                            "p_value")}
        return {**scores, f"{prefix}_detail": result}

    return compute


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
        Metric("ic-strong", "strong independent classifier's held-out error, % (Korotka et al., 2024; 50 is ideal): a CNN "
               "trained to convergence to tell generated from real images", _ic("ic-strong"), needs=IMAGES),
        Metric("ic-weak", "weak independent classifier's held-out error, % (Korotka et al., 2024): a tiny CNN, short fixed "
               "budget", _ic("ic-weak"), needs=IMAGES),
        Metric("aug", "augmentation utility (Wang et al.): test accuracy of a classifier trained on real data, on real "
               "plus generated images per class, and on real plus traditional augmentation", None, needs=MODEL),
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
        raise GanbenchError(f"{', '.join(need)} need real images or their features, and precomputed statistics "
                            "hold only mu and sigma: use --metrics fid,fid-inf, or give --real images")


def needing(keys: tuple[str, ...], what: str) -> tuple[str, ...]:
    """The keys of the metrics computed from `what` (FEATURES, IMAGES or MODEL)."""
    return tuple(k for k in keys if METRICS[k].needs == what)


def compute(keys: tuple[str, ...], inputs: Inputs) -> dict:
    """The metrics computed from features and images; MODEL metrics are the caller's (runs.score_model)."""
    out: dict = {}
    for key in keys:
        if METRICS[key].needs != MODEL:
            out.update(METRICS[key].compute(inputs))
    return out
