"""CPU threads: how many the k-NN estimators use, and torch work on a set number of threads.

The k-NN estimators (SciPy's ``cKDTree`` queries with ``workers``, scikit-learn tree
counts and NumPy binary searches in a thread pool) use every core this process may
run on. The environment variable ``MUTINFO_NUM_THREADS`` (a positive integer) caps
that number, for example ``MUTINFO_NUM_THREADS=1`` for a one-core comparison with a
single-threaded peer; estimates do not depend on it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator

ENV_THREADS = "MUTINFO_NUM_THREADS"


def cpu_threads() -> int:
    """Number of CPU threads for mutinfo's parallel CPU work (>= 1).

    The cores this process may run on (its affinity mask), capped by the
    ``MUTINFO_NUM_THREADS`` environment variable when it is set.

    Raises
    ------
    ParameterError
        When ``MUTINFO_NUM_THREADS`` is set to anything but a positive integer.
    """
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    raw = os.environ.get(ENV_THREADS, "").strip()
    if not raw:
        return cores
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit < 1:
        from ._errors import param_error

        raise param_error("the environment", ENV_THREADS, "a positive integer", raw)
    return min(cores, limit)


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
