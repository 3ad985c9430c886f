"""Defined names formualizer omits, inlined into the formulas that use them.

formualizer 0.13 loads a defined name only when it is an absolute reference; a name with a
relative reference (``HOURS_PER_DAY`` = ``Worksheet!$B1``), a range with a relative column, or a
formula (``DAILY_CHARGE`` = ``HOURS_PER_DAY*CHARGE_RATE``) is "omitted from calculation"
(``Workbook.name_import_diagnostics``) and every formula using it is ``#NAME?``.

Excel's rule (ECMA-376 Part 1, §18.2.5 definedName; Microsoft, "Define and use names in
formulas"): a name stands for its formula; relative references in a defined name are stored
relative to cell A1 and are applied relative to the cell whose formula uses the name (a name
``=Sheet1!$B1`` used in row 4 is ``Sheet1!$B4``; Excel wraps past the last row or column).
:func:`inline` writes that out: each omitted name becomes ``(its formula, moved to the cell)``,
names inside a name's formula too.  Only the engine's copy of a formula changes (the file keeps
the user's formula); a workbook whose names all load costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from xlmodel.ooxml.addresses import col_letters, col_number

_ROWS, _COLS = 1_048_576, 16_384
_STRING = r'"(?:[^"]|"")*"'
_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!"
_CELL = re.compile(_STRING + rf"|(?<![\w.$])({_SHEET})?(\$?)([A-Z]{{1,3}})(\$?)(\d+)(?![\w(!])")
_NAME = re.compile(_STRING + r"|(?<![\w.!\]'$\\])([A-Za-z_\\][\w.\\]*)(?![\w.(!\[])")


class Unresolved(Exception):
    """A name whose formula cannot be inlined (a cycle between names)."""


def moved(definition: str, row: int, col: int, names: Mapping[str, str] = {}) -> str:
    """``definition`` (relative to A1) as it reads in the cell at ``row``, ``col``.

    A token of ``names`` that looks like a cell (``TAX2014``) is a name and stays.

    >>> moved("Worksheet!$B1", 4, 3), moved("Worksheet!A$4:A$8", 10, 2), moved("$B$1*A1", 2, 2)
    ('Worksheet!$B4', 'Worksheet!B$4:B$8', '$B$1*B2')
    """

    def shift(m: re.Match[str]) -> str:
        if m.group(3) is None or m.group(0).upper() in names:  # a string literal, a name
            return m.group(0)
        sheet, dc, letters, dr, digits = m.groups()
        c = col_number(letters) if dc else (col_number(letters) + col - 2) % _COLS + 1
        r = int(digits) if dr else (int(digits) + row - 2) % _ROWS + 1
        return f"{sheet or ''}{dc}{col_letters(c)}{dr}{r}"

    return _CELL.sub(shift, definition)


def inline(formula: str, row: int, col: int, names: Mapping[str, str], depth: int = 0) -> str:
    """``formula`` with each name of ``names`` (upper-case name → definition) written out.

    >>> names = {"HOURS": "Worksheet!$B1", "RATE": "Worksheet!$B$1", "DAILY": "HOURS*RATE"}
    >>> inline('DAILY+1&"DAILY"', 4, 3, names)
    '((Worksheet!$B4)*(Worksheet!$B$1))+1&"DAILY"'
    """
    if depth > 20:
        raise Unresolved(formula)

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None or name.upper() not in names:
            return m.group(0)
        return f"({inline(moved(names[name.upper()], row, col, names), row, col, names, depth + 1)})"

    return _NAME.sub(sub, formula)


def omitted(diagnostics: list[dict[str, object]], sheet: str) -> dict[str, str]:
    """The names formualizer omitted that a formula on ``sheet`` sees (its own sheet's first)."""
    out: dict[str, str] = {}
    for scoped in (False, True):
        for d in diagnostics:
            local = d.get("scope_sheet") is not None or d.get("local_sheet_id") is not None
            if local != scoped or (scoped and d.get("scope_sheet") != sheet):
                continue
            name, definition = d.get("name"), d.get("definition")
            if isinstance(name, str) and isinstance(definition, str) and definition:
                out[name.upper()] = definition[1:] if definition.startswith("=") else definition
    return out
