"""Missing values: a DataError naming the variable and rows, or nan_policy="omit"."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mutinfo as mi

ROWS = [2, 6]  # where every fixture below puts its missing markers
N = 40


def _with_missing(values, marker, dtype=None):
    out = list(values)
    for r in ROWS:
        out[r] = marker
    return out if dtype is None else pd.Series(out, dtype=dtype)


def _markers():
    labels = ["a", "b", "c", "d"] * (N // 4)
    floats = list(np.tile([0.25, 1.5, 2.75, 4.0], N // 4) + np.arange(N) * 0.01)
    ints = [1, 2, 3, 4] * (N // 4)
    bools = [True, False, True, True] * (N // 4)
    dates = list(pd.date_range("2020-01-01", periods=N))
    masked = np.ma.masked_array(np.arange(N, dtype=float), mask=np.isin(np.arange(N), ROWS))
    torch = pytest.importorskip("torch")
    tensor = torch.arange(N, dtype=torch.float64)
    tensor[ROWS] = float("nan")
    return {
        "numpy NaN": (np.array(_with_missing(floats, np.nan)), r"NaN"),
        "list None": (_with_missing(floats, None), r"missing values \(None\)"),
        "object None": (np.array(_with_missing(labels, None), dtype=object), r"missing values \(None\)"),
        "object NaN": (np.array(_with_missing(labels, float("nan")), dtype=object), r"NaN"),
        "object pd.NA": (np.array(_with_missing(labels, pd.NA), dtype=object), r"missing values \(pd.NA\)"),
        "object NaT": (np.array(_with_missing(labels, pd.NaT), dtype=object), r"missing values \(NaT\)"),
        "boolean pd.NA": (_with_missing(bools, None, "boolean"), r"missing values \(pd.NA\)"),
        "Int64 pd.NA": (_with_missing(ints, None, "Int64"), r"missing values \(pd.NA\)"),
        "string pd.NA": (_with_missing(labels, pd.NA, "string"), r"missing values \(pd.NA\)"),
        "category NaN": (_with_missing(labels, None, "category"), r"NaN"),
        "float Series NaN": (_with_missing(floats, np.nan, "float64"), r"NaN"),
        "datetime NaT": (pd.Series(_with_missing(dates, pd.NaT)), r"missing values \(NaT\)"),
        "numpy datetime64 NaT": (np.array(_with_missing([np.datetime64(d) for d in dates], np.datetime64("NaT")), dtype="datetime64[ns]"), r"missing values \(NaT\)"),
        "masked array": (masked, r"missing values \(masked entries\)"),
        "torch NaN": (tensor, r"NaN"),
    }


MARKERS = list(_markers())


@pytest.mark.parametrize("case", MARKERS)
def test_every_marker_raises_naming_variable_and_rows(case):
    data, what = _markers()[case]
    other = np.arange(N) % 3
    message = rf"y contains {what} at rows \[2, 6\]; remove or impute them, or pass nan_policy='omit'"
    with pytest.raises(mi.DataError, match=message):
        mi.mutual_information(other, data, method="plugin", discrete=True)
    with pytest.raises(mi.DataError, match=message.replace("y contains", "x contains")):
        mi.entropy(data, method="plugin", discrete=True)


def test_boolean_reproducer_raises_then_omits_exactly():
    s = pd.Series([True, False, None, True] * 25, dtype="boolean")
    with pytest.raises(mi.DataError, match=r"x contains missing values \(pd.NA\) at rows \[2, 6, 10, 14, 18\] and 20 more"):
        mi.entropy(s, method="plugin", base=2)  # was 1.5 bits: the missing value became a category
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 25 of 100 rows with a missing value in x"):
        h = mi.entropy(s, method="plugin", base=2, nan_policy="omit")
    assert h == pytest.approx(-(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3), abs=1e-12)


@pytest.mark.parametrize("case", MARKERS)
def test_omit_equals_the_value_on_the_dropped_rows(case):
    data, _ = _markers()[case]
    rng = np.random.default_rng(0)
    other = rng.integers(0, 3, N)
    keep = ~np.isin(np.arange(N), ROWS)
    if hasattr(data, "cpu"):
        present = data[np.flatnonzero(keep)]
    elif isinstance(data, np.ma.MaskedArray):
        present = data.data[keep]
    elif isinstance(data, pd.Series):
        present = data[keep]
    else:
        present = np.asarray(data, dtype=object)[keep] if isinstance(data, list) else data[keep]
        if isinstance(data, list):
            present = np.array(present.tolist())
    expected = mi.mutual_information(other[keep], present, method="plugin", discrete=True)
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 2 of 40 rows"):
        got = mi.mutual_information(other, data, method="plugin", discrete=True, nan_policy="omit")
    assert got == expected


def _continuous(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = x + rng.standard_normal(n)
    z = rng.standard_normal(n)
    x[[3, 50]] = np.nan
    y[[50, 120, 200]] = np.nan
    return x, y, z, ~(np.isnan(x) | np.isnan(y))


def test_omit_in_every_function():
    x, y, z, keep = _continuous()
    dropped = r"nan_policy='omit' dropped 4 of 300 rows with a missing value in x, y"
    cases = [
        (mi.mutual_information, (x, y), (x[keep], y[keep]), {"method": "ksg"}),
        (mi.conditional_mutual_information, (x, y, z), (x[keep], y[keep], z[keep]), {"method": "ksg"}),
        (mi.conditional_entropy, (x, y), (x[keep], y[keep]), {"method": "gaussian"}),
    ]
    for fn, args, clean, kw in cases:
        with pytest.warns(mi.MutualInfoWarning, match=dropped):
            got = fn(*args, nan_policy="omit", random_state=0, **kw)
        assert got == fn(*clean, random_state=0, **kw)
    xk = ~np.isnan(x)
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 2 of 300 rows with a missing value in x;"):
        assert mi.entropy(x, method="kl", nan_policy="omit", random_state=0) == mi.entropy(x[xk], method="kl", random_state=0)


def test_omit_in_estimate_counts_and_says_it():
    x, y, _, keep = _continuous()
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 4 of 300 rows"):
        est = mi.estimate(x, y, method="ksg", ci=0.9, n_bootstrap=20, random_state=0, nan_policy="omit")
    clean = mi.estimate(x[keep], y[keep], method="ksg", ci=0.9, n_bootstrap=20, random_state=0)
    assert est.value == clean.value and (est.ci_low, est.ci_high) == (clean.ci_low, clean.ci_high)
    assert est.n_samples == 296
    assert est.warnings[0] == "nan_policy='omit' dropped 4 of 300 rows with a missing value in x, y; the estimate uses the 296 complete rows."


def test_omit_drops_rows_of_any_variable_in_a_pandas_frame():
    df = pd.DataFrame({"a": pd.Series([1, 2, None, 1] * 10, dtype="Int64"), "b": ["u", "v", "u", None] * 10})
    target = pd.Series([0, 1, 1, 0] * 10)
    keep = np.array([True, True, False, False] * 10)
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 20 of 40 rows"):
        got = mi.mutual_information(df, target, method="plugin", nan_policy="omit")
    assert got == mi.mutual_information(df[keep].astype({"a": "int64"}), target[keep], method="plugin")
    with pytest.raises(mi.DataError, match=r"x column 'a' contains missing values \(pd.NA\) at rows \[2, 6, 10, 14, 18\] and 5 more"):
        mi.mutual_information(df, target, method="plugin")
    with pytest.raises(mi.DataError, match=r"x column 'b' contains .* at rows \[3, 7, 11, 15, 19\] and 5 more"):
        mi.mutual_information(df.fillna({"a": 1}), target, method="plugin")


def test_omit_with_nothing_left_is_a_data_error():
    x = np.array([1.0, np.nan, 3.0, np.nan])
    y = np.array([np.nan, 2.0, np.nan, 4.0])
    with pytest.raises(mi.DataError, match=r"every one of the 4 rows has a missing value in x or y; no complete row is left"):
        mi.mutual_information(x, y, nan_policy="omit")


def test_inf_is_not_a_missing_value():
    x = np.arange(30.0)
    x[4] = np.inf
    with pytest.raises(mi.DataError, match=r"x contains inf at rows \[4\]"):
        mi.entropy(x, nan_policy="omit")


@pytest.mark.parametrize("bad", ["propagate", None, True, "OMIT"])
def test_nan_policy_is_validated(bad):
    with pytest.raises(mi.ParameterError, match=rf"The `nan_policy` parameter of entropy must be 'raise' or 'omit'. Got {bad!r}."):
        mi.entropy([0, 1, 0, 1], nan_policy=bad)
    with pytest.raises(mi.ParameterError, match=r"The `nan_policy` parameter of pairwise must be 'raise' or 'omit'"):
        mi.pairwise(np.zeros((10, 2)), nan_policy=bad)


def test_pairwise_omit_is_pair_by_pair():
    rng = np.random.default_rng(1)
    n = 200
    X = rng.standard_normal((n, 3))
    X[:, 1] += X[:, 0]
    X[[5, 6], 0] = np.nan
    X[[7], 2] = np.nan
    y = X[:, 1] + rng.standard_normal(n)
    with pytest.raises(mi.DataError, match=r"X contains NaN at rows \[5, 6, 7\]"):
        mi.pairwise(X, y)
    with pytest.warns(mi.MutualInfoWarning, match=r"up to 2 rows for one pair"):
        table = mi.pairwise(X, y, method="ksg", nan_policy="omit", random_state=0)
    for j, rows in [(0, [5, 6]), (1, []), (2, [7])]:
        keep = ~np.isin(np.arange(n), rows)
        assert table[j, 0] == pytest.approx(mi.mutual_information(X[keep, j], y[keep], method="ksg"), abs=1e-6)
    square = mi.pairwise(X, method="ksg", nan_policy="omit", random_state=0)
    keep = ~np.isin(np.arange(n), [5, 6, 7])
    assert square[0, 2] == pytest.approx(mi.mutual_information(X[keep, 0], X[keep, 2], method="ksg"), abs=1e-6)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1]})
    for discrete in ("auto", False, True):
        with pytest.raises(mi.DataError, match=r"a contains NaN at rows \[5, 6\]"):
            mi.pairwise(frame, y, discrete=discrete)


# ---------------------------------------------------------------------------
# Command line.


def _cli(*args):
    env = {"MUTINFO_PROGRESS": "0", "PATH": "", "OMP_NUM_THREADS": "1", "PYTHONPATH": os.path.dirname(os.path.dirname(mi.__file__))}
    return subprocess.run([sys.executable, "-m", "mutinfo", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def csv_with_gaps(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 3
    cells_a = [str(v) for v in a]
    cells_b = [str(v) for v in b]
    cells_a[4] = "NA"
    cells_b[9] = ""
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n" + "\n".join(f"{p},{q}" for p, q in zip(cells_a, cells_b)) + "\n")
    keep = ~np.isin(np.arange(n), [4, 9])
    return path, a[keep], b[keep]


def test_cli_missing_cell_is_a_one_line_error(csv_with_gaps):
    path, _, _ = csv_with_gaps
    out = _cli("estimate", str(path), "--x", "a", "--y", "b", "--ci", "0")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mutinfo estimate: error: column 'a' of ")
    assert "has missing values (empty or NA cells) at data rows [5]" in lines[0]


def test_cli_nan_policy_omit(csv_with_gaps):
    path, a, b = csv_with_gaps
    out = _cli("estimate", str(path), "--x", "a", "--y", "b", "--ci", "0", "--nan-policy", "omit")
    assert out.returncode == 0, out.stderr
    value = float(out.stdout.splitlines()[0].split("=")[1].split()[0])
    assert value == pytest.approx(mi.mutual_information(a, b), abs=1e-6)
    assert "n = 198" in out.stdout
    assert "warning: nan_policy='omit' dropped 2 of 200 rows" in out.stdout
    assert "MutualInfoWarning" not in out.stderr


# ---------------------------------------------------------------------------
# MISelector.


def test_selector_missing_values():
    from mutinfo.selection import MISelector

    rng = np.random.default_rng(0)
    n = 300
    X = rng.integers(0, 3, (n, 4)).astype(float)
    y = (X[:, 1] + rng.integers(0, 2, n)) % 3
    X[[10, 20], 2] = np.nan
    y = y.astype(object)
    y[30] = None
    with pytest.raises(mi.DataError, match=r"X contains NaN at rows \[10, 20\]"):
        MISelector(method="mrmr", n_features_to_select=2).fit(X, y)
    with pytest.raises(mi.ParameterError, match=r"The `nan_policy` parameter of MISelector must be 'raise' or 'omit'"):
        MISelector(nan_policy="propagate").fit(X, y)
    with pytest.warns(mi.MutualInfoWarning, match=r"dropped 3 rows with a missing value in X or y"):
        sel = MISelector(method="mrmr", n_features_to_select=2, nan_policy="omit").fit(X, y)
    keep = ~np.isin(np.arange(n), [10, 20, 30])
    clean = MISelector(method="mrmr", n_features_to_select=2).fit(X[keep], y[keep].astype(int))
    assert sel.selection_order_.tolist() == clean.selection_order_.tolist()
    np.testing.assert_array_equal(sel.relevance_, clean.relevance_)
    # transform only selects columns: missing values pass through.
    assert np.isnan(sel.transform(X)).sum() == (2 if 2 in sel.selection_order_ else 0)
