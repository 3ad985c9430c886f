"""Parameters check: xlmodel's Parametre table in the workbook against a named parameter set.

The table is found by the marker xlmodel wrote (the hidden workbook-scoped name
``_xlmodel_owned_parametre``, :data:`xlmodel.excel.layout.OWNED_TABLE`), never by a sheet's name:
a user's own sheet called "Parametre" is a sheet like any other, with no finding about it, and
the table may start anywhere (a user inserted rows above it, or it sits beside other cells).  Its
cells are located and laid out as every file reader does it
(:func:`~xlmodel.excel.workbook_sheets.locate_table`, :func:`~xlmodel.excel.workbook_sheets.table_grid`,
from the values the loader decoded) and parsed by :func:`xlmodel.excel.layout.parse_rows`; the
cell a finding names is the table's own.

A value that differs from the set is, for an [aftale]/[lov]/[udmelding] value (a stale 2013
rate left in a 2014 model, a typo), an error naming the row, the set's value and its source
("afviger fra aftalen"); for an [antagelse] it is the user's change, reported as info (the
workbook computes with it, source "bruger"); a dated row the set does not have, or
a name the set does not know, is a warning; a value of the set missing from the sheet is a
warning.  A workbook without the marker has no table of xlmodel's: nothing to check.  A marker
that points nowhere or a header that is not xlmodel's is an error (``xlmodel refresh`` refuses
such a workbook): the rows are not compared.
"""

from __future__ import annotations

import math
import re
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.excel import layout
from xlmodel.ooxml.addresses import address, range_text
from xlmodel.parameters import OFFICIAL, ParameterSet, resolve
from xlmodel.tekst import format_aar, format_eksakt
from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding

_NAME = re.compile(r"^(?P<name>[\w.]+)(\[(?P<index>\d+)\])?$")
CHECK = "parameters"


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return str(a).strip() == str(b).strip()


def _table(book: LoadedBook, ps: ParameterSet) -> tuple[str, list[list[Any]]] | None:
    """The owned table's (header cell, cells), located and laid out as every file reader does it,
    from the values the book's loader already decoded (no second scan); None: no marker."""
    from xlmodel.excel.workbook_params import HEADLESS
    from xlmodel.excel.workbook_sheets import locate_table, table_grid

    names = {name: text for (name, local), text in book.names.items() if local is None}
    found = locate_table(names, book.sheetnames, HEADLESS, ps.name)
    if found is None:
        return None
    sheet, bounds = found
    return layout.header_cell(sheet, bounds[0], bounds[1]), table_grid(book.sheet(sheet).values, bounds)


def book_parameter_set(book: LoadedBook, ps: ParameterSet) -> ParameterSet:
    """The workbook's active set, ``ps`` plus its owned Parametre table, from the loader's values.

    The rule of :func:`xlmodel.excel.workbook_sheets.sheet_parameter_set` (same location, layout
    and :func:`~xlmodel.excel.workbook_params.table_set`, so the same set and the same refusals),
    without scanning the table's sheet a second time; the recompute check hands it to the engine.
    """
    from xlmodel.excel.workbook_params import HEADLESS, table_set

    found = _table(book, ps)
    return ps if found is None else table_set(ps, *found, remedy=HEADLESS)


