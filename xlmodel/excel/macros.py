"""The workbook macros "Opdater model" and "Valider": one implementation, two kinds of book.

* "Opdater model": write the chosen parameter set into the Parametre sheet, recalculate, and
  write the check results into the Kontrol sheet.
* "Valider": run the checks on the workbook as it stands and write them into Kontrol.

Both run over the small :class:`Book` protocol.  :class:`FileBook` works on an .xlsx/.xlsm file
with no Excel (the headless engine; ``xlmodel refresh`` uses it); :class:`XlwingsBook` works on
the open workbook from an Excel button (xlwings ``RunPython``, see udfs/README.md)::

    Sub OpdaterModel()
        RunPython "import xlmodel.excel.macros as m; m.opdater_model_xlwings()"
    End Sub

The checks are :func:`checks` (error cells; the Parametre sheet against the named parameter
set).  The validation engine (``xlmodel.validate``) plugs in by passing its own function with
the same signature, ``check(book) -> DataFrame`` with the columns :data:`KONTROL_COLUMNS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xlmodel.engine.types import ErrorCell, RefreshReport
from xlmodel.excel import layout
from xlmodel.parameters import ParameterSet, resolve

if TYPE_CHECKING:
    import pandas as pd

KONTROL = "Kontrol"
#: The Kontrol sheet's columns: which check, OK / FEJL / INFO, where, what.
KONTROL_COLUMNS = ("kontrol", "status", "sted", "besked")
FEJL, OK, INFO = "FEJL", "OK", "INFO"
_WIDTHS = {"A": 28, "B": 8, "C": 24, "D": 100}


class Book(Protocol):
    """What the macros need from a workbook, whether a file or an open Excel book."""

    params: ParameterSet

    def has_sheet(self, name: str) -> bool: ...

    def write_parameters(self, ps: ParameterSet) -> None:
        """(Re)write the Parametre sheet and its P_* names for ``ps``."""

    def parameter_rows(self) -> list[layout.Row] | None:
        """The Parametre sheet as it stands (None: the book has none)."""

    def recalculate(self) -> None:
        """Recalculate every formula with the catalogue functions bound to ``params``."""

    def error_cells(self) -> list[ErrorCell]:
        """Formula cells whose value is an error, with the message where known."""

    def write_table(self, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """(Re)write ``sheet`` as a table of values."""

    def save(self) -> None: ...


# ------------------------------------------------------------------------------------ checks ----
def _error_findings(errors: list[ErrorCell]) -> list[tuple[str, str, str, str]]:
    if not errors:
        return [("fejlceller", OK, "", "no formula cell ends in an error")]
    return [("fejlceller", FEJL, f"{e.sheet}!{e.cell}", f"{e.error}: {e.message}" if e.message else e.error)
            for e in errors]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


def _parameter_findings(rows: list[layout.Row] | None, ps: ParameterSet) -> list[tuple[str, str, str, str]]:
    check = "parametre"
    if rows is None:
        return [(check, INFO, layout.SHEET, f"no {layout.SHEET} sheet; nothing to compare with {ps.name}")]
    expected = {(r.navn, r.aar): r for r in layout.rows(ps)}
    found = {}
    out = []
    for i, r in enumerate(rows, start=2):
        key = (str(r.navn), r.aar)
        found[key] = i
        want = expected.get(key)
        where = f"{layout.SHEET}!C{i}"
        if want is None:
            out.append((check, FEJL, f"{layout.SHEET}!A{i}",
                        f"{r.navn} ({r.aar}) is not a value of parameter set {ps.name}"))
        elif not _same(r.vaerdi, want.vaerdi):
            out.append((check, FEJL, where, f"{r.navn} ({r.aar}) is {r.vaerdi!r}; parameter set "
                        f"{ps.name} has {want.vaerdi!r} ({want.kilde}: {want.reference})"))
    for key, want in expected.items():
        if key not in found:
            out.append((check, FEJL, layout.SHEET, f"{want.navn} ({want.aar}) of parameter set "
                        f"{ps.name} is missing from the sheet"))
    if not out:
        out.append((check, OK, layout.SHEET, f"the sheet holds parameter set {ps.name} "
                    f"({len(expected)} values) unchanged"))
    return out


def checks(book: Book) -> pd.DataFrame:
    """The Kontrol findings: error cells, and the Parametre sheet against ``book.params``."""
    import pandas as pd

    rows = _error_findings(book.error_cells()) + _parameter_findings(book.parameter_rows(), book.params)
    return pd.DataFrame(rows, columns=list(KONTROL_COLUMNS))


Check = Callable[[Book], "pd.DataFrame"]


def _write_kontrol(book: Book, frame: pd.DataFrame, write: bool | None) -> None:
    if write is None:
        write = book.has_sheet(KONTROL)
    if write:
        book.write_table(KONTROL, list(frame.columns), frame.itertuples(index=False, name=None))


def opdater_model(book: Book, *, write_parameters: bool = True, write_kontrol: bool | None = True,
                  check: Check | None = None) -> pd.DataFrame:
    """"Opdater model": parameters into Parametre, recalculate, checks into Kontrol, save.

    ``write_kontrol`` None writes the Kontrol sheet only if the book has one (the command line
    does not add sheets to a workbook that has none).  Returns the findings.
    """
    if write_parameters:
        book.write_parameters(book.params)
    book.recalculate()
    frame = (check or checks)(book)
    _write_kontrol(book, frame, write_kontrol)
    book.save()
    return frame


def valider(book: Book, *, write_kontrol: bool | None = True, check: Check | None = None) -> pd.DataFrame:
    """"Valider": the checks on the book as it stands, into Kontrol; returns the findings."""
    frame = (check or checks)(book)
    _write_kontrol(book, frame, write_kontrol)
    book.save()
    return frame


# --------------------------------------------------------------------------------- file book ----
class FileBook:
    """A workbook file, headless: formualizer computes, values are patched into the package.

    Changes are kept in memory until :meth:`save`, which writes ``dst`` (default: the source)
    atomically.  After :meth:`recalculate`, ``report`` holds the :class:`RefreshReport`.
    """

    def __init__(self, src: str | Path, dst: str | Path | None = None,
                 params: str | ParameterSet | None = None, *, backup: bool = False,
                 force: bool = False) -> None:
        import time

        from xlmodel.engine.package import Package

        self._start = time.perf_counter()
        self.src = Path(src)
        self.dst = Path(dst) if dst is not None else self.src
        self.pkg = Package.read(src)
        self.params = resolve(params)
        self.report: RefreshReport | None = None
        self._errors: list[ErrorCell] | None = None
        self.backup, self.force = backup, force

    def has_sheet(self, name: str) -> bool:
        return self.pkg.sheet(name) is not None

    def write_parameters(self, ps: ParameterSet) -> None:
        from xlmodel.engine.workbook_sheets import write_parameter_sheet

        write_parameter_sheet(self.pkg, ps)

    def parameter_rows(self) -> list[layout.Row] | None:
        import io

        from openpyxl import load_workbook

        if not self.has_sheet(layout.SHEET):
            return None
        wb = load_workbook(io.BytesIO(self.pkg.to_bytes()), read_only=True, data_only=True)
        try:
            return layout.read_parameters(wb[layout.SHEET])
        finally:
            wb.close()

    def recalculate(self) -> None:
        from xlmodel.engine.formualizer_engine import compute, write_values

        computed = compute(self.pkg, self.params)
        warnings = computed.warnings + write_values(self.pkg, computed)
        self._errors = list(computed.errors)
        self.report = RefreshReport(cells_computed=computed.cells_computed, error_cells=self._errors,
                                    spilled_cells=computed.spilled_cells, output=self.dst,
                                    params=self.params.name, warnings=warnings,
                                    not_recomputed=list(computed.kept))

    def error_cells(self) -> list[ErrorCell]:
        if self._errors is not None:
            return self._errors
        from xlmodel.engine.sheetxml import SheetXml, address

        out = []
        for ref in self.pkg.sheets():
            for r, c, code, message in SheetXml(self.pkg.get(ref.part), ref.part).cached_errors():
                out.append(ErrorCell(ref.name, address(r, c), code, message))
        return out

    def write_table(self, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        from xlmodel.engine.workbook_sheets import write_table_sheet

        write_table_sheet(self.pkg, sheet, header, rows, _WIDTHS)

    def save(self) -> None:
        import time

        from xlmodel.engine.package import write_atomic

        write_atomic(self.dst, self.pkg.to_bytes(), backup=self.backup, force=self.force,
                     expect_identity=self.pkg.identity)  # a file saved meanwhile is not replaced
        if self.report is not None:
            self.report.elapsed = time.perf_counter() - self._start


# ------------------------------------------------------------------------------ xlwings book ----
class XlwingsBook:
    """The workbook open in Excel, driven through xlwings (Windows; not executable headless).

    Kept thin: values and names go in through xlwings, Excel recalculates (the catalogue
    functions run as xlwings UDFs), and the error scan reads the cells with ``err_to_str``.
    """

    def __init__(self, book: Any, params: str | ParameterSet | None = None) -> None:
        self.book = book
        self.params = resolve(params)

    def has_sheet(self, name: str) -> bool:
        return name in [s.name for s in self.book.sheets]

    def _sheet(self, name: str) -> Any:
        if self.has_sheet(name):
            return self.book.sheets[name]
        return self.book.sheets.add(name, after=self.book.sheets[-1])

    def write_parameters(self, ps: ParameterSet) -> None:
        from openpyxl import Workbook

        scratch = Workbook()  # the one layout, computed on a scratch book and copied over
        ws = layout.write_parameters(scratch, ps)
        sheet = self._sheet(layout.SHEET)
        sheet.clear_contents()
        sheet.range("A1").value = [list(r) for r in ws.iter_rows(values_only=True)]
        for name in [n.name for n in self.book.names if n.name.startswith(layout.NAME_PREFIX)]:
            self.book.names[name].delete()
        for name, dn in scratch.defined_names.items():
            self.book.names.add(name, "=" + dn.attr_text)

    def parameter_rows(self) -> list[layout.Row] | None:
        from openpyxl import Workbook

        if not self.has_sheet(layout.SHEET):
            return None
        values = self.book.sheets[layout.SHEET].used_range.options(ndim=2).value
        scratch = Workbook().active
        for row in values:
            scratch.append(row)
        return layout.read_parameters(scratch)

    def recalculate(self) -> None:
        self.book.app.calculate()

    def error_cells(self) -> list[ErrorCell]:
        from xlmodel.engine.sheetxml import address
        from xlmodel.excel.cells import ERROR_PREFIX, excel_error

        out = []
        for sheet in self.book.sheets:
            rng = sheet.used_range
            values = rng.options(ndim=2, err_to_str=True).value
            formulas = rng.options(ndim=2).formula
            r0, c0 = rng.row, rng.column
            for i, row in enumerate(values):
                for j, v in enumerate(row):
                    if not str(formulas[i][j]).startswith("="):
                        continue
                    code = excel_error(v)
                    if code:
                        message = v[len(ERROR_PREFIX):] if v.startswith(ERROR_PREFIX) else ""
                        out.append(ErrorCell(sheet.name, address(r0 + i, c0 + j), code, message))
        return out

    def write_table(self, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        target = self._sheet(sheet)
        target.clear_contents()
        target.range("A1").value = [list(header), *[list(r) for r in rows]]

    def save(self) -> None:
        """The user saves the open workbook; the macro does not."""


def opdater_model_xlwings(params: str | None = None) -> None:
    """The "Opdater model" button (RunPython): runs :func:`opdater_model` on the calling book."""
    import xlwings as xw

    opdater_model(XlwingsBook(xw.Book.caller(), params))


def valider_xlwings(params: str | None = None) -> None:
    """The "Valider" button (RunPython): runs :func:`valider` on the calling book."""
    import xlwings as xw

    valider(XlwingsBook(xw.Book.caller(), params))
