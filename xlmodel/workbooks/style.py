"""Shared look of the models: formats, input cells, headers, print setup, charts, Forside, Kontrol.

Every model builder (``*_model.py``) uses only this module for how a sheet looks, so the shipped
workbooks read and print alike:

* **Number formats** (:data:`KR`, :data:`MIO`, :data:`PCT`, …): the format codes are stored
  locale-free and shown by the reader's locale, so a Danish Excel or LibreOffice shows
  ``1.234,5``. Amounts in kr. have no decimals, mio. kr. one, rates in pct. the decimals the
  rule uses (udskrivningsprocent one; a break-even growth two), years are plain integers.
* **Input cells** (:func:`mark_input`): light yellow with blue text, the convention explained on
  the Forside's legend (:func:`forside`); everything else is a formula or a label.
* **Headers** (:func:`header`): bold on a light blue band, wrapped, the row below frozen, widths
  that fit the longest word of each header (and the caller's minimum for the column's values).
* **Print** (:func:`print_setup`): A4 landscape, fit to one page wide, title rows repeated on
  every page, a footer with the sheet's name and "side x af y".
* **Charts** (:func:`bar_chart`): one openpyxl bar chart per model where a picture says more.

Nothing here holds a domain rule or a figure: the builders bring the numbers and their sources.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from xlmodel.errors import XlmodelError
from xlmodel.excel.layout import SHEET as PARAMETRE_SHEET
from xlmodel.excel.layout import write_parameters
from xlmodel.parameters import ParameterSet
from xlmodel.tekst import format_tal

# ------------------------------------------------------------------------------ colours, fonts
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="0000FF")
INPUT_BORDER = Border(*(Side(style="thin", color="BFBFBF"),) * 4)
TITLE_FONT = Font(bold=True, size=13)
WARNING_COLOR = "9C0006"
ILLUSTRATIVE = "ILLUSTRATIVE DATA — ikke officielle tal (xlmodel.kommuner.eksempeldata)"

# ------------------------------------------------------------------------------ number formats
KR = "#,##0"            # kr., whole kroner (also population and other counts)
MIO = "#,##0.0"         # mio. kr., one decimal as the agreement prints them
DEC = "#,##0.00"        # two decimals (a converted amount, a check)
PCT = "0.0"             # pct. with one decimal (udskrivningsprocent, PL rates)
PCT2 = "0.00"           # pct. with two decimals (a break-even rate)
FACTOR = "0.0000"       # a PL factor
YEAR = "0"              # a year (or a code, a trin): plain integer, no thousands separator
BOOL = '"SAND";"SAND";"FALSK"'  # TRUE/FALSE shown in Danish wherever a viewer shows them as 1/0
TOLERANCE = "1E-9"

#: rows the title block uses; a sheet's header row comes after it
TITLE_ROWS = 2


# ---------------------------------------------------------------------------------- cells ----
def title(ws: Worksheet, text: str, note: str = "") -> None:
    """A1 the sheet's title, A2 a note (red when it says the data are ILLUSTRATIVE)."""
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    if note:
        ws["A2"] = note
        ws["A2"].font = Font(italic=True, color=WARNING_COLOR if "ILLUSTRATIVE" in note else "555555")


def subtitle(ws: Worksheet, row: int, text: str) -> None:
    """A bold line above a small table on a sheet (column A)."""
    ws.cell(row, 1, text).font = Font(bold=True, size=11)


def header_style(*cells: Any) -> None:
    """The header look (bold on light blue, wrapped) for cells of a small table."""
    for cell in cells:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")


def table_header(ws: Worksheet, row: int, labels: dict[int, str], span: int | None = None) -> None:
    """The header of a small table below a sheet's main one: ``{column number: text}``, styled
    across columns 1..``span`` (default: the last labelled column), the row as tall as the
    longest wrapped label needs in its column's width."""
    lines = 1
    for c, text in labels.items():
        ws.cell(row, c, text)
        width = ws.column_dimensions[ws.cell(row, c).column_letter].width or 10
        lines = max(lines, math.ceil((len(text) + 2) / max(1, width - 1)))
    header_style(*(ws.cell(row, c) for c in range(1, (span or max(labels)) + 1)))
    ws.row_dimensions[row].height = 15 * lines + 2


def mark_input(ws: Worksheet, *refs: str) -> None:
    """Style cells or ranges (``"B5"``, ``"C5:C10"``) as inputs the user may change."""
    for ref in refs:
        cells = ws[ref]
        rows = cells if isinstance(cells, tuple) else ((cells,),)
        for row in rows:
            for cell in row if isinstance(row, tuple) else (row,):
                cell.fill = INPUT_FILL
                cell.font = INPUT_FONT
                cell.border = INPUT_BORDER


