"""k-NN estimators: analytic values, properties, peers, conventions and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mutinfo as mi
from mutinfo._errors import DataError, MutualInfoWarning, ParameterError, UnsupportedDataError
from mutinfo.estimators.knn import ScipySearch, count_within_1d, ksg_mi, mixed_mi, prepare_columns

KNN_MI = ("ksg", "ksg2", "mixed")


def gaussian_pair(n, rho, dim, seed, scales=None):
    """x, y of shape (n, dim) with corr(x_j, y_j) = rho; true I = -dim/2 log(1 - rho^2)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    if scales is not None:
        x = x * scales
        y = y * scales[::-1]
    return x, y, -0.5 * dim * math.log(1 - rho**2)


# ---------------------------------------------------------------------------
# Analytic values.


@pytest.mark.parametrize("method", ["ksg", "ksg2"])
@pytest.mark.parametrize(
    "n, rho, dim, scales, tol",
    [
        (2000, 0.5, 1, None, 0.05),
        (5000, 0.9, 1, np.array([1e3]), 0.04),
        (3000, 0.6, 2, np.array([1.0, 1e-3]), 0.05),
        (4000, 0.8, 3, np.array([1.0, 100.0, 0.01]), 0.12),
    ],
)
def test_gaussian_mi_matches_closed_form(method, n, rho, dim, scales, tol):
    x, y, truth = gaussian_pair(n, rho, dim, seed=dim, scales=scales)
    value = mi.mutual_information(x, y, method=method, random_state=0)
    assert abs(value - truth) < tol, (value, truth)


def test_bits_are_nats_over_log2():
    x, y, _ = gaussian_pair(1000, 0.7, 1, seed=3)
    nats = mi.mutual_information(x, y, method="ksg", random_state=1)
    bits = mi.mutual_information(x, y, method="ksg", random_state=1, base=2)
    assert bits == pytest.approx(nats / math.log(2), rel=1e-12)


def test_larger_k_lowers_variance_on_gaussians():
    values = {k: [] for k in (1, 10)}
    for seed in range(6):
        x, y, _ = gaussian_pair(800, 0.6, 1, seed=seed)
        for k in values:
            values[k].append(mi.mutual_information(x, y, method="ksg", k=k, random_state=seed))
    assert np.std(values[10]) < np.std(values[1])


@pytest.mark.parametrize("method", KNN_MI)
def test_independent_variables_give_about_zero(method):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((4000, 2)), rng.random(4000)
    value = mi.mutual_information(x, y, method=method, random_state=0)
    # The sampling standard deviation here is about 0.013 nats (20 seeds).
    assert abs(value) < 0.04


@pytest.mark.parametrize("dim, metric", [(1, "euclidean"), (2, "euclidean"), (2, "chebyshev"), (3, "max")])
def test_kl_entropy_of_gaussian(dim, metric):
    rng = np.random.default_rng(dim)
    scales = np.array([1.0, 5.0, 0.1])[:dim]
    x = rng.standard_normal((4000, dim)) * scales
    truth = 0.5 * dim * math.log(2 * math.pi * math.e) + float(np.log(scales).sum())
    assert mi.entropy(x, method="kl", metric=metric, random_state=0) == pytest.approx(truth, abs=0.05)


def test_kl_entropy_of_correlated_gaussian_and_uniform():
    rng = np.random.default_rng(2)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    x = rng.multivariate_normal([0, 0], cov, size=4000)
    truth = 0.5 * math.log((2 * math.pi * math.e) ** 2 * np.linalg.det(cov))
    assert mi.entropy(x, method="kl", random_state=0) == pytest.approx(truth, abs=0.05)
    u = rng.uniform(0, 3, size=(4000, 1))
    assert mi.entropy(u, method="kl", random_state=0) == pytest.approx(math.log(3), abs=0.03)


def test_kl_follows_units_exactly():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((500, 2))
    h = mi.entropy(x, method="kl", random_state=5)
    h_scaled = mi.entropy(x * np.array([10.0, 0.5]), method="kl", random_state=5)
    assert h_scaled == pytest.approx(h + math.log(10.0) + math.log(0.5), abs=1e-9)


