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

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from xlmodel.engine import excel_lifting, excel_registry
from xlmodel.engine.excel_coerce import ExcelError, error, is_error, number, passed_on, strict_number
from xlmodel.engine.excel_refs import area
from xlmodel.engine.excel_refs import rewrite as refs_rewrite
from xlmodel.engine.excel_registry import Rewrite
from xlmodel.engine.sheetxml import address, parse_range

#: An argument left out (formualizer passes fewer arguments), told from an empty cell (None).
OMITTED: Any = object()


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
    """``x``, a complex or infinite result #NUM!, -0.0 as 0 (Excel has no negative zero)."""
    if isinstance(x, complex) or not math.isfinite(x):
        raise ExcelError("Num")
    return x + 0.0


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
    if per < 1 or per > nper:
        raise ExcelError("Num")
    pmt = _pmt(rate, nper, pv, fv, kind)
    if per == 1:
        return 0.0 if kind == 1 else -pv * rate
    if kind == 1:
        return (_fv(rate, per - 2, pmt, pv, 1) - pmt) * rate
    return _fv(rate, per - 1, pmt, pv, 0) * rate


def _optional(fv: Any, kind: Any) -> tuple[float, float]:
    return (_scalar(fv) if fv is not None else 0.0), (_kind(kind) if kind is not None else 0.0)


def pv(rate: Any, nper: Any, pmt: Any, fv: Any = None, kind: Any = None) -> float:
    """PV(rate, nper, pmt, [fv], [type]): the present value of an annuity.

    Numeric text counts as its number (pycel's pv.xlsx, PV!A39:A43: ``"0.05"``, ``"5"``,
    ``"500"``, ``"1000"``, ``"1"`` in the cells give -3,056.50, as numbers do; formualizer
    refuses them); a logical value counts as 1 or 0 (test.xlsx FINANCIAL!Y44).

    >>> round(pv("0.05", 5, "500", 1000, "1"), 8), pv(0, 3, 22)
    (-3056.50141855, -66.0)
    """
    r, n, p = (_scalar(x) for x in (rate, nper, pmt))
    f, k = _optional(fv, kind)
    if r == 0:
        return -(f + p * n)
    g = (1 + r) ** n
    return _finite(-(f + p * (1 + r * k) * (g - 1) / r) / g)


def fv(rate: Any, nper: Any, pmt: Any, pv: Any = None, kind: Any = None) -> float:
    """FV(rate, nper, pmt, [pv], [type]): the future value of an annuity (the coercion of
    :func:`pv`).

    >>> round(fv(3.2, -6, 7), 10), fv(0, 3, 2)
    (2.187101478, -6.0)
    """
    r, n, p = (_scalar(x) for x in (rate, nper, pmt))
    v, k = _optional(pv, kind)
    return _finite(_fv(r, n, p, v, k))


def pmt(rate: Any, nper: Any, pv: Any, fv: Any = None, kind: Any = None) -> float:
    """PMT(rate, nper, pv, [fv], [type]): the payment of an annuity; nper 0 is #NUM! (test.xlsx
    FINANCIAL!S39).

    >>> round(pmt(-0.1 / 12, 2, 0, 10000, 1), 6)
    -5063.113111
    """
    r, n, v = (_scalar(x) for x in (rate, nper, pv))
    f, k = _optional(fv, kind)
    return _finite(_pmt(r, n, v, f, k))


def ipmt(rate: Any, per: Any, nper: Any, pv: Any, fv: Any = None, kind: Any = None) -> float:
    """IPMT(rate, per, nper, pv, [fv], [type]): the interest part of payment ``per``.

    >>> ipmt(3 / 12, 1, 36, 8000), ipmt(0, 1, 36, 8000)
    (-2000.0, 0.0)
    """
    r, p, n, v = (_scalar(x) for x in (rate, per, nper, pv))
    f, k = _optional(fv, kind)
    return _finite(_ipmt(r, p, n, v, f, k))


def nper(rate: Any, pmt: Any, pv: Any, fv: Any = None, kind: Any = None) -> float:
    """NPER(rate, pmt, pv, [fv], [type]): the number of periods of an annuity; no solution
    (a logarithm of a number ≤ 0) is #NUM! (test.xlsx FINANCIAL!S32).

    >>> round(nper(1 / 3, 0, -0.1, 10000, 1), 10), nper(0, 4000, 5)
    (40.0196138983, -0.00125)
    """
    r, p, v = (_scalar(x) for x in (rate, pmt, pv))
    f, k = _optional(fv, kind)
    if r == 0:
        if p == 0:
            raise ExcelError("Num")
        return -(v + f) / p
    num, den = p * (1 + r * k) - f * r, p * (1 + r * k) + v * r
    if den == 0 or num / den <= 0 or r <= -1:
        raise ExcelError("Num")
    return _finite(math.log(num / den) / math.log(1 + r))


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
    f, k = _optional(fv, kind)
    return _finite(_ppmt(r, p, n, v, f, k))


