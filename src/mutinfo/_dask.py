"""Dask back-end: MI matrices and discrete MI of data that lives on a Dask cluster.

Larger than one machine
-----------------------
:func:`mutinfo.pairwise`, :func:`mutinfo.mutual_information` and :func:`mutinfo.entropy`
(discrete data) and :meth:`mutinfo.selection.MISelector.fit` hand a Dask DataFrame,
Series or Array to this module. Everything runs as tasks of one graph per pass, on the
workers of the active ``dask.distributed.Client`` (or on Dask's local scheduler when no
client exists); the client receives contingency tables, per-column summaries and
scalars, never rows. Nothing here imports Dask until such a collection arrives.

How each family scales:

* **Discrete and binned MI** are functions of the joint contingency table, and every
  discrete estimator of mutinfo (plug-in, Miller-Madow, Grassberger, Chao-Shen,
  James-Stein shrinkage, NSB) is computed from that table alone. Two passes:
  (1) a *scan*: per partition, each column's kind, missing-value count and observed
  values, merged by a tree reduction into each column's sorted alphabet;
  (2) per partition and per *block of columns*, the count tables of every pair in the
  block (rows coded against the broadcast alphabets), summed over partitions by a
  tree reduction (fan-in ``SPLIT_EVERY``). Blocks are tiles of column groups of
  one-hot width 2048 (256 columns of 8 levels): a 1000-column matrix is 10
  reductions in one graph, not a million graphs. Within a task, a tile is counted by
  one product ``O_A^T O_B`` of the partition's one-hot matrices (float32, exact: at most
  2**23 rows per product), and pairs sharing a column (one target) by one ``bincount``.
  A task returns its tile's tables packed in one int32 array; the arguments shared by
  all tasks of a pass are one node of the graph.
  Cost: O(n * pairs) arithmetic on the workers, O(partitions * pairs * K^2) cells
  moved between workers (K the alphabet size), O(pairs * K^2) cells to the client.
  The result is bit-for-bit the in-memory value: the same cells in the same order go
  to the same estimator.
* **Feature selection** (mRMR, JMI, CMIM; :mod:`mutinfo.selection_dask`) is one such
  reduction for the relevance I(X_j; Y), then one per selection step: the tables
  (X_j, X_s, Y) of every candidate j against the feature s just chosen (broadcast to
  every task as its index), reduced over partitions. K features cost K passes over
  the data.
* **Continuous (k-NN) MI** cannot be reduced over partitions: a sample's neighbours
  may sit in any partition. Each pair is one task on one worker, which receives both
  whole columns (assembled once per column from its partitions). Memory per task:
  about ``n * 8 bytes * 2`` for the two columns plus about ``n * 100 bytes`` for the
  prepared, sorted copies and the k-d tree of the pair. The value equals the
  in-memory :func:`mutinfo.pairwise` with the same ``random_state`` (the tie-breaking
  noise is drawn column after column from the same stream, in a chain of small tasks).
  A method whose shared ``pairwise`` hook is not KSG's (the copula route that
  ``method="auto"`` takes for continuous pairs) runs its hook as one task holding the
  continuous columns it covers (n x 8 bytes per column).

What does not scale: one continuous pair whose ``n * KNN_BYTES_PER_ROW`` bytes (112
per row) exceed half of the smallest worker memory limit. That raises a DataError,
unless ``max_rows=`` is given: then every k-NN pair is estimated on one uniform random
subsample of ``max_rows`` rows without replacement (the same rows for all pairs:
``max_rows`` row numbers drawn on the client from ``random_state``, the rows taken on
the workers). The value is the estimator's value at sample size ``max_rows``, with
the bias of that sample size; its sampling error shrinks like ``1 / sqrt(max_rows)``,
and ``mutinfo.estimate`` on the subsample of one pair gives a bootstrap interval.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from . import _registry
from ._errors import DataError, MutualInfoWarning, UnsupportedDataError, param_error
from ._validation import (
    AUTO_DISCRETE_MAX_VALUES,
    AUTO_DISCRETE_MIN_PER_VALUE,
    _missing_error,
    check_nan_policy,
    read_input,
    resolve_base,
    resolve_rng,
)

__all__ = ["is_dask_collection", "pairwise", "value", "count_tables", "MAX_STATES", "SPLIT_EVERY", "BLOCK_CELLS", "KNN_BYTES_PER_ROW"]

# Largest alphabet of one discrete column counted on the cluster (its sorted values are broadcast).
MAX_STATES = 1 << 16
# Largest number of cells in the count tables of one block of column pairs (int64: 8 bytes each).
BLOCK_CELLS = 1 << 22
# Fan-in of the tree reductions.
SPLIT_EVERY = 8
# Bytes per row of one k-NN pair task: two columns, their prepared and sorted copies, the tree.
KNN_BYTES_PER_ROW = 8 * 14


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection (DataFrame, Series, Array), told by its module without importing Dask."""
    module = type(obj).__module__ or ""
    return module == "dask" or module.startswith("dask.")


# ---------------------------------------------------------------------------
# Collections as aligned lists of partitions.


class _Frame:
    """A Dask collection as a list of delayed partitions (pandas DataFrames or 2-D arrays) and column labels."""

    def __init__(self, obj: Any, name: str) -> None:
        import dask.array as da

        self.name = name
        if isinstance(obj, da.Array):
            if obj.ndim == 1:
                obj = obj[:, None]
            if obj.ndim != 2:
                raise DataError(f"{name} must be a Dask array of shape (n,) or (n, p). Got shape {obj.shape}.")
            obj = obj.rechunk({1: -1})
            self.parts = list(obj.to_delayed()[:, 0])
            self.labels = [f"{name}[{j}]" for j in range(obj.shape[1])]
            self.lengths = [int(c) for c in obj.chunks[0]] if not any(math.isnan(c) for c in obj.chunks[0]) else None
        elif hasattr(obj, "columns"):
            self.parts = list(obj.to_delayed())
            self.labels = [str(c) for c in obj.columns]
            self.lengths = None
        elif hasattr(obj, "to_frame"):
            label = str(obj.name) if obj.name is not None else f"{name}[0]"
            self.parts = list(obj.to_frame().to_delayed())
            self.labels = [label]
            self.lengths = None
        else:
            raise UnsupportedDataError(f"{name} is a Dask collection of type {type(obj).__name__}; pass a Dask DataFrame, Series or Array.")

    @property
    def n_columns(self) -> int:
        return len(self.labels)


