"""method="auto" for continuous MI (the ensemble): the cases where a single family is confidently wrong."""

import math
import warnings

import numpy as np
import pytest

import mutinfo as mi
from mutinfo._errors import MutualInfoWarning
from mutinfo.estimators import copula
from mutinfo.estimators.ensemble import duplicated_rows, normal_marginals


def _gauss(n, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n), -0.5 * math.log(1 - rho**2)


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        return fn(*a, **kw)


def test_auto_routes_continuous_mi_and_conditional_entropy_to_the_ensemble():
    x, y, _ = _gauss(500, 0.5, 0)
    e = _quiet(mi.estimate, x, y, ci=None)
    assert e.method == "ensemble"
    cand = e.details["candidates"]
    assert cand["winner"] in cand["values"]
    assert e.value == pytest.approx(cand["values"][cand["winner"]], abs=0)
    assert e.value == pytest.approx(max(v for name, v in cand["values"].items() if name != "infonce"), abs=0)
    assert set(cand["values"]) >= {"tcopula", "ksg", "ksg_scores"}


@pytest.mark.parametrize("copies", [2, 4])
def test_duplicated_rows_are_never_read_as_dependence(copies):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(1000), rng.standard_normal(1000)
    xd, yd = np.repeat(x, copies), np.repeat(y, copies)
    # Before: k-NN estimators read copies as dependence (each row twice: 0.73 nats; four times: 7.0).
    assert _quiet(mi.mutual_information, xd, yd, method="ksg", random_state=0) > 0.5
    with pytest.warns(MutualInfoWarning, match=rf"{1000 * (copies - 1)} duplicated rows \(1000 distinct of {1000 * copies}\)"):
        value = mi.mutual_information(xd, yd, random_state=0)
    assert abs(value) < 0.02
    assert value == pytest.approx(_quiet(mi.mutual_information, x, y, random_state=0, method="ensemble"), abs=1e-12)


def test_duplicated_rows_are_told_from_tied_data():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 3, (500, 1)).astype(float)
    b = rng.integers(0, 3, (500, 1)).astype(float)
    assert duplicated_rows(a, b) is None  # few-valued columns: ties, not copies
    c = rng.standard_normal((500, 1))
    assert duplicated_rows(c, rng.standard_normal((500, 1))) is None
    keep = duplicated_rows(np.r_[c, c[:50]], np.r_[c * 2, c[:50] * 2])
    np.testing.assert_array_equal(keep, np.arange(500))


def test_independent_binary_floats_read_zero_as_continuous_data():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 1000).astype(float)
    b = rng.integers(0, 2, 1000).astype(float)
    for kw in ({"discrete": False}, {"method": "copula"}, {"method": "tcopula"}, {"method": "ensemble"}):
        assert abs(_quiet(mi.mutual_information, a, b, random_state=0, **kw)) < 0.01, kw


def test_small_samples_of_strongly_correlated_gaussians_are_not_read_high():
    # The t copula fitted to n = 30 ranks with rho = 0.9999 chose nu = 1 and read 6-7 nats (truth 4.26).
    for seed in range(5):
        x, y, truth = _gauss(30, 0.9999, seed)
        try:
            assert _quiet(mi.mutual_information, x, y, method="tcopula") < 1.1 * truth
        except copula.SingularScoresError:
            pass  # identical ranks in x and y: no copula fits, which the error says
        assert _quiet(mi.mutual_information, x, y, random_state=0) < 1.15 * truth
    errors = []
    for seed in range(10):
        x, y, truth = _gauss(20, 0.95, seed)
        errors.append(_quiet(mi.mutual_information, x, y, random_state=0) / truth)
    assert 0.7 < np.median(errors) < 1.2


def test_t_copula_still_found_on_student_t_data():
    x, y, truth = mi.datasets.student_t(5000, dim=2, df=2.0, rho=0.0, random_state=0)
    fit = copula.fit_t_copula(np.c_[x, y], calibrate=np.random.default_rng(0))
    assert 1.5 <= fit.nu <= 3.0
    assert _quiet(mi.mutual_information, x, y, method="tcopula") == pytest.approx(truth, rel=0.1)


def test_normality_check():
    rng = np.random.default_rng(0)
    assert normal_marginals(rng.standard_normal((2000, 3)))
    assert not normal_marginals(rng.standard_normal((2000, 3)) ** 3)
    assert not normal_marginals(rng.standard_normal((10, 1)))  # too few rows to tell


def test_non_monotone_dependence_is_seen():
    # X-shaped mixture: zero rank correlation, so the Gaussian copula reads about 0 (the t copula sees a part, as tail dependence).
    from mutinfo.bench.generalisation import suite

    task = suite(["xshape-1-1-r0.9"])[0]
    x, y = task.sample(5000, 11)
    e = _quiet(mi.estimate, x, y, ci=None, random_state=0)
    assert abs(_quiet(mi.mutual_information, x, y, method="gcmi")) < 0.01
    assert e.details["candidates"]["values"]["tcopula"] < 0.7 * task.true_mi
    assert e.value == pytest.approx(task.true_mi, rel=0.1)
    assert any("disagree widely" in w for w in e.warnings)


