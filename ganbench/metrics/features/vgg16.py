"""VGG16 fc2 features for precision/recall and density/coverage, as torch-fidelity's protocol defines them.

torch-fidelity's `FeatureExtractorVGG16` is torchvision's ImageNet VGG16
(`vgg16-397923af.pth`) cut after fc2, on uint8 images resized to 224x224
like TensorFlow 1.x and normalized with ImageNet's mean and std; precision
and recall use `fc2_relu`. Here the same network runs with the weights
loaded safely (`weights_only=True`; torch-fidelity unpickles the file) and
the resize as two interpolation matrices (metrics/features/inception_net.py). A test
holds our features equal to torch-fidelity's extractor given the same file.

The weights are used where present: `--vgg16-weights`, $GANBENCH_VGG16_WEIGHTS,
or torchvision's download in the torch hub folder. Without them precision,
recall, density and coverage fall back to Inception pool features, and the
protocol says which features were used.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torchvision
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.core.tensorfile import load_tensors, state_dict_mismatch
from ganbench.metrics.features.extractor import FeatureExtractor
from ganbench.metrics.features.inception_net import tf1_resize

VGG16_FILENAME = "vgg16-397923af.pth"  # torchvision's ImageNet weights, which torch-fidelity downloads
ENV_VGG16 = "GANBENCH_VGG16_WEIGHTS"
INPUT_SIZE = 224
PR_LAYER = "fc2_relu"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def find_vgg16(explicit: str | os.PathLike | None = None) -> Path | None:
    """The VGG16 weights file, or None when none is present (no download: the fallback is stated instead)."""
    given = explicit or os.environ.get(ENV_VGG16)
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise GanbenchError(f"VGG16 weights file not found: {path}")
        return path
    cached = Path(torch.hub.get_dir()) / "checkpoints" / VGG16_FILENAME
    return cached if cached.is_file() else None


class VGG16Net(nn.Module):
    """uint8 N x 3 x H x W -> fc2 after ReLU (4096-d), float32."""

    def __init__(self, state_dict: dict[str, torch.Tensor]):
        super().__init__()
        vgg = torchvision.models.vgg16()
        try:
            vgg.load_state_dict(state_dict)
        except RuntimeError as exc:
            raise GanbenchError(f"not torchvision's VGG16 weights: {state_dict_mismatch(exc)}") from None
        self.features, self.avgpool = vgg.features, vgg.avgpool
        self.fc = vgg.classifier[:4]  # fc1, relu, dropout (off in eval), fc2: torch-fidelity's cut
        self.register_buffer("mean", 255 * torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", 255 * torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = ((tf1_resize(x, INPUT_SIZE) - self.mean) / self.std).contiguous(memory_format=torch.channels_last)
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return torch.relu(self.fc(x))


class VGG16Features(FeatureExtractor):
    layers = (PR_LAYER,)

    def __init__(self, path: Path, device: torch.device, batch_size: int = 32):
        state_dict = load_tensors(path, "VGG16 weights")
        self.path = path
        self.sha256 = file_hash(path)
        self.device = device
        self.batch_size = batch_size
        self.module = VGG16Net(state_dict).to(device).to(memory_format=torch.channels_last)

    def provenance(self) -> dict:
        return {"extractor": "vgg16-torchvision", "feature_layer": PR_LAYER, "weights_sha256": self.sha256,
                "resize": "bilinear to 224x224 like TensorFlow 1.x (torch-fidelity's taps, as interpolation matrices)"}

    @torch.inference_mode()
    def _batch(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (self.module(images.to(self.device)).cpu(),)
