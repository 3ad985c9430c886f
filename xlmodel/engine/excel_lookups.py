"""Lookup and reference functions and dynamic arrays (INDEX, ADDRESS, AREAS, DROP, TAKE, FILTER,
SORT, UNIQUE, CHOOSECOLS, GROUPBY, PIVOTBY…) as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real, tests/test_corpus_lookups.py).  Argument coercion:
xlmodel.engine.excel_coerce.

Reference expressions (:func:`areas`).  A reference may be a union of areas (``(A1:B2,D4)``,
the comma inside parentheses), an intersection (a space: the cells both sides share, none is
``#NULL!``) or a range between two references (``:``, the smallest rectangle holding both) —
Microsoft, "Calculation operators and precedence": ``:`` binds before the space, the space
before the comma.  formualizer 0.13 has no unions, no intersections and no AREAS, so a call
of AREAS, ROWS or COLUMNS whose argument is such an expression of A1 references is replaced on
the engine's copy by its answer, which depends on the reference only, never on a cell's value
(AREAS: the number of areas; ROWS/COLUMNS of more than one area: ``#REF!``); an intersection of
A1 ranges given to TRANSPOSE is replaced by the range it names.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import attrgetter
from typing import Any

from xlmodel.engine import excel_coerce, excel_lifting, excel_registry
from xlmodel.engine.excel_registry import Rewrite
from xlmodel.ooxml.addresses import col_letters, col_number

Rect = tuple[int, int, int, int]   # first row, first column, last row, last column

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class _NotReference(Exception):
    """The text is not an expression of A1 references (left to the engine)."""


class _Parser:
    """Recursive descent over a reference expression: union > intersection > range > primary."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def union(self) -> list[Rect] | str:
        out = self.intersection()
        self._skip()
        while self._peek() == ",":
            self.pos += 1
            more = self.intersection()
            if isinstance(out, str):
                continue
            out = more if isinstance(more, str) else out + more
            self._skip()
        return out

    def intersection(self) -> list[Rect] | str:
        self._skip()
        out = self.range()
        while True:
            start = self.pos
            self._skip()
            if self.pos == start or self._peek() in ("", ",", ")"):
                return out
            other = self.range()
            if isinstance(out, str):
                continue
            if isinstance(other, str):
                out = other
                continue
            both = [(max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
                    for a in out for b in other]
            both = [r for r in both if r[0] <= r[2] and r[1] <= r[3]]
            out = both or "#NULL!"

    def range(self) -> list[Rect] | str:
        out = self.primary()
        while self._peek() == ":":
            self.pos += 1
            other = self.primary()
            if isinstance(out, str) or isinstance(other, str):
                out = out if isinstance(out, str) else other
                continue
            rects = out + other
            out = [(min(r[0] for r in rects), min(r[1] for r in rects),
                    max(r[2] for r in rects), max(r[3] for r in rects))]
        return out

    def primary(self) -> list[Rect] | str:
        self._skip()
        if self._peek() == "(":
            self.pos += 1
            out = self.union()
            self._skip()
            if self._peek() != ")":
                raise _NotReference
            self.pos += 1
            return out
        m = _CELL.match(self.text, self.pos)
        if not m:
            raise _NotReference
        self.pos = m.end()
        nxt = self._peek()
        if nxt and (nxt.isalnum() or nxt in "_.!("):
            raise _NotReference   # a name, a function or a sheet prefix: not a plain A1 cell
        r, c = int(m.group(2)), col_number(m.group(1))
        return [(r, c, r, c)]


def areas(text: str) -> list[Rect] | str | None:
    """The areas a reference expression names, ``"#NULL!"`` for an empty intersection, None
    when ``text`` is not an expression of A1 references (on one sheet, no names).

    >>> areas("C4:F4"), areas("(D4:G4,I4:J4,K4:N4)")
    ([(4, 3, 4, 6)], [(4, 4, 4, 7), (4, 9, 4, 10), (4, 11, 4, 14)])
    >>> len(areas("((F4:G4,G4:I4,F6:G6,G6:I6) G3:G11)")), areas("(E4:H4 J4:K4 L4:O4)")
    (4, '#NULL!')
    >>> areas("((G15:H16) H14:H23)"), areas("Rate"), areas("Sheet2!A1"), areas("A1+1")
    ([(15, 8, 16, 8)], None, None, None)
    """
    p = _Parser(text.strip())
    try:
        out = p.union()
    except _NotReference:
        return None
    p._skip()
    return out if p.pos == len(p.text) and out else None


def _call_end(text: str, open_at: int) -> int | None:
    """The index just past the parenthesis closing the one at ``open_at`` (quotes skipped)."""
    depth, i = 0, open_at
    while i < len(text):
        ch = text[i]
        if ch == '"':
            j = text.find('"', i + 1)
            while j != -1 and text[j + 1:j + 2] == '"':
                j = text.find('"', j + 2)
            if j == -1:
                return None
            i = j
        elif ch == "'":
            j = text.find("'", i + 1)
            if j == -1:
                return None
            i = j
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _range_text(r: Rect) -> str:
    a = f"{col_letters(r[1])}{r[0]}"
    b = f"{col_letters(r[3])}{r[2]}"
    return a if a == b else f"{a}:{b}"


def _reference_answer(name: str, arg: str) -> str | None:
    """The replacement of ``name(arg)`` (AREAS, ROWS, COLUMNS, TRANSPOSE), None to leave it."""
    got = areas(arg)
    if got is None:
        return None
    if isinstance(got, str):
        return got
    if name == "AREAS":
        return str(len(got))
    if name in ("ROWS", "COLUMNS"):
        if len(got) > 1:
            return "#REF!"
        (r1, c1, r2, c2), = got
        return str(r2 - r1 + 1 if name == "ROWS" else c2 - c1 + 1)
    if len(got) > 1:   # TRANSPOSE of a union
        return "#VALUE!"
    return f"TRANSPOSE({_range_text(got[0])})"


_REF_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])(AREAS|ROWS|COLUMNS|TRANSPOSE)\(', re.IGNORECASE)


def rewrite_references(text: str) -> str:
    """``text`` with AREAS of any A1 reference expression, ROWS/COLUMNS of a union or an
    intersection, and TRANSPOSE of an intersection replaced by their answer (engine copy).

    >>> rewrite_references("AREAS((D4:G4,I4:J4,K4:N4))+AREAS(J4)")
    '3+1'
    >>> rewrite_references("COLUMNS(((G15:H16) H14:H23))"), rewrite_references("ROWS((A1,B2))")
    ('1', '#REF!')
    >>> rewrite_references("TRANSPOSE(E134:E143 D134:F143)"), rewrite_references("ROWS(A1:B3)")
    ('TRANSPOSE(E134:E143)', 'ROWS(A1:B3)')
    >>> rewrite_references('AREAS(X)&"AREAS(A1)"')
    'AREAS(X)&"AREAS(A1)"'
    """
    if "AREAS(" not in text and "((" not in text and "TRANSPOSE(" not in text:
        return text   # (the common case, tested first: this runs on every formula of the sheet)
    out, pos = [], 0
    for m in _REF_CALL.finditer(text):
        if m.group(1) is None or m.start() < pos:
            continue
        name = m.group(1).upper()
        end = _call_end(text, m.end() - 1)
        if end is None:
            continue
        arg = text[m.end():end - 1]
        if name != "AREAS" and not re.search(r"[ ,]", arg.strip()):
            continue   # one plain range: the engine's own answer
        new = _reference_answer(name, arg)
        if new is None:
            continue
        out.append(text[pos:m.start()] + new)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# Triggers are single literals (a regex with a literal start is searched as fast as ``in``;
# an alternation scans byte by byte: over a 9 MB sheet part 16 ms against 1.2 s).
REWRITES: tuple[Rewrite, ...] = (
    Rewrite("AREAS", re.compile(rb"AREAS\("), rewrite_references),
    Rewrite("ROWS/COLUMNS of a union", re.compile(rb"S\(\("), rewrite_references),
    Rewrite("TRANSPOSE of an intersection", re.compile(rb"TRANSPOSE\("), rewrite_references),
)


# ------------------------------------------------------------------ dynamic array functions ----
# Excel 365's array-shaping functions (Microsoft's help pages of CHOOSECOLS, CHOOSEROWS, DROP,
# TAKE, TOCOL, TOROW, WRAPROWS, WRAPCOLS, TRIMRANGE).  Rules the corpus shows (formulas'
# test.xlsx, sheet LOOKUP) where formualizer 0.13 differs or lacks the function:
# - a count or index is read as a number (``"1.1"``, TRUE, day-first date text) and truncated;
# - a scalar parameter given an array is lifted: the function is computed for each element and
#   each result gives its first value (``DROP(a,1,{1;2;1})`` is ``{5;6;5}``);
# - an empty result is Excel's #CALC!, which the file format cannot hold (ECMA-376 §18.18.24
#   lists #NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #N/A): Excel writes it as #VALUE!,
#   and so do these functions, so the value written agrees with the file Excel saves;
# - an empty cell in a result shows as 0.

def _rows(a: Any) -> list[list[Any]]:
    """An argument as a grid (a scalar is one cell)."""
    if isinstance(a, list):
        return [list(r) if isinstance(r, list) else [r] for r in a] or [[None]]
    return [[a]]


def _result(grid: list[list[Any]]) -> Any:
    """A grid as a registered function returns it: blanks as 0, one cell as a scalar."""
    out = [[0.0 if v is None else v for v in row] for row in grid]
    if not out or not out[0]:
        raise excel_coerce.ExcelError("Value")   # Excel's #CALC! (see above)
    return out[0][0] if len(out) == 1 and len(out[0]) == 1 else out


def _whole(v: Any, date1904: bool = False) -> int:
    """A count or index argument: a number, truncated (``"1.1"`` → 1, TRUE → 1, -3.9 → -3)."""
    return math.trunc(excel_coerce.number(v, date1904))


def _first(v: Any) -> Any:
    while isinstance(v, list):
        v = v[0][0] if v and isinstance(v[0], list) and v[0] else (v[0] if v else None)
    return v


def _lifted(fn: Callable[..., Any], positions: tuple[int, ...]) -> Callable[..., Any]:
    """``fn`` over its scalar parameters at ``positions`` given as arrays, element by element
    (each element's result gives its first value; a smaller array's missing elements #N/A);
    an :class:`~xlmodel.engine.excel_coerce.ExcelError` raised is the returned error."""

    def one(*args: Any) -> Any:
        try:
            return fn(*args)
        except excel_coerce.ExcelError as e:
            return excel_coerce.error(e.kind)

    def call(*args: Any) -> Any:
        grids = [k for k in positions if k < len(args) and isinstance(args[k], list)]
        if not grids:
            return one(*(_first(a) if k in positions else a for k, a in enumerate(args)))
        shapes = [_rows(args[k]) for k in grids]
        n_rows = max(len(g) for g in shapes)
        n_cols = max(len(g[0]) for g in shapes)

        def pick(k: int, i: int, j: int) -> Any:
            if k not in grids:
                return _first(args[k]) if k in positions else args[k]
            g = _rows(args[k])
            ii, jj = (i if len(g) > 1 else 0), (j if len(g[0]) > 1 else 0)
            return g[ii][jj] if ii < len(g) and jj < len(g[ii]) else excel_coerce.error("Na")

        out = [[_first(one(*(pick(k, i, j) for k in range(len(args)))))
                for j in range(n_cols)] for i in range(n_rows)]
        return _result(out)

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


def _errors_first(*args: Any) -> None:
    for a in args:
        excel_coerce.passed_on(a)


def _indexes(args: tuple[Any, ...], size: int) -> list[int]:
    """CHOOSECOLS/CHOOSEROWS's numbers (each a number or a one-row or one-column array; a
    negative one counts from the end; 0 or beyond ``size``: #VALUE!) as 0-based indexes."""
    out = []
    for a in args:
        g = _rows(a)
        if len(g) > 1 and len(g[0]) > 1:
            raise excel_coerce.ExcelError("Value")
        for v in (v for row in g for v in row):
            n = _whole(v)
            if n == 0 or abs(n) > size:
                raise excel_coerce.ExcelError("Value")
            out.append(n - 1 if n > 0 else size + n)
    return out


def choosecols(array: Any, *columns: Any) -> Any:
    """CHOOSECOLS: the columns numbered (negative from the end) in the order given.

    >>> choosecols([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[-3.9, 1.1]], "2")
    [[1.0, 1.0, 2.0], [4.0, 4.0, 5.0]]
    """
    g = _rows(array)
    try:
        picks = _indexes(columns, len(g[0]))
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)
    return _result([[row[j] for j in picks] for row in g])


