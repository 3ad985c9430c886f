"""Tjenestemandspension: the municipal share beyond state skalatrin 44 / 37 (DOMAIN.md §5).

From retirements on or after 1 July 2013 a municipality finances, person by person, the
state civil-servant pension of its folkeskole teachers and P76 pedagogues beyond the level
of state skalatrin 44 (teachers) and 37 (pedagogues) [aftale: Aftale 2014, afsnit 7].
The pieces, each a pure vectorised function:

- :func:`pensionsprocent`: pension percentage of n pensionable years [lov: § 6];
- :func:`loft_trin`: the cap trin, with the leader rule [aftale; lov: KL LPNyt 2014:06];
- :func:`merudgift`: the municipal share per year, pct(n) × max(0, L_actual − L_cap)
  [aftale for the caps; antagelse for the formula];
- :func:`midlertidigt_tillaeg`: the temporary supplement n/37 × grundbeløb [lov];
- :func:`kapitalvaerdi`: present value of a (growing, survival-weighted) annual amount [antagelse];
- :func:`skalatrin_loen` / :func:`skalatrin_tabel`: pensionable pay of a skalatrin from a table.
  The shipped table is ILLUSTRATIVE, not the official state pay table;
- :func:`pensionsforpligtelse`: all of the above per employee, from a DataFrame.

Every rate, band, cap and amount is read from the parameter set.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd

from xlmodel._inputs import (
    ArrayLike,
    align_labels,
    any_true,
    broadcast,
    choose,
    finite_result,
    floor,
    interp,
    like,
    maximum,
    number,
    numbers,
    quiet,
    rounded,
)
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, recording_active, resolve

__all__ = [
    "GRUPPER",
    "SKALATRIN_CSV",
    "kapitalvaerdi",
    "loft_trin",
    "merudgift",
    "midlertidigt_tillaeg",
    "pensionsforpligtelse",
    "pensionsprocent",
    "skalatrin_loen",
    "skalatrin_tabel",
]

#: Groups covered by the rule → (cap-trin parameter, leader-trin parameter).
GRUPPER: dict[str, tuple[str, str]] = {
    "laerer": ("pension.loft_trin_laerer", "pension.leder_trin_laerer"),
    "p76": ("pension.loft_trin_p76", "pension.leder_trin_p76"),
}
_ALIASES = {"lærer": "laerer", "laerere": "laerer", "lærere": "laerer"}

#: The shipped pay table: ILLUSTRATIVE values, not official rates (see the file's header).
SKALATRIN_CSV = Path(__file__).with_name("data") / "skalatrin_illustrativ.csv"

_REQUIRED = ("gruppe", "trin", "pensionsaar", "aar_med_pension")
_OPTIONAL = ("trin_1_juli_2013",)


# ------------------------------------------------------------------------------ helpers ----


def _list(ps: ParameterSet, name: str, year: int | None = None) -> np.ndarray:
    value = ps.value(name, year)
    if not isinstance(value, list) or not value:
        raise XlmodelError(name, value, "a list of numbers", detail=f"parameter set {ps.name}")
    return np.asarray(value, dtype=float)


def _year(ps: ParameterSet, aar: ArrayLike | None) -> int:
    """One whole year; None → the set's budget year."""
    if aar is None:
        return ps._year(None)
    arr = number(aar, "aar", integer=True, minimum=1, maximum=9999, allowed="a whole year")
    if type(arr) is float:  # the scalar path
        return int(arr)
    if arr.ndim:
        raise XlmodelError("aar", arr.tolist(), "one whole year")
    return int(arr)


def _whole_years(pensionsaar: ArrayLike) -> np.ndarray:
    """Pensionable years counted in whole years: 19 years 11 months is 19 [lov: TPL § 5 stk. 1].

    A value within float noise of a whole number (25.000000000001, 24.9999999999) is that number.
    """
    n = number(pensionsaar, "pensionsaar", minimum=0, allowed="a number of years ≥ 0")
    nearest = rounded(n)
    return choose(abs(n - nearest) <= 1e-9, nearest, floor(n))


#: Knots per set and year (sets are immutable): (set, years, percentages) as float tuples.
_KNOTS_CACHE: dict[tuple[int, int | None], tuple[ParameterSet, tuple[float, ...], tuple[float, ...]]] = {}


