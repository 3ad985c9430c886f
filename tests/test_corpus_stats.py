"""The statistical functions (xlmodel.engine.excel_stats) against Excel's cached values in the
real-workbook corpus (tests/corpus_real: formulas' test.xlsx sheets STATISTICAL and
COMPATIBILITY, pycel's stats.xlsx), and the rules they follow."""

from __future__ import annotations

import math
import re
from pathlib import Path

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import pytest

from xlmodel.engine import excel_stats as st

CORPUS = Path(__file__).parent / "corpus_real"

#: FORECAST.ETS* (Excel's AAA exponential smoothing) is not computed: those cells stay kept.
_ETS = re.compile(r"FORECAST\.ETS", re.IGNORECASE)


def _ours(formula: str) -> bool:
    """Does the formula's outermost call belong to this module (and is not FORECAST.ETS*)?"""
    m = re.match(r"\s*(?:_xlfn\.)?([A-Z][A-Z0-9.]*)\s*\(", formula)
    return bool(m and m.group(1) in st.functions() and not _ETS.search(formula))


@pytest.mark.slow
def test_statistical_sheet_agrees_with_excel(formulas_test: object) -> None:
    """Every cell of STATISTICAL and COMPATIBILITY whose formula calls one of this module's
    functions is recomputed to Excel's cached value: none differs, none is kept.  Before
    excel_stats 319 such cells did not agree (the baseline listing)."""
    assert formulas_test.status == "ok"
    sheets = ("STATISTICAL", "COMPATIBILITY")
    differing = [d for d in formulas_test.differing if d[0] in sheets and _ours(d[4])]
    kept = [k for k in formulas_test.kept_cells if k[0] in sheets and _ours(k[3])]
    assert not differing, differing[:10]
    assert not kept, kept[:10]
    _, cells = measure.read_cells(CORPUS / "files" / "formulas__test.xlsx")
    ours = [k for k, c in cells.items() if k[0] in sheets and c.formula and _ours(c.formula)
            and c.value is not None]
    assert len(ours) > 1500   # the check covers the family's cells, array members included


@pytest.mark.slow
def test_forecast_ets_errors_computed_values_kept(formulas_test: object) -> None:
    """FORECAST.ETS*: the 39 calls Excel refuses get Excel's error (argument checks); the 25
    whose value needs Excel's AAA smoothing are kept at Excel's value, with the reason, never a
    number of another algorithm.  Before excel_stats all 64 were kept."""
    differing = [d for d in formulas_test.differing if _ETS.search(d[4])]
    kept = [k for k in formulas_test.kept_cells if _ETS.search(k[3])]
    assert not differing, differing[:5]
    assert len(kept) == 25
    assert all("FORECAST.ETS" in k[4] and "understøttes ikke" in k[4] for k in kept), kept[:3]
    _, cells = measure.read_cells(CORPUS / "files" / "formulas__test.xlsx")
    ets = [k for k, c in cells.items() if c.kind == "formula" and _ETS.search(c.formula)]
    assert len(ets) == 68   # (4 of them, a #NAME? argument passed on, agreed before)


@pytest.mark.slow
def test_pycel_stats_agrees_with_excel() -> None:
    """pycel's stats.xlsx: nothing differs; kept only the LINEST arrays the engine cannot lay
    out (a result larger than its array range) or whose fit is collinear."""
    result = measure.measure_file(CORPUS / "files" / "pycel__stats.xlsx")
    assert result.status == "ok"
    assert not result.differing, result.differing
    assert {k[3].split("(")[0] for k in result.kept_cells} <= {"LINEST"}
    assert result.kept <= 3


# ----------------------------------------------------------------------------------- rules ----
F = st.functions()


def call(name: str, *args: object) -> object:
    return F[name][0](*args)


def err(kind: str) -> dict[str, str]:
    return {"type": "Error", "kind": kind}


def test_coercion_and_error_order() -> None:
    """Date text is its serial number, "TRUE" text a logical value, numeric text no logical
    value; all arguments are coerced before any domain check."""
    assert call("NORM.S.DIST", 0.7, "1") == err("Value")
    assert call("NORM.S.DIST", 3.0, "TRUE") == pytest.approx(0.9986501019683699, rel=1e-12)
    assert call("BETA.DIST", 3.0, -1.0, 2.0, "TRUE") == err("Num")          # not #VALUE!
    assert call("BINOM.DIST.RANGE", 3.0, -1.0, 0.2, "TRUE") == err("Value")  # a number argument
    assert call("BETA.INV", 0.9, "13/01/1900", 1.0) == pytest.approx(0.9 ** (1 / 13), rel=1e-12)
    assert call("CHISQ.DIST", err("Na"), "ciao", True) == err("Na")          # the first error


