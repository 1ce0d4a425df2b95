"""``mutinfo estimate``: MI, conditional MI or entropy of columns of a CSV or Parquet file."""

from __future__ import annotations

import argparse
import dataclasses
import json


_FLAGS = {"auto": "auto", "true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "estimate",
        help="estimate MI / conditional MI / entropy of columns of a data file",
        description="Estimate I(X;Y), I(X;Y|Z), or H(X) when --y is omitted, from columns of a CSV or Parquet file.",
    )
    p.add_argument("file", help="CSV file with a header row (or .parquet with pyarrow installed)")
    cols = (
        "comma-separated column names (or 0-based indices); repeat the option to add columns, "
        "and give a name that holds a comma as one whole value"
    )
    p.add_argument("--x", required=True, action="append", metavar="COLS", help=f"columns forming X: {cols}")
    p.add_argument("--y", action="append", metavar="COLS", help="columns forming Y (omit for the entropy of X)")
    p.add_argument("--z", action="append", metavar="COLS", help="columns forming Z, for I(X;Y|Z)")
    p.add_argument("--method", default="auto", help="estimation method (see `mutinfo methods`); default auto")
    p.add_argument(
        "--discrete",
        action="append",
        metavar="COLS",
        help="columns holding labels (discrete); every other chosen column is then continuous. "
        "Or auto (default: integer and text columns are discrete, floats continuous), true (all discrete) or false (all continuous)",
    )
    p.add_argument("--k", type=int, default=3, help="neighbours for k-NN methods (default 3)")
    p.add_argument("--ci", type=float, default=0.95, help="interval level; 0 to skip (default 0.95)")
    p.add_argument("--bootstrap", type=int, default=200, metavar="N", help="bootstrap resamples (default 200)")
    p.add_argument("--permutations", type=int, default=0, metavar="N", help="permutation test with N permutations (default: no test)")
    p.add_argument("--base", type=float, default=None, help="logarithm base: 2 for bits (default: nats)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--delimiter", default=None, help="CSV delimiter: one character, or tab (default: detected among , ; tab |)")
    p.add_argument(
        "--nan-policy",
        choices=("raise", "omit"),
        default="raise",
        help="missing values (empty or NA cells, NaN): raise an error (default), or omit the rows where any chosen column is missing",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def _check_missing(columns: dict, path: str) -> None:
    """One line naming the first chosen column with missing cells and its data rows (1 = first row after the header)."""
    import numpy as np

    from . import CommandError

    for name, col in columns.items():
        missing = np.asarray(col.isna(), dtype=bool)
        if missing.any():
            rows = np.flatnonzero(missing) + 1
            shown = ", ".join(str(r) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            raise CommandError(
                f"column {name!r} of {path} has missing values (empty or NA cells) at data rows [{shown}] "
                "(row 1 is the first after the header); remove them, or pass --nan-policy omit to drop incomplete rows"
            )


def _discrete_flags(values: list[str] | None, variables: dict[str, list[str]], table_names: list[str]) -> object:
    """``discrete=`` for the API: "auto"/True/False, or one flag per variable from a list of label columns."""
    from .._io import split_spec
    from . import CommandError

    if not values:
        return "auto"
    if len(values) == 1 and values[0].strip().lower() in _FLAGS and values[0] not in table_names:
        return _FLAGS[values[0].strip().lower()]
    listed = set()
    for item in split_spec(values, table_names):
        if item in table_names:
            listed.add(item)
        elif item.isdigit() and int(item) < len(table_names):
            listed.add(table_names[int(item)])
        else:
            raise CommandError(
                f"--discrete: no column {item!r}; give column names (or auto, true, false); columns are {', '.join(table_names)}"
            )
    chosen = {c for cols in variables.values() for c in cols}
    unused = sorted(listed - chosen)
    if unused:
        raise CommandError(f"--discrete names {', '.join(repr(u) for u in unused)}, which is not in --x, --y or --z")
    flags = []
    for option, cols in variables.items():
        inside = [c in listed for c in cols]
        if any(inside) and not all(inside):
            raise CommandError(
                f"{option} mixes label columns ({', '.join(c for c, i in zip(cols, inside) if i)}) and numeric ones "
                f"({', '.join(c for c, i in zip(cols, inside) if not i)}); a variable is either discrete or continuous: "
                "split it into --x/--y/--z or list all its columns in --discrete"
            )
        flags.append(all(inside))
    return tuple(flags)


def _check_options(args: argparse.Namespace) -> None:
    from . import CommandError

    if args.z and not args.y:
        raise CommandError("--z needs --y: conditional MI is I(X;Y|Z)")
    if args.permutations < 0:
        raise CommandError(f"--permutations must be 0 (no test) or a positive number of permutations; got {args.permutations}")
    if args.bootstrap < 1:
        raise CommandError(f"--bootstrap must be a positive number of resamples; got {args.bootstrap}")
    if not (args.ci == 0 or 0 < args.ci < 1):
        raise CommandError(f"--ci must be 0 (no interval) or a level in (0, 1) such as 0.95; got {args.ci:g}")
    if args.base is not None and not (args.base > 0 and args.base != 1):
        raise CommandError(f"--base must be a positive number other than 1 (2 for bits); got {args.base:g}")


def run(args: argparse.Namespace) -> int:
    import warnings

    from .._api import estimate
    from .._errors import MutualInfoWarning
    from .._io import check_delimiter, read_table, select_columns

    _check_options(args)
    check_delimiter(args.delimiter)
    table = read_table(args.file, args.delimiter)
    names = [str(c) for c in table.columns]
    picked = {"x": select_columns(table, args.x, args.file, "--x")}
    if args.y:
        picked["y"] = select_columns(table, args.y, args.file, "--y")
    if args.z:
        picked["z"] = select_columns(table, args.z, args.file, "--z")
    columns = {opt: ([p.name] if p.ndim == 1 else [str(c) for c in p.columns]) for opt, p in picked.items()}
    labels = {opt: ",".join(cols) for opt, cols in columns.items()}
    discrete = _discrete_flags(args.discrete, {f"--{k}": v for k, v in columns.items()}, names)
    if args.nan_policy == "raise":
        _check_missing({c: table[c] for cols in columns.values() for c in cols}, args.file)
    with warnings.catch_warnings():
        # Every note is printed below as a "warning:" line; not twice.
        warnings.simplefilter("ignore", MutualInfoWarning)
        result = estimate(
            picked["x"],
            picked.get("y"),
            picked.get("z"),
            method=args.method,
            discrete=discrete,
            base=args.base,
            k=args.k,
            random_state=args.seed,
            ci=args.ci if args.ci else None,
            n_bootstrap=args.bootstrap,
            test="permutation" if args.permutations > 0 else None,
            n_permutations=max(args.permutations, 1),
            nan_policy=args.nan_policy,
        )
    result = dataclasses.replace(result, names=tuple(labels[o] for o in ("x", "y", "z") if o in labels))  # the column names
    if args.json:
        out = result.to_dict()
        out.update({"file": args.file, "x": labels["x"], "y": labels.get("y"), "z": labels.get("z")})
        print(json.dumps(out, indent=2))
        return 0
    label = {"entropy": "H({x})", "mi": "I({x} ; {y})", "cmi": "I({x} ; {y} | {z})"}[result.quantity].format(**labels)
    print(f"{label} = {result.value:.6g} {result.unit}")
    if result.ci_low is not None:
        kind = result.details.get("interval", "basic")
        labels = {"basic": "bootstrap", "subsampling": "subsampling", "subsamples": "disjoint-subsample", "influence": "delta-method", "posterior": "posterior", "normal": "held-out normal"}
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
