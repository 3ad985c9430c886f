"""The parts xlmodel owns inside a user's workbook: the Parametre table and the status sheet.

xlmodel recognises them by the hidden defined names it wrote (``layout.OWNED_TABLE``,
``layout.OWNED_STATUS``), never by a sheet's name: a user's own sheet called Parametre or
Kontrol is a sheet like any other.  The Parametre table is rewritten cell by cell inside its
owned range (the user's other cells on that sheet, their styles and the sheet's settings stay);
the status sheet belongs to xlmodel whole and is regenerated.  The table's rows and ``P_*``
names come from :mod:`xlmodel.excel.layout` (the one layout).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlmodel.engine.keep import cached_value
from xlmodel.errors import XlmodelError
from xlmodel.excel import layout
from xlmodel.ooxml.addresses import (
    NS_MAIN,
    NS_REL,
    address,
    col_letters,
    col_number,
    parse_address,
    quote_sheet,
)
from xlmodel.ooxml.package import Package, SheetRef
from xlmodel.ooxml.sheet import Constant, SheetXml
from xlmodel.ooxml.values import encode_text
from xlmodel.parameters import ParameterSet


def _cell(r: int, c: int, value: Any) -> str:
    ref = address(r, c)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        f = float(value)
        if f != f or f in (float("inf"), float("-inf")):
            return f'<c r="{ref}" t="e"><v>#NUM!</v></c>'
        text = str(int(f)) if f.is_integer() and abs(f) < 1e16 else repr(f)
        return f'<c r="{ref}"><v>{text}</v></c>'
    text = encode_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


#: print setup of the sheets xlmodel writes: A4 landscape, one page wide, a footer (as the models')
_PRINT = ('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.7" header="0.3" footer="0.3"/>'
          '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
          '<headerFooter><oddFooter>&amp;L&amp;8&amp;A&amp;C&amp;8side &amp;P af &amp;N</oddFooter>'
          '</headerFooter>')


def sheet_xml(rows: Iterable[Sequence[Any]], widths: dict[str, float] | None = None,
              freeze: str | None = None) -> bytes:
    """A worksheet part holding ``rows`` as values (text as inline strings: no shared-string table)."""
    body = []
    last_r = last_c = 1
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(r, c, v) for c, v in enumerate(row, start=1))
        if cells:
            body.append(f'<row r="{r}">{cells}</row>')
            last_r = r
            last_c = max(last_c, max((c for c, v in enumerate(row, start=1) if v is not None), default=1))
    views = '<sheetView workbookViewId="0"/>'
    if freeze and freeze != "A1":
        fr, fc = parse_address(freeze)
        attrs = (f' xSplit="{fc - 1}"' if fc > 1 else "") + (f' ySplit="{fr - 1}"' if fr > 1 else "")
        pane = "bottomRight" if fr > 1 and fc > 1 else "bottomLeft" if fr > 1 else "topRight"
        views = (f'<sheetView workbookViewId="0"><pane{attrs} topLeftCell="{freeze}" '
                 f'activePane="{pane}" state="frozen"/></sheetView>')
    cols = ""
    if widths:
        cols = "<cols>" + "".join(
            f'<col min="{col_number(k)}" max="{col_number(k)}" width="{w:g}" customWidth="1"/>'
            for k, w in sorted(widths.items(), key=lambda kv: col_number(kv[0]))) + "</cols>"
    dim = f"A1:{col_letters(last_c)}{last_r}"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="{dim}"/>'
            f'<sheetViews>{views}</sheetViews><sheetFormatPr defaultRowHeight="15"/>{cols}'
            f'<sheetData>{"".join(body)}</sheetData>{_PRINT}</worksheet>').encode()


def owned(pkg: Package, marker: str) -> tuple[SheetRef, tuple[int, int, int, int]] | None:
    """The sheet and range a marker name refers to, or None (no marker, or a dangling one)."""
    text = pkg.defined_names().get(marker)
    return _resolve(pkg, text) if text else None


def _resolve(pkg: Package, text: str) -> tuple[SheetRef, tuple[int, int, int, int]] | None:
    """The sheet and range of a marker's reference text, or None if it refers to no sheet."""
    ref = layout.parse_ref(text)
    if ref is None:
        return None
    sheet = next((s for s in pkg.sheets() if s.name.lower() == ref[0].lower()), None)
    return (sheet, ref[1]) if sheet is not None else None


