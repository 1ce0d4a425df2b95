"""Variational Information Bottleneck on Fashion-MNIST: test error and I(X;Z) against beta.

The same MLP classifier (784-256-256, a 32-d code, a linear softmax layer) is trained
with cross-entropy either with a deterministic 32-d code, or with the stochastic
Gaussian code of :class:`mutinfo.losses.VIB` and the objective
``CE + beta * KL(q(z|x) || N(0, I))`` (Alemi et al. 2017) for several beta. For each
model the demo reports the test error and, on the test set, the two information
terms of the bottleneck, in nats:

* ``rate``: the mean KL, an upper bound on I(X; Z) of the stochastic code Z;
* ``I(Z;Y) >= H(Y) - CE_z``: the variational (Barber–Agakov) lower bound on the
  same stochastic Z, where ``CE_z = E[-log q(y | z)]`` is the classifier's
  cross-entropy on codes *sampled* from q(z | x) (the mean over ``N_Z_SAMPLES``
  draws per test image, an unbiased estimate of the expectation) and H(Y) is the
  plug-in entropy of the test labels (log 10 on the balanced test set).

The figure the classifier reaches on the mean code, ``H(Y) - CE_mu``, bounds
I(mu(X); Y), the information in a different (deterministic) variable; it is
reported apart as ``i_mu_y_lower_nats``, next to the test error of the mean code.

Larger beta squeezes I(X; Z) (the compression the design notes call for against
overfitting) at some cost in I(Z; Y).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._progress import progress as progress_bar
from ._common import Timer, device_name, resolve_epochs, seed_everything, shuffled_batches, write_metrics

__all__ = ["evaluate", "run"]

BETAS = (1e-4, 1e-3, 1e-2, 1e-1)
CODE = 32
N_Z_SAMPLES = 8  # draws of z per test image for the cross-entropy of the stochastic code


def _model(beta: float | None) -> Any:
    import torch
    from torch import nn

    from ..losses import VIB

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU())
            self.code = VIB(256, CODE, beta=beta) if beta is not None else nn.Linear(256, CODE)
            self.head = nn.Linear(CODE, 10)

        def forward(self, x: torch.Tensor, sample: bool | None = None) -> torch.Tensor:
            h = self.trunk(x)
            return self.head(self.code(h, sample) if isinstance(self.code, VIB) else self.code(h))

        def rate(self) -> torch.Tensor:
            return self.code.kl if isinstance(self.code, VIB) else torch.zeros(())

        def penalty(self) -> torch.Tensor:
            return self.code.loss if isinstance(self.code, VIB) else torch.zeros(())

    return Net()


def _fit(beta: float | None, data: dict[str, Any], epochs: int, seed: int, device: str, progress: bool | None) -> dict[str, Any]:
    import torch
    from torch import nn

    rng = seed_everything(seed)
    model = _model(beta).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = data["x"], data["y"]
    n = x.shape[0]
    batch = 256
    nonfinite = 0
    label = "deterministic" if beta is None else f"VIB beta={beta:g}"
    with progress_bar(total=epochs, desc=f"vib-fashion {label}", enabled=progress) as bar, Timer() as timer:
        for _ in range(epochs):
            for idx in shuffled_batches(n, batch, rng, device):
                logits = model(x[idx])
                loss = nn.functional.cross_entropy(logits, y[idx]) + model.penalty()
                opt.zero_grad()
                loss.backward()
                if not bool(torch.isfinite(loss)):
                    nonfinite += 1
                opt.step()
            bar.update(1)
    model.eval()
    read = evaluate(model, data["x_test"], data["y_test"], seed=seed)
    with torch.no_grad():
        train_err = float((model(x[:10000]).argmax(1) != y[:10000]).float().mean())
    return {"beta": beta, "train_error": train_err, **read, "seconds": timer.seconds, "nonfinite_steps": nonfinite}


def evaluate(model: Any, x_test: Any, y_test: Any, *, n_z_samples: int = N_Z_SAMPLES, seed: int = 0, chunk: int = 2000) -> dict[str, Any]:
    """Test error, rate and the two cross-entropy bounds of a trained model, in nats.

    ``i_zy_lower_nats = H(Y) - CE_z`` bounds I(Z; Y) of the stochastic code: CE_z is the
    mean of ``-log q(y | z)`` over ``n_z_samples`` codes drawn from q(z | x) per image
    (for the deterministic model, z is the code itself). ``i_mu_y_lower_nats = H(Y) - CE_mu``
    uses the mean code and bounds I(mu(X); Y). H(Y) is the plug-in entropy of ``y_test``.
    ``test_error`` is the error of the mean code's argmax. Cost: ``n_z_samples + 1``
    passes of the head, one of the trunk. The model is put in eval mode.
    """
    import torch
    from torch import nn

    from ..functional import kl_standard_normal
    from ..losses import VIB

    model.eval()
    stochastic = isinstance(model.code, VIB)
    counts = torch.bincount(y_test.long()).double()
    p = counts[counts > 0] / counts.sum()
    h_y = float(-(p * p.log()).sum())
    gen = torch.Generator(device=x_test.device).manual_seed(seed)
    ce_mu = ce_z = err = rate = 0.0
    with torch.no_grad():
        for start in range(0, x_test.shape[0], chunk):
            xb, yb = x_test[start : start + chunk], y_test[start : start + chunk]
            h = model.trunk(xb)
            if stochastic:
                mu, std = model.code.encode(h)
                rate += float(kl_standard_normal(mu, std).sum())
            else:
                mu, std = model.code(h), None
            logits = model.head(mu)
            ce_mu += float(nn.functional.cross_entropy(logits, yb, reduction="sum"))
            err += float((logits.argmax(1) != yb).sum())
            if std is None:
                ce_z += float(nn.functional.cross_entropy(logits, yb, reduction="sum"))
                continue
            for _ in range(n_z_samples):
                z = mu + std * torch.randn(mu.shape, generator=gen, device=mu.device, dtype=mu.dtype)
                ce_z += float(nn.functional.cross_entropy(model.head(z), yb, reduction="sum")) / n_z_samples
    n = x_test.shape[0]
    return {"test_error": err / n, "test_ce": ce_z / n, "test_ce_mean_code": ce_mu / n, "rate_nats": rate / n, "h_y_nats": h_y,
            "i_zy_lower_nats": h_y - ce_z / n, "i_mu_y_lower_nats": h_y - ce_mu / n, "n_z_samples": n_z_samples if stochastic else 0}


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train the deterministic model and one VIB model per beta; write ``metrics.json`` and ``vib_fashion.png``.

    Default 10 epochs over the 60,000 training images; ``quick`` uses 10,000 images and 2 epochs.
    """
    import torch

    from ..datasets import load_fashion_mnist

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=10, short=2)
    x, y = load_fashion_mnist("train")
    xt, yt = load_fashion_mnist("test")
    if quick:
        x, y = x[:10000], y[:10000]
    data = {
        "x": torch.tensor(x / 255.0, dtype=torch.float32, device=device),
        "y": torch.tensor(y, device=device),
        "x_test": torch.tensor(xt / 255.0, dtype=torch.float32, device=device),
        "y_test": torch.tensor(yt, device=device),
    }
    runs = [_fit(None, data, n_epochs, seed, device, progress)] + [_fit(b, data, n_epochs, seed, device, progress) for b in BETAS]
    seconds = sum(r["seconds"] for r in runs)
    metrics = {
        "demo": "vib-fashion",
        "deterministic_test_error": runs[0]["test_error"],
        "deterministic_train_error": runs[0]["train_error"],
        "vib": [{k: r[k] for k in ("beta", "test_error", "train_error", "rate_nats", "i_zy_lower_nats", "i_mu_y_lower_nats", "n_z_samples")}
                for r in runs[1:]],
        "h_y_nats": runs[0]["h_y_nats"],
        "best_vib_test_error": min(r["test_error"] for r in runs[1:]),
        "best_vib_beta": min(runs[1:], key=lambda r: r["test_error"])["beta"],
        "epochs": n_epochs,
        "n_train": int(x.shape[0]),
        "seconds": seconds,
        "seconds_per_epoch": seconds / (len(runs) * n_epochs),
        "nonfinite_steps": sum(r["nonfinite_steps"] for r in runs),
        "device": device_name(device),
        "seed": seed,
    }
    _figure(out, runs)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, runs: list[dict[str, Any]]) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    vib = runs[1:]
    betas = [r["beta"] for r in vib]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].semilogx(betas, [r["test_error"] for r in vib], marker="o", label="VIB")
    axes[0].axhline(runs[0]["test_error"], color="gray", ls="--", label="deterministic")
    axes[0].set_xlabel("beta")
    axes[0].set_ylabel("test error")
    axes[0].legend()
    axes[1].semilogx(betas, [r["rate_nats"] for r in vib], marker="o", label="I(X;Z) <= rate (KL)")
    axes[1].semilogx(betas, [r["i_zy_lower_nats"] for r in vib], marker="s", label="I(Z;Y) >= H(Y) - CE (sampled z)")
    axes[1].set_xlabel("beta")
    axes[1].set_ylabel("nats")
    axes[1].set_yscale("log")
    axes[1].legend()
    axes[1].set_title("information in the 32-d code (test set)")
    fig.tight_layout()
    fig.savefig(out / "vib_fashion.png", dpi=100)
    plt.close(fig)
