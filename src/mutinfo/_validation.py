"""Turning user input into validated variables, and checking parameters.

Everything a user passes goes through here before any estimator sees it, so the
estimators can assume clean data: discrete variables arrive as one column of
non-negative integer codes, continuous variables as a finite ``(n, d)`` float
array (NumPy, or a torch tensor for methods that run on torch).

Accepted inputs are NumPy arrays (masked arrays included), lists, pandas
Series/DataFrames and torch tensors, shaped ``(n,)`` or ``(n, d)``. Neither pandas
nor torch is imported unless the user's data already comes from them.

Missing values are found here and nowhere else: NaN, None, ``pd.NA``, ``NaT`` and
masked entries. :func:`read_input` raises a :class:`DataError` naming the variable
and the rows (``nan_policy="raise"``), or keeps a mask of the missing cells
(``nan_policy="omit"``) so that :func:`omit_missing` can drop the same rows from
every variable of a call.

With ``discrete="auto"`` and ``method="auto"``, :func:`auto_discrete` decides the kind of a variable:
bool, integer and label data are discrete; a float variable is discrete when each
of its columns holds at most :data:`AUTO_DISCRETE_MAX_VALUES` distinct values with
at least :data:`AUTO_DISCRETE_MIN_PER_VALUE` samples per value on average, and
continuous otherwise.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ._errors import DataError, ParameterError, UnsupportedDataError, param_error

__all__ = [
    "Variable",
    "RawInput",
    "read_input",
    "to_discrete",
    "to_continuous",
    "check_same_length",
    "resolve_base",
    "resolve_rng",
    "check_int",
    "check_float",
    "check_choice",
    "is_torch_tensor",
    "NAN_POLICIES",
    "check_nan_policy",
    "omit_missing",
    "auto_discrete",
    "AUTO_DISCRETE_MAX_VALUES",
    "AUTO_DISCRETE_MIN_PER_VALUE",
]

# Largest code range (max - min + 1) encoded directly, without a sort, as a multiple of n.
_DIRECT_RANGE_FACTOR = 4
_DIRECT_RANGE_MIN = 1 << 16
# Number of offending rows quoted in a data error.
_MAX_ROWS_QUOTED = 5
# Accepted values of ``nan_policy`` (scipy's names): raise a DataError, or drop incomplete rows.
NAN_POLICIES = ("raise", "omit")

# discrete="auto" with method="auto": a float variable is discrete when each of its columns holds
# at most AUTO_DISCRETE_MAX_VALUES distinct values and at least AUTO_DISCRETE_MIN_PER_VALUE samples
# per distinct value on average (a 0/1 column stored as float, a 1-5 rating, diabetes' `sex`).
# Such a column is a label: its entropy is H (not a differential entropy, which is -inf for it),
# two of them go to the count-based estimators, and one against a continuous variable to Ross.
# Measured by benchmarks/auto_kinds.py (X uniform on m = 2..20 levels stored as floats, Y
# continuous, 12 seeds; table in benchmarks/results/auto_kinds.md): from 5 samples per level on,
# the discrete route (Ross) and the continuous route on the tied values (tie-correct Gao et al.)
# agree within 0.04 nats in mean and both read within 0.045 nats of 0 on independent data; below
# 5 per level the discrete route is noisier (RMSE up to 0.24 against 0.12 at 2 per level), hence
# the minimum. Before the tie fix of `mixed`, the continuous route read +0.1 to +0.25 nats on
# independent data. A column without ties (n distinct values) is never discrete, whatever n.
AUTO_DISCRETE_MAX_VALUES = 20
AUTO_DISCRETE_MIN_PER_VALUE = 5
# Rows read first to rule out a few-valued column cheaply (more distinct values there: continuous).
_DISTINCT_PREFIX = 1024


# ---------------------------------------------------------------------------
# Type detection that never imports a framework.


def is_torch_tensor(value: Any) -> bool:
    """True for a torch.Tensor, checked without importing torch."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _is_pandas(value: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, (pd.Series, pd.DataFrame))


