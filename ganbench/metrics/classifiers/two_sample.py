"""Korotka et al.'s independent classifiers (IC): a network trained to tell generated images from real ones,
scored by its error on images it never saw. 50% means it cannot tell them apart; 0% that it recognises every
generated image.

This is a classifier two-sample test (Lopez-Paz and Oquab, "Revisiting Classifier Two-Sample Tests", ICLR
2017): under "the two sets come from one distribution" the held-out accuracy is Binomial(n, 1/2), which
gives the p-value recorded beside the error. The error's interval is the Wilson interval over the held-out
images; it does not cover the classifier's own training randomness (rerun with other seeds for that).

- `strong`: Korotka et al.'s "essentially a trained discriminator, but an independent model": trained to
  convergence (early stopping on a validation split), unlike a GAN's discriminator.
- `weak`: "a small network", with a short fixed budget, cheap enough to run every few epochs of GAN
  training (Korotka et al.'s Fig. 7).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

import torch
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.metrics.classifiers.fitting import Budget, Labelled, error_rate, fit
from ganbench.metrics.classifiers.nets import DiscriminatorCNN, TinyCNN

REAL, FAKE = 0, 1
MIN_PER_SET = 20  # below this a held-out error says nothing


@dataclass(frozen=True)
class ICProtocol:
    name: str
    net: Callable[[int, int], nn.Module]  # (resolution, channels) -> a two-class net
    budget: Budget
    test_fraction: float = 0.5  # of each set, held out for the score (Lopez-Paz and Oquab split half-half)
    val_fraction: float = 0.0  # of each set, for early stopping

    def as_dict(self) -> dict:
        return {"name": self.name, "architecture": self.net.architecture, **asdict(self.budget),
                "test_fraction": self.test_fraction, "val_fraction": self.val_fraction,
                "balance": "the same number of real and generated images (the smaller set's count)"}


STRONG = ICProtocol("ic-strong", DiscriminatorCNN, Budget(epochs=50, batch=64, lr=2e-4, patience=5),
                    test_fraction=0.5, val_fraction=0.1)
WEAK = ICProtocol("ic-weak", TinyCNN, Budget(epochs=3, batch=64, lr=3e-3), test_fraction=0.5)
PROTOCOLS = {p.name: p for p in (STRONG, WEAK)}


@dataclass(frozen=True)
class Splits:
    train: Labelled
    val: Labelled | None
    test: Labelled


def split(real: torch.Tensor, fake: torch.Tensor, protocol: ICProtocol, seed: int) -> Splits:
    """Balanced, seeded, disjoint train / validation / test splits of real (label 0) and generated (1) images."""
    n = min(len(real), len(fake))
    if n < MIN_PER_SET:
        raise GanbenchError(f"{protocol.name} needs at least {MIN_PER_SET} real and {MIN_PER_SET} generated images, "
                            f"got {len(real)} and {len(fake)}")
    if real.shape[1:] != fake.shape[1:]:
        raise GanbenchError(f"{protocol.name}: real images are {tuple(real.shape[1:])}, generated ones "
                            f"{tuple(fake.shape[1:])}")
    n_test, n_val = round(n * protocol.test_fraction), round(n * protocol.val_fraction)
    gen = torch.Generator().manual_seed(seed)
    parts: dict[str, list[Labelled]] = {"train": [], "val": [], "test": []}
    for label, images in ((REAL, real), (FAKE, fake)):
        idx = torch.randperm(len(images), generator=gen)[:n]
        chosen = Labelled(images[idx], torch.full((n,), label, dtype=torch.int64))
        parts["test"].append(chosen.take(torch.arange(0, n_test)))
        parts["val"].append(chosen.take(torch.arange(n_test, n_test + n_val)))
        parts["train"].append(chosen.take(torch.arange(n_test + n_val, n)))

    def join(items: list[Labelled]) -> Labelled:
        return Labelled(torch.cat([i.images for i in items]), torch.cat([i.labels for i in items]))

    return Splits(join(parts["train"]), join(parts["val"]) if n_val else None, join(parts["test"]))


def binomtest(*args, **kwargs):
    """scipy's binomial test, imported when a classifier is scored (scipy.stats takes half a second to import)."""
    from scipy.stats import binomtest as test

    return test(*args, **kwargs)


def wilson_percent(errors: int, n: int) -> tuple[float, float]:
    ci = binomtest(errors, n).proportion_ci(confidence_level=0.95, method="wilson")
    return 100 * ci.low, 100 * ci.high


def independent_classifier(real: torch.Tensor, fake: torch.Tensor, protocol: ICProtocol, seed: int,
                           device: torch.device) -> dict:
    """The protocol's held-out error in percent (with its Wilson interval and C2ST p-value) on uint8 images."""
    t0 = time.perf_counter()
    s = split(real, fake, protocol, seed)
    resolution, channels = real.shape[-1], real.shape[1]
    fitted = fit(lambda: protocol.net(resolution, channels), s.train, protocol.budget, seed, device,
                 f"{protocol.name} classifier", val=s.val)
    n_test = len(s.test)
    errors = round(error_rate(fitted.net, s.test) * n_test)
    low, high = wilson_percent(errors, n_test)
    # C2ST: how likely this many correct answers are when real and generated cannot be told apart.
    p_value = binomtest(n_test - errors, n_test, 0.5, alternative="greater").pvalue
    return {
        "error": 100 * errors / n_test,
        "error_ci_low": low,
        "error_ci_high": high,
        "train_error": 100 * error_rate(fitted.net, s.train),
        "p_value": float(p_value),
        "n_train": len(s.train), "n_val": len(s.val) if s.val is not None else 0, "n_test": n_test,
        "epochs": fitted.epochs_run, "best_epoch": fitted.best_epoch,
        "protocol": protocol.as_dict(),
        "seconds": round(time.perf_counter() - t0, 2),
    }


class WeakICMonitor:
    """Korotka et al.'s Fig. 7: the weak IC's error every `every` steps of GAN training, on fixed real images and on
    images from fixed noise (so that a change is the generator's), logged in the step's JSONL line."""

    keys = ("ic_weak_error", "ic_weak_error_ci_low", "ic_weak_error_ci_high")

    def __init__(self, real: torch.Tensor, every: int, seed: int, device: torch.device):
        self.real, self.every, self.seed, self.device = real, every, seed, device

    def __call__(self, model) -> dict[str, float]:
        from ganbench.models.sampling import generate

        fake = generate(model, len(self.real), seed=self.seed)
        result = independent_classifier(self.real, fake, WEAK, self.seed, self.device)
        return {k: result[k.removeprefix("ic_weak_")] for k in self.keys}
