"""The Parametre sheet: one layout shared by the builder, refresh, macros and validation.

Row 1 is the header :data:`COLUMNS`; each later row is one dated value of the
parameter set, with its unit and source, so a reader of the workbook sees where
every number came from.  List values (e.g. the 75/50/50/25 shares) are one row
per element, named ``name[i]``.  Every numeric row gets a workbook-level defined
name (:func:`defined_name`), and each parameter also gets a year-less name for
the value that applies in the set's budget year: formulas say ``=P_pl_service``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet

SHEET = "Parametre"
COLUMNS = ("navn", "aar", "vaerdi", "enhed", "kilde", "reference", "beskrivelse", "gaelder", "note")
NAME_PREFIX = "P_"


@dataclass(frozen=True)
class Row:
    navn: str
    aar: int
    vaerdi: Any
    enhed: str
    kilde: str
    reference: str
    beskrivelse: str
    gaelder: str
    note: str


def defined_name(name: str, year: int | None = None, index: int | None = None) -> str:
    """``("pl.service", 2014)`` → ``"P_pl_service_2014"``; year None → the budget-year name.

    >>> defined_name("pl.service"), defined_name("pl.service", 2014)
    ('P_pl_service', 'P_pl_service_2014')
    >>> defined_name("skat.forhoejelse_individuel_andel", None, 1)
    'P_skat_forhoejelse_individuel_andel_i1'
    """
    text = NAME_PREFIX + name.replace(".", "_")
    if year is not None:
        text += f"_{year}"
    if index is not None:
        text += f"_i{index}"
    return text


def rows(ps: ParameterSet) -> Iterator[Row]:
    """The sheet's rows for a parameter set, in name then year order."""
    for p in sorted(ps.parameters.values(), key=lambda p: p.name):
        gaelder = "år" if p.period == "year" else "fra og med"
        for year, value in sorted(p.values.items()):
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                navn = p.name if index is None else f"{p.name}[{index}]"
                yield Row(navn, year, item, p.unit, p.source, p.reference, p.label, gaelder, p.note)


def write_parameters(wb: Workbook, ps: ParameterSet) -> Worksheet:
    """(Re)write the Parametre sheet and its defined names for ``ps``; returns the sheet.

    Existing ``P_*`` names are replaced; the sheet keeps its position in the workbook.
    """
    if SHEET in wb.sheetnames:
        old = wb[SHEET]
        position = wb.sheetnames.index(SHEET)
        wb.remove(old)
        ws = wb.create_sheet(SHEET, position)
    else:
        ws = wb.create_sheet(SHEET)
    for name in [n for n in wb.defined_names if n.startswith(NAME_PREFIX)]:
        del wb.defined_names[name]
    ws.append(COLUMNS)
    budget_names: dict[str, str] = {}
    for r, row in enumerate(rows(ps), start=2):
        ws.append([row.navn, row.aar, row.vaerdi, row.enhed, row.kilde, row.reference,
                   row.beskrivelse, row.gaelder, row.note])
        if isinstance(row.vaerdi, str):
            continue
        base, _, idx = row.navn.partition("[")
        index = int(idx.rstrip("]")) if idx else None
        ref = f"'{SHEET}'!$C${r}"
        wb.defined_names[defined_name(base, row.aar, index)] = DefinedName(
            defined_name(base, row.aar, index), attr_text=ref)
        if _applies(ps, base, row.aar):
            budget_names[defined_name(base, None, index)] = ref
    for name, ref in budget_names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHI", (38, 6, 12, 16, 10, 60, 60, 10, 40), strict=True):
        ws.column_dimensions[col].width = width
    return ws


def _applies(ps: ParameterSet, name: str, year: int) -> bool:
    """Is the value dated ``year`` the one in force in the set's budget year?"""
    if ps.budget_year is None:
        return False
    try:
        ps.get(name, ps.budget_year)
    except XlmodelError:
        return False
    values = ps.parameters[name].values
    if ps.parameters[name].period == "year":
        return year == ps.budget_year
    return year == max(y for y in values if y <= ps.budget_year)


def read_parameters(ws: Worksheet) -> list[Row]:
    """Read a Parametre sheet back (as written by :func:`write_parameters` or edited by a user).

    A missing or reordered header raises :class:`XlmodelError` naming the sheet.
    """
    values = ws.iter_rows(values_only=True)
    header = tuple(next(values, ()) or ())
    if tuple(str(h).strip().lower() if h is not None else "" for h in header[:len(COLUMNS)]) != COLUMNS:
        raise XlmodelError(f"{ws.title}!A1", header[:len(COLUMNS)], "the header " + ", ".join(COLUMNS))
    out = []
    for cells in values:
        if cells is None or all(c is None for c in cells[:3]):
            continue
        padded = [*cells[:len(COLUMNS)], *[None] * (len(COLUMNS) - len(cells))]
        out.append(Row(*(("" if v is None else v) if i >= 3 else v for i, v in enumerate(padded))))
    return out
