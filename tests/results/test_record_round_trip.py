"""Records come back as they were written: every field, notes, curve, training and unknown keys included, through
`to_json`/`from_json`, through the file ganbench writes and the readers that build boards and gates from it."""

from __future__ import annotations

import json

from ganbench.core.contracts import Curve, Record, Training
from ganbench.pipeline import records as records_module
from ganbench.pipeline.records import RECORD, board_records, keep_records, load_records, write_record

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


def test_a_full_record_round_trips_through_json_unchanged():
    record = Record.from_dict(json.loads(json.dumps(FULL)))
    assert record.notes == tuple(FULL["notes"])
    assert record.curve == Curve(60, 100, tuple(FULL["curve"]["points"]))
    assert record.training == Training(40, 16, 0.5, 1000, 900, 1100, {"m_final": 0.1}, {"began_k_final": 0.02})
    assert record.extra == {"a_later_version_key": {"kept": [1, 2]}}
    assert json.loads(record.to_json()) == FULL
    assert Record.from_dict(json.loads(record.to_json())) == record
    # The file's order of keys: the schema first, then what a reader looks for
    assert list(json.loads(record.to_json()))[:4] == ["schema", "model", "family", "source"]


def test_a_record_ganbench_writes_is_the_record_every_reader_gets(tmp_path):
    """Written to a run folder and read by the leaderboard's, the gate's and the kept-records' readers: equal."""
    record = Record.from_dict(json.loads(json.dumps(FULL)))
    run = tmp_path / "runs" / "fashion-mnist" / "dcgan-seed2-abcd1234"
    path = write_record(run, record)
    assert path == run / RECORD and json.loads(path.read_text()) == FULL
    assert load_records(tmp_path / "runs", "fashion-mnist") == [record]
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
