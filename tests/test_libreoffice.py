"""Cross-check with an independent spreadsheet application: LibreOffice recalculates the shipped
models' native formulas; they must agree with the headless refresh and the Python core."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from excel_books import set_cached_value
from openpyxl import load_workbook

from xlmodel import pl, skat
from xlmodel.engine import libreoffice
from xlmodel.excel import catalogue
from xlmodel.excel.headless import evaluate
from xlmodel.workbooks import MODELS, build_all

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice (soffice) not installed")]
CATALOGUE = re.compile(r"\b(" + "|".join(catalogue.names()) + r")\s*\(", re.I)
REF = re.compile(r"(?:('[^']+'|[A-Za-z_]\w*)!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _refs(sheet: str, formula: str) -> set[tuple[str, int, int]]:
    out = set()
    for m in REF.finditer(formula.split('"')[0] if formula.count('"') % 2 else formula):
        target = (m.group(1) or sheet).strip("'")
        c1, r1 = _col(m.group(2)), int(m.group(3))
        c2, r2 = (_col(m.group(4)), int(m.group(5))) if m.group(4) else (c1, r1)
        out |= {(target, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return out


def _tainted(formulas: dict[tuple[str, str], str], lo: dict[tuple[str, str], object]) -> set[tuple[str, str]]:
    """Cells that are, or depend on, a catalogue call (or a cell it spills into, which LibreOffice
    shows as an error): LibreOffice cannot compute them."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    def rc(key: tuple[str, str]) -> tuple[str, int, int]:
        letters, row = coordinate_from_string(key[1])
        return key[0], row, column_index_from_string(letters)

    refs = {k: _refs(k[0], f) for k, f in formulas.items()}
    bad = {rc(k) for k, f in formulas.items() if CATALOGUE.search(f)}
    bad |= {rc(k) for k, v in lo.items() if k not in formulas and isinstance(v, str) and v.startswith("#")}
    changed = True
    while changed:
        changed = False
        for k, deps in refs.items():
            if rc(k) not in bad and deps & bad:
                bad.add(rc(k))
                changed = True
    return {k for k in formulas if rc(k) in bad}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    models = tmp_path_factory.mktemp("models")
    lo = tmp_path_factory.mktemp("lo")
    return {p.name: (p, libreoffice.recalculate(p, lo)) for p in build_all(models)}


def _close(a: object, b: object) -> bool:
    if isinstance(a, bool | str) or isinstance(b, bool | str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_native_formulas_agree_with_libreoffice(recalculated: dict[str, tuple[Path, Path]],
                                                name: str) -> None:
    ours_path, lo_path = recalculated[name]
    ours = evaluate(ours_path)
    theirs = libreoffice.values(lo_path)
    formulas = {(ws.title, c.coordinate): c.value for ws in load_workbook(ours_path).worksheets
                for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")}
    compared = 0
    skip = _tainted(formulas, theirs)  # catalogue cells and what depends on them: checked against the core
    for key, formula in formulas.items():
        lo_value = theirs.get(key)
        if key in skip:
            continue
        assert key in ours, key
        assert _close(ours[key], lo_value), (key, formula, ours[key], lo_value)
        compared += 1
    assert compared >= 0.5 * len(formulas) - len(skip) and compared > 0, (compared, len(formulas))


def test_catalogue_cells_agree_with_the_core(recalculated: dict[str, tuple[Path, Path]]) -> None:
    values = evaluate(recalculated["budget_2014.xlsx"][0])
    lines = [(5, "service", 512.0), (8, "samlet", 3_120.0), (9, "anlaeg", 140.0), (10, "sats", 1_210.4)]
    for row, serie, amount in lines:
        expected = pl.reguler(amount, 2013, 2014, serie)
        assert values[("Budget", f"D{row}")] == pytest.approx(expected, rel=1e-12)
    assert values[("Skattegrundlag", "B8")] == pytest.approx(skat.statsgaranti_grundlag(9_850.0), rel=1e-12)
    assert values[("Skattegrundlag", "B13")] == pytest.approx(skat.breakeven_vaekst(2014), rel=1e-12)


def test_libreoffice_really_recalculates(recalculated: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    """A planted stale cached value is corrected: LibreOffice did not just keep the file's numbers."""
    src = recalculated["budget_2014.xlsx"][0]
    stale = tmp_path / "stale.xlsx"
    part = f"xl/worksheets/sheet{load_workbook(src, read_only=True).sheetnames.index('Budget') + 1}.xml"
    set_cached_value(src, stale, part, "E5", "999")
    assert load_workbook(stale, data_only=True)["Budget"]["E5"].value == 999
    fixed = libreoffice.values(libreoffice.recalculate(stale, tmp_path / "out"))
    assert fixed[("Budget", "E5")] == pytest.approx(512.0 * 1.013, rel=1e-12)


def _csv_per_sheet(src: Path, outdir: Path, profile: Path) -> dict[str, list[list[str]]]:
    """Open ``src`` in LibreOffice with its default settings (a fresh profile: no forced
    recalculation) and export every sheet as CSV; returns {sheet: rows}."""
    import csv

    from openpyxl import load_workbook

    outdir.mkdir(parents=True, exist_ok=True)
    import subprocess

    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=300)
    out = {}
    for sheet in load_workbook(src, read_only=True).sheetnames:
        with (outdir / f"{src.stem}-{sheet}.csv").open(encoding="utf-8", newline="") as fh:
            out[sheet] = list(csv.reader(fh))
    return out


SHIPPED = Path(__file__).resolve().parents[1] / "workbooks"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_shipped_models_show_their_numbers_in_libreoffice_without_recalculation(
        name: str, tmp_path: Path) -> None:
    """A colleague without Python opens the file: no #NAME?, the numbers xlmodel cached."""
    from openpyxl import load_workbook

    shown = _csv_per_sheet(SHIPPED / name, tmp_path / "csv", tmp_path / "profile")
    cached = load_workbook(SHIPPED / name, data_only=True)
    compared = 0
    for sheet, rows in shown.items():
        assert not [cell for row in rows for cell in row if cell.startswith("#")], (sheet, "an error shown")
        ws = cached[sheet]
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row, start=1):
                value = ws.cell(r, c).value
                if isinstance(value, float | int) and not isinstance(value, bool) and text:
                    assert float(text) == pytest.approx(float(value), rel=1e-9, abs=1e-9), (sheet, r, c)
                    compared += 1
    assert compared > 10
