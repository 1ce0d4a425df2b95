"""Neighbour search on the CPU for the k-NN estimators: cKDTree and scikit-learn backends,
exact 1-D range counts, and their use of threads."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..._threads import cpu_threads

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
# Below this many rows (of 1-2 columns), tree queries run on one thread.
_PARALLEL_MIN_ROWS = 20_000
# Neighbour searches in 1-2 dimensions from this many rows are bounded by a pilot
# estimate (see _kth_distance).
_BOUNDED_MIN_ROWS = 50_000


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
