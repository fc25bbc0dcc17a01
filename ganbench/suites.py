"""Suites: which data, at what size, which models, and the metric protocol (sample counts)."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ganbench.core import config
from ganbench.core.config import Settings
from ganbench.core.errors import GanbenchError, option
from ganbench.data import ImageData, conform, load_data
from ganbench.data.providers import ORE_CLASSES


@dataclass(frozen=True)
class Protocol:
    """How a suite scores: n_fake generated images against n_real images of the real split."""

    n_real: int
    n_fake: int
    real_split: str = "test"
    kid_subsets: int = config.DEFAULTS.kid_subsets
    kid_subset_size: int = config.DEFAULTS.kid_subset_size
    # The metric curve over training: FID (and KID) of `curve_n_fake` images of G at `curve_points` evenly
    # spaced steps. Fewer images than the final score (so cheaper, and biased upward by the smaller count),
    # the same count at every point: the points compare with each other, not with the final number.
    curve_points: int = 5
    curve_n_fake: int | None = None  # None: a fifth of n_fake

    @property
    def curve_n(self) -> int:
        return min(self.n_fake, self.curve_n_fake or max(self.n_fake // 5, 2))

    def settings(self, bootstrap: int = config.DEFAULTS.bootstrap) -> Settings:
        return Settings(kid_subsets=self.kid_subsets, kid_subset_size=self.kid_subset_size, bootstrap=bootstrap)

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
    published_dataset: str | None = None  # the `dataset` column of ganbench/assets/published.csv
    description: str = ""
    # The weak independent classifier during training, every N epochs (0: never), unless --ic-weak-every says
    # otherwise: part of a run's configuration, so a reference suite's runs are found again without the option.
    ic_weak_every: float = 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["models"] = list(self.models)
        d["protocol"]["name"] = self.protocol.name
        return d


SEED_002_MODELS = ("fcgan", "dcgan")
# Every 64x64 model: Bury's SAGAN, Wang et al.'s Table 1 baseline and its WGAN family (Table 3's rows),
# Zaika's BEGAN and the original BEGAN it summarizes.
BEGAN_MODELS = ("began", "began-original")
MODELS_64 = ("sagan", "dcgan64", "wgan", "wgan-sn", "wgan-sa", "wgan-res", "wgan-improved", *BEGAN_MODELS)
# Korotka et al. (2024): the latent-space GANs and the CGAN on 28x28 digits; its activation study (Tables 1 and 4, whose
# generator count 1,126,720 is the 4-D one) at 500 epochs; its landscape GAN with each activation (Table 2).
SEED_003_MODELS = ("latent2d", "latent3d", "latent4d", "cgan")
SEED_003_ACTIVATIONS = ("relu", "leakyrelu", "prelu", "elu")
ACTIVATION_STUDY_EPOCHS = 500
TF_TUTORIAL_EPOCHS = 50  # TensorFlow's DCGAN tutorial, whose networks Korotka et al.'s counts match
BEGAN_THESIS_EPOCHS = 8  # Zaika (2025): "num_epochs = 8" at batch 64 (each model's default batch)

# Wang et al.'s ore images (private): one suite per class, each trained and scored on its own as in its Table 1,
# with the paper's image count as the real sample and its 2,000 generated images per class.
ORE_IMAGES = dict(zip(ORE_CLASSES, (1207, 664)))  # images per class in the paper
ORE_STEPS = 10000  # "the training is stopped after 10,000 epochs of iterations"
SUITE_GROUPS = {"ore": tuple(f"ore-{c}" for c in ORE_CLASSES)}  # a name that runs several suites
FOLDER_CLASS = {f"ore-{c}": c for c in ORE_CLASSES}  # suites that take `NAME:FOLDER`, and their sub-folder

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("fashion-mnist-quick", "fashion-mnist-quick", 28, 1, SEED_002_MODELS,
              Protocol(500, 500, kid_subset_size=250, curve_points=3, curve_n_fake=100), epochs=2,
              published_dataset="Fashion-MNIST",
              description="the default: embedded 5k Fashion-MNIST subset, 2 epochs, 500 vs 500 images: an 8-minute "
                          "CPU demo, install included (FID at 500 images is biased upwards)"),
        Suite("fashion-mnist-smoke", "fashion-mnist-quick", 28, 1, SEED_002_MODELS,
              Protocol(100, 100, curve_points=2, curve_n_fake=50), steps=100,
              published_dataset="Fashion-MNIST",
              description="a CPU check of the whole pipeline in about 3 minutes on 2 cores (100 steps, 100 samples); "
                          "numbers mean little"),
        # The reference suite whose records are committed (leaderboards/records/fashion-mnist/): 1,000 images a
        # curve point keeps the curve's cost under a tenth of the final scoring's on a CPU.
        Suite("fashion-mnist", "fashion-mnist", 28, 1, SEED_002_MODELS, Protocol(10000, 10000, curve_n_fake=1000),
              published_dataset="Fashion-MNIST", ic_weak_every=1.0,
              description="full Fashion-MNIST, McGinney et al.'s 10 epochs, the weak independent classifier every epoch"),
        Suite("mnist", "mnist", 28, 1, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="MNIST", description="MNIST, McGinney et al.'s 10 epochs"),
        Suite("cifar10", "cifar10", 32, 3, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="CIFAR-10", description="CIFAR-10 32x32, McGinney et al.'s 10 epochs"),
        Suite("cifar100", "cifar100", 32, 3, SEED_002_MODELS, Protocol(10000, 10000),
              published_dataset="CIFAR-100", description="CIFAR-100 32x32, McGinney et al.'s 10 epochs"),
        Suite("fashion-mnist64", "fashion-mnist", 64, 1, MODELS_64, Protocol(10000, 10000),
              published_dataset="Fashion-MNIST",
              description="full Fashion-MNIST resized to 64x64 (as Zaika (2025) does): every 64x64 model on real data; "
                          "each model's own budget"),
        Suite("fashion-mnist64-smoke", "fashion-mnist-quick", 64, 1, MODELS_64,
              Protocol(50, 50, curve_points=2, curve_n_fake=25), steps=20,
              published_dataset="Fashion-MNIST",
              description="the embedded subset at 64x64, 20 steps, 50 samples: a CPU check of the 64x64 models"),
        Suite("began-thesis", "fashion-mnist", 64, 1, BEGAN_MODELS, Protocol(10000, 10000),
              epochs=BEGAN_THESIS_EPOCHS, published_dataset="Fashion-MNIST",
              description="Zaika's run: full Fashion-MNIST at 64x64, 8 epochs at batch 64; BEGAN's M and k by "
                          "epoch beside the thesis's log"),
        Suite("mnist-latent", "mnist", 28, 1, SEED_003_MODELS, Protocol(10000, 10000),
              published_dataset="MNIST",
              description="Korotka et al.'s latent-space GANs and CGAN on MNIST, each the paper's budget (Table 3: "
                          "5k, 2k, 1k epochs; 60k steps)"),
        Suite("mnist-activations", "mnist", 28, 1, tuple(f"latent4d:{a}" for a in SEED_003_ACTIVATIONS),
              Protocol(10000, 10000), epochs=ACTIVATION_STUDY_EPOCHS, published_dataset="MNIST",
              description="Korotka et al.'s activation study (Tables 1 and 4): the 4-D latent GAN with ReLU, "
                          "LeakyReLU, PReLU and ELU, 500 epochs"),
        Suite("fashion-mnist-latent", "fashion-mnist", 28, 1, SEED_003_MODELS, Protocol(10000, 10000),
              epochs=TF_TUTORIAL_EPOCHS, published_dataset="Fashion-MNIST",
              description="Korotka et al.'s latent-space GANs and CGAN on full Fashion-MNIST (offline), 50 epochs"),
        Suite("fashion-mnist-latent-smoke", "fashion-mnist-quick", 28, 1, SEED_003_MODELS,
              Protocol(50, 50, curve_points=2, curve_n_fake=25), steps=20, published_dataset="Fashion-MNIST",
              description="the embedded subset, 20 steps, 50 samples: a CPU check of Korotka et al.'s models"),
        Suite("landscape64", "landscape64", 64, 3, tuple(f"landscape:{a}" for a in SEED_003_ACTIVATIONS),
              Protocol(10000, 10000), published_dataset="landscapes (90k photos)",
              description="Korotka et al.'s landscape GAN with each activation (Table 2) on your landscape photos "
                          "(not shipped) at 64x64, 1,000 epochs"),
        Suite("celeba64", "celeba64", 64, 3, MODELS_64, Protocol(10000, 10000),
              published_dataset="CelebA",
              description="CelebA, centre crop 160, 64x64 (Bury's protocol); each model's own budget"),
        *(Suite(f"ore-{c}", f"ore-{c}", 64, 3, MODELS_64, Protocol(n, 2000), steps=ORE_STEPS,
                published_dataset=f"ore {c}",
                description=f"Wang et al.'s {c} ore images (private: bring your own; --suite ore:FOLDER runs both "
                            f"classes) at 64x64, {ORE_STEPS:,} steps")
          for c, n in ORE_IMAGES.items()),
    )
}


def get_suite(name: str) -> Suite:
    """A suite by name; `ore-waste:FOLDER` reads the class's images from FOLDER/waste instead of $GANBENCH_DATA."""
    base, sep, folder = name.partition(":")
    if base not in SUITES:
        groups = "".join(f", {g} (runs {', '.join(m)})" for g, m in SUITE_GROUPS.items())
        near = difflib.get_close_matches(base, [*SUITES, *SUITE_GROUPS], n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise GanbenchError(f"unknown suite '{name}' ({hint}known: {', '.join(SUITES)}{groups})")
    suite = SUITES[base]
    if not sep:
        return suite
    if base not in FOLDER_CLASS:
        raise GanbenchError(f"suite {base} reads no folder; `NAME:FOLDER` is for {', '.join(FOLDER_CLASS)} and ore")
    # The folder as an absolute path: `ore:x`, `ore:./x` and `ore:/abs/x` name one run (its folder's hash)
    return replace(suite, data=f"folder:{Path(folder).expanduser().resolve() / FOLDER_CLASS[base]}")


def suite_for(models: list[str]) -> Suite:
    """With no --suite: the first suite (in `ganbench suites` order, the default first) that holds every named
    model; none holding them all is refused before any work, naming the suites that hold each."""
    for suite in SUITES.values():
        if all(m in suite.models for m in models):
            return suite
    holders = [f"{m}: {', '.join(s.name for s in SUITES.values() if m in s.models) or 'none'}" for m in models]
    raise GanbenchError(f"no suite holds all of {', '.join(models)} ({'; '.join(holders)}): name one with "
                        f"{option('suite')}")


def quicker(suite: Suite, models: list[str]) -> str:
    """What to run instead of a long plan: a smoke suite of the same image size that holds the models, where
    there is one, and a shorter budget."""
    smoke = next((s for s in SUITES.values() if s.name.endswith("-smoke") and s.name != suite.name
                  and (s.resolution, s.channels) == (suite.resolution, suite.channels)
                  and all(m in s.models for m in models)), None)
    return (f"--suite {smoke.name} (a quick check of the same models) or " if smoke else "") + "fewer --steps"


def expand_suites(name: str) -> list[Suite]:
    """The suites a name runs: `ore` (or `ore:FOLDER`) is one suite per ore class, any other name itself."""
    base, sep, folder = name.partition(":")
    if base in SUITE_GROUPS:
        return [get_suite(member + sep + folder) for member in SUITE_GROUPS[base]]
    return [get_suite(name)]


def suite_data(suite: Suite, split: str) -> ImageData:
    return conform(load_data(suite.data, split), suite.resolution, suite.channels)


REAL_SUBSET_SEED = 0  # a suite's real images are the same subset for every --seed: one suite, one protocol id


def suite_real_images(suite: Suite) -> ImageData:
    """The real images a suite's protocol scores against."""
    p = suite.protocol
    return suite_data(suite, p.real_split).subset(p.n_real, REAL_SUBSET_SEED)
