"""Cell adapters: every catalogue function as a function against its core, and the cell rules."""

from __future__ import annotations

import importlib
import importlib.util
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import pl
from xlmodel.errors import XlmodelError
from xlmodel.excel import catalogue, cells
from xlmodel.excel.cells import CellInputError, call, excel_error, xlwings_call
from xlmodel.parameters import load

IND = [10_000.0, 30_000.0, 60_000.0]


def core(ref: str):
    module, _, attr = ref.partition(":")
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} has not landed on this branch")
    return getattr(importlib.import_module(module), attr)


def col(values) -> list[list[float]]:
    return [[float(v)] for v in np.asarray(values, float).ravel()]


# (Excel name, cell arguments as Excel hands them, the same call made on the core)
CASES = [
    ("PL_FAKTOR", (2013, 2014), lambda: core("xlmodel.pl:faktor")(2013, 2014)),
    (
        "PL_FAKTOR",
        ([[2013], [2014]], 2014, "anlaeg"),
        lambda: col(core("xlmodel.pl:faktor")([2013, 2014], 2014, "anlaeg")),
    ),
    (
        "PL_REGULER",
        (124, 2013, 2014, "regional"),
        lambda: core("xlmodel.pl:reguler")(124, 2013, 2014, "regional"),
    ),
    (
        "PL_REGULER",
        ([[100, 200]], 2013, 2014),
        lambda: [list(core("xlmodel.pl:reguler")([100, 200], 2013, 2014))],
    ),
    (
        "PL_VAEGTET",
        ([[0.6], [0.3], [0.1]], [[1.2], [1.5], [1.8]]),
        lambda: core("xlmodel.pl:vaegtet_sats")([0.6, 0.3, 0.1], [1.2, 1.5, 1.8]),
    ),
    ("PARAMETER", ("pl.service",), lambda: load().value("pl.service", 2014)),
    (
        "PARAMETER",
        ("bloktilskud.skolereform_ekstra", [[2014, 2015, 2016]]),
        lambda: [[load().value("bloktilskud.skolereform_ekstra", y) for y in (2014, 2015, 2016)]],
    ),
    (
        "PARAMETER",
        ("skat.forhoejelse_individuel_andel",),
        lambda: [load().value("skat.forhoejelse_individuel_andel", 2014)],
    ),
    ("PARAMETER_KILDE", ("pl.anlaeg", 2014), lambda: load().source("pl.anlaeg", 2014)),
    (
        "BLOKTILSKUD_FORDEL",
        ([[v] for v in IND], 3000),
        lambda: col(core("xlmodel.bloktilskud:fordel_efter_indbyggere")(IND, 3000)),
    ),
    (
        "BLOKTILSKUD_FORDEL",
        ([IND], 3000),  # a row in → a row out
        lambda: [list(core("xlmodel.bloktilskud:fordel_efter_indbyggere")(IND, 3000))],
    ),
    (
        "REGNSKABSSANKTION",
        ([[110], [95], [100]], [[100], [100], [100]], [[1], [1], [2]]),
        lambda: col(core("xlmodel.bloktilskud:regnskabssanktion")([110, 95, 100], [100] * 3, [1, 1, 2])),
    ),
    (
        "BUDGETSANKTION",
        ([[104], [103], [95]], [[100], [100], [100]], [[1], [1], [2]], 0.5),
        lambda: col(core("xlmodel.bloktilskud:budgetsanktion")([104, 103, 95], [100] * 3, [1, 1, 2], 0.5)),
    ),
    (
        "SKATTESANKTION",
        ([[30], [10], [-20]], [[1], [1], [3]], 1, [[False], [True], [False]]),
        lambda: np.asarray(
            core("xlmodel.bloktilskud:skattestigning_regulering")(
                [30, 10, -20], [1, 1, 3], 1, [False, True, False]
            ),
            float,
        ).tolist(),
    ),
    (
        "SKATTENEDSAETTELSE_TILSKUD",
        ([[10], [40]], 2015, 30),
        lambda: col(core("xlmodel.bloktilskud:skattenedsaettelse_tilskud")([10, 40], 2015, 30)),
    ),
    (
        "UDSKRIVNINGSGRUNDLAG_GARANTI",
        (1_000_000,),
        lambda: core("xlmodel.skat:statsgaranti_grundlag")(1_000_000),
    ),
    (
        "SKATTEPROVENU",
        ([[1e6], [2e6]], 25.1),
        lambda: col(core("xlmodel.skat:skatteprovenu")([1e6, 2e6], 25.1)),
    ),
    (
        "UDSKRIVNINGSPROCENT",
        (251_234, 1_000_000),
        lambda: core("xlmodel.skat:udskrivningsprocent")(251_234, 1_000_000),
    ),
    ("EFTERREGULERING", (1e6, 1.02e6, 25), lambda: core("xlmodel.skat:efterregulering")(1e6, 1.02e6, 25)),
    (
        "EFTERREGULERING_TILLAEG",
        (50_000, 1e6, 0.2),
        lambda: core("xlmodel.skat:efterregulering_tillaeg")(50_000, 1e6, 0.2),
    ),
    (
        "SELVBUDGET_GEVINST",
        (1e6, 1.03e6, 25),
        lambda: core("xlmodel.skat:selvbudget_gevinst")(1e6, 1.03e6, 25),
    ),
    (
        "GRUNDSKYLD_GRUNDLAG",
        (1_200_000, 1_000_000),
        lambda: core("xlmodel.skat:grundskyld_grundlag")(1_200_000, 1_000_000),
    ),
    (
        "PENSIONSPROCENT",
        ([[16], [32], [37]],),
        lambda: col(core("xlmodel.pension:pensionsprocent")([16, 32, 37])),
    ),
    (
        "PENSION_MERUDGIFT",
        (400_000, 350_000, 37),
        lambda: core("xlmodel.pension:merudgift")(400_000, 350_000, 37),
    ),
    (
        "SKALATRIN_LOEN",
        (45, [[44, 400_000], [45, 410_000], [46, 420_000]]),
        lambda: core("xlmodel.pension:skalatrin_loen")(
            45, {44: 400_000, 45: 410_000, 46: 420_000}
        ),
    ),
    ("SKALATRIN_LOEN", (45,), lambda: core("xlmodel.pension:skalatrin_loen")(45)),
    ("PENSION_KAPITALVAERDI", (10_000, 3, 20), lambda: core("xlmodel.pension:kapitalvaerdi")(10_000, 3, 20)),
    (
        "DEPONERING_FRIGIVELSE",
        (2_500_000, 1),
        lambda: core("xlmodel.laan:deponering_frigivelse")(2_500_000, 1),
    ),
    # issue 12 (udligning): three municipalities, the first two in the capital area
    ("STRUKTURELT_UNDERSKUD", (col([300, 200, 120]), col([1000, 1000, 400])),
     lambda: col(core("xlmodel.udligning:strukturelt_underskud")([300, 200, 120], [1000, 1000, 400]))),
    ("LANDSUDLIGNING", (col([300, 200, 120]), col([1000, 1000, 400]), 25, 61),
     lambda: col(core("xlmodel.udligning:landsudligning")([300, 200, 120], [1000, 1000, 400], 25, 61))),
    ("HOVEDSTADSUDLIGNING", (col([300, 200, 120]), col([1000, 1000, 400]), col([100, 100, 40]),
                             [[True], [True], [False]]),
     lambda: col(core("xlmodel.udligning:hovedstadsudligning")([300, 200, 120], [1000, 1000, 400],
                                                               [100, 100, 40], [True, True, False]))),
    ("HOEJT_UNDERSKUD_TILSKUD", (col([300, 200, 120]), col([1000, 1000, 400]), col([100, 100, 40])),
     lambda: col(core("xlmodel.udligning:hoejt_underskud_tilskud")([300, 200, 120], [1000, 1000, 400],
                                                                   [100, 100, 40]))),
    ("SELSKABSSKAT_UDLIGNING", (col([30, 10, 0]), col([100, 100, 40])),
     lambda: col(core("xlmodel.udligning:selskabsskat_udligning")([30, 10, 0], [100, 100, 40]))),
    ("TILSKUD_OG_UDLIGNING", (col([100, 100, 40]), col([300, 200, 120]), col([1000, 1000, 400]),
                              [[True], [True], [False]], col([30, 10, 0]), 500),
     lambda: _table(core("xlmodel.udligning:tilskud_og_udligning_tabel")(
         [100, 100, 40], [300, 200, 120], [1000, 1000, 400], [True, True, False], [30, 10, 0], 500))),
    # issue 13 (overslag): a header row, then the rows; dates as Excel's date numbers
    ("OVERSLAG_SKAT", (1000, 25, 4.0, 2014),
     lambda: _table(core("xlmodel.overslag:overslag_skat_tabel")(1000, 25, 4.0, 2014))),
    ("SELVBUDGET_BEREGNING", (1114, 1150, 25, 58, 2.0),
     lambda: _table(core("xlmodel.overslag:selvbudget_beregning_tabel")(1114, 1150, 25, 58, 2.0))),
    ("EFTERREGULERING_KALENDER", (-50e6, 10e6, 1000e6, 1.0),
     lambda: _table(core("xlmodel.overslag:efterregulering_kalender_tabel")(-50e6, 10e6, 1000e6, 1.0))),
    ("SELVBUDGET_RISIKO", (1114, 25, 4.0, 1.0, None, 500),
     lambda: _table(core("xlmodel.overslag:selvbudget_risiko_tabel")(1114, 25, 4.0, 1.0, scenarier=500))),
]