def chooserows(array: Any, *rows: Any) -> Any:
    """CHOOSEROWS: the rows numbered (negative from the end) in the order given.

    >>> chooserows([[1.0, 2.0], [3.0, 4.0]], -1, True)
    [[3.0, 4.0], [1.0, 2.0]]
    """
    g = _rows(array)
    try:
        picks = _indexes(rows, len(g))
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)
    return _result([list(g[i]) for i in picks])


def _drop(array: Any, rows: Any = None, columns: Any = None) -> Any:
    """DROP: without the first (negative: last) ``rows`` rows and ``columns`` columns; nothing
    left is #CALC! (written #VALUE!).

    >>> drop([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "1.1", [[1.0], [2.0]])
    [[5.0], [6.0]]
    >>> drop([[1.0, 2.0], [3.0, 4.0]], None), drop([[1.0], [2.0]], 4.0)
    ([[1.0, 2.0], [3.0, 4.0]], {'type': 'Error', 'kind': 'Value'})
    """
    _errors_first(rows, columns)
    g = _rows(array)
    r, c = _whole(rows), _whole(columns)
    g = g[r:] if r >= 0 else g[:max(len(g) + r, 0)]
    g = [row[c:] if c >= 0 else row[:max(len(row) + c, 0)] for row in g]
    return _result(g)


def _take(array: Any, rows: Any = None, columns: Any = None) -> Any:
    """TAKE: the first (negative: last) ``rows`` rows and ``columns`` columns (more than there
    are: all); 0 is #CALC! (written #VALUE!).  An omitted count takes all (see :func:`fill_omitted`).

    >>> take([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], -4.0), take([[1.0, 2.0], [3.0, 4.0]], True, 1)
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], 1.0)
    >>> take([[1.0]], None)
    {'type': 'Error', 'kind': 'Value'}
    """
    _errors_first(rows, columns)
    g = _rows(array)
    r = _whole(rows)
    c = len(g[0]) if columns is None else _whole(columns)
    if r == 0 or c == 0:
        raise excel_coerce.ExcelError("Value")
    g = g[:r] if r > 0 else g[r:]
    g = [row[:c] if c > 0 else row[c:] for row in g]
    return _result(g)


def _ignore(ignore: Any) -> int:
    n = 0 if ignore is None else _whole(ignore)
    if not 0 <= n <= 3:
        raise excel_coerce.ExcelError("Value")
    return n


def _flattened(array: Any, ignore: Any, by_column: Any) -> list[Any]:
    """TOCOL/TOROW's values: by row (or by column), leaving out blanks (``ignore`` 1 or 3) and
    errors (2 or 3)."""
    _errors_first(ignore, by_column)
    how = _ignore(ignore)
    g = _rows(array)
    cols = excel_coerce.logical(by_column) if by_column is not None else False
    seq = ([g[i][j] for j in range(len(g[0])) for i in range(len(g))] if cols
           else [v for row in g for v in row])
    return [v for v in seq if not ((how & 1 and v is None) or (how & 2 and excel_coerce.is_error(v)))]


def _tocol(array: Any, ignore: Any = None, scan_by_column: Any = None) -> Any:
    """TOCOL: the array's values in one column.

    >>> tocol([[1.0, 2.0], [{"type": "Error", "kind": "Value"}, None]], 2.9, 1)
    [[1.0], [2.0], [0.0]]
    """
    return _result([[v] for v in _flattened(array, ignore, scan_by_column)])


def _torow(array: Any, ignore: Any = None, scan_by_column: Any = None) -> Any:
    """TOROW: the array's values in one row.

    >>> torow([[1.0, 2.0], [3.0, None]], "01/01/1900")
    [[1.0, 2.0, 3.0]]
    """
    return _result([_flattened(array, ignore, scan_by_column)])


def _wrapped(vector: Any, wrap_count: Any, pad_with: Any) -> tuple[list[Any], int, Any]:
    _errors_first(wrap_count)
    g = _rows(vector)
    if len(g) > 1 and len(g[0]) > 1:
        raise excel_coerce.ExcelError("Value")
    n = _whole(wrap_count)
    if n < 1:
        raise excel_coerce.ExcelError("Num")
    pad = excel_coerce.error("Na") if pad_with is None else pad_with
    return [v for row in g for v in row], n, pad


def _wraprows(vector: Any, wrap_count: Any, pad_with: Any = None) -> Any:
    """WRAPROWS: the vector in rows of ``wrap_count`` values, the last padded (default #N/A).

    >>> wraprows([[1.0, 2.0, 3.0]], 2, 6.0), wraprows([[1.0]], -1.1)
    ([[1.0, 2.0], [3.0, 6.0]], {'type': 'Error', 'kind': 'Num'})
    """
    values, n, pad = _wrapped(vector, wrap_count, pad_with)
    rows = [values[i:i + n] for i in range(0, len(values), n)]
    rows[-1] += [pad] * (n - len(rows[-1]))
    return _result(rows)


