"""Statistical distributions, inverses, tests and regressions (the *.DIST and *.INV families,
T.TEST, CHISQ.TEST, CONFIDENCE.*, FORECAST*, TREND, GROWTH, LINEST, LOGEST…) as Excel computes
them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real, formulas' test.xlsx sheets STATISTICAL and
COMPATIBILITY).  Argument coercion: xlmodel.engine.excel_coerce.

What formualizer 0.13 gets wrong and this module does as Excel does:

- argument coercion: a date typed as text (``"29/02/1900"`` in a cell) is its serial number, the
  text ``"TRUE"``/``"FALSE"`` is a logical argument (``NORM.DIST(x,0,1,"TRUE")``), but numeric
  text (``"1"``) is no logical value (#VALUE!);
- the order of errors: every argument is coerced first, left to right (the first error or
  unreadable text wins), and only then are the arguments' domains checked (#NUM!);
- domain edges Excel answers with a number (``BINOM.DIST(0,0,0,FALSE)`` = 1, ``CHISQ.INV(0,3)``
  = 0, ``GAMMA(-0.1)``) and edges it refuses (``BETA.INV(1,…)``, ``T.DIST(0,0,FALSE)`` #DIV/0!);
- two-array functions (CORREL, SLOPE, FORECAST, T.TEST…): sizes first (#N/A), then the first
  error of the pairs, then only pairs of two numbers count;
- ranges in an argument Excel takes one value for are lifted element by element (array
  formulas), text dates in them read as numbers.

Where the numbers themselves agree with Excel's, formualizer's own built-in computes them
(``excel_lifting.builtin``, on clean numeric arguments); the normal family, whose calls are the
most frequent, is computed here (``math.erfc`` and Wichura's AS 241 inverse).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from itertools import zip_longest
from typing import Any

from xlmodel.engine import excel_coerce as xc
from xlmodel.engine.excel_coerce import ExcelError
from xlmodel.engine.excel_registry import Rewrite

#: The regressions' ``const`` argument (0-based position): omitted, it is TRUE in Excel, but
#: formualizer passes a left-out argument as 0 (FALSE).
_CONST_AT = {"LINEST": 2, "LOGEST": 2, "TREND": 3, "GROWTH": 3}


def fill_const(formula: str) -> str:
    """Write TRUE for a left-out ``const`` of LINEST, LOGEST, TREND and GROWTH (engine copy only).

    >>> fill_const("LINEST(J3:N3,J4:N4,,TRUE)"), fill_const("TREND(A1:A3,B1:B3,C1, )")
    ('LINEST(J3:N3,J4:N4,TRUE,TRUE)', 'TREND(A1:A3,B1:B3,C1, TRUE)')
    >>> fill_const('IF(A1,"LINEST(a,b,,1)",LINEST(A1:A3,,))')
    'IF(A1,"LINEST(a,b,,1)",LINEST(A1:A3,,TRUE))'
    """
    upper = formula.upper()
    if "LINEST" not in upper and "LOGEST" not in upper and "TREND" not in upper \
            and "GROWTH" not in upper:   # the sheet's other formulas: four scans in C
        return formula
    import formualizer as fz

    try:
        tokens = list(fz.tokenize("=" + formula))
    except Exception:   # a formula formualizer cannot tokenize is evaluated (and reported) as is
        return formula
    inserts: list[int] = []
    stack: list[list[Any]] = []   # per open call/paren: [const position or None, argument index]
    prev = None
    for tok in tokens:
        kind, sub = str(tok.token_type), str(tok.subtype)
        if kind.endswith("Whitespace"):
            continue
        if kind.endswith("Func") and sub.endswith("Open"):
            name = tok.value[:-1].upper().removeprefix("_XLFN.")
            stack.append([_CONST_AT.get(name), 0])
        elif (kind.endswith("Paren") or kind.endswith("Array")) and sub.endswith("Open"):
            stack.append([None, 0])
        elif (sub.endswith("Close") or (kind.endswith("Sep") and sub.endswith("Arg"))) and stack:
            top = stack[-1]
            empty = prev is not None and (str(prev.subtype).endswith("Arg")
                                          or str(prev.token_type).endswith("Func"))
            if top[0] is not None and top[1] == top[0] and empty:
                inserts.append(tok.start - 1)
            if sub.endswith("Close"):
                stack.pop()
            else:
                top[1] += 1
        prev = tok
    for at in sorted(inserts, reverse=True):
        formula = formula[:at] + "TRUE" + formula[at:]
    return formula


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("regression const", re.compile(rb"(?:LINEST|LOGEST|TREND|GROWTH)\("), fill_const,
            needles=(b"LINEST", b"LOGEST", b"TREND", b"GROWTH")),)

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


# ------------------------------------------------------------------------ the normal family ----
def norm_cdf(z: float) -> float:
    """The standard normal distribution function Φ(z).

    >>> round(norm_cdf(0.7), 15), norm_cdf(0.0)
    (0.758036347776927, 0.5)
    """
    return 0.5 * math.erfc(-z / _SQRT2)


def norm_pdf(z: float) -> float:
    """The standard normal density φ(z).

    >>> round(norm_pdf(0.0), 12)
    0.398942280401
    """
    return math.exp(-0.5 * z * z) / _SQRT2PI


def norm_inv(p: float) -> float:
    """Φ⁻¹(p) for 0 < p < 1: Wichura's algorithm AS 241 (PPND16, about 16 digits).

    Source: M. J. Wichura, "Algorithm AS 241: The Percentage Points of the Normal
    Distribution", Applied Statistics 37 (1988) 477–484.

    >>> round(norm_inv(0.7), 13), norm_inv(0.5), round(norm_inv(0.002), 12)
    (0.524400512708, 0.0, -2.878161739095)
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
                          + 67265.770927008700853) * r + 45921.953931549871457) * r
                        + 13731.693765509461125) * r + 1971.5909503065514427) * r
                      + 133.14166789178437745) * r + 3.387132872796366608) / (
            ((((((r * 5226.495278852545925 + 28729.085735721942674) * r
                 + 39307.89580009271061) * r + 21213.794301586595867) * r
               + 5394.1960214247511077) * r + 687.1870074920579083) * r
             + 42.313330701600911252) * r + 1.0)
    r = p if q < 0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
                    + 0.24178072517745061177) * r + 1.27045825245236838258) * r
                  + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734) / (
            ((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                 + 0.0151986665636164571966) * r + 0.14810397642748007459) * r
               + 0.68976733498510000455) * r + 1.6763848301838038494) * r
             + 2.05319162663775882187) * r + 1.0)
    else:
        r -= 5.0
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                    + 0.0012426609473880784386) * r + 0.026532189526576123093) * r
                  + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772) / (
            ((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                 + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r
               + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
             + 0.59983220655588793769) * r + 1.0)
    return -val if q < 0 else val


# ------------------------------------------------------------------------------ arguments ----
class _Args:
    """Argument coercion in one workbook's date system."""

    def __init__(self, date1904: bool) -> None:
        self.date1904 = date1904

    def n(self, v: Any) -> float:
        return xc.number(v, self.date1904)

    @staticmethod
    def b(v: Any) -> bool:
        return xc.logical(v)


def _coerce(args: _Args, kinds: str, values: tuple[Any, ...]) -> list[Any]:
    """Each value coerced by its kind (``n`` number, ``b`` logical), left to right: the first
    error (an error argument, or text that is no number/logical) is raised."""
    out: list[Any] = []
    for kind, v in zip(kinds, values, strict=False):
        out.append(args.b(v) if kind == "b" else args.n(v))
    return out


def _num_check(bad: bool) -> None:
    if bad:
        raise ExcelError("Num")


class _Kernel:
    """formualizer's own built-ins on scalar arguments, in a private scratch workbook: one
    prepared formula per function and arity, so a call only sets its arguments and evaluates
    (about 85 µs a call against 340 µs for a fresh formula each time, measured on this machine).
    """

    def __init__(self, date1904: bool) -> None:
        self._date1904 = date1904
        self._wb: Any = None
        self._rows: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str, args: tuple[Any, ...]) -> Any:
        from xlmodel.engine.excel_lifting import scratch_workbook
        from xlmodel.ooxml.addresses import col_letters

        with self._lock:
            if self._wb is None:
                self._wb = scratch_workbook(self._date1904)
            wb, key = self._wb, (name, len(args))
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = len(self._rows) + 1
                refs = ",".join(f"{col_letters(j)}{row}" for j in range(1, len(args) + 1))
                wb.set_formula("v", row, len(args) + 1, f"={name}({refs})")
            for j, v in enumerate(args, start=1):
                wb.set_value("v", row, j, v)
            return wb.evaluate_cell("v", row, len(args) + 1)


