"""Scoring: generated images or a generator against a real reference, with the protocol of every number.

Data flows one way: images -> Inception features -> FID/KID. Real features
come from the content-keyed cache, so a second scoring of the same suite
extracts none.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import torch

from ganbench import config
from ganbench.data import ImageData
from ganbench.metrics import cache
from ganbench.metrics.features import InceptionFeatures
from ganbench.metrics.fidelity import fid, kid
from ganbench.metrics.inception import resolve_weights
from ganbench.model import GAN
from ganbench.sampling import QUANTIZATION, generate_batches

PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class RealReference:
    features: torch.Tensor
    data: str
    content_sha256: str
    cache_hit: bool


class Scorer:
    def __init__(self, device: torch.device, weights_path: str | None = None, seed: int = 0,
                 batch_size: int = int(config.DEFAULTS["feature_batch_size"]),
                 kid_subsets: int = int(config.DEFAULTS["kid_subsets"]),
                 kid_subset_size: int = int(config.DEFAULTS["kid_subset_size"])):
        self.weights = resolve_weights(weights_path)
        self.extract = InceptionFeatures(self.weights, device, batch_size)
        self.seed = seed
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size

    def real(self, data: ImageData, n: int | None = None) -> RealReference:
        """Features of n real images (a seeded subset; all when n is None or larger)."""
        if n is not None:
            data = data.subset(n, self.seed)
        key = {
            "kind": "real-features",
            "content_sha256": data.content_hash,
            "n": len(data),
            "shape": list(data.images.shape[1:]),
            **self.extract.provenance(),
        }
        feats, hit = cache.load_or_compute(key, lambda: self.extract(data.images, len(data), f"real: {data.name}"))
        return RealReference(feats, data.name, data.content_hash, hit)

    def fake_from_images(self, images: torch.Tensor, description: str = "generated") -> torch.Tensor:
        return self.extract(images, len(images), description)

    def fake_from_model(self, model: GAN, n: int, description: str = "generated") -> torch.Tensor:
        batches = generate_batches(model, n, self.seed, self.extract.batch_size)
        return self.extract(batches, n, description)

    def score(self, fake: torch.Tensor, real: RealReference) -> dict:
        """FID and KID of generated features against the reference, with their protocol and its id."""
        t0 = time.perf_counter()
        value_fid = fid(fake, real.features)
        value_kid = kid(fake, real.features, self.kid_subsets, self.kid_subset_size, self.seed)
        protocol = {
            "version": PROTOCOL_VERSION,
            **self.extract.provenance(),
            "quantization": QUANTIZATION,
            "real_data": real.data,
            "real_sha256": real.content_sha256,
            "n_real": len(real.features),
            "n_fake": len(fake),
            "kid_subsets": value_kid.subsets,
            "kid_subset_size": value_kid.subset_size,
            "seed": self.seed,
        }
        notes = []
        if value_kid.subset_size < self.kid_subset_size:
            notes.append(f"KID subset size lowered from {self.kid_subset_size} to {value_kid.subset_size} (sample count)")
        dims = fake.shape[1]
        if min(len(fake), len(real.features)) < dims:
            notes.append(f"fewer samples than feature dimensions ({min(len(fake), len(real.features))} < {dims}): "
                         "the covariances are rank-deficient and FID is biased upward")
        return {
            "metrics": {"fid": value_fid, "kid_mean": value_kid.mean, "kid_std": value_kid.std},
            "protocol": {**protocol, "id": protocol_id(protocol)},
            "weights": self.weights.provenance(),
            "real_cache_hit": real.cache_hit,
            "notes": notes,
            "metric_seconds": round(time.perf_counter() - t0, 3),
        }


def protocol_id(protocol: dict) -> str:
    """A short hash of everything that makes two numbers comparable; differing ids are never ranked together."""
    fields = {k: v for k, v in protocol.items() if k != "seed"}  # seeds vary within one protocol
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]