def _table(df) -> list:
    import datetime as dt

    def cell(v):
        return float((v - dt.date(1899, 12, 30)).days) if isinstance(v, dt.date) else v

    return [list(df.columns), *[[cell(v) for v in row] for row in df.to_numpy().tolist()]]


def _close(got, expected) -> None:
    if isinstance(expected, str):
        assert got == expected
    elif isinstance(expected, list) and expected and isinstance(expected[0], list) and \
            any(isinstance(v, str) for v in expected[0]):  # a table: its header row, then numbers
        assert got[0] == expected[0]
        _close(got[1:], expected[1:])
    elif isinstance(expected, list):
        np.testing.assert_allclose(np.array(got, float), np.array(expected, float), rtol=1e-13)
        assert np.shape(got) == np.shape(expected)
    else:
        assert got == pytest.approx(float(expected), rel=1e-13)


@pytest.mark.parametrize(
    ("name", "args", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_every_function_gives_the_core_answer(name, args, expected) -> None:
    want = expected()
    _close(call(name, *args), want)
    _close(xlwings_call(name, *[[[a]] if np.ndim(a) == 0 and a is not None else a for a in args]), want)


def test_every_catalogue_function_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(catalogue.names())


# ------------------------------------------------------------------------------- cell rules ----
def test_scalars_broadcast_over_ranges() -> None:
    got = call("PL_REGULER", [[100, 200], [300, 400]], 2013, [[2014, 2013], [2014, 2013]])
    expected = pl.reguler(np.array([100, 200, 300, 400.0]), 2013, [2014, 2013, 2014, 2013])
    np.testing.assert_allclose(np.array(got).ravel(), expected)
    assert np.shape(got) == (2, 2)


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (([[100], [200]], [[2013, 2013]], 2014), "fra_aar"),
        (([[100], [200]], 2013, [[2014], [2014], [2014]]), "til_aar"),
    ],
)
def test_mismatched_range_shapes_are_an_error_naming_the_argument(args, argument) -> None:
    with pytest.raises(
        CellInputError,
        match=rf"^{argument}: a \d×\d range is not allowed; allowed: a single "
        r"cell or a range of the same shape as beloeb \(2×1\)",
    ):
        call("PL_REGULER", *args)


