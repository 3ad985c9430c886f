"""Reading and patching the cells of one worksheet part's XML text.

Only the ``<c>`` elements that get a new cached value are rewritten (and the rows that hold
them); everything else in the part is kept as it was, character for character: formulas,
styles (``s``), data validation, conditional formats, merged cells, hyperlinks, page setup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, unescape

from xlmodel.engine.types import CellError
from xlmodel.errors import XlmodelError

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=4096)
def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def address(row: int, col: int) -> str:
    """``(2, 3)`` → ``"C2"``."""
    return f"{col_letters(col)}{row}"


def parse_address(ref: str) -> tuple[int, int]:
    """``"C2"`` → ``(2, 3)``."""
    m = _CELL_REF.match(ref.strip())
    if not m:
        raise XlmodelError("cell", ref, "an A1 cell address")
    return int(m.group(2)), col_number(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"B2:C5"`` → ``(2, 2, 5, 3)`` (first row, first col, last row, last col)."""
    ref = ref.split("!")[-1]
    first, _, last = ref.partition(":")
    r1, c1 = parse_address(first)
    r2, c2 = parse_address(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_text(r1: int, c1: int, r2: int, c2: int) -> str:
    return address(r1, c1) if (r1, c1) == (r2, c2) else f"{address(r1, c1)}:{address(r2, c2)}"


@lru_cache(maxsize=64)
def _attr_re(name: str) -> re.Pattern[str]:
    return re.compile(rf'(?:^|\s){name}\s*=\s*(["\'])(.*?)\1', re.S)


def _attr(attrs: str, name: str) -> str | None:
    m = _attr_re(name).search(attrs)
    return m.group(2) if m else None


def _set_attr(attrs: str, name: str, value: str) -> str:
    pat = re.compile(rf'(\s){name}\s*=\s*(["\']).*?\2', re.S)
    if pat.search(attrs):
        return pat.sub(lambda m: f'{m.group(1)}{name}="{value}"', attrs, count=1)
    return f'{attrs} {name}="{value}"'


def _del_attr(attrs: str, name: str) -> str:
    return re.sub(rf'\s{name}\s*=\s*(["\']).*?\1', "", attrs, flags=re.S)


class _Cell(NamedTuple):
    col: int
    text: str    # the whole <c> element
    attrs: str   # its attributes
    inner: str   # its content ("" when self-closing)


_CELL_R = re.compile(r'(?:^|\s)r\s*=\s*["\']\$?([A-Za-z]{1,3})\$?\d+["\']')


@dataclass(frozen=True)
class FormulaCell:
    row: int
    col: int
    f_type: str | None   # None (normal), "array", "shared", "dataTable"
    ref: str | None      # the array formula's range (or shared formula's range)
    shared_master: bool  # a shared formula's master cell (holds the text)
    text: str = ""       # the formula text as stored ("" for a shared formula's followers)
    si: str | None = None  # a shared formula's group index


@dataclass(frozen=True)
class Update:
    """A new cached value for a cell; ``array_ref`` makes a formula cell an array formula."""

    value: Any
    array_ref: str | None = None
    cm: int | None = None


@dataclass(frozen=True)
class Constant:
    """A plain value for a cell (not a formula result): the cell keeps only its style."""

    value: Any


class SheetXml:
    """One worksheet part's text with the positions of its rows and cells."""

    def __init__(self, data: bytes, part: str = "sheet") -> None:
        try:
            self.text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise XlmodelError("worksheet", part, "UTF-8 XML") from None
        m = re.search(r"<(\w+:)?worksheet\b", self.text)
        if m is None:
            raise XlmodelError("worksheet", part, "a worksheet part")
        self.p = m.group(1) or ""
        p = re.escape(self.p)
        self._row_re = re.compile(rf"<{p}row\b([^>]*?)(?:/>|>(.*?)</{p}row>)", re.S)
        self._cell_re = re.compile(rf"<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)", re.S)
        self._f_re = re.compile(rf"<{p}f\b([^>]*?)(?:/>|>(.*?)</{p}f>)", re.S)
        self._child_re = re.compile(rf"<{p}(v|is|extLst)\b[^>]*?(?:/>|>.*?</{p}\1>)", re.S)
        sd = re.search(rf"<{p}sheetData\b[^>]*?(/>|>(.*?)</{p}sheetData>)", self.text, re.S)
        if sd is None:
            raise XlmodelError("worksheet", part, "a worksheet with <sheetData>")
        self._sd = sd
        self.rows = self._rows()

    def _rows(self) -> list[tuple[int, str, int, int, list[_Cell]]]:
        """[(row number, row attrs, start, end, [cells])], positions in self.text."""
        if self._sd.group(2) is None:
            return []
        base = self._sd.start(2)
        out = []
        prev_row = 0
        for rm in self._row_re.finditer(self._sd.group(2)):
            attrs = rm.group(1)
            r = int(_attr(attrs, "r") or prev_row + 1)
            prev_row = r
            cells = []
            prev_col = 0
            for cm in self._cell_re.finditer(rm.group(2) or ""):
                ref = _CELL_R.search(cm.group(1))
                col = col_number(ref.group(1)) if ref else prev_col + 1
                prev_col = col
                cells.append(_Cell(col, cm.group(0), cm.group(1), cm.group(2) or ""))
            out.append((r, attrs, base + rm.start(), base + rm.end(), cells))
        return out

    def formula_cells(self) -> list[FormulaCell]:
        out = []
        marker = f"<{self.p}f"
        for r, _, _, _, cells in self.rows:
            for col, _, _, inner in cells:
                if marker not in inner:
                    continue
                f = self._f_re.search(inner)
                if f is None:
                    continue
                text = f.group(2) or ""
                if "&" in text:
                    text = unescape(text)
                f_attrs = f.group(1)
                if not f_attrs.strip():  # the common case: a plain formula
                    out.append(FormulaCell(r, col, None, None, False, text))
                    continue
                f_type, ref = _attr(f_attrs, "t"), _attr(f_attrs, "ref")
                out.append(FormulaCell(r, col, f_type, ref, f_type == "shared" and ref is not None,
                                       text, _attr(f_attrs, "si")))
        return out

    def cached_errors(self) -> list[tuple[int, int, str, str]]:
        """Formula cells whose cached value is an error: (row, col, code, message).

        Besides ``t="e"`` values this finds the ``#VALUE! <message>`` text an xlwings UDF leaves
        in a cell (a classic UDF cannot return a real error value; see xlmodel.excel.cells).
        """
        from xlmodel.excel.cells import ERROR_PREFIX

        out = []
        p = re.escape(self.p)
        for r, _, _, _, cells in self.rows:
            for col, _, attrs, inner in cells:
                if not self._f_re.search(inner):
                    continue
                v = re.search(rf"<{p}v\b[^>]*>(.*?)</{p}v>", inner, re.S)
                if v is None:
                    continue
                t = _attr(attrs, "t")
                value = unescape(v.group(1))
                if t == "e":
                    out.append((r, col, value, ""))
                elif t == "str" and value.startswith(ERROR_PREFIX):
                    out.append((r, col, ERROR_PREFIX.strip(), value[len(ERROR_PREFIX):]))
        return out

    def cell_values(self) -> dict[tuple[int, int], str]:
        """Raw ``<v>`` text of every cell that has one (for tests and checks)."""
        out = {}
        for r, _, _, _, cells in self.rows:
            for col, text, _, _ in cells:
                v = re.search(rf"<{re.escape(self.p)}v\b[^>]*>(.*?)</{re.escape(self.p)}v>", text, re.S)
                if v:
                    out[(r, col)] = v.group(1)
        return out

    # -- patching ----------------------------------------------------------------------------
    def patch(self, updates: dict[tuple[int, int], Update | Constant],
              clear: set[tuple[int, int]]) -> bytes:
        """The part with ``updates`` applied and the values of ``clear`` cells removed."""
        if not updates and not clear:
            return self.text.encode("utf-8")
        by_row: dict[int, dict[int, Update | Constant | None]] = {}
        for (r, c), u in updates.items():
            by_row.setdefault(r, {})[c] = u
        for r, c in clear:
            by_row.setdefault(r, {}).setdefault(c, None)
        pieces: list[str] = []
        p = self.p
        if self._sd.group(2) is None:  # <sheetData/>: no rows yet
            head = self.text[:self._sd.start()]
            tail = self.text[self._sd.end():]
            body = "".join(self._new_row(r, by_row[r]) for r in sorted(by_row))
            return self._with_dimension(head + f"<{p}sheetData>{body}</{p}sheetData>" + tail, by_row)
        pos = self._sd.start(2)
        present = {row[0] for row in self.rows}
        pending = sorted(r for r in by_row if r not in present)
        for r, attrs, start, end, cells in self.rows:
            pieces.append(self.text[pos:start])
            while pending and pending[0] < r:
                row = pending.pop(0)
                pieces.append(self._new_row(row, by_row[row]))
            pos = end
            if r not in by_row:
                pieces.append(self.text[start:end])
                continue
            pieces.append(self._edit_row(r, attrs, cells, by_row[r]))
        pieces.append(self.text[pos:self._sd.end(2)])
        for r in pending:
            pieces.append(self._new_row(r, by_row[r]))
        text = self.text[:self._sd.start(2)] + "".join(pieces) + self.text[self._sd.end(2):]
        return self._with_dimension(text, by_row)

    def _new_row(self, r: int, edits: dict[int, Update | Constant | None]) -> str:
        cells = "".join(self._cell(None, r, c, u) for c, u in sorted(edits.items()) if u is not None)
        return f'<{self.p}row r="{r}">{cells}</{self.p}row>' if cells else ""

    def _edit_row(self, r: int, attrs: str, cells: list[_Cell],
                  edits: dict[int, Update | Constant | None]) -> str:
        existing = {cell.col: cell for cell in cells}
        order = sorted(set(existing) | {c for c, u in edits.items() if u is not None})
        body = []
        for c in order:
            if c in edits:
                body.append(self._cell(existing.get(c), r, c, edits[c]))
            else:
                body.append(existing[c].text)
        spans = _attr(attrs, "spans")
        if spans and order and re.fullmatch(r"\d+:\d+", spans):
            lo, hi = (int(x) for x in spans.split(":"))
            attrs = _set_attr(attrs, "spans", f"{min(lo, order[0])}:{max(hi, order[-1])}")
        return f"<{self.p}row{attrs}>{''.join(body)}</{self.p}row>"

    def occupied(self) -> set[tuple[int, int]]:
        """Cells that hold a value or a formula (not just a style)."""
        marker = (f"<{self.p}v", f"<{self.p}f", f"<{self.p}is")
        return {(r, cell.col) for r, _, _, _, cells in self.rows for cell in cells
                if any(m in cell.inner for m in marker)}

    def _constant(self, cell: _Cell | None, r: int, c: int, value: Any) -> str:
        p = self.p
        style = _attr(cell.attrs, "s") if cell is not None else None
        attrs = f' r="{address(r, c)}"' + (f' s="{style}"' if style else "")
        if value is None or value == "":
            return f"<{p}c{attrs}/>" if style else ""
        if isinstance(value, bool):
            return f'<{p}c{attrs} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
        if isinstance(value, int | float):
            t, v = _encode(float(value))
            return f'<{p}c{attrs}{f" t={chr(34)}{t}{chr(34)}" if t else ""}><{p}v>{v}</{p}v></{p}c>'
        text = _xml_text(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<{p}c{attrs} t="inlineStr"><{p}is><{p}t{space}>{text}</{p}t></{p}is></{p}c>'

    def _cell(self, cell: _Cell | None, r: int, c: int, u: Update | Constant | None) -> str:
        p = self.p
        if isinstance(u, Constant):
            return self._constant(cell, r, c, u.value)
        # Fast path, the common case of a refresh: a plain <f>…</f> formula cell with its
        # r attribute, no type attribute, no array change and no extension list.
        if (cell is not None and u is not None and u.array_ref is None and ' t="' not in cell.attrs
                and ' r="' in cell.attrs and cell.inner.startswith(f"<{p}f>")
                and "extLst" not in cell.inner):
            end = cell.inner.find(f"</{p}f>")
            if end >= 0:
                f_text = cell.inner[:end + len(p) + 4]
                t, v = _encode(u.value)
                attrs = cell.attrs + f' t="{t}"' if t else cell.attrs
                v_text = f"<{p}v>{v}</{p}v>" if v is not None else ""
                return f"<{p}c{attrs}>{f_text}{v_text}</{p}c>"
        if cell is None:
            attrs, inner = f' r="{address(r, c)}"', ""
        else:
            attrs, inner = cell.attrs, cell.inner
            if _attr(attrs, "r") is None:
                attrs = f' r="{address(r, c)}"' + attrs
        f = self._f_re.search(inner)
        f_text = f.group(0) if f else ""
        rest = "".join(x.group(0) for x in self._child_re.finditer(inner) if x.group(1) == "extLst")
        attrs = _del_attr(attrs, "t")
        if u is None:  # clear a cell a spill used to cover (never a formula cell)
            if f_text:
                return cell.text if cell else ""
            attrs = _del_attr(attrs, "cm")
            return f"<{p}c{attrs}>{rest}</{p}c>" if rest else f"<{p}c{attrs}/>"
        if u.array_ref and f:
            f_attrs = _set_attr(_set_attr(f.group(1), "t", "array"), "ref", u.array_ref)
            f_text = (f"<{p}f{f_attrs}>{f.group(2)}</{p}f>" if f.group(2) is not None
                      else f"<{p}f{f_attrs}/>")
            if u.cm is not None and _attr(attrs, "cm") is None:
                attrs = _set_attr(attrs, "cm", str(u.cm))
        t, v = _encode(u.value)
        if t:
            attrs = _set_attr(attrs, "t", t)
        v_text = f"<{p}v>{v}</{p}v>" if v is not None else ""
        return f"<{p}c{attrs}>{f_text}{v_text}{rest}</{p}c>"

    def _with_dimension(self, text: str, by_row: dict[int, dict[int, Update | Constant | None]]) -> bytes:
        p = re.escape(self.p)
        dim = re.search(rf'<{p}dimension\b([^>]*?)/>', text)
        cells = []  # each row's first and last written cell is enough for the bounds
        for r, edits in by_row.items():
            cols = [c for c, u in edits.items() if u is not None]
            if cols:
                cells += [(r, min(cols)), (r, max(cols))]
        if dim and cells:
            ref = _attr(dim.group(1), "ref")
            try:
                r1, c1, r2, c2 = parse_range(ref or "A1")
            except XlmodelError:
                r1 = c1 = r2 = c2 = None  # type: ignore[assignment]
            if r1 is not None:
                nr1 = min(r1, *(r for r, _ in cells))
                nc1 = min(c1, *(c for _, c in cells))
                nr2 = max(r2, *(r for r, _ in cells))
                nc2 = max(c2, *(c for _, c in cells))
                if (nr1, nc1, nr2, nc2) != (r1, c1, r2, c2):
                    new = _set_attr(dim.group(1), "ref", range_text(nr1, nc1, nr2, nc2))
                    text = text[:dim.start(1)] + new + text[dim.end(1):]
        return text.encode("utf-8")


def _number(v: float) -> str:
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _xml_text(s: str) -> str:
    s = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)
    return escape(s)


def _encode(value: Any) -> tuple[str | None, str | None]:
    """(t attribute, <v> text) for a cached value."""
    if value is None:
        return None, None
    if isinstance(value, CellError):
        return "e", value.file_code
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float):
        f = float(value)
        if f != f or f in (float("inf"), float("-inf")):
            return "e", "#NUM!"
        return None, _number(f)
    return "str", _xml_text(str(value))


_F_ANY = re.compile(r"<(\w+:|)f\b([^>]*?)(?<!/)>(.*?)</\1f>", re.S)  # not <f .../>


def rewrite_formulas(data: bytes, fn: Callable[[str], str]) -> bytes:
    """A worksheet part with each formula text ``t`` replaced by ``fn(t)`` (unescaped, re-escaped).

    Used only for the engine's in-memory copy of a workbook; the file keeps the user's text.
    """
    text = data.decode("utf-8")

    def one(m: re.Match[str]) -> str:
        raw = m.group(3)
        formula = unescape(raw, {"&quot;": '"', "&apos;": "'"}) if "&" in raw else raw
        new = fn(formula)
        if new == formula:
            return m.group(0)
        return f"<{m.group(1) or ''}f{m.group(2)}>{escape(new)}</{m.group(1) or ''}f>"

    return _F_ANY.sub(one, text).encode("utf-8")
