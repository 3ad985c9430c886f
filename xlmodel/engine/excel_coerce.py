"""Excel's coercion of one argument value, shared by every Excel function xlmodel registers.

A registered function receives its arguments as formualizer passes them: numbers as float, text
as str, booleans as bool, ``None`` for an empty cell, an Excel error as ``{"type": "Error",
"kind": "Num"}`` and a range or array as a list of rows.  The helpers here turn one such value
into what an Excel parameter of a kind expects, raising :class:`ExcelError` with the error
Excel gives (Microsoft, "How to correct a #VALUE! error": text that cannot be read as a number
where a number is needed is #VALUE!; an error argument is passed on).

Text read as a number: a plain number (``" 1.5 "``), a percentage (``"12%"``), a time
(``"12:30"``) or a date.  Dates are read day first (``"29/02/1900"`` is serial 60, Excel's
fictitious leap day; ``"13/01/1900"`` is 13), as Danish Excel reads them (Windows regional
setting da-DK, short date dd-mm-yyyy), and only day first: ``"02/13/1900"`` is no date
(#VALUE!), as in Danish Excel, though US Excel (and formualizer's own coercion) would read
13 February.  No corpus cell needs the month-first reading (measured: the same 102 cells
disagree with and without it).  Known difference from Danish Excel: a decimal comma
(``"1,5"``) is not read as a number here (formualizer's operators read a point).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

#: formualizer's names of Excel's errors → the code Excel shows.
CODES = {"Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
         "Num": "#NUM!", "Na": "#N/A", "Calc": "#CALC!", "Spill": "#SPILL!"}


class ExcelError(Exception):
    """An Excel error to return; ``kind`` as formualizer names it (Num, Na, Value, Div, ...)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def error(kind: str) -> dict[str, str]:
    """The value a registered function returns for an Excel error (``error("Num")``)."""
    return {"type": "Error", "kind": kind}


def is_error(v: Any) -> bool:
    return isinstance(v, dict) and v.get("type") == "Error"


def passed_on(v: Any) -> None:
    """Raise the error ``v`` holds, if it is one (Excel passes an error argument on)."""
    if is_error(v):
        raise ExcelError(str(v.get("kind")))


_DATE = re.compile(r"^\s*(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})\s*$")
_PERCENT = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*%\s*$")


def date_serial(y: int, m: int, d: int, date1904: bool = False) -> float | None:
    """The serial number of a valid date (1900 system: 29 Feb 1900 is 60), None if invalid.

    >>> date_serial(1900, 2, 29), date_serial(1900, 1, 13), date_serial(2014, 1, 1)
    (60.0, 13.0, 41640.0)
    >>> date_serial(1900, 2, 30) is None, date_serial(2014, 2, 29) is None
    (True, True)
    """
    if not date1904 and (y, m, d) == (1900, 2, 29):
        return 60.0
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None
    if date1904:
        return float((day - dt.date(1904, 1, 1)).days) if day >= dt.date(1904, 1, 1) else None
    serial = (day - dt.date(1899, 12, 31)).days
    if serial < 1:
        return None
    return float(serial + 1 if serial >= 60 else serial)


#: Month names Excel reads in a date text: English (Excel's own) and Danish (da-DK), with
#: their three-letter abbreviations.
MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "januar"), ("february", "februar"), ("march", "marts"), ("april",),
    ("may", "maj"), ("june", "juni"), ("july", "juli"), ("august",),
    ("september", "sept"), ("october", "oktober", "okt"), ("november",), ("december",)))
    for full in names for name in {full, full[:3]}}
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/-])(\d{1,2})\s*$")   # "1.25" is no date
_NAMED = re.compile(r"^\s*(\d{1,2})[-/. ]\s*([^\W\d_]{3,})\.?(?:[-/. ]\s*(\d{1,4}))?\s*$")
_NAMED_FIRST = re.compile(r"^\s*([^\W\d_]{3,})\.?[ -]?(\d{1,2})(?:,?\s*(\d{4}))?\s*$")


def _year(text: str | None) -> int:
    """A date text's year: four digits as written, two digits 1930–2029 (Excel's window), none
    the current year (ECMA-376 Part 4, DATEVALUE: "If the year portion of date-time-string is
    omitted, the current year is used"; such a value follows the clock as TODAY does).

    ECMA's examples, all 1 February 2006 (38749) but the first, read day first here (da-DK):

    >>> [date_time_text(t) for t in ("2/1/2006", "01-Feb-2006 10:06 AM", "2006/2/1", "2006-2-1")]
    [38719.0, 38749.42083333333, 38749.0, 38749.0]
    """
    if not text:
        return dt.date.today().year
    c = int(text)
    return c + (2000 if c < 30 else 1900) if len(text) <= 2 else c


