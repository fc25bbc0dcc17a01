"""What the latent explorer computes (Korotka et al., 2024): class maps over a grid of latent points, the paths
of the smooth flow, the mean activations of G's layers. ganbench.studies.explore_plots draws them."""

from __future__ import annotations

import torch
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.metrics.classifiers.labels import LabelClassifier
from ganbench.models.base import GAN
from ganbench.models.sampling import images_at

MAP_RANGE = (-1.0, 1.0)  # the paper's: "a hundred points in the range from -1 to 1" along each axis


GRID = 100  # 100 x 100 = the paper's 10,000 points (per class for a CGAN)


SECTIONS = 16  # "16 sections are made along all axes of the cube (16 points from -1 to 1)"


# The layers whose output is an "activation": the non-linearities (G's last, tanh, gives the image itself).
ACTIVATION_LAYERS = (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid)


def axis_values(n: int) -> torch.Tensor:
    return torch.linspace(*MAP_RANGE, n)


def class_map(model: GAN, classifier: LabelClassifier, grid: int, fixed: torch.Tensor,
              label: int | None = None) -> torch.Tensor:
    """grid x grid class indices over latent axes 0 (columns, x) and 1 (rows, y, from -1 up), the other
    coordinates at `fixed`."""
    v = axis_values(grid)
    y, x = torch.meshgrid(v, v, indexing="ij")
    z = fixed.repeat(grid * grid, 1)
    z[:, 0], z[:, 1] = x.flatten(), y.flatten()
    labels = None if label is None else torch.full((len(z),), label, dtype=torch.long)
    title = f"map of class areas ({grid}x{grid})" + ("" if label is None else f", label {label}")
    return classifier.predict(images_at(model, z, labels, title)).view(grid, grid)


def class_cube(model: GAN, classifier: LabelClassifier, n: int = SECTIONS) -> torch.Tensor:
    """n x n x n class indices of a 3-D latent, indexed [z0, z1, z2]."""
    v = axis_values(n)
    z = torch.stack(torch.meshgrid(v, v, v, indexing="ij"), -1).reshape(-1, 3)
    return classifier.predict(images_at(model, z, None, f"cube of class areas ({n}^3)")).view(n, n, n)


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(linear, spherical) paths of `steps` points from a to b. Spherical interpolation (Shoemake 1985; White
    2016 for GAN latents) follows the great circle between the directions, the norm interpolated linearly."""
    t = torch.linspace(0, 1, steps)[:, None]
    linear = (1 - t) * a + t * b
    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        return linear, linear
    cos = torch.clamp(torch.dot(a / na, b / nb), -1.0, 1.0)
    if cos > 1 - 1e-6:  # one direction: the arc has no length, and the path is the linear one
        return linear, linear
    if cos < -1 + 1e-6:  # opposite directions: no single great circle joins them
        raise GanbenchError("the two flow points lie in opposite directions from the origin: the spherical path "
                            "is undefined; choose other --from/--to points")
    omega = torch.arccos(cos)
    direction = (torch.sin((1 - t) * omega) * a / na + torch.sin(t * omega) * b / nb) / torch.sin(omega)
    return linear, direction * ((1 - t) * na + t * nb)


@torch.no_grad()
def mean_activations(model: GAN, z: torch.Tensor, label: int | None) -> list[tuple[str, torch.Tensor]]:
    """(name, H x W mean over channels) for each activation layer of G with an image-shaped output, in order."""
    found: list[tuple[str, torch.Tensor]] = []
    hooks = []

    def record(module: nn.Module):
        def hook(_module, _inputs, output):
            if isinstance(output, torch.Tensor) and output.dim() == 4:
                c, h, w = output.shape[1:]
                found.append((f"{type(module).__name__} {c}x{h}x{w}", output[0].float().mean(0).cpu()))
        return hook

    for module in model.G.modules():
        if isinstance(module, ACTIVATION_LAYERS):
            hooks.append(module.register_forward_hook(record(module)))
    device = next(model.parameters()).device
    try:
        labels = None if label is None else torch.tensor([label], device=device)
        model.generate(z[None].to(device), labels)
    finally:
        for h in hooks:
            h.remove()
    if not found:
        raise GanbenchError("this generator has no activation layers with image-shaped outputs to show")
    return [(f"{i + 1}: {name}", act) for i, (name, act) in enumerate(found)]
