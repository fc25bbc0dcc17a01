"""`ganbench score`: a checkpoint against its suite, or a folder of generated images against real ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench import config
from ganbench.data import load_images
from ganbench.errors import GanbenchError
from ganbench.metrics.catalog import DEFAULT_METRICS, Settings
from ganbench.metrics.stats import save_stats
from ganbench.provenance import environment
from ganbench.runs import load_checkpoint_model, score_model, suite_data
from ganbench.scoring import RealReference, Scorer
from ganbench.suites import SUITES, get_suite


@dataclass(frozen=True)
class ScoreOptions:
    """How to score, as the command line gives it."""

    device: torch.device
    seed: int = int(config.DEFAULTS["seed"])
    weights: str | None = None
    metrics: tuple[str, ...] = DEFAULT_METRICS
    bootstrap: int = int(config.DEFAULTS["bootstrap"])
    backend: str = "torch-fidelity"
    mode: str | None = None
    kid_subsets: int = int(config.DEFAULTS["kid_subsets"])
    kid_subset_size: int = int(config.DEFAULTS["kid_subset_size"])

    def scorer(self, settings: Settings | None = None) -> Scorer:
        settings = settings or Settings(self.kid_subsets, self.kid_subset_size, bootstrap=self.bootstrap)
        return Scorer(self.device, self.weights, seed=self.seed, metrics=self.metrics, settings=settings,
                      backend=self.backend, mode=self.mode)


def score_checkpoint(path: Path, suite_name: str, opts: ScoreOptions) -> dict:
    suite = get_suite(suite_name)
    model, run_config = load_checkpoint_model(path, opts.device)
    if (run_config["resolution"], run_config["channels"]) != (suite.resolution, suite.channels):
        raise GanbenchError(
            f"checkpoint makes {run_config['resolution']}x{run_config['resolution']}x{run_config['channels']} images; "
            f"suite {suite.name} is {suite.resolution}x{suite.resolution}x{suite.channels}"
        )
    p = suite.protocol
    scorer = opts.scorer(p.settings(opts.bootstrap))
    real = scorer.real(suite_data(suite, p.real_split), p.n_real)
    train_wall = run_config["checkpoint"]["wall_time"]
    return score_model(model, run_config, real, p.n_fake, scorer, opts.device, train_wall, run_dir=None)


def real_reference(scorer: Scorer, real: str) -> RealReference:
    """A suite's real split (its protocol's sample count), or every image of a folder or array file."""
    if real in SUITES:
        suite = SUITES[real]
        return scorer.real(suite_data(suite, suite.protocol.real_split), suite.protocol.n_real)
    return scorer.real(load_images(real))


def score_folders(real: str | None, real_stats: str | None, fake: Path, opts: ScoreOptions) -> dict:
    scorer = opts.scorer()
    reference = scorer.real_from_stats(real_stats) if real_stats else None
    fake_data = load_images(fake)
    reference = reference or real_reference(scorer, real)
    result = scorer.score(scorer.fake_from_images(fake_data.images), reference)
    return {"real": real or real_stats, "fake": str(fake), **result, "environment": environment(opts.device)}


def export_stats(real: str, out: Path, opts: ScoreOptions) -> dict:
    """mu and sigma of a folder's or a suite's real images, for `--real-stats` here or in other FID tools."""
    scorer = opts.scorer()
    reference = real_reference(scorer, real)
    protocol = {**scorer.extract.provenance(), "real_data": reference.data, "real_sha256": reference.content_sha256,
                "n_real": reference.n}
    save_stats(out, reference.features, protocol)
    return {"stats": str(out), **protocol}
