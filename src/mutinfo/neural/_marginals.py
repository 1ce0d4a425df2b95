"""Per-coordinate input maps for critics, fitted on the training split.

MI is invariant under strictly increasing maps of each coordinate, so the estimator
may reshape the marginals freely before training; what it must not do is use a
different map for different splits. Two maps are offered:

* ``"gaussianize"`` (the estimator's default): the normal-scores (Gaussian copula)
  transform ``Phi^-1(F(t))``, F the training split's mid-rank empirical CDF,
  interpolated linearly between its distinct values. It depends on the ranks of
  the training values only, so heavy tails, marginal distortions such as x^3 and
  a single extreme value inside the training split do not reach the critic.
* ``"standardize"``: robust standardisation ``(t - median) / s`` per coordinate,
  ``s = IQR / 1.349`` (the standard deviation for Gaussian data; the standard
  deviation when the IQR is 0, 1 for a constant column). The linear part is kept
  on the training range intersected with ``median +- STANDARDIZE_RANGE * s``, so
  that one extreme training value cannot push the others to a single point.

Clamping beyond the range
-------------------------
Let ``[lo, hi]`` be the linear range (the training range for ``"gaussianize"``)
and ``z_lo, z_hi`` its images. Beyond it both maps saturate smoothly::

    z = z_hi + TAIL_MARGIN * tanh((t - hi) / (w * TAIL_MARGIN))   for t > hi

(and symmetrically below ``lo``), with ``w`` the inverse slope of the linear part
(for ``"gaussianize"`` its average over the training range). The map is strictly
increasing inside the training range, continuous everywhere, and every output
lies in ``[z_lo - TAIL_MARGIN, z_hi + TAIL_MARGIN]``: an outlier among the
held-out rows, at any distance, reaches the critic at most ``TAIL_MARGIN``
beyond the most extreme training score, so no single value can dominate the
critic's scores. (In float32 the tail is flat a few widths beyond the range.)

Scale safety
------------
Each column is first multiplied by a power of two that brings its largest
training magnitude into [0.5, 1) (exact in binary floating point, barring
underflow of values more than ~300 orders of magnitude below the largest), so
sums, differences and quantiles cannot overflow or underflow: data at scales
from 1e-300 to 1e300 give the same map outputs (exactly the same for
``"gaussianize"`` on the training split, up to float64 rounding elsewhere).
Held-out values far outside that scale may become +-inf after the rescaling;
the tails send them to ``z_hi + TAIL_MARGIN`` or ``z_lo - TAIL_MARGIN``.

Cost: O(m log m) per coordinate to fit (a sort), O(n log m) to apply.
"""

from __future__ import annotations

import math

import torch

__all__ = ["MarginalMap", "TAIL_MARGIN", "STANDARDIZE_RANGE"]

#: Largest distance, in output units (normal scores or robust standard deviations),
#: that a value beyond the linear range can reach past its end.
TAIL_MARGIN = 0.5
#: Half-width, in robust standard deviations, of the linear part of "standardize".
STANDARDIZE_RANGE = 5.0
# Robust scale of a Gaussian: IQR = 1.349 sd.
_IQR_TO_SD = 1.3489795003921634


def _pow2(k: int) -> float:
    return math.ldexp(1.0, k)


class MarginalMap:
    """A fitted per-coordinate map of tensors of shape (n, d).

    Parameters
    ----------
    kind : {"standardize", "gaussianize"}
    train : tensor of shape (m, d)
        The data the map is fitted on (finite values).
    """

    def __init__(self, kind: str, train: torch.Tensor) -> None:
        self.kind = kind
        self.dim = int(train.shape[1])
        data = train.detach().to(torch.float64).cpu()
        m = data.shape[0]
        # Power-of-two exponent per column: |data * 2^-e| < 1 on the training split.
        big = data.abs().amax(0) if m else torch.zeros(self.dim, dtype=torch.float64)
        self.exponents = [int(e) for e in torch.frexp(big).exponent.tolist()]
        u = self._rescale(data)
        # Per column: knots (values, scores) of the linear part, and the tail width w.
        self.knots: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.widths: list[float] = []
        for j in range(self.dim):
            col = u[:, j]
            values, counts = torch.unique(col, sorted=True, return_counts=True)
            if kind == "standardize":
                q25, q50, q75 = torch.quantile(col, torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)).tolist()
                scale = (q75 - q25) / _IQR_TO_SD
                if not scale > 0:
                    scale = float(col.std()) if m > 1 else 0.0
                if not scale > 0:
                    scale = 1.0
                lo = max(float(values[0]), q50 - STANDARDIZE_RANGE * scale)
                hi = min(float(values[-1]), q50 + STANDARDIZE_RANGE * scale)
                ends = torch.tensor([lo, hi], dtype=torch.float64)
                self.knots.append((ends, (ends - q50) / scale))
                self.widths.append(scale)
                continue
            before = torch.cumsum(counts, 0) - counts
            # Mid-rank empirical CDF in (0, 1), then normal scores.
            cdf = (before.to(torch.float64) + 0.5 * counts.to(torch.float64)) / m
            scores = torch.special.ndtri(cdf)
            self.knots.append((values, scores))
            span = float(scores[-1] - scores[0])
            self.widths.append(float(values[-1] - values[0]) / span if span > 0 else 1.0)

    def _rescale(self, data: torch.Tensor) -> torch.Tensor:
        """Column j times 2^-e_j, applied in two exact halves (2^1074 itself is not a float64)."""
        cols = []
        for j, e in enumerate(self.exponents):
            half = -e // 2
            cols.append(data[:, j] * _pow2(half) * _pow2(-e - half))
        return torch.stack(cols, dim=1) if cols else data

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        """The map applied to t of shape (n, d); float32 out, on t's device."""
        device = t.device
        u = self._rescale(t.detach().to(torch.float64))
        cols = []
        for j, (values, scores) in enumerate(self.knots):
            values, scores = values.to(device), scores.to(device)
            col = u[:, j]
            if values.shape[0] == 1 or float(values[-1]) == float(values[0]):
                if self.kind == "gaussianize":  # a constant training column carries no information
                    cols.append(torch.zeros_like(col))
                    continue
            cols.append(self._column(col, values, scores, self.widths[j]))
        return torch.stack(cols, dim=1).to(torch.float32)

    @staticmethod
    def _column(col: torch.Tensor, values: torch.Tensor, scores: torch.Tensor, width: float) -> torch.Tensor:
        lo, hi = values[0], values[-1]
        inside = torch.minimum(torch.maximum(col, lo), hi)  # +-inf are clamped too
        if values.shape[0] > 1 and float(hi) > float(lo):
            # Linear interpolation between knots; the fraction is in [0, 1], so nothing overflows.
            i = torch.searchsorted(values, inside).clamp(1, values.shape[0] - 1)
            v0, v1, z0, z1 = values[i - 1], values[i], scores[i - 1], scores[i]
            z = z0 + ((inside - v0) / (v1 - v0)) * (z1 - z0)
        else:
            z = torch.full_like(col, float(scores[0]))
        # Saturating tails: at most TAIL_MARGIN beyond the end scores.
        scale = width * TAIL_MARGIN
        above = TAIL_MARGIN * torch.tanh(torch.clamp(col - hi, min=0.0) / scale)
        below = TAIL_MARGIN * torch.tanh(torch.clamp(lo - col, min=0.0) / scale)
        return z + above - below