def test_neural_candidate_wins_on_a_scale_mixture_in_many_dimensions():
    from mutinfo.bench.generalisation import suite

    task = suite(["scale-mixture-5-1-a2"])[0]
    x, y = task.sample(5000, 12)
    e = _quiet(mi.estimate, x, y, ci=None, random_state=0)
    cand = e.details["candidates"]
    assert cand["winner"] == "infonce"
    assert cand["values"]["infonce"] > cand["values"]["ksg"]
    assert e.value == pytest.approx(task.true_mi, rel=0.12)


def test_conditional_entropy_agrees_with_mi_under_auto():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, size=5000)
    y = x + rng.standard_normal(5000)
    i = _quiet(mi.mutual_information, x, y, random_state=1)
    h = _quiet(mi.entropy, x, random_state=1)
    h_cond = _quiet(mi.conditional_entropy, x, y, random_state=1)
    assert h - h_cond == pytest.approx(i, abs=1e-8)
    three_h = h + _quiet(mi.entropy, y, random_state=1) - _quiet(mi.entropy, np.c_[x, y], random_state=1)
    se = _quiet(mi.estimate, x, y, random_state=1).std_error
    # The three-entropy form has its own k-NN bias; it agrees within about three standard errors of I.
    assert abs(three_h - i) < 3 * se + 0.02


def test_a_losing_neural_candidate_keeps_its_warnings_to_itself():
    # Independent 20+20-D data: the InfoNCE fit warns (held-out far below its training value), but it is not
    # the estimate, so its warning must not reach the user; the estimate stays near 0.
    from mutinfo.neural.estimator import NeuralEstimator

    r = np.random.default_rng(100)
    x, y = r.normal(size=(2000, 20)), r.normal(size=(2000, 20))
    with warnings.catch_warnings(record=True) as direct:
        warnings.simplefilter("always")
        NeuralEstimator("infonce", random_state=0, progress=False).fit(x, y)
    assert any("held-out" in str(w.message) for w in direct)
    est = mi.estimate(x, y, random_state=0, ci=None)
    assert est.details["candidates"]["winner"] != "infonce"
    assert "infonce" in est.details["candidates"]["values"]
    assert not any("held-out" in w or "neural candidate" in w for w in est.warnings)
    assert abs(est.value) < 0.05


def test_the_interval_allows_for_an_estimate_still_rising_with_n():
    # y = |x| + 0.1 e, x 2-D standard normal: I = h(|x| + 0.1 e) - h(0.1 e) = 1.846 nats (quadrature). At n = 500
    # every candidate reads low (KSG 1.48, extrapolated 1.63); the block estimates on 125 rows read lower still, and the rise raises
    # the upper bound past the truth, with a warning.
    r = np.random.default_rng(0)
    x = r.normal(size=(500, 2))
    y = np.linalg.norm(x, axis=1) + 0.1 * r.normal(size=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = mi.estimate(x, y, random_state=0)
    allowance = est.details["interval_bias_allowance"]
    assert allowance > 0.2
    assert est.value < 1.75 < 1.846 < est.ci_high
    assert est.ci_high - allowance < 1.846  # the sampling interval alone misses the truth
    assert any("still growing with the sample size" in w for w in est.warnings)
    # An unbiased case keeps its sampling interval: a Gaussian pair, rho = 0.6, n = 1000.
    z = np.random.default_rng(0).normal(size=(1000, 2))
    est = mi.estimate(z[:, 0], 0.6 * z[:, 0] + 0.8 * z[:, 1], random_state=0)
    assert est.details.get("interval_bias_allowance", 0.0) < 0.02
    assert not any("still growing" in w for w in est.warnings)


def test_knn_extrapolation_is_exact_for_a_1_over_n_bias_and_never_overshoots_a_slower_one():
    from mutinfo.estimators.ensemble import KNN_BLOCKS, _extrapolated_knn

    a = np.zeros((4000, 1))
    truth, c = 1.0, 50.0
    for rate, exact in ((1.0, True), (0.5, False), (1 / 3, False)):
        def run(x, y, r, rate=rate):
            return truth - c * x.shape[0] ** -rate

        full = run(a, a, None)
        value, correction = _extrapolated_knn(run, a, a, full, seed=0)
        assert correction > 0
        if exact:  # bias c/n: the blocks' bias is KNN_BLOCKS times larger, and the step removes all of it
            assert value == pytest.approx(truth, abs=1e-12)
        else:  # a slower bias is only partly removed: still below the truth
            assert full < value < truth
    # No block smaller than the minimum: fewer rows, no correction.
    small = np.zeros((KNN_BLOCKS * 100 - 1, 1))
    assert _extrapolated_knn(lambda x, y, r: -1.0 / x.shape[0], small, small, 0.5, seed=0) == (0.5, 0.0)


def test_knn_extrapolation_moves_low_readings_up_and_leaves_unbiased_ones():
    r = np.random.default_rng(1)
    z = r.normal(size=(2000, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = mi.estimate(z[:, 0], 0.6 * z[:, 0] + 0.8 * z[:, 1], random_state=0, ci=None)
    assert max(est.details["candidates"]["knn_corrections"].values()) < 0.01
    # y = |x| + 0.1 e, x 2-D (truth 1.846): KSG reads low; the corrected value is higher and still below the truth.
    x = r.normal(size=(2000, 2))
    y = np.linalg.norm(x, axis=1) + 0.1 * r.normal(size=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = mi.estimate(x, y, random_state=0, ci=None)
        raw = mi.mutual_information(x, y, method="ksg", random_state=0)
    cand = est.details["candidates"]
    assert cand["knn_corrections"]["ksg"] > 0.03
    assert raw < est.value < 1.846
