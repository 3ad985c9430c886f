"""Skattegrundlag: the agreement's figures, hand-computed cases, bad input, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import skat
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load


def test_statsgaranti_is_the_agreed_114_pct() -> None:
    assert load().value("skat.fremskrivningsprocent", 2014) == 11.4
    assert skat.garanti_basisaar(2014) == 2011
    assert skat.statsgaranti_grundlag(1_000, 2014) == pytest.approx(1_114)
    base = pd.Series([100.0, 250.0], index=[101, 751])
    out = skat.statsgaranti_grundlag(base)
    assert list(out.index) == [101, 751] and out.tolist() == pytest.approx([111.4, 278.5])


def test_revenue_and_monthly_payments() -> None:
    assert skat.skatteprovenu(1_000_000, 24.9) == pytest.approx(249_000)
    assert skat.maanedlig_udbetaling(1_200_000, 25.0) == pytest.approx(25_000)
    assert skat.skatteprovenu([1, 2], [25.0, 20.0]).tolist() == pytest.approx([0.25, 0.4])


@pytest.mark.parametrize(("provenu", "grundlag", "expected"), [
    (249, 1000, 24.9),            # exact stays
    (249.0001, 1000, 25.0),       # any excess rounds up
    (248.91, 1000, 24.9),
    ((0.1 + 0.2) * 1000, 1200, 25.0),  # 0.30000000000000004 × 1000 / 1200 = 25 % exactly, not 25.1
    (0, 1000, 0.0),
])
def test_udskrivningsprocent_rounds_up_one_decimal(provenu: float, grundlag: float, expected: float) -> None:
    assert skat.udskrivningsprocent(provenu, grundlag) == expected


def test_efterregulering_and_surcharge() -> None:
    # Self-budgeted 1,000,000; actual 960,000; 25 pct.: paid 250,000, due 240,000 → E = −10,000.
    e = skat.efterregulering(1_000_000, 960_000, 25.0)
    assert e == pytest.approx(-10_000)
    # Free part 3 % of 250,000 = 7,500; excess 2,500 × 3 × 1.0 pct. diskonto = 75, paid with E.
    assert skat.efterregulering_tillaeg(e, 250_000, 1.0) == pytest.approx(-75)
    assert skat.efterregulering_tillaeg(5_000, 250_000, 1.0) == 0.0  # within 3 pct.
    assert skat.efterregulering_tillaeg(10_000, 250_000, 1.0) == pytest.approx(75)


def test_settlement_in_thirds_three_years_later() -> None:
    plan = skat.efterregulering_afregning(-10_000, 2014)
    assert plan["aar"].unique().tolist() == [2017]
    assert plan["maaned"].tolist() == ["januar", "februar", "marts"]
    assert plan["beloeb"].sum() == -10_000
    assert plan["beloeb"].iloc[0] == pytest.approx(-10_000 / 3)


def test_selvbudgettering_choice_and_breakeven() -> None:
    annual = skat.breakeven_vaekst(2014)
    assert (1 + annual / 100) ** 3 == pytest.approx(1.114)
    choice = skat.vaelg_budgetmodel([1000.0, 1000.0, 1000.0], [annual - 0.5, annual, annual + 0.5], 25.0)
    assert choice["anbefaling"].tolist() == ["statsgaranti", "statsgaranti", "selvbudgettering"]
    assert choice["gevinst"].iloc[1] == pytest.approx(0, abs=1e-9)
    assert choice["provenu_garanti"].tolist() == pytest.approx([278.5] * 3)
    assert skat.selvbudget_gevinst(1_114, 1_150, 25.0, udligning_pct=60) == pytest.approx(3.6)


def test_grundskyld_loft() -> None:
    assert load().value("grundskyld.reguleringsprocent", 2014) == 6.3
    assert skat.grundskyld_grundlag(1_200_000, 1_000_000) == pytest.approx(1_063_000)
    assert skat.grundskyld_grundlag(1_010_000, 1_000_000) == pytest.approx(1_010_000)
    assert skat.grundskyld_grundlag([1_200_000, 900_000], 1_000_000, 5.0).tolist() == [1_050_000, 900_000]
    assert skat.grundskyld_reguleringsprocent(3.3) == pytest.approx(6.3)
    assert skat.grundskyld_reguleringsprocent(4.5) == 7.0
    with pytest.raises(XlmodelError, match=r"reguleringsprocent: 8\.0 .*legal maximum 7 pct"):
        skat.grundskyld_grundlag(1, 1, 8.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: skat.skatteprovenu("1000", 25), "udskrivningsgrundlag: '1000' .*text"),
    (lambda: skat.skatteprovenu(1000, None), "udskrivningsprocent: None"),
    (lambda: skat.skatteprovenu(1000, 100), "udskrivningsprocent: 100.0 .*below 100"),
    (lambda: skat.skatteprovenu(1000, 0), "udskrivningsprocent: 0.0"),
    (lambda: skat.skatteprovenu(-5, 25), "udskrivningsgrundlag: -5.0"),
    (lambda: skat.skatteprovenu(float("nan"), 25), "udskrivningsgrundlag: nan"),
    (lambda: skat.statsgaranti_grundlag(1000, 2019), "aar: 2019 .*2013–2017"),
    (lambda: skat.statsgaranti_grundlag(1000, 2015), "skat.fremskrivningsprocent has a value: 2014"),
    (lambda: skat.udskrivningsprocent(100, 0), "udskrivningsgrundlag: 0.0 .*above 0"),
])
def test_bad_input_names_the_argument(call, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        call()


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e9), st.floats(0.5, 60), st.floats(0, 100))
def test_no_gain_when_expectation_equals_guarantee(base: float, rate: float, udligning: float) -> None:
    assert skat.selvbudget_gevinst(base, base, rate, udligning) == 0


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(1, 1e9))
def test_rounded_rate_is_at_least_exact_and_less_than_a_tenth_above(share: float, base: float) -> None:
    provenu = share * base  # a rate from 0 to 100 pct.
    exact = provenu / base * 100
    rounded = skat.udskrivningsprocent(provenu, base)
    assert rounded >= round(exact, 7)
    assert rounded < exact + 0.1 + 1e-9


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e9), st.floats(0, 1e9), st.floats(0.5, 60))
def test_payments_plus_efterregulering_is_the_final_tax(budget: float, actual: float, rate: float) -> None:
    paid = skat.skatteprovenu(budget, rate)
    final = skat.skatteprovenu(actual, rate)
    assert paid + skat.efterregulering(budget, actual, rate) == pytest.approx(final, rel=1e-12, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e9, 1e9))
def test_settlement_sums_exactly(e: float) -> None:
    assert skat.efterregulering_afregning(e)["beloeb"].sum() == pytest.approx(e, rel=1e-15, abs=1e-9)


def test_vectorised_shapes() -> None:
    grid = skat.grundskyld_grundlag(np.full((3, 4), 2e6), np.full((3, 4), 1e6))
    assert grid.shape == (3, 4) and np.allclose(grid, 1_063_000)


def test_obs8_the_3_pct_test_covers_tax_and_udligning_together() -> None:
    """Kommuneskatteloven § 16 stk. 3: tax −50m and udligning +30m on payments of 1,000m: the
    combined −20m is inside the 30m free band → 0 (the tax alone gave −120,000)."""
    assert skat.efterregulering_tillaeg(-50e6, 1_000e6, 0.2, 30e6) == 0.0
    assert skat.efterregulering_tillaeg(-50e6, 1_000e6, 0.2) == pytest.approx(-120_000)
    # beyond the band together: −50m − 10m = −60m, 30m beyond → 30m × 3 × 0.2 pct. = −180,000
    assert skat.efterregulering_tillaeg(-50e6, 1_000e6, 0.2, -10e6) == pytest.approx(-180_000)


def test_obs9_selvbudgettering_gain_is_net_of_udligning_by_default() -> None:
    """Udligningsloven § 24: udligning follows the self-budgeted base; default share 58 pct. [antagelse]."""
    assert skat.selvbudget_gevinst(1_114, 1_150, 25.0) == pytest.approx(36 * 0.25 * 0.42)
    assert skat.selvbudget_gevinst(1_114, 1_150, 25.0, udligning_pct=0) == pytest.approx(9.0)


def test_obs1_defaults_follow_the_active_set(test_params_path) -> None:
    ps = load("aftale-2015-test")
    assert skat.statsgaranti_grundlag(1000, params=ps) == pytest.approx(1100)
    assert skat.grundskyld_grundlag(1_200_000, 1_000_000, params=ps) == pytest.approx(1_060_000)
    assert skat.breakeven_vaekst(params=ps, aarlig=False) == 10.0
    assert skat.efterregulering_afregning(-9_000, params=ps)["aar"].tolist() == [2018] * 3


def test_obs14_junk_is_refused_by_name() -> None:
    with pytest.raises(XlmodelError, match="udskrivningsprocent: 'shape \\(2,\\)'"):
        skat.skatteprovenu([1, 2, 3, 4], [25, 26])
