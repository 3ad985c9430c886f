"""Engineering and mathematical functions (BESSEL*, ERF*, IM* complex numbers, DELTA, GESTEP,
FACTDOUBLE, MROUND, POWER…) as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions.  Each function follows Microsoft's help page and is checked against the
values Excel cached in the real-workbook corpus (tests/corpus_real, formulas' test.xlsx, sheets
ENGINEERING, MATH & TRIG and COMPATIBILITY; tests/test_corpus_engmath.py).  Argument coercion:
xlmodel.engine.excel_coerce.

The rules the corpus shows, where formualizer 0.13 differs:

- The Analysis ToolPak functions (BESSEL*, ERF*, DELTA, GESTEP, SQRTPI, FACTDOUBLE, MROUND,
  COMPLEX, IM*) reject TRUE/FALSE with #VALUE! and are not lifted over a range (#VALUE!).
- A complex number is written as Excel writes it: each part with 15 significant digits, plain
  decimals from 1E-05 up and ``E-06`` style below, a unit coefficient left out (``"-j"``), the
  suffix of the arguments (``i`` when none has one).  An empty argument is 0.
- BESSELJ/Y/I/K are the Numerical Recipes approximations (Press et al., "Numerical Recipes in
  C", 2nd ed., §6.5–6.6: bessj0/bessj1/bessj, bessy0/bessy1/bessy, bessi0/bessi1/bessi,
  bessk0/bessk1/bessk), which Excel's values match to the last digit (J0(1) = 0.76519768375…,
  true 0.76519768655…).
- An array formula that gives a range or an array constant to a one-value math function
  (``{=ABS(C3:Q3)}``, ``{=SUM(MUNIT({1,2}))}``) gets the function applied to each element
  (Excel's array lifting); formualizer answers #VALUE!.  The anchor's formula is renamed on the
  engine's workbook only (``set_formula`` before evaluation, :func:`_lift_arrays`).
  Only array formulas are lifted: a plain formula with a range there means implicit
  intersection in the file format, which the engine does not do (such cells are kept).
"""

from __future__ import annotations

import cmath
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_lifting, excel_registry
from xlmodel.engine.excel_coerce import ExcelError, elementwise, error, number, passed_on, strict_number
from xlmodel.engine.excel_registry import Rewrite

REWRITES: tuple[Rewrite, ...] = ()


def _excel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with an Excel error raised returned as its value; a number out of range (overflow,
    a domain error) is #NUM!, as Excel gives it."""

    def call(*args: Any) -> Any:
        try:
            out = fn(*args)
        except ExcelError as e:
            return error(e.kind)
        except (OverflowError, ValueError, ZeroDivisionError):
            return error("Num")
        if isinstance(out, float) and not math.isfinite(out):
            return error("Num")
        return out

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


def _one(v: Any) -> Any:
    """An Analysis ToolPak argument: a range (a list) is #VALUE! (these functions are not lifted)."""
    if isinstance(v, list):
        raise ExcelError("Value")
    return v


def _num(v: Any) -> float:
    """A number for an Analysis ToolPak function: TRUE/FALSE and ranges are #VALUE!."""
    return strict_number(_one(v))


# ------------------------------------------------------------------------ complex numbers ----
_REAL = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_COMPLEX = re.compile(rf"^(?P<re>[+-]?{_REAL})?(?:(?P<im>[+-](?:{_REAL})?|(?<![\d.])(?:{_REAL})?)"
                      rf"(?P<unit>[ij]))?$")


class Complex:
    """A complex number with the suffix it is written with (``i``, ``j``, or None: no imaginary part)."""

    __slots__ = ("suffix", "z")

    def __init__(self, z: complex, suffix: str | None) -> None:
        self.z, self.suffix = z, suffix


def parse_complex(v: Any) -> Complex:
    """An IM* argument as a complex number (Microsoft: "x + yi" or "x + yj" text, or a number).

    An empty argument is 0; TRUE/FALSE and ranges #VALUE!; text that is no complex number #NUM!.

    >>> c = parse_complex("-3+2i"); (c.z, c.suffix)
    ((-3+2j), 'i')
    >>> [parse_complex(s).z for s in ("7", "-j", "2.5E+3-1.5j", None, 4.0)]
    [(7+0j), -1j, (2500-1.5j), 0j, (4+0j)]
    >>> try:
    ...     parse_complex("yvj")
    ... except ExcelError as e:
    ...     e.kind
    'Num'
    """
    passed_on(v)
    v = _one(v)
    if v is None or v == "":
        return Complex(0j, None)
    if isinstance(v, bool):
        raise ExcelError("Value")
    if isinstance(v, int | float):
        return Complex(complex(float(v), 0.0), None)
    m = _COMPLEX.match(str(v))
    if not m or (m.group("re") is None and m.group("unit") is None):
        raise ExcelError("Num")
    real = float(m.group("re")) if m.group("re") else 0.0
    if m.group("unit") is None:
        return Complex(complex(real, 0.0), None)
    im_text = m.group("im") or ""
    imag = float(im_text + "1") if im_text in ("", "+", "-") else float(im_text)
    return Complex(complex(real, imag), m.group("unit"))


