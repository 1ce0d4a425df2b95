"""Feature ranking and selection by mutual information (a scikit-learn transformer).

:class:`MISelector` picks ``n_features_to_select`` columns of X greedily, one at a time, by
one of four criteria from the information-theoretic feature-selection literature
(all in nats; S is the set already selected, Y the target):

=========  ===================================================  ============================
method     score of a candidate feature X_j                     reference
=========  ===================================================  ============================
``mi``     I(X_j; Y)  (univariate ranking)                      Battiti (1994)
``mrmr``   I(X_j; Y) - mean_{s in S} I(X_j; X_s)                Peng, Long & Ding (2005)
``jmi``    sum_{s in S} I(X_j, X_s; Y)                          Yang & Moody (1999)
``cmim``   min_{s in S} I(X_j; Y | X_s)                         Fleuret (2004)
=========  ===================================================  ============================

The first feature of every method is the one with the largest I(X_j; Y). mRMR,
JMI and CMIM penalise redundancy, so an exact copy of a selected feature scores
low (CMIM: I(X_j; Y | X_j) = 0) while univariate MI ranks it as high as the
original; Brown et al. (2012) compare them and recommend JMI as the best trade-off.

Estimators
----------
``estimator="binning"`` (the fallback that needs nothing else): discrete
columns keep their values, continuous ones are cut into ``n_bins`` quantile bins
(equal-frequency, ties merged), and every quantity is computed from count tables
with a discrete estimator of :mod:`mutinfo` ("plugin" by default, or
"miller_madow", "grassberger", "chao_shen"), vectorised over all candidate features
at once. ``estimator="knn"`` sends each quantity through
:func:`mutinfo.mutual_information` with ``method="auto"`` and the data kinds
declared, so continuous columns get the k-NN estimators (KSG, or Ross / Gao et al.
against discrete labels). There a pair
(X_j, X_s) enters I(X_j, X_s; Y) as one two-dimensional continuous variable, and
I(X_j; Y | X_s) = I(X_j, X_s; Y) - I(X_s; Y). ``"auto"`` uses
"knn" when continuous columns are present, "binning" otherwise.
The choice made is stored in ``estimator_``.

Cost (binning): O(n p) per selection step for p candidate columns, memory bounded
by blocks of columns. k-NN: O(p) estimator calls per step.

Sparse X (``scipy.sparse``, e.g. a bag-of-words count matrix) must hold counts or
binary indicators; every column is discrete, and the count tables are built from the
non-zeros without densifying (:mod:`mutinfo._sparse`): O(nnz + p L C) per step for L
levels per column and C classes, equal to the dense result.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._errors import DataError, MutualInfoWarning, param_error
from ._progress import progress
from ._count_tables import CountTables as _CountTables
from ._sparse import SparseCountTables, is_sparse, sparse_codes
from ._validation import MissingValuesError, RawInput, auto_discrete, check_choice, check_int, check_nan_policy, read_input

__all__ = ["MISelector", "quantile_codes"]

METHODS = ("mi", "mrmr", "jmi", "cmim")
BIN_METHODS = ("plugin", "miller_madow", "grassberger", "chao_shen")
ESTIMATORS = ("auto", "binning", "knn", *BIN_METHODS)


def _validate_data(est: Any, X: Any, y: Any = "no_validation", **kwargs: Any) -> Any:
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:  # scikit-learn < 1.6
        return est._validate_data(X, y, **kwargs)
    return validate_data(est, X, y, **kwargs)


def _drop_missing(X: Any, y: Any, nan_policy: str) -> tuple[Any, Any, int]:
    """X and y without the rows where either has a missing value (NaN, None, pd.NA, NaT, masked).

    Under ``nan_policy="raise"`` a missing value raises a DataError naming X or y and
    the rows. Sparse X, and every other problem with the data, is left to
    scikit-learn's validation.
    """
    if hasattr(X, "toarray") or hasattr(y, "toarray"):
        return X, y, 0
    try:
        rx, ry = read_input(X, "X", nan_policy), read_input(y, "y", nan_policy)
    except MissingValuesError:
        raise
    except Exception:
        return X, y, 0
    masks = [r.missing_rows for r in (rx, ry) if r.missing is not None]
    if not masks or rx.n_samples != ry.n_samples:
        return X, y, 0
    drop = np.logical_or.reduce(masks)
    n, dropped = drop.shape[0], int(drop.sum())
    if dropped == n:
        raise DataError(f"MISelector with nan_policy='omit': every one of the {n} rows has a missing value in X or y; no complete row is left.")
    keep = np.flatnonzero(~drop)

    def take(a: Any) -> Any:
        if hasattr(a, "iloc"):
            return a.iloc[keep]
        if isinstance(a, np.ma.MaskedArray):
            return np.ma.getdata(a)[keep]
        return np.asarray(a)[keep]

    return take(X), take(y), dropped


def _sparse_discrete_mask(est: Any, p: int) -> np.ndarray:
    """Sparse X holds counts or indicators: every column is discrete ("auto", True, or a mask of all columns)."""
    d = est.discrete_features
    if isinstance(d, str) and d == "auto":
        return np.ones(p, dtype=bool)
    none = np.zeros(p, dtype=bool)
    mask = est._discrete_mask(np.zeros((1, p)), none, none, p)
    if not mask.all():
        raise param_error("MISelector", "discrete_features", "'auto' or True for sparse X (counts or indicators are discrete)", d)
    return mask
def _is_dask(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return module == "dask" or module.startswith("dask.")


def _auto_discrete_column(column: np.ndarray, name: str) -> bool:
    """discrete="auto" for one column: integers and bools are discrete, floats by the few-values rule."""
    if column.dtype.kind in "iub":
        return True
    if column.dtype.kind != "f":
        return False
    return auto_discrete(RawInput(name, column.reshape(-1, 1), "float"))[0]


def quantile_codes(column: np.ndarray, n_bins: int) -> np.ndarray:
    """Codes in [0, n_bins) of equal-frequency bins of one column (bins with tied edges are merged).

    >>> quantile_codes(np.array([0.1, 0.4, 0.2, 0.9, 0.5, 0.7]), 3).tolist()
    [0, 1, 0, 2, 1, 2]
    """
    edges = np.unique(np.quantile(column, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    return np.searchsorted(edges, column, side="right").astype(np.int64)


def _frame_column_kinds(X: Any) -> list[str] | None:
    """Per column of a pandas DataFrame: "label" (strings, objects, categories), "int" (integers, bools) or "float"."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns") or not hasattr(dtypes, "__iter__"):
        return None
    kinds = []
    for dtype in dtypes:
        kind = getattr(dtype, "kind", "O")
        name = str(dtype)
        if name == "category" or name.startswith("string") or kind in "OUS":
            kinds.append("label")
        elif kind in "iub" or name in ("boolean",) or name.startswith(("Int", "UInt")):
            kinds.append("int")
        else:
            kinds.append("float")
    return kinds


