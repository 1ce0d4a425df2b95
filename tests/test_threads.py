"""MUTINFO_NUM_THREADS caps the CPU threads of the k-NN estimators; estimates do not depend on it."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.spatial

import mutinfo as mi
from mutinfo._errors import ParameterError
from mutinfo._threads import ENV_THREADS, cpu_threads


def _affinity() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def test_cpu_threads_follows_the_environment(monkeypatch):
    monkeypatch.delenv(ENV_THREADS, raising=False)
    assert cpu_threads() == _affinity()
    monkeypatch.setenv(ENV_THREADS, "1")
    assert cpu_threads() == 1
    monkeypatch.setenv(ENV_THREADS, "10000")
    assert cpu_threads() == _affinity()  # a cap, never more than the cores the process may use
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(ENV_THREADS, bad)
        with pytest.raises(ParameterError, match=f"The `MUTINFO_NUM_THREADS` parameter of the environment must be a positive integer. Got '{bad}'"):
            cpu_threads()


def test_knn_tree_queries_use_the_capped_thread_count(monkeypatch):
    """Every cKDTree query of a large KSG estimate gets workers=1 under MUTINFO_NUM_THREADS=1, and the value is unchanged."""
    calls: list = []
    base = scipy.spatial.cKDTree

    class Recording(base):
        def query(self, *args, **kwargs):
            calls.append(kwargs.get("workers", 1))
            return super().query(*args, **kwargs)

        def query_ball_point(self, *args, **kwargs):
            calls.append(kwargs.get("workers", 1))
            return super().query_ball_point(*args, **kwargs)

    monkeypatch.setattr(scipy.spatial, "cKDTree", Recording)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40_000, 2))
    y = x + rng.standard_normal((40_000, 2))
    monkeypatch.setenv(ENV_THREADS, "1")
    one = mi.mutual_information(x, y, method="ksg", random_state=0)
    assert calls and set(calls) == {1}
    calls.clear()
    monkeypatch.delenv(ENV_THREADS)
    every = mi.mutual_information(x, y, method="ksg", random_state=0)
    assert calls and max(calls) == _affinity() and -1 not in calls  # -1 is resolved to a count
    assert one == every
    assert one == pytest.approx(np.log(2), abs=0.05)  # two independent pairs, each 0.5 log 2: 0.693 nats
