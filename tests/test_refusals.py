"""Refusals, not crashes (issue 9, observation 8): each case one line naming the file, what is
wrong and what is allowed (with the limit's number), exit 2 — or, for validation, a finding.

Each of these failed on main: an IndexError traceback, "no findings" and exit 0, "is it a Word
or PowerPoint file?", a refusal by the engine after 12 s without the limit, "file not found" for
a folder, a Rust abort or MemoryError, a RecursionError.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xlmodel.cli import main
from xlmodel.errors import ParameterFileError
from xlmodel.safeio import MAX_PART, MEMORY_ENV, UnsafeFileError, check_workbook_file
from xlmodel.tekst import format_tal

ROOT = Path(__file__).resolve().parents[1]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _package(path: Path, sheets: dict[str, bytes], *, ns: str = MAIN_NS, missing: tuple[str, ...] = (),
             shared: bytes | None = None) -> Path:
    """A minimal .xlsx written part by part (as another application might write it).

    ``sheets``: sheet name → sheetData XML; ``missing``: sheet names listed in the workbook whose
    part is left out of the zip.
    """
    names = [*sheets, *missing]
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{CT_SHEET}"/>'
                   for i in range(len(names)))
    if shared is not None:
        over += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.sharedStrings+xml"/>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.sheet.main+xml"/>{over}</Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{REL}"><sheets>'
            + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
            + "</sheets></workbook>").encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" '
                      f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))
            + (f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
               if shared is not None else "")
            + "</Relationships>").encode(),
    }
    for i, data in enumerate(sheets.values()):
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>'.encode()
            + data + b"</sheetData></worksheet>")
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


CATALOGUE_CALL = b'<c r="A1"><f>PL_FAKTOR(2013,2014,"service")</f><v>1.0</v></c>'


def test_cached_error_that_now_computes_to_empty_text_is_a_finding(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Was: IndexError in recompute._same (``"".split()[0]``)."""
    from xlmodel.validate.book import ExcelError
    from xlmodel.validate.checks.recompute import _same

    assert _same(ExcelError("#VALUE!"), "") is False and _same("", ExcelError("#N/A")) is False
    book = _package(tmp_path / "fejl.xlsx", {"Ark1": b'<row r="1">' + CATALOGUE_CALL
                                             + b'<c r="B1" t="e"><f>""</f><v>#VALUE!</v></c></row>'})
    code = main(["validate", str(book), "--checks", "recompute"])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err
    assert "B1" in out.out and "#VALUE!" in out.out


