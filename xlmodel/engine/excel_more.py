"""Excel functions formualizer 0.13 does not have: matrices, PERMUTATIONA, PROB and REGEX*.

Each follows Microsoft's help page of the function and is checked against the values Excel
cached in tests/corpus_real (formulas__test.xlsx; tests/test_corpus_real.py).  They are bound by
xlmodel.engine.excel_functions, which gives them its argument coercion (``number``, ``text``)
and error type (``err``): :func:`functions` returns them ready to register.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any


def _is_error(v: Any) -> bool:
    return isinstance(v, dict) and v.get("type") == "Error"


def _grid(a: Any) -> list[list[Any]]:
    return a if isinstance(a, list) else [[a]]


def functions(err: Callable[[str], Exception], number: Callable[[Any], float],
              text: Callable[[Any], str]) -> dict[str, tuple[Callable[..., Any], int, int | None]]:
    """name → (callable raising ``err(kind)`` for an Excel error, min args, max args)."""

    def numbers(a: Any) -> list[list[float]]:
        """Every element a number (Excel's matrix functions): the first error, else #VALUE!."""
        rows = _grid(a)
        for row in rows:
            for v in row:
                if _is_error(v):
                    raise err(str(v.get("kind")))
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise err("Value")
        return [[float(v) for v in row] for row in rows]

    def munit(dimension: Any) -> list[list[float]]:
        """MUNIT(dimension): the identity matrix; #VALUE! below 1.

        >>> functions(ValueError, float, str)["MUNIT"][0](2.3)
        [[1.0, 0.0], [0.0, 1.0]]
        """
        if isinstance(dimension, list):
            raise err("Value")
        n = math.trunc(number(dimension)) if dimension is not None else 0
        if n < 1:
            raise err("Value")
        return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]

    def mmult(a: Any, b: Any) -> list[list[float]]:
        """MMULT(array1, array2): the matrix product; #VALUE! unless columns(1) = rows(2).

        >>> functions(ValueError, float, str)["MMULT"][0]([[1.0, 2.0]], [[3.0], [4.0]])
        [[11.0]]
        """
        x, y = numbers(a), numbers(b)
        if len(x[0]) != len(y):
            raise err("Value")
        return [[math.fsum(x[i][k] * y[k][j] for k in range(len(y))) for j in range(len(y[0]))]
                for i in range(len(x))]

    def mdeterm(a: Any) -> float:
        """MDETERM(array): the determinant (Gaussian elimination with partial pivoting).

        >>> functions(ValueError, float, str)["MDETERM"][0]([[1.0, 3.0, 8.0, 5.0], [1.0, 3.0, 6.0, 1.0],
        ...                                                   [1.0, 1.0, 1.0, 0.0], [7.0, 3.0, 10.0, 2.0]])
        88.0
        """
        m = numbers(a)
        n = len(m)
        if any(len(row) != n for row in m):
            raise err("Value")
        m = [row[:] for row in m]
        det = 1.0
        for c in range(n):
            p = max(range(c, n), key=lambda r: abs(m[r][c]))
            if m[p][c] == 0:
                return 0.0
            if p != c:
                m[c], m[p] = m[p], m[c]
                det = -det
            det *= m[c][c]
            for r in range(c + 1, n):
                f = m[r][c] / m[c][c]
                for k in range(c, n):
                    m[r][k] -= f * m[c][k]
        return float(round(det, 9)) if abs(det - round(det)) < 1e-9 else det

    def minverse(a: Any) -> list[list[float]]:
        """MINVERSE(array): the inverse matrix; #NUM! for a singular one.

        >>> functions(ValueError, float, str)["MINVERSE"][0]([[4.0, -1.0], [2.0, 0.0]])
        [[0.0, 0.5], [-1.0, 2.0]]
        """
        m = numbers(a)
        n = len(m)
        if any(len(row) != n for row in m):
            raise err("Value")
        aug = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(m)]
        for c in range(n):
            p = max(range(c, n), key=lambda r: abs(aug[r][c]))
            if abs(aug[p][c]) < 1e-300:
                raise err("Num")
            aug[c], aug[p] = aug[p], aug[c]
            piv = aug[c][c]
            aug[c] = [v / piv for v in aug[c]]
            for r in range(n):
                if r != c and aug[r][c]:
                    f = aug[r][c]
                    aug[r] = [v - f * w for v, w in zip(aug[r], aug[c], strict=True)]
        return [[v + 0.0 for v in row[n:]] for row in aug]

    def permutationa(n: Any, k: Any) -> float:
        """PERMUTATIONA(number, number_chosen): number ** number_chosen (both truncated).

        >>> functions(ValueError, float, str)["PERMUTATIONA"][0](3, 2)
        9.0
        """
        a, b = math.trunc(number(n)), math.trunc(number(k))
        if a < 0 or b < 0:
            raise err("Num")
        return float(a ** b)

    def prob(x_range: Any, prob_range: Any, lower: Any, upper: Any = None) -> float:
        """PROB(x_range, prob_range, lower_limit, [upper_limit]).

        >>> round(functions(ValueError, float, str)["PROB"][0]([[0.0, 1.0, 2.0, 3.0]],
        ...       [[0.2, 0.3, 0.1, 0.4]], 2.0), 9)
        0.1
        """
        xs = [v for row in _grid(x_range) for v in row]
        ps = [v for row in _grid(prob_range) for v in row]
        if len(xs) != len(ps):
            raise err("Na")
        for v in (*xs, *ps):
            if _is_error(v):
                raise err(str(v.get("kind")))
        pn = [float(p) if isinstance(p, int | float) and not isinstance(p, bool) else 0.0 for p in ps]
        if any(p < 0 or p > 1 for p in pn) or abs(math.fsum(pn) - 1.0) > 1e-9:
            raise err("Num")
        if _is_error(lower) or _is_error(upper):
            raise err(str((lower if _is_error(lower) else upper).get("kind")))
        if isinstance(lower, str):
            return 0.0
        lo = number(lower)
        hi = lo if upper is None else number(upper)
        return math.fsum(p for x, p in zip(xs, pn, strict=True)
                         if isinstance(x, int | float) and not isinstance(x, bool) and lo <= x <= hi)

    def _regex(pattern: Any, case: Any) -> re.Pattern[str]:
        flags = re.IGNORECASE if case is not None and number(case) == 1 else 0
        try:
            return re.compile(text(pattern), flags)
        except re.error:
            raise err("Value") from None

    def regextest(value: Any, pattern: Any, case: Any = None) -> bool:
        """REGEXTEST(text, pattern, [case_sensitivity]).

        >>> functions(ValueError, float, str)["REGEXTEST"][0]("abc123", "[0-9]+")
        True
        """
        return _regex(pattern, case).search(text(value)) is not None

    def regexextract(value: Any, pattern: Any, mode: Any = None, case: Any = None) -> Any:
        """REGEXEXTRACT(text, pattern, [return_mode], [case_sensitivity]): 0 the first match,
        1 every match (a column), 2 the first match's groups (a row); no match #N/A.

        >>> functions(ValueError, float, str)["REGEXEXTRACT"][0]("a1b22", "[0-9]+", 1)
        [['1'], ['22']]
        """
        rx, s = _regex(pattern, case), text(value)
        how = 0 if mode is None else math.trunc(number(mode))
        if how not in (0, 1, 2):
            raise err("Value")
        if how == 1:
            found = [m.group(0) for m in rx.finditer(s)]
            if not found:
                raise err("Na")
            return [[f] for f in found]
        m = rx.search(s)
        if m is None:
            raise err("Na")
        if how == 2:
            return [[g if g is not None else "" for g in m.groups()]] if m.groups() else m.group(0)
        return m.group(0)

    def regexreplace(value: Any, pattern: Any, replacement: Any, occurrence: Any = None,
                     case: Any = None) -> str:
        """REGEXREPLACE(text, pattern, replacement, [occurrence], [case_sensitivity]):
        ``$1`` names a group; occurrence 0 replaces all, n the n-th, -n the n-th from the end.

        >>> functions(ValueError, float, str)["REGEXREPLACE"][0]("a1b22", "([0-9]+)", "<$1>")
        'a<1>b<22>'
        """
        rx, s = _regex(pattern, case), text(value)
        repl = re.sub(r"\$(\d+)", r"\\g<\1>", text(replacement).replace("\\", "\\\\"))
        nth = 0 if occurrence is None else math.trunc(number(occurrence))
        matches = list(rx.finditer(s))
        if nth == 0:
            return rx.sub(repl, s)
        index = nth - 1 if nth > 0 else len(matches) + nth
        if not 0 <= index < len(matches):
            return s
        m = matches[index]
        return s[:m.start()] + m.expand(repl) + s[m.end():]

    def expand(array: Any, rows: Any, columns: Any = None, pad_with: Any = None) -> list[list[Any]]:
        """EXPAND(array, rows, [columns], [pad_with]): the array padded to rows × columns
        (columns left out: the array's width) with ``pad_with`` (default #N/A); fewer is #VALUE!.

        >>> functions(ValueError, float, str)["EXPAND"][0]([[1.0]], 2, 2, 0.0)
        [[1.0, 0.0], [0.0, 0.0]]
        """
        grid = _grid(array)
        h, w = len(grid), len(grid[0]) if grid else 0
        n = math.trunc(number(rows))   # a blank cell is 0 (#VALUE!), as in Excel
        k = w if columns is None else math.trunc(number(columns))
        if n < h or k < w:
            raise err("Value")
        pad = {"type": "Error", "kind": "Na"} if pad_with is None else pad_with
        return [[grid[i][j] if i < h and j < w else pad for j in range(k)] for i in range(n)]

    return {
        "EXPAND": (expand, 2, 4),
        "MUNIT": (munit, 1, 1), "MMULT": (mmult, 2, 2), "MDETERM": (mdeterm, 1, 1),
        "MINVERSE": (minverse, 1, 1), "PERMUTATIONA": (permutationa, 2, 2), "PROB": (prob, 3, 4),
        "REGEXTEST": (regextest, 2, 3), "REGEXEXTRACT": (regexextract, 2, 4),
        "REGEXREPLACE": (regexreplace, 3, 5),
    }


