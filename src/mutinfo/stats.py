"""Uncertainty for any registered estimator: bootstrap intervals and permutation tests.

These functions work on validated variables and are what :func:`mutinfo.estimate`
calls; they are public for users who build their own pipelines.

* :func:`bootstrap_replicates`: estimates on resamples of the rows, using the
  estimator's own vectorised resampler where it has one (multinomial cell counts
  for discrete data, weighted covariances for the Gaussian estimator).
* :func:`permutation_null`: estimates under the null of (conditional)
  independence. For I(X;Y), Y's rows are shuffled. For I(X;Y|Z), X is shuffled
  within the strata of a discrete Z, or, for a continuous Z, by the local
  permutation scheme of Runge (2018): each sample takes the X of one of its
  ``k_perm`` nearest neighbours in Z, drawn so that few values repeat.
* :func:`percentile_interval` and :func:`permutation_p_value`.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._progress import progress
from ._validation import Variable, is_torch_tensor

__all__ = [
    "bootstrap_replicates",
    "permutation_null",
    "percentile_interval",
    "permutation_p_value",
    "local_permutation",
    "strata_permutation",
]


def percentile_interval(replicates: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` percentile interval of finite bootstrap replicates."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def permutation_p_value(observed: float, null: np.ndarray) -> float:
    """One-sided p-value ``(1 + #{null >= observed}) / (1 + len(null))`` (Phipson & Smyth 2010).

    Never 0: with B permutations the smallest attainable p-value is 1 / (B + 1).
    """
    return float((1 + np.count_nonzero(null >= observed)) / (1 + null.shape[0]))


def bootstrap_replicates(
    run: Callable[[Sequence[Variable]], float],
    estimator: Any,
    quantity: str,
    variables: Sequence[Variable],
    params: Mapping[str, Any],
    *,
    n_bootstrap: int,
    rng: np.random.Generator,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Estimates on ``n_bootstrap`` row resamples, shape (n_bootstrap,), in nats.

    ``run(variables)`` computes the quantity on given variables; it is used when the
    estimator has no vectorised resampler of its own.
    """
    fast = estimator.bootstrap(quantity, variables, n_bootstrap=n_bootstrap, rng=rng, params=params)
    if fast is not None:
        return np.asarray(fast, dtype=np.float64)
    n = variables[0].n_samples
    out = np.empty(n_bootstrap)
    for b in progress(range(n_bootstrap), desc="bootstrap", enabled=show_progress):
        idx = rng.integers(0, n, size=n)
        out[b] = run([v.take(idx) for v in variables])
    return out


def strata_permutation(z_codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation of the rows that only exchanges rows with the same code of ``z``."""
    keys = rng.random(z_codes.shape[0])
    order = np.lexsort((keys, z_codes))  # rows grouped by z, shuffled within each group
    sorted_rows = np.argsort(z_codes, kind="stable")
    perm = np.empty_like(order)
    perm[sorted_rows] = order
    return perm


def _neighbours(z: np.ndarray, k: int) -> np.ndarray:
    """Indices (n, k) of each row's k nearest rows in z (itself included), max-norm on standardised z."""
    from scipy.spatial import cKDTree

    from ._threads import cpu_threads

    sd = z.std(axis=0)
    zs = (z - z.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    _, idx = cKDTree(zs).query(zs, k=k, p=np.inf, workers=cpu_threads())
    return np.asarray(idx).reshape(z.shape[0], k)


def local_permutation(neighbours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Runge's (2018) local permutation: row i takes row ``perm[i]``, one of its z-neighbours.

    Vectorised greedy matching: in each of k rounds, every unassigned row proposes its
    next neighbour (in a random order of its own); free proposals are granted, one
    winner per neighbour. Rows left over after k rounds take a random neighbour, so
    a few values may repeat, as in the original algorithm.
    """
    n, k = neighbours.shape
    order = np.argsort(rng.random((n, k)), axis=1)
    candidates = np.take_along_axis(neighbours, order, axis=1)
    perm = np.full(n, -1, dtype=np.int64)
    used = np.zeros(n, dtype=bool)
    for r in range(k):
        rows = np.flatnonzero(perm < 0)
        if rows.size == 0:
            break
        proposal = candidates[rows, r]
        free = ~used[proposal]
        rows, proposal = rows[free], proposal[free]
        shuffle = rng.permutation(rows.shape[0])
        _, first = np.unique(proposal[shuffle], return_index=True)
        winners = shuffle[first]
        perm[rows[winners]] = proposal[winners]
        used[proposal[winners]] = True
    left = np.flatnonzero(perm < 0)
    if left.size:
        perm[left] = candidates[left, rng.integers(0, k, size=left.size)]
    return perm


def permutation_null(
    run: Callable[[Sequence[Variable]], float],
    quantity: str,
    variables: Sequence[Variable],
    *,
    n_permutations: int,
    rng: np.random.Generator,
    k_perm: int = 5,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Estimates of the quantity under (conditional) independence, shape (n_permutations,).

    ``quantity`` is "mi" (Y shuffled) or "cmi" (X shuffled within Z, see the module
    docstring). ``k_perm`` is the neighbourhood size of the local permutation for a
    continuous Z.
    """
    n = variables[0].n_samples
    out = np.empty(n_permutations)
    if quantity == "mi":
        x, y = variables

        def draw() -> list[Variable]:
            return [x, y.take(rng.permutation(n))]

    elif quantity == "cmi":
        x, y, z = variables
        if z.discrete:
            z_codes = z.data

            def draw() -> list[Variable]:
                return [x.take(strata_permutation(z_codes, rng)), y, z]

        else:
            zdata = z.data.detach().cpu().numpy() if is_torch_tensor(z.data) else z.data
            nbrs = _neighbours(np.asarray(zdata, dtype=np.float64), min(k_perm, n))

            def draw() -> list[Variable]:
                return [x.take(local_permutation(nbrs, rng)), y, z]

    else:
        raise ValueError(f"permutation tests are defined for 'mi' and 'cmi', not {quantity!r}")
    for b in progress(range(n_permutations), desc="permutations", enabled=show_progress):
        out[b] = run(draw())
    return out
