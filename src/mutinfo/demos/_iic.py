"""The IIC training loop shared by the clustering demos (Ji et al. 2019).

``train_iic`` takes, at every step, one Adam step on the main head's IIC loss and one
on the over-clustering head's (each averaged over the sub-heads), as Ji et al. do, or
with ``alternate=False`` one step on their sum from shared views (half the cost). A
pair of views is two augmentations of an image, or of an image and one of its nearest
neighbours (``neighbours`` given). The reported sub-head is the one with the lowest
main-head loss on a labelled-free selection batch; labels are used only to score.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._progress import progress as progress_bar
from ._common import hungarian_accuracy, nmi, seed_everything

__all__ = ["iic_mlp", "nearest_neighbours", "train_iic"]


def iic_mlp(in_features: int, hidden: tuple[int, int], *, n_subheads: int, n_classes: int, n_over: int) -> Any:
    """An MLP trunk (two batch-normalised ReLU layers) with IIC sub-heads for the classes and for over-clustering.

    The forward pass returns two logit tensors of shapes (n_subheads, n, n_classes) and
    (n_subheads, n, n_over): the layout :class:`~mutinfo.losses.IICLoss` averages over.
    """
    from torch import nn

    class IICNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(
                nn.Flatten(), nn.Linear(in_features, hidden[0]), nn.BatchNorm1d(hidden[0]), nn.ReLU(),
                nn.Linear(hidden[0], hidden[1]), nn.BatchNorm1d(hidden[1]), nn.ReLU(),
            )
            self.main = nn.Linear(hidden[1], n_subheads * n_classes)
            self.over = nn.Linear(hidden[1], n_subheads * n_over)

        def forward(self, x: Any) -> tuple[Any, Any]:
            h = self.trunk(x)
            n = x.shape[0]
            return (
                self.main(h).view(n, n_subheads, n_classes).transpose(0, 1),
                self.over(h).view(n, n_subheads, n_over).transpose(0, 1),
            )

    return IICNet()


def nearest_neighbours(features: np.ndarray, k: int, *, chunk: int = 2048) -> np.ndarray:
    """Indices of the k nearest rows of each row (Euclidean, itself excluded), shape (n, k).

    Exact brute force in blocks of ``chunk`` rows with torch: O(n^2 d) time, O(chunk n) memory.
    """
    import torch

    f = torch.as_tensor(np.ascontiguousarray(features, dtype=np.float32))
    sq = (f * f).sum(1)
    out = np.empty((f.shape[0], k), dtype=np.int64)
    for start in range(0, f.shape[0], chunk):
        block = f[start : start + chunk]
        d2 = sq[start : start + chunk, None] + sq[None, :] - 2 * block @ f.T
        d2[torch.arange(block.shape[0]), torch.arange(start, start + block.shape[0])] = float("inf")
        out[start : start + block.shape[0]] = d2.topk(k, dim=1, largest=False).indices.numpy()
    return out


def _predict(model: Any, x: Any, batch: int = 4096) -> Any:
    import torch

    outs = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch):
            outs.append(model(x[start : start + batch])[0])
    return torch.cat(outs, dim=1)


def train_iic(
    x_train: np.ndarray,
    model: Any,
    augment: Callable[[Any], Any],
    *,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    neighbours: np.ndarray | None,
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
    lamb: float = 1.5,
    seed: int = 0,
    device: str = "cpu",
    progress: bool | None = None,
    eval_every: int = 50,
    select_size: int = 2000,
    alternate: bool = True,
    desc: str = "iic",
) -> dict[str, Any]:
    """Train ``model`` (returning ``(main, over)`` logits of shape (sub-heads, n, k)) by IIC.

    Parameters
    ----------
    x_train : array of shape (n, c, h, w)
        Unlabelled training images.
    model : nn.Module
    augment : callable on a (b, c, h, w) tensor
    x_eval, y_eval : images and labels scored by Hungarian accuracy and NMI
    neighbours : int array of shape (n, k) or None
        Pair each image with a random one of its neighbours (None: with itself).
    """
    import torch

    from ..losses import IICLoss

    rng = seed_everything(seed)
    model = model.to(device)
    x_all = torch.as_tensor(x_train, device=device)
    x_ev = torch.as_tensor(x_eval, device=device)
    nbrs = torch.as_tensor(neighbours, device=device) if neighbours is not None else None
    loss_fn = IICLoss(lamb=lamb)
    mi_fn = IICLoss(lamb=1.0)  # the plain I(Z; Z'), for reporting
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = x_all.shape[0]
    select_idx = torch.as_tensor(np.random.default_rng(seed + 1).choice(n, size=min(select_size, n), replace=False), device=device)
    history: list[dict[str, float]] = []

    def views(idx: Any) -> tuple[Any, Any]:
        first = x_all[idx]
        if nbrs is not None:
            pick = torch.as_tensor(rng.integers(0, nbrs.shape[1], len(idx)), device=device)
            second = x_all[nbrs[idx, pick]]
        else:
            second = first
        return augment(first), augment(second)

    def evaluate() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        model.eval()
        with torch.no_grad():
            pred = _predict(model, x_ev).argmax(-1).cpu().numpy()
            a, b = views(select_idx)
            la, lb = model(a)[0], model(b)[0]
            n_heads = la.shape[0]
            head_losses = torch.stack([loss_fn(la[h], lb[h]) for h in range(n_heads)]).cpu().numpy()
            head_mi = torch.stack([-mi_fn(la[h], lb[h]) for h in range(n_heads)]).cpu().numpy()
        model.train()
        return pred, head_losses, head_mi

    def _step(loss: Any) -> int:
        """One Adam step; 1 if the loss or a gradient was not finite."""
        opt.zero_grad()
        loss.backward()
        bad = not bool(torch.isfinite(loss)) or not all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None)
        opt.step()
        return int(bad)

    start = time.perf_counter()
    nonfinite = 0
    with progress_bar(total=steps, desc=desc, enabled=progress) as bar:
        for step in range(1, steps + 1):
            idx = torch.as_tensor(rng.choice(n, size=batch_size, replace=batch_size > n), device=device)
            if alternate:  # one Adam step per head, each on fresh views (Ji et al.)
                for head in (0, 1):
                    a, b = views(idx)
                    out_a, out_b = model(a), model(b)
                    loss = loss_fn(out_a[head], out_b[head])
                    nonfinite += _step(loss)
                    if head == 0:
                        main_loss = float(loss.detach())
            else:  # both heads on the same views, one backward pass
                a, b = views(idx)
                out_a, out_b = model(a), model(b)
                main = loss_fn(out_a[0], out_b[0])
                nonfinite += _step(main + loss_fn(out_a[1], out_b[1]))
                main_loss = float(main.detach())
            bar.update(1)
            bar.set_postfix_str(f"IIC objective={-main_loss:.3f}")
            if step % eval_every == 0 or step == steps:
                pred, head_losses, head_mi = evaluate()
                best = int(np.argmin(head_losses))
                history.append({"step": step, "mi": float(head_mi[best]), "accuracy": hungarian_accuracy(y_eval, pred[best])})
    seconds = time.perf_counter() - start
    pred, head_losses, head_mi = evaluate()
    best = int(np.argmin(head_losses))
    return {
        "accuracy": hungarian_accuracy(y_eval, pred[best]),
        "nmi": nmi(y_eval, pred[best]),
        "subhead_accuracies": [hungarian_accuracy(y_eval, p) for p in pred],
        "chosen_subhead": best,
        "mi_nats": float(head_mi[best]),
        "lamb": lamb,
        "steps": steps,
        "batch_size": batch_size,
        "pairs": "neighbours" if neighbours is not None else "augment",
        "train_seconds": seconds,
        "nonfinite_steps": nonfinite,
        "history": history,
        "predictions": pred[best],
        "labels": np.asarray(y_eval),
    }
