"""MI feature selection (mRMR, JMI, CMIM, MI ranking) of Dask collections, on the workers.

:meth:`mutinfo.selection.MISelector.fit` hands a Dask DataFrame or Array X (with a
Dask Series or Array y, split into the same partitions) to :func:`fit`. Every
quantity of the binning estimator is a function of count tables, so selection is a
sequence of tree reductions over partitions (see :mod:`mutinfo._dask`):

1. a scan: kinds, missing values and the alphabet of every column and of y;
2. the relevance tables (X_j, Y) of all p columns, in one reduction;
3. one reduction per selection step: the tables (X_j, X_s, Y) of every remaining
   candidate j against the feature s just chosen, whose index is broadcast to every
   task (mRMR, JMI and CMIM all read their step statistics from these tables).

Selecting K features takes K + 1 passes over the data; each pass moves
O(partitions x p x K_max^2 x C) table cells between workers (C classes of y) and
O(p x K_max^2 x C) to the client. The padded tables and the entropy formulas are
those of the in-memory path, so the scores are the same numbers and the selection is
identical.

Scope: discrete (or already binned) columns. Exact equal-frequency bins of a
continuous column need its exact quantiles, which a reduction does not give; such
columns raise an error that says to bin them first. ``estimator="knn"`` is not
available on Dask data.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _dask
from ._errors import DataError, MutualInfoWarning, UnsupportedDataError, param_error
from ._validation import check_choice, check_nan_policy

__all__ = ["fit"]


def _codes_part(parts: list[Any], columns: list[tuple[int, int, str]], alphabets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Codes (rows, p) of X's columns and codes of y for one partition, rows with a missing value dropped."""
    codes = _dask.code_matrix(parts, columns, alphabets)
    if codes.shape[0] == 0:
        return np.zeros((0, max(len(columns) - 1, 0)), np.int64), np.zeros(0, np.int64)
    X, y = codes[:, :-1], codes[:, -1]
    keep = (X >= 0).all(axis=1) & (y >= 0)
    if not keep.all():
        X, y = X[keep], y[keep]
    return X, y


