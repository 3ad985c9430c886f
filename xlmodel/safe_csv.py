"""CSV export that cannot smuggle a formula into the reader's spreadsheet.

Cell text starting with ``=``, ``+``, ``-``, ``@`` (or tab / carriage return) is
prefixed with an apostrophe, as OWASP recommends against CSV/formula injection.
Numbers are written as numbers: a negative amount stays a number.
"""

from __future__ import annotations

import os

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``'=1+1'`` → ``"'=1+1"``; numbers and safe text unchanged.

    >>> neutralise("=HYPERLINK(\\"x\\")"), neutralise(-3.5), neutralise("Aarhus")
    ('\\'=HYPERLINK("x")', -3.5, 'Aarhus')
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], **kwargs: object) -> None:
    """Write ``frame`` with every text cell (and header) neutralised."""
    safe = frame.copy()
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    safe.to_csv(path, index=kwargs.pop("index", False), **kwargs)  # type: ignore[arg-type]
