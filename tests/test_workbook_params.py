"""Live Excel (issue 11 item 3): the calling workbook's own Parametre table is the set its UDFs use.

xlwings cannot drive Excel here, so the calling range is a fake with the part of xlwings' API the
layer uses (``caller.sheet.book``, ``book.names``, ``book.sheets[...].range(...).options(ndim=2)
.value``), filled from the very file the headless refresh computes.  The figures are the shipped
set's and one changed [antagelse]; the expected results come from the headless refresh.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from xlmodel import parameters
from xlmodel.excel import layout, lite
from xlmodel.excel import workbook_params as wp

ANTAGELSE = "skat.selvbudget_udligning"  # [antagelse] 58 pct. in aftale-2014
FORMULAS = {
    "B1": "=SELVBUDGET_GEVINST(1000000,1030000,25)",      # reads the assumption
    "B2": f'=PARAMETER_KILDE("{ANTAGELSE}",2014)',         # its source: "bruger" once changed
    "B3": f'=PARAMETER("{ANTAGELSE}",2014)',
    "B4": "=PL_VAEGTET({0.6;0.4},{1.2;1.5})",               # reads no parameter
}
ARGS = {  # the same calls as xlwings passes them (ndim=2, a left-out optional as None)
    "B1": ("SELVBUDGET_GEVINST", [[[1000000.0]], [[1030000.0]], [[25.0]], None, None]),
    "B2": ("PARAMETER_KILDE", [[[ANTAGELSE]], [[2014.0]]]),
    "B3": ("PARAMETER", [[[ANTAGELSE]], [[2014.0]]]),
    "B4": ("PL_VAEGTET", [[[0.6], [0.4]], [[1.2], [1.5]]]),
}


# ------------------------------------------------------------------ a fake xlwings book ----
class _Range:
    def __init__(self, ws: Any, a: tuple[int, int], b: tuple[int, int], book: _Book) -> None:
        self.ws, self.a, self.b, self.book = ws, a, b, book
        self.sheet = _SheetRef(ws.title, book)

    def options(self, **kwargs: Any) -> _Range:
        assert kwargs.get("ndim") == 2
        return self

    @property
    def value(self) -> list[list[Any]]:
        self.book.reads += 1
        (r1, c1), (r2, c2) = self.a, self.b
        return [[self.ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


class _SheetRef:
    def __init__(self, name: str, book: _Book) -> None:
        self.name, self.book = name, book

    def range(self, a: tuple[int, int], b: tuple[int, int]) -> _Range:
        return _Range(self.book.wb[self.name], a, b, self.book)


class _Name:
    def __init__(self, refers_to: str) -> None:
        self.refers_to = refers_to


class _Names:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb

    def __contains__(self, name: str) -> bool:
        return name in self.wb.defined_names

    def __getitem__(self, name: str) -> _Name:
        return _Name("=" + self.wb.defined_names[name].attr_text)


class _Book:
    """An open workbook as xlwings shows it, over an openpyxl workbook (values, not formulas)."""

    def __init__(self, path: Path) -> None:
        self.wb = load_workbook(path, data_only=True)
        self.fullname = str(path)
        self.name = path.name
        self.reads = 0

    @property
    def names(self) -> _Names:
        return _Names(self.wb)

    @property
    def sheets(self) -> Any:
        book = self

        class Sheets(list):
            def __getitem__(self, key: Any) -> Any:
                return _SheetRef(key, book) if isinstance(key, str) else list.__getitem__(self, key)

        return Sheets(_SheetRef(n, self) for n in self.wb.sheetnames)

    def caller(self, cell: str = "B1") -> _Range:
        """The calling range xlwings hands a UDF in its reserved ``caller`` argument."""
        ws = self.wb["Model"]
        return _Range(ws, (ws[cell].row, ws[cell].column), (ws[cell].row, ws[cell].column), self)


# ------------------------------------------------------------------------------ workbooks ----
def _model(path: Path, value: Any = 40.0, *, header: bool = True, marker: bool = True) -> Path:
    """A model with xlmodel's Parametre table (the assumption set to ``value``) and FORMULAS."""
    ps = parameters.load()
    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    for cell, formula in FORMULAS.items():
        ws[cell] = formula
    table = layout.write_parameters(wb, ps)
    for row in table.iter_rows(min_row=2):
        if row[0].value == ANTAGELSE:
            row[2].value = value
    if not header:
        table["A1"] = "mit eget"
    if not marker:
        del wb.defined_names[layout.OWNED_TABLE]
    wb.save(path)
    return path


def _refreshed(path: Path, tmp_path: Path) -> dict[str, Any]:
    from xlmodel.excel.headless import refresh

    out = tmp_path / ("refreshed_" + path.name)
    shutil.copy(path, out)
    refresh(out)
    ws = load_workbook(out, data_only=True)["Model"]
    return {cell: ws[cell].value for cell in FORMULAS}


def _udf(book: _Book, cell: str) -> Any:
    import xlmodel.udfs as udfs

    name, args = ARGS[cell]
    return getattr(udfs, name)(*args, caller=book.caller(cell))


