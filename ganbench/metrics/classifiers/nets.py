"""The classifiers ganbench trains itself, each named by a versioned architecture string that caches and
records hold. Every net takes images in [-1, 1] and returns one logit per class."""

from __future__ import annotations

import torch
from torch import nn


class SmallCNN(nn.Module):
    """Two 3x3 convolutions (32, 64) with max-pooling, a 128-unit hidden layer, one logit per class."""

    architecture = "cnn32-64-fc128/v1"  # change it when the layers change: caches and records hold it

    def __init__(self, resolution: int, channels: int, classes: int):
        super().__init__()
        side = resolution // 4
        self.layers = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Linear(128, classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DiscriminatorCNN(nn.Module):
    """Korotka et al.'s strong independent classifier, "essentially a trained discriminator": DCGAN-style 5x5
    stride-2 convolutions (64, 128, 256, 256, ...) with LeakyReLU and dropout, down to 7x7 or less, then a
    linear layer. 28x28: two stages, as the TensorFlow-tutorial discriminator of Korotka et al.'s GANs."""

    architecture = "disc5x5-s2-64-128-256/v1"

    def __init__(self, resolution: int, channels: int, classes: int = 2):
        super().__init__()
        layers: list[nn.Module] = []
        side, width, c_in = resolution, 64, channels
        while side > 7:
            layers += [nn.Conv2d(c_in, width, 5, stride=2, padding=2), nn.LeakyReLU(0.2), nn.Dropout(0.3)]
            side, c_in, width = (side + 1) // 2, width, min(2 * width, 256)
        self.layers = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * side * side, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class TinyCNN(nn.Module):
    """The weak independent classifier ("a small network"): two 3x3 stride-2 convolutions (8, 16 channels),
    global average pooling, a linear layer; about 1,400 parameters, trained for a short fixed budget."""

    architecture = "tiny3x3-s2-8-16-gap/v1"

    def __init__(self, resolution: int, channels: int, classes: int = 2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(channels, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class MobileNetV2(nn.Module):
    """Wang et al.'s classifier: torchvision's MobileNetV2 without pretrained weights, its first convolution
    taking the suite's channel count."""

    architecture = "torchvision-mobilenet_v2-scratch/v1"

    def __init__(self, resolution: int, channels: int, classes: int):
        super().__init__()
        from torchvision.models import mobilenet_v2

        self.net = mobilenet_v2(weights=None, num_classes=classes)
        if channels != 3:
            first = self.net.features[0][0]
            self.net.features[0][0] = nn.Conv2d(channels, first.out_channels, 3, 2, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def label_net(resolution: int) -> type[nn.Module]:
    """The augmentation study's classifier: Wang et al.'s MobileNetV2 at 64x64 and larger, a small CNN below."""
    return MobileNetV2 if resolution >= 64 else SmallCNN
