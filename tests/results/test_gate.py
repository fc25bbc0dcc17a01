"""The metric table, the published numbers, and `ganbench gate` on real records of the smoke suite."""

from __future__ import annotations

import json
import math

import pytest

from ganbench.core.errors import GanbenchError
from ganbench.metrics.registry import Direction, metric_kind
from ganbench.results.gate import Threshold
from ganbench.results.published import load_published
from ganbench.suites import get_suite
from tests.helpers import assert_one_line_error, baseline_key, run_cli

SUITE = "fashion-mnist-smoke"


def test_metric_directions_come_from_one_table():
    assert metric_kind("fid").better(10.0, 12.0) and not metric_kind("fid").better(12.0, 10.0)
    assert metric_kind("is").better(8.0, 6.0)
    assert metric_kind("ic-strong-error").better(45.0, 30.0) and not metric_kind("ic-strong-error").better(62.0, 45.0)
    assert metric_kind("began-m").direction is Direction.LOWER
    assert metric_kind("began-m@epoch8") is metric_kind("began-m")
    assert metric_kind("kid").value_in({"kid_mean": 0.02, "kid_std": 0.001}) == 0.02
    assert metric_kind("kid").half_width({"kid_mean": 0.02, "kid_std": 0.001}) == pytest.approx(0.00196)
    assert metric_kind("fid").half_width({"fid": 5.0, "fid_ci_low": 4.0, "fid_ci_high": 6.5}) == 1.25
    with pytest.raises(GanbenchError, match="unknown metric 'larger'"):
        metric_kind("larger")
    assert Threshold.parse("2%").allowed(50.0) == pytest.approx(1.0) and Threshold.parse("0.5").allowed(50.0) == 0.5
    with pytest.raises(GanbenchError, match="--max-regression"):
        Threshold.parse("two")


# Every number the five papers publish, read from the papers by hand, as (model, metric, value).
REFERENCE = [
    ("duelgan (Wei et al., ECCV 2022)", "fid", 13.95),
    ("dcgan64", "fid", 148), ("dcgan64", "fid", 183), ("wgan", "fid", 144), ("wgan", "fid", 202),
    ("wgan-improved", "fid", 86), ("wgan-improved", "fid", 102),
    ("*", "aug-real-accuracy", 83.01), ("*", "aug-traditional-accuracy", 88.27),
    ("dcgan64", "aug-accuracy", 92.38), ("wgan", "aug-accuracy", 93.19), ("wgan-improved", "aug-accuracy", 95.39),
    ("wgan-sn", "aug-accuracy", 93.67), ("wgan-sa", "aug-accuracy", 94.94), ("wgan-res", "aug-accuracy", 95.08),
    ("fcgan", "fid", 2.74), ("fcgan", "fid", 4.07), ("fcgan", "fid", 7.83), ("fcgan", "fid", 14.07),
    ("dcgan", "fid", 1.57), ("dcgan", "fid", 38.06), ("dcgan", "fid", 3.20), ("dcgan", "fid", 5.38),
    ("latent2d", "ic-strong-error", 1.5), ("latent3d", "ic-strong-error", 3.2), ("cgan", "ic-strong-error", 0.084),
    ("latent4d", "ic-strong-error", 8.29),
    ("latent4d:relu", "ic-strong-error", 15.61), ("latent4d:leakyrelu", "ic-strong-error", 14.28),
    ("latent4d:prelu", "ic-strong-error", 7.89), ("latent4d:elu", "ic-strong-error", 9.67),
    ("landscape:relu", "ic-strong-error", 11.45), ("landscape:leakyrelu", "ic-strong-error", 9.74),
    ("landscape:prelu", "ic-strong-error", 0.92), ("landscape:elu", "ic-strong-error", 10.61),
    ("latent2d", "params-g", 1101632), ("latent2d", "params-g-trainable", 1076160),
    ("latent2d", "params-g-nontrainable", 25472), ("latent3d", "params-g", 1114176), ("cgan", "params-g", 1114206),
    ("latent4d", "params-g", 1126720), ("latent3d", "params-g-trainable", 1088704),
    ("cgan", "params-g-trainable", 1088734), ("latent4d", "params-g-trainable", 1101248),
    ("cgan", "params-g-nontrainable", 25472), ("latent2d", "params-d", 212865), ("cgan", "params-d", 220705),
    ("landscape", "params-g", 10729344), ("landscape", "params-d", 2563713),
    ("began", "began-m@epoch1", 0.2177), ("began", "began-m@epoch8", 0.0839),
    ("began", "began-k@epoch8", 0.0060),
    ("dcgan", "fid", 48.29), ("dcgan", "is", 6.11), ("wgan-gp", "fid", 53.98), ("wgan-gp", "is", 5.22),
    ("sagan", "fid", 10.35), ("sagan", "is", 8.64), ("sngan", "fid", 5.71), ("wgan-gp", "fid", 22.29),
    ("wgan-gp", "is", 7.33), ("wgan-gp", "kid", 0.0204), ("dcgan", "fid", 28.95), ("dcgan", "fid", 28.12),
    ("(data only)", "fid", 10.3233274),
]


