"""Skattegrundlag: statsgaranti, selvbudgettering, udskrivningsprocent and grundskyldsloft.

All rates in percent.  Amounts in any unit (kr. or mio. kr.) as long as the inputs agree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from xlmodel._inputs import (
    ArrayLike,
    broadcast,
    ceil,
    choose,
    finite_result,
    like,
    maximum,
    minimum,
    number,
    numbers,
    rounded,
    sign,
    year,
)
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve

Params = str | ParameterSet | None


#: What a tax rate in percent may be: strictly between 0 and 100 (the one statement of the check).
_RATE = {"allowed": "a tax rate in percent, above 0 and below 100",
         "minimum": float(np.nextafter(0, 1)), "maximum": float(np.nextafter(100, 0))}
#: The smallest positive float: "above 0" as a minimum.
_TINY = float(np.nextafter(0, 1))


def _rate(value: ArrayLike, name: str) -> np.ndarray:
    return numbers(value, name, **_RATE)  # type: ignore[arg-type]


def _rate1(value: ArrayLike, name: str) -> float | np.ndarray:
    """:func:`_rate` with the scalar path (:func:`~xlmodel._inputs.number`): a float for one value."""
    return number(value, name, **_RATE)  # type: ignore[arg-type]


def _year(budgetaar: ArrayLike, ps: ParameterSet | None = None, name: str = "budgetaar") -> int:
    """One whole year; None → the active parameter set's budget year (no year literal in code)."""
    if budgetaar is None:
        if ps is None or ps.budget_year is None:
            raise XlmodelError(name, None, "a whole year", detail="the parameter set has no budget year")
        return ps.budget_year
    arr = year(budgetaar, name)
    if type(arr) is int:  # the scalar path
        return arr
    if arr.ndim:
        raise XlmodelError(name, arr.tolist(), "one budget year")
    return int(arr)


def garanti_basisaar(budgetaar: int | None = None, params: Params = None) -> int:
    """The base year of the statsgaranti: budgetaar − 3 [lov: kommuneskatteloven § 7].

    ``budgetaar`` defaults to the parameter set's budget year.

    >>> garanti_basisaar(2014)
    2011
    """
    ps = resolve(params)
    year = _year(budgetaar, ps)
    return year - int(ps.value("skat.garanti_basisaar_forskydning", year))


def statsgaranti_grundlag(grundlag_basisaar: ArrayLike, budgetaar: int | None = None,
                          params: Params = None) -> ArrayLike:
    """State-guaranteed udskrivningsgrundlag = base-year grundlag × (1 + fremskrivningsprocent/100).

    Rule [aftale, boks 1; lov: kommuneskatteloven § 7]: for 2014 the corrected
    beregningsgrundlag of 2011 is projected by 11.4 pct.  ``budgetaar`` defaults to the
    parameter set's budget year.

    >>> round(statsgaranti_grundlag(1_000, 2014), 6)
    1114.0
    """
    ps = resolve(params)
    year = _year(budgetaar, ps)
    base = number(grundlag_basisaar, "grundlag_basisaar", minimum=0)
    f = ps.value("skat.fremskrivningsprocent", year)
    return like(base * (1 + f / 100), grundlag_basisaar)


def skatteprovenu(udskrivningsgrundlag: ArrayLike, udskrivningsprocent: ArrayLike) -> ArrayLike:
    """Tax revenue = udskrivningsgrundlag × udskrivningsprocent / 100 [lov].

    >>> skatteprovenu(1_000_000, 25.0)
    250000.0
    """
    base = number(udskrivningsgrundlag, "udskrivningsgrundlag", minimum=0)
    rate = _rate1(udskrivningsprocent, "udskrivningsprocent")
    base, rate = broadcast(("udskrivningsgrundlag", base), ("udskrivningsprocent", rate))
    return like(finite_result(base * rate / 100, "udskrivningsgrundlag"), udskrivningsgrundlag,
                udskrivningsprocent)


def maanedlig_udbetaling(udskrivningsgrundlag: ArrayLike, udskrivningsprocent: ArrayLike,
                         params: Params = None, aar: int | None = None) -> ArrayLike:
    """The revenue is paid as 12 equal monthly amounts [lov: kommuneskatteloven § 15 stk. 1].

    >>> maanedlig_udbetaling(1_200_000, 25.0)
    25000.0
    """
    ps = resolve(params)
    n = ps.value("skat.udbetalinger_pr_aar", _year(aar, ps, "aar"))
    return like(np.asarray(skatteprovenu(udskrivningsgrundlag, udskrivningsprocent)) / n,
                udskrivningsgrundlag, udskrivningsprocent)


