"""Addresses and constants of the file format: the one copy.

Column letters, A1 addresses and ranges, Excel's grid, its error literals, the OOXML namespaces
and relationship types, and the helpers that resolve a relationship's target.  Every layer that
needs one of these imports it from here (engine, validation, macros, the safety check).

>>> col_letters(28), col_number("AB"), address(2, 3), parse_range("B2:C5")
('AB', 28, 'C2', (2, 2, 5, 3))
>>> range_text(1, 1, 1, 1), range_text(1, 1, 3, 2)
('A1', 'A1:B3')
>>> rels_part("xl/workbook.xml"), resolve_target("xl/workbook.xml", "worksheets/sheet1.xml")
('xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet1.xml')
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from xlmodel.errors import XlmodelError

#: Excel's grid: A1:XFD1048576 (ECMA-376 Part 1, §18.3.1.73 and Excel's specifications).
MAX_ROW = 1_048_576
MAX_COL = 16_384

#: Error values written as a file's cached value (``<c t="e">``): the ECMA-376 set, which every
#: reader knows (calamine, hence formualizer, refuses to load #SPILL! or #CALC!).
FILE_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                         "#GETTING_DATA"})
#: Every error literal Excel 365 may store or show (newer than ECMA-376 included).
EXCEL_ERRORS = FILE_ERRORS | frozenset({"#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#BUSY!",
                                        "#CONNECT!", "#EXTERNAL!", "#UNKNOWN!", "#PYTHON!"})

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
REL_METADATA = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def col_letters(col: int) -> str:
    """``28`` → ``"AB"``."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=4096)
def col_number(letters: str) -> int:
    """``"AB"`` (any case) → ``28``."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) & 0x1F)  # 'A'/'a' → 1
    return n


def address(row: int, col: int) -> str:
    """``(2, 3)`` → ``"C2"``."""
    return f"{col_letters(col)}{row}"


def parse_address(ref: str) -> tuple[int, int]:
    """``"C2"`` (``$`` allowed) → ``(2, 3)``; anything else is an :class:`XlmodelError`."""
    m = _CELL_REF.match(ref.strip())
    if not m:
        raise XlmodelError("cell", ref, "an A1 cell address")
    return int(m.group(2)), col_number(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"B2:C5"`` → ``(2, 2, 5, 3)`` (first row, first col, last row, last col); no sheet prefix."""
    ref = ref.split("!")[-1]
    first, _, last = ref.partition(":")
    r1, c1 = parse_address(first)
    r2, c2 = parse_address(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_text(r1: int, c1: int, r2: int, c2: int) -> str:
    """The A1 text of a range (a single cell without a colon)."""
    return address(r1, c1) if (r1, c1) == (r2, c2) else f"{address(r1, c1)}:{address(r2, c2)}"


def area(ref: str) -> int:
    """Cells claimed by a ref like ``A1:XFD1048576`` (a dimension); 0 when it cannot be read.

    >>> area("A1:C31"), area("B2"), area("nonsense")
    (93, 1, 0)
    """
    corners = []
    for cell in ref.upper().split(":")[:2]:
        letters = cell.rstrip("0123456789").replace("$", "")
        digits = cell[len(cell.rstrip("0123456789")):]
        if not letters.isalpha() or not digits:
            return 0
        corners.append((col_number(letters), int(digits)))
    if len(corners) == 1:
        return 1
    (c1, r1), (c2, r2) = corners
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)


def quote_sheet(sheet: str) -> str:
    """A sheet name as a formula writes it before ``!``: always quoted (``'Ark 1'``)."""
    return "'" + sheet.replace("'", "''") + "'"


def rels_part(part: str) -> str:
    """The relationships part of ``part``: ``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve_target(base_part: str, target: str) -> str:
    """A relationship's ``Target`` as a part name, relative to the part that holds the relationship."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))
