"""The public estimation functions: validation, method resolution, dispatch.

Nothing here estimates anything. Each function turns the user's arguments into
validated variables, resolves ``method`` through the registry (``"auto"`` picks by
data kind, dimension and sample size, and says why), checks the method's
parameters, calls the implementation, and converts nats to the requested unit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from . import _registry
from ._errors import MutualInfoWarning, ParameterError, UnsupportedDataError, param_error
from ._progress import progress
from ._result import Estimate, display_name
from ._validation import (
    RawInput,
    Variable,
    auto_discrete,
    check_nan_policy,
    check_choice,
    check_float,
    check_int,
    check_same_length,
    combine_codes,
    is_torch_tensor,
    omit_missing,
    read_input,
    resolve_base,
    resolve_rng,
    to_continuous,
    to_discrete,
)

__all__ = [
    "entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
    "estimate",
    "pairwise",
    "methods",
]

_QUANTITY_NAMES = {"entropy": "entropy", "conditional_entropy": "conditional entropy", "mi": "mutual information", "cmi": "conditional mutual information"}
_KIND_WORDS = {"bool": "bool dtype", "int": "integer dtype", "float": "float dtype", "other": "labels"}
# Integer data with more distinct values than this fraction of the samples looks continuous.
_MANY_DISTINCT = 0.5


@dataclass
class _Call:
    """Everything needed to compute one quantity, after validation."""

    func: str
    quantity: str
    info: _registry.MethodInfo
    estimator: Any
    variables: list[Variable]
    params: dict[str, Any]
    rngs: tuple[np.random.Generator, np.random.Generator, np.random.Generator]
    divisor: float
    unit: str
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    inferred: str | None = None
    dropped: str | None = None

    @property
    def n_samples(self) -> int:
        return self.variables[0].n_samples

    def compute(self, variables: Sequence[Variable] | None = None) -> float:
        """The quantity in nats, on the call's variables or on given ones (resamples, permutations)."""
        return _compute(self.estimator, self.quantity, list(variables or self.variables), self.params, self.rngs[0])


# ---------------------------------------------------------------------------
# Preparation.


def _discrete_flags(discrete: Any, count: int, func: str) -> tuple[Any, ...]:
    rule = "'auto', a bool, or a tuple of those with one entry per variable"
    if isinstance(discrete, (bool, np.bool_)) or discrete == "auto" and isinstance(discrete, str):
        return (bool(discrete) if not isinstance(discrete, str) else "auto",) * count
    if isinstance(discrete, (tuple, list)) and len(discrete) == count:
        flags = []
        for d in discrete:
            if isinstance(d, (bool, np.bool_)):
                flags.append(bool(d))
            elif isinstance(d, str) and d == "auto":
                flags.append("auto")
            else:
                raise param_error(func, "discrete", rule, discrete)
        return tuple(flags)
    if isinstance(discrete, (tuple, list)):
        raise param_error(func, "discrete", f"{rule} ({count} here)", discrete)
    raise param_error(func, "discrete", rule, discrete)


def _guess_notes(raw: RawInput, as_discrete: bool, variable: Variable | None, few_values: str | None = None) -> list[str]:
    """Warnings for data whose guessed kind looks doubtful (``few_values``: why a float variable became discrete)."""
    notes = [few_values] if as_discrete and few_values else []
    n = raw.n_samples
    if as_discrete and raw.kind == "int" and variable is not None and n >= 20 and variable.n_states > _MANY_DISTINCT * n:
        codes = variable.data
        distinct = np.count_nonzero(np.bincount(codes, minlength=variable.n_states)) if variable.n_states <= 4 * n else np.unique(codes).shape[0]
        if distinct > _MANY_DISTINCT * n:
            notes.append(
                f"{raw.name} has integer dtype with {distinct} distinct values in {n} samples and was treated as discrete "
                f"(discrete='auto'); if it is a measurement rather than labels, pass discrete=False."
            )
    if not as_discrete and raw.kind == "float" and not raw.is_torch and n >= 20:
        data = raw.data
        if np.array_equal(data, np.round(data)):
            notes.append(
                f"{raw.name} has float dtype but only whole-number values, and was treated as continuous "
                f"(discrete='auto'); if these are labels or counts, pass discrete=True."
            )
    return notes


def _auto_kind(raw: RawInput, method_is_auto: bool) -> tuple[bool, str | None]:
    """discrete="auto" for one variable: the few-values rule with method="auto", the dtype with a named method.

    A named method keeps float data continuous (its user chose, e.g., "mixed" for tied
    measurements, or "ksg" for a constant column); ``discrete=`` says otherwise.
    """
    return auto_discrete(raw) if method_is_auto else (raw.kind != "float", None)


def _convert(raws: list[RawInput], flags: Sequence[bool], guessed: Sequence[bool], func: str, method: str) -> list[Variable]:
    return [
        to_discrete(r, g) if d else to_continuous(r, func, method, g)
        for r, d, g in zip(raws, flags, guessed)
    ]


def _data_signature(variables: Sequence[Variable]) -> str:
    kinds = {v.discrete for v in variables}
    if kinds == {True}:
        return "discrete"
    if kinds == {False}:
        return "continuous"
    return "mixed"


def _check_params(func: str, method: str, estimator: Any, given: dict[str, Any], k: Any, n: int) -> dict[str, Any]:
    spec = estimator.params
    unknown = sorted(set(given) - set(spec))
    if unknown:
        accepted = ", ".join(f"`{p}`" for p in spec if p != "k") or "no extra parameters"
        raise ParameterError(
            f"{func} got unknown parameter(s) {', '.join(f'`{u}`' for u in unknown)} for method={method!r}, which accepts {accepted}."
        )
    params: dict[str, Any] = {}
    for name, p in spec.items():
        value = k if name == "k" else given.get(name, p.default)
        params[name] = p.check(func, name, value, n)
    return params


