"""Intervals of estimate(): each contains its point estimate and names its construction.

Coverage figures for every family live in benchmarks/coverage.py (and its table in
benchmarks/results/coverage.md); the tests here check the constructions and one fast,
vectorised coverage case.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mutinfo as mi
from mutinfo import stats
from mutinfo._validation import Variable
from mutinfo.estimators import discrete as d

DISCRETE = ("plugin", "miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb")


def _reproducer(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 50-symbol variables (issue 10): true MI 0."""
    r = np.random.default_rng(seed)
    return r.integers(0, 50, n), r.integers(0, 50, n)


def _estimate(*args, **kwargs) -> mi.Estimate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mi.estimate(*args, **kwargs)


def _contains(est: mi.Estimate) -> bool:
    return est.ci_low <= est.value <= est.ci_high


# ---------------------------------------------------------------------------
# The interval contains its estimate, for every registered non-neural method.


def _awkward_cases():
    r = np.random.default_rng(3)
    x50, y50 = _reproducer()
    small_d = (r.integers(0, 6, 12), r.integers(0, 6, 12))
    heavy = r.standard_t(1.5, 40)
    cont = (heavy, heavy + r.standard_t(1.5, 40))
    labels = r.integers(0, 3, 40)
    mixed = (labels, labels + 0.5 * r.standard_normal(40))
    for info in mi.methods():
        if info.family == "neural":
            continue
        if info.family == "discrete":
            cases = [("50 symbols n=100", x50, y50, {}), ("6 symbols n=12", *small_d, {})]
        elif info.quantities == ("entropy",):
            cases = [("t(1.5) n=40", heavy, None, {})]
        elif info.name == "ross":
            cases = [("3 labels n=40", *mixed, {"discrete": (True, False)})]
        else:
            cases = [("t(1.5) n=40", *cont, {})]
        for label, x, y, kw in cases:
            yield pytest.param(info.name, label, x, y, kw, id=f"{info.name}-{label}")


@pytest.mark.parametrize("method,label,x,y,kw", list(_awkward_cases()))
def test_interval_contains_estimate_for_every_method(method, label, x, y, kw):
    est = _estimate(x, y, method=method, random_state=0, n_bootstrap=40, **kw)
    assert _contains(est), (method, label, est)
    assert est.details["interval"] in stats.INTERVAL_METHODS


def test_reproducer_intervals_contain_estimate_and_nsb_covers_zero():
    x, y = _reproducer()
    for method in DISCRETE:
        est = _estimate(x, y, method=method, random_state=0)
        assert _contains(est), (method, est)
    # Old behaviour: chao_shen 0.46 with [2.39, 2.84]: the smoothed-table bootstrap covers the true MI 0.
    est = _estimate(x, y, method="chao_shen", random_state=0)
    assert est.details["interval"] == "smoothed" and est.ci_low < 0.0 < est.ci_high
    # Old behaviour: nsb 0.234 with [2.06, 2.55]. The NSB posterior interval covers the true MI 0.
    est = _estimate(x, y, method="nsb", random_state=0)
    assert est.details["interval"] == "posterior"
    assert est.ci_low < 0.0 < est.ci_high
    assert est.value == pytest.approx(mi.mutual_information(x, y, method="nsb"))
    # The undersampling warning says the interval is no confidence interval here.
    assert any("do not read it as a confidence interval" in w for w in est.warnings)


def test_smoothed_table_is_the_shrunk_grid_of_observed_symbols():
    x, y = _reproducer()
    vx, vy = Variable("x", x, True, 50), Variable("y", y, True, 50)
    table = d.contingency([vx, vy])
    grid, p = d.smoothed_table(table)
    mx, my = np.unique(x).size, np.unique(y).size
    assert grid.n_cells == mx * my and p.shape == (mx * my,)
    assert p.sum() == pytest.approx(1.0) and (p > 0).all()
    # The observed cells keep more mass than the unobserved ones (shrinkage, not replacement).
    observed = set(zip(x.tolist(), y.tolist()))
    mask = np.array([(a, b) in observed for a, b in zip(grid.states[0].tolist(), grid.states[1].tolist())])
    assert p[mask].min() > p[~mask].max()
    # Its exact MI (the reference) is far below the observed table's plug-in MI of 2.67 nats.
    ref = d.CHAO_SHEN.bootstrap_reference("mi", [vx, vy], {})
    assert 0.0 <= ref < 0.5 < 2.6 < d.PLUGIN.mutual_information(vx, vy)
    # Well-sampled data keep the row bootstrap ("basic"), undersampled data get the smoothed world.
    assert d.CHAO_SHEN.interval_construction("mi", [vx, vy], {}) == "smoothed"
    assert d.CHAO_SHEN.interval_construction("entropy", [vx], {}) == "basic"
    w = Variable("w", np.arange(1000) % 3, True, 3)
    assert d.CHAO_SHEN.interval_construction("mi", [w, w], {}) == "basic"


def test_details_name_the_construction(rng):
    x = rng.integers(0, 3, 600)
    y = (x + (rng.random(600) < 0.3)) % 3
    assert _estimate(x, y, method="plugin", random_state=0).details["interval"] == "basic"
    assert _estimate(x, y, method="nsb", random_state=0).details["interval"] == "posterior"
    a = rng.standard_normal(300)
    b = a + rng.standard_normal(300)
    assert _estimate(a, b, method="gaussian", random_state=0).details["interval"] == "influence"
    assert _estimate(a, b, method="ksg", random_state=0, n_bootstrap=20).details["interval"] == "subsamples"
    assert _estimate(x, y, method="plugin", ci=None).details.get("interval") is None