def _ppmt(rate: float, per: float, nper: float, pv: float, fv: float, kind: float) -> float:
    """The principal part of payment ``per``, as -(pv+fv)·r·(1+r)^(per-1) / ((1+r)^nper - 1):
    PMT - IPMT without the cancellation (Excel's cached values keep their digits where the
    difference loses them: PPMT(5,3,33,10000,1) is -3.77e-20, test.xlsx FINANCIAL!V40).  With
    ``type`` 1, PMT - IPMT.

    >>> f"{_ppmt(5.0, 3.0, 33.0, 10000.0, 1.0, 0.0):.10e}"
    '-3.7698552037e-20'
    """
    if per < 1 or per > nper:
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


# ---------------------------------------------------------------------------------- NPV ----
def npv(rate: Any, *values: Any) -> float:
    """NPV(rate, value1, [value2]…): the present value of periodic cash flows, one period before
    the first.

    Only numbers count: text, logical values and empty cells are left out (Microsoft, "NPV
    function"); an error is passed on (Excel's cached values, test.xlsx FINANCIAL!V33).  The
    sum is Σ value_i / (1+r)^(i-1), the factor multiplied up period by period, divided by
    (1+r) at the end: that order gives Excel's last digit, which shows when a result is
    compared with a rounded one (pycel's npv.xlsx, NPV!D7:E9: ``=C7-A7`` is -0.0015549323725,
    where Σ value_i / (1+r)^i gives -0.0015549323653).

    >>> npv(0.08, [[8000.0, 9200.0, 10000.0, 12000.0, 14500.0]])
    41922.06155493237
    >>> npv(0.07, 8000.0, "a", 10000.0, True, None, 14500.0)
    28047.342011668155
    """
    r = _scalar(rate)
    flows = []
    for arg in values:
        for v in _values(arg):
            passed_on(v)
            if isinstance(v, int | float) and not isinstance(v, bool):
                flows.append(float(v))
    if r == -1:
        raise ExcelError("Div")
    total, factor = 0.0, 1.0
    for v in flows:
        total += v / factor
        factor *= 1 + r
    return _finite(total / (1 + r))


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


def irr(values: Any, guess: Any = OMITTED) -> Any:
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
            guess_ = 0.1 if g is OMITTED else _scalar(g)
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




def _bisected(flows: list[float], times: list[float], guess: float) -> float | None:
    """XIRR's rate by bisection between 0 and the guess (doubled until the present value
    changes sign), to half an interval below 1e-8 (Microsoft: "accurate within 0.000001
    percent"); None when no such interval is found (a rate ≤ 0: Newton's method instead).

    Excel's cached values are these midpoints to the last digit (test.xlsx FINANCIAL!R54:AW55:
    0.5993197485804558 from guesses 1 and 4, the bisection of [0, 1]; 0.5993197500705721 from
    0.1, of [0, 0.8]; 0.5993197540431083 from 32015, of [0, 32015]; the root is
    0.5993197557530504), as is Microsoft's example (0.373362535, the root 0.3733625335).

    >>> round(_bisected([-10000, 2750, 4250, 3250, 2750],
    ...                 [(d - 39448) / 365 for d in (39448, 39508, 39751, 39859, 39904)], 0.1), 9)
    0.373362535
    """

    def value(r: float) -> float:
        return sum(v * (1 + r) ** -t for v, t in zip(flows, times, strict=True))

    try:
        at_zero = value(0.0)
        if at_zero == 0:
            return 0.0
        hi = guess
        for _ in range(64):
            if hi <= 0 or not math.isfinite(hi):
                return None
            if (value(hi) > 0) != (at_zero > 0):
                break
            hi *= 2
        else:
            return None
        lo, at_lo = 0.0, at_zero
        for _ in range(200):
            half = (hi - lo) / 2
            mid = lo + half
            if half < 1e-8:
                return mid
            at_mid = value(mid)
            if (at_mid > 0) == (at_lo > 0):
                lo, at_lo = mid, at_mid
            else:
                hi = mid
    except (OverflowError, ZeroDivisionError):
        return None
    return None


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


