"""Cell adapters: what Excel hands a function → a core call → what a cell can show.

One generic adapter serves every catalogue function; the catalogue says how each argument is
read (its *kind*) and what shape the result has. No domain rule lives here: the adapter only
turns cells into numbers (or refuses them, naming the argument and the position) and calls the
core in :mod:`xlmodel`.

Cell rules (the same in Excel via xlwings and in the headless engine):

* **Scalars broadcast over ranges**; ranges given to the same function must have the same shape
  (a 5×1 and a 1×5 range are a mismatch, an error naming the argument).
* **Blank cells**: a blank cell inside a range, or a required argument left blank, is an error
  naming the argument and the position — never read as 0. An *optional* argument that is left
  out, or is a blank cell, or is empty text, takes its default (the core's default, usually the
  active parameter set's value).
* **Whole columns and whole rows** (``A:A``, ``1:1``, ``A:B``; typed directly or through a defined
  name — recognised by spanning Excel's whole grid, 1,048,576 rows or 16,384 columns) are read
  down to (across to) their last non-empty cell; a blank cell before it is refused as above.  The
  headless engine trims a direct ``A:A`` itself but hands a name over the whole column; xlwings
  hands the whole column: :func:`used_part` makes all three the same.  Any other (finite) range
  must be full: its blank cells, trailing ones included, are refused.
* **Excel error values** (#N/A, #DIV/0!, … in whatever form xlwings or formualizer pass them)
  are an error naming the argument: the error is not turned into a number.
* **Text and TRUE/FALSE** are refused where a number is expected (TRUE/FALSE is read only by
  ``flags`` arguments).
* **Results** are a single value for single-cell inputs, otherwise a list of rows (Excel spills
  it). A non-finite result is refused: never a wrong number.

Errors are :class:`~xlmodel.errors.XlmodelError`. The headless engine lets them propagate
(formualizer makes the cell ``#VALUE!`` and the refresh report carries the message); the
xlwings face :func:`xlwings_call` returns the text ``"#VALUE! <message>"`` instead, the message
in Danish (:mod:`xlmodel.excel.danish`), because a classic xlwings UDF cannot return a real Excel
error value and an exception would put a Python traceback in the cell (see docs/engine.md).

>>> round(call("PL_REGULER", 124, 2013, 2014, "regional"), 9)
125.116
>>> call("PL_FAKTOR", [[2013], [2014]], 2014)
[[1.013], [1.0]]
>>> call("PL_REGULER", [[100], [None]], 2013, 2014)
Traceback (most recent call last):
...
xlmodel.excel.cells.CellInputError: beloeb: a blank cell (row 2 of the range) is not allowed; ...
>>> print(xlwings_call("PL_FAKTOR", [[2013]], [["#N/A"]], None))
#VALUE! til_aar: Excel-fejlen #N/A er ikke tilladt; tilladt: et helt årstal, fx 2014 (ret den ...)
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import os
import threading
from collections.abc import Callable, Sequence
from functools import cache
from numbers import Real
from typing import Any

import numpy as np

from xlmodel.errors import XlmodelError, _show
from xlmodel.excel import catalogue
from xlmodel.parameters import DEFAULT, ParameterSet, resolve

#: Excel's error literals, as xlwings gives them with ``err_to_str=True`` and as a file stores them.
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
               "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
#: formualizer's error kinds → Excel's literal.
FORMUALIZER_KINDS = {
    "Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Na": "#N/A", "Spill": "#SPILL!", "Calc": "#CALC!", "GettingData": "#GETTING_DATA",
    "Circ": "#CIRC!", "NImpl": "#N/IMPL!", "Error": "#ERROR!", "Cancelled": "#CANCELLED!",
}
#: What a classic xlwings UDF puts in the cell instead of raising (see module docstring).
ERROR_PREFIX = "#VALUE! "
#: Environment variable naming the parameter set Excel's UDFs use (default aftale-2014).
PARAMS_ENV = "XLMODEL_PARAMS"

_ALLOWED = {
    "number": "a number",
    "year": "a whole year, e.g. 2014",
    "vector": "a number",
    "table": "a number",
    "flags": "TRUE or FALSE (or 1/0)",
    "text": "text in a single cell",
}


class CellInputError(XlmodelError):
    """A cell input the adapter refuses; the message names the argument and the position."""

    def __init__(self, argument: str, what: str, allowed: str, where: str = "") -> None:
        self.argument, self.value, self.allowed, self.detail = argument, what, allowed, where
        place = f" ({where})" if where else ""
        ValueError.__init__(self, f"{argument}: {what}{place} is not allowed; allowed: {allowed}")


# ----------------------------------------------------------------------------- cell values ----
def excel_error(value: Any) -> str | None:
    """The Excel error literal if ``value`` is an Excel error in any form we are handed, else None.

    >>> excel_error("#N/A"), excel_error({"type": "Error", "kind": "Div"}), excel_error("N/A")
    ('#N/A', '#DIV/0!', None)
    >>> excel_error("#VALUE! beloeb: ... is not allowed")   # an upstream xlwings UDF's error text
    '#VALUE!'
    """
    if isinstance(value, str):
        if value.startswith("#"):
            head = value.split(" ", 1)[0]
            if head in ERROR_CODES:
                return head
        return None
    if isinstance(value, dict) and value.get("type") == "Error":
        return FORMUALIZER_KINDS.get(str(value.get("kind")), "#VALUE!")
    kind = getattr(value, "kind", None)  # formualizer.ExcelError, should one ever be passed
    if kind is not None and type(value).__name__ == "ExcelError":
        return FORMUALIZER_KINDS.get(str(kind), "#VALUE!")
    return None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


#: Excel's grid: a reference this tall (wide) is a whole column (row), however it reached us.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


def used_part(grid: np.ndarray) -> np.ndarray:
    """A whole-column (whole-row) grid cut after its last non-empty row (column); others as given.

    The one rule for whole-column references (issue 11, obs. 14): ``=BLOKTILSKUD_FORDEL(A:A;100)``
    and the same column through a defined name give the same result, whether the engine or
    xlwings hands over the used cells or all 1,048,576.  Only trailing blanks are cut; a blank
    before the last value stays and is refused by the conversion (never read as 0).  A whole
    column with no value at all keeps its first cell (a blank: an optional argument's default,
    else refused).  A finite range is returned unchanged (its blanks are refused).

    >>> col = np.full((EXCEL_ROWS, 1), None, dtype=object); col[:3, 0] = [10.0, None, 30.0]
    >>> used_part(col).ravel().tolist()
    [10.0, None, 30.0]
    >>> used_part(np.array([[1.0], [None]], dtype=object)).shape
    (2, 1)
    """
    rows, columns = grid.shape
    if rows == EXCEL_ROWS:
        grid = grid[: _last_filled(grid) + 1, :]
    if columns == EXCEL_COLUMNS:
        grid = grid[:, : _last_filled(grid.T) + 1]
    return grid


def _last_filled(grid: np.ndarray) -> int:
    """Index of the last row holding a non-blank cell (0 if none: the first row is kept)."""
    filled = np.zeros(grid.shape[0], dtype=bool)
    for j in range(grid.shape[1]):
        column = grid[:, j]
        filled |= np.fromiter((not _is_blank(v) for v in column), dtype=bool, count=column.size)
    hits = np.flatnonzero(filled)
    return int(hits[-1]) if hits.size else 0


def _grid(value: Any, name: str) -> np.ndarray:
    """Any cell input as a 2-D object array: a scalar is 1×1, a flat list or 1-D array a column."""
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, list | tuple):
        if value and all(isinstance(row, list | tuple) for row in value):
            widths = {len(row) for row in value}
            if len(widths) != 1:
                raise CellInputError(name, "a ragged range", "a rectangular range")
            arr = np.empty((len(value), widths.pop()), dtype=object)
            for i, row in enumerate(value):
                arr[i, :] = list(row)
            return arr
        arr = np.empty((len(value), 1), dtype=object)
        arr[:, 0] = list(value)
        return arr
    else:
        arr = np.empty((1, 1), dtype=object)
        arr[0, 0] = value
        return arr
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim == 2:
        return arr
    raise CellInputError(name, f"a {arr.ndim}-dimensional array", "a cell or a range")


def _where(shape: tuple[int, int], k: int) -> str:
    rows, cols = shape
    if rows * cols == 1:
        return ""
    i, j = divmod(k, cols)
    if cols == 1:
        return f"row {i + 1} of the range"
    if rows == 1:
        return f"column {j + 1} of the range"
    return f"row {i + 1}, column {j + 1} of the range"


def _describe(value: Any) -> str:
    code = excel_error(value)
    if code:
        return f"the Excel error {code}"
    if _is_blank(value):
        return "a blank cell"
    if isinstance(value, bool | np.bool_):
        return "TRUE/FALSE"
    if isinstance(value, str):
        return f"text {_show(value)}"
    return f"{type(value).__name__} {_show(value)}"


def _refuse(name: str, kind: str, value: Any, shape: tuple[int, int], k: int) -> CellInputError:
    allowed = _ALLOWED[kind]
    if excel_error(value):
        allowed += " (fix the cell the error comes from)"
    elif _is_blank(value):
        allowed += " (blank cells are not read as 0)"
    return CellInputError(name, _describe(value), allowed, _where(shape, k))


def _numbers(grid: np.ndarray, name: str, kind: str) -> np.ndarray:
    """A float array of the grid's shape, or the first offending cell named with its position."""
    flat = grid.ravel()
    if set(map(type, flat)) <= {float, int}:  # the common case, checked in one pass (bool is not int here)
        out = flat.astype(float)
        if np.isfinite(out).all():
            return out.reshape(grid.shape)
    out = np.empty(flat.size, dtype=float)
    for k, v in enumerate(flat):
        if type(v) is float or (isinstance(v, Real | np.number) and not isinstance(v, bool | np.bool_)):
            f = float(v)
            if math.isfinite(f):
                out[k] = f
                continue
        raise _refuse(name, kind, v, grid.shape, k)
    return out.reshape(grid.shape)


