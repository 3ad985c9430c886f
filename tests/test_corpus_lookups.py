"""Lookup and reference functions and dynamic arrays (xlmodel.engine.excel_lookups): checked
against the values Excel cached in the real-workbook corpus (tests/corpus_real: formulas'
test.xlsx, sheet LOOKUP and EXTRA; pycel's lookup.xlsx), and the rules one by one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from xlmodel.engine import excel_lookups as lk
from xlmodel.excel.headless import evaluate

CORPUS = Path(__file__).parent / "corpus_real"


def _not_agreeing(result: Any, sheet: str) -> dict[str, str]:
    """The cells of ``sheet`` that do not agree (differing or kept), by address → formula."""
    out = {a: f for s, a, _, _, f in result.differing if s == sheet}
    out.update({a: f for s, a, _, f, _ in result.kept_cells if s == sheet})
    return out


_FAMILY = re.compile(r"(?<![\w.])(?:_xlfn\.)?(?:_xlws\.)?(AREAS|ROWS|COLUMNS|TRANSPOSE|CHOOSECOLS|"
                     r"CHOOSEROWS|DROP|TAKE|TOCOL|TOROW|WRAPROWS|WRAPCOLS|TRIMRANGE|FILTER|SORT|"
                     r"SORTBY|VLOOKUP|HLOOKUP|HSTACK|VSTACK|INDEX|ADDRESS|GROUPBY)\(")


@pytest.mark.slow
def test_array_shaping_and_reference_functions_agree(formulas_test: Any) -> None:
    """Every cell of LOOKUP and EXTRA whose formula calls AREAS, ROWS/COLUMNS, TRANSPOSE,
    CHOOSECOLS/ROWS, DROP, TAKE, TOCOL/TOROW, WRAPROWS/COLS, TRIMRANGE, FILTER, SORT, SORTBY,
    VLOOKUP, HLOOKUP, HSTACK, VSTACK, INDEX, ADDRESS or GROUPBY agrees with Excel's cached
    value (148 of them were kept or differed before excel_lookups), the members of their array
    results included."""
    _, cells = measure.read_cells(CORPUS / "files" / "formulas__test.xlsx")
    family = {a for (s, a), c in cells.items() if s == "LOOKUP" and _FAMILY.search(c.formula)}
    assert len(family) > 500
    for sheet in ("LOOKUP", "EXTRA"):
        bad = {a: f for a, f in _not_agreeing(formulas_test, sheet).items() if _FAMILY.search(f)}
        assert not bad, bad


#: The LOOKUP cells still not agreeing, and why.
KNOWN = {
    "AG5", "AH5",                          # CHOOSE lifted over an array of indexes
    "AL140", "AM140", "AN140", "AK142", "AS142",   # UNIQUE lifted over by_col
}


#: PIVOTBY with more than one row field or value column is not done: kept.
PIVOT_KEPT = {"N93"}


@pytest.mark.slow
def test_lookup_sheet_leaves_only_the_known_cells(formulas_test: Any) -> None:
    """Nothing on LOOKUP is left but the cells listed in :data:`KNOWN` and :data:`PIVOT_KEPT`;
    every GROUPBY agrees, as do the PIVOTBYs of one field each (and the cells computed from
    them, S109:T111)."""
    rest = _not_agreeing(formulas_test, "LOOKUP")
    assert set(rest) <= KNOWN | PIVOT_KEPT, {a: f for a, f in rest.items() if a not in KNOWN | PIVOT_KEPT}
    assert not [f for f in rest.values() if "GROUPBY" in f]


@pytest.mark.slow
def test_groupby_file_agrees() -> None:
    """phpspreadsheet's excel-groupby-one.xlsx: a GROUPBY with headers guessed and a total row."""
    result = measure.measure_file(CORPUS / "files" / "phpspreadsheet__excel-groupby-one.xlsx")
    assert result.kept == 0 and not result.differing and result.agreeing == result.compared


