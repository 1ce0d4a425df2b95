"""The torch (tiled) neighbour search gives the SciPy path's estimates; CUDA when present."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo as mi
from conftest import requires_cuda
from mutinfo.estimators.knn._torch import TorchSearch
from mutinfo.estimators.knn import ScipySearch


def data(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    y = 0.8 * x + 0.6 * rng.standard_normal((n, 2))
    z = rng.standard_normal((n, 1))
    return x, y, z


CASES = [
    ("ksg", lambda x, y, z: (x, y)),
    ("ksg", lambda x, y, z: (x[:, 0], y[:, 0])),
    ("ksg2", lambda x, y, z: (x, y[:, :1])),
    ("mixed", lambda x, y, z: (np.round(x, 1), y)),
    ("ross", lambda x, y, z: ((x[:, 0] > 0).astype(int) + (x[:, 1] > 0), y)),
]


@pytest.mark.parametrize("method, make", CASES)
def test_torch_cpu_path_equals_scipy_path(method, make):
    x, y, z = data()
    a, b = make(x, y, z)
    ref = mi.mutual_information(a, b, method=method, random_state=3)
    got = mi.mutual_information(a, b, method=method, random_state=3, device="cpu")
    assert got == pytest.approx(ref, abs=1e-10)


def test_torch_cpu_cmi_and_entropy_equal_scipy():
    x, y, z = data(900, 1)
    ref = mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0)
    assert mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0, device="cpu") == pytest.approx(ref, abs=1e-10)
    for metric in ("euclidean", "chebyshev"):
        ref = mi.entropy(x, method="kl", metric=metric, random_state=0)
        assert mi.entropy(x, method="kl", metric=metric, random_state=0, device="cpu") == pytest.approx(ref, abs=1e-10)


def test_torch_tensor_input_gives_the_numpy_estimate():
    x, y, _ = data(700, 2)
    ref = mi.mutual_information(x, y, method="ksg", random_state=0)
    got = mi.mutual_information(torch.as_tensor(x), torch.as_tensor(y), method="ksg", random_state=0)
    assert got == pytest.approx(ref, abs=1e-12)


def test_tiles_smaller_than_the_data_give_exact_neighbours_and_counts():
    rng = np.random.default_rng(4)
    pts = np.round(rng.standard_normal((500, 3)), 1)  # many equal distances
    small = TorchSearch("cpu", tile_elements=3 * 64 * 64)
    assert small._tiles(500, 3)[0] < 500
    d_ref, _ = ScipySearch().knn(pts, 4)
    d_got, _ = small.knn(pts, 4)
    assert np.array_equal(d_ref, d_got)
    r = np.abs(pts[rng.integers(0, 500, 500)] - pts).max(axis=1)
    assert np.array_equal(ScipySearch().count_le(pts, r), small.count_le(pts, r))
    assert np.array_equal(ScipySearch().count_le(pts[:, :1], r), small.count_le(pts[:, :1], r))
    assert np.array_equal(ScipySearch().count_equal(pts), small.count_equal(pts))


def test_band_pruning_is_exact_on_clustered_and_correlated_data():
    rng = np.random.default_rng(8)
    centres = rng.standard_normal((5, 2)) * 10
    clustered = centres[rng.integers(0, 5, 2000)] + 0.01 * rng.standard_normal((2000, 2))
    x = rng.standard_normal(2000)
    line = np.c_[x, x + 1e-3 * rng.standard_normal(2000)]
    search = TorchSearch("cpu", tile_elements=2 * 128 * 128)
    for pts in (clustered, line):
        for metric in ("chebyshev", "euclidean"):
            ref, _ = ScipySearch().knn(pts, 5, metric=metric)
            got, _ = search.knn(pts, 5, metric=metric)
            assert np.allclose(ref, got, rtol=1e-12, atol=0)
        r = ScipySearch().knn(pts, 7)[0]
        assert np.array_equal(ScipySearch().count_le(pts, r), search.count_le(pts, r))


def test_knn_indices_point_at_the_neighbours():
    rng = np.random.default_rng(5)
    pts = rng.standard_normal((300, 2))
    dist, idx = TorchSearch("cpu", tile_elements=2 * 50 * 50).knn(pts, 3, indices=True)
    recomputed = np.abs(pts[idx] - pts[:, None, :]).max(axis=2)
    assert np.allclose(recomputed, dist, atol=0)
    assert (idx[:, 0] == np.arange(300)).all()


def test_cuda_request_without_cuda_is_an_actionable_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present")
    x, y, _ = data(100)
    with pytest.raises(ValueError, match="torch reports no CUDA device"):
        mi.mutual_information(x, y, method="ksg", device="cuda")


@requires_cuda
@pytest.mark.parametrize("method, make", CASES)
def test_gpu_equals_cpu(method, make):
    x, y, z = data(3000, 6)
    a, b = make(x, y, z)
    ref = mi.mutual_information(a, b, method=method, random_state=3)
    assert mi.mutual_information(a, b, method=method, random_state=3, device="cuda") == pytest.approx(ref, abs=1e-9)
    ta = torch.as_tensor(a, device="cuda")
    tb = torch.as_tensor(b, device="cuda")
    assert mi.mutual_information(ta, tb, method=method, random_state=3) == pytest.approx(ref, abs=1e-9)


@requires_cuda
def test_gpu_cmi_and_entropy_equal_cpu():
    x, y, z = data(3000, 7)
    ref = mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0)
    assert mi.conditional_mutual_information(x, y, z, method="ksg", random_state=0, device="cuda") == pytest.approx(ref, abs=1e-9)
    ref = mi.entropy(x, method="kl", random_state=0)
    assert mi.entropy(x, method="kl", random_state=0, device="cuda") == pytest.approx(ref, abs=1e-9)
    assert not math.isnan(ref)
