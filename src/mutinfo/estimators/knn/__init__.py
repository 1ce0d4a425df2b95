"""k-nearest-neighbour estimators of entropy and (conditional) mutual information.

Methods
-------
``ksg`` (alias ``ksg1``)
    Kraskov, Stoegbauer & Grassberger (2004), algorithm 1, for I(X;Y); with the
    Frenzel & Pompe (2007) extension for I(X;Y|Z).
``ksg2``
    KSG algorithm 2 (per-variable radii), for I(X;Y).
``kl``
    Kozachenko & Leonenko (1987) differential entropy, Euclidean or max-norm.
``mixed``
    Gao, Kannan, Oh & Viswanath (2017): I(X;Y) for data with ties and
    discrete-continuous mixtures.
``ross``
    Ross (2014): I(X;Y) between a discrete variable and a continuous one.

Conventions (one choice for every method, and why)
--------------------------------------------------
* **Max-norm for MI.** ``ksg``, ``ksg2``, ``mixed`` and ``ross`` use hyper-cubes in
  the max-norm (Chebyshev) metric of the joint space, whose marginals are again
  max-norm balls: the joint and marginal counts then refer to the same region.
  ``kl`` (an entropy, with no marginals to match) uses Euclidean balls by default
  and max-norm cubes with ``metric="chebyshev"``.
* **Standardisation.** Each column is centred on its median and divided by its
  spread before any distance is computed (``transform="standardize"``), so that
  columns of different units weigh alike. The spread is the standard deviation,
  or the interquartile range / 1.349 where a few extreme values inflate the
  standard deviation more than tenfold (:func:`robust_scale`); both are computed on
  the column scaled by an exact power of two into [-1, 1], so nothing overflows or
  underflows and data in any units (1e-300 to 1e300) give the same estimate.
  ``transform="rank"`` replaces each column by its ranks (the empirical copula),
  computed by comparisons only: the estimate is exactly invariant to strictly
  increasing maps of each column. ``transform="none"`` uses the data as given.
  ``kl`` always standardises and adds back ``sum(log spread_j)`` in log space,
  which is exact for a rescaling.
* **Degenerate columns.** A column whose range is below 1e-12 of its magnitude is
  constant (:func:`constant_columns`): MI methods leave it out (a constant carries
  no information; a variable with nothing else has MI 0) and ``kl`` refuses it.
* **Tie-breaking noise.** KSG, KL and Ross assume continuous data with no
  repeated values; a tie (distance 0) breaks their digamma forms. They add
  Gaussian noise of standard deviation ``noise`` (default 1e-10) times each
  column's spread, after standardisation, drawn from the call's seeded ``rng``
  (``random_state=``), so estimates are reproducible. The noise is far below the
  resolution of real measurements and only decides the order of tied values.
  ``mixed`` finds exact copies on the values without noise (atoms are
  information for it) and uses the noise only to order points tied at a positive
  distance (see :func:`mixed_mi`). ``kl`` refuses a column with a value repeated
  more than k times unless ``resolution=`` declares the quantisation step.
* **Strict inequality.** KSG 1, Frenzel-Pompe, ``mixed`` (at a positive radius)
  and Ross count marginal neighbours strictly inside the k-th neighbour distance
  eps, and use ``psi(n + 1)`` with ``n`` excluding the point itself; KSG 2 counts
  within its per-variable radii, boundary included, and uses ``psi(n)``. These are
  the forms of the papers. Counts are exact: 1-D marginals are counted by a sort,
  binary searches, and an ulp-exact correction of the search bounds, so they equal
  tree range counts even with many equal distances.
* **Digamma forms.** ``psi(N)`` (not ``log N``) everywhere, including ``mixed``,
  so that ``mixed`` equals ``ksg`` (same ``random_state``) on tie-free continuous data.
* **No clipping.** A negative raw estimate is returned as is.

Complexity
----------
O(N log N) time to build a k-d tree and O(N k log N) to query it (for low
dimensions), O(N log N) for each 1-D marginal, O(N k) memory; no Python loop
over samples. The joint neighbour search runs in SciPy's ``cKDTree`` on all
cores (``workers=-1``; the environment variable ``MUTINFO_NUM_THREADS`` caps the
threads of every k-NN step, e.g. ``1`` for one core); in one or two dimensions it is bounded by a pilot estimate
of the answer, and queries that fall outside are searched again. Multi-dimensional
marginal counts run on all cores too: on large inputs in scikit-learn's ``KDTree``
(``count_only`` adds up whole nodes inside a query cube), on small ones in a
balanced ``cKDTree`` with large leaves (no scikit-learn import). Rows are first
ordered along the first column, and tree queries are issued in the tree's own
order, which keeps them cache-friendly without changing any estimate. In 5 + 5
dimensions the trees lose much of their edge (N = 1e5 takes about 7 s on two
cores). With ``device=`` (or a
CUDA tensor as input) the same algorithms run on tiled torch kernels
(:mod:`mutinfo.estimators.knn._torch`).

Bias
----
k-NN estimators are consistent; their bias comes from the density not being
constant across a neighbourhood. For MI it is small for weakly dependent,
low-dimensional data and grows (towards underestimation) with strong dependence
and dimension. Larger ``k`` lowers variance and raises bias.

References
----------
Kozachenko & Leonenko (1987), Problems Inform. Transmission 23(2).
Kraskov, Stoegbauer & Grassberger (2004), Phys. Rev. E 69, 066138.
Frenzel & Pompe (2007), Phys. Rev. Lett. 99, 204101.
Ross (2014), PLoS ONE 9(2), e87357.
Gao, Kannan, Oh & Viswanath (2017), NeurIPS 30 ("Estimating mutual information
for discrete-continuous mixtures").
Gao, Oh & Viswanath (2018), IEEE Trans. Inf. Theory 64(8) (consistency and
root-N asymptotics of fixed-k estimators).

Modules
-------
``_formulas``
    The estimators as functions of prepared arrays: :func:`ksg_mi`, :func:`ksg2_mi`,
    :func:`ksg_cmi`, :func:`kl_entropy`, :func:`mixed_mi`, :func:`ross_mi`.
``_search``
    Neighbour search and exact range counts on the CPU (:class:`ScipySearch`,
    :func:`count_within_1d`) and their use of threads.
``_torch``
    The same search as tiled torch kernels (``device=``, CUDA tensors).
``_prepare``
    Scaling, rank transform and tie-breaking noise (:func:`prepare_columns`), and the
    checks for constant and extreme columns.
``estimators``
    The registered estimators ``KSG``, ``KSG2``, ``KL``, ``MIXED``, ``ROSS``:
    parameters, diagnostics, the half-sampling bootstrap, pairwise MI.
"""


