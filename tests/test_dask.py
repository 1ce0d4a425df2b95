"""The Dask back-end on a real cluster: worker processes, equality with the in-memory path, data never sent to the client."""

from __future__ import annotations

import math

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
pd = pytest.importorskip("pandas")

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402

import mutinfo as mi  # noqa: E402
from mutinfo._errors import DataError, UnsupportedDataError  # noqa: E402
from mutinfo.selection import MISelector  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _frame(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, n)
    b = (a + rng.integers(0, 2, n)) % 4
    c = rng.integers(-3, 2, n)
    levels = rng.choice([0.5, 1.5, 2.5], n)  # float with few values: discrete under "auto"
    f = rng.standard_normal(n)
    g = f + rng.standard_normal(n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "levels": levels, "f": f, "g": g})


def _generated(n: int, p: int, chunk: int, seed: int) -> da.Array:
    """An integer array made on the workers chunk by chunk (the graph holds seeds, not data)."""

    def make(i: int, rows: int) -> np.ndarray:
        rng = np.random.default_rng(seed + i)
        X = rng.integers(0, 6, (rows, p))
        X[:, 1] = (X[:, 0] + rng.integers(0, 2, rows)) % 6
        return X

    parts = [
        da.from_delayed(dask.delayed(make)(i, min(chunk, n - start)), shape=(min(chunk, n - start), p), dtype=np.int64)
        for i, start in enumerate(range(0, n, chunk))
    ]
    return da.concatenate(parts, axis=0)


# ---------------------------------------------------------------------------
# Equality with the in-memory path.


def test_pairwise_discrete_columns_equal_in_memory_bit_for_bit(client):
    df = _frame()[["a", "b", "c", "levels"]]
    ddf = dd.from_pandas(df, npartitions=5)
    for method in ("plugin", "miller_madow", "nsb"):
        expected = mi.pairwise(df, method=method, discrete=True)
        got = mi.pairwise(ddf, method=method, discrete=True)
        assert np.array_equal(got, expected), method
    # discrete="auto": ints and the few-valued float column are discrete, diagonal = entropies.
    expected = mi.pairwise(df)
    got = mi.pairwise(ddf)
    assert np.array_equal(got, expected)
    assert isinstance(got, pd.DataFrame) and list(got.columns) == list(got.index) == ["a", "b", "c", "levels"]
    one = mi.pairwise(ddf[["a", "c"]], ddf["b"])  # one target: a Series, as for pandas input
    assert isinstance(one, pd.Series) and one.equals(mi.pairwise(df[["a", "c"]], df["b"]))
    values = got.to_numpy()
    assert values[0, 0] == pytest.approx(math.log(4), abs=2e-3) and values[0, 1] == pytest.approx(math.log(2), abs=5e-3)


def test_pairwise_of_x_and_y_arrays_equals_in_memory(client):
    df = _frame()
    X, Y = df[["a", "c"]].to_numpy(), df[["b", "levels"]].to_numpy()
    got = mi.pairwise(da.from_array(X, chunks=(900, 2)), da.from_array(Y, chunks=(900, 2)), method="plugin", base=2)
    assert got.shape == (2, 2)
    assert np.array_equal(got, mi.pairwise(X, Y, method="plugin", base=2))


def test_pairwise_knn_and_mixed_columns_equal_in_memory_with_the_same_random_state(client):
    df = _frame(n=2000)
    ddf = dd.from_pandas(df, npartitions=3)
    expected = mi.pairwise(df, random_state=7)
    got = mi.pairwise(ddf, random_state=7)
    assert np.array_equal(got, expected)
    assert got.loc["f", "g"] == pytest.approx(0.5 * math.log(2), abs=0.06)  # f, g = f + noise: I = log(2) / 2
    # Continuous columns only: the shared k-NN block, tie-breaking noise drawn column after column.
    # Rounded values tie, so the noise (from random_state) decides the neighbours: same seed, same matrix.
    cont = np.round(df[["f", "g", "f"]].to_numpy(), 1)
    dcont = da.from_array(cont, chunks=(700, 3))
    expected = mi.pairwise(cont, method="ksg", random_state=3)
    assert np.array_equal(mi.pairwise(dcont, method="ksg", random_state=3), expected)
    assert not np.array_equal(mi.pairwise(dcont, method="ksg", random_state=4), expected)


