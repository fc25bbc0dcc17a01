"""Inception features of uint8 images: the shared extraction loop, and torch-fidelity's network on it.

torch-fidelity's layers run through `LeanInception` (batch norm folded,
matrix resize, channels_last: exact arithmetic, tested equal to
torch-fidelity's `calculate_metrics`). Three precisions:

- `exact`: float32, under the process's own TF32 settings, as torch-fidelity runs;
- `fast`: float16 convolutions (autocast) on devices with native half
  arithmetic, cuDNN autotuning and larger batches; on a CPU without native
  half support it runs exact's float32 kernels and says so;
- `reference`: torch-fidelity's own forward pass (`ReferenceInception`), its
  features bit for bit, more slowly.

clean-fid's pipeline is the other backend (metrics/features/cleanfid.py).
"""

from __future__ import annotations

import copy
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

import torch

from ganbench.core.errors import GanbenchError
from ganbench.core.progress import progress
from ganbench.metrics.features.inception import EXTRACTOR_NAME, InceptionWeights, build_extractor
from ganbench.metrics.features.inception_net import LeanInception, ReferenceInception

FEATURE_LAYER = "2048"  # pool3: FID, KID, precision/recall, density/coverage
LOGITS_LAYER = "logits_unbiased"  # the 1008-way logits: Inception Score
MEMORY_FORMAT = "channels_last"
CPU_CHUNK = 8  # images per forward pass on a CPU, two passes at a time
PRECISIONS = ("exact", "fast", "reference")


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise GanbenchError(f"unknown precision '{precision}' (known: {', '.join(PRECISIONS)})")
    return precision


def half_dtype(device: torch.device) -> torch.dtype | None:
    """The dtype `fast` convolves in: float16 where the device has native half arithmetic, else None (float32).

    float16 rather than bfloat16: on 200 Fashion-MNIST images its FID moved
    0.04% from float32, bfloat16's 0.12%; the activations stay far below its range.
    """
    if device.type == "cuda":
        return torch.float16
    if device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_fp16_supported():
        return torch.float16
    return None


def default_batch_size(device: torch.device, precision: str) -> int:
    """Images per batch, the unit of generation and of sharding under torchrun (so generated images depend on
    it: it stays 32 on a CPU, where each batch runs as chunks of CPU_CHUNK); on a GPU larger ones fill it.
    Features do not depend on it."""
    if device.type == "cpu":
        return 32
    return 512 if precision == "fast" else 128