_KERNELS = {False: _Kernel(False), True: _Kernel(True)}


def _builtin(name: str, *args: Any, date1904: bool = False) -> Any:
    """formualizer's own ``name`` on clean arguments (numbers, logicals, arrays of numbers)."""
    from xlmodel.engine.excel_lifting import builtin

    if any(isinstance(v, list) for v in args):
        v = builtin(name, list(args), date1904)
    else:
        v = _KERNELS[date1904](name, args)
    if xc.is_error(v):
        raise ExcelError(str(v.get("kind")))
    while isinstance(v, list):   # an array result where one value is wanted: its first
        v = v[0][0] if v and v[0] else None
    return v


def lifted(fn: Callable[..., Any], arrays: frozenset[int] = frozenset()) -> Callable[..., Any]:
    """``fn`` applied element by element over range arguments (except positions ``arrays``),
    as Excel lifts a function of one value in an array formula; errors become error values, a
    numeric failure #NUM! (xlmodel.engine.excel_coerce.elementwise, ``num_errors``).

    >>> f = lifted(lambda x: x * 2.0)
    >>> f(1.0), f([[1.0, 2.0]]), f(1e308)
    (2.0, [[2.0, 4.0]], {'type': 'Error', 'kind': 'Num'})
    """
    return xc.elementwise(fn, arrays, num_errors=True)