def _numeric_columns(X: np.ndarray, frame_kinds: list[str] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X as numbers (label columns replaced by integer codes), the "auto" discrete mask, the label-column mask."""
    p = X.shape[1]
    if frame_kinds is not None:
        auto = np.array([k != "float" for k in frame_kinds], dtype=bool)
        labels = np.array([k == "label" for k in frame_kinds], dtype=bool)
    else:
        auto = np.full(p, X.dtype.kind in "iub")
        labels = np.zeros(p, dtype=bool)
    if X.dtype.kind in "iufb" and not labels.any():
        return X, auto, labels
    if X.dtype.kind in "iufb":
        return X.astype(np.float64), auto, labels
    out = np.empty(X.shape, dtype=np.float64)
    for j in range(p):
        col = X[:, j]
        if not labels[j]:
            try:
                out[:, j] = col.astype(np.float64)
                continue
            except (TypeError, ValueError):
                labels[j] = True  # strings in a numpy object array: labels
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in col.tolist()])
        if missing.any():
            rows = np.flatnonzero(missing)[:10].tolist()
            raise DataError(f"column {j} of X contains missing values at rows {rows}.")
        out[:, j] = _dense_codes(col.astype(str))
    auto |= labels
    return out, auto, labels


def _dense_codes(column: np.ndarray) -> np.ndarray:
    _, codes = np.unique(column, return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


class _ApiTables:
    """The same quantities through the public estimation functions (k-NN for continuous data)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, discrete: np.ndarray, discrete_y: bool, k: int, seed: int) -> None:
        self.X, self.y, self.discrete, self.discrete_y, self.k = X, y, discrete, discrete_y, k
        self.rng = np.random.default_rng(seed)

    def _seed(self) -> int:
        return int(self.rng.integers(0, 2**31 - 1))

    def relevance(self, columns: np.ndarray) -> np.ndarray:
        import mutinfo

        return np.array(
            [
                mutinfo.mutual_information(self.X[:, j], self.y, discrete=(bool(self.discrete[j]), self.discrete_y), k=self.k, random_state=self._seed())
                for j in columns
            ]
        )

    def with_selected(self, columns: np.ndarray, s: int, need: tuple[str, ...]) -> dict[str, np.ndarray]:
        import mutinfo

        out: dict[str, np.ndarray] = {}
        xs, ds = self.X[:, s], bool(self.discrete[s])
        if "redundancy" in need:
            out["redundancy"] = np.array(
                [mutinfo.mutual_information(self.X[:, j], xs, discrete=(bool(self.discrete[j]), ds), k=self.k, random_state=self._seed()) for j in columns]
            )
        if "conditional_relevance" in need or "joint_relevance" in need:
            # The pair (X_j, X_s) as one 2-D variable (discrete columns as numbers), then
            # I(X_j; Y | X_s) = I(X_j, X_s; Y) - I(X_s; Y): only MI calls, which every data kind supports.
            i_sy = mutinfo.mutual_information(xs, self.y, discrete=(ds, self.discrete_y), k=self.k, random_state=self._seed())
            joint = np.array(
                [
                    mutinfo.mutual_information(
                        np.column_stack([self.X[:, j], xs]), self.y, discrete=(False, self.discrete_y), k=self.k, random_state=self._seed()
                    )
                    for j in columns
                ]
            )
            out["joint_relevance"] = joint
            out["conditional_relevance"] = joint - i_sy
        return out