def xirr(values: Any, dates: Any, guess: Any = OMITTED) -> Any:
    """XIRR(values, dates, [guess]): the internal rate of return of dated cash flows.

    Bisection between 0 and the guess (default 0.1) where that brackets the rate
    (:func:`_bisected`, Excel's digits), else Newton's method from the guess within 100 tries.
    The guess is checked first (an error passed on, a logical value #VALUE!, numeric or date
    text its number), then the dates, then the values.  Microsoft's example:

    >>> round(xirr([[-10000, 2750, 4250, 3250, 2750]], [[39448, 39508, 39751, 39859, 39904]]), 9)
    0.373362535
    >>> xirr([[-10, 1]], [[1, 9]], True)
    {'type': 'Error', 'kind': 'Value'}
    """

    def one(g: Any) -> Any:
        try:
            guess_ = 0.1 if g is OMITTED else _scalar(g, strict_number)
            flows, days = _dated_flows(values, dates)
            times = [(d - days[0]) / 365 for d in days]
            found = _bisected(flows, times, guess_)
            return found if found is not None else _root(flows, times, guess_, 100, 1e-8)
        except ExcelError as e:
            return error(e.kind)

    return one(guess)


# ---------------------------------------------------------------------------------- VDB ----
def _ddb(cost: float, salvage: float, life: float, period: float, factor: float) -> float:
    """The declining-balance depreciation of whole period ``period`` (LibreOffice's formula)."""
    rate = factor / life
    if rate >= 1.0:
        rate, old = 1.0, (cost if period == 1.0 else 0.0)
    else:
        old = cost * (1.0 - rate) ** (period - 1.0)
    new = cost * (1.0 - rate) ** period
    ddb = old - salvage if new < salvage else old - new
    return max(ddb, 0.0)


def _depreciated(cost: float, salvage: float, life: float, t: float, factor: float) -> float:
    """The depreciation from 0 to ``t`` (periods, maybe fractional) by declining balance at
    factor/life, switching to straight line over the life left once that is larger.

    The periods run from the end back: a fractional ``t`` has its part period first (0 to
    frac(t)), then whole periods up to ``t``; so VDB(3.5, 4.5) is the depreciation of the whole
    period from 3.5, straight line on the book value at 3.5 over the 10.5 periods left.  That is
    what Excel's cached values show (xlcalculator's VDB.xlsx, D23:F37: cost 1, life 14, factor
    1.25: every half-period from 3.5 on is 0.0687263, every whole one from 4 on 0.0686679).
    """
    rate = factor / life
    frac = t - math.floor(t)
    lengths = ([frac] if frac > 0 else []) + [1.0] * math.floor(t)
    book, total, elapsed = cost, 0.0, 0.0
    for length in lengths:
        left = life - elapsed
        straight = (book - salvage) / left if left > 0 else book - salvage
        declining = min(book * rate, max(book - salvage, 0.0))
        if straight > declining:   # straight line from here to t
            return total + straight * (t - elapsed)
        total += declining * length
        book -= declining * length
        elapsed += length
    return total


def _vdb(cost: Any, salvage: Any, life: Any, start: Any, end: Any, factor: Any = None,
         no_switch: Any = None) -> float:
    """VDB(cost, salvage, life, start_period, end_period, [factor], [no_switch]).

    Declining balance (factor × straight line, default 2), switching to straight line when that
    is larger unless ``no_switch``: the depreciation to ``end`` less that to ``start``
    (:func:`_depreciated`).  Excel's documented examples (VDB help page):

    >>> [round(_vdb(2400, 300, *a), 2) for a in [(3650, 0, 1), (120, 0, 1), (10, 0, 1),
    ...                                           (120, 6, 18), (120, 6, 18, 1.5), (10, 0, 0.875, 1.5)]]
    [1.32, 40.0, 480.0, 396.31, 311.81, 315.0]
    >>> round(_vdb(1, 0, 14, 3.5, 4.5, 1.25), 12), round(_vdb(1, 0, 14, 4, 5, 1.25), 12)
    (0.068726290455, 0.068667899384)
    """
    c, s, lf, st, en = (_scalar(x) for x in (cost, salvage, life, start, end))
    fa = _scalar(factor) if factor not in (None, "") else 2.0
    ns = bool(_scalar(no_switch)) if no_switch not in (None, "") else False
    if st < 0 or en < st or en > lf or c < 0 or s < 0 or fa <= 0 or lf <= 0:
        raise ExcelError("Num")
    if not ns:
        return _finite(_depreciated(c, s, lf, en, fa) - _depreciated(c, s, lf, st, fa))
    i_start, i_end = math.floor(st), math.ceil(en)
    total = 0.0
    for i in range(int(i_start) + 1, int(i_end) + 1):
        term = _ddb(c, s, lf, float(i), fa)
        if i == i_start + 1:
            term *= min(en, i_start + 1) - st
        elif i == i_end:
            term *= en + 1 - i_end
        total += term
    return _finite(total)


