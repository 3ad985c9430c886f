"""Cell addresses and grid geometry for validation: A1 text, rectangles, blocks of cells.

The grid, the error literals, column letters, `a1` and `block` come from the file-format layer's one copy
(:mod:`xlmodel.ooxml.addresses`); ``split_cell``, ``block``, ``covers``, ``regions`` and
``sheet_prefix`` are validation's own: how a finding names a cell or a block of cells.
"""

from __future__ import annotations

import re

import numpy as np

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import (
    EXCEL_ERRORS,
    MAX_COL,
    MAX_ROW,
    address,
    col_letters,
    col_number,
    parse_address,
    range_text,
)

col_index = col_number  #: ``"AB"`` → ``28`` (the file-format layer's one copy)
a1 = address  #: ``(2, 3)`` → ``"C2"``
block = range_text  #: ``(2, 3, 2, 3)`` → ``"C2"``; ``(2, 3, 99, 3)`` → ``"C2:C99"``


def split_cell(cell: str) -> tuple[int, int]:
    """``"C2"`` → ``(2, 3)`` (row, column), inside Excel's grid; raises :class:`XlmodelError`
    naming an A1 address otherwise (``ooxml.addresses.parse_address`` plus the grid's limits).

    >>> split_cell("AB12")
    (12, 28)
    """
    try:
        row, col = parse_address(cell) if isinstance(cell, str) else (0, 0)
    except XlmodelError:
        row = col = 0
    if not 1 <= row <= MAX_ROW or not 1 <= col <= MAX_COL:
        raise XlmodelError("cell", cell, "an A1 cell address such as 'B7'")
    return row, col


def covers(area: str, cell: str) -> bool:
    """Does the A1 ``area`` (a cell or ``"C2:C99"``, or several joined by commas) hold ``cell``?

    >>> covers("C2:C99", "C50"), covers("C2:C99", "D50"), covers("B2", "B2")
    (True, False, True)
    """
    row, col = split_cell(cell)
    for part in area.split(","):
        first, _, last = part.strip().partition(":")
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last) if last else (r1, c1)
        if min(r1, r2) <= row <= max(r1, r2) and min(c1, c2) <= col <= max(c1, c2):
            return True
    return False


def sheet_prefix(name: str | None) -> str:
    """``"Ark1!"``, ``"'Mit ark'!"``, or ``""`` for None."""
    if name is None:
        return ""
    return f"'{name.replace(chr(39), chr(39) * 2)}'!" if re.search(r"\W", name) else f"{name}!"


def regions(rows: np.ndarray, cols: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Cover cells with rectangles (r1, c1, r2, c2): vertical runs, then runs of equal height
    side by side merged.  ``C2..C99`` → one block; scattered cells → one block each.

    >>> regions(np.array([2, 3, 4, 2, 3, 4, 9]), np.array([3, 3, 3, 4, 4, 4, 3]))
    [(2, 3, 4, 4), (9, 3, 9, 3)]
    """
    if not len(rows):
        return []
    order = np.lexsort((rows, cols))
    r, c = rows[order], cols[order]
    brk = np.flatnonzero((np.diff(c) != 0) | (np.diff(r) != 1)) + 1
    starts, ends = np.r_[0, brk], np.r_[brk, len(r)] - 1
    runs = sorted(zip(r[starts].tolist(), r[ends].tolist(), c[starts].tolist(), strict=True))
    out: list[tuple[int, int, int, int]] = []
    for r1, r2, col in runs:  # sorted by (r1, r2, col): mergeable runs are adjacent
        if out and out[-1][0] == r1 and out[-1][2] == r2 and out[-1][3] == col - 1:
            out[-1] = (r1, out[-1][1], r2, col)
        else:
            out.append((r1, col, r2, col))
    return sorted(out, key=lambda q: (q[0], q[1]))


def in_block(rows: np.ndarray, cols: np.ndarray, q: tuple[int, int, int, int]) -> np.ndarray:
    return (rows >= q[0]) & (rows <= q[2]) & (cols >= q[1]) & (cols <= q[3])


__all__ = ["EXCEL_ERRORS", "MAX_COL", "MAX_ROW", "a1", "block", "col_index", "col_letters", "covers",
           "in_block", "regions", "sheet_prefix", "split_cell"]
