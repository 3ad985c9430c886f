"""Tilskud og udligning: the equalisation system of udligningsloven as in force for 2014.

Each scheme is a pure, vectorised function over the municipalities; :func:`beregn` and
:func:`tilskud_og_udligning` give the whole table (one row per municipality, one column per
scheme and the total), and :func:`afstem` compares it with the ministry's published table.

Sign convention: positive = the municipality receives, negative = it pays.  Amounts are in the
unit the caller uses for udgiftsbehov, beskatningsgrundlag and selskabsskat (the workbook model
and the default § 14 grant use mio. kr.); population in persons.  Per-municipality inputs are
scalars, lists, arrays or pandas Series (1-D), or scenarios × municipalities (2-D, municipalities
last): a thousand scenarios run in one call.

Rates come from the parameter set (``udligning.*``, see docs/udligning.md for each rate's source
and the [antagelse] notes); an explicit argument overrides the set's value.

The law (lov om kommunal udligning og generelle tilskud til kommuner, consolidated after the 2012
amendments): kap. 2 landsudligning, kap. 3 hovedstadsudligning, kap. 4 tilskud til kommuner med
højt strukturelt underskud, kap. 5 overudligning, kap. 6 statstilskud (§ 14 bloktilskud),
kap. 7 særlige ordninger (udligning af selskabsskat, øtilskud, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from xlmodel._inputs import ArrayLike, like, numbers
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve

__all__ = [
    "ORDNINGER",
    "afstem",
    "aldersbestemt_udgiftsbehov",
    "beregn",
    "beskatningsgrundlag",
    "eksempeldata",
    "hoejt_underskud_tilskud",
    "hovedstadsudligning",
    "landsudligning",
    "overudligning",
    "selskabsskat_udligning",
    "socioekonomisk_udgiftsbehov",
    "strukturelt_underskud",
    "tilskud_og_udligning",
    "tilskud_og_udligning_tabel",
]

#: The table's scheme columns, in the order the ministry's overview lists them, then the total.
ORDNINGER = ("landsudligning", "hovedstadsudligning", "hoejt_underskud", "overudligning",
             "selskabsskat", "oevrige", "bloktilskud")
#: Danish column headings (the workbook, the Excel function's header row, the notebook).
OVERSKRIFTER = {
    "strukturelt_underskud": "Strukturelt underskud",
    "landsudligning": "Landsudligning",
    "hovedstadsudligning": "Hovedstadsudligning",
    "hoejt_underskud": "Tilskud ved højt strukturelt underskud",
    "overudligning": "Korrektion for overudligning",
    "selskabsskat": "Udligning af selskabsskat",
    "oevrige": "Øvrige tilskud (brugerens beløb)",
    "bloktilskud": "Bloktilskud (efter indbyggertal)",
    "i_alt": "Tilskud og udligning i alt",
}
_SHAPES = "one value per municipality (1-D), or scenarios × municipalities (2-D, municipalities last)"


# ------------------------------------------------------------------------------ input helpers ----
def _mun(value: ArrayLike, name: str, *, minimum: float | None = None, allowed: str = "") -> np.ndarray:
    arr = np.atleast_1d(numbers(value, name, minimum=minimum, allowed=allowed))
    if arr.ndim > 2:
        raise XlmodelError(name, f"{arr.ndim}-D input, shape {arr.shape}", _SHAPES)
    if arr.size == 0:
        raise XlmodelError(name, "no values", "at least one municipality", detail="empty")
    return arr


def _flags(value: ArrayLike, name: str) -> np.ndarray:
    if isinstance(value, pd.Series):
        value = value.to_numpy()
    arr = np.atleast_1d(np.asarray(value, dtype=object))
    if arr.ndim > 2 or arr.size == 0:
        raise XlmodelError(name, f"shape {arr.shape}", "one TRUE/FALSE per municipality")
    out = np.empty(arr.shape, dtype=bool)
    for k, v in np.ndenumerate(arr):
        if isinstance(v, bool | np.bool_) or (isinstance(v, int | float | np.number) and v in (0, 1)):
            out[k] = bool(v)
        else:
            raise XlmodelError(name, v, "TRUE/FALSE (or 1/0) per municipality")
    return out


def _fit(*named: tuple[str, np.ndarray]) -> list[np.ndarray]:
    """Same municipalities (last axis) and scenarios (first axis of 2-D inputs), or name the misfit."""
    first_name, first = named[0]
    n = first.shape[-1]
    rows = None
    for name, arr in named:
        if arr.shape[-1] != n:
            raise XlmodelError(name, f"{arr.shape[-1]} municipalities",
                               f"the same number of municipalities as {first_name} ({n})")
        if arr.ndim == 2:
            if rows is None:
                rows = (name, arr.shape[0])
            elif arr.shape[0] != rows[1]:
                raise XlmodelError(name, f"{arr.shape[0]} scenarios (rows)",
                                   f"the same number of scenarios as {rows[0]} ({rows[1]})")
    return list(np.broadcast_arrays(*(a for _, a in named)))


def _rate(value: ArrayLike | None, name: str, key: str, ps: ParameterSet, aar: int | None,
          *, maximum: float = 100.0) -> float:
    """An explicit rate (pct.) or the parameter set's value for the year."""
    if value is None:
        return float(ps.value(key, aar))
    arr = numbers(value, name, minimum=0, maximum=maximum,
                  allowed=f"one percentage from 0 to {maximum:g}")
    if arr.ndim != 0:
        raise XlmodelError(name, f"{arr.size} values", f"one percentage from 0 to {maximum:g}")
    return float(arr)


def _finite(result: np.ndarray, *names: str) -> np.ndarray:
    if not np.all(np.isfinite(result)):
        raise XlmodelError(names[0], "values too large to compute with",
                           "amounts whose products and sums stay finite (below about 1e300)",
                           detail="the result overflowed; " + ", ".join(names) + " took part")
    return result


