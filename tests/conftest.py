"""Shared fixtures and markers.

* ``slow``: training runs. `make test` runs them in a shortened form; set
  ``MUTINFO_FULL=1`` to run them at full length.
* ``gpu``: skipped when CUDA is not available.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

FULL = os.environ.get("MUTINFO_FULL", "") == "1"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _quiet_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTINFO_PROGRESS", "0")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return torch.cuda.is_available()


requires_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")