def _prepare(
    func: str,
    quantity: str,
    inputs: dict[str, Any],
    method: Any,
    discrete: Any,
    base: Any,
    k: Any,
    random_state: Any,
    params: dict[str, Any],
    nan_policy: Any = "raise",
) -> _Call:
    if any(_is_dask(v) for v in inputs.values()):
        raise UnsupportedDataError(
            f"{func} does not run on Dask collections (it would bring every row to this process). On a cluster: "
            "mutinfo.pairwise, mutinfo.entropy and mutinfo.mutual_information of discrete data, and MISelector.fit; "
            "or call .compute() on a sample that fits in memory."
        )
    divisor, unit = resolve_base(base, func)
    rng = resolve_rng(random_state, func)
    nan_policy = check_nan_policy(func, nan_policy)
    seeds = rng.integers(0, 2**63 - 1, size=3)
    rngs = tuple(np.random.default_rng(int(s)) for s in seeds)
    raws = [read_input(value, name, nan_policy) for name, value in inputs.items()]
    n = check_same_length(raws)
    raws, n_dropped = omit_missing(raws, func)
    dropped = None
    if n_dropped:
        dropped = (
            f"nan_policy='omit' dropped {n_dropped} of {n} rows with a missing value in {', '.join(inputs)}; "
            f"the estimate uses the {n - n_dropped} complete rows."
        )
        n -= n_dropped
    flags = _discrete_flags(discrete, len(raws), func)
    is_auto = isinstance(method, str) and method == "auto"
    auto_kinds = [_auto_kind(r, is_auto) if f == "auto" else (r.kind != "float", None) for r, f in zip(raws, flags)]
    dtype_rule = [d for d, _ in auto_kinds]
    few_values = [why for _, why in auto_kinds]
    reason = None

    if isinstance(method, str) and method == "auto":
        kinds = [dtype_rule[i] if f == "auto" else f for i, f in enumerate(flags)]
        guessed = [f == "auto" for f in flags]
        variables = _convert(raws, kinds, guessed, func, "auto")
        n_cells = 0
        if all(kinds):
            from .estimators.discrete import contingency

            n_cells = contingency(variables).n_cells
        ties = quantity == "mi" and not any(kinds) and _has_ties(variables)
        name, reason = _registry.auto_method(quantity, tuple(kinds), tuple(v.n_dims for v in variables), n, n_cells, ties)
        decided = [f"{r.name} discrete (float column with few distinct values)" for r, g, why in zip(raws, guessed, few_values) if g and why]
        if decided:
            reason = "; ".join(decided) + f"; then {reason}"
        info = _registry.get_method(name, func)
    else:
        info = _registry.get_method(method, func)
        accepts_discrete = "discrete" in info.data or "mixed" in info.data
        accepts_continuous = "continuous" in info.data or "mixed" in info.data
        kinds, guessed = [], []
        for i, f in enumerate(flags):
            if f != "auto":
                kinds.append(f)
                guessed.append(False)
            elif accepts_discrete and accepts_continuous:
                kinds.append(dtype_rule[i])
                guessed.append(True)
            else:
                kinds.append(accepts_discrete)
                guessed.append(False)
        variables = _convert(raws, kinds, guessed, func, info.name)

    notes: list[str] = []
    for raw, var, g, why in zip(raws, variables, guessed, few_values):
        if g:
            notes.extend(_guess_notes(raw, var.discrete, var, why))
        elif var.discrete and raw.kind == "float" and n >= 20:
            distinct = np.unique(var.data).shape[0]
            if distinct > _MANY_DISTINCT * n:
                notes.append(
                    f"{raw.name} holds floats with {distinct} distinct values in {n} samples, treated as labels by the "
                    f"discrete method {info.name!r}; discrete estimates of continuous data grow with n. Use a continuous method."
                )

    inferred = None
    if any(guessed) and notes:
        # Said only when some guess is doubtful (the notes above); a plain float or integer column is not worth a line.
        described = ", ".join(
            f"{r.name} {'discrete' if v.discrete else 'continuous'} ({_KIND_WORDS[r.kind]}"
            + (", few distinct values" if why and v.discrete else "")
            + ")"
            for r, v, g, why in zip(raws, variables, guessed, few_values)
            if g
        )
        inferred = f"Data kinds inferred (discrete='auto'): {described}. Pass discrete= to override."

    signature = _data_signature(variables)
    if signature not in info.data:
        kinds_text = ", ".join(f"{v.name} {'discrete' if v.discrete else 'continuous'}" for v in variables)
        raise UnsupportedDataError(
            f"method={info.name!r} handles {' or '.join(info.data)} data, but got {kinds_text}. "
            f"Set `discrete=` to say how to treat each variable, or choose another method (see mutinfo.methods())."
        )
    if quantity not in info.quantities and not _derivable(info, quantity):
        raise UnsupportedDataError(f"method={info.name!r} does not estimate {_QUANTITY_NAMES[quantity]}; see mutinfo.methods().")

    estimator = info.load()
    if not estimator.torch_native:
        variables = [v.numpy() for v in variables]
    checked = _check_params(func, info.name, estimator, params, k, n)
    return _Call(func, quantity, info, estimator, variables, checked, rngs, divisor, unit, notes, reason, inferred, dropped)


