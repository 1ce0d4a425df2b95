"""Resampling schemes behind estimate()."""

from __future__ import annotations

import numpy as np
import pytest

from mutinfo.stats import local_permutation, percentile_interval, permutation_p_value, strata_permutation


def test_strata_permutation_stays_within_strata(rng):
    z = rng.integers(0, 5, 1000)
    perm = strata_permutation(z, rng)
    assert np.array_equal(np.sort(perm), np.arange(1000))
    assert np.array_equal(z[perm], z)
    assert (perm != np.arange(1000)).mean() > 0.5


def test_local_permutation_uses_neighbours_and_few_repeats(rng):
    from scipy.spatial import cKDTree

    z = rng.standard_normal((2000, 1))
    _, nbrs = cKDTree(z).query(z, k=5)
    perm = local_permutation(nbrs, rng)
    assert all(perm[i] in nbrs[i] for i in range(2000))
    assert np.unique(perm).size > 0.9 * 2000


def test_p_value_and_interval():
    null = np.arange(99, dtype=float)
    assert permutation_p_value(1000.0, null) == pytest.approx(0.01)
    assert permutation_p_value(-1.0, null) == pytest.approx(1.0)
    assert permutation_p_value(49.5, null) == pytest.approx((1 + 49) / 100)  # 50..98 are >= 49.5
    lo, hi = percentile_interval(np.arange(1001, dtype=float), 0.9)
    assert (lo, hi) == pytest.approx((50.0, 950.0))
    lo, hi = percentile_interval(np.array([np.nan, np.inf]), 0.9)
    assert np.isnan(lo) and np.isnan(hi)
