"""Neural estimation of mutual information: critics and an estimator that trains them.

* Critics (:mod:`mutinfo.neural.critics`): :class:`SeparableCritic`,
  :class:`BilinearCritic`, :class:`ConcatCritic`, and :class:`GaussianConditional`
  (the variational q(y|x) of the CLUB upper bound).
* :class:`NeuralEstimator`: trains a critic on a training split with a bound of
  :mod:`mutinfo.functional`, early-stops on a validation split, and reports the
  bound on a held-out split with a standard error (:class:`NeuralResult`).

The same estimators are registered as ``method="infonce"``, ``"nwj"``, ``"mine"``,
``"dv"``, ``"js"``, ``"smile"`` and ``"club"`` of :func:`mutinfo.mutual_information`.
Importing this module imports torch.
"""

from __future__ import annotations

from .critics import BilinearCritic as BilinearCritic
from .critics import ConcatCritic as ConcatCritic
from .critics import GaussianConditional as GaussianConditional
from .critics import SeparableCritic as SeparableCritic
from .critics import mlp as mlp
from .estimator import BOUNDS as BOUNDS
from .estimator import NeuralEstimator as NeuralEstimator
from .estimator import NeuralResult as NeuralResult

__all__ = [
    "SeparableCritic",
    "BilinearCritic",
    "ConcatCritic",
    "GaussianConditional",
    "mlp",
    "NeuralEstimator",
    "NeuralResult",
    "BOUNDS",
]