@pytest.mark.slow
def test_pycel_index_agrees() -> None:
    """pycel's lookup.xlsx, sheet Index: every INDEX agrees (negative numbers #VALUE!, beyond
    the table #REF!, 0 the whole row or column, a 2-D array literal's whole row)."""
    result = measure.measure_file(CORPUS / "files" / "pycel__lookup.xlsx")
    rest = _not_agreeing(result, "Index")
    assert not rest, rest
    assert result.agreeing >= 640


# --------------------------------------------------------------------------- rules ----
def test_reference_expressions() -> None:
    assert lk.rewrite_references("AREAS((A1:B2,D4))") == "2"
    assert lk.rewrite_references("AREAS((A1:B2 C3:D4))") == "#NULL!"
    assert lk.rewrite_references("ROWS((A1:B2,D4))") == "#REF!"
    assert lk.rewrite_references("COLUMNS((A1:B2 B1:C9))") == "1"
    assert lk.rewrite_references("TRANSPOSE(A1:A9 A2:B3)") == "TRANSPOSE(A2:A3)"
    assert lk.rewrite_references("ROWS(A1:B2)") == "ROWS(A1:B2)"       # the engine's own
    assert lk.rewrite_references("AREAS(Sheet2!A1)") == "AREAS(Sheet2!A1)"   # left alone


def test_counts_are_numbers_truncated_and_lifted() -> None:
    data = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
    assert lk.drop(data, "1.1", [[1.0], [2.0], [1.0]]) == [[5.0], [6.0], [5.0]]
    assert lk.take(data, -4.0) == data
    assert lk.take(data, 0.0) == {"type": "Error", "kind": "Value"}   # Excel's #CALC!
    assert lk.choosecols(data, [[-3.9, 1.1]]) == [[1.0, 1.0], [4.0, 4.0], [7.0, 7.0]]
    assert lk.choosecols(data, 4.0) == {"type": "Error", "kind": "Value"}
    assert lk.chooserows(data, "01/01/1900") == [[1.0, 2.0, 3.0]]   # day-first date text: 1
    assert lk.tocol([[1.0, None]], [[1.1, 5.0]]) == [[1.0, {"type": "Error", "kind": "Value"}]]


def test_filter_sort_unique_rules() -> None:
    na = {"type": "Error", "kind": "Na"}
    assert lk.filter_([[1.0, 2.0]], [[na, 1.0]]) == na                  # the first error
    assert lk.filter_([[1.0, 2.0]], [[0.0, 0.0]], "none") == "none"
    row = [[2.0, "b", True, None, {"type": "Error", "kind": "Div"}, 1.0]]
    assert lk.sort(row, 1, 1, True) == [[1.0, 2.0, "b", True, {"type": "Error", "kind": "Div"}, 0.0]]
    assert lk.sort(row, 1, -1, True)[0][-1] == 0.0                     # empty cells stay last
    assert lk.unique([["a"], ["A"], ["b"]]) == [["a"], ["b"]]            # text without case


def test_groupby_pivotby_rules() -> None:
    keys, vals = [["t"], ["b"], ["a"], ["b"]], [["v"], [1.0], [2.0], [3.0]]
    assert lk.groupby(keys, vals, "AVERAGE", 3, 0) == [["t", "v"], ["a", 2.0], ["b", 2.0]]
    assert lk.groupby(keys, vals, "SUM", -1, 1, 9) == {"type": "Error", "kind": "Value"}  # order
    assert lk.groupby(keys, vals, "LAMBDA") == {"type": "Error", "kind": "NImpl"}   # kept
    assert lk.groupby(keys, vals, "IF", 0, 0)[0][1] == {"type": "Error", "kind": "Value"}
    got = lk.pivotby([["r"], ["a"], ["b"]], [["c"], ["x"], ["x"]], [["v"], [1.0], [3.0]],
                     "PERCENTOF", 1, 1, 1, 1, 1, lk._ABSENT, 0)
    assert got == [["", "x", "Total"], ["a", 0.25, 0.25], ["b", 0.75, 0.75], ["Total", 1.0, 1.0]]
    nested = lk.pivotby([["a"], ["b"]], [["x", "p"], ["x", "q"]], [[1.0], [2.0]], "SUM", 0, 0, 1,
                        1, [[1.0, -2.0]])   # two column fields, the second descending
    assert nested == [["", "x", "x", "Total"], ["", "q", "p", ""], ["a", "", 1.0, 1.0],
                      ["b", 2.0, "", 2.0]]
    assert lk.eta_names("_xlfn.PIVOTBY(A1:A3,B1:B3,C1:C3,_xleta.SUM)") == \
        '_xlfn.PIVOTBY(A1:A3,B1:B3,C1:C3,"SUM")'


