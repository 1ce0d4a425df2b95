"""Information quantities of a joint count table of labels and predictions (no torchmetrics needed)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["NMI_EPS", "information_from_table"]

# Floor of the NMI denominator when only one of the two labelings is constant
# (the same convention as scikit-learn's normalized_mutual_info_score).
NMI_EPS = float(np.finfo(np.float64).eps)
NORMALIZATIONS = ("arithmetic", "geometric", "min", "max")


def _entropy_counts(counts: Any, dim: Any = None) -> Any:
    """Plug-in entropy (nats) of counts along ``dim`` (all entries when None): log N - sum n log n / N."""
    import torch

    if dim is None:
        counts = counts.reshape(-1)
        dim = 0
    n = counts.sum(dim)
    safe_n = torch.where(n > 0, n, torch.ones_like(n))
    return torch.log(safe_n) - torch.special.xlogy(counts, counts).sum(dim) / safe_n


def information_from_table(table: Any, normalization: str = "arithmetic") -> dict[str, Any]:
    """I(Y;Yhat), NMI, per-class MI and per-class contributions of a joint count table, in nats.

    Parameters
    ----------
    table : tensor of shape (C, C)
        ``table[i, j]`` counts samples with target i and prediction j.
    normalization : {"arithmetic", "geometric", "min", "max"}
        Mean of H(Y) and H(Yhat) that divides the MI in the NMI.

    Returns
    -------
    dict of float64 tensors on the table's device
        ``mi`` (scalar), ``nmi`` (scalar, unit-free), ``h_target`` and ``h_pred``
        (scalars), ``per_class`` (C,): I(1[Y=c]; 1[Yhat=c]) of the one-vs-rest
        2x2 table of class c, ``contribution`` (C,): p(c) KL(p(yhat|c) || p(yhat)),
        which sums to ``mi``.
    """
    import torch

    t = table.to(torch.float64)
    n = t.sum()
    h_joint = _entropy_counts(t)
    row, col = t.sum(1), t.sum(0)
    h_y, h_p = _entropy_counts(row), _entropy_counts(col)
    mi = h_y + h_p - h_joint
    if normalization == "arithmetic":
        denom = (h_y + h_p) / 2
    elif normalization == "geometric":
        denom = torch.sqrt(h_y * h_p)
    elif normalization == "min":
        denom = torch.minimum(h_y, h_p)
    else:
        denom = torch.maximum(h_y, h_p)
    if float(h_y) == 0.0 and float(h_p) == 0.0:
        nmi = torch.ones((), dtype=torch.float64, device=t.device)  # two constant labelings agree perfectly
    else:
        nmi = mi / torch.clamp(denom, min=NMI_EPS)
    # One-vs-rest 2x2 tables, all classes at once: [[a, b], [c, d]].
    a = torch.diagonal(t)
    b = row - a
    c = col - a
    d = n - a - b - c
    two = torch.stack([torch.stack([a, b], -1), torch.stack([c, d], -1)], -2)  # (C, 2, 2)
    flat = two.reshape(two.shape[0], 4)
    per_class = (
        _entropy_counts(two.sum(2), dim=1) + _entropy_counts(two.sum(1), dim=1) - _entropy_counts(flat, dim=1)
    )
    # Contribution of class c: sum_j p(c, j) log(p(c, j) / (p(c) p(j))).
    with torch.no_grad():
        ratio = t * n / (row[:, None] * col[None, :]).clamp_min(1.0)
        contribution = torch.where(t > 0, t * torch.log(torch.where(t > 0, ratio, torch.ones_like(ratio))), torch.zeros_like(t)).sum(1) / n
    return {"mi": mi, "nmi": nmi, "h_target": h_y, "h_pred": h_p, "per_class": per_class, "contribution": contribution}
