"""Cost of the 95% interval of ``mutinfo.estimate`` against the point estimate, in one process.

For each method the point estimate (``mi.mutual_information`` / ``mi.entropy``) and
``mi.estimate(..., ci=0.95)`` run on the same data, best of ``--repeats`` runs each;
the ratio is interval-estimate time over point time (the interval call includes its
own point estimate). Data: 2+2-dimensional Gaussian, x ~ N(0, I_2), y = 0.6 x + 0.8 e,
n = 10000 (``kl``: the entropy of x). Targets (issue 23): <= 5x for ksg, kl and mixed,
<= 3x for copula (and gcmi, tcopula) and gaussian.

Run:  python benchmarks/interval_speed.py [--n N] [--repeats R]
It prints the table and writes benchmarks/results/interval_speed.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import mutinfo as mi

RESULTS = Path(__file__).resolve().parent / "results" / "interval_speed.md"
TARGET = {"ksg": 5, "kl": 5, "mixed": 5, "copula": 3, "gcmi": 3, "tcopula": 3, "gaussian": 3}


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    r = np.random.default_rng(0)
    a = r.standard_normal((args.n, 2))
    b = 0.6 * a + 0.8 * r.standard_normal((args.n, 2))
    header = "| method | construction | point (s) | estimate with 95% interval (s) | ratio | target |\n|---|---|---|---|---|---|"
    rows = []
    print(header, flush=True)
    warnings.simplefilter("ignore")
    for method, target in TARGET.items():
        if method == "kl":
            point = lambda: mi.entropy(a, method="kl", random_state=0)  # noqa: E731
            interval = lambda: mi.estimate(a, method="kl", random_state=0, ci=0.95)  # noqa: E731
        else:
            point = lambda: mi.mutual_information(a, b, method=method, random_state=0)  # noqa: E731
            interval = lambda: mi.estimate(a, b, method=method, random_state=0, ci=0.95)  # noqa: E731
        point()  # warm-up
        construction = interval().details["interval"]
        tp, ti = best(point, args.repeats), best(interval, args.repeats)
        row = f"| {method} | {construction} | {tp:.4f} | {ti:.4f} | {ti / tp:.1f} | <= {target} |"
        print(row, flush=True)
        rows.append(row)
    text = "\n".join(
        [
            "# Interval cost against the point estimate",
            "",
            f"Command: `python benchmarks/interval_speed.py --n {args.n} --repeats {args.repeats}` (best of "
            f"{args.repeats} runs each, one process; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"{os.cpu_count()} CPUs visible, shared with other work). 2+2-D Gaussian, n = {args.n}.",
            "",
            header,
            *rows,
            "",
        ]
    )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
