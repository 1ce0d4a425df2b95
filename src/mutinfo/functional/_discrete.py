"""Differentiable mutual information of discrete joint tables, softmax outputs and IIC.

A classifier's softmax output ``p[i, c]`` is a distribution over classes for sample
``i``. Averaging outer products over a batch gives a joint table whose mutual
information can be maximised by gradient descent: this is how the objective
``J(theta) = I(Y; Y_hat)`` with probabilities taken from the model's outputs is made
concrete and exact for a batch, and how Invariant Information Clustering (IIC)
trains a clusterer from pairs of views.

All values are in nats. Every function accepts leading batch dimensions (``...``),
e.g. one joint table per sub-head, and works on any device and floating dtype.

**Mixed precision.** float16 and bfloat16 inputs are upcast to float32, and
``torch.autocast`` is switched off inside, so that tables, logarithms and sums are
computed in float32 (in float16, :data:`EPS` would round to 0 and ``0 * log 0`` give
NaN; under autocast the table's matrix product would run in half precision). The
result is then a float32 tensor; gradients flow back to the half-precision inputs.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .._errors import DataError
from .._validation import check_float, check_int

__all__ = ["EPS", "batch_joint", "discrete_mutual_information", "full_precision", "iic", "iic_from_joint", "in_float32", "upcast"]

# Probabilities below this are treated as this value inside logarithms, so that
# empty cells contribute exactly 0 to the sums (p * log p -> 0) and the gradient
# stays finite (log EPS instead of -inf). Ji et al. (2019) clamp at the same scale.
# Tables are float32 or float64 when it is applied (see `upcast`): 1e-10 is a normal
# number in both, whereas in float16 it would round to 0.
EPS = 1e-10

_F = TypeVar("_F", bound=Callable[..., Any])


def _torch() -> Any:
    import torch

    return torch


def upcast(t: Any) -> Any:
    """A float16 or bfloat16 tensor as float32 (differentiably); anything else unchanged."""
    torch = _torch()
    if isinstance(t, torch.Tensor) and t.dtype in (torch.float16, torch.bfloat16):
        return t.float()
    return t


@contextlib.contextmanager
def full_precision(t: Any) -> Iterator[None]:
    """Switch ``torch.autocast`` off on the device of tensor ``t`` (a no-op for non-tensors)."""
    torch = _torch()
    available = getattr(torch.amp, "is_autocast_available", lambda device: device in ("cpu", "cuda"))  # torch < 2.4
    if isinstance(t, torch.Tensor) and available(t.device.type):
        with torch.autocast(device_type=t.device.type, enabled=False):
            yield
    else:
        yield


def in_float32(func: _F) -> _F:
    """Decorator: run ``func`` with half-precision tensor arguments upcast to float32 and autocast off."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args = tuple(upcast(a) for a in args)
        kwargs = {k: upcast(v) for k, v in kwargs.items()}
        first = args[0] if args else next(iter(kwargs.values()), None)
        with full_precision(first):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _check_tensor(func: str, name: str, value: Any, min_dims: int) -> Any:
    torch = _torch()
    if not isinstance(value, torch.Tensor):
        raise DataError(f"{name} of {func} must be a torch.Tensor. Got {type(value).__name__}.")
    if value.ndim < min_dims:
        raise DataError(f"{name} of {func} must have at least {min_dims} dimensions. Got shape {tuple(value.shape)}.")
    if not value.is_floating_point():
        raise DataError(f"{name} of {func} must be a floating-point tensor. Got dtype {value.dtype}.")
    return value