def test_kl_conditional_entropy_derived_from_joint():
    x, y, truth_mi = gaussian_pair(3000, 0.8, 1, seed=8)
    # H(X|Y) = H(X) - I(X;Y) = 1/2 log(2 pi e (1 - rho^2)) for unit-variance X.
    truth = 0.5 * math.log(2 * math.pi * math.e * (1 - 0.8**2))
    assert mi.conditional_entropy(x, y, method="kl", random_state=0) == pytest.approx(truth, abs=0.06)


# ---------------------------------------------------------------------------
# Conditional MI (Frenzel-Pompe).


def test_cmi_of_jointly_gaussian_matches_partial_correlation():
    rng = np.random.default_rng(11)
    n = 4000
    z = rng.standard_normal(n)
    x = 0.8 * z + 0.6 * rng.standard_normal(n)
    y = x + 0.5 * z + 0.5 * rng.standard_normal(n)
    # Given z: var(x|z) = 0.36, cov(x, y|z) = 0.36, var(y|z) = 0.36 + 0.25.
    partial_sq = 0.36**2 / (0.36 * 0.61)
    truth = -0.5 * math.log(1 - partial_sq)
    value = mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0)
    assert value == pytest.approx(truth, abs=0.04)
    # Conditioning changes the answer: I(X;Y) is much larger than I(X;Y|Z) here.
    assert mi.mutual_information(x, y, method="ksg", random_state=0) > truth + 0.5


def test_cmi_is_about_zero_on_a_markov_chain():
    rng = np.random.default_rng(12)
    n = 4000
    x = rng.standard_normal(n)
    z = x + 0.5 * rng.standard_normal(n)
    y = np.tanh(z) + 0.3 * rng.standard_normal(n)  # X -> Z -> Y
    assert mi.mutual_information(x, y, method="ksg", random_state=0) > 0.3
    assert abs(mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0)) < 0.03


def test_cmi_multivariate_conditioning():
    rng = np.random.default_rng(13)
    n = 3000
    z = rng.standard_normal((n, 2))
    x = z.sum(axis=1) + rng.standard_normal(n)
    y = z[:, 0] - z[:, 1] + rng.standard_normal(n)
    assert abs(mi.conditional_mutual_information(x, y, z, method="ksg1", random_state=0)) < 0.04


def test_ksg2_has_no_conditional_form():
    rng = np.random.default_rng(0)
    x, y, z = rng.standard_normal((3, 100))
    with pytest.raises(UnsupportedDataError, match="does not estimate conditional mutual information"):
        mi.conditional_mutual_information(x, y, z, method="ksg2")


# ---------------------------------------------------------------------------
# Mixtures and ties.


def test_mixed_on_bernoulli_uniform_mixture():
    # X ~ Bernoulli(1/2); Y | X=0 ~ U(0, 1), Y | X=1 ~ U(1/2, 3/2). X is known outside the
    # overlap [1/2, 1), which has probability 1/2, so I = log 2 - 1/2 log 2 = 1/2 log 2.
    rng = np.random.default_rng(21)
    n = 6000
    x = (rng.random(n) < 0.5).astype(float)
    y = rng.random(n) + 0.5 * x
    value = mi.mutual_information(x, y, method="mixed", discrete=False)
    assert value == pytest.approx(0.5 * math.log(2), abs=0.02)


def test_mixed_on_discrete_continuous_mixture_of_gao_et_al():
    # X uniform on {0, ..., 4}, Y | X ~ U(X, X + 2): I = log 5 - (4/5) log 2.
    rng = np.random.default_rng(22)
    n = 5000
    x = rng.integers(0, 5, n).astype(float)
    y = x + 2 * rng.random(n)
    truth = math.log(5) - 0.8 * math.log(2)
    assert mi.mutual_information(x, y, method="mixed", discrete=False) == pytest.approx(truth, abs=0.03)


def test_mixed_with_zero_inflated_variable():
    # Y = X with probability 1/2 and Y = 0 (an atom) otherwise: a mixture in one variable.
    rng = np.random.default_rng(23)
    n = 5000
    x = rng.standard_normal(n)
    keep = rng.random(n) < 0.5
    y = np.where(keep, x, 0.0)
    value = mi.mutual_information(x, y, method="mixed")
    # The continuous half reveals x exactly; the estimate must be large and finite.
    assert np.isfinite(value) and value > 1.5


