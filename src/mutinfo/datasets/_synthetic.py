"""Synthetic distributions with known mutual information.

Every generator returns ``(x, y, true_mi)``: two NumPy arrays with one row per
sample and the exact (or numerically integrated, to ~1e-8 nats) I(X;Y) in nats. All
take ``random_state`` (None, an int or a numpy Generator) and are reproducible.

==========================  ==============================  =============================
generator                   data                            true MI
==========================  ==============================  =============================
:func:`gaussian`            x, y in R^d, corr rho_k per     -1/2 sum_k log(1 - rho_k^2)
                            pair (sparse) or rotated (dense)
:func:`student_t`           multivariate t, df nu           Gaussian part + t correction
:func:`staircase`           20-d Gaussian / cubic, 2..10    the level
:func:`discrete_channel`    x ~ p_x, y | x ~ channel[x]     exact, from the joint table
:func:`symmetric_channel`   k-ary symmetric channel         log k - h(e) - e log(k - 1)
:func:`gaussian_mixture`    1+1-d mixture of Gaussians      2-d quadrature
:func:`mixed_gaussian`      discrete x, y | x ~ N(x, s^2)   1-d quadrature
==========================  ==============================  =============================

Invertible maps of x or y leave I(X;Y) unchanged; :mod:`mutinfo.datasets` also
provides such maps (half-cube, asinh, spiral, normal CDF) to make any of these
distributions non-Gaussian with the same MI.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Sequence

import numpy as np
from scipy.integrate import trapezoid
from scipy.special import digamma, gammaln, logsumexp

from .._errors import param_error
from .._validation import check_float, check_int, resolve_rng

__all__ = [
    "gaussian",
    "rho_for_mi",
    "gaussian_mi",
    "student_t",
    "student_t_mi",
    "staircase",
    "STAIRCASE_LEVELS",
    "discrete_channel",
    "symmetric_channel",
    "gaussian_mixture",
    "mixed_gaussian",
]

#: MI levels (nats) of the staircases of Poole et al. (2019) and Song & Ermon (2020).
STAIRCASE_LEVELS = (2.0, 4.0, 6.0, 8.0, 10.0)
# Quadrature grid of the mixture integrals: points per axis and half-width in standard deviations.
_GRID_POINTS = 601
_GRID_SDS = 12.0


def _rhos(func: str, rho: Any, dim: int) -> np.ndarray:
    rule = f"a real number in (-1, 1) or a sequence of {dim} of them"
    values = np.atleast_1d(np.asarray(rho, dtype=np.float64)) if not isinstance(rho, (str, bool)) else None
    if values is None or values.ndim != 1 or values.shape[0] not in (1, dim) or not np.all(np.abs(values) < 1):
        raise param_error(func, "rho", rule, rho)
    return np.broadcast_to(values, (dim,)).copy()


def gaussian_mi(rho: Any, dim: int = 1) -> float:
    """I(X;Y) in nats of :func:`gaussian`: ``-1/2 sum_k log(1 - rho_k^2)``."""
    dim = check_int("gaussian_mi", "dim", dim, 1)
    return float(-0.5 * np.log1p(-(_rhos("gaussian_mi", rho, dim) ** 2)).sum())


def rho_for_mi(mi: float, dim: int = 1) -> float:
    """The per-pair correlation giving ``dim`` independent pairs a total MI of ``mi`` nats.

    ``rho = sqrt(1 - exp(-2 mi / dim))``, the inverse of :func:`gaussian_mi` for equal rhos.
    """
    mi = check_float("rho_for_mi", "mi", mi, 0.0)
    dim = check_int("rho_for_mi", "dim", dim, 1)
    return math.sqrt(-math.expm1(-2.0 * mi / dim))


def gaussian(
    n: int, *, dim: int = 1, rho: Any = 0.8, interaction: str = "sparse", random_state: Any = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Correlated Gaussian vectors x, y in R^dim with exact MI.

    The pairs (x_k, y_k) are standard bivariate normals with correlation ``rho_k``,
    independent across k. With ``interaction="sparse"`` that is the data (each
    coordinate of x depends on one coordinate of y); with ``"dense"`` x and y are then
    rotated by independent random orthogonal matrices, so every coordinate of x is
    correlated with every coordinate of y. Rotations are invertible, so both have::

        I(X;Y) = -1/2 sum_k log(1 - rho_k^2)   nats.

    Parameters
    ----------
    n : int
        Number of samples.
    dim : int, default 1
    rho : float or sequence of ``dim`` floats in (-1, 1), default 0.8
    interaction : {"sparse", "dense"}, default "sparse"
    random_state : None, int or numpy Generator

    Returns
    -------
    x, y : arrays of shape (n, dim)
    true_mi : float, nats

    Examples
    --------
    >>> from mutinfo.datasets import gaussian
    >>> x, y, mi = gaussian(1000, dim=5, rho=0.8, random_state=0)
    >>> x.shape, round(mi, 4)
    ((1000, 5), 2.5541)
    """
    func = "gaussian"
    n = check_int(func, "n", n, 1)
    dim = check_int(func, "dim", dim, 1)
    rhos = _rhos(func, rho, dim)
    if interaction not in ("sparse", "dense"):
        raise param_error(func, "interaction", "one of 'sparse', 'dense'", interaction)
    rng = resolve_rng(random_state, func)
    x = rng.standard_normal((n, dim))
    y = rhos * x + np.sqrt(1.0 - rhos**2) * rng.standard_normal((n, dim))
    if interaction == "dense" and dim > 1:
        from scipy.stats import ortho_group

        qx = ortho_group.rvs(dim, random_state=rng)
        qy = ortho_group.rvs(dim, random_state=rng)
        x, y = x @ qx.T, y @ qy.T
    return x, y, gaussian_mi(rhos, dim)


