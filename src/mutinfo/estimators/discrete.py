"""Estimators for discrete data, from counts of observed symbols.

All six estimators here share one pipeline: the variables are reduced to a table of
observed joint cells (:class:`Table`, one pass of ``np.bincount`` when the code
range allows it, a sort otherwise), and every quantity is a signed sum of entropy
terms over marginals of that table::

    H(X)       =  H(X)
    H(X|Y)     =  H(X,Y) - H(Y)
    I(X;Y)     =  H(X) + H(Y) - H(X,Y)
    I(X;Y|Z)   =  H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z)

Each estimator supplies one vectorised entropy-from-counts function, so the
conditional forms and the bootstrap (multinomial redraws of the cell counts,
exactly equivalent to resampling rows) come for free. The shrinkage estimator
instead shrinks the whole joint table and evaluates the plug-in functional on it,
as Hausser & Strimmer (2009) do for MI.

Units are nats. ``N`` below is the number of samples and ``m`` the number of
observed (non-empty) cells of the table an entropy is computed from.

Sample sizes. Every bias-corrected method needs at least :data:`MIN_SAMPLES` = 2
samples and raises :class:`~mutinfo.DataError` below: a correction for sampling bias
means nothing on one sample (Grassberger's alone makes H = 1.27 nats of a single
symbol). ``plugin`` accepts one sample: it is exactly the quantity of the empirical
distribution, 0 for a single sample, and the undersampling warning applies. The
data are *well sampled* for an MI, CMI or conditional entropy with at least
:data:`WELL_SAMPLED_PER_CELL` = 5 samples per observed joint cell, and for an entropy
with at least 2 per observed symbol; below that ``diagnostics`` warns, and the
interval of :func:`mutinfo.estimate` is bootstrapped from a smoothed table
(:func:`smoothed_table`) rather than the observed cells. It then spans the
bias-corrected range and the estimate, which makes it wide, and its coverage still
varies with the method and the data (see ``benchmarks/coverage.py``).

Bounds. The MI of the observed table cannot exceed ``log min(m_x, m_y)`` (observed
alphabets), which is at most ``log N``. A bias-corrected estimator may legitimately
go slightly above it (it extrapolates to symbols not seen: on a bijection, Miller-Madow
adds ``(m - 1) / 2N`` and Grassberger up to about ``m / N``), but no N samples can show
more than ``log N`` nats of dependence: N distinct pairs are as consistent with
independence as with a bijection. An MI or CMI estimate above
``log m + m / N``, ``m = min(m_x, m_y)``, is therefore warned about (Chao-Shen on 4 distinct pairs gives 3.05 nats, log 4 =
1.39). An entropy has no such bound from the sample (the unseen part of the
alphabet is unknown, and estimating it is what Chao-Shen and NSB are for); when
every sample is a different symbol, the warning says the entropy is unidentified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.integrate import trapezoid
from scipy.special import betaln, digamma, gammaln, polygamma, xlogy

from .._errors import DataError, ParameterError, param_error
from .._validation import CHUNK, Param, Variable, combine_codes
from ._base import Estimator

__all__ = [
    "Table",
    "contingency",
    "plugin_entropy",
    "miller_madow_entropy",
    "grassberger_entropy",
    "chao_shen_entropy",
    "shrinkage_entropy",
    "nsb_entropy",
    "nsb_posterior",
    "PLUGIN",
    "MILLER_MADOW",
    "GRASSBERGER",
    "CHAO_SHEN",
    "SHRINKAGE",
    "NSB",
]

# Entropy terms of each quantity: (sign, axes of the variables in the term).
TERMS: dict[str, tuple[tuple[int, tuple[int, ...]], ...]] = {
    "entropy": ((1, (0,)),),
    "conditional_entropy": ((1, (0, 1)), (-1, (1,))),
    "mi": ((1, (0,)), (1, (1,)), (-1, (0, 1))),
    "cmi": ((1, (0, 2)), (1, (1, 2)), (-1, (0, 1, 2)), (-1, (2,))),
}

# Fewest samples any discrete method accepts.
MIN_SAMPLES = 2
# Well sampled: at least this many samples per observed joint cell (MI, CMI, conditional entropy).
WELL_SAMPLED_PER_CELL = 5.0
# Well sampled: at least this many samples per observed symbol (entropy).
WELL_SAMPLED_PER_SYMBOL = 2.0

# Largest grid (cells) of the smoothed bootstrap world of undersampled data.
SMOOTH_MAX_CELLS = 250_000

# Largest dense table (cells) the shrinkage estimator builds.
MAX_DENSE_CELLS = 10_000_000
# Largest (resamples x cells) block held in memory by the vectorised bootstrap.
_BOOTSTRAP_BLOCK = 20_000_000


# ---------------------------------------------------------------------------
# Contingency tables.


@dataclass(frozen=True)
class Table:
    """The observed cells of the joint distribution of discrete variables.

    Attributes
    ----------
    counts : int64 array of shape (n_cells,)
        Number of samples in each observed cell (all > 0).
    states : tuple of int64 arrays, each of shape (n_cells,)
        For each variable, its code in each cell.
    alphabets : tuple of int
        For each variable, its known alphabet size (0: the symbols observed).
    """

    counts: np.ndarray
    states: tuple[np.ndarray, ...]
    alphabets: tuple[int, ...] = ()

    @property
    def n_samples(self) -> int:
        return int(self.counts.sum())

    @property
    def n_cells(self) -> int:
        return int(self.counts.shape[0])

    def sub_codes(self, axes: tuple[int, ...]) -> tuple[np.ndarray, int]:
        """Compressed codes in [0, m) of the sub-joint over ``axes`` for each cell, and m."""
        if len(axes) == 1:
            codes = self.states[axes[0]]
        else:
            codes, _ = combine_codes([(self.states[a], int(self.states[a].max()) + 1) for a in axes])
        uniq, inverse = np.unique(codes, return_inverse=True)
        return inverse.reshape(-1), int(uniq.shape[0])

    def n_observed(self, axis: int) -> int:
        """Number of distinct observed states of one variable."""
        return int(np.unique(self.states[axis]).shape[0])


def contingency(variables: Sequence[Variable]) -> Table:
    """Count the observed joint cells of discrete variables in one pass.

    Uses ``np.bincount`` over mixed-radix joint codes when the code range is small
    (a few times N), else one sort. O(N) or O(N log N) time, O(N) memory. The last
    table is remembered on the first variable (with references to the others), so
    estimate, diagnostics and method="auto" count once per call.
    """
    memo = variables[0].memo.get("contingency")
    if memo is not None and len(memo[0]) == len(variables) and all(a is b for a, b in zip(memo[0], variables)):
        return memo[1]
    table = _count(variables)
    table = Table(table.counts, table.states, tuple(v.alphabet for v in variables))
    variables[0].memo["contingency"] = (tuple(variables), table)
    return table


def _count(variables: Sequence[Variable]) -> Table:
    codes = [v.data for v in variables]
    sizes = [v.n_states for v in variables]
    n = codes[0].shape[0]
    total = 1
    for s in sizes:
        total *= s
    if total <= max(4 * n, 1 << 16):
        if len(codes) == 1:
            counts = np.bincount(codes[0], minlength=total)
        elif n > CHUNK and total <= CHUNK:
            counts = _blockwise_counts(codes, sizes, total)
        else:
            joint = codes[0] * sizes[1]
            joint += codes[1]
            for c, s in zip(codes[2:], sizes[2:]):
                joint *= s
                joint += c
            counts = np.bincount(joint, minlength=total)
        cells = np.flatnonzero(counts)
        states = np.unravel_index(cells, sizes)
        return Table(counts[cells].astype(np.int64), tuple(np.asarray(s, dtype=np.int64) for s in states))
    joint, _ = combine_codes(list(zip(codes, sizes)))
    _, first, counts = np.unique(joint, return_index=True, return_counts=True)
    return Table(counts.astype(np.int64), tuple(c[first] for c in codes))


def _blockwise_counts(codes: list[np.ndarray], sizes: list[int], total: int) -> np.ndarray:
    """Joint bincount of long code arrays, block by block so each block stays in cache."""
    counts = np.zeros(total, dtype=np.int64)
    buf = np.empty(CHUNK, dtype=np.int64)
    n = codes[0].shape[0]
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        joint = buf[: stop - start]
        np.multiply(codes[0][start:stop], sizes[1], out=joint)
        joint += codes[1][start:stop]
        for c, s in zip(codes[2:], sizes[2:]):
            joint *= s
            joint += c[start:stop]
        counts += np.bincount(joint, minlength=total)
    return counts


def _marginal_counts(table: Table, axes: tuple[int, ...], counts: np.ndarray) -> np.ndarray:
    """Counts (B, m) of the observed sub-joint cells over ``axes``, for each row of ``counts`` (B, n_cells)."""
    if len(axes) == len(table.states):
        return counts
    sub, m = table.sub_codes(axes)
    if counts.shape[0] == 1:
        return np.bincount(sub, weights=counts[0], minlength=m)[None, :]
    onehot = sparse.csr_matrix((np.ones(table.n_cells), (np.arange(table.n_cells), sub)), shape=(table.n_cells, m))
    return np.asarray((onehot.T @ counts.T).T)


# ---------------------------------------------------------------------------
# Entropy from counts. Each function takes counts of shape (..., m), which may
# contain zeros, and returns entropies in nats of shape (...).


def plugin_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """Maximum-likelihood entropy ``log N - sum(n_i log n_i) / N``.

    Biased low: ``E[H_plugin] - H ~ -(m - 1) / (2N)`` (Paninski 2003).
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1)
    return np.log(n) - xlogy(counts, counts).sum(axis=-1) / n


