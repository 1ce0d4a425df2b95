"""Discrete MI from ``scipy.sparse`` matrices of counts or binary indicators, never densified.

A bag-of-words matrix has 10^4-10^5 columns and a few non-zeros per row. For a column
X_j, the count table of (X_j, Y) on its non-zero rows comes from those rows alone; the
row X_j = 0 is the total table of Y minus the rest. The same holds for (X_j, X_s, Y)
given the codes of one selected column X_s, and for (X_i, X_j) from the co-occurrence
matrix B^T B of the level indicators B. The tables are the ones the dense path builds,
so the results equal it (up to float rounding). Cost O(nnz) per pass plus the table
cells; memory O(nnz + cells), never O(n p).

Values must be non-negative whole numbers (counts, 0/1 indicators); each column's
values map to codes with 0 -> 0 and the non-zero values in increasing order.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._count_tables import CountTables
from ._errors import DataError

__all__ = ["SparseCountTables", "SparseCodes", "is_sparse", "sparse_codes", "sparse_pairwise"]

# Largest number of table cells built in one block of columns.
BLOCK_CELLS = 1 << 20


def is_sparse(X: Any) -> bool:
    """Whether X is a scipy.sparse matrix or array (without importing scipy when it is not loaded)."""
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(X)


class SparseCodes:
    """Column-compressed codes: for column j, rows ``rows[indptr[j]:indptr[j+1]]`` hold codes >= 1."""

    def __init__(self, n: int, indptr: np.ndarray, rows: np.ndarray, codes: np.ndarray, levels: np.ndarray) -> None:
        self.n, self.indptr, self.rows, self.codes, self.levels = n, indptr, rows, codes, levels

    @property
    def p(self) -> int:
        return self.levels.shape[0]

    def dense_column(self, j: int) -> np.ndarray:
        """Codes of column j as a dense int64 array of shape (n,)."""
        out = np.zeros(self.n, dtype=np.int64)
        sl = slice(self.indptr[j], self.indptr[j + 1])
        out[self.rows[sl]] = self.codes[sl]
        return out


def sparse_codes(X: Any, name: str = "X") -> SparseCodes:
    """Codes of a sparse matrix of non-negative whole numbers, column by column (CSC order).

    Raises DataError naming the first offending cell for a negative, fractional or
    non-finite value.
    """
    csc = X.tocsc(copy=True)
    csc.sum_duplicates()
    csc.eliminate_zeros()
    csc.sort_indices()
    data = np.asarray(csc.data)
    if data.dtype.kind not in "iub":
        bad = ~np.isfinite(data) | (data != np.round(data)) | (data < 0)
    else:
        bad = data < 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        col = int(np.searchsorted(csc.indptr, pos, side="right") - 1)
        raise DataError(
            f"{name} is sparse, so it must hold counts or binary indicators (non-negative whole numbers); "
            f"{name}[{int(csc.indices[pos])}, {col}] = {data[pos].item()!r}."
        )
    n, p = csc.shape
    indptr = csc.indptr.astype(np.int64)
    cols = np.repeat(np.arange(p, dtype=np.int64), np.diff(indptr))
    values = data.astype(np.float64) if data.dtype.kind == "f" else data.astype(np.int64)
    # rank of each non-zero value within its column: sort by (column, value), count distinct
    order = np.lexsort((values, cols))
    sv, sc = values[order], cols[order]
    new = np.ones(sv.size, dtype=bool)
    new[1:] = (sv[1:] != sv[:-1]) | (sc[1:] != sc[:-1])
    group = np.cumsum(new)  # 1-based index of the distinct (column, value)
    first_group = np.zeros(p + 1, dtype=np.int64)
    starts = np.flatnonzero(new)
    first_group[1:] = np.bincount(sc[starts], minlength=p).cumsum()
    codes = np.empty(sv.size, dtype=np.int64)
    codes[order] = group - first_group[sc]
    levels = np.diff(first_group) + (np.diff(indptr) < n)  # + the zero level when a row is zero
    levels = np.maximum(levels, 1)
    # a column without zeros: shift codes to start at 0, as the dense coding would
    full = np.diff(indptr) == n
    if full.any():
        codes -= full[cols].astype(np.int64)
        keep = codes > 0
        rows, codes, cols = csc.indices.astype(np.int64)[keep], codes[keep], cols[keep]
        indptr = np.zeros(p + 1, dtype=np.int64)
        indptr[1:] = np.bincount(cols, minlength=p).cumsum()
        return SparseCodes(n, indptr, rows, codes, levels)
    return SparseCodes(n, indptr, csc.indices.astype(np.int64), codes, levels)


class SparseCountTables(CountTables):
    """:class:`mutinfo._count_tables.CountTables` with its tables built from sparse codes.

    ``relevance(columns)`` gives I(X_j; Y), ``with_selected(columns, s)`` gives
    I(X_j; X_s), I(X_j, X_s; Y) and I(X_j; Y | X_s), in nats, by the base class's
    formulas; only the count tables (from the non-zeros, the zero level filled in from
    the margins), the column blocks and the dense column of a chosen feature differ.
    ``y``: int codes in [0, C).
    """

    def __init__(self, codes: SparseCodes, y: np.ndarray, entropy_fn: Any) -> None:
        self.sc = codes
        self.levels = codes.levels
        self.y = np.asarray(y, dtype=np.int64)
        self.n_classes = int(self.y.max()) + 1
        self.h = entropy_fn

    def _blocks(self, columns: np.ndarray, cells_per_level: int) -> Any:
        columns = np.asarray(columns, dtype=np.int64)
        start = 0
        while start < len(columns):
            stop, kmax = start, 1
            while stop < len(columns):
                k = max(kmax, int(self.sc.levels[columns[stop]]))
                if stop > start and (stop - start + 1) * k * cells_per_level > BLOCK_CELLS:
                    break
                kmax, stop = k, stop + 1
            yield columns[start:stop], kmax
            start = stop

    def _nonzeros(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local column index, row and code of every non-zero of the block's columns."""
        sc = self.sc
        lengths = sc.indptr[block + 1] - sc.indptr[block]
        local = np.repeat(np.arange(len(block), dtype=np.int64), lengths)
        offsets = np.repeat(sc.indptr[block] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        pos = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
        return local, sc.rows[pos], sc.codes[pos]

    def _tables(self, block: np.ndarray, kmax: int, inner: np.ndarray, inner_size: int) -> np.ndarray:
        """Counts of shape (m, kmax, inner_size) of (X_j, inner) with the zero level filled in."""
        m = len(block)
        local, rows, codes = self._nonzeros(block)
        flat = (local * kmax + codes) * inner_size + inner[rows]
        counts = np.bincount(flat, minlength=m * kmax * inner_size).reshape(m, kmax, inner_size).astype(np.float64)
        total = np.bincount(inner, minlength=inner_size).astype(np.float64)
        counts[:, 0, :] = total[None, :] - counts[:, 1:, :].sum(1)
        return counts

    def _column(self, s: int) -> np.ndarray:
        return self.sc.dense_column(s)


def sparse_pairwise(X: Any, Y: Any, entropy_fn: Any, fallback: Any = None) -> np.ndarray:
    """I(X_i; Y_j) in nats for all column pairs of sparse count matrices (Y None: X with itself).

    The non-zero cells of each pair's table come from the co-occurrence matrix
    ``B_X^T B_Y`` of the level indicators (one column per non-zero level); the zero
    row and column follow from the margins. Each entry is H(X_i) + H(Y_j) - H(X_i, Y_j)
    with ``entropy_fn(counts, None)`` (counts of shape (1, cells)). When ``entropy_fn``
    is None, ``fallback(x_codes, y_codes, same)`` gets the two dense code columns of a
    pair (O(n) memory) and returns the entry; ``same`` marks a diagonal entry. Cost
    O(nnz products + sum over pairs of L_i L_j) for L levels per column. The diagonal
    of the symmetric case is I(X_i; X_i) = H(X_i).
    """
    import scipy.sparse as sp

    def indicators(codes: SparseCodes) -> tuple[Any, np.ndarray, np.ndarray]:
        # column offset of each column's non-zero levels in B
        nz_levels = np.zeros(codes.p, dtype=np.int64)
        cols = np.repeat(np.arange(codes.p, dtype=np.int64), np.diff(codes.indptr))
        np.maximum.at(nz_levels, cols, codes.codes)
        offset = np.concatenate([[0], np.cumsum(nz_levels)])
        b = sp.csc_matrix((np.ones(codes.rows.size), (codes.rows, offset[cols] + codes.codes - 1)), shape=(codes.n, int(offset[-1])))
        return b, offset, np.asarray(b.sum(0)).ravel()

    cx = sparse_codes(X, "X")
    bx, ox, mx = indicators(cx)
    if Y is None:
        cy, by, oy, my = cx, bx, ox, mx
    else:
        cy = sparse_codes(Y, "Y")
        if cy.n != cx.n:
            raise DataError(f"X and Y must have the same number of rows. Got {cx.n} and {cy.n}.")
        by, oy, my = indicators(cy)
    co = (bx.T @ by).tocsr()
    n = cx.n
    out = np.empty((cx.p, cy.p))
    for i in range(cx.p):
        li = int(ox[i + 1] - ox[i])
        block = co[ox[i] : ox[i + 1]].toarray()
        for j in range(cy.p):
            if Y is None and j < i:
                out[i, j] = out[j, i]
                continue
            if entropy_fn is None:
                out[i, j] = fallback(cx.dense_column(i), cy.dense_column(j), Y is None and i == j)
                continue
            lj = int(oy[j + 1] - oy[j])
            t = np.zeros((li + 1, lj + 1))
            t[1:, 1:] = block[:, oy[j] : oy[j + 1]]
            t[1:, 0] = mx[ox[i] : ox[i + 1]] - t[1:, 1:].sum(1)
            t[0, 1:] = my[oy[j] : oy[j + 1]] - t[1:, 1:].sum(0)
            t[0, 0] = n - t[1:, :].sum() - t[0, 1:].sum()
            hx = float(entropy_fn(t.sum(1)[None, :], None)[0])
            if Y is None and i == j:
                out[i, j] = hx
                continue
            hy = float(entropy_fn(t.sum(0)[None, :], None)[0])
            hxy = float(entropy_fn(t.reshape(1, -1), None)[0])
            out[i, j] = hx + hy - hxy
    return out