vdb = _lifted(_vdb)


# ------------------------------------------------------------------- formula text calls ----
class Call(NamedTuple):
    """A call in a formula text: the name as written, where it starts and ends (the closing
    parenthesis included) and its top-level arguments (text, kind: ``r`` a reference, ``l`` a
    literal, ``t`` a text literal, ``a`` an array literal, ``m`` missing, ``x`` an expression)."""

    name: str
    start: int
    end: int
    args: tuple[tuple[str, str], ...]


def calls(formula: str, names: frozenset[str]) -> list[Call]:
    """The calls of ``names`` (upper case, without ``_xlfn.``) in a formula text, innermost first.

    >>> [(c.name, c.args) for c in calls('AND(TRUE,"0",A1:B2,1+2,)', frozenset({"AND"}))]
    [('AND', (('TRUE', 'l'), ('"0"', 't'), ('A1:B2', 'r'), ('1+2', 'x'), ('', 'm')))]
    """
    import formualizer as fz

    try:
        tokens = list(fz.tokenize("=" + formula))
    except Exception:  # a formula formualizer cannot tokenize is left as it is
        return []
    found: list[Call] = []
    # per open function/paren/array: [name or None, start, args, current arg start, children]
    stack: list[list[Any]] = []
    for tok in tokens:
        kind, sub = str(tok.token_type), str(tok.subtype)
        start, end = tok.start - 1, tok.end - 1
        if kind.endswith("Whitespace"):
            continue
        top = stack[-1] if stack else None
        if sub.endswith("Open"):
            if top is not None:
                top[4].append("x" if kind.endswith("Func") or kind.endswith("Paren") else "a")
            name = tok.value[:-1] if kind.endswith("Func") else None
            stack.append([name, start, [], end, []])
        elif sub.endswith("Close"):
            frame = stack.pop() if stack else None
            if frame is None:
                return []
            if frame[0] is not None:
                frame[2].append(_arg(formula, frame[3], start, frame[4]))
                bare = re.sub(r"^(?:_xlfn\.|_xlws\.)+", "", frame[0], flags=re.I).upper()
                if bare in names:
                    found.append(Call(frame[0], frame[1], end, tuple(frame[2])))
        elif kind.endswith("Sep") and sub.endswith("Arg") and top is not None and top[0] is not None:
            top[2].append(_arg(formula, top[3], start, top[4]))
            top[3], top[4] = end, []
        elif top is not None:
            top[4].append(_KINDS.get(sub, "x") if kind.endswith("Operand") else "x")
    return found


_KINDS = {"Range": "r", "Text": "t", "Number": "l", "Logical": "l", "Error": "l"}


def _arg(formula: str, a: int, b: int, children: list[str]) -> tuple[str, str]:
    text = formula[a:b].strip()
    if not children:
        return text, "m"
    return text, children[0] if len(children) == 1 else "x"


def _rewrite(formula: str, names: frozenset[str], fn: Callable[[Call, str], str | None]) -> str:
    """``formula`` with each call of ``names`` that ``fn(call, formula)`` rewrites (a new text
    for the call, or None to keep it) replaced, innermost calls first."""
    for _ in range(16):
        done = False
        for call in calls(formula, names):
            new = fn(call, formula)
            if new is not None:
                formula = formula[:call.start] + new + formula[call.end:]
                done = True
                break   # the positions of the other calls have moved: parse again
        if not done:
            break
    return formula


# ------------------------------------------------------------------- information, logical ----
def _isformula_call(call: Call, formula: str) -> str | None:
    """``ISFORMULA(A1)`` → ``_XLMODEL.ISFORMULA(SHEET(A1),ROW(A1),COLUMN(A1),ROWS(A1),COLUMNS(A1))``:
    the callback gets where the reference is, formualizer passes only its value."""
    if len(call.args) != 1 or call.args[0][1] != "r":
        return None
    x = call.args[0][0]
    return f"_XLMODEL.ISFORMULA(SHEET({x}),ROW({x}),COLUMN({x}),ROWS({x}),COLUMNS({x}))"


