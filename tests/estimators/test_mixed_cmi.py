"""Conditional MI for any mix of discrete and continuous X, Y, Z (Mesner & Shalizi 2020)."""

from __future__ import annotations

import numpy as np
import pytest

import mutinfo as mi

RHOS = np.array([0.0, 0.6, 0.9])


def _strata(n: int, seed: int):
    """Z uniform on {0, 1, 2}; within stratum z, (X, Y) standard bivariate Gaussian with correlation RHOS[z]."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    x = rng.standard_normal(n)
    y = RHOS[z] * x + np.sqrt(1 - RHOS[z] ** 2) * rng.standard_normal(n)
    p = np.bincount(z, minlength=3) / n
    truth = float(np.sum(p * -0.5 * np.log(1 - RHOS**2)))  # I(X;Y|Z) = sum_z p(z) I(X;Y|Z=z)
    return x, y, z, truth


def test_discrete_z_gaussian_strata_analytic():
    x, y, z, truth = _strata(6000, 0)
    value = mi.conditional_mutual_information(x, y, z, random_state=0)
    assert value == pytest.approx(truth, abs=0.04)
    # auto reaches it, and says so
    result = mi.estimate(x, y, z, ci=None)
    assert result.method == "mixed"
    assert "Mesner-Shalizi" in result.details["auto_reason"]
    assert result.value == pytest.approx(value)


def test_discrete_tuple_with_float_labels():
    x, y, z, truth = _strata(3000, 1)
    by_int = mi.conditional_mutual_information(x, y, z, random_state=0)
    by_flag = mi.conditional_mutual_information(x, y, z.astype(float) * 7.5, discrete=(False, False, True), random_state=0)
    assert by_flag == pytest.approx(by_int, abs=1e-12)  # labels, whatever their numeric values
    assert by_int == pytest.approx(truth, abs=0.06)


def test_discrete_y_in_the_middle():
    # discrete=(False, True, False): X continuous, Y a label, Z continuous.
    rng = np.random.default_rng(2)
    n = 4000
    zc = rng.standard_normal(n)
    x = zc + rng.standard_normal(n)
    y = (rng.random(n) < 0.5).astype(int)
    # Y independent of (X, Z): 0
    indep = mi.conditional_mutual_information(x, y, zc, discrete=(False, True, False), random_state=0)
    assert abs(indep) < 0.03
    # X = Z + noise shifted by Y: I(X;Y|Z) = I(N + 2Y; Y), a two-component Gaussian mixture; the discrete
    # plug-in on a fine grid of the exact density gives the reference.
    x2 = zc + 2.0 * y + rng.standard_normal(n)
    grid = np.linspace(-8, 10, 20001)
    f0 = np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi)
    f1 = np.exp(-0.5 * (grid - 2) ** 2) / np.sqrt(2 * np.pi)
    mix = 0.5 * (f0 + f1)
    dx = grid[1] - grid[0]
    truth = 0.5 * np.sum(f0 * np.log(f0 / mix)) * dx + 0.5 * np.sum(f1 * np.log(f1 / mix)) * dx
    value = mi.conditional_mutual_information(x2, y, zc, discrete=(False, True, False), random_state=0)
    assert value == pytest.approx(truth, abs=0.05)


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_ksg_on_continuous_data(seed):
    rng = np.random.default_rng(seed)
    n = 1500
    z = rng.standard_normal((n, 2))
    x = z[:, :1] + rng.standard_normal((n, 1))
    y = z[:, 1:] + 0.5 * x + rng.standard_normal((n, 1))
    ksg = mi.conditional_mutual_information(x, y, z, method="ksg", random_state=seed)
    mixed = mi.conditional_mutual_information(x, y, z, method="mixed", random_state=seed)
    assert mixed == pytest.approx(ksg, abs=1e-9)


def test_all_discrete_is_plugin_like():
    # With every row an atom the estimate is the digamma form of the plug-in CMI.
    rng = np.random.default_rng(3)
    n = 5000
    z = rng.integers(0, 2, n)
    x = rng.integers(0, 2, n)
    y = np.where(rng.random(n) < 0.8, x ^ z, 1 - (x ^ z))
    plugin = mi.conditional_mutual_information(x, y, z, method="plugin")
    mixed = mi.conditional_mutual_information(x, y, z, method="mixed", discrete=True)
    assert mixed == pytest.approx(plugin, abs=0.005)


def test_conditioning_on_independent_label_changes_little():
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.standard_normal(n)
    y = 0.8 * x + 0.6 * rng.standard_normal(n)
    z = rng.integers(0, 2, n)
    cmi = mi.conditional_mutual_information(x, y, z, random_state=0)
    assert cmi == pytest.approx(-0.5 * np.log(1 - 0.64), abs=0.05)


def test_discrete_z_is_ksg_within_each_stratum_weighted_by_size():
    # The docstring's statement: with a discrete Z (every label with more than k samples), the estimate
    # is the KSG estimate inside each stratum, weighted by the stratum's share of the samples.
    x, y, z, _ = _strata(1500, 5)
    whole = mi.conditional_mutual_information(x, y, z, method="mixed", transform="none", random_state=0)
    parts = [
        np.mean(z == s) * mi.mutual_information(x[z == s], y[z == s], method="ksg", transform="none", random_state=0) for s in range(3)
    ]
    assert whole == pytest.approx(sum(parts), abs=1e-9)


@pytest.mark.gpu
def test_cuda_search_gives_the_cpu_value():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    x, y, z, _ = _strata(3000, 6)
    cpu = mi.conditional_mutual_information(x, y, z, method="mixed", random_state=0)
    gpu = mi.conditional_mutual_information(x, y, z, method="mixed", random_state=0, device="cuda")
    assert gpu == pytest.approx(cpu, abs=1e-9)


def test_torch_kernels_give_the_scipy_value():
    # device="cpu" runs the torch neighbour kernels (the CUDA code path) on the CPU.
    rng = np.random.default_rng(7)
    n = 800
    z = rng.standard_normal((n, 2))
    x = np.round(z[:, 0] + rng.standard_normal(n), 1)  # ties: atoms and boundary ties
    y = rng.integers(0, 3, n)
    scipy_value = mi.conditional_mutual_information(x, y, z, method="mixed", discrete=(False, True, False), random_state=0)
    torch_value = mi.conditional_mutual_information(x, y, z, method="mixed", discrete=(False, True, False), random_state=0, device="cpu")
    assert torch_value == pytest.approx(scipy_value, abs=1e-9)
