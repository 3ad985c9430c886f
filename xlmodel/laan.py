"""Municipal loans (annuity loans) and deposits for leases (DOMAIN.md §6).

Municipal loans are annuity loans: a level payment (ydelse) per period that covers the
period's interest (renter) on the outstanding debt and the rest as repayment (afdrag)
[aftale: Aftale 2014, afsnit 3 og 6; lov: lånebekendtgørelsen].  The payment is
numpy-financial's ``pmt``; the interest and principal of a period are the numbers of its
``ipmt`` and ``ppmt``, computed as pay·(1 − v^m) and pay·v^m (v = 1/(1+r), m = periods left)
because ipmt/ppmt cancel badly for long loans at high rates (see ``_split``).  Below a rate of
1e-4 pct. the payment, too, is written with log1p/expm1 (npf.pmt cancels there).

Sign: numpy-financial returns a payment as a negative cash flow when the principal is
positive.  Here the borrower's outflows are POSITIVE: ``ydelse``, ``renter`` and ``afdrag``
of a loan of 1,000,000 kr. are positive numbers of kr. per period.  ``rente_pct`` is the
rate per period (3 = 3 pct.; for quarterly payments give the quarterly rate).

Deposits (deponering) tied to new lease and rental agreements are released by 1/25 a year
from the time the asset is taken into use; leases of up to 3 years are exempt
[aftale: Aftale 2014, afsnit 7 (Kommunernes låne- og deponeringsregler)].  The 25 and the 3
are the parameters ``deponering.frigivelse_aar`` and ``deponering.fritaget_op_til_aar``.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pandas as pd

from xlmodel._inputs import ArrayLike, broadcast, choose, finite_result, like, number, numbers
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve

__all__ = ["afdrag", "amortisering", "deponering_frigivelse", "deponeringspligt", "renter", "ydelse"]




def _loan(hovedstol: ArrayLike, rente_pct: ArrayLike, perioder: ArrayLike) -> list[np.ndarray]:
    principal = numbers(hovedstol, "hovedstol", minimum=0, allowed="a loan amount ≥ 0")
    rate = numbers(rente_pct, "rente_pct", allowed="a rate per period in pct. above -100 (3 means 3 pct.)")
    if np.any(rate <= -100):
        raise XlmodelError("rente_pct", float(rate[rate <= -100].ravel()[0]),
                           "a rate per period in pct. above -100 (3 means 3 pct.)")
    count = numbers(perioder, "perioder", minimum=1, integer=True, allowed="a whole number of periods ≥ 1")
    return broadcast(("hovedstol", principal), ("rente_pct", rate / 100.0), ("perioder", count))


def _period(periode: ArrayLike, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    per = numbers(periode, "periode", minimum=1, integer=True, allowed="a whole period from 1 to perioder")
    per, count = broadcast(("periode", per), ("perioder", count))
    if np.any(per > count):
        bad = per > count
        raise XlmodelError("periode", float(per[bad].ravel()[0]),
                           f"a whole period from 1 to perioder ({int(count[bad].ravel()[0])})")
    return per, count


# npf.pmt divides by (1+r)^n − 1, which cancels for tiny rates (NaN when 1 + r == 1).
# For 0 < |r| < this (as a fraction; 1e-4 pct.) the payment is H / a(n) written with log1p/expm1.
_NPF_MIN_RATE = 1e-6


def _annuity_factor(rate: np.ndarray, count: np.ndarray) -> np.ndarray:
    """a(n) = Σ_{t=1..n} (1+r)^−t = (1 − (1+r)^−n)/r without cancellation; n when r == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate == 0.0, count, -np.expm1(-count * np.log1p(rate)) / rate)


def _pmt(rate: np.ndarray, count: np.ndarray, principal: np.ndarray) -> np.ndarray:
    """The level payment: numpy-financial's pmt (sign flipped), H / a(n) for tiny rates."""
    tiny = (rate != 0.0) & (np.abs(rate) < _NPF_MIN_RATE)
    with np.errstate(divide="ignore", invalid="ignore"):  # npf's rate == 0 branch
        exact = -npf.pmt(rate, count, principal)
        stable = principal / _annuity_factor(rate, count)
    return np.where(tiny, stable, exact) + 0.0