def _logical_call(call: Call, formula: str) -> str | None:
    """``AND(TRUE,"0")`` → ``_XLMODEL.AND("lt",TRUE,"0")``: the call with a text literal, told
    the kind of each argument (formualizer gives a text literal #VALUE!)."""
    if not any(kind == "t" for _, kind in call.args):
        return None
    bare = re.sub(r"^(?:_xlfn\.)+", "", call.name, flags=re.I).upper()
    kinds = "".join(kind for _, kind in call.args)
    return f'_XLMODEL.{bare}("{kinds}",{",".join(text for text, _ in call.args)})'


_LOGICALS = frozenset({"AND", "OR", "XOR"})
def _values(v: Any) -> Iterable[Any]:
    if isinstance(v, list):
        for row in v:
            yield from row
    else:
        yield v


def logical_with_text(name: str) -> Callable[..., Any]:
    """AND, OR or XOR of arguments of which some are text literals (told by ``kinds``).

    Excel's cached values (test.xlsx LOGICAL!AP3:AT3): a text literal is left out unless it is
    ``TRUE`` or ``FALSE`` (``AND(TRUE,"0")`` is TRUE), so an error argument anywhere is the
    answer (``AND(TRUE,"0",#REF!)`` is #REF!); text, empty cells and text in references are
    left out (Microsoft, "AND function"); no logical value at all is #VALUE!.

    >>> f = logical_with_text("AND")
    >>> f("lt", True, "0"), f("ltl", True, "0", {"type": "Error", "kind": "Ref"})
    (True, {'type': 'Error', 'kind': 'Ref'})
    >>> f("t", "ciao"), logical_with_text("XOR")("ltt", True, "false", "TRUE")
    ({'type': 'Error', 'kind': 'Value'}, False)
    """

    def fn(kinds: Any, *args: Any) -> Any:
        seen: list[bool] = []
        for kind, arg in zip(str(kinds), args, strict=False):
            for v in _values(arg):
                if is_error(v):
                    return v
                if isinstance(v, bool):
                    seen.append(v)
                elif isinstance(v, int | float):
                    seen.append(v != 0)
                elif isinstance(v, str) and kind == "t" and v.strip().upper() in ("TRUE", "FALSE"):
                    seen.append(v.strip().upper() == "TRUE")
        if not seen:
            return error("Value")
        if name == "AND":
            return all(seen)
        if name == "OR":
            return any(seen)
        return sum(seen) % 2 == 1

    fn.__name__ = name
    return fn


def type_(value: Any) -> float:
    """TYPE(value): 1 number (or empty), 2 text, 4 logical, 16 error, 64 array (Microsoft,
    "TYPE function"); an error is an answer, not passed on (test.xlsx INFORMATION!Z24:AF24).

    >>> type_({"type": "Error", "kind": "Na"}), type_([[1.0, 2.0]]), type_(True), type_(None)
    (16.0, 64.0, 4.0, 1.0)
    """
    if is_error(value):
        return 16.0
    if isinstance(value, list):
        return 64.0
    if isinstance(value, bool):
        return 4.0
    if isinstance(value, str):
        return 2.0
    return 1.0


def n_(value: Any) -> Any:
    """N(value): a number itself, TRUE 1, FALSE 0, text and empty 0, an error passed on; a range
    gives its first cell's (Excel's cached values: test.xlsx INFORMATION!AH19:AW19, every cell
    of ``{=N(C19:Q19)}`` is N(C19); AG19).

    >>> n_([[4.0, "x"]]), n_(True), n_("12"), n_({"type": "Error", "kind": "Na"})
    (4.0, 1.0, 0.0, {'type': 'Error', 'kind': 'Na'})
    """
    value = _first(value)
    if is_error(value):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def _same(a: Any, b: Any) -> bool:
    """SWITCH's comparison: numbers by value, text ignoring case, an empty cell as the number 0
    (not as "" or FALSE: pycel's logical.xlsx, Switch!C29:C41).

    >>> _same(None, 0.0), _same(None, ""), _same(None, False), _same("A", "a")
    (True, False, False, True)
    """
    a = 0.0 if a is None else a
    b = 0.0 if b is None else b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()
    return float(a) == float(b)


