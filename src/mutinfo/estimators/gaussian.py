"""Gaussian (covariance-based) estimator of entropy and mutual information.

For jointly Gaussian variables every quantity is a closed form of log-determinants
of covariance blocks::

    H(X)      = (d_x log(2 pi e) + log det S_x) / 2
    I(X;Y)    = (log det S_x + log det S_y - log det S_xy) / 2
    I(X;Y|Z)  = (log det S_xz + log det S_yz - log det S_xyz - log det S_z) / 2

For non-Gaussian data with the same covariance, the same number is a lower bound on
I(X;Y) (the Gaussian maximises entropy for a given covariance), so this estimator
measures linear dependence only. It is the right tool for checking Gaussian ground
truth, as a fast baseline, and for high-dimensional data where only second moments
can be estimated reliably.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from scipy.special import digamma

from .._errors import DataError, param_error
from .._validation import Param, Variable, bool_param, is_torch_tensor
from ._base import Estimator
from .discrete import TERMS

__all__ = ["GAUSSIAN", "GaussianEstimator", "ledoit_wolf_intensity", "logdet_bias"]

# "auto" shrinkage is applied when there are fewer than this many samples per dimension.
AUTO_SHRINK_SAMPLES_PER_DIM = 10
# Resamples per block in the vectorised bootstrap is chosen so that B * n * d^2 stays below this.
_BOOTSTRAP_BLOCK = 50_000_000


def ledoit_wolf_intensity(xs: np.ndarray) -> float:
    """Optimal shrinkage of the correlation matrix of standardised data towards I.

    ``xs`` has shape (n, d), columns with mean 0 and variance 1 (ddof 0). Returns
    lambda in [0, 1] of Ledoit & Wolf (2004): ``min(b2, d2) / d2`` with
    ``d2 = ||S - I||_F^2`` and ``b2 = (sum_k ||x_k||^4 - n ||S||_F^2) / n^2``.
    """
    n = xs.shape[0]
    s = xs.T @ xs / n
    d2 = float(((s - np.eye(s.shape[0])) ** 2).sum())
    if d2 <= 0.0:
        return 0.0
    b2 = (float(((xs**2).sum(axis=1) ** 2).sum()) - n * float((s**2).sum())) / n**2
    return min(max(b2, 0.0), d2) / d2


def logdet_bias(d: int, n: int) -> float:
    """E[log det S] - log det Sigma for the unbiased sample covariance S of n Gaussian samples in d dimensions.

    ``(n - 1) S`` is Wishart with n - 1 degrees of freedom, so the bias is
    ``sum_{i=1..d} psi((n - i) / 2) + d log(2 / (n - 1))``; subtracting it makes the
    log-determinant, and so every quantity here, unbiased for Gaussian data.
    """
    i = np.arange(1, d + 1)
    return float(digamma((n - i) / 2.0).sum() + d * math.log(2.0 / (n - 1)))


def _check_shrinkage(func: str, name: str, value: Any, n: int) -> Any:
    if value == "auto" and isinstance(value, str):
        return "auto"
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return float(value)
    raise param_error(func, name, "'auto' or a real number in [0, 1]", value)


def _covariance_blocks(variables: Sequence[Variable]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Standardised data (n, D) as float64 NumPy, the unbiased variances (D,), and column indices per variable."""
    if any(is_torch_tensor(v.data) for v in variables):
        import torch

        device = next(v.data.device for v in variables if is_torch_tensor(v.data))
        cols = [torch.as_tensor(v.data, device=device).to(torch.float64) for v in variables]
        joint_t = torch.cat(cols, dim=1)
        mean = joint_t.mean(dim=0)
        centred_t = joint_t - mean
        var = centred_t.var(dim=0, unbiased=True)
        joint = centred_t.cpu().numpy()
        var = var.cpu().numpy()
    else:
        joint = np.concatenate([v.data for v in variables], axis=1)
        joint = joint - joint.mean(axis=0)
        var = joint.var(axis=0, ddof=1)
    index, start = [], 0
    for v in variables:
        index.append(np.arange(start, start + v.n_dims))
        start += v.n_dims
    return joint, var, index


