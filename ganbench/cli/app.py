"""The `ganbench` commands: one small function per command, parsing its options and calling the layers below;
what they print is rendered by cli/render.py, and cli/main.py runs them (exit codes, one-line errors).

One module holds every command, so that the command line reads as one table of contents."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ganbench.cli.render import (metric_rows, name_column, print_board, print_json, print_study, reference_lines,
                                 stdout)
from ganbench.core.config import DEFAULTS, HELP
from ganbench.core.errors import GanbenchError
from ganbench.metrics.registry import metrics_help

app = typer.Typer(
    name="ganbench",
    help="Benchmark GANs: train or load zoo models, score them with exact FID/KID, write leaderboards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # click's plain help: flags as flags (`--json`), values with their type
)

# --n-fake beyond this is a typo: 1,000,000 images is 20 times the largest protocol in use (50k).
MAX_IMAGES = 1_000_000

SuiteOpt = typer.Option(DEFAULTS.suite, "--suite", help=HELP["suite"])
SeedOpt = typer.Option(DEFAULTS.seed, "--seed", min=0, help=HELP["seed"])
DeviceOpt = typer.Option(DEFAULTS.device, "--device", help=HELP["device"])
OutOpt = typer.Option(Path(DEFAULTS.out), "--out", help=HELP["out"])
RecordsOutOpt = typer.Option(Path(DEFAULTS.out), "--out",
                             help="Folder whose runs/<suite>/ (and leaderboards/records/<suite>/) hold the records, as "
                                  "`ganbench run --out` wrote them.")
WeightsOpt = typer.Option(None, "--inception-weights",
                          help="Inception weights file (torch-fidelity .pth or fid-helper TorchScript); default: found offline.")
JsonOpt = typer.Option(False, "--json", help="Print only JSON on stdout.")
MetricsOpt = typer.Option(DEFAULTS.metrics, "--metrics", help=metrics_help())  # every registered metric
BootstrapOpt = typer.Option(DEFAULTS.bootstrap, "--bootstrap", min=0, help=HELP["bootstrap"])
BackendOpt = typer.Option("torch-fidelity", "--backend", help="Feature pipeline: torch-fidelity or clean-fid.")
ModeOpt = typer.Option(None, "--mode", help="clean-fid's mode: clean (default) or legacy_tensorflow.")
PrecisionOpt = typer.Option(DEFAULTS.precision, "--precision", help=HELP["precision"])
StepsOpt = typer.Option(None, "--steps", min=1, help="Training steps per model (default: the suite's budget).")
EpochsOpt = typer.Option(None, "--epochs", min=1, help="Training epochs per model (default: the suite's budget).")
AugPerClassOpt = typer.Option(DEFAULTS.aug_per_class, "--aug-per-class", min=1, help=HELP["aug_per_class"])
AugEpochsOpt = typer.Option(DEFAULTS.aug_epochs, "--aug-epochs", min=1, help=HELP["aug_epochs"])
IcWeakEveryOpt = typer.Option(DEFAULTS.ic_weak_every, "--ic-weak-every", help=HELP["ic_weak_every"])
YesOpt = typer.Option(False, "--yes", "-y", help=HELP["yes"])
AskOverOpt = typer.Option(DEFAULTS.ask_over, "--ask-over", min=0.0, help=HELP["ask_over"])
ReuseOpt = typer.Option(DEFAULTS.reuse, "--reuse", help=HELP["reuse"])
# Training seeds of a suite's runs: one grammar for run and compare (and the API's seeds=)
SeedsOpt = typer.Option(str(DEFAULTS.seed), "--seed", "--seeds",
                        help="Training seed, or comma-separated seeds such as 0,1,2: each model is run once per "
                             "seed, and differences are tested over seeds (Welch).")


def _models_option(models: Optional[str], default: tuple[str, ...]) -> list[str]:
    if not models:
        return list(default)
    names = [m.strip() for m in models.split(",") if m.strip()]
    if not names:
        raise GanbenchError("--models needs at least one model name")
    return names


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
    from ganbench.core import distributed
    from ganbench.core.config import AugOptions
    from ganbench.core.provenance import resolve_device
    from ganbench.metrics.registry import parse_metrics
    from ganbench.api import run_request
    from ganbench.pipeline.request import Request, parse_seeds
    from ganbench.pipeline.suite import train_runs
    from ganbench.results.group_studies import group_studies
    from ganbench.suites import expand_suites

    if suite is None:
        suite = _suite_holding(_models_option(models, ())).name if models else DEFAULTS.suite
    keys, dev = parse_metrics(metrics), distributed.setup(resolve_device(device))
    members = expand_suites(suite)
    # A group study's metrics are computed once over all the group's classes, after each class suite is trained
    # (and scored with the other metrics).
    study = group_studies().get(suite.partition(":")[0])
    over_group = tuple(k for k in keys if study and k in study.metrics)
    if over_group and distributed.current().distributed:
        raise GanbenchError(f"the {study.group} group's study ({', '.join(over_group)}) runs in one process: train "
                            f"the group under torchrun without it, then run it again in one process")
    per_suite = tuple(k for k in keys if k not in over_group)
    seed_list = parse_seeds(seeds)

    def request_for(s, metrics: tuple[str, ...]) -> Request:
        return Request(s, tuple(_models_option(models, s.models)), out, seed_list, dev, steps, epochs,
                       str(inception_weights) if inception_weights else None, metrics, precision,
                       AugOptions(aug_per_class, aug_epochs), ic_weak_every, reuse)

    for s in members:
        request = request_for(s, per_suite)
        names = list(request.models)
        if not per_suite:
            train_runs(request)
            continue
        print_board(run_request(request, confirm=_ask_before_long_work(yes, ask_over, s, names)), s.name)
    if over_group:
        print_study(*study.run(members, request_for(members[0], over_group)))


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
    table = Table(title="ganbench zoo")
    name_column(table, "model", [m["name"] for m in listing["models"]])
    for col in ("variants", "family", "shape", "G params", "D params", "G (Keras)", "source"):
        table.add_column(col, overflow="fold")
    for m in listing["models"]:
        for shape, n in m["params"].items():
            keras = m["params_keras_total"][shape]["G"]
            table.add_row(m["name"], ", ".join(m["variants"]) or "–", m["family"], shape, f"{n['G']:,}",
                          f"{n['D']:,}", f"{keras:,}", m["source"])
    stdout.print(table)
    stdout.print("Trainable parameters; G (Keras) adds batch normalisation's running statistics, as Keras' "
                 "summary (and the Keras papers) count. A variant is run as MODEL:VARIANT.", highlight=False)
    for name, reason in listing["broken_plugins"].items():
        stdout.print(f"[red]plugin {name} failed to load:[/red] {reason}", highlight=False)


@app.command()
def suites(as_json: bool = JsonOpt):
    """List every suite with its data (and whether it is on this machine), resolution, channels, models and
    metric protocol."""
    from ganbench.data import PROVIDERS
    from ganbench.suites import SUITES

    listing = [{**s.as_dict(), "data_available": PROVIDERS[s.data].availability()} for s in SUITES.values()]
    if as_json:
        return print_json(listing)
    table = Table(title="ganbench suites")
    name_column(table, "suite", [s["name"] for s in listing])
    for col in ("data", "data here", "size", "models", "protocol", "training"):
        table.add_column(col, overflow="fold")  # a narrow terminal folds a long word, never cuts it
    for s in listing:
        table.add_row(s["name"], s["data"], s["data_available"], f"{s['resolution']}x{s['resolution']}x{s['channels']}",
                      ", ".join(s["models"]), s["protocol"]["name"],
                      f"{s['steps']} steps" if s["steps"] else f"{s['epochs']} epochs" if s["epochs"]
                      else "each model's default")
    stdout.print(table)


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
    if "classifier" in result:
        c = result["classifier"]
        stdout.print(f"classifier: test accuracy {100 * c['test_accuracy']:.1f}% on {c['n_test']:,} images "
                     f"({'cached' if c['cached'] else 'trained'}); the point's image is a {result['point_class']}",
                     highlight=False)
    for kind, path in result["files"].items():
        stdout.print(f"{kind}: {path}", highlight=False)


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
    kid_subset_size: int = typer.Option(DEFAULTS.kid_subset_size, "--kid-subset-size", min=2, help=HELP["kid_subset_size"]),
    kid_subsets: int = typer.Option(DEFAULTS.kid_subsets, "--kid-subsets", min=1, help=HELP["kid_subsets"]),
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
    opts = ScoreOptions(dev, seed, str(inception_weights) if inception_weights else None,
                        parse_metrics(metrics), bootstrap, backend, mode, kid_subsets, kid_subset_size, precision,
                        vgg16_weights=str(vgg16_weights) if vgg16_weights else None, aug_per_class=aug_per_class,
                        aug_epochs=aug_epochs)
    one_real = (real is None) != (real_stats is None)
    one_fake = (fake is None) != (generator is None)
    if checkpoint is not None and suite is not None and real is None and real_stats is None and fake is None \
            and generator is None:
        result = score_checkpoint(checkpoint, suite, opts, n_fake, n_real)
    elif one_real and one_fake and checkpoint is None and suite is None:
        if n_real is not None and real_stats is not None:
            raise GanbenchError("--n-real chooses real images, and --real-stats has none: give --real instead")
        source = fake if fake is not None else GeneratorInput(generator, n_fake, latent_dim, output_range)
        result = score_inputs(real, str(real_stats) if real_stats else None, source, opts, n_real)
    else:
        raise GanbenchError(
            "use either --checkpoint PATH --suite NAME, or --real DIR_OR_SUITE (or --real-stats FILE) with "
            "--fake DIR_OR_ARRAY (or --generator FILE.py:NAME)"
        )
    # A ScoreResult, or a checkpoint's Record: each with its JSON form, protocol, metrics and notes.
    if as_json:
        return print_json(result.to_dict())
    p = result.protocol
    table = Table(title=f"{p['n_fake']} generated vs {p['n_real']} real, protocol {p['id']}")
    table.add_column("metric")
    table.add_column("value ± 95%", justify="right")
    table.add_column("the ± is")
    for row in metric_rows(result.metrics):
        table.add_row(*row)
    stdout.print(table)
    for line in reference_lines(result):
        stdout.print(line, highlight=False)
    for note in result.notes:
        stdout.print(f"note: {note}", highlight=False)
    check = result.precision_check or {}
    if "relative_difference" in check:
        stdout.print(f"precision fast: FID {check['fid_fast']:.6g} vs exact {check['fid_exact']:.6g} on the first "
                     f"{check['n_fake']} generated images ({check['relative_difference']:.2e} relative)", highlight=False)


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

    if suite in group_studies():  # a study over a suite group's classes
        table, files = group_studies()[suite].write_leaderboard(out)
        if as_json:
            return print_json({"files": list(map(str, files)), "rows": json.loads(table.to_json(orient="records"))})
        return print_study(table, files)
    s = get_suite(suite)
    if keep_records:
        keep(out, s.name)
    result = write_board(out, s)
    if as_json:
        return print_json({"files": list(map(str, result.files)), "notes": list(result.notes),
                           "rows": json.loads(result.table.to_json(orient="records"))})
    print_board(result, s.name)


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
    request = Request(s, tuple(models), out, seed_list, resolve_device(device), steps, epochs,
                      str(inception_weights) if inception_weights else None, parse_metrics(metrics), precision)
    result, files = compare_request(request, alpha, confirm=_ask_before_long_work(yes, ask_over, s, models))
    if as_json:
        return print_json(comparing.as_json(result, files))
    for caveat in result.caveats:  # before any "better"
        stdout.print(f"caveat: {caveat}", highlight=False)
    seeds_text = ", ".join(map(str, request.seeds))
    table = Table(title=f"ganbench compare on {s.name} (seeds {seeds_text}; protocol {result.protocol_id}; "
                        f"alpha {alpha})")
    table.add_column("metric")
    for m in models:
        table.add_column(m, justify="right")
    for m in models[1:]:
        table.add_column(f"{m} − {models[0]}", justify="right")
        table.add_column("verdict" if len(models) == 2 else f"verdict ({m})")
    for row in result.rows:
        kind = row.kind
        cells = [kind.label if kind.is_count else f"{kind.label} ({kind.direction.value})"
                 + (f"; on {row.features}" if row.features else "")]
        for m in models:
            e = row.estimates[m]
            cells.append(kind.format(e.mean, half_width=e.half_width))
        for m in models[1:]:
            d = row.differences[m]
            verdict = result.verdict(row, m)
            cells += [kind.format(d.difference, signed=True),
                      f"[bold]{verdict}[/bold]" if d.significant(alpha) else verdict]
        table.add_row(*cells)
    stdout.print(table)
    bases = {f"{r.kind.label}: {next(iter(r.estimates.values())).basis}" for r in result.rows
             if not r.kind.is_count}
    stdout.print("± is a 95% interval; " + "; ".join(sorted(bases)), highlight=False)
    stdout.print("wrote " + ", ".join(files.values()), highlight=False)


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
        table = Table(title=f"ganbench gate: {s.name} against {baseline} (max regression {threshold} + noise)")
        for col in ("run", "metric", "baseline", "now", "worse by", "allowed + noise", "status"):
            table.add_column(col, justify="left" if col in ("run", "metric", "status") else "right")
        def num(v: float | None) -> str:
            return "–" if v is None else f"{v:.4g}"

        for r in rows:
            limit = "–" if r.allowed is None else f"{r.allowed:.4g} + {r.noise:.4g}"
            style = {"regressed": "red", "improved": "green"}.get(r.status, "")
            table.add_row(r.run, r.metric, num(r.baseline), num(r.current), num(r.worse_by), limit,
                          f"[{style}]{r.status}[/{style}]" if style else r.status)
        stdout.print(table)
    raise typer.Exit(code)


stats_app = typer.Typer(help="Precomputed real statistics (mu, sigma) for --real-stats or other FID tools.",
                        no_args_is_help=True)
cache_app = typer.Typer(help="The cache of real features and converted Inception weights.", no_args_is_help=True)
app.add_typer(stats_app, name="stats")
app.add_typer(cache_app, name="cache")


@stats_app.command("export")
def stats_export(
    real: str = typer.Option(..., "--real", help="Real images: a folder or a suite name."),
    out: Path = typer.Option(..., "--out", help="The .npz file to write (mu, sigma, n, protocol)."),
    device: str = DeviceOpt,
    seed: int = SeedOpt,
    inception_weights: Optional[Path] = WeightsOpt,
    backend: str = BackendOpt,
    mode: Optional[str] = ModeOpt,
    as_json: bool = JsonOpt,
):
    """Write mu and sigma of real images' Inception features, in the format pytorch-fid and clean-fid use."""
    from ganbench.core.provenance import resolve_device
    from ganbench.pipeline.evaluate import ScoreOptions, export_stats

    opts = ScoreOptions(resolve_device(device), seed, str(inception_weights) if inception_weights else None,
                        backend=backend, mode=mode)
    result = export_stats(real, out, opts)
    if as_json:
        return print_json(result)
    stdout.print(f"wrote {out}: mu and sigma of {result['n_real']} images ({result['real_data']})", highlight=False)


@cache_app.command("list")
def cache_list(as_json: bool = JsonOpt):
    """List cached real features and converted weights."""
    from ganbench.core.config import cache_dir
    from ganbench.metrics.cache import entries

    items = entries()
    if as_json:
        return print_json({"cache_dir": str(cache_dir()), "entries": items})
    table = Table(title=f"ganbench cache: {cache_dir()}")
    for col in ("kind", "images", "content", "weights", "MB", "file"):
        table.add_column(col)
    for e in items:
        table.add_row(e["kind"], str(e.get("n", "")), e.get("content_sha256", ""), e.get("weights_sha256", ""),
                      f"{e['bytes'] / 1e6:.1f}", Path(e["path"]).name + (" (damaged)" if e.get("damaged") else ""))
    stdout.print(table)


@cache_app.command("clear")
def cache_clear(weights: bool = typer.Option(False, "--weights", help="Also delete the converted Inception weights.")):
    """Delete cached real features (they are recomputed when next needed)."""
    from ganbench.metrics.cache import clear

    removed = clear(include_weights=weights)
    stdout.print(f"removed {len(removed)} cached file(s)", highlight=False)


