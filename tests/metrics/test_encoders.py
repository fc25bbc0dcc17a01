"""The encoder registry: every feature network declared once, found by name or by --backend."""

from __future__ import annotations

import pytest
import torch

from ganbench.core.errors import GanbenchError
from ganbench.metrics.features import encoders
from ganbench.metrics.features.encoders import ENCODERS, BuildRequest, Encoder, backend_encoder, get_encoder
from ganbench.metrics.features.extractor import InceptionFeatures
from ganbench.metrics.features.inception import resolve_weights


def test_every_encoder_declares_what_a_user_needs_to_know():
    assert set(ENCODERS) >= {"inception-v3", "inception-v3-clean-fid", "vgg16-fc2"}
    for e in ENCODERS.values():
        assert e.input_size > 0 and e.dimension > 0 and e.preprocessing and e.weights and e.layer
    assert (get_encoder("inception-v3").dimension, get_encoder("vgg16-fc2").dimension) == (2048, 4096)
    assert backend_encoder("torch-fidelity").name == "inception-v3"
    assert backend_encoder("clean-fid").name == "inception-v3-clean-fid"


def test_unknown_names_and_a_taken_name_are_refused_in_one_line():
    with pytest.raises(GanbenchError, match="unknown encoder 'dinov2'.*inception-v3"):
        get_encoder("dinov2")
    with pytest.raises(GanbenchError, match="unknown backend 'pytorch-fid'"):
        backend_encoder("pytorch-fid")
    with pytest.raises(GanbenchError, match="'inception-v3' is already registered"):
        encoders.register_encoder(ENCODERS["inception-v3"])


def test_the_inception_encoder_builds_torch_fidelitys_network_in_the_asked_precision():
    request = BuildRequest(device=torch.device("cpu"), precision="reference")
    built = get_encoder("inception-v3").build(request)
    assert isinstance(built, InceptionFeatures) and built.precision == "reference"
    assert built.weights.sha256 == resolve_weights().sha256
    assert built.provenance()["forward"] == "torch-fidelity's FeatureExtractorInceptionV3"
    with pytest.raises(GanbenchError, match="clean-fid runs its own network"):
        backend_encoder("clean-fid").build(BuildRequest(device=torch.device("cpu"), precision="fast"))


def test_an_encoder_from_outside_is_found_by_name(monkeypatch):
    monkeypatch.setattr(encoders, "ENCODERS", dict(ENCODERS))
    mean = Encoder(name="pixel-mean", description="each image's mean pixel", input_size=1, preprocessing="none",
                   dimension=1, layer="mean", weights="none", weights_env=None, build=lambda r: r.device)
    assert encoders.register_encoder(mean) is mean
    assert encoders.get_encoder("pixel-mean").build(BuildRequest(device=torch.device("cpu"))) == torch.device("cpu")
