"""Wang et al.'s augmentation utility: does adding a model's generated images to the real training data make a
classifier better on real test images, and by more than traditional augmentation does?

Three classifiers of one architecture (Wang et al.'s MobileNetV2 at 64x64 and larger, a small CNN below) train
with one budget and seed on
- `real`: the suite's labelled training split alone;
- `traditional`: the same plus `per_class` images per class made from real ones by random flips, shifts and
  rotations (Wang et al.'s "panning, rotating");
- `generated`: the same plus `per_class` of the model's images per class: a conditional model is asked for
  each class; an unconditional one is labelled by a classifier trained on the suite's real labels; with one
  generator per class (Wang et al.'s ore study), each makes its class.
Each stops early on one validation split held out of the real training images, and is scored on the suite's
test split. The two references depend on the suite, budget and seed only: they are cached.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ganbench.core import config
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import write_json
from ganbench.core.progress import info, warn
from ganbench.data import ImageData
from ganbench.data.quantize import to_uint8, to_unit
from ganbench.metrics.cache import key_hash
from ganbench.metrics.classifiers.fitting import Budget, Labelled, error_rate, fit
from ganbench.metrics.classifiers.labels import label_classifier
from ganbench.metrics.classifiers.nets import label_net
from ganbench.metrics.classifiers.two_sample import wilson_percent
from ganbench.models.base import GAN
from ganbench.models.sampling import generate, images_at

VAL_FRACTION = 0.1  # of the real training images, for early stopping
PATIENCE = 10  # epochs without a fall of the validation loss
BATCH = 128
LR = 1e-3
ROTATION_DEG, SHIFT, FLIP_P = 15.0, 0.1, 0.5  # the traditional augmentation
MAX_DRAWS = 20  # an unconditional model gets per_class * classes * MAX_DRAWS draws to fill every class


@dataclass(frozen=True)
class Study:
    """What the three classifiers are trained and tested on."""

    train: Labelled  # real training images, less the validation split
    val: Labelled
    test: Labelled
    classes: int
    resolution: int
    channels: int
    per_class: int
    budget: Budget
    seed: int
    name: str  # the suite's data, for messages and the cache key

    def accuracy(self, extra: Labelled | None, description: str, device: torch.device) -> dict:
        train = self.train if extra is None else Labelled(torch.cat([self.train.images, extra.images]),
                                                          torch.cat([self.train.labels, extra.labels]))
        net = label_net(self.resolution)
        fitted = fit(lambda: net(self.resolution, self.channels, self.classes), train, self.budget, self.seed, device,
                     description, val=self.val)
        errors = round(error_rate(fitted.net, self.test) * len(self.test))
        low, high = wilson_percent(errors, len(self.test))
        return {"accuracy": 100 - 100 * errors / len(self.test), "ci_low": 100 - high, "ci_high": 100 - low,
                "epochs": fitted.epochs_run, "best_epoch": fitted.best_epoch, "n_train": len(train)}

    def key(self) -> dict:
        return {"kind": "aug-reference", "train": _digest(self.train), "val": _digest(self.val),
                "test": _digest(self.test), "per_class": self.per_class, "budget": vars(self.budget),
                "architecture": label_net(self.resolution).architecture, "seed": self.seed,
                "traditional": [ROTATION_DEG, SHIFT, FLIP_P]}


def _digest(data: Labelled) -> str:
    h = hashlib.sha256(data.images.contiguous().numpy().tobytes())
    h.update(data.labels.contiguous().numpy().tobytes())
    return h.hexdigest()


def make_study(train: ImageData, test: ImageData, per_class: int, epochs: int, seed: int) -> Study:
    if train.labels is None or test.labels is None:
        raise GanbenchError(f"aug needs class labels, and {train.name} has none: use a labelled suite "
                            "(Fashion-MNIST, MNIST, CIFAR)")
    if per_class < 1 or epochs < 1:
        raise GanbenchError("aug needs at least 1 image per class and 1 epoch")
    n_val = max(1, round(len(train) * VAL_FRACTION))
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    real = Labelled(train.images, train.labels)
    classes = int(max(train.labels.max(), test.labels.max())) + 1
    return Study(real.take(order[n_val:]), real.take(order[:n_val]), Labelled(test.images, test.labels), classes,
                 train.resolution, train.channels, per_class, Budget(epochs, BATCH, LR, PATIENCE), seed, train.name)


def traditional_augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per image: a random rotation within ±15°, a shift within ±10% of the side, a horizontal flip half of the
    time, on floats in [-1, 1]; uncovered pixels take the background value -1."""
    n = len(x)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(ROTATION_DEG)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 2 * SHIFT  # affine_grid's coordinates span 2
    flip = torch.where(torch.rand(n, generator=generator) < FLIP_P, -1.0, 1.0)
    cos, sin = angle.cos(), angle.sin()
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x + 1, grid, align_corners=False, padding_mode="zeros") - 1


def traditional_images(study: Study) -> Labelled:
    """per_class images per class, each a randomly chosen real training image of the class, transformed once."""
    gen = torch.Generator().manual_seed(study.seed)
    picks = []
    for c in range(study.classes):
        members = (study.train.labels == c).nonzero().flatten()
        if len(members):
            picks.append(members[torch.randint(len(members), (study.per_class,), generator=gen)])
    idx = torch.cat(picks)
    images = torch.cat([to_uint8(traditional_augment(to_unit(study.train.images[idx[s:s + 1000]]), gen))
                        for s in range(0, len(idx), 1000)])
    return Labelled(images, study.train.labels[idx])


