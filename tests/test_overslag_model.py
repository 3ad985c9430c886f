"""The model budget_2014-2017.xlsx (issue 13 item 4): its figures are the core's, for any of the 98."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from xlmodel import overslag as ov
from xlmodel import udligning
from xlmodel.cli import main
from xlmodel.excel.headless import refresh
from xlmodel.parameters import load
from xlmodel.workbooks import overslag_model

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workbooks" / "budget_2014-2017.xlsx"
STATBANK = ROOT / "tests" / "data" / "statbank"


def _kontrol_all_ok(path: Path) -> int:
    ws = load_workbook(path, data_only=True)["Kontrol"]
    status = [r[3] for r in ws.iter_rows(min_row=5, values_only=True) if r[3] in ("OK", "AFVIGELSE")]
    assert status and set(status) == {"OK"}, status
    return len(status)


def _core(navn: str) -> tuple[dict, object]:
    """The core's answer for one municipality of the ILLUSTRATIVE sample, with the model's inputs."""
    ps = load()
    d = udligning.eksempeldata(ps).set_index("navn").loc[navn]
    f = ps.value("skat.fremskrivningsprocent", ps.budget_year)
    base = float(d["udskrivningsgrundlag"]) / (1 + f / 100)
    rate = float(d["udskrivningsprocent"])
    egen, faktisk, _spredning = overslag_model.example_inputs(ps, ps.budget_year)
    o = ov.projektion(base, rate, egen, faktisk_vaekst_pct=faktisk)
    decision = ov.selvbudget_beregning(o.garanti_grundlag[0], o.egen_grundlag[0], rate).iloc[0]
    return {"o": o, "rate": rate, "base": base}, decision


def _check(path: Path, navn: str) -> None:
    wb = load_workbook(path, data_only=True)
    sk, bs, ovs = wb["Skat"], wb["Beslutning"], wb["Overslag"]
    assert sk["B5"].value == navn
    got, decision = _core(navn)
    o = got["o"]
    np.testing.assert_allclose([sk[f"{c}15"].value for c in "BCDE"], o.garanti_grundlag, rtol=1e-12)
    np.testing.assert_allclose([sk[f"{c}21"].value for c in "BCDE"], o.skat_selvbudget, rtol=1e-12)
    assert bs["B10"].value == pytest.approx(decision["nutidsvaerdi"], rel=1e-12)
    assert bs["B11"].value == decision["afregningsaar"]
    # the efterregulering of the budget year lands in the last column, as the projection settles it
    # (three thirds, each paid to the øre: within 1.5 øre)
    assert ovs["E9"].value == pytest.approx(float(o.afregnet[3]), abs=2e-8)
    egen, _faktisk, spredning = overslag_model.example_inputs(load(), load().budget_year)
    risk = ov.selvbudget_risiko(o.garanti_grundlag[0], got["rate"], egen, spredning).iloc[0]
    assert bs["B16"].value == pytest.approx(risk["sandsynlighed_tab"])
    assert bs["B17"].value == pytest.approx(risk["tab_5pct"], rel=1e-12)
    assert bs["B18"].value == ("selvbudgettering" if decision["nutidsvaerdi"] > 0 else "statsgaranti")


def test_the_shipped_model_shows_the_cores_answer_and_checks_out() -> None:
    assert _kontrol_all_ok(MODEL) >= 40
    _check(MODEL, overslag_model.START_KOMMUNE)


@pytest.mark.parametrize("navn", ["København", "Læsø"])
def test_another_municipality_from_the_dropdown_refreshes_without_errors(navn: str, tmp_path: Path) -> None:
    book = tmp_path / "model.xlsx"
    wb = load_workbook(MODEL)
    dv = wb["Skat"].data_validations.dataValidation
    assert any("B5" in str(v.sqref) and v.formula1 == "=Data!$B$5:$B$102" for v in dv)
    wb["Skat"]["B5"] = navn
    wb.save(book)
    report = refresh(book)
    assert report.ok, report.error_cells[:3]
    _kontrol_all_ok(book)
    _check(book, navn)


def test_the_data_sheet_takes_an_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "budget.xlsx"
    shutil.copyfile(MODEL, book)
    before = [r[3] for r in load_workbook(book)["Data"].iter_rows(min_row=5, max_row=102, values_only=True)]
    assert main(["import", str(STATBANK / "folk1a_lang_cp1252.csv"), "--into", str(book)]) == 0
    assert "uden fejlceller" in capsys.readouterr().out
    wb = load_workbook(book, data_only=True)
    after = [r[3] for r in wb["Data"].iter_rows(min_row=5, max_row=102, values_only=True)]
    assert after != before  # the population column was replaced …
    assert wb["Skat"]["B8"].value == after[wb["Skat"]["B6"].value - 1]  # … and the model reads it
    _kontrol_all_ok(book)
