"""Neural estimation of I(X;Y): train a critic on one split, report a variational read-out on another.

:class:`NeuralEstimator` splits the samples at random into a training, a validation
and a held-out (test) split. It trains a critic (see :mod:`mutinfo.neural.critics`)
by gradient ascent on an objective of :mod:`mutinfo.functional` over minibatches of
the training split, keeps the critic that scores best on the validation split (early
stopping), and reports the read-out evaluated on the held-out split, which the critic
has never seen, with a standard error. Read on the training data the same numbers are
optimistic; on held-out rows, for the fixed trained critic f, each read-out estimates
its population value at f, with the guarantees below.

Reading the numbers
-------------------
* Lower bounds in expectation: ``nwj`` (``E_p f - E_q exp(f - 1)``), ``js`` (NWJ at the
  critic 1 + f) and ``infonce``. Their held-out values are unbiased (nwj, js) or
  unbiased per block of ``batch_size`` rows (infonce, whose per-block value is itself
  a lower bound on I for any critic), so on average they sit below the truth, by the
  critic's distance to the optimum plus noise of about one standard error; training
  longer, a larger critic or more samples shrink that gap. ``infonce`` never exceeds
  ``log(batch_size)``; the result warns near that cap.
* ``dv`` and ``mine`` (the same read-out, ``E_p f - log E_q exp f``): the population
  DV value is a lower bound on I for every critic, but the held-out value takes the
  log of a sample mean, which is biased upward (Jensen), so it is an estimate of a
  lower bound, not a lower bound in expectation; the bias is largest when a few
  negative pairs dominate ``exp f``.
* ``smile``: the DV read-out with the negatives' scores clipped to [-tau, tau]. A
  biased estimator, neither a lower nor an upper bound: clipping caps the few large
  negative scores (raising the value; at the optimal critic of a 3.1-nat Gaussian
  with tau = 1 it reads 3.8) and lifts the many low ones (lowering it; the same
  critic shifted by -10, equally optimal for DV, reads I - 5 at tau = 5), and the
  log of a mean raises it (the 20-d staircase at 6 nats reads 6.34 +- 0.04). It is
  the default because its variance stays low up to ~10 nats.
* ``nwj``, ``dv``, ``mine`` and ``js`` have a variance growing like ``exp(I)``; above
  a few nats prefer ``smile`` or ``infonce`` with a large batch.
* ``club`` is an upper bound only when q(y|x) is close enough to p(y|x) (precisely,
  when ``KL(p(x,y) || p(x) q(y|x)) <= KL(p(x) p(y) || p(x) q(y|x))``, Cheng et al.
  2020), and a loose one when the dependence is strong (on a Gaussian pair with
  correlation rho it equals ``rho^2 / (1 - rho^2)`` rather than
  ``-log(1 - rho^2) / 2``); with a misfitted q it guarantees nothing.

No number is returned when the held-out read-out is non-finite, more than 1 nat below
0 (a failed fit), or, for the log-mean-exp read-outs, above the log of the number of
held-out negative pairs plus 1 nat (see :func:`_readout_problem`): fit raises
:class:`~mutinfo.EstimationError` instead. Inputs reach the critic through per-coordinate
maps fitted on the training split (:mod:`mutinfo.neural._marginals`) that clamp
beyond the training range, so one extreme value cannot dominate the critic.

The standard error is the delta-method (influence-function) standard error of the
held-out estimate with the critic held fixed: it measures the sampling noise of the
held-out split, not the variability of training.

References
----------
Belghazi et al. (2018), MINE, ICML. Poole et al. (2019), On variational bounds of
mutual information, ICML. Song & Ermon (2020), Understanding the limitations of
variational mutual information estimators, ICLR. McAllester & Stratos (2020), Formal
limitations on the measurement of mutual information, AISTATS.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import functional as F
from .._errors import DataError, MutualInfoWarning, ParameterError, param_error
from .._threads import torch_threads
from .._validation import (
    Param,
    bool_param,
    check_float,
    check_int,
    check_same_length,
    choice_param,
    float_param,
    int_param,
    read_input,
    resolve_rng,
    to_continuous,
)
# Training, read-outs and warnings live in _training, _readout and _diagnostics; their names are
# imported back here (`X as X`) so that every import from this module keeps working.
from ._diagnostics import INFONCE_CAP_MARGIN as INFONCE_CAP_MARGIN
from ._diagnostics import NOISY_REL_SE as NOISY_REL_SE
from ._diagnostics import NOISY_SE as NOISY_SE
from ._diagnostics import OVERFIT_MIN_GAP as OVERFIT_MIN_GAP
from ._diagnostics import OVERFIT_REL_GAP as OVERFIT_REL_GAP
from ._diagnostics import OVERFIT_SE as OVERFIT_SE
from ._diagnostics import _Diagnostics as _Diagnostics
from ._marginals import MarginalMap
from ._readout import FAILED_FIT_NATS as FAILED_FIT_NATS
from ._readout import SUPPORT_MARGIN_NATS as SUPPORT_MARGIN_NATS
from ._readout import _blocks as _blocks
from ._readout import _check_readout as _check_readout
from ._readout import _heldout as _heldout
from ._readout import _Heldout as _Heldout
from ._readout import _log_mean_exp_terms as _log_mean_exp_terms
from ._readout import _readout_problem as _readout_problem
from ._training import AUTO_MAX_EPOCHS as AUTO_MAX_EPOCHS
from ._training import AUTO_MIN_EPOCHS as AUTO_MIN_EPOCHS
from ._training import AUTO_MIN_STEPS as AUTO_MIN_STEPS
from ._training import MIN_STEPS_BETWEEN_CHECKS as MIN_STEPS_BETWEEN_CHECKS
from ._training import RISING_MIN_GAIN as RISING_MIN_GAIN
from ._training import VAL_BLOCK as VAL_BLOCK
from ._training import WARMUP_FRACTION as WARMUP_FRACTION
from ._training import WARMUP_START as WARMUP_START
from ._training import _CRITERION as _CRITERION
from ._training import _TRAIN_OBJECTIVES as _TRAIN_OBJECTIVES
from ._training import _adamw as _adamw
from ._training import _Training as _Training
from .critics import (
    ACTIVATIONS,
    DEFAULT_ACTIVATION,
    DEFAULT_EMBED_DIM,
    BilinearCritic,
    ConcatCritic,
    GaussianConditional,
    SeparableCritic,
    _hidden,
)

__all__ = ["NeuralEstimator", "NeuralResult", "BOUNDS", "PARAMS", "params_for"]

#: Bounds the estimator can train and report, by name.
BOUNDS = ("infonce", "nwj", "mine", "dv", "js", "smile", "club")
CRITICS = {"separable": SeparableCritic, "bilinear": BilinearCritic, "concat": ConcatCritic}

# Default networks of separable critics (and of CLUB's q(y|x)), by input size. Measured with
# SMILE at N = 10^4-2x10^4: with both variables of at most 8 dimensions, two SiLU layers of 128
# fit non-Gaussian dependence far better than one softplus layer of 256 (1+1-d Gaussian mixture
# -3% against -29%, 2+2-d Student-t -2.5% against -24%, 5+5-d Gaussian equal); with 10 or more
# dimensions the two-layer critic overfitted within ~150 steps (-15% and -21% on 10+10- and
# 20+20-d Gaussians at 2 nats, +19% on the 8-nat staircase) while one softplus layer stayed
# within 8%.
SMALL_INPUT_DIM = 8
SMALL_INPUT_HIDDEN = (128, 128)
SMALL_INPUT_ACTIVATION = "silu"
LARGE_INPUT_HIDDEN = (256,)
LARGE_INPUT_ACTIVATION = "softplus"
# Bounds with exp(f) in their training gradient, which diverge without gradient clipping
# (NWJ diverged to -inf within 80 steps on the 5+5-d Gaussian at the default lr), and their default clip.
UNSTABLE_BOUNDS = ("nwj", "mine", "dv")
UNSTABLE_GRAD_CLIP = 5.0
# Rows of the training split on which the bound is evaluated for the overfitting check.
TRAIN_EVAL_ROWS = 1000
# Fewest samples in any split.
MIN_SPLIT = 10
# Fits with a user-supplied critic, which may draw from torch's global RNG, run one at a time.
_GLOBAL_RNG_LOCK = threading.RLock()


# ---------------------------------------------------------------------------
# Parameters (shared by NeuralEstimator and the registered methods).


def _check_epochs(func: str, name: str, value: Any, n: int) -> Any:
    if isinstance(value, str) and value == "auto":
        return "auto"
    return check_int(func, name, value, 1, rule="'auto' or an int >= 1")


def _check_hidden(func: str, name: str, value: Any, n: int) -> Any:
    return value if value is None else _hidden(func, value)


def _check_device(func: str, name: str, value: Any, n: int) -> Any:
    rule = "'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device"
    if isinstance(value, torch.device):
        value = str(value)
    if not isinstance(value, str):
        raise param_error(func, name, rule, value)
    if value == "auto":
        return value
    try:
        dev = torch.device(value)
    except (RuntimeError, ValueError):
        raise param_error(func, name, rule, value) from None
    if dev.type not in ("cpu", "cuda"):
        raise param_error(func, name, rule, value)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            f"The `{name}` parameter of {func} must be {rule} that exists here. Got {value!r}, but CUDA is not available."
        )
    return str(dev)


def _check_optional_bool(func: str, name: str, value: Any, n: int) -> Any:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise param_error(func, name, "None or a bool", value)


def _check_max_time(func: str, name: str, value: Any, n: int) -> Any:
    return (
        None if value is None else check_float(func, name, value, 0.0, lo_open=True, rule="None or a positive number of seconds")
    )


def _check_threads(func: str, name: str, value: Any, n: int) -> Any:
    if value is None or (isinstance(value, str) and value == "auto"):
        return value
    return check_int(func, name, value, 1, rule="'auto', None or an int >= 1")


def _check_critic(func: str, name: str, value: Any, n: int) -> Any:
    if isinstance(value, str) and value in CRITICS:
        return value
    if isinstance(value, nn.Module) or (callable(value) and not isinstance(value, str)):
        return value
    raise param_error(
        func,
        name,
        "one of " + ", ".join(repr(c) for c in CRITICS) + ", an nn.Module, or a callable (x_dim, y_dim) -> nn.Module",
        value,
    )


def _check_clip(func: str, name: str, value: Any, n: int) -> Any:
    return None if value is None else check_float(func, name, value, 0.0, lo_open=True, rule="None or a positive real number")


#: Every parameter of the neural estimator, with its default and rule.
PARAMS: dict[str, Param] = {
    "epochs": Param("auto", _check_epochs, "passes over the training split ('auto': at least 20 epochs and 600 steps)"),
    "batch_size": int_param(256, 2, doc="pairs per minibatch (InfoNCE cannot exceed log(batch_size))"),
    "lr": float_param(3e-3, 0.0, lo_open=True, doc="peak learning rate of Adam (linear warm-up, cosine decay)"),
    "critic": Param(
        "separable", _check_critic, "'separable', 'bilinear', 'concat', an nn.Module or a factory (x_dim, y_dim) -> nn.Module"
    ),
    "hidden": Param(None, _check_hidden, "hidden widths of the critic's networks (None: chosen by input dimension)"),
    "embed_dim": int_param(DEFAULT_EMBED_DIM, 1, doc="embedding dimension of separable and bilinear critics"),
    "activation": choice_param("auto", ("auto", *ACTIVATIONS), doc="activation of the critic's networks ('auto': see hidden)"),
    "patience": int_param(10, 1, doc="validation checks without improvement before training stops"),
    "early_stopping": bool_param(True, doc="keep the critic best on validation and stop after `patience` checks without gain"),
    "val_fraction": float_param(0.1, 0.0, 0.5, lo_open=True, hi_open=True, doc="share of samples used for early stopping"),
    "test_fraction": float_param(0.3, 0.0, 0.5, lo_open=True, hi_open=True, doc="share of samples the estimate is reported on"),
    "device": Param("auto", _check_device, "'auto' (the data's CUDA device, else CUDA if available, else CPU), 'cpu', 'cuda'"),
    "num_threads": Param(
        "auto", _check_threads, "CPU threads while training ('auto': 1, restored afterwards; None: leave torch's setting)"
    ),
    "max_time": Param(None, _check_max_time, "stop training after this many seconds (None: no limit)"),
    "progress": Param(None, _check_optional_bool, "progress bar (None: on a terminal, for work longer than a second)"),
    "weight_decay": float_param(0.0, 0.0, doc="AdamW weight decay"),
    "marginals": choice_param(
        "gaussianize", ("gaussianize", "standardize"), doc="per-coordinate input map fitted on the training split"
    ),
    "max_steps": Param(
        None,
        lambda f, n_, v, n: None if v is None else check_int(f, n_, v, 1, rule="None or an int >= 1"),
        "stop after this many optimiser steps (the schedule is fitted to it)",
    ),
    "grad_clip": float_param(
        None, 0.0, lo_open=True, allow_none=True, doc="clip the gradient's norm to this value (None: no clipping)"
    ),
}
_BOUND_PARAMS: dict[str, dict[str, Param]] = {
    "smile": {"clip": Param(F._bounds.SMILE_CLIP, _check_clip, "tau: scores of the negatives are clipped to [-tau, tau]")},
    "mine": {
        "momentum": float_param(
            F._bounds.MINE_MOMENTUM, 0.0, 1.0, hi_open=True, doc="weight of the past in MINE's moving average"
        )
    },
}


def params_for(bound: str) -> dict[str, Param]:
    """The parameter spec of the estimator for one bound."""
    spec = dict(PARAMS)
    spec.update(_BOUND_PARAMS.get(bound, {}))
    if bound in UNSTABLE_BOUNDS:
        spec["grad_clip"] = float_param(UNSTABLE_GRAD_CLIP, 0.0, lo_open=True, allow_none=True, doc=spec["grad_clip"].doc)
    if bound == "club":
        spec.pop("embed_dim")
    return spec


# ---------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class NeuralResult:
    """What a fit produced.

    Attributes
    ----------
    value : float
        The read-out evaluated on the held-out split, in nats: the estimate (always
        finite; see the module notes for which read-outs are bounds).
    std_error : float
        Delta-method standard error of ``value`` over the held-out rows (critic fixed).
    train_value : float
        The same bound on up to 1000 rows of the training split (optimistic).
    val_value : float
        Best value on the validation split (the one early stopping selected).
    bound : str
    n_train, n_val, n_test : int
    batch_size : int
    epochs, steps : int
        Epochs (possibly fractional, rounded up) and optimiser steps actually run.
    best_step : int
        Step of the selected critic.
    stopped_early : bool
    seconds : float
    device : str
    cap : float or None
        ``log(batch_size)`` for InfoNCE, else None.
    history : tuple of (step, validation objective)
        The objective early stopping watches: the bound itself, the Jensen-Shannon
        objective for js and smile, the log-likelihood of q(y|x) for club.
    warnings : tuple of str
    """

    value: float
    std_error: float
    train_value: float
    val_value: float
    bound: str
    n_train: int
    n_val: int
    n_test: int
    batch_size: int
    epochs: int
    steps: int
    best_step: int
    stopped_early: bool
    seconds: float
    device: str
    cap: float | None = None
    history: tuple[tuple[int, float], ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["history"] = [list(h) for h in self.history]
        out["warnings"] = list(self.warnings)
        return out


# ---------------------------------------------------------------------------
# The estimator.


def _resolve_device(device: str, data: Any) -> torch.device:
    if device != "auto":
        return torch.device(device)
    if isinstance(data, torch.Tensor) and data.device.type == "cuda":
        return data.device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class NeuralEstimator(_Training, _Diagnostics):
    """Estimate I(X;Y) in nats by training a critic on one split and evaluating a bound on another.

    Parameters
    ----------
    bound : str, default "smile"
        One of ``"infonce"``, ``"nwj"``, ``"js"`` (lower bounds in expectation),
        ``"dv"``, ``"mine"`` (estimates of the DV lower bound, biased upward),
        ``"smile"`` (clipped DV: a biased estimator, not a bound) or ``"club"``
        (an upper bound when its Gaussian q(y|x) fits well). See the module notes.
    critic : str, nn.Module or callable, default "separable"
        ``"separable"``, ``"bilinear"`` or ``"concat"`` (see
        :mod:`mutinfo.neural.critics`), a module mapping x (n, d_x) and y (m, d_y)
        to scores (n, m), or a factory ``(x_dim, y_dim) -> module``. Inputs reach it
        mapped by ``marginals``. Ignored by ``club``.
    epochs : int or "auto", default "auto"
        Passes over the training split; "auto" runs at least 20 epochs and 600 steps.
    batch_size : int, default 256
    lr : float, default 3e-3
        Peak Adam learning rate: linear warm-up over the first 10% of steps, then
        cosine decay to 0.
    hidden, embed_dim, activation
        Shape of the critic's networks. Defaults (``hidden=None``, ``activation="auto"``)
        for separable critics and CLUB's q(y|x): two SiLU layers of 128 units when x
        and y both have at most 8 dimensions, one softplus layer of 256 otherwise
        (see ``SMALL_INPUT_DIM`` for the measurements); concat critics: two softplus
        layers of 256; bilinear: none. ``embed_dim`` defaults to 64.
    marginals : {"gaussianize", "standardize"}, default "gaussianize"
        Per-coordinate map of the inputs, fitted on the training split: normal
        scores of the empirical CDF (robust to heavy tails, outliers and monotone
        distortions), or robust standardisation by median and IQR. Both are strictly
        increasing on the training range, so the MI is unchanged there, and clamp
        beyond it: a value outside the training range reaches the critic at most 0.5
        beyond the most extreme training score. Scale-free from 1e-300 to 1e300.
    max_steps : int or None
        Cap on optimiser steps (the learning-rate schedule ends there).
    grad_clip : float or None
        Clip the gradient norm (default 5 for nwj, mine and dv, whose exponential
        terms otherwise diverge; None for the others).
    patience : int, default 10
        Validation checks (one per epoch, or per whole epochs spanning 40 steps) without improvement
        before training stops; the best critic is kept.
    early_stopping : bool, default True
        False runs every epoch and keeps the last critic (the validation split is
        then only monitored). If training diverges (a non-finite objective), the
        critic reported is the best on validation (True) or the last with a finite
        validation value (False); diverging before any such check raises
        :class:`~mutinfo.EstimationError`.
    val_fraction, test_fraction : float, default 0.1 and 0.3
        Shares of the samples held out for early stopping and for the estimate.
    clip : float or None, default 5.0
        SMILE's tau.
    momentum : float, default 0.9
        MINE's moving-average weight.
    device : str, default "auto"
        "auto" trains where CUDA input lives, else on CUDA when available, else CPU.
    num_threads : "auto", None or int, default "auto"
        CPU threads during training: "auto" uses one (networks this small gain
        nothing from intra-op threads and lose a lot when cores are shared); the
        previous setting is restored afterwards. Seeded results with other thread
        counts differ by float rounding carried through training.
    max_time : float or None
        Wall-clock limit on training, in seconds (makes results depend on speed).
    weight_decay : float, default 0
    random_state : None, int or numpy Generator
        Seeds the split, the critic's initialisation and the minibatch order, drawn
        from the fit's own numpy and torch Generators: a seeded fit on CPU gives the
        same number alone, in sequence or in parallel threads, and leaves torch's and
        numpy's global RNG untouched. A critic of your own (module or factory) may
        draw from torch's global RNG (its initialisation, dropout): such fits run one
        at a time under a lock, with that RNG seeded from random_state and restored
        afterwards.
    progress : bool or None
        Progress bar over training steps.

    Attributes
    ----------
    result_ : NeuralResult
        The estimate, its standard error, training diagnostics and warnings.
    critic_ : nn.Module
        The selected critic (in eval mode).

    Notes
    -----
    Cost per step: O(B (network)) for separable and bilinear critics plus an O(B^2 k)
    score matrix, O(B^2 (network)) for concat critics. The held-out evaluation scores
    all pairs within nearly equal blocks of at most 2048 rows (512 for concat critics).

    Examples
    --------
    >>> import mutinfo as mi
    >>> from mutinfo.neural import NeuralEstimator
    >>> x, y, true_mi = mi.datasets.gaussian(10_000, dim=5, rho=0.8, random_state=0)
    >>> est = NeuralEstimator(bound="smile", random_state=0).fit(x, y)  # doctest: +SKIP
    >>> est.result_.value, est.result_.std_error                      # doctest: +SKIP
    (2.51..., 0.04...)
    """

    def __init__(self, bound: str = "smile", *, random_state: Any = None, **params: Any) -> None:
        func = "NeuralEstimator"
        if bound not in BOUNDS:
            raise param_error(func, "bound", "one of " + ", ".join(repr(b) for b in BOUNDS), bound)
        spec = params_for(bound)
        unknown = sorted(set(params) - set(spec))
        if unknown:
            raise ParameterError(
                f"{func} got unknown parameter(s) {', '.join(f'`{u}`' for u in unknown)} for bound={bound!r}, which accepts "
                + ", ".join(f"`{p}`" for p in spec)
                + "."
            )
        self.bound = bound
        self.params = {name: p.check(func, name, params.get(name, p.default), 0) for name, p in spec.items()}
        self.random_state = random_state
        resolve_rng(random_state, func)  # validate now; each fit draws from it afresh

    # -- public ---------------------------------------------------------------

    def fit(self, x: Any, y: Any) -> "NeuralEstimator":
        """Train on (x, y) and store the held-out estimate in ``result_``.

        Parameters
        ----------
        x : array-like or tensor of shape (n, d_x) or (n,)
        y : array-like or tensor of shape (n, d_y) or (n,)

        Returns
        -------
        self

        Raises
        ------
        EstimationError
            When training diverges before any finite validation check, or the held-out
            read-out is not a number that can be returned (see the module notes).
        """
        start = time.perf_counter()
        p = self.params
        func = "NeuralEstimator.fit"
        rng = resolve_rng(self.random_state, "NeuralEstimator")
        raws = [read_input(x, "x"), read_input(y, "y")]
        n = check_same_length(raws)
        xv, yv = (to_continuous(r, func, self.bound) for r in raws)
        n_test = int(round(p["test_fraction"] * n))
        n_val = int(round(p["val_fraction"] * n))
        n_train = n - n_test - n_val
        if min(n_test, n_val, n_train) < MIN_SPLIT:
            need = int(
                math.ceil(MIN_SPLIT / min(p["test_fraction"], p["val_fraction"], 1 - p["test_fraction"] - p["val_fraction"]))
            )
            raise DataError(
                f"A neural estimate needs at least {MIN_SPLIT} samples in each of the training, validation and test splits, "
                f"about {need} samples with these fractions. Got {n}."
            )
        device = _resolve_device(p["device"], xv.data)
        xt = torch.as_tensor(xv.data).to(device=device, dtype=torch.float64)
        yt = torch.as_tensor(yv.data).to(device=device, dtype=torch.float64)
        order = rng.permutation(n)
        test_idx, val_idx, train_idx = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
        idx = {k: torch.as_tensor(v, device=device) for k, v in (("train", train_idx), ("val", val_idx), ("test", test_idx))}
        # Per-coordinate maps fitted on the training split (MI-preserving).
        self._x_map = MarginalMap(p["marginals"], xt[idx["train"]])
        self._y_map = MarginalMap(p["marginals"], yt[idx["train"]])
        xs, ys = self._x_map(xt), self._y_map(yt)
        data = {k: (xs[v], ys[v]) for k, v in idx.items()}

        seed = int(rng.integers(0, 2**63 - 1))
        sub = torch.as_tensor(rng.permutation(n_train)[: min(n_test, TRAIN_EVAL_ROWS)], device=device)
        batch = min(p["batch_size"], n_train)
        clip = p.get("clip")
        threads = (1 if device.type == "cpu" else None) if p["num_threads"] == "auto" else p["num_threads"]
        # The fit's own torch Generator (CPU, so that CPU and CUDA runs start alike) draws the
        # initial weights, then the minibatch order; torch's global RNG is not used.
        gen = torch.Generator(device="cpu").manual_seed(seed)
        with torch_threads(threads), self._global_rng(seed, device):
            critic = self._build_critic(xt.shape[1], yt.shape[1], gen).to(device)
            state = self._train(critic, data, gen, device, start)
            critic.eval()
            held = _heldout(critic, *data["test"], self.bound, batch_size=batch, clip=clip)
            train_eval = _heldout(critic, data["train"][0][sub], data["train"][1][sub], self.bound, batch_size=batch, clip=clip)
        _check_readout(held, self.bound, test_idx, "held-out")
        self.critic_ = critic
        self._held = held
        notes = list(state["notes"]) + self._warnings(held, train_eval, state, batch)
        self.result_ = NeuralResult(
            value=held.value,
            std_error=held.std_error,
            train_value=train_eval.value,
            val_value=state["val_value"],
            bound=self.bound,
            n_train=n_train,
            n_val=n_val,
            n_test=n_test,
            batch_size=batch,
            epochs=state["epochs"],
            steps=state["steps"],
            best_step=state["best_step"],
            stopped_early=state["stopped_early"],
            seconds=time.perf_counter() - start,
            device=str(device),
            cap=math.log(batch) if self.bound == "infonce" else None,
            history=tuple(state["history"]),
            warnings=tuple(notes),
        )
        for note in notes:
            warnings.warn(note, MutualInfoWarning, stacklevel=2)
        return self

    def evaluate(self, x: Any, y: Any) -> tuple[float, float]:
        """The read-out of the fitted critic on new paired samples: (value, standard error) in nats.

        Raises :class:`~mutinfo.EstimationError` on the read-outs that fit refuses.
        """
        self._check_fitted("evaluate")
        raws = [read_input(x, "x"), read_input(y, "y")]
        check_same_length(raws)
        xv, yv = (to_continuous(r, "NeuralEstimator.evaluate", self.bound) for r in raws)
        device = next(self.critic_.parameters()).device
        xs, ys = torch.as_tensor(xv.data).to(device), torch.as_tensor(yv.data).to(device)
        if xs.shape[1] != self._x_map.dim or ys.shape[1] != self._y_map.dim:
            raise DataError(
                f"x and y must have the dimensions the critic was fitted on ({self._x_map.dim} and {self._y_map.dim}). "
                f"Got {xs.shape[1]} and {ys.shape[1]}."
            )
        xs, ys = self._x_map(xs), self._y_map(ys)
        if xs.shape[0] < 2:
            raise DataError(f"evaluate needs at least 2 samples. Got {xs.shape[0]}.")
        held = _heldout(self.critic_, xs, ys, self.bound, batch_size=self.result_.batch_size, clip=self.params.get("clip"))
        _check_readout(held, self.bound, np.arange(xs.shape[0]), "evaluated")
        return held.value, held.std_error

    def bootstrap(self, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
        """Replicates of the held-out estimate over resampled held-out rows, critic fixed, shape (n_bootstrap,).

        Linearised bootstrap: each replicate is the estimate plus the multinomially
        reweighted mean of the rows' influence values, so it costs O(n_test) and
        matches the delta-method standard error.
        """
        self._check_fitted("bootstrap")
        psi = self._held.influence
        n = psi.shape[0]
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap)
        return self._held.value + (weights - 1.0) @ psi / n

    # -- internals ----------------------------------------------------------

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "result_"):
            raise DataError(f"NeuralEstimator.{what} needs a fitted estimator; call fit(x, y) first.")

    def _network(self, x_dim: int, y_dim: int, kind: str) -> dict[str, Any]:
        """Keyword arguments (hidden, activation, embed_dim) of a built-in critic, resolving the defaults."""
        p = self.params
        small = max(x_dim, y_dim) <= SMALL_INPUT_DIM
        kwargs: dict[str, Any] = {}
        hidden, activation = p["hidden"], p["activation"]
        if kind in ("separable", "club"):
            if hidden is None:
                hidden = SMALL_INPUT_HIDDEN if small else LARGE_INPUT_HIDDEN
            if activation == "auto":
                activation = SMALL_INPUT_ACTIVATION if small else LARGE_INPUT_ACTIVATION
        elif activation == "auto":
            activation = DEFAULT_ACTIVATION
        if hidden is not None:
            kwargs["hidden"] = hidden
        kwargs["activation"] = activation
        if kind == "separable" or (kind == "bilinear" and hidden):
            kwargs["embed_dim"] = p["embed_dim"]
        return kwargs

    def _custom_critic(self) -> bool:
        """Whether the critic is the user's (a module or a factory), which may draw from torch's global RNG."""
        return self.bound != "club" and not isinstance(self.params["critic"], str)

    def _global_rng(self, seed: int, device: torch.device) -> contextlib.AbstractContextManager[Any]:
        """For a user's critic: one fit at a time, torch's global RNG seeded with ``seed`` and restored afterwards.

        The factory's initialisation and any dropout then draw reproducibly from the global
        RNG; built-in critics never touch it and need no lock.
        """
        if not self._custom_critic():
            return contextlib.nullcontext()
        stack = contextlib.ExitStack()
        stack.enter_context(_GLOBAL_RNG_LOCK)
        stack.enter_context(torch.random.fork_rng(devices=[device] if device.type == "cuda" else []))
        torch.manual_seed(seed)
        return stack

    def _build_critic(self, x_dim: int, y_dim: int, gen: torch.Generator) -> nn.Module:
        if self.bound == "club":
            return GaussianConditional(x_dim, y_dim, **self._network(x_dim, y_dim, "club"), generator=gen)
        critic = self.params["critic"]
        if isinstance(critic, nn.Module):
            return copy.deepcopy(critic)
        if not isinstance(critic, str):
            # Under _global_rng: the factory draws from torch's global RNG put in the state of the
            # fit's generator, which then carries on from where the factory left it; a factory
            # building a named critic thus gives the same weights and the same fit.
            torch.set_rng_state(gen.get_state())
            module = critic(x_dim, y_dim)
            gen.set_state(torch.get_rng_state())
            if not isinstance(module, nn.Module):
                raise param_error("NeuralEstimator", "critic", "a factory returning an nn.Module", module)
            return module
        return CRITICS[critic](x_dim, y_dim, **self._network(x_dim, y_dim, critic), generator=gen)

    def __repr__(self) -> str:
        return f"NeuralEstimator(bound={self.bound!r}, random_state={self.random_state!r})"
