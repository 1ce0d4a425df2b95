"""The k-NN estimators as functions of prepared arrays (nats): the mathematics of each method."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from ..._errors import DataError
from ._search import (
    ScipySearch,
    SortedColumn,
    _below,
    _count_le_each,
    _counts_excluding_self,
    _strict_counts,
    count_within_1d,
)


def _digamma_mean(counts: np.ndarray) -> float:
    """Mean of psi(counts) for positive integer counts, through a table when that is cheaper."""
    counts = np.asarray(counts)
    if counts.size == 0:
        return float("nan")
    top = int(counts.max())
    if counts.dtype.kind in "iu" and top < counts.size:
        table = digamma(np.arange(top + 1, dtype=np.float64))
        return float(table[counts].mean())
    return float(digamma(counts.astype(np.float64)).mean())


# ---------------------------------------------------------------------------
# The estimators as functions of prepared arrays (nats).


def ksg_mi(x: np.ndarray, y: np.ndarray, k: int = 3, search: Any = None) -> float:
    """KSG algorithm 1 estimate of I(X;Y) in nats, from prepared (tie-free) arrays.

    ``x``: array of shape (n, d_x); ``y``: array of shape (n, d_y). With eps_i the
    max-norm distance to the k-th neighbour in the joint space and n_x(i), n_y(i)
    the numbers of other points strictly closer than eps_i in each marginal::

        I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >
    """
    search = search or ScipySearch()
    n = x.shape[0]
    joint = np.concatenate([x, y], axis=1)
    eps, _ = search.knn(joint, k)
    r = _below(eps)
    zero = eps == 0
    nx, ny = (_strict_counts(c, zero) for c in _count_le_each(search, [x, y], [r, r]))
    return float(digamma(k) + digamma(n) - _digamma_mean(nx + 1) - _digamma_mean(ny + 1))


def _block_radius(block: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Largest max-norm distance, within one block of columns, from each point to its listed neighbours."""
    out = np.zeros(block.shape[0])
    for j in range(idx.shape[1]):
        np.maximum(out, np.abs(block[idx[:, j]] - block).max(axis=1), out=out)
    return out


def ksg2_mi(x: np.ndarray, y: np.ndarray, k: int = 3, search: Any = None) -> float:
    """KSG algorithm 2 estimate of I(X;Y) in nats.

    eps_x(i), eps_y(i) are the largest marginal distances from point i to its k
    joint neighbours; n_x(i), n_y(i) count the other points within them, boundary
    included. The k joint neighbours are among them, so n_x(i), n_y(i) >= k, ties or
    not (no count is raised or clipped)::

        I = psi(k) - 1/k + psi(N) - < psi(n_x) + psi(n_y) >
    """
    search = search or ScipySearch()
    n = x.shape[0]
    joint = np.concatenate([x, y], axis=1)
    _, idx = search.knn(joint, k, indices=True)
    ex = _block_radius(x, idx)
    ey = _block_radius(y, idx)
    # Each of the k joint neighbours lies within both radii (boundary included), and the
    # counts compare the same floats |x_j - x_i| as the radii, so n_x, n_y >= k >= 1.
    nx, ny = (c - 1 for c in _count_le_each(search, [x, y], [ex, ey]))
    return float(digamma(k) - 1.0 / k + digamma(n) - _digamma_mean(nx) - _digamma_mean(ny))


def ksg_cmi(x: np.ndarray, y: np.ndarray, z: np.ndarray, k: int = 3, search: Any = None) -> float:
    """Frenzel-Pompe (KSG-1 style) estimate of I(X;Y|Z) in nats.

    With eps_i the k-th neighbour distance in the joint (x, y, z) space and strict
    counts of other points in the (x, z), (y, z) and z subspaces::

        I = psi(k) - < psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) >
    """
    search = search or ScipySearch()
    joint = np.concatenate([x, y, z], axis=1)
    eps, _ = search.knn(joint, k)
    r = _below(eps)
    zero = eps == 0
    nxz = _counts_excluding_self(search, np.concatenate([x, z], axis=1), r, zero)
    nyz = _counts_excluding_self(search, np.concatenate([y, z], axis=1), r, zero)
    nz = _counts_excluding_self(search, z, r, zero)
    return float(digamma(k) - _digamma_mean(nxz + 1) - _digamma_mean(nyz + 1) + _digamma_mean(nz + 1))


