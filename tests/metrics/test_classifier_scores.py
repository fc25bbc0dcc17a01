"""The classifier-based scores on real Fashion-MNIST: Korotka et al.'s strong and weak independent classifiers
(during training too) and Wang et al.'s augmentation utility, end to end through the CLI and the leaderboard."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
import torch
import torchvision.transforms.v2.functional as TF

from ganbench.core.errors import GanbenchError
from ganbench.data import ImageData
from ganbench.data.quantize import to_unit
from ganbench.metrics.classifiers.augmentation import generated_images, make_study, traditional_augment
from ganbench.metrics.classifiers.two_sample import STRONG, independent_classifier
from ganbench.models.registry import get_model
from ganbench.pipeline.records import RECORD, run_records
from ganbench.pipeline.request import Request
from ganbench.results.leaderboard import write as write_leaderboard
from ganbench.results.published import load_published
from ganbench.studies.ore_augmentation import TEST_FRACTION, held_out, labelled_union, run_group_study
from ganbench.studies.ore_augmentation import write_leaderboard as write_group_leaderboard
from ganbench.suites import expand_suites, get_suite, suite_data
from tests.helpers import assert_one_line_error, run_cli, write_pngs

CPU = torch.device("cpu")
N = 600  # real images per set: 300 held out each, so the error's standard deviation at 50% is 2 points


@pytest.fixture(scope="module")
def sets(quick_train):
    """Two disjoint halves of real Fashion-MNIST, uniform noise, and a blurred copy of the second half."""
    a, b = quick_train.images[:N], quick_train.images[N:2 * N]
    noise = torch.randint(0, 256, b.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    return {"a": a, "b": b, "noise": noise, "blur": TF.gaussian_blur(b, [3, 3], [0.5, 0.5])}


@pytest.fixture(scope="module")
def strong(sets):
    return {name: independent_classifier(sets["a"], sets[name], STRONG, 0, CPU) for name in ("b", "noise", "blur")}


@pytest.mark.slow
def test_strong_ic_tells_apart_what_differs_and_not_what_does_not(strong):
    halves, noise, blur = strong["b"]["error"], strong["noise"]["error"], strong["blur"]["error"]
    assert 40 <= halves <= 60, halves  # two halves of one data set: it can only guess
    assert noise < 1, noise
    assert noise < blur < halves, (noise, blur, halves)
    assert strong["noise"]["p_value"] < 1e-10  # the classifier two-sample test rejects "one distribution"
    for r in strong.values():
        assert r["error_ci_low"] <= r["error"] <= r["error_ci_high"]
        assert r["n_test"] == N and r["n_val"] == N // 5 and r["n_train"] == N - N // 5  # 50% / 10% / 40% of each
        assert r["best_epoch"] <= r["epochs"] <= STRONG.budget.epochs


@pytest.mark.slow
def test_strong_ic_gives_the_same_error_twice_for_a_seed(sets, strong):
    again = independent_classifier(sets["a"], sets["b"], STRONG, 0, CPU)
    assert (again["error"], again["train_error"], again["epochs"]) == \
        (strong["b"]["error"], strong["b"]["train_error"], strong["b"]["epochs"])


def test_too_few_or_mismatched_images_are_refused(sets):
    with pytest.raises(GanbenchError, match="at least 20"):
        independent_classifier(sets["a"][:10], sets["b"][:10], STRONG, 0, CPU)
    with pytest.raises(GanbenchError, match="real images are"):
        independent_classifier(sets["a"], sets["b"][:, :, :14, :14], STRONG, 0, CPU)


@pytest.mark.slow
def test_weak_ic_is_logged_during_training_at_its_interval_and_drawn(tmp_path):
    # dcgan's batch of 16 makes 312 steps an epoch on the 5k subset: every 0.1 epoch is every 31 steps.
    r = run_cli("train", "dcgan", "--suite", "fashion-mnist-smoke", "--out", str(tmp_path), "--ic-weak-every", "0.1")
    assert r.returncode == 0, r.stderr
    (run_dir,) = (tmp_path / "runs" / "fashion-mnist-smoke").iterdir()
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    measured = [row for row in log if "ic_weak_error" in row]
    assert [row["step"] for row in measured] == [31, 62, 93]
    for row in measured:
        assert 0 <= row["ic_weak_error_ci_low"] <= row["ic_weak_error"] <= row["ic_weak_error_ci_high"] <= 100
    assert (run_dir / "ic-weak.png").stat().st_size > 10_000
    assert json.loads((run_dir / "config.json").read_text())["ic_weak"] == {"every_steps": 31, "samples": 1000}

    # The measurement leaves training alone: without it, every step's losses are the same.
    plain = run_cli("train", "dcgan", "--suite", "fashion-mnist-smoke", "--out", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stderr
    (plain_dir,) = (tmp_path / "plain" / "runs" / "fashion-mnist-smoke").iterdir()
    plain_log = [json.loads(line) for line in (plain_dir / "log.jsonl").read_text().splitlines()]
    assert [row["loss_g"] for row in plain_log] == [row["loss_g"] for row in log]
    assert [row["loss_d"] for row in plain_log] == [row["loss_d"] for row in log]


def test_weak_ic_interval_must_be_a_number_of_epochs(tmp_path):
    r = run_cli("train", "dcgan", "--suite", "fashion-mnist-smoke", "--out", str(tmp_path), "--ic-weak-every", "-1")
    assert_one_line_error(r, "--ic-weak-every must be 0")


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory):
    """dcgan on fashion-mnist-quick (20 steps), scored with the classifier metrics only, small aug settings."""
    out = tmp_path_factory.mktemp("classifier-run")
    r = run_cli("run", "--suite", "fashion-mnist-quick", "--models", "dcgan", "--steps", "20", "--out", str(out),
                "--metrics", "ic-strong,ic-weak,aug", "--aug-per-class", "10", "--aug-epochs", "1")
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.slow
def test_run_records_the_classifier_scores_and_the_leaderboard_shows_the_three_accuracies(scored_run):
    (record,) = run_records(scored_run / "runs", "fashion-mnist-quick")
    m = record.metrics
    assert "fid" not in m  # no Inception pass was asked for
    assert record.protocol["metrics"] == ["ic-strong", "ic-weak", "aug"]
    assert record.samples == {"real": 500, "fake": 500}
    assert m["ic_strong_detail"]["n_test"] == 500  # half of the 500 images each set has in common, both sets
    assert 0 <= m["ic_strong_error"] < 50 and 0 <= m["ic_weak_error"] <= 100
    # A classifier of 10 clothing classes trained on 4,500 real images is far above chance on the test split.
    assert m["aug_real_accuracy"] > 60 and m["aug_traditional_accuracy"] > 60
    assert m["aug_gain"] == pytest.approx(m["aug_accuracy"] - m["aug_real_accuracy"])
    detail = m["aug_detail"]
    assert detail["n_test"] == 1000 and detail["real"]["n_train"] == 4500
    assert detail["traditional"]["n_train"] == 4500 + 10 * 10
    board = pd.read_csv(scored_run / "leaderboards" / "fashion-mnist-quick-metrics.csv")
    rows = board.set_index("metric")
    for key in ("aug-real-accuracy", "aug-traditional-accuracy", "aug-accuracy", "aug-gain",
                "ic-strong-error", "ic-weak-error"):
        assert key in rows.index, key
    assert rows.loc["aug-accuracy", "value"] == pytest.approx(m["aug_accuracy"])
    md = (scored_run / "leaderboards" / "fashion-mnist-quick.md").read_text()
    assert "accuracy, real data alone" in md and "accuracy, real + traditional augmentation" in md


@pytest.mark.slow
def test_the_references_are_cached_and_a_second_scoring_gives_the_same_numbers(scored_run):
    (record,) = run_records(scored_run / "runs", "fashion-mnist-quick")
    checkpoint = next((scored_run / "runs" / "fashion-mnist-quick").iterdir()) / "checkpoint.pt"
    r = run_cli("score", "--checkpoint", str(checkpoint), "--suite", "fashion-mnist-quick", "--metrics", "aug",
                "--aug-per-class", "10", "--aug-epochs", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert "training the reference classifiers" not in r.stderr
    again = json.loads(r.stdout)["metrics"]
    for key in ("aug_accuracy", "aug_real_accuracy", "aug_traditional_accuracy"):
        assert again[key] == record.metrics[key], key


@pytest.mark.slow
def test_published_ic_errors_sit_beside_ours(scored_run, tmp_path):
    """Korotka et al.'s Table 3 gives the 2-D latent GAN's strong IC error on MNIST: a record of ours for it on
    mnist-latent (here a relabelled real one) gets the published value and the difference beside it."""
    (record,) = run_records(scored_run / "runs", "fashion-mnist-quick")
    record = replace(record, model="latent2d", suite="mnist-latent")
    (tmp_path / "runs" / "mnist-latent" / "r").mkdir(parents=True)
    (tmp_path / "runs" / "mnist-latent" / "r" / RECORD).write_text(record.to_json())
    write_leaderboard(run_records(tmp_path / "runs", "mnist-latent"), get_suite("mnist-latent"), load_published(),
                      tmp_path)
    rows = pd.read_csv(tmp_path / "leaderboards" / "mnist-latent-metrics.csv").set_index("metric")
    assert rows.loc["ic-strong-error", "published"] == 1.5
    assert rows.loc["ic-strong-error", "difference"] == pytest.approx(record.metrics["ic_strong_error"] - 1.5)
    assert "comparable with suite mnist-latent" in rows.loc["ic-strong-error", "note"]


def test_aug_needs_a_model_and_a_labelled_suite(tmp_path, quick_test):
    r = run_cli("score", "--real", "fashion-mnist-smoke", "--fake", str(tmp_path), "--metrics", "fid,aug")
    assert_one_line_error(r, "needs a model")
    unlabelled = ImageData("unlabelled", quick_test.images, "test")
    with pytest.raises(GanbenchError, match="needs class labels"):
        make_study(unlabelled, quick_test, 10, 1, 0)


def test_a_conditional_model_is_asked_for_each_class(quick_train, quick_test):
    model = get_model("cgan").create(28, 1, get_model("cgan").planned_hparams())
    study = make_study(quick_train, quick_test, 7, 1, 0)
    images, how = generated_images(model, study, None, 0, CPU)
    assert images.labels.tolist() == [c for c in range(10) for _ in range(7)]
    assert images.images.shape == (70, 1, 28, 28) and images.images.dtype == torch.uint8
    assert "conditional" in how["labels"]


def test_traditional_augmentation_moves_each_image_its_own_way_and_is_seeded(quick_train):
    x = to_unit(quick_train.images[:64])
    out = traditional_augment(x, torch.Generator().manual_seed(3))
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1
    assert torch.equal(out, traditional_augment(x, torch.Generator().manual_seed(3)))
    moved = (out - x).abs().flatten(1).mean(1)
    assert (moved > 0.01).float().mean() > 0.9  # nearly every image is changed
    assert moved.std() > 0.01  # by its own random transform, not one shared by the batch


def test_the_group_study_labels_each_class_holds_out_a_seeded_fifth_and_needs_every_class_trained(tmp_path,
                                                                                                  quick_train):
    """Wang et al.'s study over the ore group before any training: the class suites' real images labelled by
    suite, a seeded fifth of each class held out for the test, and a model without a run on every class, or a
    leaderboard without records, refused in one line."""
    for name, label, n in (("concentrate", 1, 20), ("waste", 8, 15)):  # trousers and bags
        write_pngs(tmp_path / "ore" / name, quick_train.images[quick_train.labels == label][:n].numpy())
    members = expand_suites(f"ore:{tmp_path / 'ore'}")
    union = labelled_union(members, [suite_data(s, "train") for s in members])
    assert union.labels.tolist() == [0] * 20 + [1] * 15 and union.classes == tuple(s.name for s in members)
    train, test = held_out(union, TEST_FRACTION, seed=0)
    assert test.labels.tolist() == [0] * 4 + [1] * 3  # a fifth of each class
    rows = [{bytes(x.numpy()) for x in d.images} for d in (train, test, union)]
    assert not rows[0] & rows[1] and rows[0] | rows[1] == rows[2] and len(train) == 28
    assert torch.equal(held_out(union, TEST_FRACTION, seed=0)[1].images, test.images)
    assert not torch.equal(held_out(union, TEST_FRACTION, seed=1)[1].images, test.images)
    with pytest.raises(GanbenchError, match=r"dcgan64 has no trained run in .*: train every class of ore first"):
        run_group_study("ore", members, Request(suite=members[0], models=("dcgan64",), out=tmp_path, steps=2))
    with pytest.raises(GanbenchError, match="no records of the ore study"):
        write_group_leaderboard("ore", [], tmp_path)


def test_aug_on_one_unlabelled_suite_is_refused_before_training(tmp_path, quick_train):
    write_pngs(tmp_path / "ore" / "waste", quick_train.images[:40].numpy())
    r = run_cli("run", "--suite", f"ore-waste:{tmp_path / 'ore'}", "--models", "dcgan64", "--steps", "2",
                "--out", str(tmp_path), "--metrics", "aug")
    assert_one_line_error(r, "needs class labels")
    assert not (tmp_path / "runs").exists()
