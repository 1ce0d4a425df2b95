"""The one torch.distributed operation the monitors need: summing a count table over ranks."""

from __future__ import annotations

from typing import Any

__all__ = ["is_distributed", "all_reduce_sum"]


def is_distributed(group: Any = None) -> bool:
    """True inside an initialised process group with more than one rank."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size(group) > 1


def all_reduce_sum(tensor: Any, group: Any = None) -> Any:
    """A copy of ``tensor`` summed over all ranks of ``group`` (the tensor itself outside DDP).

    The input is never modified. NCCL reduces CUDA tensors only, so a CPU tensor is
    moved to the current CUDA device for the reduction and brought back.
    """
    import torch
    import torch.distributed as dist

    if not is_distributed(group):
        return tensor
    out = tensor.clone()
    if dist.get_backend(group) == "nccl" and out.device.type != "cuda":
        moved = out.to(torch.device("cuda", torch.cuda.current_device()))
        dist.all_reduce(moved, op=dist.ReduceOp.SUM, group=group)
        return moved.to(tensor.device)
    dist.all_reduce(out, op=dist.ReduceOp.SUM, group=group)
    return out