def _flags(grid: np.ndarray, name: str) -> np.ndarray:
    flat = grid.ravel()
    out = np.empty(flat.size, dtype=bool)
    for k, v in enumerate(flat):
        if isinstance(v, bool | np.bool_) or (isinstance(v, Real | np.number) and float(v) in (0.0, 1.0)):
            out[k] = bool(v)
        else:
            raise _refuse(name, "flags", v, grid.shape, k)
    return out.reshape(grid.shape)


def _shape_text(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}×{shape[1]}"


# --------------------------------------------------------------------------------- the call ----
def active_params() -> ParameterSet:
    """The parameter set Excel's UDFs use: ``$XLMODEL_PARAMS`` or aftale-2014."""
    return resolve(os.environ.get(PARAMS_ENV) or DEFAULT)


@cache
def _binding(name: str) -> tuple[catalogue.Function, Callable[..., Any], bool]:
    fn = catalogue.get(name)
    core = fn.core_function()
    takes_params = "params" in inspect.signature(core).parameters
    return fn, core, takes_params


def call(name: str, *args: Any, params: str | ParameterSet | None = None) -> Any:
    """Call catalogue function ``name`` with cell inputs; raises XlmodelError on bad input.

    ``params`` is the active parameter set (None: :func:`active_params`).
    """
    return _dispatch(catalogue.get(name), args, params)


