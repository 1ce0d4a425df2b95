"""I(Y; Yhat) of a classifier, accumulated over batches as a joint count table: a ``torchmetrics.Metric``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._errors import DataError, missing_dependency, param_error
from .._validation import check_choice, check_int, is_torch_tensor, resolve_base
from ._dist import all_reduce_sum
from ._table import NORMALIZATIONS, information_from_table

try:
    from torchmetrics import Metric as _Metric
except ImportError:  # pragma: no cover - depends on the environment
    raise missing_dependency("torchmetrics", "mutinfo.monitor.MutualInformationMetric", extra="monitor") from None

__all__ = ["MutualInformationMetric"]


class MutualInformationMetric(_Metric):
    """I(Y; Yhat) between labels and a classifier's predictions, accumulated over batches.

    A ``torchmetrics.Metric``: each :meth:`update` adds the batch to the joint count
    table ``joint_counts[target, prediction]`` (an int64 metric state, summed over
    ranks by torchmetrics under DDP), :meth:`compute` returns the plug-in MI of that
    table as a 0-dim float64 tensor, and :meth:`compute_all` the MI with the
    normalised MI and per-class values. As any torchmetrics metric it follows the
    module it belongs to with ``.to(device)``, works in a ``MetricCollection``, returns
    the batch value when called (``metric(preds, target)``, which also accumulates),
    and can be passed to Lightning's ``self.log``.

    The plug-in MI of counts equals ``mutinfo.mutual_information(y, yhat,
    method="plugin")`` and scikit-learn's ``mutual_info_score`` on the same samples
    (tested). It is biased upward by about (C - 1)^2 / (2N) nats when predictions and
    labels are independent (Paninski 2003).

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
        Sum the table over ranks in :meth:`compute` when a process group is
        initialised (torchmetrics' ``sync_on_compute``).
    process_group : optional
        The torch.distributed group to reduce over (default: the world).
    **kwargs
        Passed to ``torchmetrics.Metric`` (e.g. ``compute_on_cpu``).

    Examples
    --------
    >>> import torch
    >>> metric = MutualInformationMetric(num_classes=2, base=2)
    >>> metric.update(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 1, 0]))
    >>> float(metric.compute())
    1.0

    Cost: O(batch) per update, O(C^2) per compute; memory O(C^2).
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    joint_counts: torch.Tensor

    def __init__(self, num_classes: int, *, base: float | None = None, normalization: str = "arithmetic", sync: bool = True,
                 process_group: Any = None, **kwargs: Any) -> None:
        func = "MutualInformationMetric"
        num_classes = check_int(func, "num_classes", num_classes, 1)
        divisor, unit = resolve_base(base, func)
        normalization = check_choice(func, "normalization", normalization, NORMALIZATIONS)
        if not isinstance(sync, (bool, np.bool_)):
            raise param_error(func, "sync", "a bool", sync)
        super().__init__(sync_on_compute=bool(sync), process_group=process_group, **kwargs)
        self.num_classes = num_classes
        self.divisor, self.unit = divisor, unit
        self.normalization = normalization
        self.process_group = process_group
        self.add_state("joint_counts", default=torch.zeros(num_classes, num_classes, dtype=torch.int64), dist_reduce_fx="sum")

    # -- state -------------------------------------------------------------------

    def _codes(self, values: Any, name: str, allow_scores: bool) -> torch.Tensor:
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
        p = self._codes(preds, "preds", allow_scores=True).to(self.joint_counts.device)
        y = self._codes(target, "target", allow_scores=False).to(self.joint_counts.device)
        if p.shape[0] != y.shape[0]:
            raise DataError(f"preds and target must have the same number of samples (rows). Got {p.shape[0]} and {y.shape[0]}.")
        c = self.num_classes
        self.joint_counts += torch.bincount(y * c + p, minlength=c * c).reshape(c, c)

    @property
    def n_samples(self) -> int:
        """Samples added on this rank since the last reset."""
        return int(self.joint_counts.sum())

    @property
    def table(self) -> torch.Tensor:
        """The joint count table ``[target, prediction]`` summed over ranks (int64, shape (C, C))."""
        return all_reduce_sum(self.joint_counts, self.process_group) if self.sync_on_compute else self.joint_counts

    def _information(self, table: torch.Tensor) -> dict[str, torch.Tensor]:
        if int(table.sum()) == 0:
            raise DataError("MutualInformationMetric.compute() was called before any update(); there are no samples.")
        out = information_from_table(table, self.normalization)
        for key in ("mi", "h_target", "h_pred", "per_class", "contribution"):
            out[key] = out[key] / self.divisor
        return out

    def compute(self) -> torch.Tensor:
        """I(Y; Yhat) of everything seen since the last reset (all ranks under DDP): a 0-dim float64 tensor in the metric's unit."""
        return self._information(self.joint_counts)["mi"]

    def compute_all(self) -> dict[str, torch.Tensor]:
        """MI and friends of everything seen since the last reset (all ranks under DDP).

        Returns
        -------
        dict of float64 tensors
            ``mi``: I(Y;Yhat) in the metric's unit (the value of :meth:`compute`);
            ``nmi``: normalised MI in [0, 1]; ``per_class`` (C,): one-vs-rest MI
            I(1[Y=c]; 1[Yhat=c]); ``contribution`` (C,): the share of ``mi`` due to
            class c (sums to ``mi``); ``h_target``, ``h_pred``: H(Y) and H(Yhat).
        """
        with self.sync_context(process_group=self.process_group, should_sync=self.sync_on_compute):
            return self._information(self.joint_counts.clone())

    def __repr__(self) -> str:
        return f"MutualInformationMetric(num_classes={self.num_classes}, unit={self.unit!r}, samples={self.n_samples})"
