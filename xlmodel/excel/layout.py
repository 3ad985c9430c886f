"""The Parametre sheet: one layout shared by the builder, refresh, macros and validation.

Row 1 is the header :data:`COLUMNS`; each later row is one dated value of the
parameter set, with its unit and source, so a reader of the workbook sees where
every number came from.  List values (e.g. the 75/50/50/25 shares) are one row
per element, named ``name[i]``.  Every numeric row gets a workbook-level defined
name (:func:`defined_name`), and each parameter also gets a year-less name for
the value that applies in the set's budget year: formulas say ``=P_pl_service``.

**Ownership.** xlmodel recognises the table it wrote by a marker it wrote, never by a sheet's
name: the hidden workbook-scoped defined name :data:`OWNED_TABLE` refers to the table's range
(``'Parametre'!$A$1:$I$130``).  Excel and LibreOffice move the reference with the table when a
user renames the sheet or inserts rows above it.  The ``P_*`` names xlmodel owns are the
workbook-scoped ``P_*`` names that refer to a cell of that range (or, for a value the active set
lacks but a formula uses, the constant ``#N/A``).  A user's own sheet named Parametre is just a
sheet.

**One reading.** Every reader of the owned table gets its cells (header first) from one place per
kind of book — a file: :func:`xlmodel.excel.workbook_sheets.table_cells` (the marker located by
``locate_table``, one scan of the sheet through :mod:`xlmodel.ooxml`, laid out by ``table_grid``;
validation lays out its loader's values with the same two functions instead of scanning again);
live Excel: :func:`xlmodel.excel.workbook_params.table_cells` (xlwings) — and turns them into rows
with :func:`parse_rows`, the one parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import address, col_letters, col_number, parse_address, quote_sheet
from xlmodel.parameters import ParameterSet

if TYPE_CHECKING:  # openpyxl only where a function writes or reads an openpyxl workbook
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

SHEET = "Parametre"
#: The hidden defined name that marks the Parametre table xlmodel owns (its range).
OWNED_TABLE = "_xlmodel_owned_parametre"
#: The hidden defined name that marks the status sheet of the macros (see xlmodel.excel.macros).
OWNED_STATUS = "_xlmodel_owned_status"
#: What an owned name refers to when the active set has no value for it but formulas use it.
MISSING = "#N/A"
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
    #: the sheet row the value was read from (0: a row xlmodel generated, not read)
    row: int = 0


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


def table_names(ps: ParameterSet, sheet: str = SHEET, first_row: int = 1,
                first_col: int = 1) -> dict[str, str]:
    """The ``P_*`` names of a table whose header sits at (first_row, first_col): name → reference.

    >>> names = table_names(resolve_default())
    >>> names["P_pl_service"] == names["P_pl_service_2014"]
    True
    """
    value_col = col_letters(first_col + 2)
    quoted = quote_sheet(sheet)
    out: dict[str, str] = {}
    budget: dict[str, str] = {}
    for r, row in enumerate(rows(ps), start=first_row + 1):
        if isinstance(row.vaerdi, str):
            continue
        base, _, idx = row.navn.partition("[")
        index = int(idx.rstrip("]")) if idx else None
        ref = f"{quoted}!${value_col}${r}"
        out[defined_name(base, row.aar, index)] = ref
        if _applies(ps, base, row.aar):
            budget[defined_name(base, None, index)] = ref
    out.update(budget)
    return out


def resolve_default() -> ParameterSet:
    from xlmodel.parameters import resolve

    return resolve(None)


def table_ref(sheet: str, n_rows: int, first_row: int = 1, first_col: int = 1) -> str:
    """The marker's reference for a table of ``n_rows`` rows (header included).

    >>> table_ref("Parametre", 3)
    "'Parametre'!$A$1:$I$3"
    """
    last = col_letters(first_col + len(COLUMNS) - 1)
    return f"{quote_sheet(sheet)}!${col_letters(first_col)}${first_row}:${last}${first_row + n_rows - 1}"


def header_cell(sheet: str, row: int, col: int) -> str:
    """Where a table's header starts, as its refusals name it.

    >>> header_cell("Mit ark", 3, 2)
    "'Mit ark'!B3"
    """
    return f"{quote_sheet(sheet)}!{address(row, col)}"


def table_rows(ps: ParameterSet) -> list[tuple[Any, ...]]:
    """The table's rows: the header, then one row per dated value."""
    return [COLUMNS, *[(r.navn, r.aar, r.vaerdi, r.enhed, r.kilde, r.reference, r.beskrivelse,
                        r.gaelder, r.note) for r in rows(ps)]]


def write_parameters(wb: Workbook, ps: ParameterSet) -> Worksheet:
    """Add the Parametre table, its marker and its ``P_*`` names to a workbook xlmodel builds.

    For a workbook xlmodel creates (``xlmodel build``): the sheet is named :data:`SHEET`, or
    ``Parametre (xlmodel)`` if the workbook already has a sheet of that name.  A user's
    workbook is rewritten through the package (``xlmodel.excel.workbook_sheets``).
    """
    from openpyxl.workbook.defined_name import DefinedName

    name = unique_sheet_name(wb.sheetnames, SHEET)
    ws = wb.create_sheet(name)
    table = table_rows(ps)
    for values in table:
        ws.append(list(values))
    for n, ref in table_names(ps, name).items():
        wb.defined_names[n] = DefinedName(n, attr_text=ref)
    wb.defined_names[OWNED_TABLE] = DefinedName(OWNED_TABLE, attr_text=table_ref(name, len(table)),
                                                hidden=True)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHI", WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    return ws


