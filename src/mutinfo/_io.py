"""Reading tabular data files (CSV, and Parquet with pyarrow) into named columns."""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from ._errors import DataError, missing_dependency

__all__ = ["read_table", "select_columns"]


# CSV cells read as missing values (after stripping blanks).
MISSING_CELLS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "<NA>", "#N/A"})


def _parse_column(values: list[str]) -> np.ndarray:
    """int64 if every value is an integer, float64 if every value is a number, else str labels.

    Missing cells (:data:`MISSING_CELLS`) are NaN in a float column, and None in an
    integer or label column (an object array), which :func:`mutinfo.read_input`
    reports as missing.
    """
    missing = [v in MISSING_CELLS for v in values]
    if any(missing):
        present = [v for v, m in zip(values, missing) if not m]
        parsed = _parse_column(present) if present else np.array([], dtype=np.float64)
        if parsed.dtype.kind == "f":
            out = np.full(len(values), np.nan)
        else:
            out = np.empty(len(values), dtype=object)
        out[~np.array(missing)] = parsed
        return out
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=object)


def read_table(path: str, delimiter: str | None = None) -> dict[str, np.ndarray]:
    """Columns of a CSV (or Parquet) file by header name.

    CSV columns are typed as int, float or string labels; empty and ``NA``-like cells
    (:data:`MISSING_CELLS`) are missing values: NaN in a float column, None in others. Raises DataError with a one-line reason for unreadable files.
    """
    if not os.path.exists(path):
        raise DataError(f"file not found: {path}")
    if path.lower().endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise missing_dependency("pyarrow", "Reading Parquet files") from None
        try:
            table = pq.read_table(path)
        except Exception as exc:
            raise DataError(f"cannot read {path} as Parquet: {exc}") from None
        return {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in table.column_names}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(f"{path} is empty or has no header row")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(lines[0], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header, body = rows[0], [r for r in rows[1:] if r]
    if len(set(header)) != len(header):
        raise DataError(f"{path} has duplicate column names in its header: {header}")
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise DataError(
                f"{path} line {i} has {len(r)} fields but the header has {len(header)} (delimiter {delimiter!r}); "
                "check the delimiter with --delimiter"
            )
    if not body:
        raise DataError(f"{path} has a header but no data rows")
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        columns[name] = _parse_column([r[j].strip() for r in body])
    return columns


def select_columns(table: dict[str, np.ndarray], spec: str, path: str, option: str) -> Any:
    """The (n,) or (n, d) array for a comma-separated list of column names (or 0-based indices)."""
    names = list(table)
    picked = []
    for item in (s.strip() for s in spec.split(",")):
        if item in table:
            picked.append(item)
        elif item.isdigit() and int(item) < len(names):
            picked.append(names[int(item)])
        else:
            hint = ""
            if len(names) == 1 and any(d in names[0] for d in ";\t|"):
                hint = " (the file was read as one column: is the delimiter right? use --delimiter)"
            raise DataError(f"{option}: no column {item!r} in {path}; columns are {', '.join(names)}{hint}")
    cols = [table[p] for p in picked]
    if len(cols) == 1:
        return cols[0]
    if any(c.dtype == object for c in cols):
        return np.column_stack([c.astype(object) for c in cols])
    return np.column_stack(cols)