def log_unit_ball_volume(d: int, metric: str) -> float:
    """log of the volume of the unit ball in d dimensions: 2^d (max-norm) or pi^(d/2) / Gamma(d/2 + 1)."""
    if metric == "chebyshev":
        return d * math.log(2.0)
    return 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1.0))


def kl_entropy(x: np.ndarray, k: int = 3, metric: str = "euclidean", search: Any = None) -> float:
    """Kozachenko-Leonenko estimate of the differential entropy H(X) in nats.

    ``x``: array of shape (n, d). With eps_i the distance to the k-th neighbour and
    V_d the volume of the unit ball of the metric::

        H = psi(N) - psi(k) + log V_d + d < log eps >

    Returns -inf if some eps_i is 0 (repeated rows without tie-breaking noise).
    """
    search = search or ScipySearch()
    n, d = x.shape
    eps, _ = search.knn(x, k, metric=metric)
    with np.errstate(divide="ignore"):
        mean_log = float(np.log(eps).mean())
    return float(digamma(n) - digamma(k) + log_unit_ball_volume(d, metric) + d * mean_log)


def mixed_mi(x: np.ndarray, y: np.ndarray, k: int = 3, search: Any = None, jittered: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Gao-Kannan-Oh-Viswanath estimate of I(X;Y) in nats, for data with ties and atoms.

    ``x``: array of shape (n, d_x), ``y``: array of shape (n, d_y), prepared without
    noise (exact ties). ``jittered``: the same arrays with tie-breaking noise, or None.

    A row whose joint value occurs more than k times (rho_i = 0: an atom) gets the
    zero-radius term of Gao et al.: k_i, n_x(i) + 1 and n_y(i) + 1 count the points
    equal to it (itself included), in the joint space and in each marginal. Every
    other row gets the KSG 1 term: k_i = k and n_x(i), n_y(i) count the other points
    strictly within the distance eps_i to the k-th joint neighbour::

        I = psi(N) + < psi(k_i) - psi(n_x + 1) - psi(n_y + 1) >

    With ``jittered`` the KSG terms are computed on the jittered arrays. This matters
    on discretised data (rounded measurements, 0/1 columns stored as floats): there
    many points lie at exactly eps_i, where the joint ball holds them (k of them, by
    definition of eps_i) but a strict marginal count leaves all of them out, which
    inflates the estimate (independent 0/1 and integer-rounded columns, N = 442: about
    +0.25 nats). The counting rule of the paper (marginals counted with <=, log N
    and log(n + 1)) errs the other way as soon as more than one point sits on the
    boundary. Ordering the tied boundary points at random, as the noise does, gives
    the joint and the marginal counts the same ball, which is what KSG assumes.
    Without ``jittered`` (``noise=0``) the reference form above is computed on the
    exact values (the Gao et al. reference code), biased upward on such data.

    On tie-free data this equals :func:`ksg_mi` on the jittered arrays; on purely
    discrete data (all rows atoms) it is a digamma form of the plug-in estimate.
    """
    search = search or ScipySearch()
    n = x.shape[0]
    joint = np.concatenate([x, y], axis=1)
    if jittered is None:
        rho, _ = search.knn(joint, k)
        zero = rho == 0
        r = _below(rho)  # 0 where rho is 0: counts at distance 0
        nx1, ny1 = _count_le_each(search, [x, y], [r, r])
        if zero.any():
            kt = np.where(zero, search.count_equal(joint), k)
        else:
            kt = np.full(n, k, dtype=np.int64)
        return float(digamma(n) + _digamma_mean(kt) - _digamma_mean(nx1) - _digamma_mean(ny1))
    xj, yj = jittered
    copies = search.count_equal(joint)
    zero = copies > k
    eps, _ = search.knn(np.concatenate([xj, yj], axis=1), k)
    r = np.where(zero, 0.0, _below(eps))
    nx1, ny1 = _count_le_each(search, [xj, yj], [r, r])
    if zero.any():
        nx1 = np.where(zero, search.count_equal(x), nx1)
        ny1 = np.where(zero, search.count_equal(y), ny1)
    kt = np.where(zero, copies, k)
    return float(digamma(n) + _digamma_mean(kt) - _digamma_mean(nx1) - _digamma_mean(ny1))


def ross_mi(labels: np.ndarray, y: np.ndarray, k: int = 3, search: Any = None) -> float:
    """Ross (2014) estimate of I(X;Y) in nats for discrete X and continuous Y.

    ``labels``: int array of shape (n,); ``y``: array of shape (n, d_y), tie-free.
    Samples whose label occurs once are left out (their neighbourhood is
    undefined); N is the number of samples kept. For each kept sample, d_i is the
    distance to its k_i-th neighbour among samples with the same label, with
    k_i = min(k, N_label - 1), and m_i counts all kept samples strictly within d_i
    (itself included)::

        I = psi(N) + < psi(k_i) > - < psi(N_label) > - < psi(m_i) >
    """
    search = search or ScipySearch()
    _, inverse, class_counts = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    keep = class_counts[inverse] > 1
    if not keep.any():
        raise DataError("method='ross' needs a label that occurs at least twice; every label of the discrete variable occurs once.")
    y = y[keep]
    inverse = inverse[keep]
    _, inverse, class_counts = np.unique(inverse, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    n = y.shape[0]
    size = class_counts[inverse]
    k_i = np.minimum(k, size - 1)
    kmax = int(k_i.max())
    # Neighbours within each class in one search: labels become an extra coordinate,
    # spaced further apart than any two points of y.
    spread = float((y.max(axis=0) - y.min(axis=0)).max()) if n > 1 else 1.0
    gap = 2.0 ** math.ceil(math.log2(2.0 * spread + 1.0))
    stacked = np.concatenate([y, (inverse * gap)[:, None].astype(np.float64)], axis=1)
    dist, _ = search.knn(stacked, kmax, indices=True)
    d_i = dist[np.arange(n), k_i]
    m = search.count_le(y, _below(d_i))
    m = np.where(d_i > 0, m, 1)
    return float(digamma(n) + _digamma_mean(k_i) - _digamma_mean(size) - _digamma_mean(m))


def ksg_pair_1d(a: SortedColumn, b: SortedColumn, k: int, variant: int, search: "ScipySearch") -> float:
    """KSG 1 or 2 estimate of I(A;B) in nats for two 1-D columns, reusing their sorts.

    The pair is laid out in A's sorted order (cache-friendly tree search, A's counts
    without a sort); B's counts use B's sorted copy, with the radii carried over by
    composing the two permutations. Equal to :func:`ksg_mi` / :func:`ksg2_mi`.
    """
    n = a.values.shape[0]
    xa = a.sorted
    yb = b.values[a.order]
    joint = np.column_stack([xa, yb])
    # Row t of b.sorted is row b.order[t], at position a.rank[b.order[t]] in A's order.
    to_b = a.rank[b.order]
    if variant == 1:
        eps, _ = search.knn(joint, k)
        r = _below(eps)
        na = count_within_1d(xa, xa, r)
        nb = count_within_1d(b.sorted, b.sorted, r[to_b])
        return float(digamma(k) + digamma(n) - _digamma_mean(na) - _digamma_mean(nb))
    _, idx = search.knn(joint, k, indices=True)
    ex = np.abs(xa[idx] - xa[:, None]).max(axis=1)
    ey = np.abs(yb[idx] - yb[:, None]).max(axis=1)
    na = count_within_1d(xa, xa, ex) - 1  # >= k: see ksg2_mi
    nb = count_within_1d(b.sorted, b.sorted, ey[to_b]) - 1
    return float(digamma(k) - 1.0 / k + digamma(n) - _digamma_mean(na) - _digamma_mean(nb))
