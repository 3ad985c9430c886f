"""Formula lint for any workbook, from the file alone: loading, references and the lint checks.

Loading (:func:`load_book`) reads the .xlsx package once; each cell's formula and cached
value come from the same pass over the sheet XML.  Sheets in the canonical serialisation
that Excel, LibreOffice and openpyxl write are read by one C-level regex pass, verified
against the count of ``<c`` tags; anything else (namespace prefixes, comments, other
encodings, unexpected children) goes through the standard library's expat ``iterparse``.  A
document type declaration is refused, so entity expansion and external entities cannot
happen.  Every formula gets its relative R1C1 key (``=B2*(1+$C$1)`` in C2 →
``RC[-1]*(1+$C$1)``; :func:`form_key`); cells sharing a key are one *form*, and forms that
differ only in numeric literals share a *skeleton*.  The expensive work (tokenising with
openpyxl's formula ``Tokenizer``, finding references and function arguments) is done once
per skeleton and applied to all its cells with numpy.

The checks (each ``(book, params) -> list[Finding]``; ``params`` is not used by lint):

- ``hardcoded_number`` (warning): numeric literals in formulas, outside
  :data:`ALLOWED_NUMBERS` and outside arguments that are constants by convention
  (:data:`CONSTANT_ARGUMENTS`, e.g. ROUND's digits).
- ``inconsistent_formula`` (warning): a formula differing (in R1C1 form) from the majority
  of a run of ≥ 3 formulas in its row or column; ``info`` when the odd one is at the end of
  the run (often a first year or a total).
- ``error_value`` (error): a cached Excel error (#REF!, #DIV/0!, …) or ``#REF!`` written in
  a formula; ``info`` when the error only follows from an error in a cell it refers to.
- ``empty_reference`` (warning): a formula referring to an empty cell (a range only when
  all of it is empty); not inside ISBLANK, COUNTA, ROW and the like.
- ``circular_reference`` (error): each cycle of the dependency graph once, with its cells;
  ``warning`` when the workbook enables iterative calculation.
- ``number_as_text`` (warning, or info for a bare whole number among text): a text cell
  that reads as a number (see :func:`number_from_text`).
- ``approximate_lookup`` (warning): VLOOKUP/HLOOKUP without a FALSE/0 4th argument, MATCH
  without a 0 match type; XLOOKUP and XMATCH default to exact match.
- ``manual_calculation`` (warning): the workbook is set to manual calculation.
- ``uncalculated`` (info): formulas without cached values (the file was never calculated),
  so value-based checks could not run.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from xlmodel.errors import XlmodelError
from xlmodel.tekst import format_tal
from xlmodel.validate.findings import Finding

MAX_ROW = 1_048_576
MAX_COL = 16_384
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#BUSY!",
                          "#CONNECT!", "#EXTERNAL!", "#UNKNOWN!", "#PYTHON!"})
MAX_PART_BYTES = 2_000_000_000  # refuse a zip member that claims to inflate beyond this (zip bomb)

# Numbers a formula may contain without being flagged: 0 and 1 (identity, flags, "1 +
# rate"), 12 (months in a year), 100 (percent ↔ fraction), 1,000 and 1,000,000 (kr. ↔ 1.000
# kr. ↔ mio. kr.; the tables of the agreement are in mio. kr.).  These are facts of
# arithmetic and units that never change with the agreement.  2 is NOT allowed: in this
# domain a bare 2 is as likely a rate in percent or a number of years (an assumption that
# belongs in a labelled input cell) as a halving.  Pass ``allowed=`` to change the list.
ALLOWED_NUMBERS = frozenset({0.0, 1.0, 12.0, 100.0, 1000.0, 1_000_000.0})

# Function arguments that are constants by convention (1-based positions): digits, column
# and row indices, match types, counts of characters, function numbers.  A number there is
# structure, not an assumption.
CONSTANT_ARGUMENTS: dict[str, frozenset[int]] = {
    name: frozenset(pos) for name, pos in {
        "ROUND": (2,), "ROUNDUP": (2,), "ROUNDDOWN": (2,), "TRUNC": (2,), "FIXED": (2,), "DOLLAR": (2,),
        "VLOOKUP": (3, 4), "HLOOKUP": (3, 4), "INDEX": (2, 3, 4), "MATCH": (3,), "XMATCH": (3, 4),
        "XLOOKUP": (5, 6), "OFFSET": (2, 3, 4, 5), "INDIRECT": (2,), "ADDRESS": (1, 2, 3, 4, 5),
        "LEFT": (2,), "RIGHT": (2,), "MID": (2, 3), "LEFTB": (2,), "RIGHTB": (2,), "MIDB": (2, 3),
        "FIND": (3,), "SEARCH": (3,), "REPLACE": (2, 3), "SUBSTITUTE": (4,),
        "SUBTOTAL": (1,), "AGGREGATE": (1, 2), "LARGE": (2,), "SMALL": (2,),
        "RANK": (3,), "RANK.EQ": (3,), "RANK.AVG": (3,), "WEEKDAY": (2,), "WEEKNUM": (2,),
        "EDATE": (2,), "EOMONTH": (2,), "DAYS360": (3,), "YEARFRAC": (3,),
        "SORT": (2, 3), "SORTBY": (3, 5), "TAKE": (2, 3), "DROP": (2, 3), "CHOOSECOLS": (2, 3, 4, 5),
        "CHOOSEROWS": (2, 3, 4, 5), "TEXTSPLIT": (3, 4, 5), "SEQUENCE": (1, 2), "RANDBETWEEN": (1, 2),
    }.items()
}

# References inside these functions are about the cell itself (is it blank? where is it?),
# so an empty target is intended.
EMPTY_OK_FUNCTIONS = frozenset({
    "ISBLANK", "COUNTA", "COUNTBLANK", "COUNT", "ROW", "ROWS", "COLUMN", "COLUMNS", "CELL",
    "OFFSET", "INDIRECT", "ISNUMBER", "ISTEXT", "ISERROR", "ISERR", "ISNA", "IFERROR", "IFNA",
    "ISFORMULA", "ISREF", "ISLOGICAL", "ISNONTEXT", "TYPE", "FORMULATEXT", "LEN", "SUBTOTAL",
    "AGGREGATE", "COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "AVERAGEIF", "AVERAGEIFS", "MAXIFS",
    "MINIFS", "INDEX", "MATCH", "XMATCH", "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP", "FILTER",
})

# The circular-reference check stops adding range nodes to its dependency graph beyond this
# many edges (and says so in an info finding) so that a pathological file cannot exhaust memory.
CYCLE_EDGE_BUDGET = 5_000_000

_SPREADSHEET_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")


class ExcelError(str):
    """A cached Excel error value (``#DIV/0!``, ``#REF!``, …): text that is not a text value."""

    __slots__ = ()


# ------------------------------------------------------------------------------ addresses ----
@cache
def _col_index(letters: str) -> int:
    return column_index_from_string(letters)


@cache
def col_letters(col: int) -> str:
    return get_column_letter(col)


def a1(row: int, col: int) -> str:
    """``(2, 3)`` → ``"C2"``."""
    return f"{col_letters(col)}{row}"


_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_cell(cell: str) -> tuple[int, int]:
    """``"C2"`` → ``(2, 3)`` (row, column); raises :class:`XlmodelError` on anything else.

    >>> split_cell("AB12")
    (12, 28)
    """
    m = _CELL_RE.match(cell.strip()) if isinstance(cell, str) else None
    if not m or int(m.group(2)) < 1 or int(m.group(2)) > MAX_ROW or _col_index(m.group(1).upper()) > MAX_COL:
        raise XlmodelError("cell", cell, "an A1 cell address such as 'B7'")
    return int(m.group(2)), _col_index(m.group(1).upper())


def block(r1: int, c1: int, r2: int, c2: int) -> str:
    """An A1 address for a rectangle: ``"C2"`` for one cell, ``"C2:C99"`` otherwise."""
    return a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"


def covers(area: str, cell: str) -> bool:
    """Does the A1 ``area`` (a cell or ``"C2:C99"``, or several joined by commas) hold ``cell``?

    >>> covers("C2:C99", "C50"), covers("C2:C99", "D50"), covers("B2", "B2")
    (True, False, True)
    """
    row, col = split_cell(cell)
    for part in area.split(","):
        first, _, last = part.strip().partition(":")
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last) if last else (r1, c1)
        if min(r1, r2) <= row <= max(r1, r2) and min(c1, c2) <= col <= max(c1, c2):
            return True
    return False


# ---------------------------------------------------------------------------- references ----
# One regex pass turns A1 references into relative R1C1.  Text literals, quoted sheet names
# and bracketed parts (external books, structured references) are matched first so that
# nothing inside them is touched.
_R1C1_RE = re.compile(r"""
    ("(?:[^"]|"")*"|'(?:[^']|'')*'|\[[^\]]*\])
  | (?<![\w.$:])(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![\w(!.:])
  | (?<![\w.$:])(\$?)(\d+):(\$?)(\d+)(?![\w(!.:])
  | (?<![\w.$])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(!.])
""", re.X)


def _rel(kind: str, value: int, absolute: bool, here: int) -> str:
    if absolute:
        return f"{kind}{value}"
    return kind if value == here else f"{kind}[{value - here}]"


def to_r1c1(formula: str, row: int, col: int) -> str:
    """The formula in relative R1C1 form, the key by which formulas are compared.

    >>> to_r1c1("=B2*(1+$C$1)+SUM(A:A)", 2, 3)
    '=RC[-1]*(1+R1C3)+SUM(C[-2]:C[-2])'
    >>> to_r1c1('=Ark1!A1&"B2"', 1, 1)
    '=Ark1!RC&"B2"'
    """
    def repl(m: re.Match[str]) -> str:
        g = m.groups()
        if g[12] is not None:  # a cell
            c, r = _col_index(g[10].upper()), int(g[12])
            if c > MAX_COL or r > MAX_ROW:
                return m.group(0)
            return _rel("R", r, bool(g[11]), row) + _rel("C", c, bool(g[9]), col)
        if g[2] is not None:  # whole columns A:C
            c1, c2 = _col_index(g[2].upper()), _col_index(g[4].upper())
            if max(c1, c2) > MAX_COL:
                return m.group(0)
            return _rel("C", c1, bool(g[1]), col) + ":" + _rel("C", c2, bool(g[3]), col)
        if g[6] is not None:  # whole rows 2:5
            r1, r2 = int(g[6]), int(g[8])
            return _rel("R", r1, bool(g[5]), row) + ":" + _rel("R", r2, bool(g[7]), row)
        return m.group(0)

    return _R1C1_RE.sub(repl, formula)


