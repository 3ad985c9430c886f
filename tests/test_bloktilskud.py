"""Bloktilskud: figures from the parameter file, hand-worked cases, bad input, shapes, invariants.

All municipality data below is ILLUSTRATIVE (made-up numbers, not real municipalities) unless
a comment names the agreement or the parameter file as its source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import bloktilskud as bt
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

PS = load()
SHARES = PS.value("skat.forhoejelse_individuel_andel")
MAX_PCT = PS.rates("skat.nedsaettelse_tilskud_max")


# ------------------------------------------------------------------ figures of the parameter file
def test_parameter_figures_are_the_agreed_ones() -> None:
    # lov (sanktionsloven 2011): 40 pct. collective; lov 477/2008 as amended 2010: 75/50/50/25;
    # aftale 2014, afsnit 3: 75/50/50/25 pct. max subsidy, 250 mio. frame; ministry 2013: 187 / 15.
    assert PS.value("sanktion.kollektiv_andel") == 0.4
    assert SHARES == [75, 50, 50, 25]
    assert MAX_PCT == {2014: 75, 2015: 50, 2016: 50, 2017: 25}
    assert PS.value("skat.forhoejelse_ramme") == 250
    assert PS.value("skat.nedsaettelse_pulje", 2014) == 187.5  # 75 pct. of the 250 mio. frame
    assert PS.value("skat.nedsaettelse_taerskel", 2014) == 15


def test_default_sanction_split_is_40_60() -> None:
    # R = (110 + 95 + 100) − 300 = 5 → collective 2 (40 pct.), individual 3 (60 pct.).
    d = bt.regnskabssanktion_detalje([110, 95, 100], [100, 100, 100], [1, 1, 2], aar=2013)
    assert d["kollektiv"].sum() == pytest.approx(0.4 * 5)
    assert d["individuel"].sum() == pytest.approx(0.6 * 5)
    share = PS.value("sanktion.kollektiv_andel")
    assert d["kollektiv"].sum() / d["i_alt"].sum() == pytest.approx(share)


def test_sanction_share_follows_the_parameter_set() -> None:
    ps = PS.with_value("sanktion.kollektiv_andel", 2013, 0.5)
    d = bt.regnskabssanktion_detalje([110, 95, 100], [100, 100, 100], [1, 1, 2], params=ps, aar=2013)
    assert d["kollektiv"].sum() == pytest.approx(2.5) and d["individuel"].sum() == pytest.approx(2.5)


@pytest.mark.parametrize("aar_nr", [0, 1, 2, 3])
def test_tax_increase_share_by_year_number_from_the_file(aar_nr: int) -> None:
    # One raiser, no exemption: individual = share[aar_nr] · T exactly (the cap equals the pool).
    out = bt.skattestigning_regulering([40.0, 0.0], [1, 1], aar_nr=aar_nr)
    assert out[0, 0] == pytest.approx(SHARES[aar_nr] / 100 * 40)
    assert out[:, 1].sum() == pytest.approx(40 - SHARES[aar_nr] / 100 * 40)


@pytest.mark.parametrize("aar", [2014, 2015, 2016, 2017])
def test_tax_cut_maximum_by_year_from_the_file(aar: int) -> None:
    # Cuts far inside the 187 pool: no reduction, the subsidy is exactly max_pct[aar] × loss.
    out = bt.skattenedsaettelse_tilskud([4.0, 6.0], aar)
    assert out.tolist() == pytest.approx([MAX_PCT[aar] / 100 * 4, MAX_PCT[aar] / 100 * 6])


# --------------------------------------------------------------------------- hand-worked cases
def test_distribution_by_population() -> None:
    # 3,000 over 10k / 30k / 60k inhabitants: shares 0.1 / 0.3 / 0.6.
    assert bt.fordel_efter_indbyggere([10_000, 30_000, 60_000], 3000).tolist() == pytest.approx(
        [300, 900, 1800])
    # A reduction of 500 (negative total) is shared the same way.
    assert bt.fordel_efter_indbyggere([10_000, 30_000, 60_000], -500).tolist() == pytest.approx(
        [-50, -150, -300])
    # A municipality with no inhabitants gets nothing; one municipality as a scalar gets it all.
    assert bt.fordel_efter_indbyggere([0, 5], 10).tolist() == [0.0, 10.0]
    assert bt.fordel_efter_indbyggere(5, 10) == 10.0
    assert bt.fordelingsandele([100, 300, 600]).tolist() == pytest.approx([0.1, 0.3, 0.6])


def test_dut_lines_summed_per_year() -> None:
    # The school reform's DUT (aftale, afsnit 4: 204 in 2014, 407 from 2015) from the parameter set,
    # plus an illustrative −30 mio. line in 2016 (a task removed).
    reform = PS.rates("bloktilskud.skolereform_dut")
    lines = [reform[2014], reform[2015], reform[2015], -30.0]
    out = bt.dut_regulering(lines, [2014, 2015, 2016, 2016])
    assert isinstance(out, pd.Series) and out.index.name == "aar"
    assert out.to_dict() == {2014: 204.0, 2015: 407.0, 2016: 377.0}
    # Years come back sorted whatever the order of the lines.
    assert bt.dut_regulering([1, 2, 3], [2016, 2014, 2016]).to_dict() == {2014: 2.0, 2016: 4.0}


def test_midtvejsregulering_sign_and_distribution() -> None:
    # Estimates up by 300 and down by 100 → M = +200 (grant up), population 1:3 → 50 / 150.
    assert bt.midtvejsregulering([1000, 500], [1300, 400], [100, 300]).tolist() == pytest.approx([50, 150])
    # A lower estimate lowers the grant.
    assert bt.midtvejsregulering(1000, 900, [100, 300]).tolist() == pytest.approx([-25, -75])


# The sanction tests below use aar=2013: measured against the budgets (the law's rule).  For 2014
# the agreement measures the accounts against the agreed level: see the tests of obs. 6.
def test_regnskabssanktion_four_municipalities() -> None:
    # accounts 120 / 90 / 105 / 100, budgets 100 each, population 1 / 2 / 3 / 4.
    # R = 415 − 400 = 15.  Collective 0.4·15 = 6 by population /10 → 0.6, 1.2, 1.8, 2.4.
    # Individual 0.6·15 = 9 by own overspend 20 / 0 / 5 / 0 (sum 25) → 7.2, 0, 1.8, 0.
    d = bt.regnskabssanktion_detalje([120, 90, 105, 100], [100] * 4, [1, 2, 3, 4], aar=2013)
    assert d.columns.tolist() == ["kollektiv", "individuel", "i_alt"]
    assert d["kollektiv"].tolist() == pytest.approx([0.6, 1.2, 1.8, 2.4])
    assert d["individuel"].tolist() == pytest.approx([7.2, 0, 1.8, 0])
    assert d["i_alt"].tolist() == pytest.approx([7.8, 1.2, 3.6, 2.4])
    assert bt.regnskabssanktion([120, 90, 105, 100], [100] * 4, [1, 2, 3, 4],
                                aar=2013).tolist() == pytest.approx(
        d["i_alt"].tolist())


def test_no_sanction_without_a_collective_overshoot() -> None:
    # Municipality 1 overspends by 10 but the total is 10 under: R = 0, nobody pays.
    assert bt.regnskabssanktion([110, 80], [100, 100], [1, 1], aar=2013).tolist() == [0.0, 0.0]
    assert bt.budgetsanktion([110, 80], [100, 100], [1, 1]).tolist() == [0.0, 0.0]


def test_sanction_share_override() -> None:
    # kollektiv_andel = 1: all of R = 5 by population 1:1:2; = 0: all to the one overspender.
    assert bt.regnskabssanktion([110, 95, 100], [100] * 3, [1, 1, 2], kollektiv_andel=1,
                                aar=2013).tolist() == \
        pytest.approx([1.25, 1.25, 2.5])
    assert bt.regnskabssanktion([110, 95, 100], [100] * 3, [1, 1, 2], kollektiv_andel=0,
                                aar=2013).tolist() == \
        pytest.approx([5, 0, 0])


def test_budgetsanktion_individual_key_is_own_overspend() -> None:
    # budgets 104 / 103 / 95 against frames 100: R = 2.  Collective 0.8 by 1:1:2 → 0.2, 0.2, 0.4;
    # individual 1.2 by own overspend 4:3 → 48/70 = 0.685714…, 36/70 = 0.514285…, 0.
    d = bt.budgetsanktion_detalje([104, 103, 95], [100, 100, 100], [1, 1, 2])
    assert d["kollektiv"].tolist() == pytest.approx([0.2, 0.2, 0.4])
    assert d["individuel"].tolist() == pytest.approx([48 / 70, 36 / 70, 0])
    # Frames differ per municipality: key = own overspend of own frame (5 and 0, not of the mean).
    d2 = bt.budgetsanktion_detalje([105, 95], [100, 90], [1, 1])
    # R = 200 − 190 = 10; overspends 5 and 5 → individual 3 each; collective 2 each.
    assert d2["individuel"].tolist() == pytest.approx([3, 3])
    assert d2["kollektiv"].tolist() == pytest.approx([2, 2])


def test_budgetsanktion_refuses_an_unimplemented_key() -> None:
    ps = PS.with_value("sanktion.budget_individuel_noegle", 2014, "indbyggertal")
    with pytest.raises(XlmodelError, match=r"budget_individuel_noegle: 'indbyggertal'.*egen overskridelse"):
        bt.budgetsanktion([104, 103, 95], [100] * 3, [1, 1, 2], params=ps)


def test_tax_increase_with_exemption() -> None:
    # increases 40 / 20 / 10 / −10, the 10 is exempt (a share of the 250 mio. frame); pop 1:1:1:1.
    # T = 60.  Year 0, s = 0.75: non-exempt raisers E = 60, min(1, T/E) = 1 → 30 and 15 (= 0.75·own).
    # Collective = 60 − 45 = 15 → 3.75 each.
    out = bt.skattestigning_regulering([40, 20, 10, -10], [1, 1, 1, 1], 0, [False, False, True, False])
    assert out[:, 0].tolist() == pytest.approx([30, 15, 0, 0])
    assert out[:, 1].tolist() == pytest.approx([3.75] * 4)


def test_tax_increase_cap_binds() -> None:
    # increases 20 / 10 / 40 (exempt) / −10: T = 60, E = 30 → pool s·T = 45 but cap s·own:
    # year 0: 15 and 7.5 (cap), collective 60 − 22.5 = 37.5 → 9.375 each.
    out = bt.skattestigning_regulering([20, 10, 40, -10], [1, 1, 1, 1], 0, [0, 0, 1, 0])
    assert out[:, 0].tolist() == pytest.approx([15, 7.5, 0, 0])
    assert out[:, 1].tolist() == pytest.approx([9.375] * 4)
    # year 2 (s = 0.5): 10 and 5, collective 45 → 11.25 each.
    out2 = bt.skattestigning_regulering([20, 10, 40, -10], [1, 1, 1, 1], 2, [0, 0, 1, 0])
    assert out2[:, 0].tolist() == pytest.approx([10, 5, 0, 0])
    assert out2[:, 1].tolist() == pytest.approx([11.25] * 4)


def test_tax_increase_none_when_tax_falls_overall() -> None:
    out = bt.skattestigning_regulering([30, -40], [1, 1])
    assert out.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_exempt_increases_beyond_the_frame_are_refused() -> None:
    frame = PS.value("skat.forhoejelse_ramme")
    with pytest.raises(XlmodelError, match=r"undtaget:.*frame of 250 mio"):
        bt.skattestigning_regulering([frame + 10, -5], [1, 1], undtaget=[True, False])
    # Exactly at the frame is allowed.
    out = bt.skattestigning_regulering([frame, -5], [1, 1], undtaget=[True, False])
    assert out[:, 0].tolist() == [0.0, 0.0] and out[:, 1].sum() == pytest.approx(frame - 5)


def test_tax_cut_squeezed_below_the_threshold() -> None:
    # losses 10 / 10 / 30, pool 15, threshold 15: below parts 10 + 10 + 15 = 35, 0.75·35 = 26.25 > 15,
    # so the rate on them is scaled to 15/35 and the 15 above the threshold gets nothing.
    out = bt.skattenedsaettelse_tilskud([10, 10, 30], pulje=15)
    assert out.tolist() == pytest.approx([10 * 15 / 35, 10 * 15 / 35, 15 * 15 / 35])
    assert out.sum() == pytest.approx(15)


def test_tax_cut_threshold_override() -> None:
    # losses 10 and 40, pool 30, threshold 5: 0.75·(5 + 5) = 7.5; x = 22.5 / 40 = 0.5625.
    out = bt.skattenedsaettelse_tilskud([10, 40], pulje=30, taerskel=5)
    assert out.tolist() == pytest.approx([3.75 + 5 * 0.5625, 3.75 + 35 * 0.5625])


# Illustrative 26 cuts summing to 347 mio. kr. (the ministry's 2013 totals; the split is made up):
# 22 cuts of 2–13 mio. (170 in all) and four larger cuts of 70, 50, 35 and 22 mio.
CUTS_2014 = [2, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13,
             70, 50, 35, 22]


def test_the_2014_outcome_26_municipalities_347_mio_pool_187_5() -> None:
    assert len(CUTS_2014) == 26 and sum(CUTS_2014) == pytest.approx(347)
    loss = np.array(CUTS_2014, dtype=float)
    out = bt.skattenedsaettelse_tilskud(loss)  # pool and threshold from the parameter file
    pool, t, m = PS.value("skat.nedsaettelse_pulje", 2014), PS.value("skat.nedsaettelse_taerskel", 2014), 0.75
    assert out.sum() == pytest.approx(pool, abs=1e-9)  # 187.5 = 75 pct. of 250
    small = loss <= t
    assert out[small] == pytest.approx(m * loss[small])  # 75 pct. up to the threshold
    # One rate x on every part above 15: (subsidy − 0.75·15) / (loss − 15).
    x = (out[~small] - m * t) / (loss[~small] - t)
    assert np.ptp(x) < 1e-12
    assert 0 < x[0] < m
    # By hand: below parts 170 + 4·15 = 230 → 172.5; x = (187.5 − 172.5) / 117 = 0.12820…
    assert x[0] == pytest.approx(15 / 117)


def test_tax_cut_later_years_keep_the_proportion() -> None:
    base = bt.skattenedsaettelse_tilskud(CUTS_2014, 2014)
    for aar in (2015, 2016, 2017):
        later = bt.skattenedsaettelse_tilskud(CUTS_2014, aar)
        assert later == pytest.approx(base * MAX_PCT[aar] / MAX_PCT[2014])


# -------------------------------------------------------------------------------- bad input ----
@pytest.mark.parametrize(("call", "message"), [
    (lambda: bt.fordel_efter_indbyggere([100, -1], 10), r"indbyggere: -1\.0 .*≥ 0"),
    (lambda: bt.fordel_efter_indbyggere([100, float("nan")], 10), "indbyggere: nan .*missing"),
    (lambda: bt.fordel_efter_indbyggere([100, "mange"], 10), "indbyggere: 'mange' .*text"),
    (lambda: bt.fordel_efter_indbyggere([0, 0], 10), "indbyggere: 'sum 0' .*positive sum"),
    (lambda: bt.fordel_efter_indbyggere([], 10), "indbyggere: 'no values'"),
    (lambda: bt.fordel_efter_indbyggere([1, 2], "10"), "beloeb_i_alt: '10' .*text"),
    (lambda: bt.fordel_efter_indbyggere([[1, 2]], [10, 20]), r"beloeb_i_alt: 'shape \(2,\)'"),
    (lambda: bt.fordel_efter_indbyggere(np.ones((2, 2, 2)), 1), "indbyggere: '3-D input"),
    (lambda: bt.dut_regulering([1, 2], [2014]), r"aar: '1 values' .*same number of values as beloeb \(2\)"),
    (lambda: bt.dut_regulering([1], [2014.5]), "aar: 2014.5 .*whole"),
    (lambda: bt.dut_regulering([], []), "beloeb: 'no values'"),
    (lambda: bt.midtvejsregulering([1, 2], [1], [1]), "skoen_efter: '1 values'"),
    (lambda: bt.regnskabssanktion([1, 2, 3], [1, 2], [1, 1, 1], aar=2013), "korrigeret_budget: '2 values'"),
    (lambda: bt.regnskabssanktion([1, 2], [1, 2], [1, 1, 1], aar=2013), "indbyggere: '3 values'"),
    (lambda: bt.regnskabssanktion(np.ones((3, 2)), np.ones((4, 2)), [1, 1], aar=2013),
     "korrigeret_budget: '4 scen"),
    (lambda: bt.regnskabssanktion([1, 2], [1, 2], [1, 1], kollektiv_andel=1.5, aar=2013),
     "kollektiv_andel: 1.5"),
    (lambda: bt.regnskabssanktion([1, None], [1, 2], [1, 1], aar=2013), "regnskab: None .*empty"),
    (lambda: bt.regnskabssanktion_detalje(np.ones((2, 2)), np.ones((2, 2)), [1, 1], aar=2013),
     "regnskab: '2-D"),
    (lambda: bt.budgetsanktion([1, 2], [False, True], [1, 1]), "ramme: False"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1], 1.5),
     r"aar_nr: 1\.5 .*allowed: a whole year number ≥ 0"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1], -1), "aar_nr: -1.0 .*≥ 0"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1], undtaget=["ja", False]), "undtaget: 'ja'"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1], undtaget=[2, 0]), "undtaget: 2 .*1/0"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1], undtaget=[True]), "undtaget: '1 values'"),
    (lambda: bt.skattestigning_regulering([1, 2], [1, 1, 1]), "indbyggere: '3 values'"),
    (lambda: bt.skattenedsaettelse_tilskud([5, -1]), r"provenutab: -1\.0 .*≥ 0"),
    (lambda: bt.skattenedsaettelse_tilskud([5], 2013),
     "aar: 2013 .*a scheme of skat.nedsaettelse_tilskud_max runs"),
    (lambda: bt.skattenedsaettelse_tilskud([5], 2015, ordning_aar=2015), "ordning_aar: 2015 .*: 2014"),
    (lambda: bt.skattenedsaettelse_tilskud([5], "2014"), "aar: '2014' .*text"),
    (lambda: bt.skattenedsaettelse_tilskud([5], pulje=-1), "pulje: -1.0"),
    (lambda: bt.skattenedsaettelse_tilskud(np.ones((3, 2)), pulje=[1, 2]), r"pulje: 'shape \(2,\)'"),
    (lambda: bt.skattenedsaettelse_tilskud([5], taerskel=[1, 2]), "taerskel: '2 values'"),
    (lambda: bt.fordel_efter_indbyggere([1], 1, params="aftale-1999"), "params: 'aftale-1999'"),
])
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        call()


# ------------------------------------------------------------------------------------ shapes ----
IDX = pd.Index(["København", "Aarhus", "Odense"], name="kommune")  # labels only; numbers illustrative


def test_series_in_series_out() -> None:
    pop = pd.Series([600.0, 350.0, 200.0], index=IDX)
    out = bt.fordel_efter_indbyggere(pop, 1150)
    assert isinstance(out, pd.Series) and out.index.equals(IDX)
    assert out.tolist() == pytest.approx([600, 350, 200])
    spent = pd.Series([110.0, 95.0, 100.0], index=IDX)
    s = bt.regnskabssanktion(spent, [100, 100, 100], [1, 1, 2], aar=2013)
    assert isinstance(s, pd.Series) and s.index.equals(IDX)
    assert isinstance(bt.budgetsanktion([100, 100, 100], spent, pop), pd.Series)
    assert bt.midtvejsregulering(1, 2, pop).index.equals(IDX)
    assert bt.fordelingsandele(pop).index.equals(IDX)
    cut = bt.skattenedsaettelse_tilskud(pd.Series([1.0, 2.0, 3.0], index=IDX))
    assert isinstance(cut, pd.Series) and cut.index.equals(IDX)
    d = bt.regnskabssanktion_detalje(spent, [100, 100, 100], [1, 1, 2], aar=2013)
    assert d.index.equals(IDX)


def test_tax_increase_containers() -> None:
    arr = bt.skattestigning_regulering(np.array([30.0, 10.0, -20.0]), np.array([1, 1, 3]))
    assert isinstance(arr, np.ndarray) and arr.shape == (3, 2)
    frame = bt.skattestigning_regulering(pd.Series([30.0, 10.0, -20.0], index=IDX), [1, 1, 3])
    assert isinstance(frame, pd.DataFrame) and frame.index.equals(IDX)
    assert frame.columns.tolist() == ["individuel", "kollektiv"]
    assert frame.to_numpy().tolist() == arr.tolist()
    # Booleans from a Series and 0/1 give the same result.
    flags = pd.Series([True, False, False], index=IDX)
    assert bt.skattestigning_regulering([30, 10, -20], [1, 1, 3], 0, flags).to_numpy().tolist() == \
        bt.skattestigning_regulering([30, 10, -20], [1, 1, 3], 0, [1, 0, 0]).tolist()


def test_scenarios_match_row_by_row() -> None:
    rng = np.random.default_rng(7)  # illustrative random scenarios
    pop = rng.integers(2_000, 600_000, size=5).astype(float)
    spent = rng.normal(1000, 20, size=(4, 5))
    budget = np.full(5, 1000.0)
    grid = bt.regnskabssanktion(spent, budget, pop, aar=2013)
    bgrid = bt.budgetsanktion(spent, budget, pop)
    assert grid.shape == (4, 5)
    for row in range(4):
        assert grid[row] == pytest.approx(bt.regnskabssanktion(spent[row], budget, pop, aar=2013))
        assert bgrid[row] == pytest.approx(bt.budgetsanktion(spent[row], budget, pop))
    totals = np.array([100.0, -40.0, 7.0])
    dist = bt.fordel_efter_indbyggere(pop, totals)
    assert dist.shape == (3, 5)
    assert dist.sum(axis=1) == pytest.approx(totals)
    losses = rng.uniform(0, 40, size=(3, 5))
    pools = np.array([10.0, 50.0, 500.0])
    cut = bt.skattenedsaettelse_tilskud(losses, pulje=pools)
    for row in range(3):
        assert cut[row] == pytest.approx(bt.skattenedsaettelse_tilskud(losses[row], pulje=pools[row]))
    # One loss vector, several pools: one row per pool.
    assert bt.skattenedsaettelse_tilskud(losses[0], pulje=pools) == pytest.approx(
        bt.skattenedsaettelse_tilskud(np.tile(losses[0], (3, 1)), pulje=pools))


def test_dataframe_scenarios_keep_labels() -> None:
    spent = pd.DataFrame([[110.0, 95.0, 100.0], [90.0, 120.0, 100.0]], index=["lav", "høj"], columns=IDX)
    out = bt.regnskabssanktion(spent, [100, 100, 100], [1, 1, 2], aar=2013)
    assert isinstance(out, pd.DataFrame) and out.index.tolist() == ["lav", "høj"] and out.columns.equals(IDX)
    pop = pd.Series([1.0, 1.0, 2.0], index=IDX)
    dist = bt.fordel_efter_indbyggere(pop, pd.Series([4.0, 8.0], index=["a", "b"]))
    assert dist.index.tolist() == ["a", "b"] and dist.columns.equals(IDX)
    assert dist.loc["b"].tolist() == pytest.approx([2, 2, 4])


# -------------------------------------------------------------------------------- properties ----
amounts = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def municipalities(draw, lo: float = 0.0, hi: float = 1e5, size: int | None = None) -> list[float]:
    n = size if size is not None else draw(st.integers(1, 12))
    return draw(st.lists(st.floats(lo, hi, allow_nan=False), min_size=n, max_size=n))


@st.composite
def population(draw, n: int) -> list[float]:
    pop = draw(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=n, max_size=n))
    if sum(pop) <= 0:
        pop[draw(st.integers(0, n - 1))] = 1.0
    return pop


@settings(max_examples=200, deadline=None)
@given(data=st.data(), total=amounts)
def test_distribution_sums_to_its_total(data, total: float) -> None:
    n = data.draw(st.integers(1, 15))
    pop = data.draw(population(n))
    out = bt.fordel_efter_indbyggere(pop, total)
    assert out.sum() == pytest.approx(total, rel=1e-12, abs=1e-9)
    assert np.all(np.sign(out) * np.sign(total) >= 0)  # no part has the opposite sign


@settings(max_examples=200, deadline=None)
@given(data=st.data(), share=st.floats(0, 1))
def test_sanction_parts_sum_to_r_and_are_never_negative(data, share: float) -> None:
    n = data.draw(st.integers(1, 12))
    spent = data.draw(municipalities(0, 1e5, n))
    limit = data.draw(municipalities(0, 1e5, n))
    pop = data.draw(population(n))
    r = max(0.0, sum(spent) - sum(limit))
    cap = PS.value("bloktilskud.betinget", 2014)  # the budget sanction is at most the conditional grant
    for detail, aar, most in ((bt.regnskabssanktion_detalje, 2013, r),
                              (bt.budgetsanktion_detalje, 2014, min(r, cap))):
        d = detail(spent, limit, pop, kollektiv_andel=share, aar=aar)
        r = most
        assert (d.to_numpy() >= 0).all()
        assert d["i_alt"].sum() == pytest.approx(r, rel=1e-9, abs=1e-6)
        assert d["kollektiv"].sum() == pytest.approx(share * r, rel=1e-9, abs=1e-6)
        # Only overspenders carry an individual part.
        assert (d["individuel"][np.array(spent) <= np.array(limit)] == 0).all()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), aar_nr=st.integers(0, 3))
def test_tax_increase_parts_sum_to_t_and_respect_the_cap(data, aar_nr: int) -> None:
    n = data.draw(st.integers(1, 12))
    change = np.array(data.draw(municipalities(-60, 60, n)))
    pop = data.draw(population(n))
    exempt = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if np.maximum(change, 0)[exempt].sum() > PS.value("skat.forhoejelse_ramme"):
        exempt[:] = False
    out = bt.skattestigning_regulering(change, pop, aar_nr, exempt)
    t = max(0.0, change.sum())
    s = SHARES[aar_nr] / 100
    assert out.sum() == pytest.approx(t, rel=1e-9, abs=1e-9)
    assert (out >= 0).all()
    assert (out[:, 0] <= s * np.maximum(change, 0) * (1 + 1e-12) + 1e-12).all()
    assert (out[exempt, 0] == 0).all()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), aar=st.sampled_from(sorted(MAX_PCT)), pool=st.floats(0, 500),
       threshold=st.floats(0, 50))
def test_compensation_within_pool_and_maximum(data, aar: int, pool: float, threshold: float) -> None:
    n = data.draw(st.integers(1, 30))
    loss = np.array(data.draw(municipalities(0, 80, n)))
    out = bt.skattenedsaettelse_tilskud(loss, aar, pulje=pool, taerskel=threshold)
    factor = MAX_PCT[aar] / MAX_PCT[min(MAX_PCT)]
    cap = MAX_PCT[aar] / 100 * loss
    assert (out >= 0).all()
    assert (out <= cap * (1 + 1e-12) + 1e-12).all()
    assert out.sum() <= pool * factor * (1 + 1e-12) + 1e-9
    # The pool is used in full whenever the maximum does not fit in it.
    if MAX_PCT[min(MAX_PCT)] / 100 * loss.sum() > pool:
        assert out.sum() == pytest.approx(pool * factor, rel=1e-9, abs=1e-9)
    else:
        assert out == pytest.approx(cap)


# ------------------------------------------------------------- issue 11: the observations
def test_obs2_a_2015_scheme_leaves_the_2014_scheme_alone(test_params_path) -> None:
    """A 2014 cut of 40 gets 20 in 2015 (50/75 of 30) even when a 2015 file has its own scheme
    {2015: 75, …} (it got 30 when the schedules merged); nothing in 2018 (after the scheme)."""
    ps = load("aftale-2015-test")
    assert bt.skattenedsaettelse_tilskud([40.0], 2015, ordning_aar=2014, params=ps).tolist() == [20.0]
    assert bt.skattenedsaettelse_tilskud([40.0], 2018, ordning_aar=2014, params=ps).tolist() == [0.0]
    assert bt.skattenedsaettelse_tilskud([40.0], 2015, params=ps).tolist() == [30.0]  # the 2015 scheme


def test_obs3_tax_increase_from_year_4_is_collective() -> None:
    """Lov 477/2008 § 7 stk. 2: from the fourth year the whole increase is regulated collectively."""
    out = bt.skattestigning_regulering([40.0, 0.0], [1, 3], aar_nr=4)
    assert out[:, 0].tolist() == [0.0, 0.0]
    assert out[:, 1].tolist() == [10.0, 30.0]  # T = 40 by population 1:3
    assert bt.skattestigning_regulering([40.0, 0.0], [1, 3], aar_nr=9)[:, 0].tolist() == [0.0, 0.0]


def test_obs5_budget_sanction_is_capped_at_the_conditional_grant() -> None:
    """An overshoot of 5,000 mio. kr. costs at most the conditional 3,000 (bloktilskud.betinget)."""
    out = bt.budgetsanktion_detalje([105_000.0, 50_000.0], [100_000.0, 50_000.0], [1, 1])
    assert out["i_alt"].sum() == pytest.approx(3_000)
    assert out["kollektiv"].sum() == pytest.approx(0.4 * 3_000)
    assert out["individuel"].tolist() == pytest.approx([1_800, 0])


def test_obs6_the_2014_accounts_sanction_measures_against_the_agreed_level() -> None:
    """Aftale 2014, afsnit 3: accounts of 230,300 within the agreed 230,541 give no sanction, though
    they exceed the budgets (229,900) by 400 — the budget rule gave 400."""
    regnskab, budget, pop = [130_300.0, 100_000.0], [129_900.0, 100_000.0], [1, 1]
    assert bt.regnskabssanktion(regnskab, budget, pop).tolist() == [0.0, 0.0]
    assert sum(bt.regnskabssanktion(regnskab, budget, pop, aar=2013)) == pytest.approx(400)
    # over the agreed level: R = 230,841 − 230,541 = 300; 120 by population, 180 to the overspender
    over = bt.regnskabssanktion([130_841.0, 100_000.0], budget, pop)
    assert over.tolist() == pytest.approx([60 + 180, 60])


def test_obs10_beskaeftigelsestilskud_is_regulated_by_ledighed() -> None:
    """Udligningsloven § 23 a: the forsikrede-ledige line goes by ledighed, not population."""
    by_ledighed = bt.beskaeftigelsestilskud_midtvejsregulering([12_635.0], [12_735.0], [2_000, 8_000])
    assert by_ledighed.tolist() == [20.0, 80.0]
    by_population = bt.midtvejsregulering([65_300.0], [65_400.0], [50_000, 50_000])
    assert by_population.tolist() == [50.0, 50.0]


def test_obs12_overflow_is_refused_naming_the_argument() -> None:
    with pytest.raises(XlmodelError, match="indbyggere: 'values this large'"):
        bt.fordel_efter_indbyggere([1e308, 1e308, 1e308], 100)
    # differences first: 1e308 in both inputs no longer swallows the 5 overspent
    out = bt.regnskabssanktion([1e308, 5.0], [1e308, 0.0], [1, 1], aar=2013)
    assert out.tolist() == pytest.approx([1.0, 4.0])


def test_obs13_series_are_paired_by_label() -> None:
    regnskab = pd.Series({"Aarhus": 120.0, "Odense": 100.0})
    budget = pd.Series({"Odense": 100.0, "Aarhus": 90.0})
    pop = pd.Series({"Aarhus": 1.0, "Odense": 1.0})
    d = bt.regnskabssanktion_detalje(regnskab, budget, pop, aar=2013)
    # R = 30 (Aarhus 120 vs 90): 12 by population 6/6, 18 to Aarhus → Aarhus 24 (positional gave 18)
    assert d.loc["Aarhus", "i_alt"] == pytest.approx(24)
    assert d.loc["Odense", "i_alt"] == pytest.approx(6)
    with pytest.raises(XlmodelError, match="korrigeret_budget: .*labels not in regnskab"):
        bt.regnskabssanktion(regnskab, pd.Series({"Aarhus": 90.0, "Vejle": 100.0}), pop, aar=2013)
