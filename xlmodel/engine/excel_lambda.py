"""Excel's LAMBDA helpers (MAKEARRAY, BYROW, BYCOL, MAP, SCAN, REDUCE, an applied LAMBDA) for the engine.

formualizer 0.13 evaluates ``LET`` but answers ``LAMBDA`` with ``#N/IMPL!`` (and the helpers
with ``#NAME?``), so a registered callback would receive an error where the lambda should be.
A lambda is only a formula with parameters, so :func:`rewrite` turns each helper call into a
call of a registered helper that receives the lambda's parameters and body **as text**::

    MAKEARRAY(3,3,LAMBDA(r,c,r*c))  ->  _XLMODEL_MAKEARRAY("r,c","r*c",0,3,3)

and the helper evaluates the body for each element as ``LET(r,<i>,c,<j>,<body>)`` on a private
scratch workbook (formualizer's own evaluation; the values bound are written to scratch cells,
so a blank, an error or an array reaches the body as it would in Excel).  A cell reference in
the body (``LAMBDA(x,x+D3)``) is replaced by a parameter and the reference itself is passed to
the helper as an extra argument (the ``0`` above counts them), so the body sees the referenced
cell's current value and the engine's dependency graph sees the reference.  An eta-lambda
(``BYROW(A1:C3,_xleta.SUM)``: Excel's shorthand for ``LAMBDA(x,SUM(x))``) becomes the lambda it
stands for.  Only the engine's copy of the workbook changes; the file keeps the user's formula.

Left as they are (so the refresh keeps Excel's value with the reason, xlmodel.engine.keep): a
lambda inside another lambda or in a helper's other arguments, a lambda in a defined name
(``MYLAMBDA(1,2)``), a body naming anything other than its parameters, functions and A1
references, GROUPBY/PIVOTBY (formualizer has neither).  Where a result's rule is not certain
(arrays of different sizes in MAP, an array as one element of a result) the helper answers
``#N/IMPL!``, which the refresh never writes over Excel's value.

Excel's rules (Microsoft's pages of each function, "LAMBDA function", "Create custom, reusable
functions with Excel LAMBDA"):

* MAKEARRAY(rows, cols, LAMBDA(r, c, …)): an array of rows × cols, element (r, c) the lambda of
  its 1-based row and column; rows and cols are whole numbers (TRUE = 1) of at least 1, else
  ``#VALUE!`` (2.3, 0, text: ``#VALUE!``; an error: that error; a range lifts — Excel's cached
  values in the corpus, Microsoft's page says only "a #VALUE! error" for invalid sizes);
* BYROW(array, LAMBDA(row, …)) / BYCOL: the lambda of each row (column) as a one-row (column)
  array, one value per row (column); a lambda returning several values gives ``#CALC!``;
* MAP(array1, …, LAMBDA(a1, …)): element by element, one parameter per array;
* SCAN(initial, array, LAMBDA(acc, v, …)) and REDUCE: the accumulator starts at ``initial``
  (omitted: 0) and takes the lambda's value for each element in row-major order; SCAN returns
  every intermediate value in the array's shape, REDUCE the last;
* ``LAMBDA(p, …, body)(args)``: the body with the parameters bound to the arguments;
* a lambda with the wrong number of parameters gives ``#VALUE!``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from xlmodel.ooxml.addresses import col_letters

HELPERS = ("MAKEARRAY", "BYROW", "BYCOL", "MAP", "SCAN", "REDUCE")
PREFIX = "_XLMODEL_"
_NAME = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])(?:_xlfn\.)?'
                   r"(MAKEARRAY|BYROW|BYCOL|MAP|SCAN|REDUCE|LAMBDA)\s*\(", re.IGNORECASE)
_PARAM = re.compile(r"^_xlpm\.[A-Za-z_][\w.]*$")
_ETA = re.compile(r"^_xleta\.([A-Za-z][\w.]*)$")
# an A1 reference (optionally sheet-qualified, optionally a range) that is not part of a name
_REF = re.compile(r"(?<![\w.$'!])((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?"
                  r"(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w(!])")
_WORD = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])([A-Za-z_][\w.]*)(\s*\()?')
_NA = {"type": "Error", "kind": "NImpl"}
_VALUE = {"type": "Error", "kind": "Value"}
_CALC = {"type": "Error", "kind": "Calc"}


class Unsupported(Exception):
    """A lambda form this module leaves to the engine (the refresh then keeps Excel's value)."""


def present(text: str | None) -> bool:
    """Whether a formula text may hold a lambda (cheap test before :func:`rewrite`; Excel writes
    function names in capitals, ``_xlfn.LAMBDA``).

    >>> present("_xlfn.BYROW(A1:B2,_xleta.SUM)"), present("SUM(A1:A3)")
    (True, False)
    """
    return bool(text) and ("LAMBDA(" in text or "_xleta." in text)


def _split(text: str, open_at: int) -> tuple[list[str], int]:
    """The top-level arguments of the call whose ``(`` is at ``open_at``, and the index past ``)``.

    >>> _split('F(1,"a,b",{1,2},G(3,4))', 1)
    (['1', '"a,b"', '{1,2}', 'G(3,4)'], 23)
    """
    depth, i, start, args = 0, open_at, open_at + 1, []
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            while end != -1 and text[end + 1:end + 2] == ch:
                end = text.find(ch, end + 2)
            if end == -1:
                raise Unsupported("unclosed quote")
            i = end + 1
            continue
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth == 0:
                args.append(text[start:i])
                return ([] if args == [""] else args), i + 1
        elif ch == "," and depth == 1:
            args.append(text[start:i])
            start = i + 1
        i += 1
    raise Unsupported("unclosed (")


def _lambda(arg: str, arity: int) -> tuple[list[str], str, list[str]]:
    """Parameters, body (references replaced by parameters) and the references of a lambda.

    ``arg``: ``_xlfn.LAMBDA(_xlpm.x,…,body)`` or an eta-lambda ``_xleta.SUM`` (``arity``
    parameters: the number the helper passes).

    >>> _lambda("_xlfn.LAMBDA(_xlpm.x,SUM(_xlpm.x)+$D$3+Data!C3:C4)", 1)
    (['_xlpm.x'], 'SUM(_xlpm.x)+_xlpm.xlmodel_ref1+_xlpm.xlmodel_ref2', ['$D$3', 'Data!C3:C4'])
    >>> _lambda("_xleta.SUM", 2)
    (['_xlpm.xlmodel_p1', '_xlpm.xlmodel_p2'], 'SUM(_xlpm.xlmodel_p1,_xlpm.xlmodel_p2)', [])
    """
    arg = arg.strip()
    eta = _ETA.match(arg)
    if eta:
        params = [f"_xlpm.xlmodel_p{k}" for k in range(1, arity + 1)]
        return params, f"{eta.group(1)}({','.join(params)})", []
    m = re.match(r"^(?:_xlfn\.)?LAMBDA\s*\(", arg, re.IGNORECASE)
    if not m:
        raise Unsupported(f"not a lambda: {arg[:40]}")
    parts, end = _split(arg, m.end() - 1)
    if end != len(arg) or not parts:
        raise Unsupported("an applied lambda as an argument")
    *params, body = (p.strip() for p in parts)
    if not all(_PARAM.match(p) for p in params):
        raise Unsupported("a parameter without _xlpm.")
    return params, *_body(body, params)


def _body(body: str, params: Sequence[str]) -> tuple[str, list[str]]:
    """The body with each A1 reference replaced by a parameter, and those references."""
    if present(body) or "_xleta." in body:
        raise Unsupported("a lambda inside a lambda")
    refs: list[str] = []
    out, pos = [], 0
    for m in re.finditer(r'"(?:[^"]|"")*"', body + '""'):
        chunk = body[pos:m.start()]
        out.append(_REF.sub(lambda r: _ref_param(r.group(0), refs), chunk))
        out.append(body[m.start():min(m.end(), len(body))])
        pos = m.end()
    new = "".join(out)
    known = {p.lower() for p in params} | {f"_xlpm.xlmodel_ref{k}" for k in range(1, len(refs) + 1)}
    for w in _WORD.finditer(new):
        word, call = w.group(1), w.group(2)
        if word is None or call or word.lower() in known or word.upper() in ("TRUE", "FALSE"):
            continue
        raise Unsupported(f"the body names {word}")
    return new, refs


def _ref_param(ref: str, refs: list[str]) -> str:
    refs.append(ref)
    return f"_xlpm.xlmodel_ref{len(refs)}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def rewrite(formula: str) -> str | None:
    """``formula`` with every LAMBDA helper call replaced by its registered helper, or None.

    None: nothing to rewrite, or a form this module leaves to the engine (:class:`Unsupported`).

    >>> rewrite("_xlfn.MAKEARRAY(3,2,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*_xlpm.c))")
    '_XLMODEL_MAKEARRAY("_xlpm.r,_xlpm.c","_xlpm.r*_xlpm.c",0,3,2)'
    >>> rewrite("1+_xlfn.BYROW(C4:E5,_xleta.SUM)")
    '1+_XLMODEL_BYROW("_xlpm.xlmodel_p1","SUM(_xlpm.xlmodel_p1)",0,C4:E5)'
    >>> rewrite("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+D3)(2)")
    '_XLMODEL_LAMBDA("_xlpm.x","_xlpm.x+_xlpm.xlmodel_ref1",1,D3,2)'
    >>> rewrite("MYLAMBDA(1)") is None, rewrite("_xlfn.MAP(A1:A2,_xlfn.LAMBDA(_xlpm.a,Rate*_xlpm.a))") is None
    (True, True)
    """
    out, pos, changed = [], 0, False
    try:
        while True:
            m = _NAME.search(formula, pos)
            if m is None:
                break
            if m.group(1) is None:  # a string literal
                out.append(formula[pos:m.end()])
                pos = m.end()
                continue
            name = m.group(1).upper()
            args, end = _split(formula, m.end() - 1)
            if name == "LAMBDA":
                if formula[end:end + 1] != "(":
                    raise Unsupported("a lambda that is not applied")
                params, body, refs = _lambda(formula[m.start():end], 0)
                call_args, end = _split(formula, end)
                rest = call_args
            else:
                if not args:
                    raise Unsupported(f"{name} without arguments")
                *rest, fn = args
                if any(present(a) or "_xleta." in a for a in rest):
                    raise Unsupported("a lambda in a helper's other arguments")
                arity = {"MAKEARRAY": 2, "BYROW": 1, "BYCOL": 1, "SCAN": 2, "REDUCE": 2}.get(name, len(rest))
                params, body, refs = _lambda(fn, arity)
            out.append(formula[pos:m.start()])
            out.append(f"{PREFIX}{name}({_quote(','.join(params))},{_quote(body)},{len(refs)}"
                       + "".join("," + a for a in (*refs, *(r.strip() for r in rest))) + ")")
            pos, changed = end, True
    except Unsupported:
        return None
    out.append(formula[pos:])
    return "".join(out) if changed else None


# ------------------------------------------------------------------------ evaluation ----
class _Scratch:
    """A private formualizer workbook that evaluates a lambda body with its parameters bound."""

    def __init__(self, date1904: bool) -> None:
        from xlmodel.engine.excel_lifting import scratch_workbook

        self._wb = scratch_workbook(date1904)
        self._sheets: set[str] = set()
        self._grabbed: list[Any] = []
        self._wb.register_function(f"{PREFIX}GRAB", self._grab, min_args=1, max_args=1)
        self._formula = ""
        self._lock = threading.Lock()

    def _grab(self, value: Any) -> float:
        self._grabbed.append(value)
        return 0.0

    def evaluate(self, names: Sequence[str], body: str, values: Sequence[Any]) -> Any:
        """``LET(name1, value1, …, body)``: a scalar, or a list of rows for an array."""
        wb = self._wb
        with self._lock:
            binds = []
            for k, (name, v) in enumerate(zip(names, values, strict=True)):
                sheet = f"b{k}"
                if sheet not in self._sheets:
                    wb.add_sheet(sheet)
                    self._sheets.add(sheet)
                rows = v if isinstance(v, list) and v and v[0] else [[v]]
                for i, row in enumerate(rows, start=1):
                    for j, x in enumerate(row, start=1):
                        wb.set_value(sheet, i, j, x)
                one = (len(rows), len(rows[0])) == (1, 1)
                last = "" if one else f":{col_letters(len(rows[0]))}{len(rows)}"
                binds.append(f"{name},{sheet}!A1{last}")
            inner = f"LET({','.join(binds)},{body})" if binds else f"({body})"
            formula = f"={PREFIX}GRAB({inner})"
            if formula != self._formula:
                wb.set_formula("v", 1, 1, formula)
                self._formula = formula
            self._grabbed.clear()
            result = wb.evaluate_cell("v", 1, 1)
            if not self._grabbed:  # the body failed before the grab (a #NAME?…): that error
                return result
            return self._grabbed[-1]


def _is_error(v: Any) -> bool:
    return isinstance(v, dict) and v.get("type") == "Error"


def _grid(v: Any) -> list[list[Any]]:
    """An argument as rows (a single value is a 1 × 1 array)."""
    return v if isinstance(v, list) and v and isinstance(v[0], list) else [[v]]


class _Nested(Exception):
    """An element that is an array (Excel's nested-array case)."""


def _scalar(v: Any) -> Any:
    """One element of a result: a 1 × 1 array is its value, a blank 0; a larger array raises."""
    if isinstance(v, list):
        if len(v) == 1 and len(v[0]) == 1:
            v = v[0][0]
        else:
            raise _Nested
    return 0.0 if v is None else v


def _first(v: Any) -> Any:
    """The first value of an array (a single value is itself)."""
    return v[0][0] if isinstance(v, list) and v and v[0] else v


def _at(grid: list[list[Any]], i: int, j: int) -> Any:
    """Element (i, j), a single row or column repeating as Excel broadcasts, beyond it #N/A."""
    ii, jj = (i if len(grid) > 1 else 0), (j if len(grid[0]) > 1 else 0)
    if ii >= len(grid) or jj >= len(grid[ii]):
        return {"type": "Error", "kind": "Na"}
    return grid[ii][jj]


def _count(v: Any) -> Any:
    """MAKEARRAY's rows or cols: a whole number ≥ 1, else the error Excel gives."""
    if _is_error(v):
        return v
    if isinstance(v, bool):
        v = float(v)
    if not isinstance(v, int | float) or isinstance(v, list):
        return _VALUE
    return int(v) if v >= 1 and v == int(v) else _VALUE


Body = Callable[..., Any]


def makearray(ev: Body, n: int, args: Sequence[Any]) -> Any:
    """MAKEARRAY(rows, cols, lambda).

    >>> makearray(lambda r, c: r * 10 + c, 2, [2, 2.0])
    [[11, 12], [21, 22]]
    >>> makearray(lambda r, c: 0, 2, ["1", 2]), makearray(lambda r, c: 0, 2, [2.3, 1])
    ({'type': 'Error', 'kind': 'Value'}, {'type': 'Error', 'kind': 'Value'})

    A range as rows or cols is lifted: each element gives the first value of its array (not on
    Microsoft's page; Excel's cached values in the corpus, ``MAKEARRAY(C14:Q14,1,…)``).

    >>> makearray(lambda r, c: r + c, 2, [[[0, 2, 3]], 1])
    [[{'type': 'Error', 'kind': 'Value'}, 2, 2]]
    """
    if len(args) != 2 or n != 2:
        return _VALUE
    if any(isinstance(a, list) for a in args):  # lifted: each element's first value
        grids = [_grid(a) for a in args]
        shape = (max(len(g) for g in grids), max(len(g[0]) for g in grids))
        return [[_first(makearray(ev, n, [_at(g, i, j) for g in grids])) for j in range(shape[1])]
                for i in range(shape[0])]
    rows, cols = _count(args[0]), _count(args[1])
    for v in (rows, cols):
        if _is_error(v):
            return v
    try:
        return [[_scalar(ev(i, j)) for j in range(1, cols + 1)] for i in range(1, rows + 1)]
    except _Nested:
        return _CALC


def byrow(ev: Body, n: int, args: Sequence[Any], by_col: bool = False) -> Any:
    """BYROW(array, lambda) / BYCOL: one value per row / column.

    >>> byrow(lambda row: sum(row[0]), 1, [[[1, 2], [3, 4]]])
    [[3], [7]]
    >>> byrow(lambda col: sum(r[0] for r in col), 1, [[[1, 2], [3, 4]]], by_col=True)
    [[4, 6]]
    >>> byrow(lambda row: row, 1, [[[1, 2]]])
    {'type': 'Error', 'kind': 'Calc'}
    """
    if len(args) != 1 or n != 1:
        return _VALUE
    grid = _grid(args[0])
    try:
        if by_col:
            return [[_scalar(ev([[r[j]] for r in grid])) for j in range(len(grid[0]))]]
        return [[_scalar(ev([row]))] for row in grid]
    except _Nested:
        return _CALC


def map_(ev: Body, n: int, args: Sequence[Any]) -> Any:
    """MAP(array1, …, lambda): the lambda of each element (arrays of one size).

    >>> map_(lambda a, b: a * b, 2, [[[1, 2]], [[3, 4]]])
    [[3, 8]]
    """
    if not args or len(args) != n:
        return _VALUE
    grids = [_grid(a) for a in args]
    shape = (len(grids[0]), len(grids[0][0]))
    if any((len(g), len(g[0])) != shape for g in grids):
        return _NA  # Excel's rule for arrays of different sizes is not documented: keep Excel's
    try:
        return [[_scalar(ev(*(g[i][j] for g in grids))) for j in range(shape[1])] for i in range(shape[0])]
    except _Nested:
        return _NA


def scan(ev: Body, n: int, args: Sequence[Any], reduce: bool = False) -> Any:
    """SCAN(initial, array, lambda) / REDUCE: the accumulator over the elements, row by row.

    >>> scan(lambda a, b: a + b, 2, [0, [[1, 2], [3, 4]]])
    [[1, 3], [6, 10]]
    >>> scan(lambda a, b: a + b, 2, [None, [[1, 2], [3, 4]]], reduce=True)
    10.0
    """
    if len(args) != 2 or n != 2:
        return _VALUE
    acc = 0.0 if args[0] is None else args[0]
    grid = _grid(args[1])
    out = []
    try:
        for row in grid:
            line = []
            for x in row:
                acc = ev(acc, x)
                if not reduce:
                    line.append(_scalar(acc))
            out.append(line)
    except _Nested:
        return _NA
    if reduce:
        if isinstance(acc, list) and len(acc) == 1 and len(acc[0]) == 1:
            acc = acc[0][0]
        return 0.0 if acc is None else acc
    return out


def apply(ev: Body, n: int, args: Sequence[Any]) -> Any:
    """``LAMBDA(params, body)(args)``: the body with the parameters bound.

    >>> apply(lambda x, y: x + y, 2, [1, 2]), apply(lambda x: x, 1, [1, 2])
    (3, {'type': 'Error', 'kind': 'Value'})
    """
    if len(args) != n:
        return _VALUE
    v = ev(*args)
    return 0.0 if v is None else v


_IMPL: dict[str, Callable[[Body, int, Sequence[Any]], Any]] = {
    "MAKEARRAY": makearray, "BYROW": byrow, "BYCOL": lambda ev, n, a: byrow(ev, n, a, by_col=True),
    "MAP": map_, "SCAN": scan, "REDUCE": lambda ev, n, a: scan(ev, n, a, reduce=True),
    "LAMBDA": apply,
}


def helper(name: str, scratch: _Scratch) -> Callable[..., Any]:
    """The registered callback ``_XLMODEL_<name>(params, body, nrefs, refs…, args…)``."""
    impl = _IMPL[name]

    def call(params: Any, body: Any, nrefs: Any, *rest: Any) -> Any:
        k = int(nrefs)
        refs, args = list(rest[:k]), list(rest[k:])
        names = [p for p in str(params).split(",") if p]
        ref_names = [f"_xlpm.xlmodel_ref{i}" for i in range(1, k + 1)]

        def ev(*values: Any) -> Any:
            return scratch.evaluate([*names, *ref_names], str(body), [*values, *refs])

        return impl(ev, len(names), args)

    call.__name__ = PREFIX + name
    return call


def register(wb: Any, date1904: bool = False) -> None:
    """Register the helpers :func:`rewrite` calls (once per workbook that has a rewritten lambda)."""
    scratch = _Scratch(date1904)
    for name in _IMPL:
        wb.register_function(PREFIX + name, helper(name, scratch), min_args=3, max_args=None)