def test_mixed_on_discrete_data_is_close_to_plugin():
    rng = np.random.default_rng(24)
    n = 8000
    x = rng.integers(0, 4, n)
    y = (x + rng.integers(0, 2, n)) % 4
    plug = mi.mutual_information(x, y, method="plugin")
    value = mi.mutual_information(x.astype(float), y.astype(float), method="mixed", discrete=False)
    assert value == pytest.approx(plug, abs=0.01)
    assert value == pytest.approx(math.log(2), abs=0.02)


def test_mixed_accepts_label_variables_against_continuous():
    rng = np.random.default_rng(25)
    labels = rng.integers(0, 5, 5000)
    y = labels + 2 * rng.random(5000)
    truth = math.log(5) - 0.8 * math.log(2)
    value = mi.mutual_information(labels, y, method="mixed", discrete=(True, False))
    assert value == pytest.approx(truth, abs=0.03)


def test_mixed_equals_ksg_on_tie_free_data():
    x, y, _ = gaussian_pair(1500, 0.7, 2, seed=5)
    for seed in (0, 1):
        a = mi.mutual_information(x, y, method="ksg", random_state=seed)
        b = mi.mutual_information(x, y, method="mixed", random_state=seed)
        assert a == b
    a = mi.mutual_information(x, y, method="ksg", noise=0.0)
    b = mi.mutual_information(x, y, method="mixed", noise=0.0)
    assert a == pytest.approx(b, abs=1e-12)


def test_ross_on_labels_against_gaussian_mixture():
    # Labels 0/1 with equal weight, Y | label ~ N(+-2, 1): I = H(Y) - H(Y | label), by quadrature.
    rng = np.random.default_rng(26)
    n = 6000
    labels = rng.integers(0, 2, n)
    y = rng.standard_normal(n) + np.where(labels == 1, 2.0, -2.0)
    grid = np.linspace(-12, 12, 200001)
    dens = 0.5 * (np.exp(-0.5 * (grid - 2) ** 2) + np.exp(-0.5 * (grid + 2) ** 2)) / math.sqrt(2 * math.pi)
    h_y = -np.trapezoid(dens * np.log(dens), grid)
    truth = h_y - 0.5 * math.log(2 * math.pi * math.e)
    assert mi.mutual_information(labels, y, method="ross", random_state=0) == pytest.approx(truth, abs=0.03)
    # Either argument order.
    assert mi.mutual_information(y, labels, method="ross", random_state=0) == pytest.approx(
        mi.mutual_information(labels, y, method="ross", random_state=0), abs=1e-12
    )


def test_ross_drops_labels_seen_once():
    rng = np.random.default_rng(27)
    labels = np.r_[rng.integers(0, 3, 300), [10, 11, 12]]
    y = rng.standard_normal(303)
    kept = mi.mutual_information(labels[:300], y[:300], method="ross", random_state=0, noise=0.0)
    assert mi.mutual_information(labels, y, method="ross", random_state=0, noise=0.0) == pytest.approx(kept, abs=1e-12)
    with pytest.raises(DataError, match="occurs at least twice"):
        mi.mutual_information(np.arange(10), y[:10], method="ross")


# ---------------------------------------------------------------------------
# Properties.


@pytest.mark.parametrize("method", KNN_MI)
def test_symmetry(method):
    x, y, _ = gaussian_pair(2000, 0.6, 2, seed=9)
    y = y[:, :1]
    a = mi.mutual_information(x, y, method=method, random_state=3)
    b = mi.mutual_information(y, x, method=method, random_state=3)
    assert a == pytest.approx(b, abs=1e-12)


@pytest.mark.parametrize("method", KNN_MI)
def test_invariant_to_sample_order(method):
    x, y, _ = gaussian_pair(1500, 0.6, 1, seed=10)
    perm = np.random.default_rng(0).permutation(1500)
    a = mi.mutual_information(x, y, method=method, noise=0.0) if method != "mixed" else mi.mutual_information(x, y, method=method)
    b = (
        mi.mutual_information(x[perm], y[perm], method=method, noise=0.0)
        if method != "mixed"
        else mi.mutual_information(x[perm], y[perm], method=method)
    )
    assert a == pytest.approx(b, abs=1e-12)


