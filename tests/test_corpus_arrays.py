"""Structured table references, functions formualizer lacks, cycles: checked against Excel's cached
values in the real-workbook corpus (tests/corpus_real, docs/engine.md "Real workbooks")."""

from __future__ import annotations

from pathlib import Path

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import pytest

from xlmodel.engine import excel_tables

CORPUS = Path(__file__).parent / "corpus_real"


def _formula_cells(result: object, name: str) -> list[tuple[str, str]]:
    _, cells = measure.read_cells(CORPUS / "files" / name)
    return [k for k, c in cells.items() if "[" in c.formula and c.value is not None]


# ------------------------------------------------------------ structured table references ----
@pytest.mark.parametrize("name", ["phpspreadsheet__tableTest.xlsx", "phpspreadsheet__TableFormulae.xlsx",
                                  "xlsxwriter__table10.xlsx", "pycel__excelcompiler.xlsx"])
def test_table_references_agree_with_excel(name: str) -> None:
    """Every formula with a structured reference (``SalesData[[#This Row],[Q1]:[Q4]]``,
    ``SUBTOTAL(109,[col3])`` in a totals row, ``Table1[#Headers]``…) is recomputed to Excel's
    cached value or kept with a reason; none differs.  Before excel_tables all were kept."""
    result = measure.measure_file(CORPUS / "files" / name)
    assert result.status == "ok"
    refs = set(_formula_cells(result, name))
    assert refs
    differing = {(s, a) for s, a, *_ in result.differing}
    assert not refs & differing, [d for d in result.differing if (d[0], d[1]) in refs]
    table_reason = [r for r in result.kept_reasons if "tabelreferencer" in r]
    assert not table_reason, result.kept_reasons


def test_table_references_recomputed_not_kept() -> None:
    """tableTest.xlsx: 14 calculated-column cells and 5 totals are recomputed (none kept)."""
    result = measure.measure_file(CORPUS / "files" / "phpspreadsheet__tableTest.xlsx")
    assert result.kept == 0 and not result.differing
    assert result.agreeing == result.compared >= 19


def test_translation_rules() -> None:
    """Excel's item specifiers and column ranges as A1 ranges (Microsoft: "Using structured
    references with Excel tables"): header row 1, data rows 2–3, totals row 4."""
    t = excel_tables.Table("T", "S", 1, 2, 4, 4, 1, 1, ("a", "b c", "d]"))
    by, on = {"t": t}, [t]

    def tr(f: str, row: int = 2, col: int = 9) -> str:
        return excel_tables.translate(f, "S", row, col, by, on)

    assert tr("SUM(T[])") == "SUM('S'!$B$2:$D$3)"
    assert tr("SUM(T[#All])") == "SUM('S'!$B$1:$D$4)"
    assert tr("T[#Headers]") == "'S'!$B$1:$D$1"
    assert tr("T[#Totals]") == "'S'!$B$4:$D$4"
    assert tr("T[[#Headers],[#Data],[a]]") == "'S'!$B$1:$B$3"
    assert tr("T[[#Data],[#Totals],[a]:[b c]]") == "'S'!$B$2:$C$4"
    assert tr("T[@[b c]]", row=3) == "'S'!$C$3"
    assert tr("T[[@],[a]:[b c]]", row=3) == "'S'!$B$3:$C$3"
    assert tr("t[D']]") == "'S'!$D$2:$D$3"
    assert tr('"T[a]"&T[a]') == "\"T[a]\"&'S'!$B$2:$B$3"
    for bad in ("T[@a]", "T[zz]", "U[a]", "[a]"):   # this row outside the data; unknown names
        with pytest.raises(excel_tables.Untranslatable):
            tr(bad, row=1)


# ------------------------------------------------------------- BAHTTEXT, PERCENTOF ----
def _grid(values: dict, sheet: str, ref: str) -> list[list[object]]:
    from xlmodel.ooxml.addresses import address, parse_range

    r1, c1, r2, c2 = parse_range(ref if ":" in ref else f"{ref}:{ref}")
    out = []
    for r in range(r1, r2 + 1):
        row = []
        for c in range(c1, c2 + 1):
            v = values.get((sheet, address(r, c)))
            row.append({"type": "Error", "kind": _KINDS[v.code]} if isinstance(v, measure.Err) else v)
        out.append(row)
    return out


