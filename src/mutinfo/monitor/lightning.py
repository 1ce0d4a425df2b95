"""Lightning callback: information plane and I(Y;Yhat) logged while a LightningModule trains.

Needs ``lightning`` (``pip install -e ".[lightning]"``); the older
``pytorch_lightning`` package is used when ``lightning`` is absent.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

from .._errors import MutualInfoWarning, missing_dependency, param_error
from ._plane import InformationPlane

try:
    from lightning.pytorch.callbacks import Callback as _Callback
except ImportError:  # pragma: no cover - depends on the environment
    try:
        from pytorch_lightning.callbacks import Callback as _Callback
    except ImportError:
        raise missing_dependency("lightning", "mutinfo.monitor.lightning", extra="lightning") from None

from ._metric import MutualInformationMetric  # noqa: E402  (Lightning depends on torchmetrics)

__all__ = ["MutualInformationCallback"]


def _preds_and_target(outputs: Any, batch: Any, pl_module: Any) -> tuple[Any, Any] | None:
    """Predictions and labels of a batch: the step's ``{"preds", "target"}`` output, else a forward pass on ``batch[0]``.

    The forward pass runs without gradient, in eval mode (no dropout, BatchNorm
    statistics untouched), with the RNG state restored, so training is unchanged.
    """
    if isinstance(outputs, Mapping) and "preds" in outputs:
        target = outputs["target"] if "target" in outputs else batch[1]
        return outputs["preds"], target
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        import torch

        devices = [pl_module.device.index or 0] if getattr(pl_module, "device", None) is not None and pl_module.device.type == "cuda" else []
        was_training = pl_module.training
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            pl_module.eval()
            try:
                return pl_module(batch[0]), batch[1]
            finally:
                pl_module.train(was_training)
    return None


class MutualInformationCallback(_Callback):
    """Record the information plane and I(Y;Yhat) during ``Trainer.fit``.

    * Information plane: an :class:`~mutinfo.monitor.InformationPlane` on the module,
      built in ``setup`` from ``layers``, ``x``, ``y`` (or passed ready-made as
      ``plane``). The untrained network is recorded as epoch 0, then after every
      ``every``-th training epoch (epoch e = after e epochs), on global rank 0 only.
      Values are logged as ``information_plane/<layer>/I_XT`` and ``.../I_TY``.
    * I(Y;Yhat): a :class:`~mutinfo.monitor.MutualInformationMetric` per split
      ("train", "val") when ``num_classes`` is given. Predictions come from the
      step's output when it is a dict with a ``"preds"`` key (and optionally
      ``"target"``); otherwise (a step returning the loss tensor, the usual case)
      from ``pl_module(batch[0])`` with target ``batch[1]``, one extra no-gradient
      forward pass in eval mode per batch (return ``{"loss": ..., "preds": logits}``
      to avoid it). Under DDP the tables are summed over ranks; logged as
      ``mi/<split>/mi`` and ``mi/<split>/nmi``.

    **One epoch convention**: epoch ``e`` means "after (or during) the e-th
    training epoch" for every value: the untrained network is epoch 0, the plane
    and the training MI of the first epoch are epoch 1, and so is the validation run
    at the end of the first epoch (``trainer.current_epoch + 1``). Rows of
    :attr:`log_rows` and :attr:`history` carry that number.

    If the callback finds nothing to log (no plane and no ``num_classes``, or an
    epoch in which no batch gave predictions), it raises a
    :class:`~mutinfo.MutualInfoWarning` that says what to return from the step.

    The callback never changes training: the plane's probe pass and the extra
    forward passes run without gradient, in eval mode, with the RNG state restored.

    Parameters
    ----------
    layers, x, y, estimator, every, base, estimator_options
        As in :class:`~mutinfo.monitor.InformationPlane`.
    plane : InformationPlane, optional
        A ready plane (then layers/x/y are not used).
    num_classes : int, optional
        Enables the I(Y;Yhat) metrics.
    splits : tuple of str, default ("train", "val")
    """

    def __init__(
        self,
        layers: Any = None,
        *,
        x: Any = None,
        y: Any = None,
        estimator: Any = "binning",
        every: int = 1,
        base: float | None = None,
        estimator_options: Mapping[str, Any] | None = None,
        plane: InformationPlane | None = None,
        num_classes: int | None = None,
        splits: tuple[str, ...] = ("train", "val"),
    ) -> None:
        super().__init__()
        func = "MutualInformationCallback"
        if plane is None and (x is None) != (y is None):
            raise param_error(func, "x", "given together with y (both or neither)", "only one of them")
        for s in splits:
            if s not in ("train", "val"):
                raise param_error(func, "splits", "a tuple of 'train' and/or 'val'", splits)
        self.plane = plane
        self._plane_args = dict(layers=layers, x=x, y=y, estimator=estimator, every=every, base=base, estimator_options=estimator_options)
        self.metrics = {s: MutualInformationMetric(num_classes, base=base) for s in splits} if num_classes is not None else {}
        self.log_rows: list[dict[str, Any]] = []
        self._warned: set[str] = set()

    @property
    def history(self) -> list[dict[str, Any]]:
        """The plane's records (empty without a plane)."""
        return self.plane.history if self.plane is not None else []

    def setup(self, trainer: Any, pl_module: Any, stage: str | None = None) -> None:
        if self.plane is None and self._plane_args["x"] is not None:
            self.plane = InformationPlane(pl_module, **self._plane_args)
        if self.plane is None and not self.metrics:
            self._warn("setup", "MutualInformationCallback has nothing to log: pass layers with x and y (the information plane) "
                                "and/or num_classes (I(Y;Yhat) of the predictions).")

    def _warn(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, MutualInfoWarning, stacklevel=3)

    def teardown(self, trainer: Any, pl_module: Any, stage: str | None = None) -> None:
        if self.plane is not None:
            self.plane.remove()

    def _log_records(self, pl_module: Any, records: list[dict[str, Any]]) -> None:
        for rec in records:
            for key, tag in (("i_xt", "I_XT"), ("i_ty", "I_TY")):
                pl_module.log(f"information_plane/{rec['layer']}/{tag}", float(rec[key]), rank_zero_only=True)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if self.plane is not None and trainer.is_global_zero and not self.plane.history:
            self.plane.record(epoch=0)
        for m in self.metrics.values():
            m.reset()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        metric = self.metrics.get("train")
        if metric is None:
            return
        pair = _preds_and_target(outputs, batch, pl_module)
        if pair is not None:
            metric.update(*pair)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        epoch = trainer.current_epoch + 1
        if self.plane is not None and trainer.is_global_zero:
            self._log_records(pl_module, self.plane.step(epoch))
        metric = self.metrics.get("train")
        if metric is not None:
            self._log_metric(pl_module, "train", metric, epoch)

    def on_validation_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        metric = self.metrics.get("val")
        if metric is None or trainer.sanity_checking:
            return
        pair = _preds_and_target(outputs, batch, pl_module)
        if pair is not None:
            metric.update(*pair)

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        metric = self.metrics.get("val")
        if metric is None or trainer.sanity_checking:
            return
        self._log_metric(pl_module, "val", metric, trainer.current_epoch + 1)

    def _log_metric(self, pl_module: Any, split: str, metric: MutualInformationMetric, epoch: int) -> None:
        from ._dist import all_reduce_sum, is_distributed

        import torch

        seen = metric.n_samples
        if is_distributed(metric.process_group):  # every rank must take the same branch
            seen = int(all_reduce_sum(torch.tensor([seen], dtype=torch.int64), metric.process_group)[0])
        if seen == 0:
            self._warn(f"empty-{split}", f"MutualInformationCallback found no predictions to log for the {split} split: batches are "
                                         f"not (x, y) pairs and the step output has no 'preds'; return {{'loss': loss, 'preds': logits, "
                                         f"'target': y}} from the {'training' if split == 'train' else 'validation'}_step.")
            return
        values = metric.compute_all()  # summed over ranks: no sync_dist
        row = {"epoch": epoch, "split": split, "mi": float(values["mi"]), "nmi": float(values["nmi"])}
        self.log_rows.append(row)
        pl_module.log(f"mi/{split}/mi", row["mi"])
        pl_module.log(f"mi/{split}/nmi", row["nmi"])
        metric.reset()
