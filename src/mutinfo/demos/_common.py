"""Helpers shared by the training demos: seeding, clustering accuracy, metrics files, timing."""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Timer", "balanced_accuracy", "device_name", "hungarian_accuracy", "nmi", "resolve_epochs", "seed_everything",
    "shuffled_batches", "write_metrics",
]


def seed_everything(seed: int) -> Any:
    """Seed torch (CPU and CUDA) and return a NumPy Generator with the same seed."""
    import torch

    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def shuffled_batches(n: int, size: int, rng: np.random.Generator, device: Any = "cpu", drop_last: bool = False) -> list[Any]:
    """One epoch of minibatches: row indices 0..n-1 in an order drawn from ``rng``, cut into
    index tensors of ``size`` rows on ``device`` (the last one shorter, or dropped with ``drop_last``)."""
    import torch

    perm = torch.as_tensor(rng.permutation(n), device=device)
    stop = n - size + 1 if drop_last else n
    return [perm[start : start + size] for start in range(0, stop, size)]


def matched_confusion(y_true: Any, y_pred: Any) -> np.ndarray:
    """Cluster-by-class count table with its rows matched to the classes (Hungarian method).

    Row c is the cluster matched to class c, so the matched counts lie on the diagonal;
    with more clusters than classes the table is square over the larger number and the
    unmatched clusters' rows hold errors. Cost O(n + k^3) for k clusters and classes.
    """
    from scipy.optimize import linear_sum_assignment

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (y_pred, y_true), 1)
    rows, cols = linear_sum_assignment(-counts)
    return counts[rows[np.argsort(cols)]]


def hungarian_accuracy(y_true: Any, y_pred: Any) -> float:
    """Clustering accuracy: the best one-to-one matching of clusters to classes (Hungarian method).

    Clusters left unmatched (more clusters than classes) count as errors.
    """
    return float(np.trace(matched_confusion(y_true, y_pred)) / np.asarray(y_true).shape[0])


def nmi(y_true: Any, y_pred: Any) -> float:
    """Normalised mutual information I(Y; C) / sqrt(H(Y) H(C)) of labels and clusters (plug-in)."""
    import mutinfo as mi

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    i = mi.mutual_information(y_true, y_pred, method="plugin", discrete=True)
    h = math.sqrt(mi.entropy(y_true, method="plugin", discrete=True) * mi.entropy(y_pred, method="plugin", discrete=True))
    return float(i / h) if h > 0 else 0.0


def balanced_accuracy(y_true: Any, y_pred: Any) -> float:
    """Mean over classes of the per-class recall."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean([(y_pred[y_true == c] == c).mean() for c in np.unique(y_true)]))


def resolve_epochs(epochs: int | None, quick: bool, full: int, short: int) -> int:
    """The demo's epochs: the user's, else ``short`` when quick, else ``full``."""
    if epochs is not None:
        return int(epochs)
    return short if quick else full


def device_name(device: str) -> str:
    """A description of the hardware, for the metrics file."""
    import torch

    if str(device).startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def write_metrics(out_dir: str | Path, metrics: dict[str, Any]) -> Path:
    """Write ``metrics.json`` in ``out_dir`` (created if needed) and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "metrics.json"
    path.write_text(json.dumps(metrics, indent=2, default=float) + "\n")
    return path


class Timer:
    """Wall-clock seconds of a block: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def continuous_mi(a: Any, b: Any, *, seed: int = 0) -> tuple[float, str]:
    """I(A; B) in nats of continuous samples with the KSG estimator (k=3), and the method's name."""
    import mutinfo as mi

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(mi.mutual_information(a, b, method="ksg", k=3, random_state=seed)), "ksg"


def mean_and_standard_error(values: Any) -> tuple[float, float | None]:
    """Mean of results over seeds and its standard error, ``sd / sqrt(n)`` with the sample SD (ddof = 1).

    With one value the standard error is undefined: None (``null`` in metrics.json), never NaN.
    """
    a = np.asarray(values, dtype=np.float64)
    if a.size < 2:
        return float(a.mean()), None
    return float(a.mean()), float(a.std(ddof=1) / np.sqrt(a.size))
