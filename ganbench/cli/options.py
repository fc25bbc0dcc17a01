"""The options several commands share, each defined once with its default and help from core/config.py."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganbench.core.config import DEFAULTS, HELP
from ganbench.core.errors import GanbenchError
from ganbench.metrics.registry import metrics_help
from ganbench.metrics.settings import declared, settings_help


def alias_help(name: str) -> str:
    """An older flag's help: its setting's, declared in its metric's module, and the `--set` it stands for."""
    return f"{declared()[name][1].help} The same as --set {name}=N."


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
BootstrapOpt = typer.Option(DEFAULTS.bootstrap, "--bootstrap", min=0, help=alias_help("fid.bootstrap"))
BackendOpt = typer.Option("torch-fidelity", "--backend", help="Feature pipeline: torch-fidelity or clean-fid.")
ModeOpt = typer.Option(None, "--mode", help="clean-fid's mode: clean (default) or legacy_tensorflow.")
PrecisionOpt = typer.Option(DEFAULTS.precision, "--precision", help=HELP["precision"])
StepsOpt = typer.Option(None, "--steps", min=1, help="Training steps per model (default: the suite's budget).")
EpochsOpt = typer.Option(None, "--epochs", min=1, help="Training epochs per model (default: the suite's budget).")
AugPerClassOpt = typer.Option(DEFAULTS.aug_per_class, "--aug-per-class", min=1, help=alias_help("aug.per_class"))
AugEpochsOpt = typer.Option(DEFAULTS.aug_epochs, "--aug-epochs", min=1, help=alias_help("aug.epochs"))
SetOpt = typer.Option(None, "--set", metavar="METRIC.NAME=VALUE", help=settings_help())
IcWeakEveryOpt = typer.Option(DEFAULTS.ic_weak_every, "--ic-weak-every", help=HELP["ic_weak_every"])
YesOpt = typer.Option(False, "--yes", "-y", help=HELP["yes"])
AskOverOpt = typer.Option(DEFAULTS.ask_over, "--ask-over", min=0.0, help=HELP["ask_over"])
ReuseOpt = typer.Option(DEFAULTS.reuse, "--reuse", help=HELP["reuse"])
# Training seeds of a suite's runs: one grammar for run and compare (and the API's seeds=)
SeedsOpt = typer.Option(str(DEFAULTS.seed), "--seed", "--seeds",
                        help="Training seed, or comma-separated seeds such as 0,1,2: each model is run once per "
                             "seed, and differences are tested over seeds (Welch).")


def models_option(models: Optional[str], default: tuple[str, ...]) -> list[str]:
    if not models:
        return list(default)
    names = [m.strip() for m in models.split(",") if m.strip()]
    if not names:
        raise GanbenchError("--models needs at least one model name")
    return names
