"""Exact quantities of known probability tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mutinfo as mi
from mutinfo import discrete as D


def test_entropy_from_pmf_values():
    assert D.entropy_from_pmf([0.5, 0.5], base=2) == 1.0
    assert D.entropy_from_pmf([0.25] * 4, base=2) == pytest.approx(2.0)
    assert D.entropy_from_pmf([1.0, 0.0]) == 0.0
    assert D.entropy_from_pmf([0.5, 0.25, 0.25]) == pytest.approx(1.5 * math.log(2))
    assert D.entropy_from_pmf([2, 1, 1], normalize=True, base=2) == pytest.approx(1.5)


def test_mi_from_joint_values():
    assert D.mutual_information_from_joint(np.eye(2) / 2, base=2) == 1.0
    assert D.mutual_information_from_joint(np.full((3, 4), 1 / 12)) == pytest.approx(0.0, abs=1e-15)
    # Binary symmetric channel, flip 0.1, uniform input.
    p = np.array([[0.45, 0.05], [0.05, 0.45]])
    expected = math.log(2) + 0.1 * math.log(0.1) + 0.9 * math.log(0.9)
    assert D.mutual_information_from_joint(p) == pytest.approx(expected, abs=1e-14)


def test_conditional_entropy_from_joint():
    p = np.array([[0.45, 0.05], [0.05, 0.45]])
    hb = -(0.1 * math.log(0.1) + 0.9 * math.log(0.9))
    assert D.conditional_entropy_from_joint(p) == pytest.approx(hb, abs=1e-14)


def test_cmi_from_joint_xor():
    p = np.zeros((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            p[x, y, x ^ y] = 0.25
    assert D.conditional_mutual_information_from_joint(p, base=2) == pytest.approx(1.0)
    # Z independent of everything: I(X;Y|Z) = I(X;Y).
    q = np.einsum("xy,z->xyz", np.array([[0.45, 0.05], [0.05, 0.45]]), np.array([0.3, 0.7]))
    assert D.conditional_mutual_information_from_joint(q) == pytest.approx(D.mutual_information_from_joint(q.sum(2)), abs=1e-14)


def test_plugin_on_samples_equals_table():
    x = np.repeat([0, 0, 1, 1], [45, 5, 5, 45])
    y = np.repeat([0, 1, 0, 1], [45, 5, 5, 45])
    p = np.array([[0.45, 0.05], [0.05, 0.45]])
    assert mi.mutual_information(x, y, method="plugin") == pytest.approx(D.mutual_information_from_joint(p), abs=1e-14)


def test_table_errors():
    with pytest.raises(mi.DataError, match="must sum to 1"):
        D.entropy_from_pmf([0.5, 0.4])
    with pytest.raises(mi.DataError, match="must be non-negative"):
        D.entropy_from_pmf([1.5, -0.5])
    with pytest.raises(mi.DataError, match="NaN or inf"):
        D.entropy_from_pmf([np.nan, 1.0])
    with pytest.raises(mi.DataError, match=r"p_xy must be a 2-D table. Got shape \(3,\)"):
        D.mutual_information_from_joint([0.2, 0.3, 0.5])
    with pytest.raises(mi.ParameterError, match="The `base` parameter of entropy_from_pmf"):
        D.entropy_from_pmf([1.0], base=0)
    with pytest.raises(mi.DataError, match="sums to 0"):
        D.entropy_from_pmf([0, 0], normalize=True)


def test_torch_table_accepted():
    torch = pytest.importorskip("torch")
    assert D.entropy_from_pmf(torch.tensor([0.5, 0.5]), base=2) == 1.0
