"""Run a block of torch work on a set number of CPU threads."""

from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch CPU threads, then restore the previous setting.

    ``None`` leaves the setting alone. Small networks train fastest on one thread; with
    more, OpenMP workers spin and, on a shared machine, can slow a run several-fold.
    """
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
