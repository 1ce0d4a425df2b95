"""Discrete estimators: hand-computed values, identities, properties and bias."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import digamma, gammaln, polygamma

import mutinfo as mi
from mutinfo.estimators import discrete as d

METHODS = ["plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb"]
# Methods whose every quantity is a signed sum of entropies of marginal counts.
ENTROPY_DECOMPOSED = ["plugin", "miller_madow", "grassberger", "chao_shen", "nsb"]
EULER = 0.5772156649015329
LN2 = math.log(2)

X4 = np.array([0, 0, 1, 2])  # counts (2, 1, 1), N = 4


# ---------------------------------------------------------------------------
# Entropy formulas on hand-worked counts.


def test_plugin_entropy_hand_value():
    # H = -(1/2 ln 1/2 + 2 * 1/4 ln 1/4) = 1.5 bits
    assert mi.entropy(X4, method="plugin", base=2) == pytest.approx(1.5, abs=1e-12)


def test_miller_madow_hand_value():
    # plug-in + (m - 1) / (2N) = 1.5 ln 2 + 2 / 8
    assert mi.entropy(X4, method="miller_madow") == pytest.approx(1.5 * LN2 + 0.25, abs=1e-12)


def test_grassberger_hand_value():
    # G(1) = -gamma - ln 2, G(2) = 2 - gamma - ln 2; H = ln 4 - (2 G(2) + 1 G(1) + 1 G(1)) / 4 = 3 ln 2 - 1 + gamma
    assert mi.entropy(X4, method="grassberger") == pytest.approx(3 * LN2 - 1 + EULER, abs=1e-12)


def test_chao_shen_hand_value():
    # f1 = 2 singletons, N = 4: coverage 1/2, p = (1/4, 1/8, 1/8), seen-probabilities 1 - (1 - p)^4.
    p = np.array([0.25, 0.125, 0.125])
    expected = float(np.sum(-p * np.log(p) / (1 - (1 - p) ** 4)))
    assert mi.entropy(X4, method="chao_shen") == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.50699 + 2 * 0.62813, abs=1e-4)


def test_chao_shen_all_singletons_uses_n_minus_one():
    # All 5 symbols seen once: f1 is taken as N - 1 = 4, so coverage 1/5 and p_i = 1/25.
    p = 1 / 25
    expected = 5 * (-p * math.log(p) / (1 - (1 - p) ** 5))
    assert mi.entropy([0, 1, 2, 3, 4], method="chao_shen") == pytest.approx(expected, abs=1e-12)


def test_shrinkage_full_intensity_is_uniform():
    # counts (2, 1, 1): lambda* = 0.625 / (3 * 1/24) = 5, clipped to 1 -> uniform over 3 cells.
    assert mi.entropy(X4, method="shrinkage") == pytest.approx(math.log(3), abs=1e-12)


def test_shrinkage_partial_intensity():
    # counts (8, 2), K = 2: lambda = (1 - 0.68) / (9 * 0.18) = 0.19753...
    lam = 0.32 / (9 * 0.18)
    p = lam * 0.5 + (1 - lam) * np.array([0.8, 0.2])
    x = np.array([0] * 8 + [1] * 2)
    assert mi.entropy(x, method="shrinkage") == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-12)


def test_shrinkage_alphabet_includes_unseen_cells():
    # With an alphabet of 4, the unseen cell gets lambda / 4 of the mass.
    x = np.array([0] * 8 + [1] * 2)
    k = 4
    ml = np.array([0.8, 0.2, 0.0, 0.0])
    lam = (1 - (ml**2).sum()) / (9 * ((0.25 - ml) ** 2).sum())
    p = lam / k + (1 - lam) * ml
    assert mi.entropy(x, method="shrinkage", n_states=k) == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-12)


def _nsb_by_quadrature(counts: np.ndarray, k: int) -> float:
    """NSB written independently: integrate over beta with scipy.quad."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()

    def log_post(beta: float) -> float:
        dxi = k * polygamma(1, k * beta + 1) - polygamma(1, beta + 1)
        like = gammaln(k * beta) - gammaln(n + k * beta) + np.sum(gammaln(counts + beta) - gammaln(beta))
        return math.log(dxi) + like

    def mean_h(beta: float) -> float:
        return digamma(n + k * beta + 1) - np.sum((counts + beta) * digamma(counts + beta + 1)) / (n + k * beta)

    grid = np.logspace(-6, 6, 2000)
    ref = max(log_post(b) for b in grid)
    num = quad(lambda b: math.exp(log_post(b) - ref) * mean_h(b), 0, np.inf, limit=500)[0]
    den = quad(lambda b: math.exp(log_post(b) - ref), 0, np.inf, limit=500)[0]
    return num / den