def _has_ties(variables: Sequence[Variable]) -> bool:
    """Whether some column of a continuous variable repeats a value (one sort per column)."""
    for var in variables:
        if var.discrete:
            continue
        data = var.numpy().data
        for j in range(data.shape[1]):
            col = np.sort(data[:, j])
            if col.shape[0] > 1 and bool((col[1:] == col[:-1]).any()):
                return True
    return False


def _derivable(info: _registry.MethodInfo, quantity: str) -> bool:
    q = info.quantities
    if quantity == "conditional_entropy":
        return "entropy" in q and ("mi" in q or info.data == ("continuous",) or info.data == ("discrete",))
    return False


# ---------------------------------------------------------------------------
# Computation.


def _join(variables: Sequence[Variable]) -> Variable:
    """Several variables as one (a joint symbol, or concatenated columns)."""
    if all(v.discrete for v in variables):
        codes, n_states = combine_codes([(v.data, v.n_states) for v in variables])
        return Variable("+".join(v.name for v in variables), codes, True, n_states)
    if not any(v.discrete for v in variables):
        if any(is_torch_tensor(v.data) for v in variables):
            import torch

            data = torch.cat([torch.as_tensor(v.data) for v in variables], dim=1)
        else:
            data = np.concatenate([v.data for v in variables], axis=1)
        return Variable("+".join(v.name for v in variables), data, False)
    raise UnsupportedDataError("cannot join discrete and continuous variables into one")


def _compute(estimator: Any, quantity: str, variables: list[Variable], params: dict[str, Any], rng: np.random.Generator) -> float:
    """The quantity in nats, deriving it from an identity when the estimator lacks it."""
    if estimator.supports(quantity):
        fn = {
            "entropy": estimator.entropy,
            "conditional_entropy": estimator.conditional_entropy,
            "mi": estimator.mutual_information,
            "cmi": estimator.conditional_mutual_information,
        }[quantity]
        return float(fn(*variables, rng=rng, **params))
    if quantity == "conditional_entropy":
        x, y = variables
        if estimator.supports("mi"):
            # H(X|Y) = H(X) - I(X;Y)
            return float(estimator.entropy(x, rng=rng, **params)) - float(estimator.mutual_information(x, y, rng=rng, **params))
        # H(X|Y) = H(X,Y) - H(Y)
        return float(estimator.entropy(_join([x, y]), rng=rng, **params)) - float(estimator.entropy(y, rng=rng, **params))
    raise UnsupportedDataError(f"this method does not estimate {_QUANTITY_NAMES[quantity]}")


# Negative MI estimates down to this many nats below 0 are read as sampling noise around independence.
NEGATIVE_NOISE_NATS = 0.05


def _diagnostics(call: _Call, value_nats: float) -> list[str]:
    notes = list(call.notes)
    notes.extend(call.estimator.diagnostics(call.quantity, call.variables, value_nats, call.params))
    if call.quantity in ("mi", "cmi") and value_nats < 0:
        notes.append(
            f"The estimate is negative ({value_nats / call.divisor:.4g} {call.unit}). True (conditional) MI is never "
            "negative; the raw value is returned unclipped so that the estimator's bias and variance stay visible. "
            + (
                "Values this close to 0 are consistent with independence."
                if value_nats > -NEGATIVE_NOISE_NATS
                else "A value this far below 0 means the estimate is unreliable here: too few samples for the "
                "method, or, for a neural bound, a critic trained too briefly."
            )
        )
    return notes


def _warn(notes: Sequence[str]) -> None:
    for note in notes:
        warnings.warn(note, MutualInfoWarning, stacklevel=4)


def _value(func: str, quantity: str, inputs: dict[str, Any], method, discrete, base, k, random_state, params, nan_policy="raise") -> float:
    if quantity in ("entropy", "mi") and any(_is_dask(v) for v in inputs.values()):
        from . import _dask  # Dask collections: a count table reduced on the cluster

        return _dask.value(func, quantity, inputs, method, discrete, base, k, params, nan_policy)
    call = _prepare(func, quantity, inputs, method, discrete, base, k, random_state, params, nan_policy)
    if call.dropped:
        _warn([call.dropped])
    nats = call.compute()
    _warn([n for n in _diagnostics(call, nats) if not n.startswith("The estimate is negative")])
    return nats / call.divisor


# ---------------------------------------------------------------------------
# Public functions.


def entropy(x: Any, *, method: str = "auto", discrete: Any = "auto", base: float | None = None, k: int = 3, random_state: Any = None, nan_policy: str = "raise", **params: Any) -> float:
    """Entropy H(X) of a discrete variable, or differential entropy of a continuous one.

    Parameters
    ----------
    x : array-like of shape (n,) or (n, d)
        NumPy array, list, pandas object or torch tensor. A multi-column discrete
        variable is one joint symbol.
    method : str, default "auto"
        A name from :func:`methods`; "auto" picks by data kind and sample size.
    discrete : "auto" or bool, default "auto"
        "auto" treats integer, bool, string and categorical data as discrete, and
        floats as continuous; with ``method="auto"``, a float variable whose every
        column holds at most 20 distinct values with at least 5 samples per value is
        discrete (and a warning says so).
    base : float, optional
        Logarithm base of the result; None gives nats, 2 gives bits.
    k : int, default 3
        Neighbours, for k-NN methods.
    random_state : None, int or numpy.random.Generator
    nan_policy : {"raise", "omit"}, default "raise"
        What a missing value (NaN, None, ``pd.NA``, ``NaT``, a masked entry) does:
        "raise" raises a DataError naming the variable and the rows; "omit" drops
        every row where any variable of the call is missing, and warns with the
        number of rows dropped (scipy's names and meanings).
    **params
        Method parameters (see the method's documentation).

    Returns
    -------
    float
        In nats unless ``base`` says otherwise. Differential entropy can be negative.

    Examples
    --------
    >>> import mutinfo as mi
    >>> mi.entropy([0, 1, 0, 1], method="plugin", base=2)
    1.0
    """
    return _value("entropy", "entropy", {"x": x}, method, discrete, base, k, random_state, params, nan_policy)


