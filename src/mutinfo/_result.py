"""The result type of :func:`mutinfo.estimate`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Estimate", "display_name"]

_SYMBOLS = {
    "entropy": "H({0})",
    "conditional_entropy": "H({0}|{1})",
    "mi": "I({0};{1})",
    "cmi": "I({0};{1}|{2})",
}
_DEFAULT_NAMES = ("X", "Y", "Z")


def display_name(value: Any, default: str) -> str:
    """The name a variable is shown under: a pandas Series' name, a DataFrame's column names, else ``default``.

    >>> display_name([1, 2], "X")
    'X'
    """
    import sys

    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(value, pd.Series) and value.name is not None:
            return str(value.name)
        if isinstance(value, pd.DataFrame) and len(value.columns):
            return ",".join(str(c) for c in value.columns)
    return default


@dataclass(frozen=True)
class Estimate:
    """An estimate with its uncertainty and everything needed to read it.

    Attributes
    ----------
    value : float
        The raw estimate, in ``unit``. Never clipped: a negative MI estimate is
        returned as is, and ``warnings`` explains it.
    ci_low, ci_high : float or None
        Interval at level ``ci_level`` (None when ``ci=None``); it always contains
        ``value``. ``details["interval"]`` names the construction (see
        :data:`mutinfo.stats.INTERVAL_METHODS`).
    p_value : float or None
        Permutation p-value against independence (conditional independence given Z
        for CMI); None unless ``test="permutation"``.
    method : str
        The method that produced ``value`` (the one chosen when ``method="auto"``).
    n_samples : int
    unit : str
        "nats", "bits", ...
    warnings : tuple of str
        Plain-language notes about guesses made, bias, undersampling or caps.
    quantity : str
        "entropy", "conditional_entropy", "mi" or "cmi".
    ci_level : float or None
    std_error : float or None
        Standard deviation of the bootstrap or subsample replicates, or the posterior
        (``nsb``) or held-out (neural) standard deviation.
    n_bootstrap, n_permutations : int
        Replicates actually used (0 when not requested).
    details : dict
        Method parameters, the data kinds used, for ``method="auto"`` why the method
        was chosen, and with an interval ``"interval"`` (its construction) and
        ``"interval_widened"`` (whether it was extended to reach ``value``).
    names : tuple of str
        Names of x, y (and z) as shown by ``str()``: a pandas Series' name or a
        DataFrame's column names, else "X", "Y", "Z".
    """

    value: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    n_samples: int
    unit: str
    warnings: tuple[str, ...] = ()
    quantity: str = "mi"
    ci_level: float | None = None
    std_error: float | None = None
    n_bootstrap: int = 0
    n_permutations: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The quantity with the variables' names, e.g. ``"I(age;income)"``."""
        names = (*self.names, *_DEFAULT_NAMES[len(self.names):])
        symbol = _SYMBOLS.get(self.quantity)
        return self.quantity if symbol is None else symbol.format(*names)

    def __float__(self) -> float:
        return float(self.value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (non-finite floats become None)."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        out["names"] = list(self.names)
        for key in ("value", "ci_low", "ci_high", "p_value", "std_error"):
            v = out[key]
            if v is not None and not math.isfinite(v):
                out[key] = None
        return out

    def __str__(self) -> str:
        text = f"{self.label} = {self.value:.4g} {self.unit}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f", {100 * (self.ci_level or 0):g}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}]"
        if self.p_value is not None:
            text += f", p = {self.p_value:.4g}"
        text += f" (method={self.method}, n={self.n_samples})"
        return text
