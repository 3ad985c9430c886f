"""The user's workbook is theirs (issue 9, observations 2–4): xlmodel writes only the parts it
owns, recognised by the hidden names it wrote, never by a sheet's name."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlmodel.cli import main
from xlmodel.engine import libreoffice
from xlmodel.excel import layout, macros
from xlmodel.excel.headless import evaluate
from xlmodel.excel.workbook_sheets import parameter_table
from xlmodel.ooxml.package import Package
from xlmodel.parameters import load
from xlmodel.workbooks import MODELS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbooks"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _sheet_part(path: Path, sheet: str) -> str:
    """The worksheet part of ``sheet`` (via workbook.xml and its relationships)."""
    p = _parts(path)
    wb = p["xl/workbook.xml"].decode()
    rid = re.search(rf'<(?:\w+:)?sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', wb).group(1)
    rels = p["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")


def _formulas(path: Path, sheet: str) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_models_own_kontrol_sheet_is_computed_and_kept(name: str, tmp_path: Path, capsys) -> None:
    book = tmp_path / name
    shutil.copy(SHIPPED / name, book)
    before = _formulas(book, "Kontrol")
    part = _sheet_part(book, "Kontrol")
    old = _parts(book)[part]
    assert main(["refresh", str(book)]) == 0, capsys.readouterr().out
    assert _formulas(book, "Kontrol") == before and len(before) > 5
    assert _parts(book)[part] == old  # already right: not a byte changed
    assert openpyxl.load_workbook(book).sheetnames == openpyxl.load_workbook(SHIPPED / name).sheetnames


def _users_book(path: Path) -> Path:
    """A workbook as a user writes it: their own Parametre and Kontrol sheets, formulas using them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Parametre"
    ws["A1"], ws["B1"] = "fremskrivning", 0.114
    ws["A2"], ws["B2"] = "pl", 1.3
    calc = wb.create_sheet("Beregning")
    calc["A1"] = 1000
    calc["B1"] = "=A1*(1+Parametre!B1)"
    calc["C1"] = '=PL_REGULER(A1,2013,2014,"service")'
    kontrol = wb.create_sheet("Kontrol")
    kontrol["A1"] = "min kontrol"
    kontrol["B1"] = '=IF(Beregning!B1>0,"OK","FEJL")'
    wb.save(path)
    return path


def test_a_users_parametre_and_kontrol_sheets_are_computed_like_any_sheet(tmp_path: Path, capsys) -> None:
    book = _users_book(tmp_path / "mine.xlsx")
    before = _parts(book)
    assert main(["refresh", str(book)]) == 0, capsys.readouterr()
    after = _parts(book)
    assert after[_sheet_part(book, "Parametre")] == before[_sheet_part(book, "Parametre")]
    assert openpyxl.load_workbook(book).sheetnames == ["Parametre", "Beregning", "Kontrol"]
    values = openpyxl.load_workbook(book, data_only=True)
    assert values["Beregning"]["B1"].value == pytest.approx(1114.0)
    assert values["Kontrol"]["B1"].value == "OK"
    assert _formulas(book, "Kontrol") == {"B1": '=IF(Beregning!B1>0,"OK","FEJL")'}


def test_a_users_workbook_saved_by_libreoffice_is_left_theirs(tmp_path: Path, capsys) -> None:
    if libreoffice.soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    src = _users_book(tmp_path / "src.xlsx")
    out = tmp_path / "lo"
    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    book = out / "src.xlsx"
    before = _parts(book)
    assert main(["refresh", str(book)]) == 0, capsys.readouterr()
    after = _parts(book)
    assert after[_sheet_part(book, "Parametre")] == before[_sheet_part(book, "Parametre")]
    assert openpyxl.load_workbook(book).sheetnames == ["Parametre", "Beregning", "Kontrol"]
    assert openpyxl.load_workbook(book, data_only=True)["Beregning"]["C1"].value == pytest.approx(1013.0)