# The grouping key (:func:`form_key`) needs the R1C1 form only up to a one-to-one renaming, so
# references that are absolute in both row and column ($C$2) are left as written (they read
# the same from every cell) and only the others are rewritten, by a simpler regex.
_RELATIVE_REF = re.compile(r"(?<![\w.$])(?:([A-Za-z]{1,3})(\$?)|\$([A-Za-z]{1,3}))(\d+)(?![\w(!.])")
_WHOLE_LINES = re.compile(r"[A-Za-z$]:\$?[A-Za-z]|\d:\$?\d")  # A:C or 2:5, not A1:B2
_TOKEN_CACHE: dict[str, tuple[bool, int, bool, int, bool]] = {}
# A numeric literal in a grouping key: not part of R[-1]C / R2C3 / $C$2 / a name or sheet name.
_NUMBER_LITERAL = re.compile(r"(?<![\w$.\[])(?<!\[-)(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee][+-]?\d+)?(?![\w\[(.])")
_BRACKETS_ARE_R1C1 = re.compile(r"(?:[^\[\]\"']|\[-?\d+\])*")  # only R[-1]C-style brackets


def form_key(formula: str, row: int, col: int) -> str:
    """A key equal for two formulas exactly when their relative R1C1 forms are equal.

    >>> form_key("=B2*(1+$C$1)", 2, 3) == form_key("=C7*(1+$C$1)", 7, 4)
    True
    >>> form_key("=B2*(1+$C$1)", 2, 3) == form_key("=B2*(1+$C$2)", 2, 3)
    False
    """
    if ('"' in formula or "'" in formula or "[" in formula
            or (":" in formula and _WHOLE_LINES.search(formula))):  # the full rewrite
        return to_r1c1(formula, row, col)
    cache = _TOKEN_CACHE

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        hit = cache.get(token)
        if hit is None:
            letters, row_abs, abs_letters, digits = m.groups()
            c, r = _col_index((letters or abs_letters).upper()), int(digits)
            hit = (letters is None, c, bool(row_abs), r, c <= MAX_COL and 1 <= r <= MAX_ROW)
            if len(cache) < 1_000_000:
                cache[token] = hit
        col_abs, c, row_abs, r, ok = hit
        if not ok:
            return token
        return (f"R{r}" if row_abs else ("R" if r == row else f"R[{r - row}]")) + (
            f"C{c}" if col_abs else ("C" if c == col else f"C[{c - col}]"))

    return _RELATIVE_REF.sub(repl, formula)


_REF_PART = r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?"
_REF_RE = re.compile(rf"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?{_REF_PART}(?::{_REF_PART})?$")


@dataclass(frozen=True)
class Ref:
    """A reference as written in a formula, relative to the formula's cell.

    Each coordinate is ``(value, absolute)``: an absolute row/column number, or an offset
    from the formula's cell.  Whole columns/rows span 1…MAX_ROW / 1…MAX_COL.
    """

    text: str
    sheet: str | None          # None: the formula's own sheet
    r1: tuple[int, bool]
    c1: tuple[int, bool]
    r2: tuple[int, bool]
    c2: tuple[int, bool]
    single: bool               # written as one cell (not a range)
    external: bool = False     # another workbook ([1]Sheet!A1) or a 3-D reference

    def resolve(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, ...]:
        """Target rectangles (r1, c1, r2, c2) for formulas at ``rows``/``cols`` (arrays)."""
        def at(part: tuple[int, bool], here: np.ndarray) -> np.ndarray:
            value, absolute = part
            return np.full(here.shape, value, dtype=np.int64) if absolute else here + value
        r1, r2 = at(self.r1, rows), at(self.r2, rows)
        c1, c2 = at(self.c1, cols), at(self.c2, cols)
        return np.minimum(r1, r2), np.minimum(c1, c2), np.maximum(r1, r2), np.maximum(c1, c2)


def parse_ref(text: str, row: int, col: int) -> Ref | None:
    """A reference token (``Ark1!$B$2:B9``, ``A:A``, ``3:5``) as a :class:`Ref`; None for a name.

    >>> r = parse_ref("Ark1!$B$2:B9", 10, 3)
    >>> r.sheet, r.r1, r.c1, r.r2, r.c2
    ('Ark1', (2, True), (2, True), (-1, False), (-1, False))
    """
    external = text.startswith("[") or "]" in text.split("!")[0]
    body = re.sub(r"^\[[^\]]*\]", "", text)
    m = _REF_RE.match(body)
    if not m:
        return None
    sheet = m.group("sheet")
    if sheet is not None:
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        sheet = re.sub(r"^\[[^\]]*\]", "", sheet)
        if ":" in sheet:  # Ark1:Ark3!A1, a 3-D reference
            external = True
    ca, cl, ra, rw, ca2, cl2, ra2, rw2 = m.groups()[1:9]
    if cl is None and rw is None:
        return None

    def coord(letters: str | None, digits: str | None, ca_: str, ra_: str,
              ) -> tuple[tuple[int, bool] | None, tuple[int, bool] | None]:
        c = r = None
        if letters is not None:
            n = _col_index(letters.upper())
            if n > MAX_COL:
                raise ValueError
            c = (n, True) if ca_ else (n - col, False)
        if digits is not None:
            n = int(digits)
            if not 1 <= n <= MAX_ROW:
                raise ValueError
            r = (n, True) if ra_ else (n - row, False)
        return r, c

    try:
        r1, c1 = coord(cl, rw, ca, ra)
        second = cl2 is not None or rw2 is not None
        r2, c2 = coord(cl2, rw2, ca2, ra2) if second else (r1, c1)
    except ValueError:
        return None
    if second and ((r1 is None) != (r2 is None) or (c1 is None) != (c2 is None)):
        return None
    if not second and (r1 is None or c1 is None):
        return None
    if r1 is None:  # whole columns
        r1, r2 = (1, True), (MAX_ROW, True)
    if c1 is None:  # whole rows
        c1, c2 = (1, True), (MAX_COL, True)
    return Ref(text, sheet, r1, c1, r2, c2, not second, external)


# ----------------------------------------------------------------------- formula analysis ----
@dataclass(frozen=True)
class RefUse:
    ref: Ref
    function: str | None   # innermost enclosing function
    argument: int          # 1-based argument position in that function (0 outside any)
    name: str | None = None  # the defined name the reference came through, if any


@dataclass(frozen=True)
class NumberUse:
    text: str
    value: float
    function: str | None
    argument: int
    in_array: bool
    percent: bool = False  # followed by %: value is text / 100


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[tuple[Token, ...], ...]


@dataclass
class FormInfo:
    """What one R1C1 form contains, found once by tokenising an example cell's formula."""

    r1c1: str
    refs: list[RefUse] = field(default_factory=list)
    names: list[tuple[str, str | None, int]] = field(default_factory=list)  # (name, function, arg)
    numbers: list[NumberUse] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    ref_error: bool = False
    parse_error: str = ""
    tokens: tuple[Token, ...] = ()


def _function_name(value: str) -> str:
    name = value.rstrip("(").upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def analyse_formula(formula: str, row: int, col: int) -> FormInfo:
    """Tokenise ``formula`` (at ``row``/``col``) with openpyxl's Tokenizer and record its
    references, names, numeric literals and function calls with their argument positions.

    >>> info = analyse_formula("=ROUND(B2*1.013,2)", 2, 3)
    >>> [(n.value, n.function, n.argument) for n in info.numbers]
    [(1.013, 'ROUND', 1), (2.0, 'ROUND', 2)]
    """
    info = FormInfo(to_r1c1(formula, row, col))
    try:
        items = Tokenizer(formula if formula.startswith("=") else "=" + formula).items
    except (TokenizerError, IndexError, ValueError) as exc:
        info.parse_error = str(exc) or type(exc).__name__
        return info
    info.tokens = tuple(items)
    # stack entries: [kind, function name, argument position, argument token lists]
    stack: list[list[Any]] = []

    def context() -> tuple[str | None, int, bool]:
        in_array = False
        for entry in reversed(stack):
            if entry[0] == "array":
                in_array = True
            if entry[0] == "func":
                return entry[1], entry[2], in_array
        return None, 0, in_array

    for i, tok in enumerate(items):
        for entry in stack:  # every enclosing call collects the tokens of its current argument
            if entry[0] == "func" and not (entry is stack[-1] and tok.type == Token.SEP
                                           and tok.subtype == Token.ARG):
                entry[3][-1].append(tok)
        if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
            stack.append(["func", _function_name(tok.value), 1, [[]]])
        elif tok.type == Token.FUNC and tok.subtype == Token.CLOSE:
            while stack and stack[-1][0] != "func":
                stack.pop()
            if stack:
                _, name, _, args = stack.pop()
                args[-1] = args[-1][:-1]  # drop the closing token itself
                if len(args) == 1 and not args[0]:
                    args = []
                info.calls.append(Call(name, tuple(tuple(a) for a in args)))
        elif tok.type == Token.PAREN:
            if tok.subtype == Token.OPEN:
                stack.append(["paren", None, 0, None])
            elif stack and stack[-1][0] == "paren":
                stack.pop()
        elif tok.type == Token.ARRAY:
            if tok.subtype == Token.OPEN:
                stack.append(["array", None, 0, None])
            elif stack and stack[-1][0] == "array":
                stack.pop()
        elif tok.type == Token.SEP and tok.subtype == Token.ARG and stack and stack[-1][0] == "func":
            stack[-1][2] += 1
            stack[-1][3].append([])
        elif tok.type == Token.OPERAND:
            function, argument, in_array = context()
            if tok.subtype == Token.NUMBER:
                try:
                    value = float(tok.value)
                except ValueError:
                    continue
                nxt = items[i + 1] if i + 1 < len(items) else None
                percent = nxt is not None and nxt.type == Token.OP_POST and nxt.value == "%"
                info.numbers.append(NumberUse(tok.value, value / 100 if percent else value, function,
                                              argument, in_array, percent))
            elif tok.subtype == Token.ERROR:
                info.ref_error |= tok.value.upper() == "#REF!"
            elif tok.subtype == Token.RANGE:
                if "#REF!" in tok.value.upper():
                    info.ref_error = True
                    continue
                ref = parse_ref(tok.value, row, col)
                if ref is not None:
                    info.refs.append(RefUse(ref, function, argument))
                elif "[" not in tok.value:
                    info.names.append((tok.value, function, argument))
    return info


