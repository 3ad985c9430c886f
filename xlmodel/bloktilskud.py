"""Bloktilskud (block grant): distribution, DUT, midtvejsregulering, sanctions and tax regulation.

The mechanisms of DOMAIN.md §3, each a pure, vectorised function.  Per-municipality inputs are
scalars, lists, numpy arrays or pandas Series with one value per municipality; the result comes
back in the caller's container (a Series keeps its index).  The distribution, the two sanctions
and the tax-cut subsidy also take scenarios × municipalities (2-D, the municipality axis last),
so a thousand scenarios run in one call with no Python loop over municipalities or scenarios.

Amounts are in mio. kr. where a rule compares them with a figure of the parameter set (the
250 mio. frame, the 15 mio. threshold, the 187 mio. pool); the other rules are unit-free.
Every rate and amount of the agreement is read from the parameter set, never written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlmodel._inputs import ArrayLike, align_labels, finite_result, like, numbers, same_length, years
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve

__all__ = [
    "beskaeftigelsestilskud_midtvejsregulering",
    "budgetsanktion",
    "budgetsanktion_detalje",
    "dut_regulering",
    "fordel_efter_indbyggere",
    "fordelingsandele",
    "midtvejsregulering",
    "regnskabssanktion",
    "regnskabssanktion_detalje",
    "skattenedsaettelse_tilskud",
    "skattestigning_regulering",
]

_SHAPES = "one value per municipality (1-D), or scenarios × municipalities (2-D, municipalities last)"
_BUDGET_KEY = "egen overskridelse"  # the only budget-sanction key implemented (see budgetsanktion)
_CAP_SPLIT = "forholdsmæssig"  # the capped budget sanction scales every share alike


# ------------------------------------------------------------------------------ input helpers ----
def _municipal(value: ArrayLike, name: str, *, ndim_max: int = 2, minimum: float | None = None,
               allowed: str = "") -> np.ndarray:
    """Per-municipality numbers as a 1-D (or 2-D scenario) float array; a scalar is one municipality."""
    arr = np.atleast_1d(numbers(value, name, minimum=minimum, allowed=allowed))
    if arr.ndim > ndim_max:
        raise XlmodelError(name, f"{arr.ndim}-D input, shape {arr.shape}",
                           _SHAPES if ndim_max == 2 else "one value per municipality (1-D)")
    if arr.shape[-1] == 0 or arr.size == 0:
        raise XlmodelError(name, "no values", "at least one municipality", detail="empty")
    return arr


def _align(*named: tuple[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Check that the inputs describe the same municipalities (and scenarios); broadcast them."""
    same_length((name, arr[(0,) * (arr.ndim - 1)]) for name, arr in named)  # municipality axis
    rows = [(name, arr.shape[0]) for name, arr in named if arr.ndim == 2]
    for name, count in rows[1:]:
        if count != rows[0][1]:
            raise XlmodelError(name, f"{count} scenarios (rows)",
                               f"the same number of scenarios as {rows[0][0]} ({rows[0][1]})")
    return tuple(np.broadcast_arrays(*(arr for _, arr in named)))


def _per_scenario(value: ArrayLike, name: str, lead: tuple[int, ...], *,
                  minimum: float | None = None) -> np.ndarray:
    """A total given once (scalar) or once per scenario (1-D), shaped to broadcast over municipalities."""
    arr = numbers(value, name, minimum=minimum)
    if arr.ndim == 0:
        return arr
    if arr.ndim > 1 or (lead and arr.shape != lead):
        want = f"one number, or one per scenario ({lead[0]})" if lead else "one number, or one per scenario"
        raise XlmodelError(name, f"shape {arr.shape}", want)
    return arr[:, None]  # a column: one total per scenario row


def _population(value: ArrayLike, name: str = "indbyggere", *, ndim_max: int = 2) -> np.ndarray:
    pop = _municipal(value, name, ndim_max=ndim_max, minimum=0,
                     allowed="a number of inhabitants ≥ 0, with a positive sum")
    totals = finite_result(pop.sum(axis=-1), name)  # 1e308 × 3 must not give shares of 0
    if np.any(totals <= 0):
        raise XlmodelError(name, f"sum {float(np.min(totals)):g}",
                           "a number of inhabitants ≥ 0, with a positive sum")
    return pop


def _shares(pop: np.ndarray) -> np.ndarray:
    return pop / pop.sum(axis=-1, keepdims=True)


