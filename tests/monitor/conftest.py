"""Monitor tests train tiny networks: one torch thread is much faster, above all on a busy 2-core machine."""

from __future__ import annotations

import pytest

from mutinfo._threads import torch_threads


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with torch_threads(1):
        yield
