"""Mutual-information losses for Keras 3, written with ``keras.ops`` (any backend).

The same objectives as :mod:`mutinfo.losses`, for Keras models: each loss gives the
same number as its PyTorch counterpart on the same inputs (tested on the torch and
JAX backends), in nats, negated so that it is minimised.

=================  ===========================================  ===========================
loss               ``loss(y_true, y_pred)``                     PyTorch counterpart
=================  ===========================================  ===========================
DiscreteMILoss     -I(Y; Y_hat): labels, logits (n, k)          mutinfo.losses.DiscreteMILoss
IICLoss            -IIC objective of two views' logits          mutinfo.losses.IICLoss
InfoNCELoss        -InfoNCE bound, cosine critic, two views     mutinfo.losses.InfoNCELoss
=================  ===========================================  ===========================

Each is a ``keras.losses.Loss`` whose value is a batch-level quantity (a joint table
or a score matrix over the whole batch), not a mean of per-sample terms, so
``sample_weight`` is not supported. float16 and bfloat16 inputs are computed in
float32. Needs ``keras`` >= 3 (``pip install 'mutinfo[keras]'``); when Keras has not
been imported yet and ``KERAS_BACKEND`` is unset, importing this module starts Keras
with its torch backend (mutinfo depends on torch; TensorFlow may not be installed).
Set ``KERAS_BACKEND=jax`` (or ``tensorflow``) before the first import of Keras to use
another backend.

Examples
--------
>>> import numpy as np
>>> from mutinfo.keras import DiscreteMILoss
>>> logits = np.array([[20.0, 0.0], [0.0, 20.0]], dtype="float32")
>>> round(float(DiscreteMILoss()(np.array([0, 1]), logits)), 4)   # -log 2
-0.6931
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import warnings
from typing import Any

from .._errors import MutualInfoWarning, missing_dependency, param_error
from .._validation import check_float, check_int

if importlib.util.find_spec("keras") is None:  # pragma: no cover - depends on the environment
    raise missing_dependency("keras", "mutinfo.keras", extra="keras")
if "keras" not in sys.modules:
    os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402
from keras import ops  # noqa: E402

__all__ = ["DiscreteMILoss", "IICLoss", "InfoNCELoss"]

# The clamp inside logarithms of table entries (empty cells contribute 0, finite
# gradients); the same value as mutinfo.functional's EPS, applied in float32.
EPS = 1e-10
# Rows are divided by max(||row||, NORM_EPS) for cosine similarities.
NORM_EPS = 1e-12


def _check_bool(func: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise param_error(func, name, "a bool", value)
    return value


def _float32(t: Any) -> Any:
    """float16 / bfloat16 (and integer) inputs as float32; float32 and float64 unchanged."""
    t = ops.convert_to_tensor(t)
    dtype = keras.backend.standardize_dtype(t.dtype)
    return t if dtype in ("float32", "float64") else ops.cast(t, "float32")


def _warn_if_probabilities(func: str, name: str, t: Any) -> None:
    """Warn when eager values read as logits look like probabilities (skipped while tracing, e.g. under jax.jit)."""
    try:
        import numpy as np

        a = np.asarray(ops.convert_to_numpy(t), dtype=np.float64)
    except Exception:  # symbolic or traced tensors have no values to check
        return
    if a.size and a.shape[-1] > 1 and a.min() >= 0 and np.abs(a.sum(-1) - 1).max() <= 1e-4 * max(1.0, a.shape[-1] / 100):
        warnings.warn(
            f"{name} of {func} look like probabilities (non-negative, rows summing to 1) but are read as logits and passed "
            f"through softmax again, which flattens them and leaves almost no training signal; pass from_logits=False.",
            MutualInfoWarning,
            stacklevel=4,
        )


def _probabilities(func: str, name: str, t: Any, from_logits: bool) -> Any:
    t = _float32(t)
    if from_logits:
        _warn_if_probabilities(func, name, t)
        return ops.softmax(t, axis=-1)
    return t / ops.sum(t, axis=-1, keepdims=True)


def _xlog(p: Any) -> Any:
    return ops.log(ops.maximum(p, EPS))


def _batch_joint(p: Any, q: Any) -> Any:
    """``P = p^T q / n`` for p of shape (..., n, k), q of shape (..., n, m)."""
    n = ops.cast(ops.shape(p)[-2], p.dtype)
    return ops.matmul(ops.swapaxes(p, -1, -2), q) / n


def _information(joint: Any, lamb: float = 1.0) -> Any:
    """``sum P (log P - lamb log P_row - lamb log P_col)``: the MI of the table when lamb = 1."""
    p_row = ops.sum(joint, axis=-1, keepdims=True)
    p_col = ops.sum(joint, axis=-2, keepdims=True)
    return ops.sum(joint * (_xlog(joint) - lamb * _xlog(p_row) - lamb * _xlog(p_col)), axis=(-2, -1))


class _BatchLoss(keras.losses.Loss):
    """A loss whose value is one number for the whole batch (no per-sample reduction, no sample weights)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name=name, reduction="sum_over_batch_size", **kwargs)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if sample_weight is not None:
            raise param_error(type(self).__name__, "sample_weight", "None (the loss is a batch-level quantity)", "an array")
        return self.call(y_true, y_pred)


