"""Tied, rounded and 0/1-as-float data in the k-NN MI estimators (issue 10), and KSG 2's counts (issue 12)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.special import digamma

import mutinfo as mi
from mutinfo.estimators.knn import ScipySearch, ksg2_mi, mixed_mi


def _independent_binary_and_rounded(seed, n=442):
    r = np.random.default_rng(seed)
    return r.integers(0, 2, n).astype(float), np.round(r.normal(150, 70, n))


def test_mixed_reads_zero_on_independent_binary_and_rounded_data():
    # Read about +0.25 nats (strict marginal counts left out every point tied at the radius).
    values = [mi.mutual_information(*_independent_binary_and_rounded(s), method="mixed", random_state=s) for s in range(20)]
    # Sampling standard deviation 0.025 nats (benchmarks/mixed_ties.py): the mean of 20 has 0.006.
    assert abs(np.mean(values)) < 0.02
    assert max(abs(v) for v in values) < 0.1


def test_auto_on_independent_binary_and_rounded_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = [mi.mutual_information(*_independent_binary_and_rounded(s), random_state=s) for s in range(10)]
    assert abs(np.mean(values)) < 0.03


def test_mixed_on_diabetes_sex_against_the_target():
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    sex, target = data.data[:, 1], data.target
    # 0.32 before; scikit-learn's mutual_info_regression gives 0.014, ross 0.030.
    value = mi.mutual_information(sex, target, method="mixed", random_state=0)
    assert -0.05 < value < 0.08


def test_mixed_on_rounded_correlated_gaussians_is_nearly_unbiased():
    # rho = 0.8 rounded to 0.5: I of the discretised pair is 0.4761 (benchmarks/mixed_ties.py).
    values = []
    for seed in range(40):
        z = np.random.default_rng(seed).standard_normal((442, 2))
        x, y = np.round(z[:, 0] * 2) / 2, np.round((0.8 * z[:, 0] + 0.6 * z[:, 1]) * 2) / 2
        values.append(mi.mutual_information(x, y, method="mixed", random_state=seed))
    # Mean of 40: -0.002 (standard error 0.006); the reference counting read +0.037.
    assert np.mean(values) == pytest.approx(0.4761, abs=0.02)


def test_mixed_noise_zero_keeps_the_reference_counting():
    x, y = _independent_binary_and_rounded(0)
    assert mi.mutual_information(x, y, method="mixed", noise=0.0) > 0.15


def test_mixed_atoms_use_the_zero_radius_rule_with_jitter():
    # Three copies of (0, 0) (atoms for k = 1) and two distinct points, jittered copy = values.
    x = np.array([[0.0], [0.0], [0.0], [1.0], [3.0]])
    y = np.array([[0.0], [0.0], [0.0], [0.4], [2.5]])
    value = mixed_mi(x, y, 1, ScipySearch(), (x, y))
    # Atoms: k_i = n_x + 1 = n_y + 1 = 3. (1, 0.4): eps = 1 (an atom); nothing strictly within 1
    # in x, the three atoms in y. (3, 2.5): eps = 2.1 (the point above); it is within 2 in x,
    # nothing strictly within 2.1 in y.
    terms = 3 * (digamma(3) - 2 * digamma(3)) + (digamma(1) - digamma(1) - digamma(4)) + (digamma(1) - digamma(2) - digamma(1))
    assert value == pytest.approx(digamma(5) + terms / 5, abs=1e-12)


def _ksg2_brute(x, y, k, idx):
    """KSG 2 from its definition, O(N^2), for the given joint neighbour lists (row i: i and k others)."""
    n = x.shape[0]
    dx = np.abs(x[:, None, :] - x[None, :, :]).max(axis=2)
    dy = np.abs(y[:, None, :] - y[None, :, :]).max(axis=2)
    total, counts = 0.0, []
    for i in range(n):
        others = np.delete(np.arange(n), i)
        nb = idx[i]
        ex, ey = dx[i, nb].max(), dy[i, nb].max()
        nx = int((dx[i, others] <= ex).sum())
        ny = int((dy[i, others] <= ey).sum())
        counts.append(min(nx, ny))
        total += digamma(nx) + digamma(ny)
    return digamma(k) - 1.0 / k + digamma(n) - total / n, min(counts)


@pytest.mark.parametrize("seed", range(4))
def test_ksg2_counts_are_at_least_k_with_exact_ties(seed):
    # No count is raised any more: every count is >= k by construction, ties or not.
    rng = np.random.default_rng(seed)
    n, k = 60, 3
    x = rng.integers(0, 3, (n, 1 + seed % 2)).astype(float)
    y = (x[:, :1] + rng.integers(0, 2, (n, 1))).astype(float)
    _, idx = ScipySearch().knn(np.concatenate([x, y], axis=1), k, indices=True)
    expected, smallest = _ksg2_brute(x, y, k, idx)
    assert smallest >= k
    assert ksg2_mi(x, y, k) == pytest.approx(expected, abs=1e-10)
