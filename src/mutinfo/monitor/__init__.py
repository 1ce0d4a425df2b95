"""Watch a network through mutual information while it trains.

* :class:`InformationPlane`: I(X;T) and I(T;Y) of chosen layers on a fixed probe
  set, through forward hooks that leave training unchanged; estimators for the
  information of deterministic layers (binning, KDE bound, noise-injected, k-NN,
  neural); history as records or a DataFrame; the plane as a figure.
* :class:`MutualInformationMetric`: I(Y;Yhat), normalised and per-class MI of a
  classifier, accumulated over batches as a joint count table, exact under DDP; a
  ``torchmetrics.Metric`` (needs torchmetrics, the ``monitor`` extra; imported on
  first use).
* Integrations: :class:`Monitor` and :func:`fit` for a plain training loop,
  :class:`TensorBoardLogger`, a Lightning callback
  (:class:`mutinfo.monitor.lightning.MutualInformationCallback`) and a Keras 3
  callback (:class:`mutinfo.monitor.keras.InformationPlaneCallback`); each framework
  is imported only when its adapter is used.

Importing this module imports torch (not torchmetrics, matplotlib, tensorboard,
lightning or keras).
"""

from __future__ import annotations

import importlib
from typing import Any

from ._estimators import BinningEstimator as BinningEstimator
from ._estimators import KDEEstimator as KDEEstimator
from ._estimators import KNNEstimator as KNNEstimator
from ._estimators import LayerEstimator as LayerEstimator
from ._estimators import NeuralEstimator as NeuralEstimator
from ._estimators import NoiseEstimator as NoiseEstimator
from ._estimators import bin_codes as bin_codes
from ._estimators import kde_information as kde_information
from ._estimators import noisy_information as noisy_information
from ._loop import Monitor as Monitor
from ._loop import fit as fit
from ._table import information_from_table as information_from_table
from ._plane import InformationPlane as InformationPlane
from ._plane import PlaneRecorder as PlaneRecorder
from ._plane import plot_information_plane as plot_information_plane
from ._tensorboard import TensorBoardLogger as TensorBoardLogger

_ADAPTERS = ("lightning", "keras")

__all__ = [
    "InformationPlane",
    "PlaneRecorder",
    "MutualInformationMetric",
    "Monitor",
    "fit",
    "TensorBoardLogger",
    "LayerEstimator",
    "BinningEstimator",
    "KDEEstimator",
    "NoiseEstimator",
    "KNNEstimator",
    "NeuralEstimator",
    "bin_codes",
    "kde_information",
    "noisy_information",
    "information_from_table",
    "plot_information_plane",
]


def __getattr__(name: str) -> Any:
    if name == "MutualInformationMetric":
        from ._metric import MutualInformationMetric

        globals()[name] = MutualInformationMetric
        return MutualInformationMetric
    if name in _ADAPTERS:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
