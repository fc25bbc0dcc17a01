"""The one exception type the CLI turns into a one-line message and an exit code.

Anything the user can fix (a name, a path, a file, a sample count) raises
GanbenchError; everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

# Documented in docs/cli.md; stable, scripts rely on them.
EXIT_OK = 0
EXIT_REGRESSION = 1  # reserved for `ganbench gate`
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
