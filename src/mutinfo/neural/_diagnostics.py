"""Warnings about a fitted neural estimate: InfoNCE near its ceiling, a noisy held-out value, overfitting."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ._readout import _Heldout

# Warn when InfoNCE comes within this many nats of its ceiling log(batch_size). Measured at
# batch 128 (cap 4.85) on the 20-d staircase: 1.78 for a true 2 nats, 3.32 for 4 (already
# 0.7 low, 1.5 below the cap), 4.15 for 6.
INFONCE_CAP_MARGIN = 2.0
# Warn of overfitting when training minus held-out estimate exceeds all of: this many nats,
OVERFIT_MIN_GAP = 0.2
# ... this fraction of the training estimate, and this many standard errors.
OVERFIT_REL_GAP = 0.1
OVERFIT_SE = 3.0
# Warn that the held-out value is dominated by a few pairs when its standard error exceeds
# this many nats and this fraction of the value (exponentiated read-outs on heavy tails).
NOISY_SE = 0.5
NOISY_REL_SE = 0.5


class _Diagnostics:
    """The warnings of :class:`~mutinfo.neural.estimator.NeuralEstimator` (uses its ``bound``)."""

    def _warnings(self, held: _Heldout, train: _Heldout, state: Mapping[str, Any], batch: int) -> list[str]:
        notes = []
        if self.bound == "infonce":
            cap = math.log(batch)
            if held.value > cap - INFONCE_CAP_MARGIN:
                notes.append(
                    f"The InfoNCE estimate ({held.value:.3f} nats) is within {INFONCE_CAP_MARGIN:g} nats of its ceiling "
                    f"log(batch_size) = log({batch}) = {cap:.3f} nats. InfoNCE can never exceed log(batch_size) and is biased "
                    "low well before it gets there, so the true MI may be much higher: use a larger batch_size or method='smile'."
                )
        if held.std_error > max(NOISY_SE, NOISY_REL_SE * abs(held.value)):
            notes.append(
                f"The held-out estimate ({held.value:.4g} nats) has a standard error of {held.std_error:.3g} nats: it is "
                "dominated by a few sample pairs, as happens to bounds with an exponentiated read-out (nwj, js, dv, mine) "
                "on heavy-tailed data. Do not trust it; method='smile' or 'infonce' stays stable there."
            )
        if self.bound != "club":
            gap = train.value - held.value
            se = math.hypot(held.std_error, train.std_error)
            if gap > max(OVERFIT_MIN_GAP, OVERFIT_REL_GAP * abs(train.value), OVERFIT_SE * se):
                notes.append(
                    f"The held-out estimate ({held.value:.3f} nats) is far below the same bound on training data "
                    f"({train.value:.3f} nats): the critic overfits the training split. Report the held-out value; more samples, "
                    "a smaller critic (hidden=..., embed_dim=...) or fewer epochs narrow the gap."
                )
        return notes