# ------------------------------------------------------------------- scalar distributions ----
def _scalar_functions(a: _Args) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """The one-value functions: name → (callable, min args, max args)."""
    d1904 = a.date1904

    def k(name: str, *args: Any) -> Any:
        return _builtin(name, *args, date1904=d1904)

    def c(kinds: str, *values: Any) -> list[Any]:
        return _coerce(a, kinds, values)

    # --- normal
    def norm_s_dist(z: Any, cum: Any) -> float:
        x, cu = c("nb", z, cum)
        return norm_cdf(x) if cu else norm_pdf(x)

    def norm_dist(x: Any, mean: Any, sd: Any, cum: Any) -> float:
        xv, m, s, cu = c("nnnb", x, mean, sd, cum)
        _num_check(s <= 0)
        return norm_cdf((xv - m) / s) if cu else norm_pdf((xv - m) / s) / s

    def normsdist(z: Any) -> float:
        return norm_cdf(a.n(z))

    def norm_s_inv(p: Any) -> float:
        pv = a.n(p)
        _num_check(pv <= 0 or pv >= 1)
        return norm_inv(pv)

    def norm_inv_(p: Any, mean: Any, sd: Any) -> float:
        pv, m, s = c("nnn", p, mean, sd)
        _num_check(pv <= 0 or pv >= 1 or s <= 0)
        return m + s * norm_inv(pv)

    def lognorm_dist(x: Any, mean: Any, sd: Any, cum: Any) -> float:
        xv, m, s, cu = c("nnnb", x, mean, sd, cum)
        _num_check(xv <= 0 or s <= 0)
        z = (math.log(xv) - m) / s
        return norm_cdf(z) if cu else norm_pdf(z) / (s * xv)

    def lognormdist(x: Any, mean: Any, sd: Any) -> float:
        return lognorm_dist(x, mean, sd, True)

    def lognorm_inv(p: Any, mean: Any, sd: Any) -> float:
        pv, m, s = c("nnn", p, mean, sd)
        _num_check(pv <= 0 or pv >= 1 or s <= 0)
        return math.exp(m + s * norm_inv(pv))

    def gauss(z: Any) -> float:
        return norm_cdf(a.n(z)) - 0.5

    def phi(x: Any) -> float:
        return norm_pdf(a.n(x))

    def standardize(x: Any, mean: Any, sd: Any) -> float:
        xv, m, s = c("nnn", x, mean, sd)
        _num_check(s <= 0)
        return (xv - m) / s

    def confidence_norm(alpha: Any, sd: Any, size: Any) -> float:
        al, s, n = c("nnn", alpha, sd, size)
        n = math.trunc(n)
        _num_check(al <= 0 or al >= 1 or s <= 0 or n < 1)
        return norm_inv(1 - al / 2) * s / math.sqrt(n)

    def confidence_t(alpha: Any, sd: Any, size: Any) -> float:
        al, s, n = c("nnn", alpha, sd, size)
        n = math.trunc(n)
        _num_check(al <= 0 or al >= 1 or s <= 0 or n < 1)
        if n == 1:
            raise ExcelError("Div")
        return float(k("T.INV.2T", al, float(n - 1))) * s / math.sqrt(n)

    # --- closed forms
    def fisher(x: Any) -> float:
        xv = a.n(x)
        _num_check(xv <= -1 or xv >= 1)
        return math.atanh(xv)

    def fisherinv(y: Any) -> float:
        return math.tanh(a.n(y))

    def expon_dist(x: Any, lam: Any, cum: Any) -> float:
        xv, lv, cu = c("nnb", x, lam, cum)
        _num_check(xv < 0 or lv <= 0)
        return 1 - math.exp(-lv * xv) if cu else lv * math.exp(-lv * xv)

    def weibull_dist(x: Any, alpha: Any, beta: Any, cum: Any) -> float:
        xv, al, be, cu = c("nnnb", x, alpha, beta, cum)
        _num_check(xv < 0 or al <= 0 or be <= 0)
        t = (xv / be) ** al
        return 1 - math.exp(-t) if cu else al / be ** al * xv ** (al - 1) * math.exp(-t)

    def gamma_(x: Any) -> float:
        xv = a.n(x)
        _num_check(xv == 0 or (xv < 0 and xv.is_integer()))
        return math.gamma(xv)

    def gammaln(x: Any) -> float:
        xv = a.n(x)
        _num_check(xv <= 0)
        return math.lgamma(xv)

    def permut(n: Any, kk: Any) -> float:
        nv, kv = (math.trunc(v) for v in c("nn", n, kk))
        _num_check(nv <= 0 or kv < 0 or nv < kv)
        # beyond the largest double (k > 170 always is): #NUM! before any big integer is built
        _num_check(kv > 170 or math.lgamma(nv + 1) - math.lgamma(nv - kv + 1) > 709.7)
        return float(math.perm(nv, kv))

    # --- through formualizer's built-in, after Excel's checks
    def beta_dist(x: Any, alpha: Any, beta: Any, cum: Any, lo: Any = 0.0, hi: Any = 1.0) -> float:
        xv, al, be, cu, av, bv = c("nnnbnn", x, alpha, beta, cum, lo, hi)
        _num_check(al <= 0 or be <= 0 or av >= bv or xv < av or xv > bv)
        if cu and xv == bv:
            return 1.0
        return float(k("BETA.DIST", xv, al, be, cu, av, bv))

    def beta_inv(p: Any, alpha: Any, beta: Any, lo: Any = 0.0, hi: Any = 1.0) -> float:
        pv, al, be, av, bv = c("nnnnn", p, alpha, beta, lo, hi)
        _num_check(pv <= 0 or pv >= 1 or al <= 0 or be <= 0 or av >= bv)
        return float(k("BETA.INV", pv, al, be, av, bv))

    def binom_dist(s: Any, n: Any, p: Any, cum: Any) -> float:
        sv, nv, pv, cu = c("nnnb", s, n, p, cum)
        sv, nv = math.trunc(sv), math.trunc(nv)
        _num_check(nv < 0 or sv < 0 or sv > nv or pv < 0 or pv > 1)
        if nv == 0 or pv in (0.0, 1.0):   # a certain outcome: s = 0 (p = 0) or s = n (p = 1)
            at = 0 if pv == 0.0 else nv
            return (1.0 if sv >= at else 0.0) if cu else (1.0 if sv == at else 0.0)
        return float(k("BINOM.DIST", float(sv), float(nv), pv, cu))

    def binom_dist_range(n: Any, p: Any, s: Any, s2: Any = None) -> float:
        vals = c("nnnn", n, p, s, *(() if s2 is None else (s2,)))
        nv, pv, sv = math.trunc(vals[0]), vals[1], math.trunc(vals[2])
        s2v = math.trunc(vals[3]) if len(vals) > 3 else sv
        _num_check(nv < 0 or pv < 0 or pv > 1 or sv < 0 or sv > nv or s2v < sv or s2v > nv)
        if nv == 0 or pv in (0.0, 1.0):
            at = 0 if pv == 0.0 else nv
            return 1.0 if sv <= at <= s2v else 0.0
        return float(k("BINOM.DIST.RANGE", float(nv), pv, float(sv), float(s2v)))

    def binom_inv(n: Any, p: Any, alpha: Any) -> float:
        nv, pv, al = c("nnn", n, p, alpha)
        _num_check(math.trunc(nv) < 0 or pv < 0 or pv > 1 or al < 0 or al > 1)
        return float(k("BINOM.INV", nv, pv, al))

    def chisq_dist(x: Any, df: Any, cum: Any) -> float:
        xv, dv, cu = c("nnb", x, df, cum)
        _num_check(xv < 0 or math.trunc(dv) < 1 or dv > 1e10)
        return float(k("CHISQ.DIST", xv, dv, cu))

    def chisq_dist_rt(x: Any, df: Any) -> float:
        xv, dv = c("nn", x, df)
        _num_check(xv < 0 or math.trunc(dv) < 1 or dv > 1e10)
        return float(k("CHISQ.DIST.RT", xv, dv))

    def chisq_inv(p: Any, df: Any) -> float:
        pv, dv = c("nn", p, df)
        _num_check(pv < 0 or pv > 1 or math.trunc(dv) < 1 or dv > 1e10)
        return 0.0 if pv == 0 else float(k("CHISQ.INV", pv, dv))

    def chisq_inv_rt(p: Any, df: Any) -> float:
        pv, dv = c("nn", p, df)
        _num_check(pv < 0 or pv > 1 or math.trunc(dv) < 1 or dv > 1e10)
        return 0.0 if pv == 1 else float(k("CHISQ.INV.RT", pv, dv))

    def f_dist(x: Any, d1: Any, d2: Any, cum: Any) -> float:
        xv, a1, a2, cu = c("nnnb", x, d1, d2, cum)
        _num_check(xv < 0 or math.trunc(a1) < 1 or math.trunc(a2) < 1)
        return float(k("F.DIST", xv, a1, a2, cu))

    def f_dist_rt(x: Any, d1: Any, d2: Any) -> float:
        xv, a1, a2 = c("nnn", x, d1, d2)
        _num_check(xv < 0 or math.trunc(a1) < 1 or math.trunc(a2) < 1)
        return float(k("F.DIST.RT", xv, a1, a2))

    def f_inv(p: Any, d1: Any, d2: Any) -> float:
        pv, a1, a2 = c("nnn", p, d1, d2)
        _num_check(pv < 0 or pv > 1 or math.trunc(a1) < 1 or math.trunc(a2) < 1)
        return 0.0 if pv == 0 else float(k("F.INV", pv, a1, a2))

    def f_inv_rt(p: Any, d1: Any, d2: Any) -> float:
        pv, a1, a2 = c("nnn", p, d1, d2)
        _num_check(pv < 0 or pv > 1 or math.trunc(a1) < 1 or math.trunc(a2) < 1)
        return 0.0 if pv == 1 else float(k("F.INV.RT", pv, a1, a2))

    def gamma_dist(x: Any, alpha: Any, beta: Any, cum: Any) -> float:
        xv, al, be, cu = c("nnnb", x, alpha, beta, cum)
        _num_check(xv < 0 or al <= 0 or be <= 0)
        return float(k("GAMMA.DIST", xv, al, be, cu))

    def gamma_inv(p: Any, alpha: Any, beta: Any) -> float:
        pv, al, be = c("nnn", p, alpha, beta)
        _num_check(pv < 0 or pv > 1 or al <= 0 or be <= 0)
        return 0.0 if pv == 0 else float(k("GAMMA.INV", pv, al, be))

    def hypgeom_dist(s: Any, n: Any, big_k: Any, big_n: Any, cum: Any) -> float:
        vals = c("nnnnb", s, n, big_k, big_n, cum)
        sv, nv, kv, nn = (math.trunc(v) for v in vals[:4])
        _num_check(min(sv, nv, kv, nn) < 0 or nv > nn or kv > nn)
        if sv > min(nv, kv) or sv < max(0, nv - nn + kv):
            # an impossible count: #NUM!, but cumulative 1 above and 0 below (Excel's values)
            if vals[4]:
                return 1.0 if sv > min(nv, kv) else 0.0
            raise ExcelError("Num")
        if nn == 0 or nv == 0 or kv == 0:
            return 1.0   # the only possible outcome: s = 0
        return float(k("HYPGEOM.DIST", float(sv), float(nv), float(kv), float(nn), vals[4]))

    def negbinom_dist(f: Any, s: Any, p: Any, cum: Any) -> float:
        fv, sv, pv, cu = c("nnnb", f, s, p, cum)
        _num_check(math.trunc(fv) < 0 or math.trunc(sv) < 1 or pv <= 0 or pv > 1)
        return float(k("NEGBINOM.DIST", fv, sv, pv, cu))

    def poisson_dist(x: Any, mean: Any, cum: Any) -> float:
        xv, m, cu = c("nnb", x, mean, cum)
        _num_check(math.trunc(xv) < 0 or m < 0)
        if m == 0:
            return 1.0 if cu or math.trunc(xv) == 0 else 0.0
        return float(k("POISSON.DIST", xv, m, cu))

    def t_dist(x: Any, df: Any, cum: Any) -> float:
        xv, dv, cu = c("nnb", x, df, cum)
        if dv < 1:   # Excel's cached values: T.DIST(0,0,FALSE) #DIV/0!, T.DIST(0,0,TRUE) #NUM!
            raise ExcelError("Div" if dv == 0 and not cu else "Num")
        return float(k("T.DIST", xv, dv, cu))

    def t_dist_2t(x: Any, df: Any) -> float:
        xv, dv = c("nn", x, df)
        _num_check(xv < 0 or dv < 1)
        return float(k("T.DIST.2T", xv, dv))

    def t_dist_rt(x: Any, df: Any) -> float:
        xv, dv = c("nn", x, df)
        _num_check(dv < 1)
        return float(k("T.DIST.RT", xv, dv))

    def t_inv(p: Any, df: Any) -> float:
        pv, dv = c("nn", p, df)
        _num_check(pv <= 0 or pv >= 1 or dv < 1)
        return float(k("T.INV", pv, dv))

    def t_inv_2t(p: Any, df: Any) -> float:
        pv, dv = c("nn", p, df)
        _num_check(pv <= 0 or pv > 1 or dv < 1)
        return float(k("T.INV.2T", pv, dv))

    return {
        "NORM.S.DIST": (norm_s_dist, 2, 2), "NORM.DIST": (norm_dist, 4, 4),
        "NORMDIST": (norm_dist, 4, 4), "NORMSDIST": (normsdist, 1, 1),
        "NORM.S.INV": (norm_s_inv, 1, 1), "NORMSINV": (norm_s_inv, 1, 1),
        "NORM.INV": (norm_inv_, 3, 3), "NORMINV": (norm_inv_, 3, 3),
        "LOGNORM.DIST": (lognorm_dist, 4, 4), "LOGNORMDIST": (lognormdist, 3, 3),
        "LOGNORM.INV": (lognorm_inv, 3, 3), "LOGINV": (lognorm_inv, 3, 3),
        "GAUSS": (gauss, 1, 1), "PHI": (phi, 1, 1), "STANDARDIZE": (standardize, 3, 3),
        "CONFIDENCE.NORM": (confidence_norm, 3, 3), "CONFIDENCE": (confidence_norm, 3, 3),
        "CONFIDENCE.T": (confidence_t, 3, 3),
        "FISHER": (fisher, 1, 1), "FISHERINV": (fisherinv, 1, 1),
        "EXPON.DIST": (expon_dist, 3, 3), "WEIBULL.DIST": (weibull_dist, 4, 4),
        "GAMMA": (gamma_, 1, 1), "GAMMALN": (gammaln, 1, 1), "GAMMALN.PRECISE": (gammaln, 1, 1),
        "PERMUT": (permut, 2, 2),
        "BETA.DIST": (beta_dist, 4, 6), "BETA.INV": (beta_inv, 3, 5),
        "BINOM.DIST": (binom_dist, 4, 4), "BINOM.DIST.RANGE": (binom_dist_range, 3, 4),
        "BINOM.INV": (binom_inv, 3, 3),
        "CHISQ.DIST": (chisq_dist, 3, 3), "CHISQ.DIST.RT": (chisq_dist_rt, 2, 2),
        "CHISQ.INV": (chisq_inv, 2, 2), "CHISQ.INV.RT": (chisq_inv_rt, 2, 2),
        "F.DIST": (f_dist, 4, 4), "F.DIST.RT": (f_dist_rt, 3, 3),
        "F.INV": (f_inv, 3, 3), "F.INV.RT": (f_inv_rt, 3, 3),
        "GAMMA.DIST": (gamma_dist, 4, 4), "GAMMA.INV": (gamma_inv, 3, 3),
        "HYPGEOM.DIST": (hypgeom_dist, 5, 5), "NEGBINOM.DIST": (negbinom_dist, 4, 4),
        "POISSON.DIST": (poisson_dist, 3, 3),
        "T.DIST": (t_dist, 3, 3), "T.DIST.2T": (t_dist_2t, 2, 2), "T.DIST.RT": (t_dist_rt, 2, 2),
        "T.INV": (t_inv, 2, 2), "T.INV.2T": (t_inv_2t, 2, 2),
    }


