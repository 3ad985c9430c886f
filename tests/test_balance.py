"""Tabel 1 from the parameter set, footing checks with rounding classification, the balance sum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import balance
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

PS = load("aftale-2014")
ROWS = {r["key"]: r for r in PS.table("tabel1").rows}


def test_tabel1_is_the_parameter_table() -> None:
    frame = balance.tabel1()
    assert list(frame.columns) == ["key", "label", "amount", "kind"]
    assert frame["key"].tolist() == list(ROWS)
    assert frame["amount"].tolist() == [float(r["amount"]) for r in ROWS.values()]
    assert frame.attrs["kilde"] == "aftale: Aftale 2014, tabel 1" and frame.attrs["aar"] == 2014
    assert set(frame["kind"]) == {"line", "total", "memo"}


def test_udgifter_i_alt_is_a_rounding_difference() -> None:
    parts = [ROWS[p]["amount"] for p in ROWS["udgifter_i_alt"]["parts"]]
    record = balance.footing(ROWS["udgifter_i_alt"]["amount"], parts)
    assert record == {"printed": 346_745.0, "computed": 346_744.0, "difference": 1.0, "n_parts": 6,
                      "tolerance": 6.0, "status": "afrunding"}


def test_footing_table_of_tabel1() -> None:
    table = balance.footing_table()
    assert table["key"].tolist() == ["udgifter_i_alt", "indtaegter_i_alt"]
    udg, ind = table.iloc[0], table.iloc[1]
    cols = ["printed", "computed", "difference", "status"]
    assert udg[cols].tolist() == [346_745, 346_744, 1, "afrunding"]
    assert ind[cols].tolist() == [-350_545, -350_545, 0, "OK"]
    assert ind["n_parts"] == 4  # the memo line (betinget bloktilskud) is not summed
    strict = balance.footing_table(tolerance_per_line=0)
    assert strict["status"].tolist() == ["fejl", "OK"]


def test_footing_table_flags_a_real_error() -> None:
    table = PS.table("tabel1")
    rows = [dict(r, amount=346_800) if r["key"] == "udgifter_i_alt" else r for r in table.rows]
    broken = replace(PS, tables={**PS.tables, "tabel1": replace(table, rows=tuple(rows))})
    out = balance.footing_table(broken)
    assert out.loc[0, "difference"] == 56 and out.loc[0, "status"] == "fejl"
    with pytest.raises(XlmodelError, match=r"tabel: 'tabel9'"):
        balance.footing_table(tabel="tabel9")


def test_footing_vectorised_and_generic() -> None:
    record = balance.footing([10, 20, 30], [[4, 6], [9, 9], [15, 16]], 1.0)
    assert record["computed"].tolist() == [10, 18, 31]
    assert record["difference"].tolist() == [0, 2, -1]
    assert record["status"].tolist() == ["OK", "afrunding", "afrunding"]
    assert record["n_parts"] == 2 and record["tolerance"] == 2.0
    # floating-point noise is not a footing difference
    assert balance.footing(0.3, [0.1, 0.2])["status"] == "OK"
    assert balance.footing(0.0, [])["status"] == "OK"
    assert balance.footing(5, [])["status"] == "fejl"


@pytest.mark.parametrize(("args", "message"), [
    ((10, [[1, 2]]), r"parts: 'shape \(1, 2\)'"),
    (([10, 20], [1, 2]), r"parts: 'shape \(2,\)'"),
    ((10, [1, "2"]), "parts: '2' .*text"),
    (("10", [1]), "printed: '10'"),
    ((10, [1], -1), "tolerance_per_line: -1.0"),
    ((10, [1], [1, 2]), "tolerance_per_line: .*one number"),
])
def test_footing_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        balance.footing(*args)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=0, max_size=12), st.integers(-20, 20),
       st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_footing_status_consistent_with_difference(parts: list[int], offset: int, tol: float) -> None:
    printed = sum(parts) + offset
    record = balance.footing(printed, parts, tol)
    assert record["difference"] == pytest.approx(offset)
    assert record["computed"] == sum(parts)
    d = abs(record["difference"])
    expected = "OK" if d == 0 else ("afrunding" if d <= len(parts) * tol else "fejl")
    assert record["status"] == expected
    # the same rows as an array give the same answer
    many = balance.footing(np.array([printed, printed]), np.array([parts, parts]).reshape(2, len(parts)), tol)
    assert many["status"].tolist() == [expected, expected]


def test_balance_resultat_is_0_and_the_gap_is_its_own_figure() -> None:
    """Issue 11 obs. 7: Udgifter i alt + Indtægter i alt (−3,800) IS the Ekstraordinær
    finansiering line; the table balances at 0 once that line is set aside (was −7,600)."""
    t = balance.tabel1()
    amount = dict(zip(t.key, t.amount, strict=True))
    gap = amount["udgifter_i_alt"] + amount["indtaegter_i_alt"]
    assert gap == 346_745 - 350_545 == -3_800 == amount["ekstraordinaer_finansiering"]
    assert balance.finansieringsbehov() == -3_800
    assert balance.balance_resultat() == 0
    assert t.attrs["prisniveau"] == "2014-pl"