def _knot_tuples(ps: ParameterSet, year: int | None) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """:func:`_knots` as tuples of floats, computed once per set and year (outside a forklar
    recording, which must see the parameters read): what :func:`~xlmodel._inputs.interp` takes."""
    hit = _KNOTS_CACHE.get((id(ps), year))
    if hit is not None and hit[0] is ps and not recording_active():
        return hit[1], hit[2]
    xp, fp = _knots(ps, year)
    if len(_KNOTS_CACHE) > 256:
        _KNOTS_CACHE.clear()
    _KNOTS_CACHE[(id(ps), year)] = (ps, tuple(xp.tolist()), tuple(fp.tolist()))
    return _KNOTS_CACHE[(id(ps), year)][1:]


def _knots(ps: ParameterSet, year: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (years, percentage) points of the accrual bands: (0,0), (16,28), (32,52), (37,57)."""
    rates = _list(ps, "pension.optjening_pct_pr_aar", year)
    ends = _list(ps, "pension.optjening_baand_slut", year)
    if rates.size != ends.size:
        raise XlmodelError("pension.optjening_baand_slut", ends.tolist(),
                           f"one band end per accrual rate ({rates.size})", detail=f"parameter set {ps.name}")
    years_ = np.concatenate(([0.0], ends))
    if np.any(np.diff(years_) <= 0) or np.any(rates < 0):
        raise XlmodelError("pension.optjening_baand_slut", ends.tolist(),
                           "increasing positive band ends with rates ≥ 0", detail=f"parameter set {ps.name}")
    return years_, np.concatenate(([0.0], np.cumsum(rates * np.diff(years_))))


def _gruppe(value: Any) -> np.ndarray:
    """Group names as a str ndarray (trimmed, lower case, 'lærer' accepted), or an error."""
    raw = value.to_numpy() if isinstance(value, pd.Series | pd.Index) else value
    arr = np.asarray(raw, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, item in np.ndenumerate(arr):
        key = item.strip().lower() if isinstance(item, str) else None
        key = _ALIASES.get(key, key) if key is not None else None
        if key not in GRUPPER:
            raise XlmodelError("gruppe", item, ", ".join(GRUPPER))
        out[idx] = key
    return out


def _blank(item: Any) -> bool:
    if item is None or item is pd.NA:
        return True
    if isinstance(item, float | np.floating) and np.isnan(item):
        return True
    return isinstance(item, str) and not item.strip()


def _optional_trin(value: ArrayLike, name: str) -> np.ndarray:
    """Whole trin ≥ 1 with blanks (None / NaN / empty cell) kept as NaN = 'not registered'."""
    raw = value.to_numpy() if isinstance(value, pd.Series | pd.Index) else value
    arr = np.asarray(raw, dtype=object)
    blank = np.vectorize(_blank, otypes=[bool])(arr) if arr.size else np.zeros(arr.shape, bool)
    out = np.full(arr.shape, np.nan)
    if np.any(~blank):
        out[~blank] = numbers(arr[~blank], name, minimum=1, integer=True,
                              allowed="a whole skalatrin ≥ 1, or blank (not registered)")
    return out


# ---------------------------------------------------------------------------- mechanisms ----
def pensionsprocent(pensionsaar: ArrayLike, params: str | ParameterSet | None = None,
                    aar: ArrayLike | None = None) -> ArrayLike:
    """Pension percentage of ``pensionsaar`` years of pensionable service.

    Rule: 1.75 points a year for years 1–16, 1.5 for years 17–32, 1.0 for years 33–37,
    at most 57 pct. at 37 years [lov: tjenestemandspensionsloven § 6; bands and rates are the
    parameters ``pension.optjening_pct_pr_aar`` / ``pension.optjening_baand_slut``].
    Pensionsalder is counted in whole years [lov: tjenestemandspensionsloven § 5]: 19 years
    11 months counts as 19, so 25.5 years → 25 → 16 × 1.75 + 9 × 1.5 = 41.5.  Beyond the last
    band the percentage stays at the maximum.  Negative years are an error.  ``aar`` (the year
    of retirement) picks the rule in force; default the set's budget year.

    >>> pensionsprocent([16, 32, 37, 40])
    array([28., 52., 57., 57.])
    >>> pensionsprocent(25.5)
    41.5
    """
    n = _whole_years(pensionsaar)
    ps = resolve(params)
    xp, fp = _knot_tuples(ps, _year(ps, aar))
    return like(interp(n, xp, fp), pensionsaar)


def loft_trin(gruppe: Any, trin_1_juli_2013: ArrayLike | None = None,
              params: str | ParameterSet | None = None, aar: ArrayLike | None = None) -> ArrayLike:
    """The state skalatrin up to which the state finances the pension.

    Rule: trin 44 for folkeskole teachers (``"laerer"``), 37 for P76 pedagogues (``"p76"``)
    [aftale: Aftale 2014, afsnit 7].  A leader registered on 1 July 2013 at or above trin 48
    (teachers) / 46 (P76) keeps that trin as the cap [lov: KL, LPNyt 2014:06].
    ``trin_1_juli_2013`` may be left out, or blank for a person (None / NaN / empty cell),
    meaning "not registered at a leader trin": that person gets the group's cap.

    >>> loft_trin("laerer"), loft_trin("p76")
    (44.0, 37.0)
    >>> loft_trin(["laerer", "laerer", "p76", "p76"], [47, 49, 45, 46]).tolist()
    [44.0, 49.0, 37.0, 46.0]
    """
    ps = resolve(params)
    year = _year(ps, aar)
    groups = _gruppe(gruppe)
    cap = np.zeros(groups.shape)
    leader = np.zeros(groups.shape)
    for key, (cap_name, leader_name) in GRUPPER.items():
        mask = groups == key
        cap[mask] = ps.value(cap_name, year)
        leader[mask] = ps.value(leader_name, year)
    if trin_1_juli_2013 is not None:
        registered = _optional_trin(trin_1_juli_2013, "trin_1_juli_2013")
        cap, leader, registered = broadcast(("gruppe", cap), ("leader", leader),
                                             ("trin_1_juli_2013", registered))
        with np.errstate(invalid="ignore"):  # NaN (blank) compares False: the group's cap
            cap = np.where(registered >= leader, registered, cap)
    templates = (gruppe,) if trin_1_juli_2013 is None else (gruppe, trin_1_juli_2013)
    return like(cap, *templates)


def merudgift(loen_faktisk: ArrayLike, loen_loft: ArrayLike, pensionsaar: ArrayLike,
              params: str | ParameterSet | None = None, aar: ArrayLike | None = None) -> ArrayLike:
    """The municipality's annual share of one pension: pct(n)/100 × max(0, L_actual − L_cap).

    Rule: the pension percentage of the person's years applied to the part of the
    pensionable pay above the cap trin's pay [aftale: caps, Aftale 2014 afsnit 7;
    antagelse: the formula, DOMAIN.md §5].  Pay in kr. a year; the result in kr. a year.
    Pensionable years count in whole years (:func:`pensionsprocent`).

    Worked example: a teacher retiring at trin 48 with 37 years, pay 480,000 kr. against
    440,000 kr. at trin 44 → 57 % × 40,000 = 22,800 kr. a year.

    >>> merudgift(480_000, 440_000, 37)
    22800.0
    >>> merudgift(400_000, 440_000, 37)      # below the cap: nothing to finance
    0.0
    """
    loen_faktisk, loen_loft, pensionsaar = align_labels(
        ("loen_faktisk", loen_faktisk), ("loen_loft", loen_loft), ("pensionsaar", pensionsaar))
    actual = number(loen_faktisk, "loen_faktisk", minimum=0, allowed="a pay in kr. ≥ 0")
    capped = number(loen_loft, "loen_loft", minimum=0, allowed="a pay in kr. ≥ 0")
    pct = pensionsprocent(number(pensionsaar, "pensionsaar", minimum=0, allowed="a number of years ≥ 0"),
                          params, aar=aar)
    if type(pct) is not float:
        pct = np.asarray(pct)
    actual, capped, pct = broadcast(("loen_faktisk", actual), ("loen_loft", capped), ("pensionsaar", pct))
    with quiet(actual, capped, pct):
        share = pct * maximum(0.0, actual - capped) / 100.0
    return like(finite_result(share, "loen_faktisk"), loen_faktisk, loen_loft, pensionsaar)


def midlertidigt_tillaeg(pensionsaar: ArrayLike, params: str | ParameterSet | None = None,
                         aar: ArrayLike | None = None) -> ArrayLike:
    """Temporary supplement until state pension age: min(n, 37)/37 × the regulated grundbeløb (kr. a year).

    Rule [lov: tjenestemandspensionsloven; grundbeløb = ``pension.midlertidigt_tillaeg``,
    37 = the end of the last accrual band].  n counts in whole years (19 years 11 months is
    19).  The grundbeløb is regulated: × (1 + ``pension.procentregulering``/100) of the year
    ``aar`` (default the set's budget year) [lov: the state's procentregulering; antagelse: the
    grundbeløb's level, see the parameter's note].

    >>> round(midlertidigt_tillaeg(37), 2), round(midlertidigt_tillaeg(40), 2)   # 23,500 × 1.013040
    (23806.44, 23806.44)
    >>> round(midlertidigt_tillaeg(20.9), 2)            # 20 whole years: 20/37 × 23,806.44
    12868.35
    """
    ps = resolve(params)
    year = _year(ps, aar)
    n = _whole_years(pensionsaar)
    full = float(_knots(ps, year)[0][-1])
    base = float(ps.value("pension.midlertidigt_tillaeg", year))
    regulated = base * (1 + float(ps.value("pension.procentregulering", year)) / 100)
    return like(np.minimum(n, full) / full * regulated, pensionsaar)


def _rate(value: ArrayLike, name: str) -> float | np.ndarray:
    arr = number(value, name, allowed="a rate in pct. above -100 (3 means 3 pct.)")
    bad = arr <= -100
    if any_true(bad):
        raise XlmodelError(name, float(np.ravel(arr)[np.ravel(bad)][0]),
                           "a rate in pct. above -100 (3 means 3 pct.)")
    return arr


_PV_MIN_RATE = 1e-6  # below this |i| (as a fraction) npf.pv's (1+i)^n − 1 cancels badly


def _growing_factor(i: np.ndarray, g: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Σ_{t=1..n} (1+g)^(t-1)/(1+i)^t without cancellation.

    = (1 − q^n)/(i − g) with q = (1+g)/(1+i); log q = log1p((g − i)/(1+i)) and 1 − q^n =
    −expm1(n log q) stay accurate when i and g are close (g − i is exact for nearby floats).
    When i == g every term is 1/(1+i): the factor is n/(1+i).
    """
    log_q = np.log1p((g - i) / (1.0 + i))
    same = log_q == 0.0
    if type(i) is float and type(g) is float and type(n) is float:  # one value: the branch it takes,
        # with numpy's own functions on it (the same doubles as the array path below)
        return n / (1.0 + i) if same else float(-np.expm1(n * log_q)) / (i - g)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = -np.expm1(n * log_q) / np.where(same, 1.0, i - g)
    return np.where(same, n / (1.0 + i), factor)