# ---------------------------------------------------------------------------
# The constructions.


def test_basic_interval_reflects_errors_from_the_reference():
    reps = np.arange(101, dtype=float)  # replicates 0..100
    lo, hi = stats.basic_interval(10.0, reps, 0.9, reference=50.0)
    # errors d = reps - 50 have 5% / 95% quantiles -45 / +45
    assert (lo, hi) == pytest.approx((10.0 - 45.0, 10.0 + 45.0))
    lo, hi = stats.basic_interval(60.0, reps, 0.9)  # reference = estimate: 2T - q
    assert (lo, hi) == pytest.approx((120.0 - 95.0, 120.0 - 5.0))
    assert all(math.isnan(v) for v in stats.basic_interval(1.0, np.array([np.nan]), 0.9))
    lo, hi = stats.normal_interval(1.0, 0.5, 0.95)
    assert (lo, hi) == pytest.approx((1.0 - 1.959964 * 0.5, 1.0 + 1.959964 * 0.5), rel=1e-6)


def test_interval_excluding_the_estimate_is_widened_and_said():
    from mutinfo.estimators._base import Estimator

    class Far(Estimator):
        def bootstrap(self, quantity, variables, *, n_bootstrap, rng, params):
            return 5.0 + rng.standard_normal(n_bootstrap) * 0.1

        def bootstrap_reference(self, quantity, variables, params):
            return 4.0  # the replicates err by about +1: the basic interval sits near T - 1

    v = Variable("x", np.zeros(10, dtype=np.int64), True, 1)
    iv = stats.confidence_interval(None, Far(), "entropy", [v], {}, 3.0, level=0.95, n_bootstrap=200, rng=np.random.default_rng(0))
    assert iv.widened and iv.low < 2.5 and iv.high == 3.0
    assert any("moved to the estimate" in note for note in iv.notes)


def test_nsb_posterior_mean_is_the_estimate_and_its_interval_is_calibrated():
    r = np.random.default_rng(0)
    p = r.dirichlet(np.ones(30))
    truth = float(-(p * np.log(p)).sum())
    hits = 0
    for _ in range(100):
        counts = np.bincount(r.choice(30, 100, p=p), minlength=30)
        mean, sd = d.nsb_posterior(counts, 30)
        assert mean == pytest.approx(float(d.nsb_entropy(counts, 30)))
        hits += abs(mean - truth) <= 1.96 * sd
    assert hits >= 88  # nominal 95 of 100 (the posterior sd is not a bootstrap: this fails if it is off)


def test_well_sampled_discrete_coverage_vectorised():
    """100 replicate 4x4 channels (n=2000): the basic interval of Miller-Madow covers the truth >= 85%."""
    k, keep, n, reps, boots = 4, 0.7, 2000, 100, 200
    joint = np.full((k, k), (1.0 - keep) / (k * k))
    joint[np.diag_indices(k)] += keep / k
    truth = float(mi.discrete.mutual_information_from_joint(joint))
    codes = np.arange(k * k)
    vx, vy = Variable("x", codes // k, True, k), Variable("y", codes % k, True, k)
    table = d.contingency([vx, vy])  # one row per cell, in code order
    r = np.random.default_rng(0)
    counts = r.multinomial(n, joint.reshape(-1), size=reps).astype(float)
    assert (counts > 0).all()
    value = d.MILLER_MADOW.evaluate("mi", table, counts, {})
    reference = d.PLUGIN.evaluate("mi", table, counts, {})
    boot = np.concatenate([r.multinomial(n, c / n, size=boots) for c in counts]).astype(float)
    boot_values = d.MILLER_MADOW.evaluate("mi", table, boot, {}).reshape(reps, boots)
    hits = 0
    for i in range(reps):
        lo, hi = stats.basic_interval(value[i], boot_values[i], 0.95, reference[i])
        assert lo <= value[i] <= hi
        hits += lo <= truth <= hi
    assert hits >= 85


def test_neural_interval_is_normal_from_the_held_out_standard_error():
    x, y, _ = mi.datasets.gaussian(600, dim=1, rho=0.8, random_state=0)
    est = _estimate(x, y, method="infonce", max_steps=40, batch_size=64, random_state=0)
    assert est.details["interval"] == "normal" and est.n_bootstrap == 0
    z = 1.959963984540054
    assert (est.ci_low, est.ci_high) == pytest.approx((est.value - z * est.std_error, est.value + z * est.std_error), rel=1e-12)
    assert any("leaves out training variability" in w for w in est.warnings)


def test_nsb_mi_interval_adds_the_term_variances():
    r = np.random.default_rng(1)
    x, y = r.integers(0, 4, 300), r.integers(0, 3, 300)
    est = _estimate(x, y, method="nsb", random_state=0)
    cx, cy = np.bincount(x), np.bincount(y)
    cxy = np.unique(x * 3 + y, return_counts=True)[1]
    sds = [d.nsb_posterior(c)[1] for c in (cx, cy, cxy)]
    assert est.std_error == pytest.approx(math.sqrt(sum(s * s for s in sds)), rel=1e-9)
    z = 1.959963984540054
    assert est.ci_high - est.ci_low == pytest.approx(2 * z * est.std_error, rel=1e-9)
    # Constant x: the MI is exactly 0, and the interval keeps the (equal) spread of H(y) and H(x, y).
    flat = _estimate(np.zeros(300, dtype=int), y, method="nsb", random_state=0)
    assert flat.value == pytest.approx(0.0, abs=1e-12)
    assert flat.std_error == pytest.approx(math.sqrt(2) * d.nsb_posterior(cy)[1], rel=1e-6)
