"""English text offline: the fortune-cookie collection of the Debian package ``fortunes``.

:func:`load_fortunes` reads the files in ``/usr/share/games/fortunes`` (about 16,000
short texts, 2.7 MB, in about 40 named categories such as ``people``, ``science``,
``computers``, ``songs-poems``). Each file holds one category; entries are separated
by lines holding a single ``%``. Nothing is downloaded; a missing corpus raises
:class:`~mutinfo.datasets.DataNotFoundError` with the command that installs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._errors import DataError, param_error
from .real import DataNotFoundError

__all__ = ["FORTUNES_PATH", "Fortunes", "fortunes", "fortunes_available", "parse_fortune_file"]

FORTUNES_PATH = "/usr/share/games/fortunes"
# Files in the folder that are not categories: the strfile indexes and the UTF-8 symlinks.
_SKIP_SUFFIXES = (".dat", ".u8", ".gz")
# Overstriking (underline, bold) as printed by old terminals: "_<BS>x", "x<BS>x", and the
# corpus's own shorthand "___<BS>WORD" (a run of underscores, one backspace).
_OVERSTRIKE = re.compile(r"_+\x08|.\x08|\x08")


class Fortunes(NamedTuple):
    """The texts, their integer labels and the category names (``labels`` index ``categories``)."""

    texts: list[str]
    labels: np.ndarray
    categories: tuple[str, ...]


def _decode(raw: bytes) -> str:
    """UTF-8 when valid, else Latin-1 (every byte is a character, so decoding never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_fortune_file(path: str | Path) -> list[str]:
    """The entries of one fortune file: text between lines that hold only ``%``.

    Overstriking (``_<backspace>``, ``x<backspace>``, ``___<backspace>``) is removed, line ends normalised to
    ``\\n``, leading and trailing blank lines of an entry dropped, and empty entries
    skipped. Bytes that are not valid UTF-8 are read as Latin-1.
    """
    text = _decode(Path(path).read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    text = _OVERSTRIKE.sub("", text)
    entries, current = [], []
    for line in text.split("\n"):
        if line.strip() == "%":
            entries.append("\n".join(current))
            current = []
        else:
            current.append(line.rstrip())
    entries.append("\n".join(current))
    return [e.strip("\n") for e in entries if e.strip()]


def _category_files(folder: Path, offensive: bool) -> dict[str, Path]:
    files = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".") and not p.name.endswith(_SKIP_SUFFIXES):
            files[p.name] = p
    off = folder / "off"
    if offensive and off.is_dir():
        files.update({f"off/{name}": p for name, p in _category_files(off, False).items()})
    return files


def fortunes_available(path: str | Path = FORTUNES_PATH) -> bool:
    """Whether ``path`` holds at least one fortune file."""
    folder = Path(path)
    return folder.is_dir() and bool(_category_files(folder, False))


def fortunes(categories: list[str] | tuple[str, ...] | None = None, path: str | Path = FORTUNES_PATH, *, offensive: bool = False) -> Fortunes:
    """Texts and category labels of the fortune-cookie collection (Debian package ``fortunes``).

    Parameters
    ----------
    categories : sequence of str or None, default None
        File names to read (``"people"``, ``"science"``, ...); None reads them all.
        Labels follow the order given (sorted file names when None).
    path : str or Path, default "/usr/share/games/fortunes"
        Folder of the fortune files.
    offensive : bool, default False
        Also read the ``off/`` subfolder (categories named ``"off/NAME"``); it is
        skipped by default.

    Returns
    -------
    Fortunes
        ``texts`` (list of str, one per entry), ``labels`` (int64 array of shape
        (n,), indices into ``categories``) and ``categories`` (tuple of str).

    Raises
    ------
    DataNotFoundError
        When the folder has no fortune files; install them with
        ``apt-get install fortunes`` (Debian, Ubuntu).
    ParameterError
        When a requested category is not in the folder (the message lists them).

    Examples
    --------
    >>> import mutinfo as mi
    >>> data = mi.datasets.fortunes(["science", "computers"])  # doctest: +SKIP
    >>> len(data.texts), data.categories  # doctest: +SKIP
    (1309, ('science', 'computers'))
    """
    folder = Path(path)
    files = _category_files(folder, offensive) if folder.is_dir() else {}
    if not files:
        raise DataNotFoundError(
            f"The fortunes corpus is not installed in {folder} (no fortune files found). Install it with "
            f"`sudo apt-get install fortunes` (Debian/Ubuntu; files go to {FORTUNES_PATH}), "
            f"or put files of '%'-separated entries in a folder and pass it as path=."
        )
    if categories is None:
        names = tuple(files)
    else:
        if isinstance(categories, str):
            categories = [categories]
        names = tuple(categories)
        unknown = [c for c in names if c not in files]
        if unknown or not names or len(set(names)) != len(names):
            raise param_error("fortunes", "categories", f"a non-empty list of distinct names among {sorted(files)}", list(categories))
    texts: list[str] = []
    labels: list[int] = []
    for i, name in enumerate(names):
        entries = parse_fortune_file(files[name])
        texts.extend(entries)
        labels.extend([i] * len(entries))
    if not texts:
        raise DataError(f"The fortune files {list(names)} in {folder} hold no entries.")
    return Fortunes(texts, np.asarray(labels, dtype=np.int64), names)