def _t_entropy_terms(df: float, d: int) -> float:
    """The part of the differential entropy of a d-dim t distribution that does not depend on the scale matrix."""
    return (
        0.5 * d * math.log(df * math.pi)
        + gammaln(df / 2)
        - gammaln((df + d) / 2)
        + (df + d) / 2 * (digamma((df + d) / 2) - digamma(df / 2))
    )


def student_t_mi(df: float, rho: Any = 0.0, dim: int = 1) -> float:
    """I(X;Y) in nats of :func:`student_t`.

    For a multivariate t with ``df`` degrees of freedom and scale matrix S, the
    marginals are t with the same ``df``, so ``I = H(X) + H(Y) - H(X, Y)`` splits into
    the Gaussian MI of S plus a term of ``df`` and the dimensions only::

        c(nu, d_x, d_y) = T(nu, d_x) + T(nu, d_y) - T(nu, d_x + d_y),
        T(nu, d) = d/2 log(nu pi) + log G(nu/2) - log G((nu + d)/2)
                   + (nu + d)/2 (psi((nu + d)/2) - psi(nu/2)),

    which is positive: the shared scale makes x and y dependent even when S is
    diagonal. c -> 0 as nu -> infinity (Arellano-Valle, Contreras-Reyes & Genton
    2013, Scand. J. Stat. 40(1)).
    """
    func = "student_t_mi"
    df = check_float(func, "df", df, 0.0, lo_open=True)
    dim = check_int(func, "dim", dim, 1)
    correction = 2 * _t_entropy_terms(df, dim) - _t_entropy_terms(df, 2 * dim)
    return gaussian_mi(rho, dim) + float(correction)