def _part_column(part: Any, j: int) -> Any:
    if getattr(part, "ndim", 2) == 1:
        return part
    return part.iloc[:, j] if hasattr(part, "iloc") else part[:, j]


def _read_column(part: Any, j: int, label: str) -> tuple[str, np.ndarray, np.ndarray | None]:
    """One column of one partition: its kind, values (original labels for kind "other") and missing mask."""
    col = _part_column(part, j)
    raw = read_input(col, label, "omit")
    missing = None if raw.missing is None else raw.missing[:, 0]
    if raw.kind == "other":
        values = np.asarray(col.to_numpy() if hasattr(col, "to_numpy") else col, dtype=object)
    else:
        values = raw.data[:, 0]
    return raw.kind, values, missing


def _scan_part(part: Any, labels: list[str], want: list[bool], cap: int) -> dict[str, Any]:
    """Per-column summary of one partition: kind, missing rows, observed values (up to ``cap``)."""
    n = len(part)
    out: dict[str, Any] = {"n": n, "kinds": [None] * len(labels), "missing": [0] * len(labels), "rows": [np.zeros(0, np.int64)] * len(labels), "values": [None] * len(labels)}
    if n == 0:
        out["values"] = [np.zeros(0) if w else None for w in want]
        return out
    for j, label in enumerate(labels):
        kind, values, missing = _read_column(part, j, label)
        out["kinds"][j] = kind
        if missing is not None and missing.any():
            rows = np.flatnonzero(missing)
            out["missing"][j] = int(rows.shape[0])
            out["rows"][j] = rows[:20]
            values = values[~missing]
        if want[j]:
            uniq = _unique(values, kind)
            out["values"][j] = uniq if uniq.shape[0] <= cap else "many"
    return out


def _unique(values: np.ndarray, kind: str) -> np.ndarray:
    """Sorted distinct values; small non-negative integers by one bincount instead of a sort."""
    if kind == "int" and values.shape[0] and values.dtype.kind in "iu":
        lo, hi = int(values.min()), int(values.max())
        if lo >= 0 and hi < MAX_STATES:
            return np.flatnonzero(np.bincount(values, minlength=hi + 1)).astype(values.dtype)
    return np.unique(values)


def _merge_scans(*scans: dict[str, Any]) -> dict[str, Any]:
    """Scans of consecutive partitions merged in order (row numbers shifted by the rows before)."""
    out = {"n": 0, "kinds": list(scans[0]["kinds"]), "missing": [0] * len(scans[0]["kinds"]), "rows": [np.zeros(0, np.int64)] * len(scans[0]["kinds"]), "values": list(scans[0]["values"])}
    offset = 0
    for k, s in enumerate(scans):
        for j in range(len(out["kinds"])):
            if out["kinds"][j] is None:
                out["kinds"][j] = s["kinds"][j]
            out["missing"][j] += s["missing"][j]
            if out["rows"][j].shape[0] < 20 and s["rows"][j].shape[0]:
                out["rows"][j] = np.concatenate([out["rows"][j], s["rows"][j] + offset])[:20]
            if k:
                a, b = out["values"][j], s["values"][j]
                if a is None:
                    continue
                if isinstance(a, str) or isinstance(b, str):
                    out["values"][j] = "many"
                else:
                    merged = np.union1d(a, b) if a.shape[0] and b.shape[0] else (a if b.shape[0] == 0 else b)
                    out["values"][j] = merged if merged.shape[0] <= MAX_STATES else "many"
        offset += s["n"]
        out["n"] += s["n"]
    out["lengths"] = [length for s in scans for length in s["lengths"]]
    return out


def _tree(items: list[Any], combine: Any, split_every: int = SPLIT_EVERY) -> Any:
    """A delayed tree reduction of ``items`` (order kept) with ``combine(*chunk)``."""
    import dask

    level = list(items)
    fn = dask.delayed(combine, pure=True)
    while len(level) > 1:
        level = [fn(*level[i : i + split_every]) if len(level[i : i + split_every]) > 1 else level[i] for i in range(0, len(level), split_every)]
    return level[0]


def _compute(*objs: Any) -> Any:
    import dask

    return dask.compute(*objs)


def _shared(obj: Any) -> Any:
    """``obj`` as one node of the graph, which every task of a pass references by key.

    The arguments common to all partitions of a pass (columns, alphabets, pairs) are then
    sent once, not once per task: a 200-column matrix over 400 partitions is a graph of
    about 1 MB, not 50 MB.
    """
    import dask

    return dask.delayed(obj, pure=True, traverse=False)


def _with_spec(fn: Any, parts: list[Any], spec: tuple[Any, ...]) -> Any:
    """``fn(parts, *spec)``: a per-partition task whose shared arguments arrive as one node."""
    return fn(parts, *spec)


def _check_aligned(frames: Sequence[_Frame]) -> None:
    counts = {len(f.parts) for f in frames}
    if len(counts) > 1:
        got = " and ".join(f"{len(f.parts)} ({f.name})" for f in frames)
        raise DataError(f"Dask inputs must have the same partitions (rows split the same way). Got partition counts {got}; repartition one to match the other.")


# ---------------------------------------------------------------------------
# Scan: kinds, missing values, alphabets.


