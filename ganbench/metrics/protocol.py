"""The protocol id: which numbers may be ranked, compared and gated together.

A scoring's protocol is the pipeline every metric shares (extractor, weights' hash, resize, compute dtype,
quantization, the real images' content hash, the sample counts, the features precision/recall use); its id is a
short hash of it, never of how an input was named. A metric with settings of its own (KID's subset size) ranks
under its own id: the scoring's id, the metric's name and a hash of those settings as the record holds them.
"""

from __future__ import annotations

import hashlib
import json

from ganbench.metrics.registry import MetricKind, metric_of

PROTOCOL_VERSION = 1

# Entries of a pipeline that name an input as the user typed it (`folder:real`, `folder:/tmp/real`): kept in the
# record for the reader, left out of the id, which holds the input's content hash instead.
NAMES_NOT_CONTENT = ("real_data",)


def pipeline(provenance: dict, quantization: str, real_data: str, real_sha256: str, n_real: int | None,
             n_fake: int, pr_features: str | None = None) -> dict:
    """What determines every metric's numbers in one scoring: the feature extractor's provenance, the
    quantization, the real images (named, and by content) and the sample counts; the features precision/recall
    and density/coverage use where they are requested (VGG16 or Inception give different values)."""
    out = {
        "version": PROTOCOL_VERSION,
        **provenance,
        "quantization": quantization,
        "real_data": real_data,
        "real_sha256": real_sha256,
        "n_real": n_real,
        "n_fake": n_fake,
    }
    if pr_features is not None:
        out["pr_features"] = pr_features
    return out


def protocol_id(pipeline: dict) -> str:
    """A short hash of what determines the numbers every metric shares, never of how an input was named: the
    same images scored from `real`, `./real` or `/abs/real` share an id. Numbers with differing ids are never
    ranked together."""
    determined = {k: v for k, v in pipeline.items() if k not in NAMES_NOT_CONTENT}
    return hashlib.sha256(json.dumps(determined, sort_keys=True).encode()).hexdigest()[:12]


def metric_protocol_id(kind: MetricKind, protocol: dict) -> str:
    """The id under which this number ranks and is gated: the scoring's protocol id where its metric has no
    settings of its own (FID), else that id, the metric's name and a hash of its settings as the record holds them
    (KID's subset count and the subset size it used): `90e1a010123d/kid-6a4e1c`. Computed from the record, so a
    record of any version gets one."""
    base = str(protocol["id"])
    metric = metric_of(kind)
    if metric is None or not metric.settings:
        return base
    recorded = protocol.get("settings") or {}
    own = json.dumps({name: recorded.get(name) for name in metric.settings}, sort_keys=True)
    return f"{base}/{metric.name}-{hashlib.sha256(own.encode()).hexdigest()[:6]}"
