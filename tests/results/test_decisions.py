"""The gate's verdicts and the boards' ranks on the committed fashion-mnist records, in the fast lane: each
decision against a value worked out here by hand, never against what the code under test printed before."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from ganbench.core.contracts import Record
from ganbench.core.errors import EXIT_OK, EXIT_REGRESSION, GanbenchError
from ganbench.metrics.protocol import metric_protocol_id
from ganbench.metrics.registry import metric_kind
from ganbench.results import compare, gate, leaderboard
from ganbench.results.published import load_published
from ganbench.results.significance import estimate
from ganbench.suites import get_suite
from tests.helpers import committed_records

_records = committed_records


def _dcgan0() -> dict:
    return next(d for d in _records() if d["model"] == "dcgan" and d["seed"] == 0)


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
    base = _dcgan0()
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
    ("kid", {"kid_mean": 0.020, "kid_std": 0.001}, {"kid_mean": 0.0170, "kid_std": 0.001}, "improved"),
    # augmentation accuracy, higher is better, a binomial interval: noise hypot(2, 2) = 2.83 points
    ("aug-accuracy", {"aug_accuracy": 80.0, "aug_accuracy_ci_low": 78.0, "aug_accuracy_ci_high": 82.0},
     {"aug_accuracy": 77.5, "aug_accuracy_ci_low": 75.5, "aug_accuracy_ci_high": 79.5}, "within noise"),
    ("aug-accuracy", {"aug_accuracy": 80.0, "aug_accuracy_ci_low": 78.0, "aug_accuracy_ci_high": 82.0},
     {"aug_accuracy": 77.0, "aug_accuracy_ci_low": 75.0, "aug_accuracy_ci_high": 79.0}, "regressed"),
    ("aug-accuracy", {"aug_accuracy": 80.0, "aug_accuracy_ci_low": 78.0, "aug_accuracy_ci_high": 82.0},
     {"aug_accuracy": 83.0, "aug_accuracy_ci_low": 81.0, "aug_accuracy_ci_high": 85.0}, "improved"),
    # the strong classifier's error, best at 50%, a binomial interval: 45 -> 52 is 2 points closer, within
    # hypot(3, 3) = 4.24
    ("ic-strong-error", {"ic_strong_error": 45.0, "ic_strong_error_ci_low": 42.0, "ic_strong_error_ci_high": 48.0},
     {"ic_strong_error": 52.0, "ic_strong_error_ci_low": 49.0, "ic_strong_error_ci_high": 55.0}, "within noise"),
])
def test_the_gate_judges_each_direction_and_noise_kind(metric, before, after, status):
    assert _gate_one(metric, before, after).status == status


def test_the_gate_judges_closeness_to_50_percent_both_ways():
    """The strong classifier's error is better near 50%: from 40% to 58% is 2 points worse; to 55%, 5 better."""
    key = "ic-strong-error"
    kind = metric_kind(key)
    assert kind.worsening(40.0, 58.0) == pytest.approx(-2.0) and kind.worsening(40.0, 62.0) == pytest.approx(2.0)
    base = _dcgan0()["metrics"]
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
    base = _dcgan0()
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


# The gate's rows and refusals, in-process: every field of a row, and each refusal's message in full.

def _run(d: dict, **metrics) -> Record:
    d = copy.deepcopy(d)
    d["metrics"].update(metrics)
    return Record.from_dict(d)


def test_a_gate_row_holds_each_number_it_judged():
    before = {"fid": 20.0, "fid_ci_low": 19.0, "fid_ci_high": 21.0}
    after = {"fid": 22.5, "fid_ci_low": 22.0, "fid_ci_high": 23.0}
    baseline = gate.make_baseline({"dcgan/seed0": _run(_dcgan0(), **before)}, "fashion-mnist")
    newcomer = _run(_dcgan0(), seed=5)
    rows = gate.compare(baseline, {"dcgan/seed0": _run(_dcgan0(), **after), "dcgan/seed5": newcomer},
                        [metric_kind("fid"), metric_kind("kid")], gate.Threshold.parse("5%"))
    noise = (1.0 ** 2 + 0.5 ** 2) ** 0.5
    # worse by 2.5, beyond the allowed 5% of 20 (1.0) plus the noise, hypot(1.0, 0.5) = 1.118
    assert rows[0] == gate.GateRow("dcgan/seed0", "fid", 20.0, 22.5, 2.5, 1.0, pytest.approx(noise), "regressed")
    assert rows[1].run == "dcgan/seed0" and rows[1].metric == "kid" and rows[1].status == "unchanged"
    assert rows[2] == gate.GateRow("dcgan/seed5", "fid,kid", None, None, None, None, None, "new (not gated)")
    assert gate.exit_code(rows) == EXIT_REGRESSION == 1
    assert gate.exit_code(rows[1:]) == EXIT_OK == 0


