"""MNIST-1D with a 1-D CNN and a GRU: InfoNCE representation learning + linear probe vs supervised.

MNIST-1D (Greydanus & Kobak 2024) turns the ten digits into 1-D signals of length 40
with random shifts, scaling, shear and noise; it separates architectures that a
2-D MNIST cannot. The data are generated locally (:func:`mutinfo.datasets.make_mnist1d`,
10,000 signals: 8,000 train, 2,000 test).

For each encoder (a 1-D CNN, and a GRU reading the signal as a sequence, the RNN case
of the design notes):

* ``supervised``: encoder + linear layer trained with cross-entropy on the labels;
* ``infonce``: encoder + projection head trained without labels to maximise the
  InfoNCE bound on I(view_1; view_2) between two random augmentations (shift, scale,
  stretch, noise) of each signal (:class:`mutinfo.losses.NTXentLoss`, NT-Xent); then a
  linear probe (multinomial logistic regression on the frozen encoder's features)
  uses the labels.

Reported: test accuracy of the four models, the final InfoNCE bound ``log(2N - 1) - loss``
in nats, and the seconds per epoch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .._progress import progress as progress_bar
from ._common import Timer, device_name, resolve_epochs, seed_everything, shuffled_batches, write_metrics

__all__ = ["augment_signals", "run"]

EMBED = 64
BATCH = 256


def augment_signals(x: Any, generator: Any) -> Any:
    """Random view of signals of shape (n, 1, L): time stretch and shift, amplitude scale, noise."""
    import torch
    import torch.nn.functional as nnf

    n, _, length = x.shape
    dev = x.device

    def uniform(lo: float, hi: float) -> Any:
        return (lo + (hi - lo) * torch.rand(n, generator=generator)).to(dev)

    stretch, shift = uniform(0.85, 1.15), uniform(-0.2, 0.2)
    base = torch.linspace(-1, 1, length, device=dev)
    # 1-D warp as a 2-D grid_sample on a height-1 image
    gx = base[None, :] / stretch[:, None] + shift[:, None]
    grid = torch.stack([gx, torch.zeros_like(gx)], dim=-1).unsqueeze(1)
    warped = nnf.grid_sample(x.unsqueeze(2), grid, mode="bilinear", padding_mode="border", align_corners=True).squeeze(2)
    noise = torch.randn(x.shape, generator=generator).to(dev)
    return warped * uniform(0.8, 1.2)[:, None, None] + 0.15 * noise


def _encoder(kind: str) -> Any:
    import torch
    from torch import nn

    if kind == "cnn":
        return nn.Sequential(
            nn.Conv1d(1, 32, 5, padding=2), nn.ReLU(),
            nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 10, EMBED), nn.ReLU(),
        )

    class GRUEncoder(nn.Module):
        """A GRU over the 40 time steps; the last hidden state is the embedding."""

        def __init__(self) -> None:
            super().__init__()
            self.gru = nn.GRU(1, EMBED, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            _, h = self.gru(x.transpose(1, 2))
            return h[-1]

    return GRUEncoder()


def _supervised(kind: str, data: dict[str, Any], epochs: int, seed: int, device: str, progress: bool | None) -> dict[str, Any]:
    import torch
    from torch import nn

    rng = seed_everything(seed)
    model = nn.Sequential(_encoder(kind), nn.Linear(EMBED, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(seed)
    x, y = data["x"], data["y"]
    with progress_bar(total=epochs, desc=f"mnist1d {kind} supervised", enabled=progress) as bar, Timer() as timer:
        for _ in range(epochs):
            for idx in shuffled_batches(x.shape[0], BATCH, rng, device, drop_last=True):
                loss = nn.functional.cross_entropy(model(augment_signals(x[idx], gen)), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            bar.update(1)
    model.eval()
    with torch.no_grad():
        acc = float((model(data["x_test"]).argmax(1) == data["y_test"]).float().mean())
    return {"accuracy": acc, "seconds": timer.seconds}


def _infonce(kind: str, data: dict[str, Any], epochs: int, seed: int, device: str, progress: bool | None) -> dict[str, Any]:
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from torch import nn

    from ..losses import NTXentLoss

    rng = seed_everything(seed)
    encoder = _encoder(kind).to(device)
    head = nn.Sequential(nn.Linear(EMBED, EMBED), nn.ReLU(), nn.Linear(EMBED, 32)).to(device)
    opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=3e-3)
    loss_fn = NTXentLoss(temperature=0.2)
    gen = torch.Generator().manual_seed(seed)
    x = data["x"]
    last, nonfinite = float("nan"), 0
    with progress_bar(total=epochs, desc=f"mnist1d {kind} InfoNCE", enabled=progress) as bar, Timer() as timer:
        for _ in range(epochs):
            for idx in shuffled_batches(x.shape[0], BATCH, rng, device, drop_last=True):
                xb = x[idx]
                loss = loss_fn(head(encoder(augment_signals(xb, gen))), head(encoder(augment_signals(xb, gen))))
                opt.zero_grad()
                loss.backward()
                if not bool(torch.isfinite(loss)):
                    nonfinite += 1
                opt.step()
                last = float(loss.detach())
            bar.update(1)
            bar.set_postfix_str(f"InfoNCE bound={math.log(2 * BATCH - 1) - last:.2f} nats")
    encoder.eval()
    with torch.no_grad():
        f_tr = encoder(x).cpu().numpy()
        f_te = encoder(data["x_test"]).cpu().numpy()
    scaler = StandardScaler().fit(f_tr)
    probe = LogisticRegression(max_iter=2000).fit(scaler.transform(f_tr), data["y"].cpu().numpy())
    acc = float(probe.score(scaler.transform(f_te), data["y_test"].cpu().numpy()))
    return {"accuracy": acc, "infonce_bound_nats": math.log(2 * BATCH - 1) - last, "seconds": timer.seconds, "nonfinite_steps": nonfinite}


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train the four models; write ``metrics.json`` and ``mnist1d.png``.

    Default 30 epochs (supervised and InfoNCE alike) over 8,000 signals; ``quick``: 4 epochs, 2,000 signals.
    """
    import torch

    from ..datasets import make_mnist1d

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=30, short=4)
    with Timer() as t_gen:
        raw = make_mnist1d(2500 if quick else 10000, seed=42)
    data = {
        "x": torch.tensor(raw["x"][:, None], device=device),
        "y": torch.tensor(raw["y"], device=device),
        "x_test": torch.tensor(raw["x_test"][:, None], device=device),
        "y_test": torch.tensor(raw["y_test"], device=device),
    }
    metrics: dict[str, Any] = {"demo": "mnist1d", "n_train": int(raw["x"].shape[0]), "n_test": int(raw["x_test"].shape[0]),
                               "generation_seconds": t_gen.seconds}
    total, runs = 0.0, 0
    for kind in ("cnn", "gru"):
        sup = _supervised(kind, data, n_epochs, seed, device, progress)
        con = _infonce(kind, data, n_epochs, seed, device, progress)
        metrics[f"{kind}_supervised_accuracy"] = sup["accuracy"]
        metrics[f"{kind}_infonce_probe_accuracy"] = con["accuracy"]
        metrics[f"{kind}_infonce_bound_nats"] = con["infonce_bound_nats"]
        metrics[f"{kind}_supervised_seconds_per_epoch"] = sup["seconds"] / n_epochs
        metrics[f"{kind}_infonce_seconds_per_epoch"] = con["seconds"] / n_epochs
        metrics[f"{kind}_nonfinite_steps"] = con["nonfinite_steps"]
        total += sup["seconds"] + con["seconds"]
        runs += 2
    metrics.update(epochs=n_epochs, seconds=total, seconds_per_epoch=total / (runs * n_epochs), device=device_name(device), seed=seed)
    _figure(out, metrics)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, metrics: dict[str, Any]) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, ax = plt.subplots(figsize=(6, 4))
    labels = ["CNN supervised", "CNN InfoNCE+probe", "GRU supervised", "GRU InfoNCE+probe"]
    values = [metrics["cnn_supervised_accuracy"], metrics["cnn_infonce_probe_accuracy"], metrics["gru_supervised_accuracy"], metrics["gru_infonce_probe_accuracy"]]
    bars = ax.bar(labels, values, color=["tab:blue", "tab:orange", "tab:blue", "tab:orange"])
    for b, v in zip(bars, values):
        ax.text(b.get_x() + b.get_width() / 2, v + 0.01, f"{v:.3f}", ha="center", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"MNIST-1D ({metrics['n_train']} train signals, {metrics['epochs']} epochs)")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(out / "mnist1d.png", dpi=100)
    plt.close(fig)
