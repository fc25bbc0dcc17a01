"""Suites: which data, at what size, which models, and the metric protocol (sample counts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ganbench import config
from ganbench.errors import GanbenchError
from ganbench.metrics.catalog import Settings


@dataclass(frozen=True)
class Protocol:
    """How a suite scores: n_fake generated images against n_real images of the real split."""

    n_real: int
    n_fake: int
    real_split: str = "test"
    kid_subsets: int = int(config.DEFAULTS["kid_subsets"])
    kid_subset_size: int = int(config.DEFAULTS["kid_subset_size"])
    # The metric curve over training: FID (and KID) of `curve_n_fake` images of G at `curve_points` evenly
    # spaced steps. Fewer images than the final score (so cheaper, and biased upward by the smaller count),
    # the same count at every point: the points compare with each other, not with the final number.
    curve_points: int = 5
    curve_n_fake: int | None = None  # None: a fifth of n_fake

    @property
    def curve_n(self) -> int:
        return min(self.n_fake, self.curve_n_fake or max(self.n_fake // 5, 2))

    def settings(self, bootstrap: int = int(config.DEFAULTS["bootstrap"])) -> Settings:
        return Settings(self.kid_subsets, self.kid_subset_size, bootstrap=bootstrap)

    @property
    def name(self) -> str:
        """Like stylegan's `fid50k_full`, the name states the protocol."""
        return f"fid{self.n_fake}-vs-{self.real_split}{self.n_real}"


@dataclass(frozen=True)
class Suite:
    name: str
    data: str  # a provider name (see ganbench.data)
    resolution: int
    channels: int
    models: tuple[str, ...]
    protocol: Protocol
    epochs: int | None = None  # training budget; None: each model's own default (the paper's)
    steps: int | None = None  # a budget in steps instead, for suites shorter than an epoch
    published_dataset: str | None = None  # the `dataset` column of leaderboards/published.csv
    description: str = ""

    def as_dict(self) -> dict:
        d = asdict(self)
        d["models"] = list(self.models)
        d["protocol"]["name"] = self.protocol.name
        return d


SEED_002_MODELS = ("fcgan", "dcgan")

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("fashion-mnist-quick", "fashion-mnist-quick", 28, 1, SEED_002_MODELS,
              Protocol(1000, 500, curve_points=4, curve_n_fake=200), epochs=2,
              published_dataset="Fashion-MNIST",
              description="the default: embedded 5k Fashion-MNIST subset, 2 epochs, a 10-minute CPU smoke benchmark"),
        Suite("fashion-mnist-smoke", "fashion-mnist-quick", 28, 1, SEED_002_MODELS,
              Protocol(100, 100, curve_points=2, curve_n_fake=50), steps=100,
              published_dataset="Fashion-MNIST",
              description="a one-minute CPU check of the whole pipeline (100 steps, 100 samples); numbers mean little"),
        Suite("fashion-mnist", "fashion-mnist", 28, 1, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="Fashion-MNIST", description="full Fashion-MNIST, seed 002's 10 epochs"),
        Suite("mnist", "mnist", 28, 1, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="MNIST", description="MNIST, seed 002's 10 epochs"),
        Suite("cifar10", "cifar10", 32, 3, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="CIFAR-10", description="CIFAR-10 32x32, seed 002's 10 epochs"),
        Suite("cifar100", "cifar100", 32, 3, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="CIFAR-100", description="CIFAR-100 32x32, seed 002's 10 epochs"),
        Suite("celeba64", "celeba64", 64, 3, ("dcgan",), Protocol(10000, 10000),
              published_dataset="CelebA", description="CelebA, centre crop 160, 64x64 (seed 000's protocol)"),
    )
}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        raise GanbenchError(f"unknown suite '{name}' (known: {', '.join(SUITES)})")
    return SUITES[name]
