"""MI feature selection side by side: mutinfo's MISelector vs mrmr-selection and SelectKBest(mutual_info_classif).

For each data set the selectors rank features on the training split; a 5-nearest-
neighbour classifier (the usual downstream model of feature-selection studies, e.g.
Brown et al. 2012 use 3-NN) is trained on the first K ranked features and scored on
the test split, for several K. Both data sets are pixels on a common scale, so the
features are used as they are. Greedy selection is
prefix-consistent (the first K of a ranking of K_max features is the ranking of K
features), so every selector ranks K_max features once and the time reported is
that run. Peers:

* ``mrmr_selection`` (PyPI ``mrmr_selection``, ``mrmr.mrmr_classif``): mRMR with its
  defaults, F-statistic relevance and Pearson-correlation redundancy, parallel over
  all cores (``n_jobs=-1``); MISelector runs on one core;
* ``SelectKBest(mutual_info_classif)`` (scikit-learn): univariate k-NN MI ranking.

Data: scikit-learn's digits (8x8 images, 17 grey levels, treated as discrete) and
Fashion-MNIST pixels (28x28, read from the IDX files of the ``dataset-fashion-mnist``
system package, ``/usr/share/datasets/fashion-mnist``; continuous, binned by
MISelector into quantile bins).

Run:  python benchmarks/selection.py [--quick] [--fashion-dir DIR]
Writes benchmarks/results/selection.md and prints the same markdown.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import struct
import sys
import time
from pathlib import Path

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
RESULTS = Path(__file__).resolve().parent / "results" / "selection.md"


def read_idx(path: str) -> np.ndarray:
    """A (gzipped) IDX file as a NumPy array (the MNIST container format)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        zero, dtype_code, ndim = struct.unpack(">HBB", fh.read(4))
        if zero != 0 or dtype_code != 0x08:
            raise ValueError(f"{path} is not an unsigned-byte IDX file")
        shape = struct.unpack(">" + "I" * ndim, fh.read(4 * ndim))
        return np.frombuffer(fh.read(), dtype=np.uint8).reshape(shape)


def load_fashion(folder: str, n_train: int, n_test: int, seed: int) -> tuple | None:
    names = {
        "xtr": "train-images-idx3-ubyte.gz",
        "ytr": "train-labels-idx1-ubyte.gz",
        "xte": "t10k-images-idx3-ubyte.gz",
        "yte": "t10k-labels-idx1-ubyte.gz",
    }
    paths = {k: os.path.join(folder, v) for k, v in names.items()}
    if not all(os.path.exists(p) for p in paths.values()):
        print(f"Fashion-MNIST not found in {folder}; install it with: apt-get install dataset-fashion-mnist", file=sys.stderr)
        return None
    xtr, ytr = read_idx(paths["xtr"]).reshape(-1, 784), read_idx(paths["ytr"]).astype(np.int64)
    xte, yte = read_idx(paths["xte"]).reshape(-1, 784), read_idx(paths["yte"]).astype(np.int64)
    rng = np.random.default_rng(seed)
    tr = rng.choice(len(ytr), n_train, replace=False)
    te = rng.choice(len(yte), n_test, replace=False)
    # Pixels as floats: 256 grey levels are treated as a continuous intensity.
    return xtr[tr].astype(np.float64), ytr[tr], xte[te].astype(np.float64), yte[te]


def load_digits_split(seed: int) -> tuple:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X.astype(np.int64), y, test_size=0.3, stratify=y, random_state=seed)
    return Xtr, ytr, Xte, yte


def accuracy(Xtr, ytr, Xte, yte, columns) -> float:
    from sklearn.neighbors import KNeighborsClassifier

    clf = KNeighborsClassifier(n_neighbors=5)
    clf.fit(Xtr[:, columns], ytr)
    return float((clf.predict(Xte[:, columns]) == yte).mean())


def rank_mutinfo(method, Xtr, ytr, k_max, discrete, seed):
    from mutinfo.selection import MISelector

    sel = MISelector(method=method, n_features_to_select=k_max, estimator="binning", discrete_features=discrete, n_bins=8, random_state=seed, progress=False)
    start = time.perf_counter()
    sel.fit(Xtr, ytr)
    return list(sel.selection_order_), time.perf_counter() - start


def rank_mrmr_selection(Xtr, ytr, k_max):
    try:
        import mrmr
        import pandas as pd
    except ImportError:
        return None, None
    frame = pd.DataFrame(Xtr.astype(np.float64), columns=[f"c{j}" for j in range(Xtr.shape[1])])
    target = pd.Series(ytr)
    start = time.perf_counter()
    chosen = mrmr.mrmr_classif(X=frame, y=target, K=k_max, show_progress=False)
    seconds = time.perf_counter() - start
    return [int(c[1:]) for c in chosen], seconds


def rank_select_k_best(Xtr, ytr, k_max, discrete, seed):
    from sklearn.feature_selection import mutual_info_classif

    start = time.perf_counter()
    scores = mutual_info_classif(Xtr, ytr, discrete_features=discrete, random_state=seed)
    seconds = time.perf_counter() - start
    return list(np.argsort(-scores, kind="stable")[:k_max]), seconds