def test_vectors_of_different_shapes_are_an_error() -> None:
    with pytest.raises(CellInputError, match=r"^satser: a 1×3 range .* same shape as vaegte \(3×1\)"):
        call("PL_VAEGTET", [[1], [1], [1]], [[1, 2, 3]])
    with pytest.raises(
        CellInputError, match=r"^indbyggere: a 2×2 range is not allowed; allowed: a single row"
    ):
        call("BLOKTILSKUD_FORDEL", [[1, 2], [3, 4]], 100)


@pytest.mark.parametrize(
    ("cell", "where"),
    [
        ([[1.0], [None], [3.0]], "row 2 of the range"),
        ([[1.0, 2.0, ""]], "column 3 of the range"),
    ],
)
def test_a_blank_inside_a_range_is_an_error_with_its_position(cell, where) -> None:
    with pytest.raises(
        CellInputError,
        match=rf"^beloeb: a blank cell \({where}\) is not allowed; allowed: a "
        r"number \(blank cells are not read as 0\)",
    ):
        call("PL_REGULER", cell, 2013, 2014)


def test_a_required_argument_left_blank_is_an_error() -> None:
    with pytest.raises(CellInputError, match=r"^til_aar: a blank cell is not allowed"):
        call("PL_FAKTOR", 2013, None)
    with pytest.raises(CellInputError, match=r"^til_aar: a blank cell is not allowed"):
        call("PL_FAKTOR", 2013)  # left out