def _give_back(result: np.ndarray, municipal: tuple[ArrayLike, ...],
               scenario: tuple[ArrayLike, ...] = ()) -> Any:
    """1-D → like() (Series keeps its index); 2-D → DataFrame if the caller gave pandas, else ndarray."""
    if result.ndim < 2:
        if result.shape == (1,) and all(np.ndim(t) == 0 for t in municipal):
            return float(result[0])  # one municipality given as a scalar
        return like(result, *municipal)
    frames = [t for t in (*municipal, *scenario) if isinstance(t, pd.DataFrame) and t.shape == result.shape]
    if frames:
        return pd.DataFrame(result, index=frames[0].index, columns=frames[0].columns)
    columns = next((t.index for t in municipal if isinstance(t, pd.Series)), None)
    index = next((t.index for t in scenario if isinstance(t, pd.Series)), None)
    if columns is None and index is None:
        return result
    return pd.DataFrame(result, index=index, columns=columns)


def _fraction(value: ArrayLike, name: str) -> float:
    arr = numbers(value, name, minimum=0, maximum=1, allowed="a share from 0 to 1 (e.g. 0.4)")
    if arr.ndim != 0:
        raise XlmodelError(name, f"{arr.size} values", "one share from 0 to 1 (e.g. 0.4)")
    return float(arr)


# ------------------------------------------------------------------------ distribution --------
def fordelingsandele(indbyggere: ArrayLike) -> ArrayLike:
    """Each municipality's share of the population, N_i / ΣN (the shares sum to 1).

    Rule: population shares are the key of the pre-2021 udligningslov [lov]; which count is
    used is the parameter ``bloktilskud.fordelingsnoegle`` [antagelse].  2-D input: one share
    vector per scenario row.

    >>> fordelingsandele([100, 300]).tolist()
    [0.25, 0.75]
    """
    pop = _population(indbyggere)
    return _give_back(_shares(pop), (indbyggere,))


def fordel_efter_indbyggere(indbyggere: ArrayLike, beloeb_i_alt: ArrayLike,
                            params: str | ParameterSet | None = None) -> ArrayLike:
    """Distribute an amount by population: B_i = B · N_i / ΣN.

    Rule: the part of the grant not used for equalisation is shared by population
    [lov: udligningsloven før 2021]; the population count is ``bloktilskud.fordelingsnoegle``
    [antagelse].  ``beloeb_i_alt`` may be negative (a reduction).  The parts sum to the total
    (to float precision).  Scenarios: ``indbyggere`` 2-D (scenarios × municipalities) and/or
    ``beloeb_i_alt`` a vector with one total per scenario give a 2-D result.  ``params`` is
    accepted for a uniform signature; no figure of the set enters this rule.

    Worked example (illustrative): 3,000 mio. kr. over 10,000 / 30,000 / 60,000 inhabitants.

    >>> fordel_efter_indbyggere([10_000, 30_000, 60_000], 3000).tolist()
    [300.0, 900.0, 1800.0]
    """
    resolve(params)  # a bad params argument is reported here, as in every other mechanism
    pop = _population(indbyggere)
    total = _per_scenario(beloeb_i_alt, "beloeb_i_alt", pop.shape[:-1])
    return _give_back(finite_result(total * _shares(pop), "beloeb_i_alt"), (indbyggere,), (beloeb_i_alt,))


def dut_regulering(beloeb: ArrayLike, aar: ArrayLike,
                   params: str | ParameterSet | None = None) -> pd.Series:
    """DUT lines summed per year: the regulation of the grant, as a Series indexed by year.

    Rule: under the DUT principle (Det Udvidede Totalbalanceprincip) a change in municipal
    tasks or binding rules regulates the bloktilskud by its net cost [aftale + lov].  Each line
    is an amount in a year; the lines of a year add up (``params`` is accepted for a uniform
    signature; no figure of the set enters the sum).  Sign: a positive amount is a net cost
    put on the municipalities, so the grant goes up; a negative amount (a task removed) lowers it.

    Worked example [aftale, afsnit 4]: the school reform lifts the grant 204 mio. kr. in 2014
    and 407 mio. kr. from 2015 (``bloktilskud.skolereform_dut``); with an illustrative second
    line of −50 mio. kr. in 2015:

    >>> dut_regulering([204, 407, -50], [2014, 2015, 2015]).to_dict()
    {2014: 204.0, 2015: 357.0}
    """
    resolve(params)
    amount = np.atleast_1d(numbers(beloeb, "beloeb"))
    year = np.atleast_1d(years(aar, "aar"))
    for name, arr in (("beloeb", amount), ("aar", year)):
        if arr.ndim != 1:
            raise XlmodelError(name, f"shape {arr.shape}", "one value per DUT line (1-D)")
    if amount.size == 0:
        raise XlmodelError("beloeb", "no values", "at least one DUT line", detail="empty")
    same_length([("beloeb", amount), ("aar", year)])
    unique, where = np.unique(year, return_inverse=True)
    summed = np.bincount(where, weights=amount, minlength=unique.size)
    return pd.Series(summed, index=pd.Index(unique, name="aar"), name="dut")


