"""The parameter counts docs/zoo.md documents, pinned by counts done by hand from each layer's shape (weights
plus biases; batch norm's scale and shift), independent of the code that counts a built model's parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ganbench.models.base import count_parameters
from ganbench.models.registry import get_model

ZOO_DOC = Path(__file__).resolve().parents[2] / "docs" / "zoo.md"


def dense(a: int, b: int) -> int:
    return a * b + b


def conv(k: int, a: int, b: int, bias: bool = True) -> int:
    return k * k * a * b + (b if bias else 0)


def bn(c: int) -> int:
    return 2 * c


def fcgan(side: int, c: int) -> tuple[int, int]:
    pixels = side * side * c
    g = dense(100, 256) + dense(256, 512) + dense(512, 1024) + dense(1024, pixels)
    d = dense(pixels, 1024) + dense(1024, 512) + dense(512, 256) + dense(256, 1)
    return g, d


def dcgan(side: int, c: int) -> tuple[int, int]:
    start, end = side // 4, -(-side // 8)
    g = dense(100, 256 * start * start) + conv(3, 256, 128) + conv(4, 128, 64) + conv(4, 64, 32) + conv(3, 32, c)
    d = conv(3, c, 64) + conv(3, 64, 128) + conv(3, 128, 128) + conv(3, 128, 256) + dense(256 * end * end, 1)
    return g, d


def dcgan64(c: int) -> tuple[int, int]:
    """Radford's five bias-free (transposed) convolutions of 4x4, batch norm after all but G's last and D's
    first and last."""
    g = (conv(4, 100, 512, False) + bn(512) + conv(4, 512, 256, False) + bn(256) + conv(4, 256, 128, False)
         + bn(128) + conv(4, 128, 64, False) + bn(64) + conv(4, 64, c, False))
    d = (conv(4, c, 64, False) + conv(4, 64, 128, False) + bn(128) + conv(4, 128, 256, False) + bn(256)
         + conv(4, 256, 512, False) + bn(512) + conv(4, 512, 1, False))
    return g, d


def attention(c: int) -> int:
    """Query and key 1x1 convolutions to c/8 channels, the value's to c (all with biases), and gamma."""
    return 2 * conv(1, c, c // 8) + conv(1, c, c) + 1


def sagan(c: int) -> tuple[int, int]:
    """dcgan64 with attention after layer 3: on G's 128 channels and D's 256 (spectral norm adds buffers only)."""
    g, d = dcgan64(c)
    return g + attention(128), d + attention(256)


def wgan_sa(c: int) -> tuple[int, int]:
    """dcgan64 with attention after G's layers 1-4 (512, 256, 128, 64 channels); the critic unchanged."""
    g, d = dcgan64(c)
    return g + sum(attention(w) for w in (512, 256, 128, 64)), d


def basic_block(c: int) -> int:
    """torchvision's BasicBlock at c channels in and out: two bias-free 3x3 convolutions, each with batch norm."""
    return 2 * (conv(3, c, c, False) + bn(c))


def wgan_residual(c: int, attended: bool) -> tuple[int, int]:
    """Wang et al.'s residual G (linear to 64x2x2, 4 stages, BN and a 3x3 convolution out) and critic (a 3x3 stem,
    5 stages of block and BN, a linear score), 64 channels throughout."""
    g = dense(100, 64 * 2 * 2) + 4 * (basic_block(64) + (attention(64) if attended else 0)) + bn(64) + conv(3, 64, c)
    d = conv(3, c, 64) + 5 * (basic_block(64) + bn(64)) + dense(64 * 2 * 2, 1)
    return g, d


def landscape() -> tuple[int, int, int]:
    """Korotka et al.'s landscape GAN at 64x64x3 with LeakyReLU: G's trainable count, G's Keras total (batch
    norm's running mean and variance too) and D's. G has no biases; 5x5 kernels throughout."""
    widths = [256, 512, 256, 256, 128]
    weights = 100 * 8 * 8 * 256 + sum(conv(5, a, b, False) for a, b in zip(widths, widths[1:])) + conv(5, 128, 3, False)
    normalised = 8 * 8 * 256 + sum(widths[1:])
    d = conv(5, 3, 32) + conv(5, 32, 128) + conv(5, 128, 256) + conv(5, 256, 256) + dense(256 * 4 * 4, 1)
    return weights + 2 * normalised, weights + 4 * normalised, d


HAND = {
    ("fcgan", 28, 1): fcgan(28, 1), ("fcgan", 32, 3): fcgan(32, 3),
    ("dcgan", 28, 1): dcgan(28, 1), ("dcgan", 32, 3): dcgan(32, 3),
    # spectral norm's u and v are buffers, not parameters: wgan and wgan-sn count as dcgan64
    **{(m, 64, c): dcgan64(c) for m in ("dcgan64", "wgan", "wgan-sn") for c in (1, 3)},
    **{("sagan", 64, c): sagan(c) for c in (1, 3)},
    **{("wgan-sa", 64, c): wgan_sa(c) for c in (1, 3)},
    **{("wgan-res", 64, c): wgan_residual(c, False) for c in (1, 3)},
    **{("wgan-improved", 64, c): wgan_residual(c, True) for c in (1, 3)},
}


def documented() -> dict[tuple[str, int, int], tuple[int, int]]:
    """docs/zoo.md's tables: | model | G / D at the first shape | G / D at the second | ..."""
    text = ZOO_DOC.read_text()
    out = {}
    for header in re.finditer(r"^\| model \| (\d+)x\d+x(\d+): G / D params \| (\d+)x\d+x(\d+): G / D params \|",
                              text, re.M):
        shapes = [(int(header.group(1)), int(header.group(2))), (int(header.group(3)), int(header.group(4)))]
        for row in re.finditer(r"^\| ([\w-]+) \| ([\d,]+) / ([\d,]+) \| ([\d,]+) / ([\d,]+) \|",
                               text[header.end():].split("\n\n")[0], re.M):
            cells = [int(v.replace(",", "")) for v in row.groups()[1:]]
            for (side, c), g, d in zip(shapes, cells[::2], cells[1::2]):
                out[(row.group(1), side, c)] = (g, d)
    return out


@pytest.mark.parametrize("key", sorted(HAND), ids=lambda k: f"{k[0]}-{k[1]}x{k[1]}x{k[2]}")
def test_documented_count_equals_the_hand_count_and_the_built_model(key):
    name, side, channels = key
    assert documented()[key] == HAND[key], "docs/zoo.md"
    spec = get_model(name)
    model = spec.create(side, channels, spec.planned_hparams())
    assert (count_parameters(model.G), count_parameters(model.D)) == HAND[key]


def test_landscape_counts_equal_table_4_the_docs_and_the_built_model():
    from ganbench.models.base import count_keras_total

    trainable_g, keras_g, d = landscape()
    assert keras_g == 10_729_344  # Korotka et al.'s Table 4
    text = ZOO_DOC.read_text()
    assert f"G {trainable_g:,} / **{keras_g:,}** (Table 4, exact)" in text and f"D **{d:,}** against" in text
    model = get_model("landscape").create(64, 3)
    assert (count_parameters(model.G), count_keras_total(model.G), count_parameters(model.D)) == (trainable_g, keras_g, d)
