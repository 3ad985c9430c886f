"""``xlmodel refresh``: summary, exit codes 0 / 1 / 2, one-line messages, the Kontrol sheet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from excel_books import hand_workbook, parts

from xlmodel import pl
from xlmodel.cli import main
from xlmodel.excel import layout, macros
from xlmodel.excel.workbook_sheets import parameter_table
from xlmodel.ooxml.package import Package
from xlmodel.parameters import load

ROOT = Path(__file__).resolve().parents[1]


def clean_book(path: Path, *, kontrol: bool = False, parametre: bool = False) -> Path:
    """A small workbook whose every formula is valid (the core modules it uses have landed)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Input"
    ws.append(["beloeb", "2014-pl", "indbyggere", "andel"])
    for i, (amount, pop) in enumerate([(1000, 10_000), (2000, 30_000), (3000, 60_000)], start=2):
        ws.cell(i, 1, amount)
        ws.cell(i, 2, f'=PL_REGULER(A{i},2013,2014,"anlaeg")')
        ws.cell(i, 3, pop)
    ws["D2"] = "=BLOKTILSKUD_FORDEL(C2:C4,1000)"
    ws["E2"] = "=SUM(D2:D4)"
    if parametre:
        layout.write_parameters(wb, load())
    wb.save(path)
    if kontrol:  # xlmodel's status sheet (marked), as "Valider" leaves it
        macros.valider(macros.FileBook(path), write_kontrol=True)
    return path


def test_a_clean_refresh_exits_0_and_prints_the_summary(tmp_path: Path, capsys) -> None:
    book = clean_book(tmp_path / "ok.xlsx")
    out = tmp_path / "ok_out.xlsx"
    before = book.read_bytes()
    assert main(["refresh", str(book), "-o", str(out)]) == 0
    assert book.read_bytes() == before  # -o leaves the input as it was
    text = capsys.readouterr().out
    assert "5 formelceller beregnet (2 spildte celler) med parametersættet aftale-2014" in text
    assert "ingen fejlceller" in text
    ws = openpyxl.load_workbook(out, data_only=True)["Input"]
    assert ws["B3"].value == pytest.approx(pl.reguler(2000, 2013, 2014, "anlaeg"))
    assert ws["E2"].value == pytest.approx(1000.0)
    assert openpyxl.load_workbook(out).sheetnames == ["Input"]  # no sheet added to a hand-made book


def test_error_cells_exit_1_with_their_addresses(tmp_path: Path, capsys) -> None:
    book = hand_workbook(tmp_path / "hand.xlsx", extra=lambda wb: wb["Beregning"].__setitem__(
        "F2", "=PL_FAKTOR(2013,2020)"))
    before = book.read_bytes()
    assert main(["refresh", str(book)]) == 1  # in place
    text = capsys.readouterr().out
    assert "Beregning!F2: #VALUE!  til_aar: 2020 (parametersæt aftale-2014 har ikke en service-PL-sats " \
        "for hvert år) er ikke tilladt; tilladt: et år i 2013–2014" in text
    assert book.read_bytes() != before
    assert openpyxl.load_workbook(book, data_only=True)["Beregning"]["F2"].value == "#VALUE!"


@pytest.mark.parametrize(("setup", "message"), [
    (lambda d: d / "missing.xlsx", "{p}: findes ikke; tilladt: IN.xlsx"),
    (lambda d: (d / "notes.txt").write_text("x") and d / "notes.txt", "tilladt: en .xlsx- eller .xlsm-fil"),
    (lambda d: (d / "junk.xlsx").write_bytes(b"PK\x03\x04 not really") and d / "junk.xlsx",
     "afkortet eller beskadiget"),
    (lambda d: (d / "word.xlsx").write_bytes(_docx()) and d / "word.xlsx", "xl/workbook.xml mangler"),
])
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path, setup, message) -> None:
    path = setup(tmp_path)
    out = subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(path)], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xlmodel refresh: ")
    assert message.format(p=path) in lines[0]


def _docx() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   "</Relationships>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def test_unknown_parameter_set_exits_2(tmp_path: Path, capsys) -> None:
    book = clean_book(tmp_path / "ok.xlsx")
    before = book.read_bytes()
    assert main(["refresh", str(book), "--params", "aftale-1999"]) == 2
    assert "params: teksten 'aftale-1999' er ikke tilladt; tilladt: aftale-2014" in capsys.readouterr().err
    assert book.read_bytes() == before