def parameters(book: LoadedBook, params: ParameterSet | None) -> list[Finding]:
    ps = resolve(params)
    try:
        found = _table(book, ps)
    except XlmodelError as exc:  # the marker points at no range of the workbook
        return [Finding(CHECK, "error", None, None, str(exc))]
    if found is None:
        return []
    where, cells = found
    ref = layout.parse_ref(where)
    assert ref is not None  # header_cell writes a plain reference
    sheet_name, (r1, c1, _, _) = ref
    try:
        rows = layout.parse_rows(cells, where)
    except XlmodelError:
        # the marked range no longer starts with xlmodel's header: refresh refuses it; say so
        header = [str(v).strip() if v is not None else "" for v in (cells[0] if cells else [])]
        return [Finding(CHECK, "error", sheet_name, range_text(r1, c1, r1, c1 + len(layout.COLUMNS) - 1),
                        f"xlmodels Parametre-tabel ({where}) har ikke xlmodels overskrift "
                        f"({', '.join(layout.COLUMNS)}): rækkerne er ikke sammenlignet, og xlmodel "
                        "refresh afviser projektmappen; ret overskriften",
                        expected=", ".join(layout.COLUMNS), actual=", ".join(header))]
    out: list[Finding] = []
    seen: set[tuple[str, int, int | None]] = set()
    for row in rows:
        r, navn, aar, vaerdi = row.row, row.navn, row.aar, row.vaerdi
        where = address(r, c1 + 2)
        m = _NAME.match(str(navn or "").strip())
        if m is None or not isinstance(aar, int | float) or isinstance(aar, bool):
            out.append(Finding(CHECK, "warning", sheet_name, address(r, c1),
                                  f"række {r} er ikke 'navn, år, værdi' "
                                  f"({format_eksakt(navn)}, {format_eksakt(aar)})", actual=navn))
            continue
        name, index, year = m["name"], m["index"], int(aar)
        param = ps.parameters.get(name)
        if param is None:
            out.append(Finding(CHECK, "warning", sheet_name, address(r, c1),
                                 f"{name} er ikke en parameter i {ps.name}", actual=name))
            continue
        if year not in param.values:
            have = ", ".join(format_aar(y) for y in sorted(param.values))
            out.append(Finding(CHECK, "error", sheet_name, address(r, c1 + 1),
                                 f"{name} for {year} findes ikke i {ps.name} (det har {have}): en forældet "
                                 "eller fremmed værdi; opdater modellen med det rigtige parametersæt",
                                 expected=have, actual=year))
            continue
        expected = param.values[year]
        if index is not None:
            i = int(index)
            expected = expected[i] if isinstance(expected, list) and i < len(expected) else None
        seen.add((name, year, None if index is None else int(index)))
        if expected is None or not _close(vaerdi, expected):
            kind, reference, _ = param.provenance.get(year, (param.source, param.reference, param.note))
            source = f"{kind}: {reference}"
            diff = (float(vaerdi) - float(expected)
                    if isinstance(vaerdi, int | float) and isinstance(expected, int | float) else None)
            if kind == "antagelse" and expected is not None:
                # An assumption is meant to be changed: the workbook uses the user's value (source
                # "bruger"); say so, it is not an error (issue 11, deliver 3).
                out.append(Finding(CHECK, "info", sheet_name, where,
                                     f"{name} {year} er ændret af brugeren til {format_eksakt(vaerdi)} "
                                     f"(en antagelse; {ps.name} har {format_eksakt(expected)}, {source}): "
                                     "projektmappen bruger brugerens værdi", expected=expected, actual=vaerdi,
                                     difference=diff))
                continue
            departs = "afviger fra aftalen" if kind in OFFICIAL else "afviger fra parametersættet"
            out.append(Finding(CHECK, "error", sheet_name, where,
                                 f"{name} {year} er {format_eksakt(vaerdi)} i arket, men "
                                 f"{format_eksakt(expected)} i {ps.name} ({source}): {departs}",
                                 expected=expected, actual=vaerdi, difference=diff))
    for p in ps.parameters.values():
        for year, value in p.values.items():
            keys = [(p.name, year, i) for i in range(len(value))] if isinstance(value, list) else [
                (p.name, year, None)]
            if not any(k in seen for k in keys) and not _reported(out, p.name, year):
                out.append(Finding(CHECK, "warning", sheet_name, None,
                                     f"{p.name} {year} fra {ps.name} mangler i Parametre-arket",
                                     expected=value if not isinstance(value, list) else str(value)))
    return out


def _reported(found: list[Finding], name: str, year: int) -> bool:
    return any(name in f.message and str(year) in f.message for f in found)