def test_mutual_information_and_entropy_of_dask_series(client):
    df = _frame()
    ddf = dd.from_pandas(df, npartitions=4)
    assert mi.mutual_information(ddf["a"], ddf["b"]) == mi.mutual_information(df["a"], df["b"])
    assert mi.mutual_information(ddf["a"], ddf["b"], method="miller_madow", base=2) == mi.mutual_information(df["a"], df["b"], method="miller_madow", base=2)
    assert mi.entropy(ddf["c"], base=2) == mi.entropy(df["c"], base=2)
    four = np.repeat([0, 1, 2, 3], 250)
    assert mi.entropy(da.from_array(four, chunks=300), base=2) == mi.entropy(four, base=2) == pytest.approx(2.0, abs=1e-12)
    with pytest.raises(UnsupportedDataError, match="discrete variables"):
        mi.mutual_information(ddf["f"], ddf["g"])
    with pytest.raises(UnsupportedDataError, match="does not run on Dask collections"):
        mi.estimate(ddf["a"], ddf["b"])


@pytest.mark.parametrize("method", ["mi", "mrmr", "jmi", "cmim"])
def test_miselector_on_dask_selects_exactly_as_in_memory(client, method):
    rng = np.random.default_rng(1)
    n, p = 3000, 10
    X = rng.integers(0, 4, (n, p))
    X[:, 3] = X[:, 0]  # a copy: redundant
    y = (X[:, 0] + X[:, 1] + (X[:, 2] > 1)) % 3
    ref = MISelector(method=method, n_features_to_select=5).fit(X, y)
    got = MISelector(method=method, n_features_to_select=5).fit(da.from_array(X, chunks=(800, p)), da.from_array(y, chunks=800))
    assert got.selection_order_.tolist() == ref.selection_order_.tolist()
    assert np.array_equal(got.scores_, ref.scores_) and np.array_equal(got.relevance_, ref.relevance_)
    assert got.estimator_ == ref.estimator_ and got.n_features_in_ == p
    if method in ("mrmr", "cmim"):  # both penalise the copy of a chosen feature
        assert 3 not in got.selection_order_[:3]


def test_miselector_on_dask_dataframe_keeps_names_and_refuses_continuous_columns(client):
    df = _frame()
    ddf = dd.from_pandas(df, npartitions=3)
    sel = MISelector(method="mrmr", n_features_to_select=2).fit(ddf[["a", "b", "c"]], ddf["b"])
    assert list(sel.feature_names_in_) == ["a", "b", "c"] and sel.selection_order_[0] == 1
    with pytest.raises(UnsupportedDataError, match="f, g are continuous"):
        MISelector().fit(ddf, ddf["a"])


# ---------------------------------------------------------------------------
# The client never receives the data.


def test_client_receives_tables_not_data(client, monkeypatch):
    from dask.sizeof import sizeof

    n, p = 100_000, 10
    X = _generated(n, p, 25_000, seed=5)
    y = X[:, 0] % 3
    received = []
    original = distributed.Client._gather

    async def counting_gather(self, futures, *args, **kwargs):
        out = await original(self, futures, *args, **kwargs)
        received.append(sizeof(out))
        return out

    monkeypatch.setattr(distributed.Client, "_gather", counting_gather)
    matrix = mi.pairwise(X, method="plugin")
    sel = MISelector(method="mrmr", n_features_to_select=3).fit(X, y)
    monkeypatch.undo()
    data_bytes = n * p * 8
    assert received and sum(received) < data_bytes / 50, (sum(received), data_bytes)
    # And the values are right: the in-memory path on the same data.
    Xn = X.compute()
    assert np.array_equal(matrix, mi.pairwise(Xn, method="plugin"))
    assert matrix[0, 1] > 0.5 and abs(matrix[0, 2]) < 1e-3
    assert sel.selection_order_.tolist() == MISelector(method="mrmr", n_features_to_select=3).fit(Xn, Xn[:, 0] % 3).selection_order_.tolist()