def test_published_csv_holds_every_reference_number():
    pub = load_published()
    assert not pub.empty and pub["value"].map(lambda v: isinstance(v, float)).all()
    for model, metric, value in REFERENCE:
        rows = pub[(pub["model"] == model) & (pub["metric"] == metric)]
        assert (rows["value"] - value).abs().min() < 1e-9, (model, metric, value)
    for metric in pub["metric"]:
        metric_kind(metric)  # every published metric has a direction, a unit and a noise model
    assert pub["source"].str.len().min() > 10 and pub["protocol"].notna().all()
    # Each row says whether it may be compared: "none" (and why), or with what: structural counts, a named
    # suite of ours, or the metric pipeline.
    said = pub["comparable_with"].str
    assert (said.startswith("none") | said.startswith("params") | said.startswith("suite ")
            | said.startswith("pipeline check")).all()
    for suite in pub["comparable_with"][said.startswith("suite ")].str.split().str[1]:
        get_suite(suite)  # a suite that exists


def _gate(out, *args):
    return run_cli("gate", "--suite", SUITE, "--out", str(out), "--baseline", str(out / "baseline.json"), *args)


def _alter_fid(out, model: str, by: float) -> None:
    path = next((out / "runs" / SUITE).glob(f"{model}-*/record.json"))
    record = json.loads(path.read_text())
    for key in ("fid", "fid_ci_low", "fid_ci_high"):
        record["metrics"][key] += by
    path.write_text(json.dumps(record))


def test_gate_passes_unchanged_fails_regression_and_forgives_noise(smoke_copy):
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    baseline = json.loads((smoke_copy / "baseline.json").read_text())
    assert {(e["model"], e["seed"]) for e in baseline["entries"].values()} == {("dcgan", 0), ("fcgan", 0)}
    dcgan = baseline_key(baseline, "dcgan", 0)

    same = _gate(smoke_copy, "--json")
    assert same.returncode == 0, same.stderr
    assert {r["status"] for r in json.loads(same.stdout)["rows"]} == {"unchanged"}

    entry = baseline["entries"][dcgan]["metrics"]
    half_width = (entry["fid_ci_high"] - entry["fid_ci_low"]) / 2
    assert half_width == pytest.approx(1.959964 * entry["fid_bootstrap_std"], rel=1e-6)
    assert half_width > 0.1  # a bootstrap that resamples: FID over these counts varies by more (0.75 measured)
    _alter_fid(smoke_copy, "dcgan", 0.5 * half_width)  # worse, but well inside the combined noise
    noisy = _gate(smoke_copy, "--json", "--max-regression", "0")
    assert noisy.returncode == 0, noisy.stdout
    rows = {r["run"]: r for r in json.loads(noisy.stdout)["rows"]}
    assert rows[dcgan]["status"] == "within noise"

    _alter_fid(smoke_copy, "dcgan", 2 * half_width + 0.05 * entry["fid"])  # beyond the noise and a 2% allowance
    worse = _gate(smoke_copy, "--max-regression", "2%")
    assert worse.returncode == 1, worse.stdout
    assert "regressed" in worse.stdout and dcgan in worse.stdout
    # An absolute allowance larger than the change passes it.
    assert _gate(smoke_copy, "--max-regression", str(3 * entry["fid"])).returncode == 0