def kapitalvaerdi(aarligt_beloeb: ArrayLike, rente_pct: ArrayLike, aar: ArrayLike,
                  regulering_pct: ArrayLike = 0.0, overlevelse: ArrayLike | None = None) -> ArrayLike:
    """Present value of an annual amount paid at the end of each of ``aar`` years.

    Rule: Σ_{t=1..aar} P·(1+g)^(t-1)·S(t)/(1+i)^t with discount rate i = ``rente_pct``,
    regulation g = ``regulering_pct`` and survival S(t) = ``overlevelse`` [antagelse:
    DOMAIN.md §5; the defaults live in ``pension.diskonteringsrente`` / ``pension.regulering``].
    With g = 0 and no survival this is the level annuity of numpy-financial ``pv`` (for
    0 < |i| < 1e-6, where pv's (1+i)^n − 1 cancels, the form below with g = 0); with g ≠ 0 the
    closed-form growing annuity P·(1 − ((1+g)/(1+i))^aar)/(i − g), or P·aar/(1+i) when i = g,
    computed with log1p/expm1 so that i close to g keeps full precision.
    ``overlevelse`` is a 1-D sequence S(1), S(2), … of probabilities in [0, 1], non-increasing,
    at least as long as the longest ``aar``; it is shared by every element of the other inputs.

    >>> round(kapitalvaerdi(10_000, 3, 20), 2)          # DOMAIN.md §5 example
    148774.75
    >>> round(kapitalvaerdi(10_000, 3, 2, 3), 2)         # i = g: 2 × 10,000 / 1.03
    19417.48
    >>> round(kapitalvaerdi(10_000, 0, 3, overlevelse=[1.0, 0.9, 0.5]), 2)
    24000.0
    """
    pay = number(aarligt_beloeb, "aarligt_beloeb")
    i = _rate(rente_pct, "rente_pct") / 100.0
    n = number(aar, "aar", minimum=0, integer=True, allowed="a whole number of years ≥ 0")
    g = _rate(regulering_pct, "regulering_pct") / 100.0
    pay, i, n, g = broadcast(("aarligt_beloeb", pay), ("rente_pct", i), ("aar", n), ("regulering_pct", g))
    if overlevelse is None:
        # npf.pv forms (1+i)^n − 1, which loses precision for |i| < 1e-6 (1e-4 pct.); there, and
        # whenever g ≠ 0, the cancellation-free form is used.
        level_form = (g == 0.0) & ((i == 0.0) | (abs(i) >= _PV_MIN_RATE))
        with np.errstate(divide="ignore", invalid="ignore"):  # the branches not taken may divide by 0
            if type(level_form) is bool:  # one value: only the form it takes is computed
                value = float(npf.pv(i, n, -pay)) if level_form else pay * _growing_factor(i, g, n)
            else:
                value = np.where(level_form, npf.pv(i, n, -pay), pay * _growing_factor(i, g, n))
    else:
        pay, i, n, g = np.asarray(pay), np.asarray(i), np.asarray(n), np.asarray(g)
        surv = numbers(overlevelse, "overlevelse", minimum=0, maximum=1,
                       allowed="survival probabilities from 0 to 1")
        if surv.ndim != 1:
            raise XlmodelError("overlevelse", f"shape {surv.shape}",
                               "a 1-D sequence S(1), S(2), … of survival probabilities")
        if np.any(np.diff(surv) > 1e-12):
            at = int(np.argmax(np.diff(surv) > 1e-12)) + 2
            raise XlmodelError("overlevelse", surv.tolist(), "non-increasing survival probabilities",
                               detail=f"S({at}) is larger than S({at - 1})")
        if n.size and float(n.max()) > surv.size:
            raise XlmodelError("aar", float(n.max()), f"at most {surv.size} (the length of overlevelse)")
        t = np.arange(1, surv.size + 1, dtype=float)
        flows = ((1.0 + g[..., None]) ** (t - 1) * surv / (1.0 + i[..., None]) ** t) * (t <= n[..., None])
        value = pay * flows.sum(axis=-1)
    value = finite_result(value, "aarligt_beloeb")
    return like(value + 0.0, aarligt_beloeb, rente_pct, aar, regulering_pct)  # + 0.0: no '-0.0'