def _relevance_part(parts, columns, alphabets, kmax: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts (p, kmax, c) of (X_j, Y) and (c,) of Y on one partition."""
    X, y = _codes_part(parts, columns, alphabets)
    p = X.shape[1]
    offsets = (np.arange(p) * kmax * c)[None, :]
    counts = np.zeros(p * kmax * c, dtype=np.int64)
    for start in range(0, X.shape[0], _rows_per_block(p)):  # bounded temporaries
        stop = start + _rows_per_block(p)
        joint = X[start:stop] * c + y[start:stop, None] + offsets
        counts += np.bincount(joint.ravel(), minlength=p * kmax * c)
    return counts.reshape(p, kmax, c), np.bincount(y, minlength=c)


# Largest number of joint codes (rows x columns, 8 bytes each) a task builds at once.
BLOCK_ENTRIES = 1 << 22


def _rows_per_block(p: int) -> int:
    return max(1, BLOCK_ENTRIES // max(p, 1))


def _step_part(parts, columns, alphabets, candidates: np.ndarray, s: int, kmax: int, ks: int, c: int) -> np.ndarray:
    """Counts (m, kmax, ks, c) of (X_j, X_s, Y) for the candidates j on one partition."""
    X, y = _codes_part(parts, columns, alphabets)
    m = len(candidates)
    offsets = (np.arange(m) * kmax * ks * c)[None, :]
    counts = np.zeros(m * kmax * ks * c, dtype=np.int64)
    step = _rows_per_block(m)
    for start in range(0, X.shape[0], step):
        block = X[start : start + step]
        joint = (block[:, candidates] * ks + block[:, s : s + 1]) * c + y[start : start + step, None] + offsets
        counts += np.bincount(joint.ravel(), minlength=m * kmax * ks * c)
    return counts.reshape(m, kmax, ks, c)


def _add(*arrays: Any) -> Any:
    if isinstance(arrays[0], tuple):
        return tuple(_add(*parts) for parts in zip(*arrays))
    out = arrays[0].copy()
    for a in arrays[1:]:
        out += a
    return out


class _DaskTables:
    """The quantities of the in-memory binning path, from count tables reduced on the cluster."""

    def __init__(self, frames, columns, alphabets, levels: np.ndarray, n_classes: int, entropy_fn: Any) -> None:
        self.frames, self.columns, self.alphabets = frames, columns, alphabets
        self.levels = levels
        self.n_classes = n_classes
        self.h = entropy_fn
        self.passes = 0

    def _reduce(self, fn: Any, *args: Any) -> Any:
        import dask

        task = dask.delayed(_dask._with_spec, pure=True)
        spec = _dask._shared((self.columns, self.alphabets, *args))  # one node, not a copy per partition
        per_part = [task(fn, [f.parts[i] for f in self.frames], spec) for i in range(len(self.frames[0].parts))]
        self.passes += 1
        return _dask._compute(_dask._tree(per_part, _add))[0]

    def relevance(self, columns: np.ndarray) -> np.ndarray:
        c = self.n_classes
        kmax = int(self.levels[columns].max())
        counts, ycounts = self._reduce(_relevance_part, kmax, c)
        counts = counts[columns].astype(np.float64)
        h_y = float(self.h(ycounts[None, :].astype(np.float64))[0])
        return self.h(counts.sum(2)) + h_y - self.h(counts.reshape(len(columns), -1))

    def with_selected(self, columns: np.ndarray, s: int, need: Any = None) -> dict[str, np.ndarray]:
        """I(X_j; X_s), I(X_j, X_s; Y) and I(X_j; Y | X_s) for each candidate j (one pass over the data)."""
        c = self.n_classes
        ks = int(self.levels[s])
        kmax = int(self.levels[columns].max())
        counts = self._reduce(_step_part, np.asarray(columns), s, kmax, ks, c).astype(np.float64)
        m = len(columns)
        # The (X_s, Y) table is the same in every candidate's table: read it from the first.
        xs_y = counts[0].sum(0)
        h_y = float(self.h(xs_y.sum(0)[None, :])[0])
        h_s = float(self.h(xs_y.sum(1)[None, :])[0])
        h_sy = float(self.h(xs_y.reshape(1, -1))[0])
        h_jsy = self.h(counts.reshape(m, -1))
        js = counts.sum(3)
        h_js = self.h(js.reshape(m, -1))
        h_j = self.h(js.sum(2))
        return {
            "redundancy": h_j + h_s - h_js,
            "joint_relevance": h_js + h_y - h_jsy,
            "conditional_relevance": h_js + h_sy - h_jsy - h_s,
        }


def fit(selector: Any, X: Any, y: Any) -> Any:
    """``selector.fit(X, y)`` for Dask X and y: the same selection as in memory, computed on the workers."""
    from . import selection
    from ._registry import get_method

    func = "MISelector"
    check_choice(func, "method", selector.method, selection.METHODS)
    check_choice(func, "estimator", selector.estimator, selection.ESTIMATORS)
    check_choice(func, "bin_method", selector.bin_method, selection.BIN_METHODS)
    nan_policy = check_nan_policy(func, selector.nan_policy)
    if selector.estimator == "knn":
        raise UnsupportedDataError(
            "MISelector with estimator='knn' does not run on Dask data: k-NN estimates need all rows of each candidate "
            "in one place. Use estimator='binning' with binned columns."
        )
    if not _dask.is_dask_collection(X) or not _dask.is_dask_collection(y):
        raise DataError("MISelector.fit on Dask data needs both X and y as Dask collections split into the same partitions.")
    fx, fy = _dask._Frame(X, "X"), _dask._Frame(y, "y")
    if fy.n_columns != 1:
        raise DataError(f"y must have shape (n_samples,) for MISelector. Got {fy.n_columns} columns.")
    _dask._check_aligned([fx, fy])
    frames = [fx, fy]
    columns = [(0, j, label) for j, label in enumerate(fx.labels)] + [(1, 0, "y")]
    scan = _dask._scan(frames, [True] * len(columns))
    if nan_policy == "raise":
        scan.raise_missing(func)
    p = fx.n_columns
    discrete = _discrete_mask(selector, scan, p)
    if not discrete.all():
        names = [fx.labels[j] for j in np.flatnonzero(~discrete)][:5]
        raise UnsupportedDataError(
            f"MISelector on Dask data selects among discrete or binned columns; {', '.join(names)} "
            f"{'is' if len(names) == 1 else 'are'} continuous. Exact quantile bins need a sort of the whole column: bin the "
            "columns first (for example with fixed edges in map_partitions), or pass discrete_features=True if they are labels."
        )
    discrete_y = _discrete_target(selector, scan, p)
    if not discrete_y:
        raise UnsupportedDataError("MISelector on Dask data needs a discrete target (classes or a binned y); y is continuous.")
    alphabets = [_dask._alphabet(scan, c, func) for c in range(p + 1)]
    dropped = 0
    if nan_policy == "omit" and any(scan.missing):
        dropped = -1  # counted from the relevance tables below
    n_select = selector._n_select(p) if hasattr(selector, "_n_select") else int(selector.n_features_to_select)

    est = selector.estimator
    bin_method = est if est in selection.BIN_METHODS else selector.bin_method
    entropy_fn = get_method(bin_method, func).load().entropy_fn
    levels = np.array([a.shape[0] for a in alphabets[:p]], dtype=np.int64)
    tables = _DaskTables(frames, columns, alphabets, levels, int(alphabets[p].shape[0]), lambda counts: entropy_fn(counts, None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        selector._select(tables, p, n_select)
    if dropped:
        complete = int(_dask._compute(_dask._tree([_complete_rows_task(frames, columns, alphabets, i) for i in range(len(fx.parts))], _sum_ints))[0])
        warnings.warn(f"MISelector with nan_policy='omit' dropped {scan.n - complete} rows with a missing value in X or y.", MutualInfoWarning, stacklevel=3)
    selector.estimator_ = f"binning+{bin_method}"
    selector.discrete_features_ = discrete
    selector.n_features_in_ = p
    if hasattr(X, "columns"):
        selector.feature_names_in_ = np.asarray(fx.labels, dtype=object)
    selector.dask_passes_ = tables.passes
    return selector


def _complete_rows_task(frames, columns, alphabets, i):
    import dask

    return dask.delayed(_complete_rows, pure=True)([f.parts[i] for f in frames], columns, alphabets)


def _complete_rows(parts, columns, alphabets) -> int:
    return int(_codes_part(parts, columns, alphabets)[1].shape[0])


def _sum_ints(*values: int) -> int:
    return int(sum(values))


def _discrete_mask(selector: Any, scan: Any, p: int) -> np.ndarray:
    d = selector.discrete_features
    if isinstance(d, str) and d == "auto":
        return np.array([scan.kinds[j] != "float" or scan.few_values(j) for j in range(p)], dtype=bool)
    if isinstance(d, (bool, np.bool_)):
        return np.full(p, bool(d))
    arr = np.asarray(d)
    if arr.dtype == bool and arr.shape == (p,):
        return arr.copy()
    if arr.ndim == 1 and arr.dtype.kind in "iu" and (arr.size == 0 or (arr.min() >= 0 and arr.max() < p)):
        mask = np.zeros(p, dtype=bool)
        mask[arr] = True
        return mask
    names = scan.labels[:p]
    if arr.ndim == 1 and arr.dtype.kind in "UO" and all(isinstance(v, str) and v in set(names) for v in arr.tolist()):
        return np.isin(np.asarray(names, dtype=object), arr)
    raise param_error("MISelector", "discrete_features", f"'auto', a bool, a boolean mask of length {p}, column indices in [0, {p}) or column names of X", d)


def _discrete_target(selector: Any, scan: Any, p: int) -> bool:
    d = selector.discrete_target
    if isinstance(d, (bool, np.bool_)):
        return bool(d)
    if scan.kinds[p] != "float":
        return True
    values = scan.values[p]
    whole = values is not None and not isinstance(values, str) and bool(np.all(values == np.round(values)))
    return whole and scan.few_values(p)
