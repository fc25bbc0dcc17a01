"""Result records on disk: where each run's record.json lies, the kept records a committed board is rebuilt from,
and a run's record made from its configuration and scoring. The record itself, its JSON form, its validation and
its atomic writing are `core.contracts.Record`'s; a damaged record is reported and skipped, never silently used
or dropped."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from ganbench.core.contracts import Curve, Record, RunConfig, Training
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import write_bytes
from ganbench.core.progress import info, warn
from ganbench.metrics import registry
from ganbench.metrics.builtin.parameters import PARAMS_D, PARAMS_G, PARAMS_G_NONTRAINABLE, PARAMS_G_TRAINABLE
from ganbench.metrics.result import ScoreResult

RECORD = "record.json"
# Records kept to be committed beside the leaderboards they make: leaderboards/records/<suite>/<run>.json, each
# with its run's last sample grid as <run>-samples.png. Unlike runs/, the folder holds no checkpoints.
KEPT = Path("leaderboards") / "records"
SAMPLES_SUFFIX = "-samples.png"


def make_record(run_config: RunConfig, training: Training, scored: ScoreResult, wall_time_s: dict,
                curve: Curve | None = None) -> Record:
    """A run's record from its configuration and what scoring returned."""
    return new_record(model=run_config.model, suite=run_config.suite, seed=run_config.seed,
                      family=run_config.family, source=run_config.source, config=run_config.to_dict(),
                      training=training, scored=scored, wall_time_s=wall_time_s, curve=curve)


def new_record(*, model: str, suite: str, seed: int, family: str | None, source: str | None, config: dict,
               training: Training, scored: ScoreResult, wall_time_s: dict, curve: Curve | None = None) -> Record:
    """A record of a model's scoring on a suite (a run's, or a study's over several runs, whose `config` says
    what it was made of)."""
    return Record(
        model=model, family=family, source=source, suite=suite, seed=seed,
        created=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        metrics=scored.metrics, samples={"real": scored.n_real, "fake": scored.n_fake},
        protocol=scored.protocol, weights=scored.weights, precision_check=scored.precision_check,
        notes=scored.notes, real_features_cached=scored.real_features_cached,
        real_reference=scored.real_reference,  # the floor this run's FID is read against (None: not measured)
        training=training,
        curve=curve,  # FID (and KID) over training, from fewer images than the final score; None: no snapshots
        config=config, environment=scored.environment, wall_time_s=wall_time_s,
    )


def derived(record: Record | ScoreResult) -> dict:
    """The numbers read from a record (or a scoring) beside those its metrics computed: each metric's `derive`
    (FID's bias at the record's sample counts, `fid_bias`)."""
    n = record.samples if isinstance(record, Record) else {"fake": record.n_fake, "real": record.n_real}
    return registry.derived(record.metrics, record.real_reference, n.get("fake"), n.get("real"))


def metric_values(record: Record) -> dict:
    """A record's metrics and its parameter counts, under the keys the metric kinds read, and what its metrics
    derive from it (`derived`: FID's bias from the sample counts)."""
    trainable, keras = record.training.params_g, record.training.params_g_keras
    return {**record.metrics, **derived(record), PARAMS_G_TRAINABLE.key: trainable,
            PARAMS_D.key: record.training.params_d, PARAMS_G.key: keras,
            PARAMS_G_NONTRAINABLE.key: None if keras is None or trainable is None else keras - trainable}


def write_record(run_dir: Path, record: Record) -> Path:
    return record.write(Path(run_dir) / RECORD)


def read_record(path: Path) -> Record | None:
    """A valid record, or None with its reason named on stderr."""
    record, reason = Record.read(path)
    if reason:
        warn(f"skipping record {path}: {reason}")
        return None
    return record


def run_records(runs_dir: Path, suite: str) -> list[Record]:
    """Every valid record of one suite's runs, under `runs_dir`/<suite>/ (`ganbench.load_records` adds the kept
    records and reads every suite); invalid ones are named on stderr and skipped (`damaged_records`
    names them for the board's notes and the gate's messages)."""
    records = (read_record(path) for path in sorted((Path(runs_dir) / suite).glob(f"*/{RECORD}")))
    return [r for r in records if r is not None]


def damaged_records(runs_dir: Path, suite: str) -> dict[Path, str]:
    """Each unusable record.json under runs/<suite>/ with the reason: a run the board cannot show and the gate
    cannot judge, named wherever they would have been."""
    found = ((path, Record.read(path)[1]) for path in sorted((Path(runs_dir) / suite).glob(f"*/{RECORD}")))
    return {path: reason for path, reason in found if reason}


def damaged_note(path: Path, reason: str) -> str:
    return (f"not shown: the record {path} is damaged ({reason}); score its run again (`ganbench run`) or delete "
            "it")


def run_folder(model: str, seed: int) -> str:
    """A run's folder under runs/<suite>/ before its configuration's hash: `<model>-seed<k>` (a variant's colon,
    `latent4d:prelu`, is not a portable file-name character)."""
    return f"{model.replace(':', '-')}-seed{seed}"


def kept_dir(out: Path, suite: str) -> Path:
    return Path(out) / KEPT / suite


def kept_record_path(run_dir: Path) -> Path:
    """Where a run's kept record lies: out/leaderboards/records/<suite>/<run>.json for out/runs/<suite>/<run>."""
    run_dir = Path(run_dir)
    return kept_dir(run_dir.parents[2], run_dir.parent.name) / f"{run_dir.name}.json"


def read_kept(path: Path) -> Record:
    """A kept record, which a board is rebuilt from: damaged, it is an error (skipping it would change the
    board), not a warning."""
    record, reason = Record.read(path)
    if reason:
        raise GanbenchError(f"kept record {path} is damaged ({reason}): restore it (git checkout -- {path}) "
                            "or delete it")
    return record


def board_records(out: Path, suite: str) -> list[Record]:
    """The records a suite's leaderboard is made of: the kept ones (leaderboards/records/<suite>/) and those
    under runs/<suite>/; a run in both is taken from runs/, where it may have been scored again."""
    fresh = {path.parent.name: path for path in sorted((Path(out) / "runs" / suite).glob(f"*/{RECORD}"))}
    kept = {path.stem: path for path in sorted(kept_dir(out, suite).glob("*.json"))}
    records = [read_kept(path) for name, path in kept.items() if name not in fresh]
    records += [r for r in map(read_record, fresh.values()) if r is not None]
    if not records:
        raise GanbenchError(f"no records for suite {suite} under {Path(out) / 'runs' / suite} or "
                            f"{kept_dir(out, suite)}: run `ganbench run --suite {suite}`")
    return sorted(records, key=lambda r: (r.model, r.seed, r.created))


def keep_records(out: Path, suite: str) -> list[Path]:
    """Copy each valid record under runs/<suite>/ (and its run's last sample grid) into
    leaderboards/records/<suite>/, to be committed; returns the files written."""
    written = []
    for path in sorted((Path(out) / "runs" / suite).glob(f"*/{RECORD}")):
        record = read_record(path)
        if record is None:
            continue
        target = kept_record_path(path.parent)
        written.append(record.write(target))
        grids = sorted((path.parent / "samples").glob("*.png"))
        if grids:
            written.append(target.with_name(target.stem + SAMPLES_SUFFIX))
            write_bytes(written[-1], grids[-1].read_bytes())
    if not written:
        raise GanbenchError(f"no records to keep under {Path(out) / 'runs' / suite}: run `ganbench run --suite {suite}`")
    info(f"kept {sum(p.suffix == '.json' for p in written)} records in {kept_dir(out, suite)}")
    return written