def switch(expression: Any, *pairs: Any) -> Any:
    """SWITCH(expression, value1, result1, [value2, result2]…, [default]).

    The values are compared in order; an error among them, met before a match, is the answer
    (pycel's logical.xlsx, Switch!D3:G8: ``SWITCH(3,#DIV/0!,…)`` is #DIV/0!); no match and no
    default: #N/A (Microsoft, "SWITCH function").

    >>> switch(2.0, 1.0, "a", 2.0, "b"), switch("X", "x", 1.0), switch(3.0, 1.0, "a")
    ('b', 1.0, {'type': 'Error', 'kind': 'Na'})
    >>> switch(3.0, {"type": "Error", "kind": "Div"}, 1.0, 3.0, 2.0)
    {'type': 'Error', 'kind': 'Div'}
    """
    if is_error(expression):
        return expression
    for k in range(0, len(pairs) - 1, 2):
        if is_error(pairs[k]):
            return pairs[k]
        if _same(expression, pairs[k]):
            return pairs[k + 1]
    return pairs[-1] if len(pairs) % 2 == 1 else error("Na")


#: The IS functions: the test each makes of one value.
IS_TESTS: dict[str, Callable[[Any], bool]] = {
    "ISBLANK": lambda v: v is None,
    "ISERR": lambda v: is_error(v) and v.get("kind") != "Na",
    "ISERROR": is_error,
    "ISLOGICAL": lambda v: isinstance(v, bool),
    "ISNA": lambda v: is_error(v) and v.get("kind") == "Na",
    "ISNONTEXT": lambda v: not isinstance(v, str),
    "ISNUMBER": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "ISTEXT": lambda v: isinstance(v, str),
}


def _is_call(call: Call, formula: str) -> str | None:
    """A formula that is one IS call of a range, ``ISTEXT(C1:Q1)``, →
    ``_XLMODEL.ISTEXT(SHEET(),ROW(),COLUMN(),C1:Q1,ROW(C1:Q1),COLUMN(C1:Q1))``: the callback
    learns the calling cell (an array formula's range, or the cell of an implicit
    intersection) and where the range is."""
    if call.start != 0 or call.end != len(formula) or len(call.args) != 1 \
            or call.args[0][1] != "r" or ":" not in call.args[0][0]:
        return None
    bare = re.sub(r"^(?:_xlfn\.)+", "", call.name, flags=re.I).upper()
    x = call.args[0][0]
    return f"_XLMODEL.{bare}(SHEET(),ROW(),COLUMN(),{x},ROW({x}),COLUMN({x}))"


def _is_rewrite(text: str) -> str:
    t = text.strip()
    if "(" not in t or t.split("(", 1)[0].upper().removeprefix("_XLFN.") not in IS_TESTS:
        return text
    new = _rewrite(t, frozenset(IS_TESTS), _is_call)
    return text if new == t else new


def is_function(name: str, sheets: list[str], arrays: Mapping[tuple[str, int, int], tuple[int, int]]
                ) -> Callable[..., Any]:
    """An IS function of a range as a whole formula (rewritten by :data:`REWRITES`).

    In an array formula Excel applies the test to each cell of the formula's own range, the
    range's cell at the same place, and where the range is smaller, to #N/A (Excel's cached
    values, test.xlsx INFORMATION!AH7:AW7: ``{=ISERR(C7:Q7)}`` over 16 cells is FALSE in the
    16th, ``ISNA`` TRUE, ``ISERROR`` TRUE; AI6:AW6, AO11:AW11).  A plain formula takes the
    range's cell in its own row or column (implicit intersection), else #VALUE!.
    """
    test = IS_TESTS[name]
    na, value_error = error("Na"), error("Value")

    def fn(sheet: Any, row: Any, col: Any, x: Any, x_row: Any, x_col: Any) -> Any:
        try:
            where = (sheets[int(_first(sheet)) - 1], int(_first(row)), int(_first(col)))
            top, left = int(_first(x_row)), int(_first(x_col))
        except (IndexError, TypeError, ValueError):
            return value_error
        grid = x if isinstance(x, list) else [[x]]
        h, w = len(grid), len(grid[0]) if grid else 0
        shape = arrays.get(where)
        if shape is None:   # implicit intersection
            r, c = where[1] - top, where[2] - left
            if h == 1 and w == 1:
                return test(grid[0][0])
            if w == 1 and 0 <= r < h:
                return test(grid[r][0])
            if h == 1 and 0 <= c < w:
                return test(grid[0][c])
            return test(value_error)
        rows, cols = shape
        return [[test(grid[i if h > 1 else 0][j if w > 1 else 0]
                      if (i < h or h == 1) and (j < w or w == 1) else na)
                 for j in range(cols)] for i in range(rows)]

    fn.__name__ = name
    return fn


def _first(v: Any) -> Any:
    while isinstance(v, list):
        v = v[0][0] if v and v[0] else None
    return v


