"""The 12-bit task: the documented rule reproduces the published labels and has the icosahedron's symmetry."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from mutinfo.datasets import twelve_bit
from mutinfo.datasets.twelve_bit import VERTICES, pair_weights

# SHA-256 of np.packbits of the 4096 labels of var_u.mat, the data file of Shwartz-Ziv & Tishby's code.
PUBLISHED_LABELS_SHA256 = "371b2b46a5052b4f69f7991ca141fb5afa1ac364ef7beb81ec900eecac2f86d9"


def _index(bits):
    return bits @ (1 << np.arange(11, -1, -1))


def test_rule_reproduces_the_published_labels():
    x, y, h = twelve_bit()
    assert hashlib.sha256(np.packbits(y.astype(np.uint8)).tobytes()).hexdigest() == PUBLISHED_LABELS_SHA256
    assert x.shape == (4096, 12) and x.dtype == np.float32
    np.testing.assert_array_equal(_index(x.astype(np.int64)), np.arange(4096))
    assert int(y.sum()) == 2118
    p = 2118 / 4096
    assert h == -(p * math.log(p) + (1 - p) * math.log(1 - p))


def test_pair_weights_follow_the_icosahedron():
    w = pair_weights()
    assert (w == w.T).all() and (np.diag(w) == 0).all()
    for row in w:
        assert sorted(row.tolist()) == [-5] + [-3] * 5 + [0] + [1] * 5
    norms = np.linalg.norm(VERTICES, axis=1)
    np.testing.assert_allclose(norms, norms[0])


def _rotation(axis, angle):
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k


def test_labels_are_invariant_under_icosahedral_rotations():
    x, y, _ = twelve_bit()
    bits = x.astype(np.int64)
    rotations = [
        _rotation(VERTICES[0], 2 * math.pi / 5),  # five-fold axis through a vertex
        _rotation(VERTICES[0] + VERTICES[1] + VERTICES[3], 2 * math.pi / 3),  # three-fold axis through a face (0, 1, 3 are mutual neighbours)
    ]
    w = pair_weights()
    assert w[0, 1] == w[0, 3] == w[1, 3] == 1
    for rot in rotations:
        moved = VERTICES @ rot.T
        perm = np.array([int(np.argmin(np.linalg.norm(VERTICES - v, axis=1))) for v in moved])
        np.testing.assert_allclose(VERTICES[perm], moved, atol=1e-9)
        assert sorted(perm.tolist()) == list(range(12)) and (perm != np.arange(12)).any()
        rotated = np.zeros_like(bits)
        rotated[:, perm] = bits  # the unit at vertex i moves to vertex perm[i]
        np.testing.assert_array_equal(y[_index(rotated)], y)