def _names_used(pkg: Package) -> set[str]:
    """Every identifier in a formula of the workbook (cells and defined names), upper-cased."""
    words: set[str] = set()
    ident = re.compile(r"[A-Za-z_\\][\w.]*")
    for ref in pkg.sheets():
        for fc in SheetXml(pkg.get(ref.part), ref.part).formula_cells():
            words.update(w.upper() for w in ident.findall(fc.text))
    for text in pkg.defined_names().values():
        words.update(w.upper() for w in ident.findall(text))
    return words


def write_parameter_sheet(pkg: Package, ps: ParameterSet) -> list[str]:
    """(Re)write the owned Parametre table and its ``P_*`` names for ``ps``; returns warnings.

    * An owned table (``layout.OWNED_TABLE``) is rewritten in place: the cells of its range
      get the new rows; the user's cells elsewhere on the sheet stay byte for byte.  Growing
      into a cell the user filled is refused, naming the cell.
    * No owned table: a new sheet is added (``Parametre``, or ``Parametre (xlmodel)`` if the
      workbook has a sheet of that name).
    * The ``P_*`` names xlmodel owns are replaced; an owned name the new set lacks but a formula
      uses is kept as ``#N/A`` (never a vanished name → ``#NAME?``) with a warning; a ``P_*``
      name of the workbook's own that the table would need is refused.
    """
    names = pkg.defined_names()
    table = layout.table_rows(ps)
    found = owned(pkg, layout.OWNED_TABLE)
    width = len(layout.COLUMNS)
    if found is None:
        sheet = layout.unique_sheet_name([r.name for r in pkg.sheets()], layout.SHEET)
        r1, c1 = 1, 1
        old_owned: list[str] = []
    else:
        ref, bounds = found
        sheet, (r1, c1) = ref.name, bounds[:2]
        old_owned = layout.owned_names(names, (ref.name, bounds))
    new_names = layout.table_names(ps, sheet, r1, c1)
    mine = {n.lower() for n in old_owned}
    for n in names:
        if n.lower() in {k.lower() for k in new_names} and n.lower() not in mine:
            raise XlmodelError(f"defined name {n}", names[n], "a name xlmodel owns (it refers into "
                               "xlmodel's Parametre table)",
                               detail="the workbook defines it itself; rename that name, then run again")
    if found is None:
        widths = dict(zip("ABCDEFGHI", layout.WIDTHS, strict=True))
        pkg.put_sheet(sheet, sheet_xml(table, widths, "A2"))
    else:
        ref, (or1, oc1, or2, oc2) = found
        xml = SheetXml(pkg.get(ref.part), ref.part)
        nr2, nc2 = r1 + len(table) - 1, c1 + width - 1
        for r, c in sorted(xml.occupied()):
            inside_new = r1 <= r <= nr2 and c1 <= c <= nc2
            inside_old = or1 <= r <= or2 and oc1 <= c <= oc2
            if inside_new and not inside_old:
                raise XlmodelError(f"{sheet}!{address(r, c)}", "a cell of the workbook's own",
                                   "an empty cell where xlmodel's Parametre table grows",
                                   detail=f"parameter set {ps.name} needs {len(table)} rows from "
                                          f"{address(r1, c1)}; move that cell, then run again")
        updates = {(r, c): Constant(None) for r in range(or1, or2 + 1) for c in range(oc1, oc2 + 1)}
        for i, values in enumerate(table):
            for j, v in enumerate(values):
                updates[(r1 + i, c1 + j)] = Constant(v)
        pkg.set(ref.part, xml.patch(updates, set()))
    final = dict(new_names)
    warnings = []
    used = _names_used(pkg) if old_owned else set()
    for n in old_owned:
        if n not in final and n.upper() in used:
            final[n] = layout.MISSING
            warnings.append(f"det definerede navn {n}: parametersæt {ps.name} har ingen værdi til det; "
                            f"formler, der bruger det, viser {layout.MISSING}")
    final[layout.OWNED_TABLE] = layout.table_ref(sheet, len(table), r1, c1)
    pkg.update_defined_names([*old_owned, layout.OWNED_TABLE], final, hidden=[layout.OWNED_TABLE])
    return warnings


