"""`ganbench compare` and the per-metric leaderboard on real records of the smoke suite; the significance tests
against scipy's own."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from scipy import stats

from ganbench.metrics.registry import metric_kind
from ganbench.results.significance import difference, estimate
from tests.helpers import assert_one_line_error, run_cli

SUITE = "fashion-mnist-smoke"
PNG = b"\x89PNG\r\n\x1a\n"


def test_significance_over_seeds_and_over_generated_samples():
    a = [{"fid": 30.0}, {"fid": 31.5}, {"fid": 29.0}]
    b = [{"fid": 36.0}, {"fid": 34.5}, {"fid": 37.0}]
    ea, eb = estimate(metric_kind("fid"), a), estimate(metric_kind("fid"), b)
    se = stats.sem([30.0, 31.5, 29.0])
    assert ea.mean == pytest.approx(30.1666667) and ea.half_width == pytest.approx(stats.t.ppf(0.975, 2) * se)
    d = difference(metric_kind("fid"), ea, eb)
    assert d.p_value == pytest.approx(stats.ttest_ind([36.0, 34.5, 37.0], [30.0, 31.5, 29.0], equal_var=False).pvalue)
    assert d.better == "a" and d.significant() and "Welch" in d.method

    # One run each: a z-test on the recorded bootstrap standard errors.
    one_a = {"fid": 40.0, "fid_ci_low": 38.0, "fid_ci_high": 42.0, "fid_bootstrap_std": 1.0}
    one_b = {"fid": 41.0, "fid_ci_low": 39.0, "fid_ci_high": 43.0, "fid_bootstrap_std": 1.5}
    d1 = difference(metric_kind("fid"), estimate(metric_kind("fid"), [one_a]), estimate(metric_kind("fid"), [one_b]))
    assert d1.p_value == pytest.approx(2 * stats.norm.sf(1.0 / math.hypot(1.0, 1.5)))
    assert not d1.significant() and d1.better == "a"
    # Higher-is-better metrics and metrics without a per-run noise estimate.
    d2 = difference(metric_kind("is"), estimate(metric_kind("is"), [{"is_mean": 5.0}, {"is_mean": 5.2}]),
                    estimate(metric_kind("is"), [{"is_mean": 6.0}, {"is_mean": 6.1}]))
    assert d2.better == "b"
    kid = difference(metric_kind("kid"), estimate(metric_kind("kid"), [{"kid_mean": 0.1, "kid_std": 0.01}]),
                     estimate(metric_kind("kid"), [{"kid_mean": 0.2, "kid_std": 0.01}]))
    assert kid.p_value is None and kid.method.startswith("no test")
    assert estimate(metric_kind("fid"), [{"fid": 1.0}, {"kid_mean": 0.1}]) is None  # not shared: no row


def test_compare_reuses_records_scores_what_is_missing_and_writes_table_and_pngs(smoke_copy):
    runs = smoke_copy / "runs" / SUITE
    dcgan_record = next(runs.glob("dcgan-*/record.json"))
    fcgan_record = next(runs.glob("fcgan-*/record.json"))
    old_fcgan = json.loads(fcgan_record.read_text())
    fcgan_record.unlink()  # trained, never scored: compare must score it and only it
    before = dcgan_record.stat().st_mtime_ns
    ckpts = {p: p.stat().st_mtime_ns for p in runs.glob("*/checkpoint.pt")}

    proc = run_cli("compare", "dcgan", "fcgan", "--suite", SUITE, "--steps", "6", "--out", str(smoke_copy), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "dcgan seed 0: record found: reused" in proc.stderr
    assert "fcgan seed 0: trained: scoring" in proc.stderr  # said before it is done
    assert dcgan_record.stat().st_mtime_ns == before and {p: p.stat().st_mtime_ns for p in ckpts} == ckpts
    new_fcgan = json.loads(fcgan_record.read_text())
    assert new_fcgan["metrics"] == old_fcgan["metrics"]  # same seed, same samples: the same numbers again

    result = json.loads(proc.stdout)
    rows = {r["metric"]: r for r in result["rows"]}
    assert {"fid", "kid", "params-g-trainable", "params-d"} <= set(rows)
    dc, fc = json.loads(dcgan_record.read_text())["metrics"], new_fcgan["metrics"]
    (fid,) = rows["fid"]["differences"]
    assert fid["difference"] == pytest.approx(fc["fid"] - dc["fid"])
    z = (fc["fid"] - dc["fid"]) / math.hypot(fc["fid_bootstrap_std"], dc["fid_bootstrap_std"])
    assert fid["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert rows["params-d"]["values"]["fcgan"]["mean"] == new_fcgan["training"]["params_d"]

    table = pd.read_csv(result["files"]["table"])
    assert list(table["metric"])[:2] == ["FID", "KID"] and "verdict (fcgan)" in table.columns
    for key in ("samples", "curves"):
        assert open(result["files"][key], "rb").read(8) == PNG
    from PIL import Image

    w, h = Image.open(result["files"]["samples"]).size
    assert w > 1.5 * h  # two grids side by side


def test_compare_refuses_bad_requests(smoke_copy):
    assert_one_line_error(run_cli("compare", "dcgan", "--suite", SUITE, "--out", str(smoke_copy)), "two or more")
    assert_one_line_error(run_cli("compare", "dcgan", "nope", "--suite", SUITE, "--out", str(smoke_copy)),
                          "unknown model 'nope'")
    assert_one_line_error(run_cli("compare", "dcgan", "fcgan", "--seed", "a", "--out", str(smoke_copy)), "--seed")
    # Records of two protocols are refused, not compared.
    path = next((smoke_copy / "runs" / SUITE).glob("fcgan-*/record.json"))
    record = json.loads(path.read_text())
    record["protocol"]["id"] = "0123456789ab"
    path.write_text(json.dumps(record))
    assert_one_line_error(run_cli("compare", "dcgan", "fcgan", "--suite", SUITE, "--steps", "6", "--out",
                                  str(smoke_copy)), "different protocols", "0123456789ab")


def test_leaderboard_metric_rows_rank_within_a_protocol_and_pool_seeds(smoke_copy):
    runs = smoke_copy / "runs" / SUITE
    dcgan = json.loads(next(runs.glob("dcgan-*/record.json")).read_text())
    seed1 = {**dcgan, "seed": 1, "metrics": {**dcgan["metrics"], "fid": dcgan["metrics"]["fid"] + 2.0}}
    foreign = {**dcgan, "model": "dcgan-other", "protocol": {**dcgan["protocol"], "id": "0123456789ab"}}
    for name, record in (("dcgan-seed1-x", seed1), ("dcgan-other-seed0-x", foreign)):
        (runs / name).mkdir()
        (runs / name / "record.json").write_text(json.dumps(record))
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy))
    assert proc.returncode == 0, proc.stderr
    board = pd.read_csv(smoke_copy / "leaderboards" / f"{SUITE}-metrics.csv")
    fid = board[board["metric"] == "fid"].set_index("model")
    assert fid.loc["dcgan", "seeds"] == "0,1"
    pooled = [dcgan["metrics"]["fid"], dcgan["metrics"]["fid"] + 2.0]
    assert fid.loc["dcgan", "value"] == pytest.approx(sum(pooled) / 2)
    assert fid.loc["dcgan", "±95%"] == pytest.approx(stats.t.ppf(0.975, 1) * stats.sem(pooled))
    assert fid.loc["dcgan-other", "rank"] == 1  # alone in its protocol: ranked there, never against ours
    # dcgan over two seeds and fcgan over one: no test applies (compare says so), so ranked by value, not tied
    ours = fid[fid["protocol"] == dcgan["protocol"]["id"]]
    assert sorted(ours["rank"]) == [1, 2] and not ours["tied"].any()
    assert fid.loc["fcgan", "published"] == 4.07
    assert fid.loc["fcgan", "difference"] == pytest.approx(fid.loc["fcgan", "value"] - 4.07)
    assert "not comparable" in fid.loc["fcgan", "note"]
    assert board[board["metric"] == "params-d"]["rank"].isna().all()  # exact counts are not ranked
    md = (smoke_copy / "leaderboards" / f"{SUITE}.md").read_text()
    assert "## Every metric" in md and "| FID (lower is better) | 1 | dcgan-other |" in md
    assert open(smoke_copy / "leaderboards" / f"{SUITE}-curves.png", "rb").read(8) == PNG


def test_with_no_suite_compare_takes_the_first_suite_holding_every_model():
    from ganbench.suites import suite_for

    assert suite_for(["sagan", "began"]).name == "fashion-mnist64"  # the 64x64 models, on real Fashion-MNIST
    assert suite_for(["dcgan", "fcgan"]).name == "fashion-mnist-quick"  # the default suite holds them
    assert suite_for(["latent2d", "cgan"]).name == "mnist-latent"


def test_models_no_suite_holds_are_refused_before_any_work(tmp_path):
    proc = run_cli("compare", "sagan", "latent2d", "--out", str(tmp_path / "out"))
    assert_one_line_error(proc, "no suite holds all of sagan, latent2d", "sagan: fashion-mnist64",
                          "latent2d: mnist-latent", "--suite")
    assert not (tmp_path / "out").exists()
    proc = run_cli("run", "--models", "began,fcgan", "--out", str(tmp_path / "out"))
    assert_one_line_error(proc, "no suite holds all of began, fcgan")
    assert not (tmp_path / "out").exists()


def test_a_model_of_another_size_is_refused_before_training_or_weights(tmp_path):
    proc = run_cli("compare", "sagan", "began", "--suite", "fashion-mnist-smoke", "--steps", "1",
                   "--out", str(tmp_path / "out"))
    assert_one_line_error(proc, "model 'sagan' supports resolutions [64], not 28 (suite fashion-mnist-smoke)")
    assert "converting" not in proc.stderr and not (tmp_path / "out" / "runs").exists()


def test_models_far_from_the_data_are_said_so_first_and_nothing_is_called_significant(smoke_copy):
    """FC-GAN after 6 steps (untrained) against DC-GAN after 6 (broken: 100 flat grey samples). At 100 images a
    side FID reads over a hundred even between two halves of the real set, so their FID difference, however
    small its bootstrap p-value, lies within FID's bias at these counts."""
    args = ("compare", "fcgan", "dcgan", "--suite", SUITE, "--steps", "6", "--out", str(smoke_copy))
    proc = run_cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["caveats"][0].startswith("every model is far from the real data: FID ")
    assert any("rank-deficient" in c for c in result["caveats"])  # the records' own notes
    (fid,) = {r["metric"]: r for r in result["rows"]}["fid"]["differences"]
    assert fid["significant"] is False and fid["p_value"] is not None
    records = {m: json.loads(next((smoke_copy / "runs" / SUITE).glob(f"{m}-*/record.json")).read_text())
               for m in ("fcgan", "dcgan")}
    halves = records["fcgan"]["real_reference"]
    assert halves["n_each"] == 50 and 0 < halves["fid_between_halves"] < records["fcgan"]["metrics"]["fid"] / 2
    bias = max(halves["fid_between_halves"] * 50 / 100,
               *(r["metrics"]["fid_bootstrap_bias"] for r in records.values()))
    assert abs(fid["difference"]) <= bias and f"(up to {bias:.3g};" in fid["verdict"]

    human = run_cli(*args)
    assert human.returncode == 0, human.stderr
    out = human.stdout
    assert out.index("caveat: every model is far from the real data") < out.index("ganbench compare on")
    assert " better (p" not in out and "not significant: the difference" in out

    # The leaderboard of the same records ranks them alike: tied, not 1 and 2
    board = run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy))
    assert board.returncode == 0, board.stderr
    runs = pd.read_csv(smoke_copy / "leaderboards" / f"{SUITE}.csv")
    assert runs["rank"].tolist() == [1, 1] and runs["tied"].all()
    md = (smoke_copy / "leaderboards" / f"{SUITE}.md").read_text()
    assert "\n| 1= | dcgan |" in md and "\n| 1= | fcgan |" in md
    assert len(re.findall(r"│\s+1= │ (dcgan|fcgan) ", board.stdout)) == 2
    assert "note: fewer samples than feature dimensions" in board.stdout
