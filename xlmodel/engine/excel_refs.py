"""ROW and COLUMN of a range, and of an intersection, in array formulas, for the engine.

Microsoft's ROW page: "If reference is a range of cells, and if ROW is entered as a vertical
array, ROW returns the row numbers of reference as a vertical array"; COLUMN likewise returns
the column numbers as a horizontal array.  The reference may be built with the range operator
``:`` (the smallest range holding both sides) and the intersection operator, a space (the cells
both sides share; none: ``#NULL!``) — Microsoft, "Calculation operators and precedence": ``:``
binds before the space.  formualizer 0.13 gives the first row (column) only for a range in an
array formula and ``#REF!`` for an intersection (real-workbook corpus, formulas' test.xlsx,
sheet LOOKUP: ``{=COLUMN(AC12:AD13)}`` over three columns is ``29, 30, #N/A`` in Excel).

The row and column numbers of a reference written in the formula do not depend on any cell's
value, so :func:`rewrite` replaces ``ROW(ref)``/``COLUMN(ref)`` by their array literal
(``{112;113}``, ``{29,30}``) on the engine's copy of an array formula; the file keeps the
user's formula.  Only references made of A1 cells and ranges (one sheet, no names) joined by
``:`` and spaces are rewritten; anything else is left to the engine.
"""

from __future__ import annotations

import re

from xlmodel.ooxml.addresses import col_number

_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])(ROW|COLUMN)\(\s*([^()",]*?)\s*\)', re.IGNORECASE)
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def area(expr: str) -> tuple[int, int, int, int] | str | None:
    """The rectangle ``(r1, c1, r2, c2)`` a reference expression names, ``"#NULL!"`` if empty.

    None: not an expression of A1 references, ``:`` and spaces (left to the engine).

    >>> area("C14:E14:G13:I14 E13:F13"), area("AC12:AE14 AD13:AF14"), area("C12:E13 F12:H13")
    ((13, 5, 13, 6), (13, 30, 14, 31), '#NULL!')
    >>> area("$A$1"), area("Rate"), area("A1,B2")
    ((1, 1, 1, 1), None, None)
    """
    parts = [p for p in re.split(r"\s+", expr.strip()) if p]
    if not parts:
        return None
    box: tuple[int, int, int, int] | None = None
    for part in parts:
        cells = []
        for piece in part.split(":"):
            m = _CELL.match(piece)
            if not m:
                return None
            cells.append((int(m.group(2)), col_number(m.group(1))))
        rect = (min(r for r, _ in cells), min(c for _, c in cells),
                max(r for r, _ in cells), max(c for _, c in cells))
        if box is None:
            box = rect
            continue
        box = (max(box[0], rect[0]), max(box[1], rect[1]), min(box[2], rect[2]), min(box[3], rect[3]))
        if box[0] > box[2] or box[1] > box[3]:
            return "#NULL!"
    return box


def rewrite(formula: str, extent: tuple[int, int] | None = None) -> str | None:
    """``formula`` (an array formula) with ROW/COLUMN of a fixed reference as array literals.

    None when nothing was rewritten.  ``extent``: the (rows, columns) of the cells the array
    formula covers; when the formula is the call alone, the literal is cut to that extent, as
    Excel shows only what fits (the engine would otherwise spill over the neighbouring cells).

    >>> rewrite("COLUMN(D13:F13)", (1, 1)), rewrite("SUM(COLUMN(D13:F13))", (1, 1))
    ('4', 'SUM({4,5,6})')

    >>> rewrite("COLUMN(AC12:AD13)"), rewrite("ROW(AC112:AD113)+1"), rewrite("ROW(A2)")
    ('{29,30}', '{112;113}+1', '2')
    >>> rewrite("COLUMN(C12:E13 F12:H13)"), rewrite('ROW(X)&"ROW(A1:A2)"'), rewrite("ROW()")
    ('#NULL!', None, None)
    """
    out, pos, changed = [], 0, False
    for m in _CALL.finditer(formula):
        if m.group(1) is None:
            continue
        rect = area(m.group(2))
        if rect is None:
            continue
        if isinstance(rect, str):
            text = rect
        else:
            r1, c1, r2, c2 = rect
            if extent is not None and (m.start(), m.end()) == (0, len(formula)):
                r2, c2 = min(r2, r1 + extent[0] - 1), min(c2, c1 + extent[1] - 1)
            if m.group(1).upper() == "ROW":
                text = ";".join(str(r) for r in range(r1, r2 + 1))
            else:
                text = ",".join(str(c) for c in range(c1, c2 + 1))
            if "," in text or ";" in text:
                text = "{" + text + "}"
        out.append(formula[pos:m.start()] + text)
        pos, changed = m.end(), True
    out.append(formula[pos:])
    return "".join(out) if changed else None
