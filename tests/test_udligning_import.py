"""``xlmodel import FILE --into MODEL.xlsx`` (issue 12 §3): what it writes, and only that."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xlmodel.cli import main
from xlmodel.commands.importer import read_source, write_data
from xlmodel.errors import XlmodelError
from xlmodel.workbooks.udligning_model import FIRST, MARKER

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workbooks" / "udligning_2014.xlsx"
STATBANK = ROOT / "tests" / "data" / "statbank"


@pytest.fixture
def model(tmp_path: Path) -> Path:
    target = tmp_path / "udligning.xlsx"
    shutil.copyfile(MODEL, target)
    return target


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _data(path: Path) -> dict[int, tuple]:
    ws = next(ws for ws in load_workbook(path, data_only=True).worksheets if ws["A3"].value == MARKER)
    return {row[0]: row for row in ws.iter_rows(min_row=FIRST, max_row=FIRST + 97, values_only=True)}


def test_folk1a_fills_population_and_only_that(model: Path) -> None:
    before = _data(model)
    parts_before = _parts(model)
    values = read_source(str(STATBANK / "folk1a_lang_cp1252.csv"))
    written = write_data(str(model), values)
    after = _data(model)
    assert {k for k, _ in written} == set(values.index)
    for kode, row in after.items():
        if kode in values.index:
            assert row[3] == values.at[kode, "indbyggere"]
            assert row[:3] + row[4:] == before[kode][:3] + before[kode][4:]
        else:
            assert row == before[kode]
    changed = {n for n, b in _parts(model).items() if parts_before.get(n) != b}
    assert len(changed) == 1 and changed.pop().startswith("xl/worksheets/")  # the Data sheet part only


def test_plain_csv_with_names_and_flags(model: Path, tmp_path: Path) -> None:
    src = tmp_path / "egne.csv"
    src.write_text("kommune;udgiftsbehov;hovedstad;selskabsskat\nKøbenhavn;30000,5;SAND;1400\n"
                   "Aarhus;17000;FALSK;600,25\n", encoding="utf-8")
    write_data(str(model), read_source(str(src)))
    after = _data(model)
    assert after[101][6] == 30000.5 and after[101][9] is True
    assert after[751][6] == 17000.0 and after[751][9] is False and after[751][8] == 600.25


def test_folk1a_by_age_gives_the_demographic_need(model: Path, tmp_path: Path) -> None:
    src = tmp_path / "folk1a_alder.csv"
    src.write_text("OMRÅDE;ALDER;TID;INDHOLD\nHele landet;0-6 år;2014K1;400.000\n"
                   "København;0-6 år;2014K1;50.000\nKøbenhavn;7-16 år;2014K1;40.000\n"
                   "Aarhus;0-6 år;2014K1;30.000\nAarhus;7-16 år;2014K1;35.000\n", encoding="cp1252")
    units = tmp_path / "enhed.csv"
    units.write_text("aldersgruppe;beloeb\n0-6 år;60.000\n7-16 år;80.000\n", encoding="utf-8")
    values = read_source(str(src), enhedsbeloeb=str(units))
    assert values.at[101, "indbyggere"] == 90_000
    expected = (50_000 * 60_000 + 40_000 * 80_000) / 1e6  # mio. kr.
    assert values.at[101, "aldersbestemt_udgiftsbehov"] == pytest.approx(expected)
    write_data(str(model), values)
    assert "socioøkonomisk" in values.attrs["bemaerkning"]  # column N is blank: G left as it was


def test_the_command_refreshes_and_reports_in_danish(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(STATBANK / "folk1a_lang_cp1252.csv"), "--into", str(model)]) == 0
    out = capsys.readouterr().out
    assert "celler skrevet i Data" in out and "uden fejlceller" in out


def test_a_workbook_without_the_marker_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "andet.xlsx"
    wb = Workbook()
    wb.active.title = "Data"  # the right name is not enough: the marker decides
    wb.save(other)
    before = other.read_bytes()
    with pytest.raises(XlmodelError, match="marker"):
        write_data(str(other), read_source(str(STATBANK / "folk1a_lang_cp1252.csv")))
    assert other.read_bytes() == before


@pytest.mark.parametrize(("content", "complaint"), [
    ("kode;udgiftsbehov\n101;mange\n", "udgiftsbehov"),
    ("kode;skat\n101;1\n", "kolonne"),
    ("kode;indbyggere\n9999;1\n", "codes present"),
    ("navn;indbyggere\nAtlantis;1\n", "kommune"),
])
def test_bad_files_are_refused_by_name(model: Path, tmp_path: Path, content: str, complaint: str) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(content, encoding="utf-8")
    before = model.read_bytes()
    assert main(["import", str(src), "--into", str(model)]) == 2
    with pytest.raises(XlmodelError, match=complaint):
        write_data(str(model), read_source(str(src)))
    assert model.read_bytes() == before
