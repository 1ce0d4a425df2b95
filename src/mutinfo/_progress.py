"""Progress bars for long work, with tqdm when installed and a plain fallback otherwise.

Bars go to stderr and only appear when the work lasts longer than ``delay`` seconds.
Set the environment variable ``MUTINFO_PROGRESS=0`` (or pass ``progress=False``) to
silence them, ``MUTINFO_PROGRESS=1`` to force them even when stderr is not a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterable, Iterator

__all__ = ["progress"]


def _enabled(flag: bool | None) -> bool:
    if flag is not None:
        return bool(flag)
    env = os.environ.get("MUTINFO_PROGRESS")
    if env is not None:
        return env.strip().lower() not in ("0", "false", "no", "off", "")
    return sys.stderr.isatty()


class _PlainBar:
    """A minimal carriage-return progress bar on stderr."""

    def __init__(self, total: int | None, desc: str, delay: float) -> None:
        self.total, self.desc, self.delay = total, desc, delay
        self.n = 0
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.postfix = ""

    def update(self, k: int = 1) -> None:
        self.n += k
        now = time.monotonic()
        if now - self.start < self.delay or now - self.last < 0.2:
            return
        self.last, self.shown = now, True
        total = f"/{self.total}" if self.total else ""
        pct = f" {100 * self.n / self.total:3.0f}%" if self.total else ""
        sys.stderr.write(f"\r{self.desc}:{pct} {self.n}{total} [{now - self.start:.1f}s] {self.postfix}")
        sys.stderr.flush()

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        if self.shown:
            self.update(0)
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Progress:
    """Iterable wrapper and manual bar with one interface (``update``, ``set_postfix_str``)."""

    def __init__(self, iterable: Iterable[Any] | None, total: int | None, desc: str, enabled: bool, delay: float) -> None:
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.bar: Any = None
        if enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=desc, delay=delay, leave=False, file=sys.stderr, dynamic_ncols=True)
            except ImportError:
                self.bar = _PlainBar(total, desc, delay)

    def __iter__(self) -> Iterator[Any]:
        assert self.iterable is not None
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def update(self, k: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def set_postfix_str(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "", enabled: bool | None = None, delay: float = 1.0) -> _Progress:
    """A progress bar over ``iterable`` (or a manual one with ``update``), shown after ``delay`` seconds.

    ``enabled=None`` follows ``MUTINFO_PROGRESS`` or whether stderr is a terminal.
    """
    return _Progress(iterable, total, desc, _enabled(enabled), delay)
