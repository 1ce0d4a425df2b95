"""Real-data loaders and image augmentations."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from mutinfo import DataError, ParameterError
from mutinfo.datasets import DataNotFoundError, fashion_mnist_available, load_digits, load_fashion_mnist, long_tailed_indices
from mutinfo.datasets.real import FASHION_MNIST_PATH, read_idx

needs_fashion = pytest.mark.skipif(
    not fashion_mnist_available(),
    reason=f"Fashion-MNIST is not installed in {FASHION_MNIST_PATH} (apt-get install dataset-fashion-mnist)",
)


def _write_idx(path, array, compress):
    codes = {np.uint8: 0x08, np.int32: 0x0C}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def test_load_digits():
    x, y = load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_loader_reads_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    suffix = ".gz" if compress else ""
    for split, (img_name, lab_name) in {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}.items():
        _write_idx(tmp_path / (img_name + suffix), images, compress)
        _write_idx(tmp_path / (lab_name + suffix), labels, compress)
    assert fashion_mnist_available(tmp_path)
    x, y = load_fashion_mnist("test", path=tmp_path)
    assert np.array_equal(x, images) and y.tolist() == [3, 1, 4, 1, 5] and y.dtype == np.int64
    big = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    _write_idx(tmp_path / "ints", big, False)
    assert np.array_equal(read_idx(tmp_path / "ints"), big)


def test_fashion_loader_missing_data_says_how_to_install(tmp_path):
    assert not fashion_mnist_available(tmp_path)
    with pytest.raises(DataNotFoundError, match=r"Fashion-MNIST is not installed in .*apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(path=tmp_path)
    with pytest.raises(FileNotFoundError):
        load_fashion_mnist(path=tmp_path)
    with pytest.raises(ParameterError, match=r"The `split` parameter of load_fashion_mnist must be one of 'train', 'test'. Got 'val'"):
        load_fashion_mnist("val", path=tmp_path)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(DataError, match="is not an IDX file"):
        read_idx(tmp_path / "bad")


@needs_fashion
def test_fashion_mnist_installed_files():
    x, y = load_fashion_mnist("train")
    xt, yt = load_fashion_mnist("test")
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10


def test_long_tailed_indices_profile():
    y = np.repeat(np.arange(10), 1000)
    idx = long_tailed_indices(y, 100.0, seed=1)
    counts = np.bincount(y[idx], minlength=10)
    expected = [round(1000 * 100 ** (-c / 9)) for c in range(10)]
    assert counts.tolist() == expected
    assert counts[0] / counts[-1] == 100
    assert len(np.unique(idx)) == len(idx)
    assert np.array_equal(idx, long_tailed_indices(y, 100.0, seed=1))
    with pytest.raises(ParameterError, match=r"The `ratio` parameter of long_tailed_indices must be a real number in \[1.0, inf\]. Got 0.5"):
        long_tailed_indices(y, 0.5)
    with pytest.raises(DataError, match="must be a 1-d array of integer labels"):
        long_tailed_indices(y.astype(float))


def test_make_mnist1d_offline_and_restores_global_rng():
    pytest.importorskip("mnist1d")
    from mutinfo.datasets import make_mnist1d

    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    data = make_mnist1d(200, seed=3)
    assert np.random.random() == expected_next
    assert data["x"].shape == (160, 40) and data["x_test"].shape == (40, 40) and data["x"].dtype == np.float32
    assert set(np.unique(data["y"])) <= set(range(10))
    again = make_mnist1d(200, seed=3)
    assert np.array_equal(again["x"], data["x"])
    with pytest.raises(ParameterError, match=r"The `num_samples` parameter of make_mnist1d must be an int in \[20, inf\]. Got 5"):
        make_mnist1d(5)


def test_augment_shapes_seeding_and_identity():
    torch = pytest.importorskip("torch")
    from mutinfo.datasets.augment import Augment, random_affine, random_erase

    x = torch.rand(6, 1, 8, 8)
    a1, a2 = Augment(seed=5, erase=0.5), Augment(seed=5, erase=0.5)
    v1, v2 = a1(x), a2(x)
    assert v1.shape == x.shape and torch.equal(v1, v2)
    assert not torch.equal(a1(x), v1)  # the generator advances
    ident = random_affine(x, degrees=0.0, translate=0.0, scale=(1.0, 1.0))
    assert torch.allclose(ident, x, atol=1e-5)
    erased = random_erase(torch.ones(50, 1, 8, 8), p=1.0, size=0.25)
    assert torch.all((erased == 0).sum(dim=(1, 2, 3)) == 4)
    with pytest.raises(ParameterError, match=r"The `erase` parameter of Augment must be a real number in \[0.0, 1.0\]. Got 2"):
        Augment(erase=2)
