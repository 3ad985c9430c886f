"""Date and time functions (DATE, TIME, DATEVALUE, TIMEVALUE, DAY, MONTH, YEAR, HOUR, MINUTE,
SECOND, WEEKDAY, WEEKNUM, ISOWEEKNUM, EDATE, EOMONTH, DATEDIF, YEARFRAC) as Excel computes them,
and the registration of the text functions of xlmodel.engine.excel_text.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real: formulas' test.xlsx sheet DATE & TIME, pycel's
date-time.xlsx and yearfrac.xlsx, xlcalculator's DATE.xlsx).  Argument coercion:
xlmodel.engine.excel_coerce.

Excel's 1900 date system counts the fictitious 29 February 1900 (serial 60), so its weekdays
before 1 March 1900 are one day off the real calendar (serial 1, 1 January 1900, is a Sunday);
WEEKDAY, WEEKNUM and ISOWEEKNUM follow Excel's serials, not the real calendar.  Serial 0 is
"0 January 1900" (DAY 0, MONTH 1, YEAR 1900); the last date is 31 December 9999.

The Analysis ToolPak functions (EDATE, EOMONTH, WEEKNUM, YEARFRAC) reject a logical value and a
range argument with #VALUE!; the others accept TRUE as 1 and are lifted over arrays (an array
formula ``{=DAY(C1:Q1)}`` gives one day per element), as Excel's cached values show.

Registration is gated by the workbook's formulas (:func:`register`): a function is overridden
only if the workbook calls it, and only while its calls stay under :data:`CALL_BUDGET`, so a
large model (thousands of DATE or LEFT calls) keeps formualizer's native speed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_coerce as xc
from xlmodel.engine.excel_registry import Rewrite

#: Functions whose left-out arguments (``TEXTSPLIT(A1,,";")``) must reach the callback as such:
#: formualizer passes a left-out argument as 0, which for these is a delimiter or a count.
_OMITTED_MATTERS = ("TEXTSPLIT", "TEXTAFTER", "TEXTBEFORE")
_OMITTED = re.compile(r"(?:" + "|".join(_OMITTED_MATTERS) + r")\(.*(?:,\s*[,)]|\(\s*,)", re.S)


def _mark_omitted(text: str) -> str:
    """Left-out arguments of TEXTSPLIT, TEXTAFTER and TEXTBEFORE as ``""`` (read as left out).

    >>> _mark_omitted('_xlfn.TEXTSPLIT(A1,,";")'), _mark_omitted("TEXTSPLIT(A1,B1)")
    ('_xlfn.TEXTSPLIT(A1,"",";")', 'TEXTSPLIT(A1,B1)')
    """
    if not _OMITTED.search(text):
        return text
    from xlmodel.engine.formualizer_engine import _fill_omitted

    names = {n for name in _OMITTED_MATTERS for n in (name, f"_XLFN.{name}")}
    return _fill_omitted(text, names)


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("omitted text arguments", re.compile(rb"TEXT(?:SPLIT|AFTER|BEFORE)\("), _mark_omitted),)

#: The most formula cells calling one function for which its Python override is registered:
#: a callback costs a few microseconds a call, so at this budget the whole workbook pays at most
#: some tens of milliseconds a function; beyond it formualizer's native function is kept (a
#: large model keeps the native speed; its rare edge cases are then formualizer's).
CALL_BUDGET = 5_000

_MAX_1900, _MAX_1904 = 2958465, 2957003   # 31 December 9999 in either date system


# --------------------------------------------------------------------------- calendar ----
def serial_of(y: int, m: int, d: int, date1904: bool = False) -> int:
    """The serial of a real date, also before the epoch (negative), Excel's 29 Feb 1900 counted.

    >>> serial_of(1900, 1, 1), serial_of(1900, 3, 1), serial_of(1899, 1, 1), serial_of(1905, 6, 9)
    (1, 61, -364, 1987)
    """
    if date1904:
        return (dt.date(y, m, d) - dt.date(1904, 1, 1)).days
    if (y, m, d) == (1900, 2, 29):
        return 60
    days = (dt.date(y, m, d) - dt.date(1899, 12, 31)).days
    return days + 1 if days >= 60 else days


def ymd(serial: int, date1904: bool = False) -> tuple[int, int, int]:
    """(year, month, day) of a serial, Excel's way: serial 0 is 0 January 1900, 60 is 29 Feb 1900.

    >>> ymd(0), ymd(60), ymd(61), ymd(1987), ymd(-2)
    ((1900, 1, 0), (1900, 2, 29), (1900, 3, 1), (1905, 6, 9), (1899, 12, 29))
    """
    if date1904:
        d = dt.date(1904, 1, 1) + dt.timedelta(days=serial)
        return d.year, d.month, d.day
    if serial == 0:
        return 1900, 1, 0
    if serial == 60:
        return 1900, 2, 29
    d = dt.date(1899, 12, 31 if serial < 60 else 30) + dt.timedelta(days=serial)
    return d.year, d.month, d.day


def _days_in_month(y: int, m: int, date1904: bool) -> int:
    if m == 2 and y == 1900 and not date1904:
        return 29                                   # Excel's fictitious leap day
    return calendar.monthrange(y, m)[1]


def _monday0(serial: int, date1904: bool) -> int:
    """The weekday of a serial as Excel counts it, Monday 0 … Sunday 6 (serial 1 is a Sunday)."""
    return (serial + (4 if date1904 else 5)) % 7


def _max(date1904: bool) -> int:
    return _MAX_1904 if date1904 else _MAX_1900


def _serial_arg(v: Any, date1904: bool, strict: bool = False) -> int:
    """A date argument as a whole serial: #NUM! below 0 or past 31 Dec 9999."""
    n = (xc.strict_number if strict else xc.number)(v, date1904)
    if n < 0 or n >= _max(date1904) + 1:
        raise xc.ExcelError("Num")
    return math.floor(n)


