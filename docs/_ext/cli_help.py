"""A directive that prints ``mutinfo COMMAND --help`` into the page, so the CLI reference cannot go stale.

Usage in a page::

    ```{mutinfo-help} estimate
    ```
"""

from __future__ import annotations

import argparse
import os

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def help_text(command: str) -> str:
    from mutinfo.cli import build_parser

    os.environ["COLUMNS"] = "88"  # argparse wraps to the terminal width: fix it for the page
    parser = build_parser()
    if not command:
        return parser.format_help()
    for action in parser._actions:  # the subcommand parsers
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command].format_help()
    raise ValueError(f"no mutinfo command {command!r}")


class MutinfoHelp(SphinxDirective):
    required_arguments = 0
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        command = self.arguments[0] if self.arguments else ""
        text = help_text(command)
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("mutinfo-help", MutinfoHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
