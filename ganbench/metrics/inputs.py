"""What a metric's compute function is handed: the scoring's settings, and the features, images or model."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch

from ganbench.core.config import Settings
from ganbench.metrics import uncertainty
from ganbench.metrics.stats import RealStats


@dataclass(kw_only=True)
class Inputs:
    """A FEATURES or IMAGES metric's inputs: generated against real."""

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


@dataclass(frozen=True)
class ModelContext:
    """A MODEL metric's inputs: the model, its run's configuration and the scoring's settings."""

    model: Any  # a ganbench GAN
    config: Any  # the run's RunConfig (its suite, model, hyperparameters)
    settings: Settings
    seed: int
    device: torch.device
