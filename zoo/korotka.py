"""Korotka et al. 2024: GANs with 2-, 3- and 4-dimensional latents, a conditional GAN and a
landscape GAN, each with a choice of activation (ReLU, LeakyReLU, PReLU, ELU; tanh on G's last layer).

The paper draws its networks only as Keras diagrams ("Architecture of the 2D generator", Figs. 2-3) and
gives their parameter counts (Table 3). Those counts fit exactly the generator and discriminator of
TensorFlow's DCGAN tutorial, with the latent size changed ("their changes concern only the input layer to
the values ?x3 and ?x4"); the paper's 16 fixed noise vectors saved at every epoch are that tutorial's too:
- G: Dense(latent -> 7*7*256, no bias), BatchNormalization, activation, Reshape(7, 7, 256),
  Conv2DTranspose(128, 5, stride 1), BN, activation, Conv2DTranspose(64, 5, stride 2), BN, activation,
  Conv2DTranspose(1, 5, stride 2, tanh); no biases.
- D: Conv2D(64, 5, stride 2), activation, Dropout(0.3), Conv2D(128, 5, stride 2), activation,
  Dropout(0.3), Flatten, Dense(1) (a logit).
- Training as the tutorial's `train_step`: one noise batch, G's and D's losses (binary cross-entropy on
  logits) from the same forward pass, both networks updated together; Adam(1e-4) for both, batch 256.
The CGAN's counts fit the same layout with the label multiplied in: noise * Embedding(10, 3)(label) into
G, image * Embedding(10, 784)(label) into D (+30 and +7,840 parameters). The landscape generator's count
fits the same style at 64x64x3 (see LANDSCAPE_G); no plausible layout fits its discriminator's count, and
LANDSCAPE_D is the nearest in the MNIST discriminator's style (docs/zoo.md gives both).

Keras' own layer defaults are kept where PyTorch's differ: LeakyReLU's slope 0.3, PReLU's alphas starting
at 0, BatchNormalization's momentum 0.99 and epsilon 1e-3, Glorot-uniform kernels, Embedding's
uniform(-0.05, 0.05), Adam's epsilon 1e-7.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.models.base import GAN, Batch
from ganbench.models.registry import ModelSpec
from zoo.common import keras_init

SOURCE = "Korotka et al. (2024), Use of generative-adversarial networks when creating content (AI 2024)"
KERNEL = 5
DROPOUT = 0.3

# The paper's four activation functions ("ReLU, LeakyReLU, PReLU, and ELU"), as Keras builds them. Each takes
# the channel count, which only PReLU uses: one learned slope per channel (Keras' default, one per element,
# would add 7*7*256 + ... slopes; the paper's Table 4 counts none for any activation).
ACTIVATIONS: dict[str, Callable[[int], nn.Module]] = {
    "relu": lambda c: nn.ReLU(),
    "leakyrelu": lambda c: nn.LeakyReLU(0.3),
    "prelu": lambda c: nn.PReLU(c, init=0.0),
    "elu": lambda c: nn.ELU(),
}
VARIANTS = {name: {"activation": name} for name in ACTIVATIONS}


def activation(name: str, channels: int) -> nn.Module:
    if name not in ACTIVATIONS:
        raise GanbenchError(f"unknown activation '{name}' (known: {', '.join(ACTIVATIONS)})")
    return ACTIVATIONS[name](channels)


def batch_norm(kind: type[nn.Module], features: int) -> nn.Module:
    return kind(features, eps=1e-3, momentum=0.01)  # Keras' BatchNormalization: momentum 0.99 is 1 - 0.01 here


def transposed(a: int, b: int, stride: int) -> nn.ConvTranspose2d:
    """Keras' Conv2DTranspose(b, 5, strides, padding='same', use_bias=False): the side times the stride."""
    return nn.ConvTranspose2d(a, b, KERNEL, stride, padding=KERNEL // 2, output_padding=stride - 1, bias=False)


class Generator(nn.Module):
    """Dense -> BN -> act -> reshape, then 5x5 transposed convolutions with BN and act, tanh last.

    `stages` are the hidden transposed convolutions as (filters, stride); the output one has `out_stride`.
    """

    def __init__(self, latent_dim: int, side: int, width: int, stages: list[tuple[int, int]], out_stride: int,
                 channels: int, act: str):
        super().__init__()
        # The activation follows the reshape: the same function for an element-wise activation, and it lets
        # PReLU keep one slope per channel.
        layers: list[nn.Module] = [nn.Linear(latent_dim, width * side * side, bias=False),
                                   batch_norm(nn.BatchNorm1d, width * side * side),
                                   nn.Unflatten(1, (width, side, side)), activation(act, width)]
        for filters, stride in stages:
            layers += [transposed(width, filters, stride), batch_norm(nn.BatchNorm2d, filters),
                       activation(act, filters)]
            width = filters
        layers += [transposed(width, channels, out_stride), nn.Tanh()]
        self.layers = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.layers(z)


class Discriminator(nn.Module):
    """5x5 stride-2 convolutions, each followed by the activation and Dropout(0.3); Flatten; Dense(1)."""

    def __init__(self, resolution: int, channels: int, filters: tuple[int, ...], act: str):
        super().__init__()
        layers: list[nn.Module] = []
        side = resolution
        for f in filters:
            layers += [nn.Conv2d(channels, f, KERNEL, 2, padding=KERNEL // 2), activation(act, f), nn.Dropout(DROPOUT)]
            channels, side = f, (side + 1) // 2
        self.layers = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * side * side, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).squeeze(1)


class LabelTimesNoise(nn.Module):
    """The common Keras CGAN's input: the noise (or image) times a learned embedding of the class label."""

    def __init__(self, num_classes: int, shape: tuple[int, ...]):
        super().__init__()
        self.shape = shape
        self.embedding = nn.Embedding(num_classes, int(torch.tensor(shape).prod()))
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # Keras' Embedding initialiser

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return x * self.embedding(labels).view(-1, *self.shape)


class ConditionalGenerator(nn.Module):
    def __init__(self, net: Generator, num_classes: int, latent_dim: int):
        super().__init__()
        self.condition = LabelTimesNoise(num_classes, (latent_dim,))
        self.net = net

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(self.condition(z, labels))


class ConditionalDiscriminator(nn.Module):
    def __init__(self, net: Discriminator, num_classes: int, image_shape: tuple[int, int, int]):
        super().__init__()
        self.condition = LabelTimesNoise(num_classes, image_shape)
        self.net = net

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(self.condition(x, labels))


class OneTapeGAN(GAN):
    """The training step of TensorFlow's DCGAN tutorial: both losses from one forward pass under one
    GradientTape, G's gradient taken from G's loss and D's from D's, both optimizers stepped together."""

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.D(images)

    def batch_labels(self, batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The real images' labels and those the fakes are generated for (none for an unconditional GAN)."""
        return None, None

    def train_step(self, batch: Batch, optimizers: Mapping[str, torch.optim.Optimizer], step: int) -> dict[str, float]:
        real = batch.images
        real_labels, fake_labels = self.batch_labels(batch)
        z = torch.randn(real.shape[0], self.latent_dim, device=real.device)
        logit_real = self.discriminate(real, real_labels)
        logit_fake = self.discriminate(self.generate(z, fake_labels), fake_labels)
        loss_g = F.binary_cross_entropy_with_logits(logit_fake, torch.ones_like(logit_fake))
        loss_d = (F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
                  + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake)))
        # Each loss's gradient into its own network only, as the tape's two gradient calls do. backward (not
        # autograd.grad) fills .grad through the hooks a DistributedDataParallel wrapper averages over ranks.
        optimizers["G"].zero_grad(set_to_none=True)
        optimizers["D"].zero_grad(set_to_none=True)
        loss_g.backward(inputs=list(self.G.parameters()), retain_graph=True)
        loss_d.backward(inputs=list(self.D.parameters()))
        optimizers["G"].step()
        optimizers["D"].step()
        return {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": torch.sigmoid(logit_real).mean().item(),
            "d_fake": torch.sigmoid(logit_fake).mean().item(),
        }


class ConditionalGAN(OneTapeGAN):
    """The CGAN: G and D take the class label too; fakes are made for uniformly drawn labels."""

    @property
    def num_classes(self) -> int:
        return int(self.hparams["num_classes"])

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise GanbenchError("a conditional model needs a class label for every latent point")
        return self.G(z, labels)

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.D(images, labels)

    def batch_labels(self, batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        labels = batch.labels
        if labels is None:
            raise GanbenchError("cgan trains on labelled data, and this data set has no labels")
        if int(labels.max()) >= self.num_classes or int(labels.min()) < 0:
            raise GanbenchError(f"cgan has {self.num_classes} classes; the data has label {int(labels.max())}")
        fake = torch.randint(0, self.num_classes, labels.shape, device=labels.device)
        return labels, fake

    def sample_inputs(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Latent points and seeded, uniformly drawn labels (as the fakes of training are)."""
        z = self.sample_latent(n, generator)
        return z, torch.randint(0, self.num_classes, (n,), generator=generator)


# ------------------------------------------------------------------------------------------ the layouts

MNIST_G = dict(side=7, width=256, stages=[(128, 1), (64, 2)], out_stride=2)
MNIST_D = (64, 128)
# Landscape G (Table 4: 10,729,344 in Keras' count, matched exactly): the MNIST generator's style at 8x8x256
# with five 5x5 transposed convolutions, 512-256-256-128-3. The count needs two of stride 1 and three of stride
# 2 but cannot tell which: as in the MNIST G, the stride-1 ones come first, at the dense layer's size.
LANDSCAPE_G = dict(side=8, width=256, stages=[(512, 1), (256, 1), (256, 2), (128, 2)], out_stride=2)
# Landscape D (Table 4: 2,563,713): the MNIST D's style with four convolutions 32-128-256-256 gives 2,567,169,
# 3,456 (0.13%) more; the doubling 64-128-256-256 would give 2,672,001 (4.2% more). No plausible exact fit.
LANDSCAPE_D = (32, 128, 256, 256)


def _check_shape(name: str, resolution: int, expected: int) -> None:
    if resolution != expected:
        raise GanbenchError(f"{name} makes {expected}x{expected} images, not {resolution}x{resolution}")


def _build(g_layout: dict, d_filters: tuple[int, ...], resolution: int, channels: int,
           hparams: Mapping[str, Any]) -> tuple[Generator, Discriminator]:
    act = hparams["activation"]
    generator = Generator(hparams["latent_dim"], channels=channels, act=act, **g_layout)
    discriminator = Discriminator(resolution, channels, d_filters, act)
    keras_init(generator)
    keras_init(discriminator)
    return generator, discriminator


def build_latent(resolution: int, channels: int, hparams: Mapping[str, Any]) -> OneTapeGAN:
    _check_shape(f"latent{hparams['latent_dim']}d", resolution, 28)
    return OneTapeGAN(*_build(MNIST_G, MNIST_D, resolution, channels, hparams), hparams)


def build_cgan(resolution: int, channels: int, hparams: Mapping[str, Any]) -> ConditionalGAN:
    _check_shape("cgan", resolution, 28)
    generator, discriminator = _build(MNIST_G, MNIST_D, resolution, channels, hparams)
    classes, latent = int(hparams["num_classes"]), int(hparams["latent_dim"])
    return ConditionalGAN(ConditionalGenerator(generator, classes, latent),
                          ConditionalDiscriminator(discriminator, classes, (channels, resolution, resolution)),
                          hparams)


def build_landscape(resolution: int, channels: int, hparams: Mapping[str, Any]) -> OneTapeGAN:
    _check_shape("landscape", resolution, 64)
    return OneTapeGAN(*_build(LANDSCAPE_G, LANDSCAPE_D, resolution, channels, hparams), hparams)


# TensorFlow's DCGAN tutorial: Adam(1e-4) for both networks (Keras' betas 0.9/0.999, epsilon 1e-7), batch 256.
# Default activation LeakyReLU: the tutorial's, and the paper's before its activation study ("the model was
# trained using the LeakyReLU activation function"); Keras' LeakyReLU slope is 0.3.
DEFAULTS = {"lr_g": 1e-4, "lr_d": 1e-4, "betas": (0.9, 0.999), "eps": 1e-7, "batch_size": 256,
            "activation": "leakyrelu"}
# Table 3's training lengths: 2-D 5k epochs, 3-D 2k, 4-D 1k. The CGAN's "60 thousand epochs" at 0.125 s each
# cannot be passes over 60,000 images (the same G takes 10 s for one): read as 60,000 steps.
EPOCHS = {2: 5000, 3: 2000, 4: 1000}


def _spec(name: str, build, defaults: dict, description: str) -> ModelSpec:
    return ModelSpec(name=name, family="korotka", source=SOURCE, defaults={**DEFAULTS, **defaults}, build=build,
                     description=description, variants=VARIANTS)


SPECS = [
    *(_spec(f"latent{d}d", build_latent, {"latent_dim": d, "epochs": EPOCHS[d]},
            f"{d}-D latent space, 28x28: Dense + BN + 3 transposed 5x5 convs; D 2 convs + dropout (TF's DCGAN)")
      for d in (2, 3, 4)),
    _spec("cgan", build_cgan, {"latent_dim": 3, "num_classes": 10, "steps": 60000},
          "conditional 3-D latent GAN, 28x28: noise and image multiplied by label embeddings"),
    _spec("landscape", build_landscape, {"latent_dim": 100, "epochs": 1000},
          "landscape GAN, 64x64x3: Dense + BN + 5 transposed 5x5 convs (10.7M); D 4 convs + dropout"),
]