def test_a_baseline_holds_the_schema_suite_time_and_each_runs_numbers():
    record = Record.from_dict(_dcgan0())
    b = gate.make_baseline({"dcgan/seed0": record}, "fashion-mnist")
    assert (b["schema"], b["suite"]) == ("ganbench.baseline/2", "fashion-mnist")
    made = datetime.fromisoformat(b["created"])
    assert made.tzinfo == timezone.utc and abs((datetime.now(timezone.utc) - made).total_seconds()) < 60
    entry = b["entries"]["dcgan/seed0"]
    assert (entry["model"], entry["seed"]) == ("dcgan", 0)
    assert entry["protocol_id"] == record.protocol_id and entry["record_created"] == record.created
    assert entry["metrics"] == {k: v for k, v in record.metrics.items() if isinstance(v, (int, float))}
    assert set(entry["metric_protocol_ids"]) == {"kid", "precision", "recall", "density", "coverage"}
    with pytest.raises(GanbenchError, match=r"^no records for suite s: run `ganbench run --suite s` first$"):
        gate.make_baseline({}, "s")


def test_the_gate_names_the_run_a_missing_or_damaged_record_belongs_to(tmp_path):
    baseline = gate.make_baseline({"dcgan/seed12": _run(_dcgan0(), seed=12)}, "fashion-mnist")
    judge = [metric_kind("fid")], gate.Threshold.parse("0")
    damaged = {tmp_path / "dcgan-seed1-aaaa0000" / "record.json": "unreadable (JSONDecodeError)",
               tmp_path / "dcgan-seed12-bbbb1111" / "record.json": "missing metrics",
               tmp_path / "dcgan-seed120-cccc2222" / "record.json": "unreadable (OSError)"}
    with pytest.raises(GanbenchError) as e:
        gate.compare(baseline, {}, *judge, damaged)
    assert str(e.value) == (f"the baseline gates dcgan/seed12, whose record {tmp_path}/dcgan-seed12-bbbb1111/"
                            "record.json is damaged (missing metrics): score the run again (`ganbench run`) or "
                            "restore the file")
    one = gate.make_baseline({"dcgan/seed1": _run(_dcgan0(), seed=1)}, "fashion-mnist")
    with pytest.raises(GanbenchError, match=r"^the baseline gates dcgan/seed1, whose record .*dcgan-seed1-aaaa0000/"
                                            r"record.json is damaged \(unreadable \(JSONDecodeError\)\)"):
        gate.compare(one, {}, *judge, damaged)
    odd = {"schema": one["schema"], "suite": one["suite"], "entries": {"dcgan/latest": one["entries"]["dcgan/seed1"]}}
    with pytest.raises(GanbenchError, match=r"^the baseline gates dcgan/latest, which has no record"):
        gate.compare(odd, {}, *judge, damaged)  # a key not of ganbench's form: no run folder to look for
    only_others = {p: why for p, why in damaged.items() if "seed12-" not in str(p)}
    with pytest.raises(GanbenchError, match=r"^the baseline gates dcgan/seed12, which has no record: run it, or "
                                            r"update the baseline$"):
        gate.compare(baseline, {}, *judge, only_others)
    # A run keyed as this version keys it, model/configuration/seedN: its model and seed find its folder.
    keyed = {"schema": one["schema"], "suite": one["suite"],
             "entries": {"dcgan/0123abcd/seed1": one["entries"]["dcgan/seed1"]}}
    with pytest.raises(GanbenchError, match=r"^the baseline gates dcgan/0123abcd/seed1, whose record .*"
                                            r"dcgan-seed1-aaaa0000/record.json is damaged"):
        gate.compare(keyed, {}, *judge, damaged)


