"""Text classification of fortunes: MI feature selection, DiscreteMILoss on imbalanced classes, I(Y; Y_hat).

Ten categories of the fortunes corpus (:func:`mutinfo.datasets.fortunes`): art,
computers, definitions, food, law, literature, people, politics, science, sports,
about 5,900 texts with an imbalance of 8.5 between the largest class (people, 1,251)
and the smallest (sports, 147). A stratified 75/25 split; binary bag-of-words
(scikit-learn's ``CountVectorizer(binary=True, min_df=2)``) fitted on the training texts.

(a) Feature selection: :class:`mutinfo.selection.MISelector` (methods ``mi``, ``mrmr``,
    ``jmi``, plug-in counts from the sparse matrix) at K = 100 and 1000 terms, against
    ``SelectKBest(chi2)`` and against all terms; downstream a multinomial naive Bayes
    (alpha = 0.1), test accuracy and balanced accuracy.
(b) A small neural classifier (bag-of-words -> 128 ReLU -> 10) trained with
    cross-entropy, and with cross-entropy + ``DiscreteMILoss`` (minus I(Y; Y_hat) of the
    batch table of labels and softmax outputs), balanced accuracy on the test split as
    mean ± standard error over 5 seeds.
(c) ``MutualInformationMetric``: I(Y; Y_hat) in nats and per-class (one-vs-rest) MI of
    each trained model on the test split.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import Timer, balanced_accuracy, device_name, resolve_epochs, seed_everything, shuffled_batches, write_metrics

__all__ = ["CATEGORIES", "run"]

CATEGORIES = ("art", "computers", "definitions", "food", "law", "literature", "people", "politics", "science", "sports")
ALPHA = 1.0  # weight of the DiscreteMILoss term
SEEDS = 5
HIDDEN = 128


def _data(quick: bool, seed: int) -> dict[str, Any]:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.model_selection import train_test_split

    from ..datasets import fortunes

    data = fortunes(list(CATEGORIES))
    idx_tr, idx_te = train_test_split(np.arange(len(data.texts)), test_size=0.25, stratify=data.labels, random_state=seed)
    vec = CountVectorizer(binary=True, min_df=3 if quick else 2)
    x_tr = vec.fit_transform([data.texts[i] for i in idx_tr]).astype(np.float32).tocsr()
    x_te = vec.transform([data.texts[i] for i in idx_te]).astype(np.float32).tocsr()
    return {"x": x_tr, "y": data.labels[idx_tr], "x_test": x_te, "y_test": data.labels[idx_te], "categories": data.categories,
            "vocabulary": len(vec.vocabulary_)}


def _nb_scores(x: Any, y: np.ndarray, x_test: Any, y_test: np.ndarray) -> dict[str, float]:
    from sklearn.naive_bayes import MultinomialNB

    pred = MultinomialNB(alpha=0.1).fit(x, y).predict(x_test)
    return {"accuracy": float((pred == y_test).mean()), "balanced_accuracy": balanced_accuracy(y_test, pred)}


def _selection(data: dict[str, Any], ks: tuple[int, ...], quick: bool, progress: bool | None) -> dict[str, Any]:
    from sklearn.feature_selection import SelectKBest, chi2

    from ..selection import MISelector

    x, y, x_te, y_te = data["x"], data["y"], data["x_test"], data["y_test"]
    rows: dict[str, Any] = {"all": {"k": data["vocabulary"], **_nb_scores(x, y, x_te, y_te)}}
    kmax = max(ks)
    for method in ("mi", "mrmr", "jmi"):
        with Timer() as t:
            sel = MISelector(method=method, n_features_to_select=kmax, estimator="plugin", progress=progress).fit(x, y)
        order = sel.selection_order_  # greedy selection is prefix-consistent: the first K of K_max
        for k in ks:
            cols = np.sort(order[:k])
            rows[f"{method}@{k}"] = {"k": k, "seconds_for_kmax": t.seconds, **_nb_scores(x[:, cols], y, x_te[:, cols], y_te)}
    for k in ks:
        sel = SelectKBest(chi2, k=k).fit(x, y)
        cols = np.flatnonzero(sel.get_support())
        rows[f"chi2@{k}"] = {"k": k, **_nb_scores(x[:, cols], y, x_te[:, cols], y_te)}
    return rows


def _train(data: dict[str, Any], use_mi: bool, seed: int, epochs: int, device: str) -> dict[str, Any]:
    import torch
    from torch import nn

    from ..losses import DiscreteMILoss
    from ..monitor import MutualInformationMetric

    c = len(data["categories"])
    rng = seed_everything(seed)
    x = torch.as_tensor(data["x"].toarray(), device=device)
    y = torch.as_tensor(data["y"], device=device)
    model = nn.Sequential(nn.Linear(x.shape[1], HIDDEN), nn.ReLU(), nn.Dropout(0.5), nn.Linear(HIDDEN, c)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    mi_loss = DiscreteMILoss(num_classes=c)
    for _ in range(epochs):
        model.train()
        for idx in shuffled_batches(x.shape[0], 128, rng, device, drop_last=True):
            logits = model(x[idx])
            loss = nn.functional.cross_entropy(logits, y[idx])
            if use_mi:
                loss = loss + ALPHA * mi_loss(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(data["x_test"].toarray(), device=device))
    pred = logits.argmax(1).cpu().numpy()
    metric = MutualInformationMetric(num_classes=c)
    metric.update(logits.cpu(), torch.as_tensor(data["y_test"]))
    info = metric.compute_all()
    return {"balanced_accuracy": balanced_accuracy(data["y_test"], pred), "accuracy": float((pred == data["y_test"]).mean()),
            "mi_nats": float(info["mi"]), "nmi": float(info["nmi"]), "per_class_mi_nats": info["per_class"].tolist(),
            "h_target_nats": float(info["h_target"])}


def _neural(data: dict[str, Any], epochs: int, seeds: int, device: str, progress: bool | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with progress_bar(total=2 * seeds, desc="text classifiers", enabled=progress) as bar:
        for name, use_mi in (("ce", False), ("ce+mi", True)):
            runs = []
            for s in range(seeds):
                runs.append(_train(data, use_mi, s, epochs, device))
                bar.update(1)
            bal = np.array([r["balanced_accuracy"] for r in runs])
            mis = np.array([r["mi_nats"] for r in runs])
            out[name] = {
                "balanced_accuracy_mean": float(bal.mean()), "balanced_accuracy_se": float(bal.std(ddof=1) / math.sqrt(seeds)),
                "balanced_accuracy": bal.tolist(), "accuracy_mean": float(np.mean([r["accuracy"] for r in runs])),
                "mi_nats_mean": float(mis.mean()), "mi_nats_se": float(mis.std(ddof=1) / math.sqrt(seeds)),
                "nmi_mean": float(np.mean([r["nmi"] for r in runs])),
                "per_class_mi_nats_mean": np.mean([r["per_class_mi_nats"] for r in runs], axis=0).tolist(),
                "h_target_nats": runs[0]["h_target_nats"],
            }
    return out


def run(out_dir: str | Path, *, device: str = "cpu", epochs: int | None = None, quick: bool = False, seed: int = 0,
        progress: bool | None = None) -> dict[str, Any]:
    """Selection table, neural classifiers, MI of predictions; write ``metrics.json`` and ``text_classify.png``.

    Full run: K in (100, 1000), 20 epochs, 5 seeds. ``quick``: K = 100 only (min_df=3),
    6 epochs, 2 seeds.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_epochs = resolve_epochs(epochs, quick, full=20, short=6)
    seeds = 2 if quick else SEEDS
    ks = (100,) if quick else (100, 1000)
    with Timer() as t_total:
        data = _data(quick, seed)
        counts = np.bincount(data["y"], minlength=len(CATEGORIES))
        selection = _selection(data, ks, quick, progress)
        neural = _neural(data, n_epochs, seeds, device, progress)
    metrics: dict[str, Any] = {
        "demo": "text-classify", "categories": list(data["categories"]), "n_train": int(data["y"].shape[0]),
        "n_test": int(data["y_test"].shape[0]), "vocabulary": data["vocabulary"], "train_class_counts": counts.tolist(),
        "imbalance_ratio": float(counts.max() / counts.min()), "chance_balanced_accuracy": 1.0 / len(CATEGORIES),
        "selection": selection, "neural": neural, "epochs": n_epochs, "seeds": seeds, "alpha": ALPHA,
        "seconds": t_total.seconds, "device": device_name(device), "seed": seed, "quick": quick,
    }
    _figure(out, metrics)
    write_metrics(out, metrics)
    return metrics


