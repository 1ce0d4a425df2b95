"""Empirical coverage of the intervals of ``mutinfo.estimate``.

For each estimator family, many replicate data sets are drawn from a distribution
whose MI is known exactly (or by quadrature), ``mi.estimate(..., ci=0.95)`` is run on
each, and the table reports how often the interval contains the true value, its mean
width, and the mean error of the point estimate. Every case records the interval
construction ``Estimate.details["interval"]`` names, and how often the interval had
to be widened to reach its estimate, or carried an undersampling warning.

Cases:

* discrete, well sampled: a 4x4 symmetric channel (x uniform, y = x with probability
  0.7, else uniform), n = 2000; every discrete method;
* discrete, undersampled: 50 uniform symbols, n = 100 and 200, independent (I = 0)
  and dependent (y = x with probability 0.5, else uniform); every discrete method;
* k-NN: ``ksg`` on a bivariate Gaussian with rho = 0.6, n = 500;
* mixed: x uniform on {0, 1, 2}, y | x ~ N(mu_x, 1), mu = (-1, 0, 1.5), n = 500,
  ``ross`` and ``mixed``; the MI h(Y) - h(Y|X) by quadrature;
* Gaussian: ``gaussian`` on rho = 0.6, n = 200;
* neural: ``smile`` with a small critic on rho = 0.8, n = 1000 (fewer replicates:
  each fit trains a network).

Run:  python benchmarks/coverage.py [--quick] [--replicates R] [--only FAMILY]
A full run writes benchmarks/results/coverage.md and prints the same table;
``--quick`` (20 replicates, 5 neural) only prints, unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import integrate, stats

import mutinfo as mi

RESULTS = Path(__file__).resolve().parent / "results" / "coverage.md"
LEVEL = 0.95
DISCRETE = ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb")


@dataclass
class Case:
    family: str
    label: str
    method: str
    truth: float
    n: int
    draw: Callable[[np.random.Generator], tuple]
    params: dict
    replicates: int


def channel_mi(k: int, keep: float) -> float:
    """I(X;Y) of x uniform on k symbols, y = x with probability keep, else uniform on k."""
    p = np.full((k, k), (1.0 - keep) / (k * k))
    p[np.diag_indices(k)] += keep / k
    return float(mi.discrete.mutual_information_from_joint(p))


def channel(k: int, keep: float, n: int) -> Callable[[np.random.Generator], tuple]:
    def draw(r: np.random.Generator) -> tuple:
        x = r.integers(0, k, n)
        y = np.where(r.random(n) < keep, x, r.integers(0, k, n))
        return x, y

    return draw


MU = np.array([-1.0, 0.0, 1.5])


def mixture_mi() -> float:
    """I(X;Y) = h(Y) - h(Y|X) for x uniform on 3 classes, y | x ~ N(MU[x], 1), by quadrature."""

    def density(y: float) -> float:
        return float(np.mean(stats.norm.pdf(y, MU, 1.0)))

    def integrand(y: float) -> float:
        p = density(y)
        return -p * math.log(p) if p > 0 else 0.0

    h_y, _ = integrate.quad(integrand, -12.0, 13.5, limit=200, epsabs=1e-12)
    return h_y - 0.5 * math.log(2 * math.pi * math.e)


def mixture(n: int) -> Callable[[np.random.Generator], tuple]:
    def draw(r: np.random.Generator) -> tuple:
        x = r.integers(0, 3, n)
        return x, MU[x] + r.standard_normal(n)

    return draw


def gaussian(n: int, rho: float) -> Callable[[np.random.Generator], tuple]:
    def draw(r: np.random.Generator) -> tuple:
        x = r.standard_normal(n)
        return x, rho * x + math.sqrt(1 - rho * rho) * r.standard_normal(n)

    return draw


def cases(replicates: int, neural_replicates: int) -> list[Case]:
    out = []
    truth = channel_mi(4, 0.7)
    for m in DISCRETE:
        out.append(Case("discrete, well sampled", "4x4 channel", m, truth, 2000, channel(4, 0.7, 2000), {}, replicates))
    for n in (100, 200):
        for keep, what in ((0.0, "independent"), (0.5, "dependent")):
            t = channel_mi(50, keep) if keep else 0.0
            for m in DISCRETE:
                out.append(Case("discrete, undersampled", f"50 symbols, {what}", m, t, n, channel(50, keep, n), {}, replicates))
    rho = 0.6
    g = -0.5 * math.log(1 - rho * rho)
    out.append(Case("k-NN", "Gaussian rho=0.6", "ksg", g, 500, gaussian(500, rho), {}, replicates))
    t = mixture_mi()
    for m in ("ross", "mixed"):
        out.append(Case("mixed", "3 classes x N(mu, 1)", m, t, 500, mixture(500), {"discrete": (True, False)}, replicates))
    out.append(Case("Gaussian", "Gaussian rho=0.6", "gaussian", g, 200, gaussian(200, rho), {}, replicates))
    rho = 0.8
    out.append(
        Case(
            "neural", "Gaussian rho=0.8", "smile", -0.5 * math.log(1 - rho * rho), 1000, gaussian(1000, rho),
            {"hidden": (32,), "embed_dim": 16, "epochs": 20, "batch_size": 128}, neural_replicates,
        )
    )
    return out


def run_case(case: Case, n_bootstrap: int) -> dict:
    hits, widths, errors, widened, warned = 0, [], [], 0, 0
    construction = set()
    start = time.perf_counter()
    for rep in range(case.replicates):
        r = np.random.default_rng(10_000 + rep)
        x, y = case.draw(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = mi.estimate(x, y, method=case.method, random_state=rep, n_bootstrap=n_bootstrap, ci=LEVEL, **case.params)
        hits += est.ci_low <= case.truth <= est.ci_high
        widths.append(est.ci_high - est.ci_low)
        errors.append(est.value - case.truth)
        widened += bool(est.details.get("interval_widened"))
        warned += any(w.startswith("Undersampled") for w in est.warnings)
        construction.add(est.details.get("interval", "?"))
    return {
        "coverage": hits / case.replicates,
        "width": float(np.mean(widths)),
        "bias": float(np.mean(errors)),
        "widened": widened / case.replicates,
        "warned": warned / case.replicates,
        "construction": "/".join(sorted(construction)),
        "seconds": time.perf_counter() - start,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 replicates (5 neural) and 100 bootstrap resamples")
    parser.add_argument("--replicates", type=int, default=None, help="replicate data sets per case (default 200; 20 with --quick)")
    parser.add_argument("--neural-replicates", type=int, default=None, help="replicates of the neural case (default 40; 5 with --quick)")
    parser.add_argument("--bootstrap", type=int, default=None, help="bootstrap resamples per estimate (default 200; 100 with --quick)")
    parser.add_argument("--only", default=None, help="run only the families whose name contains this text")
    parser.add_argument("--out", type=Path, default=None, help=f"markdown file to write (default {RESULTS.name} for a full run; none with --quick)")
    args = parser.parse_args(argv)
    replicates = args.replicates or (20 if args.quick else 200)
    neural_replicates = args.neural_replicates or (5 if args.quick else 40)
    n_bootstrap = args.bootstrap or (100 if args.quick else 200)

    rows = []
    header = (
        "| family | data | method | interval | true MI | n | replicates | coverage | mean width | mean estimate - truth | widened | undersampling warning |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    for case in cases(replicates, neural_replicates):
        if args.only and args.only not in case.family:
            continue
        res = run_case(case, n_bootstrap)
        row = (
            f"| {case.family} | {case.label} | {case.method} | {res['construction']} | {case.truth:.4f} | {case.n} | "
            f"{case.replicates} | {res['coverage']:.2f} | {res['width']:.3f} | {res['bias']:+.3f} | "
            f"{res['widened']:.2f} | {res['warned']:.2f} |"
        )
        print(row, flush=True)
        rows.append(row)

    text = "\n".join(
        [
            "# Coverage of the 95% intervals of `mutinfo.estimate`",
            "",
            f"Command: `python benchmarks/coverage.py{' --quick' if args.quick else ''}`"
            f" ({replicates} replicates per case, {neural_replicates} for the neural case, {n_bootstrap} bootstrap resamples; "
            f"{platform.python_version()}, NumPy {np.__version__}).",
            "",
            "Coverage is the fraction of replicate data sets whose interval contains the true MI (nominal 0.95; "
            f"with {replicates} replicates its standard error is about {math.sqrt(0.95 * 0.05 / replicates):.3f}). "
            "`widened`: fraction of intervals whose construction excluded the estimate and was extended to it. "
            "`undersampling warning`: fraction of estimates that carried the discrete undersampling warning.",
            "",
            header,
            *rows,
            "",
        ]
    )
    out = args.out if args.out is not None else (None if args.quick or args.only else RESULTS)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
