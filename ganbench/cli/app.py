"""The `ganbench` commands: one small function per command, parsing its options and calling the layers below;
what they do is done by the Python API and the layers below, what they print is rendered by cli/render.py, and
cli/main.py runs them (exit codes, one-line errors). The shared options are cli/options.py; `stats` and `cache`,
housekeeping, are cli/housekeeping.py. Every other command is here, so the command line reads as one table of
contents."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ganbench.cli.housekeeping import cache_app, stats_app
from ganbench.cli.options import (MAX_IMAGES, SetOpt, alias_help, AskOverOpt, AugEpochsOpt, AugPerClassOpt, BackendOpt, BootstrapOpt,
                                  DeviceOpt, EpochsOpt, IcWeakEveryOpt, JsonOpt, MetricsOpt, ModeOpt, OutOpt,
                                  PrecisionOpt, RecordsOutOpt, ReuseOpt, SeedOpt, SeedsOpt, StepsOpt, SuiteOpt,
                                  WeightsOpt, YesOpt, models_option)
from ganbench.cli.render import (print_board, print_comparison, print_explore, print_gate, print_json, print_score,
                                 print_suites, print_zoo, stdout)
from ganbench.core.config import DEFAULTS, HELP
from ganbench.core.errors import GanbenchError

app = typer.Typer(
    name="ganbench",
    help="Benchmark GANs: train or load zoo models, score them with exact FID/KID, write leaderboards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # click's plain help: flags as flags (`--json`), values with their type
)


@app.command()
def run(
    suite: Optional[str] = typer.Option(None, "--suite", help=HELP["suite"] + f" Default: {DEFAULTS.suite}, or "
                                        "with --models the first suite that holds them all."),
    models: Optional[str] = typer.Option(None, "--models", help="Comma-separated models (default: the suite's)."),
    device: str = DeviceOpt,
    seeds: str = SeedsOpt,
    out: Path = OutOpt,
    steps: Optional[int] = StepsOpt,
    epochs: Optional[int] = EpochsOpt,
    inception_weights: Optional[Path] = WeightsOpt,
    metrics: str = MetricsOpt,
    precision: str = PrecisionOpt,
    aug_per_class: int = AugPerClassOpt,
    aug_epochs: int = AugEpochsOpt,
    ic_weak_every: Optional[float] = IcWeakEveryOpt,
    yes: bool = YesOpt,
    ask_over: float = AskOverOpt,
    reuse: bool = ReuseOpt,
):
    """Train (or load finished) each model of a suite, score it, write records and the leaderboard.

    `--suite ore:FOLDER` runs one suite per ore class (FOLDER/concentrate, FOLDER/waste), each scored on its own.
    """
    from ganbench.api import run_named
    from ganbench.core import distributed
    from ganbench.core.config import AugOptions
    from ganbench.core.provenance import resolve_device
    from ganbench.metrics.registry import parse_metrics
    from ganbench.pipeline.request import Request, parse_seeds
    from ganbench.suites import expand_suites

    if suite is None:
        suite = _suite_holding(models_option(models, ())).name if models else DEFAULTS.suite
    members = expand_suites(suite)
    names = tuple(models_option(models, members[0].models))
    request = Request(suite=members[0], models=names, out=out, seeds=parse_seeds(seeds),
                      device=distributed.setup(resolve_device(device)), steps=steps, epochs=epochs,
                      weights=str(inception_weights) if inception_weights else None, metrics=parse_metrics(metrics),
                      precision=precision, aug=AugOptions(aug_per_class=aug_per_class, aug_epochs=aug_epochs),
                      ic_weak_every=ic_weak_every,
                      reuse=reuse)
    for board in run_named(suite, request, lambda s: _ask_before_long_work(yes, ask_over, s, list(names))):
        print_board(board)


def _ask_before_long_work(yes: bool, ask_over: float, suite, models: list[str]):
    """The check `run` and `compare` make once the plan's duration is estimated, before any work: past
    `ask_over` minutes, a question at a terminal; without one, a refusal unless --yes."""
    from ganbench.suites import quicker

    def confirm(planned) -> None:
        if yes or planned.seconds <= ask_over * 60:
            return
        long = f"the plan takes about {planned.duration} on {planned.device}"
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise GanbenchError(f"{long}, over the {ask_over:g} min that start without asking: pass --yes to start "
                                f"it, or try {quicker(suite, models)}")
        if not typer.confirm(f"{long}. Start it? (quicker: {quicker(suite, models)})", default=False, err=True):
            raise GanbenchError("nothing started")

    return confirm


def _suite_holding(models: list[str]):
    """No --suite: the first suite holding every named model, said before any work."""
    from ganbench.core.progress import info
    from ganbench.suites import suite_for

    chosen = suite_for(models)
    info(f"no --suite given: using {chosen.name}, the first suite that holds {', '.join(models)} "
         f"({chosen.description})")
    return chosen


def _version(value: bool) -> None:
    if value:
        from ganbench.core.version import __version__

        stdout.print(f"ganbench {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                         help="Print ganbench's version and exit.")) -> None:
    """Benchmark GANs: train or load zoo models, score them with exact FID/KID, write leaderboards."""


@app.command()
def zoo(as_json: bool = JsonOpt):
    """List every model with its family, source, parameter counts and default hyperparameters."""
    from ganbench.cli.listing import zoo_listing

    listing = zoo_listing()
    if as_json:
        return print_json(listing)
    print_zoo(listing)


@app.command()
def suites(as_json: bool = JsonOpt):
    """List every suite with its data (and whether it is on this machine), resolution, channels, models and
    metric protocol."""
    from ganbench.data import PROVIDERS
    from ganbench.suites import SUITES

    listing = [{**s.as_dict(), "data_available": PROVIDERS[s.data].availability()} for s in SUITES.values()]
    if as_json:
        return print_json(listing)
    print_suites(listing)


@app.command()
def train(
    model: str = typer.Argument(..., help="Model name (see `ganbench zoo`)."),
    suite: str = SuiteOpt,
    steps: Optional[int] = typer.Option(None, "--steps", min=1, help="Training steps (default: the suite's budget)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="Training epochs (default: the suite's budget)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same configuration."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again even if a checkpoint exists."),
    device: str = DeviceOpt,
    seed: int = SeedOpt,
    out: Path = OutOpt,
    ic_weak_every: Optional[float] = IcWeakEveryOpt,
    checkpoint_every: int = typer.Option(DEFAULTS.checkpoint_every, "--checkpoint-every",
                                         help=HELP["checkpoint_every"], min=1),
):
    """Train one model on a suite's training data, with checkpoints, logs and sample grids."""
    from ganbench.core import distributed
    from ganbench.core.provenance import resolve_device
    from ganbench.pipeline.run import plan_run
    from ganbench.pipeline.run import train as train_run
    from ganbench.suites import get_suite, suite_data

    s = get_suite(suite)
    data = suite_data(s, "train")
    plan = plan_run(model, s, seed, out, data, steps, epochs, ic_weak_every)
    result = train_run(plan, data, distributed.setup(resolve_device(device)), resume=resume, overwrite=overwrite,
                       checkpoint_every=checkpoint_every)
    stdout.print(f"trained {model} for {result.steps} steps ({result.wall_time:.1f} s): {plan.checkpoint}",
                 highlight=False)


