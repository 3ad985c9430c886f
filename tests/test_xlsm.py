"""What Windows Excel will load from ``xlmodel excel init`` (issue 14 §1, §3), checked on Linux.

The .xlsm is read with independent readers (zipfile, olefile and oletools for the VBA project,
openpyxl for the conf sheet), not with xlmodel's own writer code: the VBA module and the macros
the buttons call, the reference to the xlwings add-in, the xlwings.conf keys, the buttons'
macro names, xlwings' own UDF import of the module the conf sheet names, idempotence with the
user's parts byte-identical, and LibreOffice opening the workbook (and binding the buttons to the
module's macros).
"""

from __future__ import annotations

import importlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from xlmodel.cli import main as cli
from xlmodel.engine import libreoffice
from xlmodel.excel import catalogue, xlsm

pytest.importorskip("xlwings")
olefile = pytest.importorskip("olefile")
olevba = pytest.importorskip("oletools.olevba")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("init") / "model.xlsm"
    assert cli(["excel", "init", str(path.with_suffix(""))]) == 0
    return path


def _vba_modules(path: Path) -> dict[str, str]:
    parser = olevba.VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _vml(path: Path) -> list[str]:
    z = zipfile.ZipFile(path)
    return [z.read(n).decode() for n in z.namelist() if n.endswith(".vml")]


def test_the_package_is_a_macro_enabled_workbook(book: Path) -> None:
    z = zipfile.ZipFile(book)
    assert z.testzip() is None
    types = z.read("[Content_Types].xml").decode()
    assert re.search(r'PartName="/xl/workbook.xml" '
                     r'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main\+xml"', types)
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" ' \
           'Target="vbaProject.bin"' in rels
    assert olefile.isOleFile(io.BytesIO(z.read("xl/vbaProject.bin")))


def test_the_vba_module_holds_the_button_macros_calling_the_shared_implementation(book: Path) -> None:
    modules = _vba_modules(book)
    assert xlsm.MODULE in modules and "ThisWorkbook" in modules
    code = modules[xlsm.MODULE]
    for macro, _text, _call in xlsm.MACROS:
        body = re.search(rf"^Sub {macro}\(\)\r?\n(.*?)^End Sub", code, re.M | re.S)
        assert body, macro
        call = re.fullmatch(r'\s*RunPython "(.*)"\s*', body.group(1)).group(1)
        # the Python it runs exists: import M as m; m.f()
        m = re.fullmatch(r"import ([\w.]+) as m; m\.(\w+)\(\)", call)
        assert m, call
        assert callable(getattr(importlib.import_module(m.group(1)), m.group(2)))


def test_the_project_references_the_xlwings_addin_as_quickstart_does(book: Path) -> None:
    ole = olefile.OleFileIO(io.BytesIO(zipfile.ZipFile(book).read("xl/vbaProject.bin")))
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert f"Module={xlsm.MODULE}" in project and "Document=ThisWorkbook/&H00000000" in project
    directory = olevba.decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    assert b"xlwings.xlam" in directory  # RunPython resolves through this reference
    quick = olefile.OleFileIO(io.BytesIO(xlsm.quickstart_vba()))
    ref = olevba.decompress_stream(bytearray(quick.openstream("VBA/dir").read()))
    head = ref[:ref.index(b"\x0f\x00\x02\x00\x00\x00")]  # up to PROJECTMODULES: name, references
    assert directory.startswith(head)
    # no performance cache: Excel compiles the source (MS-OVBA: version 0xFFFF on write)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")


