"""Footing: totals against the sum of their parts, rounding (afrunding) vs errors, SUM ranges."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from corpus import make_corpus as mc
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xlmodel.errors import XlmodelError
from xlmodel.parameters import load
from xlmodel.validate import load_book, validate
from xlmodel.validate.checks.footing import classify_footing, footing_cells, footing_table


def sheet_book(tmp_path: Path, cells: dict[str, Any], name: str = "t.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "A"
    for cell, value in cells.items():
        ws[cell] = value
    path = tmp_path / name
    wb.save(path)
    return path


def rows_of(path: Path, check: str) -> list[tuple[str, str]]:
    f = validate(path, checks=check).findings
    return list(zip(f["cell"], f["severity"], strict=True))


# -------------------------------------------------------------------------- classification ----
def test_tabel1_expenses_are_a_rounding_difference() -> None:
    """Tabel 1: six expense lines add to 346,744 against a printed 346,745 [aftale]."""
    table = load().table("tabel1")
    rows = {r["key"]: r for r in table.rows}
    total = rows["udgifter_i_alt"]
    result = classify_footing(total["amount"], [rows[k]["amount"] for k in total["parts"]])
    assert result.status == "afrunding"
    assert result.parts_sum == sum(rows[k]["amount"] for k in total["parts"])
    assert result.difference == total["amount"] - result.parts_sum == 1.0
    assert result.tolerance == 6.0 and result.lines == 6


def test_footing_table_reports_only_what_does_not_foot() -> None:
    found = footing_table("tabel1")
    assert [(f.check, f.severity, f.cell) for f in found] == [("footing", "info", "Udgifter i alt")]
    assert found[0].message.startswith("afrunding")
    assert found[0].expected == 346744.0 and found[0].actual == 346745.0 and found[0].difference == 1.0
    # "Indtægter i alt" foots exactly, so it is not reported; a tighter tolerance makes the
    # expense difference an error
    strict = footing_table("tabel1", tolerance_per_line=0.1)
    assert [(f.severity, f.cell) for f in strict] == [("error", "Udgifter i alt")]


@pytest.mark.parametrize(("printed", "parts", "status"), [
    (10.0, [4.0, 6.0], "OK"), (10.0 + 1e-12, [4.0, 6.0], "OK"), (12.0, [4.0, 6.0], "afrunding"),
    (12.5, [4.0, 6.0], "fejl"), (-3.0, [-1.0, -1.0], "afrunding"), (0.1 + 0.2, [0.1, 0.2], "OK"),
])
def test_classify_boundaries(printed: float, parts: list[float], status: str) -> None:
    assert classify_footing(printed, parts).status == status


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**7, 10**7), min_size=1, max_size=20), st.integers(-30, 30),
       st.sampled_from([0.5, 1.0, 2.0]))
def test_classification_follows_the_tolerance(parts: list[int], shift: int, per_line: float) -> None:
    result = classify_footing(sum(parts) + shift, parts, per_line)
    assert result.difference == shift
    if shift == 0:
        assert result.status == "OK"
    elif abs(shift) <= per_line * len(parts):
        assert result.status == "afrunding"
    else:
        assert result.status == "fejl"


def test_classify_refuses_bad_input() -> None:
    with pytest.raises(XlmodelError, match="parts"):
        classify_footing(10, [1, "2"])
    with pytest.raises(XlmodelError, match="printed"):
        classify_footing(None, [1.0])
    with pytest.raises(XlmodelError, match="tolerance_per_line"):
        classify_footing(10, [10], tolerance_per_line=-1)


# ------------------------------------------------------------------------- typed totals ----
def test_typed_tabel1_in_a_workbook() -> None:
    """Tabel 1 typed into a sheet: the total row is found by its label, 'heraf' is not summed."""
    report = validate(mc.typed()["tabel1"], checks="footing")
    assert list(zip(report.findings["cell"], report.findings["severity"], strict=True)) == [("B8", "info")]
    assert report.findings["difference"][0] == 1.0
    typo = validate(mc.typed()["tabel1_typo"], checks="footing")
    assert list(zip(typo.findings["cell"], typo.findings["severity"], strict=True)) == [("B8", "error")]
    assert typo.findings["difference"][0] == 101.0


def test_footing_cells_given_a_spec() -> None:
    book = load_book(mc.typed()["tabel1"])
    found = footing_cells(book, "Tabel 1", "B8", "B2:B7")
    assert [(f.severity, f.cell, f.expected, f.actual) for f in found] == [("info", "B8", 346744.0, 346745.0)]
    assert footing_cells(book, "Tabel 1", "B14", ["B9", "B10", "B12", "B13"]) == []  # Indtægter i alt
    with pytest.raises(XlmodelError, match="parts"):
        footing_cells(book, "Tabel 1", "B8", "A2:B7")  # the labels are text, not parts
    with pytest.raises(XlmodelError, match="sheet"):
        footing_cells(book, "Tabel 9", "B8", "B2:B7")


def test_typed_total_stops_at_the_previous_total_and_skips_memo_rows(tmp_path: Path) -> None:
    path = sheet_book(tmp_path, {
        "A1": "Post", "B1": "Beløb",
        "A2": "a", "B2": 10, "A3": "b", "B3": 20, "A4": "Delsum i alt", "B4": 30,
        "A5": "c", "B5": 5, "A6": "- heraf d", "B6": 2, "A7": "e", "B7": 7, "A8": "Total", "B8": 12,
        "A9": "f", "B9": 1, "A10": "g", "B10": 1, "A11": "Sum", "B11": 5,   # 2 lines, off by 3: error
    })
    assert rows_of(path, "footing") == [("B11", "error")]


# --------------------------------------------------------------------------- SUM formulas ----
@pytest.mark.libreoffice
def test_stale_cached_total_is_an_error() -> None:
    paths = mc.recalculated()
    if paths is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    report = validate(paths["stale_total"], checks="footing")
    assert rows_of(paths["stale_total"], "footing") == [("B8", "error")]
    row = report.findings.iloc[0]
    assert row["actual"] == pytest.approx(sum(k[2] for k in mc.KOMMUNER))      # the old cached total
    assert row["expected"] == pytest.approx(sum(k[2] for k in mc.KOMMUNER) - 830.5 + 900.0)
    assert math.isclose(row["difference"], 830.5 - 900.0)
    assert validate(paths["clean"], checks="footing").findings.empty


def test_sum_formula_with_cached_values_written_in(tmp_path: Path) -> None:
    """Without LibreOffice: cached values put into the file as a calculating program would."""
    path = sheet_book(tmp_path, {"A1": "x", "A2": 1.4, "A3": 2.4, "A4": 3.4, "A5": "=SUM(A2:A4)",
                                 "B2": 5, "B3": 5, "B4": "=SUM(B2:B3)"})
    mc.set_cached_value(path, "A", "A5", 7.2)    # the true sum: no finding
    mc.set_cached_value(path, "A", "B4", 11.0)   # 1 off over two lines: afrunding
    assert rows_of(path, "footing") == [("B4", "info")]
    mc.set_cached_value(path, "A", "A5", 9.2)    # 2 off over three lines: still rounding
    mc.set_cached_value(path, "A", "B4", 13.0)   # 3 off over two lines: an error
    assert sorted(rows_of(path, "footing")) == [("A5", "info"), ("B4", "error")]


def test_sum_formulas_without_cached_values_are_skipped() -> None:
    assert validate(mc.typed()["clean"], checks="footing").findings.empty


# ------------------------------------------------------------------------------ SUM ranges ----
@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(B2:B7)", []),
    ("=SUM(B2:B6)", [("B8", "error")]),      # stops one row short
    ("=SUM(B3:B7)", [("B8", "error")]),      # starts one row late, under a text header
    ("=SUM(B1:B7)", [("B8", "warning")]),    # takes in the header
    ("=SUM(B2:B5)", []),                     # two rows short: a deliberate part-sum, not flagged
])
def test_sum_range_in_a_column(tmp_path: Path, formula: str, expected: list[tuple[str, str]]) -> None:
    cells: dict[str, Any] = {"B1": "Beløb"} | {f"B{r}": float(r) for r in range(2, 8)} | {"B8": formula}
    assert rows_of(sheet_book(tmp_path, cells), "sum_range") == expected


def test_sum_range_in_a_row_and_with_a_spacer(tmp_path: Path) -> None:
    cells: dict[str, Any] = {"A1": "Udgift"} | {f"{c}1": 1.0 for c in "BCDEF"} | {"G1": "=SUM(B1:E1)"}
    cells |= {"A3": "Tekst"} | {f"A{r}": float(r) for r in range(4, 8)} | {"A9": "=SUM(A4:A6)"}  # A8 blank
    found = validate(sheet_book(tmp_path, cells), checks="sum_range").findings
    assert list(zip(found["cell"], found["severity"], found["expected"], strict=True)) == [
        ("G1", "error", "=SUM(B1:F1)"), ("A9", "error", "=SUM(A4:A7)")]


def test_a_year_header_is_not_a_skipped_line(tmp_path: Path) -> None:
    cells: dict[str, Any] = {"B1": "Kommune", "B2": 2014.0} | {f"B{r}": 10.0 * r for r in range(3, 7)}
    cells["B7"] = "=SUM(B3:B6)"
    assert rows_of(sheet_book(tmp_path, cells), "sum_range") == []


def test_planted_off_by_one_in_the_corpus() -> None:
    found = validate(mc.typed()["off_by_one_sum"], checks="sum_range").findings
    assert list(zip(found["sheet"], found["cell"], found["severity"], found["expected"], strict=True)) == [
        ("Model", "B8", "error", "=SUM(B2:B7)")]