def _part(x: float) -> str:
    """One part of a complex number as Excel writes it: 15 significant digits, plain decimals
    from 1E-05 to below 1E+15, else ``d.dddE±xx``.

    >>> _part(27142327967.108967), _part(0.0000692442674613868), _part(0.000001282339958884542)
    ('27142327967.109', '0.0000692442674613868', '1.28233995888454E-06')
    >>> _part(-2.5), _part(3.82126757337684e-22), _part(1e20)
    ('-2.5', '3.82126757337684E-22', '1E+20')
    """
    if x == 0:
        return "0"
    mant, exp_text = f"{abs(x):.14e}".split("e")
    e = int(exp_text)
    digits = mant.replace(".", "").rstrip("0") or "0"
    if -5 <= e < 15:
        if e >= 0:
            s = digits[:e + 1].ljust(e + 1, "0") + ("." + digits[e + 1:] if len(digits) > e + 1 else "")
        else:
            s = "0." + "0" * (-e - 1) + digits
    else:
        s = (digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
             + f"E{'+' if e >= 0 else '-'}{abs(e):02d}")
    return ("-" if x < 0 else "") + s


def format_complex(z: complex, suffix: str | None = None) -> str:
    """A complex result as Excel writes it (COMPLEX's rules; the suffix ``i`` unless given).

    >>> format_complex(complex(3.82126757337684e-22, -1.0000000000000002), "j")
    '3.82126757337684E-22-j'
    >>> format_complex(30.300000000000004 + 41.5j, "j"), format_complex(1 + 0j), format_complex(-2j)
    ('30.3+41.5j', '1', '-2i')
    """
    z = complex(z)
    if not (math.isfinite(z.real) and math.isfinite(z.imag)):
        raise ExcelError("Num")
    re_text, im_text = _part(z.real), _part(z.imag)
    if im_text == "0":
        return re_text
    if im_text in ("1", "-1"):
        im_text = im_text[:-1]
    unit = suffix or "i"
    if re_text == "0":
        return im_text + unit
    return re_text + ("" if im_text.startswith("-") else "+") + im_text + unit


def _suffix(values: Iterable[Complex], mixed: str) -> str | None:
    """The suffix the arguments share; ``mixed`` is the error when both i and j occur."""
    found = {c.suffix for c in values if c.suffix is not None}
    if len(found) > 1:
        raise ExcelError(mixed)
    return found.pop() if found else None


def _tan(z: complex) -> complex:
    """tan z = (sin 2x + i sinh 2y) / (cos 2x + cosh 2y): Excel's digits (tiny real parts kept)."""
    x, y = 2 * z.real, 2 * z.imag
    den = math.cos(x) + math.cosh(y)
    return complex(math.sin(x) / den, math.sinh(y) / den)


def _cot(z: complex) -> complex:
    x, y = 2 * z.real, 2 * z.imag
    den = math.cosh(y) - math.cos(x)
    if den == 0:
        raise ExcelError("Num")
    return complex(math.sin(x) / den, -math.sinh(y) / den)


def _csc(z: complex) -> complex:
    x, y = z.real, z.imag
    den = math.cosh(2 * y) - math.cos(2 * x)
    if den == 0:
        raise ExcelError("Num")
    return complex(2 * math.sin(x) * math.cosh(y) / den, -2 * math.cos(x) * math.sinh(y) / den)


def _sec(z: complex) -> complex:
    x, y = z.real, z.imag
    den = math.cosh(2 * y) + math.cos(2 * x)
    return complex(2 * math.cos(x) * math.cosh(y) / den, 2 * math.sin(x) * math.sinh(y) / den)


def _cosh(z: complex) -> complex:
    return (cmath.exp(z) + cmath.exp(-z)) / 2


def _sinh(z: complex) -> complex:
    return (cmath.exp(z) - cmath.exp(-z)) / 2


def _nonzero(z: complex) -> complex:
    if z == 0:
        raise ExcelError("Num")
    return z


#: IM functions of one complex number giving a complex number.
_COMPLEX_1: dict[str, Callable[[complex], complex]] = {
    "IMCONJUGATE": lambda z: z.conjugate(),
    "IMCOS": cmath.cos,
    "IMCOSH": _cosh,
    "IMCOT": lambda z: _cot(_nonzero(z)),
    "IMCSC": lambda z: _csc(_nonzero(z)),
    "IMCSCH": lambda z: 1 / _sinh(_nonzero(z)),
    "IMEXP": cmath.exp,
    "IMLN": lambda z: cmath.log(_nonzero(z)),
    "IMLOG10": lambda z: complex(math.log10(abs(_nonzero(z))), cmath.phase(z) / math.log(10)),
    "IMLOG2": lambda z: cmath.log(_nonzero(z), 2),
    "IMSEC": _sec,
    "IMSECH": lambda z: 1 / _cosh(z),
    "IMSIN": cmath.sin,
    "IMSINH": _sinh,
    "IMSQRT": lambda z: cmath.rect(math.sqrt(abs(z)), cmath.phase(z) / 2),
    "IMTAN": _tan,
}


def _complex_1(name: str) -> Callable[[Any], Any]:
    fn = _COMPLEX_1[name]

    def call(inumber: Any) -> str:
        c = parse_complex(inumber)
        return format_complex(fn(c.z), c.suffix)

    call.__name__ = name
    return _excel(call)