def test_the_gate_refuses_what_it_cannot_judge_in_one_sentence_each():
    d = _dcgan0()
    judge = gate.Threshold.parse("0")
    baseline = gate.make_baseline({"dcgan/seed0": Record.from_dict(d)}, "fashion-mnist")
    other = copy.deepcopy(d)
    other["protocol"]["id"] = "0123456789ab"
    with pytest.raises(GanbenchError) as e:
        gate.compare(baseline, {"dcgan/seed0": Record.from_dict(other)}, [metric_kind("fid")], judge)
    assert str(e.value) == (f"dcgan/seed0: the baseline's protocol {d['protocol']['id']} is not the record's "
                            "0123456789ab; numbers of different protocols are not compared (update the baseline if "
                            "the change of protocol is intended)")
    broken = copy.deepcopy(baseline)
    broken["entries"]["dcgan/seed0"]["metrics"]["fid"] = "abc"
    with pytest.raises(GanbenchError) as e:
        gate.compare(broken, {"dcgan/seed0": Record.from_dict(d)}, [metric_kind("fid")], judge)
    assert str(e.value) == ("malformed baseline: dcgan/seed0's fid is 'abc', not a finite number (restore the file, "
                            "or write it again with --update-baseline)")
    for where, entry_metrics, record_metrics in (("the baseline", {"is_mean": None}, {"is_mean": 9.0}),
                                                 ("the record", {"is_mean": 9.0}, {})):
        b = copy.deepcopy(baseline)
        b["entries"]["dcgan/seed0"]["metrics"].update(entry_metrics)
        with pytest.raises(GanbenchError) as e:
            gate.compare(b, {"dcgan/seed0": _run(d, **record_metrics)}, [metric_kind("is")], judge)
        assert str(e.value) == (f"dcgan/seed0: is is not in {where} (gate the metrics both were scored with, or "
                                "update the baseline)")


def test_the_gate_refuses_a_missing_or_impossible_noise_estimate():
    d = _dcgan0()
    judge = gate.Threshold.parse("0")
    baseline = gate.make_baseline({"dcgan/seed0": Record.from_dict(d)}, "fashion-mnist")
    fid = metric_kind("fid")
    no_spread = copy.deepcopy(d)
    del no_spread["metrics"]["fid_ci_high"]
    with pytest.raises(GanbenchError) as e:
        gate.compare(baseline, {"dcgan/seed0": Record.from_dict(no_spread)}, [fid], judge)
    assert str(e.value).startswith("the record of dcgan/seed0: fid has no noise estimate (fid_ci_low, fid_ci_high "
                                   "not recorded), so the gate cannot tell a regression from noise")
    flagged = copy.deepcopy(baseline)
    flagged["entries"]["dcgan/seed0"]["metrics"]["fid_ci_low"] = True  # a bool is not a bound
    with pytest.raises(GanbenchError, match=r"^the baseline's dcgan/seed0: fid has no noise estimate"):
        gate.compare(flagged, {"dcgan/seed0": Record.from_dict(d)}, [fid], judge)
    low = d["metrics"]["fid_ci_low"]
    for bad in ({"fid_ci_high": float("inf")}, {"fid_ci_high": low - 1.0}):
        b = copy.deepcopy(baseline)
        b["entries"]["dcgan/seed0"]["metrics"].update(bad)
        high = bad["fid_ci_high"]
        with pytest.raises(GanbenchError) as e:
            gate.compare(b, {"dcgan/seed0": Record.from_dict(d)}, [fid], judge)
        assert str(e.value) == (f"the baseline's dcgan/seed0: fid's noise (fid_ci_low={low}, fid_ci_high={high}) is "
                                "not a finite, non-negative interval")
    exact = {"fid": 20.0, "fid_ci_low": 20.0, "fid_ci_high": 20.0}  # a zero-width interval is an interval
    (row,) = gate.compare(gate.make_baseline({"dcgan/seed0": _run(d, **exact)}, "fashion-mnist"),
                          {"dcgan/seed0": _run(d, **exact)}, [fid], judge)
    assert (row.noise, row.status) == (0.0, "unchanged")


def test_the_gate_says_which_settings_differ_and_how_to_go_on():
    base = _dcgan0()
    baseline = gate.make_baseline({"dcgan/seed0": Record.from_dict(base)}, "fashion-mnist")
    changed = _other_kid_subset_size(base)
    kid = metric_kind("kid")
    with pytest.raises(GanbenchError) as e:
        gate.compare(baseline, {"dcgan/seed0": Record.from_dict(changed)}, [kid], gate.Threshold.parse("0"))
    theirs = baseline["entries"]["dcgan/seed0"]["metric_protocol_ids"]["kid"]
    ours = metric_protocol_id(kid, changed["protocol"])
    subsets = base["protocol"]["settings"]["kid_subsets"]
    assert str(e.value) == (f"dcgan/seed0: kid was scored with other settings than the baseline's (protocol {theirs}, "
                            f"this record's {ours}: kid_subsets {subsets}, kid_subset_size 500); numbers of different "
                            "settings are not compared (update the baseline if the change is intended)")
    del baseline["entries"]["dcgan/seed0"]["metric_protocol_ids"]
    with pytest.raises(GanbenchError) as e:
        gate.compare(baseline, {"dcgan/seed0": Record.from_dict(base)}, [kid], gate.Threshold.parse("0"))
    assert str(e.value) == ("dcgan/seed0: the baseline does not record the settings its kid was scored with, so it "
                            "cannot be judged against this record's (write the baseline again with "
                            "--update-baseline)")


