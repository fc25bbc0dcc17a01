"""`ganbench score`: a checkpoint against its suite, or generated images (a folder, an array, a generator
module) against real ones (a folder, an array, a suite, or precomputed statistics)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

import torch

from ganbench.core import config, distributed
from ganbench.core.config import Settings
from ganbench.core.contracts import Record
from ganbench.core.errors import GanbenchError, at_least, option
from ganbench.core.progress import info
from ganbench.data import ImageData, load_images
from ganbench.metrics import settings as metric_settings
from ganbench.metrics.registry import DEFAULT_METRICS, MODEL, needing
from ganbench.metrics.result import ScoreResult
from ganbench.metrics.scorer import Generated, RealReference, Scorer
from ganbench.metrics.stats import save_stats
from ganbench.models.external import ExternalGenerator, load_generator
from ganbench.models.sampling import generate_batches
from ganbench.pipeline.duration import PROBE_IMAGES, human_duration
from ganbench.pipeline.run import load_checkpoint_model, score_model
from ganbench.suites import REAL_SUBSET_SEED, SUITES, get_suite, suite_real_images
from ganbench.train.trainer import LOG


@dataclass(frozen=True, kw_only=True)
class ScoreOptions:
    """How to score, as the command line gives it."""

    device: torch.device
    seed: int = config.DEFAULTS.seed
    weights: str | None = None
    metrics: tuple[str, ...] = DEFAULT_METRICS
    bootstrap: int = config.DEFAULTS.bootstrap
    backend: str = "torch-fidelity"
    mode: str | None = None
    kid_subsets: int = config.DEFAULTS.kid_subsets
    kid_subset_size: int = config.DEFAULTS.kid_subset_size
    precision: str = config.DEFAULTS.precision
    calibration: int = config.DEFAULTS.calibration_samples
    vgg16_weights: str | None = None
    aug_per_class: int = config.DEFAULTS.aug_per_class
    aug_epochs: int = config.DEFAULTS.aug_epochs
    # `--set METRIC.NAME=VALUE` / `settings=`: any metric's settings as the user spelled them, checked and kept by
    # the fields the record names them with; they win over the older flags above (`--kid-subsets` is
    # `--set kid.subsets=N`)
    given: Mapping[str, object] | tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """The bounds the command line's options declare, held for every caller (the Python API too)."""
        for name, low in (("seed", 0), ("bootstrap", 0), ("kid_subsets", 1), ("kid_subset_size", 2),
                          ("aug_per_class", 1), ("aug_epochs", 1)):
            at_least(name, getattr(self, name), low)
        object.__setattr__(self, "given", metric_settings.parse(self.given, self.metrics))  # checked before any work

    def scorer(self, settings: Settings | None = None) -> Scorer:
        settings = settings or Settings(kid_subsets=self.kid_subsets, kid_subset_size=self.kid_subset_size,
                                        bootstrap=self.bootstrap)
        settings = replace(settings, aug_per_class=self.aug_per_class, aug_epochs=self.aug_epochs)
        settings = settings.with_values(dict(self.given))
        return Scorer(self.device, weights_path=self.weights, seed=self.seed, metrics=self.metrics, settings=settings,
                      backend=self.backend, mode=self.mode, precision=self.precision, calibration=self.calibration,
                      vgg16_weights=self.vgg16_weights)


@dataclass(frozen=True, kw_only=True)
class GeneratorInput:
    """`--generator FILE.py:NAME` and how many images to draw from it."""

    spec: str
    n: int | None  # None: the suite's protocol count when --real is a suite
    latent_dim: int | None = None
    output_range: str = "-1,1"


def score_checkpoint(path: Path, suite_name: str, opts: ScoreOptions, n_fake: int | None = None,
                     n_real: int | None = None) -> Record:
    """A checkpoint's generator against its suite's real images: the suite's sample counts unless n_fake and
    n_real say otherwise."""
    suite = get_suite(suite_name)
    model, run_config = load_checkpoint_model(path, opts.device)
    if (run_config.resolution, run_config.channels) != (suite.resolution, suite.channels):
        raise GanbenchError(
            f"checkpoint makes {run_config.resolution}x{run_config.resolution}x{run_config.channels} images; "
            f"suite {suite.name} is {suite.resolution}x{suite.resolution}x{suite.channels}"
        )
    p = suite.protocol
    scorer = opts.scorer(p.settings(opts.bootstrap))
    real = scorer.real(fewer(suite_real_images(suite), n_real))
    train_wall = run_config.checkpoint["wall_time"]
    return score_model(model, run_config, real, scorer, n_fake=n_fake or p.n_fake, train_wall=train_wall,
                       run_dir=None, log_path=Path(path).parent / LOG)


PLAN_OVER_IMAGES = 500  # reading more real images than this says how long it will take first


def fewer(data: ImageData, n: int | None) -> ImageData:
    """`--n-real`: a seeded subset of n of the real images (the same subset every time), or all of them."""
    if n is None or n == len(data):
        return data
    if n > len(data):
        raise GanbenchError(f"{option('n_real', n)} is more than the {len(data):,} real images there are")
    return data.subset(n, REAL_SUBSET_SEED)


