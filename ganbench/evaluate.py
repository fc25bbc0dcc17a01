"""`ganbench score`: a checkpoint against its suite, or a folder of generated images against real ones."""

from __future__ import annotations

from pathlib import Path

import torch

from ganbench.data.folder import load_folder
from ganbench.errors import GanbenchError
from ganbench.metrics.catalog import Settings
from ganbench.provenance import environment
from ganbench.runs import load_checkpoint_model, score_model, suite_data
from ganbench.metrics.stats import save_stats
from ganbench.scoring import RealReference, Scorer
from ganbench.suites import SUITES, get_suite


def score_checkpoint(path: Path, suite_name: str, device: torch.device, seed: int, weights: str | None,
                     metrics: tuple[str, ...], bootstrap: int) -> dict:
    suite = get_suite(suite_name)
    model, config = load_checkpoint_model(path, device)
    if (config["resolution"], config["channels"]) != (suite.resolution, suite.channels):
        raise GanbenchError(
            f"checkpoint makes {config['resolution']}x{config['resolution']}x{config['channels']} images; "
            f"suite {suite.name} is {suite.resolution}x{suite.resolution}x{suite.channels}"
        )
    p = suite.protocol
    scorer = Scorer(device, weights, seed=seed, metrics=metrics, settings=p.settings(bootstrap))
    real = scorer.real(suite_data(suite, p.real_split), p.n_real)
    train_wall = config["checkpoint"]["wall_time"]
    return score_model(model, config, real, p.n_fake, scorer, device, train_wall, run_dir=None)


def real_reference(scorer: Scorer, real: str) -> RealReference:
    """A suite's real split (its protocol's sample count) or every image of a folder."""
    if real in SUITES:
        suite = SUITES[real]
        return scorer.real(suite_data(suite, suite.protocol.real_split), suite.protocol.n_real)
    return scorer.real(load_folder(real))


def score_folders(real: str | None, real_stats: str | None, fake: Path, device: torch.device, seed: int,
                  weights: str | None, metrics: tuple[str, ...], settings: Settings) -> dict:
    scorer = Scorer(device, weights, seed=seed, metrics=metrics, settings=settings)
    reference = scorer.real_from_stats(real_stats) if real_stats else None
    fake_data = load_folder(fake)
    reference = reference or real_reference(scorer, real)
    result = scorer.score(scorer.fake_from_images(fake_data.images), reference)
    return {"real": real or real_stats, "fake": str(fake), **result, "environment": environment(device)}


def export_stats(real: str, out: Path, device: torch.device, seed: int, weights: str | None) -> dict:
    """mu and sigma of a folder's or a suite's real images, for `--real-stats` here or in other FID tools."""
    scorer = Scorer(device, weights, seed=seed)
    reference = real_reference(scorer, real)
    protocol = {**scorer.extract.provenance(), "real_data": reference.data, "real_sha256": reference.content_sha256,
                "n_real": reference.n}
    save_stats(out, reference.features, protocol)
    return {"stats": str(out), **protocol}
