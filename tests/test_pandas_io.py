"""pandas in, pandas out: labelled pairwise results, variable names in Estimate and the CLI; half-precision tensors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mutinfo as mi

pd = pytest.importorskip("pandas")


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, 400)
    return pd.DataFrame({"a": a, "b": rng.integers(0, 3, 400), "c": (a + rng.integers(0, 2, 400)) % 4}), pd.Series(a % 2, name="target")


def test_pairwise_with_one_target_is_a_labelled_series(frame):
    df, target = frame
    out = mi.pairwise(df, target, method="plugin")
    assert isinstance(out, pd.Series) and out.shape == (3,)
    assert list(out.index) == ["a", "b", "c"] and out.name == "target"
    expected = mi.pairwise(df.to_numpy(), target.to_numpy(), method="plugin")
    assert isinstance(expected, np.ndarray) and expected.shape == (3, 1)  # numpy in, numpy out
    np.testing.assert_allclose(out.to_numpy(), expected[:, 0], atol=1e-12)
    assert out["a"] == pytest.approx(mi.entropy(target, method="plugin"), abs=1e-12)  # the target is a function of a
    # a 1-D numpy target with a DataFrame X: still one target
    assert isinstance(mi.pairwise(df, target.to_numpy(), method="plugin"), pd.Series)


def test_pairwise_matrices_are_labelled_dataframes(frame):
    df, target = frame
    square = mi.pairwise(df, method="plugin")
    assert isinstance(square, pd.DataFrame) and list(square.index) == list(square.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(square.to_numpy(), mi.pairwise(df.to_numpy(), method="plugin"), atol=1e-12)
    assert square.loc["a", "a"] == pytest.approx(mi.entropy(df["a"], method="plugin"), abs=1e-12)
    rect = mi.pairwise(df[["a", "b"]], df[["c"]], method="plugin")
    assert isinstance(rect, pd.DataFrame) and rect.shape == (2, 1) and list(rect.columns) == ["c"]


def test_estimate_uses_series_names(frame):
    df, target = frame
    est = mi.estimate(df["a"], target, method="plugin", ci=None)
    assert est.names == ("a", "target") and est.label == "I(a;target)"
    assert str(est).startswith(f"I(a;target) = {mi.entropy(target, method='plugin'):.4g} nats")  # target = a mod 2
    assert mi.estimate(df["a"], method="plugin", ci=None).label == "H(a)"
    assert mi.estimate(df["a"], target, df[["b", "c"]], method="plugin", ci=None).label == "I(a;target|b,c)"
    plain = mi.estimate(df["a"].to_numpy(), target.to_numpy(), method="plugin", ci=None)
    assert str(plain).startswith("I(X;Y) = ") and plain.names == ("X", "Y")
    assert mi.estimate(df["a"], target, method="plugin", ci=None).to_dict()["names"] == ["a", "target"]


def test_cli_json_carries_the_column_names(tmp_path, frame):
    df, target = frame
    path = tmp_path / "d.csv"
    df.assign(target=target).to_csv(path, index=False)
    src = str(Path(__file__).parents[1] / "src")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-m", "mutinfo", "estimate", str(path), "--x", "a", "--y", "target", "--json", "--ci", "0"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["names"] == ["a", "target"]


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
@pytest.mark.parametrize("method", ["ksg", "ksg2", "mixed", "plugin", "kl"])
def test_estimators_accept_half_precision_tensors(method, dtype_name):
    torch = pytest.importorskip("torch")
    dtype = getattr(torch, dtype_name)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(400, generator=gen)
    y = x + 0.7 * torch.randn(400, generator=gen)
    if method == "plugin":
        x, y = (x > 0).float(), (y > 0).float()
    xl, yl = x.to(dtype), y.to(dtype)
    if method == "kl":
        got, ref = mi.entropy(xl, method=method, random_state=0), mi.entropy(xl.float(), method=method, random_state=0)
    else:
        kw = {"discrete": True} if method == "plugin" else {}
        got = mi.mutual_information(xl, yl, method=method, random_state=0, **kw)
        ref = mi.mutual_information(xl.float(), yl.float(), method=method, random_state=0, **kw)
    assert np.isfinite(got) and got == pytest.approx(ref, abs=1e-9)
