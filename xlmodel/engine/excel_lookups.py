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

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_coerce, excel_lifting
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


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("reference expressions", re.compile(rb"AREAS\(|(?:ROWS|COLUMNS|TRANSPOSE)\(\(|"
                                                rb"(?:ROWS|COLUMNS|TRANSPOSE)\([^()]*[A-Z]\d+ +\$?[A-Z]"),
            rewrite_references),
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
    are: all); 0 is #CALC! (written #VALUE!).  An omitted count takes all (see :func:`_fill_take`).

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


_TAKE_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])((?:_xlfn\.)?TAKE)\(', re.IGNORECASE)


def fill_take(text: str) -> str:
    """TAKE with an omitted count takes all rows (columns); formualizer passes an omitted
    argument as 0, which TAKE answers with #CALC!, so the engine's copy writes the count out as
    the sheet's size (Microsoft's limits: 1,048,576 rows, 16,384 columns).

    >>> fill_take("_xlfn.TAKE(A1:C9,,2)+TAKE(A1:C9, 2 ,)"), fill_take('TAKE(A1:B2,1)&",,"')
    ('_xlfn.TAKE(A1:C9,1048576,2)+TAKE(A1:C9, 2 ,16384)', 'TAKE(A1:B2,1)&",,"')
    """
    edits = []
    for m in _TAKE_CALL.finditer(text):
        if m.group(1) is None:
            continue
        end = _call_end(text, m.end() - 1)
        if end is None:
            continue
        spans = _arguments(text, m.end() - 1, end)
        for k, fill in ((1, "1048576"), (2, "16384")):
            if k < len(spans) and not text[spans[k][0]:spans[k][1]].strip():
                edits.append((spans[k], fill))
    for (a, b), fill in sorted(edits, reverse=True):
        text = text[:a] + fill + text[b:]
    return text


REWRITES = (*REWRITES, Rewrite("TAKE's omitted counts", re.compile(rb"TAKE\([^)]*,\s*[,)]"), fill_take))


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
        # a 2-D array and a row number only: Excel gives the whole row for an array and #REF!
        # for a reference, and ``INDEX(a,{1})`` the row's first value; a callback sees a
        # range, an array, 1 and {1} alike, so formualizer's answer is kept: the row's first
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


def index_override_ok(texts: list[str]) -> bool:
    """May INDEX be overridden for a workbook with these formula texts?  Every formula that
    calls INDEX is one whole INDEX call holding no other INDEX, and together the calls read at
    most excel_functions.LOOKUP_CELL_BUDGET cells.

    >>> index_override_ok(["INDEX(A1:C3,2,1)", "SUM(B1:B9)"]), index_override_ok(["INDEX(A:A,2)"])
    (True, False)
    >>> index_override_ok(["SUM(INDEX(A1:C3,0,2))"]), index_override_ok(["INDEX(A1:A3,1):A9"])
    (False, False)
    >>> index_override_ok(["INDEX({1,2;3,4},2)"]), index_override_ok(["INDEX(ROW(A1:A3),3)"])
    (True, False)
    """
    from xlmodel.engine import excel_functions

    cost = 0
    for t in texts:
        t = t.removeprefix("=").strip()
        calls = _INDEX_WORD.findall(t)
        if not calls:
            continue
        if len(calls) > 1 or not _INDEX_WORD.match(t) or _call_end(t, len("INDEX")) != len(t):
            return False
        first = t[len("INDEX("):_arguments(t, len("INDEX"), len(t))[0][1]]
        if not _DATA_ARG.fullmatch(first.strip()):
            return False   # an expression: formualizer gives a callback its first value only
        cost += excel_functions._cells_read(t.upper())
        if cost > excel_functions.LOOKUP_CELL_BUDGET:
            return False
    return True


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register the array functions the workbook calls (:data:`ARRAY_FUNCTIONS`), and INDEX
    where :func:`index_override_ok`."""
    texts = [t for cells in formulas.values() for fc in cells if (t := getattr(fc, "text", None))]
    whole = "\n".join(texts).upper()
    chosen = {name: spec for name, spec in ARRAY_FUNCTIONS.items() if f"{name}(" in whole}
    if "INDEX(" in whole and index_override_ok(texts):
        chosen["INDEX"] = (index, 1, 4)
    for name, (fn, lo, hi) in chosen.items():
        for spelling in excel_lifting.spellings(name):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