def _wrapcols(vector: Any, wrap_count: Any, pad_with: Any = None) -> Any:
    """WRAPCOLS: the vector in columns of ``wrap_count`` values, the last padded (default #N/A).

    >>> wrapcols([[1.0, 2.0, 3.0]], 2, 6.0)
    [[1.0, 3.0], [2.0, 6.0]]
    """
    values, n, pad = _wrapped(vector, wrap_count, pad_with)
    cols = [values[i:i + n] for i in range(0, len(values), n)]
    cols[-1] += [pad] * (n - len(cols[-1]))
    return _result([[col[i] for col in cols] for i in range(n)])


def _trim_mode(v: Any) -> int:
    """TRIMRANGE's rows_trim/cols_trim: 0 none, 1 leading, 2 trailing, 3 both (default);
    anything else, a fraction or an array included, is #VALUE!."""
    if v is None:
        return 3
    if isinstance(v, list):
        raise excel_coerce.ExcelError("Value")
    x = excel_coerce.number(v)
    if x != math.trunc(x) or not 0 <= x <= 3:
        raise excel_coerce.ExcelError("Value")
    return int(x)


def trimrange(range_: Any, rows_trim: Any = None, cols_trim: Any = None) -> Any:
    """TRIMRANGE: the range without its empty leading and/or trailing rows and columns
    (Microsoft's help page); nothing left is #REF!.

    >>> trimrange([[None, 0.0], [None, 1.0], [None, None]], 3, 3)
    [[0.0], [1.0]]
    >>> trimrange([[None]], 3, 3), trimrange([[1.0]], "3.3")
    ({'type': 'Error', 'kind': 'Ref'}, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        rmode, cmode = _trim_mode(rows_trim), _trim_mode(cols_trim)
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)
    g = _rows(range_)
    used_rows = [i for i, row in enumerate(g) if any(v is not None for v in row)]
    used_cols = [j for j in range(len(g[0])) if any(row[j] is not None for row in g)]
    if not used_rows:
        return excel_coerce.error("Ref")
    r1 = used_rows[0] if rmode & 1 else 0
    r2 = used_rows[-1] if rmode & 2 else len(g) - 1
    c1 = used_cols[0] if cmode & 1 else 0
    c2 = used_cols[-1] if cmode & 2 else len(g[0]) - 1
    return _result([row[c1:c2 + 1] for row in g[r1:r2 + 1]])


def vstack(*arrays: Any) -> Any:
    """VSTACK: the arrays one below the other, as wide as the widest (the rest #N/A).

    >>> vstack([[1.0], [2.0]], [[3.0, None]])
    [[1.0, {'type': 'Error', 'kind': 'Na'}], [2.0, {'type': 'Error', 'kind': 'Na'}], [3.0, 0.0]]
    """
    grids = [_rows(a) for a in arrays]
    width = max(len(g[0]) for g in grids)
    na = excel_coerce.error("Na")
    return _result([row + [na] * (width - len(row)) for g in grids for row in g])


def hstack(*arrays: Any) -> Any:
    """HSTACK: the arrays side by side, as tall as the tallest (the rest #N/A).

    >>> hstack([[1.0], [2.0]], 3.0)
    [[1.0, 3.0], [2.0, {'type': 'Error', 'kind': 'Na'}]]
    """
    grids = [_rows(a) for a in arrays]
    height = max(len(g) for g in grids)
    na = excel_coerce.error("Na")
    return _result([[v for g in grids for v in (g[i] if i < len(g) else [na] * len(g[0]))]
                    for i in range(height)])


drop = _lifted(_drop, (1, 2))
take = _lifted(_take, (1, 2))
tocol = _lifted(_tocol, (1, 2))
torow = _lifted(_torow, (1, 2))
wraprows = _lifted(_wraprows, (1,))
wrapcols = _lifted(_wrapcols, (1,))

#: name → (function, least and most arguments); each is registered under both spellings.
ARRAY_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "CHOOSECOLS": (choosecols, 2, None), "CHOOSEROWS": (chooserows, 2, None),
    "DROP": (drop, 2, 3), "TAKE": (take, 2, 3), "TOCOL": (tocol, 1, 3), "TOROW": (torow, 1, 3),
    "WRAPROWS": (wraprows, 2, 3), "WRAPCOLS": (wrapcols, 2, 3), "TRIMRANGE": (trimrange, 1, 3),
    "VSTACK": (vstack, 1, None), "HSTACK": (hstack, 1, None),
}


def _arguments(text: str, open_at: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) of each top-level argument of the call whose parenthesis is at ``open_at``."""
    spans, depth, start, i = [], 0, open_at + 1, open_at + 1
    while i < end - 1:
        ch = text[i]
        if ch in "\"'":
            j = text.find(ch, i + 1)
            while ch == '"' and j != -1 and text[j + 1:j + 2] == '"':
                j = text.find('"', j + 2)
            i = j if j != -1 else end
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, end - 1))
    return spans


#: Omitted arguments written out on the engine's copy (function → position → Excel's default):
#: formualizer passes an omitted argument as 0, where these functions mean their default.
OMITTED = {"TAKE": {1: "1048576", 2: "16384"},   # all rows, all columns (Microsoft's limits)
           "SORT": {1: "1", 2: "1", 3: "FALSE"}, "WRAPROWS": {2: "#N/A"}, "WRAPCOLS": {2: "#N/A"},
           "TRIMRANGE": {1: "3", 2: "3"}}