def _give(result: np.ndarray, *templates: ArrayLike) -> Any:
    """1-D: the caller's container (Series keeps its index); one scalar municipality: a float."""
    if result.ndim == 1 and result.shape == (1,) and all(np.ndim(t) == 0 for t in templates):
        return float(result[0])
    if result.ndim == 1:
        return like(result, *templates)
    columns = next((t.index for t in templates if isinstance(t, pd.Series)), None)
    return result if columns is None else pd.DataFrame(result, columns=columns)


def _per_capita_group(amount: np.ndarray, pop: np.ndarray, mask: np.ndarray, name: str) -> np.ndarray:
    """Σ amount / Σ indbyggere over the masked municipalities (per scenario), as a column."""
    total_pop = np.where(mask, pop, 0.0).sum(axis=-1, keepdims=True)
    if np.any(total_pop <= 0):
        raise XlmodelError(name, "no inhabitants in the group",
                           "at least one municipality with inhabitants > 0 in the group")
    return np.where(mask, amount, 0.0).sum(axis=-1, keepdims=True) / total_pop


# --------------------------------------------------------------------------- the tax base ----
def beskatningsgrundlag(udskrivningsgrundlag: ArrayLike, grundvaerdier: ArrayLike, *,
                        andel: ArrayLike | None = None, aar: int | None = None,
                        params: str | ParameterSet | None = None) -> ArrayLike:
    """The equalisation's tax base: udskrivningsgrundlag + andel × afgiftspligtige grundværdier.

    Rule: the beskatningsgrundlag of the pre-2021 udligningslov counts the income-tax base and a
    share of the taxable land values [antagelse: ``udligning.grundvaerdi_andel``, 7 pct.; see its
    note].  Pass the statsgaranteret or the self-budgeted udskrivningsgrundlag as the municipality
    chose (udligningsloven § 24: a selvbudgetterende kommune is equalised on its own figures).

    Worked example: 1,000 mio. kr. udskrivningsgrundlag and 2,000 mio. kr. grundværdier.

    >>> beskatningsgrundlag(1000, 2000)
    1140.0
    """
    ps = resolve(params)
    share = (float(ps.value("udligning.grundvaerdi_andel", aar)) if andel is None
             else _rate(andel, "andel", "", ps, aar, maximum=1.0))
    u = _mun(udskrivningsgrundlag, "udskrivningsgrundlag", minimum=0)
    g = _mun(grundvaerdier, "grundvaerdier", minimum=0)
    u, g = _fit(("udskrivningsgrundlag", u), ("grundvaerdier", g))
    return _give(_finite(u + share * g, "udskrivningsgrundlag", "grundvaerdier"),
                 udskrivningsgrundlag, grundvaerdier)


# ----------------------------------------------------------------------- the expenditure need ----
def aldersbestemt_udgiftsbehov(befolkning: ArrayLike, enhedsbeloeb: ArrayLike) -> ArrayLike:
    """Demographic expenditure need: Σ over age groups of inhabitants × the group's unit amount.

    Rule: udligningsloven (kap. 2, aldersbestemt udgiftsbehov): the number of inhabitants in each
    age group times the group's unit amount ("enhedsbeløb", the ministry's kriterieoversigt,
    user data).  ``befolkning``: municipalities × age groups (a DataFrame keeps its index);
    ``enhedsbeloeb``: one amount per age group, in the unit the result should have.

    Worked example: two municipalities, two age groups at 10,000 and 50,000 kr.

    >>> aldersbestemt_udgiftsbehov([[100, 10], [50, 40]], [10_000, 50_000]).tolist()
    [1500000.0, 2500000.0]
    """
    index = befolkning.index if isinstance(befolkning, pd.DataFrame) else None
    pop = numbers(befolkning.to_numpy() if index is not None else befolkning, "befolkning", minimum=0,
                  allowed="inhabitants ≥ 0, municipalities × age groups")
    if pop.ndim != 2:
        raise XlmodelError("befolkning", f"shape {pop.shape}", "a table: municipalities × age groups")
    unit = numbers(enhedsbeloeb, "enhedsbeloeb", minimum=0, allowed="one amount ≥ 0 per age group")
    if unit.ndim != 1 or unit.size != pop.shape[1]:
        raise XlmodelError("enhedsbeloeb", f"{unit.size} values",
                           f"one amount per age group ({pop.shape[1]})")
    result = _finite(pop @ unit, "befolkning", "enhedsbeloeb")
    return pd.Series(result, index=index, name="aldersbestemt") if index is not None else result


def socioekonomisk_udgiftsbehov(kriterier: ArrayLike, vaegte: ArrayLike, i_alt: ArrayLike) -> ArrayLike:
    """Socio-economic expenditure need: the year's total shared by weighted criteria.

    Rule: udligningsloven (kap. 2, socioøkonomisk udgiftsbehov): each criterion k has a weight
    w_k; a municipality's need is i_alt × Σ_k w_k × c_ik / Σ_j c_jk (its share of each criterion,
    weighted).  Criteria and weights are the ministry's kriterieoversigt (user data); the weights
    are normalised to sum to 1.

    Worked example: 600 mio. kr. over two criteria weighted 2:1.

    >>> socioekonomisk_udgiftsbehov([[10, 0], [30, 5]], [2, 1], 600).tolist()
    [100.0, 500.0]
    """
    index = kriterier.index if isinstance(kriterier, pd.DataFrame) else None
    c = numbers(kriterier.to_numpy() if index is not None else kriterier, "kriterier", minimum=0,
                allowed="counts ≥ 0, municipalities × criteria")
    if c.ndim != 2:
        raise XlmodelError("kriterier", f"shape {c.shape}", "a table: municipalities × criteria")
    w = numbers(vaegte, "vaegte", minimum=0, allowed="one weight ≥ 0 per criterion, positive sum")
    if w.ndim != 1 or w.size != c.shape[1] or w.sum() <= 0:
        raise XlmodelError("vaegte", f"{w.size} values (sum {float(w.sum()):g})",
                           f"one weight ≥ 0 per criterion ({c.shape[1]}), positive sum")
    totals = c.sum(axis=0)
    if np.any(totals <= 0):
        k = int(np.argmax(totals <= 0))
        raise XlmodelError("kriterier", f"column {k + 1} sums to 0", "each criterion > 0 somewhere")
    total = numbers(i_alt, "i_alt")
    if total.ndim != 0:
        raise XlmodelError("i_alt", f"{total.size} values", "one total")
    result = _finite(float(total) * (c / totals) @ (w / w.sum()), "kriterier", "i_alt")
    return pd.Series(result, index=index, name="socioekonomisk") if index is not None else result


