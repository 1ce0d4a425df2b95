"""Gaussian estimator against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mutinfo as mi
from mutinfo.estimators.gaussian import ledoit_wolf_intensity, logdet_bias


def _pairs(rng, n, dim, rho):
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    return x, y, -0.5 * dim * math.log(1 - rho**2)


@pytest.mark.parametrize("dim,rho", [(1, 0.5), (2, 0.8), (5, 0.9)])
def test_mi_matches_analytic(rng, dim, rho):
    x, y, truth = _pairs(rng, 20_000, dim, rho)
    assert mi.mutual_information(x, y, method="gaussian") == pytest.approx(truth, abs=0.03)


def test_unequal_scales_and_offsets_do_not_matter(rng):
    x, y, truth = _pairs(rng, 5000, 2, 0.7)
    base = mi.mutual_information(x, y, method="gaussian")
    scaled = mi.mutual_information(x * [1e4, 1e-3] + 50, y * 7 - 3, method="gaussian")
    assert scaled == pytest.approx(base, abs=1e-9)


def test_entropy_matches_analytic(rng):
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.5]])
    x = rng.multivariate_normal(np.zeros(3), cov, size=50_000)
    truth = 0.5 * math.log(np.linalg.det(2 * math.pi * math.e * cov))
    assert mi.entropy(x, method="gaussian") == pytest.approx(truth, abs=0.02)


def test_cmi_matches_partial_correlation(rng):
    n = 40_000
    z = rng.standard_normal(n)
    x = z + rng.standard_normal(n)
    y = 0.5 * x + z + rng.standard_normal(n)
    c = np.corrcoef(np.column_stack([x, y, z]).T)
    r_xy_z = (c[0, 1] - c[0, 2] * c[1, 2]) / math.sqrt((1 - c[0, 2] ** 2) * (1 - c[1, 2] ** 2))
    expected = -0.5 * math.log(1 - r_xy_z**2)
    assert mi.conditional_mutual_information(x, y, z, method="gaussian") == pytest.approx(expected, abs=0.01)
    # Markov chain X <- Z -> Y: conditionally independent.
    y2 = z + rng.standard_normal(n)
    assert mi.conditional_mutual_information(x, y2, z, method="gaussian") == pytest.approx(0.0, abs=0.005)


def test_bias_correction_makes_independence_unbiased():
    """At n=40 in 3+3 dimensions the raw estimate is biased upward; the corrected one is not."""
    corrected, raw = [], []
    for seed in range(300):
        r = np.random.default_rng(seed)
        x, y = r.standard_normal((40, 3)), r.standard_normal((40, 3))
        corrected.append(mi.mutual_information(x, y, method="gaussian", shrinkage=0.0))
        raw.append(mi.mutual_information(x, y, method="gaussian", shrinkage=0.0, bias_correction=False))
    se = np.std(corrected) / math.sqrt(len(corrected))
    assert abs(np.mean(corrected)) < 3 * se
    assert np.mean(raw) > 0.08  # about d_x d_y / (2n) = 0.11 nats


def test_logdet_bias_matches_monte_carlo():
    n, d = 12, 3
    vals = []
    for seed in range(4000):
        x = np.random.default_rng(seed).standard_normal((n, d))
        vals.append(np.linalg.slogdet(np.cov(x.T))[1])
    assert np.mean(vals) == pytest.approx(logdet_bias(d, n), abs=0.02)


def test_ledoit_wolf_intensity_properties(rng):
    x = rng.standard_normal((20, 10))
    xs = (x - x.mean(0)) / x.std(0)
    lam = ledoit_wolf_intensity(xs)
    assert 0.0 < lam <= 1.0
    # Far from the identity target with many samples: almost no shrinkage.
    cov = np.array([[1.0, 0.8, 0.5], [0.8, 1.0, 0.4], [0.5, 0.4, 1.0]])
    big = rng.multivariate_normal(np.zeros(3), cov, size=100_000)
    big = (big - big.mean(0)) / big.std(0)
    assert ledoit_wolf_intensity(big) < 0.01


def test_auto_shrinkage_only_below_dimensions_plus_three(rng):
    # 5+5 dimensions: 12 samples shrink (with a warning), 13 use the bias-corrected form.
    x, y, _ = _pairs(rng, 13, 5, 0.5)
    est = mi.estimate(x[:12], y[:12], method="gaussian", ci=None)
    assert any("Ledoit-Wolf" in w for w in est.warnings)
    assert np.isfinite(est.value)
    est = mi.estimate(x, y, method="gaussian", ci=None)
    assert not any("Ledoit-Wolf" in w for w in est.warnings)
    assert est.value == pytest.approx(mi.mutual_information(x, y, method="gaussian", shrinkage=0.0), abs=1e-12)


@pytest.mark.parametrize("n,dim", [(12, 1), (20, 3), (100, 10)])
def test_small_samples_of_strong_dependence_are_unbiased_not_shrunk(n, dim):
    # Shrinkage pulled these to 0.28, 0.66 and 3.44 nats (truths 0.83, 2.49, 8.30).
    rho, reps = 0.9, 200
    truth = -0.5 * dim * math.log(1 - rho**2)
    vals = [mi.mutual_information(*_pairs(np.random.default_rng(s), n, dim, rho)[:2], method="gaussian") for s in range(reps)]
    assert np.mean(vals) == pytest.approx(truth, abs=4 * np.std(vals) / math.sqrt(reps))


def test_no_shrinkage_needs_enough_samples(rng):
    x, y, _ = _pairs(rng, 8, 5, 0.5)
    with pytest.raises(mi.DataError, match="more samples than dimensions"):
        mi.mutual_information(x, y, method="gaussian", shrinkage=0.0)


def test_constant_column_has_no_entropy_and_no_information(rng):
    x = np.column_stack([rng.standard_normal(50), np.full(50, 0.1)])
    y = x[:, 0] + rng.standard_normal(50)
    with pytest.raises(mi.DataError, match=r"x column 1 is constant"):
        mi.entropy(x, method="gaussian")
    with pytest.warns(mi.MutualInfoWarning, match=r"left out x column 1"):
        value = mi.mutual_information(x, y, method="gaussian")
    assert value == pytest.approx(mi.mutual_information(x[:, :1], y, method="gaussian"), abs=1e-12)


def test_invalid_shrinkage(rng):
    with pytest.raises(mi.ParameterError, match=r"The `shrinkage` parameter of mutual_information must be 'auto' or a real number in \[0, 1\]. Got 2"):
        mi.mutual_information(rng.standard_normal(50), rng.standard_normal(50), method="gaussian", shrinkage=2)


def test_torch_input_matches_numpy(rng):
    torch = pytest.importorskip("torch")
    x, y, _ = _pairs(rng, 2000, 2, 0.6)
    a = mi.mutual_information(x, y, method="gaussian")
    b = mi.mutual_information(torch.from_numpy(x).float(), torch.from_numpy(y).float(), method="gaussian")
    assert b == pytest.approx(a, abs=1e-4)


def test_vectorised_bootstrap_spread_matches_sampling_spread():
    """The bootstrap standard error tracks the real spread over fresh samples."""
    fresh = []
    for seed in range(200):
        x, y, _ = _pairs(np.random.default_rng(seed), 500, 2, 0.6)
        fresh.append(mi.mutual_information(x, y, method="gaussian"))
    x, y, _ = _pairs(np.random.default_rng(999), 500, 2, 0.6)
    est = mi.estimate(x, y, method="gaussian", n_bootstrap=400, random_state=0)
    assert est.std_error == pytest.approx(np.std(fresh), rel=0.25)
    assert est.ci_low < est.value < est.ci_high


# ---------------------------------------------------------------------------
# When the Gaussian value is a lower bound, and when it is not (issue 12).


def _bvn_density(x, y, r):
    return np.exp(-(x * x - 2 * r * x * y + y * y) / (2 * (1 - r * r))) / (2 * math.pi * math.sqrt(1 - r * r))


def _mixture_of_correlations_mi(r1, r2):
    """I(X;Y) of 0.5 N(0, [[1, r1], [r1, 1]]) + 0.5 N(0, [[1, r2], [r2, 1]]) by quadrature.

    Both components have N(0, 1) marginals, so X and Y are each Gaussian while the
    pair is not jointly Gaussian.
    """
    g = np.linspace(-9.0, 9.0, 901)
    h = g[1] - g[0]
    gx, gy = np.meshgrid(g, g)
    p = 0.5 * _bvn_density(gx, gy, r1) + 0.5 * _bvn_density(gx, gy, r2)
    phi = np.exp(-(gx**2 + gy**2) / 2) / (2 * math.pi)
    return float((p * np.log(p / phi)).sum() * h * h)


@pytest.mark.parametrize("r1, r2", [(0.9, 0.3), (0.8, 0.0), (0.95, -0.95)])
def test_lower_bound_when_marginals_are_gaussian(r1, r2):
    truth = _mixture_of_correlations_mi(r1, r2)
    c = 0.5 * (r1 + r2)
    population = -0.5 * math.log(1 - c * c)
    assert population < truth  # the bound itself, by quadrature
    rng = np.random.default_rng(12)
    n = 20_000
    z = rng.standard_normal((n, 2))
    r = np.where(rng.random(n) < 0.5, r1, r2)
    x, y = z[:, 0], r * z[:, 0] + np.sqrt(1 - r * r) * z[:, 1]
    est = mi.estimate(x, y, method="gaussian", n_bootstrap=60, random_state=0)
    assert est.value == pytest.approx(population, abs=4 * est.std_error + 1e-3)
    assert est.value < truth - 3 * est.std_error


def test_not_a_bound_with_non_gaussian_marginals():
    # s = +-1, x = s + 0.01 e1, y = s f + 0.01 e2, P(f = -1) = 0.1: I = log 2 - h(0.1).
    rng = np.random.default_rng(13)
    n = 50_000
    s = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    f = np.where(rng.random(n) < 0.1, -1.0, 1.0)
    x = s + 0.01 * rng.standard_normal(n)
    y = s * f + 0.01 * rng.standard_normal(n)
    truth = math.log(2) + 0.1 * math.log(0.1) + 0.9 * math.log(0.9)  # 0.368
    value = mi.mutual_information(x, y, method="gaussian")
    assert value == pytest.approx(-0.5 * math.log(1 - 0.8**2), abs=0.02)  # 0.51
    assert value > truth + 0.1
    assert mi.mutual_information(x, y, method="ksg", random_state=0) == pytest.approx(truth, abs=0.02)
