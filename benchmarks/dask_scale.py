"""MI matrix and mRMR on Dask: data generated on the workers, larger than a worker's memory limit.

Data set (generated chunk by chunk on the workers from a per-chunk seed, so the
client never holds it; regenerated in every pass rather than persisted, so no
process ever holds all of it): ``n`` rows x 200 binned columns with 8 levels
(int64, 8 bytes per cell) and a target y with 4 classes.

* columns 0-9 are informative: y = (b_0 + ... + b_4 > t) * 2 + (b_5 + ... + b_9 > t'),
  with b_i the top bit of column i (columns are uniform on 0..7);
* columns 10-29 are redundant: column 10 + i is column i % 10 with 10 % of its
  values replaced by independent uniform values;
* columns 30-199 are independent noise.

Runs, on a LocalCluster of 2 worker processes (1 thread each) with a memory limit per
worker below the data set's size:

* ``mi.pairwise`` of the first ``--matrix-columns`` columns (all pairs, one graph);
* ``MISelector(method="mrmr", n_features_to_select=20)`` on all 200 columns against y;

and, where the data fits this machine (``--in-memory-max-rows``), the same two on the
computed NumPy array, checking that the matrices are equal and the selections
identical. Peak memory per worker is the worker process's peak resident set size
(VmHWM). Throughput: rows x columns (x pairs for the matrix) per second per
worker core.

Run:  python benchmarks/dask_scale.py [--rows 1000000 10000000] [--matrix-columns 200]
Writes benchmarks/results/dask_scale.md and prints the same markdown.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

P = 200
LEVELS = 8
CHUNK = 25_000


def make_chunk(seed: int, rows: int) -> np.ndarray:
    """One chunk of the data set: (rows, P + 1) int64, the last column is y."""
    rng = np.random.default_rng(seed)
    out = np.empty((rows, P + 1), dtype=np.int64)
    X = rng.integers(0, LEVELS, size=(rows, P), dtype=np.uint8)
    flip = rng.random((rows, 20), dtype=np.float32) < 0.1
    X[:, 10:30] = np.where(flip, X[:, 10:30], X[:, np.arange(20) % 10])
    top = X[:, :10] >= LEVELS // 2
    out[:, :P] = X
    out[:, P] = (top[:, :5].sum(1) >= 3).astype(np.int64) * 2 + (top[:, 5:10].sum(1) >= 3)
    return out


def dataset(n: int, seed: int = 0):
    import dask
    import dask.array as da

    chunks = []
    for i, start in enumerate(range(0, n, CHUNK)):
        rows = min(CHUNK, n - start)
        chunks.append(da.from_delayed(dask.delayed(make_chunk, pure=True)(seed * 100_003 + i, rows), shape=(rows, P + 1), dtype=np.int64))
    arr = da.concatenate(chunks, axis=0)
    return arr[:, :P], arr[:, P]


def peak_rss(dask_worker=None) -> int:
    """Peak resident memory of this process since it started its program (bytes).

    Linux's VmHWM belongs to the process's current address space; ``ru_maxrss`` is not
    usable here: it carries over the parent's resident size through fork and exec, so a
    worker spawned by a process that once held the in-memory reference reports that size.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--matrix-columns", type=int, default=200)
    parser.add_argument("--matrix-max-rows", type=int, default=10_000_000, help="skip the matrix above this many rows")
    parser.add_argument("--in-memory-max-rows", type=int, default=1_000_000)
    parser.add_argument("--in-memory-matrix-columns", type=int, default=200)
    parser.add_argument("--memory-limit", default="1.2GiB")
    parser.add_argument("--tasks", nargs="+", default=["mrmr", "matrix", "memory"], help="any of mrmr, matrix, memory (in-memory references)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "dask_scale.md"))
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster
    from dask.utils import parse_bytes

    import mutinfo as mi
    from mutinfo.selection import MISelector

    limit = parse_bytes(args.memory_limit)
    rows_out = []
    notes = []
    for n in args.rows:
        data_bytes = n * (P + 1) * 8
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=limit, dashboard_address=None) as cluster, Client(cluster) as client:
            X, y = dataset(n)
            rec = {"n": n, "data_gb": data_bytes / 1e9, "limit_gb": limit / 1e9}
            sel = None
            if "mrmr" in args.tasks:
                t = time.perf_counter()
                sel = MISelector(method="mrmr", n_features_to_select=20, estimator="plugin").fit(X, y)
                rec["mrmr_s"] = time.perf_counter() - t
                rec["mrmr"] = sel.selection_order_.tolist()
                rec["passes"] = sel.dask_passes_
                rec["peak_mrmr_gb"] = max(client.run(peak_rss).values()) / 1e9
                print(rec, flush=True)
            q = args.matrix_columns
            if "matrix" in args.tasks and n <= args.matrix_max_rows:
                t = time.perf_counter()
                M = mi.pairwise(X[:, :q], method="plugin")
                rec["matrix_s"] = time.perf_counter() - t
                print(rec, flush=True)
            rec["peak_gb"] = max(client.run(peak_rss).values()) / 1e9
            if "memory" in args.tasks and n <= args.in_memory_max_rows:
                # The same chunks, made here (a worker could not hold the whole array).
                full = np.concatenate([make_chunk(i, min(CHUNK, n - start)) for i, start in enumerate(range(0, n, CHUNK))])
                Xn, yn = full[:, :P], full[:, P]
                t = time.perf_counter()
                ref = MISelector(method="mrmr", n_features_to_select=20, estimator="plugin").fit(Xn, yn)
                rec["mem_mrmr_s"] = time.perf_counter() - t
                rec["mem_mrmr"] = ref.selection_order_.tolist()
                if sel is not None:
                    rec["match"] = ref.selection_order_.tolist() == rec["mrmr"] and np.array_equal(ref.scores_, sel.scores_)
                print(rec, flush=True)
                if "matrix_s" in rec:
                    qm = min(q, args.in_memory_matrix_columns)
                    t = time.perf_counter()
                    ref_m = mi.pairwise(Xn[:, :qm], method="plugin")
                    rec["mem_matrix_s"] = time.perf_counter() - t
                    rec["mem_matrix_cols"] = qm
                    rec["matrix_match"] = bool(np.array_equal(ref_m, M[:qm, :qm]))
                del Xn, yn, full
        rows_out.append(rec)
        print(rec, flush=True)

    lines = ["# MI matrix and mRMR on Dask (benchmarks/dask_scale.py)", ""]
    lines.append(f"LocalCluster: 2 worker processes x 1 thread, memory limit {args.memory_limit} per worker; {P} binned columns (8 levels, int64), y with 4 classes; "
                 f"data generated on the workers in chunks of {CHUNK} rows and regenerated in each pass (never persisted, never on the client). "
                 f"Matrix: `mi.pairwise(X[:, :{args.matrix_columns}], method='plugin')`. mRMR: `MISelector(method='mrmr', n_features_to_select=20, estimator='plugin')`.")
    lines.append("")
    lines.append("| rows | data set (GB) | mRMR K=20 (s) | passes | rows x cols / s / core (mRMR) | matrix (s) | rows x pairs / s / core (matrix) | peak RSS per worker (GB): after mRMR / after both | in memory mRMR (s) | same selection | in memory matrix (s, cols) | same matrix |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows_out:
        thr = r["n"] * P * r["passes"] / r["mrmr_s"] / 2 if "mrmr_s" in r else float("nan")
        pairs = args.matrix_columns * (args.matrix_columns + 1) / 2  # the diagonal is a pass too
        mthr = f"{r['n'] * pairs / r['matrix_s'] / 2:.3g}" if "matrix_s" in r else "-"
        lines.append(
            f"| {r['n']:.0e} | {r['data_gb']:.1f} | {r.get('mrmr_s', float('nan')):.1f} | {r.get('passes', '-')} | {thr:.3g} | {r.get('matrix_s', float('nan')):.1f} | {mthr} | {r.get('peak_mrmr_gb', float('nan')):.2f} / {r['peak_gb']:.2f} | "
            f"{r.get('mem_mrmr_s', float('nan')):.1f} | {r.get('match', '-')} | "
            + (f"{r['mem_matrix_s']:.1f} ({r['mem_matrix_cols']})" if "mem_matrix_s" in r else "-")
            + f" | {r.get('matrix_match', '-')} |"
        )
    lines.append("")
    for r in rows_out:
        lines.append(f"Selected at {r['n']:.0e} rows: Dask {r.get('mrmr', '-')}; in memory {r.get('mem_mrmr', '-')}")
    lines += notes
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