_OMITTED_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])((?:_xlfn\.)?(?:_xlws\.)?(TAKE|SORT|WRAPROWS|'
                           r'WRAPCOLS|TRIMRANGE|ADDRESS))\(', re.IGNORECASE)



def _calls(pattern: re.Pattern[str], text: str) -> Iterator[tuple[re.Match[str], int, list[tuple[int, int]]]]:
    """Each call ``pattern`` finds outside strings (its group 1 is None for a quoted piece),
    with the end of its closing parenthesis and its arguments' spans (:func:`_arguments`)."""
    for m in pattern.finditer(text):
        if m.group(1) is None:
            continue
        end = _call_end(text, m.end() - 1)
        if end is not None:
            yield m, end, _arguments(text, m.end() - 1, end)

def fill_omitted(text: str) -> str:
    """``text`` with the omitted arguments of :data:`OMITTED` written as their defaults.

    >>> fill_omitted("_xlfn.TAKE(A1:C9,,2)+TAKE(A1:C9, 2 ,)"), fill_omitted('TAKE(A1:B2,1)&",,"')
    ('_xlfn.TAKE(A1:C9,1048576,2)+TAKE(A1:C9, 2 ,16384)', 'TAKE(A1:B2,1)&",,"')
    >>> fill_omitted("_xlfn._xlws.SORT(A1:B9,,-1)"), fill_omitted("SORT(A1:B9,2)")
    ('_xlfn._xlws.SORT(A1:B9,1,-1)', 'SORT(A1:B9,2)')
    """
    if ",," not in text.replace(" ", "") and ",)" not in text.replace(" ", ""):
        return text   # nothing omitted (the common case, tested first)
    edits = []
    for m, _end, spans in _calls(_OMITTED_CALL, text):
        for k, fill in OMITTED[m.group(2).upper()].items():
            if k < len(spans) and not text[spans[k][0]:spans[k][1]].strip():
                edits.append((spans[k], fill))
    for (a, b), fill in sorted(edits, reverse=True):
        text = text[:a] + fill + text[b:]
    return text


#: Excel writes every function of :data:`OMITTED` (and GROUPBY, PIVOTBY) with its ``_xlfn.``
#: prefix, which is the trigger (one literal search per sheet part).
REWRITES = (*REWRITES, Rewrite("omitted arguments", re.compile(rb"_xlfn\."), fill_omitted))


# ------------------------------------------------------------- FILTER, SORT, SORTBY, UNIQUE ----
# Microsoft's help pages, and the corpus (formulas' test.xlsx, sheets LOOKUP and EXTRA): an
# include or sort-by array is one row (as wide as the array: it picks columns) or one column
# (as tall: it picks rows), a single value counts as either; an empty cell includes nothing,
# text is #VALUE!, the first error is the answer.  SORT's order: numbers, text (without case),
# logical values, errors (#NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #N/A), empty cells
# last whatever the order; equal keys keep their order.  These read whole ranges, so they are
# registered only within excel_functions.LOOKUP_CELL_BUDGET (see :func:`register`).

_ERROR_ORDER = {"Null": 1, "Div": 2, "Value": 3, "Ref": 4, "Name": 5, "Num": 6, "Na": 7}
_ABSENT: Any = object()   # an argument not given at all (an empty cell is None)


def _truth(v: Any) -> bool:
    """An include value: a number is TRUE unless 0, a logical value itself, empty FALSE."""
    if v is None:
        return False
    if isinstance(v, str):
        raise excel_coerce.ExcelError("Value")
    return excel_coerce.logical(v)


def _kept_rows(filter_array: Any, n: int, wrong_size: str) -> list[bool]:
    """GROUPBY/PIVOTBY's ``filter_array``: which of the ``n`` rows take part (a header row of
    text is kept).  A filter of another size is ``wrong_size`` (GROUPBY: #VALUE!, Excel's
    answer; PIVOTBY: not done, #N/IMPL!); an error or text below the first row is not done."""
    if filter_array is _ABSENT or filter_array is True:
        return [True] * n
    flags = _rows(filter_array)
    if len(flags) != n or len(flags[0]) != 1:
        raise excel_coerce.ExcelError(wrong_size)
    if any(excel_coerce.is_error(r[0]) or isinstance(r[0], str) for r in flags[1:]):
        raise excel_coerce.ExcelError("NImpl")
    return [isinstance(r[0], str) or _truth(r[0]) for r in flags]

def _vector(g: list[list[Any]], rows: int, cols: int) -> tuple[bool, list[Any]]:
    """(picks rows?, values) of an include/by array for an array of ``rows`` × ``cols``."""
    if len(g) == 1 and len(g[0]) == 1:
        if rows == 1:
            return True, [g[0][0]]
        if cols == 1:
            return False, [g[0][0]]
    elif len(g[0]) == 1 and len(g) == rows:
        return True, [row[0] for row in g]
    elif len(g) == 1 and len(g[0]) == cols:
        return False, list(g[0])
    raise excel_coerce.ExcelError("Value")


def filter_(array: Any, include: Any, if_empty: Any = _ABSENT) -> Any:
    """FILTER: the rows (or columns) of ``array`` whose ``include`` value is TRUE; none:
    ``if_empty`` if given, else #CALC! (written #VALUE!).

    >>> filter_([[1.0, 2.0, 3.0, 4.0]], [[None, 1.0, None, 5.0]])
    [[2.0, 4.0]]
    >>> filter_([["a", 2.1], ["b", 4.1]], True), filter_([[1.0, 2.0]], [[None, "b"]])
    ({'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        g = _rows(array)
        by_rows, flags = _vector(_rows(include), len(g), len(g[0]))
        for v in flags:
            excel_coerce.passed_on(v)
        keep = [_truth(v) for v in flags]
        if by_rows:
            out = [row for row, k in zip(g, keep, strict=True) if k]
        else:
            out = [[v for v, k in zip(row, keep, strict=True) if k] for row in g]
        if not out or not out[0]:
            if if_empty is not _ABSENT:
                return _result(_rows(if_empty))
            raise excel_coerce.ExcelError("Value")
        return _result(out)
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


def _sort_key(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool):
        return 2, float(v)
    if isinstance(v, int | float):
        return 0, float(v)
    if isinstance(v, str):
        return 1, v.casefold()
    if excel_coerce.is_error(v):
        return 3, _ERROR_ORDER.get(str(v.get("kind")), 8)
    return 4, 0


def _order(keys: list[list[Any]], orders: list[int], n: int) -> list[int]:
    """The positions 0…n-1 sorted stably by each key (first key first), empty values last."""
    idx = list(range(n))
    for key, order in reversed(list(zip(keys, orders, strict=True))):
        filled = [i for i in idx if key[i] is not None]
        blank = [i for i in idx if key[i] is None]
        filled.sort(key=lambda i, key=key: _sort_key(key[i]), reverse=order < 0)
        idx = filled + blank
    return idx


def _sign(v: Any) -> int:
    n = _whole(v)
    if n not in (1, -1):
        raise excel_coerce.ExcelError("Value")
    return n


def _flat_list(v: Any) -> list[Any]:
    g = _rows(v)
    if len(g) > 1 and len(g[0]) > 1:
        raise excel_coerce.ExcelError("Value")
    return [x for row in g for x in row]


def _arrange(g: list[list[Any]], by_rows: bool, keys: list[list[Any]], orders: list[int]) -> Any:
    n = len(g) if by_rows else len(g[0])
    idx = _order(keys, orders, n)
    return _result([g[i] for i in idx] if by_rows else [[row[i] for i in idx] for row in g])


def sort(array: Any, sort_index: Any = _ABSENT, sort_order: Any = _ABSENT, by_col: Any = None) -> Any:
    """SORT: the rows (``by_col``: columns) of ``array`` ordered by the row's values at
    ``sort_index`` (1 up; an array of indexes with as many orders), ascending (1) or descending
    (-1).  An empty cell as index or order is 0: #VALUE! (an omitted one: see fill_omitted).

    >>> sort([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]], 1, -1, True)
    [[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]
    >>> sort([[2.0], [1.0]]), sort([[2.0]], None)
    ([[1.0], [2.0]], {'type': 'Error', 'kind': 'Value'})
    >>> sort([[2.0, 1.0, 2.0, 1.0]], 1, [[1.0], [-1.0]]), sort([[2.0]], -1)
    ({'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        _errors_first(by_col)
        g = _rows(array)
        cols = excel_coerce.logical(by_col) if by_col is not None else False
        width = len(g) if cols else len(g[0])
        indexes = [_whole(v) for v in _flat_list(1.0 if sort_index is _ABSENT else sort_index)]
        orders = [_sign(v) for v in _flat_list(1.0 if sort_order is _ABSENT else sort_order)]
        if len(orders) == 1 and len(indexes) > 1:
            orders *= len(indexes)
        if len(orders) != len(indexes) or any(not 1 <= k <= width for k in indexes):
            raise excel_coerce.ExcelError("Value")
        keys = [[row[k - 1] for row in g] if not cols else list(g[k - 1]) for k in indexes]
        return _arrange(g, not cols, keys, orders)
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


def sortby(array: Any, *by: Any) -> Any:
    """SORTBY: the rows (or columns) of ``array`` ordered by the by-arrays, each one column as
    tall (or one row as wide) as the array, each followed by its order (1 or -1, default 1).

    >>> sortby([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[3.0, 2.0, 2.0]], 1, [[5.0, 1.0, 4.0]], -1)
    [[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]]
    """
    try:
        g = _rows(array)
        keys, orders, directions = [], [], set()
        for k in range(0, len(by), 2):
            by_rows, values = _vector(_rows(by[k]), len(g), len(g[0]))
            directions.add(by_rows)
            keys.append(values)
            orders.append(_sign(by[k + 1]) if k + 1 < len(by) else 1)
        if len(directions) != 1:
            raise excel_coerce.ExcelError("Value")
        return _arrange(g, directions.pop(), keys, orders)
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


def _same_key(v: Any) -> Any:
    return (4, 0) if v is None else _sort_key(v)


def unique(array: Any, by_col: Any = None, exactly_once: Any = None) -> Any:
    """UNIQUE: the distinct rows (``by_col``: columns) in order of first appearance (text
    without case); ``exactly_once``: only those that appear once; none: #CALC! (written #VALUE!).
    (An array as ``by_col``/``exactly_once``: its first value, formualizer's answer; Excel
    lifts the call in a way the corpus does not make clear.)

    >>> unique([[1.0, 2.0, 2.0, 1.0]], 1), unique([[1.0, 1.0, 2.0, 2.0]], 1, 1)
    ([[1.0, 2.0]], {'type': 'Error', 'kind': 'Value'})
    """
    try:
        by_col, exactly_once = _first(by_col), _first(exactly_once)
        _errors_first(by_col, exactly_once)
        g = _rows(array)
        cols = excel_coerce.logical(by_col) if by_col is not None else False
        once = excel_coerce.logical(exactly_once) if exactly_once is not None else False
        items = [list(col) for col in zip(*g, strict=True)] if cols else g
        keys = [tuple(_same_key(v) for v in item) for item in items]
        counts: dict[tuple[Any, ...], int] = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        seen: set[tuple[Any, ...]] = set()
        out = []
        for item, k in zip(items, keys, strict=True):
            if k in seen or (once and counts[k] > 1):
                continue
            seen.add(k)
            out.append(item)
        if not out:
            raise excel_coerce.ExcelError("Value")
        return _result([list(r) for r in zip(*out, strict=True)] if cols else out)
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


#: Functions reading whole ranges, registered within the cell budget (name → spec).
BUDGETED: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "FILTER": (filter_, 2, 3), "SORT": (sort, 1, 4), "SORTBY": (sortby, 2, None),
    "UNIQUE": (unique, 1, 3),
}
def _budget_ok(name: str, texts: list[str]) -> bool:
    """Do the formulas calling ``name`` read at most excel_functions.LOOKUP_CELL_BUDGET cells?
    (``texts``: one formula cell each; :func:`register` asks excel_registry.cells_read of the
    workbook's cells, a shared formula's followers included.)"""
    from xlmodel.engine import excel_functions

    budget = excel_functions.LOOKUP_CELL_BUDGET
    cost = excel_registry.cells_read(excel_registry.formulas_of(texts), [name], budget=budget)
    return cost.get(name, 0) <= budget


# ---------------------------------------------------------------------------------- GROUPBY ----
# GROUPBY (Microsoft's help page "GROUPBY function"), which formualizer 0.13 lacks.  Excel
# writes its function argument as an eta lambda (``_xleta.SUM``); the engine's copy passes the
# name as text instead (:func:`eta_names`), and the omitted arguments as their defaults.  Done:
# SUM, AVERAGE, COUNT, COUNTA, MAX, MIN, PRODUCT, PERCENTOF; headers 0, 1, 3 or detected (the
# first row of text over numbers: a header, not shown); totals 0, 1 (a "Total" row) or more
# (subtotals above that level, then "Grand Total"); ascending order by the row fields; a filter
# column; either field relationship where no subtotals are shown.  Any other form — generated
# headers, totals at the top, another order, errors in the data, empty row fields — is
# answered #N/IMPL!, so the refresh keeps Excel's value with the reason (xlmodel.engine.keep).

def _numbers(values: list[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


#: Functions an eta lambda cannot call with the one argument GROUPBY/PIVOTBY gives it: each
#: aggregate is #VALUE! (the corpus: ``PIVOTBY(…,_xleta.IF)``, formulas' test.xlsx EXTRA!H100).
_TWO_ARGUMENTS = frozenset({"IF", "IFERROR", "IFNA"})
_AGGREGATES = frozenset({"SUM", "AVERAGE", "COUNT", "COUNTA", "MAX", "MIN", "PRODUCT", "PERCENTOF"})


def _aggregate(name: str, values: list[Any], everything: list[Any]) -> Any:
    if name in _TWO_ARGUMENTS:
        return excel_coerce.error("Value")
    nums = _numbers(values)
    if name == "SUM":
        return float(sum(nums))
    if name == "AVERAGE":
        return sum(nums) / len(nums) if nums else excel_coerce.error("Div")
    if name == "COUNT":
        return float(len(nums))
    if name == "COUNTA":
        return float(sum(v is not None for v in values))
    if name in ("MAX", "MIN"):
        return (max(nums) if name == "MAX" else min(nums)) if nums else 0.0
    if name == "PRODUCT":
        return math.prod(nums) if nums else 0.0
    if name == "PERCENTOF":
        total = sum(_numbers(everything))
        return sum(nums) / total if total else excel_coerce.error("Div")
    raise excel_coerce.ExcelError("NImpl")


def _option(v: Any, default: int) -> int:
    if v is _ABSENT:
        return default
    if isinstance(v, list):
        raise excel_coerce.ExcelError("NImpl")
    return _whole(v)


def _has_header(rows: list[list[Any]]) -> bool:
    """Excel's guess: the first row is text over a second row holding a number."""
    return (len(rows) > 1 and all(isinstance(v, str) for v in rows[0])
            and any(isinstance(v, int | float) and not isinstance(v, bool) for v in rows[1]))


def groupby(row_fields: Any, values: Any, function: Any, field_headers: Any = _ABSENT,
            total_depth: Any = _ABSENT, sort_order: Any = _ABSENT, filter_array: Any = _ABSENT,
            field_relationship: Any = _ABSENT) -> Any:
    """GROUPBY: one row per distinct combination of the row fields (ascending), the values of
    its rows aggregated by ``function`` (a name, see :func:`eta_names`), with totals.

    >>> groupby([["t"], ["b"], ["a"], ["b"]], [["v"], [1.0], [2.0], [3.0]], "SUM")
    [['a', 2.0], ['b', 4.0], ['Total', 6.0]]
    >>> groupby([["a"], ["b"]], [[1.0]], "SUM")
    {'type': 'Error', 'kind': 'Value'}
    """
    try:
        for a in (field_headers, total_depth, sort_order, field_relationship):
            if a is not _ABSENT:
                excel_coerce.passed_on(a)
        keys, vals = _rows(row_fields), _rows(values)
        if len(keys) != len(vals):
            raise excel_coerce.ExcelError("Value")
        name = function.upper() if isinstance(function, str) else ""
        headers = _option(field_headers, -1)
        depth = _option(total_depth, 1)
        order = _option(sort_order, 1)
        relation = _option(field_relationship, 0)
        n_fields, n_values = len(keys[0]), len(vals[0])
        if not 1 <= abs(order) <= n_fields + n_values or headers not in (-1, 0, 1, 2, 3):
            raise excel_coerce.ExcelError("Value")
        keep = _kept_rows(filter_array, len(keys), "Value")
        header = headers in (1, 3) or (headers == -1 and _has_header(vals))
        if headers == 2 or order != 1 or depth < 0 or (relation and depth > 1) or relation not in (0, 1):
            raise excel_coerce.ExcelError("NImpl")
        out: list[list[Any]] = [keys[0] + vals[0]] if headers == 3 else []
        start = 1 if header else 0
        data = [(tuple(keys[i]), vals[i]) for i in range(start, len(keys)) if keep[i]]
        if any(v is None or excel_coerce.is_error(v) for k, _ in data for v in k) or any(
                excel_coerce.is_error(v) for _, row in data for v in row):
            raise excel_coerce.ExcelError("NImpl")
        columns = [[row[j] for _, row in data] for j in range(n_values)]

        def agg(rows: list[list[Any]]) -> list[Any]:
            return [_aggregate(name, [r[j] for r in rows], columns[j]) for j in range(n_values)]

        groups: dict[tuple[Any, ...], list[list[Any]]] = {}
        for k, row in data:
            groups.setdefault(tuple(_same_key(v) for v in k), []).append(row)
        shown = {tuple(_same_key(v) for v in k): k for k, _ in reversed(data)}
        ordered = sorted(groups)
        levels = min(depth - 1, n_fields - 1) if depth > 1 else 0
        for i, key in enumerate(ordered):
            out.append(list(shown[key]) + agg(groups[key]))
            nxt = ordered[i + 1] if i + 1 < len(ordered) else None
            for d in range(levels, 0, -1):   # subtotals closing after this group, deepest first
                if nxt is None or nxt[:d] != key[:d]:
                    rows = [r for k2 in ordered if k2[:d] == key[:d] for r in groups[k2]]
                    out.append(list(shown[key][:d]) + [""] * (n_fields - d) + agg(rows))
        if depth >= 1:
            label = "Grand Total" if levels else "Total"
            out.append([label] + [""] * (n_fields - 1) + agg([row for _, row in data]))
        if not out:
            raise excel_coerce.ExcelError("Value")
        return [[v for v in row] for row in out]
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


BUDGETED["GROUPBY"] = (groupby, 3, 8)

_ETA_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])((?:_xlfn\.)?(GROUPBY|PIVOTBY))\(', re.IGNORECASE)
_ETA_ARG = re.compile(r"\s*_xleta\.([A-Za-z][\w.]*)\s*", re.IGNORECASE)
#: GROUPBY's/PIVOTBY's omitted arguments (position → default written on the engine's copy).
_GROUP_OMITTED = {"GROUPBY": {3: "-1", 4: "1", 5: "1", 6: "TRUE", 7: "0"}}


def eta_names(text: str) -> str:
    """GROUPBY/PIVOTBY calls with an eta lambda argument (``_xleta.SUM``) given as the name's
    text (``"SUM"``), and GROUPBY's omitted arguments as their defaults (-1: headers guessed).

    >>> eta_names("_xlfn.GROUPBY(A1:A9,B1:B9,_xleta.SUM,,2)")
    '_xlfn.GROUPBY(A1:A9,B1:B9,"SUM",-1,2)'
    """
    if "GROUPBY(" not in text and "PIVOTBY(" not in text:
        return text
    edits = []
    for m, _end, spans in _calls(_ETA_CALL, text):
        fills = _GROUP_OMITTED.get(m.group(2).upper(), {})
        for k, (a, b) in enumerate(spans):
            arg = text[a:b]
            eta = _ETA_ARG.fullmatch(arg)
            if eta:
                edits.append(((a, b), f'"{eta.group(1).upper()}"'))
            elif k in fills and not arg.strip():
                edits.append(((a, b), fills[k]))
    for (a, b), fill in sorted(edits, reverse=True):
        text = text[:a] + fill + text[b:]
    return text


def _xlfn_rewrites(text: str) -> str:
    """The rewrites of functions Excel writes with ``_xlfn.``: omitted arguments, eta lambdas."""
    return eta_names(fill_omitted(text))


# (one trigger for both: every sheet part costs one literal search per trigger)
REWRITES = (*REWRITES[:-1], Rewrite("omitted arguments, eta lambdas", re.compile(rb"_xlfn\."),
                                    _xlfn_rewrites))


# ---------------------------------------------------------------------------------- PIVOTBY ----
# PIVOTBY (Microsoft's help page "PIVOTBY function"), for one row field, one or more column
# fields (one header row each) and one value column: the aggregates of GROUPBY
# (:func:`_aggregate`), headers 0, 1 or guessed, row and column totals 0, 1 (after) or -1
# (before; nested column fields: no subtotals), order by a field (negative: descending) or by
# the totals' values (the number after the last field; for nested columns within their
# parents), an array of orders for nested columns, a filter column, PERCENTOF relative to
# column (0, 4), row (1, 3) or grand totals (2); a combination without data is empty.
# Anything else is #N/IMPL! (kept).  An error in the filter is passed on; more total levels
# than fields (+1) is #VALUE! (the corpus: formulas' test.xlsx, EXTRA!AX3).

def _pivot_order(keys: list[Any], order: int, totals: dict[Any, Any]) -> list[Any]:
    if abs(order) == 1:
        return sorted(keys, reverse=order < 0)
    if abs(order) == 2:
        by_key = sorted(keys)
        return sorted(by_key, key=lambda k: _sort_key(totals[k]), reverse=order < 0)
    raise excel_coerce.ExcelError("NImpl")


def _col_key(c: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_same_key(v) for v in c)


def _column_order(keys: list[tuple[Any, ...]], rules: list[int], levels: int,
                  totals: dict[Any, Any]) -> list[tuple[Any, ...]]:
    """The column keys (one key per column field) in PIVOTBY's order: each level ascending by
    its field unless a rule says otherwise (n: field n, -n descending; the number after the
    last field: the leaf level by its total), the first level first (stable sorts from the
    last level up)."""
    by_level = {abs(n) - 1: n for n in rules}
    out = list(keys)
    for level in range(levels - 1, -1, -1):
        rule = by_level.get(level, 1)
        out.sort(key=lambda k, level=level: k[level], reverse=rule < 0)
        if level == levels - 1 and levels in by_level:   # by value, within the parent levels
            out.sort(key=lambda k: _sort_key(totals[k]), reverse=by_level[levels] < 0)
    return out


def pivotby(row_fields: Any, col_fields: Any, values: Any, function: Any, field_headers: Any = _ABSENT,
            row_total_depth: Any = _ABSENT, row_sort_order: Any = _ABSENT,
            col_total_depth: Any = _ABSENT, col_sort_order: Any = _ABSENT,
            filter_array: Any = _ABSENT, relative_to: Any = _ABSENT) -> Any:
    """PIVOTBY: the values aggregated by ``function`` (a name, see :func:`eta_names`) for each
    row-field value (rows) and column-field value (columns), with totals.

    >>> pivotby([[2.0], [2.0], [3.0]], [[1.0], [2.0], [2.0]], [[1.0], [2.0], [3.0]], "SUM")
    [['', 1.0, 2.0, 'Total'], [2.0, 1.0, 2.0, 3.0], [3.0, '', 3.0, 3.0], ['Total', 1.0, 5.0, 6.0]]
    """
    if excel_coerce.is_error(function):
        return function
    try:
        for a in (field_headers, row_total_depth, row_sort_order, col_total_depth,
                  col_sort_order, relative_to):
            if a is not _ABSENT:
                excel_coerce.passed_on(a)
        rk, ck, vals = _rows(row_fields), _rows(col_fields), _rows(values)
        if not len(rk) == len(ck) == len(vals):
            raise excel_coerce.ExcelError("Value")
        if filter_array is not _ABSENT:
            for row in _rows(filter_array):
                for v in row:
                    excel_coerce.passed_on(v)   # an error in the filter is the answer
        row_total, col_total = _option(row_total_depth, 1), _option(col_total_depth, 1)
        if abs(row_total) > len(rk[0]) + 1 or abs(col_total) > len(ck[0]) + 1:
            raise excel_coerce.ExcelError("Value")   # more total levels than fields
        levels = len(ck[0])
        if len(rk[0]) != 1 or len(vals[0]) != 1 or (levels > 1 and abs(col_total) > 1):
            raise excel_coerce.ExcelError("NImpl")
        name = function.upper() if isinstance(function, str) else ""
        headers = _option(field_headers, -1)
        row_order = _option(row_sort_order, 1)
        col_rules = [_whole(v) for v in _flat_list(1.0 if col_sort_order is _ABSENT else col_sort_order)]
        if any(not 1 <= abs(n) <= levels + 1 for n in col_rules):
            raise excel_coerce.ExcelError("NImpl")
        relative = _option(relative_to, 0)
        if (headers not in (-1, 0, 1) or row_total not in (-1, 0, 1) or col_total not in (-1, 0, 1)
                or relative not in range(5)):
            raise excel_coerce.ExcelError("NImpl")
        keep = _kept_rows(filter_array, len(rk), "NImpl")
        header = headers == 1 or (headers == -1 and _has_header(vals))
        start = 1 if header else 0
        data = [(rk[i][0], tuple(ck[i]), vals[i][0]) for i in range(start, len(rk)) if keep[i]]
        if any(r is None or excel_coerce.is_error(r) or excel_coerce.is_error(v)
               or any(c is None or excel_coerce.is_error(c) for c in cs) for r, cs, v in data) or not data:
            raise excel_coerce.ExcelError("NImpl")
        if levels > 1 and name == "PERCENTOF" and relative in (3, 4):
            raise excel_coerce.ExcelError("NImpl")   # parent totals of nested column fields
        if name not in _AGGREGATES | _TWO_ARGUMENTS:
            raise excel_coerce.ExcelError("NImpl")
        every = [v for _, _, v in data]

        def cell(rows: Any, cols: Any, across: str) -> Any:
            """The aggregate of the rows with a row key in ``rows`` and a column key in ``cols``
            (None: any); PERCENTOF relative to the totals ``across`` names."""
            picked = [v for r, c, v in data if (rows is None or _same_key(r) == rows)
                      and (cols is None or _col_key(c) == cols)]
            if not picked:
                return ""
            if name != "PERCENTOF":
                return _aggregate(name, picked, every)
            if across == "column":
                base = [v for r, c, v in data if cols is None or _col_key(c) == cols]
            elif across == "row":
                base = [v for r, c, v in data if rows is None or _same_key(r) == rows]
            else:
                base = every
            return _aggregate("PERCENTOF", picked, base)

        across = {0: "column", 4: "column", 1: "row", 3: "row", 2: "grand"}[relative]
        shown_r = {_same_key(r): r for r, _, _ in reversed(data)}
        shown_c = {_col_key(c): c for _, c, _ in reversed(data)}
        row_sums = {k: cell(k, None, "grand") for k in shown_r}
        col_sums = {k: cell(None, k, "grand") for k in shown_c}
        rows = _pivot_order(list(shown_r), row_order, row_sums)
        cols = _column_order(list(shown_c), col_rules, levels, col_sums)
        col_sel: list[Any] = list(cols)
        heads = [[shown_c[k][level] for k in cols] for level in range(levels)]
        if col_total:
            col_sel = [*col_sel, None] if col_total > 0 else [None, *col_sel]
            for level, head in enumerate(heads):
                label = "Total" if level == 0 else ""
                heads[level] = [*head, label] if col_total > 0 else [label, *head]
        row_sel: list[Any] = list(rows)
        if row_total:
            row_sel = [*row_sel, None] if row_total > 0 else [None, *row_sel]
        out: list[list[Any]] = [["", *head] for head in heads]
        for r in row_sel:
            label = "Total" if r is None else shown_r[r]
            out.append([label, *(cell(r, c, across) for c in col_sel)])
        return out
    except excel_coerce.ExcelError as e:
        return excel_coerce.error(e.kind)


BUDGETED["PIVOTBY"] = (pivotby, 4, 11)


# ------------------------------------------------------------------------- ADDRESS, CHOOSE ----
# ADDRESS (Microsoft's help page): row and column numbers truncated (below 1 or beyond the
# sheet: #VALUE!), abs_num 1–4 (1 $A$1, 2 A$1, 3 $A1, 4 A1), a1 FALSE for R1C1 (relative
# parts as R[n]C[n]), sheet_text given (an empty cell too: ``"!C1"``) as a prefix, quoted when
# it is not a plain name (``'*b?u*'!R[3]C[4]``).  formualizer 0.13 ignores an empty sheet text
# and never quotes.  Lifted over arrays.  Registered where a formula calls it (a rare function).

_PLAIN_SHEET = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w.\u00C0-\uFFFF]*")


def _address(row_num: Any, column_num: Any, abs_num: Any = 1.0, a1: Any = True,
             sheet_text: Any = _ABSENT) -> Any:
    """ADDRESS: a cell's address as text.

    >>> address(1.1, 3, 4, 4.1, None), address(3, 4, 4.1, None, "*b?u*"), address(2, 28, 1)
    ('!C1', "'*b?u*'!R[3]C[4]", '$AB$2')
    >>> address(0, 1), address(1, 1, 5)
    ({'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})
    """
    _errors_first(row_num, column_num, abs_num, a1, None if sheet_text is _ABSENT else sheet_text)
    r, c, kind = _whole(row_num), _whole(column_num), _whole(abs_num)
    if not (1 <= r <= 1_048_576 and 1 <= c <= 16_384 and 1 <= kind <= 4):
        raise excel_coerce.ExcelError("Value")
    row_abs, col_abs = kind in (1, 2), kind in (1, 3)
    if excel_coerce.logical(a1):
        ref = f"{'$' if col_abs else ''}{col_letters(c)}{'$' if row_abs else ''}{r}"
    else:
        ref = f"R{r if row_abs else f'[{r}]'}C{c if col_abs else f'[{c}]'}"
    if sheet_text is _ABSENT:
        return ref
    sheet = excel_coerce.text(sheet_text)
    if sheet and not _PLAIN_SHEET.fullmatch(sheet):
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{sheet}!{ref}"


address = _lifted(_address, (0, 1, 2, 3, 4))
ARRAY_FUNCTIONS["ADDRESS"] = (address, 2, 5)
OMITTED["ADDRESS"] = {2: "1", 3: "TRUE"}

_CHOOSE_CELL = re.compile(r"(?<![\w.])(CHOOSE\(\s*)((?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?[A-Z]{1,3}\$?\d+)"
                          r"(\s*,)")


def choose_index(text: str) -> str:
    """CHOOSE's index read from a cell is a number as Excel reads one (TRUE is 1, the text "2" is
    2); formualizer takes only numbers, so the engine's copy writes the cell as ``--cell``.

    >>> choose_index("CHOOSE(B$43,$B3,$C3)"), choose_index("CHOOSE(2,A1,B1)")
    ('CHOOSE(--B$43,$B3,$C3)', 'CHOOSE(2,A1,B1)')
    """
    if "CHOOSE(" not in text:
        return text
    return _CHOOSE_CELL.sub(r"\1--\2\3", text)


REWRITES = (*REWRITES, Rewrite("ADDRESS's omitted arguments", re.compile(rb"ADDRESS\("), fill_omitted),
            Rewrite("CHOOSE's index", re.compile(rb"CHOOSE\("), choose_index))


# ------------------------------------------------------------------------------------ INDEX ----
# INDEX's value form as Excel answers it where formualizer 0.13 does not: a negative row or
# column number is #VALUE! (formualizer: #REF!), an error as area number is passed on, an
# array of row or column numbers is lifted (``INDEX({2,3;4,5},{1,2})`` is ``{2,4}``), a
# one-row array takes its only number as the column.  INDEX is a hot built-in that can also
# return a reference (``INDEX(A:A,2):INDEX(A:A,9)``, ``ROW(INDEX(…))``), which a Python callback
# cannot, so the override is registered only where every INDEX call of the workbook is a whole
# formula by itself (its value is all that is used) and the calls read at most
# excel_functions.LOOKUP_CELL_BUDGET cells together (a callback reads every range cell).

def _index_number(v: Any) -> int:
    n = _whole(v)
    if n < 0:
        raise excel_coerce.ExcelError("Value")
    return n


def _index(array: Any, row_num: Any = None, column_num: Any = None, area_num: Any = None) -> Any:
    """INDEX (value form): the element at ``row_num``/``column_num`` of ``array``; 0 (or an
    omitted number) is the whole column/row; beyond the array: #REF!; negative: #VALUE!.

    >>> index([[1.0, 2.0], [3.0, 4.0]], 2, 1), index([[2.0, 3.0, 4.0]], 2), index([[1.0]], -1.0)
    (3.0, 3.0, {'type': 'Error', 'kind': 'Value'})
    >>> index([[2.0, 3.0], [4.0, 5.0]], [[1.0, 2.0]]), index([[2.0], [3.0]], 1, 2)
    ([[2.0, 4.0]], {'type': 'Error', 'kind': 'Ref'})
    """
    _errors_first(array, row_num, column_num, area_num)
    if area_num is not None and _whole(area_num) != 1:
        raise excel_coerce.ExcelError("Ref")
    g = _rows(array)
    r = _index_number(row_num) if row_num is not None else 0
    if column_num is None and (len(g) == 1 or len(g[0]) == 1):
        # one index into a vector: the position along it
        if r > len(g) * len(g[0]):
            raise excel_coerce.ExcelError("Ref")
        if r == 0:
            return _result(g)
        return _cell_value(g[0][r - 1] if len(g) == 1 else g[r - 1][0])
    if column_num is None and r:
        # a 2-D array and a row number only: Excel gives the whole row for an array literal and
        # #REF! for a range (both written out on the engine's copy, :func:`index_row_form`),
        # and ``INDEX(a,{1})`` the row's first value (lifted); a callback sees a range, an
        # array, 1 and {1} alike, so what is left gets formualizer's answer: the row's first
        if r > len(g):
            raise excel_coerce.ExcelError("Ref")
        return _cell_value(g[r - 1][0])
    c = _index_number(column_num) if column_num is not None else 0
    if r > len(g) or c > len(g[0]):
        raise excel_coerce.ExcelError("Ref")
    if r and c:
        return _cell_value(g[r - 1][c - 1])
    if r:
        return _result([g[r - 1]])
    if c:
        return _result([[row[c - 1]] for row in g])
    return _result(g)


def _cell_value(v: Any) -> Any:
    """A single found value (a blank cell reads as 0, as a reference to it shows)."""
    return 0.0 if v is None else v


index = _lifted(_index, (1, 2))

_INDEX_WORD = re.compile(r"(?<![\w.])INDEX\(", re.IGNORECASE)
_DATA_ARG = re.compile(r"\{[^{}]*\}|\([^()\"]*,[^()\"]*\)|"   # an array literal, a union
                       r"(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?")


_INDEX_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])(INDEX)\(', re.IGNORECASE)
_ONE_VALUE = re.compile(r"-?\d+(?:\.\d*)?|(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?[A-Z]{1,3}\$?\d+")
_RANGE_2D = re.compile(r"(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")


def index_row_form(text: str) -> str:
    """``INDEX({2-D array}, row)`` is the whole row in Excel (Microsoft: "If array has more than
    one row and more than one column, and only row_num or column_num is used, INDEX returns an
    array of the entire row or column"); the engine's copy writes the column number 0 out, which
    says the same to formualizer and to :func:`index`.  A range, or an array of row numbers
    (``INDEX(a,{1})``, lifted), is left as written.

    >>> index_row_form("INDEX({1,2;3,4},$B41)"), index_row_form("INDEX({2,3;4,5},{1})")
    ('INDEX({1,2;3,4},$B41,0)', 'INDEX({2,3;4,5},{1})')
    >>> index_row_form("INDEX({1,2,3},2)"), index_row_form("INDEX(A1:A9,2)")
    ('INDEX({1,2,3},2)', 'INDEX(A1:A9,2)')

    A 2-D range with a row number only is #REF! (the reference form needs both numbers; the
    corpus: ``INDEX(C52:E53,2)`` is #REF!):

    >>> index_row_form("1+INDEX($C$52:E53, B1)")
    '1+IF(ISERROR(--(B1)),--(B1),IF(--(B1)<0,#VALUE!,#REF!))'
    """
    if "INDEX(" not in text:
        return text
    edits = []
    for m, end, spans in _calls(_INDEX_CALL, text):
        if len(spans) != 2:
            continue
        first, second = (text[a:b].strip() for a, b in spans)
        if not second or second.startswith("{"):
            continue
        if first.startswith("{") and first.endswith("}") and ";" in first and "," in first:
            edits.append(((spans[1][1], spans[1][1]), ",0"))
        elif ((box := _RANGE_2D.fullmatch(first)) and box.group(1) != box.group(3)
              and box.group(2) != box.group(4) and _ONE_VALUE.fullmatch(second)):
            # the reference form with a row alone: #REF!, after the row's own checks (an
            # error passed on, a negative number #VALUE!)
            x = f"--({second})"
            edits.append(((m.start(), end), f"IF(ISERROR({x}),{x},IF({x}<0,#VALUE!,#REF!))"))
    for (a, b), new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text


REWRITES = (*REWRITES, Rewrite("INDEX with a row number only", re.compile(rb"INDEX\("), index_row_form))


def _area(area_num: Any, *choices: Any) -> Any:
    """The ``area_num``-th of ``choices`` (INDEX's areas of a union, see :func:`index_union`);
    beyond them #REF!.  Lifted with the choices (arrays of INDEX's results).

    >>> _area([[3.0], [2.0]], [[1.0], [2.0]], [[3.0], [4.0]])
    [[{'type': 'Error', 'kind': 'Ref'}], [4.0]]
    """
    def one(k: Any, picks: list[Any]) -> Any:
        try:
            excel_coerce.passed_on(k)
            n = _whole(k)
        except excel_coerce.ExcelError as e:
            return excel_coerce.error(e.kind)
        return picks[n - 1] if 1 <= n <= len(picks) else excel_coerce.error("Ref")

    grids = [a for a in (area_num, *choices) if isinstance(a, list)]
    if not grids:
        return one(area_num, list(choices))
    rows, cols = max(len(g) for g in grids), max(len(g[0]) for g in grids)

    def at(a: Any, i: int, j: int) -> Any:
        if not isinstance(a, list):
            return a
        ii, jj = (i if len(a) > 1 else 0), (j if len(a[0]) > 1 else 0)
        return a[ii][jj] if ii < len(a) and jj < len(a[ii]) else excel_coerce.error("Na")

    return _result([[one(at(area_num, i, j), [at(c, i, j) for c in choices]) for j in range(cols)]
                    for i in range(rows)])


_UNION_ARG = re.compile(r"\(\s*((?:\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?\s*,\s*)+"
                        r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)\s*\)")


