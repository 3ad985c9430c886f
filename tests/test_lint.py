"""Formula lint: the loader, the reference machinery, each check, and the planted-error corpus."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from corpus import make_corpus as mc
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.formula.translate import Translator
from openpyxl.workbook.defined_name import DefinedName

import xlmodel.validate
from xlmodel.errors import XlmodelError
from xlmodel.validate import CHECKS, Finding, Report, load_book, register, validate
from xlmodel.validate.lint import (
    ALLOWED_NUMBERS,
    ExcelError,
    analyse_formula,
    covers,
    form_key,
    number_from_text,
    parse_ref,
    regions,
    split_cell,
    to_r1c1,
)

LINT = ["hardcoded_number", "inconsistent_formula", "error_value", "empty_reference", "circular_reference",
        "number_as_text", "approximate_lookup", "manual_calculation"]


def book_with(tmp_path: Path, sheets: dict[str, dict[str, Any]], *, name: str = "t.xlsx",
              names: dict[str, str] | None = None, iterate: bool = False) -> Path:
    """Write a workbook from {sheet: {cell: value or "=formula"}} the way a user types it."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for cell, value in cells.items():
            ws[cell] = value
    for key, ref in (names or {}).items():
        wb.defined_names[key] = DefinedName(key, attr_text=ref)
    if iterate:
        wb.calculation.iterate = True
    path = tmp_path / name
    wb.save(path)
    return path


def found(report: Report, check: str) -> list[tuple[str | None, str | None, str]]:
    rows = report.findings[report.findings["check"] == check]
    return [(s if isinstance(s, str) else None, c if isinstance(c, str) else None, v)
            for s, c, v in zip(rows["sheet"], rows["cell"], rows["severity"], strict=True)]


# ----------------------------------------------------------------------- references ----
def test_r1c1_relative_absolute_and_mixed() -> None:
    assert to_r1c1("=B2*$C$1+C$1+$A2", 2, 3) == "=RC[-1]*R1C3+R1C+RC1"
    assert to_r1c1("=SUM(B2:B7)", 8, 2) == "=SUM(R[-6]C:R[-1]C)"
    assert to_r1c1("=SUM(2:3)+SUM($A:B)", 5, 3) == "=SUM(R[-3]:R[-2])+SUM(C1:C[-1])"
    # names, functions with digits, text and quoted sheet names are left alone
    assert to_r1c1('=LOG10(A1)&"B2"&\'Q1 2014\'!B2&P_pl_service_2014', 1, 1) == \
        '=LOG10(RC)&"B2"&\'Q1 2014\'!R[1]C[1]&P_pl_service_2014'


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 500), st.integers(1, 200), st.integers(0, 300), st.integers(0, 100),
       st.sampled_from(["=B2*(1+$C$1)", "=SUM(B2:B7)-$A3", "=IF(A1>0,C$4,D5)", "=A1+Ark2!B2"]))
def test_form_key_is_translation_invariant(row: int, col: int, drow: int, dcol: int, formula: str) -> None:
    """Copying a formula (Excel's relative move) keeps its key and its R1C1 form."""
    base = ("E10", 10, 5)
    src = Translator(formula, origin=base[0]).translate_formula(f"{_col(col + 8)}{row + 12}")
    dst = Translator(src, origin=f"{_col(col + 8)}{row + 12}").translate_formula(
        f"{_col(col + 8 + dcol)}{row + 12 + drow}")
    k1 = form_key(src, row + 12, col + 8)
    k2 = form_key(dst, row + 12 + drow, col + 8 + dcol)
    assert k1 == k2
    assert to_r1c1(src, row + 12, col + 8) == to_r1c1(dst, row + 12 + drow, col + 8 + dcol)
    # ... and a different formula in the same cell gets a different key
    assert form_key(src + "+1", row + 12, col + 8) != k1


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(n)


def test_parse_ref_forms() -> None:
    r = parse_ref("'Mit ark'!$B$2:C3", 5, 5)
    assert (r.sheet, r.r1, r.c1, r.r2, r.c2, r.single) == ("Mit ark", (2, True), (2, True), (-2, False),
                                                             (-2, False), False)
    assert parse_ref("A:A", 3, 3).r2 == (1_048_576, True)
    assert parse_ref("[1]Ark1!A1", 1, 1).external
    assert parse_ref("P_pl_service", 1, 1) is None


