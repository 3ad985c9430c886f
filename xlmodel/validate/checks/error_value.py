"""``error_value`` (error / info): cached Excel errors and ``#REF!`` written in formulas."""

from __future__ import annotations

from typing import Any

import numpy as np

from xlmodel.validate.addresses import (
    EXCEL_ERRORS,
    block,
    regions,
)
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet, ref_uses, sorted_unique, target_sheet
from xlmodel.validate.findings import Finding


def error_values(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``error_value``: cached Excel errors and ``#REF!`` written into formulas.

    ``error`` for a cell whose error starts there; ``info`` for a formula whose error only
    comes from an error value in a cell it refers to (it disappears when the source is fixed).
    """
    out = []
    for sheet in book.sheets:
        forms = sorted_unique(sheet.f_forms).tolist()
        ref_forms = {f for f in forms if book.structure(f).ref_error}
        if not sheet.errors and not ref_forms and not any(t.strip().upper() in EXCEL_ERRORS
                                                           for _, _, t in sheet.texts):
            continue
        has_error = sheet.error_grid.contains(sheet.f_rows, sheet.f_cols)
        written = np.isin(sheet.f_forms, list(ref_forms))
        inherited = np.zeros(len(sheet.f_rows), bool)
        for form in sorted_unique(sheet.f_forms[has_error & ~written]).tolist():
            idx = np.flatnonzero((sheet.f_forms == form) & has_error)
            inherited[idx] = _inherits_error(book, sheet, form, sheet.f_rows[idx], sheet.f_cols[idx])
        cells: dict[tuple[str, str, int], list[tuple[int, int]]] = {}  # (kind, error, form) → cells
        for i in np.flatnonzero(has_error | written).tolist():
            row, col = int(sheet.f_rows[i]), int(sheet.f_cols[i])
            value = sheet.values.get((row, col))
            error = str(value) if isinstance(value, ExcelError) else ""
            kind = "written" if written[i] else "inherited" if inherited[i] else "source"
            cells.setdefault((kind, error, int(sheet.f_forms[i])), []).append((row, col))
        for row, col in sheet.errors:  # error values typed in as constants
            if not sheet.is_formula(row, col):
                cells.setdefault(("typed", str(sheet.values[(row, col)]), -1), []).append((row, col))
        for row, col, text in sheet.texts:  # an error pasted as text ("#DIV/0!" from a report)
            if text.strip().upper() in EXCEL_ERRORS:
                cells.setdefault(("typed", text.strip(), -2), []).append((row, col))
        for (kind, error, _), where in cells.items():
            rows = np.array([w[0] for w in where])
            cols = np.array([w[1] for w in where])
            for q in regions(rows, cols):
                sev = "info" if kind == "inherited" else "error"
                if kind == "written":
                    msg = "formlen henviser til en slettet celle eller et slettet område (#REF! i formlen)"
                    msg += f"; dens gemte værdi er {error}" if error else ""
                elif kind == "inherited":
                    msg = f"den gemte værdi er {error}, som kommer fra en fejl i en celle, den henviser til"
                else:
                    msg = f"den gemte værdi er {error}"
                    msg += " (en fejlværdi, der er skrevet ind)" if kind == "typed" else ""
                out.append(Finding("error_value", sev, sheet.name, block(*q), msg,
                                   actual=error or "#REF!", formula=sheet.formula(q[0], q[1])))
    return out


def _inherits_error(book: LoadedBook, sheet: Sheet, form: int, rows: np.ndarray, cols: np.ndarray,
                    ) -> np.ndarray:
    """For formula cells of one form: does any cell they refer to hold an error value?"""
    found = np.zeros(len(rows), bool)
    for use in ref_uses(book, sheet, book.structure(form)):
        target = target_sheet(book, sheet, use.ref)
        if target is None or not target.errors:
            continue
        r1, c1, r2, c2 = use.ref.resolve(rows, cols)
        found |= target.error_grid.count(r1, c1, r2, c2) > 0
    return found
