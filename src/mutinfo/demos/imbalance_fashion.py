"""Class imbalance: cross-entropy vs cross-entropy + DiscreteMILoss on long-tailed Fashion-MNIST.

The training set is made long-tailed with imbalance ratio 100 (class c keeps
``6000 * 100^(-c/9)`` images: 6000 T-shirts down to 60 ankle boots, 14,891 in all);
the test set stays balanced. The same MLP is trained three ways, with 3 seeds each:

* ``ce``: plain cross-entropy, which learns the skewed prior and under-predicts the tail;
* ``ce+mi``: cross-entropy plus ``alpha * DiscreteMILoss``, i.e. minus I(Y; Y_hat) of
  the batch joint table of labels and softmax outputs. I(Y; Y_hat) = H(Y_hat) - H(Y_hat|Y)
  rewards a prediction marginal with high entropy, so the network stops spending its
  errors on the rare classes (the design notes' open problem of class imbalance);
* ``reweighted``: cross-entropy with class weights ``1 / n_c`` (normalised), the
  standard remedy, as a reference.

Reported: balanced accuracy (mean per-class recall) on the balanced test set, its mean
over the seeds with the standard error of that mean (sample standard deviation / sqrt(number
of seeds); none with one seed), the number of seeds, and the per-class recall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import (Timer, balanced_accuracy, device_name, mean_and_standard_error, resolve_epochs, seed_everything, shuffled_batches,
                      write_metrics)

__all__ = ["METHODS", "run"]

METHODS = ("ce", "ce+mi", "reweighted")
RATIO = 100.0
ALPHA = 1.0  # weight of the DiscreteMILoss term
SEEDS = 3


def _model() -> Any:
    from torch import nn

    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def _fit(method: str, data: dict[str, Any], epochs: int, seed: int, device: str, progress: bool | None) -> dict[str, Any]:
    import torch
    from torch import nn

    from ..losses import DiscreteMILoss

    rng = seed_everything(seed)
    model = _model().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = data["x"], data["y"]
    counts = torch.bincount(y, minlength=10).double()
    weight = (1.0 / counts) / (1.0 / counts).sum() * 10 if method == "reweighted" else None
    ce = nn.CrossEntropyLoss(weight=None if weight is None else weight.float().to(device))
    mi_loss = DiscreteMILoss(num_classes=10)
    n = x.shape[0]
    batch = 512
    nonfinite = 0
    with progress_bar(total=epochs, desc=f"imbalance-fashion {method} seed {seed}", enabled=progress) as bar, Timer() as timer:
        for _ in range(epochs):
            for idx in shuffled_batches(n, batch, rng, device):
                logits = model(x[idx])
                loss = ce(logits, y[idx])
                if method == "ce+mi":
                    loss = loss + ALPHA * mi_loss(logits, y[idx])
                opt.zero_grad()
                loss.backward()
                if not bool(torch.isfinite(loss)) or not all(bool(torch.isfinite(p.grad).all()) for p in model.parameters()):
                    nonfinite += 1
                opt.step()
            bar.update(1)
    model.eval()
    with torch.no_grad():
        pred = model(data["x_test"]).argmax(1).cpu().numpy()
    yt = data["y_test"].cpu().numpy()
    recalls = [float((pred[yt == c] == c).mean()) for c in range(10)]
    return {"balanced_accuracy": balanced_accuracy(yt, pred), "recalls": recalls, "seconds": timer.seconds, "nonfinite_steps": nonfinite}


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train 3 methods x 3 seeds; write ``metrics.json`` and ``imbalance_fashion.png``.

    Default 30 epochs over the 14,891 long-tailed images; ``quick``: 3 epochs, 1 seed.
    """
    import torch

    from ..datasets import load_fashion_mnist, long_tailed_indices

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=30, short=3)
    seeds = [seed] if quick else [seed + i for i in range(SEEDS)]
    x, y = load_fashion_mnist("train")
    xt, yt = load_fashion_mnist("test")
    keep = long_tailed_indices(y, RATIO, seed=seed)
    data = {
        "x": torch.tensor(x[keep] / 255.0, dtype=torch.float32, device=device),
        "y": torch.tensor(y[keep], device=device),
        "x_test": torch.tensor(xt / 255.0, dtype=torch.float32, device=device),
        "y_test": torch.tensor(yt, device=device),
    }
    results: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    for s in seeds:
        for m in METHODS:
            results[m].append(_fit(m, data, n_epochs, s, device, progress))
    seconds = sum(r["seconds"] for rs in results.values() for r in rs)
    metrics: dict[str, Any] = {"demo": "imbalance-fashion", "imbalance_ratio": RATIO, "n_train": len(keep),
                               "train_class_counts": np.bincount(y[keep], minlength=10).tolist(), "alpha_mi": ALPHA, "seeds": seeds,
                               "n_seeds": len(seeds)}
    for m in METHODS:
        accs = [r["balanced_accuracy"] for r in results[m]]
        key = m.replace("+", "_")
        metrics[f"{key}_balanced_accuracy"], metrics[f"{key}_balanced_accuracy_se"] = mean_and_standard_error(accs)
        metrics[f"{key}_balanced_accuracy_per_seed"] = accs
        metrics[f"{key}_recall_per_class"] = np.mean([r["recalls"] for r in results[m]], axis=0).tolist()
    metrics.update(epochs=n_epochs, seconds=seconds, seconds_per_epoch=seconds / (len(seeds) * len(METHODS) * n_epochs),
                   nonfinite_steps=sum(r["nonfinite_steps"] for rs in results.values() for r in rs), device=device_name(device))
    _figure(out, metrics)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, metrics: dict[str, Any]) -> None:
    from ..datasets.real import FASHION_MNIST_CLASSES
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.27
    classes = np.arange(10)
    for i, m in enumerate(METHODS):
        key = m.replace("+", "_")
        se = metrics[f"{key}_balanced_accuracy_se"]
        spread = "" if se is None else f" ± {se:.3f} (s.e., {metrics['n_seeds']} seeds)"
        ax.bar(classes + (i - 1) * width, metrics[f"{key}_recall_per_class"], width,
               label=f"{m}: balanced acc {metrics[f'{key}_balanced_accuracy']:.3f}{spread}")
    ax.set_xticks(classes, [f"{c}\n(n={n})" for c, n in zip(FASHION_MNIST_CLASSES, metrics["train_class_counts"])], fontsize=7)
    ax.set_ylabel("test recall")
    ax.set_title(f"long-tailed Fashion-MNIST (ratio {metrics['imbalance_ratio']:g}), balanced test set")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "imbalance_fashion.png", dpi=100)
    plt.close(fig)