def conditional_entropy(x: Any, y: Any, *, method: str = "auto", discrete: Any = "auto", base: float | None = None, k: int = 3, random_state: Any = None, nan_policy: str = "raise", **params: Any) -> float:
    """Conditional entropy H(X|Y) = H(X, Y) - H(Y).

    Same arguments as :func:`entropy`, with ``y`` shaped like ``x``.

    Examples
    --------
    >>> import mutinfo as mi
    >>> mi.conditional_entropy([0, 1, 0, 1], [0, 1, 0, 1], method="plugin")
    0.0
    """
    return _value("conditional_entropy", "conditional_entropy", {"x": x, "y": y}, method, discrete, base, k, random_state, params, nan_policy)


def mutual_information(x: Any, y: Any, *, method: str = "auto", discrete: Any = "auto", base: float | None = None, k: int = 3, random_state: Any = None, nan_policy: str = "raise", **params: Any) -> float:
    """Mutual information I(X;Y) = H(X) - H(X|Y).

    Parameters
    ----------
    x, y : array-like of shape (n,) or (n, d)
        Paired samples. NumPy arrays, lists, pandas objects or torch tensors.
    method : str, default "auto"
        A name from :func:`methods`. "auto" picks by data kind, dimension and sample
        size; :func:`estimate` reports which method it chose and why.
    discrete : "auto", bool, or (bool, bool), default "auto"
        As in :func:`entropy`; a tuple gives each variable's kind.
    base : float, optional
        None for nats, 2 for bits.
    k : int, default 3
        Neighbours, for k-NN methods.
    random_state : None, int or numpy.random.Generator
        Seeds any randomness (tie-breaking noise, neural training).
    nan_policy : {"raise", "omit"}, default "raise"
        What a missing value (NaN, None, ``pd.NA``, ``NaT``, a masked entry) does:
        "raise" raises a DataError naming the variable and the rows; "omit" drops
        every row where any variable of the call is missing, and warns with the
        number of rows dropped (scipy's names and meanings).
    **params
        Method parameters.

    Returns
    -------
    float
        The raw estimate. It is not clipped at 0: finite-sample estimators can
        return small negative values, which mean "no detectable dependence".

    Examples
    --------
    >>> import mutinfo as mi
    >>> mi.mutual_information([0, 0, 1, 1], [0, 0, 1, 1], method="plugin", base=2)
    1.0
    """
    return _value("mutual_information", "mi", {"x": x, "y": y}, method, discrete, base, k, random_state, params, nan_policy)


def conditional_mutual_information(x: Any, y: Any, z: Any, *, method: str = "auto", discrete: Any = "auto", base: float | None = None, k: int = 3, random_state: Any = None, nan_policy: str = "raise", **params: Any) -> float:
    """Conditional mutual information I(X;Y|Z).

    Same arguments as :func:`mutual_information`, with the conditioning variable ``z``.

    Examples
    --------
    >>> import mutinfo as mi
    >>> x = [0, 0, 1, 1]; y = [0, 1, 0, 1]; z = [0, 1, 1, 0]   # z = x XOR y
    >>> mi.conditional_mutual_information(x, z, y, method="plugin", base=2)
    1.0
    """
    return _value("conditional_mutual_information", "cmi", {"x": x, "y": y, "z": z}, method, discrete, base, k, random_state, params, nan_policy)