def _figure(out: Path, metrics: dict[str, Any]) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    sel = metrics["selection"]
    names = list(sel)
    ax = axes[0]
    ax.barh(names, [sel[n]["accuracy"] for n in names], color=["gray" if n == "all" else "tab:red" if n.startswith("chi2") else "tab:blue" for n in names])
    for i, n in enumerate(names):
        ax.text(sel[n]["accuracy"] + 0.005, i, f"{sel[n]['accuracy']:.3f}", va="center", fontsize=7)
    ax.set_xlabel("test accuracy (multinomial NB)")
    ax.set_title(f"(a) selected terms of {metrics['vocabulary']:,}", fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    neural = metrics["neural"]
    ax = axes[1]
    keys = list(neural)
    ax.bar(keys, [neural[k]["balanced_accuracy_mean"] for k in keys], yerr=[neural[k]["balanced_accuracy_se"] for k in keys],
           color=["tab:gray", "tab:green"], capsize=4)
    ax.axhline(metrics["chance_balanced_accuracy"], color="k", lw=0.6, ls=":")
    ax.set_ylabel(f"balanced accuracy (mean ± SE, {metrics['seeds']} seeds)")
    ax.set_title(f"(b) MLP, imbalance {metrics['imbalance_ratio']:.1f}", fontsize=9)
    ax = axes[2]
    cats = metrics["categories"]
    xs = np.arange(len(cats))
    for off, k, color in ((-0.2, "ce", "tab:gray"), (0.2, "ce+mi", "tab:green")):
        ax.bar(xs + off, neural[k]["per_class_mi_nats_mean"], width=0.4, color=color, label=f"{k}: I(Y;Ŷ)={neural[k]['mi_nats_mean']:.3f} nats")
    ax.set_xticks(xs, cats, rotation=60, fontsize=7)
    ax.set_ylabel("one-vs-rest I(1[Y=c]; 1[Ŷ=c]) (nats)")
    ax.set_title("(c) MutualInformationMetric on the test split", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "text_classify.png", dpi=100)
    plt.close(fig)
