"""Running under torchrun: the process group, rank 0's files, sharded work and what is gathered from it.

`torchrun --nproc_per_node N -m ganbench train|run|score ...` runs the same
commands in N processes (on one machine or several). Rank 0 alone reads and
writes files and prints; it broadcasts what the other ranks need (decisions,
checkpoints), so `--out` need not be shared between machines. The others take
part in the collective work only: training steps (the trainer wraps G and D
in DistributedDataParallel; models hold no distributed code) and generation
and feature extraction (each rank a contiguous block of the batches a single
process would make, gathered on rank 0 in order, so the numbers equal a
single process's).

nccl is used on GPUs, gloo on CPUs. A rank that dies, or a rendezvous that
fails, becomes one line naming what happened (`DistributedFailure`).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import datetime
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

import torch
import torch.distributed as dist

from ganbench.core.errors import EXIT_DISTRIBUTED, GanbenchError

T = TypeVar("T")

TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
TIMEOUT_ENV = "GANBENCH_DIST_TIMEOUT"
# Rank 0 alone works between collectives (classifier scores, plots, the weak classifier during training): the
# others wait that long in the next one. A dead rank is noticed at once (its connections close) whatever this is.
DEFAULT_TIMEOUT_S = 3600
COMMANDS = ("train", "run", "score")  # the commands that run under torchrun; the others refuse to


class DistributedFailure(GanbenchError):
    """A rank died, a collective failed, or the process group could not be joined."""

    exit_code = EXIT_DISTRIBUTED


@dataclass(frozen=True)
class World:
    """This process's place in the run: rank 0 of 1, with no backend, outside torchrun."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        return self.backend is not None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def provenance(self) -> dict:
        return {"world_size": self.size, "backend": self.backend}


def launched() -> bool:
    """Started by torchrun (or srun with torchrun's variables), whatever the process count."""
    return all(k in os.environ for k in TORCHRUN_ENV)


def current() -> World:
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)), dist.get_backend())


def timeout_s() -> float:
    raw = os.environ.get(TIMEOUT_ENV, str(DEFAULT_TIMEOUT_S))
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not value > 0:
        raise GanbenchError(f"{TIMEOUT_ENV} must be a positive number of seconds, not {raw!r}")
    return value


def setup(device: torch.device) -> torch.device:
    """Join torchrun's process group when launched by it (nccl for CUDA, gloo for CPU); this rank's device.
    Outside torchrun, the device unchanged. Ranks other than 0 print nothing but their errors."""
    if not launched():
        return device
    if dist.is_initialized():
        return _rank_device(device)
    local_rank = int(os.environ["LOCAL_RANK"])
    if device.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise DistributedFailure(f"local rank {local_rank} has no GPU: this machine has "
                                     f"{torch.cuda.device_count()}; start at most that many processes per node")
        torch.cuda.set_device(local_rank)
    backend = "nccl" if device.type == "cuda" else "gloo"
    where = f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
    try:
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s()))
    except Exception as exc:  # store connection, timeout and backend errors all mean the same thing here
        raise DistributedFailure(f"could not join the distributed run at {where} as rank {os.environ['RANK']} of "
                                 f"{os.environ['WORLD_SIZE']} ({backend}): {_first_line(exc)}") from None
    # A process that exits with the group still up can abort as the interpreter finalises (gloo's worker threads
    # outlive it: "terminate called without an active exception", SIGABRT): the group ganbench joined is left
    # before that, by whichever comes first, `teardown()` or the exit.
    atexit.register(teardown)
    if not current().is_main:
        from ganbench.core import progress

        progress.console.quiet = True
        sys.stdout = open(os.devnull, "w")  # rank 0 prints the results
    return _rank_device(device)


def _rank_device(device: torch.device) -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if device.type == "cuda" else device


def teardown() -> None:
    """Leave the process group (a no-op where there is none, or it was left already)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
        # Collectives leave objects in reference cycles (their work and its tensors) that Python would otherwise
        # free only as the interpreter finalises, when freeing them aborts the process ("terminate called without
        # an active exception", no Python frame): freed here, while the interpreter is whole.
        gc.collect()


def _first_line(exc: BaseException) -> str:
    """The gist of a backend's message: its first sentence, without gloo's "[source.cc:123] " prefix."""
    text = re.sub(r"^\[[^\]]*\]\s*", "", str(exc).strip())
    text = text.splitlines()[0] if text else type(exc).__name__
    return text.split(". ")[0][:240]


COLLECTIVE_FAILURE_WORDS = ("gloo", "nccl", "connection closed", "connection reset", "broken pipe", "timed out",
                            "timeout", "socket", "peer")


def is_collective_failure(exc: BaseException) -> bool:
    """gloo raises plain RuntimeErrors when a peer dies; nccl raises DistError's subclasses."""
    if isinstance(exc, dist.DistError):
        return True
    return isinstance(exc, RuntimeError) and any(w in str(exc).lower() for w in COLLECTIVE_FAILURE_WORDS)


