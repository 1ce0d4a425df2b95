"""Empirical coverage of the intervals of ``mutinfo.estimate``.

For each estimator family, many replicate data sets are drawn from a distribution
whose MI is known exactly (or by quadrature), ``mi.estimate(..., ci=0.95)`` is run on
each, and the table reports how often the interval contains the true value, its mean
width, and the mean error of the point estimate. Every case records the interval
construction ``Estimate.details["interval"]`` names, and how often the interval had
to be widened to reach its estimate, or carried an undersampling warning.

Cases:

* discrete, well sampled: a 4x4 symmetric channel (x uniform, y = x with probability
  0.7, else uniform); plug-in, Miller-Madow (bias-corrected) and NSB;
* discrete, undersampled: 50 uniform symbols, y = x with probability 0.5, else uniform
  (2500 cells: under 5 samples per cell even at n = 10000); the same methods;
* k-NN: ``ksg`` on a bivariate Gaussian with rho = 0.6;
* mixed: x uniform on {0, 1, 2}, y | x ~ N(mu_x, 1), mu = (-1, 0, 1.5), ``mixed``;
  the MI h(Y) - h(Y|X) by quadrature;
* copula: ``copula``, ``gcmi`` and ``tcopula`` on a Gaussian copula with rho = 0.6 and
  exp / cube marginals;
* Gaussian: ``gaussian`` on rho = 0.6;
* auto: ``method="auto"`` (the ``ensemble`` of continuous candidates, whose interval
  re-chooses the candidate on every disjoint subsample) on the Gaussian rho = 0.6 and
  on the 1+1-D X-shaped mixture of the generalisation suite (truth by quadrature);
* neural: ``smile`` with a small critic on rho = 0.8, n = 1000 only (fewer replicates:
  each fit trains a network).

Every case but the neural one runs at n = 200, 1000 and 10000.

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
from mutinfo.bench import generalisation

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


SIZES = (200, 1000, 10000)


def task_draw(task: generalisation.Task, n: int) -> Callable[[np.random.Generator], tuple]:
    """Draws of a generalisation-suite task, seeded from the replicate's generator."""

    def draw(r: np.random.Generator) -> tuple:
        return task.sample(n, int(r.integers(0, 2**31 - 1)))

    return draw


def copula_pair(n: int, rho: float) -> Callable[[np.random.Generator], tuple]:
    """A Gaussian copula with non-Gaussian marginals (exp and cube): the MI is that of the Gaussian."""

    def draw(r: np.random.Generator) -> tuple:
        x, y = gaussian(n, rho)(r)
        return np.exp(x), y**3

    return draw


def cases(replicates: int, neural_replicates: int, sizes: tuple[int, ...] = SIZES, large_replicates: int | None = None) -> list[Case]:
    """Every family at every size; ``large_replicates`` (if given) replaces ``replicates`` at n >= 10000."""
    out = []
    xshape = next(t for t in generalisation.suite() if t.id == "xshape-1-1-r0.9")
    well = channel_mi(4, 0.7)
    under = channel_mi(50, 0.5)
    rho = 0.6
    g = -0.5 * math.log(1 - rho * rho)
    t_mix = mixture_mi()
    for n in sizes:
        reps = large_replicates if (large_replicates and n >= 10_000) else replicates
        for m in ("plugin", "miller_madow", "nsb"):
            out.append(Case("discrete, well sampled", "4x4 channel", m, well, n, channel(4, 0.7, n), {}, reps))
        for m in ("plugin", "miller_madow", "nsb"):
            out.append(Case("discrete, undersampled", "50 symbols, dependent", m, under, n, channel(50, 0.5, n), {}, reps))
        out.append(Case("k-NN", "Gaussian rho=0.6", "ksg", g, n, gaussian(n, rho), {}, reps))
        out.append(Case("mixed", "3 classes x N(mu, 1)", "mixed", t_mix, n, mixture(n), {"discrete": (True, False)}, reps))
        for m in ("copula", "gcmi", "tcopula"):
            out.append(Case("copula", "Gaussian copula rho=0.6, exp / cube marginals", m, g, n, copula_pair(n, rho), {}, reps))
        out.append(Case("Gaussian", "Gaussian rho=0.6", "gaussian", g, n, gaussian(n, rho), {}, reps))
        out.append(Case("auto", "Gaussian rho=0.6", "auto", g, n, gaussian(n, rho), {}, reps))
        out.append(Case("auto", "X-shaped mixture 1+1, r=0.9", "auto", xshape.true_mi, n, task_draw(xshape, n), {}, reps))
    rho = 0.8
    out.append(
        Case(
            "neural", "Gaussian rho=0.8", "smile", -0.5 * math.log(1 - rho * rho), 1000, gaussian(1000, rho),
            {"hidden": (32,), "embed_dim": 16, "epochs": 20, "batch_size": 128}, neural_replicates,
        )
    )
    return out