@_excel
def imabs(inumber: Any) -> float:
    """IMABS(inumber): the modulus.

    >>> imabs("3+4i"), imabs(None)
    (5.0, 0.0)
    """
    return abs(parse_complex(inumber).z)


@_excel
def imreal(inumber: Any) -> float:
    """IMREAL(inumber).

    >>> imreal("-3+2i"), imreal(None)
    (-3.0, 0.0)
    """
    return parse_complex(inumber).z.real


@_excel
def imaginary(inumber: Any) -> float:
    """IMAGINARY(inumber).

    >>> imaginary("-3+2i"), imaginary("4")
    (2.0, 0.0)
    """
    return parse_complex(inumber).z.imag


@_excel
def imargument(inumber: Any) -> float:
    """IMARGUMENT(inumber): the angle θ in radians; of 0 #DIV/0! (as Excel caches it).

    >>> imargument("1+i") == math.pi / 4, imargument(None)
    (True, {'type': 'Error', 'kind': 'Div'})
    """
    z = parse_complex(inumber).z
    if z == 0:
        raise ExcelError("Div")
    return cmath.phase(z)


@_excel
def impower(inumber: Any, power: Any) -> str:
    """IMPOWER(inumber, number): r^n (cos nθ + i sin nθ); 0 to a positive power is 0.

    >>> impower("13+5j", 2.3), impower(None, 2.3)
    ('283.928474828384+319.642085799475j', '0')
    """
    c = parse_complex(inumber)
    n = _num(power)
    if c.z == 0:
        if n > 0:
            return "0"
        raise ExcelError("Num")
    return format_complex(cmath.rect(abs(c.z) ** n, cmath.phase(c.z) * n), c.suffix)


@_excel
def imdiv(inumber1: Any, inumber2: Any) -> str:
    """IMDIV(inumber1, inumber2); by 0, or i by j: #NUM!.

    >>> imdiv("7+25j", "13+5j"), imdiv("3.1+2j", "-3+2i")
    ('1.11340206185567+1.49484536082474j', {'type': 'Error', 'kind': 'Num'})
    """
    a, b = parse_complex(inumber1), parse_complex(inumber2)
    suffix = _suffix((a, b), "Num")
    if b.z == 0:
        raise ExcelError("Num")
    return format_complex(a.z / b.z, suffix)


@_excel
def imsub(inumber1: Any, inumber2: Any) -> str:
    """IMSUB(inumber1, inumber2); i minus j: #NUM!.

    >>> imsub("13+5j", "3.1+2j"), imsub("-13+25j", None)
    ('9.9+3j', '-13+25j')
    """
    a, b = parse_complex(inumber1), parse_complex(inumber2)
    return format_complex(a.z - b.z, _suffix((a, b), "Num"))


def _flat(args: Iterable[Any]) -> list[Complex]:
    """The complex numbers of IMSUM/IMPRODUCT's arguments and ranges, in order (the first bad one
    decides the error)."""
    out = []
    for a in args:
        if isinstance(a, list):
            for row in a:
                for v in row:
                    out.append(parse_complex(v))
        else:
            out.append(parse_complex(a))
    return out


@_excel
def imsum(*inumbers: Any) -> str:
    """IMSUM(inumber1, [inumber2], …): ranges allowed; i and j mixed: #VALUE!.

    >>> imsum([["7+25j", "13+5j"]], "3.1+2j"), imsum("1", "2")
    ('23.1+32j', '3')
    """
    values = _flat(inumbers)
    suffix = _suffix(values, "Value")
    return format_complex(sum((c.z for c in values), 0j), suffix)


@_excel
def improduct(*inumbers: Any) -> str:
    """IMPRODUCT(inumber1, [inumber2], …): ranges allowed; i and j mixed: #VALUE!.

    >>> improduct("7+25j", "13+5j", "3.1+2j"), improduct(None, "-13+25j")
    ('-825.4+1048j', '0')
    """
    values = _flat(inumbers)
    suffix = _suffix(values, "Value")
    product = 1 + 0j
    for c in values:
        product *= c.z
    return format_complex(product, suffix)


@_excel
def complex_(real_num: Any, i_num: Any, suffix: Any = None) -> str:
    """COMPLEX(real_num, i_num, [suffix]): suffix "i" or "j" (lower case), empty: "i".

    >>> complex_(99, -1, "j"), complex_(None, "3.6", "j"), complex_(3, 4, "I")
    ('99-j', '3.6j', {'type': 'Error', 'kind': 'Value'})
    """
    re_, im = _num(real_num), _num(i_num)
    passed_on(suffix)
    unit = "i" if suffix is None or suffix == "" else _one(suffix)
    if unit not in ("i", "j"):
        raise ExcelError("Value")
    return format_complex(complex(re_, im), unit)