def miller_madow_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """Plug-in entropy plus ``(m - 1) / (2N)``, m the number of non-empty cells (Miller 1955)."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1)
    m = (counts > 0).sum(axis=-1)
    return plugin_entropy(counts) + (m - 1) / (2.0 * n)


def _grassberger_g(c: np.ndarray) -> np.ndarray:
    """G(n) = psi(n) + (-1)^n / 2 * (psi((n + 1) / 2) - psi(n / 2)), and 0 for n = 0."""
    safe = np.where(c > 0, c, 1.0)
    sign = 1.0 - 2.0 * (np.mod(safe, 2.0))
    g = digamma(safe) + 0.5 * sign * (digamma((safe + 1.0) / 2.0) - digamma(safe / 2.0))
    return np.where(c > 0, g, 0.0)


def grassberger_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """Grassberger (2003) estimator ``log N - sum(n_i G(n_i)) / N``.

    G(n) = psi(n) + (-1)^n (psi((n+1)/2) - psi(n/2)) / 2 replaces log n; the
    leading bias term equals Miller-Madow's and higher-order terms are smaller.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1)
    return np.log(n) - (counts * _grassberger_g(counts)).sum(axis=-1) / n


def chao_shen_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """Chao & Shen (2003) coverage-adjusted Horvitz-Thompson estimator.

    Sample coverage ``C = 1 - f1 / N`` (f1 = singletons, with f1 = N - 1 when all
    are singletons) scales the frequencies, and each term is divided by the
    probability ``1 - (1 - p_i)^N`` that the symbol is seen at all.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1, keepdims=True)
    f1 = (counts == 1).sum(axis=-1, keepdims=True).astype(np.float64)
    f1 = np.where(f1 == n, n - 1.0, f1)
    coverage = 1.0 - f1 / n
    p = coverage * counts / n
    seen = 1.0 - np.power(1.0 - p, n)
    terms = np.where(counts > 0, -xlogy(p, p) / np.where(seen > 0, seen, 1.0), 0.0)
    return terms.sum(axis=-1)


def _shrink(counts: np.ndarray, n_bins: np.ndarray | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """James-Stein shrinkage of frequencies towards uniform over ``n_bins`` cells.

    Returns the shrunk probabilities of the given cells (..., m), the probability of
    each of the ``n_bins - m`` cells not listed (...), and the intensity lambda (...).
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1, keepdims=True)
    k = np.asarray(n_bins, dtype=np.float64)
    k = np.broadcast_to(k, n.shape[:-1])[..., None]
    m = counts.shape[-1]
    target = 1.0 / k
    ml = counts / n
    spread = ((target - ml) ** 2).sum(axis=-1, keepdims=True) + (k - m) * target**2
    num = 1.0 - (ml**2).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where((n > 1) & (spread > 0), num / ((n - 1.0) * spread), 1.0)
    lam = np.clip(lam, 0.0, 1.0)
    p = lam * target + (1.0 - lam) * ml
    return p, (lam * target)[..., 0], lam[..., 0]


