"""The Dense 10-10-1 network trained to maximise I(Y; Y_hat) with a neural bound, against MSE.

The first design note proposes ``J(theta) = I(X; Y)`` between inputs and the model's
predictions, optimised by gradient descent, with a small Dense 10-10-1 network as the
example (on random data, where there is nothing to learn). Done right: the network's
output ``y_hat`` and the target ``y`` are scored by a critic, and network and critic are
trained together to maximise the SMILE estimate of I(Y; Y_hat)
(:class:`mutinfo.losses.SMILELoss`). The same network trained with MSE is the
baseline. Both are evaluated on held-out data by mutinfo's KSG estimator of
I(Y; Y_hat) (k = 3), and by the MSE of the output after an affine (MSE) or monotone
(MI) calibration. The ceiling I(Y; X) of the ``scale`` data is computed by quadrature
(:func:`scale_mutual_information`), not estimated.

Two data sets, X ~ N(0, I_10), s = w . x, u = v . x with fixed unit vectors:

* ``mean``: ``y = sin(2 s) + s + 0.3 e``: Y depends on X through its mean; MSE is
  the right tool and MI training should match it in information.
* ``scale``: ``y = (0.1 + |u|) e``: Y depends on X only through its spread;
  E[Y | X] = 0, so MSE learns a constant that carries no information, while maximising
  I(Y; Y_hat) finds the dependence.

``e`` is standard normal noise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import Timer, continuous_mi, device_name, resolve_epochs, seed_everything, write_metrics

__all__ = ["make_data", "run"]

N_TRAIN, N_TEST, DIM = 4000, 4000, 10


def make_data(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x of shape (n, 10), y of shape (n, 1)) for ``kind`` in {"mean", "scale"}; float32."""
    x = rng.standard_normal((n, DIM))
    w = np.zeros(DIM)
    w[:2] = 1 / np.sqrt(2)
    v = np.zeros(DIM)
    v[2:4] = 1 / np.sqrt(2)
    e = rng.standard_normal(n)
    if kind == "mean":
        s = x @ w
        y = np.sin(2 * s) + s + 0.3 * e
    else:
        y = (0.1 + np.abs(x @ v)) * e
    return x.astype(np.float32), y[:, None].astype(np.float32)


def scale_mutual_information() -> float:
    """I(Y; X) in nats for the ``scale`` data, by quadrature (about 0.2935).

    Y depends on X only through u ~ N(0, 1): I(Y; X) = I(Y; u) = h(Y) - E_u[h(Y | u)]
    with Y | u ~ N(0, (0.1 + |u|)^2); h(Y) of the Gaussian scale mixture is integrated
    on a grid (Y is symmetric, so over y >= 0). It is the ceiling of I(Y; Y_hat).
    """
    u = np.linspace(0.0, 8.0, 801)  # |u|: half-normal weights
    w = np.exp(-0.5 * u**2)
    w[0] *= 0.5
    w /= w.sum()
    sigma = 0.1 + u
    y = np.linspace(0.0, 30.0, 3001)
    dy = y[1] - y[0]
    p = (w / (sigma * np.sqrt(2 * np.pi))) @ np.exp(-0.5 * (y[None, :] / sigma[:, None]) ** 2)
    integrand = -p * np.log(np.maximum(p, 1e-300))
    h_y = 2 * dy * (integrand.sum() - 0.5 * integrand[0] - 0.5 * integrand[-1])  # trapezoid, both halves
    h_y_given_u = float((w * 0.5 * np.log(2 * np.pi * np.e * sigma**2)).sum())
    return float(h_y - h_y_given_u)


def _dense_10_10_1() -> Any:
    from torch import nn

    return nn.Sequential(nn.Linear(DIM, 10), nn.ReLU(), nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))


def _critic() -> Any:
    import torch
    from torch import nn

    class SeparableCritic(nn.Module):
        """scores[i, j] = g(y_i) . h(y_hat_j), two small MLPs: O(n d) embeddings, one (n, n) product."""

        def __init__(self, dim: int = 16) -> None:
            super().__init__()
            self.g = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, dim))
            self.h = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, dim))

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return self.g(a) @ self.h(b).T

    return SeparableCritic()


