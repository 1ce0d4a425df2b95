"""Uncertainty for any registered estimator: bootstrap intervals and permutation tests.

These functions work on validated variables and are what :func:`mutinfo.estimate`
calls; they are public for users who build their own pipelines.

* :func:`bootstrap_replicates`: estimates on resamples of the rows, using the
  estimator's own vectorised resampler where it has one (multinomial cell counts
  for discrete data, weighted covariances for the Gaussian estimator).
* :func:`permutation_null`: estimates under the null of (conditional)
  independence. For I(X;Y), Y's rows are shuffled. For I(X;Y|Z), X is shuffled
  within the strata of a discrete Z, or, for a continuous Z, by the local
  permutation scheme of Runge (2018): each sample takes the X of one of its
  ``k_perm`` nearest neighbours in Z, drawn so that few values repeat.
* :func:`confidence_interval`: the interval :func:`mutinfo.estimate` reports. Each
  estimator names its construction in ``Estimator.interval_method`` (see
  :data:`INTERVAL_METHODS`); every construction is widened, if it must be, to
  contain the point estimate, and says so.
* :func:`percentile_interval`, :func:`basic_interval`, :func:`normal_interval` and
  :func:`permutation_p_value`.

Why not the plain percentile interval: the bootstrap distribution of a biased
estimator is centred on its value in the bootstrap world, not on the estimate.
For a bias-corrected discrete estimator on 100 samples of two independent
50-symbol variables, NSB gives 0.23 nats while its bootstrap replicates lie in
[2.1, 2.6] (the resampled table, whose own plug-in MI is 2.7 nats, is what they
estimate), so the percentile interval excludes both the estimate and the truth.
The constructions here use the replicates only for the *shape* of the error
``T* - t(F_n)``, measured from the quantity's value ``t(F_n)`` in the bootstrap
world, and carry that error over to the estimate. For undersampled discrete data
even that world (the observed cells) is unlike the real one, so the discrete
estimators resample a smoothed table instead ("smoothed"; see
:func:`mutinfo.estimators.discrete.smoothed_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.special import ndtri

from ._progress import progress
from ._validation import Variable, is_torch_tensor

__all__ = [
    "bootstrap_replicates",
    "permutation_null",
    "percentile_interval",
    "basic_interval",
    "normal_interval",
    "confidence_interval",
    "subsample_standard_error",
    "Interval",
    "INTERVAL_METHODS",
    "INTERVAL_LABELS",
    "permutation_p_value",
    "local_permutation",
    "strata_permutation",
]


def percentile_interval(replicates: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` percentile interval of finite bootstrap replicates."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def basic_interval(estimate: float, replicates: np.ndarray, level: float, reference: float | None = None) -> tuple[float, float]:
    """Bias-corrected ("basic") bootstrap interval ``[T - q_hi(d), T - q_lo(d)]``, ``d = T* - reference``.

    ``reference`` is the quantity's value in the bootstrap world, t(F_n): the
    plug-in value of the original sample (default: ``estimate``, which is right for
    plug-in estimators). The bootstrap distribution of ``T* - t(F_n)`` stands in for
    that of ``T - t(F)``, so a bias the estimator has in the bootstrap world is
    removed from the interval (Davison & Hinkley 1997, sec. 5.2). NaN when no
    replicate is finite.
    """
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    ref = estimate if reference is None else reference
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite - ref, [alpha, 1.0 - alpha])
    return float(estimate - hi), float(estimate - lo)


def normal_interval(estimate: float, std_error: float, level: float) -> tuple[float, float]:
    """``estimate -/+ z std_error``, z the standard normal quantile at ``(1 + level) / 2``."""
    if not math.isfinite(std_error):
        return float("nan"), float("nan")
    z = float(ndtri(0.5 + level / 2.0))
    return float(estimate - z * std_error), float(estimate + z * std_error)


# The constructions an estimator may name in ``interval_method``.
INTERVAL_METHODS: dict[str, str] = {
    "basic": "bias-corrected basic bootstrap: the spread of T* - t(F_n) over row resamples, carried over to the estimate",
    "smoothed": "bias-corrected basic bootstrap from a smoothed table (undersampled discrete data): counts drawn from "
    "the joint table shrunk towards uniform over the observed symbols, errors measured from its exact value",
    "subsampling": "subsampling (half-samples without replacement, rescaled to N): the spread of the subsample estimates "
    "around their mean, reflected around the estimate",
    "subsamples": "disjoint subsamples (Holmes & Nemenman 2019): the rows split at random into m blocks, a few times; the "
    "variance of the block estimates, scaled from n/m to n rows, gives estimate -/+ t SE",
    "influence": "normal interval from the influence-function (delta-method) standard error: estimate -/+ z SE, with "
    "SE^2 the variance of the per-row influence values over n",
    "normal": "normal interval from the held-out standard error (estimate -/+ z SE; critic fixed, training variability "
    "not included)",
    "posterior": "Bayesian posterior interval: posterior mean -/+ z posterior standard deviation",
}


# What an interval is when it is not a confidence interval at its nominal level (measured in
# benchmarks/coverage.py; Estimate.details["interval_label"] carries it).
BIAS_CORRECTED_RANGE = "bias-corrected range, not a confidence interval"
POSTERIOR_RANGE = "Bayesian posterior range on undersampled data, not a confidence interval"
HELD_OUT_RANGE = "held-out sampling range of the trained critic's bound, not a confidence interval for the MI"
SMALL_SAMPLE_KNN_RANGE = (
    "sampling range of a k-NN estimate that reads low in 4 or more dimensions at small n (measured: 0.86 coverage "
    "at n = 200 in 2 + 2 dimensions), not a confidence interval"
)
INTERVAL_LABELS = (BIAS_CORRECTED_RANGE, POSTERIOR_RANGE, HELD_OUT_RANGE, SMALL_SAMPLE_KNN_RANGE)
# k-NN MI intervals (estimators with ``knn_bias_label = True``) in at least this many joint dimensions and
# with fewer rows than KNN_LABEL_MAX_ROWS carry SMALL_SAMPLE_KNN_RANGE: the bias, not the spread, dominates.
KNN_LABEL_MIN_DIMS = 4
KNN_LABEL_MAX_ROWS = 1000


@dataclass
class Interval:
    """A confidence interval as :func:`mutinfo.estimate` reports it, in nats.

    Attributes
    ----------
    low, high : float
        The bounds (NaN when no replicate was finite).
    construction : str
        A key of :data:`INTERVAL_METHODS`.
    std_error : float or None
    n_bootstrap : int
        Replicates computed (0 for constructions that need none).
    widened : bool
        Whether the construction excluded the estimate and was widened to reach it.
    notes : list of str
        Plain-language notes for ``Estimate.warnings``.
    label : str
        What the interval is: "confidence interval" where its coverage was measured near
        nominal (``benchmarks/coverage.py``), else one of :data:`INTERVAL_LABELS`
        (``Estimate.details["interval_label"]``).
    """

    low: float
    high: float
    construction: str
    std_error: float | None
    n_bootstrap: int
    widened: bool = False
    notes: list[str] = field(default_factory=list)
    label: str = "confidence interval"
    bias_allowance: float = 0.0


# Errors an interval step may meet on resamples of data the point estimate handled (a singular
# resampled matrix, a block with a constant column): they cost the interval, never the estimate.
_INTERVAL_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError)

# Disjoint subsamples: blocks per split, splits, and the fewest rows a block may have.
SUBSAMPLE_BLOCKS = 4
SUBSAMPLE_SPLITS = 3
SUBSAMPLE_MIN_ROWS = 20


def subsample_standard_error(
    run: Callable[[Sequence[Variable]], float],
    variables: Sequence[Variable],
    *,
    rng: np.random.Generator,
    n_blocks: int = SUBSAMPLE_BLOCKS,
    n_splits: int = SUBSAMPLE_SPLITS,
    min_rows: int = SUBSAMPLE_MIN_ROWS,
    floor: int = 2,
) -> tuple[float, int, np.ndarray]:
    """Standard error (nats) of an n-row estimate from estimates on disjoint subsamples.

    The rows are split at random into ``m`` blocks of ``b = n // m`` rows, ``n_splits``
    times; ``run`` estimates the quantity on every block. For an estimator whose
    variance falls as 1/n (fixed-k KSG, KL and the mixed estimator are root-n
    consistent; Gao, Oh & Viswanath 2018), the pooled within-split variance ``s_b^2``
    of the block estimates, times ``b / n``, estimates the variance at n rows
    (Holmes & Nemenman 2019 extrapolate the same scaling). Blocks are disjoint, so no
    row is duplicated (duplicated rows sit at distance 0, which k-NN estimators read
    as dependence). The cost is about ``n_splits`` point estimates.

    ``m`` is lowered (to 2 at least) until blocks have ``min_rows`` rows, and the
    number of splits raised so that about ``n_blocks * n_splits`` blocks are still
    estimated (the degrees of freedom stay near ``n_splits * (n_blocks - 1)``); blocks of
    fewer than ``floor`` rows (k + 2 for a k-NN estimator) give no interval. Returns
    ``(se, df, block_estimates)``: ``df`` is the degrees of freedom of the pooled
    variance, ``n_splits * (m - 1)`` when every block succeeded (a block whose
    estimate raises a data error is left out); ``se`` is NaN when ``df`` is 0.
    """
    n = variables[0].n_samples
    m = max(2, n_blocks)
    while m > 2 and n // m < min_rows:
        m -= 1
    n_splits = max(n_splits, math.ceil(max(2, n_blocks) * n_splits / m))
    size = n // m
    values = np.full((n_splits, m), np.nan)
    if size < max(floor, 2):
        return float("nan"), 0, values
    for r in range(n_splits):
        perm = rng.permutation(n)
        for j in range(m):
            idx = np.sort(perm[j * size : (j + 1) * size])
            try:
                values[r, j] = run([v.take(idx) for v in variables])
            except _INTERVAL_FAILURES:
                pass
    ss, df = 0.0, 0
    for row in values:
        f = row[np.isfinite(row)]
        if f.size >= 2:
            ss += float(((f - f.mean()) ** 2).sum())
            df += f.size - 1
    if df == 0:
        return float("nan"), 0, values
    return math.sqrt(ss / df * size / n), df, values


def _t_quantile(level: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2.0, df))


# A rise of the estimate from the blocks to all rows larger than this many standard errors of the
# difference is reported in a note (the estimate is then likely still below its large-sample value).
RISING_NOTE_SE = 3.0


def _allow_for_rising_estimates(iv: Interval, estimate: float, values: np.ndarray, se: float, n_rows: int) -> None:
    """Extend the upper bound by the rise of the estimate from the subsamples to all rows.

    Estimators whose errors are one-sided (k-NN estimators at high MI or in several
    dimensions, lower bounds of a trained critic, a maximum of such candidates) read low
    by a bias that shrinks with n. The block estimates, on ``n / m`` rows, measure it:
    when the estimator's bias falls like ``n^-a`` the bias left at n rows is
    ``D / (m^a - 1)`` with ``D`` the estimate minus the mean of the block estimates; for
    ``a >= 1/2`` and ``m >= 4`` this is at most D. So the upper bound is raised by
    ``max(D, 0)``; an unbiased estimator has D near 0 and keeps its interval. The
    allowance is ``Estimate.details["interval_bias_allowance"]``.
    """
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return
    rise = float(estimate - finite.mean())
    if rise <= 0.0:
        return
    iv.high += rise
    iv.bias_allowance = rise
    blocks = values.shape[1]
    # Standard error of the rise: the full estimate's, plus that of the mean of the blocks (blocks * splits of them).
    se_rise = se * math.sqrt(1.0 + blocks / max(finite.size, 1))
    if rise > RISING_NOTE_SE * se_rise:
        size = n_rows // blocks
        iv.notes.append(
            f"The estimate rises from {finite.mean():.3f} nats on subsamples of {size} rows to {estimate:.3f} on all "
            f"{n_rows}: it is still growing with the sample size, so the truth is likely above it (the estimators read "
            f"low here). The interval's upper bound allows for that ({rise:.3f} nats above the sampling interval)."
        )


def _subsample_interval(run, estimator, variables, params, estimate, level, rng) -> Interval:
    blocks, splits = getattr(estimator, "subsample_plan", (SUBSAMPLE_BLOCKS, SUBSAMPLE_SPLITS))
    floor = int(params.get("k", 0)) + 2
    min_rows = getattr(estimator, "subsample_min_rows", SUBSAMPLE_MIN_ROWS)
    se, df, values = subsample_standard_error(
        run, variables, rng=rng, n_blocks=blocks, n_splits=splits, min_rows=min_rows, floor=floor
    )
    if df == 0:
        iv = Interval(math.nan, math.nan, "subsamples", None, 0)
        iv.notes.append(
            f"No interval: the {variables[0].n_samples} rows are too few for two disjoint subsamples on which the "
            "estimator succeeds; ci_low and ci_high are NaN."
        )
        return iv
    z = _t_quantile(level, df)
    iv = Interval(estimate - z * se, estimate + z * se, "subsamples", se, int(np.isfinite(values).sum()))
    if getattr(estimator, "subsample_bias_allowance", False):
        _allow_for_rising_estimates(iv, estimate, values, se, n_rows=variables[0].n_samples)
    failed = values.size - int(np.isfinite(values).sum())
    if failed:
        iv.notes.append(f"{failed} of {values.size} subsample estimates failed and were left out of the interval.")
    dims = sum(v.n_dims for v in variables if not v.discrete)
    if getattr(estimator, "knn_bias_label", False) and dims >= KNN_LABEL_MIN_DIMS and variables[0].n_samples < KNN_LABEL_MAX_ROWS:
        iv.label = SMALL_SAMPLE_KNN_RANGE
        iv.notes.append(f"The interval is a {SMALL_SAMPLE_KNN_RANGE}.")
    return iv


def _construct(run, estimator, quantity, variables, params, estimate, level, n_bootstrap, rng, show_progress) -> Interval:
    own = estimator.interval(quantity, variables, params, estimate, level=level)
    if own is not None:
        return own
    method = estimator.interval_construction(quantity, variables, params)
    if method in ("normal", "influence"):
        se = estimator.standard_error(quantity, variables, params)
        lo, hi = normal_interval(estimate, se, level) if se is not None else (math.nan, math.nan)
        return Interval(lo, hi, method, se, 0)
    if method == "subsamples":
        return _subsample_interval(run, estimator, variables, params, estimate, level, rng)
    reps = bootstrap_replicates(
        run, estimator, quantity, variables, params, n_bootstrap=n_bootstrap, rng=rng, show_progress=show_progress
    )
    finite = reps[np.isfinite(reps)]
    if method == "subsampling":
        # The replicates are already rescaled to N and centred on the full estimate.
        reference = float(finite.mean()) if finite.size else None
    elif method in ("basic", "smoothed"):
        reference = estimator.bootstrap_reference(quantity, variables, params)
    else:
        raise ValueError(f"unknown interval construction {method!r}")
    lo, hi = basic_interval(estimate, reps, level, reference)
    se = float(finite.std(ddof=1)) if finite.size > 1 else None
    iv = Interval(lo, hi, method, se, n_bootstrap)
    if method == "smoothed":
        iv.label = BIAS_CORRECTED_RANGE
    if finite.size < reps.size:
        iv.notes.append(
            f"{reps.size - finite.size} of {reps.size} bootstrap replicates were not finite and were left out "
            "of the interval."
        )
    return iv


def confidence_interval(
    run: Callable[[Sequence[Variable]], float],
    estimator: Any,
    quantity: str,
    variables: Sequence[Variable],
    params: Mapping[str, Any],
    estimate: float,
    *,
    level: float,
    n_bootstrap: int,
    rng: np.random.Generator,
    show_progress: bool | None = None,
) -> Interval:
    """The interval at ``level`` around ``estimate`` (nats) by the estimator's own construction.

    The construction is ``estimator.interval_method`` (a key of
    :data:`INTERVAL_METHODS`); ``estimator.interval`` may return a whole
    :class:`Interval` instead (the NSB posterior does). Whatever the construction
    gives, the interval is widened to contain ``estimate`` when it does not, with
    a note: an interval that excludes its own point estimate describes some other
    estimator's sampling distribution.

    The interval step never fails where the estimate succeeded: when the
    construction raises a data error on resampled data (a singular resampled
    matrix, say), disjoint subsamples are tried instead, and when those fail too
    the interval is NaN; either way with a :class:`~mutinfo.MutualInfoWarning`
    and a note.
    """
    import warnings

    from ._errors import MutualInfoWarning

    try:
        iv = _construct(run, estimator, quantity, variables, params, estimate, level, n_bootstrap, rng, show_progress)
    except _INTERVAL_FAILURES as exc:
        first = estimator.interval_construction(quantity, variables, params)
        reason = f"The {first!r} interval failed on resampled data ({type(exc).__name__}: {exc})"
        iv = None
        if first != "subsamples":
            try:
                iv = _subsample_interval(run, estimator, variables, params, estimate, level, rng)
            except _INTERVAL_FAILURES:
                iv = None
        if iv is not None and math.isfinite(iv.low) and math.isfinite(iv.high):
            note = f"{reason}; the interval comes from disjoint subsamples instead (wider than the bootstrap's, as a rule)."
        else:
            iv = Interval(math.nan, math.nan, first, None, 0)
            note = f"{reason}; no interval could be built, so ci_low and ci_high are NaN. The estimate itself stands."
        iv.notes.insert(0, note)
        warnings.warn(note, MutualInfoWarning, stacklevel=3)
    else:
        if not (math.isfinite(iv.low) and math.isfinite(iv.high)):
            if not any("NaN" in n for n in iv.notes):
                iv.notes.append("No finite interval could be built here; ci_low and ci_high are NaN. The estimate itself stands.")
            warnings.warn(next(n for n in iv.notes if "NaN" in n), MutualInfoWarning, stacklevel=3)
    if math.isfinite(iv.low) and math.isfinite(iv.high) and not iv.low <= estimate <= iv.high:
        side = "lower" if estimate < iv.low else "upper"
        iv.notes.append(
            f"The {iv.construction!r} interval "
            f"[{iv.low:.4g}, {iv.high:.4g}] nats excluded the estimate {estimate:.4g}; its {side} end was moved to the "
            "estimate. The resampling distribution disagrees with the estimate here (typically: too few samples for "
            "the estimator's bias correction), so read the interval as a lower bound on the uncertainty."
        )
        iv.low, iv.high = min(iv.low, estimate), max(iv.high, estimate)
        iv.widened = True
    return iv


def permutation_p_value(observed: float, null: np.ndarray) -> float:
    """One-sided p-value ``(1 + #{null >= observed}) / (1 + len(null))`` (Phipson & Smyth 2010).

    Never 0: with B permutations the smallest attainable p-value is 1 / (B + 1).
    """
    return float((1 + np.count_nonzero(null >= observed)) / (1 + null.shape[0]))


def bootstrap_replicates(
    run: Callable[[Sequence[Variable]], float],
    estimator: Any,
    quantity: str,
    variables: Sequence[Variable],
    params: Mapping[str, Any],
    *,
    n_bootstrap: int,
    rng: np.random.Generator,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Estimates on ``n_bootstrap`` row resamples, shape (n_bootstrap,), in nats.

    ``run(variables)`` computes the quantity on given variables; it is used when the
    estimator has no vectorised resampler of its own.
    """
    fast = estimator.bootstrap(quantity, variables, n_bootstrap=n_bootstrap, rng=rng, params=params)
    if fast is not None:
        return np.asarray(fast, dtype=np.float64)
    n = variables[0].n_samples
    out = np.empty(n_bootstrap)
    for b in progress(range(n_bootstrap), desc="bootstrap", enabled=show_progress):
        idx = rng.integers(0, n, size=n)
        try:
            out[b] = run([v.take(idx) for v in variables])
        except _INTERVAL_FAILURES:
            out[b] = np.nan  # left out of the interval, with a note
    return out


def strata_permutation(z_codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation of the rows that only exchanges rows with the same code of ``z``."""
    keys = rng.random(z_codes.shape[0])
    order = np.lexsort((keys, z_codes))  # rows grouped by z, shuffled within each group
    sorted_rows = np.argsort(z_codes, kind="stable")
    perm = np.empty_like(order)
    perm[sorted_rows] = order
    return perm


def _neighbours(z: np.ndarray, k: int) -> np.ndarray:
    """Indices (n, k) of each row's k nearest rows in z (itself included), max-norm on standardised z."""
    from scipy.spatial import cKDTree

    from ._threads import cpu_threads

    sd = z.std(axis=0)
    zs = (z - z.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    _, idx = cKDTree(zs).query(zs, k=k, p=np.inf, workers=cpu_threads())
    return np.asarray(idx).reshape(z.shape[0], k)


def local_permutation(neighbours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Runge's (2018) local permutation: row i takes row ``perm[i]``, one of its z-neighbours.

    Vectorised greedy matching: in each of k rounds, every unassigned row proposes its
    next neighbour (in a random order of its own); free proposals are granted, one
    winner per neighbour. Rows left over after k rounds take a random neighbour, so
    a few values may repeat, as in the original algorithm.
    """
    n, k = neighbours.shape
    order = np.argsort(rng.random((n, k)), axis=1)
    candidates = np.take_along_axis(neighbours, order, axis=1)
    perm = np.full(n, -1, dtype=np.int64)
    used = np.zeros(n, dtype=bool)
    for r in range(k):
        rows = np.flatnonzero(perm < 0)
        if rows.size == 0:
            break
        proposal = candidates[rows, r]
        free = ~used[proposal]
        rows, proposal = rows[free], proposal[free]
        shuffle = rng.permutation(rows.shape[0])
        _, first = np.unique(proposal[shuffle], return_index=True)
        winners = shuffle[first]
        perm[rows[winners]] = proposal[winners]
        used[proposal[winners]] = True
    left = np.flatnonzero(perm < 0)
    if left.size:
        perm[left] = candidates[left, rng.integers(0, k, size=left.size)]
    return perm


def permutation_null(
    run: Callable[[Sequence[Variable]], float],
    quantity: str,
    variables: Sequence[Variable],
    *,
    n_permutations: int,
    rng: np.random.Generator,
    k_perm: int = 5,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Estimates of the quantity under (conditional) independence, shape (n_permutations,).

    ``quantity`` is "mi" (Y shuffled) or "cmi" (X shuffled within Z, see the module
    docstring). ``k_perm`` is the neighbourhood size of the local permutation for a
    continuous Z.
    """
    n = variables[0].n_samples
    out = np.empty(n_permutations)
    if quantity == "mi":
        x, y = variables

        def draw() -> list[Variable]:
            return [x, y.take(rng.permutation(n))]

    elif quantity == "cmi":
        x, y, z = variables
        if z.discrete:
            z_codes = z.data

            def draw() -> list[Variable]:
                return [x.take(strata_permutation(z_codes, rng)), y, z]

        else:
            zdata = z.data.detach().cpu().numpy() if is_torch_tensor(z.data) else z.data
            nbrs = _neighbours(np.asarray(zdata, dtype=np.float64), min(k_perm, n))

            def draw() -> list[Variable]:
                return [x.take(local_permutation(nbrs, rng)), y, z]

    else:
        raise ValueError(f"permutation tests are defined for 'mi' and 'cmi', not {quantity!r}")
    for b in progress(range(n_permutations), desc="permutations", enabled=show_progress):
        out[b] = run(draw())
    return out