def estimate(
    x: Any,
    y: Any = None,
    z: Any = None,
    *,
    method: str = "auto",
    discrete: Any = "auto",
    base: float | None = None,
    k: int = 3,
    random_state: Any = None,
    ci: float | None = 0.95,
    n_bootstrap: int = 200,
    test: str | None = None,
    n_permutations: int = 1000,
    k_perm: int = 5,
    progress: bool | None = None,
    nan_policy: str = "raise",
    **params: Any,
) -> Estimate:
    """Estimate H(X), I(X;Y) or I(X;Y|Z) with a bootstrap interval and an optional permutation test.

    ``estimate(x)`` gives the entropy of x, ``estimate(x, y)`` the MI, and
    ``estimate(x, y, z)`` the conditional MI.

    Parameters
    ----------
    x, y, z : array-like of shape (n,) or (n, d)
    method, discrete, base, k, random_state, **params
        As in :func:`mutual_information`.
    ci : float in (0, 1) or None, default 0.95
        Level of the interval (construction per method: see Notes); None skips it.
    n_bootstrap : int, default 200
        Resamples. Discrete and Gaussian methods resample in one vectorised step
        (multinomial counts, weighted covariances); others re-run on resampled rows.
    test : None or "permutation"
        "permutation" adds a p-value against independence (conditional independence
        given z: shuffles within z-strata for discrete z, local permutation of
        Runge (2018) for continuous z).
    n_permutations : int, default 1000
    k_perm : int, default 5
        Neighbourhood size of the local permutation (continuous z only).
    progress : bool or None
        Show progress bars; None shows them on a terminal for work longer than a second.
    nan_policy : {"raise", "omit"}, default "raise"
        As in :func:`mutual_information`; with "omit", ``warnings`` says how many
        rows were dropped and ``n_samples`` counts the complete rows.

    Returns
    -------
    Estimate
        value, ci_low, ci_high, p_value, method, n_samples, unit, warnings, ...

    Notes
    -----
    The interval always contains the estimate; ``details["interval"]`` names its
    construction (:func:`mutinfo.stats.confidence_interval`): "basic" (bias-corrected
    bootstrap, discrete methods), "smoothed" (the same, resampling a shrunk joint
    table, for undersampled discrete MI), "posterior" (nsb), "influence" (gaussian:
    delta-method standard error), "subsamples" (k-NN and copula: disjoint subsamples,
    about three point estimates' cost) or "normal" (neural, held-out standard error).
    A construction that excludes the estimate is widened to it, with a warning.
    ``details["interval_label"]`` says what the interval is: "confidence interval"
    where its coverage is near nominal (``benchmarks/coverage.py``), else a
    "bias-corrected range", a posterior range on undersampled data, or the held-out
    range of a neural bound. Under ``method="auto"`` for continuous data (the
    ``ensemble``) the upper bound also allows for the estimate's rise from the
    subsamples to all rows (``details["interval_bias_allowance"]``, nats; a warning
    when the rise is large): its candidates read low by a bias that shrinks with n.
    When the interval step fails on resampled data the
    estimate still returns, with NaN bounds or a fallback construction and a warning.

    Examples
    --------
    >>> import numpy as np, mutinfo as mi
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 4, 2000); y = (x + rng.integers(0, 2, 2000)) % 4
    >>> est = mi.estimate(x, y, base=2, random_state=0)
    >>> est.method, round(est.value, 2)
    ('plugin', 1.0)
    """
    func = "estimate"
    if y is None and z is not None:
        raise ParameterError("estimate got z without y; conditional MI needs x, y and z.")
    quantity = "entropy" if y is None else ("mi" if z is None else "cmi")
    if ci is not None:
        ci = check_float(func, "ci", ci, 0.0, 1.0, lo_open=True, hi_open=True, rule="None or a real number in (0, 1)")
    n_bootstrap = check_int(func, "n_bootstrap", n_bootstrap, 2)
    if test is not None:
        check_choice(func, "test", test, (None, "permutation"))
        if quantity == "entropy":
            raise ParameterError("The `test` parameter of estimate needs y: a permutation test is a test of independence between x and y.")
    n_permutations = check_int(func, "n_permutations", n_permutations, 1)
    k_perm = check_int(func, "k_perm", k_perm, 1)
    inputs = {"x": x} if y is None else ({"x": x, "y": y} if z is None else {"x": x, "y": y, "z": z})
    call = _prepare(func, quantity, inputs, method, discrete, base, k, random_state, params, nan_policy)
    if call.dropped:
        warnings.warn(call.dropped, MutualInfoWarning, stacklevel=2)

    nats = call.compute()
    # What an ensemble tried and chose, read before the interval re-estimates on subsamples.
    selection = getattr(call.estimator, "last_selection", None)
    chosen = selection(*call.variables[:2], call.params) if selection is not None and quantity == "mi" else None
    notes = ([call.dropped] if call.dropped else []) + ([call.inferred] if call.inferred else []) + _diagnostics(call, nats)
    ci_low = ci_high = std_error = None
    used_boot = 0
    interval_details: dict[str, Any] = {}
    if ci is not None:
        iv = _stats().confidence_interval(
            call.compute, call.estimator, quantity, call.variables, call.params, nats,
            level=ci, n_bootstrap=n_bootstrap, rng=call.rngs[1], show_progress=progress,
        )
        ci_low, ci_high = iv.low / call.divisor, iv.high / call.divisor
        std_error = iv.std_error / call.divisor if iv.std_error is not None else None
        used_boot = iv.n_bootstrap
        notes.extend(iv.notes)
        interval_details = {"interval": iv.construction, "interval_widened": iv.widened, "interval_label": iv.label}
        if iv.bias_allowance > 0.0:
            interval_details["interval_bias_allowance"] = iv.bias_allowance
        if iv.label != "confidence interval":
            notes.append(f"The interval is a {iv.label} (its coverage is measured in benchmarks/coverage.py).")
    p_value = None
    used_perm = 0
    if test == "permutation":
        null = _stats().permutation_null(
            call.compute, quantity, call.variables, n_permutations=n_permutations, rng=call.rngs[2], k_perm=k_perm, show_progress=progress
        )
        p_value = _stats().permutation_p_value(nats, null)
        used_perm = n_permutations
    details: dict[str, Any] = {
        "params": {k_: v for k_, v in call.params.items()},
        "discrete": [v.discrete for v in call.variables],
    }
    if call.reason is not None:
        details["auto_reason"] = call.reason
    if chosen is not None:
        details["candidates"] = chosen.to_dict()
    details.update(interval_details)
    return Estimate(
        value=nats / call.divisor,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        method=call.info.name,
        n_samples=call.n_samples,
        unit=call.unit,
        warnings=tuple(notes),
        quantity=quantity,
        ci_level=ci,
        std_error=std_error,
        n_bootstrap=used_boot,
        n_permutations=used_perm,
        details=details,
        names=tuple(display_name(v, d) for v, d in zip((x, y, z), ("X", "Y", "Z")) if v is not None),
    )


def _is_dask(obj: Any) -> bool:
    """A Dask collection, told by its module without importing Dask."""
    module = type(obj).__module__ or ""
    return module == "dask" or module.startswith("dask.")


def _stats():
    from . import stats

    return stats


