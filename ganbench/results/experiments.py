"""Which runs are one experiment: the same model, suite, protocol and configuration, differing only in seed.

Runs are grouped by their whole configuration less the seed, never by the model's name alone, so runs of
another budget or setting are never averaged as if they were seeds. Where a model has runs of several
configurations, each group's label names what sets it apart, for example `fcgan (10 steps)`. Two runs of
one configuration and seed are one run: the newest is kept and the others are named as replaced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ganbench.core.contracts import DESCRIPTIVE, Record

PER_RUN = ("seed", "checkpoint")  # a run's own, not its configuration's
# Settings that follow from others (the snapshot steps from the budget, the steps per epoch from the batch size
# and the data) or do not change the result (the paper's epochs where a budget in steps was given): never the
# name of a difference while another setting differs.
DERIVED = ("snapshot_steps", "steps_per_epoch", "hparams.epochs")


@dataclass(frozen=True)
class Experiment:
    """The runs of one configuration on one protocol, one per seed (ordered by seed)."""

    model: str
    protocol: str
    config_id: str  # a hash of the configuration less the seed
    label: str  # the model, and what sets this configuration apart from the model's others
    runs: tuple[Record, ...]
    replaced: tuple[Record, ...] = ()  # older runs of a configuration and seed that a newer run replaces

    @property
    def seeds(self) -> list[int]:
        return [r.seed for r in self.runs]


def configuration(record: Record) -> dict:
    """The settings that make a run's result, less its seed. A record without a configuration (an old or
    hand-made one) is known by its suite and training budget."""
    config = record.config
    if not isinstance(config, dict):
        config = {"model": record.model, "suite": record.suite, "total_steps": record.training.steps,
                  "batch_size": record.training.batch_size}
    return {k: v for k, v in config.items() if k not in PER_RUN and k not in DESCRIPTIVE}


def config_id(record: Record) -> str:
    return hashlib.sha256(json.dumps(configuration(record), sort_keys=True, default=str).encode()).hexdigest()[:8]


def _flat(config: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in config.items():
        if isinstance(v, dict) and v:
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _describe(key: str, value) -> str:
    """One setting as a reader would name it."""
    if key == "total_steps":
        return f"{value:,} steps" if isinstance(value, int) else f"steps {value}"
    if key in ("batch_size", "hparams.batch_size"):
        return f"batch {value}"
    if key.startswith("ic_weak") and value is None:
        return "no weak classifier"
    if key == "ic_weak.every_steps":
        return f"weak classifier every {value:,} steps"
    if key == "ic_weak.samples":
        return f"weak classifier on {value:,} images"
    if key == "data_sha256":
        return f"data {str(value)[:8]}"
    name = key.removeprefix("hparams.")
    return f"{name} {value}"


def _labels(model: str, configs: dict[str, dict]) -> dict[str, str]:
    """Each configuration's label: the model alone when it has one configuration, else the model and the
    values of the settings in which its configurations differ."""
    if len(configs) == 1:
        return {cid: model for cid in configs}
    flat = {cid: _flat(c) for cid, c in configs.items()}
    keys = sorted(set().union(*flat.values()))
    differing = [k for k in keys if len({json.dumps(f.get(k), sort_keys=True) for f in flat.values()}) > 1]
    named = [k for k in differing if k not in DERIVED] or differing
    if "hparams.batch_size" in named and "batch_size" in named:
        named.remove("hparams.batch_size")
    if named and "ic_weak.every_steps" in named and "ic_weak.samples" in named:
        named.remove("ic_weak.samples")
    labels = {}
    for cid, f in flat.items():
        parts = list(dict.fromkeys(_describe(k, f.get(k)) for k in named)) or [f"configuration {cid}"]
        labels[cid] = f"{model} ({', '.join(parts)})"
    if len(set(labels.values())) < len(labels):  # values too alike to tell apart: the configuration's hash
        labels = {cid: f"{label}, configuration {cid}" for cid, label in labels.items()}
    return labels


def experiments(records: list[Record]) -> list[Experiment]:
    """The records grouped into experiments, in the order of their first record; within one, one run per seed."""
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for r in records:
        groups.setdefault((r.model, r.protocol_id, config_id(r)), []).append(r)
    configs: dict[str, dict[str, dict]] = {}
    for (model, _, cid), runs in groups.items():
        configs.setdefault(model, {})[cid] = configuration(runs[0])
    labels = {model: _labels(model, c) for model, c in configs.items()}
    out = []
    for (model, protocol, cid), runs in groups.items():
        newest: dict[int, Record] = {}
        replaced = []
        for r in sorted(runs, key=lambda r: r.created):
            if r.seed in newest:
                replaced.append(newest[r.seed])
            newest[r.seed] = r
        kept = tuple(newest[s] for s in sorted(newest))
        out.append(Experiment(model, protocol, cid, labels[model][cid], kept, tuple(replaced)))
    return out


def run_label(experiment: Experiment, record: Record) -> str:
    return f"{experiment.label} seed {record.seed}"
