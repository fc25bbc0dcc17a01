"""The protocol id, as a property: every field that determines the numbers changes it, one at a time, and nothing
else does. Numbers of differing ids are never ranked or gated together, so a field missing from the hash would
let numbers of different pipelines rank as one.

The scorer's own path builds each protocol here (`Scorer.score` on small fixed features, with the extractor's
provenance as it reports it), so a field dropped anywhere between the extractor and the hash is caught."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json

import numpy as np
import pytest
import torch

from ganbench.core.config import Settings
from ganbench.core.contracts import Training
from ganbench.metrics import protocol, registry, scorer as scorer_module
from ganbench.metrics.inputs import Inputs
from ganbench.metrics.protocol import metric_protocol_id
from ganbench.metrics.registry import FEATURES, get_metric, metric_kind
from ganbench.metrics.scorer import Generated, RealReference, Scorer
from ganbench.pipeline.records import new_record
from tests.helpers import committed_records

REAL = torch.from_numpy(np.random.default_rng(0).normal(0.0, 1.0, (40, 8)))
FAKE = torch.from_numpy(np.random.default_rng(1).normal(0.3, 1.0, (40, 8)))
CONTENT = "c" * 64


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(torch.device("cpu"), metrics=("fid", "kid"), settings=Settings(kid_subsets=5, kid_subset_size=10,
                                                                               bootstrap=0))


def _protocol(s: Scorer, fake: torch.Tensor = FAKE, real: torch.Tensor = REAL, real_data: str = "folder:real",
              content: str = CONTENT) -> dict:
    return s.score(Generated(pool=fake), RealReference(real, real_data, content, False)).protocol


def _with_extractor(s: Scorer, **attributes) -> Scorer:
    """The scorer with its feature extractor's attributes changed (what its provenance reports follows them)."""
    twin = copy.copy(s)
    twin.extract = copy.copy(s.extract)
    for name, value in attributes.items():
        setattr(twin.extract, name, value)
    return twin


def _changed_pipelines(s: Scorer, monkeypatch) -> dict[str, dict]:
    """The protocol after each change of one field that determines the numbers."""
    weights = dataclasses.replace(s.extract.weights, sha256="0" * 64)
    with_pr = copy.copy(s)
    with_pr.uses_pr_features, with_pr.pr_features = True, "vgg16-torchvision/fc2"
    out = {
        "the weights' SHA-256": _protocol(_with_extractor(s, weights=weights)),
        "the compute dtype (fast precision on a GPU)": _protocol(_with_extractor(s, dtype=torch.bfloat16)),
        "the resize and forward pass (reference precision)": _protocol(
            Scorer(torch.device("cpu"), metrics=s.metrics, settings=s.settings, precision="reference")),
        "the backend (clean-fid)": _protocol(Scorer(torch.device("cpu"), metrics=s.metrics, settings=s.settings,
                                                    backend="clean-fid", mode="clean")),
        "clean-fid's mode": _protocol(Scorer(torch.device("cpu"), metrics=s.metrics, settings=s.settings,
                                             backend="clean-fid", mode="legacy_tensorflow")),
        "the real images' content": _protocol(s, content="d" * 64),
        "the generated count": _protocol(s, fake=FAKE[:39]),
        "the real count": _protocol(s, real=REAL[:39]),
        "the features precision/recall use": _protocol(with_pr),
    }
    monkeypatch.setattr(scorer_module, "QUANTIZATION", "float to uint8 by truncation")
    out["the quantization"] = _protocol(s)
    return out


def test_every_field_that_determines_the_numbers_changes_the_id(scorer, monkeypatch):
    base = _protocol(scorer)
    changed = _changed_pipelines(scorer, monkeypatch)
    same = [what for what, p in changed.items() if p["id"] == base["id"]]
    assert not same, f"the protocol id does not change with {', '.join(same)}"
    assert len({p["id"] for p in changed.values()}) == len(changed)  # and each change gives its own id


def test_what_does_not_determine_the_numbers_leaves_the_id_alone(scorer, tmp_path):
    base = _protocol(scorer)
    # How the real input was named (the content hash stands for it), the scoring's seed (seeds of one protocol
    # are averaged and ranked together), a second scoring later on.
    for other in (_protocol(scorer, real_data="folder:/home/me/data/real"), _protocol(scorer.with_seed(7)),
                  _protocol(scorer, real_data="folder:./real")):
        assert other["id"] == base["id"]
    # The folder a record is written to never reaches its protocol.
    scored = scorer.score(Generated(pool=FAKE), RealReference(REAL, "folder:real", CONTENT, True))
    records = [new_record(model="m", suite="s", seed=0, family=None, source=None, config={"out": str(tmp_path / out)},
                          training=Training(), scored=scored, wall_time_s={}) for out in "ab"]
    assert records[0].protocol == records[1].protocol == scored.protocol and scored.protocol_id == base["id"]


# Each metric's settings, named independently of the registry's declarations: changing one must change that
# metric's own id and leave FID's (which has none) alone.
SETTINGS = {"kid": ("kid_subsets", "kid_subset_size"), "is": ("is_splits",), "pr": ("neighbours",),
            "dc": ("neighbours",), "fid-inf": ("fid_inf_points",), "aug": ("aug_per_class", "aug_epochs")}
FIRST_KIND = {"kid": "kid", "is": "is", "pr": "precision", "dc": "density", "fid-inf": "fid-inf",
              "aug": "aug-accuracy"}


