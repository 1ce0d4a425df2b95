"""Training losses built on mutual information, as ``torch.nn.Module`` objects.

Each loss is a thin module over a function of :mod:`mutinfo.functional` and gives the
same number (tests check it). Objectives to *maximise* (MI and its lower bounds) are
returned negated, so every module here is minimised by the optimiser; values are in
nats.

=================  ==========================================  =========================
loss               what it optimises                           functional form
=================  ==========================================  =========================
DiscreteMILoss     -I(Y; Y_hat) of the batch joint table       discrete_mutual_information
IICLoss            -I(Z; Z') of two views (Ji et al. 2019)     iic_from_joint
InfoNCELoss        -InfoNCE bound (critic or cosine scores)    infonce
NTXentLoss         NT-Xent of two views (SimCLR)               nt_xent
MINELoss           -MINE bound with a critic                   mine
NWJLoss            -NWJ bound with a critic                    nwj
SMILELoss          -SMILE estimate with a critic               smile
JSLoss             -Jensen-Shannon bound with a critic         js
CLUBLoss           +CLUB upper bound (minimise I)              club
VIB                bottleneck layer; beta * KL rate term       kl_standard_normal
=================  ==========================================  =========================

**Distributed training.** Every loss takes ``distributed="auto"`` (the default):
whenever a ``torch.distributed`` process group with more than one rank is
initialised, it gathers embeddings and critic inputs from all ranks
(differentiably) or all-reduces its joint table, so its value on every rank equals
the single-process value on the concatenated batch, and gradients averaged by
``DistributedDataParallel`` equal the single-process gradients; see
:mod:`mutinfo.distributed`. Without such a process group nothing changes.
``distributed=False`` opts out (each rank optimises the objective of its own
shard); ``True`` means the same as ``"auto"``. Because the collectives run inside
``forward``, every rank must call the loss the same number of times (a loss
evaluated on rank 0 only, e.g. for logging, needs ``distributed=False`` or it waits
for the other ranks forever).

The parameters of a loss module (a critic, CLUB's ``q`` network) are trained too and
must get the same update on every rank: put the loss inside the module wrapped by
``DistributedDataParallel`` (or all-reduce and average their gradients yourself).
Gradients from gathered inputs are already those of the global batch, but those of
global means (``CLUBLoss.learning_loss``, ``VIB``'s rate) and of ``distributed=False``
are per rank.

**Mixed precision.** float16 and bfloat16 inputs, and inputs produced under
``torch.autocast``, are computed in float32 (autocast switched off inside the loss):
every loss is finite with finite gradients there, and comes back as float32.

**Input checks.** The discrete-output losses check their inputs on every call (the
probabilities-as-logits warning reads two reductions back from the device: one
synchronisation per call).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from . import distributed as _dist
from . import functional as F
from ._errors import DataError, MutualInfoWarning
from .functional._contrastive import NORM_EPS as _NORM_EPS
from .functional._discrete import full_precision, upcast
from ._validation import check_float, check_int

__all__ = [
    "VIB",
    "CLUBLoss",
    "CosineCritic",
    "DiscreteMILoss",
    "IICLoss",
    "InfoNCELoss",
    "JSLoss",
    "MINELoss",
    "NTXentLoss",
    "NWJLoss",
    "SMILELoss",
]

_LOG_2PI = math.log(2 * math.pi)


def _check_distributed(func: str, value: Any) -> bool | str:
    """``distributed`` is "auto", True or False."""
    if isinstance(value, bool) or (isinstance(value, str) and value == "auto"):
        return value
    from ._errors import param_error

    raise param_error(func, "distributed", '"auto", True or False', value)


def _collective(distributed: bool | str) -> bool:
    """True when the loss should use the global batch: not opted out, and a process group of > 1 rank exists.

    ``"auto"`` and ``True`` behave the same (``True`` is kept for code written before
    ``"auto"`` was the default); ``False`` keeps every computation on this rank's shard.
    """
    return distributed is not False and _dist.is_distributed()


def _reduce_joint(joint: torch.Tensor, n: int, distributed: bool | str) -> torch.Tensor:
    """The joint table of the global batch from this rank's table of ``n`` samples."""
    if not _collective(distributed):
        return joint
    total = _dist.all_reduce_sum(joint * n)
    count = _dist.all_reduce_sum(torch.tensor(float(n), dtype=joint.dtype, device=joint.device))
    return total / count