def test_the_buttons_call_macros_of_the_module(book: Path) -> None:
    code = _vba_modules(book)[xlsm.MODULE]
    vml = "".join(_vml(book))
    buttons = re.findall(r'<x:ClientData ObjectType="Button">.*?<x:FmlaMacro>(.*?)</x:FmlaMacro>', vml, re.S)
    texts = re.findall(r"<font[^>]*>(.*?)</font>", vml)
    assert texts == ["Opdater model", "Valider"]
    assert buttons == ["[0]!OpdaterModel", "[0]!Valider"]
    for name in buttons:
        assert re.search(rf"^Sub {name.split('!')[1]}\(\)", code, re.M)
    z = zipfile.ZipFile(book)
    sheet_rels = [n for n in z.namelist() if n.startswith("xl/worksheets/_rels/")]
    assert any("vmlDrawing" in z.read(n).decode() for n in sheet_rels)


def test_the_conf_sheet_names_the_udf_module_and_the_interpreter(book: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(book, read_only=True)
    conf = {r[0]: r[1] for r in wb["xlwings.conf"].iter_rows(max_col=2, values_only=True) if r[0]}
    quick = load_workbook(xlsm.quickstart_path(), read_only=True)["_xlwings.conf"]
    keys = []
    for key, *_ in quick.iter_rows(max_col=1, values_only=True):
        if not key:
            break
        keys.append(key)
    assert {"Interpreter_Win", "UDF Modules", "PYTHONPATH"} <= set(keys) <= set(conf)
    assert conf["UDF Modules"] == "xlmodel.udfs"
    assert conf["Interpreter_Win"] == "python"  # not Windows here: xlwings' default (python on PATH)
    assert conf["Debug UDFs"] is False


def test_the_interpreter_option_is_written(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsm"
    assert cli(["excel", "init", str(path), "--interpreter", r"C:\Python311\python.exe"]) == 0
    from openpyxl import load_workbook

    conf = {r[0]: r[1] for r in load_workbook(path, read_only=True)["xlwings.conf"].iter_rows(
        max_col=2, values_only=True) if r[0]}
    assert conf["Interpreter_Win"] == r"C:\Python311\python.exe"


def test_xlwings_imports_every_catalogue_function_from_the_module_the_conf_sheet_names(book: Path) -> None:
    from openpyxl import load_workbook

    from tests.test_udfs import xlwings_probe

    conf = {r[0]: r[1] for r in load_workbook(book, read_only=True)["xlwings.conf"].iter_rows(
        max_col=2, values_only=True) if r[0]}
    view = xlwings_probe(conf["UDF Modules"])
    assert sorted(view["meta"]) == sorted(catalogue.names())
    for fn in catalogue.functions():
        assert f'XLPy.CallUDF("{conf["UDF Modules"]}", "{fn.name}"' in view["vba"]


def test_a_second_run_changes_nothing(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / book.name
    shutil.copyfile(book, copy)
    before = copy.read_bytes()
    assert cli(["excel", "init", str(copy)]) == 0
    assert copy.read_bytes() == before
    assert "intet manglede" in capsys.readouterr().out


def _entries(xml: str) -> list[str]:
    return re.findall(r"<(?:Override|Default|Relationship|sheet|definedName)\b[^>]*?/?>", xml)


def test_an_existing_model_keeps_every_part_byte_identical(tmp_path: Path) -> None:
    src = tmp_path / "budget_2014.xlsx"
    shutil.copyfile(ROOT / "workbooks" / "budget_2014.xlsx", src)
    original = src.read_bytes()
    assert cli(["excel", "init", str(src)]) == 0
    assert src.read_bytes() == original  # the .xlsx is left as it was
    out = src.with_suffix(".xlsm")
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(out)
    edited = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    for name in a.namelist():
        if name not in edited:
            assert b.read(name) == a.read(name), name
    for name in edited:  # only additions: every original entry is still there as it was
        old, new = a.read(name).decode(), b.read(name).decode()
        for entry in _entries(old):
            if 'PartName="/xl/workbook.xml"' in entry:
                continue  # the one change: the workbook part's content type becomes macro-enabled
            assert entry in new, (name, entry)
    assert len(b.namelist()) > len(a.namelist())
    again = out.read_bytes()
    assert cli(["excel", "init", str(out)]) == 0
    assert out.read_bytes() == again


def test_a_users_own_conf_sheet_is_kept_and_only_the_rest_added(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    wb.active.title = "Budget"
    conf = wb.create_sheet("xlwings.conf")
    conf.append(["Interpreter_Win", r"D:\envs\okonomi\python.exe"])
    conf.append(["UDF Modules", "xlmodel.udfs;mine"])
    src = tmp_path / "egen.xlsx"
    wb.save(src)
    assert cli(["excel", "init", str(src)]) == 0
    out = src.with_suffix(".xlsm")
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(out)
    assert b.read("xl/worksheets/sheet2.xml") == a.read("xl/worksheets/sheet2.xml")
    sheet = load_workbook(out, read_only=True)["xlwings.conf"]
    kept = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert kept == {"Interpreter_Win": r"D:\envs\okonomi\python.exe", "UDF Modules": "xlmodel.udfs;mine"}
    assert xlsm.MODULE in _vba_modules(out) and _vml(out)


def test_a_workbook_with_its_own_macros_is_refused_with_the_module_to_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theirs = tmp_path / "theirs.xlsm"
    shutil.copyfile(xlsm.quickstart_path(), theirs)  # a workbook with a VBA project of its own
    before = theirs.read_bytes()
    assert cli(["excel", "init", str(theirs)]) == 2
    err = capsys.readouterr().err
    assert "eget VBA-projekt" in err and "theirs_xlmodel.bas" in err and "Traceback" not in err
    assert theirs.read_bytes() == before
    bas = (tmp_path / "theirs_xlmodel.bas").read_text(encoding="cp1252")
    assert bas.startswith(f'Attribute VB_Name = "{xlsm.MODULE}"') and "Sub OpdaterModel()" in bas


def test_bad_names_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["excel", "init", str(tmp_path / "mangler.xlsx")]) == 2
    assert cli(["excel", "init"]) == 2
    err = capsys.readouterr().err
    assert "mangler.xlsx findes ikke" in err and "angiv enten NAME eller --models" in err


def test_an_existing_xlsm_is_never_replaced_by_a_conversion(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    Workbook().save(tmp_path / "b.xlsx")
    mine = tmp_path / "b.xlsm"
    mine.write_bytes(b"the user's own workbook")
    assert cli(["excel", "init", str(tmp_path / "b.xlsx")]) == 2
    assert mine.read_bytes() == b"the user's own workbook"
    assert "b.xlsm findes allerede og erstattes ikke" in capsys.readouterr().err


def test_models_are_written_for_excel_and_then_only_completed(tmp_path: Path) -> None:
    assert cli(["excel", "init", "--models", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.xlsm"))
    from xlmodel.workbooks import MODELS

    assert written == sorted(Path(name).with_suffix(".xlsm").name for name in MODELS)
    for p in tmp_path.glob("*.xlsm"):
        assert xlsm.MODULE in _vba_modules(p)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.xlsm")}
    assert cli(["excel", "init", "--models", "--out", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.xlsm")} == before


@pytest.mark.libreoffice
@pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_it_and_binds_the_buttons_to_the_module(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "lo"
    run = subprocess.run([libreoffice.soffice(), "--headless", "--norestore",
                          f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                          "--convert-to", "xlsm:Calc MS Excel 2007 VBA XML", "--outdir", str(out), str(book)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    saved = out / book.name
    assert saved.is_file()
    # LibreOffice read the VBA project and resolved each button's macro in the module
    assert xlsm.MODULE in _vba_modules(saved)
    vml = "".join(_vml(saved))
    for macro, _text, _call in xlsm.MACROS:
        assert f"<x:FmlaMacro>{xlsm.MODULE}.{macro}</x:FmlaMacro>" in vml
    # resaved by another program, every piece is still recognised: nothing added, nothing written
    before = saved.read_bytes()
    assert cli(["excel", "init", str(saved)]) == 0
    assert saved.read_bytes() == before
