"""Aggregates and conditional aggregates (xlmodel.engine.excel_aggregates), checked against the
values Excel cached in the real-workbook corpus (tests/corpus_real) and unit by unit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import pytest

from xlmodel.engine import excel_aggregates as ea

CORPUS = Path(__file__).parent / "corpus_real"

ERR_VALUE = {"type": "Error", "kind": "Value"}
ERR_DIV = {"type": "Error", "kind": "Div"}

#: Cells of formulas' test.xlsx that xlmodel got wrong or kept before this module (the baseline
#: listing of the session), by sheet: each must now be recomputed to Excel's cached value.
FIXED = {
    # typed text in an aggregate's arguments: "" is #VALUE!, "29/02/1900" is 60
    "COMPATIBILITY": "S34 S35 S39 S40 T34 T35 T39 T40",
    "STATISTICAL": "S3 T3 S4 T4 S5 T5 S28 T28 S50 T50 S53 T53 S56 T56 S62 T62 S63 T63 S65 T65 "
                   "S66 S67 S92 T92 S93 T93 S97 T97 S98 T98 S99 T99 S100 T100 S116 T116 S117 "
                   "T117 S118 T118 S119 T119 "
                   # MODE.SNGL / MODE.MULT ties in order of first occurrence
                   "T69 T70 AH69 AH70 T71 "
                   # AVERAGEIF(S), COUNTIF(S), MAXIFS, MINIFS: "<=TRUE", error criteria and cells
                   "Y6 Z6 AA6 AB6 AC6 AD6 AE6 AF6 Y7 Z7 AA7 AB7 AC7 AD7 AE7 AF7 AG7 "
                   "AB24 AC24 AD24 AE24 AF24 AB25 AC25 AD25 AE25 AF25 AG25 "
                   "Y64 AB64 AC64 AD64 AE64 AF64 AG64 Y68 AB68 AC68 AD68 AE68 AF68 AG68 "
                   # FREQUENCY of an empty bin cell; TRIMMEAN's percent as a number, lifted
                   "W43 X115 AG115 AH115",
    "EXTRA": "H52 H53 H58 H61 I52 I53 J50",   # FREQUENCY: counts in the bins' order
    # a legacy array's fitted values beyond the engine's result, read by other formulas
    "CORE": "H20 H22 I16 I17 L21 M14 M15 M16 N14 N15 N16 R10 R11 R12 R13 "
            # implicit intersection of plain formulas the engine could not spill
            "J6 K6 L6 "
            # the intersection operator in an aggregate's argument, in parentheses or as the
            # whole formula, in a sheet's formula or a defined name's (h, i, l)
            "D7 E7 K12 Q4 Q5 R4 R5",
    # range operators whose result is larger than the legacy array's range (its top-left part)
    "OPERATORS": "AH3 AH4 AH7 AH8",
    "MATH & TRIG": "Y73 Z73 AA73 AB73 AC73 AD73 AE73 AF73 Y74 Z74 AA74 AB74 AC74 AD74 AE74 AF74 AG74 "
                   "AE75 AF75",   # SUMPRODUCT of unequal sizes: an error in the arrays first
}


@pytest.mark.slow
def test_family_cells_agree_with_excel(formulas_test: object) -> None:
    """Every cell of :data:`FIXED` is recomputed (not kept) to the value Excel cached."""
    differing = {(s, a): d for s, a, *d in formulas_test.differing}
    kept = {(s, a) for s, a, *_ in formulas_test.kept_cells}
    cells = [(sheet, a) for sheet, text in FIXED.items() for a in text.split()]
    assert len(cells) == 156
    wrong = [(c, differing[c]) for c in cells if c in differing]
    assert not wrong
    assert not [c for c in cells if c in kept]


def test_calamine_typed_text_and_empty_intersection() -> None:
    """calamine's errors.xlsx: ``AVERAGE("a","b")`` is #VALUE! in Excel (formualizer: #DIV/0!),
    ``A1:B1 D1:D9`` is #NULL! (formualizer: #N/IMPL!, kept); both now recomputed to Excel's."""
    result = measure.measure_file(CORPUS / "files" / "calamine__errors.xlsx")
    assert result.status == "ok"
    wrong = {(s, a) for s, a, *_ in result.differing + result.kept_cells}
    assert not wrong & {("Feuil1", "A3"), ("Feuil1", "A4")}


# --------------------------------------------------------------------------- typed text ----
def test_typed_text_rewrite_only_touches_whole_text_arguments() -> None:
    assert ea.wrap_typed_text("SUM(A1:A3)") == "SUM(A1:A3)"
    assert ea.wrap_typed_text('SUM(A1,"3")') == 'SUM(A1,_XLMODEL_AGGR_NUMBER("3"))'
    assert ea.wrap_typed_text('IF(A1="x",SUM(A1),0)') == 'IF(A1="x",SUM(A1),0)'
    assert ea.wrap_typed_text('SUM(IF(A1,"x"))') == 'SUM(IF(A1,"x"))'      # an expression
    assert ea.wrap_typed_text('COUNTA("x")') == 'COUNTA("x")'               # counted as it is
    assert ea.wrap_typed_text('MODE("x",1)') == 'MODE("x",1)'               # MODE ignores text
    assert ea.wrap_typed_text('SUM("a""b")') == 'SUM(_XLMODEL_AGGR_NUMBER("a""b"))'


