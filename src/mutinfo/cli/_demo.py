"""``mutinfo demo``: estimators against known ground truth, printed as a table."""

from __future__ import annotations

import argparse
import math
import time
from typing import Any, Callable

import numpy as np


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the end-to-end demo on synthetic and embedded data",
        description="Every estimator family on data whose MI is known, printed as a table (task, method, estimate, "
        "true value, error, seconds), then a short IIC clustering of the 8x8 digits trained by maximising MI.",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--quick", action="store_true", help="smaller samples, for a fast check")
    p.add_argument("--no-training", action="store_true", help="skip the short IIC clustering run after the table")
    p.set_defaults(run=run)


def _binary_entropy(p: float) -> float:
    return -p * math.log(p) - (1 - p) * math.log(1 - p)


def estimator_rows(seed: int = 0, quick: bool = False) -> list[dict[str, Any]]:
    """Rows (task, method, estimate, truth, error, seconds) on data with known information, in nats."""
    import mutinfo as mi

    rng = np.random.default_rng(seed)
    scale = 0.2 if quick else 1.0
    rows: list[dict[str, Any]] = []

    def add(task: str, method: str, truth: float, fn: Callable[[], float]) -> None:
        start = time.perf_counter()
        value = fn()
        rows.append({"task": task, "method": method, "estimate": value, "truth": truth, "error": value - truth, "seconds": time.perf_counter() - start})

    # Binary symmetric channel with flip probability 0.1.
    n = int(20_000 * scale)
    x = rng.integers(0, 2, n)
    y = x ^ (rng.random(n) < 0.1)
    truth = math.log(2) - _binary_entropy(0.1)
    for m in ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb"):
        add(f"I(X;Y), binary channel, n={n}", m, truth, lambda m=m: mi.mutual_information(x, y, method=m))

    # Undersampled entropy: 200 draws of a uniform source over 100 symbols.
    u = rng.integers(0, 100, 200)
    for m in ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb"):
        add("H(X), 100 symbols, n=200", m, math.log(100), lambda m=m: mi.entropy(u, method=m))

    # XOR: Z = X xor Y; I(X;Z) = 0 but I(X;Z|Y) = 1 bit.
    n = int(5_000 * scale)
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    add(f"I(X;Z|Y), Z = X xor Y, n={n}", "plugin", math.log(2), lambda: mi.conditional_mutual_information(a, a ^ b, b, method="plugin"))

    # Correlated Gaussians: 2 + 2 dimensions, rho = 0.8 per pair.
    n = int(10_000 * scale)
    rho, dim = 0.8, 2
    gx = rng.standard_normal((n, dim))
    gy = rho * gx + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    truth = -0.5 * dim * math.log(1 - rho**2)
    add(f"I(X;Y), Gaussian 2+2-d rho=0.8, n={n}", "gaussian", truth, lambda: mi.mutual_information(gx, gy, method="gaussian"))
    add(f"I(X;Y), Gaussian 2+2-d rho=0.8, n={n}", "ksg", truth, lambda: mi.mutual_information(gx, gy, method="ksg", random_state=seed))
    add(f"I(X;Y), Gaussian 2+2-d rho=0.8, n={n}", "ksg2", truth, lambda: mi.mutual_information(gx, gy, method="ksg2", random_state=seed))

    # Differential entropy of a 2-d Gaussian with covariance [[1, 0.8], [0.8, 1]] (nats).
    cov_det = 1 - rho**2
    h_truth = math.log(2 * math.pi * math.e) + 0.5 * math.log(cov_det)
    add(f"H(X), Gaussian 2-d rho=0.8, n={n}", "kl", h_truth, lambda: mi.entropy(np.c_[gx[:, 0], gy[:, 0]], method="kl", random_state=seed))

    # Discrete-continuous mixture (Gao et al. 2017): X uniform on {0..4}, Y | X ~ U(X, X + 2).
    n = int(10_000 * scale)
    dx = rng.integers(0, 5, n).astype(float)
    dy = dx + 2 * rng.random(n)
    truth = math.log(5) - 0.8 * math.log(2)
    add(f"I(X;Y), X in {{0..4}}, Y|X ~ U(X, X+2), n={n}", "mixed", truth, lambda: mi.mutual_information(dx, dy, method="mixed", discrete=False))
    labels = dx.astype(int)
    add(f"I(X;Y), X in {{0..4}}, Y|X ~ U(X, X+2), n={n}", "ross", truth, lambda: mi.mutual_information(labels, dy, method="ross", random_state=seed))

    # High dimension: 5 + 5 dimensions, rho = 0.8 per pair, after a monotone distortion of every
    # coordinate (MI unchanged). A SMILE critic is trained on one split and the bound read on held-out rows.
    n = int(10_000 * scale)
    hx, hy, truth = mi.datasets.transform(mi.datasets.gaussian(n, dim=5, rho=0.8, random_state=rng), x=mi.datasets.half_cube)
    add(f"I(X;Y), half-cube Gaussian 5+5-d, n={n}", "smile", truth, lambda: mi.mutual_information(hx, hy, method="smile", random_state=seed))
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    head = ("task", "method", "estimate", "true", "error", "seconds")
    body = [
        (r["task"], r["method"], f"{r['estimate']:.4f}", f"{r['truth']:.4f}", f"{r['error']:+.4f}", f"{r['seconds']:.3f}")
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in body]
    return "\n".join(lines)


# Steps of the short IIC run (600 images each): 20 s on two idle CPU cores, about a minute when shared.
DEMO_IIC_STEPS = 300
DEMO_IIC_STEPS_QUICK = 40


def iic_summary(seed: int = 0, quick: bool = False) -> dict[str, Any]:
    """A short IIC clustering of the digits (labels unused) and the k-means baseline."""
    from ..datasets import load_digits
    from .._threads import torch_threads
    from ..demos.iic_digits import kmeans_accuracy, train_iic_digits

    x, y = load_digits()
    with torch_threads(1):  # a small MLP: one thread is fastest and immune to a busy machine
        result = train_iic_digits(steps=DEMO_IIC_STEPS_QUICK if quick else DEMO_IIC_STEPS, seed=seed)
    return {"accuracy": result["accuracy"], "nmi": result["nmi"], "kmeans_accuracy": kmeans_accuracy(x, y, seed),
            "steps": result["steps"], "seconds": result["train_seconds"]}


def run(args: argparse.Namespace) -> int:
    print("mutinfo demo: estimates against known ground truth (nats)\n")
    print(format_table(estimator_rows(args.seed, args.quick)))
    if not getattr(args, "no_training", False):
        print("\nTraining with MI: IIC clustering of the 1797 digits, no labels used (mutinfo.losses.IICLoss)")
        s = iic_summary(args.seed, args.quick)
        print(
            f"  accuracy {s['accuracy']:.3f} (Hungarian matching), NMI {s['nmi']:.3f}, after {s['steps']} steps "
            f"in {s['seconds']:.0f} s; k-means on the pixels: {s['kmeans_accuracy']:.3f}"
        )
        print("  full run: mutinfo train iic-digits")
    return 0