from __future__ import annotations

from ._formulas import kl_entropy as kl_entropy
from ._formulas import ksg2_mi as ksg2_mi
from ._formulas import ksg_cmi as ksg_cmi
from ._formulas import ksg_mi as ksg_mi
from ._formulas import ksg_pair_1d as ksg_pair_1d
from ._formulas import log_unit_ball_volume as log_unit_ball_volume
from ._formulas import mixed_mi as mixed_mi
from ._formulas import ross_mi as ross_mi
from ._prepare import DEFAULT_NOISE as DEFAULT_NOISE
from ._prepare import EXTREME_SPREADS as EXTREME_SPREADS
from ._prepare import NEAR_CONSTANT as NEAR_CONSTANT
from ._prepare import check_no_extreme_values as check_no_extreme_values
from ._prepare import column_exponents as column_exponents
from ._prepare import column_spread as column_spread
from ._prepare import constant_columns as constant_columns
from ._prepare import extreme_rows as extreme_rows
from ._prepare import prepare_columns as prepare_columns
from ._prepare import robust_scale as robust_scale
from ._search import ScipySearch as ScipySearch
from ._search import SortedColumn as SortedColumn
from ._search import count_within_1d as count_within_1d
from .estimators import HALF as HALF
from .estimators import KL as KL
from .estimators import KLEstimator as KLEstimator
from .estimators import KNNEstimator as KNNEstimator
from .estimators import KSG as KSG
from .estimators import KSG2 as KSG2
from .estimators import KSGConditional as KSGConditional
from .estimators import KSGEstimator as KSGEstimator
from .estimators import MIXED as MIXED
from .estimators import MixedEstimator as MixedEstimator
from .estimators import ROSS as ROSS
from .estimators import RossEstimator as RossEstimator

__all__ = [
    "DEFAULT_NOISE",
    "ScipySearch",
    "prepare_columns",
    "column_exponents",
    "column_spread",
    "constant_columns",
    "robust_scale",
    "NEAR_CONSTANT",
    "count_within_1d",
    "ksg_mi",
    "ksg2_mi",
    "ksg_cmi",
    "kl_entropy",
    "mixed_mi",
    "ross_mi",
    "KSG",
    "KSG2",
    "KL",
    "MIXED",
    "ROSS",
]
