"""The workbook macros "Opdater model" and "Valider": one implementation, two kinds of book.

* "Opdater model": write the chosen parameter set into the Parametre table, recalculate, and
  write the check results into the status sheet.
* "Valider": run the checks on the workbook as it stands and write them into the status sheet.

The status sheet (:data:`STATUS_SHEET`) and the Parametre table are xlmodel's own parts of a
user's workbook, recognised by the hidden names ``layout.OWNED_STATUS`` / ``layout.OWNED_TABLE``
it wrote, never by a sheet's name: a model's own Kontrol sheet is computed like any sheet.

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

import contextlib
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xlmodel.engine.types import ErrorCell, RefreshReport
from xlmodel.excel import layout
from xlmodel.parameters import ParameterSet, resolve
from xlmodel.tekst import (  # the one status vocabulary: fejl / OK / info
    FEJL,
    INFO,
    OK,
    format_aar,
    format_eksakt,
    format_tal,
)

if TYPE_CHECKING:
    import pandas as pd

#: The status sheet's name when xlmodel adds it (another name if the workbook has that sheet).
STATUS_SHEET = "Status (xlmodel)"
#: The status sheet's columns: which check, OK / fejl / info, where, what.
KONTROL_COLUMNS = ("kontrol", "status", "sted", "besked")
_WIDTHS = {"A": 28, "B": 8, "C": 24, "D": 100}


class Book(Protocol):
    """What the macros need from a workbook, whether a file or an open Excel book."""

    params: ParameterSet

    def write_parameters(self, ps: ParameterSet) -> None:
        """(Re)write the owned Parametre table and its P_* names for ``ps``."""

    def parameter_rows(self) -> tuple[str, list[layout.Row]] | None:
        """The owned Parametre table as (its header cell, rows); None: the book has none."""

    def recalculate(self) -> None:
        """Recalculate every formula with the catalogue functions bound to ``params``."""

    def error_cells(self) -> list[ErrorCell]:
        """Formula cells whose value is an error, with the message where known."""

    def has_status(self) -> bool:
        """Does the book have xlmodel's status sheet (by its marker)?"""

    def write_status(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """(Re)write xlmodel's status sheet as a table of values (adding it if there is none)."""

    def save(self) -> None: ...


# ------------------------------------------------------------------------------------ checks ----
def _error_findings(errors: list[ErrorCell]) -> list[tuple[str, str, str, str]]:
    if not errors:
        return [("fejlceller", OK, "", "ingen formelcelle ender i en fejl")]
    return [("fejlceller", FEJL, f"{e.sheet}!{e.cell}", f"{e.error}: {e.message}" if e.message else e.error)
            for e in errors]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


def _parameter_findings(table: tuple[str, list[layout.Row]] | None,
                        ps: ParameterSet) -> list[tuple[str, str, str, str]]:
    from xlmodel.ooxml.addresses import address

    check = "parametre"
    if table is None:
        return [(check, INFO, "", f"ingen Parametre-tabel fra xlmodel; intet at sammenligne med {ps.name}")]
    header, rows = table
    ref = layout.parse_ref(header)
    sheet, c1 = (ref[0], ref[1][1]) if ref is not None else (header, 1)
    expected = {(r.navn, r.aar): r for r in layout.rows(ps)}
    found = {}
    out = []
    for r in rows:
        key = (str(r.navn), r.aar)
        found[key] = r.row
        want = expected.get(key)
        where = f"{sheet}!{address(r.row, c1 + 2)}"
        if want is None:
            out.append((check, FEJL, f"{sheet}!{address(r.row, c1)}",
                        f"{r.navn} ({format_aar(r.aar)}) er ikke en værdi i parametersættet {ps.name}"))
        elif not _same(r.vaerdi, want.vaerdi):
            out.append((check, FEJL, where, f"{r.navn} ({format_aar(r.aar)}) er {format_eksakt(r.vaerdi)}; "
                        "parametersættet "
                        f"{ps.name} har {format_eksakt(want.vaerdi)} ({want.kilde}: {want.reference})"))
    for key, want in expected.items():
        if key not in found:
            out.append((check, FEJL, sheet, f"{want.navn} ({format_aar(want.aar)}) fra parametersættet "
                        f"{ps.name} mangler i arket"))
    if not out:
        out.append((check, OK, sheet, f"arket indeholder parametersættet {ps.name} "
                    f"({format_tal(len(expected), 0)} værdier) uændret"))
    return out


def check_rows(book: Book) -> list[tuple[str, str, str, str]]:
    """The Kontrol findings as rows (:data:`KONTROL_COLUMNS`): error cells, and the Parametre
    sheet against ``book.params``.  No pandas: the headless refresh uses these rows directly."""
    from xlmodel.errors import XlmodelError

    try:
        parameters = _parameter_findings(book.parameter_rows(), book.params)
    except XlmodelError as exc:  # a marker that points nowhere, a header that is not xlmodel's
        from xlmodel.excel.danish import message

        parameters = [("parametre", FEJL, "", message(exc))]
    return _error_findings(book.error_cells()) + parameters


def checks(book: Book) -> pd.DataFrame:
    """The Kontrol findings (:func:`check_rows`) as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(check_rows(book), columns=list(KONTROL_COLUMNS))


Check = Callable[[Book], "pd.DataFrame"]


def _write_kontrol(book: Book, frame: pd.DataFrame, write: bool | None) -> None:
    if write is None:
        write = book.has_status()
    if write:
        book.write_status(list(frame.columns), frame.itertuples(index=False, name=None))


def opdater_model_rows(book: Book, *, write_parameters: bool = True,
                       write_kontrol: bool | None = True) -> list[tuple[str, str, str, str]]:
    """:func:`opdater_model` with the built-in checks, returning their rows (no pandas)."""
    if write_parameters:
        book.write_parameters(book.params)
    book.recalculate()
    rows = check_rows(book)
    if (book.has_status() if write_kontrol is None else write_kontrol):
        book.write_status(list(KONTROL_COLUMNS), rows)
    book.save()
    return rows


def opdater_model(book: Book, *, write_parameters: bool = True, write_kontrol: bool | None = True,
                  check: Check | None = None) -> pd.DataFrame:
    """"Opdater model": parameters into Parametre, recalculate, checks into the status sheet, save.

    ``write_kontrol`` None writes the status sheet only if the book has xlmodel's (the command
    line does not add sheets to a workbook that has none).  Returns the findings.
    """
    if write_parameters:
        book.write_parameters(book.params)
    book.recalculate()
    frame = (check or checks)(book)
    _write_kontrol(book, frame, write_kontrol)
    book.save()
    return frame


def valider(book: Book, *, write_kontrol: bool | None = True, check: Check | None = None) -> pd.DataFrame:
    """"Valider": the checks on the book as it stands, into the status sheet; returns the findings."""
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

        from xlmodel.engine.formualizer_engine import read_package

        self._start = time.perf_counter()
        self.src = Path(src)
        self.dst = Path(dst) if dst is not None else self.src
        self.pkg = read_package(src)  # read, identify, check and inflate once
        self.params = resolve(params)
        self.report: RefreshReport | None = None
        self.warnings: list[str] = []
        self._errors: list[ErrorCell] | None = None
        self.backup, self.force = backup, force

    def write_parameters(self, ps: ParameterSet) -> None:
        from xlmodel.excel.workbook_sheets import write_parameter_sheet

        self.warnings += write_parameter_sheet(self.pkg, ps)

    def parameter_rows(self) -> tuple[str, list[layout.Row]] | None:
        from xlmodel.excel.workbook_sheets import table_cells

        found = table_cells(self.pkg)  # one scan of the table's sheet; the one parsing
        return None if found is None else (found[0], layout.parse_rows(found[1], found[0]))

    def recalculate(self) -> None:
        from xlmodel.engine import formualizer_engine as fe
        from xlmodel.excel.headless import function_table
        from xlmodel.excel.workbook_sheets import sheet_parameter_set

        # the engine gets the catalogue and the workbook's own set (its Parametre table)
        computed = fe.compute(self.pkg, self.params, function_table, active_set=sheet_parameter_set)
        with fe._Phase("patch"):
            warnings = self.warnings + computed.warnings + fe.write_values(self.pkg, computed)
            self.pkg.without_full_calc_on_load()  # the cached values are right: no forced recalculation
        self._errors = list(computed.errors)
        self.report = RefreshReport(cells_computed=computed.cells_computed, error_cells=self._errors,
                                    spilled_cells=computed.spilled_cells, output=self.dst,
                                    params=self.params.name, warnings=warnings,
                                    not_recomputed=list(computed.kept))

    def error_cells(self) -> list[ErrorCell]:
        if self._errors is not None:
            return self._errors
        from xlmodel.excel.cells import ERROR_PREFIX
        from xlmodel.ooxml.addresses import address
        from xlmodel.ooxml.sheet import SheetXml

        out = []
        for ref in self.pkg.sheets():
            for r, c, code, message in SheetXml(self.pkg.get(ref.part), ref.part).cached_errors(ERROR_PREFIX):
                out.append(ErrorCell(ref.name, address(r, c), code, message))
        return out

    def has_status(self) -> bool:
        from xlmodel.excel.workbook_sheets import has_status_sheet

        return has_status_sheet(self.pkg)

    def write_status(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        from xlmodel.excel.workbook_sheets import write_status_sheet

        write_status_sheet(self.pkg, STATUS_SHEET, header, rows, _WIDTHS)

    def save(self) -> None:
        import time

        from xlmodel.engine.formualizer_engine import save_package

        save_package(self.pkg, self.dst, backup=self.backup, force=self.force)  # a file saved meanwhile
        # is not replaced (the identity noted when it was read)
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

    def _names(self) -> dict[str, str]:
        return {n.name: str(n.refers_to or "") for n in self.book.names}

    def _owned(self, marker: str) -> tuple[str, tuple[int, int, int, int]] | None:
        text = self._names().get(marker)
        ref = layout.parse_ref(text) if text else None
        if ref is None or ref[0] not in [s.name for s in self.book.sheets]:
            return None
        return ref

    def _mark(self, marker: str, refers_to: str) -> None:
        if marker in self._names():
            self.book.names[marker].delete()
        self.book.names.add(marker, "=" + refers_to)
        with contextlib.suppress(Exception):  # Excel (COM): hide the marker from the Name Manager
            self.book.names[marker].api.Visible = False

    def write_parameters(self, ps: ParameterSet) -> None:
        from xlmodel.errors import XlmodelError
        from xlmodel.ooxml.addresses import address

        table = layout.table_rows(ps)
        found = self._owned(layout.OWNED_TABLE)
        if found is None:
            sheet = layout.unique_sheet_name([s.name for s in self.book.sheets], layout.SHEET)
            target = self.book.sheets.add(sheet, after=self.book.sheets[-1])
            r1, c1, old = 1, 1, []
        else:
            sheet, (r1, c1, r2, c2) = found
            target = self.book.sheets[sheet]
            target.range(address(r1, c1)).value = [[None] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
            old = layout.owned_names(self._names(), found)
        new = layout.table_names(ps, sheet, r1, c1)
        mine = {n.lower() for n in old}
        for n in self._names():
            if n.lower() in {k.lower() for k in new} and n.lower() not in mine:
                raise XlmodelError(f"defined name {n}", self._names()[n], "a name xlmodel owns",
                                   detail="the workbook defines it itself; rename that name, then run again")
        target.range(address(r1, c1)).value = [list(r) for r in table]
        for name in old:
            self.book.names[name].delete()
        for name in old:  # an owned name the new set lacks: kept as #N/A, never a vanished name
            new.setdefault(name, layout.MISSING)
        for name, ref in new.items():
            self.book.names.add(name, "=" + ref)
        self._mark(layout.OWNED_TABLE, layout.table_ref(sheet, len(table), r1, c1))

    def parameter_rows(self) -> tuple[str, list[layout.Row]] | None:
        from xlmodel.excel.workbook_params import table_cells

        found = table_cells(self.book)  # the cells through xlwings; the one parsing
        return None if found is None else (found[0], layout.parse_rows(found[1], found[0]))

    def recalculate(self) -> None:
        self.book.app.calculate()

    def error_cells(self) -> list[ErrorCell]:
        from xlmodel.excel.cells import ERROR_PREFIX, excel_error
        from xlmodel.ooxml.addresses import address

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

    def has_status(self) -> bool:
        return self._owned(layout.OWNED_STATUS) is not None

    def write_status(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        from xlmodel.ooxml.addresses import quote_sheet

        found = self._owned(layout.OWNED_STATUS)
        if found is None:
            name = layout.unique_sheet_name([s.name for s in self.book.sheets], STATUS_SHEET)
            target = self.book.sheets.add(name, after=self.book.sheets[-1])
        else:
            name, target = found[0], self.book.sheets[found[0]]
            target.clear_contents()
        table = [list(header), *[list(r) for r in rows]]
        target.range("A1").value = table
        self._mark(layout.OWNED_STATUS, f"{quote_sheet(name)}!$A$1:$D${len(table)}")

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