def _evaluated(tmp_path: Path, formulas: list[str]) -> list[object]:
    """Each formula computed headless in column B of a sheet holding 1, 2, "ciao", TRUE, #DIV/0!,
    an empty cell in A1:A6 and "x", "y", 3, 4, 5, 6 in C1:C6."""
    import openpyxl

    from xlmodel.engine.types import CellError
    from xlmodel.excel.headless import evaluate

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, (a, c) in enumerate(zip([1, 2, "ciao", True, "=1/0", None], ["x", "y", 3, 4, 5, 6],
                                   strict=True), start=1):
        ws.cell(r, 1, a)
        ws.cell(r, 3, c)
    for r, f in enumerate(formulas, start=1):
        ws.cell(r, 2, "=" + f)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    values = evaluate(path)
    return [v.code if isinstance(v, CellError) else v for v in (values[("S", f"B{r}")]
                                                               for r in range(1, len(formulas) + 1))]


def test_typed_text_through_the_engine(tmp_path: Path) -> None:
    """Typed text counted as Excel counts it; text, TRUE and empty cells in a range ignored."""
    cases = {'AVERAGE(A1:A3,"")': "#VALUE!", 'AVERAGE(A1:A3,"29/02/1900")': 21.0,
             'MAX(A1:A2,"29/02/1900")': 60.0, 'COUNT(A1:A3,"29/02/1900","ciao")': 3.0,
             'STDEV.S(A1:A2,"x")': "#VALUE!", 'SUM(A1:A3,"2")': 5.0, "AVERAGE(A1:A3)": 1.5,
             'MODE.SNGL(C6,C5,C5,C6,"")': 6.0}
    assert dict(zip(cases, _evaluated(tmp_path, list(cases)), strict=True)) == cases


def test_conditional_aggregates_through_the_engine(tmp_path: Path) -> None:
    """Excel's criteria where formualizer's differ: logical operand, error criterion and cells."""
    cases = {'SUMIF(A1:A4,"<=TRUE",C1:C4)': 4.0, "COUNTIF(A1:A6,A5)": 1.0,
             'SUMIF(C1:C5,">3",A1:A5)': "#DIV/0!", 'SUMIF(A1:A4,"<>ciao",C1:C4)': 4.0,
             'COUNTIF(A1:A6,"")': 1.0, 'COUNTIF(A1:A6,"<>")': 5.0, 'COUNTIF(A1:A6,"c?a*")': 1.0,
             'COUNTIFS(A1:A6,">1",C1:C6,">3")': 0.0, 'AVERAGEIF(A1:A6,">=1",C1:C6)': "#DIV/0!",
             'AVERAGEIFS(C1:C6,A1:A5,">0")': "#VALUE!", 'MAXIFS(C1:C6,A1:A6,"<3")': 0.0,
             'SUMIFS(C1:C6,A1:A6,"<3")': 0.0, 'SUMIFS(C1:C6,C1:C6,">3")': 15.0,
             'COUNTIF(C1:C6,"X")': 1.0}
    assert dict(zip(cases, _evaluated(tmp_path, list(cases)), strict=True)) == cases


def test_criterion_rules() -> None:
    """Microsoft's COUNTIF rules: numbers and numeric text for a number, wildcards for text."""
    one = ea.criterion(1.0)
    assert [one(v) for v in (1.0, "1", True, None, "x")] == [True, True, False, False, False]
    lt = ea.criterion("<b")
    assert [lt(v) for v in ("a", "B", "c", 1.0)] == [True, False, False, False]
    tilde = ea.criterion("a~*")
    assert [tilde(v) for v in ("a*", "ab")] == [True, False]
    na = ea.criterion("#N/A")
    assert na({"type": "Error", "kind": "Na"}) and not na("#N/A")
    eq = ea.criterion("=")
    assert [eq(v) for v in (None, "", 0.0)] == [True, False, False]


def test_lifted_criteria() -> None:
    """An array of criteria gives an array of results (test.xlsx's AH columns)."""
    countif = ea.conditional("COUNT", True)
    assert countif([[10.0, -1.0, None, "29/02/1900", True]],
                   [["*ao", "", "TRUE", True, "*a?"]]) == [[0.0, 1.0, 1.0, 1.0, 0.0]]


def test_sum_range_must_fit_for_the_override() -> None:
    """A SUMIF whose sum range is smaller than its range (Excel extends it) keeps formualizer's."""
    cell = SimpleNamespace(f_type=None, text="SUMIF(A1:A9,1,B1)", si=None, shared_master=False)
    fits = SimpleNamespace(f_type=None, text="SUMIF(A1:A9,1,B1:B9)+COUNTIF(A1:A9,1)", si=None,
                           shared_master=False)
    assert ea.conditionals_to_override({"S": [cell, fits]}) == {"COUNTIF"}
    assert ea.conditionals_to_override({"S": [fits]}) == {"SUMIF", "COUNTIF"}


def test_shared_followers_count_towards_the_budget() -> None:
    """A shared formula's followers (no text of their own) read as many cells as the master."""
    master = SimpleNamespace(f_type="shared", text="COUNTIF(A1:A100,1)", si="0", shared_master=True)
    follower = SimpleNamespace(f_type="shared", text="", si="0", shared_master=False)
    assert ea.conditionals_to_override({"S": [master] + [follower] * 10}) == {"COUNTIF"}
    assert ea.conditionals_to_override({"S": [master] + [follower] * 600}) == set()
