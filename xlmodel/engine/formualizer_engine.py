"""Headless recalculation: formualizer computes, xlmodel writes the cached values into the package.

formualizer 0.13 (a Rust engine) loads the workbook, gets every catalogue function registered as
a Python callback, and recalculates every formula.  Its own writers either rebuild the file
from its model (``Workbook.to_xlsx_bytes``: styles and package parts are lost) or cannot call
Python functions (``recalculate_xlsx_bytes``), so xlmodel writes the values itself: it patches
the ``<v>`` of each formula cell (and of the cells a formula spills into) in the worksheet
parts and copies every other part byte for byte (docs/engine.md has the measurements).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlmodel.engine import excel_functions, excel_missing, excel_registry, excel_tables, keep
from xlmodel.engine.functions import FunctionTable
from xlmodel.engine.keep import NotRecomputed
from xlmodel.engine.package import write_atomic
from xlmodel.engine.types import CellError, ErrorCell, RefreshReport
from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import address, parse_address, parse_range, quote_sheet, range_text
from xlmodel.ooxml.package import Package
from xlmodel.ooxml.sheet import FormulaCell, SheetXml, Update, rewrite_formulas
from xlmodel.parameters import ParameterSet, resolve

#: A table, or how to build one for the workbook's active parameter set (the Parametre table
#: of the workbook may change the set, and the callbacks are bound to the set they compute with).
Functions = FunctionTable | Callable[[ParameterSet], FunctionTable]
#: A face's reading of the workbook's own parameters: (package, set) → the set the workbook shows.
ActiveSet = Callable[[Package, ParameterSet], ParameterSet]
#: A face's writing of the workbook's parameter table for a set; returns warnings.
ParameterWriter = Callable[[Package, ParameterSet], list[str]]

#: The first argument the engine's copy of a formula gives each catalogue call, followed by
#: ``ROW(),COLUMN()``: the callback then knows which cell it computes, so a refusal's message is
#: recorded for that cell from the failing call itself (formualizer does not expose the text of
#: a callback's exception).  The sheet is the number after the prefix (its index in the package).
CELL_TAG = "_xlmodel_cell_"

#: formualizer's parallel evaluation for workbooks with catalogue calls.  Measured (docs/engine.md,
#: "Parallel evaluation"): with calls serialised by the adapter's lock, parallel evaluation gives
#: the same values as sequential in every process; see there for the timings that decided it.
PARALLEL_WITH_CATALOGUE = False

#: A formula that may leave an argument out (``(,``  ``,,``  ``,)``) or carries an ``_xludf.`` prefix.
_MAYBE_OMITTED = re.compile(r"[(,]\s*[,)]|_xludf\.", re.IGNORECASE)

#: What an error means when no catalogue function said more.
_GENERIC = {
    "#DIV/0!": "division med nul",
    "#SPILL!": "cellerne, som resultatet skal spildes ud i, er ikke tomme",
    "#NAME?": "ukendt funktion eller navn (den hovedløse motor kender måske ikke denne Excel-funktion)",
    "#N/IMPL!": "en Excel-funktion, som den hovedløse motor ikke kender",
    "#REF!": "en reference til en celle, der ikke findes",
    "#CIRC!": "en cirkulær reference",
    "#NUM!": "et tal uden for det tilladte område",
}

#: formualizer's error kinds → Excel's literal, for tables that bring none.
_DEFAULT_KINDS = {
    "Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
    "Num": "#NUM!", "Na": "#N/A", "Spill": "#SPILL!", "Calc": "#CALC!", "GettingData": "#GETTING_DATA",
    "Circ": "#CIRC!", "NImpl": "#N/IMPL!", "Error": "#ERROR!", "Cancelled": "#CANCELLED!",
}

#: Timings of the last :func:`compute` / :func:`refresh` in this process, by phase (seconds);
#: see :func:`phase_timings`.
_PHASES: dict[str, float] = {}


def phase_timings() -> dict[str, float]:
    """Seconds per phase of the last refresh in this process (a copy): ``read`` (read, identify,
    safety check and inflate), ``load`` (engine copy and formualizer load), ``evaluate``,
    ``read_back``, ``keep``, ``patch``, ``write`` (zip and atomic write).  For benchmarks."""
    return dict(_PHASES)


class _Phase:
    """``with _Phase("load"):`` adds the block's duration to :data:`_PHASES`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.t = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        _PHASES[self.name] = _PHASES.get(self.name, 0.0) + time.perf_counter() - self.t


