"""Lookup and reference functions and dynamic arrays (INDEX, ADDRESS, AREAS, DROP, TAKE, FILTER,
SORT, UNIQUE, CHOOSECOLS, GROUPBY, PIVOTBY…) as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real, tests/test_corpus_lookups.py).  Argument coercion:
xlmodel.engine.excel_coerce.

Reference expressions (:func:`areas`).  A reference may be a union of areas (``(A1:B2,D4)``,
the comma inside parentheses), an intersection (a space: the cells both sides share, none is
``#NULL!``) or a range between two references (``:``, the smallest rectangle holding both) —
Microsoft, "Calculation operators and precedence": ``:`` binds before the space, the space
before the comma.  formualizer 0.13 has no unions, no intersections and no AREAS, so a call
of AREAS, ROWS or COLUMNS whose argument is such an expression of A1 references is replaced on
the engine's copy by its answer, which depends on the reference only, never on a cell's value
(AREAS: the number of areas; ROWS/COLUMNS of more than one area: ``#REF!``); an intersection of
A1 ranges given to TRANSPOSE is replaced by the range it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from xlmodel.engine.excel_registry import Rewrite
from xlmodel.ooxml.addresses import col_letters, col_number

Rect = tuple[int, int, int, int]   # first row, first column, last row, last column

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class _NotReference(Exception):
    """The text is not an expression of A1 references (left to the engine)."""


class _Parser:
    """Recursive descent over a reference expression: union > intersection > range > primary."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def union(self) -> list[Rect] | str:
        out = self.intersection()
        self._skip()
        while self._peek() == ",":
            self.pos += 1
            more = self.intersection()
            if isinstance(out, str):
                continue
            out = more if isinstance(more, str) else out + more
            self._skip()
        return out

    def intersection(self) -> list[Rect] | str:
        self._skip()
        out = self.range()
        while True:
            start = self.pos
            self._skip()
            if self.pos == start or self._peek() in ("", ",", ")"):
                return out
            other = self.range()
            if isinstance(out, str):
                continue
            if isinstance(other, str):
                out = other
                continue
            both = [(max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
                    for a in out for b in other]
            both = [r for r in both if r[0] <= r[2] and r[1] <= r[3]]
            out = both or "#NULL!"

    def range(self) -> list[Rect] | str:
        out = self.primary()
        while self._peek() == ":":
            self.pos += 1
            other = self.primary()
            if isinstance(out, str) or isinstance(other, str):
                out = out if isinstance(out, str) else other
                continue
            rects = out + other
            out = [(min(r[0] for r in rects), min(r[1] for r in rects),
                    max(r[2] for r in rects), max(r[3] for r in rects))]
        return out

    def primary(self) -> list[Rect] | str:
        self._skip()
        if self._peek() == "(":
            self.pos += 1
            out = self.union()
            self._skip()
            if self._peek() != ")":
                raise _NotReference
            self.pos += 1
            return out
        m = _CELL.match(self.text, self.pos)
        if not m:
            raise _NotReference
        self.pos = m.end()
        nxt = self._peek()
        if nxt and (nxt.isalnum() or nxt in "_.!("):
            raise _NotReference   # a name, a function or a sheet prefix: not a plain A1 cell
        r, c = int(m.group(2)), col_number(m.group(1))
        return [(r, c, r, c)]


def areas(text: str) -> list[Rect] | str | None:
    """The areas a reference expression names, ``"#NULL!"`` for an empty intersection, None
    when ``text`` is not an expression of A1 references (on one sheet, no names).

    >>> areas("C4:F4"), areas("(D4:G4,I4:J4,K4:N4)")
    ([(4, 3, 4, 6)], [(4, 4, 4, 7), (4, 9, 4, 10), (4, 11, 4, 14)])
    >>> len(areas("((F4:G4,G4:I4,F6:G6,G6:I6) G3:G11)")), areas("(E4:H4 J4:K4 L4:O4)")
    (4, '#NULL!')
    >>> areas("((G15:H16) H14:H23)"), areas("Rate"), areas("Sheet2!A1"), areas("A1+1")
    ([(15, 8, 16, 8)], None, None, None)
    """
    p = _Parser(text.strip())
    try:
        out = p.union()
    except _NotReference:
        return None
    p._skip()
    return out if p.pos == len(p.text) and out else None


def _call_end(text: str, open_at: int) -> int | None:
    """The index just past the parenthesis closing the one at ``open_at`` (quotes skipped)."""
    depth, i = 0, open_at
    while i < len(text):
        ch = text[i]
        if ch == '"':
            j = text.find('"', i + 1)
            while j != -1 and text[j + 1:j + 2] == '"':
                j = text.find('"', j + 2)
            if j == -1:
                return None
            i = j
        elif ch == "'":
            j = text.find("'", i + 1)
            if j == -1:
                return None
            i = j
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _range_text(r: Rect) -> str:
    a = f"{col_letters(r[1])}{r[0]}"
    b = f"{col_letters(r[3])}{r[2]}"
    return a if a == b else f"{a}:{b}"


def _reference_answer(name: str, arg: str) -> str | None:
    """The replacement of ``name(arg)`` (AREAS, ROWS, COLUMNS, TRANSPOSE), None to leave it."""
    got = areas(arg)
    if got is None:
        return None
    if isinstance(got, str):
        return got
    if name == "AREAS":
        return str(len(got))
    if name in ("ROWS", "COLUMNS"):
        if len(got) > 1:
            return "#REF!"
        (r1, c1, r2, c2), = got
        return str(r2 - r1 + 1 if name == "ROWS" else c2 - c1 + 1)
    if len(got) > 1:   # TRANSPOSE of a union
        return "#VALUE!"
    return f"TRANSPOSE({_range_text(got[0])})"


_REF_CALL = re.compile(r'"(?:[^"]|"")*"|(?<![\w.])(AREAS|ROWS|COLUMNS|TRANSPOSE)\(', re.IGNORECASE)


def rewrite_references(text: str) -> str:
    """``text`` with AREAS of any A1 reference expression, ROWS/COLUMNS of a union or an
    intersection, and TRANSPOSE of an intersection replaced by their answer (engine copy).

    >>> rewrite_references("AREAS((D4:G4,I4:J4,K4:N4))+AREAS(J4)")
    '3+1'
    >>> rewrite_references("COLUMNS(((G15:H16) H14:H23))"), rewrite_references("ROWS((A1,B2))")
    ('1', '#REF!')
    >>> rewrite_references("TRANSPOSE(E134:E143 D134:F143)"), rewrite_references("ROWS(A1:B3)")
    ('TRANSPOSE(E134:E143)', 'ROWS(A1:B3)')
    >>> rewrite_references('AREAS(X)&"AREAS(A1)"')
    'AREAS(X)&"AREAS(A1)"'
    """
    out, pos = [], 0
    for m in _REF_CALL.finditer(text):
        if m.group(1) is None or m.start() < pos:
            continue
        name = m.group(1).upper()
        end = _call_end(text, m.end() - 1)
        if end is None:
            continue
        arg = text[m.end():end - 1]
        if name != "AREAS" and not re.search(r"[ ,]", arg.strip()):
            continue   # one plain range: the engine's own answer
        new = _reference_answer(name, arg)
        if new is None:
            continue
        out.append(text[pos:m.start()] + new)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("reference expressions", re.compile(rb"AREAS\(|(?:ROWS|COLUMNS|TRANSPOSE)\(\(|"
                                                rb"(?:ROWS|COLUMNS|TRANSPOSE)\([^()]*[A-Z]\d+ +\$?[A-Z]"),
            rewrite_references),
)


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's functions on ``wb`` (none yet)."""
