"""Estimators of I(X;T) and I(T;Y) for one hidden layer T = f(X) of a deterministic network.

Why a special estimator is needed
---------------------------------
For a deterministic network, T is a function of X. If X is continuous and f is
injective (tanh and ReLU layers almost always are on the data), I(X;T) is infinite;
if X is discrete with N equally likely distinct inputs and f is injective on them,
I(X;T) = H(X) = log N at every layer and every epoch. Either way the "information
plane" of the exact quantity carries no information about training. Every plot of
it measures a *different, finite* quantity, chosen by the estimator:

* **binning** (Shwartz-Ziv & Tishby 2017): I(X; bin(T)), the information about X
  kept by T seen through a grid of cells. It equals H(bin(T)) and depends on the
  bin size: tanh units that saturate fall into fewer cells, which reads as
  "compression" (Saxe et al. 2018).
* **kde** (Kolchinsky & Tracey 2017; Saxe et al. 2018): I(X; T + Z) with Gaussian
  noise Z ~ N(0, sigma^2 I) added to the layer, bounded above through pairwise
  distances between the activations.
* **noise** (Goldfeld et al. 2019): the same noisy quantity I(X; T + Z), estimated
  (not bounded) by Monte Carlo integration of the Gaussian-mixture entropy, the
  "sample propagation" estimator.
* **knn** and **neural**: the k-NN (KSG) and variational estimators of
  :func:`mutinfo.mutual_information`, which treat X and T as continuous samples;
  their value is finite because the sample is finite, and is best read as a
  geometry-dependent score.

All values are in nats. Each estimator returns a dict with at least ``i_xt`` and
``i_ty``; some add fields (the bin size, a Monte Carlo standard error).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping

import numpy as np

from .._errors import DataError, MutualInfoWarning, ParameterError, param_error
from .._validation import check_choice, check_float, check_int, is_torch_tensor

__all__ = [
    "LayerEstimator",
    "BinningEstimator",
    "KDEEstimator",
    "NoiseEstimator",
    "KNNEstimator",
    "NeuralEstimator",
    "resolve_estimator",
    "kde_information",
    "noisy_information",
    "bin_codes",
]

# Rows of the pairwise-distance matrix held in memory at once by the KDE and noise estimators.
PAIRWISE_ROWS = 1024
# Discrete methods accepted by the binning estimator (vectorised entropy from counts).
_DISCRETE_METHODS = ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb")


class LayerEstimator:
    """Base class: estimates I(X;T) and I(T;Y) for one layer, in nats.

    Subclasses implement :meth:`estimate`. ``x_codes`` holds one integer symbol per
    probe row (equal inputs share a symbol), ``x`` the probe inputs flattened to
    shape (n, d_x), ``t`` the layer activations of shape (n, d_t) (a NumPy array
    or a torch tensor on any device), ``y`` integer labels of shape (n,).
    """

    name = "base"

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """The estimator's name and settings, stored with each record."""
        return {"estimator": self.name}


# ---------------------------------------------------------------------------
# Binning.


def _numpy(t: Any) -> np.ndarray:
    if is_torch_tensor(t):
        return t.detach().cpu().double().numpy()
    return np.asarray(t, dtype=np.float64)


def bin_codes(t: Any, *, n_bins: int | None = 30, bin_size: float | None = None, value_range: tuple[float, float] | None = None) -> tuple[np.ndarray, float]:
    """One integer symbol per row of ``t`` after putting every unit into equal-width bins.

    Parameters
    ----------
    t : array of shape (n, d)
    n_bins : int, optional
        Bins spanning ``value_range`` (default: the min and max of ``t`` over all
        units). Values on the upper edge go into the last bin.
    bin_size : float, optional
        Bin width instead of ``n_bins``; bins are ``[k * bin_size, (k + 1) * bin_size)``
        for integer k, with no range (used for unbounded units such as ReLU).
    value_range : (lo, hi), optional

    Returns
    -------
    codes : int64 array of shape (n,)
        Equal rows of binned values share a code (codes are in [0, n_distinct)).
    bin_size : float
        The width of the bins used.
    """
    arr = _numpy(t)
    if arr.ndim == 1:
        arr = arr[:, None]
    arr = arr.reshape(arr.shape[0], -1)
    if bin_size is not None:
        cells = np.floor(arr / bin_size).astype(np.int64)
        width = float(bin_size)
    else:
        lo, hi = (float(arr.min()), float(arr.max())) if value_range is None else value_range
        width = (hi - lo) / n_bins if hi > lo else 1.0
        cells = np.clip(np.floor((arr - lo) / width), 0, n_bins - 1).astype(np.int64)
    _, codes = np.unique(cells, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), width