def index_union(text: str) -> str:
    """``INDEX((a1,a2,…),row,col,area)``: formualizer has no unions, so the engine's copy picks
    the area from the INDEX of each (``_XLMODEL.AREA(area,INDEX(a1,row,col),…)``).

    >>> index_union("INDEX((C52:C54,D52:D54),1,1,E52:E54)")
    '_XLMODEL.AREA(E52:E54,INDEX(C52:C54,1,1),INDEX(D52:D54,1,1))'
    >>> index_union("INDEX((A1:A2,B1:B2),1)"), index_union("INDEX(A1:B2,1,1,1)")
    ('_XLMODEL.AREA(1,INDEX(A1:A2,1),INDEX(B1:B2,1))', 'INDEX(A1:B2,1,1,1)')
    """
    if "INDEX((" not in text.replace(" ", ""):
        return text
    edits = []
    for m, end, spans in _calls(_INDEX_CALL, text):
        union = _UNION_ARG.fullmatch(text[spans[0][0]:spans[0][1]].strip())
        if union is None or len(spans) > 4:
            continue
        rest = [text[a:b].strip() for a, b in spans[1:3]]
        k = text[spans[3][0]:spans[3][1]].strip() if len(spans) == 4 else "1"
        tail = "".join("," + r for r in rest)
        picks = ",".join(f"INDEX({a.strip()}{tail})" for a in union.group(1).split(","))
        edits.append(((m.start(), end), f"_XLMODEL.AREA({k or '1'},{picks})"))
    for (a, b), new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text


