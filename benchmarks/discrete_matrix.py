"""MI matrix of discrete columns: mutinfo.pairwise against pair-by-pair evaluation and scikit-learn.

Three ways to the same (p, p) plug-in matrix (nats) of ``n`` rows x ``p`` integer columns
with 8 levels, in one process on the same array:

* ``mutinfo.pairwise(X, method="plugin")``: every count table at once (one one-hot matrix
  product per chunk of rows, :func:`mutinfo._api._table_pairwise`);
* mutinfo pair by pair (the same estimator called once per pair, as before the tables path);
* scikit-learn: ``sklearn.metrics.mutual_info_score`` for every pair (the diagonal as
  ``mutual_info_score(x, x)``).

Checks that the three matrices agree (mutinfo's two exactly, scikit-learn's to 1e-12),
reports the best of ``--repeats`` wall-clock times with BLAS limited to one thread and
with all cores, and the speed ratios.

    python benchmarks/discrete_matrix.py [--n 100000] [--p 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np


def best(fn, repeats: int):
    out = fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--p", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "discrete_matrix.md"))
    args = parser.parse_args()

    from sklearn.metrics import mutual_info_score
    from threadpoolctl import threadpool_limits

    import mutinfo as mi
    from mutinfo import _api

    rng = np.random.default_rng(0)
    n, p = args.n, args.p
    X = rng.integers(0, 8, (n, p))
    X[:, 1::3] = (X[:, 0::3][:, : X[:, 1::3].shape[1]] + rng.integers(0, 3, (n, X[:, 1::3].shape[1]))) % 8  # dependent columns

    def tables():
        return mi.pairwise(X, method="plugin")

    def pair_by_pair():
        saved = _api._table_pairwise
        _api._table_pairwise = lambda *a, **k: None
        try:
            return mi.pairwise(X, method="plugin")
        finally:
            _api._table_pairwise = saved

    def sklearn():
        out = np.empty((p, p))
        for i in range(p):
            for j in range(i, p):
                out[i, j] = out[j, i] = mutual_info_score(X[:, i], X[:, j])
        return out

    cores = os.cpu_count()
    rows = []
    results = {}
    for threads in sorted({1, cores}):
        with threadpool_limits(threads):
            for name, fn in (("mutinfo.pairwise (tables)", tables), ("mutinfo pair by pair", pair_by_pair), ("scikit-learn mutual_info_score per pair", sklearn)):
                seconds, value = best(fn, args.repeats)
                results[name] = value
                rows.append((threads, name, seconds))
                print(threads, name, f"{seconds:.3f}", flush=True)
    exact = bool(np.array_equal(results["mutinfo.pairwise (tables)"], results["mutinfo pair by pair"]))
    vs_sklearn = float(np.max(np.abs(results["mutinfo.pairwise (tables)"] - results["scikit-learn mutual_info_score per pair"])))
    pairs = p * (p + 1) // 2
    lines = [
        "# MI matrix of discrete columns (benchmarks/discrete_matrix.py)",
        "",
        f"{n:,} rows x {p} integer columns (8 levels, a third of them noisy copies), {pairs:,} entries with the diagonal; "
        f"plug-in MI in nats; best of {args.repeats} runs; one process, BLAS threads limited by threadpoolctl "
        f"({platform.processor() or platform.machine()}, {cores} cores).",
        "",
        f"Same matrix: tables vs pair by pair bit for bit: {exact}; largest difference to scikit-learn: {vs_sklearn:.1e} nats.",
        "",
        "| threads | method | seconds | entries / s | speed-up of the tables path |",
        "|---|---|---:|---:|---:|",
    ]
    for threads, name, seconds in rows:
        ref = next(s for t, m, s in rows if t == threads and m == "mutinfo.pairwise (tables)")
        lines.append(f"| {threads} | {name} | {seconds:.3f} | {pairs / seconds:,.0f} | {seconds / ref:.1f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    assert exact and vs_sklearn < 1e-12


if __name__ == "__main__":
    main()