def _check_bool(func: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        from ._errors import param_error

        raise param_error(func, name, "a bool", value)
    return value


def _probabilities(func: str, name: str, t: Any, from_logits: bool) -> torch.Tensor:
    """Rows of class probabilities, in float32 or float64, from logits or probabilities of shape (..., n, k)."""
    kind = "logits" if from_logits else "probabilities"
    if not isinstance(t, torch.Tensor):
        raise DataError(f"{name} of {func} must be a torch.Tensor of {kind}. Got {type(t).__name__}.")
    if not t.is_floating_point():
        hint = " (labels go in `target`; convert predictions with .float())" if t.dtype != torch.bool else ""
        raise DataError(f"{name} of {func} must be a floating-point tensor of {kind}. Got dtype {t.dtype}{hint}.")
    if t.ndim < 2:
        raise DataError(f"{name} of {func} must have shape (..., n, k). Got shape {tuple(t.shape)}.")
    if t.shape[-2] == 0 or t.shape[-1] == 0:
        raise DataError(f"{name} of {func} is empty: the batch needs at least one sample and one class. Got shape {tuple(t.shape)}.")
    t = upcast(t)
    with full_precision(t), torch.no_grad():
        tol = max(1e-4, 10 * torch.finfo(t.dtype).eps)
        if from_logits:
            looks_like_p = bool((t.min() >= 0) & ((t.sum(dim=-1) - 1).abs().max() <= tol))
        else:
            bad = bool((t.min() < 0) | ~(t.sum(dim=-1) > 0).all() | ~torch.isfinite(t).all())
    if from_logits:
        if looks_like_p and t.shape[-1] > 1:
            warnings.warn(
                f"{name} of {func} look like probabilities (non-negative, rows summing to 1) but are read as logits "
                f"and passed through softmax again, which flattens them and leaves almost no training signal; "
                f"pass from_logits=False for probabilities.",
                MutualInfoWarning,
                stacklevel=3,
            )
        with full_precision(t):
            return torch.softmax(t, dim=-1)
    if bad:
        raise DataError(f"{name} of {func} must hold probabilities (finite, non-negative, rows with a positive sum) with from_logits=False; "
                        f"got negative, non-finite or all-zero rows. Pass from_logits=True for logits.")
    return t / t.sum(dim=-1, keepdim=True)


class DiscreteMILoss(nn.Module):
    """Minus the mutual information I(Y; Y_hat) between labels and a classifier's predictions.

    The classifier's probabilities ``p`` (``softmax(logits)``, or the inputs themselves
    with ``from_logits=False``) and the one-hot labels define the batch joint table
    ``P[c, y] = (1/n) sum_i p[i, c] [y_i = y]``, and the loss is ``-I(P)``: gradient
    descent on it maximises the information the predicted class carries about the true
    class, with the probabilities taken from the model's outputs. Unlike cross-entropy,
    the objective rewards a high-entropy marginal of predictions, which counteracts
    collapse onto majority classes under imbalance. With a second set of logits (or
    probabilities) instead of labels, the joint is that of the two outputs.

    Parameters
    ----------
    num_classes : int, optional
        Number of label values when ``target`` holds labels; default: the number of
        logit columns.
    from_logits : bool, default True
        Inputs are logits (softmax is applied) or, with False, probabilities (rows
        are divided by their sums, as Keras does). Keras' name and meaning. Inputs
        read as logits that look like probabilities (non-negative rows summing to 1)
        raise a :class:`~mutinfo.MutualInfoWarning`: a second softmax flattens them.
    distributed : "auto", True or False, default "auto"
        Global-batch objective whenever a ``torch.distributed`` process group with
        more than one rank is initialised (see the module notes); False keeps the
        objective on this rank's shard.

    Shapes
    ------
    ``forward(logits, target)``: logits (probabilities with ``from_logits=False``) of
    shape (n, k); target an integer tensor of labels of shape (n,), or outputs of
    shape (n, m) of the same kind as ``logits``. Returns a scalar in nats, in ``[-log min(k, m), 0]``.

    Notes
    -----
    Cost O(n k m). The plug-in MI of a batch table is biased upward for small batches,
    so use batches of at least several times ``k * m`` samples. float16 and bfloat16
    inputs (and inputs under ``torch.autocast``) are computed in float32, and the
    loss is float32.

    References
    ----------
    Cover & Thomas (2006), ch. 2; the batch-joint construction follows Ji et al. (2019).

    Examples
    --------
    >>> import torch
    >>> loss = DiscreteMILoss()
    >>> logits = torch.tensor([[20.0, 0.0], [0.0, 20.0]])
    >>> round(float(loss(logits, torch.tensor([0, 1]))), 4)   # -log 2
    -0.6931
    >>> round(float(DiscreteMILoss(from_logits=False)(torch.eye(2), torch.tensor([0, 1]))), 4)
    -0.6931
    """

    def __init__(self, num_classes: int | None = None, *, from_logits: bool = True, distributed: bool | str = "auto") -> None:
        super().__init__()
        self.num_classes = None if num_classes is None else check_int("DiscreteMILoss", "num_classes", num_classes, 1)
        self.from_logits = _check_bool("DiscreteMILoss", "from_logits", from_logits)
        self.distributed = _check_distributed("DiscreteMILoss", distributed)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        func = "DiscreteMILoss"
        p = _probabilities(func, "logits", logits, self.from_logits)
        if not isinstance(target, torch.Tensor):
            raise DataError(f"target of {func} must be a torch.Tensor (integer labels or outputs). Got {type(target).__name__}.")
        if target.dtype == torch.bool:
            raise DataError(f"target of {func} must hold integer labels (or floating-point outputs). Got dtype torch.bool; "
                            f"convert it with target.long().")
        if target.is_floating_point():
            q = _probabilities(func, "target", target, self.from_logits)
        elif target.is_complex():
            raise DataError(f"target of {func} must hold integer labels (or floating-point outputs). Got dtype {target.dtype}.")
        else:
            q = target.long()
        joint = F.batch_joint(p, q, self.num_classes)
        joint = _reduce_joint(joint, p.shape[-2], self.distributed)
        return -F.discrete_mutual_information(joint)


class IICLoss(nn.Module):
    """Invariant Information Clustering loss of two views' cluster outputs (Ji et al. 2019).

    ``loss = -iic(p, p_prime, lamb)`` with ``p = softmax(logits)`` (or the inputs
    themselves with ``from_logits=False``): minus the mutual information of the
    cluster assignments of paired views, from their symmetrised batch joint table,
    with weight ``lamb`` on the marginal entropies.

    The training recipe of the paper uses several *sub-heads* (independently
    initialised heads on one trunk, to reduce the variance of the solution) and an
    *over-clustering* head (more clusters than classes, trained alternately with the
    main head). Pass sub-heads stacked in leading dimensions, logits of shape
    ``(h, n, k)``: the loss is the mean over the ``h`` sub-heads. Over-clustering is a
    second head (another IICLoss call on its own logits); see
    :mod:`mutinfo.demos.iic_digits`.

    Parameters
    ----------
    lamb : float, default 1.0
        Weight on the marginal entropies (>= 0); > 1 favours balanced clusters.
    from_logits : bool, default True
        Inputs are logits (softmax is applied) or, with False, probabilities such as
        the softmax outputs of the original IIC code. Keras' name and meaning; inputs
        read as logits that look like probabilities raise a
        :class:`~mutinfo.MutualInfoWarning`.
    distributed : "auto", True or False, default "auto"
        Global-batch objective whenever a ``torch.distributed`` process group with
        more than one rank is initialised (see the module notes); False keeps the
        objective on this rank's shard.

    Shapes
    ------
    ``forward(logits, logits_prime)``: two floating-point tensors of shape (..., n, k)
    (probabilities with ``from_logits=False``).
    Returns a scalar in nats, ``>= -log k`` when ``lamb = 1``; float32 for float16 or
    bfloat16 inputs (computed in float32).

    References
    ----------
    Ji, Henriques & Vedaldi (2019), "Invariant Information Clustering for Unsupervised
    Image Classification and Segmentation", ICCV.
    """

    def __init__(self, lamb: float = 1.0, *, from_logits: bool = True, distributed: bool | str = "auto") -> None:
        super().__init__()
        self.lamb = check_float("IICLoss", "lamb", lamb, 0.0)
        self.from_logits = _check_bool("IICLoss", "from_logits", from_logits)
        self.distributed = _check_distributed("IICLoss", distributed)

    def forward(self, logits: torch.Tensor, logits_prime: torch.Tensor) -> torch.Tensor:
        p = _probabilities("IICLoss", "logits", logits, self.from_logits)
        p_prime = _probabilities("IICLoss", "logits_prime", logits_prime, self.from_logits)
        if p.shape != p_prime.shape:
            raise DataError(f"logits and logits_prime of IICLoss must have the same shape. Got {tuple(p.shape)} and {tuple(p_prime.shape)}.")
        joint = F.batch_joint(p, p_prime)
        joint = _reduce_joint(joint, p.shape[-2], self.distributed)
        return -F.iic_from_joint(joint, self.lamb).mean()


class CosineCritic(nn.Module):
    """``f(x, y) = cos(x, y) / temperature``: the default critic of :class:`InfoNCELoss` (no parameters).

    Rows are divided by ``max(||row||, NORM_EPS)`` (see
    :mod:`mutinfo.functional._contrastive`), so an all-zero embedding gives scores 0.
    """

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        self.temperature = check_float("CosineCritic", "temperature", temperature, 0.0, lo_open=True)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
            raise DataError(f"x and y of CosineCritic must have shapes (n, d) and (m, d). Got {tuple(x.shape)} and {tuple(y.shape)}.")
        x, y = upcast(x), upcast(y)
        with full_precision(x):
            x = x / x.norm(dim=1, keepdim=True).clamp_min(_NORM_EPS)
            y = y / y.norm(dim=1, keepdim=True).clamp_min(_NORM_EPS)
            return x @ y.T / self.temperature


class NTXentLoss(nn.Module):
    """NT-Xent contrastive loss of two views of a batch of embeddings (SimCLR's form of InfoNCE).

    Each of the ``2N`` embeddings is an anchor whose positive is the other view of the
    same sample and whose ``2N - 2`` negatives are all other embeddings of both views
    (:func:`mutinfo.functional.nt_xent`); this is the loss of SimCLR and of
    pytorch-metric-learning's ``NTXentLoss``. Minimising it maximises the InfoNCE lower
    bound ``log(2N - 1) - loss`` on the mutual information between the two views'
    embeddings (for views drawn from the same distribution), where ``N`` is the global
    batch size. After each call, :attr:`mi_bound` holds that bound (nats, detached).

    Parameters
    ----------
    temperature : float, default 0.1
        Softmax temperature on cosine similarities, > 0.
    normalize : bool, default True
        Cosine similarities (True) or dot products (False).
    distributed : "auto", True or False, default "auto"
        Gather embeddings from all ranks first whenever a process group with more
        than one rank is initialised, so negatives come from the global batch and the
        value equals the single-process value; False keeps each rank's shard.

    Attributes
    ----------
    mi_bound : 0-dim tensor
        ``log(2N - 1) - loss`` of the last call, in nats (NaN before the first call).
        It can never exceed ``log(2N - 1)`` (the loss is >= 0): a batch of N pairs
        cannot certify more than ``log(2N - 1)`` nats.

    Shapes
    ------
    ``forward(z1, z2)``: two tensors of shape (n, d). Returns a scalar in nats.
    Cost O(N^2 d) with N the (global) batch size.

    References
    ----------
    Chen et al. (2020), SimCLR, ICML; van den Oord et al. (2018), arXiv:1807.03748.
    """

    def __init__(self, temperature: float = 0.1, *, normalize: bool = True, distributed: bool | str = "auto") -> None:
        super().__init__()
        self.temperature = check_float("NTXentLoss", "temperature", temperature, 0.0, lo_open=True)
        self.normalize = _check_bool("NTXentLoss", "normalize", normalize)
        self.distributed = _check_distributed("NTXentLoss", distributed)
        self.mi_bound: torch.Tensor = torch.full((), float("nan"))

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        if _collective(self.distributed):
            z1, z2 = _dist.gather(z1), _dist.gather(z2)
        loss = F.nt_xent(z1, z2, self.temperature, normalize=self.normalize)
        self.mi_bound = math.log(2 * z1.shape[0] - 1) - loss.detach()
        return loss


class _CriticBoundLoss(nn.Module):
    """Minus a variational lower bound on I(X; Y) computed from a critic's score matrix.

    The critic is any module with ``critic(x, y) -> scores`` of shape (n, n) where
    ``scores[i, j] = f(x_i, y_j)``, the jointly drawn pairs on the diagonal (e.g.
    ``mutinfo.neural.SeparableCritic``). Minimising the loss trains the critic and,
    through ``x`` and ``y``, the network producing them (maximising I(X; T)).
    """

    _name = ""

    def __init__(self, critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], *, distributed: bool | str = "auto") -> None:
        super().__init__()
        if not callable(critic):
            from ._errors import param_error

            raise param_error(type(self).__name__, "critic", "a callable critic(x, y) -> (n, n) scores, e.g. an nn.Module", critic)
        self.critic = critic
        self.distributed = _check_distributed(type(self).__name__, distributed)

    def scores(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The critic's (N, N) score matrix on the (global, when distributed) batch."""
        if _collective(self.distributed):
            x, y = _dist.gather(x), _dist.gather(y)
        if x.shape[0] != y.shape[0]:
            raise DataError(f"x and y of {type(self).__name__} must have the same number of samples. Got {x.shape[0]} and {y.shape[0]}.")
        scores = self.critic(x, y)
        n = x.shape[0]
        if scores.shape != (n, n):
            raise DataError(f"the critic of {type(self).__name__} must return scores of shape ({n}, {n}). Got {tuple(scores.shape)}.")
        return scores

    def bound(self, scores: torch.Tensor) -> torch.Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return -self.bound(self.scores(x, y))


class InfoNCELoss(_CriticBoundLoss):
    """Minus the InfoNCE lower bound on I(X; Y) of paired samples (van den Oord et al. 2018).

    ``loss = -infonce(S)`` (:func:`mutinfo.functional.infonce`) with the score matrix
    ``S[i, j] = f(x_i, y_j)`` of the batch: each ``x_i`` classifies its partner ``y_i``
    among the ``N`` candidates ``y_1..y_N``, and ``infonce(S) = log N - CE``.
    The critic ``f`` is any module ``critic(x, y) -> (N, N)`` (e.g.
    ``mutinfo.neural.SeparableCritic``); by default it is the cosine similarity of
    the two embeddings divided by ``temperature`` (CPC / CLIP's one-directional form,
    ``x`` and ``y`` of the same width). For SimCLR's two-view loss with negatives
    from both views, use :class:`NTXentLoss`.

    After each call, :attr:`mi_bound` holds ``-loss``, the InfoNCE lower bound on
    I(X; Y) in nats, which can never exceed ``log N`` (N the global batch size): a
    batch of N pairs cannot certify more than ``log N`` nats, so take ``log N`` well
    above the MI you expect.

    Parameters
    ----------
    critic : callable, optional
        ``critic(x, y) -> (N, N)`` scores; None for cosine similarity / temperature.
        A critic with parameters is trained by the same optimiser; under DDP put the
        loss inside the wrapped module (see the module notes).
    temperature : float, default 0.1
        Divides the cosine similarities of the default critic, > 0 (unused with a critic).
    distributed : "auto", True or False, default "auto"
        Gather x and y from all ranks whenever a process group with more than one
        rank is initialised (negatives from the global batch); False keeps each
        rank's shard.

    Shapes
    ------
    ``forward(x, y)``: x of shape (n, d_x), y of shape (n, d_y) (d_x = d_y for the
    default critic). Returns a scalar in nats, ``>= -log N``. Cost O(N^2 d).

    References
    ----------
    van den Oord, Li & Vinyals (2018), "Representation Learning with Contrastive
    Predictive Coding", arXiv:1807.03748; Poole et al. (2019), "On Variational Bounds
    of Mutual Information", ICML.

    Examples
    --------
    >>> import torch
    >>> z = torch.eye(3)
    >>> loss = InfoNCELoss(temperature=0.01)
    >>> round(float(loss(z, z)), 4), round(float(loss.mi_bound), 4)   # the cap log 3
    (-1.0986, 1.0986)
    """

    def __init__(self, critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None, *, temperature: float = 0.1,
                 distributed: bool | str = "auto") -> None:
        temperature = check_float("InfoNCELoss", "temperature", temperature, 0.0, lo_open=True)
        super().__init__(CosineCritic(temperature) if critic is None else critic, distributed=distributed)
        self.temperature = temperature
        self.mi_bound: torch.Tensor = torch.full((), float("nan"))

    def bound(self, scores: torch.Tensor) -> torch.Tensor:
        value = F.infonce(scores)
        self.mi_bound = value.detach()
        return value


class NWJLoss(_CriticBoundLoss):
    """Minus the NWJ (f-GAN KL, "MINE-f") lower bound on I(X; Y).

    ``loss = -nwj(critic(x, y))``; unbiased gradients, high variance when the MI is large.

    References
    ----------
    Nguyen, Wainwright & Jordan (2010), IEEE Trans. Inf. Theory 56(11); Poole et al. (2019), ICML.
    """

    def bound(self, scores: torch.Tensor) -> torch.Tensor:
        return F.nwj(scores)


class JSLoss(_CriticBoundLoss):
    """Minus the Jensen-Shannon MI objective (Deep InfoMax): a stable, biased surrogate for I(X; Y).

    ``loss = -js(critic(x, y))``.

    References
    ----------
    Hjelm et al. (2019), "Learning deep representations by mutual information estimation
    and maximization", ICLR; Poole et al. (2019), ICML.
    """

    def bound(self, scores: torch.Tensor) -> torch.Tensor:
        return F.js(scores)


class SMILELoss(_CriticBoundLoss):
    """Minus the SMILE estimate of I(X; Y): the DV bound with the negatives' scores clipped to [-clip, clip].

    The value is the clipped DV estimate; the gradient is that of the Jensen-Shannon
    objective (see :func:`mutinfo.functional.smile`).

    Parameters
    ----------
    critic : callable
        ``critic(x, y) -> (n, n)`` scores.
    clip : float or None, default 5.0
        Clipping of the scores in the partition term (lower variance, some bias);
        None for the unclipped DV value.

    References
    ----------
    Song & Ermon (2020), "Understanding the Limitations of Variational Mutual Information
    Estimators", ICLR.
    """

    def __init__(self, critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], clip: float | None = 5.0, *, distributed: bool | str = "auto") -> None:
        super().__init__(critic, distributed=distributed)
        self.clip = None if clip is None else check_float("SMILELoss", "clip", clip, 0.0, lo_open=True)

    def bound(self, scores: torch.Tensor) -> torch.Tensor:
        return F.smile(scores, clip=self.clip)