# ------------------------------------------------------------------------ array arguments ----
def _flat(v: Any) -> list[Any]:
    """A range or array argument's values in row order (a single value: a list of one)."""
    if isinstance(v, list):
        return [x for row in v for x in row]
    return [v]


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def first_pair_error(xs: list[Any], ys: list[Any]) -> None:
    """Raise the first error of the pairs (x before y), as Excel's cached values show it: a pair
    whose first value is #NULL! is passed over.

    >>> e = {"type": "Error", "kind": "Na"}
    >>> try:
    ...     first_pair_error([True, {"type": "Error", "kind": "Value"}], [e, 1.0])
    ... except ExcelError as err:
    ...     err.kind
    'Na'
    """
    for x, y in zip_longest(xs, ys):
        if xc.is_error(x):
            if x.get("kind") == "Null":
                continue
            raise ExcelError(str(x.get("kind")))
        if xc.is_error(y):
            raise ExcelError(str(y.get("kind")))


def first_error(*arrays: list[Any]) -> None:
    """Raise the first error of the arrays taken one after the other (T.TEST of two samples,
    F.TEST, CHISQ.TEST), #NULL! only if no other error is there (Excel's cached values).

    >>> try:
    ...     first_error([True, {"type": "Error", "kind": "Value"}], [{"type": "Error", "kind": "Na"}])
    ... except ExcelError as err:
    ...     err.kind
    'Value'
    """
    null = False
    for arr in arrays:
        for v in arr:
            if xc.is_error(v):
                if v.get("kind") == "Null":
                    null = True
                    continue
                raise ExcelError(str(v.get("kind")))
    if null:
        raise ExcelError("Null")