# --------------------------------------------------------------------------------- Bessel ----
def _j0(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        a = 57568490574.0 + y * (-13362590354.0 + y * (651619640.7 + y * (-11214424.18 + y * (
            77392.33017 + y * (-184.9052456)))))
        b = 57568490411.0 + y * (1029532985.0 + y * (9494680.718 + y * (59272.64853 + y * (
            267.8532712 + y * 1.0))))
        return a / b
    z = 8.0 / ax
    y = z * z
    xx = ax - 0.785398164
    a = 1.0 + y * (-0.1098628627e-2 + y * (0.2734510407e-4 + y * (-0.2073370639e-5 + y * 0.2093887211e-6)))
    b = -0.1562499995e-1 + y * (0.1430488765e-3 + y * (-0.6911147651e-5 + y * (
        0.7621095161e-6 - y * 0.934935152e-7)))
    return math.sqrt(0.636619772 / ax) * (math.cos(xx) * a - z * math.sin(xx) * b)


def _j1(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        a = x * (72362614232.0 + y * (-7895059235.0 + y * (242396853.1 + y * (-2972611.439 + y * (
            15704.48260 + y * (-30.16036606))))))
        b = 144725228442.0 + y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (
            376.9991397 + y * 1.0))))
        return a / b
    z = 8.0 / ax
    y = z * z
    xx = ax - 2.356194491
    a = 1.0 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * (-0.240337019e-6))))
    b = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (
        -0.88228987e-6 + y * 0.105787412e-6)))
    ans = math.sqrt(0.636619772 / ax) * (math.cos(xx) * a - z * math.sin(xx) * b)
    return -ans if x < 0 else ans


def _underflows(n: int, x: float, i: bool = False) -> bool:
    """True when J_n(x) (or, ``i``, I_n(x)) is below the smallest double, so the answer is 0
    without a recurrence of n steps: |J_n(x)| ≤ |x/2|^n / n! (DLMF 10.14.4), and
    I_n(x) ≤ (x/2)^n / n! · exp(x²/(4(n+1))) (from its power series)."""
    if n < 50 or x == 0:
        return False
    extra = x * x / (4 * (n + 1)) if i else 0.0
    return n * math.log(abs(x) / 2) - math.lgamma(n + 1) + extra < -746


#: The highest order the recurrences run to (a recurrence takes one step per order): above it
#: a Bessel function that does not underflow is #NUM!, so a refresh keeps Excel's own value.
MAX_ORDER = 100_000


def _order(n: int) -> int:
    if n > MAX_ORDER:
        raise ExcelError("Num")
    return n


def _bessel_j(x: float, n: int) -> float:
    """J_n(x) (Numerical Recipes bessj: upward recurrence for |x| > n, else Miller's algorithm).

    >>> _bessel_j(-1, 0), _bessel_j(2.3, 2)
    (0.7651976837548592, 0.41391458970875217)
    """
    if n == 0:
        return _j0(x)
    if n == 1:
        return _j1(x)
    ax = abs(x)
    if ax == 0 or _underflows(n, ax):
        return 0.0
    n = _order(n)
    tox = 2.0 / ax
    if ax > n:
        bjm, bj = _j0(ax), _j1(ax)
        for j in range(1, n):
            bjm, bj = bj, j * tox * bj - bjm
        ans = bj
    else:
        m = 2 * ((n + int(math.sqrt(40.0 * n))) // 2)
        even, bjp, ans, total, bj = False, 0.0, 0.0, 0.0, 1.0
        for j in range(m, 0, -1):
            bjm = j * tox * bj - bjp
            bjp, bj = bj, bjm
            if abs(bj) > 1e10:
                bj, bjp, ans, total = bj * 1e-10, bjp * 1e-10, ans * 1e-10, total * 1e-10
            if even:
                total += bj
            even = not even
            if j == n:
                ans = bjp
        ans /= 2.0 * total - bj
    return -ans if x < 0 and n & 1 else ans


def _y0(x: float) -> float:
    if x < 8.0:
        y = x * x
        a = -2957821389.0 + y * (7062834065.0 + y * (-512359803.6 + y * (10879881.29 + y * (
            -86327.92757 + y * 228.4622733))))
        b = 40076544269.0 + y * (745249964.8 + y * (7189466.438 + y * (47447.26470 + y * (
            226.1030244 + y * 1.0))))
        return a / b + 0.636619772 * _j0(x) * math.log(x)
    z = 8.0 / x
    y = z * z
    xx = x - 0.785398164
    a = 1.0 + y * (-0.1098628627e-2 + y * (0.2734510407e-4 + y * (-0.2073370639e-5 + y * 0.2093887211e-6)))
    b = -0.1562499995e-1 + y * (0.1430488765e-3 + y * (-0.6911147651e-5 + y * (
        0.7621095161e-6 + y * (-0.934945152e-7))))
    return math.sqrt(0.636619772 / x) * (math.sin(xx) * a + z * math.cos(xx) * b)


def _y1(x: float) -> float:
    if x < 8.0:
        y = x * x
        a = x * (-0.4900604943e13 + y * (0.1275274390e13 + y * (-0.5153438139e11 + y * (
            0.7349264551e9 + y * (-0.4237922726e7 + y * 0.8511937935e4)))))
        b = 0.2499580570e14 + y * (0.4244419664e12 + y * (0.3733650367e10 + y * (0.2245904002e8 + y * (
            0.1020426050e6 + y * (0.3549632885e3 + y)))))
        return a / b + 0.636619772 * (_j1(x) * math.log(x) - 1.0 / x)
    z = 8.0 / x
    y = z * z
    xx = x - 2.356194491
    a = 1.0 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * (-0.240337019e-6))))
    b = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (
        -0.88228987e-6 + y * 0.105787412e-6)))
    return math.sqrt(0.636619772 / x) * (math.sin(xx) * a + z * math.cos(xx) * b)