def student_t(
    n: int, *, dim: int = 1, df: float = 5.0, rho: Any = 0.5, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Multivariate Student-t vectors x, y in R^dim with analytic MI.

    ``(x, y) = g / sqrt(w / df)`` with g the Gaussian pairs of :func:`gaussian`
    (correlation ``rho`` per pair) and ``w ~ chi^2(df)`` shared by x and y: heavy
    tails, and dependence through the common scale even when ``rho = 0``. The MI
    is :func:`student_t_mi`.

    Parameters
    ----------
    n : int
    dim : int, default 1
    df : float > 0, default 5
    rho : float or sequence in (-1, 1), default 0.5
    random_state : None, int or numpy Generator

    Returns
    -------
    x, y : arrays of shape (n, dim)
    true_mi : float, nats
    """
    func = "student_t"
    n = check_int(func, "n", n, 1)
    dim = check_int(func, "dim", dim, 1)
    df = check_float(func, "df", df, 0.0, lo_open=True)
    rhos = _rhos(func, rho, dim)
    rng = resolve_rng(random_state, func)
    g = rng.standard_normal((n, dim))
    h = rhos * g + np.sqrt(1.0 - rhos**2) * rng.standard_normal((n, dim))
    scale = np.sqrt(rng.chisquare(df, size=(n, 1)) / df)
    return g / scale, h / scale, student_t_mi(df, rhos, dim)


def staircase(
    n: int, *, levels: Sequence[float] = STAIRCASE_LEVELS, dim: int = 20, cubic: bool = False, random_state: Any = None
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The Gaussian and cubic staircases of Poole et al. (2019) and Song & Ermon (2020).

    For each MI level (default 2, 4, 6, 8, 10 nats): ``dim`` (default 20) independent
    pairs with the correlation ``rho_for_mi(level, dim)``; with ``cubic=True``, y is
    replaced by y^3, an invertible map, so the MI is unchanged while the dependence
    is no longer linear. The papers train one critic through the levels in order
    (the MI steps up every few thousand iterations) and plot the estimate against
    the staircase of true values.

    Parameters
    ----------
    n : int
        Samples per level.
    levels : sequence of float >= 0, default (2, 4, 6, 8, 10)
    dim : int, default 20
    cubic : bool, default False
    random_state : None, int or numpy Generator

    Returns
    -------
    list of (x, y, true_mi), one per level; x and y of shape (n, dim).
    """
    func = "staircase"
    n = check_int(func, "n", n, 1)
    dim = check_int(func, "dim", dim, 1)
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or not levels:
        raise param_error(func, "levels", "a non-empty sequence of MI values in nats (>= 0)", levels)
    rng = resolve_rng(random_state, func)
    out = []
    for level in levels:
        level = check_float(func, "levels", level, 0.0, rule="a sequence of MI values in nats (>= 0)")
        x, y, mi = gaussian(n, dim=dim, rho=rho_for_mi(level, dim), random_state=rng)
        out.append((x, y**3 if cubic else y, mi))
    return out


def discrete_channel(n: int, p_x: Any, channel: Any, *, random_state: Any = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Samples of a discrete memoryless channel, with the exact MI of its joint table.

    ``x ~ p_x`` over ``{0, ..., k - 1}`` and ``y | x ~ channel[x]`` over
    ``{0, ..., m - 1}``; ``I(X;Y) = sum p(x, y) log(p(x, y) / (p(x) p(y)))`` with
    ``p(x, y) = p_x[x] channel[x, y]``.

    Parameters
    ----------
    n : int
    p_x : array of shape (k,)
        Input distribution (non-negative, sums to 1).
    channel : array of shape (k, m)
        Transition matrix; each row sums to 1.
    random_state : None, int or numpy Generator

    Returns
    -------
    x, y : int64 arrays of shape (n,)
    true_mi : float, nats
    """
    from ..discrete import mutual_information_from_joint

    func = "discrete_channel"
    n = check_int(func, "n", n, 1)
    p = np.asarray(p_x, dtype=np.float64)
    w = np.asarray(channel, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not math.isclose(p.sum(), 1.0, abs_tol=1e-9):
        raise param_error(func, "p_x", "a 1-d array of probabilities summing to 1", p_x)
    if w.ndim != 2 or w.shape[0] != p.shape[0] or np.any(w < 0) or not np.allclose(w.sum(axis=1), 1.0, atol=1e-9):
        raise param_error(func, "channel", f"a ({p.shape[0]}, m) array of probabilities whose rows sum to 1", channel)
    rng = resolve_rng(random_state, func)
    x = rng.choice(p.shape[0], size=n, p=p)
    # Inverse-CDF draw of y from row x of the channel.
    cdf = np.cumsum(w, axis=1)
    cdf[:, -1] = 1.0
    y = (rng.random(n)[:, None] > cdf[x]).sum(axis=1)
    return x.astype(np.int64), y.astype(np.int64), float(mutual_information_from_joint(p[:, None] * w))


def symmetric_channel(
    n: int, *, k: int = 2, error: float = 0.1, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """k-ary symmetric channel with uniform input: y = x with probability 1 - error, else one of the other k - 1 symbols.

    ``I(X;Y) = log k - h(error) - error log(k - 1)`` nats, with h the binary entropy
    (k = 2 is the binary symmetric channel: ``log 2 - h(error)``).

    Returns
    -------
    x, y : int64 arrays of shape (n,)
    true_mi : float, nats
    """
    func = "symmetric_channel"
    k = check_int(func, "k", k, 2)
    error = check_float(func, "error", error, 0.0, 1.0)
    w = np.full((k, k), error / (k - 1))
    np.fill_diagonal(w, 1.0 - error)
    return discrete_channel(n, np.full(k, 1.0 / k), w, random_state=random_state)


def _mixture_args(func: str, weights: Any, means: Any, covariances: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.asarray(weights, dtype=np.float64)
    mu = np.asarray(means, dtype=np.float64)
    cov = np.asarray(covariances, dtype=np.float64)
    k = w.shape[0] if w.ndim == 1 else -1
    if w.ndim != 1 or k == 0 or np.any(w <= 0) or not math.isclose(w.sum(), 1.0, abs_tol=1e-9):
        raise param_error(func, "weights", "a 1-d array of positive weights summing to 1", weights)
    if mu.shape != (k, 2):
        raise param_error(func, "means", f"an array of shape ({k}, 2) (one (x, y) mean per component)", means)
    if cov.shape != (k, 2, 2) or not np.allclose(cov, np.swapaxes(cov, 1, 2)) or np.any(np.linalg.eigvalsh(cov) <= 0):
        raise param_error(
            func, "covariances", f"an array of shape ({k}, 2, 2) of symmetric positive-definite matrices", covariances
        )
    return w, mu, cov


def _normal_logpdf(z: np.ndarray, mean: float, var: float) -> np.ndarray:
    return -0.5 * (math.log(2 * math.pi * var) + (z - mean) ** 2 / var)


def gaussian_mixture(
    n: int,
    *,
    weights: Any = (0.5, 0.5),
    means: Any = ((-1.5, -1.5), (1.5, 1.5)),
    covariances: Any = (((1.0, 0.6), (0.6, 1.0)), ((1.0, -0.6), (-0.6, 1.0))),
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(x, y) in R^1 x R^1 drawn from a mixture of bivariate Gaussians, with MI by quadrature.

    ``p(x, y) = sum_k w_k N((x, y); m_k, S_k)``. The MI has no closed form; it is
    integrated on a 601 x 601 grid spanning 12 standard deviations around every
    component (the trapezoidal rule converges exponentially fast for such smooth,
    rapidly decaying integrands: error below 1e-8 nats).

    Parameters
    ----------
    n : int
    weights : array of shape (K,), default (0.5, 0.5)
    means : array of shape (K, 2), default ((-1.5, -1.5), (1.5, 1.5))
    covariances : array of shape (K, 2, 2)
        Default: unit variances with correlation +0.6 in the first component and
        -0.6 in the second, so the dependence is not monotone.
    random_state : None, int or numpy Generator

    Returns
    -------
    x, y : arrays of shape (n, 1)
    true_mi : float, nats
    """
    func = "gaussian_mixture"
    n = check_int(func, "n", n, 1)
    w, mu, cov = _mixture_args(func, weights, means, covariances)
    rng = resolve_rng(random_state, func)
    comp = rng.choice(w.shape[0], size=n, p=w)
    chol = np.linalg.cholesky(cov)
    z = mu[comp] + np.einsum("nij,nj->ni", chol[comp], rng.standard_normal((n, 2)))
    return z[:, :1], z[:, 1:], _mixture_mi(w.tobytes(), mu.tobytes(), cov.tobytes())


@functools.lru_cache(maxsize=32)
def _mixture_mi(w_bytes: bytes, mu_bytes: bytes, cov_bytes: bytes, points: int = _GRID_POINTS) -> float:
    """MI of a 1+1-d Gaussian mixture by the trapezoidal rule (cached by the parameters' bytes)."""
    w = np.frombuffer(w_bytes)
    mu = np.frombuffer(mu_bytes).reshape(-1, 2)
    cov = np.frombuffer(cov_bytes).reshape(-1, 2, 2)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))  # (K, 2)
    lo = (mu - _GRID_SDS * sd).min(axis=0)
    hi = (mu + _GRID_SDS * sd).max(axis=0)
    gx = np.linspace(lo[0], hi[0], points)
    gy = np.linspace(lo[1], hi[1], points)
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    inv = np.linalg.inv(cov)
    logdet = np.linalg.slogdet(cov)[1]
    comps = []
    for k in range(w.shape[0]):
        dx, dy = X - mu[k, 0], Y - mu[k, 1]
        quad = inv[k, 0, 0] * dx**2 + 2 * inv[k, 0, 1] * dx * dy + inv[k, 1, 1] * dy**2
        comps.append(math.log(w[k]) - math.log(2 * math.pi) - 0.5 * logdet[k] - 0.5 * quad)
    log_joint = logsumexp(np.stack(comps), axis=0)
    log_px = logsumexp(np.stack([math.log(w[k]) + _normal_logpdf(gx, mu[k, 0], cov[k, 0, 0]) for k in range(w.shape[0])]), axis=0)
    log_py = logsumexp(np.stack([math.log(w[k]) + _normal_logpdf(gy, mu[k, 1], cov[k, 1, 1]) for k in range(w.shape[0])]), axis=0)
    integrand = np.exp(log_joint) * (log_joint - log_px[:, None] - log_py[None, :])
    return float(trapezoid(trapezoid(integrand, gy, axis=1), gx))


