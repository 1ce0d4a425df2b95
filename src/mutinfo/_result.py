"""The result type of :func:`mutinfo.estimate`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Estimate"]

_SYMBOLS = {
    "entropy": "H(X)",
    "conditional_entropy": "H(X|Y)",
    "mi": "I(X;Y)",
    "cmi": "I(X;Y|Z)",
}


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

    def __float__(self) -> float:
        return float(self.value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (non-finite floats become None)."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        for key in ("value", "ci_low", "ci_high", "p_value", "std_error"):
            v = out[key]
            if v is not None and not math.isfinite(v):
                out[key] = None
        return out

    def __str__(self) -> str:
        text = f"{_SYMBOLS.get(self.quantity, self.quantity)} = {self.value:.4g} {self.unit}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f", {100 * (self.ci_level or 0):g}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}]"
        if self.p_value is not None:
            text += f", p = {self.p_value:.4g}"
        text += f" (method={self.method}, n={self.n_samples})"
        return text