def _dispatch(fn: catalogue.Function, args: tuple[Any, ...], params: str | ParameterSet | None) -> Any:
    """The one dispatch of a call (Excel's :func:`call` and the engine's :func:`engine_callback`):
    the scalar path when every argument is one plain cell (:func:`_scalar_call`), else the
    general path (:func:`_call_general`)."""
    single = _scalar_call(fn.name)
    if single is not None:
        _, core, _takes = _binding(fn.name)
        result = single(args, core, params)
        if result is not _NOT_SINGLE:
            return result
    return _call_general(fn, args, params)


def _params(params: str | ParameterSet | None) -> ParameterSet:
    """The parameter set a call computes with (None: :func:`active_params`)."""
    if type(params) is ParameterSet:
        return params
    return resolve(params) if params is not None else active_params()


def _call_single(fn: catalogue.Function, fast: tuple[list[Any], dict[str, Any]], core: Callable[..., Any],
                 takes_params: bool, params: str | ParameterSet | None) -> Any:
    """The scalar path: every argument one plain cell (:func:`_single_cells`), the core called with
    Python numbers and text (its own scalar path, :func:`xlmodel._inputs.number`), the result
    checked as on the general path (:func:`_result`: one finite float, or text).  No numpy on
    the way in or out."""
    positional, keywords = fast
    if takes_params:
        keywords["params"] = _params(params)
    result = core(*positional, **keywords)
    if (type(result) is float and _isfinite(result)) or type(result) is str:  # _result: one value
        return result
    return _result(fn, result, [], [])


