"""Exact MI objectives under ``torch.distributed``: gather score inputs, reduce joint tables.

MI objectives are not sums of per-sample terms: InfoNCE compares every sample with
every other one, and a discrete MI is a non-linear function of a batch-level joint
table. Computing them on each rank's shard would give a different (and worse)
objective than on the whole batch. The losses of :mod:`mutinfo.losses` with
``distributed=True`` use the two collectives here, both from
``torch.distributed.nn.functional`` (differentiable: the backward pass of a gather is
a reduce-scatter of gradients, that of an all-reduce is an all-reduce):

* :func:`gather` concatenates tensors (embeddings, critic inputs) from all ranks in
  rank order, so every rank computes the score matrix of the global batch;
* :func:`all_reduce_sum` adds joint tables and sums, so every rank holds the joint
  table of the global batch.

**Guarantee.** On every rank the loss value equals the single-process loss on the
concatenated batch. The gradient a rank obtains for its own inputs is
``world_size`` times its share of the full-batch gradient (every rank's loss depends on
every rank's inputs, and the collectives' backward passes sum those contributions),
so ``DistributedDataParallel``'s gradient averaging yields exactly the single-process
gradient of the concatenated batch. ``tests/test_distributed.py`` checks both with two
gloo processes on CPU.

Without an initialised process group (or with one process) every function here is the
identity, so the same code runs on one device.
"""

from __future__ import annotations

from typing import Any

__all__ = ["all_reduce_sum", "gather", "global_mean", "is_distributed", "rank", "world_size"]


def _autograd_collectives() -> Any:
    """``torch.distributed.nn.functional``, the public differentiable collectives.

    Recent torch releases mark them deprecated (FutureWarning) in favour of the
    private ``torch.distributed._functional_collectives``, whose autograd support
    depends on the torch version; the public functions work on every supported
    version (torch >= 2.1), so they are used here with that warning silenced.
    """
    import torch.distributed.nn.functional as dist_fn

    return dist_fn


def is_distributed() -> bool:
    """True when a ``torch.distributed`` process group with more than one rank is active."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    """Number of ranks of the default process group (1 without one)."""
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's rank in the default process group (0 without one)."""
    import torch.distributed as dist

    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def gather(tensor: Any) -> Any:
    """Concatenate ``tensor`` from all ranks along dimension 0, keeping gradients.

    Parameters
    ----------
    tensor : tensor of shape (n_r, ...)
        This rank's rows. Ranks may hold different numbers of rows (the shards are
        padded for the collective and trimmed after, at the cost of one extra small
        all-gather of the sizes); the other dimensions must agree.

    Returns
    -------
    tensor of shape (sum_r n_r, ...)
        Rows of rank 0, then rank 1, and so on; differentiable with respect to this
        rank's rows. Without a multi-rank process group, ``tensor`` itself.
    """
    if not is_distributed():
        return tensor
    import warnings

    import torch
    import torch.distributed as dist

    n_ranks = dist.get_world_size()
    size = torch.tensor([tensor.shape[0]], device=tensor.device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(n_ranks)]
    dist.all_gather(sizes, size)
    counts = [int(s.item()) for s in sizes]
    longest = max(counts)
    if longest != tensor.shape[0]:
        pad = tensor.new_zeros((longest - tensor.shape[0], *tensor.shape[1:]))
        padded = torch.cat([tensor, pad], dim=0)
    else:
        padded = tensor
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.distributed\.nn\.functional", category=FutureWarning)
        parts = _autograd_collectives().all_gather(padded)
    return torch.cat([part[:count] for part, count in zip(parts, counts)], dim=0)


def all_reduce_sum(tensor: Any) -> Any:
    """Sum ``tensor`` over all ranks, keeping gradients (identity on one process).

    Used for joint tables and for the sums and counts behind global means.
    """
    if not is_distributed():
        return tensor
    import warnings

    import torch.distributed as dist

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.distributed\.nn\.functional", category=FutureWarning)
        return _autograd_collectives().all_reduce(tensor, op=dist.ReduceOp.SUM)


def global_mean(values: Any) -> Any:
    """Mean of per-sample ``values`` of shape (n_r, ...) over the samples of all ranks, along dim 0."""
    import torch

    total = all_reduce_sum(values.sum(dim=0))
    count = all_reduce_sum(torch.tensor(float(values.shape[0]), device=values.device, dtype=values.dtype))
    return total / count