def _train(kind: str, objective: str, steps: int, seed: int, device: str, progress: bool | None) -> dict[str, Any]:
    import torch

    from ..losses import SMILELoss

    rng = seed_everything(seed)
    x, y = make_data(kind, N_TRAIN, rng)
    xt, yt = make_data(kind, N_TEST, np.random.default_rng(seed + 1000))
    x_t, y_t = torch.tensor(x, device=device), torch.tensor(y, device=device)
    net = _dense_10_10_1().to(device)
    params = list(net.parameters())
    if objective == "mi":
        loss_fn = SMILELoss(_critic().to(device), clip=5.0)
        params += list(loss_fn.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    batch = 256
    curve = []
    nonfinite = 0
    bar = progress_bar(total=steps, desc=f"seed-regression {kind}/{objective}", enabled=progress)
    with bar, Timer() as timer:
        for step in range(steps):
            idx = torch.as_tensor(rng.choice(N_TRAIN, batch, replace=False), device=device)
            y_hat = net(x_t[idx])
            loss = loss_fn(y_t[idx], y_hat) if objective == "mi" else torch.nn.functional.mse_loss(y_hat, y_t[idx])
            opt.zero_grad()
            loss.backward()
            if not torch.isfinite(loss) or not all(torch.isfinite(p.grad).all() for p in params if p.grad is not None):
                nonfinite += 1
            opt.step()
            bar.update(1)
            if step % 50 == 0:
                curve.append((step, float(-loss.detach()) if objective == "mi" else float(loss.detach())))
    with torch.no_grad():
        pred_train = net(x_t).cpu().numpy()
        pred = net(torch.tensor(xt, device=device)).cpu().numpy()
    mi_value, method = continuous_mi(yt, pred, seed=seed)
    return {"pred": pred, "pred_train": pred_train, "y_train": y, "y_test": yt, "mi": mi_value, "mi_method": method,
            "curve": curve, "seconds": timer.seconds, "nonfinite": nonfinite}


def _calibrated_mse(pred_train: np.ndarray, y_train: np.ndarray, pred: np.ndarray, y_test: np.ndarray, monotone: bool) -> float:
    """Test MSE after fitting y ~ g(y_hat) on the training set (g affine, or monotone: isotonic)."""
    if monotone:
        from sklearn.isotonic import IsotonicRegression

        a = pred_train[:, 0]
        increasing = np.corrcoef(a, y_train[:, 0])[0, 1] >= 0 if a.std() > 0 else True
        g = IsotonicRegression(increasing=bool(increasing), out_of_bounds="clip").fit(a, y_train[:, 0])
        fit = g.predict(pred[:, 0])
    else:
        design = np.column_stack([pred_train[:, 0], np.ones(len(pred_train))])
        coef, *_ = np.linalg.lstsq(design, y_train[:, 0], rcond=None)
        fit = coef[0] * pred[:, 0] + coef[1]
    return float(np.mean((fit - y_test[:, 0]) ** 2))


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train both objectives on both data sets; write ``metrics.json`` and ``seed_regression.png``.

    One epoch is a pass over the 4000 training samples (about 16 steps of 256); the
    default is 100 epochs, 20 with ``quick``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=100, short=20)
    steps = max(1, round(n_epochs * N_TRAIN / 256))
    results: dict[str, dict[str, Any]] = {}
    metrics: dict[str, Any] = {"demo": "seed-regression", "epochs": n_epochs, "steps": steps, "device": device_name(device), "seed": seed}
    total_seconds = 0.0
    for kind in ("mean", "scale"):
        for objective in ("mse", "mi"):
            r = _train(kind, objective, steps, seed, device, progress)
            results[f"{kind}/{objective}"] = r
            total_seconds += r["seconds"]
            metrics[f"{kind}_{objective}_mi_y_yhat"] = r["mi"]
            metrics[f"{kind}_{objective}_test_mse"] = _calibrated_mse(r["pred_train"], r["y_train"], r["pred"], r["y_test"], monotone=objective == "mi")
            metrics[f"{kind}_{objective}_nonfinite_steps"] = r["nonfinite"]
            metrics["mi_method"] = r["mi_method"]
    metrics["scale_true_mi_y_x"] = scale_mutual_information()
    metrics["scale_true_mi_method"] = "quadrature"
    metrics["seconds"] = total_seconds
    metrics["seconds_per_epoch"] = total_seconds / (4 * n_epochs)
    _figure(out, results, metrics)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, results: dict[str, dict[str, Any]], metrics: dict[str, Any]) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, axes = plt.subplots(2, 2, figsize=(9, 8))
    for row, kind in enumerate(("mean", "scale")):
        for col, objective in enumerate(("mse", "mi")):
            r = results[f"{kind}/{objective}"]
            ax = axes[row, col]
            ax.scatter(r["pred"][:800, 0], r["y_test"][:800, 0], s=3, alpha=0.5)
            ax.set_xlabel("network output y_hat")
            ax.set_ylabel("y")
            ax.set_title(f"{kind} data, {objective.upper()} training\nI(Y;Y_hat) = {r['mi']:.3f} nats ({r['mi_method']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "seed_regression.png", dpi=100)
    plt.close(fig)
