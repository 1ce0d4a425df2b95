"""``mutinfo train NAME``: run one of the training demos and write its metrics and figure."""

# Each demo is a module of mutinfo.demos with a function
# run(out_dir, *, device, epochs, quick, seed, progress) -> dict that trains, writes
# metrics.json and a PNG figure into out_dir, and returns the metrics.

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Demo:
    target: str  # "module:function"
    summary: str  # one line for `mutinfo train --help`
    data: str = ""  # "fashion" or "fortunes" when it needs those files


# One row per demo, in the order --help lists them.
DEMOS: dict[str, Demo] = {
    "iic-digits": Demo("mutinfo.demos.iic_digits:run", "IIC clustering of the 8x8 digits without labels (~2 min on a CPU)"),
    "iic-fashion": Demo("mutinfo.demos.iic_fashion:run", "IIC clustering of Fashion-MNIST without labels", "fashion"),
    "vib-fashion": Demo("mutinfo.demos.vib_fashion:run", "Variational Information Bottleneck: test error and I(X;Z) against beta", "fashion"),
    "imbalance-fashion": Demo("mutinfo.demos.imbalance_fashion:run", "long-tailed Fashion-MNIST: cross-entropy vs + DiscreteMILoss", "fashion"),
    "mnist1d": Demo("mutinfo.demos.mnist1d:run", "MNIST-1D: InfoNCE representations + linear probe vs supervised"),
    "seed-regression": Demo("mutinfo.demos.seed_regression:run", "a 10-10-1 network trained to maximise I(Y; Y_hat) vs MSE"),
    "seed-mlp": Demo("mutinfo.demos.seed_mlp:run", "a 2-4-1 MLP trained with MSE, then evaluated through MI"),
    "information-plane": Demo("mutinfo.demos.information_plane:run", "information plane of tanh vs ReLU networks (Saxe et al. 2018)"),
    "text-mi-decay": Demo("mutinfo.demos.text_mi_decay:run", "I(X_t; X_t+d) between characters: corpus vs n-gram Markov vs GRU text", "fortunes"),
    "text-classify": Demo("mutinfo.demos.text_classify:run", "fortunes categories: MI feature selection vs chi-square; CE vs CE + DiscreteMILoss", "fortunes"),
}
# Files in an output folder that mean "results of an earlier run".
_RESULTS = ("metrics.json", "*.png", "history.csv")


def _description() -> str:
    width = max(len(n) for n in DEMOS)
    rows = "\n".join(f"  {name:<{width}}  {demo.summary}" for name, demo in DEMOS.items())
    return (
        "Run a training demo; write its metrics (metrics.json) and figure (PNG) into a folder.\n\n"
        f"demos:\n{rows}\n\n"
        "By default each run writes into a new folder runs/NAME-YYYYmmdd-HHMMSS; --out DIR chooses the\n"
        "folder, and a folder that already holds results is refused unless --force."
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="run a training demo (see `mutinfo train --help`)",
        description=_description(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the demo to run (listed above)")
    p.add_argument("--list", action="store_true", help="list the demos and exit")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: cuda when available)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the demo's own)")
    p.add_argument("--quick", action="store_true", help="a short run, for checks")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: a new runs/NAME-YYYYmmdd-HHMMSS)")
    p.add_argument("--force", action="store_true", help="write into --out even if it holds results of an earlier run (they are replaced)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(run=run)


def resolve_device(name: str) -> str:
    import torch

    from . import CommandError

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name != "cpu" and name != "cuda" and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise CommandError(f"--device must be cpu, cuda, cuda:N or auto; got {name!r}")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise CommandError(f"--device {name}: CUDA is not available on this machine (use --device cpu)")
        if ":" in name and int(name[5:]) >= torch.cuda.device_count():
            raise CommandError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return name


def output_folder(name: str, out: str | None, force: bool) -> Path:
    """The folder a run writes into, checked before anything is created or trained."""
    from . import CommandError

    if out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path("runs") / f"{name}-{stamp}"
        n = 1
        while folder.exists():
            n += 1
            folder = Path("runs") / f"{name}-{stamp}-{n}"
        return folder
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--out {out}: this is a file, not a folder; give a folder path")
    if folder.is_dir() and not force:
        found = sorted({p.name for pattern in _RESULTS for p in folder.glob(pattern)})
        if found:
            raise CommandError(
                f"--out {out} already holds results of an earlier run ({', '.join(found)}); "
                "choose another folder, omit --out for a new one, or pass --force to replace them"
            )
    parent = next((p for p in [folder, *folder.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise CommandError(f"--out {out}: {parent} is a file, not a folder")
    return folder


def _check_requirements(name: str) -> None:
    from . import CommandError

    if importlib.util.find_spec("matplotlib") is None:
        raise CommandError(f"the {name} demo draws a figure with matplotlib, which is not installed: pip install matplotlib")
    if DEMOS[name].data == "fashion":
        from ..datasets import fashion_mnist_available
        from ..datasets.real import FASHION_MNIST_PATH

        if not fashion_mnist_available():
            raise CommandError(
                f"the {name} demo needs Fashion-MNIST in {FASHION_MNIST_PATH}: apt-get install dataset-fashion-mnist"
            )
    if DEMOS[name].data == "fortunes":
        from ..datasets import fortunes_available

        if not fortunes_available():
            raise CommandError(f"the {name} demo needs the fortunes corpus in /usr/share/games/fortunes: apt-get install fortunes")


def _describe(path: Path) -> str:
    kinds = {".json": "metrics", ".png": "figure", ".csv": "table"}
    return kinds.get(path.suffix, "file")


def run(args: argparse.Namespace) -> int:
    from . import CommandError

    if args.list:
        width = max(len(n) for n in DEMOS)
        for name, demo in DEMOS.items():
            print(f"{name:<{width}}  {demo.summary}")
        return 0
    if not args.name:
        raise CommandError(f"name a demo: mutinfo train NAME, with NAME one of {', '.join(DEMOS)} (mutinfo train --help says what each does)")
    if args.name not in DEMOS:
        raise CommandError(f"unknown demo {args.name!r}; choose one of: {', '.join(DEMOS)}")
    # Every option is checked before anything is written.
    if args.epochs is not None and args.epochs < 1:
        raise CommandError(f"--epochs must be >= 1; got {args.epochs}")
    device = resolve_device(args.device)
    out = output_folder(args.name, args.out, args.force)
    _check_requirements(args.name)
    module_name, _, func = DEMOS[args.name].target.partition(":")
    demo = getattr(importlib.import_module(module_name), func)

    out.mkdir(parents=True, exist_ok=True)
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    print(f"mutinfo train {args.name}: writing into {out}/ (device {device})", flush=True)
    metrics = demo(out, device=device, epochs=args.epochs, quick=args.quick, seed=args.seed, progress=not args.no_progress)
    if args.json:
        print(json.dumps(metrics, indent=2, default=float))
    else:
        for key, value in metrics.items():
            if isinstance(value, (int, float, str, bool)) or value is None:
                print(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
    written = sorted(p for p in out.iterdir() if p.is_file() and before.get(p) != p.stat().st_mtime_ns)
    for path in written:
        print(f"wrote {path}  ({_describe(path)})")
    return 0
