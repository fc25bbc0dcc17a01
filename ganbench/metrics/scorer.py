"""Scoring: generated images or a generator against a real reference, with the protocol of every number.

Data flows one way: images -> Inception features -> the requested metrics. Real features
come from the content-keyed cache, so a second scoring of the same suite
extracts none.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import torch

from ganbench.core import config, distributed
from ganbench.core.config import Settings
from ganbench.core.errors import GanbenchError, option
from ganbench.core.progress import warn, warn_once
from ganbench.core.provenance import environment
from ganbench.data import ImageData
from ganbench.data.quantize import QUANTIZATION
from ganbench.metrics import cache, fidelity, protocol, registry
from ganbench.metrics import settings as metric_settings
from ganbench.metrics.features.encoders import BuildRequest, backend_encoder, get_encoder
from ganbench.metrics.features.extractor import FEATURE_LAYER, LOGITS_LAYER, CombinedFeatures, FeatureExtractor
from ganbench.metrics.features.inception import EXTRACTOR_NAME
from ganbench.metrics.inputs import Inputs
from ganbench.metrics.registry import DEFAULT_METRICS, FEATURES, IMAGES, get_metric, needing
from ganbench.metrics.result import ScoreResult
from ganbench.metrics.stats import RealStats, load_stats
from ganbench.metrics.uncertainty import fid_between_halves
from ganbench.metrics.features.vgg16 import ENV_VGG16, PR_LAYER, VGG16_FILENAME, find_vgg16
from ganbench.models.base import GAN
from ganbench.models.sampling import generate_batches

FEATURE_DIMS = 2048


@dataclass(frozen=True)
class RealReference:
    features: torch.Tensor | None  # Inception pool features; None: only precomputed statistics
    data: str
    content_sha256: str
    cache_hit: bool
    stats: RealStats | None = None
    exact_head: torch.Tensor | None = None  # `fast` only: exact-precision features of the first real images
    pr_features: torch.Tensor | None = None  # VGG16 fc2, when precision/recall use them
    images: torch.Tensor | None = None  # uint8, when a metric classifies images

    @property
    def n(self) -> int | None:
        if self.features is not None:
            return len(self.features)
        return len(self.images) if self.images is not None else self.stats.n

    @functools.cached_property
    def halves(self) -> dict | None:
        """FID between two random halves of the real features (fixed split): the floor a model's FID at these
        counts is read against. Computed once per process for the same features (a training loop that scores
        every few epochs against one real set pays for it once). None without features or samples."""
        if self.features is None:
            return None
        key = hashlib.sha256(self.features.contiguous().numpy().tobytes()).hexdigest()
        if key not in _HALVES:
            h = fid_between_halves(self.features)
            if len(_HALVES) >= _HALVES_KEPT:
                _HALVES.pop(next(iter(_HALVES)))
            _HALVES[key] = None if h is None else {"fid_between_halves": h.fid, "n_each": h.n_each}
        return None if _HALVES[key] is None else dict(_HALVES[key])


@dataclass(frozen=True)
class Generated:
    """The generated side as the metrics read it: Inception pool features (and logits, for the Inception Score),
    precision/recall's own features, `fast`'s exact-precision features of the first images, and the images
    themselves for the metrics that classify them. What the requested metrics do not use is None."""

    pool: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    pr_features: torch.Tensor | None = None
    exact_head: torch.Tensor | None = None
    images: torch.Tensor | None = None

    @property
    def n(self) -> int:
        return len(self.pool) if self.pool is not None else len(self.images)

    @classmethod
    def from_layers(cls, layers: dict[str, torch.Tensor], exact_head: torch.Tensor | None = None,
                    images: torch.Tensor | None = None) -> Generated:
        """From a feature extractor's output, keyed by its layers' names."""
        return cls(layers.get(FEATURE_LAYER), layers.get(LOGITS_LAYER), layers.get(PR_LAYER), exact_head, images)


_HALVES: dict[str, dict | None] = {}  # real features' SHA-256 -> their halves' FID, in this process
_HALVES_KEPT = 8


_IMAGES = "images"  # the generated images as they travel between ranks beside the features


def make_extractor(backend: str, mode: str | None, weights_path: str | None, device: torch.device,
                   batch_size: int | None, needs_logits: bool, precision: str = "exact",
                   vgg16: Path | None = None) -> FeatureExtractor:
    """The backend's encoder (the formulas applied to its features are the same for both), with VGG16 beside it
    when precision/recall get their own features."""
    request = BuildRequest(device=device, weights_path=weights_path, batch_size=batch_size, needs_logits=needs_logits,
                           precision=precision, mode=mode)
    inception = backend_encoder(backend).build(request)
    if vgg16 is None:
        return inception
    return CombinedFeatures(inception, get_encoder("vgg16-fc2").build(BuildRequest(device=device, weights_path=vgg16)))


class Scorer:
    def __init__(self, device: torch.device, *, weights_path: str | None = None, seed: int = 0,
                 batch_size: int | None = None,
                 metrics: tuple[str, ...] = DEFAULT_METRICS, settings: Settings | None = None,
                 backend: str = "torch-fidelity", mode: str | None = None, precision: str = "exact",
                 calibration: int = config.DEFAULTS.calibration_samples, vgg16_weights: str | None = None):
        self.metrics = metrics
        self.settings = metric_settings.complete(settings or Settings(), metrics)
        self.device = device
        # Only what the requested metrics use is computed: no Inception pass for the classifier scores alone.
        self.needs_features = bool(needing(metrics, FEATURES))
        self.needs_images = bool(needing(metrics, IMAGES))
        self.keeps_images = self.needs_images or not self.needs_features  # without features they give the counts
        needs_logits = any(get_metric(k).needs_logits for k in metrics)
        self.uses_pr_features = any(get_metric(k).uses_pr_features for k in metrics)
        vgg16 = find_vgg16(vgg16_weights) if self.uses_pr_features else None
        if self.uses_pr_features and vgg16 is None:
            warn_once(f"no VGG16 weights ({VGG16_FILENAME}: {option('vgg16_weights')} or ${ENV_VGG16}): "
                      "precision/recall and density/coverage use Inception pool3 features instead, and every table "
                      "says so")
        self.extract = make_extractor(backend, mode, weights_path, device, batch_size, needs_logits, precision, vgg16)
        self.pr_features = f"vgg16-torchvision/{PR_LAYER}" if vgg16 else f"{EXTRACTOR_NAME}/{FEATURE_LAYER}"
        self.weights = self.extract.weights
        self.seed = seed
        # `fast` measures its own error: the first `calibration` images of each set also go through `exact`.
        lowered = getattr(self.extract, "dtype", None) is not None
        self.calibration = calibration if lowered and self.needs_features else 0

    def with_seed(self, seed: int) -> "Scorer":
        """The same networks, another seed for noise and metric subsets (each run scores with its own seed)."""
        twin = copy.copy(self)
        twin.seed = seed
        return twin

    def _exact_head(self, images: torch.Tensor, description: str) -> torch.Tensor:
        head = images[: self.calibration]
        return self.extract.exact()(head, len(head), f"{description} (exact, calibration)")[FEATURE_LAYER]

    def real(self, data: ImageData, n: int | None = None) -> RealReference:
        """Pool features of n real images (a seeded subset; all when n is None or larger). Under torchrun every
        rank takes part and every rank gets the same reference."""
        if n is not None:
            data = data.subset(n, self.seed)
        key = {
            "kind": "real-features",
            "content_sha256": data.content_hash,
            "n": len(data),
            "shape": list(data.images.shape[1:]),
            **self.extract.provenance(),
        }

        images = data.images if self.keeps_images else None
        if not self.needs_features:
            return RealReference(None, data.name, data.content_hash, False, images=images)
        # Rank 0 looks in the cache and hands a hit to every rank; on a miss every rank extracts its block, all
        # of them get the whole, and rank 0 stores it.
        cached = distributed.on_main(cache.load, key)
        hit = cached is not None
        if hit:
            feats = cached
        else:  # real logits serve no metric: not kept
            feats = {layer: f for layer, f in self._extract_sharded(data.images, f"real: {data.name}").items()
                     if layer != LOGITS_LAYER}
            distributed.on_main(lambda: cache.store(key, feats) and None)  # stored by rank 0, errors on every rank
        exact_head = distributed.on_main(self._exact_head, data.images, f"real: {data.name}") \
            if self.calibration else None
        return RealReference(feats[FEATURE_LAYER], data.name, data.content_hash, hit, exact_head=exact_head,
                             pr_features=feats.get(PR_LAYER), images=images)

    def real_from_stats(self, path: str) -> RealReference:
        """A reference from a `.npz` with mu and sigma; only metrics that need no real features can use it."""
        registry.check_stats_only(self.metrics)
        stats = load_stats(path, FEATURE_DIMS)
        check_stats_protocol(path, stats.protocol, self.extract.provenance())
        return RealReference(None, f"stats:{Path(path).name}", stats.sha256, False, stats)

    def _sharded(self, n: int, extract: Callable[[range], dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        """extract(rows) of this rank's block of the n images' batches (all of them in a single process),
        gathered in order on every rank."""
        rows = distributed.my_rows(n, self.extract.batch_size)
        return distributed.gather_rows(extract(rows) if len(rows) else {})

    def _extract_sharded(self, images: torch.Tensor, description: str) -> dict[str, torch.Tensor]:
        return self._sharded(len(images), lambda rows: self.extract(images[rows.start:rows.stop], len(rows),
                                                                     description))

    def fake_from_images(self, images: torch.Tensor, description: str = "generated") -> Generated:
        """Features of generated images (and the images, for the metrics that classify them); under torchrun
        each rank extracts a block of batches and every rank gets the whole."""
        layers = self._extract_sharded(images, description) if self.needs_features else {}
        exact_head = distributed.on_main(self._exact_head, images, description) if self.calibration else None
        return Generated.from_layers(layers, exact_head, images if self.keeps_images else None)

    def fake_from_model(self, model: GAN, n: int, description: str = "generated") -> Generated:
        """n generated images' features (and the images a metric keeps); under torchrun each rank generates and
        extracts a block of the batches a single process makes, and every rank gets the whole."""
        if not self.needs_features:  # the images alone, for the metrics that classify them
            images = self._sharded(n, lambda rows: {_IMAGES: torch.cat(list(
                generate_batches(model, n, self.seed, self.extract.batch_size, rows)))})
            return self.fake_from_images(images[_IMAGES], description)
        keep = n if self.needs_images else self.calibration

        def extract(rows: range) -> dict[str, torch.Tensor]:
            kept: list[torch.Tensor] = []

            def keep_head(batches):  # the first generated images: for fast's calibration, or all of them for images
                for batch in batches:
                    if rows.start + sum(len(b) for b in kept) < keep:
                        kept.append(batch)
                    yield batch

            batches = generate_batches(model, n, self.seed, self.extract.batch_size, rows)
            feats = self.extract(keep_head(batches), len(rows), description)
            return {**feats, _IMAGES: torch.cat(kept)} if kept else feats

        layers = self._sharded(n, extract)
        kept = layers.pop(_IMAGES, None)
        exact_head = distributed.on_main(self._exact_head, kept, description) if self.calibration else None
        return Generated.from_layers(layers, exact_head, kept if self.needs_images else None)

    def precision_check(self, fake: Generated, real: RealReference) -> dict:
        """`fast` against `exact` on the same first images of each set: both FIDs and their relative difference."""
        check = {"precision": getattr(self.extract, "precision", "exact")}
        if check["precision"] in ("exact", "reference"):  # fast alone measures its difference
            return check
        if fake.exact_head is None:
            check["calibration"] = "none needed: fast ran exact's float32 kernels on this device"
            return check
        exact_fake = fake.exact_head
        k = len(exact_fake)
        fast_fake = fake.pool[:k]
        if real.features is None:
            fid_fast = fidelity.fid_from_stats(fast_fake, real.stats.mu, real.stats.sigma)
            fid_exact = fidelity.fid_from_stats(exact_fake, real.stats.mu, real.stats.sigma)
        else:
            fid_fast = fidelity.fid(fast_fake, real.features[:k])
            fid_exact = fidelity.fid(exact_fake, real.exact_head)
        check.update(n_fake=k, n_real=real.n if real.features is None else len(real.exact_head),
                     fid_fast=fid_fast, fid_exact=fid_exact, relative_difference=abs(fid_fast - fid_exact) / fid_exact)
        return check

    def curve_values(self, pool: torch.Tensor, real: RealReference) -> dict:
        """FID (and KID when requested) of one point of a metric curve: the scoring's settings, no bootstrap.
        Computed by rank 0 under torchrun, and handed to every rank."""
        return distributed.on_main(self._curve_values, pool, real)

    def _curve_values(self, pool: torch.Tensor, real: RealReference) -> dict:
        keys = registry.curve_keys(self.metrics)
        inputs = Inputs(fake=pool, real=real.features, fake_logits=None, seed=self.seed,
                        settings=replace(self.settings, bootstrap=0), real_stats=real.stats)
        values = registry.compute(keys, inputs)
        self._finish(keys, values, min(len(pool), real.n or len(pool)))  # the curve keeps the values alone
        return values

    def _finish(self, keys: tuple[str, ...], values: dict, n_min: int) -> tuple[dict, list[str]]:
        """Each metric's finishing step (metrics/kinds.py `Metric.finish`): the settings they used, and notes."""
        used, notes = {}, []
        for key in keys:
            finish = get_metric(key).finish
            if finish is not None:
                settings, said = finish(values, self.settings, n_min)
                used.update(settings)
                notes += said
        return used, notes

    def score(self, fake: Generated, real: RealReference, fake_name: str = "generated") -> ScoreResult:
        """The requested metrics of generated features against the reference, with their protocol and its id.
        Computed by rank 0 under torchrun (a classifier metric trains once), and handed to every rank."""
        return distributed.on_main(self._score, fake, real, fake_name)

    def _score(self, fake: Generated, real: RealReference, fake_name: str) -> ScoreResult:
        t0 = time.perf_counter()
        pool = fake.pool
        inputs = Inputs(fake=pool, real=real.features, fake_logits=fake.logits, seed=self.seed, settings=self.settings,
                        real_stats=real.stats,
                        fake_pr=fake.pr_features, real_pr=real.pr_features, fake_images=fake.images,
                        real_images=real.images, device=self.device)
        values = registry.compute(self.metrics, inputs)
        n_fake = fake.n
        pipeline = protocol.pipeline(self.extract.provenance(), QUANTIZATION, real.data, real.content_sha256, real.n,
                                     n_fake, self.pr_features if self.uses_pr_features else None)
        n_min = min(n_fake, real.n or n_fake)
        used, notes = self._finish(self.metrics, values, n_min)
        settings = {**self.settings.as_record(), **used}
        if real.stats is not None and real.stats.protocol is None:
            notes.append("the real statistics come from another tool: their resize, weights and extractor could not "
                         "be checked against this protocol")
        dims = pool.shape[1] if pool is not None else 0
        if n_min < dims:
            notes.append(f"fewer samples than feature dimensions ({n_min} < {dims}): "
                         "the covariances are rank-deficient and FID is biased upward")
        return ScoreResult(
            real=real.data, fake=fake_name, metrics=values,
            protocol={**pipeline, "id": protocol.protocol_id(pipeline), "seed": self.seed,
                      "metrics": list(self.metrics), "settings": settings},
            precision_check=self.precision_check(fake, real), weights=self.weights.provenance(),
            environment=environment(self.device), notes=tuple(notes), real_features_cached=real.cache_hit,
            real_reference=real.halves if any(get_metric(k).reads_real_halves for k in self.metrics) else None,
            metric_seconds=round(time.perf_counter() - t0, 3))


# What a statistics file ganbench wrote must share with the scorer that reads it.
STATS_PROTOCOL_KEYS = ("backend", "mode", "extractor", "feature_layer", "resize", "weights_sha256", "compute_dtype")


def check_stats_protocol(path: str, stored: dict | None, ours: dict) -> None:
    """Refuse statistics from another feature pipeline. Files from other tools carry no protocol: they pass,
    and the result notes that their protocol was not checked."""
    if stored is None:
        return
    differ = [k for k in STATS_PROTOCOL_KEYS if stored.get(k) != ours.get(k)]
    if differ:
        k = differ[0]
        raise GanbenchError(f"{path} was computed with {k}={stored.get(k)!r}, this scoring uses {ours.get(k)!r}: "
                            "score with the file's protocol, or export the statistics again")
    if stored.get("backend_version") != ours.get("backend_version"):
        warn(f"{path} was computed with {stored.get('backend')} {stored.get('backend_version')}, "
             f"this is {ours.get('backend_version')}")
