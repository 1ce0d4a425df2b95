"""Keras 3 callback: the information plane of a Keras model, with any backend.

Needs ``keras`` >= 3 (``pip install -e ".[keras]"``). The callback reads layer
outputs with ``model.predict`` through a sub-model, so it works with the TensorFlow,
JAX and torch backends alike. When Keras has not been imported yet and
``KERAS_BACKEND`` is unset, importing this module starts Keras with its torch
backend (mutinfo depends on torch; TensorFlow may not be installed).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any, Mapping, Sequence

from .._errors import DataError, missing_dependency, param_error
from .._validation import check_int
from ._plane import PlaneRecorder

if importlib.util.find_spec("keras") is None:  # pragma: no cover - depends on the environment
    raise missing_dependency("keras", "mutinfo.monitor.keras", extra="keras")
if "keras" not in sys.modules:
    os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402

__all__ = ["InformationPlaneCallback"]


class InformationPlaneCallback(keras.callbacks.Callback):
    """Record I(X;T) and I(T;Y) of named layers of a Keras model during ``model.fit``.

    At the start of training (epoch 0) and after every ``every``-th epoch, the probe
    inputs ``x`` go through a sub-model that outputs the chosen layers
    (``model.predict``, no training step, no weight change); the activations are
    estimated as in :class:`~mutinfo.monitor.InformationPlane` and the values are
    added to the epoch's ``logs`` as ``<layer>/I_XT`` and ``<layer>/I_TY`` (so they
    reach ``History`` and other callbacks).

    Parameters
    ----------
    layers : list of str
        Names of layers of the model (``model.get_layer(name)``).
    x : array of shape (n, ...)
        Probe inputs.
    y : array of shape (n,)
        Class labels of the probe inputs.
    estimator, base, random_state, estimator_options
        As in :class:`~mutinfo.monitor.InformationPlane`.
    every : int, default 1
    batch_size : int, default 4096
        Batch size of the probe ``predict``.

    Notes
    -----
    The model must have defined inputs (a functional model, or a Sequential model
    built with ``keras.Input``) so that a sub-model can read its layers.
    """

    def __init__(
        self,
        layers: Sequence[str],
        *,
        x: Any,
        y: Any,
        estimator: Any = "binning",
        every: int = 1,
        base: float | None = None,
        random_state: int = 0,
        batch_size: int = 4096,
        estimator_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        func = "InformationPlaneCallback"
        if isinstance(layers, str):
            layers = [layers]
        if not layers or not all(isinstance(n, str) for n in layers):
            raise param_error(func, "layers", "a non-empty list of layer names", layers)
        self.layer_names = list(layers)
        self.recorder = PlaneRecorder(x, y, estimator=estimator, base=base, random_state=random_state, estimator_options=estimator_options, func=func)
        self.x = x
        self.every = check_int(func, "every", every, 1)
        self.batch_size = check_int(func, "batch_size", batch_size, 1)
        self._probe: Any = None

    @property
    def history(self) -> list[dict[str, Any]]:
        return self.recorder.history

    def to_dataframe(self) -> Any:
        return self.recorder.to_dataframe()

    def plot(self, path: str | None = None, **kwargs: Any) -> Any:
        return self.recorder.plot(path, **kwargs)

    def _build_probe(self) -> Any:
        names = [layer.name for layer in self.model.layers]
        missing = [n for n in self.layer_names if n not in names]
        if missing:
            raise param_error("InformationPlaneCallback", "layers", f"names of layers of the model (one of {names})", missing[0])
        try:
            inputs = self.model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if not inputs:
            raise DataError("the Keras model has no defined inputs; build it with keras.Input(...) so its layers can be read.")
        outputs = [self.model.get_layer(n).output for n in self.layer_names]
        return keras.Model(inputs=inputs, outputs=outputs)

    def record(self, epoch: int) -> list[dict[str, Any]]:
        """Record every chosen layer now."""
        if self._probe is None:
            self._probe = self._build_probe()
        outs = self._probe.predict(self.x, batch_size=self.batch_size, verbose=0)
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        acts = {name: keras.ops.convert_to_numpy(o) for name, o in zip(self.layer_names, outs)}
        return self.recorder.record(acts, epoch=epoch)

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.recorder.history:
            self.record(0)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1
        if done % self.every:
            return
        for rec in self.record(done):
            if logs is not None:
                logs[f"{rec['layer']}/I_XT"] = rec["i_xt"]
                logs[f"{rec['layer']}/I_TY"] = rec["i_ty"]