def _index_rewrites(text: str) -> str:
    return index_union(index_row_form(text))


REWRITES = (*REWRITES[:-1], Rewrite("INDEX's forms", re.compile(rb"INDEX\("), _index_rewrites))


def index_override_ok(formulas: Mapping[str, Iterable[Any]] | Iterable[str]) -> bool:
    """May INDEX be overridden for a workbook with these formulas (cells by sheet, or formula
    texts, one cell each)?  Every formula that calls INDEX is one whole INDEX call holding no
    other INDEX, and together the calls read at most excel_functions.LOOKUP_CELL_BUDGET cells
    (excel_registry.cells_read: a shared formula's followers count as many cells as its master).

    >>> index_override_ok(["INDEX(A1:C3,2,1)", "SUM(B1:B9)"]), index_override_ok(["INDEX(A:A,2)"])
    (True, False)
    >>> index_override_ok(["SUM(INDEX(A1:C3,0,2))"]), index_override_ok(["INDEX(A1:A3,1):A9"])
    (False, False)
    >>> index_override_ok(["INDEX({1,2;3,4},2)"]), index_override_ok(["INDEX(ROW(A1:A3),3)"])
    (True, False)
    """
    from xlmodel.engine import excel_functions

    if not isinstance(formulas, Mapping):
        formulas = excel_registry.formulas_of(formulas)
    budget = excel_functions.LOOKUP_CELL_BUDGET
    if excel_registry.cells_read(formulas, ["INDEX"], budget=budget).get("INDEX", 0) > budget:
        return False
    forms: set[str] = set()   # the form is one whole INDEX call whatever the digits' values
    for t in excel_registry.texts_calling(formulas, "INDEX"):   # each distinct text once
        t = t.removeprefix("=").strip()
        form = _DIGIT_RUN.sub("0", t)
        if form in forms:
            continue
        forms.add(form)
        calls = _INDEX_WORD.findall(t)
        if not calls:
            continue
        if len(calls) > 1 or not _INDEX_WORD.match(t) or _call_end(t, len("INDEX")) != len(t):
            return False
        first = t[len("INDEX("):_arguments(t, len("INDEX"), len(t))[0][1]]
        if not _DATA_ARG.fullmatch(first.strip()):
            return False   # an expression: formualizer gives a callback its first value only
    return True


