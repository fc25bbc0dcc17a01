"""SAGAN of Bury, IVUS 2024: a DCGAN with spectral norm, self-attention and a gradient penalty.

What the paper states, and the sentence each choice rests on:

- "The generator and discriminator consist of five convolution layers": Radford's 64x64 DCGAN layers
  (`zoo.dcgan64`), five (transposed) convolutions each.
- "the batch normalization method is used": batch norm after every hidden layer of G and after D's
  second to fourth layers (not on D's input layer, as in DCGAN, the architecture the paper builds on).
- "In the case of the generator, the activation function is ReLU, ... the discriminator ... LeakyReLU with
  the parameter s" and "The s parameter ... was set to 0.2".
- "a function tanh is used at the end of the generator network, and in the case of the discriminator - a
  sigmoid function" together with "Binary Cross Entropy loss with logits": D returns the logit and the loss
  applies the sigmoid (the same function, computed stably), as the paper's Eq. 2 does.
- "Each convolution layer of both the generator and discriminator is spectral normalized": every
  convolution, the attention block's 1x1 convolutions included.
- "The attention module is used between the third and fourth layers": in G on the 128x16x16 output of layer
  3, in D on the 256x8x8 output of layer 3.
- "the gradient penalty technique was used [24]" (Gulrajani et al.): lambda * (||grad D(x_hat)|| - 1)^2 at
  random interpolates of real and generated images, on D's logit, with that paper's lambda = 10 (Bury, 2024
  states none).
- "The learning rate for the generator was set to 0.0001, and for the discriminator to 0.0004", "beta1 and
  beta2 were set to 0.5 and 0.999": Adam, one D step per G step.
- Not stated, chosen: noise size 100 and batch 64 (DCGAN's), 5 epochs ("the relatively small number of
  training epochs").
"""

from __future__ import annotations

from typing import Any, Mapping

import torch

from ganbench.models.registry import ModelSpec
from zoo.common import BCEGAN
from zoo.dcgan64 import networks

ATTENTION_AFTER_LAYER = 3  # "between the third and fourth layers"
SOURCE = "Bury (2024), Self-attention generative adversarial network (IVUS 2024)"


class SAGAN(BCEGAN):
    """The BCE GAN step with a gradient penalty (Gulrajani et al. 2017) added to D's loss."""

    def discriminator_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
        mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(self.D(mixed).sum(), mixed, create_graph=True)
        return self.hparams["gp_weight"] * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def build(resolution: int, channels: int, hparams: Mapping[str, Any]) -> SAGAN:
    at = (ATTENTION_AFTER_LAYER,)
    return SAGAN(*networks(hparams["latent_dim"], channels, spectral=True, attention_g=at, attention_d=at), hparams)


SPEC = ModelSpec(
    name="sagan", family="sagan", source=SOURCE, build=build, resolutions=(64,),
    defaults={"latent_dim": 100, "lr_g": 1e-4, "lr_d": 4e-4, "betas": (0.5, 0.999), "batch_size": 64,
              "epochs": 5, "gp_weight": 10.0},
    description="5 convolutions each, batch norm, spectral norm everywhere, attention after layer 3, BCE + GP",
)