# ------------------------------------------------------------------------- skalatrin pay ----
@lru_cache(maxsize=8)
def _read_table(path: str, _mtime: int) -> pd.Series:
    try:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True, encoding="utf-8")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise XlmodelError("path", path, "a CSV file with columns trin, aarsloen_kr[, kilde]",
                           detail=str(exc)) from None
    missing = [c for c in ("trin", "aarsloen_kr") if c not in frame.columns]
    if missing:
        raise XlmodelError("path", path, "a CSV file with columns trin, aarsloen_kr[, kilde]",
                           detail=f"missing column '{missing[0]}'")
    table = _check_table(pd.Series(frame["aarsloen_kr"].to_numpy(), index=frame["trin"].to_numpy()))
    sources = sorted({str(s).strip() for s in frame["kilde"].dropna()}) if "kilde" in frame else []
    table.attrs["kilde"] = "; ".join(sources) if sources else "ingen kilde angivet"
    table.attrs["illustrativ"] = any(s.lower().startswith("illustrativ") for s in sources)
    table.attrs["fil"] = path
    return table


def _check_table(table: pd.Series) -> pd.Series:
    """trin (whole, unique) → annual pay (kr. ≥ 0), sorted by trin."""
    trin = numbers(table.index.to_numpy(), "tabel (trin)", minimum=1, integer=True,
                   allowed="whole skalatrin ≥ 1")
    pay = numbers(table.to_numpy(), "tabel (aarsloen_kr)", minimum=0, allowed="an annual pay in kr. ≥ 0")
    if len(set(trin.tolist())) != trin.size:
        dup = next(t for t in trin if np.count_nonzero(trin == t) > 1)
        raise XlmodelError("tabel (trin)", int(dup), "each skalatrin once")
    if trin.size == 0:
        raise XlmodelError("tabel", "an empty table", "at least one skalatrin with its pay")
    out = pd.Series(pay, index=pd.Index(trin.astype(np.int64), name="trin"), name="aarsloen_kr")
    return out.sort_index()