@pytest.mark.parametrize("text, amount, relative, shown", [
    ("2%", 0.02, True, "2%"), (" 0.5 ", 0.5, False, "0.5"), ("0", 0.0, False, "0"), ("150%", 1.5, True, "150%")])
def test_an_allowed_regression_is_a_number_or_a_percentage(text, amount, relative, shown):
    t = gate.Threshold.parse(text)
    assert (t.amount, t.relative, str(t)) == (pytest.approx(amount), relative, shown)
    assert t.allowed(-40.0) == pytest.approx(amount * 40.0 if relative else amount)


@pytest.mark.parametrize("text, message", [
    ("two", "--max-regression takes a number or a percentage such as 2%, got 'two'"),
    ("x%", "--max-regression takes a number or a percentage such as 2%, got 'x%'"),
    ("-1", "--max-regression must be a non-negative number, got '-1'"),
    ("inf", "--max-regression must be a non-negative number, got 'inf'"),
    ("nan%", "--max-regression must be a non-negative number, got 'nan%'"),
    ("5X%", "--max-regression takes a number or a percentage such as 2%, got '5X%'")])
def test_an_allowed_regression_that_is_not_one_is_refused(text, message):
    with pytest.raises(GanbenchError) as e:
        gate.Threshold.parse(text)
    assert str(e.value) == message


def _estimates(fids: list[tuple[float, float]]) -> list:
    """FID estimates of single runs, (value, bootstrap standard error) each, as the board reads them."""
    kind = metric_kind("fid")
    return [estimate(kind, [{"fid": v, "fid_ci_low": v - 1.96 * se, "fid_ci_high": v + 1.96 * se,
                             "fid_bootstrap_std": se}]) for v, se in fids]


def test_runs_not_told_apart_share_a_rank_and_the_next_one_counts_them():
    """20.0 and 20.5 with standard errors of 1: z = 0.35, no difference; 30.0 is 7 errors away: a new rank, 3
    (two rows rank before it). A row without an estimate is ranked by its place, never tied."""
    fid = metric_kind("fid")
    assert leaderboard.tied_ranks(fid, _estimates([(20.0, 1.0), (20.5, 1.0), (30.0, 1.0)])) == [
        (1, True), (1, True), (3, False)]
    assert leaderboard.tied_ranks(fid, _estimates([(20.0, 1.0), (30.0, 1.0), (30.2, 1.0)])) == [
        (1, False), (2, True), (2, True)]
    # a row without an estimate starts a new group: what follows is compared with it, so no test applies
    assert leaderboard.tied_ranks(fid, [*_estimates([(20.0, 1.0)]), None, *_estimates([(20.1, 1.0)])]) == [
        (1, False), (2, False), (3, False)]
    assert leaderboard.tied_ranks(fid, [None, *_estimates([(20.0, 1.0)])]) == [(1, False), (2, False)]


def test_the_runs_table_ties_two_runs_within_their_noise():
    d = _dcgan0()
    twin = copy.deepcopy(d)
    twin["seed"] = 7
    for key in ("fid", "fid_ci_low", "fid_ci_high"):
        twin["metrics"][key] += 0.01
    nameless = copy.deepcopy(d)  # a run whose FID has no interval: ranked, with no half-width to show
    nameless["seed"] = 8
    for key in ("fid_ci_low", "fid_ci_high", "fid_bootstrap_std"):
        del nameless["metrics"][key]
    nameless["metrics"]["fid"] = 500.0
    df = leaderboard.table([Record.from_dict(x) for x in (d, twin, nameless)], get_suite("fashion-mnist"),
                           load_published())
    assert df[["seed", "rank", "tied"]].values.tolist() == [[0, 1, True], [7, 1, True], [8, 3, False]]
    assert pd.isna(df.loc[2, "FID ±95%"])


def test_the_every_metric_tables_ranks_are_integers_and_ties_booleans():
    records = [Record.from_dict(d) for d in _records()]
    df = leaderboard.metric_table(records, get_suite("fashion-mnist"), load_published())
    assert str(df["rank"].dtype) == "Int64" and str(df["tied"].dtype) == "boolean"
    density = df[df["metric"] == "density"]  # 0.53 ± 0.09 against 0.49 ± 0.15 over 3 seeds: not told apart
    assert density["rank"].tolist() == [1, 1] and density["tied"].tolist() == [True, True]
    fid = df[df["metric"] == "fid"]  # 26 ± 4 against 118 ± 15: told apart
    assert fid["rank"].tolist() == [1, 2] and fid["tied"].tolist() == [False, False]


