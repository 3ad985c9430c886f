"""Budget year + 3 overslagsår: statsgaranti vs selvbudgettering, the efterregulering and the decision.

One municipality (scalars) or all 98 at once (1-D arrays, municipalities last); the decision
functions also take scenarios × municipalities.  Every rule is called from where it lives:
the statsgaranti, revenue, efterregulering and its surcharge from :mod:`xlmodel.skat`, the
multi-year schemes from :mod:`xlmodel.bloktilskud` and the parameter set's vintages, PL from
:mod:`xlmodel.pl`.  This module only puts them in years.

Rates for the overslagsår (KL's June skøn) are parameters of the set (``overslag.*``, each an
[antagelse] the user replaces with KL's figure); a year without a rate is an error naming the
year, never 0.

Tilskud og udligning enter through one hook, a callable ``udligning(aar, grundlag, indbyggere)``
returning tilskud og udligning per municipality for that year (positive = received).  The default,
:func:`lineaer_udligning`, is the marginal rule of ``skat.selvbudget_udligning`` (equalisation takes
back a share of a tax-base difference) plus an optional amount per inhabitant; it gives the
*change* against a zero level, so only differences between the two choices are meaningful.
:func:`xlmodel.udligning` (when present) gives the full table.

Sign convention: positive = the municipality receives.  Amounts in the caller's unit.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlmodel import bloktilskud as bt
from xlmodel import pl, skat
from xlmodel._inputs import ArrayLike, finite_result, numbers
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve

Params = str | ParameterSet | None
#: hook(aar, grundlag, indbyggere) -> tilskud og udligning (same shape as grundlag)
Udligning = Callable[[int, np.ndarray, np.ndarray], np.ndarray]

#: Budget year + 3 overslagsår [lov: lov om kommunernes styrelse § 38 stk. 1 (flerårige budgetoverslag)].
OVERSLAGSAAR = 3

__all__ = [
    "OVERSLAGSAAR",
    "Overslag",
    "aarraekke",
    "breakeven_vaekst",
    "efterregulering_kalender",
    "efterregulering_kalender_tabel",
    "egen_grundlag",
    "garanti_grundlag",
    "lineaer_udligning",
    "loebende_priser",
    "ordninger",
    "overslag_skat_tabel",
    "pl_faktorer",
    "projektion",
    "selvbudget_beregning",
    "selvbudget_beregning_tabel",
    "selvbudget_risiko",
    "selvbudget_risiko_tabel",
    "skat_projektion",
]


# ----------------------------------------------------------------------------- years and rates ----
def aarraekke(budgetaar: int | None = None, params: Params = None) -> list[int]:
    """The budget year and the three overslagsår; ``budgetaar`` defaults to the set's budget year.

    >>> aarraekke(2014)
    [2014, 2015, 2016, 2017]
    """
    ps = resolve(params)
    year = _budget_year(budgetaar, ps)
    return [year + k for k in range(OVERSLAGSAAR + 1)]


def _budget_year(budgetaar: int | None, ps: ParameterSet) -> int:
    """One budget year inside the set's horizon (None → its budget year), else an error naming it."""
    year = skat._year(budgetaar, ps)
    lo, hi = ps.horizon
    if not lo <= year <= hi:
        raise XlmodelError("budgetaar", year, f"a year in {lo}–{hi}",
                           detail=f"outside parameter set {ps.name}")
    return year


def _skoen(ps: ParameterSet, name: str, year: int, budgetaar: int | None = None) -> float:
    """A rate for one overslagsår; a missing year is an error naming the budget year, the
    overslagsår and the parameter (never 0)."""
    try:
        return float(ps.value(name, year))
    except XlmodelError as exc:
        if exc.args and "aar" not in str(exc):
            raise
        raise XlmodelError(
            "budgetaar",
            year if budgetaar is None else budgetaar,
            f"a budget year whose overslagsår have a rate {name} (KL's skøn; set it in the parameter set)",
            detail=f"no {name} for {year} in {ps.name}",
        ) from exc


def _per_year(
    value: ArrayLike | None, name: str, years: list[int], ps: ParameterSet, default: str
) -> np.ndarray:
    """A per-year rate: None → the set's value for each year; else broadcast on the years axis (last)."""
    if value is None:
        return np.array([_skoen(ps, default, y, years[0]) for y in years])
    arr = numbers(value, name, minimum=-100, allowed="a growth rate in pct. above -100, one or one per year")
    if arr.ndim and arr.shape[-1] not in (1, len(years)):
        raise XlmodelError(
            name,
            f"{arr.shape[-1]} values per municipality",
            f"one rate, or one per year ({len(years)}: {years[0]}–{years[-1]})",
        )
    return arr


def garanti_grundlag(
    grundlag_basisaar: ArrayLike, budgetaar: int | None = None, params: Params = None
) -> np.ndarray:
    """The state-guaranteed udskrivningsgrundlag for the budget year and each overslagsår.

    Budget year: :func:`xlmodel.skat.statsgaranti_grundlag` [lov: kommuneskatteloven § 7].
    Overslagsår: the previous year × (1 + ``overslag.garanti_vaekst``/100) — the guarantee of an
    overslagsår is set only the year before, so this is KL's skøn [antagelse].  Years on the last axis.

    >>> garanti_grundlag(1_000, 2014).round(3).tolist()
    [1114.0, 1155.218, 1197.961, 1242.286]
    """
    ps = resolve(params)
    years = aarraekke(budgetaar, ps)
    base = numbers(grundlag_basisaar, "grundlag_basisaar", minimum=0)
    try:
        first = np.asarray(skat.statsgaranti_grundlag(base, years[0], ps), dtype=float)
    except XlmodelError as exc:  # the budget year has no fremskrivningsprocent: name the argument
        if getattr(exc, "argument", None) != "aar":
            raise
        raise XlmodelError("budgetaar", years[0], exc.allowed, detail=exc.detail) from exc
    growth = np.array(
        [1.0] + [1 + _skoen(ps, "overslag.garanti_vaekst", y, years[0]) / 100 for y in years[1:]]
    )
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(first[..., None] * np.cumprod(growth), "grundlag_basisaar")


