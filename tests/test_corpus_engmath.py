"""Engineering and math functions (xlmodel.engine.excel_engineering) against Excel's cached values:
formulas' test.xlsx, sheets ENGINEERING, MATH & TRIG (except the conditional sums and
SUMPRODUCT, the aggregates' family) and COMPATIBILITY's FLOOR; and the rules behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import pytest

from xlmodel.engine import excel_engineering as eng
from xlmodel.engine.excel_coerce import ExcelError

CORPUS = Path(__file__).parent / "corpus_real"
TEST_XLSX = CORPUS / "files" / "formulas__test.xlsx"


def _family(sheet: str, formula: str) -> bool:
    if sheet == "ENGINEERING":
        return True
    if sheet == "MATH & TRIG":
        return "SUMIF" not in formula and "SUMPRODUCT" not in formula
    return sheet == "COMPATIBILITY" and "FLOOR" in formula


@pytest.fixture(scope="module")
def result(formulas_test: object) -> object:
    """formulas' test.xlsx measured (tests/conftest.py, once per session)."""
    return formulas_test


@pytest.fixture(scope="module")
def cells() -> dict:
    return measure.read_cells(TEST_XLSX)[1]


@pytest.mark.slow
def test_family_cells_agree_with_excel(result: object, cells: dict) -> None:
    """Every formula cell of the family is recomputed to Excel's cached value: none differs, none
    is kept (before excel_engineering: 202 did not agree)."""
    assert result.status == "ok"
    family = [k for k, c in cells.items() if _family(k[0], c.formula) and c.value is not None]
    assert len(family) > 1500   # the three sheets' family cells, array members included
    differing = [d for d in result.differing if _family(d[0], d[4])]
    kept = [k for k in result.kept_cells if _family(k[0], k[3])]
    assert not differing, differing
    assert not kept, kept


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["R33", "R35", "R36", "S37", "U43", "S44", "R46", "V53"])
def test_complex_results_are_excels_text(result: object, cells: dict, cell: str) -> None:
    """IM* results agree as text, character for character (15 digits, E-notation, ``-j``)."""
    cached = cells[("ENGINEERING", cell)].value
    assert isinstance(cached, str) and cached[-1] in "ij"
    assert ("ENGINEERING", cell) not in {(d[0], d[1]) for d in result.differing}


# ------------------------------------------------------------------------------ the rules ----
def test_complex_text_format() -> None:
    """Each part with 15 significant digits; plain decimals down to 1E-05, E-notation below;
    a unit coefficient left out; the default suffix ``i``."""
    assert eng.format_complex(complex(27142327967.108967, -23653126953.378967), "j") \
        == "27142327967.109-23653126953.379j"
    imcot = eng.functions()["IMCOT"][0]   # Excel's cached IMCOT("13+5j"), ENGINEERING!S35
    assert imcot("13+5j") == "0.0000692442674613868-1.00005873951153j"
    assert imcot("7+25j") == "3.82126757337684E-22-j"   # R35: the tiny real part is kept
    assert eng.format_complex(complex(1.282339958884542e-06, 4.334969474163119e-06), "j") \
        == "1.28233995888454E-06+4.33496947416312E-06j"
    assert eng.format_complex(complex(0, -1)) == "-i"
    assert eng.format_complex(0j) == "0"


@pytest.mark.parametrize(("text", "z", "suffix"), [
    ("7+25j", 7 + 25j, "j"), ("-3+2i", -3 + 2j, "i"), ("i", 1j, "i"), ("-j", -1j, "j"),
    ("2.5", 2.5 + 0j, None), ("1E+2-3.5E-1i", 100 - 0.35j, "i")])
def test_complex_parse(text: str, z: complex, suffix: str | None) -> None:
    c = eng.parse_complex(text)
    assert c.z == z and c.suffix == suffix


@pytest.mark.parametrize(("value", "kind"), [("yvj", "Num"), ("3+", "Num"), ("i3", "Num"),
                                             (True, "Value"), ([["1"]], "Value"),
                                             ({"type": "Error", "kind": "Ref"}, "Ref")])
def test_complex_parse_errors(value: object, kind: str) -> None:
    with pytest.raises(ExcelError) as info:
        eng.parse_complex(value)
    assert info.value.kind == kind


def test_mixed_suffixes() -> None:
    """i with j: IMSUB and IMDIV #NUM!, IMSUM and IMPRODUCT #VALUE! (as Excel cached them)."""
    assert eng.imsub("3.1+2j", "-3+2i") == {"type": "Error", "kind": "Num"}
    assert eng.imdiv("3.1+2j", "-3+2i") == {"type": "Error", "kind": "Num"}
    assert eng.imsum("3.1+2j", "-3+2i") == {"type": "Error", "kind": "Value"}
    assert eng.improduct("-3+2i", "3.1+2j") == {"type": "Error", "kind": "Value"}
    assert eng.imsum("3", "2i") == "3+2i"   # a real number has no suffix to clash


def test_first_bad_argument_decides() -> None:
    """IMSUM over ("yvj", TRUE, #VALUE!) is #NUM!, over (TRUE, #VALUE!) #VALUE!, (#N/A, …) #N/A."""
    err = {"type": "Error", "kind": "Value"}
    assert eng.imsum([["yvj", True]], err) == {"type": "Error", "kind": "Num"}
    assert eng.imsum([[True, err]], {"type": "Error", "kind": "Na"}) == err
    assert eng.imsum([[{"type": "Error", "kind": "Na"}, err]]) == {"type": "Error", "kind": "Na"}


