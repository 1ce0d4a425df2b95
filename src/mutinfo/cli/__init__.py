"""The ``mutinfo`` command.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Errors a user can fix (missing file or column, bad value)
print one line to stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .._errors import MutualInfoError

__all__ = ["main", "CommandError"]

# Subcommand modules, in the order `mutinfo --help` lists them.
_COMMANDS = ("_methods", "_estimate", "_demo", "_train", "_bench")


class CommandError(Exception):
    """A user-facing command-line error: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="mutinfo", description="Mutual information for deep learning: estimate, train, evaluate.")
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
        return int(args.run(args) or 0)
    except (CommandError, MutualInfoError) as exc:
        print(f"mutinfo {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mutinfo {args.command}: interrupted", file=sys.stderr)
        return 130
