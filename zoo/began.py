"""BEGAN (Berthelot et al. 2017) as Zaika's thesis builds it, and in its original form.

The discriminator is an autoencoder. With the L1 reconstruction loss L(v) = mean |v - D(v)| (the thesis's
`recon_loss`), each step does, exactly as the thesis's appendix code:

    D step:  L_D = L(x) - k_t L(G(z_D))                       (G(z_D) detached)
    G step:  L_G = L(G(z_G)) on a fresh z_G, after the D step
    control: k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L_G), 0, 1),   k_0 = 0
    measure: M = L(x) + |gamma L(x) - L_G|

with gamma 0.5 and lambda_k 0.001. k is a buffer of the model (float64, as the code's Python float), so a
checkpoint holds it and a resumed run goes on from the same k. Each step logs L(x), L(G(z_D)), both losses,
k after its update and M; `ganbench.studies.began_convergence` turns that log into the per-epoch table and PNG.

Where the thesis's text and its code differ, the code produced its numbers and is followed:
- z is drawn from a standard normal (`torch.randn`); the text (Section 2.3) says uniform in [-1, 1].
- z has 48 dimensions (`z_dim = 48`); the text (Section 3.1) says "a 64-bit latent vector".
- D's learning rate is 1e-5 and G's 1e-4 ("reducing the learning rate of the discriminator"), Adam betas
  (0.5, 0.999), batch 64, 8 epochs of Fashion-MNIST resized to 64x64.

`began` (Zaika's appendix):
- D = ResNet18Autoencoder: the encoder is torchvision's ResNet18 up to its average pool (a 512-d code) with
  its first convolution replaced by a fresh Conv2d(C, 64, 7, 2, 3) for the suite's C channels. The thesis
  loads ImageNet weights (`weights='DEFAULT'`) for the rest; offline, they come from a local file
  ($GANBENCH_RESNET18_WEIGHTS, or torchvision's own cache of resnet18-f37072fd.pth), else the encoder starts
  from torchvision's random initialisation. The run's configuration records which (`encoder_init`) and the
  file's hash. ResNet18's classifier (fc) is never used by the code's forward pass and is left out.
  The decoder: Linear(512 -> 512x4x4), then [BN, ReLU, ConvTranspose(4, 2, 1)] x4 (512-256-128-64-C), tanh.
- G: Linear(48 -> 512x4x4), then the same four transposed-convolution stages to a tanh image.
- Xavier-normal weights with gain 0.02 and zero biases on G and on the decoder only (`weights_init`).

`began-original` (Berthelot et al. 2017, Section 3.4 and Figure 1, which the thesis's Section 2.3 summarizes):
3x3 convolutions each followed by ELU, two per scale; down-sampling by a stride-2 convolution, filters growing
linearly (n, 2n, 3n, 4n) with each one; up-sampling by nearest neighbour; fully connected layers with no
non-linearity to and from the embedding h; the generator has the decoder's architecture (not its weights);
z uniform in [-1, 1]; no batch norm and no tanh. n = 64 and h = N_z = 64 (the paper's N_h = N_z = 64; its n is
open, 64 keeps the model near `began`'s cost). Trained as `began` (batch 64, 8 epochs, the same control law),
with the paper's one learning rate, 1e-4, for both networks, so the two forms compare under one budget.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn
from torchvision.models import ResNet18_Weights, resnet18

from ganbench.core import config
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.core.progress import warn
from ganbench.models.base import GAN, Batch, TrainingStatistics
from ganbench.models.registry import ModelSpec
from ganbench.studies import began_convergence as convergence

SEED_004_SOURCE = "Zaika (2025), Structural-parametric synthesis of the BEGAN network (bachelor thesis, KAI)"
BERTHELOT_SOURCE = "Berthelot, Schumm and Metz (2017), BEGAN, as summarized by Zaika (2025)"
START, WIDTH = 4, 512  # the thesis's decoder and G start from 512x4x4
CODE = 512  # ResNet18's pooled feature size


# ---------------------------------------------------------------------------- the control law and the measure

def update_k(k: float, loss_real: float, loss_g: float, gamma: float, lambda_k: float) -> float:
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L_G), 0, 1): proportional control of the equilibrium."""
    return min(max(k + lambda_k * (gamma * loss_real - loss_g), 0.0), 1.0)


def convergence_measure(loss_real: float, loss_g: float, gamma: float) -> float:
    """M = L(x) + |gamma L(x) - L_G| (Berthelot et al. 2017, Section 3.4.1)."""
    return loss_real + abs(gamma * loss_real - loss_g)


