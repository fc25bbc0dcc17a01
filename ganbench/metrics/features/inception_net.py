"""torch-fidelity's Inception layers, run by a leaner forward pass.

Three changes, each exact in arithmetic and each checked against
torch-fidelity's own module (features equal to about 2e-5, FID to 1e-6):

- batch norm folded into the preceding convolution (TF's batch norm has no
  scale, so conv -> bn becomes one conv with a bias): one pass fewer over
  every activation map;
- TF 1.x bilinear resize (torch-fidelity's `interpolate_bilinear_2d_like_tensorflow1x`,
  align_corners=False) written as two small interpolation matrices, one per
  axis, instead of four gathers;
- channels_last memory, which oneDNN and cuDNN convolve faster.

The layers themselves (weights, padding, TF's average-pool patch) are
torch-fidelity's modules, called in torch-fidelity's order.

`ReferenceInception` is torch-fidelity's own forward pass, none of the three
changes: `--precision reference`, whose features are torch-fidelity's bit for
bit (so are KID's float32 kernel sums, which magnify a feature's last-bit
difference most where KID is near 0).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

INPUT_SIZE = 299  # torch-fidelity's FeatureExtractorInceptionV3.INPUT_IMAGE_SIZE
TRUNK = (
    "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "MaxPool_1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "MaxPool_2",
    "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
    "Mixed_7a", "Mixed_7b", "Mixed_7c", "AvgPool",
)
LAYERS = ("2048", "logits_unbiased")


def tf1_bilinear_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """n_out x n_in weights of TF 1.x bilinear resize (align_corners=False, no half-pixel offset).

    Source coordinates are computed exactly as torch-fidelity computes them
    (float32 arange times float32 scale), so the taps and weights are its own.
    """
    src = torch.arange(n_out, dtype=torch.float32) * torch.tensor(n_in / n_out, dtype=torch.float32)
    lo = src.long()
    hi = (lo + 1).clamp_max(n_in - 1)
    frac = src - lo.float()
    rows = torch.arange(n_out)
    m = torch.zeros(n_out, n_in)
    m.index_put_((rows, lo), 1 - frac, accumulate=True)
    m.index_put_((rows, hi), frac, accumulate=True)
    return m


def tf1_resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """N x C x H x W (any dtype) -> float32 N x C x size x size, TF 1.x bilinear (torch-fidelity's resize)."""
    x = x.float()
    h, w = x.shape[-2:]
    if (h, w) == (size, size):
        return x
    rows = tf1_bilinear_matrix(h, size).to(x.device)
    cols = tf1_bilinear_matrix(w, size).to(x.device)
    return torch.einsum("yh,nchw,xw->ncyx", rows, x, cols)


def fold_batchnorm(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """One convolution computing bn(conv(x)) in eval mode."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                      conv.dilation, conv.groups, bias=True)
    with torch.no_grad():
        fused.weight.copy_(conv.weight * scale[:, None, None, None])
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.bias.copy_(bn.bias + (bias - bn.running_mean) * scale)
    return fused


def supported(layers: tuple[str, ...]) -> tuple[str, ...]:
    """`layers`, each one of LAYERS (else a ValueError: a caller's bug, not the user's input)."""
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"unsupported Inception layers {sorted(unknown)}")
    return layers


class LeanInception(nn.Module):
    """uint8 N x 3 x H x W -> the requested layers ("2048" pool features, "logits_unbiased") in float32."""

    def __init__(self, extractor: nn.Module, layers: tuple[str, ...]):
        super().__init__()
        self.layers = supported(layers)
        self.trunk = nn.Sequential(*(copy.deepcopy(getattr(extractor, name)) for name in TRUNK)).eval()
        for block in self.trunk.modules():  # torch-fidelity's BasicConv2d: conv, bn, relu
            if isinstance(getattr(block, "bn", None), nn.BatchNorm2d):
                block.conv = fold_batchnorm(block.conv, block.bn)
                block.bn = nn.Identity()
        self.fc_weight = nn.Parameter(extractor.fc.weight.detach().clone(), requires_grad=False)

    def resize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 -> float32 299 x 299, then (x - 128) / 128 as torch-fidelity does."""
        return ((tf1_resize(x, INPUT_SIZE) - 128) / 128).contiguous(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        with torch.autocast(x.device.type, enabled=False):  # resize and logits stay float32 under autocast
            x = self.resize(x)
        pool = torch.flatten(self.trunk(x), 1)
        with torch.autocast(x.device.type, enabled=False):
            pool = pool.float()
            out = {"2048": pool}
            if "logits_unbiased" in self.layers:
                out["logits_unbiased"] = pool.mm(self.fc_weight.T)
        return tuple(out[layer] for layer in self.layers)


class ReferenceInception(nn.Module):
    """uint8 N x 3 x H x W -> the requested layers, by torch-fidelity's own FeatureExtractorInceptionV3 forward
    pass (its resize, its batch norms, contiguous memory): torch-fidelity's features bit for bit, more slowly."""

    def __init__(self, extractor: nn.Module, layers: tuple[str, ...]):
        super().__init__()
        self.layers = supported(layers)
        if tuple(extractor.features_list) != tuple(layers):
            raise ValueError(f"the extractor gives {extractor.features_list}, not {list(layers)}")
        self.extractor = extractor.eval()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(f.float() for f in self.extractor(x))