@pytest.mark.parametrize("counts,k", [((3, 1, 1, 0), 4), ((5, 2, 2, 1, 1, 1, 0, 0), 8), ((10, 7, 3), 3)])
def test_nsb_matches_direct_quadrature(counts, k):
    x = np.repeat(np.arange(len(counts)), counts)
    got = mi.entropy(x, method="nsb", n_states=k)
    assert got == pytest.approx(_nsb_by_quadrature(np.array(counts), k), abs=2e-4)


def test_nsb_approaches_plugin_when_well_sampled(rng):
    x = rng.integers(0, 4, 20000)
    assert mi.entropy(x, method="nsb") == pytest.approx(mi.entropy(x, method="plugin"), abs=1e-3)


@pytest.mark.parametrize("method", METHODS)
def test_constant_variable_has_zero_information(method):
    x = np.zeros(50, dtype=int)
    y = np.arange(50) % 5
    # Grassberger's G(n) differs from log(n) by O(1/n^2), so its entropy of a constant is not exactly 0.
    tol = 1e-4 if method == "grassberger" else 1e-9
    assert mi.mutual_information(x, y, method=method) == pytest.approx(0.0, abs=tol)


# ---------------------------------------------------------------------------
# XOR, chain rule, symmetry, invariances.


def _xor(repeats: int = 25):
    x = np.repeat([0, 0, 1, 1], repeats)
    y = np.repeat([0, 1, 0, 1], repeats)
    return x, y, x ^ y


def test_xor_table():
    x, y, z = _xor()
    assert mi.mutual_information(x, z, method="plugin", base=2) == pytest.approx(0.0, abs=1e-12)
    assert mi.mutual_information(np.column_stack([x, y]), z, method="plugin", base=2) == pytest.approx(1.0, abs=1e-12)
    assert mi.conditional_mutual_information(x, z, y, method="plugin", base=2) == pytest.approx(1.0, abs=1e-12)
    assert mi.conditional_entropy(z, np.column_stack([x, y]), method="plugin") == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("method", ENTROPY_DECOMPOSED)
def test_chain_rule(method, rng):
    x = rng.integers(0, 3, 300)
    z = (x + rng.integers(0, 2, 300)) % 3
    y = (z + rng.integers(0, 3, 300)) % 4
    lhs = mi.mutual_information(x, np.column_stack([y, z]), method=method)
    rhs = mi.mutual_information(x, z, method=method) + mi.conditional_mutual_information(x, y, z, method=method)
    assert lhs == pytest.approx(rhs, abs=1e-9)