class GaussianEstimator(Estimator):
    """Closed-form Gaussian estimator.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    shrinkage : 'auto' or float in [0, 1], default 'auto'
        Intensity of shrinkage of the correlation matrix towards the identity.
        'auto' uses the Ledoit-Wolf intensity when there are fewer than 10 samples
        per dimension, and none otherwise. Shrinkage pulls MI towards 0.
    bias_correction : bool, default True
        Remove the exact finite-sample bias of Gaussian log-determinants (applies
        when no shrinkage is used), making entropy and MI unbiased for Gaussian data.

    Notes
    -----
    O(N D^2 + D^3) time for D total dimensions. Exact (unbiased) on Gaussian data;
    for non-Gaussian data it is a lower bound on the MI of any distribution with the
    same covariance. Torch tensors (also on CUDA) are reduced to their covariance on
    their own device.

    References
    ----------
    Cover & Thomas (2006), Elements of Information Theory, ch. 8.
    Ledoit & Wolf (2004), J. Multivariate Analysis 88(2).
    Misra, Singh & Demchuk (2005), J. Multivariate Analysis 92(2) (unbiased log-det).
    """

    torch_native = True
    params = {
        "shrinkage": Param("auto", _check_shrinkage, "shrinkage of the correlation matrix towards identity"),
        "bias_correction": bool_param(True, "remove the finite-sample bias of Gaussian log-determinants"),
    }

    def _prepare(self, variables: Sequence[Variable], shrinkage: Any) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], float]:
        centred, var, index = _covariance_blocks(variables)
        n, dims = centred.shape
        if n < 3:
            raise DataError(f"method='gaussian' needs at least 3 samples. Got {n}.")
        zero = np.flatnonzero(var <= 0.0)
        if zero.size:
            which = [(v.name, int(c - idx[0])) for v, idx in zip(variables, index) for c in zero if c in idx]
            listed = ", ".join(f"{name} column {col}" for name, col in which)
            raise DataError(f"method='gaussian' needs non-constant data, but {listed} has zero variance.")
        xs = centred / np.sqrt(centred.var(axis=0))
        if shrinkage == "auto":
            lam = ledoit_wolf_intensity(xs) if n < AUTO_SHRINK_SAMPLES_PER_DIM * dims else 0.0
        else:
            lam = float(shrinkage)
        if lam == 0.0 and n <= dims + 1:
            raise DataError(
                f"method='gaussian' without shrinkage needs more samples than dimensions + 1. Got {n} samples in "
                f"{dims} dimensions; pass shrinkage='auto' or a value in (0, 1]."
            )
        return xs, var, index, lam

    def _from_corr(self, quantity: str, corr: np.ndarray, var: np.ndarray, index: list[np.ndarray], n: int, lam: float, correct: bool) -> np.ndarray:
        """The quantity from correlation matrices ``corr`` (B, D, D) and unbiased variances ``var`` (B, D)."""
        dims = corr.shape[-1]
        if lam > 0.0:
            corr = lam * np.eye(dims) + (1.0 - lam) * corr
        total = np.zeros(corr.shape[0])
        for sign, axes in TERMS[quantity]:
            cols = np.concatenate([index[a] for a in axes])
            sub = corr[:, cols[:, None], cols[None, :]]
            s, logdet = np.linalg.slogdet(sub)
            logdet = np.where(s > 0, logdet, -np.inf)
            # Covariance log-det = correlation log-det + log variances (unbiased, ddof 1).
            logdet = logdet + np.log(var[:, cols]).sum(axis=1)
            if correct and lam == 0.0:
                logdet = logdet - logdet_bias(len(cols), n)
            total += sign * 0.5 * (len(cols) * math.log(2.0 * math.pi * math.e) + logdet)
        return total

    def _run(self, quantity: str, variables: Sequence[Variable], shrinkage: Any = "auto", bias_correction: bool = True) -> float:
        xs, var, index, lam = self._prepare(variables, shrinkage)
        n = xs.shape[0]
        corr = (xs.T @ xs / n)[None]
        return float(self._from_corr(quantity, corr, var[None], index, n, lam, bias_correction)[0])

    def entropy(self, x, *, rng=None, **params):
        return self._run("entropy", [x], **params)

    def conditional_entropy(self, x, y, *, rng=None, **params):
        return self._run("conditional_entropy", [x, y], **params)

    def mutual_information(self, x, y, *, rng=None, **params):
        return self._run("mi", [x, y], **params)

    def conditional_mutual_information(self, x, y, z, *, rng=None, **params):
        return self._run("cmi", [x, y, z], **params)

    def bootstrap(self, quantity, variables, *, n_bootstrap, rng, params):
        """Vectorised row bootstrap: multinomial row weights give weighted covariances (B, D, D).

        The shrinkage intensity of the original sample is used for every resample.
        """
        xs, _, index, lam = self._prepare(variables, params.get("shrinkage", "auto"))
        n, dims = xs.shape
        correct = params.get("bias_correction", True)
        block = max(1, _BOOTSTRAP_BLOCK // max(n * dims * dims, 1))
        out = []
        for start in range(0, n_bootstrap, block):
            size = min(block, n_bootstrap - start)
            w = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(np.float64)
            mean = w @ xs / n
            second = np.einsum("bn,ni,nj->bij", w, xs, xs, optimize=True) / n
            cov = second - mean[:, :, None] * mean[:, None, :]
            var = np.diagonal(cov, axis1=1, axis2=2).copy()
            var = np.where(var > 0, var, np.finfo(float).tiny)
            sd = np.sqrt(var)
            corr = cov / (sd[:, :, None] * sd[:, None, :])
            out.append(self._from_corr(quantity, corr, var * n / (n - 1), index, n, lam, correct))
        return np.concatenate(out)

    def bootstrap_reference(self, quantity, variables, params):
        """The value without the Wishart bias correction: the quantity at the empirical covariance."""
        if not params.get("bias_correction", True):
            return None
        return self._run(quantity, variables, params.get("shrinkage", "auto"), bias_correction=False)

    def diagnostics(self, quantity, variables, value, params):
        notes = []
        dims = sum(v.n_dims for v in variables)
        n = variables[0].n_samples
        if params.get("shrinkage", "auto") == "auto" and n < AUTO_SHRINK_SAMPLES_PER_DIM * dims:
            notes.append(
                f"Ledoit-Wolf shrinkage was applied ({n} samples for {dims} dimensions), which pulls the estimate "
                "towards 0 and disables the bias correction."
            )
        return notes


GAUSSIAN = GaussianEstimator()
