"""Using the monitors from a plain PyTorch training loop."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from .._errors import param_error
from .._progress import progress as progress_bar
from .._validation import check_int
from ._dist import is_distributed
from ._plane import InformationPlane
from ._tensorboard import TensorBoardLogger

__all__ = ["Monitor", "fit"]


class Monitor:
    """Glue between a training loop and the monitors: one call per batch, one per epoch.

    Parameters
    ----------
    plane : InformationPlane, optional
        Recorded by :meth:`epoch_end` (every ``plane.every`` epochs).
    metrics : MutualInformationMetric or dict of them, optional
        Keyed by a split name (a single metric is named "train"). :meth:`update`
        feeds them, :meth:`epoch_end` computes, logs and resets them.
    tensorboard : TensorBoardLogger, SummaryWriter or str, optional
        Where to write scalars (a log directory creates a writer).
    figure_every : int, optional
        Also write the information-plane figure to TensorBoard every this many epochs.

    Attributes
    ----------
    log : list of dict
        One flat dict per epoch: ``epoch``, ``<split>/mi``, ``<split>/nmi`` and, for
        each layer recorded that epoch, ``<layer>/I_XT`` and ``<layer>/I_TY``.

    Examples
    --------
    >>> monitor = Monitor(plane=plane, metrics=MutualInformationMetric(10), tensorboard="runs/mi")  # doctest: +SKIP
    >>> monitor.start()                                     # doctest: +SKIP
    >>> for epoch in range(1, epochs + 1):                  # doctest: +SKIP
    ...     for xb, yb in loader:
    ...         out = train_step(xb, yb)
    ...         monitor.update(out, yb)
    ...     monitor.epoch_end(epoch)
    """

    def __init__(self, plane: InformationPlane | None = None, metrics: Any = None, tensorboard: Any = None, figure_every: int | None = None) -> None:
        func = "Monitor"
        if plane is not None and not hasattr(plane, "step"):
            raise param_error(func, "plane", "None or an InformationPlane", type(plane).__name__)
        self.plane = plane
        if metrics is None:
            metrics = {}
        else:
            from ._metric import MutualInformationMetric

            if isinstance(metrics, MutualInformationMetric):
                metrics = {"train": metrics}
            elif not isinstance(metrics, Mapping) or not all(isinstance(m, MutualInformationMetric) for m in metrics.values()):
                raise param_error(func, "metrics", "None, a MutualInformationMetric or a dict of them", type(metrics).__name__)
        self.metrics: dict[str, Any] = dict(metrics)
        if tensorboard is not None and not isinstance(tensorboard, TensorBoardLogger):
            tensorboard = TensorBoardLogger(tensorboard)
        self.tensorboard = tensorboard
        self.figure_every = None if figure_every is None else check_int(func, "figure_every", figure_every, 1)
        self.log: list[dict[str, Any]] = []

    def update(self, preds: Any, target: Any, split: str | None = None) -> None:
        """Feed one batch of predictions (labels or scores) and labels to a metric (the only one when ``split`` is None)."""
        if not self.metrics:
            return
        if split is None:
            if len(self.metrics) > 1:
                raise param_error("Monitor.update", "split", f"one of {sorted(self.metrics)} when several metrics are watched", split)
            split = next(iter(self.metrics))
        if split not in self.metrics:
            raise param_error("Monitor.update", "split", f"one of {sorted(self.metrics)}", split)
        self.metrics[split].update(preds.detach() if hasattr(preds, "detach") else preds, target)

    def start(self) -> dict[str, Any]:
        """Record the untrained network as epoch 0 (metrics are not touched)."""
        row: dict[str, Any] = {"epoch": 0}
        if self.plane is not None:
            records = self.plane.record(epoch=0)
            self._log_records(records, row, 0)
        self.log.append(row)
        return row

    def _log_records(self, records: list[dict[str, Any]], row: dict[str, Any], epoch: int) -> None:
        for rec in records:
            row[f"{rec['layer']}/I_XT"] = rec["i_xt"]
            row[f"{rec['layer']}/I_TY"] = rec["i_ty"]
        if self.tensorboard is not None and records:
            self.tensorboard.log_records(records, epoch)
            if self.figure_every and epoch % self.figure_every == 0:
                self.tensorboard.log_plane_figure(self.plane, epoch)

    def epoch_end(self, epoch: int) -> dict[str, Any]:
        """Record the plane (if due), compute, log and reset the metrics; returns this epoch's row of :attr:`log`."""
        epoch = check_int("Monitor.epoch_end", "epoch", epoch, 0, rule="a non-negative int")
        row: dict[str, Any] = {"epoch": epoch}
        if self.plane is not None:
            self._log_records(self.plane.step(epoch), row, epoch)
        for split, metric in self.metrics.items():
            if metric.n_samples == 0 and not (metric.sync_on_compute and is_distributed(metric.process_group)):
                continue  # nothing seen on this split (under DDP every rank must join the reduction)
            values = metric.compute_all()
            row[f"{split}/mi"] = float(values["mi"])
            row[f"{split}/nmi"] = float(values["nmi"])
            if self.tensorboard is not None:
                self.tensorboard.log_metric(values, epoch, prefix=f"mi/{split}")
            metric.reset()
        if self.tensorboard is not None:
            self.tensorboard.flush()
        self.log.append(row)
        return row