def egen_grundlag(
    grundlag_basisaar: ArrayLike,
    vaekst_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> np.ndarray:
    """The municipality's own udskrivningsgrundlag: base year grown at its own rates.

    Budget year: base × (1 + g₀/100)^(budgetaar − basisaar) (g₀ = annual growth from the
    statsgaranti's base year); overslagsår: previous year × (1 + g_k/100).  ``vaekst_pct``: one
    rate, one per year (last axis), or per municipality × year; None → ``overslag.grundlag_vaekst``.

    >>> egen_grundlag(1_000, 4.0, 2014).round(3).tolist()
    [1124.864, 1169.859, 1216.653, 1265.319]
    """
    ps = resolve(params)
    years = aarraekke(budgetaar, ps)
    base = numbers(grundlag_basisaar, "grundlag_basisaar", minimum=0)
    g = _per_year(vaekst_pct, "vaekst_pct", years, ps, "overslag.grundlag_vaekst")
    g = np.broadcast_to(g, np.broadcast_shapes(g.shape, (len(years),)) if g.ndim else (len(years),))
    span = years[0] - skat.garanti_basisaar(years[0], ps)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by name below
        steps = np.concatenate([(1 + g[..., :1] / 100) ** span, 1 + g[..., 1:] / 100], axis=-1)
        growth = finite_result(np.cumprod(steps, axis=-1), "vaekst_pct")
        return finite_result(np.asarray(base)[..., None] * growth, "grundlag_basisaar")


def pl_faktorer(
    fra_aar: int, budgetaar: int | None = None, serie: str = "service", params: Params = None
) -> np.ndarray:
    """PL factor from ``fra_aar``-pl to each year's current prices (budget year + overslagsår).

    Up to the budget year :func:`xlmodel.pl.faktor` (the agreement's rates); after it chained with
    ``overslag.pl`` (KL's skøn) [aftale, boks 1; antagelse: overslagsår].

    >>> pl_faktorer(2014, 2014).round(6).tolist()
    [1.0, 1.02, 1.0404, 1.061208]
    """
    ps = resolve(params)
    years = aarraekke(budgetaar, ps)
    first = float(pl.faktor(fra_aar, years[0], serie, ps))
    steps = [1.0] + [1 + _skoen(ps, "overslag.pl", y, years[0]) / 100 for y in years[1:]]
    return first * np.cumprod(steps)


def loebende_priser(
    beloeb: ArrayLike,
    fra_aar: int,
    budgetaar: int | None = None,
    serie: str = "service",
    params: Params = None,
) -> np.ndarray:
    """An amount in ``fra_aar``-pl in each year's current prices (years on the last axis).

    >>> loebende_priser(100, 2013, 2014).round(4).tolist()
    [101.3, 103.326, 105.3925, 107.5004]
    """
    amount = numbers(beloeb, "beloeb")
    return amount[..., None] * pl_faktorer(fra_aar, budgetaar, serie, params)


# ------------------------------------------------------------------------------- udligning hook ----
def lineaer_udligning(
    udskrivningsprocent: ArrayLike,
    udligning_pct: ArrayLike | None = None,
    tilskud_pr_indbygger: ArrayLike = 0.0,
    params: Params = None,
) -> Udligning:
    """The default hook: the marginal rule of tilskud og udligning in a tax-base difference.

    tilskud(aar, grundlag, N) = −u/100 × grundlag × udskrivningsprocent/100 + tilskud_pr_indbygger × N,
    u = ``skat.selvbudget_udligning`` (58 pct. [antagelse]) [lov: udligningsloven § 24: a
    selvbudgetterende municipality's tilskud og udligning follow its own figures].  A level
    against zero: only differences between the choices mean anything.

    >>> hook = lineaer_udligning(25.0, 58.0, 10.0)
    >>> hook(2014, np.array([1_000.0]), np.array([2.0])).round(6).tolist()
    [-125.0]
    """
    ps = resolve(params)
    rate = skat._rate(udskrivningsprocent, "udskrivningsprocent")
    per_head = numbers(tilskud_pr_indbygger, "tilskud_pr_indbygger")

    def hook(aar: int, grundlag: np.ndarray, indbyggere: np.ndarray) -> np.ndarray:
        u = ps.value("skat.selvbudget_udligning", aar) if udligning_pct is None else udligning_pct
        share = numbers(u, "udligning_pct", minimum=0, maximum=100) / 100
        return -share * grundlag * rate / 100 + per_head * indbyggere

    return hook


def udligning_hook(
    udgiftsbehov: ArrayLike,
    hovedstad: ArrayLike,
    selskabsskat: ArrayLike,
    grundvaerdier: ArrayLike,
    bloktilskud_i_alt: ArrayLike | dict[int, float] | None = None,
    udgiftsbehov_hovedstad: ArrayLike | None = None,
    params: Params = None,
) -> Udligning:
    """The hook from :mod:`xlmodel.udligning` (issue 12): the whole table's total for all municipalities.

    hook(aar, grundlag, indbyggere) = ``udligning.beregn(...)["i_alt"]`` with the beskatningsgrundlag
    :func:`xlmodel.udligning.beskatningsgrundlag` of the year's udskrivningsgrundlag (garanti or own,
    udligningsloven § 24) and land values; the other inputs held at the given level in every year
    [antagelse: no projection of udgiftsbehov and selskabsskat].  All municipalities must be given
    (the equalisation compares each with the country).  The year's rates come from the parameter
    set; a year the set has no rate for is an error naming it.  ``bloktilskud_i_alt``: one amount,
    or one per year ``{aar: mio. kr.}`` (the overslagsår's grant is KL's skøn; the 2014 set states
    only 2014's, ``bloktilskud.paragraf14``).

    >>> from xlmodel import udligning
    >>> d = udligning.eksempeldata()
    >>> hook = udligning_hook(d["udgiftsbehov"], d["hovedstad"], d["selskabsskat"], d["grundvaerdier"],
    ...                       udgiftsbehov_hovedstad=d["udgiftsbehov_hovedstad"])
    >>> t = hook(2014, d["udskrivningsgrundlag"].to_numpy(), d["indbyggere"].to_numpy())
    >>> t.shape, round(float(t.sum()), 1)   # the § 14 grant of 2014 is distributed in full
    ((98,), 71453.7)
    >>> projektion(d["udskrivningsgrundlag"] / 1.114, d["udskrivningsprocent"], udligning=hook,
    ...            indbyggere=d["indbyggere"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: aar: 2015 is not allowed ...: 2014
    >>> hook = udligning_hook(d["udgiftsbehov"], d["hovedstad"], d["selskabsskat"], d["grundvaerdier"],
    ...                       {2014: 71453.7, 2015: 72000.0, 2016: 72500.0, 2017: 73000.0})
    >>> o = projektion(d["udskrivningsgrundlag"] / 1.114, d["udskrivningsprocent"], 4.0, udligning=hook,
    ...                indbyggere=d["indbyggere"])
    >>> o.udligning_garanti.sum(axis=0).round(1).tolist()
    [71453.7, 72000.0, 72500.0, 73000.0]
    """
    from xlmodel import udligning

    ps = resolve(params)

    def hook(aar: int, grundlag: np.ndarray, indbyggere: np.ndarray) -> np.ndarray:
        base = udligning.beskatningsgrundlag(grundlag, grundvaerdier, aar=aar, params=ps)
        if isinstance(bloktilskud_i_alt, dict):
            if aar not in bloktilskud_i_alt:
                raise XlmodelError("bloktilskud_i_alt", aar, f"a year given: {sorted(bloktilskud_i_alt)}")
            grant = bloktilskud_i_alt[aar]
        else:
            grant = bloktilskud_i_alt
        out = udligning.beregn(
            indbyggere,
            udgiftsbehov,
            base,
            hovedstad,
            selskabsskat,
            grant,
            udgiftsbehov_hovedstad=udgiftsbehov_hovedstad,
            aar=aar,
            params=ps,
        )
        return np.asarray(out["i_alt"], dtype=float)

    return hook


# ---------------------------------------------------------------------------------- projection ----
@dataclass(frozen=True)
class Overslag:
    """The projection: every array is (…, municipalities, years); ``aar`` the years."""

    aar: list[int]
    garanti_grundlag: np.ndarray
    egen_grundlag: np.ndarray
    faktisk_grundlag: np.ndarray
    skat_garanti: np.ndarray
    skat_selvbudget: np.ndarray
    udligning_garanti: np.ndarray
    udligning_selvbudget: np.ndarray
    efterregulering_skat: np.ndarray
    efterregulering_udligning: np.ndarray
    tillaeg: np.ndarray
    afregnet: np.ndarray
    ordninger: np.ndarray

    @property
    def i_alt_garanti(self) -> np.ndarray:
        """Tax + tilskud og udligning + schemes under statsgaranti, per year (cash)."""
        return self.skat_garanti + self.udligning_garanti + self.ordninger

    @property
    def i_alt_selvbudget(self) -> np.ndarray:
        """The same under selvbudgettering, with efterreguleringer in the year they are settled."""
        return self.skat_selvbudget + self.udligning_selvbudget + self.ordninger + self.afregnet

    def tabel(self) -> pd.DataFrame:
        """Long table: one row per municipality and year (kommune = position 0…n−1)."""
        shape = self.skat_garanti.shape
        n = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        cols = {
            k: getattr(self, k).reshape(n, -1).ravel()
            for k in (
                "garanti_grundlag",
                "egen_grundlag",
                "faktisk_grundlag",
                "skat_garanti",
                "skat_selvbudget",
                "udligning_garanti",
                "udligning_selvbudget",
                "efterregulering_skat",
                "efterregulering_udligning",
                "tillaeg",
                "afregnet",
                "ordninger",
                "i_alt_garanti",
                "i_alt_selvbudget",
            )
        }
        return pd.DataFrame(
            {"kommune": np.repeat(np.arange(n), len(self.aar)), "aar": np.tile(self.aar, n), **cols}
        )


def _years_axis(value: ArrayLike, name: str, shape: tuple[int, ...], minimum: float | None = 0) -> np.ndarray:
    arr = numbers(value, name, minimum=minimum)
    if arr.ndim and arr.shape[-1] == shape[-1] and arr.ndim == len(shape):
        return np.broadcast_to(arr, shape)
    return np.broadcast_to(arr[..., None] if arr.ndim else arr, shape)


def projektion(
    grundlag_basisaar: ArrayLike,
    udskrivningsprocent: ArrayLike,
    vaekst_pct: ArrayLike | None = None,
    faktisk_vaekst_pct: ArrayLike | None = None,
    indbyggere: ArrayLike = 0.0,
    indbyggere_egen: ArrayLike | None = None,
    indbyggere_faktisk: ArrayLike | None = None,
    udligning: Udligning | None = None,
    ordninger_beloeb: ArrayLike = 0.0,
    diskonto_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> Overslag:
    """Budget year + 3 overslagsår under statsgaranti and under selvbudgettering.

    - Statsgaranti: tax on :func:`garanti_grundlag`, tilskud og udligning on the guaranteed
      figures (``indbyggere``), final [lov: kommuneskatteloven § 7; udligningsloven].
    - Selvbudgettering: tax on the own base (:func:`egen_grundlag`, ``vaekst_pct``) and tilskud og
      udligning on own figures (``indbyggere_egen``); the actual outcome (``faktisk_vaekst_pct``,
      ``indbyggere_faktisk``; default = own) gives the efterregulering of tax
      (:func:`xlmodel.skat.efterregulering`) and of tilskud og udligning [udligningsloven § 24];
      the surcharge on the combined amount beyond 3 pct. of the payments is
      :func:`xlmodel.skat.efterregulering_tillaeg` [kommuneskatteloven § 16 stk. 3] with
      Nationalbankens diskonto (``overslag.diskonto``); all settled in year t + 3
      (``skat.efterregulering_forsinkelse``) — ``afregnet`` holds what lands inside the window.
    - ``ordninger_beloeb``: the multi-year schemes per year (e.g. :func:`ordninger`), same in both.

    Worked example (one municipality, base 1,000, rate 25 pct., own growth 4 pct. a year; the
    actual growth to 2014 is 3.6613 pct., so the 2014 base is 1,113.91 against the own 1,124.86;
    58 pct. taken back by equalisation; diskonto 0 → no surcharge): the 2014 efterregulering of
    tax −10.955 × 25 pct. = −2.74 and of udligning +0.58 × 2.74 = +1.59 lands in 2017 as −1.15.

    >>> o = projektion(1_000, 25.0, 4.0, faktisk_vaekst_pct=[3.6613, 4, 4, 4], budgetaar=2014)
    >>> o.skat_garanti.round(2).tolist(), o.skat_selvbudget.round(2).tolist()[:1]
    ([278.5, 288.8, 299.49, 310.57], [281.22])
    >>> round(float(o.efterregulering_skat[0]), 2), round(float(o.efterregulering_udligning[0]), 2)
    (-2.74, 1.59)
    >>> o.afregnet.round(2).tolist()
    [0.0, 0.0, 0.0, -1.15]
    """
    ps = resolve(params)
    years = aarraekke(budgetaar, ps)
    rate = skat._rate(udskrivningsprocent, "udskrivningsprocent")
    g = garanti_grundlag(grundlag_basisaar, years[0], ps)
    own = egen_grundlag(grundlag_basisaar, vaekst_pct, years[0], ps)
    actual = (
        own
        if faktisk_vaekst_pct is None
        else egen_grundlag(grundlag_basisaar, faktisk_vaekst_pct, years[0], ps)
    )
    shape = np.broadcast_shapes(
        g.shape, own.shape, actual.shape, np.shape(rate[..., None]) if rate.ndim else ()
    )
    g, own, actual = (np.broadcast_to(x, shape) for x in (g, own, actual))
    rate_y = np.broadcast_to(rate[..., None] if rate.ndim else rate, shape)
    n_g = _years_axis(indbyggere, "indbyggere", shape)
    n_own = n_g if indbyggere_egen is None else _years_axis(indbyggere_egen, "indbyggere_egen", shape)
    n_act = (
        n_own if indbyggere_faktisk is None else _years_axis(indbyggere_faktisk, "indbyggere_faktisk", shape)
    )
    hook = udligning if udligning is not None else lineaer_udligning(rate, params=ps)
    tax_g = np.asarray(skat.skatteprovenu(g, rate_y), dtype=float)
    tax_s = np.asarray(skat.skatteprovenu(own, rate_y), dtype=float)
    udl_g = np.stack([np.asarray(hook(y, g[..., k], n_g[..., k]), float) for k, y in enumerate(years)], -1)
    udl_s = np.stack(
        [np.asarray(hook(y, own[..., k], n_own[..., k]), float) for k, y in enumerate(years)], -1
    )
    udl_a = np.stack(
        [np.asarray(hook(y, actual[..., k], n_act[..., k]), float) for k, y in enumerate(years)], -1
    )
    e_tax = np.asarray(skat.efterregulering(own, actual, rate_y), dtype=float)
    e_udl = np.broadcast_to(udl_a - udl_s, shape)
    surcharge = np.stack(
        [
            np.asarray(
                skat.efterregulering_tillaeg(
                    e_tax[..., k],
                    tax_s[..., k],
                    _diskonto(ps, y) if diskonto_pct is None else diskonto_pct,
                    e_udl[..., k],
                    ps,
                    aar=y,
                ),
                float,
            )
            for k, y in enumerate(years)
        ],
        -1,
    )
    settled = np.zeros(shape)
    for k, y in enumerate(years):
        land = y + int(ps.value("skat.efterregulering_forsinkelse", y))
        if land in years:
            settled[..., years.index(land)] += e_tax[..., k] + e_udl[..., k] + surcharge[..., k]
    schemes = _years_axis(ordninger_beloeb, "ordninger_beloeb", shape, minimum=None)
    return Overslag(
        years,
        g,
        own,
        actual,
        tax_g,
        tax_s,
        udl_g,
        udl_s,
        e_tax,
        np.array(e_udl),
        surcharge,
        settled,
        np.array(schemes),
    )


def _diskonto(ps: ParameterSet, aar: int) -> float:
    """Nationalbankens diskonto on 1 July of the year before [kommuneskatteloven § 16 stk. 3]."""
    return float(ps.value("overslag.diskonto", aar - 1))


def skat_projektion(
    grundlag_basisaar: float,
    udskrivningsprocent: float,
    vaekst_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """One municipality's tax revenue per year under statsgaranti and selvbudgettering (OVERSLAG_SKAT).

    >>> print(skat_projektion(1_000, 25.0, 4.0, 2014).round(2).to_string())
        aar  garanti_grundlag  garanti_provenu  selvbudget_grundlag  selvbudget_provenu
    0  2014           1114.00           278.50              1124.86              281.22
    1  2015           1155.22           288.80              1169.86              292.46
    2  2016           1197.96           299.49              1216.65              304.16
    3  2017           1242.29           310.57              1265.32              316.33
    """
    base = numbers(grundlag_basisaar, "grundlag_basisaar", minimum=0)
    if base.ndim:
        raise XlmodelError("grundlag_basisaar", f"{base.size} values", "one municipality's base (one number)")
    o = projektion(base, udskrivningsprocent, vaekst_pct, budgetaar=budgetaar, params=params)
    return pd.DataFrame(
        {
            "aar": o.aar,
            "garanti_grundlag": o.garanti_grundlag,
            "garanti_provenu": o.skat_garanti,
            "selvbudget_grundlag": o.egen_grundlag,
            "selvbudget_provenu": o.skat_selvbudget,
        }
    )


# ------------------------------------------------------------------------ multi-year schemes ----
def ordninger(
    indbyggere: ArrayLike,
    budgetaar: int | None = None,
    provenutab: ArrayLike | None = None,
    indbyggere_i_alt: float | None = None,
    loebende: bool = True,
    params: Params = None,
    provenuaendring: ArrayLike | None = None,
    undtaget: ArrayLike | None = None,
    stigning_aar: int | None = None,
) -> pd.DataFrame:
    """The multi-year schemes for each year, by the year they started (mio. kr.).

    - skattenedsaettelse: :func:`xlmodel.bloktilskud.skattenedsaettelse_tilskud` of the cut made
      in the budget year (75/50/50/25 pct.) [aftale 2014, afsnit 3];
    - skolereform_ekstra: the 300/600/600/300 lift, scheme ``bloktilskud.skolereform_ekstra``
      that started in its vintage year, and skolereform_dut (204 → 407)
      [aftale 2014, afsnit 4] — both distributed by population
      (:func:`xlmodel.bloktilskud.fordel_efter_indbyggere`; ``indbyggere_i_alt`` = the country's
      population when not all municipalities are given);
    - skattestigning: minus the grant reduction for a tax increase (``provenuaendring``, mio. kr. a
      year, made in ``stigning_aar``, default the budget year) by
      :func:`xlmodel.bloktilskud.skattestigning_regulering` with ``aar_nr`` = year − stigning_aar:
      individual 75/50/50/25 pct. in years 0–3, from year 4 all collective [lov nr. 477 af 2008
      § 7 stk. 2]; ``undtaget`` as there.  Before the increase's year 0.  The collective part is
      shared by population over all the country's municipalities (``indbyggere_i_alt``);
    - ``loebende``: the agreement's amounts (2014-pl) in each year's prices (:func:`pl_faktorer`).

    Returns one row per municipality and year (columns kommune, aar, the schemes, i_alt).

    >>> df = ordninger([1, 1], 2014, provenutab=[0, 10], loebende=False)
    >>> df[df.kommune == 1][["aar", "skattenedsaettelse", "skolereform_ekstra", "skolereform_dut"]]
        aar  skattenedsaettelse  skolereform_ekstra  skolereform_dut
    1  2014                 7.5               150.0            102.0
    3  2015                 5.0               300.0            203.5
    5  2016                 5.0               300.0            203.5
    7  2017                 2.5               150.0            203.5

    A tax increase of 30 / 10 / −20 in 2014 (increases beyond the total 20, lov 477/2008): year
    0 the individual 75 pct. of 20 = 15 is shared 3:1 among the raisers, the collective 5 by
    population; in 2017 (year 3) 25 pct. individual; the sign is a reduction of the grant.

    >>> df = ordninger([1, 1, 3], 2014, loebende=False, provenuaendring=[30, 10, -20])
    >>> df[df.kommune == 0]["skattestigning"].round(2).tolist()
    [-12.25, -9.5, -9.5, -6.75]
    """
    ps = resolve(params)
    years = aarraekke(budgetaar, ps)
    pop = numbers(indbyggere, "indbyggere", minimum=0)
    pop = np.atleast_1d(pop)
    rest = None
    if indbyggere_i_alt is not None:
        rest = float(
            numbers(
                indbyggere_i_alt,
                "indbyggere_i_alt",
                minimum=float(pop.sum()),
                allowed="the country's population, at least the municipalities' sum",
            )
        )
        rest -= float(pop.sum())

    def by_population(amount: float) -> np.ndarray:
        if rest is None:
            return np.asarray(bt.fordel_efter_indbyggere(pop, amount), float)
        return np.asarray(bt.fordel_efter_indbyggere(np.append(pop, rest), amount), float)[:-1]

    start = years[0] if stigning_aar is None else int(numbers(stigning_aar, "stigning_aar", integer=True))
    change = None if provenuaendring is None else np.atleast_1d(numbers(provenuaendring, "provenuaendring"))
    if change is not None and change.shape != pop.shape:
        raise XlmodelError("provenuaendring", f"{change.size} values", f"one per municipality ({pop.size})")

    def rise(y: int) -> np.ndarray:
        """Minus the tax-increase regulation in year y of an increase made in ``start``."""
        if change is None or y < start:
            return np.zeros_like(pop)
        c, n, x = change, pop, undtaget
        if rest is not None:  # the rest of the country: no increase, its population share
            c, n = np.append(change, 0.0), np.append(pop, rest)
            x = None if undtaget is None else np.append(np.asarray(undtaget, bool), False)
        reg = np.asarray(bt.skattestigning_regulering(c, n, y - start, x, params=ps, aar=start), float)
        return -reg.sum(axis=1)[: pop.size]

    ekstra_start = ps.scheme("bloktilskud.skolereform_ekstra", None, years[0]).vintage or years[0]
    rows = []
    for y in years:
        cut = (
            np.zeros_like(pop)
            if provenutab is None
            else np.asarray(
                bt.skattenedsaettelse_tilskud(provenutab, y, ordning_aar=years[0], params=ps), float
            )
        )
        ekstra = by_population(float(ps.scheme_value("bloktilskud.skolereform_ekstra", y, ekstra_start)))
        dut = by_population(float(ps.value("bloktilskud.skolereform_dut", y)))
        rows.append((y, cut, ekstra, dut, rise(y)))
    factor = pl_faktorer(years[0], years[0], params=ps) if loebende else np.ones(len(years))
    out = pd.DataFrame(
        {
            "kommune": np.tile(np.arange(pop.size), len(years)),
            "aar": np.repeat(years, pop.size),
            "skattenedsaettelse": np.concatenate([r[1] * f for r, f in zip(rows, factor, strict=True)]),
            "skolereform_ekstra": np.concatenate([r[2] * f for r, f in zip(rows, factor, strict=True)]),
            "skolereform_dut": np.concatenate([r[3] * f for r, f in zip(rows, factor, strict=True)]),
            "skattestigning": np.concatenate([r[4] for r in rows]) + 0.0,
        }
    )
    out["i_alt"] = out[["skattenedsaettelse", "skolereform_ekstra", "skolereform_dut", "skattestigning"]].sum(
        axis=1
    )
    return out


# ---------------------------------------------------------------------------------- decision ----
def _gain(
    g: np.ndarray,
    actual: np.ndarray,
    paid_base: np.ndarray,
    rate: np.ndarray,
    u: np.ndarray,
    pop_effect: np.ndarray,
    diskonto: float,
    rente: float,
    delay: int,
    ps: ParameterSet,
    year: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nominal gain, surcharge, present value) of selvbudgettering over statsgaranti.

    In the budget year the municipality is paid on ``paid_base`` (tax and udligning); in t + delay
    the efterregulering of tax (A − B)·r and of udligning (−u·(A − B)·r + population effect) and
    the § 16 stk. 3 surcharge on their sum.
    """
    now = (paid_base - g) * rate / 100 * (1 - u)
    e_tax = (actual - paid_base) * rate / 100
    e_udl = -u * e_tax + pop_effect
    surcharge = np.asarray(
        skat.efterregulering_tillaeg(e_tax, paid_base * rate / 100, diskonto, e_udl, ps, aar=year), float
    )
    later = e_tax + e_udl + surcharge
    with np.errstate(over="ignore"):  # a huge rate discounts to 0 (numpy), never an OverflowError
        discount = np.float64(1 + rente / 100) ** delay
    return now + later, surcharge, now + later / discount


def _decision_inputs(
    ps: ParameterSet,
    budgetaar: int | None,
    udligning_pct: ArrayLike | None,
    rente_pct: ArrayLike | None,
    diskonto_pct: ArrayLike | None,
) -> tuple[int, np.ndarray, float, float, int]:
    year = _budget_year(budgetaar, ps)
    u = (
        numbers(
            ps.value("skat.selvbudget_udligning", year) if udligning_pct is None else udligning_pct,
            "udligning_pct",
            minimum=0,
            maximum=100,
        )
        / 100
    )
    rente = float(
        numbers(
            ps.value("overslag.kalkulationsrente", year) if rente_pct is None else rente_pct,
            "diskonto_pct",
            minimum=np.nextafter(-100, 0),
        )
    )
    disk = float(
        numbers(
            _diskonto(ps, year) if diskonto_pct is None else diskonto_pct,
            "nationalbank_diskonto_pct",
            minimum=-10,
            maximum=100,
        )
    )
    return year, u, rente, disk, int(ps.value("skat.efterregulering_forsinkelse", year))


def selvbudget_beregning(
    garanti_grundlag: ArrayLike,
    forventet_grundlag: ArrayLike,
    udskrivningsprocent: ArrayLike,
    udligning_pct: ArrayLike | None = None,
    diskonto_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    budgetteret_grundlag: ArrayLike | None = None,
    nationalbank_diskonto_pct: ArrayLike | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """Gain of selvbudgettering, its surcharge, present value and the year it is settled.

    The municipality is paid on ``budgetteret_grundlag`` — default the guarantee level
    [antagelse: a cautious selvbudgetterende kommune budgets at the guarantee, so the whole
    difference comes as the efterregulering]; the actual base is ``forventet_grundlag``.
    Gain = (forventet − garanti) × r × (1 − u) (:func:`xlmodel.skat.selvbudget_gevinst`'s rule),
    surcharge [kommuneskatteloven § 16 stk. 3] on the combined efterregulering of tax and udligning
    beyond 3 pct. of the payments, present value at ``diskonto_pct`` (the municipality's rate,
    default ``overslag.kalkulationsrente``) over the delay to t + 3.

    Worked example: garanti 1,114, forventet 1,150, 25 pct., u 58: gain 3.78; with diskonto
    1 pct. for the surcharge, the combined 3.78 is inside 3 pct. of 278.5 → no surcharge; PV at
    2 pct. over 3 years = 3.78 / 1.02³ = 3.562.

    >>> selvbudget_beregning(1_114, 1_150, 25.0, 58, 2.0, 2014, nationalbank_diskonto_pct=1.0).round(3)
       gevinst  tillaeg  nutidsvaerdi  afregningsaar
    0     3.78      0.0         3.562           2017
    """
    ps = resolve(params)
    year, u, rente, disk, delay = _decision_inputs(
        ps, budgetaar, udligning_pct, diskonto_pct, nationalbank_diskonto_pct
    )
    g = np.atleast_1d(numbers(garanti_grundlag, "garanti_grundlag", minimum=0))
    f = np.atleast_1d(numbers(forventet_grundlag, "forventet_grundlag", minimum=0))
    b = (
        g
        if budgetteret_grundlag is None
        else np.atleast_1d(numbers(budgetteret_grundlag, "budgetteret_grundlag", minimum=0))
    )
    rate = np.atleast_1d(skat._rate(udskrivningsprocent, "udskrivningsprocent"))
    g, f, b, rate = np.broadcast_arrays(g, f, b, rate)
    gain, surcharge, pv = _gain(g, f, b, rate, u, np.zeros_like(g), disk, rente, delay, ps, year)
    return pd.DataFrame(
        {
            "gevinst": np.round(gain, 9),
            "tillaeg": surcharge + 0.0,
            "nutidsvaerdi": pv,
            "afregningsaar": year + delay,
        }
    )


def _actual_base(
    g: np.ndarray, growth_pct: np.ndarray, ps: ParameterSet, year: int, name: str = "vaekst_middel_pct"
) -> np.ndarray:
    """The actual base implied by annual growth from the statsgaranti's base year."""
    f = ps.value("skat.fremskrivningsprocent", year)
    span = year - skat.garanti_basisaar(year, ps)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by name
        return finite_result(g / (1 + f / 100) * (1 + growth_pct / 100) ** span, name)


def selvbudget_risiko(
    garanti_grundlag: ArrayLike,
    udskrivningsprocent: ArrayLike,
    vaekst_middel_pct: ArrayLike,
    vaekst_spredning_pct: ArrayLike,
    udligning_pct: ArrayLike | None = None,
    scenarier: int = 10_000,
    *,
    vaekst_scenarier: ArrayLike | None = None,
    befolkning_middel_pct: ArrayLike = 0.0,
    befolkning_spredning_pct: ArrayLike = 0.0,
    tilskud_pr_indbygger: ArrayLike = 0.0,
    indbyggere: ArrayLike = 0.0,
    diskonto_pct: ArrayLike | None = None,
    nationalbank_diskonto_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    seed: int = 0,
    params: Params = None,
) -> pd.DataFrame:
    """Distribution of the present-value gain of selvbudgettering over scenarios, per municipality.

    Annual base growth (base year → budget year) ~ Normal(middel, spredning) per scenario and
    municipality, or the table ``vaekst_scenarier`` (scenarios, or scenarios × municipalities);
    the population deviates from the guaranteed by Normal(befolkning_middel, spredning) pct., worth
    ``tilskud_pr_indbygger`` each in tilskud og udligning (efterreguleret, udligningsloven § 24).
    Paid on the guarantee level [antagelse, as :func:`selvbudget_beregning`]; the surcharge and
    the present value as there.  Seeded: the same call gives the same numbers in every process.

    Columns: forventet_gevinst (mean PV), spredning (std), sandsynlighed_tab (P(PV < 0)),
    tab_5pct (the 5 % quantile of PV: the loss in the 5 % worst case when negative).

    >>> r = selvbudget_risiko(1_114, 25.0, 3.6641, 0.0, 58, 10, diskonto_pct=2.0, budgetaar=2014)
    >>> bool(abs(r.forventet_gevinst[0]) < 1e-3), float(r.sandsynlighed_tab[0]) in (0.0, 1.0)
    (True, True)
    >>> r = selvbudget_risiko(1_114, 25.0, 3.6641, 1.0, 58, 10_000, diskonto_pct=2.0, budgetaar=2014)
    >>> round(float(r.sandsynlighed_tab[0]), 1), bool(r.tab_5pct[0] < 0 < r.forventet_gevinst[0] + 1)
    (0.5, True)
    """
    ps = resolve(params)
    year, u, rente, disk, delay = _decision_inputs(
        ps, budgetaar, udligning_pct, diskonto_pct, nationalbank_diskonto_pct
    )
    g = np.atleast_1d(numbers(garanti_grundlag, "garanti_grundlag", minimum=0))
    rate = np.broadcast_to(np.atleast_1d(skat._rate(udskrivningsprocent, "udskrivningsprocent")), g.shape)
    n = g.shape[-1]
    rng = np.random.default_rng(seed)
    if vaekst_scenarier is not None:
        growth = np.atleast_1d(numbers(vaekst_scenarier, "vaekst_scenarier", minimum=-100))
        growth = growth[:, None] if growth.ndim == 1 else growth
        growth = np.broadcast_to(growth, (growth.shape[0], n))
        growth_name = "vaekst_scenarier"
    else:
        growth_name = "vaekst_middel_pct"
        s = numbers(scenarier, "scenarier", integer=True, minimum=1, maximum=10_000_000)
        mean = numbers(vaekst_middel_pct, "vaekst_middel_pct", minimum=-100)
        sd = numbers(vaekst_spredning_pct, "vaekst_spredning_pct", minimum=0)
        growth = mean + sd * rng.standard_normal((int(s), n))
    pm = numbers(befolkning_middel_pct, "befolkning_middel_pct", minimum=-100)
    psd = numbers(befolkning_spredning_pct, "befolkning_spredning_pct", minimum=0)
    per_head = numbers(tilskud_pr_indbygger, "tilskud_pr_indbygger")
    pop = numbers(indbyggere, "indbyggere", minimum=0)
    dev = (
        pm + psd * rng.standard_normal(growth.shape) if np.any(psd > 0) else np.broadcast_to(pm, growth.shape)
    )
    pop_effect = per_head * pop * dev / 100
    actual = _actual_base(g, growth, ps, year, growth_name)
    _, _, pv = _gain(g, actual, g, rate, u, pop_effect, disk, rente, delay, ps, year)
    return pd.DataFrame(
        {
            "forventet_gevinst": pv.mean(axis=0),
            "spredning": pv.std(axis=0),
            "sandsynlighed_tab": (pv < 0).mean(axis=0),
            "tab_5pct": np.quantile(pv, 0.05, axis=0),
        }
    )


def breakeven_vaekst(
    garanti_grundlag: ArrayLike,
    udskrivningsprocent: ArrayLike,
    udligning_pct: ArrayLike | None = None,
    befolkning_pct: ArrayLike = 0.0,
    tilskud_pr_indbygger: ArrayLike = 0.0,
    indbyggere: ArrayLike = 0.0,
    diskonto_pct: ArrayLike | None = None,
    nationalbank_diskonto_pct: ArrayLike | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> np.ndarray:
    """Annual base growth at which selvbudgettering and statsgaranti give the same present value.

    Solved per municipality (vectorised bisection) on the present-value gain with equalisation
    (u), the population deviation (``befolkning_pct`` × ``tilskud_pr_indbygger`` × indbyggere) and
    the § 16 stk. 3 surcharge.  Without population effect it is the statsgaranti's own annual growth
    (:func:`xlmodel.skat.breakeven_vaekst`); a population shortfall raises it.

    >>> breakeven_vaekst(1_114, 25.0, budgetaar=2014).round(4).tolist()
    [3.6641]

    Worked example: 10,000 inhabitants 1 pct. below the guarantee's, 0.01 mio. kr. of tilskud og
    udligning each → −1.0 mio. kr.; the base must exceed the guarantee by 1.0 / (0.25 × 0.42) =
    9.524, so (1 + g)³ = 1.114 × (1 + 9.524/1,114) and g = 3.959 pct.

    >>> breakeven_vaekst(1_114, 25.0, befolkning_pct=-1.0, tilskud_pr_indbygger=0.01, indbyggere=10_000,
    ...                  budgetaar=2014).round(3).tolist()
    [3.959]
    """
    ps = resolve(params)
    year, u, rente, disk, delay = _decision_inputs(
        ps, budgetaar, udligning_pct, diskonto_pct, nationalbank_diskonto_pct
    )
    g = np.atleast_1d(
        numbers(
            garanti_grundlag,
            "garanti_grundlag",
            minimum=np.nextafter(0, 1),
            allowed="a guaranteed base above 0",
        )
    )
    rate = np.broadcast_to(np.atleast_1d(skat._rate(udskrivningsprocent, "udskrivningsprocent")), g.shape)
    pop_effect = (
        numbers(tilskud_pr_indbygger, "tilskud_pr_indbygger")
        * numbers(indbyggere, "indbyggere", minimum=0)
        * numbers(befolkning_pct, "befolkning_pct", minimum=-100)
        / 100
    )
    lo, hi = np.full(g.shape, -50.0), np.full(g.shape, 100.0)
    for _ in range(80):  # PV is increasing in growth: halve the bracket until float precision
        mid = (lo + hi) / 2
        _, _, pv = _gain(
            g, _actual_base(g, mid, ps, year), g, rate, u, pop_effect, disk, rente, delay, ps, year
        )
        lo, hi = np.where(pv < 0, mid, lo), np.where(pv < 0, hi, mid)
    return (lo + hi) / 2


# ------------------------------------------------------------------------------- cash calendar ----
def efterregulering_kalender(
    efterregulering_skat: float,
    efterregulering_udligning: float,
    udbetalt: float,
    diskonto_pct: float | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """The cash calendar of one year's efterregulering: three payments January–March of t + 3.

    Total = tax + udligning + the § 16 stk. 3 surcharge (:func:`xlmodel.skat.efterregulering_tillaeg`,
    Nationalbankens ``diskonto_pct``, default ``overslag.diskonto``), split by
    :func:`xlmodel.skat.efterregulering_afregning` [kommuneskatteloven § 16 stk. 2].  The date is
    the first day of the month [antagelse: the law names the months, not the day].

    Worked example: tax −50m, udligning +10m on payments of 1,000m, diskonto 1 pct.: the combined
    −40m is 10m beyond the free 30m → surcharge 10m × 3 × 1 pct. = −0.3m; −40.3m in thirds.

    >>> efterregulering_kalender(-50e6, 10e6, 1_000e6, 1.0, 2014)
             dato   maaned       beloeb
    0  2017-01-01   januar -13433333.33
    1  2017-02-01  februar -13433333.33
    2  2017-03-01    marts -13433333.33
    """
    ps = resolve(params)
    year = _budget_year(budgetaar, ps)
    disk = _diskonto(ps, year) if diskonto_pct is None else diskonto_pct
    for name, v in (
        ("efterregulering_skat", efterregulering_skat),
        ("efterregulering_udligning", efterregulering_udligning),
        ("udbetalt", udbetalt),
    ):
        if numbers(v, name).ndim:
            raise XlmodelError(name, "several values", "one amount")
    surcharge = float(
        skat.efterregulering_tillaeg(
            efterregulering_skat, udbetalt, disk, efterregulering_udligning, ps, aar=year
        )
    )
    total = math.fsum([float(efterregulering_skat), float(efterregulering_udligning), surcharge])
    plan = skat.efterregulering_afregning(total, year, ps)
    dates = [_dt.date(int(a), i + 1, 1) for i, a in enumerate(plan["aar"])]
    return pd.DataFrame({"dato": dates, "maaned": plan["maaned"], "beloeb": plan["beloeb"].round(2)})


# ------------------------------------------------------------------- the Excel functions' tables ----
# The catalogue's "rows" result (xlmodel/excel/cells.py) spills a header row and then these rows:
# the headings are what a finance officer reads in the sheet, so they are Danish.
def _one(value: ArrayLike | None, name: str) -> None:
    """Refuse a range where one municipality's single value is meant (the tables are for one)."""
    if value is not None and numbers(value, name).ndim:
        raise XlmodelError(name, f"{numbers(value, name).size} values", "one value (one municipality)")


def overslag_skat_tabel(
    grundlag_basisaar: float,
    udskrivningsprocent: float,
    vaekst_pct: float | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """OVERSLAG_SKAT: :func:`skat_projektion` with the sheet's headings, one row per year.

    >>> overslag_skat_tabel(1_000, 25.0, 4.0, 2014).round(2).iloc[0].tolist()
    [2014.0, 1114.0, 278.5, 1124.86, 281.22]
    """
    _one(udskrivningsprocent, "udskrivningsprocent")
    _one(vaekst_pct, "vaekst_pct")
    df = skat_projektion(grundlag_basisaar, udskrivningsprocent, vaekst_pct, budgetaar, params)
    return df.rename(
        columns={
            "aar": "År",
            "garanti_grundlag": "Statsgaranti: grundlag",
            "garanti_provenu": "Statsgaranti: skat",
            "selvbudget_grundlag": "Selvbudget: grundlag",
            "selvbudget_provenu": "Selvbudget: skat",
        }
    )


def selvbudget_beregning_tabel(
    garanti_grundlag: float,
    forventet_grundlag: float,
    udskrivningsprocent: float,
    udligning_pct: float | None = None,
    diskonto_pct: float | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """SELVBUDGET_BEREGNING: :func:`selvbudget_beregning` for one municipality, with headings.

    >>> selvbudget_beregning_tabel(1_114, 1_150, 25.0, 58, 2.0, 2014).round(3).iloc[0].tolist()
    [3.78, 0.0, 3.562, 2017.0]
    """
    for name, v in (("garanti_grundlag", garanti_grundlag), ("forventet_grundlag", forventet_grundlag),
                    ("udskrivningsprocent", udskrivningsprocent)):
        _one(v, name)
    df = selvbudget_beregning(
        garanti_grundlag, forventet_grundlag, udskrivningsprocent, udligning_pct, diskonto_pct, budgetaar,
        params=params,
    )
    return df.rename(
        columns={
            "gevinst": "Gevinst",
            "tillaeg": "Tillæg (§ 16, stk. 3)",
            "nutidsvaerdi": "Nutidsværdi",
            "afregningsaar": "Afregningsår",
        }
    )


def efterregulering_kalender_tabel(
    efterregulering_skat: float,
    efterregulering_udligning: float,
    udbetalt: float,
    diskonto_pct: float | None = None,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """EFTERREGULERING_KALENDER: the three payments of :func:`efterregulering_kalender` with their dates.

    >>> print(efterregulering_kalender_tabel(-50e6, 10e6, 1_000e6, 1.0, 2014).to_string(index=False))
          Dato        Beløb
    2017-01-01 -13433333.33
    2017-02-01 -13433333.33
    2017-03-01 -13433333.33
    """
    df = efterregulering_kalender(
        efterregulering_skat, efterregulering_udligning, udbetalt, diskonto_pct, budgetaar, params
    )
    return pd.DataFrame({"Dato": df["dato"], "Beløb": df["beloeb"]})


def selvbudget_risiko_tabel(
    garanti_grundlag: float,
    udskrivningsprocent: float,
    vaekst_middel_pct: float,
    vaekst_spredning_pct: float,
    udligning_pct: float | None = None,
    scenarier: int = 10_000,
    budgetaar: int | None = None,
    params: Params = None,
) -> pd.DataFrame:
    """SELVBUDGET_RISIKO: :func:`selvbudget_risiko` for one municipality, with headings.

    The scenarios are drawn with the core's fixed seed, so a cell gives the same numbers in
    every process and on every recalculation.

    >>> r = selvbudget_risiko_tabel(1_114, 25.0, 3.6641, 1.0, 58, 10_000)
    >>> list(r.columns)
    ['Forventet gevinst (nutidsværdi)', 'Spredning', 'Sandsynlighed for tab', 'Tab i 5 %-værste tilfælde']
    """
    for name, v in (("garanti_grundlag", garanti_grundlag), ("udskrivningsprocent", udskrivningsprocent),
                    ("vaekst_middel_pct", vaekst_middel_pct), ("vaekst_spredning_pct", vaekst_spredning_pct)):
        _one(v, name)
    df = selvbudget_risiko(
        garanti_grundlag, udskrivningsprocent, vaekst_middel_pct, vaekst_spredning_pct, udligning_pct,
        scenarier, budgetaar=budgetaar, params=params,
    )
    return df.rename(
        columns={
            "forventet_gevinst": "Forventet gevinst (nutidsværdi)",
            "spredning": "Spredning",
            "sandsynlighed_tab": "Sandsynlighed for tab",
            "tab_5pct": "Tab i 5 %-værste tilfælde",
        }
    )