@pytest.mark.parametrize("method", ENTROPY_DECOMPOSED)
def test_conditional_entropy_identity(method, rng):
    x = rng.integers(0, 4, 200)
    y = (x + rng.integers(0, 2, 200)) % 4
    h_xy = mi.entropy(np.column_stack([x, y]), method=method)
    assert mi.conditional_entropy(x, y, method=method) == pytest.approx(h_xy - mi.entropy(y, method=method), abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_symmetry_order_and_relabelling(method, rng):
    x = rng.integers(0, 5, 400)
    y = (x * 2 + rng.integers(0, 3, 400)) % 6
    base = mi.mutual_information(x, y, method=method)
    assert mi.mutual_information(y, x, method=method) == pytest.approx(base, abs=1e-9)
    perm = rng.permutation(400)
    assert mi.mutual_information(x[perm], y[perm], method=method) == pytest.approx(base, abs=1e-9)
    relabel_x = np.array(["a", "q", "c", "zz", "b"])[x]
    relabel_y = rng.permutation(6)[y] * 10 - 7
    assert mi.mutual_information(relabel_x, relabel_y, method=method) == pytest.approx(base, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_base_conversion(method, rng):
    x = rng.integers(0, 3, 200)
    y = (x + rng.integers(0, 2, 200)) % 3
    nats = mi.mutual_information(x, y, method=method)
    assert mi.mutual_information(x, y, method=method, base=2) == pytest.approx(nats / LN2, rel=1e-12)
    assert mi.mutual_information(x, y, method=method, base=10) == pytest.approx(nats / math.log(10), rel=1e-12)


def test_shrinkage_independence_close_to_zero(rng):
    vals = [mi.mutual_information(rng.integers(0, 10, 100), rng.integers(0, 10, 100), method="shrinkage") for _ in range(10)]
    assert abs(np.mean(vals)) < 0.02


# ---------------------------------------------------------------------------
# Bias on undersampled data (issue acceptance: every correction beats plug-in).


def test_bias_corrected_entropy_beats_plugin_when_undersampled():
    truth = math.log(100)
    errors = {m: [] for m in METHODS}
    for seed in range(20):
        u = np.random.default_rng(seed).integers(0, 100, 200)
        for m in METHODS:
            errors[m].append(mi.entropy(u, method=m) - truth)
    plug = abs(np.mean(errors["plugin"]))
    assert np.mean(errors["plugin"]) < -0.2  # plug-in underestimates by about (K - 1) / 2N
    for m in METHODS[1:]:
        assert abs(np.mean(errors[m])) < plug, m


# ---------------------------------------------------------------------------
# Contingency tables and vectorised bootstrap.


def test_contingency_dense_and_sorted_paths_agree(rng):
    from mutinfo._validation import Variable

    x = rng.integers(0, 7, 1000)
    y = rng.integers(0, 5, 1000)
    small = d.contingency([Variable("x", x, True, 7), Variable("y", y, True, 5)])
    # Huge declared code ranges force the sort-based path.
    big = d.contingency([Variable("x", x * 10**6, True, 7 * 10**6), Variable("y", y * 10**6, True, 5 * 10**6)])
    assert sorted(small.counts.tolist()) == sorted(big.counts.tolist())
    assert small.n_samples == big.n_samples == 1000
    ref = np.zeros((7, 5), dtype=int)
    np.add.at(ref, (x, y), 1)
    assert np.array_equal(np.sort(ref[ref > 0]), np.sort(small.counts))


def test_blockwise_counts_match_bincount(rng):
    from mutinfo._validation import CHUNK, Variable

    n = CHUNK * 2 + 17
    x = rng.integers(0, 10, n)
    y = rng.integers(0, 10, n)
    table = d.contingency([Variable("x", x, True, 10), Variable("y", y, True, 10)])
    ref = np.bincount(x * 10 + y, minlength=100)
    assert np.array_equal(table.counts, ref[ref > 0])


@pytest.mark.parametrize("method", ["plugin", "miller_madow", "chao_shen"])
def test_multinomial_bootstrap_matches_row_bootstrap(method, rng):
    """The vectorised bootstrap has the same distribution as resampling rows."""
    from mutinfo._validation import Variable

    x = rng.integers(0, 3, 300)
    y = (x + rng.integers(0, 2, 300)) % 3
    vx, vy = Variable("x", x, True, 3), Variable("y", y, True, 3)
    est = d.DiscreteEstimator(method, getattr(d, f"{method}_entropy"))
    fast = est.bootstrap("mi", [vx, vy], n_bootstrap=2000, rng=np.random.default_rng(1), params={})
    gen = np.random.default_rng(2)
    slow = []
    for _ in range(2000):
        idx = gen.integers(0, 300, 300)
        slow.append(est.mutual_information(vx.take(idx), vy.take(idx)))
    assert np.mean(fast) == pytest.approx(np.mean(slow), abs=0.01)
    assert np.std(fast) == pytest.approx(np.std(slow), rel=0.1)


# ---------------------------------------------------------------------------
# Property-based: plug-in against the exact formula on the empirical table.


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=60))
def test_plugin_equals_exact_mi_of_empirical_joint(pairs):
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    joint = np.zeros((5, 4))
    np.add.at(joint, (x, y), 1)
    joint /= joint.sum()
    value = mi.mutual_information(x, y, method="plugin")
    assert value == pytest.approx(mi.discrete.mutual_information_from_joint(joint), abs=1e-9)
    assert -1e-12 <= value <= min(mi.entropy(x, method="plugin"), mi.entropy(y, method="plugin")) + 1e-9
