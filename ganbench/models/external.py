"""A user's own generator as scoring input: `ganbench score --generator FILE.py:NAME` (or `package.module:NAME`).

NAME is an `nn.Module` mapping N x latent_dim noise to N x C x H x W images,
or a function of no arguments returning one (it loads its own weights). The
noise is seeded on the CPU like every zoo model's, so a seed gives the same
images on any device; the outputs go through the one quantization every
metric sees.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import signal
import sys
import threading
from pathlib import Path

import torch
from torch import nn

from ganbench.core.errors import GanbenchError
from ganbench.data.quantize import from_range

LATENT_ATTRS = ("latent_dim", "z_dim", "nz")  # what generators in the field call their noise size
OUTPUT_RANGES = {"-1,1": (-1.0, 1.0), "0,1": (0.0, 1.0)}


class ExternalGenerator(nn.Module):
    """Wraps a user's generator with the `sample(n, generator)` every scorer calls."""

    def __init__(self, module: nn.Module, latent_dim: int, output_range: str | tuple[float, float] = "-1,1"):
        super().__init__()
        if isinstance(output_range, str):
            if output_range not in OUTPUT_RANGES:
                raise GanbenchError(f"unknown output range '{output_range}' (known: {', '.join(OUTPUT_RANGES)})")
            output_range = OUTPUT_RANGES[output_range]
        self.low, self.high = map(float, output_range)
        if not self.high > self.low:
            raise GanbenchError(f"the generator's output range {tuple(output_range)} must be (low, high) with low < high")
        self.module = module
        self.latent_dim = latent_dim

    def sample_inputs(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, None]:
        """Seeded CPU noise for n images (no labels)."""
        return torch.randn(n, self.latent_dim, generator=generator), None

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images rescaled to [-1, 1], from seeded CPU noise."""
        device = next(self.module.parameters(), torch.empty(0)).device
        return self.generate(self.sample_inputs(n, generator)[0].to(device))

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: None = None) -> torch.Tensor:
        """The user's images for latent points, checked and rescaled to [-1, 1]."""
        n = len(z)
        x = _user_code(lambda: self.module(z), f"the generator failed on {n} x {self.latent_dim} noise")
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[0] != n or x.shape[1] not in (1, 3):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise GanbenchError(f"the generator must return N x 1|3 x H x W images, it returned {shape}")
        return from_range(x.float(), self.low, self.high)


def _user_code(call, failure: str):
    """Run the user's code; its exceptions become one line that says what failed. What it prints goes to
    stderr, so that `--json` keeps stdout for JSON alone. Ctrl-C while it runs stays the user's interruption: only
    a KeyboardInterrupt that the code raises itself is its failure."""
    with _ctrl_c_noted() as ctrl_c:
        try:
            with contextlib.redirect_stdout(sys.stderr):
                return call()
        except GanbenchError:
            raise
        except SystemExit as exc:  # exit 0 from user code must not pass for a finished score
            raise GanbenchError(f"{failure}: it called sys.exit({exc.code!r})") from None
        except KeyboardInterrupt:
            if ctrl_c:
                raise
            raise GanbenchError(f"{failure}: it raised KeyboardInterrupt") from None
        except Exception as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise GanbenchError(f"{failure}: {type(exc).__name__}: {first}") from None


@contextlib.contextmanager
def _ctrl_c_noted():
    """A list that gets an entry when SIGINT arrives, which still raises KeyboardInterrupt as Python's own
    handler does. Where SIGINT has another handler (ignored, or someone else's), or off the main thread, the
    handler is left alone and the list stays empty."""
    noted: list[int] = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield noted
        return

    def note(signum, frame):
        noted.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _import(target: str):
    if target.endswith(".py"):
        path = Path(target).expanduser()
        if not path.is_file():
            raise GanbenchError(f"generator file not found: {path}")
        name = f"ganbench_user_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(target)


def load_generator(spec: str, device: torch.device, latent_dim: int | None = None,
                   output_range: str = "-1,1") -> ExternalGenerator:
    """`FILE.py:NAME` or `package.module:NAME` -> the generator, on `device`, in eval mode."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise GanbenchError(f"--generator expects FILE.py:NAME or package.module:NAME, got '{spec}'")
    source = _user_code(lambda: _import(target), f"cannot import {target}")
    if not hasattr(source, attr):
        raise GanbenchError(f"{target} has no attribute '{attr}'")
    obj = getattr(source, attr)
    module = obj if isinstance(obj, nn.Module) else _user_code(obj, f"{spec}() failed")
    if not isinstance(module, nn.Module):
        raise GanbenchError(f"{spec} must be an nn.Module or return one, got {type(module).__name__}")
    latent_dim = latent_dim or find_latent_dim(module, spec, "pass --latent-dim")
    return ExternalGenerator(module.to(device).eval(), latent_dim, output_range)


def find_latent_dim(module: object, name: str, remedy: str) -> int:
    """The noise size a generator declares as its latent_dim, z_dim or nz attribute."""
    found = [getattr(module, a) for a in LATENT_ATTRS if isinstance(getattr(module, a, None), int)]
    if not found:
        raise GanbenchError(f"{name} has no {'/'.join(LATENT_ATTRS)} attribute: {remedy}")
    return found[0]


class _Function(nn.Module):
    """A plain function from noise to images, as a module (it has no parameters: its noise stays on the CPU)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fn(z)


def wrap_generator(generator, latent_dim: int | None = None,
                   output_range: tuple[float, float] = (-1.0, 1.0)) -> ExternalGenerator:
    """A caller's own generator object (an nn.Module or any function from N x latent_dim noise to images), where
    it is: not moved to another device, and put back into training mode after sampling if it was in it."""
    if not callable(generator):
        raise GanbenchError(f"fake: expected images, a folder or a generator (a callable from noise to images), "
                            f"got {type(generator).__name__}")
    name = type(generator).__name__ if isinstance(generator, nn.Module) else getattr(generator, "__name__", "generator")
    latent_dim = latent_dim or find_latent_dim(generator, name, "pass latent_dim=")
    module = generator if isinstance(generator, nn.Module) else _Function(generator)
    return ExternalGenerator(module, latent_dim, output_range)