def isformula(wb: Any, formulas: Mapping[str, Iterable[Any]]) -> Callable[..., Any]:
    """ISFORMULA(reference), rewritten by :data:`REWRITES` to get the reference's sheet index,
    row, column and size: TRUE where the workbook's file has a formula (an array formula's
    range included), as the value alone cannot tell (formualizer's ISFORMULA is always FALSE;
    Excel's cached values: test.xlsx INFORMATION!U10, Z10, AH10:AW10)."""
    cells: set[tuple[str, int, int]] = set()
    for sheet, fcs in formulas.items():
        for fc in fcs:
            cells.add((sheet, fc.row, fc.col))
            if getattr(fc, "f_type", None) == "array" and getattr(fc, "ref", None):
                r1, c1, r2, c2 = parse_range(fc.ref)
                cells.update((sheet, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))

    sheets = list(wb.sheet_names)   # (a callback may not use its own workbook)

    def fn(sheet: Any, row: Any, col: Any, rows: Any, cols: Any) -> Any:
        args = [_first(a) for a in (sheet, row, col, rows, cols)]
        for a in args:
            if is_error(a):
                return a
        try:
            index, r, c, h, w = (int(number(a)) for a in args)
            name = sheets[index - 1]
        except (ExcelError, IndexError, TypeError, ValueError):
            return error("Value")
        out = [[(name, r + i, c + j) in cells for j in range(w)] for i in range(h)]
        return out[0][0] if h == w == 1 else out

    fn.__name__ = "ISFORMULA"
    return fn


_INTERSECTION = re.compile(r"\s*\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"
                           r"(?:\s+\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)+\s*")


def intersection(text: str) -> str:
    """A formula that is an intersection of A1 ranges (the space operator) as the range the
    ranges share, or ``#NULL!`` when they share none (Microsoft, "Calculation operators and
    precedence"; calamine's errors.xlsx, Feuil1!A4: ``=A1:B1 D1:D9`` caches #NULL!);
    formualizer 0.13 answers #N/IMPL!.

    >>> intersection("A1:B1 D1:D9"), intersection("A1:C3 B2:D9"), intersection("SUM(A1)")
    ('#NULL!', 'B2:C3', 'SUM(A1)')
    """
    if not _INTERSECTION.fullmatch(text):
        return text
    box = area(text)
    if box is None:
        return text
    if isinstance(box, str):
        return box
    r1, c1, r2, c2 = box
    return f"{address(r1, c1)}:{address(r2, c2)}"


def index_of_rows(text: str) -> str:
    """``INDEX(ROW(A1:A3),2)`` with ROW/COLUMN of a written reference as its array literal
    (``INDEX({1;2;3},2)``), as INDEX takes its array argument as an array in any formula
    (pycel's excelcompiler.xlsx, ArrayForm!F2:I3: 2 and 3; formualizer gives the first row only
    outside an array formula, then #REF!).  xlmodel.engine.excel_refs makes the literal.

    >>> index_of_rows("INDEX(ROW(A1:A3), 2)"), index_of_rows("INDEX(COLUMN(A1:B1),1,2)")
    ('INDEX({1;2;3}, 2)', 'INDEX({1,2},1,2)')
    >>> index_of_rows("INDEX(ROW(X), 2)"), index_of_rows('INDEX(A1:A3,ROW(A2))')
    ('INDEX(ROW(X), 2)', 'INDEX(A1:A3,ROW(A2))')
    """
    if not _INDEX_ROWS.search(text):
        return text

    def one(call: Call, formula: str) -> str | None:
        first = call.args[0][0] if call.args else ""
        if not re.fullmatch(r"(?:ROW|COLUMN)\s*\([^()]*\)", first, re.I):
            return None
        literal = refs_rewrite(first)
        if literal is None:
            return None
        whole = formula[call.start:call.end]
        at = whole.index(first)
        return whole[:at] + literal + whole[at + len(first):]

    return _rewrite(text, frozenset({"INDEX"}), one)


