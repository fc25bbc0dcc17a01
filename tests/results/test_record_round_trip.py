"""Records come back as they were written: every field, notes, curve, training and unknown keys included, through
`to_json`/`from_json`, through the file ganbench writes and the readers that build boards and gates from it."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ganbench.core.contracts import Curve, Record, RunConfig, Training
from ganbench.core.errors import GanbenchError
from ganbench.metrics.result import ScoreResult
from ganbench.pipeline import records as records_module
from ganbench.pipeline.records import RECORD, board_records, keep_records, run_records, write_record

FULL = {
    "schema": "ganbench.record/1", "model": "dcgan", "family": "dcgan", "source": "McGinney et al.",
    "suite": "fashion-mnist", "seed": 2, "created": "2026-12-07T21:00:00.000001+00:00",
    "metrics": {"fid": 26.5, "fid_ci_low": 25.0, "fid_ci_high": 28.0, "fid_bootstrap_std": 0.77, "kid_mean": 0.0149,
                "kid_std": None, "ic_weak_error_detail": {"epochs": 3}},
    "samples": {"real": 100, "fake": 120},
    "protocol": {"id": "abcf9f92b16c", "n_fake": 120, "n_real": 100, "settings": {"kid_subset_size": 50},
                 "metrics": ["fid", "kid"], "seed": 2},
    "weights": {"sha256": "f" * 64, "path": "/w/pt_inception.pth"},
    "precision_check": {"precision": "exact"},
    "notes": ["fewer samples than feature dimensions (100 < 2048)", "KID subset size lowered from 1000 to 50"],
    "real_features_cached": True,
    "real_reference": {"fid_between_halves": 12.5, "n_each": 50},
    "training": {"steps": 40, "batch_size": 16, "epochs": 0.5, "params_g": 1000, "params_d": 900,
                 "params_g_keras": 1100, "convergence": {"m_final": 0.1}, "began_k_final": 0.02},
    "curve": {"n_fake": 60, "n_real": 100, "points": [{"step": 20, "epoch": 0.25, "fid": 80.0},
                                                      {"step": 40, "epoch": 0.5, "fid": 60.5, "kid_mean": 0.05}]},
    "config": {"model": "dcgan", "suite": "fashion-mnist", "seed": 2, "total_steps": 40, "batch_size": 16},
    "environment": {"device": "cpu", "ganbench_version": "0.1.0", "git_commit": "28e788b"},
    "wall_time_s": {"train": 3.2, "score": 4.1},
    "a_later_version_key": {"kept": [1, 2]},
}


def _full() -> dict:
    """A fresh copy of FULL, for a test to change."""
    return copy.deepcopy(FULL)


def test_a_full_record_round_trips_through_json_unchanged():
    record = Record.from_dict(_full())
    assert record.notes == tuple(FULL["notes"])
    assert record.curve == Curve(n_fake=60, n_real=100, points=tuple(FULL["curve"]["points"]))
    assert record.training == Training(steps=40, batch_size=16, epochs=0.5, params_g=1000, params_d=900,
                                       params_g_keras=1100, convergence={"m_final": 0.1}, extra={"began_k_final": 0.02})
    assert record.extra == {"a_later_version_key": {"kept": [1, 2]}}
    assert json.loads(record.to_json()) == FULL
    assert Record.from_dict(json.loads(record.to_json())) == record
    # The file's order of keys: the schema first, then what a reader looks for
    assert list(json.loads(record.to_json()))[:4] == ["schema", "model", "family", "source"]


def test_a_record_ganbench_writes_is_the_record_every_reader_gets(tmp_path):
    """Written to a run folder and read by the leaderboard's, the gate's and the kept-records' readers: equal."""
    record = Record.from_dict(_full())
    run = tmp_path / "runs" / "fashion-mnist" / "dcgan-seed2-abcd1234"
    path = write_record(run, record)
    assert path == run / RECORD and json.loads(path.read_text()) == FULL
    assert run_records(tmp_path / "runs", "fashion-mnist") == [record]
    kept = keep_records(tmp_path, "fashion-mnist")
    assert json.loads(kept[0].read_text()) == FULL
    assert records_module.read_kept(kept[0]) == record
    (run / RECORD).unlink()  # the board now reads the kept copy
    assert board_records(tmp_path, "fashion-mnist") == [record]


