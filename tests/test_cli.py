"""The mutinfo command, run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


SRC = str(Path(__file__).parents[1] / "src")  # the tree under test, not whichever copy is installed


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {"MUTINFO_PROGRESS": "0", "PATH": "", "OMP_NUM_THREADS": "1", "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "mutinfo", *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    a = rng.integers(0, 2, n)
    b = rng.integers(0, 2, n)
    c = a ^ b
    g = rng.standard_normal(n)
    h = 0.8 * g + 0.6 * rng.standard_normal(n)
    label = np.where(a == 1, "yes", "no")
    path = tmp_path / "data.csv"
    lines = ["a,b,c,g,h,label"] + [f"{a[i]},{b[i]},{c[i]},{g[i]:.6f},{h[i]:.6f},{label[i]}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_methods_command():
    out = run("methods")
    assert out.returncode == 0
    for name in ("plugin", "nsb", "gaussian"):
        assert name in out.stdout
    assert out.stdout.splitlines()[0].startswith("name") and "summary" in out.stdout.splitlines()[0]
    parsed = json.loads(run("methods", "--json").stdout)
    assert {"plugin", "gaussian"} <= {m["name"] for m in parsed}


def test_methods_long_prints_every_reference():
    import mutinfo as mi

    out = run("methods", "--long")
    assert out.returncode == 0, out.stderr
    blocks = out.stdout.strip().split("\n\n")
    assert len(blocks) == len(mi.methods())
    for block, m in zip(blocks, mi.methods()):
        # each block starts with its method's name; its references (wrapped to the terminal) are the registry's
        assert block.startswith(m.name)
        ref = " ".join(" ".join(block.split("references:", 1)[1].split()).split())
        assert ref == " ".join(m.reference.split()) and ref
    assert "Kraskov" in out.stdout and "Nemenman" in out.stdout


def test_estimate_xor_conditional(csv_file):
    out = run("estimate", str(csv_file), "--x", "a", "--y", "c", "--z", "b", "--base", "2", "--ci", "0")
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("I(a ; c | b) = ") and first.endswith(" bits")
    # c = a xor b, so I(a; c | b) = H(a | b): the same number through the Python API.
    import mutinfo as mi

    cols = np.loadtxt(csv_file, delimiter=",", skiprows=1, usecols=(0, 1), dtype=int)
    expected = mi.conditional_entropy(cols[:, 0], cols[:, 1], method="plugin", base=2)
    assert float(first.split("=")[1].split()[0]) == pytest.approx(expected, abs=1e-5)
    assert "method: plugin (auto: all variables discrete" in out.stdout


def test_estimate_json(csv_file):
    out = run("estimate", str(csv_file), "--x", "a", "--y", "label", "--json", "--bootstrap", "50", "--permutations", "49", "--base", "2")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["value"] == pytest.approx(1.0, abs=0.01)
    assert result["p_value"] == pytest.approx(0.02)
    assert result["unit"] == "bits" and result["x"] == "a" and result["ci_low"] <= result["value"]


def test_estimate_continuous_and_entropy(csv_file):
    out = run("estimate", str(csv_file), "--x", "g", "--y", "h", "--method", "gaussian", "--ci", "0.9")
    assert out.returncode == 0, out.stderr
    value = float(out.stdout.split("=")[1].split()[0])
    assert value == pytest.approx(-0.5 * np.log(1 - 0.64), abs=0.12)
    assert "90% delta-method CI" in out.stdout
    ent = run("estimate", str(csv_file), "--x", "a,b", "--ci", "0", "--method", "plugin", "--base", "2")
    assert ent.stdout.startswith("H(a,b) = 1.99") or ent.stdout.startswith("H(a,b) = 2")


def test_missing_column(csv_file):
    out = run("estimate", str(csv_file), "--x", "a", "--y", "nope")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "--y: no column 'nope'" in out.stderr and "columns are a, b, c, g, h, label" in out.stderr


def test_unreadable_file(tmp_path):
    out = run("estimate", str(tmp_path / "missing.csv"), "--x", "a", "--y", "b")
    assert out.returncode == 2
    assert "file not found" in out.stderr
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    out = run("estimate", str(binary), "--x", "a", "--y", "b")
    assert out.returncode == 2 and "cannot read" in out.stderr


def test_wrong_delimiter(csv_file, tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text(csv_file.read_text().replace(",", ";"))
    ok = run("estimate", str(semi), "--x", "a", "--y", "c", "--ci", "0")
    assert ok.returncode == 0, ok.stderr  # detected
    bad = run("estimate", str(semi), "--x", "a", "--y", "c", "--delimiter", ",")
    assert bad.returncode == 2
    assert "is the delimiter right?" in bad.stderr


def test_bad_method_is_one_line(csv_file):
    out = run("estimate", str(csv_file), "--x", "a", "--y", "b", "--method", "bogus")
    assert out.returncode == 2
    assert "must be one of 'auto'" in out.stderr


def test_parquet_when_available(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    x = np.array([0, 1] * 50)
    table = pa.table({"x": x, "y": x})
    pq.write_table(table, tmp_path / "d.parquet")
    out = run("estimate", str(tmp_path / "d.parquet"), "--x", "x", "--y", "y", "--ci", "0", "--base", "2", "--method", "plugin")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("I(x ; y) = 1 bits")


def test_console_script_entry_point():
    from importlib.metadata import entry_points

    eps = [e for e in entry_points(group="console_scripts") if e.name == "mutinfo"]
    assert eps and eps[0].value == "mutinfo.cli:main"


def test_demo_quick_table():
    # The IIC part of the demo is checked in test_demos.py.
    out = run("demo", "--quick", "--no-training")
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith(("I(", "H("))]
    methods = {r[-5] for r in rows}
    assert {"plugin", "nsb", "gaussian", "ksg", "kl", "mixed"} <= methods
    for r in rows:
        estimate, truth, error = float(r[-4]), float(r[-3]), float(r[-2])
        assert error == pytest.approx(estimate - truth, abs=2e-4)
        if r[-5] != "plugin" or not r[0].startswith("H("):
            # 0.15 nats, or 10% of the truth for the high-MI neural row (n=2000 in --quick).
            assert abs(error) < max(0.15, 0.1 * truth), r
