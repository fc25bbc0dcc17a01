"""The typed results ganbench hands between its parts and to Python callers, each with a schema version and a
JSON form (`to_json`, `from_json`) that `--json` prints and records hold."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ganbench.core.fileio import write_json

# Words about a run that do not change it (the paper's citation, the model's family): kept in its configuration
# and record for readers, left out of what names its folder and of what a resumed run must match, so that
# rewording them orphans no run.
DESCRIPTIVE = ("source", "family")


# pragma: no mutate start
# A run's configuration, outside the mutation check of records (docs/testing.md).
def json_normal(obj: dict) -> dict:
    """JSON-normal form (tuples become lists, keys sorted), so a saved configuration compares equal to a rebuilt
    one and hashes alike."""
    return json.loads(json.dumps(obj, sort_keys=True))


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """What makes a run, as planning settles it: config.json, checkpoints and records hold its JSON form
    (`to_dict`), and its identity (less the descriptive fields) names the run's folder."""

    model: str
    suite: str
    seed: int
    hparams: dict[str, Any]
    resolution: int
    channels: int
    batch_size: int
    total_steps: int
    steps_per_epoch: int
    data: str | None = None
    data_sha256: str | None = None  # the training images' content
    snapshot_steps: tuple[int, ...] = ()  # the steps whose G the trainer keeps for the metric curve
    ic_weak: dict[str, int] | None = None  # the weak classifier during training: every_steps, samples
    family: str | None = None  # descriptive: not part of the identity
    source: str | None = None  # descriptive: the paper
    checkpoint: dict[str, Any] | None = None  # a loaded checkpoint's step, finished, wall_time: not configuration

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, keys sorted: the object a run folder's hash has always been taken of."""
        d = {"model": self.model, "family": self.family, "source": self.source, "hparams": self.hparams,
             "suite": self.suite, "data": self.data, "data_sha256": self.data_sha256, "resolution": self.resolution,
             "channels": self.channels, "seed": self.seed, "batch_size": self.batch_size,
             "total_steps": self.total_steps, "steps_per_epoch": self.steps_per_epoch,
             "snapshot_steps": list(self.snapshot_steps)}
        for optional in ("ic_weak", "checkpoint"):
            if getattr(self, optional) is not None:
                d[optional] = getattr(self, optional)
        return json_normal(d)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["snapshot_steps"] = tuple(d.get("snapshot_steps") or ())
        return cls(**kwargs)

    def with_checkpoint(self, step: int, finished: bool, wall_time: float) -> RunConfig:
        return replace(self, checkpoint={"step": step, "finished": finished, "wall_time": wall_time})


def identity(config: dict | RunConfig) -> dict:
    """The settings that make a run: its configuration less the descriptive fields and the checkpoint's state."""
    normal = config.to_dict() if isinstance(config, RunConfig) else json_normal(config)
    return {k: v for k, v in normal.items() if k not in DESCRIPTIVE and k != "checkpoint"}


def run_digest(config: dict | RunConfig) -> str:
    """The 8 hex digits that name a run's folder: a hash of its identity."""
    return hashlib.sha256(json.dumps(identity(config), sort_keys=True).encode()).hexdigest()[:8]


# pragma: no mutate end
RECORD_SCHEMA = "ganbench.record/1"


@dataclass(frozen=True, kw_only=True)
class Curve:
    """Metrics over training: one point per kept G snapshot and one for the final model, each scored on the
    first `n_fake` generated images with the run's seed. A point holds its `step`, its `epoch` and the curve
    metrics' values under their record keys (`fid`, `kid_mean`, ...)."""

    n_fake: int
    n_real: int | None
    points: tuple[dict[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"n_fake": self.n_fake, "n_real": self.n_real, "points": [dict(p) for p in self.points]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Curve:
        return cls(n_fake=d["n_fake"], n_real=d.get("n_real"), points=tuple(d.get("points") or ()))

    def x_axis(self) -> str:
        """"epoch" for a curve reaching at least one epoch, else "step" (a run shorter than an epoch)."""
        return "epoch" if max(p["epoch"] for p in self.points) >= 1 else "step"


@dataclass(frozen=True, kw_only=True)
class Training:
    """What a record says of the training behind the scored model: its budget, its parameter counts, and a
    training statistic a model logged (BEGAN's convergence summary). Empty for a study's record, which scores
    no single run."""

    steps: int | None = None
    batch_size: int | None = None
    epochs: float | None = None
    params_g: int | None = None  # trainable
    params_d: int | None = None
    params_g_keras: int | None = None  # with batch norm's running statistics, as the Keras papers count
    convergence: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**{k: v for k, v in d.items() if v is not None}, **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Training:
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in d.items() if k in known}, extra={k: v for k, v in d.items() if k not in known})