# -------------------------------------------------------------------------- functions ----
def date(year: Any, month: Any, day: Any, date1904: bool = False) -> float:
    """DATE(year, month, day): each truncated; a year below 1900 has 1900 added; a month or day
    out of range carries over; a year below 0 or from 10000, or a date before the epoch, #NUM!.

    >>> date(2014, 1, 1), date(0, 1, 0), date(1, 0, 0), date(1900, 3, 0), date(2009, 1, 400)
    (41640.0, 0.0, 335.0, 60.0, 40213.0)
    >>> [xc.error_kind(lambda: date(*a)) for a in ((0.9, 0.9, 0.9), (10000, 1, 1), (-1, 1, 1))]
    ['Num', 'Num', 'Num']
    """
    y = math.trunc(xc.number(year, date1904))
    m = math.trunc(xc.number(month, date1904))
    d = math.trunc(xc.number(day, date1904))
    if y < 1900:
        y += 1900
    if not 0 <= y < 10000 or (date1904 and y < 1904):
        raise xc.ExcelError("Num")
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if not 1 <= y <= 9999:
        raise xc.ExcelError("Num")
    serial = serial_of(y, m, 1, date1904) + d - 1
    if not 0 <= serial <= _max(date1904):
        raise xc.ExcelError("Num")
    return float(serial)


def time(hour: Any, minute: Any, second: Any, date1904: bool = False) -> float:
    """TIME(hour, minute, second): each truncated, at most 32767; the time of day of the total
    (a negative total is #NUM!).

    >>> time(1, 0, 0), round(time(32767.99, -1, 67), 12), xc.error_kind(lambda: time(-1, 0, 67))
    (0.041666666666666664, 0.291747685185, 'Num')
    """
    parts = [math.trunc(xc.number(v, date1904)) for v in (hour, minute, second)]
    if any(p > 32767 for p in parts):
        raise xc.ExcelError("Num")
    total = parts[0] * 3600 + parts[1] * 60 + parts[2]
    if total < 0:
        raise xc.ExcelError("Num")
    return (total % 86400) / 86400


def _text_serial(v: Any, date1904: bool) -> float:
    """DATEVALUE's and TIMEVALUE's argument: a text that reads as a date and/or time."""
    xc.passed_on(v)
    if not isinstance(v, str):
        raise xc.ExcelError("Value")
    n = xc.date_time_text(v, date1904)
    if n is None:
        raise xc.ExcelError("Value")
    return n


def datevalue(text: Any, date1904: bool = False) -> float:
    """DATEVALUE(date_text): the date of a text (a time in it is dropped); a number is #VALUE!.

    >>> datevalue("1/1/1987 02:00 AM"), xc.error_kind(lambda: datevalue(31778.0))
    (31778.0, 'Value')
    """
    return float(math.floor(_text_serial(text, date1904)))


