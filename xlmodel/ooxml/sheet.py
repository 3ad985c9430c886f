"""One worksheet part: a fast scan of its formula and value cells, and the value patcher.

The scan reads the part's text with one regular-expression pass per question (formula cells;
all cells, only when a question needs them) and builds no tree.  The patcher changes only the
``<c>`` elements that get a new cached value: each is replaced in place (a splice of the text),
new cells are inserted beside their neighbours, and every other byte of the part — whitespace
between cells included — stays as it was: formulas, styles (``s``), data validation, conditional
formats, merged cells, hyperlinks, page setup.

>>> xml = SheetXml(b'<worksheet><sheetData><row r="1">\\n <c r="A1"><f>1+1</f><v>0</v></c>\\n'
...                b' <c r="B1"><v>5</v></c></row></sheetData></worksheet>')
>>> [(fc.row, fc.col, fc.text) for fc in xml.formula_cells()]
[(1, 1, '1+1')]
>>> xml.patch({(1, 1): Update(2.0)}, set()).decode()[33:]  # whitespace between cells kept
'\\n <c r="A1"><f>1+1</f><v>2</v></c>\\n <c r="B1"><v>5</v></c></row></sheetData></worksheet>'
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import address, col_number, parse_range, range_text
from xlmodel.ooxml.values import CellError, encode_text, xml_escape, xml_unescape

__all__ = ["Constant", "FormulaCell", "SheetXml", "Update", "encode_value", "rewrite_formulas"]

_INF, _NINF = float("inf"), float("-inf")
_CHUNK_PIECES = 1 << 16  # pieces joined and encoded at a time by the splice patcher
_CELL_R = re.compile(r'(?:^|\s)r\s*=\s*["\']\$?([A-Za-z]{1,3})\$?(\d+)["\']')


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


class FormulaCell(NamedTuple):
    """A formula cell as the file stores it (``text`` is unescaped; "" for a shared follower).

    ``start``, ``fend``, ``end``: where its ``<c>`` element is in the part's text (its start,
    the end of its ``<f>``, its end; ``fend`` -1 when not known).  Flat fields, not a tuple:
    at a million formulas every object counts (see :attr:`span`).
    """

    row: int
    col: int
    f_type: str | None   # None (normal), "array", "shared", "dataTable"
    ref: str | None      # the array formula's range (or shared formula's range)
    shared_master: bool  # a shared formula's master cell (holds the text)
    text: str = ""       # the formula text as stored ("" for a shared formula's followers)
    si: str | None = None  # a shared formula's group index
    start: int = -1
    fend: int = -1
    end: int = -1
    attrs: str = ""      # the <c> element's attributes as written
    #: The cell holds only ``<f>`` and at most a plain ``<v>`` (the splice patcher may rewrite it).
    simple: bool = False

    @property
    def span(self) -> tuple[int, int, int]:
        """(start, end of ``<f>``, end) of the ``<c>`` element in the part's text."""
        return self.start, self.fend, self.end


class Update(NamedTuple):
    """A new cached value for a cell; ``array_ref`` makes a formula cell an array formula."""

    value: Any
    array_ref: str | None = None
    cm: int | None = None


class Constant(NamedTuple):
    """A plain value for a cell (not a formula result): the cell keeps only its style."""

    value: Any


class _Row(NamedTuple):
    r: int
    start: int      # of <row …> in the text
    open_end: int   # just after the start tag's ">" (self-closing: after "/>")
    end: int        # just after </row> (self-closing: = open_end)
    attrs: str
    closed: bool    # self-closing <row …/>


