"""Data with known mutual information, and loaders for small real data sets (offline)."""

from __future__ import annotations

# Real data: embedded digits, Fashion-MNIST from the system package, MNIST-1D generated offline.
from .real import DataNotFoundError as DataNotFoundError
from .real import fashion_mnist_available as fashion_mnist_available
from .real import load_digits as load_digits
from .real import load_fashion_mnist as load_fashion_mnist
from .real import long_tailed_indices as long_tailed_indices
from .real import make_mnist1d as make_mnist1d

# The 12-bit task of Shwartz-Ziv & Tishby (information-plane demo).
from .twelve_bit import twelve_bit as twelve_bit