def _table_rows(book: Path) -> list[layout.Row]:
    found = parameter_table(Package.read(book))
    assert found is not None
    return found[2]


def test_params_writes_parametre_and_kontrol(tmp_path: Path, capsys, test_params_path: Path) -> None:
    book = clean_book(tmp_path / "model.xlsx", kontrol=True, parametre=True)
    assert main(["refresh", str(book), "--params", "aftale-2015-test"]) == 0
    assert "med parametersættet aftale-2015-test" in capsys.readouterr().out
    wb = openpyxl.load_workbook(book)
    rows = {(r.navn, r.aar): r.vaerdi for r in _table_rows(book)}
    assert rows[("pl.service", 2015)] == load("aftale-2015-test").value("pl.service", 2015)
    kontrol = [tuple(c.value for c in row) for row in wb[macros.STATUS_SHEET].iter_rows()]
    assert kontrol[0] == macros.KONTROL_COLUMNS
    assert ("fejlceller", "OK", None, "ingen formelcelle ender i en fejl") in kontrol
    assert any(r[0] == "parametre" and r[1] == "OK" and "aftale-2015-test" in r[3] for r in kontrol)


def test_a_parametre_sheet_that_differs_from_the_set_fails_the_check(tmp_path: Path, capsys) -> None:
    book = clean_book(tmp_path / "model.xlsx", kontrol=True, parametre=True)
    wb = openpyxl.load_workbook(book)
    ws = wb[layout.SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "pl.service")
    row[2].value = 9.9  # a user typed over the agreement's rate
    wb.save(book)
    assert main(["refresh", str(book)]) == 1
    text = capsys.readouterr().out
    assert f"kontrol parametre: {layout.SHEET}!C{row[2].row}: pl.service (2014) er 9,9; parametersættet " \
           "aftale-2014 har 1,3" in text
    status = openpyxl.load_workbook(book)[macros.STATUS_SHEET]
    kontrol = [tuple(c.value for c in r) for r in status.iter_rows()]
    assert any(r[:2] == ("parametre", "fejl") and "9,9" in r[3] for r in kontrol)


def test_valider_reads_the_cached_values_without_recalculating(tmp_path: Path) -> None:
    book = hand_workbook(tmp_path / "v.xlsx", extra=lambda wb: wb["Beregning"].__setitem__("F2", "=1/0"))
    main(["refresh", str(book)])
    before = parts(book)
    findings = macros.valider(macros.FileBook(book), write_kontrol=False)
    errors = findings[findings["kontrol"] == "fejlceller"]
    assert "Beregning!F2" in set(errors["sted"])
    assert (errors.loc[errors["sted"] == "Beregning!F2", "besked"] == "#DIV/0!").all()
    assert parts(book) == before  # nothing recomputed, nothing added


def test_valider_finds_the_text_an_xlwings_udf_leaves_for_an_error(tmp_path: Path) -> None:
    # Excel saves a classic-xlwings error as the formula's text result "#VALUE! <message>"
    book = clean_book(tmp_path / "x.xlsx")
    main(["refresh", str(book)])
    data = parts(book)
    sheet = data["xl/worksheets/sheet1.xml"].decode()
    old = sheet[sheet.index('<c r="B2"'):sheet.index("</c>", sheet.index('<c r="B2"')) + 4]
    new = ('<c r="B2" t="str"><f>PL_REGULER(A2,2013,2014,"anlaeg")</f>'
           "<v>#VALUE! beloeb: text 'x' is not allowed; allowed: a number</v></c>")
    data["xl/worksheets/sheet1.xml"] = sheet.replace(old, new).encode()
    import zipfile

    with zipfile.ZipFile(book, "w") as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    errors = macros.FileBook(book).error_cells()
    assert [(e.cell, e.error, e.message) for e in errors] == \
        [("B2", "#VALUE!", "beloeb: text 'x' is not allowed; allowed: a number")]