def _array_arg(v: Any) -> list[Any]:
    """A known_y's/known_x's argument: a single empty cell is #VALUE! (Excel's cached value of
    ``FORECAST.LINEAR(x,F41,H41)`` with H41 empty)."""
    if v is None:
        raise ExcelError("Value")
    return _flat(v)


def numeric_pairs(ys: Any, xs: Any) -> tuple[list[float], list[float]]:
    """Excel's pairs of two arrays: equal sizes (else #N/A), the first error raised, then only
    pairs of two numbers (text, logical values and empty cells in a range are left out).

    >>> numeric_pairs([[1.0, None, 3.0]], [[2.0, 5.0, "a"]])
    ([1.0], [2.0])
    """
    a, b = _array_arg(ys), _array_arg(xs)
    if len(a) != len(b):
        raise ExcelError("Na")
    first_pair_error(a, b)
    pairs = [(float(p), float(q)) for p, q in zip(a, b, strict=True) if _is_num(p) and _is_num(q)]
    return [p for p, _ in pairs], [q for _, q in pairs]


def _column(values: list[float]) -> list[list[float]]:
    return [[v] for v in values]


def _pair_functions(a: _Args) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """CORREL, PEARSON, RSQ, SLOPE, INTERCEPT, STEYX, COVARIANCE.*, COVAR, FORECAST(.LINEAR)."""
    d1904 = a.date1904

    def pairwise(name: str, least: int) -> Callable[..., Any]:
        def fn(ys: Any, xs: Any) -> Any:
            y, x = numeric_pairs(ys, xs)
            if len(y) < least:
                raise ExcelError("Div")
            return _builtin(name, _column(y), _column(x), date1904=d1904)

        fn.__name__ = name
        return fn

    def forecast(x: Any, ys: Any, xs: Any) -> Any:
        xv = a.n(x)
        y, xx = numeric_pairs(ys, xs)
        if not y:
            raise ExcelError("Div")
        return _builtin("FORECAST", xv, _column(y), _column(xx), date1904=d1904)

    out: dict[str, tuple[Callable[..., Any], int, int]] = {
        name: (lifted(pairwise(name, least), frozenset({0, 1})), 2, 2)
        for name, least in (("CORREL", 1), ("PEARSON", 1), ("RSQ", 1), ("SLOPE", 1),
                            ("INTERCEPT", 1), ("STEYX", 1), ("COVARIANCE.P", 1),
                            ("COVARIANCE.S", 1), ("COVAR", 1))}
    out["FORECAST"] = (lifted(forecast, frozenset({1, 2})), 3, 3)
    out["FORECAST.LINEAR"] = out["FORECAST"]
    return out