@app.command()
def explore(
    checkpoint: Path = typer.Argument(..., help="A ganbench checkpoint."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the PNGs (default: the checkpoint's folder/explore)."),
    only: str = typer.Option("map,flow,activations", "--only", help="Pictures to draw: map, flow, activations."),
    point: Optional[str] = typer.Option(None, "--point", help="A latent point x,y[,z]: marked on the map, its image "
                                                              "and activations shown (default: the origin)."),
    flow_from: Optional[str] = typer.Option(None, "--from", help="The flow's first latent point (default: drawn from "
                                                                 "the prior with --seed)."),
    flow_to: Optional[str] = typer.Option(None, "--to", help="The flow's last latent point (default: drawn)."),
    steps: int = typer.Option(10, "--steps", min=2, help="Images in each row of the flow."),
    label: int = typer.Option(0, "--label", help="A conditional model's class label for the point and the flow."),
    grid: int = typer.Option(100, "--grid", min=2, help="Points along each axis of a 2-D map (100: the paper's 10,000)."),
    device: str = DeviceOpt,
    seed: int = SeedOpt,
    as_json: bool = JsonOpt,
):
    """Explore a checkpoint's latent space (Korotka et al., 2024): map of class areas, smooth flow, layer activations (PNG)."""
    from ganbench.core.provenance import resolve_device
    from ganbench.studies.explore import Options, parse_point
    from ganbench.studies.explore import explore as explore_checkpoint

    opts = Options(
        pictures=tuple(p.strip() for p in only.split(",") if p.strip()),
        point=parse_point(point, "--point") if point else None,
        flow_from=parse_point(flow_from, "--from") if flow_from else None,
        flow_to=parse_point(flow_to, "--to") if flow_to else None,
        flow_steps=steps, label=label, grid=grid, seed=seed,
    )
    result = explore_checkpoint(checkpoint, out or checkpoint.parent / "explore", opts, resolve_device(device))
    if as_json:
        return print_json(result)
    print_explore(result)


@app.command()
def score(
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="A ganbench checkpoint to sample from."),
    suite: Optional[str] = typer.Option(None, "--suite", help="The suite whose real data and protocol to use."),
    real: Optional[str] = typer.Option(None, "--real", help="Real images: a folder, a .npy/.npz array or a suite name."),
    real_stats: Optional[Path] = typer.Option(None, "--real-stats",
                                              help="Precomputed real statistics: a .npz with mu and sigma (FID only)."),
    fake: Optional[Path] = typer.Option(None, "--fake", help="Generated images: a folder or a .npy/.npz uint8 array."),
    generator: Optional[str] = typer.Option(
        None, "--generator", help="A generator module instead of --fake: FILE.py:NAME or package.module:NAME, an "
                                  "nn.Module (or a function returning one) from noise to images."),
    n_fake: Optional[int] = typer.Option(None, "--n-fake", min=2, max=MAX_IMAGES,
                                         help="Images to draw from --checkpoint or --generator (default: the suite's "
                                              "protocol count)."),
    n_real: Optional[int] = typer.Option(None, "--n-real", min=2, max=MAX_IMAGES,
                                         help="Score against a seeded subset of this many real images (default: all "
                                              "of --real's, or the suite's protocol count)."),
    latent_dim: Optional[int] = typer.Option(None, "--latent-dim",
                                             help="--generator's noise size (default: its latent_dim, z_dim or nz)."),
    output_range: str = typer.Option("-1,1", "--output-range", help="--generator's output range: -1,1 or 0,1."),
    device: str = DeviceOpt,
    seed: int = SeedOpt,
    kid_subset_size: int = typer.Option(DEFAULTS.kid_subset_size, "--kid-subset-size", min=2,
                                        help=alias_help("kid.subset_size")),
    kid_subsets: int = typer.Option(DEFAULTS.kid_subsets, "--kid-subsets", min=1, help=alias_help("kid.subsets")),
    settings: Optional[list[str]] = SetOpt,
    inception_weights: Optional[Path] = WeightsOpt,
    metrics: str = MetricsOpt,
    bootstrap: int = BootstrapOpt,
    backend: str = BackendOpt,
    mode: Optional[str] = ModeOpt,
    precision: str = PrecisionOpt,
    vgg16_weights: Optional[Path] = typer.Option(
        None, "--vgg16-weights", help="torchvision's vgg16-397923af.pth for precision/recall and density/coverage "
                                      "(default: $GANBENCH_VGG16_WEIGHTS or the torch hub folder; else Inception features)."),
    aug_per_class: int = AugPerClassOpt,
    aug_epochs: int = AugEpochsOpt,
    as_json: bool = JsonOpt,
):
    """Score a checkpoint against a suite, or generated images (or a generator) against real images or statistics."""
    from ganbench.core import distributed
    from ganbench.core.provenance import resolve_device
    from ganbench.metrics.registry import parse_metrics
    from ganbench.pipeline.evaluate import GeneratorInput, ScoreOptions, score_checkpoint, score_inputs

    dev = distributed.setup(resolve_device(device))
    opts = ScoreOptions(device=dev, seed=seed, weights=str(inception_weights) if inception_weights else None,
                        metrics=parse_metrics(metrics), bootstrap=bootstrap, backend=backend, mode=mode,
                        kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, precision=precision,
                        vgg16_weights=str(vgg16_weights) if vgg16_weights else None, aug_per_class=aug_per_class,
                        aug_epochs=aug_epochs, given=tuple(settings or ()))
    one_real = (real is None) != (real_stats is None)
    one_fake = (fake is None) != (generator is None)
    if checkpoint is not None and suite is not None and real is None and real_stats is None and fake is None \
            and generator is None:
        result = score_checkpoint(checkpoint, suite, opts, n_fake, n_real)
    elif one_real and one_fake and checkpoint is None and suite is None:
        if n_real is not None and real_stats is not None:
            raise GanbenchError("--n-real chooses real images, and --real-stats has none: give --real instead")
        source = fake if fake is not None else GeneratorInput(spec=generator, n=n_fake, latent_dim=latent_dim,
                                                              output_range=output_range)
        result = score_inputs(real, str(real_stats) if real_stats else None, source, opts, n_real)
    else:
        raise GanbenchError(
            "use either --checkpoint PATH --suite NAME, or --real DIR_OR_SUITE (or --real-stats FILE) with "
            "--fake DIR_OR_ARRAY (or --generator FILE.py:NAME)"
        )
    # A ScoreResult, or a checkpoint's Record: each with its JSON form, protocol, metrics and notes.
    if as_json:
        return print_json(result.to_dict())
    print_score(result)


@app.command()
def leaderboard(suite: str = SuiteOpt, out: Path = RecordsOutOpt, as_json: bool = JsonOpt,
                keep_records: bool = typer.Option(
                    False, "--keep-records", help="First copy the records under runs/<suite>/ (and each run's last "
                    "sample grid) into leaderboards/records/<suite>/, to commit beside the board.")):
    """Regenerate leaderboards/<suite>.md, .csv and PNGs from the suite's records: those under runs/<suite>/ and
    those kept in leaderboards/records/<suite>/ (a fresh clone rebuilds the committed boards from the latter)."""
    from ganbench.api import write_board
    from ganbench.pipeline.records import keep_records as keep
    from ganbench.results.group_studies import group_studies
    from ganbench.suites import get_suite

    name = suite if suite in group_studies() else get_suite(suite).name  # a group study's board, or a suite's
    if keep_records:
        keep(out, name)
    result = write_board(out, name)
    if as_json:
        return print_json({"files": list(map(str, result.files)), "notes": list(result.notes),
                           "rows": json.loads(result.table.to_json(orient="records"))})
    print_board(result)


@app.command()
def compare(
    models: list[str] = typer.Argument(..., help="Two or more models; the first is the reference the others are "
                                                "tested against."),
    suite: Optional[str] = typer.Option(None, "--suite", help=HELP["suite"] + " Default: the first suite that "
                                        "holds every named model."),
    seeds: str = SeedsOpt,
    device: str = DeviceOpt,
    out: Path = OutOpt,
    steps: Optional[int] = StepsOpt,
    epochs: Optional[int] = EpochsOpt,
    inception_weights: Optional[Path] = WeightsOpt,
    metrics: str = MetricsOpt,
    precision: str = PrecisionOpt,
    alpha: float = typer.Option(DEFAULTS.alpha, "--alpha", help=HELP["alpha"]),
    as_json: bool = JsonOpt,
    yes: bool = YesOpt,
    ask_over: float = AskOverOpt,
):
    """Compare models on a suite: every shared metric side by side, which differences are significant, samples
    side by side and metric curves overlaid. Uses existing records; trains or scores only what is missing."""
    from ganbench.core.provenance import resolve_device
    from ganbench.metrics.registry import parse_metrics
    from ganbench.api import compare_request
    from ganbench.pipeline.request import Request, parse_seeds
    from ganbench.results import compare as comparing
    from ganbench.suites import get_suite

    seed_list = parse_seeds(seeds)  # the request drops repeats and refuses none
    s = get_suite(suite) if suite else _suite_holding(models)
    request = Request(suite=s, models=tuple(models), out=out, seeds=seed_list, device=resolve_device(device),
                      steps=steps, epochs=epochs,
                      weights=str(inception_weights) if inception_weights else None, metrics=parse_metrics(metrics),
                      precision=precision)
    result, files = compare_request(request, alpha, confirm=_ask_before_long_work(yes, ask_over, s, models))
    if as_json:
        return print_json(comparing.as_json(result, files))
    print_comparison(result, files, request.seeds)


@app.command()
def gate(
    baseline: Path = typer.Option(..., "--baseline", help="The committed baseline file (JSON)."),
    suite: Optional[str] = typer.Option(None, "--suite", help=HELP["suite"] + " Default: the baseline's suite "
                                        f"(with no baseline yet, {DEFAULTS.suite})."),
    metric: str = typer.Option("fid", "--metrics", "--metric",
                               help="Comma-separated metrics to gate, as --metrics names them (pr: precision and "
                                    "recall) or by the number (recall); see docs/ci.md."),
    max_regression: str = typer.Option("0", "--max-regression",
                                       help="Allowed worsening beyond the noise: 2% of the baseline, or 0.5 in the "
                                            "metric's unit."),
    out: Path = RecordsOutOpt,
    update_baseline: bool = typer.Option(False, "--update-baseline",
                                         help="Write the newest records as the new baseline, and pass."),
    as_json: bool = JsonOpt,
):
    """Exit 0 when no gated metric of the newest records got worse than the baseline beyond the allowed
    regression and its noise, 1 when one did, 2 for a missing, malformed or foreign baseline."""
    from ganbench.core.fileio import write_json
    from ganbench.metrics.registry import parse_kinds
    from ganbench.pipeline.records import damaged_records
    from ganbench.results import gate as gating
    from ganbench.suites import get_suite

    s = get_suite(suite or gating.baseline_suite(baseline) or DEFAULTS.suite)
    kinds = list(parse_kinds(metric))
    if not kinds:
        raise GanbenchError("--metrics needs at least one metric to gate, such as fid")
    threshold = gating.Threshold.parse(max_regression)
    records = gating.newest_records(out / "runs", s.name)
    if update_baseline:
        write_json(baseline, gating.make_baseline(records, s.name))
        stdout.print(f"wrote {baseline}: {len(records)} run(s) of {s.name}", highlight=False)
        return
    rows = gating.compare(gating.load_baseline(baseline, s.name), records, kinds, threshold,
                          damaged_records(out / "runs", s.name))
    code = gating.exit_code(rows)
    if as_json:
        print_json(gating.as_json(rows, threshold, baseline))
    else:
        print_gate(rows, s.name, baseline, threshold)
    raise typer.Exit(code)


app.add_typer(stats_app, name="stats")
app.add_typer(cache_app, name="cache")
