"""Excel functions formualizer 0.13 does not have: matrices, PERMUTATIONA, PROB and REGEX*.

Each follows Microsoft's help page of the function and is checked against the values Excel
cached in tests/corpus_real (formulas__test.xlsx; tests/test_corpus_real.py).  They are bound by
xlmodel.engine.excel_functions, which gives them its argument coercion (``number``, ``text``)
and error type (``err``): :func:`functions` returns them ready to register.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
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


# ------------------------------------------------------------------------------- lookups ----
# Excel's lookup functions as Excel answers them where formualizer 0.13 does not: an error as
# lookup value is passed on (formualizer: #N/A), values are compared only within their type
# (numbers < text < logical values, text without case), approximate matches search the way
# Excel's binary search does (also on unsorted data), invalid modes are #VALUE!, a column
# index below 1 is #VALUE! and beyond the table #REF!.  Checked against every lookup of
# formulas__test.xlsx and pycel's lookup.xlsx whose arguments are literals or cells
# (tests/test_corpus_real.py::test_lookups_agree_with_excels_cached_values).

_NA = {"type": "Error", "kind": "Na"}
_VALUE = {"type": "Error", "kind": "Value"}
_REF = {"type": "Error", "kind": "Ref"}


class _Found(Exception):
    """An Excel error that ends a lookup (the value to return)."""

    def __init__(self, value: dict[str, str]) -> None:
        super().__init__(value.get("kind"))
        self.value = value


class _Native(Exception):
    """The call is left to formualizer's own built-in: text outside ASCII compared by order,
    where Excel's order follows the locale's collation (is "Østby" after "Sydby"?), which the
    corpus does not show."""


def _ordered_ascii(value: Any, values: list[Any]) -> None:
    """Raise :class:`_Native` when an order comparison would involve text outside ASCII."""
    if isinstance(value, str) and (not value.isascii()
                                   or any(isinstance(v, str) and not v.isascii() for v in values)):
        raise _Native


def _rank(v: Any) -> int:
    """Excel's order of types in a lookup: numbers, text, logical values; then errors, blanks."""
    if isinstance(v, bool):
        return 2
    if isinstance(v, int | float):
        return 0
    if isinstance(v, str):
        return 1
    return 4 if _is_error(v) else 5


def _key(v: Any, fold: Callable[[str], str]) -> tuple[int, Any]:
    r = _rank(v)
    if r == 1:
        return r, fold(v)
    return r, (float(v) if r in (0, 2) else 0)


def _flat(a: Any) -> tuple[list[Any], bool]:
    """A lookup vector's values and whether it is a row; a 2-D range is #N/A."""
    rows = _grid(a)
    if len(rows) > 1 and len(rows[0]) > 1:
        raise _Found(_NA)
    if len(rows) == 1:
        return list(rows[0]), True
    return [r[0] for r in rows], False


def _mode(v: Any, default: int) -> int:
    if v is None:
        return default
    if _is_error(v):
        raise _Found(v)
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise _Found(_VALUE) from None
    return math.floor(float(v))


