"""Copula estimators of mutual information: MI read from the dependence structure alone.

MI does not change when each coordinate of X and of Y goes through its own increasing
map, so it depends only on the copula of (X, Y): the joint law of the coordinates'
ranks. The estimators here replace every coordinate by its *normal score*
``Phi^{-1}(rank / (n + 1))`` (ties get average ranks) and estimate MI from the result.

``gcmi``
    Gaussian-copula MI (Ince et al. 2017): the bias-corrected Gaussian closed form on
    normal scores. Exact (unbiased) when the copula is Gaussian, i.e. when the data are
    a Gaussian seen through any monotone map of each coordinate, in any dimension.
    It measures only the dependence a Gaussian copula can express: near 0 for
    dependence without rank correlation.
``tcopula``
    Student-t copula MI. A multivariate t with ``nu`` degrees of freedom and correlation
    matrix R has the closed form::

        I(X;Y) = (log det R_x + log det R_y - log det R) / 2 + c(nu, d_x, d_y)
        c = g(d_x) + g(d_y) - g(d_x + d_y),
        g(d) = log Gamma(nu/2) - log Gamma((nu+d)/2) + (nu+d)/2 (psi((nu+d)/2) - psi(nu/2))

    (Arellano-Valle, Contreras-Reyes & Genton 2013, eq. for the t family; Czyz et al.
    2023, appendix). ``c`` is the MI that the shared heavy tails carry even when R is
    the identity. The copula is fitted by maximum likelihood on the pseudo-observations
    ``t_nu^{-1}(rank / (n + 1))`` (Demarta & McNeil 2005) over a grid of ``nu``, with R
    by the EM fixed point of the t scatter; the Gaussian copula (``nu = inf``) is kept
    unless the best t copula beats it by a likelihood-ratio test at level 0.001. It so
    reduces to ``gcmi`` on Gaussian-copula data.
``copula``
    The larger of the ``tcopula`` estimate and KSG on normal scores (the route of
    ``method="auto"`` for continuous MI). The elliptical estimate is exact for elliptical
    (Gaussian or t) copulas in any dimension, where k-NN estimators read low in more
    than a few dimensions; KSG on normal scores measures dependence that an elliptical
    copula misses (non-monotone relations, mixtures), where the elliptical estimate reads
    low. The normal-score transform also removes heavy tails, which bias KSG on raw data.

Bias and bounds. When X and Y are both one-dimensional, normal scores have exactly
Gaussian marginals, and the Gaussian copula value is then a lower bound on the MI (a
Gaussian maximises joint entropy for a given covariance; Cover & Thomas 2006, thm 8.6.5).
In more dimensions it is not a bound: per-coordinate Gaussianisation gives Gaussian 1-D
marginals, not Gaussian multivariate marginals, and the value can exceed the truth for
copulas far from elliptical. KSG on normal scores reads low in high dimension.

Complexity: ``gcmi`` O(N D^2 + D^3) plus an O(N D log N) rank transform (D = d_x + d_y);
``tcopula`` about 15 times the cost of ``gcmi`` (one fit per ``nu`` of the grid);
``copula`` adds one KSG run, O(N k log N) in low dimension.

References
----------
Ince, Giordano, Kayser, Rousselet, Gross & Schyns (2017), "A statistical framework for
neuroimaging data analysis based on mutual information estimated via a Gaussian copula",
Human Brain Mapping 38(3).
Demarta & McNeil (2005), "The t copula and related copulas", Int. Stat. Review 73(1).
Arellano-Valle, Contreras-Reyes & Genton (2013), "Shannon entropy and mutual information
for multivariate skew-elliptical distributions", Scand. J. Statistics 40(1).
Czyz, Grabowski, Vogt, Beerenwinkel & Marx (2023), "Beyond normality: learning the
mutual information of non-Gaussian distributions", NeurIPS 36.
Kraskov, Stoegbauer & Grassberger (2004), PRE 69 (KSG).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.special import digamma, gammaln, ndtri, stdtrit

from .._errors import DataError
from .._validation import Variable
from ._base import Estimator
from .gaussian import GAUSSIAN, logdet_bias

__all__ = [
    "GCMI",
    "TCOPULA",
    "COPULA",
    "normal_scores",
    "student_t_mi_term",
    "fit_t_copula",
    "TCopulaFit",
]

# Degrees of freedom tried by the t-copula fit (the Gaussian copula, nu = inf, is always tried too).
NU_GRID = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 25.0, 40.0, 70.0)
# A t copula replaces the Gaussian one when twice the log-likelihood gain exceeds this
# (chi-squared with 1 degree of freedom at level 0.001): a spurious finite nu would add
# c(nu, d_x, d_y) > 0, which grows with dimension (0.15 nats at nu = 50 for 50 + 50 dimensions).
LR_THRESHOLD = 10.83
# Gaussian-copula samples that the likelihood-ratio statistic of a t copula must beat (p < 1/20).
NULL_REPLICATES = 19
# Seed of those samples (the estimate is a deterministic function of the data).
NULL_SEED = 20230
# EM iterations of the t scatter and their stopping tolerance (max abs change of R).
EM_MAX_ITER = 100
EM_TOL = 1e-5


def _ranks(data: np.ndarray) -> np.ndarray:
    """Average ranks (1..n) of each column of ``data`` (n, d), as float64."""
    from scipy.stats import rankdata

    return rankdata(data, axis=0, method="average")


def _has_ties(data: np.ndarray) -> bool:
    """Whether some column of ``data`` (n, d) repeats a value."""
    ordered = np.sort(data, axis=0)
    return bool((ordered[1:] == ordered[:-1]).any())


# A value repeated more than this many times in a column is an atom (a discrete part), not a chance tie
# (float32 samples repeat a few values in pairs by chance); the k-NN route treats it the same way for k = 3.
ATOM_REPEATS = 3


def has_atoms(data: np.ndarray, repeats: int = ATOM_REPEATS) -> bool:
    """Whether some column of ``data`` (n, d) holds a value more than ``repeats`` times."""
    ordered = np.sort(data, axis=0)
    if ordered.shape[0] <= repeats:
        return False
    return bool((ordered[repeats:] == ordered[:-repeats]).any())


def _check_columns(variables: Sequence[Variable], method: str) -> None:
    for v in variables:
        data = np.asarray(v.data)
        const = np.flatnonzero(np.ptp(data, axis=0) == 0)
        if const.size:
            raise DataError(
                f"method={method!r} needs non-constant data, but {v.name} column {int(const[0])} holds one value in all "
                f"{data.shape[0]} rows."
            )


def normal_scores(data: Any) -> np.ndarray:
    """Per-column normal scores ``Phi^{-1}(rank / (n + 1))`` of an array of shape (n, d) or (n,).

    Ties get their average rank. The result has shape (n, d) and standard-normal 1-D
    marginals (exactly, up to the discreteness of ranks); MI is unchanged wherever the
    map of each column is increasing.
    """
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    return ndtri(_ranks(x) / (x.shape[0] + 1.0))


def student_t_mi_term(nu: float, dx: int, dy: int) -> float:
    """c(nu, d_x, d_y): the MI (nats) of a multivariate t beyond its Gaussian part; 0 for nu = inf.

    For (X, Y) multivariate t with nu degrees of freedom and dispersion S,
    I(X;Y) = (log det S_x + log det S_y - log det S) / 2 + c(nu, d_x, d_y).
    """
    if math.isinf(nu):
        return 0.0

    def g(d: int) -> float:
        half = (nu + d) / 2.0
        return float(gammaln(nu / 2.0) - gammaln(half) + half * (digamma(half) - digamma(nu / 2.0)))

    return g(dx) + g(dy) - g(dx + dy)


def _logdet(a: np.ndarray) -> float:
    sign, value = np.linalg.slogdet(a)
    return float(value) if sign > 0 else -math.inf


def _mahalanobis(z: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, float]:
    """Squared Mahalanobis norms z_i^T r^{-1} z_i (n,) and log det r."""
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise SingularScoresError(
            "The normal scores have a singular correlation matrix (duplicated or exactly dependent columns), "
            "so the copula closed forms do not apply; remove the redundant columns or use method='ksg'."
        ) from None
    return np.einsum("ij,ij->i", z @ inv, z), _logdet(r)


class SingularScoresError(DataError):
    """The correlation matrix of the normal scores is singular."""


def _t_scatter(z: np.ndarray, nu: float, start: np.ndarray) -> np.ndarray:
    """Correlation matrix R of a t copula with ``nu`` degrees of freedom: EM fixed point, rescaled to unit diagonal."""
    n, d = z.shape
    r = start
    for _ in range(EM_MAX_ITER):
        q, _ = _mahalanobis(z, r)
        w = (nu + d) / (nu + q)
        s = (z * w[:, None]).T @ z / n
        sd = np.sqrt(np.diag(s))
        new = s / sd[:, None] / sd[None, :]
        done = float(np.abs(new - r).max()) < EM_TOL
        r = new
        if done:
            break
    return r


def _copula_loglik(z: np.ndarray, nu: float, r: np.ndarray) -> float:
    """Log-likelihood of pseudo-observations ``z`` (n, d) under the t (or, nu = inf, Gaussian) copula with correlation r."""
    n, d = z.shape
    q, logdet = _mahalanobis(z, r)
    if math.isinf(nu):
        # Joint normal density over the product of standard-normal marginals.
        return float(-0.5 * n * logdet - 0.5 * (q.sum() - (z**2).sum()))
    joint = gammaln((nu + d) / 2.0) - gammaln(nu / 2.0) - 0.5 * d * math.log(nu * math.pi) - 0.5 * logdet
    joint_sum = n * joint - 0.5 * (nu + d) * float(np.log1p(q / nu).sum())
    marg = gammaln((nu + 1.0) / 2.0) - gammaln(nu / 2.0) - 0.5 * math.log(nu * math.pi)
    marg_sum = n * d * marg - 0.5 * (nu + 1.0) * float(np.log1p(z**2 / nu).sum())
    return joint_sum - marg_sum


@dataclass(frozen=True)
class TCopulaFit:
    """Result of :func:`fit_t_copula`.

    Attributes
    ----------
    nu : float
        Degrees of freedom chosen (``inf`` for the Gaussian copula).
    corr : ndarray of shape (D, D)
        Correlation matrix of the chosen copula (of the pseudo-observations).
    loglik, loglik_gaussian : float
        Copula log-likelihood of the chosen ``nu`` and of the Gaussian copula.
    """

    nu: float
    corr: np.ndarray
    loglik: float
    loglik_gaussian: float


def fit_t_copula(
    data: np.ndarray,
    grid: Sequence[float] = NU_GRID,
    threshold: float = LR_THRESHOLD,
    calibrate: np.random.Generator | None = None,
) -> TCopulaFit:
    """Maximum-likelihood t copula of ``data`` (n, D) over ``grid``, or the Gaussian copula.

    The pseudo-observations of each ``nu`` are ``t_nu^{-1}(rank / (n + 1))``; the Gaussian
    copula (normal scores, sample correlation) is kept unless the best t copula improves
    the log-likelihood by more than ``threshold / 2``. The grid is walked from the largest
    ``nu`` down and left once two values in a row fall below the best (the profile
    likelihood in ``nu`` has one peak). With ``calibrate`` (a Generator), a t copula
    that passes the threshold must also beat the statistic of every one of
    :data:`NULL_REPLICATES` samples of the fitted Gaussian copula (see
    :func:`_t_beats_gaussian_nulls`); ``threshold=-inf`` returns the best t copula.
    """
    n, dims = data.shape
    u = _ranks(data) / (n + 1.0)
    # Each column holds the same few rank values (exactly 1..n without ties): invert the
    # t distribution function once per distinct value.
    levels, inverse = np.unique(u, return_inverse=True)
    inverse = inverse.reshape(u.shape)
    z = ndtri(levels)[inverse]
    gauss = np.corrcoef(z, rowvar=False).reshape(dims, dims)
    ll_gauss = _copula_loglik(z, math.inf, gauss)
    best = TCopulaFit(math.inf, gauss, ll_gauss, ll_gauss)
    best_t: TCopulaFit | None = None
    start = gauss
    worse = 0
    for nu in sorted(grid, reverse=True):  # from near-Gaussian down: each fit starts from the last
        zt = stdtrit(nu, levels)[inverse]
        r = _t_scatter(zt, nu, start)
        start = r
        ll = _copula_loglik(zt, nu, r)
        if best_t is None or ll > best_t.loglik:
            best_t = TCopulaFit(nu, r, ll, ll_gauss)
            worse = 0
        else:
            worse += 1
            if worse == 2:  # past the peak of the profile likelihood
                break
    if best_t is not None and 2.0 * (best_t.loglik - ll_gauss) > threshold:
        if calibrate is None or _t_beats_gaussian_nulls(2.0 * (best_t.loglik - ll_gauss), gauss, n, grid, threshold, calibrate):
            best = best_t
    return best


def _t_beats_gaussian_nulls(
    statistic: float, corr: np.ndarray, n: int, grid: Sequence[float], threshold: float, rng: np.random.Generator
) -> bool:
    """Whether a likelihood-ratio ``statistic`` exceeds that of every one of NULL_REPLICATES Gaussian-copula samples.

    The chi-squared level of :data:`LR_THRESHOLD` assumes exact margins; on
    pseudo-observations (ranks) it does not hold when the dependence is strong
    or n is small: n = 30 Gaussian rows with rho = 0.9999 pick nu = 1 and the
    estimate doubles. Samples of the fitted Gaussian copula itself, with the same
    n and the same rank transform, give the statistic's null distribution; the t
    copula is kept only when it beats all of them (a level-0.05 parametric
    bootstrap test). The first null statistic at or above ``statistic`` ends it.
    """
    dims = corr.shape[0]
    chol = np.linalg.cholesky(corr + 1e-12 * np.eye(dims))
    for _ in range(NULL_REPLICATES):
        sample = rng.standard_normal((n, dims)) @ chol.T
        fit = fit_t_copula(sample, grid, threshold=-math.inf, calibrate=None)
        if 2.0 * (fit.loglik - fit.loglik_gaussian) >= statistic:
            return False
    return True


def _as_array(v: Variable) -> np.ndarray:
    return np.asarray(v.data, dtype=np.float64).reshape(v.n_samples, -1)


class GaussianCopulaEstimator(Estimator):
    """Gaussian-copula MI and conditional MI (GCMI): the Gaussian closed form on normal scores.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    none. The Gaussian closed form runs with its exact finite-sample bias correction
    (Ledoit-Wolf shrinkage instead when there are fewer than dimensions + 3 samples,
    as for ``method="gaussian"``).

    Notes
    -----
    In nats. x: array of shape (n, d_x), y: (n, d_y), z: (n, d_z). O(N D log N + N D^2 + D^3).
    Unbiased when the copula of the data is Gaussian; a lower bound on I(X;Y) when X and
    Y are one-dimensional; otherwise measures rank-linear dependence only. Invariant to
    increasing maps of each coordinate. See :mod:`mutinfo.estimators.copula`.

    References
    ----------
    Ince et al. (2017), Human Brain Mapping 38(3).
    """

    # Disjoint subsamples (mutinfo.stats.subsample_standard_error), about 2.5 point estimates' cost.
    interval_method = "subsamples"
    subsample_plan = (4, 2)

    def _scored(self, variables: Sequence[Variable]) -> list[Variable]:
        _check_columns(variables, "gcmi")
        return [Variable(v.name, normal_scores(_as_array(v)), False) for v in variables]

    def mutual_information(self, x, y, *, rng=None, **params):
        return GAUSSIAN.mutual_information(*self._scored([x, y]), rng=rng)

    def conditional_mutual_information(self, x, y, z, *, rng=None, **params):
        return GAUSSIAN.conditional_mutual_information(*self._scored([x, y, z]), rng=rng)


def _tcopula_mi(x: np.ndarray, y: np.ndarray) -> tuple[float, TCopulaFit]:
    data = np.concatenate([x, y], axis=1)
    n = data.shape[0]
    dx, dy = x.shape[1], y.shape[1]
    # Atoms (values repeated more than ATOM_REPEATS times): the copula of such data is not identified by
    # ranks, and a t copula fitted to tied pseudo-observations reads the ties as tail dependence
    # (independent 0/1 columns: +0.22 nats).
    grid = () if has_atoms(data) else NU_GRID
    fit = fit_t_copula(data, grid, calibrate=np.random.default_rng(NULL_SEED))
    if math.isinf(fit.nu):
        scored = normal_scores(data)
        value = GAUSSIAN.mutual_information(
            Variable("x", scored[:, :dx], False), Variable("y", scored[:, dx:], False), rng=None
        )
        return float(value), fit
    r = fit.corr
    gaussian_part = 0.5 * (_logdet(r[:dx, :dx]) + _logdet(r[dx:, dx:]) - _logdet(r))
    # The Wishart bias correction of the Gaussian closed form, applied to the t scatter as an approximation.
    gaussian_part -= 0.5 * (logdet_bias(dx, n) + logdet_bias(dy, n) - logdet_bias(dx + dy, n))
    return gaussian_part + student_t_mi_term(fit.nu, dx, dy), fit


class TCopulaEstimator(Estimator):
    """Student-t copula MI: closed form of the maximum-likelihood t (or Gaussian) copula.

    Notes
    -----
    In nats. x: array of shape (n, d_x), y: (n, d_y). About 15 Gaussian-copula fits
    (one per degree of freedom of the grid, O(N D^2) each). Exact for Gaussian and
    Student-t copulas (heavy-tailed data with tail dependence, where k-NN estimators
    read low); for other copulas it measures only what the fitted elliptical copula
    expresses. See :mod:`mutinfo.estimators.copula`.

    References
    ----------
    Demarta & McNeil (2005), Int. Stat. Review 73(1); Arellano-Valle, Contreras-Reyes
    & Genton (2013), Scand. J. Statistics 40(1).
    """

    # Disjoint subsamples (mutinfo.stats.subsample_standard_error), about 2.5 point estimates' cost.
    interval_method = "subsamples"
    subsample_plan = (4, 2)

    def mutual_information(self, x, y, *, rng=None, **params):
        _check_columns([x, y], "tcopula")
        return _tcopula_mi(_as_array(x), _as_array(y))[0]


class CopulaEstimator(Estimator):
    """The larger of the t-copula MI and KSG on normal scores.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
        Neighbours of the KSG estimate.

    Notes
    -----
    In nats. x: array of shape (n, d_x), y: (n, d_y). Cost of ``tcopula`` plus one KSG
    run. Both candidates read low where they fail (the elliptical fit on dependence
    without rank correlation, KSG in high dimension), hence the larger; neither is a
    bound in general (see :mod:`mutinfo.estimators.copula`). Invariant to increasing
    maps of each coordinate.
    """

    # Disjoint subsamples (mutinfo.stats.subsample_standard_error): the winner is re-chosen on every block.
    # Two splits into four blocks: the interval costs about 2.5 point estimates (benchmarks/interval_speed.py).
    interval_method = "subsamples"
    subsample_plan = (4, 2)

    def __init__(self) -> None:
        from .knn.estimators import _k_param

        self.params = {"k": _k_param()}

    def candidates(self, x: Variable, y: Variable, rng: np.random.Generator, k: int = 3) -> dict[str, float]:
        """Both candidate values (nats): {"tcopula": ..., "ksg": ...}."""
        from .knn import KSG, MIXED

        _check_columns([x, y], "copula")
        xa, ya = _as_array(x), _as_array(y)
        try:
            elliptical, _ = _tcopula_mi(xa, ya)
        except SingularScoresError:
            # Exactly dependent columns: no elliptical copula fits; the k-NN candidate alone is reported.
            elliptical = -math.inf
        sx, sy = Variable("x", normal_scores(xa), False), Variable("y", normal_scores(ya), False)
        if _has_ties(xa) or _has_ties(ya):
            # Tied rows sit at distance 0, which KSG reads as dependence; Gao et al.'s estimator counts them.
            knn = MIXED.mutual_information(sx, sy, rng=rng, k=k)
        else:
            knn = KSG.mutual_information(sx, sy, rng=rng, k=k, transform="none")
        return {"tcopula": float(elliptical), "ksg": float(knn)}

    def mutual_information(self, x, y, *, rng, k=3):
        return max(self.candidates(x, y, rng, k).values())

    def bootstrap(self, quantity, variables, *, n_bootstrap, rng, params):
        """Replicates of the candidate that wins on the full sample, each by its own resampling scheme.

        Duplicated rows (row resampling) would read as strong dependence to KSG, and the
        larger of two noisy candidates would shift the interval up. So the winner is
        chosen once, on all rows: KSG on normal scores is resampled by half-sampling
        (:meth:`KNNEstimator.bootstrap`), the Gaussian copula by the vectorised row
        bootstrap of ``method="gaussian"`` on the normal scores, a t copula by
        half-samples; replicates are recentred on the full-sample estimate.
        """
        from .knn import DEFAULT_NOISE, KSG, MIXED

        x, y = variables
        k = params.get("k", 3)
        xa, ya = _as_array(x), _as_array(y)
        values = self.candidates(x, y, np.random.default_rng(rng.integers(2**63 - 1)), k)
        scored = [Variable("x", normal_scores(xa), False), Variable("y", normal_scores(ya), False)]
        if values["ksg"] >= values["tcopula"]:
            if _has_ties(xa) or _has_ties(ya):
                return MIXED.bootstrap("mi", scored, n_bootstrap=n_bootstrap, rng=rng, params={"k": k, "device": None})
            knn_params = {"k": k, "transform": "none", "noise": DEFAULT_NOISE, "device": None}
            return KSG.bootstrap("mi", scored, n_bootstrap=n_bootstrap, rng=rng, params=knn_params)
        fit = fit_t_copula(np.concatenate([xa, ya], axis=1))
        if math.isinf(fit.nu):
            # Recentred on the estimate: duplicated rows lower the effective sample size, which shifts the
            # bias-corrected log-determinants of the replicates up in many dimensions.
            reps = GAUSSIAN.bootstrap("mi", scored, n_bootstrap=n_bootstrap, rng=rng, params={})
            return values["tcopula"] + (reps - reps.mean())
        n = xa.shape[0]
        m = n // 2
        reps = np.empty(n_bootstrap)
        for b in range(n_bootstrap):
            idx = np.sort(rng.choice(n, size=m, replace=False))
            reps[b] = _tcopula_mi(xa[idx], ya[idx])[0]
        return values["tcopula"] + math.sqrt(m / (n - m)) * (reps - reps.mean())

    def pairwise(self, xcols, ycols, *, rng, params, show_progress=None):
        """MI (nats) of every 1-D column of X with every one of Y (or among X's): the same two candidates per pair.

        Normal scores are computed once per column and KSG shares its sorted columns
        across pairs (:meth:`KSGEstimator.pairwise`); the t-copula fit runs per pair.
        Returns None for multi-dimensional columns (pair-by-pair path).
        """
        from .knn import DEFAULT_NOISE, KSG

        if any(v.n_dims != 1 or v.discrete for v in (*xcols, *(ycols or ()))):
            return None
        _check_columns([*xcols, *(ycols or ())], "copula")

        def scored(cols):
            return [Variable(v.name, normal_scores(_as_array(v)), False) for v in cols]

        xs = scored(xcols)
        ys = None if ycols is None else scored(ycols)
        knn_params = {"k": params["k"], "transform": "none", "noise": DEFAULT_NOISE, "device": None}
        out = KSG.pairwise(xs, ys, rng=rng, params=knn_params, show_progress=show_progress)
        if out is None:  # pragma: no cover - KSG handles every 1-D continuous column
            return None
        others = xs if ys is None else ys
        for i, a in enumerate(xs):
            for j, b in enumerate(others):
                if ys is None and j <= i:
                    continue
                value = max(out[i, j], _tcopula_mi(a.data, b.data)[0])
                out[i, j] = value
                if ys is None:
                    out[j, i] = value
        return out


GCMI = GaussianCopulaEstimator()
TCOPULA = TCopulaEstimator()
COPULA = CopulaEstimator()