# ------------------------------------------------------------------------------- loading ----
@dataclass
class Sheet:
    """One worksheet: cached values, formulas and the formula cells as arrays."""

    name: str
    index: int
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # written out (with "=")
    shared: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # child → master
    texts: list[tuple[int, int, str]] = field(default_factory=list)  # text constants
    errors: list[tuple[int, int]] = field(default_factory=list)       # cells with a cached error
    f_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    f_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    f_forms: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    _occupied: _Grid | None = None
    _formula_grid: _Grid | None = None
    _error_grid: _Grid | None = None

    def formula(self, row: int, col: int) -> str | None:
        """The A1 formula of a cell (with "="), shared formulas translated; None if none."""
        text = self.formulas.get((row, col))
        if text is not None:
            return text
        master = self.shared.get((row, col))
        if master is None:
            return None
        return Translator(self.formulas[master], origin=a1(*master)).translate_formula(a1(row, col))

    def value(self, row: int, col: int) -> Any:
        return self.values.get((row, col))

    def is_formula(self, row: int, col: int) -> bool:
        return (row, col) in self.formulas or (row, col) in self.shared

    @property
    def occupied(self) -> _Grid:
        """Cells holding a value or a formula (an empty text counts as empty)."""
        if self._occupied is None:
            keys = [k for k, v in self.values.items() if v is not None and v != ""]
            rows = np.fromiter((k[0] for k in keys), np.int64, len(keys))
            cols = np.fromiter((k[1] for k in keys), np.int64, len(keys))
            self._occupied = _Grid(np.concatenate([rows, self.f_rows]), np.concatenate([cols, self.f_cols]))
        return self._occupied

    @property
    def error_grid(self) -> _Grid:
        """Cells whose cached value is an Excel error."""
        if self._error_grid is None:
            self._error_grid = _Grid(np.array([e[0] for e in self.errors], np.int64),
                                     np.array([e[1] for e in self.errors], np.int64))
        return self._error_grid

    @property
    def formula_grid(self) -> _Grid:
        if self._formula_grid is None:
            self._formula_grid = _Grid(self.f_rows, self.f_cols)
        return self._formula_grid


class _Grid:
    """A set of cells answering "is (r, c) in the set?" and "how many in this rectangle?"
    for whole arrays of queries (sorted keys; summed-area table on compressed coordinates)."""

    _SAT_LIMIT = 4_000_000

    def __init__(self, rows: np.ndarray, cols: np.ndarray) -> None:
        keys = np.unique(rows.astype(np.int64) * (MAX_COL + 1) + cols)
        self.keys = keys
        self.rows = keys // (MAX_COL + 1)
        self.cols = keys % (MAX_COL + 1)
        self.urows = np.unique(self.rows)
        self.ucols = np.unique(self.cols)
        self._sat: np.ndarray | None = None
        if 0 < len(self.urows) * len(self.ucols) <= self._SAT_LIMIT:
            grid = np.zeros((len(self.urows) + 1, len(self.ucols) + 1), dtype=np.int32)
            ri = np.searchsorted(self.urows, self.rows) + 1
            ci = np.searchsorted(self.ucols, self.cols) + 1
            grid[ri, ci] = 1
            self._sat = grid.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)
        self._by_col: dict[int, np.ndarray] | None = None  # column → its keys, sorted by row

    def __len__(self) -> int:
        return len(self.keys)

    def contains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        q = rows.astype(np.int64) * (MAX_COL + 1) + cols
        pos = np.searchsorted(self.keys, q)
        pos = np.minimum(pos, max(len(self.keys) - 1, 0))
        return (self.keys[pos] == q) if len(self.keys) else np.zeros(q.shape, bool)

    def count(self, r1: np.ndarray, c1: np.ndarray, r2: np.ndarray, c2: np.ndarray) -> np.ndarray:
        """How many cells of the set lie in each rectangle [r1..r2] × [c1..c2]."""
        if not len(self.keys):
            return np.zeros(np.shape(r1), np.int64)
        if self._sat is not None:
            a = np.searchsorted(self.urows, r1, "left")
            b = np.searchsorted(self.urows, r2, "right")
            c = np.searchsorted(self.ucols, c1, "left")
            d = np.searchsorted(self.ucols, c2, "right")
            s = self._sat
            return s[b, d] - s[a, d] - s[b, c] + s[a, c]
        return np.array([len(self.inside(*q)) for q in zip(r1, c1, r2, c2, strict=True)], np.int64)

    def columns_between(self, c1: int, c2: int) -> list[int]:
        """The columns in [c1, c2] that hold cells of the set."""
        lo, hi = np.searchsorted(self.ucols, c1, "left"), np.searchsorted(self.ucols, c2, "right")
        return self.ucols[lo:hi].tolist()

    def column_keys(self, col: int) -> np.ndarray:
        """Keys of the set's cells in one column, by row."""
        if self._by_col is None:
            order = np.lexsort((self.rows, self.cols))
            cuts = np.flatnonzero(np.diff(self.cols[order])) + 1
            self._by_col = {int(self.cols[part[0]]): self.keys[part] for part in np.split(order, cuts)}
        return self._by_col.get(col, np.empty(0, np.int64))

    def inside(self, r1: int, c1: int, r2: int, c2: int) -> np.ndarray:
        """Keys of the cells inside one rectangle (row * (MAX_COL+1) + col)."""
        out = []
        for c in self.columns_between(c1, c2):
            keys = self.column_keys(c)
            first = np.searchsorted(keys, r1 * (MAX_COL + 1) + c, "left")
            last = np.searchsorted(keys, r2 * (MAX_COL + 1) + c, "right")
            out.append(keys[first:last])
        return np.concatenate(out) if out else np.empty(0, np.int64)