def test_a_minimal_record_gets_its_defaults_and_writes_them_back():
    minimal = {k: FULL[k] for k in ("schema", "model", "suite", "seed", "metrics", "protocol", "samples",
                                    "environment")}
    record = Record.from_dict(minimal)
    assert (record.notes, record.curve, record.training, record.config) == ((), None, Training(), None)
    again = json.loads(record.to_json())
    assert {k: again[k] for k in minimal} == minimal and again["notes"] == [] and again["training"] == {}
    assert Record.from_dict(again) == record


def test_every_record_a_run_writes_round_trips(smoke_run):
    """The records `ganbench run` wrote (with their notes, metric curve and training): read back, written again,
    byte for byte the same JSON object."""
    out, proc = smoke_run
    assert proc.returncode == 0, proc.stderr
    paths = sorted((out / "runs").glob(f"*/*/{RECORD}"))
    assert len(paths) == 2
    for path in paths:
        written = json.loads(path.read_text())
        record = Record.from_dict(written)
        assert record.notes and record.curve is not None and record.training.steps == 6
        assert json.loads(record.to_json()) == written


def test_a_record_is_made_of_its_scoring_field_by_field():
    scored = ScoreResult(real="fashion-mnist", fake="dcgan", metrics=FULL["metrics"], protocol=FULL["protocol"],
                         precision_check={"precision": "exact"}, weights=FULL["weights"],
                         environment=FULL["environment"], notes=("a note",), real_features_cached=True,
                         real_reference=FULL["real_reference"])
    training, curve = Training(steps=40), Curve(n_fake=60, n_real=100, points=({"step": 40, "epoch": 0.5,
                                                                                "fid": 60.5},))
    r = records_module.new_record(model="dcgan", suite="fashion-mnist", seed=2, family="dcgan",
                                  source="McGinney et al.", config={"seed": 2}, training=training, scored=scored,
                                  wall_time_s={"score": 4.1}, curve=curve)
    assert (r.model, r.suite, r.seed, r.family, r.source) == ("dcgan", "fashion-mnist", 2, "dcgan", "McGinney et al.")
    assert (r.metrics, r.protocol, r.weights, r.environment) == (scored.metrics, scored.protocol, scored.weights,
                                                                 scored.environment)
    assert r.samples == {"real": 100, "fake": 120}
    assert (r.precision_check, r.notes, r.real_features_cached, r.real_reference) == (
        {"precision": "exact"}, ("a note",), True, FULL["real_reference"])
    assert (r.training, r.curve, r.config, r.wall_time_s) == (training, curve, {"seed": 2}, {"score": 4.1})
    made = datetime.fromisoformat(r.created)
    assert made.tzinfo == timezone.utc and abs((datetime.now(timezone.utc) - made).total_seconds()) < 60


