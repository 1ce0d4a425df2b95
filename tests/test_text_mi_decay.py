"""MI decay machinery of the text demo: exact Markov-chain values, the estimator, the fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mutinfo as mi
from mutinfo.demos.text_mi_decay import (NGramModel, block_jackknife_mi, encode_text, fit_decay, lagged_mi,
                                         markov_chain_mi, noise_floor)


def _binary_entropy(p: float) -> float:
    return -p * math.log(p) - (1 - p) * math.log(1 - p)


def test_markov_chain_mi_two_state_closed_form():
    # symmetric flip with probability q: P(X_{t+d} != X_t) = (1 - (1 - 2q)^d) / 2
    q = 0.1
    lags = [1, 2, 5, 10]
    expected = [math.log(2) - _binary_entropy((1 - (1 - 2 * q) ** d) / 2) for d in lags]
    np.testing.assert_allclose(markov_chain_mi([[1 - q, q], [q, 1 - q]], lags), expected, rtol=1e-10)


def _simulate(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(p, axis=1)
    u = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    s = 0
    for t in range(n):
        s = int(np.searchsorted(cdf[s], u[t], side="right"))
        out[t] = s
    return out


def test_lagged_mi_of_a_simulated_chain_matches_the_exact_decay():
    p = np.array([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.25, 0.05, 0.7]])
    codes = _simulate(p, 200_000, np.random.default_rng(1))
    lags = [1, 2, 4, 8, 16]
    exact = markov_chain_mi(p, lags)
    got = lagged_mi(codes, lags, 3, progress=False)
    # exact decay is geometric: the chain's second eigenvalue squared per step, asymptotically
    assert np.all(np.diff(exact) < 0)
    np.testing.assert_allclose(got["mi"], exact, atol=4e-4, rtol=0.05)
    # the jackknife intervals cover the exact values (5 lags at 95%: allow one miss)
    assert np.sum((got["ci_low"] <= exact) & (exact <= got["ci_high"])) >= 4
    assert got["n_pairs"].tolist() == [200_000 - d for d in lags]


def test_block_bootstrap_value_is_the_library_miller_madow():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, 5000)
    y = (x + rng.integers(0, 3, 5000)) % 7
    value, low, high = block_jackknife_mi(x, y, 7)
    assert value == pytest.approx(mi.mutual_information(x, y, method="miller_madow", discrete=True), abs=1e-12)
    assert low <= value <= high and high - low > 0


def test_pairs_never_straddle_streams():
    # within-stream lag-1 pairs are (0, 1) and (1, 0): plug-in log 2, Miller-Madow adds
    # (m_x + m_y - m_xy - 1) / (2N) = (2 + 2 - 2 - 1) / 4; the concatenation 0110 would add the pair (1, 1)
    got = lagged_mi(np.array([[0, 1], [1, 0]]), [1], 2, n_blocks=2, progress=False)
    assert got["n_pairs"].tolist() == [2]
    assert got["mi"][0] == pytest.approx(math.log(2) + 0.25, abs=1e-12)


def test_fits_recover_power_law_and_exponential():
    d = np.unique(np.round(np.logspace(0, 3, 25)))
    power = fit_decay(d, 0.3 * d ** -0.7, floor=1e-9)
    assert power["alpha"] == pytest.approx(0.7) and power["better"] == "power" and power["fit_range"] == [3, 1000]
    expo = fit_decay(d, 0.3 * np.exp(-d / 20), floor=1e-6)
    assert expo["rate"] == pytest.approx(0.05) and expo["better"] == "exponential"
    assert expo["fit_range"][1] == 178  # stops before 0.3 exp(-237 / 20) = 2.2e-6 < 3e-6


def test_noise_floor_is_the_null_quantile():
    rng = np.random.default_rng(0)
    k, n = 6, 4000
    values = [mi.mutual_information(rng.integers(0, k, n), rng.integers(0, k, n), method="miller_madow", discrete=True) for _ in range(300)]
    assert np.mean(np.array(values) > noise_floor(k, n)) == pytest.approx(0.05, abs=0.035)


def test_encode_text_and_ngram_model():
    codes, alphabet = encode_text("Ab  ab\n\tab Z", min_freq=0.15)
    assert alphabet[:3] in ("ab ", "a b", "ba ", "b a", " ab", " ba")
    assert len(alphabet) == 3 and codes.max() == 3 and codes.size == 10  # z is rare: "other"
    # a deterministic cycle is reproduced exactly by an order-2 model
    cyc = np.tile(np.arange(5), 200)
    sample = NGramModel(order=2).fit(cyc, 5).sample(3, 50, np.random.default_rng(0))
    np.testing.assert_array_equal(sample, np.tile(np.arange(50) % 5, (3, 1)))


def test_ngram_model_reaches_the_last_context_and_lags_are_checked():
    # "0 1 2 3": the context (2, 3) occurs only at the end; a sample that reaches it must use the
    # unigram fallback, not a neighbouring row
    model = NGramModel(order=2).fit(np.array([0, 1, 2, 3]), 4)
    assert model.contexts.tolist() == [0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 3]
    np.testing.assert_allclose(np.diff(np.concatenate([[0.0], model.cdf[2]])), [0.25] * 4)
    from mutinfo._errors import ParameterError

    with pytest.raises(ParameterError, match=r"`lags` parameter of lagged_mi must be .*\[1, 9\]"):
        lagged_mi(np.zeros(10, dtype=np.int64), [10], 2)