# ---------------------------------------------------------------------------
# Raw input: an (n, d) array and what kind of values it holds.


@dataclass(frozen=True)
class RawInput:
    """User data turned into a 2-D array, before the discrete/continuous decision.

    Attributes
    ----------
    name : str
        Argument name used in messages ("x", "y", "z").
    data : ndarray or torch.Tensor of shape (n, d)
        Numeric values. Non-numeric columns are already factorised into integer codes.
    kind : {"bool", "int", "float", "other"}
        "other" means labels that are not numbers (strings, objects, categoricals):
        such data can only be treated as discrete.
    missing : ndarray of bool, shape (n, d), or None
        Cells that held a missing marker (``nan_policy="omit"`` only; their values in
        ``data`` are placeholders). None when nothing is missing.
    """

    name: str
    data: Any
    kind: str
    missing: Any = None

    @property
    def missing_rows(self) -> np.ndarray | None:
        """Bool mask of shape (n,) of rows with a missing cell, or None."""
        return None if self.missing is None else self.missing.any(axis=1)

    def take(self, keep: np.ndarray) -> "RawInput":
        """The rows selected by the bool mask ``keep``, with no missing cells left."""
        data = self.data
        if is_torch_tensor(data):
            import torch

            index = torch.as_tensor(np.flatnonzero(keep), device=data.device)
            data = data[index]
        else:
            data = data[keep]
        return RawInput(self.name, data, self.kind)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_columns(self) -> int:
        return int(self.data.shape[1])

    @property
    def is_torch(self) -> bool:
        return is_torch_tensor(self.data)


@dataclass(frozen=True)
class Variable:
    """A validated random variable, ready for an estimator.

    Attributes
    ----------
    name : str
        Argument name ("x", "y", "z").
    data : ndarray or torch.Tensor
        Discrete: int64 array of shape (n,) with codes in ``[0, n_states)`` (a
        multi-column variable is one joint symbol). Continuous: finite float array of
        shape (n, d); float64 for NumPy input, the tensor's own floating dtype and
        device for torch input.
    discrete : bool
    n_states : int
        Discrete only: an upper bound on the codes (not all need occur). 0 if continuous.
    alphabet : int
        Discrete only: the size of the alphabet the symbols come from, when known beyond
        the symbols observed: for a multi-column variable, the product of the numbers of
        values observed in each column. 0 means "the symbols observed".
    guessed : bool
        True when ``discrete="auto"`` decided the kind from the dtype.
    """

    name: str
    data: Any
    discrete: bool
    n_states: int = 0
    guessed: bool = False
    alphabet: int = 0
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_dims(self) -> int:
        """Number of continuous dimensions (1 for a discrete variable)."""
        return 1 if self.discrete else int(self.data.shape[1])

    def take(self, index: np.ndarray) -> "Variable":
        """The same variable restricted to (or resampled at) the given rows."""
        if is_torch_tensor(self.data):
            import torch

            index = torch.as_tensor(index, device=self.data.device)
        return Variable(self.name, self.data[index], self.discrete, self.n_states, self.guessed, self.alphabet)

    def numpy(self) -> "Variable":
        """The same variable with its data as a NumPy array (float64 if continuous)."""
        if not is_torch_tensor(self.data):
            return self
        arr = self.data.detach().cpu().numpy()
        if not self.discrete:
            arr = arr.astype(np.float64, copy=False)
        return Variable(self.name, arr, self.discrete, self.n_states, self.guessed, self.alphabet)


def _rows_message(name: str, what: str, bad_rows: np.ndarray, hint: str = "remove or impute them first.") -> str:
    shown = ", ".join(str(int(r)) for r in bad_rows[:_MAX_ROWS_QUOTED])
    more = f" and {len(bad_rows) - _MAX_ROWS_QUOTED} more" if len(bad_rows) > _MAX_ROWS_QUOTED else ""
    return f"{name} contains {what} at rows [{shown}]{more}; {hint}"


