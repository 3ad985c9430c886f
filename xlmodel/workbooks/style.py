"""Shared look of the models: header style, number formats, widths, the Kontrol sheet."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from xlmodel.excel.layout import write_parameters
from xlmodel.parameters import ParameterSet

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=13)
ILLUSTRATIVE = "ILLUSTRATIVE DATA — not official figures (xlmodel.kommuner.eksempeldata)"
KR = "#,##0"
DEC = "#,##0.00"
TOLERANCE = "1E-9"


def title(ws: Worksheet, text: str, note: str = "") -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    if note:
        ws["A2"] = note
        ws["A2"].font = Font(italic=True, color="9C0006" if "ILLUSTRATIVE" in note else "555555")


def header(ws: Worksheet, row: int, names: Sequence[str], widths: Sequence[int] | None = None) -> None:
    for c, name in enumerate(names, start=1):
        cell = ws.cell(row, c, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for c, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(1, c).column_letter].width = width
    ws.freeze_panes = ws.cell(row + 1, 1)


def kontrol(wb: Workbook, pairs: Sequence[tuple[str, str, str]]) -> None:
    """A Kontrol sheet: one native check per (description, catalogue cell, native cell)."""
    ws = wb.create_sheet("Kontrol")
    title(ws, "Kontrol: katalogfunktioner mod native Excel-formler",
          f"OK når de to celler er ens inden for relativ {TOLERANCE}")
    header(ws, 4, ["kontrol", "xlmodel-funktion", "native formel", "status"], [48, 18, 18, 12])
    for r, (what, ours, native) in enumerate(pairs, start=5):
        ws.cell(r, 1, what)
        ws.cell(r, 2, f"={ours}").number_format = DEC
        ws.cell(r, 3, f"={native}").number_format = DEC
        ws.cell(r, 4, f'=IF(ABS(B{r}-C{r})<={TOLERANCE}*MAX(1,ABS(C{r})),"OK","AFVIGELSE")')
    last = 4 + len(pairs)
    ws.cell(last + 2, 1, "Antal kontroller OK")
    ws.cell(last + 2, 4, f'=COUNTIF(D5:D{last},"OK")')
    ws.cell(last + 3, 1, "Antal afvigelser")
    ws.cell(last + 3, 4, f'=COUNTIF(D5:D{last},"AFVIGELSE")')


def finish(wb: Workbook, ps: ParameterSet) -> None:
    """The Parametre sheet (values, units, years, sources; defined names) goes last."""
    write_parameters(wb, ps)
