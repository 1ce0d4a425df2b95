"""Entropies of count tables of discrete codes, vectorised over blocks of candidate columns.

The one implementation of the quantities MI feature selection needs from count tables,
I(X_j; Y), I(X_j; X_s), I(X_j, X_s; Y) and I(X_j; Y | X_s), in nats: dense codes here,
sparse codes in :mod:`mutinfo._sparse` (a subclass that only builds its tables from the
non-zeros).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CountTables", "BLOCK_CELLS", "BLOCK_ENTRIES"]

# Largest number of cells (columns x table size) of the count tables built in one block.
BLOCK_CELLS = 1 << 22
# Largest number of code entries (rows x columns) combined in one block.
BLOCK_ENTRIES = 1 << 22


class CountTables:
    """Entropies from count tables of discrete codes, vectorised over candidate columns."""

    def __init__(self, codes: np.ndarray, y: np.ndarray, entropy_fn: Any) -> None:
        self.codes = codes  # (n, p) int64, column j in [0, levels[j])
        self.levels = codes.max(axis=0) + 1 if codes.size else np.zeros(0, dtype=np.int64)
        self.y = y
        self.n_classes = int(y.max()) + 1
        self.h = entropy_fn

    def _blocks(self, columns: np.ndarray, cells_per_level: int) -> Any:
        kmax = int(self.levels[columns].max()) if len(columns) else 1
        n = self.codes.shape[0]
        size = max(1, min(BLOCK_CELLS // max(kmax * cells_per_level, 1), BLOCK_ENTRIES // max(n, 1)))
        for start in range(0, len(columns), size):
            yield columns[start : start + size], kmax

    def _column(self, s: int) -> np.ndarray:
        """The codes of column s, shape (n,)."""
        return self.codes[:, s]

    def _tables(self, block: np.ndarray, kmax: int, inner: np.ndarray, inner_size: int) -> np.ndarray:
        """Counts of shape (m, kmax, inner_size) of (X_j, inner) for the block's columns j."""
        m = len(block)
        joint = self.codes[:, block] * inner_size + inner[:, None] + (np.arange(m) * kmax * inner_size)[None, :]
        return np.bincount(joint.ravel(), minlength=m * kmax * inner_size).reshape(m, kmax, inner_size).astype(np.float64)

    def relevance(self, columns: np.ndarray) -> np.ndarray:
        """I(X_j; Y) for each column j."""
        c = self.n_classes
        out = np.empty(len(columns))
        h_y = float(self.h(np.bincount(self.y, minlength=c)[None, :].astype(np.float64))[0])
        pos = 0
        for block, kmax in self._blocks(columns, c):
            m = len(block)
            counts = self._tables(block, kmax, self.y, c)
            h_xy = self.h(counts.reshape(m, -1))
            h_x = self.h(counts.sum(2))
            out[pos : pos + m] = h_x + h_y - h_xy
            pos += m
        return out

    def with_selected(self, columns: np.ndarray, s: int) -> dict[str, np.ndarray]:
        """For each column j: I(X_j; X_s), I(X_j, X_s; Y) and I(X_j; Y | X_s)."""
        c = self.n_classes
        xs = self._column(int(s))
        ks = int(self.levels[s])
        xs_y = np.bincount(xs * c + self.y, minlength=ks * c).reshape(ks, c).astype(np.float64)
        h_y = float(self.h(xs_y.sum(0)[None, :])[0])
        h_s = float(self.h(xs_y.sum(1)[None, :])[0])
        h_sy = float(self.h(xs_y.reshape(1, -1))[0])
        out = {key: np.empty(len(columns)) for key in ("redundancy", "joint_relevance", "conditional_relevance")}
        pos = 0
        for block, kmax in self._blocks(columns, ks * c):
            m = len(block)
            counts = self._tables(block, kmax, xs * c + self.y, ks * c).reshape(m, kmax, ks, c)
            h_jsy = self.h(counts.reshape(m, -1))
            js = counts.sum(3)
            h_js = self.h(js.reshape(m, -1))
            h_j = self.h(js.sum(2))
            sl = slice(pos, pos + m)
            out["redundancy"][sl] = h_j + h_s - h_js
            out["joint_relevance"][sl] = h_js + h_y - h_jsy
            out["conditional_relevance"][sl] = h_js + h_sy - h_jsy - h_s
            pos += m
        return out