# ------------------------------------------------------------------------ tests of arrays ----
def _test_functions(a: _Args) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """T.TEST, CHISQ.TEST, F.TEST, Z.TEST, PROB."""
    d1904 = a.date1904

    def t_test(arr1: Any, arr2: Any, tails: Any, kind: Any) -> Any:
        x, y = _flat(arr1), _flat(arr2)
        tl, ty = (math.trunc(v) for v in _coerce(a, "nn", (tails, kind)))
        if ty == 1:
            first_pair_error(x, y)
        else:
            first_error(x, y)
        _num_check(tl not in (1, 2) or ty not in (1, 2, 3))
        if ty == 1:
            if len(x) != len(y):
                raise ExcelError("Na")
            pairs = [(p, q) for p, q in zip(x, y, strict=True) if _is_num(p) and _is_num(q)]
            if len(pairs) < 2:
                raise ExcelError("Div")
            xs, ys = [float(p) for p, _ in pairs], [float(q) for _, q in pairs]
        else:
            xs, ys = [float(v) for v in x if _is_num(v)], [float(v) for v in y if _is_num(v)]
            if len(xs) < 2 or len(ys) < 2:
                raise ExcelError("Div")
        return _builtin("T.TEST", _column(xs), _column(ys), float(tl), float(ty), date1904=d1904)

    def chisq_test(actual: Any, expected: Any) -> Any:
        ac, ex = _flat(actual), _flat(expected)
        if len(ac) != len(ex) or len(ac) < 2:
            raise ExcelError("Na")
        first_error(ac, ex)
        rows = len(actual) if isinstance(actual, list) else 1
        cols = len(ac) // rows
        df = (rows - 1) * (cols - 1) if rows > 1 and cols > 1 else len(ac) - 1
        chi = 0.0
        counted = 0
        for o, e in zip(ac, ex, strict=True):
            if _is_num(o) and _is_num(e):
                if e == 0:
                    raise ExcelError("Div")
                chi += (o - e) ** 2 / e
                counted += 1
        if not counted:
            raise ExcelError("Div")
        return _builtin("CHISQ.DIST.RT", chi, float(df), date1904=d1904)

    def f_test(arr1: Any, arr2: Any) -> Any:
        x, y = _flat(arr1), _flat(arr2)
        first_error(x, y)
        xs, ys = [float(v) for v in x if _is_num(v)], [float(v) for v in y if _is_num(v)]
        if len(xs) < 2 or len(ys) < 2:
            raise ExcelError("Div")
        return _builtin("F.TEST", _column(xs), _column(ys), date1904=d1904)

    def z_test(array: Any, x: Any, sigma: Any = None) -> float:
        xv = a.n(x)
        sv = None if sigma is None else a.n(sigma)
        values = _flat(array)
        for v in values:
            xc.passed_on(v)
        nums = [float(v) for v in values if _is_num(v)]
        n = len(nums)
        _num_check(sv is not None and sv <= 0)
        if n < 2:   # Excel's cached value: #DIV/0! for one number even with sigma given
            raise ExcelError("Div")
        mean = math.fsum(nums) / n
        if sv is None:
            sv = math.sqrt(math.fsum((v - mean) ** 2 for v in nums) / (n - 1))
        if sv == 0:
            raise ExcelError("Div")
        return 1 - norm_cdf((mean - xv) / (sv / math.sqrt(n)))

    def prob(x_range: Any, prob_range: Any, lower: Any, *upper: Any) -> float:
        """PROB: an upper limit given as an empty cell is 0 (only an omitted one is the lower)."""
        xs, ps = _flat(x_range), _flat(prob_range)
        if len(xs) != len(ps):
            raise ExcelError("Na")
        for v in (*xs, *ps):
            xc.passed_on(v)
        pn = [float(p) if _is_num(p) else 0.0 for p in ps]
        if any(p < 0 or p > 1 for p in pn) or abs(math.fsum(pn) - 1.0) > 1e-9:
            raise ExcelError("Num")
        xc.passed_on(lower)
        for u in upper:
            xc.passed_on(u)
        if isinstance(lower, str):
            return 0.0
        lo = a.n(lower)
        hi = a.n(upper[0]) if upper else lo
        return math.fsum(p for v, p in zip(xs, pn, strict=True) if _is_num(v) and lo <= v <= hi)

    def percentrank(name: str) -> Callable[..., Any]:
        def fn(array: Any, x: Any, *significance: Any) -> Any:
            xv = a.n(x) if isinstance(x, str) else x   # a date typed as text is its number
            return _builtin(name, array, xv, *significance, date1904=d1904)

        fn.__name__ = name
        return fn

    return {
        **{name: (lifted(percentrank(name), frozenset({0})), 2, 3)
           for name in ("PERCENTRANK", "PERCENTRANK.INC", "PERCENTRANK.EXC")},
        "T.TEST": (lifted(t_test, frozenset({0, 1})), 4, 4),
        "TTEST": (lifted(t_test, frozenset({0, 1})), 4, 4),
        "CHISQ.TEST": (lifted(chisq_test, frozenset({0, 1})), 2, 2),
        "CHITEST": (lifted(chisq_test, frozenset({0, 1})), 2, 2),
        "F.TEST": (lifted(f_test, frozenset({0, 1})), 2, 2),
        "FTEST": (lifted(f_test, frozenset({0, 1})), 2, 2),
        "Z.TEST": (lifted(z_test, frozenset({0})), 2, 3),
        "ZTEST": (lifted(z_test, frozenset({0})), 2, 3),
        "PROB": (lifted(prob, frozenset({0, 1})), 3, 4),
    }


