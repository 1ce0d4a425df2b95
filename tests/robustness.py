"""Shared checks of scale and outlier robustness, for any estimator given as a function.

``check_scale_and_outlier`` is used by tests/test_robustness.py for the continuous
non-neural methods, and can be used as is for others (neural methods: pass a
function that trains and reads out with a fixed seed, and tolerances that fit it).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from mutinfo import DataError

SCALES = (1e-150, 1e150)
OUTLIER = 1e100


def check_scale_and_outlier(
    estimate: Callable[[np.ndarray], float],
    data: np.ndarray,
    *,
    scale_rtol: float = 1e-9,
    outlier_tol: float,
    log_jacobian: Callable[[float], float] = lambda c: 0.0,
    outlier_row: int = 0,
    outlier_col: int = 0,
) -> dict:
    """Check that rescaling leaves ``estimate`` unchanged and one outlier moves it little, or that both raise DataError.

    Parameters
    ----------
    estimate : callable
        ``estimate(columns)`` returns the estimate (nats) for an (n, d) float array of
        the continuous columns (the function splits them into x, y and adds any
        discrete partner itself).
    data : array of shape (n, d)
        Clean continuous columns.
    scale_rtol : float
        For each c in ``SCALES`` (1e-150, 1e150), ``estimate(c * data) - log_jacobian(c)``
        must equal the clean estimate to this relative tolerance (absolute below 1),
        or raise DataError.
    outlier_tol : float
        With ``data[outlier_row, outlier_col] = OUTLIER`` (1e100), the estimate must
        be within this many nats of the clean one, or raise DataError.
    log_jacobian : callable
        How the quantity changes under x -> c x (0 for MI; d log c for an entropy).

    Returns
    -------
    dict with the clean value and, per case, the value or the DataError message.
    """
    clean = estimate(data)
    if not math.isfinite(clean):
        raise AssertionError(f"clean estimate is not finite: {clean}")
    out: dict = {"clean": clean}
    for c in SCALES:
        try:
            value = estimate(data * c) - log_jacobian(c)
        except DataError as exc:
            out[c] = str(exc)
            continue
        out[c] = value
        assert abs(value - clean) <= scale_rtol * max(1.0, abs(clean)), (c, value, clean)
    dirty = np.array(data, dtype=np.float64, copy=True)
    dirty[outlier_row, outlier_col] = OUTLIER
    try:
        value = estimate(dirty)
    except DataError as exc:
        out["outlier"] = str(exc)
    else:
        out["outlier"] = value
        assert math.isfinite(value) and abs(value - clean) <= outlier_tol, (value, clean, outlier_tol)
    return out
