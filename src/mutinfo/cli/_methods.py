"""``mutinfo methods``: list the registered estimation methods (``--long``: with references)."""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap

# The summary column is never narrower than this; below it the table wraps past the terminal.
_MIN_SUMMARY = 24


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "methods",
        help="list the estimation methods",
        description="List every registered estimation method: the data it takes, what it estimates, and a summary.",
    )
    p.add_argument("--long", action="store_true", help="one block per method with its data kinds, quantities and references")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (summary and reference included)")
    p.set_defaults(run=run)


def _width() -> int:
    return shutil.get_terminal_size(fallback=(100, 24)).columns


_SHORT_DATA = {"discrete": "disc", "continuous": "cont", "mixed": "mixed"}
_SHORT_QUANTITY = {"entropy": "H", "conditional_entropy": "H(X|Y)", "mi": "I", "cmi": "I(X;Y|Z)"}


def table(infos, width: int) -> list[str]:
    """The short listing, each line at most ``width`` characters (summaries wrapped; `--long` for the rest)."""
    rows = [("name", "data", "estimates")]
    for m in infos:
        rows.append((m.name, "/".join(_SHORT_DATA[d] for d in m.data), ",".join(_SHORT_QUANTITY[q] for q in m.quantities)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    indent = sum(widths) + 2 * len(widths)
    room = max(width - indent - 1, _MIN_SUMMARY)
    lines = []
    summaries = ["summary (disc = discrete, cont = continuous; `mutinfo methods --long` for references)"] + [m.summary for m in infos]
    for r, summary in zip(rows, summaries):
        for i, part in enumerate(textwrap.wrap(summary, room) or [""]):
            cells = r if i == 0 else ("",) * len(r)
            lines.append(("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + part).rstrip())
    return lines


def long_listing(infos, width: int) -> list[str]:
    """One block per method: data kinds, quantities, properties, summary and references."""
    width = max(width, 40)
    lines: list[str] = []
    for m in infos:
        lines.append(m.name + (f" (also: {', '.join(m.aliases)})" if m.aliases else ""))
        fields = [
            ("data", ", ".join(m.data)),
            ("estimates", ", ".join(m.quantities)),
            ("family", m.family),
            ("differentiable", "yes" if m.differentiable else "no"),
            ("devices", ", ".join(m.devices)),
            ("summary", m.summary),
            ("references", m.reference),
        ]
        for label, text in fields:
            head = f"  {label + ':':<16}"
            lines.extend(textwrap.wrap(text, width, initial_indent=head, subsequent_indent=" " * len(head)) or [head.rstrip()])
        lines.append("")
    return lines[:-1]


def run(args: argparse.Namespace) -> int:
    from .._api import methods

    infos = methods()
    if args.json:
        print(json.dumps([m.to_dict() for m in infos], indent=2))
        return 0
    lines = long_listing(infos, _width()) if args.long else table(infos, _width())
    print("\n".join(lines))
    return 0
