"""CSV export that cannot smuggle a formula into the reader's spreadsheet, in Danish Excel too.

Danish Excel splits a CSV on ``;`` (the Danish list separator) and reads ``,`` as the decimal
sign, so the toolkit writes ``;``-separated text with decimal commas and a UTF-8 byte-order
mark (Excel then shows æ, ø, å).  A field is read as a formula by Excel or LibreOffice when it
starts with ``=``, ``+``, ``-`` or ``@`` — also after leading blanks, tabs or line breaks, and
also in their full-width forms (``＝＋－＠``) — and a reader may split the file on another
separator (``,``, ``;``, tab, ``|``) or on a line break inside a field.  So every text field
that has such a sign at the start of *any* piece a reader could cut it into gets an apostrophe
before the sign (OWASP's advice against CSV/formula injection): at the start of the field and
after every separator or line break inside it.  This covers the data, the header and the
index.  Numbers stay numbers: a numeric ``-1234.5`` is written ``-1234,5``; only *text* such
as ``"-5"`` becomes ``'-5``.

Every text field is quoted (``csv.QUOTE_NONNUMERIC``), and the file is written atomically
(temporary file, read back, ``os.replace``), so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from xlmodel.safeio import SafeWriteError, atomic_write_file

#: Signs that start a formula in Excel or LibreOffice, ASCII and full-width/small forms, and the
#: minus sign U+2212 (LibreOffice accepts it in formulas).
SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212"
#: Field starts that the previous, ASCII-only rule caught (kept for readers of this module).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Where a reader may start a new cell inside a field: any common separator or a line break.
CUTS = ",;\t|\r\n"
# A sign at the start of a piece: after the field start or a cut, past blanks (any Unicode space that
# is not itself a cut: a line break in the blanks starts another piece).
_PIECE = re.compile(r"(^|[" + re.escape(CUTS) + r"])([^\S\t\r\n]*)(?=[" + re.escape(SIGNS) + "])")


def neutralise(value: object) -> object:
    r"""``'=1+1'`` → ``"'=1+1"``; a sign after a separator or line break is neutralised too.

    >>> neutralise('=HYPERLINK("x")'), neutralise(-3.5), neutralise("Aarhus")
    ('\'=HYPERLINK("x")', -3.5, 'Aarhus')
    >>> neutralise("-5"), neutralise("@SUM(A1)"), neutralise("  =1"), neutralise("\t=1")
    ("'-5", "'@SUM(A1)", "'  =1", "'\t'=1")
    >>> neutralise("Aarhus;=HYPERLINK(1)"), neutralise("Odense\n=1+1"), neutralise("＝1＋1")
    ("Aarhus;'=HYPERLINK(1)", "Odense\n'=1+1", "'＝1＋1")
    """
    if not isinstance(value, str):
        return value
    text = value
    if text[:1] in ("\t", "\r", "\n") or _PIECE.match(text):
        text = "'" + text  # the field's own start: before any blanks, as OWASP writes it
    return _PIECE.sub(lambda m: m.group(0) if m.start() == 0 else m.group(1) + "'" + m.group(2), text)


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
    kwargs.setdefault("sep", ";")  # Danish Excel's list separator
    kwargs.setdefault("decimal", "," if kwargs["sep"] == ";" else ".")  # and its decimal sign
    kwargs.pop("encoding", None)
    return neutralise_frame(frame).to_csv(None, **kwargs)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str] | io.TextIOBase, *, force: bool = False,
              encoding: str = "utf-8-sig", **kwargs: Any) -> None:
    """Write ``frame`` with every text cell, header and index label neutralised.

    ``path`` may be an open text stream (written directly).  A file is written atomically:
    temporary file in the same folder, read back and compared, then ``os.replace``; a lock
    file ``~$name.csv`` (Excel has it open) is refused unless ``force=True``.  Other keyword
    arguments go to ``DataFrame.to_csv`` (default ``sep=";"``, ``decimal=","``: Danish Excel).
    """
    text = to_csv_text(frame, **kwargs)
    if hasattr(path, "write"):
        path.write(text)  # type: ignore[union-attr]
        return
    data = text.encode(encoding)
    target = Path(path)  # type: ignore[arg-type]

    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise SafeWriteError(target, "CSV-filen, der blev læst tilbage, afviger fra det skrevne; "
                                 "originalen er uændret", "et filsystem, der bevarer det skrevne")

    atomic_write_file(target, lambda tmp: tmp.write_bytes(data), verify_fn=verify, force=force)
