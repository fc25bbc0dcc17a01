"""torchrun: data-parallel training and sharded scoring with the gloo backend on this CPU, 1 or 2 processes."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.core import distributed
from ganbench.train import checkpoint
from ganbench.train.trainer import EpochSampler, epoch_permutation
from tests.helpers import assert_one_line_error, run_cli, run_cli_process

SUITE = "fashion-mnist-smoke"  # the embedded Fashion-MNIST subset: dcgan's global batch of 16, 312 steps an epoch


def torchrun(nproc: int, *args: str, env: dict | None = None, timeout: float = 600, wait: bool = True):
    """`torchrun --standalone --nproc_per_node N -m ganbench ARGS`, as a user starts it."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "ganbench", *args]
    full_env = {**os.environ, **(env or {})}
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)


def run_folder(out: Path) -> Path:
    folders = list((out / "runs" / SUITE).iterdir())
    assert len(folders) == 1, folders
    return folders[0]


def read_log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]


def losses(log: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in log]


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    """dcgan trained for 40 steps by two processes."""
    out = tmp_path_factory.mktemp("ddp")
    proc = torchrun(2, "train", "dcgan", "--suite", SUITE, "--steps", "40", "--checkpoint-every", "20",
                    "--out", str(out), "--device", "cpu")
    return out, proc


# ---------------------------------------------------------------------------- without processes

def test_blocks_are_contiguous_whole_batches_covering_every_row():
    for n, batch, size in [(100, 32, 2), (40, 32, 2), (7, 2, 3), (1000, 32, 4), (10, 32, 3)]:
        parts = distributed.blocks(n, batch, size)
        assert len(parts) == size
        assert [i for p in parts for i in p] == list(range(n))  # disjoint, in order, all of them
        assert all(p.start % batch == 0 for p in parts if len(p))  # the single process's batches, whole
    assert [len(p) for p in distributed.blocks(128, 32, 2)] == [64, 64]