class SheetXml:
    """One worksheet part's text and where its cells are; parts are looked at only when asked."""

    def __init__(self, data: bytes, part: str = "sheet") -> None:
        try:
            self.text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise XlmodelError("worksheet", part, "UTF-8 XML") from None
        m = re.search(r"<(\w+:)?worksheet\b", self.text)
        if m is None:
            raise XlmodelError("worksheet", part, "a worksheet part")
        self.part = part
        self.p = m.group(1) or ""
        p = re.escape(self.p)
        self._cell_re = re.compile(rf"<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)", re.S)
        self._f_re = re.compile(rf"<{p}f\b([^>]*?)(?:/>|>(.*?)</{p}f>)", re.S)
        self._fcell_re = re.compile(
            rf"<{p}c(?=[\s>])((?:\s+r=\"\$?([A-Z]{{1,3}})\$?(\d+)\")?[^>]*?)(?<!/)>\s*"
            rf"<{p}f\b([^>]*?)(?:/>|>([^<]*)</{p}f>)", re.S)
        # The common form, one match per cell: r first, <f> right after the start tag, then at
        # most a plain <v> (Excel, LibreOffice, openpyxl).  Anything else: the general pass.
        self._simple_re = re.compile(
            rf'<{p}c r="([A-Z]{{1,3}})(\d+)"([^>]*?)(?<!/)><{p}f\b([^>]*?)(?:/>|>([^<]*)</{p}f>)'
            rf"(?:<{p}v>[^<]*</{p}v>|<{p}v\s*/>)?</{p}c>")
        self._row_re = re.compile(rf"<{p}row\b([^>]*?)(/?)>", re.S)
        self._v_re = re.compile(rf"<{p}v\b[^>]*>(.*?)</{p}v>", re.S)
        self._child_re = re.compile(rf"<{p}(v|is|extLst)\b[^>]*?(?:/>|>.*?</{p}\1>)", re.S)
        self._close_c = f"</{self.p}c>"
        # <sheetData …> … </sheetData>: the start tag by regex (a literal prefix: fast), the end
        # by find (a lazy ".*?" over the whole part cost 0.15 s on a 6 MB sheet)
        sd = re.compile(rf"<{p}sheetData\b[^>]*?(/?)>").search(self.text)
        if sd is None:
            raise XlmodelError("worksheet", part, "a worksheet with <sheetData>")
        if sd.group(1):  # <sheetData/>
            self._sd_span, self._body_span = (sd.start(), sd.end()), (-1, -1)
        else:
            close = f"</{self.p}sheetData>"
            end = self.text.find(close, sd.end())
            if end < 0:
                raise XlmodelError("worksheet", part, "a worksheet with <sheetData>")
            self._sd_span, self._body_span = (sd.start(), end + len(close)), (sd.end(), end)
        self._formulas: list[FormulaCell] | None = None
        self._cells: dict[tuple[int, int], tuple[int, int, str, str]] | None = None
        self._rows: list[_Row] | None = None
        self._findex: dict[tuple[int, int], int] | None = None

    # -- the scan ------------------------------------------------------------------------------
    def _body(self) -> tuple[int, int]:
        """(start, end) of the sheetData's content in the text; (-1, -1) for ``<sheetData/>``."""
        return self._body_span

    def formula_cells(self) -> list[FormulaCell]:
        """Every formula cell, in document order (one pass; cells without ``r`` are placed by
        their row's order)."""
        if self._formulas is not None:
            return self._formulas
        lo, hi = self._body()
        out: list[FormulaCell] = []
        if lo < 0:
            self._formulas = out
            return out
        out = self._formula_cells_simple(lo, hi)
        if out is not None:
            self._formulas = out
            return out
        out = []
        text, close = self.text, self._close_c
        positions: list[tuple[int, int]] | None = None
        find = text.find
        append = out.append
        for m in self._fcell_re.finditer(text, lo, hi):
            attrs, letters, digits, f_attrs, ftext = m.groups()
            if letters is not None:  # r first, as Excel, LibreOffice and openpyxl write it
                r, col = int(digits), col_number(letters)
            else:
                ref = _CELL_R.search(attrs)
                if ref is None:  # a cell without r (allowed, rare): its position from the row walk
                    if positions is None:
                        positions = {start: (r, c) for (r, c), (start, *_) in self._all_cells().items()}
                    r, col = positions[m.start()]
                else:
                    r, col = int(ref.group(2)), col_number(ref.group(1))
            fend = m.end()
            end = find(close, fend)
            if end < 0:
                raise XlmodelError("worksheet", self.part, "well-formed cells (<c>…</c>)")
            start, end = m.start(), end + len(close)
            if ftext is None:
                ftext = ""
            elif "&" in ftext:
                ftext = xml_unescape(ftext)
            if not f_attrs or not f_attrs.strip():  # the common case: a plain formula
                append(FormulaCell(r, col, None, None, False, ftext, None, start, fend, end, attrs))
                continue
            f_type, fref = _attr(f_attrs, "t"), _attr(f_attrs, "ref")
            append(FormulaCell(r, col, f_type, fref, f_type == "shared" and fref is not None,
                               ftext, _attr(f_attrs, "si"), start, fend, end, attrs))
        if len(out) != self._count_f(lo, hi):  # a formula this pass did not see (<f> not first?)
            out = self._formula_cells_slow()
        self._formulas = out
        return out

    def _formula_cells_simple(self, lo: int, hi: int) -> list[FormulaCell] | None:
        """The scan when every formula cell has the common form (:attr:`_simple_re`), else None."""
        out: list[FormulaCell] = []
        append = out.append
        cols: dict[str, int] = {}
        new = tuple.__new__
        for m in self._simple_re.finditer(self.text, lo, hi):
            letters, digits, rest, f_attrs, ftext = m.groups()
            col = cols.get(letters)
            if col is None:
                col = cols[letters] = col_number(letters)
            start, end = m.span()
            fend = m.end(5) + 4 + len(self.p) if ftext is not None else m.end(4) + 2
            if ftext is None:
                ftext = ""
            elif "&" in ftext:
                ftext = xml_unescape(ftext)
            attrs = f' r="{letters}{digits}"{rest}'
            if not f_attrs:  # tuple.__new__ directly: the namedtuple's __new__ is a Python frame
                append(new(FormulaCell, (int(digits), col, None, None, False, ftext, None, start, fend,
                                         end, attrs, True)))
                continue
            f_type, fref = _attr(f_attrs, "t"), _attr(f_attrs, "ref")
            append(FormulaCell(int(digits), col, f_type, fref, f_type == "shared" and fref is not None,
                               ftext, _attr(f_attrs, "si"), start, fend, end, attrs, True))
        return out if len(out) == self._count_f(lo, hi) else None

    def _count_f(self, lo: int, hi: int) -> int:
        tag = f"<{self.p}f"
        return sum(self.text.count(tag + after, lo, hi) for after in (" ", ">", "/", "\t", "\n", "\r"))

    def _formula_cells_slow(self) -> list[FormulaCell]:
        out = []
        for (r, col), (start, end, _attrs, inner) in sorted(self._all_cells().items(),
                                                             key=lambda kv: kv[1][0]):
            f = self._f_re.search(inner)
            if f is None:
                continue
            text = f.group(2) or ""
            if "&" in text:
                text = xml_unescape(text)
            f_attrs = f.group(1)
            f_type, ref = _attr(f_attrs, "t"), _attr(f_attrs, "ref")
            out.append(FormulaCell(r, col, f_type, ref, f_type == "shared" and ref is not None, text,
                                   _attr(f_attrs, "si"), start, -1, end, _attrs))
        return out

    def _all_rows(self) -> list[_Row]:
        if self._rows is not None:
            return self._rows
        lo, hi = self._body()
        rows: list[_Row] = []
        if lo >= 0:
            close = f"</{self.p}row>"
            prev = 0
            pos = lo
            while True:
                m = self._row_re.search(self.text, pos, hi)
                if m is None:
                    break
                r = int(_attr(m.group(1), "r") or prev + 1)
                prev = r
                if m.group(2):
                    rows.append(_Row(r, m.start(), m.end(), m.end(), m.group(1), True))
                    pos = m.end()
                    continue
                end = self.text.find(close, m.end(), hi)
                if end < 0:
                    raise XlmodelError("worksheet", self.part, "well-formed rows (<row>…</row>)")
                rows.append(_Row(r, m.start(), m.end(), end + len(close), m.group(1), False))
                pos = end + len(close)
        self._rows = rows
        return rows

    def _all_cells(self) -> dict[tuple[int, int], tuple[int, int, str, str]]:
        """(row, col) → (start, end, attrs, inner) of every ``<c>`` element (a second, full pass)."""
        if self._cells is not None:
            return self._cells
        out: dict[tuple[int, int], tuple[int, int, str, str]] = {}
        for row in self._all_rows():
            if row.closed:
                continue
            prev_col = 0
            for m in self._cell_re.finditer(self.text, row.open_end, row.end):
                ref = _CELL_R.search(m.group(1))
                col = col_number(ref.group(1)) if ref else prev_col + 1
                prev_col = col
                out[(row.r, col)] = (m.start(), m.end(), m.group(1), m.group(2) or "")
        self._cells = out
        return out

    def cell_part(self, key: tuple[int, int]) -> tuple[str, str] | None:
        """(attributes, content) of the cell at ``key`` = (row, col), or None if the part has none."""
        start = self.formula_index().get(key)
        if start is not None:
            m = self._cell_re.match(self.text, start)
            if m is not None:
                return m.group(1), m.group(2) or ""
        found = self._all_cells().get(key)
        return None if found is None else found[2:]

    def formula_index(self) -> dict[tuple[int, int], int]:
        """(row, col) → start of its ``<c>`` for every formula cell (from the scan)."""
        if self._findex is None:
            self._findex = {(fc.row, fc.col): fc.start for fc in self.formula_cells() if fc.start >= 0}
        return self._findex

    def has_formula(self, key: tuple[int, int]) -> bool:
        """Is there a formula cell at ``key`` (from the scan, no further pass)?"""
        return key in (self._findex if self._findex is not None else self.formula_index())

    def cell_parts(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str]]:
        """(row, col) → (attributes, content) of those ``wanted`` cells the part has."""
        wanted = set(wanted)
        found: dict[tuple[int, int], tuple[str, str]] = {}
        for fc in self.formula_cells():
            key = (fc.row, fc.col)
            if key in wanted and fc.start >= 0:
                m = self._cell_re.match(self.text, fc.start)
                if m is not None:
                    found[key] = (m.group(1), m.group(2) or "")
        if len(found) < len(wanted):
            cells = self._all_cells()
            for key in wanted - set(found):
                if key in cells:
                    found[key] = cells[key][2:]
        return found

    @property
    def rows(self) -> list[tuple[int, str, int, int, list[_Cell]]]:
        """[(row number, row attrs, start, end, [cells])]: the whole sheet, for older callers."""
        cells = self._all_cells()
        by_row: dict[int, list[_Cell]] = {}
        for (r, c), (start, end, attrs, inner) in cells.items():
            by_row.setdefault(r, []).append(_Cell(c, self.text[start:end], attrs, inner))
        return [(row.r, row.attrs, row.start, row.end, by_row.get(row.r, [])) for row in self._all_rows()]

    def cached_errors(self, udf_prefix: str = "#VALUE! ") -> list[tuple[int, int, str, str]]:
        """Formula cells whose cached value is an error: (row, col, code, message).

        Besides ``t="e"`` values this finds the ``#VALUE! <message>`` text an xlwings UDF leaves
        in a cell (``udf_prefix``; a classic UDF cannot return a real error value).
        """
        out = []
        for (r, col), (attrs, inner) in sorted(self.cell_parts(
                (fc.row, fc.col) for fc in self.formula_cells()).items()):
            v = self._v_re.search(inner)
            if v is None:
                continue
            t = _attr(attrs, "t")
            value = xml_unescape(v.group(1))
            if t == "e":
                out.append((r, col, value, ""))
            elif t == "str" and value.startswith(udf_prefix):
                out.append((r, col, udf_prefix.strip(), value[len(udf_prefix):]))
        return out

    def cell_values(self) -> dict[tuple[int, int], str]:
        """Raw ``<v>`` text of every cell that has one (for tests and checks)."""
        out = {}
        for key, (_, _, _, inner) in self._all_cells().items():
            v = self._v_re.search(inner)
            if v:
                out[key] = v.group(1)
        return out

    def occupied(self) -> set[tuple[int, int]]:
        """Cells that hold a value or a formula (not just a style)."""
        marker = (f"<{self.p}v", f"<{self.p}f", f"<{self.p}is")
        return {key for key, (_, _, _, inner) in self._all_cells().items()
                if any(m in inner for m in marker)}

    # -- patching ----------------------------------------------------------------------------
    def patch(self, updates: dict[tuple[int, int], Update | Constant],
              clear: set[tuple[int, int]]) -> bytes:
        """The part with ``updates`` applied and the values of ``clear`` cells removed.

        Each changed ``<c>`` is replaced where it stands; a new cell is inserted after its
        left neighbour in the row (a new row before the next row); nothing else moves.
        """
        if not updates and not clear:
            return self.text.encode("utf-8")
        by_row: dict[int, dict[int, Update | Constant | None]] = {}
        for (r, c), u in updates.items():
            by_row.setdefault(r, {})[c] = u
        for r, c in clear:
            by_row.setdefault(r, {}).setdefault(c, None)
        p = self.p
        lo, _ = self._body()
        if lo < 0:  # <sheetData/>: no rows yet
            head = self.text[:self._sd_span[0]]
            tail = self.text[self._sd_span[1]:]
            body = "".join(self._new_row(r, by_row[r]) for r in sorted(by_row))
            return self._with_dimension(head + f"<{p}sheetData>{body}</{p}sheetData>" + tail, by_row)
        # Where each edited cell is: formula cells from the scan, others from the full pass.
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        edits: list[tuple[int, int, str]] = []   # (start, end, replacement), by position
        formulas = {(fc.row, fc.col): fc for fc in self.formula_cells()}
        fast = self._fast_formula
        for key, u in updates.items():
            fc = formulas.get(key)
            if fc is None or fc.start < 0:
                continue
            if type(u) is Update and u.array_ref is None and fc.fend >= 0:
                new = fast(fc, u.value)
                if new is not None:
                    if new:
                        edits.append((fc.start, fc.end, new))
                    by_row[key[0]].pop(key[1], None)
                    continue
            spans[key] = (fc.start, fc.end)
        for key in clear:
            fc = formulas.get(key)
            if fc is not None and fc.start >= 0:
                spans[key] = (fc.start, fc.end)
        missing = [k for k in list(updates) + list(clear) if k not in spans and k[1] in by_row.get(k[0], {})]
        if missing:
            cells = self._all_cells()
            for key in missing:
                if key in cells:
                    spans[key] = cells[key][:2]
        new_cells: dict[int, dict[int, Update | Constant | None]] = {}
        for r, row_edits in by_row.items():
            for c, u in row_edits.items():
                span = spans.get((r, c))
                if span is None:
                    if u is not None:
                        new_cells.setdefault(r, {})[c] = u
                    continue
                start, end = span
                m = self._cell_re.match(self.text, start)
                assert m is not None and m.end() == end
                cell = _Cell(c, m.group(0), m.group(1), m.group(2) or "")
                new = self._cell(cell, r, c, u)
                if new != cell.text:
                    edits.append((start, end, new))
        if new_cells:
            edits += self._insertions(new_cells)
        edits.sort(key=lambda e: (e[0], e[1]))
        pieces: list[str] = []
        pos = 0
        for start, end, new in edits:
            pieces.append(self.text[pos:start])
            pieces.append(new)
            pos = end
        pieces.append(self.text[pos:])
        for key in updates:  # the dimension counts every written cell, fast path included
            by_row.setdefault(key[0], {})[key[1]] = updates[key]
        return self._with_dimension("".join(pieces), by_row)

    def patch_formula_values(self, cells: Iterable[FormulaCell], values: Iterable[Any]) -> bytes | None:
        """The part with new cached values for existing formula cells, in one splice pass.

        ``cells``: formula cells from :meth:`formula_cells` in document order, ``values`` their
        values in the same order; no array range changes, no new cells (the dimension stays).
        None when a cell is not of the simple kind (``<f>`` then at most a ``<v>``) or not in
        document order: the caller then uses :meth:`patch`.
        """
        cells_, next_value = cells, iter(values).__next__
        # The new part is encoded in chunks as it is built: a million small pieces alive at once
        # (and the whole text again before encoding) was the refresh's peak memory.
        chunks: list[bytes] = []

        def flush() -> None:
            chunks.append("".join(pieces).encode("utf-8"))
            pieces.clear()

        text, p, close = self.text, self.p, self._close_c
        v_open, v_close, n_close, head_off = f"<{p}v>", f"</{p}v>", len(close), 2 + len(p)
        c_open = f"<{p}c"
        pieces: list[str] = []
        append = pieces.append
        pos = 0
        for fc in cells_:
            start, fend, end, attrs, simple = fc[7:]  # one slice: the hot loop
            if fend < 0 or start < pos:
                return None
            rest = text[fend:end - n_close]
            if rest and not simple and not (rest.startswith(v_open[:-1]) and rest.count("<") <= 2
                                            and "extLst" not in rest):
                return None
            value = next_value()
            if type(value) is float and value == value and value not in (_INF, _NINF):
                t = None
                v = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
            else:
                t, v = encode_value(value)
            typed = " t=" in attrs or "\tt=" in attrs or "\nt=" in attrs
            if not typed and not t:  # the attributes stay: only the value is spliced in
                v_text = f"{v_open}{v}{v_close}" if v is not None else ""
                if rest != v_text:
                    append(text[pos:fend])
                    append(v_text)
                    pos = end - n_close
                    if len(pieces) >= _CHUNK_PIECES:
                        flush()
                continue
            new_attrs = _del_attr(attrs, "t") if typed else attrs
            if t:
                new_attrs = f'{new_attrs} t="{t}"'
            v_text = f"{v_open}{v}{v_close}" if v is not None else ""
            if new_attrs is attrs and rest == v_text:
                continue  # the same value: the cell stays as it is
            append(text[pos:start])
            append(c_open)
            append(new_attrs)
            append(text[start + head_off + len(attrs):fend])  # ">" … "<f>…</f>", as written
            append(v_text)
            append(close)
            pos = end
        if not pieces and not chunks:
            return text.encode("utf-8")
        append(text[pos:])
        flush()
        return b"".join(chunks)

    def _fast_formula(self, fc: FormulaCell, value: Any) -> str | None:
        """The ``<c>`` of a formula cell with a new cached value, spliced from its own text;
        "" when nothing changes, None when the cell is not of the simple kind (then the
        general path rewrites it): content ``<f>…</f>`` then at most a ``<v>``."""
        start, fend, end = fc.span
        text, p = self.text, self.p
        close = self._close_c
        rest = text[fend:end - len(close)]
        if rest and not (rest.startswith(f"<{p}v") and rest.count("<") <= 2 and "extLst" not in rest):
            return None
        attrs = fc.attrs
        if type(value) is float and value == value and value not in (_INF, _NINF):
            t, v = None, _number(value)
        else:
            t, v = encode_value(value)
        old_attrs = attrs
        if " t=" in attrs or "\tt=" in attrs or "\nt=" in attrs:
            attrs = _del_attr(attrs, "t")
        if t:
            attrs = f'{attrs} t="{t}"'
        head = text[start + 2 + len(p) + len(old_attrs):fend]  # ">" … "<f>…</f>", as written
        v_text = f"<{p}v>{v}</{p}v>" if v is not None else ""
        new = f"<{p}c{attrs}{head}{v_text}{close}"
        return "" if new == text[start:end] else new

    def _insertions(self, new_cells: dict[int, dict[int, Update | Constant | None]]
                    ) -> list[tuple[int, int, str]]:
        """Edits that add cells the part does not have: into their row, or as new rows."""
        rows = {row.r: row for row in self._all_rows()}
        cells = self._all_cells()
        by_row_cells: dict[int, list[tuple[int, int]]] = {}
        for (r, c), (_start, end, _, _) in cells.items():
            by_row_cells.setdefault(r, []).append((c, end))
        order = sorted(rows)
        out: list[tuple[int, int, str]] = []
        pending: dict[int, list[str]] = {}   # position → new rows to insert there
        _, hi = self._body()
        for r, edits in sorted(new_cells.items()):
            row = rows.get(r)
            if row is None:
                text = self._new_row(r, edits)
                if not text:
                    continue
                i = bisect.bisect_right(order, r)
                at = rows[order[i]].start if i < len(order) else hi
                pending.setdefault(at, []).append(text)
                continue
            existing = sorted(by_row_cells.get(r, []))
            groups: dict[int, list[str]] = {}
            for c, u in sorted(edits.items()):
                text = self._cell(None, r, c, u)
                if not text:
                    continue
                before = [end for col, end in existing if col < c]
                at = before[-1] if before else row.open_end
                groups.setdefault(at, []).append(text)
            if not groups:
                continue
            if row.closed:  # <row r="5"/> becomes <row r="5">…</row>
                attrs = self._spans(row.attrs, [c for c in edits if edits[c] is not None])
                body = "".join(t for at in sorted(groups) for t in groups[at])
                out.append((row.start, row.end, f"<{self.p}row{attrs}>{body}</{self.p}row>"))
                continue
            for at, texts in groups.items():
                out.append((at, at, "".join(texts)))
            cols = [c for c, _ in existing] + [c for c in edits if edits[c] is not None]
            attrs = self._spans(row.attrs, cols)
            if attrs != row.attrs:
                out.append((row.start, row.open_end, f"<{self.p}row{attrs}>"))
        for at, texts in pending.items():
            out.append((at, at, "".join(texts)))
        return out

    @staticmethod
    def _spans(attrs: str, cols: list[int]) -> str:
        spans = _attr(attrs, "spans")
        if spans and cols and re.fullmatch(r"\d+:\d+", spans):
            lo, hi = (int(x) for x in spans.split(":"))
            new = f"{min(lo, *cols)}:{max(hi, *cols)}"
            if new != spans:
                return _set_attr(attrs, "spans", new)
        return attrs

    def _new_row(self, r: int, edits: dict[int, Update | Constant | None]) -> str:
        cells = "".join(self._cell(None, r, c, u) for c, u in sorted(edits.items()) if u is not None)
        return f'<{self.p}row r="{r}">{cells}</{self.p}row>' if cells else ""

    def _constant(self, cell: _Cell | None, r: int, c: int, value: Any) -> str:
        p = self.p
        style = _attr(cell.attrs, "s") if cell is not None else None
        attrs = f' r="{address(r, c)}"' + (f' s="{style}"' if style else "")
        if value is None or value == "":
            return f"<{p}c{attrs}/>" if style else ""
        if isinstance(value, bool):
            return f'<{p}c{attrs} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
        if isinstance(value, int | float):
            t, v = encode_value(float(value))
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
                t, v = encode_value(u.value)
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
        t, v = encode_value(u.value)
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
    return encode_text(s)


def encode_value(value: Any) -> tuple[str | None, str | None]:
    """(t attribute, <v> text) for a cached value.

    >>> encode_value(2.0), encode_value(True), encode_value(CellError("#CIRC!")), encode_value("a<b")
    ((None, '2'), ('b', '1'), ('e', '#VALUE!'), ('str', 'a&lt;b'))
    >>> encode_value("linje 1\\r\\nlinje 2")  # a carriage return as Excel writes it
    ('str', 'linje 1_x000D_\\nlinje 2')
    """
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
        formula = xml_unescape(raw)
        new = fn(formula)
        if new == formula:
            return m.group(0)
        return f"<{m.group(1) or ''}f{m.group(2)}>{xml_escape(new)}</{m.group(1) or ''}f>"

    return _F_ANY.sub(one, text).encode("utf-8")