_KINDS = {"#N/A": "Na", "#VALUE!": "Value", "#NUM!": "Num", "#DIV/0!": "Div", "#NAME?": "Name",
          "#NULL!": "Null", "#REF!": "Ref"}


def _same(cached: object, got: object) -> bool:
    if isinstance(cached, measure.Err):
        return isinstance(got, dict) and got.get("kind") == _KINDS[cached.code]
    return measure.same(cached, got)


def _calls(name: str, sheet: str) -> list[tuple[object, list[str], object]]:
    """(cached value, argument ranges, every cell's value) of each one-cell call of ``name``;
    formulas read with openpyxl, which writes out a shared formula for each of its cells."""
    import re

    import openpyxl

    values, cells = measure.read_cells(CORPUS / "files" / "formulas__test.xlsx")
    ws = openpyxl.load_workbook(CORPUS / "files" / "formulas__test.xlsx")[sheet]
    found = []
    for (s, a), cell in cells.items():
        text = ws[a].value
        if s != sheet or cell.value is None or cell.kind != "formula" or not isinstance(text, str):
            continue
        m = re.fullmatch(rf"=(?:_xlfn\.)?{name}\(([A-Z]+\d+(?::[A-Z]+\d+)?)(?:,([A-Z]+\d+:[A-Z]+\d+))?\)",
                         text.replace(" ", ""))
        if m:
            found.append((cell.value, [g for g in m.groups() if g], values))
    return found


def test_bahttext_agrees_with_excel() -> None:
    """Every one-cell BAHTTEXT of formulas' test.xlsx (numbers, negatives, satang, blank, TRUE,
    text, every error code) gives Excel's cached value."""
    from xlmodel.engine.excel_functions import _lifted
    from xlmodel.engine.excel_missing import _bahttext_cell

    fn = _lifted(_bahttext_cell)
    calls = [c for c in _calls("BAHTTEXT", "TEXT") if ":" not in c[1][0]]
    assert len(calls) >= 13
    for cached, (ref,), values in calls:
        arg = _grid(values, "TEXT", ref)[0][0]
        assert _same(cached, fn(arg)), (ref, cached, fn(arg))


def test_percentof_agrees_with_excel() -> None:
    """Every PERCENTOF of formulas' test.xlsx (text, logical values, blanks, errors in the data)."""
    from xlmodel.engine.excel_missing import percentof

    calls = _calls("PERCENTOF", "MATH & TRIG")
    assert len(calls) >= 15
    for cached, (a, b), values in calls:
        got = percentof(_grid(values, "MATH & TRIG", a), _grid(values, "MATH & TRIG", b))
        assert _same(cached, got), (a, b, cached, got)


# ------------------------------------------------------ defined names formualizer omits ----
@pytest.mark.parametrize("name", ["phpspreadsheet__NamedRanges.xlsx", "phpspreadsheet__NamedFormulae.xlsx"])
def test_relative_and_formula_names_agree_with_excel(name: str) -> None:
    """``HOURS_PER_DAY`` = ``Worksheet!$B1`` (row relative), ``COLUMN_DATA_VALUES`` =
    ``Worksheet!A$4:A$8`` (column relative), ``DAILY_CHARGE`` = ``HOURS_PER_DAY*CHARGE_RATE``:
    formualizer omits them; written out per cell, every formula agrees with Excel (before: 7 of
    7 kept with "formlen bruger et navn, som den hovedløse motor ikke kan slå op")."""
    result = measure.measure_file(CORPUS / "files" / name)
    assert result.status == "ok" and result.compared == 7
    assert result.agreeing == 7 and result.kept == 0, (result.differing, result.kept_reasons)


def test_moved_name_wraps_like_excel() -> None:
    """A relative reference in a name moves with the cell and wraps past the sheet's edge."""
    from xlmodel.engine.excel_names import inline, moved

    assert moved("Sheet1!A1048576", 3, 1) == "Sheet1!A2"
    assert moved("B1", 1, 16384) == "A1"
    assert inline("SUM(X)", 5, 1, {"X": "Y*2", "Y": "$A1"}) == "SUM((($A5)*2))"


