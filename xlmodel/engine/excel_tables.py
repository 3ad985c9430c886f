"""Structured table references (``Sales[Amount]``, ``Sales[@Amount]``, ``[#Totals]``) for the engine.

An Excel table (``xl/tables/tableN.xml``, linked from its sheet) is a named range with a header
row, data rows and an optional totals row; a structured reference names a part of it (Microsoft:
"Using structured references with Excel tables").  formualizer 0.13's native loader does not
read the table parts at all (every structured reference is ``#NAME?``), and a table defined with
``Workbook.add_table`` makes every reference from a cell *inside* the table a cycle (its
dependency is the whole table), so the calculated columns and the totals row — where structured
references live — come out ``#CIRC!``.

A structured reference is only another spelling of a range, so :func:`register` rewrites each
formula that uses one into the same formula with A1 ranges (``SalesData[[#This Row],[Q1]:[Q4]]``
in row 2 → ``$C$2:$F$2``) and sets it on the engine's workbook.  Only the engine's copy changes;
the file keeps the user's formula.  A reference this module cannot translate (an unknown table
or column, ``#This Row`` outside the data rows, a legacy array formula) is left as it is: the
engine then fails and the refresh keeps Excel's value with the reason (xlmodel.engine.keep).
A workbook without table parts costs nothing.

Excel's rules used (Microsoft, "Using structured references with Excel tables"):

* ``Table[Col]`` and ``Table[[Col1]:[Col2]]`` are the data rows of the column(s); ``Table[]``
  and a reference with no column are all columns;
* the item specifiers ``#All`` (header, data and totals), ``#Data`` (the default), ``#Headers``,
  ``#Totals``, ``#This Row`` (``@``: the formula's own row); ``[#Headers],[#Data]`` and
  ``[#Data],[#Totals]`` combine;
* inside a table, a reference without a table name (``[Col]``) refers to that table;
* in a column name ``'`` escapes ``[ ] # '``; names are compared without regard to case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xlmodel.ooxml.addresses import col_letters, parse_range, quote_sheet, resolve_target

_TABLE_REL = "/table"
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class Table:
    """An Excel table: its sheet, its range, header and totals rows, its column names."""

    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]

    @property
    def data_rows(self) -> tuple[int, int]:
        """First and last data row."""
        return self.r1 + self.header_rows, self.r2 - self.totals_rows

    def column(self, name: str) -> int | None:
        """The sheet column of a table column (case-insensitive), else None."""
        low = name.lower()
        for k, col in enumerate(self.columns):
            if col.lower() == low:
                return self.c1 + k
        return None


def tables(pkg: Any) -> list[Table]:
    """The tables of every sheet of ``pkg`` (an :class:`xlmodel.ooxml.package.Package`)."""
    found = []
    for ref in pkg.sheets():
        for rel in pkg.relationships(ref.part):
            if not rel["Type"].endswith(_TABLE_REL) or rel["TargetMode"] == "External":
                continue
            part = resolve_target(ref.part, rel["Target"])
            if not pkg.has(part):
                continue
            table = _parse(pkg.get(part), ref.name)
            if table is not None:
                found.append(table)
    return found


def _parse(data: bytes, sheet: str) -> Table | None:
    from defusedxml.ElementTree import fromstring

    root = fromstring(data)
    name = root.get("displayName") or root.get("name")
    ref = root.get("ref")
    if not name or not ref:
        return None
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        return None
    cols = tuple(el.get("name", "") for el in root.iter(f"{_NS}tableColumn"))
    if len(cols) != c2 - c1 + 1:
        return None
    return Table(name, sheet, r1, c1, r2, c2, int(root.get("headerRowCount", "1")),
                 int(root.get("totalsRowCount", "0")), cols)


class Untranslatable(Exception):
    """A structured reference this module does not translate (the engine then keeps it)."""


# a table name (or none) followed by "[" outside a string literal
_START = re.compile(r'"(?:[^"]|"")*"|(?<![\w.\]])([A-Za-z_\\][\w.]*)?\[')


def translate(formula: str, sheet: str, row: int, col: int, by_name: Mapping[str, Table],
              on_sheet: Iterable[Table]) -> str:
    """``formula`` with every structured reference replaced by its A1 range.

    Raises :class:`Untranslatable` when a reference cannot be translated.

    >>> t = Table("Sales", "S", 1, 1, 4, 3, 1, 1, ("Year", "Q1", "Q2"))
    >>> translate("SUM(Sales[[#This Row],[Q1]:[Q2]])", "S", 2, 4, {"sales": t}, [t])
    "SUM('S'!$B$2:$C$2)"
    >>> translate("SUBTOTAL(109,[Q1])", "S", 4, 2, {"sales": t}, [t])
    "SUBTOTAL(109,'S'!$B$2:$B$3)"
    >>> print(translate('Sales[@Q2]*2&"[x]"', "S", 3, 4, {"sales": t}, [t]))
    'S'!$C$3*2&"[x]"
    """
    out, pos = [], 0
    while True:
        m = _START.search(formula, pos)
        if m is None:
            break
        if m.group(0).startswith('"'):
            out.append(formula[pos:m.end()])
            pos = m.end()
            continue
        end = _closing(formula, m.end() - 1)
        name = m.group(1)
        if name is None:
            table = next((t for t in on_sheet if t.r1 <= row <= t.r2 and t.c1 <= col <= t.c2), None)
        else:
            table = by_name.get(name.lower())
        if table is None:
            raise Untranslatable(f"no table for {formula[m.start():end]}")
        out.append(formula[pos:m.start()])
        out.append(_range(table, formula[m.end():end - 1], sheet, row))
        pos = end
    out.append(formula[pos:])
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """The index just past the ``]`` that closes the ``[`` at ``start`` (``'`` escapes)."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "'":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise Untranslatable(f"unclosed [ in {text}")


def _unescape(name: str) -> str:
    return re.sub(r"'(.)", r"\1", name).strip()


def _items(inner: str) -> list[str]:
    """The top-level items of a reference's inside: ``[#This Row],[Q1]:[Q4]`` → two items."""
    inner = inner.strip()
    if not inner.startswith("["):
        if inner.startswith("@"):  # @Col or @[Col] (this row, one column)
            rest = inner[1:].strip()
            return ["#This Row"] + ([rest[1:-1] if rest.startswith("[") else rest] if rest else [])
        return [inner] if inner else []
    items, i = [], 0
    while i < len(inner):
        if inner[i] in ", ":
            i += 1
            continue
        if inner[i] != "[":
            raise Untranslatable(inner)
        end = _closing(inner, i)
        item = inner[i + 1:end - 1]
        while inner[end:end + 1] == ":":  # [Col1]:[Col2]
            nxt = _closing(inner, end + 1)
            item = f"{item}]:[{inner[end + 2:nxt - 1]}"
            end = nxt
        items.append(item)
        i = end
    return items


_SPECIFIERS = ("#all", "#data", "#headers", "#totals", "#this row", "@")


def _range(table: Table, inner: str, sheet: str, row: int) -> str:
    specs, cols = set(), []
    for item in _items(inner):
        low = item.strip().lower()
        if low in _SPECIFIERS:
            specs.add("#this row" if low == "@" else low)
        else:
            cols.append(item)
    d1, d2 = table.data_rows
    if not specs or specs == {"#data"}:
        rows = (d1, d2)
    elif specs == {"#all"}:
        rows = (table.r1, table.r2)
    elif specs == {"#headers"} and table.header_rows:
        rows = (table.r1, table.r1)
    elif specs == {"#totals"} and table.totals_rows:
        rows = (table.r2, table.r2)
    elif specs == {"#headers", "#data"} and table.header_rows:
        rows = (table.r1, d2)
    elif specs == {"#data", "#totals"}:
        rows = (d1, table.r2)
    elif specs == {"#this row"} and d1 <= row <= d2:
        rows = (row, row)
    else:
        raise Untranslatable(f"specifiers {sorted(specs)} in row {row} of {table.name}")
    if not cols:
        c1, c2 = table.c1, table.c2
    elif len(cols) == 1:
        first, _, last = cols[0].partition("]:[")
        c1, c2 = table.column(_unescape(first)), table.column(_unescape(last or first))
        if c1 is None or c2 is None:
            raise Untranslatable(f"column {cols[0]} of {table.name}")
        c1, c2 = min(c1, c2), max(c1, c2)
    else:
        raise Untranslatable(f"columns {cols} of {table.name}")
    if rows[0] > rows[1]:
        raise Untranslatable(f"{table.name} has no data rows")
    prefix = quote_sheet(table.sheet) + "!"
    first = f"${col_letters(c1)}${rows[0]}"
    if (rows[0], c1) == (rows[1], c2):
        return prefix + first
    return f"{prefix}{first}:${col_letters(c2)}${rows[1]}"


def register(wb: Any, pkg: Any, formulas: Mapping[str, Iterable[Any]]) -> int:
    """Set on ``wb`` every formula of ``formulas`` the engine cannot read as written, rewritten.

    Two rewrites, both only in the engine: defined names formualizer omitted are written out
    (xlmodel.engine.excel_names.inline), then structured references become A1 ranges
    (:func:`translate`).  ``formulas``: the formula cells by sheet (``FormulaCell``: ``row``,
    ``col``, ``f_type``, ``text``; a shared formula's follower has no text of its own and is
    read from the engine).  Returns the number of formulas set.  Legacy array formulas are
    left to the engine; a formula either rewrite cannot handle is left as it is.
    """
    from xlmodel.engine import excel_lambda, excel_names, excel_refs

    found = tables(pkg)
    diagnostics = list(getattr(wb, "name_import_diagnostics", None) or [])
    lambdas, refs = _needs(pkg, formulas)
    if not found and not diagnostics and not lambdas and not refs:
        return 0
    if lambdas:
        excel_lambda.register(wb, date1904=bool(getattr(pkg, "date1904", False)))
    by_name = {t.name.lower(): t for t in found}
    done = 0
    for sheet, cells in formulas.items():
        on_sheet = [t for t in found if t.sheet == sheet]
        names = excel_names.omitted(diagnostics, sheet)
        words = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE) if names else None
        for fc in cells:
            if fc.f_type == "array":  # legacy and dynamic arrays: only lambdas, ROW/COLUMN
                text = (fc.text or "").removeprefix("=")
                new = text
                if lambdas and excel_lambda.present(new):
                    new = excel_lambda.rewrite(new) or new
                if refs and _ROW_COLUMN.search(new):
                    new = excel_refs.rewrite(new, _extent(fc.ref)) or new
                if new != text:
                    done += _set(wb, sheet, fc.row, fc.col, new, text)
                continue
            text = fc.text or (wb.get_formula(sheet, fc.row, fc.col) or "")
            text = text[1:] if text.startswith("=") else text
            new = text
            try:
                if lambdas and excel_lambda.present(new):
                    new = excel_lambda.rewrite(new) or new
                if words is not None and words.search(new):
                    new = excel_names.inline(new, fc.row, fc.col, names)
                    new = _engine_text(new)   # the inlined names' text gets the rewrites too
                if found and "[" in new:
                    new = translate(new, sheet, fc.row, fc.col, by_name, on_sheet)
            except (Untranslatable, excel_names.Unresolved):
                continue
            if new != text and _set(wb, sheet, fc.row, fc.col, new, text):
                done += 1
    return done


_ROW_COLUMN = re.compile(r"(?<![\w.])(?:ROW|COLUMN)\(", re.IGNORECASE)


def _engine_text(text: str) -> str:
    """``text`` with the Excel-exactness rewrites made (xlmodel.engine.excel_registry), as the
    engine's copy of a sheet has them (the intersection in a name: ``h`` = ``S!K4:K6 S!J5:L5``)."""
    from xlmodel.engine import excel_registry
    from xlmodel.ooxml.values import xml_escape

    exact = excel_registry.sheet_rewrite(xml_escape(text).encode())
    return exact(text) if exact else text


def _extent(ref: str | None) -> tuple[int, int] | None:
    """(rows, columns) of an array formula's range (``"AH12:AJ14"`` → (3, 3)), None if unknown."""
    try:
        r1, c1, r2, c2 = parse_range(ref if ref and ":" in ref else f"{ref}:{ref}")
    except (ValueError, TypeError):
        return None
    return r2 - r1 + 1, c2 - c1 + 1


def _needs(pkg: Any, formulas: Mapping[str, Iterable[Any]]) -> tuple[bool, bool]:
    """Does any formula hold a lambda (xlmodel.engine.excel_lambda), does any array formula call
    ROW or COLUMN (xlmodel.engine.excel_refs)?  A substring test over each sheet part's bytes
    first (Excel writes function names in capitals), so a plain workbook costs a byte scan; the
    formula cells are looked at only on a sheet that may have such an array formula."""
    lambdas = refs = False
    for ref in pkg.sheets():
        data = pkg.get(ref.part) if pkg.has(ref.part) else b""
        # Excel writes every lambda function with a prefix (_xlfn.LAMBDA, _xleta.SUM)
        lambdas = lambdas or (b"_xl" in data and (b"LAMBDA(" in data or b"_xleta." in data))
        if not refs and b'"array"' in data and (b"ROW(" in data or b"COLUMN(" in data):
            refs = any(fc.f_type == "array" and fc.text and _ROW_COLUMN.search(fc.text)
                       for fc in formulas.get(ref.name, ()))
    return lambdas, refs


def _set(wb: Any, sheet: str, row: int, col: int, new: str, old: str) -> bool:
    """Set the rewritten formula; if formualizer refuses it, the cell keeps the formula it had."""
    try:
        wb.set_formula(sheet, row, col, "=" + new)
        return True
    except Exception:  # formualizer's parser or name check refused the text: leave the cell
        try:
            if wb.get_formula(sheet, row, col) != "=" + old:
                wb.set_formula(sheet, row, col, "=" + old)
        except Exception:  # the original as loaded stays whatever the engine holds
            pass
        return False