def _discrete_mi(a: np.ndarray, b: np.ndarray, method: str) -> float:
    import mutinfo

    with warnings.catch_warnings():
        # Undersampling notes are expected here: I(X; bin T) always has one cell per input.
        warnings.simplefilter("ignore", MutualInfoWarning)
        return float(mutinfo.mutual_information(a, b, method=method, discrete=True))


class BinningEstimator(LayerEstimator):
    """I(X; bin(T)) and I(bin(T); Y) from equal-width bins (Shwartz-Ziv & Tishby 2017).

    Each unit's activation is put into equal-width bins and a row of bin indices is
    one discrete symbol; the discrete MI estimator ``method`` (plug-in by default,
    as in the paper) is applied to (X, bin T) and (bin T, Y). For a deterministic
    network, I(X; bin T) = H(bin T), which is at most log N for N distinct probe
    inputs (8.32 nats = 12 bits for the 4096 inputs of the 12-bit task).

    Parameters
    ----------
    n_bins : int, default 30
        Number of bins over ``value_range`` (30 in Shwartz-Ziv & Tishby).
    bin_size : float, optional
        Bin width instead of ``n_bins`` (grid anchored at 0, no range needed).
    value_range : (lo, hi) or None
        Range of the ``n_bins`` bins: None uses the activations' min and max at each
        record (per layer); (-1, 1) reproduces the tanh setting of the paper.
    method : str, default "plugin"
        A discrete method of :func:`mutinfo.mutual_information`.

    Notes
    -----
    The result depends on the bin size: finer bins give more cells, so I(X; bin T)
    grows towards log N. Each record reports the ``bin_size`` used. Plug-in MI is
    biased upward when the cells are undersampled, which is always the case for
    I(X; bin T); the bias is the known limitation of this estimator (Saxe et al.
    2018, Goldfeld et al. 2019). Cost: O(n d log n) per layer (a sort of the rows).

    References
    ----------
    Shwartz-Ziv & Tishby (2017), Opening the black box of deep neural networks via
    information, arXiv:1703.00810. Saxe et al. (2018), On the information bottleneck
    theory of deep learning, ICLR.
    """

    name = "binning"

    def __init__(self, n_bins: int | None = 30, *, bin_size: float | None = None, value_range: tuple[float, float] | None = None, method: str = "plugin") -> None:
        func = "BinningEstimator"
        if bin_size is not None:
            self.bin_size = check_float(func, "bin_size", bin_size, 0.0, lo_open=True, rule="None or a positive real number")
            self.n_bins = None
        else:
            self.bin_size = None
            self.n_bins = check_int(func, "n_bins", n_bins, 1, rule="an int >= 1 (or pass bin_size)")
        if value_range is not None:
            ok = isinstance(value_range, (tuple, list)) and len(value_range) == 2
            if ok:
                lo = check_float(func, "value_range", value_range[0], rule="None or a pair (lo, hi) of real numbers with lo < hi")
                hi = check_float(func, "value_range", value_range[1], rule="None or a pair (lo, hi) of real numbers with lo < hi")
                ok = lo < hi
            if not ok:
                raise param_error(func, "value_range", "None or a pair (lo, hi) of real numbers with lo < hi", value_range)
            value_range = (lo, hi)
        self.value_range = value_range
        self.method = check_choice(func, "method", method, _DISCRETE_METHODS)

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        codes, width = bin_codes(t, n_bins=self.n_bins, bin_size=self.bin_size, value_range=self.value_range)
        return {
            "i_xt": _discrete_mi(x_codes, codes, self.method),
            "i_ty": _discrete_mi(codes, y, self.method),
            "bin_size": width,
            "n_cells": int(codes.max()) + 1,
        }

    def describe(self) -> dict[str, Any]:
        return {"estimator": self.name, "n_bins": self.n_bins, "bin_size": self.bin_size, "method": self.method}


# ---------------------------------------------------------------------------
# Pairwise-distance estimators (torch: CPU or GPU).