class MISelector(SelectorMixin, BaseEstimator):
    """Select features by mutual information with the target: MI ranking, mRMR, JMI or CMIM.

    A scikit-learn transformer: ``fit(X, y)`` chooses the features, ``transform(X)``
    keeps them, ``get_support()`` gives the mask; it works in ``Pipeline`` and
    ``GridSearchCV`` and passes ``sklearn.utils.estimator_checks.check_estimator``.

    Parameters
    ----------
    method : {"mi", "mrmr", "jmi", "cmim"}, default "mrmr"
        Selection criterion (see the module docstring).
    n_features_to_select : int or float, default 10
        Number of features to keep, or a fraction in (0, 1] of the columns
        (scikit-learn's name and meaning, as in ``RFE``).
    estimator : {"auto", "binning", "knn", "plugin", "miller_madow", "grassberger", "chao_shen"}, default "auto"
        How the information quantities are estimated. "binning" bins continuous
        columns into ``n_bins`` quantile bins and uses the discrete ``bin_method``;
        a discrete method name means binning with that method; "knn" goes through
        :func:`mutinfo.mutual_information` (needs the "ksg" method; see the module
        docstring); "auto" picks
        "knn" for continuous columns when it is available, else "binning".
    discrete_features : "auto", bool or array-like, default "auto"
        Which columns are discrete: "auto" applies the rule of
        :func:`mutinfo.mutual_information` column by column (integers and bools are
        discrete; a float column is discrete when it holds at most 20 distinct values
        with at least 5 samples per value; integer columns of a DataFrame are
        discrete), a bool applies to all numeric columns, an array of bools (a mask),
        of ints (indices) or of column names (for a DataFrame) lists the discrete
        ones. Columns of strings, objects or pandas categoricals are always discrete
        (their values are labels).
    discrete_target : "auto" or bool, default "auto"
        "auto" treats y as classes unless scikit-learn's ``type_of_target`` says
        "continuous", or y is a float array that the same rule calls continuous (a
        whole-number regression target such as diabetes' is not 214 classes).
    n_bins : int, default 8
        Quantile bins per continuous column (and continuous target) for binning.
    bin_method : str, default "plugin"
        Discrete estimator used with binning.
    n_neighbors : int, default 3
        Neighbours of the k-NN estimators (scikit-learn's name, as in
        ``mutual_info_classif``).
    random_state : int or None, default None
        Seeds the k-NN estimators' tie-breaking noise.
    progress : bool or None
        Progress bar over selection steps.
    nan_policy : {"raise", "omit"}, default "raise"
        A missing value in X or y (NaN, None, ``pd.NA``, ``NaT``) raises a DataError
        naming the rows, or ("omit") drops the rows where X or y is missing before
        fitting, with a warning giving their number; ``transform`` then passes
        missing values through.

    Attributes
    ----------
    support_ : bool array of shape (``n_features_in_``,)
    ranking_ : int array of shape (``n_features_in_``,)
        Rank of each column, as in ``RFE``: the selected columns get 1, 2, ..., K in
        the order they were chosen, the others K + 1, K + 2, ... by decreasing
        ``scores_`` (ties by column index).
    selection_order_ : int array of shape (K,)
        The selected column indices in the order they were chosen.
    scores_ : float array of shape (``n_features_in_``,)
        The criterion (nats) of each column, as in ``SelectKBest``: for a selected
        column, its value when it was chosen; for the others, their value as the
        next candidate after the last choice (one more step of the greedy search).
        With ``method="mi"`` it equals ``relevance_``.
    relevance_ : float array of shape (``n_features_in_``,)
        I(X_j; Y) of every column, in nats.
    estimator_ : str
        "binning+<bin_method>" or "knn".
    discrete_features_ : bool array of shape (``n_features_in_``,)
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, 2000), (rng.random(2000) < 0.2).astype(int)
    >>> X = np.column_stack([a, a, b, rng.integers(0, 2, 2000)])   # column 1 copies column 0
    >>> y = 2 * a + b
    >>> sel = MISelector(method="mrmr", n_features_to_select=2).fit(X, y)
    >>> sel.selection_order_.tolist(), sel.ranking_.tolist()
    ([0, 2], [1, 3, 2, 4])
    >>> MISelector(method="mi", n_features_to_select=2).fit(X, y).selection_order_.tolist()
    [0, 1]

    References
    ----------
    Battiti (1994), IEEE TNN 5(4). Yang & Moody (1999), NIPS 12. Fleuret (2004), JMLR 5.
    Peng, Long & Ding (2005), IEEE TPAMI 27(8). Brown, Pocock, Zhao & Luján (2012),
    Conditional likelihood maximisation: a unifying framework for information
    theoretic feature selection, JMLR 13.
    """

    def __init__(
        self,
        method: str = "mrmr",
        n_features_to_select: int | float = 10,
        *,
        estimator: str = "auto",
        discrete_features: Any = "auto",
        discrete_target: Any = "auto",
        n_bins: int = 8,
        bin_method: str = "plugin",
        n_neighbors: int = 3,
        random_state: int | None = None,
        progress: bool | None = None,
        nan_policy: str = "raise",
    ) -> None:
        self.method = method
        self.n_features_to_select = n_features_to_select
        self.estimator = estimator
        self.discrete_features = discrete_features
        self.discrete_target = discrete_target
        self.n_bins = n_bins
        self.bin_method = bin_method
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.progress = progress
        self.nan_policy = nan_policy

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.string = True  # string columns are read as discrete labels
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = self.nan_policy == "omit"
        tags.input_tags.sparse = True  # counts or indicators (mutinfo._sparse)
        return tags

    # -- parameters ----------------------------------------------------------------

    def _n_select(self, p: int) -> int:
        func = "MISelector"
        n = self.n_features_to_select
        rule = f"an int in [1, n_features_in_ = {p}] or a float in (0, 1]"
        if isinstance(n, numbers.Integral) and not isinstance(n, bool):
            if not 1 <= n <= p:
                raise param_error(func, "n_features_to_select", rule, n)
            return int(n)
        if isinstance(n, numbers.Real) and not isinstance(n, bool) and 0.0 < n <= 1.0:
            return max(1, int(round(n * p)))
        raise param_error(func, "n_features_to_select", rule, n)

    def _discrete_mask(self, X: np.ndarray, auto: np.ndarray, labels: np.ndarray, p: int) -> np.ndarray:
        """Discrete columns: from ``discrete_features``, with label columns (strings, categories) always discrete."""
        d = self.discrete_features
        names = getattr(self, "feature_names_in_", None)
        if isinstance(d, str) and d == "auto":
            return auto | labels | np.array([_auto_discrete_column(X[:, j], f"X[:, {j}]") for j in range(p)], dtype=bool)
        if isinstance(d, (bool, np.bool_)):
            return np.full(p, bool(d)) | labels
        arr = np.asarray(d)
        if arr.dtype == bool and arr.shape == (p,):
            return arr.copy() | labels
        if arr.ndim == 1 and arr.dtype.kind in "iu" and (arr.size == 0 or (arr.min() >= 0 and arr.max() < p)):
            mask = np.zeros(p, dtype=bool)
            mask[arr] = True
            return mask | labels
        if arr.ndim == 1 and arr.dtype.kind in "UO" and names is not None and all(isinstance(v, str) and v in set(names) for v in arr.tolist()):
            return np.isin(np.asarray(names, dtype=object), arr) | labels
        rule = f"'auto', a bool, a boolean mask of length {p}, column indices in [0, {p})"
        rule += " or column names of X" if names is not None else " (column names need a DataFrame X)"
        raise param_error("MISelector", "discrete_features", rule, d)

    # -- fitting -------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> "MISelector":
        """Choose the features.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
            Sparse X holds counts or binary indicators (see the module docstring).
        y : array-like of shape (n_samples,)
            Classes, or a continuous target (binned into ``n_bins`` quantile bins for binning).

        Returns
        -------
        self
        """
        func = "MISelector"
        if _is_dask(X) or _is_dask(y):
            from .selection_dask import fit as fit_dask  # count tables reduced on the cluster

            return fit_dask(self, X, y)
        check_choice(func, "method", self.method, METHODS)
        check_choice(func, "estimator", self.estimator, ESTIMATORS)
        check_choice(func, "bin_method", self.bin_method, BIN_METHODS)
        n_bins = check_int(func, "n_bins", self.n_bins, 2)
        k = check_int(func, "n_neighbors", self.n_neighbors, 1)
        if self.random_state is not None:
            check_int(func, "random_state", self.random_state, 0, rule="None or a non-negative int")
        if not (isinstance(self.discrete_target, str) and self.discrete_target == "auto") and not isinstance(self.discrete_target, (bool, np.bool_)):
            raise param_error(func, "discrete_target", "'auto' or a bool", self.discrete_target)
        nan_policy = check_nan_policy(func, self.nan_policy)

        X, y, dropped = _drop_missing(X, y, nan_policy)
        if dropped:
            warnings.warn(f"MISelector with nan_policy='omit' dropped {dropped} rows with a missing value in X or y.", MutualInfoWarning, stacklevel=2)
        sparse = is_sparse(X)
        frame_kinds = None if sparse else _frame_column_kinds(X)
        X, y = _validate_data(self, X, y, dtype=None, ensure_min_samples=2, y_numeric=False, accept_sparse="csc" if sparse else False)
        p = X.shape[1]
        if not sparse:
            X, auto, labels = _numeric_columns(X, frame_kinds)
        if y.ndim != 1:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            else:
                raise DataError(f"y must have shape (n_samples,) for MISelector. Got shape {y.shape}.")
        n_select = self._n_select(p)
        discrete = _sparse_discrete_mask(self, p) if sparse else self._discrete_mask(X, auto, labels, p)
        if isinstance(self.discrete_target, str):
            discrete_y = type_of_target(y) != "continuous" and (y.dtype.kind != "f" or _auto_discrete_column(y, "y"))
        else:
            discrete_y = bool(self.discrete_target)
        if not discrete_y and np.asarray(y).dtype.kind not in "iufb":
            raise DataError("y holds labels that are not numbers; it can only be a discrete target (discrete_target=True or 'auto').")

        est = self.estimator
        if est == "auto":
            est = "binning" if discrete.all() else "knn"
        seed = 0 if self.random_state is None else int(self.random_state)
        if sparse and est == "knn":
            raise param_error(func, "estimator", "a discrete (binning) estimator for sparse X, which holds counts or indicators", est)
        if est == "knn":
            Xf = X.astype(np.float64) if X.dtype.kind != "f" else X
            yv = _dense_codes(np.asarray(y)) if discrete_y else np.asarray(y, dtype=np.float64)
            tables: Any = _ApiTables(Xf, yv, discrete, discrete_y, k, seed)
            self.estimator_ = "knn"
        else:
            bin_method = est if est in BIN_METHODS else self.bin_method
            from ._registry import get_method

            entropy_fn = get_method(bin_method, func).load().entropy_fn
            yc = _dense_codes(np.asarray(y)) if discrete_y else quantile_codes(np.asarray(y, dtype=np.float64), n_bins)
            if sparse:  # counts from the non-zeros, never densified (mutinfo._sparse)
                tables = SparseCountTables(sparse_codes(X), yc, lambda counts: entropy_fn(counts, None))
            else:
                codes = np.empty(X.shape, dtype=np.int64)
                for j in range(p):
                    col = X[:, j]
                    codes[:, j] = _dense_codes(col) if discrete[j] else quantile_codes(col.astype(np.float64), n_bins)
                tables = _CountTables(codes, yc, lambda counts: entropy_fn(counts, None))
            self.estimator_ = f"binning+{bin_method}"

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MutualInfoWarning)
            self._select(tables, p, n_select)
        self.discrete_features_ = discrete
        return self

    def _select(self, tables: Any, p: int, n_select: int) -> None:
        relevance = np.asarray(tables.relevance(np.arange(p)), dtype=np.float64)
        self.relevance_ = relevance
        if self.method == "mi":
            order = np.argsort(-relevance, kind="stable")
            self._finish(order[:n_select], relevance.copy(), p)
            return
        need = {"mrmr": ("redundancy",), "jmi": ("joint_relevance",), "cmim": ("conditional_relevance",)}[self.method]
        first = int(np.argmax(relevance))
        chosen = [first]
        scores = np.empty(p)
        scores[first] = relevance[first]
        remaining = np.array([j for j in range(p) if j != first], dtype=np.int64)
        redundancy_sum = np.zeros(p)
        joint_sum = np.zeros(p)
        cond_min = np.full(p, np.inf)
        bar = progress(total=n_select, desc=f"MISelector {self.method}", enabled=self.progress)
        try:
            # One step per choice after the first, plus one that scores the columns left out.
            while len(remaining):
                s = chosen[-1]
                if isinstance(tables, _ApiTables):
                    stats = tables.with_selected(remaining, s, need)
                else:
                    stats = tables.with_selected(remaining, s)
                if self.method == "mrmr":
                    redundancy_sum[remaining] += stats["redundancy"]
                    crit = relevance[remaining] - redundancy_sum[remaining] / len(chosen)
                elif self.method == "jmi":
                    joint_sum[remaining] += stats["joint_relevance"]
                    crit = joint_sum[remaining]
                else:
                    cond_min[remaining] = np.minimum(cond_min[remaining], stats["conditional_relevance"])
                    crit = cond_min[remaining]
                bar.update(1)
                if len(chosen) == n_select:
                    scores[remaining] = crit
                    break
                best = int(np.argmax(crit))  # first maximum: lowest column index on ties
                chosen.append(int(remaining[best]))
                scores[remaining[best]] = crit[best]
                remaining = np.delete(remaining, best)
        finally:
            bar.close()
        self._finish(np.array(chosen, dtype=np.int64), scores, p)

    def _finish(self, order: np.ndarray, scores: np.ndarray, p: int) -> None:
        """Store the choice: ``order`` the selected columns in order, ``scores`` the criterion of every column."""
        self.selection_order_ = np.asarray(order, dtype=np.int64)
        self.scores_ = np.asarray(scores, dtype=np.float64)
        mask = np.zeros(p, dtype=bool)
        mask[self.selection_order_] = True
        rest = np.flatnonzero(~mask)
        rest = rest[np.argsort(-self.scores_[rest], kind="stable")]
        ranking = np.empty(p, dtype=np.int64)
        ranking[self.selection_order_] = np.arange(1, len(order) + 1)
        ranking[rest] = np.arange(len(order) + 1, p + 1)
        self.ranking_ = ranking
        self.support_ = mask

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_