@dataclass
class LoadedBook:
    """A workbook read from its file: sheets, defined names, calculation settings, and the
    formula groups (cells sharing a relative R1C1 form)."""

    path: str
    sheets: list[Sheet]
    names: dict[tuple[str, int | None], str]     # (upper-case name, sheet index or None) → text
    calc_mode: str = "auto"
    iterate: bool = False
    forms: list[str] = field(default_factory=list)               # form id → key (form_key)
    examples: list[tuple[int, int, int]] = field(default_factory=list)  # form id → (sheet, row, col)
    _info: dict[int, FormInfo] = field(default_factory=dict)
    _skeleton_of: np.ndarray | None = None
    _form_numbers: list[list[str]] = field(default_factory=list)
    _skeleton_first: list[int] = field(default_factory=list)
    _skeleton_ok: list[bool | None] = field(default_factory=list)

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> Sheet:
        """A sheet by name (case-insensitive, as in Excel)."""
        found = self.find_sheet(name)
        if found is None:
            raise XlmodelError("sheet", name, ", ".join(self.sheetnames))
        return found

    def find_sheet(self, name: str | None, default: Sheet | None = None) -> Sheet | None:
        if name is None:
            return default
        wanted = name.upper()
        for s in self.sheets:
            if s.name.upper() == wanted:
                return s
        return None

    def formula(self, sheet: str, cell: str) -> str | None:
        return self.sheet(sheet).formula(*split_cell(cell))

    def value(self, sheet: str, cell: str) -> Any:
        return self.sheet(sheet).value(*split_cell(cell))

    @property
    def formula_count(self) -> int:
        return sum(len(s.f_rows) for s in self.sheets)

    @property
    def has_cached_values(self) -> bool:
        """Does any formula cell carry a cached value (was the file ever calculated)?"""
        return any(
            (r, c) in s.values for s in self.sheets
            for r, c in zip(s.f_rows[:200].tolist(), s.f_cols[:200].tolist(), strict=True))

    def analysis(self, form: int) -> FormInfo:
        """The full analysis of one R1C1 form (tokenised once, on the first cell seen with it)."""
        found = self._info.get(form)
        if found is None:
            si, row, col = self.examples[form]
            found = analyse_formula(self.sheets[si].formula(row, col) or "", row, col)
            self._info[form] = found
        return found

    def r1c1(self, form: int) -> str:
        """The R1C1 text of a form (for people: the grouping key may differ in spelling)."""
        si, row, col = self.examples[form]
        return to_r1c1(self.sheets[si].formula(row, col) or "", row, col)

    # Forms that differ only in their numeric literals (=B2*1.013 and =B3*1.02 copied down a
    # column of different rates) share a *skeleton*: the same references, functions and
    # structure.  One tokenisation serves the skeleton, and the reference-based checks run
    # once per skeleton on all its cells at once.
    def _skeletons(self) -> None:
        if self._skeleton_of is not None:
            return
        ids: dict[str, int] = {}
        of = np.empty(len(self.forms), np.int64)
        numbers: list[list[str]] = []
        first: list[int] = []
        for form, key in enumerate(self.forms):
            if '"' in key or "'" in key or ("[" in key and not _BRACKETS_ARE_R1C1.fullmatch(key)):
                skeleton, found = "\0" + key, []  # text or quoting: no sharing, no masking
            else:
                found = _NUMBER_LITERAL.findall(key)
                skeleton = _NUMBER_LITERAL.sub("#", key) if found else key
            sid = ids.get(skeleton)
            if sid is None:
                sid = ids[skeleton] = len(first)
                first.append(form)
            of[form] = sid
            numbers.append(found)
        self._skeleton_of, self._form_numbers, self._skeleton_first = of, numbers, first
        self._skeleton_ok = [None] * len(first)

    def skeleton(self, form: int) -> int:
        self._skeletons()
        assert self._skeleton_of is not None
        return int(self._skeleton_of[form])

    def structure(self, form: int) -> FormInfo:
        """The analysis shared by the form's skeleton: references, names, calls, #REF!.  The
        numeric literals in it are the skeleton's first form's; see :meth:`numbers`."""
        sid = self.skeleton(form)
        first = self._skeleton_first[sid]
        if self._skeleton_trusted(sid):
            return self.analysis(first)
        return self.analysis(form)

    def numbers(self, form: int) -> list[NumberUse]:
        """The numeric literals of one form, in the order they are written."""
        sid = self.skeleton(form)
        if not self._skeleton_trusted(sid):
            return self.analysis(form).numbers
        shared = self.analysis(self._skeleton_first[sid]).numbers
        texts = self._form_numbers[form]
        return [replace(n, text=t, value=float(t) / 100 if n.percent else float(t))
                for n, t in zip(shared, texts, strict=True)]

    def form_numbers(self, form: int) -> list[str]:
        """The numeric literals of one form as written (texts), found without tokenising."""
        self._skeletons()
        return self._form_numbers[form]

    def shares_analysis(self, form: int) -> bool:
        """Is the form analysed through its skeleton (see :meth:`structure`)?"""
        return self._skeleton_trusted(self.skeleton(form))

    def _skeleton_trusted(self, sid: int) -> bool:
        """Does the tokenizer see exactly the numbers the literal regex found (same count and
        text) in the skeleton's first form?  If not, its forms are analysed one by one."""
        ok = self._skeleton_ok[sid]
        if ok is None:
            first = self._skeleton_first[sid]
            found = self._form_numbers[first]
            seen = [n.text for n in self.analysis(first).numbers]
            ok = self._skeleton_ok[sid] = (not self.analysis(first).parse_error and seen == found)
        return bool(ok)

    def skeleton_groups(self) -> Iterator[tuple[Sheet, int, np.ndarray, np.ndarray, np.ndarray]]:
        """(sheet, a form of the skeleton, rows, cols, forms) for each skeleton on each sheet;
        when a skeleton is not trusted (see :meth:`_skeleton_trusted`) its forms come apart."""
        self._skeletons()
        assert self._skeleton_of is not None
        for sheet in self.sheets:
            if not len(sheet.f_forms):
                continue
            sids = self._skeleton_of[sheet.f_forms]
            order = np.argsort(sids, kind="stable")
            cuts = np.flatnonzero(np.diff(sids[order])) + 1
            for part in np.split(order, cuts):
                forms = sheet.f_forms[part]
                sid = int(sids[part[0]])
                if self._skeleton_trusted(sid):
                    yield sheet, self._skeleton_first[sid], sheet.f_rows[part], sheet.f_cols[part], forms
                    continue
                for form in np.unique(forms).tolist():
                    mine = part[forms == form]
                    yield sheet, form, sheet.f_rows[mine], sheet.f_cols[mine], sheet.f_forms[mine]

    def groups(self, where: Callable[[str], bool] | None = None,
               ) -> Iterator[tuple[Sheet, int, np.ndarray, np.ndarray]]:
        """(sheet, form id, rows, cols) for every group of cells sharing one R1C1 form;
        ``where`` keeps only forms whose key (see :func:`form_key`) it accepts."""
        wanted = None if where is None else np.fromiter((bool(where(k)) for k in self.forms), bool,
                                                         len(self.forms))
        for sheet in self.sheets:
            index = np.arange(len(sheet.f_forms)) if wanted is None else np.flatnonzero(wanted[sheet.f_forms])
            if not len(index):
                continue
            order = index[np.argsort(sheet.f_forms[index], kind="stable")]
            forms = sheet.f_forms[order]
            cuts = np.flatnonzero(np.diff(forms)) + 1
            for part in np.split(order, cuts):
                yield sheet, int(sheet.f_forms[part[0]]), sheet.f_rows[part], sheet.f_cols[part]

    def name_ref(self, name: str, sheet: Sheet) -> Ref | None:
        """The reference a defined name stands for (sheet-local names first), if it is one."""
        text = self.names.get((name.upper(), sheet.index)) or self.names.get((name.upper(), None))
        if text is None:
            return None
        ref = parse_ref(text.lstrip("="), 1, 1)
        if ref is None or not all(p[1] for p in (ref.r1, ref.c1, ref.r2, ref.c2)):
            return None  # a formula or a constant, not a fixed place
        return ref

    def cells(self) -> Iterator[tuple[str, int, int, str | None, Any]]:
        """(sheet, row, col, formula, cached value) for every cell with a value or a formula."""
        for s in self.sheets:
            keys = set(s.values) | set(s.formulas) | set(s.shared)
            for r, c in sorted(keys):
                yield s.name, r, c, s.formula(r, c), s.values.get((r, c))

    def cells_frame(self, sheet: str | None = None) -> pd.DataFrame:
        """The cells as a DataFrame: sheet, cell, row, col, formula, value (one sheet or all)."""
        rows = [(name, a1(r, c), r, c, f, v) for name, r, c, f, v in self.cells()
                if sheet is None or name.upper() == sheet.upper()]
        return pd.DataFrame(rows, columns=["sheet", "cell", "row", "col", "formula", "value"])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise XlmodelError("path", zf.filename, "a workbook whose parts are smaller than 2 GB",
                           detail=f"{name} would inflate to {info.file_size:,} bytes")
    return zf.read(name)


def _refuse_dtd(data: bytes, where: str) -> None:
    # SpreadsheetML never has a document type declaration; refusing one rules out entity
    # expansion ("billion laughs") and external entities, as defusedxml does.  (In XML the
    # keywords are upper case; anywhere else in a part "<!" could only be a comment or CDATA.)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XlmodelError("path", where, "an .xlsx file without a DTD", detail="XML DOCTYPE/ENTITY refused")


def _xml(zf: zipfile.ZipFile, name: str) -> ET.Element:
    data = _read_part(zf, name)
    _refuse_dtd(data, f"{zf.filename}:{name}")
    return ET.fromstring(data)


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, absolute part name) for ``part``."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf.namelist():
        return {}
    out = {}
    for rel in _xml(zf, rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = (target.lstrip("/") if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target)))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _shared_strings(zf: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None or part not in zf.namelist():
        return []
    out = []
    for si in _xml(zf, part):
        # plain <t>, or rich-text runs <r><t>; phonetic guides (<rPh>) are not part of the text
        texts = []
        for child in si:
            tag = _local(child.tag)
            if tag == "t":
                texts.append(child.text or "")
            elif tag == "r":
                texts.extend(t.text or "" for t in child if _local(t.tag) == "t")
        out.append(_unescape("".join(texts)))
    return out


_X_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes for characters XML cannot carry."""
    return _X_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def load_book(path: str | os.PathLike[str]) -> LoadedBook:
    """Read an .xlsx/.xlsm workbook once: formulas, cached values, names, calculation mode.

    Raises :class:`XlmodelError` naming the file when it is missing or not an OOXML workbook.
    """
    text = os.fspath(path)
    if not os.path.isfile(text):
        raise XlmodelError("path", text, "an existing .xlsx or .xlsm file", detail="file not found")
    try:
        zf = zipfile.ZipFile(text)
    except zipfile.BadZipFile:
        raise XlmodelError("path", text, "an .xlsx or .xlsm workbook (Office Open XML)",
                           detail="not a zip package; old .xls files are not supported") from None
    with zf:
        workbook_part = next((p for _, (kind, p) in _rels(zf, "").items() if kind == "officeDocument"),
                             "xl/workbook.xml")
        if workbook_part not in zf.namelist():
            raise XlmodelError("path", text, "an .xlsx or .xlsm workbook", detail="no workbook part")
        try:
            wb = _xml(zf, workbook_part)
        except ET.ParseError as exc:
            raise XlmodelError("path", text, "a well-formed .xlsx workbook",
                               detail=f"{workbook_part}: {exc}") from None
        rels = _rels(zf, workbook_part)
        strings = _shared_strings(zf, next((p for kind, p in rels.values() if kind == "sharedStrings"), None))
        book = LoadedBook(text, [], {})
        for el in wb.iter():
            tag = _local(el.tag)
            if tag == "calcPr":
                book.calc_mode = el.get("calcMode", "auto")
                book.iterate = el.get("iterate", "0").lower() in ("1", "true")
            elif tag == "definedName" and el.text:
                local = el.get("localSheetId")
                book.names[(el.get("name", "").upper(), int(local) if local is not None else None)] = el.text
        sheet_elements = [el for el in wb.iter() if _local(el.tag) == "sheet"]
        form_ids: dict[str, int] = {}
        for index, el in enumerate(sheet_elements):
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id") or k == "id"), None)
            kind, part = rels.get(rid or "", ("", ""))
            sheet = Sheet(el.get("name", f"Sheet{index + 1}"), index)
            book.sheets.append(sheet)
            if kind == "worksheet" and part in zf.namelist():
                _read_sheet(zf, part, sheet, strings, book, form_ids)
    return book


def _read_sheet(zf: zipfile.ZipFile, part: str, sheet: Sheet, strings: list[str], book: LoadedBook,
                form_ids: dict[str, int]) -> None:
    data = _read_part(zf, part)
    _refuse_dtd(data, f"{zf.filename}:{part}")
    store = _CellStore(sheet, strings, book, form_ids)
    try:
        canonical = _parse_canonical(data, store)
    except (ValueError, IndexError, UnicodeDecodeError):
        canonical = False  # something the fast path does not expect: let the parser judge
    if not canonical:
        store = _CellStore(sheet, strings, book, form_ids)
        try:
            _parse_xml(data, store)
        except (ET.ParseError, ValueError, IndexError) as exc:
            raise XlmodelError("path", zf.filename, "a well-formed .xlsx workbook",
                               detail=f"{part}: {exc}") from None
    store.finish()


class _CellStore:
    """Collects one sheet's cells from either parser into :class:`Sheet`."""

    def __init__(self, sheet: Sheet, strings: list[str], book: LoadedBook, form_ids: dict[str, int]) -> None:
        self.sheet, self.strings, self.book, self.form_ids = sheet, strings, book, form_ids
        sheet.values.clear()
        sheet.formulas.clear()
        sheet.shared.clear()
        sheet.texts.clear()
        sheet.errors.clear()
        self.f_rows: list[int] = []
        self.f_cols: list[int] = []
        self.f_forms: list[int] = []
        self.shared_master: dict[str, tuple[int, int, int]] = {}   # si → (row, col, form id)
        self.shared_children: list[tuple[int, int, str]] = []

    def add(self, row: int, col: int, kind: str, raw: str | None, inline: str | None,
            ftype: str | None, fsi: str | None, ftext: str | None, has_formula: bool) -> None:
        """One cell: ``raw`` is the ``<v>`` text, ``inline`` an inline string's text."""
        value: Any = None
        if raw is not None and raw != "":
            if kind == "n":
                value = float(raw)
            elif kind == "s":
                value = self.strings[int(raw)]
            elif kind == "b":
                value = raw.strip() in ("1", "true")
            elif kind == "e":
                value = ExcelError(raw)
                self.sheet.errors.append((row, col))
            else:  # str (a formula's text result), d (an ISO date)
                value = _unescape(raw)
        elif inline is not None:
            value = _unescape(inline)
        elif raw == "" and kind == "str":
            value = ""
        if value is not None:
            self.sheet.values[(row, col)] = value
        if not has_formula:
            if kind in ("s", "inlineStr") and value:
                self.sheet.texts.append((row, col, value))
            return
        if ftype == "shared" and not ftext:
            self.shared_children.append((row, col, fsi or ""))
            return
        if not ftext or ftype == "dataTable":
            return
        formula = "=" + _unescape(ftext)
        self.sheet.formulas[(row, col)] = formula
        key = form_key(formula, row, col)
        fid = self.form_ids.get(key)
        if fid is None:
            fid = self.form_ids[key] = len(self.book.forms)
            self.book.forms.append(key)
            self.book.examples.append((self.sheet.index, row, col))
        if ftype == "shared":
            self.shared_master[fsi or ""] = (row, col, fid)
        self.f_rows.append(row)
        self.f_cols.append(col)
        self.f_forms.append(fid)

    def finish(self) -> None:
        for row, col, si in self.shared_children:  # a child has its master's R1C1 form by definition
            master = self.shared_master.get(si)
            if master is None:
                continue
            self.sheet.shared[(row, col)] = master[:2]
            self.f_rows.append(row)
            self.f_cols.append(col)
            self.f_forms.append(master[2])
        self.sheet.f_rows = np.asarray(self.f_rows, dtype=np.int64)
        self.sheet.f_cols = np.asarray(self.f_cols, dtype=np.int64)
        self.sheet.f_forms = np.asarray(self.f_forms, dtype=np.int64)


# The canonical serialisation Excel, LibreOffice and openpyxl write: unprefixed elements,
# ``r`` first, double-quoted attributes, children <f>, <v>, <is> in that order.  Matched in
# one C-level pass; the cell count is verified against the number of ``<c`` tags, and any
# file that does not fit (prefixes, comments, CDATA, other encodings, extra children) goes
# through the XML parser instead.
_CANON_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*?)(?:/>|>'
    rb'(?:(<f)([^>]*?)(?:/>|>([^<]*)</f>))?'
    rb'(?:<v>([^<]*)</v>|<v\s*/>)?'
    rb'(?:<is>(.*?)</is>)?</c>)', re.S)
