"""Discrete methods: minimum sample sizes, the well-sampled rule, and estimates beyond what a sample can show."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mutinfo as mi
from mutinfo import DataError, MutualInfoWarning
from mutinfo.estimators import discrete as d

CORRECTED = ("miller_madow", "grassberger", "chao_shen", "shrinkage", "nsb")


def _notes(*args, **kwargs) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(mi.estimate(*args, ci=None, **kwargs).warnings)


def test_grassberger_single_sample_raises():
    # Old behaviour: 1.27 nats of MI from one sample (Grassberger's correction of one count).
    assert float(d.grassberger_entropy(np.array([1.0]))) == pytest.approx(1.27, abs=0.005)
    with pytest.raises(DataError, match=r"method='grassberger' needs at least 2 samples \(n >= 2\)\. Got 1 sample of x, y"):
        mi.mutual_information([0], [0], method="grassberger")


@pytest.mark.parametrize("method", CORRECTED)
def test_every_corrected_method_needs_two_samples(method):
    with pytest.raises(DataError, match=rf"method='{method}' needs at least 2 samples"):
        mi.entropy([3], method=method)
    with pytest.raises(DataError, match="Got 1 sample"):
        mi.conditional_mutual_information([0], [1], [2], method=method)
    info = next(m for m in mi.methods() if m.name == method)
    assert info.min_samples == 2 == info.load().min_samples
    assert info.to_dict()["min_samples"] == 2
    assert np.isfinite(mi.mutual_information([0, 1], [0, 1], method=method))


def test_plugin_accepts_one_sample_and_warns():
    info = next(m for m in mi.methods() if m.name == "plugin")
    assert info.min_samples == 1 == info.load().min_samples
    with pytest.warns(MutualInfoWarning, match="Undersampled: 1 samples for 1 observed joint cells"):
        assert mi.mutual_information([0], [0], method="plugin") == 0.0


def test_chao_shen_above_log_of_observed_alphabet_is_warned():
    # Four distinct pairs: Chao-Shen extrapolates to 3.05 nats, above log 4 = 1.39 (and log n).
    x, y = [0, 1, 2, 3], [0, 1, 2, 3]
    with pytest.warns(MutualInfoWarning, match=r"exceeds log min\(m_x, m_y\) = 1\.386 nats") as record:
        value = mi.mutual_information(x, y, method="chao_shen")
    assert value == pytest.approx(3.05, abs=0.01)  # not clipped: the warning says what it is
    assert any("log 4 = 1.386" in str(w.message) for w in record)


@pytest.mark.parametrize("method", ["plugin", *CORRECTED])
def test_no_bound_warning_when_well_sampled_bijection(method, rng):
    # y = x over 4 symbols, 2000 samples: MI = log 4 plus at most a first-order correction (m / N); no warning.
    x = rng.integers(0, 4, 2000)
    notes = _notes(x, x, method=method)
    assert not any("exceeds log" in n for n in notes)
    assert not any(n.startswith("Undersampled") for n in notes)


def test_undersampled_warning_below_twenty_samples():
    # The old rule stayed silent below 20 samples whatever the table.
    r = np.random.default_rng(0)
    notes = _notes(r.integers(0, 10, 12), r.integers(0, 10, 12), method="nsb")
    assert any(n.startswith("Undersampled: 12 samples") for n in notes)


def test_well_sampled_rule_is_five_per_joint_cell():
    x = np.repeat([0, 1], 10)  # 2 cells with 10 each: 10 per cell
    y = x.copy()
    assert not any(n.startswith("Undersampled") for n in _notes(x, y, method="miller_madow"))
    x4 = np.tile([0, 1, 2, 3], 4)  # 4 cells with 4 each: below 5 per cell
    assert any(n.startswith("Undersampled: 16 samples for 4 observed joint cells") for n in _notes(x4, x4, method="miller_madow"))


def test_all_distinct_symbols_entropy_is_flagged():
    notes = _notes(np.arange(30), method="chao_shen")
    assert any("Every one of the 30 samples is a different symbol" in n for n in notes)


def test_documented_constants():
    assert d.MIN_SAMPLES == 2 and d.WELL_SAMPLED_PER_CELL == 5.0 and d.WELL_SAMPLED_PER_SYMBOL == 2.0
    assert math.log(4) == pytest.approx(1.386, abs=1e-3)
