"""k-nearest-neighbour estimators of entropy and (conditional) mutual information.

Methods
-------
``ksg`` (alias ``ksg1``)
    Kraskov, Stoegbauer & Grassberger (2004), algorithm 1, for I(X;Y); with the
    Frenzel & Pompe (2007) extension for I(X;Y|Z).
``ksg2``
    KSG algorithm 2 (per-variable radii), for I(X;Y).
``kl``
    Kozachenko & Leonenko (1987) differential entropy, Euclidean or max-norm.
``mixed``
    Gao, Kannan, Oh & Viswanath (2017): I(X;Y) for data with ties and
    discrete-continuous mixtures.
``ross``
    Ross (2014): I(X;Y) between a discrete variable and a continuous one.

Conventions (one choice for every method, and why)
--------------------------------------------------
* **Max-norm for MI.** ``ksg``, ``ksg2``, ``mixed`` and ``ross`` use hyper-cubes in
  the max-norm (Chebyshev) metric of the joint space, whose marginals are again
  max-norm balls: the joint and marginal counts then refer to the same region.
  ``kl`` (an entropy, with no marginals to match) uses Euclidean balls by default
  and max-norm cubes with ``metric="chebyshev"``.
* **Standardisation.** Each column is centred on its median and divided by its
  spread before any distance is computed (``transform="standardize"``), so that
  columns of different units weigh alike. The spread is the standard deviation,
  or the interquartile range / 1.349 where a few extreme values inflate the
  standard deviation more than tenfold (:func:`robust_scale`); both are computed on
  the column scaled by an exact power of two into [-1, 1], so nothing overflows or
  underflows and data in any units (1e-300 to 1e300) give the same estimate.
  ``transform="rank"`` replaces each column by its ranks (the empirical copula),
  computed by comparisons only: the estimate is exactly invariant to strictly
  increasing maps of each column. ``transform="none"`` uses the data as given.
  ``kl`` always standardises and adds back ``sum(log spread_j)`` in log space,
  which is exact for a rescaling.
* **Degenerate columns.** A column whose range is below 1e-12 of its magnitude is
  constant (:func:`constant_columns`): MI methods leave it out (a constant carries
  no information; a variable with nothing else has MI 0) and ``kl`` refuses it.
* **Tie-breaking noise.** KSG, KL and Ross assume continuous data with no
  repeated values; a tie (distance 0) breaks their digamma forms. They add
  Gaussian noise of standard deviation ``noise`` (default 1e-10) times each
  column's spread, after standardisation, drawn from the call's seeded ``rng``
  (``random_state=``), so estimates are reproducible. The noise is far below the
  resolution of real measurements and only decides the order of tied values.
  ``mixed`` finds exact copies on the values without noise (atoms are
  information for it) and uses the noise only to order points tied at a positive
  distance (see :func:`mixed_mi`). ``kl`` refuses a column with a value repeated
  more than k times unless ``resolution=`` declares the quantisation step.
* **Strict inequality.** KSG 1, Frenzel-Pompe, ``mixed`` (at a positive radius)
  and Ross count marginal neighbours strictly inside the k-th neighbour distance
  eps, and use ``psi(n + 1)`` with ``n`` excluding the point itself; KSG 2 counts
  within its per-variable radii, boundary included, and uses ``psi(n)``. These are
  the forms of the papers. Counts are exact: 1-D marginals are counted by a sort,
  binary searches, and an ulp-exact correction of the search bounds, so they equal
  tree range counts even with many equal distances.
* **Digamma forms.** ``psi(N)`` (not ``log N``) everywhere, including ``mixed``,
  so that ``mixed`` equals ``ksg`` (same ``random_state``) on tie-free continuous data.
* **No clipping.** A negative raw estimate is returned as is.

Complexity
----------
O(N log N) time to build a k-d tree and O(N k log N) to query it (for low
dimensions), O(N log N) for each 1-D marginal, O(N k) memory; no Python loop
over samples. The joint neighbour search runs in SciPy's ``cKDTree`` on all
cores (``workers=-1``; the environment variable ``MUTINFO_NUM_THREADS`` caps the
threads of every k-NN step, e.g. ``1`` for one core); in one or two dimensions it is bounded by a pilot estimate
of the answer, and queries that fall outside are searched again. Multi-dimensional
marginal counts run on all cores too: on large inputs in scikit-learn's ``KDTree``
(``count_only`` adds up whole nodes inside a query cube), on small ones in a
balanced ``cKDTree`` with large leaves (no scikit-learn import). Rows are first
ordered along the first column, and tree queries are issued in the tree's own
order, which keeps them cache-friendly without changing any estimate. In 5 + 5
dimensions the trees lose much of their edge (N = 1e5 takes about 7 s on two
cores). With ``device=`` (or a
CUDA tensor as input) the same algorithms run on tiled torch kernels
(:mod:`mutinfo.estimators._knn_torch`).

Bias
----
k-NN estimators are consistent; their bias comes from the density not being
constant across a neighbourhood. For MI it is small for weakly dependent,
low-dimensional data and grows (towards underestimation) with strong dependence
and dimension. Larger ``k`` lowers variance and raises bias.

References
----------
Kozachenko & Leonenko (1987), Problems Inform. Transmission 23(2).
Kraskov, Stoegbauer & Grassberger (2004), Phys. Rev. E 69, 066138.
Frenzel & Pompe (2007), Phys. Rev. Lett. 99, 204101.
Ross (2014), PLoS ONE 9(2), e87357.
Gao, Kannan, Oh & Viswanath (2017), NeurIPS 30 ("Estimating mutual information
for discrete-continuous mixtures").
Gao, Oh & Viswanath (2018), IEEE Trans. Inf. Theory 64(8) (consistency and
root-N asymptotics of fixed-k estimators).
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.special import digamma, gammaln

from .._errors import DataError, UnsupportedDataError, param_error
from .._threads import cpu_threads
from .._progress import progress
from .._validation import Param, Variable, choice_param, int_param, is_torch_tensor
from ._base import Estimator

__all__ = [
    "DEFAULT_NOISE",
    "ScipySearch",
    "prepare_columns",
    "column_exponents",
    "column_spread",
    "constant_columns",
    "robust_scale",
    "NEAR_CONSTANT",
    "count_within_1d",
    "ksg_mi",
    "ksg2_mi",
    "ksg_cmi",
    "kl_entropy",
    "mixed_mi",
    "ross_mi",
    "KSG",
    "KSG2",
    "KL",
    "MIXED",
    "ROSS",
]

# Standard deviation of the tie-breaking noise, relative to each column's spread.
DEFAULT_NOISE = 1e-10
# Leaf size of the low-dimensional k-d trees (2-D joint space, N = 10^6 on 2 cores: build and
# query take 0.78 s with leaves of 8, 0.83 s with 32, 0.95 s with 64).
_LEAFSIZE = 8
# Leaf sizes of the trees that count points in a radius (multi-dimensional marginals):
# cKDTree (enumerates points) and scikit-learn's KDTree (adds up whole nodes).
_COUNT_LEAFSIZE = 64
_NODE_COUNT_LEAFSIZE = 20
# Multi-dimensional counts use scikit-learn's KDTree from this many rows x columns, or
# from the smaller figure once scikit-learn is imported (its import takes about 1 s).
_NODE_COUNT_WORK = 200_000
_NODE_COUNT_WORK_IF_LOADED = 8_000
# Tie diagnostics look at this many rows, and speak up above this fraction of repeated values.
_TIE_CHECK_ROWS = 10_000
_TIE_FRACTION = 0.05
# Below this many rows (of 1-2 columns), tree queries run on one thread.
_PARALLEL_MIN_ROWS = 20_000
# Neighbour searches in 1-2 dimensions from this many rows are bounded by a pilot
# estimate (see _kth_distance).
_BOUNDED_MIN_ROWS = 50_000
# Subsample fraction of the half-sampling bootstrap.
HALF = 0.5


# ---------------------------------------------------------------------------
# Data preparation.


def _check_noise(func: str, name: str, value: Any, n: int) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value < 1
    if not ok:
        raise param_error(func, name, "a real number in [0, 1), relative to each column's standard deviation", value)
    return float(value)


def _check_device(func: str, name: str, value: Any, n: int) -> Any:
    if value is None:
        return None
    text = str(value)
    if text == "cpu" or text == "cuda" or (text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise param_error(func, name, "None (SciPy on the CPU; torch on the tensor's device for CUDA tensors), 'cpu', 'cuda' or 'cuda:N'", value)


def _k_param() -> Param:
    return int_param(3, 1, lambda n: n - 1, "n_samples - 1", "number of neighbours")


_TRANSFORMS = ("standardize", "rank", "none")


# Below this range relative to a column's magnitude, a column holds no more than float
# rounding (a measurement at 12 significant digits); it counts as constant.
NEAR_CONSTANT = 1e-12
# Interquartile range of the standard normal distribution (2 * 0.6744897...).
_NORMAL_IQR = 1.3489795003921634
# A standard deviation above this many IQR-based spreads is taken as inflated by extreme values.
_SD_OVER_IQR_LIMIT = 10.0


def column_exponents(x: np.ndarray) -> np.ndarray:
    """Per column of a finite (n, d) array, the power of two e with max|x| in [2^(e-1), 2^e) (0 for a zero column).

    ``np.ldexp(x, -e)`` brings every column into [-1, 1] exactly (a power-of-two
    scaling rounds nothing), so that later sums and squares cannot overflow or
    underflow whatever the data's units: data scaled by any c in 1e-300..1e300
    give the same normalised columns up to the rounding of ``c * x`` itself.
    """
    top = np.abs(x).max(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    _, e = np.frexp(top)
    return e.astype(np.int64)


def robust_scale(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (median) and spread of each column of an (n, d) array normalised to [-1, 1].

    The spread is the standard deviation, unless that exceeds ten times the
    interquartile range / 1.349 (the two agree for a Gaussian, and within a factor
    of 1.3 for exponential or uniform data): then a few extreme values inflate it,
    and the IQR-based spread, which they cannot move, is used. 0 for a constant
    column. The median is the centre because a mean would move with one extreme
    value and round the other values of the column together.
    """
    centre = np.median(xs, axis=0)
    q25, q75 = np.percentile(xs, [25.0, 75.0], axis=0)
    iqr = (q75 - q25) / _NORMAL_IQR
    sd = xs.std(axis=0)
    robust = (iqr > 0) & (sd > _SD_OVER_IQR_LIMIT * iqr)
    return centre, np.where(robust, iqr, sd)