def test_the_status_sheet_is_marked_and_never_a_users_sheet(tmp_path: Path) -> None:
    book = _users_book(tmp_path / "mine.xlsx")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet(macros.STATUS_SHEET)["A1"] = "a user's sheet that happens to have the name"
    wb.save(book)
    macros.opdater_model(macros.FileBook(book), write_parameters=False, write_kontrol=True)
    wb = openpyxl.load_workbook(book)
    marker = wb.defined_names[layout.OWNED_STATUS]
    assert marker.hidden and marker.attr_text.startswith(f"'{macros.STATUS_SHEET} (xlmodel)'!")
    assert wb[macros.STATUS_SHEET]["A1"].value == "a user's sheet that happens to have the name"
    status = wb[f"{macros.STATUS_SHEET} (xlmodel)"]
    assert tuple(c.value for c in status[1]) == macros.KONTROL_COLUMNS
    assert wb["Kontrol"]["A1"].value == "min kontrol"
    # the command line updates the marked sheet, and adds none to a workbook without one
    assert main(["refresh", str(book)]) == 0
    assert len(openpyxl.load_workbook(book).sheetnames) == 5
    plain = _users_book(tmp_path / "plain.xlsx")
    assert main(["refresh", str(plain)]) == 0
    assert openpyxl.load_workbook(plain).sheetnames == ["Parametre", "Beregning", "Kontrol"]


def test_refresh_params_rewrites_only_the_owned_table(tmp_path: Path, capsys, test_params_path: Path) -> None:
    book = tmp_path / "budget.xlsx"
    shutil.copy(SHIPPED / "budget_2014.xlsx", book)
    wb = openpyxl.load_workbook(book)
    table, _bounds = layout.find_table(wb)
    table["K1"] = "min note"       # the user's own cells beside the table
    table["K3"] = "=C3*2"
    wb.defined_names["Min_sats"] = openpyxl.workbook.defined_name.DefinedName(
        "Min_sats", attr_text=f"'{table.title}'!$C$3")
    wb.defined_names["P_mit_eget"] = openpyxl.workbook.defined_name.DefinedName(
        "P_mit_eget", attr_text="Budget!$C$5")
    wb.save(book)
    # 0, or 1 where a year-less name has no 2015 value (kept as #N/A): never a refusal
    assert main(["refresh", str(book), "--params", "aftale-2015-test"]) in (0, 1), capsys.readouterr()
    wb = openpyxl.load_workbook(book)
    ws, _ = layout.find_table(wb)
    assert ws["K1"].value == "min note" and ws["K3"].value == "=C3*2"
    assert wb.defined_names["Min_sats"].attr_text == f"'{table.title}'!$C$3"
    assert wb.defined_names["P_mit_eget"].attr_text == "Budget!$C$5"
    rows = {(r.navn, r.aar): r.vaerdi for r in parameter_table(Package.read(book))[2]}
    assert rows[("pl.service", 2015)] == load("aftale-2015-test").value("pl.service", 2015)
    assert wb.sheetnames == openpyxl.load_workbook(SHIPPED / "budget_2014.xlsx").sheetnames


@pytest.mark.parametrize("name", sorted(MODELS))
def test_shipped_models_with_a_second_parameter_set_have_no_name_errors(
        name: str, tmp_path: Path, test_params_path: Path) -> None:
    book = tmp_path / name
    shutil.copy(SHIPPED / name, book)
    main(["refresh", str(book), "--params", "aftale-2015-test"])
    values = evaluate(book)
    assert not [k for k, v in values.items() if str(v) == "#NAME?"]
    used = {n for f in (_formulas(book, s) for s in openpyxl.load_workbook(book).sheetnames)
            for text in f.values() for n in re.findall(r"\bP_\w+", text)}
    names = openpyxl.load_workbook(book).defined_names
    assert used <= set(names)


