"""Run a block of torch work on a set number of CPU threads."""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

# torch's intra-op thread count is one setting for the whole process. Blocks entered from
# several Python threads at once share it: the first to enter saves the caller's setting and
# the last to leave restores it, so concurrent blocks cannot leave a stale value behind.
_LOCK = threading.Lock()
_DEPTH = 0
_SAVED = 0


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch CPU threads, then restore the previous setting.

    ``None`` leaves the setting alone. Small networks train fastest on one thread; with
    more, OpenMP workers spin and, on a shared machine, can slow a run several-fold.
    Safe to enter from several Python threads at once: the setting in force before the
    first block is restored when the last one ends (while blocks overlap, the most
    recently entered block's ``n`` is in force for all of them).
    """
    global _DEPTH, _SAVED
    if n is None:
        yield
        return
    import torch

    with _LOCK:
        if _DEPTH == 0:
            _SAVED = torch.get_num_threads()
        _DEPTH += 1
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and torch.get_num_threads() != _SAVED:
                torch.set_num_threads(_SAVED)
