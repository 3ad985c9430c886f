"""Annuity loans (pmt/ipmt/ppmt, positive = the borrower pays) and lease deposits."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import laan
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

PS = load("aftale-2014")


def test_ydelse_matches_the_annuity_formula() -> None:
    # H·r / (1 − (1+r)^−n) by hand: 1,000,000 at 3 pct. over 25 years.
    by_hand = 1_000_000 * 0.03 / (1 - 1.03 ** -25)
    assert laan.ydelse(1_000_000, 3, 25) == pytest.approx(by_hand, rel=1e-14)
    assert laan.ydelse(1_000_000, 3, 25) > 0  # the borrower's outflow is positive
    assert laan.renter(1_000_000, 3, 25, 1) == pytest.approx(30_000)
    assert laan.afdrag(1_000_000, 3, 25, 1) == pytest.approx(by_hand - 30_000)


def test_schedule_adds_up() -> None:
    plan = laan.amortisering(1_000_000, 3, 25)
    assert list(plan.columns) == ["periode", "ydelse", "renter", "afdrag", "restgaeld"]
    assert plan["periode"].tolist() == list(range(1, 26))
    assert np.allclose(plan["ydelse"], plan["renter"] + plan["afdrag"], rtol=0, atol=1e-8)
    assert plan["afdrag"].sum() == pytest.approx(1_000_000, abs=1e-6)
    assert abs(plan["restgaeld"].iloc[-1]) < 1e-6
    # interest of each period is the rate on the debt left after the previous period, and the
    # debt falls by exactly that period's afdrag
    debt_before = np.concatenate(([1_000_000], plan["restgaeld"].to_numpy()[:-1]))
    assert np.allclose(plan["renter"], 0.03 * debt_before, rtol=1e-12)
    assert np.allclose(debt_before - plan["afdrag"], plan["restgaeld"], rtol=0, atol=1e-6)
    # the single-period functions agree with the schedule
    assert laan.renter(1_000_000, 3, 25, plan["periode"]).tolist() == pytest.approx(plan["renter"].tolist())
    assert laan.afdrag(1_000_000, 3, 25, plan["periode"]).tolist() == pytest.approx(plan["afdrag"].tolist())


def test_zero_rate_loan() -> None:
    plan = laan.amortisering(1_200, 0, 12)
    assert plan["ydelse"].tolist() == [100.0] * 12
    assert plan["renter"].tolist() == [0.0] * 12
    assert plan["afdrag"].tolist() == [100.0] * 12
    assert plan["restgaeld"].iloc[-1] == pytest.approx(0.0, abs=1e-9)
    assert laan.ydelse(1_200, 0, 12) == 100.0
    assert laan.renter(1_200, 0, 12, 5) == 0.0


@pytest.mark.parametrize(("rate_pct", "rel"), [(1e-12, 1e-12), (5e-5, 1e-12), (2e-4, 1e-9)])
def test_tiny_rates_match_a_high_precision_reference(rate_pct: float, rel: float) -> None:
    # npf.pmt's (1+r)^n − 1 cancels for tiny r (relative error ~2e-16/r); below 1e-4 pct. the
    # log1p/expm1 form is used, at 2e-4 pct. it is still npf (measured: 3e-11 off).
    # Reference: the annuity formula in 60-digit decimal arithmetic.
    with localcontext() as ctx:
        ctx.prec = 60
        r, n, h = Decimal(rate_pct) / 100, 30, Decimal(1_000_000)
        payment = h * r / (1 - (1 + r) ** -n)
        interest_3 = r * (h * (1 + r) ** 2 - payment * ((1 + r) ** 2 - 1) / r)
    assert laan.ydelse(1_000_000, rate_pct, n) == pytest.approx(float(payment), rel=rel)
    assert laan.renter(1_000_000, rate_pct, n, 3) == pytest.approx(float(interest_3), rel=1e-8)
    assert laan.afdrag(1_000_000, rate_pct, n, 3) == pytest.approx(float(payment - interest_3), rel=rel)
    plan = laan.amortisering(1_000_000, rate_pct, n)
    assert plan["afdrag"].sum() == pytest.approx(1_000_000, rel=rel)
    assert abs(plan["restgaeld"].iloc[-1]) < 1e-6


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e9), st.floats(0.01, 20), st.integers(1, 60), st.data())
def test_agrees_with_numpy_financial_on_ordinary_loans(principal: float, rate: float, periods: int,
                                                       data: st.DataObject) -> None:
    per = data.draw(st.integers(1, periods))
    r = rate / 100
    tol = 1e-9 * max(1.0, principal)
    assert laan.ydelse(principal, rate, periods) == pytest.approx(-npf.pmt(r, periods, principal), abs=tol)
    assert laan.renter(principal, rate, periods, per) == pytest.approx(
        -npf.ipmt(r, per, periods, principal), rel=1e-9, abs=tol)
    assert laan.afdrag(principal, rate, periods, per) == pytest.approx(
        -npf.ppmt(r, per, periods, principal), rel=1e-9, abs=tol)


def test_long_loan_at_high_rate_still_adds_up() -> None:
    # 360 periods at 10 pct.: npf.ppmt's principals miss 1 mio. by ~22,000 kr. ((1+r)^n ≈ 8e14
    # cancels); the pay × v^m split keeps the schedule exact.
    plan = laan.amortisering(1_000_000, 10, 360)
    assert plan["afdrag"].sum() == pytest.approx(1_000_000, rel=1e-12)
    assert np.allclose(plan["ydelse"], plan["renter"] + plan["afdrag"], rtol=1e-14, atol=0)
    npf_sum = -npf.ppmt(0.10, np.arange(1, 361), 360, 1_000_000).sum()
    assert abs(npf_sum - 1_000_000) > 1_000  # the reason for not using ppmt here (measured)


def test_vanishing_rate_is_not_nan() -> None:
    # npf.pmt(1e-302, 30, 1e6) is NaN (1 + r == 1); the loan is then H/n per period.
    assert laan.ydelse(1_000_000, 1e-300, 30) == pytest.approx(1_000_000 / 30, rel=1e-15)
    assert laan.afdrag(1_000_000, 1e-300, 30, 30) == pytest.approx(1_000_000 / 30, rel=1e-12)


def test_vectorised_loans() -> None:
    out = laan.ydelse(pd.Series([1_000.0, 2_000.0], index=["a", "b"]), [0, 10], 2)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]
    assert out.tolist() == pytest.approx([500.0, 2_000 * 0.1 / (1 - 1.1 ** -2)])
    grid = laan.renter(1_000, np.array([[5], [10]]), 3, np.array([1, 2, 3]))
    assert grid.shape == (2, 3)
    assert grid[0, 0] == pytest.approx(50) and grid[1, 0] == pytest.approx(100)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: laan.ydelse(-1, 3, 10), "hovedstol: -1.0 .*loan amount ≥ 0"),
    (lambda: laan.ydelse(1_000, 3, 0), "perioder: 0.0 .*whole number of periods ≥ 1"),
    (lambda: laan.ydelse(1_000, 3, 2.5), "perioder: 2.5 .*whole"),
    (lambda: laan.ydelse(1_000, -100, 10), "rente_pct: -100.0 .*above -100"),
    (lambda: laan.ydelse(1_000, "3 %", 10), "rente_pct: '3 %' .*text"),
    (lambda: laan.renter(1_000, 3, 10, 11), r"periode: 11.0 .*from 1 to perioder \(10\)"),
    (lambda: laan.afdrag(1_000, 3, 10, 0), "periode: 0.0"),
    (lambda: laan.ydelse([1, 2, 3], [1, 2], 10), r"rente_pct: 'shape \(2,\)'"),
    (lambda: laan.amortisering([1_000, 2_000], 3, 10), "hovedstol: 'shape .*one loan"),
])
def test_bad_loan_input(call: object, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        call()  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e8), st.floats(0, 20), st.integers(1, 60))
def test_schedule_sums_property(principal: float, rate: float, periods: int) -> None:
    plan = laan.amortisering(principal, rate, periods)
    tol = 1e-9 * max(1.0, principal)
    assert len(plan) == periods
    assert np.allclose(plan["ydelse"], plan["renter"] + plan["afdrag"], rtol=1e-12, atol=tol)
    assert plan["afdrag"].sum() == pytest.approx(principal, rel=1e-10, abs=tol)
    assert abs(plan["restgaeld"].iloc[-1]) <= tol
    assert (plan["renter"] >= -tol).all() and (plan["afdrag"] >= -tol).all()


# -------------------------------------------------------------------------------- deponering ----
def test_deposit_released_by_one_25th_a_year() -> None:
    n = PS.value("deponering.frigivelse_aar")
    assert n == 25
    years = np.arange(0, 31)
    released = laan.deponering_frigivelse(2_500_000, years)
    assert released[0] == 0.0 and released[26:].tolist() == [0.0] * 5
    assert released[1:26].tolist() == [100_000.0] * 25
    assert released.sum() == pytest.approx(2_500_000)


def test_deposit_release_overrides_and_parameters() -> None:
    assert laan.deponering_frigivelse(1_000, [1, 10, 11], aar_i_alt=10).tolist() == [100.0, 100.0, 0.0]
    other = PS.with_value("deponering.frigivelse_aar", 2014, 20)
    assert laan.deponering_frigivelse(1_000, 20, params=other) == 50.0
    assert laan.deponering_frigivelse(1_000, 21, params=other) == 0.0
    out = laan.deponering_frigivelse(pd.Series([250.0, 500.0], index=["x", "y"]), 3)
    assert isinstance(out, pd.Series) and out.tolist() == [10.0, 20.0]


@pytest.mark.parametrize(("args", "message"), [
    ((1_000, 1.5), "aar_nr: 1.5 .*whole year number"),
    ((1_000, -1), "aar_nr: -1.0"),
    ((-5, 1), "deponeret: -5.0"),
    ((1_000, 1, 0), "aar_i_alt: 0.0"),
])
def test_bad_deposit_input(args: tuple, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        laan.deponering_frigivelse(*args)


def test_short_leases_are_exempt() -> None:
    limit = PS.value("deponering.fritaget_op_til_aar")
    assert limit == 3
    assert laan.deponeringspligt(1_000_000, [1, 3, 3.01, 10]).tolist() == [0.0, 0.0, 1_000_000.0, 1_000_000.0]
    assert laan.deponeringspligt(1_000, 4, PS.with_value("deponering.fritaget_op_til_aar", 2014, 5)) == 0.0
    with pytest.raises(XlmodelError, match=r"lejeperiode_aar: -1.0"):
        laan.deponeringspligt(1_000, -1)
    with pytest.raises(XlmodelError, match=r"beloeb: None"):
        laan.deponeringspligt(None, 5)
