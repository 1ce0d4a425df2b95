"""Scale, outlier and degenerate-input robustness of the continuous non-neural methods.

Property over the registry: for every continuous method of the gaussian and k-NN
families, data scaled by 1e-150 and by 1e150 give the same estimate (to 1e-9
relative), and one value of 1e100 in 2000 rows moves a k-NN MI estimate by at most
0.02 nats (the point's own term is about (psi(k) - psi(N)) / N, and the robust
standardisation keeps the other rows apart), or raises DataError (``gaussian``:
the covariance would be that row; ``kl``: the entropy would gain log(1e100) / N).
Neural methods are checked with the same helper in their own test module.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from robustness import check_scale_and_outlier

import mutinfo as mi
from mutinfo import DataError
from mutinfo._registry import REGISTRY

N = 2000
KNN_OUTLIER_TOL = 0.02


def _data(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(N)
    y = 0.6 * x + 0.8 * rng.standard_normal(N)
    return np.column_stack([x, y])


def _labels(seed: int = 0) -> np.ndarray:
    # A label that depends on x (column 0), so that ross has a discrete partner.
    rng = np.random.default_rng(seed + 100)
    x = _data(seed)[:, 0]
    return (x + 0.5 * rng.standard_normal(N) > 0).astype(int)


def _case(info):
    """(estimate function, outlier tolerance, log-Jacobian) for one registry entry."""
    quiet = dict(random_state=0)
    if info.name == "kl":
        return (lambda d: mi.entropy(d, method="kl", **quiet)), KNN_OUTLIER_TOL, (lambda c: 2 * math.log(c))
    if info.name == "ross":
        labels = _labels()
        return (lambda d: mi.mutual_information(labels, d[:, 1], method="ross", **quiet)), KNN_OUTLIER_TOL, (lambda c: 0.0)
    tol = KNN_OUTLIER_TOL if info.family == "knn" else 0.0
    return (lambda d: mi.mutual_information(d[:, 0], d[:, 1], method=info.name, **quiet)), tol, (lambda c: 0.0)


CONTINUOUS = [info for info in REGISTRY if info.family in ("gaussian", "knn")]


@pytest.mark.parametrize("info", CONTINUOUS, ids=lambda i: i.name)
def test_scaling_and_one_outlier(info):
    estimate, tol, jac = _case(info)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = check_scale_and_outlier(estimate, _data(), outlier_tol=tol, log_jacobian=jac, outlier_col=1 if info.name == "ross" else 0)
    # Scaling never needs an error.
    assert all(isinstance(result[c], float) for c in (1e-150, 1e150)), result
    if info.name in ("gaussian", "kl"):
        assert "2^52 interquartile ranges" in result["outlier"] and "rows [0]" in result["outlier"]
    else:
        assert isinstance(result["outlier"], float)


def test_every_continuous_method_is_covered():
    assert {i.name for i in CONTINUOUS} == {"gaussian", "ksg", "ksg2", "kl", "mixed", "ross"}


# ---------------------------------------------------------------------------
# Reproducers of issue 10 (each failed before: the old value in the comment).


def test_one_glitch_value_does_not_blank_ksg():
    d = _data(1)
    clean = mi.mutual_information(d[:, 0], d[:, 1], method="ksg", random_state=0)
    x = d[:, 0].copy()
    x[0] = 1e160  # the std overflowed: 1.8e-15
    assert mi.mutual_information(x, d[:, 1], method="ksg", random_state=0) == pytest.approx(clean, abs=KNN_OUTLIER_TOL)
    # transform="rank" read 0.040 instead of 0.44.
    rank_clean = mi.mutual_information(d[:, 0], d[:, 1], method="ksg", transform="rank", random_state=0)
    assert mi.mutual_information(x, d[:, 1], method="ksg", transform="rank", random_state=0) == pytest.approx(rank_clean, abs=KNN_OUTLIER_TOL)


@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e170, 1e300])
@pytest.mark.parametrize("method", ["ksg", "ksg2", "mixed"])
def test_extreme_units_give_the_same_estimate(method, scale):
    d = _data(2)
    clean = mi.mutual_information(d[:, 0], d[:, 1], method=method, random_state=0)
    # x * 1e-170 read -0.018 (the variance underflowed).
    assert mi.mutual_information(d[:, 0] * scale, d[:, 1], method=method, random_state=0) == pytest.approx(clean, rel=1e-9)


@pytest.mark.parametrize("method", ["ksg", "ksg2", "mixed"])
def test_rank_transform_is_exactly_invariant_to_increasing_maps_with_ties(method):
    rng = np.random.default_rng(3)
    x = np.round(rng.standard_normal(800), 1)
    y = np.round(x + rng.standard_normal(800), 1)
    a = mi.mutual_information(x, y, method=method, transform="rank", random_state=4)
    b = mi.mutual_information(np.exp(3 * x) * 1e200, np.arctan(y) - 7, method=method, transform="rank", random_state=4)
    assert a == b


def test_near_constant_column_is_refused_by_kl():
    # -60.3 nats before (the constant test was sd == 0).
    with pytest.raises(DataError, match=r"x column 0 is constant"):
        mi.entropy(np.full(300, 0.1), method="kl")
    with pytest.raises(DataError, match=r"x column 1 is constant"):
        mi.entropy(np.column_stack([np.arange(300.0), 1e9 + np.arange(300) * 1e-8]), method="kl")


@pytest.mark.parametrize("method", ["ksg", "ksg2", "mixed"])
def test_constant_variable_has_no_information(method):
    # ksg with noise=0 read 6.68 nats.
    with pytest.warns(mi.MutualInfoWarning, match="constant"):
        assert mi.mutual_information(np.ones(100), np.ones(100), method=method, noise=0) == 0.0
    rng = np.random.default_rng(5)
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)
    with pytest.warns(mi.MutualInfoWarning, match=r"x column\(s\) 1 are constant"):
        with_const = mi.mutual_information(np.column_stack([x, np.full(300, 0.1)]), y, method=method, random_state=0)
    assert with_const == mi.mutual_information(x, y, method=method, random_state=0)


def test_ross_and_cmi_with_a_constant_variable():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 3, 300)
    x = rng.standard_normal(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mi.mutual_information(labels, np.full(300, 2.0), method="ross") == 0.0
        assert mi.conditional_mutual_information(np.full(300, 2.0), x, x, method="ksg") == 0.0
        y = x + rng.standard_normal(300)
        assert mi.conditional_mutual_information(x, y, np.full(300, 2.0), method="ksg", random_state=0) == mi.mutual_information(x, y, method="ksg", random_state=0)


def test_gaussian_on_collinear_columns_is_the_mi_of_the_independent_part():
    # NaN before.
    d = _data(7)
    x, y = d[:, 0], d[:, 1]
    with pytest.warns(mi.MutualInfoWarning, match=r"left out x column 1"):
        value = mi.mutual_information(np.column_stack([x, 2 * x]), y, method="gaussian")
    assert value == pytest.approx(mi.mutual_information(x, y, method="gaussian"), abs=1e-10)
    with pytest.warns(mi.MutualInfoWarning, match=r"\+inf"):
        assert mi.mutual_information(x, 2 * x + 1, method="gaussian") == math.inf
    with pytest.raises(DataError, match=r"x column 1 is a linear combination"):
        mi.entropy(np.column_stack([x, 2 * x]), method="gaussian")
    # A column of x determined by z carries nothing given z.
    z = np.random.default_rng(8).standard_normal(N)
    with pytest.warns(mi.MutualInfoWarning, match=r"left out x column 1"):
        cmi = mi.conditional_mutual_information(np.column_stack([x, 3 * z]), y, z, method="gaussian")
    assert cmi == pytest.approx(mi.conditional_mutual_information(x, y, z, method="gaussian"), abs=1e-10)


def test_gaussian_entropy_follows_units_without_overflow():
    d = _data(9)
    clean = mi.entropy(d, method="gaussian")
    for c in (1e-200, 1e200):
        assert mi.entropy(d * c, method="gaussian") - 2 * math.log(c) == pytest.approx(clean, rel=1e-9)
    est = mi.estimate(d[:, 0] * 1e200, method="gaussian", random_state=0, n_bootstrap=50)
    assert est.ci_low < est.value < est.ci_high and est.value == pytest.approx(mi.entropy(d[:, 0], method="gaussian") + math.log(1e200), rel=1e-9)


def test_quantised_data_kl_refuses_or_uses_the_declared_resolution():
    rng = np.random.default_rng(10)
    x = np.round(rng.standard_normal(4000), 2)
    with pytest.raises(DataError, match=r"x column 0 repeats one value .* not a differential entropy .* resolution="):
        mi.entropy(x, method="kl")
    truth = 0.5 * math.log(2 * math.pi * math.e)
    assert mi.entropy(x, method="kl", resolution=0.01, random_state=0) == pytest.approx(truth, abs=0.04)
    two = np.column_stack([x, np.round(rng.standard_normal(4000) * 3, 1)])
    assert mi.entropy(two, method="kl", resolution=[0.01, 0.1], random_state=0) == pytest.approx(2 * truth + math.log(3), abs=0.08)
    with pytest.raises(mi.ParameterError, match=r"The `resolution` parameter of entropy must be None or a positive real number"):
        mi.entropy(x, method="kl", resolution=-1.0)


def test_wine_alcohol_entropy_is_refused_with_advice_that_works():
    from sklearn.datasets import load_wine

    alcohol = load_wine().data[:, 0]  # rounded to 0.01; kl read -1.04 nats before
    with pytest.raises(DataError, match="resolution="):
        mi.entropy(alcohol)
    value = mi.entropy(alcohol, resolution=0.01, random_state=0)
    # Below the Gaussian (maximum-entropy) value for its variance, 1.21 nats, and far from -1.04.
    assert 0.8 < value < mi.entropy(alcohol, method="gaussian")


def test_tie_warning_of_kl_never_recommends_mixed():
    rng = np.random.default_rng(11)
    base = rng.standard_normal(270)
    x = np.concatenate([base, base[:30]])  # 10% ties, no value more than twice
    with pytest.warns(mi.MutualInfoWarning) as record:
        mi.entropy(x, method="kl", random_state=0)
    text = " ".join(str(w.message) for w in record)
    assert "resolution=" in text and "mixed" not in text


def test_pairwise_gives_zero_for_a_constant_column():
    d = _data(12)
    frame = np.column_stack([d, np.full(N, 3.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matrix = mi.pairwise(frame, method="ksg", random_state=0)
    assert matrix[0, 2] == matrix[2, 0] == matrix[1, 2] == 0.0
    assert matrix[0, 1] > 0.1
