"""The generic trainer on real data: exact resume, Ctrl-C, divergence, damaged checkpoints, pictures."""

from __future__ import annotations

import json
import shlex

import pytest
import torch

from ganbench.core.errors import GanbenchError
from ganbench.models.base import Batch
from ganbench.pipeline.run import build_model, plan_run, train
from ganbench.suites import get_suite
from ganbench.train import checkpoint
from ganbench.train.trainer import Trainer
from tests.helpers import assert_one_line_error, interrupt_when, run_cli, start_cli_process

SUITE = get_suite("fashion-mnist-quick")


@pytest.fixture(scope="module")
def small_data(quick_train):
    return quick_train.subset(160, seed=0)  # 10 steps per epoch at batch 16


def state(path):
    return checkpoint.load(path)


def assert_same_weights(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.mark.parametrize("model", ["fcgan", "dcgan"])
def test_resume_equals_uninterrupted_run(tmp_path, small_data, model):
    straight = plan_run(model, SUITE, 3, tmp_path / "a", small_data, steps=25)
    result = train(straight, small_data, torch.device("cpu"))
    assert result.finished and result.steps == 25

    split = plan_run(model, SUITE, 3, tmp_path / "b", small_data, steps=25)
    first = train(split, small_data, torch.device("cpu"), stop_after=13)  # mid-epoch
    assert not first.finished and state(split.checkpoint)["step"] == 13
    second = train(split, small_data, torch.device("cpu"), resume=True)
    assert second.finished and second.resumed_from == 13

    a, b = state(straight.checkpoint), state(split.checkpoint)
    assert_same_weights(a["model"], b["model"])
    assert a["optimizers"]["G"]["state"][0]["exp_avg"].equal(b["optimizers"]["G"]["state"][0]["exp_avg"])
    log_a = [json.loads(x) for x in (straight.run_dir / "log.jsonl").read_text().splitlines()]
    log_b = [json.loads(x) for x in (split.run_dir / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log_b] == list(range(1, 26))
    assert [r["loss_d"] for r in log_a] == [r["loss_d"] for r in log_b]
    # One sample grid per epoch (10 steps each) and one of the last step, which ends inside the third epoch,
    # a loss curve at the end, and no temporary files left.
    assert sorted(p.name for p in (split.run_dir / "samples").iterdir()) == \
        ["epoch_001.png", "epoch_002.png", "step_0000025.png"]
    assert (split.run_dir / "losses.png").stat().st_size > 10_000
    assert not list(split.run_dir.rglob("*.tmp*"))


def test_same_seed_same_weights_other_seed_differs(tmp_path, small_data):
    runs = [plan_run("fcgan", SUITE, s, tmp_path / str(i), small_data, steps=5) for i, s in enumerate((1, 1, 2))]
    for r in runs:
        train(r, small_data, torch.device("cpu"))
    w = [state(r.checkpoint)["model"]["G.net.0.weight"] for r in runs]
    assert torch.equal(w[0], w[1]) and not torch.equal(w[0], w[2])


def test_existing_checkpoint_needs_resume_or_overwrite(tmp_path, small_data):
    plan = plan_run("fcgan", SUITE, 0, tmp_path, small_data, steps=3)
    train(plan, small_data, torch.device("cpu"))
    with pytest.raises(GanbenchError, match="pass --resume"):
        train(plan, small_data, torch.device("cpu"), resume=False)
    assert train(plan, small_data, torch.device("cpu"), resume=True).finished  # finished: nothing to do
    assert train(plan, small_data, torch.device("cpu"), resume=False, overwrite=True).resumed_from == 0


def test_diverging_model_stops_with_a_clear_error(tmp_path, small_data):
    plan = plan_run("fcgan", SUITE, 0, tmp_path, small_data, steps=20)
    model = build_model(plan.config)

    def nan_step(batch: Batch, optimizers, step):
        return {"loss_d": float("nan") if step == 12 else 0.5}

    model.train_step = nan_step
    trainer = Trainer(model, small_data, plan.config, plan.run_dir, torch.device("cpu"))  # seed 0, 20 steps of 16
    with pytest.raises(GanbenchError, match="training diverged: loss_d is nan at step 13"):
        trainer.fit()
    assert state(plan.checkpoint)["step"] == 10  # the epoch-end checkpoint survives


def test_damaged_checkpoint_is_refused(tmp_path, small_data):
    plan = plan_run("fcgan", SUITE, 0, tmp_path, small_data, steps=12)
    train(plan, small_data, torch.device("cpu"), stop_after=5)
    data = plan.checkpoint.read_bytes()
    plan.checkpoint.write_bytes(data[: len(data) // 2])
    with pytest.raises(GanbenchError, match="damaged checkpoint"):
        train(plan, small_data, torch.device("cpu"), resume=True)
    proc = run_cli("score", "--checkpoint", str(plan.checkpoint), "--suite", "fashion-mnist-smoke")
    assert_one_line_error(proc, "damaged checkpoint")
    plan.checkpoint.write_bytes(b"garbage")
    proc = run_cli("score", "--checkpoint", str(plan.checkpoint), "--suite", "fashion-mnist-smoke")
    assert_one_line_error(proc, "damaged checkpoint")
    proc = run_cli("score", "--checkpoint", str(tmp_path / "none.pt"), "--suite", "fashion-mnist-smoke")
    assert_one_line_error(proc, "checkpoint not found")


@pytest.mark.slow
def test_ctrl_c_writes_a_checkpoint_and_resume_finishes_identically(tmp_path, quick_train):
    args = ["train", "fcgan", "--suite", "fashion-mnist-quick", "--steps", "400", "--seed", "5"]
    proc = start_cli_process(*args, "--out", str(tmp_path / "cli"))
    logs = tmp_path / "cli" / "runs" / "fashion-mnist-quick"
    def twenty_steps_logged():  # 380 remain
        found = list(logs.glob("*/log.jsonl"))
        return bool(found) and len(found[0].read_text().splitlines()) >= 20

    _, err = interrupt_when(proc, twenty_steps_logged, "run", timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "interrupted at step" in last and "; continue with: ganbench train fcgan " in last
    ckpt = next(logs.glob("*/checkpoint.pt"))
    stopped = state(ckpt)
    assert 20 <= stopped["step"] < 400 and not stopped["finished"]
    assert not list(ckpt.parent.rglob("*.tmp*"))

    said = shlex.split(last.split("continue with: ", 1)[1])  # the command it prints is the one that works
    assert said == ["ganbench", *args, "--out", str(tmp_path / "cli"), "--resume"]
    done = run_cli(*said[1:])
    assert done.returncode == 0, done.stderr
    reference = plan_run("fcgan", SUITE, 5, tmp_path / "api", quick_train, steps=400)
    train(reference, quick_train, torch.device("cpu"))
    assert reference.run_dir.name == ckpt.parent.name  # same configuration, same folder name
    assert_same_weights(state(reference.checkpoint)["model"], state(ckpt)["model"])


def test_an_interruption_names_the_command_that_continues_it():
    """`train` continues with --resume; `run` and `compare` resume by themselves, so the same command."""
    from ganbench.cli.main import continue_command

    assert continue_command(["train", "fcgan", "--out", "my runs"]) == \
        "continue with: ganbench train fcgan --out 'my runs' --resume"
    assert continue_command(["train", "fcgan", "--resume"]) == "continue with: ganbench train fcgan --resume"
    assert continue_command(["compare", "sagan", "began"]) == "continue with: ganbench compare sagan began"
    assert continue_command(["run", "--suite", "fashion-mnist"], distributed_run=True) == \
        "continue by running the same torchrun command again"


def test_generator_nan_output_is_a_clear_error():
    from ganbench.models.registry import get_model
    from ganbench.models.sampling import generate

    model = get_model("fcgan").create(28, 1)
    with torch.no_grad():
        model.G.net[0].weight.fill_(float("nan"))
    with pytest.raises(GanbenchError, match="generator produced NaN"):
        generate(model, 4, seed=0)


def test_resume_after_a_torn_log_line_drops_it_and_ends_identically(tmp_path, small_data, capsys):
    """A hard kill mid-write leaves half a JSON line at the log's end: resume once ended in an internal error."""
    straight = plan_run("fcgan", SUITE, 3, tmp_path / "a", small_data, steps=15)
    train(straight, small_data, torch.device("cpu"))
    split = plan_run("fcgan", SUITE, 3, tmp_path / "b", small_data, steps=15)
    train(split, small_data, torch.device("cpu"), stop_after=7)
    log = split.run_dir / "log.jsonl"
    with open(log, "a") as f:
        f.write('{"step": 8, "epoch": 1, "loss_d": 0.6')  # no newline: cut off mid-write
    second = train(split, small_data, torch.device("cpu"), resume=True)
    assert second.finished and second.resumed_from == 7
    assert "dropped its last line, cut off mid-write" in " ".join(capsys.readouterr().err.split())
    assert_same_weights(state(straight.checkpoint)["model"], state(split.checkpoint)["model"])
    log_a = [json.loads(x) for x in (straight.run_dir / "log.jsonl").read_text().splitlines()]
    log_b = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["loss_d"] for r in log_a] == [r["loss_d"] for r in log_b] and len(log_b) == 15


def test_a_log_damaged_before_its_last_line_is_an_error(tmp_path, small_data):
    plan = plan_run("fcgan", SUITE, 0, tmp_path, small_data, steps=6)
    train(plan, small_data, torch.device("cpu"), stop_after=3)
    log = plan.run_dir / "log.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], "{broken", *lines[2:]]) + "\n")
    with pytest.raises(GanbenchError, match="damaged log .* line 2 is not JSON"):
        train(plan, small_data, torch.device("cpu"), resume=True)


def test_a_second_writer_of_a_run_folder_is_refused(tmp_path, small_data):
    """Two `train` processes on one folder both once exited 0, and one's log was lost."""
    import fcntl
    import os

    plan = plan_run("fcgan", SUITE, 0, tmp_path, small_data, steps=3)
    plan.run_dir.mkdir(parents=True)
    fd = os.open(plan.run_dir, os.O_RDONLY)  # what a running `ganbench train` on this folder holds
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(GanbenchError, match="is being trained by another ganbench process"):
            train(plan, small_data, torch.device("cpu"))
        assert not plan.checkpoint.exists()
    finally:
        os.close(fd)
    assert train(plan, small_data, torch.device("cpu")).finished  # released with its holder
