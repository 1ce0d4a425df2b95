"""Per-coordinate input maps for critics, fitted on the training split.

MI is invariant under strictly increasing maps of each coordinate, so the estimator
may reshape the marginals freely before training; what it must not do is use a
different map for different splits. Two maps are offered:

* ``"standardize"``: ``(t - mean) / sd`` per coordinate.
* ``"gaussianize"`` (the estimator's default): the normal-scores (Gaussian copula)
  transform ``Phi^-1(F(t))``, F the training split's empirical CDF interpolated
  linearly between its distinct values. Beyond the training range the map goes on
  linearly with slope 1 / sd (the column's training standard deviation): the
  outermost knots can be arbitrarily close, and extending their segment would
  send held-out values to huge scores. The map is strictly increasing (hence
  invertible) on the whole line. Heavy tails,
  and marginal distortions such as x^3, no longer reach the critic, which then
  does not extrapolate wildly on held-out rows.
"""

from __future__ import annotations

import torch

__all__ = ["MarginalMap"]


class MarginalMap:
    """A fitted per-coordinate map of tensors of shape (n, d).

    Parameters
    ----------
    kind : {"standardize", "gaussianize"}
    train : tensor of shape (m, d)
        The data the map is fitted on.
    """

    def __init__(self, kind: str, train: torch.Tensor) -> None:
        self.kind = kind
        self.dim = int(train.shape[1])
        data = train.detach().to(torch.float64)
        if kind == "standardize":
            self.loc = data.mean(0)
            scale = data.std(0) if data.shape[0] > 1 else torch.ones_like(self.loc)
            self.scale = torch.where(scale > 0, scale, torch.ones_like(scale))
            return
        m = data.shape[0]
        sd = data.std(0) if m > 1 else torch.ones(self.dim, dtype=torch.float64)
        self.tail_slope = torch.where(sd > 0, 1.0 / sd, torch.ones_like(sd))
        self.knots: list[tuple[torch.Tensor, torch.Tensor]] = []
        for j in range(self.dim):
            values, counts = torch.unique(data[:, j], sorted=True, return_counts=True)
            before = torch.cumsum(counts, 0) - counts
            # Mid-rank empirical CDF in (0, 1), then normal scores.
            cdf = (before.to(torch.float64) + 0.5 * counts.to(torch.float64)) / m
            self.knots.append((values, torch.special.ndtri(cdf)))

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        """The map applied to t of shape (n, d); float32 out, on t's device."""
        data = t.detach().to(torch.float64)
        if self.kind == "standardize":
            out = (data - self.loc.to(data.device)) / self.scale.to(data.device)
            return out.to(torch.float32)
        cols = []
        for j, (values, scores) in enumerate(self.knots):
            values, scores = values.to(data.device), scores.to(data.device)
            col = data[:, j]
            if values.shape[0] == 1:  # a constant training column carries no information
                cols.append(torch.zeros_like(col))
                continue
            # Linear interpolation inside the training range ...
            inside = col.clamp(values[0], values[-1])
            i = torch.searchsorted(values, inside).clamp(1, values.shape[0] - 1)
            v0, v1, z0, z1 = values[i - 1], values[i], scores[i - 1], scores[i]
            z = z0 + (inside - v0) * (z1 - z0) / (v1 - v0)
            # ... and slope 1 / sd beyond it.
            cols.append(z + (col - inside) * self.tail_slope[j].to(data.device))
        return torch.stack(cols, dim=1).to(torch.float32)
