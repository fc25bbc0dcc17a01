"""Progress bars and messages, always on stderr so that stdout stays machine-readable (`--json`)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")
R = TypeVar("R")

# Bars are drawn 120 columns wide in logs; messages are never wrapped where stderr is not a terminal (a CI log
# keeps each on one line for grep), and a terminal wraps them itself.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 120, soft_wrap=True)


class _Progress(Progress):
    """A Progress that remembers the bars an error or Ctrl-C cut short, for the message that follows."""

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        if exc_type is not None:
            _cut_short.extend(f"{t.description} ({t.completed:.0f}/{t.total:.0f})" for t in self.tasks
                              if t.total is not None and not t.finished)
        super().__exit__(exc_type, exc_val, exc_tb)


_cut_short: list[str] = []


def cut_short() -> list[str]:
    """This command's bars that stopped before their end, innermost first."""
    return list(_cut_short)


def progress(*extra_columns) -> Progress:
    return _Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        *extra_columns,
        console=console,
        transient=False,
    )


def map_progress(fn: Callable[[T], R], items: Sequence[T], description: str, threads: int = 1) -> list[R]:
    """[fn(x) for x in items] under a progress bar that is closed before any error propagates; with
    threads > 1, in a thread pool (for work that releases the GIL, such as image decoding), in order."""
    out = []
    with progress() as bar:
        task = bar.add_task(description, total=len(items))
        if threads <= 1:
            for item in items:
                out.append(fn(item))
                bar.advance(task)
            return out
        with ThreadPoolExecutor(threads) as pool:
            for result in pool.map(fn, items):  # the first error is raised in order; the pool then shuts down
                out.append(result)
                bar.advance(task)
    return out


def info(message: str) -> None:
    console.print(message, highlight=False)


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """A warning that a command would repeat for every model it scores is said once per command."""
    if message not in _warned:
        _warned.add(message)
        warn(message)


def new_command() -> None:
    """A command starts: its once-only warnings may be said again, and no bar of it was cut short yet (tests run
    many commands in one process)."""
    _warned.clear()
    _cut_short.clear()