def fit(
    model: Any,
    loader: Iterable[Any],
    *,
    optimizer: Any,
    loss_fn: Callable[[Any, Any], Any],
    epochs: int,
    monitor: Monitor | None = None,
    val_loader: Iterable[Any] | None = None,
    device: Any = None,
    progress: bool | None = None,
) -> list[dict[str, Any]]:
    """A minimal supervised training loop with monitoring.

    Each epoch: ``model.train()``, then for every ``(x, y)`` batch of ``loader``:
    zero the gradients, ``loss_fn(model(x), y).backward()``, ``optimizer.step()``, and
    feed the outputs to ``monitor.update(out, y, "train")`` when a "train" metric is
    watched. With ``val_loader``, the outputs on it (eval mode, no gradient) go to the
    "val" metric. The plane records the untrained network as epoch 0 and then every
    ``plane.every`` epochs, epoch e meaning "after e epochs of training".

    The monitor only reads detached outputs and records under a saved RNG state, so
    the trained weights are identical with and without it (same seed).

    Parameters
    ----------
    model : torch.nn.Module
    loader : iterable of (x, y) batches
    optimizer : torch.optim.Optimizer
    loss_fn : callable (outputs, targets) -> scalar tensor
    epochs : int
    monitor : Monitor, optional
    val_loader : iterable of (x, y), optional
    device : torch device, optional
        Where batches are moved (default: the model's parameters' device).
    progress : bool, optional
        Progress bar over epochs.

    Returns
    -------
    list of dict
        ``monitor.log`` (one row per epoch, plus the epoch-0 row), or rows with the
        mean training loss when no monitor is given. Every row has ``loss``.
    """
    import torch

    epochs = check_int("fit", "epochs", epochs, 1)
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    rows: list[dict[str, Any]] = []
    if monitor is not None:
        monitor.start()
    bar = progress_bar(total=epochs, desc="fit", enabled=progress)
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            total, count = 0.0, 0
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                optimizer.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(xb)
                count += len(xb)
                if monitor is not None and "train" in monitor.metrics:
                    monitor.update(out, yb, "train")
            if val_loader is not None and monitor is not None and "val" in monitor.metrics:
                model.eval()
                with torch.no_grad():
                    for xb, yb in val_loader:
                        monitor.update(model(xb.to(device)), yb.to(device), "val")
            if monitor is not None:
                row = monitor.epoch_end(epoch)
            else:
                row = {"epoch": epoch}
                rows.append(row)
            row["loss"] = total / max(count, 1)
            bar.update(1)
            bar.set_postfix_str(f"loss {row['loss']:.4f}")
    finally:
        bar.close()
    return monitor.log if monitor is not None else rows
