"""``mutinfo estimate``: MI, conditional MI or entropy of columns of a CSV or Parquet file."""

from __future__ import annotations

import argparse
import dataclasses
import json


def _discrete(value: str) -> object:
    v = value.strip().lower()
    if v == "auto":
        return "auto"
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"must be auto, true or false; got {value!r}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "estimate",
        help="estimate MI / conditional MI / entropy of columns of a data file",
        description="Estimate I(X;Y), I(X;Y|Z), or H(X) when --y is omitted, from columns of a CSV or Parquet file.",
    )
    p.add_argument("file", help="CSV file with a header row (or .parquet with pyarrow installed)")
    p.add_argument("--x", required=True, metavar="COLS", help="comma-separated column names (or 0-based indices) forming X")
    p.add_argument("--y", metavar="COLS", help="columns forming Y (omit for the entropy of X)")
    p.add_argument("--z", metavar="COLS", help="columns forming Z, for I(X;Y|Z)")
    p.add_argument("--method", default="auto", help="estimation method (see `mutinfo methods`); default auto")
    p.add_argument("--discrete", type=_discrete, default="auto", help="auto, true or false (applies to all variables)")
    p.add_argument("--k", type=int, default=3, help="neighbours for k-NN methods (default 3)")
    p.add_argument("--ci", type=float, default=0.95, help="interval level; 0 to skip (default 0.95)")
    p.add_argument("--bootstrap", type=int, default=200, metavar="N", help="bootstrap resamples (default 200)")
    p.add_argument("--permutations", type=int, default=0, metavar="N", help="permutation test with N permutations (default: no test)")
    p.add_argument("--base", type=float, default=None, help="logarithm base: 2 for bits (default: nats)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default: detected)")
    p.add_argument(
        "--nan-policy",
        choices=("raise", "omit"),
        default="raise",
        help="missing values (empty or NA cells, NaN): raise an error (default), or omit the rows where any chosen column is missing",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def _check_missing(table: dict, specs: list, path: str) -> None:
    """One line naming the first chosen column with missing cells and its data rows (1 = first row after the header)."""
    import numpy as np

    from . import CommandError

    names = list(table)
    for spec in specs:
        for item in (s.strip() for s in (spec or "").split(",") if s.strip()):
            name = item if item in table else names[int(item)]
            col = table[name]
            missing = np.isnan(col) if col.dtype.kind == "f" else np.array([v is None for v in col], dtype=bool)
            if missing.any():
                rows = np.flatnonzero(missing) + 1
                shown = ", ".join(str(r) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
                raise CommandError(
                    f"column {name!r} of {path} has missing values (empty or NA cells) at data rows [{shown}] "
                    "(row 1 is the first after the header); remove them, or pass --nan-policy omit to drop incomplete rows"
                )


def run(args: argparse.Namespace) -> int:
    import warnings

    from .._api import estimate
    from .._errors import MutualInfoWarning
    from .._io import read_table, select_columns
    from . import CommandError

    if args.z and not args.y:
        raise CommandError("--z needs --y: conditional MI is I(X;Y|Z)")
    table = read_table(args.file, args.delimiter)
    x = select_columns(table, args.x, args.file, "--x")
    y = select_columns(table, args.y, args.file, "--y") if args.y else None
    z = select_columns(table, args.z, args.file, "--z") if args.z else None
    if args.nan_policy == "raise":
        _check_missing(table, [args.x, args.y, args.z], args.file)
    with warnings.catch_warnings():
        # Every note is printed below as a "warning:" line; not twice.
        warnings.simplefilter("ignore", MutualInfoWarning)
        result = estimate(
            x,
            y,
            z,
            method=args.method,
            discrete=args.discrete,
            base=args.base,
            k=args.k,
            random_state=args.seed,
            ci=args.ci if args.ci else None,
            n_bootstrap=args.bootstrap,
            test="permutation" if args.permutations > 0 else None,
            n_permutations=max(args.permutations, 1),
            nan_policy=args.nan_policy,
        )
    result = dataclasses.replace(result, names=tuple(n for n in (args.x, args.y, args.z) if n))  # the column names
    if args.json:
        out = result.to_dict()
        out.update({"file": args.file, "x": args.x, "y": args.y, "z": args.z})
        print(json.dumps(out, indent=2))
        return 0
    names = {"x": args.x, "y": args.y, "z": args.z}
    label = {"entropy": "H({x})", "mi": "I({x} ; {y})", "cmi": "I({x} ; {y} | {z})"}[result.quantity].format(**names)
    print(f"{label} = {result.value:.6g} {result.unit}")
    if result.ci_low is not None:
        kind = result.details.get("interval", "basic")
        labels = {"basic": "bootstrap", "subsampling": "subsampling", "posterior": "posterior", "normal": "held-out normal"}
        label = labels.get(kind, kind)
        extra = f" ({result.n_bootstrap} resamples)" if result.n_bootstrap else ""
        print(f"  {100 * result.ci_level:g}% {label} CI: [{result.ci_low:.6g}, {result.ci_high:.6g}]{extra}")
    if result.p_value is not None:
        print(f"  permutation p-value: {result.p_value:.4g} ({result.n_permutations} permutations)")
    reason = result.details.get("auto_reason")
    print(f"  method: {result.method}" + (f" (auto: {reason})" if reason else "") + f", n = {result.n_samples}")
    for w in result.warnings:
        print(f"  warning: {w}")
    return 0