def check_matrix_pair(func: str, name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Both arguments floating-point tensors of shape (n, d), the same shape."""
    torch = _torch()
    for name, t in ((name_a, a), (name_b, b)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.ndim != 2:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise DataError(f"{name} of {func} must be a floating-point tensor of shape (n, d). Got {got}.")
    if a.shape != b.shape:
        raise DataError(f"{name_a} and {name_b} of {func} must have the same shape. Got {tuple(a.shape)} and {tuple(b.shape)}.")


def _xlog(p: Any) -> Any:
    """log(p) with p clamped at EPS (the clamp's gradient is 0 below EPS, p's is not)."""
    return p.clamp_min(EPS).log()


@in_float32
def discrete_mutual_information(p_joint: Any) -> Any:
    """I(X;Y) of a joint probability table, differentiable in the table.

    ``I = sum_ij p_ij (log p_ij - log p_i. - log p_.j)``, with ``p_i.`` and ``p_.j`` the
    marginals. Empty cells contribute 0 (see :data:`EPS`).

    Parameters
    ----------
    p_joint : tensor of shape (..., k, m)
        Non-negative entries summing to 1 over the last two dimensions, e.g. from
        :func:`batch_joint`. Leading dimensions are independent tables.

    Returns
    -------
    tensor of shape (...)
        Mutual information in nats, in ``[0, log min(k, m)]`` for a valid table.

    Notes
    -----
    Cost is O(k m) per table. The value is the plug-in MI of the table itself: when
    the table is a batch average of softmax outputs, it is an estimate of the MI of
    the population table, biased upward for small batches (at most
    ``(k - 1)(m - 1) / (2 n)`` nats for hard assignments), as any plug-in estimate.

    References
    ----------
    Cover & Thomas (2006), Elements of Information Theory, ch. 2.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([[0.5, 0.0], [0.0, 0.5]])
    >>> round(float(discrete_mutual_information(p)), 6)   # log 2
    0.693147
    """
    func = "discrete_mutual_information"
    p = _check_tensor(func, "p_joint", p_joint, 2)
    p_row = p.sum(dim=-1, keepdim=True)
    p_col = p.sum(dim=-2, keepdim=True)
    return (p * (_xlog(p) - _xlog(p_row) - _xlog(p_col))).sum(dim=(-2, -1))


@in_float32
def batch_joint(p: Any, q: Any, num_classes: int | None = None) -> Any:
    """Joint table of two categorical outputs over a batch: ``P = p^T q / n``.

    ``P[c, c'] = (1/n) sum_i p[i, c] q[i, c']`` is the joint distribution of
    (class of X, class of Y) when sample ``i`` is drawn uniformly from the batch and
    the two classes are drawn from ``p[i]`` and ``q[i]`` independently given ``i``.

    Parameters
    ----------
    p : tensor of shape (..., n, k)
        Rows are probability vectors (e.g. ``softmax(logits, -1)``).
    q : tensor of shape (..., n, m), or integer tensor of shape (n,)
        Probability vectors, or integer labels in ``[0, num_classes)`` (one-hot rows).
    num_classes : int, optional
        Number of label values when ``q`` holds labels; default ``k``.

    Returns
    -------
    tensor of shape (..., k, m)
        The joint table, summing to 1. Cost O(n k m).

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> batch_joint(p, torch.tensor([1, 0]))
    tensor([[0.0000, 0.5000],
            [0.5000, 0.0000]])
    """
    func = "batch_joint"
    torch = _torch()
    p = _check_tensor(func, "p", p, 2)
    n = p.shape[-2]
    if isinstance(q, torch.Tensor) and not q.is_floating_point():
        if q.ndim != 1 or q.shape[0] != n:
            raise DataError(f"integer labels q of {func} must have shape ({n},) to match p. Got shape {tuple(q.shape)}.")
        m = p.shape[-1] if num_classes is None else check_int(func, "num_classes", num_classes, 1)
        # Labels are summed into columns: P[:, y] += p[i] / n (no one-hot matrix built).
        flat = p.reshape(-1, n, p.shape[-1]).transpose(1, 2)  # (b, k, n)
        out = flat.new_zeros(flat.shape[0], flat.shape[1], m)
        if n:
            lo, hi = int(q.min()), int(q.max())
            if lo < 0 or hi >= m:
                raise DataError(f"labels q of {func} must lie in [0, {m - 1}] (num_classes={m}). Got values in [{lo}, {hi}].")
        out.index_add_(2, q.to(p.device), flat)
        return (out / n).reshape(*p.shape[:-2], p.shape[-1], m)
    q = _check_tensor(func, "q", q, 2)
    if q.shape[-2] != n:
        raise DataError(f"p and q of {func} must have the same number of samples. Got {n} and {q.shape[-2]}.")
    return p.transpose(-2, -1) @ q / n


@in_float32
def iic(p: Any, p_prime: Any, lamb: float = 1.0) -> Any:
    """Invariant Information Clustering objective of two softmax outputs over paired views.

    With ``P`` the batch joint of ``p`` and ``p_prime`` (:func:`batch_joint`),
    symmetrised ``P <- (P + P^T) / 2``, the objective is::

        I_lambda = sum_cc' P_cc' (log P_cc' - lamb log P_c. - lamb log P_.c')
                 = I(Z; Z') + (lamb - 1) (H(Z) + H(Z'))

    so ``lamb = 1`` gives the mutual information of the cluster assignments of the
    two views, and ``lamb > 1`` adds weight to the marginal entropies (balanced
    clusters). Maximise it (the loss is ``-iic``: :class:`mutinfo.losses.IICLoss`).

    Parameters
    ----------
    p, p_prime : tensors of shape (..., n, k)
        Softmax outputs of the same head for two views of the same ``n`` samples.
    lamb : float, default 1.0
        Weight on the marginal entropy terms, >= 0.

    Returns
    -------
    tensor of shape (...)
        The objective in nats; at most ``log k`` when ``lamb = 1`` (reached by
        confident, consistent, uniformly used clusters). Cost O(n k^2).

    References
    ----------
    Ji, Henriques & Vedaldi (2019), "Invariant Information Clustering for
    Unsupervised Image Classification and Segmentation", ICCV.

    Examples
    --------
    >>> import torch
    >>> p = torch.eye(4)
    >>> round(float(iic(p, p)), 6)   # log 4
    1.386294
    """
    func = "iic"
    lamb = check_float(func, "lamb", lamb, 0.0)
    p = _check_tensor(func, "p", p, 2)
    p_prime = _check_tensor(func, "p_prime", p_prime, 2)
    if p.shape != p_prime.shape:
        raise DataError(f"p and p_prime of {func} must have the same shape. Got {tuple(p.shape)} and {tuple(p_prime.shape)}.")
    joint = batch_joint(p, p_prime)
    return iic_from_joint(joint, lamb)


@in_float32
def iic_from_joint(joint: Any, lamb: float = 1.0) -> Any:
    """The IIC objective of an (unsymmetrised) joint table of shape (..., k, k); see :func:`iic`."""
    if joint.shape[-1] != joint.shape[-2]:
        raise DataError(f"the joint table of iic must be square. Got shape {tuple(joint.shape)}.")
    joint = 0.5 * (joint + joint.transpose(-2, -1))
    # Renormalise: a table built from outputs that are probabilities up to rounding.
    joint = joint / joint.sum(dim=(-2, -1), keepdim=True)
    p_row = joint.sum(dim=-1, keepdim=True)
    p_col = joint.sum(dim=-2, keepdim=True)
    return (joint * (_xlog(joint) - lamb * _xlog(p_row) - lamb * _xlog(p_col))).sum(dim=(-2, -1))
