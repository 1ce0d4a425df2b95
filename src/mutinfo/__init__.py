"""mutinfo: mutual information for deep learning.

Measure entropy and (conditional) mutual information from samples, train PyTorch
models with MI objectives, and watch networks through MI while they train.

>>> import mutinfo as mi
>>> mi.mutual_information([0, 0, 1, 1], [0, 0, 1, 1], method="plugin", base=2)
1.0

Submodules are loaded on first use, so ``import mutinfo`` stays fast and never
imports torch, matplotlib or scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._api import conditional_entropy as conditional_entropy
from ._api import conditional_mutual_information as conditional_mutual_information
from ._api import entropy as entropy
from ._api import estimate as estimate
from ._api import methods as methods
from ._api import mutual_information as mutual_information
from ._api import pairwise as pairwise
from ._errors import DataError as DataError
from ._errors import EstimationError as EstimationError
from ._errors import MissingDependencyError as MissingDependencyError
from ._errors import MutualInfoError as MutualInfoError
from ._errors import MutualInfoWarning as MutualInfoWarning
from ._errors import ParameterError as ParameterError
from ._errors import UnknownMethodError as UnknownMethodError
from ._errors import UnsupportedDataError as UnsupportedDataError
from ._registry import MethodInfo as MethodInfo
from ._result import Estimate as Estimate

__version__ = "0.1.0"

_SUBMODULES = (
    "datasets",
    "discrete",
    "distributed",
    "functional",
    "losses",
    "monitor",
    "neural",
    "plot",
    "selection",
    "stats",
)

__all__ = [
    "entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
    "estimate",
    "pairwise",
    "methods",
    "Estimate",
    "MethodInfo",
    "MutualInfoError",
    "ParameterError",
    "DataError",
    "EstimationError",
    "UnknownMethodError",
    "UnsupportedDataError",
    "MissingDependencyError",
    "MutualInfoWarning",
    *_SUBMODULES,
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))