def l1_reconstruction(v: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    return torch.mean(torch.abs(v - reconstruction))


class BEGAN(GAN):
    """An autoencoder D, L1 reconstruction losses and the k control law; the networks come from the builder."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, hparams: Mapping[str, Any]):
        super().__init__(generator, discriminator, hparams)
        self.register_buffer("k", torch.zeros((), dtype=torch.float64))  # k_0 = 0, saved with the model

    def noise(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None):
        if self.hparams["latent"] == "uniform":
            return torch.rand(n, self.latent_dim, device=device, generator=generator) * 2 - 1
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.noise(n, "cpu", generator)

    def load_initial_weights(self) -> None:
        if isinstance(self.D, ResNet18Autoencoder):
            weights = self.hparams.get("encoder_weights")
            if not weights:  # offline this is the usual case: say so, since M and k depend on it
                warn(f"began's ResNet18 encoder starts from a random initialisation, not ImageNet weights (set "
                     f"{config.ENV_RESNET18} to the file {IMAGENET_FILE}); its M and k are then not "
                     "comparable with Zaika (2025)'s, and the leaderboard marks them so")
            self.D.encoder.load_imagenet(weights)

    def train_step(self, batch: Batch, optimizers: Mapping[str, torch.optim.Optimizer], step: int) -> dict[str, float]:
        real = batch.images
        n, device = real.shape[0], real.device
        opt_g, opt_d = optimizers["G"], optimizers["D"]
        gamma, k = float(self.hparams["gamma"]), float(self.k)

        with torch.no_grad():
            fake = self.G(self.noise(n, device))
        loss_real = l1_reconstruction(real, self.D(real))
        loss_fake = l1_reconstruction(fake, self.D(fake))
        loss_d = loss_real - k * loss_fake
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

        fake = self.G(self.noise(n, device))
        loss_g = l1_reconstruction(fake, self.D(fake))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        real_value, g_value = loss_real.item(), loss_g.item()
        self.k.fill_(update_k(k, real_value, g_value, gamma, float(self.hparams["lambda_k"])))
        return {"loss_d": loss_d.item(), "loss_g": g_value, "loss_real": real_value, "loss_fake": loss_fake.item(),
                "k": float(self.k), "M": convergence_measure(real_value, g_value, gamma)}

    def training_statistics(self, log: list[dict], steps_per_epoch: int, steps: int) -> TrainingStatistics | None:
        """M and k by epoch, and the final M and k the leaderboard shows (the registry's `began-convergence`)."""
        summary = convergence.summarize(log, steps_per_epoch, steps)
        return None if summary is None else TrainingStatistics(convergence.record_metrics(summary), summary)

    def save_training_plots(self, log: list[dict], run_dir: Path, steps_per_epoch: int, title: str) -> None:
        if convergence.has_measure(log):
            convergence.save_run_plot(run_dir / "convergence.png", log, steps_per_epoch, title)


# ---------------------------------------------------------------------------- Zaika's networks

def xavier_002(module: nn.Module) -> None:
    """The thesis's `weights_init`: Xavier-normal (gain 0.02) weights and zero biases on every Conv and Linear."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_normal_(m.weight, gain=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class UpDecoder(nn.Module):
    """Linear(in -> 512x4x4), then [BN, ReLU, ConvTranspose 4/2/1] x4 (512-256-128-64-C) and tanh: 64x64."""

    def __init__(self, in_features: int, channels: int):
        super().__init__()
        self.fc = nn.Linear(in_features, WIDTH * START * START)
        widths = [WIDTH, 256, 128, 64, channels]
        layers: list[nn.Module] = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.BatchNorm2d(a), nn.ReLU(True), nn.ConvTranspose2d(a, b, 4, 2, 1)]
        self.deconv = nn.Sequential(*layers, nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(x).view(x.shape[0], WIDTH, START, START))


class ResNet18Encoder(nn.Module):
    """torchvision's ResNet18 to its average pool (512-d), its first convolution made for `channels`."""

    def __init__(self, channels: int):
        super().__init__()
        self.model = resnet18(weights=None)
        self.model.conv1 = nn.Conv2d(channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.model.fc = nn.Identity()  # the code stops at avgpool + flatten

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def load_imagenet(self, weights: Mapping[str, str] | None) -> None:
        """ImageNet weights for every layer but the replaced first convolution (and the unused classifier)."""
        if not weights:
            return
        path = Path(weights["file"])
        if not path.is_file():
            raise GanbenchError(f"ResNet18 weights {path} (named in the run's configuration) are missing")
        if file_hash(path) != weights["sha256"]:
            raise GanbenchError(f"ResNet18 weights {path} changed since the run was planned (sha256 differs)")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if not k.startswith(("conv1.", "fc."))}
            missing, unexpected = self.model.load_state_dict(state, strict=False)
        except Exception as exc:  # a corrupt or foreign file: one line, never a traceback
            raise GanbenchError(f"{path} is not a ResNet18 state dict: {str(exc).splitlines()[0][:160]}") from None
        if unexpected or set(missing) != {"conv1.weight"}:
            raise GanbenchError(f"{path} is not a ResNet18 state dict (missing {sorted(missing)[:3]}, "
                                f"unexpected {sorted(unexpected)[:3]})")


class ResNet18Autoencoder(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.encoder = ResNet18Encoder(channels)
        self.decoder = UpDecoder(CODE, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


IMAGENET_FILE = Path(ResNet18_Weights.IMAGENET1K_V1.url).name  # resnet18-f37072fd.pth, the code's 'DEFAULT'


def imagenet_weights_file() -> Path | None:
    """$GANBENCH_RESNET18_WEIGHTS, else torchvision's cache of the file `weights='DEFAULT'` downloads."""
    if os.environ.get(config.ENV_RESNET18):
        path = Path(os.environ[config.ENV_RESNET18]).expanduser()
        if not path.is_file():
            raise GanbenchError(f"{config.ENV_RESNET18}={path}: no such file")
        return path
    cached = Path(torch.hub.get_dir()) / "checkpoints" / IMAGENET_FILE
    return cached if cached.is_file() else None


def resolve_encoder(hparams: dict) -> dict:
    """At planning time: which encoder initialisation this run gets, recorded in its configuration."""
    path = imagenet_weights_file()
    if path is None:
        return {**hparams, "encoder_init": f"random (no ImageNet ResNet18 file: set {config.ENV_RESNET18})",
                "encoder_weights": None}
    return {**hparams, "encoder_init": f"imagenet ({path.name})",
            "encoder_weights": {"file": str(path.resolve()), "sha256": file_hash(path)}}


# ---------------------------------------------------------------------------- Berthelot et al.'s networks

def conv_elu(a: int, b: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(a, b, 3, stride, 1), nn.ELU(inplace=True)]


class ELUDecoder(nn.Module):
    """h -> Linear -> n x 8x8 -> [conv, conv, upsample] ... -> two convs at 64x64 -> conv to C (Figure 1)."""

    def __init__(self, hidden: int, filters: int, channels: int, scales: int):
        super().__init__()
        self.filters = filters
        self.fc = nn.Linear(hidden, filters * 8 * 8)
        layers: list[nn.Module] = []
        for i in range(scales):
            layers += conv_elu(filters, filters) + conv_elu(filters, filters)
            if i < scales - 1:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        self.body = nn.Sequential(*layers, nn.Conv2d(filters, channels, 3, 1, 1))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.body(self.fc(h).view(h.shape[0], self.filters, 8, 8))


class ELUEncoder(nn.Module):
    """C -> conv n -> [conv, conv, stride-2 conv] with n, 2n, 3n, 4n filters -> 8x8 -> Linear -> h."""

    def __init__(self, hidden: int, filters: int, channels: int, scales: int):
        super().__init__()
        layers = conv_elu(channels, filters)
        for i in range(scales):
            width = filters * (i + 1)
            layers += conv_elu(layers[-2].out_channels, width) + conv_elu(width, width)
            if i < scales - 1:
                layers += conv_elu(width, width, stride=2)
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(filters * scales * 8 * 8, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.body(x).flatten(1))


class ELUAutoencoder(nn.Module):
    def __init__(self, hidden: int, filters: int, channels: int, scales: int):
        super().__init__()
        self.encoder = ELUEncoder(hidden, filters, channels, scales)
        self.decoder = ELUDecoder(hidden, filters, channels, scales)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


# ---------------------------------------------------------------------------- the zoo entries

def build_began(resolution: int, channels: int, hparams: Mapping[str, Any]) -> BEGAN:
    generator, discriminator = UpDecoder(hparams["latent_dim"], channels), ResNet18Autoencoder(channels)
    xavier_002(generator)
    xavier_002(discriminator.decoder)
    return BEGAN(generator, discriminator, hparams)


def build_original(resolution: int, channels: int, hparams: Mapping[str, Any]) -> BEGAN:
    scales = 4  # 8 -> 16 -> 32 -> 64
    h, n = hparams["latent_dim"], hparams["filters"]
    return BEGAN(ELUDecoder(h, n, channels, scales), ELUAutoencoder(h, n, channels, scales), hparams)


CONTROL = {"gamma": 0.5, "lambda_k": 0.001}
SPECS = [
    ModelSpec(name="began", family="began", source=SEED_004_SOURCE, build=build_began, resolutions=(64,),
              defaults={"latent_dim": 48, "latent": "normal", **CONTROL, "lr_g": 1e-4, "lr_d": 1e-5,
                        "betas": (0.5, 0.999), "batch_size": 64, "epochs": 8, "encoder_weights": None},
              resolve=resolve_encoder,
              description="Zaika's BEGAN: ResNet18 autoencoder D, transposed-conv G, z ~ N(0, 1) in 48-d"),
    ModelSpec(name="began-original", family="began", source=BERTHELOT_SOURCE, build=build_original,
              resolutions=(64,),
              defaults={"latent_dim": 64, "latent": "uniform", "filters": 64, **CONTROL, "lr_g": 1e-4, "lr_d": 1e-4,
                        "betas": (0.5, 0.999), "batch_size": 64, "epochs": 8},
              description="Berthelot et al.'s BEGAN: ELU conv autoencoder D, G = its decoder's shape, z ~ U[-1, 1]"),
]