def _call_general(fn: catalogue.Function, args: tuple[Any, ...], params: str | ParameterSet | None) -> Any:
    """The general path: ranges, blanks, booleans, error values — every cell rule, by numpy."""
    if len(args) > len(fn.args):
        raise CellInputError(fn.name, f"{len(args)} arguments", f"at most {len(fn.args)}: "
                             + fn.signature())
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    elementwise: list[tuple[str, np.ndarray]] = []   # (name, grid) of number/year ranges
    vectors: list[tuple[str, tuple[int, int]]] = []   # (name, original shape)
    for i, arg in enumerate(fn.args):
        raw = args[i] if i < len(args) else None
        grid = None if raw is None else used_part(_grid(raw, arg.name))
        blank = grid is None or (grid.size == 1 and _is_blank(grid[0, 0]))
        if blank and arg.optional:
            continue  # the core's default (usually the active parameter set's value)
        if grid is None:
            grid = _grid(None, arg.name)
        value = _convert(fn, arg.name, arg.kind, grid, elementwise, vectors)
        if arg.optional:
            keywords[arg.keyword] = value
        else:
            positional.append(value)
    _same_shapes(elementwise)
    _same_shapes(vectors)
    _, core, takes_params = _binding(fn.name)  # imported only now: input errors come first
    if takes_params:
        keywords["params"] = resolve(params) if params is not None else active_params()
    result = core(*positional, **keywords)
    return _result(fn, result, elementwise, vectors)


_isfinite = math.isfinite
#: Argument kinds of the scalar path (identity-compared: the plan holds these very objects).
_NUMBER, _YEAR, _TEXT = "number", "year", "text"


@cache
def _plan(name: str) -> tuple[tuple[tuple[str | None, str | None], ...], int] | None:
    """For a single-value function: ((kind, core keyword or None) per argument, how many arguments
    are required at least), else None.  The keyword is None for an argument passed by position:
    the required ones, and optional ones whose core parameter sits at the same position (saves
    building keywords per call; the core receives the same values).  A kind other than number,
    year or text is None: such an argument always takes the general path."""
    fn = catalogue.get(name)
    if fn.result != "scalar":
        return None
    need = max((i + 1 for i, a in enumerate(fn.args) if not a.optional), default=0)
    order = list(inspect.signature(fn.core_function()).parameters)
    plan = []
    by_position = True
    for i, a in enumerate(fn.args):
        by_position = by_position and i < len(order) and order[i] == a.keyword
        kind = {"number": _NUMBER, "year": _YEAR, "text": _TEXT}.get(a.kind)
        plan.append((kind, None if (by_position or not a.optional) else a.keyword))
    return tuple(plan), need