def date_text(s: str, date1904: bool = False) -> float | None:
    """A date typed as text (``d/m/y``, ``d-m-y``, ``d.m.y``, ``y-m-d``, ``d/m`` this year, a
    month name: ``26-aug-1987``, ``1 maj 2014``, ``Aug 26, 1987``), day first; None if none.

    >>> date_text("29/02/1900"), date_text("13/01/1900"), date_text("2014-01-01")
    (60.0, 13.0, 41640.0)
    >>> date_text("02/13/1900"), date_text("ciao"), date_text("32/13/2014")   # da-DK: no 13th month
    (None, None, None)
    >>> date_text("26-aug-1987"), date_text("1 maj 2014"), date_text("Aug 26, 1987")
    (32015.0, 41760.0, 32015.0)
    >>> date_text("26/08") == date_serial(dt.date.today().year, 8, 26), date_text("1-5-x")
    (True, None)
    """
    m = _DATE.match(s)
    if m:
        a, b, c = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(1)) == 4:                        # y-m-d
            return date_serial(a, b, c, date1904)
        y = _year(m.group(4))
        return date_serial(y, b, a, date1904)
    m = _DAY_MONTH.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), _year(None)
        return date_serial(y, b, a, date1904)
    m = _NAMED.match(s)
    if m and m.group(2).lower() in MONTHS:
        return date_serial(_year(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)), date1904)
    m = _NAMED_FIRST.match(s)
    if m and m.group(1).lower() in MONTHS:
        return date_serial(_year(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)), date1904)
    return None


def number_text(s: str, date1904: bool = False) -> float | None:
    """Text as Excel reads it where a number is needed, None if it is no number.

    >>> number_text(" 1.5 "), number_text("12%"), number_text("29/02/1900"), number_text("12:00")
    (1.5, 0.12, 60.0, 0.5)
    >>> number_text(""), number_text("TRUE"), number_text("1e400")
    (None, None, None)
    """
    t = s.strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        pass
    else:
        return v if math.isfinite(v) and t.lower() not in ("nan", "inf", "-inf", "+inf",
                                                            "infinity", "-infinity") else None
    m = _PERCENT.match(t)
    if m:
        return float(m.group(1)) / 100
    return date_time_text(t, date1904)


_AM_PM = re.compile(r"^(.*\d)\s*([AP])M?$", re.I)