def _columns(data: Any, name: str, nan_policy: str) -> list[tuple[str, Any]]:
    """Split a 2-D input into named columns, keeping pandas dtypes per column.

    Under ``nan_policy="omit"`` a NumPy column keeps its missing cells as masked entries,
    so that each pair drops only the rows missing in that pair.
    """
    import sys

    pd = sys.modules.get("pandas")
    columns = None
    if pd is not None and isinstance(data, pd.DataFrame):
        columns = [(str(c), data[c]) for c in data.columns]
    elif pd is not None and isinstance(data, pd.Series):
        columns = [(str(data.name) if data.name is not None else f"{name}[0]", data)]
    elif is_torch_tensor(data):
        arr = data if data.ndim == 2 else data.reshape(-1, 1)
        columns = [(f"{name}[{j}]", arr[:, j]) for j in range(arr.shape[1])]
    if columns is not None:
        if nan_policy == "raise":
            for label, col in columns:  # a missing value is reported with its column's name
                read_input(col, label, nan_policy)
        return columns
    raw = read_input(data, name, nan_policy)
    if raw.missing is None:
        return [(f"{name}[{j}]", raw.data[:, j]) for j in range(raw.n_columns)]
    return [(f"{name}[{j}]", np.ma.MaskedArray(raw.data[:, j], mask=raw.missing[:, j])) for j in range(raw.n_columns)]