@dataclass(frozen=True, kw_only=True)
class Record:
    """One scored run, as record.json holds it: the metrics with their protocol and provenance.

    `metrics` holds the raw result keys (`fid`, `fid_ci_low`, `kid_mean`, ...), read through the metric
    registry's kinds; `protocol` the scoring pipeline (its `id` ranks runs together or apart), `config` the run's
    configuration (its identity names the run's folder), `training` the budget and parameter counts, `curve` FID
    (and KID) over training. Keys this version does not know are kept in `extra` and written back.
    """

    model: str
    suite: str
    seed: int
    metrics: dict[str, Any]
    protocol: dict[str, Any]
    samples: dict[str, Any]
    environment: dict[str, Any]
    schema: str = RECORD_SCHEMA
    family: str | None = None
    source: str | None = None
    created: str = ""
    weights: dict[str, Any] = field(default_factory=dict)
    precision_check: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    real_features_cached: bool = False
    real_reference: dict[str, Any] | None = None  # FID between two halves of the real set: the floor at these counts
    training: Training = field(default_factory=Training)
    curve: Curve | None = None
    config: dict[str, Any] | None = None
    wall_time_s: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def protocol_id(self) -> str:
        return str(self.protocol["id"])

    @property
    def n_fake(self) -> int | None:
        return self.protocol.get("n_fake")

    @property
    def n_real(self) -> int | None:
        return self.protocol.get("n_real")

    @property
    def scored_metrics(self) -> tuple[str, ...]:
        """The metrics the scoring was asked for (`--metrics`), by registry name."""
        return tuple(self.protocol.get("metrics", ()))

    @property
    def device(self) -> str | None:
        return self.environment.get("device")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object record.json holds, in its order of keys."""
        ordered = {k: getattr(self, k) for k in _RECORD_ORDER}
        ordered["notes"] = list(self.notes)
        ordered["training"] = self.training.to_dict()
        ordered["curve"] = None if self.curve is None else self.curve.to_dict()
        return {**ordered, **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        """A record from its JSON object (checked by `problem` first); absent optional keys take their
        defaults, unknown ones are kept."""
        known = {f.name for f in fields(cls)} - {"extra"}
        kwargs = {k: d[k] for k in known if k in d and (d[k] is not None or k in _NULLABLE)}
        kwargs["notes"] = tuple(d.get("notes") or ())
        kwargs["training"] = Training.from_dict(d.get("training") or {})
        if d.get("curve"):
            kwargs["curve"] = Curve.from_dict(d["curve"])
        return cls(**kwargs, extra={k: v for k, v in d.items() if k not in known})

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @staticmethod
    def problem(obj: object) -> str | None:
        """None when a record file's JSON object is usable, else the reason it is not."""
        if not isinstance(obj, dict):
            return "not a JSON object"
        missing = [k for k in _RECORD_REQUIRED if k not in obj]
        if missing:
            return f"missing {', '.join(missing)}"
        if obj["schema"] != RECORD_SCHEMA:
            return f"schema {obj['schema']!r}, expected {RECORD_SCHEMA!r}"
        if not isinstance(obj["metrics"], dict) or not isinstance(obj["protocol"], dict) \
                or "id" not in obj["protocol"]:
            return "metrics or protocol id malformed"
        bad = [k for k, v in obj["metrics"].items() if not _metric_value(v)]
        if bad:
            return f"metric {bad[0]} is {obj['metrics'][bad[0]]!r}, not a finite number"
        if obj.get("training") is not None and not isinstance(obj["training"], dict):
            return "training is not an object"
        curve = obj.get("curve")
        points = curve.get("points") if isinstance(curve, dict) else None
        if curve is not None and not (isinstance(points, list) and points and "n_fake" in curve
                                      and all(isinstance(p, dict) and isinstance(p.get("epoch"), (int, float))
                                              for p in points)):
            return "curve malformed (it needs n_fake and points, each with its epoch)"
        return None

    @classmethod
    def read(cls, path: Path) -> tuple[Record | None, str | None]:
        """A record file's record and None, or None and the reason it is unusable (unreadable, or `problem`)."""
        try:
            obj = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            return None, f"unreadable ({type(exc).__name__})"
        reason = cls.problem(obj)
        return (None, reason) if reason else (cls.from_dict(obj), None)

    def write(self, path: Path) -> Path:
        """Written atomically, with the user's normal permissions, in the order of keys `to_dict` gives."""
        write_json(path, self.to_dict())
        return Path(path)


def _metric_value(value: object) -> bool:
    """A number a table may rank (finite, not a bool), null (not measured), or an object of details."""
    if value is None or isinstance(value, dict):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_RECORD_REQUIRED = ("schema", "model", "suite", "seed", "metrics", "protocol", "samples", "environment")
_RECORD_ORDER = ("schema", "model", "family", "source", "suite", "seed", "created", "metrics", "samples", "protocol",
                 "weights", "precision_check", "notes", "real_features_cached", "real_reference", "training", "curve",
                 "config", "environment", "wall_time_s")
_NULLABLE = ("family", "source", "precision_check", "real_reference", "curve", "config")