def constant_columns(data: np.ndarray) -> np.ndarray:
    """Indices of the columns of a finite (n, d) array that are constant up to float rounding.

    A column is (near-)constant when its range is at most ``NEAR_CONSTANT`` (1e-12)
    times its largest magnitude: the differences are then rounding, not measurement
    (``np.full(n, 0.1)`` computed in two ways, or 1e9 plus noise below 1e-3).
    """
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    e = column_exponents(x)
    xs = np.ldexp(x, -e)
    spread = xs.max(axis=0) - xs.min(axis=0)
    top = np.abs(xs).max(axis=0)
    return np.flatnonzero(spread <= NEAR_CONSTANT * top)


def prepare_columns(data: np.ndarray, *, transform: str = "standardize", noise: float = DEFAULT_NOISE, rng: np.random.Generator | None = None) -> np.ndarray:
    """Columns ready for a neighbour search: transformed, with tie-breaking noise.

    Parameters
    ----------
    data : array of shape (n, d), finite
    transform : {"standardize", "rank", "none"}
        "standardize": (x - median) / spread per column, with the robust spread of
        :func:`robust_scale`, computed on the column first brought into [-1, 1] by an
        exact power-of-two scaling (:func:`column_exponents`): no step can overflow
        or underflow, data in any units from 1e-300 to 1e300 give the same columns
        (up to the rounding of the data themselves), and one extreme value cannot
        squash the other rows together. A constant column is centred only.
        "rank": each column is replaced by its standardised ranks; with noise, ties
        are ordered at random (ordinal ranks), without it they share their average
        rank. No arithmetic touches the values, so the result is exactly invariant
        to strictly increasing maps of a column. "none": no change of scale.
    noise : float
        Standard deviation of the added Gaussian noise, relative to each column's
        spread (absolute for a constant column). 0 adds none.
    rng : numpy.random.Generator
        Source of the noise; required when ``noise > 0``.

    Returns
    -------
    C-contiguous float64 array of shape (n, d).
    """
    x = np.array(data, dtype=np.float64, copy=True)
    if x.ndim == 1:
        x = x[:, None]
    if noise > 0:
        if rng is None:
            raise ValueError("prepare_columns needs rng when noise > 0")
        jitter = rng.standard_normal(x.shape)
        jitter *= noise
    else:
        jitter = None
    if transform == "rank":
        return np.ascontiguousarray(_standard_ranks(x, jitter))
    e = column_exponents(x)
    xs = np.ldexp(x, -e)
    centre, spread = robust_scale(xs)
    unit = np.where(spread > 0, spread, 1.0)
    if transform == "standardize":
        x = xs - centre
        x /= unit
        if jitter is not None:
            x += jitter
    elif transform == "none":
        if jitter is not None:
            x += np.ldexp(jitter * unit, e)
    else:  # pragma: no cover - checked by the params spec
        raise ValueError(transform)
    return np.ascontiguousarray(x)


