"""Writing information-plane points and MI metrics to TensorBoard (torch.utils.tensorboard)."""

from __future__ import annotations

from typing import Any, Mapping

from .._errors import missing_dependency

__all__ = ["TensorBoardLogger", "require_summary_writer"]


def require_summary_writer() -> Any:
    """``torch.utils.tensorboard.SummaryWriter``, or a clear error saying how to install tensorboard."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise missing_dependency("tensorboard", "Logging to TensorBoard", extra="monitor") from None
    return SummaryWriter


def _scalar(value: Any) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


class TensorBoardLogger:
    """Scalars and figures of the monitors, written with ``torch.utils.tensorboard``.

    Tags:

    * ``information_plane/<layer>/I_XT`` and ``information_plane/<layer>/I_TY`` (the
      plane's unit), one point per record, at the record's epoch;
    * ``information_plane/figure``: the plane drawn with matplotlib (when installed);
    * ``<prefix>/mi``, ``<prefix>/nmi``, ``<prefix>/per_class/<c>`` for a
      :class:`MutualInformationMetric` result.

    Parameters
    ----------
    writer : SummaryWriter or str
        An open writer, or a log directory for a new one.
    """

    def __init__(self, writer: Any) -> None:
        if isinstance(writer, (str, bytes)) or hasattr(writer, "__fspath__"):
            writer = require_summary_writer()(log_dir=str(writer))
        self.writer = writer

    @property
    def log_dir(self) -> str:
        return self.writer.log_dir

    def log_records(self, records: list[Mapping[str, Any]], step: int | None = None) -> None:
        """Scalars for information-plane records (as returned by ``InformationPlane.record``)."""
        for rec in records:
            at = step if step is not None else (rec.get("epoch") if rec.get("epoch") is not None else rec.get("step") or 0)
            self.writer.add_scalar(f"information_plane/{rec['layer']}/I_XT", rec["i_xt"], at)
            self.writer.add_scalar(f"information_plane/{rec['layer']}/I_TY", rec["i_ty"], at)

    def log_plane_figure(self, plane: Any, step: int) -> None:
        """The plane so far, as a figure (needs matplotlib)."""
        fig = plane.plot()
        self.writer.add_figure("information_plane/figure", fig, step, close=True)

    def log_metric(self, values: Mapping[str, Any], step: int, prefix: str = "mi") -> None:
        """Scalars of a ``MutualInformationMetric.compute_all()`` result."""
        for key in ("mi", "nmi"):
            if key in values:
                self.writer.add_scalar(f"{prefix}/{key}", _scalar(values[key]), step)
        if "per_class" in values:
            for c, v in enumerate(values["per_class"].tolist()):
                self.writer.add_scalar(f"{prefix}/per_class/{c}", float(v), step)

    def log_scalars(self, values: Mapping[str, Any], step: int) -> None:
        for tag, v in values.items():
            self.writer.add_scalar(tag, _scalar(v), step)

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