# ---------------------------------------------------------------------------
# Missing values, memory limits.


def test_missing_values_follow_nan_policy(client):
    df = _frame(n=1000)[["a", "levels", "f"]].astype({"a": "float64"})
    df.loc[[5, 640], "a"] = np.nan
    ddf = dd.from_pandas(df, npartitions=4)
    with pytest.raises(DataError, match=r"a contains NaN at rows \[5, 640\]"):
        mi.pairwise(ddf)
    with pytest.warns(mi.MutualInfoWarning, match="up to 2 rows"):
        got = mi.pairwise(ddf, nan_policy="omit", random_state=0)
    with pytest.warns(mi.MutualInfoWarning):
        expected = mi.pairwise(df, nan_policy="omit", random_state=0)
    assert np.array_equal(got, expected)
    with pytest.raises(DataError, match="rows"):
        MISelector().fit(ddf[["a", "levels"]], ddf["levels"])


def test_a_pair_too_large_for_a_worker_is_an_error_unless_max_rows(client, monkeypatch):
    import mutinfo._dask as mdask

    rng = np.random.default_rng(2)
    x = rng.standard_normal(6000)
    X = np.column_stack([x, 0.8 * x + 0.6 * rng.standard_normal(6000)])  # rho = 0.8
    dX = da.from_array(X, chunks=(1500, 2))
    monkeypatch.setattr(mdask, "_worker_memory", lambda: 100_000)
    with pytest.raises(DataError, match="needs about .* on one worker.*max_rows="):
        mi.pairwise(dX)
    with pytest.warns(mi.MutualInfoWarning, match="subsample of 3000 of the 6000 rows"):
        got = mi.pairwise(dX, max_rows=3000, random_state=0)
    assert got[0, 1] == pytest.approx(-0.5 * math.log(1 - 0.64), abs=0.06)
    assert got[0, 1] != mi.pairwise(X, random_state=0)[0, 1]  # an estimate on a subsample, not the full data


# ---------------------------------------------------------------------------
# The counting kernels of one partition.


@pytest.mark.parametrize("entries", [64, 1 << 23])
def test_one_hot_counts_equal_per_pair_bincounts(monkeypatch, entries):
    from mutinfo import _dask

    monkeypatch.setattr(_dask, "ONE_HOT_ENTRIES", entries)  # 64: many row blocks, each summed exactly
    rng = np.random.default_rng(3)
    n, p = 1003, 9
    X = rng.integers(0, 5, (n, p))
    X[:, 2] = rng.integers(0, 2, n)  # another alphabet size
    frame = pd.DataFrame({"f": rng.choice([-1.5, 0.25, 7.0], n), "s": rng.choice(["u", "v", "w", "z"], n)})
    parts = [X, frame]
    columns = [(0, j, f"X[{j}]") for j in range(p)] + [(1, 0, "f"), (1, 1, "s")]
    alphabets = [np.unique(X[:, j]) for j in range(p)] + [np.array([-1.5, 0.25, 7.0]), np.array(["u", "v", "w", "z"], dtype=object)]
    m = len(columns)
    pairs = [(a, b) for a in range(m) for b in range(a, m)]
    got = _dask._pair_tables(parts, columns, alphabets, pairs)
    codes = np.column_stack([X] + [np.searchsorted(alphabets[p], frame["f"].to_numpy()), np.searchsorted(alphabets[p + 1], frame["s"].to_numpy().astype(object))])
    for (a, b), table in zip(pairs, got):
        ka, kb = alphabets[a].shape[0], alphabets[b].shape[0]
        if a == b:
            assert np.array_equal(table, np.bincount(codes[:, a], minlength=ka))
        else:
            expected = np.bincount(codes[:, a] * kb + codes[:, b], minlength=ka * kb).reshape(ka, kb)
            assert table.dtype == np.int64 and np.array_equal(table, expected), (a, b)
    assert sum(t.sum() for (a, b), t in zip(pairs, got) if a != b) == n * m * (m - 1) // 2


