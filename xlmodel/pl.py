"""Pris- og lønregulering (PL): chained factors between price levels.

A PL rate keyed year *T* in a parameter set is the step from *T-1* to *T*
(``pl.service = {2014 = 1.3}`` is 2013→2014).  Converting from S-pl to T-pl
multiplies by Π(1 + r_y/100) over the steps S→T; backwards divides by it
[antagelse: chaining is how yearly rates are used].  A missing step is an
error, never 0 pct.
"""

from __future__ import annotations

import numpy as np

from xlmodel._inputs import (
    ArrayLike,
    any_true,
    broadcast,
    finite_result,
    like,
    number,
    numbers,
    same_length,
    year,
)
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, note_reads, recording_active, resolve

#: Excel-facing series name → parameter name.  ``sats`` is the satsreguleringsprocent
#: used for overførsler [lov: satsreguleringsloven].
SERIES: dict[str, str] = {
    "service": "pl.service",
    "samlet": "pl.samlet",
    "anlaeg": "pl.anlaeg",
    "sats": "pl.sats",
    "regional": "pl.regional",
}


_INDEX_CACHE: dict[tuple[int, str], tuple[ParameterSet, int, np.ndarray, tuple[float, ...]]] = {}


#: Factors of single year pairs, per set, series and years: a workbook converts between few pairs.
_FACTOR_CACHE: dict[tuple[int, str, object, object], tuple[ParameterSet, float]] = {}
_PLAIN = (int, float)


def _index(ps: ParameterSet, serie: str) -> tuple[int, np.ndarray]:
    """(first year, cumulative price index with 1.0 at the first year) for a series."""
    hit = _INDEX_CACHE.get((id(ps), serie))
    if hit is not None and hit[0] is ps:  # sets are immutable: one index per set and series
        return hit[1], hit[2]
    return _cache_index(ps, serie)


def _cache_index(ps: ParameterSet, serie: str) -> tuple[int, np.ndarray]:
    if not isinstance(serie, str) or serie.strip().lower() not in SERIES:
        raise XlmodelError("serie", serie, ", ".join(SERIES))
    rates = ps.rates(SERIES[serie.strip().lower()])
    first = min(rates) - 1
    steps = np.array([rates[y] for y in range(first + 1, max(rates) + 1)], dtype=float)
    index = np.concatenate(([1.0], np.cumprod(1.0 + steps / 100.0)))
    index.flags.writeable = False
    if len(_INDEX_CACHE) > 256:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[(id(ps), serie)] = (ps, first, index, tuple(index.tolist()))  # floats: the scalar path
    return first, index


def _positions(value: ArrayLike, name: str, first: int, index: np.ndarray,
               serie: str, ps: ParameterSet) -> int | np.ndarray:
    """Positions of the years in the index (a Python int for one year: the scalar path)."""
    pos = year(value, name) - first
    bad = (pos < 0) | (pos >= index.size)
    if any_true(bad):
        wrong = int(np.ravel(pos)[np.ravel(bad)][0] + first)
        raise XlmodelError(
            name, wrong, f"a year in {first}–{first + index.size - 1}",
            detail=f"no {serie} PL rate for every step in parameter set {ps.name}")
    return pos


def faktor(fra_aar: ArrayLike, til_aar: ArrayLike, serie: str = "service",
           params: str | ParameterSet | None = None) -> ArrayLike:
    """Chained PL factor from ``fra_aar``-pl to ``til_aar``-pl.

    Rule: Π(1 + r_y/100) over the year steps, inverted when converting backwards
    [aftale: rates from Aftale 2014, boks 1; antagelse: chaining].

    >>> round(faktor(2013, 2014), 6)           # service 1.3 pct.
    1.013
    >>> round(faktor(2013, 2014, "anlaeg"), 6)
    1.016
    >>> round(faktor(2014, 2013, "samlet") * 1.014, 12)
    1.0
    """
    ps = params if type(params) is ParameterSet else resolve(params)  # (a set: no call per cell)
    key = (id(ps), serie, fra_aar, til_aar)
    one = type(fra_aar) in _PLAIN and type(til_aar) in _PLAIN and type(serie) is str
    if one:  # one cell: the factor of these years was computed before (sets are immutable)
        hit = _FACTOR_CACHE.get(key)
        if hit is not None and hit[0] is ps and not recording_active():
            return hit[1]
    first, index = _index(ps, serie)
    src = _positions(fra_aar, "fra_aar", first, index, serie, ps)
    dst = _positions(til_aar, "til_aar", first, index, serie, ps)
    src, dst = broadcast(("fra_aar", src), ("til_aar", dst))
    if recording_active():  # forklar asks which rates the factor used: the years stepped over
        steps = {first + y for a, b in zip(np.ravel(src), np.ravel(dst), strict=True)
                 for y in range(min(a, b) + 1, max(a, b) + 1)}
        note_reads(ps, SERIES[serie.strip().lower()], (int(y) for y in steps))
    if type(src) is int and type(dst) is int:  # the scalar path: the same doubles, as Python floats
        cached = _INDEX_CACHE.get((id(ps), serie))
        values = cached[3] if cached is not None and cached[0] is ps else index.tolist()
        factor = values[dst] / values[src]
        if one:
            if len(_FACTOR_CACHE) > 4096:
                _FACTOR_CACHE.clear()
            _FACTOR_CACHE[key] = (ps, factor)
        return factor
    return like(index[dst] / index[src], fra_aar, til_aar)


def reguler(beloeb: ArrayLike, fra_aar: ArrayLike, til_aar: ArrayLike, serie: str = "service",
            params: str | ParameterSet | None = None) -> ArrayLike:
    """An amount in ``fra_aar``-pl converted to ``til_aar``-pl: beloeb × :func:`faktor`.

    Worked example [aftale, boks 1]: the regional udviklingsbidrag of 124 kr. per
    inhabitant in 2013, regulated with the regional PL of 0.9 pct., is 125.116,
    which the agreement rounds to 125 kr.

    >>> round(reguler(124, 2013, 2014, "regional"), 3)
    125.116
    >>> round(reguler(124, 2013, 2014, "regional"))
    125
    """
    amount = number(beloeb, "beloeb")
    factor = faktor(fra_aar, til_aar, serie, params)
    if type(amount) is float and type(factor) is float:  # one cell: Python floats, no container
        return finite_result(amount * factor, "beloeb")
    if not isinstance(factor, float):  # a Series (labelled years) is paired by position here
        factor = np.asarray(factor)
    amount, factor = broadcast(("beloeb", amount), ("fra_aar", factor))
    return like(finite_result(amount * factor, "beloeb"), beloeb, fra_aar, til_aar)


def vaegtet_sats(vaegte: ArrayLike, satser: ArrayLike) -> float:
    """Weighted PL rate Σ w·r / Σ w for a budget's mix of expenditure types.

    The weights (shares of løn, varekøb, tjenesteydelser, …) need not sum to 1;
    they are normalised.  The per-type rates are the user's (KL publishes its rates
    by type each June) [antagelse].

    >>> vaegtet_sats([0.6, 0.3, 0.1], [1.2, 1.5, 1.8])
    1.35
    """
    w = numbers(vaegte, "vaegte", minimum=0, allowed="weights ≥ 0").ravel()
    r = numbers(satser, "satser").ravel()
    same_length([("vaegte", w), ("satser", r)])
    if w.sum() <= 0:
        raise XlmodelError("vaegte", w.tolist(), "weights ≥ 0 with a positive sum")
    w = w / w.max()  # scale first: tiny weights must not underflow in the product
    return round(float(np.dot(w, r) / w.sum()), 12)