def test_split_and_covers() -> None:
    assert split_cell("c7") == (7, 3)
    with pytest.raises(XlmodelError, match="cell"):
        split_cell("7C")
    assert covers("B2:D4", "C3") and not covers("B2:D4", "E3")


@settings(max_examples=200, deadline=None)
@given(st.sets(st.tuples(st.integers(1, 12), st.integers(1, 6)), min_size=1, max_size=40))
def test_regions_cover_exactly_the_cells(cells: set[tuple[int, int]]) -> None:
    rows = np.array([c[0] for c in cells])
    cols = np.array([c[1] for c in cells])
    covered = [(r, c) for r1, c1, r2, c2 in regions(rows, cols)
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    assert sorted(covered) == sorted(cells)  # every cell once, nothing else


# ----------------------------------------------------------------------------- loading ----
def test_loader_agrees_with_openpyxl() -> None:
    """Formulas and cached values read by the fast reader equal openpyxl's, cell by cell."""
    paths = mc.recalculated() or mc.typed()
    for name in ("clean", "ref_error", "number_as_text", "tabel1"):
        path = paths[name]
        book = load_book(path)
        formulas = load_workbook(path)
        values = load_workbook(path, data_only=True)
        for ws in formulas.worksheets:
            sheet = book.sheet(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    mine = sheet.formula(cell.row, cell.column)
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        assert mine == cell.value, (name, cell.coordinate)
                    cached = values[ws.title][cell.coordinate].value
                    got = sheet.value(cell.row, cell.column)
                    if isinstance(cached, float | int) and not isinstance(cached, bool):
                        assert got == pytest.approx(cached), (name, cell.coordinate)
                    elif cached is not None:
                        assert got == cached, (name, cell.coordinate)


def test_prefixed_xml_goes_through_the_parser_with_the_same_result(tmp_path: Path) -> None:
    src = (mc.recalculated() or mc.typed())["ref_error"]
    prefixed = mc.with_prefixed_xml(src, tmp_path / "prefixed.xlsx")
    assert b"<x:c " in zipfile.ZipFile(prefixed).read("xl/worksheets/sheet2.xml")
    a, b = load_book(src), load_book(prefixed)
    for sa, sb in zip(a.sheets, b.sheets, strict=True):
        assert sa.values == sb.values and sa.formulas == sb.formulas
    pd.testing.assert_frame_equal(validate(src).findings, validate(prefixed).findings)


def test_shared_formulas_read_like_written_out_ones(tmp_path: Path) -> None:
    src = mc.typed()["hardcoded_number"]
    shared = mc.with_shared_formulas(src, tmp_path / "shared.xlsx", "Model", "C5:C7")
    book = load_book(shared)
    sheet = book.sheet("Model")
    assert (6, 3) in sheet.shared  # C6 is stored as a child of C5
    assert book.formula("Model", "C7") == "=B7*(1+Parametre!$B$2/100)"
    pd.testing.assert_frame_equal(validate(src).findings, validate(shared).findings)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(XlmodelError, match="file not found"):
        load_book(tmp_path / "missing.xlsx")
    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(XlmodelError, match="not a zip"):
        load_book(bad)


def test_doctype_is_refused(tmp_path: Path) -> None:
    src = mc.typed()["clean"]
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(evil, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1)
            zout.writestr(item, data)
    with pytest.raises(XlmodelError, match="DOCTYPE"):
        load_book(evil)


# --------------------------------------------------------------------- hard-coded numbers ----
def test_number_literals_and_their_context() -> None:
    info = analyse_formula("=IF(A1>0,VLOOKUP(A1,$D$2:$F$9,3,FALSE)*1.013,ROUND(B2/7,2))+5%", 2, 3)
    got = [(n.value, n.function, n.argument) for n in info.numbers]
    assert got == [(0.0, "IF", 1), (3.0, "VLOOKUP", 3), (1.013, "IF", 2), (7.0, "ROUND", 1),
                   (2.0, "ROUND", 2), (0.05, None, 0)]
    assert [c.function for c in info.calls] == ["VLOOKUP", "ROUND", "IF"]


def test_hardcoded_numbers_allow_list_and_conventional_arguments(tmp_path: Path) -> None:
    path = book_with(tmp_path, {"A": {
        "A1": 5, "B1": "=A1*12/100+1-0", "C1": "=ROUND(A1,2)", "D1": "=INDEX(A1:C1,1,3)",
        "E1": "=A1/1000000*1000", "F1": "=A1*2", "G1": "=A1*(1+2.5%)", "H1": "=DATE(2014,1,1)",
    }})
    hits = {cell: actual for cell, actual in zip(
        *(validate(path, checks="hardcoded_number").findings[c] for c in ("cell", "actual")), strict=True)}
    assert hits == {"F1": 2.0, "G1": 0.025, "H1": 2014.0}
    assert {0.0, 1.0, 12.0, 100.0, 1000.0} <= ALLOWED_NUMBERS and 2.0 not in ALLOWED_NUMBERS


def test_a_block_of_copied_formulas_is_one_finding(tmp_path: Path) -> None:
    cells = {f"A{r}": r for r in range(1, 51)} | {f"B{r}": f"=A{r}*1.013" for r in range(1, 51)}
    report = validate(book_with(tmp_path, {"A": cells}), checks="hardcoded_number")
    assert found(report, "hardcoded_number") == [("A", "B1:B50", "warning")]
    assert report.findings["formula"][0] == "=A1*1.013"


def test_rates_typed_into_a_column_share_one_analysis_and_one_finding(tmp_path: Path) -> None:
    rates = [1.013, 1.02, 1.013, 1.031, 1.0, 1.02]
    cells = {f"A{r}": 100 for r in range(1, 7)} | {f"B{r}": f"=ROUND(A{r}*{x},2)" for r, x in
                                                  enumerate(rates, start=1)}
    path = book_with(tmp_path, {"A": cells})
    book = load_book(path)
    forms = sorted(set(book.sheet("A").f_forms.tolist()))
    assert len(forms) == 4                                     # four different formulas ...
    assert len({book.skeleton(f) for f in forms}) == 1         # ... one skeleton
    by_value = {book.numbers(f)[0].value for f in forms}
    assert by_value == {1.013, 1.02, 1.031, 1.0}
    assert all(book.numbers(f)[1].function == "ROUND" for f in forms)
    report = validate(path, checks="hardcoded_number")
    # B5 (=A5*1 : 1 is allowed) splits the column
    assert found(report, "hardcoded_number") == [("A", "B1:B4", "warning"), ("A", "B6", "warning")]
    assert report.findings["actual"][0] == "1.013, 1.02, 1.031"


# --------------------------------------------------------------------- approximate lookups ----
@pytest.mark.parametrize(("formula", "flagged"), [
    ("=VLOOKUP(A1,C1:D3,2)", True), ("=VLOOKUP(A1,C1:D3,2,TRUE)", True), ("=VLOOKUP(A1,C1:D3,2,1)", True),
    ("=VLOOKUP(A1,C1:D3,2,FALSE)", False), ("=VLOOKUP(A1,C1:D3,2,0)", False),
    ("=VLOOKUP(A1,C1:D3,2,)", False), ("=VLOOKUP(A1,C1:D3,2,TRUE())", True),
    ("=HLOOKUP(A1,C1:D3,2)", True), ("=MATCH(A1,C1:C3)", True), ("=MATCH(A1,C1:C3,-1)", True),
    ("=MATCH(A1,C1:C3,0)", False), ("=INDEX(D1:D3,MATCH(A1,C1:C3,0))", False),
    ("=_xlfn.XLOOKUP(A1,C1:C3,D1:D3)", False), ("=VLOOKUP(A1,C1:D3,2,E1)", False),
])
def test_approximate_lookup(tmp_path: Path, formula: str, flagged: bool) -> None:
    path = book_with(tmp_path, {"A": {"A1": "x", "B1": formula, "C1": "x", "D1": 1, "E1": False}})
    assert bool(found(validate(path, checks="approximate_lookup"), "approximate_lookup")) is flagged


# ------------------------------------------------------------------ inconsistent formulas ----
def test_inconsistent_formula_inside_a_row_and_at_its_end(tmp_path: Path) -> None:
    row = {"A1": 100} | {f"{c}1": f"={p}1*1.1" for p, c in zip("ABCDEF", "BCDEFG", strict=True)}
    row["D1"] = "=C1*1.2"          # inside the run: a warning
    row["G1"] = "=F1+1"            # at the end of the run: info
    report = validate(book_with(tmp_path, {"A": row}), checks="inconsistent_formula")
    assert found(report, "inconsistent_formula") == [("A", "D1", "warning"), ("A", "G1", "info")]
    first = report.findings.iloc[0]
    assert first["expected"] == "=C1*1.1" and first["actual"] == "=C1*1.2"


def test_totals_and_subtotals_are_not_inconsistent(tmp_path: Path) -> None:
    cells: dict[str, Any] = {}
    for r in range(1, 9):
        cells[f"A{r}"] = r
        cells[f"B{r}"] = f"=A{r}*2"
    cells["B5"] = "=SUM(B1:B4)"    # a subtotal inside the column covers its neighbour
    cells["B9"] = "=SUM(B1:B8)"    # a total at the end
    report = validate(book_with(tmp_path, {"A": cells}), checks="inconsistent_formula")
    assert found(report, "inconsistent_formula") == []


def test_a_row_of_subtotals_crossing_a_column_is_consistent_its_own_way(tmp_path: Path) -> None:
    cells: dict[str, Any] = {}
    for c in "BCD":
        for r in range(1, 8):
            cells[f"{c}{r}"] = f"=$A{r}*{r}" if r != 4 else f"=SUM({c}1:{c}3)*1"
    report = validate(book_with(tmp_path, {"A": cells}), checks="inconsistent_formula")
    assert [x for x in found(report, "inconsistent_formula") if x[2] == "warning"] == []


# ---------------------------------------------------------------------- empty references ----
def test_empty_references_cells_ranges_names_and_exempt_functions(tmp_path: Path) -> None:
    path = book_with(tmp_path, {
        "A": {"A1": 1, "B1": "=A1+A2", "C1": "=SUM(E1:E5)", "D1": "=SUM(A1:A5)",
              "F1": "=IF(ISBLANK(A3),0,A3)", "G1": "=sats*2", "H1": "=COUNTA(E1:E9)"},
        "P": {"A1": "sats"},
    }, names={"sats": "P!$B$1"})
    report = validate(path, checks="empty_reference")
    assert sorted(found(report, "empty_reference")) == [("A", "B1", "warning"), ("A", "C1", "warning"),
                                                        ("A", "G1", "warning")]
    msg = dict(zip(report.findings["cell"], report.findings["message"], strict=True))
    assert "A2" in msg["B1"] and "E1:E5" in msg["C1"] and "gennem navnet sats" in msg["G1"]


# ---------------------------------------------------------------------------- circularity ----
def test_cycles_direct_through_ranges_across_sheets_and_self(tmp_path: Path) -> None:
    path = book_with(tmp_path, {
        "A": {"A1": "=B1+1", "B1": "=A1+1",                       # direct pair
              "A3": 1, "A4": 2, "A5": "=SUM(A3:A6)", "A6": "=A5*2",  # through a range
              "C1": "=C1+1",                                         # a cell referring to itself
              "D1": 1, "D2": "=D1+1", "D3": "=D2+1",                 # a chain: no cycle
              "E1": "=B!A1"},
        "B": {"A1": "=A!E1*2"},                                      # across sheets
    })
    report = validate(path, checks="circular_reference")
    got = sorted(report.findings[["sheet", "cell", "actual"]].itertuples(index=False, name=None))
    assert got == [("A", "A1", "A1, B1"), ("A", "A5", "A5, A6"), ("A", "C1", "C1"), ("A", "E1", "E1, B!A1")]
    assert set(report.findings["severity"]) == {"error"}


def test_iterative_calculation_makes_a_cycle_a_warning(tmp_path: Path) -> None:
    path = book_with(tmp_path, {"A": {"A1": "=B1+1", "B1": "=A1/2"}}, iterate=True)
    report = validate(path, checks="circular_reference")
    assert found(report, "circular_reference") == [("A", "A1", "warning")]


def test_a_long_chain_and_a_large_range_are_acyclic(tmp_path: Path) -> None:
    cells: dict[str, Any] = {"A1": 1}
    for r in range(2, 3001):
        cells[f"A{r}"] = f"=A{r - 1}+1"
        cells[f"B{r}"] = f"=SUM($A$1:A{r})"   # a running total: growing ranges of formulas
    assert validate(book_with(tmp_path, {"A": cells}), checks="circular_reference").findings.empty


def test_a_cycle_through_a_large_running_total_is_found(tmp_path: Path) -> None:
    cells: dict[str, Any] = {"A1": 1}
    for r in range(2, 301):
        cells[f"A{r}"] = f"=A{r - 1}+1"
        cells[f"B{r}"] = f"=SUM($A$1:A{r})"
    cells["A100"] = "=A99+B200"  # B200 sums A1:A200, which holds A100 and everything after it
    report = validate(book_with(tmp_path, {"A": cells}), checks="circular_reference")
    assert len(report) == 1
    members = report.findings["actual"][0].split(", ")
    assert sorted(members) == sorted([f"A{r}" for r in range(100, 201)] + ["B200"])


# ---------------------------------------------------------------------- numbers as text ----
@pytest.mark.parametrize(("text", "value"), [
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1234,5", 1234.5), ("1234.5", 1234.5), ("-12", -12.0),
    ("1 234 567", 1234567.0), ("12,5 %", 0.125), ("1.234.567", 1234567.0), (" 977 ", 977.0),
    ("0101", None), ("0", 0.0), ("0,5", 0.5), ("Serviceudgifter", None), ("12-05-2014", None), ("", None),
    ("1,2,3", None), ("E5", None),
])
def test_number_from_text(text: str, value: float | None) -> None:
    got = number_from_text(text)
    assert got == (pytest.approx(value) if value is not None else None)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_danish_and_english_formats_read_back(amount: Any) -> None:
    value = float(amount)
    english = f"{value:,.2f}"
    danish = english.replace(",", "_").replace(".", ",").replace("_", ".")
    for text in (english, danish, f"{value:.2f}"):
        got = number_from_text(text)
        if abs(value) < 1000 and text.lstrip("-").startswith("0") and len(text.lstrip("-")) > 1 \
                and text.lstrip("-")[1].isdigit():
            continue
        assert got is not None and math.isclose(got, value, abs_tol=1e-9), text


def test_numbers_as_text_severity_and_exceptions(tmp_path: Path) -> None:
    path = book_with(tmp_path, {"A": {
        "A1": "Kode", "A2": "0101", "A3": "0147",           # codes with a leading zero: fine
        "B1": "2014", "B2": 10.0, "B3": "20", "B4": 30.0,   # year header fine; "20" among numbers
        "C1": "Postnr", "C2": "8000",                       # a bare number among text: info
        "D1": "1.234,5",                                    # separators: warning
    }})
    report = validate(path, checks="number_as_text")
    assert sorted(found(report, "number_as_text")) == [("A", "B3", "warning"), ("A", "C2", "info"),
                                                       ("A", "D1", "warning")]


# -------------------------------------------------------------------------- error values ----
def test_typed_error_constant_and_ref_in_formula(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "A"
    ws["A1"] = "#N/A"         # openpyxl stores this as an error value (t="e"), as Excel does
    ws["B1"] = "=Ark9!#REF!+1"
    ws["C1"] = "=#REF!"
    ws["D1"] = "#DIV/0!"
    ws["D1"].data_type = "s"  # an error pasted as text
    path = tmp_path / "errors.xlsx"
    wb.save(path)
    report = validate(path, checks="error_value")
    assert sorted(found(report, "error_value")) == [("A", "A1", "error"), ("A", "B1", "error"),
                                                    ("A", "C1", "error"), ("A", "D1", "error")]
    book = load_book(path)
    assert isinstance(book.value("A", "A1"), ExcelError) and not isinstance(book.value("A", "D1"), ExcelError)


# ----------------------------------------------------------------- the planted-error corpus ----
def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _check_corpus(paths: dict[str, Path], name: str, recalculated: bool) -> None:
    planted = mc.CORPUS[name]
    report = validate(paths[name])
    rows = report.findings
    for expect in planted.planted:
        hit = rows[(rows["check"] == expect.check) & (rows["severity"] == expect.severity)
                   & (rows["sheet"].fillna("") == (expect.sheet or ""))
                   & (rows["cell"].fillna("") == (expect.cell or ""))]
        assert len(hit) == 1, (name, expect, rows[["check", "severity", "sheet", "cell"]].to_dict("records"))
    allowed = {(e.check, e.sheet, e.cell, e.severity) for e in (*planted.planted, *planted.also)}
    serious = rows[rows["severity"].isin(["error", "warning"])]
    unexpected = [(c, s, x, v) for c, s, x, v in zip(serious["check"], serious["sheet"], serious["cell"],
                                                     serious["severity"], strict=True)
                  if (c, _text(s), _text(x), v) not in allowed]
    assert unexpected == [], (name, recalculated, unexpected)


@pytest.mark.parametrize("name", [n for n, p in mc.CORPUS.items() if not p.needs_values])
def test_corpus_as_typed(name: str) -> None:
    _check_corpus(mc.typed(), name, recalculated=False)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", [n for n, p in mc.CORPUS.items() if p.survives_recalc])
def test_corpus_recalculated_by_libreoffice(name: str) -> None:
    paths = mc.recalculated()
    if paths is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    _check_corpus(paths, name, recalculated=True)


def test_clean_workbook_has_no_errors_or_warnings() -> None:
    for paths in (mc.typed(), mc.recalculated() or {}):
        if "clean" in paths:
            report = validate(paths["clean"])
            assert not report.has_errors
            assert set(report.findings["severity"]) <= {"info"}


def test_uncalculated_is_reported_once_for_a_typed_file() -> None:
    report = validate(mc.typed()["clean"])
    assert found(report, "uncalculated") == [(None, None, "info")]


# ------------------------------------------------------------------------- engine, report ----
def test_report_json_round_trip_and_summary() -> None:
    paths = mc.recalculated() or mc.typed()
    report = validate(paths["ref_error"])
    text = report.to_json()
    data = json.loads(text)
    assert set(data) == {"findings"} and len(data["findings"]) == len(report)
    assert all(set(row) == set(xlmodel.validate.COLUMNS) for row in data["findings"])
    back = Report.from_json(text)
    pd.testing.assert_frame_equal(back.findings, report.findings)
    summary = report.summary()
    assert summary["count"].sum() == len(report)
    assert summary.iloc[0]["severity"] == "error"
    assert report.has_errors and len(report.errors) == int((report.findings["severity"] == "error").sum())


def test_json_values_are_plain(tmp_path: Path) -> None:
    r = Report.from_findings([Finding("footing", "info", "S", "B8", "afrunding", expected=np.float64(1.5),
                                      actual=ExcelError("#N/A"), difference=float("nan"))])
    row = json.loads(r.to_json())["findings"][0]
    assert row["expected"] == 1.5 and row["actual"] == "#N/A" and row["difference"] is None
    assert type(row["actual"]) is str


def test_validate_arguments_and_registry(tmp_path: Path) -> None:
    path = mc.typed()["clean"]
    with pytest.raises(XlmodelError, match="checks"):
        validate(path, checks=["no_such_check"])
    with pytest.raises(XlmodelError, match="params"):
        validate(path, params="aftale-1999")
    calls: list[str] = []

    def my_check(book: Any, params: Any) -> list[Finding]:
        calls.append(book.sheetnames[0])
        return [Finding("my_check", "info", book.sheetnames[0], "A1", "hello")]

    register("my_check", my_check)
    try:
        report = xlmodel.validate(path, checks=["my_check", "manual_calculation"])  # the package is callable
        assert calls == ["Parametre"] and list(report.findings["check"]) == ["my_check"]
        assert report.checks == ("my_check", "manual_calculation")
    finally:
        CHECKS.pop("my_check")


def test_finding_refuses_unknown_severity() -> None:
    with pytest.raises(XlmodelError, match="severity"):
        Finding("x", "fatal", None, None, "m")


def test_every_lint_check_is_registered() -> None:
    assert set(LINT) <= set(CHECKS)


def test_findings_are_ordered_and_found_by_cell() -> None:
    report = validate(mc.typed()["hardcoded_number"])
    ranks = [("error", "warning", "info").index(s) for s in report.findings["severity"]]
    assert ranks == sorted(ranks)
    at = report.at("Model", "C4")
    assert sorted(at["check"]) == ["hardcoded_number", "inconsistent_formula"]
    assert report.at("Model", "A1").empty


def test_cells_frame_shows_formulas_and_values() -> None:
    book = load_book(mc.typed()["clean"])
    frame = book.cells_frame("Model")
    row = frame[frame["cell"] == "C2"].iloc[0]
    assert row["formula"] == "=B2*(1+Parametre!$B$2/100)" and row["sheet"] == "Model"
    assert frame[frame["cell"] == "B2"].iloc[0]["value"] == mc.KOMMUNER[0][2]
