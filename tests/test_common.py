"""Properties every registered MI method must have, checked over the whole registry.

Each method gets data of the kind it accepts. New methods are picked up
automatically; families with costly training pass short settings via FAST_PARAMS.
"""

from __future__ import annotations

import numpy as np
import pytest

import mutinfo as mi
from mutinfo._registry import REGISTRY

# Short settings for methods that train (kept small: these are property checks, not accuracy).
FAST_PARAMS: dict[str, dict] = {
    info.name: {"max_steps": 300, "progress": False} for info in REGISTRY if info.family == "neural"
}
# js reports the NWJ bound at the Jensen-Shannon critic, which is only tight once that critic
# has converged: at 300 steps it can still read far below 0 on a 0.5-nat Gaussian.
FAST_PARAMS["js"]["max_steps"] = 600
# Families checked elsewhere with their own budgets.
SKIP_FAMILIES: set[str] = set()

MI_METHODS = [m for m in REGISTRY if "mi" in m.quantities and m.family not in SKIP_FAMILIES]


def _data(info, rng, n=None, dependent=True):
    """x, y of a kind the method accepts, dependent or independent."""
    if n is None:
        # Neural methods read their bound on a 30% held-out split: give them enough rows.
        n = 2000 if info.family == "neural" else 800
    if info.data == ("discrete",):
        x = rng.integers(0, 4, n)
        y = (x + rng.integers(0, 2, n)) % 4 if dependent else rng.integers(0, 4, n)
        return x, y
    if "continuous" in info.data:
        x = rng.standard_normal((n, 1))
        y = (0.8 * x + 0.6 * rng.standard_normal((n, 1))) if dependent else rng.standard_normal((n, 1))
        return x, y
    # Mixed only: discrete x, continuous y.
    x = rng.integers(0, 3, n)
    y = (2.0 * x[:, None] + rng.standard_normal((n, 1))) if dependent else rng.standard_normal((n, 1))
    return x, y


def _mi(info, x, y, **kw):
    return mi.mutual_information(x, y, method=info.name, random_state=0, **FAST_PARAMS.get(info.name, {}), **kw)


def _tol(info):
    # Neural estimates differ with the data's split and training order: a looser tolerance.
    return {"discrete": 1e-9, "gaussian": 1e-9, "neural": 0.12}.get(info.family, 0.03)


@pytest.mark.parametrize("info", MI_METHODS, ids=lambda m: m.name)
def test_symmetry(info, rng):
    if info.data == ("mixed",):
        pytest.skip("takes a discrete x and a continuous y: argument order is part of the definition")
    x, y = _data(info, rng)
    assert _mi(info, x, y) == pytest.approx(_mi(info, y, x), abs=_tol(info))


@pytest.mark.parametrize("info", MI_METHODS, ids=lambda m: m.name)
def test_sample_order_does_not_matter(info, rng):
    x, y = _data(info, rng)
    perm = rng.permutation(len(x))
    assert _mi(info, x[perm], y[perm]) == pytest.approx(_mi(info, x, y), abs=_tol(info))


@pytest.mark.parametrize("info", MI_METHODS, ids=lambda m: m.name)
def test_independence_is_near_zero_and_dependence_is_not(info, rng):
    xi, yi = _data(info, rng, dependent=False)
    xd, yd = _data(info, rng, dependent=True)
    indep, dep = _mi(info, xi, yi), _mi(info, xd, yd)
    assert abs(indep) < 0.05
    assert dep > 0.3


@pytest.mark.parametrize("info", MI_METHODS, ids=lambda m: m.name)
def test_numpy_and_torch_inputs_agree(info, rng):
    torch = pytest.importorskip("torch")
    x, y = _data(info, rng)
    assert _mi(info, torch.as_tensor(x), torch.as_tensor(y)) == pytest.approx(_mi(info, x, y), abs=max(_tol(info), 1e-6))


@pytest.mark.parametrize("info", [m for m in MI_METHODS if "continuous" in m.data], ids=lambda m: m.name)
def test_float32_and_float64_agree(info, rng):
    x, y = _data(info, rng)
    assert _mi(info, x.astype(np.float32), y.astype(np.float32)) == pytest.approx(_mi(info, x, y), abs=max(_tol(info), 1e-4))


@pytest.mark.parametrize("info", MI_METHODS, ids=lambda m: m.name)
def test_bits_are_nats_over_log2(info, rng):
    x, y = _data(info, rng)
    assert _mi(info, x, y, base=2) == pytest.approx(_mi(info, x, y) / np.log(2), rel=1e-9, abs=1e-12)