def run_case(case: Case, n_bootstrap: int) -> dict:
    hits, widths, errors, widened, labels = 0, [], [], 0, set()
    construction = set()
    start = time.perf_counter()
    for rep in range(case.replicates):
        r = np.random.default_rng(10_000 + rep)
        x, y = case.draw(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = mi.estimate(x, y, method=case.method, random_state=rep, n_bootstrap=n_bootstrap, ci=LEVEL, **case.params)
        hits += bool(est.ci_low <= case.truth <= est.ci_high)
        widths.append(est.ci_high - est.ci_low)
        errors.append(est.value - case.truth)
        widened += bool(est.details.get("interval_widened"))
        construction.add(est.details.get("interval", "?"))
        labels.add(est.details.get("interval_label", "?"))
    cov = hits / case.replicates
    return {
        "coverage": cov,
        "se": math.sqrt(max(cov * (1 - cov), LEVEL * (1 - LEVEL)) / case.replicates),
        "width": float(np.nanmean(widths)),
        "bias": float(np.mean(errors)),
        "widened": widened / case.replicates,
        "construction": "/".join(sorted(construction)),
        "label": "/".join(sorted(labels)),
        "seconds": time.perf_counter() - start,
    }


HEADER = (
    "| family | data | method | n | draws | interval | label | true MI | coverage | SE | mean width | mean estimate - truth | widened |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def verdict(coverage: float, se: float) -> str:
    return "yes" if abs(coverage - LEVEL) <= 0.05 else "no"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 draws (5 neural), 100 bootstrap resamples, n = 200 and 1000")
    parser.add_argument("--replicates", type=int, default=None, help="draws per case (default 200; 20 with --quick)")
    parser.add_argument("--large-replicates", type=int, default=None, help="draws per case at n = 10000 (default: --replicates)")
    parser.add_argument("--neural-replicates", type=int, default=None, help="draws of the neural case (default 40; 5 with --quick)")
    parser.add_argument("--bootstrap", type=int, default=None, help="bootstrap resamples per estimate (default 200; 100 with --quick)")
    parser.add_argument("--only", default=None, help="run only the families whose name contains this text")
    parser.add_argument("--out", type=Path, default=None, help=f"markdown file to write (default {RESULTS.name} for a full run; none with --quick)")
    args = parser.parse_args(argv)
    replicates = args.replicates or (20 if args.quick else 200)
    neural_replicates = args.neural_replicates if args.neural_replicates is not None else (5 if args.quick else 40)
    n_bootstrap = args.bootstrap or (100 if args.quick else 200)
    sizes = (200, 1000) if args.quick else SIZES

    rows = []
    print(HEADER, flush=True)
    for case in cases(replicates, neural_replicates, sizes, args.large_replicates):
        if args.only and args.only not in case.family:
            continue
        if case.replicates == 0:
            continue
        res = run_case(case, n_bootstrap)
        row = (
            f"| {case.family} | {case.label} | {case.method} | {case.n} | {case.replicates} | {res['construction']} | "
            f"{res['label']} | {case.truth:.4f} | {res['coverage']:.3f} | {res['se']:.3f} | {res['width']:.3f} | "
            f"{res['bias']:+.3f} | {res['widened']:.2f} |"
        )
        print(row, f"({res['seconds']:.0f} s)", flush=True)
        rows.append(row)

    large = f", {args.large_replicates} at n = 10000" if args.large_replicates else ""
    text = "\n".join(
        [
            "# Coverage of the 95% intervals of `mutinfo.estimate`",
            "",
            f"Command: `python benchmarks/coverage.py{' --quick' if args.quick else ''}"
            f"{f' --replicates {args.replicates}' if args.replicates else ''}"
            f"{f' --large-replicates {args.large_replicates}' if args.large_replicates else ''}"
            f"{f' --neural-replicates {args.neural_replicates}' if args.neural_replicates is not None else ''}`"
            f" ({replicates} draws per case{large}, {neural_replicates} for the neural case, {n_bootstrap} bootstrap "
            f"resamples where a construction resamples; Python {platform.python_version()}, NumPy {np.__version__}).",
            "",
            "Coverage is the fraction of draws whose interval contains the true MI (nominal 0.95). SE is its binomial "
            "standard error, sqrt(max(c(1-c), 0.95 x 0.05) / draws). `label` is `Estimate.details[\"interval_label\"]`: "
            "\"confidence interval\" or what the interval is instead. `widened`: fraction of intervals whose "
            "construction excluded the estimate and was extended to it.",
            "",
            HEADER,
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
