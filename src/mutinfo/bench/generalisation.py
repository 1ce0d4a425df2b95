"""A generalisation suite: 26 distributions with known MI that no rule of ``auto`` was shaped on.

The tasks are chosen for the blind spots of each estimator family rather than from any
published benchmark: X-shaped mixtures and scale mixtures (dependence with zero
correlation), waves, inlier noise, heteroscedastic and multiplicative noise, functions of
a norm, class-conditional Gaussians (mixed data: y holds integer labels), non-Gaussian
copulas with normal marginals, Cauchy noise, a heavy-tailed Student-t and a dense 50 + 50
Gaussian. Every truth is analytic, a quadrature, or a Monte-Carlo mean with exact
densities and a fixed seed; ``true_mi_error`` states its numerical error (a quadrature's
estimated error or a Monte-Carlo standard error) and ``how`` says how it was computed.

>>> from mutinfo.bench import generalisation as g
>>> tasks = g.suite()
>>> len(tasks), tasks[0].id, round(tasks[0].true_mi, 4)
(26, 'xshape-1-1-r0.9', 0.4084)
>>> x, y = tasks[0].sample(1000, seed=0)
>>> x.shape, y.shape
((1000, 1), (1000, 1))
>>> rows = g.run(tasks[:2], ["ksg"], n=2000, seeds=(0,))
>>> print(g.format_summary(rows))  # doctest: +SKIP

MI in nats throughout. Truths are cached (each costs well under a second or two).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy import special
from scipy.integrate import quad, trapezoid
from scipy.special import logsumexp

from .bmi import format_summary as format_summary
from .bmi import format_tasks as format_tasks
from .bmi import run_tasks
from .bmi import summary as summary

__all__ = ["Task", "suite", "run", "summary", "format_summary", "format_tasks", "format_truths", "DEFAULT_METHODS"]

Pair = tuple[np.ndarray, np.ndarray]

DEFAULT_METHODS = ("auto", "gaussian", "ksg", "smile")
# Monte-Carlo truths: draws and the fixed seed that makes them deterministic.
_MC_DRAWS = 400_000
_MC_SEED = 20240611
_LOG_2PI_E = math.log(2 * math.pi * math.e)


@dataclass(frozen=True)
class Task:
    """One distribution with known MI.

    Attributes
    ----------
    id : str
    dim_x, dim_y : int
        ``dim_y`` is 1 for the label of a mixed task.
    true_mi : float
        In nats.
    true_mi_error : float
        The stated numerical error of ``true_mi`` (nats): a quadrature's estimated error
        or one Monte-Carlo standard error.
    kind : {"continuous", "mixed"}
        "mixed": x continuous, y integer labels.
    sample : callable (n, seed) -> (x, y)
        x float64 of shape (n, dim_x); y float64 of shape (n, dim_y), or int64 of
        shape (n,) for a mixed task.
    how : str
        How the truth was computed.
    """

    id: str
    dim_x: int
    dim_y: int
    true_mi: float
    true_mi_error: float
    kind: str
    sample: Callable[[int, int], Pair] = field(repr=False, compare=False)
    how: str = ""

    @property
    def dims(self) -> str:
        return f"{self.dim_x}+{self.dim_y}"

    @property
    def discrete(self) -> Any:
        return (False, True) if self.kind == "mixed" else False


# ---------------------------------------------------------------------------------------
# Shared numerical pieces


def _log_normal(z: np.ndarray, mean: Any = 0.0, sd: Any = 1.0) -> np.ndarray:
    return -0.5 * ((z - mean) / sd) ** 2 - np.log(sd) - 0.5 * math.log(2 * math.pi)


def _entropy_grid(log_p: np.ndarray, grid: np.ndarray, jac: np.ndarray | None = None) -> float:
    """-int p log p on a grid (trapezoid); ``jac`` is dy/dt when the grid is of a transformed variable t."""
    p = np.exp(log_p)
    integrand = np.where(p > 0, -p * log_p, 0.0)
    if jac is not None:
        integrand = integrand * jac
    return float(trapezoid(integrand, grid))


def _mixture_log_density(y: np.ndarray, nodes: np.ndarray, log_w: np.ndarray, kernel: Callable, chunk: int = 256) -> np.ndarray:
    """log sum_j exp(log_w_j) k(y | node_j) for every y, in chunks of y (k returns a log density)."""
    out = np.empty(y.shape[0])
    for s in range(0, y.shape[0], chunk):
        yy = y[s : s + chunk, None]
        out[s : s + chunk] = logsumexp(log_w[None, :] + kernel(yy, nodes[None, :]), axis=1)
    return out


def _binary_entropy_of_logit(t: np.ndarray) -> np.ndarray:
    """Entropy (nats) of a Bernoulli with log-odds t, stable for large |t|."""
    a = np.abs(t)
    # H = log(1 + e^-a) + a e^-a / (1 + e^-a)
    return np.log1p(np.exp(-a)) + a * special.expit(-a)


def _mc(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.shape[0]))


def _wrapped_normal(t: np.ndarray, period: float) -> np.ndarray:
    k = np.arange(-int(12 / period) - 2, int(12 / period) + 3)
    return np.exp(_log_normal(t[:, None] + k[None, :] * period)).sum(axis=1)


# ---------------------------------------------------------------------------------------
# 1-3. X-shapes: 0.5 N(0, [[I, rI], [rI, I]]) + 0.5 N(0, [[I, -rI], [-rI, I]])


@functools.lru_cache(maxsize=None)
def _xshape_quadrature(r: float, points: int = 1201, half_width: float = 9.0) -> float:
    """MI of the 1+1-D X-shape on a 2-D grid: log 2 pi e - h(X, Y) (both marginals are N(0, 1))."""
    g = np.linspace(-half_width, half_width, points)
    a, b = np.meshgrid(g, g, indexing="ij")
    q = 1.0 - r * r
    base = -math.log(2 * math.pi) - 0.5 * math.log(q) - (a * a + b * b) / (2 * q)
    log_joint = base + np.logaddexp(r * a * b / q, -r * a * b / q) - math.log(2.0)
    log_marg = _log_normal(a) + _log_normal(b)
    integrand = np.exp(log_joint) * (log_joint - log_marg)
    return float(trapezoid(trapezoid(integrand, g, axis=1), g))


@functools.lru_cache(maxsize=None)
def _xshape_mc(d: int, r: float, seed: int = _MC_SEED, draws: int = _MC_DRAWS) -> tuple[float, float]:
    """I = d * (-1/2 log(1 - r^2)) - log 2 + H(S | X, Y), S the shared sign; H(S|X,Y) by Monte Carlo.

    Given (x, y) the log-odds of S = + against S = - is 2 r sum_i x_i y_i / (1 - r^2).
    """
    rng = np.random.default_rng([seed, d])
    x, y = _xshape_draw(rng, draws, d, r)
    logit = 2 * r * (x * y).sum(axis=1) / (1 - r * r)
    h, se = _mc(_binary_entropy_of_logit(logit))
    return -0.5 * d * math.log1p(-r * r) - math.log(2.0) + h, se


def _xshape_draw(rng: np.random.Generator, n: int, d: int, r: float) -> Pair:
    x = rng.standard_normal((n, d))
    sign = np.where(rng.random((n, 1)) < 0.5, 1.0, -1.0)
    y = sign * r * x + math.sqrt(1 - r * r) * rng.standard_normal((n, d))
    return x, y


def _xshape_task(d: int, r: float) -> Task:
    def sample(n: int, seed: int) -> Pair:
        return _xshape_draw(np.random.default_rng(seed), n, d, r)

    if d == 1:
        mi, err = _xshape_quadrature(r), 1e-6
        how = "2-D trapezoid, 1201^2 grid on [-9, 9]^2"
    else:
        mi, err = _xshape_mc(d, r)
        how = f"d(-1/2 log(1-r^2)) - log 2 + H(sign | x, y), MC {_MC_DRAWS} draws"
    return Task(f"xshape-{d}-{d}-r{r:g}", d, d, mi, err, "continuous", sample, how)


# ---------------------------------------------------------------------------------------
# 4-6. Scale mixtures: X | Y ~ N(0, exp(a Y) I_d). I(X;Y) = I(Y; log|X|^2) with
# log|X|^2 = a Y + W, W = log chi2_d independent of Y.


def _log_chi2_logpdf(w: np.ndarray, d: int) -> np.ndarray:
    """Log density of W = log(chi2_d)."""
    return 0.5 * d * w - 0.5 * np.exp(w) - 0.5 * d * math.log(2.0) - special.gammaln(0.5 * d)


def _log_chi2_entropy(d: int) -> float:
    """h(log chi2_d) = log G(d/2) - d/2 psi(d/2) + d/2."""
    return float(special.gammaln(0.5 * d) - 0.5 * d * special.digamma(0.5 * d) + 0.5 * d)


@functools.lru_cache(maxsize=None)
def _scale_mixture_mi(d: int, a: float, h: float = 0.005) -> float:
    """h(a Y + W) - h(W): the density of a Y + W is the convolution of N(0, a^2) with the log-chi2 density (grids)."""
    w = np.arange(-40.0, 8.0, h)
    log_f = _log_chi2_logpdf(w, d)
    keep = log_f > log_f.max() - 80
    w, log_f = w[keep], log_f[keep]
    v = np.arange(w[0] - 12 * a, w[-1] + 12 * a, 2 * h)
    log_g = _mixture_log_density(v, w, log_f + math.log(h), lambda vv, ww: _log_normal(vv, ww, a))
    return _entropy_grid(log_g, v) - _log_chi2_entropy(d)


def _scale_mixture_task(d: int, a: float) -> Task:
    def sample(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        y = rng.standard_normal((n, 1))
        x = np.exp(0.5 * a * y) * rng.standard_normal((n, d))
        return x, y

    how = "I(Y; log|X|^2) = h(aY + log chi2_d) - h(log chi2_d): 1-D convolution on a grid, h(log chi2) analytic"
    return Task(f"scale-mixture-{d}-1-a{a:g}", d, 1, _scale_mixture_mi(d, a), 1e-6, "continuous", sample, how)


@functools.lru_cache(maxsize=None)
def _radius_classes_mi(d: int, radii: tuple[float, ...], h: float = 0.002) -> float:
    """Labels uniform on ``radii``; X | c ~ N(0, c^2 I_d). I = I(c; log|X|^2), 1-D quadrature in u = log|X|^2."""
    u = np.arange(-40.0, 12.0, h)
    # log density of u given class c: u = 2 log c + W.
    logs = np.stack([_log_chi2_logpdf(u - 2 * math.log(c), d) for c in radii])
    log_mix = logsumexp(logs, axis=0) - math.log(len(radii))
    return float(np.mean([trapezoid(np.exp(lc) * (lc - log_mix), u) for lc in logs]))


def _radius_classes_task(d: int = 5, radii: tuple[float, ...] = (1.0, 2.0, 3.0)) -> Task:
    def sample(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        c = rng.integers(0, len(radii), size=n)
        x = np.asarray(radii)[c, None] * rng.standard_normal((n, d))
        return x, (c + 1).astype(np.int64)

    how = "I(label; log|X|^2), 1-D trapezoid (scaled log-chi2 densities)"
    return Task(f"radius-classes-{d}-{len(radii)}", d, 1, _radius_classes_mi(d, radii), 1e-6, "mixed", sample, how)


# ---------------------------------------------------------------------------------------
# 7-8, 12, 15, 16, 23: additive-noise channels Y = f(X) + s(X) e with h(Y | X) analytic and
# h(Y) from the 1-D density of Y on a grid.


@functools.lru_cache(maxsize=None)
def _wave1_mi(freq: float, noise: float, m: int = 512) -> float:
    """Y = sin(freq X) + noise e: p(y) over one period of x with the wrapped-normal weight (periodic trapezoid)."""
    period = 2 * math.pi / freq
    t = np.arange(m) * period / m
    log_w = np.log(_wrapped_normal(t, period) * period / m)
    y = np.linspace(-1 - 12 * noise, 1 + 12 * noise, 4001)
    log_p = _mixture_log_density(y, np.sin(freq * t), log_w, lambda yy, f: _log_normal(yy, f, noise))
    return _entropy_grid(log_p, y) - 0.5 * _LOG_2PI_E - math.log(noise)


@functools.lru_cache(maxsize=None)
def _wave2_mi(freq: float, noise: float, m: int = 160) -> float:
    """Y = sin(freq X1) cos(freq X2) + noise e, X ~ N(0, I_2): periodic trapezoid on one period in each of x1, x2."""
    period = 2 * math.pi / freq
    t = np.arange(m) * period / m
    w = _wrapped_normal(t, period) * period / m
    f = (np.sin(freq * t)[:, None] * np.cos(freq * t)[None, :]).ravel()
    log_w = np.log(np.outer(w, w).ravel())
    y = np.linspace(-1 - 12 * noise, 1 + 12 * noise, 1601)
    log_p = _mixture_log_density(y, f, log_w, lambda yy, ff: _log_normal(yy, ff, noise), chunk=32)
    return _entropy_grid(log_p, y) - 0.5 * _LOG_2PI_E - math.log(noise)


def _wave_tasks() -> list[Task]:
    def sample1(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 1))
        return x, np.sin(3 * x) + 0.3 * rng.standard_normal((n, 1))

    def sample2(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 2))
        return x, (np.sin(2 * x[:, 0]) * np.cos(2 * x[:, 1]) + 0.2 * rng.standard_normal(n))[:, None]

    how1 = "h(Y) - h(noise); p(y) by periodic trapezoid over x (wrapped normal), h(Y) by trapezoid"
    how2 = "h(Y) - h(noise); p(y) by 2-D periodic trapezoid over (x1, x2), h(Y) by trapezoid"
    return [
        Task("wave-1-1", 1, 1, _wave1_mi(3.0, 0.3), 1e-6, "continuous", sample1, how1),
        Task("wave-2-1", 2, 1, _wave2_mi(2.0, 0.2), 1e-5, "continuous", sample2, how2),
    ]


def _gauss_legendre_panels(lo: float, hi: float, width: float, order: int = 8) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(lo, hi, int(math.ceil((hi - lo) / width)) + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    return (mid[:, None] + half[:, None] * nodes).ravel(), (half[:, None] * weights).ravel()


def _heteroscedastic_log_py(y: np.ndarray, base: float) -> np.ndarray:
    """log p(y) of Y = X + (base + |X|) e: Gauss-Legendre panels on each side of the kink at x = 0."""
    xs, ws = [], []
    for lo, hi in ((-9.0, 0.0), (0.0, 9.0)):
        x, w = _gauss_legendre_panels(lo, hi, 0.02)
        xs.append(x)
        ws.append(w)
    x, w = np.concatenate(xs), np.concatenate(ws)
    log_w = np.log(w) + _log_normal(x)
    s = base + np.abs(x)
    return _mixture_log_density(y, np.arange(x.shape[0]), log_w, lambda yy, j: _log_normal(yy, x[j], s[j]))


@functools.lru_cache(maxsize=None)
def _heteroscedastic_mi(base: float) -> float:
    t = np.linspace(-5.5, 5.5, 2201)
    y, jac = 0.5 * np.sinh(t), 0.5 * np.cosh(t)
    h_y = _entropy_grid(_heteroscedastic_log_py(y, base), t, jac)
    # h(Y | X) = 1/2 log 2 pi e + E log(base + |X|)
    e_log = 2 * quad(lambda x: math.log(base + x) * math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi), 0, np.inf, epsabs=1e-12)[0]
    return h_y - 0.5 * _LOG_2PI_E - e_log


@functools.lru_cache(maxsize=None)
def _norm2_mi(d: int, noise: float, h: float = 0.02) -> float:
    """Y = |X|^2 + noise e, X ~ N(0, I_d): p(y) = int chi2_d(s) N(y; s, noise^2) ds (trapezoid from s = 0)."""
    s = np.arange(h, d + 20.0 * math.sqrt(2.0 * d), h)
    log_w = (0.5 * d - 1) * np.log(s) - 0.5 * s - 0.5 * d * math.log(2.0) - special.gammaln(0.5 * d) + math.log(h)
    y = np.arange(-12 * noise, s[-1] + 12 * noise, 0.05)
    log_p = _mixture_log_density(y, s, log_w, lambda yy, ss: _log_normal(yy, ss, noise))
    return _entropy_grid(log_p, y) - 0.5 * _LOG_2PI_E - math.log(noise)


@functools.lru_cache(maxsize=None)
def _norm_mi(d: int, noise: float, h: float = 0.004) -> float:
    """Y = |X| + noise e, X ~ N(0, I_d): p(y) = int chi_d(r) N(y; r, noise^2) dr (trapezoid from r = 0)."""
    r = np.arange(h, 12.0, h)
    log_w = (d - 1) * np.log(r) - 0.5 * r * r - (0.5 * d - 1) * math.log(2.0) - special.gammaln(0.5 * d) + math.log(h)
    y = np.arange(-12 * noise, r[-1] + 12 * noise, 0.004)
    log_p = _mixture_log_density(y, r, log_w, lambda yy, rr: _log_normal(yy, rr, noise))
    return _entropy_grid(log_p, y) - 0.5 * _LOG_2PI_E - math.log(noise)


def _norm_tasks() -> list[Task]:
    def sample2(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 10))
        return x, ((x * x).sum(axis=1) + 2.0 * rng.standard_normal(n))[:, None]

    def sample1(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 3))
        return x, (np.sqrt((x * x).sum(axis=1)) + 0.2 * rng.standard_normal(n))[:, None]

    return [
        Task("norm2-10-1", 10, 1, _norm2_mi(10, 2.0), 1e-6, "continuous", sample2, "h(Y) - h(noise); p(y) = chi2_10 * N(0, 4)"),
        Task("norm-3-1", 3, 1, _norm_mi(3, 0.2), 1e-6, "continuous", sample1, "h(Y) - h(noise); p(y) = chi_3 * N(0, 0.04)"),
    ]


def _heteroscedastic_task() -> Task:
    def sample(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 1))
        return x, x + (0.1 + np.abs(x)) * rng.standard_normal((n, 1))

    how = "h(Y) - 1/2 log 2 pi e - E log(0.1 + |X|); p(y) by Gauss-Legendre over x, h(Y) by trapezoid in asinh(2y)"
    return Task("heteroscedastic-1-1", 1, 1, _heteroscedastic_mi(0.1), 1e-6, "continuous", sample, how)


@functools.lru_cache(maxsize=None)
def _cauchy_noise_mi(scale: float) -> tuple[float, float]:
    """Y = X + scale * Cauchy, X ~ N(0, 1): h(Y) of the Voigt profile by quad, h(Y | X) = log(4 pi scale)."""

    def integrand(y: float) -> float:
        p = special.voigt_profile(y, 1.0, scale)
        return -p * math.log(p) if p > 0 else 0.0

    total, err = 0.0, 0.0
    for lo, hi in ((0.0, 5.0), (5.0, 50.0), (50.0, np.inf)):
        v, e = quad(integrand, lo, hi, epsabs=1e-12, epsrel=1e-12, limit=200)
        total, err = total + v, err + e
    return 2 * total - math.log(4 * math.pi * scale), 2 * err + 1e-9


def _cauchy_task(scale: float = 0.5) -> Task:
    def sample(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 1))
        return x, x + scale * rng.standard_cauchy((n, 1))

    mi, err = _cauchy_noise_mi(scale)
    return Task("cauchy-noise-1-1", 1, 1, mi, max(err, 1e-8), "continuous", sample, "h(Voigt) by adaptive quad - log(4 pi c)")


# ---------------------------------------------------------------------------------------
# 13-14. Multiplicative noise Y = X e.


@functools.lru_cache(maxsize=None)
def _product_normal_mi() -> float:
    """X, e ~ N(0, 1), Y = X e: p(y) = K0(|y|) / pi.

    h(Y | X) = 1/2 log 2 pi e + E log|X| = 1/2 log 2 pi e - (gamma + log 2) / 2.
    """
    t = np.linspace(-40.0, math.log(60.0), 40001)
    y = np.exp(t)
    log_p = np.log(special.k0e(y)) - y - math.log(math.pi)
    h_y = 2 * _entropy_grid(log_p, t, y)
    return h_y - 0.5 * _LOG_2PI_E + 0.5 * (np.euler_gamma + math.log(2.0))


def _product_uniform_log_py(y: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """X ~ U(lo, hi), Y = X e: p(y) = (E1(y^2 / 2 hi^2) - E1(y^2 / 2 lo^2)) / (2 (hi - lo) sqrt(2 pi))."""
    z = 0.5 * y * y
    return np.log(special.exp1(z / hi**2) - special.exp1(z / lo**2)) - math.log(2 * (hi - lo) * math.sqrt(2 * math.pi))


@functools.lru_cache(maxsize=None)
def _product_uniform_mi(lo: float, hi: float) -> float:
    t = np.linspace(-30.0, math.log(14 * hi), 30001)
    y = np.exp(t)
    log_p = _product_uniform_log_py(y, lo, hi)
    h_y = 2 * _entropy_grid(log_p, t, y)
    e_log_x = (hi * math.log(hi) - hi - lo * math.log(lo) + lo) / (hi - lo)
    return h_y - 0.5 * _LOG_2PI_E - e_log_x


def _product_tasks(lo: float = 0.1, hi: float = 3.0) -> list[Task]:
    def sample1(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 1))
        return x, x * rng.standard_normal((n, 1))

    def sample2(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.uniform(lo, hi, (n, 1))
        return x, x * rng.standard_normal((n, 1))

    return [
        Task(
            "product-normal-1-1", 1, 1, _product_normal_mi(), 1e-7, "continuous", sample1,
            "h(K0(|y|)/pi) by trapezoid in log|y|; h(Y|X) analytic",
        ),
        Task(
            f"product-uniform{lo:g}-{hi:g}-1-1", 1, 1, _product_uniform_mi(lo, hi), 1e-7, "continuous", sample2,
            "p(y) closed form (exponential integrals), h(Y) by trapezoid in log|y|; h(Y|X) analytic",
        ),
    ]


# ---------------------------------------------------------------------------------------
# 9-11. Inlier noise: (1 - alpha) N(0, Sigma) + alpha N(0, I), both with N(0, I) marginals.


@functools.lru_cache(maxsize=None)
def _inliers_mi(rhos: tuple[float, ...], alpha: float, seed: int = _MC_SEED, draws: int = _MC_DRAWS) -> tuple[float, float]:
    """E log((1 - alpha) r(x, y) + alpha), r the Gaussian density ratio of the correlated pairs; stratified MC by component."""
    rho = np.asarray(rhos)
    rng = np.random.default_rng([seed, len(rhos), int(alpha * 1000)])

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        q = 1 - rho * rho
        log_r = (-0.5 * np.log(q) - (rho * rho * (x * x + y * y) - 2 * rho * x * y) / (2 * q)).sum(axis=1)
        return np.logaddexp(math.log1p(-alpha) + log_r, math.log(alpha))

    x = rng.standard_normal((draws, rho.size))
    y = rho * x + np.sqrt(1 - rho * rho) * rng.standard_normal((draws, rho.size))
    m1, s1 = _mc(f(x, y))
    m0, s0 = _mc(f(rng.standard_normal((draws, rho.size)), rng.standard_normal((draws, rho.size))))
    return (1 - alpha) * m1 + alpha * m0, math.hypot((1 - alpha) * s1, alpha * s0)


def _inliers_task(d: int, rhos: tuple[float, ...], alpha: float) -> Task:
    rho = np.zeros(d)
    rho[: len(rhos)] = rhos

    def sample(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, d))
        y = rho * x + np.sqrt(1 - rho * rho) * rng.standard_normal((n, d))
        out = rng.random(n) < alpha
        x[out] = rng.standard_normal((int(out.sum()), d))
        y[out] = rng.standard_normal((int(out.sum()), d))
        return x, y

    mi, err = _inliers_mi(tuple(rhos), alpha)
    how = f"E log p(x,y)/p(x)p(y) with the exact mixture density, stratified MC {2 * _MC_DRAWS} draws"
    return Task(f"inliers-{d}-{d}-a{alpha:g}", d, d, mi, err, "continuous", sample, how)


# ---------------------------------------------------------------------------------------
# 17-18. Class-conditional Gaussians (mixed: y = class label).


@functools.lru_cache(maxsize=None)
def _classes_1d_mi(means: tuple[float, ...]) -> float:
    x = np.linspace(min(means) - 14, max(means) + 14, 28001)
    log_p = logsumexp(np.stack([_log_normal(x, m) for m in means]), axis=0) - math.log(len(means))
    return _entropy_grid(log_p, x) - 0.5 * _LOG_2PI_E


def _sphere_means(k: int, d: int, radius: float, seed: int = 7) -> np.ndarray:
    g = np.random.default_rng(seed).standard_normal((k, d))
    return radius * g / np.linalg.norm(g, axis=1, keepdims=True)


def _class_posterior_entropy(x: np.ndarray, means: np.ndarray) -> np.ndarray:
    logits = -0.5 * ((x[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)
    log_post = logits - logsumexp(logits, axis=1, keepdims=True)
    return -(np.exp(log_post) * log_post).sum(axis=1)


@functools.lru_cache(maxsize=None)
def _classes_sphere_mi(k: int, d: int, radius: float, seed: int = _MC_SEED, draws: int = _MC_DRAWS) -> tuple[float, float]:
    """log k - E H(class | x), stratified over the k classes."""
    means = _sphere_means(k, d, radius)
    rng = np.random.default_rng([seed, k, d])
    per = draws // k
    ms, ss = zip(*(_mc(_class_posterior_entropy(means[c] + rng.standard_normal((per, d)), means)) for c in range(k)))
    return math.log(k) - float(np.mean(ms)), float(np.sqrt(np.sum(np.square(ss))) / k)


def _classes_tasks() -> list[Task]:
    mu1 = (0.0, 1.5, 3.0, 4.5)
    means5 = _sphere_means(8, 5, 2.0)

    def sample1(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        c = rng.integers(0, 4, size=n)
        return (np.asarray(mu1)[c] + rng.standard_normal(n))[:, None], c.astype(np.int64)

    def sample2(n: int, seed: int) -> Pair:
        rng = np.random.default_rng(seed)
        c = rng.integers(0, 8, size=n)
        return means5[c] + rng.standard_normal((n, 5)), c.astype(np.int64)

    mi2, err2 = _classes_sphere_mi(8, 5, 2.0)
    return [
        Task("classes-1-4", 1, 1, _classes_1d_mi(mu1), 1e-8, "mixed", sample1, "h(X) of the mixture by trapezoid - h(N(0,1))"),
        Task("classes-5-8-sphere2", 5, 1, mi2, err2, "mixed", sample2, f"log 8 - E H(class | x), MC {_MC_DRAWS} draws"),
    ]


# ---------------------------------------------------------------------------------------
# 19-22. Copulas with N(0, 1) marginals. MI = E log c(U, V), integrated in normal scores.


def _copula_log_density(family: str, theta: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log c(Phi(a), Phi(b)) in a numerically stable form."""
    lu, lv = special.log_ndtr(a), special.log_ndtr(b)
    if family == "clayton":
        s = np.expm1(-theta * lu) + np.expm1(-theta * lv) + 1.0
        return math.log1p(theta) - (theta + 1) * (lu + lv) - (2 + 1 / theta) * np.log(s)
    if family == "frank":
        u, v = np.exp(lu), np.exp(lv)
        d = -math.expm1(-theta)
        den = d - (-np.expm1(-theta * u)) * (-np.expm1(-theta * v))
        return math.log(theta * d) - theta * (u + v) - 2 * np.log(den)
    if family == "gumbel":
        lx, ly = np.log(-lu), np.log(-lv)  # log(-log u), log(-log v)
        log_a = np.logaddexp(theta * lx, theta * ly)
        a_inv = np.exp(log_a / theta)  # A^(1/theta)
        return (
            -a_inv - lu - lv + (theta - 1) * (lx + ly) + (2 / theta - 2) * log_a + np.log1p((theta - 1) / a_inv)
        )
    raise ValueError(family)