def _as_torch(t: Any) -> Any:
    import torch

    if is_torch_tensor(t):
        data = t.detach()
    else:
        data = torch.as_tensor(np.asarray(t))
    data = data.reshape(data.shape[0], -1)
    return data.to(torch.float64)


def _sq_dists(a: Any, b: Any, b_sq: Any) -> Any:
    """Squared Euclidean distances (rows of a) x (rows of b), in float64, never negative."""
    a_sq = (a * a).sum(1, keepdim=True)
    d2 = a_sq + b_sq[None, :] - 2.0 * (a @ b.T)
    return d2.clamp_min_(0.0)  # rounding of the expansion can give -1e-16


def _mean_log_mean_kernel(queries: Any, centres: Any, scale: float, groups: Any | None = None) -> tuple[Any, Any]:
    """For each query q: log( mean_j exp(-|q - c_j|^2 * scale) ), over all centres and within groups.

    Returns (all_terms, group_terms), each a float64 tensor of shape (n_queries,);
    group_terms averages only over the centres in the query's group (None when
    ``groups`` is None). ``groups`` is a pair (query_groups, centre_groups) of int64
    tensors with values in [0, G). Centres are sorted by group once, so each block
    of rows is reduced group by group over contiguous columns and the overall term
    is the log-sum-exp of the group terms: one pass over the kernel matrix.
    Memory O(PAIRWISE_ROWS * n_centres).
    """
    import torch

    n = centres.shape[0]
    out_all = torch.empty(queries.shape[0], dtype=torch.float64, device=queries.device)
    out_grp = None
    if groups is not None:
        q_groups, c_groups = groups
        order = torch.argsort(c_groups, stable=True)
        centres = centres[order]
        counts = torch.bincount(c_groups).tolist()
        bounds = [0]
        for c in counts:
            bounds.append(bounds[-1] + c)
        log_counts = torch.log(torch.tensor(counts, dtype=torch.float64, device=queries.device))
        out_grp = torch.empty_like(out_all)
    c_sq = (centres * centres).sum(1)
    for start in range(0, queries.shape[0], PAIRWISE_ROWS):
        stop = min(start + PAIRWISE_ROWS, queries.shape[0])
        logk = _sq_dists(queries[start:stop], centres, c_sq).mul_(-scale)
        if groups is None:
            out_all[start:stop] = torch.logsumexp(logk, dim=1) - math.log(n)
            continue
        per_group = torch.stack(
            [torch.logsumexp(logk[:, lo:hi], dim=1) if hi > lo else torch.full((stop - start,), -math.inf, dtype=torch.float64, device=logk.device)
             for lo, hi in zip(bounds[:-1], bounds[1:])],
            dim=1,
        )
        out_all[start:stop] = torch.logsumexp(per_group, dim=1) - math.log(n)
        g = q_groups[start:stop]
        out_grp[start:stop] = per_group.gather(1, g[:, None])[:, 0] - log_counts[g]
    return out_all, out_grp