def midtvejsregulering(skoen_foer: ArrayLike, skoen_efter: ArrayLike, indbyggere: ArrayLike,
                       params: str | ParameterSet | None = None) -> ArrayLike:
    """The midtvejsregulering of the grant, distributed by population.

    Rule: when the estimates of the transfer expenses change during the year, the grant is
    regulated by the difference [aftale: Aftale 2014, "Øvrige økonomiske forudsætninger"];
    M = Σ(skoen_efter − skoen_foer) over the estimate lines, distributed by population
    [antagelse].  Sign: a higher transfer estimate raises the grant (M > 0 is paid out), a
    lower one reduces it.  The whole difference is regulated; whether a change is "material"
    is a decision outside this function.  The lines are the bloktilskud's transfer lines only:
    the forsikrede-ledige line is financed by the beskæftigelsestilskud and regulated by
    ledighed (:func:`beskaeftigelsestilskud_midtvejsregulering`, udligningsloven § 23 a) —
    keep the two apart.

    Worked example (illustrative, mio. kr.): two transfer lines re-estimated from 65,300 and
    12,600 to 65,500 and 12,500: M = +100, shared by 1:3 population.

    >>> midtvejsregulering([65_300, 12_600], [65_500, 12_500], [25_000, 75_000]).tolist()
    [25.0, 75.0]
    """
    before = np.atleast_1d(numbers(skoen_foer, "skoen_foer"))
    after = np.atleast_1d(numbers(skoen_efter, "skoen_efter"))
    if before.ndim != 1 or after.ndim != 1:
        raise XlmodelError("skoen_foer" if before.ndim != 1 else "skoen_efter", "a 2-D table",
                           "one estimate per transfer line (1-D)")
    same_length([("skoen_foer", before), ("skoen_efter", after)])
    return fordel_efter_indbyggere(indbyggere, float(np.sum(after - before)), params)


def beskaeftigelsestilskud_midtvejsregulering(skoen_foer: ArrayLike, skoen_efter: ArrayLike,
                                              ledighed: ArrayLike,
                                              params: str | ParameterSet | None = None) -> ArrayLike:
    """The midtvejsregulering of the beskæftigelsestilskud, distributed by ledighed (not population).

    Rule [lov: udligningsloven § 23 a]: the expenses for forsikrede ledige are financed by the
    beskæftigelsestilskud (12,635 mio. kr. in 2014, ``bloktilskud.beskaeftigelsestilskud``), and
    its regulation is distributed by the municipalities' ledighed, kept apart from the
    bloktilskud's midtvejsregulering (:func:`midtvejsregulering`, by population).  ``ledighed``
    is the user's key per municipality (e.g. the number of forsikrede ledige, or the share of the
    national ledighed); it is data the user supplies.  M = Σ(skoen_efter − skoen_foer).

    Worked example (illustrative, mio. kr.): the forsikrede-ledige estimate rises from 12,635 to
    12,735: M = +100, shared 1:4 by ledighed 2,000 and 8,000.

    >>> beskaeftigelsestilskud_midtvejsregulering([12_635], [12_735], [2_000, 8_000]).tolist()
    [20.0, 80.0]
    """
    before = np.atleast_1d(numbers(skoen_foer, "skoen_foer"))
    after = np.atleast_1d(numbers(skoen_efter, "skoen_efter"))
    if before.ndim != 1 or after.ndim != 1:
        raise XlmodelError("skoen_foer" if before.ndim != 1 else "skoen_efter", "a 2-D table",
                           "one estimate per line (1-D)")
    same_length([("skoen_foer", before), ("skoen_efter", after)])
    key = _population(ledighed, "ledighed", ndim_max=1)
    total = float(finite_result(np.sum(after - before), "skoen_efter"))
    return _give_back(finite_result(total * _shares(key), "skoen_efter"), (ledighed,))


