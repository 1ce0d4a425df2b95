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

from pathlib import Path
from typing import Any

import numpy as np

from ._common import Timer, device_name, hungarian_accuracy, matched_confusion, resolve_epochs, seed_everything, write_metrics
from ._iic import iic_mlp, nearest_neighbours, train_iic

__all__ = ["kmeans_accuracy", "run", "train_iic_digits"]

N_CLASSES = 10
N_OVER = 50  # clusters of the over-clustering head
N_SUBHEADS = 5


def _build_model(n_subheads: int) -> Any:
    # An MLP on the 64 pixels: on 8x8 images it clusters as well as a small
    # convolutional trunk at a fraction of the cost on a CPU.
    return iic_mlp(64, (512, 256), n_subheads=n_subheads, n_classes=N_CLASSES, n_over=N_OVER)


def kmeans_accuracy(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Hungarian accuracy of k-means (10 clusters, 10 restarts) on the raw pixels."""
    from sklearn.cluster import KMeans

    pred = KMeans(n_clusters=N_CLASSES, n_init=10, random_state=seed).fit_predict(x.reshape(len(x), -1))
    return hungarian_accuracy(y, pred)


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
    """Train the IIC clusterer on the digits and evaluate it on all 1797; returns metrics and curves.

    One step draws ``batch_size`` images, makes their paired views, and takes one Adam
    step on the main head's IIC loss and one on the over-clustering head's (the
    alternation of Ji et al.). The reported head is the sub-head with the lowest main
    loss, chosen without labels. See :func:`mutinfo.demos._iic.train_iic`.
    """
    import torch

    from ..datasets import load_digits
    from ..datasets.augment import Augment

    if pairs not in ("augment", "neighbours"):
        from .._errors import param_error

        raise param_error("train_iic_digits", "pairs", "'augment' or 'neighbours'", pairs)
    seed_everything(seed)
    x_np, y_np = load_digits()
    x = x_np[:, None]
    neighbours = nearest_neighbours(x_np.reshape(len(x_np), -1), k_neighbours) if pairs == "neighbours" else None
    augment = Augment(degrees=12.0, translate=0.08, scale=(0.9, 1.1), shear=8.0, brightness=0.05, contrast=0.15, noise=0.05, seed=seed, device=torch.device(device).type)
    return train_iic(x, _build_model(N_SUBHEADS), augment, x_eval=x, y_eval=y_np, neighbours=neighbours, steps=steps, batch_size=batch_size,
                     lr=lr, lamb=lamb, seed=seed, device=device, progress=progress, eval_every=eval_every, select_size=len(x), desc="iic-digits")


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
    axes[1].imshow(matched_confusion(result["labels"], result["predictions"]), cmap="Blues")
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
