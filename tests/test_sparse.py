"""Sparse count and indicator matrices in MISelector and pairwise: equal to the dense result, never densified."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import mutinfo as mi
from mutinfo._errors import DataError, ParameterError
from mutinfo.selection import MISelector


def _counts(n=400, p=30, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    lam = rng.gamma(0.3, 1.0, size=(4, p))  # class-dependent rates: some columns informative
    X = rng.poisson(lam[y]).astype(np.int64)
    X[:, 3] = X[:, 2]  # an exact copy, for the redundancy terms
    X[:, 5] = 0  # an all-zero column
    X[:, 6] = 1 + (y == 1)  # a column without zeros
    return X, y


@pytest.mark.parametrize("method", ["mi", "mrmr", "jmi", "cmim"])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_selector_sparse_equals_dense(method, fmt):
    X, y = _counts()
    dense = MISelector(method=method, n_features_to_select=8, estimator="miller_madow").fit(X, y)
    sparse = MISelector(method=method, n_features_to_select=8, estimator="miller_madow").fit(sp.coo_matrix(X).asformat(fmt), y)
    np.testing.assert_array_equal(sparse.selection_order_, dense.selection_order_)
    np.testing.assert_array_equal(sparse.ranking_, dense.ranking_)
    np.testing.assert_allclose(sparse.scores_, dense.scores_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sparse.relevance_, dense.relevance_, rtol=1e-12, atol=1e-14)
    out = sparse.transform(sp.csr_matrix(X))
    assert sp.issparse(out) and out.shape == (400, 8)
    np.testing.assert_array_equal(out.toarray(), X[:, dense.get_support()])


def test_selector_sparse_binary_indicators_and_small_blocks(monkeypatch):
    import mutinfo._sparse as msp

    X, y = _counts(p=50, seed=1)
    B = (X > 0).astype(np.int8)
    monkeypatch.setattr(msp, "BLOCK_CELLS", 64)  # many blocks of columns
    dense = MISelector(method="jmi", n_features_to_select=6, estimator="plugin").fit(B, y)
    sparse = MISelector(method="jmi", n_features_to_select=6, estimator="plugin").fit(sp.csr_matrix(B), y)
    np.testing.assert_array_equal(sparse.selection_order_, dense.selection_order_)
    np.testing.assert_allclose(sparse.scores_, dense.scores_, rtol=1e-12)


def test_selector_sparse_relevance_hand_table():
    # X = [0, 0, 1, 2] (sparse: two non-zeros), y = [0, 1, 0, 1]: table {(0,0):1, (0,1):1, (1,0):1, (2,1):1}
    # plug-in I = H(X) + H(Y) - H(X,Y) = (1.5 + 1 - 2) bits = 0.5 bits
    X = sp.csr_matrix(np.array([[0], [0], [1], [2]]))
    sel = MISelector(method="mi", n_features_to_select=1, estimator="plugin").fit(X, [0, 1, 0, 1])
    assert sel.relevance_[0] == pytest.approx(0.5 * np.log(2), abs=1e-12)


def test_selector_sparse_never_densifies(monkeypatch):
    X, y = _counts()
    S = sp.csr_matrix(X)
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", lambda self, *a, **k: (_ for _ in ()).throw(AssertionError("densified")))
        monkeypatch.setattr(cls, "todense", lambda self, *a, **k: (_ for _ in ()).throw(AssertionError("densified")))
    sel = MISelector(method="mrmr", n_features_to_select=5, estimator="plugin").fit(S, y)
    assert sel.selection_order_.shape == (5,) and sel.get_support().sum() == 5


def test_selector_sparse_rejects_non_counts_and_knn():
    with pytest.raises(DataError, match=r"counts or binary indicators .*X\[1, 0\] = -1"):
        MISelector(n_features_to_select=1).fit(sp.csr_matrix(np.array([[0.0], [-1.0], [2.0]])), [0, 1, 0])
    with pytest.raises(DataError, match=r"X\[2, 0\] = 0.5"):
        MISelector(n_features_to_select=1).fit(sp.csr_matrix(np.array([[0.0], [1.0], [0.5]])), [0, 1, 0])
    with pytest.raises(ParameterError, match="`estimator` parameter of MISelector"):
        MISelector(n_features_to_select=1, estimator="knn").fit(sp.csr_matrix(np.eye(3)), [0, 1, 0])


@pytest.mark.parametrize("method", ["plugin", "miller_madow", "grassberger", "chao_shen", "nsb", "auto"])
def test_pairwise_sparse_equals_dense(method):
    X, _ = _counts(n=300, p=8, seed=2)
    dense = mi.pairwise(X, method=method, discrete=True)
    sparse = mi.pairwise(sp.csc_matrix(X), method=method)
    np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


def test_pairwise_sparse_against_y_and_base():
    X, y = _counts(n=300, p=8, seed=3)
    dense = mi.pairwise(X, y, method="plugin", discrete=True, base=2)
    np.testing.assert_allclose(mi.pairwise(sp.csr_matrix(X), y, method="plugin", base=2), dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mi.pairwise(sp.csr_matrix(X), sp.csr_matrix(y[:, None]), method="plugin", base=2), dense, rtol=1e-12, atol=1e-14)


def test_pairwise_sparse_rejects_continuous_kinds():
    with pytest.raises(ParameterError, match="`discrete` parameter of pairwise"):
        mi.pairwise(sp.csr_matrix(np.eye(3)), discrete=False)
    with pytest.raises(ParameterError, match="`method` parameter of pairwise"):
        mi.pairwise(sp.csr_matrix(np.eye(3)), method="ksg")