class MINELoss(_CriticBoundLoss):
    """Minus the MINE estimate of I(X; Y): the DV bound with a moving-average gradient correction.

    The module keeps MINE's running log-average of ``E_q[exp f]`` between calls (in the
    buffer ``state``, saved with the module's ``state_dict``); call :meth:`reset` to
    start a new estimate. Under ``distributed=True`` every rank sees the global score
    matrix, so the running averages stay identical across ranks.

    Parameters
    ----------
    critic : callable
        ``critic(x, y) -> (n, n)`` scores.
    momentum : float in [0, 1), default 0.9
        Weight of the past in the moving average.

    References
    ----------
    Belghazi et al. (2018), "Mutual Information Neural Estimation", ICML.
    """

    def __init__(self, critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], momentum: float = 0.9, *, distributed: bool | str = "auto") -> None:
        super().__init__(critic, distributed=distributed)
        self.momentum = check_float("MINELoss", "momentum", momentum, 0.0, 1.0, hi_open=True)
        self.register_buffer("state", torch.full((), float("nan")))

    def reset(self) -> None:
        """Forget the running average (the next call starts it at that batch's value)."""
        self.state.fill_(float("nan"))

    def bound(self, scores: torch.Tensor) -> torch.Tensor:
        previous = None if bool(torch.isnan(self.state)) else self.state
        value, new_state = F.mine(scores, previous, momentum=self.momentum)
        self.state = new_state.detach()
        return value


