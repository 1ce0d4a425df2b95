"""Matplotlib figures (optional dependency: ``pip install -e ".[plot]"``).

matplotlib is imported only when a figure is drawn, with the non-interactive Agg
backend when no display is available.
"""

from __future__ import annotations

import os
from typing import Any

from ._errors import missing_dependency

__all__ = ["require_matplotlib"]


def require_matplotlib() -> Any:
    """The ``matplotlib.pyplot`` module, or a clear error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise missing_dependency("matplotlib", "Drawing figures", extra="plot") from None
    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
