"""The 2-4-1 MLP trained with MSE, then evaluated through mutual information.

The second design note trains an MLP (2 inputs, 4 ReLU units, 1 output) with MSE by
gradient descent and then evaluates it with MI; its code drew X and Y independently
(nothing to learn) and computed an "entropy" of continuous data by counting unique
values. Done right here:

* data where Y depends on X: ``x ~ U(0, 1)^2``, ``y = sin(2 pi x_1) + x_2^2 + 0.1 e``,
  plus the note's independent Y as a control;
* I(Y; Y_hat) on held-out data with mutinfo's continuous estimator (KSG when available,
  else Miller-Madow on equal-frequency bins): the information the prediction carries
  about the target, in nats;
* per-layer MI during training (the information plane of Shwartz-Ziv & Tishby 2017):
  each layer's activations T are binned (16 equal-width bins per unit over the layer's
  range); since T is a deterministic function of X, I(X; T) = H(T_binned) (plug-in),
  and I(Y; T) uses Y in 10 equal-frequency bins with the Miller-Madow estimator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import Timer, continuous_mi, device_name, resolve_epochs, seed_everything, shuffled_batches, write_metrics

__all__ = ["layer_information", "make_data", "run"]

N_TRAIN, N_TEST = 2000, 20000
ACTIVATION_BINS = 16
Y_BINS = 10


def make_data(n: int, rng: np.random.Generator, dependent: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(x of shape (n, 2), y of shape (n, 1)), float32; ``dependent=False`` draws y independently (the note's data)."""
    x = rng.random((n, 2))
    if dependent:
        y = np.sin(2 * np.pi * x[:, 0]) + x[:, 1] ** 2 + 0.1 * rng.standard_normal(n)
    else:
        y = rng.random(n)
    return x.astype(np.float32), y[:, None].astype(np.float32)


def _bin_activations(t: np.ndarray, bins: int = ACTIVATION_BINS) -> np.ndarray:
    lo, hi = t.min(), t.max()
    if hi <= lo:
        return np.zeros(t.shape, dtype=np.int64)
    return np.minimum(((t - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)


def _quantile_codes(v: np.ndarray, bins: int) -> np.ndarray:
    ranks = np.argsort(np.argsort(v, kind="stable"), kind="stable")
    return (ranks * bins // len(v)).astype(np.int64)


def layer_information(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(I(X; T), I(Y; T)) in nats for the activations ``t`` (n, units) of a deterministic layer."""
    import mutinfo as mi

    codes = _bin_activations(t)
    i_xt = mi.entropy(codes, method="plugin", discrete=True)
    i_yt = mi.mutual_information(codes, _quantile_codes(y.ravel(), Y_BINS), method="miller_madow", discrete=True)
    return float(i_xt), float(i_yt)


def _train(dependent: bool, epochs: int, seed: int, device: str, progress: bool | None, track: bool) -> dict[str, Any]:
    import torch
    from torch import nn

    rng = seed_everything(seed)
    x, y = make_data(N_TRAIN, rng, dependent)
    xt, yt = make_data(N_TEST, np.random.default_rng(seed + 1000), dependent)
    x_t, y_t = torch.tensor(x, device=device), torch.tensor(y, device=device)
    xt_t = torch.tensor(xt, device=device)
    hidden, out = nn.Linear(2, 4), nn.Linear(4, 1)
    model = nn.Sequential(hidden, nn.ReLU(), out).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    batch = 64
    plane: list[dict[str, float]] = []
    losses = []
    bar = progress_bar(total=epochs, desc=f"seed-mlp ({'dependent' if dependent else 'independent'} y)", enabled=progress)
    with bar, Timer() as timer:
        for epoch in range(1, epochs + 1):
            for idx in shuffled_batches(N_TRAIN, batch, rng, device):
                loss = nn.functional.mse_loss(model(x_t[idx]), y_t[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                test_mse = float(nn.functional.mse_loss(model(xt_t), torch.tensor(yt, device=device)))
            losses.append(test_mse)
            if track and (epoch == 1 or epoch % max(1, epochs // 20) == 0 or epoch == epochs):
                with torch.no_grad():
                    h = torch.relu(hidden(xt_t)).cpu().numpy()
                    o = out(torch.relu(hidden(xt_t))).cpu().numpy()
                i_xh, i_yh = layer_information(h, yt)
                i_xo, i_yo = layer_information(o, yt)
                plane.append({"epoch": epoch, "I(X;T1)": i_xh, "I(Y;T1)": i_yh, "I(X;T2)": i_xo, "I(Y;T2)": i_yo})
            bar.update(1)
            bar.set_postfix_str(f"test MSE={test_mse:.4f}")
    with torch.no_grad():
        pred = model(xt_t).cpu().numpy()
    mi_value, method = continuous_mi(yt, pred, seed=seed)
    return {"test_mse": losses[-1], "mse_curve": losses, "plane": plane, "mi": mi_value, "mi_method": method,
            "var_y": float(yt.var()), "seconds": timer.seconds}


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train on dependent and on independent data; write ``metrics.json`` and ``seed_mlp.png``.

    Default 200 epochs of 2000 samples (batches of 64), 30 with ``quick``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=200, short=30)
    dep = _train(True, n_epochs, seed, device, progress, track=True)
    ind = _train(False, n_epochs, seed, device, progress, track=False)
    last = dep["plane"][-1]
    metrics = {
        "demo": "seed-mlp",
        "test_mse": dep["test_mse"],
        "var_y": dep["var_y"],
        "r2": 1 - dep["test_mse"] / dep["var_y"],
        "mi_y_yhat": dep["mi"],
        "mi_method": dep["mi_method"],
        "independent_y_mi_y_yhat": ind["mi"],
        "independent_y_test_mse": ind["test_mse"],
        "final_I(X;T1)": last["I(X;T1)"],
        "final_I(Y;T1)": last["I(Y;T1)"],
        "final_I(X;T2)": last["I(X;T2)"],
        "final_I(Y;T2)": last["I(Y;T2)"],
        "information_plane": dep["plane"],
        "epochs": n_epochs,
        "seconds": dep["seconds"] + ind["seconds"],
        "seconds_per_epoch": (dep["seconds"] + ind["seconds"]) / (2 * n_epochs),
        "device": device_name(device),
        "seed": seed,
    }
    _figure(out, dep, ind)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, dep: dict[str, Any], ind: dict[str, Any]) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plane = dep["plane"]
    epochs = [p["epoch"] for p in plane]
    for layer, marker in (("T1", "o"), ("T2", "s")):
        sc = axes[0].scatter([p[f"I(X;{layer})"] for p in plane], [p[f"I(Y;{layer})"] for p in plane], c=epochs, cmap="viridis", marker=marker, label=f"layer {layer}")
    fig.colorbar(sc, ax=axes[0], label="epoch")
    axes[0].set_xlabel("I(X;T) (nats, binned)")
    axes[0].set_ylabel("I(Y;T) (nats)")
    axes[0].set_title("information plane of the 2-4-1 MLP (T1: hidden, T2: output)", fontsize=9)
    axes[0].legend(fontsize=8)
    axes[1].plot(dep["mse_curve"], label=f"y depends on x: I(Y;Y_hat)={dep['mi']:.2f} nats")
    axes[1].plot(ind["mse_curve"], label=f"independent y: I(Y;Y_hat)={ind['mi']:.3f} nats")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("test MSE")
    axes[1].set_yscale("log")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "seed_mlp.png", dpi=100)
    plt.close(fig)