def test_omitted_arguments_written_out() -> None:
    assert lk.fill_omitted("TAKE(A1:C3,,2)") == "TAKE(A1:C3,1048576,2)"
    assert lk.fill_omitted("_xlfn.WRAPROWS(A1:A9,2,)") == "_xlfn.WRAPROWS(A1:A9,2,#N/A)"
    assert lk.fill_omitted('TAKE(A1:C3,1)&"TAKE(A1,,)"') == 'TAKE(A1:C3,1)&"TAKE(A1,,)"'


def test_index_override_only_for_whole_formula_calls() -> None:
    """INDEX can return a reference; the value override is left out wherever a call is part of
    a larger formula, takes an expression as array, or the calls read too many cells."""
    assert lk.index_override_ok(["INDEX(A1:C3,2,1)", "INDEX({1,2},2)", "SUM(A1:A3)"])
    assert not lk.index_override_ok(["INDEX(A1:C3,2,1)", "SUM(INDEX(A1:C3,0,1))"])
    assert not lk.index_override_ok(["INDEX(A1:A9,1):INDEX(A1:A9,3)"])
    assert not lk.index_override_ok(["INDEX(ROW(A1:A3),2)"])
    assert not lk.index_override_ok(["INDEX(A1:Z5000,2,1)"] * 2)        # 260,000 cells


def test_budget_gates_the_range_readers() -> None:
    assert lk._budget_ok("FILTER", ["_xlfn._xlws.FILTER(A1:A100,B1:B100)"])
    assert not lk._budget_ok("FILTER", ["_xlfn._xlws.FILTER(A:A,B:B)"])
    assert lk._budget_ok("SORT", ['_xlfn._xlws.SORT({#N/A,1},1,1,TRUE)'])   # error literals


def _evaluated(tmp_path: Path, cells: dict[str, Any]) -> dict[str, Any]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    path = tmp_path / "bog.xlsx"
    wb.save(path)
    return {a: v for (s, a), v in evaluate(path).items() if s == "S"}


def test_in_the_engine(tmp_path: Path) -> None:
    """Through the headless engine: TAKE with an omitted count, INDEX's negative number,
    AREAS of a union, and INDEX as a reference (the override is then left out)."""
    got = _evaluated(tmp_path, {
        "A1": 1, "B1": 2, "C1": 3, "A2": 4, "B2": 5, "C2": 6,
        "E1": ArrayFormula("E1:F2", "=_xlfn.TAKE(A1:C2,,2)"),
        "H1": "=INDEX(A1:C2,-1,1)", "H2": "=AREAS((A1:B2,C1))"})
    assert [got["E1"], got["F1"], got["E2"], got["F2"]] == [1.0, 2.0, 4.0, 5.0]
    assert getattr(got["H1"], "code", None) == "#VALUE!"
    assert got["H2"] == 2.0
    got = _evaluated(tmp_path, {"A1": 1, "A2": 2, "A3": 3, "B1": "=SUM(INDEX(A1:A3,1):INDEX(A1:A3,3))",
                                "B2": "=INDEX(A1:A3,2)"})
    assert got["B1"] == 6.0 and got["B2"] == 2.0


def test_index_row_form() -> None:
    assert lk.index_row_form("INDEX({1,2;3,4},B1)") == "INDEX({1,2;3,4},B1,0)"   # the whole row
    assert lk.index_row_form("INDEX(A1:B2,-1)").endswith("IF(--(-1)<0,#VALUE!,#REF!))")
    assert lk.index_row_form("INDEX(A1:B2,2,1)") == "INDEX(A1:B2,2,1)"
    assert lk.index_row_form('"INDEX(A1:B2,2)"') == '"INDEX(A1:B2,2)"'


