"""Data with known mutual information, and loaders for small real data sets (offline).

Synthetic generators return ``(x, y, true_mi)`` with the MI in nats (see
:mod:`mutinfo.datasets._synthetic` for the formulas); the invertible maps change the
shape of a distribution and keep its MI. The real data sets are read from local disk
only: scikit-learn's embedded digits, Fashion-MNIST from the system package
``dataset-fashion-mnist``, MNIST-1D generated offline, English text from the
system package ``fortunes``.

>>> import mutinfo as mi
>>> x, y, true_mi = mi.datasets.gaussian(10_000, dim=5, rho=0.8, random_state=0)
>>> round(true_mi, 3)
2.554
"""

from __future__ import annotations

# Synthetic distributions with known MI.
from ._synthetic import STAIRCASE_LEVELS as STAIRCASE_LEVELS
from ._synthetic import discrete_channel as discrete_channel
from ._synthetic import gaussian as gaussian
from ._synthetic import gaussian_mi as gaussian_mi
from ._synthetic import gaussian_mixture as gaussian_mixture
from ._synthetic import mixed_gaussian as mixed_gaussian
from ._synthetic import rho_for_mi as rho_for_mi
from ._synthetic import staircase as staircase
from ._synthetic import student_t as student_t
from ._synthetic import student_t_mi as student_t_mi
from ._synthetic import symmetric_channel as symmetric_channel

# MI-preserving invertible maps.
from ._transforms import asinh as asinh
from ._transforms import cube as cube
from ._transforms import half_cube as half_cube
from ._transforms import normal_cdf as normal_cdf
from ._transforms import spiral as spiral
from ._transforms import transform as transform

# Real data: embedded digits, Fashion-MNIST from the system package, MNIST-1D generated offline.
from .real import DataNotFoundError as DataNotFoundError
from .real import fashion_mnist_available as fashion_mnist_available
from .real import load_digits as load_digits
from .real import load_fashion_mnist as load_fashion_mnist
from .real import long_tailed_indices as long_tailed_indices
from .real import make_mnist1d as make_mnist1d

# English text from the Debian package `fortunes`.
from .text import fortunes as fortunes
from .text import fortunes_available as fortunes_available

# The 12-bit task of Shwartz-Ziv & Tishby (information-plane demo).
from .twelve_bit import twelve_bit as twelve_bit

__all__ = [
    "gaussian",
    "gaussian_mi",
    "rho_for_mi",
    "student_t",
    "student_t_mi",
    "staircase",
    "STAIRCASE_LEVELS",
    "discrete_channel",
    "symmetric_channel",
    "gaussian_mixture",
    "mixed_gaussian",
    "half_cube",
    "cube",
    "asinh",
    "normal_cdf",
    "spiral",
    "transform",
    "DataNotFoundError",
    "fashion_mnist_available",
    "load_digits",
    "load_fashion_mnist",
    "long_tailed_indices",
    "make_mnist1d",
    "fortunes",
    "fortunes_available",
    "twelve_bit",
]
