"""`mutinfo bench accuracy`: the real command, end to end, on a reduced task list."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from mutinfo import _accuracy, _registry
from mutinfo.cli import main


def test_suite_tasks_state_their_true_mi():
    tasks = {(t.name, t.dims): t for t in _accuracy.suite(quick=False, n=300)}
    assert len(tasks) >= 20
    x, y, truth = tasks[("gaussian rho=0.8", "5+5")].make(300, 0)
    assert x.shape == (300, 5) and truth == pytest.approx(-2.5 * math.log(0.36))
    assert {t.group for t in tasks.values()} == {"suite", "staircase", "cubic staircase"}
    assert {t.kind for t in tasks.values()} == {"continuous", "discrete", "mixed"}
    stairs = sorted(t.make(300, 0)[2] for t in tasks.values() if t.group == "staircase")
    assert stairs == pytest.approx([2.0, 4.0, 6.0, 8.0, 10.0])


def test_methods_apply_by_data_kind():
    tasks = {t.kind: t for t in _accuracy.suite(quick=True)}
    assert _accuracy.applicable(_registry.get_method("smile", "t"), tasks["continuous"])
    assert not _accuracy.applicable(_registry.get_method("smile", "t"), tasks["discrete"])
    assert _accuracy.applicable(_registry.get_method("plugin", "t"), tasks["discrete"])
    assert not _accuracy.applicable(_registry.get_method("gaussian", "t"), tasks["mixed"])


def test_bench_accuracy_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "bench"
    code = main(
        [
            "bench",
            "accuracy",
            "--quick",
            "--methods",
            "gaussian,plugin,smile",
            "--tasks",
            "gaussian rho=0.8,binary,staircase 2",
            "--n",
            "600",
            "--epochs",
            "3",
            "--no-peers",
            "--no-progress",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "task" in text and "true MI" in text and "seconds" in text
    data = json.loads((out / "accuracy.json").read_text())
    rows = data["rows"]
    assert data["meta"]["preset"] == "quick"
    assert {(r["task"], r["method"]) for r in rows} == {
        ("gaussian rho=0.8", "gaussian"),
        ("gaussian rho=0.8", "smile"),
        ("half-cube gaussian rho=0.8", "gaussian"),
        ("half-cube gaussian rho=0.8", "smile"),  # substring match
        ("binary symmetric channel e=0.1", "plugin"),
        ("staircase 2 nats", "gaussian"),
        ("staircase 2 nats", "smile"),
    }
    for r in rows:
        assert r["error"] == pytest.approx(r["estimate"] - r["true_mi"])
        assert r["note"] == ""
    plug = next(r for r in rows if r["method"] == "plugin")
    assert plug["estimate"] == pytest.approx(plug["true_mi"], abs=0.05)
    gauss = [r for r in rows if r["method"] == "gaussian"]
    assert all(abs(r["error"]) < 0.2 for r in gauss if not r["task"].startswith("half-cube"))
    md = (out / "accuracy.md").read_text()
    assert "| staircase 2 nats | 20+20 | 600 | 2.000 | smile |" in md
    pytest.importorskip("matplotlib")
    assert (out / "accuracy.png").stat().st_size > 1000 and (out / "staircase.png").stat().st_size > 1000


def test_bench_accuracy_errors(tmp_path, capsys):
    assert main(["bench", "accuracy", "--methods", "nope", "--out", str(tmp_path)]) == 2
    assert "The `method` parameter of mutinfo bench accuracy --methods must be one of" in capsys.readouterr().err
    assert main(["bench", "accuracy", "--tasks", "no such task", "--out", str(tmp_path)]) == 2
    assert "--tasks 'no such task' matches no task" in capsys.readouterr().err
    assert main(["bench", "accuracy", "--n", "5", "--out", str(tmp_path)]) == 2


def test_bench_command_is_listed():
    out = subprocess.run([sys.executable, "-m", "mutinfo", "bench", "--help"], capture_output=True, text=True, check=True).stdout
    assert "accuracy" in out


def test_neural_peers_get_the_budget_they_are_handed(monkeypatch):
    """torch-mist and benchmark-mi train for the steps and batch size passed in (neural_targets passes mutinfo's)."""
    import sys
    import types

    import numpy as np

    calls = []
    mist = types.ModuleType("torch_mist")
    mist.estimate_mi = lambda **kw: calls.append(("torch-mist", kw)) or 1.5
    bmi = types.ModuleType("bmi")

    class InfoNCE:
        def __init__(self, **kw):
            calls.append(("benchmark-mi", kw))

        def estimate(self, x, y):
            return 1.25

    bmi.estimators = types.SimpleNamespace(InfoNCEEstimator=InfoNCE, KSGEnsembleFirstEstimator=None)
    monkeypatch.setitem(sys.modules, "torch_mist", mist)
    monkeypatch.setitem(sys.modules, "bmi", bmi)
    peers = _accuracy.peer_estimators()
    x = np.random.default_rng(0).standard_normal((100, 2))
    assert peers["torch-mist:smile"](x, x, 0, budget=(640, 256)) == 1.5
    assert peers["benchmark-mi:infonce"](x, x, 0, budget=(640, 256)) == 1.25
    assert calls[0][1]["max_iterations"] == 640 and calls[0][1]["batch_size"] == 256 and "max_epochs" not in calls[0][1]
    assert calls[1][1]["max_n_steps"] == 640 and calls[1][1]["batch_size"] == 256
    calls.clear()
    peers["torch-mist:smile"](x, x, 0)  # no budget: the library setting the accuracy table states
    assert calls[0][1]["max_epochs"] == 10 and "max_iterations" not in calls[0][1]
    row = {"task": "gaussian", "dims": "5+5", "n": 100, "true_mi": 1.0, "method": "torch-mist:smile", "source": "torch-mist",
           "estimate": 1.5, "error": 0.5, "seconds": 0.1, "note": ""}
    text = _accuracy.format_markdown([row])
    assert "Training budgets differ" in text and "torch-mist: 10 epochs" in text