def _bessel_y(x: float, n: int) -> float:
    """Y_n(x), x > 0 (Numerical Recipes bessy: upward recurrence).

    >>> _bessel_y(2.3, 2), _bessel_y(1e7, 2)
    (-0.4726168566767928, -0.00023689922733673244)
    """
    if x <= 0:
        raise ExcelError("Num")
    if n == 0:
        return _y0(x)
    n = _order(n)
    by, bym, tox = _y1(x), _y0(x), 2.0 / x
    for j in range(1, n):
        bym, by = by, j * tox * by - bym
        if not math.isfinite(by):
            raise ExcelError("Num")
    return by


def _i0(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        y = (x / 3.75) ** 2
        return 1.0 + y * (3.5156229 + y * (3.0899424 + y * (1.2067492 + y * (0.2659732 + y * (
            0.360768e-1 + y * 0.45813e-2)))))
    y = 3.75 / ax
    return (math.exp(ax) / math.sqrt(ax)) * (0.39894228 + y * (0.1328592e-1 + y * (0.225319e-2 + y * (
        -0.157565e-2 + y * (0.916281e-2 + y * (-0.2057706e-1 + y * (0.2635537e-1 + y * (
            -0.1647633e-1 + y * 0.392377e-2))))))))


def _i1(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        y = (x / 3.75) ** 2
        ans = ax * (0.5 + y * (0.87890594 + y * (0.51498869 + y * (0.15084934 + y * (0.2658733e-1 + y * (
            0.301532e-2 + y * 0.32411e-3))))))
    else:
        y = 3.75 / ax
        ans = 0.2282967e-1 + y * (-0.2895312e-1 + y * (0.1787654e-1 - y * 0.420059e-2))
        ans = 0.39894228 + y * (-0.3988024e-1 + y * (-0.362018e-2 + y * (0.163801e-2 + y * (
            -0.1031555e-1 + y * ans))))
        ans *= math.exp(ax) / math.sqrt(ax)
    return -ans if x < 0 else ans


def _bessel_i(x: float, n: int) -> float:
    """I_n(x) (Numerical Recipes bessi: Miller's downward recurrence, normalised by I_0).

    >>> _bessel_i(2.3, 2), _bessel_i(-1, 0)
    (1.0054316669125958, 1.2660658480342601)
    """
    if n == 0:
        return _i0(x)
    if n == 1:
        return _i1(x)
    if x == 0 or _underflows(n, x, i=True):
        return 0.0
    n = _order(n)
    tox, bip, ans, bi = 2.0 / abs(x), 0.0, 0.0, 1.0
    for j in range(2 * (n + int(math.sqrt(40.0 * n))), 0, -1):
        bip, bi = bi, bip + j * tox * bi
        if abs(bi) > 1e10:
            ans, bi, bip = ans * 1e-10, bi * 1e-10, bip * 1e-10
        if j == n:
            ans = bip
    ans *= _i0(x) / bi
    return -ans if x < 0 and n & 1 else ans


def _k0(x: float) -> float:
    if x <= 2.0:
        y = x * x / 4.0
        return (-math.log(x / 2.0) * _i0(x)) + (-0.57721566 + y * (0.42278420 + y * (0.23069756 + y * (
            0.3488590e-1 + y * (0.262698e-2 + y * (0.10750e-3 + y * 0.74e-5))))))
    y = 2.0 / x
    return (math.exp(-x) / math.sqrt(x)) * (1.25331414 + y * (-0.7832358e-1 + y * (0.2189568e-1 + y * (
        -0.1062446e-1 + y * (0.587872e-2 + y * (-0.251540e-2 + y * 0.53208e-3))))))


def _k1(x: float) -> float:
    if x <= 2.0:
        y = x * x / 4.0
        return (math.log(x / 2.0) * _i1(x)) + (1.0 / x) * (1.0 + y * (0.15443144 + y * (-0.67278579 + y * (
            -0.18156897 + y * (-0.1919402e-1 + y * (-0.110404e-2 + y * (-0.4686e-4)))))))
    y = 2.0 / x
    return (math.exp(-x) / math.sqrt(x)) * (1.25331414 + y * (0.23498619 + y * (-0.3655620e-1 + y * (
        0.1504268e-1 + y * (-0.780353e-2 + y * (0.325614e-2 + y * (-0.68245e-3)))))))


def _bessel_k(x: float, n: int) -> float:
    """K_n(x), x > 0 (Numerical Recipes bessk: upward recurrence).

    >>> _bessel_k(2.3, 2), _bessel_k(1e7, 2)
    (0.1617333633782021, 0.0)
    """
    if x <= 0:
        raise ExcelError("Num")
    if n == 0:
        return _k0(x)
    n = _order(n)
    bk, bkm, tox = _k1(x), _k0(x), 2.0 / x
    for j in range(1, n):
        bkm, bk = bk, bkm + j * tox * bk
        if not math.isfinite(bk):
            raise ExcelError("Num")
    return bk


def _bessel(name: str, fn: Callable[[float, int], float]) -> Callable[[Any, Any], Any]:
    def call(x: Any, n: Any) -> float:
        xv, nv = _num(x), _num(n)
        order = math.trunc(nv)
        if order < 0:
            raise ExcelError("Num")
        return fn(xv, order)

    call.__name__ = name
    return _excel(call)


# ------------------------------------------------------- ERF, DELTA, GESTEP and the like ----
@_excel
def erf(lower: Any, *upper: Any) -> float:
    """ERF(lower_limit, [upper_limit]): erf(lower), or erf(upper) − erf(lower) (an empty cell
    as the upper limit is 0).

    >>> erf(0, 0.2), erf(0.2), erf(True)
    (0.22270258921047847, 0.22270258921047847, {'type': 'Error', 'kind': 'Value'})
    """
    a = _num(lower)
    if not upper:
        return math.erf(a)
    return math.erf(_num(upper[0])) - math.erf(a)


@_excel
def erf_precise(x: Any) -> float:
    """ERF.PRECISE(x).

    >>> erf_precise(0.2)
    0.22270258921047847
    """
    return math.erf(_num(x))


@_excel
def erfc(x: Any) -> float:
    """ERFC(x) and ERFC.PRECISE(x): 1 − erf(x).

    >>> erfc(0.2)
    0.7772974107895215
    """
    return math.erfc(_num(x))


@_excel
def delta(number1: Any, number2: Any = 0.0) -> float:
    """DELTA(number1, [number2]): 1 if equal, else 0.

    >>> delta(2.3, "2.3"), delta(1), delta(True)
    (1.0, 0.0, {'type': 'Error', 'kind': 'Value'})
    """
    a, b = _num(number1), _num(number2)
    return 1.0 if a == b else 0.0


@_excel
def gestep(number: Any, step: Any = 0.0) -> float:
    """GESTEP(number, [step]): 1 if number ≥ step, else 0.

    >>> gestep(0), gestep(10000000, "30.2"), gestep(True)
    (1.0, 1.0, {'type': 'Error', 'kind': 'Value'})
    """
    a, b = _num(number), _num(step)
    return 1.0 if a >= b else 0.0


@_excel
def sqrtpi(number: Any) -> float:
    """SQRTPI(number): √(number·π); negative #NUM!.

    >>> sqrtpi(1), sqrtpi(-1)
    (1.7724538509055159, {'type': 'Error', 'kind': 'Num'})
    """
    n = _num(number)
    if n < 0:
        raise ExcelError("Num")
    return math.sqrt(n * math.pi)


@_excel
def factdouble(number: Any) -> float:
    """FACTDOUBLE(number): n!! of the number truncated; −1 is 1, below −1 #NUM!.

    >>> factdouble(5), factdouble(-1), factdouble(-1.1), factdouble("2.3"), factdouble(1e9)
    (15.0, 1.0, {'type': 'Error', 'kind': 'Num'}, 2.0, {'type': 'Error', 'kind': 'Num'})
    """
    n = _num(number)
    if n < -1:
        raise ExcelError("Num")
    k = math.trunc(n)
    out = 1.0
    while k > 1:
        out *= k
        k -= 2
        if math.isinf(out):   # beyond 300!! the product overflows: stop there (#NUM!)
            raise ExcelError("Num")
    return out


@_excel
def mround(number: Any, multiple: Any) -> float:
    """MROUND(number, multiple): to the nearest multiple (halves away from zero); signs must
    agree (#NUM!), multiple 0 gives 0.

    >>> mround(2.55, "1.4"), mround(-222.5, -2), mround(-2.55, 1), mround(True, 0)
    (2.8, -222.0, {'type': 'Error', 'kind': 'Num'}, {'type': 'Error', 'kind': 'Value'})
    """
    n, m = _num(number), _num(multiple)
    if m == 0 or n == 0:
        return 0.0
    if (n > 0) != (m > 0):
        raise ExcelError("Num")
    q = float(f"{n / m:.15g}")
    return float(f"{math.floor(q + 0.5) * m:.15g}")


# ----------------------------------------------------------------- lifted math functions ----
def lift(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` applied element by element over every range argument (Excel's array lifting):
    xlmodel.engine.excel_coerce.elementwise (``fn`` is an :func:`_excel` function).

    >>> lift(power)([[2.0, 3.0]], 2.0)
    [[4.0, 9.0]]
    """
    return elementwise(fn)


def _quotient(n: float, s: float) -> float:
    """n/s rounded to 15 significant digits, as Excel does before rounding up or down."""
    return float(f"{n / s:.15g}")


@_excel
def floor(number: Any, significance: Any) -> float:
    """FLOOR(number, significance) (Excel 2010+): down to a multiple; a negative number with a
    negative significance goes toward zero; positive with negative #NUM!; significance 0 #DIV/0!.

    >>> floor(-255.5, -2), floor(-2.5, 1.5), floor(2.5, -255.5), floor(1, 0), floor(0, -2)
    (-254.0, -3.0, {'type': 'Error', 'kind': 'Num'}, {'type': 'Error', 'kind': 'Div'}, 0.0)
    """
    n, s = number_of(number), number_of(significance)
    if s == 0:
        raise ExcelError("Div")
    if n == 0:
        return 0.0
    if n > 0 and s < 0:
        raise ExcelError("Num")
    return float(f"{math.floor(_quotient(n, s)) * s:.15g}")


def number_of(v: Any) -> float:
    """A number as Excel's built-in math functions read it (TRUE is 1; a range #VALUE!)."""
    return number(_one(v))


@_excel
def power(base: Any, exponent: Any) -> float:
    """POWER(number, power): 0 to the power 0 #NUM!, 0 to a negative power #DIV/0!.

    >>> round(power(10, 2.3), 9), power(0, 0), power(0, -1), power(-1, 0)
    (199.526231497, {'type': 'Error', 'kind': 'Num'}, {'type': 'Error', 'kind': 'Div'}, 1.0)
    """
    b, e = number_of(base), number_of(exponent)
    if b == 0:
        if e == 0:
            raise ExcelError("Num")
        if e < 0:
            raise ExcelError("Div")
        return 0.0
    if b < 0 and not float(e).is_integer():
        raise ExcelError("Num")
    return float(b ** e)


@_excel
def munit_corner(dimension: Any) -> float:
    """The first element of MUNIT(dimension): what an array formula lifting MUNIT over a range
    shows for each element (Excel keeps the top-left value of each element's matrix; formulas'
    test.xlsx, MATH & TRIG!AH47:AW47).  1 for a dimension of at least 1 (truncated), else #VALUE!.

    >>> munit_corner(2.3), munit_corner(True), munit_corner(0.5), munit_corner("ciao")
    (1.0, 1.0, {'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})
    """
    if math.trunc(number_of(dimension)) < 1:
        raise ExcelError("Value")
    return 1.0


#: Built-in one-value math and bit functions formualizer does not lift in an array formula
#: (formulas' test.xlsx, MATH & TRIG and ENGINEERING, column AH: #VALUE! where Excel lifts).
LIFTED_IN_ARRAYS = frozenset({
    "ABS", "ACOS", "ACOSH", "ACOT", "ACOTH", "ARABIC", "ASIN", "ASINH", "ATAN", "ATAN2", "ATANH",
    "COS", "COSH", "COT", "COTH", "CSC", "CSCH", "DECIMAL", "DEGREES", "EVEN", "EXP", "FACT", "INT",
    "LN", "LOG", "LOG10", "MOD", "MUNIT", "ODD", "RADIANS", "ROMAN", "ROUND", "ROUNDDOWN",
    "ROUNDUP", "SEC", "SECH", "SIGN", "SIN", "SINH", "SQRT", "TAN", "TANH", "TRUNC",
    "BITLSHIFT", "BITRSHIFT", "FLOOR", "POWER"})
#: The prefix of the lifting callbacks array formulas are pointed at (``_XLMODEL.ABS``).
LIFT_PREFIX = "_XLMODEL.LIFT."
_CALL = re.compile(r"(?<![\w.])(?:_xlfn\.)?([A-Za-z][A-Za-z0-9]*)\s*\(", re.IGNORECASE)


def lifted_calls(text: str) -> set[str]:
    """The functions of :data:`LIFTED_IN_ARRAYS` an array formula calls with a range or an
    array constant in an argument (a ``:`` or ``{`` in the call's parentheses, outside strings).

    >>> sorted(lifted_calls("ABS(C3:Q3)")), sorted(lifted_calls("SUM(ABS(C3))"))
    (['ABS'], [])
    >>> sorted(lifted_calls("SUM(_xlfn.MUNIT({1,2;3,4;7,8}))"))
    ['MUNIT']
    >>> sorted(lifted_calls('_xlfn.DECIMAL("FF",C26:Q26)'))
    ['DECIMAL']
    """
    found = set()
    bare = re.sub(r'"(?:[^"]|"")*"', '""', text)
    for m in _CALL.finditer(bare):
        name = m.group(1).upper()
        if name not in LIFTED_IN_ARRAYS:
            continue
        depth, k = 1, m.end()
        while k < len(bare) and depth:
            ch = bare[k]
            depth += (ch == "(") - (ch == ")")
            if ch in ":{" and depth >= 1:
                found.add(name)
                break
            k += 1
    return found


def rename_lifted(text: str, names: set[str]) -> str:
    """``text`` with the calls of ``names`` renamed to their lifting callbacks (strings kept).

    >>> rename_lifted('=_xlfn.DECIMAL("ABS(",C26:Q26)+ABS(A1:A2)', {"DECIMAL", "ABS"})
    '=_XLMODEL.LIFT.DECIMAL("ABS(",C26:Q26)+_XLMODEL.LIFT.ABS(A1:A2)'
    """
    parts = re.split(r'("(?:[^"]|"")*")', text)
    for k in range(0, len(parts), 2):
        parts[k] = _CALL.sub(lambda m: (LIFT_PREFIX + m.group(1).upper() + "(")
                             if m.group(1).upper() in names else m.group(0), parts[k])
    return "".join(parts)


def _builtin_lifted(name: str, scratch: Any) -> Callable[..., Any]:
    """A lifting callback computing each element with formualizer's own built-in ``name`` on a
    private scratch workbook (xlmodel.engine.excel_lifting; about 0.2 ms an element)."""
    return excel_lifting.lifted(f"_xlfn.{name}" if name in _XLFN else name, frozenset(), scratch)


#: Functions newer than Excel 2007, called with Excel's ``_xlfn.`` prefix in the scratch formula.
_XLFN = frozenset({"ACOT", "ACOTH", "ARABIC", "COT", "COTH", "CSC", "CSCH", "DECIMAL", "SEC",
                   "SECH", "BITLSHIFT", "BITRSHIFT", "MUNIT"})


def _lift_arrays(wb: Any, formulas: Mapping[str, Iterable[Any]], date1904: bool) -> None:
    """Point the array formulas that give a range to a function of :data:`LIFTED_IN_ARRAYS` at
    lifting callbacks (the engine's copy only: ``set_formula`` before evaluation)."""
    todo: list[tuple[str, Any, set[str]]] = []
    for sheet, cells in formulas.items():
        for fc in [fc for fc in cells if fc.f_type == "array" and fc.text]:
            names = lifted_calls(fc.text)
            if names:
                todo.append((sheet, fc, names))
    if not todo:
        return
    needed = set().union(*(names for _, _, names in todo))
    own = {"FLOOR": lift(floor), "POWER": lift(power), "MUNIT": lift(munit_corner)}
    scratch = excel_lifting._Scratch(date1904) if needed - set(own) else None
    for name in needed:
        fn = own.get(name) or _builtin_lifted(name, scratch)
        wb.register_function(LIFT_PREFIX + name, fn, min_args=0, max_args=None)
    for sheet, fc, names in todo:
        try:
            current = wb.get_formula(sheet, fc.row, fc.col)
        except Exception:   # a sheet the engine did not load: its formulas are kept
            continue
        if not current:
            continue
        text = current if current.startswith("=") else "=" + current
        wb.set_formula(sheet, fc.row, fc.col, rename_lifted(text, names))


# --------------------------------------------------------------------------- registration ----
def functions() -> dict[str, tuple[Callable[..., Any], int, int | None]]:
    """name → (callback, min args, max args) of the functions overridden outright (all rare)."""
    table: dict[str, tuple[Callable[..., Any], int, int | None]] = {
        "IMABS": (imabs, 1, 1), "IMREAL": (imreal, 1, 1), "IMAGINARY": (imaginary, 1, 1),
        "IMARGUMENT": (imargument, 1, 1), "IMPOWER": (impower, 2, 2), "IMDIV": (imdiv, 2, 2),
        "IMSUB": (imsub, 2, 2), "IMSUM": (imsum, 1, None), "IMPRODUCT": (improduct, 1, None),
        "COMPLEX": (complex_, 2, 3),
        **{name: (_complex_1(name), 1, 1) for name in _COMPLEX_1},
        "BESSELJ": (_bessel("BESSELJ", _bessel_j), 2, 2),
        "BESSELY": (_bessel("BESSELY", _bessel_y), 2, 2),
        "BESSELI": (_bessel("BESSELI", _bessel_i), 2, 2),
        "BESSELK": (_bessel("BESSELK", _bessel_k), 2, 2),
        "ERF": (erf, 1, 2), "ERF.PRECISE": (erf_precise, 1, 1),
        "ERFC": (erfc, 1, 1), "ERFC.PRECISE": (erfc, 1, 1),
        "DELTA": (delta, 1, 2), "GESTEP": (gestep, 1, 2), "SQRTPI": (sqrtpi, 1, 1),
        "FACTDOUBLE": (factdouble, 1, 1), "MROUND": (mround, 2, 2),
    }
    return table


#: Overrides of built-ins a model may call often (FLOOR, POWER): registered only in a workbook
#: where at most this many formula cells call each (excel_registry.called: a shared formula
#: counts every cell it fills; a Python callback costs about a microsecond a call and
#: argument, so at most ~0.03 s); above it formualizer's own built-in computes them (it
#: differs from Excel only for FLOOR of two negatives and POWER of 0).
GATED_BUDGET = 10_000
_GATED: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "FLOOR": (floor, 2, 2), "POWER": (power, 2, 2)}


def gated(formulas: Mapping[str, Iterable[Any]]) -> set[str]:
    """The overrides of :data:`_GATED` the workbook calls, within :data:`GATED_BUDGET`.

    >>> from xlmodel.ooxml.sheet import FormulaCell
    >>> cell = FormulaCell(1, 1, None, None, False, "POWER(A1,2)+FLOOR.MATH(B1)", None, 0, 0, 0, "", True)
    >>> sorted(gated({"S": [cell]})), sorted(gated({"S": [cell] * (GATED_BUDGET + 1)}))
    (['POWER'], [])
    >>> shared = FormulaCell(1, 1, "shared", f"A1:A{GATED_BUDGET + 1}", True, "POWER(B1,2)", "0")
    >>> sorted(gated({"S": [shared]}))   # one master filling 10,001 cells
    []
    """
    counts = excel_registry.called(formulas)
    return {name for name in _GATED if 0 < counts.get(name, 0) <= GATED_BUDGET}


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's functions on ``wb`` (built-ins of the same name overridden).

    FLOOR and POWER are overridden only where :func:`gated` allows; the array formulas that
    need Excel's lifting are pointed at lifting callbacks (:func:`_lift_arrays`).
    """
    table = functions()
    table.update({name: _GATED[name] for name in gated(formulas)})
    for name, (fn, lo, hi) in table.items():
        for spelling in excel_lifting.spellings(name):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
    _lift_arrays(wb, formulas, date1904)