def _single_cells(fn: catalogue.Function, args: tuple[Any, ...]) -> tuple[list[Any], dict[str, Any]] | None:
    """Positional and keyword arguments when every argument is one plain cell, else None.

    Only finite numbers (whole ones for a year) and non-empty, non-error text qualify; anything
    else (a range, a blank, a boolean, an error value, another kind) takes the general path and
    its checks and messages.  This is the scalar path's only test: what it lets through, the
    general path would convert to the same Python values (tests/test_scalar_path.py).  It runs as
    the function's compiled scalar path (:func:`_scalar_call`) and, for other calls, as
    :func:`_plain_cells`, the statement of the rule.
    """
    found = _plan(fn.name)
    return None if found is None else _plain_cells(*found, args)


def _plain_cells(plan: tuple[tuple[str | None, str | None], ...], need: int,
                 args: tuple[Any, ...]) -> tuple[list[Any], dict[str, Any]] | None:
    """The scalar path's test, argument by argument (see :func:`_single_cells`): the statement of
    the rule, taken by every call the compiled test does not take itself (ints, ``[[value]]``)."""
    if not need <= len(args) <= len(plan):
        return None
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for (kind, keyword), v in zip(plan, args):  # noqa: B905 (left-out optionals: defaults)
        t = type(v)
        if t is list or t is tuple:  # xlwings' [[value]]
            v = _scalar(v)
            t = type(v)
        if t is float or t is int:  # (type, not isinstance: a bool is not a number here)
            if kind is _NUMBER:
                if not _isfinite(v):
                    return None
            elif kind is _YEAR:
                if not _isfinite(v) or v != int(v):
                    return None
                v = int(v)
            else:
                return None
        elif t is str:
            if kind is not _TEXT or v == "" or v[0] == "#":
                return None
        else:
            return None
        if keyword is None:
            positional.append(v)
        else:
            keywords[keyword] = v
    return positional, keywords


#: The compiled test's condition and value per kind, for argument ``{a}``: the engine hands over
#: floats and text, so these are :func:`_plain_cells`'s branches for a float or a str.
_COMPILED = {
    _NUMBER: ("type({a}) is float and isfinite({a})", "{a}"),
    _YEAR: ("type({a}) is float and isfinite({a}) and {a} == int({a})", "int({a})"),
    _TEXT: ("type({a}) is str and {a} != '' and {a}[0] != '#'", "{a}"),
}


@cache
def _scalar_call(name: str) -> Callable[[tuple[Any, ...], Callable[..., Any], Any], Any] | None:
    """The scalar path of one function, compiled to straight-line code per arity (as
    :mod:`dataclasses` compiles ``__init__``): ``single(args, core, params)`` is the core's
    result for a single-cell call, checked as :func:`_call_single` checks it, or ``_NOT_SINGLE``.

    A call from the engine (floats and text) then costs a few type tests and the core, not an
    interpreted loop over the plan, a list, a dict and three more calls (issue 10: ≤ 3 µs a
    call).  The compiled code takes only floats and text, exactly as :func:`_plain_cells` does
    for them; any other call (an int, ``[[value]]``, a blank, another arity) is decided by
    :func:`_plain_cells` and run by :func:`_call_single`, so the result is that path's
    (tests/test_scalar_path.py compares both with the general path on every catalogue
    function).  None for a function without a scalar result.
    """
    found = _plan(name)
    if found is None:
        return None
    plan, need = found
    fn, _core, takes_params = _binding(name)
    lines = ["def single(args, core, params):", "    n = len(args)"]
    for n in range(need, len(plan) + 1):
        kinds = [kind for kind, _ in plan[:n]]
        if any(kind not in _COMPILED for kind in kinds):
            continue  # a range kind among them: always the general path, via _plain_cells
        names = [f"a{i}" for i in range(n)]
        tests = [_COMPILED[kind][0].format(a=a) for kind, a in zip(kinds, names)]  # noqa: B905
        values = [_COMPILED[kind][1].format(a=a) for kind, a in zip(kinds, names)]  # noqa: B905
        given = list(zip(values, plan))  # noqa: B905 (the first n arguments)
        arguments = [v for v, (_, kw) in given if kw is None] + [f"{kw}={v}" for v, (_, kw) in given
                                                                   if kw is not None]
        if takes_params:
            arguments.append("params=ps(params)")
        lines.append(f"    if n == {n}:")
        indent = "        "
        if n:
            lines.append(f"        {', '.join(names)}, = args")
            lines.append(f"        if {' and '.join(tests)}:")
            indent += "    "
        lines.append(f"{indent}r = core({', '.join(arguments)})")
        lines.append(f"{indent}if (type(r) is float and isfinite(r)) or type(r) is str:")
        lines.append(f"{indent}    return r")
        lines.append(f"{indent}return result(fn, r, [], [])")
    lines += ["    fast = plain_cells(plan, need, args)",
              "    if fast is None:",
              "        return NOT_SINGLE",
              "    return call_single(fn, fast, core, takes_params, params)"]
    namespace: dict[str, Any] = {
        "isfinite": math.isfinite, "plain_cells": _plain_cells, "call_single": _call_single,
        "result": _result, "ps": _params, "plan": plan, "need": need, "fn": fn,
        "takes_params": takes_params, "NOT_SINGLE": _NOT_SINGLE}
    text = "\n".join(lines)
    exec(compile(text, f"<scalar path of {name}>", "exec"), namespace)  # our own text, from the catalogue
    single: Callable[[tuple[Any, ...], Callable[..., Any], Any], Any] = namespace["single"]
    single.source = text  # type: ignore[attr-defined]  (for a reader and the tests)
    return single