@pytest.mark.parametrize("blank", [None, "", [[None]], [[""]]])
def test_an_optional_argument_left_blank_takes_its_default(blank) -> None:
    assert call("PL_FAKTOR", 2013, 2014, blank) == pl.faktor(2013, 2014, "service")
    fordel = core("xlmodel.bloktilskud:regnskabssanktion")
    got = call("REGNSKABSSANKTION", [[110], [95], [100]], [[100], [100], [100]], [[1], [1], [2]], blank)
    _close(got, col(fordel([110, 95, 100], [100] * 3, [1, 1, 2])))


@pytest.mark.parametrize(
    "error",
    [
        "#N/A",
        "#DIV/0!",
        {"type": "Error", "kind": "Na"},
        {"type": "Error", "kind": "Ref"},
        "#VALUE! beloeb: 'x' is not allowed; allowed: a number",  # an upstream xlwings UDF's error text
    ],
)
def test_excel_errors_are_refused_naming_the_argument(error) -> None:
    code = excel_error(error)
    assert code is not None
    with pytest.raises(
        CellInputError,
        match=rf"^beloeb: the Excel error {re.escape(code)} \(row 2 of the range\) "
        r"is not allowed; allowed: a number \(fix the cell the error comes from\)",
    ):
        call("PL_REGULER", [[1.0], [error]], 2013, 2014)
    with pytest.raises(CellInputError, match="^serie: the Excel error"):
        call("PL_FAKTOR", 2013, 2014, error)


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("12", "text '12'"),
        (True, "TRUE/FALSE"),
        (math.nan, "float nan"),
        (math.inf, "float inf"),
    ],
)
def test_text_booleans_and_non_finite_numbers_are_refused(value, what) -> None:
    with pytest.raises(
        CellInputError, match=rf"^beloeb: {re.escape(what)} is not allowed; allowed: a number"
    ):
        call("PL_REGULER", value, 2013, 2014)


def test_text_arguments_take_one_cell_of_text() -> None:
    with pytest.raises(
        CellInputError, match=r"^serie: a 2×1 range is not allowed; allowed: text in a single cell"
    ):
        call("PL_FAKTOR", 2013, 2014, [["service"], ["sats"]])
    with pytest.raises(CellInputError, match=r"^serie: int 3 is not allowed; allowed: text"):
        call("PL_FAKTOR", 2013, 2014, 3)
    with pytest.raises(XlmodelError, match=r"^serie: 'xx' is not allowed; allowed: service, samlet"):
        call("PL_FAKTOR", 2013, 2014, "xx")  # the core's own check of the choice


def test_flags_take_true_false_or_one_zero() -> None:
    f = core("xlmodel.bloktilskud:skattestigning_regulering")
    want = np.asarray(f([30, 10, -20], [1, 1, 3], 0, [False, True, False]), float).tolist()
    _close(call("SKATTESANKTION", [[30], [10], [-20]], [[1], [1], [3]], None, [[0], [1], [0]]), want)
    with pytest.raises(
        CellInputError,
        match=r"^undtaget: text 'ja' \(row 2 of the range\) is not allowed; "
        r"allowed: TRUE or FALSE \(or 1/0\)",
    ):
        call("SKATTESANKTION", [[30], [10], [-20]], [[1], [1], [3]], None, [[False], ["ja"], [False]])


def test_two_columns_come_back_one_row_per_municipality_even_from_a_row() -> None:
    got = call("SKATTESANKTION", [[30, 10, -20]], [[1, 1, 3]])
    assert np.shape(got) == (3, 2)


def test_per_municipality_functions_take_single_cells_for_their_totals() -> None:
    with pytest.raises(
        CellInputError, match=r"^beloeb_i_alt: a 2×1 range is not allowed; allowed: a single cell"
    ):
        call("BLOKTILSKUD_FORDEL", [[1], [2]], [[100], [200]])


