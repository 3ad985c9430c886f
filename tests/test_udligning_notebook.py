"""Notebook 04 (issue 12 §5) runs in a fresh kernel and its results are the core's."""

from __future__ import annotations

import numpy as np
import pytest
from test_notebooks import run

from xlmodel import load, udligning


def _i_alt(d, i: int) -> float:
    base = udligning.beskatningsgrundlag(d["udskrivningsgrundlag"], d["grundvaerdier"])
    t = udligning.beregn(d["indbyggere"].astype(float), d["udgiftsbehov"], base, d["hovedstad"],
                         d["selskabsskat"], udgiftsbehov_hovedstad=d["udgiftsbehov_hovedstad"],
                         udskrivningsprocent=d["udskrivningsprocent"], oevrige=d["oevrige"])
    return float(t["i_alt"][i])


@pytest.mark.slow
def test_04_tilskud_og_udligning_matches_the_core() -> None:
    result = run("04_tilskud_og_udligning.ipynb")
    ps = load()
    data = udligning.eksempeldata(ps)
    assert result["n"] == 98
    grant = ps.value("bloktilskud.paragraf14", 2014)
    assert result["i_alt"] == pytest.approx(grant + data["oevrige"].sum())
    i = int(np.flatnonzero(data["navn"] == result["kommune"])[0])
    assert result["foer"] == pytest.approx(_i_alt(data, i))
    d1 = data.copy()
    d1.loc[i, ["udskrivningsgrundlag", "grundvaerdier"]] *= 1.01
    assert result["effekt_grundlag"] == pytest.approx(_i_alt(d1, i) - _i_alt(data, i))
    assert result["effekt_grundlag"] < 0 < result["effekt_indbyggere"]
    # selvbudgettering: equalisation takes part of the tax gain back, not all of it
    assert 0 < -result["effekt_udligning_selvbudget"] < result["skat_gevinst"]
    assert result["pr_indb_min"] < result["pr_indb_max"]
    assert result["_images"] >= 1