def shrinkage_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """James-Stein shrinkage entropy (Hausser & Strimmer 2009).

    Frequencies are shrunk towards the uniform distribution on ``n_bins`` cells
    (default: the m cells given) with the analytic optimal intensity, then the
    plug-in formula is applied, including the ``n_bins - m`` unobserved cells.
    """
    counts = np.asarray(counts, dtype=np.float64)
    m = counts.shape[-1]
    k = m if n_bins is None else n_bins
    p, p0, _ = _shrink(counts, k)
    return -xlogy(p, p).sum(axis=-1) - (np.asarray(k) - m) * xlogy(p0, p0)


# NSB: integration grid over log(kappa), kappa = K beta the total concentration. The posterior
# sits at kappa of order the number of distinct symbols seen whatever K is (beta near 5 / K for
# K = 1e10 and 50 samples), so a grid in beta with fixed ends misses it for large alphabets.
_NSB_KAPPA_RANGE = (1e-8, 1e8)  # times max(1, K) at the top: beta up to 1e8 for small K
_NSB_COARSE_STEP = 0.05  # in log(kappa)
_NSB_FINE_POINTS = 1501
_NSB_DROP = 50.0  # integrate where the log posterior is within this of its maximum


def _nsb_one(counts: np.ndarray, k: float, variance: bool = False) -> Any:
    """NSB posterior-mean entropy of one count vector over k bins (and its posterior variance if asked)."""
    counts = counts[counts > 0]
    n = counts.sum()
    values, mult = np.unique(counts, return_counts=True)
    zeros = k - counts.shape[0]

    def log_posterior(log_beta: np.ndarray) -> np.ndarray:
        beta = np.exp(log_beta)[:, None]
        kb = k * beta[:, 0]
        # d xi / d beta of the prior's expected entropy xi(beta) = psi(k beta + 1) - psi(beta + 1).
        dxi = k * polygamma(1, kb + 1.0) - polygamma(1, beta[:, 0] + 1.0)
        # log Gamma(a) - log Gamma(a + c) as betaln(a, c) - log Gamma(c): the direct difference of two
        # log-gammas near 4e19 (kappa = 1e18) loses everything to rounding.
        like = betaln(kb, n) - gammaln(n) + (mult * (gammaln(values) - betaln(beta, values))).sum(axis=1)
        return np.log(np.maximum(dxi, 1e-300)) + like + log_beta  # + log_beta: d beta = beta d(log beta)

    def mean_entropy(log_beta: np.ndarray) -> np.ndarray:
        beta = np.exp(log_beta)[:, None]
        kb = k * beta[:, 0]
        s = (mult * (values + beta) * digamma(values + beta + 1.0)).sum(axis=1) + zeros * beta[:, 0] * digamma(beta[:, 0] + 1.0)
        return digamma(n + kb + 1.0) - s / (n + kb)

    def second_moment(log_beta: np.ndarray) -> np.ndarray:
        # E[H^2] under Dirichlet(a), A = sum a (Wolpert & Wolf 1995; Hutter 2002):
        #   sum_i a_i (a_i + 1) [(psi(a_i + 2) - psi(A + 2))^2 + psi1(a_i + 2) - psi1(A + 2)]
        # + sum_{i != j} a_i a_j [u_i u_j - psi1(A + 2)],  u_i = psi(a_i + 1) - psi(A + 2),
        # all over A (A + 1); the k - m empty cells (a = beta) enter with multiplicity.
        beta = np.exp(log_beta)
        big = n + k * beta
        a = values[None, :] + beta[:, None]
        w = np.concatenate([np.broadcast_to(mult, a.shape), np.full((beta.shape[0], 1), zeros)], axis=1)
        a = np.concatenate([a, beta[:, None]], axis=1)
        p2, t2 = digamma(big + 2.0)[:, None], polygamma(1, big + 2.0)[:, None]
        diag = (w * a * (a + 1.0) * ((digamma(a + 2.0) - p2) ** 2 + polygamma(1, a + 2.0) - t2)).sum(axis=1)
        u = digamma(a + 1.0) - p2
        s = (w * a * u).sum(axis=1)
        off = s * s - (w * a * a * u * u).sum(axis=1) - t2[:, 0] * (big * big - (w * a * a).sum(axis=1))
        return (diag + off) / (big * (big + 1.0))

    log_k = math.log(k)
    top = math.log(_NSB_KAPPA_RANGE[1]) + max(log_k, 0.0)
    bottom = math.log(_NSB_KAPPA_RANGE[0])
    coarse_kappa = np.linspace(bottom, top, int(math.ceil((top - bottom) / _NSB_COARSE_STEP)) + 1)
    coarse_grid = coarse_kappa - log_k  # log(beta) = log(kappa) - log(K)
    coarse = log_posterior(coarse_grid)
    keep = np.flatnonzero(coarse > coarse.max() - _NSB_DROP)
    lo = coarse_grid[max(keep[0] - 1, 0)]
    hi = coarse_grid[min(keep[-1] + 1, len(coarse_grid) - 1)]
    grid = np.linspace(lo, hi, _NSB_FINE_POINTS)
    logw = log_posterior(grid)
    w = np.exp(logw - logw.max())
    norm = trapezoid(w, grid)
    mean = float(trapezoid(w * mean_entropy(grid), grid) / norm)
    if not variance:
        return mean
    second = float(trapezoid(w * second_moment(grid), grid) / norm)
    return mean, max(second - mean * mean, 0.0)


