"""One rank of the distributed-equivalence check (run by tests/test_distributed.py).

Usage: python _ddp_worker.py RANK WORLD_SIZE INIT_FILE OUT_JSON

Every rank builds the same global batch and model (same seeds), computes each loss
once on the whole batch without collectives (the single-process reference) and once
on its own shard with ``distributed=True``, then compares values, parameter gradients
averaged over ranks (what DistributedDataParallel does) and the gradients of its own
input rows. Shards have unequal sizes on purpose. Rank 0 writes the largest
differences to OUT_JSON.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

import mutinfo.distributed as mdist
from _ddp_exit import leave
from mutinfo.losses import VIB, DiscreteMILoss, IICLoss, InfoNCELoss

N, D, K = 13, 5, 4


class Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Linear(D, 2 * K)
        self.b = torch.nn.Linear(D, K)


class Critic(torch.nn.Module):
    """Separable critic with an MLP on each side: scores[i, j] = g(x_i) . h(y_j)."""

    def __init__(self) -> None:
        super().__init__()
        self.g = torch.nn.Sequential(torch.nn.Linear(2 * K, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
        self.h = torch.nn.Sequential(torch.nn.Linear(K, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.g(x) @ self.h(y).T


def cases() -> dict:
    """name -> (make_loss(distributed) -> module, objective(model, loss, x, labels) -> scalar)."""
    out = {
        "DiscreteMILoss(labels)": (lambda d: DiscreteMILoss(num_classes=3, distributed=d), lambda m, loss, x, y: loss(m.a(x), y)),
        "DiscreteMILoss(two logits)": (lambda d: DiscreteMILoss(distributed=d), lambda m, loss, x, y: loss(m.a(x), m.b(x))),
        "IICLoss(2 sub-heads)": (
            lambda d: IICLoss(lamb=1.5, distributed=d),
            lambda m, loss, x, y: loss(m.a(x).reshape(-1, 2, K).transpose(0, 1), m.a(x.flip(1)).reshape(-1, 2, K).transpose(0, 1)),
        ),
        "InfoNCELoss": (lambda d: InfoNCELoss(temperature=0.5, distributed=d), lambda m, loss, x, y: loss(m.a(x), m.a(torch.tanh(x)))),
        "VIB": (lambda d: VIB(D, 3, beta=0.5, distributed=d).double().eval(), lambda m, layer, x, y: (layer(x), layer.loss)[1]),
    }
    from mutinfo import losses

    for name in ("MINELoss", "NWJLoss", "SMILELoss", "JSLoss"):
        cls = getattr(losses, name, None)
        if cls is not None:
            out[name] = (lambda d, cls=cls: cls(Critic().double(), distributed=d), lambda m, loss, x, y: loss(m.a(x), m.b(x)))
    if hasattr(losses, "CLUBLoss"):
        out["CLUBLoss"] = (
            lambda d: losses.CLUBLoss(2 * K, K, hidden=8, distributed=d).double(),
            lambda m, loss, x, y: loss(m.a(x), m.b(x)),
        )
    return out


def main() -> None:
    rank, world, init_file, out_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    torch.set_default_dtype(torch.float64)
    gen = torch.Generator().manual_seed(11)
    x_full = torch.randn(N, D, generator=gen)
    labels = torch.randint(0, 3, (N,), generator=gen)
    bounds = [0, 5, N] if world == 2 else [round(r * N / world) for r in range(world + 1)]
    lo, hi = bounds[rank], bounds[rank + 1]
    report = {}
    for name, (make_loss, objective) in cases().items():
        torch.manual_seed(0)
        model, loss_single = Model(), make_loss(False)
        model_d, loss_dist = copy.deepcopy(model), copy.deepcopy(loss_single)
        loss_dist.distributed = True
        torch.manual_seed(1)
        x_ref = x_full.clone().requires_grad_(True)
        value_ref = objective(model, loss_single, x_ref, labels)
        value_ref.backward()
        params_ref = [p.grad.clone() for p in (*model.parameters(), *loss_single.parameters()) if p.grad is not None]
        torch.manual_seed(1)
        x_loc = x_full[lo:hi].clone().requires_grad_(True)
        value = objective(model_d, loss_dist, x_loc, labels[lo:hi])
        value.backward()
        grads = [p.grad.clone() for p in (*model_d.parameters(), *loss_dist.parameters()) if p.grad is not None]
        for g in grads:  # DistributedDataParallel averages gradients over ranks
            dist.all_reduce(g)
            g /= world
        if len(grads) != len(params_ref):
            raise RuntimeError(f"{name}: {len(grads)} parameters got gradients on a shard, {len(params_ref)} on the whole batch")
        finite = bool(torch.isfinite(value)) and all(bool(torch.isfinite(g).all()) for g in grads)
        report[name] = {
            "value": float(value.detach()),
            "value_ref": float(value_ref.detach()),
            "value_diff": abs(float(value.detach()) - float(value_ref.detach())),
            "param_grad_diff": max(float((g - r).abs().max()) for g, r in zip(grads, params_ref)),
            "param_grad_scale": max(float(r.abs().max()) for r in params_ref),
            "input_grad_diff": float((x_loc.grad / world - x_ref.grad[lo:hi]).abs().max()),
            "finite": finite,
        }
    gathered = [None] * world
    dist.all_gather_object(gathered, report)
    if rank == 0:
        with open(out_file, "w") as f:
            json.dump({"world_size": mdist.world_size(), "ranks": gathered}, f)
    leave(Path(out_file).parent, rank, world)


if __name__ == "__main__":
    main()