def skalatrin_tabel(path: str | os.PathLike[str] | None = None) -> pd.Series:
    """Read a skalatrin pay table: a Series trin → annual pensionable pay (kr.).

    The CSV has columns ``trin``, ``aarsloen_kr`` and optionally ``kilde``; lines starting with
    ``#`` are comments.  ``attrs["kilde"]`` holds the source text and ``attrs["illustrativ"]``
    is True when it says "illustrativ".  The default, :data:`SKALATRIN_CSV`, is ILLUSTRATIVE:
    plausible, monotone values, NOT the official rates.  Replace it with Moderniseringsstyrelsen's
    skalatrin table (31.3.2012 level × procentregulering) for real calculations.

    >>> t = skalatrin_tabel()
    >>> t.attrs["illustrativ"], int(t.index.min()), int(t.index.max())
    (True, 11, 52)
    """
    file = SKALATRIN_CSV if path is None else Path(os.fspath(path))
    if not file.is_file():
        raise XlmodelError("path", str(file), "an existing CSV file with columns trin, aarsloen_kr[, kilde]",
                           detail="file not found")
    table = _read_table(str(file.resolve()), file.stat().st_mtime_ns)
    out = table.copy()
    out.attrs = dict(table.attrs)
    return out


def _as_table(tabel: Any) -> pd.Series:
    if tabel is None or isinstance(tabel, str | os.PathLike):
        return skalatrin_tabel(tabel)
    if isinstance(tabel, pd.DataFrame):
        if not {"trin", "aarsloen_kr"} <= set(tabel.columns):
            raise XlmodelError("tabel", f"columns {list(tabel.columns)}",
                               "a table with columns trin and aarsloen_kr")
        out = _check_table(pd.Series(tabel["aarsloen_kr"].to_numpy(), index=tabel["trin"].to_numpy()))
    elif isinstance(tabel, pd.Series):
        out = _check_table(tabel)
    elif isinstance(tabel, dict):
        out = _check_table(pd.Series(list(tabel.values()), index=list(tabel.keys()), dtype=object))
    else:
        raise XlmodelError("tabel", type(tabel).__name__,
                           "a Series or dict trin → kr., a DataFrame (trin, aarsloen_kr) or a CSV path")
    out.attrs = dict(getattr(tabel, "attrs", {}) or {})
    out.attrs.setdefault("illustrativ", False)
    out.attrs.setdefault("kilde", "brugerens tabel")
    return out


