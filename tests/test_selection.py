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
    sel = MISelector(method=method, n_features_to_select=3, estimator="binning").fit(X, y)
    strong = {0, 3, 4}  # the strongest feature and its two copies: one of them comes first
    assert sel.selection_order_[0] in strong
    assert set(sel.selection_order_[1:]) == {1, 2}  # then the other informative features, no copy
    assert sel.estimator_ == "binning+plugin"
    assert sel.get_support().sum() == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_univariate_mi_keeps_the_redundant_copies(seed):
    X, y = _planted(seed=seed)
    sel = MISelector(method="mi", n_features_to_select=3, estimator="binning").fit(X, y)
    assert set(sel.selection_order_) == {0, 3, 4}  # the copies of the strongest feature crowd out columns 1 and 2
    assert sel.relevance_[0] == sel.relevance_[3]  # an exact copy has the same relevance


def test_discrete_planted_features():
    """Integer columns are discrete (plug-in on their values): y = a + b, a with 4 levels, b with 2."""
    rng = np.random.default_rng(1)
    n = 4000
    a, b = rng.integers(0, 4, n), rng.integers(0, 2, n)
    y = a + b
    X = np.column_stack([rng.integers(0, 3, n), a, a, b, rng.integers(0, 2, n)])  # column 2 copies a
    assert MISelector(method="mi", n_features_to_select=2).fit(X, y).selection_order_.tolist() == [1, 2]
    for method in ("mrmr", "jmi", "cmim"):
        sel = MISelector(method=method, n_features_to_select=2).fit(X, y)
        assert sel.estimator_ == "binning+plugin" and sel.discrete_features_.all()
        assert sel.selection_order_.tolist() == [1, 3]


def test_vectorised_tables_equal_the_public_estimators(rng):
    X = rng.normal(size=(800, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=800) > 0).astype(int) + (X[:, 2] > 1)
    for bin_method in ("plugin", "miller_madow", "chao_shen"):
        sel = MISelector(method="cmim", n_features_to_select=3, estimator="binning", n_bins=5, bin_method=bin_method).fit(X, y)
        codes = [quantile_codes(X[:, j], 5) for j in range(6)]
        expected = [mi.mutual_information(c, y, method=bin_method, discrete=True) for c in codes]
        np.testing.assert_allclose(sel.relevance_, expected, atol=1e-12)
        first, second = sel.selection_order_[:2]
        cmi = mi.conditional_mutual_information(codes[second], y, codes[first], method=bin_method, discrete=True)
        assert sel.scores_[second] == pytest.approx(cmi, abs=1e-12)
    sel = MISelector(method="mrmr", n_features_to_select=2, estimator="binning", n_bins=5).fit(X, y)
    first, second = sel.selection_order_
    expected = sel.relevance_[second] - mi.mutual_information(codes[second], codes[first], method="plugin", discrete=True)
    assert sel.scores_[second] == pytest.approx(expected, abs=1e-12)
    sel = MISelector(method="jmi", n_features_to_select=2, estimator="binning", n_bins=5).fit(X, y)
    first, second = sel.selection_order_
    joint = codes[second] * 5 + codes[first]
    assert sel.scores_[second] == pytest.approx(mi.mutual_information(joint, y, method="plugin", discrete=True), abs=1e-12)


def test_block_size_does_not_change_the_result(monkeypatch):
    import mutinfo._count_tables as count_tables

    X, y = _planted(n=1000)
    ref = MISelector(method="jmi", n_features_to_select=4, estimator="binning").fit(X, y)
    monkeypatch.setattr(count_tables, "BLOCK_CELLS", 700)
    small = MISelector(method="jmi", n_features_to_select=4, estimator="binning").fit(X, y)
    np.testing.assert_array_equal(ref.selection_order_, small.selection_order_)
    np.testing.assert_allclose(ref.scores_, small.scores_, atol=1e-12)


def test_regression_target_is_binned():
    X, _ = _planted()
    y = 2.0 * X[:, 0] + 1.5 * X[:, 1] + 1.5 * X[:, 2]
    sel = MISelector(method="cmim", n_features_to_select=3, estimator="binning").fit(X, y)
    assert sel.selection_order_[0] in {0, 3, 4} and set(sel.selection_order_[1:]) == {1, 2}