def _scalar(raw: Any) -> Any:
    """The single value of a scalar or a 1×1 range, or ``_NOT_SINGLE``."""
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            return _NOT_SINGLE
        raw = raw[0]
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                return _NOT_SINGLE
            raw = raw[0]
    return raw


_NOT_SINGLE = object()


def _convert(fn: catalogue.Function, name: str, kind: str, grid: np.ndarray,
             elementwise: list[tuple[str, np.ndarray]], vectors: list[tuple[str, Any]]) -> Any:
    shape = grid.shape
    if kind == "text":
        if grid.size != 1:
            raise CellInputError(name, f"a {_shape_text(shape)} range", _ALLOWED["text"])
        value = grid[0, 0]
        if excel_error(value) or not isinstance(value, str) or value == "":
            raise _refuse(name, "text", value, shape, 0)
        return value
    if kind in ("number", "year"):
        values = _numbers(grid, name, kind)
        if grid.size == 1:
            v = float(values[0, 0])
            return int(v) if kind == "year" and v.is_integer() else v
        if fn.result in ("spill", "two_columns", "rows"):
            raise CellInputError(name, f"a {_shape_text(shape)} range", "a single cell")
        elementwise.append((name, values))
        return values.ravel()
    if kind in ("vector", "flags"):
        if shape[0] != 1 and shape[1] != 1:
            raise CellInputError(name, f"a {_shape_text(shape)} range", "a single row or column")
        vectors.append((name, shape))
        values = _flags(grid, name) if kind == "flags" else _numbers(grid, name, kind)
        return values.ravel()
    if kind == "table":
        if shape[1] != 2:
            raise CellInputError(name, f"a {_shape_text(shape)} range",
                                 "a range of 2 columns (trin, løn)")
        import pandas as pd

        values = _numbers(grid, name, kind)
        return pd.Series(values[:, 1], index=values[:, 0])  # key → value; the core checks the keys
    raise AssertionError(kind)  # the catalogue loader only admits known kinds


def _same_shapes(items: Sequence[tuple[str, Any]]) -> None:
    def shape_of(x: Any) -> tuple[int, int]:
        return x.shape if isinstance(x, np.ndarray) else x

    if len(items) < 2:
        return
    first_name, first = items[0]
    for name, item in items[1:]:
        if shape_of(item) != shape_of(first):
            raise CellInputError(
                name, f"a {_shape_text(shape_of(item))} range",
                f"a single cell or a range of the same shape as {first_name} "
                f"({_shape_text(shape_of(first))})")


def _cell_value(value: Any, fn: catalogue.Function) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):  # a tuple: no union built per call
        return bool(value)
    f = float(value)
    if not math.isfinite(f):
        raise XlmodelError(fn.name, f, "a finite result",
                           detail="the calculation gave no finite number; check the inputs")
    return f


