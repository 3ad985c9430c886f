"""The file-format layer (issue 10): one layer, cheap and still a defence, byte-preserving."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlmodel.ooxml.package import Package
from xlmodel.ooxml.safety import UnsafeFileError, check_workbook_bytes
from xlmodel.ooxml.sheet import SheetXml, Update

ROOT = Path(__file__).resolve().parents[1]


def test_the_file_format_layer_imports_no_layer_above_it() -> None:
    for path in (ROOT / "xlmodel" / "ooxml").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("xlmodel.engine", "xlmodel.excel", "xlmodel.validate",
                                            "xlmodel.commands")), (path.name, name)


def test_the_engine_computes_with_what_it_is_handed() -> None:
    """The engine's computation imports no face: the function table comes as an argument.

    (Every module of the engine and of ooxml, by an AST scan of its imports: tests/test_layers.py.)
    """
    for name in ("formualizer_engine.py", "functions.py", "keep.py", "package.py", "sheetxml.py",
                 "types.py"):
        text = (ROOT / "xlmodel" / "engine" / name).read_text(encoding="utf-8")
        code = [line for line in text.splitlines() if "import" in line]
        assert not [line for line in code if "xlmodel.excel" in line], name


def test_the_patcher_keeps_whitespace_between_cells() -> None:
    data = (b'<worksheet><sheetData>\n  <row r="1">\n    <c r="A1"><v>2</v></c>\n'
            b'    <c r="B1"><f>A1*2</f><v>0</v></c>\n    <c r="C1" s="3"><f>B1+1</f></c>\n  </row>\n'
            b'</sheetData></worksheet>')
    xml = SheetXml(data)
    out = xml.patch({(1, 2): Update(4.0), (1, 3): Update(5.0)}, set()).decode()
    assert out == data.decode().replace("<v>0</v>", "<v>4</v>").replace(
        "<f>B1+1</f></c>", "<f>B1+1</f><v>5</v></c>")
    fast = xml.patch_formula_values(xml.formula_cells(), (4.0, 5.0))
    assert fast is not None and fast.decode() == out


def test_a_new_cell_goes_beside_its_neighbour_and_a_new_row_in_order() -> None:
    xml = SheetXml(b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="1" spans="1:3">'
                   b'<c r="A1"><v>1</v></c> <c r="C1"><v>3</v></c></row>'
                   b'<row r="3"><c r="A3"><v>9</v></c></row>'
                   b'</sheetData></worksheet>')
    out = xml.patch({(1, 2): Update(2.0), (2, 1): Update(7.0)}, set()).decode()
    assert '<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c> <c r="C1"><v>3</v></c>' in out
    assert out.index('<row r="2">') < out.index('<row r="3">')


def _book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 50):
        ws.append([r, f"=A{r}*2"])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    return path


def test_unchanged_members_are_copied_as_stored(tmp_path: Path) -> None:
    src = _book(tmp_path)
    pkg = Package.read(src)
    sheet = pkg.sheets()[0].part
    pkg.set(sheet, pkg.get(sheet).replace(b"<v>", b"<v>", 1) + b" ")
    new = pkg.to_bytes()
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(__import__("io").BytesIO(new))
    assert b.testzip() is None and a.namelist() == b.namelist()
    for info in a.infolist():
        other = b.getinfo(info.filename)
        if info.filename == sheet:
            assert b.read(sheet) == pkg.get(sheet)
        else:  # the compressed bytes themselves, not only the content
            assert (other.CRC, other.compress_size, a.read(info.filename)) == \
                   (info.CRC, info.compress_size, b.read(info.filename))
    assert Package(new).get(sheet) == pkg.get(sheet)


def test_a_dtd_split_across_inflate_chunks_is_still_refused(tmp_path: Path) -> None:
    src = _book(tmp_path)
    parts = {i.filename: zipfile.ZipFile(src).read(i.filename) for i in zipfile.ZipFile(src).infolist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    pad = b"<!-- " + b"x" * ((1 << 16) - 40) + b" -->"
    dtd = b'<!DOCTYPE worksheet [<!ENTITY a "b">]>'
    parts[sheet] = parts[sheet].replace(b"<worksheet", pad + dtd + b"<worksheet", 1)
    buf = __import__("io").BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    with pytest.raises(UnsafeFileError, match="DTD eller entiteter"):
        check_workbook_bytes(buf.getvalue(), "b.xlsx")


def test_refresh_of_a_workbook_without_catalogue_calls_imports_no_pandas(tmp_path: Path) -> None:
    src = _book(tmp_path)
    code = ("import sys; from xlmodel.cli import main; main(['refresh', sys.argv[1], '--quiet']); "
            "print('pandas' in sys.modules, 'openpyxl' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert run.stdout.strip().splitlines()[-1] == "False False", run.stdout
