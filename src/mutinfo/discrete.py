"""Exact information quantities of known discrete distributions (probability tables).

These are the definitions, evaluated on a given probability mass function or joint
table, with no estimation involved::

    H(X)     = -sum_x p(x) log p(x)
    I(X;Y)   =  sum_{x,y} p(x,y) log(p(x,y) / (p(x) p(y)))
    H(X|Y)   = -sum_{x,y} p(x,y) log p(x|y)
    I(X;Y|Z) =  sum p(x,y,z) log(p(z) p(x,y,z) / (p(x,z) p(y,z)))

with 0 log 0 = 0. Units are nats unless ``base`` says otherwise. For estimates from
samples use :func:`mutinfo.entropy` and friends with a discrete method.
For a differentiable torch version (training objectives) see
:func:`mutinfo.functional.discrete_mutual_information`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import xlogy

from ._errors import DataError, param_error
from ._validation import resolve_base

__all__ = [
    "entropy_from_pmf",
    "mutual_information_from_joint",
    "conditional_entropy_from_joint",
    "conditional_mutual_information_from_joint",
]

# Tolerance on |sum(p) - 1| for a table to count as normalised.
SUM_TOLERANCE = 1e-6


def _table(p: Any, name: str, func: str, ndim: int | None, normalize: bool) -> np.ndarray:
    if not isinstance(normalize, (bool, np.bool_)):
        raise param_error(func, "normalize", "a bool", normalize)
    arr = p.detach().cpu().numpy() if hasattr(p, "detach") else np.asarray(p)
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{name} must be a numeric probability table. Got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise DataError(f"{name} must be a {ndim}-D table. Got shape {arr.shape}.")
    if arr.size == 0:
        raise DataError(f"{name} is empty.")
    if not np.isfinite(arr).all():
        raise DataError(f"{name} contains NaN or inf.")
    if (arr < 0).any():
        raise DataError(f"{name} must be non-negative. Got a minimum of {arr.min():.6g}.")
    total = arr.sum()
    if normalize:
        if total <= 0:
            raise DataError(f"{name} sums to 0; it cannot be normalised.")
        return arr / total
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise DataError(f"{name} must sum to 1 (within {SUM_TOLERANCE}). Got {total:.8g}; pass normalize=True to rescale counts.")
    return arr


def _plugin_h(p: np.ndarray) -> float:
    return float(-xlogy(p, p).sum())


def entropy_from_pmf(p: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """Entropy of a probability mass function.

    Parameters
    ----------
    p : array-like of any shape
        Probabilities (all entries are the outcomes of one variable).
    base : float, optional
        None for nats, 2 for bits.
    normalize : bool, default False
        Divide by the sum first (so counts are accepted).

    Examples
    --------
    >>> entropy_from_pmf([0.5, 0.5], base=2)
    1.0
    """
    divisor, _ = resolve_base(base, "entropy_from_pmf")
    return _plugin_h(_table(p, "p", "entropy_from_pmf", None, normalize)) / divisor


def mutual_information_from_joint(p_xy: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """I(X;Y) of a joint table ``p_xy[x, y]``.

    Examples
    --------
    >>> mutual_information_from_joint([[0.5, 0.0], [0.0, 0.5]], base=2)
    1.0
    """
    divisor, _ = resolve_base(base, "mutual_information_from_joint")
    p = _table(p_xy, "p_xy", "mutual_information_from_joint", 2, normalize)
    value = _plugin_h(p.sum(1)) + _plugin_h(p.sum(0)) - _plugin_h(p)
    return max(value, 0.0) / divisor if value > -1e-12 else value / divisor


def conditional_entropy_from_joint(p_xy: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """H(X|Y) of a joint table ``p_xy[x, y]`` (X on axis 0).

    Examples
    --------
    >>> conditional_entropy_from_joint([[0.25, 0.25], [0.25, 0.25]], base=2)
    1.0
    """
    divisor, _ = resolve_base(base, "conditional_entropy_from_joint")
    p = _table(p_xy, "p_xy", "conditional_entropy_from_joint", 2, normalize)
    return (_plugin_h(p) - _plugin_h(p.sum(0))) / divisor


def conditional_mutual_information_from_joint(p_xyz: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """I(X;Y|Z) of a joint table ``p_xyz[x, y, z]``.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.zeros((2, 2, 2))
    >>> for x in (0, 1):
    ...     for y in (0, 1):
    ...         p[x, y, x ^ y] = 0.25
    >>> conditional_mutual_information_from_joint(p, base=2)   # Z = X xor Y
    1.0
    """
    divisor, _ = resolve_base(base, "conditional_mutual_information_from_joint")
    p = _table(p_xyz, "p_xyz", "conditional_mutual_information_from_joint", 3, normalize)
    value = _plugin_h(p.sum(1)) + _plugin_h(p.sum(0)) - _plugin_h(p) - _plugin_h(p.sum((0, 1)))
    return max(value, 0.0) / divisor if value > -1e-12 else value / divisor