@functools.lru_cache(maxsize=None)
def _copula_quadrature(family: str, theta: float, h: float = 0.01, half_width: float = 8.5) -> float:
    """int int phi(a) phi(b) c log c da db on a grid of normal scores (row blocks keep memory small)."""
    g = np.arange(-half_width, half_width + h / 2, h)
    log_phi = _log_normal(g)
    rows = []
    for s in range(0, g.size, 200):
        a = g[s : s + 200, None]
        lc = _copula_log_density(family, theta, a, g[None, :])
        rows.append(trapezoid(np.exp(log_phi[s : s + 200, None] + log_phi[None, :] + lc) * lc, g, axis=1))
    return float(trapezoid(np.concatenate(rows), g))


def _copula_draw(family: str, theta: float, rng: np.random.Generator, n: int) -> Pair:
    """Normal scores (a, b) of a copula draw: conditional inversion (Clayton, Frank) or Marshall-Olkin (Gumbel)."""
    if family == "gumbel":
        alpha = 1.0 / theta
        # Positive stable S with E exp(-t S) = exp(-t^alpha): Kanter / Chambers-Mallows-Stuck.
        th = rng.uniform(0.0, math.pi, n)
        w = rng.exponential(1.0, n)
        s = (np.sin(alpha * th) / np.sin(th) ** (1 / alpha)) * (np.sin((1 - alpha) * th) / w) ** ((1 - alpha) / alpha)
        z = (rng.exponential(1.0, (n, 2)) / s[:, None]) ** alpha  # -log U_i
        # U = exp(-z); normal score from whichever tail is computed exactly.
        u, one_minus_u = np.exp(-z), -np.expm1(-z)
        scores = np.where(u < 0.5, special.ndtri(u), -special.ndtri(one_minus_u))
        return scores[:, :1], scores[:, 1:]
    u = rng.random(n)
    w = rng.random(n)
    if family == "clayton":
        v = (u ** (-theta) * (w ** (-theta / (1 + theta)) - 1) + 1) ** (-1 / theta)
    elif family == "frank":
        v = -np.log1p(w * np.expm1(-theta) / (w + (1 - w) * np.exp(-theta * u))) / theta
    else:
        raise ValueError(family)
    return special.ndtri(u)[:, None], special.ndtri(v)[:, None]


