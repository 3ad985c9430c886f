"""The udligning Excel functions (issue 12 §2): cell results, defaults, messages, fuzzed junk."""

from __future__ import annotations

import numpy as np
import pytest

from xlmodel import udligning as u
from xlmodel.excel.cells import call, xlwings_call
from xlmodel.parameters import load

NEED = [[300.0], [200.0], [120.0]]
BASE = [[1000.0], [1000.0], [400.0]]
POP = [[100.0], [100.0], [40.0]]
FLAG = [[True], [True], [False]]
TAX = [[30.0], [10.0], [0.0]]

CASES = {
    "STRUKTURELT_UNDERSKUD": (NEED, BASE),
    "LANDSUDLIGNING": (NEED, BASE),
    "HOVEDSTADSUDLIGNING": (NEED, BASE, POP, FLAG),
    "HOEJT_UNDERSKUD_TILSKUD": (NEED, BASE, POP),
    "SELSKABSSKAT_UDLIGNING": (TAX, POP),
    "TILSKUD_OG_UDLIGNING": (POP, NEED, BASE, FLAG, TAX, 500.0),
}


def _flat(x: list[list[float]]) -> list[float]:
    return [row[0] for row in x]


def test_each_function_spills_what_the_core_gives() -> None:
    ps = load()
    t = ps.value("udligning.skatteprocent", ps.budget_year)
    su = np.array(_flat(NEED)) - np.array(_flat(BASE)) * t / 100
    assert np.allclose(_flat(call("STRUKTURELT_UNDERSKUD", NEED, BASE)), su)
    level = ps.value("udligning.landsudligning_pct", ps.budget_year)
    assert np.allclose(_flat(call("LANDSUDLIGNING", NEED, BASE)), level / 100 * su)
    assert np.allclose(_flat(call("LANDSUDLIGNING", NEED, BASE, 25, 50)),
                       u.landsudligning(_flat(NEED), _flat(BASE), 25, 50))
    h = _flat(call("HOVEDSTADSUDLIGNING", NEED, BASE, POP, FLAG))
    assert h[2] == 0.0 and abs(h[0] + h[1]) < 1e-9
    assert np.allclose(_flat(call("HOEJT_UNDERSKUD_TILSKUD", NEED, BASE, POP, None, 90, 32)),
                       u.hoejt_underskud_tilskud(_flat(NEED), _flat(BASE), _flat(POP), None, 90, 32))
    s = _flat(call("SELSKABSSKAT_UDLIGNING", TAX, POP))
    assert abs(sum(s)) < 1e-12


def test_whole_table_has_a_header_row_and_distributes_the_grant() -> None:
    rows = call("TILSKUD_OG_UDLIGNING", POP, NEED, BASE, FLAG, TAX, 500.0)
    header, body = rows[0], rows[1:]
    assert header[-1] == "Tilskud og udligning i alt" and "Landsudligning" in header
    assert len(body) == 3
    assert sum(r[-1] for r in body) == pytest.approx(500.0)
    for r in body:
        assert r[-1] == pytest.approx(sum(r[:-1]))


def test_table_default_grant_is_the_ministrys_announcement() -> None:
    ps = load()
    rows = call("TILSKUD_OG_UDLIGNING", POP, NEED, BASE, FLAG, TAX)
    assert sum(r[-1] for r in rows[1:]) == pytest.approx(ps.value("bloktilskud.paragraf14", 2014))


@pytest.mark.parametrize(("name", "position", "bad", "argument"), [
    ("LANDSUDLIGNING", 1, [[1000.0], [None], [400.0]], "beskatningsgrundlag"),
    ("HOVEDSTADSUDLIGNING", 3, [[True], ["ja"], [False]], "hovedstad"),
    ("SELSKABSSKAT_UDLIGNING", 1, [[100.0], [100.0]], "indbyggere"),
    ("TILSKUD_OG_UDLIGNING", 5, "alt", "bloktilskud_i_alt"),
    ("HOEJT_UNDERSKUD_TILSKUD", 0, [[1.0, 2.0], [3.0, 4.0]], "udgiftsbehov"),
])
def test_bad_cells_give_value_messages_naming_the_argument(name, position, bad, argument) -> None:
    args = list(CASES[name])
    while len(args) <= position:
        args.append(None)
    args[position] = bad
    out = xlwings_call(name, *args)
    assert isinstance(out, str) and out.startswith(f"#VALUE! {argument}"), out

# Fuzzed junk for these functions: tests/test_cell_fuzz.py (their cases are in tests/test_cells.py).
