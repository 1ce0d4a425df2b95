"""Speed and accuracy of mutinfo's k-NN (KSG) estimator next to peer libraries.

Every tool sees the same data in the same run: a bivariate Gaussian with rho = 0.9
(N = 1e3 ... 1e6) and a 5 + 5-dimensional Gaussian with rho = 0.8 per coordinate
pair (N = 1e4, 1e5), all with k = 3, in nats. For each row: wall time (best of a
few repeats for small N), the ratio peer time / mutinfo time measured in this run,
the estimate, and its error against the true MI, -d/2 log(1 - rho^2).

Peers (``pip install -e ".[bench]"`` from a clone): scikit-learn's
mutual_info_regression (1-D only), ennemi (1-D x per column, so 1-D only here),
infomeasure's KSG, and NPEET (as packaged in ``npeet-plus``). A peer that is not
installed, or whose time at the next size is projected (from its time at the previous
size, scaled by N log N) beyond ``--budget`` seconds, is skipped and the table says so.
GPU rows (mutinfo with device="cuda") are added when CUDA is present.

Every case runs twice, side by side, and ratios compare tools within one setting:

* **all cores**: mutinfo on every core (its default); peers with a thread or job
  option get it (scikit-learn ``n_jobs=-1``, ennemi ``max_threads=None``, which
  parallelise over feature columns and tasks, so one pair gains nothing);
  infomeasure and NPEET have none and run on one thread.
* **one core**: the process is pinned to one CPU (``os.sched_setaffinity``) and
  mutinfo runs with ``MUTINFO_NUM_THREADS=1``; peers get ``n_jobs=1`` /
  ``max_threads=1``.

Usage::

    python benchmarks/knn_speed.py            # full table, written to benchmarks/results/knn_speed.md
    python benchmarks/knn_speed.py --quick    # N <= 1e4, a few seconds

On a shared machine, other processes inflate times (peers' and mutinfo's alike);
the 1-minute load average before each case is in the table.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import mutinfo as mi  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "knn_speed.md"
K = 3


def gaussian(n: int, dim: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    return x, y, -0.5 * dim * math.log(1 - rho**2)


# ---------------------------------------------------------------------------
# Tools: name -> (callable(x, y) -> nats, handles multivariate x and y).


def _mutinfo(device: str | None, jobs: int | None) -> Callable:
    def run(x, y):
        return mi.mutual_information(x, y, method="ksg", k=K, random_state=0, device=device)

    return run


def _sklearn(jobs: int | None):
    from sklearn.feature_selection import mutual_info_regression

    def run(x, y):
        return float(mutual_info_regression(x, y[:, 0], n_neighbors=K, random_state=0, n_jobs=-1 if jobs is None else jobs)[0])

    return run


def _ennemi(jobs: int | None):
    import ennemi

    def run(x, y):
        return float(np.asarray(ennemi.estimate_mi(y[:, 0], x[:, 0], k=K, max_threads=jobs)).ravel()[0])

    return run


def _infomeasure(jobs: int | None):
    import infomeasure as im

    def run(x, y):
        a = x[:, 0] if x.shape[1] == 1 else x
        b = y[:, 0] if y.shape[1] == 1 else y
        return float(im.mutual_information(a, b, approach="ksg", k=K))

    return run


def _npeet(jobs: int | None):
    from npeet_plus import estimators as npeet

    def run(x, y):
        return float(npeet.mi(x, y, k=K, base=math.e))

    return run


# How each tool is told the thread count (None: all cores, 1: one).
THREADS = {
    "mutinfo ksg (cpu)": ("MUTINFO_NUM_THREADS unset", "MUTINFO_NUM_THREADS=1"),
    "mutinfo ksg (cuda)": ("GPU", ""),
    "scikit-learn": ("n_jobs=-1", "n_jobs=1"),
    "ennemi": ("max_threads=None", "max_threads=1"),
    "infomeasure": ("no thread option", "no thread option"),
    "NPEET": ("no thread option", "no thread option"),
}


def tools(with_gpu: bool, jobs: int | None) -> list[tuple[str, Callable | str, bool]]:
    """(name, runner or the reason it is missing, handles multivariate data); ``jobs`` None: all cores, 1: one."""
    out: list[tuple[str, Callable | str, bool]] = [("mutinfo ksg (cpu)", _mutinfo(None, jobs), True)]
    if with_gpu and jobs is None:
        out.append(("mutinfo ksg (cuda)", _mutinfo("cuda", jobs), True))
    for name, make, multi in (
        ("scikit-learn", _sklearn, False),
        ("ennemi", _ennemi, False),
        ("infomeasure", _infomeasure, True),
        ("NPEET", _npeet, True),
    ):
        try:
            out.append((name, make(jobs), multi))
        except ImportError as exc:
            out.append((name, f"not installed ({exc.name})", multi))
    return out


@contextlib.contextmanager
def cores(jobs: int | None):
    """All cores (None), or this process pinned to one CPU with mutinfo told to use one thread (1)."""
    if jobs is None:
        yield
        return
    before = os.sched_getaffinity(0)
    env = os.environ.get("MUTINFO_NUM_THREADS")
    os.sched_setaffinity(0, {min(before)})
    os.environ["MUTINFO_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
        if env is None:
            del os.environ["MUTINFO_NUM_THREADS"]
        else:
            os.environ["MUTINFO_NUM_THREADS"] = env


def timed(fn: Callable, x, y, repeats: int) -> tuple[float, float]:
    best, value = math.inf, math.nan
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn(x, y)
        best = min(best, time.perf_counter() - start)
    return best, value


def nlogn(n: int) -> float:
    return n * math.log(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="N <= 1e4 only")
    ap.add_argument("--budget", type=float, default=150.0, help="skip a peer whose projected time exceeds this (s)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="markdown file to write")
    args = ap.parse_args(argv)

    import torch

    with_gpu = torch.cuda.is_available()
    cases = [(1, 0.9, n) for n in (1_000, 10_000, 100_000, 1_000_000)] + [(5, 0.8, n) for n in (10_000, 100_000)]
    if args.quick:
        cases = [c for c in cases if c[2] <= 10_000]
    n_cores = len(os.sched_getaffinity(0))
    modes = [(None, f"all ({n_cores})"), (1, "1")]
    all_tools = {jobs: tools(with_gpu, jobs) for jobs, _ in modes}
    last_time: dict[tuple[str, int, int | None], tuple[int, float]] = {}
    rows = []
    for dim, rho, n in cases:
        x, y, truth = gaussian(n, dim, rho, seed=n + dim)
        repeats = 3 if n <= 10_000 else 1
        for jobs, label in modes:
            results = {}
            load = f"{os.getloadavg()[0]:.1f}"
            with cores(jobs):
                for name, runner, multi in all_tools[jobs]:
                    if isinstance(runner, str):
                        results[name] = (None, None, runner)
                        continue
                    if dim > 1 and not multi:
                        results[name] = (None, None, "1-D variables only")
                        continue
                    prev = last_time.get((name, dim, jobs))
                    if prev is not None and prev[1] * nlogn(n) / nlogn(prev[0]) > args.budget:
                        projected = prev[1] * nlogn(n) / nlogn(prev[0])
                        results[name] = (None, None, f"skipped: projected {projected:.0f} s from {prev[1]:.1f} s at N={prev[0]:.0e} (N log N)")
                        continue
                    try:
                        t, v = timed(runner, x, y, repeats)
                    except Exception as exc:  # a peer failing on this size is reported, not fatal
                        results[name] = (None, None, f"failed: {type(exc).__name__}: {exc}"[:120])
                        continue
                    last_time[(name, dim, jobs)] = (n, t)
                    results[name] = (t, v, "")
                    print(f"d={dim} N={n:>8} cores={label:<8} {name:<20} {t:9.3f} s  I={v:.4f} (true {truth:.4f})", file=sys.stderr, flush=True)
            ours = results["mutinfo ksg (cpu)"][0]
            for name, (t, v, note) in results.items():
                ratio = "" if t is None or name.startswith("mutinfo ksg (cpu)") else f"{t / ours:.1f}x"
                rows.append(
                    (
                        f"{dim}+{dim}-D rho={rho}",
                        f"{n:.0e}".replace("e+0", "e"),
                        label,
                        name,
                        THREADS[name][0 if jobs is None else 1],
                        "" if t is None else f"{t:.3f}",
                        ratio,
                        "" if v is None else f"{v:.4f}",
                        f"{truth:.4f}",
                        "" if v is None else f"{v - truth:+.4f}",
                        load,
                        note,
                    )
                )

    # mutinfo.pairwise: the shared path against calling mutual_information column by column.
    n_pw, p_pw = (2_000, 50) if args.quick else (10_000, 200)
    rng = np.random.default_rng(1)
    features = rng.standard_normal((n_pw, p_pw))
    target = features[:, :10].sum(axis=1) + rng.standard_normal(n_pw)
    start = time.perf_counter()
    shared = mi.pairwise(features, target, method="ksg", k=K, random_state=0)
    t_shared = time.perf_counter() - start
    start = time.perf_counter()
    looped = np.array([mi.mutual_information(features[:, j], target, method="ksg", k=K, random_state=j) for j in range(p_pw)])
    t_loop = time.perf_counter() - start
    pairwise_line = (
        f"\n\n`mutinfo.pairwise` of {p_pw} features against one target, N={n_pw}: {t_shared:.2f} s; "
        f"`mutual_information` column by column: {t_loop:.2f} s (ratio {t_loop / t_shared:.2f}); "
        f"largest difference {np.abs(shared[:, 0] - looped).max():.1e} nats (different tie-breaking noise draws)."
    )
    print(pairwise_line.strip(), file=sys.stderr)

    head = ("data", "N", "cores", "tool", "threads", "time (s)", "peer time / mutinfo time (same cores)", "estimate (nats)", "true MI",
            "error", "load", "note")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    table = "\n".join(lines) + pairwise_line
    versions = []
    for mod in ("numpy", "scipy", "sklearn", "ennemi", "infomeasure", "torch"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:
            pass
    header = (
        "# k-NN (KSG, k=3) speed and accuracy\n\n"
        f"Generated by `python benchmarks/knn_speed.py{' --quick' if args.quick else ''}` on {platform.machine()} with "
        f"{n_cores} CPU core(s){' and CUDA' if with_gpu else ', no GPU'}; {', '.join(versions)}. "
        "All tools ran in one process on the same data. Each case ran twice: on all cores (mutinfo's default; peers "
        "with a thread option got it, see `threads`) and pinned to one core (mutinfo with MUTINFO_NUM_THREADS=1); "
        "ratios compare tools within the same setting of the same run. The machine is shared with other jobs "
        "(1-minute load average in `load`), so absolute times are noisy; the ratios, measured side by side, less so. "
        f"Peers projected beyond {args.budget:.0f} s were skipped (see notes). The pairwise line below ran on all cores.\n\n"
    )
    print(table)
    if not args.quick or args.out != RESULTS:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(header + table + "\n")
        print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