@functools.lru_cache(maxsize=None)
def _copula_mc(family: str, theta: float, seed: int = _MC_SEED, draws: int = _MC_DRAWS) -> tuple[float, float]:
    """E log c under the copula's own sampler (the cross-check of the quadrature)."""
    a, b = _copula_draw(family, theta, np.random.default_rng([seed, int(theta * 100)]), draws)
    return _mc(_copula_log_density(family, theta, a[:, 0], b[:, 0]))


def _copula_task(family: str, theta: float) -> Task:
    def sample(n: int, seed: int) -> Pair:
        return _copula_draw(family, theta, np.random.default_rng(seed), n)

    fine = _copula_quadrature(family, theta)
    err = max(abs(fine - _copula_quadrature(family, theta, h=0.02)), 1e-6)
    how = "E log c: trapezoid on a 0.01 grid of normal scores on [-8.5, 8.5]^2 (error: |h - 2h|); MC cross-check in tests"
    return Task(f"{family}-{theta:g}", 1, 1, fine, err, "continuous", sample, how)


# ---------------------------------------------------------------------------------------
# 24-26. Closed forms and the existing mixture.


def _student_task(df: float = 1.0, rho: float = 0.6, dim: int = 2) -> Task:
    from ..datasets import student_t, student_t_mi

    def sample(n: int, seed: int) -> Pair:
        x, y, _ = student_t(n, dim=dim, df=df, rho=rho, random_state=seed)
        return x, y

    mi = student_t_mi(df, rho, dim)
    return Task(f"student-df{df:g}-{dim}-{dim}-rho{rho:g}", dim, dim, mi, 0.0, "continuous", sample, "closed form")


