"""``number_as_text`` (warning / info): text cells that read as numbers."""

from __future__ import annotations

import re
from typing import Any

from xlmodel.validate.addresses import (
    a1,
)
from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding


def _fmt(value: float) -> str:
    """A number for a message, Danish notation, up to 10 significant digits: ``1.234,5``."""
    if not isinstance(value, float):
        return str(value)
    return f"{value:,.10g}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# Numbers typed as text: English "1234.5", "1,234.5"; Danish "1.234,5", "1234,5"; space as
# thousands separator "1 234,5"; optional sign and trailing %.
_NUMBER_TEXT = re.compile(r"""^[+-]?(
      \d{1,3}(?:,\d{3})+(?:\.\d+)?       # 1,234.5
    | \d{1,3}(?:\.\d{3})+(?:,\d+)?       # 1.234,5
    | \d{1,3}(?:[ \u00a0]\d{3})+(?:[.,]\d+)?   # 1 234,5
    | \d+(?:[.,]\d+)?                    # 1234.5 / 1234,5 / 1234
    | [.,]\d+                            # .5
)\s*%?$""", re.X)


def number_from_text(text: str) -> float | None:
    """The number a text reads as, or None.  Codes with a leading zero (``"0101"``, a
    kommunekode or an account number) and empty text are not numbers.

    >>> number_from_text("1.234,5"), number_from_text("1234.5"), number_from_text(" 18071 ")
    (1234.5, 1234.5, 18071.0)
    >>> number_from_text("0101"), number_from_text("Serviceudgifter"), number_from_text("12%")
    (None, None, 0.12)
    """
    s = text.strip().replace("\u00a0", " ")
    if not s or not _NUMBER_TEXT.match(s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    pct = 0.01 if s.endswith("%") else 1.0
    body = s.lstrip("+-").rstrip("% ").replace(" ", "")
    if len(body) > 1 and body[0] == "0" and body[1].isdigit():
        return None  # leading zero: a code, not an amount
    # Both separators: the last is the decimal one.  One kind used more than once: thousands.
    # One separator used once is read as the decimal one ("1,5" and "1.5" are 1.5).
    if "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        body = body.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif body.count(",") > 1 or body.count(".") > 1:
        body = body.replace(",", "").replace(".", "")
    else:
        body = body.replace(",", ".")
    return sign * float(body) * pct


def _is_float(value: Any) -> bool:
    return isinstance(value, float)


def numbers_as_text(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``number_as_text``: text cells that read as numbers (SUM skips them, + errors on some).

    ``warning`` when the text sits among real numbers (one right above or below it, or one on
    each side in its row: a value that should count), or carries a decimal/thousands
    separator; ``info`` for a bare whole number among text (often a code such as a
    postnummer).  Not reported: codes with a leading zero (``"0101"``), and years 1900–2100
    at the top of a column (a header written as text)."""
    out = []
    for sheet in book.sheets:
        for row, col, text in sheet.texts:
            number = number_from_text(text)
            if number is None:
                continue
            bare = re.fullmatch(r"\s*[+-]?\d+\s*", text) is not None
            above = sheet.values.get((row - 1, col))
            if bare and 1900 <= number <= 2100 and (above is None or isinstance(above, str)):
                continue  # a year written as a header
            v = sheet.values
            # among numbers: a number above or below it, or numbers on both sides in its row
            among_numbers = (_is_float(v.get((row - 1, col))) or _is_float(v.get((row + 1, col)))
                             or (_is_float(v.get((row, col - 1))) and _is_float(v.get((row, col + 1)))))
            severity = "warning" if among_numbers or not bare else "info"
            out.append(Finding(
                "number_as_text", severity, sheet.name, a1(row, col),
                f"teksten {text!r} læses som tallet {_fmt(number)}: SUM og andre funktioner springer "
                "tekst over, så den tæller ikke med; skriv den ind som et tal",
                expected=number, actual=text))
    return out