def _wildcard(pattern: str) -> re.Pattern[str]:
    """Excel's wildcards: ``*`` any text, ``?`` one character, ``~`` takes the next literally."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _exact(value: Any, values: list[Any], wild: bool, fold: Callable[[str], str],
           order: Iterable[int]) -> int | None:
    """Index of the first value equal to ``value`` (same type; text by wildcards if ``wild``)."""
    key = _key(value, fold)
    if wild and key[0] == 1:   # (wildcards compare without case, but not ß with ss)
        pattern = _wildcard(value)
        return next((i for i in order if isinstance(values[i], str)
                     and pattern.fullmatch(values[i])), None)
    return next((i for i in order if _key(values[i], fold) == key), None)


def _approximate(value: Any, values: list[Any], fold: Callable[[str], str]) -> int | None:
    """MATCH type 1 (LOOKUP, VLOOKUP/HLOOKUP TRUE): the largest value ≤ ``value`` of its type,
    found by Excel's binary search (lower half when the middle value is larger, else upper
    half, remembering the last middle value below; a middle value of another type is replaced
    by the nearest one of the type after it; an equal value ends the search, at the last of the
    equal values next to it).  On sorted data: the largest value ≤, the last of equal ones."""
    _ordered_ascii(value, values)
    key = _key(value, fold)
    lo, hi, found = 0, len(values) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        m = mid
        while m <= hi and _rank(values[m]) != key[0]:
            m += 1
        if m > hi:
            hi = mid - 1
            continue
        k = _key(values[m], fold)
        if k == key:   # an equal value ends the search at the last of its run
            while m + 1 < len(values) and _key(values[m + 1], fold) == key:
                m += 1
            return m
        if k < key:
            found, lo = m, m + 1
        else:
            hi = mid - 1
    return found


def _descending(value: Any, values: list[Any], fold: Callable[[str], str]) -> int | None:
    """MATCH type -1: walking the values of ``value``'s type, the last one ≥ ``value`` before the
    first smaller one (Excel's answer on data sorted in descending order, and on unsorted)."""
    _ordered_ascii(value, values)
    key = _key(value, fold)
    found = None
    for i, v in enumerate(values):
        if _rank(v) != key[0]:
            continue
        k = _key(v, fold)
        if k < key:
            break
        found = i
        if k == key:
            break
    return found


def _lower(s: str) -> str:
    return s.lower()


def _casefold(s: str) -> str:
    return s.casefold()


def _match_index(value: Any, values: list[Any], kind: int, wild: bool = True) -> int | None:
    if value is None:
        value = 0.0   # a blank lookup value is 0 (MATCH, LOOKUP, VLOOKUP, HLOOKUP)
    if kind == 0:
        return _exact(value, values, wild, _lower, range(len(values)))
    if kind > 0:
        return _approximate(value, values, _lower)
    return _descending(value, values, _lower)


def _lift(fn: Callable[..., Any], lifted: tuple[int, ...], name: str) -> Callable[..., Any]:
    """``fn`` applied element by element over the arguments ``lifted`` when they are arrays
    (Excel's lifting of a lookup value or mode); an error that ends a lookup is its value; a
    call ``fn`` leaves to formualizer (:class:`_Native`) is computed by formualizer's ``name``."""

    def one(*args: Any) -> Any:
        try:
            return fn(*args)
        except _Found as e:
            return e.value
        except _Native:
            from xlmodel.engine import excel_lifting

            return excel_lifting.builtin(name, list(args))

    def call(*args: Any) -> Any:
        if args and _is_error(args[0]):
            return args[0]   # an error as lookup value is the answer, whatever the other arguments
        grids = [k for k in lifted if k < len(args) and isinstance(args[k], list)]
        if not grids:
            return one(*args)
        rows = max(len(args[k]) for k in grids)
        cols = max(len(args[k][0]) for k in grids)

        def pick(k: int, a: Any, i: int, j: int) -> Any:
            if k not in grids:
                return a
            ii, jj = (i if len(a) > 1 else 0), (j if len(a[0]) > 1 else 0)
            return a[ii][jj] if ii < len(a) and jj < len(a[ii]) else _NA

        out = []
        for i in range(rows):
            row = []
            for j in range(cols):
                v = one(*(pick(k, a, i, j) for k, a in enumerate(args)))
                while isinstance(v, list):   # an array result in one element: its first value
                    v = v[0][0] if v and v[0] else None
                row.append(v)
            out.append(row)
        return out

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


def match(lookup_value: Any, lookup_array: Any, match_type: Any = None) -> Any:
    """MATCH: an error as lookup value is returned; match_type 1 (default) is Excel's binary
    search for the largest value ≤, 0 the first equal value (text without case, with
    wildcards), -1 the smallest value ≥ on descending data; only values of the lookup value's
    type count; a 2-D array is #N/A.

    >>> match(2.0, [[1.0, 2.0, 2.0, 3.0]]), match("B*", [["a"], ["bc"]], 0.0), match(0.5, [[1.0]])
    (3.0, 2.0, {'type': 'Error', 'kind': 'Na'})
    """
    if _is_error(lookup_value):
        return lookup_value
    kind = _mode(match_type, 1)
    values, _ = _flat(lookup_array)
    i = _match_index(lookup_value, values, (kind > 0) - (kind < 0))
    return _NA if i is None else float(i + 1)


def _at(v: Any) -> Any:
    """A found cell's value (a blank cell reads as 0, as a reference to it does)."""
    return 0.0 if v is None else v


def lookup(lookup_value: Any, lookup_vector: Any, result_vector: Any = None) -> Any:
    """LOOKUP: approximate match (MATCH type 1); without a result vector the array form
    searches the first row of a wider-than-tall array (else the first column) and returns the
    last row (column); the result vector is read at the found position.

    >>> lookup(2.5, [[1.0], [2.0], [3.0]], [["a"], ["b"], ["c"]])
    'b'
    >>> lookup(6.0, [[1.0, 5.0, 9.0], ["x", "y", "z"]])
    'y'
    >>> lookup(2.0, [[1.0], [2.0]], [["a", "b"], ["c", "d"]])
    {'type': 'Error', 'kind': 'Na'}
    """
    if _is_error(lookup_value):
        return lookup_value
    rows = _grid(lookup_vector)
    if result_vector is None:
        if len(rows[0]) > len(rows):
            values, results = rows[0], rows[-1]
        else:
            values, results = [r[0] for r in rows], [r[-1] for r in rows]
    else:
        values = [v for row in rows for v in row] if len(rows) == 1 or len(rows[0]) == 1 \
            else [r[0] for r in rows]
        found = _grid(result_vector)
        if len(found) > 1 and len(found[0]) > 1:
            return _NA   # a result "vector" of several rows and columns (pycel's lookup.xlsx)
        results = [v for row in found for v in row]
    i = _match_index(lookup_value, values, 1)
    if i is None:
        return _NA
    return _at(results[i]) if i < len(results) else _NA


def _table_lookup(lookup_value: Any, table: Any, index: Any, range_lookup: Any,
                  horizontal: bool) -> Any:
    if _is_error(lookup_value):
        return lookup_value
    if _is_error(index):
        return index
    n = _mode(index, 1)
    if _is_error(range_lookup):
        return range_lookup
    approximate = True if range_lookup is None else bool(
        _mode(range_lookup, 1) if not isinstance(range_lookup, bool) else range_lookup)
    rows = _grid(table)
    if horizontal:
        rows = [list(c) for c in zip(*rows, strict=False)]
    if n < 1:
        return _VALUE
    if n > len(rows[0]):
        return _REF
    i = _match_index(lookup_value, [r[0] for r in rows], 1 if approximate else 0)
    return _NA if i is None else _at(rows[i][n - 1])


def vlookup(lookup_value: Any, table_array: Any, col_index_num: Any,
            range_lookup: Any = None) -> Any:
    """VLOOKUP: an error as lookup value or column index is returned; a column index below 1
    is #VALUE!, beyond the table #REF!; range_lookup TRUE (default, any non-zero number) is
    MATCH type 1 on the first column, FALSE the first equal value (wildcards in text).

    >>> vlookup(2.5, [[1.0, "a"], [2.0, "b"]], 2.0), vlookup(1.0, [[1.0, "a"]], 3.0)
    ('b', {'type': 'Error', 'kind': 'Ref'})
    """
    return _table_lookup(lookup_value, table_array, col_index_num, range_lookup, False)


def hlookup(lookup_value: Any, table_array: Any, row_index_num: Any,
            range_lookup: Any = None) -> Any:
    """HLOOKUP: VLOOKUP's rules on the first row, returning from row ``row_index_num``.

    >>> hlookup("B", [["a", "b"], [1.0, 2.0]], 2.0, False)
    2.0
    """
    return _table_lookup(lookup_value, table_array, row_index_num, range_lookup, True)


def _xmatch_index(value: Any, values: list[Any], match_mode: Any, search_mode: Any) -> int | None:
    """XMATCH's position (0-based) or None: see :func:`xmatch`."""
    if _is_error(value):
        raise _Found(value)
    mm, sm = _mode(match_mode, 0), _mode(search_mode, 1)
    if mm == 3:
        mm = 2
    if mm not in (-1, 0, 1, 2) or sm not in (1, -1, 2, -2) or (mm == 2 and abs(sm) == 2):
        raise _Found(_VALUE)
    key = (3, 0) if value is None else _key(value, _casefold)
    keys = [_key(v, _casefold) for v in values]
    if abs(sm) == 2 or (mm in (-1, 1) and key not in keys):
        _ordered_ascii(value, values)   # (an exact match needs no order)
    if abs(sm) == 1:
        order = range(len(values)) if sm == 1 else range(len(values) - 1, -1, -1)
        if mm in (0, 2) or value is None:
            if mm in (0, 2) and value is not None:
                return _exact(value, values, mm == 2, _casefold, order)
            if mm == 0:
                return None
        best = None
        for i in order:
            k = keys[i]
            if k == key:
                return i
            if (mm == -1 and k < key and (best is None or k > keys[best])) or \
                    (mm == 1 and k > key and (best is None or k < keys[best])):
                best = i
        return best
    lo, hi, best = 0, len(values) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        k = keys[mid]
        if k == key:
            return mid
        if (mm == -1 and k < key) or (mm == 1 and k > key):
            best = mid
        if (k < key) == (sm == 2):
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def xmatch(lookup_value: Any, lookup_array: Any, match_mode: Any = None,
           search_mode: Any = None) -> Any:
    """XMATCH: match_mode 0 exact, -1 exact or next smaller, 1 exact or next larger, 2
    wildcards; search_mode 1 first to last, -1 last to first, 2/-2 binary search on data
    sorted ascending/descending (Excel's halving also on unsorted data); another mode, or
    wildcards with a binary search, is #VALUE!.  Values of all types are ordered numbers <
    text (without case) < logical values; exact and wildcard matches in a linear search
    consider only the lookup value's type; a blank lookup value is above every value.

    >>> xmatch(2.5, [[1.0, 2.0, 3.0]], -1.0), xmatch(2.5, [[1.0, 2.0, 3.0]], 1.0, 2.0)
    (2.0, 3.0)
    >>> LOOKUPS["XMATCH"][0]("b?", [["a"], ["bc"]], 2.0, 2.0)
    {'type': 'Error', 'kind': 'Value'}
    """
    values, _ = _flat(lookup_array)
    i = _xmatch_index(lookup_value, values, match_mode, search_mode)
    return _NA if i is None else float(i + 1)


def xlookup(lookup_value: Any, lookup_array: Any, return_array: Any, if_not_found: Any = None,
            match_mode: Any = None, search_mode: Any = None) -> Any:
    """XLOOKUP: XMATCH's position in ``lookup_array``, the row (or column) of ``return_array``
    there; not found: ``if_not_found`` (default #N/A); return and lookup arrays of different
    lengths are #VALUE!.

    >>> xlookup(2.0, [[1.0], [2.0]], [["a", "x"], ["b", "y"]]), xlookup(5.0, [[1.0]], [["a"]], "-")
    ([['b', 'y']], '-')
    """
    values, row = _flat(lookup_array)
    ret = _grid(return_array)
    if (len(ret[0]) if row else len(ret)) != len(values):
        return _VALUE
    i = _xmatch_index(lookup_value, values, match_mode, search_mode)
    if i is None:
        return _NA if if_not_found is None else if_not_found
    picked = [[r[i]] for r in ret] if row else [ret[i]]
    if len(picked) == 1 and len(picked[0]) == 1:
        return _at(picked[0][0])
    return [[_at(v) for v in r] for r in picked]


def _index_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """VLOOKUP/HLOOKUP with an array of lookup values and an array of column (row) indexes:
    Excel lifts over the lookup values only, with the first index (formulas' test.xlsx,
    LOOKUP!AH44: ``HLOOKUP(C44:Q44,{…},{2,1},0)`` returns row 2 for every value)."""

    def call(*args: Any) -> Any:
        if len(args) > 2 and isinstance(args[0], list) and isinstance(args[2], list):
            first = args[2]
            while isinstance(first, list):
                first = first[0][0] if first and first[0] else None
            args = (args[0], args[1], first, *args[3:])
        return fn(*args)

    call.__name__ = getattr(fn, "__name__", "lookup")
    call.__doc__ = fn.__doc__
    return call


#: name → (callable, min args, max args) of the lookups, lifted over the lookup value (and
#: XMATCH/XLOOKUP's modes, VLOOKUP/HLOOKUP's index) as Excel lifts them.
LOOKUPS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "MATCH": (_lift(match, (0,), "MATCH"), 2, 3),
    "LOOKUP": (_lift(lookup, (0,), "LOOKUP"), 2, 3),
    "VLOOKUP": (_index_first(_lift(vlookup, (0, 2), "VLOOKUP")), 3, 4),
    "HLOOKUP": (_index_first(_lift(hlookup, (0, 2), "HLOOKUP")), 3, 4),
    "XMATCH": (_lift(xmatch, (0, 2, 3), "XMATCH"), 2, 4),
    "XLOOKUP": (_lift(xlookup, (0, 4, 5), "XLOOKUP"), 3, 6),
}


