"""``method="ensemble"``: continuous MI from candidates whose blind spots differ (the route of ``auto``).

No single family is right everywhere, and each one's failure is known in advance:

* the **elliptical** closed forms (the Student-t / Gaussian copula on ranks, and the
  Gaussian on the raw data when every coordinate passes a normality test) is exact for Gaussian and t
  copulas in any dimension, and sees only monotone dependence: an X-shaped mixture, a
  scale mixture ``X | Y ~ N(0, s(Y)^2)`` or ``Y = X * e`` read near 0. In 1 + 1
  dimensions with normal marginals its population value is a lower bound on I;
* **KSG** (on standardised data and on normal scores) sees any shape of dependence in a
  few dimensions and reads low in many dimensions and at high MI (its error is
  one-sided there); normal scores remove heavy tails, standardised data keep the shape
  of mixtures that the rank transform bends. Each is moved up by the part of its bias
  that disjoint blocks of n/4 rows show (a Richardson step at the fastest rate a k-NN
  bias can fall, 1/n, so it never removes more than the bias; from 400 rows;
  ``details["candidates"]["knn_corrections"]``);
* a **neural critic** trained on a split and read on held-out rows (InfoNCE, a lower
  bound in expectation for any critic) sees non-monotone dependence in many dimensions
  and needs samples and time; it runs from :data:`NEURAL_MIN_SAMPLES` rows and
  :data:`NEURAL_MIN_DIMS` dimensions.

The candidates' failures read low, so the estimate is the largest of them, with two
controls of the upward bias of a maximum: the t copula replaces the Gaussian copula
only when its likelihood ratio beats that of every one of 19 samples of the fitted
Gaussian copula (a calibration under the null with the same n and the same rank
transform, :func:`mutinfo.estimators.copula.fit_t_copula`), and the neural candidate,
the noisiest, wins only when its held-out value minus two standard errors exceeds the
best of the others. ``Estimate.details["candidates"]`` lists every value, the winner
and why; when the candidates disagree by more than a factor
:data:`DISAGREEMENT_FACTOR` the result says so in its warnings (the non-monotone
spiral maps of the Beyond-Normal suite are such a case: every family reads low there).

Data checks before any candidate runs:

* **duplicated rows** (the same (x, y) row more than once while x and y alone are
  otherwise distinct) have probability 0 for continuous data; a k-NN estimator reads
  them as dependence (each row twice: +0.75 nats on independent data). The estimate
  uses the distinct rows and a warning says how many were dropped;
* **atoms** (a column repeats a value more than 3 times; chance ties of float32 data
  repeat values in pairs): the k-NN candidates are Gao et al.'s
  estimator, which treats repeated values as atoms, and the elliptical candidate is the
  Gaussian copula (the copula of data with atoms is not identified by ranks, and a t
  copula fitted to tied ranks reads the ties as tail dependence).

In nats. x: array of shape (n, d_x), y: (n, d_y). Cost: one t-copula fit, two KSG runs,
and, where it runs, one neural fit (about 1-3 s on a CPU at n = 5000).

References
----------
Kraskov, Stoegbauer & Grassberger (2004), PRE 69; Gao, Kannan, Oh & Viswanath (2017),
NeurIPS 30; Demarta & McNeil (2005), Int. Stat. Review 73(1); van den Oord et al.
(2018), arXiv:1807.03748; Poole et al. (2019), ICML; Czyz et al. (2023), NeurIPS 36.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import Variable
from ._base import Estimator

__all__ = ["ENSEMBLE", "EnsembleEstimator", "Selection", "NEURAL_MIN_SAMPLES", "NEURAL_MIN_DIMS", "DISAGREEMENT_FACTOR"]

# The neural candidate runs from this many rows (a third is held out for the read-out) ...
NEURAL_MIN_SAMPLES = 1000
# ... and this many dimensions d_x + d_y (in 1 + 1 and 2 dimensions KSG sees every shape of dependence).
NEURAL_MIN_DIMS = 3
# Standard errors subtracted from the neural value before it is compared with the other candidates.
NEURAL_MARGIN_SE = 2.0
# Candidates disagreeing by more than this factor (largest / smallest positive, above 0.1 nats) are reported.
DISAGREEMENT_FACTOR = 1.5
# Per-coordinate normality test level (D'Agostino-Pearson, Bonferroni over coordinates) for the raw Gaussian.
NORMALITY_LEVEL = 0.01
# The k-NN candidates are extrapolated from disjoint blocks (KNN_BLOCKS blocks, KNN_SPLITS times) of at least
# KNN_BLOCK_MIN_ROWS rows each; see _extrapolated_knn.
KNN_BLOCKS = 4
KNN_SPLITS = 2
KNN_BLOCK_MIN_ROWS = 100
# The rise from the blocks to all rows must exceed this many of its standard errors to count as bias.
KNN_RISE_SE = 2.0
# Rows are "duplicated" (not tied data) when at least this share of the distinct rows have distinct x and distinct y.
DUPLICATE_DISTINCT_SHARE = 0.9


@dataclass
class Selection:
    """What the ensemble tried and chose (nats)."""

    value: float
    winner: str
    candidates: dict[str, float]
    why: str
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    corrections: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "values": dict(self.candidates),
            "why": self.why,
            "rows_used": self.rows,
            "knn_corrections": dict(self.corrections),
        }


def _extrapolated_knn(run: Any, xa: np.ndarray, ya: np.ndarray, full: float, seed: int) -> tuple[float, float]:
    """A k-NN estimate moved up by the part of its small-sample bias that the data show: (value, correction).

    k-NN estimators read low at high MI and in several dimensions, by a bias b(n) that
    shrinks with n. On ``m`` disjoint blocks of n/m rows the mean estimate is lower by
    ``D = b(n/m) - b(n)``; if ``b(n) = c n^-a``, the bias left at n rows is
    ``D / (m^a - 1)``. A k-NN bias falls no faster than 1/n (in d dimensions like
    ``n^-1/d`` or ``n^-2/d`` for smooth densities), so ``a <= 1`` and the correction
    ``max(D, 0) / (m - 1)`` removes at most the bias: the corrected value still reads
    low where the estimator does (a Richardson step at the fastest rate). Where the
    estimator is unbiased (most 1+1-D data) D is noise around 0: a rise within
    ``KNN_RISE_SE`` standard errors (from the spread of the blocks) moves nothing. Runs from
    ``KNN_BLOCKS * KNN_BLOCK_MIN_ROWS`` rows; ``run(x, y, rng)`` is the estimator.
    """
    from ..stats import subsample_standard_error

    n = xa.shape[0]
    if n // KNN_BLOCKS < KNN_BLOCK_MIN_ROWS:
        return full, 0.0
    rng = np.random.default_rng(seed)
    # The disjoint blocks of the subsample intervals; each block's noise is drawn from the same stream.
    _, _, values = subsample_standard_error(
        lambda vs: float(run(vs[0].data, vs[1].data, np.random.default_rng(int(rng.integers(0, 2**63 - 1))))),
        [Variable("x", xa, False), Variable("y", ya, False)],
        rng=rng,
        n_blocks=KNN_BLOCKS,
        n_splits=KNN_SPLITS,
        min_rows=KNN_BLOCK_MIN_ROWS,
    )
    b = values[np.isfinite(values)]  # a block whose estimate raised a data error is left out
    if b.size < 2:
        return full, 0.0
    rise = full - float(b.mean())
    # Standard error of the rise: the n-row estimate varies like a block mean of KNN_BLOCKS blocks, the mean of
    # the blocks like one of all of them. A rise within KNN_RISE_SE of it is noise and moves nothing.
    var = float(b.var(ddof=1))
    se = math.sqrt(var / KNN_BLOCKS + var / b.size)
    if rise <= KNN_RISE_SE * se:
        return full, 0.0
    correction = rise / (KNN_BLOCKS - 1)
    return full + correction, correction


def _as_array(v: Variable) -> np.ndarray:
    return np.asarray(v.data, dtype=np.float64).reshape(v.n_samples, -1)


def _column_ties(a: np.ndarray) -> bool:
    s = np.sort(a, axis=0)
    return bool((s[1:] == s[:-1]).any())


def duplicated_rows(xa: np.ndarray, ya: np.ndarray) -> np.ndarray | None:
    """Indices of the first copy of each distinct (x, y) row when the data hold duplicated rows, else None.

    Duplication (a row copied) is told from tied data (a variable with few values) by
    the distinct rows: after removing copies, x and y are each distinct in at least
    :data:`DUPLICATE_DISTINCT_SHARE` of them.
    """
    if not (_column_ties(xa) and _column_ties(ya)):
        return None
    joint = np.concatenate([xa, ya], axis=1)
    _, first = np.unique(joint, axis=0, return_index=True)
    if first.shape[0] == joint.shape[0]:
        return None
    m = first.shape[0]
    dx = xa.shape[1]
    ux = np.unique(joint[first, :dx], axis=0).shape[0]
    uy = np.unique(joint[first, dx:], axis=0).shape[0]
    if min(ux, uy) < DUPLICATE_DISTINCT_SHARE * m:
        return None
    return np.sort(first)


def normal_marginals(a: np.ndarray) -> bool:
    """Whether every column of ``a`` (n, d) passes D'Agostino-Pearson's normality test (Bonferroni at NORMALITY_LEVEL)."""
    from scipy.stats import normaltest

    if a.shape[0] < 20:
        return False
    p = np.atleast_1d(normaltest(a, axis=0).pvalue)
    return bool(np.all(np.isfinite(p)) and p.min() * a.shape[1] > NORMALITY_LEVEL)


class EnsembleEstimator(Estimator):
    """The largest of candidates that each read low where they fail: elliptical, KSG (two scalings), neural.

    Parameters (keyword arguments of the API functions)
    ----------------------------------------------------
    k : int, default 3
        Neighbours of the KSG candidates.
    neural : bool or None, default None
        Run the neural candidate: None from 1000 rows and 3 dimensions, True always
        (from 300 rows), False never.

    Notes
    -----
    In nats. x: array of shape (n, d_x), y: (n, d_y). See :mod:`mutinfo.estimators.ensemble`
    for the candidates, the bias controls and the data checks.
    """

    # Disjoint subsamples (mutinfo.stats.subsample_standard_error): the candidates are re-chosen on every block.
    interval_method = "subsamples"
    subsample_plan = (4, 2)
    # Blocks of at least 100 rows: on smaller blocks the choice among candidates differs from the one on all
    # rows, and the spread of the block estimates understates that of the n-row estimate (1+1-D X-shaped
    # mixture, n = 200, 200 draws: blocks of 50 rows gave a mean standard error of 0.048 for a spread of 0.066
    # and 86.5% coverage; blocks of 100 rows, 0.061 and 93.5%).
    subsample_min_rows = 100
    # Every candidate reads low where it fails, by a bias that shrinks with n: the upper bound is raised by the
    # rise of the estimate from the subsamples to all rows (mutinfo.stats._allow_for_rising_estimates).
    subsample_bias_allowance = True

    def __init__(self) -> None:
        from .._validation import Param
        from .knn.estimators import _k_param

        def check_neural(func: str, name: str, value: Any, n: int) -> Any:
            from .._errors import param_error

            if value is None or isinstance(value, (bool, np.bool_)):
                return None if value is None else bool(value)
            raise param_error(func, name, "None or a bool", value)

        self.params = {"k": _k_param(), "neural": Param(None, check_neural, "run the neural candidate (None: by size)")}
        self._local = threading.local()

    # -- the selection -------------------------------------------------
    def select(self, x: Variable, y: Variable, rng: np.random.Generator, k: int = 3, neural: bool | None = None) -> Selection:
        from . import copula
        from .gaussian import GAUSSIAN
        from .knn import KSG, MIXED

        xa, ya = _as_array(x), _as_array(y)
        n = xa.shape[0]
        notes: list[str] = []
        keep = duplicated_rows(xa, ya)
        if keep is not None:
            notes.append(
                f"x and y hold {n - keep.shape[0]} duplicated rows ({keep.shape[0]} distinct of {n}): continuous data repeat a "
                "row only when it was copied, and k-NN estimators read copies as dependence, so the estimate uses the "
                f"{keep.shape[0]} distinct rows. If the repeats are real (counts or weights), expand them with noise or "
                "treat the variables as discrete."
            )
            xa, ya = xa[keep], ya[keep]
            n = xa.shape[0]
        copula._check_columns([Variable("x", xa, False), Variable("y", ya, False)], "ensemble")
        # Chance ties (float32 pairs) leave KSG's noise to break them; atoms need Gao et al.'s estimator.
        ties = copula.has_atoms(xa) or copula.has_atoms(ya)
        vx, vy = Variable("x", xa, False), Variable("y", ya, False)
        cand: dict[str, float] = {}
        seeds = rng.integers(0, 2**63 - 1, size=3)

        # Elliptical: the t/Gaussian copula on ranks, and the raw Gaussian too when every coordinate is normal
        # (at small n with strong dependence ranks lose what the raw values show: n = 30, rho = 0.9999 reads
        # 3.3 nats on ranks, 4.1 on the raw data, truth 4.26).
        try:
            cand["tcopula" if not ties else "gcmi"] = float(copula._tcopula_mi(xa, ya)[0])
        except copula.SingularScoresError:
            pass
        if not ties and normal_marginals(xa) and normal_marginals(ya):
            cand["gaussian"] = float(GAUSSIAN.mutual_information(vx, vy, rng=None))
        # k-NN on standardised data and on normal scores.
        # Each is extrapolated from disjoint blocks (_extrapolated_knn): they read low by a bias that shrinks with n.
        sxa, sya = copula.normal_scores(xa), copula.normal_scores(ya)

        def knn(est: Any, **kw: Any) -> Any:
            return lambda a, b, r: est.mutual_information(Variable("x", a, False), Variable("y", b, False), rng=r, k=k, **kw)

        runs = (
            {"mixed": (knn(MIXED), xa, ya), "mixed_scores": (knn(MIXED), sxa, sya)}
            if ties
            else {"ksg": (knn(KSG), xa, ya), "ksg_scores": (knn(KSG, transform="none"), sxa, sya)}
        )
        corrections: dict[str, float] = {}
        for i, (name, (run, a, b)) in enumerate(runs.items()):
            full = float(run(a, b, np.random.default_rng(int(seeds[i]))))
            cand[name], corrections[name] = _extrapolated_knn(run, a, b, full, int(seeds[i]) ^ 0x5EED)
        best_name = max(cand, key=cand.get)
        # The neural margin is taken against the readings before the k-NN corrections: the corrections are
        # themselves estimates, and a neural value that cleared the margin without them still wins.
        uncorrected = max(v - corrections.get(name, 0.0) for name, v in cand.items())
        why = f"largest of the candidates that read low where they fail ({best_name})"
        # Neural: held-out InfoNCE; wins only when clearly above the rest.
        dims = xa.shape[1] + ya.shape[1]
        run_neural = neural if neural is not None else (n >= NEURAL_MIN_SAMPLES and dims >= NEURAL_MIN_DIMS and not ties)
        if run_neural and n >= 300:
            value, se, neural_notes = self._neural(xa, ya, int(seeds[2]))
            if value is not None:
                cand["infonce"] = value
                if value - NEURAL_MARGIN_SE * se > uncorrected and value > cand[best_name]:
                    best_name = "infonce"
                    notes.extend(neural_notes)  # the fit's own warnings matter only when its value is the estimate
                    why = (
                        f"neural held-out InfoNCE {value:.3f} +- {se:.3f} nats exceeds the best other candidate by more "
                        f"than {NEURAL_MARGIN_SE:g} standard errors (before the k-NN corrections), and every corrected one"
                    )
        positive = [v for v in cand.values() if v > 0]
        if cand[best_name] > 0.1 and positive and cand[best_name] / min(positive) > DISAGREEMENT_FACTOR:
            listed = ", ".join(f"{name} {v:.3f}" for name, v in cand.items())
            notes.append(
                f"The candidate estimators disagree widely ({listed} nats): dependence that some families cannot see "
                f"(non-monotone, many dimensions). The estimate is the largest ({best_name}); each candidate reads low "
                "where it fails, so the truth is more likely above it than below. Check with more samples or "
                "method='smile' with a longer training."
            )
        return Selection(cand[best_name], best_name, cand, why, notes, n, corrections)

    @staticmethod
    def _neural(xa: np.ndarray, ya: np.ndarray, seed: int) -> tuple[float | None, float, tuple[str, ...]]:
        """Held-out InfoNCE: (value, standard error, the fit's warnings), or (None, inf, ()) when the fit fails."""
        import warnings

        from .._errors import EstimationError, MutualInfoWarning
        from ..neural.estimator import NeuralEstimator

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MutualInfoWarning)
                res = NeuralEstimator("infonce", random_state=seed, progress=False).fit(xa, ya).result_
        except EstimationError:
            return None, math.inf, ()
        return float(res.value), float(res.std_error), tuple(f"neural candidate: {w}" for w in res.warnings)

    def _selected(self, x: Variable, y: Variable, rng: np.random.Generator, k: int, neural: bool | None) -> Selection:
        sel = self.select(x, y, rng, k, neural)
        self._local.last = ((id(x.data), id(y.data), k, neural), sel)
        return sel

    def last_selection(self, x: Variable, y: Variable, params: dict[str, Any]) -> Selection | None:
        """The selection of the last estimate on these variables in this thread (None if none)."""
        last = getattr(self._local, "last", None)
        key = (id(x.data), id(y.data), params.get("k", 3), params.get("neural"))
        return last[1] if last is not None and last[0] == key else None

    # -- the estimator interface ---------------------------------------
    def mutual_information(self, x, y, *, rng, k=3, neural=None):
        return self._selected(x, y, rng, k, neural).value

    def entropy(self, x, *, rng, k=3, neural=None):
        from .knn import KL

        return float(KL.entropy(x, rng=rng, k=k))

    def conditional_entropy(self, x, y, *, rng, k=3, neural=None):
        """H(X|Y) = H(X) - I(X;Y) with I from this ensemble, so that H(X) - H(X|Y) is exactly the MI estimate."""
        from .knn import KL

        mi = self.mutual_information(x, y, rng=rng, k=k, neural=neural)
        return float(KL.entropy(x, rng=np.random.default_rng(0), k=k)) - mi

    def diagnostics(self, quantity, variables, value, params):
        if quantity != "mi":
            return []
        sel = self.last_selection(variables[0], variables[1], params)
        return list(sel.notes) if sel is not None else []


ENSEMBLE = EnsembleEstimator()
