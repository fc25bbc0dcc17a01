"""The leaderboard's two tables as data, on the committed fashion-mnist records: their columns (the CSV files'
headers, which users read with pandas), each cell against the record it comes from, and the published rows a
suite is shown beside. Values are read from the record files here, never from a board made before."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from ganbench.core.contracts import Record
from ganbench.results import leaderboard
from ganbench.results.published import load_published
from ganbench.suites import get_suite
from tests.helpers import committed_records

RUNS_COLUMNS = ["rank", "tied", "model", "seed", "FID", "FID ±95%", "KID", "KID std", "M", "k", "encoder", "n fake",
                "n real", "epochs", "steps", "train s", "device", "protocol", "published FID", "published source"]
METRIC_COLUMNS = ["metric", "label", "direction", "model", "seeds", "value", "±95%", "interval", "published",
                  "difference", "published source", "published protocol", "features", "note", "protocol", "rank",
                  "tied"]


@pytest.fixture(scope="module")
def files() -> list[dict]:
    return committed_records()


@pytest.fixture(scope="module")
def records(files) -> list[Record]:
    return [Record.from_dict(d) for d in files]


def test_the_runs_table_holds_each_records_numbers(files, records):
    df = leaderboard.table(records, get_suite("fashion-mnist"), load_published())
    assert list(df.columns) == RUNS_COLUMNS
    assert df["rank"].tolist() == [1, 2, 3, 4, 5, 6] and df["tied"].tolist() == [False] * 6
    assert df["FID"].tolist() == sorted(d["metrics"]["fid"] for d in files)  # best first, over all six
    for _, row in df.iterrows():
        d = next(f for f in files if f["model"] == row["model"] and f["seed"] == row["seed"])
        m = d["metrics"]
        assert row["FID ±95%"] == pytest.approx((m["fid_ci_high"] - m["fid_ci_low"]) / 2, rel=1e-12)
        assert (row["KID"], row["KID std"]) == (m["kid_mean"], m["kid_std"])
        assert (row["n fake"], row["n real"]) == (d["protocol"]["n_fake"], d["protocol"]["n_real"])
        assert (row["epochs"], row["steps"]) == (d["training"]["epochs"], d["training"]["steps"])
        assert (row["train s"], row["device"]) == (d["wall_time_s"]["train"], d["environment"]["device"])
        assert row["protocol"] == d["protocol"]["id"]
        assert (row["published FID"], row["published source"]) == (
            {"dcgan": 38.06, "fcgan": 4.07}[d["model"]], "McGinney et al., poster, results table")
        assert all(pd.isna(row[c]) for c in ("M", "k", "encoder"))  # BEGAN's numbers: not these models'


def test_the_every_metric_table_holds_the_mean_over_seeds(files, records):
    df = leaderboard.metric_table(records, get_suite("fashion-mnist"), load_published())
    assert list(df.columns) == METRIC_COLUMNS
    fid = df[df["metric"] == "fid"].set_index("model")
    for model in ("dcgan", "fcgan"):
        values = [f["metrics"]["fid"] for f in files if f["model"] == model]
        row = fid.loc[model]
        assert row["value"] == pytest.approx(sum(values) / 3, rel=1e-12) and row["seeds"] == "0,1,2"
        assert (row["label"], row["direction"], row["interval"]) == ("FID", "lower is better", "over 3 seeds")
        published = {"dcgan": 38.06, "fcgan": 4.07}[model]
        assert (row["published"], row["difference"]) == (published, pytest.approx(row["value"] - published))
        assert row["published source"] == "McGinney et al., poster, results table"
        assert row["published protocol"].startswith("Keras; 10 epochs")
        assert row["note"].startswith("not comparable: the protocols differ")
    assert fid.loc["dcgan", "rank"] == 1 and fid.loc["fcgan", "rank"] == 2
    precision = df[df["metric"] == "precision"].iloc[0]
    assert precision["features"] == "Inception pool3 features (no VGG16 weights)" == precision["note"]
    assert pd.isna(precision["published"]) and pd.isna(precision["difference"])
    counts = df[df["metric"] == "params-g"]  # a count describes a network: shown, never ranked
    assert len(counts) == 2 and counts["rank"].isna().all() and counts["tied"].isna().all()
    ranked = df[df["rank"].notna()]
    assert set(ranked["tied"].tolist()) <= {True, False}


def test_a_suite_is_shown_beside_the_published_numbers_of_its_data_at_its_size():
    published = load_published()
    shown = leaderboard.suite_published(published, get_suite("fashion-mnist"))
    assert set(shown["resolution"]) == {"28x28x1"}
    fids = shown[shown["metric"] == "fid"]
    assert set(fids["dataset"]) == {"Fashion-MNIST"} and set(fids["model"]) == {"dcgan", "fcgan"}
    # Parameter counts depend on the image size, not the data: kept from any data set of that size.
    counts = shown[shown["metric"].str.startswith("params")]
    assert len(counts) > 0
    expected = published[(published["resolution"] == "28x28x1")
                         & ((published["dataset"] == "Fashion-MNIST") | published["metric"].str.startswith("params"))]
    assert sorted(shown.index) == sorted(expected.index)


def test_a_number_that_depends_on_how_a_run_started_says_so_in_its_note(files):
    """BEGAN's M depends on how its encoder started: the note names it, from each run's configuration."""
    began = []
    for seed, init in ((0, "random (no ImageNet ResNet18 file)"), (1, "imagenet")):
        d = copy.deepcopy(files[0])
        d.update(model="began", seed=seed)
        d["metrics"].update(began_m=0.1 + seed, began_k=0.01)
        d["config"]["hparams"]["encoder_init"] = init
        began.append(Record.from_dict(d))
    df = leaderboard.metric_table(began, get_suite("fashion-mnist"), load_published())
    m = df[df["metric"] == "began-m"]  # two configurations (the encoder's start is one of its settings): two rows
    assert sorted(zip(m["seeds"], m["value"], m["note"])) == [("0", 0.1, "encoder: random"),
                                                               ("1", 1.1, "encoder: imagenet")]
    assert m["rank"].isna().all()  # a model's own training statistic: never ranked across models
