"""I(Y; Yhat) of a classifier, accumulated over batches as a joint count table."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DataError, param_error
from .._validation import check_choice, check_int, is_torch_tensor, resolve_base
from ._dist import all_reduce_sum

__all__ = ["MutualInformationMetric", "information_from_table"]

# Floor of the NMI denominator when only one of the two labelings is constant
# (the same convention as scikit-learn's normalized_mutual_info_score).
NMI_EPS = float(np.finfo(np.float64).eps)
_NORMALIZATIONS = ("arithmetic", "geometric", "min", "max")


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


class MutualInformationMetric:
    """I(Y; Yhat) between labels and a classifier's predictions, accumulated over batches.

    A torchmetrics-style metric (``update`` / ``compute`` / ``reset``, no dependency on
    torchmetrics): each :meth:`update` adds the batch to a joint count table
    ``table[target, prediction]`` (int64, on the device of the inputs), and
    :meth:`compute` evaluates the plug-in MI of that table, the normalised MI and
    per-class values. Under ``torch.distributed`` (DDP), :meth:`compute` sums the
    tables of all ranks first, so every rank gets the value of the whole data set;
    the local table is left unchanged.

    The plug-in MI of counts equals ``mutinfo.mutual_information(y, yhat,
    method="plugin")`` on the same samples (tested). It is biased upward by about
    (C - 1)^2 / (2N) nats when predictions and labels are independent (Paninski 2003).

    Parameters
    ----------
    num_classes : int
        Number of classes C; labels and predictions are integers in [0, C).
    base : float, optional
        None for nats, 2 for bits (``nmi`` is unit-free).
    normalization : {"arithmetic", "geometric", "min", "max"}, default "arithmetic"
        The mean of H(Y) and H(Yhat) in NMI = I(Y;Yhat) / mean (scikit-learn's
        ``normalized_mutual_info_score`` convention; 1.0 when both are constant).
    sync : bool, default True
        Sum the table over ranks in :meth:`compute` when a process group is initialised.
    process_group : optional
        The torch.distributed group to reduce over (default: the world).

    Examples
    --------
    >>> import torch
    >>> metric = MutualInformationMetric(num_classes=2, base=2)
    >>> metric.update(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 1, 0]))
    >>> float(metric.compute()["mi"])
    1.0

    Cost: O(batch) per update, O(C^2) per compute; memory O(C^2).
    """

    def __init__(self, num_classes: int, *, base: float | None = None, normalization: str = "arithmetic", sync: bool = True, process_group: Any = None) -> None:
        func = "MutualInformationMetric"
        self.num_classes = check_int(func, "num_classes", num_classes, 1)
        self.divisor, self.unit = resolve_base(base, func)
        self.normalization = check_choice(func, "normalization", normalization, _NORMALIZATIONS)
        if not isinstance(sync, (bool, np.bool_)):
            raise param_error(func, "sync", "a bool", sync)
        self.sync = bool(sync)
        self.process_group = process_group
        self._table: Any = None

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every sample seen so far."""
        self._table = None

    def _codes(self, values: Any, name: str, allow_scores: bool) -> Any:
        import torch

        t = values.detach() if is_torch_tensor(values) else torch.as_tensor(np.asarray(values))
        if allow_scores and t.ndim == 2:
            if t.shape[1] != self.num_classes:
                raise DataError(f"{name} scores must have shape (n, num_classes) = (n, {self.num_classes}). Got shape {tuple(t.shape)}.")
            return t.argmax(dim=1)
        if t.ndim == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.ndim != 1:
            shape = "(n,) labels or (n, num_classes) scores" if allow_scores else "(n,) labels"
            raise DataError(f"{name} must have shape {shape}. Got shape {tuple(t.shape)}.")
        if t.is_floating_point():
            if not bool(torch.all(t == torch.round(t))):
                raise DataError(f"{name} must hold integer class labels in [0, {self.num_classes}). Got non-integer values.")
        elif t.dtype == torch.bool:
            t = t.to(torch.int64)
        t = t.to(torch.int64)
        bad = (t < 0) | (t >= self.num_classes)
        if bool(bad.any()):
            rows = bad.nonzero().flatten()[:5].tolist()
            raise DataError(f"{name} must hold class labels in [0, {self.num_classes}). Got {t[bad][0].item()} at rows {rows}.")
        return t

    def update(self, preds: Any, target: Any) -> None:
        """Add a batch.

        Parameters
        ----------
        preds : tensor or array of shape (n,) or (n, num_classes)
            Predicted labels, or scores (logits or probabilities) whose argmax is the prediction.
        target : tensor or array of shape (n,)
            True labels.
        """
        import torch

        p = self._codes(preds, "preds", allow_scores=True)
        y = self._codes(target, "target", allow_scores=False).to(p.device)
        if p.shape[0] != y.shape[0]:
            raise DataError(f"preds and target must have the same number of samples (rows). Got {p.shape[0]} and {y.shape[0]}.")
        c = self.num_classes
        counts = torch.bincount(y * c + p, minlength=c * c).reshape(c, c)
        if self._table is None:
            self._table = counts
        else:
            self._table += counts.to(self._table.device)

    @property
    def table(self) -> Any:
        """The joint count table ``[target, prediction]`` summed over ranks (int64, shape (C, C))."""
        import torch

        local = self._table if self._table is not None else torch.zeros(self.num_classes, self.num_classes, dtype=torch.int64)
        return all_reduce_sum(local, self.process_group) if self.sync else local

    def compute(self) -> dict[str, Any]:
        """MI and friends of everything seen since the last reset (all ranks under DDP).

        Returns
        -------
        dict of float64 tensors
            ``mi``: I(Y;Yhat) in the metric's unit; ``nmi``: normalised MI in [0, 1];
            ``per_class`` (C,): one-vs-rest MI I(1[Y=c]; 1[Yhat=c]); ``contribution``
            (C,): the share of ``mi`` due to class c (sums to ``mi``);
            ``h_target``, ``h_pred``: H(Y) and H(Yhat).
        """
        table = self.table
        if int(table.sum()) == 0:
            raise DataError("MutualInformationMetric.compute() was called before any update(); there are no samples.")
        out = information_from_table(table, self.normalization)
        for key in ("mi", "h_target", "h_pred", "per_class", "contribution"):
            out[key] = out[key] / self.divisor
        return out

    def __repr__(self) -> str:
        n = 0 if self._table is None else int(self._table.sum())
        return f"MutualInformationMetric(num_classes={self.num_classes}, unit={self.unit!r}, samples={n})"
