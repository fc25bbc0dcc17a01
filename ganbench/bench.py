"""`ganbench run`: train (or find finished) every model of a suite, score each, write the leaderboard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from ganbench import leaderboard
from ganbench.metrics.catalog import DEFAULT_METRICS
from ganbench.published import load_published
from ganbench.records import load_records
from ganbench.registry import get_model
from ganbench.runs import load_checkpoint_model, plan_run, score_model, suite_data, train
from ganbench.scoring import Scorer
from ganbench.suites import Suite
from ganbench.progress import info


@dataclass(frozen=True)
class SuiteResult:
    table: pd.DataFrame
    markdown: Path
    csv: Path
    records: list[dict]


def run_suite(suite: Suite, models: list[str], device: torch.device, seed: int, out: Path,
              steps: int | None = None, epochs: int | None = None, weights: str | None = None,
              metrics: tuple[str, ...] = DEFAULT_METRICS, precision: str = "exact") -> SuiteResult:
    for name in models:
        get_model(name)  # unknown names fail before any work starts
    # Before training: missing weights, or an IS without logits, must not cost a training run first.
    scorer = Scorer(device, weights, seed=seed, metrics=metrics, settings=suite.protocol.settings(),
                    precision=precision)
    train_data = suite_data(suite, "train")
    plans = [plan_run(m, suite, seed, out, train_data, steps, epochs) for m in models]
    trained = []
    for plan in plans:
        info(f"[bold]{plan.config['model']}[/bold]: {plan.config['total_steps']} steps in {plan.run_dir}")
        trained.append(train(plan, train_data, device, resume=True))

    real = scorer.real(suite_data(suite, suite.protocol.real_split), suite.protocol.n_real)
    for plan, result in zip(plans, trained):
        model, config = load_checkpoint_model(plan.checkpoint, device)
        score_model(model, config, real, suite.protocol.n_fake, scorer, device, result.wall_time, plan.run_dir)

    published = load_published()
    records = load_records(Path(out) / "runs", suite.name)
    df = leaderboard.table(records, suite, published)
    md, csv = leaderboard.write(df, suite, published, out)
    return SuiteResult(df, md, csv, records)
