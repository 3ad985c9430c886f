"""Tabel 1 of the agreement (the municipal balance) and footing checks (DOMAIN.md §1).

The printed table is rounded line by line: the six expense lines add up to 346,744 mio. kr.
while "Udgifter i alt" is printed as 346,745 [aftale: Aftale 2014, tabel 1].  A footing check
reports such a difference and classifies it: "OK" (sums exactly), "afrunding" (within
± ``tolerance_per_line`` per summed line) or "fejl" (beyond that).  It never hides the
difference and never calls a rounding difference a formula error.

:func:`footing` is generic (scalars or arrays) so the validation engine can reuse it on any
printed total.  The table's rows come from the parameter set (``tabel1``), never from code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from xlmodel._inputs import ArrayLike, numbers
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, Table, resolve
from xlmodel.tekst import AFRUNDING, FEJL, OK

if TYPE_CHECKING:  # pandas only where a table is built: validation's footing check needs none
    import pandas as pd

__all__ = ["STATUSES", "balance_resultat", "finansieringsbehov", "footing", "footing_table", "tabel1"]

#: Footing statuses, from good to bad.
STATUSES = (OK, AFRUNDING, FEJL)  # the one status vocabulary (xlmodel.tekst)

# A difference this small relative to the amounts is floating-point noise, not a footing
# difference (0.1 + 0.2 vs 0.3).  Printed tables carry whole numbers or a few decimals.
_NOISE = 1e-9


def _table(params: str | ParameterSet | None, name: str) -> Table:
    return resolve(params).table(name)


def tabel1(params: str | ParameterSet | None = None) -> pd.DataFrame:
    """Tabel 1 as printed: one row per line with key, label, amount (mio. kr.) and kind.

    kind is "line" (summed), "total" (a printed total of earlier lines) or "memo" (an of-which
    line, not summed).  ``attrs`` carry the source and year [aftale: Aftale 2014, tabel 1].

    >>> t = tabel1()
    >>> t.loc[t.key == "udgifter_i_alt", "amount"].item(), t.attrs["kilde"]
    (346745.0, 'aftale: Aftale 2014, tabel 1')
    """
    table = _table(params, "tabel1")
    import pandas as pd

    frame = pd.DataFrame(
        [{"key": r["key"], "label": r["label"], "amount": float(r["amount"]), "kind": r["kind"]}
         for r in table.rows],
        columns=["key", "label", "amount", "kind"])
    frame.attrs = {"kilde": f"{table.source}: {table.reference}", "aar": table.year,
                   "enhed": table.unit, "titel": table.label, "prisniveau": table.price_level}
    return frame


def footing(printed: ArrayLike, parts: ArrayLike, tolerance_per_line: float = 1.0) -> dict[str, Any]:
    """Compare a printed total with the sum of its parts.

    ``parts`` holds the summed lines on its LAST axis: a 1-D list for one scalar ``printed``,
    or shape ``printed.shape + (n,)`` for many totals of n parts each.  Returns a record
    (dict) with printed, computed (the sum), difference (printed − computed), n_parts,
    tolerance (n_parts × tolerance_per_line) and status: "OK" when the difference is 0,
    "afrunding" when 0 < |difference| ≤ tolerance, else "fejl".  Scalars in → Python scalars
    out; arrays in → arrays of ``printed``'s shape.  Differences below 1e-9 of the amounts
    are floating-point noise and count as 0.

    >>> r = footing(346_745, [230_541, 19_368, 65_299, 12_635, 18_071, 830])
    >>> r["computed"], r["difference"], r["status"]
    (346744.0, 1.0, 'afrunding')
    >>> footing([10, 20], [[4, 6], [9, 9]], 0.5)["status"].tolist()
    ['OK', 'fejl']
    """
    total = numbers(printed, "printed")
    lines = np.atleast_1d(numbers(parts, "parts"))
    if lines.shape[:-1] != total.shape:
        raise XlmodelError("parts", f"shape {lines.shape}",
                           f"the parts of each printed total on the last axis: shape {total.shape} + (n,)")
    tol_line = numbers(tolerance_per_line, "tolerance_per_line", minimum=0,
                       allowed="a tolerance ≥ 0 per summed line (1 = ±1 per line)")
    if tol_line.ndim:
        raise XlmodelError("tolerance_per_line", tol_line.tolist(), "one number ≥ 0")
    n = lines.shape[-1]
    computed = lines.sum(axis=-1)
    difference = total - computed
    scale = np.maximum(1.0, np.maximum(np.abs(total), np.abs(lines).sum(axis=-1)))
    difference = np.where(np.abs(difference) <= _NOISE * scale, 0.0, difference)
    tolerance = n * float(tol_line)
    status = np.where(difference == 0.0, STATUSES[0],
                      np.where(np.abs(difference) <= tolerance, STATUSES[1], STATUSES[2]))
    if total.ndim == 0:
        return {"printed": float(total), "computed": float(computed), "difference": float(difference),
                "n_parts": n, "tolerance": tolerance, "status": str(status)}
    return {"printed": total, "computed": computed, "difference": difference, "n_parts": n,
            "tolerance": tolerance, "status": status.astype(object)}


def footing_table(params: str | ParameterSet | None = None, *, tabel: str = "tabel1",
                  tolerance_per_line: float = 1.0) -> pd.DataFrame:
    """Footing of every printed total of a table of the parameter set, one row per total.

    ``tabel`` names another table of the set (default Tabel 1); ``tolerance_per_line`` is
    :func:`footing`'s.

    Columns: key, label, printed, computed, difference, n_parts, tolerance, status.

    >>> footing_table()[["key", "difference", "status"]]
                    key  difference     status
    0    udgifter_i_alt         1.0  afrunding
    1  indtaegter_i_alt         0.0         OK
    """
    table = _table(params, tabel)
    amounts = {r["key"]: float(r["amount"]) for r in table.rows}
    rows = []
    for row in table.rows:
        if row["kind"] != "total":
            continue
        record = footing(float(row["amount"]), [amounts[p] for p in row.get("parts", [])],
                         tolerance_per_line)
        rows.append({"key": row["key"], "label": row["label"], **record})
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["key", "label", "printed", "computed", "difference", "n_parts",
                                        "tolerance", "status"])
    frame.attrs = {"kilde": f"{table.source}: {table.reference}", "aar": table.year}
    return frame


def _top_level(table: Table) -> tuple[float, float]:
    """(sum of the printed totals and free lines except the financing line, the financing line)."""
    in_total = {p for r in table.rows if r["kind"] == "total" for p in r.get("parts", [])}
    top = [r for r in table.rows
           if r["kind"] == "total" or (r["kind"] == "line" and r["key"] not in in_total)]
    financing = [float(r["amount"]) for r in top if r["key"] == "ekstraordinaer_finansiering"]
    rest = [float(r["amount"]) for r in top if r["key"] != "ekstraordinaer_finansiering"]
    return float(np.sum(rest)), float(np.sum(financing))


def finansieringsbehov(params: str | ParameterSet | None = None) -> float:
    """The financing gap of Tabel 1: Udgifter i alt + Indtægter i alt (the ekstraordinær finansiering).

    Signs are the table's (expenses positive, revenue negative).  For 2014: 346,745 − 350,545 =
    −3,800 mio. kr., exactly the printed "Ekstraordinær finansiering" line [aftale: Aftale 2014,
    tabel 1].  Every top-level total and free line counts except the financing line itself.

    >>> finansieringsbehov()
    -3800.0
    """
    rest, _ = _top_level(_table(params, "tabel1"))
    return rest


def balance_resultat(params: str | ParameterSet | None = None) -> float:
    """The balance the agreement means: Udgifter i alt + Indtægter i alt − Ekstraordinær finansiering.

    "Regeringen og KL er enige om, at der for kommunerne under ét vil være balance i den
    kommunale økonomi i 2014" [aftale: Aftale 2014, afsnit 3, tabel 1].  Udgifter i alt +
    Indtægter i alt (−3,800) is already the Ekstraordinær finansiering line, so the table
    balances at 0 once that line is set aside: adding it again would count it twice (the former
    −7,600).  The gap itself is :func:`finansieringsbehov`.  A non-zero result means the printed
    lines do not balance.

    >>> balance_resultat()
    0.0
    """
    rest, financing = _top_level(_table(params, "tabel1"))
    return float(rest - financing) + 0.0
