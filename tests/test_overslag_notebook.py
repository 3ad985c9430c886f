"""Notebook 05 (issue 13 item 5) runs in a fresh kernel and its results are the core's."""

from __future__ import annotations

import numpy as np
import pytest
from test_notebooks import run

from xlmodel import load, overslag, skat, udligning


@pytest.mark.slow
def test_05_budget_og_overslag_matches_the_core() -> None:
    result = run("05_budget_og_overslag.ipynb")
    ps = load()
    data = udligning.eksempeldata(ps)
    assert result["n"] == 98 and result["aar"] == overslag.aarraekke(params=ps)
    # the break-even growth without a population effect is the statsgaranti's own annual growth
    assert result["breakeven"] == pytest.approx(skat.breakeven_vaekst(ps.budget_year), rel=1e-9)
    assert 0 < result["selvbudgettering"] < 98
    # the decision, recomputed here from the notebook's inputs (its seeded forecast)
    garanti = data["udskrivningsgrundlag"].to_numpy(float)
    procent = data["udskrivningsprocent"].to_numpy(float)
    skoen = result["breakeven"] + np.random.default_rng(2013).normal(0.0, 0.6, 98)
    span = ps.budget_year - skat.garanti_basisaar(ps.budget_year, ps)
    forventet = garanti / (1 + ps.value("skat.fremskrivningsprocent", ps.budget_year) / 100) * (
        1 + skoen / 100) ** span
    pv = overslag.selvbudget_beregning(garanti, forventet, procent)["nutidsvaerdi"].to_numpy()
    np.testing.assert_allclose(result["nutidsvaerdi"], pv.round(2), atol=1e-9)
    assert result["selvbudgettering"] == int((pv.round(2) > 0).sum())
    risk = overslag.selvbudget_risiko(garanti, procent, skoen, 1.5)
    np.testing.assert_allclose(result["sandsynlighed_tab"], risk["sandsynlighed_tab"])
    assert all(t < 0 for t in result["tab_5pct"])  # a spread of 1.5 pp always risks a loss
    # the cash calendar: three equal instalments in January–March of t + 3, all paid back
    assert result["kalender_datoer"] == [f"{ps.budget_year + 3}-0{m}-01" for m in (1, 2, 3)]
    c = result["kalender"]
    assert c[0] < 0 and c[0] == pytest.approx(c[1], abs=0.02) == pytest.approx(c[2], abs=0.02)
    assert result["kalender_kommuner"] == result["selvbudgettering"]
    # sensitivity: more growth → more gain (rows), more taken back → less at stake (columns)
    table = np.array(result["foelsomhed"])
    assert (np.diff(table, axis=0) > 0).all()
    assert (np.diff(np.abs(table[[0, -1]]), axis=1) < 0).all()
    assert result["_images"] >= 2