class FeatureExtractor:
    """uint8 NCHW batches (1 or 3 channels, any size) -> {layer: float32 N x D features}, with a progress bar."""

    batch_size: int
    layers: tuple[str, ...]
    weights: InceptionWeights

    def provenance(self) -> dict:
        raise NotImplementedError

    def _batch(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        raise NotImplementedError

    def images_per_second(self, images: torch.Tensor, n: int = 4) -> float:
        """This device's rate on n uint8 images (for a plan's duration estimate): a warm-up batch, one timed."""
        batch = images[:n]
        batch = batch.expand(-1, 3, -1, -1) if batch.shape[1] == 1 else batch
        self._batch(batch)
        start = time.perf_counter()
        self._batch(batch)  # returns features on the CPU: the device has finished
        return len(batch) / max(time.perf_counter() - start, 1e-9)

    def batches(self, images: torch.Tensor) -> Iterator[torch.Tensor]:
        for i in range(0, len(images), self.batch_size):
            yield images[i: i + self.batch_size]

    def __call__(self, batches: Iterable[torch.Tensor] | torch.Tensor, total: int,
                 description: str) -> dict[str, torch.Tensor]:
        if isinstance(batches, torch.Tensor):
            batches = self.batches(batches)
        out = []
        with progress() as bar:
            task = bar.add_task(description, total=total)
            for batch in batches:
                if batch.dtype != torch.uint8 or batch.dim() != 4 or batch.shape[1] not in (1, 3):
                    raise GanbenchError(f"features need uint8 N x 1|3 x H x W images, got {batch.dtype} {tuple(batch.shape)}")
                if batch.shape[1] == 1:  # as PIL's convert("RGB") does for grayscale
                    batch = batch.expand(-1, 3, -1, -1)
                out.append(self._batch(batch))
                bar.advance(task, len(batch))
        feats = {layer: torch.cat([o[i] for o in out]) for i, layer in enumerate(self.layers)}
        if not all(torch.isfinite(f).all() for f in feats.values()):
            raise GanbenchError(f"{description}: Inception features are not finite")
        return feats


@functools.lru_cache(maxsize=4)
def inception_network(weights: InceptionWeights, layers: tuple[str, ...], reference: bool,
                      device: torch.device) -> torch.nn.Module:
    """The network, built once per process for the same weights (their SHA-256 is part of `weights`), layers,
    forward pass and device: `ganbench.score` called from a training loop pays the build (about half a second
    on a CPU) once. It is only ever run under inference mode, never changed."""
    if reference:  # torch-fidelity's own forward pass, contiguous memory
        return ReferenceInception(build_extractor(weights, layers), layers).to(device)
    return LeanInception(build_extractor(weights, layers), layers).to(device).to(memory_format=torch.channels_last)


class InceptionFeatures(FeatureExtractor):
    """torch-fidelity's FeatureExtractorInceptionV3 layers with our resolved weights (uint8 in, TF1 resize inside)."""

    def __init__(self, weights: InceptionWeights, device: torch.device, batch_size: int | None = None,
                 layers: tuple[str, ...] = (FEATURE_LAYER,), precision: str = "exact",
                 dtype: torch.dtype | None = None):
        self.weights = weights
        self.device = device
        self.precision = check_precision(precision)
        # dtype: an explicit override (tests exercise float16 on a CPU that only emulates it)
        self.dtype = dtype if dtype is not None else (half_dtype(device) if precision == "fast" else None)
        self.batch_size = batch_size or default_batch_size(device, precision)
        self.layers = layers
        self.module = inception_network(weights, layers, precision == "reference", device)
        self._pool: ThreadPoolExecutor | None = None  # made at the first CPU batch; its idle threads cost nothing

    def provenance(self) -> dict:
        import torch_fidelity

        out = {
            "backend": "torch-fidelity",
            "backend_version": torch_fidelity.__version__,
            "extractor": EXTRACTOR_NAME,
            "feature_layer": FEATURE_LAYER,
            "resize": "bilinear to 299x299 like TensorFlow 1.x (torch-fidelity's taps, as interpolation matrices)",
            "memory_format": MEMORY_FORMAT,
            "compute_dtype": str(self.dtype or torch.float32).removeprefix("torch."),
            "weights_sha256": self.weights.sha256,
        }
        if self.precision == "reference":
            out.update(resize="bilinear to 299x299 like TensorFlow 1.x (torch-fidelity's interpolate_bilinear_2d_"
                              "like_tensorflow1x)", memory_format="contiguous",
                       forward="torch-fidelity's FeatureExtractorInceptionV3")
        if self.device.type == "cuda":  # TF32 changes float32 convolutions: record what this process allowed
            out["tf32"] = {"cudnn": torch.backends.cudnn.allow_tf32, "matmul": torch.backends.cuda.matmul.allow_tf32}
        return out

    def exact(self) -> "InceptionFeatures":
        """The same network in exact precision (fast's calibration)."""
        twin = copy.copy(self)
        twin.precision, twin.dtype = "exact", None
        return twin

    def _batch(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        threads = torch.get_num_threads()
        if self.device.type != "cpu" or self.dtype is not None or threads < 2 or len(images) <= CPU_CHUNK:
            return self._forward(images)
        # Two chunks at a time, each with the process's threads: one's convolutions overlap the other's
        # single-threaded stretches. Features do not depend on the chunking (tested).
        if self._pool is None:
            self._pool = ThreadPoolExecutor(2, thread_name_prefix="inception")
        parts = list(self._pool.map(self._forward, images.split(CPU_CHUNK)))
        return tuple(torch.cat(layer) for layer in zip(*parts))

    @torch.inference_mode()  # thread-local: set in the thread that runs the network
    def _forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = images.to(self.device, non_blocking=True)
        if self.dtype is None:
            return tuple(f.cpu() for f in self.module(x))
        benchmark = torch.backends.cudnn.benchmark
        torch.backends.cudnn.benchmark = True  # fast only: autotuned kernels may vary run to run
        try:
            with torch.autocast(self.device.type, dtype=self.dtype):
                return tuple(f.float().cpu() for f in self.module(x))
        finally:
            torch.backends.cudnn.benchmark = benchmark


class CombinedFeatures(FeatureExtractor):
    """Two networks over the same batches, so generated images are made (and files decoded) once: Inception
    for FID, KID and IS, and VGG16 for precision/recall and density/coverage."""

    def __init__(self, primary: FeatureExtractor, extra: FeatureExtractor):
        self.primary, self.extra = primary, extra
        self.weights = primary.weights
        self.batch_size = primary.batch_size
        self.layers = primary.layers + extra.layers

    @property
    def precision(self) -> str:
        return getattr(self.primary, "precision", "exact")

    @property
    def dtype(self) -> torch.dtype | None:
        return getattr(self.primary, "dtype", None)

    def exact(self) -> FeatureExtractor:
        return self.primary.exact()  # fast's calibration concerns the Inception features only

    def provenance(self) -> dict:
        return {**self.primary.provenance(), "pr_network": self.extra.provenance()}

    def _batch(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.primary._batch(images) + self.extra._batch(images)
