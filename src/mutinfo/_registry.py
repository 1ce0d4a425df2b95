"""One explicit table of estimation methods.

Every method name a user can pass resolves here, and nowhere else. An entry says
what the method accepts (discrete, continuous or mixed data), which quantities it
estimates, whether it is differentiable, where it runs, and where its
implementation lives; implementations are imported on first use, so
``import mutinfo`` stays light.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ._errors import UnknownMethodError

__all__ = ["MethodInfo", "REGISTRY", "get_method", "method_names", "auto_method"]

QUANTITIES = ("entropy", "conditional_entropy", "mi", "cmi")


@dataclass(frozen=True)
class MethodInfo:
    """Description of one estimation method.

    Attributes
    ----------
    name : str
        The name users pass as ``method=``.
    aliases : tuple of str
        Other accepted names.
    family : str
        "discrete", "gaussian", "knn", "neural", ...
    data : tuple of str
        Kinds of data it accepts: any of "discrete" (all variables discrete),
        "continuous" (all continuous) and "mixed" (some of each, or ties).
    quantities : tuple of str
        Subset of ("entropy", "conditional_entropy", "mi", "cmi").
    differentiable : bool
        Whether a differentiable torch form exists (see :mod:`mutinfo.functional`).
    devices : tuple of str
        Where it runs: ("cpu",) or ("cpu", "cuda").
    summary, reference : str
        One line each, shown by ``mutinfo methods``.
    min_samples : int
        Fewest samples the method accepts; below it the call raises ``DataError``.
        2 for the bias-corrected discrete methods (see :mod:`mutinfo.estimators.discrete`);
        1 for ``plugin`` (the quantity of the empirical distribution) and for the
        others, whose limits depend on their parameters and are checked by the
        estimator (k-NN: more than k samples; gaussian: at least 3).
    """

    name: str
    family: str
    data: tuple[str, ...]
    quantities: tuple[str, ...]
    implementation: str
    summary: str
    reference: str
    aliases: tuple[str, ...] = ()
    differentiable: bool = False
    devices: tuple[str, ...] = ("cpu",)
    min_samples: int = 1
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def conditional(self) -> bool:
        """Whether it estimates conditional MI I(X;Y|Z)."""
        return "cmi" in self.quantities

    def load(self) -> Any:
        """The implementation object (an :class:`~mutinfo.estimators._base.Estimator`)."""
        if "impl" not in self._cache:
            module, _, attr = self.implementation.partition(":")
            self._cache["impl"] = getattr(importlib.import_module(module), attr)
        return self._cache["impl"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "family": self.family,
            "data": list(self.data),
            "quantities": list(self.quantities),
            "conditional": self.conditional,
            "differentiable": self.differentiable,
            "devices": list(self.devices),
            "min_samples": self.min_samples,
            "summary": self.summary,
            "reference": self.reference,
        }


_D = "mutinfo.estimators.discrete"
_K = "mutinfo.estimators.knn"
_C = "mutinfo.estimators.copula"
_N = "mutinfo.estimators.neural"
_ALL = QUANTITIES

REGISTRY: tuple[MethodInfo, ...] = (
    # Discrete data, from counts.
    MethodInfo("plugin", "discrete", ("discrete",), _ALL, f"{_D}:PLUGIN",
               "Maximum-likelihood (empirical frequency) estimate; biased low for entropy, high for MI when undersampled.",
               "Paninski (2003), Neural Computation 15(6)", aliases=("mle", "empirical")),
    MethodInfo("miller_madow", "discrete", ("discrete",), _ALL, f"{_D}:MILLER_MADOW",
               "Plug-in plus the first-order bias correction (m - 1) / (2N).",
               "Miller (1955); Paninski (2003)", aliases=("mm",), min_samples=2),
    MethodInfo("grassberger", "discrete", ("discrete",), _ALL, f"{_D}:GRASSBERGER",
               "Grassberger's digamma-based correction of the plug-in entropy.",
               "Grassberger (2003), arXiv:physics/0307138", min_samples=2),
    MethodInfo("chao_shen", "discrete", ("discrete",), _ALL, f"{_D}:CHAO_SHEN",
               "Coverage-adjusted Horvitz-Thompson estimator; good when many symbols are unseen.",
               "Chao & Shen (2003), Environ. Ecol. Stat. 10", aliases=("cs",), min_samples=2),
    MethodInfo("shrinkage", "discrete", ("discrete",), _ALL, f"{_D}:SHRINKAGE",
               "James-Stein shrinkage of cell frequencies towards uniform; MI from the shrunk joint table.",
               "Hausser & Strimmer (2009), JMLR 10", aliases=("james_stein", "js_shrinkage"), min_samples=2),
    MethodInfo("nsb", "discrete", ("discrete",), _ALL, f"{_D}:NSB",
               "Bayesian estimator with a prior flat in entropy (mixture of Dirichlet priors).",
               "Nemenman, Shafee & Bialek (2002), NIPS 14", min_samples=2),
    # Continuous data, parametric.
    MethodInfo("gaussian", "gaussian", ("continuous",), _ALL, "mutinfo.estimators.gaussian:GAUSSIAN",
               "Closed form from the (shrinkage-regularised) covariance; exact for Gaussians, a lower bound on I only when x and y are each Gaussian.",
               "Cover & Thomas (2006), ch. 8; Ledoit & Wolf (2004)", aliases=("linear", "covariance"),
               devices=("cpu", "cuda")),
    # Continuous data, copula: MI from normal scores (ranks), invariant to increasing maps of each coordinate.
    MethodInfo("gcmi", "copula", ("continuous",), ("mi", "cmi"), f"{_C}:GCMI",
               "Gaussian-copula MI: bias-corrected Gaussian closed form on per-coordinate normal scores; exact for Gaussian copulas.",
               "Ince et al. (2017), Human Brain Mapping 38(3)", aliases=("gaussian_copula",)),
    MethodInfo("tcopula", "copula", ("continuous",), ("mi",), f"{_C}:TCOPULA",
               "Student-t copula MI in closed form, degrees of freedom by maximum likelihood (Gaussian copula unless rejected).",
               "Demarta & McNeil (2005), Int. Stat. Rev. 73(1); Arellano-Valle, Contreras-Reyes & Genton (2013), Scand. J. Stat. 40(1)",
               aliases=("t_copula", "student_copula")),
    MethodInfo("copula", "copula", ("continuous",), ("mi",), f"{_C}:COPULA",
               "The larger of the t-copula MI and KSG on normal scores: elliptical dependence in any dimension, other shapes in few.",
               "Ince et al. (2017); Demarta & McNeil (2005); Kraskov et al. (2004), PRE 69; Czyz et al. (2023), NeurIPS 36"),
    MethodInfo("ensemble", "ensemble", ("continuous",), ("entropy", "conditional_entropy", "mi"), "mutinfo.estimators.ensemble:ENSEMBLE",
               "The largest of candidates that read low where they fail (elliptical closed form, KSG on two scalings, a held-out "
               "neural bound), with calibrated controls of the maximum's bias; duplicated rows removed (the route of auto).",
               "Kraskov et al. (2004), PRE 69; Demarta & McNeil (2005); van den Oord et al. (2018); Czyz et al. (2023), NeurIPS 36"),
    # Continuous and mixed data, k nearest neighbours.
    MethodInfo("ksg", "knn", ("continuous",), ("mi", "cmi"), f"{_K}:KSG",
               "Kraskov-Stoegbauer-Grassberger k-NN estimator, algorithm 1 (max-norm); Frenzel-Pompe form for I(X;Y|Z).",
               "Kraskov, Stoegbauer & Grassberger (2004), PRE 69; Frenzel & Pompe (2007), PRL 99",
               aliases=("ksg1", "kraskov"), devices=("cpu", "cuda")),
    MethodInfo("ksg2", "knn", ("continuous",), ("mi",), f"{_K}:KSG2",
               "KSG algorithm 2: per-variable neighbourhood radii; lower bias, higher variance than algorithm 1.",
               "Kraskov, Stoegbauer & Grassberger (2004), PRE 69", devices=("cpu", "cuda")),
    MethodInfo("kl", "knn", ("continuous",), ("entropy",), f"{_K}:KL",
               "Kozachenko-Leonenko k-NN differential entropy (Euclidean or max-norm); H(X|Y) as H(X,Y) - H(Y).",
               "Kozachenko & Leonenko (1987), Probl. Inf. Transm. 23", aliases=("kozachenko_leonenko",),
               devices=("cpu", "cuda")),
    MethodInfo("mixed", "knn", ("continuous", "mixed", "discrete"), ("mi", "cmi"), "mutinfo.estimators.mixed_cmi:MIXED",
               "k-NN MI and conditional MI for any mix of discrete and continuous variables, and data with ties (equals ksg on tie-free data).",
               "Gao, Kannan, Oh & Viswanath (2017), NeurIPS 30; Mesner & Shalizi (2020), IEEE Trans. Inf. Theory 67(1)",
               aliases=("gkov", "mesner_shalizi"), devices=("cpu", "cuda")),
    MethodInfo("ross", "knn", ("mixed",), ("mi",), f"{_K}:ROSS",
               "k-NN MI between a discrete and a continuous variable (scikit-learn's mutual_info_classif estimator).",
               "Ross (2014), PLoS ONE 9(2)", devices=("cpu", "cuda")),
    # Continuous data, neural: a critic trained with a variational bound, reported on held-out samples.
    MethodInfo("smile", "neural", ("continuous",), ("mi",), f"{_N}:SMILE",
               "DV read-out with negatives clipped to [-5, 5], critic trained as Jensen-Shannon: a biased estimator, "
               "not a bound; low variance up to ~10 nats.",
               "Song & Ermon (2020), ICLR", differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("infonce", "neural", ("continuous",), ("mi",), f"{_N}:INFONCE",
               "Contrastive (CPC) bound: held-out value a lower bound in expectation; low variance but never above "
               "log(batch_size).",
               "van den Oord et al. (2018), arXiv:1807.03748; Poole et al. (2019), ICML",
               aliases=("nce", "cpc"), differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("nwj", "neural", ("continuous",), ("mi",), f"{_N}:NWJ",
               "Nguyen-Wainwright-Jordan (f-divergence) bound: held-out value unbiased, a lower bound in expectation; "
               "variance grows like exp(I).",
               "Nguyen, Wainwright & Jordan (2010), IEEE Trans. Inf. Theory 56(11)", differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("mine", "neural", ("continuous",), ("mi",), f"{_N}:MINE",
               "Donsker-Varadhan read-out (as dv: an upward-biased estimate of a lower bound) with MINE's "
               "moving-average gradient correction.",
               "Belghazi et al. (2018), ICML", differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("dv", "neural", ("continuous",), ("mi",), f"{_N}:DV",
               "Donsker-Varadhan bound trained directly; held-out value (-log of a mean) biased upward, so not a bound "
               "in expectation; variance grows like exp(I).",
               "Donsker & Varadhan (1983); Poole et al. (2019), ICML", differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("js", "neural", ("continuous",), ("mi",), f"{_N}:JS",
               "Critic trained as Jensen-Shannon (f-GAN), MI reported by the NWJ bound (a lower bound in expectation); "
               "fragile on heavy tails (warned).",
               "Hjelm et al. (2019), ICLR; Poole et al. (2019), ICML", differentiable=True, devices=("cpu", "cuda")),
    MethodInfo("club", "neural", ("continuous",), ("mi",), f"{_N}:CLUB",
               "Contrastive log-ratio bound from a Gaussian q(y|x): an UPPER bound only when q fits p(y|x) well; "
               "loose when dependence is strong.",
               "Cheng et al. (2020), ICML", differentiable=True, devices=("cpu", "cuda")),
)

_BY_NAME: dict[str, MethodInfo] = {}
for _info in REGISTRY:
    for _name in (_info.name, *_info.aliases):
        if _name in _BY_NAME:  # pragma: no cover - guards the table itself
            raise RuntimeError(f"method name {_name!r} registered twice")
        _BY_NAME[_name] = _info


def method_names() -> list[str]:
    """Canonical method names, in registry order."""
    return [info.name for info in REGISTRY]


def get_method(name: Any, func: str) -> MethodInfo:
    """The registry entry for ``name`` (a canonical name or an alias)."""
    if isinstance(name, str):
        info = _BY_NAME.get(name.lower().replace("-", "_"))
        if info is not None:
            return info
    valid = ", ".join(["'auto'", *(repr(n) for n in method_names())])
    raise UnknownMethodError(f"The `method` parameter of {func} must be one of {valid}. Got {name!r}.")


# ---------------------------------------------------------------------------
# method="auto"

# Discrete data: plug-in when every observed joint cell has at least this many samples on average.
# Below it, bias-corrected estimators win (measured on undersampled uniform sources and 10x10
# channels, 20 seeds: Grassberger has the smallest entropy bias, NSB the smallest MI bias).
AUTO_PLUGIN_SAMPLES_PER_CELL = 20.0
# Continuous data: k-NN estimators from this many samples on (below, the Gaussian closed form).
AUTO_KNN_MIN_SAMPLES = 20
# Continuous MI (and H(X|Y), derived from the same MI estimate so that H(X) - H(X|Y) = I(X;Y))
# goes to "ensemble" (mutinfo.estimators.ensemble): candidates chosen for their different blind
# spots (elliptical closed form: monotone dependence only; KSG: low in many dimensions; a held-out
# neural bound: needs samples), each of which reads low where it fails, so the largest, with the
# maximum's bias controlled by a calibration under the null (t copula) and a two-standard-error
# margin (neural). The rule is stated from what each candidate can see, not from a benchmark.
AUTO_CONTINUOUS_MI_METHOD = "ensemble"
# Repeated values (float32 samples repeat a few values by chance) do not change the route: ranks
# average ties, and the k-NN candidate is then Gao et al.'s estimator. The neural estimator is no
# longer an auto route; these constants are kept for callers that read them.
AUTO_NEURAL_MIN_DIMS = 8
AUTO_NEURAL_MIN_SAMPLES = 1000
AUTO_NEURAL_METHOD = "smile"


def auto_method(
    quantity: str,
    kinds: tuple[bool, ...],
    dims: tuple[int, ...],
    n_samples: int,
    n_cells: int,
    ties: bool = False,
) -> tuple[str, str]:
    """The method ``method="auto"`` picks, and the reason, for the given data.

    Parameters
    ----------
    quantity : one of QUANTITIES
    kinds : tuple of bool
        Whether each variable is discrete.
    dims : tuple of int
        Number of continuous dimensions of each variable (1 for discrete ones).
    n_samples : int
    n_cells : int
        Number of distinct joint symbols observed over the discrete variables (0 if none).
    ties : bool
        Whether some continuous column holds repeated values.
    """
    if all(kinds):
        ratio = n_samples / max(n_cells, 1)
        if ratio >= AUTO_PLUGIN_SAMPLES_PER_CELL:
            return "plugin", f"all variables discrete, {ratio:.0f} samples per observed joint cell (well sampled: plug-in)"
        if quantity == "entropy":
            return "grassberger", f"discrete, {ratio:.1f} samples per observed cell (undersampled: Grassberger's bias correction)"
        return "nsb", f"all variables discrete, {ratio:.1f} samples per observed joint cell (undersampled: NSB)"
    if n_samples < AUTO_KNN_MIN_SAMPLES:
        if not any(kinds):
            return "gaussian", f"continuous data with only {n_samples} samples (Gaussian closed form; too few for k-NN)"
    # Continuous MI without ties: copula route (elliptical closed form or KSG on normal scores, the larger).
    if quantity == "mi" and not any(kinds) and n_samples >= AUTO_KNN_MIN_SAMPLES:
        return AUTO_CONTINUOUS_MI_METHOD, (
            f"continuous data, d_x + d_y = {sum(dims)} dimension(s), {n_samples} samples: the largest of an elliptical "
            "closed form (Gaussian on normal marginals, else the Student-t/Gaussian copula), "
            + ("repeated values: Gao et al.'s k-NN estimator where a value repeats more than 3 times, else KSG" if ties else "KSG on standardised data and on normal scores")
            + " and, from 1000 samples in 3 or more dimensions, a held-out neural bound; each reads low where it fails "
            "(see Estimate.details['candidates'])"
        )
    # High-dimensional continuous MI with repeated values: neural estimator.
    if quantity == "mi" and not any(kinds) and sum(dims) >= AUTO_NEURAL_MIN_DIMS and n_samples >= AUTO_NEURAL_MIN_SAMPLES:
        return AUTO_NEURAL_METHOD, (
            f"continuous data in d_x + d_y = {sum(dims)} dimensions (>= {AUTO_NEURAL_MIN_DIMS}) with {n_samples} samples: "
            f"neural estimator ({AUTO_NEURAL_METHOD}, held-out estimate), as k-NN estimators are biased low in high dimension"
        )
    if not any(kinds):
        total = sum(dims)
        if quantity == "conditional_entropy" and len(dims) == 2 and n_samples >= AUTO_KNN_MIN_SAMPLES:
            return AUTO_CONTINUOUS_MI_METHOD, (
                "continuous data: H(X|Y) = H(X) - I(X;Y), with H(X) by Kozachenko-Leonenko and I(X;Y) by the same "
                "ensemble as mutual_information, so that the two agree exactly"
            )
        if quantity in ("entropy", "conditional_entropy"):
            return "kl", f"continuous data, {total} dimension(s) (Kozachenko-Leonenko k-NN entropy)"
        if ties and quantity == "mi":
            # Measured (benchmarks/mixed_ties.py, 200 data sets): on rounded and 0/1-as-float data
            # mixed is within 0.03 nats of the truth on average from N = 50 on (ksg with its noise
            # is as close there); unlike ksg it also treats values repeated more than k times as
            # atoms, which is right for discrete parts (tests/estimators/test_knn.py, mixtures).
            return "mixed", (
                "continuous data with repeated values (Gao et al. k-NN estimator: values repeated more than k times "
                "count as atoms, ties at a positive distance are ordered at random)"
            )
        return "ksg", f"continuous data, {total} dimension(s) (KSG k-NN estimator)"
    if quantity == "mi" and len(kinds) == 2:
        cont_dims = sum(d for d, k in zip(dims, kinds) if not k)
        return "ross", f"one discrete and one continuous variable ({cont_dims} dimension(s)) (Ross k-NN estimator)"
    if quantity == "mi":
        return "mixed", "a mix of discrete and continuous variables (Gao et al. k-NN estimator)"
    if quantity == "cmi":
        kinds_text = ", ".join(f"{name} {'discrete' if d else 'continuous'}" for name, d in zip("xyz", kinds))
        return "mixed", f"{kinds_text} (Mesner-Shalizi k-NN estimator for mixed data)"
    raise UnknownMethodError(
        "method='auto' found no method for a mix of discrete and continuous variables in this quantity; pass "
        "discrete=False to treat the discrete ones as numbers, or discrete=True to treat all as labels."
    )