def _split(rate: np.ndarray, per: np.ndarray, count: np.ndarray,
           principal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(renter, afdrag) of period ``per``: pay·(1 − v^m) and pay·v^m, v = 1/(1+r), m = n − per + 1.

    The debt before the period is pay·a(m), so its interest is r·pay·a(m) = pay·(1 − v^m): the
    same numbers as npf.ipmt/ppmt, which instead form H(1+r)^(per−1) − pay·((1+r)^(per−1) − 1)/r
    and cancel badly when (1+r)^n is large (360 periods at 10 pct.: ppmt's principals miss a
    1 mio. loan by about 22,000 kr.).  Tests check agreement with npf on ordinary loans.
    """
    pay = _pmt(rate, count, principal)
    left = -(count - per + 1.0) * np.log1p(rate)
    return -pay * np.expm1(left) + 0.0, pay * np.exp(left)


def ydelse(hovedstol: ArrayLike, rente_pct: ArrayLike, perioder: ArrayLike) -> ArrayLike:
    """The level payment per period of an annuity loan (positive = the borrower pays).

    Rule: −pmt(r, n, H), i.e. H·r/(1 − (1+r)^−n), or H/n at a zero rate [lov: lånebekendtgørelsen].

    >>> round(ydelse(1_000_000, 3, 25), 2)
    57427.87
    >>> ydelse(1_000, 0, 4)
    250.0
    """
    principal, rate, count = _loan(hovedstol, rente_pct, perioder)
    return like(finite_result(_pmt(rate, count, principal), "rente_pct"), hovedstol, rente_pct, perioder)


def renter(hovedstol: ArrayLike, rente_pct: ArrayLike, perioder: ArrayLike, periode: ArrayLike) -> ArrayLike:
    """Interest paid in period ``periode`` (1 = the first) of an annuity loan (= −npf.ipmt).

    >>> round(renter(1_000_000, 3, 25, 1), 2)      # 3 pct. of the full principal
    30000.0
    """
    principal, rate, count = _loan(hovedstol, rente_pct, perioder)
    per, count = _period(periode, count)
    principal, rate, _ = broadcast(("hovedstol", principal), ("rente_pct", rate), ("periode", per))
    return like(finite_result(_split(rate, per, count, principal)[0], "rente_pct"), hovedstol, rente_pct,
                perioder, periode)


def afdrag(hovedstol: ArrayLike, rente_pct: ArrayLike, perioder: ArrayLike, periode: ArrayLike) -> ArrayLike:
    """Repayment of principal in period ``periode`` of an annuity loan (= −npf.ppmt = ydelse − renter).

    >>> round(afdrag(1_000_000, 3, 25, 1), 2)
    27427.87
    """
    principal, rate, count = _loan(hovedstol, rente_pct, perioder)
    per, count = _period(periode, count)
    principal, rate, _ = broadcast(("hovedstol", principal), ("rente_pct", rate), ("periode", per))
    return like(finite_result(_split(rate, per, count, principal)[1], "rente_pct"), hovedstol, rente_pct,
                perioder, periode)


_MAX_SCHEDULE = 100_000  # a schedule is a table: 100,000 periods is far beyond any municipal loan


def amortisering(hovedstol: float, rente_pct: float, perioder: int) -> pd.DataFrame:
    """The whole repayment schedule of one annuity loan.

    Columns: periode (1..n), ydelse, renter, afdrag, restgaeld (debt after the period's
    payment = ydelse × a(periods left), so the last is 0).  ydelse = renter + afdrag in every
    period, and the afdrag sum to the principal up to floating-point rounding.

    >>> amortisering(1_000, 10, 2).round(2)
       periode  ydelse  renter  afdrag  restgaeld
    0        1  576.19  100.00  476.19     523.81
    1        2  576.19   52.38  523.81       0.00
    """
    principal, rate, count = _loan(hovedstol, rente_pct, perioder)
    if principal.ndim or rate.ndim or count.ndim:
        raise XlmodelError("hovedstol", f"shape {principal.shape}",
                           "one loan (single numbers for hovedstol, rente_pct and perioder)")
    if float(count) > _MAX_SCHEDULE:
        raise XlmodelError("perioder", float(count), f"at most {_MAX_SCHEDULE} periods for a schedule")
    per = np.arange(1, int(count) + 1)
    payment = finite_result(_pmt(rate, count, principal), "rente_pct")
    interest, repaid = (finite_result(x, "rente_pct")
                        for x in _split(rate, per.astype(float), count, principal))
    return pd.DataFrame({
        "periode": per, "ydelse": np.full(per.shape, payment), "renter": interest, "afdrag": repaid,
        "restgaeld": payment * _annuity_factor(rate, count - per) + 0.0,  # pay × a(periods left)
    })


def _start_year(ps: ParameterSet, aar: ArrayLike | None, name: str) -> int:
    if aar is None:
        return ps._year(None)
    arr = number(aar, name, integer=True, minimum=1, maximum=9999, allowed="a whole year")
    if type(arr) is float:  # the scalar path
        return int(arr)
    if arr.ndim:
        raise XlmodelError(name, arr.tolist(), "one whole year")
    return int(arr)


def deponering_frigivelse(deponeret: ArrayLike, aar_nr: ArrayLike, aar_i_alt: ArrayLike | None = None,
                          params: str | ParameterSet | None = None,
                          ibrugtagning_aar: ArrayLike | None = None) -> ArrayLike:
    """The part of a lease deposit released in year ``aar_nr`` after the asset is taken into use.

    Rule: deponeret / 25 in each of the years 1..25 (year 1 = the year of ibrugtagning),
    0 before (``aar_nr`` = 0) and after [aftale: Aftale 2014, afsnit 7: "med en femogtyvendedel
    årligt" fra ibrugtagning; 25 = ``deponering.frigivelse_aar``, ``aar_i_alt`` overrides it].
    A deposit keeps the rule of the year its asset was taken into use (``ibrugtagning_aar``,
    default the set's budget year; the rule applies "fremadrettet", so a year before the 2014
    rule is an error): a later agreement's release period never changes an earlier deposit's.

    >>> deponering_frigivelse(2_500_000, [0, 1, 25, 26]).tolist()
    [0.0, 100000.0, 100000.0, 0.0]
    """
    amount = number(deponeret, "deponeret", minimum=0, allowed="a deposited amount ≥ 0")
    year = number(aar_nr, "aar_nr", minimum=0, integer=True,
                  allowed="a whole year number ≥ 0 (1 = the year of ibrugtagning)")
    ps = resolve(params)
    start = _start_year(ps, ibrugtagning_aar, "ibrugtagning_aar")
    span = ps.value("deponering.frigivelse_aar", start) if aar_i_alt is None else aar_i_alt
    span_arr = number(span, "aar_i_alt", minimum=1, integer=True, allowed="a whole number of years ≥ 1")
    amount, year, span_arr = broadcast(("deponeret", amount), ("aar_nr", year), ("aar_i_alt", span_arr))
    released = choose((year >= 1) & (year <= span_arr), amount / span_arr, 0.0)
    templates = (deponeret, aar_nr) if aar_i_alt is None else (deponeret, aar_nr, aar_i_alt)
    return like(released, *templates)


def deponeringspligt(beloeb: ArrayLike, lejeperiode_aar: ArrayLike,
                     params: str | ParameterSet | None = None, aar: ArrayLike | None = None) -> ArrayLike:
    """The amount to deposit for a lease: 0 when the lease runs ≤ 3 years, else ``beloeb``.

    Rule: "generel adgang til deponeringsfritagelse ved kortvarige tidsbegrænsede aftaler om
    leje og leasing i op til 3 år" [aftale: Aftale 2014, afsnit 7; 3 =
    ``deponering.fritaget_op_til_aar``].  ``beloeb`` is the amount the lending rules would
    otherwise require deposited.

    >>> deponeringspligt(1_000_000, [3, 3.5]).tolist()
    [0.0, 1000000.0]
    """
    amount = numbers(beloeb, "beloeb", minimum=0, allowed="an amount ≥ 0")
    term = numbers(lejeperiode_aar, "lejeperiode_aar", minimum=0, allowed="a lease term in years ≥ 0")
    ps = resolve(params)
    limit = float(ps.value("deponering.fritaget_op_til_aar", _start_year(ps, aar, "aar")))
    amount, term = broadcast(("beloeb", amount), ("lejeperiode_aar", term))
    return like(np.where(term <= limit, 0.0, amount), beloeb, lejeperiode_aar)