_ATTR_T = re.compile(rb'\st="(\w+)"')
_BYTES_COLUMNS: dict[bytes, int] = {}
_ATTR_SI = re.compile(rb'\ssi="([^"]*)"')
_INLINE_T = re.compile(rb'<t(?:\s[^>]*)?>([^<]*)</t>')


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _parse_canonical(data: bytes, store: _CellStore) -> bool:
    """Fill ``store`` from canonical sheet XML; False (nothing trusted) when the file does not fit."""
    head = data[:200]
    if (b"<sheetData" not in data or b"<!--" in data or b"<![CDATA[" in data
            or (b"encoding=" in head and not re.search(rb'encoding="utf-?8"', head, re.I))):
        return False
    cells = _CANON_CELL.findall(data)
    if len(cells) != data.count(b"<c ") or b"<c>" in data or b"<c/>" in data:
        return False
    add, values, cols = store.add, store.sheet.values, _BYTES_COLUMNS
    for letters, digits, attrs, f_tag, f_attrs, f_text, v, inline in cells:
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = _col_index(letters.decode())
        kind = "n"
        at = attrs.find(b' t="')
        if at >= 0:
            kind = attrs[at + 4:attrs.index(b'"', at + 4)].decode()
        if not f_tag and kind == "n":  # the common case: a number typed in
            if v:
                values[(int(digits), col)] = float(v)
            continue
        ftype = fsi = None
        if f_tag and b"t=" in f_attrs:
            m = _ATTR_T.search(f_attrs)
            ftype = m.group(1).decode() if m else None
            m = _ATTR_SI.search(f_attrs)
            fsi = m.group(1).decode() if m else None
        add(int(digits), col, kind,
            _xml_text(v) if v else None,
            "".join(_xml_text(t) for t in _INLINE_T.findall(inline)) if inline else None,
            ftype, fsi, _xml_text(f_text) if f_text else None, bool(f_tag))
    return True


def _parse_xml(data: bytes, store: _CellStore) -> None:
    """Any well-formed sheet XML, streamed row by row with ElementTree."""
    row_tags = {f"{{{ns}}}row" for ns in _SPREADSHEET_NS} | {"row"}
    ns = None
    C = F = V = IS = T = ""
    row_no = 0
    digits = "0123456789"
    for _, el in ET.iterparse(io.BytesIO(data), events=("end",)):
        tag = el.tag
        if tag not in row_tags:
            continue
        if ns != tag[:-3]:
            ns = tag[:-3]
            C, F, V, IS, T = (ns + t for t in ("c", "f", "v", "is", "t"))
        number = el.get("r")
        row_no = int(number) if number is not None else row_no + 1
        col = 0
        for c in el:
            if c.tag != C:
                continue
            ref = c.get("r")
            if ref is not None:
                letters = ref.rstrip(digits)
                row, col = int(ref[len(letters):]), _col_index(letters)
            else:  # r is optional: the next column of this row
                row, col = row_no, col + 1
            f_el = v_el = is_el = None
            for child in c:
                if child.tag == V:
                    v_el = child
                elif child.tag == F:
                    f_el = child
                elif child.tag == IS:
                    is_el = child
            inline = None if is_el is None else "".join(t.text or "" for t in is_el.iter() if t.tag == T)
            store.add(row, col, c.get("t", "n"), None if v_el is None else (v_el.text or ""), inline,
                      None if f_el is None else f_el.get("t"), None if f_el is None else f_el.get("si"),
                      None if f_el is None else f_el.text, f_el is not None)
        el.clear()