# ----------------------------------------------------------------------------- the schemes ----
def strukturelt_underskud(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
                          skatteprocent: ArrayLike | None = None, *, aar: int | None = None,
                          params: str | ParameterSet | None = None) -> ArrayLike:
    """Structural deficit: udgiftsbehov − beskatningsgrundlag × skatteprocent / 100.

    Rule: udligningsloven kap. 2: the difference between the calculated expenditure need and the
    tax the municipality would raise at the national average rate (``udligning.skatteprocent``
    of the year [antagelse, see its note]).  Negative: a structural surplus.

    Worked example: need 300, base 1,000 at 25 pct. → 300 − 250 = 50.

    >>> strukturelt_underskud([300, 200], [1000, 1000], 25).tolist()
    [50.0, -50.0]
    """
    ps = resolve(params)
    t = _rate(skatteprocent, "skatteprocent", "udligning.skatteprocent", ps, aar)
    need = _mun(udgiftsbehov, "udgiftsbehov")
    base = _mun(beskatningsgrundlag, "beskatningsgrundlag", minimum=0)
    need, base = _fit(("udgiftsbehov", need), ("beskatningsgrundlag", base))
    return _give(_finite(need - base * t / 100, "udgiftsbehov", "beskatningsgrundlag"),
                 udgiftsbehov, beskatningsgrundlag)


def _su(need: np.ndarray, base: np.ndarray, t: float) -> np.ndarray:
    return need - base * t / 100


def landsudligning(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
                   skatteprocent: ArrayLike | None = None, udligningsniveau_pct: ArrayLike | None = None,
                   *, aar: int | None = None, params: str | ParameterSet | None = None) -> ArrayLike:
    """Landsudligning: udligningsniveau_pct / 100 × the structural deficit (positive: receives).

    Rule: udligningsloven kap. 2: a municipality with a structural deficit receives, one with a
    surplus pays, the year's level of it (``udligning.landsudligning_pct``, 61 pct. [antagelse,
    see its note]).  The receipts exceed the payments by the level × the country's structural
    deficit: that net is financed by the state within the § 14 bloktilskud (see :func:`beregn`).

    Worked example: deficits of 50 and −50 at 61 pct.

    >>> landsudligning([300, 200], [1000, 1000], 25, 61).tolist()
    [30.5, -30.5]
    """
    ps = resolve(params)
    level = _rate(udligningsniveau_pct, "udligningsniveau_pct", "udligning.landsudligning_pct", ps, aar)
    su = strukturelt_underskud(udgiftsbehov, beskatningsgrundlag, skatteprocent, aar=aar, params=ps)
    return _give(level / 100 * np.asarray(su, dtype=float).reshape(np.shape(su) or (1,)),
                 udgiftsbehov, beskatningsgrundlag)


def hovedstadsudligning(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike, indbyggere: ArrayLike,
                        hovedstad: ArrayLike, skatteprocent: ArrayLike | None = None,
                        udligningsniveau_pct: ArrayLike | None = None, *, aar: int | None = None,
                        params: str | ParameterSet | None = None) -> ArrayLike:
    """Hovedstadsudligning among the capital-area municipalities; sums to 0 over the group.

    Rule: udligningsloven kap. 3: for a municipality of the capital area,
    udligningsniveau_pct / 100 × (its structural deficit − indbyggere × the group's structural
    deficit per inhabitant); 0 outside the area.  The law measures the need with the capital
    area's own udgiftsbehov: pass that as ``udgiftsbehov``.  Level ``udligning.hovedstad_pct``
    (27 pct. [antagelse, see its note]).

    Worked example: two capital municipalities of 100 inhabitants with deficits 50 and −50 (the
    group's average is 0), a third outside the area.

    >>> hovedstadsudligning([300, 200, 999], [1000, 1000, 1], [100, 100, 5], [True, True, False],
    ...                     25, 27).tolist()
    [13.5, -13.5, 0.0]
    """
    ps = resolve(params)
    level = _rate(udligningsniveau_pct, "udligningsniveau_pct", "udligning.hovedstad_pct", ps, aar)
    t = _rate(skatteprocent, "skatteprocent", "udligning.skatteprocent", ps, aar)
    need = _mun(udgiftsbehov, "udgiftsbehov")
    base = _mun(beskatningsgrundlag, "beskatningsgrundlag", minimum=0)
    pop = _mun(indbyggere, "indbyggere", minimum=0, allowed="a number of inhabitants ≥ 0")
    flag = _flags(hovedstad, "hovedstad")
    need, base, pop, flag = _fit(("udgiftsbehov", need), ("beskatningsgrundlag", base),
                                 ("indbyggere", pop), ("hovedstad", flag))
    result = _hsu(_su(need, base, t), pop, flag, level)
    return _give(_finite(result, "udgiftsbehov", "beskatningsgrundlag"), udgiftsbehov,
                 beskatningsgrundlag, indbyggere)