class _Scan:
    def __init__(self, merged: dict[str, Any], labels: list[str], part_lengths: list[int]) -> None:
        self.n = merged["n"]
        self.kinds = merged["kinds"]
        self.missing = merged["missing"]
        self.rows = merged["rows"]
        self.values = merged["values"]
        self.labels = labels
        self.part_lengths = part_lengths

    def raise_missing(self, func: str) -> None:
        for j, count in enumerate(self.missing):
            if count:
                raise _missing_error(self.labels[j], {"NaN"} if self.kinds[j] == "float" else {"None", "pd.NA"}, self.rows[j])

    def few_values(self, j: int) -> bool:
        """The few-values rule of ``discrete="auto"`` for float column j (on its complete rows)."""
        n = self.n - self.missing[j]
        limit = min(AUTO_DISCRETE_MAX_VALUES, n // AUTO_DISCRETE_MIN_PER_VALUE)
        v = self.values[j]
        return limit >= 1 and v is not None and not isinstance(v, str) and v.shape[0] <= limit


def _scan(frames: Sequence[_Frame], want: Sequence[bool]) -> _Scan:
    """One pass over the data: per column kind, missing count and rows, and alphabet where wanted."""
    import dask

    labels = [label for f in frames for label in f.labels]
    scan = dask.delayed(_scan_joined, pure=True)
    per_part = [scan([f.parts[i] for f in frames], [f.labels for f in frames], list(want), MAX_STATES) for i in range(len(frames[0].parts))]
    # Partition lengths come back inside the scan: a separate len() task per partition would
    # make the scheduler hold partitions for two consumers (measured: 0.94 GB per worker
    # instead of 0.26 GB at 1e7 rows x 201 columns).
    (merged,) = _compute(_tree(per_part, _merge_scans))
    return _Scan(merged, labels, list(merged["lengths"]))


def _scan_joined(parts: list[Any], labels: list[list[str]], want: list[bool], cap: int) -> dict[str, Any]:
    lengths = {len(p) for p in parts}
    if len(lengths) > 1:
        raise DataError(f"Dask inputs have partitions of different lengths ({sorted(lengths)}) at the same position; align their partitions (repartition or rechunk).")
    out = None
    pos = 0
    for part, labs in zip(parts, labels):
        s = _scan_part(part, labs, want[pos : pos + len(labs)], cap)
        pos += len(labs)
        if out is None:
            out = s
        else:
            for key in ("kinds", "missing", "rows", "values"):
                out[key] = out[key] + s[key]
    out["lengths"] = [out["n"]]
    return out


# ---------------------------------------------------------------------------
# Count tables of column pairs, reduced over partitions.


def _identity(alphabet: np.ndarray) -> bool:
    """Whether an alphabet is 0, 1, ..., k - 1, so that values are their own codes."""
    k = alphabet.shape[0]
    return bool(k) and alphabet.dtype.kind in "iub" and alphabet[0] == 0 and alphabet[-1] == k - 1


def code_matrix(parts: list[Any], columns: list[tuple[int, int, str]], alphabets: list[np.ndarray]) -> np.ndarray:
    """Codes (rows, len(columns)) of the given columns of one partition against their alphabets; -1 where missing.

    Integer columns whose alphabet is 0..k-1 are their own codes; such columns of an
    integer NumPy partition are copied in one gather.
    """
    n = len(parts[columns[0][0]]) if columns else 0
    out = np.empty((n, len(columns)), dtype=np.int64)
    gather: dict[int, list[int]] = {}  # partition -> positions of its identity-coded columns, when it is an integer array
    for t, ((f, j, label), alphabet) in enumerate(zip(columns, alphabets)):
        part = parts[f]
        if isinstance(part, np.ndarray) and part.ndim in (1, 2) and part.dtype.kind in "iub" and _identity(alphabet):
            gather.setdefault(f, []).append(t)
            continue
        kind, values, missing = _read_column(part, j, label)
        if kind in ("int", "bool") and _identity(alphabet):
            out[:, t] = values
        else:
            out[:, t] = np.searchsorted(alphabet, values)
        if missing is not None:
            out[missing, t] = -1
    for f, positions in gather.items():
        part = parts[f] if parts[f].ndim == 2 else parts[f][:, None]
        out[:, positions] = part[:, [columns[t][1] for t in positions]]
    return out


# One-hot products count all pairs of a block at once when the block is dense in pairs and
# its one-hot width (sum of alphabet sizes) is at most this; rows go in blocks of at most
# ONE_HOT_ENTRIES float32 cells (counts stay below 2**24, exact in float32).
ONE_HOT_MAX_WIDTH = 4096
ONE_HOT_ENTRIES = 1 << 23


def _one_hot(rows: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The one-hot rows (r, width) of codes ``rows`` (r, m) written into ``out``'s first r rows."""
    r = rows.shape[0]
    one_hot = out[:r]
    one_hot.fill(0.0)
    one_hot[np.arange(r)[:, None], rows + offsets[None, :]] = 1.0
    return one_hot


def _one_hot_counts(codes_a: np.ndarray, sizes_a: np.ndarray, codes_b: np.ndarray | None = None, sizes_b: np.ndarray | None = None) -> np.ndarray:
    """Count tables of every column of A with every column of B at once: ``O_A^T O_B`` (B = A when omitted).

    ``O`` is the one-hot matrix of the codes (n, sum(sizes)); entry ``[off_a + u, off_b + v]``
    counts the rows with code u in column a of A and v in column b of B (``off`` the
    cumulative sizes). Exact: float32 sums of at most 2**23 ones per product, accumulated
    in int64.
    """
    same = codes_b is None
    n = codes_a.shape[0]
    off_a = np.concatenate([[0], np.cumsum(sizes_a)[:-1]]).astype(np.int64)
    wa = int(sizes_a.sum())
    if not same:
        off_b = np.concatenate([[0], np.cumsum(sizes_b)[:-1]]).astype(np.int64)
        wb = int(sizes_b.sum())
    step = max(1, min(ONE_HOT_ENTRIES // max(wa + (0 if same else wb), 1), 1 << 23))
    total = np.zeros((wa, wa if same else wb), dtype=np.int64)
    buf_a = np.zeros((min(step, n), wa), dtype=np.float32)
    buf_b = None if same else np.zeros((min(step, n), wb), dtype=np.float32)
    for start in range(0, n, step):
        oa = _one_hot(codes_a[start : start + step], off_a, buf_a)
        ob = oa if same else _one_hot(codes_b[start : start + step], off_b, buf_b)
        total += np.rint(oa.T @ ob).astype(np.int64)
    return total


def _pair_tables(parts: list[Any], columns: list[tuple[int, int, str]], alphabets: list[np.ndarray], pairs: list[tuple[int, int]]) -> list[np.ndarray]:
    """Count tables of the given pairs (a, b) of columns over one partition; a == b gives the 1-D counts.

    ``columns[c] = (input index, column index, label)`` locates column c; ``pairs``
    index into ``columns``. Rows missing in either column of a pair are left out.
    Without missing values, a block dense in pairs (a tile of an MI matrix: at least a
    quarter of all (first, second) combinations, at least 8 columns on each side) is
    counted by one one-hot matrix product, and pairs sharing their first column by one
    bincount.
    """
    needed = sorted({c for pair in pairs for c in pair})
    where = {c: t for t, c in enumerate(needed)}
    codes = code_matrix(parts, [columns[c] for c in needed], [alphabets[c] for c in needed])
    complete = not (codes < 0).any()
    size = {c: alphabets[c].shape[0] for c in needed}
    found: dict[tuple[int, int], np.ndarray] = {}
    firsts = sorted({a for a, _ in pairs})
    seconds = sorted({b for _, b in pairs})
    dense = (
        len(firsts) >= 8
        and len(seconds) >= 8
        and 4 * len(pairs) >= len(firsts) * len(seconds)
        and sum(size[c] for c in firsts) <= ONE_HOT_MAX_WIDTH
        and sum(size[c] for c in seconds) <= ONE_HOT_MAX_WIDTH
    )
    if complete and dense:
        same = firsts == seconds
        left = firsts if same else sorted(set(firsts) | {a for a, b in pairs if a == b})
        right = left if same else sorted(set(seconds) | {b for a, b in pairs if a == b})
        sizes_l = np.array([size[c] for c in left], dtype=np.int64)
        sizes_r = np.array([size[c] for c in right], dtype=np.int64)
        codes_l = codes[:, [where[c] for c in left]]
        counts = _one_hot_counts(codes_l, sizes_l) if same else _one_hot_counts(codes_l, sizes_l, codes[:, [where[c] for c in right]], sizes_r)
        off_l = dict(zip(left, np.concatenate([[0], np.cumsum(sizes_l)[:-1]])))
        off_r = dict(zip(right, np.concatenate([[0], np.cumsum(sizes_r)[:-1]])))
        for a, b in pairs:
            oa, ob, ka, kb = off_l[a], off_r[b], size[a], size[b]
            if a == b:
                found[(a, b)] = np.diagonal(counts[oa : oa + ka, ob : ob + kb]).copy()
            else:
                found[(a, b)] = counts[oa : oa + ka, ob : ob + kb].copy()
    elif complete:
        # Pairs sharing a column (the side with fewer distinct columns): one bincount over a
        # (rows x m) block of joint codes per shared column.
        by_second = len(seconds) < len(firsts)
        shared: dict[int, list[int]] = {}
        for a, b in pairs:
            if a != b:
                shared.setdefault(b if by_second else a, []).append(a if by_second else b)
        for s, others in shared.items():
            ks = size[s]
            ko = max(size[o] for o in others)
            mo = len(others)
            offsets = (np.arange(mo) * ks * ko)[None, :]
            counts = np.zeros(mo * ks * ko, dtype=np.int64)
            co = codes[:, [where[o] for o in others]]
            cs = codes[:, where[s]] * ko
            step = max(1, (1 << 22) // mo)
            for start in range(0, cs.shape[0], step):
                joint = co[start : start + step] + cs[start : start + step, None] + offsets
                counts += np.bincount(joint.ravel(), minlength=mo * ks * ko)
            counts = counts.reshape(mo, ks, ko)
            for t, o in enumerate(others):
                table = counts[t, :, : size[o]]  # rows: the shared column's codes
                found[(o, s) if by_second else (s, o)] = (table.T if by_second else table).copy()
    out = []
    for a, b in pairs:
        if (a, b) in found:
            out.append(found[(a, b)])
            continue
        ka, kb = alphabets[a].shape[0], alphabets[b].shape[0]
        ca, cb = codes[:, where[a]], codes[:, where[b]]
        if a == b:
            valid = ca[ca >= 0]
            out.append(np.bincount(valid, minlength=ka).astype(np.int64))
            continue
        joint = ca * kb + cb
        if (ca < 0).any() or (cb < 0).any():
            joint = joint[(ca >= 0) & (cb >= 0)]
        out.append(np.bincount(joint, minlength=ka * kb).reshape(ka, kb).astype(np.int64))
    return out


def _packed_tables(parts: list[Any], columns: list[tuple[int, int, str]], alphabets: list[np.ndarray], pairs: list[tuple[int, int]]) -> np.ndarray:
    """The tables of :func:`_pair_tables` as one flat array, pair after pair (int32: a partition has < 2**31 rows).

    One contiguous array per partition (not one small array per pair) keeps the partial
    results of a 200-column matrix at 5 MB, cheap to send and to add.
    """
    tables = _pair_tables(parts, columns, alphabets, pairs)
    if not tables:
        return np.zeros(0, dtype=np.int32)
    flat = np.concatenate([t.reshape(-1) for t in tables])
    return flat.astype(np.int32) if flat.shape[0] and flat.max() < 2**31 else flat


def _sum_tables(*flats: np.ndarray) -> np.ndarray:
    """Packed tables added cell by cell, in int64."""
    out = flats[0].astype(np.int64)
    for other in flats[1:]:
        out += other
    return out


def _unpack(flat: np.ndarray, pairs: list[tuple[int, int]], alphabets: list[np.ndarray]) -> list[np.ndarray]:
    """Packed tables back to one int64 array per pair: (k_a,) for a == b, else (k_a, k_b)."""
    shapes = [(alphabets[a].shape[0],) if a == b else (alphabets[a].shape[0], alphabets[b].shape[0]) for a, b in pairs]
    ends = np.cumsum([int(np.prod(s)) for s in shapes])
    return [flat[end - int(np.prod(shape)) : end].astype(np.int64).reshape(shape) for shape, end in zip(shapes, ends)]


def _blocks(pairs: list[tuple[int, int]], alphabets: list[np.ndarray]) -> list[list[tuple[int, int]]]:
    """Pairs grouped into blocks, each one reduction: tiles of column groups, each tile at most BLOCK_CELLS cells.

    Columns go, in order, into groups of one-hot width at most ``ONE_HOT_MAX_WIDTH / 2``
    (256 columns of 8 levels); the pairs of two groups form a tile, whose tables have at
    most ``(ONE_HOT_MAX_WIDTH / 2) ** 2`` = BLOCK_CELLS cells and are counted by one
    one-hot product. A 1000-column matrix of 8-level columns is 10 tiles of 256 x 256
    columns (and the 4 diagonal tiles), not a million reductions.
    """
    group: dict[int, int] = {}
    g, width = 0, 0
    for c in sorted({c for pair in pairs for c in pair}):
        k = alphabets[c].shape[0]
        if width and width + k > ONE_HOT_MAX_WIDTH // 2:
            g, width = g + 1, 0
        group[c] = g
        width += k
    tiles: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, b in pairs:
        tiles.setdefault((group[a], group[b]), []).append((a, b))
    blocks = []
    for tile in tiles.values():
        current, cells = [], 0
        for a, b in tile:  # a tile of very wide alphabets is split further
            size = alphabets[a].shape[0] * (1 if a == b else alphabets[b].shape[0])
            if current and cells + size > BLOCK_CELLS:
                blocks.append(current)
                current, cells = [], 0
            current.append((a, b))
            cells += size
        if current:
            blocks.append(current)
    return blocks


def count_tables(frames: Sequence[_Frame], columns: list[tuple[int, int, str]], alphabets: list[np.ndarray], pairs: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
    """The count table of every pair, each block of pairs one tree reduction over partitions, all in one graph."""
    import dask

    count = dask.delayed(_with_spec, pure=True)
    n_parts = len(frames[0].parts)
    reduced = []
    blocks = _blocks(pairs, alphabets)
    for block in blocks:
        # Each task gets only the columns its block needs, so alphabets travel per block.
        used = sorted({c for pair in block for c in pair})
        local = {c: i for i, c in enumerate(used)}
        cols = [columns[c] for c in used]
        alph = [alphabets[c] for c in used]
        lp = [(local[a], local[b]) for a, b in block]
        spec = _shared((cols, alph, lp))
        per_part = [count(_packed_tables, [f.parts[i] for f in frames], spec) for i in range(n_parts)]
        reduced.append(_tree(per_part, _sum_tables))
    results = _compute(*reduced)
    return {pair: table for block, flat in zip(blocks, results) for pair, table in zip(block, _unpack(flat, block, alphabets))}


def table_value(quantity: str, counts: np.ndarray, method: Any, func: str, params: dict[str, Any], k: Any) -> float:
    """The quantity (nats) from a dense count table, by the estimator ``method`` (or the one "auto" picks)."""
    from ._api import _check_params
    from .estimators.discrete import Table

    n = int(counts.sum())
    if n == 0:
        raise DataError(f"{func}: no complete row is left for this pair of columns.")
    cells = np.flatnonzero(counts)
    states = np.unravel_index(cells, counts.shape)
    table = Table(counts.reshape(-1)[cells].astype(np.int64), tuple(np.asarray(s, dtype=np.int64) for s in states), (0,) * counts.ndim)
    if isinstance(method, str) and method == "auto":
        name, _ = _registry.auto_method(quantity, (True,) * counts.ndim, (1,) * counts.ndim, n, table.n_cells)
    else:
        name = method
    info = _registry.get_method(name, func)
    estimator = info.load()
    if not hasattr(estimator, "evaluate"):
        raise UnsupportedDataError(f"method={info.name!r} is not a discrete estimator computed from a count table; the Dask back-end counts tables for discrete data.")
    checked = _check_params(func, info.name, estimator, params, k, n)
    return float(estimator.evaluate(quantity, table, table.counts[None, :], checked)[0])


# ---------------------------------------------------------------------------
# Data kinds, as the in-memory path decides them.


def _kind_flags(scan: _Scan, discrete: Any, method: Any, func: str) -> tuple[list[bool], list[bool]]:
    """For each column: discrete in a pair (as mutual_information decides), discrete on the diagonal (as pairwise does)."""
    is_auto = isinstance(method, str) and method == "auto"
    pair, diag = [], []
    info = None if is_auto else _registry.get_method(method, func)
    for j, kind in enumerate(scan.kinds):
        dtype_rule = kind != "float"
        if not isinstance(discrete, str):
            pair.append(bool(discrete))
            diag.append(bool(discrete))
            continue
        auto = (dtype_rule or scan.few_values(j)) if is_auto else dtype_rule
        diag.append(auto)
        if is_auto:
            pair.append(auto)
        else:
            both = ("discrete" in info.data or "mixed" in info.data) and ("continuous" in info.data or "mixed" in info.data)
            pair.append(dtype_rule if both else ("discrete" in info.data or "mixed" in info.data))
    return pair, diag


def _alphabet(scan: _Scan, c: int, func: str) -> np.ndarray:
    values = scan.values[c]
    if values is None or isinstance(values, str):
        raise UnsupportedDataError(
            f"{func} on Dask data: {scan.labels[c]} is treated as discrete but holds more than {MAX_STATES} distinct values; "
            "the Dask back-end counts tables of at most that many states per column. Bin it first, or pass discrete=False."
        )
    return values


# ---------------------------------------------------------------------------
# Whole columns for pair tasks (k-NN and other continuous methods).


def _concat(*pieces: Any) -> Any:
    if pieces and hasattr(pieces[0], "iloc"):
        import pandas as pd

        return pd.concat(pieces, ignore_index=True)
    return np.concatenate(pieces)


def _whole_columns(frames: Sequence[_Frame], columns: list[tuple[int, int, str]], which: Sequence[int], rows: Any = None) -> dict[int, Any]:
    """Delayed whole columns (each assembled from its partitions on one worker), optionally subsampled."""
    import dask

    take = dask.delayed(_take_column, pure=True)
    concat = dask.delayed(_concat, pure=True)
    out = {}
    for c in which:
        f, j, _ = columns[c]
        pieces = [take(frames[f].parts[i], j, None if rows is None else rows[i]) for i in range(len(frames[f].parts))]
        out[c] = concat(*pieces)
    return out


def _take_column(part: Any, j: int, rows: Any) -> Any:
    col = _part_column(part, j)
    if rows is None:
        return col
    return col.iloc[rows] if hasattr(col, "iloc") else col[rows]


def _pair_mi(a: Any, b: Any, method: Any, discrete: Any, base: Any, k: Any, seed: int, nan_policy: str, params: dict[str, Any]) -> float:
    from ._api import mutual_information

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        return mutual_information(a, b, method=method, discrete=discrete, base=base, k=k, random_state=seed, nan_policy=nan_policy, **params)


def _has_ties(col: Any) -> bool:
    data = np.sort(np.asarray(col, dtype=np.float64))
    return bool(data.shape[0] > 1 and (data[1:] == data[:-1]).any())


def _knn_prepare(col: Any, rng: np.random.Generator, label: str, estimator: Any, transform: str, noise: float) -> tuple[Any, np.random.Generator]:
    """One column prepared as the in-memory KSG ``pairwise`` hook does, and the noise stream after it."""
    from ._validation import Variable
    from .estimators.knn import SortedColumn, prepare_columns

    data = np.asarray(col, dtype=np.float64).reshape(-1, 1)
    rng = _copy_rng(rng)
    prepared = prepare_columns(data, transform=transform, noise=noise, rng=rng)
    constant = estimator._informative(Variable(label, data, False, 0)) is None
    return (SortedColumn.of(prepared[:, 0]), constant), rng


def _hook_block(cols: list[Any], labels: list[str], nx: int, symmetric: bool, estimator: Any, rng: np.random.Generator, params: dict[str, Any]) -> tuple[Any, np.random.Generator]:
    """The estimator's ``pairwise`` hook on whole columns, as ``mutinfo._api._shared_pairwise`` calls it."""
    from ._validation import Variable

    variables = [Variable(label, np.asarray(col, dtype=np.float64).reshape(-1, 1), False, 0) for col, label in zip(cols, labels)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MutualInfoWarning)
        block = estimator.pairwise(variables[:nx], None if symmetric else variables[nx:], rng=rng, params=params, show_progress=False)
    return block, rng


def _copy_rng(rng: np.random.Generator) -> np.random.Generator:
    out = np.random.Generator(type(rng.bit_generator)())
    out.bit_generator.state = rng.bit_generator.state
    return out


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _second(pair: tuple[Any, Any]) -> Any:
    return pair[1]


def _knn_pair(a: tuple[Any, bool], b: tuple[Any, bool], k: int, variant: int) -> float:
    from .estimators.knn import ScipySearch, ksg_pair_1d

    if a[1] or b[1]:
        return 0.0
    return ksg_pair_1d(a[0], b[0], k, variant, ScipySearch())


def _worker_memory() -> int | None:
    """The smallest memory limit of the active client's workers, or None without a client or limit."""
    try:
        from distributed import get_client

        client = get_client()
    except Exception:
        return None
    limits = [w.get("memory_limit") for w in client.scheduler_info().get("workers", {}).values()]
    limits = [int(m) for m in limits if m]
    return min(limits) if limits else None


def _subsample_rows(frames: Sequence[_Frame], max_rows: int, rng: np.random.Generator, n: int, part_lengths: list[int]) -> list[np.ndarray]:
    """Row positions per partition of a uniform subsample of ``max_rows`` of the ``n`` rows (drawn here: indices only)."""
    chosen = np.sort(rng.choice(n, size=max_rows, replace=False))
    bounds = np.concatenate([[0], np.cumsum(part_lengths)])
    return [chosen[(chosen >= lo) & (chosen < hi)] - lo for lo, hi in zip(bounds[:-1], bounds[1:])]


# ---------------------------------------------------------------------------
# Public entry points (called by mutinfo._api and mutinfo.selection).


def pairwise(
    X: Any,
    Y: Any,
    *,
    method: Any,
    discrete: Any,
    base: Any,
    k: Any,
    random_state: Any,
    nan_policy: str,
    params: dict[str, Any],
    max_rows: Any = None,
) -> np.ndarray:
    """:func:`mutinfo.pairwise` of Dask collections: the same matrix, computed on the workers."""
    import dask

    func = "pairwise"
    divisor = resolve_base(base, func)[0]
    nan_policy = check_nan_policy(func, nan_policy)
    if max_rows is not None and (not isinstance(max_rows, (int, np.integer)) or isinstance(max_rows, bool) or max_rows < 2):
        raise param_error(func, "max_rows", "None or an int >= 2", max_rows)
    symmetric = Y is None
    frames = [_Frame(X, "X")] + ([] if symmetric else [_Frame(Y, "Y")])
    _check_aligned(frames)
    columns = [(f, j, label) for f, fr in enumerate(frames) for j, label in enumerate(fr.labels)]
    p = frames[0].n_columns
    q = p if symmetric else frames[1].n_columns
    xs = list(range(p))
    ys = xs if symmetric else list(range(p, p + q))
    want = [not (discrete is False) for _ in columns]
    scan = _scan(frames, want)
    if nan_policy == "raise":
        scan.raise_missing(func)
    rng = resolve_rng(random_state, func)
    pair_kind, diag_kind = _kind_flags(scan, discrete, method, func)
    out = np.empty((p, q))
    done = np.zeros((p, q), dtype=bool)

    # The block the in-memory k-NN hook computes (same conditions, same noise stream).
    shared = _shared_block(frames, columns, scan, xs, None if symmetric else ys, method, discrete, k, rng, params, max_rows)
    if shared is not None:
        xi, yi, block = shared
        out[np.ix_(xi, yi)] = block / divisor
        done[np.ix_(xi, yi)] = True

    pairs = [(i, j) for i in range(p) for j in range(q) if (not symmetric or j >= i) and not done[i, j]]
    seeds = rng.integers(0, 2**63 - 1, size=len(pairs))
    table_pairs, task_pairs = [], []
    for (i, j), seed in zip(pairs, seeds):
        a, b = xs[i], ys[j]
        if symmetric and i == j:
            if diag_kind[a]:
                table_pairs.append((i, j, a, a, None))
            else:
                out[i, i] = math.inf
            continue
        if pair_kind[a] and pair_kind[b]:
            table_pairs.append((i, j, a, b, None))
        else:
            task_pairs.append((i, j, a, b, int(seed)))

    graph: dict[tuple[int, int], Any] = {}
    if task_pairs:
        needed = sorted({c for _, _, a, b, _ in task_pairs for c in (a, b)})
        rows = _check_pair_memory(frames, scan, max_rows, rng, func)
        if rows is not None:
            warnings.warn(
                f"pairwise estimated the {len(task_pairs)} pair(s) with a continuous column on a uniform random subsample of "
                f"{max_rows} of the {scan.n} rows (max_rows={max_rows}); discrete pairs use every row.",
                MutualInfoWarning,
                stacklevel=3,
            )
        whole = _whole_columns(frames, columns, needed, rows)
        task = dask.delayed(_pair_mi, pure=True)
        for i, j, a, b, seed in task_pairs:
            graph[(i, j)] = task(whole[a], whole[b], method, discrete, base, k, seed, nan_policy, params)
    alphabets = {c: _alphabet(scan, c, func) for _, _, a, b, _ in table_pairs for c in (a, b)}
    tables = {}
    if table_pairs:
        cols = sorted(alphabets)
        local = {c: t for t, c in enumerate(cols)}
        tables = _count_and_compute(frames, [columns[c] for c in cols], [alphabets[c] for c in cols], [(local[a], local[b]) for _, _, a, b, _ in table_pairs], graph)
        for (i, j, a, b, _), counts in zip(table_pairs, tables["tables"]):
            quantity = "entropy" if a == b and symmetric and i == j else "mi"
            nats = table_value(quantity, counts, method, func if quantity == "mi" else "entropy", params, k)
            out[i, j] = nats / divisor
            if symmetric:
                out[j, i] = out[i, j]
        computed = tables["tasks"]
    else:
        computed = dict(zip(graph, _compute(*graph.values()))) if graph else {}
    for (i, j), v in computed.items():
        out[i, j] = v
        if symmetric:
            out[j, i] = v
    if nan_policy == "omit" and any(scan.missing):
        # Exact for pairs counted in a table (rows left out of it), a bound (the sum) for pairs run as tasks.
        worst = max(scan.missing[a] if a == b else min(scan.n, scan.missing[a] + scan.missing[b]) for _, _, a, b, _ in task_pairs) if task_pairs else 0
        if table_pairs:
            worst = max(worst, max(scan.n - int(t.sum()) for t in tables["tables"]))
        warnings.warn(
            f"nan_policy='omit' dropped rows with a missing value pair by pair: up to {worst} "
            "rows for one pair of columns; each entry uses the rows complete in its own pair.",
            MutualInfoWarning,
            stacklevel=3,
        )
    return _labelled(out, X, Y, frames)


def _labelled(out: np.ndarray, X: Any, Y: Any, frames: Sequence[_Frame]) -> Any:
    """As in memory: a Dask DataFrame or Series in gives a pandas object labelled by column names."""
    import dask.array as da

    if not any(v is not None and not isinstance(v, da.Array) for v in (X, Y)):
        return out
    import pandas as pd

    rows = frames[0].labels
    cols = rows if Y is None else frames[1].labels
    if Y is not None and (getattr(Y, "ndim", 2) == 1):
        return pd.Series(out[:, 0], index=rows, name=cols[0])
    return pd.DataFrame(out, index=rows, columns=cols)


def _count_and_compute(frames, columns, alphabets, pairs, graph) -> dict[str, Any]:
    """Count tables of ``pairs`` and compute the delayed pair tasks of ``graph`` in one call (one graph)."""
    import dask

    count = dask.delayed(_with_spec, pure=True)
    n_parts = len(frames[0].parts)
    unique_pairs = list(dict.fromkeys(pairs))
    blocks = _blocks(unique_pairs, alphabets)
    reduced = []
    for block in blocks:
        used = sorted({c for pair in block for c in pair})
        local = {c: i for i, c in enumerate(used)}
        spec = _shared(([columns[c] for c in used], [alphabets[c] for c in used], [(local[a], local[b]) for a, b in block]))
        per_part = [count(_packed_tables, [f.parts[i] for f in frames], spec) for i in range(n_parts)]
        reduced.append(_tree(per_part, _sum_tables))
    keys = list(graph)
    results = _compute(*reduced, *graph.values())
    by_pair = {pair: t for block, flat in zip(blocks, results[: len(blocks)]) for pair, t in zip(block, _unpack(flat, block, alphabets))}
    return {"tables": [by_pair[pr] for pr in pairs], "tasks": dict(zip(keys, results[len(blocks) :]))}


def _check_pair_memory(frames: Sequence[_Frame], scan: _Scan, max_rows: Any, rng: np.random.Generator, func: str) -> Any:
    """Row subsample for pair tasks when ``max_rows`` asks for one; a DataError when a pair cannot fit one worker."""
    n = scan.n
    if max_rows is not None:
        if n <= max_rows:
            return None
        return _subsample_rows(frames, int(max_rows), np.random.default_rng(rng.integers(0, 2**63 - 1)), n, scan.part_lengths)
    limit = _worker_memory()
    need = n * KNN_BYTES_PER_ROW
    if limit is not None and need > limit // 2:
        raise DataError(
            f"{func} on Dask data: one continuous pair of columns needs about {need / 2**30:.2f} GiB on one worker "
            f"({n} rows x {KNN_BYTES_PER_ROW} bytes), over half the smallest worker memory limit ({limit / 2**30:.2f} GiB): "
            "a k-NN estimate needs all rows of the pair in one place. Pass max_rows= to estimate each pair on a uniform "
            "subsample of that many rows, or use workers with more memory."
        )
    return None


def _shared_block(frames, columns, scan, xs, ys, method, discrete, k, rng, params, max_rows) -> tuple[list[int], list[int], np.ndarray] | None:
    """The k-NN block of the matrix, as ``mutinfo._api._shared_pairwise`` gives it in memory (None: pair by pair)."""
    import dask

    from ._api import _check_params

    func = "pairwise"
    if discrete is True or max_rows is not None:
        return None
    if any(kind == "other" for kind in scan.kinds):
        return None
    n = scan.n
    is_auto = isinstance(method, str) and method == "auto"
    if discrete is False:
        usable = [m == 0 for m in scan.missing]
    else:
        usable = [m == 0 and kind == "float" and not (is_auto and scan.few_values(c)) for c, (m, kind) in enumerate(zip(scan.missing, scan.kinds))]
    xi = [i for i, c in enumerate(xs) if usable[c]]
    yi = xi if ys is None else [j for j, c in enumerate(ys) if usable[c]]
    if not xi or not yi or (ys is None and len(xi) < 2):
        return None
    from ._api import continuous_pair_method

    info = continuous_pair_method(method, n, func)
    if info is None:
        return None
    estimator = info.load()
    from .estimators._base import Estimator
    from .estimators.knn import KSGEstimator

    if type(estimator).pairwise is Estimator.pairwise:
        return None
    checked = _check_params(func, info.name, estimator, params, k, n)
    if checked.get("device") is not None:
        return None
    _check_pair_memory(frames, scan, None, rng, func)
    order = [xs[i] for i in xi] + ([] if ys is None else [ys[j] for j in yi])
    whole = _whole_columns(frames, columns, sorted(set(order)))
    if is_auto:
        ties = _compute(*[dask.delayed(_has_ties, pure=True)(whole[c]) for c in order])
        if any(ties):
            return None
    if not isinstance(estimator, KSGEstimator) or type(estimator).pairwise is not KSGEstimator.pairwise:
        # Another estimator's shared hook (e.g. the copula route of method="auto"): one task
        # holding these columns runs it, with the same noise stream as in memory.
        hook = dask.delayed(_hook_block, pure=True, nout=2)
        block, state = hook([whole[c] for c in order], [columns[c][2] for c in order], len(xi), ys is None, estimator, _copy_rng(rng), checked)
        block, final = _compute(block, state)
        rng.bit_generator.state = final.bit_generator.state
        return None if block is None else (xi, yi, block)
    prep = dask.delayed(_knn_prepare, pure=True, nout=2)
    state: Any = _copy_rng(rng)
    prepared = []
    for c in order:
        col, state = prep(whole[c], state, columns[c][2], estimator, checked["transform"], checked["noise"])
        prepared.append(col)
    xprep = prepared[: len(xi)]
    yprep = xprep if ys is None else prepared[len(xi) :]
    task = dask.delayed(_knn_pair, pure=True)
    pairs = [(a, b) for a in range(len(xi)) for b in range(len(yi)) if ys is not None or b > a]
    values_and_state = _compute(*[task(xprep[a], yprep[b], checked["k"], estimator.variant) for a, b in pairs], state)
    values, final = values_and_state[:-1], values_and_state[-1]
    rng.bit_generator.state = final.bit_generator.state
    block = np.empty((len(xi), len(yi)))
    if ys is None:
        np.fill_diagonal(block, np.inf)
    for (a, b), v in zip(pairs, values):
        block[a, b] = v
        if ys is None:
            block[b, a] = v
    return xi, yi, block


def value(func: str, quantity: str, inputs: dict[str, Any], method: Any, discrete: Any, base: Any, k: Any, params: dict[str, Any], nan_policy: str) -> float:
    """:func:`mutinfo.entropy` / :func:`mutinfo.mutual_information` of discrete Dask data, from a reduced count table."""
    divisor = resolve_base(base, func)[0]
    nan_policy = check_nan_policy(func, nan_policy)
    frames = [_Frame(v, name) for name, v in inputs.items()]
    for f in frames:
        if f.n_columns != 1:
            raise UnsupportedDataError(
                f"{func} on Dask data takes one column per variable ({f.name} has {f.n_columns}); for a matrix of column pairs use mutinfo.pairwise."
            )
    _check_aligned(frames)
    columns = [(i, 0, f.labels[0]) for i, f in enumerate(frames)]
    scan = _scan(frames, [True] * len(frames))
    if nan_policy == "raise":
        scan.raise_missing(func)
    flags = discrete if isinstance(discrete, (tuple, list)) else (discrete,) * len(frames)
    is_auto = isinstance(method, str) and method == "auto"
    info = None if is_auto else _registry.get_method(method, func)
    kinds = []
    for c, flag in enumerate(flags):
        if isinstance(flag, str):
            if is_auto:
                kinds.append(scan.kinds[c] != "float" or scan.few_values(c))
            else:
                kinds.append("discrete" in info.data or scan.kinds[c] != "float")
        else:
            kinds.append(bool(flag))
    if not all(kinds):
        raise UnsupportedDataError(
            f"{func} on Dask data handles discrete variables (a count table reduced over partitions); "
            f"{', '.join(scan.labels[c] for c, d in enumerate(kinds) if not d)} is continuous. "
            "For continuous columns use mutinfo.pairwise (one k-NN task per pair), or bin them first."
        )
    alphabets = [_alphabet(scan, c, func) for c in range(len(frames))]
    pair = (0, 0) if quantity == "entropy" else (0, 1)
    tables = count_tables(frames, columns, alphabets, [pair])
    counts = tables[pair]
    if nan_policy == "omit":
        dropped = scan.n - int(counts.sum())
        if dropped:
            warnings.warn(
                f"nan_policy='omit' dropped {dropped} of {scan.n} rows with a missing value in {', '.join(inputs)}; "
                f"the estimate uses the {scan.n - dropped} complete rows.",
                MutualInfoWarning,
                stacklevel=3,
            )
    return table_value(quantity, counts, method, func, params, k) / divisor