def has_status_sheet(pkg: Package) -> bool:
    """Does the workbook have the status sheet xlmodel wrote (by its marker)?"""
    return owned(pkg, layout.OWNED_STATUS) is not None


def write_status_sheet(pkg: Package, base_name: str, header: Sequence[str],
                       rows: Iterable[Sequence[Any]], widths: dict[str, float] | None = None) -> str:
    """(Re)write the owned status sheet as a table (header row, then ``rows``); returns its name.

    The sheet found by its marker is regenerated whole (it is xlmodel's); without one a new
    sheet ``base_name`` (or ``base_name (xlmodel)`` …, never an existing sheet) is added.
    """
    table = [list(header), *[list(r) for r in rows]]
    found = owned(pkg, layout.OWNED_STATUS)
    name = found[0].name if found else layout.unique_sheet_name([r.name for r in pkg.sheets()], base_name)
    pkg.put_sheet(name, sheet_xml(table, widths, "A2"))
    last = col_letters(max(len(header), 1))
    pkg.update_defined_names([layout.OWNED_STATUS],
                             {layout.OWNED_STATUS: f"{quote_sheet(name)}!$A$1:${last}${max(len(table), 1)}"},
                             hidden=[layout.OWNED_STATUS])
    return name


def sheet_parameter_set(pkg: Package, ps: ParameterSet) -> ParameterSet:
    """The workbook's active parameter set: ``ps`` plus the user's changes in xlmodel's Parametre table.

    The table is recognised by its marker (``layout.OWNED_TABLE``), never by a sheet's name; a
    user's own sheet called Parametre is not read.  A changed value is the user's (source
    "bruger").  The rule is live Excel's (:func:`xlmodel.excel.workbook_params.table_set`): a
    marker that points nowhere, a header that is no longer xlmodel's, or a value the set refuses
    is a :class:`~xlmodel.excel.workbook_params.ParametreFejl` naming the cell and what is
    allowed — never a silent fall-back to ``ps`` while the workbook shows other values.  No
    marker: the workbook has no table of xlmodel's, and ``ps`` is its set.
    """
    from xlmodel.excel.workbook_params import HEADLESS, table_set

    found = table_cells(pkg, HEADLESS, ps.name)
    if found is None:
        return ps
    return table_set(ps, *found, remedy=HEADLESS)


def table_cells(pkg: Package, remedy: str | None = None,
                name: str = "tabellen") -> tuple[str, list[list[Any]]] | None:
    """The owned Parametre table of a file as (where, cell values incl. the header), or None.

    The one file reader of the table (refresh, the macros' file book): the marker located by
    :func:`locate_table`, the table's sheet read by one scan with
    :class:`~xlmodel.ooxml.sheet.SheetXml`, the cells laid out by :func:`table_grid`.  ``where``
    is the header cell (:func:`layout.header_cell`); parse the cells with
    :func:`layout.parse_rows`.  Validation, whose loader has decoded every sheet already, lays out
    the same cells from its own values with the same two functions (no second scan).  The live
    twin is :func:`xlmodel.excel.workbook_params.table_cells`.  None: no marker.  A marker that
    refers to no range of the workbook is a :class:`~xlmodel.excel.workbook_params.ParametreFejl`
    (``remedy``: how to write it again; ``name``: the set it names).
    """
    found = locate_table(pkg.defined_names(), [s.name for s in pkg.sheets()], remedy, name)
    if found is None:
        return None
    sheet, bounds = found
    ref = next(s for s in pkg.sheets() if s.name == sheet)
    r1, c1, r2, c2 = bounds
    xml = SheetXml(pkg.get(ref.part), ref.part)
    # the sheet's cells from one scan (``rows``: no formula pass, the table holds constants)
    parts = {(r, cell.col): (cell.attrs, cell.inner) for r, _attrs, _start, _end, row in xml.rows
             if r1 <= r <= r2 for cell in row if c1 <= cell.col <= c2}
    strings = pkg.shared_strings() if any(_kind(a) == "s" for a, _ in parts.values()) else []
    p = re.escape(xml.p)
    values = {k: cached_value(attrs, inner, strings, p, whole_as_int=True)
              for k, (attrs, inner) in parts.items()}
    return layout.header_cell(sheet, r1, c1), table_grid(values, bounds)