class CLUBLoss(nn.Module):
    """CLUB upper bound on I(X; Y), to minimise: removes information about y from x.

    A Gaussian variational conditional ``q(y | x) = N(mu(x), diag(exp(logvar(x))))``
    with two small MLPs gives the matrix ``L[i, j] = log q(y_j | x_i)``, and
    ``forward(x, y) = club(L)`` (:func:`mutinfo.functional.club`). Training alternates
    two steps, as in Cheng et al. (2020):

    * fit q: minimise :meth:`learning_loss` (minus the mean log-likelihood of the
      positive pairs) with respect to the parameters of this module only;
    * minimise ``forward(x, y)`` with respect to the network producing ``x`` (or ``y``)
      only (the gradient also reaches q's parameters: leave them out of that optimiser).

    Parameters
    ----------
    x_dim, y_dim : int
        Sizes of x and y.
    hidden : int, default 64
        Width of the MLPs for mu and logvar.
    distributed : "auto", True or False, default "auto"
        Global-batch objective whenever a ``torch.distributed`` process group with
        more than one rank is initialised (see the module notes); False keeps the
        objective on this rank's shard.

    Shapes
    ------
    ``forward(x, y)``: x of shape (n, x_dim), y of shape (n, y_dim); returns a scalar
    in nats. Cost O(n^2 y_dim).

    References
    ----------
    Cheng, Hao, Dai, Liu, Gan & Carin (2020), "CLUB: A Contrastive Log-ratio Upper
    Bound of Mutual Information", ICML.
    """

    def __init__(self, x_dim: int, y_dim: int, hidden: int = 64, *, distributed: bool | str = "auto") -> None:
        super().__init__()
        x_dim = check_int("CLUBLoss", "x_dim", x_dim, 1)
        self.y_dim = check_int("CLUBLoss", "y_dim", y_dim, 1)
        hidden = check_int("CLUBLoss", "hidden", hidden, 1)
        self.distributed = _check_distributed("CLUBLoss", distributed)
        self.mu = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU(), nn.Linear(hidden, self.y_dim))
        self.logvar = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU(), nn.Linear(hidden, self.y_dim), nn.Tanh())

    def log_likelihoods(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``L[i, j] = log q(y_j | x_i)`` of shape (n, n), in nats."""
        if x.shape[0] != y.shape[0] or y.ndim != 2 or y.shape[1] != self.y_dim:
            raise DataError(f"CLUBLoss needs x of shape (n, x_dim) and y of shape (n, {self.y_dim}). Got {tuple(x.shape)} and {tuple(y.shape)}.")
        mu, logvar, y = upcast(self.mu(x)), upcast(self.logvar(x)), upcast(y)  # squares and sums in float32 at least
        with full_precision(mu):
            sq = (y.unsqueeze(0) - mu.unsqueeze(1)).square()  # [i, j, d] = (y_j - mu_i)^2
            return -0.5 * ((sq / logvar.exp().unsqueeze(1)).sum(-1) + logvar.sum(-1, keepdim=True) + self.y_dim * _LOG_2PI)

    def learning_loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Minus the mean log-likelihood of the positive pairs under q (train q with it)."""
        mu, logvar, y = upcast(self.mu(x)), upcast(self.logvar(x)), upcast(y)
        with full_precision(mu):
            ll = -0.5 * (((y - mu).square() / logvar.exp()).sum(-1) + logvar.sum(-1) + self.y_dim * _LOG_2PI)
        return -(_dist.global_mean(ll) if _collective(self.distributed) else ll.mean())

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if _collective(self.distributed):
            x, y = _dist.gather(x), _dist.gather(y)
        return F.club(self.log_likelihoods(x, y))


class VIB(nn.Module):
    """Variational Information Bottleneck layer: a stochastic Gaussian code and its rate term.

    A linear map of the input ``h`` gives the mean ``mu`` and standard deviation
    ``std = softplus(s + std_shift)`` of a Gaussian encoder ``q(z | h)``. In training
    mode ``z = mu + std * eps`` (reparameterised sample, ``eps ~ N(0, I)``); in eval
    mode ``z = mu``, unless ``forward(h, sample=True)`` asks for a sample. The code the
    rate bounds is the *stochastic* z: a variational bound on I(Z; Y) must be read with
    sampled codes (``sample=True``), since the mean ``mu(h)`` is a different variable
    (see the ``vib-fashion`` demo). After each call, :attr:`kl` holds the batch mean of
    ``KL(q(z | h) || N(0, I))``, an upper bound on I(H; Z) in nats, and :attr:`loss`
    is ``beta * kl``: add it to the task loss to obtain the VIB objective
    ``CE + beta * I(X; Z)`` of Alemi et al. (2017).

    Parameters
    ----------
    in_features : int
        Size of the input ``h``.
    bottleneck : int
        Size of ``z``.
    beta : float, default 1e-3
        Weight of the rate term, >= 0.
    std_shift : float, default -5.0
        Added before the softplus, so that the initial noise is small (the paper's
        ``softplus(x - 5)``).
    distributed : "auto", True or False, default "auto"
        Global-batch objective whenever a ``torch.distributed`` process group with
        more than one rank is initialised (see the module notes); False keeps the
        objective on this rank's shard.

    Shapes
    ------
    ``forward(h, sample=None)``: h of shape (n, in_features) -> z of shape (n, bottleneck).
    ``sample=None`` samples in training mode and returns the mean in eval mode;
    ``True`` or ``False`` forces either.

    References
    ----------
    Alemi, Fischer, Dillon & Murphy (2017), "Deep Variational Information Bottleneck", ICLR.

    Examples
    --------
    >>> import torch
    >>> layer = VIB(4, 2, beta=0.01)
    >>> z = layer(torch.randn(8, 4))
    >>> z.shape, layer.kl.shape
    (torch.Size([8, 2]), torch.Size([]))
    """

    def __init__(self, in_features: int, bottleneck: int, beta: float = 1e-3, *, std_shift: float = -5.0, distributed: bool | str = "auto") -> None:
        super().__init__()
        in_features = check_int("VIB", "in_features", in_features, 1)
        self.bottleneck = check_int("VIB", "bottleneck", bottleneck, 1)
        self.beta = check_float("VIB", "beta", beta, 0.0)
        self.std_shift = check_float("VIB", "std_shift", std_shift)
        self.distributed = _check_distributed("VIB", distributed)
        self.encoder = nn.Linear(in_features, 2 * self.bottleneck)
        self.kl: torch.Tensor = torch.zeros(())

    def encode(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and standard deviation of q(z | h), each of shape (n, bottleneck)."""
        mu, s = self.encoder(h).split(self.bottleneck, dim=-1)
        return mu, nn.functional.softplus(s + self.std_shift)

    def forward(self, h: torch.Tensor, sample: bool | None = None) -> torch.Tensor:
        if sample is not None:
            sample = _check_bool("VIB.forward", "sample", sample)
        mu, std = self.encode(h)
        per_sample = F.kl_standard_normal(mu, std)
        self.kl = _dist.global_mean(per_sample) if _collective(self.distributed) else per_sample.mean()
        if self.training if sample is None else sample:
            return mu + std * torch.randn_like(std)
        return mu

    @property
    def loss(self) -> torch.Tensor:
        """``beta * kl`` of the last forward pass (nats)."""
        return self.beta * self.kl
