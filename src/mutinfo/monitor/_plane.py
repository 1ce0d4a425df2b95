"""The information plane of a network: I(X;T) and I(T;Y) per layer, recorded during training."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._errors import DataError, ParameterError, missing_dependency, param_error
from .._progress import progress
from .._validation import check_choice, check_int, is_torch_tensor, resolve_base
from ._estimators import LayerEstimator, check_labels, resolve_estimator

__all__ = ["PlaneRecorder", "InformationPlane", "plot_information_plane"]

# Probe rows sent through the model at once.
PROBE_BATCH = 4096


def _flatten_rows(x: Any) -> np.ndarray:
    """The probe inputs as a float64 array of shape (n, d)."""
    if is_torch_tensor(x):
        arr = x.detach().cpu().double().numpy()
    else:
        arr = np.asarray(x, dtype=np.float64)
    return arr.reshape(arr.shape[0], -1)


def _row_codes(x: np.ndarray) -> np.ndarray:
    _, codes = np.unique(x, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


class PlaneRecorder:
    """Framework-independent core: turns layer activations on the probe set into records.

    :class:`InformationPlane` (PyTorch forward hooks) and the Keras callback feed it
    activations; it estimates, stores the history and draws the figure.

    Parameters
    ----------
    x : array of shape (n, ...)
        Probe inputs (flattened to (n, d_x) for estimation).
    y : array of shape (n,)
        Class labels of the probe inputs.
    estimator : str or LayerEstimator
    base : float, optional
        Unit of the recorded values: None for nats, 2 for bits.
    random_state : int, default 0
        Seeds the estimators that draw random numbers (noise, neural), from their
        own generators: the global RNGs are never touched.
    estimator_options : dict, optional
        Passed to the estimator's constructor when ``estimator`` is a name.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        *,
        estimator: Any = "binning",
        base: float | None = None,
        random_state: int = 0,
        estimator_options: Mapping[str, Any] | None = None,
        func: str = "InformationPlane",
    ) -> None:
        self.func = func
        if x is None:
            raise DataError(f"x is None; {func} needs a probe set of inputs, an array of shape (n, ...).")
        self.x_flat = _flatten_rows(x)
        n = self.x_flat.shape[0]
        if n < 2:
            raise DataError(f"x must hold at least 2 probe inputs for {func}. Got {n}.")
        self.x_codes = _row_codes(self.x_flat)
        self.y = check_labels(y, n, func)
        self.estimator: LayerEstimator = resolve_estimator(estimator, func, estimator_options)
        self.divisor, self.unit = resolve_base(base, func)
        self.random_state = check_int(func, "random_state", random_state, 0, rule="a non-negative int")
        self.history: list[dict[str, Any]] = []
        self._n_records = 0

    @property
    def n_probe(self) -> int:
        return int(self.x_flat.shape[0])

    def record(self, activations: Mapping[str, Any], *, epoch: int | None = None, step: int | None = None, show_progress: bool | None = None) -> list[dict[str, Any]]:
        """Estimate the information of each layer's activations (shape (n, ...)) and store one record per layer."""
        new = []
        seed_seq = np.random.SeedSequence([self.random_state, self._n_records])
        seeds = seed_seq.generate_state(max(len(activations), 1), dtype=np.uint32)
        for (layer, t), seed in zip(progress(list(activations.items()), desc="information plane", enabled=show_progress), seeds):
            if t.shape[0] != self.n_probe:
                raise DataError(f"layer {layer!r} produced {t.shape[0]} rows for {self.n_probe} probe inputs; layers must keep the batch dimension first.")
            values = self.estimator.estimate(x=self.x_flat, x_codes=self.x_codes, t=t.reshape(t.shape[0], -1), y=self.y, seed=int(seed))
            rec: dict[str, Any] = {"epoch": epoch, "step": step, "layer": layer}
            rec["i_xt"] = values["i_xt"] / self.divisor
            rec["i_ty"] = values["i_ty"] / self.divisor
            for key, val in values.items():
                if key in ("i_xt", "i_ty"):
                    continue
                rec[key] = val / self.divisor if key == "mc_std_error" else val
            rec["unit"] = self.unit
            rec["n_probe"] = self.n_probe
            rec["width"] = int(np.prod(t.shape[1:])) if len(t.shape) > 1 else 1
            rec.update({k: v for k, v in self.estimator.describe().items() if k not in rec})
            new.append(rec)
        self._n_records += 1
        self.history.extend(new)
        return new

    # -- views -----------------------------------------------------------------

    def layers(self) -> list[str]:
        """Layer names in the order they were first recorded."""
        seen: dict[str, None] = {}
        for rec in self.history:
            seen.setdefault(rec["layer"], None)
        return list(seen)

    def to_dataframe(self) -> Any:
        """The history as a pandas DataFrame (one row per layer and record)."""
        try:
            import pandas as pd
        except ImportError:
            raise missing_dependency("pandas", "InformationPlane.to_dataframe", extra="data") from None
        return pd.DataFrame.from_records(self.history)

    def plot(self, path: str | None = None, *, ax: Any = None, title: str | None = None, cmap: str = "viridis", color_scale: str = "linear", dpi: int = 110) -> Any:
        """Draw the information plane: one trajectory per layer, points coloured by epoch.

        Parameters
        ----------
        path : str, optional
            Save the figure there (PNG, PDF, SVG by extension).
        ax : matplotlib Axes, optional
            Draw into this axes instead of a new figure.
        color_scale : {"linear", "log"}
            Colour by epoch, or by log(1 + epoch) for geometrically spaced records.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plot_information_plane(self.history, path=path, ax=ax, title=title, cmap=cmap, color_scale=color_scale, dpi=dpi, unit=self.unit)


def plot_information_plane(
    history: Sequence[Mapping[str, Any]],
    *,
    path: str | None = None,
    ax: Any = None,
    title: str | None = None,
    cmap: str = "viridis",
    color_scale: str = "linear",
    dpi: int = 110,
    unit: str | None = None,
) -> Any:
    """Plot records (dicts with layer, epoch, i_xt, i_ty) in the information plane.

    Each layer is a trajectory through the plane with its own marker (see the
    legend); points are coloured by epoch (record order when epochs are missing).
    """
    from ..plot import require_matplotlib

    check_choice("plot_information_plane", "color_scale", color_scale, ("linear", "log"))
    plt = require_matplotlib()
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D

    if not history:
        raise DataError("the information plane has no records yet; call record() or step() during training first.")
    unit = unit or history[0].get("unit", "nats")
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.2))
    else:
        fig = ax.figure
    epochs = np.array([np.nan if r.get("epoch") is None else r["epoch"] for r in history], dtype=float)
    if np.isnan(epochs).any():
        epochs = np.arange(len(history), dtype=float)
    label = "epoch"
    if color_scale == "log":
        epochs = epochs + 1.0
        label = "epoch + 1"
    vmin, vmax = float(np.nanmin(epochs)), float(np.nanmax(epochs))
    vmax = vmax if vmax > vmin else vmin + 1
    norm = LogNorm(vmin=vmin, vmax=vmax) if color_scale == "log" else Normalize(vmin=vmin, vmax=vmax)
    order: dict[str, None] = {}
    for r in history:
        order.setdefault(r["layer"], None)
    markers = "os^Dv<>ph*"
    scatter = None
    handles: list[Any] = []
    for i, layer in enumerate(order):
        idx = [j for j, r in enumerate(history) if r["layer"] == layer]
        xs = np.array([history[j]["i_xt"] for j in idx])
        ys = np.array([history[j]["i_ty"] for j in idx])
        ax.plot(xs, ys, color="0.75", lw=0.8, zorder=1)
        marker = markers[i % len(markers)]
        scatter = ax.scatter(xs, ys, c=epochs[idx], cmap=cmap, norm=norm, s=14, marker=marker, zorder=2, edgecolors="none")
        handles.append(Line2D([], [], ls="", marker=marker, color="0.35", markersize=5, label=str(layer)))
    ax.set_xlabel(f"I(X;T) [{unit}]")
    ax.set_ylabel(f"I(T;Y) [{unit}]")
    ax.legend(handles=handles, title="layer", fontsize=7, title_fontsize=7, loc="lower right", framealpha=0.8)
    if title:
        ax.set_title(title, fontsize=10)
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label=label)
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig


# ---------------------------------------------------------------------------
# PyTorch.


def _resolve_layers(model: Any, layers: Any, func: str) -> dict[str, Any]:
    import torch

    named = dict(model.named_modules())
    if layers is None:
        from torch.nn.modules import activation

        acts = tuple(
            cls for cls in vars(activation).values()
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module) and cls.__module__ == activation.__name__ and cls is not torch.nn.Module
        )
        found = {name: m for name, m in named.items() if name and isinstance(m, acts)}
        if not found:
            raise ParameterError(
                f"{func} found no activation modules (nn.Tanh, nn.ReLU, ...) in the model; pass `layers=` with the names of the "
                f"modules to watch, e.g. {[n for n in named if n][:4]}."
            )
        return found
    if isinstance(layers, (str, torch.nn.Module)):
        layers = [layers]
    if isinstance(layers, Mapping):
        items = list(layers.items())
    else:
        items = []
        for item in layers:
            if isinstance(item, str):
                items.append((item, item))
            elif isinstance(item, torch.nn.Module):
                name = next((n for n, m in named.items() if m is item), None)
                items.append((name or type(item).__name__, item))
            else:
                raise param_error(func, "layers", "None, a module name, a module, or a list or dict of those", item)
    out: dict[str, Any] = {}
    valid = [n for n in named if n]
    for label, ref in items:
        if isinstance(ref, str):
            if ref not in named or not ref:
                shown = ", ".join(repr(v) for v in valid[:12]) + (", ..." if len(valid) > 12 else "")
                raise param_error(func, "layers", f"names of modules of the model (one of {shown})", ref)
            ref = named[ref]
        elif not any(m is ref for m in named.values()):
            raise param_error(func, "layers", "modules that belong to the model", type(ref).__name__)
        if label in out:
            raise param_error(func, "layers", "distinct layer names", label)
        out[str(label)] = ref
    if not out:
        raise param_error(func, "layers", "a non-empty list of module names or modules", layers)
    return out


def _first_tensor(output: Any) -> Any:
    if is_torch_tensor(output):
        return output
    if isinstance(output, (tuple, list)) and output and is_torch_tensor(output[0]):
        return output[0]
    raise DataError(f"a watched layer returned {type(output).__name__}; the information plane needs a tensor output.")


class InformationPlane(PlaneRecorder):
    """Record I(X;T_l) and I(T_l;Y) of chosen layers of a PyTorch model while it trains.

    Forward hooks on the chosen modules capture their outputs on a fixed probe set
    (x, y) every ``every`` epochs; an estimator turns each layer's activations into
    a point of the information plane (Tishby & Zaslavsky 2015; Shwartz-Ziv & Tishby
    2017). Training is left exactly as it was:

    * the hooks are inert during training forward passes (they only capture while
      the monitor runs its own probe pass) and never change a module's output;
    * the probe pass runs under ``torch.no_grad()`` with every module in eval mode
      (dropout off, batch-norm statistics frozen), then restores each module's mode;
    * the global RNG states (CPU and CUDA) are saved and restored around a record,
      and estimators draw from their own seeded generators.

    A test checks that weights after training are bit-identical with and without
    the monitor.

    Why an estimator: for a deterministic network T_l = f_l(X), the exact I(X;T_l) is
    infinite for continuous inputs and equals log N (constant) for N distinct discrete
    inputs whenever f_l is injective on them. What the plane shows is therefore the
    information seen at a resolution set by the estimator: bins of a given size
    ("binning"), or Gaussian noise of a given variance ("kde", "noise"). See
    :mod:`mutinfo.monitor._estimators`.

    Parameters
    ----------
    model : torch.nn.Module
    layers : None, str, Module, list or dict
        Modules to watch, by name (as in ``model.named_modules()``) or object; a dict
        maps display names to modules. None watches every activation module
        (nn.Tanh, nn.ReLU, ...).
    x : tensor or array of shape (n, ...)
        Probe inputs, passed to the model in batches of ``batch_size`` on the model's
        device.
    y : array of shape (n,)
        Class labels of the probe inputs.
    estimator : str or LayerEstimator, default "binning"
        "binning" (Shwartz-Ziv & Tishby; 30 bins over each layer's range unless
        configured), "kde" (Kolchinsky & Tracey upper bound, noise variance 0.1),
        "noise" (Goldfeld et al. Monte Carlo), "knn"/"ksg" (through
        :func:`mutinfo.mutual_information`), or a neural method of the registry
        ("infonce", "smile", ...). Pass an instance (e.g.
        ``BinningEstimator(bin_size=0.05)``) or ``estimator_options`` to configure it.
    every : int, default 1
        :meth:`step` records when ``epoch % every == 0``.
    base : float, optional
        None records nats, 2 records bits.
    batch_size : int, default 4096
        Probe rows per forward pass.
    random_state : int, default 0
    progress : bool, optional
        Progress bar over layers while recording.

    Attributes
    ----------
    history : list of dict
        One record per layer and recording: epoch, step, layer, i_xt, i_ty, unit,
        n_probe, width, the estimator's settings and extras (``bin_size`` for
        binning, ``mc_std_error`` for noise). ``pandas.DataFrame(plane.history)``
        or :meth:`to_dataframe` gives a table.

    Examples
    --------
    >>> plane = InformationPlane(net, layers=["1", "3"], x=x_probe, y=y_probe, estimator="binning", base=2)  # doctest: +SKIP
    >>> for epoch in range(epochs):                                               # doctest: +SKIP
    ...     train_one_epoch(net)
    ...     plane.step(epoch)
    >>> plane.plot("plane.png")                                                   # doctest: +SKIP

    Cost per record: one forward pass over the probe set plus the estimator's cost per
    layer (binning O(n d log n); kde and noise O(n^2 d)).

    References
    ----------
    Shwartz-Ziv & Tishby (2017), arXiv:1703.00810; Saxe et al. (2018), ICLR;
    Kolchinsky & Tracey (2017), Entropy 19(7); Goldfeld et al. (2019), ICML.
    """

    def __init__(
        self,
        model: Any,
        layers: Any = None,
        *,
        x: Any,
        y: Any,
        estimator: Any = "binning",
        every: int = 1,
        base: float | None = None,
        batch_size: int = PROBE_BATCH,
        random_state: int = 0,
        estimator_options: Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> None:
        import torch

        func = "InformationPlane"
        if not isinstance(model, torch.nn.Module):
            raise param_error(func, "model", "a torch.nn.Module", type(model).__name__)
        super().__init__(x, y, estimator=estimator, base=base, random_state=random_state, estimator_options=estimator_options, func=func)
        self.model = model
        self.every = check_int(func, "every", every, 1)
        self.batch_size = check_int(func, "batch_size", batch_size, 1)
        self.show_progress = progress
        if is_torch_tensor(x):
            self.x = x.detach()
        else:
            arr = np.asarray(x)
            # NumPy floats follow torch's default dtype (float32), like the model's weights; integers stay integers.
            self.x = torch.as_tensor(arr, dtype=torch.get_default_dtype() if arr.dtype.kind in "fb" else None)
        self.modules = _resolve_layers(model, layers, func)
        self._capturing = False
        self._buffers: dict[str, list[Any]] = {name: [] for name in self.modules}
        self._handles = [m.register_forward_hook(self._make_hook(name)) for name, m in self.modules.items()]

    def _make_hook(self, name: str) -> Callable[..., None]:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            if not self._capturing:
                return None
            t = _first_tensor(output).detach()
            self._buffers[name].append(t.reshape(t.shape[0], -1))
            return None

        return hook

    # -- recording ---------------------------------------------------------------

    def _device(self) -> Any:
        import torch

        for p in self.model.parameters():
            return p.device
        for b in self.model.buffers():
            return b.device
        return torch.device("cpu")

    def activations(self) -> dict[str, Any]:
        """Run the probe set through the model and return each watched layer's output, shape (n, d_l).

        No gradient, eval mode, global RNG states restored afterwards.
        """
        import torch

        device = self._device()
        modes = [(m, m.training) for m in self.model.modules()]
        cuda_devices = [device] if device.type == "cuda" else []
        for buf in self._buffers.values():
            buf.clear()
        try:
            with torch.random.fork_rng(devices=cuda_devices), torch.no_grad():
                self.model.eval()
                self._capturing = True
                for start in range(0, self.n_probe, self.batch_size):
                    self.model(self.x[start : start + self.batch_size].to(device))
        finally:
            self._capturing = False
            for m, mode in modes:
                m.training = mode
        out = {}
        for name, chunks in self._buffers.items():
            if not chunks:
                raise DataError(f"layer {name!r} was not called during the forward pass of the probe set; check `layers=`.")
            out[name] = torch.cat(chunks, dim=0)
            chunks.clear()
        return out

    def record(self, epoch: int | None = None, step: int | None = None) -> list[dict[str, Any]]:  # type: ignore[override]
        """Record every watched layer now; returns the new records."""
        return super().record(self.activations(), epoch=epoch, step=step, show_progress=self.show_progress)

    def step(self, epoch: int, step: int | None = None) -> list[dict[str, Any]]:
        """Record if ``epoch % every == 0`` (call once per epoch); returns the new records (maybe none)."""
        epoch = check_int("InformationPlane.step", "epoch", epoch, 0, rule="a non-negative int")
        if epoch % self.every:
            return []
        return self.record(epoch=epoch, step=step)

    def remove(self) -> None:
        """Remove the forward hooks from the model."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> "InformationPlane":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"InformationPlane(layers={list(self.modules)}, estimator={self.estimator.name!r}, every={self.every}, n_probe={self.n_probe}, records={len(self.history)})"
