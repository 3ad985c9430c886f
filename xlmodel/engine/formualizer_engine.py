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

from xlmodel.engine import excel_functions, keep
from xlmodel.engine.keep import NotRecomputed
from xlmodel.engine.package import Package, write_atomic
from xlmodel.engine.sheetxml import (
    FormulaCell,
    SheetXml,
    Update,
    address,
    parse_address,
    parse_range,
    range_text,
    rewrite_formulas,
)
from xlmodel.engine.types import CellError, ErrorCell, RefreshReport
from xlmodel.errors import XlmodelError
from xlmodel.excel import catalogue
from xlmodel.excel.cells import FORMUALIZER_KINDS, cell_message, engine_callback, prepare_engine
from xlmodel.parameters import ParameterSet, resolve

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

_CATALOGUE_CALL = re.compile(
    r"(?<![\w.])(?:_xludf\.)?(" + "|".join(sorted(catalogue.names(), key=len, reverse=True)) + r")\s*\(",
    re.IGNORECASE)


@dataclass
class Computed:
    """The recalculated values of a package, ready to be written or returned."""

    values: dict[tuple[str, int, int], Any] = field(default_factory=dict)   # formula + spilled cells
    formulas: dict[str, list[FormulaCell]] = field(default_factory=dict)    # per sheet, from the XML
    spills: dict[tuple[str, int, int], tuple[int, int, int, int]] = field(default_factory=dict)
    errors: list[ErrorCell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: list[NotRecomputed] = field(default_factory=list)  # left at Excel's value (engine.keep)
    parsed: dict[str, tuple[bytes, SheetXml]] = field(default_factory=dict)  # part → (bytes, parse)

    def sheet_xml(self, pkg: Package, part: str) -> SheetXml:
        """The parsed worksheet part, reused while the part is unchanged."""
        data = pkg.get(part)
        cached = self.parsed.get(part)
        if cached is None or cached[0] != data:
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
def _parallel(formulas: dict[str, list[FormulaCell]]) -> bool:
    """Parallel evaluation, unless the workbook calls catalogue functions (PARALLEL_WITH_CATALOGUE)."""
    if PARALLEL_WITH_CATALOGUE:
        return True
    return not any(_CATALOGUE_CALL.search(fc.text) for cells in formulas.values() for fc in cells
                   if fc.text)


def _load(data: bytes, name: str, parallel: bool = True, date1904: bool = False) -> Any:
    import formualizer as fz

    config = fz.EvaluationConfig()
    config.enable_parallel = parallel
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


def _register(wb: Any, ps: ParameterSet, failures: Failures) -> None:
    prepare_engine(ps)  # every import a call needs happens here, on this thread (issue 9)
    for fn in catalogue.functions():
        inner = engine_callback(fn.name, ps)

        def callback(*args: Any, _inner: Callable[..., Any] = inner) -> Any:
            where = failures.cell(*args[:3]) if len(args) >= 3 else None
            if where is not None:
                args = args[3:]
            try:
                return _inner(*args)
            except Exception as exc:
                failures.record(where, cell_message(exc))  # Danish: the report and Status sheet
                raise

        wb.register_function(fn.name, callback, min_args=len(fn.required), max_args=len(fn.args) + 3)


def _tag_calls(formula: str, sheet_index: int) -> str:
    """Give every catalogue call in ``formula`` the cell tag as its first arguments.

    ``PL_FAKTOR(2013,2014)`` → ``PL_FAKTOR("_xlmodel_cell_0",ROW(),COLUMN(),2013,2014)``.  Text
    in double quotes (strings) and single quotes (sheet names) is left alone.  ROW() and COLUMN()
    give each cell of a shared formula its own address, and an array formula its anchor's.

    >>> _tag_calls('IF(A1,PL_FAKTOR(2013,2014),"PL_FAKTOR(")', 2)
    'IF(A1,PL_FAKTOR("_xlmodel_cell_2",ROW(),COLUMN(),2013,2014),"PL_FAKTOR(")'
    >>> _tag_calls("PL_FAKTOR( )", 0)
    'PL_FAKTOR("_xlmodel_cell_0",ROW(),COLUMN())'
    """
    tag = f'"{CELL_TAG}{sheet_index}",ROW(),COLUMN()'
    out: list[str] = []
    for i, piece in enumerate(re.split(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')", formula)):
        if i % 2:  # a quoted piece
            out.append(piece)
            continue
        pos = 0
        for m in _CATALOGUE_CALL.finditer(piece):
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


def _engine_formula(text: str, sheet_index: int) -> str:
    """The formula as the engine gets it: left-out arguments filled, ``_xludf.`` dropped, tagged."""
    if not _CATALOGUE_CALL.search(text):
        return text
    if _MAYBE_OMITTED.search(text):
        text = _fill_omitted(text)
    return _tag_calls(text, sheet_index)


def _fill_omitted(formula: str) -> str:
    """Make left-out arguments of catalogue calls explicit ``""`` and drop an ``_xludf.`` prefix.

    formualizer passes a left-out argument (``=F(a,,c)``) as 0, which would be a wrong number
    for an optional argument whose default is not 0; ``""`` is read as blank → the default.
    Only the in-memory copy is changed: the file keeps the user's formula text.
    """
    import formualizer as fz

    if not formula.startswith("="):  # formualizer keeps a loaded formula without its "="
        return _fill_omitted("=" + formula)[1:]
    try:
        tokens = list(fz.tokenize(formula))
    except Exception:  # a formula formualizer cannot tokenize is evaluated (and reported) as is
        return formula
    names = set(catalogue.names())
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


def _python_value(value: Any, epoch: dt.date) -> Any:
    if isinstance(value, dict) and value.get("type") == "Error":
        return CellError(FORMUALIZER_KINDS.get(str(value.get("kind")), "#VALUE!"))
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


def _engine_copy(pkg: Package, formulas: dict[str, list[FormulaCell]]) -> bytes:
    """The package bytes for the engine: array members cleared, new errors mapped, calls tagged.

    The cells an array (or spilled) formula covers belong to that formula; formualizer would
    read their cached values as constants in its way and answer #SPILL!.  Catalogue calls get
    their left-out arguments filled and the cell tag (:func:`_engine_formula`).  Only the
    engine's copy is changed: the file is patched from ``pkg``.
    """
    copy = Package(pkg.to_bytes() if pkg.changed else pkg.source_bytes(), pkg.name)
    clear: dict[str, set[tuple[int, int]]] = {}
    for sheet, cells in formulas.items():
        here = {(fc.row, fc.col) for fc in cells}
        for fc in cells:
            if fc.f_type != "array" or not fc.ref:
                continue
            r1, c1, r2, c2 = parse_range(fc.ref)
            clear.setdefault(sheet, set()).update(
                (r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) not in here)
    for index, ref in enumerate(copy.sheets()):
        data = copy.get(ref.part)
        if any(_CATALOGUE_CALL.search(fc.text) for fc in formulas.get(ref.name, ()) if fc.text):
            data = rewrite_formulas(data, lambda text, i=index: _engine_formula(text, i))
        if clear.get(ref.name):
            data = SheetXml(data, ref.part).patch({}, clear[ref.name])
        copy.set(ref.part, _NEWER_ERRORS.sub(rb"\1#VALUE!\2", data))
    if not copy.changed:
        return copy.source_bytes()
    return copy.to_bytes()


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def compute(pkg: Package, ps: ParameterSet) -> Computed:
    """Recalculate every formula of ``pkg`` with the catalogue functions bound to ``ps``."""
    from xlmodel.engine.workbook_sheets import sheet_parameter_set

    ps = sheet_parameter_set(pkg, ps)  # xlmodel's Parametre table (by its marker) is the active set
    out = Computed()
    sheets = pkg.sheets()
    for ref in sheets:
        out.formulas[ref.name] = out.sheet_xml(pkg, ref.part).formula_cells()
    wb = _load(_engine_copy(pkg, out.formulas), pkg.name, parallel=_parallel(out.formulas),
               date1904=_date1904(pkg))
    failures = Failures([ref.name for ref in sheets])
    excel_functions.register(wb, out.formulas, date1904=_date1904(pkg),
                             charset=excel_functions.charset(pkg))
    _register(wb, ps, failures)
    loaded = set(wb.sheet_names)
    for ref in sheets:
        if ref.name not in loaded and out.formulas[ref.name]:
            out.warnings.append(f"sheet {ref.name!r} was not loaded by the engine; "
                                "its formulas keep their old values")
            out.formulas[ref.name] = []
    wb.evaluate_all()
    epoch = dt.date(1904, 1, 1) if _date1904(pkg) else dt.date(1899, 12, 30)
    for sheet, cells in out.formulas.items():
        for fc in cells:
            value = _python_value(wb.get_value(sheet, fc.row, fc.col), epoch)
            out.values[(sheet, fc.row, fc.col)] = value
            spill = wb.inspect_cell(f"{_quoted(sheet)}!{address(fc.row, fc.col)}").cell.spill
            if spill is None or str(spill.kind).split(".")[-1] != "Anchor" or not spill.extent:
                continue
            r1, c1, r2, c2 = parse_range(spill.extent)
            if (r1, c1, r2, c2) == (fc.row, fc.col, fc.row, fc.col):
                continue
            out.spills[(sheet, fc.row, fc.col)] = (r1, c1, r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (fc.row, fc.col):
                        out.values[(sheet, r, c)] = _python_value(wb.get_value(sheet, r, c), epoch)
    out.kept = keep.apply(pkg, out, wb, read=lambda v: _python_value(v, epoch), known=keep.engine_knows,
                          own_call=lambda text: _CATALOGUE_CALL.search(text) is not None)
    _diagnose(wb, out, failures)
    return out


def _diagnose(wb: Any, out: Computed, failures: Failures) -> None:
    """Error cells with the message why: what the failing catalogue call said, else the cause."""
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
        report = wb.precedents(f"{_quoted(sheet)}!{address(r, c)}", max_links=64)
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


def _date1904(pkg: Package) -> bool:
    text = pkg.get(pkg.workbook_part).decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](1|true)[\"']", text)
    return m is not None


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
                warnings.append(f"{ref.name}!{address(fc.row, fc.col)}: a shared formula spills; "
                                "only its first cell is written")
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
def _parameter_sheet(pkg: Package, ps: ParameterSet) -> list[str]:
    from xlmodel.engine.workbook_sheets import write_parameter_sheet

    return write_parameter_sheet(pkg, ps)


def refresh_package(pkg: Package, ps: ParameterSet, *, write_parameters: bool = False) -> RefreshReport:
    """Recalculate ``pkg`` in memory and patch its cached values (nothing is written to disk).

    The workbook then no longer forces a full recalculation on load (``fullCalcOnLoad``): its
    cached values are right, and a reader without the add-in shows them instead of ``#NAME?``.
    """
    start = time.perf_counter()
    warnings = _parameter_sheet(pkg, ps) if write_parameters else []
    computed = compute(pkg, ps)
    warnings += computed.warnings + write_values(pkg, computed)
    pkg.without_full_calc_on_load()
    return RefreshReport(cells_computed=computed.cells_computed, error_cells=list(computed.errors),
                         elapsed=time.perf_counter() - start, spilled_cells=computed.spilled_cells,
                         params=ps.name, warnings=warnings, not_recomputed=list(computed.kept))


def refresh(src: str | Path, dst: str | Path | None = None,
            params: str | ParameterSet | None = None) -> RefreshReport:
    """Recalculate ``src`` and write it with fresh cached values to ``dst`` (None: in place).

    ``params`` (a set's name, a .toml path or a ParameterSet) is the active parameter set of
    the catalogue functions and is also written into xlmodel's Parametre table and its ``P_*``
    names first; None keeps the table and uses aftale-2014.  The write is atomic (temporary
    file in the target's folder, then ``os.replace``): if anything fails, the target is untouched.
    """
    start = time.perf_counter()
    pkg = Package.read(src)
    ps = resolve(params)
    report = refresh_package(pkg, ps, write_parameters=params is not None)
    target = Path(dst) if dst is not None else Path(src)
    write_atomic(target, pkg.to_bytes(), expect_identity=pkg.identity)
    report.output = target
    report.elapsed = time.perf_counter() - start
    return report


def evaluate(path: str | Path, params: str | ParameterSet | None = None) -> dict[tuple[str, str], Any]:
    """The recomputed value of every formula cell (and spilled cell) of a workbook, unwritten.

    Keys are ``(sheet, "A1")``; values are floats, text, booleans, None or :class:`CellError`.
    ``params`` as in :func:`refresh` (the Parametre sheet is rewritten in memory only).
    """
    pkg = Package.read(path)
    ps = resolve(params)
    if params is not None:
        _parameter_sheet(pkg, ps)
    computed = compute(pkg, ps)
    return {(s, address(r, c)): v for (s, r, c), v in computed.values.items()}