_DIGIT_RUN = re.compile(r"\d+")


_INDEX_OF_ROWS = re.compile(r"INDEX\(\s*(?:ROW|COLUMN)\(")


def index_of_row_column(text: str) -> str | None:
    """``INDEX(ROW(A1:A3),2)``: INDEX takes its array whole, so ROW/COLUMN of a fixed range
    there is the array of its row/column numbers (excel_refs) even in a plain formula, where
    formualizer gives the first number only; None when nothing is rewritten.

    >>> index_of_row_column("INDEX(ROW(A1:A3), 2)"), index_of_row_column("INDEX(A1:A3,2)")
    ('INDEX({1;2;3}, 2)', None)
    """
    from xlmodel.engine import excel_refs

    out = text
    for m in reversed(list(_INDEX_CALL.finditer(text))):
        if m.group(1) is None:
            continue
        end = _call_end(text, m.end() - 1)
        if end is None:
            continue
        a, b = _arguments(text, m.end() - 1, end)[0]
        new = excel_refs.rewrite(text[a:b].strip())
        if new is not None and new.startswith("{"):
            out = out[:a] + new + out[b:]
    return out if out != text else None


def _index_of_row_column(wb: Any, formulas: Mapping[str, Iterable[Any]]) -> None:
    """Set :func:`index_of_row_column`'s text on the plain formulas it rewrites (each cell with
    its own text: a shared formula's followers would shift the references, so those stay)."""
    for sheet, cells in formulas.items():
        for fc in cells:
            text = getattr(fc, "text", "")
            if not text or "INDEX(" not in text or getattr(fc, "f_type", None) is not None \
                    or not _INDEX_OF_ROWS.search(text):
                continue
            new = index_of_row_column(text)
            if new is not None:
                with contextlib.suppress(Exception):   # a text the engine refuses: left as it is
                    wb.set_formula(sheet, fc.row, fc.col, "=" + new)


