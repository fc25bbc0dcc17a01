"""The improved WGAN of Wang et al. and the ablations of its Table 3.

Every member trains as the WGAN the paper builds on (its Section 2.2, Arjovsky et al. 2017): the critic's
raw score, L_D = mean D(G(z)) - mean D(x) and L_G = -mean D(G(z)) (Eqs. 2-3); critic weights clipped to
[-0.01, 0.01] after each update ("truncate the absolute values of the discriminator parameters"); RMSprop
("non-momentum-based optimization algorithms") with the paper's lr 5e-5 for both and batch 32; five critic
steps per generator step (WGAN's n_critic; Wang et al. state none). "Training is stopped after 10,000 epochs
of iterations": 10,000 steps, each one batch and one critic update.

The sigmoid. Wang et al.'s Section 4.2 ends its critic with "a Sigmoid function", yet its Section 2.2 lists
"remove the sigmoid from the last layer of the discriminator" as WGAN's first change, and its losses are
Eqs. 2-3. A sigmoid would bound the critic to (0, 1), and its saturation would take away the gradients
the Wasserstein objective is meant to keep. We follow Section 2.2 and the equations: no sigmoid in any
critic. A user can still read sigmoid(D(x)) as a probability; training never uses it.

The models, one per row of Table 3 (each adds one change to the original WGAN):

- `wgan`: the original: Radford's 64x64 DCGAN networks (`zoo.dcgan64`) with a raw-score critic.
- `wgan-sn`: + spectral normalisation on every convolution of G and of the critic.
- `wgan-sa`: + self-attention "in the second, third, fourth and fifth layers of the generator": on the input
  of G's layers 2 to 5, i.e. after layers 1 to 4 (4x4 to 32x32), none in the critic.
- `wgan-res`: + the residual networks of Sections 4.1-4.2 (below), without spectral norm or attention.
- `wgan-improved`: the residual networks with spectral norm on every convolution of the residual blocks
  and self-attention in each of G's four stages.

The residual networks (Section 4.1, 4.2):

- G: "the input 100-dimensional noise is converted into a tensor with a size of 64x2x2 by a linear layer",
  then "4 stages (layer1-layer4)" of BasicBlock, UpsamplingNearest2d (x2) and self-attention, 64 channels
  throughout. Four doublings give 32x32; the output layers ("a series of layers, including Conv2d, Tanh,
  etc.") do the fifth: batch norm, ReLU, upsampling, a 3x3 convolution to the image, tanh. We read the
  attention "in the second ... fifth layers" as one block per stage, counting the linear layer first.
- D: "a Conv2d layer with a convolution kernel of 3x3 size to transform the number of channels ... to 64",
  then "5 stages (layer1-layer5)" of BasicBlock, AvgPool2d, BatchNorm2d and ReLU, each halving the size
  (64 -> 2), then "a fully connected layer" from 64x2x2 to one score: the mirror of G's 64x2x2 start.
- Spectral norm "on each convolutional layer of the residual blocks": the stem convolution, G's output
  convolution and the linear layers are not in a residual block and stay unnormalised.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from ganbench.models.base import GAN, Batch
from ganbench.models.registry import ModelSpec
from zoo.blocks import BasicBlock, SelfAttention
from zoo.dcgan64 import SEED_001_SOURCE, networks

CHANNELS = 64  # G's "64-channel, 2x2" start; D's first convolution "from 3 to 64"
START = 2
G_STAGES, D_STAGES = 4, 5


class WGAN(GAN):
    """Arjovsky et al. (2017): a critic step every call, clipping after it, a G step every n_critic calls."""

    def __init__(self, generator: nn.Module, critic: nn.Module, hparams: Mapping[str, Any]):
        super().__init__(generator, critic, hparams)
        # G's last loss, logged at critic-only steps too; a buffer so that a resumed run logs the same.
        self.register_buffer("last_loss_g", torch.zeros(()))

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        h = self.hparams
        return {"G": torch.optim.RMSprop(self.G.parameters(), lr=h["lr_g"]),
                "D": torch.optim.RMSprop(self.D.parameters(), lr=h["lr_d"])}

    def train_step(self, batch: Batch, optimizers: Mapping[str, torch.optim.Optimizer], step: int) -> dict[str, float]:
        real = batch.images
        n, device = real.shape[0], real.device
        opt_g, opt_d = optimizers["G"], optimizers["D"]

        fake = self.G(torch.randn(n, self.latent_dim, device=device)).detach()
        critic_real, critic_fake = self.D(real).mean(), self.D(fake).mean()
        loss_d = critic_fake - critic_real  # Eq. 3
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        clip = float(self.hparams["clip"])
        with torch.no_grad():
            for p in self.D.parameters():
                p.clamp_(-clip, clip)

        if step % int(self.hparams["n_critic"]) == 0:
            loss_g = -self.D(self.G(torch.randn(n, self.latent_dim, device=device))).mean()  # Eq. 2
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            self.last_loss_g.fill_(loss_g.item())
        return {"loss_d": loss_d.item(), "loss_g": self.last_loss_g.item(),
                "wasserstein": (critic_real - critic_fake).item()}


class ResidualGenerator(nn.Module):
    """z(100) -> linear -> 64x2x2 -> 4 x [BasicBlock, upsample x2, attention?] -> BN, ReLU, upsample, conv, tanh."""

    def __init__(self, latent_dim: int, channels: int, spectral: bool, attention: bool):
        super().__init__()
        self.project = nn.Linear(latent_dim, CHANNELS * START * START)
        self.stages = nn.Sequential(*[
            nn.Sequential(BasicBlock(CHANNELS, CHANNELS, spectral), nn.UpsamplingNearest2d(scale_factor=2),
                          *([SelfAttention(CHANNELS)] if attention else []))
            for _ in range(G_STAGES)
        ])
        self.to_image = nn.Sequential(nn.BatchNorm2d(CHANNELS), nn.ReLU(True), nn.UpsamplingNearest2d(scale_factor=2),
                                      nn.Conv2d(CHANNELS, channels, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.project(z).view(z.shape[0], CHANNELS, START, START)
        return self.to_image(self.stages(x))


class ResidualCritic(nn.Module):
    """Cx64x64 -> 3x3 conv to 64 -> 5 x [BasicBlock, avg-pool /2, BN, ReLU] -> 64x2x2 -> linear -> one score."""

    def __init__(self, channels: int, spectral: bool):
        super().__init__()
        self.stem = nn.Conv2d(channels, CHANNELS, 3, padding=1)
        self.stages = nn.Sequential(*[
            nn.Sequential(BasicBlock(CHANNELS, CHANNELS, spectral), nn.AvgPool2d(2), nn.BatchNorm2d(CHANNELS),
                          nn.ReLU(True))
            for _ in range(D_STAGES)
        ])
        self.score = nn.Linear(CHANNELS * START * START, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.stages(self.stem(x)).flatten(1)).flatten()


def builder(residual: bool, spectral: bool, attention: bool):
    """The build function of one Table 3 row."""

    def build(resolution: int, channels: int, hparams: Mapping[str, Any]) -> WGAN:
        if residual:
            return WGAN(ResidualGenerator(hparams["latent_dim"], channels, spectral, attention),
                        ResidualCritic(channels, spectral), hparams)
        return WGAN(*networks(hparams["latent_dim"], channels, spectral, attention_g=(1, 2, 3, 4) if attention else ()),
                    hparams)

    return build


DEFAULTS = {"latent_dim": 100, "lr_g": 5e-5, "lr_d": 5e-5, "batch_size": 32, "steps": 10000,
            "n_critic": 5, "clip": 0.01}


def _spec(name: str, residual: bool, spectral: bool, attention: bool, description: str) -> ModelSpec:
    return ModelSpec(name=name, family="wgan", source=SEED_001_SOURCE, defaults=DEFAULTS,
                     build=builder(residual, spectral, attention), resolutions=(64,), description=description)


SPECS = [
    _spec("wgan", False, False, False, "the original WGAN: DCGAN-64 networks, raw critic, clipping, RMSprop"),
    _spec("wgan-sn", False, True, False, "WGAN + spectral norm on every convolution (Table 3)"),
    _spec("wgan-sa", False, False, True, "WGAN + self-attention in G's layers 2-5 (Table 3)"),
    _spec("wgan-res", True, False, False, "WGAN with the residual G and critic of Section 4 (Table 3)"),
    _spec("wgan-improved", True, True, True,
          "Wang et al.'s model: residual G (64x2x2 start) and critic, spectral norm in the blocks, attention in G"),
]
