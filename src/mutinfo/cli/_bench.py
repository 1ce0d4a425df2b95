"""``mutinfo bench accuracy`` and ``mutinfo bench bmi``.

``accuracy``: every registered estimator against distributions with known MI.

Runs each method that applies (by data kind) on the same samples of each task,
prints a table (task, dims, N, true MI, estimate, error, seconds) and writes
``accuracy.md``, ``accuracy.json``, ``accuracy.png`` (estimates against the truth per
task) and ``staircase.png`` (the 20-d Gaussian and cubic staircases) into ``--out``.
Installed peers (torch-mist, benchmark-mi: ``pip install -e \".[bench-neural]\"``) run on
the same samples.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path
from typing import Any

# Optimiser steps of neural methods under --quick (their default is at least 600).
QUICK_NEURAL_STEPS = 300


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench", help="benchmarks (see `mutinfo bench accuracy --help`)", description="Benchmarks of the estimators."
    )
    inner = p.add_subparsers(dest="bench", metavar="BENCHMARK")
    a = inner.add_parser(
        "accuracy",
        help="every estimator against known ground truth",
        description=__doc__.replace("``", "").replace("\\\"", "\""),  # the module docstring, without its reST markup
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "--quick", action="store_true", help="reduced preset for CI (fewer tasks, 2000 samples; a few minutes on a CPU)"
    )
    a.add_argument("--methods", default=None, help="comma-separated method names to run (default: every registered method)")
    a.add_argument("--tasks", default=None, help="comma-separated substrings; run only tasks whose name contains one of them")
    a.add_argument("--n", type=int, default=None, help="samples per task (default: the preset's)")
    a.add_argument("--seed", type=int, default=0, help="random seed of the samples and the methods (default 0)")
    a.add_argument("--out", default="bench-accuracy", help="output folder (default: bench-accuracy)")
    a.add_argument("--device", default=None, help="device for neural methods: cpu, cuda or auto (default: auto)")
    a.add_argument("--epochs", type=int, default=None, help="training epochs of neural methods (default: theirs)")
    a.add_argument("--no-peers", action="store_true", help="do not run installed peer libraries")
    a.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    a.add_argument("--no-progress", action="store_true", help="hide progress bars")
    a.set_defaults(run=run_accuracy)
    b = inner.add_parser(
        "bmi",
        help="auto, each family and benchmark-mi's estimators on the 40 Beyond-Normal tasks",
        description=(
            "method='auto', one method of each family and benchmark-mi's own estimators (CCA, KSG, a neural critic) on "
            "the 40 tasks of the Beyond-Normal benchmark (Czyz et al. 2023), sampled by benchmark-mi "
            "(pip install -e \".[bench-neural]\", in an environment of its own). Writes bmi.md, bmi.json and bmi.png."
        ),
    )
    b.add_argument("--n", type=int, default=None, help="samples per task (default 5000; 1000 with --quick)")
    b.add_argument("--seeds", default=None, help="comma-separated seeds (default 0,1,2; 0 with --quick)")
    b.add_argument("--quick", action="store_true", help="a few tasks, 1000 samples, one seed, short neural training")
    b.add_argument(
        "--methods",
        default=None,
        help="comma-separated: mutinfo method names, 'auto', and benchmark-mi's as bmi:cca, bmi:ksg, bmi:infonce, "
        "bmi:nwj, bmi:dv, bmi:mine (default: auto,gaussian,ksg,smile,bmi:cca,bmi:ksg,bmi:infonce)",
    )
    b.add_argument("--tasks", default=None, help="comma-separated benchmark-mi task ids (default: all 40; a few with --quick)")
    b.add_argument(
        "--neural-steps", type=int, default=None, help="training steps of neural methods (default: theirs; 300 with --quick)"
    )
    b.add_argument("--out", default="bench-bmi", help="output folder (default: bench-bmi)")
    b.add_argument("--no-figures", action="store_true", help="skip the PNG figure")
    b.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    b.set_defaults(run=run_bmi)
    g = inner.add_parser(
        "generalisation",
        help="auto and each family on 26 distributions with known MI that no rule of auto was shaped on",
        description=(
            "method='auto' and single families on the generalisation suite (mutinfo.bench.generalisation): X-shaped and "
            "scale mixtures, waves, inlier noise, heteroscedastic and multiplicative noise, functions of a norm, "
            "class-conditional Gaussians, Clayton/Frank/Gumbel copulas, Cauchy noise, Student-t, a dense 50+50 Gaussian. "
            "Writes bmi.md, bmi.json (same layout as `mutinfo bench bmi`)."
        ),
    )
    g.add_argument("--n", type=int, default=5000, help="samples per task (default 5000)")
    g.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    g.add_argument("--methods", default="auto,gaussian,tcopula,ksg,mixed,smile,infonce", help="comma-separated method names")
    g.add_argument("--tasks", default=None, help="comma-separated task ids (default: all 26)")
    g.add_argument("--out", default="bench-generalisation", help="output folder (default: bench-generalisation)")
    g.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    g.set_defaults(run=run_generalisation, quick=False, neural_steps=None, no_figures=True)
    p.set_defaults(run=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_accuracy(args: argparse.Namespace) -> int:
    from .. import _registry
    from ..bench import accuracy as _accuracy
    from . import CommandError

    if args.n is not None and args.n < 20:
        raise CommandError(f"--n must be at least 20; got {args.n}")
    if args.epochs is not None and args.epochs < 1:
        raise CommandError(f"--epochs must be >= 1; got {args.epochs}")
    methods = None
    if args.methods:
        methods = [m.strip() for m in args.methods.split(",") if m.strip()]
        for m in methods:
            _registry.get_method(m, "mutinfo bench accuracy --methods")
    tasks = _accuracy.suite(quick=args.quick, n=args.n)
    if args.tasks:
        keys = [k.strip().lower() for k in args.tasks.split(",") if k.strip()]
        tasks = [t for t in tasks if any(k in t.name.lower() for k in keys)]
        if not tasks:
            raise CommandError(
                f"--tasks {args.tasks!r} matches no task; names: "
                + "; ".join(sorted({t.name for t in _accuracy.suite(quick=args.quick)}))
            )
    device = args.device
    if device is not None:
        from ._train import resolve_device

        device = resolve_device(device)

    def method_params(info: _registry.MethodInfo) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if info.family == "neural":
            if device is not None:
                params["device"] = device
            if args.epochs is not None:
                params["epochs"] = args.epochs
            elif args.quick:
                params["max_steps"] = QUICK_NEURAL_STEPS
            params["progress"] = False
        return params

    start = time.perf_counter()
    rows = _accuracy.run(
        tasks,
        methods,
        seed=args.seed,
        peers=not args.no_peers,
        method_params=method_params,
        show_progress=False if args.no_progress else None,
    )
    total = time.perf_counter() - start
    print(f"mutinfo bench accuracy{' --quick' if args.quick else ''}: estimates against known MI (nats)\n")
    print(_accuracy.format_table(rows))
    print()
    for s in _accuracy.summary(rows):
        print(
            f"{s['method']:24s} tasks {s['tasks']:3d}  mean |error| {s['mean_abs_error']:.3f} nats  "
            f"mean relative error {100 * s['mean_rel_error']:.1f}%  {s['seconds']:.1f} s"
            + (f"  ({s['failed']} failed)" if s["failed"] else "")
        )
    meta = {
        "preset": "quick" if args.quick else "full",
        "seed": args.seed,
        "seconds": round(total, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
    }
    out = Path(args.out)
    figures = not args.no_figures
    if figures:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("matplotlib is not installed: skipping the figures (pip install matplotlib)")
            figures = False
    written = _accuracy.write_outputs(rows, out, meta, figures=figures)
    print(f"\n{len(rows)} runs in {total:.1f} s; wrote " + ", ".join(str(p) for p in written))
    return 0


def run_generalisation(args: argparse.Namespace) -> int:
    return run_bmi(args, suite="generalisation")


def run_bmi(args: argparse.Namespace, suite: str = "bmi") -> int:
    from .. import _registry
    from ..bench import bmi as bench
    from ..bench import generalisation
    from . import CommandError

    n = args.n if args.n is not None else (1000 if args.quick else 5000)
    if n < 100:
        raise CommandError(f"--n must be at least 100; got {n}")
    try:
        seeds = [int(s) for s in (args.seeds or ("0" if args.quick else "0,1,2")).split(",") if s.strip()]
    except ValueError:
        raise CommandError(f"--seeds must be comma-separated integers; got {args.seeds!r}") from None
    if not seeds or any(s < 0 for s in seeds):
        raise CommandError(f"--seeds must be comma-separated integers >= 0; got {args.seeds!r}")
    steps = args.neural_steps if args.neural_steps is not None else (QUICK_NEURAL_STEPS if args.quick else None)
    if steps is not None and steps < 1:
        raise CommandError(f"--neural-steps must be >= 1; got {steps}")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()] if args.methods else [*bench.DEFAULT_METHODS, *bench.DEFAULT_PEERS]
    for m in methods:
        if m.startswith("bmi:"):
            if m not in bench.PEER_METHODS:
                raise CommandError(f"--methods: unknown benchmark-mi estimator {m!r}; choose from {', '.join(bench.PEER_METHODS)}")
        elif m != "auto":
            _registry.get_method(m, "mutinfo bench bmi --methods")
    ids = [t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else (list(bench.QUICK_TASKS) if args.quick else None)
    if suite == "generalisation":
        if any(m.startswith("bmi:") for m in methods):
            raise CommandError("--methods: benchmark-mi's estimators run in `mutinfo bench bmi` only")
        try:
            tasks = generalisation.suite(ids)
        except KeyError as exc:
            raise CommandError(f"--tasks: {exc.args[0]}") from None
    else:
        try:
            tasks = bench.bmi_tasks(ids)
        except bench.MissingBenchmark as exc:
            raise CommandError(str(exc)) from None
        except KeyError as exc:
            raise CommandError(f"--tasks: {exc.args[0]}") from None
    start = time.perf_counter()
    if suite == "generalisation":
        rows = generalisation.run(tasks, methods, n=n, seeds=seeds, show_progress=False if args.no_progress else None)
    else:
        rows = bench.run(tasks, methods, n=n, seeds=seeds, neural_steps=steps, show_progress=False if args.no_progress else None)
    total = time.perf_counter() - start
    print(f"mutinfo bench {suite}: {len(tasks)} tasks, n={n}, seeds {','.join(map(str, seeds))} (MI in nats)\n")
    print(bench.format_summary(rows))
    meta = {
        **({"suite": "Generalisation suite (mutinfo.bench.generalisation)"} if suite == "generalisation" else {}),
        "tasks": len(tasks),
        "n": n,
        "seeds": ",".join(map(str, seeds)),
        "methods": ",".join(methods),
        "neural steps": "default" if steps is None else steps,
        "seconds": round(total, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
    }
    figures = not args.no_figures
    if figures:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("matplotlib is not installed: skipping the figure (pip install 'mutinfo[plot]')")
            figures = False
    written = bench.write_outputs(rows, Path(args.out), meta, figures=figures)
    print(f"{len(rows)} runs in {total:.1f} s; wrote " + ", ".join(str(p) for p in written))
    return 0
