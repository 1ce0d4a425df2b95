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


def test_auto_shrinkage_when_few_samples(rng):
    x, y, _ = _pairs(rng, 30, 5, 0.5)
    est = mi.estimate(x, y, method="gaussian", ci=None)
    assert any("Ledoit-Wolf" in w for w in est.warnings)
    assert np.isfinite(est.value)


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
