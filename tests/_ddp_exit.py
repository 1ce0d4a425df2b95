"""How the test workers of torch.distributed leave once their results are on disk.

On a loaded machine, gloo's teardown (``destroy_process_group`` or interpreter exit
while its worker threads are alive) can abort the process with ``terminate called
without an active exception``, after every collective has finished and the results
are written. The tests are about the values the ranks computed, not about gloo's
shutdown, so a worker that has succeeded waits until every rank has reached the same
point (marker files, no collective) and leaves with ``os._exit(0)``, which skips the
C++ teardown. A worker that failed raises as usual and exits non-zero.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import torch.distributed as dist


def leave(folder: str | os.PathLike, rank: int, world: int, timeout: float = 120.0) -> None:
    """Barrier, then wait for every rank's marker in ``folder`` and exit (status 0, or 1 if one never came)."""
    dist.barrier()
    Path(folder, f"left{rank}").touch()
    deadline = time.monotonic() + timeout
    status = 0
    while not all(Path(folder, f"left{r}").exists() for r in range(world)):
        if time.monotonic() > deadline:
            print(f"rank {rank}: the other ranks did not reach the end within {timeout:.0f} s", file=sys.stderr)
            status = 1
            break
        time.sleep(0.01)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
