"""Synthetic data with known MI: the stated MI against exact formulas, Monte Carlo with exact densities, and estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import mutinfo as mi
from mutinfo import DataError, ParameterError
from mutinfo import datasets as ds


def _mc(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.shape[0]))


# ---------------------------------------------------------------------------
# Gaussians.


def test_gaussian_mi_formula_and_inverse():
    assert ds.gaussian_mi(0.8, 5) == pytest.approx(-2.5 * math.log(0.36), rel=1e-12)
    assert ds.gaussian_mi([0.5, 0.0, -0.9], 3) == pytest.approx(-0.5 * (math.log(0.75) + math.log(0.19)), rel=1e-12)
    for level in (0.0, 2.0, 10.0):
        assert ds.gaussian_mi(ds.rho_for_mi(level, 20), 20) == pytest.approx(level, abs=1e-12)


@pytest.mark.parametrize("interaction", ["sparse", "dense"])
def test_gaussian_matches_the_covariance_estimate(interaction):
    x, y, truth = ds.gaussian(200_000, dim=3, rho=[0.8, 0.5, 0.3], interaction=interaction, random_state=1)
    assert x.shape == y.shape == (200_000, 3)
    assert truth == pytest.approx(ds.gaussian_mi([0.8, 0.5, 0.3], 3))
    est = mi.mutual_information(x, y, method="gaussian")
    assert est == pytest.approx(truth, abs=0.01)
    cross = np.corrcoef(x.T, y.T)[:3, 3:]
    if interaction == "dense":
        assert np.all(np.abs(cross) > 0.01)  # every coordinate of x talks to every coordinate of y
    else:
        assert np.allclose(cross, np.diag([0.8, 0.5, 0.3]), atol=0.01)


def test_gaussian_is_seeded():
    a = ds.gaussian(50, dim=2, interaction="dense", random_state=7)
    b = ds.gaussian(50, dim=2, interaction="dense", random_state=7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], ds.gaussian(50, dim=2, random_state=8)[0])


# ---------------------------------------------------------------------------
# Student-t.


def test_student_t_mi_against_monte_carlo_with_exact_densities():
    df, rho, dim = 3.0, 0.5, 2
    x, y, truth = ds.student_t(100_000, dim=dim, df=df, rho=rho, random_state=2)
    shape = np.block([[np.eye(dim), rho * np.eye(dim)], [rho * np.eye(dim), np.eye(dim)]])
    joint = stats.multivariate_t(loc=np.zeros(2 * dim), shape=shape, df=df)
    marg = stats.multivariate_t(loc=np.zeros(dim), shape=np.eye(dim), df=df)
    pmi = joint.logpdf(np.hstack([x, y])) - marg.logpdf(x) - marg.logpdf(y)
    mean, se = _mc(pmi)
    assert truth == pytest.approx(mean, abs=4 * se)
    assert se < 0.005


def test_student_t_mi_limits():
    # The shared scale makes uncorrelated t components dependent ...
    assert ds.student_t_mi(3.0, 0.0, 2) > 0.05
    # ... and the correction vanishes as df grows.
    assert ds.student_t_mi(1e7, 0.5, 2) == pytest.approx(ds.gaussian_mi(0.5, 2), abs=1e-6)
    assert ds.student_t_mi(3.0, 0.5, 2) > ds.student_t_mi(30.0, 0.5, 2) > ds.gaussian_mi(0.5, 2)


# ---------------------------------------------------------------------------
# Staircases.


def test_staircase_levels_and_covariance_estimate():
    steps = ds.staircase(20_000, levels=(2.0, 6.0), random_state=3)
    assert [round(s[2], 12) for s in steps] == [2.0, 6.0]
    for x, y, truth in steps:
        assert x.shape == y.shape == (20_000, 20)
        assert mi.mutual_information(x, y, method="gaussian") == pytest.approx(truth, abs=0.05)


def test_cubic_staircase_is_the_cube_of_the_gaussian_one():
    ((xg, yg, tg),) = ds.staircase(100, levels=(4.0,), random_state=4)
    ((xc, yc, tc),) = ds.staircase(100, levels=(4.0,), cubic=True, random_state=4)
    assert tg == tc == pytest.approx(4.0)
    assert np.array_equal(xg, xc)
    assert np.allclose(yc, yg**3)
    assert len(ds.staircase(10)) == 5 and ds.STAIRCASE_LEVELS == (2.0, 4.0, 6.0, 8.0, 10.0)


# ---------------------------------------------------------------------------
# Transforms.


def test_transforms_are_strictly_increasing_or_norm_preserving_and_invertible():
    a = np.linspace(-4, 4, 401)
    for f in (ds.half_cube, ds.cube, ds.asinh, ds.normal_cdf):
        assert np.all(np.diff(f(a)) > 0), f.__name__
    b = ds.half_cube(a)
    assert np.allclose(np.sign(b) * np.abs(b) ** (2 / 3), a)  # the inverse map
    assert np.all((ds.normal_cdf(a) > 0) & (ds.normal_cdf(a) < 1))
    rng = np.random.default_rng(5)
    z = rng.standard_normal((1000, 5))
    s = ds.spiral(z, speed=0.7)
    assert np.allclose(np.linalg.norm(s, axis=1), np.linalg.norm(z, axis=1))
    assert np.allclose(s[:, 4], z[:, 4])  # odd last coordinate untouched
    assert np.allclose(ds.spiral(s, speed=-0.7), z)  # rotating back inverts it


def test_transform_keeps_the_mi_and_the_covariance_method_sees_less():
    sample = ds.gaussian(50_000, dim=2, rho=0.8, random_state=6)
    x, y, truth = ds.transform(sample, x=ds.half_cube, y=ds.normal_cdf)
    assert truth == sample[2]
    assert np.allclose(x, ds.half_cube(sample[0])) and np.allclose(y, ds.normal_cdf(sample[1]))
    # Invertible maps keep I(X;Y); a linear (covariance) estimate loses part of it.
    assert mi.mutual_information(x, y, method="gaussian") < truth - 0.05


def test_spiral_needs_two_columns():
    with pytest.raises(DataError, match=r"spiral needs data of shape \(n, d\) with d >= 2"):
        ds.spiral(np.zeros((5, 1)))


# ---------------------------------------------------------------------------
# Discrete channels.


def test_symmetric_channel_exact_mi_and_plugin_estimate():
    h = -0.1 * math.log(0.1) - 0.9 * math.log(0.9)
    x, y, truth = ds.symmetric_channel(200_000, k=2, error=0.1, random_state=7)
    assert truth == pytest.approx(math.log(2) - h, rel=1e-12)
    assert mi.mutual_information(x, y, method="plugin") == pytest.approx(truth, abs=0.005)
    _, _, t8 = ds.symmetric_channel(10, k=8, error=0.3)
    assert t8 == pytest.approx(math.log(8) + 0.3 * math.log(0.3 / 7) + 0.7 * math.log(0.7), rel=1e-12)


def test_discrete_channel_samples_follow_the_channel():
    p = [0.2, 0.3, 0.5]
    w = [[1.0, 0.0], [0.5, 0.5], [0.1, 0.9]]
    x, y, truth = ds.discrete_channel(100_000, p, w, random_state=8)
    joint = np.array(p)[:, None] * np.array(w)
    py = joint.sum(0)
    want = sum(joint[i, j] * math.log(joint[i, j] / (p[i] * py[j])) for i in range(3) for j in range(2) if joint[i, j] > 0)
    assert truth == pytest.approx(want, rel=1e-12)
    assert np.bincount(x, minlength=3) / 1e5 == pytest.approx(p, abs=0.01)
    assert np.all(y[x == 0] == 0)
    assert np.mean(y[x == 2]) == pytest.approx(0.9, abs=0.01)


def test_channel_errors():
    with pytest.raises(
        ParameterError, match=r"The `p_x` parameter of discrete_channel must be a 1-d array of probabilities summing to 1"
    ):
        ds.discrete_channel(10, [0.5, 0.6], [[1, 0], [0, 1]])
    with pytest.raises(ParameterError, match=r"The `channel` parameter of discrete_channel must be a \(2, m\) array"):
        ds.discrete_channel(10, [0.5, 0.5], [[1, 0.2], [0, 1]])
    with pytest.raises(
        ParameterError, match=r"The `error` parameter of symmetric_channel must be a real number in \[0.0, 1.0\]. Got 2"
    ):
        ds.symmetric_channel(10, error=2)


# ---------------------------------------------------------------------------
# Mixtures.


def test_gaussian_mixture_with_one_component_is_the_gaussian_formula():
    cov = [[[2.0, 0.9], [0.9, 1.0]]]
    _, _, truth = ds.gaussian_mixture(10, weights=[1.0], means=[[0.5, -1.0]], covariances=cov)
    rho = 0.9 / math.sqrt(2.0)
    assert truth == pytest.approx(-0.5 * math.log(1 - rho**2), abs=1e-9)


def test_gaussian_mixture_mi_against_monte_carlo():
    x, y, truth = ds.gaussian_mixture(200_000, random_state=9)
    w = np.array([0.5, 0.5])
    means = np.array([[-1.5, -1.5], [1.5, 1.5]])
    covs = np.array([[[1.0, 0.6], [0.6, 1.0]], [[1.0, -0.6], [-0.6, 1.0]]])
    z = np.hstack([x, y])
    joint = sum(w[k] * stats.multivariate_normal(means[k], covs[k]).pdf(z) for k in range(2))
    px = sum(w[k] * stats.norm(means[k, 0], 1.0).pdf(x[:, 0]) for k in range(2))
    py = sum(w[k] * stats.norm(means[k, 1], 1.0).pdf(y[:, 0]) for k in range(2))
    mean, se = _mc(np.log(joint / (px * py)))
    assert truth == pytest.approx(mean, abs=4 * se)
    assert se < 0.003


def test_mixed_gaussian_mi_against_monte_carlo_and_limits():
    x, y, truth = ds.mixed_gaussian(200_000, n_classes=4, sigma=0.5, random_state=10)
    assert x.dtype == np.int64 and y.shape == (200_000, 1)
    cond = stats.norm(x, 0.5).logpdf(y[:, 0])
    marg = np.log(np.mean([stats.norm(c, 0.5).pdf(y[:, 0]) for c in range(4)], axis=0))
    mean, se = _mc(cond - marg)
    assert truth == pytest.approx(mean, abs=4 * se)
    assert ds.mixed_gaussian(5, n_classes=4, sigma=0.01)[2] == pytest.approx(math.log(4), abs=1e-6)
    assert ds.mixed_gaussian(5, n_classes=4, sigma=50.0)[2] < 1e-3


def test_mixture_errors():
    with pytest.raises(
        ParameterError, match=r"The `covariances` parameter of gaussian_mixture must be an array of shape \(1, 2, 2\)"
    ):
        ds.gaussian_mixture(10, weights=[1.0], means=[[0, 0]], covariances=[[[1, 2], [2, 1]]])
    with pytest.raises(ParameterError, match=r"The `rho` parameter of gaussian must be a real number in \(-1, 1\)"):
        ds.gaussian(10, rho=1.0)
    with pytest.raises(
        ParameterError, match=r"The `interaction` parameter of gaussian must be one of 'sparse', 'dense'. Got 'full'"
    ):
        ds.gaussian(10, interaction="full")
