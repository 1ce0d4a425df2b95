"""The truths of the generalisation suite, checked against each task's own sampler.

For every task with an exact density, the mean of log p(x, y) / (p(x) p(y)) over draws of
the task's sampler (a seed the truth did not use; densities written here independently of
the module, with scipy.stats where it has them) must agree with the stated truth within
four combined standard errors. Copulas are integrated two ways; closed forms are checked
against a second closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats
from scipy.integrate import quad, trapezoid
from scipy.interpolate import CubicSpline
from scipy.special import logsumexp

from mutinfo._errors import UnknownMethodError
from mutinfo.bench import generalisation as g

N_CHECK = 200_000
SEED = 987_654


@pytest.fixture(scope="module")
def tasks() -> dict[str, g.Task]:
    return {t.id: t for t in g.suite()}


def test_suite_has_26_distinct_tasks_in_range(tasks: dict[str, g.Task]) -> None:
    assert len(tasks) == 26
    assert len({round(t.true_mi, 4) for t in tasks.values()}) == 26
    for t in tasks.values():
        assert t.kind in ("continuous", "mixed")
        assert 0.2 <= t.true_mi <= 2.5, t.id
        assert 0.0 <= t.true_mi_error <= 0.003, t.id
        assert t.how
    assert sum(t.kind == "mixed" for t in tasks.values()) == 3


def test_samplers_shapes_dtypes_and_seeds(tasks: dict[str, g.Task]) -> None:
    for t in tasks.values():
        x, y = t.sample(50, 3)
        x2, y2 = t.sample(50, 3)
        x3, _ = t.sample(50, 4)
        assert x.dtype == np.float64 and x.shape == (50, t.dim_x), t.id
        if t.kind == "mixed":
            assert y.dtype == np.int64 and y.shape == (50,), t.id
        else:
            assert y.dtype == np.float64 and y.shape == (50, t.dim_y), t.id
        assert np.all(np.isfinite(x)) and np.all(np.isfinite(y)), t.id
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)
        assert not np.array_equal(x, x3), t.id


def test_suite_selects_by_id_and_rejects_unknown() -> None:
    assert [t.id for t in g.suite(["wave-1-1", "frank-8"])] == ["wave-1-1", "frank-8"]
    with pytest.raises(KeyError, match="unknown generalisation task"):
        g.suite(["no-such-task"])


# ---------------------------------------------------------------------------------------
# Independent log density ratios log p(x, y) - log p(x) - log p(y), per task.


def _ln(z: np.ndarray, mean: float | np.ndarray = 0.0, sd: float | np.ndarray = 1.0) -> np.ndarray:
    return stats.norm.logpdf(z, mean, sd)


def _xshape(r: float):
    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = x.shape[1]
        cp = np.block([[np.eye(d), r * np.eye(d)], [r * np.eye(d), np.eye(d)]])
        cm = np.block([[np.eye(d), -r * np.eye(d)], [-r * np.eye(d), np.eye(d)]])
        z = np.hstack([x, y])
        lj = np.logaddexp(stats.multivariate_normal(cov=cp).logpdf(z), stats.multivariate_normal(cov=cm).logpdf(z)) - math.log(2)
        return lj - _ln(x).sum(axis=1) - _ln(y).sum(axis=1)

    return f


def _scale_mixture(d: int, a: float):
    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r2 = (x * x).sum(axis=1)
        log_cond = -0.5 * d * (math.log(2 * math.pi) + a * y[:, 0]) - 0.5 * r2 * np.exp(-a * y[:, 0])
        # p(x) depends on |x|^2 only: tabulate on a grid of log |x|^2, quadrature over y.
        u = np.linspace(np.log(r2).min() - 0.1, np.log(r2).max() + 0.1, 3000)
        yy = np.linspace(-10, 10, 4001)
        lp = logsumexp(
            _ln(yy)[None, :] - 0.5 * d * (math.log(2 * math.pi) + a * yy[None, :]) - 0.5 * np.exp(u[:, None] - a * yy[None, :]),
            axis=1,
        ) + math.log(yy[1] - yy[0])
        return log_cond - CubicSpline(u, lp)(np.log(r2))

    return f


def _radius_classes(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    r2 = (x * x).sum(axis=1)
    logs = np.stack([-d * math.log(s) - 0.5 * d * math.log(2 * math.pi) - 0.5 * r2 / s**2 for s in (1.0, 2.0, 3.0)], axis=1)
    return logs[np.arange(x.shape[0]), c - 1] - (logsumexp(logs, axis=1) - math.log(3))


def _via_marginal_of_y(log_cond, log_py_grid):
    """log p(y | x) - log p(y), p(y) tabulated by plain quadrature and interpolated."""

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        grid, lp = log_py_grid(y[:, 0].min(), y[:, 0].max())
        return log_cond(x, y[:, 0]) - CubicSpline(grid, lp)(y[:, 0])

    return f


def _trapezoid_py(func_f, noise, x_lo=-9.0, x_hi=9.0, nx=6001, ny=1201):
    """p(y) of y = f(x) + noise e, x ~ N(0, 1), plain trapezoid over x."""

    def grid(lo, hi):
        xs = np.linspace(x_lo, x_hi, nx)
        w = _ln(xs) + math.log(xs[1] - xs[0])
        ys = np.linspace(lo - 0.01, hi + 0.01, ny)
        return ys, logsumexp(w[None, :] + _ln(ys[:, None], func_f(xs)[None, :], noise), axis=1)

    return grid


def _wave2_py(lo, hi):
    h = 0.03
    xs = np.arange(-7.5, 7.5 + h / 2, h)
    f = (np.sin(2 * xs)[:, None] * np.cos(2 * xs)[None, :]).ravel()
    w = (_ln(xs)[:, None] + _ln(xs)[None, :]).ravel() + 2 * math.log(h)
    ys = np.linspace(lo - 0.01, hi + 0.01, 241)
    return ys, np.array([logsumexp(w + _ln(v, f, 0.2)) for v in ys])


def _heteroscedastic_py(lo, hi):
    xs = np.linspace(-9, 9, 36001)  # node at 0 (the kink of |x|), spacing 5e-4
    w = _ln(xs) + math.log(xs[1] - xs[0])
    t = np.linspace(np.arcsinh(lo), np.arcsinh(hi), 1500)
    ys = np.sinh(t)
    lp = np.array([logsumexp(w + _ln(v, xs, 0.1 + np.abs(xs))) for v in ys])
    return ys, lp


def _product_normal(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ay = np.abs(y[:, 0])
    return _ln(y[:, 0], 0, np.abs(x[:, 0])) - (np.log(special.k0e(ay)) - ay - math.log(math.pi))


def _product_uniform_py(lo, hi):
    ys = np.sinh(np.linspace(np.arcsinh(lo), np.arcsinh(hi), 3000))
    xs, ws = np.polynomial.legendre.leggauss(200)
    xs = 1.55 + 1.45 * xs  # Gauss-Legendre on [0.1, 3]
    lw = np.log(1.45 * ws / 2.9)
    return ys, logsumexp(lw[None, :] + _ln(ys[:, None], 0, xs[None, :]), axis=1)


def _norm2_py(lo, hi):
    s = np.linspace(1e-6, 130, 13001)
    lw = stats.chi2(10).logpdf(s) + math.log(s[1] - s[0])
    ys = np.linspace(lo - 0.1, hi + 0.1, 1500)
    return ys, logsumexp(lw[None, :] + _ln(ys[:, None], s[None, :], 2.0), axis=1)


def _norm_py(lo, hi):
    r = np.linspace(1e-6, 11, 11001)
    lw = stats.chi(3).logpdf(r) + math.log(r[1] - r[0])
    ys = np.linspace(lo - 0.01, hi + 0.01, 1500)
    return ys, logsumexp(lw[None, :] + _ln(ys[:, None], r[None, :], 0.2), axis=1)


def _inliers(d: int, rhos: tuple[float, ...], alpha: float):
    rho = np.zeros(d)
    rho[: len(rhos)] = rhos
    cov = np.block([[np.eye(d), np.diag(rho)], [np.diag(rho), np.eye(d)]])

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = np.hstack([x, y])
        indep = _ln(z).sum(axis=1)
        lj = np.logaddexp(math.log1p(-alpha) + stats.multivariate_normal(cov=cov).logpdf(z), math.log(alpha) + indep)
        return lj - indep

    return f


def _classes_1d(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    mu = np.array([0.0, 1.5, 3.0, 4.5])
    logs = _ln(x[:, :1], mu[None, :])
    return logs[np.arange(x.shape[0]), c] - (logsumexp(logs, axis=1) - math.log(4))


def _classes_sphere(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    means = g._sphere_means(8, 5, 2.0)
    np.testing.assert_allclose(np.linalg.norm(means, axis=1), 2.0)
    logs = np.stack([stats.multivariate_normal(m).logpdf(x) for m in means], axis=1)
    return logs[np.arange(x.shape[0]), c] - (logsumexp(logs, axis=1) - math.log(8))


def _cauchy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return stats.cauchy.logpdf(y[:, 0], x[:, 0], 0.5) - np.log(special.voigt_profile(y[:, 0], 1.0, 0.5))


def _student(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    s = np.block([[np.eye(2), 0.6 * np.eye(2)], [0.6 * np.eye(2), np.eye(2)]])
    joint = stats.multivariate_t(shape=s, df=1).logpdf(np.hstack([x, y]))
    return joint - stats.multivariate_t(shape=np.eye(2), df=1).logpdf(x) - stats.multivariate_t(shape=np.eye(2), df=1).logpdf(y)


def _dense(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    cov = g._dense_gaussian_cov()
    d = x.shape[1]
    mvn = stats.multivariate_normal
    return mvn(cov=cov).logpdf(np.hstack([x, y])) - mvn(cov=cov[:d, :d]).logpdf(x) - mvn(cov=cov[d:, d:]).logpdf(y)


def _gaussian_mixture(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = np.hstack([x, y])
    c1 = stats.multivariate_normal([-1.5, -1.5], [[1, 0.6], [0.6, 1]]).logpdf(z)
    c2 = stats.multivariate_normal([1.5, 1.5], [[1, -0.6], [-0.6, 1]]).logpdf(z)
    px = np.logaddexp(_ln(x[:, 0], -1.5), _ln(x[:, 0], 1.5))
    py = np.logaddexp(_ln(y[:, 0], -1.5), _ln(y[:, 0], 1.5))
    return np.logaddexp(c1, c2) - px - py + math.log(2)


def _copula(family: str, theta: float):
    return lambda x, y: g._copula_log_density(family, theta, x[:, 0], y[:, 0])


LOG_RATIOS = {
    "xshape-1-1-r0.9": _xshape(0.9),
    "xshape-3-3-r0.8": _xshape(0.8),
    "xshape-5-5-r0.8": _xshape(0.8),
    "scale-mixture-5-1-a2": _scale_mixture(5, 2.0),
    "scale-mixture-25-1-a1": _scale_mixture(25, 1.0),
    "radius-classes-5-3": _radius_classes,
    "wave-1-1": _via_marginal_of_y(lambda x, y: _ln(y, np.sin(3 * x[:, 0]), 0.3), _trapezoid_py(lambda x: np.sin(3 * x), 0.3)),
    "wave-2-1": _via_marginal_of_y(lambda x, y: _ln(y, np.sin(2 * x[:, 0]) * np.cos(2 * x[:, 1]), 0.2), _wave2_py),
    "inliers-3-3-a0.2": _inliers(3, (0.9, 0.9), 0.2),
    "inliers-3-3-a0.5": _inliers(3, (0.9, 0.9), 0.5),
    "inliers-5-5-a0.3": _inliers(5, (0.85, 0.85, 0.85), 0.3),
    "heteroscedastic-1-1": _via_marginal_of_y(lambda x, y: _ln(y, x[:, 0], 0.1 + np.abs(x[:, 0])), _heteroscedastic_py),
    "product-normal-1-1": _product_normal,
    "product-uniform0.1-3-1-1": _via_marginal_of_y(lambda x, y: _ln(y, 0, x[:, 0]), _product_uniform_py),
    "norm2-10-1": _via_marginal_of_y(lambda x, y: _ln(y, (x * x).sum(axis=1), 2.0), _norm2_py),
    "norm-3-1": _via_marginal_of_y(lambda x, y: _ln(y, np.sqrt((x * x).sum(axis=1)), 0.2), _norm_py),
    "classes-1-4": _classes_1d,
    "classes-5-8-sphere2": _classes_sphere,
    "clayton-2": _copula("clayton", 2.0),
    "frank-8": _copula("frank", 8.0),
    "gumbel-2": _copula("gumbel", 2.0),
    "gumbel-4": _copula("gumbel", 4.0),
    "cauchy-noise-1-1": _cauchy,
    "student-df1-2-2-rho0.6": _student,
    "dense-gaussian-50-50": _dense,
    "gaussian-mixture-1-1": _gaussian_mixture,
}


def test_every_task_has_an_independent_check(tasks: dict[str, g.Task]) -> None:
    assert set(LOG_RATIOS) == set(tasks)


@pytest.mark.parametrize("task_id", list(LOG_RATIOS))
def test_truth_matches_the_sampler(tasks: dict[str, g.Task], task_id: str) -> None:
    """Monte Carlo of E log p(x,y)/(p(x)p(y)) under the sampler agrees with the truth within 4 standard errors."""
    t = tasks[task_id]
    n = 20_000 if t.dim_x == 50 else N_CHECK
    x, y = t.sample(n, SEED)
    v = LOG_RATIOS[task_id](x, y)
    assert np.all(np.isfinite(v))
    mean, se = v.mean(), v.std(ddof=1) / math.sqrt(n)
    assert se < 0.02
    assert abs(mean - t.true_mi) <= 4 * math.hypot(se, t.true_mi_error), (mean, se, t.true_mi)


# ---------------------------------------------------------------------------------------
# Second computations of the truths


def test_xshape_quadrature_equals_sign_entropy_form() -> None:
    q = g._xshape_quadrature(0.9)
    mc, se = g._xshape_mc(1, 0.9, seed=5)
    assert abs(q - mc) <= 4 * se
    assert abs(q - g._xshape_quadrature(0.9, points=801, half_width=8.0)) < 1e-8


def test_mc_truths_reproduce_with_another_seed() -> None:
    for d in (3, 5):
        a, sa = g._xshape_mc(d, 0.8)
        b, sb = g._xshape_mc(d, 0.8, seed=1)
        assert abs(a - b) <= 4 * math.hypot(sa, sb)
    for rhos, alpha in (((0.9, 0.9), 0.2), ((0.9, 0.9), 0.5), ((0.85,) * 3, 0.3)):
        a, sa = g._inliers_mi(rhos, alpha)
        b, sb = g._inliers_mi(rhos, alpha, seed=1)
        assert abs(a - b) <= 4 * math.hypot(sa, sb)
    a, sa = g._classes_sphere_mi(8, 5, 2.0)
    b, sb = g._classes_sphere_mi(8, 5, 2.0, seed=1)
    assert abs(a - b) <= 4 * math.hypot(sa, sb)


def test_log_chi2_entropy_is_analytic() -> None:
    for d in (5, 25):
        w = np.linspace(-40, 8, 200_001)
        lf = g._log_chi2_logpdf(w, d)
        assert trapezoid(np.exp(lf), w) == pytest.approx(1.0, abs=1e-10)
        assert -trapezoid(np.exp(lf) * lf, w) == pytest.approx(g._log_chi2_entropy(d), abs=1e-9)


def test_grid_truths_are_converged() -> None:
    assert abs(g._scale_mixture_mi(5, 2.0) - g._scale_mixture_mi(5, 2.0, h=0.01)) < 1e-8
    assert abs(g._wave1_mi(3.0, 0.3) - g._wave1_mi(3.0, 0.3, m=128)) < 1e-8
    assert abs(g._wave2_mi(2.0, 0.2) - g._wave2_mi(2.0, 0.2, m=96)) < 1e-8
    assert abs(g._norm2_mi(10, 2.0) - g._norm2_mi(10, 2.0, h=0.05)) < 1e-8
    assert abs(g._norm_mi(3, 0.2) - g._norm_mi(3, 0.2, h=0.01)) < 1e-7


def test_heteroscedastic_density_matches_adaptive_quadrature() -> None:
    ys = np.array([-7.0, -0.3, 0.0, 0.05, 1.0, 4.0])
    grid = np.exp(g._heteroscedastic_log_py(ys, 0.1))

    def p(v: float) -> float:
        f = lambda x: stats.norm.pdf(x) * stats.norm.pdf(v, x, 0.1 + abs(x))  # noqa: E731
        return quad(f, -12, 0, epsabs=1e-13, limit=400)[0] + quad(f, 0, 12, epsabs=1e-13, limit=400)[0]

    np.testing.assert_allclose(grid, [p(v) for v in ys], rtol=1e-8)


def test_multiplicative_densities_match_quadrature() -> None:
    for v in (0.01, 0.7, 3.0, 9.0):
        # Y = X e, X, e ~ N(0, 1)
        ref = 2 * quad(lambda x: stats.norm.pdf(x) * stats.norm.pdf(v / x) / x, 0, np.inf, epsabs=1e-14, limit=400)[0]
        assert ref == pytest.approx(special.k0(v) / math.pi, rel=1e-7)
        # X ~ U(0.1, 3)
        ref = quad(lambda x: stats.norm.pdf(v / x) / x / 2.9, 0.1, 3.0, epsabs=1e-14, limit=400)[0]
        assert ref == pytest.approx(float(np.exp(g._product_uniform_log_py(np.array([v]), 0.1, 3.0))[0]), rel=1e-9)


def test_cauchy_noise_entropy_two_ways() -> None:
    mi, _ = g._cauchy_noise_mi(0.5)
    # Trapezoid in t with y = sinh(t) (tails to |y| = 1e8; the rest of -p log p is below 1e-6).
    t = np.linspace(0, np.arcsinh(1e8), 400_001)
    y = np.sinh(t)
    p = special.voigt_profile(y, 1.0, 0.5)
    h = 2 * trapezoid(-p * np.log(p) * np.cosh(t), t)
    assert h - math.log(2 * math.pi) == pytest.approx(mi, abs=1e-5)


@pytest.mark.parametrize(("family", "theta"), [("clayton", 2.0), ("frank", 8.0), ("gumbel", 2.0), ("gumbel", 4.0)])
def test_copula_density_and_two_integrations(family: str, theta: float) -> None:
    """The density is the mixed partial of the copula; the normal-score quadrature agrees with MC under the sampler."""

    def cdf(u: float, v: float) -> float:
        if family == "clayton":
            return (u**-theta + v**-theta - 1) ** (-1 / theta)
        if family == "frank":
            return -math.log1p(math.expm1(-theta * u) * math.expm1(-theta * v) / math.expm1(-theta)) / theta
        return math.exp(-(((-math.log(u)) ** theta + (-math.log(v)) ** theta) ** (1 / theta)))

    e = 1e-4
    for u, v in ((0.3, 0.6), (0.9, 0.95), (0.05, 0.1), (0.5, 0.5), (0.7, 0.2)):
        fd = (cdf(u + e, v + e) - cdf(u + e, v - e) - cdf(u - e, v + e) + cdf(u - e, v - e)) / (4 * e * e)
        c = math.exp(float(g._copula_log_density(family, theta, special.ndtri(u), special.ndtri(v))))
        assert fd == pytest.approx(c, rel=1e-4)
    quad_mi = g._copula_quadrature(family, theta)
    mc, se = g._copula_mc(family, theta, seed=3)
    assert abs(quad_mi - mc) <= 4 * se
    # Kendall's tau of the sampler: 1 - 1/theta (Gumbel), theta / (theta + 2) (Clayton).
    if family != "frank":
        a, b = g._copula_draw(family, theta, np.random.default_rng(1), 20_000)
        tau = stats.kendalltau(a[:, 0], b[:, 0])[0]
        assert tau == pytest.approx(1 - 1 / theta if family == "gumbel" else theta / (theta + 2), abs=0.015)


def test_closed_forms() -> None:
    from mutinfo.datasets import gaussian_mixture, student_t_mi

    tasks = {t.id: t for t in g.suite()}
    assert tasks["student-df1-2-2-rho0.6"].true_mi == student_t_mi(1.0, 0.6, 2)
    cov = g._dense_gaussian_cov()
    d = 50
    # Canonical correlations of the whitened cross-covariance: I = -1/2 sum log(1 - s_i^2).
    lx, ly = np.linalg.cholesky(cov[:d, :d]), np.linalg.cholesky(cov[d:, d:])
    s = np.linalg.svd(np.linalg.solve(lx, np.linalg.solve(ly, cov[d:, :d]).T), compute_uv=False)
    assert tasks["dense-gaussian-50-50"].true_mi == pytest.approx(-0.5 * np.log1p(-(s**2)).sum(), abs=1e-9)
    assert tasks["dense-gaussian-50-50"].true_mi == pytest.approx(2.0, abs=1e-9)
    # Dense: every cross-covariance entry is non-zero and the MI is spread over many canonical pairs.
    assert np.all(np.abs(cov[:d, d:]) > 0)
    assert s.max() < 0.7 and np.sum(s > 0.2) >= 20
    assert tasks["gaussian-mixture-1-1"].true_mi == gaussian_mixture(1, random_state=0)[2]


def test_x_shapes_have_no_rank_correlation(tasks: dict[str, g.Task]) -> None:
    for tid in ("xshape-1-1-r0.9", "xshape-3-3-r0.8"):
        x, y = tasks[tid].sample(20_000, 0)
        assert abs(stats.spearmanr(x[:, 0], y[:, 0])[0]) < 0.03


def test_run_rows_and_summary(tasks: dict[str, g.Task]) -> None:
    chosen = [tasks["wave-1-1"], tasks["classes-1-4"]]
    rows = g.run(chosen, ["ksg", "ross"], n=500, seeds=(0, 1))
    assert len(rows) == 8
    keys = {"task", "dims", "kind", "n", "seed", "method", "true_mi", "estimate", "seconds", "cpu_seconds", "note"}
    assert set(rows[0]) == keys
    by = {(r["task"], r["method"], r["seed"]): r for r in rows}
    failed = by[("classes-1-4", "ksg", 0)]
    assert math.isnan(failed["estimate"]) and "UnsupportedDataError" in failed["note"]
    assert by[("classes-1-4", "ross", 0)]["estimate"] == pytest.approx(0.644, abs=0.15)
    assert by[("wave-1-1", "ksg", 1)]["estimate"] == pytest.approx(0.862, abs=0.15)
    stats_ = g.summary(rows)
    expected = [("ksg", 0, 1), ("ksg", 1, 1), ("ross", 0, 1), ("ross", 1, 1)]
    assert [(s["method"], s["seed"], s["failed"]) for s in stats_] == expected
    text = g.format_summary(rows)
    assert "| within 10% |" in text and "Failures:" in text
    assert g.format_truths(chosen).count("\n") == 4
    with pytest.raises(UnknownMethodError, match="generalisation.run must be one of"):
        g.run(chosen, ["no-such-method"], n=100, seeds=(0,))
