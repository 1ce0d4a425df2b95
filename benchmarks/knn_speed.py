"""Speed and accuracy of mutinfo's k-NN (KSG) estimator next to peer libraries.

Every tool sees the same data in the same run: a bivariate Gaussian with rho = 0.9
(N = 1e3 ... 1e6) and a 5 + 5-dimensional Gaussian with rho = 0.8 per coordinate
pair (N = 1e4, 1e5), all with k = 3, in nats. For each row: wall time (best of a
few repeats for small N), the ratio peer time / mutinfo time measured in this run,
the estimate, and its error against the true MI, -d/2 log(1 - rho^2).

Peers (``pip install 'mutinfo[bench]'``): scikit-learn's mutual_info_regression
(1-D only), ennemi (1-D x per column, so 1-D only here), infomeasure's KSG, and
NPEET (as packaged in ``npeet-plus``). A peer that is not installed, or whose time
at the next size is projected (from its time at the previous size, scaled by
N log N) beyond ``--budget`` seconds, is skipped and the table says so. GPU rows
(mutinfo with device="cuda") are added when CUDA is present.

Usage::

    python benchmarks/knn_speed.py            # full table, written to benchmarks/results/knn_speed.md
    python benchmarks/knn_speed.py --quick    # N <= 1e4, a few seconds
"""

from __future__ import annotations

import argparse
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


def _mutinfo(device: str | None) -> Callable:
    def run(x, y):
        return mi.mutual_information(x, y, method="ksg", k=K, random_state=0, device=device)

    return run


def _sklearn():
    from sklearn.feature_selection import mutual_info_regression

    def run(x, y):
        return float(mutual_info_regression(x, y[:, 0], n_neighbors=K, random_state=0)[0])

    return run


def _ennemi():
    import ennemi

    def run(x, y):
        return float(np.asarray(ennemi.estimate_mi(y[:, 0], x[:, 0], k=K)).ravel()[0])

    return run


def _infomeasure():
    import infomeasure as im

    def run(x, y):
        a = x[:, 0] if x.shape[1] == 1 else x
        b = y[:, 0] if y.shape[1] == 1 else y
        return float(im.mutual_information(a, b, approach="ksg", k=K))

    return run


def _npeet():
    from npeet_plus import estimators as npeet

    def run(x, y):
        return float(npeet.mi(x, y, k=K, base=math.e))

    return run


def tools(with_gpu: bool) -> list[tuple[str, Callable | str, bool]]:
    """(name, runner or the reason it is missing, handles multivariate data)."""
    out: list[tuple[str, Callable | str, bool]] = [("mutinfo ksg (cpu)", _mutinfo(None), True)]
    if with_gpu:
        out.append(("mutinfo ksg (cuda)", _mutinfo("cuda"), True))
    for name, make, multi in (
        ("scikit-learn", _sklearn, False),
        ("ennemi", _ennemi, False),
        ("infomeasure", _infomeasure, True),
        ("NPEET", _npeet, True),
    ):
        try:
            out.append((name, make(), multi))
        except ImportError as exc:
            out.append((name, f"not installed ({exc.name})", multi))
    return out


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
    all_tools = tools(with_gpu)
    last_time: dict[tuple[str, int], tuple[int, float]] = {}
    rows = []
    for dim, rho, n in cases:
        x, y, truth = gaussian(n, dim, rho, seed=n + dim)
        repeats = 3 if n <= 10_000 else 1
        results = {}
        for name, runner, multi in all_tools:
            if isinstance(runner, str):
                results[name] = (None, None, runner)
                continue
            if dim > 1 and not multi:
                results[name] = (None, None, "1-D variables only")
                continue
            prev = last_time.get((name, dim))
            if prev is not None and prev[1] * nlogn(n) / nlogn(prev[0]) > args.budget:
                projected = prev[1] * nlogn(n) / nlogn(prev[0])
                results[name] = (None, None, f"skipped: projected {projected:.0f} s from {prev[1]:.1f} s at N={prev[0]:.0e} (N log N)")
                continue
            try:
                t, v = timed(runner, x, y, repeats)
            except Exception as exc:  # a peer failing on this size is reported, not fatal
                results[name] = (None, None, f"failed: {type(exc).__name__}: {exc}"[:120])
                continue
            last_time[(name, dim)] = (n, t)
            results[name] = (t, v, "")
            print(f"d={dim} N={n:>8} {name:<20} {t:9.3f} s  I={v:.4f} (true {truth:.4f})", file=sys.stderr, flush=True)
        ours = results["mutinfo ksg (cpu)"][0]
        for name, (t, v, note) in results.items():
            ratio = "" if t is None or name.startswith("mutinfo ksg (cpu)") else f"{t / ours:.1f}x"
            rows.append(
                (
                    f"{dim}+{dim}-D rho={rho}",
                    f"{n:.0e}".replace("e+0", "e"),
                    name,
                    "" if t is None else f"{t:.3f}",
                    ratio,
                    "" if v is None else f"{v:.4f}",
                    f"{truth:.4f}",
                    "" if v is None else f"{v - truth:+.4f}",
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

    head = ("data", "N", "tool", "time (s)", "peer time / mutinfo time", "estimate (nats)", "true MI", "error", "note")
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
        f"{os.cpu_count()} CPU core(s){' and CUDA' if with_gpu else ', no GPU'}; {', '.join(versions)}. "
        "All tools ran in one process on the same data; ratios compare times from this run. "
        f"Peers projected beyond {args.budget:.0f} s were skipped (see notes).\n\n"
    )
    print(table)
    if not args.quick or args.out != RESULTS:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(header + table + "\n")
        print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