@pytest.mark.parametrize("method", ["mrmr", "jmi", "cmim"])
def test_knn_estimator_recovers_the_planted_features(method):
    X, y = _planted(n=1000)
    X = X[:, :7]  # informative, copies, two noise columns: keeps the k-NN calls few
    sel = MISelector(method=method, n_features_to_select=3, estimator="knn", random_state=0).fit(X, y)
    assert sel.estimator_ == "knn" and sel.selection_order_[0] in {0, 3, 4} and set(sel.selection_order_[1:]) == {1, 2}
    mi_sel = MISelector(method="mi", n_features_to_select=3, estimator="knn", random_state=0).fit(X, y)
    assert set(mi_sel.selection_order_) == {0, 3, 4}


def test_auto_estimator_choice():
    X, y = _planted(n=500)
    sel = MISelector(n_features_to_select=2).fit(X, y)
    assert sel.estimator_ == "knn"
    sel = MISelector(n_features_to_select=2).fit(np.round(X).astype(int), y)
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
    sel = MISelector(method="jmi", n_features_to_select=12, discrete_features=True).fit(frame, y)
    assert sel.transform(frame).shape == (600, 12)
    assert list(sel.get_feature_names_out()) == [f"px{i}" for i in sorted(sel.selection_order_)]
    pipe = make_pipeline(MISelector(discrete_features=True), KNeighborsClassifier(3))
    grid = GridSearchCV(pipe, {"miselector__method": ["mi", "jmi"], "miselector__n_features_to_select": [4, 16]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["miselector__n_features_to_select"] == 16
    assert grid.best_score_ > 0.8


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("method", ["mi", "mrmr", "jmi", "cmim"])
def test_check_estimator(method):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(MISelector(method=method, n_features_to_select=1), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 30


def test_errors():
    X, y = _planted(n=200)
    with pytest.raises(mi.ParameterError, match=r"The `method` parameter of MISelector must be one of 'mi', 'mrmr', 'jmi', 'cmim'. Got 'relief'."):
        MISelector(method="relief").fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `n_features_to_select` parameter of MISelector must be an int in \[1, n_features_in_ = 10\] or a float in \(0, 1\]. Got 11."):
        MISelector(n_features_to_select=11).fit(X, y)
    with pytest.raises(mi.ParameterError, match="The `n_features_to_select` parameter of MISelector must be"):
        MISelector(n_features_to_select=1.5).fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `discrete_features` parameter of MISelector must be 'auto', a bool, a boolean mask of length 10"):
        MISelector(discrete_features=[12]).fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `n_bins` parameter of MISelector must be an int in \[2, inf\]. Got 1."):
        MISelector(n_bins=1).fit(X, y)
    with pytest.raises(mi.ParameterError, match="The `bin_method` parameter of MISelector must be one of 'plugin'"):
        MISelector(bin_method="nsb").fit(X, y)
    assert MISelector(n_features_to_select=0.3).fit(X, y).selection_order_.shape == (3,)
    sel = MISelector(discrete_features=[0, 1], estimator="binning").fit(X, y)
    assert sel.discrete_features_.tolist() == [True, True] + [False] * 8


# --- scikit-learn conventions -----------------------------------------------------


def test_n_features_to_select_and_n_neighbors():
    """`n_features_to_select` is the number of features (SelectKBest's k / RFE's name); `n_neighbors` the k-NN k."""
    X, y = _planted(n=400)
    assert MISelector(n_features_to_select=5, estimator="binning").fit(X, y).get_support().sum() == 5
    assert MISelector(n_features_to_select=0.3, estimator="binning").fit(X, y).get_support().sum() == 3
    sel = MISelector(method="mi", n_features_to_select=2, estimator="knn", n_neighbors=5, random_state=0).fit(X, y)
    seeds = np.random.default_rng(0)  # the selector draws one seed per estimator call, in column order
    seeds = [int(seeds.integers(0, 2**31 - 1)) for _ in range(10)]
    for j in (0, 1):
        ref = mi.mutual_information(X[:, j], y, discrete=(False, True), k=5, random_state=seeds[j])
        other_k = mi.mutual_information(X[:, j], y, discrete=(False, True), k=3, random_state=seeds[j])
        assert sel.relevance_[j] == pytest.approx(ref, abs=1e-12) and abs(ref - other_k) > 1e-6
    with pytest.raises(TypeError):
        MISelector(k=5)  # the old, ambiguous name is gone (it meant neighbours, SelectKBest's k means features)
    with pytest.raises(mi.ParameterError, match=r"The `n_neighbors` parameter of MISelector must be an int in \[1, inf\]. Got 0."):
        MISelector(n_neighbors=0, estimator="knn").fit(X, y)


@pytest.mark.parametrize("method", ["mi", "mrmr", "jmi", "cmim"])
def test_scores_and_ranking_have_one_entry_per_feature(method):
    pd = pytest.importorskip("pandas")
    X, y = _planted(n=1500)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(10)])
    sel = MISelector(method=method, n_features_to_select=3, estimator="binning").fit(frame, y)
    p = 10
    assert sel.scores_.shape == sel.relevance_.shape == sel.ranking_.shape == (p,)
    scores = pd.Series(sel.scores_, index=frame.columns)  # failed on shape (3,) before
    assert scores.index[sel.selection_order_[0]] == scores.idxmax() or method != "mi"
    assert sorted(sel.ranking_.tolist()) == list(range(1, p + 1))
    assert [int(np.flatnonzero(sel.ranking_ == r)[0]) for r in (1, 2, 3)] == sel.selection_order_.tolist()
    assert (sel.ranking_[sel.get_support()] <= 3).all() and (sel.ranking_[~sel.get_support()] > 3).all()
    rest = np.argsort(sel.ranking_)[3:]
    assert (np.diff(sel.scores_[rest]) <= 1e-12).all()  # the rest ranked by decreasing score
    if method == "mi":
        np.testing.assert_array_equal(sel.scores_, sel.relevance_)
    if method == "cmim":  # the score of a column left out: min over the selected s of I(X_j; Y | X_s)
        codes = [quantile_codes(X[:, j], 8) for j in range(p)]
        j = int(rest[0])
        expected = min(mi.conditional_mutual_information(codes[j], y, codes[s], method="plugin", discrete=True) for s in sel.selection_order_)
        assert sel.scores_[j] == pytest.approx(expected, abs=1e-12)


def test_string_and_categorical_columns_are_discrete():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 1200
    color = rng.choice(["red", "green", "blue"], size=n)
    size = pd.Categorical(rng.choice(["S", "M", "L"], size=n))
    noise = rng.normal(size=n)
    y = (color == "red").astype(int) + 2 * (np.asarray(size) == "L")
    frame = pd.DataFrame({"noise": noise, "color": color, "size": size, "count": rng.integers(0, 3, n)})
    sel = MISelector(method="mrmr", n_features_to_select=2).fit(frame, y)
    assert sel.discrete_features_.tolist() == [False, True, True, True]
    assert set(frame.columns[sel.selection_order_]) == {"color", "size"}
    out = sel.transform(frame)
    assert out.shape == (n, 2) and set(np.asarray(out).ravel().tolist()) >= {"red", "L"}
    assert sel.relevance_[1] == pytest.approx(mi.mutual_information(color, y, discrete=True), abs=1e-12)
    # numpy object arrays with strings too
    sel2 = MISelector(method="mi", n_features_to_select=1).fit(np.column_stack([noise, color]).astype(object), y)
    assert sel2.selection_order_.tolist() == [1] and sel2.discrete_features_.tolist() == [False, True]
    with pytest.raises(mi.DataError, match=r"X column 'b' contains NaN at rows \[0\]"):
        MISelector(n_features_to_select=1).fit(pd.DataFrame({"a": noise, "b": [None] + list(color[1:])}), y)


def test_discrete_features_by_name():
    pd = pytest.importorskip("pandas")
    X, y = _planted(n=600)
    frame = pd.DataFrame(np.round(X * 2), columns=[f"f{j}" for j in range(10)])
    sel = MISelector(n_features_to_select=2, discrete_features=["f0", "f3"], estimator="binning").fit(frame, y)
    assert sel.discrete_features_.tolist() == [True, False, False, True] + [False] * 6
    with pytest.raises(mi.ParameterError, match=r"The `discrete_features` parameter of MISelector must be .* or column names of X. Got \['color'\]"):
        MISelector(discrete_features=["color"]).fit(frame, y)
    with pytest.raises(mi.ParameterError, match=r"column names need a DataFrame X"):
        MISelector(discrete_features=["f0"]).fit(X, y)