def udskrivningsprocent(provenu: ArrayLike, udskrivningsgrundlag: ArrayLike,
                        params: Params = None, aar: int | None = None) -> ArrayLike:
    """The rate a budget needs, carried at one decimal and rounded UP [lov: kommuneskatteloven § 6].

    Float noise is removed before rounding (an exact 24.9 stays 24.9).

    >>> udskrivningsprocent(249, 1000), udskrivningsprocent(249.0001, 1000)
    (24.9, 25.0)
    """
    ps = resolve(params)
    digits = int(ps.value("skat.udskrivningsprocent_decimaler", _year(aar, ps, "aar")))
    rev = number(provenu, "provenu", minimum=0)
    base = number(udskrivningsgrundlag, "udskrivningsgrundlag", minimum=_TINY, allowed="a tax base above 0")
    rev, base = broadcast(("provenu", rev), ("udskrivningsgrundlag", base))
    scaled = finite_result(rev / base * 100 * 10**digits, "provenu")
    nearest = rounded(scaled)  # float noise (relative 1e-9) must not round a whole tenth up
    noise = minimum(1e-9 * maximum(1.0, abs(scaled)), 1e-6)
    scaled = choose(abs(scaled - nearest) <= noise, nearest, scaled)
    return like(ceil(scaled) / 10**digits, provenu, udskrivningsgrundlag)


def efterregulering(selvbudgetteret_grundlag: ArrayLike, opgjort_grundlag: ArrayLike,
                    udskrivningsprocent: ArrayLike) -> ArrayLike:
    """Final tax on the actual base − the payments made on the self-budgeted base.

    Positive: the municipality receives; negative: it pays back [lov: kommuneskatteloven § 16].

    >>> efterregulering(1_000_000, 980_000, 25.0)
    -5000.0
    """
    budget = number(selvbudgetteret_grundlag, "selvbudgetteret_grundlag", minimum=0)
    actual = number(opgjort_grundlag, "opgjort_grundlag", minimum=0)
    rate = _rate1(udskrivningsprocent, "udskrivningsprocent")
    budget, actual, rate = broadcast(("selvbudgetteret_grundlag", budget), ("opgjort_grundlag", actual),
                                     ("udskrivningsprocent", rate))
    return like(finite_result((actual - budget) * rate / 100, "opgjort_grundlag"), selvbudgetteret_grundlag,
                opgjort_grundlag, udskrivningsprocent)


def efterregulering_tillaeg(efterregulering: ArrayLike, udbetalt: ArrayLike, diskonto_pct: ArrayLike,
                            efterregulering_udligning: ArrayLike = 0.0, params: Params = None,
                            aar: int | None = None) -> ArrayLike:
    """Surcharge on the part of the combined efterregulering beyond 3 pct. of the payments.

    Rule [lov: kommuneskatteloven § 16 stk. 3]: the tax efterregulering *with* the
    efterregulering of tilskud og udligning (udligningsloven) is compared with 3 pct. of the
    sum paid to the municipality under § 15 (``udbetalt``); the part beyond carries a surcharge
    of 3 × Nationalbankens diskonto **on 1 July of the year before the calendar year** (for
    the 2014 efterregulering: the diskonto of 1 July 2013).  The 3 and the 3 pct. are
    ``skat.efterregulering_tillaeg_faktor`` and ``skat.efterregulering_fri_graense``.
    Our reading [antagelse]: the surcharge follows the combined amount's sign (it adds to what
    is paid or received) and is computed on |E_skat + E_udligning| − 3 % × udbetalt when positive.

    Worked example (illustrative, kr.): tax −50m and udligning +30m on payments of 1,000m:
    |−20m| is inside the 30m free band → no surcharge; the tax alone (−50m) is 20m beyond it →
    20m × 3 × 0.2 pct. = −120,000.

    >>> efterregulering_tillaeg(-50e6, 1_000e6, 0.2, 30e6)
    0.0
    >>> round(efterregulering_tillaeg(-50e6, 1_000e6, 0.2), 6)
    -120000.0
    """
    ps = resolve(params)
    year = _year(aar, ps, "aar")
    free = ps.value("skat.efterregulering_fri_graense", year) / 100
    factor = ps.value("skat.efterregulering_tillaeg_faktor", year)
    e_tax = number(efterregulering, "efterregulering")
    e_udl = number(efterregulering_udligning, "efterregulering_udligning")
    paid = number(udbetalt, "udbetalt", minimum=0)
    rate = number(diskonto_pct, "diskonto_pct", minimum=-10, maximum=100)
    e_tax, e_udl, paid, rate = broadcast(("efterregulering", e_tax), ("efterregulering_udligning", e_udl),
                                         ("udbetalt", paid), ("diskonto_pct", rate))
    e = finite_result(e_tax + e_udl, "efterregulering")
    excess = maximum(0.0, abs(e) - free * paid)
    out = finite_result(sign(e) * excess * factor * rate / 100, "efterregulering")
    return like(out + 0.0, efterregulering, udbetalt, diskonto_pct, efterregulering_udligning)


