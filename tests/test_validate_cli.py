"""Parameters and recompute checks, the validate command (exit codes, JSON, HTML escaping)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from excel_books import set_cached_value
from openpyxl import Workbook

from xlmodel.cli import main
from xlmodel.excel.headless import refresh
from xlmodel.excel.layout import write_parameters
from xlmodel.parameters import load
from xlmodel.validate import validate


def model(tmp_path: Path, *, stale: bool = False, hostile: bool = False) -> Path:
    """A small xlmodel-style model, typed like a user would, refreshed by the engine."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    ws.append(["Linje", "2013-pl", "2014-pl (PL_REGULER)", "2014-pl (native)"])
    for r, amount in enumerate([1000.0, 2500.0, 400.0], start=2):
        ws.append([f"Linje {r - 1}", amount, f'=PL_REGULER(B{r},2013,2014,"service")',
                   f"=B{r}*(1+P_pl_service/100)"])
    if hostile:
        ws["B6"] = '=1/0+LEN("<script>alert(1)</script>")'  # shown in the report as its formula
    write_parameters(wb, load())
    if stale:  # a 2013 figure left in a 2014 model
        par = wb["Parametre"]
        for row in par.iter_rows(min_row=2):
            if row[0].value == "pl.service" and row[1].value == 2014:
                row[2].value = 1.0
    path = tmp_path / "model.xlsx"
    wb.save(path)
    refresh(path)
    return path


def test_clean_model_has_no_errors(tmp_path: Path) -> None:
    report = validate(model(tmp_path))
    assert not report.has_errors, report.errors
    assert {"parameters", "recompute"} <= set(report.checks)


def test_stale_parameter_is_an_error_with_its_cell_and_source(tmp_path: Path) -> None:
    report = validate(model(tmp_path, stale=True), checks=["parameters"])
    errors = report.errors
    assert len(errors) == 1
    row = errors.iloc[0]
    assert row["sheet"] == "Parametre" and row["cell"].startswith("C")
    assert row["expected"] == 1.3 and row["actual"] == 1.0
    assert "aftale: Aftale 2014, boks 1" in row["message"]


def test_tampered_catalogue_cell_is_found_by_recompute(tmp_path: Path) -> None:
    path = model(tmp_path)
    set_cached_value(path, path, "xl/worksheets/sheet1.xml", "C3", "2600")
    report = validate(path, checks=["recompute"])
    errors = report.errors
    assert errors[["sheet", "cell"]].values.tolist() == [["Model", "C3"]]
    assert errors.iloc[0]["expected"] == pytest.approx(2500 * 1.013)
    assert errors.iloc[0]["actual"] == 2600


def test_cli_exit_codes_json_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = model(tmp_path)
    assert main(["validate", str(clean), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"findings"}
    assert all({"check", "severity", "sheet", "cell", "message", "expected", "actual",
                "difference", "formula"} <= set(f) for f in data["findings"])

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = model(bad_dir, hostile=True)
    html = tmp_path / "rapport.html"
    assert main(["validate", str(bad), "--html", str(html)]) == 1  # #DIV/0! is an error finding
    page = html.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the formula, escaped
    assert "#DIV/0!" in page and "<table>" in page


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_cli_refuses_broken_files_with_exit_2(tmp_path: Path, content: bytes,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xlmodel validate: ") and "Traceback" not in err and "broken.xlsx" in err


def plain_book(tmp_path: Path, cells: dict[str, object], cached: dict[str, str]) -> Path:
    """A workbook that is not xlmodel's (no Parametre table, no catalogue call), typed with
    openpyxl, with the cached values ``cached`` written in as a saving application would."""
    import re
    import zipfile

    wb = Workbook()
    ws = wb.active
    ws.title = "Ark1"
    for cell, value in cells.items():
        ws[cell] = value
    path = tmp_path / "andet.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, value in cached.items():
        xml, n = re.subn(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v ?/>', rf"\g<1>\g<2><v>{value}</v>", xml)
        assert n == 1, cell
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_recompute_runs_on_any_workbook_and_finds_a_stale_value(tmp_path: Path) -> None:
    path = plain_book(tmp_path, {"A1": 2, "A2": 3, "B1": "=A1*2", "B2": "=A2*2"}, {"B1": "4", "B2": "5"})
    report = validate(path, checks=["recompute"])
    assert report.findings[["severity", "sheet", "cell", "expected", "actual"]].values.tolist() == [
        ["error", "Ark1", "B2", 6.0, 5.0]]
    assert "forældet" in report.findings.iloc[0]["message"]


def test_a_cell_the_engine_cannot_compute_is_info_with_the_reason(tmp_path: Path) -> None:
    # FORECAST.ETS is Excel's, not the engine's: the cached 42 is kept and reported as info
    path = plain_book(tmp_path, {"A1": 1, "A2": 2, "B1": "=_xlfn.FORECAST.ETS(3,A1:A2,A1:A2)", "B2": "=A2+1"},
                      {"B1": "42", "B2": "3"})
    report = validate(path, checks=["recompute"])
    rows = report.findings
    assert rows[["severity", "cell"]].values.tolist() == [["info", "B1"]], rows.to_dict("records")
    assert "ikke genberegnet" in rows.iloc[0]["message"] and "FORECAST.ETS" in rows.iloc[0]["message"]
    assert not report.has_errors


def test_a_volatile_function_is_not_a_stale_value(tmp_path: Path) -> None:
    path = plain_book(tmp_path, {"B1": "=TODAY()", "B2": "=B1+1", "A3": 1, "B3": "=A3*2"},
                      {"B1": "40000", "B2": "40001", "B3": "7"})
    rows = validate(path, checks=["recompute"]).findings
    got = dict(zip(rows["cell"], rows["severity"], strict=True))
    assert got == {"B1": "info", "B2": "warning", "B3": "warning"}, rows.to_dict("records")