@pytest.mark.parametrize("method", KNN_MI)
def test_rank_transform_is_exactly_invariant_to_monotone_maps(method):
    x, y, _ = gaussian_pair(2000, 0.7, 1, seed=14)
    a = mi.mutual_information(x, y, method=method, transform="rank", random_state=1)
    b = mi.mutual_information(np.exp(x), y**3 + 2 * y, method=method, transform="rank", random_state=1)
    assert a == pytest.approx(b, abs=1e-12)


def test_standardised_estimate_is_nearly_invariant_to_monotone_maps():
    # KSG is invariant to smooth monotone maps in the large-sample limit; here to within its noise.
    x, y, truth = gaussian_pair(4000, 0.7, 1, seed=15)
    a = mi.mutual_information(x, y, method="ksg", random_state=1)
    b = mi.mutual_information(np.tanh(x / 2), np.sinh(y), method="ksg", random_state=1)
    assert abs(a - b) < 0.05
    assert abs(b - truth) < 0.06


def test_float32_and_float64_agree():
    x, y, _ = gaussian_pair(2000, 0.6, 1, seed=16)
    a = mi.mutual_information(x, y, method="ksg", random_state=0)
    b = mi.mutual_information(x.astype(np.float32), y.astype(np.float32), method="ksg", random_state=0)
    assert a == pytest.approx(b, abs=0.01)


def test_seeded_noise_is_reproducible_and_matters_only_for_ties():
    rng = np.random.default_rng(17)
    x = np.round(rng.standard_normal(2000), 1)  # many ties
    y = x + rng.standard_normal(2000)
    with pytest.warns(MutualInfoWarning, match=r"x column 0 repeats values .* use method='mixed'"):
        a = mi.mutual_information(x, y, method="ksg", random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        assert a == mi.mutual_information(x, y, method="ksg", random_state=5)
        assert a != mi.mutual_information(x, y, method="ksg", random_state=6)
    u, v, _ = gaussian_pair(2000, 0.5, 1, seed=18)
    assert mi.mutual_information(u, v, method="ksg", random_state=5) == mi.mutual_information(u, v, method="ksg", random_state=6)


# ---------------------------------------------------------------------------
# Peers.


def test_ksg_agrees_with_scikit_learn_on_1d_data():
    from sklearn.feature_selection import mutual_info_regression

    for seed, rho in ((0, 0.9), (1, 0.3), (2, 0.0)):
        x, y, _ = gaussian_pair(2000, rho, 1, seed=seed)
        for k in (1, 5):
            ours = mi.mutual_information(x, y, method="ksg", k=k, random_state=seed)
            # scikit-learn clips negative estimates at 0; compare raw values where they are positive.
            theirs = mutual_info_regression(x, y[:, 0], n_neighbors=k, random_state=seed)[0]
            assert ours == pytest.approx(theirs, abs=1e-9) or (theirs == 0.0 and ours < 1e-2)


def test_ross_agrees_with_scikit_learn_mutual_info_classif():
    from sklearn.feature_selection import mutual_info_classif

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, 3000)
    y = labels * 0.5 + rng.standard_normal(3000)
    for k in (2, 3, 5):
        ours = mi.mutual_information(labels, y, method="ross", k=k, random_state=0)
        theirs = mutual_info_classif(y[:, None], labels, n_neighbors=k, random_state=0)[0]
        assert ours == pytest.approx(theirs, abs=1e-9)


# ---------------------------------------------------------------------------
# Counting conventions.


