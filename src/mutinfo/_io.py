"""Reading tabular data files (CSV with pandas, Parquet with pyarrow) into a pandas DataFrame.

The command line reads files here. pandas parses the CSV (its C parser: about 15x
faster than a Python loop over cells, and it knows quoting, BOMs and missing-value
markers); this module adds what a user of the command needs on top: a delimiter
found by sniffing unless given, header names stripped of blanks, duplicate names
refused, integer columns kept integer when some cells are missing (pandas' nullable
dtypes), and every problem reported as one :class:`~mutinfo.DataError` line that
names the file and, where it can, the line.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Sequence

from ._errors import DataError, missing_dependency

__all__ = ["read_table", "select_columns", "check_delimiter", "MISSING_CELLS"]

# CSV cells read as missing values (after stripping blanks); pandas' defaults include them all.
MISSING_CELLS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "<NA>", "#N/A")
# Delimiters tried by sniffing, in order of preference when the sample is ambiguous.
SNIFFED = ",;\t|"
# Bytes of the file that the delimiter sniffer reads.
_SNIFF_BYTES = 64 * 1024
_NAMED = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a core dependency
        raise missing_dependency("pandas", "Reading data files") from None
    return pd


def check_delimiter(value: str | None) -> str | None:
    """The one-character delimiter a user asked for (``\\t`` and names like ``tab`` accepted), or None to sniff."""
    if value is None:
        return None
    text = _NAMED.get(value.lower(), value) if len(value) > 1 else value
    if len(text) != 1 or text in "\r\n\"":
        raise DataError(f"--delimiter must be one character (or \\t, tab, comma, semicolon, pipe, space); got {value!r}")
    return text


def _sniff(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=SNIFFED).delimiter
    except csv.Error:
        # The sniffer wants the same count on every line; fall back to the header's most frequent candidate.
        counts = {d: lines[0].count(d) for d in SNIFFED}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_table(path: str, delimiter: str | None = None) -> Any:
    """The table in a CSV (or Parquet) file as a pandas DataFrame with stripped, unique column names.

    Parameters
    ----------
    path : str
        A ``.parquet``/``.pq`` file (needs pyarrow), or a delimited text file with a
        header row, UTF-8 with or without a byte-order mark.
    delimiter : str or None
        One character; None detects it from the first lines (``, ; tab |``).

    Returns
    -------
    pandas.DataFrame
        Integer, float, bool and string columns; cells listed in :data:`MISSING_CELLS`
        are missing values (``pd.NA``: integer columns stay integer).

    Raises
    ------
    DataError
        One line naming the file and the problem: not found, unreadable, not UTF-8,
        empty, no data rows, a row with the wrong number of fields, duplicate names.
    """
    pd = _pandas()
    delimiter = check_delimiter(delimiter)
    if not os.path.exists(path):
        raise DataError(f"file not found: {path}")
    if os.path.isdir(path):
        raise DataError(f"cannot read {path}: it is a folder, not a file")
    if path.lower().endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise missing_dependency("pyarrow", "Reading Parquet files") from None
        try:
            frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
        except Exception as exc:
            raise DataError(f"cannot read {path} as Parquet: {_one_line(exc)}") from None
        return _named(frame, [str(c) for c in frame.columns], path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(_SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise DataError(f"cannot read {path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start:exc.start + 1]!r}); save it as UTF-8 CSV") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not sample.strip():
        raise DataError(f"{path} is empty: no header row")
    if "\x00" in sample:
        raise DataError(f"cannot read {path}: it holds NUL bytes, so it is not a text CSV file")
    sep = delimiter or _sniff(sample)
    header_line = next(line for line in sample.splitlines() if line.strip())
    try:
        header = next(csv.reader([header_line], delimiter=sep, skipinitialspace=True))
    except csv.Error as exc:
        raise DataError(f"cannot read the header of {path}: {exc}") from None
    try:
        frame = _read_csv(pd, path, sep, ".")
        if sep != "," and _decimal_commas(frame):
            # "1,5" in a ;-separated file (a European spreadsheet's export) is the number 1.5, not a label.
            frame = _read_csv(pd, path, sep, ",")
    except UnicodeDecodeError as exc:
        raise DataError(f"cannot read {path}: not UTF-8 text past the first {_SNIFF_BYTES} bytes ({exc.reason}); save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty: no header row") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"cannot read {path} as CSV with delimiter {sep!r}: {_parser_reason(exc)}; check the delimiter with --delimiter") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {_one_line(exc)}") from None
    names = [h.strip() for h in header]
    if len(names) != frame.shape[1]:  # pragma: no cover - pandas and csv disagree only on exotic quoting
        names = [str(c).strip() for c in frame.columns]
    if frame.shape[0] == 0:
        raise DataError(f"{path} has a header but no data rows")
    return _named(frame, names, path)


def _read_csv(pd: Any, path: str, sep: str, decimal: str) -> Any:
    return pd.read_csv(
        path,
        sep=sep,
        decimal=decimal,
        encoding="utf-8-sig",
        skipinitialspace=True,
        skip_blank_lines=True,
        na_values=list(MISSING_CELLS),
        keep_default_na=True,
        dtype_backend="numpy_nullable",
        low_memory=False,
    )


_DECIMAL_COMMA = r"^[+-]?\d+,\d+$"


def _decimal_commas(frame: Any) -> bool:
    """Whether some text column holds only numbers written with a decimal comma."""
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind in "biufc":
            continue
        values = col.dropna().astype(str)
        if len(values) and bool(values.str.match(_DECIMAL_COMMA).all()):
            return True
    return False


def _named(frame: Any, names: list[str], path: str) -> Any:
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    dups = [n for n, c in seen.items() if c > 1]
    if dups:
        raise DataError(f"{path} has duplicate column names in its header: {', '.join(repr(d) for d in dups)}")
    frame.columns = names
    return frame


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _parser_reason(exc: BaseException) -> str:
    text = _one_line(exc)
    # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
    marker = "C error: "
    return text.split(marker, 1)[1] if marker in text else text


def split_spec(specs: str | Sequence[str] | None, table_names: Sequence[str]) -> list[str]:
    """Column names or 0-based indices from one or more ``--x`` values.

    A value that is exactly a column's name is that column, commas included (so a name
    like ``"income, net"`` can be chosen); any other value is split at commas.
    """
    if specs is None:
        return []
    if isinstance(specs, str):
        specs = [specs]
    items: list[str] = []
    names = set(table_names)
    for spec in specs:
        if spec in names or spec.strip() in names:
            items.append(spec if spec in names else spec.strip())
        else:
            items.extend(s.strip() for s in spec.split(","))
    return items


def select_columns(table: Any, specs: str | Sequence[str], path: str, option: str) -> Any:
    """The columns named by ``specs`` (see :func:`split_spec`): a Series for one, a DataFrame for several."""
    names = [str(c) for c in table.columns]
    picked: list[str] = []
    for item in split_spec(specs, names):
        if item in names:
            picked.append(item)
        elif item.isdigit() and int(item) < len(names):
            picked.append(names[int(item)])
        elif not item:
            raise DataError(f"{option}: an empty column name (check the commas in {option})")
        else:
            hint = ""
            if len(names) == 1 and any(d in names[0] for d in SNIFFED):
                hint = " (the file was read as one column: is the delimiter right? use --delimiter)"
            raise DataError(f"{option}: no column {item!r} in {path}; columns are {', '.join(names)}{hint}")
    if len(picked) == 1:
        return table[picked[0]]
    return table[picked]