def nsb_posterior(counts: np.ndarray, n_bins: Any = None) -> tuple[float, float]:
    """NSB posterior mean and standard deviation of the entropy (nats) of one count vector.

    The posterior over H is the NSB mixture over the Dirichlet concentration of the
    posteriors given each concentration; its variance is the mixture of their exact
    second moments (Wolpert & Wolf 1995, Hutter 2002) minus the squared mean
    (Nemenman, Shafee & Bialek 2002). ``n_bins`` as in :func:`nsb_entropy`.
    """
    counts = np.asarray(counts, dtype=np.float64).reshape(-1)
    k = float(counts.shape[0] if n_bins is None else n_bins)
    mean, var = _nsb_one(counts, k, variance=True)
    return mean, math.sqrt(var)


def nsb_entropy(counts: np.ndarray, n_bins: Any = None) -> np.ndarray:
    """Nemenman-Shafee-Bialek (2002) entropy.

    Bayesian posterior mean of the entropy under a mixture of symmetric Dirichlet
    priors whose weights make the prior on H nearly flat; the mixture is integrated
    numerically over the concentration (log-spaced grid refined around the
    posterior's mass). ``n_bins`` is the alphabet size K (default: the m cells given);
    NSB depends on it, so pass the true alphabet size when you know it.
    """
    counts = np.asarray(counts, dtype=np.float64)
    flat = counts.reshape(-1, counts.shape[-1])
    m = counts.shape[-1]
    ks = np.broadcast_to(np.asarray(m if n_bins is None else n_bins, dtype=np.float64), counts.shape[:-1]).reshape(-1)
    out = np.array([_nsb_one(row, float(kk)) for row, kk in zip(flat, ks)])
    return out.reshape(counts.shape[:-1])