def locate_table(names: dict[str, str], sheets: Iterable[str], remedy: str | None = None,
                 name: str = "tabellen") -> tuple[str, tuple[int, int, int, int]] | None:
    """The owned table's sheet and range (r1, c1, r2, c2) from the workbook's defined names.

    ``names``: workbook-scoped name → text (any case).  None: no marker; a marker that refers to
    no sheet of ``sheets`` is a :class:`~xlmodel.excel.workbook_params.ParametreFejl`.

    >>> locate_table({"_XLMODEL_OWNED_PARAMETRE": "'Mine'!$B$3:$J$9"}, ["Model", "mine"])
    ('mine', (3, 2, 9, 10))
    """
    from xlmodel.excel.workbook_params import LIVE, dangling

    wanted = layout.OWNED_TABLE.lower()
    text = next((t for n, t in names.items() if n.lower() == wanted), None)
    if text is None:
        return None
    ref = layout.parse_ref(text)
    sheet = next((s for s in sheets if ref is not None and s.lower() == ref[0].lower()), None)
    if ref is None or sheet is None:
        raise dangling(text, remedy or LIVE, name)
    return sheet, ref[1]


def table_grid(values: dict[tuple[int, int], Any], bounds: tuple[int, int, int, int]) -> list[list[Any]]:
    """The table's cells as rows (header first) from (row, col) → value, as a user's reader sees
    them: a whole number is an int (as openpyxl gives it; the file writes ``2014``, never
    ``2014.0``).  Only the rows up to the range's last filled cell (empty rows are skipped by
    :func:`layout.parse_rows` anyway, and a marker widened to whole columns costs nothing).

    >>> table_grid({(2, 1): "navn", (3, 2): 2014.0, (3, 3): 1.5, (9, 9): "x"}, (2, 1, 99, 3))
    [['navn', None, None], [None, 2014, 1.5]]
    """
    r1, c1, r2, c2 = bounds
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 4 * len(values) + 64:  # a widened marker: the cells there are
        r2 = max((r for (r, c), v in values.items() if r1 <= r <= r2 and c1 <= c <= c2 and v is not None),
                 default=r1)
    get = values.get
    out = [[_plain(get((r, c))) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    while len(out) > 1 and all(v is None for v in out[-1]):
        out.pop()
    return out


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parameter_table(pkg: Package) -> tuple[str, int, list[layout.Row]] | None:
    """The owned table of a file as (sheet, header row, rows): :func:`table_cells` parsed."""
    found = table_cells(pkg)
    if found is None:
        return None
    where, cells = found
    ref = layout.parse_ref(where)
    assert ref is not None  # header_cell writes a plain reference
    return ref[0], ref[1][0], layout.parse_rows(cells, where)


_TYPE = re.compile(r'(?:^|\s)t\s*=\s*["\'](\w+)["\']')
_TYPE_QUICK = re.compile(r' t="(\w+)"')


def _kind(attrs: str) -> str:
    if "t" not in attrs:
        return "n"
    m = _TYPE_QUICK.search(attrs) or _TYPE.search(attrs)  # as Excel writes it, else any spacing
    return m.group(1) if m else "n"
