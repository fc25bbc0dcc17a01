"""The parameter counts docs/zoo.md documents, pinned by counts done by hand from each layer's shape (weights
plus biases; batch norm's scale and shift), independent of the code that counts a built model's parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ganbench.model import count_parameters
from ganbench.registry import get_model

ZOO_DOC = Path(__file__).resolve().parents[1] / "docs" / "zoo.md"


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


HAND = {
    ("fcgan", 28, 1): fcgan(28, 1), ("fcgan", 32, 3): fcgan(32, 3),
    ("dcgan", 28, 1): dcgan(28, 1), ("dcgan", 32, 3): dcgan(32, 3),
    # spectral norm's u and v are buffers, not parameters: wgan and wgan-sn count as dcgan64
    **{(m, 64, c): dcgan64(c) for m in ("dcgan64", "wgan", "wgan-sn") for c in (1, 3)},
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


@pytest.mark.parametrize("key", sorted(HAND))
def test_documented_count_equals_the_hand_count_and_the_built_model(key):
    name, side, channels = key
    assert documented()[key] == HAND[key], "docs/zoo.md"
    spec = get_model(name)
    model = spec.create(side, channels, spec.planned_hparams())
    assert (count_parameters(model.G), count_parameters(model.D)) == HAND[key]
