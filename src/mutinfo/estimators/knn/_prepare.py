"""Data preparation for the k-NN estimators: scaling, rank transform, noise, degenerate and extreme columns."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._errors import DataError
from ..._validation import Variable, is_torch_tensor

# Standard deviation of the tie-breaking noise, relative to each column's spread.
DEFAULT_NOISE = 1e-10
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


def _as_numpy(data: Any) -> np.ndarray:
    if is_torch_tensor(data):
        return data.detach().cpu().numpy().astype(np.float64, copy=False)
    return np.asarray(data, dtype=np.float64)


def _locality_order(first: np.ndarray) -> np.ndarray | None:
    """Row order along one column: tree queries and binary searches then touch memory in order."""
    if first.shape[0] < 4096:
        return None
    return np.argsort(first)