def test_bessel_is_numerical_recipes() -> None:
    """Excel's BESSELJ(-1, 0) is 0.7651976837548592, the Numerical Recipes bessj0 value, not
    J0(1) = 0.7651976865579666; the others as Excel cached them (ENGINEERING rows 3–6)."""
    assert eng._bessel_j(-1.0, 0) == 0.7651976837548592
    assert abs(eng._bessel_j(-1.0, 0) - 0.7651976865579666) > 1e-9
    assert eng._bessel_j(1e7, 2) == 8.683739567294922e-05
    assert eng._bessel_y(2.3, 2) == -0.4726168566767928
    assert eng._bessel_i(3.5, 2) == 3.83201207162936
    assert eng._bessel_k(2.3, 2) == 0.1617333633782021


def test_bessel_large_orders() -> None:
    """A huge order underflows to 0 without running its recurrence; beyond MAX_ORDER an order
    that would not underflow is #NUM! (a refresh then keeps Excel's value)."""
    assert eng._bessel_j(2.0, 10**9) == 0.0
    assert eng._bessel_i(2.0, 10**9) == 0.0
    with pytest.raises(ExcelError):
        eng._bessel_j(1e7, eng.MAX_ORDER + 1)


@pytest.mark.parametrize("fn", [eng.functions()[n][0] for n in (
    "BESSELI", "BESSELJ", "ERF", "ERF.PRECISE", "ERFC", "DELTA", "GESTEP", "SQRTPI", "FACTDOUBLE")])
def test_toolpak_rejects_logicals(fn: object) -> None:
    args = (True, 1.0) if fn.__name__.startswith("BESSEL") else (True,)
    assert fn(*args) == {"type": "Error", "kind": "Value"}


def test_toolpak_is_not_lifted() -> None:
    """A range where an Analysis ToolPak function takes one value is #VALUE! (AG/AH columns)."""
    assert eng.imabs([["3+4i", "1"]]) == {"type": "Error", "kind": "Value"}
    assert eng.erf_precise([[0.1, 0.2]]) == {"type": "Error", "kind": "Value"}


def test_floor_and_power_edges() -> None:
    assert eng.floor(-255.5, -2) == -254.0   # Excel: toward zero (COMPATIBILITY!S16)
    assert eng.lift(eng.floor)([[2.5, -255.5]], [[-255.5, -2.5]]) == [
        [{"type": "Error", "kind": "Num"}, -255.0]]
    assert eng.power(0, 0) == {"type": "Error", "kind": "Num"}
    assert eng.power(0, -1) == {"type": "Error", "kind": "Div"}
    assert eng.power(-8, 1 / 3) == {"type": "Error", "kind": "Num"}
    assert math.isclose(eng.power(2, 0.5), math.sqrt(2))


@dataclass
class _Cell:
    row: int
    col: int
    f_type: str
    text: str


def test_only_array_formulas_are_lifted() -> None:
    """``{=ABS(A1:A3)}`` is lifted; a plain ``=ABS(A1:A3)`` (implicit intersection in the file
    format) is left to the engine, which answers #VALUE! (a refresh keeps Excel's value)."""
    import formualizer as fz

    wb = fz.Workbook()
    wb.add_sheet("S")
    for r in (1, 2, 3):
        wb.set_value("S", r, 1, -float(r))
    wb.set_formula("S", 1, 3, "=ABS(A1:A3)")
    wb.set_formula("S", 1, 5, "=ABS(A1:A3)")
    eng.register(wb, {"S": [_Cell(1, 3, "array", "ABS(A1:A3)"), _Cell(1, 5, "normal", "ABS(A1:A3)")]})
    wb.evaluate_all()
    assert [wb.get_value("S", r, 3) for r in (1, 2, 3)] == [1.0, 2.0, 3.0]
    assert wb.get_value("S", 1, 5) == {"type": "Error", "kind": "Value"}


def test_lifted_calls_and_rename() -> None:
    assert eng.lifted_calls('ROUND(C59:P59,D59:Q59)+LEN("ABS(A1:A2)")') == {"ROUND"}
    assert eng.lifted_calls("ABS(C3)") == set()
    assert eng.rename_lifted("=_XLFN.COT(C22:Q22)", {"COT"}) == "=_XLMODEL.LIFT.COT(C22:Q22)"


def test_array_constant_is_lifted_in_array_formulas() -> None:
    """``{=SUM(MUNIT({1,2;3,4;7,8}))}`` is 6 in Excel (formulas' test.xlsx, CORE!P31: each
    element's identity matrix shows its top-left 1); an error element passes on (CORE!Q32)."""
    import formualizer as fz

    wb = fz.Workbook()
    wb.add_sheet("S")
    texts = ["SUM(_xlfn.MUNIT({1,2;3,4;7,8}))", "SUM(_xlfn.MUNIT({1,#NUM!;3,4}))"]
    for r, text in enumerate(texts, start=1):
        wb.set_formula("S", r, 1, "=" + text)
    eng.register(wb, {"S": [_Cell(r, 1, "array", t) for r, t in enumerate(texts, start=1)]})
    wb.evaluate_all()
    assert wb.get_value("S", 1, 1) == 6.0
    assert wb.get_value("S", 2, 1) == {"type": "Error", "kind": "Num"}