# --------------------------------------------------------------------------------- sanctions ----
def _sanktion(forbrug: np.ndarray, graense: np.ndarray, pop: np.ndarray, kollektiv_andel: float,
              names: tuple[str, str], *, niveau: np.ndarray | None = None,
              loft: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 40/60 sanction rule, once for both sanctions: (collective, individual) parts.

    R = max(0, Σ (forbrug_i − graense_i)) per scenario row (the differences first, so 1e308 in
    both inputs cannot swallow a real overspend), or max(0, Σ forbrug − niveau) when an agreed
    level is given; R is capped at ``loft`` when given.  kollektiv_andel · R by population share;
    the rest among the overspenders in proportion to max(0, forbrug_i − graense_i).  Should no
    municipality have overspent its own graense while R > 0 (only possible against an agreed
    level), the individual part has no key and is shared by population too [antagelse].
    """
    with np.errstate(over="ignore", invalid="ignore"):
        diff = finite_result(forbrug - graense, names[0])
        if niveau is None:
            overshoot = finite_result(np.maximum(0.0, diff.sum(axis=-1, keepdims=True)), names[0])
        else:
            overshoot = finite_result(np.maximum(0.0, forbrug.sum(axis=-1, keepdims=True) - niveau), names[0])
    if loft is not None:
        overshoot = np.minimum(overshoot, loft)
    own = np.maximum(0.0, diff)
    own_total = own.sum(axis=-1, keepdims=True)
    shares = _shares(pop)
    key = np.divide(own, own_total, out=np.zeros_like(own), where=own_total > 0)
    key = np.where(own_total > 0, key, shares)
    collective = kollektiv_andel * overshoot * shares
    individual = (1.0 - kollektiv_andel) * overshoot * key
    return collective, individual


def _year_of(ps: ParameterSet, aar: ArrayLike | None, name: str = "aar") -> int:
    """One whole year; None → the set's budget year (no year literal in code)."""
    if aar is None:
        return ps._year(None)
    arr = years(aar, name)
    if arr.ndim:
        raise XlmodelError(name, arr.tolist(), "one whole year")
    return int(arr)


def _sanction_inputs(forbrug: ArrayLike, graense: ArrayLike, indbyggere: ArrayLike,
                     names: tuple[str, str], kollektiv_andel: ArrayLike | None,
                     params: str | ParameterSet | None, *, ndim_max: int = 2, aar: ArrayLike | None = None,
                     niveau: ArrayLike | None = None, loft: float | None = None,
                     ) -> tuple[np.ndarray, np.ndarray]:
    ps = resolve(params)
    year = _year_of(ps, aar)
    share = _fraction(ps.value("sanktion.kollektiv_andel", year) if kollektiv_andel is None
                      else kollektiv_andel, "kollektiv_andel")
    forbrug, graense, indbyggere = align_labels((names[0], forbrug), (names[1], graense),
                                                ("indbyggere", indbyggere))
    spent = _municipal(forbrug, names[0], ndim_max=ndim_max)
    limit = _municipal(graense, names[1], ndim_max=ndim_max)
    pop = _population(indbyggere, ndim_max=ndim_max)
    spent, limit, pop = _align((names[0], spent), (names[1], limit), ("indbyggere", pop))
    level = None if niveau is None else _per_scenario(niveau, "aftalt_niveau", spent.shape[:-1])
    if level is not None and level.ndim == 0:
        level = level.reshape(1)
    return _sanktion(spent, limit, pop, share, names, niveau=level, loft=loft)


def _agreed_level(ps: ParameterSet, year: int, aftalt_niveau: ArrayLike | None) -> ArrayLike | None:
    """The agreed level an accounts sanction is measured against: the argument, else the year's
    ``sanktion.regnskab_aftalt_niveau`` if the set has one, else None (measured against budgets)."""
    if aftalt_niveau is not None:
        return aftalt_niveau
    param = ps.parameters.get("sanktion.regnskab_aftalt_niveau")
    if param is None or year not in param.values:
        return None
    return ps.value("sanktion.regnskab_aftalt_niveau", year)


def _detail(parts: tuple[np.ndarray, np.ndarray], *templates: ArrayLike) -> pd.DataFrame:
    collective, individual = parts
    index = next((t.index for t in templates if isinstance(t, pd.Series)), None)
    return pd.DataFrame({"kollektiv": collective, "individuel": individual,
                         "i_alt": collective + individual}, index=index)


def _budget_key(ps: ParameterSet, year: int) -> None:
    key = ps.value("sanktion.budget_individuel_noegle", year)
    split = ps.value("sanktion.budget_loft_fordeling", year)
    if split != _CAP_SPLIT:
        raise XlmodelError("sanktion.budget_loft_fordeling", split,
                           f"'{_CAP_SPLIT}' (the only split of the capped amount xlmodel implements)",
                           detail=f"parameter set {ps.name}")
    if key != _BUDGET_KEY:
        raise XlmodelError("sanktion.budget_individuel_noegle", key,
                           f"'{_BUDGET_KEY}' (the only individual key xlmodel implements)",
                           detail=f"parameter set {ps.name}")


def regnskabssanktion(regnskab: ArrayLike, korrigeret_budget: ArrayLike, indbyggere: ArrayLike,
                      kollektiv_andel: ArrayLike | None = None, params: str | ParameterSet | None = None,
                      aftalt_niveau: ArrayLike | None = None,
                      aar: ArrayLike | None = None) -> ArrayLike:
    """Each municipality's reduction of the grant under the accounts sanction (≥ 0).

    Rule [lov: sanktionsloven 2011, udligningsloven §§ 14, 14 a]: R = max(0, Σ regnskab −
    Σ korrigeret budget); ``kollektiv_andel`` · R (``sanktion.kollektiv_andel``, 40 pct.) by
    population share, the rest (60 pct.) among the municipalities that overspent, in
    proportion to their own overspend max(0, regnskab_i − budget_i).  No ceiling: the budget
    law removed the former 3 bn. kr. maximum from 2014.  2-D input (scenarios ×
    municipalities) gives one row per scenario.

    The agreed level [aftale: Aftale 2014, afsnit 3: "en eventuel regnskabssanktion vedrørende
    2014 tager afsæt i det aftalte udgiftsniveau"]: when an agreed level applies, R = max(0,
    Σ regnskab − aftalt_niveau).  ``aftalt_niveau`` defaults to the year's
    ``sanktion.regnskab_aftalt_niveau`` (2014: service 230,541 mio. kr., 2014-pl; add DUT
    regulations to it yourself); a year without one is measured against the budgets.  ``aar``
    (the accounts year) defaults to the set's budget year.  Amounts in mio. kr. when the
    default level is used.  The individual key stays each municipality's overspend of its own
    corrected budget [antagelse]; without any such overspend the individual part is shared by
    population.

    Worked example [aftale 2014]: accounts of 230,300 against budgets of 229,900 (mio. kr.)
    are within the agreed 230,541: no sanction, though the budgets are exceeded by 400.

    >>> regnskabssanktion([130_300, 100_000], [129_900, 100_000], [1, 1]).tolist()
    [0.0, 0.0]
    >>> regnskabssanktion([130_300, 100_000], [129_900, 100_000], [1, 1], aftalt_niveau=230_000).tolist()
    [240.0, 60.0]


    Worked example (illustrative, mio. kr.): accounts 110 / 95 / 100 against budgets
    100 / 100 / 100 → R = 5; the 40 pct. (2) goes 1:1:2 by population, the 60 pct. (3) all to
    the only overspender.

    >>> regnskabssanktion([110, 95, 100], [100, 100, 100], [1, 1, 2], aar=2013).tolist()
    [3.5, 0.5, 1.0]
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    collective, individual = _sanction_inputs(regnskab, korrigeret_budget, indbyggere,
                                              ("regnskab", "korrigeret_budget"), kollektiv_andel, ps,
                                              aar=year, niveau=_agreed_level(ps, year, aftalt_niveau))
    return _give_back(collective + individual, (regnskab, korrigeret_budget, indbyggere))


def regnskabssanktion_detalje(regnskab: ArrayLike, korrigeret_budget: ArrayLike, indbyggere: ArrayLike,
                              kollektiv_andel: ArrayLike | None = None,
                              params: str | ParameterSet | None = None,
                              aftalt_niveau: ArrayLike | None = None,
                              aar: ArrayLike | None = None) -> pd.DataFrame:
    """:func:`regnskabssanktion` split into columns kollektiv, individuel, i_alt (1-D input).

    >>> regnskabssanktion_detalje([110, 95, 100], [100, 100, 100], [1, 1, 2], aar=2013)
       kollektiv  individuel  i_alt
    0        0.5         3.0    3.5
    1        0.5         0.0    0.5
    2        1.0         0.0    1.0
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    regnskab, korrigeret_budget, indbyggere = align_labels(
        ("regnskab", regnskab), ("korrigeret_budget", korrigeret_budget), ("indbyggere", indbyggere))
    parts = _sanction_inputs(regnskab, korrigeret_budget, indbyggere, ("regnskab", "korrigeret_budget"),
                             kollektiv_andel, ps, ndim_max=1, aar=year,
                             niveau=_agreed_level(ps, year, aftalt_niveau))
    return _detail(parts, regnskab, korrigeret_budget, indbyggere)


def budgetsanktion(budget: ArrayLike, ramme: ArrayLike, indbyggere: ArrayLike,
                   kollektiv_andel: ArrayLike | None = None, params: str | ParameterSet | None = None,
                   aar: ArrayLike | None = None) -> ArrayLike:
    """Each municipality's reduction of the grant under the budget sanction (≥ 0).

    Rule: R = max(0, Σ budget − Σ ramme); the same 40/60 split as the accounts sanction
    [lov per KL; ``sanktion.kollektiv_andel``].  The individual key is each municipality's own
    overspend of its own frame, max(0, budget_i − ramme_i) [antagelse:
    ``sanktion.budget_individuel_noegle``; another key in the parameter set is refused, not
    ignored].  What is at stake is the conditional part of the grant: R is capped at
    ``bloktilskud.betinget`` of the year ``aar`` (3,000 mio. kr. in 2014; amounts in mio. kr.)
    [aftale: Aftale 2014, afsnit 3: "3 mia. kr. af kommunernes bloktilskud betinget af
    kommunernes aftaleoverholdelse i budgetterne"].  The capped amount is split 40/60 and keyed
    as the uncapped one, i.e. every municipality's share is scaled by the same factor
    [antagelse: ``sanktion.budget_loft_fordeling``].  ``aar`` defaults to the set's budget
    year.  2-D input gives one row per scenario.

    Worked example (illustrative, mio. kr.): an overshoot of 5,000 (budgets 105,000 against
    frames of 100,000) is capped at the conditional 3,000: 1,200 collectively, 1,800 to the
    overspender.

    >>> budgetsanktion([105_000, 50_000], [100_000, 50_000], [1, 1]).tolist()
    [2400.0, 600.0]

    Worked example (illustrative, mio. kr.): budgets 104 / 103 / 95 against frames of 100:
    R = 2; 0.8 by population 1:1:2, 1.2 shared 4:3 by own overspend.

    >>> budgetsanktion([104, 103, 95], [100, 100, 100], [1, 1, 2]).round(10).tolist()
    [0.8857142857, 0.7142857143, 0.4]
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    _budget_key(ps, year)
    collective, individual = _sanction_inputs(budget, ramme, indbyggere, ("budget", "ramme"),
                                              kollektiv_andel, ps, aar=year,
                                              loft=float(ps.value("bloktilskud.betinget", year)))
    return _give_back(collective + individual, (budget, ramme, indbyggere))


def budgetsanktion_detalje(budget: ArrayLike, ramme: ArrayLike, indbyggere: ArrayLike,
                           kollektiv_andel: ArrayLike | None = None, params: str | ParameterSet | None = None,
                           aar: ArrayLike | None = None) -> pd.DataFrame:
    """:func:`budgetsanktion` split into columns kollektiv, individuel, i_alt (1-D input).

    >>> budgetsanktion_detalje([104, 103, 95], [100, 100, 100], [1, 1, 2]).round(6)
       kollektiv  individuel     i_alt
    0        0.2    0.685714  0.885714
    1        0.2    0.514286  0.714286
    2        0.4    0.000000  0.400000
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    _budget_key(ps, year)
    budget, ramme, indbyggere = align_labels(("budget", budget), ("ramme", ramme), ("indbyggere", indbyggere))
    parts = _sanction_inputs(budget, ramme, indbyggere, ("budget", "ramme"), kollektiv_andel, ps,
                             ndim_max=1, aar=year, loft=float(ps.value("bloktilskud.betinget", year)))
    return _detail(parts, budget, ramme, indbyggere)


# ------------------------------------------------------------------------ tax regulation -------
def _flags(value: ArrayLike, name: str, n: int) -> np.ndarray:
    """Booleans (or 0/1) per municipality; None → all False.  Text is refused, not read as true."""
    allowed = "TRUE/FALSE or 1/0, one per municipality"
    if value is None:
        return np.zeros(n, dtype=bool)
    raw = value.to_numpy() if isinstance(value, pd.Series) else value
    if isinstance(raw, str | bytes):
        raise XlmodelError(name, raw, allowed, detail="text")
    arr = np.atleast_1d(np.asarray(raw, dtype=object))
    for item in arr.ravel():
        if isinstance(item, bool | np.bool_):
            continue
        if isinstance(item, int | float | np.number) and not isinstance(item, str) and item in (0, 1):
            continue
        raise XlmodelError(name, item, allowed)
    flags = arr.astype(bool)
    if flags.ndim != 1:
        raise XlmodelError(name, f"shape {flags.shape}", allowed)
    same_length([("provenuaendring", np.empty(n)), (name, flags)])
    return flags


def skattestigning_regulering(provenuaendring: ArrayLike, indbyggere: ArrayLike, aar_nr: ArrayLike = 0,
                              undtaget: ArrayLike | None = None, params: str | ParameterSet | None = None,
                              aar: ArrayLike | None = None) -> Any:
    """The grant reduction for a tax increase of the municipalities as a whole: individual and collective.

    Rule [aftale 2014, afsnit 3 + lov nr. 477 af 2008 som ændret 2010]: T = max(0, Σ
    provenuaendring), the overshoot of the municipalities' tax as a whole.  In year ``aar_nr``
    (0 = the year of the increase … 3) the individual pool is s·T with s =
    ``skat.forhoejelse_individuel_andel`` [75, 50, 50, 25 pct.], shared among the
    municipalities that raised tax (provenuaendring_i > 0) and are not ``undtaget``, in
    proportion to their own increase and capped at s × their own increase; closed form
    individuel_i = s · p_i · min(1, T / E), E = the non-exempt raisers' total increase.  The
    collective part T − Σ individuel is shared by population over all municipalities.

    From the fourth year after the increase (``aar_nr`` ≥ 4, past the end of the list) the
    whole increase is regulated collectively: individuel 0 [lov nr. 477 af 2008 § 7 stk. 2].
    ``aar`` is the year of the increase (the scheme's start year; default the set's budget
    year): the law's shares and the frame in force that year apply.

    ``undtaget`` (TRUE/FALSE or 1/0): municipalities that had a share of the 250 mio. kr.
    frame (``skat.forhoejelse_ramme``) and raised within it are exempt from the individual part
    [aftale]; their increases (mio. kr.) may not exceed the frame in total.

    Returns columns individuel, kollektiv: a DataFrame for pandas input (index kept),
    otherwise an (n, 2) ndarray (the Excel function spills two columns).

    Worked example (illustrative, mio. kr.): increases 30 / 10 / −20 → T = 20; year 0, s = 75
    pct.: pool 15 shared 3:1 (cap 22.5 and 7.5 not reached); collective 5 by population 1:1:3.

    >>> skattestigning_regulering([30, 10, -20], [1, 1, 3]).tolist()
    [[11.25, 1.0], [3.75, 1.0], [0.0, 3.0]]
    >>> skattestigning_regulering([30, 10, -20], [1, 1, 3], aar_nr=4).tolist()   # all collective
    [[0.0, 4.0], [0.0, 4.0], [0.0, 12.0]]
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    shares = ps.value("skat.forhoejelse_individuel_andel", year)
    allowed = f"a whole year number ≥ 0 (0 = the year of the increase; from {len(shares)} all collective)"
    nr = numbers(aar_nr, "aar_nr", integer=True, minimum=0, allowed=allowed)
    if nr.ndim != 0:
        raise XlmodelError("aar_nr", f"{nr.size} values", "one " + allowed[2:])
    s = shares[int(nr)] / 100.0 if int(nr) < len(shares) else 0.0
    provenuaendring, indbyggere, undtaget = align_labels(
        ("provenuaendring", provenuaendring), ("indbyggere", indbyggere), ("undtaget", undtaget))
    change = _municipal(provenuaendring, "provenuaendring", ndim_max=1)
    pop = _population(indbyggere, ndim_max=1)
    change, pop = _align(("provenuaendring", change), ("indbyggere", pop))
    exempt = _flags(undtaget, "undtaget", change.size)
    raised = np.maximum(change, 0.0)
    exempt_total = float(raised[exempt].sum())
    if exempt_total > 0:
        frame = ps.value("skat.forhoejelse_ramme", year)
        if exempt_total > frame:
            raise XlmodelError("undtaget", f"exempt increases of {exempt_total:g} mio. kr.",
                               f"at most the frame of {frame:g} mio. kr. (skat.forhoejelse_ramme)")
    overshoot = max(0.0, float(finite_result(change.sum(), "provenuaendring")))
    liable = np.where(exempt, 0.0, raised)
    liable_total = float(liable.sum())
    scale = min(1.0, overshoot / liable_total) if liable_total > 0 else 0.0
    individual = s * liable * scale
    collective = (overshoot - individual.sum()) * _shares(pop)
    out = np.column_stack([individual, collective])
    index = next((t.index for t in (provenuaendring, indbyggere, undtaget) if isinstance(t, pd.Series)), None)
    if index is not None:
        return pd.DataFrame(out, index=index, columns=["individuel", "kollektiv"])
    return out


def skattenedsaettelse_tilskud(provenutab: ArrayLike, aar: ArrayLike | None = None,
                               pulje: ArrayLike | None = None, taerskel: ArrayLike | None = None,
                               ordning_aar: ArrayLike | None = None,
                               params: str | ParameterSet | None = None) -> ArrayLike:
    """Subsidy to each municipality that cut its tax, in year ``aar`` (mio. kr.).

    The scheme is the one that started in ``ordning_aar`` (the year of the cut; default: the
    newest scheme of the parameter set that started in or before ``aar``); ``aar`` defaults to
    the set's budget year.  Each agreement's scheme is its own (a vintage): a 2015 scheme never
    changes the 2014 one's 75/50/50/25, and after its last year a scheme pays 0 (a 2014 cut
    gets nothing in 2018).

    Rule [aftale 2014, afsnit 3]: at most 75 / 50 / 50 / 25 pct. of the revenue loss in
    2014 / 15 / 16 / 17 (``skat.nedsaettelse_tilskud_max``); reduced if the cuts exceed the
    frame.  Reduction [antagelse, DOMAIN §3; pool and threshold from the ministry's 2013
    outcome]: in the base year (the first year of the maximum, 2014) with m = 75 pct.,
    pool P (``skat.nedsaettelse_pulje``, 187) and threshold t (``skat.nedsaettelse_taerskel``,
    15 per municipality):

    - if m · Σ loss ≤ P: everyone gets m · loss (no reduction);
    - else if m · Σ min(loss, t) ≤ P: m on the loss up to t, and on the part above t the rate
      x = (P − m · Σ min(loss, t)) / Σ max(0, loss − t), so the total is P (0 ≤ x < m);
    - else (the parts below t alone exceed the pool): the rate on them is scaled down to
      P / Σ min(loss, t) and the parts above t get nothing; the total is P.

    Later years [antagelse]: the base-year subsidy × max_pct[aar] / max_pct[base year], so
    each rate keeps its proportion to the maximum (50/75, 25/75).  2-D input (scenarios ×
    municipalities) solves x per scenario; ``pulje`` may then be one pool per scenario.

    Worked example (illustrative): losses 10 and 40, pool 30: 0.75·(10 + 15) = 18.75 ≤ 30,
    x = (30 − 18.75) / 25 = 45 pct.: 7.5 and 11.25 + 11.25 = 22.5.

    >>> skattenedsaettelse_tilskud([10, 40], 2014, pulje=30).tolist()
    [7.5, 22.5]
    >>> skattenedsaettelse_tilskud([10, 40], 2017, pulje=30).tolist()
    [2.5, 7.5]
    >>> skattenedsaettelse_tilskud([10, 40], 2018, pulje=30, ordning_aar=2014).tolist()
    [0.0, 0.0]
    """
    ps = resolve(params)
    year = _year_of(ps, aar)
    start = None if ordning_aar is None else _year_of(ps, ordning_aar, "ordning_aar")
    scheme = ps.scheme("skat.nedsaettelse_tilskud_max", start, min(year, ps.horizon[1]))
    maxima = dict(sorted(scheme.values.items()))
    base = scheme.vintage if scheme.vintage is not None else min(maxima)
    pct_year = float(ps.scheme_value("skat.nedsaettelse_tilskud_max", year, base))
    m = maxima[min(maxima)] / 100.0
    loss = _municipal(provenutab, "provenutab", minimum=0, allowed="a revenue loss ≥ 0 (mio. kr.)")
    pool = _per_scenario(ps.scheme_value("skat.nedsaettelse_pulje", base, base) if pulje is None else pulje,
                         "pulje", loss.shape[:-1], minimum=0)
    if pool.ndim == 2 and loss.ndim == 1:  # one loss vector, several pools: one row per pool
        loss = np.broadcast_to(loss, (pool.shape[0], loss.size))
    threshold = ps.scheme_value("skat.nedsaettelse_taerskel", base, base) if taerskel is None else taerskel
    limit = numbers(threshold, "taerskel", minimum=0, allowed="one threshold ≥ 0 (mio. kr.)")
    if limit.ndim != 0:
        raise XlmodelError("taerskel", f"{limit.size} values", "one threshold ≥ 0 (mio. kr.)")
    below = np.minimum(loss, limit)
    above = loss - below
    sum_below = below.sum(axis=-1, keepdims=True)
    sum_above = above.sum(axis=-1, keepdims=True)
    fits = m * (sum_below + sum_above) <= pool
    squeezed = m * sum_below > pool  # the parts below the threshold alone exceed the pool (so Σbelow > 0)
    between = ~fits & ~squeezed & (sum_above > 0)
    # A ratio can only overflow when it is far above m, and it is clipped to m below.
    with np.errstate(over="ignore"):
        rate_below = np.where(squeezed, np.divide(pool, sum_below, out=np.full_like(sum_below, m),
                                                  where=squeezed), m)
        rate_above = np.divide(pool - m * sum_below, sum_above, out=np.zeros_like(sum_above), where=between)
    rate_above = np.where(fits, m, rate_above)
    # x < m and P/Σbelow < m hold exactly; the clip keeps float rounding from breaking "≤ m".
    rate_below, rate_above = np.minimum(rate_below, m), np.minimum(rate_above, m)
    subsidy = (rate_below * below + rate_above * above) * (pct_year / maxima[min(maxima)])
    return _give_back(subsidy, (provenutab,), (pulje,))