@contextlib.contextmanager
def collective(consequence: Callable[[], str] = str) -> Iterator[None]:
    """Turn a failed collective (a rank died or hung) into one line; `consequence()` says what stays on disk."""
    try:
        yield
    except Exception as exc:
        world = current()
        if not (world.distributed and is_collective_failure(exc)):
            raise
        after = consequence()
        _failed.set()  # from here on torchrun's SIGTERM waits for this line (cli/main.py)
        raise DistributedFailure(f"a process of the distributed run stopped or failed (rank {world.rank} of "
                                 f"{world.size} saw: {_first_line(exc)})" + (f"; {after}" if after else "")) from None


_failed = threading.Event()  # a collective failed in this process: its error line is on its way


def failed() -> bool:
    """Did a collective of this process fail? torchrun stops the other ranks with SIGTERM as soon as one dies, which
    must not cut short the line that says what happened."""
    return _failed.is_set()


def alike(exc: GanbenchError) -> GanbenchError:
    """Mark an error every rank raises alike (the same decision on the same numbers): rank 0 alone prints it."""
    exc.shared = current().distributed
    return exc


def data_parallel(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """DistributedDataParallel over this rank's device: gradients averaged over the ranks in backward."""
    from torch.nn.parallel import DistributedDataParallel

    # A gradient penalty's double backward (SAGAN, WGAN-GP) makes gradients whose strides differ from DDP's
    # buckets: correct, copied once more; torch warns on every rank.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    return DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)


# ---------------------------------------------------------------------------- rank 0 decides, the others follow

def on_main(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) on rank 0 (which alone touches files), its result (or its error) broadcast to every rank."""
    world = current()
    if not world.distributed:
        return fn(*args)
    box: list[Any] = [None]
    failure = None
    if world.is_main:
        try:
            box[0] = ("ok", fn(*args))
        except GanbenchError as exc:
            box[0] = ("error", exc)
        except Exception as exc:  # a bug: rank 0 keeps its traceback, the others stop with a line
            failure = exc
            box[0] = ("error", GanbenchError(f"rank 0 failed: {type(exc).__name__}: {_first_line(exc)}"))
    with collective():
        dist.broadcast_object_list(box, src=0, device=_object_device(world))
    if failure is not None:
        raise failure
    kind, value = box[0]
    if kind == "error":
        raise alike(value)
    return value


def broadcast(value: T) -> T:
    """Rank 0's value on every rank (a small picklable object)."""
    return on_main(lambda: value)


def _object_device(world: World) -> torch.device | None:
    return torch.device("cuda", torch.cuda.current_device()) if world.backend == "nccl" else None


def _collective_device(world: World) -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if world.backend == "nccl" else torch.device("cpu")


def mean_over_ranks(values: list[float]) -> list[float]:
    """The mean of each value over the ranks, in float64 (a global batch's mean loss from the ranks' means)."""
    world = current()
    if not world.distributed:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=_collective_device(world))
    dist.all_reduce(t)
    return (t / world.size).tolist()


def average_tensors(tensors: list[torch.Tensor]) -> None:
    """Each tensor replaced in place by its mean over the ranks."""
    world = current()
    if not world.distributed:
        return
    for t in tensors:
        buf = t.detach().to(_collective_device(world), dtype=torch.float64)
        dist.all_reduce(buf)
        t.copy_((buf / world.size).to(t.device, t.dtype))


# ---------------------------------------------------------------------------- sharded work

def blocks(n: int, batch_size: int, size: int) -> list[range]:
    """The rows of n items each of `size` ranks takes: contiguous blocks of whole batches (the batches a single
    process would make), as even as batches allow."""
    batches = -(-n // batch_size)
    edges = [min(n, (batches * r // size) * batch_size) for r in range(size + 1)]
    return [range(edges[r], edges[r + 1]) for r in range(size)]


def my_rows(n: int, batch_size: int) -> range:
    world = current()
    return blocks(n, batch_size, world.size)[world.rank]


def gather_rows(parts: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each rank's rows of some tensors (features, images), concatenated in rank order, on every rank. A rank
    with no rows sends an empty dict."""
    world = current()
    if not world.distributed:
        return parts
    gathered: list[Any] = [None] * world.size
    with collective():
        dist.all_gather_object(gathered, {k: v.cpu() for k, v in parts.items()})
    keys = dict.fromkeys(k for part in gathered for k in part)  # a rank may lack a key (rows it kept none of)
    return {k: torch.cat([part[k] for part in gathered if k in part]) for k in keys}
