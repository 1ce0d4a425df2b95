"""MISelector: planted informative and redundant features, agreement with mutinfo's estimators, sklearn API."""

from __future__ import annotations

import numpy as np
import pytest

import mutinfo as mi
from mutinfo.selection import MISelector, quantile_codes


def _planted(n=3000, seed=0):
    """Columns 0-2 informative (0 strongest), 3 = copy of 0, 4 = near copy of 0, 5-9 noise."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    score = 2.0 * z[:, 0] + 1.5 * z[:, 1] + 1.5 * z[:, 2] + 0.3 * rng.normal(size=n)
    y = np.digitize(score, np.quantile(score, [0.25, 0.5, 0.75]))
    X = np.column_stack([z, z[:, 0], z[:, 0] + 0.01 * rng.normal(size=n), rng.normal(size=(n, 5))])
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", ["mrmr", "jmi", "cmim"])
def test_redundancy_aware_methods_recover_the_planted_features(method, seed):
    X, y = _planted(seed=seed)
    sel = MISelector(method=method, n_features=3, estimator="binning").fit(X, y)
    strong = {0, 3, 4}  # the strongest feature and its two copies: one of them comes first
    assert sel.ranking_[0] in strong
    assert set(sel.ranking_[1:]) == {1, 2}  # then the other informative features, no copy
    assert sel.estimator_ == "binning+plugin"
    assert sel.get_support().sum() == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_univariate_mi_keeps_the_redundant_copies(seed):
    X, y = _planted(seed=seed)
    sel = MISelector(method="mi", n_features=3, estimator="binning").fit(X, y)
    assert set(sel.ranking_) == {0, 3, 4}  # the copies of the strongest feature crowd out columns 1 and 2
    assert sel.relevance_[0] == sel.relevance_[3]  # an exact copy has the same relevance


def test_discrete_planted_features():
    """Integer columns are discrete (plug-in on their values): y = a + b, a with 4 levels, b with 2."""
    rng = np.random.default_rng(1)
    n = 4000
    a, b = rng.integers(0, 4, n), rng.integers(0, 2, n)
    y = a + b
    X = np.column_stack([rng.integers(0, 3, n), a, a, b, rng.integers(0, 2, n)])  # column 2 copies a
    assert MISelector(method="mi", n_features=2).fit(X, y).ranking_.tolist() == [1, 2]
    for method in ("mrmr", "jmi", "cmim"):
        sel = MISelector(method=method, n_features=2).fit(X, y)
        assert sel.estimator_ == "binning+plugin" and sel.discrete_features_.all()
        assert sel.ranking_.tolist() == [1, 3]


def test_vectorised_tables_equal_the_public_estimators(rng):
    X = rng.normal(size=(800, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=800) > 0).astype(int) + (X[:, 2] > 1)
    for bin_method in ("plugin", "miller_madow", "chao_shen"):
        sel = MISelector(method="cmim", n_features=3, estimator="binning", n_bins=5, bin_method=bin_method).fit(X, y)
        codes = [quantile_codes(X[:, j], 5) for j in range(6)]
        expected = [mi.mutual_information(c, y, method=bin_method, discrete=True) for c in codes]
        np.testing.assert_allclose(sel.relevance_, expected, atol=1e-12)
        first, second = sel.ranking_[:2]
        cmi = mi.conditional_mutual_information(codes[second], y, codes[first], method=bin_method, discrete=True)
        assert sel.scores_[1] == pytest.approx(cmi, abs=1e-12)
    sel = MISelector(method="mrmr", n_features=2, estimator="binning", n_bins=5).fit(X, y)
    first, second = sel.ranking_
    expected = sel.relevance_[second] - mi.mutual_information(codes[second], codes[first], method="plugin", discrete=True)
    assert sel.scores_[1] == pytest.approx(expected, abs=1e-12)
    sel = MISelector(method="jmi", n_features=2, estimator="binning", n_bins=5).fit(X, y)
    first, second = sel.ranking_
    joint = codes[second] * 5 + codes[first]
    assert sel.scores_[1] == pytest.approx(mi.mutual_information(joint, y, method="plugin", discrete=True), abs=1e-12)


def test_block_size_does_not_change_the_result(monkeypatch):
    import mutinfo.selection as selection

    X, y = _planted(n=1000)
    ref = MISelector(method="jmi", n_features=4, estimator="binning").fit(X, y)
    monkeypatch.setattr(selection, "BLOCK_CELLS", 700)
    small = MISelector(method="jmi", n_features=4, estimator="binning").fit(X, y)
    np.testing.assert_array_equal(ref.ranking_, small.ranking_)
    np.testing.assert_allclose(ref.scores_, small.scores_, atol=1e-12)


def test_regression_target_is_binned():
    X, _ = _planted()
    y = 2.0 * X[:, 0] + 1.5 * X[:, 1] + 1.5 * X[:, 2]
    sel = MISelector(method="cmim", n_features=3, estimator="binning").fit(X, y)
    assert sel.ranking_[0] in {0, 3, 4} and set(sel.ranking_[1:]) == {1, 2}


@pytest.mark.parametrize("method", ["mrmr", "jmi", "cmim"])
def test_knn_estimator_recovers_the_planted_features(method):
    X, y = _planted(n=1000)
    X = X[:, :7]  # informative, copies, two noise columns: keeps the k-NN calls few
    sel = MISelector(method=method, n_features=3, estimator="knn", random_state=0).fit(X, y)
    assert sel.estimator_ == "knn" and sel.ranking_[0] in {0, 3, 4} and set(sel.ranking_[1:]) == {1, 2}
    mi_sel = MISelector(method="mi", n_features=3, estimator="knn", random_state=0).fit(X, y)
    assert set(mi_sel.ranking_) == {0, 3, 4}


def test_auto_estimator_choice():
    X, y = _planted(n=500)
    sel = MISelector(n_features=2).fit(X, y)
    assert sel.estimator_ == "knn"
    sel = MISelector(n_features=2).fit(np.round(X).astype(int), y)
    assert sel.estimator_ == "binning+plugin" and sel.discrete_features_.all()


def test_sklearn_api_pipeline_and_grid_search():
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    sel = MISelector(method="jmi", n_features=12, discrete_features=True).fit(frame, y)
    assert sel.transform(frame).shape == (600, 12)
    assert list(sel.get_feature_names_out()) == [f"px{i}" for i in sorted(sel.ranking_)]
    pipe = make_pipeline(MISelector(discrete_features=True), KNeighborsClassifier(3))
    grid = GridSearchCV(pipe, {"miselector__method": ["mi", "jmi"], "miselector__n_features": [4, 16]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["miselector__n_features"] == 16
    assert grid.best_score_ > 0.8


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("method", ["mi", "mrmr", "jmi", "cmim"])
def test_check_estimator(method):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(MISelector(method=method, n_features=1), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 30


def test_errors():
    X, y = _planted(n=200)
    with pytest.raises(mi.ParameterError, match=r"The `method` parameter of MISelector must be one of 'mi', 'mrmr', 'jmi', 'cmim'. Got 'relief'."):
        MISelector(method="relief").fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `n_features` parameter of MISelector must be an int in \[1, n_features_in_ = 10\] or a float in \(0, 1\]. Got 11."):
        MISelector(n_features=11).fit(X, y)
    with pytest.raises(mi.ParameterError, match="The `n_features` parameter of MISelector must be"):
        MISelector(n_features=1.5).fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `discrete_features` parameter of MISelector must be 'auto', a bool, a boolean mask of length 10"):
        MISelector(discrete_features=[12]).fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `n_bins` parameter of MISelector must be an int in \[2, inf\]. Got 1."):
        MISelector(n_bins=1).fit(X, y)
    with pytest.raises(mi.ParameterError, match="The `bin_method` parameter of MISelector must be one of 'plugin'"):
        MISelector(bin_method="nsb").fit(X, y)
    assert MISelector(n_features=0.3).fit(X, y).ranking_.shape == (3,)
    sel = MISelector(discrete_features=[0, 1], estimator="binning").fit(X, y)
    assert sel.discrete_features_.tolist() == [True, True] + [False] * 8