def _rows(arr: np.ndarray, fn: catalogue.Function) -> list[list[Any]]:
    if arr.dtype.kind in "fiu" and np.isfinite(arr).all():  # numbers: one vectorised check
        return arr.astype(float).tolist()
    return [[_cell_value(v, fn) for v in row] for row in arr]


def _result(fn: catalogue.Function, result: Any, elementwise: list[tuple[str, np.ndarray]],
            vectors: list[tuple[str, tuple[int, int]]]) -> Any:
    if not elementwise and fn.result == "scalar" and isinstance(result, (float, str)):
        return _cell_value(result, fn)  # one value (the scalar path): the same check, no array
    if fn.result == "value" and isinstance(result, list):  # a list-valued parameter: one row
        return [[_cell_value(v, fn) for v in result]]
    arr = np.asarray(result, dtype=object if fn.result in ("value",) else None)
    if fn.result in ("scalar", "value"):
        if not elementwise:
            if arr.size != 1:
                raise XlmodelError(fn.name, f"{arr.size} values", "one value",
                                   detail="internal: the core returned a range for single cells")
            return _cell_value(arr.reshape(-1)[0], fn)
        shape = elementwise[0][1].shape
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape)
        return _rows(arr.reshape(shape), fn)
    if fn.result == "rows":  # a labelled table: the header row, then the core's rows
        return _labelled_rows(fn, result)
    n = int(np.prod(vectors[0][1])) if vectors else 1
    shape = vectors[0][1] if vectors else (1, 1)
    if fn.result == "table":  # a header row (the core's column names), then one row per municipality
        return _table_rows(fn, result, n)
    if fn.result == "spill":
        if arr.size != n:
            raise XlmodelError(fn.name, f"{arr.size} values", f"{n} values (one per municipality)",
                               detail="internal: result and input lengths differ")
        if n == 1:
            return _cell_value(arr.reshape(-1)[0], fn)
        return _rows(arr.reshape(shape), fn)
    # two_columns: one row per municipality, whichever way the inputs run
    if arr.size != 2 * n:
        raise XlmodelError(fn.name, f"{arr.size} values", f"{n} rows of 2",
                           detail="internal: result and input lengths differ")
    return _rows(arr.reshape(n, 2), fn)


def _table_rows(fn: catalogue.Function, table: Any, n: int) -> list[list[Any]]:
    columns = [str(c) for c in getattr(table, "columns", [])]
    values = np.asarray(getattr(table, "to_numpy", lambda: table)(), dtype=float)
    if not columns or values.shape != (n, len(columns)):
        raise XlmodelError(fn.name, f"shape {values.shape}", f"{n} rows (one per municipality) with headings",
                           detail="internal: the core returned no table of the inputs' length")
    return [columns, *_rows(values, fn)]


