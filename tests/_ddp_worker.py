"""One rank of the distributed-equivalence check (run by tests/test_distributed.py).

Usage: python _ddp_worker.py RANK WORLD_SIZE INIT_FILE OUT_JSON

Every rank builds the same global batch and model (same seeds), computes each loss
once on the whole batch without collectives (the single-process reference) and once
on its own shard with the loss constructed as users construct it (``distributed`` left
at its default, "auto"), then compares values, parameter gradients averaged over
ranks (what DistributedDataParallel does) and the gradients of its own input rows.
Shards have unequal sizes on purpose.

A second set of cases wraps the model and a critic-bearing loss in one
``DistributedDataParallel`` module (the pattern the README documents) and compares
the gradients DDP leaves, with no hand-made all-reduce, against one process. Rank 0
writes the largest differences to OUT_JSON.
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
from mutinfo.losses import VIB, CLUBLoss, DiscreteMILoss, IICLoss, InfoNCELoss, NTXentLoss

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
    """name -> (make_loss() -> module with default `distributed`, objective(model, loss, x, labels) -> scalar)."""
    out = {
        "DiscreteMILoss(labels)": (lambda: DiscreteMILoss(num_classes=3), lambda m, loss, x, y: loss(m.a(x), y)),
        "DiscreteMILoss(two logits)": (lambda: DiscreteMILoss(), lambda m, loss, x, y: loss(m.a(x), m.b(x))),
        "IICLoss(2 sub-heads)": (
            lambda: IICLoss(lamb=1.5),
            lambda m, loss, x, y: loss(m.a(x).reshape(-1, 2, K).transpose(0, 1), m.a(x.flip(1)).reshape(-1, 2, K).transpose(0, 1)),
        ),
        "InfoNCELoss": (lambda: InfoNCELoss(temperature=0.5), lambda m, loss, x, y: loss(m.a(x), m.a(torch.tanh(x)))),
        "InfoNCELoss(critic)": (lambda: InfoNCELoss(Critic().double()), lambda m, loss, x, y: loss(m.a(x), m.b(x))),
        "NTXentLoss": (lambda: NTXentLoss(temperature=0.5), lambda m, loss, x, y: loss(m.a(x), m.a(torch.tanh(x)))),
        "VIB": (lambda: VIB(D, 3, beta=0.5).double().eval(), lambda m, layer, x, y: (layer(x), layer.loss)[1]),
        "CLUBLoss.learning_loss": (lambda: CLUBLoss(2 * K, K, hidden=8).double(), lambda m, loss, x, y: loss.learning_loss(m.a(x), m.b(x))),
    }
    from mutinfo import losses

    for name in ("MINELoss", "NWJLoss", "SMILELoss", "JSLoss"):
        cls = getattr(losses, name)
        out[name] = (lambda cls=cls: cls(Critic().double()), lambda m, loss, x, y: loss(m.a(x), m.b(x)))
    out["CLUBLoss"] = (lambda: CLUBLoss(2 * K, K, hidden=8).double(), lambda m, loss, x, y: loss(m.a(x), m.b(x)))
    return out


class Objective(torch.nn.Module):
    """Model and loss in one module, so that DistributedDataParallel averages the gradients of both."""

    def __init__(self, model: torch.nn.Module, loss: torch.nn.Module) -> None:
        super().__init__()
        self.model, self.loss = model, loss

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # InfoNCE with a critic on (x, y) plus CLUB's fit of q and its bound, in one step.
        a, b = self.model.a(x), self.model.b(x)
        return self.loss["infonce"](a, b) + self.loss["club"].learning_loss(a, b) + self.loss["club"](a, b)


def ddp_case(x_full: torch.Tensor, lo: int, hi: int, world: int) -> dict:
    """The README pattern: model and critic-bearing losses inside one DDP module; gradients as DDP leaves them."""
    torch.manual_seed(0)
    losses = torch.nn.ModuleDict({"infonce": InfoNCELoss(Critic()), "club": CLUBLoss(2 * K, K, hidden=8)})
    objective = Objective(Model(), losses).double()
    reference = copy.deepcopy(objective)
    for module in reference.loss.values():
        module.distributed = False
    value_ref = reference(x_full)
    value_ref.backward()
    ddp = torch.nn.parallel.DistributedDataParallel(objective)
    value = ddp(x_full[lo:hi])
    value.backward()
    names = [n for n, _ in reference.named_parameters()]
    ref = dict(reference.named_parameters())
    got = dict(objective.named_parameters())
    diffs = {n: float((got[n].grad - ref[n].grad).abs().max()) for n in names}
    # Without DDP's averaging, the q network's gradients of learning_loss (a global mean)
    # are this rank's share times world: they differ between ranks.
    torch.manual_seed(0)
    bare = Objective(Model(), torch.nn.ModuleDict({"infonce": InfoNCELoss(Critic()), "club": CLUBLoss(2 * K, K, hidden=8)})).double()
    bare(x_full[lo:hi]).backward()
    q_grad = torch.cat([p.grad.reshape(-1) for p in bare.loss["club"].parameters()])
    q_grads = [torch.zeros_like(q_grad) for _ in range(world)]
    dist.all_gather(q_grads, q_grad)
    return {
        "value_diff": abs(float(value.detach()) - float(value_ref.detach())),
        "param_grad_diff": max(diffs.values()),
        "critic_grad_diff": max(d for n, d in diffs.items() if n.startswith("loss.")),
        "param_grad_scale": max(float(p.grad.abs().max()) for p in reference.parameters()),
        "q_grad_rank_spread_without_ddp": float((q_grads[0] - q_grads[1]).abs().max()),
    }


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
        model_d, loss_dist = Model(), make_loss()  # as users construct it: distributed="auto"
        model, loss_single = copy.deepcopy(model_d), copy.deepcopy(loss_dist)
        loss_single.distributed = False  # the single-process reference on the whole batch
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
        loss_ref_grads = [p.grad for p in loss_single.parameters() if p.grad is not None]
        loss_raw_grads = [p.grad for p in loss_dist.parameters() if p.grad is not None]
        raw_diff = max((float((g - r).abs().max()) for g, r in zip(loss_raw_grads, loss_ref_grads)), default=0.0)
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
            "default": loss_dist.distributed,
            "loss_param_grad_diff_before_averaging": raw_diff,
        }
    report["DDP(model + InfoNCELoss(critic) + CLUBLoss)"] = ddp_case(x_full, lo, hi, world)
    gathered = [None] * world
    dist.all_gather_object(gathered, report)
    if rank == 0:
        with open(out_file, "w") as f:
            json.dump({"world_size": mdist.world_size(), "ranks": gathered}, f)
    leave(Path(out_file).parent, rank, world)


if __name__ == "__main__":
    main()
