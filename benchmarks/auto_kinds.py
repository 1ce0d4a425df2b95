"""How many distinct values make a float column discrete under ``discrete="auto"``.

X is uniform on m levels stored as floats, Y is continuous: independent of X
(true MI 0), or Y = X + sigma * N(0, 1) with sigma = m / 3 (true MI by numerical
integration). For m levels and s samples per level (n = m s), the table gives the
mean error and the root-mean-square error over 12 seeds, in nats, of the two routes
``method="auto"`` can take:

* discrete: X as labels, the Ross k-NN estimator (``method="ross"``);
* continuous: X as a tied continuous column (``method="mixed"``, Gao et al.).

The rule in ``mutinfo._validation`` (AUTO_DISCRETE_MAX_VALUES = 20,
AUTO_DISCRETE_MIN_PER_VALUE = 5) is read off this table: from 5 samples per level
both routes agree; below, the discrete route is the noisier one.

Usage::

    python benchmarks/auto_kinds.py          # about 10 s; the table is also written to benchmarks/results/auto_kinds.md
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import integrate
from scipy.stats import norm

import mutinfo as mi

SEEDS = 12


def true_mi(m: int, sigma: float) -> float:
    """I(X; X + sigma N) for X uniform on {0, ..., m - 1}, in nats."""

    def density(y):
        return np.mean([norm.pdf(y, i, sigma) for i in range(m)], axis=0)

    h_y, _ = integrate.quad(lambda y: -density(y) * np.log(np.maximum(density(y), 1e-300)), -10 * sigma - 1, m + 10 * sigma, limit=400)
    return h_y - 0.5 * np.log(2 * np.pi * np.e * sigma**2)


def main() -> None:
    warnings.simplefilter("ignore", mi.MutualInfoWarning)
    lines = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    emit("| m | samples/level | n | indep: discrete mean (rmse) | indep: continuous mean (rmse) | true MI | dep: discrete err (rmse) | dep: continuous err (rmse) |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rms = lambda a: float(np.sqrt(np.mean(np.square(a))))  # noqa: E731
    for m in (2, 5, 10, 20):
        sigma = max(m / 3, 0.5)
        truth = true_mi(m, sigma)
        for per in (2, 3, 4, 5, 8, 12, 20):
            n = m * per
            ri, ci, rd, cd = [], [], [], []
            for s in range(SEEDS):
                r = np.random.default_rng(100 + s)
                x = r.integers(0, m, n).astype(float)
                y = r.normal(150, 70, n)
                ri.append(mi.mutual_information(x, y, method="ross", discrete=(True, False), random_state=s))
                ci.append(mi.mutual_information(x, y, method="mixed", discrete=False, random_state=s))
                y2 = x + sigma * r.standard_normal(n)
                rd.append(mi.mutual_information(x, y2, method="ross", discrete=(True, False), random_state=s) - truth)
                cd.append(mi.mutual_information(x, y2, method="mixed", discrete=False, random_state=s) - truth)
            emit(
                f"| {m} | {per} | {n} | {np.mean(ri):+.3f} ({rms(ri):.3f}) | {np.mean(ci):+.3f} ({rms(ci):.3f}) | {truth:.3f} "
                f"| {np.mean(rd):+.3f} ({rms(rd):.3f}) | {np.mean(cd):+.3f} ({rms(cd):.3f}) |"
            )
    out = Path(__file__).parent / "results" / "auto_kinds.md"
    out.write_text(
        "# discrete='auto': few-valued float columns (benchmarks/auto_kinds.py)\n\n"
        f"Errors in nats, mean (RMSE) over {SEEDS} seeds; discrete = method='ross', continuous = method='mixed'.\n\n"
        + "\n".join(lines)
        + "\n"
    )


if __name__ == "__main__":
    main()
