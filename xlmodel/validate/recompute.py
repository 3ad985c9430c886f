"""Recompute check: the workbook's cached numbers against an independent recalculation.

For xlmodel's own workbooks (a Parametre sheet) and for any workbook whose formulas call
catalogue functions, every formula cell is recalculated from the file alone by the headless
engine (formualizer for native formulas, the Python core for catalogue functions; see
docs/engine.md) and compared with the value the file shows.  A difference beyond the tolerance
(relative 1e-9 or absolute 1e-6) is an error: the number a reader sees is not what the
formulas and the agreement's mechanics give (a value typed over, a stale file, another
parameter set).  Other workbooks are left to the lint checks.
"""

from __future__ import annotations

import math
import re
from typing import Any

from xlmodel.excel import catalogue
from xlmodel.excel.layout import COLUMNS, SHEET
from xlmodel.parameters import ParameterSet
from xlmodel.tekst import format_eksakt, format_tal
from xlmodel.validate.findings import Finding
from xlmodel.validate.lint import ExcelError, LoadedBook, split_cell

REL_TOL = 1e-9
ABS_TOL = 1e-6
CHECK = "recompute"
MAX_FINDINGS = 500


def _calls_catalogue(book: LoadedBook) -> bool:
    pattern = re.compile(r"(?<![\w.])(?:_xludf\.)?(" + "|".join(catalogue.names()) + r")\s*\(",
                         re.IGNORECASE)
    return any(pattern.search(f or "") for s in book.sheets for f in s.formulas.values())


def applies(book: LoadedBook) -> bool:
    """xlmodel's own models (a Parametre sheet in xlmodel's layout) or catalogue calls."""
    sheet = book.find_sheet(SHEET)
    ours = sheet is not None and tuple(
        str(sheet.values.get((1, c), "") or "").strip().lower() for c in range(1, len(COLUMNS) + 1)
    ) == COLUMNS
    return ours or _calls_catalogue(book)


def _same(cached: Any, fresh: Any) -> bool:
    if isinstance(cached, bool) or isinstance(fresh, bool):
        return bool(cached) == bool(fresh) if type(cached) is type(fresh) else False
    if isinstance(cached, int | float) and isinstance(fresh, int | float):
        return math.isclose(float(cached), float(fresh), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    cached_error = isinstance(cached, ExcelError)
    fresh_error = fresh.__class__.__name__ == "CellError"
    if cached_error or fresh_error:  # an error equals only the same error code (never "" or a number)
        return cached_error and fresh_error and _code(cached) == _code(getattr(fresh, "code", fresh))
    return (cached or "") == (fresh or "")


def _code(error: Any) -> str:
    """``#VALUE!`` from an error value or its text (``"#VALUE! til_aar: …"``); ``""`` when empty.

    >>> _code("#VALUE! til_aar: 2020 is not allowed"), _code("")
    ('#VALUE!', '')
    """
    words = str(error).split()
    return words[0] if words else ""


def recompute(book: LoadedBook, params: ParameterSet | None) -> list[Finding]:
    if not applies(book) or not book.has_cached_values:
        return []
    from pathlib import Path

    from xlmodel.engine.package import Package
    from xlmodel.engine.sheetxml import address
    from xlmodel.excel.headless import compute  # the engine with the catalogue's function table
    from xlmodel.parameters import resolve

    # validate() has checked the file; the workbook's own Parametre sheet is used as it stands
    # (the parameters check compares it with the set), the catalogue functions use the set.
    computed = compute(Package(Path(book.path).read_bytes(), name=book.path), resolve(params))
    fresh = {(s, address(r, c)): v for (s, r, c), v in computed.values.items()}
    found: list[Finding] = []
    for (sheet_name, cell), value in fresh.items():
        sheet = book.find_sheet(sheet_name)
        if sheet is None:
            continue
        row, col = split_cell(cell)
        cached = sheet.values.get((row, col))
        if _same(cached, value):
            continue
        diff = (float(cached) - float(value) if isinstance(cached, int | float)
                and isinstance(value, int | float) and not isinstance(cached, bool) else None)
        found.append(Finding(CHECK, "error", sheet_name, cell,
                             f"filen viser {format_eksakt(cached)}, men formlen giver {format_eksakt(value)} "
                             "(genberegnet fra filen med xlmodels beregner og kerne)",
                             expected=value if not hasattr(value, "code") else str(value.code),
                             actual=cached, difference=diff, formula=sheet.formula(row, col)))
        if len(found) >= MAX_FINDINGS:
            found.append(Finding(CHECK, "info", None, None,
                                 f"mere end {format_tal(MAX_FINDINGS, 0)} celler afviger: resten er ikke "
                                 "vist"))
            break
    return found