def test_index_over_a_union() -> None:
    assert lk.index_union("INDEX((A1:A3,B1:B3),2,1,2)") == \
        "_XLMODEL.AREA(2,INDEX(A1:A3,2,1),INDEX(B1:B3,2,1))"
    assert lk._area(3.0, 1.0, 2.0) == {"type": "Error", "kind": "Ref"}


@pytest.mark.slow
def test_index_of_row_numbers() -> None:
    """pycel's excelcompiler.xlsx, sheet ArrayForm: ``INDEX(ROW(A1:A3),2)`` in a plain cell."""
    assert lk.index_of_row_column("INDEX(COLUMN(A1:B1),1,2)") == "INDEX({1,2},1,2)"
    result = measure.measure_file(CORPUS / "files" / "pycel__excelcompiler.xlsx")
    assert not _not_agreeing(result, "ArrayForm")


def test_address_and_choose() -> None:
    assert lk.address(3, 4, 4.1, None, "*b?u*") == "'*b?u*'!R[3]C[4]"   # R1C1, quoted sheet
    assert lk.address(1.1, 3, 4, 4.1, None) == "!C1"                   # an empty sheet text
    assert lk.address([[1.0, 0.0]], 2) == [["$B$1", {"type": "Error", "kind": "Value"}]]
    assert lk.fill_omitted("ADDRESS(1,2,,FALSE)") == "ADDRESS(1,2,1,FALSE)"
    assert lk.choose_index("CHOOSE(A1,1,2)+CHOOSE(Sheet2!$B$3,1,2)") == \
        "CHOOSE(--A1,1,2)+CHOOSE(--Sheet2!$B$3,1,2)"


@pytest.mark.slow
def test_pycel_choose_agrees() -> None:
    """pycel's lookup.xlsx, sheet Lookup: CHOOSE with TRUE and the text "1" as index."""
    result = measure.measure_file(CORPUS / "files" / "pycel__lookup.xlsx")
    rest = _not_agreeing(result, "Lookup")
    assert not rest, rest   # (J30: LOOKUP with a 2-D result vector, #N/A)


def _shared_index(cells: int) -> dict[str, list[Any]]:
    """A shared INDEX/MATCH master over ``cells`` cells of column C (each call reads 6,000)."""
    from xlmodel.ooxml.sheet import FormulaCell

    text = "INDEX($B$2:$B$3000,MATCH(A2,$A$2:$A$3000,0))"
    master = FormulaCell(2, 3, "shared", f"C2:C{cells + 1}", True, text, "0")
    return {"S": [master] + [FormulaCell(r, 3, "shared", None, False, "", "0")
                             for r in range(3, cells + 2)]}


def test_index_gate_counts_shared_followers() -> None:
    """A shared formula's followers (no text of their own) read as many cells as the master:
    20,000 INDEX cells over 3,000 rows keep formualizer's INDEX (review S1), 5 are overridden."""
    assert lk.index_override_ok(_shared_index(5))            # 5 × 6,000 = 30,000 cells
    assert not lk.index_override_ok(_shared_index(20_000))   # 120,000,000 cells


def test_range_readers_gate_counts_shared_followers() -> None:
    from xlmodel.ooxml.sheet import FormulaCell

    class Wb:
        def __init__(self) -> None:
            self.names: set[str] = set()

        def register_function(self, name: str, *args: Any, **kwargs: Any) -> None:
            self.names.add(name.upper())

    def registered(cells: int) -> set[str]:
        text = "_xlfn._xlws.FILTER(A1:A1000,B1:B1000>0)"
        master = FormulaCell(1, 3, "shared", f"C1:C{cells}", True, text, "0")
        wb = Wb()
        lk.register(wb, {"S": [master] + [FormulaCell(r, 3, "shared", None, False, "", "0")
                                          for r in range(2, cells + 1)]})
        return wb.names

    assert "_XLFN._XLWS.FILTER" in registered(2)             # 2 × 2,000 cells
    assert "_XLFN._XLWS.FILTER" not in registered(100)       # 200,000 cells
