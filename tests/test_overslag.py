"""Budget year + 3 overslagsår: the projection, the efterregulering calendar and the decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlmodel import overslag as ov
from xlmodel import pl, skat
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

TOML = Path(__file__).resolve().parents[1] / "xlmodel" / "parametre" / "aftale-2014.toml"


def _rng_inputs(n: int = 98) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(13)
    return rng.uniform(2_000, 60_000, n), rng.uniform(22.5, 27.8, n), rng.uniform(1.0, 6.0, n)


def test_years_and_guarantee_chain_from_the_parameter_set() -> None:
    ps = load()
    years = ov.aarraekke()
    assert years == [ps.budget_year + k for k in range(4)]
    g = ov.garanti_grundlag(1_000)
    assert g[0] == pytest.approx(float(skat.statsgaranti_grundlag(1_000)))
    for k in range(1, 4):
        assert g[k] / g[k - 1] == pytest.approx(1 + ps.value("overslag.garanti_vaekst", years[k]) / 100)
    # own base: annual growth over the three years base year → budget year, then year to year
    own = ov.egen_grundlag(1_000, [4.0, 1.0, 2.0, 3.0])
    assert own.tolist() == pytest.approx(
        [
            1_000 * 1.04**3,
            1_000 * 1.04**3 * 1.01,
            1_000 * 1.04**3 * 1.01 * 1.02,
            1_000 * 1.04**3 * 1.01 * 1.02 * 1.03,
        ]
    )


def test_a_year_without_a_rate_is_an_error_naming_the_year(tmp_path: Path) -> None:
    text = TOML.read_text(encoding="utf-8")
    start = text.index("[overslag.pl]")
    line = text.index("values = { 2015 = 2.0, 2016 = 2.0, 2017 = 2.0 }", start)
    cut = (
        text[:line]
        + "values = { 2015 = 2.0, 2016 = 2.0 }"
        + text[line + len("values = { 2015 = 2.0, 2016 = 2.0, 2017 = 2.0 }") :]
    )
    path = tmp_path / "uden-2017.toml"
    path.write_text(cut.replace('name = "aftale-2014"', 'name = "uden-2017"', 1), encoding="utf-8")
    ps = load(str(path))
    with pytest.raises(XlmodelError, match="2017") as info:
        ov.pl_faktorer(2014, 2014, params=ps)
    assert "overslag.pl" in str(info.value)
    assert ov.pl_faktorer(2014, 2014)[3] > 1  # the shipped set has the year


def test_pl_to_current_prices_uses_the_agreement_then_the_overslag_rates() -> None:
    ps = load()
    f = ov.pl_faktorer(2013)
    assert f[0] == pytest.approx(float(pl.faktor(2013, ps.budget_year)))
    assert f[1] / f[0] == pytest.approx(1 + ps.value("overslag.pl", ps.budget_year + 1) / 100)
    assert ov.loebende_priser([100.0, 200.0], 2013).shape == (2, 4)


def test_all_98_at_once_equal_one_at_a_time() -> None:
    base, rate, growth = _rng_inputs()
    actual = growth - 0.7
    many = ov.projektion(base, rate, growth[:, None], faktisk_vaekst_pct=actual[:, None], diskonto_pct=1.5)
    for i in (0, 41, 97):
        one = ov.projektion(base[i], rate[i], growth[i], faktisk_vaekst_pct=actual[i], diskonto_pct=1.5)
        for field in (
            "skat_garanti",
            "skat_selvbudget",
            "efterregulering_skat",
            "efterregulering_udligning",
            "tillaeg",
            "afregnet",
        ):
            assert getattr(many, field)[i] == pytest.approx(getattr(one, field)), field
    assert len(many.tabel()) == 98 * 4


def test_efterregulering_lands_in_t_plus_3_with_the_combined_surcharge() -> None:
    ps = load()
    o = ov.projektion(10_000, 25.0, 5.0, faktisk_vaekst_pct=[3.0, 5, 5, 5], diskonto_pct=2.0)
    e_tax = float(skat.efterregulering(o.egen_grundlag[0], o.faktisk_grundlag[0], 25.0))
    assert o.efterregulering_skat[0] == pytest.approx(e_tax) and e_tax < 0
    u = ps.value("skat.selvbudget_udligning", o.aar[0]) / 100
    assert o.efterregulering_udligning[0] == pytest.approx(-u * e_tax)
    combined = skat.efterregulering_tillaeg(e_tax, o.skat_selvbudget[0], 2.0, -u * e_tax)
    alone = skat.efterregulering_tillaeg(e_tax, o.skat_selvbudget[0], 2.0)
    assert o.tillaeg[0] == pytest.approx(float(combined)) and abs(combined) < abs(alone)
    land = o.aar.index(o.aar[0] + int(ps.value("skat.efterregulering_forsinkelse", o.aar[0])))
    expected = np.zeros(4)
    expected[land] = e_tax - u * e_tax + float(combined)
    assert o.afregnet == pytest.approx(expected)
    assert o.i_alt_selvbudget[land] == pytest.approx(
        o.skat_selvbudget[land] + o.udligning_selvbudget[land] + expected[land]
    )
    # actual = own estimate: nothing to settle
    assert not ov.projektion(10_000, 25.0, 5.0).afregnet.any()


def test_the_udligning_hook_is_called_per_year_with_the_right_figures() -> None:
    calls: list[tuple[int, float, float]] = []

    def hook(aar: int, grundlag: np.ndarray, indbyggere: np.ndarray) -> np.ndarray:
        calls.append((aar, float(np.sum(grundlag)), float(np.sum(indbyggere))))
        return 0.1 * indbyggere

    o = ov.projektion(
        1_000,
        25.0,
        4.0,
        indbyggere=100.0,
        indbyggere_egen=110.0,
        indbyggere_faktisk=105.0,
        udligning=hook,
        diskonto_pct=0.0,
    )
    assert sorted({c[0] for c in calls}) == o.aar
    assert o.udligning_garanti == pytest.approx([10.0] * 4)
    assert o.udligning_selvbudget == pytest.approx([11.0] * 4)
    assert o.efterregulering_udligning == pytest.approx([-0.5] * 4)


def test_calendar_splits_tax_udligning_and_surcharge_in_thirds() -> None:
    cal = ov.efterregulering_kalender(-50e6, 10e6, 1_000e6, 1.0, 2014)
    surcharge = float(skat.efterregulering_tillaeg(-50e6, 1_000e6, 1.0, 10e6, aar=2014))
    assert cal["beloeb"].sum() == pytest.approx(-40e6 + surcharge)
    assert [d.month for d in cal["dato"]] == [1, 2, 3] and {d.year for d in cal["dato"]} == {2017}
    with pytest.raises(XlmodelError, match="udbetalt"):
        ov.efterregulering_kalender(1.0, 0.0, [1.0, 2.0], 1.0, 2014)


def test_decision_gain_matches_skat_and_breakeven_tips_the_choice() -> None:
    out = ov.selvbudget_beregning([1_114, 1_114], [1_150, 1_080], 25.0, 58, 2.0, 2014)
    assert out["gevinst"].tolist() == pytest.approx(
        skat.selvbudget_gevinst([1_114, 1_114], [1_150, 1_080], 25.0, 58).tolist()
    )
    assert (out["afregningsaar"] == 2017).all()
    assert out["nutidsvaerdi"][0] == pytest.approx((out["gevinst"][0] + out["tillaeg"][0]) / 1.02**3)
    # without a population effect the break-even is the guarantee's own annual growth
    assert ov.breakeven_vaekst(1_114, 25.0, budgetaar=2014)[0] == pytest.approx(
        skat.breakeven_vaekst(2014), abs=1e-6
    )
    base, rate, _ = _rng_inputs()
    g = np.asarray(skat.statsgaranti_grundlag(base))
    be = ov.breakeven_vaekst(
        g,
        rate,
        befolkning_pct=-2.0,
        tilskud_pr_indbygger=0.02,
        indbyggere=base / 10,
        nationalbank_diskonto_pct=3.0,
    )
    assert (be > skat.breakeven_vaekst()).all()  # a population shortfall must be made up by the base
    for delta, sign in ((-0.05, -1), (0.05, 1)):
        r = ov.selvbudget_risiko(
            g,
            rate,
            be + delta,
            0.0,
            scenarier=1,
            befolkning_middel_pct=-2.0,
            tilskud_pr_indbygger=0.02,
            indbyggere=base / 10,
            nationalbank_diskonto_pct=3.0,
        )
        assert (np.sign(r["forventet_gevinst"]) == sign).all()


def test_risk_is_seeded_and_matches_a_table_of_scenarios() -> None:
    a = ov.selvbudget_risiko([1_114, 2_000], 25.0, 4.0, 1.0, scenarier=2_000, seed=5)
    b = ov.selvbudget_risiko([1_114, 2_000], 25.0, 4.0, 1.0, scenarier=2_000, seed=5)
    assert a.equals(b)
    table = np.array([2.0, 3.0, 4.0, 5.0, 6.0])
    r = ov.selvbudget_risiko(
        1_114, 25.0, 0, 0, vaekst_scenarier=table, diskonto_pct=2.0, nationalbank_diskonto_pct=0.0
    )
    pv = ov.selvbudget_beregning(
        1_114, 1_114 / 1.114 * (1 + table / 100) ** 3, 25.0, diskonto_pct=2.0, nationalbank_diskonto_pct=0.0
    )["nutidsvaerdi"].to_numpy()
    assert r["forventet_gevinst"][0] == pytest.approx(pv.mean())
    assert r["sandsynlighed_tab"][0] == pytest.approx((pv < 0).mean()) == pytest.approx(0.4)
    assert r["tab_5pct"][0] == pytest.approx(np.quantile(pv, 0.05))


def test_schemes_by_start_year_distribute_the_agreed_amounts() -> None:
    ps = load()
    pop = np.array([1.0, 3.0])
    df = ov.ordninger(pop, provenutab=[0, 10], loebende=False)
    years = ov.aarraekke()
    for y in years:
        rows = df[df.aar == y]
        assert rows["skolereform_dut"].sum() == pytest.approx(ps.value("bloktilskud.skolereform_dut", y))
        assert rows["skolereform_ekstra"].sum() == pytest.approx(
            ps.scheme_value("bloktilskud.skolereform_ekstra", y, years[0])
        )
    cut = df[df.kommune == 1]["skattenedsaettelse"].to_numpy()
    assert cut / cut[0] == pytest.approx([1, 50 / 75, 50 / 75, 25 / 75])
    part = ov.ordninger([1.0], indbyggere_i_alt=4.0, loebende=False)
    assert part["skolereform_dut"].tolist() == pytest.approx(df[df.kommune == 0]["skolereform_dut"].tolist())
    cur = ov.ordninger(pop, provenutab=[0, 10])
    assert cur["i_alt"].to_numpy() == pytest.approx(
        df["i_alt"].to_numpy() * np.repeat(ov.pl_faktorer(years[0]), 2)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: ov.projektion("mange", 25.0),
        lambda: ov.projektion(1_000, 25.0, [1.0, 2.0]),
        lambda: ov.selvbudget_risiko(1_000, 25.0, 3.0, -1.0),
        lambda: ov.skat_projektion([1.0, 2.0], 25.0),
        lambda: ov.garanti_grundlag(1_000, 2015),
    ],
)
def test_bad_input_is_refused_with_a_message(call: object) -> None:
    with pytest.raises(XlmodelError):
        call()  # type: ignore[operator]


def test_the_udligning_table_as_hook_takes_back_part_of_a_higher_own_base() -> None:
    from xlmodel import udligning

    d = udligning.eksempeldata()
    grants = {2014: 71_453.7, 2015: 72_000.0, 2016: 72_500.0, 2017: 73_000.0}  # ILLUSTRATIVE overslag
    hook = ov.udligning_hook(
        d["udgiftsbehov"],
        d["hovedstad"],
        d["selskabsskat"],
        d["grundvaerdier"],
        grants,
        udgiftsbehov_hovedstad=d["udgiftsbehov_hovedstad"],
    )
    base = d["udskrivningsgrundlag"].to_numpy() / 1.114
    growth = np.full((98, 4), 3.7)
    growth[10] = 5.0  # one municipality expects a faster-growing base
    o = ov.projektion(
        base,
        d["udskrivningsprocent"].to_numpy(),
        growth,
        udligning=hook,
        indbyggere=d["indbyggere"].to_numpy(),
    )
    assert o.udligning_garanti.sum(axis=0) == pytest.approx(list(grants.values()))
    tax_gain = o.skat_selvbudget[10] - o.skat_garanti[10]
    udl_loss = o.udligning_garanti[10] - o.udligning_selvbudget[10]
    assert (tax_gain > 0).all() and (udl_loss > 0).all()
    # the hook is the udligning table itself: the same difference computed directly for 2014
    kw = {"udgiftsbehov_hovedstad": d["udgiftsbehov_hovedstad"], "aar": 2014}
    direct = [
        udligning.beregn(
            d["indbyggere"],
            d["udgiftsbehov"],
            udligning.beskatningsgrundlag(b, d["grundvaerdier"]),
            d["hovedstad"],
            d["selskabsskat"],
            grants[2014],
            **kw,
        )["i_alt"][10]
        for b in (o.garanti_grundlag[:, 0], o.egen_grundlag[:, 0])
    ]
    assert udl_loss[0] == pytest.approx(direct[0] - direct[1])
    with pytest.raises(XlmodelError, match="2017"):
        ov.projektion(
            base,
            25.0,
            udligning=ov.udligning_hook(
                d["udgiftsbehov"],
                d["hovedstad"],
                d["selskabsskat"],
                d["grundvaerdier"],
                {2014: 1.0, 2015: 1.0, 2016: 1.0},
            ),
            indbyggere=d["indbyggere"].to_numpy(),
        )


# ------------------------------------------------- issue 13 items 1 and 3: a second year, Excel tables
def test_the_projection_runs_under_a_second_parameter_set(test_params_path) -> None:
    """aftale-2015-test: budget year 2015 + 2016–2018, every rate from that set (never 2014's)."""
    ps = load("aftale-2015-test")
    o = ov.projektion(10_000, 25.0, params=ps)
    assert o.aar == [2015, 2016, 2017, 2018]
    g = o.garanti_grundlag
    assert g[0] == pytest.approx(10_000 * (1 + ps.value("skat.fremskrivningsprocent", 2015) / 100))
    for k, y in enumerate(o.aar[1:], start=1):
        assert g[k] / g[k - 1] == pytest.approx(1 + ps.value("overslag.garanti_vaekst", y) / 100)
    assert ps.value("overslag.garanti_vaekst", 2016) != load().value("overslag.garanti_vaekst", 2016)
    f = ov.pl_faktorer(2015, params=ps)
    assert f[3] == pytest.approx(np.prod([1 + ps.value("overslag.pl", y) / 100 for y in (2016, 2017, 2018)]))
    # the 2015 efterregulering lands in 2018, inside this window
    o = ov.projektion(10_000, 25.0, 4.5, faktisk_vaekst_pct=3.0, params=ps)
    assert o.afregnet[3] == pytest.approx(o.efterregulering_skat[0] + o.efterregulering_udligning[0]
                                          + o.tillaeg[0])
    assert o.afregnet[3] < 0


def test_a_budget_year_whose_overslagsaar_have_no_rate_is_an_error_not_0(tmp_path: Path) -> None:
    text = TOML.read_text(encoding="utf-8")
    start = text.index("[overslag.garanti_vaekst]")
    line = text.index("values = { 2015 = 3.7, 2016 = 3.7, 2017 = 3.7 }", start)
    cut = text[:line] + "values = { 2015 = 3.7, 2016 = 3.7 }" + text[line + 48:]
    path = tmp_path / "uden-2017.toml"
    path.write_text(cut.replace('name = "aftale-2014"', 'name = "uden-2017"', 1), encoding="utf-8")
    with pytest.raises(XlmodelError, match=r"^budgetaar: 2014 .*overslag\.garanti_vaekst") as info:
        ov.garanti_grundlag(1_000, 2014, params=load(str(path)))
    assert "2017" in str(info.value)
    with pytest.raises(XlmodelError, match=r"^budgetaar: 2015 .*skat\.fremskrivningsprocent"):
        ov.garanti_grundlag(1_000, 2015)       # the 2014 set has no guarantee for 2015
    with pytest.raises(XlmodelError, match=r"^budgetaar: 1999 .*a year in 2013–2017"):
        ov.aarraekke(1999)


def test_the_tax_increase_regulation_runs_by_year_from_the_year_of_the_increase() -> None:
    """lov 477/2008 § 7 stk. 2: individual 75/50/50/25 pct. in years 0–3, from year 4 collective."""
    from xlmodel import bloktilskud as bt

    pop, change = [1.0, 1.0, 3.0], [30.0, 10.0, -20.0]
    df = ov.ordninger(pop, 2014, loebende=False, provenuaendring=change, stigning_aar=2013)
    for y in (2014, 2015, 2016, 2017):
        want = -np.asarray(bt.skattestigning_regulering(change, pop, y - 2013, aar=2013), float).sum(axis=1)
        got = df[df.aar == y].sort_values("kommune")["skattestigning"].to_numpy()
        np.testing.assert_allclose(got, want)
    # 2017 is year 4 of a 2013 increase: all collective, by population (20 × 1/5, 1/5, 3/5)
    np.testing.assert_allclose(df[df.aar == 2017]["skattestigning"], [-4.0, -4.0, -12.0])
    assert (df["i_alt"] == df[["skattenedsaettelse", "skolereform_ekstra", "skolereform_dut",
                               "skattestigning"]].sum(axis=1)).all()
    # before the increase's year nothing; with the rest of the country the raisers keep their part
    later = ov.ordninger(pop, 2014, loebende=False, provenuaendring=change, stigning_aar=2016)
    assert (later[later.aar < 2016]["skattestigning"] == 0).all()
    part = ov.ordninger(pop, 2014, loebende=False, provenuaendring=change, indbyggere_i_alt=10.0)
    assert part[part.aar == 2014]["skattestigning"].sum() > -20.0  # the rest pays part of the collective
    with pytest.raises(XlmodelError, match="provenuaendring"):
        ov.ordninger(pop, 2014, provenuaendring=[1.0, 2.0])


def test_the_excel_tables_are_the_core_with_danish_headings() -> None:
    from xlmodel.excel.cells import call

    rows = call("OVERSLAG_SKAT", 10_000, 25, 4.5)
    assert rows[0] == ["År", "Statsgaranti: grundlag", "Statsgaranti: skat", "Selvbudget: grundlag",
                       "Selvbudget: skat"]
    core = ov.skat_projektion(10_000, 25, 4.5)
    assert [r[0] for r in rows[1:]] == [float(y) for y in ov.aarraekke()]
    np.testing.assert_allclose([r[1:] for r in rows[1:]], core.iloc[:, 1:].to_numpy())
    cal = call("EFTERREGULERING_KALENDER", -121.1, 70.2, 2852.9, 1.0)
    assert cal[0] == ["Dato", "Beløb"]
    # Excel's date numbers of 1 January, February, March 2017 (t + 3)
    assert [r[0] for r in cal[1:]] == [42736.0, 42767.0, 42795.0]
    assert sum(r[1] for r in cal[1:]) == pytest.approx(-50.9, abs=0.01)
    decision = call("SELVBUDGET_BEREGNING", 11_140, 11_411.7, 25, None, None, 2014)
    assert decision[0][-1] == "Afregningsår" and decision[1][-1] == 2017.0
    risk = call("SELVBUDGET_RISIKO", 11_140, 25, 4.5, 1.5)
    assert risk == call("SELVBUDGET_RISIKO", 11_140, 25, 4.5, 1.5)  # seeded: the same every time
    assert 0 < risk[1][2] < 1 and risk[1][3] < 0


@pytest.mark.parametrize("name, args, argument", [
    ("OVERSLAG_SKAT", ([[1.0], [2.0]], 25), "grundlag_basisaar"),
    ("SELVBUDGET_BEREGNING", (1114, [[1150.0, 1160.0]], 25), "forventet_grundlag"),
    ("SELVBUDGET_RISIKO", (1114, 25, 4.0, -1.0), "vaekst_spredning_pct"),
    ("EFTERREGULERING_KALENDER", (1.0, 2.0, 3.0, 1.0, 2030), "budgetaar"),
])
def test_the_excel_tables_refuse_ranges_and_bad_values_by_name(name, args, argument) -> None:
    from xlmodel.excel.cells import call

    with pytest.raises(XlmodelError, match=rf"^{argument}:"):
        call(name, *args)
