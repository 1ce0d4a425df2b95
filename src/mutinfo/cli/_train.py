"""``mutinfo train NAME``: run one of the training demos and write its metrics and figure.

Each demo is a module of :mod:`mutinfo.demos` with a function
``run(out_dir, *, device, epochs, quick, seed, progress) -> dict`` that trains,
writes ``metrics.json`` and a PNG figure into ``out_dir``, and returns the metrics.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

# Demo name -> "module:function". One row per demo.
DEMOS: dict[str, str] = {
    "iic-digits": "mutinfo.demos.iic_digits:run",
    "iic-fashion": "mutinfo.demos.iic_fashion:run",
    "vib-fashion": "mutinfo.demos.vib_fashion:run",
    "imbalance-fashion": "mutinfo.demos.imbalance_fashion:run",
    "mnist1d": "mutinfo.demos.mnist1d:run",
    "seed-regression": "mutinfo.demos.seed_regression:run",
    "seed-mlp": "mutinfo.demos.seed_mlp:run",
    "information-plane": "mutinfo.demos.information_plane:run",
    "text-mi-decay": "mutinfo.demos.text_mi_decay:run",
    "text-classify": "mutinfo.demos.text_classify:run",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="run a training demo (see `mutinfo train --list`)", description=__doc__)
    p.add_argument("name", nargs="?", help="demo name")
    p.add_argument("--list", action="store_true", help="list the demos")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (default: cuda when available)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the demo's own)")
    p.add_argument("--quick", action="store_true", help="a short run, for checks")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=None, help="output folder (default: runs/NAME)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(run=run)


def resolve_device(name: str) -> str:
    import torch

    from . import CommandError

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise CommandError(f"--device {name}: CUDA is not available on this machine")
    if name != "cpu" and not name.startswith("cuda"):
        raise CommandError(f"--device must be cpu, cuda or auto; got {name!r}")
    return name


def run(args: argparse.Namespace) -> int:
    from . import CommandError

    if args.list or not args.name:
        for name, target in DEMOS.items():
            module = importlib.import_module(target.partition(":")[0])
            summary = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
            print(f"{name:22s} {summary}")
        return 0 if args.list else 2
    if args.name not in DEMOS:
        raise CommandError(f"unknown demo {args.name!r}; choose one of: {', '.join(DEMOS)}")
    if args.epochs is not None and args.epochs < 1:
        raise CommandError(f"--epochs must be >= 1; got {args.epochs}")
    module_name, _, func = DEMOS[args.name].partition(":")
    demo = getattr(importlib.import_module(module_name), func)
    out = Path(args.out or Path("runs") / args.name)
    out.mkdir(parents=True, exist_ok=True)
    metrics = demo(out, device=resolve_device(args.device), epochs=args.epochs, quick=args.quick, seed=args.seed, progress=not args.no_progress)
    print(json.dumps(metrics, indent=2, default=float))
    print(f"wrote {out / 'metrics.json'}")
    return 0
