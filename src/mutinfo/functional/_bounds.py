"""Variational bounds on I(X;Y) as differentiable functions of a critic score matrix.

Every function here takes ``scores``, a torch tensor of shape ``(B, B)`` with
``scores[i, j] = f(x_i, y_j)`` for a critic ``f`` and a batch of ``B`` jointly drawn
pairs ``(x_i, y_i)``: the diagonal holds the positive pairs, drawn from p(x, y), and
the ``B (B - 1)`` off-diagonal entries are negative pairs, standing in for draws from
p(x) p(y). Each returns a 0-dim tensor in nats: maximise it (minimise its negative)
to train the critic; its value is the estimate.

Off-diagonal averages are taken over the ``B (B - 1)`` off-diagonal entries only: a
positive pair never leaks into a term that estimates an expectation under
p(x) p(y). Exponential averages are computed as log-mean-exp (log-sum-exp shifted
by the maximum), so large scores do not overflow before the final ``exp``.

Overview (``E_p`` is the mean of the diagonal, ``E_q`` of the off-diagonal entries):

============  =====================================================  ==================
bound         value                                                  optimal critic f*
============  =====================================================  ==================
``infonce``   mean_i [f_ii - log mean_j exp f_ij]   (<= log B)        log r + c(x)
``nwj``       E_p f - exp(-1) E_q exp f                              1 + log r
``tuba``      1 + E_p[f - a(y)] - E_q exp(f - a(y))                  a(y) + log r
``dv``        E_p f - log E_q exp f                                  log r + c
``mine``      value of ``dv``; gradient debiased by a moving average log r + c
``js``        1 + E_p f - E_q exp f  (NWJ of 1 + f); trained as JS    log r
``smile``     E_p f - log E_q exp clip(f, -tau, tau); trained as JS   log r
``club``      E_p log q(y|x) - E_q log q(y|x)   (an upper bound)      q = p(y|x)
============  =====================================================  ==================

As estimates from one batch: ``infonce``, ``nwj``, ``tuba`` and ``js`` are lower
bounds on I(X;Y) in expectation (nwj, tuba and js are unbiased estimates of their
population bound; infonce is a bound for any batch). ``dv`` and ``mine``: the
population DV value is a lower bound, but its batch value takes the log of a mean and
is biased upward, so it is not a bound in expectation. ``smile`` clips, which biases it
either way: a biased estimator, not a bound. ``club`` is an upper bound only when
q(y|x) is close enough to p(y|x).

where ``r = p(x, y) / (p(x) p(y))`` is the density ratio, whose expectation under
p(x, y) of the log is I(X;Y).

References
----------
Poole, Ozair, van den Oord, Alemi & Tucker (2019), "On variational bounds of mutual
information", ICML. Song & Ermon (2020), "Understanding the limitations of
variational mutual information estimators", ICLR. Belghazi et al. (2018), "MINE:
mutual information neural estimation", ICML. Nguyen, Wainwright & Jordan (2010),
IEEE Trans. Inf. Theory 56(11). van den Oord, Li & Vinyals (2018), "Representation
learning with contrastive predictive coding", arXiv:1807.03748. Cheng et al. (2020),
"CLUB: a contrastive log-ratio upper bound of mutual information", ICML. Nowozin,
Cseke & Tomioka (2016), "f-GAN", NeurIPS.
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import DataError, param_error
from ._discrete import in_float32

__all__ = [
    "infonce",
    "nwj",
    "tuba",
    "dv",
    "mine",
    "js",
    "js_fgan",
    "smile",
    "club",
    "log_mean_exp_offdiagonal",
]

# Default momentum of MINE's moving average of E_q[exp f] (weight of the past).
MINE_MOMENTUM = 0.9
# Default clip tau of SMILE (Song & Ermon 2020 report tau = 5 as a good trade-off).
SMILE_CLIP = 5.0


def _torch() -> Any:
    import torch

    return torch


def _check_scores(func: str, scores: Any, name: str = "scores") -> None:
    """Raise a DataError unless ``scores`` is a floating tensor of shape (B, B), B >= 2."""
    torch = _torch()
    rule = "a floating-point torch tensor of shape (B, B) with B >= 2 (positive pairs on the diagonal)"
    if not isinstance(scores, torch.Tensor):
        raise DataError(f"The `{name}` argument of {func} must be {rule}. Got {type(scores).__name__}.")
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or scores.shape[0] < 2 or not scores.is_floating_point():
        raise DataError(
            f"The `{name}` argument of {func} must be {rule}. Got shape {tuple(scores.shape)} and dtype {scores.dtype}."
        )


def _diagonal_mask(b: int, device: Any) -> Any:
    torch = _torch()
    return torch.eye(b, dtype=torch.bool, device=device)


@in_float32
def log_mean_exp_offdiagonal(scores: Any) -> Any:
    """``log mean_{i != j} exp(scores[i, j])``, computed stably.

    Parameters
    ----------
    scores : tensor of shape (B, B), B >= 2

    Returns
    -------
    0-dim tensor
        The log of the mean of ``exp`` over the ``B (B - 1)`` off-diagonal entries.
        The diagonal is masked with ``-inf`` before a log-sum-exp, so it receives an
        exact zero gradient.
    """
    _check_scores("log_mean_exp_offdiagonal", scores)
    torch = _torch()
    b = scores.shape[0]
    masked = scores.masked_fill(_diagonal_mask(b, scores.device), -math.inf)
    return torch.logsumexp(masked.reshape(-1), dim=0) - math.log(b * (b - 1))


def _mean_offdiagonal(values: Any) -> Any:
    """Mean of the off-diagonal entries (the diagonal is zeroed, not subtracted, so nothing cancels)."""
    b = values.shape[0]
    return values.masked_fill(_diagonal_mask(b, values.device), 0.0).sum() / (b * (b - 1))


@in_float32
def infonce(scores: Any) -> Any:
    """InfoNCE lower bound (van den Oord et al. 2018; Poole et al. 2019, eq. 12).

    ``mean_i [scores[i, i] - log mean_j exp(scores[i, j])]``: each positive pair
    is classified against the B entries of its row (itself included).

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.

    Returns
    -------
    0-dim tensor
        The bound in nats. It can never exceed ``log B`` (each row term is at most
        ``log B``), so it underestimates any I(X;Y) above ``log B``: pick B with
        ``log B`` well above the MI you expect. Low variance; bias grows as the
        MI approaches ``log B``.

    Notes
    -----
    O(B^2). The optimal critic is ``log r(x, y) + c(x)`` for any function c.
    """
    _check_scores("infonce", scores)
    torch = _torch()
    b = scores.shape[0]
    return (scores.diagonal() - torch.logsumexp(scores, dim=1)).mean() + math.log(b)


@in_float32
def tuba(scores: Any, log_baseline: Any = None) -> Any:
    """Tractable unnormalised Barber-Agakov bound (TUBA; Poole et al. 2019, eq. 6).

    ``1 + E_p[f - a(y)] - E_q[exp(f - a(y))]`` with a baseline ``a(y) = log_baseline``.

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.
    log_baseline : None, float, 0-dim tensor, or tensor of shape (B,)
        ``a(y_j)`` for each column j (the baseline depends on y only). None means
        ``a = 0``. The bound is tight when ``a(y) = log E_{p(x)}[exp f(x, y)]``.

    Returns
    -------
    0-dim tensor
        The bound in nats; an unbiased estimate of a lower bound on I(X;Y), with a
        variance that grows like ``exp(I)`` because of the exponential term.

    Notes
    -----
    O(B^2). ``tuba(scores, 1.0)`` is :func:`nwj`.
    """
    _check_scores("tuba", scores)
    if log_baseline is not None:
        torch = _torch()
        log_baseline = torch.as_tensor(log_baseline, dtype=scores.dtype, device=scores.device)
        if log_baseline.ndim == 1 and log_baseline.shape[0] == scores.shape[0]:
            scores = scores - log_baseline[None, :]
        elif log_baseline.ndim == 0:
            scores = scores - log_baseline
        else:
            raise DataError(
                f"The `log_baseline` argument of tuba must be None, a scalar or a tensor of shape ({scores.shape[0]},) "
                f"(one value per column y_j). Got shape {tuple(log_baseline.shape)}."
            )
    return 1.0 + scores.diagonal().mean() - log_mean_exp_offdiagonal(scores).exp()


@in_float32
def nwj(scores: Any) -> Any:
    """Nguyen-Wainwright-Jordan lower bound (NWJ, also f-MINE; Poole et al. 2019, eq. 7).

    ``E_p[f] - exp(-1) E_q[exp f]`` (TUBA with the constant baseline ``a = 1``).

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.

    Returns
    -------
    0-dim tensor
        The bound in nats. Unbiased minibatch estimate of a lower bound; its
        variance grows exponentially with the true MI (Song & Ermon 2020), so it
        is noisy above a few nats.

    Notes
    -----
    O(B^2). The optimal critic is ``1 + log r(x, y)``.
    """
    _check_scores("nwj", scores)
    return scores.diagonal().mean() - (log_mean_exp_offdiagonal(scores) - 1.0).exp()


@in_float32
def dv(scores: Any) -> Any:
    """Donsker-Varadhan lower bound (Donsker & Varadhan 1983; MINE's objective).

    ``E_p[f] - log E_q[exp f]``.

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.

    Returns
    -------
    0-dim tensor
        In nats. The population DV value is a lower bound on I(X;Y) for every critic,
        but the log of a minibatch mean makes both this value and its gradient biased
        (the value upward, so it is not a lower bound in expectation; see :func:`mine`
        for the corrected gradient); its variance grows exponentially with the true MI.

    Notes
    -----
    O(B^2). The optimal critic is ``log r(x, y) + c`` for any constant c.
    """
    _check_scores("dv", scores)
    return scores.diagonal().mean() - log_mean_exp_offdiagonal(scores)


@in_float32
def mine(scores: Any, state: Any = None, momentum: float = MINE_MOMENTUM) -> tuple[Any, Any]:
    """MINE: the DV bound with a moving-average correction of its gradient (Belghazi et al. 2018).

    The gradient of ``log E_q[exp f]`` is ``grad E_q[exp f] / E_q[exp f]``; on a
    minibatch, dividing by the minibatch mean biases it. MINE divides by a moving
    average of ``E_q[exp f]`` instead. Here the average is kept in log space::

        state' = log(momentum * exp(state) + (1 - momentum) * exp(m)),
        m      = log mean_{i != j} exp(scores[i, j])

    (a ``logaddexp``, so it never overflows), and the returned tensor has the value
    of :func:`dv` and the gradient ``grad E_p[f] - exp(m - state') grad m``.

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.
    state : None or 0-dim tensor
        The running log-average returned by the previous call. None starts it at
        the current batch's ``m``.
    momentum : float in [0, 1), default 0.9
        Weight of the past in the moving average; 0 gives back the DV gradient.

    Returns
    -------
    bound : 0-dim tensor
        The value of :func:`dv` in nats (biased upward like it), with the corrected gradient.
    state : 0-dim tensor
        The updated running log-average (detached); pass it to the next call.

    Notes
    -----
    O(B^2). No hidden state: the caller owns ``state`` (a training loop keeps it
    between steps; a fresh estimate passes None).
    """
    _check_scores("mine", scores)
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
        raise param_error("mine", "momentum", "a real number in [0, 1)", momentum)
    torch = _torch()
    m = log_mean_exp_offdiagonal(scores)
    m_now = m.detach()
    if state is None:
        new_state = m_now
    else:
        state = torch.as_tensor(state, dtype=scores.dtype, device=scores.device).detach()
        if momentum == 0.0:
            new_state = m_now
        else:
            new_state = torch.logaddexp(state + math.log(momentum), m_now + math.log1p(-momentum))
    surrogate = (m - new_state).exp()
    value = scores.diagonal().mean() - m_now - surrogate + surrogate.detach()
    return value, new_state


@in_float32
def js_fgan(scores: Any) -> Any:
    """The Jensen-Shannon f-GAN objective (Nowozin et al. 2016) that :func:`js` and :func:`smile` train.

    ``-E_p[softplus(-f)] - E_q[softplus(f)]``, which equals ``2 JSD(p(x,y) || p(x)p(y)) - 2 log 2``
    at its maximum, reached at ``f = log r``. It is not itself a bound on I(X;Y);
    it is the well-conditioned objective whose maximiser is the log density ratio.

    Parameters
    ----------
    scores : tensor of shape (B, B)

    Returns
    -------
    0-dim tensor (nats).
    """
    _check_scores("js_fgan", scores)
    f = _torch().nn.functional
    return -f.softplus(-scores.diagonal()).mean() - _mean_offdiagonal(f.softplus(scores))


@in_float32
def js(scores: Any) -> Any:
    """Critic trained by Jensen-Shannon, MI reported by the NWJ bound (Poole et al. 2019, sec. 2.4; Hjelm et al. 2019).

    The JS objective (:func:`js_fgan`) is maximised at ``f = log r``, the NWJ bound at
    ``1 + log r``; so the value returned is NWJ evaluated at ``1 + f``::

        1 + E_p[f] - E_q[exp f]

    while the gradient is that of :func:`js_fgan` (a stable, low-variance
    objective whose gradient does not involve ``exp f``).

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.

    Returns
    -------
    0-dim tensor
        Value: the NWJ lower bound in nats (unbiased per batch, variance growing
        exponentially with I). Gradient: that of the JS objective.

    Notes
    -----
    O(B^2).
    """
    _check_scores("js", scores)
    objective = js_fgan(scores)
    value = 1.0 + scores.diagonal().mean() - log_mean_exp_offdiagonal(scores).exp()
    return objective + (value - objective).detach()


@in_float32
def smile(scores: Any, clip: float | None = SMILE_CLIP) -> Any:
    """SMILE: the DV value with the negatives' scores clipped to [-tau, tau], trained as JS (Song & Ermon 2020).

    Value ``E_p[f] - log E_q[exp clip(f, -tau, tau)]``; gradient of :func:`js_fgan`.
    Clipping bounds the variance of the partition term (which otherwise grows like
    ``exp(I)``) at the price of a bias that vanishes as tau grows; tau = 5 works
    well up to about 10 nats. It is a biased estimator, not a bound: capping the
    negatives' large scores raises it, lifting their scores below -tau lowers it,
    the log of a batch mean raises it, and either direction can win.

    Parameters
    ----------
    scores : tensor of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)``; positive pairs on the diagonal.
    clip : float > 0 or None, default 5.0
        tau. None gives the unclipped DV value (still trained as JS).

    Returns
    -------
    0-dim tensor
        Value: the clipped DV estimate in nats. Gradient: that of the JS objective.

    Notes
    -----
    O(B^2). The positive scores are not clipped.
    """
    _check_scores("smile", scores)
    if clip is not None and (
        isinstance(clip, bool) or not isinstance(clip, (int, float)) or not clip > 0 or not math.isfinite(clip)
    ):
        raise param_error("smile", "clip", "None or a positive finite real number", clip)
    clipped = scores if clip is None else scores.clamp(-clip, clip)
    value = scores.diagonal().mean() - log_mean_exp_offdiagonal(clipped)
    objective = js_fgan(scores)
    return objective + (value - objective).detach()


@in_float32
def club(log_likelihoods: Any) -> Any:
    """CLUB: contrastive log-ratio upper bound on I(X;Y) (Cheng et al. 2020).

    ``E_p[log q(y|x)] - E_q[log q(y|x)]`` from a variational conditional q(y|x):
    the mean of the diagonal minus the mean of the off-diagonal entries of
    ``log_likelihoods[i, j] = log q(y_j | x_i)``.

    Parameters
    ----------
    log_likelihoods : tensor of shape (B, B)
        ``log q(y_j | x_i)``; the diagonal holds the jointly drawn pairs.

    Returns
    -------
    0-dim tensor
        In nats. An upper bound on I(X;Y) when q(y|x) is close to p(y|x) (exactly,
        when ``KL(p(x,y) || q(x,y)) <= KL(p(x)p(y) || q(x,y))``); train q by maximising
        the log-likelihood ``log_likelihoods.diagonal().mean()``, and minimise this
        value to reduce the MI between x and y in representation learning.

    Notes
    -----
    O(B^2). The off-diagonal mean is the unbiased (U-statistic) estimate of the
    expectation under p(x) p(y); Cheng et al. average over all B^2 pairs, which
    lets the positives in and lowers the bound by a factor (B - 1) / B.
    """
    _check_scores("club", log_likelihoods, name="log_likelihoods")
    return log_likelihoods.diagonal().mean() - _mean_offdiagonal(log_likelihoods)