# ------------------------------------------------- error order of GCD, LCM, ISEVEN, PERCENTILE ----
def _numeric_text(v: str) -> float:
    """A text argument Excel reads as a number: numeric, date or time text, else #VALUE!."""
    try:
        return float(v.strip())
    except ValueError:
        from xlmodel.engine import excel_lifting

        n = excel_lifting.builtin("VALUE", [v])
        if isinstance(n, float) and not isinstance(n, bool):
            return n
        raise _Found(_VALUE) from None


def _integers(args: tuple[Any, ...]) -> list[float]:
    """GCD/LCM's values: in argument order an error is returned, and a logical value, a blank
    or non-numeric text given directly (or text and logical values in a range) is #VALUE!;
    then a negative value is #NUM! (Excel: GCD(-0.4) #NUM!, GCD(-0.4,TRUE) #VALUE!)."""
    out = []
    for a in args:
        for v in ([x for row in a for x in row] if isinstance(a, list) else [a]):
            if _is_error(v):
                raise _Found(v)
            if v is None and isinstance(a, list):
                continue   # a blank cell of a range is left out
            if v is None or isinstance(v, bool):
                raise _Found(_VALUE)
            out.append(_numeric_text(v) if isinstance(v, str) else float(v))
    if any(x < 0 or x >= 2.0 ** 53 for x in out):
        raise _Found({"type": "Error", "kind": "Num"})
    return [float(math.trunc(x)) for x in out]