def timevalue(text: Any, date1904: bool = False) -> float:
    """TIMEVALUE(time_text): the time of day of a text, as the date-time serial's fraction.

    >>> timevalue("1/1/1987 05:00 AM"), timevalue("12:00")
    (0.20833333333212067, 0.5)
    """
    n = _text_serial(text, date1904)
    return n - math.floor(n)


def day(v: Any, date1904: bool = False) -> float:
    """DAY(serial_number).

    >>> day("600"), day(0), day(True)
    (22.0, 0.0, 1.0)
    """
    return float(ymd(_serial_arg(v, date1904), date1904)[2])


def month(v: Any, date1904: bool = False) -> float:
    """MONTH(serial_number).

    >>> month(0), month("600")
    (1.0, 8.0)
    """
    return float(ymd(_serial_arg(v, date1904), date1904)[1])


def year(v: Any, date1904: bool = False) -> float:
    """YEAR(serial_number).

    >>> year(0), year(1987)
    (1900.0, 1905.0)
    """
    return float(ymd(_serial_arg(v, date1904), date1904)[0])


def _seconds(v: Any, date1904: bool) -> int:
    """The time of day of a serial, in whole seconds (rounded to the nearest, as Excel shows)."""
    n = xc.number(v, date1904)
    if n < 0 or n >= _max(date1904) + 1:
        raise xc.ExcelError("Num")
    return round((n - math.floor(n)) * 86400) % 86400