def _allowed_trin(trin: np.ndarray) -> str:
    lo, hi = int(trin.min()), int(trin.max())
    if trin.size == hi - lo + 1:
        return f"a skalatrin in the pay table: {lo}–{hi}"
    return "a skalatrin in the pay table: " + ", ".join(str(int(t)) for t in trin)


def skalatrin_loen(trin: ArrayLike, tabel: Any = None) -> ArrayLike:
    """Annual pensionable pay (kr.) of state skalatrin ``trin`` looked up in a pay table.

    ``tabel``: a Series or dict trin → kr., a DataFrame with columns trin / aarsloen_kr, or a
    CSV path; None → the shipped table, which is ILLUSTRATIVE (not official rates: replace it
    with Moderniseringsstyrelsen's skalatrin table, 31.3.2012 level × procentregulering).
    A trin not in the table is an error listing the table's range.

    >>> skalatrin_loen([1, 2], {1: 300_000, 2: 310_000}).tolist()
    [300000.0, 310000.0]
    """
    table = _as_table(tabel)
    steps = numbers(trin, "trin", integer=True, allowed=_allowed_trin(table.index.to_numpy()))
    known = table.index.to_numpy()
    pos = np.clip(np.searchsorted(known, steps), 0, known.size - 1)
    found = known[pos] == steps
    if not np.all(found):
        raise XlmodelError("trin", float(steps[~found].ravel()[0]), _allowed_trin(known))
    return like(table.to_numpy()[pos], trin)


# ------------------------------------------------------------------------------ per person ----
def _column(frame: pd.DataFrame, name: str, **checks: Any) -> np.ndarray:
    return numbers(frame[name], f"medarbejdere.{name}", **checks)


def _pay(trin: np.ndarray, table: pd.Series, name: str) -> ArrayLike:
    """skalatrin_loen with the error naming the employee column (or the cap) that missed the table."""
    try:
        return skalatrin_loen(trin, table)
    except XlmodelError as exc:
        raise XlmodelError(name, exc.value, exc.allowed) from None