def test_fids_bias_is_the_larger_of_the_bootstraps_and_the_real_halves_scaled_to_the_counts():
    """Halves of 50 real images each are 12.5 apart; FID's bias goes as 1/n, so at min(120, 100) = 100 images it is
    12.5 x 50 / 100 = 6.25, above the bootstrap's 2.0; without the halves, the bootstrap's alone."""
    d = _full()
    d["metrics"]["fid_bootstrap_bias"] = 2.0
    assert records_module.derived(Record.from_dict(d))["fid_bias"] == pytest.approx(6.25)
    d["samples"] = {"real": 400, "fake": 25}
    assert records_module.derived(Record.from_dict(d))["fid_bias"] == pytest.approx(12.5 * 50 / 25)
    d["real_reference"] = None
    assert records_module.derived(Record.from_dict(d))["fid_bias"] == 2.0
    d["metrics"]["fid_bootstrap_bias"] = float("nan")
    assert records_module.derived(Record.from_dict(d))["fid_bias"] is None
    scored = ScoreResult(real="r", fake="f", metrics={"fid_bootstrap_bias": 1.0}, protocol={"n_fake": 10, "n_real": 20},
                         precision_check=None, weights={}, environment={},
                         real_reference={"fid_between_halves": 4.0, "n_each": 5})
    assert records_module.derived(scored)["fid_bias"] == pytest.approx(4.0 * 5 / 10)  # a scoring reads its own counts


def test_the_values_a_board_reads_add_the_bias_and_the_parameter_counts():
    v = records_module.metric_values(Record.from_dict(FULL))
    assert v["fid"] == 26.5 and v["fid_bias"] == pytest.approx(12.5 * 50 / 100)
    assert (v["params-g-trainable"], v["params-d"], v["params-g"], v["params-g-nontrainable"]) == (1000, 900, 1100,
                                                                                                 100)
    no_keras = _full()
    del no_keras["training"]["params_g_keras"]
    assert records_module.metric_values(Record.from_dict(no_keras))["params-g-nontrainable"] is None
    no_trainable = _full()
    del no_trainable["training"]["params_g"]
    assert records_module.metric_values(Record.from_dict(no_trainable))["params-g-nontrainable"] is None


CURVE = "curve malformed (it needs n_fake and points, each with its epoch)"


@pytest.mark.parametrize("change, reason", [
    (lambda d: [], "not a JSON object"),
    (lambda d: {k: v for k, v in d.items() if k not in ("metrics", "seed")}, "missing seed, metrics"),
    (lambda d: {**d, "schema": "ganbench.record/0"}, "schema 'ganbench.record/0', expected 'ganbench.record/1'"),
    (lambda d: {**d, "metrics": [1]}, "metrics or protocol id malformed"),
    (lambda d: {**d, "protocol": "x"}, "metrics or protocol id malformed"),
    (lambda d: {**d, "protocol": {"n_fake": 1}}, "metrics or protocol id malformed"),
    (lambda d: {**d, "metrics": {"fid": 1.0, "kid_mean": "x", "is_mean": True}}, "metric kid_mean is 'x', not a finite "
                                                                                  "number"),
    (lambda d: {**d, "metrics": {"fid": float("inf")}}, "metric fid is inf, not a finite number"),
    (lambda d: {**d, "metrics": {"fid": True}}, "metric fid is True, not a finite number"),
    (lambda d: {**d, "training": [1]}, "training is not an object"),
    (lambda d: {**d, "curve": {"n_fake": 6, "points": []}}, CURVE),
    (lambda d: {**d, "curve": {"points": [{"epoch": 1}]}}, CURVE),
    (lambda d: {**d, "curve": {"n_fake": 6, "points": [{"epoch": 1}, {"step": 2}]}}, CURVE),
    (lambda d: {**d, "curve": {"n_fake": 6, "points": [{"epoch": 1}, 3]}}, CURVE),
])
def test_a_damaged_record_is_named_with_its_reason(change, reason):
    assert Record.problem(change(_full())) == reason


def test_a_usable_record_passes_with_nulls_details_and_no_training_or_curve():
    d = _full()
    assert Record.problem(d) is None  # kid_std null, a details object
    assert Record.problem({**d, "training": None, "curve": None}) is None