def say_plan(scorer: Scorer, real: ImageData, n_fake: int) -> None:
    """Before reading many real images: how many, and about how long at the rate measured on the spot."""
    if len(real) <= PLAN_OVER_IMAGES or not scorer.needs_features or not distributed.current().is_main:
        return
    rate = scorer.extract.images_per_second(real.images, PROBE_IMAGES)
    images = len(real) + n_fake
    info(f"planned: features of {len(real):,} real images (unless cached) and {n_fake:,} generated: about "
         f"{human_duration(images / rate)} at {rate:.3g} images/s, measured just now; --n-real N scores against a "
         "seeded subset of N real images")


def real_images(real: str | ImageData) -> ImageData:
    """A suite's real reference images (its protocol's subset), or every image of a folder or array file."""
    if isinstance(real, ImageData):
        return real
    if real in SUITES:
        return suite_real_images(SUITES[real])
    if not Path(real).expanduser().exists():
        near = difflib.get_close_matches(real, list(SUITES), n=1)
        if near:  # a mistyped suite, not a missing folder
            raise GanbenchError(f"{option('real', real)}: no such folder, file or suite (did you mean the suite "
                                f"{near[0]}?)")
    return load_images(real)


def real_reference(scorer: Scorer, real: str) -> RealReference:
    return scorer.real(real_images(real))


@dataclass(frozen=True, kw_only=True)
class ModelInput:
    """A generator object already loaded (a user's module, wrapped) and how many images to draw from it."""

    generator: ExternalGenerator
    name: str
    n: int | None


FakeInput = Path | ImageData | GeneratorInput | ModelInput


def score_inputs(real: str | ImageData | None, real_stats: str | None, fake: FakeInput,
                 opts: ScoreOptions, n_real: int | None = None) -> ScoreResult:
    """Generated images or a generator against real images or statistics. Every input is read (the generator
    probed) before any features are extracted, so a bad one fails in seconds. Under torchrun every rank takes
    part and gets the same result."""
    at_least("n_real", n_real, 2)
    model_metrics = needing(opts.metrics, MODEL)
    if model_metrics:
        raise GanbenchError(f"{', '.join(model_metrics)} needs a model and its suite's labelled data: score a "
                            "checkpoint with --checkpoint PATH --suite NAME")
    scorer = opts.scorer()
    reference = scorer.real_from_stats(real_stats) if real_stats else None
    real_data = None if reference else fewer(real_images(real), n_real)
    fake_name, fake_hw, n_fake, fake_features = _fake_side(fake, real, opts)
    if real_data is not None:
        _check_sizes(fake_hw, tuple(real_data.images.shape[-2:]))
        say_plan(scorer, real_data, n_fake)
        reference = scorer.real(real_data)
    real_name = real.name if isinstance(real, ImageData) else real or real_stats
    return replace(scorer.score(fake_features(scorer), reference, fake_name), real=real_name)


def _fake_side(fake: FakeInput, real: str | ImageData | None,
               opts: ScoreOptions) -> tuple[str, tuple[int, int], int, Callable[[Scorer], Generated]]:
    """(name, image height x width, image count, scorer -> features) of the generated side."""
    if isinstance(fake, GeneratorInput):
        generator = load_generator(fake.spec, opts.device, fake.latent_dim, fake.output_range)
        fake = ModelInput(generator=generator, name=fake.spec, n=fake.n)
    if isinstance(fake, ModelInput):
        generator = fake.generator
        at_least("n_fake", fake.n, 2)
        n = fake.n or (SUITES[real].protocol.n_fake if isinstance(real, str) and real in SUITES else None)
        if not n:
            raise GanbenchError(f"a generator needs {option('n_fake', 'N')} (at least 2), the number of images to draw "
                                "from it")
        probe = next(generate_batches(generator, 2, opts.seed, 2))  # in eval mode, as scoring samples
        return (fake.name, tuple(probe.shape[-2:]), n,
                lambda s: s.fake_from_model(generator, n, f"generated: {fake.name}"))
    data = fake if isinstance(fake, ImageData) else load_images(fake)
    return data.name if isinstance(fake, ImageData) else str(fake), tuple(data.images.shape[-2:]), len(data), \
        lambda s: s.fake_from_images(data.images)


def _check_sizes(fake_hw: tuple[int, ...], real_hw: tuple[int, ...]) -> None:
    """FID compares two sets at one resolution: generated and real images of different sizes are refused."""
    if fake_hw != real_hw:
        (fh, fw), (rh, rw) = fake_hw, real_hw
        raise GanbenchError(f"generated images are {fh}x{fw}, real ones {rh}x{rw}: score them at one resolution "
                            "(resize one set first)")


def export_stats(real: str, out: Path, opts: ScoreOptions) -> dict:
    """mu and sigma of a folder's or a suite's real images, for `--real-stats` here or in other FID tools."""
    scorer = opts.scorer()
    reference = real_reference(scorer, real)
    protocol = {**scorer.extract.provenance(), "real_data": reference.data, "real_sha256": reference.content_sha256,
                "n_real": reference.n}
    save_stats(out, reference.features, protocol)
    return {"stats": str(out), **protocol}
