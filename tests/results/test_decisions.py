"""The gate's verdicts and the boards' ranks on the committed fashion-mnist records, in the fast lane: each
decision against a value worked out here by hand, never against what the code under test printed before."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ganbench.core.contracts import Record
from ganbench.core.errors import GanbenchError
from ganbench.metrics.registry import metric_kind
from ganbench.results import compare, gate, leaderboard
from ganbench.results.published import load_published
from ganbench.suites import get_suite

KEPT = Path(__file__).resolve().parents[2] / "leaderboards" / "records" / "fashion-mnist"


def _records() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(KEPT.glob("*.json"))]


def test_every_committed_record_round_trips_unchanged():
    """Every key and value comes back as the file has it; a field newer than the file (its real halves' FID) comes
    back as null, and a second round trip is the identity."""
    for d in _records():
        record = Record.from_dict(d)
        written = json.loads(record.to_json())
        assert {k: written[k] for k in d} == d
        assert all(written[k] is None for k in set(written) - set(d)), set(written) - set(d)
        assert Record.from_dict(written) == record and json.loads(Record.from_dict(written).to_json()) == written


def _gate_one(metric: str, before: dict, after: dict, threshold: str = "0") -> gate.GateRow:
    """The gate on one run whose baseline holds `before` and whose record holds `after` (raw metric keys)."""
    base = next(d for d in _records() if d["model"] == "dcgan" and d["seed"] == 0)
    then, now = copy.deepcopy(base), copy.deepcopy(base)
    then["metrics"].update(before)
    now["metrics"].update(after)
    baseline = gate.make_baseline({"dcgan/seed0": Record.from_dict(then)}, "fashion-mnist")
    (row,) = gate.compare(baseline, {"dcgan/seed0": Record.from_dict(now)}, [metric_kind(metric)],
                          gate.Threshold.parse(threshold))
    return row


@pytest.mark.parametrize("metric, before, after, status", [
    # FID, lower is better: noise = hypot of the two 95% half-widths, here 1.0 and 1.0 -> 1.414
    ("fid", {"fid": 20.0, "fid_ci_low": 19.0, "fid_ci_high": 21.0},
     {"fid": 21.5, "fid_ci_low": 20.5, "fid_ci_high": 22.5}, "regressed"),  # worse by 1.5 > 1.414
    ("fid", {"fid": 20.0, "fid_ci_low": 19.0, "fid_ci_high": 21.0},
     {"fid": 21.4, "fid_ci_low": 20.4, "fid_ci_high": 22.4}, "within noise"),  # 1.4 < 1.414
    ("fid", {"fid": 20.0, "fid_ci_low": 19.0, "fid_ci_high": 21.0},
     {"fid": 18.5, "fid_ci_low": 17.5, "fid_ci_high": 19.5}, "improved"),
    # precision, higher is better: no recorded noise, so any fall is a regression
    ("precision", {"precision": 0.6}, {"precision": 0.59}, "regressed"),
    ("precision", {"precision": 0.6}, {"precision": 0.61}, "improved"),
    ("precision", {"precision": 0.6}, {"precision": 0.6}, "unchanged"),
    # KID: noise 1.96 x std each, hypot(1.96 * 0.001, 1.96 * 0.001) = 0.00277
    ("kid", {"kid_mean": 0.020, "kid_std": 0.001}, {"kid_mean": 0.0225, "kid_std": 0.001}, "within noise"),
    ("kid", {"kid_mean": 0.020, "kid_std": 0.001}, {"kid_mean": 0.0230, "kid_std": 0.001}, "regressed"),
])
def test_the_gate_judges_each_direction_and_noise_kind(metric, before, after, status):
    assert _gate_one(metric, before, after).status == status


def test_the_gate_judges_closeness_to_50_percent_both_ways():
    """The strong classifier's error is better near 50%: from 40% to 58% is 2 points worse; to 55%, 5 better."""
    key = "ic-strong-error"
    kind = metric_kind(key)
    assert kind.worsening(40.0, 58.0) == pytest.approx(-2.0) and kind.worsening(40.0, 62.0) == pytest.approx(2.0)
    base = next(d for d in _records() if d["model"] == "dcgan" and d["seed"] == 0)["metrics"]
    spread = {k: base[k] for k in kind.spread_keys}
    noise = kind.half_width(base) * 2 ** 0.5
    assert noise > 0
    far = 40.0 + noise + 1.0  # its distance from 50% shrinks by more than the noise: better
    assert _gate_one(key, {kind.value_key or key: 40.0, **spread}, {kind.value_key or key: far, **spread}).status \
        == "improved"
    beyond = 60.0 + noise + 0.5  # 10 + noise + 0.5 from 50%, against 10 before: worse beyond the noise
    assert _gate_one(key, {kind.value_key or key: 40.0, **spread}, {kind.value_key or key: beyond, **spread}).status \
        == "regressed"


def test_the_allowed_regression_is_added_to_the_noise():
    before = {"fid": 20.0, "fid_ci_low": 19.0, "fid_ci_high": 21.0}
    after = {"fid": 21.5, "fid_ci_low": 20.5, "fid_ci_high": 22.5}  # worse by 1.5, noise 1.414
    assert _gate_one("fid", before, after, "0.1").status == "within noise"  # 1.5 <= 0.1 + 1.414
    assert _gate_one("fid", before, after, "0.5%").status == "within noise"  # 0.1 of 20, the same
    assert _gate_one("fid", before, after, "0.05").status == "regressed"


def test_no_board_ranks_two_protocol_ids_together():
    """Two runs scored under another protocol id are ranked among themselves (1 and 2), never between ours."""
    records = [Record.from_dict(d) for d in _records()]
    other = []
    for d in _records()[:2]:  # dcgan seeds 0 and 1, as if scored under another protocol
        d["protocol"]["id"] = "0123456789ab"
        d["model"] = "dcgan-elsewhere"
        other.append(Record.from_dict(d))
    suite = get_suite("fashion-mnist")
    runs = leaderboard.table(records + other, suite, load_published())
    theirs, ours = runs[runs["protocol"] == "0123456789ab"], runs[runs["protocol"] != "0123456789ab"]
    assert sorted(theirs["rank"]) == [1, 2] and sorted(ours["rank"]) == [1, 2, 3, 4, 5, 6]
    metrics = leaderboard.metric_table(records + other, suite, load_published())
    fid = metrics[metrics["metric"] == "fid"]
    assert fid[fid["protocol"] == "0123456789ab"]["rank"].tolist() == [1]
    assert sorted(fid[fid["protocol"] != "0123456789ab"]["rank"].tolist()) == [1, 2]


def _other_kid_subset_size(d: dict, size: int = 500) -> dict:
    d = copy.deepcopy(d)
    d["protocol"]["settings"]["kid_subset_size"] = size
    return d


def test_no_board_ranks_or_averages_kids_of_two_subset_sizes_together():
    """KID scored with another subset size, under the same protocol id: its KID is a row of its own, ranked among
    its kind, never averaged with the seeds of the first size; its FID still ranks with the others'."""
    ds = _records()
    fcgan = [d for d in ds if d["model"] == "fcgan"]
    records = [Record.from_dict(d) for d in ds if d["model"] == "dcgan"]
    records += [Record.from_dict(d) for d in fcgan[:1]] + [Record.from_dict(_other_kid_subset_size(d))
                                                           for d in fcgan[1:]]
    metrics = leaderboard.metric_table(records, get_suite("fashion-mnist"), load_published())
    kid = metrics[metrics["metric"] == "kid"]
    assert sorted(zip(kid["model"], kid["seeds"], kid["rank"])) == [("dcgan", "0,1,2", 1), ("fcgan", "0", 2),
                                                                     ("fcgan", "1,2", 1)]
    assert kid["protocol"].nunique() == 2 and all(p.startswith(records[0].protocol_id + "/kid-")
                                                  for p in kid["protocol"])
    fid = metrics[metrics["metric"] == "fid"]
    assert sorted(zip(fid["model"], fid["rank"])) == [("dcgan", 1), ("fcgan", 2)]
    assert set(fid["protocol"]) == {records[0].protocol_id}


def test_the_gate_refuses_a_kid_of_other_settings_than_its_baseline():
    base = next(d for d in _records() if d["model"] == "dcgan" and d["seed"] == 0)
    baseline = gate.make_baseline({"dcgan/seed0": Record.from_dict(base)}, "fashion-mnist")
    now = {"dcgan/seed0": Record.from_dict(_other_kid_subset_size(base))}
    with pytest.raises(GanbenchError, match="kid was scored with other settings than the baseline's.*"
                                            "kid_subset_size 500"):
        gate.compare(baseline, now, [metric_kind("kid")], gate.Threshold.parse("0"))
    (row,) = gate.compare(baseline, now, [metric_kind("fid")], gate.Threshold.parse("0"))  # FID has no settings
    assert row.status == "unchanged"
    del baseline["entries"]["dcgan/seed0"]["metric_protocol_ids"]  # a baseline from before they were recorded
    with pytest.raises(GanbenchError, match="does not record the settings its kid was scored with"):
        gate.compare(baseline, {"dcgan/seed0": Record.from_dict(base)}, [metric_kind("kid")],
                     gate.Threshold.parse("0"))


def test_compare_leaves_out_a_metric_scored_with_other_settings_and_says_so():
    ds = _records()
    records = {"dcgan": [Record.from_dict(d) for d in ds if d["model"] == "dcgan"],
               "fcgan": [Record.from_dict(_other_kid_subset_size(d)) for d in ds if d["model"] == "fcgan"]}
    c = compare.build(records, "fashion-mnist")
    shown = {row.kind.key for row in c.rows}
    assert "kid" not in shown and "fid" in shown
    assert any(note.startswith("KID not compared: the runs were scored with different settings") for note in c.caveats)