def test_code_matrix_marks_missing_cells_and_codes_against_the_alphabet():
    from mutinfo import _dask

    frame = pd.DataFrame({"a": [3.0, np.nan, 1.0, 3.0], "b": pd.array([True, False, None, True], dtype="boolean")})
    ints = np.array([[2, 0], [1, 1], [0, 1], [2, 2]])
    codes = _dask.code_matrix([frame, ints], [(0, 0, "a"), (0, 1, "b"), (1, 1, "i")], [np.array([1.0, 3.0]), np.array([False, True]), np.arange(3)])
    assert codes.tolist() == [[1, 1, 0], [-1, 0, 1], [0, -1, 1], [1, 1, 2]]


def test_a_pass_sends_its_shared_arguments_once_not_once_per_partition(monkeypatch):
    import pickle

    import cloudpickle

    from mutinfo import _dask

    p = 30
    columns = [(0, j, f"X[{j}]") for j in range(p)]
    alphabets = [np.arange(6)] * p
    many = [(a, b) for a in range(p) for b in range(a, p)]
    few = [(0, b) for b in range(p)]

    def graph_bytes(n_parts: int, pairs) -> int:
        captured = []
        monkeypatch.setattr(_dask, "_compute", lambda *objs: captured.extend(objs) or [None] * len(objs))
        frame = _dask._Frame(_generated(n_parts * 50, p, 50, seed=0), "X")
        with pytest.raises(TypeError):  # the fake compute returns no tables; the graph is what we want
            _dask.count_tables([frame], columns, alphabets, pairs)
        dsk = {}
        for obj in captured:
            dsk.update(dict(obj.__dask_graph__()))
        return sum(len(cloudpickle.dumps(task)) for task in dsk.values())  # tasks travel one by one

    def per_partition(pairs) -> float:
        return (graph_bytes(40, pairs) - graph_bytes(10, pairs)) / 30

    spec_growth = len(pickle.dumps(many)) - len(pickle.dumps(few))
    assert spec_growth > 2000
    # 435 more pairs add nothing per partition: the pairs travel once, in one node of the graph.
    assert abs(per_partition(many) - per_partition(few)) < spec_growth / 10, (per_partition(many), per_partition(few))


@pytest.mark.parametrize("width", [80, 4096])
def test_tiles_of_a_wide_matrix_and_one_target_count_the_same_tables(monkeypatch, width):
    from mutinfo import _dask

    monkeypatch.setattr(_dask, "ONE_HOT_MAX_WIDTH", width)  # 80: groups of 10 four-level columns, 6 tiles
    rng = np.random.default_rng(5)
    n, p = 700, 30
    X = rng.integers(0, 4, (n, p))
    X[:, 13] = (X[:, 2] + rng.integers(0, 2, n)) % 4
    y = (X[:, 0] + X[:, 13]) % 3
    parts = [X, y]
    columns = [(0, j, f"X[{j}]") for j in range(p)] + [(1, 0, "y")]
    alphabets = [np.arange(4)] * p + [np.arange(3)]
    symmetric = [(a, b) for a in range(p) for b in range(a, p)]
    target = [(a, p) for a in range(p)]
    codes = np.column_stack([X, y])
    for pairs in (symmetric, target):
        blocks = _dask._blocks(pairs, alphabets)
        assert sorted(pr for block in blocks for pr in block) == sorted(pairs)
        if width == 80 and pairs is symmetric:
            assert len(blocks) == 6  # 3 groups of 10 columns: 3 diagonal tiles and 3 cross tiles
        for block in blocks:
            for (a, b), table in zip(block, _dask._pair_tables(parts, columns, alphabets, block)):
                ka, kb = alphabets[a].shape[0], alphabets[b].shape[0]
                expected = np.bincount(codes[:, a], minlength=ka) if a == b else np.bincount(codes[:, a] * kb + codes[:, b], minlength=ka * kb).reshape(ka, kb)
                assert np.array_equal(table, expected), (a, b)
    # The in-memory matrix from these tiles is the pair-by-pair one.
    from mutinfo import _api

    got = mi.pairwise(X, method="plugin")
    monkeypatch.setattr(_api, "_table_pairwise", lambda *a, **k: None)
    assert np.array_equal(got, mi.pairwise(X, method="plugin")) and got[2, 13] > 0.3
