"""Tjenestemandspension: §6 percentages, caps, municipal share, capital value, pay table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import pension
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

PS = load("aftale-2014")


# --------------------------------------------------------------------------- pensionsprocent ----
@pytest.mark.parametrize(("years", "pct"), [(0, 0.0), (1, 1.75), (16, 28.0), (17, 29.5), (32, 52.0),
                                            (33, 53.0), (37, 57.0), (40, 57.0)])
def test_pensionsprocent_worked_figures(years: float, pct: float) -> None:
    assert pension.pensionsprocent(years) == pytest.approx(pct, abs=1e-12)


def test_pensionsprocent_counts_whole_years() -> None:
    """Issue 11 obs. 4: pensionsalder counts in whole years (TPL § 5): 19 years 11 months is 19.

    By hand: 25.5 → 25 years = 16 × 1.75 + 9 × 1.5 = 28 + 13.5 = 41.5 (was 42.25 pro rata).
    """
    assert pension.pensionsprocent(25.5) == 41.5
    assert pension.pensionsprocent(19 + 11 / 12) == pension.pensionsprocent(19) == 16 * 1.75 + 3 * 1.5
    assert pension.pensionsprocent([0.5, 16.5, 32.5, 36.5]).tolist() == pytest.approx([0, 28, 52, 56])
    assert pension.pensionsprocent(25 - 1e-12) == 41.5  # float noise around a whole year is that year


def test_pensionsprocent_reads_the_bands_from_the_parameter_set() -> None:
    rates = PS.value("pension.optjening_pct_pr_aar")
    ends = PS.value("pension.optjening_baand_slut")
    assert rates == [1.75, 1.5, 1.0] and ends == [16, 32, 37]
    other = PS.with_value("pension.optjening_pct_pr_aar", 2014, [2.0, 1.0, 0.5])
    assert pension.pensionsprocent([16, 32, 37, 50], other).tolist() == pytest.approx([32, 48, 50.5, 50.5])
    broken = PS.with_value("pension.optjening_baand_slut", 2014, [16, 32])
    with pytest.raises(XlmodelError, match=r"pension.optjening_baand_slut.*one band end per accrual rate"):
        pension.pensionsprocent(10, broken)


def test_pensionsprocent_shapes_and_bad_input() -> None:
    s = pd.Series([16, 37], index=["a", "b"])
    out = pension.pensionsprocent(s)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"] and out.tolist() == [28, 57]
    assert isinstance(pension.pensionsprocent(16), float)
    with pytest.raises(XlmodelError, match=r"pensionsaar: -1.0 is not allowed; allowed: a number of years ≥"):
        pension.pensionsprocent(-1)
    with pytest.raises(XlmodelError, match=r"pensionsaar: 'ti' .*text"):
        pension.pensionsprocent("ti")
    with pytest.raises(XlmodelError, match=r"pensionsaar: nan"):
        pension.pensionsprocent([10, float("nan")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 80, allow_nan=False), min_size=1, max_size=30))
def test_pensionsprocent_monotone_and_bounded(years: list[float]) -> None:
    x = np.sort(np.asarray(years))
    pct = np.asarray(pension.pensionsprocent(x))
    assert np.all(pct >= 0) and np.all(pct <= 57 + 1e-12)
    assert np.all(np.diff(pct) >= -1e-12)


# --------------------------------------------------------------------------------- loft_trin ----
def test_loft_trin_groups_and_leader_rule() -> None:
    assert pension.loft_trin("laerer") == PS.value("pension.loft_trin_laerer") == 44
    assert pension.loft_trin("p76") == PS.value("pension.loft_trin_p76") == 37
    groups = ["laerer", "laerer", "laerer", "p76", "p76", "p76"]
    on_1_july = [44, 47, 48, 40, 45, 46]
    # Leaders at ≥ 48 (laerer) / ≥ 46 (p76) on 1 July 2013 keep their trin; below that the group cap.
    assert pension.loft_trin(groups, on_1_july).tolist() == [44, 44, 48, 37, 37, 46]
    assert pension.loft_trin("laerer", 51) == 51.0


def test_loft_trin_blank_registration_means_group_cap() -> None:
    out = pension.loft_trin(pd.Series(["Lærer", " P76 ", "laerer"], index=[7, 8, 9]),
                            pd.Series([None, np.nan, 50], index=[7, 8, 9]))
    assert isinstance(out, pd.Series) and list(out.index) == [7, 8, 9]
    assert out.tolist() == [44, 37, 50]
    assert pension.loft_trin(["laerer"], [""]).tolist() == [44]


def test_loft_trin_follows_the_parameters() -> None:
    other = (PS.with_value("pension.loft_trin_laerer", 2014, 45)
             .with_value("pension.leder_trin_laerer", 2014, 50))
    assert pension.loft_trin(["laerer", "laerer", "laerer"], [48, 49, 50], other).tolist() == [45, 45, 50]


@pytest.mark.parametrize(("args", "message"), [
    (("skolelaerer",), r"gruppe: 'skolelaerer' is not allowed; allowed: laerer, p76"),
    ((["laerer", 3],), r"gruppe: 3 is not allowed; allowed: laerer, p76"),
    (("laerer", 47.5), "trin_1_juli_2013: 47.5 .*whole"),
    (("laerer", "otte"), "trin_1_juli_2013: 'otte' .*text"),
    ((["laerer", "p76"], [48, 46, 44]), r"trin_1_juli_2013: 'shape \(3,\)'.*same shape as gruppe"),
])
def test_loft_trin_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        pension.loft_trin(*args)


# --------------------------------------------------------------------- merudgift and tillæg ----
def test_merudgift_hand_computed() -> None:
    # 30 years: 16 × 1.75 + 14 × 1.5 = 49 pct.; pay 517,600 against 478,500 at the cap → 39,100.
    # 0.49 × 39,100 = 19,159 kr. a year.
    assert pension.merudgift(517_600, 478_500, 30) == pytest.approx(19_159.0, abs=1e-9)
    assert pension.merudgift(470_000, 478_500, 30) == 0.0  # below the cap
    out = pension.merudgift(np.array([500_000, 520_000]), 480_000, np.array([16, 37]))
    assert out.tolist() == pytest.approx([0.28 * 20_000, 0.57 * 40_000])


def test_merudgift_bad_input() -> None:
    with pytest.raises(XlmodelError, match=r"loen_faktisk: -1.0 .*pay in kr. ≥ 0"):
        pension.merudgift(-1, 0, 10)
    with pytest.raises(XlmodelError, match=r"loen_loft: None"):
        pension.merudgift(1, None, 10)
    with pytest.raises(XlmodelError, match=r"pensionsaar"):
        pension.merudgift(1, 0, -3)
    with pytest.raises(XlmodelError, match=r"loen_loft: 'shape \(3,\)'"):
        pension.merudgift([1, 2], [1, 2, 3], 10)


def test_midlertidigt_tillaeg() -> None:
    base = PS.value("pension.midlertidigt_tillaeg")
    assert base == 23_500
    # The grundbeløb is regulated (obs. 4): × (1 + procentregulering) = 23,500 × 1.013040.
    reg = 1 + PS.value("pension.procentregulering") / 100
    assert reg == pytest.approx(1.01304)
    out = pension.midlertidigt_tillaeg([37, 18.5, 50, 0])
    # 18.5 years counts as 18 whole years: 18/37 of the regulated grundbeløb
    assert out.tolist() == pytest.approx([base * reg, 18 / 37 * base * reg, base * reg, 0])
    other = PS.with_value("pension.midlertidigt_tillaeg", 2013, 24_000)
    assert pension.midlertidigt_tillaeg(37, other) == pytest.approx(24_000 * reg)
    unregulated = PS.with_value("pension.procentregulering", 2012, 0.0)
    assert pension.midlertidigt_tillaeg(37, unregulated) == 23_500
    with pytest.raises(XlmodelError, match=r"pensionsaar"):
        pension.midlertidigt_tillaeg(-0.5)


# ----------------------------------------------------------------------------- kapitalvaerdi ----
def test_kapitalvaerdi_domain_example() -> None:
    value = pension.kapitalvaerdi(10_000, 3, 20)
    assert value == pytest.approx(148_774.7486, abs=1e-3)
    assert round(value) == 148_775
    assert value == pytest.approx(npf.pv(0.03, 20, -10_000), rel=1e-15)


def test_kapitalvaerdi_growing_annuity_matches_the_sum() -> None:
    # P (1+g)^(t-1) / (1+i)^t summed by hand for i = 3 %, g = 2 %, 10 years.
    by_hand = sum(10_000 * 1.02 ** (t - 1) / 1.03 ** t for t in range(1, 11))
    assert pension.kapitalvaerdi(10_000, 3, 10, 2) == pytest.approx(by_hand, rel=1e-12)
    # i == g: each term is P / (1+i).
    assert pension.kapitalvaerdi(10_000, 3, 10, 3) == pytest.approx(10 * 10_000 / 1.03, rel=1e-12)
    assert pension.kapitalvaerdi(10_000, 0, 10) == pytest.approx(100_000)
    assert pension.kapitalvaerdi(10_000, 3, 0) == 0.0


def test_kapitalvaerdi_tiny_rates_keep_precision() -> None:
    # npf.pv(6e-142, 1, -1) returns 0 ((1+i)^n − 1 cancels to 0); the value is 1/(1+i) ≈ 1.
    assert pension.kapitalvaerdi(1.0, 6e-140, 1) == pytest.approx(1.0, rel=1e-15)
    assert pension.kapitalvaerdi(1.0, 1e-9, 10) == pytest.approx(10.0, rel=1e-9)
    # i and g a hair apart: the growing annuity tends to n/(1+i) without cancellation noise.
    near = pension.kapitalvaerdi(1.0, 3.0, 30, 3.0 + 1e-10)
    assert near == pytest.approx(30 / 1.03, rel=1e-9)


def test_kapitalvaerdi_with_survival() -> None:
    surv = [1.0, 0.9, 0.7, 0.4]
    by_hand = sum(5_000 * 1.01 ** (t - 1) * s / 1.04 ** t for t, s in enumerate(surv, start=1))
    assert pension.kapitalvaerdi(5_000, 4, 4, 1, overlevelse=surv) == pytest.approx(by_hand, rel=1e-12)
    # a shorter horizon uses the first values; S = 1 gives the plain annuity
    assert pension.kapitalvaerdi(5_000, 4, [2, 3], overlevelse=surv).tolist() == pytest.approx(
        [5_000 / 1.04 + 4_500 / 1.04 ** 2, 5_000 / 1.04 + 4_500 / 1.04 ** 2 + 3_500 / 1.04 ** 3])
    assert pension.kapitalvaerdi(10_000, 3, 20, overlevelse=np.ones(25)) == pytest.approx(
        pension.kapitalvaerdi(10_000, 3, 20), rel=1e-12)


def test_kapitalvaerdi_vectorised() -> None:
    out = pension.kapitalvaerdi(pd.Series([10_000, 20_000], index=["x", "y"]), [3, 0], 20, [0, 1])
    assert isinstance(out, pd.Series) and list(out.index) == ["x", "y"]
    assert out["x"] == pytest.approx(npf.pv(0.03, 20, -10_000))
    assert out["y"] == pytest.approx(sum(20_000 * 1.01 ** (t - 1) for t in range(1, 21)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"aar": 2.5}, "aar: 2.5 .*whole"),
    ({"aar": -1}, "aar: -1.0"),
    ({"rente_pct": -100}, r"rente_pct: -100.0 .*above -100"),
    ({"regulering_pct": "2"}, "regulering_pct: '2' .*text"),
    ({"overlevelse": [1.0, 1.2]}, "overlevelse: 1.2"),
    ({"overlevelse": [0.9, 1.0]}, r"overlevelse: .*S\(2\) is larger than S\(1\)"),
    ({"overlevelse": [[1.0], [0.9]]}, "overlevelse: 'shape .*1-D"),
    ({"overlevelse": [1.0, 0.9]}, "aar: 20.0 .*at most 2"),
    ({"aarligt_beloeb": None}, "aarligt_beloeb: None"),
])
def test_kapitalvaerdi_bad_input(kwargs: dict, message: str) -> None:
    args = {"aarligt_beloeb": 10_000, "rente_pct": 3, "aar": 20, **kwargs}
    with pytest.raises(XlmodelError, match=message):
        pension.kapitalvaerdi(**args)


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e6), st.floats(-5, 15).filter(lambda r: r == 0 or abs(r) >= 1e-4), st.integers(0, 60))
def test_kapitalvaerdi_level_equals_npf_pv(pay: float, rate: float, years: int) -> None:
    # npf.pv itself is only accurate for |i| ≥ 1e-6 (1e-4 pct.); below that kapitalvaerdi uses the
    # cancellation-free form, checked against the explicit sum in the next test.
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = npf.pv(rate / 100, years, -pay)
    assert pension.kapitalvaerdi(pay, rate, years) == pytest.approx(expected, rel=1e-12, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e5), st.floats(-2, 10), st.floats(-2, 10), st.integers(0, 40))
def test_kapitalvaerdi_closed_form_equals_the_sum(pay: float, rate: float, growth: float, years: int) -> None:
    i, g = rate / 100, growth / 100
    by_sum = sum(pay * (1 + g) ** (t - 1) / (1 + i) ** t for t in range(1, years + 1))
    closed = pension.kapitalvaerdi(pay, rate, years, growth)
    assert closed == pytest.approx(by_sum, rel=1e-9, abs=1e-6)
    assert pension.kapitalvaerdi(pay, rate, years, growth, overlevelse=np.ones(40)) == pytest.approx(
        by_sum, rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------------------- skalatrin pay ----
def test_shipped_table_is_labelled_illustrative_and_plausible() -> None:
    table = pension.skalatrin_tabel()
    assert table.attrs["illustrativ"] is True
    assert "illustrativ: ikke officielle satser" in table.attrs["kilde"]
    assert ("Moderniseringsstyrelsens skalatrinstabel (31.3.2012-niveau × procentregulering)"
            in table.attrs["kilde"])
    assert table.index.tolist() == list(range(11, 53))
    assert np.all(np.diff(table.to_numpy()) > 0)
    assert 240_000 <= table.iloc[0] <= 260_000 and 550_000 <= table.iloc[-1] <= 570_000
    raw = pension.SKALATRIN_CSV.read_text(encoding="utf-8")
    assert raw.startswith("# ILLUSTRATIV")
    frame = pd.read_csv(pension.SKALATRIN_CSV, comment="#")
    assert list(frame.columns) == ["trin", "aarsloen_kr", "kilde"]
    assert frame["kilde"].str.startswith("illustrativ: ikke officielle satser").all()


def test_table_copy_does_not_leak() -> None:
    table = pension.skalatrin_tabel()
    table.iloc[0] = 1.0
    table.attrs["illustrativ"] = False
    fresh = pension.skalatrin_tabel()
    assert fresh.iloc[0] != 1.0 and fresh.attrs["illustrativ"] is True


def test_skalatrin_loen_lookup_and_errors() -> None:
    table = pension.skalatrin_tabel()
    assert pension.skalatrin_loen([44, 37]).tolist() == [table[44], table[37]]
    assert isinstance(pension.skalatrin_loen(44), float)
    with pytest.raises(XlmodelError, match=r"trin: 53.0 is not allowed; allowed: .* pay table: 11–52"):
        pension.skalatrin_loen(53)
    with pytest.raises(XlmodelError, match=r"trin: 44.5 .*whole"):
        pension.skalatrin_loen(44.5)
    with pytest.raises(XlmodelError, match=r"trin: 2.0 .*pay table: 1, 3"):
        pension.skalatrin_loen(2, {1: 100.0, 3: 300.0})


def test_user_tables_in_several_forms(tmp_path: Path) -> None:
    as_dict = {37: 400_000, 44: 450_000}
    series = pd.Series(as_dict)
    frame = pd.DataFrame({"trin": [44, 37], "aarsloen_kr": [450_000, 400_000]})
    csv = tmp_path / "egen.csv"
    csv.write_text("# egen tabel\ntrin,aarsloen_kr\n37,400000\n44,450000\n", encoding="utf-8")
    for tabel in (as_dict, series, frame, csv, str(csv)):
        assert pension.skalatrin_loen([44, 37], tabel).tolist() == [450_000, 400_000]
    own = pension.skalatrin_tabel(csv)
    assert own.attrs["illustrativ"] is False and own.attrs["kilde"] == "ingen kilde angivet"


@pytest.mark.parametrize(("tabel", "message"), [
    ({1: 100.0, 2: -5.0}, r"tabel \(aarsloen_kr\): -5.0"),
    ({1: 100.0, 2: "mange"}, r"tabel \(aarsloen_kr\): 'mange'"),
    (pd.Series([1.0, 2.0], index=[3, 3]), r"tabel \(trin\): 3 .*each skalatrin once"),
    (pd.DataFrame({"trin": [1]}), "tabel: .*columns trin and aarsloen_kr"),
    ([100.0, 200.0], "tabel: 'list'"),
])
def test_bad_tables(tabel: object, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        pension.skalatrin_loen(1, tabel)


def test_bad_table_files(tmp_path: Path) -> None:
    with pytest.raises(XlmodelError, match=r"path: .*file not found"):
        pension.skalatrin_tabel(tmp_path / "mangler.csv")
    wrong = tmp_path / "forkert.csv"
    wrong.write_text("trin,loen\n1,2\n", encoding="utf-8")
    with pytest.raises(XlmodelError, match=r"missing column 'aarsloen_kr'"):
        pension.skalatrin_tabel(wrong)


# ----------------------------------------------------------------------- pensionsforpligtelse ----
def _staff() -> pd.DataFrame:
    return pd.DataFrame({
        "gruppe": ["laerer", "laerer", "p76", "laerer"],
        "trin": [48, 50, 40, 40],
        "trin_1_juli_2013": [None, 50, None, None],
        "pensionsaar": [30, 37, 20, 37],
        "aar_med_pension": [20, 15, 10, 20],
    }, index=["Anna", "Bo", "Carl", "Dorte"])


PAY = {37: 400_000, 40: 420_000, 44: 450_000, 48: 480_000, 50: 500_000}


def test_pensionsforpligtelse_per_employee() -> None:
    out = pension.pensionsforpligtelse(_staff(), PAY)
    assert list(out.index) == ["Anna", "Bo", "Carl", "Dorte"]
    assert list(out.columns[:6]) == ["loft_trin", "loen_faktisk", "loen_loft", "pensionsprocent",
                                     "aarlig_merudgift", "kapitalvaerdi"]
    assert out["loft_trin"].tolist() == [44, 50, 37, 44]      # Bo: leader at 50 on 1 July 2013
    # Anna: 49 pct. × (480,000 − 450,000) = 14,700; Carl: 34 pct. × 20,000 = 6,800; Bo, Dorte: 0.
    assert out["aarlig_merudgift"].tolist() == pytest.approx([14_700, 0, 6_800, 0])
    rate = PS.value("pension.diskonteringsrente")
    assert out.loc["Anna", "kapitalvaerdi"] == pytest.approx(npf.pv(rate / 100, 20, -14_700))
    assert out.loc["Carl", "kapitalvaerdi"] == pytest.approx(npf.pv(rate / 100, 10, -6_800))
    assert (out["loentabel"] == "brugerens tabel").all() and out.attrs["illustrativ"] is False
    lower = pension.pensionsforpligtelse(_staff(), PAY, rente_pct=2, regulering_pct=1)
    assert lower.loc["Anna", "kapitalvaerdi"] == pytest.approx(pension.kapitalvaerdi(14_700, 2, 20, 1))


def test_pensionsforpligtelse_with_shipped_table_is_labelled_illustrative() -> None:
    out = pension.pensionsforpligtelse(_staff().drop(columns="trin_1_juli_2013"))
    assert out.attrs["illustrativ"] is True
    assert out["loentabel"].str.startswith("illustrativ").all()
    table = pension.skalatrin_tabel()
    assert out.loc["Anna", "aarlig_merudgift"] == pytest.approx(0.49 * (table[48] - table[44]))
    assert out.loc["Bo", "loft_trin"] == 44  # without the 1 July 2013 column: the group cap


@pytest.mark.parametrize("column", ["gruppe", "trin", "pensionsaar", "aar_med_pension"])
def test_pensionsforpligtelse_missing_column(column: str) -> None:
    with pytest.raises(XlmodelError, match=f"medarbejdere: .*missing column '{column}'"):
        pension.pensionsforpligtelse(_staff().drop(columns=column), PAY)


def test_pensionsforpligtelse_bad_rows() -> None:
    with pytest.raises(XlmodelError, match=r"medarbejdere.gruppe: 'leder' .*laerer, p76"):
        pension.pensionsforpligtelse(_staff().assign(gruppe=["laerer", "leder", "p76", "p76"]), PAY)
    with pytest.raises(XlmodelError, match=r"medarbejdere.trin: 41.0 .*pay table: 37, 40, 44, 48, 50"):
        pension.pensionsforpligtelse(_staff().assign(trin=[48, 50, 41, 40]), PAY)
    with pytest.raises(XlmodelError, match=r"medarbejdere.pensionsaar: nan"):
        pension.pensionsforpligtelse(_staff().assign(pensionsaar=[30, np.nan, 20, 37]), PAY)
    with pytest.raises(XlmodelError, match=r"loft_trin .*: 52.0 .*pay table"):
        pension.pensionsforpligtelse(_staff().assign(trin_1_juli_2013=[52, None, None, None]), PAY)
    with pytest.raises(XlmodelError, match=r"medarbejdere: 'list'"):
        pension.pensionsforpligtelse([{"gruppe": "laerer"}], PAY)


def test_obs15_both_spellings_of_laerer_and_nothing_else() -> None:
    """Typing 'lærer' must not be read as P76 (trin 37, a 4× wrong cost); other groups are refused."""
    assert pension.loft_trin(["lærer", "laerer", " LÆRER ", "p76"]).tolist() == [44, 44, 44, 37]
    for bad in ("pædagog", "laerer2", "", "P 76"):
        with pytest.raises(XlmodelError, match="gruppe: .*laerer, p76"):
            pension.loft_trin(bad)


def test_obs15_the_shipped_pension_model_has_a_group_dropdown() -> None:
    from pathlib import Path

    import openpyxl

    book = Path(__file__).resolve().parents[1] / "workbooks" / "pension_2014.xlsx"
    ws = openpyxl.load_workbook(book)["Medarbejdere"]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"laerer,lærer,p76"' and dv.showErrorMessage and "B5" in str(dv.sqref)
               for dv in lists)
    formula = ws["G5"].value
    assert 'B5="lærer"' in formula and 'B5="p76"' in formula and "NA()" in formula  # no silent P76
