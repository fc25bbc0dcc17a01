"""The clean-fid backend, offline: equal to clean-fid's own compute_fid, and to torch-fidelity in legacy mode."""

from __future__ import annotations

import pytest
import torch
from cleanfid import fid as cleanfid

from ganbench.core.config import Settings
from ganbench.core.errors import GanbenchError
from ganbench.data.folder import load_folder
from ganbench.metrics import fidelity
from ganbench.metrics.features.cleanfid import CleanFIDInception
from ganbench.metrics.features.inception import fid_helper_file
from ganbench.metrics.result import ScoreResult
from ganbench.metrics.scorer import Scorer
from tests.helpers import write_pngs

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def small_sets(tmp_path_factory, quick_train, quick_test):
    """12 real test images and 12 training images of their own (not the shared 24 and 24): each backend runs its
    own Inception on both, and clean-fid's compute_fid runs its own again."""
    root = tmp_path_factory.mktemp("backend-pngs")
    write_pngs(root / "real", quick_test.images[:12].numpy())
    write_pngs(root / "fake", quick_train.images[:12].numpy())
    return root / "real", root / "fake"


def score(sets, **backend) -> ScoreResult:
    real, fake = sets
    scorer = Scorer(CPU, metrics=("fid", "kid"), settings=Settings(kid_subsets=20, kid_subset_size=16, bootstrap=0),
                    **backend)
    return scorer.score(scorer.fake_from_images(load_folder(fake).images), scorer.real(load_folder(real)))


@pytest.fixture(scope="module")
def results(small_sets):
    return {
        "torch-fidelity": score(small_sets),
        "clean": score(small_sets, backend="clean-fid", mode="clean"),
        "legacy_tensorflow": score(small_sets, backend="clean-fid", mode="legacy_tensorflow"),
    }


@pytest.mark.slow
def test_clean_fid_backend_equals_clean_fids_own_compute_fid(small_sets, results):
    """clean mode, end to end through clean-fid's own compute_fid: its folder reading, resize, network and
    formula (a float64 sqrtm of 2048 x 2048, most of this test's time)."""
    real, fake = small_sets
    extractor = CleanFIDInception(fid_helper_file(), CPU)
    theirs = cleanfid.compute_fid(str(fake), str(real), mode="clean", custom_feat_extractor=extractor, device=CPU,
                                  num_workers=0, batch_size=8, verbose=False)
    assert results["clean"].metrics["fid"] == pytest.approx(theirs, rel=1e-6)


@pytest.mark.slow
def test_legacy_tensorflow_mode_scores_clean_fids_own_features(small_sets, results):
    """legacy_tensorflow mode: the FID of clean-fid's own features of both folders (its folder reading and its
    TensorFlow-like resize) is our number; that our formula equals clean-fid's is the clean-mode test's."""
    real, fake = small_sets
    extractor = CleanFIDInception(fid_helper_file(), CPU)
    theirs = [torch.from_numpy(cleanfid.get_folder_features(str(d), extractor, num_workers=0, batch_size=8,
                                                            device=CPU, mode="legacy_tensorflow", verbose=False))
              for d in (fake, real)]
    assert results["legacy_tensorflow"].metrics["fid"] == pytest.approx(fidelity.fid(*theirs), rel=1e-6)


@pytest.mark.slow
def test_legacy_tensorflow_mode_agrees_with_torch_fidelity(results):
    # clean-fid's README: legacy_tensorflow differs from the TensorFlow implementation by ~2e-05 (at FIDs of
    # tens). The two feature paths run float32 Inception through different code, so the gap scales with the FID
    # and varies by a few 1e-6 across CPUs and thread counts: a relative bound of 1e-6 holds that, and is 10^6
    # times tighter than the gap a resize difference makes (the clean-mode test below).
    legacy, tfid = results["legacy_tensorflow"].metrics, results["torch-fidelity"].metrics
    assert legacy["fid"] == pytest.approx(tfid["fid"], rel=1e-6)
    assert legacy["kid_mean"] == pytest.approx(tfid["kid_mean"], abs=1e-6)  # KID is near 0 here


@pytest.mark.slow
def test_each_backend_and_mode_is_its_own_protocol(results):
    ids = {k: r.protocol_id for k, r in results.items()}
    assert len(set(ids.values())) == 3
    clean = results["clean"]
    assert clean.protocol["backend"] == "clean-fid" and clean.protocol["mode"] == "clean"
    assert "PIL bicubic" in clean.protocol["resize"]
    assert abs(clean.metrics["fid"] - results["legacy_tensorflow"].metrics["fid"]) > 1.0  # resizing matters


def test_backend_errors():
    with pytest.raises(GanbenchError, match="unknown backend 'pytorch-fid'"):
        Scorer(CPU, backend="pytorch-fid")
    with pytest.raises(GanbenchError, match="unknown clean-fid mode 'legacy_pytorch'"):
        Scorer(CPU, backend="clean-fid", mode="legacy_pytorch")
    with pytest.raises(GanbenchError, match="--mode belongs to the clean-fid backend"):
        Scorer(CPU, mode="clean")
    with pytest.raises(GanbenchError, match="torch-fidelity backend only"):
        Scorer(CPU, backend="clean-fid", metrics=("is",))
