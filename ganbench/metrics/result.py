"""A scoring's result: what `ganbench.score` returns, `ganbench score --json` prints and a record is made of."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ganbench.core.errors import GanbenchError
from ganbench.metrics.registry import kinds

@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    """One scoring of generated images against real ones: what `ganbench.score` returns and `ganbench score
    --json` prints.

    `values` and `intervals` name metrics as the leaderboard does (`fid`, `kid`, `is`, `precision`); `metrics`
    holds every raw result key (`fid_ci_low`, `kid_std`, ...). Numbers with different `protocol_id`s were
    computed by different pipelines or against different real data and are never comparable.
    """

    SCHEMA_VERSION = 1

    real: str  # what the real side was: a suite, a folder, an array, statistics
    fake: str
    metrics: dict[str, Any]  # raw result keys -> values
    protocol: dict[str, Any]  # feature extractor and weights, resize, quantization, sample counts, settings, id
    precision_check: dict[str, Any] | None  # `fast` only: its FID against `exact`'s on the same first images
    weights: dict[str, Any]  # the Inception weights' source and hashes
    environment: dict[str, Any]  # ganbench, torch, commit, device, processes, time
    notes: tuple[str, ...] = ()  # what a reader must know to read the numbers (lowered KID subsets, biased FID)
    real_features_cached: bool = False  # the real features came from the cache (a record's field of that name)
    real_reference: dict[str, Any] | None = None  # FID between two halves of the real set: the floor at these counts
    metric_seconds: float = 0.0
    schema_version: int = field(default=SCHEMA_VERSION)

    @property
    def values(self) -> dict[str, float]:
        """Each scored metric's value by its name: {"fid": 31.2, "kid": 0.0123, ...}."""
        return {k.key: v for k in kinds() if (v := k.value_in(self.metrics)) is not None}

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """Each value's 95% interval where the scoring measured one: FID ± 1.96 bootstrap standard errors over
        the generated samples, mean ± 1.96 std for KID and IS."""
        return {k.key: i for k in kinds() if (i := k.interval(self.metrics)) is not None}

    @property
    def n_fake(self) -> int:
        return int(self.protocol["n_fake"])

    @property
    def n_real(self) -> int | None:
        n = self.protocol.get("n_real")
        return None if n is None else int(n)

    @property
    def protocol_id(self) -> str:
        return str(self.protocol["id"])

    @property
    def provenance(self) -> dict[str, Any]:
        """Everything behind the numbers in one dict: protocol, weights, environment and the time metrics took."""
        return {"protocol": self.protocol, "weights": self.weights, "environment": self.environment,
                "metric_seconds": self.metric_seconds}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScoreResult:
        version = d.get("schema_version", cls.SCHEMA_VERSION)
        if version != cls.SCHEMA_VERSION:
            raise GanbenchError(f"a score result of schema version {version}; this ganbench reads version "
                                f"{cls.SCHEMA_VERSION}: upgrade ganbench")
        known = {f.name for f in fields(cls)}
        missing = {"real", "fake", "metrics", "protocol", "precision_check", "weights", "environment"} - set(d)
        if missing:
            raise GanbenchError(f"not a score result: it lacks {', '.join(sorted(missing))}")
        kwargs = {k: v for k, v in d.items() if k in known}
        if "real_cache_hit" in d and "real_features_cached" not in d:  # its name before it was the record's
            kwargs["real_features_cached"] = d["real_cache_hit"]
        kwargs["notes"] = tuple(kwargs.get("notes", ()))
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> ScoreResult:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GanbenchError(f"not a score result: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(d, dict):
            raise GanbenchError("not a score result: the JSON is not an object")
        return cls.from_dict(d)
