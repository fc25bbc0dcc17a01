"""`ganbench score`: a checkpoint against its suite, or a folder of generated images against real ones."""

from __future__ import annotations

from pathlib import Path

import torch

from ganbench.data.folder import load_folder
from ganbench.errors import GanbenchError
from ganbench.provenance import environment
from ganbench.runs import load_checkpoint_model, score_model, suite_data
from ganbench.scoring import Scorer
from ganbench.suites import SUITES, get_suite


def score_checkpoint(path: Path, suite_name: str, device: torch.device, seed: int, weights: str | None) -> dict:
    suite = get_suite(suite_name)
    model, config = load_checkpoint_model(path, device)
    if (config["resolution"], config["channels"]) != (suite.resolution, suite.channels):
        raise GanbenchError(
            f"checkpoint makes {config['resolution']}x{config['resolution']}x{config['channels']} images; "
            f"suite {suite.name} is {suite.resolution}x{suite.resolution}x{suite.channels}"
        )
    p = suite.protocol
    scorer = Scorer(device, weights, seed=seed, kid_subsets=p.kid_subsets, kid_subset_size=p.kid_subset_size)
    real = scorer.real(suite_data(suite, p.real_split), p.n_real)
    train_wall = config["checkpoint"]["wall_time"]
    return score_model(model, config, real, p.n_fake, scorer, device, train_wall, run_dir=None)


def score_folders(real: str, fake: Path, device: torch.device, seed: int, weights: str | None,
                  kid_subsets: int, kid_subset_size: int) -> dict:
    fake_data = load_folder(fake)
    scorer = Scorer(device, weights, seed=seed, kid_subsets=kid_subsets, kid_subset_size=kid_subset_size)
    if real in SUITES:
        suite = SUITES[real]
        reference = scorer.real(suite_data(suite, suite.protocol.real_split), suite.protocol.n_real)
    else:
        reference = scorer.real(load_folder(real))
    result = scorer.score(scorer.fake_from_images(fake_data.images), reference)
    return {"real": real, "fake": str(fake), **result, "environment": environment(device)}