# ------------------------------------------------------------------------------- helpers ----
def regions(rows: np.ndarray, cols: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Cover cells with rectangles (r1, c1, r2, c2): vertical runs, then runs of equal height
    side by side merged.  ``C2..C99`` → one block; scattered cells → one block each.

    >>> regions(np.array([2, 3, 4, 2, 3, 4, 9]), np.array([3, 3, 3, 4, 4, 4, 3]))
    [(2, 3, 4, 4), (9, 3, 9, 3)]
    """
    if not len(rows):
        return []
    order = np.lexsort((rows, cols))
    r, c = rows[order], cols[order]
    brk = np.flatnonzero((np.diff(c) != 0) | (np.diff(r) != 1)) + 1
    starts, ends = np.r_[0, brk], np.r_[brk, len(r)] - 1
    runs = sorted(zip(r[starts].tolist(), r[ends].tolist(), c[starts].tolist(), strict=True))
    out: list[tuple[int, int, int, int]] = []
    for r1, r2, col in runs:  # sorted by (r1, r2, col): mergeable runs are adjacent
        if out and out[-1][0] == r1 and out[-1][2] == r2 and out[-1][3] == col - 1:
            out[-1] = (r1, out[-1][1], r2, col)
        else:
            out.append((r1, col, r2, col))
    return sorted(out, key=lambda q: (q[0], q[1]))


def _in_block(rows: np.ndarray, cols: np.ndarray, q: tuple[int, int, int, int]) -> np.ndarray:
    return (rows >= q[0]) & (rows <= q[2]) & (cols >= q[1]) & (cols <= q[3])


def _fmt(value: float) -> str:
    """A number for a message, Danish notation, up to 10 significant digits: ``1.234,5``."""
    if not isinstance(value, float):
        return str(value)
    return f"{value:,.10g}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _ref_text(ref: Ref, row: int, col: int) -> str:
    """The reference as it reads from the cell (row, col)."""
    r1, c1, r2, c2 = (int(x[0]) for x in ref.resolve(np.array([row]), np.array([col])))
    return sheet_prefix(ref.sheet) + block(r1, c1, r2, c2)


def sheet_prefix(name: str | None) -> str:
    """``"Ark1!"``, ``"'Mit ark'!"``, or ``""`` for None."""
    if name is None:
        return ""
    return f"'{name.replace(chr(39), chr(39) * 2)}'!" if re.search(r"\W", name) else f"{name}!"


# -------------------------------------------------------------------------------- checks ----
def hardcoded_numbers(book: LoadedBook, params: Any = None, *,
                      allowed: frozenset[float] = ALLOWED_NUMBERS) -> list[Finding]:
    """``hardcoded_number`` (warning): numeric literals typed into formulas.

    Numbers in :data:`ALLOWED_NUMBERS` and in conventionally constant arguments
    (:data:`CONSTANT_ARGUMENTS`) are not reported; numbers that are part of references
    (``B2``, ``1:3``) are not literals at all.  One finding per block of cells with the same
    formula pattern (a column of ``=B2*1.013`` … ``=B9*1.02`` is one block listing its rates).
    """
    out = []
    for sheet, first, rows, cols, forms in book.skeleton_groups():
        shared = book.structure(first).numbers
        # positions that are not conventional constants, then per form the values there
        candidates = [k for k, n in enumerate(shared)
                      if n.argument not in CONSTANT_ARGUMENTS.get(n.function or "", frozenset())]
        if not candidates:
            continue
        trusted = book.shares_analysis(first)
        flagged: dict[int, tuple[int, ...]] = {}  # form → positions of the numbers to report
        for form in np.unique(forms).tolist():
            if not trusted:  # a form analysed on its own (then alone in its group)
                flagged[form] = tuple(k for k in candidates if abs(shared[k].value) not in allowed)
                continue
            texts = book.form_numbers(form)
            flagged[form] = tuple(k for k in candidates
                                  if abs(float(texts[k]) / (100 if shared[k].percent else 1)) not in allowed)
        batches: dict[tuple[int, ...], list[int]] = {}
        for form, positions in flagged.items():
            if positions:
                batches.setdefault(positions, []).append(form)
        for positions, members in batches.items():
            mask = np.isin(forms, members)
            for q in regions(rows[mask], cols[mask]):
                inside = mask & _in_block(rows, cols, q)
                values: dict[str, float] = {}
                for form in np.unique(forms[inside]).tolist():
                    texts = book.form_numbers(form) if trusted else [n.text for n in shared]
                    for k in positions:
                        pct = shared[k].percent
                        values.setdefault(texts[k] + ("%" if pct else ""),
                                          float(texts[k]) / (100 if pct else 1))
                shown = ", ".join(list(values)[:6])
                if len(values) > 6:
                    shown += f" … ({format_tal(len(values), 0)} forskellige)"
                single = len(values) == 1
                out.append(Finding(
                    "hardcoded_number", "warning", sheet.name, block(*q),
                    f"{'et fast tal' if single else 'faste tal'} {shown} i formlen: læg "
                    f"{'det' if single else 'dem'} i en navngivet inputcelle (fx i Parametre-arket), "
                    "og henvis til den",
                    actual=next(iter(values.values())) if single else shown,
                    formula=sheet.formula(q[0], q[1])))
    return sorted(out, key=lambda f: (book.sheetnames.index(f.sheet or ""),
                                      split_cell((f.cell or "A1").split(":")[0])))


def _calls_lookup(key: str) -> bool:
    key = key.upper()
    return "LOOKUP(" in key or "MATCH(" in key


def approximate_lookups(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``approximate_lookup`` (warning): VLOOKUP/HLOOKUP/MATCH left on approximate match.

    VLOOKUP/HLOOKUP need a 4th argument FALSE or 0, MATCH a 3rd argument 0; a missing argument
    or TRUE/1/-1 means "the largest value ≤ the key in a sorted list", which silently returns
    a wrong row when the list is not sorted or the key is missing.  An argument that is a
    reference or an expression cannot be judged from the file and is not reported.
    """
    out = []
    for sheet, form, rows, cols in book.groups(_calls_lookup):
        info = book.analysis(form)
        bad = []
        for call in info.calls:
            position = {"VLOOKUP": 4, "HLOOKUP": 4, "MATCH": 3}.get(call.function)
            if position is None:
                continue
            if len(call.arguments) < position:
                bad.append(f"{call.function} uden sit {'4.' if position == 4 else '3.'} argument "
                           "(så bruges omtrentligt match)")
                continue
            arg = [t for t in call.arguments[position - 1] if t.type != Token.WSPACE]
            if not arg:
                continue  # VLOOKUP(k,t,2,) : an empty argument is 0, exact match
            literal = _literal(arg)
            if literal is not None and literal != 0:
                shown = "".join(t.value for t in arg)
                bad.append(f"{call.function} med match-argumentet {shown} (omtrentligt match)")
        if not bad:
            continue
        for q in regions(rows, cols):
            out.append(Finding(
                "approximate_lookup", "warning", sheet.name, block(*q),
                "; ".join(dict.fromkeys(bad)) + ": brug eksakt match (FALSE eller 0), medmindre "
                "opslagskolonnen er sorteret, og det nærmeste lavere match er meningen",
                formula=sheet.formula(q[0], q[1])))
    return out


def _literal(tokens: list[Token]) -> float | None:
    """The value of an argument that is a constant: a number, TRUE/FALSE (also written as the
    functions TRUE()/FALSE(), as LibreOffice saves them), with an optional sign; else None."""
    sign = 1.0
    if tokens and tokens[0].type == Token.OP_PRE:
        sign = -1.0 if tokens[0].value == "-" else 1.0
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0].type == Token.OPERAND:
        tok = tokens[0]
        if tok.subtype == Token.LOGICAL:
            return 1.0 if tok.value.upper() == "TRUE" else 0.0
        if tok.subtype == Token.NUMBER:
            try:
                return sign * float(tok.value)
            except ValueError:
                return None
    if (len(tokens) == 2 and tokens[0].type == Token.FUNC and tokens[1].type == Token.FUNC
            and tokens[0].value.upper() in ("TRUE(", "FALSE(")):
        return 1.0 if tokens[0].value.upper() == "TRUE(" else 0.0
    return None