def _hsu(su: np.ndarray, pop: np.ndarray, flag: np.ndarray, level: float) -> np.ndarray:
    if not np.any(flag):
        return np.zeros_like(su)
    avg = _per_capita_group(su, pop, flag, "indbyggere")
    return np.where(flag, level / 100 * (su - pop * avg), 0.0)


def hoejt_underskud_tilskud(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike, indbyggere: ArrayLike,
                            skatteprocent: ArrayLike | None = None, graense_pct: ArrayLike | None = None,
                            tilskud_pct: ArrayLike | None = None, *, aar: int | None = None,
                            params: str | ParameterSet | None = None) -> ArrayLike:
    """Tilskud til kommuner med højt strukturelt underskud (≥ 0).

    Rule: udligningsloven kap. 4: tilskud_pct / 100 × max(0, structural deficit per inhabitant −
    graense_pct / 100 × the country's structural deficit per inhabitant) × indbyggere.  Threshold
    ``udligning.hoejt_underskud_graense_pct`` (90) and rate ``udligning.hoejt_underskud_pct``
    (32) [antagelse, see their notes].  Financed by the state within the § 14 grant.

    Worked example: deficits 30 and 10 over 10 inhabitants each (average 2 per inhabitant,
    threshold 90 pct. = 1.8): (3 − 1.8) × 10 × 32 pct. = 3.84; the other is below.

    >>> [round(float(x), 6) for x in hoejt_underskud_tilskud([55, 35], [100, 100], [10, 10], 25, 90, 32)]
    [3.84, 0.0]
    """
    ps = resolve(params)
    t = _rate(skatteprocent, "skatteprocent", "udligning.skatteprocent", ps, aar)
    g = _rate(graense_pct, "graense_pct", "udligning.hoejt_underskud_graense_pct", ps, aar, maximum=1000)
    r = _rate(tilskud_pct, "tilskud_pct", "udligning.hoejt_underskud_pct", ps, aar)
    need = _mun(udgiftsbehov, "udgiftsbehov")
    base = _mun(beskatningsgrundlag, "beskatningsgrundlag", minimum=0)
    pop = _mun(indbyggere, "indbyggere", minimum=0, allowed="a number of inhabitants ≥ 0")
    need, base, pop = _fit(("udgiftsbehov", need), ("beskatningsgrundlag", base), ("indbyggere", pop))
    result = _hoejt(_su(need, base, t), pop, g, r)
    return _give(_finite(result, "udgiftsbehov", "beskatningsgrundlag"), udgiftsbehov,
                 beskatningsgrundlag, indbyggere)


def _hoejt(su: np.ndarray, pop: np.ndarray, g: float, r: float) -> np.ndarray:
    avg = _per_capita_group(su, pop, np.ones(su.shape, dtype=bool), "indbyggere")
    per_capita = np.divide(su, pop, out=np.zeros_like(su), where=pop > 0)
    return r / 100 * np.maximum(0.0, per_capita - g / 100 * avg) * pop


def selskabsskat_udligning(selskabsskat: ArrayLike, indbyggere: ArrayLike,
                           udligning_pct: ArrayLike | None = None, *, aar: int | None = None,
                           params: str | ParameterSet | None = None) -> ArrayLike:
    """Udligning af selskabsskat: udligning_pct / 100 × (national average per inhabitant ×
    indbyggere − selskabsskat); sums to 0 over the municipalities.

    Rule: a municipality below the national corporate tax per inhabitant receives, one above
    pays, the rate of the difference (``udligning.selskabsskat_pct``, 50 pct. [antagelse, see
    its note]).

    Worked example: 30 and 10 mio. kr. over 100 inhabitants each (average 0.2 per inhabitant).

    >>> selskabsskat_udligning([30, 10], [100, 100], 50).tolist()
    [-5.0, 5.0]
    """
    ps = resolve(params)
    rate = _rate(udligning_pct, "udligning_pct", "udligning.selskabsskat_pct", ps, aar)
    tax = _mun(selskabsskat, "selskabsskat", minimum=0)
    pop = _mun(indbyggere, "indbyggere", minimum=0, allowed="a number of inhabitants ≥ 0")
    tax, pop = _fit(("selskabsskat", tax), ("indbyggere", pop))
    result = _selskab(tax, pop, rate)
    return _give(_finite(result, "selskabsskat", "indbyggere"), selskabsskat, indbyggere)


def _selskab(tax: np.ndarray, pop: np.ndarray, rate: float) -> np.ndarray:
    avg = _per_capita_group(tax, pop, np.ones(tax.shape, dtype=bool), "indbyggere")
    return rate / 100 * (avg * pop - tax)


def overudligning(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike, indbyggere: ArrayLike,
                  hovedstad: ArrayLike, udskrivningsprocent: ArrayLike, *,
                  udgiftsbehov_hovedstad: ArrayLike | None = None, aar: int | None = None,
                  params: str | ParameterSet | None = None) -> ArrayLike:
    """Correction for overudligning (≥ 0: the part of a payment the municipality gets back).

    Rule [antagelse, ``udligning.overudligning_graense_pct`` and its note; udligningsloven kap. 5]:
    the marginal equalisation of one krone of tax base, m = (landsudligning level + hovedstad
    level if in the capital area) × skatteprocent, may not exceed graense × the municipality's
    own udskrivningsprocent.  Where it does, the municipality's net payment in lands- and
    hovedstadsudligning is reduced by the share (m − grænse) / m.  Financed within the § 14 grant.

    Worked example (the set's levels 61 + 27 pct. at skatteprocent 24.9 give a marginal
    21.912 pct.): two capital municipalities; the first pays 43.39 in lands- and
    hovedstadsudligning and has its own rate 22 pct. (limit 90 pct. × 22 = 19.8), so it gets back
    43.39 × (21.912 − 19.8) / 21.912; the second receives and is not corrected.

    >>> r = overudligning([200, 300], [1000, 1000], [100, 100], [True, True], [22, 26])
    >>> [round(float(x), 4) for x in r]
    [4.1822, 0.0]
    """
    ps = resolve(params)
    parts = _schemes_for_overudligning(udgiftsbehov, beskatningsgrundlag, indbyggere, hovedstad,
                                       udgiftsbehov_hovedstad, ps, aar)
    own = _mun(udskrivningsprocent, "udskrivningsprocent", minimum=0,
               allowed="the municipality's udskrivningsprocent, 0–100")
    lu, hsu, flag = parts
    if own.shape[-1] != lu.shape[-1]:
        raise XlmodelError("udskrivningsprocent", f"{own.shape[-1]} municipalities",
                           f"the same number of municipalities as udgiftsbehov ({lu.shape[-1]})")
    lu, hsu, flag, own = _fit(("udgiftsbehov", lu), ("hovedstadsudligning", hsu), ("hovedstad", flag),
                              ("udskrivningsprocent", own))
    result = _over(lu, hsu, flag, own, ps, aar)
    return _give(_finite(result, "udgiftsbehov", "beskatningsgrundlag"), udgiftsbehov,
                 beskatningsgrundlag, indbyggere)