# --------------------------------------------------------------------- LAMBDA helpers ----
@pytest.fixture(scope="module")
def test_xlsx_refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict]:
    """formulas' test.xlsx refreshed once: (cached cells, written values, kept cells → reason)."""
    from xlmodel.excel.headless import refresh

    path = CORPUS / "files" / "formulas__test.xlsx"
    out = tmp_path_factory.mktemp("lambdas") / "out.xlsx"
    report = refresh(path, out)
    _, cells = measure.read_cells(path)
    written, _ = measure.read_cells(out)
    return cells, written, {(k.sheet, k.cell): k.reason for k in report.not_recomputed}


_HELPER = ("MAKEARRAY(", "BYROW(", "BYCOL(", "MAP(", "SCAN(", "REDUCE(", "LAMBDA(")


@pytest.mark.slow
def test_lambda_helpers_agree_with_excel(test_xlsx_refreshed: tuple[dict, dict, dict]) -> None:
    """Every MAKEARRAY, BYROW, BYCOL, MAP, SCAN, REDUCE and applied LAMBDA of test.xlsx's LOGICAL
    sheet (errors, text, TRUE, blanks in every argument; eta-lambdas ``_xleta.SUM``; a body
    referring to cells; an omitted REDUCE initial value; a range as MAKEARRAY's rows) is
    recomputed to Excel's cached value, every cell of its spill included.  Before
    xlmodel.engine.excel_lambda all 57 anchors were kept at Excel's value.  Left kept: a lambda
    in a defined name (MYLAMBDA) and MAP given two lambdas; a range as MAKEARRAY's rows is
    lifted as Excel's cached values show."""
    cells, written, kept = test_xlsx_refreshed
    lam = {k: c for k, c in cells.items() if k[0] == "LOGICAL" and c.value is not None
           and any(h in c.formula.upper() for h in _HELPER) and "MYLAMBDA" not in c.formula}
    assert len(lam) >= 100
    recomputed = [k for k in lam if k not in kept]
    wrong = [(k, lam[k].value, written.get(k)) for k in recomputed
             if not measure.same(lam[k].value, written.get(k))]
    assert not wrong
    left = sorted(a for (s, a) in lam if (s, a) in kept)
    assert left == ["W18"], left   # MAP(array, LAMBDA, LAMBDA): a lambda where an array belongs
    assert ("LOGICAL", "R12") in kept   # MYLAMBDA(2,1,2): a lambda in a defined name, left


def test_lambda_rewrite_rules() -> None:
    """The rewrite passes the lambda as text, references as extra arguments, and leaves what it
    cannot translate (nested lambdas, names in the body, a bare lambda) to the engine."""
    from xlmodel.engine.excel_lambda import rewrite

    assert rewrite('_xlfn.SCAN(,A1:B2,_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a&"x,y"&Data!$C$1))') == (
        '_XLMODEL_SCAN("_xlpm.a,_xlpm.b","_xlpm.a&""x,y""&_xlpm.xlmodel_ref1",1,Data!$C$1,,A1:B2)')
    assert rewrite("_xlfn.REDUCE(0,A1:A3,_xleta.MAX)") == (
        '_XLMODEL_REDUCE("_xlpm.xlmodel_p1,_xlpm.xlmodel_p2","MAX(_xlpm.xlmodel_p1,_xlpm.xlmodel_p2)",0,0,A1:A3)')
    for left in ("_xlfn.MAP(A1:A2,_xlfn.LAMBDA(_xlpm.a,_xlfn.MAP(_xlpm.a,_xlfn.LAMBDA(_xlpm.b,_xlpm.b))))",
                 "_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.x,_xlpm.x),_xlpm.f(1))",
                 "_xlfn.BYROW(A1:B2,_xlfn.LAMBDA(_xlpm.r,SUM(_xlpm.r)*Rate))",
                 "SUM(A1:A3)"):
        assert rewrite(left) is None, left


