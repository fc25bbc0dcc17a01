"""Wang et al.'s augmentation study over a suite group: one generator per class.

Wang et al. train one generator per ore class and adds 2,000 of each one's images to its class (Table 2). The
`ore` group's suites train each class on its own; this study takes each model's finished runs on every
class suite of the group (same seed and budget), labels the real images by their suite, holds out a seeded
fifth of each class as the test split (the paper does not state its own), and writes one record per model
under runs/<group>/ and the group's leaderboard beside the published accuracies.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import torch

from ganbench.core.config import AugOptions, Settings
from ganbench.core.contracts import Record, Training
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import write_text
from ganbench.core.progress import info
from ganbench.core.provenance import environment
from ganbench.data import ImageData
from ganbench.metrics.classifiers.augmentation import per_class_generators, utility
from ganbench.metrics.result import ScoreResult
from ganbench.metrics.protocol import protocol_id
from ganbench.models.registry import get_model
from ganbench.pipeline.records import new_record, run_folder, run_records, write_record
from ganbench.pipeline.request import Request
from ganbench.pipeline.run import load_checkpoint_model, plan_run
from ganbench.results import leaderboard
from ganbench.results.published import load_published
from ganbench.suites import Protocol, Suite, expand_suites, suite_data

TEST_FRACTION = 0.2


def labelled_union(members: list[Suite], datas: list[ImageData]) -> ImageData:
    """Every member suite's training images, labelled by the suite's position in the group."""
    labels = torch.cat([torch.full((len(d),), i, dtype=torch.int64) for i, d in enumerate(datas)])
    return ImageData("+".join(d.name for d in datas), torch.cat([d.images for d in datas]), "+".join(
        d.source for d in datas), labels, tuple(s.name for s in members))


def held_out(data: ImageData, fraction: float, seed: int) -> tuple[ImageData, ImageData]:
    """(train, test): a seeded `fraction` of each class held out."""
    gen = torch.Generator().manual_seed(seed)
    test_idx, train_idx = [], []
    for c in range(len(data.classes)):
        members = (data.labels == c).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=gen)]
        k = max(1, round(len(members) * fraction))
        test_idx.append(members[:k])
        train_idx.append(members[k:])

    def part(idx: list[torch.Tensor], name: str) -> ImageData:
        i = torch.cat(idx).sort().values
        return ImageData(f"{data.name} ({name})", data.images[i], data.source, data.labels[i], data.classes)

    return part(train_idx, "train"), part(test_idx, "test")


def group_suite(name: str, members: list[Suite], n_test: int, per_class: int) -> Suite:
    """The group as a suite for its leaderboard: the published rows of `<group> (<n> classes)`."""
    first = members[0]
    return Suite(name, "+".join(s.data for s in members), first.resolution, first.channels, first.models,
                 Protocol(n_test, per_class * len(members)), published_dataset=f"{name} ({len(members)} classes)",
                 description=f"Wang et al.'s augmentation study over {', '.join(s.name for s in members)}: one "
                             f"generator per class, {per_class} of its images added to its class")


def run_group_study(name: str, members: list[Suite], request: Request) -> tuple[pd.DataFrame, list[Path]]:
    """Each model's augmentation study from its finished runs on every member suite (the request's models, seed,
    training budget, device and augmentation settings; its suite is one of the members); records and
    leaderboard."""
    models, device, seed, out = request.models, request.device, request.seed, request.out
    settings = (request.aug or AugOptions()).applied_to(Settings())
    datas = [suite_data(s, "train") for s in members]  # read once: the study and every model's run plan use them
    data = labelled_union(members, datas)
    train, test = held_out(data, TEST_FRACTION, seed)
    pipeline = {"study": "aug, one generator per class", "data_sha256": data.content_hash,
                "test_fraction": TEST_FRACTION, "per_class": settings.aug_per_class, "max_epochs": settings.aug_epochs}
    for model in models:
        t0 = time.perf_counter()
        plans = [plan_run(model, s, seed, out, d, request.steps, request.epochs, request.ic_weak_every)
                 for s, d in zip(members, datas)]
        missing = [p.run_dir for p in plans if not p.checkpoint.is_file()]
        if missing:
            raise GanbenchError(f"{model} has no trained run in {missing[0]}: train every class of {name} first")
        generators = [load_checkpoint_model(p.checkpoint, device)[0] for p in plans]
        info(f"[bold]{model}[/bold]: augmentation study over {name}, one generator per class")
        metrics = utility(per_class_generators(generators, seed), train, test, settings.aug_per_class,
                          settings.aug_epochs, seed, device)
        spec = get_model(model)
        config = {"model": spec.name, "family": spec.family, "source": spec.source, "suite": name, "seed": seed,
                  "class_runs": [str(p.run_dir) for p in plans]}  # what the study was made of
        scored = ScoreResult(
            real=f"{name}: held-out test split", fake=spec.name, metrics=metrics, precision_check=None, weights={},
            protocol={**pipeline, "id": protocol_id(pipeline), "n_real": len(test),
                      "n_fake": settings.aug_per_class * len(members), "seed": seed, "metrics": ["aug"]},
            environment=environment(device))
        record = new_record(model=spec.name, suite=name, seed=seed, family=spec.family, source=spec.source,
                            config=config, training=Training(), scored=scored,
                            wall_time_s={"score": round(time.perf_counter() - t0, 2)})
        write_record(out / "runs" / name / run_folder(spec.name, seed), record)
    return write_leaderboard(name, run_records(out / "runs", name), out)


def write_leaderboard(name: str, records: list[Record], out: Path | None) -> tuple[pd.DataFrame, list[Path]]:
    """The group study's per-metric table from its records, beside the published accuracies; as markdown and CSV
    under `out` where given (also `ganbench leaderboard --suite ore`)."""
    if not records:
        where = f" under {Path(out) / 'runs'}" if out is not None else ""
        raise GanbenchError(f"no records of the {name} study{where}: run `ganbench run --suite {name}:FOLDER "
                            "--metrics aug`")
    protocol = records[0].protocol
    suite = group_suite(name, expand_suites(name), protocol["n_real"], protocol["per_class"])
    mf = leaderboard.metric_table(records, suite, load_published())
    if out is None:
        return mf, []
    md = Path(out) / "leaderboards" / f"{suite.name}.md"
    csv = md.with_name(f"{suite.name}-metrics.csv")
    head = [f"# Leaderboard: {suite.name}", "", f"{suite.description}. Test split: a seeded {TEST_FRACTION:.0%} "
            f"of each class ({suite.protocol.n_real} images).", ""]
    write_text(md, "\n".join(head + leaderboard.metric_markdown(mf)))
    write_text(csv, mf.to_csv(index=False))
    return mf, [md, csv]


class OreAugmentationStudy:
    """The ore group's study, installed as the `ganbench.group_studies` entry point `ore`: `--metrics aug` over
    the group runs it once over both classes instead of in each class suite."""

    group = "ore"
    metrics = ("aug",)

    def run(self, members: list[Suite], request: Request) -> tuple[pd.DataFrame, list[Path]]:
        return run_group_study(self.group, members, request)

    def write_leaderboard(self, records: list[Record], out: Path | None) -> tuple[pd.DataFrame, list[Path]]:
        return write_leaderboard(self.group, records, out)


STUDY = OreAugmentationStudy()
