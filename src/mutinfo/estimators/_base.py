"""The interface every registered estimator implements.

An estimator receives validated :class:`~mutinfo._validation.Variable` objects and
returns values in nats. It implements the quantities it supports; the dispatch layer
(:mod:`mutinfo._api`) derives the rest where an identity allows it (for instance
``H(X|Y) = H(X, Y) - H(Y)``), converts units, and attaches uncertainty.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .._validation import Param, Variable

__all__ = ["Estimator"]


class Estimator:
    """Base class of registered estimators.

    Subclasses override the quantities they support. All values are in nats.

    Attributes
    ----------
    params : mapping of str to Param
        The keyword parameters this method accepts, with defaults and rules.
    torch_native : bool
        True if continuous data may arrive as torch tensors (possibly on a GPU).
        Otherwise tensors are converted to NumPy before the call.

    interval_method : str
        How :func:`mutinfo.estimate` builds the confidence interval: a key of
        :data:`mutinfo.stats.INTERVAL_METHODS` ("basic", "subsampling", "normal",
        "posterior"); :meth:`interval_construction` may choose per data set (the
        discrete family switches to "smoothed" on undersampled tables).
    """

    params: Mapping[str, Param] = {}
    torch_native: bool = False
    interval_method: str = "basic"

    def entropy(self, x: Variable, *, rng: np.random.Generator, **params: Any) -> float:
        raise NotImplementedError

    def conditional_entropy(self, x: Variable, y: Variable, *, rng: np.random.Generator, **params: Any) -> float:
        raise NotImplementedError

    def mutual_information(self, x: Variable, y: Variable, *, rng: np.random.Generator, **params: Any) -> float:
        raise NotImplementedError

    def conditional_mutual_information(
        self, x: Variable, y: Variable, z: Variable, *, rng: np.random.Generator, **params: Any
    ) -> float:
        raise NotImplementedError

    def bootstrap(
        self,
        quantity: str,
        variables: Sequence[Variable],
        *,
        n_bootstrap: int,
        rng: np.random.Generator,
        params: Mapping[str, Any],
    ) -> np.ndarray | None:
        """Estimates on ``n_bootstrap`` resamples, or None to let the caller resample rows.

        Estimators override this when they can resample faster than re-running on
        resampled rows (the discrete family draws multinomial cell counts), or when
        row resampling would be wrong for them (ties break k-NN estimators).
        """
        return None

    def bootstrap_reference(self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any]) -> float | None:
        """The quantity's value t(F_n) at the empirical distribution of ``variables`` (nats), or None.

        It is the truth of the bootstrap world, from which the "basic" interval
        measures the replicates' errors. None means the estimate itself, which is
        right for plug-in estimators; bias-corrected estimators return their
        uncorrected (plug-in) value.
        """
        return None

    def interval_construction(self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any]) -> str:
        """The construction for this data: ``interval_method`` unless the estimator decides per data set."""
        return self.interval_method

    def standard_error(self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any]) -> float | None:
        """Standard error of the last estimate (nats) for the "normal" interval, or None."""
        return None

    def interval(
        self, quantity: str, variables: Sequence[Variable], params: Mapping[str, Any], estimate: float, *, level: float
    ) -> Any:
        """A whole :class:`mutinfo.stats.Interval` computed by the estimator itself, or None (the default)."""
        return None

    def pairwise(
        self,
        xcols: Sequence[Variable],
        ycols: Sequence[Variable] | None,
        *,
        rng: np.random.Generator,
        params: Mapping[str, Any],
        show_progress: bool | None = None,
    ) -> np.ndarray | None:
        """MI (nats) of every column in ``xcols`` with every one in ``ycols`` (or among ``xcols``), or None.

        Estimators override this when pairs can share work (per-column preparation,
        sorted copies, trees). None lets :func:`mutinfo.pairwise` go pair by pair.
        For ``ycols=None`` the diagonal holds I(X_i; X_i) (+inf for continuous columns).
        """
        return None

    def diagnostics(self, quantity: str, variables: Sequence[Variable], value: float, params: Mapping[str, Any]) -> list[str]:
        """Plain-language warnings about this result (undersampling, caps, bias)."""
        return []

    def supports(self, quantity: str) -> bool:
        """Whether this estimator implements ``quantity`` itself."""
        method = {
            "entropy": "entropy",
            "conditional_entropy": "conditional_entropy",
            "mi": "mutual_information",
            "cmi": "conditional_mutual_information",
        }[quantity]
        return getattr(type(self), method) is not getattr(Estimator, method)