def _schemes_for_overudligning(udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
                               indbyggere: ArrayLike, hovedstad: ArrayLike,
                               udgiftsbehov_hovedstad: ArrayLike | None, ps: ParameterSet,
                               aar: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = float(ps.value("udligning.skatteprocent", aar))
    need = _mun(udgiftsbehov, "udgiftsbehov")
    base = _mun(beskatningsgrundlag, "beskatningsgrundlag", minimum=0)
    pop = _mun(indbyggere, "indbyggere", minimum=0)
    flag = _flags(hovedstad, "hovedstad")
    need_h = (need if udgiftsbehov_hovedstad is None
              else _mun(udgiftsbehov_hovedstad, "udgiftsbehov_hovedstad"))
    need, base, pop, flag, need_h = _fit(("udgiftsbehov", need), ("beskatningsgrundlag", base),
                                         ("indbyggere", pop), ("hovedstad", flag),
                                         ("udgiftsbehov_hovedstad", need_h))
    lu = float(ps.value("udligning.landsudligning_pct", aar)) / 100 * _su(need, base, t)
    hsu = _hsu(_su(need_h, base, t), pop, flag, float(ps.value("udligning.hovedstad_pct", aar)))
    return lu, hsu, flag


def _over(lu: np.ndarray, hsu: np.ndarray, flag: np.ndarray, own: np.ndarray, ps: ParameterSet,
          aar: int | None, levels: tuple[float, float, float] | None = None) -> np.ndarray:
    if levels is None:
        levels = (float(ps.value("udligning.landsudligning_pct", aar)),
                  float(ps.value("udligning.hovedstad_pct", aar)),
                  float(ps.value("udligning.skatteprocent", aar)))
    level_l, level_h, t = levels
    limit = float(ps.value("udligning.overudligning_graense_pct", aar)) / 100 * own
    marginal = (level_l + np.where(flag, level_h, 0.0)) / 100 * t
    excess = np.divide(np.maximum(0.0, marginal - limit), marginal, out=np.zeros_like(limit),
                       where=marginal > 0)
    return np.maximum(0.0, -(lu + hsu)) * excess


# ----------------------------------------------------------------------------- the table ----
def beregn(indbyggere: ArrayLike, udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
           hovedstad: ArrayLike, selskabsskat: ArrayLike, bloktilskud_i_alt: ArrayLike | None = None, *,
           udgiftsbehov_hovedstad: ArrayLike | None = None, udskrivningsprocent: ArrayLike | None = None,
           oevrige: ArrayLike | None = None, aar: int | None = None,
           params: str | ParameterSet | None = None, **satser: ArrayLike) -> dict[str, np.ndarray]:
    """Every scheme and the total as arrays (1-D, or scenarios × municipalities).

    Rules (sign: positive = the municipality receives):

    * strukturelt underskud, landsudligning, hovedstadsudligning, tilskud ved højt strukturelt
      underskud, udligning af selskabsskat: the functions above;
    * overudligning: only when ``udskrivningsprocent`` is given (the rule needs the own rate);
      otherwise the column is left out, never filled with 0;
    * bloktilskud: the § 14 grant (``bloktilskud_i_alt``, default ``bloktilskud.paragraf14`` of
      the year, mio. kr.) less what finances the state-financed schemes (the net landsudligning,
      the tilskud ved højt strukturelt underskud and the overudligning correction), distributed
      by population [lov: udligningsloven § 14 and kap. 2 (statsfinansieret landsudligning);
      the order of financing is an antagelse, docs/udligning.md].  Hovedstads- and
      selskabsskatteudligning sum to 0 and need no financing.  The conditional part of the grant
      (``bloktilskud.betinget``) is inside the § 14 amount and distributed with it;
    * oevrige: the user's amounts for the small schemes (e.g. tilskud til kommuner med mindre øer,
      +15 mio. kr. from 2014, ``bloktilskud.oetilskud_loeft``), added as given (not financed
      from the § 14 grant) [antagelse].

    ``satser`` overrides rates: skatteprocent, landsudligning_pct, hovedstad_pct, graense_pct,
    tilskud_pct, selskabsskat_pct.  The grant, the sums over municipalities and the rest hold
    for each scenario row of 2-D input.

    >>> t = beregn([100, 100], [300, 200], [1000, 1000], [False, False], [30, 10], 100,
    ...            skatteprocent=25, landsudligning_pct=61, graense_pct=90, tilskud_pct=32,
    ...            selskabsskat_pct=50)
    >>> t["landsudligning"].tolist(), t["hoejt_underskud"].tolist(), t["selskabsskat"].tolist()
    ([30.5, -30.5], [16.0, 0.0], [-5.0, 5.0])
    >>> t["bloktilskud"].tolist(), t["i_alt"].tolist()   # (100 − 0 − 16) / 2 each; Σ i_alt = 100
    ([42.0, 42.0], [83.5, 16.5])
    """
    ps = resolve(params)
    unknown = sorted(set(satser) - set(_SATSER))
    if unknown:
        raise XlmodelError(unknown[0], satser[unknown[0]], "one of " + ", ".join(_SATSER))
    rate = {k: _rate(satser.get(k), k, key, ps, aar, maximum=mx) for k, (key, mx) in _SATSER.items()}
    pop = _mun(indbyggere, "indbyggere", minimum=0, allowed="a number of inhabitants ≥ 0")
    need = _mun(udgiftsbehov, "udgiftsbehov")
    base = _mun(beskatningsgrundlag, "beskatningsgrundlag", minimum=0)
    flag = _flags(hovedstad, "hovedstad")
    tax = _mun(selskabsskat, "selskabsskat", minimum=0)
    need_h = (need if udgiftsbehov_hovedstad is None
              else _mun(udgiftsbehov_hovedstad, "udgiftsbehov_hovedstad"))
    named = [("indbyggere", pop), ("udgiftsbehov", need), ("beskatningsgrundlag", base),
             ("hovedstad", flag), ("selskabsskat", tax), ("udgiftsbehov_hovedstad", need_h)]
    if udskrivningsprocent is not None:
        named.append(("udskrivningsprocent", _mun(udskrivningsprocent, "udskrivningsprocent", minimum=0)))
    if oevrige is not None:
        named.append(("oevrige", _mun(oevrige, "oevrige")))
    arrays = dict(zip([n for n, _ in named], _fit(*named), strict=True))
    pop, need, base, flag, tax = (arrays[k] for k in ("indbyggere", "udgiftsbehov", "beskatningsgrundlag",
                                                      "hovedstad", "selskabsskat"))
    if np.any(pop.sum(axis=-1) <= 0):
        raise XlmodelError("indbyggere", "sum 0", "a number of inhabitants ≥ 0, with a positive sum")
    grant = _grant(bloktilskud_i_alt, ps, aar, pop.shape[:-1])
    with np.errstate(over="ignore", invalid="ignore"):  # every column is checked for finiteness below
        out = _table(arrays, grant, rate, ps, aar)
    for key, value in out.items():
        if not np.all(np.isfinite(value)):
            amounts = ("udgiftsbehov", "beskatningsgrundlag", "selskabsskat", "indbyggere")
            culprit = max(amounts, key=lambda k: float(np.max(np.abs(arrays[k]))))
            raise XlmodelError(culprit, "values too large to compute with",
                               "amounts whose products and sums stay finite (below about 1e300)",
                               detail=f"the column {key} overflowed")
    return out


def _table(arrays: dict[str, np.ndarray], grant: Any, rate: dict[str, float], ps: ParameterSet,
           aar: int | None) -> dict[str, np.ndarray]:
    pop, need, base, flag, tax = (arrays[k] for k in ("indbyggere", "udgiftsbehov", "beskatningsgrundlag",
                                                      "hovedstad", "selskabsskat"))
    t = rate["skatteprocent"]
    su = _su(need, base, t)
    out: dict[str, np.ndarray] = {"strukturelt_underskud": su}
    out["landsudligning"] = rate["landsudligning_pct"] / 100 * su
    out["hovedstadsudligning"] = _hsu(_su(arrays["udgiftsbehov_hovedstad"], base, t), pop, flag,
                                      rate["hovedstad_pct"])
    out["hoejt_underskud"] = _hoejt(su, pop, rate["graense_pct"], rate["tilskud_pct"])
    if "udskrivningsprocent" in arrays:
        out["overudligning"] = _over(out["landsudligning"], out["hovedstadsudligning"], flag,
                                     arrays["udskrivningsprocent"], ps, aar,
                                     (rate["landsudligning_pct"], rate["hovedstad_pct"], t))
    out["selskabsskat"] = _selskab(tax, pop, rate["selskabsskat_pct"])
    if "oevrige" in arrays:
        out["oevrige"] = arrays["oevrige"]
    financed = sum(out[k].sum(axis=-1, keepdims=True)
                   for k in ("landsudligning", "hoejt_underskud", "overudligning") if k in out)
    out["bloktilskud"] = (grant - financed) * pop / pop.sum(axis=-1, keepdims=True)
    out["i_alt"] = sum(out[k] for k in ORDNINGER if k in out)
    return out


_SATSER = {
    "skatteprocent": ("udligning.skatteprocent", 100.0),
    "landsudligning_pct": ("udligning.landsudligning_pct", 100.0),
    "hovedstad_pct": ("udligning.hovedstad_pct", 100.0),
    "graense_pct": ("udligning.hoejt_underskud_graense_pct", 1000.0),
    "tilskud_pct": ("udligning.hoejt_underskud_pct", 100.0),
    "selskabsskat_pct": ("udligning.selskabsskat_pct", 100.0),
}


def _grant(value: ArrayLike | None, ps: ParameterSet, aar: int | None, lead: tuple[int, ...]) -> Any:
    if value is None:
        return float(ps.value("bloktilskud.paragraf14", aar))
    arr = numbers(value, "bloktilskud_i_alt")
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 1 or not lead or arr.shape != lead:
        want = f"one number, or one per scenario ({lead[0]})" if lead else "one number"
        raise XlmodelError("bloktilskud_i_alt", f"shape {arr.shape}", want)
    return arr[:, None]


def tilskud_og_udligning(indbyggere: ArrayLike, udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
                         hovedstad: ArrayLike, selskabsskat: ArrayLike,
                         bloktilskud_i_alt: ArrayLike | None = None, **kwargs: Any) -> pd.DataFrame:
    """The whole table: one row per municipality, one column per scheme and the total.

    Same rules and keywords as :func:`beregn` (1-D inputs only; use :func:`beregn` for
    scenarios).  Columns: strukturelt_underskud (information), then the schemes in
    :data:`ORDNINGER` that apply, then i_alt.  The index is the first Series' index (e.g. kode),
    else 0…n−1.  ``.attrs`` holds the year, the parameter set and the rates used.

    >>> df = tilskud_og_udligning([100, 100], [300, 200], [1000, 1000], [False, False], [30, 10], 100,
    ...                           skatteprocent=25)
    >>> list(df.columns)   # doctest: +NORMALIZE_WHITESPACE
    ['strukturelt_underskud', 'landsudligning', 'hovedstadsudligning', 'hoejt_underskud',
     'selskabsskat', 'bloktilskud', 'i_alt']
    >>> bool(abs(df["i_alt"].sum() - 100) < 1e-9)   # the grant is distributed in full
    True
    """
    out = beregn(indbyggere, udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat,
                 bloktilskud_i_alt, **kwargs)
    if out["i_alt"].ndim != 1:
        raise XlmodelError("beskatningsgrundlag", "2-D (scenario) input",
                           "one value per municipality; use udligning.beregn for scenarios")
    index = next((t.index for t in (indbyggere, udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat)
                  if isinstance(t, pd.Series)), None)
    df = pd.DataFrame(out, index=index)
    ps = resolve(kwargs.get("params"))
    aar = kwargs.get("aar") or ps.budget_year
    df.attrs.update({"aar": aar, "parametersaet": ps.name,
                     "overudligning": "beregnet" if "overudligning" in out
                     else "ikke beregnet (udskrivningsprocent ikke angivet)"})
    return df


def tilskud_og_udligning_tabel(indbyggere: ArrayLike, udgiftsbehov: ArrayLike, beskatningsgrundlag: ArrayLike,
                               hovedstad: ArrayLike, selskabsskat: ArrayLike,
                               bloktilskud_i_alt: ArrayLike | None = None,
                               params: str | ParameterSet | None = None) -> pd.DataFrame:
    """The table as the Excel function TILSKUD_OG_UDLIGNING shows it: Danish column headings.

    The schemes of :func:`tilskud_og_udligning` (without overudligning and øvrige, which need
    inputs the cell function does not take) and the total; the structural deficit is left out
    (STRUKTURELT_UNDERSKUD gives it).

    >>> tilskud_og_udligning_tabel([100, 100], [30, 20], [100, 100], [False, False], [3, 1], 10).columns[-1]
    'Tilskud og udligning i alt'
    """
    df = tilskud_og_udligning(indbyggere, udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat,
                              bloktilskud_i_alt, params=params)
    df = df.drop(columns="strukturelt_underskud")
    return df.rename(columns=OVERSKRIFTER)


# ------------------------------------------------------------------- illustrative sample ----
#: Municipalities outside Region Hovedstaden that belong to the capital area in the pre-2021
#: hovedstadsudligning (Greve, Køge, Roskilde, Solrød, Lejre: the former Roskilde Amt) — used only
#: to flag the ILLUSTRATIVE sample; a user's Data sheet carries its own flag.
_HOVEDSTAD_UDEN_FOR_REGIONEN = (253, 259, 265, 269, 350)


def eksempeldata(params: str | ParameterSet | None = None) -> pd.DataFrame:
    """ILLUSTRATIVE per-municipality inputs for the table — not official figures.

    Built on :func:`xlmodel.kommuner.eksempeldata` (population, 2011 tax base, rates): the
    2014 udskrivningsgrundlag is the statsgaranti of the 2011 base; land values, udgiftsbehov
    (national and capital-area) and selskabsskat are seeded, plausible sizes (mio. kr.).  The
    total udgiftsbehov is set so the country's structural deficit is about the § 14 grant (the
    order of magnitude of the real system).  ``.attrs["illustrativ"]`` is True.

    >>> d = eksempeldata()
    >>> len(d), int(d["hovedstad"].sum()), d.attrs["illustrativ"]
    (98, 34, True)
    """
    from xlmodel import kommuner, skat

    ps = resolve(params)
    year = ps.budget_year
    base = kommuner.eksempeldata()
    rng = np.random.default_rng(2014)
    n = len(base)
    pop = base["indbyggere"].to_numpy(dtype=float)
    garanti = skat.statsgaranti_grundlag(base["udskrivningsgrundlag_2011"].to_numpy(), year)
    uskr = np.round(np.asarray(garanti, dtype=float), 1)
    rich = uskr / pop / (uskr.sum() / pop.sum())  # tax base per inhabitant relative to the country
    grund = np.round(pop * 0.17 * rich * rng.uniform(0.8, 1.25, n), 1)
    need_factor = np.clip(1 + 0.08 * rng.standard_normal(n) - 0.35 * (rich - 1), 0.75, 1.35)
    t = float(ps.value("udligning.skatteprocent", year))
    bgr = uskr + float(ps.value("udligning.grundvaerdi_andel", year)) * grund
    target = bgr.sum() * t / 100 + float(ps.value("bloktilskud.paragraf14", year))
    need = np.round(target * pop * need_factor / (pop * need_factor).sum(), 1)
    need_h = np.round(need * rng.uniform(0.97, 1.03, n), 1)
    flag = ((base["region"] == "Region Hovedstaden")
            | base["kode"].isin(_HOVEDSTAD_UDEN_FOR_REGIONEN)).to_numpy()
    company = np.round(pop * 0.0016 * rng.lognormal(0.0, 0.7, n), 1)
    df = pd.DataFrame({
        "kode": base["kode"], "navn": base["navn"], "region": base["region"],
        "indbyggere": base["indbyggere"], "udskrivningsgrundlag": uskr, "grundvaerdier": grund,
        "udgiftsbehov": need, "udgiftsbehov_hovedstad": need_h, "selskabsskat": company,
        "hovedstad": flag, "udskrivningsprocent": base["udskrivningsprocent"],
        "oevrige": np.zeros(n), "datakilde": "illustrativ",
    })
    df.attrs.update({"illustrativ": True,
                     "kilde": "ILLUSTRATIVE: xlmodel.udligning.eksempeldata (seeded), not official figures"})
    return df


# ------------------------------------------------------------------------- reconciliation ----
#: The ministry's column headings (as a user pastes them) → xlmodel's scheme keys.
MINISTERIETS_KOLONNER = {
    "landsudligning": "landsudligning",
    "hovedstadsudligning": "hovedstadsudligning",
    "udligningstilskud til kommuner med højt strukturelt underskud": "hoejt_underskud",
    "tilskud til kommuner med højt strukturelt underskud": "hoejt_underskud",
    "højt strukturelt underskud": "hoejt_underskud",
    "korrektion for overudligning": "overudligning",
    "overudligning": "overudligning",
    "udligning af selskabsskat": "selskabsskat",
    "selskabsskat": "selskabsskat",
    "bloktilskud": "bloktilskud",
    "statstilskud": "bloktilskud",
    "øvrige": "oevrige",
    "i alt": "i_alt",
    "tilskud og udligning i alt": "i_alt",
}
_UNITS = {"kr.": 1.0, "1.000 kr.": 1_000.0, "mio. kr.": 1_000_000.0}


def _ministry_columns(df: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in df.columns:
        key = " ".join(str(col).split()).casefold()
        scheme = key if key in ORDNINGER or key == "i_alt" else MINISTERIETS_KOLONNER.get(key)
        if scheme is None:
            continue
        if scheme in out.values():
            raise XlmodelError("ministry_table", col, "each scheme once",
                               detail=f"a second column for {scheme}")
        out[str(col)] = scheme
    if not out:
        raise XlmodelError("ministry_table", list(map(str, df.columns))[:8],
                           "columns named like the ministry's table: "
                           + ", ".join(sorted(MINISTERIETS_KOLONNER)))
    return out


def afstem(model_table: pd.DataFrame, ministry_table: pd.DataFrame, *, enhed: str = "mio. kr.",
           ministeriets_enhed: str | None = None, tolerance_kr: float = 1_000.0) -> pd.DataFrame:
    """Per municipality and scheme: xlmodel's amount, the ministry's, the difference and its class.

    Both tables are indexed by municipality (e.g. kode).  The ministry's columns may carry its
    headings ("Landsudligning", "Udligning af selskabsskat", …, see MINISTERIETS_KOLONNER).
    ``enhed`` is the unit of ``model_table``, ``ministeriets_enhed`` that of the ministry's
    (default the same): "kr.", "1.000 kr." or "mio. kr.".  Class ("klasse"):

    * ``afrunding``: |difference| ≤ ``tolerance_kr`` (1,000 kr. per line: the ministry publishes
      whole 1,000 kr.);
    * ``reel``: a larger difference — a data or rule difference to look into;
    * ``mangler``: the municipality or scheme is only in one of the tables (never read as 0).

    The difference is model − ministry, in ``enhed``.

    >>> m = pd.DataFrame({"landsudligning": [10.0004, 5.0]}, index=[101, 147])
    >>> o = pd.DataFrame({"Landsudligning": [10.0, 4.9]}, index=[101, 147])
    >>> afstem(m, o)[["kode", "ordning", "klasse"]].values.tolist()
    [[101, 'landsudligning', 'afrunding'], [147, 'landsudligning', 'reel']]
    """
    for name, df in (("model_table", model_table), ("ministry_table", ministry_table)):
        if not isinstance(df, pd.DataFrame):
            raise XlmodelError(name, type(df).__name__, "a table (DataFrame) indexed by municipality")
    units = ", ".join(_UNITS)
    if enhed not in _UNITS:
        raise XlmodelError("enhed", enhed, units)
    other = enhed if ministeriets_enhed is None else ministeriets_enhed
    if other not in _UNITS:
        raise XlmodelError("ministeriets_enhed", other, units)
    tol = float(numbers(tolerance_kr, "tolerance_kr", minimum=0)) / _UNITS[enhed]
    factor = _UNITS[other] / _UNITS[enhed]
    mapping = _ministry_columns(ministry_table)
    schemes = [s for s in (*ORDNINGER, "i_alt") if s in model_table.columns or s in mapping.values()]
    theirs = {scheme: col for col, scheme in mapping.items()}
    rows = []
    for kode in list(dict.fromkeys([*model_table.index, *ministry_table.index])):
        for scheme in schemes:
            ours = (model_table.at[kode, scheme]
                    if kode in model_table.index and scheme in model_table.columns else None)
            col = theirs.get(scheme)
            ref = (ministry_table.at[kode, col] if kode in ministry_table.index and col is not None
                   else None)
            if ours is None and ref is None:
                continue
            if ours is None or ref is None or pd.isna(ours) or pd.isna(ref):
                rows.append((kode, scheme, _num(ours), _num(ref, factor), np.nan, "mangler"))
                continue
            a, b = float(ours), float(ref) * factor
            diff = a - b
            klasse = "afrunding" if abs(diff) <= tol * (1 + 1e-9) else "reel"
            rows.append((kode, scheme, a, b, diff, klasse))
    return pd.DataFrame(rows, columns=["kode", "ordning", "xlmodel", "ministeriet", "forskel", "klasse"])


def _num(value: Any, factor: float = 1.0) -> float:
    if value is None or pd.isna(value):
        return float("nan")
    return float(value) * factor


def opsummer(afstemning: pd.DataFrame) -> Mapping[str, int]:
    """How many lines of each class: {"afrunding": …, "reel": …, "mangler": …}."""
    counts = afstemning["klasse"].value_counts()
    return {k: int(counts.get(k, 0)) for k in ("afrunding", "reel", "mangler")}