def run_dataset(name, Xtr, ytr, Xte, yte, ks, discrete, seed) -> list[dict]:
    k_max = max(ks)
    rankings: dict[str, tuple] = {}
    for method in ("mi", "mrmr", "jmi", "cmim"):
        print(f"[{name}] mutinfo {method} ...", file=sys.stderr, flush=True)
        rankings[f"mutinfo MISelector({method})"] = rank_mutinfo(method, Xtr, ytr, k_max, discrete, seed)
    print(f"[{name}] mrmr_selection ...", file=sys.stderr, flush=True)
    rankings["mrmr_selection mrmr_classif (F / corr.)"] = rank_mrmr_selection(Xtr, ytr, k_max)
    print(f"[{name}] SelectKBest(mutual_info_classif) ...", file=sys.stderr, flush=True)
    rankings["sklearn SelectKBest(mutual_info_classif)"] = rank_select_k_best(Xtr, ytr, k_max, discrete, seed)
    rng = np.random.default_rng(seed)
    random_sets = [rng.permutation(Xtr.shape[1])[:k_max] for _ in range(5)]
    rows = []
    for label, (ranking, seconds) in rankings.items():
        if ranking is None:
            rows.append({"dataset": name, "selector": label, "seconds": None, "acc": {k: None for k in ks}})
            continue
        rows.append({"dataset": name, "selector": label, "seconds": seconds, "acc": {k: accuracy(Xtr, ytr, Xte, yte, ranking[:k]) for k in ks}})
    rows.append({
        "dataset": name, "selector": "random features (mean of 5)", "seconds": None,
        "acc": {k: float(np.mean([accuracy(Xtr, ytr, Xte, yte, list(s[:k])) for s in random_sets])) for k in ks},
    })
    rows.append({"dataset": name, "selector": f"all {Xtr.shape[1]} features", "seconds": None, "acc": {k: accuracy(Xtr, ytr, Xte, yte, list(range(Xtr.shape[1]))) for k in ks[:1]}})
    return rows


def markdown(rows, ks_by_dataset, header) -> str:
    lines = [header, ""]
    for name, ks in ks_by_dataset.items():
        sub = [r for r in rows if r["dataset"] == name]
        ref = {r["selector"].split("(")[1].rstrip(")"): r["seconds"] for r in sub if r["selector"].startswith("mutinfo") and r["seconds"]}
        lines.append(f"**{name}** (test accuracy of a 5-NN classifier on the first K ranked features; "
                     f"time to rank K = {max(ks)} features)")
        lines.append("")
        lines.append("| selector | " + " | ".join(f"K={k}" for k in ks) + " | time (s) | peer time / mutinfo time |")
        lines.append("|---|" + "---:|" * len(ks) + "---:|---:|")
        for r in sub:
            accs = " | ".join("" if r["acc"].get(k) is None else f"{r['acc'][k]:.3f}" for k in ks)
            if r["selector"].startswith("all "):
                accs = " | ".join(f"{r['acc'][ks[0]]:.3f}" if i == 0 else "" for i in range(len(ks)))
            sec = "" if r["seconds"] is None else f"{r['seconds']:.2f}"
            ratio = ""
            if r["seconds"] and r["selector"].startswith("mrmr_selection") and ref.get("mrmr"):
                ratio = f"{r['seconds'] / ref['mrmr']:.2f} (vs MISelector(mrmr))"
            if r["seconds"] and r["selector"].startswith("sklearn") and ref.get("mi"):
                ratio = f"{r['seconds'] / ref['mi']:.2f} (vs MISelector(mi))"
            lines.append(f"| {r['selector']} | {accs} | {sec} | {ratio} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="digits only, and a 3000-image Fashion-MNIST subset")
    parser.add_argument("--fashion-dir", default=FASHION_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()

    rows: list[dict] = []
    ks_by = {}
    Xtr, ytr, Xte, yte = load_digits_split(args.seed)
    ks_by["digits"] = [5, 10, 20]
    rows += run_dataset("digits", Xtr, ytr, Xte, yte, ks_by["digits"], discrete=True, seed=args.seed)
    n_train, n_test = (3000, 2000) if args.quick else (10000, 5000)
    fashion = load_fashion(args.fashion_dir, n_train, n_test, args.seed)
    if fashion is not None:
        name = f"Fashion-MNIST ({n_train} train / {n_test} test images)"
        ks_by[name] = [10, 20, 50]
        rows += run_dataset(name, *fashion, ks_by[name], discrete=False, seed=args.seed)
    import sklearn

    try:
        from importlib.metadata import version

        peer = f"mrmr_selection {version('mrmr_selection')}"
    except Exception:  # noqa: BLE001 - the peer may be absent
        peer = "mrmr_selection (not installed)"
    header = (
        f"## MI feature selection benchmark\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, {peer}. Seed {args.seed}. "
        f"MISelector: estimator='binning' (plug-in on pixel values for digits, 8 quantile bins for Fashion-MNIST); "
        f"digits split 70/30 stratified."
    )
    text = markdown(rows, ks_by, header)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