def align(ws: Worksheet, ref: str, horizontal: str = "center", indent: int = 0) -> None:
    """Align a cell or range (a status column centred; a text beside numbers indented)."""
    cells = ws[ref]
    rows = cells if isinstance(cells, tuple) else ((cells,),)
    for row in rows:
        for cell in row if isinstance(row, tuple) else (row,):
            cell.alignment = Alignment(horizontal=horizontal, indent=indent)


def formats(ws: Worksheet, first_row: int, last_row: int, columns: dict[str, str]) -> None:
    """Apply a number format per column letter to rows ``first_row``..``last_row``."""
    for letter, fmt in columns.items():
        for r in range(first_row, last_row + 1):
            ws[f"{letter}{r}"].number_format = fmt


def _longest_word(text: str) -> int:
    """The longest piece a header can wrap between (spaces, and after a hyphen)."""
    return max((len(w) for w in str(text).replace("-", "- ").split()), default=0)


def header(ws: Worksheet, row: int, names: Sequence[str], widths: Sequence[int] | None = None,
           freeze_cols: int = 0) -> None:
    """The header row: bold, light blue, wrapped; the rows above and ``freeze_cols`` columns frozen.

    A column's width is the caller's (the widest value it will hold) but never less than the
    header's longest word (in bold), so a header wraps between words and is never cut.
    """
    widths = list(widths or [])
    lines = 1
    for c, name in enumerate(names, start=1):
        cell = ws.cell(row, c, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        want = widths[c - 1] if c - 1 < len(widths) else 10
        width = max(want, math.ceil(_longest_word(name) * 1.15) + 2)  # bold is wider
        ws.column_dimensions[cell.column_letter].width = width
        lines = max(lines, math.ceil((len(str(name)) + 2) / (width - 1)))
    ws.row_dimensions[row].height = 15 * lines + 2
    ws.freeze_panes = ws.cell(row + 1, 1 + freeze_cols)
    ws.print_title_rows = f"1:{row}"  # the title and the header on every printed page


# ---------------------------------------------------------------------------------- print ----
def print_setup(ws: Worksheet, *, landscape: bool = True, fit_width: int = 1,
                title_rows: str | None = None, set_name: str = "") -> None:
    """A4 landscape (or portrait), fit to ``fit_width`` page(s) wide, titles repeated, a footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = fit_width
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.footer = 0.3
    if title_rows or not ws.print_title_rows:
        ws.print_title_rows = title_rows or f"1:{TITLE_ROWS}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = "side &P af &N"
    ws.oddFooter.right.text = f"xlmodel · {set_name}" if set_name else "xlmodel"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 8


# ---------------------------------------------------------------------------------- charts ----
def bar_chart(ws: Worksheet, anchor: str, title_text: str, data: str, categories: str, *,
              y_title: str, x_title: str = "", number_format: str = KR, horizontal: bool = False,
              width_cm: float = 24.0, height_cm: float = 11.0, titles_from_data: bool = True,
              data_ws: Worksheet | None = None, values_on_bars: bool = False) -> BarChart:
    """A clustered bar chart of ``data`` (a range with its header row) by ``categories``, placed on
    ``ws`` at ``anchor``; the ranges are on ``data_ws`` (default: ``ws``)."""
    src = data_ws or ws
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = "clustered"
    chart.title = title_text
    chart.y_axis.title = y_title
    chart.x_axis.title = x_title or None
    chart.y_axis.numFmt = number_format
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = width_cm, height_cm
    chart.add_data(Reference(src, range_string=f"'{src.title}'!{data}"), titles_from_data=titles_from_data)
    chart.set_categories(Reference(src, range_string=f"'{src.title}'!{categories}"))
    if len(chart.series) == 1:
        chart.legend = None
    if values_on_bars:  # a handful of bars: the number on each says more than the gridlines
        chart.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False,
                                         showLegendKey=False, showPercent=False, numFmt=number_format)
    ws.add_chart(chart, anchor)
    return chart


# ---------------------------------------------------------------------------------- sheets ----
def kontrol(wb: Workbook, pairs: Sequence[tuple[str, str, str]]) -> None:
    """A Kontrol sheet: one native check per (description, catalogue cell, native cell)."""
    ws = wb.create_sheet("Kontrol")
    title(ws, "Kontrol: katalogfunktioner mod native Excel-formler",
          f"OK når de to celler er ens inden for relativ {TOLERANCE}")
    header(ws, 4, ["Kontrol", "xlmodel-funktion", "Native formel", "Status"], [56, 18, 18, 12])
    for r, (what, ours, native) in enumerate(pairs, start=5):
        ws.cell(r, 1, what)
        ws.cell(r, 2, f"={ours}").number_format = DEC
        ws.cell(r, 3, f"={native}").number_format = DEC
        ws.cell(r, 4, f'=IF(ABS(B{r}-C{r})<={TOLERANCE}*MAX(1,ABS(C{r})),"OK","AFVIGELSE")'
                ).alignment = Alignment(horizontal="center")
    last = 4 + len(pairs)
    ws.cell(last + 2, 1, "Antal kontroller OK")
    ws.cell(last + 2, 4, f'=COUNTIF(D5:D{last},"OK")')
    ws.cell(last + 3, 1, "Antal afvigelser")
    ws.cell(last + 3, 4, f'=COUNTIF(D5:D{last},"AFVIGELSE")')


def figure(ps: ParameterSet, name: str, decimals: int = 0, scale: float = 1.0, sep: str = "/") -> str:
    """A parameter's figure for a front sheet's prose, from the active set (never a literal).

    The value in force in the set's budget year (a list joined with ``sep``); a set with no such
    value gives its latest value with the year in brackets, so the prose never claims a figure
    for a year it does not hold.  ``scale`` turns a share into pct. (100).

    >>> from xlmodel.parameters import load
    >>> ps = load()
    >>> figure(ps, "skat.forhoejelse_individuel_andel"), figure(ps, "sanktion.kollektiv_andel", scale=100)
    ('75/50/50/25', '40')
    """
    values = ps.parameters[name].values
    year = ps.budget_year
    try:
        value, suffix = ps.value(name, year), ""
    except XlmodelError:  # no value for the budget year: the latest, and say which year it is
        year = max(values)
        value, suffix = values[year], f" ({year})"
    items = value if isinstance(value, list) else [value]
    return sep.join(format_tal(float(v) * scale, decimals) for v in items) + suffix


def forside(wb: Workbook, ps: ParameterSet, *, heading: str, purpose: Sequence[str],
            sheets: Sequence[tuple[str, str]], sources: Sequence[str], illustrative: Sequence[str]) -> None:
    """The front sheet "Forside", first in the workbook: what the model is, its parameter set,
    its sources, what is ILLUSTRATIVE, the sheets and the legend of the cell styles."""
    ws = wb.create_sheet("Forside", 0)
    wb.active = 0
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    ws["A1"] = heading
    ws["A1"].font = Font(bold=True, size=16)
    r = 3

    def block(label: str, lines: Sequence[str], *, warn: bool = False) -> None:
        nonlocal r
        ws.cell(r, 1, label).font = Font(bold=True)
        ws.cell(r, 1).alignment = Alignment(vertical="top")
        for line in lines:
            cell = ws.cell(r, 2, line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if warn:
                cell.font = Font(bold=True, color=WARNING_COLOR)
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(line) / 95))
            r += 1
        r += 1

    block("Hvad modellen er", purpose)
    block("Parametersæt", [f"{ps.name}: {ps.title}",
                           f"Budgetår {ps.budget_year}. Hver sats står med enhed, år og kilde på arket "
                           f"{PARAMETRE_SHEET}; formlerne henter dem derfra (navne P_…)."])
    block("Kilder", sources)
    block("ILLUSTRATIVE data", illustrative, warn=True)
    block("Ark", [f"{name}: {what}" for name, what in sheets])
    ws.cell(r, 1, "Celletyper").font = Font(bold=True)
    ws.cell(r, 2, "Inputcelle: ret her (lys gul, blå tekst)")
    mark_input(ws, f"B{r}")
    ws.cell(r + 1, 2, "Beregnet celle: en formel, ret den ikke (hvid)").border = INPUT_BORDER
    ws.cell(r + 2, 2, "Overskrift (lyseblå)").fill = HEADER_FILL
    ws.cell(r + 3, 2, "Tal vises med dansk talformat, når regnearket åbnes med dansk sprog "
                      "(1.234,5); beløb i kr. uden decimaler, mio. kr. med én decimal.")
    print_setup(ws, landscape=False, title_rows="1:1", set_name=ps.name)


def finish(wb: Workbook, ps: ParameterSet) -> None:
    """The Parametre sheet (values, units, years, sources; defined names) goes last; every sheet
    gets the print setup (a sheet without a header row repeats its title rows)."""
    write_parameters(wb, ps)
    for ws in wb.worksheets:
        if ws.page_setup.paperSize is not None:  # the builder set this sheet up itself
            continue
        print_setup(ws, title_rows="1:1" if ws.title == PARAMETRE_SHEET else None, set_name=ps.name)


#: The per-municipality models' row layout (kommuner_2014, udligning_2014): one row per
#: municipality from FIRST (below the title and header rows) to LAST.
N = 98  # the municipalities of xlmodel.kommuner.kommuner() (checked in tests/test_workbooks.py)
FIRST = 5
LAST = FIRST + N - 1