def clock_text(s: str) -> float | None:
    """A time of day typed as text (``12:30``, ``1:00:00 AM``, ``12:59:59 am``), None if none.

    >>> clock_text("12:00"), clock_text("1:00:00 AM"), clock_text("12:59:59 AM") * 24
    (0.5, 0.041666666666666664, 0.9997222222222222)
    >>> clock_text("12:30 PM"), clock_text("13:00 PM"), clock_text("x")
    (0.5208333333333334, None, None)
    """
    from xlmodel.engine.excel_text import time_text  # local: so excel_text may import this module

    t = s.strip()
    m = _AM_PM.match(t)
    if not m:
        return time_text(t)
    core = m.group(1).strip()
    v = time_text(core) if ":" in core else (float(core) / 24 if core.isdigit() else None)
    hours = int(core.split(":")[0]) if core.split(":")[0].isdigit() else -1
    if v is None or not 0 <= hours <= 12:
        return None
    v -= (hours // 12) * 0.5                      # 12 AM is midnight, 12 PM noon
    return v + (0.5 if m.group(2).upper() == "P" else 0.0)


def date_time_text(s: str, date1904: bool = False) -> float | None:
    """A date, a time or a date and a time typed as text, as Excel reads it; None if none.

    >>> date_time_text("1/1/1987 05:00 AM"), date_time_text("29/02/1900"), date_time_text("6:00")
    (31778.208333333332, 60.0, 0.25)
    >>> date_time_text("ciao"), date_time_text("1/1/1987 ciao")
    (None, None)
    """
    t = s.strip()
    d = date_text(t, date1904)
    if d is not None:
        return d
    c = clock_text(t)
    if c is not None:
        return c
    head, _, tail = t.partition(" ")
    if tail:
        d = date_text(head, date1904)
        c = clock_text(tail)
        if d is not None and c is not None:
            return d + c
    return None


def number(v: Any, date1904: bool = False) -> float:
    """An argument as a number: empty 0, TRUE 1, FALSE 0, numeric text its number, else #VALUE!.

    >>> number(None), number(True), number("29/02/1900"), number(2)
    (0.0, 1.0, 60.0, 2.0)
    >>> try:
    ...     number("ciao")
    ... except ExcelError as e:
    ...     e.kind
    'Value'
    """
    passed_on(v)
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        n = number_text(v, date1904)
        if n is not None:
            return n
    if isinstance(v, dt.date | dt.time):   # a date-typed cell, should the engine pass one
        return _temporal(v, date1904)
    raise ExcelError("Value")


def _temporal(v: dt.date | dt.time, date1904: bool) -> float:
    """A date, date-time or time as its serial number.

    >>> _temporal(dt.datetime(2014, 1, 1, 12), False), _temporal(dt.time(6), False)
    (41640.5, 0.25)
    """
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    day = date_serial(v.year, v.month, v.day, date1904)
    if day is None:
        raise ExcelError("Num")
    if isinstance(v, dt.datetime):
        return day + _temporal(v.time(), date1904)
    return day


def strict_number(v: Any, date1904: bool = False) -> float:
    """As :func:`number`, but a logical value is #VALUE! (the Analysis ToolPak functions:
    BESSELI, ERF, DELTA, GESTEP, SQRTPI, FACTDOUBLE, MROUND… reject TRUE and FALSE).

    >>> strict_number("2"), strict_number(None)
    (2.0, 0.0)
    """
    if isinstance(v, bool):
        raise ExcelError("Value")
    return number(v, date1904)


def logical(v: Any) -> bool:
    """An argument as a logical value: a number is TRUE unless 0, text ``TRUE``/``FALSE`` (any
    case) its value, empty FALSE, other text #VALUE!.

    >>> logical("true"), logical(0.0), logical(None), logical(-2)
    (True, False, False, True)
    """
    passed_on(v)
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return v != 0
    if isinstance(v, str):
        t = v.strip().upper()
        if t in ("TRUE", "FALSE"):
            return t == "TRUE"
    raise ExcelError("Value")


def text(v: Any) -> str:
    """An argument as text: empty ``""``, logical ``TRUE``/``FALSE``, a number as Excel shows it
    in General format (at most 15 significant digits).

    >>> text(None), text(True), text(3.0), text(0.1 + 0.2), text(1e21)
    ('', 'TRUE', '3', '0.3', '1E+21')
    """
    passed_on(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        return general(float(v))
    return str(v)


def general(x: float) -> str:
    """A number as Excel's General format writes it in a formula result (15 significant digits).

    >>> general(123456789012345678.0), general(-0.000012345), general(2.5)
    ('1.23456789012346E+17', '-0.000012345', '2.5')
    """
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    exp = math.floor(math.log10(abs(x)))
    if -10 < exp < 15:
        s = f"{x:.{max(14 - exp, 0)}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    m = f"{x:.14E}"
    mant, e = m.split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{'+' if int(e) >= 0 else '-'}{abs(int(e)):02d}"


def error_kind(thunk: Any) -> str | None:
    """The kind of the :class:`ExcelError` ``thunk()`` raises, None if it returns (for doctests).

    >>> error_kind(lambda: number("x")), error_kind(lambda: number("1"))
    ('Value', None)
    """
    try:
        thunk()
    except ExcelError as e:
        return e.kind
    return None


def _pick(a: Any, i: int, j: int) -> Any:
    """Element (i, j) of an argument, broadcast as Excel does (a single row or column repeats;
    beyond a smaller array's edge #N/A)."""
    if not isinstance(a, list):
        return a
    ii = i if len(a) > 1 else 0
    jj = j if a and len(a[0]) > 1 else 0
    if ii >= len(a) or not a[ii] or jj >= len(a[ii]):
        return error("Na")
    return a[ii][jj]


def elementwise(fn: Any, arrays: frozenset[int] = frozenset()) -> Any:
    """``fn`` lifted over its array arguments as Excel lifts a function of single values (an
    array result of the broadcast shape); :class:`ExcelError` becomes the error value.
    Arguments at the positions ``arrays`` are passed whole.

    >>> f = elementwise(lambda a, b: number(a) + number(b))
    >>> f(1, 2), f([[1, 2]], [[10], [20]]), f([[1, "x"]], 1)
    (3.0, [[11.0, 12.0], [21.0, 22.0]], [[2.0, {'type': 'Error', 'kind': 'Value'}]])
    """

    def one(*args: Any) -> Any:
        try:
            return fn(*args)
        except ExcelError as e:
            return error(e.kind)

    def call(*args: Any) -> Any:
        lift = [k for k, a in enumerate(args) if isinstance(a, list) and a and k not in arrays]
        if not lift:
            return one(*args)
        rows = max(len(args[k]) for k in lift)
        cols = max(len(args[k][0]) for k in lift)
        return [[one(*(_pick(a, i, j) if k in lift else a for k, a in enumerate(args)))
                 for j in range(cols)] for i in range(rows)]

    call.__name__ = getattr(fn, "__name__", "fn")
    call.__doc__ = fn.__doc__
    return call


def scalar_only(fn: Any, arrays_ok: bool = False) -> Any:
    """``fn`` for a function Excel does not lift (the Analysis ToolPak's): an array argument is
    #VALUE! (unless ``arrays_ok``: ``fn`` takes it), :class:`ExcelError` the error value.

    >>> scalar_only(lambda a: number(a))([[1, 2]]), scalar_only(lambda a: number(a))("x")
    ({'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})
    """

    def call(*args: Any) -> Any:
        if not arrays_ok and any(isinstance(a, list) for a in args):
            return error("Value")
        try:
            return fn(*args)
        except ExcelError as e:
            return error(e.kind)

    call.__name__ = getattr(fn, "__name__", "fn")
    call.__doc__ = fn.__doc__
    return call
