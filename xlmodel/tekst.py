"""Danish text for what a finance officer reads: numbers, amounts, percentages, statuses.

One place for the conventions, so the CLI, the HTML report, the demo and the Kontrol sheet
print the same way (issue 15, item 1):

- numbers: ``.`` groups thousands, ``,`` is the decimal mark — ``1.234,5`` (Dansk Sprognævn;
  the convention of Danmarks Statistik and the ministry's tables);
- years are never grouped: ``2014``, not ``2.014`` (:func:`format_aar`; :func:`format_vaerdi`
  treats integers 1900–2100 as years);
- units follow the number after a space: ``1.234 kr.``, ``931,8 mio. kr.``, ``0,8 pct.``;
- one status vocabulary: :data:`FEJL`, :data:`ADVARSEL`, :data:`INFO` for findings, and
  :data:`OK` / :data:`AFRUNDING` where a check passes (exactly / within rounding).

Validation findings keep their machine codes (``error``/``warning``/``info`` in the DataFrame
and the JSON, like the check names) — :func:`status` turns a code into the Danish word.

>>> format_tal(1234.5)
'1.234,5'
>>> format_tal(-1234567.891, 2)
'-1.234.567,89'
>>> format_tal(1460, 0)
'1.460'
>>> format_kr(931758.4)
'931.758 kr.'
>>> format_kr(931.7584, 1, "mio. kr.")
'931,8 mio. kr.'
>>> format_pct(0.8)
'0,8 pct.'
>>> format_aar(2014)
'2014'
>>> status("error"), status("warning"), status("info"), status("OK")
('fejl', 'advarsel', 'info', 'OK')
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from xlmodel.errors import XlmodelError

#: The status words (the one vocabulary): a finding's severity, or a check that passed.
FEJL, ADVARSEL, INFO = "fejl", "advarsel", "info"
OK, AFRUNDING = "OK", "afrunding"
STATUSSER = (FEJL, ADVARSEL, INFO, OK, AFRUNDING)

#: Machine code of a finding's severity (validation's DataFrame and JSON) → the Danish word.
SEVERITY_DA = {"error": FEJL, "warning": ADVARSEL, "info": INFO}
#: Plural forms for counts ("3 fejl, 2 advarsler, 1 info").
_FLERTAL = {FEJL: "fejl", ADVARSEL: "advarsler", INFO: "info"}


def status(code: str) -> str:
    """The Danish status word for a severity code or status (``"error"`` → ``"fejl"``).

    >>> status("fejl"), status("afrunding")
    ('fejl', 'afrunding')
    """
    if code in SEVERITY_DA:
        return SEVERITY_DA[code]
    low = code.lower() if isinstance(code, str) else code
    for word in STATUSSER:
        if low == word.lower():
            return word
    raise XlmodelError("status", code, ", ".join([*SEVERITY_DA, *STATUSSER]))


def antal(n: int, code: str) -> str:
    """``n`` findings of one severity in words: ``antal(2, "warning")`` → ``'2 advarsler'``.

    >>> antal(1, "warning"), antal(1460, "error")
    ('1 advarsel', '1.460 fejl')
    """
    word = status(code)
    return f"{format_tal(n, 0)} {word if n == 1 else _FLERTAL.get(word, word)}"


def format_tal(value: Any, decimaler: int = 1) -> str:
    """A number in Danish notation with ``decimaler`` decimals: ``1.234,5``.

    Not a number (None, NaN, text) → the text as it is, empty for None/NaN: a report never
    shows "nan".  ``-0,0`` is printed ``0,0``.

    >>> format_tal(0.04, 2), format_tal(-0.001), format_tal(None), format_tal("#DIV/0!")
    ('0,04', '0,0', '', '#DIV/0!')
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if decimaler < 0:
        raise XlmodelError("decimaler", decimaler, "0 or more decimals")
    text = f"{x:,.{decimaler}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_kr(value: Any, decimaler: int = 0, enhed: str = "kr.") -> str:
    """An amount with its unit: ``format_kr(1234)`` → ``'1.234 kr.'``; ``enhed`` e.g. ``"mio. kr."``.

    >>> format_kr(2500.5, 2)
    '2.500,50 kr.'
    """
    text = format_tal(value, decimaler)
    return f"{text} {enhed}" if text else ""


def format_pct(value: Any, decimaler: int = 1) -> str:
    """A percentage (already in pct., not a fraction): ``format_pct(3.66, 2)`` → ``'3,66 pct.'``.

    >>> format_pct(3.66, 2)
    '3,66 pct.'
    """
    text = format_tal(value, decimaler)
    return f"{text} pct." if text else ""


def format_aar(value: Any) -> str:
    """A year without thousands separator: ``2014``.

    >>> format_aar(2014.0)
    '2014'
    """
    if isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    return str(value)


def format_vaerdi(value: Any, aar: bool = True) -> str:
    """A cell value for a report: integers grouped, others with up to 6 significant digits.

    With ``aar`` (default), integers 1900–2100 are printed without separator, since in a
    workbook's cells such a number is nearly always a year; ``aar=False`` for amounts.

    >>> format_vaerdi(2014), format_vaerdi(346744), format_vaerdi(1.0125), format_vaerdi(1234567.891)
    ('2014', '346.744', '1,0125', '1.234.568')
    >>> format_vaerdi(2000, aar=False)
    '2.000'
    """
    if isinstance(value, bool):
        return "SAND" if value else "FALSK"
    if not isinstance(value, Real):
        return "" if value is None else str(value)
    x = float(value)
    if math.isnan(x):
        return ""
    if aar and x.is_integer() and 1900 <= x <= 2100:
        return format_aar(x)
    if x.is_integer() and abs(x) < 1e15:
        return format_tal(x, 0)
    if math.isinf(x):
        return format_tal(x)
    digits = max(0, 6 - (math.floor(math.log10(abs(x))) + 1)) if x else 0
    text = format_tal(x, digits)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text
