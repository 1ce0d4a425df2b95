"""Estimators of the information of a deterministic layer: analytic and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

torch = pytest.importorskip("torch")

import mutinfo as mi  # noqa: E402
from mutinfo.monitor import (  # noqa: E402
    BinningEstimator,
    KDEEstimator,
    KNNEstimator,
    NeuralEstimator,
    NoiseEstimator,
    bin_codes,
    kde_information,
    noisy_information,
)
from mutinfo.monitor._estimators import resolve_estimator  # noqa: E402


def _est(estimator, t, y, x=None):
    n = len(t)
    x = np.arange(n)[:, None].astype(float) if x is None else x
    codes = np.unique(x, axis=0, return_inverse=True)[1].reshape(-1)
    return estimator.estimate(x=x, x_codes=codes, t=np.asarray(t, float).reshape(n, -1), y=np.asarray(y), seed=0)


def _mixture_mi(centres, weights, s):
    """I(X; T+Z) for T = centres[X], X ~ weights, Z ~ N(0, s^2), by quadrature (1-D)."""
    centres, weights = np.asarray(centres, float), np.asarray(weights, float)

    def density(u):
        return float(np.sum(weights * stats.norm.pdf(u, centres, s)))

    lo, hi = centres.min() - 12 * s, centres.max() + 12 * s
    h_mix, _ = integrate.quad(lambda u: -density(u) * math.log(max(density(u), 1e-300)), lo, hi, limit=400, points=list(centres))
    return h_mix - 0.5 * math.log(2 * math.pi * math.e * s * s)


# ---------------------------------------------------------------------------
# Binning.


def test_bin_codes_hand_table():
    t = np.array([0.1, 0.1, 0.3, 0.3, 0.6, 0.6, 0.9, 1.0])
    codes, width = bin_codes(t[:, None], n_bins=4, value_range=(0.0, 1.0))
    assert width == 0.25
    np.testing.assert_array_equal(codes, [0, 0, 1, 1, 2, 2, 3, 3])  # 1.0 sits on the upper edge: last bin
    codes, width = bin_codes(t[:, None], bin_size=0.5)
    assert width == 0.5
    np.testing.assert_array_equal(codes, [0, 0, 0, 0, 1, 1, 1, 2])  # 1.0 // 0.5 = 2: grid anchored at 0, no range


def test_binning_hand_values():
    t = [0.1, 0.1, 0.3, 0.3, 0.6, 0.6, 0.9, 0.9]
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    out = _est(BinningEstimator(4, value_range=(0, 1)), t, y)
    assert out["i_xt"] == pytest.approx(math.log(4), abs=1e-12)  # 8 distinct inputs in 4 equal cells
    assert out["i_ty"] == pytest.approx(math.log(2), abs=1e-12)  # the cell tells the label
    assert out["bin_size"] == 0.25 and out["n_cells"] == 4
    out = _est(BinningEstimator(2, value_range=(0, 1)), t, [0, 1, 0, 1, 0, 1, 0, 1])
    assert out["i_xt"] == pytest.approx(math.log(2), abs=1e-12)
    assert out["i_ty"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.filterwarnings("ignore::mutinfo.MutualInfoWarning")
def test_binning_equals_entropy_of_cells_for_distinct_inputs(rng):
    """For a deterministic T = f(X) with distinct inputs, I(X; bin T) = H(bin T)."""
    t = np.tanh(rng.normal(size=(500, 3)))
    y = rng.integers(0, 3, 500)
    out = _est(BinningEstimator(6, value_range=(-1, 1)), t, y)
    codes, _ = bin_codes(t, n_bins=6, value_range=(-1, 1))
    assert out["i_xt"] == pytest.approx(mi.entropy(codes, method="plugin", discrete=True), abs=1e-12)
    assert out["i_ty"] == pytest.approx(mi.mutual_information(codes, y, method="plugin", discrete=True), abs=1e-12)


def test_binning_duplicate_inputs_share_their_cell():
    # Two copies of each of 4 inputs: I(X; bin T) is H over the 4 inputs, not 8 rows.
    x = np.repeat(np.arange(4.0), 2)[:, None]
    out = _est(BinningEstimator(4, value_range=(0, 4)), x[:, 0] + 0.5, [0, 0, 0, 0, 1, 1, 1, 1], x=x)
    assert out["i_xt"] == pytest.approx(math.log(4), abs=1e-12)


def test_binning_bias_corrected_method_is_used():
    t = np.linspace(0, 1, 40)
    y = (t > 0.5).astype(int)
    plug = _est(BinningEstimator(4, value_range=(0, 1)), t, y)
    mm = _est(BinningEstimator(4, value_range=(0, 1), method="miller_madow"), t, y)
    codes, _ = bin_codes(t[:, None], n_bins=4, value_range=(0, 1))
    assert mm["i_ty"] == pytest.approx(mi.mutual_information(codes, y, method="miller_madow", discrete=True), abs=1e-12)
    assert mm["i_ty"] != plug["i_ty"]


# ---------------------------------------------------------------------------
# KDE pairwise-distance bounds.


def test_kde_identical_activations_carry_no_information():
    t = np.ones((50, 3))
    y = np.arange(50) % 2
    for bound in ("upper", "lower"):
        i_xt, i_ty = kde_information(t, y, bound=bound)
        assert i_xt == pytest.approx(0.0, abs=1e-12)
        assert i_ty == pytest.approx(0.0, abs=1e-12)


def test_kde_separated_clusters_give_the_entropy_of_their_weights():
    # Clusters 100 noise standard deviations apart: the mixture components do not overlap.
    weights = np.array([0.5, 0.3, 0.2])
    centres = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 30.0]])
    labels = np.repeat([0, 1, 2], (weights * 100).astype(int))
    t = centres[labels]
    h = -np.sum(weights * np.log(weights))
    for bound in ("upper", "lower"):
        i_xt, i_ty = kde_information(t, labels, noise_variance=0.1, bound=bound)
        assert i_xt == pytest.approx(h, abs=1e-10)
        assert i_ty == pytest.approx(h, abs=1e-10)  # the cluster is the label
    i_xt, i_ty = kde_information(t, np.arange(100) % 2, noise_variance=0.1)
    assert i_ty == pytest.approx(mi.mutual_information(labels, np.arange(100) % 2, method="plugin"), abs=1e-10)


@pytest.mark.parametrize("a", [0.1, 0.3, 1.0])
def test_kde_bounds_bracket_the_true_noisy_information(a):
    s2 = 0.1
    t = np.repeat([[-a], [a]], 50, axis=0)
    truth = _mixture_mi([-a, a], [0.5, 0.5], math.sqrt(s2))
    upper, _ = kde_information(t, noise_variance=s2, bound="upper")
    lower, _ = kde_information(t, noise_variance=s2, bound="lower")
    assert lower <= truth + 1e-9 <= upper + 2e-9
    assert 0.0 <= lower and upper <= math.log(2) + 1e-12


def test_kde_closed_form_two_points():
    # Two points at distance d: upper bound = -log((1 + exp(-d^2 / (2 s^2))) / 2).
    s2, d = 0.25, 0.7
    i_xt, _ = kde_information(np.array([[0.0], [d]]), noise_variance=s2)
    assert i_xt == pytest.approx(-math.log((1 + math.exp(-d * d / (2 * s2))) / 2), abs=1e-14)
    i_low, _ = kde_information(np.array([[0.0], [d]]), noise_variance=s2, bound="lower")
    assert i_low == pytest.approx(-math.log((1 + math.exp(-d * d / (8 * s2))) / 2), abs=1e-14)


def test_kde_blocks_match_one_block(rng, monkeypatch):
    import mutinfo.monitor._estimators as est

    t = rng.normal(size=(120, 4))
    y = rng.integers(0, 3, 120)
    full = kde_information(t, y)
    monkeypatch.setattr(est, "PAIRWISE_ROWS", 7)
    assert kde_information(t, y) == pytest.approx(full, abs=1e-12)


def test_kde_torch_and_numpy_agree(rng):
    t = rng.normal(size=(200, 3))
    y = rng.integers(0, 2, 200)
    ref = kde_information(t, y)
    assert kde_information(torch.tensor(t), y) == pytest.approx(ref, abs=1e-12)
    assert kde_information(torch.tensor(t, dtype=torch.float32), y) == pytest.approx(ref, abs=1e-5)


# ---------------------------------------------------------------------------
# Noise-injected Monte Carlo estimator.


@pytest.mark.parametrize("a", [0.2, 0.6])
def test_noise_estimator_matches_quadrature(a):
    s = 0.3
    t = np.repeat([[-a], [a]], 500, axis=0)
    truth = _mixture_mi([-a, a], [0.5, 0.5], s)
    i_xt, _, se = noisy_information(t, noise_std=s, n_mc=4, seed=1)
    assert abs(i_xt - truth) < 4 * se + 1e-3
    upper, _ = kde_information(t, noise_variance=s * s)
    assert i_xt <= upper + 4 * se


def test_noise_estimator_label_information_matches_quadrature():
    # T = +-a with the label equal to the sign: I(T+Z; Y) = I(X; T+Z) here.
    s, a = 0.3, 0.4
    t = np.repeat([[-a], [a]], 500, axis=0)
    y = np.repeat([0, 1], 500)
    truth = _mixture_mi([-a, a], [0.5, 0.5], s)
    i_xt, i_ty, se = noisy_information(t, y, noise_std=s, n_mc=4, seed=2)
    assert abs(i_ty - truth) < 4 * se + 1e-3
    assert abs(i_ty - i_xt) < 4 * se  # two Monte Carlo estimates of the same quantity


def test_noise_estimator_gaussian_activations():
    # T ~ N(0, 1) (many samples), noise s = 1: I(X; T+Z) -> 0.5 log(1 + 1/s^2) = 0.5 log 2.
    t = np.random.default_rng(3).normal(size=(3000, 1))
    i_xt, _, se = noisy_information(t, noise_std=1.0, n_mc=2, seed=0)
    assert i_xt == pytest.approx(0.5 * math.log(2), abs=4 * se + 0.02)


def test_noise_estimator_is_seeded_and_leaves_global_rng_alone():
    t = np.random.default_rng(0).normal(size=(100, 2))
    state = torch.get_rng_state()
    a = noisy_information(t, noise_std=0.5, seed=5)
    b = noisy_information(t, noise_std=0.5, seed=5)
    c = noisy_information(t, noise_std=0.5, seed=6)
    assert a == b and a != c
    assert torch.equal(state, torch.get_rng_state())


# ---------------------------------------------------------------------------
# Estimators of the public API, when registered.


def test_knn_estimator_through_the_api(rng):
    x = rng.normal(size=(400, 2))
    t = np.tanh(x @ np.array([[1.0], [0.5]])) + 0.1 * rng.normal(size=(400, 1))
    y = (x[:, 0] > 0).astype(int)
    out = _est(KNNEstimator(k=3), t, y, x=x)
    assert out["i_xt"] == pytest.approx(mi.mutual_information(x, t, method="ksg", discrete=False, k=3, random_state=0), abs=1e-12)
    assert out["i_ty"] > 0.1


def test_neural_estimator_through_the_api(rng):
    x = rng.normal(size=(600, 2))
    t = x + 0.3 * rng.normal(size=(600, 2))
    y = (x[:, 0] > 0).astype(int)
    out = _est(NeuralEstimator("infonce"), t, y, x=x)
    assert out["i_xt"] > 0.3 and out["i_ty"] > 0.1


def test_api_estimators_need_registered_methods():
    with pytest.raises(mi.UnknownMethodError, match="The `method` parameter of KNNEstimator must be one of"):
        KNNEstimator(method="no_such_method")
    with pytest.raises(mi.UnknownMethodError, match="The `method` parameter of KNNEstimator must be one of"):
        KNNEstimator(label_method="no_such_method")
    with pytest.raises(mi.UnknownMethodError, match="The `method` parameter of NeuralEstimator must be one of"):
        NeuralEstimator("no_such_method")


# ---------------------------------------------------------------------------
# Parameters.


def test_resolve_estimator_names_and_errors():
    assert isinstance(resolve_estimator("binning", "f"), BinningEstimator)
    assert isinstance(resolve_estimator("kde", "f", {"noise_variance": 0.5}), KDEEstimator)
    assert isinstance(resolve_estimator("noise", "f"), NoiseEstimator)
    with pytest.raises(mi.ParameterError, match=r"The `estimator` parameter of f must be one of 'binning', 'kde', 'noise'.*Got 'bins'"):
        resolve_estimator("bins", "f")
    with pytest.raises(mi.ParameterError, match="The `estimator` parameter of f must be a name"):
        resolve_estimator(3, "f")
    with pytest.raises(mi.ParameterError, match="together with an estimator instance"):
        resolve_estimator(KDEEstimator(), "f", {"noise_variance": 1.0})


@pytest.mark.parametrize(
    "factory, pattern",
    [
        (lambda: BinningEstimator(0), r"The `n_bins` parameter of BinningEstimator must be an int >= 1 \(or pass bin_size\). Got 0."),
        (lambda: BinningEstimator(bin_size=-0.1), r"The `bin_size` parameter of BinningEstimator must be None or a positive real number. Got -0.1."),
        (lambda: BinningEstimator(value_range=(1, 0)), r"The `value_range` parameter of BinningEstimator must be None or a pair \(lo, hi\)"),
        (lambda: BinningEstimator(method="ksg"), r"The `method` parameter of BinningEstimator must be one of 'plugin'"),
        (lambda: KDEEstimator(0.0), r"The `noise_variance` parameter of KDEEstimator must be a positive real number. Got 0.0."),
        (lambda: KDEEstimator(bound="both"), r"The `bound` parameter of KDEEstimator must be one of 'upper', 'lower'. Got 'both'."),
        (lambda: NoiseEstimator(n_mc=0), r"The `n_mc` parameter of NoiseEstimator must be an int in \[1, inf\]. Got 0."),
    ],
)
def test_estimator_parameter_errors(factory, pattern):
    with pytest.raises(mi.ParameterError, match=pattern):
        factory()


# ---------------------------------------------------------------------------
# GPU: the pairwise estimators run where the activations live.

from conftest import requires_cuda  # noqa: E402


@requires_cuda
def test_kde_and_noise_on_cuda_match_cpu(rng):
    t = rng.normal(size=(700, 5))
    y = rng.integers(0, 3, 700)
    cuda = torch.tensor(t, device="cuda")
    assert kde_information(cuda, y) == pytest.approx(kde_information(t, y), abs=1e-9)
    # Different generators on CPU and GPU: compare within Monte Carlo error.
    a = noisy_information(cuda, y, noise_std=0.3, n_mc=2, seed=0)
    b = noisy_information(t, y, noise_std=0.3, n_mc=2, seed=0)
    assert abs(a[0] - b[0]) < 5 * (a[2] + b[2])
