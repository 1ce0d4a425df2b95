"""``mutinfo methods``: list the registered estimation methods (``--long``: with references)."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("methods", help="list the estimation methods", description="List every registered estimation method.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (summary and reference included)")
    p.add_argument("--long", action="store_true", help="print each method's reference under its row")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._api import methods

    infos = methods()
    if args.json:
        print(json.dumps([m.to_dict() for m in infos], indent=2))
        return 0
    rows = [("name", "data", "quantities", "conditional", "differentiable", "devices", "summary")]
    for m in infos:
        rows.append((
            m.name + (f" ({', '.join(m.aliases)})" if m.aliases else ""),
            "/".join(m.data),
            ",".join(m.quantities),
            "yes" if m.conditional else "no",
            "yes" if m.differentiable else "no",
            ",".join(m.devices),
            m.summary,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
        if args.long and i > 0:
            print(f"    reference: {infos[i - 1].reference}")
    return 0
