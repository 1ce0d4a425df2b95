"""IIC clustering of scikit-learn's 8x8 digits, no labels used (Ji et al. 2019).

A small convolutional network maps each image to a softmax over 10 clusters (plus an
over-clustering head with 50), and is trained to maximise the mutual information
I(Z; Z') between the cluster assignments of paired views of the same digit, computed
exactly on the batch joint table (:class:`mutinfo.losses.IICLoss`). A pair is two
random augmentations (rotation, scaling, shift, noise) of an image, or, with
``pairs="neighbours"`` (the default), of an image and one of its nearest neighbours in
pixel space: neighbours in the raw data usually share the digit, and pairing them tells
the network which images to put together beyond what small warps can express. The
marginal-entropy weight is ``lamb = 1.5`` (with ``lamb = 1`` three or four digits tend
to share clusters on this small data set; the extra entropy weight keeps the 10
clusters in use).

Labels are only used for the evaluation: accuracy under the best one-to-one matching
of clusters to digits (Hungarian method), the normalised mutual information, and
k-means on the raw pixels as the baseline on the same data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import Timer, device_name, hungarian_accuracy, nmi, resolve_epochs, seed_everything, write_metrics

__all__ = ["run", "train_iic_digits", "kmeans_accuracy"]

N_CLASSES = 10
N_OVER = 50  # clusters of the over-clustering head
N_SUBHEADS = 5


def _build_model(n_subheads: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        """MLP trunk on 8x8 images, then sub-heads for 10 and for 50 clusters."""

        def __init__(self) -> None:
            super().__init__()
            # An MLP on the 64 pixels: on 8x8 images it clusters as well as a small
            # convolutional trunk at a fraction of the cost on a CPU.
            self.trunk = nn.Sequential(
                nn.Flatten(), nn.Linear(64, 512), nn.BatchNorm1d(512), nn.ReLU(),
                nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(),
            )
            self.main = nn.Linear(256, n_subheads * N_CLASSES)
            self.over = nn.Linear(256, n_subheads * N_OVER)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h = self.trunk(x)
            n = x.shape[0]
            # (sub-heads, n, clusters): the layout IICLoss averages over
            return self.main(h).view(n, n_subheads, N_CLASSES).transpose(0, 1), self.over(h).view(n, n_subheads, N_OVER).transpose(0, 1)

    return Net()


def kmeans_accuracy(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Hungarian accuracy of k-means (10 clusters, 10 restarts) on the raw pixels."""
    from sklearn.cluster import KMeans

    pred = KMeans(n_clusters=N_CLASSES, n_init=10, random_state=seed).fit_predict(x.reshape(len(x), -1))
    return hungarian_accuracy(y, pred)


