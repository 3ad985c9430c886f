"""References in formulas: relative R1C1 keys and parsed references.

Every formula gets its relative R1C1 key (``=B2*(1+$C$1)`` in C2 → ``RC[-1]*(1+$C$1)``;
:func:`form_key`); cells sharing a key are one *form*.  :func:`parse_ref` turns a reference
token (``Ark1!$B$2:B9``) into a :class:`Ref` relative to the formula's cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from xlmodel.validate.addresses import MAX_COL, MAX_ROW, block, col_index, sheet_prefix

# ---------------------------------------------------------------------------- references ----
# One regex pass turns A1 references into relative R1C1.  Text literals, quoted sheet names
# and bracketed parts (external books, structured references) are matched first so that
# nothing inside them is touched.
_R1C1_RE = re.compile(r"""
    ("(?:[^"]|"")*"|'(?:[^']|'')*'|\[[^\]]*\])
  | (?<![\w.$:])(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![\w(!.:])
  | (?<![\w.$:])(\$?)(\d+):(\$?)(\d+)(?![\w(!.:])
  | (?<![\w.$])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(!.])
""", re.X)


def _rel(kind: str, value: int, absolute: bool, here: int) -> str:
    if absolute:
        return f"{kind}{value}"
    return kind if value == here else f"{kind}[{value - here}]"


def to_r1c1(formula: str, row: int, col: int) -> str:
    """The formula in relative R1C1 form, the key by which formulas are compared.

    >>> to_r1c1("=B2*(1+$C$1)+SUM(A:A)", 2, 3)
    '=RC[-1]*(1+R1C3)+SUM(C[-2]:C[-2])'
    >>> to_r1c1('=Ark1!A1&"B2"', 1, 1)
    '=Ark1!RC&"B2"'
    """
    def repl(m: re.Match[str]) -> str:
        g = m.groups()
        if g[12] is not None:  # a cell
            c, r = col_index(g[10].upper()), int(g[12])
            if c > MAX_COL or r > MAX_ROW:
                return m.group(0)
            return _rel("R", r, bool(g[11]), row) + _rel("C", c, bool(g[9]), col)
        if g[2] is not None:  # whole columns A:C
            c1, c2 = col_index(g[2].upper()), col_index(g[4].upper())
            if max(c1, c2) > MAX_COL:
                return m.group(0)
            return _rel("C", c1, bool(g[1]), col) + ":" + _rel("C", c2, bool(g[3]), col)
        if g[6] is not None:  # whole rows 2:5
            r1, r2 = int(g[6]), int(g[8])
            return _rel("R", r1, bool(g[5]), row) + ":" + _rel("R", r2, bool(g[7]), row)
        return m.group(0)

    return _R1C1_RE.sub(repl, formula)


# The grouping key (:func:`form_key`) needs the R1C1 form only up to a one-to-one renaming, so
# references that are absolute in both row and column ($C$2) are left as written (they read
# the same from every cell) and only the others are rewritten, by a simpler regex.
_RELATIVE_REF = re.compile(r"(?<![\w.$])(?:([A-Za-z]{1,3})(\$?)|\$([A-Za-z]{1,3}))(\d+)(?![\w(!.])")
_WHOLE_LINES = re.compile(r"[A-Za-z$]:\$?[A-Za-z]|\d:\$?\d")  # A:C or 2:5, not A1:B2
_TOKEN_CACHE: dict[str, tuple[bool, int, bool, int, bool]] = {}
# A numeric literal in a grouping key: not part of R[-1]C / R2C3 / $C$2 / a name or sheet name.
NUMBER_LITERAL = re.compile(r"(?<![\w$.\[])(?<!\[-)(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee][+-]?\d+)?(?![\w\[(.])")
BRACKETS_ARE_R1C1 = re.compile(r"(?:[^\[\]\"']|\[-?\d+\])*")  # only R[-1]C-style brackets


def form_key(formula: str, row: int, col: int) -> str:
    """A key equal for two formulas exactly when their relative R1C1 forms are equal.

    >>> form_key("=B2*(1+$C$1)", 2, 3) == form_key("=C7*(1+$C$1)", 7, 4)
    True
    >>> form_key("=B2*(1+$C$1)", 2, 3) == form_key("=B2*(1+$C$2)", 2, 3)
    False
    """
    if ('"' in formula or "'" in formula or "[" in formula
            or (":" in formula and _WHOLE_LINES.search(formula))):  # the full rewrite
        return to_r1c1(formula, row, col)
    here = str(row)
    template = formula.replace(here, "\0") if here in formula else formula
    found = _TEMPLATE_CACHE.get((template, col))
    if found is not None:
        return found
    key = _fast_key(formula, row, col)
    if _row_free(template):
        if len(_TEMPLATE_CACHE) >= 200_000:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[(template, col)] = key
    return key


# A formula copied down a column (=A2*1.013, =A3*1.013, …) has one key for all its rows.  With
# the cell's row number written as a placeholder (``=A\0*1.013``), the key depends on that
# *template* and the column alone when every placeholder is the row of a reference relative
# in its row (so each reads "R", the same row) and no other reference has a relative row:
# :func:`_row_free` checks that on the template (conservatively: any doubt, no caching), and
# the template's key is computed once.  ``\0`` cannot occur in a formula (XML forbids it).
_TEMPLATE_CACHE: dict[tuple[str, int], str] = {}
_SITE = re.compile(r"(?<![\w\x00.$])\$?([A-Za-z]{1,3})\x00(?![\w\x00(!.])")
_SITE_TOUCH = re.compile(r"[\d\x00]\x00|\x00\d")
_ROW_FREE: dict[str, bool] = {}


def _row_free(template: str) -> bool:
    """Does the key of ``template`` (placeholders for the cell's row) not depend on the row?

    >>> [_row_free(t.replace("#", chr(0))) for t in ("=A#*1.013", "=A#+A1", "=A#*#", "=A$#")]
    [True, False, False, False]
    """
    ok = _ROW_FREE.get(template)
    if ok is None:
        sites = _SITE.findall(template) if "\0" in template else []
        ok = (not _SITE_TOUCH.search(template)
              and len(sites) == template.count("\0")
              and all(col_index(letters.upper()) <= MAX_COL for letters in sites)
              and not any(not m.group(2) and m.group(4) for m in _RELATIVE_REF.finditer(template)))
        if len(_ROW_FREE) >= 200_000:
            _ROW_FREE.clear()
        _ROW_FREE[template] = ok
    return ok


def _fast_key(formula: str, row: int, col: int) -> str:
    """:func:`form_key` for a formula without text, quotes, brackets or whole rows/columns."""
    cache = _TOKEN_CACHE

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        hit = cache.get(token)
        if hit is None:
            letters, row_abs, abs_letters, digits = m.groups()
            c, r = col_index((letters or abs_letters).upper()), int(digits)
            hit = (letters is None, c, bool(row_abs), r, c <= MAX_COL and 1 <= r <= MAX_ROW)
            if len(cache) < 1_000_000:
                cache[token] = hit
        col_abs, c, row_abs, r, ok = hit
        if not ok:
            return token
        return (f"R{r}" if row_abs else ("R" if r == row else f"R[{r - row}]")) + (
            f"C{c}" if col_abs else ("C" if c == col else f"C[{c - col}]"))

    return _RELATIVE_REF.sub(repl, formula)


_REF_PART = r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?"
_REF_RE = re.compile(rf"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?{_REF_PART}(?::{_REF_PART})?$")


@dataclass(frozen=True)
class Ref:
    """A reference as written in a formula, relative to the formula's cell.

    Each coordinate is ``(value, absolute)``: an absolute row/column number, or an offset
    from the formula's cell.  Whole columns/rows span 1…MAX_ROW / 1…MAX_COL.
    """

    text: str
    sheet: str | None          # None: the formula's own sheet
    r1: tuple[int, bool]
    c1: tuple[int, bool]
    r2: tuple[int, bool]
    c2: tuple[int, bool]
    single: bool               # written as one cell (not a range)
    external: bool = False     # another workbook ([1]Sheet!A1) or a 3-D reference

    def resolve(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, ...]:
        """Target rectangles (r1, c1, r2, c2) for formulas at ``rows``/``cols`` (arrays)."""
        def at(part: tuple[int, bool], here: np.ndarray) -> np.ndarray:
            value, absolute = part
            return np.full(here.shape, value, dtype=np.int64) if absolute else here + value
        r1, r2 = at(self.r1, rows), at(self.r2, rows)
        c1, c2 = at(self.c1, cols), at(self.c2, cols)
        return np.minimum(r1, r2), np.minimum(c1, c2), np.maximum(r1, r2), np.maximum(c1, c2)


def parse_ref(text: str, row: int, col: int) -> Ref | None:
    """A reference token (``Ark1!$B$2:B9``, ``A:A``, ``3:5``) as a :class:`Ref`; None for a name.

    >>> r = parse_ref("Ark1!$B$2:B9", 10, 3)
    >>> r.sheet, r.r1, r.c1, r.r2, r.c2
    ('Ark1', (2, True), (2, True), (-1, False), (-1, False))
    """
    external = text.startswith("[") or "]" in text.split("!")[0]
    body = re.sub(r"^\[[^\]]*\]", "", text)
    m = _REF_RE.match(body)
    if not m:
        return None
    sheet = m.group("sheet")
    if sheet is not None:
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        sheet = re.sub(r"^\[[^\]]*\]", "", sheet)
        if ":" in sheet:  # Ark1:Ark3!A1, a 3-D reference
            external = True
    ca, cl, ra, rw, ca2, cl2, ra2, rw2 = m.groups()[1:9]
    if cl is None and rw is None:
        return None

    def coord(letters: str | None, digits: str | None, ca_: str, ra_: str,
              ) -> tuple[tuple[int, bool] | None, tuple[int, bool] | None]:
        c = r = None
        if letters is not None:
            n = col_index(letters.upper())
            if n > MAX_COL:
                raise ValueError
            c = (n, True) if ca_ else (n - col, False)
        if digits is not None:
            n = int(digits)
            if not 1 <= n <= MAX_ROW:
                raise ValueError
            r = (n, True) if ra_ else (n - row, False)
        return r, c

    try:
        r1, c1 = coord(cl, rw, ca, ra)
        second = cl2 is not None or rw2 is not None
        r2, c2 = coord(cl2, rw2, ca2, ra2) if second else (r1, c1)
    except ValueError:
        return None
    if second and ((r1 is None) != (r2 is None) or (c1 is None) != (c2 is None)):
        return None
    if not second and (r1 is None or c1 is None):
        return None
    if r1 is None:  # whole columns
        r1, r2 = (1, True), (MAX_ROW, True)
    if c1 is None:  # whole rows
        c1, c2 = (1, True), (MAX_COL, True)
    return Ref(text, sheet, r1, c1, r2, c2, not second, external)


def ref_text(ref: Ref, row: int, col: int) -> str:
    """The reference as it reads from the cell (row, col)."""
    r1, c1, r2, c2 = (int(x[0]) for x in ref.resolve(np.array([row]), np.array([col])))
    return sheet_prefix(ref.sheet) + block(r1, c1, r2, c2)
