"""`ganbench`'s entry point: runs a command and turns every way it can end into an exit code and, for an
error, one line on stderr (bad input 2, an interruption 130, a bug 70 with its traceback under GANBENCH_DEBUG)."""

from __future__ import annotations

import os
import shlex
import signal
import sys

import click
import typer

from ganbench.cli.app import app
from ganbench.core.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, GanbenchError, Interrupted


def _with_typers_own(click_class: type, typer_class: type) -> tuple[type, ...]:
    """click's exception class and its twin in the copy of click that typer >= 0.2x ships (found by name
    in the MRO of one of typer's public classes), so that both kinds are caught."""
    twins = [c for c in typer_class.__mro__ if c.__name__ == click_class.__name__]
    return tuple({click_class, *twins})


CLICK_EXIT = _with_typers_own(click.exceptions.Exit, typer.Exit)


CLICK_ERROR = _with_typers_own(click.ClickException, typer.BadParameter)


CLICK_ABORT = _with_typers_own(click.exceptions.Abort, typer.Abort)


def _under_torchrun(args: list[str]) -> bool:
    """Launched by torchrun: only the commands that run distributed are allowed."""
    if "WORLD_SIZE" not in os.environ:  # spares importing torch.distributed in every other start
        return False
    from ganbench.core import distributed

    if not distributed.launched():
        return False
    command = next((a for a in args if not a.startswith("-")), None)
    if command is not None and command not in distributed.COMMANDS:
        raise GanbenchError(f"ganbench {command} runs in one process; under torchrun ganbench runs "
                            f"{', '.join(distributed.COMMANDS)}")
    return True


def _on_torchrun_stop(signum, frame) -> None:
    """torchrun stops every rank with SIGTERM once one has died. A rank whose collective already failed is on its
    way to saying so (its SIGTERM once cut that line short): it finishes and exits 3. Any other rank stops as at
    Ctrl-C, saying what it cut short. (The training loop handles SIGTERM itself: it stops between steps.)"""
    from ganbench.core import distributed

    if not distributed.failed():
        raise KeyboardInterrupt


def _report(message: str, exc: BaseException | None = None, distributed_run: bool = False) -> None:
    """An error line on stderr. Under torchrun, an error every rank raised alike is printed by rank 0 alone;
    another rank's own error names its rank."""
    if distributed_run:
        from ganbench.core import distributed

        world = distributed.current()
        if world.rank > 0:
            if getattr(exc, "shared", False):
                return
            message = f"[rank {world.rank}] {message}"
    print(message, file=sys.stderr)


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc).splitlines()[0] or type(exc).__name__
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f)  # filename2: a rename's target
    return f"cannot use {where}: {reason}" if where else reason


def _interrupted() -> str:
    """Ctrl-C outside training (which saves a checkpoint and says so itself): what stopped, and what is on disk."""
    from ganbench.core import fileio
    from ganbench.core.progress import cut_short

    cut = cut_short()
    what = f"interrupted during {cut[0]}" if cut else "interrupted"
    files = fileio.written()
    if not files:
        return f"{what}; nothing was written"
    shown = ", ".join(str(f) for f in files[-3:])
    count = "the one file written before it is" if len(files) == 1 else f"the {len(files)} files written before it are"
    kept = f"{count} whole" + (f" (the last 3: {shown})" if len(files) > 3 else f": {shown}")
    return f"{what}; nothing of it was written, and {kept}"


def continue_command(args: list[str], distributed_run: bool = False) -> str:
    """What continues an interrupted command from its checkpoint: `train` with --resume, while `run` and
    `compare` resume by themselves when given the same command again."""
    resume = ["--resume"] if args[:1] == ["train"] and "--resume" not in args else []
    if distributed_run:
        return "continue by running the same torchrun command again" + (" with --resume" if resume else "")
    return f"continue with: ganbench {shlex.join([*args, *resume])}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and a documented exit code (docs/cli.md)."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    distributed_run = False
    from ganbench.core import fileio, progress

    progress.new_command()
    fileio.new_command()
    stop_handler = None
    try:
        distributed_run = _under_torchrun(args)
        if distributed_run:
            stop_handler = signal.signal(signal.SIGTERM, _on_torchrun_stop)
        code = command.main(args=args, prog_name="ganbench", standalone_mode=False)
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a silent Exit(130), returned like any other
            raise KeyboardInterrupt
        if isinstance(code, int) and code:  # typer.Exit(n) is returned, not raised, outside standalone mode
            sys.exit(code)
    except CLICK_EXIT as exc:
        sys.exit(exc.exit_code)
    except CLICK_ERROR as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Interrupted as exc:  # training saved its state: say how to go on from it
        _report(f"error: {exc}; {continue_command(args, distributed_run)}", exc, distributed_run)
        sys.exit(exc.exit_code)
    except GanbenchError as exc:
        _report(f"error: {exc}", exc, distributed_run)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, *CLICK_ABORT):
        _report(_interrupted(), distributed_run=distributed_run)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # the user's file system: a path that is a file, a folder, read-only, a full disk
        if os.environ.get("GANBENCH_DEBUG"):
            raise
        _report(f"error: {_os_error(exc)}", exc, distributed_run)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:
        if os.environ.get("GANBENCH_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _report(f"internal error: {type(exc).__name__}: {first} (rerun with GANBENCH_DEBUG=1 for the traceback)",
                distributed_run=distributed_run)
        sys.exit(EXIT_INTERNAL)
    finally:
        if distributed_run:
            from ganbench.core import distributed

            distributed.teardown()
        if stop_handler is not None:
            signal.signal(signal.SIGTERM, stop_handler)
