"""The one exception type the CLI turns into a one-line message and an exit code.

Anything the user can fix (a name, a path, a file, a sample count) raises
GanbenchError; everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextvars
import functools

# Documented in docs/cli.md; stable, scripts rely on them.
EXIT_OK = 0
EXIT_REGRESSION = 1  # `ganbench gate`: a gated metric got worse
EXIT_BAD_INPUT = 2  # unknown names, missing/corrupt data, damaged checkpoints, too few samples
EXIT_DISTRIBUTED = 3  # under torchrun: a process died, a collective failed, or the process group was not joined
EXIT_INTERNAL = 70  # a bug: rerun with GANBENCH_DEBUG=1 for the traceback
EXIT_INTERRUPTED = 130  # Ctrl-C; a last checkpoint was written


class GanbenchError(Exception):
    """A problem with the user's input or environment, reported in one line."""

    exit_code = EXIT_BAD_INPUT
    shared = False  # raised alike on every rank of a torchrun run: rank 0 alone prints it


class Interrupted(GanbenchError):
    """Ctrl-C during long work, after the state was saved."""

    exit_code = EXIT_INTERRUPTED


# The Python API's spelling of a setting where it is not the option's own with dashes turned into underscores.
_API_NAMES = {"real_stats": "real", "generator": "fake", "output_range": "value_range", "set": "settings"}
_speaking_api: contextvars.ContextVar[bool] = contextvars.ContextVar("ganbench_speaking_api", default=False)


def option(name: str, value: object = None) -> str:
    """A setting (with a value) as the caller spells it, for a message about it: `--n-fake` (`--n-fake 5`) on the
    command line, `n_fake` (`n_fake=5`) to a caller of the Python API (inside `speaks_api`)."""
    if _speaking_api.get():
        spelled = _API_NAMES.get(name, name)
        return spelled if value is None else f"{spelled}={value}"
    spelled = "--" + name.replace("_", "-")
    return spelled if value is None else f"{spelled} {value}"


def speaks_api(fn):
    """A public API function: the errors raised inside it name settings as its parameters (`n_fake`), not as the
    command line's options (`--n-fake`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _speaking_api.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            _speaking_api.reset(token)

    return wrapper


def at_least(name: str, value: int | float | None, low: int | float) -> None:
    """The check the command line's `min=` makes, for every caller: None passes (a default follows)."""
    if value is not None and value < low:
        raise GanbenchError(f"{option(name)} must be at least {low}, not {value}")
