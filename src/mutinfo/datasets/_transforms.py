"""Invertible maps that change a distribution's shape but not its mutual information.

If f and g are invertible (and measurable), ``I(f(X); g(Y)) = I(X; Y)``. Applied to
the Gaussian or Student-t samples of :mod:`mutinfo.datasets`, these maps give
non-Gaussian data with the same known MI: a test of whether an estimator measures
dependence or only correlation (Czyz et al. 2023, "Beyond normal: on the evaluation
of mutual information estimators", NeurIPS).

All maps take an array of shape (n, d) (or (n,)) and return one of the same shape.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.special import ndtr

from .._errors import DataError
from .._validation import check_float

__all__ = ["half_cube", "cube", "asinh", "normal_cdf", "spiral", "transform"]


def half_cube(a: np.ndarray) -> np.ndarray:
    """``a |a|^(1/2)`` elementwise: heavier tails, strictly increasing (inverse ``b |b|^(-1/3)``)."""
    a = np.asarray(a, dtype=np.float64)
    return a * np.sqrt(np.abs(a))


def cube(a: np.ndarray) -> np.ndarray:
    """``a^3`` elementwise (the map of the cubic staircase)."""
    return np.asarray(a, dtype=np.float64) ** 3


def asinh(a: np.ndarray) -> np.ndarray:
    """``asinh(a) = log(a + sqrt(a^2 + 1))`` elementwise: lighter, logarithmic tails."""
    return np.arcsinh(np.asarray(a, dtype=np.float64))


def normal_cdf(a: np.ndarray) -> np.ndarray:
    """The standard normal CDF elementwise: maps R onto (0, 1), standard normal margins become uniform."""
    return ndtr(np.asarray(a, dtype=np.float64))


def spiral(a: np.ndarray, speed: float = 0.5) -> np.ndarray:
    """Rotate each row by an angle proportional to its squared norm.

    Coordinates are rotated in the planes (0, 1), (2, 3), ... by the angle
    ``speed * ||a||^2``; an odd last coordinate is left as is. Rotations keep the
    norm, so the map is inverted by rotating back by the same angle.

    Parameters
    ----------
    a : array of shape (n, d), d >= 2
    speed : float, default 0.5
    """
    speed = check_float("spiral", "speed", speed)
    a = np.asarray(a, dtype=np.float64)
    flat = a.ndim == 1
    if flat:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] < 2:
        raise DataError(
            f"spiral needs data of shape (n, d) with d >= 2 (it rotates pairs of coordinates). Got shape {np.shape(a)}."
        )
    angle = speed * (a**2).sum(axis=1)
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    out = a.copy()
    even = a[:, 0 : 2 * (a.shape[1] // 2) : 2]
    odd = a[:, 1 : 2 * (a.shape[1] // 2) : 2]
    out[:, 0 : 2 * (a.shape[1] // 2) : 2] = c * even - s * odd
    out[:, 1 : 2 * (a.shape[1] // 2) : 2] = s * even + c * odd
    return out


def transform(
    sample: tuple[Any, Any, float],
    x: Callable[[np.ndarray], np.ndarray] | None = None,
    y: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Apply invertible maps to the x and y of a ``(x, y, true_mi)`` sample; the MI is unchanged.

    Parameters
    ----------
    sample : (x, y, true_mi)
        As returned by any generator of :mod:`mutinfo.datasets`.
    x, y : callable or None
        Invertible maps (e.g. :func:`half_cube`, :func:`asinh`, :func:`spiral`,
        :func:`normal_cdf`); None leaves that variable as is. Invertibility is the
        caller's promise: a non-invertible map would lower the MI.

    Returns
    -------
    (f(x), g(y), true_mi)

    Examples
    --------
    >>> from mutinfo.datasets import gaussian, transform, half_cube, asinh
    >>> x, y, mi = transform(gaussian(100, dim=2, random_state=0), x=half_cube, y=asinh)
    """
    sx, sy, mi = sample
    return (np.asarray(sx) if x is None else x(sx)), (np.asarray(sy) if y is None else y(sy)), mi
