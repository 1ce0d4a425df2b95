"""Information plane of tanh vs ReLU networks on the 12-bit task (Saxe et al. 2018 contrast).

Two networks 12-10-7-5-4-3-2 that differ only in their hidden activation (tanh or
ReLU) are trained with the same seed, data split and optimiser on the 12-bit task of
Shwartz-Ziv & Tishby (2017) (:func:`mutinfo.datasets.twelve_bit`). An
:class:`~mutinfo.monitor.InformationPlane` with the binning estimator (bins of width
2/30, i.e. 30 bins over tanh's range [-1, 1], the same width for ReLU) records
I(X;T) and I(T;Y) of every hidden layer on all 4096 inputs at about 30 epochs
spread geometrically over training.

Saxe et al. (2018) found that the late "compression" phase (I(X;T) falling after
an initial rise) appears with saturating tanh units and not with ReLU units under
binning. The demo reports, for each layer, I(X;T) at the start, at its peak and at
the end, and the compression ``peak - final`` in bits. The contrast is reproduced
when the largest compression of a tanh layer is at least ``COMPRESSION_BITS`` and at
least ``CONTRAST_RATIO`` times the largest compression of a ReLU layer (ReLU layers
wander by a fraction of a bit late in training without a compression phase).

Writes ``metrics.json``, ``history.csv`` (one row per layer and record) and
``information_plane.png`` (the two planes side by side).
"""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["run", "build_network", "COMPRESSION_BITS", "CONTRAST_RATIO"]

LAYER_SIZES = (12, 10, 7, 5, 4, 3)
N_CLASSES = 2
TRAIN_FRACTION = 0.85  # as in Shwartz-Ziv & Tishby (2017)
BIN_SIZE = 2.0 / 30.0  # 30 bins over [-1, 1]
LEARNING_RATE = 3e-3
BATCH_SIZE = 256
DEFAULT_EPOCHS = 2000
QUICK_EPOCHS = 150
N_RECORDS = 30
# Criterion of the contrast: tanh compresses by at least this many bits, and this many times more than ReLU.
COMPRESSION_BITS = 1.0
CONTRAST_RATIO = 2.0


def build_network(activation: str, seed: int) -> Any:
    """The 12-10-7-5-4-3-2 network with ``activation`` ("tanh" or "relu") after each hidden layer."""
    import torch

    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    torch.manual_seed(seed)
    modules: list[Any] = []
    names = []
    for i, (a, b) in enumerate(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:])):
        modules += [torch.nn.Linear(a, b), act()]
        names.append(f"{2 * i + 1}")
    modules.append(torch.nn.Linear(LAYER_SIZES[-1], N_CLASSES))
    net = torch.nn.Sequential(*modules)
    return net, {f"L{i + 1} ({LAYER_SIZES[i + 1]})": n for i, n in enumerate(names)}


def _record_epochs(epochs: int) -> list[int]:
    return sorted({0, *np.unique(np.round(np.geomspace(1, epochs, N_RECORDS)).astype(int)).tolist()})


def _train(activation: str, *, x: Any, y: Any, train_idx: np.ndarray, test_idx: np.ndarray, epochs: int, seed: int, device: str, progress: bool) -> dict[str, Any]:
    import torch

    from ..monitor import BinningEstimator, InformationPlane, MutualInformationMetric
    from .._progress import progress as progress_bar

    net, layers = build_network(activation, seed)
    net.to(device)
    xd, yd = x.to(device), y.to(device)
    plane = InformationPlane(net, layers=layers, x=xd, y=y, estimator=BinningEstimator(bin_size=BIN_SIZE), base=2)
    opt = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    xtr, ytr = xd[train_idx], yd[train_idx]
    gen = torch.Generator().manual_seed(seed)
    when = set(_record_epochs(epochs))
    start = time.perf_counter()
    bar = progress_bar(total=epochs, desc=f"information-plane {activation}", enabled=progress)
    try:
        for epoch in range(epochs + 1):
            if epoch in when:
                plane.record(epoch=epoch)
            if epoch == epochs:
                break
            net.train()
            order = torch.randperm(len(train_idx), generator=gen).to(device)
            for s in range(0, len(train_idx), BATCH_SIZE):
                b = order[s : s + BATCH_SIZE]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xtr[b]), ytr[b])
                loss.backward()
                opt.step()
            bar.update(1)
    finally:
        bar.close()
        plane.remove()
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        out = net(xd)
    pred = out.argmax(1)
    metric = MutualInformationMetric(N_CLASSES, base=2)
    metric.update(out[test_idx], yd[test_idx])
    test_info = metric.compute_all()
    layer_stats = {}
    for name in layers:
        rows = [r for r in plane.history if r["layer"] == name]
        ixt = np.array([r["i_xt"] for r in rows])
        peak = int(np.argmax(ixt))
        layer_stats[name] = {
            "i_xt_initial": float(ixt[0]),
            "i_xt_peak": float(ixt[peak]),
            "peak_epoch": int(rows[peak]["epoch"]),
            "i_xt_final": float(ixt[-1]),
            "compression_bits": float(ixt[peak] - ixt[-1]),
            "i_ty_final": float(rows[-1]["i_ty"]),
        }
    return {
        "plane": plane,
        "metrics": {
            "train_accuracy": float((pred[train_idx] == yd[train_idx]).float().mean()),
            "test_accuracy": float((pred[test_idx] == yd[test_idx]).float().mean()),
            "test_mi_y_yhat_bits": float(test_info["mi"]),
            "test_nmi": float(test_info["nmi"]),
            "max_compression_bits": max(s["compression_bits"] for s in layer_stats.values()),
            "layers": layer_stats,
            "seconds": seconds,
        },
    }