def _serial_date(serial: int, date1904: bool) -> tuple[int, int, int]:
    """(year, month, day) of a serial date; 1900 system with Excel's fictitious 29 Feb 1900."""
    import datetime as dt

    if date1904:
        d = dt.date(1904, 1, 1) + dt.timedelta(days=serial)
        return d.year, d.month, d.day
    if serial == 60:
        return 1900, 2, 29
    d = dt.date(1899, 12, 31 if serial < 60 else 30) + dt.timedelta(days=serial)
    return d.year, d.month, d.day


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def yearfrac_days(s: int, e: int, basis: int, date1904: bool = False) -> float:
    """YEARFRAC of two serial dates (s ≤ e) for ``basis`` 0–4, as Excel computes it.

    Basis 1 (actual/actual) is Excel's own rule, not ISDA's: within a year (up to the same
    day a year later) the year is 366 days if it is a leap year or a 29 February lies between
    the dates, else 365; over several years the average length of the years spanned.

    >>> round(yearfrac_days(40909, 41274, 1), 10), round(yearfrac_days(39448, 39813, 0), 10)
    (0.9972677596, 1.0)
    """
    y1, m1, d1 = _serial_date(s, date1904)
    y2, m2, d2 = _serial_date(e, date1904)
    days = e - s
    if basis == 2:
        return days / 360
    if basis == 3:
        return days / 365
    if basis in (0, 4):
        if basis == 0:
            feb_end1 = m1 == 2 and d1 == (29 if _leap(y1) else 28)
            feb_end2 = m2 == 2 and d2 == (29 if _leap(y2) else 28)
            if feb_end1 and feb_end2:
                d2 = 30
            if feb_end1:
                d1 = 30
            if d2 == 31 and d1 >= 30:
                d2 = 30
            if d1 == 31:
                d1 = 30
        else:
            d1, d2 = min(d1, 30), min(d2, 30)
        return ((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) / 360
    within = y1 == y2 or (y2 == y1 + 1 and (m1 > m2 or (m1 == m2 and d1 >= d2)))
    if within:
        leap_day_inside = (_leap(y1) and (m1, d1) <= (2, 29)) or (_leap(y2) and (m2, d2) >= (2, 29))
        length = 366 if (y1 == y2 and _leap(y1)) or leap_day_inside else 365
        return days / length
    total = sum(366 if _leap(y) else 365 for y in range(y1, y2 + 1))
    return days / (total / (y2 - y1 + 1))


def yearfrac(err: Callable[[str], Exception], number: Callable[[Any], float],
             date1904: bool) -> Callable[..., float]:
    """YEARFRAC(start_date, end_date, [basis]): the basis is checked first (as Excel does: an
    invalid basis wins over an error in a date), dates are truncated and may come in any order;
    a range or a logical value is #VALUE! (Excel does not lift this function over arrays).

    >>> f = yearfrac(ValueError, float, False)
    >>> round(f(39448, 39600, 1), 10), round(f(39600, 39448), 10)
    (0.4153005464, 0.4166666667)
    """

    def fn(start: Any, end: Any, basis: Any = None) -> float:
        args = (start, end, basis)
        if any(isinstance(a, list | bool) for a in args):
            raise err("Value")   # an Analysis ToolPak function: no ranges, no logical values
        b = 0 if basis is None else math.trunc(number(basis))
        if not 0 <= b <= 4:
            raise err("Num")
        s, e = math.trunc(number(start)), math.trunc(number(end))
        if s < 0 or e < 0:
            raise err("Num")
        if s > e:
            s, e = e, s
        return yearfrac_days(s, e, b, date1904)

    fn.__name__ = "YEARFRAC"
    return fn