def smoothed_table(table: Table) -> tuple[Table, np.ndarray] | None:
    """The bootstrap world for undersampled data: the joint table shrunk towards uniform.

    The cells are the full grid of the observed states of each variable (zero counts
    included), and their probabilities the James-Stein shrinkage of the observed
    frequencies towards uniform on that grid (:func:`_shrink`, Hausser & Strimmer
    2009). Returns the grid as a :class:`Table` (placeholder counts of 1) and the
    probabilities (n_cells,), or None when the grid has more than
    :data:`SMOOTH_MAX_CELLS` cells.

    Why: resampling the observed cells makes a world whose truth is the plug-in value,
    which for 1-2 samples per cell is dominated by spurious structure (2.7 nats for
    100 samples of two independent 50-symbol variables), so the bootstrap measures
    the estimator's errors in a world unlike the real one. The shrunk table keeps the
    dependence the data support and spreads the rest.
    """
    shape, inverse, symbols = [], [], []
    for states in table.states:
        uniq, inv = np.unique(states, return_inverse=True)
        shape.append(int(uniq.shape[0]))
        inverse.append(inv.reshape(-1))
        symbols.append(uniq)
    cells = int(np.prod(shape, dtype=np.float64))
    if cells > SMOOTH_MAX_CELLS:
        return None
    dense = np.zeros(cells)
    dense[np.ravel_multi_index(tuple(inverse), shape)] = table.counts
    p = _shrink(dense[None, :], cells)[0][0]
    grid = np.unravel_index(np.arange(cells), shape)
    states = tuple(u[g] for u, g in zip(symbols, grid))
    return Table(np.ones(cells, dtype=np.int64), states, table.alphabets), p


# ---------------------------------------------------------------------------
# Registered estimators.