def _standard_ranks(x: np.ndarray, key: np.ndarray | None) -> np.ndarray:
    """Ranks of each column, centred and scaled to unit standard deviation.

    With a random ``key`` (same shape), tied values are ordered by it (ordinal ranks);
    without, ties share their average rank. Only comparisons of values are used.
    """
    from scipy.stats import rankdata

    n = x.shape[0]
    if key is None:
        r = rankdata(x, axis=0, method="average")
    else:
        r = np.empty_like(x)
        for j in range(x.shape[1]):
            order = np.lexsort((key[:, j], x[:, j]))
            r[order, j] = np.arange(1, n + 1, dtype=np.float64)
    r -= r.mean(axis=0)
    rsd = r.std(axis=0)
    r /= np.where(rsd > 0, rsd, 1.0)
    return r


def column_spread(data: np.ndarray) -> np.ndarray:
    """The robust spread of each column of an (n, d) array, in the data's units (see :func:`robust_scale`)."""
    x = np.asarray(data, dtype=np.float64)
    e = column_exponents(x)
    _, spread = robust_scale(np.ldexp(x, -e))
    return np.ldexp(spread, e)


# A value further than this many robust spreads from its column's median cannot be added
# to the rest of the column without rounding the rest away (2^52: float64 keeps 52 bits).
EXTREME_SPREADS = 2.0**52


