"""What a suite's runs are asked to do: the one typed request that `ganbench run` and `ganbench compare`, and
their Python twins `run_suite` and `compare`, build and the pipeline carries from planning to scoring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import torch

from ganbench.core.config import DEFAULTS, AugOptions
from ganbench.core.errors import GanbenchError, at_least, option
from ganbench.metrics.registry import DEFAULT_METRICS
from ganbench.suites import Suite


def parse_seeds(seeds: int | str | Iterable[int], name: str = "seed") -> tuple[int, ...]:
    """The one grammar of training seeds, on the command line and in the API: `0`, `"0,1,2"` or `[0, 1, 2]`."""
    try:
        if isinstance(seeds, str):
            return tuple(int(s) for s in seeds.split(",") if s.strip())
        if isinstance(seeds, int):
            return (seeds,)
        return tuple(int(s) for s in seeds)
    except (TypeError, ValueError):
        raise GanbenchError(f"{option(name)} takes an integer or comma-separated integers such as 0,1,2, not "
                            f"{seeds!r}") from None


@dataclass(frozen=True, kw_only=True)
class Request:
    """Models on a suite, their training budget, and how to score them.

    `seeds` are the training seeds of each model's runs (a comparison over several tests differences over
    seeds); the first also seeds the metrics' subsets. `steps` or `epochs` (not both; neither: the suite's
    budget) set the training; `weights` is an Inception weights file (None: found as usual); `aug` replaces the
    augmentation study's settings of the suite's; `ic_weak_every` (epochs; 0 never, None the suite's) adds the
    weak independent classifier during training; `reuse` keeps each record that serves the request instead of
    scoring the model again.
    """

    suite: Suite
    models: tuple[str, ...]
    out: Path = Path(DEFAULTS.out)
    seeds: tuple[int, ...] = (DEFAULTS.seed,)
    device: torch.device = torch.device("cpu")
    steps: int | None = None
    epochs: int | None = None
    weights: str | None = None
    metrics: tuple[str, ...] = DEFAULT_METRICS
    precision: str = DEFAULTS.precision
    aug: AugOptions | None = None
    ic_weak_every: float | None = None
    reuse: bool = DEFAULTS.reuse

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "seeds", tuple(dict.fromkeys(int(s) for s in self.seeds)))
        object.__setattr__(self, "out", Path(self.out))
        if not self.models:
            raise GanbenchError("name at least one model")
        if not self.seeds:
            raise GanbenchError("give at least one seed")
        if any(s < 0 for s in self.seeds):
            raise GanbenchError(f"seeds must be 0 or more, not {min(self.seeds)}")
        at_least("steps", self.steps, 1)
        at_least("epochs", self.epochs, 1)

    @property
    def seed(self) -> int:
        """The first seed: the metrics' subsets and resamples use it."""
        return self.seeds[0]