@pytest.fixture(autouse=True)
def _fresh_cache():
    wp.SETS.clear()
    lite._BOOKS.clear()
    yield
    wp.SETS.clear()
    lite._BOOKS.clear()


# ---------------------------------------------------------------------------------- tests ----
def test_a_changed_assumption_gives_the_udf_the_headless_refresh_result(tmp_path: Path) -> None:
    path = _model(tmp_path / "model.xlsx", 40.0)
    headless = _refreshed(path, tmp_path)
    book = _Book(path)
    live = {cell: _udf(book, cell) for cell in FORMULAS}
    assert live == pytest.approx(headless)
    assert live["B3"] == 40.0 and live["B2"].startswith("bruger")  # the user's value, marked as such
    # and it differs from the shipped set's answer (58 pct.): the table really is in force
    shipped = _udf(_Book(_model(tmp_path / "shipped.xlsx", 58.0)), "B1")
    assert shipped != pytest.approx(live["B1"])
    assert shipped == pytest.approx(_refreshed(tmp_path / "shipped.xlsx", tmp_path)["B1"])


def test_lite_gives_the_same_result_after_reading_the_table(tmp_path: Path) -> None:
    path = _model(tmp_path / "model.xlsx", 40.0)
    headless = _refreshed(path, tmp_path)
    book = _Book(path)
    caller = type("Caller", (), {"book_name": book.name})()
    name, args = ARGS["B1"]
    waiting = lite.call(name, *args, caller=caller)  # the session has not read this book's table
    assert waiting.value == lite.NOT_LOADED and waiting.script_name == lite.RELOAD_SCRIPT
    assert lite.call("PL_VAEGTET", *ARGS["B4"][1], caller=caller) == pytest.approx(headless["B4"])
    calculated = []
    book.app = type("App", (), {"calculate": lambda self: calculated.append(1)})()
    lite.genindlaes_parametre(book)
    assert calculated == [1]
    for cell, (name, args) in ARGS.items():
        assert lite.call(name, *args, caller=caller) == pytest.approx(headless[cell]), cell


def test_the_set_is_cached_per_workbook_and_rebuilt_when_the_table_changes(tmp_path: Path) -> None:
    book = _Book(_model(tmp_path / "model.xlsx", 40.0))
    first = wp.SETS.for_book(book, parameters.load())
    assert wp.SETS.for_book(book, parameters.load()) is first  # same values: the cached set
    for row in book.wb["Parametre"].iter_rows(min_row=2):
        if row[0].value == ANTAGELSE:
            row[2].value = 30.0  # the user edits the table
    assert _udf(book, "B3") == 30.0
    other = _Book(_model(tmp_path / "other.xlsx", 58.0))  # another open workbook keeps its own
    assert _udf(other, "B3") == 58.0 and _udf(book, "B3") == 30.0


def test_a_workbook_without_the_marker_uses_the_shipped_set(tmp_path: Path) -> None:
    # a sheet called Parametre with xlmodel's layout but no marker is the user's own sheet
    book = _Book(_model(tmp_path / "model.xlsx", 40.0, marker=False))
    assert _udf(book, "B3") == 58.0
    assert _udf(book, "B2").startswith("antagelse")


@pytest.mark.parametrize(("kind", "expected"), [
    ("header", "kan ikke bruges: 'Parametre'!A1"),
    ("range", "kan ikke bruges: skat.selvbudget_udligning.values.2011: 150 "),
    ("text", "kan ikke bruges: "),
    ("dangling", "kan ikke findes: navnet _xlmodel_owned_parametre peger på =#REF!"),
])
def test_a_broken_table_is_a_danish_message_where_it_matters(tmp_path: Path, kind: str,
                                                             expected: str) -> None:
    value = {"range": 150.0, "text": "fyrre"}.get(kind, 40.0)
    book = _Book(_model(tmp_path / "model.xlsx", value, header=kind != "header"))
    if kind == "dangling":
        book.wb.defined_names[layout.OWNED_TABLE].attr_text = "#REF!"
    for cell in ("B1", "B2", "B3"):
        text = _udf(book, cell)
        assert isinstance(text, str) and text.startswith("#VALUE! xlmodels Parametre-tabel"), text
        assert expected in text, text
        assert "Opdater model" in text  # what to do
    if kind in ("range", "text"):  # the message names the cell to fix
        row = next(r[0].row for r in book.wb["Parametre"].iter_rows() if r[0].value == ANTAGELSE)
        assert f"(cellen 'Parametre'!C{row})" in text, text
    # a function that reads no parameter cannot depend on the table: it computes (shipped set)
    assert _udf(book, "B4") == pytest.approx(0.6 * 1.2 / 1.0 + 0.4 * 1.5)


def test_the_reading_is_the_one_the_headless_path_uses(tmp_path: Path) -> None:
    from xlmodel.engine.package import Package
    from xlmodel.excel.workbook_sheets import sheet_parameter_set

    path = _model(tmp_path / "model.xlsx", 40.0)
    headless = sheet_parameter_set(Package.read(path), parameters.load())
    live = wp.SETS.for_book(_Book(path), parameters.load())
    assert live.to_frame().equals(headless.to_frame())