def test_a_note_joins_the_features_and_the_published_protocol():
    records = [Record.from_dict(d) for d in _records()]
    published = pd.DataFrame([{"source": "a paper", "model": "dcgan", "dataset": "Fashion-MNIST",
                               "resolution": "28x28x1", "metric": "precision", "value": 0.6, "protocol": "theirs",
                               "comparable_with": "ganbench 3ab8ca38e81e"}])
    df = leaderboard.metric_table(records, get_suite("fashion-mnist"), published)
    row = df[(df["metric"] == "precision") & (df["model"] == "dcgan")].iloc[0]
    assert row["note"] == "Inception pool3 features (no VGG16 weights); comparable with ganbench 3ab8ca38e81e"
    assert row["difference"] == pytest.approx(row["value"] - 0.6)


def _runs_of_two_configurations(tmp_path):
    """dcgan seed 0 as committed, and again at another learning rate (a second configuration of the same model and
    seed), in a runs/ folder."""
    from ganbench.pipeline.records import write_record

    first = _dcgan0()
    second = copy.deepcopy(first)
    second["config"]["hparams"]["lr_g"] = 1e-4
    second["created"] = "2030-01-01T00:00:00+00:00"
    runs = tmp_path / "runs"
    for name, d in (("dcgan-seed0-aaaa0000", first), ("dcgan-seed0-bbbb1111", second)):
        write_record(runs / "fashion-mnist" / name, Record.from_dict(d))
    return runs, first, second


def test_two_configurations_of_one_model_and_seed_are_gated_apart(tmp_path):
    runs, first, second = _runs_of_two_configurations(tmp_path)
    newest = gate.newest_records(runs, "fashion-mnist")
    assert len(newest) == 2 and {r.config["hparams"]["lr_g"] for r in newest.values()} == {2e-4, 1e-4}
    baseline = gate.make_baseline(newest, "fashion-mnist")
    assert [(e["model"], e["seed"]) for e in baseline["entries"].values()] == [("dcgan", 0)] * 2
    # The second configuration gets worse by far more than its noise; the first is untouched.
    key = next(k for k, r in newest.items() if r.config["hparams"]["lr_g"] == 1e-4)
    fid = newest[key].metrics["fid"]
    newest[key] = Record.from_dict({**second, "metrics": {**second["metrics"], "fid": fid + 50,
                                                          "fid_ci_low": second["metrics"]["fid_ci_low"] + 50,
                                                          "fid_ci_high": second["metrics"]["fid_ci_high"] + 50}})
    rows = {r.run: r.status for r in gate.compare(baseline, newest, [metric_kind("fid")], gate.Threshold(0, False))}
    assert rows == {key: "regressed", next(k for k in newest if k != key): "unchanged"}


def test_a_baseline_keyed_by_model_and_seed_still_gates_and_says_so(tmp_path, capfd):
    runs, first, _ = _runs_of_two_configurations(tmp_path)
    (runs / "fashion-mnist" / "dcgan-seed0-bbbb1111" / "record.json").unlink()  # one configuration: matched
    record = Record.from_dict(first)
    old = {"schema": "ganbench.baseline/1", "suite": "fashion-mnist", "created": "2026-11-01T00:00:00+00:00",
           "entries": {"dcgan/seed0": {"protocol_id": record.protocol_id, "record_created": record.created,
                                       "metrics": {k: v for k, v in first["metrics"].items()
                                                   if isinstance(v, (int, float))}}}}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(old))
    loaded = gate.load_baseline(path, "fashion-mnist")
    assert "written by an older ganbench" in capfd.readouterr().err
    (row,) = gate.compare(loaded, gate.newest_records(runs, "fashion-mnist"), [metric_kind("fid")],
                          gate.Threshold(0, False))
    assert (row.run, row.status) == ("dcgan/seed0", "unchanged")
    runs, _, _ = _runs_of_two_configurations(tmp_path / "again")  # two configurations: which one is not known
    with pytest.raises(GanbenchError, match="^dcgan/seed0 has runs of two configurations, and the baseline, written "
                                            "by an older ganbench, does not say which it gates: write it again "
                                            "with --update-baseline$"):
        gate.compare(loaded, gate.newest_records(runs, "fashion-mnist"), [metric_kind("fid")],
                     gate.Threshold(0, False))