@functools.lru_cache(maxsize=None)
def _dense_gaussian_cov(d: int = 50, target: float = 2.0, seed: int = 11) -> np.ndarray:
    """Joint covariance of x ~ N(0, Sxx), y = B x + e, e ~ N(0, See), Sxx and See random, B dense and scaled to ``target`` MI."""
    from scipy.optimize import brentq

    rng = np.random.default_rng(seed)

    def spd(m: int) -> np.ndarray:
        a = rng.standard_normal((m, m))
        s = a @ a.T / m + 0.5 * np.eye(m)
        sd = np.sqrt(np.diag(s))
        return s / np.outer(sd, sd)

    sxx, see = spd(d), spd(d)
    g = rng.standard_normal((d, d)) / d

    def joint(c: float) -> np.ndarray:
        b = c * g
        sxy = sxx @ b.T
        return np.block([[sxx, sxy], [sxy.T, b @ sxx @ b.T + see]])

    c = brentq(lambda c: _gaussian_mi_of(joint(c), d) - target, 1e-3, 50.0, xtol=1e-12)
    return joint(c)


def _gaussian_mi_of(cov: np.ndarray, dx: int) -> float:
    ld = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    return float(0.5 * (ld(cov[:dx, :dx]) + ld(cov[dx:, dx:]) - ld(cov)))


