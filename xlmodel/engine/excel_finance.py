"""Financial, information and logical functions (CUMIPMT, IRR, XIRR, PPMT, RATE, ISBLANK,
ISFORMULA, AND, OR…) as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real, formulas' test.xlsx sheets FINANCIAL, INFORMATION and
LOGICAL; tests/test_corpus_finmisc.py).  Argument coercion: xlmodel.engine.excel_coerce.

Where formualizer 0.13 differs from Excel (seen in the corpus):

- PPMT refuses numeric text (``PPMT(r,"3","33","10000","1")`` is a number in Excel);
- CUMIPMT/CUMPRINC truncate ``nper`` (Excel does not: ``CUMIPMT(3.2,5.5,125000,3,5,1)`` is
  -271,489.34, not the -256,550.39 of nper 5) and accept TRUE (Excel: #VALUE!, as the other
  Analysis ToolPak functions);
- IRR stops its iteration early (19.1051126 where Excel has 19.10510961859) and takes an error
  among the values as a number (Excel: #VALUE!);
- XNPV accepts a rate ≤ 0 and TRUE (Excel: #NUM! and #VALUE!); XIRR accepts a logical guess
  and passes the values' error before the dates' (Excel: the dates' first).

Each override is registered only for a workbook whose formulas call it (a Python callback costs
about a microsecond per argument cell and call).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_lifting
from xlmodel.engine.excel_coerce import ExcelError, error, is_error, number, passed_on, strict_number
from xlmodel.engine.excel_registry import Rewrite

REWRITES: tuple[Rewrite, ...] = ()


# ---------------------------------------------------------------------------------- lifting ----
def _lifted(fn: Callable[..., Any], whole: frozenset[int] = frozenset()) -> Callable[..., Any]:
    """``fn`` applied element by element over the range arguments not in ``whole`` (Excel's
    array lifting in an array formula), an :class:`ExcelError` returned as the error value.

    >>> _lifted(lambda a, b: a + b)([[1.0, 2.0]], 1.0)
    [[2.0, 3.0]]
    """

    def one(*args: Any) -> Any:
        try:
            return fn(*args)
        except ExcelError as e:
            return error(e.kind)
        except (OverflowError, ZeroDivisionError, ValueError):
            return error("Num")

    def call(*args: Any) -> Any:
        lift = [k for k, a in enumerate(args) if isinstance(a, list) and k not in whole and a]
        if not lift:
            return one(*args)
        rows = max(len(args[k]) for k in lift)
        cols = max(len(args[k][0]) for k in lift)
        return [[one(*(excel_lifting._pick(a, i, j) if k in lift else a
                       for k, a in enumerate(args)))
                 for j in range(cols)] for i in range(rows)]

    call.__name__ = getattr(fn, "__name__", "fn")
    call.__doc__ = fn.__doc__
    return call


def _scalar(v: Any, coerce: Callable[[Any], float] = number) -> float:
    """A scalar argument (a range where Excel wants one value is #VALUE!), coerced."""
    if isinstance(v, list):
        raise ExcelError("Value")
    return coerce(v)


def _finite(x: float) -> float:
    if isinstance(x, complex) or not math.isfinite(x):
        raise ExcelError("Num")
    return x


def _kind(t: Any) -> float:
    """The ``type`` argument of the annuity functions: 0 (end of period) or 1 (beginning); any
    number other than 0 counts as 1 (Excel)."""
    return 0.0 if number(t) == 0 else 1.0


# ------------------------------------------------------------------------- annuity formulas ----
def _pmt(rate: float, nper: float, pv: float, fv: float, kind: float) -> float:
    if nper == 0:
        raise ExcelError("Num")
    if rate == 0:
        return -(pv + fv) / nper
    f = (1 + rate) ** nper
    return -(pv * f + fv) * rate / ((1 + rate * kind) * (f - 1))


def _fv(rate: float, nper: float, pmt: float, pv: float, kind: float) -> float:
    if rate == 0:
        return -(pv + pmt * nper)
    f = (1 + rate) ** nper
    return -(pv * f + pmt * (1 + rate * kind) * (f - 1) / rate)


def _ipmt(rate: float, per: float, nper: float, pv: float, fv: float, kind: float) -> float:
    """The interest part of payment ``per`` (LibreOffice's and Excel's formula)."""
    if per < 1 or per >= nper + 1:
        raise ExcelError("Num")
    pmt = _pmt(rate, nper, pv, fv, kind)
    if per == 1:
        return 0.0 if kind == 1 else -pv * rate
    if kind == 1:
        return (_fv(rate, per - 2, pmt, pv, 1) - pmt) * rate
    return _fv(rate, per - 1, pmt, pv, 0) * rate


def ppmt(rate: Any, per: Any, nper: Any, pv: Any, fv: Any = None, kind: Any = None) -> float:
    """PPMT(rate, per, nper, pv, [fv], [type]): the principal part of payment ``per``.

    Numeric text counts as its number, as in every Excel function taking a number (Microsoft,
    "PPMT function"; formualizer refuses it).  Excel's cached value (test.xlsx FINANCIAL!R40):

    >>> round(ppmt(-0.1, "3", "33", "10000", "1"), 10)
    -835.9133596023
    >>> ppmt(0.1, 2, 1, 4, 0, 1)
    Traceback (most recent call last):
    ...
    xlmodel.engine.excel_coerce.ExcelError: Num
    """
    r, p, n, v = (_scalar(x) for x in (rate, per, nper, pv))
    f = _scalar(fv) if fv is not None else 0.0
    k = _kind(kind) if kind is not None else 0.0
    return _finite(_ppmt(r, p, n, v, f, k))


def _ppmt(rate: float, per: float, nper: float, pv: float, fv: float, kind: float) -> float:
    """The principal part of payment ``per``, as -(pv+fv)·r·(1+r)^(per-1) / ((1+r)^nper - 1):
    PMT - IPMT without the cancellation (Excel's cached values keep their digits where the
    difference loses them: PPMT(5,3,33,10000,1) is -3.77e-20, test.xlsx FINANCIAL!V40).  With
    ``type`` 1, PMT - IPMT.

    >>> f"{_ppmt(5.0, 3.0, 33.0, 10000.0, 1.0, 0.0):.10e}"
    '-3.7698552037e-20'
    """
    if per < 1 or per >= nper + 1:
        raise ExcelError("Num")
    if rate == 0:
        return -(pv + fv) / nper
    if kind == 1:
        return _pmt(rate, nper, pv, fv, kind) - _ipmt(rate, per, nper, pv, fv, kind)
    return -(pv + fv) * rate * (1 + rate) ** (per - 1) / ((1 + rate) ** nper - 1)


def _cumulative(principal: bool) -> Callable[..., Any]:
    def fn(rate: Any, nper: Any, pv: Any, start: Any, end: Any, kind: Any) -> float:
        args = [_scalar(x, strict_number) for x in (rate, nper, pv, start, end, kind)]
        r, n, v = args[:3]
        s, e, k = math.trunc(args[3]), math.trunc(args[4]), math.trunc(args[5])
        if r <= 0 or n <= 0 or v <= 0 or s < 1 or e < s or e > n or k not in (0, 1):
            raise ExcelError("Num")
        total = 0.0
        for per in range(s, e + 1):
            interest = _ipmt(r, per, n, v, 0.0, k)
            total += _pmt(r, n, v, 0.0, k) - interest if principal else interest
        return _finite(total)

    fn.__name__ = "CUMPRINC" if principal else "CUMIPMT"
    return fn


cumipmt = _cumulative(False)
cumipmt.__doc__ = """CUMIPMT(rate, nper, pv, start_period, end_period, type): the interest paid
from ``start_period`` to ``end_period``.

Microsoft's page says nper is truncated; Excel does not truncate it (test.xlsx FINANCIAL!R13
caches -271,489.34 for nper 5.5, which is the sum of the interest parts at nper 5.5).  The
periods and the type are truncated; a logical value is #VALUE! (an Analysis ToolPak function);
rate, nper or pv ≤ 0, a start < 1 or after the end, an end after nper, a type not 0 or 1: #NUM!.

>>> round(cumipmt(3.2, 5.5, 125000, 3, 5, 1), 6)
-271489.341224
>>> round(cumipmt(0.09 / 12, 30 * 12, 125000, 13, 24, 0), 5)   # Microsoft's example
-11135.23213
"""
cumprinc = _cumulative(True)
cumprinc.__doc__ = """CUMPRINC(rate, nper, pv, start_period, end_period, type): the principal
paid from ``start_period`` to ``end_period`` (the rules of :func:`cumipmt`).

>>> round(cumprinc(0.09 / 12, 30 * 12, 125000, 13, 24, 0), 6)   # Microsoft's example
-934.107123
"""


# ---------------------------------------------------------------------------------- IRR ----
def _cash_flows(values: Any) -> list[float]:
    """The numbers of IRR's values (a range or array): text, logical values and empty cells are
    left out; an error among them is #VALUE! (Excel's cached values: test.xlsx FINANCIAL!Z26:AF26,
    Z27)."""
    rows = values if isinstance(values, list) else [[values]]
    out = []
    for row in rows:
        for v in row:
            if is_error(v):
                raise ExcelError("Value")
            if isinstance(v, int | float) and not isinstance(v, bool):
                out.append(float(v))
    return out


def _root(flows: list[float], times: list[float], guess: float, tries: int,
          accuracy: float) -> float:
    """The rate r at which the cash ``flows`` at ``times`` (in periods) are worth 0 today.

    Newton's method on the discount factor x = 1/(1+r), in which the present value
    Σ flow·x^time is a polynomial (in r, a first step from a high guess falls below -1 and
    fails; Excel's cached values show that Excel finds those rates: test.xlsx FINANCIAL!T26,
    U26, AG26).  The rate must settle within ``accuracy`` in ``tries`` steps, else #NUM!; a
    few more steps polish it to a float's precision.

    >>> round(_root([-1.0, 1.1], [0.0, 1.0], 0.1, 20, 1e-7), 12)
    0.1
    """
    if not (any(v > 0 for v in flows) and any(v < 0 for v in flows)) or guess <= -1:
        raise ExcelError("Num")

    def step(x: float) -> float:
        value = sum(v * x ** t for v, t in zip(flows, times, strict=True))
        slope = sum(v * t * x ** (t - 1) for v, t in zip(flows, times, strict=True) if t)
        if slope == 0:
            raise ExcelError("Num")
        nxt = x - value / slope
        if not math.isfinite(nxt) or nxt <= 0:
            raise ExcelError("Num")
        return nxt

    try:
        x = 1 / (1 + guess)
        for _ in range(tries):
            nxt = step(x)
            settled = abs(1 / nxt - 1 / x) <= accuracy * max(1.0, abs(1 / nxt - 1))
            x = nxt
            if settled:
                break
        else:
            raise ExcelError("Num")
        for _ in range(8):
            try:
                nxt = step(x)
            except ExcelError:
                break
            if nxt == x:
                break
            x = nxt
        return _finite(1 / x - 1)
    except (OverflowError, ZeroDivisionError):
        raise ExcelError("Num") from None


def irr(values: Any, guess: Any = None) -> Any:
    """IRR(values, [guess]): the internal rate of return of periodic cash flows.

    Newton's method from ``guess`` (default 0.1) within Excel's 20 tries and 0.00001 percent
    (Microsoft, "IRR function"), polished to a float's precision.  An error among the values is
    #VALUE!, whatever the error; a guess range is lifted (an array formula gives one rate a
    guess).  Excel's cached values (test.xlsx FINANCIAL!R27, W27, V26):

    >>> round(irr([[-7, 2, -1, 4, -3], [7, 2, -1, 4, 4]]), 12)
    0.190864641884
    >>> round(irr([[-0.1, 2, 0, 4, 5, None]]), 9), round(irr([[-0.1, 2, 0]], 9), 9)
    (19.105109619, 19.0)
    >>> irr([[-7, 2, {"type": "Error", "kind": "Na"}]])
    {'type': 'Error', 'kind': 'Value'}
    """

    def one(g: Any) -> Any:
        try:
            passed_on(g)
            guess_ = 0.1 if g is None and guess is None else _scalar(g)
            flows = _cash_flows(values)
            return _root(flows, [float(i) for i in range(len(flows))], guess_, 20, 1e-7)
        except ExcelError as e:
            return error(e.kind)

    if isinstance(guess, list):
        return [[one(g) for g in row] for row in guess]
    return one(guess)


# --------------------------------------------------------------------------- XNPV, XIRR ----
def _dated_flows(values: Any, dates: Any) -> tuple[list[float], list[float]]:
    """XIRR's and XNPV's (value, date) pairs, errors passed on (the dates' first).

    A pair whose value is empty or text is left out (Excel's cached values: test.xlsx
    FINANCIAL!AD54, AE54 are those of C55:G55 alone); a logical value is #VALUE! (AF54); the
    dates are truncated to whole days; a date before the first is #NUM!.
    """
    vs = [v for row in values for v in row] if isinstance(values, list) else [values]
    ds = [v for row in dates for v in row] if isinstance(dates, list) else [dates]
    for d in ds:
        passed_on(d)
    for v in vs:
        passed_on(v)
    if len(vs) != len(ds):
        raise ExcelError("Num")
    flows, days = [], []
    for v, d in zip(vs, ds, strict=True):
        if isinstance(v, bool) or isinstance(d, bool):
            raise ExcelError("Value")
        if v is None or isinstance(v, str):
            continue
        day = math.floor(number(d))
        if day < 0:
            raise ExcelError("Num")
        flows.append(float(v))
        days.append(float(day))
    if len(flows) < 2 or any(d < days[0] for d in days):
        raise ExcelError("Num")
    return flows, days




def xnpv(rate: Any, values: Any, dates: Any) -> float:
    """XNPV(rate, values, dates): the present value of dated cash flows at ``rate`` (365-day
    years from the first date).

    A rate ≤ 0 is #NUM! and a logical rate #VALUE!, as Excel's cached values show (test.xlsx
    FINANCIAL!S56, U56, X56, Z56); Microsoft's example:

    >>> round(xnpv(0.09, [[-10000, 2750, 4250, 3250, 2750]],
    ...            [[39448, 39508, 39751, 39859, 39904]]), 6)
    2086.647602
    """
    r = _scalar(rate, strict_number)
    flows, days = _dated_flows(values, dates)
    if r <= 0:
        raise ExcelError("Num")
    return _finite(sum(v * (1 + r) ** -((d - days[0]) / 365)
                       for v, d in zip(flows, days, strict=True)))


def xirr(values: Any, dates: Any, guess: Any = None) -> Any:
    """XIRR(values, dates, [guess]): the internal rate of return of dated cash flows.

    Newton's method from ``guess`` (default 0.1) within 100 tries (Microsoft, "XIRR function").
    The guess is checked first (an error passed on, a logical value #VALUE!, numeric or date
    text its number), then the dates, then the values.  Microsoft's example:

    >>> round(xirr([[-10000, 2750, 4250, 3250, 2750]], [[39448, 39508, 39751, 39859, 39904]]), 8)
    0.37336253
    >>> xirr([[-10, 1]], [[1, 9]], True)
    {'type': 'Error', 'kind': 'Value'}
    """

    def one(g: Any) -> Any:
        try:
            guess_ = 0.1 if g is None and guess is None else _scalar(g, strict_number)
            flows, days = _dated_flows(values, dates)
            return _root(flows, [(d - days[0]) / 365 for d in days], guess_, 100, 1e-8)
        except ExcelError as e:
            return error(e.kind)

    return one(guess)


# ------------------------------------------------------------------------------ registry ----
#: name → (callable, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "PPMT": (_lifted(ppmt), 4, 6),
    "CUMIPMT": (_lifted(cumipmt, frozenset(range(6))), 6, 6),
    "CUMPRINC": (_lifted(cumprinc, frozenset(range(6))), 6, 6),
    "IRR": (irr, 1, 2),
    "XNPV": (_lifted(xnpv, frozenset({0, 1, 2})), 3, 3),
    "XIRR": (xirr, 2, 3),
}

_CALL = re.compile(r"(?<![\w.])(?:_xlfn\.)?([A-Z][A-Z0-9.]*)\s*\(", re.IGNORECASE)


def called(formulas: Mapping[str, Iterable[Any]]) -> set[str]:
    """The function names the workbook's formula texts call (upper case, without ``_xlfn.``).

    >>> class F:
    ...     text = "PPMT(A1,2,3,4)+_xlfn.XIRR(A1:A2,B1:B2)"
    >>> sorted(called({"S": [F()]}))
    ['PPMT', 'XIRR']
    """
    names: set[str] = set()
    for cells in formulas.values():
        for fc in cells:
            text = getattr(fc, "text", None)
            if text:
                names.update(m.group(1).upper() for m in _CALL.finditer(text))
    return names


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register the overrides the workbook's formulas call (built-ins of the same name replaced)."""
    names = called(formulas)
    for name, (fn, lo, hi) in FUNCTIONS.items():
        if name in names:
            for spelling in excel_lifting.spellings(name):
                wb.register_function(spelling, fn, min_args=lo, max_args=hi,
                                     allow_override_builtin=True)