def efterregulering_afregning(efterregulering: float, budgetaar: int | None = None,
                              params: Params = None) -> pd.DataFrame:
    """Settlement of one efterregulering: thirds in January, February, March of year t + 3.

    [lov: kommuneskatteloven § 16 stk. 2]; the last instalment takes the rounding so the sum is
    exact.  ``budgetaar`` (the calendar year regulated) defaults to the set's budget year.

    >>> efterregulering_afregning(-9_000, 2014)
        aar   maaned  beloeb
    0  2017   januar -3000.0
    1  2017  februar -3000.0
    2  2017    marts -3000.0
    """
    ps = resolve(params)
    year = _year(budgetaar, ps)
    amount = numbers(efterregulering, "efterregulering", allowed="one amount")
    if amount.ndim:
        raise XlmodelError("efterregulering", f"{amount.size} values", "one amount")
    e = float(amount)
    delay = int(ps.value("skat.efterregulering_forsinkelse", year))
    n = int(ps.value("skat.efterregulering_rater", year))
    months = ["januar", "februar", "marts", "april", "maj", "juni"][:n]
    parts = [e / n] * (n - 1)
    parts.append(e - math.fsum(parts))
    return pd.DataFrame({"aar": year + delay, "maaned": months, "beloeb": parts})


def selvbudget_gevinst(garanti_grundlag: ArrayLike, forventet_grundlag: ArrayLike,
                       udskrivningsprocent: ArrayLike, udligning_pct: ArrayLike | None = None,
                       params: Params = None, aar: int | None = None) -> ArrayLike:
    """Expected gain of selvbudgettering over statsgaranti (negative: statsgaranti is better).

    = (forventet − garanti) × udskrivningsprocent/100 × (1 − udligning_pct/100), where
    udligning_pct is the share of a tax-base difference that equalisation takes back: udligning
    follows the self-budgeted base [lov: udligningsloven § 24], so part of any gain is taken back
    [antagelse: parameter skat.selvbudget_udligning, default 58 = the landsudligning level].

    >>> selvbudget_gevinst(1_114, 1_150, 25.0)         # 36 × 25 pct. × (1 − 0.58)
    3.78
    >>> selvbudget_gevinst(1_114, 1_150, 25.0, udligning_pct=0)
    9.0
    >>> selvbudget_gevinst(1_114, 1_150, 25.0, udligning_pct=60)
    3.6
    """
    ps = resolve(params)
    if udligning_pct is None:
        udligning_pct = ps.value("skat.selvbudget_udligning", _year(aar, ps, "aar"))
    g = number(garanti_grundlag, "garanti_grundlag", minimum=0)
    f = number(forventet_grundlag, "forventet_grundlag", minimum=0)
    rate = _rate1(udskrivningsprocent, "udskrivningsprocent")
    u = number(udligning_pct, "udligning_pct", minimum=0, maximum=100)
    g, f, rate, u = broadcast(("garanti_grundlag", g), ("forventet_grundlag", f),
                              ("udskrivningsprocent", rate), ("udligning_pct", u))
    gain = finite_result((f - g) * rate / 100 * (1 - u / 100), "forventet_grundlag")
    return like(rounded(gain, 9), garanti_grundlag,
                forventet_grundlag, udskrivningsprocent)


def breakeven_vaekst(budgetaar: int | None = None, aarlig: bool = True, params: Params = None) -> float:
    """Growth of the tax base (base year → budget year) at which both choices give the same revenue.

    Total growth = the fremskrivningsprocent; per year = (1 + f)^(1/3) − 1, in pct.  Growth
    above it favours selvbudgettering (before the time value and risk of the efterregulering).

    >>> round(breakeven_vaekst(2014), 4), breakeven_vaekst(2014, aarlig=False)
    (3.6641, 11.4)
    """
    ps = resolve(params)
    year = _year(budgetaar, ps)
    f = ps.value("skat.fremskrivningsprocent", year)
    if not aarlig:
        return float(f)
    span = year - garanti_basisaar(year, ps)
    return float(((1 + f / 100) ** (1 / span) - 1) * 100)


