"""Held-out read-outs of a trained critic: each bound's value and per-row influence values
(for its delta-method standard error), and the checks that refuse read-outs that are not numbers to return."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from .._errors import EstimationError

# Held-out read-outs that fit refuses with an EstimationError instead of returning (see _readout_problem):
# more than this many nats below 0, the value of a constant critic ...
FAILED_FIT_NATS = 1.0
# ... or, for the log-mean-exp read-outs, more than this many nats above log(number of negative pairs).
SUPPORT_MARGIN_NATS = 1.0


@dataclass
class _Heldout:
    value: float
    influence: np.ndarray  # (n_used,): the estimate's first-order (Hajek) projection on each row
    pairs: int = 0  # negative (off-diagonal) pairs the read-out averages over

    @property
    def std_error(self) -> float:
        n = self.influence.shape[0]
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite influence values give nan, refused by fit
            return float(self.influence.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan


def _blocks(n: int, size: int, exact: bool) -> Iterator[slice]:
    """Consecutive blocks of rows.

    ``exact``: blocks of exactly ``size`` rows (or one block of all n when n < size),
    leftover rows dropped. Otherwise ``ceil(n / size)`` blocks of nearly equal size
    covering every row.
    """
    if n <= size:
        yield slice(0, n)
        return
    if exact:
        for s in range(0, n - size + 1, size):
            yield slice(s, s + size)
        return
    count = math.ceil(n / size)
    bounds = np.linspace(0, n, count + 1).round().astype(int)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        yield slice(int(lo), int(hi))


def _log_mean_exp_terms(scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Diagonal, and log of the off-diagonal row and column mean of exp, of one block."""
    m = scores.shape[0]
    eye = torch.eye(m, dtype=torch.bool, device=scores.device)
    masked = scores.masked_fill(eye, -math.inf)
    log_m1 = math.log(m - 1)
    return torch.logsumexp(masked, 1) - log_m1, torch.logsumexp(masked, 0) - log_m1, eye