def pairwise(
    X: Any,
    Y: Any = None,
    *,
    method: str = "auto",
    discrete: Any = "auto",
    base: float | None = None,
    k: int = 3,
    random_state: Any = None,
    progress: bool | None = None,
    nan_policy: str = "raise",
    **params: Any,
) -> np.ndarray:
    """MI of every column of X with every column of Y, or of X with itself.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n, p)
        A sparse matrix must hold counts or binary indicators (non-negative whole
        numbers); its count tables come from the non-zeros, never densified, and equal
        the dense result (:mod:`mutinfo._sparse`).
    Y : array-like or scipy.sparse matrix of shape (n, q) or (n,), optional
        If omitted, the (p, p) matrix of MI between columns of X is returned; its
        diagonal is I(X_i; X_i) = H(X_i) for discrete columns and +inf for
        continuous ones.
    discrete : "auto" or bool
        Applied to every column; "auto" decides each column's kind as
        :func:`mutual_information` does (with ``method="auto"``, a float column with
        at most 20 distinct values and at least 5 samples per value is discrete).
    method, base, k, random_state, **params
        As in :func:`mutual_information`.
    progress : bool or None
        Progress bar over pairs.
    max_rows : int, optional (keyword, Dask input only)
        With Dask collections (computed on the cluster; see "Larger than one machine"
        in the README and :mod:`mutinfo._dask`), estimate each continuous pair on a
        uniform subsample of this many rows instead of raising when a pair needs more
        memory than a worker has.
    nan_policy : {"raise", "omit"}, default "raise"
        "raise": a missing value anywhere in X or Y raises a DataError naming the
        column and rows. "omit": each entry uses the rows complete in its own pair
        of columns, so entries can rest on different rows; one warning gives the
        largest number of rows dropped for any pair.

    Returns
    -------
    ndarray of shape (p, q) or (p, p); with pandas input (X or Y a DataFrame or
    Series), a pandas Series indexed by X's column names when Y is one target (a
    Series or 1-D), else a DataFrame labelled by the column names of X and Y.

    Examples
    --------
    >>> import numpy as np, mutinfo as mi
    >>> X = np.array([[0, 0, 1], [1, 1, 0], [0, 0, 0], [1, 1, 1]])
    >>> np.round(mi.pairwise(X, method="plugin", base=2), 3)
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    """
    func = "pairwise"
    if not isinstance(discrete, (bool, np.bool_)) and not (isinstance(discrete, str) and discrete == "auto"):
        raise param_error(func, "discrete", "'auto' or a bool (applied to every column)", discrete)
    resolve_base(base, func)
    nan_policy = check_nan_policy(func, nan_policy)
    from ._sparse import is_sparse

    if is_sparse(X) or is_sparse(Y):
        return _pairwise_sparse(func, X, Y, method, discrete, base, params)
    if _is_dask(X) or _is_dask(Y):
        from . import _dask  # computed on the cluster: only tables and values come back

        max_rows = params.pop("max_rows", None)
        return _dask.pairwise(X, Y, method=method, discrete=discrete, base=base, k=k, random_state=random_state, nan_policy=nan_policy, params=params, max_rows=max_rows)
    xcols = _columns(X, "X", nan_policy)
    symmetric = Y is None
    ycols = xcols if symmetric else _columns(Y, "Y", nan_policy)
    rng = resolve_rng(random_state, func)
    tabled = _table_pairwise(func, xcols, None if symmetric else ycols, method, discrete, k, params, nan_policy, progress)
    if tabled is not None:
        return _labelled(tabled / resolve_base(base, func)[0], X, Y, xcols, ycols)
    shape = (len(xcols), len(ycols))
    out = np.empty(shape)
    done = np.zeros(shape, dtype=bool)
    shared = _shared_pairwise(func, xcols, None if symmetric else ycols, method, discrete, k, rng, progress, params, nan_policy)
    if shared is not None:
        xi, yi, block = shared
        out[np.ix_(xi, yi)] = block / resolve_base(base, func)[0]
        done[np.ix_(xi, yi)] = True
    pairs = [(i, j) for i in range(shape[0]) for j in range(shape[1]) if (not symmetric or j >= i) and not done[i, j]]
    seeds = rng.integers(0, 2**63 - 1, size=len(pairs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        for (i, j), seed in zip(progress_pairs(pairs, progress), seeds):
            if symmetric and i == j:
                col = xcols[i][1]
                if isinstance(discrete, str):
                    raw = omit_missing([read_input(col, xcols[i][0], nan_policy)], func)[0][0]
                    is_discrete = _auto_kind(raw, isinstance(method, str) and method == "auto")[0]
                else:
                    is_discrete = discrete
                out[i, i] = (
                    entropy(col, method=method, discrete=True, base=base, k=k, random_state=int(seed), nan_policy=nan_policy, **params)
                    if is_discrete
                    else math.inf
                )
                continue
            out[i, j] = mutual_information(
                xcols[i][1], ycols[j][1], method=method, discrete=discrete, base=base, k=k, random_state=int(seed), nan_policy=nan_policy, **params
            )
            if symmetric:
                out[j, i] = out[i, j]
    if nan_policy == "omit":
        missing = [read_input(col, name, nan_policy).missing_rows for name, col in [*xcols, *([] if symmetric else ycols)]]
        if any(m is not None for m in missing):
            n_rows = next(m for m in missing if m is not None).shape[0]
            rows = [np.zeros(n_rows, dtype=bool) if m is None else m for m in missing]
            ymissing = rows if symmetric else rows[len(xcols) :]
            counts = [int(np.count_nonzero(rows[i] | ymissing[j])) for i in range(shape[0]) for j in range(shape[1])]
            warnings.warn(
                f"nan_policy='omit' dropped rows with a missing value pair by pair: up to {max(counts)} rows for one pair "
                "of columns; each entry uses the rows complete in its own pair.",
                MutualInfoWarning,
                stacklevel=2,
            )
    return _labelled(out, X, Y, xcols, ycols)


# pairwise of discrete columns from count tables: rows per pass of the counting kernel.
_TABLE_ROWS = 1 << 23


def _table_pairwise(
    func: str,
    xcols: list[tuple[str, Any]],
    ycols: list[tuple[str, Any]] | None,
    method: Any,
    discrete: Any,
    k: Any,
    params: dict[str, Any],
    nan_policy: str,
    show_progress: bool | None = None,
) -> np.ndarray | None:
    """The pairwise matrix (nats) of discrete columns from their count tables, or None where it does not apply.

    Applies when every column is discrete for every pair and on the diagonal (``discrete=True``,
    or ``"auto"`` with integer, boolean or label columns), has no missing value and at most
    :data:`mutinfo._dask.MAX_STATES` distinct values, and ``method`` is ``"auto"`` or a discrete
    estimator. Every table of a block of pairs is counted in one pass over chunks of rows
    (one one-hot matrix product for a dense block: :func:`mutinfo._dask._pair_tables`), and
    each value comes from its table as the Dask back-end computes it, so the matrix equals
    the pair-by-pair one. Cost: O(n p^2) arithmetic in a few matrix products instead of
    p^2 / 2 passes over the rows.
    """
    from . import _dask

    if isinstance(discrete, str) and discrete != "auto":
        return None
    if not isinstance(discrete, str) and not discrete:
        return None
    if not (isinstance(method, str) and method == "auto") and _registry.get_method(method, func).family != "discrete":
        return None
    columns = xcols if ycols is None else xcols + ycols
    codes, sizes = [], []
    for name, col in columns:
        raw = read_input(col, name, nan_policy)
        if raw.n_columns != 1 or (raw.missing is not None and raw.missing.any()) or (isinstance(discrete, str) and raw.kind == "float"):
            return None
        variable = to_discrete(raw)
        c, n_states = variable.data.reshape(-1), variable.n_states
        present = np.bincount(c, minlength=n_states) > 0
        if not present.all():  # compact codes: unused states would only widen the tables
            c = (np.cumsum(present) - 1)[c]
            n_states = int(present.sum())
        if n_states > _dask.MAX_STATES:
            return None
        codes.append(c)
        sizes.append(n_states)
    n = codes[0].shape[0] if codes else 0
    if n == 0:
        return None
    matrix = np.column_stack(codes).astype(np.int32 if max(sizes) < 2**31 else np.int64)
    del codes
    p = len(xcols)
    q = p if ycols is None else len(ycols)
    if ycols is None:
        pairs = [(a, b) for a in range(p) for b in range(a, p)]
    else:
        pairs = [(a, p + b) for a in range(p) for b in range(q)]
    alphabets = [np.arange(s) for s in sizes]
    out = np.empty((p, q))
    step = max(1, _TABLE_ROWS // max(len(columns), 1))
    blocks = _dask._blocks(pairs, alphabets)
    with progress(total=len(blocks) * -(-n // step), desc="pairwise (count tables)", enabled=show_progress) as bar:
        for block in blocks:
            used = sorted({c for pair in block for c in pair})
            local = {c: t for t, c in enumerate(used)}
            cols = [(0, c, columns[c][0]) for c in used]
            alph = [alphabets[c] for c in used]
            local_pairs = [(local[a], local[b]) for a, b in block]
            tables = None
            for start in range(0, n, step):
                chunk = _dask._pair_tables([matrix[start : start + step]], cols, alph, local_pairs)
                tables = chunk if tables is None else [t.__iadd__(c) for t, c in zip(tables, chunk)]
                bar.update(1)
            for (a, b), counts in zip(block, tables):
                i, j = a, (b if ycols is None else b - p)
                if ycols is None and a == b:
                    out[i, i] = _dask.table_value("entropy", counts, method, "entropy", params, k)
                    continue
                out[i, j] = _dask.table_value("mi", counts, method, func, params, k)
                if ycols is None:
                    out[j, i] = out[i, j]
    return out


def _labelled(out: np.ndarray, X: Any, Y: Any, xcols: list[tuple[str, Any]], ycols: list[tuple[str, Any]]) -> Any:
    """pandas in, pandas out: a Series for one target (a Series or 1-D Y), else a DataFrame, labelled by column names."""
    import sys

    pd = sys.modules.get("pandas")
    if pd is None or not any(isinstance(v, (pd.DataFrame, pd.Series)) for v in (X, Y)):
        return out
    rows, cols = [n for n, _ in xcols], [n for n, _ in ycols]
    if Y is not None and (isinstance(Y, pd.Series) or getattr(Y, "ndim", 2) == 1):
        return pd.Series(out[:, 0], index=rows, name=cols[0])
    return pd.DataFrame(out, index=rows, columns=cols)


# Discrete methods whose entropy needs only the observed counts: sparse pairwise evaluates them on the tables.
_SPARSE_TABLE_METHODS = ("plugin", "miller_madow", "grassberger", "chao_shen")


def _pairwise_sparse(func: str, X: Any, Y: Any, method: Any, discrete: Any, base: float | None, params: dict[str, Any]) -> np.ndarray:
    """pairwise for scipy.sparse X (and Y): count tables from the non-zeros (:mod:`mutinfo._sparse`).

    Counts and indicators are discrete; ``discrete=False`` is an error. Methods that need
    more than the observed counts ("auto", "shrinkage", "nsb") get each pair as two dense
    code columns (O(n) memory per pair), so the result equals the dense one.
    """
    from ._sparse import is_sparse, sparse_pairwise

    if discrete is False or (isinstance(discrete, np.bool_) and not discrete):
        raise param_error(func, "discrete", "'auto' or True for sparse input (counts or indicators are discrete)", discrete)
    if Y is not None and not is_sparse(Y):
        import scipy.sparse as sp

        arr = np.asarray(Y)
        Y = sp.csc_matrix(arr.reshape(arr.shape[0], -1))
    scale = resolve_base(base, func)[0]
    name = method
    if not (isinstance(method, str) and method == "auto"):
        name = _registry.get_method(method, func).name
        if _registry.get_method(name, func).family != "discrete":
            raise param_error(func, "method", "a discrete method for sparse input (counts or indicators)", method)
    if name in _SPARSE_TABLE_METHODS:
        entropy_fn = _registry.get_method(name, func).load().entropy_fn
        return sparse_pairwise(X, Y, entropy_fn) / scale

    def one_pair(a: np.ndarray, b: np.ndarray, same: bool) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MutualInfoWarning)
            if same:
                return entropy(a, method=method, discrete=True, **params)
            return mutual_information(a, b, method=method, discrete=True, **params)

    return sparse_pairwise(X, Y, None, one_pair) / scale


def _shared_pairwise(
    func: str,
    xcols: list[tuple[str, Any]],
    ycols: list[tuple[str, Any]] | None,
    method: Any,
    discrete: Any,
    k: Any,
    rng: np.random.Generator,
    show_progress: bool | None,
    params: dict[str, Any],
    nan_policy: str = "raise",
) -> tuple[list[int], list[int], np.ndarray] | None:
    """The block of the matrix the estimator's ``pairwise`` hook can give, or None to go pair by pair.

    The hook covers the columns that are continuous (by ``discrete``, or by the
    ``discrete="auto"`` rule of :func:`mutual_information` column by column) and
    complete; the method (or the one ``method="auto"`` picks for two 1-D continuous
    columns) must have one. It shares per-column work (standardisation, noise,
    sorted copies) across pairs. Returns the row and column indices of the block
    and the block, in nats; the other entries go pair by pair.
    """
    if discrete is True:
        return None
    raws = [read_input(col, name, nan_policy) for name, col in [*xcols, *(ycols or [])]]
    if any(r.kind == "other" for r in raws):
        return None
    n = check_same_length(raws)
    if discrete is False:
        usable = [r.missing is None for r in raws]
    else:
        is_auto = isinstance(method, str) and method == "auto"
        usable = [r.missing is None and r.kind == "float" and not _auto_kind(r, is_auto)[0] for r in raws]
    p = len(xcols)
    xi = [i for i in range(p) if usable[i]]
    yi = xi if ycols is None else [j for j in range(len(ycols)) if usable[p + j]]
    if not xi or not yi or (ycols is None and len(xi) < 2):
        return None
    info = continuous_pair_method(method, n, func)
    if info is None:
        return None
    estimator = info.load()
    xs = [to_continuous(raws[i], func, info.name) for i in xi]
    ys = None if ycols is None else [to_continuous(raws[p + j], func, info.name) for j in yi]
    if isinstance(method, str) and method == "auto" and _has_ties([*xs, *(ys or [])]):
        return None
    if not estimator.torch_native:
        xs = [v.numpy() for v in xs]
        ys = None if ys is None else [v.numpy() for v in ys]
    checked = _check_params(func, info.name, estimator, params, k, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        block = estimator.pairwise(xs, ys, rng=rng, params=checked, show_progress=show_progress)
    return None if block is None else (xi, yi, block)


def continuous_pair_method(method: Any, n: int, func: str) -> _registry.MethodInfo | None:
    """The method for pairs of 1-D continuous columns (what "auto" picks for them), or None if it takes no continuous data."""
    if isinstance(method, str) and method == "auto":
        name, _ = _registry.auto_method("mi", (False, False), (1, 1), n, 0)
        info = _registry.get_method(name, func)
    else:
        info = _registry.get_method(method, func)
    return info if "continuous" in info.data else None


def progress_pairs(pairs: list[tuple[int, int]], enabled: bool | None) -> Any:
    return progress(pairs, desc="pairs", enabled=enabled)


def methods() -> list[_registry.MethodInfo]:
    """The registered estimation methods, each with its name, data kinds, quantities and flags.

    Examples
    --------
    >>> import mutinfo as mi
    >>> [m.name for m in mi.methods()][:3]
    ['plugin', 'miller_madow', 'grassberger']
    """
    return list(_registry.REGISTRY)