@pytest.mark.parametrize("metric, setting", [(m, s) for m, names in SETTINGS.items() for s in names])
def test_a_metrics_own_settings_change_its_own_id_only(scorer, metric, setting):
    value = getattr(scorer.settings, setting)
    # KID records the subset size it used: 10 of 40 here, so 11 is used as asked
    changed = copy.copy(scorer)
    changed.settings = dataclasses.replace(scorer.settings, **{setting: value + 1})
    before, after = _protocol(scorer), _protocol(changed)
    kind = metric_kind(FIRST_KIND[metric])
    assert after["settings"][setting] == value + 1
    assert metric_protocol_id(kind, after) != metric_protocol_id(kind, before)
    assert metric_protocol_id(kind, after).startswith(before["id"] + "/")  # the shared id, then the metric's
    fid = metric_kind("fid")
    assert metric_protocol_id(fid, after) == metric_protocol_id(fid, before) == before["id"] == after["id"]


def test_fids_bootstrap_count_sizes_its_interval_and_leaves_its_id_alone(scorer):
    changed = copy.copy(scorer)
    changed.settings = dataclasses.replace(scorer.settings, bootstrap=20)
    fid = metric_kind("fid")
    assert metric_protocol_id(fid, _protocol(changed)) == metric_protocol_id(fid, _protocol(scorer))


def test_kid_records_the_subset_size_it_used(scorer):
    """40 samples cannot take subsets of 1,000: KID uses 20, and its id follows what it used, so a request of 1,000
    and one of 2,000 on these samples are one protocol, and a request of 20 is the same one too."""
    ids = set()
    for asked in (1000, 2000, 20):
        s = copy.copy(scorer)
        s.settings = dataclasses.replace(scorer.settings, kid_subset_size=asked)
        p = _protocol(s)
        assert p["settings"]["kid_subset_size"] == 20
        ids.add(metric_protocol_id(metric_kind("kid"), p))
    assert len(ids) == 1


class _Reading:
    """Settings that note each field a metric reads."""

    def __init__(self, settings: Settings):
        self._settings, self.read = settings, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self._settings, name)


@pytest.mark.parametrize("name", [m.name for m in registry.metrics() if m.needs == FEATURES])
def test_every_setting_a_metric_reads_enters_its_id(name):
    """The settings each feature metric's computation actually reads, against those its id hashes: a setting read
    but not declared would let numbers of two values of it rank together. FID's bootstrap count only sizes its
    interval."""
    logits = torch.from_numpy(np.random.default_rng(2).normal(0, 3, (40, 1008)))
    settings = _Reading(Settings(kid_subset_size=10, bootstrap=5, is_splits=4))
    get_metric(name).compute(Inputs(fake=FAKE, real=REAL, fake_logits=logits, seed=0, settings=settings,
                                    real_stats=None))
    assert settings.read - {"bootstrap"} == set(SETTINGS.get(name, ()))
    assert set(get_metric(name).settings) == set(SETTINGS.get(name, ()))


def test_committed_records_keep_their_ids():
    """Each committed record's pipeline, rebuilt from its own fields by this version, is the one it holds and
    hashes to the id it holds: the id did not change under the records (so their boards still rank them)."""
    records = committed_records()
    assert len(records) == 6
    for record in records:
        p = record["protocol"]
        shared = {k: v for k, v in p.items() if k not in ("id", "seed", "metrics", "settings")}
        own = ("version", "quantization", "real_data", "real_sha256", "n_real", "n_fake", "pr_features")
        rebuilt = protocol.pipeline({k: v for k, v in shared.items() if k not in own}, p["quantization"],
                                    p["real_data"], p["real_sha256"], p["n_real"], p["n_fake"], p.get("pr_features"))
        assert rebuilt == shared and protocol.protocol_id(rebuilt) == p["id"], (record["model"], record["seed"])
        assert "pr_features" in p  # these records rank precision/recall, so their features enter the id


def test_a_metrics_own_id_is_the_protocol_id_then_its_name_and_settings():
    """`<protocol id>/<metric>-<first 6 hex digits of the SHA-256 of its settings as sorted JSON>`, as documented."""
    p = {"id": "abcdef012345", "settings": {"kid_subsets": 100, "kid_subset_size": 50, "neighbours": 3}}
    digest = hashlib.sha256(json.dumps({"kid_subset_size": 50, "kid_subsets": 100}).encode()).hexdigest()[:6]
    assert metric_protocol_id(metric_kind("kid"), p) == f"abcdef012345/kid-{digest}"
    assert metric_protocol_id(metric_kind("fid"), p) == "abcdef012345"
    reordered = {"id": "abcdef012345", "settings": {"neighbours": 3, "kid_subset_size": 50, "kid_subsets": 100}}
    assert metric_protocol_id(metric_kind("kid"), reordered) == metric_protocol_id(metric_kind("kid"), p)
    assert metric_protocol_id(metric_kind("recall"), p) == metric_protocol_id(metric_kind("precision"), p)
    assert metric_protocol_id(metric_kind("kid"), {"id": "abcdef012345"}).startswith("abcdef012345/kid-")


def test_the_protocol_id_is_a_hash_of_the_sorted_pipeline_less_input_names():
    pipeline = {"n_fake": 10, "backend": "torch-fidelity", "real_data": "folder:real", "real_sha256": "c" * 64}
    expected = hashlib.sha256(json.dumps({"backend": "torch-fidelity", "n_fake": 10, "real_sha256": "c" * 64})
                              .encode()).hexdigest()[:12]
    assert protocol.protocol_id(pipeline) == expected