def test_gate_refuses_missing_malformed_and_foreign_baselines(smoke_copy):
    assert_one_line_error(_gate(smoke_copy), "baseline file not found")
    (smoke_copy / "baseline.json").write_text("{not json")
    assert_one_line_error(_gate(smoke_copy), "malformed baseline")
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    baseline = json.loads((smoke_copy / "baseline.json").read_text())
    baseline["entries"][baseline_key(baseline, "fcgan", 0)]["protocol_id"] = "0123456789ab"
    (smoke_copy / "baseline.json").write_text(json.dumps(baseline))
    assert_one_line_error(_gate(smoke_copy), "protocol 0123456789ab", "not compared")
    assert_one_line_error(_gate(smoke_copy, "--metric", "larger"), "unknown metric 'larger'")


def test_leaderboard_regenerates_views_and_reports_invalid_records(smoke_copy):
    bad = next((smoke_copy / "runs" / SUITE).glob("fcgan-*/record.json"))
    bad.write_text('{"schema": "ganbench.record/1", "model": "fcgan"')  # truncated
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy))
    assert proc.returncode == 0, proc.stderr
    assert "skipping record" in proc.stderr and "fcgan" in proc.stderr  # reported, not silently dropped
    md = (smoke_copy / "leaderboards" / f"{SUITE}.md").read_text()
    assert "| 1 | dcgan | 0 |" in md and "fcgan" not in md.split("¹")[0]
    png = smoke_copy / "leaderboards" / f"{SUITE}-fid.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((smoke_copy / "leaderboards").glob("*.tmp*"))
    bad.unlink()
    (smoke_copy / "runs" / SUITE / "dcgan-x").mkdir()
    for record in (smoke_copy / "runs" / SUITE).glob("*/record.json"):
        record.unlink()
    assert_one_line_error(run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy)), "no records")


@pytest.mark.parametrize("where", ["baseline", "record"])
@pytest.mark.parametrize("low, high, fragment", [
    (float("-inf"), float("inf"), "is not a finite, non-negative interval"),
    (float("nan"), float("nan"), "is not a finite, non-negative interval"),
    (10.0, 5.0, "is not a finite, non-negative interval"),  # high below low: a negative half-width
    (None, None, "has no noise estimate"),
], ids=["infinite", "nan", "negative", "missing"])
def test_gate_refuses_noise_that_would_forgive_anything(smoke_copy, where, low, high, fragment):
    """An infinite interval once read a 268% regression as 'within noise' and passed the gate."""
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    _alter_fid(smoke_copy, "dcgan", 100.0)
    baseline_path = smoke_copy / "baseline.json"
    record_path = next((smoke_copy / "runs" / SUITE).glob("dcgan-*/record.json"))
    path = baseline_path if where == "baseline" else record_path
    doc = json.loads(path.read_text())
    dcgan = baseline_key(json.loads(baseline_path.read_text()), "dcgan", 0)
    metrics = doc["entries"][dcgan]["metrics"] if where == "baseline" else doc["metrics"]
    for key, value in (("fid_ci_low", low), ("fid_ci_high", high)):
        if value is None:
            metrics.pop(key)
        else:
            metrics[key] = value
    path.write_text(json.dumps(doc))  # Python's json writes Infinity and NaN, as a hand-edited file might hold
    proc = _gate(smoke_copy)
    if where == "record" and any(v is not None and not math.isfinite(v) for v in (low, high)):
        # a record holding a non-finite number is damaged: skipped, and the gate names it as such
        last = assert_one_line_error(proc, f"{dcgan}, whose record {path} is damaged (metric fid_")
        assert "skipping record" in proc.stderr and "fid_ci_low is" in proc.stderr and "not a finite number" in proc.stderr
        return
    last = assert_one_line_error(proc, fragment)
    assert dcgan in last and "fid" in last


