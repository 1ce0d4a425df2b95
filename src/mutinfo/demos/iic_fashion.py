"""IIC clustering of Fashion-MNIST, no labels used (Ji et al. 2019).

20,000 of the 60,000 training images (a seeded random subset: the exact neighbour
search below costs O(n^2)) are clustered by a network trained to maximise the mutual
information I(Z; Z') of the cluster assignments of paired views
(:class:`mutinfo.losses.IICLoss`, marginal-entropy weight ``lamb = 1.5``, 5 sub-heads,
an over-clustering head of 50 clusters, batches of 1024 pairs: with 512 the batch joint
table is too noisy and accuracy stalls near k-means'). A pair is one image and one of its 10
nearest neighbours in the space of the first 50 principal components of the pixels,
each randomly warped (rotation, scale, shift, noise, cut-out). The 10,000 test images,
never seen in training, are scored by accuracy under the best one-to-one matching of
clusters to classes, and by NMI; k-means on the same PCA features is the baseline.

Sized for a CPU: an MLP on the 784 pixels. Needs the Debian package
``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import Timer, device_name, hungarian_accuracy, matched_confusion, resolve_epochs, seed_everything, write_metrics
from ._iic import iic_mlp, nearest_neighbours, train_iic

__all__ = ["run", "train_iic_fashion"]

N_CLASSES, N_OVER, N_SUBHEADS = 10, 50, 5
PCA_DIM = 50


def _build_model() -> Any:
    return iic_mlp(784, (256, 256), n_subheads=N_SUBHEADS, n_classes=N_CLASSES, n_over=N_OVER)


def _pca(train: np.ndarray, test: np.ndarray, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, svd_solver="randomized", random_state=seed).fit(train)
    return pca.transform(train).astype(np.float32), pca.transform(test).astype(np.float32)


def train_iic_fashion(*, steps: int = 600, batch_size: int = 1024, n_train: int = 20000, k_neighbours: int = 10, lamb: float = 1.5, seed: int = 0,
                      device: str = "cpu", progress: bool | None = None, eval_every: int = 100, path: str | None = None) -> dict[str, Any]:
    """Train on ``n_train`` images of the training split, score on the test split; also returns k-means' accuracy.

    The neighbour search is exact and costs O(n_train^2), hence the subset.
    """
    import torch

    from ..datasets import load_fashion_mnist
    from ..datasets.augment import Augment
    from ..datasets.real import FASHION_MNIST_PATH

    seed_everything(seed)
    x_tr, _ = load_fashion_mnist("train", path or FASHION_MNIST_PATH)
    x_tr = x_tr[np.sort(np.random.default_rng(seed).choice(len(x_tr), size=min(n_train, len(x_tr)), replace=False))]
    x_te, y_te = load_fashion_mnist("test", path or FASHION_MNIST_PATH)
    x_tr = (x_tr / 255.0).astype(np.float32)
    x_te = (x_te / 255.0).astype(np.float32)
    with Timer() as t_prep:
        f_tr, f_te = _pca(x_tr.reshape(len(x_tr), -1), x_te.reshape(len(x_te), -1), PCA_DIM, seed)
        neighbours = nearest_neighbours(f_tr, k_neighbours)
    with Timer() as t_km:
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=N_CLASSES, n_init=10, random_state=seed).fit(f_tr)
        kmeans_acc = hungarian_accuracy(y_te, km.predict(f_te))
    augment = Augment(degrees=10.0, translate=0.08, scale=(0.9, 1.1), shear=5.0, brightness=0.05, contrast=0.2, noise=0.03,
                      erase=0.3, erase_size=0.3, seed=seed, device=torch.device(device).type)
    result = train_iic(x_tr[:, None], _build_model(), augment, x_eval=x_te[:, None], y_eval=y_te, neighbours=neighbours, steps=steps,
                       batch_size=batch_size, lamb=lamb, seed=seed, device=device, progress=progress, eval_every=eval_every, alternate=False,
                       desc="iic-fashion")
    result.update(kmeans_accuracy=kmeans_acc, prep_seconds=t_prep.seconds, kmeans_seconds=t_km.seconds, n_train=len(x_tr))
    return result


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool | None = None) -> dict[str, Any]:
    """Train and evaluate; write ``metrics.json`` and ``iic_fashion.png`` in ``out_dir``.

    One epoch is 20 steps of 1024 (paired) images, about the 20,000 training images
    used; default 30 epochs, 3 with ``quick``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=30, short=3)
    steps = n_epochs * 20
    r = train_iic_fashion(steps=steps, seed=seed, device=device, progress=progress, eval_every=max(1, steps // 12))
    metrics = {
        "demo": "iic-fashion",
        "accuracy": r["accuracy"],
        "nmi": r["nmi"],
        "kmeans_accuracy": r["kmeans_accuracy"],
        "goal_accuracy": 0.65,
        "subhead_accuracies": r["subhead_accuracies"],
        "mi_nats": r["mi_nats"],
        "pairs": r["pairs"],
        "lamb": r["lamb"],
        "epochs": n_epochs,
        "steps": steps,
        "seconds": r["train_seconds"],
        "seconds_per_epoch": r["train_seconds"] / n_epochs,
        "prep_seconds": r["prep_seconds"],
        "nonfinite_steps": r["nonfinite_steps"],
        "evaluated_on": "test split (10000 images)",
        "device": device_name(device),
        "seed": seed,
    }
    _figure(out, r)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, r: dict[str, Any]) -> None:

    from ..datasets.real import FASHION_MNIST_CLASSES
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    hist = r["history"]
    axes[0].plot([h["step"] for h in hist], [h["accuracy"] for h in hist], marker="o", label="IIC (test accuracy)")
    axes[0].axhline(r["kmeans_accuracy"], color="gray", ls="--", label=f"k-means {r['kmeans_accuracy']:.3f}")
    axes[0].axhline(0.65, color="green", ls=":", label="goal 0.65")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("accuracy (Hungarian)")
    axes[0].legend(fontsize=8)
    axes[0].set_title("IIC on Fashion-MNIST")
    axes[1].imshow(matched_confusion(r["labels"], r["predictions"]), cmap="Blues")
    axes[1].set_xticks(range(N_CLASSES), FASHION_MNIST_CLASSES, rotation=60, fontsize=7)
    axes[1].set_ylabel("cluster (matched)")
    axes[1].set_title(f"accuracy {r['accuracy']:.3f}, NMI {r['nmi']:.3f}")
    fig.tight_layout()
    fig.savefig(out / "iic_fashion.png", dpi=100)
    plt.close(fig)
