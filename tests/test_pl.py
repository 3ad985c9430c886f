"""PL: the agreement's rates as chained factors, the worked example, bad input, properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import pl
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load


@pytest.mark.parametrize(("serie", "rate"), [
    ("service", 1.3), ("samlet", 1.4), ("anlaeg", 1.6), ("sats", 1.8), ("regional", 0.9),
])
def test_factors_are_the_agreement_rates(serie: str, rate: float) -> None:
    expected = 1 + load().value(pl.SERIES[serie], 2014) / 100
    assert expected == pytest.approx(1 + rate / 100)
    assert pl.faktor(2013, 2014, serie) == pytest.approx(expected, rel=1e-15)
    assert pl.faktor(2014, 2013, serie) == pytest.approx(1 / expected, rel=1e-15)
    assert pl.faktor(2014, 2014, serie) == 1.0


def test_udviklingsbidrag_worked_example() -> None:
    # Aftale 2014, boks 1: 124 kr. (2013) regulated with 0.9 pct. → 125.116 → 125 kr.
    assert pl.reguler(124, 2013, 2014, "regional") == pytest.approx(125.116, abs=1e-9)
    assert round(pl.reguler(124, 2013, 2014, "regional")) == load().value("regioner.udviklingsbidrag", 2014)


def test_shapes_follow_the_input() -> None:
    series = pd.Series([100.0, 200.0], index=["Aarhus", "Odense"])
    out = pl.reguler(series, 2013, 2014, "anlaeg")
    assert isinstance(out, pd.Series) and list(out.index) == ["Aarhus", "Odense"]
    assert out.tolist() == pytest.approx([101.6, 203.2])
    grid = pl.faktor(np.array([[2013, 2014], [2014, 2013]]), 2014)
    assert grid.shape == (2, 2)
    assert grid[0, 0] == pytest.approx(1.013) and grid[1, 1] == pytest.approx(1.013)
    assert isinstance(pl.faktor(2013, 2014), float)


def test_chained_over_two_agreements(test_params_path: Path) -> None:
    # aftale-2015-test adds an (illustrative) 1.5 pct. step 2014→2015 on top of aftale-2014.
    f = pl.faktor(2013, 2015, "service", params="aftale-2015-test")
    assert f == pytest.approx(1.013 * 1.015, rel=1e-15)
    assert pl.reguler(1000, 2015, 2013, "service", params="aftale-2015-test") == pytest.approx(
        1000 / (1.013 * 1.015))
    with pytest.raises(XlmodelError, match="til_aar: 2015 .*a year in 2013–2014"):
        pl.faktor(2013, 2015, "service")  # aftale-2014 has no 2015 step: an error, not 0 pct.


@pytest.mark.parametrize(("args", "message"), [
    ((2012, 2014), "fra_aar: 2012"),
    ((2013, 2014, "loen"), "serie: 'loen' .*service, samlet, anlaeg, sats, regional"),
    (("2013", 2014), "fra_aar: '2013' .*text"),
    ((2013.5, 2014), "fra_aar: 2013.5 .*whole"),
    ((None, 2014), "fra_aar: None"),
])
def test_bad_input_names_the_argument(args: tuple, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        pl.faktor(*args)


@pytest.mark.parametrize("amount", ["100", None, float("nan"), [1.0, None], True])
def test_bad_amounts_are_refused_not_zero(amount: object) -> None:
    with pytest.raises(XlmodelError, match="beloeb"):
        pl.reguler(amount, 2013, 2014)


def test_weighted_rate() -> None:
    assert pl.vaegtet_sats([60, 30, 10], [1.2, 1.5, 1.8]) == pytest.approx(1.35)
    assert pl.vaegtet_sats([0.6, 0.3, 0.1], [1.2, 1.5, 1.8]) == pytest.approx(1.35)
    with pytest.raises(XlmodelError, match="satser"):
        pl.vaegtet_sats([1, 2], [1.0])
    with pytest.raises(XlmodelError, match="vaegte"):
        pl.vaegtet_sats([0, 0], [1.0, 2.0])
    with pytest.raises(XlmodelError, match="vaegte: -1"):
        pl.vaegtet_sats([-1, 2], [1.0, 2.0])


@settings(max_examples=200, deadline=None)
@given(amount=st.floats(-1e12, 1e12, allow_nan=False),
       serie=st.sampled_from(sorted(pl.SERIES)),
       years=st.tuples(st.sampled_from([2013, 2014]), st.sampled_from([2013, 2014])))
def test_forward_then_back_is_identity(amount: float, serie: str, years: tuple[int, int]) -> None:
    there = pl.reguler(amount, years[0], years[1], serie)
    back = pl.reguler(there, years[1], years[0], serie)
    assert back == pytest.approx(amount, rel=1e-12, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
       st.floats(-5, 10))
def test_weighted_rate_of_equal_rates_is_that_rate(weights: list[float], rate: float) -> None:
    assert pl.vaegtet_sats(weights, [rate] * len(weights)) == pytest.approx(rate, abs=1e-9)


def test_booleans_mixed_with_numbers_are_refused() -> None:
    with pytest.raises(XlmodelError, match="beloeb: True"):
        pl.reguler([1, True], 2013, 2014)


# ------------------------------------------------------- issue 11, obs. 14: junk → XlmodelError
def _core_functions():
    import inspect

    from xlmodel import balance, bloktilskud, laan, pension, pl, skat

    for module in (pl, bloktilskud, skat, pension, laan, balance):
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__):
                yield f"{module.__name__.split('.')[-1]}.{name}", fn


JUNK = [10**400, [1, 2, 3, 4], "tekst", None, float("nan"), [[1, 2], [3]], {"a": 1}, -1e308, 1e308]


@pytest.mark.parametrize(("name", "fn"), list(_core_functions()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_every_core_function_refuses_junk_by_name(name, fn) -> None:
    """Each required argument in turn gets junk (the others plausible values): the result is an
    XlmodelError (naming an argument) or a finite number, never a raw numpy/Python exception."""
    import inspect

    import numpy as np
    import pandas as pd

    from xlmodel.errors import XlmodelError

    plausible = {"fra_aar": 2013, "til_aar": 2014, "aar": 2014, "budgetaar": 2014, "serie": "service",
                 "gruppe": "laerer", "tabel": {44: 440_000.0, 48: 480_000.0}, "trin": 44,
                 "aar_nr": 1, "periode": 1, "perioder": 10, "medarbejdere": pd.DataFrame(
                     {"gruppe": ["laerer"], "trin": [48], "pensionsaar": [30], "aar_med_pension": [5]}),
                 "printed": 10.0, "parts": [4.0, 6.0], "rente_pct": 3.0, "lejeperiode_aar": 5}
    params = inspect.signature(fn).parameters
    required = [p for p in params.values() if p.default is inspect.Parameter.empty]
    base = {p.name: plausible.get(p.name, [25.0, 30.0] if p.name in ("indbyggere", "ledighed") else 25.0)
            for p in required}
    for victim in required:
        for junk in JUNK:
            kwargs = {**base, victim.name: junk}
            try:
                out = fn(**kwargs)
            except XlmodelError:
                continue
            values = out.select_dtypes("number").to_numpy() if isinstance(out, pd.DataFrame) else out
            if isinstance(values, pd.Series):
                values = values.to_numpy()
            if isinstance(values, dict):
                continue  # footing's record
            arr = np.asarray(values, dtype=float)
            assert np.all(np.isfinite(arr)), (name, victim.name, junk)