def manual_calculation(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``manual_calculation`` (warning): the workbook does not recalculate by itself, so the
    numbers it shows may not follow from its formulas."""
    if book.calc_mode != "manual":
        return []
    return [Finding("manual_calculation", "warning", None, None,
                    "projektmappen er sat til manuel beregning (calcMode=\"manual\"): de viste værdier kan "
                    "være forældede; vælg Formler → Beregningsindstillinger → Automatisk",
                    expected="auto", actual="manual")]


def uncalculated(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``uncalculated`` (info): formulas carry no cached values, so error values, footing and
    recomputation cannot be compared until the file is calculated (opened and saved in Excel
    or LibreOffice)."""
    if book.formula_count == 0 or book.has_cached_values:
        return []
    return [Finding("uncalculated", "info", None, None,
                    f"ingen af de {format_tal(book.formula_count, 0)} formler har en gemt værdi "
                    "(filen er skrevet af et program, der ikke beregner): kontrollerne af værdier er "
                    "sprunget over")]


def _target_sheet(book: LoadedBook, sheet: Sheet, ref: Ref) -> Sheet | None:
    if ref.external:
        return None
    return book.find_sheet(ref.sheet, default=sheet)


def _ref_uses(book: LoadedBook, sheet: Sheet, info: FormInfo) -> list[RefUse]:
    """The form's references plus the defined names that stand for fixed places."""
    uses = list(info.refs)
    for name, function, argument in info.names:
        ref = book.name_ref(name, sheet)
        if ref is not None:
            uses.append(RefUse(ref, function, argument, name))
    return uses


def empty_references(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``empty_reference`` (warning): a formula refers to an empty cell, or to a range that
    is empty in full.  A blank usually reads as 0, hiding a missing input.  References inside
    functions that test or locate cells (:data:`EMPTY_OK_FUNCTIONS`), and other uses of a
    reference so tested in the same formula, are not reported."""
    out = []
    for sheet, form, rows, cols, _ in book.skeleton_groups():
        uses = _ref_uses(book, sheet, book.structure(form))
        # a reference tested by ISBLANK & co. is guarded everywhere in the formula:
        # =IF(ISBLANK(A3),0,A3) is fine
        guarded = {use.ref for use in uses if use.function in EMPTY_OK_FUNCTIONS}
        for use in uses:
            if use.ref in guarded:
                continue
            target = _target_sheet(book, sheet, use.ref)
            if target is None:
                continue
            r1, c1, r2, c2 = use.ref.resolve(rows, cols)
            valid = (r1 >= 1) & (c1 >= 1) & (r2 <= MAX_ROW) & (c2 <= MAX_COL)
            if use.ref.single:
                empty = valid & ~target.occupied.contains(r1, c1)
            else:
                empty = valid & (target.occupied.count(r1, c1, r2, c2) == 0)
            if not empty.any():
                continue
            er, ec = rows[empty], cols[empty]
            for q in regions(er, ec):
                what = _ref_text(use.ref, q[0], q[1])
                n = int(_in_block(er, ec, q).sum())
                noun, nouns = ("celle", "celler") if use.ref.single else ("område", "områder")
                msg = (f"henviser til {'den tomme' if use.ref.single else 'det tomme'} {noun} {what}"
                       if n == 1 else
                       f"disse {format_tal(n, 0)} formler henviser til tomme {nouns} ({what} fra "
                       f"{a1(q[0], q[1])} og videre)")
                if use.name:
                    msg += f" gennem navnet {use.name}"
                out.append(Finding("empty_reference", "warning", sheet.name, block(*q),
                                   msg + ": en tom celle tæller som 0", actual=what,
                                   formula=sheet.formula(q[0], q[1])))
    return out


def error_values(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``error_value``: cached Excel errors and ``#REF!`` written into formulas.

    ``error`` for a cell whose error starts there; ``info`` for a formula whose error only
    comes from an error value in a cell it refers to (it disappears when the source is fixed).
    """
    out = []
    for sheet in book.sheets:
        forms = np.unique(sheet.f_forms).tolist()
        ref_forms = {f for f in forms if book.structure(f).ref_error}
        if not sheet.errors and not ref_forms and not any(t.strip().upper() in EXCEL_ERRORS
                                                           for _, _, t in sheet.texts):
            continue
        has_error = sheet.error_grid.contains(sheet.f_rows, sheet.f_cols)
        written = np.isin(sheet.f_forms, list(ref_forms))
        inherited = np.zeros(len(sheet.f_rows), bool)
        for form in np.unique(sheet.f_forms[has_error & ~written]).tolist():
            idx = np.flatnonzero((sheet.f_forms == form) & has_error)
            inherited[idx] = _inherits_error(book, sheet, form, sheet.f_rows[idx], sheet.f_cols[idx])
        cells: dict[tuple[str, str, int], list[tuple[int, int]]] = {}  # (kind, error, form) → cells
        for i in np.flatnonzero(has_error | written).tolist():
            row, col = int(sheet.f_rows[i]), int(sheet.f_cols[i])
            value = sheet.values.get((row, col))
            error = str(value) if isinstance(value, ExcelError) else ""
            kind = "written" if written[i] else "inherited" if inherited[i] else "source"
            cells.setdefault((kind, error, int(sheet.f_forms[i])), []).append((row, col))
        for row, col in sheet.errors:  # error values typed in as constants
            if not sheet.is_formula(row, col):
                cells.setdefault(("typed", str(sheet.values[(row, col)]), -1), []).append((row, col))
        for row, col, text in sheet.texts:  # an error pasted as text ("#DIV/0!" from a report)
            if text.strip().upper() in EXCEL_ERRORS:
                cells.setdefault(("typed", text.strip(), -2), []).append((row, col))
        for (kind, error, _), where in cells.items():
            rows = np.array([w[0] for w in where])
            cols = np.array([w[1] for w in where])
            for q in regions(rows, cols):
                sev = "info" if kind == "inherited" else "error"
                if kind == "written":
                    msg = "formlen henviser til en slettet celle eller et slettet område (#REF! i formlen)"
                    msg += f"; dens gemte værdi er {error}" if error else ""
                elif kind == "inherited":
                    msg = f"den gemte værdi er {error}, som kommer fra en fejl i en celle, den henviser til"
                else:
                    msg = f"den gemte værdi er {error}"
                    msg += " (en fejlværdi, der er skrevet ind)" if kind == "typed" else ""
                out.append(Finding("error_value", sev, sheet.name, block(*q), msg,
                                   actual=error or "#REF!", formula=sheet.formula(q[0], q[1])))
    return out


def _inherits_error(book: LoadedBook, sheet: Sheet, form: int, rows: np.ndarray, cols: np.ndarray,
                    ) -> np.ndarray:
    """For formula cells of one form: does any cell they refer to hold an error value?"""
    found = np.zeros(len(rows), bool)
    for use in _ref_uses(book, sheet, book.structure(form)):
        target = _target_sheet(book, sheet, use.ref)
        if target is None or not target.errors:
            continue
        r1, c1, r2, c2 = use.ref.resolve(rows, cols)
        found |= target.error_grid.count(r1, c1, r2, c2) > 0
    return found


# Numbers typed as text: English "1234.5", "1,234.5"; Danish "1.234,5", "1234,5"; space as
# thousands separator "1 234,5"; optional sign and trailing %.
_NUMBER_TEXT = re.compile(r"""^[+-]?(
      \d{1,3}(?:,\d{3})+(?:\.\d+)?       # 1,234.5
    | \d{1,3}(?:\.\d{3})+(?:,\d+)?       # 1.234,5
    | \d{1,3}(?:[ \u00a0]\d{3})+(?:[.,]\d+)?   # 1 234,5
    | \d+(?:[.,]\d+)?                    # 1234.5 / 1234,5 / 1234
    | [.,]\d+                            # .5
)\s*%?$""", re.X)


def number_from_text(text: str) -> float | None:
    """The number a text reads as, or None.  Codes with a leading zero (``"0101"``, a
    kommunekode or an account number) and empty text are not numbers.

    >>> number_from_text("1.234,5"), number_from_text("1234.5"), number_from_text(" 18071 ")
    (1234.5, 1234.5, 18071.0)
    >>> number_from_text("0101"), number_from_text("Serviceudgifter"), number_from_text("12%")
    (None, None, 0.12)
    """
    s = text.strip().replace("\u00a0", " ")
    if not s or not _NUMBER_TEXT.match(s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    pct = 0.01 if s.endswith("%") else 1.0
    body = s.lstrip("+-").rstrip("% ").replace(" ", "")
    if len(body) > 1 and body[0] == "0" and body[1].isdigit():
        return None  # leading zero: a code, not an amount
    # Both separators: the last is the decimal one.  One kind used more than once: thousands.
    # One separator used once is read as the decimal one ("1,5" and "1.5" are 1.5).
    if "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        body = body.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif body.count(",") > 1 or body.count(".") > 1:
        body = body.replace(",", "").replace(".", "")
    else:
        body = body.replace(",", ".")
    return sign * float(body) * pct


def _is_float(value: Any) -> bool:
    return isinstance(value, float)


def numbers_as_text(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``number_as_text``: text cells that read as numbers (SUM skips them, + errors on some).

    ``warning`` when the text sits among real numbers (one right above or below it, or one on
    each side in its row: a value that should count), or carries a decimal/thousands
    separator; ``info`` for a bare whole number among text (often a code such as a
    postnummer).  Not reported: codes with a leading zero (``"0101"``), and years 1900–2100
    at the top of a column (a header written as text)."""
    out = []
    for sheet in book.sheets:
        for row, col, text in sheet.texts:
            number = number_from_text(text)
            if number is None:
                continue
            bare = re.fullmatch(r"\s*[+-]?\d+\s*", text) is not None
            above = sheet.values.get((row - 1, col))
            if bare and 1900 <= number <= 2100 and (above is None or isinstance(above, str)):
                continue  # a year written as a header
            v = sheet.values
            # among numbers: a number above or below it, or numbers on both sides in its row
            among_numbers = (_is_float(v.get((row - 1, col))) or _is_float(v.get((row + 1, col)))
                             or (_is_float(v.get((row, col - 1))) and _is_float(v.get((row, col + 1)))))
            severity = "warning" if among_numbers or not bare else "info"
            out.append(Finding(
                "number_as_text", severity, sheet.name, a1(row, col),
                f"teksten {text!r} læses som tallet {_fmt(number)}: SUM og andre funktioner springer "
                "tekst over, så den tæller ikke med; skriv den ind som et tal",
                expected=number, actual=text))
    return out


def _formula_keys(book: LoadedBook) -> np.ndarray:
    """Global keys (sheet, row, col) of all formula cells, sorted."""
    parts = [s.index * (MAX_ROW + 1) * (MAX_COL + 1) + s.f_rows * (MAX_COL + 1) + s.f_cols
             for s in book.sheets]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def circular_references(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``circular_reference``: every cycle of formula cells (a strongly connected component
    with more than one cell, or a cell referring to itself), reported once with its cells.

    Ranges count: a formula referring to a range depends on every formula cell in it.  Cells
    that cannot be on a cycle are peeled off first (Kahn's algorithm); Tarjan's algorithm finds
    the cycles among the rest.  ``error``, or ``warning`` when iterative calculation is on.
    """
    per_sheet = (MAX_ROW + 1) * (MAX_COL + 1)
    keys = _formula_keys(book)
    n = len(keys)
    if n == 0:
        return []
    src_parts: list[np.ndarray] = []
    dst_parts: list[np.ndarray] = []
    ranges: dict[tuple[int, int, int, int, int], int] = {}  # rectangle → range node id (≥ n)
    trees: dict[tuple[int, int], _SegmentTree] = {}           # (sheet, column) → tree over its formulas
    next_id = n
    edges = 0
    skipped = 0
    for sheet, form, rows, cols, _ in book.skeleton_groups():
        src = np.searchsorted(keys, sheet.index * per_sheet + rows * (MAX_COL + 1) + cols)
        for use in _ref_uses(book, sheet, book.structure(form)):
            target = _target_sheet(book, sheet, use.ref)
            if target is None or not len(target.f_rows):
                continue
            r1, c1, r2, c2 = use.ref.resolve(rows, cols)
            base = target.index * per_sheet
            grid = target.formula_grid
            if use.ref.single:
                hit = grid.contains(r1, c1)
                if hit.any():
                    src_parts.append(src[hit])
                    dst_parts.append(np.searchsorted(keys, base + r1[hit] * (MAX_COL + 1) + c1[hit]))
                continue
            counts = grid.count(r1, c1, r2, c2)
            hit = np.flatnonzero(counts > 0)
            if not len(hit):
                continue
            height, width = r2 - r1, c2 - c1
            fixed = bool((height == height[0]).all() and (width == width[0]).all())
            same = fixed and bool((r1 == r1[0]).all() and (c1 == c1[0]).all())
            if fixed and not same and (height[0] + 1) * (width[0] + 1) <= 256:
                # a relative range of fixed size (=SUM(B2:B7) copied along a row): expand
                # it into direct cell-to-cell edges for all cells at once
                for dr in range(int(height[0]) + 1):
                    for dc in range(int(width[0]) + 1):
                        tr, tc = r1[hit] + dr, c1[hit] + dc
                        inner = grid.contains(tr, tc)
                        if inner.any():
                            src_parts.append(src[hit][inner])
                            dst_parts.append(np.searchsorted(keys, base + tr[inner] * (MAX_COL + 1)
                                                             + tc[inner]))
                continue
            for i in (hit[:1] if same else hit).tolist():  # an absolute range: one node for all
                rect = (target.index, int(r1[i]), int(c1[i]), int(r2[i]), int(c2[i]))
                node = ranges.get(rect)
                if node is None:
                    if edges > CYCLE_EDGE_BUDGET:
                        skipped += 1
                        continue
                    node = ranges[rect] = next_id
                    next_id += 1
                    if counts[i] <= 64:  # small: straight to its formula cells
                        targets = np.searchsorted(keys, base + grid.inside(*rect[1:]))
                    else:  # large (a running total): O(log n) segment-tree nodes per column
                        parts = []
                        for col in grid.columns_between(rect[2], rect[4]):
                            tree = trees.get((target.index, col))
                            if tree is None:
                                col_keys = grid.column_keys(col)
                                tree = trees[(target.index, col)] = _SegmentTree(
                                    col_keys // (MAX_COL + 1), np.searchsorted(keys, base + col_keys),
                                    next_id)
                                next_id = tree.next_id
                                src_parts.append(tree.src)
                                dst_parts.append(tree.dst)
                                edges += len(tree.src)
                            parts.append(tree.cover(rect[1], rect[3]))
                        targets = np.concatenate(parts) if parts else np.empty(0, np.int64)
                    src_parts.append(np.full(len(targets), node, np.int64))
                    dst_parts.append(targets)
                    edges += len(targets)
                chosen = hit if same else np.array([i])
                src_parts.append(src[chosen])
                dst_parts.append(np.full(len(chosen), node, np.int64))
    src = np.concatenate(src_parts).astype(np.int64) if src_parts else np.empty(0, np.int64)
    dst = np.concatenate(dst_parts).astype(np.int64) if dst_parts else np.empty(0, np.int64)
    cycles = _cycles(next_id, src, dst)
    out = []
    sheet_of = {s.index: s for s in book.sheets}
    severity = "warning" if book.iterate else "error"
    for members in cycles:
        cells = sorted(int(keys[m]) for m in members if m < n)
        if not cells:
            continue
        places = [(c // per_sheet, (c % per_sheet) // (MAX_COL + 1), c % (MAX_COL + 1)) for c in cells]
        first = sheet_of[places[0][0]]
        names = [(a1(r, c) if si == first.index else f"{sheet_prefix(sheet_of[si].name)}{a1(r, c)}")
                 for si, r, c in places]
        more = f" og {format_tal(len(names) - 20, 0)} til" if len(names) > 20 else ""
        shown = ", ".join(names[:20]) + more
        msg = (f"cirkulær reference gennem {format_tal(len(names), 0)} "
               f"{'celler' if len(names) > 1 else 'celle'}: {shown}")
        if book.iterate:
            msg += " (iterativ beregning er slået til, så Excel advarer ikke: tjek, at det er meningen)"
        out.append(Finding("circular_reference", severity, first.name, a1(*places[0][1:]), msg,
                           actual=", ".join(names), formula=first.formula(*places[0][1:])))
    if skipped:
        out.append(Finding("circular_reference", "info", None, None,
                           f"{format_tal(skipped, 0)} områdereference(r) er ikke fulgt "
                           f"(afhængighedsgrafen nåede {format_tal(CYCLE_EDGE_BUDGET, 0)} kanter): "
                           "kredsløb gennem dem kan være overset"))
    return out


class _SegmentTree:
    """A segment tree over one column's formula cells (sorted by row), as graph nodes.

    A range over many formula cells of the column depends on the O(log n) tree nodes covering
    it instead of on each cell, so nested ranges (running totals) stay small: an internal
    node depends on its two children, a leaf is the formula cell itself.
    """

    def __init__(self, rows: np.ndarray, cells: np.ndarray, next_id: int) -> None:
        m = len(rows)
        size = 1 << max(0, (m - 1).bit_length())
        node = np.full(2 * size, -1, np.int64)
        node[size:size + m] = cells
        src, dst = [], []
        width = size // 2
        while width >= 1:  # one level at a time, bottom up
            idx = np.arange(width, 2 * width)
            left, right = node[2 * idx], node[2 * idx + 1]
            live = (left >= 0) | (right >= 0)
            ids = next_id + np.arange(int(live.sum()))
            next_id += len(ids)
            node[idx[live]] = ids
            for child in (left, right):
                keep = live & (child >= 0)
                src.append(node[idx[keep]])
                dst.append(child[keep])
            width //= 2
        self.rows, self.node, self.size, self.next_id = rows, node, size, next_id
        self.src = np.concatenate(src) if src else np.empty(0, np.int64)
        self.dst = np.concatenate(dst) if dst else np.empty(0, np.int64)

    def cover(self, r1: int, r2: int) -> np.ndarray:
        """Tree nodes covering exactly the cells with row in [r1, r2]."""
        lo = int(np.searchsorted(self.rows, r1, "left")) + self.size
        hi = int(np.searchsorted(self.rows, r2, "right")) + self.size
        out = []
        while lo < hi:
            if lo & 1:
                out.append(self.node[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                out.append(self.node[hi])
            lo >>= 1
            hi >>= 1
        found = np.array(out, np.int64)
        return found[found >= 0]


def _cycles(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    """Strongly connected components that are cycles, for the graph src → dst (depends on)."""
    if not len(src):
        return []
    pairs = np.unique(src * n + dst)
    src, dst = pairs // n, pairs % n
    self_loops = set(src[src == dst].tolist())
    # Peel: a node whose precedents are all peeled cannot be on a cycle (Kahn's algorithm).
    outdeg = np.bincount(src, minlength=n)
    order = np.argsort(dst, kind="stable")
    rev_src = src[order].tolist()
    rev_ptr = np.searchsorted(dst[order], np.arange(n + 1)).tolist()
    deg = outdeg.tolist()
    stack = np.flatnonzero(outdeg == 0).tolist()
    while stack:
        node = stack.pop()
        for dep in rev_src[rev_ptr[node]:rev_ptr[node + 1]]:
            deg[dep] -= 1
            if deg[dep] == 0:
                stack.append(dep)
    alive = np.array(deg) > 0
    if not alive.any():
        return []
    keep = alive[src] & alive[dst]
    s, d = src[keep].tolist(), dst[keep].tolist()
    adjacency: dict[int, list[int]] = {}
    for a, b in zip(s, d, strict=True):
        adjacency.setdefault(a, []).append(b)
    return [comp for comp in _tarjan(adjacency) if len(comp) > 1 or comp[0] in self_loops]


def _tarjan(adjacency: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iterative (no recursion limit)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = adjacency.get(node, [])
            advanced = False
            while i < len(successors):
                nxt = successors[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def inconsistent_formulas(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``inconsistent_formula``: a formula whose R1C1 form differs from the majority form of
    its run (≥ 3 adjacent formula cells in a row or a column, more than half sharing a form).

    Not reported: a cell whose range reference covers the run cell next to it (a subtotal or
    total over its neighbours), and a cell that agrees with the majority of its run in the
    other direction (a row of subtotals crossing a column of line formulas).  ``warning``
    inside the run; ``info`` at either end, where a first year or a total is often
    deliberately different.
    """
    out = []
    for sheet in book.sheets:
        if len(sheet.f_rows) < 3:
            continue
        rows, cols, forms = sheet.f_rows, sheet.f_cols, sheet.f_forms
        runs = {d: _runs(rows, cols, forms, d) for d in ("row", "column")}
        seen: set[int] = set()
        for direction, other in (("row", "column"), ("column", "row")):
            major, position, length = runs[direction]
            cross = runs[other][0]
            odd = np.flatnonzero((major >= 0) & (major != forms))
            for i in odd.tolist():
                if i in seen:
                    continue
                row, col, form = int(rows[i]), int(cols[i]), int(forms[i])
                if cross[i] == form:
                    continue  # consistent the other way
                step = (0, 1) if direction == "row" else (1, 0)
                neighbours = [(row - step[0], col - step[1]), (row + step[0], col + step[1])]
                if _covers_neighbour(book, sheet, form, row, col, neighbours):
                    continue
                seen.add(i)
                pos, n = int(position[i]), int(length[i])
                interior = 0 < pos < n - 1
                expected = _formula_as(book, int(major[i]), row, col)
                out.append(Finding(
                    "inconsistent_formula", "warning" if interior else "info", sheet.name, a1(row, col),
                    "formlen afviger fra de andre formler i "
                    f"{'rækken' if direction == 'row' else 'kolonnen'} "
                    f"({format_tal(n, 0)} celler; den fælles er {book.r1c1(int(major[i]))} i R1C1-form)"
                    + ("" if interior else f"; den står {'først' if pos == 0 else 'sidst'} i serien"),
                    expected=expected, actual=sheet.formula(row, col), formula=sheet.formula(row, col)))
    return sorted(out, key=lambda f: (book.sheetnames.index(f.sheet), split_cell(f.cell or "A1")))


def _formula_as(book: LoadedBook, form: int, row: int, col: int) -> str:
    """The A1 formula that R1C1 ``form`` would be in cell (row, col)."""
    ex_sheet, ex_row, ex_col = book.examples[form]
    example = book.sheets[ex_sheet].formula(ex_row, ex_col) or ""
    try:
        return Translator(example, origin=a1(ex_row, ex_col)).translate_formula(a1(row, col))
    except Exception:  # a formula the Translator cannot move: show the R1C1 form
        return book.r1c1(form)


def _runs(rows: np.ndarray, cols: np.ndarray, forms: np.ndarray, direction: str,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each formula cell (in the input order): the majority form of its run along
    ``direction`` (-1 when the run is shorter than 3 or has no majority), its position in the
    run and the run's length."""
    n = len(rows)
    major, minor = (rows, cols) if direction == "row" else (cols, rows)
    order = np.lexsort((minor, major))
    a, b, f = major[order], minor[order], forms[order]
    brk = np.flatnonzero((np.diff(a) != 0) | (np.diff(b) != 1)) + 1
    starts, ends = np.r_[0, brk], np.r_[brk, n]
    lengths = ends - starts
    run_id = np.repeat(np.arange(len(starts)), lengths)
    # most frequent form per run: count (run, form) pairs, keep the largest count per run
    width = int(forms.max()) + 1
    uniq, counts = np.unique(run_id * width + f, return_counts=True)
    pair_run, pair_form = uniq // width, uniq % width
    pick = np.lexsort((counts, pair_run))
    last = np.r_[np.flatnonzero(np.diff(pair_run[pick])), len(pick) - 1]
    best_form = np.full(len(starts), -1, np.int64)
    best_count = np.zeros(len(starts), np.int64)
    best_form[pair_run[pick][last]] = pair_form[pick][last]
    best_count[pair_run[pick][last]] = counts[pick][last]
    ok = (lengths >= 3) & (best_count * 2 > lengths)
    run_major = np.where(ok, best_form, -1)
    out_major = np.empty(n, np.int64)
    out_pos = np.empty(n, np.int64)
    out_len = np.empty(n, np.int64)
    out_major[order] = run_major[run_id]
    out_pos[order] = np.arange(n) - starts[run_id]
    out_len[order] = lengths[run_id]
    return out_major, out_pos, out_len


def _covers_neighbour(book: LoadedBook, sheet: Sheet, form: int, row: int, col: int,
                      neighbours: list[tuple[int, int]]) -> bool:
    for use in _ref_uses(book, sheet, book.structure(form)):
        if use.ref.single or _target_sheet(book, sheet, use.ref) is not sheet:
            continue
        r1, c1, r2, c2 = (int(x[0]) for x in use.ref.resolve(np.array([row]), np.array([col])))
        if any(r1 <= r <= r2 and c1 <= c <= c2 for r, c in neighbours):
            return True
    return False


LINT_CHECKS = {
    "hardcoded_number": hardcoded_numbers,
    "inconsistent_formula": inconsistent_formulas,
    "error_value": error_values,
    "empty_reference": empty_references,
    "circular_reference": circular_references,
    "number_as_text": numbers_as_text,
    "approximate_lookup": approximate_lookups,
    "manual_calculation": manual_calculation,
    "uncalculated": uncalculated,
}

__all__ = [
    "ALLOWED_NUMBERS", "CONSTANT_ARGUMENTS", "EMPTY_OK_FUNCTIONS", "LINT_CHECKS", "ExcelError",
    "FormInfo", "LoadedBook", "Ref", "Sheet", "a1", "analyse_formula", "block", "covers",
    "load_book", "number_from_text", "parse_ref", "regions", "split_cell", "to_r1c1",
]
