"""The udligning_2014 model (issue 12 §3): its cells are the core's numbers, its data labelled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from xlmodel import udligning
from xlmodel.workbooks import build
from xlmodel.workbooks.udligning_model import FIRST, LAST, MARKER


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("udligning_2014.xlsx", tmp_path_factory.mktemp("udligning"))


@pytest.mark.slow
def test_beregning_equals_the_core_table(model: Path) -> None:
    wb = load_workbook(model, data_only=True)
    d = udligning.eksempeldata()
    base = udligning.beskatningsgrundlag(d["udskrivningsgrundlag"], d["grundvaerdier"])
    t = udligning.tilskud_og_udligning(d["indbyggere"].astype(float), d["udgiftsbehov"], base, d["hovedstad"],
                                       d["selskabsskat"], udgiftsbehov_hovedstad=d["udgiftsbehov_hovedstad"],
                                       udskrivningsprocent=d["udskrivningsprocent"], oevrige=d["oevrige"])
    calc = wb["Beregning"]
    column = {"landsudligning": 5, "hovedstadsudligning": 7, "hoejt_underskud": 9, "selskabsskat": 11,
              "overudligning": 13, "bloktilskud": 15, "i_alt": 17}
    for key, col in column.items():
        cells = np.array([calc.cell(r, col).value for r in range(FIRST, LAST + 1)], dtype=float)
        np.testing.assert_allclose(cells, t[key].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=key)


@pytest.mark.slow
def test_data_is_marked_and_labelled_illustrative(model: Path) -> None:
    wb = load_workbook(model)
    data = next(ws for ws in wb.worksheets if ws["A3"].value == MARKER)
    assert "ILLUSTRATIVE" in data["A2"].value
    for sheet in ("Beregning", "Tabel"):
        assert "ILLUSTRATIVE" in wb[sheet]["A2"].value
    anchor = wb["Tabel"]["B4"].value  # after the refresh: an array formula spilling the table
    assert "TILSKUD_OG_UDLIGNING(" in getattr(anchor, "text", anchor)