def _class_weights(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, inv, counts = np.unique(y, return_inverse=True, return_counts=True)
    return inv.reshape(-1).astype(np.int64), counts / counts.sum()


def kde_information(t: Any, y: np.ndarray | None = None, *, noise_variance: float = 0.1, bound: str = "upper") -> tuple[float, float | None]:
    """Pairwise-distance bounds on I(X; T+Z) and estimate of I(T+Z; Y), Z ~ N(0, noise_variance I).

    For a deterministic layer T = f(X), T+Z given X is one Gaussian, and T+Z is the
    mixture of N Gaussians centred on the activations t_i. Kolchinsky & Tracey (2017)
    bound the entropy of such a mixture through pairwise divergences D between its
    components::

        I(X; T+Z) <= -1/N sum_i log( 1/N sum_j exp(-|t_i - t_j|^2 / (2 s^2)) )   (KL: upper)
        I(X; T+Z) >= -1/N sum_i log( 1/N sum_j exp(-|t_i - t_j|^2 / (8 s^2)) )   (Bhattacharyya: lower)

    with s^2 = ``noise_variance``. Both lie in [0, log N]. I(T+Z; Y) is the bound on
    H(T+Z) minus the class-weighted bounds on H(T+Z | Y=c), as in Saxe et al. (2018);
    it is a difference of bounds, not itself a bound.

    Parameters
    ----------
    t : array or tensor of shape (n, d)
        Activations; a CUDA tensor keeps the work on its GPU.
    y : int array of shape (n,), optional
    noise_variance : float, default 0.1
        s^2 (Saxe et al. 2018 use 0.1).
    bound : {"upper", "lower"}

    Returns
    -------
    (i_xt, i_ty) in nats; i_ty is None when y is None.

    Cost: O(n^2 d) time, O(1024 n) memory (rows in blocks of 1024).
    """
    import torch

    data = _as_torch(t)
    scale = 1.0 / (2.0 * noise_variance) if bound == "upper" else 1.0 / (8.0 * noise_variance)
    groups = None
    if y is not None:
        inv, weights = _class_weights(np.asarray(y))
        g = torch.as_tensor(inv, device=data.device)
        groups = (g, g)
    lme_all, lme_grp = _mean_log_mean_kernel(data, data, scale, groups)
    i_xt = float(-lme_all.mean())
    if y is None:
        return i_xt, None
    h_cond = 0.0
    for c, w in enumerate(weights):
        h_cond += w * float(-lme_grp[groups[0] == c].mean())
    return i_xt, float(i_xt - h_cond)


def noisy_information(
    t: Any, y: np.ndarray | None = None, *, noise_std: float = 0.1, n_mc: int = 1, seed: int = 0
) -> tuple[float, float | None, float]:
    """Monte Carlo estimate of I(X; T+Z) and I(T+Z; Y), Z ~ N(0, noise_std^2 I) (Goldfeld et al. 2019).

    T+Z is the Gaussian mixture (1/N) sum_i N(t_i, s^2 I), so
    I(X; T+Z) = h(T+Z) - h(Z) with h(Z) = d/2 log(2 pi e s^2). The mixture entropy
    is integrated by Monte Carlo with ``n_mc`` draws per component (the sample
    propagation estimator): h(T+Z) = -E log p(t_i + s z), p the mixture density.
    After cancelling constants::

        I(X; T+Z) = -mean_{i,k} log( 1/N sum_j exp(-|t_i + s z_ik - t_j|^2 / (2 s^2)) ) - d/2

    I(T+Z; Y) = h(T+Z) - sum_c p(c) h(T+Z | Y=c), each class entropy integrated the
    same way over its own components, with the same draws (which lowers the variance).

    Unlike the KDE bound, this estimate is unbiased for the noisy quantity; its
    Monte Carlo standard error is returned. Cost: O(n_mc n^2 d).

    Returns
    -------
    (i_xt, i_ty, std_error) in nats; i_ty is None when y is None. std_error is the
    Monte Carlo standard error of i_xt.
    """
    import torch

    data = _as_torch(t)
    n, d = data.shape
    gen = torch.Generator(device=data.device)
    gen.manual_seed(int(seed))
    scale = 1.0 / (2.0 * noise_std**2)
    groups = None
    if y is not None:
        inv, weights = _class_weights(np.asarray(y))
        g = torch.as_tensor(inv, device=data.device)
    terms_all, terms_grp = [], []
    for _ in range(n_mc):
        z = torch.randn(data.shape, generator=gen, device=data.device, dtype=torch.float64)
        queries = data + noise_std * z
        if y is not None:
            groups = (g, g)
        a, b = _mean_log_mean_kernel(queries, data, scale, groups)
        terms_all.append(a)
        if b is not None:
            terms_grp.append(b)
    all_terms = torch.stack(terms_all)  # (n_mc, n)
    # h(T+Z) - h(Z): the -log p terms average to h + d/2 log(2 pi s^2); subtracting h(Z) leaves -d/2.
    per_point = -all_terms.mean(0) - d / 2.0
    i_xt = float(per_point.mean())
    std_error = float(per_point.std() / math.sqrt(n)) if n > 1 else 0.0
    if y is None:
        return i_xt, None, std_error
    grp = torch.stack(terms_grp)
    h_cond = 0.0
    for c, w in enumerate(weights):
        h_cond += w * float(-grp[:, g == c].mean())
    h_all = float(-all_terms.mean())
    return i_xt, float(h_all - h_cond), std_error


class KDEEstimator(LayerEstimator):
    """Pairwise-distance bound on I(X; T+Z), Gaussian noise of variance ``noise_variance``.

    See :func:`kde_information`. The quantity measured is the information of the
    layer as seen through additive Gaussian noise; the noise level sets the scale at
    which activations count as different, as the bin size does for binning.

    Parameters
    ----------
    noise_variance : float, default 0.1
        Variance s^2 of the added noise (Saxe et al. 2018).
    bound : {"upper", "lower"}, default "upper"
        "upper": KL-divergence bound (the one Saxe et al. plot); "lower":
        Bhattacharyya-distance bound.

    References
    ----------
    Kolchinsky & Tracey (2017), Estimating mixture entropy with pairwise distances,
    Entropy 19(7):361. Saxe et al. (2018), ICLR.
    """

    name = "kde"

    def __init__(self, noise_variance: float = 0.1, *, bound: str = "upper") -> None:
        self.noise_variance = check_float("KDEEstimator", "noise_variance", noise_variance, 0.0, lo_open=True, rule="a positive real number")
        self.bound = check_choice("KDEEstimator", "bound", bound, ("upper", "lower"))

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        i_xt, i_ty = kde_information(t, y, noise_variance=self.noise_variance, bound=self.bound)
        return {"i_xt": i_xt, "i_ty": i_ty}

    def describe(self) -> dict[str, Any]:
        return {"estimator": self.name, "noise_variance": self.noise_variance, "bound": self.bound}


class NoiseEstimator(LayerEstimator):
    """Monte Carlo estimate of I(X; T+Z), Z ~ N(0, noise_std^2 I) (Goldfeld et al. 2019).

    See :func:`noisy_information`. Goldfeld et al. make the network itself noisy (noise
    in every layer, during training); a monitor must not change training, so here the
    noise is added at the measured layer only, which turns the deterministic layer
    into a noisy channel X -> T+Z with finite, estimable information.

    Parameters
    ----------
    noise_std : float, default 0.1
        Standard deviation s of the added noise.
    n_mc : int, default 1
        Monte Carlo draws per probe point.

    References
    ----------
    Goldfeld, van den Berg, Greenewald, Melnyk, Nguyen, Kingsbury & Polyanskiy (2019),
    Estimating information flow in deep neural networks, ICML.
    """

    name = "noise"

    def __init__(self, noise_std: float = 0.1, *, n_mc: int = 1) -> None:
        self.noise_std = check_float("NoiseEstimator", "noise_std", noise_std, 0.0, lo_open=True, rule="a positive real number")
        self.n_mc = check_int("NoiseEstimator", "n_mc", n_mc, 1)

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        i_xt, i_ty, se = noisy_information(t, y, noise_std=self.noise_std, n_mc=self.n_mc, seed=seed)
        return {"i_xt": i_xt, "i_ty": i_ty, "mc_std_error": se}

    def describe(self) -> dict[str, Any]:
        return {"estimator": self.name, "noise_std": self.noise_std, "n_mc": self.n_mc}


# ---------------------------------------------------------------------------
# Estimators of the public API (k-NN, neural).


def _require_method(name: str, owner: str) -> None:
    from .._registry import get_method

    get_method(name, owner)  # UnknownMethodError listing the valid names


class KNNEstimator(LayerEstimator):
    """k-NN estimates through :func:`mutinfo.mutual_information` (KSG; Kraskov et al. 2004).

    I(X;T) treats the probe inputs and the activations as continuous samples
    (``method``, default "ksg"); I(T;Y) uses ``label_method`` with the labels declared
    discrete ("auto" lets the registry choose a discrete-continuous k-NN method).
    For a deterministic network the true I(X;T) is infinite; the k-NN value is finite
    and grows with the sample size, so compare it across epochs, not to log N.

    Parameters
    ----------
    k : int, default 3
    method : str, default "ksg"
    label_method : str, default "auto"
    """

    name = "knn"

    def __init__(self, k: int = 3, *, method: str = "ksg", label_method: str = "auto") -> None:
        self.k = check_int("KNNEstimator", "k", k, 1)
        _require_method(method, "KNNEstimator")
        if label_method != "auto":
            _require_method(label_method, "KNNEstimator")
        self.method, self.label_method = method, label_method

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        import mutinfo

        tt = _numpy(t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MutualInfoWarning)
            i_xt = mutinfo.mutual_information(_numpy(x), tt, method=self.method, discrete=False, k=self.k, random_state=seed)
            i_ty = mutinfo.mutual_information(tt, y, method=self.label_method, discrete=(False, True), k=self.k, random_state=seed)
        return {"i_xt": float(i_xt), "i_ty": float(i_ty)}

    def describe(self) -> dict[str, Any]:
        return {"estimator": self.name, "k": self.k, "method": self.method, "label_method": self.label_method}


class NeuralEstimator(LayerEstimator):
    """Variational estimates through :func:`mutinfo.mutual_information` (e.g. InfoNCE, SMILE).

    A critic is trained on the probe set at every record; labels enter I(T;Y) one-hot
    encoded as continuous vectors. Slow compared with the other estimators (a
    training run per layer and record; about 8 s per layer for the 4096 probe inputs
    of the 12-bit task on one CPU thread): use a large ``every``. InfoNCE can never
    exceed log(batch_size), so on a probe set that a layer separates well it reports
    that cap rather than a trend; SMILE and NWJ are not capped.

    Parameters
    ----------
    method : str, default "infonce"
        A neural method of the registry ("infonce", "smile", "nwj", ...).
    **params
        Passed to the method (epochs, batch_size, ...).

    References
    ----------
    van den Oord et al. (2018) (InfoNCE); Song & Ermon (2020) (SMILE).
    """

    name = "neural"

    def __init__(self, method: str = "infonce", **params: Any) -> None:
        _require_method(method, "NeuralEstimator")
        self.method, self.params = method, dict(params)

    def estimate(self, *, x: Any, x_codes: np.ndarray, t: Any, y: np.ndarray, seed: int) -> dict[str, float]:
        import mutinfo

        tt = _numpy(t)
        onehot = np.eye(int(y.max()) + 1)[y]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MutualInfoWarning)
            i_xt = mutinfo.mutual_information(_numpy(x), tt, method=self.method, discrete=False, random_state=seed, **self.params)
            i_ty = mutinfo.mutual_information(tt, onehot, method=self.method, discrete=False, random_state=seed, **self.params)
        return {"i_xt": float(i_xt), "i_ty": float(i_ty)}

    def describe(self) -> dict[str, Any]:
        return {"estimator": self.name, "method": self.method, **self.params}


