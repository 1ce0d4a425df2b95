"""discrete="auto": how the kind of each variable is decided, and said.

The rule: bool, integer and label data are discrete; a float variable is discrete
when each column holds at most AUTO_DISCRETE_MAX_VALUES (20) distinct values with at
least AUTO_DISCRETE_MIN_PER_VALUE (5) samples per value on average.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import mutinfo as mi


def _kinds(x, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mi.MutualInfoWarning)
        est = mi.estimate(x, y, ci=None, random_state=0, **kw)
    return est


def test_rule_constants_are_the_documented_ones():
    from mutinfo._validation import AUTO_DISCRETE_MAX_VALUES, AUTO_DISCRETE_MIN_PER_VALUE

    assert (AUTO_DISCRETE_MAX_VALUES, AUTO_DISCRETE_MIN_PER_VALUE) == (20, 5)


# ---------------------------------------------------------------------------
# The reproducers of issue 10.


def test_diabetes_sex_is_discrete_and_near_zero():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mi.MutualInfoWarning)
        table = mi.pairwise(X[["sex", "age"]], y, random_state=0)
    # scikit-learn's mutual_info_regression gives 0.014-0.037 for `sex`; it read 0.321 through `mixed`.
    assert abs(table["sex"]) < 0.06
    est = _kinds(X["sex"], y)
    assert est.method == "ross"
    assert est.details["discrete"] == [True, False]
    assert est.details["auto_reason"].startswith("x discrete (float column with few distinct values); then one discrete and one continuous")
    assert abs(est.value) < 0.06
    assert any("x has float dtype but only 2 distinct values in 442 samples" in w for w in est.warnings)
    # The pair-by-pair entry is the same number as the direct call with the same kinds.
    direct = mi.mutual_information(X["sex"], y, method="ross", discrete=(True, False), random_state=0)
    assert table["sex"] == pytest.approx(direct, abs=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_independent_binary_float_vs_rounded_measurement_is_near_zero(seed):
    r = np.random.default_rng(seed)
    a = r.integers(0, 2, 442).astype(float)
    b = np.round(r.normal(150, 70, 442))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mi.MutualInfoWarning)
        value = mi.mutual_information(a, b, random_state=seed)
    # Old main: 0.27 / 0.23 nats through `mixed`.
    assert abs(value) < 0.05
    assert _kinds(a, b).method == "ross"


# ---------------------------------------------------------------------------
# The rule itself.


@pytest.mark.parametrize(
    "column, discrete",
    [
        (np.tile([0.0, 1.0], 50), True),  # a 0/1 column stored as float
        (np.tile([1.0, 2.0, 3.0, 4.0, 5.0], 20), True),  # a 1-5 rating stored as float
        (np.tile(np.arange(20.0), 5), True),  # 20 values, 5 samples each: the edge, discrete
        (np.tile(np.arange(21.0), 5), False),  # 21 values: continuous
        (np.tile([0.0, 1.0], 4), False),  # 2 values, 4 samples each: too few per value
        (np.round(np.random.default_rng(0).normal(150, 70, 442)), False),  # a rounded measurement
        (np.random.default_rng(0).standard_normal(100), False),  # no ties
    ],
)
def test_the_kind_rule(column, discrete):
    est = _kinds(column, np.random.default_rng(1).standard_normal(len(column)))
    assert est.details["discrete"] == [discrete, False]


def test_multi_column_float_variable_is_discrete_when_every_column_is_few_valued():
    r = np.random.default_rng(0)
    both = np.column_stack([r.integers(0, 2, 300), r.integers(0, 3, 300)]).astype(float)
    assert _kinds(both, r.integers(0, 2, 300)).details["discrete"] == [True, True]
    mixed = np.column_stack([r.integers(0, 2, 300), r.standard_normal(300)])
    assert _kinds(mixed, r.standard_normal(300)).details["discrete"] == [False, False]


def test_discrete_override_is_honoured():
    r = np.random.default_rng(0)
    a, b = r.integers(0, 2, 400).astype(float), r.standard_normal(400)
    assert _kinds(a, b, discrete=False).details["discrete"] == [False, False]
    assert _kinds(a, b, discrete=(False, False)).details["discrete"] == [False, False]
    assert _kinds(a, b, discrete=("auto", False)).details["discrete"] == [True, False]
    est = _kinds(np.round(b * 10), b, discrete=(True, False))
    assert est.details["discrete"] == [True, False]
    # An explicit kind is not a guess: nothing is said about it.
    assert not any("discrete='auto'" in w for w in _kinds(a, b, discrete=(True, False)).warnings)


def test_entropy_of_binary_floats_is_the_discrete_entropy():
    x = np.array([0.0, 1.0, 1.0, 1.0] * 25)
    with pytest.warns(mi.MutualInfoWarning, match="only 2 distinct values in 100 samples"):
        value = mi.entropy(x, base=2)
    p = 0.25
    assert value == pytest.approx(-(p * math.log2(p) + (1 - p) * math.log2(1 - p)), abs=1e-12)


def test_torch_float_tensor_follows_the_rule():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(0)
    a = r.integers(0, 2, 300).astype(np.float32)
    y = r.integers(0, 3, 300)
    est = _kinds(torch.from_numpy(a), torch.from_numpy(y))
    assert est.details["discrete"] == [True, True]
    assert est.value == pytest.approx(_kinds(a.astype(int), y).value, abs=1e-12)


def test_inferred_note_only_when_doubtful():
    r = np.random.default_rng(0)
    x, y = r.standard_normal(300), r.standard_normal(300)
    assert not any("Data kinds inferred" in w for w in _kinds(x, y).warnings)
    assert not any("Data kinds inferred" in w for w in _kinds(r.integers(0, 3, 300), r.integers(0, 3, 300)).warnings)
    rounded = np.round(r.normal(150, 70, 300))
    assert any("Data kinds inferred" in w for w in _kinds(rounded, y).warnings)
    assert any("Data kinds inferred" in w for w in _kinds(r.integers(0, 2, 300).astype(float), y).warnings)


# ---------------------------------------------------------------------------
# pairwise: the shared fast path applies the same rule column by column.


def test_pairwise_fast_path_applies_the_rule():
    r = np.random.default_rng(0)
    n = 500
    g = r.standard_normal(n)
    binary = (g + r.standard_normal(n) > 0).astype(float)
    h = g + 0.5 * r.standard_normal(n)
    X = np.column_stack([binary, g, r.standard_normal(n)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mi.MutualInfoWarning)
        table = mi.pairwise(X, h, random_state=0)
        ross = mi.mutual_information(binary, h, method="ross", discrete=(True, False))
        ksg = mi.mutual_information(g, h, method="ksg")
        square = mi.pairwise(X, random_state=0)
    assert table[0, 0] == pytest.approx(ross, abs=1e-6)
    assert table[1, 0] == pytest.approx(ksg, abs=1e-6)
    # Diagonal: H of the discrete column (plug-in, well sampled), +inf for continuous ones.
    p1 = binary.mean()
    assert square[0, 0] == pytest.approx(-(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1)), abs=1e-12)
    assert math.isinf(square[1, 1]) and math.isinf(square[2, 2])
    assert square[0, 1] == pytest.approx(square[1, 0])
    assert square[0, 1] == pytest.approx(mi.mutual_information(binary, g, method="ross", discrete=(True, False)), abs=1e-6)


# ---------------------------------------------------------------------------
# The command line follows the same rule.


def test_cli_follows_the_rule(tmp_path):
    r = np.random.default_rng(0)
    n = 300
    a = r.integers(0, 2, n).astype(float)
    y = r.standard_normal(n) + a
    path = tmp_path / "d.csv"
    path.write_text("a,y\n" + "\n".join(f"{a[i]:.1f},{y[i]:.6f}" for i in range(n)) + "\n")
    env = {"MUTINFO_PROGRESS": "0", "PATH": "", "OMP_NUM_THREADS": "1", "PYTHONPATH": os.path.dirname(os.path.dirname(mi.__file__))}
    out = subprocess.run([sys.executable, "-m", "mutinfo", "estimate", str(path), "--x", "a", "--y", "y", "--ci", "0"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "method: ross (auto: x discrete (float column with few distinct values)" in out.stdout
    value = float(out.stdout.splitlines()[0].split("=")[1].split()[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mi.MutualInfoWarning)
        expected = mi.mutual_information(np.round(a, 1), np.round(y, 6), method="ross", discrete=(True, False), random_state=0)
    assert value == pytest.approx(expected, abs=1e-5)


def test_selector_auto_kinds_follow_the_rule():
    from sklearn.datasets import load_diabetes

    from mutinfo.selection import MISelector

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    sel = MISelector(method="mi", n_features_to_select=2, estimator="binning").fit(X, y)
    assert sel.discrete_features_.tolist() == [c == "sex" for c in X.columns]
    # The whole-number regression target (214 values in 442 rows) is binned, not taken as 214 classes:
    # its relevance table equals the one of the same target declared continuous.
    declared = MISelector(method="mi", n_features_to_select=2, estimator="binning", discrete_target=False).fit(X, y)
    np.testing.assert_array_equal(sel.relevance_, declared.relevance_)


def test_a_named_method_keeps_floats_continuous():
    r = np.random.default_rng(0)
    a, y = r.integers(0, 2, 300).astype(float), r.standard_normal(300)
    assert _kinds(a, y, method="mixed").details["discrete"] == [False, False]
    assert _kinds(a, y, method="ksg").details["discrete"] == [False, False]
    assert _kinds(a, y).details["discrete"] == [True, False]