def _dense_gaussian_task(d: int = 50) -> Task:
    cov = _dense_gaussian_cov(d)
    chol = np.linalg.cholesky(cov)

    def sample(n: int, seed: int) -> Pair:
        z = np.random.default_rng(seed).standard_normal((n, 2 * d)) @ chol.T
        return z[:, :d], z[:, d:]

    how = "closed form 1/2 (logdet Sxx + logdet Syy - logdet S), random covariance (seed 11)"
    return Task(f"dense-gaussian-{d}-{d}", d, d, _gaussian_mi_of(cov, d), 1e-10, "continuous", sample, how)


def _gaussian_mixture_task() -> Task:
    from ..datasets import gaussian_mixture

    def sample(n: int, seed: int) -> Pair:
        x, y, _ = gaussian_mixture(n, random_state=seed)
        return x, y

    truth = gaussian_mixture(1, random_state=0)[2]
    how = "mutinfo.datasets.gaussian_mixture (601^2 trapezoid)"
    return Task("gaussian-mixture-1-1", 1, 1, truth, 1e-8, "continuous", sample, how)


# ---------------------------------------------------------------------------------------
# The suite, the runner and the truths table


@functools.lru_cache(maxsize=1)
def _suite() -> tuple[Task, ...]:
    tasks = [
        _xshape_task(1, 0.9),
        _xshape_task(3, 0.8),
        _xshape_task(5, 0.8),
        _scale_mixture_task(5, 2.0),
        _scale_mixture_task(25, 1.0),
        _radius_classes_task(),
        *_wave_tasks(),
        _inliers_task(3, (0.9, 0.9), 0.2),
        _inliers_task(3, (0.9, 0.9), 0.5),
        _inliers_task(5, (0.85, 0.85, 0.85), 0.3),
        _heteroscedastic_task(),
        *_product_tasks(),
        *_norm_tasks(),
        *_classes_tasks(),
        _copula_task("clayton", 2.0),
        _copula_task("frank", 8.0),
        _copula_task("gumbel", 2.0),
        _copula_task("gumbel", 4.0),
        _cauchy_task(),
        _student_task(),
        _dense_gaussian_task(),
        _gaussian_mixture_task(),
    ]
    return tuple(tasks)