def mixed_gaussian(
    n: int, *, n_classes: int = 4, sigma: float = 1.0, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Discrete x uniform on ``{0, ..., n_classes - 1}``, continuous ``y | x ~ N(x, sigma^2)``: mixed data.

    ``I(X;Y) = h(Y) - log(sigma sqrt(2 pi e))`` with h(Y) the differential entropy of
    the equal-weight Gaussian mixture, integrated on a fine grid (error below 1e-8
    nats). It tends to ``log(n_classes)`` as sigma -> 0 and to 0 as sigma grows.

    Returns
    -------
    x : int64 array of shape (n,)
    y : float array of shape (n, 1)
    true_mi : float, nats
    """
    func = "mixed_gaussian"
    n = check_int(func, "n", n, 1)
    k = check_int(func, "n_classes", n_classes, 2)
    sigma = check_float(func, "sigma", sigma, 0.0, lo_open=True)
    rng = resolve_rng(random_state, func)
    x = rng.integers(0, k, size=n)
    y = x + sigma * rng.standard_normal(n)
    grid = np.linspace(-_GRID_SDS * sigma, k - 1 + _GRID_SDS * sigma, 100 * _GRID_POINTS)
    log_p = logsumexp(np.stack([_normal_logpdf(grid, c, sigma**2) for c in range(k)]), axis=0) - math.log(k)
    h_y = -float(trapezoid(np.exp(log_p) * log_p, grid))
    return x.astype(np.int64), y[:, None], h_y - 0.5 * math.log(2 * math.pi * math.e * sigma**2)