# --------------------------------------------------------------------------- regressions ----
def _same_shape(ys: Any, xs: Any) -> None:
    """known_y's and known_x's of a regression fit (a column: as many rows; a row: as many
    columns; else the same shape), else #REF! (Excel's cached values, before any #VALUE!)."""
    ry, cy = (len(ys), len(ys[0]) if ys else 0) if isinstance(ys, list) else (1, 1)
    rx, cx = (len(xs), len(xs[0]) if xs else 0) if isinstance(xs, list) else (1, 1)
    if (cy == 1 and rx != ry) or (cy != 1 and ry == 1 and cx != cy) or (
            cy != 1 and ry != 1 and (rx, cx) != (ry, cy)):
        raise ExcelError("Ref")


def _full_rank(ys: Any, xs: Any, const: bool) -> bool:
    """Are the known_x's (with the constant's column) linearly independent?  Excel drops
    collinear columns from its fit (their coefficients 0); formualizer's statistics of such a
    fit (LINEST/LOGEST with stats TRUE) are not Excel's (pycel's stats.xlsx), so the caller gives
    #NUM! instead (the refresh then keeps Excel's cached values).

    >>> _full_rank([[1.0], [2.0], [3.0]], [[2.0, 3.0], [2.0, 3.0], [2.0, 3.0]], True)
    False
    >>> _full_rank([[1.0], [2.0], [4.0]], [[1.0], [2.0], [3.0]], True)
    True
    """
    import numpy as np

    x = np.array(xs if isinstance(xs, list) else [[xs]], dtype=float)
    y_cols = len(ys[0]) if isinstance(ys, list) and ys else 1
    y_rows = len(ys) if isinstance(ys, list) else 1
    if y_cols == 1:
        design = x
    elif y_rows == 1:
        design = x.T
    else:
        design = x.reshape(-1, 1)
    if const:
        design = np.hstack([design, np.ones((design.shape[0], 1))])
    return bool(np.linalg.matrix_rank(design) == design.shape[1])


def _regression_functions(a: _Args) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """LINEST, LOGEST, TREND, GROWTH: Excel's #VALUE! for any error, text, logical value or
    empty cell in the arrays or an error in the flags (its cached values), else formualizer."""
    d1904 = a.date1904

    def checked(name: str, arrays: int) -> Callable[..., Any]:
        def fn(*args: Any) -> Any:
            if len(args) > 1 and isinstance(args[1], list | float):
                _same_shape(args[0], args[1])
            for k, v in enumerate(args):
                if k < arrays:
                    if any(not _is_num(e) for e in _flat(v)):
                        raise ExcelError("Value")
                elif xc.is_error(v):
                    raise ExcelError("Value")
            const_at = _CONST_AT[name]
            const = len(args) <= const_at or a.b(args[const_at])
            stats = name in ("LINEST", "LOGEST") and len(args) > 3 and a.b(args[3])
            if stats and not _full_rank(args[0], args[1], const):
                raise ExcelError("Num")
            return builtin_array(name, list(args), d1904)

        fn.__name__ = name
        return fn

    def plain(fn: Callable[..., Any]) -> Callable[..., Any]:
        return xc.caught(fn, num_errors=True)

    return {"LINEST": (plain(checked("LINEST", 2)), 1, 4), "LOGEST": (plain(checked("LOGEST", 2)), 1, 4),
            "TREND": (plain(checked("TREND", 3)), 1, 4), "GROWTH": (plain(checked("GROWTH", 3)), 1, 4)}


def builtin_array(name: str, args: list[Any], date1904: bool = False) -> Any:
    """formualizer's own ``name`` on ``args`` with its whole (spilled) result: a list of rows, or
    one value.  A private scratch workbook per call (the regressions are rare and small).

    >>> builtin_array("TREND", [[[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], [[4.0, 5.0]]])
    [[4.0, 5.0]]
    """
    from xlmodel.engine.excel_lifting import scratch_workbook
    from xlmodel.ooxml.addresses import col_letters

    wb = scratch_workbook(date1904)
    refs = []
    for k, a in enumerate(args):
        sheet = f"arg_{k}"
        wb.add_sheet(sheet)
        grid = a if isinstance(a, list) else [[a]]
        for i, row in enumerate(grid, start=1):
            for j, v in enumerate(row, start=1):
                wb.set_value(sheet, i, j, v)
        if isinstance(a, list):
            refs.append(f"{sheet}!A1:{col_letters(max(len(a[0]), 1) if a else 1)}{max(len(a), 1)}")
        else:
            refs.append(f"{sheet}!A1")
    wb.set_formula("v", 1, 1, f"={name}({','.join(refs)})")
    wb.evaluate_all()
    first = wb.get_value("v", 1, 1)
    cols = 1
    while wb.get_value("v", 1, cols + 1) is not None:
        cols += 1
    rows = 1
    while wb.get_value("v", rows + 1, 1) is not None:
        rows += 1
    if rows == cols == 1:
        return first
    return [[wb.get_value("v", r, c) for c in range(1, cols + 1)] for r in range(1, rows + 1)]