Source = Callable[[Study], tuple[Labelled, dict]]  # the generated images per class, and how they were labelled


def per_class_generators(models: list[GAN], seed: int) -> Source:
    """One generator per class, in class order (Wang et al. train one per ore class)."""
    def source(study: Study) -> tuple[Labelled, dict]:
        if len(models) != study.classes:
            raise GanbenchError(f"{len(models)} generators for {study.classes} classes")
        images = [generate(m, study.per_class, seed + c) for c, m in enumerate(models)]
        labels = torch.arange(study.classes).repeat_interleave(study.per_class)
        return Labelled(torch.cat(images), labels), {"labels": "one generator per class"}

    return source


def one_generator(model: GAN, labeller, seed: int, device: torch.device) -> Source:
    """A conditional model asked for each class, or an unconditional one labelled by `labeller`."""
    return lambda study: generated_images(model, study, labeller, seed, device)


@torch.no_grad()
def generated_images(model: GAN, study: Study, labeller, seed: int, device: torch.device) -> tuple[Labelled, dict]:
    """per_class generated images per class, and how they were labelled."""
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        if model.num_classes:
            if model.num_classes != study.classes:
                raise GanbenchError(f"the model makes {model.num_classes} classes, the suite has {study.classes}")
            labels = torch.arange(study.classes).repeat_interleave(study.per_class)
            images = images_at(model, model.sample_latent(len(labels), gen), labels)
            return Labelled(images, labels), {"labels": "asked of the conditional model"}
        counts = torch.zeros(study.classes, dtype=torch.int64)
        kept_x, kept_y = [], []
        for _ in range(MAX_DRAWS * study.classes * study.per_class // 500 + 1):
            x = to_uint8(model.sample(500, gen).cpu())
            y = labeller.predict(x)
            for c in range(study.classes):
                room = study.per_class - int(counts[c])
                take = (y == c).nonzero().flatten()[:room]
                kept_x.append(x[take])
                kept_y.append(y[take])
                counts[c] += len(take)
            if int(counts.sum()) == study.classes * study.per_class:
                break
    finally:
        model.train(was_training)
    detail = {"labels": f"by a classifier of the suite's real labels (test accuracy "
                        f"{100 * labeller.test_accuracy:.1f}%)", "per_class": counts.tolist()}
    short = [c for c in range(study.classes) if counts[c] < study.per_class]
    if short:
        warn(f"aug: the model made fewer than {study.per_class} images of class(es) {short} in "
             f"{MAX_DRAWS * study.classes * study.per_class:,} draws; those classes get fewer")
    return Labelled(torch.cat(kept_x), torch.cat(kept_y)), detail


def _references(study: Study, device: torch.device) -> dict:
    """The real-only and traditional accuracies, cached: every model of a suite shares them."""
    key = study.key()
    path = config.cache_dir() / "aug" / f"{key_hash(key)}.json"
    try:
        stored = json.loads(path.read_text())
        if stored.get("key") == json.loads(json.dumps(key)):
            return stored["references"]
    except (OSError, ValueError, AttributeError):
        pass  # absent or damaged: computed again
    info(f"aug: training the reference classifiers on {study.name} (cached afterwards)")
    refs = {"real": study.accuracy(None, "aug: real only", device),
            "traditional": study.accuracy(traditional_images(study), "aug: real + traditional", device)}
    write_json(path, {"key": key, "references": refs})
    return refs


def model_utility(model: GAN, train: ImageData, test: ImageData, per_class: int, epochs: int, seed: int,
                  device: torch.device) -> dict:
    """The study of one model on a labelled suite's train and test splits."""
    labeller = None if model.num_classes else label_classifier(train, test, device, seed)[0]
    return utility(one_generator(model, labeller, seed, device), train, test, per_class, epochs, seed, device)


def utility(source: Source, train: ImageData, test: ImageData, per_class: int, epochs: int, seed: int,
            device: torch.device) -> dict:
    """The three accuracies in percent, their Wilson intervals, and the gains, as record metrics."""
    t0 = time.perf_counter()
    study = make_study(train, test, per_class, epochs, seed)
    refs = _references(study, device)
    extra, how = source(study)
    ours = study.accuracy(extra, "aug: real + generated", device)
    out = {}
    for name, r in (("aug_accuracy", ours), ("aug_real_accuracy", refs["real"]),
                    ("aug_traditional_accuracy", refs["traditional"])):
        out.update({name: r["accuracy"], f"{name}_ci_low": r["ci_low"], f"{name}_ci_high": r["ci_high"]})
    out["aug_gain"] = ours["accuracy"] - refs["real"]["accuracy"]
    out["aug_gain_over_traditional"] = ours["accuracy"] - refs["traditional"]["accuracy"]
    out["aug_detail"] = {
        "generated": {**how, **{k: v for k, v in ours.items() if k not in ("accuracy", "ci_low", "ci_high")}},
        "real": refs["real"], "traditional": refs["traditional"],
        "classifier": label_net(study.resolution).architecture, "per_class": per_class, "max_epochs": epochs,
        "patience": PATIENCE, "n_val": len(study.val), "n_test": len(study.test),
        "traditional_augmentation": f"rotation ±{ROTATION_DEG:g}°, shift ±{SHIFT:.0%}, horizontal flip p={FLIP_P}",
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return out
