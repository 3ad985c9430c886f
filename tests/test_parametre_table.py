"""xlmodel's Parametre table, found by its marker and read one way (the tidy leftovers of issues 9/15).

* Validation finds the table by the marker ``_xlmodel_owned_parametre``, wherever it starts; a
  user's own sheet called "Parametre" without the marker gets no finding.
* Every reader (refresh's active set, the macros' file book, validation, live Excel) parses the
  same cells with ``layout.parse_rows``: same rows, same Danish messages.
* Headless refresh refuses a broken table (header, value, dangling marker) with one Danish line
  naming the cell and what is allowed, exit 2, the file untouched — never the shipped set in silence.

Workbooks are written the way users write them: openpyxl, and one saved by LibreOffice.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from xlmodel.cli import main
from xlmodel.engine import libreoffice
from xlmodel.excel import layout, macros, workbook_params
from xlmodel.excel.workbook_params import ParametreFejl
from xlmodel.excel.workbook_sheets import parameter_table, sheet_parameter_set, table_cells
from xlmodel.ooxml.package import Package
from xlmodel.parameters import load
from xlmodel.validate import validate

#: an agreement value ([aftale]) and an assumption ([antagelse]) of the shipped set
AGREED, ASSUMED = "pl.service", "pension.diskonteringsrente"


def _row_of(rows: list[tuple], name: str, year: int | None = None) -> int:
    """The offset (header = 0) of the first table row for ``name`` (and ``year``)."""
    return next(i for i, r in enumerate(rows) if r[0] == name and (year is None or r[1] == year))


def _book(path: Path, *, at: tuple[int, int] = (1, 1), user_parametre: bool = False,
          change: dict[tuple[str, int], float] | None = None) -> Path:
    """A user's workbook (openpyxl) with xlmodel's table on its own sheet, its header at ``at``.

    The table starts where the user moved it (rows inserted above, a column before it: Excel
    and LibreOffice move the marker's reference with it).  ``user_parametre`` adds the user's
    own sheet called "Parametre" (junk for xlmodel).  ``change``: cells the user edited.
    """
    ps = load()
    wb = openpyxl.Workbook()
    model = wb.active
    model.title = "Model"
    model["A1"], model["B1"] = "service", "=P_pl_service*2"
    if user_parametre:
        mine = wb.create_sheet("Parametre")
        mine["A1"], mine["B1"] = "fremskrivning", 0.114   # a user's input sheet, not xlmodel's
        mine["A2"], mine["B2"] = "pl", "meget"
    sheet = wb.create_sheet("Satser fra xlmodel")
    sheet["A1"] = "Mine noter over tabellen"
    r0, c0 = at
    rows = layout.table_rows(ps)
    for i, values in enumerate(rows):
        for j, v in enumerate(values):
            sheet.cell(r0 + i, c0 + j, v)
    for (name, year), value in (change or {}).items():
        sheet.cell(r0 + _row_of(rows, name, year), c0 + 2, value)
    for n, ref in layout.table_names(ps, sheet.title, r0, c0).items():
        wb.defined_names[n] = DefinedName(n, attr_text=ref)
    wb.defined_names[layout.OWNED_TABLE] = DefinedName(
        layout.OWNED_TABLE, attr_text=layout.table_ref(sheet.title, len(rows), r0, c0), hidden=True)
    wb.save(path)
    return path


def _saved_by_libreoffice(src: Path, tmp_path: Path) -> Path:
    if libreoffice.soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = tmp_path / "lo"
    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    return out / src.name


def _parameter_findings(path: Path) -> list[dict]:
    return validate(path, checks=["parameters"]).findings.to_dict("records")


# --------------------------------------------------------------- validation finds it by its marker
def test_validation_reads_the_marked_table_where_it_starts(tmp_path: Path) -> None:
    rows = layout.table_rows(load())
    book = _book(tmp_path / "b.xlsx", at=(4, 2), change={(AGREED, 2014): 9.9, (ASSUMED, 2013): 1.0})
    found = _parameter_findings(book)
    agreed = [f for f in found if AGREED in f["message"] and f["severity"] == "error"]
    # the table's vaerdi column is D (it starts in B), the row counted from its header in row 4
    assert [(f["sheet"], f["cell"]) for f in agreed] == [
        ("Satser fra xlmodel", f"D{4 + _row_of(rows, AGREED, 2014)}")]
    assert "afviger fra aftalen" in agreed[0]["message"] and "9,9" in agreed[0]["message"]
    assumed = [f for f in found if ASSUMED in f["message"]]
    assert [f["severity"] for f in assumed] == ["info"] and "ændret af brugeren" in assumed[0]["message"]
    assert len(found) == 2, found  # nothing else: the rest of the table is the set's


def test_a_users_sheet_called_parametre_is_just_a_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Parametre"
    ws["A1"], ws["B1"], ws["A2"], ws["B2"] = "navn", "aar", "pl.service", 2014   # looks like a header
    ws["C2"] = 99.0
    wb.save(tmp_path / "mine.xlsx")
    assert _parameter_findings(tmp_path / "mine.xlsx") == []
    # beside xlmodel's marked table: only the marked one is compared
    both = _book(tmp_path / "both.xlsx", user_parametre=True, change={(AGREED, 2014): 9.9})
    found = _parameter_findings(both)
    assert {f["sheet"] for f in found} == {"Satser fra xlmodel"} and len(found) == 1, found


def test_validation_of_a_table_saved_by_libreoffice(tmp_path: Path) -> None:
    rows = layout.table_rows(load())
    src = _book(tmp_path / "lo_src.xlsx", at=(3, 1), user_parametre=True, change={(AGREED, 2014): 9.9})
    book = _saved_by_libreoffice(src, tmp_path)
    found = _parameter_findings(book)
    assert [(f["severity"], f["sheet"], f["cell"]) for f in found] == [
        ("error", "Satser fra xlmodel", f"C{3 + _row_of(rows, AGREED, 2014)}")]
    # LibreOffice writes the numbers and texts its own way: the one reader reads the same rows
    assert [(r.navn, r.aar, r.vaerdi) for r in parameter_table(Package.read(book))[2]] == [
        (r.navn, r.aar, r.vaerdi) for r in parameter_table(Package.read(src))[2]]


# ------------------------------------------------------------------------ one reader, one parsing
def test_every_reader_reads_the_same_rows(tmp_path: Path) -> None:
    book = _book(tmp_path / "b.xlsx", at=(2, 3), change={(ASSUMED, 2013): 1.0})
    pkg = Package.read(book)
    where, cells = table_cells(pkg)
    assert where == "'Satser fra xlmodel'!C2"
    file_rows = parameter_table(pkg)[2]
    assert file_rows == layout.parse_rows(cells, where)
    assert file_rows[0].row == 3  # the first value row, under the header in row 2
    shipped = {(r.navn, r.aar): r.vaerdi for r in layout.rows(load())}
    read = {(r.navn, r.aar): r.vaerdi for r in file_rows}
    assert read == {**shipped, (ASSUMED, 2013): 1.0}
    # the macros' file book and the refresh's active set read the same table
    assert macros.FileBook(book).parameter_rows() == (where, file_rows)
    active = sheet_parameter_set(pkg, load())
    assert active.value(ASSUMED, 2013) == 1.0 and active.get(ASSUMED, 2013).source == "bruger"
    # live Excel: the same cells through xlwings (as floats) give the same set by the same rule
    live = workbook_params.table_set(load(), where, [[float(v) if isinstance(v, int) else v for v in row]
                                                     for row in cells])
    assert live.value(ASSUMED, 2013) == active.value(ASSUMED, 2013)


# ---------------------------------------------- headless refuses a broken table, never falls back
@pytest.mark.parametrize("breakage", ["header", "value", "dangling"])
def test_refresh_refuses_a_broken_table_naming_the_cell(tmp_path: Path, capsys, breakage: str) -> None:
    rows = layout.table_rows(load())
    book = _book(tmp_path / "b.xlsx", at=(3, 2))
    wb = openpyxl.load_workbook(book)
    ws = wb["Satser fra xlmodel"]
    if breakage == "header":
        ws["D3"] = "beløb"            # the user renamed the header vaerdi
    elif breakage == "value":
        ws.cell(3 + _row_of(rows, AGREED, 2014), 4, -150)  # out of the parameter's range
    else:
        del wb["Satser fra xlmodel"]  # the sheet deleted: the marker points nowhere
        wb.defined_names[layout.OWNED_TABLE] = DefinedName(layout.OWNED_TABLE, attr_text="#REF!", hidden=True)
        for n in [n for n in wb.defined_names if n.startswith("P_")]:
            del wb.defined_names[n]
        wb["Model"]["A1"] = "service"
        wb["Model"]["B1"] = 1
    wb.save(book)
    before = book.read_bytes()
    assert main(["refresh", str(book)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert book.read_bytes() == before  # nothing written
    if breakage == "header":
        assert "'Satser fra xlmodel'!B3" in err and "navn, aar, vaerdi" in err and "kan ikke bruges" in err
    elif breakage == "value":
        assert f"'Satser fra xlmodel'!D{3 + _row_of(rows, AGREED, 2014)}" in err and "-150" in err
    else:
        assert "kan ikke findes" in err and "#REF!" in err
    assert "xlmodel refresh --params aftale-2014" in err  # how to write the table again
    # the way out it names works: the table is written again, and the refresh then computes
    if breakage != "value":
        assert main(["refresh", str(book), "--params", "aftale-2014"]) in (0, 1), capsys.readouterr()


def test_the_active_set_is_refused_not_replaced(tmp_path: Path) -> None:
    book = _book(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Satser fra xlmodel"]["A1"] = "name"
    wb.save(book)
    with pytest.raises(ParametreFejl, match=r"'Satser fra xlmodel'!A1.*navn, aar, vaerdi"):
        sheet_parameter_set(Package.read(book), load())
    found = _parameter_findings(book)
    assert [(f["severity"], f["cell"]) for f in found] == [("error", "A1:I1")]
    assert "overskrift" in found[0]["message"]


def test_the_macros_checks_name_the_tables_own_cells(tmp_path: Path) -> None:
    rows = layout.table_rows(load())
    book = _book(tmp_path / "b.xlsx", at=(4, 2), change={(AGREED, 2014): 9.9})
    found = macros.check_rows(macros.FileBook(book))
    wrong = [f for f in found if f[0] == "parametre" and f[1] == "fejl"]
    assert [f[2] for f in wrong] == [f"Satser fra xlmodel!D{4 + _row_of(rows, AGREED, 2014)}"]
    # a header that is no longer xlmodel's: one fejl row saying why, no traceback from "Valider"
    wb = openpyxl.load_workbook(book)
    wb["Satser fra xlmodel"]["B4"] = "name"
    wb.save(book)
    found = [f for f in macros.check_rows(macros.FileBook(book)) if f[0] == "parametre"]
    assert [f[1] for f in found] == ["fejl"] and "navn, aar, vaerdi" in found[0][3], found