def gcd(*args: Any) -> Any:
    """GCD: the greatest common divisor of the truncated values (see :func:`_integers`).

    >>> gcd(5.7, [[15.7, 63.0]]), gcd(-0.4), gcd(-0.4, True)
    (1.0, {'type': 'Error', 'kind': 'Num'}, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        return float(math.gcd(*(int(x) for x in _integers(args))))
    except _Found as e:
        return e.value


def lcm(*args: Any) -> Any:
    """LCM: the least common multiple of the truncated values, 0 if one is 0 (as GCD's rules).

    >>> lcm(15.7, 63.0), lcm(0.0, 5.0), lcm(None)
    (315.0, 0.0, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        return float(math.lcm(*(int(x) for x in _integers(args))))
    except _Found as e:
        return e.value


def _parity(odd: bool) -> Callable[..., Any]:
    def fn(number: Any) -> Any:
        if isinstance(number, list):
            from xlmodel.engine import excel_lifting

            return excel_lifting.builtin("ISODD" if odd else "ISEVEN", [number])
        try:
            if _is_error(number):
                return number
            if isinstance(number, bool):
                return _VALUE
            v = 0.0 if number is None else _numeric_text(number) if isinstance(number, str) \
                else float(number)
        except _Found as e:
            return e.value
        return (math.trunc(v) % 2 == 1) == odd

    fn.__name__ = "ISODD" if odd else "ISEVEN"
    fn.__doc__ = (f"{fn.__name__}: the truncated number is {'odd' if odd else 'even'}; a blank "
                  "is 0, numeric or date text its number, a logical value #VALUE!, an error "
                  "is returned (a range: formualizer's own built-in).")
    return fn


def _quantile(kind: str) -> Callable[..., Any]:
    """PERCENTILE[.INC/.EXC] and QUARTILE[.INC/.EXC] with Excel's order of errors: an error
    in k first, then the first error in the data, then k out of range (#NUM!), then no
    numbers (#NUM!).  k: a logical value counts 1/0, numeric or date text its number, other
    text #VALUE!; the data's text, logical values and blanks are left out; QUARTILE's quart
    is checked before it is truncated (-0.1 is #NUM!)."""
    quartile = kind.startswith("QUARTILE")
    exclusive = kind.endswith(".EXC")

    def fn(data: Any, k: Any) -> Any:
        try:
            if _is_error(k):
                return k
            if isinstance(k, list):
                return _VALUE
            kv = 0.0 if k is None else float(k) if not isinstance(k, str) else _numeric_text(k)
            cells = [x for row in data for x in row] if isinstance(data, list) else [data]
            for v in cells:
                if _is_error(v):
                    return v
            xs = sorted(float(v) for v in cells if isinstance(v, int | float) and not isinstance(v, bool))
            if not isinstance(data, list) and not xs:
                xs = [_numeric_text(data) if isinstance(data, str) else float(data or 0)]
        except _Found as e:
            return e.value
        n = len(xs)
        if quartile:
            if kv < 0 or kv >= 5:
                return {"type": "Error", "kind": "Num"}
            q = math.trunc(kv)
            if q > 4 or (exclusive and q in (0, 4)):
                return {"type": "Error", "kind": "Num"}
            kv = q / 4
        elif kv < 0 or kv > 1:
            return {"type": "Error", "kind": "Num"}
        if not n:
            return {"type": "Error", "kind": "Num"}
        if exclusive:
            rank = kv * (n + 1) - 1
            if rank < 0 or rank > n - 1:
                return {"type": "Error", "kind": "Num"}
        else:
            rank = kv * (n - 1)
        lo = math.floor(rank)
        hi = min(lo + 1, n - 1)
        return xs[lo] + (rank - lo) * (xs[hi] - xs[lo])

    fn.__name__ = kind
    fn.__doc__ = _quantile.__doc__
    return fn


def _lift_k(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(data, k)`` lifted over k when k is an array (Excel's lifting in array formulas)."""

    def call(data: Any, k: Any) -> Any:
        if isinstance(k, list):
            return [[fn(data, x) for x in row] for row in k]
        return fn(data, k)

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


#: Overrides for the order of Excel's errors; the quantiles read their data range on every
#: call, so they are registered under the same cell budget as the lookups.
RANGE_READERS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "GCD": (gcd, 1, 255), "LCM": (lcm, 1, 255),
    **{name: (_lift_k(_quantile(name)), 2, 2) for name in (
        "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE", "QUARTILE.INC", "QUARTILE.EXC")},
}
SCALARS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "ISEVEN": (_parity(False), 1, 1), "ISODD": (_parity(True), 1, 1),
}


def _data_numbers(data: Any) -> list[float]:
    """The numbers of a data argument: the first error is returned, text, logical values and
    blanks of a range are left out (LARGE, SMALL, RANK)."""
    cells = [x for row in data for x in row] if isinstance(data, list) else [data]
    for v in cells:
        if _is_error(v):
            raise _Found(v)
    return [float(v) for v in cells if isinstance(v, int | float) and not isinstance(v, bool)]


def _scalar_number(v: Any) -> float:
    """A one-value argument: an error returned, a blank 0, TRUE 1, numeric or date text its
    number, other text #VALUE!."""
    if _is_error(v):
        raise _Found(v)
    if isinstance(v, list):
        raise _Found(_VALUE)
    if v is None:
        return 0.0
    return _numeric_text(v) if isinstance(v, str) else float(v)


def _kth(largest: bool) -> Callable[..., Any]:
    def fn(array: Any, k: Any) -> Any:
        try:
            kv = _scalar_number(k)
            xs = sorted(_data_numbers(array), reverse=largest)
        except _Found as e:
            return e.value
        if not 1 <= kv <= len(xs):
            return {"type": "Error", "kind": "Num"}
        return xs[(math.ceil(kv) if largest else math.floor(kv)) - 1]

    fn.__name__ = "LARGE" if largest else "SMALL"
    fn.__doc__ = (f"{fn.__name__}(array, k): k's error first (non-numeric text #VALUE!), then the "
                  "first error of the array, then k outside 1..n #NUM!; the array's numbers "
                  "only; a fractional k is rounded up by LARGE, down by SMALL (Excel: "
                  "LARGE(..,2.2) is the 3rd largest, SMALL(..,2.2) the 2nd smallest).")
    return fn


def _rank_of(average: bool) -> Callable[..., Any]:
    def fn(number: Any, ref: Any, order: Any = None) -> Any:
        try:
            x = _scalar_number(number)
            ascending = _scalar_number(order) != 0 if order is not None else False
            xs = _data_numbers(ref)
        except _Found as e:
            return e.value
        ties = sum(1 for v in xs if v == x)
        if not ties:
            return _NA
        before = sum(1 for v in xs if (v < x if ascending else v > x))
        return before + (ties + 1) / 2 if average else float(before + 1)

    fn.__name__ = "RANK.AVG" if average else "RANK.EQ"
    fn.__doc__ = (f"{fn.__name__}(number, ref, [order]): number's error first, then order's, "
                  "then the first error of ref; the rank among ref's numbers (descending unless "
                  "order is non-zero), not in ref #N/A" + (", ties averaged." if average else "."))
    return fn


def _lift_arg(fn: Callable[..., Any], position: int) -> Callable[..., Any]:
    """``fn`` lifted over the argument at ``position`` when it is an array (array formulas)."""

    def call(*args: Any) -> Any:
        if position < len(args) and isinstance(args[position], list):
            a = list(args)
            return [[fn(*a[:position], x, *a[position + 1:]) for x in row] for row in args[position]]
        return fn(*args)

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


RANGE_READERS.update({
    "LARGE": (_lift_arg(_kth(True), 1), 2, 2), "SMALL": (_lift_arg(_kth(False), 1), 2, 2),
    "RANK.EQ": (_lift_arg(_rank_of(False), 0), 2, 3), "RANK": (_lift_arg(_rank_of(False), 0), 2, 3),
    "RANK.AVG": (_lift_arg(_rank_of(True), 0), 2, 3),
})