class MissingValuesError(DataError):
    """A DataError for missing values, so that callers with their own validation can tell it apart."""


# Names of the missing markers, in the order messages list them.
_MARKERS = ("NaN", "None", "pd.NA", "NaT", "masked entries")


def _missing_error(name: str, markers: set[str], rows: np.ndarray) -> MissingValuesError:
    """The DataError for missing values: the variable, the markers found and the rows (0-based)."""
    found = [m for m in _MARKERS if m in markers]
    what = "NaN" if found == ["NaN"] else f"missing values ({' or '.join(found)})"
    return MissingValuesError(_rows_message(name, what, rows, "remove or impute them, or pass nan_policy='omit' to drop incomplete rows."))


def _marker(value: Any) -> str | None:
    """The name of the missing marker ``value`` is, or None for an ordinary value."""
    if value is None:
        return "None"
    if isinstance(value, (float, np.floating)):
        return "NaN" if value != value else None
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return "NaT" if np.isnat(value) else None
    pd = sys.modules.get("pandas")
    if pd is not None:
        if value is pd.NA:
            return "pd.NA"
        if value is pd.NaT:
            return "NaT"
    return None


def _missing_objects(column: np.ndarray) -> tuple[np.ndarray, set[str]]:
    """Mask of missing markers in a column of Python objects, and the markers found."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        mask = np.asarray(pd.isna(column), dtype=bool)
        markers = {_marker(v) or "NaN" for v in column[mask]}
        return mask, markers
    names = [_marker(v) for v in column]
    mask = np.fromiter((m is not None for m in names), bool, len(column))
    return mask, {m for m in names if m is not None}


def _fill_missing(column: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of ``column`` with missing cells replaced by the first present value (placeholders)."""
    present = np.flatnonzero(~mask)
    column = column.copy()
    column[mask] = column[present[0]] if present.size else (0 if column.dtype.kind in "fO" else column[0])
    return column


def _numeric_objects(data: np.ndarray) -> np.ndarray:
    """An object array of numbers (left after missing markers were filled) as a numeric array, else unchanged."""
    if all(isinstance(v, (numbers.Real, np.bool_)) for v in data.ravel()):
        converted = np.array(data.tolist())
        if converted.dtype.kind in "iufb" and converted.shape == data.shape:
            return converted
    return data


