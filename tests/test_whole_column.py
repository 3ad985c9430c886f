"""One rule for whole-column and whole-row references (issue 11, observation 14).

``=BLOKTILSKUD_FORDEL(A:A,100)`` and the same column through a defined name must give the same
numbers: a whole column (row) is read down to its last non-empty cell, a blank before it is
refused naming the argument, and a finite range must be full (trailing blanks refused too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from xlmodel.engine import CellError
from xlmodel.excel import cells
from xlmodel.excel.headless import evaluate

POPULATION = [10, 20, 30, 40, 50]
TOTAL = 100


def _book(path: Path, column: list[float | None], formulas: dict[str, str]) -> Path:
    """Data in Data!A (``None`` = a blank cell), names over whole columns and rows, formulas
    on a separate sheet (so a whole row or column never holds the formula itself)."""
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    for i, v in enumerate(column, 1):
        if v is not None:
            data.cell(i, 1, v)
    across = wb.create_sheet("Rad")  # the population across row 1, plus a gap in row 2
    for j, v in enumerate(POPULATION, 1):
        across.cell(1, j, v)
        across.cell(2, j, v if j != 2 else None)
    calc = wb.create_sheet("Calc")
    for ref, formula in formulas.items():
        calc[ref] = formula
    wb.defined_names["Bef"] = DefinedName("Bef", attr_text="Data!$A:$A")
    wb.defined_names["BefRaekke"] = DefinedName("BefRaekke", attr_text="Rad!$1:$1")
    wb.defined_names["Huller"] = DefinedName("Huller", attr_text="Rad!$2:$2")
    wb.save(path)
    return path


def _column(values: dict[tuple[str, str], object], top: str, n: int) -> list[object]:
    col = "".join(c for c in top if c.isalpha())
    row = int("".join(c for c in top if c.isdigit()))
    return [values[("Calc", f"{col}{row + k}")] for k in range(n)]


def _row(values: dict[tuple[str, str], object], top: str, n: int) -> list[object]:
    row = int("".join(c for c in top if c.isdigit()))
    return [values[("Calc", f"{chr(ord(top[0]) + k)}{row}")] for k in range(n)]


def test_direct_and_named_whole_column_give_the_same_numbers(tmp_path: Path) -> None:
    book = _book(tmp_path / "wc.xlsx", POPULATION, {
        "A1": f"=BLOKTILSKUD_FORDEL(Data!A:A,{TOTAL})",
        "B1": f"=BLOKTILSKUD_FORDEL(Bef,{TOTAL})",
        "C1": f"=BLOKTILSKUD_FORDEL(Data!A1:A5,{TOTAL})",
    })
    values = evaluate(book)
    expected = [TOTAL * n / sum(POPULATION) for n in POPULATION]  # 100 × N_i / Σ N
    direct, named, finite = (_column(values, c, 5) for c in ("A1", "B1", "C1"))
    assert direct == pytest.approx(expected)
    assert named == direct
    assert finite == direct
    assert ("Calc", "B6") not in values or values[("Calc", "B6")] in (None, "")  # 5 values, no more


def test_direct_and_named_whole_row_give_the_same_numbers(tmp_path: Path) -> None:
    book = _book(tmp_path / "wr.xlsx", POPULATION, {
        "A1": f"=BLOKTILSKUD_FORDEL(Rad!1:1,{TOTAL})",
        "A2": f"=BLOKTILSKUD_FORDEL(BefRaekke,{TOTAL})",
        "A3": f"=BLOKTILSKUD_FORDEL(Rad!2:2,{TOTAL})",
        "A4": f"=BLOKTILSKUD_FORDEL(Huller,{TOTAL})",
    })
    values = evaluate(book)
    direct, named = _row(values, "A1", 5), _row(values, "A2", 5)
    assert direct == pytest.approx([TOTAL * n / sum(POPULATION) for n in POPULATION])
    assert named == direct
    # row 2 has a blank in column B before its last value: both forms refuse that cell
    for top in ("A3", "A4"):
        err = values[("Calc", top)]
        assert isinstance(err, CellError), (top, err)
        assert "indbyggere" in err.message and "kolonne 2 i området" in err.message


def test_blank_inside_whole_column_is_refused_in_both_forms(tmp_path: Path) -> None:
    column = [10, 20, None, 40, 50]
    book = _book(tmp_path / "gap.xlsx", column, {
        "A1": f"=BLOKTILSKUD_FORDEL(Data!A:A,{TOTAL})",
        "B1": f"=BLOKTILSKUD_FORDEL(Bef,{TOTAL})",
    })
    values = evaluate(book)
    for top in ("A1", "B1"):
        err = values[("Calc", top)]
        assert isinstance(err, CellError), (top, err)
        assert "indbyggere" in err.message and "tom celle (række 3 i området)" in err.message


def test_finite_range_must_be_full(tmp_path: Path) -> None:
    book = _book(tmp_path / "finite.xlsx", POPULATION, {
        "A1": f"=BLOKTILSKUD_FORDEL(Data!A1:A8,{TOTAL})",   # trailing blanks A6:A8
        "B1": f"=BLOKTILSKUD_FORDEL(Data!B1:B3,{TOTAL})",   # all blank
    })
    values = evaluate(book)
    trailing = values[("Calc", "A1")]
    assert isinstance(trailing, CellError)
    assert "indbyggere" in trailing.message and "tom celle (række 6 i området)" in trailing.message
    assert isinstance(values[("Calc", "B1")], CellError)


def test_xlwings_whole_column_follows_the_same_rule() -> None:
    """xlwings hands a UDF all 1,048,576 rows of ``A:A`` (xlwings issue #674): same result."""
    whole = [[None]] * cells.EXCEL_ROWS
    whole[:5] = [[float(n)] for n in POPULATION]
    used = [[float(n)] for n in POPULATION]
    assert cells.xlwings_call("BLOKTILSKUD_FORDEL", whole, TOTAL) == \
        cells.xlwings_call("BLOKTILSKUD_FORDEL", used, TOTAL)
    whole[2] = [None]
    text = cells.xlwings_call("BLOKTILSKUD_FORDEL", whole, TOTAL)
    assert isinstance(text, str) and text.startswith("#VALUE! indbyggere:")
    assert "3" in text  # the Danish message names the row of the blank cell
    finite = [*used, [None]]
    assert cells.xlwings_call("BLOKTILSKUD_FORDEL", finite, TOTAL).startswith("#VALUE! indbyggere:")


def test_used_part_keeps_blanks_before_the_last_value() -> None:
    grid = np.full((cells.EXCEL_ROWS, 2), None, dtype=object)
    grid[0] = [1.0, 2.0]
    grid[3, 1] = 5.0  # the table's last filled row is row 4, even though column A is blank there
    assert cells.used_part(grid).shape == (4, 2)
    empty = np.full((1, cells.EXCEL_COLUMNS), "", dtype=object)
    assert cells.used_part(empty).shape == (1, 1)