class DiscreteMILoss(_BatchLoss):
    """Minus I(Y; Y_hat) of the batch joint table of labels and softmax outputs (Keras).

    ``loss(y_true, y_pred)`` with integer labels ``y_true`` of shape (n,) or (n, 1)
    and logits ``y_pred`` of shape (n, k) (probabilities with ``from_logits=False``,
    Keras' name and meaning); with floating ``y_true`` of shape (n, m), the joint is
    that of two outputs of the same kind. Equals
    :class:`mutinfo.losses.DiscreteMILoss`; in ``[-log min(k, m), 0]`` nats.

    Parameters
    ----------
    num_classes : int, optional
        Number of label values; default the number of columns of ``y_pred``.
    from_logits : bool, default True
        ``y_pred`` holds logits (softmax applied) or probabilities.
    """

    def __init__(self, num_classes: int | None = None, *, from_logits: bool = True, name: str = "discrete_mi_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.num_classes = None if num_classes is None else check_int("DiscreteMILoss", "num_classes", num_classes, 1)
        self.from_logits = _check_bool("DiscreteMILoss", "from_logits", from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        p = _probabilities("DiscreteMILoss", "y_pred", y_pred, self.from_logits)
        y_true = ops.convert_to_tensor(y_true)
        dtype = keras.backend.standardize_dtype(y_true.dtype)
        if "float" in dtype:
            q = _probabilities("DiscreteMILoss", "y_true", y_true, self.from_logits)
        else:
            if dtype == "bool":
                raise param_error("DiscreteMILoss", "y_true", "integer labels or floating-point outputs", "a bool array")
            labels = ops.reshape(y_true, (-1,))
            q = ops.one_hot(labels, self.num_classes or ops.shape(p)[-1], dtype=p.dtype)
        return -_information(_batch_joint(p, q))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes, "from_logits": self.from_logits}


class IICLoss(_BatchLoss):
    """Invariant Information Clustering loss of two views' cluster logits (Keras; Ji et al. 2019).

    ``loss(y_true, y_pred)`` with the two views' logits (probabilities with
    ``from_logits=False``) of shape (..., n, k) in either order (the objective is
    symmetric); leading dimensions are sub-heads, averaged. Equals
    :class:`mutinfo.losses.IICLoss`; ``>= -log k`` nats when ``lamb = 1``.

    Parameters
    ----------
    lamb : float, default 1.0
        Weight on the marginal entropies (>= 0).
    from_logits : bool, default True
    """

    def __init__(self, lamb: float = 1.0, *, from_logits: bool = True, name: str = "iic_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.lamb = check_float("IICLoss", "lamb", lamb, 0.0)
        self.from_logits = _check_bool("IICLoss", "from_logits", from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        p = _probabilities("IICLoss", "y_pred", y_pred, self.from_logits)
        p_prime = _probabilities("IICLoss", "y_true", y_true, self.from_logits)
        joint = _batch_joint(p, p_prime)
        joint = 0.5 * (joint + ops.swapaxes(joint, -1, -2))
        joint = joint / ops.sum(joint, axis=(-2, -1), keepdims=True)
        return -ops.mean(_information(joint, self.lamb))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "lamb": self.lamb, "from_logits": self.from_logits}


class InfoNCELoss(_BatchLoss):
    """Minus the InfoNCE lower bound on I(Z1; Z2) of paired embeddings, cosine critic (Keras).

    ``loss(y_true, y_pred)`` with the embeddings of the two views, each of shape
    (n, d): the scores are ``cos(y_pred_i, y_true_j) / temperature`` and the loss is
    ``-(mean_i [S_ii - log sum_j exp S_ij] + log n)``. Equals
    :class:`mutinfo.losses.InfoNCELoss` with its default critic; ``-loss`` is the
    bound, at most ``log n`` nats.

    Parameters
    ----------
    temperature : float, default 0.1
    """

    def __init__(self, temperature: float = 0.1, *, name: str = "infonce_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.temperature = check_float("InfoNCELoss", "temperature", temperature, 0.0, lo_open=True)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        x, y = _float32(y_pred), _float32(y_true)
        x = x / ops.maximum(ops.sqrt(ops.sum(ops.square(x), axis=1, keepdims=True)), NORM_EPS)
        y = y / ops.maximum(ops.sqrt(ops.sum(ops.square(y), axis=1, keepdims=True)), NORM_EPS)
        scores = ops.matmul(x, ops.transpose(y)) / self.temperature
        n = ops.shape(scores)[0]
        bound = ops.mean(ops.diagonal(scores) - ops.logsumexp(scores, axis=1)) + ops.log(ops.cast(n, scores.dtype))
        return -bound

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "temperature": self.temperature}
