"""Loaders for small real data sets, all offline.

* :func:`load_digits`: scikit-learn's 8x8 handwritten digits (embedded in scikit-learn).
* :func:`load_fashion_mnist`: Fashion-MNIST from its IDX files, as installed by the
  Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``).
* :func:`make_mnist1d`: MNIST-1D generated locally with ``mnist1d.data.make_dataset``
  (PyPI ``mnist1d``); its URL loader is never used.
* :func:`long_tailed_indices`: a long-tailed (imbalanced) subset of a labelled set.

Nothing here downloads anything. A missing data set raises
:class:`DataNotFoundError` with the command that installs it.
"""

from __future__ import annotations

import gzip
import random
import struct
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DataError, missing_dependency
from .._validation import check_choice, check_float, check_int

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_PATH",
    "DataNotFoundError",
    "fashion_mnist_available",
    "load_digits",
    "load_fashion_mnist",
    "long_tailed_indices",
    "make_mnist1d",
]

FASHION_MNIST_PATH = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DataNotFoundError(DataError, FileNotFoundError):
    """A data set's files are not where the loader looked; the message says how to install them."""


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits: 1797 images of 8x8 pixels, 10 classes.

    Returns
    -------
    x : float32 array of shape (1797, 8, 8)
        Pixel intensities scaled to [0, 1] (the raw values are 0..16).
    y : int64 array of shape (1797,)
        Digit labels 0..9.

    References
    ----------
    Alpaydin & Kaynak (1998), UCI "Optical Recognition of Handwritten Digits".
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:  # pragma: no cover - scikit-learn is a core dependency
        raise missing_dependency("scikit-learn", "The digits data set") from None
    bunch = sk_load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int64)


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_idx(path: str | Path) -> np.ndarray:
    """An array from an IDX file (the MNIST format), gzip-compressed or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number {raw[:4]!r}).")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: the header says shape {shape}, the file holds {data.size} values.")
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def fashion_mnist_available(path: str | Path = FASHION_MNIST_PATH) -> bool:
    """Whether the four Fashion-MNIST IDX files are in ``path``."""
    folder = Path(path)
    return all(_find(folder, name) is not None for pair in _FASHION_FILES.values() for name in pair)


def load_fashion_mnist(split: str = "train", path: str | Path = FASHION_MNIST_PATH) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images and labels from the IDX files in ``path``.

    Parameters
    ----------
    split : "train" or "test"
        60,000 training or 10,000 test images.
    path : str or Path, default "/usr/share/datasets/fashion-mnist"
        Folder holding ``train-images-idx3-ubyte[.gz]`` and its three siblings.

    Returns
    -------
    x : uint8 array of shape (n, 28, 28)
    y : int64 array of shape (n,)
        Labels 0..9, named by :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    DataNotFoundError
        When the files are missing; install them with
        ``apt-get install dataset-fashion-mnist`` (Debian, Ubuntu).

    References
    ----------
    Xiao, Rasul & Vollgraf (2017), "Fashion-MNIST: a Novel Image Dataset for
    Benchmarking Machine Learning Algorithms", arXiv:1708.07747.
    """
    split = check_choice("load_fashion_mnist", "split", split, ("train", "test"))
    folder = Path(path)
    images_name, labels_name = _FASHION_FILES[split]
    images, labels = _find(folder, images_name), _find(folder, labels_name)
    if images is None or labels is None:
        missing = images_name if images is None else labels_name
        raise DataNotFoundError(
            f"Fashion-MNIST is not installed in {folder} ({missing}[.gz] not found). Install it with "
            f"`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; files go to {FASHION_MNIST_PATH}), "
            f"or put the four IDX files of the Fashion-MNIST release in a folder and pass it as path=."
        )
    x, y = read_idx(images), read_idx(labels).astype(np.int64)
    if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise DataError(f"Fashion-MNIST files in {folder} do not match: images {x.shape}, labels {y.shape}.")
    return x, y


def make_mnist1d(num_samples: int = 5000, *, seed: int = 42, train_split: float = 0.8) -> dict[str, np.ndarray]:
    """MNIST-1D, generated locally: 10 classes of 1-D signals of length 40.

    Calls ``mnist1d.data.make_dataset`` with the package's default arguments apart
    from ``num_samples``, ``seed`` and ``train_split`` (the global ``random`` and
    NumPy random states that it reseeds are restored afterwards). Costs about one
    second per 1,500 samples.

    Parameters
    ----------
    num_samples : int, default 5000
        Total samples, split into train and test sets.
    seed : int, default 42
        The generator's seed (42 reproduces the published data set).
    train_split : float in (0, 1), default 0.8

    Returns
    -------
    dict with "x" float32 (n_train, 40), "y" int64 (n_train,), "x_test", "y_test".

    References
    ----------
    Greydanus & Kobak (2024), "Scaling Down Deep Learning with MNIST-1D", ICML.
    """
    func = "make_mnist1d"
    num_samples = check_int(func, "num_samples", num_samples, 20)
    seed = check_int(func, "seed", seed, 0)
    train_split = check_float(func, "train_split", train_split, 0.0, 1.0, lo_open=True, hi_open=True)
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise missing_dependency("mnist1d", "MNIST-1D", extra="demos") from None
    args = get_dataset_args()
    args.num_samples, args.seed, args.train_split = num_samples, seed, train_split
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {
        "x": data["x"].astype(np.float32),
        "y": np.asarray(data["y"], dtype=np.int64),
        "x_test": data["x_test"].astype(np.float32),
        "y_test": np.asarray(data["y_test"], dtype=np.int64),
    }


def long_tailed_indices(y: Any, ratio: float = 100.0, *, seed: int = 0) -> np.ndarray:
    """Indices of a long-tailed subset: class ``c`` keeps ``n_max * ratio^(-c / (C - 1))`` samples.

    The exponential profile of Cui et al. (2019): class 0 keeps all ``n_max`` samples
    of the smallest class count, the last class ``n_max / ratio``; the classes in
    between decay geometrically. Samples are drawn without replacement, seeded.

    Parameters
    ----------
    y : array of shape (n,)
        Integer labels 0..C-1.
    ratio : float >= 1, default 100
        Imbalance ratio, largest class size over smallest.
    seed : int, default 0

    Returns
    -------
    int64 array of indices into ``y``, sorted.

    References
    ----------
    Cui, Jia, Lin, Song & Belongie (2019), "Class-Balanced Loss Based on Effective
    Number of Samples", CVPR.
    """
    func = "long_tailed_indices"
    ratio = check_float(func, "ratio", ratio, 1.0)
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise DataError(f"y of {func} must be a 1-d array of integer labels. Got shape {y.shape} and dtype {y.dtype}.")
    classes = np.unique(y)
    counts = np.array([(y == c).sum() for c in classes])
    n_max = int(counts.min())
    rng = np.random.default_rng(seed)
    keep = []
    n_classes = len(classes)
    for rank, c in enumerate(classes):
        n_keep = max(1, int(round(n_max * ratio ** (-rank / max(n_classes - 1, 1)))))
        members = np.flatnonzero(y == c)
        keep.append(rng.choice(members, size=n_keep, replace=False))
    return np.sort(np.concatenate(keep))
