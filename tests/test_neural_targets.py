"""The README's headline for the neural estimators, asserted: SMILE within 8% of the truth on the 20-d staircases.

`make test` checks two levels of the Gaussian staircase (N = 2 x 10^4, the README's setting);
MUTINFO_FULL=1 checks every level (2 to 10 nats) of both staircases, as
`benchmarks/neural_targets.py` reports them.
"""

from __future__ import annotations

import os

import pytest

import mutinfo as mi
from mutinfo._threads import torch_threads
from mutinfo.neural import NeuralEstimator

pytest.importorskip("torch")
FULL = os.environ.get("MUTINFO_FULL", "") == "1"
LEVELS = mi.datasets.STAIRCASE_LEVELS if FULL else (4.0, 8.0)
# Relative, the README's "within 8%". Measured (seed 0): -7.54%, +3.70%, +5.59%, +2.46%, -3.95% at 2, 4, 6, 8, 10 nats
# (Gaussian), -7.52%, +3.71%, +5.45%, ... (cubic): 7.5% does not hold at 2 nats.
TOLERANCE = 0.08


@pytest.mark.slow
@pytest.mark.parametrize("cubic", [False, True] if FULL else [False])
def test_smile_within_tolerance_on_the_staircase(cubic):
    with torch_threads(1):
        for x, y, truth in mi.datasets.staircase(20_000, levels=LEVELS, cubic=cubic, random_state=0):
            r = NeuralEstimator("smile", random_state=0).fit(x, y).result_
            assert abs(r.value - truth) <= TOLERANCE * truth, f"{truth:g} nats: SMILE read {r.value:.3f}"
            assert r.steps >= 600  # the estimator's own training budget, not a shortened one