def test_readers_name_a_damaged_file_and_the_board_refuses_a_damaged_kept_record(tmp_path, capsys):
    run = tmp_path / "runs" / "fashion-mnist" / "dcgan-seed2-abcd1234"
    run.mkdir(parents=True)
    (run / RECORD).write_text('{"schema": ')
    assert records_module.read_record(run / RECORD) is None
    assert f"skipping record {run / RECORD}: unreadable (JSONDecodeError)" in capsys.readouterr().err
    assert records_module.damaged_records(tmp_path / "runs", "fashion-mnist") == {
        run / RECORD: "unreadable (JSONDecodeError)"}
    assert Record.read(tmp_path / "absent.json") == (None, "unreadable (FileNotFoundError)")
    kept = tmp_path / "leaderboards" / "records" / "fashion-mnist"
    kept.mkdir(parents=True)
    (kept / "dcgan-seed9-0000.json").write_text("[]")
    with pytest.raises(GanbenchError) as e:
        board_records(tmp_path, "fashion-mnist")
    assert str(e.value) == (f"kept record {kept / 'dcgan-seed9-0000.json'} is damaged (not a JSON object): restore it "
                            f"(git checkout -- {kept / 'dcgan-seed9-0000.json'}) or delete it")


def test_a_board_reads_each_run_once_newest_from_runs_and_sorted(tmp_path):
    def write(model: str, seed: int, created: str, where: str) -> Record:
        d = {**_full(), "model": model, "seed": seed, "created": created}
        r = Record.from_dict(d)
        if where == "runs":
            write_record(tmp_path / "runs" / "fashion-mnist" / f"{model}-seed{seed}-0000", r)
        else:
            (tmp_path / "leaderboards" / "records" / "fashion-mnist").mkdir(parents=True, exist_ok=True)
            (tmp_path / "leaderboards" / "records" / "fashion-mnist" / f"{model}-seed{seed}-0000.json").write_text(
                r.to_json())
        return r

    kept_only = write("fcgan", 0, "2026-01-01", "kept")
    old = write("dcgan", 1, "2026-01-01", "kept")
    fresh = write("dcgan", 1, "2026-02-02", "runs")  # the same run scored again: taken from runs/
    first = write("dcgan", 0, "2026-03-03", "runs")
    assert board_records(tmp_path, "fashion-mnist") == [first, fresh, kept_only] and old not in [first, fresh]
    with pytest.raises(GanbenchError) as e:
        board_records(tmp_path, "celeba64")
    assert str(e.value) == (f"no records for suite celeba64 under {tmp_path / 'runs' / 'celeba64'} or "
                            f"{tmp_path / 'leaderboards' / 'records' / 'celeba64'}: run `ganbench run --suite "
                            "celeba64`")


def test_keeping_records_copies_each_valid_record_and_its_last_grid(tmp_path, capsys):
    runs = tmp_path / "runs" / "fashion-mnist"
    record = Record.from_dict(_full())
    write_record(runs / "dcgan-seed2-abcd1234", record)
    grids = runs / "dcgan-seed2-abcd1234" / "samples"
    grids.mkdir()
    for epoch, data in ((1, b"first"), (2, b"last")):
        (grids / f"epoch{epoch:03d}.png").write_bytes(data)
    (grids / "epoch000.png").write_bytes(b"untrained")
    (runs / "began-seed0-0000").mkdir()
    (runs / "began-seed0-0000" / RECORD).write_text("{")  # damaged, and first in order: named, not kept
    write_record(runs / "fcgan-seed0-ef567890", record)
    (runs / "fcgan-seed0-ef567890" / "samples").mkdir()
    (runs / "fcgan-seed0-ef567890" / "samples" / "epoch001.png").write_bytes(b"fcgan's")
    write_record(runs / "wgan-seed0-0000ffff", record)  # a record without grids
    written = keep_records(tmp_path, "fashion-mnist")
    kept = tmp_path / "leaderboards" / "records" / "fashion-mnist"
    assert written == [kept / "dcgan-seed2-abcd1234.json", kept / "dcgan-seed2-abcd1234-samples.png",
                       kept / "fcgan-seed0-ef567890.json", kept / "fcgan-seed0-ef567890-samples.png",
                       kept / "wgan-seed0-0000ffff.json"]
    assert (kept / "dcgan-seed2-abcd1234-samples.png").read_bytes() == b"last"  # the last of three grids
    assert (kept / "fcgan-seed0-ef567890-samples.png").read_bytes() == b"fcgan's"
    assert f"kept 3 records in {kept}" in capsys.readouterr().err
    with pytest.raises(GanbenchError) as e:
        keep_records(tmp_path, "celeba64")
    assert str(e.value) == (f"no records to keep under {tmp_path / 'runs' / 'celeba64'}: run `ganbench run --suite "
                            "celeba64`")


