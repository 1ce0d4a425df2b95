"""Neural (variational) estimators of I(X;Y), as registered methods.

Each method trains a critic with one objective of :mod:`mutinfo.functional` and
reports its read-out on held-out samples: a lower bound in expectation for
``nwj``, ``js`` and ``infonce``, an upward-biased estimate of the DV lower bound for
``dv`` and ``mine``, a biased estimator (no bound) for ``smile``, an upper bound for
``club`` when its q(y|x) fits well. See :mod:`mutinfo.neural.estimator` for the
procedure, its parameters and how to read the numbers. A read-out that is not finite
or not supported by the held-out samples raises :class:`~mutinfo.EstimationError`.
Through the public API::

    mi.mutual_information(x, y, method="smile", epochs=30, batch_size=256)
    mi.estimate(x, y, method="smile")   # held-out value, normal interval from the held-out SE

Only continuous data and the MI are supported. Torch input stays on its device
(``device="auto"`` trains on CUDA when the data lives there, or when a GPU exists).
Cost: O(steps x B x network) for the default separable critic; a few seconds on a
CPU for 10^4 samples.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np

from .._errors import MutualInfoWarning
from .._validation import Variable
from ._base import Estimator

__all__ = ["NeuralMethod", "INFONCE", "NWJ", "MINE", "DV", "JS", "SMILE", "CLUB"]

# Key under which a fitted estimator is kept on the x variable for diagnostics and the bootstrap.
_MEMO_KEY = "neural_fit"


class NeuralMethod(Estimator):
    """A registered method: one bound, trained and evaluated by :class:`~mutinfo.neural.NeuralEstimator`.

    Parameters (keyword arguments of the API functions) are those of
    :class:`~mutinfo.neural.NeuralEstimator`: ``epochs``, ``batch_size``, ``lr``,
    ``critic``, ``hidden``, ``embed_dim``, ``activation``, ``patience``,
    ``val_fraction``, ``test_fraction``, ``device``, ``num_threads``, ``max_time``,
    ``progress``, ``weight_decay``, plus ``clip`` (smile) and ``momentum`` (mine).
    ``random_state`` seeds the split, the initialisation and the minibatch order.
    """

    torch_native = True
    interval_method = "normal"

    def __init__(self, bound: str) -> None:
        self.bound = bound

    @property
    def params(self) -> Mapping[str, Any]:  # type: ignore[override]
        from ..neural.estimator import params_for

        return params_for(self.bound)

    def mutual_information(self, x: Variable, y: Variable, *, rng: np.random.Generator, **params: Any) -> float:
        from ..neural.estimator import NeuralEstimator

        est = NeuralEstimator(self.bound, random_state=int(rng.integers(0, 2**63 - 1)), **params)
        with warnings.catch_warnings():
            # The API reports these through diagnostics() (Estimate.warnings, or one warning each).
            warnings.simplefilter("ignore", MutualInfoWarning)
            est.fit(x.data, y.data)
        x.memo[_MEMO_KEY] = est
        return est.result_.value

    def bootstrap(
        self,
        quantity: str,
        variables: Sequence[Variable],
        *,
        n_bootstrap: int,
        rng: np.random.Generator,
        params: Mapping[str, Any],
    ) -> np.ndarray | None:
        """Replicates over resampled held-out rows with the trained critic fixed (no retraining).

        They measure the held-out sampling noise only; retraining on resampled data
        (what a row bootstrap would do) is left to the user, at n_bootstrap times the cost.
        """
        est = variables[0].memo.get(_MEMO_KEY)
        if est is None:
            return None
        return est.bootstrap(n_bootstrap, rng)

    def standard_error(self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any]) -> float | None:
        """Delta-method standard error of the held-out estimate over held-out pairs (critic fixed)."""
        est = variables[0].memo.get(_MEMO_KEY)
        return None if est is None else float(est.result_.std_error)

    def interval(
        self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any], estimate: float, *, level: float
    ) -> Any:
        """The "normal" interval ``estimate -/+ z SE`` over held-out pairs, with a note on what it leaves out.

        The held-out split supports exactly this: the sampling noise of the trained
        critic's bound on fresh pairs. It does not include the variability of training
        (another seed or split gives another critic) nor the gap between the bound and
        the MI, so its coverage of the true MI is below nominal whenever that gap is not
        small against SE (measured in benchmarks/coverage.py).
        """
        from ..stats import HELD_OUT_RANGE, Interval, normal_interval

        se = self.standard_error(quantity, variables, params)
        if se is None:
            return None
        lo, hi = normal_interval(estimate, se, level)
        note = (
            f"The interval of method={self.bound!r} is estimate -/+ z SE over the held-out pairs with the trained critic "
            "fixed: it leaves out training variability and the gap between the bound and the MI, so it is narrower "
            "than an interval for the MI itself."
        )
        return Interval(lo, hi, "normal", se, 0, notes=[note], label=HELD_OUT_RANGE)

    def diagnostics(self, quantity: str, variables: Sequence[Variable], value: float, params: Mapping[str, Any]) -> list[str]:
        est = variables[0].memo.get(_MEMO_KEY)
        return [] if est is None else list(est.result_.warnings)


INFONCE = NeuralMethod("infonce")
NWJ = NeuralMethod("nwj")
MINE = NeuralMethod("mine")
DV = NeuralMethod("dv")
JS = NeuralMethod("js")
SMILE = NeuralMethod("smile")
CLUB = NeuralMethod("club")