def test_lambda_helpers_on_a_users_workbook(tmp_path: Path) -> None:
    """A workbook written with openpyxl (plain formulas): MAKEARRAY's anchor, BYROW over a range
    and an applied LAMBDA referring to a cell are computed; plain formulas are untouched."""
    import openpyxl

    from xlmodel.excel.headless import refresh

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["A2"], ws["B2"], ws["D1"] = 1, 2, 3, 4, 10
    ws["C5"] = "=_xlfn.LAMBDA(_xlpm.x,_xlpm.x*D1)(4)"
    ws["C6"] = "=_xlfn.REDUCE(0,A1:B2,_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b*D1))"
    ws["C7"] = "=SUM(A1:B2)"
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb.save(src)
    report = refresh(src, out)
    values, _ = measure.read_cells(out)
    assert not report.not_recomputed
    assert (values[("Sheet", "C5")], values[("Sheet", "C6")], values[("Sheet", "C7")]) == (40.0, 100.0, 10.0)


# ------------------------------------------------------------------ circular references ----
def test_cycles_detected_at_run_time_like_excel() -> None:
    """formulas' circular.xlsx: a cycle that evaluation does not run round (``IF(A6,B6,1)`` with
    A6 FALSE) is computed, as in Excel (formualizer's ``cycle_detection = "runtime"``); the
    live cycles keep Excel's value.  Before (static detection): 4 of 56 compared cells agreed,
    52 were kept."""
    result = measure.measure_file(CORPUS / "files" / "formulas__circular.xlsx")
    assert result.status == "ok" and not result.differing and result.error_over_value == 0
    assert result.agreeing >= 17 and result.kept <= 39, (result.agreeing, result.kept)


# ------------------------------------------------------- ROW / COLUMN in array formulas ----
@pytest.mark.slow
def test_row_and_column_of_ranges_agree_with_excel(test_xlsx_refreshed: tuple[dict, dict, dict]) -> None:
    """Every ROW/COLUMN array formula of test.xlsx's LOOKUP sheet (ranges over several rows or
    columns, ``:`` of ranges, intersections, an empty intersection's ``#NULL!``) is recomputed
    to Excel's value, every covered cell included.  Before xlmodel.engine.excel_refs: 26 cells
    differed (the first row or column repeated) and 8 were kept (intersection: ``#REF!``)."""
    cells, written, kept = test_xlsx_refreshed
    ours = {k: c for k, c in cells.items() if k[0] == "LOOKUP" and c.value is not None
            and c.formula.upper().startswith(("ROW(", "COLUMN("))}
    assert len(ours) >= 150
    assert not [k for k in ours if k in kept]
    assert not [(k, c.value, written.get(k)) for k, c in ours.items()
                if not measure.same(c.value, written.get(k))]


def test_row_column_rewrite_rules() -> None:
    """Microsoft's ROW/COLUMN pages and operator precedence (``:`` before the space)."""
    from xlmodel.engine.excel_refs import area, rewrite

    assert area("B2:C3 C1:C9") == (2, 3, 3, 3)
    assert area("A1:B2:D1") == (1, 1, 2, 4)
    assert rewrite("ROW(B2:C4)", (2, 1)) == "{2;3}"   # cut to the formula's two rows
    assert rewrite("INDEX(A1:A9,ROW(B2:C4))") == "INDEX(A1:A9,{2;3;4})"
    assert rewrite("ROW(Sheet2!A1:A3)") is None and rewrite("ROWS(A1:A3)") is None


# ------------------------------------------------------------------------- ARRAYTOTEXT ----
@pytest.mark.slow
def test_arraytotext_format_agrees_with_excel(test_xlsx_refreshed: tuple[dict, dict, dict]) -> None:
    """ARRAYTOTEXT's format lifted over a range (``ARRAYTOTEXT(C3:J3,C3:Q3)``: 0, 1.9, 2.3, 10, -1,
    blank, text, TRUE and every error as format) and checked (2 → ``#VALUE!``) as Excel does.
    Before: 17 cells differed (formualizer gives the concise text for any format but 1).
    Left: ``ARRAYTOTEXT(H4,1)`` of a blank cell, ``#VALUE!`` in Excel (one observation)."""
    cells, written, kept = test_xlsx_refreshed
    ours = {k: c for k, c in cells.items() if k[0] == "TEXT" and c.value is not None
            and "ARRAYTOTEXT(" in c.formula and k[1] != "V4"}
    assert len(ours) >= 40
    assert not [(k, c.value, written.get(k)) for k, c in ours.items()
                if k not in kept and not measure.same(c.value, written.get(k))]
    assert not [k for k in ours if k in kept]
