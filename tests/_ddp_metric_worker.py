"""Worker of the 2-process MutualInformationMetric test.

It lives in a top-level module of tests/ (on the test path) so that processes
started with the "spawn" method can import it by name.
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.distributed as dist

from mutinfo.monitor import MutualInformationMetric

from _ddp_exit import leave

N, C = 1000, 4


def _data():
    rng = np.random.default_rng(7)
    y = rng.integers(0, C, N)
    yhat = np.where(rng.random(N) < 0.6, y, rng.integers(0, C, N))
    return y, yhat


def _worker(rank: int, world: int, folder: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{folder}/store", rank=rank, world_size=world)
    y, yhat = _data()
    mine = np.arange(N) % world == rank  # an uneven interleaved shard
    metric = MutualInformationMetric(C, base=2)
    ys, ps = torch.tensor(y[mine]), torch.tensor(yhat[mine])
    for start in range(0, len(ys), 64):
        metric.update(ps[start : start + 64], ys[start : start + 64])
    local_before = metric.joint_counts.clone()
    out = metric.compute_all()
    mi_compute = metric.compute()  # torchmetrics' own sync (sync_on_compute) of the joint_counts state
    torch.save(
        {
            "mi": out["mi"], "mi_compute": mi_compute, "nmi": out["nmi"], "per_class": out["per_class"], "table": metric.table,
            "local_unchanged": torch.equal(local_before, metric.joint_counts), "local_total": int(local_before.sum()),
        },
        os.path.join(folder, f"rank{rank}.pt"),
    )
    leave(folder, rank, world)