def test_a_record_refuses_numbers_json_cannot_hold_and_writes_indented():
    record = Record.from_dict(_full())
    assert record.to_json().startswith('{\n  "schema": "ganbench.record/1",\n  "model": "dcgan"')
    assert "\n" not in record.to_json(indent=None)
    d = _full()
    d["metrics"]["fid"] = float("nan")
    with pytest.raises(ValueError):
        Record.from_dict(d).to_json()


def test_a_curve_is_read_by_epoch_once_it_reaches_one():
    assert Curve(n_fake=6, n_real=10, points=({"step": 3, "epoch": 0.5}, {"step": 6, "epoch": 1.0})).x_axis() == "epoch"
    assert Curve(n_fake=6, n_real=10, points=({"step": 3, "epoch": 0.5}, {"step": 6, "epoch": 0.99})).x_axis() == "step"


def test_a_runs_record_is_made_of_its_configuration_and_scoring():
    config = RunConfig(model="dcgan", suite="fashion-mnist", seed=2, hparams={"lr": 2e-4}, resolution=28, channels=1,
                       batch_size=16, total_steps=40, steps_per_epoch=80, family="dcgan", source="McGinney et al.")
    scored = ScoreResult(real="fashion-mnist", fake="dcgan", metrics={"fid": 3.0},
                         protocol={"id": "p", "n_fake": 6, "n_real": 10},
                         precision_check=None, weights={}, environment={})
    curve = Curve(n_fake=6, n_real=10, points=({"step": 40, "epoch": 0.5, "fid": 3.0},))
    r = records_module.make_record(config, Training(steps=40), scored, {"train": 1.5}, curve)
    assert (r.model, r.suite, r.seed, r.family, r.source) == ("dcgan", "fashion-mnist", 2, "dcgan", "McGinney et al.")
    assert (r.config, r.training, r.metrics, r.wall_time_s, r.curve) == (config.to_dict(), Training(steps=40),
                                                                         {"fid": 3.0}, {"train": 1.5}, curve)


def test_a_damaged_record_is_named_for_the_board_and_a_runs_folder_for_its_model():
    assert records_module.damaged_note(Path("runs/s/m-seed0-ab/record.json"), "missing metrics") == (
        "not shown: the record runs/s/m-seed0-ab/record.json is damaged (missing metrics); score its run again "
        "(`ganbench run`) or delete it")
    assert records_module.run_folder("latent4d:prelu", 3) == "latent4d-prelu-seed3"


def test_keys_named_like_a_records_own_fields_and_nulls_where_none_belong():
    d = _full()
    d["extra"] = {"from": "a later version"}  # an unknown key that happens to be called `extra`
    d["training"]["extra"] = 5
    record = Record.from_dict(d)
    assert record.extra == {"a_later_version_key": {"kept": [1, 2]}, "extra": {"from": "a later version"}}
    assert record.training.extra == {"began_k_final": 0.02, "extra": 5}
    assert json.loads(record.to_json()) == d
    nulls = {**_full(), "weights": None, "created": None, "notes": None, "training": None}
    r = Record.from_dict(nulls)
    assert (r.weights, r.created, r.notes, r.training) == ({}, "", (), Training())
