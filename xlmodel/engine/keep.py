"""Never replace a good value with an engine failure.

The headless engine (formualizer) lacks some Excel functions and forms (structured table
references, external links, a few functions), and where it lacks one it answers with an error.
Writing that error over the value Excel computed and cached would destroy a good number: the
refresh would make the workbook worse.  So, after the engine has computed and before anything is
written, :func:`apply` goes over every formula cell:

* the engine's value is an error while the file's cached value is not (or the engine's error
  says the engine could not compute: ``#NAME?``, ``#N/IMPL!``, ``#SPILL!`` over a differently
  cached value): the cell keeps its cached value and is listed as *not recomputed* with the
  reason in Danish (:class:`NotRecomputed`); ``xlmodel refresh`` then exits with status 3
  (see xlmodel/commands/refresh.py);
* the kept values are put into the engine in place of those formulas and the workbook is
  evaluated again, so cells that depend on a kept cell are computed from Excel's value instead
  of inheriting the failure (at most :data:`ROUNDS` rounds);
* a cell whose formula calls a catalogue function is never kept: its error is the function's
  answer (a refused input, with the adapter's message), not an engine failure;
* a cell the engine found in a circular reference (``#CIRC!``, the cell itself or one depending
  on it) in a workbook whose iterative calculation is off keeps its cached value too, but that
  is Excel's own answer, not a failure: Excel does not compute such cells either, they keep
  their last value (Microsoft, "Remove or allow a circular reference"; formulas' circular.xlsx:
  every such cell, ``=B2+1`` on a cycle included, caches its last value 0).  They are named
  in a warning (:func:`circular_warning`), not listed as not recomputed.

Array formulas keep their extent: a legacy (Ctrl+Shift+Enter) array formula covers the range
the user selected, whatever the size of its result; the result is fitted to the range the way
Excel does it (a single value fills the range, a single row or column is repeated, cells beyond
the result get ``#N/A``).  Only a dynamic array formula (an anchor carrying ``cm``, Excel 365's
spill metadata) takes the extent the engine computed, unless that is a single error value (the
engine then failed before it knew the shape: the error fills the formula's range).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from xlmodel.engine import excel_registry
from xlmodel.engine.package import Package
from xlmodel.engine.sheetxml import address, parse_range, range_text
from xlmodel.engine.types import CellError
from xlmodel.ooxml.values import decode_text, xml_escape, xml_unescape

#: Re-evaluations with kept values put in (each one may resolve the cells depending on them).
ROUNDS = 3

#: Engine errors that say the engine could not compute the cell (never an Excel answer as such).
ENGINE_FAILURES = frozenset({"#NAME?", "#N/IMPL!", "#SPILL!", "#CIRC!", "#CALC!"})

_ITERATE = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\biterate\s*=\s*[\"'](?:1|true)[\"']")
_FUNC = re.compile(r"(?<![\w.\"])((?:_xlfn\.|_xlws\.|_xludf\.)?[A-Za-z][\w.]*)\s*\(")
_TABLE_REF = re.compile(r"[A-Za-z_][\w.]*\[")
_EXTERNAL = re.compile(r"\[\d+\]")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_ANY_CALL = re.compile(r"[A-Za-z_][\w.]*\s*\(")


class NotRecomputed(NamedTuple):
    """A formula cell the refresh left at the value Excel cached, and why (Danish)."""

    sheet: str
    cell: str
    reason: str


@dataclass
class _Cached:
    value: Any
    dynamic: bool = False     # the anchor carries cm= (a dynamic array formula)


_WHOLE = re.compile(r"\s*-?\d+\s*")


def cached_value(attrs: str, inner: str, strings: list[str], p: str, *, whole_as_int: bool = False) -> Any:
    """The cached value of a ``<c>`` element from its attributes and content (None when it has none).

    ``p``: the sheet's namespace prefix, regex-escaped.  ``whole_as_int``: a number written
    without a decimal point is an int, as a user's reader (openpyxl) gives it.

    >>> cached_value(' r="A1"', "<v>2014</v>", [], "", whole_as_int=True)
    2014
    >>> cached_value(' t="s"', "<v>0</v>", ["x"], ""), cached_value("", "<v>2014</v>", [], "")
    ('x', 2014.0)
    """
    t = re.search(r'(?:^|\s)t\s*=\s*["\'](\w+)["\']', attrs)
    kind = t.group(1) if t else "n"
    v = re.search(rf"<{p}v\b[^>]*>(.*?)</{p}v>", inner, re.S)
    if kind == "inlineStr":
        return decode_text("".join(re.findall(rf"<{p}t\b[^>]*>(.*?)</{p}t>", inner, re.S))) or None
    if v is None:   # <v/>: Excel's cached empty text
        return "" if kind == "str" and re.search(rf"<{p}v\b[^>]*/>", inner) else None
    text = decode_text(v.group(1)) if kind == "str" else xml_unescape(v.group(1))
    if kind == "s":
        return strings[int(text)] if text.strip().isdigit() and int(text) < len(strings) else None
    if kind in ("str", "d"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return CellError(text.strip())
    if whole_as_int and _WHOLE.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return None


def cached_values(pkg: Package, computed: Any) -> Mapping[tuple[str, int, int], _Cached]:
    """The cached value of every formula cell and array member, from the package as read.

    Decoded on demand (most cells are never asked for: only where the engine gave an error,
    an array formula or a spill); ``key in cached`` says whether the file has that cell.
    """
    return _LazyCached(pkg, computed)


class _LazyCached(Mapping):
    """(sheet, row, col) → :class:`_Cached` for formula cells and array members, decoded when asked."""

    def __init__(self, pkg: Package, computed: Any) -> None:
        self._pkg, self._computed = pkg, computed
        self._strings: list[str] | None = None
        self._xml: dict[str, Any] = {}
        self._members: dict[str, set[tuple[int, int]]] = {}
        self._done: dict[tuple[str, int, int], _Cached | None] = {}
        for ref in pkg.sheets():
            cells = computed.formulas.get(ref.name)
            if not cells:
                continue
            self._xml[ref.name] = computed.sheet_xml(pkg, ref.part)
            members: set[tuple[int, int]] = set()
            for fc in cells:
                if fc.f_type == "array" and fc.ref:
                    r1, c1, r2, c2 = parse_range(fc.ref)
                    members.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
            self._members[ref.name] = members

    def _load(self, key: tuple[str, int, int]) -> _Cached | None:
        if key in self._done:
            return self._done[key]
        sheet, r, c = key
        xml = self._xml.get(sheet)
        found = None
        if xml is not None and (xml.has_formula((r, c)) or (r, c) in self._members[sheet]):
            parts = xml.cell_part((r, c))
            if parts is not None:
                if self._strings is None:
                    self._strings = self._pkg.shared_strings()
                attrs, inner = parts
                dynamic = re.search(r'(?:^|\s)cm\s*=', attrs) is not None
                found = _Cached(cached_value(attrs, inner, self._strings, re.escape(xml.p)), dynamic)
        self._done[key] = found
        return found

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 3:
            return False
        sheet, r, c = key
        xml = self._xml.get(sheet)
        if xml is not None and xml.has_formula((r, c)):
            return True  # a formula cell is in the file by definition: nothing to decode
        return self._load(key) is not None

    def __getitem__(self, key: tuple[str, int, int]) -> _Cached:
        found = self._load(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        for sheet, xml in self._xml.items():
            keys = {(fc.row, fc.col) for fc in xml.formula_cells()} | self._members[sheet]
            for r, c in sorted(keys):
                if (sheet, r, c) in self:
                    yield (sheet, r, c)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _reason(formula: str, code: str, known: Callable[[str], bool]) -> str:
    """Why the engine could not compute ``formula`` (Danish, for the refresh report)."""
    bare = _STRING.sub('""', formula)
    if _EXTERNAL.search(bare):
        return "formlen henviser til en anden projektmappe, som den hovedløse motor ikke kan åbne"
    missing = []
    for m in _FUNC.finditer(bare):
        name = m.group(1)
        plain = re.sub(r"^_xl(?:fn|ws|udf)\.", "", name, flags=re.I).upper()
        if not known(plain) and plain not in missing:
            missing.append(plain)
    if missing:
        return f"{', '.join(missing)} understøttes ikke af den hovedløse motor"
    if _TABLE_REF.search(bare):
        return "tabelreferencer (Tabel[Kolonne]) understøttes ikke af den hovedløse motor"
    if code == "#NAME?":
        return "formlen bruger et navn, som den hovedløse motor ikke kan slå op"
    if code == "#SPILL!":
        return "matrixformlens resultat kunne ikke udfoldes i den hovedløse motor"
    return f"den hovedløse motor gav {code}, hvor Excel havde beregnet en værdi"


def _engine_value(value: Any) -> Any:
    """A cached value as the engine takes it with ``set_value`` (None: leave the engine's)."""
    if isinstance(value, CellError):
        return None
    return value


def fit_array(grid: list[list[Any]], rows: int, cols: int) -> list[list[Any]]:
    """A result fitted to a legacy array formula's range, as Excel does it.

    >>> fit_array([[1.0]], 2, 2)
    [[1.0, 1.0], [1.0, 1.0]]
    >>> fit_array([[1.0, 2.0]], 2, 3)
    [[1.0, 2.0, CellError(code='#N/A', message='')], [1.0, 2.0, CellError(code='#N/A', message='')]]
    """
    h, w = len(grid), len(grid[0]) if grid else 0
    out = []
    for i in range(rows):
        row = []
        for j in range(cols):
            ii = i if h > 1 else 0
            jj = j if w > 1 else 0
            row.append(grid[ii][jj] if ii < h and jj < w else CellError("#N/A"))
        out.append(row)
    return out


def _one_line_result(values: dict[tuple[str, int, int], Any], sheet: str,
                     target: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The extent of a one-row (or one-column) result the engine placed in a larger legacy
    array range, leaving the other rows (columns) empty; else ``target`` itself.  Excel repeats
    such a row down the range (Microsoft: "Guidelines and examples of array formulas").

    >>> v = {("S", 1, 1): 1.0, ("S", 1, 2): 2.0}
    >>> _one_line_result(v, "S", (1, 1, 2, 2)), _one_line_result(v, "S", (1, 1, 1, 2))
    ((1, 1, 1, 2), (1, 1, 1, 2))
    """
    r1, c1, r2, c2 = target
    def empty(cells: Iterable[tuple[int, int]]) -> bool:
        return all(values.get((sheet, r, c)) is None for r, c in cells)

    if r2 > r1 and not empty((r1, c) for c in range(c1, c2 + 1)) and \
            empty((r, c) for r in range(r1 + 1, r2 + 1) for c in range(c1, c2 + 1)):
        return r1, c1, r1, c2
    if c2 > c1 and not empty((r, c1) for r in range(r1, r2 + 1)) and \
            empty((r, c) for r in range(r1, r2 + 1) for c in range(c1 + 1, c2 + 1)):
        return r1, c1, r2, c1
    return target


def _legacy_arrays(computed: Any, cached: dict[tuple[str, int, int], _Cached],
                   own_call: Callable[[str], bool],
                   fed: dict[tuple[str, int, int], tuple[Any, Any]] | None = None,
                   ) -> dict[tuple[str, int, int], str]:
    """Give every legacy array formula its own range back, filled as Excel fills it.

    Returns the dynamic array formulas whose engine result has another shape than Excel's
    (with the reason): :func:`apply` keeps Excel's values for them.  ``fed`` collects the
    formulas whose range reaches beyond the engine's result (anchor → (engine extent, range)):
    the engine has nothing in those cells (:func:`_feed_fitted` puts the fitted values in).
    """
    reshaped: dict[tuple[str, int, int], str] = {}
    fills: list[tuple[tuple[str, int, int], Any]] = []   # after every pop: a neighbour's spill
    for sheet, cells in computed.formulas.items():         # never clears another's range
        for fc in cells:
            if fc.f_type != "array" or not fc.ref or own_call(fc.text):
                continue   # a catalogue call's array takes its result's extent (xlmodel writes it)
            key = (sheet, fc.row, fc.col)
            info = cached.get(key)
            target = parse_range(fc.ref)
            extent = computed.spills.get(key, (fc.row, fc.col, fc.row, fc.col))
            if extent == target:
                extent = _one_line_result(computed.values, sheet, target)
                if extent == target:
                    continue
            scalar_error = key not in computed.spills and isinstance(computed.values.get(key), CellError)
            if info is not None and info.dynamic and not scalar_error:
                if info.value is None:
                    continue   # a dynamic array takes the extent the engine computed…
                reshaped[key] = (f"resultatet har i den hovedløse motor en anden størrelse "
                                 f"({range_text(*extent)}) end i Excel ({fc.ref}); Excels værdier er beholdt")
                continue       # …unless Excel computed another shape (kept by apply)
            r1, c1, r2, c2 = extent
            grid = [[computed.values.get((sheet, r, c)) for c in range(c1, c2 + 1)]
                    for r in range(r1, r2 + 1)]
            for r in range(r1, r2 + 1):   # the engine's own spill cells outside the range go
                for c in range(c1, c2 + 1):
                    if (r, c) != (fc.row, fc.col):
                        computed.values.pop((sheet, r, c), None)
            t1, u1, t2, u2 = target
            if fed is not None and not (r1 <= t1 and c1 <= u1 and t2 <= r2 and u2 <= c2):
                fed[key] = (extent, target)
            fitted = fit_array(grid, t2 - t1 + 1, u2 - u1 + 1)
            for i, r in enumerate(range(t1, t2 + 1)):
                for j, c in enumerate(range(u1, u2 + 1)):
                    fills.append(((sheet, r, c), fitted[i][j]))
            computed.spills[key] = target
    computed.values.update(fills)
    return reshaped


_DIRECT_RANGE = re.compile(
    r"^=?\s*(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+\s*$")


def _feed_fitted(computed: Any, wb: Any, read: Callable[[Any], Any],
                 fed: dict[tuple[str, int, int], tuple[Any, Any]]) -> None:
    """Put the fitted values of legacy array formulas beyond the engine's result into the engine.

    ``{=G2:G5+E2:E5}`` entered in G9:H12 repeats its one column in H9:H12 in Excel; the engine
    computed G9:G12 only, so a formula reading H11 got an empty cell (the corpus: formulas'
    test.xlsx CORE!H16 ``{=G11:H12}`` read 0 where Excel has 9, and the #N/A its own fitting
    gives in J16:J18 was missing from ``SUM(H16:K18)``).  The fitted values (errors as error
    formulas) are set in the engine and the workbook evaluated again, the formulas read again and
    the arrays fitted again, until nothing changes (at most :data:`ROUNDS` rounds).
    """
    pushed: dict[tuple[str, int, int], Any] = {}
    for _round in range(ROUNDS):
        changed = False
        for key, (extent, target) in fed.items():
            r1, c1, r2, c2 = extent
            t1, u1, t2, u2 = target
            for r in range(t1, t2 + 1):
                for c in range(u1, u2 + 1):
                    cell = (key[0], r, c)
                    if r1 <= r <= r2 and c1 <= c <= c2:
                        continue
                    value = computed.values.get(cell)
                    if cell in pushed and pushed[cell] == value:
                        continue
                    with contextlib.suppress(Exception):
                        if isinstance(value, CellError):
                            wb.set_formula(cell[0], r, c, f"={value.code}")
                        elif value is not None:
                            wb.set_value(cell[0], r, c, value)
                        pushed[cell] = value
                        changed = True
        if not changed:
            return
        wb.evaluate_all()
        for sheet, cells in computed.formulas.items():
            for fc in cells:
                key = (sheet, fc.row, fc.col)
                if key in fed:
                    (r1, c1, r2, c2), (t1, u1, t2, u2) = fed[key]
                    grid = [[read(wb.get_value(sheet, r, c)) for c in range(c1, c2 + 1)]
                            for r in range(r1, r2 + 1)]
                    fitted = fit_array(grid, t2 - t1 + 1, u2 - u1 + 1)
                    for i, r in enumerate(range(t1, t2 + 1)):
                        for j, c in enumerate(range(u1, u2 + 1)):
                            computed.values[(sheet, r, c)] = fitted[i][j]
                else:
                    new = read(wb.get_value(*key))
                    if fc.f_type == "array" and isinstance(new, CellError) and new.code == "#SPILL!":
                        continue   # its engine result (cut to its range) now meets a fitted value
                    for m in _members(computed, key, fc):
                        computed.values[m] = new if m == key else read(wb.get_value(*m))


def _implicit_intersection(computed: Any, texts: dict[tuple[str, int, int], tuple[Any, str]],
                           cached: dict[tuple[str, int, int], _Cached],
                           own_call: Callable[[str], bool]) -> dict[tuple[str, int, int], str]:
    """A plain formula (not an array formula) that the engine spilled: Excel computed one value.

    A plain formula in a file is evaluated with implicit intersection (Excel 365 shows it as
    ``=@A1:A10``).  For a formula that is a bare range, the value is the range's cell in the
    formula's row (a column) or column (a row); any other spilled plain formula keeps its cached
    value (returned with the reason).  Catalogue calls are left as they are: their results spill
    by design.
    """
    kept = {}
    for key, (fc, text) in texts.items():
        if fc.f_type == "array" or key not in computed.spills or own_call(text):
            continue
        sheet, row, col = key
        r1, c1, r2, c2 = computed.spills.pop(key)
        grid = {(r, c): computed.values.pop((sheet, r, c), None)
                for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        value: Any = CellError("#VALUE!")
        if _DIRECT_RANGE.match(text.strip()):
            if c1 == c2 and r1 <= row <= r2:
                value = grid[(row, c1)]
            elif r1 == r2 and c1 <= col <= c2:
                value = grid[(r1, col)]
            computed.values[key] = value
            continue
        computed.values[key] = grid.get((row, col)) if (r1, c1) == (row, col) else value
        old = cached.get(key)
        if old is not None and old.value is not None:
            computed.values[key] = old.value
            kept[key] = "implicit snitmængde (en formel, hvis resultat er flere celler, i én celle) " \
                        "understøttes ikke af den hovedløse motor"
    return kept


def _members(computed: Any, key: tuple[str, int, int], fc: Any) -> list[tuple[str, int, int]]:
    extent = computed.spills.get(key)
    if extent is None:
        return [key]
    r1, c1, r2, c2 = extent
    return [(key[0], r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _may_keep(new: Any) -> bool:
    """Cheap pre-test of :func:`_should_keep` that needs no cached value: an error or a non-finite number."""
    return isinstance(new, CellError) or (isinstance(new, float) and not math.isfinite(new))


def _nothing_failed(values: Iterable[Any]) -> bool:
    """No value is an error or a non-finite number (:func:`_may_keep`), finite floats tested first.

    >>> _nothing_failed([1.0, "a", None]), _nothing_failed([1.0, float("nan")])
    (True, False)
    """
    # inf - inf and nan - nan are nan (!= 0.0): only those floats go to the full test
    return not any((type(v) is not float or v - v != 0.0) and _may_keep(v) for v in values)


def _should_keep(new: Any, old: Any) -> bool:
    if old is None:
        return False
    if isinstance(new, float) and not math.isfinite(new):
        return True   # the engine's NaN or infinity: written as #NUM!, never an Excel answer
    if not isinstance(new, CellError):
        return False
    if not isinstance(old, CellError):
        return True
    return new.code in ENGINE_FAILURES and new.code != old.code


def _intersected(sheet: str, fc: Any, value: CellError, own_call: Callable[[str], bool]) -> str | None:
    """The formula that gives a plain formula's implicit intersection, where the engine spilled
    it into occupied cells (``#SPILL!``); None where that is not known from the text alone.

    A plain (not array) formula is evaluated with implicit intersection (Excel 365 shows it as
    ``=@J4:K5``): a bare range gives its cell in the formula's row (a column) or column (a
    row), else #VALUE! (formulas' test.xlsx CORE!J6 ``=J4:K5`` in J6 is #VALUE!); a formula
    whose array result comes from array literals (:func:`_array_literal_result`) gives its
    result's first value (K6 ``={1,2;1,2}`` is 1).
    """
    if value.code != "#SPILL!" or own_call(fc.text):
        return None
    text = fc.text.strip().lstrip("=").strip()
    if _array_literal_result(text):
        return f"=INDEX(({_engine_text(fc.text)}),1,1)"
    if not _DIRECT_RANGE.match(text):
        return None
    prefix, _, ref = text.rpartition("!")
    r1, c1, r2, c2 = parse_range(ref.replace("$", ""))
    if c1 == c2 and r1 <= fc.row <= r2:
        return f"={prefix}{'!' if prefix else ''}{address(fc.row, c1)}"
    if r1 == r2 and c1 <= fc.col <= c2:
        return f"={prefix}{'!' if prefix else ''}{address(r1, fc.col)}"
    return "=#VALUE!"


def _engine_text(text: str) -> str:
    """A formula's text as the engine's copy has it (the Excel-exactness rewrites made)."""
    exact = excel_registry.sheet_rewrite(xml_escape(text).encode())
    return exact(text) if exact else text


#: A plain formula with no range (its array result comes from array literals or functions, so
#: no implicit intersection applies): like a one-cell legacy array formula, Excel shows the
#: result's first value (``=VLOOKUP(C1,{1,5;2,6},{2,3},1)`` is 5 in a cell without ``cm``).
_NO_RANGE = re.compile(r'^(?:[^:"]|"(?:[^"]|"")*")*$')
_WORD = re.compile(r"(?<![\w.$])(\$?[A-Za-z_\\][\w.]*\$?\d*)(\s*[(!]?)")
_CELL_REF = re.compile(r"^\$?[A-Za-z]{1,3}\$?\d+$")
#: Functions that may return a reference: with one, Excel intersects implicitly (the value on
#: the formula's own row or column), which is not the result's first value.
_REFERENCE_FUNCTIONS = frozenset({"OFFSET", "INDIRECT", "INDEX", "CHOOSE", "IF", "IFS", "SWITCH",
                                  "XLOOKUP", "LET", "_XLFN.XLOOKUP", "_XLFN.LET", "_XLFN.IFS",
                                  "_XLFN.SWITCH", "FILTER", "_XLFN._XLWS.FILTER"})


def _array_literal_result(text: str) -> bool:
    """Is ``text`` a plain formula whose array result can only come from array literals?

    An array literal, no range, no defined name, no function that may return a reference;
    cell references only to single cells.

    >>> _array_literal_result("VLOOKUP(C1,{1,5;2,6},{2,3},1)"), _array_literal_result("SUM(A1:B2)")
    (True, False)
    >>> _array_literal_result("VLOOKUP(C1,Tabel,{2,3})"), _array_literal_result("OFFSET(A1,{1,2},0)")
    (False, False)
    """
    if "{" not in text or not _NO_RANGE.match(text):
        return False
    bare = _STRING.sub('""', text)
    for m in _WORD.finditer(bare):
        word, after = m.group(1), m.group(2).strip()
        if after == "(":
            if word.upper() in _REFERENCE_FUNCTIONS:
                return False
        elif after != "!" and not _CELL_REF.match(word) and word.upper() not in ("TRUE", "FALSE"):
            return False   # a defined name: its value may be a range
    return True


def _first_of_colliding(computed: Any, cached: dict[tuple[str, int, int], _Cached], wb: Any,
                        read: Callable[[Any], Any], own_call: Callable[[str], bool]) -> None:
    """A legacy array formula whose result is larger than its range: Excel shows its top-left
    part; a plain formula the engine could not spill: its implicit intersection (:func:`_intersected`).

    ``{=NORMDIST(C26:Q26,3,3,1)}`` entered in one cell computes 15 values and shows the first
    (the array is fitted to the formula's range).  The engine treats it as a dynamic array, finds
    the cells to its right occupied and answers ``#SPILL!``; the formula is evaluated again as
    ``INDEX((formula),1,1)``, which is the fitted value, or, for a range of R rows and C columns
    and a formula of operators on ranges (no function call), as ``TAKE((formula),R,C)``
    (formulas' test.xlsx OPERATORS!AH3 ``{=C3:P3+3}`` in AH3:AK3).  (A function's result
    cut this way was seen wrong where the engine's function is: FILTER over columns.)  Plain
    formulas go first (an array formula may read them: CORE!L6 ``{=K6+K5}``).
    """
    values = computed.values
    plain = []   # first the plain formulas (an array formula may read them)
    for sheet, cells in computed.formulas.items():
        for fc in cells:
            if fc.f_type is None and fc.text and type(values.get((sheet, fc.row, fc.col))) is CellError:
                cut = _intersected(sheet, fc, values[(sheet, fc.row, fc.col)], own_call)
                if cut is not None:
                    with contextlib.suppress(Exception):
                        wb.set_formula(sheet, fc.row, fc.col, cut)
                        plain.append((sheet, fc.row, fc.col))
    if plain:
        _read_again(computed, wb, read, plain)
    changed = []
    for sheet, cells in computed.formulas.items():
        for fc in cells:
            if not fc.text or fc.f_type != "array" or not fc.ref:
                continue   # cheap tests first: the cached value is decoded only for array formulas
            key = (sheet, fc.row, fc.col)
            value = computed.values.get(key)
            if not isinstance(value, CellError) or value.code != "#SPILL!" or own_call(fc.text):
                continue
            info = cached.get(key)
            if info is not None and info.dynamic:
                continue
            text = _engine_text(fc.text)
            r1, c1, r2, c2 = parse_range(fc.ref)
            if (r1, c1) == (r2, c2):
                cut = f"=INDEX(({text}),1,1)"
            elif not _ANY_CALL.search(_STRING.sub('""', fc.text)):   # operators on ranges only
                cut = f"=_xlfn.TAKE(({text}),{r2 - r1 + 1},{c2 - c1 + 1})"   # its top-left part
            else:
                continue
            with contextlib.suppress(Exception):
                wb.set_formula(sheet, fc.row, fc.col, cut)
                changed.append(key)
    if changed:
        _read_again(computed, wb, read, changed)


def _read_again(computed: Any, wb: Any, read: Callable[[Any], Any],
                changed: list[tuple[str, int, int]]) -> None:
    """Evaluate again after ``changed`` formulas were set: the cells depending on them are read
    again (spilled results stay as computed; an array formula that failed is read whole)."""
    wb.evaluate_all()
    for sheet, cells in computed.formulas.items():
        for fc in cells:
            key = (sheet, fc.row, fc.col)
            failed = fc.f_type == "array" and isinstance(computed.values.get(key), CellError)
            if key in changed or failed or (fc.f_type != "array" and key not in computed.spills):
                computed.values[key] = read(wb.get_value(*key))
            if (key in changed or failed) and fc.f_type == "array" and fc.ref and ":" in fc.ref:
                _read_spill(computed, wb, read, key)


def _read_spill(computed: Any, wb: Any, read: Callable[[Any], Any], key: tuple[str, int, int]) -> None:
    """The spill extent and values of the array formula at ``key``, as the engine has them now."""
    from xlmodel.ooxml.addresses import quote_sheet

    sheet, row, col = key
    with contextlib.suppress(Exception):
        spill = wb.inspect_cell(f"{quote_sheet(sheet)}!{address(row, col)}").cell.spill
        if spill is None or str(spill.kind).split(".")[-1] != "Anchor" or not spill.extent:
            return
        r1, c1, r2, c2 = parse_range(spill.extent)
        computed.spills[key] = (r1, c1, r2, c2)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                computed.values[(sheet, r, c)] = read(wb.get_value(sheet, r, c))


def iterative(pkg: Package) -> bool:
    """Does the workbook turn iterative calculation on (``<calcPr iterate="1"/>``)?"""
    return _ITERATE.search(pkg.get(pkg.workbook_part)) is not None


def _precedents(wb: Any, key: tuple[str, int, int]) -> list[tuple[str, int, int, int, int]]:
    """The ranges a formula cell reads (formualizer's declared precedents): (sheet, r1, c1, r2, c2)."""
    sheet, r, c = key
    name = sheet if re.fullmatch(r"[A-Za-z_][\w.]*", sheet) else "'" + sheet.replace("'", "''") + "'"
    try:
        report = wb.precedents(f"{name}!{address(r, c)}").to_dict()
    except Exception:   # no precedents known: the cell stays as it is
        return []
    out = []
    for item in report.get("precedents") or []:
        ref = item.get("reference") or {}
        text = ref.get("resolved") or ref.get("address") or ref.get("declared")
        if not text or "!" not in text:
            continue
        where, _, cells = text.rpartition("!")
        where = where[1:-1].replace("''", "'") if where.startswith("'") else where
        try:
            r1, c1, r2, c2 = parse_range(cells if ":" in cells else f"{cells}:{cells}")
        except ValueError:
            continue
        out.append((where, r1, c1, r2, c2))
    return out


def _reading(after: Mapping[tuple[str, int, int], list[tuple[str, int, int, int, int]]],
             cycle: set[tuple[str, int, int]], texts: Mapping[tuple[str, int, int], tuple[Any, str]]
             ) -> list[tuple[str, int, int]]:
    """The cells of ``after`` that read a cell of ``cycle`` (an array formula: any cell of its
    range), directly or through another such cell: Excel computes them no more than the cycle."""
    covered = set()
    for key in cycle:
        fc = texts[key][0] if key in texts else None
        if fc is not None and fc.f_type == "array" and fc.ref:
            r1, c1, r2, c2 = parse_range(fc.ref)
            covered.update((key[0], r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
        covered.add(key)
    found: list[tuple[str, int, int]] = []
    changed = True
    while changed:
        changed = False
        for key, reads in after.items():
            if key in covered:
                continue
            if any(s == cs and r1 <= cr <= r2 and c1 <= cc <= c2
                   for s, r1, c1, r2, c2 in reads for cs, cr, cc in covered):
                covered.add(key)
                found.append(key)
                changed = True
    return found


def circular_warning(cells: list[tuple[str, int, int]]) -> str:
    """The refresh's warning (Danish) for the cells left at their value because of a cycle.

    >>> circular_warning([("S", 2, 2), ("S", 2, 5)])[:64]
    'S!B2, S!E2 indgår i en cirkulær reference eller afhænger af en; '
    """
    names = [f"{s}!{address(r, c)}" for s, r, c in cells[:10]]
    more = f" og {len(cells) - 10} celler mere" if len(cells) > 10 else ""
    return (f"{', '.join(names)}{more} indgår i en cirkulær reference eller afhænger af en; "
            "iterativ beregning er slået fra i projektmappen, så Excel beregner dem heller ikke, "
            "og deres værdier fra filen er beholdt")


def apply(pkg: Package, computed: Any, wb: Any, *, read: Callable[[Any], Any],
          own_call: Callable[[str], bool], known: Callable[[str], bool],
          broken: re.Pattern[str] | None = None,
          failed: Mapping[str, str] | None = None) -> list[NotRecomputed]:
    """Keep Excel's cached value wherever the engine failed; returns the cells kept.

    ``computed`` is the engine adapter's result (values, formulas, spills; changed in place),
    ``wb`` the formualizer workbook it came from, ``read(raw)`` turns an engine value into a
    Python value, ``own_call(formula)`` says whether a formula calls a catalogue function (never
    kept) and ``known(NAME)`` whether the engine has a function.  ``broken`` finds a call of a
    function whose xlmodel version raised during the evaluation (``failed``: name → what it
    raised; xlmodel.engine.excel_registry.GuardedWorkbook): every cell calling one is kept,
    whatever value it shows, since an error inside IFERROR may have become a number.
    """
    cached = cached_values(pkg, computed)
    _first_of_colliding(computed, cached, wb, read, own_call)
    fed: dict[tuple[str, int, int], tuple[Any, Any]] = {}
    reshaped = _legacy_arrays(computed, cached, own_call, fed)
    if fed:
        _feed_fitted(computed, wb, read, fed)
    if broken is None and not reshaped and not computed.spills \
            and _nothing_failed(computed.values.values()):
        return []   # the common case: every value a finite number or text, nothing spilled
    kept: dict[tuple[str, int, int], str] = {}
    circular: list[tuple[str, int, int]] = []   # kept as Excel keeps them (iteration off)
    no_iteration: bool | None = None            # the workbook's flag, read when needed
    others: list[tuple[str, int, int]] = []     # #ERROR!: on a cycle if they read a cycle's cell
    after: dict[tuple[str, int, int], list[tuple[str, int, int, int, int]]] = {}
    texts: dict[tuple[str, int, int], tuple[Any, str]] = {}
    for sheet, cells in computed.formulas.items():
        shared = {fc.si: fc.text for fc in cells if fc.shared_master}
        for fc in cells:
            texts[(sheet, fc.row, fc.col)] = (fc, fc.text or shared.get(fc.si, ""))
    kept.update(_implicit_intersection(computed, texts, cached, own_call))
    if broken is None and not reshaped and _nothing_failed(computed.values.values()):
        # Nothing failed: the rounds below would find nothing to keep (the common case).
        return [NotRecomputed(s, address(r, c), reason) for (s, r, c), reason in kept.items()]
    for _round in range(ROUNDS + 1):   # the last round keeps without evaluating again
        new_kept = {}
        if _round == 0:
            for key, reason in reshaped.items():
                fc = texts[key][0]
                r1, c1, r2, c2 = parse_range(fc.ref)
                new_kept[key] = (reason, [(key[0], r, c) for r in range(r1, r2 + 1)
                                          for c in range(c1, c2 + 1)])
        for key, (fc, text) in texts.items():
            if key in kept or key in new_kept or own_call(text):
                continue
            members = _members(computed, key, fc)
            if fc.f_type == "array" and fc.ref:
                r1, c1, r2, c2 = parse_range(fc.ref)
                members = sorted(set(members) | {(key[0], r, c) for r in range(r1, r2 + 1)
                                                 for c in range(c1, c2 + 1)})
            if _round == 0 and broken is not None:
                m = broken.search(_STRING.sub('""', text))
                if m is not None:
                    name = m.group(1).upper()
                    held = [c for c in members if c in cached and cached[c].value is not None]
                    for member in set(members) - set(held):   # nothing to keep: a clear
                        computed.values[member] = CellError("#N/IMPL!")   # error, downstream too
                        with contextlib.suppress(Exception):
                            wb.set_value(*member, {"type": "Error", "kind": "NImpl"})
                    new_kept[key] = (f"xlmodels udgave af {name} fejlede under beregningen "
                                     f"({(failed or {}).get(name, 'ukendt fejl')})", held)
                    continue
            values = computed.values  # an engine failure first: only then is the cached value decoded
            bad = [m for m in members if _may_keep(values.get(m)) and m in cached
                   and _should_keep(values.get(m), cached[m].value)]
            if not bad:
                continue
            first = computed.values.get(bad[0])
            code = first.code if isinstance(first, CellError) else "#NUM!"   # NaN: written as #NUM!
            new_kept[key] = (_reason(text, code, known), members)
            if code == "#CIRC!":
                if no_iteration is None:
                    no_iteration = not iterative(pkg)
                if no_iteration:
                    circular.append(key)
            elif code == "#ERROR!":
                others.append(key)
        if not new_kept:
            break
        if circular and others:   # before their formulas give way to values below
            after.update((k, _precedents(wb, k)) for k in others if k not in after)
        for key, (reason, members) in new_kept.items():
            kept[key] = reason
            fc = texts[key][0]
            if fc.f_type == "array" and fc.ref:   # the file's own range stands, with Excel's values
                extent = computed.spills.get(key)
                computed.spills[key] = parse_range(fc.ref)
                if extent is not None:
                    r1, c1, r2, c2 = extent
                    for r in range(r1, r2 + 1):
                        for c in range(c1, c2 + 1):
                            if (key[0], r, c) not in members:
                                computed.values.pop((key[0], r, c), None)
            for m in members:
                if m in cached:
                    computed.values[m] = cached[m].value
                    value = _engine_value(cached[m].value)
                    if value is not None:
                        with contextlib.suppress(Exception):  # a value the engine refuses: its error stays
                            wb.set_value(m[0], m[1], m[2], value)
        if _round == ROUNDS:
            break
        wb.evaluate_all()
        for key, (fc, _) in texts.items():   # array formulas keep their first-round values
            if key not in kept and fc.f_type != "array":
                for m in _members(computed, key, fc):
                    computed.values[m] = read(wb.get_value(*m))
    if circular and after:
        circular += _reading(after, set(circular), texts)
    cycle = set(circular)
    if cycle and hasattr(computed, "warnings"):
        computed.warnings.append(circular_warning(circular))
    return [NotRecomputed(s, address(r, c), reason) for (s, r, c), reason in kept.items()
            if (s, r, c) not in cycle]


_KNOWN: dict[str, bool] = {}


def engine_knows(name: str) -> bool:
    """Does formualizer have the Excel function ``NAME`` (asked once per name, in a scratch book)?"""
    from xlmodel.engine import excel_functions

    name = name.upper()
    if name in excel_functions.NAMES:
        return True
    if name not in _KNOWN:
        import formualizer as fz

        wb = fz.Workbook()
        wb.sheet("S").set_formula(1, 1, f"={name}()")
        try:
            value = wb.evaluate_cell("S", 1, 1)
        except Exception:
            value = {"type": "Error", "kind": "Name"}
        _KNOWN[name] = not (isinstance(value, dict) and str(value.get("kind")) in ("Name", "NImpl"))
    return _KNOWN[name]