@dataclass
class Computed:
    """The recalculated values of a package, ready to be written or returned."""

    values: dict[tuple[str, int, int], Any] = field(default_factory=dict)   # formula + spilled cells
    formulas: dict[str, list[FormulaCell]] = field(default_factory=dict)    # per sheet, from the XML
    spills: dict[tuple[str, int, int], tuple[int, int, int, int]] = field(default_factory=dict)
    errors: list[ErrorCell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: list[NotRecomputed] = field(default_factory=list)  # left at Excel's value (engine.keep)
    cleared: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # array members, per sheet
    parsed: dict[str, tuple[bytes, SheetXml]] = field(default_factory=dict)  # part → (bytes, parse)
    calls: re.Pattern[str] | None = None  # finds a call of the table's functions (None: no table)

    def sheet_xml(self, pkg: Package, part: str) -> SheetXml:
        """The parsed worksheet part, reused while the part is unchanged."""
        data = pkg.get(part)
        cached = self.parsed.get(part)
        if cached is None or (cached[0] is not data and cached[0] != data):
            cached = (data, SheetXml(data, part))
            self.parsed[part] = cached
        return cached[1]

    @property
    def cells_computed(self) -> int:
        return sum(len(v) for v in self.formulas.values())

    @property
    def spilled_cells(self) -> int:
        return sum((r2 - r1 + 1) * (c2 - c1 + 1) - 1 for r1, c1, r2, c2 in self.spills.values())


# ------------------------------------------------------------------------------ formualizer ----
def _calling_sheets(pkg: Package, out: Computed, sheets: list[Any], names: list[str]) -> set[str]:
    """The sheets whose formulas call a function of the table.

    A substring test of the names first, over the sheet's formula texts joined and upper-cased
    (fast: no regex scans the part), then the exact pattern per formula only where a name occurs.
    """
    found: set[str] = set()
    if out.calls is None:
        return found
    for ref in sheets:
        cells = out.formulas.get(ref.name, ())
        joined = "\x00".join(fc.text for fc in cells if fc.text).upper()
        if not any(name in joined for name in names):
            continue
        if any(out.calls.search(fc.text) for fc in cells if fc.text):
            found.add(ref.name)
    return found


def _load(data: bytes, name: str, parallel: bool = True, date1904: bool = False) -> Any:
    import formualizer as fz

    config = fz.EvaluationConfig()
    config.enable_parallel = parallel
    config.cycle_detection = "runtime"  # Excel's rule: a cycle counts only if evaluation runs round it
    if date1904:  # the workbook counts serial dates from 1904 (Mac Excel's old default)
        config.date_system = "1904"
    try:
        return fz.Workbook.from_bytes(data, config=fz.WorkbookConfig(eval_config=config))
    except Exception as exc:  # formualizer raises its own types for every malformed package
        raise XlmodelError("workbook", name, "a readable .xlsx or .xlsm workbook",
                           detail=f"{type(exc).__name__}: {exc}") from None


class Failures:
    """What each failing catalogue call said, by cell: recorded by the call itself, thread-safe."""

    def __init__(self, sheets: list[str]) -> None:
        self._sheets = sheets
        #: The cell tags this evaluation's formulas carry (:func:`_tag_calls`): a call is tagged
        #: when its first argument is one of them, tested per call without parsing the tag.
        self.tags = frozenset(f"{CELL_TAG}{i}" for i in range(len(sheets)))
        self._lock = threading.Lock()
        self.by_cell: dict[tuple[str, int, int], str] = {}
        self.untagged: list[str] = []   # calls the file's cell formulas do not hold (defined names)

    def record(self, where: tuple[str, int, int] | None, message: str) -> None:
        with self._lock:
            if where is None:
                self.untagged.append(message)
            else:
                self.by_cell.setdefault(where, message)  # a cell's first failing call

    def cell(self, tag: Any, row: Any, col: Any) -> tuple[str, int, int] | None:
        """(sheet, row, col) from a call's tag arguments, or None if they are not a tag."""
        if not (isinstance(tag, str) and tag.startswith(CELL_TAG)):
            return None
        try:
            sheet = self._sheets[int(tag[len(CELL_TAG):])]
            return sheet, _first_int(row), _first_int(col)
        except (ValueError, IndexError, TypeError):
            return None


def _first_int(value: Any) -> int:
    while isinstance(value, list | tuple):  # ROW() in an array context: the anchor's row first
        value = value[0]
    return int(value)


def _parallel(calling: set[str]) -> bool:
    """Parallel evaluation, unless a sheet calls the table's functions (PARALLEL_WITH_CATALOGUE)."""
    return PARALLEL_WITH_CATALOGUE or not calling


def _names_call(pkg: Package, calls: re.Pattern[str] | None) -> bool:
    """Does a defined name's formula call one of the table's functions?"""
    return calls is not None and any(calls.search(text) for text in pkg.defined_names().values())


def engine_copy(pkg: Package, table: FunctionTable) -> bytes:
    """The package bytes the engine loads (see :func:`_engine_copy`), for callers that drive
    formualizer themselves (``xlmodel.forklar``)."""
    out = Computed(calls=table.call_pattern())
    sheets = pkg.sheets()
    for ref in sheets:
        out.formulas[ref.name] = out.sheet_xml(pkg, ref.part).formula_cells()
    return _engine_copy(pkg, out, _calling_sheets(pkg, out, sheets, table.names()), set(table.names()))


def _register(wb: Any, table: FunctionTable, failures: Failures) -> None:
    """Register the table's functions; each call's refusal is recorded for its cell."""
    message, tags = table.message, failures.tags
    for fn in table.functions:
        def callback(*args: Any, _inner: Callable[..., Any] = fn.callback) -> Any:
            # The tag is located only when the call fails: a successful call (the common case,
            # issue 10's per-call cost) pays one type test and one set look-up for it.
            if args and type(args[0]) is str and args[0] in tags and len(args) >= 3:
                try:
                    return _inner(*args[3:])
                except Exception as exc:
                    failures.record(failures.cell(*args[:3]), message(exc))  # the face's wording
                    raise
            try:
                return _inner(*args)
            except Exception as exc:
                failures.record(None, message(exc))
                raise

        wb.register_function(fn.name, callback, min_args=fn.min_args, max_args=fn.max_args + 3)


def _tag_calls(formula: str, sheet_index: int, calls: re.Pattern[str] | None = None) -> str:
    """Give every catalogue call in ``formula`` the cell tag as its first arguments.

    ``PL_FAKTOR(2013,2014)`` → ``PL_FAKTOR("_xlmodel_cell_0",ROW(),COLUMN(),2013,2014)``.  Text
    in double quotes (strings) and single quotes (sheet names) is left alone.  ROW() and COLUMN()
    give each cell of a shared formula its own address, and an array formula its anchor's.

    >>> calls = re.compile(r"(?<![\\w.])(PL_FAKTOR)\\s*\\(", re.I)
    >>> _tag_calls('IF(A1,PL_FAKTOR(2013,2014),"PL_FAKTOR(")', 2, calls)
    'IF(A1,PL_FAKTOR("_xlmodel_cell_2",ROW(),COLUMN(),2013,2014),"PL_FAKTOR(")'
    >>> _tag_calls("PL_FAKTOR( )", 0, calls)
    'PL_FAKTOR("_xlmodel_cell_0",ROW(),COLUMN())'
    """
    if calls is None:
        return formula
    tag = f'"{CELL_TAG}{sheet_index}",ROW(),COLUMN()'
    out: list[str] = []
    for i, piece in enumerate(re.split(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')", formula)):
        if i % 2:  # a quoted piece
            out.append(piece)
            continue
        pos = 0
        for m in calls.finditer(piece):
            out.append(piece[pos:m.end()])
            rest = piece[m.end():]
            closing = rest.lstrip()
            if closing.startswith(")"):
                out.append(tag)
                pos = m.end() + len(rest) - len(closing)
            else:
                out.append(tag + ",")
                pos = m.end()
        out.append(piece[pos:])
    return "".join(out)


def _engine_formula(text: str, sheet_index: int, calls: re.Pattern[str] | None,
                    names: set[str]) -> str:
    """The formula as the engine gets it: left-out arguments filled, ``_xludf.`` dropped, tagged."""
    if calls is None or not calls.search(text):
        return text
    if _MAYBE_OMITTED.search(text):
        text = _fill_omitted(text, names)
    return _tag_calls(text, sheet_index, calls)


def _fill_omitted(formula: str, names: set[str]) -> str:
    """Make left-out arguments of catalogue calls explicit ``""`` and drop an ``_xludf.`` prefix.

    formualizer passes a left-out argument (``=F(a,,c)``) as 0, which would be a wrong number
    for an optional argument whose default is not 0; ``""`` is read as blank → the default.
    Only the in-memory copy is changed: the file keeps the user's formula text.
    """
    import formualizer as fz

    if not formula.startswith("="):  # formualizer keeps a loaded formula without its "="
        return _fill_omitted("=" + formula, names)[1:]
    try:
        tokens = list(fz.tokenize(formula))
    except Exception:  # a formula formualizer cannot tokenize is evaluated (and reported) as is
        return formula
    inserts: list[tuple[int, int, str]] = []   # (start, end, replacement)
    stack: list[bool] = []                     # per open function/paren: is it a catalogue call?
    prev = None
    for tok in tokens:
        kind, sub, value = str(tok.token_type), str(tok.subtype), tok.value
        if kind.endswith("Whitespace"):
            continue
        if kind.endswith("Func") and sub.endswith("Open"):
            fname = value[:-1]
            bare = fname[7:] if fname.lower().startswith("_xludf.") else fname
            is_cat = bare.upper() in names
            if is_cat and bare != fname:
                inserts.append((tok.start, tok.start + 7, ""))
            stack.append(is_cat)
        elif (kind.endswith("Paren") or kind.endswith("Array")) and sub.endswith("Open"):
            stack.append(False)
        elif sub.endswith("Close"):
            if stack and stack[-1] and prev is not None and str(prev.subtype).endswith("Arg"):
                inserts.append((tok.start, tok.start, '""'))
            if stack:
                stack.pop()
        elif kind.endswith("Sep") and sub.endswith("Arg") and stack and stack[-1] and prev is not None:
            p_sub = str(prev.subtype)
            if p_sub.endswith("Arg") or (str(prev.token_type).endswith("Func") and p_sub.endswith("Open")):
                inserts.append((tok.start, tok.start, '""'))
        prev = tok
    for start, end, text in sorted(inserts, reverse=True):
        formula = formula[:start] + text + formula[end:]
    return formula


def _python_value(value: Any, epoch: dt.date, kinds: dict[str, str] = _DEFAULT_KINDS) -> Any:
    if type(value) is float:  # the common case first
        return value
    if isinstance(value, dict) and value.get("type") == "Error":
        return CellError(kinds.get(str(value.get("kind")), "#VALUE!"))
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(epoch, dt.time())
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if isinstance(value, dt.date):
        return float((value - epoch).days)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return str(value)


#: Cached error values newer than ECMA-376 that Excel 365 writes and calamine cannot read; the
#: engine recomputes those cells anyway, so its copy reads them as #VALUE!.
_NEWER_ERRORS = re.compile(
    rb"(<(?:\w+:)?v>)#(?:SPILL|CALC|FIELD|BLOCKED|CONNECT|BUSY|UNKNOWN)!(</(?:\w+:)?v>)")


def _engine_copy(pkg: Package, out: Computed, calling: set[str], names: set[str]) -> bytes:
    """The package bytes for the engine: array members cleared, new errors mapped, calls tagged.

    The cells an array (or spilled) formula covers belong to that formula; formualizer would
    read their cached values as constants in its way and answer #SPILL!.  Calls of the table's
    functions get their left-out arguments filled and the cell tag (:func:`_engine_formula`).
    Only the engine's copy is changed: the file is patched from ``pkg``.
    """
    copy = Package(pkg.to_bytes() if pkg.changed else pkg.source_bytes(), pkg.name,
                   parts={n: pkg.get(n) for n in pkg.names()})
    for index, ref in enumerate(copy.sheets()):
        cells = out.formulas.get(ref.name, ())
        clear: set[tuple[int, int]] = set()
        arrays = [fc for fc in cells if fc.f_type == "array" and fc.ref]
        if arrays:
            here = {(fc.row, fc.col) for fc in cells}
            for fc in arrays:
                r1, c1, r2, c2 = parse_range(fc.ref or "")
                clear.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                             if (r, c) not in here)
        out.cleared[ref.name] = clear
        data = copy.get(ref.part)
        exact = excel_registry.sheet_rewrite(  # Excel-exactness rewrites (engine copy only)
            data, [fc.text for fc in cells if fc.text])
        if ref.name in calling:
            data = rewrite_formulas(data, lambda text, i=index, x=exact: _engine_formula(
                x(text) if x else text, i, out.calls, names))
        elif exact is not None:
            data = rewrite_formulas(data, exact)
        if clear:
            data = SheetXml(data, ref.part).patch({}, clear)
        if b"#" in data and _NEWER_ERRORS.search(data):
            data = _NEWER_ERRORS.sub(rb"\1#VALUE!\2", data)
        copy.set(ref.part, data)
    if not copy.changed:
        return copy.source_bytes()
    return copy.to_bytes()


def _table(functions: Functions, ps: ParameterSet) -> FunctionTable:
    return functions(ps) if callable(functions) else functions


#: Largest area read back with one bulk call per sheet (cells); a sparser sheet is read cell by cell.
_BULK_MAX_CELLS = 4_000_000


def _grid(wb: Any, sheet: str, cells: list[FormulaCell]) -> tuple[int, int, list[list[Any]]] | None:
    """One bulk read of the formulas' bounding box plus a row and a column (for spill detection):
    (first row, first col, rows of values); None when the box is too sparse or too large."""
    import formualizer as fz

    rows, cols = [fc.row for fc in cells], [fc.col for fc in cells]
    r1, r2 = min(rows), max(rows) + 1
    c1, c2 = min(cols), max(cols) + 1
    size = (r2 - r1 + 1) * (c2 - c1 + 1)
    if size > _BULK_MAX_CELLS or size > 8 * len(cells) + 4096:
        return None
    try:
        grid = wb.sheet(sheet).get_values(fz.RangeAddress(sheet, r1, c1, r2, c2))
    except Exception:  # a sheet the engine cannot page: cell by cell
        return None
    width = c2 - c1 + 1
    if len(grid) != r2 - r1 + 1 or any(len(row) != width for row in grid):
        return None
    return r1, c1, grid


def _read_back(wb: Any, pkg: Package, out: Computed, epoch: dt.date, kinds: dict[str, str]) -> None:
    """Every formula's value in bulk; spill extents only where a spill is possible.

    A formula spills only if the cell to its right or below it receives a spilled value: a cell
    that is not a formula, is empty in the engine's copy and has a value after evaluation.  Only
    those anchors (and array formulas) are inspected one by one (``inspect_cell`` is the costly call).
    """
    values = out.values
    for ref in pkg.sheets():
        sheet = ref.name
        cells = out.formulas.get(sheet)
        if not cells:
            continue
        xml = out.sheet_xml(pkg, ref.part)
        # formula cells as ints (row * 2**15 + col): a set of ints is a third of a dict of tuples
        formula_at = {fc.row << 15 | fc.col for fc in cells}
        cleared = out.cleared.get(sheet, set())
        bulk = _grid(wb, sheet, cells)
        candidates = []
        if bulk is not None:
            r0, c0, grid = bulk
            for fc in cells:  # fc[0], fc[1], fc[2]: row, col, f_type (indexing: the hot loop)
                r, c = fc[0], fc[1]
                i, j = r - r0, c - c0
                row = grid[i]
                raw = row[j]
                values[(sheet, r, c)] = raw if type(raw) is float else _python_value(raw, epoch, kinds)
                if fc[2] == "array":
                    candidates.append(fc)
                elif ((row[j + 1] is not None and (r << 15 | c + 1) not in formula_at)
                      or (grid[i + 1][j] is not None and ((r + 1) << 15 | c) not in formula_at)):
                    candidates.append(fc)  # checked below against the file (most are plain values)

            def get(r: int, c: int, r0: int = r0, c0: int = c0, grid: list[list[Any]] = grid,
                    sheet: str = sheet) -> Any:
                if r0 <= r < r0 + len(grid) and c0 <= c < c0 + len(grid[0]):
                    return grid[r - r0][c - c0]
                return wb.get_value(sheet, r, c)
        else:
            def get(r: int, c: int, sheet: str = sheet) -> Any:
                return wb.get_value(sheet, r, c)

            for fc in cells:
                values[(sheet, fc.row, fc.col)] = _python_value(get(fc.row, fc.col), epoch, kinds)
                if fc.f_type == "array" or any(
                        get(r, c) is not None and (r << 15 | c) not in formula_at
                        for r, c in ((fc.row, fc.col + 1), (fc.row + 1, fc.col))):
                    candidates.append(fc)
        for fc in candidates:
            if fc.f_type != "array" and not any(
                    get(r, c) is not None and (r << 15 | c) not in formula_at
                    and ((r, c) in cleared or not _holds_value(xml, (r, c)))
                    for r, c in ((fc.row, fc.col + 1), (fc.row + 1, fc.col))):
                continue  # the neighbour's value is the file's own: no spill from here
            spill = wb.inspect_cell(f"{quote_sheet(sheet)}!{address(fc.row, fc.col)}").cell.spill
            if spill is None or str(spill.kind).split(".")[-1] != "Anchor" or not spill.extent:
                continue
            r1, c1, r2, c2 = parse_range(spill.extent)
            if (r1, c1, r2, c2) == (fc.row, fc.col, fc.row, fc.col):
                continue
            out.spills[(sheet, fc.row, fc.col)] = (r1, c1, r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (fc.row, fc.col):
                        values[(sheet, r, c)] = _python_value(get(r, c), epoch, kinds)


def _holds_value(xml: SheetXml, key: tuple[int, int]) -> bool:
    """Does the file hold a value (not only a style) in the cell at ``key``?"""
    found = xml.cell_part(key)
    if found is None:
        return False
    inner = found[1]
    return f"<{xml.p}v" in inner or f"<{xml.p}is" in inner


def compute(pkg: Package, ps: ParameterSet, functions: Functions, *,
            active_set: ActiveSet | None = None) -> Computed:
    """Recalculate every formula of ``pkg``, calling the functions of the table a face hands over.

    ``functions``: a :class:`~xlmodel.engine.functions.FunctionTable`, or a callable that builds
    one for the workbook's active parameter set.  ``active_set`` (the face's, e.g.
    ``xlmodel.excel.workbook_sheets.sheet_parameter_set``): ``ps`` with the user's changes in the
    workbook's own parameter table; None computes with ``ps`` as given.
    """
    with _Phase("load"):
        if active_set is not None:
            ps = active_set(pkg, ps)  # the workbook's own table (found by its marker) is the active set
        table = _table(functions, ps)
        kinds = dict(table.error_kinds) or _DEFAULT_KINDS
        out = Computed(calls=table.call_pattern())
        sheets = pkg.sheets()
        for ref in sheets:
            out.formulas[ref.name] = out.sheet_xml(pkg, ref.part).formula_cells()
        calling = _calling_sheets(pkg, out, sheets, table.names())
        if table.prepare is not None and (calling or _names_call(pkg, out.calls)):
            table.prepare()  # every import a call needs happens here, on this thread (issue 9)
        parallel = _parallel(calling)
        wb = _load(_engine_copy(pkg, out, calling, set(table.names())), pkg.name, parallel=parallel,
                   date1904=pkg.date1904)
        failures = Failures([ref.name for ref in sheets])
        guarded = excel_registry.GuardedWorkbook(wb)  # a callback's bug keeps the cells (keep.py)
        with excel_registry.scanning(out.formulas):   # the formulas scanned once, then dropped
            excel_functions.register(guarded, out.formulas, date1904=pkg.date1904,
                                     charset=excel_functions.charset(pkg))
            excel_registry.register(guarded, out.formulas, date1904=pkg.date1904)  # the families
        excel_tables.register(guarded, pkg, out.formulas)  # omitted names, table references written out
        excel_missing.register(guarded)  # BAHTTEXT, PERCENTOF: functions formualizer lacks
        _register(wb, table, failures)
        loaded = set(wb.sheet_names)
        for ref in sheets:
            if ref.name not in loaded and out.formulas[ref.name]:
                out.warnings.append(f"arket {ref.name!r} blev ikke indlæst af beregningsmotoren; "
                                    "dets formler beholder deres gamle værdier")
                out.formulas[ref.name] = []
    with _Phase("evaluate"):
        wb.evaluate_all()
    epoch = dt.date(1904, 1, 1) if pkg.date1904 else dt.date(1899, 12, 30)
    with _Phase("read_back"):
        _read_back(wb, pkg, out, epoch, kinds)
    calls = out.calls
    with _Phase("keep"):
        out.kept = keep.apply(pkg, out, wb, read=lambda v: _python_value(v, epoch, kinds),
                              known=keep.engine_knows,
                              own_call=lambda text: calls is not None and bool(calling)
                              and calls.search(text) is not None,
                              broken=guarded.broken(), failed=guarded.failed)
        for name, what in sorted(guarded.failed.items()):
            out.warnings.append(f"xlmodels udgave af {name} fejlede ({what}); celler, der kalder "
                                f"{name}, har beholdt den værdi, Excel havde gemt")
        _diagnose(wb, out, failures)
    return out


def _diagnose(wb: Any, out: Computed, failures: Failures) -> None:
    """Error cells with the message why: what the failing catalogue call said, else the cause."""
    if not any(isinstance(v, CellError) for v in out.values.values()):
        return   # no error value: nothing to explain (the common case)
    formula_at = {(s, fc.row, fc.col) for s, cells in out.formulas.items() for fc in cells}
    for (sheet, r, c), value in out.values.items():
        if not isinstance(value, CellError) or (sheet, r, c) not in formula_at:
            continue
        message = failures.by_cell.get((sheet, r, c), "")
        if not message:
            message = _from_precedent(wb, sheet, r, c, out) or _GENERIC.get(value.code, "")
        out.values[(sheet, r, c)] = CellError(value.code, message)
        out.errors.append(ErrorCell(sheet, address(r, c), value.code, message))
    # spilled members carrying an error are reported with their anchor's message
    for (sheet, r, c), (r1, c1, r2, c2) in out.spills.items():
        anchor = out.values.get((sheet, r, c))
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                v = out.values.get((sheet, rr, cc))
                if (rr, cc) != (r, c) and isinstance(v, CellError):
                    msg = f"spildt ud fra {address(r, c)}" + (
                        f": {anchor.message}" if isinstance(anchor, CellError) and anchor.message else "")
                    out.errors.append(ErrorCell(sheet, address(rr, cc), v.code, msg))


def _from_precedent(wb: Any, sheet: str, r: int, c: int, out: Computed) -> str:
    try:
        report = wb.precedents(f"{quote_sheet(sheet)}!{address(r, c)}", max_links=64)
    except Exception:
        return ""
    for p in report.precedents:
        ref = p.reference
        target = getattr(ref, "address", None)
        if not target or "!" not in target:
            continue
        s, _, cell = target.rpartition("!")
        s = s[1:-1].replace("''", "'") if s.startswith("'") else s
        try:
            rr, cc = parse_address(cell)
        except XlmodelError:
            continue
        v = out.values.get((s, rr, cc))
        if isinstance(v, CellError):
            return f"fra {target} ({v.code})"
    return ""


# ----------------------------------------------------------------------------------- writing ----
def write_values(pkg: Package, computed: Computed) -> list[str]:
    """Patch the cached values into the worksheet parts; returns warnings."""
    warnings: list[str] = []
    cm: int | bool | None = False  # False: not looked up yet
    for ref in pkg.sheets():
        cells = computed.formulas.get(ref.name)
        if not cells:
            continue
        xml = computed.sheet_xml(pkg, ref.part)
        values, spills, name = computed.values, computed.spills, ref.name
        if not (any(fc[2] == "array" for fc in cells)
                or (spills and any((name, fc.row, fc.col) in spills for fc in cells))):
            # cells are in document order (the scan's order); patch_formula_values refuses (None)
            # if one is not, and the general patcher below takes over
            get = values.get
            data = xml.patch_formula_values(cells, [get((name, fc[0], fc[1])) for fc in cells])
            if data is not None:  # the common case: plain formulas, one splice pass
                pkg.set(ref.part, data)
                continue
        updates: dict[tuple[int, int], Update] = {}
        clear: set[tuple[int, int]] = set()
        formula_pos = {(fc.row, fc.col) for fc in cells}
        for fc in cells:
            value = computed.values.get((ref.name, fc.row, fc.col))
            extent = computed.spills.get((ref.name, fc.row, fc.col))
            old = parse_range(fc.ref) if fc.f_type == "array" and fc.ref else None
            if extent is None:
                new = (fc.row, fc.col, fc.row, fc.col)
                array_ref = range_text(*new) if fc.f_type == "array" else None
                updates[(fc.row, fc.col)] = Update(value, array_ref=array_ref)
            elif fc.f_type == "shared":
                warnings.append(f"{ref.name}!{address(fc.row, fc.col)}: en delt formel spilder; "
                                "kun dens første celle skrives")
                updates[(fc.row, fc.col)] = Update(value)
                new = (fc.row, fc.col, fc.row, fc.col)
            else:
                if cm is False and extent != old:  # an array keeping its own range stays as it is
                    cm = pkg.dynamic_array_cm()
                new = extent
                updates[(fc.row, fc.col)] = Update(value, array_ref=range_text(*extent),
                                                   cm=cm if isinstance(cm, int) and extent != old else None)
                r1, c1, r2, c2 = extent
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        if (r, c) != (fc.row, fc.col) and (r, c) not in formula_pos:
                            updates[(r, c)] = Update(computed.values.get((ref.name, r, c)))
            if old is not None:  # cells an earlier, larger spill covered
                r1, c1, r2, c2 = old
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        inside = new[0] <= r <= new[2] and new[1] <= c <= new[3]
                        if not inside and (r, c) not in formula_pos:
                            clear.add((r, c))
        pkg.set(ref.part, xml.patch(updates, clear - set(updates)))
    return warnings


# ------------------------------------------------------------------------------- public API ----
def refresh_package(pkg: Package, ps: ParameterSet, functions: Functions, *,
                    write_parameters: ParameterWriter | None = None,
                    active_set: ActiveSet | None = None) -> RefreshReport:
    """Recalculate ``pkg`` in memory and patch its cached values (nothing is written to disk).

    ``write_parameters`` (the face's writer of the workbook's parameter table) runs first when
    given; ``active_set`` as in :func:`compute`.  The workbook then no longer forces a full
    recalculation on load (``fullCalcOnLoad``): its cached values are right, and a reader without
    the add-in shows them instead of ``#NAME?``.
    """
    start = time.perf_counter()
    warnings = write_parameters(pkg, ps) if write_parameters is not None else []
    computed = compute(pkg, ps, functions, active_set=active_set)
    with _Phase("patch"):
        warnings += computed.warnings + write_values(pkg, computed)
        pkg.without_full_calc_on_load()
    return RefreshReport(cells_computed=computed.cells_computed, error_cells=list(computed.errors),
                         elapsed=time.perf_counter() - start, spilled_cells=computed.spilled_cells,
                         params=ps.name, warnings=warnings, not_recomputed=list(computed.kept))


def read_package(src: str | Path) -> Package:
    """:meth:`Package.read` (read, identify, check, inflate once), timed as the ``read`` phase."""
    _PHASES.clear()
    with _Phase("read"):
        return Package.read(src)


def save_package(pkg: Package, target: str | Path, *, backup: bool = False, force: bool = False) -> None:
    """Write ``pkg`` atomically to ``target`` (refused if the input changed since it was read)."""
    with _Phase("write"):
        write_atomic(target, pkg.to_bytes(), backup=backup, force=force, expect_identity=pkg.identity)


def refresh(src: str | Path, dst: str | Path | None = None, params: str | ParameterSet | None = None,
            *, functions: Functions, write_parameters: ParameterWriter | None = None,
            active_set: ActiveSet | None = None) -> RefreshReport:
    """Recalculate ``src`` and write it with fresh cached values to ``dst`` (None: in place).

    ``params`` (a set's name, a .toml path or a ParameterSet) is the active parameter set of
    the table's functions and is also written into xlmodel's Parametre table and its ``P_*``
    names first; None keeps the table and uses aftale-2014.  The write is atomic (temporary
    file in the target's folder, then ``os.replace``): if anything fails, the target is untouched.
    ``functions``: what the formulas may call (see :func:`compute`); the catalogue's table is
    built by the Excel face (``xlmodel.excel.headless.refresh`` passes it, with the face's
    ``write_parameters`` and ``active_set``, see :func:`refresh_package`).
    """
    start = time.perf_counter()
    pkg = read_package(src)
    ps = resolve(params)
    report = refresh_package(pkg, ps, functions, active_set=active_set,
                             write_parameters=write_parameters if params is not None else None)
    target = Path(dst) if dst is not None else Path(src)
    save_package(pkg, target)
    report.output = target
    report.elapsed = time.perf_counter() - start
    return report


def evaluate(path: str | Path, params: str | ParameterSet | None = None, *,
             functions: Functions, write_parameters: ParameterWriter | None = None,
             active_set: ActiveSet | None = None) -> dict[tuple[str, str], Any]:
    """The recomputed value of every formula cell (and spilled cell) of a workbook, unwritten.

    Keys are ``(sheet, "A1")``; values are floats, text, booleans, None or :class:`CellError`.
    ``params`` and ``functions`` as in :func:`refresh` (the Parametre sheet is rewritten in
    memory only).
    """
    pkg = read_package(path)
    ps = resolve(params)
    if params is not None and write_parameters is not None:
        write_parameters(pkg, ps)
    computed = compute(pkg, ps, functions, active_set=active_set)
    return {(s, address(r, c)): v for (s, r, c), v in computed.values.items()}
