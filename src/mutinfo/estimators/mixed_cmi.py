"""Conditional mutual information I(X;Y|Z) for any mix of discrete and continuous X, Y, Z.

The estimator of Mesner & Shalizi (2020) extends the k-NN estimator of Gao et al.
(2017) for mixed data to the conditional case, the way Frenzel & Pompe (2007)
extend KSG. For each sample i, rho_i is the max-norm distance to its k-th nearest
neighbour in the joint (x, y, z) space. When rho_i = 0 the sample sits on an atom of
the joint distribution, and k_i is the number of samples equal to it; otherwise
k_i = k. n_xz(i), n_yz(i) and n_z(i) count the samples (i included) within rho_i in
each subspace::

    I(X;Y|Z) = < psi(k_i) - psi(n_xz(i)) + psi(n_z(i)) - psi(n_yz(i)) >

Discrete variables enter the distances as their label codes spaced further apart
than the diameter of the continuous data, so samples with different labels are
never neighbours while every label has more than k samples. The counting follows
:class:`mutinfo.estimators.knn.MixedEstimator`: a joint value repeated more than k
times is an atom (counted exactly, on the values without noise); every other sample
gets the Frenzel-Pompe term on columns whose ties are ordered by tiny noise, so that
the joint and the marginal balls agree on the boundary. On tie-free continuous data
this is the ``ksg`` (Frenzel-Pompe) estimate with the same ``random_state``; with a
discrete Z it is the KSG estimate inside each stratum of Z, weighted by the size of
the stratum.

Reference: Mesner & Shalizi (2020), "Conditional mutual information estimation for
mixed, discrete and continuous data", IEEE Trans. Inf. Theory 67(1), 464-484;
Gao, Kannan, Oh & Viswanath (2017), NeurIPS 30; Frenzel & Pompe (2007), PRL 99.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .._validation import Variable
from .knn._formulas import _digamma_mean
from .knn._prepare import DEFAULT_NOISE, _as_numpy, _locality_order, column_spread, prepare_columns
from .knn._search import ScipySearch, _below
from .knn.estimators import MixedEstimator

__all__ = ["mixed_cmi", "MixedConditional", "MIXED"]


def mixed_cmi(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    k: int = 3,
    search: Any = None,
    jittered: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> float:
    """Mesner-Shalizi estimate of I(X;Y|Z) in nats, from prepared arrays.

    Parameters
    ----------
    x, y, z : arrays of shape (n, d_x), (n, d_y), (n, d_z)
        Prepared without noise (exact ties kept); discrete variables as spaced codes.
    k : int
        Neighbours.
    search : neighbour search (:class:`mutinfo.estimators.knn.ScipySearch` by default)
    jittered : (x, y, z) with tie-breaking noise, or None
        The same arrays with noise on the continuous columns. None computes every
        non-atom term on the exact values (the reference counting of the paper, with
        counts at distance <= rho_i), biased upward when many values are tied.

    Returns
    -------
    float
        The estimate in nats; not clipped at 0.
    """
    search = search or ScipySearch()
    xz, yz = np.concatenate([x, z], axis=1), np.concatenate([y, z], axis=1)
    joint = np.concatenate([x, y, z], axis=1)
    copies = search.count_equal(joint)
    atom = copies > k
    if jittered is None:
        rho, _ = search.knn(joint, k)
        atom = rho == 0
        # Reference counting: everything within rho_i, boundary included.
        counts = [search.count_le(p, rho) for p in (xz, yz, z)]
    else:
        xj, yj, zj = jittered
        eps, _ = search.knn(np.concatenate([xj, yj, zj], axis=1), k)
        r = np.where(atom, 0.0, _below(eps))
        counts = [search.count_le(p, r) for p in (np.concatenate([xj, zj], axis=1), np.concatenate([yj, zj], axis=1), zj)]
    if atom.any():
        counts = [np.where(atom, search.count_equal(p), c) for p, c in zip((xz, yz, z), counts)]
    n_xz, n_yz, n_z = counts
    kt = np.where(atom, copies, k)
    return float(_digamma_mean(kt) - _digamma_mean(n_xz) - _digamma_mean(n_yz) + _digamma_mean(n_z))


class MixedConditional(MixedEstimator):
    """Gao et al. (2017) I(X;Y) and Mesner-Shalizi (2020) I(X;Y|Z) for mixed data and ties.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
    transform : {"standardize", "rank", "none"}, default "standardize"
    noise : float in [0, 1), default 1e-10
        Orders points tied at a positive distance at random (relative to each
        column's spread, seeded by random_state); atoms are found on the exact values.
    device : None, "cpu", "cuda" or "cuda:N"

    Notes
    -----
    In nats; x: array of shape (n, d_x), y: (n, d_y), z: (n, d_z); any of them may be
    discrete (labels) or continuous, as ``discrete=`` says per variable. Consistent
    for mixtures of discrete and continuous components (Mesner & Shalizi 2020,
    theorem 1). Like every k-NN estimator it is biased towards 0 when dependence is
    strong or the dimension high, and the raw value can be slightly negative under
    conditional independence (it is returned unclipped). A label with k or fewer
    samples has neighbours under other labels, as with any numeric encoding.
    O(N k log N) time in low dimensions. See :mod:`mutinfo.estimators.mixed_cmi`.

    Examples
    --------
    Y follows X in the stratum Z = 1 (correlation 0.894, MI 0.805 nats) and not in
    Z = 0, so I(X;Y|Z) = 0.5 * 0.805 = 0.40 nats:

    >>> import numpy as np, mutinfo as mi
    >>> rng = np.random.default_rng(0)
    >>> z = rng.integers(0, 2, 2000)
    >>> x = rng.standard_normal(2000)
    >>> y = np.where(z == 1, x, rng.standard_normal(2000)) + 0.5 * rng.standard_normal(2000)
    >>> round(mi.conditional_mutual_information(x, y, z, random_state=0), 2)  # method="auto" picks "mixed"
    0.42
    """

    def conditional_mutual_information(self, x, y, z, *, rng, k=3, transform="standardize", noise=DEFAULT_NOISE, device=None):
        x, y, z = self._informative(x), self._informative(y), self._informative(z)
        if x is None or y is None:
            return 0.0
        if z is None:
            return self.mutual_information(x, y, rng=rng, k=k, transform=transform, noise=noise, device=device)
        search = self._search([x, y, z], device)
        arrays, jittered = _mixed_arrays([x, y, z], rng, transform, noise)
        pair = tuple(jittered) if noise > 0 else None
        return mixed_cmi(arrays[0], arrays[1], arrays[2], k, search, pair)


def _mixed_arrays(variables: Sequence[Variable], rng: np.random.Generator, transform: str, noise: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Exact and jittered float arrays of each variable: prepared columns, or spaced label codes.

    The noise is drawn variable by variable in the order given, as
    :func:`mutinfo.estimators.knn.prepare_columns` draws it, so that on continuous
    data the jittered arrays are the ones ``ksg`` uses with the same generator.
    """
    clean: dict[int, np.ndarray] = {}
    spread: dict[int, np.ndarray] = {}
    for i, v in enumerate(variables):
        if v.discrete:
            continue
        data = _as_numpy(v.data)
        clean[i] = prepare_columns(data, transform=transform, noise=0.0)
        if transform == "none":
            sd = column_spread(data)
            spread[i] = np.where(sd > 0, sd, 1.0)
    diameter = max((float((a.max(axis=0) - a.min(axis=0)).max()) for a in clean.values()), default=0.0)
    # A power of two: label codes times the gap are exact, and further apart than any continuous distance.
    gap = 2.0 ** math.ceil(math.log2(2.0 * diameter + 1.0))
    arrays, jittered = [], []
    for i, v in enumerate(variables):
        if v.discrete:
            codes = (np.asarray(v.data, dtype=np.float64) * gap)[:, None]
            arrays.append(codes)
            jittered.append(codes)
            continue
        a = clean[i]
        arrays.append(a)
        if noise > 0:
            jitter = rng.standard_normal(a.shape)
            jitter *= noise
            if transform == "none":
                jitter *= spread[i]
            jittered.append(a + jitter)
        else:
            jittered.append(a)
    order = _locality_order(arrays[0][:, 0])
    if order is not None:
        arrays = [np.ascontiguousarray(a[order]) for a in arrays]
        jittered = [np.ascontiguousarray(a[order]) for a in jittered]
    return arrays, jittered


MIXED = MixedConditional()