def _neighbours(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k nearest neighbours of each row (Euclidean, itself excluded), shape (n, k)."""
    flat = x.reshape(len(x), -1).astype(np.float64)
    sq = (flat**2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2 * flat @ flat.T
    np.fill_diagonal(d2, np.inf)
    return np.argsort(d2, axis=1)[:, :k]


def train_iic_digits(
    *,
    steps: int = 600,
    batch_size: int = 600,
    lr: float = 1e-3,
    pairs: str = "neighbours",
    k_neighbours: int = 5,
    lamb: float = 1.5,
    seed: int = 0,
    device: str = "cpu",
    progress: bool | None = None,
    eval_every: int = 50,
) -> dict[str, Any]:
    """Train the IIC clusterer on the digits and evaluate it; returns metrics and curves.

    One step draws ``batch_size`` images, makes their paired views, and takes one Adam
    step on the main head's IIC loss and one on the over-clustering head's (the
    alternation of Ji et al.). The reported head is the sub-head with the lowest main
    loss on the whole data set, chosen without labels.
    """
    import torch

    from ..datasets import load_digits
    from ..datasets.augment import Augment
    from ..losses import IICLoss

    if pairs not in ("augment", "neighbours"):
        from .._errors import param_error

        raise param_error("train_iic_digits", "pairs", "'augment' or 'neighbours'", pairs)
    rng = seed_everything(seed)
    x_np, y_np = load_digits()
    x_all = torch.tensor(x_np[:, None], device=device)
    nbrs = torch.tensor(_neighbours(x_np, k_neighbours), device=device) if pairs == "neighbours" else None
    augment = Augment(degrees=12.0, translate=0.08, scale=(0.9, 1.1), shear=8.0, brightness=0.05, contrast=0.15, noise=0.05, seed=seed, device="cpu")
    model = _build_model(N_SUBHEADS).to(device)
    loss_fn = IICLoss(lamb=lamb)
    mi_fn = IICLoss(lamb=1.0)  # the plain I(Z; Z'), for reporting
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = x_all.shape[0]
    history: list[dict[str, float]] = []

    def views(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first = x_all[idx]
        if nbrs is not None:
            pick = torch.as_tensor(rng.integers(0, nbrs.shape[1], len(idx)), device=device)
            second = x_all[nbrs[idx, pick]]
        else:
            second = first
        return augment(first.cpu()).to(device), augment(second.cpu()).to(device)

    def evaluate() -> tuple[np.ndarray, np.ndarray]:
        model.eval()
        with torch.no_grad():
            logits, _ = model(x_all)
            a, b = views(torch.arange(n, device=device))
            la, _ = model(a)
            lb, _ = model(b)
            head_losses = torch.stack([loss_fn(la[h], lb[h]) for h in range(N_SUBHEADS)])
            head_mi = torch.stack([-mi_fn(la[h], lb[h]) for h in range(N_SUBHEADS)])
        model.train()
        return logits.argmax(-1).cpu().numpy(), head_losses.cpu().numpy(), head_mi.cpu().numpy()

    start = time.perf_counter()
    bar = progress_bar(total=steps, desc="iic-digits", enabled=progress)
    nonfinite = 0
    with bar:
        for step in range(1, steps + 1):
            idx = torch.as_tensor(rng.choice(n, size=batch_size, replace=batch_size > n), device=device)
            for head in (0, 1):  # main head, then over-clustering head
                a, b = views(idx)
                out_a, out_b = model(a), model(b)
                loss = loss_fn(out_a[head], out_b[head])
                opt.zero_grad()
                loss.backward()
                grads_ok = all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
                if not torch.isfinite(loss) or not grads_ok:
                    nonfinite += 1
                opt.step()
                if head == 0:
                    main_loss = float(loss.detach())
            bar.update(1)
            bar.set_postfix_str(f"IIC objective={-main_loss:.3f}")
            if step % eval_every == 0 or step == steps:
                pred, head_losses, head_mi = evaluate()
                best = int(np.argmin(head_losses))
                history.append({"step": step, "mi": float(head_mi[best]), "accuracy": hungarian_accuracy(y_np, pred[best])})
    seconds = time.perf_counter() - start
    pred, head_losses, head_mi = evaluate()
    best = int(np.argmin(head_losses))
    return {
        "accuracy": hungarian_accuracy(y_np, pred[best]),
        "nmi": nmi(y_np, pred[best]),
        "subhead_accuracies": [hungarian_accuracy(y_np, p) for p in pred],
        "chosen_subhead": best,
        "mi_nats": float(head_mi[best]),
        "lamb": lamb,
        "steps": steps,
        "batch_size": batch_size,
        "pairs": pairs,
        "train_seconds": seconds,
        "nonfinite_steps": nonfinite,
        "history": history,
        "predictions": pred[best],
        "labels": y_np,
    }


def _figure(out_dir: Path, result: dict[str, Any], kmeans_acc: float) -> Path:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    hist = result["history"]
    steps = [h["step"] for h in hist]
    axes[0].plot(steps, [h["accuracy"] for h in hist], marker="o", label="IIC accuracy (Hungarian)")
    axes[0].axhline(kmeans_acc, color="gray", ls="--", label=f"k-means {kmeans_acc:.3f}")
    axes[0].axhline(0.90, color="green", ls=":", label="goal 0.90")
    ax2 = axes[0].twinx()
    ax2.plot(steps, [h["mi"] for h in hist], color="tab:orange", alpha=0.6, label="I(Z;Z') nats")
    ax2.set_ylabel("batch I(Z;Z') (nats)")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="lower right", fontsize=8)
    axes[0].set_title("IIC on digits")
    from scipy.optimize import linear_sum_assignment

    y, pred = result["labels"], result["predictions"]
    counts = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(counts, (pred, y), 1)
    rows, cols = linear_sum_assignment(-counts)
    order = rows[np.argsort(cols)]
    axes[1].imshow(counts[order], cmap="Blues")
    axes[1].set_xlabel("digit")
    axes[1].set_ylabel("cluster (matched)")
    axes[1].set_title(f"accuracy {result['accuracy']:.3f}, NMI {result['nmi']:.3f}")
    fig.tight_layout()
    path = out_dir / "iic_digits.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train and evaluate; write ``metrics.json`` and ``iic_digits.png`` in ``out_dir``.

    ``epochs`` counts passes of the batch size over the 1797 images (one step of 600
    images is a third of an epoch); the default is 200 epochs (600 steps), 40 with
    ``quick``.
    """
    from .. import losses  # noqa: F401  (fail early if torch is missing)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=200, short=40)
    batch = 600
    steps = max(1, round(n_epochs * 1797 / batch))
    with Timer() as t_km:
        from ..datasets import load_digits

        x, y = load_digits()
        km = kmeans_accuracy(x, y, seed)
    result = train_iic_digits(steps=steps, batch_size=batch, seed=seed, device=device, progress=progress, eval_every=max(1, steps // 12))
    metrics = {
        "demo": "iic-digits",
        "accuracy": result["accuracy"],
        "nmi": result["nmi"],
        "kmeans_accuracy": km,
        "goal_accuracy": 0.90,
        "subhead_accuracies": result["subhead_accuracies"],
        "mi_nats": result["mi_nats"],
        "pairs": result["pairs"],
        "lamb": result["lamb"],
        "epochs": n_epochs,
        "steps": result["steps"],
        "seconds": result["train_seconds"],
        "seconds_per_epoch": result["train_seconds"] / n_epochs,
        "kmeans_seconds": t_km.seconds,
        "nonfinite_steps": result["nonfinite_steps"],
        "device": device_name(device),
        "seed": seed,
    }
    _figure(out, result, km)
    write_metrics(out, metrics)
    return metrics
