"""ganbench from Python: the functions `import ganbench` gives, each the same work as its CLI command.

    import ganbench
    result = ganbench.score("real_images/", fake_tensor, value_range=(-1, 1))
    result.values["fid"], result.intervals["fid"], result.protocol_id

Every problem the caller can fix raises `ganbench.GanbenchError`, in one line that names settings as these
functions' parameters (`n_fake`, not the CLI's `--n-fake`); nothing here exits the interpreter. The bounds
are the CLI's (`bootstrap` at least 0, `n_fake` at least 2, ...), and so are the defaults
(`ganbench.core.config.DEFAULTS`). See docs/api.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Union

import numpy as np
import pandas as pd
import torch

from ganbench.core.config import DEFAULTS, AugOptions
from ganbench.core.contracts import Record
from ganbench.core.errors import GanbenchError, speaks_api
from ganbench.core.provenance import resolve_device
from ganbench.data.arrays import images_from_array
from ganbench.metrics.registry import DEFAULT_METRICS, parse_metrics
from ganbench.metrics.result import ScoreResult
from ganbench.metrics.stats import holds_stats
from ganbench.models.registry import ModelSpec, load_zoo
from ganbench.pipeline.request import Request, parse_seeds
from ganbench.results.group_studies import group_studies
from ganbench.suites import SUITES, Suite, expand_suites, get_suite, suite_for

if TYPE_CHECKING:
    from ganbench.pipeline.suite import Confirm

Images = Union[str, os.PathLike, np.ndarray, torch.Tensor]


@speaks_api
def score(real: Images, fake: Images | Callable[[torch.Tensor], torch.Tensor],
          metrics: Iterable[str] | str = DEFAULT_METRICS, *, n_fake: int | None = None, n_real: int | None = None,
          value_range: tuple[float, float] | None = None, latent_dim: int | None = None,
          seed: int = DEFAULTS.seed, device: str | torch.device = DEFAULTS.device,
          precision: str = DEFAULTS.precision, backend: str = "torch-fidelity", mode: str | None = None,
          bootstrap: int = DEFAULTS.bootstrap, kid_subsets: int = DEFAULTS.kid_subsets,
          kid_subset_size: int = DEFAULTS.kid_subset_size, inception_weights: str | os.PathLike | None = None,
          vgg16_weights: str | os.PathLike | None = None, settings: Mapping[str, object] | None = None) -> ScoreResult:
    """Score generated images against real ones: `ganbench score --real ... --fake ...` from Python.

    real: a folder of images, a `.npy`/`.npz` array file, a suite's name (its real reference images), a
        statistics file (`.npz` with `mu` and `sigma`, FID and FID-infinity only), or images in memory.
    fake: a folder, an array file, images in memory, or a generator: an `nn.Module` or any function from an
        N x latent_dim noise tensor to N x C x H x W images, with `n_fake` images to draw (its noise size from
        `latent_dim`, else its `latent_dim`, `z_dim` or `nz` attribute). The generator is used where it is (not
        moved, and left in the mode it was in); its output range is `value_range`, (-1, 1) unless given.
    Images in memory are NumPy arrays or torch tensors laid out N x C x H x W, N x H x W x C or N x H x W
        (C = 1 or 3): uint8 in [0, 255], or floats whose range `value_range` states, such as (-1, 1) or
        (0, 1); the range of floats is never guessed. `value_range` concerns floats alone: a uint8 set beside
        a float one stays [0, 255].
    metrics: names such as ("fid", "kid", "is", "pr", "dc", "fid-inf", "ic-strong", "ic-weak"), or "fid,kid".
    settings: any computed metric's settings by name, {"kid.subset_size": 500} (`ganbench score --set`; the
        list is in docs/cli.md); `kid_subsets`, `kid_subset_size` and `bootstrap` are older names of three.
    n_real: score against a seeded subset of this many real images (default: all).
    seed: noise, KID subsets and bootstrap resamples; the same seed gives the same numbers on the CPU.
    device: "auto" (CUDA where available), "cpu", "cuda" or "cuda:N". precision: "exact" (float32,
        torch-fidelity's numbers), "fast" (its FID difference from exact measured, in `precision_check`) or
        "reference" (torch-fidelity's own forward pass: its features bit for bit, more slowly).

    Returns a ScoreResult: `values` ({"fid": ..., "kid": ...}), `intervals` (95%), `n_fake`, `n_real`,
    `protocol` and `protocol_id`, `provenance`, `notes`. Under torchrun every process calls it, each extracts
    its share of the features, and each gets the same result.
    """
    from ganbench.models.external import wrap_generator
    from ganbench.pipeline.evaluate import ModelInput, ScoreOptions, score_inputs

    keys = parse_metrics(metrics)
    opts = ScoreOptions(device=_device(device), seed=seed, weights=_path(inception_weights), metrics=keys,
                        bootstrap=bootstrap, backend=backend, mode=mode,
                        kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, precision=precision,
                        vgg16_weights=_path(vgg16_weights), given=settings or {})
    real_side, real_stats = _real_side(real, value_range)
    if n_real is not None and real_stats is not None:
        raise GanbenchError("n_real chooses real images, and a statistics file has none: give real images instead")
    if isinstance(fake, (np.ndarray, torch.Tensor)):
        fake_side = images_from_array(fake, "generated images", value_range)
    elif isinstance(fake, (str, os.PathLike)):
        fake_side = Path(fake)
    else:
        generator = wrap_generator(fake, latent_dim, value_range or (-1.0, 1.0))
        fake_side = ModelInput(generator=generator, name=f"generator {type(fake).__name__}", n=n_fake)
    if n_fake is not None and not isinstance(fake_side, ModelInput):
        raise GanbenchError("n_fake is how many images to draw from a generator; with images, pass as many as "
                            "should be scored")
    return score_inputs(real_side, real_stats, fake_side, opts, n_real)


def _real_side(real: Images, value_range: tuple[float, float] | None):
    """(images or a suite, folder or array file; statistics file) of the real side."""
    if isinstance(real, (np.ndarray, torch.Tensor)):
        return images_from_array(real, "real images", value_range), None
    if isinstance(real, (str, os.PathLike)):
        text = str(real)
        if text not in SUITES and holds_stats(text):
            return None, text
        return text, None
    raise GanbenchError(f"real: expected a folder, an array file, a suite name, a statistics file, or images as a "
                        f"NumPy array or torch tensor; got {type(real).__name__}")


def _device(device: str | torch.device) -> torch.device:
    return resolve_device(str(device))


def _path(p: str | os.PathLike | None) -> str | None:
    return None if p is None else str(p)


@speaks_api
def run_suite(suite: str = DEFAULTS.suite, models: Iterable[str] | None = None, *,
              seeds: int | str | Iterable[int] = DEFAULTS.seed, seed: int | None = None,
              out: str | os.PathLike = DEFAULTS.out,
              steps: int | None = None, epochs: int | None = None, metrics: Iterable[str] | str = DEFAULT_METRICS,
              device: str | torch.device = DEFAULTS.device, precision: str = DEFAULTS.precision,
              inception_weights: str | os.PathLike | None = None, reuse: bool = DEFAULTS.reuse,
              aug_per_class: int = DEFAULTS.aug_per_class, aug_epochs: int = DEFAULTS.aug_epochs,
              ic_weak_every: float | None = DEFAULTS.ic_weak_every):
    """`ganbench run`: train (or load finished) each model of a suite, score it, write its record and the
    suite's leaderboard under `out`. Returns a SuiteResult: `table` (the leaderboard, a DataFrame), `files`
    (what was written) and `records`. Asks nothing: the caller decided to run it. `reuse`: keep each record that
    serves (the same run configuration, metrics, precision and steps) instead of scoring the model again.
    `seeds`: one training seed or several (`0`, `"0,1,2"`, `[0, 1, 2]`), as `--seed`; `seed` is its old name.

    A suite group (`"ore:FOLDER"`: one suite per class) runs each class suite in turn, then the group's study
    where its metrics are asked (`metrics="aug"`), and returns a GroupResult: `boards`, each class suite's
    SuiteResult by name and the study's under the group's name."""
    members = expand_suites(suite)
    names = tuple(models) if models is not None else members[0].models
    request = Request(suite=members[0], models=names, out=Path(out), seeds=_seeds(seeds, seed),
                      device=_device(device), steps=steps, epochs=epochs, weights=_path(inception_weights),
                      metrics=parse_metrics(metrics), precision=precision,
                      aug=AugOptions(aug_per_class=aug_per_class, aug_epochs=aug_epochs), ic_weak_every=ic_weak_every,
                      reuse=reuse)
    boards = {board.suite: board for board in run_named(suite, request)}
    return boards[members[0].name] if len(boards) == 1 and members[0].name in boards else GroupResult(boards=boards)


@dataclass(frozen=True, kw_only=True)
class SuiteResult:
    suite: str  # the suite's name, or the group's for a group study's board
    table: pd.DataFrame  # the leaderboard
    files: list[Path]  # its markdown, CSVs and PNGs
    records: list[Record]
    notes: tuple[str, ...] = ()  # what the board says under its table (the runs' notes, damaged records)
    study: bool = False  # a group study's board (Wang et al.'s accuracies by metric), not a suite's leaderboard


@dataclass(frozen=True, kw_only=True)
class GroupResult:
    """`run_suite` on a suite group: each board written, by suite (the group study's by the group's name)."""

    boards: dict[str, SuiteResult]


def run_named(name: str, request: Request, confirm_for: Callable[[Suite], Confirm | None] | None = None):
    """What `run_suite` and `ganbench run` do with a suite's name and their request (made for the name's first
    suite): each suite the name runs (`ore:FOLDER`: one per class) with the request, yielding its board, and
    then, where the request asks for a group study's metrics, the study over the group's suites and its board.
    `confirm_for(suite)` gives the check made before each suite's work (see `run_request`)."""
    from ganbench.core import distributed
    from ganbench.pipeline.suite import train_runs

    members = expand_suites(name)
    study = group_studies().get(name.partition(":")[0])
    over_group = tuple(k for k in request.metrics if study and k in study.metrics)
    if over_group and distributed.current().distributed:
        raise GanbenchError(f"the {study.group} group's study ({', '.join(over_group)}) runs in one process: train "
                            f"the group under torchrun without it, then run it again in one process")
    per_suite = tuple(k for k in request.metrics if k not in over_group)
    for s in members:
        member = replace(request, suite=s, metrics=per_suite)
        if per_suite:
            yield run_request(member, confirm=confirm_for(s) if confirm_for else None)
        else:  # the group study alone: each class suite is trained, and scored by the study
            train_runs(member)
    if over_group:
        table, files = study.run(members, replace(request, suite=members[0], metrics=over_group))
        yield SuiteResult(suite=study.group, table=table, files=files, records=[], study=True)


def run_request(request: Request, confirm: Confirm | None = None) -> SuiteResult:
    """What `run_named` does with each suite's request: each model's record made (or, with `request.reuse`,
    reused where it serves), then the suite's leaderboard written from every record under `out`. `confirm` is
    handed the plan's estimated duration before any work, and raises to stop it."""
    from ganbench.core import distributed
    from ganbench.pipeline.suite import complete_request

    complete_request(request, rescore=not request.reuse, confirm=confirm)
    return distributed.on_main(write_board, request.out, request.suite.name)  # rank 0 writes; every rank gets it


def write_board(out: Path, suite: str) -> SuiteResult:
    """The suite's leaderboard from every record under `out` (kept and under runs/), what `ganbench run` ends with
    and `ganbench leaderboard` does; a damaged record is named in the board's notes. A group study's name (`ore`)
    rebuilds the study's board from its records."""
    from ganbench.pipeline.records import board_records, damaged_records

    return _board(board_records(out, suite), suite, Path(out), damaged_records(Path(out) / "runs", suite))


def _board(records: list[Record], suite: str, out: Path | None, damaged: dict | None = None) -> SuiteResult:
    """One suite's records as its board (written under `out` where given), or a group study's."""
    from ganbench.results import leaderboard as boards
    from ganbench.results.published import load_published

    study = group_studies().get(suite)
    if study is not None:
        table, files = study.write_leaderboard(records, out)
        return SuiteResult(suite=suite, table=table, files=files, records=records, study=True)
    s = get_suite(suite)
    if out is None:
        return SuiteResult(suite=s.name, table=boards.table(records, s, load_published()), files=[], records=records)
    table, files = boards.write(records, s, load_published(), out, damaged)
    notes = tuple(boards.board_notes(records, damaged or {}))
    return SuiteResult(suite=s.name, table=table, files=files, records=records, notes=notes)


def _seeds(seeds: int | str | Iterable[int], seed: int | None) -> tuple[int, ...]:
    """`seeds=` (one grammar with the CLI's --seed), or `seed=`, the name `run_suite` had: not both."""
    if seed is not None:
        if seeds != DEFAULTS.seed:
            raise GanbenchError("give seeds (one or several), not seeds and seed")
        seeds = seed
    return parse_seeds(seeds, "seeds")


@speaks_api
def load_records(folder: str | os.PathLike = DEFAULTS.out, suite: str | None = None) -> list[Record]:
    """The records a leaderboard is made of, under `folder` (what `ganbench run --out` was given): each run's
    `runs/<suite>/<run>/record.json` and the kept `leaderboards/records/<suite>/*.json`. One suite's, or every
    suite's found there. A damaged kept record is an error; a damaged run record is skipped with a warning."""
    from ganbench.pipeline.records import KEPT, board_records

    folder = Path(folder)
    if suite is None:
        found = {p.name for p in (folder / "runs").glob("*") if p.is_dir()}
        found |= {p.name for p in (folder / KEPT).glob("*") if p.is_dir()}
        if not found:
            raise GanbenchError(f"no records under {folder} (neither runs/ nor leaderboards/records/)")
        suites = sorted(found)
    else:
        suites = [suite]
    records = []
    for name in suites:
        try:
            records += board_records(folder, name)
        except GanbenchError:
            if suite is not None:
                raise
    return records


@speaks_api
def leaderboard(records: list[Record], suite: str | None = None, *, out: str | os.PathLike | None = None) -> pd.DataFrame:
    """The leaderboard of one suite's records, beside the published numbers: a DataFrame with the rows and columns
    of `ganbench leaderboard`. With `out`, also writes leaderboards/<suite>.md, .csv and PNGs there. A group
    study's records (`load_records(folder, "ore")`) give the study's board."""
    if not records:
        raise GanbenchError("leaderboard: no records (load them with ganbench.load_records)")
    suites = sorted({r.suite for r in records})
    if suite is None and len(suites) > 1:
        raise GanbenchError(f"the records are of several suites ({', '.join(suites)}): pass suite=")
    name = suite or suites[0]
    name = name if name in group_studies() else get_suite(name).name
    mine = [r for r in records if r.suite == name]
    if not mine:
        raise GanbenchError(f"none of the records is of suite {name}")
    return _board(mine, name, None if out is None else Path(out)).table


@speaks_api
def compare(models: Iterable[str], suite: str | None = None, *, seeds: int | str | Iterable[int] = DEFAULTS.seed,
            seed: int | None = None,
            out: str | os.PathLike = DEFAULTS.out, steps: int | None = None, epochs: int | None = None,
            metrics: Iterable[str] | str = DEFAULTS.metrics, alpha: float = DEFAULTS.alpha,
            device: str | torch.device = DEFAULTS.device, precision: str = DEFAULTS.precision,
            inception_weights: str | os.PathLike | None = None):
    """`ganbench compare`: the models on one suite (default: the first suite holding them all), from their
    records under `out`, training and scoring only what is missing. Returns a Comparison: `rows` (each metric's
    estimates and differences from the first model), `verdict(row, model)`, `caveats`, `protocol_id`."""
    names = tuple(models)
    s = get_suite(suite) if suite else suite_for(names)
    request = Request(suite=s, models=names, out=Path(out), seeds=_seeds(seeds, seed), device=_device(device),
                      steps=steps, epochs=epochs,
                      weights=_path(inception_weights), metrics=parse_metrics(metrics), precision=precision)
    return compare_request(request, alpha)[0]


def compare_request(request: Request, alpha: float, confirm: Confirm | None = None):
    """What `compare` and `ganbench compare` do with their request: each model's records (reused, or trained and
    scored where missing), the comparison of every shared metric, and its table and pictures under `out`.
    Returns (Comparison, files written)."""
    from ganbench.pipeline.suite import complete_request
    from ganbench.results import compare as comparing

    models = request.models
    if len(models) < 2 or len(set(models)) != len(models):
        raise GanbenchError("compare needs two or more different models, such as dcgan and fcgan")
    if not 0 < alpha < 1:
        raise GanbenchError(f"alpha must lie between 0 and 1, not {alpha}")
    plans, records = complete_request(request, rescore=False, confirm=confirm)
    result = comparing.build({m: [r for r in records if r.model == m] for m in models}, request.suite.name, alpha)
    first_runs = {m: next(p.run_dir for p in plans if p.config.model == m) for m in models}
    return result, comparing.write(result, first_runs, request.out, request.device, request.seed)


@speaks_api
def zoo() -> dict[str, ModelSpec]:
    """Every model ganbench knows, built-in and plugged in, by name (`ganbench zoo` lists them)."""
    return dict(load_zoo().models)