#: Column widths of the table (A–I).
WIDTHS = (38, 6, 12, 16, 10, 60, 60, 10, 40)


def unique_sheet_name(existing: Iterable[str], wanted: str) -> str:
    """``wanted``, or ``wanted (xlmodel)``, ``wanted (xlmodel) 2`` … if a sheet has that name.

    >>> unique_sheet_name(["Parametre"], "Parametre")
    'Parametre (xlmodel)'
    """
    taken = {n.lower() for n in existing}
    for candidate in [wanted, f"{wanted} (xlmodel)", *(f"{wanted} (xlmodel) {i}" for i in range(2, 100))]:
        if candidate.lower() not in taken:
            return candidate
    raise XlmodelError("sheet", wanted, "a workbook with fewer sheets of that name")


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def parse_ref(text: str) -> tuple[str, tuple[int, int, int, int]] | None:
    """``'Parametre'!$A$1:$I$3`` → ``("Parametre", (1, 1, 3, 9))``; None if not a plain reference.

    >>> parse_ref("'Para''s'!$C$5")
    ("Para's", (5, 3, 5, 3))
    """
    m = _REF.match(text.strip().lstrip("="))
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
    r1, c1 = int(m.group(4)), col_number(m.group(3))
    r2, c2 = (int(m.group(6)), col_number(m.group(5))) if m.group(5) else (r1, c1)
    return sheet, (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def owned_names(names: dict[str, str], table: tuple[str, tuple[int, int, int, int]] | None) -> list[str]:
    """The ``P_*`` names (of name → text) that xlmodel owns: into the owned table, or :data:`MISSING`.

    >>> owned_names({"P_a": "'Parametre'!$C$2", "P_b": "Mine!$A$1", "P_c": "#N/A", "X": "'Parametre'!$C$2"},
    ...             ("Parametre", (1, 1, 3, 9)))
    ['P_a', 'P_c']
    """
    out = set()
    for name, text in names.items():
        if not name.upper().startswith(NAME_PREFIX.upper()):
            continue
        if text.strip().lstrip("=") == MISSING and table is not None:
            out.add(name)
            continue
        ref = parse_ref(text)
        if ref is None or table is None or ref[0].lower() != table[0].lower():
            continue
        (r1, c1, r2, c2), (tr1, tc1, tr2, tc2) = ref[1], table[1]
        if tr1 <= r1 and r2 <= tr2 and tc1 <= c1 and c2 <= tc2:
            out.add(name)
    return sorted(out)


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


def find_table(wb: Workbook) -> tuple[Worksheet, tuple[int, int, int, int]] | None:
    """Where the owned table of an openpyxl workbook is: (sheet, (r1, c1, r2, c2)), or None.

    For editing it with openpyxl (as a user would); reading it is :func:`parse_rows` over
    :func:`xlmodel.excel.workbook_sheets.table_cells`.
    """
    dn = wb.defined_names.get(OWNED_TABLE)
    if dn is None or not dn.attr_text:
        return None
    ref = parse_ref(dn.attr_text)
    if ref is None or ref[0] not in wb.sheetnames:
        return None
    return wb[ref[0]], ref[1]


def parse_rows(values: Iterable[Sequence[Any] | None], where: str) -> list[Row]:
    """The rows of a Parametre table given as its cells' values, header first: the one reading.

    Every reader of the owned table parses with it: the file (the cells from one scan of the
    sheet, :func:`xlmodel.excel.workbook_sheets.table_cells`: refresh, the macros' file book;
    validation lays out the same cells from its loader's values with the same functions) and live
    Excel (:mod:`xlmodel.excel.workbook_params`, the cells from xlwings).
    ``where`` names the header cell (:func:`header_cell`); it is named in the refusal of a missing
    or reordered header, and each row's ``row`` is counted from it.  Rows with no navn, aar and
    vaerdi are skipped; short rows are padded.

    >>> [(r.navn, r.row) for r in parse_rows([COLUMNS, (None,), ("pl.service", 2014, 1.3)], "'P'!B3")]
    [('pl.service', 5)]
    >>> parse_rows([("name", "year")], "Parametre!A1")
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: Parametre!A1: ('name', 'year') is not allowed; allowed: the header navn, ...
    """
    values = iter(values)
    header = tuple(next(values, ()) or ())
    if tuple(str(h).strip().lower() if h is not None else "" for h in header[:len(COLUMNS)]) != COLUMNS:
        raise XlmodelError(where, header[:len(COLUMNS)], "the header " + ", ".join(COLUMNS))
    first_row = parse_address(where.rpartition("!")[2])[0]
    out = []
    for offset, cells in enumerate(values, start=1):
        if cells is None or all(c is None for c in cells[:3]):
            continue
        padded = [*cells[:len(COLUMNS)], *[None] * (len(COLUMNS) - len(cells))]
        out.append(Row(*(("" if v is None else v) if i >= 3 else v for i, v in enumerate(padded)),
                       row=first_row + offset))
    return out