def test_a_table_needs_two_columns() -> None:
    with pytest.raises(
        CellInputError, match=r"^tabel: a 2×3 range is not allowed; allowed: a range of 2 columns"
    ):
        call("SKALATRIN_LOEN", 45, [[44, 1, 2], [45, 3, 4]])


def test_too_many_arguments() -> None:
    with pytest.raises(CellInputError, match=r"^PL_FAKTOR: 4 arguments is not allowed; allowed: at most 3"):
        call("PL_FAKTOR", 2013, 2014, "service", 1)


def test_a_non_finite_result_is_refused(monkeypatch) -> None:
    fn, _, takes = cells._binding("PL_FAKTOR")
    monkeypatch.setattr(cells, "_binding", lambda name: (fn, lambda *a, **k: float("nan"), takes))
    with pytest.raises(XlmodelError, match="no finite number"):
        call("PL_FAKTOR", 2013, 2014)
    assert xlwings_call("PL_FAKTOR", 2013, 2014).startswith("#VALUE! PL_FAKTOR:")


def test_xlwings_face_never_raises_and_names_the_argument() -> None:
    text = xlwings_call("PL_REGULER", [["abc"]], [[2013]], [[2014]])
    assert text == "#VALUE! beloeb: teksten 'abc' er ikke tilladt; tilladt: et tal"  # Danish in the cell
    assert xlwings_call("NOT_A_FUNCTION", 1).startswith("#VALUE! function: teksten 'NOT_A_FUNCTION'")


def test_active_parameter_set_comes_from_the_environment(monkeypatch, test_params_path) -> None:
    monkeypatch.setenv(cells.PARAMS_ENV, "aftale-2015-test")
    assert call("PARAMETER", "pl.service") == load("aftale-2015-test").value("pl.service", 2015)
    monkeypatch.delenv(cells.PARAMS_ENV)
    assert call("PARAMETER", "pl.service") == load().value("pl.service", 2014)


# ------------------------------------------------------------------------------- properties ----
amounts = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda r: st.integers(1, 4).flatmap(
            lambda c: st.lists(st.lists(amounts, min_size=c, max_size=c), min_size=r, max_size=r)
        )
    ),
    st.sampled_from(list(pl.SERIES)),
)
def test_range_results_equal_the_core_cell_by_cell(grid, serie) -> None:
    got = call("PL_REGULER", grid, 2014, 2013, serie)
    assert np.shape(got) == (np.shape(grid) if np.size(grid) > 1 else ())  # one cell in → one value
    expected = pl.reguler(np.array(grid, float), 2014, 2013, serie)
    np.testing.assert_allclose(np.array(got, float), expected, rtol=1e-15)
    back = call("PL_REGULER", got, 2013, 2014, serie)  # forward then back is the identity
    np.testing.assert_allclose(np.array(back, float), np.array(grid, float), rtol=1e-12, atol=1e-6)


junk = st.one_of(
    amounts,
    st.none(),
    st.just(""),
    st.text(max_size=5),
    st.booleans(),
    st.sampled_from(["#N/A", "#DIV/0!", {"type": "Error", "kind": "Value"}]),
    st.just(math.nan),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(junk, min_size=1, max_size=6))
def test_junk_cells_give_an_error_or_the_core_answer_never_a_wrong_number(values) -> None:
    grid = [[v] for v in values]
    clean = all(isinstance(v, float) and math.isfinite(v) for v in values)
    if clean:
        got = call("PL_REGULER", grid, 2013, 2014)
        np.testing.assert_allclose(
            np.array(got).ravel(), pl.reguler(np.array(values), 2013, 2014), rtol=1e-15
        )
    else:
        with pytest.raises(XlmodelError):
            call("PL_REGULER", grid, 2013, 2014)
        assert xlwings_call("PL_REGULER", grid, 2013, 2014).startswith("#VALUE! beloeb: ")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 700_000), min_size=1, max_size=98).filter(lambda v: sum(v) > 0),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_distribution_keeps_the_total_and_shares_are_non_negative(pop, total) -> None:
    core("xlmodel.bloktilskud:fordel_efter_indbyggere")
    got = np.array(call("BLOKTILSKUD_FORDEL", [[p] for p in pop], total), float).ravel()
    assert got.shape == (len(pop),)
    assert np.all(got >= 0)
    assert got.sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