def vaelg_budgetmodel(grundlag_basisaar: ArrayLike, forventet_vaekst_pct_aarlig: ArrayLike,
                      udskrivningsprocent: ArrayLike, budgetaar: int | None = None,
                      udligning_pct: ArrayLike | None = None, params: Params = None) -> pd.DataFrame:
    """Statsgaranti vs selvbudgettering per municipality, with the recommendation.

    forventet_grundlag = base × (1 + g/100)^(budgetaar − basisaar); the rest as
    :func:`selvbudget_gevinst`.  A Series input keeps its index.

    >>> vaelg_budgetmodel([1000, 1000], [3.0, 4.0], 25.0)[["gevinst", "anbefaling"]]
        gevinst        anbefaling
    0 -2.233665      statsgaranti
    1  1.140720  selvbudgettering
    """
    ps = resolve(params)
    year = _year(budgetaar, ps)
    base = numbers(grundlag_basisaar, "grundlag_basisaar", minimum=0)
    growth = numbers(forventet_vaekst_pct_aarlig, "forventet_vaekst_pct_aarlig", minimum=-100)
    rate = _rate(udskrivningsprocent, "udskrivningsprocent")
    base, growth, rate = np.broadcast_arrays(np.atleast_1d(base), np.atleast_1d(growth),
                                             np.atleast_1d(rate))
    span = year - garanti_basisaar(year, ps)
    garanti = np.asarray(statsgaranti_grundlag(base, year, ps))
    forventet = base * (1 + growth / 100) ** span
    gevinst = np.asarray(selvbudget_gevinst(garanti, forventet, rate, udligning_pct, ps, aar=year))
    index = next((x.index for x in (grundlag_basisaar, forventet_vaekst_pct_aarlig, udskrivningsprocent)
                  if isinstance(x, pd.Series)), None)
    return pd.DataFrame({
        "garanti_grundlag": garanti, "forventet_grundlag": forventet,
        "provenu_garanti": garanti * rate / 100, "provenu_selvbudget": forventet * rate / 100,
        "gevinst": gevinst,
        "anbefaling": np.where(gevinst > 0, "selvbudgettering", "statsgaranti"),
    }, index=index)


def grundskyld_reguleringsprocent(skoennet_vaekst_pct: ArrayLike, params: Params = None,
                                  aar: int | None = None) -> ArrayLike:
    """Reguleringsprocent for the loft = estimated tax-base growth + 3 points, at most 7 pct.

    [lov: ejendomsskatteloven § 1]

    >>> grundskyld_reguleringsprocent(3.3), grundskyld_reguleringsprocent(5.0)
    (6.3, 7.0)
    """
    ps = resolve(params)
    year = _year(aar, ps, "aar")
    add = ps.value("grundskyld.reguleringsprocent_tillaeg", year)
    cap = ps.value("grundskyld.reguleringsprocent_max", year)
    g = numbers(skoennet_vaekst_pct, "skoennet_vaekst_pct", minimum=-100,
                allowed="an estimated growth in pct. ≥ -100")
    return like(np.round(np.minimum(g + add, cap), 9), skoennet_vaekst_pct)


def grundskyld_grundlag(grundvaerdi: ArrayLike, forrige_grundlag: ArrayLike,
                        reguleringsprocent: ArrayLike | None = None, params: Params = None,
                        aar: int | None = None) -> ArrayLike:
    """Afgiftsgrundlag after the loft: min(grundværdi, last year's grundlag × (1 + r/100)).

    r defaults to the parameter set's reguleringsprocent for ``aar`` (6.3 pct. for 2014);
    ``aar`` defaults to the set's budget year [aftale, boks 1; lov: ejendomsskatteloven § 1].

    >>> grundskyld_grundlag(1_200_000, 1_000_000)
    1063000.0
    >>> grundskyld_grundlag(1_050_000, 1_000_000)
    1050000.0
    """
    ps = resolve(params)
    year = _year(aar, ps, "aar")
    cap = ps.value("grundskyld.reguleringsprocent_max", year)
    if reguleringsprocent is None:
        reguleringsprocent = ps.value("grundskyld.reguleringsprocent", year)
    r = number(reguleringsprocent, "reguleringsprocent", minimum=-100, maximum=cap,
               allowed=f"a percentage ≤ the legal maximum {cap:g} pct.")
    value = number(grundvaerdi, "grundvaerdi", minimum=0)
    previous = number(forrige_grundlag, "forrige_grundlag", minimum=0)
    value, previous, r = broadcast(("grundvaerdi", value), ("forrige_grundlag", previous),
                                   ("reguleringsprocent", r))
    return like(rounded(minimum(value, previous * (1 + r / 100)), 6), grundvaerdi, forrige_grundlag)