def _kind_of_dtype(dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iu":
        return "int"
    if dtype.kind == "f":
        return "float"
    if dtype.kind == "c":
        return "complex"
    return "other"


def _factorize(column: np.ndarray, name: str) -> np.ndarray:
    """Integer codes for a column of arbitrary hashable labels (missing markers already filled)."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        codes, _ = pd.factorize(column, sort=False)
        return np.asarray(codes, dtype=np.int64)
    try:
        _, codes = np.unique(column, return_inverse=True)
    except TypeError:
        # Labels that cannot be ordered (mixed types): hash them instead.
        table: dict[Any, int] = {}
        codes = np.fromiter((table.setdefault(v, len(table)) for v in column), np.int64, len(column))
    return np.asarray(codes, dtype=np.int64).reshape(-1)


def _from_pandas(value: Any, name: str) -> tuple[np.ndarray, str, np.ndarray, list[tuple[str, set[str]]]]:
    """Data, kind, missing-cell mask, and for each column its label in messages and the missing markers found."""
    pd = sys.modules["pandas"]
    frame = value.to_frame() if isinstance(value, pd.Series) else value
    columns, kinds, masks = [], [], []
    found: list[tuple[str, set[str]]] = []
    for col in frame.columns:
        series = frame[col]
        mask = np.asarray(series.isna(), dtype=bool)
        masks.append(mask)
        markers: set[str] = set()
        found.append((f"{name} column {col!r}" if isinstance(value, pd.DataFrame) and frame.shape[1] > 1 else name, markers))
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = np.asarray(series.cat.codes, dtype=np.int64)
            if mask.any():
                markers.add(_pandas_marker(series, mask, pd))
                codes = _fill_missing(codes, mask)
            columns.append(codes)
            kinds.append("other")
            continue
        if mask.any():
            markers.add(_pandas_marker(series, mask, pd))
            present = np.flatnonzero(~mask)
            series = series.where(~mask, series.iloc[present[0]]) if present.size else pd.Series(np.zeros(len(series)))
        try:
            arr = series.to_numpy()
        except Exception as exc:  # extension arrays that cannot become NumPy arrays
            raise DataError(f"{name}: column {col!r} could not be converted to an array ({exc}).") from None
        if arr.dtype == object and mask.any():
            arr = _numeric_objects(arr)
        kind = _kind_of_dtype(arr.dtype)
        if kind == "other":
            arr = _factorize(arr, name)
        columns.append(arr)
        kinds.append(kind)
    if not columns:
        raise DataError(f"{name} is empty: it has no columns.")
    missing = np.column_stack(masks)
    if "other" in kinds:
        kind = "other"
        data = np.column_stack([np.asarray(c, dtype=np.int64) if c.dtype.kind != "f" else _factorize(c.astype(object), name) for c in columns])
    elif "float" in kinds:
        kind, data = "float", np.column_stack([c.astype(np.float64, copy=False) for c in columns])
    elif "int" in kinds:
        kind, data = "int", np.column_stack([c.astype(np.int64, copy=False) for c in columns])
    else:
        kind, data = "bool", np.column_stack(columns)
    return data, kind, missing, found


def _pandas_marker(series: Any, mask: np.ndarray, pd: Any) -> str:
    """The missing marker of a pandas column: NaN, pd.NA (extension dtypes), NaT, or what an object column holds."""
    dtype = series.dtype
    if dtype == object:
        first = series.to_numpy()[np.flatnonzero(mask)[0]]
        return _marker(first) or "NaN"
    if dtype.kind in "Mm":
        return "NaT"
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(dtype, pd.CategoricalDtype) and getattr(dtype, "na_value", None) is pd.NA:
        return "pd.NA"
    return "NaN"


def read_input(value: Any, name: str, nan_policy: str = "raise") -> RawInput:
    """Turn one user argument into a :class:`RawInput` of shape (n, d).

    Parameters
    ----------
    value : array-like
    name : str
        The argument's name in messages.
    nan_policy : {"raise", "omit"}
        What a missing value (NaN, None, ``pd.NA``, ``NaT``, a masked entry) does:
        "raise" raises; "omit" records it in ``RawInput.missing`` for
        :func:`omit_missing`.

    Raises
    ------
    DataError
        For empty input, more than two dimensions, inf, or a missing value under
        ``nan_policy="raise"`` (naming the variable and the 0-based rows).
    """
    if value is None:
        raise DataError(f"{name} is None; pass an array of shape (n,) or (n, d).")
    if is_torch_tensor(value):
        return _read_torch(value, name, nan_policy)
    missing = None
    markers: set[str] = set()
    found = None
    if _is_pandas(value):
        data, kind, missing, found = _from_pandas(value, name)
    else:
        masked = None
        if isinstance(value, np.ma.MaskedArray):
            masked = np.ma.getmaskarray(value)
            value = np.ma.getdata(value)
        try:
            data = np.asarray(value)
        except ValueError as exc:
            raise DataError(f"{name} could not be read as an array: {exc}. Pass a rectangular array of shape (n,) or (n, d).") from None
        kind = _kind_of_dtype(data.dtype)
        if kind == "complex":
            raise DataError(f"{name} has complex dtype {data.dtype}; mutual information needs real or label data.")
        if data.ndim == 0:
            raise DataError(f"{name} must be an array of shape (n,) or (n, d). Got a scalar {value!r}.")
        if data.ndim > 2:
            raise DataError(f"{name} must have shape (n,) or (n, d). Got shape {data.shape}; reshape it, e.g. {name}.reshape(len({name}), -1).")
        if data.ndim == 1:
            data = data[:, None]
            masked = None if masked is None else masked.reshape(-1, 1)
        if data.size:
            data, missing, markers = _missing_cells(data, kind, masked)
            if missing is not None and data.dtype == object:
                data = _numeric_objects(data)
                kind = _kind_of_dtype(data.dtype)
        if kind == "other":
            data = np.column_stack([_factorize(data[:, j], name) for j in range(data.shape[1])]) if data.size else data
    if data.shape[0] == 0:
        raise DataError(f"{name} is empty: it has 0 samples.")
    if data.shape[1] == 0:
        raise DataError(f"{name} is empty: it has 0 columns.")
    if missing is not None and not missing.any():
        missing = None
    if missing is not None and nan_policy != "omit":
        if found is not None:  # pandas: name the first column with missing values
            j = int(np.flatnonzero(missing.any(axis=0))[0])
            raise _missing_error(found[j][0], found[j][1], np.flatnonzero(missing[:, j]))
        raise _missing_error(name, markers, np.flatnonzero(missing.any(axis=1)))
    if kind == "float":
        finite = np.isfinite(data)
        if not finite.all():
            bad = ~finite.all(axis=1)
            raise DataError(_rows_message(name, "inf", np.flatnonzero(bad)))
    return RawInput(name, data, kind, missing)


def _missing_cells(data: np.ndarray, kind: str, masked: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, set[str]]:
    """Missing cells of a 2-D array (NaN, None, pd.NA, NaT, masked), and the array with them filled."""
    markers: set[str] = set()
    if data.dtype.kind == "f":
        missing = np.isnan(data)
        if missing.any():
            markers.add("NaN")
    elif data.dtype.kind in "Mm":
        missing = np.isnat(data)
        if missing.any():
            markers.add("NaT")
    elif data.dtype == object:
        missing = np.zeros(data.shape, dtype=bool)
        for j in range(data.shape[1]):
            missing[:, j], found = _missing_objects(data[:, j])
            markers |= found
    else:
        missing = np.zeros(data.shape, dtype=bool)
    if masked is not None and masked.any():
        markers.add("masked entries")
        missing = missing | masked
    if not missing.any():
        return data, None, markers
    data = np.column_stack([_fill_missing(data[:, j], missing[:, j]) if missing[:, j].any() else data[:, j] for j in range(data.shape[1])])
    return data, missing, markers


def omit_missing(raws: list[RawInput], func: str) -> tuple[list[RawInput], int]:
    """The variables without the rows where any of them has a missing cell, and how many rows were dropped.

    All variables must have the same number of rows (:func:`check_same_length`).
    Raises DataError when no complete row is left.
    """
    masks = [r.missing_rows for r in raws if r.missing is not None]
    if not masks:
        return raws, 0
    drop = np.logical_or.reduce(masks)
    n, dropped = drop.shape[0], int(drop.sum())
    names = " or ".join(r.name for r in raws)
    if dropped == n:
        raise DataError(
            f"{func} with nan_policy='omit': every one of the {n} rows has a missing value in {names}; no complete row is left to estimate from."
        )
    keep = ~drop
    return [r.take(keep) for r in raws], dropped


def check_nan_policy(func: str, value: Any) -> str:
    """'raise' or 'omit', or the template error."""
    if not isinstance(value, str) or value not in NAN_POLICIES:
        raise param_error(func, "nan_policy", "'raise' or 'omit'", value)
    return value


def auto_discrete(raw: RawInput) -> tuple[bool, str | None]:
    """The kind ``discrete="auto"`` gives a variable, and a reason when the data rather than the dtype decided.

    Bool, integer and label data are discrete, as their dtype says (reason None).
    A float variable is discrete when each of its columns holds at most
    :data:`AUTO_DISCRETE_MAX_VALUES` distinct values with at least
    :data:`AUTO_DISCRETE_MIN_PER_VALUE` samples per value on average; the reason then
    names the counts. Cost: one sort of the first 1024 rows per column, and of the whole
    column only when those rows hold few values.
    """
    if raw.kind != "float":
        return True, None
    n = raw.n_samples
    limit = min(AUTO_DISCRETE_MAX_VALUES, n // AUTO_DISCRETE_MIN_PER_VALUE)
    if limit < 1:
        return False, None
    counts = []
    for j in range(raw.n_columns):
        column = raw.data[:, j]
        if _count_distinct(column[:_DISTINCT_PREFIX]) > limit:
            return False, None
        distinct = _count_distinct(column) if n > _DISTINCT_PREFIX else _count_distinct(column[:_DISTINCT_PREFIX])
        if distinct > limit:
            return False, None
        counts.append(distinct)
    most = max(counts)
    values = f"{most} distinct values" if raw.n_columns == 1 else f"at most {most} distinct values per column"
    return True, (
        f"{raw.name} has float dtype but only {values} in {n} samples (at least {n / most:.0f} per value), "
        f"so discrete='auto' treated it as discrete (a float variable is discrete when each column holds at most "
        f"{AUTO_DISCRETE_MAX_VALUES} distinct values with at least {AUTO_DISCRETE_MIN_PER_VALUE} samples per value); "
        f"pass discrete=False to treat it as continuous."
    )


def _count_distinct(column: Any) -> int:
    if is_torch_tensor(column):
        import torch

        return int(torch.unique(column).numel())
    return int(np.unique(column).shape[0])


def _read_torch(value: Any, name: str, nan_policy: str = "raise") -> RawInput:
    import torch

    data = value.detach()
    if data.dtype in (torch.float16, torch.bfloat16):  # estimators compute in float32 at least (numpy has no bfloat16)
        data = data.float()
    if data.is_complex():
        raise DataError(f"{name} has complex dtype {data.dtype}; mutual information needs real or label data.")
    if data.ndim == 0:
        raise DataError(f"{name} must be an array of shape (n,) or (n, d). Got a 0-d tensor.")
    if data.ndim > 2:
        raise DataError(f"{name} must have shape (n,) or (n, d). Got shape {tuple(data.shape)}; reshape it, e.g. {name}.reshape(len({name}), -1).")
    if data.ndim == 1:
        data = data[:, None]
    if data.shape[0] == 0:
        raise DataError(f"{name} is empty: it has 0 samples.")
    if data.shape[1] == 0:
        raise DataError(f"{name} is empty: it has 0 columns.")
    missing = None
    if data.dtype == torch.bool:
        kind = "bool"
    elif data.is_floating_point():
        kind = "float"
        nan = torch.isnan(data)
        if bool(nan.any()):
            missing = nan.cpu().numpy()
            if nan_policy != "omit":
                raise _missing_error(name, {"NaN"}, np.flatnonzero(missing.any(axis=1)))
            data = torch.where(nan, torch.zeros((), dtype=data.dtype, device=data.device), data)
        finite = torch.isfinite(data)
        if not bool(finite.all()):
            bad = (~finite.all(dim=1)).nonzero().flatten().cpu().numpy()
            raise DataError(_rows_message(name, "inf", bad))
    else:
        kind = "int"
    return RawInput(name, data, kind, missing)


# ---------------------------------------------------------------------------
# Discrete and continuous variables.


# Block length for cache-friendly passes over long integer arrays.
CHUNK = 1 << 18


def int_range(col: np.ndarray) -> tuple[int, int]:
    """(min, max) of an integer array, reading it from memory once (block-wise min and max)."""
    if col.shape[0] <= CHUNK:
        return int(col.min()), int(col.max())
    lo, hi = [], []
    for start in range(0, col.shape[0], CHUNK):
        block = col[start : start + CHUNK]
        lo.append(block.min())
        hi.append(block.max())
    return int(min(lo)), int(max(hi))


def _encode_column(col: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative int64 codes and their range for one column of labels."""
    n = col.shape[0]
    if col.dtype.kind == "b":
        return col.astype(np.int64), 2
    if col.dtype.kind in "iu":
        lo, hi = int_range(col)
        if hi - lo < max(_DIRECT_RANGE_FACTOR * n, _DIRECT_RANGE_MIN):
            if lo < 0 or lo > n:
                # Unsigned values at or above 2**63 do not fit int64: subtract in their own dtype first.
                codes = (col - col.dtype.type(lo)).astype(np.int64) if col.dtype.kind == "u" else col.astype(np.int64) - lo
                hi -= lo
            else:
                codes = col.astype(np.int64, copy=False)
            return codes, hi + 1
    _, codes = np.unique(col, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64, copy=False)
    return codes, int(codes.max()) + 1


def combine_codes(columns: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """One joint symbol per row from several columns of codes (mixed radix).

    The joint code stays below ``2**62``; when a product of ranges would exceed
    ``max(4 n, 2**16)`` the partial code is compressed to its observed values first.
    """
    codes, n_states = columns[0]
    n = codes.shape[0]
    limit = max(_DIRECT_RANGE_FACTOR * n, _DIRECT_RANGE_MIN)
    for col, k in columns[1:]:
        if n_states * k > limit:
            if n_states > limit:
                _, codes = np.unique(codes, return_inverse=True)
                codes = codes.reshape(-1).astype(np.int64)
                n_states = int(codes.max()) + 1
            if k > limit:
                _, col = np.unique(col, return_inverse=True)
                col = col.reshape(-1).astype(np.int64)
                k = int(col.max()) + 1
        codes = codes * k + col
        n_states *= k
        if n_states > limit:
            _, codes = np.unique(codes, return_inverse=True)
            codes = codes.reshape(-1).astype(np.int64)
            n_states = int(codes.max()) + 1
    return codes, n_states


def to_discrete(raw: RawInput, guessed: bool = False) -> Variable:
    """A discrete variable: one int64 code per row (a multi-column variable is one symbol)."""
    data = raw.data
    if raw.is_torch:
        data = data.cpu().numpy()
    if raw.n_columns == 1:
        codes, n_states = _encode_column(data[:, 0])
        return Variable(raw.name, codes, True, n_states, guessed)
    columns = [_encode_column(data[:, j]) for j in range(raw.n_columns)]
    alphabet = 1
    for col, k in columns:
        alphabet *= int(np.count_nonzero(np.bincount(col, minlength=k))) if k <= 4 * len(col) + 65536 else int(np.unique(col).shape[0])
    codes, n_states = combine_codes(columns)
    return Variable(raw.name, codes, True, n_states, guessed, alphabet)


def to_continuous(raw: RawInput, func: str, method: str, guessed: bool = False) -> Variable:
    """A continuous variable: a finite float array of shape (n, d)."""
    if raw.kind == "other":
        raise UnsupportedDataError(
            f"{func} with method={method!r} needs numeric data, but {raw.name} holds labels (strings, "
            f"objects or categories). Use a discrete method, e.g. method='plugin', or encode {raw.name} numerically."
        )
    data = raw.data
    if raw.is_torch:
        if not data.is_floating_point():
            import torch

            data = data.to(torch.get_default_dtype())
    elif data.dtype != np.float64:
        data = data.astype(np.float64)
    return Variable(raw.name, data, False, 0, guessed)


def check_same_length(raws: list[RawInput]) -> int:
    """The common number of samples, or a DataError naming the lengths."""
    lengths = [r.n_samples for r in raws]
    if len(set(lengths)) > 1:
        names = " and ".join(r.name for r in raws)
        got = " and ".join(str(n) for n in lengths)
        raise DataError(f"{names} must have the same number of samples (rows). Got {got}.")
    return lengths[0]


# ---------------------------------------------------------------------------
# Parameters.


def resolve_base(base: Any, func: str) -> tuple[float, str]:
    """The divisor that turns nats into the requested unit, and the unit's name."""
    if base is None:
        return 1.0, "nats"
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not base > 0 or base == 1 or not math.isfinite(base):
        raise param_error(func, "base", "None (nats) or a positive real number other than 1, e.g. 2 for bits", base)
    base = float(base)
    names = {2.0: "bits", 10.0: "hartleys", math.e: "nats"}
    return math.log(base), names.get(base, f"log-base-{base:g} units")


def resolve_rng(random_state: Any, func: str) -> np.random.Generator:
    """A NumPy Generator from None, an int seed, a SeedSequence or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise param_error(func, "random_state", "None, a non-negative int or a numpy.random.Generator", random_state)


def check_int(func: str, name: str, value: Any, lo: int | None = None, hi: int | None = None, rule: str | None = None) -> int:
    """An int within [lo, hi] (either bound optional), or the template error."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok and lo is not None and value < lo:
        ok = False
    if ok and hi is not None and value > hi:
        ok = False
    if not ok:
        if rule is None:
            lo_s = "-inf" if lo is None else str(lo)
            hi_s = "inf" if hi is None else str(hi)
            rule = f"an int in [{lo_s}, {hi_s}]"
        raise param_error(func, name, rule, value)
    return int(value)


def check_float(
    func: str,
    name: str,
    value: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    rule: str | None = None,
) -> float:
    """A finite real number within the given (open or closed) bounds, or the template error."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and lo is not None and (value <= lo if lo_open else value < lo):
        ok = False
    if ok and hi is not None and (value >= hi if hi_open else value > hi):
        ok = False
    if not ok:
        if rule is None:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            rule = f"a real number in {left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
        raise param_error(func, name, rule, value)
    return float(value)


def check_choice(func: str, name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """One of a fixed set of values, or the template error listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise param_error(func, name, f"one of {listed}", value)
    return value


@dataclass(frozen=True)
class Param:
    """A method parameter: its default and the rule its value must satisfy.

    ``check(value, n_samples)`` returns the (possibly normalised) value or raises
    :class:`ParameterError` through the helpers above; ``func`` is filled in by the caller.
    """

    default: Any
    check: Callable[[str, str, Any, int], Any]
    doc: str = ""


def int_param(default: int, lo: int = 1, hi: Callable[[int], int] | None = None, hi_text: str = "", doc: str = "") -> Param:
    """Param spec for an int in ``[lo, hi(n_samples)]``."""

    def check(func: str, name: str, value: Any, n: int) -> int:
        upper = hi(n) if hi is not None else None
        rule = f"an int in [{lo}, {hi_text}]" if hi is not None else f"an int >= {lo}"
        if upper is not None and upper < lo:
            raise ParameterError(
                f"The `{name}` parameter of {func} must be {rule}, which is impossible with {n} samples. Got {value!r}; "
                f"use more samples."
            )
        return check_int(func, name, value, lo, upper, rule=rule)

    return Param(default, check, doc)


def float_param(default: float | None, lo: float | None = None, hi: float | None = None, *, lo_open=False, hi_open=False, allow_none=False, doc="") -> Param:
    """Param spec for a real number in a range (optionally None)."""

    def check(func: str, name: str, value: Any, n: int) -> float | None:
        if value is None and allow_none:
            return None
        return check_float(func, name, value, lo, hi, lo_open=lo_open, hi_open=hi_open)

    return Param(default, check, doc)


def choice_param(default: Any, choices: tuple[Any, ...], doc: str = "") -> Param:
    """Param spec for one of a fixed set of values."""

    def check(func: str, name: str, value: Any, n: int) -> Any:
        return check_choice(func, name, value, choices)

    return Param(default, check, doc)


def bool_param(default: bool, doc: str = "") -> Param:
    """Param spec for a bool."""

    def check(func: str, name: str, value: Any, n: int) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise param_error(func, name, "a bool", value)
        return bool(value)

    return Param(default, check, doc)