def pensionsforpligtelse(medarbejdere: pd.DataFrame, tabel: Any = None, rente_pct: ArrayLike | None = None,
                         regulering_pct: ArrayLike | None = None,
                         params: str | ParameterSet | None = None) -> pd.DataFrame:
    """The municipal pension share and its capitalised value, one row per employee.

    Input columns: ``gruppe`` (laerer / p76), ``trin`` (skalatrin at retirement),
    ``pensionsaar`` (pensionable years), ``aar_med_pension`` (years of payment to value),
    optionally ``trin_1_juli_2013`` (blank = not registered at a leader trin).
    Output columns: ``loft_trin``, ``loen_faktisk``, ``loen_loft``, ``pensionsprocent``,
    ``aarlig_merudgift`` (kr. a year), ``kapitalvaerdi`` (kr.) and ``loentabel`` (the pay
    table's source; it says "illustrativ" with the shipped table, so every row computed from
    it carries the label).  The index is the input's.  ``rente_pct`` / ``regulering_pct``
    default to ``pension.diskonteringsrente`` / ``pension.regulering`` [antagelse].

    >>> staff = pd.DataFrame({"gruppe": ["laerer"], "trin": [48], "pensionsaar": [37],
    ...                       "aar_med_pension": [20]})
    >>> pay = {44: 440_000, 48: 480_000}
    >>> pensionsforpligtelse(staff, pay).loc[0, ["aarlig_merudgift", "kapitalvaerdi"]].round(2).tolist()
    [22800.0, 339206.43]
    """
    if not isinstance(medarbejdere, pd.DataFrame):
        raise XlmodelError("medarbejdere", type(medarbejdere).__name__,
                           "a pandas DataFrame with columns " + ", ".join(_REQUIRED))
    for name in _REQUIRED:
        if name not in medarbejdere.columns:
            raise XlmodelError("medarbejdere", f"columns {list(medarbejdere.columns)}",
                               "columns " + ", ".join(_REQUIRED) + " (optional: trin_1_juli_2013)",
                               detail=f"missing column '{name}'")
    ps = resolve(params)
    table = _as_table(tabel)
    rente = ps.value("pension.diskonteringsrente") if rente_pct is None else rente_pct
    regulering = ps.value("pension.regulering") if regulering_pct is None else regulering_pct
    trin = _column(medarbejdere, "trin", minimum=1, integer=True, allowed="a whole skalatrin ≥ 1")
    years_ = _column(medarbejdere, "pensionsaar", minimum=0, allowed="a number of years ≥ 0")
    payout = _column(medarbejdere, "aar_med_pension", minimum=0, integer=True,
                     allowed="a whole number of years ≥ 0")
    try:
        group = _gruppe(medarbejdere["gruppe"])
    except XlmodelError as exc:
        raise XlmodelError("medarbejdere.gruppe", exc.value, exc.allowed) from None
    registered = medarbejdere["trin_1_juli_2013"] if "trin_1_juli_2013" in medarbejdere.columns else None
    cap = np.asarray(loft_trin(group, registered, ps), dtype=float)
    actual_pay = np.asarray(_pay(trin, table, "medarbejdere.trin"), dtype=float)
    cap_pay = np.asarray(_pay(cap, table, "loft_trin (from gruppe / trin_1_juli_2013)"), dtype=float)
    pct = np.asarray(pensionsprocent(years_, ps), dtype=float)
    extra = np.asarray(merudgift(actual_pay, cap_pay, years_, ps), dtype=float)
    value = np.asarray(kapitalvaerdi(extra, numbers(rente, "rente_pct"), payout,
                                     numbers(regulering, "regulering_pct")), dtype=float)
    label = str(table.attrs.get("kilde", ""))
    if table.attrs.get("illustrativ") and "illustrativ" not in label.lower():
        label = f"illustrativ: {label}"
    out = pd.DataFrame({
        "loft_trin": cap, "loen_faktisk": actual_pay, "loen_loft": cap_pay, "pensionsprocent": pct,
        "aarlig_merudgift": extra, "kapitalvaerdi": value, "loentabel": label,
    }, index=medarbejdere.index)
    out.attrs = {"illustrativ": bool(table.attrs.get("illustrativ")), "loentabel": label,
                 "parametre": ps.name}
    return out
