"""`mutinfo train information-plane`: runs end to end; at full length it reproduces the tanh/ReLU contrast."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys

import pytest

FULL = os.environ.get("MUTINFO_FULL", "") == "1"


@pytest.mark.slow
def test_information_plane_demo_command(tmp_path):
    out = tmp_path / "ip"
    cmd = [sys.executable, "-m", "mutinfo", "train", "information-plane", "--out", str(out), "--no-progress", "--seed", "0"]
    if not FULL:
        cmd.append("--quick")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"wrote {out / 'metrics.json'}" in proc.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert (out / "information_plane.png").stat().st_size > 10_000
    assert metrics["epochs"] == (2000 if FULL else 150)
    h_y = metrics["h_y_bits"]
    assert h_y == pytest.approx(0.99916, abs=1e-5)
    with open(out / "history.csv") as fh:
        rows = list(csv.DictReader(fh))
    n_records = len({r["epoch"] for r in rows})
    assert len(rows) == 2 * 5 * n_records
    for r in rows:
        assert -1e-9 <= float(r["i_xt_bits"]) <= 12.0 + 1e-9  # at most log2(4096)
        assert -1e-9 <= float(r["i_ty_bits"]) <= h_y + 1e-9  # at most H(Y)
        assert float(r["bin_size"]) == pytest.approx(2 / 30, abs=1e-6)
    for act in ("tanh", "relu"):
        net = metrics["networks"][act]
        assert net["test_accuracy"] > 0.85
        last = [r for r in rows if r["network"] == act and r["layer"] == "L5 (3)"]
        # The fitting phase: the last hidden layer gains information about the label.
        assert float(last[-1]["i_ty_bits"]) > float(last[0]["i_ty_bits"]) + 0.5
        assert net["test_mi_y_yhat_bits"] <= h_y + 1e-9
        assert math.isfinite(net["max_compression_bits"])
    # The Saxe et al. contrast on the short run of seed 0: tanh's largest compression 0.53 bits, ReLU's 0.24
    # (at 400 epochs: 0.99 vs 0.22). At this length it is a fixed-seed check, not a property of every seed:
    # seed 1 reverses it (0.15 vs 0.74); the full runs (2000 epochs, seeds 0-2) are in the README table.
    tanh_c, relu_c = metrics["tanh_max_compression_bits"], metrics["relu_max_compression_bits"]
    assert tanh_c > 1.5 * relu_c
    if FULL:
        assert metrics["contrast_reproduced"]
        assert tanh_c >= 1.0


def test_demo_is_listed():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-m", "mutinfo", "train", "--list"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0
    assert "information-plane" in proc.stdout and "tanh vs ReLU" in proc.stdout


@pytest.mark.slow
def test_example_script(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MUTINFO_PROGRESS="0")
    script = os.path.join(root, "examples", "information_plane.py")
    proc = subprocess.run([sys.executable, script, "--epochs", "20", "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["epochs"] == 20 and summary["estimator"] == "binning"
    assert (tmp_path / "information_plane.png").exists() and (tmp_path / "history.csv").exists()