def test_a_sheet_that_cannot_be_read_is_a_finding_not_no_findings(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    book = _package(tmp_path / "halv.xlsx", {"Budget": b'<row r="1"><c r="A1"><v>1</v></c></row>'},
                    missing=("Regnskab",))
    assert check_workbook_file(book).unreadable == (("Regnskab", "delen xl/worksheets/sheet2.xml findes ikke "
                                                                 "i filen"),)
    assert main(["validate", str(book)]) == 1
    out = capsys.readouterr().out
    assert "ingen fund" not in out and "unreadable_sheet" in out and "Regnskab" in out


def test_strict_ooxml_is_refused_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = _package(tmp_path / "strict.xlsx", {"Ark1": b'<row r="1"><c r="A1"><v>1</v></c></row>'},
                    ns=STRICT_NS)
    for command in (["refresh", str(book)], ["validate", str(book)]):
        assert main(command) == 2
        line = _one_line(capsys.readouterr().err)
        assert "strict.xlsx: er gemt som Strict Open XML-regneark" in line
        assert 'tilladt: en projektmappe gemt som "Excel-projektmappe (*.xlsx)"' in line


def test_a_shared_strings_part_beyond_the_engine_limit_is_refused_before_opening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """135 MB of strings (compression ratio ~150, under the zip-bomb limit): refused at once."""
    filler = b"<si><t>abcdefghij</t></si>" * ((MAX_PART + (1 << 20)) // 26)
    noise = b"<si><t>" + os.urandom(800_000).hex().encode() + b"</t></si>"
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'.encode() + filler + noise
              + b"</sst>")
    book = _package(tmp_path / "tekster.xlsx", {"Ark1": b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'},
                    shared=shared)
    del filler, shared
    assert main(["refresh", str(book)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "tekster.xlsx: delen 'xl/sharedStrings.xml' fylder" in line
    assert f"højst {format_tal(MAX_PART, 0)} byte" in line  # Danish notation: 134.217.728


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_refresh_of_a_folder_or_fifo_says_what_it_is(tmp_path: Path, kind: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.xlsx"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)  # opening it would block forever: the check must not open it
    assert main(["refresh", str(path)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert ("er en mappe" if kind == "folder" else "er ikke en almindelig fil") in line
    assert "findes ikke" not in line and "tilladt: IN.xlsx" in line


def test_memory_estimate_above_the_limit_is_refused_with_the_limit_and_how_to_raise_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    model = ROOT / "workbooks" / "budget_2014.xlsx"
    info = check_workbook_file(model)
    assert info.formulas > 0 and info.memory_estimate > info.uncompressed
    monkeypatch.setenv(MEMORY_ENV, "0.01")
    assert main(["refresh", str(model), "-o", str(tmp_path / "ud.xlsx")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "budget_2014.xlsx: kræver anslået" in line and f"({MEMORY_ENV}=0.01)" in line
    assert f"hæv grænsen med {MEMORY_ENV}=<MB>" in line and not (tmp_path / "ud.xlsx").exists()
    monkeypatch.setenv(MEMORY_ENV, "mange")
    assert main(["refresh", str(model), "-o", str(tmp_path / "ud.xlsx")]) == 2
    assert "a number of megabytes" in capsys.readouterr().err


SHORT_OF_MEMORY = r"""
import resource, runpy, sys
from pathlib import Path
size = next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + int(sys.argv[1]), resource.RLIM_INFINITY))
sys.argv = ["xlmodel", *sys.argv[2:]]
runpy.run_module("xlmodel", run_name="__main__")
"""


def test_short_of_memory_is_a_refusal_not_an_abort(tmp_path: Path) -> None:
    """A process that may use only ~1 GB more refuses a workbook estimated to need more (~1.5 GB).

    (With 1.5 GB of headroom the leaner refresh of issue 10 now fits and completes: no refusal.)"""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d*2+1</f><v>%d</v></c></row>'
                    % (i, i, i, i, i, 2 * i + 1) for i in range(1, 400_001))
    book = _package(tmp_path / "stor.xlsx", {"Ark1": rows})
    script = tmp_path / "short.py"
    script.write_text(SHORT_OF_MEMORY)
    env = {k: v for k, v in os.environ.items() if k != MEMORY_ENV}
    out = subprocess.run([sys.executable, str(script), str(1_000 << 20), "refresh", str(book)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT,
                         env={**env, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2, out.stderr[-2000:]
    line = _one_line(out.stderr)
    assert "stor.xlsx: kræver anslået" in line and "ulimit -v" in line


def test_parameter_file_that_extends_itself_is_refused(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from xlmodel import parameters

    def write(name: str, extends: str) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[meta]\nname = "{name}"\nhorizon = [2015, 2015]\nextends = "{extends}"\n')
        return path

    itself = write("selv", str(tmp_path / "selv.toml"))
    a = write("a", str(tmp_path / "b.toml"))
    write("b", str(tmp_path / "a.toml"))
    for path in (itself, a):
        with pytest.raises(ParameterFileError, match="circular"):
            parameters.load(path)
        assert main(["params", "--params", str(path)]) == 2
        assert "circular" in _one_line(capsys.readouterr().err)


def test_unsafe_file_error_is_danish_for_the_new_refusals(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match=r"tilladt: IN\.xlsx"):
        from xlmodel.safeio import guard_input

        guard_input(tmp_path / "mangler.xlsx")
