"""The public functions: input formats, method resolution, warnings, errors, estimate, pairwise."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mutinfo as mi

LN2 = math.log(2)


def _dependent(rng, n=500, k=4):
    x = rng.integers(0, k, n)
    return x, (x + rng.integers(0, 2, n)) % k


# ---------------------------------------------------------------------------
# Input formats give the same number.


def test_numpy_list_pandas_torch_agree(rng):
    pd = pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")
    x, y = _dependent(rng)
    ref = mi.mutual_information(x, y, method="plugin")
    assert mi.mutual_information(x.tolist(), y.tolist(), method="plugin") == pytest.approx(ref, abs=1e-12)
    assert mi.mutual_information(pd.Series(x), pd.Series(y), method="plugin") == pytest.approx(ref, abs=1e-12)
    assert mi.mutual_information(pd.Series(x).astype("category"), pd.Series(y.astype(str)), method="plugin") == pytest.approx(ref, abs=1e-12)
    assert mi.mutual_information(torch.from_numpy(x), torch.from_numpy(y), method="plugin") == pytest.approx(ref, abs=1e-12)
    assert mi.mutual_information(x.astype(bool) if x.max() < 2 else x.astype(np.int8), y, method="plugin") == pytest.approx(ref, abs=1e-12)


def test_float32_and_float64_agree(rng):
    x = rng.standard_normal((3000, 2))
    y = x @ [[0.5], [0.3]] + rng.standard_normal((3000, 1))
    a = mi.mutual_information(x, y, method="gaussian")
    b = mi.mutual_information(x.astype(np.float32), y.astype(np.float32), method="gaussian")
    assert b == pytest.approx(a, abs=1e-5)


def test_dataframe_columns_form_one_joint_symbol(rng):
    pd = pytest.importorskip("pandas")
    a = rng.integers(0, 2, 400)
    b = rng.choice(["u", "v"], 400)
    y = a * 2 + (b == "v")
    frame = pd.DataFrame({"a": a, "b": b})
    assert mi.mutual_information(frame, y, method="plugin") == pytest.approx(mi.entropy(y, method="plugin"), abs=1e-12)


def test_string_and_bool_labels(rng):
    x = rng.integers(0, 2, 300).astype(bool)
    y = np.where(x, "yes", "no")
    assert mi.mutual_information(x, y, method="plugin", base=2) == pytest.approx(mi.entropy(x, method="plugin", base=2), abs=1e-12)


# ---------------------------------------------------------------------------
# Method resolution.


def test_auto_plugin_when_well_sampled(rng):
    x, y = _dependent(rng, n=2000)
    est = mi.estimate(x, y, ci=None)
    assert est.method == "plugin"
    assert "well sampled" in est.details["auto_reason"]


def test_auto_bias_corrected_when_undersampled(rng):
    x, y = rng.integers(0, 20, 100), rng.integers(0, 20, 100)
    assert mi.estimate(x, y, ci=None).method == "nsb"
    assert mi.estimate(x, ci=None).method == "grassberger"


def test_auto_continuous_is_reported(rng):
    x = rng.standard_normal(200)
    est = mi.estimate(x, x + rng.standard_normal(200), ci=None)
    assert est.details["discrete"] == [False, False]
    assert est.details["auto_reason"]


def test_aliases_resolve(rng):
    x, y = _dependent(rng)
    assert mi.mutual_information(x, y, method="mle") == mi.mutual_information(x, y, method="plugin")
    assert mi.estimate(x, y, method="MM", ci=None).method == "miller_madow"


def test_discrete_flag_overrides_dtype(rng):
    x = rng.integers(0, 3, 300).astype(float)
    y = (x + rng.integers(0, 2, 300)) % 3
    as_labels = mi.mutual_information(x, y, discrete=True)
    assert as_labels == pytest.approx(mi.mutual_information(x.astype(int), y.astype(int), method="plugin"), abs=1e-12)
    est = mi.estimate(x, y, discrete=(True, True), ci=None)
    assert est.details["discrete"] == [True, True]


def test_methods_lists_registry():
    names = [m.name for m in mi.methods()]
    for n in ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb", "gaussian"):
        assert n in names
    info = {m.name: m for m in mi.methods()}["plugin"]
    assert info.conditional and not info.differentiable and info.data == ("discrete",)
    assert set(info.to_dict()) >= {"name", "data", "conditional", "differentiable", "devices", "summary", "reference"}


# ---------------------------------------------------------------------------
# Warnings: guesses and negative estimates.


def test_warning_for_integer_data_that_looks_continuous(rng):
    x = rng.integers(0, 10**6, 500)
    with pytest.warns(mi.MutualInfoWarning, match=r"x has integer dtype with \d+ distinct values in 500 samples"):
        mi.entropy(x)


def test_warning_for_whole_number_floats(rng):
    # A rounded measurement with many values stays continuous, and the guess is flagged.
    x = np.round(rng.normal(150, 70, 500))
    est = mi.estimate(x, rng.standard_normal(500), method="gaussian", discrete="auto", ci=None)
    assert not any("discrete='auto'" in w for w in est.warnings)  # the method decided: no guess was made
    est = mi.estimate(x, rng.standard_normal(500), ci=None)
    assert any("only whole-number values" in w for w in est.warnings)
    assert est.details["discrete"] == [False, False]


def test_estimate_says_when_it_guessed_kinds(rng):
    x, y = _dependent(rng)
    # Integers and labels are discrete by their dtype: nothing doubtful, nothing said.
    assert mi.estimate(x, y.astype(str), ci=None).warnings == ()
    assert mi.estimate(x, y, method="plugin", ci=None).warnings == ()
    # A doubtful guess (few distinct floats turned discrete) is said, with the kinds of all variables.
    est = mi.estimate(x.astype(float), y.astype(str), ci=None)
    assert est.warnings[0] == (
        "Data kinds inferred (discrete='auto'): x discrete (float dtype, few distinct values), y discrete (labels). "
        "Pass discrete= to override."
    )


def test_negative_estimate_is_not_clipped_and_explained():
    # Chao-Shen on independent, undersampled data is biased below zero.
    values = []
    for seed in range(10):
        r = np.random.default_rng(seed)
        est = mi.estimate(r.integers(0, 10, 100), r.integers(0, 10, 100), method="chao_shen", ci=None)
        values.append(est)
    negative = [e for e in values if e.value < 0]
    assert negative, "expected some negative raw estimates"
    assert all(any("negative" in w and "unclipped" in w for w in e.warnings) for e in negative)
    # Small negatives read as noise around independence; far ones as an unreliable estimate.
    for e in negative:
        note = next(w for w in e.warnings if "unclipped" in w)
        near = e.value > -mi._api.NEGATIVE_NOISE_NATS
        assert ("consistent with independence" in note) == near
        assert ("unreliable" in note) == (not near)
    assert {e.value > -mi._api.NEGATIVE_NOISE_NATS for e in negative} == {True, False}


def test_float_api_returns_raw_negative_value():
    r = np.random.default_rng(3)
    x, y = r.integers(0, 10, 100), r.integers(0, 10, 100)
    assert mi.mutual_information(x, y, method="chao_shen") == mi.estimate(x, y, method="chao_shen", ci=None).value


# ---------------------------------------------------------------------------
# estimate(): intervals, tests, reproducibility.


def test_estimate_fields(rng):
    x, y = _dependent(rng, 1000)
    est = mi.estimate(x, y, base=2, random_state=0, test="permutation", n_permutations=99)
    assert isinstance(est, mi.Estimate)
    assert est.unit == "bits" and est.n_samples == 1000 and est.quantity == "mi"
    assert est.ci_low < est.value < est.ci_high
    assert est.p_value == pytest.approx(1 / 100)
    assert est.n_bootstrap == 200 and est.n_permutations == 99
    assert float(est) == est.value
    assert "I(X;Y)" in str(est) and "bits" in str(est)
    d = est.to_dict()
    assert d["method"] == "plugin" and isinstance(d["warnings"], list)


def test_estimate_is_seeded(rng):
    x, y = _dependent(rng, 300)
    a = mi.estimate(x, y, random_state=7, test="permutation", n_permutations=50)
    b = mi.estimate(x, y, random_state=7, test="permutation", n_permutations=50)
    assert (a.ci_low, a.ci_high, a.p_value) == (b.ci_low, b.ci_high, b.p_value)


def test_value_does_not_depend_on_ci_or_test(rng):
    x, y = _dependent(rng, 300)
    assert mi.estimate(x, y, ci=None, random_state=1).value == mi.estimate(x, y, test="permutation", n_permutations=10, random_state=1).value
    assert mi.estimate(x, y, ci=None, random_state=1).value == mi.mutual_information(x, y, random_state=1)


def test_bootstrap_interval_covers_truth_mostly():
    # Binary symmetric channel, flip 0.2: I = ln 2 - H_b(0.2).
    truth = LN2 + 0.2 * math.log(0.2) + 0.8 * math.log(0.8)
    hits = 0
    for seed in range(40):
        r = np.random.default_rng(seed)
        x = r.integers(0, 2, 2000)
        y = x ^ (r.random(2000) < 0.2)
        est = mi.estimate(x, y, method="miller_madow", random_state=seed, n_bootstrap=200)
        hits += est.ci_low <= truth <= est.ci_high
    assert hits >= 32  # nominal 95%: 38 of 40 expected


def test_permutation_p_values_uniform_under_independence():
    ps = []
    for seed in range(60):
        r = np.random.default_rng(seed)
        est = mi.estimate(r.integers(0, 3, 200), r.integers(0, 3, 200), method="plugin", ci=None, test="permutation", n_permutations=99, random_state=seed)
        ps.append(est.p_value)
    ps = np.array(ps)
    assert 0.3 < ps.mean() < 0.7
    assert (ps < 0.05).mean() < 0.15


def test_conditional_permutation_within_strata(rng):
    n = 1500
    z = rng.integers(0, 4, n)
    x = (z + (rng.random(n) < 0.2)) % 4
    y = (z + (rng.random(n) < 0.2)) % 4  # X and Y depend only through Z
    dep = mi.estimate(x, y, ci=None, test="permutation", n_permutations=99, random_state=0)
    cond = mi.estimate(x, y, z, ci=None, test="permutation", n_permutations=99, random_state=0)
    assert dep.p_value == pytest.approx(0.01)
    assert cond.p_value > 0.05
    y2 = (y + x) % 4  # now Y depends on X given Z
    assert mi.estimate(x, y2, z, ci=None, test="permutation", n_permutations=99, random_state=0).p_value == pytest.approx(0.01)


def test_local_permutation_for_continuous_z(rng):
    n = 600
    z = rng.standard_normal(n)
    x = z + 0.5 * rng.standard_normal(n)
    y = z + 0.5 * rng.standard_normal(n)
    cond = mi.estimate(x, y, z, method="gaussian", ci=None, test="permutation", n_permutations=99, random_state=0)
    assert cond.p_value > 0.05
    y2 = y + x
    assert mi.estimate(x, y2, z, method="gaussian", ci=None, test="permutation", n_permutations=99, random_state=0).p_value == pytest.approx(0.01)


def test_entropy_estimate_has_interval(rng):
    est = mi.estimate(rng.integers(0, 8, 4000), method="plugin", base=2)
    assert est.quantity == "entropy"
    assert est.ci_low < 3.0 < est.ci_high + 0.01


# ---------------------------------------------------------------------------
# pairwise


def test_pairwise_matches_single_calls(rng):
    X = rng.integers(0, 3, (300, 4))
    X[:, 1] = (X[:, 0] + (rng.random(300) < 0.1)) % 3
    M = mi.pairwise(X, method="plugin")
    assert M.shape == (4, 4)
    assert np.allclose(M, M.T)
    for i in range(4):
        assert M[i, i] == pytest.approx(mi.entropy(X[:, i], method="plugin"), abs=1e-12)
    assert M[0, 1] == pytest.approx(mi.mutual_information(X[:, 0], X[:, 1], method="plugin"), abs=1e-12)
    y = X[:, 0]
    R = mi.pairwise(X, y, method="plugin")
    assert R.shape == (4, 1)
    assert R[0, 0] == pytest.approx(mi.entropy(y, method="plugin"), abs=1e-12)


def test_pairwise_continuous_diagonal_is_infinite(rng):
    X = rng.standard_normal((200, 3))
    M = mi.pairwise(X, method="gaussian")
    assert np.isinf(np.diag(M)).all()
    assert M[0, 1] == pytest.approx(mi.mutual_information(X[:, 0], X[:, 1], method="gaussian"), abs=1e-12)


# ---------------------------------------------------------------------------
# Errors: one template, nothing half-done.


def test_nan_reports_rows():
    x = np.arange(30, dtype=float)
    x[[3, 17]] = np.nan
    with pytest.raises(mi.DataError, match=r"x contains NaN at rows \[3, 17\]"):
        mi.mutual_information(x, np.arange(30.0), method="gaussian")


def test_inf_reports_rows():
    y = np.ones((10, 2))
    y[4, 1] = np.inf
    with pytest.raises(mi.DataError, match=r"y contains inf at rows \[4\]"):
        mi.mutual_information(np.arange(10.0), y)


def test_many_bad_rows_are_summarised():
    x = np.full(20, np.nan)
    with pytest.raises(mi.DataError, match=r"rows \[0, 1, 2, 3, 4\] and 15 more"):
        mi.entropy(x)


def test_missing_labels():
    with pytest.raises(mi.DataError, match=r"x contains missing values \(None\) at rows \[1\]"):
        mi.entropy(np.array(["a", None, "b"], dtype=object))


def test_mismatched_lengths():
    with pytest.raises(mi.DataError, match="x and y must have the same number of samples \\(rows\\). Got 5 and 4."):
        mi.mutual_information([1, 2, 3, 4, 5], [1, 2, 3, 4])


def test_empty_input():
    with pytest.raises(mi.DataError, match="x is empty: it has 0 samples"):
        mi.entropy([])


def test_wrong_dimensionality():
    with pytest.raises(mi.DataError, match=r"x must have shape \(n,\) or \(n, d\). Got shape \(4, 2, 2\)"):
        mi.entropy(np.zeros((4, 2, 2)))
    with pytest.raises(mi.DataError, match="Got a scalar"):
        mi.entropy(3.0)


def test_unknown_method_lists_valid_ones():
    with pytest.raises(mi.UnknownMethodError, match=r"The `method` parameter of mutual_information must be one of 'auto', 'plugin', .*'gaussian'.* Got 'kgs'"):
        mi.mutual_information([1, 2], [1, 2], method="kgs")


def test_continuous_method_on_labels():
    with pytest.raises(mi.UnsupportedDataError, match="needs numeric data, but x holds labels"):
        mi.mutual_information(["a", "b", "a", "c"], [1.0, 2.0, 3.0, 4.0], method="gaussian")


def test_discrete_method_on_forced_continuous():
    with pytest.raises(mi.UnsupportedDataError, match=r"method='plugin' handles discrete data, but got x continuous"):
        mi.mutual_information([1, 2, 3], [1, 2, 3], method="plugin", discrete=(False, True))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"base": 1}, r"The `base` parameter of mutual_information must be None \(nats\) or a positive real number other than 1"),
        ({"base": -2}, r"`base` parameter .* Got -2"),
        ({"random_state": "seed"}, r"The `random_state` parameter of mutual_information must be None, a non-negative int"),
        ({"discrete": "yes"}, r"The `discrete` parameter of mutual_information must be 'auto', a bool, or a tuple"),
        ({"discrete": (True,)}, r"one entry per variable \(2 here\)"),
        ({"method": "plugin", "bins": 3}, r"mutual_information got unknown parameter\(s\) `bins` for method='plugin', which accepts no extra parameters"),
        ({"method": "nsb", "n_states": 0}, r"The `n_states` parameter of mutual_information must be None, an int >= 1"),
        ({"method": "nsb", "n_states": (1, 9)}, r"alphabet of 1 for variable 0, but 3 distinct symbols"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(mi.MutualInfoError, match=match):
        mi.mutual_information([0, 1, 2, 0], [0, 1, 1, 0], **kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"ci": 1.5}, r"The `ci` parameter of estimate must be None or a real number in \(0, 1\). Got 1.5"),
        ({"n_bootstrap": 1}, r"The `n_bootstrap` parameter of estimate must be an int in \[2, inf\]. Got 1"),
        ({"test": "wilcoxon"}, r"The `test` parameter of estimate must be one of None, 'permutation'. Got 'wilcoxon'"),
        ({"n_permutations": 0}, r"The `n_permutations` parameter of estimate must be an int in \[1, inf\]. Got 0"),
    ],
)
def test_invalid_estimate_parameters(kwargs, match):
    with pytest.raises(mi.ParameterError, match=match):
        mi.estimate([0, 1, 2, 0], [0, 1, 1, 0], **kwargs)


def test_errors_are_value_errors():
    assert issubclass(mi.MutualInfoError, ValueError)
    with pytest.raises(ValueError):
        mi.entropy([])


def test_test_needs_y():
    with pytest.raises(mi.ParameterError, match="needs y"):
        mi.estimate([0, 1, 0, 1], test="permutation")
    with pytest.raises(mi.ParameterError, match="z without y"):
        mi.estimate([0, 1], z=[0, 1])


def test_errors_leave_inputs_untouched():
    x = np.array([3, 1, 2, 2])
    before = x.copy()
    with pytest.raises(mi.ParameterError):
        mi.mutual_information(x, x, method="plugin", bins=2)
    assert np.array_equal(x, before)


# ---------------------------------------------------------------------------
# pairwise of discrete columns: all count tables at once, equal to the pair-by-pair values.


def _pair_by_pair(monkeypatch, *args, **kwargs):
    from mutinfo import _api

    with monkeypatch.context() as m:
        m.setattr(_api, "_table_pairwise", lambda *a, **k: None)
        return mi.pairwise(*args, **kwargs)


@pytest.mark.parametrize("method", ["auto", "plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb"])
def test_discrete_pairwise_from_tables_equals_pair_by_pair(monkeypatch, method):
    from mutinfo import _api

    rng = np.random.default_rng(11)
    n = 1500
    X = rng.integers(0, 5, (n, 10))
    X[:, 1] = (X[:, 0] + rng.integers(0, 2, n)) % 5
    X[:, 4] = X[:, 4] * 10_000 - 3  # a wide, sparse range of integer codes
    X[:, 7] = rng.integers(0, 2, n)
    calls = []
    original = _api._table_pairwise
    monkeypatch.setattr(_api, "_table_pairwise", lambda *a, **k: calls.append(1) or original(*a, **k))
    got = mi.pairwise(X, method=method, base=2)
    monkeypatch.setattr(_api, "_table_pairwise", original)
    assert calls and np.array_equal(got, _pair_by_pair(monkeypatch, X, method=method, base=2))
    # The diagonal is each column's entropy; the matrix is symmetric; the copied pair carries information.
    assert np.array_equal(got, got.T) and got[0, 1] > 0.5
    assert got[7, 7] == pytest.approx(mi.entropy(X[:, 7], method=method, base=2), abs=1e-12)


def test_discrete_pairwise_from_tables_with_labels_and_a_target(monkeypatch):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(2)
    n = 800
    i = rng.integers(0, 3, n)
    df = pd.DataFrame({"s": np.array(["a", "b", "c"])[i], "flag": rng.random(n) < 0.3, "i": i, "j": rng.integers(-2, 2, n)})
    got = mi.pairwise(df, df["i"])
    assert isinstance(got, pd.Series) and got.equals(_pair_by_pair(monkeypatch, df, df["i"]))
    assert got["s"] == pytest.approx(mi.entropy(i), abs=1e-12)  # s is a relabelling of i
    full = mi.pairwise(df)
    assert full.equals(_pair_by_pair(monkeypatch, df))


def test_pairwise_falls_back_to_pairs_for_floats_and_missing_values():
    from mutinfo import _api

    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, (500, 3))
    assert _api._table_pairwise("pairwise", _api._columns(X, "X", "raise"), None, "auto", "auto", 3, {}, "raise") is not None
    floats = X.astype(float)  # float columns: their kind is decided pair by pair (few-values rule)
    assert _api._table_pairwise("pairwise", _api._columns(floats, "X", "raise"), None, "auto", "auto", 3, {}, "raise") is None
    assert _api._table_pairwise("pairwise", _api._columns(floats, "X", "raise"), None, "plugin", True, 3, {}, "raise") is not None
    floats[3, 1] = np.nan
    cols = _api._columns(floats, "X", "omit")
    assert _api._table_pairwise("pairwise", cols, None, "plugin", True, 3, {}, "omit") is None
    assert _api._table_pairwise("pairwise", _api._columns(X, "X", "raise"), None, "ksg", "auto", 3, {}, "raise") is None
