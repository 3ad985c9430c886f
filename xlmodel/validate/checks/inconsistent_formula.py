"""``inconsistent_formula`` (warning / info): a formula unlike the majority (R1C1) of its run."""

from __future__ import annotations

from typing import Any

import numpy as np

from xlmodel.tekst import format_tal
from xlmodel.validate.addresses import (
    a1,
    split_cell,
)
from xlmodel.validate.book import LoadedBook, Sheet, ref_uses, target_sheet
from xlmodel.validate.findings import Finding


def inconsistent_formulas(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``inconsistent_formula``: a formula whose R1C1 form differs from the majority form of
    its run (≥ 3 adjacent formula cells in a row or a column, more than half sharing a form).

    Not reported: a cell whose range reference covers the run cell next to it (a subtotal or
    total over its neighbours), and a cell that agrees with the majority of its run in the
    other direction (a row of subtotals crossing a column of line formulas).  ``warning``
    inside the run; ``info`` at either end, where a first year or a total is often
    deliberately different.
    """
    out = []
    for sheet in book.sheets:
        if len(sheet.f_rows) < 3:
            continue
        rows, cols, forms = sheet.f_rows, sheet.f_cols, sheet.f_forms
        runs = {d: _runs(rows, cols, forms, d) for d in ("row", "column")}
        seen: set[int] = set()
        for direction, other in (("row", "column"), ("column", "row")):
            major, position, length = runs[direction]
            cross = runs[other][0]
            odd = np.flatnonzero((major >= 0) & (major != forms))
            for i in odd.tolist():
                if i in seen:
                    continue
                row, col, form = int(rows[i]), int(cols[i]), int(forms[i])
                if cross[i] == form:
                    continue  # consistent the other way
                step = (0, 1) if direction == "row" else (1, 0)
                neighbours = [(row - step[0], col - step[1]), (row + step[0], col + step[1])]
                if _covers_neighbour(book, sheet, form, row, col, neighbours):
                    continue
                seen.add(i)
                pos, n = int(position[i]), int(length[i])
                interior = 0 < pos < n - 1
                expected = _formula_as(book, int(major[i]), row, col)
                out.append(Finding(
                    "inconsistent_formula", "warning" if interior else "info", sheet.name, a1(row, col),
                    "formlen afviger fra de andre formler i "
                    f"{'rækken' if direction == 'row' else 'kolonnen'} "
                    f"({format_tal(n, 0)} celler; den fælles er {book.r1c1(int(major[i]))} i R1C1-form)"
                    + ("" if interior else f"; den står {'først' if pos == 0 else 'sidst'} i serien"),
                    expected=expected, actual=sheet.formula(row, col), formula=sheet.formula(row, col)))
    return sorted(out, key=lambda f: (book.sheetnames.index(f.sheet), split_cell(f.cell or "A1")))


def _formula_as(book: LoadedBook, form: int, row: int, col: int) -> str:
    """The A1 formula that R1C1 ``form`` would be in cell (row, col)."""
    ex_sheet, ex_row, ex_col = book.examples[form]
    example = book.sheets[ex_sheet].formula(ex_row, ex_col) or ""
    from openpyxl.formula.translate import Translator  # here: openpyxl is heavy to import

    try:
        return Translator(example, origin=a1(ex_row, ex_col)).translate_formula(a1(row, col))
    except Exception:  # a formula the Translator cannot move: show the R1C1 form
        return book.r1c1(form)


def _runs(rows: np.ndarray, cols: np.ndarray, forms: np.ndarray, direction: str,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each formula cell (in the input order): the majority form of its run along
    ``direction`` (-1 when the run is shorter than 3 or has no majority), its position in the
    run and the run's length."""
    n = len(rows)
    major, minor = (rows, cols) if direction == "row" else (cols, rows)
    order = np.lexsort((minor, major))
    a, b, f = major[order], minor[order], forms[order]
    brk = np.flatnonzero((np.diff(a) != 0) | (np.diff(b) != 1)) + 1
    starts, ends = np.r_[0, brk], np.r_[brk, n]
    lengths = ends - starts
    run_id = np.repeat(np.arange(len(starts)), lengths)
    # most frequent form per run: count (run, form) pairs, keep the largest count per run
    width = int(forms.max()) + 1
    uniq, counts = np.unique(run_id * width + f, return_counts=True)
    pair_run, pair_form = uniq // width, uniq % width
    pick = np.lexsort((counts, pair_run))
    last = np.r_[np.flatnonzero(np.diff(pair_run[pick])), len(pick) - 1]
    best_form = np.full(len(starts), -1, np.int64)
    best_count = np.zeros(len(starts), np.int64)
    best_form[pair_run[pick][last]] = pair_form[pick][last]
    best_count[pair_run[pick][last]] = counts[pick][last]
    ok = (lengths >= 3) & (best_count * 2 > lengths)
    run_major = np.where(ok, best_form, -1)
    out_major = np.empty(n, np.int64)
    out_pos = np.empty(n, np.int64)
    out_len = np.empty(n, np.int64)
    out_major[order] = run_major[run_id]
    out_pos[order] = np.arange(n) - starts[run_id]
    out_len[order] = lengths[run_id]
    return out_major, out_pos, out_len


def _covers_neighbour(book: LoadedBook, sheet: Sheet, form: int, row: int, col: int,
                      neighbours: list[tuple[int, int]]) -> bool:
    for use in ref_uses(book, sheet, book.structure(form)):
        if use.ref.single or target_sheet(book, sheet, use.ref) is not sheet:
            continue
        r1, c1, r2, c2 = (int(x[0]) for x in use.ref.resolve(np.array([row]), np.array([col])))
        if any(r1 <= r <= r2 and c1 <= c <= c2 for r, c in neighbours):
            return True
    return False