def extreme_rows(data: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(column, rows) of values further than 2^52 robust spreads from their column's median.

    Beyond that distance a float64 sum that holds such a value has rounded every
    ordinary value of the column away: a covariance is that one row, and an entropy
    estimate gains log(distance) / N from it alone. Columns with an interquartile
    range of 0 are never flagged.
    """
    x = np.asarray(data, dtype=np.float64)
    e = column_exponents(x)
    xs = np.ldexp(x, -e)
    centre = np.median(xs, axis=0)
    q25, q75 = np.percentile(xs, [25.0, 75.0], axis=0)
    iqr = (q75 - q25) / _NORMAL_IQR
    out = []
    for j in np.flatnonzero(iqr > 0):
        rows = np.flatnonzero(np.abs(xs[:, j] - centre[j]) > EXTREME_SPREADS * iqr[j])
        if rows.size:
            out.append((int(j), rows))
    return out


def _rows_text(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:10])
    return f"[{shown}{', ...' if rows.size > 10 else ''}]"


def check_no_extreme_values(v: Variable, method: str, why: str) -> None:
    """Raise DataError naming the variable, column and rows of values that :func:`extreme_rows` flags."""
    if v.discrete:
        return
    found = extreme_rows(_as_numpy(v.data))
    if found:
        col, rows = found[0]
        raise DataError(
            f"{v.name} column {col} has values more than 2^52 interquartile ranges from its median at rows "
            f"{_rows_text(rows)}; {why} with method={method!r}. Remove or correct those rows, or use a k-NN MI method."
        )


def _most_copies(col: np.ndarray) -> int:
    """Largest number of equal values in a 1-D array."""
    _, counts = np.unique(col, return_counts=True)
    return int(counts.max()) if counts.size else 0


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
# Exact range counts on one column.


def _fix_upper(values: np.ndarray, x: np.ndarray, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Move approximate indices p to the exact number of values v with fl(v - x) <= r.

    The predicate is monotone along ``values``, so the answer is where it turns false;
    ``p`` (from a search for x + r) is off only by the few distinct values within a
    rounding error of the boundary. Each step jumps over a whole block of equal values.
    """
    n = values.shape[0]
    while True:
        prev = np.maximum(p - 1, 0)
        over = (p > 0) & ((values[prev] - x) > r)
        if over.any():
            p[over] = np.searchsorted(values, values[prev[over]], side="left")
        cur = np.minimum(p, n - 1)
        under = (p < n) & ((values[cur] - x) <= r)
        if under.any():
            p[under] = np.searchsorted(values, values[cur[under]], side="right")
        if not over.any() and not under.any():
            return p


def _fix_lower(values: np.ndarray, x: np.ndarray, r: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Move approximate indices q to the first value v with fl(x - v) <= r (see :func:`_fix_upper`)."""
    n = values.shape[0]
    while True:
        prev = np.maximum(q - 1, 0)
        early = (q > 0) & ((x - values[prev]) <= r)
        if early.any():
            q[early] = np.searchsorted(values, values[prev[early]], side="left")
        cur = np.minimum(q, n - 1)
        late = (q < n) & ((x - values[cur]) > r)
        if late.any():
            q[late] = np.searchsorted(values, values[cur[late]], side="right")
        if not early.any() and not late.any():
            return q


def count_within_1d(sorted_values: np.ndarray, x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Number of j with |v_j - x_i| <= r_i, exactly as floats compare it.

    Parameters
    ----------
    sorted_values : array of shape (n,), ascending
    x : array of shape (m,)
        Query points; sorted (or nearly) queries make the searches cache-friendly.
    r : array of shape (m,), >= 0

    Returns
    -------
    int64 array of shape (m,): the count, the query point itself included when it is
    one of the values. Equal to a k-d tree's range count: two binary searches for
    x - r and x + r, then each bound is moved past the (rare) values whose computed
    distance |v - x| falls on the other side of r than the search assumed.
    """
    p = _fix_upper(sorted_values, x, r, np.searchsorted(sorted_values, x + r, side="right"))
    q = _fix_lower(sorted_values, x, r, np.searchsorted(sorted_values, x - r, side="left"))
    return np.maximum(p - q, 0).astype(np.int64)


# ---------------------------------------------------------------------------
# Neighbour search on the CPU.


@dataclass
class ScipySearch:
    """Exact neighbour search with SciPy's cKDTree on all cores, and exact range counts.

    ``workers=-1`` uses every core the process may run on, capped by the
    ``MUTINFO_NUM_THREADS`` environment variable (:func:`mutinfo._threads.cpu_threads`);
    a positive ``workers`` is a thread count. Estimates do not depend on it.

    Multi-dimensional range counts use scikit-learn's node-counting KDTree on large
    inputs and a balanced cKDTree with large leaves on small ones; 1-D
    point sets are counted by sort and binary search; sorted copies are cached
    per array (by identity) so that callers that reuse a column (``pairwise``)
    sort it once.
    """

    workers: int = -1
    _sorted: dict = field(default_factory=dict, repr=False)

    def knn(self, points: np.ndarray, k: int, metric: str = "chebyshev", indices: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Distances to the k + 1 nearest points (the point itself first), and their indices.

        Returns (dist, idx) of shape (n, k + 1) each when ``indices``; otherwise
        only the last column, (dist[:, k], None).
        """
        from scipy.spatial import cKDTree

        p = np.inf if metric == "chebyshev" else 2.0
        n = points.shape[0]
        # Sliding-midpoint trees build fastest and suit 1-2 dimensions; median-split
        # (balanced) trees query faster in more.
        high = points.shape[1] >= 3
        tree = cKDTree(points, leafsize=16 if high else _LEAFSIZE, balanced_tree=high, compact_nodes=high)
        workers = self._workers(n, points.shape[1])
        # In 3+ dimensions, query in the tree's own (leaf) order: neighbouring queries then
        # visit the same nodes, which keeps them in cache. Results are put back in row order.
        order = tree.indices if points.shape[1] >= 3 else None
        queries = points if order is None else points[order]
        if not indices:
            dist = _kth_distance(tree, queries, k + 1, p, workers)
            return (dist if order is None else _unpermute(dist, order)), None
        dist, idx = tree.query(queries, k=k + 1, p=p, workers=workers)
        dist, idx = np.asarray(dist).reshape(n, k + 1), np.asarray(idx).reshape(n, k + 1)
        if order is not None:
            dist, idx = _unpermute(dist, order), _unpermute(idx, order)
        return dist, idx

    def _workers(self, n: int, d: int = 1) -> int:
        # Starting threads costs more than it saves on small, low-dimensional inputs.
        if n * max(d, 2) < 2 * _PARALLEL_MIN_ROWS:
            return 1
        # -1: every core this process may use, capped by MUTINFO_NUM_THREADS (a positive count is
        # passed on to the trees as it is, so 1 means one thread whatever -1 would resolve to).
        return _cores() if self.workers < 0 else self.workers

    def sorted_column(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Order and sorted values of a (n, 1) array, cached while the same array object is passed."""
        key = id(points)
        hit = self._sorted.get(key)
        if hit is not None and hit[0] is points:
            return hit[1], hit[2]
        column = points[:, 0]
        if column.shape[0] > 1 and bool((column[1:] >= column[:-1]).all()):
            order = np.arange(column.shape[0])
            values = column
        else:
            order = np.argsort(column)
            values = column[order]
        self._sorted[key] = (points, order, values)
        return order, values

    def count_le(self, points: np.ndarray, r: np.ndarray) -> np.ndarray:
        """For each point i, the number of points j (i included) with max-norm distance <= r_i.

        ``points`` has shape (n, d); ``r`` shape (n,), non-negative.
        """
        n, d = points.shape
        if d == 1:
            order, values = self.sorted_column(points)
            counts = np.empty(n, dtype=np.int64)
            counts[order] = count_within_1d(values, values, r[order])
            return counts
        from scipy.spatial import cKDTree

        workers = self._workers(n, d)
        work = n * d
        if work >= _NODE_COUNT_WORK or (work >= _NODE_COUNT_WORK_IF_LOADED and "sklearn.neighbors" in sys.modules):
            return _node_counts(points, r, _cores() if workers < 0 else workers)
        # cKDTree enumerates the points in each query cube, so large leaves (few nodes
        # visited, leaf points compared in a tight loop) and a balanced tree pay off, and
        # queries in the tree's own order keep neighbouring queries in cache.
        tree = cKDTree(points, leafsize=_COUNT_LEAFSIZE, balanced_tree=True, compact_nodes=True)
        order = tree.indices
        counts = tree.query_ball_point(points[order], r[order], p=np.inf, return_length=True, workers=workers)
        return _unpermute(np.asarray(counts, dtype=np.int64), order)

    def count_equal(self, points: np.ndarray) -> np.ndarray:
        """For each row, the number of identical rows (itself included)."""
        if points.shape[1] == 1:
            _, inverse, counts = np.unique(points[:, 0], return_inverse=True, return_counts=True)
        else:
            _, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
        return counts[inverse.reshape(-1)].astype(np.int64)


def _kth_distance(tree: Any, queries: np.ndarray, kk: int, p: float, workers: int) -> np.ndarray:
    """Distance from each query to its kk-th nearest point of ``tree``, exactly.

    In one or two dimensions on large inputs, a search bounded by a pilot estimate of
    the 99th percentile of the answer prunes most of the tree early (about 20% faster
    at N = 10^6); the few queries whose answer lies beyond the bound come back as
    infinity and are searched again without it, so the result is the unbounded one.
    """
    n, d = queries.shape
    if d > 2 or n < _BOUNDED_MIN_ROWS:
        dist, _ = tree.query(queries, k=[kk], p=p, workers=workers)
        return np.asarray(dist).reshape(n)
    pilot = queries[:: max(1, n // 2000)]
    pilot_dist, _ = tree.query(pilot, k=[kk], p=p)
    bound = float(np.quantile(pilot_dist, 0.99))
    if not 0.0 < bound < np.inf:  # heavy ties: no useful bound
        dist, _ = tree.query(queries, k=[kk], p=p, workers=workers)
        return np.asarray(dist).reshape(n)
    dist, _ = tree.query(queries, k=[kk], p=p, workers=workers, distance_upper_bound=bound)
    dist = np.asarray(dist).reshape(n)
    missed = np.flatnonzero(~np.isfinite(dist))
    if missed.size:
        again, _ = tree.query(queries[missed], k=[kk], p=p, workers=workers if missed.size >= _PARALLEL_MIN_ROWS else 1)
        dist[missed] = np.asarray(again).reshape(missed.size)
    return dist


def _node_counts(points: np.ndarray, r: np.ndarray, threads: int) -> np.ndarray:
    """Max-norm range counts (point itself included) on scikit-learn's KDTree, in threads.

    Its ``count_only`` queries add up whole nodes that lie inside a query cube without
    visiting their points: inside KSG on 2 cores, 5 + 5-D at N = 10^5 takes 6.8 s this
    way against 11.1 s with cKDTree's enumeration, 2 + 2-D 0.89 s against 1.14 s. The
    queries release the GIL, so blocks of query rows run in threads. Importing
    scikit-learn costs about a second, hence only on large inputs (``count_le``).
    """
    from sklearn.neighbors import KDTree

    n = points.shape[0]
    tree = KDTree(points, leaf_size=_NODE_COUNT_LEAFSIZE, metric="chebyshev")
    order = np.asarray(tree.get_arrays()[1])
    queries, radii = points[order], r[order]
    if threads <= 1:
        counts = tree.query_radius(queries, radii, count_only=True)
    else:
        # Contiguous blocks in tree order keep each thread's queries local; more blocks
        # than threads even out blocks of unequal cost (dense and sparse regions).
        edges = np.linspace(0, n, 4 * threads + 1).astype(np.int64)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            blocks = pool.map(lambda a, b: tree.query_radius(queries[a:b], radii[a:b], count_only=True), edges[:-1], edges[1:])
            counts = np.concatenate(list(blocks))
    return _unpermute(np.asarray(counts, dtype=np.int64), order)


def _cores() -> int:
    """CPU threads for k-NN work: the cores this process may run on, capped by ``MUTINFO_NUM_THREADS``."""
    return cpu_threads()


def _unpermute(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Values computed for rows ``order`` put back in row order."""
    out = np.empty_like(values)
    out[order] = values
    return out


def _below(eps: np.ndarray) -> np.ndarray:
    """Largest float below each positive eps (so that d <= result  <=>  d < eps); 0 stays 0."""
    return np.where(eps > 0, np.nextafter(eps, 0.0), 0.0)


def _count_le_each(search: Any, parts: Sequence[np.ndarray], radii: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``search.count_le`` of each (points, r) pair; 1-D marginals of large inputs run side by side.

    The 1-D counts are NumPy binary searches, which release the GIL, so two marginals
    counted in two threads take little more than one (N = 10^6: 0.44 s instead of 0.70 s
    on 2 cores). Tree counts in more dimensions already run on all cores
    (``workers``), so they run one after the other.
    """
    if (
        isinstance(search, ScipySearch)
        and len(parts) > 1
        and all(p.shape[1] == 1 for p in parts)
        and search._workers(parts[0].shape[0]) != 1
    ):
        threads = min(len(parts), _cores())
        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                return list(pool.map(search.count_le, parts, radii))
    return [search.count_le(p, r) for p, r in zip(parts, radii)]


def _counts_excluding_self(search: Any, points: np.ndarray, r: np.ndarray, strict_zero: np.ndarray | None = None) -> np.ndarray:
    return _strict_counts(search.count_le(points, r), strict_zero)


def _strict_counts(counts_le: np.ndarray, strict_zero: np.ndarray | None) -> np.ndarray:
    """Counts of other points from counts that include the point itself; 0 where the radius is 0."""
    counts = counts_le - 1
    if strict_zero is not None:
        counts = np.where(strict_zero, 0, counts)
    return counts


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


# ---------------------------------------------------------------------------
# Registered estimators.


def _as_numpy(data: Any) -> np.ndarray:
    if is_torch_tensor(data):
        return data.detach().cpu().numpy().astype(np.float64, copy=False)
    return np.asarray(data, dtype=np.float64)


def _locality_order(first: np.ndarray) -> np.ndarray | None:
    """Row order along one column: tree queries and binary searches then touch memory in order."""
    if first.shape[0] < 4096:
        return None
    return np.argsort(first)


class KNNEstimator(Estimator):
    """Shared machinery of the k-NN family: preparation, neighbour search, bootstrap, pairwise."""

    torch_native = True
    uses_noise = True
    warns_ties = True
    name = "knn"
    interval_method = "subsampling"

    def _search(self, variables: Sequence[Variable], device: Any) -> Any:
        if device is None:
            device = next((str(v.data.device) for v in variables if is_torch_tensor(v.data) and v.data.device.type == "cuda"), None)
        if device is None:
            return ScipySearch()
        from ._knn_torch import TorchSearch

        return TorchSearch(device)

    def _prepare(self, variables: Sequence[Variable], rng: np.random.Generator, transform: str, noise: float) -> list[np.ndarray]:
        """Prepared float64 arrays, one per variable, rows in a cache-friendly order."""
        out = [prepare_columns(_as_numpy(v.data), transform=transform, noise=noise if self.uses_noise else 0.0, rng=rng) for v in variables]
        order = _locality_order(out[0][:, 0])
        if order is not None:
            out = [np.ascontiguousarray(a[order]) for a in out]
        return out

    # The half-sampling bootstrap.
    def bootstrap(self, quantity, variables, *, n_bootstrap, rng, params):
        """Half-sampling replicates, recentred on the full-sample estimate.

        Resampling rows with replacement duplicates them, and duplicated rows sit at
        distance 0 from each other, which k-NN estimators read as strong dependence
        (or as ties). Instead, each replicate is computed on m = N/2 rows drawn
        without replacement. For estimators that are asymptotically linear with
        root-N variance (fixed-k KSG and KL are; Gao, Oh & Viswanath 2018), the
        variance of a subsample estimate around the full one is sigma^2 (1/m - 1/N),
        so the deviations are rescaled by sqrt(m / (N - m)) (= 1 for m = N/2), and
        they are recentred on the full estimate because k-NN bias depends on the
        sample size. Returns ``theta_N + s (theta_m^b - mean_b theta_m)`` in nats.
        """
        n = variables[0].n_samples
        k = params.get("k", 3)
        m = min(max(int(n * HALF), k + 2), n - 1)
        if m < k + 2:
            # Too few rows for a subsample with k neighbours: no interval (NaN replicates).
            return np.full(n_bootstrap, np.nan)
        fn = self._function(quantity)
        full = float(fn(*variables, rng=np.random.default_rng(rng.integers(2**63 - 1)), **params))
        reps = np.empty(n_bootstrap)
        for b in progress(range(n_bootstrap), desc="bootstrap (half-samples)"):
            idx = np.sort(rng.choice(n, size=m, replace=False))
            reps[b] = fn(*[v.take(idx) for v in variables], rng=rng, **params)
        scale = math.sqrt(m / (n - m))
        return full + scale * (reps - reps.mean())

    def _informative(self, v: Variable) -> Variable | None:
        """``v`` without its (near-)constant columns, or None when every column is constant.

        A constant column carries no information: I(X, c; Y) = I(X; Y) and I(c; Y) = 0.
        Without this, equal values at distance 0 make the neighbour counts meaningless
        (two constant columns read 6.7 nats with ``noise=0``).
        """
        if v.discrete:
            return v
        const = constant_columns(_as_numpy(v.data))
        if const.size == 0:
            return v
        keep = np.setdiff1d(np.arange(v.n_dims), const)
        if keep.size == 0:
            return None
        if is_torch_tensor(v.data):
            import torch

            data = v.data[:, torch.as_tensor(keep, device=v.data.device)]
        else:
            data = v.data[:, keep]
        return Variable(v.name, data, False, v.n_states, v.guessed, v.alphabet)

    def diagnostics(self, quantity, variables, value, params):
        """Notes on constant columns (left out), and on repeated values that noise only hides."""
        notes = []
        for v in variables:
            if v.discrete:
                continue
            const = constant_columns(_as_numpy(v.data))
            if const.size and quantity in ("mi", "cmi"):
                cols = ", ".join(str(int(c)) for c in const)
                notes.append(
                    f"{v.name} column(s) {cols} are constant (range below {NEAR_CONSTANT:g} of their magnitude); a "
                    "constant carries no information, so they were left out (a variable with nothing else gives MI 0)."
                )
        if not self.warns_ties or (quantity in ("entropy", "conditional_entropy") and params.get("resolution") is not None):
            return notes
        rng = np.random.default_rng(0)
        for v in variables:
            if v.discrete:
                continue
            data = _as_numpy(v.data)
            if data.shape[0] > _TIE_CHECK_ROWS:
                data = data[rng.choice(data.shape[0], _TIE_CHECK_ROWS, replace=False)]
            for j in range(data.shape[1]):
                col = np.sort(data[:, j])
                repeated = float(np.count_nonzero(col[1:] == col[:-1])) / max(col.shape[0], 1)
                if repeated > _TIE_FRACTION and col[0] != col[-1]:
                    notes.append(f"{v.name} column {j} repeats values ({100 * repeated:.0f}% of a sample of rows are ties); " + self._tie_advice())
                    break
        return notes

    def _tie_advice(self) -> str:
        return (
            f"method={self.name!r} breaks ties with tiny noise, which treats atoms as if they were spread out. "
            "For discrete-continuous mixtures and rounded data use method='mixed' (or declare labels discrete)."
        )

    def _function(self, quantity: str):
        return {
            "entropy": self.entropy,
            "conditional_entropy": self.conditional_entropy,
            "mi": self.mutual_information,
            "cmi": self.conditional_mutual_information,
        }[quantity]

    def pairwise(self, xcols: Sequence[Variable], ycols: Sequence[Variable] | None, *, rng: np.random.Generator, params: Mapping[str, Any], show_progress: bool | None = None) -> np.ndarray | None:
        """No shared path by default (pair by pair); :class:`KSGEstimator` has one for 1-D columns."""
        return None


@dataclass(frozen=True)
class SortedColumn:
    """A prepared 1-D column with its sort, computed once and shared by every pair it is in.

    values: (n,) in row order; order: rows in ascending order of value; sorted: values[order];
    rank: position of each row in that order (the inverse permutation).
    """

    values: np.ndarray
    order: np.ndarray
    sorted: np.ndarray
    rank: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> "SortedColumn":
        order = np.argsort(values)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        return cls(values, order, np.ascontiguousarray(values[order]), rank)


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


def _pair_matrix(fn, xprep: list[Any], yprep: list[Any] | None, show_progress: bool | None, threads: int = 1) -> np.ndarray:
    """The (p, q) matrix of fn over column pairs (symmetric with +inf diagonal when yprep is None).

    With ``threads > 1`` pairs run concurrently (tree queries and binary searches
    release the GIL); each pair's value does not depend on the schedule.
    """
    symmetric = yprep is None
    ys = xprep if symmetric else yprep
    p, q = len(xprep), len(ys)
    out = np.empty((p, q))
    pairs = [(i, j) for i in range(p) for j in range(q) if not symmetric or j > i]
    if symmetric:
        np.fill_diagonal(out, np.inf)

    def one(pair: tuple[int, int]) -> tuple[int, int, float]:
        i, j = pair
        return i, j, fn(xprep[i], ys[j])

    with progress(total=len(pairs), desc="pairs", enabled=show_progress) as bar:
        if threads > 1 and len(pairs) > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                results = pool.map(one, pairs)
                for i, j, value in results:
                    out[i, j] = value
                    bar.update(1)
        else:
            for pair in pairs:
                i, j, value = one(pair)
                out[i, j] = value
                bar.update(1)
    if symmetric:
        upper = np.triu_indices(p, 1)
        out[(upper[1], upper[0])] = out[upper]
    return out


class KSGEstimator(KNNEstimator):
    """Kraskov-Stoegbauer-Grassberger estimator of I(X;Y) (and Frenzel-Pompe I(X;Y|Z)).

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
        Neighbours; an int in [1, n_samples - 1].
    transform : {"standardize", "rank", "none"}, default "standardize"
    noise : float in [0, 1), default 1e-10
        Tie-breaking noise relative to each column's spread (seeded by random_state).
    device : None, "cpu", "cuda" or "cuda:N", default None
        Where the torch kernels run; None uses SciPy unless the data is a CUDA tensor.

    Notes
    -----
    In nats. x: array of shape (n, d_x), y: array of shape (n, d_y), z: (n, d_z).
    O(N k log N) time and O(N k) memory in low dimensions. Conventions and
    references: see :mod:`mutinfo.estimators.knn`.
    """

    def __init__(self, variant: int) -> None:
        self.variant = variant
        self.name = "ksg" if variant == 1 else "ksg2"
        self.params = {
            "k": _k_param(),
            "transform": choice_param("standardize", _TRANSFORMS, "per-column transform before distances"),
            "noise": Param(DEFAULT_NOISE, _check_noise, "tie-breaking noise, relative to each column's spread"),
            "device": Param(None, _check_device, "device of the torch kernels (None: SciPy)"),
        }

    def mutual_information(self, x, y, *, rng, k=3, transform="standardize", noise=DEFAULT_NOISE, device=None):
        x, y = self._informative(x), self._informative(y)
        if x is None or y is None:
            return 0.0
        search = self._search([x, y], device)
        xp, yp = self._prepare([x, y], rng, transform, noise)
        return (ksg_mi if self.variant == 1 else ksg2_mi)(xp, yp, k, search)

    def pairwise(self, xcols, ycols, *, rng, params, show_progress=None):
        """MI (nats) of every 1-D continuous column of X with every one of Y (or among X's).

        Each column is prepared once (standardisation and noise, from one ``rng``
        stream), sorted once, and its sorted copy serves every pair it is in; only
        the joint neighbour search is per pair, and pairs run on all cores. Returns
        None for multi-dimensional or discrete columns (pair-by-pair path).
        """
        if any(v.n_dims != 1 or v.discrete for v in (*xcols, *(ycols or ()))):
            return None
        k, transform, noise, device = params["k"], params["transform"], params["noise"], params["device"]
        search = self._search([*xcols, *(ycols or ())], device)

        def prep(cols):
            return [prepare_columns(_as_numpy(v.data), transform=transform, noise=noise, rng=rng) for v in cols]

        xprep = prep(xcols)
        yprep = None if ycols is None else prep(ycols)

        def constant(cols):
            # A constant column has MI 0 with anything (as in mutual_information).
            return [self._informative(v) is None for v in cols]

        xconst = constant(xcols)
        yconst = None if ycols is None else constant(ycols)
        if isinstance(search, ScipySearch):
            xcol = [SortedColumn.of(a[:, 0]) for a in xprep]
            ycol = None if yprep is None else [SortedColumn.of(b[:, 0]) for b in yprep]
            n = xprep[0].shape[0] if xprep else 0
            threads = 1 if search._workers(n, 2) != 1 else _cores()

            def pair(a, b):
                return 0.0 if a[1] or b[1] else ksg_pair_1d(a[0], b[0], k, self.variant, search)

            yitems = None if ycol is None else list(zip(ycol, yconst))
            return _pair_matrix(pair, list(zip(xcol, xconst)), yitems, show_progress, threads)
        fn = ksg_mi if self.variant == 1 else ksg2_mi

        def pair_any(a, b):
            return 0.0 if a[1] or b[1] else fn(a[0], b[0], k, search)

        yitems = None if yprep is None else list(zip(yprep, yconst))
        return _pair_matrix(pair_any, list(zip(xprep, xconst)), yitems, show_progress)


class KSGConditional(KSGEstimator):
    """KSG algorithm 1 with the Frenzel-Pompe conditional form for I(X;Y|Z)."""

    def conditional_mutual_information(self, x, y, z, *, rng, k=3, transform="standardize", noise=DEFAULT_NOISE, device=None):
        x, y, z = self._informative(x), self._informative(y), self._informative(z)
        if x is None or y is None:
            return 0.0
        if z is None:
            return self.mutual_information(x, y, rng=rng, k=k, transform=transform, noise=noise, device=device)
        search = self._search([x, y, z], device)
        xp, yp, zp = self._prepare([x, y, z], rng, transform, noise)
        return ksg_cmi(xp, yp, zp, k, search)


def _check_resolution(func: str, name: str, value: Any, n: int) -> Any:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, (str, bytes)) else None
    if arr is None or arr.ndim > 1 or arr.size == 0 or not np.isfinite(arr).all() or not (arr > 0).all() or isinstance(value, bool):
        raise param_error(func, name, "None or a positive real number (or one per column): the width of the quantisation step", value)
    return float(arr) if arr.ndim == 0 else tuple(float(a) for a in arr)


class KLEstimator(KNNEstimator):
    """Kozachenko-Leonenko estimator of differential entropy H(X).

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
    metric : {"euclidean", "chebyshev"}, default "euclidean"
        Euclidean balls or max-norm cubes; "max" is an alias of "chebyshev".
    noise : float in [0, 1), default 1e-10
    resolution : None, float or sequence of floats (one per column), default None
        The step of a quantised measurement (0.01 for values rounded to two
        decimals). Each value is spread uniformly over its step (seeded by
        random_state) before the estimate, which then estimates
        H(binned) + sum_j log(width_j), the differential entropy of the spread-out
        variable; it approximates the entropy of the underlying measurement when the
        density varies little over one step.
    device : None, "cpu", "cuda" or "cuda:N"

    Notes
    -----
    In nats; x: array of shape (n, d). Columns are scaled by a robust spread and
    ``sum_j log(spread_j)`` is added back in log space (a power of two times the
    spread, so no overflow), so the estimate follows the data's units exactly under
    rescaling (1e-300 to 1e300). O(N k log N) time in low dimensions. The bias is
    small in 1-3 dimensions and grows with d (the estimator assumes a locally
    uniform density). H(X|Y) is derived as H(X, Y) - H(Y).

    Refused with a DataError: a (near-)constant column (entropy -inf); a column in
    which some value occurs more than k times, without ``resolution`` (the k-th
    neighbour distance would be the tie-breaking noise: the entropy of a quantised
    measurement is not a differential entropy); a value more than 2^52 robust
    spreads from its column's median (it alone would add log(distance) / N).

    Reference: Kozachenko & Leonenko (1987); Kraskov et al. (2004), eq. (20).
    """

    name = "kl"
    params = {
        "k": _k_param(),
        "metric": choice_param("euclidean", ("euclidean", "chebyshev", "max"), "distance of the neighbour balls"),
        "noise": Param(DEFAULT_NOISE, _check_noise, "tie-breaking noise, relative to each column's spread"),
        "resolution": Param(None, _check_resolution, "quantisation step of the data (None: continuous measurements)"),
        "device": Param(None, _check_device, "device of the torch kernels (None: SciPy)"),
    }

    def entropy(self, x, *, rng, k=3, metric="euclidean", noise=DEFAULT_NOISE, resolution=None, device=None):
        data = _as_numpy(x.data)
        const = constant_columns(data)
        if const.size:
            col = int(const[0])
            raise DataError(
                f"{x.name} column {col} is constant (its range is below {NEAR_CONSTANT:g} of its magnitude); its "
                "differential entropy is -inf. Remove constant columns."
            )
        check_no_extreme_values(x, self.name, "the entropy estimate would be dominated by them")
        if resolution is None:
            for j in range(data.shape[1]):
                top = _most_copies(data[:, j])
                if top > k:
                    raise DataError(
                        f"{x.name} column {j} repeats one value {top} times (more than k={k}): it is quantised or "
                        "has atoms, and the entropy of a quantised measurement is not a differential entropy (the "
                        "k-NN distances would be the tie-breaking noise). Pass resolution=<the quantisation step> "
                        "to estimate H(binned) + log(step), or use a discrete entropy method on the values."
                    )
        else:
            width = np.broadcast_to(np.asarray(resolution, dtype=np.float64), (data.shape[1],)) if np.ndim(resolution) == 0 or len(resolution) == data.shape[1] else None
            if width is None:
                raise param_error("entropy", "resolution", f"one width or {data.shape[1]} (one per column of {x.name})", resolution)
            data = data + (rng.random(data.shape) - 0.5) * width
            x = Variable(x.name, data, False)
        e = column_exponents(data)
        _, spread = robust_scale(np.ldexp(data, -e))
        log_scale = float(np.log(spread).sum() + e.sum() * math.log(2.0))
        search = self._search([x], device)
        (xp,) = self._prepare([x], rng, "standardize", noise)
        metric = "chebyshev" if metric == "max" else metric
        return kl_entropy(xp, k, metric, search) + log_scale

    def _tie_advice(self) -> str:
        return (
            "the k-NN entropy treats the copies as if they were spread out by the tie-breaking noise. If the values "
            "are quantised, pass resolution=<the step> (the entropy of a quantised measurement is not a differential "
            "entropy); for labels use a discrete method."
        )


class MixedEstimator(KNNEstimator):
    """Gao-Kannan-Oh-Viswanath (2017) estimator of I(X;Y) for discrete-continuous mixtures and ties.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
    transform : {"standardize", "rank", "none"}, default "standardize"
        "rank" uses average ranks, which keeps ties.
    noise : float in [0, 1), default 1e-10
        Orders points tied at a positive distance at random (relative to each
        column's spread, seeded by random_state); exact copies are still found on
        the values without noise. 0 gives the reference form, biased upward on
        rounded or 0/1 data (see :func:`mixed_mi`).
    device : None, "cpu", "cuda" or "cuda:N"

    Notes
    -----
    In nats; x: array of shape (n, d_x), y: array of shape (n, d_y). A joint value
    repeated more than k times (an atom) is counted as discrete data; everything else
    gets the KSG 1 term, with ties at the neighbour radius broken by the noise. A
    variable declared discrete (labels) enters as its label codes spaced further
    apart than the diameter of the continuous data, so samples with different labels
    are never neighbours while a label has more than k samples (with rarer labels the
    code order matters, as with any numeric encoding). Consistent for mixtures of
    discrete and continuous components, where KSG is not. On tie-free data it equals
    ``ksg`` with the same ``random_state`` and ``noise`` (transform "standardize" or
    "none"). O(N k log N) time.

    Bias, measured with ``python benchmarks/mixed_ties.py`` (k = 3, 200 data sets per
    cell, bias = mean - truth +- standard deviation, nats; the reference counting of
    ``noise=0`` in brackets):

    =====================================================  =====  ======================  ======================  ======================
    case                                                   truth  N = 50                  N = 100                 N = 442
    =====================================================  =====  ======================  ======================  ======================
    independent 0/1 float vs round(N(150, 70))             0      -0.001 +- 0.062 (+.037)  -0.001 +- 0.046 (+.076)  -0.002 +- 0.025 (+.253)
    0/1 X, Y | X ~ N(2X, 1)                                0.337  +0.025 +- 0.087          +0.012 +- 0.067          +0.003 +- 0.032
    the same, Y rounded to 0.1                             0.337  +0.027 +- 0.088 (+.219)  +0.011 +- 0.065 (+.231)  +0.004 +- 0.029 (+.043)
    bivariate Gaussian rho = 0.8, both rounded to 0.5      0.476  -0.018 +- 0.131 (+.309)  -0.002 +- 0.093 (+.189)  +0.005 +- 0.039 (+.048)
    =====================================================  =====  ======================  ======================  ======================

    The bias is within about a third of a standard deviation at every N; the spread
    (the sampling error) dominates below N = 100. On purely discrete data (every row
    an atom) the estimate is a digamma form of the plug-in, with its upward bias.

    Reference: Gao, Kannan, Oh & Viswanath (2017), NeurIPS 30.
    """

    name = "mixed"
    warns_ties = False
    params = {
        "k": _k_param(),
        "transform": choice_param("standardize", _TRANSFORMS, "per-column transform before distances"),
        "noise": Param(DEFAULT_NOISE, _check_noise, "tie-breaking noise at positive distances, relative to each column's spread"),
        "device": Param(None, _check_device, "device of the torch kernels (None: SciPy)"),
    }

    def mutual_information(self, x, y, *, rng, k=3, transform="standardize", noise=DEFAULT_NOISE, device=None):
        x, y = self._informative(x), self._informative(y)
        if x is None or y is None:
            return 0.0
        search = self._search([x, y], device)
        cont = [v for v in (x, y) if not v.discrete]
        clean, spread = {}, {}
        for v in cont:
            data = _as_numpy(v.data)
            clean[v.name] = prepare_columns(data, transform=transform, noise=0.0)
            if transform == "none":
                sd = column_spread(data)
                spread[v.name] = np.where(sd > 0, sd, 1.0)
        diameter = max((float((a.max(axis=0) - a.min(axis=0)).max()) for a in clean.values()), default=0.0)
        gap = 2.0 ** math.ceil(math.log2(2.0 * diameter + 1.0))
        arrays, jittered = [], []
        for v in (x, y):
            if v.discrete:
                codes = (np.asarray(v.data, dtype=np.float64) * gap)[:, None]
                arrays.append(codes)
                jittered.append(codes)
                continue
            a = clean[v.name]
            arrays.append(a)
            if noise > 0:
                jitter = rng.standard_normal(a.shape)
                jitter *= noise
                if transform == "none":
                    jitter *= spread[v.name]
                jittered.append(a + jitter)
        order = _locality_order(arrays[0][:, 0])
        if order is not None:
            arrays = [np.ascontiguousarray(a[order]) for a in arrays]
            jittered = [np.ascontiguousarray(a[order]) for a in jittered]
        pair = (jittered[0], jittered[1]) if noise > 0 else None
        return mixed_mi(arrays[0], arrays[1], k, search, pair)


class RossEstimator(KNNEstimator):
    """Ross (2014) estimator of I(X;Y) between a discrete and a continuous variable.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
    transform : {"standardize", "rank", "none"}, default "standardize"
        Applied to the continuous variable.
    noise : float in [0, 1), default 1e-10
    device : None, "cpu", "cuda" or "cuda:N"

    Notes
    -----
    In nats; one of x, y is discrete (labels, shape (n,)), the other continuous
    (shape (n, d)); the order does not matter. Labels seen once are left out.
    O(N k log N) time: the within-label neighbours of all labels come from one
    tree search, with the label as an extra, widely spaced coordinate. This is
    the estimator behind scikit-learn's ``mutual_info_classif`` for continuous
    features, with the same counting conventions.
    Reference: Ross (2014), PLoS ONE 9(2), e87357.
    """

    name = "ross"
    params = {
        "k": _k_param(),
        "transform": choice_param("standardize", _TRANSFORMS, "transform of the continuous variable"),
        "noise": Param(DEFAULT_NOISE, _check_noise, "tie-breaking noise, relative to each column's spread"),
        "device": Param(None, _check_device, "device of the torch kernels (None: SciPy)"),
    }

    def mutual_information(self, x, y, *, rng, k=3, transform="standardize", noise=DEFAULT_NOISE, device=None):
        if x.discrete == y.discrete:
            raise UnsupportedDataError("method='ross' needs one discrete and one continuous variable.")
        labels, cont = (x, y) if x.discrete else (y, x)
        cont = self._informative(cont)
        if cont is None:
            return 0.0
        search = self._search([cont], device)
        yp = prepare_columns(_as_numpy(cont.data), transform=transform, noise=noise, rng=rng)
        codes = np.asarray(labels.data.cpu().numpy() if is_torch_tensor(labels.data) else labels.data)
        return ross_mi(codes, yp, k, search)


KSG = KSGConditional(1)
KSG2 = KSGEstimator(2)
KL = KLEstimator()
MIXED = MixedEstimator()
ROSS = RossEstimator()