def run(out_dir: Any, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Train the tanh and ReLU networks, record their information planes, write the outputs.

    Parameters
    ----------
    out_dir : path
        Folder for metrics.json, history.csv and information_plane.png.
    device : str
        "cpu" or a CUDA device.
    epochs : int, optional
        Training epochs per network (default 2000; 150 with ``quick``).
    quick : bool
        A short run, for checks (too short for the compression phase to show).
    seed : int
        Seeds the data split, the weights and the batch order.
    progress : bool
        Progress bars over epochs.

    Returns
    -------
    dict
        The content of metrics.json: per network the accuracies, I(Y;Yhat) on the
        test split, and per layer I(X;T) at start, peak and end and the compression;
        ``contrast_reproduced`` says whether tanh compresses and ReLU does not.
    """
    import torch

    from ..datasets import twelve_bit
    from ..monitor import plot_information_plane
    from .._threads import torch_threads
    from ..plot import require_matplotlib

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = epochs if epochs is not None else (QUICK_EPOCHS if quick else DEFAULT_EPOCHS)
    x_np, y_np, h_y = twelve_bit()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y_np))
    n_train = int(round(TRAIN_FRACTION * len(y_np)))
    train_idx, test_idx = np.sort(perm[:n_train]), np.sort(perm[n_train:])
    x, y = torch.tensor(x_np), torch.tensor(y_np)

    # A 12-10-7-5-4-3-2 network trains fastest on one thread.
    with torch_threads(1 if device == "cpu" else torch.get_num_threads()):
        results = {
            act: _train(act, x=x, y=y, train_idx=train_idx, test_idx=test_idx, epochs=n_epochs, seed=seed, device=device, progress=progress)
            for act in ("tanh", "relu")
        }

    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.0))
    for ax, (act, res) in zip(axes, results.items()):
        m = res["metrics"]
        plot_information_plane(
            res["plane"].history, ax=ax, unit="bits", color_scale="log",
            title=f"{act}: max compression {m['max_compression_bits']:.2f} bits, test acc {m['test_accuracy']:.3f}",
        )
    fig.suptitle(f"12-bit task, binning (bin size {BIN_SIZE:.4f}), {n_epochs} epochs, seed {seed}", fontsize=10)
    fig.tight_layout()
    figure = out / "information_plane.png"
    fig.savefig(figure, dpi=90)
    plt.close(fig)

    with open(out / "history.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["network", "epoch", "layer", "i_xt_bits", "i_ty_bits", "bin_size", "n_cells"])
        for act, res in results.items():
            for r in res["plane"].history:
                writer.writerow([act, r["epoch"], r["layer"], f"{r['i_xt']:.6f}", f"{r['i_ty']:.6f}", f"{r['bin_size']:.6f}", r["n_cells"]])

    tanh_c = results["tanh"]["metrics"]["max_compression_bits"]
    relu_c = results["relu"]["metrics"]["max_compression_bits"]
    metrics = {
        "task": "12-bit (Shwartz-Ziv & Tishby 2017), 4096 inputs",
        "h_y_bits": h_y / math.log(2),
        "estimator": "binning",
        "bin_size": BIN_SIZE,
        "epochs": n_epochs,
        "seed": seed,
        "device": device,
        "networks": {act: res["metrics"] for act, res in results.items()},
        "tanh_max_compression_bits": tanh_c,
        "relu_max_compression_bits": relu_c,
        "contrast_reproduced": bool(tanh_c >= COMPRESSION_BITS and tanh_c >= CONTRAST_RATIO * relu_c),
        "figure": str(figure),
    }
    with open(out / "metrics.json", "w") as fh:
        json.dump(metrics, fh, indent=2)
    return metrics