def suite(ids: Sequence[str] | None = None) -> list[Task]:
    """The 26 tasks (or those named in ``ids``, in that order). Truths are computed once and cached."""
    tasks = list(_suite())
    if ids is None:
        return tasks
    by_id = {t.id: t for t in tasks}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise KeyError(f"unknown generalisation task(s) {unknown}; known: {', '.join(by_id)}")
    return [by_id[i] for i in ids]


def run(
    tasks: Sequence[Task],
    methods: Sequence[str] = DEFAULT_METHODS,
    *,
    n: int = 5000,
    seeds: Sequence[int] = (0, 1, 2),
    show_progress: bool | None = None,
) -> list[dict[str, Any]]:
    """Every method on every task and seed, on the same samples; one row per (seed, task, method).

    Returns
    -------
    list of dict
        Keys: task, dims, kind, n, seed, method, true_mi, estimate (NaN when the method
        failed), seconds, cpu_seconds, note (the error of a failure, else ""). The rows fit
        :func:`summary` and :func:`format_summary` (those of :mod:`mutinfo.bench.bmi`).

    Raises
    ------
    UnknownMethodError
        Before any work, for a method name the registry does not know. A method that
        fails on a task (say, one that cannot take mixed data) is a NaN row instead.
    """
    import mutinfo as mi

    from .. import _registry

    params: dict[str, dict[str, Any]] = {}
    for m in methods:
        params[m] = {}
        if m != "auto" and _registry.get_method(m, "mutinfo.bench.generalisation.run").family == "neural":
            params[m]["progress"] = False

    def estimate(seed: int, task: Task, method: str, x: np.ndarray, y: np.ndarray) -> float:
        return mi.mutual_information(x, y, method=method, discrete=task.discrete, random_state=seed, **params[method])

    return run_tasks(
        tasks, methods, estimate, n=n, seeds=seeds, desc="bench generalisation", show_progress=show_progress,
        extra=lambda task: {"kind": task.kind},
    )


def format_truths(tasks: Sequence[Task] | None = None) -> str:
    """Markdown table of the tasks: id, dims, kind, true MI, its stated error and how it was computed."""
    tasks = suite() if tasks is None else tasks
    lines = ["| task | dims | kind | true MI (nats) | error | how |", "|---|---|---|---|---|---|"]
    lines += [f"| {t.id} | {t.dims} | {t.kind} | {t.true_mi:.4f} | {t.true_mi_error:.1e} | {t.how} |" for t in tasks]
    return "\n".join(lines) + "\n"