def test_domain_edges() -> None:
    assert call("BINOM.DIST", 0.0, 0.0, 0.0, False) == 1.0
    assert call("BINOM.DIST", 60.0, 60.0, 0.0, True) == 1.0
    assert call("CHISQ.INV", 0.0, 3.0) == 0.0
    assert call("BETA.INV", 1.0, 3.0, 2.0) == err("Num")
    assert call("T.DIST", 0.0, 0.0, False) == err("Div")
    assert call("T.DIST", 0.0, 0.0, True) == err("Num")
    assert call("CONFIDENCE.T", 0.9, 7.0, 1.0) == err("Div")
    assert call("GAMMA", -0.1) == pytest.approx(-10.686287021193195, rel=1e-12)
    assert call("HYPGEOM.DIST", 0.0, 0.0, 0.0, 0.0, False) == 1.0
    assert call("HYPGEOM.DIST", 5.0, 3.0, 2.0, 30.0, True) == 1.0
    assert call("POISSON.DIST", 0.0, 0.0, False) == 1.0
    assert call("PERMUT", 1e9, 1e6) == err("Num")   # beyond a double, answered at once
    assert call("PERMUT", 10.0, 3.0) == 720.0


def test_lifting_over_a_range() -> None:
    """In an array formula a range is lifted element by element; text dates in it are numbers."""
    out = call("NORM.S.DIST", [[0.0, "29/02/1900", "ciao", err("Ref")]], True)
    assert out == [[0.5, 1.0, err("Value"), err("Ref")]]


def test_pairs() -> None:
    """Sizes first (#N/A), then the first error of the pairs (x before y, a #NULL! x passed
    over), then only pairs of two numbers."""
    assert call("CORREL", [[1.0, 2.0]], [[1.0, 2.0, 3.0]]) == err("Na")
    assert call("CORREL", [[True, err("Value"), err("Na")]], [[err("Na"), err("Div"), 1.0]]) == err("Na")
    assert call("INTERCEPT", [[err("Null"), err("Num")]], [[err("Value"), 1.0]]) == err("Num")
    assert call("SLOPE", [[1.0, 2.0, 4.0, "x"]], [[1.0, 2.0, 3.0, 4.0]]) == pytest.approx(1.5)
    assert call("FORECAST", err("Name"), [[1.0, 2.0]], [[1.0, 2.0]]) == err("Name")
    assert call("FORECAST.LINEAR", 60.0, 0.3, None) == err("Value")   # one empty cell


def test_tests_of_arrays() -> None:
    assert call("T.TEST", [[3.2]], [[2.0]], 1.0, 1.0) == err("Div")
    assert call("T.TEST", [[True, err("Value")]], [[err("Na"), err("Div")]], 2.0, 2.0) == err("Value")
    assert call("T.TEST", [[True, err("Value")]], [[err("Na"), err("Div")]], 1.0, 1.0) == err("Na")
    assert call("Z.TEST", [[4.0, None, "13/01/1900"]], 0.0, 2.0) == err("Div")
    assert call("Z.TEST", [[3.2, 0.7]], 2.0, 0.0) == err("Num")
    assert call("PROB", [[1.0, 2.0]], [[0.5, 0.5]], 1.0, None) == 0.0   # an empty upper limit is 0
    assert call("PROB", [[1.0, 2.0]], [[0.5, 0.5]], 1.0) == 0.5


def test_forecast_ets_checks() -> None:
    """Excel's errors for the arguments it refuses; #N/IMPL! (kept) where it computes a value."""
    v, t = [[3.0, 3.0, 1.0, 2.0]], [[3.0, 7.0, 5.0, 6.0]]
    assert call("FORECAST.ETS", 10.0, v, t, 4.0, 1.0) == err("NImpl")
    assert call("FORECAST.ETS", -1.0, v, t, 4.0, 1.0) == err("Num")
    assert call("FORECAST.ETS", 0.1, v, t, 4.0, 1.0) == err("NImpl")
    assert call("FORECAST.ETS", err("Ref"), v, t) == err("Ref")
    assert call("FORECAST.ETS", 10.0, v, [[1.0, 2.0]]) == err("Na")
    assert call("FORECAST.ETS.CONFINT", 50.0, v, t, 1.0) == err("Num")
    assert call("FORECAST.ETS.CONFINT", 50.0, v, t, None) == err("NImpl")
    assert call("FORECAST.ETS.SEASONALITY", v, t, 2.0) == err("Num")
    assert call("FORECAST.ETS.STAT", v, t, 0.0, 4.0, 1.0) == err("Num")


def test_normal_inverse_is_exact() -> None:
    """AS 241 inverts Φ to about 16 digits over the whole range."""
    for p in (1e-300, 1e-20, 1e-5, 0.002, 0.3, 0.5, 0.7, 0.975, 1 - 1e-12):
        z = st.norm_inv(p)
        assert math.isclose(st.norm_cdf(z), p, rel_tol=1e-13), p


def test_regressions() -> None:
    assert st.fill_const("LINEST(A1:A3,B1:B3,,TRUE)") == "LINEST(A1:A3,B1:B3,TRUE,TRUE)"
    assert st.fill_const('"LINEST(A1,,)"&N(1)') == '"LINEST(A1,,)"&N(1)'
    assert call("LINEST", [[1.0], [2.0], [3.0]], [[1.0], [2.0]]) == err("Ref")
    assert call("TREND", [[2.0], [3.0]], [[1.0], [2.0]], [[err("Na")]]) == err("Value")
    assert call("TREND", [[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], [[4.0, 5.0]]) == [[4.0, 5.0]]
