"""Sheets xlmodel owns inside a user's workbook: Parametre (the parameter set) and Kontrol (checks).

They are regenerated whole as worksheet parts and spliced into the package; the rest of the
workbook is not touched.  The Parametre sheet's contents and defined names come from
:func:`xlmodel.excel.layout.write_parameters` (the one layout), run on a scratch workbook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from xlmodel.engine.package import NS_MAIN, NS_REL, Package
from xlmodel.engine.sheetxml import address, col_letters, col_number, parse_address
from xlmodel.excel import layout
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
    text = escape(str(value))
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


def write_parameter_sheet(pkg: Package, ps: ParameterSet) -> None:
    """(Re)write the Parametre sheet and the ``P_*`` defined names of ``pkg`` for ``ps``."""
    from openpyxl import Workbook

    scratch = Workbook()
    ws = layout.write_parameters(scratch, ps)
    widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
    pkg.put_sheet(layout.SHEET, sheet_xml(ws.iter_rows(values_only=True), widths, ws.freeze_panes))
    names = {n: dn.attr_text for n, dn in scratch.defined_names.items()
             if n.startswith(layout.NAME_PREFIX)}
    pkg.replace_defined_names(layout.NAME_PREFIX, names)


def write_table_sheet(pkg: Package, name: str, header: Sequence[str],
                      rows: Iterable[Sequence[Any]], widths: dict[str, float] | None = None) -> None:
    """(Re)write sheet ``name`` as a table: a header row, then ``rows``."""
    pkg.put_sheet(name, sheet_xml([list(header), *[list(r) for r in rows]], widths, "A2"))
