"""The model registry: built-in families and third-party plugins, found the same way.

Every model, built-in or not, is a `ModelSpec` exposed through the entry-point
group `ganbench.models` (a spec, or a list of specs for a family with several
variants). A plugin that fails to import is remembered by name and reported;
it never takes the rest of the zoo down with it.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import Any, Callable, Mapping

from ganbench.core.errors import GanbenchError
from ganbench.models.base import GAN

ENTRY_POINT_GROUP = "ganbench.models"


@dataclass(frozen=True)
class ModelSpec:
    """What the zoo knows of a model before building it.

    build(resolution, channels, hparams) returns a GAN for images of that
    size; resolution and channel count always come from the suite.
    """

    name: str
    family: str
    source: str  # the paper (seed) whose architecture and hyperparameters this follows
    defaults: Mapping[str, Any]
    build: Callable[[int, int, Mapping[str, Any]], GAN]
    resolutions: tuple[int, ...] | None = None  # None: any
    description: str = ""
    # At planning time, hyperparameters that depend on the machine (a local weights file and its hash): they
    # enter the run's configuration, so its record says which and its folder name tells the runs apart.
    resolve: Callable[[dict], dict] | None = None
    # Named variants, each a set of hyperparameter overrides: `NAME:VARIANT` (latent4d:prelu) is a model of its own.
    variants: Mapping[str, Mapping[str, Any]] | None = None
    plugin: str = field(default="", compare=False)  # the distribution that provided it

    def check_resolution(self, resolution: int, suite: str = "") -> None:
        if self.resolutions is not None and resolution not in self.resolutions:
            where = f" (suite {suite})" if suite else ""
            raise GanbenchError(
                f"model '{self.name}' supports resolutions {list(self.resolutions)}, not {resolution}{where}"
            )

    def create(self, resolution: int, channels: int, overrides: Mapping[str, Any] | None = None) -> GAN:
        self.check_resolution(resolution)
        hparams = {**self.defaults, **(overrides or {})}
        return self.build(resolution, channels, hparams)

    def planned_hparams(self) -> dict:
        """The defaults as a run will use them, machine-dependent ones resolved."""
        hparams = dict(self.defaults)
        return self.resolve(hparams) if self.resolve else hparams

    def variant(self, name: str) -> "ModelSpec":
        """The spec of `self.name:name`: the same model with the variant's hyperparameters."""
        known = self.variants or {}
        if name not in known:
            options = ", ".join(known) or "none"
            raise GanbenchError(f"model '{self.name}' has no variant '{name}' (its variants: {options})")
        return replace(self, name=f"{self.name}:{name}", defaults={**self.defaults, **known[name]}, variants=None)


@dataclass(frozen=True)
class Zoo:
    models: Mapping[str, ModelSpec]
    broken: Mapping[str, str]  # entry-point name -> one-line reason it could not be loaded

    def get(self, name: str) -> ModelSpec:
        base, sep, variant = name.partition(":")
        if sep:
            return self.get(base).variant(variant)
        if name in self.models:
            return self.models[name]
        if name in self.broken:
            raise GanbenchError(f"model plugin '{name}' failed to load: {self.broken[name]}")
        known = ", ".join(sorted(self.models)) or "none"
        near = difflib.get_close_matches(name, list(self.models), n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise GanbenchError(f"unknown model '{name}' ({hint}known: {known})")


def _as_specs(obj: Any, ep_name: str) -> list[ModelSpec]:
    specs = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    for s in specs:
        if not isinstance(s, ModelSpec):
            raise TypeError(f"entry point '{ep_name}' must give a ModelSpec or a list of them, not {type(s).__name__}")
    return specs


_REGISTERED: dict[str, ModelSpec] = {}  # register_model's, in this process


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to this process's zoo (a notebook's or a script's own): it trains, scores and compares like
    any other. For `ganbench` commands in a shell, expose it through the entry point instead (docs/plugins.md).
    A name the zoo already has is refused."""
    if not isinstance(spec, ModelSpec):
        raise GanbenchError(f"register_model takes a ModelSpec, not {type(spec).__name__}")
    if spec.name in load_zoo().models:
        raise GanbenchError(f"a model named '{spec.name}' is already in the zoo: choose another name")
    _REGISTERED[spec.name] = spec
    load_zoo.cache_clear()
    return spec


@functools.lru_cache(maxsize=1)
def load_zoo() -> Zoo:
    """Discover every model once per process (call `load_zoo.cache_clear()` after installing a plugin)."""
    models: dict[str, ModelSpec] = {}
    broken: dict[str, str] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            specs = _as_specs(ep.load(), ep.name)
        except Exception as exc:  # a broken plugin must not break the CLI
            broken[ep.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            continue
        dist = getattr(ep, "dist", None)
        for spec in specs:
            if spec.name in models:
                broken[spec.name] = f"duplicate model name (also provided by {models[spec.name].plugin})"
                continue
            models[spec.name] = replace(spec, plugin=dist.name if dist else "")
    for name, spec in _REGISTERED.items():
        models.setdefault(name, replace(spec, plugin=spec.plugin or "registered in this process"))
    return Zoo(models=models, broken=broken)


def get_model(name: str) -> ModelSpec:
    return load_zoo().get(name)