def _heldout(
    critic: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    bound: str,
    *,
    batch_size: int,
    clip: float | None,
    block: int | None = None,
) -> _Heldout:
    """The bound on (x, y) with a fixed critic, with influence values for its standard error.

    ``bound`` is one of :data:`BOUNDS`, or ``"js_fgan"`` for the Jensen-Shannon training
    objective of ``js`` and ``smile`` (their early-stopping criterion). ``block``
    overrides the block size of the non-InfoNCE bounds (smaller blocks: fewer
    negatives, cheaper). Row and column reductions of each block run in the critic's
    precision (a log-sum-exp over a few thousand float32 terms is accurate to ~1e-6);
    they are combined in float64.

    InfoNCE is evaluated on blocks of ``batch_size`` rows (its value depends on the
    number of negatives; leftover rows are dropped); the other bounds split the rows
    into nearly equal blocks of at most ``critic.eval_block`` rows, every off-diagonal
    pair inside a block serving as a negative.
    """
    n = x.shape[0]
    if bound == "infonce":
        size, exact = min(batch_size, n), True
    else:
        size, exact = max(2, int(block or getattr(critic, "eval_block", 1024))), False
    diag, rows, cols, sizes = [], [], [], []
    extra = []  # infonce: column sums of the row-softmax; club: raw row/column means
    with torch.no_grad():
        for sl in _blocks(n, size, exact):
            s = critic(x[sl], y[sl])
            m = s.shape[0]
            d = s.diagonal()
            if bound == "infonce":
                lse = torch.logsumexp(s, 1)
                rows.append(d - lse + math.log(m))
                extra.append(torch.exp(s - lse[:, None]).sum(0))
            elif bound in ("club", "js_fgan"):
                eye = torch.eye(m, dtype=torch.bool, device=s.device)
                if bound == "js_fgan":
                    d = -torch.nn.functional.softplus(-d)
                    s = torch.nn.functional.softplus(s)
                z = s.masked_fill(eye, 0.0)
                rows.append(z.sum(1) / (m - 1))
                cols.append(z.sum(0) / (m - 1))
            else:
                neg = s if (clip is None or bound != "smile") else s.clamp(-clip, clip)
                r, c, _ = _log_mean_exp_terms(neg)
                rows.append(r)
                cols.append(c)
            diag.append(d)
            sizes.append(m)
    d = torch.cat(diag).to(torch.float64).cpu().numpy()
    a = d.mean()
    if bound == "infonce":
        ell = torch.cat(rows).to(torch.float64).cpu().numpy()
        colsum = torch.cat(extra).to(torch.float64).cpu().numpy()
        value = float(ell.mean())
        return _Heldout(value, (ell - value) - (colsum - 1.0))
    r = torch.cat(rows).to(torch.float64).cpu().numpy()
    c = torch.cat(cols).to(torch.float64).cpu().numpy()
    sizes_arr = np.repeat(np.array(sizes, dtype=np.float64), sizes)
    if bound in ("club", "js_fgan"):
        # Pooled off-diagonal mean: each row's mean weighted by its block's pair count.
        big_m = float(np.sum(r * (sizes_arr - 1)) / np.sum(sizes_arr - 1))
        value = float(a - big_m)
        return _Heldout(value, (d - a) - (r + c - 2.0 * big_m))
    # log M: log of the mean of exp over all within-block off-diagonal pairs.
    pairs = int(np.sum(np.array(sizes) * (np.array(sizes) - 1)))
    log_pairs = np.log(sizes_arr - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        # Overflow gives inf (then a non-finite value that fit refuses), never an OverflowError.
        log_m = float(np.logaddexp.reduce(r + log_pairs) - math.log(float(np.sum(sizes_arr - 1))))
        rho = np.exp(r - log_m) + np.exp(c - log_m) - 2.0  # (r_i + c_i - 2M) / M
        if bound in ("dv", "mine", "smile"):
            value = a - log_m
            psi = (d - a) - rho
        elif bound == "nwj":
            scale = float(np.exp(log_m - 1.0))
            value = a - scale
            psi = (d - a) - scale * rho
        elif bound == "js":  # NWJ at the critic 1 + f
            scale = float(np.exp(log_m))
            value = 1.0 + a - scale
            psi = (d - a) - scale * rho
        else:  # pragma: no cover - guarded by BOUNDS
            raise ValueError(bound)
    return _Heldout(float(value), psi, pairs)


def _readout_problem(held: _Heldout, bound: str) -> str | None:
    """Why a held-out read-out must not be returned as a number, or None when it may.

    * Non-finite value or standard error (the critic's scores overflow on these pairs).
    * ``value < -FAILED_FIT_NATS``: every read-out is exactly 0 at a constant critic (nwj:
      f = 1; js: f = 0; club: q(y|x) not depending on x), and I >= 0; a critic that reads
      more than a nat worse than no critic at all has failed (diverged, overfitted, or is
      dominated by a few extreme pairs), whatever the true MI.
    * For the log-mean-exp read-outs (dv, mine, smile, and nwj, js which never exceed the
      dv value of the same scores): ``value > log(P) + SUPPORT_MARGIN_NATS`` with P the
      number of negative pairs compared. Since ``log mean_P exp(f) >= max f - log P``, the
      dv value exceeds log P only when the mean positive score exceeds every negative
      score: the held-out pairs are then all told apart, which shows that the MI is large
      (McAllester & Stratos 2020: no estimate from these samples can certify much more
      than log of their number) while the value itself reflects the critic's scale.
      InfoNCE never exceeds log(batch_size); club (an upper-bound read-out) has no such cap.
    """
    value, se = held.value, held.std_error
    if not (math.isfinite(value) and math.isfinite(se)):
        return f"is not a finite number (value {value!r}, standard error {se!r}): the critic's scores overflow on these pairs"
    if value < -FAILED_FIT_NATS:
        return (
            f"is {value:.4g} nats (standard error {se:.3g}), more than {FAILED_FIT_NATS:g} nat below the 0 nats that a "
            "constant critic reads: the critic failed (diverged, overfitted, or a few extreme pairs dominate its scores)"
        )
    if bound not in ("infonce", "club") and held.pairs > 1:
        cap = math.log(held.pairs) + SUPPORT_MARGIN_NATS
        if value > cap:
            return (
                f"is {value:.4g} nats, above log({held.pairs}) + {SUPPORT_MARGIN_NATS:g} = {cap:.3f} nats, the most that "
                f"{held.pairs} held-out negative pairs can support: the critic tells every held-out pair apart, so the data "
                "show a large MI but the number reflects the critic's scale"
            )
    return None


def _check_readout(held: _Heldout, bound: str, rows: np.ndarray, what: str) -> None:
    """Raise EstimationError when :func:`_readout_problem` finds one; ``rows`` maps held-out rows to input rows."""
    problem = _readout_problem(held, bound)
    if problem is None:
        return
    psi = np.nan_to_num(np.abs(held.influence), nan=np.inf)
    top = np.argsort(-psi, kind="stable")[:3]
    where = ", ".join(str(int(rows[i])) for i in top if i < len(rows))
    raise EstimationError(
        f"The {what} {bound} estimate {problem}. No number is returned. The rows weighing most on it are [{where}]; "
        "check them for extreme values, or use more samples, a smaller lr, or method='smile' or 'infonce'."
    )