def brute_count(values, r):
    return (np.abs(values[None, :] - values[:, None]) <= r[:, None]).sum(axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_exact_1d_counts_equal_brute_force_with_many_equal_distances(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(-20, 20, 600) * 0.1 + rng.choice([0.0, 1e8], 600) * (seed == 3)
    r = np.abs(values[rng.integers(0, 600, 600)] - values)
    for radius in (r, np.nextafter(r, 0), np.zeros_like(r)):
        radius = np.maximum(radius, 0.0)
        sv = np.sort(values)
        assert (count_within_1d(sv, values, radius) == brute_count(values, radius)).all()


def test_1d_counts_equal_tree_counts():
    rng = np.random.default_rng(5)
    pts = (rng.integers(0, 50, (2000, 1)) / 7.0).astype(np.float64)
    r = rng.integers(0, 5, 2000) / 7.0
    from scipy.spatial import cKDTree

    tree = cKDTree(pts).query_ball_point(pts, r, p=np.inf, return_length=True)
    assert (ScipySearch().count_le(pts, r) == tree).all()


def test_multidimensional_counts_are_exact_on_every_tree_path(monkeypatch):
    from mutinfo.estimators.knn import _search as knn

    rng = np.random.default_rng(6)
    pts = rng.integers(0, 6, (700, 3)) * 0.1
    r = np.abs(pts[rng.integers(0, 700, 700)] - pts).max(axis=1)
    brute = (np.abs(pts[:, None, :] - pts[None, :, :]).max(axis=2) <= r[:, None]).sum(axis=1)
    for radius in (r, np.nextafter(r, 0).clip(0)):
        brute = (np.abs(pts[:, None, :] - pts[None, :, :]).max(axis=2) <= radius[:, None]).sum(axis=1)
        assert (ScipySearch().count_le(pts, radius) == brute).all()
        monkeypatch.setattr(knn, "_PARALLEL_MIN_ROWS", 1)  # queries on several threads
        assert (ScipySearch(workers=3).count_le(pts, radius) == brute).all()
        assert (ScipySearch().count_le(pts, radius) == brute).all()
        assert (ScipySearch(workers=1).count_le(pts, radius) == brute).all()
        monkeypatch.setattr(knn, "_NODE_COUNT_WORK", 0)  # scikit-learn's node counts, in threads and not
        assert (ScipySearch(workers=3).count_le(pts, radius) == brute).all()
        assert (ScipySearch(workers=1).count_le(pts, radius) == brute).all()
        monkeypatch.undo()


@pytest.mark.parametrize("kind", ["gaussian", "heavy-tailed", "clustered", "ties"])
@pytest.mark.parametrize("dims", [1, 2])
def test_bounded_neighbour_search_equals_unbounded(monkeypatch, kind, dims):
    """The pilot-bounded k-th neighbour distance is the exact one, misses re-searched."""
    from scipy.spatial import cKDTree

    from mutinfo.estimators.knn import _search as knn

    rng = np.random.default_rng(8)
    n = 6000
    pts = {
        "gaussian": lambda: rng.standard_normal((n, dims)),
        "heavy-tailed": lambda: rng.standard_t(1.0, (n, dims)),  # many queries beyond the pilot's bound
        "clustered": lambda: rng.standard_normal((n, dims)) * 0.01 + rng.integers(0, 3, (n, 1)) * 100.0,
        "ties": lambda: rng.integers(0, 4, (n, dims)) * 1.0,  # k-th distances all 0: the bound is useless
    }[kind]()
    monkeypatch.setattr(knn, "_BOUNDED_MIN_ROWS", 0)
    tree = cKDTree(pts, leafsize=8)
    for p in (np.inf, 2.0):
        ref, _ = tree.query(pts, k=[4], p=p)
        got = knn._kth_distance(tree, pts, 4, p, 2)
        assert np.array_equal(got, ref[:, 0])
    if kind == "heavy-tailed":  # some queries really were searched twice
        kth = tree.query(pts, k=[4], p=np.inf)[0][:, 0]
        bound = np.quantile(tree.query(pts[:: n // 2000], k=[4], p=np.inf)[0], 0.99)
        assert (kth >= bound).sum() > 10


def test_ksg_uses_strict_marginal_counts():
    # Four points on a line: with k=1 and max-norm, hand-computed from the definition.
    x = np.array([[0.0], [1.0], [3.0], [6.0]])
    y = np.array([[0.0], [1.0], [3.0], [6.0]])
    # eps = 1, 1, 2, 3; strictly closer marginal neighbours: 0, 0, 0, 0.
    from scipy.special import digamma

    expected = digamma(1) + digamma(4) - 2 * digamma(1)
    assert ksg_mi(x, y, 1) == pytest.approx(expected, abs=1e-12)
    # Algorithm 2 counts the boundary: n_x = 1 for every point.
    from mutinfo.estimators.knn import ksg2_mi

    assert ksg2_mi(x, y, 1) == pytest.approx(digamma(1) - 1 + digamma(4) - 2 * digamma(1), abs=1e-12)


def test_mixed_zero_distance_counts_by_hand():
    # Three copies of (0, 0) and one (1, 1), k = 1: the copies have rho = 0 and
    # k_i = n_x + 1 = n_y + 1 = 3; the lone point has rho = 1 with nothing strictly closer.
    x = np.array([[0.0], [0.0], [0.0], [1.0]])
    y = x.copy()
    from scipy.special import digamma

    expected = digamma(4) + (3 * (digamma(3) - 2 * digamma(3)) + (digamma(1) - 2 * digamma(1))) / 4
    assert mixed_mi(x, y, 1) == pytest.approx(expected, abs=1e-12)


def test_prepare_columns_noise_is_relative_to_spread():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 2)) * np.array([1.0, 1e6])
    a = prepare_columns(x, noise=0.0)
    b = prepare_columns(x, noise=1e-3, rng=np.random.default_rng(1))
    assert np.allclose(a.std(axis=0), 1.0)
    assert np.allclose(np.median(a, axis=0), 0.0)
    assert np.allclose((b - a).std(axis=0), 1e-3, rtol=0.1)


# ---------------------------------------------------------------------------
# Bootstrap.


def test_half_sampling_interval_has_the_sampling_spread():
    # Spread of estimates over independent samples vs the half-sampling standard error.
    truth_sd = np.std([mi.mutual_information(*gaussian_pair(600, 0.6, 1, seed=100 + s)[:2], method="ksg", random_state=s) for s in range(25)])
    x, y, truth = gaussian_pair(600, 0.6, 1, seed=99)
    est = mi.estimate(x, y, method="ksg", random_state=0, n_bootstrap=60)
    assert est.ci_low < est.value < est.ci_high
    assert 0.5 * truth_sd < est.std_error < 2.0 * truth_sd
    # Row resampling would have been biased upwards by duplicated rows; the interval is centred.
    mid = 0.5 * (est.ci_low + est.ci_high)
    assert abs(mid - est.value) < 2 * est.std_error


def test_bootstrap_for_entropy_and_cmi():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(500)
    est = mi.estimate(x, method="kl", random_state=0, n_bootstrap=20)
    assert est.ci_low < 0.5 * math.log(2 * math.pi * math.e) + 0.2 and est.ci_high > 1.2
    z = rng.standard_normal(500)
    est = mi.estimate(x + z, z + rng.standard_normal(500), z, method="ksg", random_state=0, n_bootstrap=20)
    assert est.ci_low < est.value < est.ci_high


# ---------------------------------------------------------------------------
# method="auto" and pairwise.


def test_auto_picks_knn_methods():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(500)
    y = x + rng.standard_normal(500)
    labels = rng.integers(0, 3, 500)
    assert mi.estimate(x, y, ci=None).method == "ensemble"  # its k-NN candidates are KSG on two scalings
    assert mi.estimate(x, ci=None).method == "kl"
    assert mi.estimate(x, y, rng.standard_normal(500), ci=None).method == "ksg"
    assert mi.estimate(labels, y, ci=None).method == "ross"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Rounded to 0.1 (tens of values, ties): continuous with ties. Rounded to integers (7 values
        # in 500 rows), x would be discrete by discrete="auto" and go to ross.
        est = mi.estimate(np.round(x, 1), y, ci=None)
    assert est.method == "ensemble"  # its k-NN candidates are then the mixed (Gao et al.) estimator
    assert "repeated values" in est.details["auto_reason"]
    assert set(est.details["candidates"]["values"]) >= {"mixed", "mixed_scores", "gcmi"}


def test_pairwise_shared_path_equals_pair_by_pair():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((800, 4))
    X[:, 1] += X[:, 0]
    y = X[:, 2] - X[:, 3]
    for method in ("ksg", "ksg2"):
        M = mi.pairwise(X, method=method, noise=0.0)
        assert np.isinf(np.diag(M)).all()
        for i in range(4):
            for j in range(4):
                if i != j:
                    assert M[i, j] == pytest.approx(mi.mutual_information(X[:, i], X[:, j], method=method, noise=0.0), abs=1e-12)
        V = mi.pairwise(X, y, method=method, noise=0.0, base=2)
        assert V.shape == (4, 1)
        for i in range(4):
            assert V[i, 0] == pytest.approx(mi.mutual_information(X[:, i], y, method=method, noise=0.0, base=2), abs=1e-12)


def test_pairwise_auto_uses_copula_and_is_seeded():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((600, 3))
    X[:, 2] = X[:, 0] + 0.5 * rng.standard_normal(600)
    a = mi.pairwise(X, random_state=1)
    assert np.array_equal(a, mi.pairwise(X, random_state=1))
    assert a[0, 2] == pytest.approx(mi.mutual_information(X[:, 0], X[:, 2], method="copula", random_state=1), abs=5e-3)
    assert a[0, 2] > 0.5 and abs(a[0, 1]) < 0.05


# ---------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize("k", [0, -1, 100, 2.5, True])
def test_bad_k_is_rejected_with_the_template(k):
    x = np.arange(100.0)
    with pytest.raises(ParameterError, match=r"The `k` parameter of mutual_information must be an int in \[1, n_samples - 1\]\. Got"):
        mi.mutual_information(x, x**2, method="ksg", k=k)


def test_bad_parameters_are_rejected():
    x = np.linspace(0, 1, 50)
    with pytest.raises(ParameterError, match=r"The `noise` parameter of mutual_information must be a real number in \[0, 1\)"):
        mi.mutual_information(x, x, method="ksg", noise=-1.0)
    with pytest.raises(ParameterError, match=r"The `transform` parameter of mutual_information must be one of 'standardize', 'rank', 'none'\. Got 'log'"):
        mi.mutual_information(x, x, method="ksg", transform="log")
    with pytest.raises(ParameterError, match=r"The `metric` parameter of entropy must be one of 'euclidean', 'chebyshev', 'max'\. Got 'manhattan'"):
        mi.entropy(x, method="kl", metric="manhattan")
    with pytest.raises(ParameterError, match=r"The `device` parameter of mutual_information must be None"):
        mi.mutual_information(x, x, method="ksg", device="tpu")
    with pytest.raises(ParameterError, match="unknown parameter"):
        mi.mutual_information(x, x, method="mixed", metric="max")


def test_unsupported_data_is_rejected():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(50)
    with pytest.raises(UnsupportedDataError, match="method='ross' handles mixed data"):
        mi.mutual_information(x, x, method="ross")
    with pytest.raises(DataError, match="x column 1 is constant"):
        mi.entropy(np.c_[x, np.ones(50)], method="kl")
    with pytest.raises(UnsupportedDataError, match="method='ksg' needs numeric data, but x holds labels"):
        mi.mutual_information(["a", "b"] * 25, x, method="ksg")


# ---------------------------------------------------------------------------
# Permutation tests and the command line.


def test_permutation_test_with_ksg():
    rng = np.random.default_rng(31)
    x = rng.standard_normal(300)
    dep = mi.estimate(x, x + rng.standard_normal(300), method="ksg", ci=None, test="permutation", n_permutations=50, random_state=0)
    ind = mi.estimate(x, rng.standard_normal(300), method="ksg", ci=None, test="permutation", n_permutations=50, random_state=0)
    assert dep.p_value == pytest.approx(1 / 51)
    assert ind.p_value > 0.05


def test_cli_estimate_with_ksg(tmp_path):
    import subprocess
    import sys

    rng = np.random.default_rng(32)
    x = rng.standard_normal(1000)
    y = 0.8 * x + 0.6 * rng.standard_normal(1000)
    path = tmp_path / "g.csv"
    np.savetxt(path, np.c_[x, y], delimiter=",", header="a,b", comments="")
    out = subprocess.run(
        [sys.executable, "-m", "mutinfo", "estimate", str(path), "--x", "a", "--y", "b", "--method", "ksg", "--ci", "0"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    value = float(out.stdout.split("=")[1].split()[0])
    assert value == pytest.approx(-0.5 * math.log(1 - 0.64), abs=0.08)
    assert "method: ksg" in out.stdout


def test_bootstrap_on_too_few_rows_gives_no_interval():
    x = np.arange(6.0)
    with pytest.warns(mi.MutualInfoWarning, match="too few for two disjoint subsamples"):
        est = mi.estimate(x, x[::-1] ** 2, method="ksg", k=4, n_bootstrap=5, random_state=0)
    assert math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert any("ci_low and ci_high are NaN" in w for w in est.warnings)