def hour(v: Any, date1904: bool = False) -> float:
    """HOUR(serial_number).

    >>> hour(0.44), hour(1.4), hour("12:59:59 AM")
    (10.0, 9.0, 0.0)
    """
    return float(_seconds(v, date1904) // 3600)


def minute(v: Any, date1904: bool = False) -> float:
    """MINUTE(serial_number).

    >>> minute(0.44), minute(61.6)
    (33.0, 24.0)
    """
    return float(_seconds(v, date1904) // 60 % 60)


def second(v: Any, date1904: bool = False) -> float:
    """SECOND(serial_number).

    >>> second(0.44), second(0.33)
    (36.0, 12.0)
    """
    return float(_seconds(v, date1904) % 60)


#: WEEKDAY's return types: the Monday-0 weekday of the first day of the week, and the number
#: of that first day (1, or 0 for type 3).
_WEEKDAY_TYPES = {1: (6, 1), 2: (0, 1), 3: (0, 0), 11: (0, 1), 12: (1, 1), 13: (2, 1),
                  14: (3, 1), 15: (4, 1), 16: (5, 1), 17: (6, 1)}


def weekday(v: Any, return_type: Any = None, date1904: bool = False) -> float:
    """WEEKDAY(serial_number, [return_type]): Excel's weekday (serial 1 is a Sunday).

    >>> weekday(1987), weekday(0), weekday(1), weekday(1987, 2), weekday(1987, 3)
    (6.0, 7.0, 1.0, 5.0, 4.0)
    """
    s = _serial_arg(v, date1904)
    t = 1 if return_type is None else math.trunc(xc.number(return_type, date1904))
    if t not in _WEEKDAY_TYPES:
        raise xc.ExcelError("Num")
    first, base = _WEEKDAY_TYPES[t]
    return float((_monday0(s, date1904) - first) % 7 + base)


def isoweeknum(v: Any, date1904: bool = False) -> float:
    """ISOWEEKNUM(date): the ISO 8601 week of Excel's date (weeks start on Monday; week 1 holds
    the year's first Thursday).

    >>> isoweeknum(1987), isoweeknum(8), isoweeknum(1), isoweeknum(0), isoweeknum(31778)
    (23.0, 1.0, 52.0, 52.0, 1.0)
    """
    s = _serial_arg(v, date1904)
    thursday = s - _monday0(s, date1904) + 3
    y = ymd(thursday, date1904)[0] if thursday else 1899
    return float((thursday - serial_of(y, 1, 1, date1904)) // 7 + 1)


_WEEKNUM_TYPES = {1: 6, 2: 0, 11: 0, 12: 1, 13: 2, 14: 3, 15: 4, 16: 5, 17: 6}


def weeknum(v: Any, return_type: Any = None, date1904: bool = False) -> float:
    """WEEKNUM(serial_number, [return_type]): week 1 holds 1 January, weeks start on the type's
    day; type 21 is the ISO week.  A logical value is #VALUE! (an Analysis ToolPak function).

    >>> weeknum(1987, 2), weeknum(8, 1), weeknum(1, 1), weeknum(0, 1), weeknum(31778, 1)
    (24.0, 2.0, 1.0, 0.0, 1.0)
    """
    s = _serial_arg(v, date1904, strict=True)
    t = 1 if return_type is None else math.trunc(xc.strict_number(return_type, date1904))
    if t == 21:
        return isoweeknum(float(s), date1904)
    if t not in _WEEKNUM_TYPES:
        raise xc.ExcelError("Num")
    y = ymd(s, date1904)[0]
    jan1 = serial_of(y, 1, 1, date1904)
    offset = (_monday0(jan1, date1904) - _WEEKNUM_TYPES[t]) % 7
    return float((s - jan1 + offset) // 7 + 1)


def _add_months(start: Any, months: Any, date1904: bool, end_of_month: bool) -> float:
    s = _serial_arg(start, date1904, strict=True)
    n = math.trunc(xc.strict_number(months, date1904))
    y, m, d = ymd(s, date1904)
    y, m0 = divmod(y * 12 + m - 1 + n, 12)
    m = m0 + 1
    if not (1904 if date1904 else 1900) <= y <= 9999:
        raise xc.ExcelError("Num")
    last = _days_in_month(y, m, date1904)
    if end_of_month:
        serial = serial_of(y, m, last, date1904)
    elif d == 0:                     # from 0 January 1900: the day before the month's first
        serial = serial_of(y, m, 1, date1904) - 1
    else:
        serial = serial_of(y, m, min(d, last), date1904)
    if not 0 <= serial <= _max(date1904):
        raise xc.ExcelError("Num")
    return float(serial)


def edate(start: Any, months: Any, date1904: bool = False) -> float:
    """EDATE(start_date, months): the same day ``months`` later (the month's last day if
    shorter).  A logical value is #VALUE!; a negative start or a result out of range #NUM!.

    >>> edate(8, 2), edate(1, ".55"), edate(0, 0), edate(31, 1), edate(1987, 8), edate(2958465, 0)
    (68.0, 1.0, 0.0, 60.0, 2232.0, 2958465.0)
    """
    return _add_months(start, months, date1904, end_of_month=False)


def eomonth(start: Any, months: Any, date1904: bool = False) -> float:
    """EOMONTH(start_date, months): the last day of the month ``months`` later.

    >>> eomonth(8, 2), eomonth(1, ".55"), eomonth(0, 0), eomonth(1987, 8)
    (91.0, 31.0, 31.0, 2251.0)
    """
    return _add_months(start, months, date1904, end_of_month=True)


def datedif(start: Any, end: Any, unit: Any, date1904: bool = False) -> float:
    """DATEDIF(start_date, end_date, unit): whole years ``Y``, months ``M``, days ``D``, and
    ``MD``/``YM``/``YD`` ignoring the larger units.  ``YD`` counts from the start date to the
    end's month and day in the start's year (or the next): Excel's cached DATEDIF(8, 1987, "YD")
    is 153 (1900 has Excel's 29 Feb), and LibreOffice's interpreter (its DATEDIF) notes
    Excel's 323 for 1988-06-22 to 2012-05-11 where counting in the end's year gives 324.

    >>> datedif(8, 1987, "YD"), datedif(1, 8, "Y"), datedif(0, 1, "m"), datedif(1, 1987, "D")
    (153.0, 0.0, 0.0, 1986.0)
    >>> datedif(serial_of(1988, 6, 22), serial_of(2012, 5, 11), "YD")   # Excel 323 (LibreOffice 324)
    323.0
    >>> xc.error_kind(lambda: datedif(2, 1, "D")), xc.error_kind(lambda: datedif(1, 2, "a"))
    ('Num', 'Num')
    """
    s = _serial_arg(start, date1904)
    e = _serial_arg(end, date1904)
    u = xc.text(unit).strip().upper()
    if s > e or u not in ("Y", "M", "D", "MD", "YM", "YD"):
        raise xc.ExcelError("Num")
    if u == "D":
        return float(e - s)
    y1, m1, d1 = ymd(s, date1904) if s else (1899, 12, 31)
    y2, m2, d2 = ymd(e, date1904) if e else (1899, 12, 31)
    months = (y2 - y1) * 12 + (m2 - m1) - (1 if d2 < d1 else 0)
    if u == "M":
        return float(months)
    if u == "Y":
        return float(months // 12)
    if u == "YM":
        return float(months % 12)
    if u == "MD":
        if d2 >= d1:
            return float(d2 - d1)
        pm, py = (m2 - 1, y2) if m2 > 1 else (12, y2 - 1)
        return float(_days_in_month(py, pm, date1904) - d1 + d2) if py >= 1900 else float(d2)
    # YD
    ref_year = y1 if (m2, d2) >= (m1, d1) else y1 + 1
    d = min(d2, _days_in_month(ref_year, m2, date1904))
    return float(serial_of(ref_year, m2, d, date1904) - s) if ref_year >= 1900 or date1904 \
        else float(e - s)


def yearfrac(start: Any, end: Any, basis: Any = None, date1904: bool = False) -> float:
    """YEARFRAC(start_date, end_date, [basis]): the basis is checked first (an invalid basis
    wins over an error in a date), dates truncated and in either order; a logical value, a date
    past 31 Dec 9999 or below 0 #NUM!/#VALUE! as Excel (an Analysis ToolPak function).

    >>> round(yearfrac(1987, 345, 1), 10), yearfrac(1, 200, 0)
    (4.4965769055, 0.5472222222222223)
    >>> xc.error_kind(lambda: yearfrac(None, 345, "1/1/1987 05:00 AM"))
    'Num'
    """
    from xlmodel.engine.excel_more import yearfrac_days

    b = 0 if basis is None else math.trunc(xc.strict_number(basis, date1904))
    if not 0 <= b <= 4:
        raise xc.ExcelError("Num")
    s = _serial_arg(start, date1904, strict=True)
    e = _serial_arg(end, date1904, strict=True)
    if s > e:
        s, e = e, s
    return yearfrac_days(s, e, b, date1904)


# ----------------------------------------------------------------------- registration ----
#: name → (function, min args, max args, lifted over arrays)
FUNCTIONS: dict[str, tuple[Callable[..., float], int, int, bool]] = {
    "DATE": (date, 3, 3, True), "TIME": (time, 3, 3, True),
    "DATEVALUE": (datevalue, 1, 1, True), "TIMEVALUE": (timevalue, 1, 1, True),
    "DAY": (day, 1, 1, True), "MONTH": (month, 1, 1, True), "YEAR": (year, 1, 1, True),
    "HOUR": (hour, 1, 1, True), "MINUTE": (minute, 1, 1, True), "SECOND": (second, 1, 1, True),
    "WEEKDAY": (weekday, 1, 2, True), "ISOWEEKNUM": (isoweeknum, 1, 1, True),
    "DATEDIF": (datedif, 3, 3, True),
    "WEEKNUM": (weeknum, 1, 2, False), "EDATE": (edate, 2, 2, False),
    "EOMONTH": (eomonth, 2, 2, False), "YEARFRAC": (yearfrac, 2, 3, False),
}


def _bind(fn: Callable[..., Any], date1904: bool, lifted: bool) -> Callable[..., Any]:
    def one(*args: Any) -> Any:
        return fn(*args, date1904=date1904)

    one.__name__ = fn.__name__.upper()
    return xc.elementwise(one) if lifted else xc.scalar_only(one)


def chosen(available: Iterable[str], counted: Mapping[str, int]) -> list[str]:
    """The functions to override: called by the workbook, within the budget.

    >>> chosen(["DATE", "DAY", "HOUR"], {"DATE": 9000, "DAY": 3, "SUM": 5})
    ['DAY']
    """
    return [n for n in available if 0 < counted.get(n, 0) <= CALL_BUDGET]


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register the date functions and excel_text's text functions the workbook calls."""
    from xlmodel.engine import excel_lifting, excel_registry, excel_text

    table = {name: (_bind(fn, date1904, lifted), lo, hi)
             for name, (fn, lo, hi, lifted) in FUNCTIONS.items()}
    table.update(excel_text.registered(date1904))
    counted = excel_registry.called(formulas)   # one shape-grouped scan, shared by every module
    if not any(name in counted for name in table):
        return
    own = {str(f["name"]).upper() for f in wb.list_functions()}
    for name in chosen(table, counted):
        fn, lo, hi = table[name]
        for spelling in excel_lifting.spellings(name):
            if spelling.upper() in own:   # an earlier module's override (excel_lifting…): ours wins
                wb.unregister_function(spelling)
            wb.register_function(spelling, fn, min_args=lo, max_args=hi,
                                 allow_override_builtin=True)
