"""The ``mutinfo`` command.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Errors a user can fix (missing file or column, bad value)
print one line to stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from typing import Sequence

from .._errors import MutualInfoError

__all__ = ["main", "CommandError"]

# Subcommand modules, in the order `mutinfo --help` lists them.
_COMMANDS = ("_methods", "_estimate", "_demo", "_train", "_bench")


class CommandError(Exception):
    """A user-facing command-line error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors on one line (the usage itself is one ``--help`` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="mutinfo", description="Mutual information for deep learning: estimate, train, evaluate.")
    parser.add_argument("--version", action="version", version=f"mutinfo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            # Floating-point warnings from NumPy are the library's business: a result it
            # cannot trust is an error or a "warning:" line of its own, never a traceback-like
            # RuntimeWarning on the terminal.
            warnings.simplefilter("ignore", RuntimeWarning)
            with np_errstate():
                code = int(args.run(args) or 0)
        sys.stdout.flush()
        return code
    except (CommandError, MutualInfoError) as exc:
        print(f"mutinfo {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`mutinfo estimate ... --json | head -c 10`): stop quietly, as
        # `cat` would. Python would otherwise report the pipe again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"mutinfo {args.command}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def np_errstate():
    """``numpy.errstate(all="ignore")`` when NumPy is loaded (it always is for estimate and bench)."""
    import contextlib

    np = sys.modules.get("numpy")
    return np.errstate(all="ignore") if np is not None else contextlib.nullcontext()