def _check_n_states(func: str, name: str, value: Any, n: int) -> Any:
    """None, an int >= 1, or a tuple of them (one per variable)."""
    if value is None:
        return None
    items = value if isinstance(value, (tuple, list)) else (value,)
    for item in items:
        if item is not None and (not isinstance(item, (int, np.integer)) or isinstance(item, bool) or item < 1):
            raise param_error(func, name, "None, an int >= 1 (the alphabet size) or a tuple of those, one per variable", value)
    return tuple(items) if isinstance(value, (tuple, list)) else int(value)


_N_STATES = Param(None, _check_n_states, "alphabet size of each variable (default: the number of symbols observed)")


class DiscreteEstimator(Estimator):
    """An estimator defined by a vectorised entropy-from-counts function.

    ``min_samples`` is the fewest samples it accepts (:data:`MIN_SAMPLES` = 2, 1 for
    ``plugin``; also ``MethodInfo.min_samples``); fewer raise ``DataError``. Below the
    well-sampled rule (5 samples per observed joint cell, 2 per symbol for an
    entropy) ``diagnostics`` warns. The interval of :func:`mutinfo.estimate` is the
    bias-corrected basic bootstrap, with the plug-in value of the observed table as
    the bootstrap world's truth (``bootstrap_reference``); for an undersampled MI,
    CMI or conditional entropy the world is the smoothed table instead
    ("smoothed"); ``nsb`` uses its posterior.
    """

    def __init__(self, name: str, entropy_fn: Any, uses_alphabet: bool = False, min_samples: int = MIN_SAMPLES) -> None:
        self.name = name
        self.min_samples = min_samples
        self.entropy_fn = entropy_fn
        self.uses_alphabet = uses_alphabet
        self.params = {"n_states": _N_STATES} if uses_alphabet else {}

    def __repr__(self) -> str:
        return f"DiscreteEstimator({self.name!r})"

    # -- core ---------------------------------------------------------------

    def _alphabet(self, table: Table, axes: tuple[int, ...], n_states: Any) -> int:
        """Alphabet size of the sub-joint over ``axes``: product of per-variable sizes."""
        given = n_states if isinstance(n_states, tuple) else (n_states,) * len(table.states)
        size = 1
        for a in axes:
            known = given[a] if a < len(given) else None
            if known is None and table.alphabets and table.alphabets[a]:
                known = table.alphabets[a]
            observed = table.n_observed(a)
            if known is not None and known < observed:
                raise ParameterError(
                    f"The `n_states` parameter gives an alphabet of {known} for variable {a}, but {observed} distinct "
                    "symbols were observed; it must be at least the number observed."
                )
            size *= observed if known is None else known
        return size

    def evaluate(self, quantity: str, table: Table, counts: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """The quantity for each row of ``counts`` (B, n_cells) of ``table``'s cells; shape (B,)."""
        n_states = params.get("n_states")
        total = np.zeros(counts.shape[0])
        for sign, axes in TERMS[quantity]:
            sub = _marginal_counts(table, axes, counts)
            k = self._alphabet(table, axes, n_states) if self.uses_alphabet else None
            total += sign * self.entropy_fn(sub, k)
        return total

    def _run(self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any]) -> float:
        n = variables[0].n_samples
        if n < self.min_samples:
            raise DataError(
                f"method={self.name!r} needs at least {self.min_samples} samples (n >= {self.min_samples}). Got {n} "
                f"sample{'s' if n != 1 else ''} of {', '.join(v.name for v in variables)}."
            )
        table = contingency(variables)
        return float(self.evaluate(quantity, table, table.counts[None, :], params)[0])

    # -- Estimator interface ---------------------------------------------------

    def entropy(self, x, *, rng=None, **params):
        return self._run("entropy", [x], params)

    def conditional_entropy(self, x, y, *, rng=None, **params):
        return self._run("conditional_entropy", [x, y], params)

    def mutual_information(self, x, y, *, rng=None, **params):
        return self._run("mi", [x, y], params)

    def conditional_mutual_information(self, x, y, z, *, rng=None, **params):
        return self._run("cmi", [x, y, z], params)

    def bootstrap(self, quantity, variables, *, n_bootstrap, rng, params):
        """Multinomial redraws of the cell counts: the row bootstrap, without the rows.

        Well sampled, the counts are redrawn from the observed frequencies (exactly
        the row bootstrap). Undersampled (see :meth:`interval_construction`), from the
        smoothed table of :func:`smoothed_table` instead.
        """
        table = contingency(variables)
        n = table.n_samples
        world = self._smoothed(quantity, variables)
        if world is not None:
            table, p, _ = world
        else:
            p = table.counts / n
        block = max(1, _BOOTSTRAP_BLOCK // max(table.n_cells, 1))
        out = []
        for start in range(0, n_bootstrap, block):
            size = min(block, n_bootstrap - start)
            draws = rng.multinomial(n, p, size=size)
            out.append(self.evaluate(quantity, table, draws, params))
        return np.concatenate(out)

    def interval_construction(self, quantity, variables, params):
        """"smoothed" for an undersampled MI, CMI or conditional entropy (fewer than 5 samples per
        observed joint cell, and a dense table of at most :data:`SMOOTH_MAX_CELLS`), else "basic"."""
        return "smoothed" if self._smoothed(quantity, variables) is not None else "basic"

    def _smoothed(self, quantity, variables):
        if quantity == "entropy":
            return None
        table = contingency(variables)
        if table.n_samples >= WELL_SAMPLED_PER_CELL * table.n_cells:
            return None
        memo = variables[0].memo.get("smoothed_table")
        if memo is not None and memo[0] is table and memo[1] == quantity:
            return memo[2]
        world = smoothed_table(table)
        if world is not None:
            dense, p = world
            ref = float(sum(sign * plugin_entropy(_marginal_counts(dense, axes, p[None, :]))[0] for sign, axes in TERMS[quantity]))
            world = (dense, p, ref)
        variables[0].memo["smoothed_table"] = (table, quantity, world)
        return world

    def bootstrap_reference(self, quantity, variables, params):
        """The quantity's value in the bootstrap world: the plug-in value of the observed table
        (None for ``plugin``: its own estimate), or the exact value of the smoothed table."""
        world = self._smoothed(quantity, variables)
        if world is not None:
            return world[2]
        if self.entropy_fn is plugin_entropy:
            return None
        table = contingency(variables)
        counts = table.counts[None, :]
        return float(sum(sign * plugin_entropy(_marginal_counts(table, axes, counts))[0] for sign, axes in TERMS[quantity]))

    def diagnostics(self, quantity, variables, value, params):
        """Undersampling (below the well-sampled rule) and estimates beyond what the sample can show."""
        table = contingency(variables)
        n, cells = table.n_samples, table.n_cells
        notes = []
        if len(variables) > 1 and n < WELL_SAMPLED_PER_CELL * cells:
            notes.append(
                f"Undersampled: {n} samples for {cells} observed joint cells ({n / cells:.1f} per cell; well sampled "
                f"means at least {WELL_SAMPLED_PER_CELL:g}). "
                + (
                    "Plug-in MI is biased upward (about (Kx - 1)(Ky - 1) / (2N) nats for independent variables); "
                    "consider a bias-corrected method such as 'chao_shen', 'nsb' or 'shrinkage'. "
                    if self.name == "plugin"
                    else "Even bias-corrected estimates can be off by a large fraction of a nat here. "
                )
                + "The interval (bootstrap from a smoothed table, or NSB's posterior) reaches from a bias-corrected "
                "range to the estimate, and its coverage here varies from near 0 to near 1 with the method and the "
                "data (benchmarks/coverage.py); do not read it as a confidence interval at its nominal level."
            )
        elif len(variables) == 1 and n < WELL_SAMPLED_PER_SYMBOL * cells:
            notes.append(
                f"Undersampled: {n} samples for {cells} observed symbols (well sampled means at least "
                f"{WELL_SAMPLED_PER_SYMBOL:g} per symbol); the entropy may be underestimated and the interval may miss it."
            )
        if quantity == "entropy" and cells == n:
            notes.append(
                f"Every one of the {n} samples is a different symbol: the sample shows only that the entropy is large "
                f"compared with log {n} = {math.log(n):.3g} nats; the estimate beyond that is extrapolation."
            )
        if quantity in ("mi", "cmi"):
            mx, my = table.n_observed(0), table.n_observed(1)
            m = min(mx, my)
            bound = math.log(m)
            if value > bound + m / n:
                notes.append(
                    f"The estimate {value:.4g} nats exceeds log min(m_x, m_y) = {bound:.4g} nats, the most MI that the "
                    f"observed symbols can carry (m_x = {mx}, m_y = {my} distinct values in {n} samples; no {n} samples can "
                    f"show more than log {n} = {math.log(n):.4g} nats). The excess is {self.name!r}'s extrapolation to "
                    "symbols never seen, which these data cannot confirm."
                )
        return notes


class ShrinkageEstimator(DiscreteEstimator):
    """James-Stein shrinkage applied to the whole joint table (Hausser & Strimmer 2009).

    The joint of all variables in the quantity is laid out densely over the observed
    states of each variable (or ``n_states``), shrunk towards uniform, and every
    entropy term is the plug-in entropy of a marginal of that one shrunk table.
    """

    def __init__(self) -> None:
        super().__init__("shrinkage", shrinkage_entropy, uses_alphabet=True)

    def evaluate(self, quantity, table, counts, params):
        n_states = params.get("n_states")
        nvar = len(table.states)
        dense_index = []
        shape = []
        for a in range(nvar):
            _, inv = np.unique(table.states[a], return_inverse=True)
            size = self._alphabet(table, (a,), n_states)
            dense_index.append(inv.reshape(-1))
            shape.append(size)
        cells = int(np.prod(shape, dtype=np.float64))
        if cells > MAX_DENSE_CELLS:
            raise ParameterError(
                f"method='shrinkage' builds the dense joint table, which here has {cells} cells (more than "
                f"{MAX_DENSE_CELLS}); use another discrete method such as 'chao_shen' or 'nsb'."
            )
        flat = np.ravel_multi_index(tuple(dense_index), shape)
        out = np.empty(counts.shape[0])
        block = max(1, _BOOTSTRAP_BLOCK // cells)
        for start in range(0, counts.shape[0], block):
            chunk = counts[start : start + block]
            dense = np.zeros((chunk.shape[0], cells))
            dense[:, flat] = chunk
            p, _, _ = _shrink(dense, cells)
            p = p.reshape((chunk.shape[0], *shape))
            total = np.zeros(chunk.shape[0])
            for sign, axes in TERMS[quantity]:
                drop = tuple(1 + a for a in range(nvar) if a not in axes)
                marg = p.sum(axis=drop) if drop else p
                total += sign * -xlogy(marg, marg).reshape(chunk.shape[0], -1).sum(axis=1)
            out[start : start + block] = total
        return out


class NSBEstimator(DiscreteEstimator):
    """NSB, whose interval is its own posterior (``interval_method = "posterior"``).

    For an entropy the interval is the posterior mean -/+ z posterior standard
    deviation (:func:`nsb_posterior`). MI and CMI are signed sums of NSB entropies,
    each with its own posterior and no joint one, so their interval adds the terms'
    posterior variances, as if the terms were independent (their correlation is not
    known without a joint posterior). Measured in benchmarks/coverage.py: on a 4x4
    channel with n = 2000 it covers 0.96 and is as wide as the bootstrap interval of
    the other methods (0.085 vs 0.083 nats); for a constant x, where the MI is exactly
    0, it still has the width of the two (equal) entropy terms' spread.
    """

    interval_method = "posterior"

    def __init__(self) -> None:
        super().__init__("nsb", nsb_entropy, uses_alphabet=True)

    def interval(self, quantity, variables, params, estimate, *, level):
        from ..stats import Interval, normal_interval

        table = contingency(variables)
        counts = table.counts[None, :]
        var = 0.0
        for _, axes in TERMS[quantity]:
            sub = _marginal_counts(table, axes, counts)[0]
            _, sd = nsb_posterior(sub, self._alphabet(table, axes, params.get("n_states")))
            var += sd * sd
        sd = math.sqrt(var)
        lo, hi = normal_interval(estimate, sd, level)
        iv = Interval(lo, hi, "posterior", sd, 0)
        if table.n_samples < WELL_SAMPLED_PER_CELL * table.n_cells:
            # Undersampled, the posterior's coverage ranges from 0.04 to 0.99 (benchmarks/coverage.py).
            from ..stats import POSTERIOR_RANGE

            iv.label = POSTERIOR_RANGE
        return iv


PLUGIN = DiscreteEstimator("plugin", plugin_entropy, min_samples=1)
MILLER_MADOW = DiscreteEstimator("miller_madow", miller_madow_entropy)
GRASSBERGER = DiscreteEstimator("grassberger", grassberger_entropy)
CHAO_SHEN = DiscreteEstimator("chao_shen", chao_shen_entropy)
SHRINKAGE = ShrinkageEstimator()
NSB = NSBEstimator()
