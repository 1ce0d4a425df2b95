"""Bias of the k-NN MI estimators on tied, rounded and 0/1-as-float data at small N.

Cases with known MI (nats), 200 data sets each, k = 3:

* ``indep``: X ~ Bernoulli(1/2) stored as float, Y = round(N(150, 70)), independent:
  I = 0 (the issue-10 reproducer; diabetes ``sex`` against its target is this shape).
* ``binary-gauss``: X ~ Bernoulli(1/2) as float, Y | X ~ N(2X, 1):
  I = h(Y) - h(Y|X), h(Y) by quadrature of the two-component mixture (0.3368).
* ``binary-gauss-0.1``: the same with Y rounded to 0.1: I of the discretised pair,
  from the exact cell probabilities (normal CDF differences).
* ``rounded-gauss``: standard bivariate Gaussian, rho = 0.8, both rounded to 0.5:
  I of the discretised pair from cell probabilities (fine 2-D quadrature per cell).

For each case and N in (50, 100, 442), the mean and standard deviation of the
estimates of ``mixed`` (default: ties at a positive radius ordered by noise),
``mixed`` with ``noise=0`` (the reference counting of Gao et al.'s code, which the
package used before) and ``ksg``.

Usage::

    python benchmarks/mixed_ties.py            # 200 data sets per cell, about a minute
    python benchmarks/mixed_ties.py --reps 50
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
from scipy.stats import norm

import mutinfo as mi


def _mixture_entropy(shift: float) -> float:
    """Differential entropy of 0.5 N(0, 1) + 0.5 N(shift, 1) by quadrature (nats)."""
    t = np.linspace(-12.0, 12.0 + shift, 200_001)
    p = 0.5 * (norm.pdf(t) + norm.pdf(t - shift))
    return float(-(p * np.log(p)).sum() * (t[1] - t[0]))


def _discrete_mi(p: np.ndarray) -> float:
    p = p / p.sum()
    px, py = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum())


def truths() -> dict[str, float]:
    out = {"indep": 0.0}
    out["binary-gauss"] = _mixture_entropy(2.0) - 0.5 * math.log(2 * math.pi * math.e)
    edges = np.arange(-8.05, 10.05 + 1e-9, 0.1)
    cells = np.stack([np.diff(norm.cdf(edges - 2.0 * b)) for b in (0, 1)]) * 0.5
    out["binary-gauss-0.1"] = _discrete_mi(cells)
    # Rounded to 0.5: cells [m - 0.25, m + 0.25); density integrated on a 0.005 grid.
    rho, step, sub = 0.8, 0.5, 100
    g = np.arange(-6.0 - step / 2, 6.0 + step / 2, step / sub) + step / (2 * sub)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    dens = np.exp(-(gx**2 - 2 * rho * gx * gy + gy**2) / (2 * (1 - rho**2))) / (2 * math.pi * math.sqrt(1 - rho**2))
    m = dens.shape[0] // sub
    out["rounded-gauss"] = _discrete_mi(dens[: m * sub, : m * sub].reshape(m, sub, m, sub).sum(axis=(1, 3)))
    return out


def sample(case: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if case == "indep":
        return rng.integers(0, 2, n).astype(float), np.round(rng.normal(150, 70, n))
    if case.startswith("binary-gauss"):
        x = rng.integers(0, 2, n).astype(float)
        y = 2.0 * x + rng.standard_normal(n)
        return x, (np.round(y * 10) / 10 if case.endswith("0.1") else y)
    z = rng.standard_normal((n, 2))
    x, y = z[:, 0], 0.8 * z[:, 0] + 0.6 * z[:, 1]
    return np.round(x * 2) / 2, np.round(y * 2) / 2


ESTIMATORS = {
    "mixed": dict(method="mixed"),
    "mixed noise=0": dict(method="mixed", noise=0.0),
    "ksg": dict(method="ksg"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    true = truths()
    print(f"k = 3, {args.reps} data sets per cell; mean +- sd of the estimate, nats\n")
    print("| case | truth | N | " + " | ".join(ESTIMATORS) + " |")
    print("|---|---|---|" + "---|" * len(ESTIMATORS))
    for case, truth in true.items():
        for n in (50, 100, 442):
            cells = []
            for opts in ESTIMATORS.values():
                vals = [
                    mi.mutual_information(*sample(case, n, np.random.default_rng(rep)), discrete=False, random_state=rep, **opts)
                    for rep in range(args.reps)
                ]
                cells.append(f"{np.mean(vals) - truth:+.3f} +- {np.std(vals):.3f}")
            print(f"| {case} | {truth:.4f} | {n} | " + " | ".join(cells) + " |")
    print("\nCells give bias (mean - truth) +- sd.")


if __name__ == "__main__":
    main()