# ------------------------------------------------- the same macros over an open (xlwings) book ----
class _Range:
    def __init__(self, sheet: _Sheet, row: int, col: int, rows: int = 1, cols: int = 1) -> None:
        self.sheet, self.row, self.column, self.rows, self.cols = sheet, row, col, rows, cols

    def options(self, **_kw):
        return self

    @property
    def value(self):
        return [[self.sheet.values.get((self.row + i, self.column + j)) for j in range(self.cols)]
                for i in range(self.rows)]

    @value.setter
    def value(self, rows) -> None:
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.values[(self.row + i, self.column + j)] = v

    @property
    def formula(self):
        return [[self.sheet.formulas.get((self.row + i, self.column + j), "") for j in range(self.cols)]
                for i in range(self.rows)]


class _Sheet:
    def __init__(self, name: str) -> None:
        self.name, self.values, self.formulas = name, {}, {}

    def range(self, ref, last=None) -> _Range:
        from xlmodel.ooxml.addresses import parse_address

        if isinstance(ref, tuple):  # range((r1, c1), (r2, c2)), as workbook_params reads the table
            (r1, c1), (r2, c2) = ref, last or ref
            return _Range(self, r1, c1, r2 - r1 + 1, c2 - c1 + 1)
        return _Range(self, *parse_address(ref))

    def clear_contents(self) -> None:
        self.values.clear()

    @property
    def used_range(self) -> _Range:
        cells = set(self.values) | set(self.formulas)
        rows, cols = max(r for r, _ in cells), max(c for _, c in cells)
        return _Range(self, 1, 1, rows, cols)


class _Sheets(list):
    def __getitem__(self, key):
        return next(s for s in self if s.name == key) if isinstance(key, str) else list.__getitem__(self, key)

    def add(self, name: str, after=None) -> _Sheet:
        self.append(_Sheet(name))
        return self[-1]


class _Name:
    def __init__(self, names: _Names, name: str, refers_to: str) -> None:
        self.names, self.name, self.refers_to = names, name, refers_to

    def delete(self) -> None:
        self.names.remove(self)


class _Names(list):
    def add(self, name: str, refers_to: str) -> None:
        self.append(_Name(self, name, refers_to))

    def __contains__(self, key) -> bool:
        return any(n.name == key for n in self) if isinstance(key, str) else list.__contains__(self, key)

    def __getitem__(self, key):
        return next(n for n in self if n.name == key) if isinstance(key, str) else list.__getitem__(self, key)


class _App:
    calculations = 0

    def calculate(self) -> None:
        self.calculations += 1


class _Book:
    """What XlwingsBook touches of an xlwings Book, recorded in memory."""

    def __init__(self) -> None:
        self.sheets = _Sheets([_Sheet("Model")])
        self.names = _Names()
        self.names.add("P_old_name", "='Parametre'!$C$99")
        self.names.add("Mine", "=Model!$A$1")
        self.app = _App()
        model = self.sheets["Model"]
        model.values[(1, 1)], model.formulas[(1, 1)] = 1.013, "=PL_FAKTOR(2013,2014)"
        model.values[(2, 1)] = "#VALUE! til_aar: 2019 is not allowed; allowed: a year in 2013–2014"
        model.formulas[(2, 1)] = "=PL_FAKTOR(2013,2019)"
        model.values[(3, 1)] = "#VALUE! typed text, not a formula"


def test_opdater_model_over_an_xlwings_book() -> None:
    fake = _Book()
    findings = macros.opdater_model(macros.XlwingsBook(fake, "aftale-2014"))
    assert fake.app.calculations == 1
    sheet = fake.sheets[layout.SHEET]
    rows = list(layout.rows(load()))
    assert sheet.values[(1, 1)] == layout.COLUMNS[0]
    assert [sheet.values[(i, 1)] for i in range(2, len(rows) + 2)] == [r.navn for r in rows]
    names = {n.name: n.refers_to for n in fake.names}
    assert names["P_old_name"] == "='Parametre'!$C$99"  # not xlmodel's (no marker): kept
    assert names["Mine"] == "=Model!$A$1"
    assert names["P_pl_service"].startswith("='Parametre'!$C$")
    kontrol = fake.sheets[macros.STATUS_SHEET].values
    assert tuple(kontrol[(1, c)] for c in range(1, 5)) == macros.KONTROL_COLUMNS
    errors = findings[findings["kontrol"] == "fejlceller"]
    assert errors[["status", "sted", "besked"]].values.tolist() == [
        ["fejl", "Model!A2", "#VALUE!: til_aar: 2019 is not allowed; allowed: a year in 2013–2014"]]
    assert (findings.loc[findings["kontrol"] == "parametre", "status"] == "OK").all()