def test_gate_refuses_a_baseline_that_names_a_run_without_a_record(smoke_copy):
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    baseline = json.loads((smoke_copy / "baseline.json").read_text())
    baseline["entries"]["wgan/0123abcd/seed7"] = baseline["entries"][baseline_key(baseline, "fcgan", 0)]
    (smoke_copy / "baseline.json").write_text(json.dumps(baseline))
    assert_one_line_error(_gate(smoke_copy), "the baseline gates wgan/0123abcd/seed7, which has no record")


def test_update_baseline_onto_a_folder_is_bad_input(smoke_copy):
    (smoke_copy / "baseline.json").mkdir()
    assert_one_line_error(_gate(smoke_copy, "--update-baseline"), "cannot use", "baseline.json")
    assert (smoke_copy / "baseline.json").is_dir() and not list(smoke_copy.glob(".baseline.json.*"))


@pytest.mark.parametrize("key, value, reason", [("training", [6], "training is not an object"),
                                               ("curve", {"n_fake": 50, "points": [{"step": 3}]}, "curve malformed")])
def test_leaderboard_skips_a_record_whose_training_or_curve_is_malformed(smoke_copy, key, value, reason):
    path = next((smoke_copy / "runs" / SUITE).glob("fcgan-*/record.json"))
    record = json.loads(path.read_text())
    record[key] = value
    path.write_text(json.dumps(record))
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy))
    assert proc.returncode == 0, proc.stderr
    assert "skipping record" in proc.stderr and reason in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("fid", ["182.3", [1.0], True, float("nan")], ids=["string", "list", "bool", "nan"])
def test_leaderboard_skips_a_record_whose_fid_is_not_a_number(smoke_copy, fid):
    """A hand-edited record: reported and left out, never ranked or an internal error."""
    path = next((smoke_copy / "runs" / SUITE).glob("fcgan-*/record.json"))
    record = json.loads(path.read_text())
    record["metrics"]["fid"] = fid
    path.write_text(json.dumps(record))
    proc = run_cli("leaderboard", "--suite", SUITE, "--out", str(smoke_copy))
    assert proc.returncode == 0, proc.stderr
    assert "skipping record" in proc.stderr and "fid" in proc.stderr and "Traceback" not in proc.stderr
    md = (smoke_copy / "leaderboards" / f"{SUITE}.md").read_text()
    assert "| 1 | dcgan | 0 |" in md and "fcgan" not in md.split("¹")[0]


def test_the_smoke_suites_kid_noise_is_measured_and_the_gate_uses_it(smoke_copy):
    """100 samples a side: KID's subsets take 50 of them, so they differ and their spread is a noise estimate.
    (Subsets of all 100 were the same set every time, and the gate allowed a noise of 0 + 5e-07.)"""
    record = json.loads(next((smoke_copy / "runs" / SUITE).glob("dcgan-*/record.json")).read_text())
    assert record["protocol"]["settings"]["kid_subset_size"] == 50
    assert "KID subset size lowered from 1000 to 50 (half of the 100 samples, so that its subsets differ)" \
        in record["notes"]
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    proc = _gate(smoke_copy, "--metrics", "kid", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [r["status"] for r in rows] == ["unchanged", "unchanged"]
    assert all(r["noise"] > 1e-3 for r in rows), rows


def test_the_gate_refuses_to_judge_kid_without_a_noise_estimate(smoke_copy):
    """A record of fewer than 4 samples holds KID without a standard deviation (null): the gate says so in one
    line instead of allowing a noise of zero."""
    assert _gate(smoke_copy, "--update-baseline").returncode == 0
    path = next((smoke_copy / "runs" / SUITE).glob("fcgan-*/record.json"))
    record = json.loads(path.read_text())
    record["metrics"]["kid_std"] = None
    path.write_text(json.dumps(record))
    last = assert_one_line_error(_gate(smoke_copy, "--metrics", "kid"), "kid has no noise estimate",
                                 "does not judge it")
    assert baseline_key(json.loads((smoke_copy / "baseline.json").read_text()), "fcgan", 0) in last