_INDEX_ROWS = re.compile(r"INDEX\s*\(\s*(?:ROW|COLUMN)\s*\(", re.I)
#: An AND/OR/XOR call with an argument that is a text literal (``AND(TRUE,"0")``; not
#: ``AND(A1="x")``): the cheap test before a formula is tokenized.
_LOGICAL_CALL = re.compile(r'(?<![\w.])(?:_xlfn\.)?(?:AND|OR|XOR)\s*\((?:[^()"]*,)?\s*"', re.I)
#: (Excel writes function names in capitals: the needles and triggers are case-sensitive.)
REWRITES = (
    Rewrite("ISFORMULA", re.compile(rb"ISFORMULA\s*\("),
            lambda text: _rewrite(text, frozenset({"ISFORMULA"}), _isformula_call)
            if "ISFORMULA" in text.upper() else text, needles=(b"ISFORMULA",)),
    Rewrite("an IS function of a range", re.compile(rb">(?:_xlfn\.)?IS[A-Z]+\("),
            _is_rewrite, needles=(b">IS", b">_xlfn.IS")),
    Rewrite("an intersection of ranges",
            re.compile(rb" \$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?</"),   # (the last operand)
            intersection),
    Rewrite("INDEX of ROW or COLUMN", re.compile(rb"INDEX\(\s*(?:ROW|COLUMN)\("),
            index_of_rows, needles=(b"INDEX(ROW(", b"INDEX(COLUMN(", b"INDEX( ")),
    Rewrite("AND/OR/XOR with a text literal",
            re.compile(rb'(?:AND|OR)\((?:[^()"<]*,)?\s*(?:"|&quot;)'),
            lambda text: _rewrite(text, _LOGICALS, _logical_call)
            if '"' in text and _LOGICAL_CALL.search(text) else text, needles=(b"AND(", b"OR(")),
)


# ------------------------------------------------------------------------------ registry ----
#: name → (callable, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "PPMT": (_lifted(ppmt), 4, 6),
    "PV": (_lifted(pv), 3, 5),
    "FV": (_lifted(fv), 3, 5),
    "PMT": (_lifted(pmt), 3, 5),
    "IPMT": (_lifted(ipmt), 4, 6),
    "NPER": (_lifted(nper), 3, 5),
    "CUMIPMT": (_lifted(cumipmt, frozenset(range(6))), 6, 6),
    "CUMPRINC": (_lifted(cumprinc, frozenset(range(6))), 6, 6),
    "IRR": (irr, 1, 2),
    "XNPV": (_lifted(xnpv, frozenset({0, 1, 2})), 3, 3),
    "XIRR": (xirr, 2, 3),
    "NPV": (_lifted(npv, frozenset(range(1, 255))), 2, None),
    "TYPE": (type_, 1, 1),
    "N": (n_, 1, 1),
    "SWITCH": (_lifted(switch), 3, None),
}



def called(formulas: Mapping[str, Iterable[Any]]) -> set[str]:
    """The functions of this module the workbook's formulas call (xlmodel.engine.excel_registry
    counts every call once per workbook).

    >>> class F:
    ...     f_type, ref, text = None, None, "PPMT(A1,2,3,4)+_xlfn.XIRR(A1:A2,B1:B2)"
    >>> sorted(called({"S": [F()]}))
    ['PPMT', 'XIRR']
    """
    counts = excel_registry.called(formulas)
    return {name for name in _NAMES if name in counts}


#: Every name :func:`register` may bind.
_NAMES = frozenset(FUNCTIONS) | frozenset(IS_TESTS) | _LOGICALS | {"ISFORMULA"}


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register the overrides the workbook's formulas call (built-ins of the same name replaced),
    and the functions :data:`REWRITES` renames calls to."""
    names = called(formulas)
    for name, (fn, lo, hi) in FUNCTIONS.items():
        if name in names:
            for spelling in excel_lifting.spellings(name):
                with contextlib.suppress(Exception):   # an earlier override (excel_lifting's)
                    wb.unregister_function(spelling)
                wb.register_function(spelling, fn, min_args=lo, max_args=hi,
                                     allow_override_builtin=True)
    sheets = list(wb.sheet_names)   # (a callback may not use its own workbook)
    if names & set(IS_TESTS):
        arrays = {}
        for sheet, fcs in formulas.items():
            for fc in fcs:
                if getattr(fc, "f_type", None) == "array" and getattr(fc, "ref", None):
                    r1, c1, r2, c2 = parse_range(fc.ref)
                    arrays[(sheet, fc.row, fc.col)] = (r2 - r1 + 1, c2 - c1 + 1)
        for name in names & set(IS_TESTS):
            wb.register_function(f"_XLMODEL.{name}", is_function(name, sheets, arrays),
                                 min_args=6, max_args=6)
    if "ISFORMULA" in names:
        wb.register_function("_XLMODEL.ISFORMULA", isformula(wb, formulas), min_args=5, max_args=5)
    for name in _LOGICALS & names:
        wb.register_function(f"_XLMODEL.{name}", logical_with_text(name), min_args=2, max_args=None)
