"""CSV export that cannot smuggle a formula into the reader's spreadsheet.

Cell text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with an
apostrophe, as OWASP recommends against CSV/formula injection, in the data, the header and
the index.  Numbers are written as numbers: a negative amount stays a number (only *text*
such as ``"-5"`` gets the apostrophe).

Every text field is quoted (``csv.QUOTE_NONNUMERIC``): a Danish Excel splits a CSV on ``;``,
so an unquoted ``Aarhus;=HYPERLINK(...)`` would become a second cell that starts with ``=``.
The file is written as UTF-8 with a byte-order mark so Excel shows æ, ø, å, and atomically
(temporary file, read back, ``os.replace``), so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from xlmodel.safeio import SafeWriteError, atomic_write_file

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``'=1+1'`` → ``"'=1+1"``; numbers and safe text unchanged.

    >>> neutralise("=HYPERLINK(\\"x\\")"), neutralise(-3.5), neutralise("Aarhus")
    ('\\'=HYPERLINK("x")', -3.5, 'Aarhus')
    >>> neutralise("-5"), neutralise("@SUM(A1)"), neutralise("\\t=1")
    ("'-5", "'@SUM(A1)", "'\\t=1")
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def _is_text(kind: Any) -> bool:
    return not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)
                or pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind))


def _safe_labels(index: pd.Index) -> pd.Index:
    """Neutralise an index or column labels, every level of a MultiIndex, and their names."""
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralise(v) for v in t) for t in index],
                                         names=[neutralise(n) for n in index.names])
    if not _is_text(index.dtype):
        return index.rename(neutralise(index.name))
    return pd.Index([neutralise(v) for v in index], name=neutralise(index.name), dtype=object)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, header and index label neutralised.

    >>> neutralise_frame(pd.DataFrame({"=x": ["-a", 1.5], "n": [-2, 3]}))
        '=x  n
    0   '-a -2
    1   1.5  3
    """
    safe = frame.copy()
    for i in range(safe.shape[1]):  # by position: duplicate column names must work too
        col = safe.iloc[:, i]
        if _is_text(col.dtype):
            safe.isetitem(i, col.astype(object).map(neutralise))
    safe.columns = _safe_labels(safe.columns)
    safe.index = _safe_labels(safe.index)
    return safe


def to_csv_text(frame: pd.DataFrame, **kwargs: Any) -> str:
    """The neutralised CSV text (``index=False`` and ``QUOTE_NONNUMERIC`` unless given)."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    kwargs.pop("encoding", None)
    return neutralise_frame(frame).to_csv(None, **kwargs)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str] | io.TextIOBase, *, force: bool = False,
              encoding: str = "utf-8-sig", **kwargs: Any) -> None:
    """Write ``frame`` with every text cell, header and index label neutralised.

    ``path`` may be an open text stream (written directly).  A file is written atomically:
    temporary file in the same folder, read back and compared, then ``os.replace``; a lock
    file ``~$name.csv`` (Excel has it open) is refused unless ``force=True``.  Other keyword
    arguments go to ``DataFrame.to_csv`` (e.g. ``sep=";"``).
    """
    text = to_csv_text(frame, **kwargs)
    if hasattr(path, "write"):
        path.write(text)  # type: ignore[union-attr]
        return
    data = text.encode(encoding)
    target = Path(path)  # type: ignore[arg-type]

    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise SafeWriteError(target, "the CSV read back differs from what was written; "
                                 "the original is unchanged", "a file system that keeps what is written")

    atomic_write_file(target, lambda tmp: tmp.write_bytes(data), verify_fn=verify, force=force)