def test_a_name_the_new_set_lacks_is_kept_as_na_with_a_warning(tmp_path: Path, capsys,
                                                              test_params_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=P_pl_anlaeg*2"     # the budget year's rate: aftale-2015-test has none for 2015
    wb.active["A2"] = "=P_pl_service*2"
    layout.write_parameters(wb, load())
    wb.save(tmp_path / "b.xlsx")
    assert main(["refresh", str(tmp_path / "b.xlsx"), "--params", "aftale-2015-test"]) == 1
    out = capsys.readouterr().out
    assert "det definerede navn P_pl_anlaeg: parametersæt aftale-2015-test har ingen værdi til det" in out
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert wb.defined_names["P_pl_anlaeg"].attr_text == "#N/A"
    values = openpyxl.load_workbook(tmp_path / "b.xlsx", data_only=True).active
    assert values["A1"].value == "#N/A"
    assert values["A2"].value == pytest.approx(2 * load("aftale-2015-test").value("pl.service", 2015))
    # and back to the first set: the kept name is xlmodel's again, no conflict
    assert main(["refresh", str(tmp_path / "b.xlsx"), "--params", "aftale-2014"]) == 0


def test_a_users_own_p_name_is_refused_not_overwritten(tmp_path: Path, capsys) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = 2.5
    wb.defined_names["P_pl_service"] = openpyxl.workbook.defined_name.DefinedName(
        "P_pl_service", attr_text="Sheet!$A$1")
    wb.save(tmp_path / "u.xlsx")
    before = (tmp_path / "u.xlsx").read_bytes()
    assert main(["refresh", str(tmp_path / "u.xlsx"), "--params", "aftale-2014"]) == 2
    assert "det definerede navn P_pl_service" in capsys.readouterr().err
    assert (tmp_path / "u.xlsx").read_bytes() == before


def test_build_params_works_and_a_set_lacking_values_refuses_without_writing(
        tmp_path: Path, test_params_path: Path) -> None:
    corrected = tmp_path / "aftale-2014-rettet.toml"
    corrected.write_text('[meta]\nname = "aftale-2014-rettet"\ntitle = "Test: rettet PL"\n'
                         'extends = "aftale-2014"\nbudget_year = 2014\nhorizon = [2013, 2018]\n'
                         'illustrative = true\n\n[pl.service]\nlabel = "PL service"\nunit = "pct"\n'
                         'period = "year"\nsource = "antagelse"\nreference = "testdata"\n'
                         'note = "Illustrativ rettelse."\nvalues = { 2014 = 1.4 }\n', encoding="utf-8")
    out = tmp_path / "models"
    run = subprocess.run([sys.executable, "-m", "xlmodel", "build", "--out", str(out), "--params",
                          str(corrected)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    budget = openpyxl.load_workbook(out / "budget_2014.xlsx", data_only=True)["Budget"]
    assert budget["D5"].value == pytest.approx(512.0 * 1.014)
    empty = tmp_path / "none"
    run = subprocess.run([sys.executable, "-m", "xlmodel", "build", "--out", str(empty), "--params",
                          "aftale-2015-test"], capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env={**__import__("os").environ, "XLMODEL_PARAMS_PATH": str(test_params_path)})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "en model uden fejlceller under parametersæt aftale-2015-test" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not list(empty.glob("*.xlsx"))  # nothing half-built


def test_build_checks_lock_files_before_touching_anything(tmp_path: Path, capsys) -> None:
    out = tmp_path / "models"
    out.mkdir()
    for name in MODELS:
        shutil.copy(SHIPPED / name, out / name)
    before = {name: (out / name).read_bytes() for name in MODELS}
    (out / "~$tabel1_2014.xlsx").write_bytes(b"lock")   # the last model is open in Excel
    assert main(["build", "--out", str(out)]) == 2
    assert "~$tabel1_2014.xlsx" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in MODELS} == before


def test_a_failed_build_write_leaves_the_existing_model(tmp_path: Path, monkeypatch) -> None:
    import xlmodel.safeio as safeio
    from xlmodel import workbooks

    out = tmp_path / "models"
    out.mkdir()
    shutil.copy(SHIPPED / "pension_2014.xlsx", out / "pension_2014.xlsx")
    before = (out / "pension_2014.xlsx").read_bytes()
    real = safeio.atomic_write

    def cut_short(path, write_fn, **kw):  # the write stops half way, as a full disk would
        def half(tmp: Path) -> None:
            write_fn(tmp)
            data = Path(tmp).read_bytes()
            Path(tmp).write_bytes(data[: len(data) // 2])
        return real(path, half, **kw)

    monkeypatch.setattr(safeio, "atomic_write", cut_short)
    with pytest.raises(safeio.SafeWriteError):
        workbooks.build("pension_2014.xlsx", out)
    assert (out / "pension_2014.xlsx").read_bytes() == before
    assert not safeio.leftover_temp_files(out)


def test_readme_new_agreement_example_loads(tmp_path: Path, monkeypatch) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## A new agreement"):]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block, "the README shows the new agreement's file"
    (tmp_path / "aftale-2015.toml").write_text(block.group(1), encoding="utf-8")
    monkeypatch.setenv("XLMODEL_PARAMS_PATH", str(tmp_path))
    ps = load("aftale-2015")
    assert ps.name == "aftale-2015" and ps.value("pl.service", 2014) == 1.3