def _may_call(cells: Iterable[Any]) -> bool:
    """Does any formula of a sheet hold ``_xlfn.``, ``INDEX(`` or ``ADDRESS(``?  (One join and
    three substring tests in C: a sheet of 100,000 formulas in about 25 ms.)"""
    try:
        blob = "\n".join(map(attrgetter("text"), cells))
    except (TypeError, AttributeError):   # a text of None: ask the cells one by one
        return True
    return "_xlfn." in blob or "INDEX(" in blob or "ADDRESS(" in blob


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register the array functions the workbook calls (:data:`ARRAY_FUNCTIONS`), and INDEX
    where :func:`index_override_ok`."""
    # Excel writes every function here but INDEX and ADDRESS with its _xlfn. prefix (newer than
    # Excel 2007), so only formulas holding one of the three are looked at.
    texts = [t for cells in formulas.values() if _may_call(cells) for fc in cells
             if (t := getattr(fc, "text", None)) and ("_xlfn." in t or "INDEX(" in t or "ADDRESS(" in t)]
    if not texts:
        return
    whole = "\n".join(texts).upper()
    chosen = {name: spec for name, spec in ARRAY_FUNCTIONS.items() if f"{name}(" in whole}
    if "INDEX(" in whole and index_override_ok(formulas):
        chosen["INDEX"] = (index, 1, 4)
    if "INDEX((" in whole.replace(" ", ""):
        wb.register_function("_XLMODEL.AREA", _area, min_args=2, max_args=None)
    if any(f"{name}(" in whole for name in BUDGETED):
        from xlmodel.engine.excel_functions import LOOKUP_CELL_BUDGET as budget

        cost = excel_registry.cells_read(formulas, BUDGETED, budget=budget)   # followers too
        chosen.update({name: spec for name, spec in BUDGETED.items()
                       if f"{name}(" in whole and cost.get(name, 0) <= budget})
    if "INDEX(" in whole and any(_INDEX_OF_ROWS.search(t) for t in texts):
        _index_of_row_column(wb, formulas)
    for name, (fn, lo, hi) in chosen.items():
        # FILTER and SORT are written _xlfn._xlws.FILTER (Excel's worksheet-function namespace)
        for spelling in (*excel_lifting.spellings(name), f"_xlfn._xlws.{name}"):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
