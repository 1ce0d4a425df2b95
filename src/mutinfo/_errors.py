"""Exceptions and warnings raised by mutinfo.

Every error a user can cause is a :class:`MutualInfoError`, itself a
:class:`ValueError`, so ``except ValueError`` keeps working. Messages follow one
template: the parameter or argument, the rule it breaks and what was received.
"""

from __future__ import annotations

__all__ = [
    "MutualInfoError",
    "ParameterError",
    "DataError",
    "EstimationError",
    "UnknownMethodError",
    "UnsupportedDataError",
    "MissingDependencyError",
    "MutualInfoWarning",
]


class MutualInfoError(ValueError):
    """Base class of the errors mutinfo raises on bad input."""


class ParameterError(MutualInfoError):
    """A parameter has an invalid value (wrong type, out of range, unknown name)."""


class DataError(MutualInfoError):
    """The data cannot be used: NaN or inf, mismatched lengths, empty, wrong shape."""


class EstimationError(DataError):
    """The estimator ran but produced no number that can be trusted, so none is returned.

    For instance a neural critic whose held-out read-out overflows, is far below 0 or
    above what the held-out samples can support. A :class:`DataError`, since the cure
    is usually in the data (more samples, extreme rows) or in the estimator's settings.
    """


class UnknownMethodError(MutualInfoError):
    """The method name is not in the registry; the message lists the valid names."""


class UnsupportedDataError(MutualInfoError):
    """The method cannot handle this kind of data (e.g. a continuous method on strings)."""


class MissingDependencyError(MutualInfoError, ImportError):
    """An optional dependency is needed for this feature; the message says how to install it."""


class MutualInfoWarning(UserWarning):
    """A result is usable but deserves attention (bias, a guessed data kind, a cap reached)."""


def param_error(func: str, name: str, rule: str, got: object) -> ParameterError:
    """The one template for invalid parameter values.

    >>> str(param_error("mutual_information", "k", "an int in [1, n_samples - 1]", 0))
    'The `k` parameter of mutual_information must be an int in [1, n_samples - 1]. Got 0.'
    """
    return ParameterError(f"The `{name}` parameter of {func} must be {rule}. Got {got!r}.")


def missing_dependency(package: str, feature: str, extra: str | None = None) -> MissingDependencyError:
    """Error for an optional dependency that is not installed."""
    hint = f"pip install {package}" + (f' (or, from a clone of mutinfo: pip install -e ".[{extra}]")' if extra else "")
    return MissingDependencyError(f"{feature} needs the optional package `{package}`, which is not installed. Install it with: {hint}")