#: Day 0 of Excel's 1900 date system as a date (1899-12-30: Excel counts 1900-02-29, which never was).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _labelled_cell(value: Any, fn: catalogue.Function) -> Any:
    """One cell of a ``rows`` result: a date becomes Excel's date number (the model formats it)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return float((value - _EXCEL_EPOCH).days)
    return _cell_value(value, fn)


def _labelled_rows(fn: catalogue.Function, table: Any) -> list[list[Any]]:
    """The ``rows`` result: the core DataFrame's headings, then each of its rows.

    >>> import pandas as pd
    >>> _labelled_rows(catalogue.get("EFTERREGULERING_KALENDER"),
    ...                pd.DataFrame({"Dato": [dt.date(2017, 1, 1)], "Beløb": [-1.5]}))
    [['Dato', 'Beløb'], [42736.0, -1.5]]
    """
    columns = [str(c) for c in getattr(table, "columns", [])]
    if not columns or not hasattr(table, "itertuples") or len(table) == 0:
        raise XlmodelError(fn.name, type(table).__name__, "a table with headings and at least one row",
                           detail="internal: the core returned no table")
    return [columns, *[[_labelled_cell(v, fn) for v in row] for row in table.itertuples(index=False)]]


# -------------------------------------------------------------- parameter look-ups (PARAMETER) ----
def _per_year(aar: Any, one: Callable[[int | None], Any]) -> Any:
    if aar is None or type(aar) is int:  # the scalar path hands a whole year over as an int
        return one(aar)
    if np.ndim(aar) == 0:
        return one(None if aar is None else int(aar) if float(aar).is_integer() else float(aar))
    out = []
    for y in np.asarray(aar, dtype=float).ravel():
        value = one(int(y) if y.is_integer() else float(y))
        if isinstance(value, list):
            raise XlmodelError("aar", "a range", "a single year for a parameter with a list value")
        out.append(value)
    return np.array(out, dtype=object)


def parameter_value(navn: str, aar: Any = None, params: str | ParameterSet | None = None) -> Any:
    """PARAMETER: a value of the parameter set (a lookup, no rule).

    >>> parameter_value("pl.service", 2014)
    1.3
    """
    ps = resolve(params)
    return _per_year(aar, lambda y: ps.value(navn, y))


def parameter_source(navn: str, aar: Any = None, params: str | ParameterSet | None = None) -> Any:
    """PARAMETER_KILDE: the source text of a parameter value.

    >>> parameter_source("pl.service")
    'aftale: Aftale 2014, boks 1'
    """
    ps = resolve(params)
    return _per_year(aar, lambda y: ps.source(navn, y))


# ------------------------------------------------------------------------------------ faces ----
def cell_message(exc: BaseException) -> str:
    """The Danish message for a refused call (the finance officer reads it in the cell, the
    refresh report and the Status sheet), rendered from the error's structured fields by
    :func:`xlmodel.excel.danish.message`; ``str(exc)`` stays English for developers."""
    if isinstance(exc, XlmodelError):
        from xlmodel.excel.danish import message

        return message(exc)
    return f"intern fejl {type(exc).__name__}: {exc}"


def error_text(exc: BaseException) -> str:
    """What an Excel cell shows for a refused call via xlwings: ``#VALUE! <message>``."""
    return ERROR_PREFIX + cell_message(exc)


def xlwings_call(name: str, *args: Any) -> Any:
    """The xlwings face: the result, or the text ``#VALUE! <message>`` (never raises)."""
    try:
        return call(name, *args)
    except Exception as exc:  # a UDF must not put a traceback in a finance officer's cell
        return error_text(exc)


#: Held while a catalogue function runs in the headless engine.  formualizer calls callbacks from
#: its worker threads; the core's caches (e.g. ``pl._INDEX_CACHE``) and any import a core module
#: makes lazily are shared, so one call at a time keeps every call seeing whole state.  The GIL
#: already serialises the Python work, so the lock costs no parallelism (docs/engine.md).
ENGINE_LOCK = threading.RLock()


def prepare_engine(params: ParameterSet) -> None:
    """Import everything a catalogue call needs, on the calling (main) thread, before evaluation.

    A first import on an engine worker thread can hand another thread a half-initialised
    module (issue 9: ``partially initialized module 'pandas' has no attribute 'Series'``);
    after this every core function, numpy and pandas are loaded and the catalogue is parsed.
    """
    import pandas  # noqa: F401  (the table kind and most core modules use it)

    with ENGINE_LOCK:
        for fn in catalogue.functions():
            _binding(fn.name)
        resolve(params)


def engine_callback(name: str, params: ParameterSet) -> Callable[..., Any]:
    """The headless engine's callback: raises, so formualizer makes the cell #VALUE!.

    Calls are serialised by :data:`ENGINE_LOCK` (they may come from several threads).
    """
    fn = catalogue.get(name.upper())

    def callback(*args: Any) -> Any:
        with ENGINE_LOCK:
            # The core is bound at the first call (by _dispatch), not when the table is built: a
            # workbook without catalogue calls must not import it (pandas); prepare_engine has.
            return _dispatch(fn, args, params)

    callback.__name__ = fn.name
    return callback