def test_the_ranks_batches_make_up_the_single_process_batch():
    n, seed, batch = 200, 3, 16
    per_epoch = (n // batch) * batch
    one = EpochSampler(n, seed, per_epoch, distributed.World())
    one.set_epoch(2)
    assert list(one) == epoch_permutation(n, seed, 2)[:per_epoch].tolist()  # one process: the trainer's order
    shards = []
    for rank in range(4):
        sampler = EpochSampler(n, seed, per_epoch, distributed.World(rank, 4, rank, "gloo"))
        sampler.set_epoch(2)
        shards.append(list(sampler))
    order = list(one)
    for i in range(per_epoch // batch):  # step i: the ranks' rows i*4..i*4+3 are the global batch i
        together = {x for s in shards for x in s[i * batch // 4: (i + 1) * batch // 4]}
        assert together == set(order[i * batch: (i + 1) * batch])


def test_other_commands_refuse_to_run_under_torchrun(tmp_path):
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"}
    proc = run_cli("compare", "dcgan", "fcgan", "--out", str(tmp_path), env=env)
    assert_one_line_error(proc, "ganbench compare runs in one process", "train, run, score")


# ---------------------------------------------------------------------------- under torchrun

@pytest.mark.slow
def test_ddp_training_writes_from_rank_0_only_with_finite_losses(ddp_run):
    out, proc = ddp_run
    assert proc.returncode == 0, proc.stderr
    folder = run_folder(out)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["checkpoint.pt", "config.json", "log.jsonl", "losses.png", "samples", "snapshots"], names
    assert sorted(p.name for p in (folder / "snapshots").iterdir()) == ["G_step0000020.pt"]
    assert sorted(p.name for p in (folder / "samples").iterdir()) == ["step_0000040.png"]  # under an epoch
    log = read_log(folder)
    assert [r["step"] for r in log] == list(range(1, 41))  # one writer: each step once
    assert all(math.isfinite(v) for r in log for v in r.values())
    ckpt = checkpoint.load(folder / "checkpoint.pt")
    assert ckpt["step"] == 40 and ckpt["finished"]
    assert proc.stdout.count("trained dcgan for 40 steps") == 1  # rank 0 alone prints


@pytest.mark.slow
def test_distributed_path_at_world_size_1_equals_one_process(tmp_path):
    """torchrun with one process goes through DDP, the sampler and the reductions, and changes nothing."""
    args = ("train", "dcgan", "--suite", SUITE, "--steps", "15", "--device", "cpu")
    proc = torchrun(1, *args, "--out", str(tmp_path / "torchrun"))
    assert proc.returncode == 0, proc.stderr
    assert run_cli(*args, "--out", str(tmp_path / "plain")).returncode == 0
    a, b = run_folder(tmp_path / "torchrun"), run_folder(tmp_path / "plain")
    assert a.name == b.name  # one configuration, one folder: the process count is not part of it
    assert losses(read_log(a)) == losses(read_log(b))
    wa, wb = (checkpoint.load(f / "checkpoint.pt")["model"] for f in (a, b))
    assert all(torch.equal(wa[k], wb[k]) for k in wb)


@pytest.mark.slow
def test_sharded_features_and_kid_equal_one_process(ddp_run, tmp_path):
    """Two ranks each generate and extract a block of the batches (real and generated); rank 0 gathers them.
    Scored against the 50 real images of the latent smoke suite (the same embedded set at the same size; the
    smoke suite's 100 would add a minute): two batches of 32 and 18 real images, 32 and 8 generated. The real
    features are compared directly, the generated ones through KID (every metric is a function of both sets'
    features; KID costs no 2048 x 2048 eigendecomposition, FID two a process)."""
    out, _ = ddp_run
    ckpt = run_folder(out) / "checkpoint.pt"
    args = ("score", "--checkpoint", str(ckpt), "--suite", "fashion-mnist-latent-smoke", "--n-fake", "40",
            "--metrics", "kid", "--device", "cpu", "--json")
    env = {"GANBENCH_CACHE": str(tmp_path / "cache")}  # no real features: they are extracted, sharded
    converted = Path(os.environ["GANBENCH_CACHE"]) / "weights"  # the session's converted Inception, if any
    if converted.is_dir():
        shutil.copytree(converted, tmp_path / "cache" / "weights")
    sharded = torchrun(2, *args, env=env)
    assert sharded.returncode == 0, sharded.stderr
    stored = list((tmp_path / "cache" / "real-features").glob("*.npz"))
    assert len(stored) == 1
    sharded_cache = stored[0].rename(tmp_path / stored[0].name)  # the single process extracts them again
    single = run_cli(*args, env=env)
    assert single.returncode == 0, single.stderr
    a, b = json.loads(sharded.stdout), json.loads(single.stdout)  # rank 0 alone prints: one JSON document
    assert a["metrics"]["kid_mean"] == pytest.approx(b["metrics"]["kid_mean"], rel=1e-6)
    assert a["metrics"]["kid_std"] == pytest.approx(b["metrics"]["kid_std"], rel=1e-5)
    assert a["protocol"] == b["protocol"]  # same samples, same protocol id
    assert a["environment"]["processes"] == {"world_size": 2, "backend": "gloo"}
    assert b["environment"]["processes"] == {"world_size": 1, "backend": None}
    assert a["real_features_cached"] is False and b["real_features_cached"] is False
    single_cache = tmp_path / "cache" / "real-features" / sharded_cache.name  # the same key
    with np.load(sharded_cache) as x, np.load(single_cache) as y:
        assert json.loads(str(x["key"])) == json.loads(str(y["key"]))
        assert x["layer_2048"].shape == (50, 2048)
        np.testing.assert_allclose(x["layer_2048"], y["layer_2048"], rtol=0, atol=1e-4)


def _rank_pid(tag: str, rank: int) -> int | None:
    """The process of a torchrun worker: it carries the test's tag and torchrun's RANK in its environment."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"GANBENCH_TEST_TAG={tag}".encode() in env and f"RANK={rank}".encode() in env:
            return int(entry.name)
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the rank's process through /proc")
def test_killing_a_rank_ends_the_run_clearly_and_it_resumes_in_one_process(tmp_path):
    tag = uuid.uuid4().hex
    args = ("train", "dcgan", "--suite", SUITE, "--steps", "60", "--checkpoint-every", "20", "--out", str(tmp_path),
            "--device", "cpu")
    run = torchrun(2, *args, env={"GANBENCH_TEST_TAG": tag}, wait=False)
    # The event is the first checkpoint; rank 1's pid is found before it, so that the kill follows at once
    # (40 steps remain then), with no delay to tune.
    deadline, pid = time.time() + 300, None
    while run.poll() is None and time.time() < deadline:
        pid = pid or _rank_pid(tag, 1)
        if pid and list(tmp_path.glob("runs/*/*/checkpoint.pt")):
            break
        time.sleep(0.01)
    assert pid is not None and run.poll() is None, "the run ended before a rank could be killed"
    os.kill(pid, signal.SIGKILL)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode != 0
    ours = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(ours) == 1, stderr
    assert "a process of the distributed run stopped or failed" in ours[0]
    assert "the last good checkpoint stays in" in ours[0] and "Traceback" not in ours[0]

    folder = run_folder(tmp_path)
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no half-written file
    kept = checkpoint.load(folder / "checkpoint.pt")
    assert not kept["finished"] and kept["step"] % 20 == 0 and 20 <= kept["step"] < 60

    resumed = run_cli(*args, "--resume")  # one process goes on from two processes' checkpoint
    assert resumed.returncode == 0, resumed.stderr
    log = read_log(folder)
    assert [r["step"] for r in log] == list(range(1, 61))
    assert all(math.isfinite(v) for r in log for v in r.values())
    assert checkpoint.load(folder / "checkpoint.pt")["finished"]


def test_a_failed_rendezvous_is_one_line(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: rank 0 waits for a rank 1 that never comes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
           "GANBENCH_DIST_TIMEOUT": "1"}
    proc = run_cli_process("train", "dcgan", "--suite", SUITE, "--steps", "5", "--out", str(tmp_path),
                           "--device", "cpu", env=env, timeout=120)
    assert_one_line_error(proc, "could not join the distributed run at 127.0.0.1", "rank 0 of 2 (gloo)", code=3)
    assert not (tmp_path / "runs").exists()


API_SCRIPT = """
import sys
from pathlib import Path

import torch

import ganbench
from ganbench.core import distributed
from ganbench.data import load_data

distributed.setup(torch.device("cpu"))  # joins torchrun's process group, as a training script's DDP set-up would
images = load_data("fashion-mnist-quick", "test").images
result = ganbench.score(images[:16], images[16:32], bootstrap=20, kid_subset_size=8, device="cpu")
rank = distributed.current().rank
Path(sys.argv[1], f"rank{rank}.json").write_text(result.to_json())
"""


@pytest.mark.slow
def test_every_rank_gets_the_same_result_from_the_python_api(tmp_path):
    """Under torchrun each process calls ganbench.score on its own copy of the inputs, extracts its share, and
    gets the whole result: no rank receives None, and the ranks' results are equal."""
    script = tmp_path / "score_on_every_rank.py"
    script.write_text(API_SCRIPT)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(script),
           str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["metrics"] == ranks[1]["metrics"] and ranks[0]["protocol"] == ranks[1]["protocol"]
    assert ranks[0]["environment"]["processes"] == {"world_size": 2, "backend": "gloo"}
    assert ranks[1]["protocol"]["n_fake"] == 16 and ranks[1]["metrics"]["fid"] > 1  # the whole set, scored
    # That sharded extraction equals one process's is test_sharded_features_and_kid_equal_one_process's to show.


def test_torchrun_s_stop_signal_waits_for_a_failed_rank_s_error_line(monkeypatch):
    """torchrun SIGTERMs the surviving ranks as soon as one dies. A rank whose collective already failed is
    unwinding towards its one error line, and the signal once killed it before the line was written (exit -15,
    nothing said): under torchrun the signal now lets that rank finish, and stops any other as Ctrl-C does."""
    from ganbench.cli.main import _on_torchrun_stop
    from ganbench.core import distributed

    with pytest.raises(KeyboardInterrupt):
        _on_torchrun_stop(signal.SIGTERM, None)
    monkeypatch.setattr(distributed, "_failed", threading.Event())
    with pytest.raises(distributed.DistributedFailure, match="a process of the distributed run stopped or failed"):
        with distributed.collective():
            monkeypatch.setattr(distributed, "current", lambda: distributed.World(1, 2, 1, "gloo"))
            raise RuntimeError("Connection closed by peer")
    assert distributed.failed()
    assert _on_torchrun_stop(signal.SIGTERM, None) is None  # the error line goes out first
