"""Models on a suite, end to end: find what each run already has, train and score only what it lacks.

`ganbench run` rescores every model (a benchmark of now) unless asked to reuse; `ganbench compare` reuses each
run's record when it serves the request. Both say what they will do before they do it. The leaderboard and the
comparison made of the records are the Python API's (`ganbench.api`), which both commands call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from ganbench.core import distributed
from ganbench.core.contracts import Record, identity
from ganbench.core.errors import GanbenchError
from ganbench.core.progress import info
from ganbench.data import ImageData
from ganbench.metrics.registry import get_metric
from ganbench.metrics.scorer import Scorer
from ganbench.models.registry import get_model
from ganbench.pipeline import duration
from ganbench.pipeline.records import RECORD, kept_record_path, read_kept, read_record
from ganbench.pipeline.request import Request
from ganbench.pipeline.run import RunPlan, build_model, load_checkpoint_model, plan_run, score_model, train
from ganbench.suites import Suite, suite_data, suite_real_images
from ganbench.train import checkpoint


@dataclass(frozen=True)
class RunState:
    """What one planned run already has on disk."""

    plan: RunPlan
    step: int  # the checkpoint's step (0: none)
    record: Record | None  # a record of this very run that serves the requested metrics and precision
    record_path: Path | None = None  # where that record lies: the run folder, or the kept (committed) records

    @property
    def name(self) -> str:
        return f"{self.plan.config.model} seed {self.plan.config.seed}"

    @property
    def trained(self) -> bool:
        return self.step >= self.plan.config.total_steps

    def todo(self, rescore: bool) -> str:
        total = self.plan.config.total_steps
        if self.record is not None and not rescore:
            return f"record found: reused ({self.record_path})"
        if self.trained:
            return "trained: scoring"
        if self.step:
            return f"interrupted at step {self.step}/{total}: resuming training, then scoring"
        return f"not trained: training {total} steps, then scoring"


def _serves(record: Record | None, plan: RunPlan, metrics: tuple[str, ...], precision: str) -> bool:
    if record is None:
        return False
    return (identity(record.config or {}) == identity(plan.config)
            and set(metrics) <= set(record.scored_metrics)
            and (record.precision_check or {}).get("precision", "exact") == precision
            and record.training.steps == plan.config.total_steps)


def survey(plans: list[RunPlan], metrics: tuple[str, ...], precision: str) -> list[RunState]:
    states = []
    for plan in plans:
        step = int(checkpoint.load(plan.checkpoint)["step"]) if plan.checkpoint.is_file() else 0
        path, kept = plan.run_dir / RECORD, kept_record_path(plan.run_dir)
        record = read_record(path) if path.is_file() else None
        if record is None and kept.is_file():  # a committed result, kept without its checkpoint
            path, record = kept, read_kept(kept)
        serves = _serves(record, plan, metrics, precision)
        states.append(RunState(plan, step, record if serves else None, path if serves else None))
    return states


Confirm = Callable[[duration.PlanDuration], None]  # raises to stop work the user did not agree to


def complete(states: list[RunState], request: Request, train_data: ImageData, rescore: bool,
             confirm: Confirm | None = None) -> list[Record]:
    """Each run's record: reused, or made by training (or resuming) on `train_data` (the suite's) and scoring.
    Says the plan first, with its estimated duration where the work is worth measuring, and hands that estimate
    to `confirm` before any work."""
    suite, device, metrics, aug = request.suite, request.device, request.metrics, request.aug
    for s in states:
        info(f"[bold]{s.name}[/bold]: {s.todo(rescore)}" + ("" if s.record and not rescore else f" ({s.plan.run_dir})"))
    todo = [s for s in states if rescore or s.record is None]
    if not todo:
        return [s.record for s in states]
    # Before training: missing weights, an IS without logits or aug without labels must not cost a training run.
    settings = aug.applied_to(suite.protocol.settings()) if aug else suite.protocol.settings()
    scorer = Scorer(device, weights_path=request.weights, seed=request.seed, metrics=metrics, settings=settings,
                    precision=request.precision)
    for key in metrics:
        hint = get_metric(key).needs_labels
        if hint is not None and train_data.labels is None:
            raise GanbenchError(f"{key} needs class labels, and {suite.name}'s data has none: use a labelled "
                                f"suite{hint}")
    real_images = suite_real_images(suite)
    planned = _say_estimate(todo, suite, train_data, real_images, scorer, device)
    if planned is not None and confirm is not None:
        confirm(planned)
    walls = {s.plan.run_dir: train(s.plan, train_data, device, resume=True).wall_time for s in todo}
    real = scorer.real(real_images)
    made = {}
    for s in todo:
        model, config = load_checkpoint_model(s.plan.checkpoint, device)
        made[s.plan.run_dir] = score_model(model, config, real, scorer.with_seed(config.seed),
                                           n_fake=suite.protocol.n_fake, train_wall=walls[s.plan.run_dir],
                                           run_dir=s.plan.run_dir, curve_n=suite.protocol.curve_n)
    return [made.get(s.plan.run_dir, s.record) for s in states]


def _say_estimate(todo: list[RunState], suite: Suite, train_data, real_images, scorer: Scorer,
                  device: torch.device) -> duration.PlanDuration | None:
    """The planned work and its rough duration here, measured on the spot; said (and returned) only for work
    worth the probe."""
    steps = {s.name: s.plan.config.total_steps - s.step for s in todo if not s.trained}
    p = suite.protocol  # each run: its generated images, and curve_n more at each kept snapshot
    images = len(real_images) + sum(p.n_fake + p.curve_n * len(s.plan.config.snapshot_steps) for s in todo)
    images = images if scorer.needs_features else 0
    if not distributed.current().is_main or not duration.worth_estimating(steps, images):
        return None
    rates = {s.name: duration.training_rate(lambda: build_model(s.plan.config), train_data,
                                            s.plan.config.batch_size, device)
             for s in todo if s.name in steps}
    feature_rate = scorer.extract.images_per_second(real_images.images, duration.PROBE_IMAGES) if images else None
    planned = duration.PlanDuration(steps, rates, images, feature_rate, str(device))
    info(planned.line())
    return planned


def checked_train_data(request: Request) -> ImageData:
    """The suite's training images, read once the request's models are known to fit the suite: unknown names
    and impossible sizes fail before any work starts."""
    suite = request.suite
    for name in request.models:
        get_model(name).check_resolution(suite.resolution, suite.name)
    return suite_data(suite, "train")


def plan_runs(request: Request, train_data: ImageData | None = None) -> list[RunPlan]:
    """Each model's run for each seed, in that order; `train_data` is the suite's, read here when not given."""
    train_data = checked_train_data(request) if train_data is None else train_data
    return [plan_run(m, request.suite, seed, request.out, train_data, request.steps, request.epochs,
                     request.ic_weak_every) for m in request.models for seed in request.seeds]


def train_runs(request: Request) -> None:
    """Train (or resume, or find finished) each model's run on the suite, scoring nothing."""
    data = checked_train_data(request)
    for plan in plan_runs(request, data):
        train(plan, data, request.device, resume=True)


Completed = tuple[list[RunPlan], list[Record]]


def complete_request(request: Request, rescore: bool, confirm: Confirm | None = None) -> Completed:
    """Each planned run of the request and its record: reused where it serves (unless `rescore`), else made by
    training what is missing and scoring. Under torchrun rank 0 reads the runs' state and every rank follows it."""
    train_data = checked_train_data(request)  # read once: the plans and the training use it
    plans = plan_runs(request, train_data)
    states = distributed.on_main(survey, plans, request.metrics, request.precision)
    return plans, complete(states, request, train_data, rescore=rescore, confirm=confirm)