# --------------------------------------------------------------------------- FORECAST.ETS ----
def _ets_functions(a: _Args) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """FORECAST.ETS, .CONFINT, .SEASONALITY, .STAT: Excel's argument checks and their errors.

    Excel fits an AAA exponential smoothing model (additive error, trend and seasonality; the
    parameters optimised, the season length detected) whose initialisation and optimiser
    Microsoft does not document; its cached values cannot be reproduced to their digits here.
    So a call whose arguments Excel accepts answers #N/IMPL! (the refresh keeps Excel's cached
    value, with the reason "FORECAST.ETS understøttes ikke"), never a number of another
    algorithm; a call Excel refuses gets Excel's error.  The checks (Microsoft's pages and the
    cached values of formulas' test.xlsx): an error argument is passed on; values and timeline
    of different sizes #N/A; seasonality outside 0–8760, data completion not 0 or 1,
    aggregation outside 1–7 (0: the default, as a left-out argument arrives), a confidence
    level not strictly between 0 and 1 (an empty cell: the default 95 %), a statistic type
    outside 1–8 are #NUM!; so is a target date at or before both 0 and one step before the
    timeline's start (the cached values: 0 and -1 #NUM!, 0.1 a number).
    """

    def arrays(values: Any, timeline: Any) -> list[float]:
        vs, ts = _flat(values), _flat(timeline)
        first_error(vs, ts)
        if len(vs) != len(ts):
            raise ExcelError("Na")
        return sorted({float(t) for t in ts if _is_num(t)})

    def options(season: Any = 1.0, completion: Any = 1.0, aggregation: Any = 1.0) -> None:
        sv, cv, av = (math.trunc(v) for v in _coerce(a, "nnn", (season, completion, aggregation)))
        _num_check(sv < 0 or sv > 8760 or cv not in (0, 1) or av < 0 or av > 7)

    def target_ok(target: float, times: list[float]) -> None:
        step = min((b - c for b, c in zip(times[1:], times, strict=False)), default=1.0)
        _num_check(target <= 0 and target <= (times[0] - step if times else 0.0))

    def ets(target: Any, values: Any, timeline: Any, *opts: Any) -> Any:
        t = a.n(target)
        times = arrays(values, timeline)
        options(*opts)
        target_ok(t, times)
        raise ExcelError("NImpl")

    def confint(target: Any, values: Any, timeline: Any, level: Any = None, *opts: Any) -> Any:
        t = a.n(target)
        times = arrays(values, timeline)
        lv = 0.95 if level is None else a.n(level)
        options(*opts)
        _num_check(lv <= 0 or lv >= 1)
        target_ok(t, times)
        raise ExcelError("NImpl")

    def seasonality(values: Any, timeline: Any, *opts: Any) -> Any:
        arrays(values, timeline)
        options(1.0, *opts)
        raise ExcelError("NImpl")

    def stat(values: Any, timeline: Any, kind: Any, *opts: Any) -> Any:
        arrays(values, timeline)
        kv = math.trunc(a.n(kind))
        options(*opts)
        _num_check(kv < 1 or kv > 8)
        raise ExcelError("NImpl")

    return {"FORECAST.ETS": (lifted(ets, frozenset({1, 2})), 3, 6),
            "FORECAST.ETS.CONFINT": (lifted(confint, frozenset({1, 2})), 3, 7),
            "FORECAST.ETS.SEASONALITY": (lifted(seasonality, frozenset({0, 1})), 2, 4),
            "FORECAST.ETS.STAT": (lifted(stat, frozenset({0, 1})), 3, 6)}


def functions(date1904: bool = False) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """Every function of this module for one date system: name → (callable, min, max args)."""
    a = _Args(date1904)
    out = {name: (lifted(fn), lo, hi) for name, (fn, lo, hi) in _scalar_functions(a).items()}
    out.update(_pair_functions(a))
    out.update(_test_functions(a))
    out.update(_regression_functions(a))
    out.update(_ets_functions(a))
    return out


#: The functions computed here in Python alone (a few microseconds a call): registered in
#: every workbook.  The others take formualizer's built-in as their numeric kernel (a scratch
#: evaluation, about 0.1 ms a call on an idle machine; LINEST and the two-array functions more).
NATIVE = frozenset({
    "NORM.S.DIST", "NORM.DIST", "NORMDIST", "NORMSDIST", "NORM.S.INV", "NORMSINV", "NORM.INV",
    "NORMINV", "LOGNORM.DIST", "LOGNORMDIST", "LOGNORM.INV", "LOGINV", "GAUSS", "PHI",
    "STANDARDIZE", "CONFIDENCE.NORM", "CONFIDENCE", "FISHER", "FISHERINV", "EXPON.DIST",
    "WEIBULL.DIST", "GAMMA", "GAMMALN", "GAMMALN.PRECISE", "PERMUT", "Z.TEST", "ZTEST", "PROB",
    "FORECAST.ETS", "FORECAST.ETS.CONFINT", "FORECAST.ETS.SEASONALITY", "FORECAST.ETS.STAT"})

#: A kernel function is overridden only in a workbook whose formula cells call it at most this
#: many times (at most about 0.2 s for its calls); above it formualizer's own built-in computes
#: them (fast; its coercion and edge cases differ from Excel's as this module's docstring says).
KERNEL_BUDGET = 2_000


def chosen(formulas: Mapping[str, Iterable[Any]], names: Iterable[str]) -> list[str]:
    """The functions of ``names`` to override in the workbook: every :data:`NATIVE` one, a
    kernel one within :data:`KERNEL_BUDGET` calls (``excel_registry.called``).

    >>> class F:
    ...     f_type, ref, text = "shared", "A1:A3000", "T.DIST(A1,3,TRUE)+NORM.S.DIST(A1,TRUE)"
    >>> chosen({"S": [F()]}, ["T.DIST", "NORM.S.DIST", "CHISQ.DIST"])
    ['NORM.S.DIST', 'CHISQ.DIST']
    """
    from xlmodel.engine.excel_registry import called

    counts = called(formulas)
    return [n for n in names if n in NATIVE or counts.get(n, 0) <= KERNEL_BUDGET]


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's functions on ``wb`` (formualizer's built-ins of the same names
    overridden), each under its plain and its ``_xlfn.`` name: the statistical functions are
    rare in a workbook; one called more than :data:`KERNEL_BUDGET` times is left to formualizer
    unless it is computed here alone (:func:`chosen`)."""
    from xlmodel.engine.excel_lifting import spellings

    table = functions(date1904)
    for name in chosen(formulas, table):
        fn, lo, hi = table[name]
        for spelling in spellings(name):
            try:
                wb.register_function(spelling, fn, min_args=lo, max_args=hi,
                                     allow_override_builtin=True)
            except RuntimeError:   # registered before by excel_functions (PROB): this one wins
                wb.unregister_function(spelling)
                wb.register_function(spelling, fn, min_args=lo, max_args=hi,
                                     allow_override_builtin=True)