# ---------------------------------------------------------------------------
# Names.

_BY_NAME = {
    "binning": BinningEstimator,
    "kde": KDEEstimator,
    "noise": NoiseEstimator,
    "knn": KNNEstimator,
    "ksg": KNNEstimator,
}


def resolve_estimator(estimator: Any, func: str, options: Mapping[str, Any] | None = None) -> LayerEstimator:
    """A :class:`LayerEstimator` from an instance or a name.

    Names: "binning", "kde", "noise", "knn" (alias "ksg"), or a neural method of the
    registry such as "infonce" or "smile". ``options`` are passed to the constructor.
    """
    options = dict(options or {})
    if isinstance(estimator, LayerEstimator):
        if options:
            raise ParameterError(f"{func} got estimator options {sorted(options)} together with an estimator instance; configure the instance instead.")
        return estimator
    if isinstance(estimator, str):
        key = estimator.lower()
        if key in _BY_NAME:
            return _BY_NAME[key](**options)
        from .._registry import REGISTRY

        neural = [info.name for info in REGISTRY if info.family == "neural"]
        if key in neural:
            return NeuralEstimator(key, **options)
        valid = ", ".join(repr(n) for n in (*_BY_NAME, *neural))
        raise param_error(func, "estimator", f"one of {valid}, or a LayerEstimator instance", estimator)
    raise param_error(func, "estimator", "a name such as 'binning', 'kde' or 'noise', or a LayerEstimator instance", estimator)


def check_labels(y: Any, n: int, func: str) -> np.ndarray:
    """Integer label codes in [0, n_classes) of shape (n,), from any label array."""
    from .._validation import read_input, to_discrete

    raw = read_input(y, "y")
    if raw.n_samples != n:
        raise DataError(f"x and y must have the same number of samples (rows). Got {n} and {raw.n_samples}.")
    if raw.kind == "float":
        data = raw.data.detach().cpu().numpy() if raw.is_torch else raw.data
        if not np.array_equal(data, np.round(data)):
            raise DataError(f"y must hold class labels (integers, bools or strings) for {func}. Got non-integer floats.")
    var = to_discrete(raw)
    _, codes = np.unique(var.data, return_inverse=True)
    return codes.reshape(-1).astype(np.int64)
