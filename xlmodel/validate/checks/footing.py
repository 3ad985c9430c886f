"""Footing: do totals equal the sum of their parts?

Published tables are rounded line by line, so a printed total may differ from the sum of its
printed lines by up to ½ per line, and in practice by a unit or so.  Tabel 1 of the 2014
agreement is the model case: the six expense lines add to 346,744 against a printed 346,745
[aftale: Aftale 2014, tabel 1].  A difference within ``tolerance_per_line`` (default ±1 per
summed line, in the unit of the table) is an ``info`` finding classified **afrunding**; a
larger one is an ``error``.

Checks for a workbook (``(book, params) -> list[Finding]``):

* ``footing``: every plain ``=SUM(...)`` formula, its cached total against the sum of the
  cached values it covers (a mismatch means stale values: manual calculation, or a file
  edited by a program that does not calculate), and every *typed* total, a number in a row
  labelled "i alt"/"total"/"sum", against the numbers above it up to the previous total
  (of-which rows, "heraf", are not summed).
* ``sum_range`` (its own module, :mod:`xlmodel.validate.checks.sum_range`): a SUM over a
  column (or row) block that stops one cell short of the block or starts one cell late
  (``error``: a line is left out), or that takes in the header (``warning``: harmless while
  the header is text).

And for tables given as data: :func:`footing_table` (the parameter set's printed tables, e.g.
``tabel1``) and :func:`footing_cells` (a total cell and its part cells in a workbook).

>>> classify_footing(346745, [230541, 19368, 65299, 12635, 18071, 830])
FootingResult(status='afrunding', total=346745.0, parts_sum=346744.0, difference=1.0, tolerance=6.0, lines=6)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from xlmodel import balance
from xlmodel.balance import _NOISE
from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, Table, resolve
from xlmodel.tekst import format_tal, format_vaerdi
from xlmodel.validate.addresses import MAX_COL, a1, block, sheet_prefix, split_cell
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet
from xlmodel.validate.findings import Finding
from xlmodel.validate.formulas import Token
from xlmodel.validate.references import Ref

# A code-like name (``pl.samlet``, ``udgifter_i_alt``) is a key, not a row label of a table.
IDENTIFIER = re.compile(r"[A-Za-z_]\w*[._][\w.\[\]]*")
TOTAL_LABEL = re.compile(r"\bi\s+alt\b|\btotal\b|\bsum\b|\bsamlet\b|\bialt\b", re.I)
MEMO_LABEL = re.compile(r"^\W*(heraf|deraf|hvoraf|of which)\b", re.I)


# ------------------------------------------------------------------------ classification ----
@dataclass(frozen=True)
class FootingResult:
    """The outcome of comparing a total with its parts.

    ``status``: ``"OK"`` (equal up to floating-point noise), ``"afrunding"`` (within
    ``tolerance``) or ``"fejl"`` (larger).  ``difference`` is total − sum of parts.
    """

    status: str
    total: float
    parts_sum: float
    difference: float
    tolerance: float
    lines: int


def classify_footing(printed: float, parts: Sequence[float] | np.ndarray,
                     tolerance_per_line: float = 1.0) -> FootingResult:
    """Classify a total against its parts: ok, afrunding (|difference| ≤ tolerance_per_line ×
    number of parts) or fejl.  [antagelse: ±1 per line, in the table's unit, as DOMAIN.md
    sets it for Tabel 1; a parameter here.]

    The rule itself is :func:`xlmodel.balance.footing`; this wraps it as a record.

    >>> classify_footing(-350545, [-255007, -75479, -12635, -7424]).status
    'OK'
    >>> classify_footing(100, [10, 20, 30]).status
    'fejl'
    """
    values = np.asarray(list(parts) if not isinstance(parts, np.ndarray) else parts)
    r = balance.footing(printed, values, tolerance_per_line)  # the rule lives in xlmodel.balance
    return FootingResult(r["status"], r["printed"], r["computed"], r["difference"], r["tolerance"],
                         r["n_parts"])


def _finding(result: FootingResult, sheet: str | None, cell: str | None, what: str,
             formula: str | None = None) -> Finding | None:
    if result.status == "OK":
        return None
    def tal(x: float) -> str:
        return format_vaerdi(x, aar=False)

    shown = ("+" if result.difference > 0 else "") + tal(result.difference)
    if result.status == "afrunding":
        message = (f"afrunding: {what} {tal(result.total)} afviger fra summen af sine "
                   f"{format_tal(result.lines, 0)} dele, {tal(result.parts_sum)}, med {shown}, inden for "
                   f"afrundingstolerancen ±{tal(result.tolerance)} (±{tal(result.tolerance / result.lines)} "
                   "pr. linje): delene er afrundet hver for sig")
        severity = "info"
    else:
        message = (f"totalen passer ikke: {what} {tal(result.total)} afviger fra summen af sine "
                   f"{format_tal(result.lines, 0)} dele, {tal(result.parts_sum)}, med {shown}, mere end "
                   f"afrunding (±{tal(result.tolerance)})")
        severity = "error"
    return Finding("footing", severity, sheet, cell, message, expected=result.parts_sum,
                   actual=result.total, difference=result.difference, formula=formula)


# ---------------------------------------------------------------------------- SUM formulas ----
def _is_number(value: Any) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value)


def _is_sum(key: str) -> bool:
    return key[:5].upper() == "=SUM("


def _plain_sum_refs(book: LoadedBook, sheet: Sheet, form: int) -> list[Ref] | None:
    """The references of a formula that is exactly ``=SUM(ref, ref, …)``, else None."""
    if not book.forms[form].upper().startswith("=SUM("):
        return None
    info = book.structure(form)
    toks = [t for t in info.tokens if t.type != Token.WSPACE]
    if (len(toks) < 3 or toks[0].type != Token.FUNC or toks[0].value.upper() != "SUM("
            or toks[-1].type != Token.FUNC or toks[-1].subtype != Token.CLOSE):
        return None
    inner = toks[1:-1]
    if any(t.type == Token.FUNC for t in inner):
        return None
    operands = inner[0::2]
    separators = inner[1::2]
    if any(t.type != Token.SEP or t.subtype != Token.ARG for t in separators):
        return None
    if any(t.type != Token.OPERAND or t.subtype != Token.RANGE for t in operands):
        return None
    refs = [u.ref for u in info.refs]
    for name, _, _ in info.names:
        ref = book.name_ref(name, sheet)
        if ref is None:
            return None
        refs.append(ref)
    if len(refs) != len(operands) or any(r.external for r in refs):
        return None
    return refs


def _values_in(sheet: Sheet, r1: int, c1: int, r2: int, c2: int) -> list[float] | None:
    """The numbers SUM would add in one rectangle: cached numbers, not text or booleans;
    None when a cell holds an error value (the SUM is then an error, not a total)."""
    keys = sheet.occupied.inside(r1, c1, r2, c2)
    out = []
    for key in keys.tolist():
        value = sheet.values.get((key // (MAX_COL + 1), key % (MAX_COL + 1)))
        if isinstance(value, ExcelError):
            return None
        if _is_number(value):
            out.append(float(value))
    return out


#: Fixed-size ranges up to this many cells are footed for a whole group of cells at once.
_BULK_AREA = 256


def _numbers(sheet: Sheet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sheet's cells as sorted keys (row × (MAX_COL+1) + col) with each one's number
    (NaN for anything SUM skips) and whether it is an error value; built once per sheet."""
    found = sheet.__dict__.get("_footing_numbers")
    if found is None:
        cells = np.fromiter(chain.from_iterable(sheet.values), np.int64, 2 * len(sheet.values)).reshape(-1, 2)
        keys = cells[:, 0] * (MAX_COL + 1) + cells[:, 1]
        items = list(sheet.values.values())
        nan = np.nan
        values = np.fromiter((v if type(v) is float else float(v) if _is_number(v) else nan for v in items),
                             float, len(items))
        values[~np.isfinite(values)] = nan  # what SUM skips; _is_number refuses inf and NaN
        errors = np.fromiter((isinstance(v, ExcelError) for v in items), bool, len(items))
        order = np.argsort(keys)
        found = sheet.__dict__["_footing_numbers"] = (keys[order], values[order], errors[order])
    return found


def _not_plainly_equal(book: LoadedBook, sheet: Sheet, refs: list[Ref], rows: np.ndarray,
                       cols: np.ndarray) -> np.ndarray:
    """Which SUM cells of one form need the cell-by-cell footing: all, except those whose cached
    total equals the sum of its cached parts beyond doubt (half the noise margin of
    :func:`xlmodel.balance.footing`, so float rounding in the bulk sum cannot hide a finding).

    Only fixed-size ranges are summed in bulk; any other shape keeps every cell.
    """
    keep = np.ones(len(rows), bool)
    totals = np.array([sheet.values.get(k) for k in zip(rows.tolist(), cols.tolist(), strict=True)],
                      dtype=object)
    total = np.array([float(v) if _is_number(v) else np.nan for v in totals], float)
    computed = np.zeros(len(rows))
    magnitude = np.zeros(len(rows))
    count = np.zeros(len(rows), np.int64)
    for ref in refs:
        target = book.find_sheet(ref.sheet, default=sheet)
        if target is None:
            return keep
        r1, c1, r2, c2 = ref.resolve(rows, cols)
        height, width = r2 - r1, c2 - c1
        if not len(rows) or not ((height == height[0]).all() and (width == width[0]).all()):
            return keep
        if (int(height[0]) + 1) * (int(width[0]) + 1) > _BULK_AREA:
            return keep
        keys, values, errors = _numbers(target)
        if not len(keys):
            continue
        for dr in range(int(height[0]) + 1):
            for dc in range(int(width[0]) + 1):
                q = (r1 + dr) * (MAX_COL + 1) + (c1 + dc)
                pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
                hit = keys[pos] == q
                if (hit & errors[pos]).any():
                    return keep  # an error value inside: the careful path decides
                v = np.where(hit, values[pos], np.nan)
                number = ~np.isnan(v)
                computed += np.where(number, v, 0.0)
                magnitude += np.abs(np.where(number, v, 0.0))
                count += number
    scale = np.maximum(1.0, np.maximum(np.abs(total), magnitude))
    with np.errstate(invalid="ignore"):
        plain = (count > 0) & ~np.isnan(total) & (np.abs(total - computed) <= 0.5 * _NOISE * scale)
    return ~plain


def footing(book: LoadedBook, params: ParameterSet | None = None, *,
            tolerance_per_line: float = 1.0) -> list[Finding]:
    """``footing``: SUM formulas and typed totals against the sum of their parts.

    Needs cached values: a formula without one is skipped (the ``uncalculated`` lint check
    says so once).
    """
    out: list[Finding] = []
    for sheet, form, rows, cols in book.groups(_is_sum):
        refs = _plain_sum_refs(book, sheet, form)
        if refs is None:
            continue
        keep = _not_plainly_equal(book, sheet, refs, rows, cols)
        for row, col in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
            total = sheet.values.get((row, col))
            if not _is_number(total):
                continue
            parts: list[float] = []
            ok = True
            for ref in refs:
                target = book.find_sheet(ref.sheet, default=sheet)
                if target is None:
                    ok = False
                    break
                r1, c1, r2, c2 = (int(x[0]) for x in ref.resolve(np.array([row]), np.array([col])))
                found_values = _values_in(target, r1, c1, r2, c2)
                if found_values is None:
                    ok = False
                    break
                parts.extend(found_values)
            if not ok or not parts:
                continue
            found = _finding(classify_footing(total, parts, tolerance_per_line), sheet.name, a1(row, col),
                             "den gemte total", sheet.formula(row, col))
            if found is not None:
                out.append(found)
    out.extend(_typed_totals(book, tolerance_per_line))
    return out


def _row_label(sheet: Sheet, row: int, before: int, column: int | None = None) -> str | None:
    """The label of a row: the text in ``column`` if given, else the nearest text left of ``before``."""
    if column is not None:
        value = sheet.values.get((row, column))
        return value if isinstance(value, str) and not isinstance(value, ExcelError) else None
    for col in range(before - 1, max(0, before - 30), -1):
        value = sheet.values.get((row, col))
        if isinstance(value, str) and not isinstance(value, ExcelError):
            return value
    return None


def _typed_totals(book: LoadedBook, tolerance_per_line: float) -> list[Finding]:
    """Typed totals: a number (not a formula) in a row whose label reads as a total."""
    out = []
    for sheet in book.sheets:
        labels = [(r, c, t) for r, c, t in sheet.texts if TOTAL_LABEL.search(t) and not MEMO_LABEL.search(t)
                  and not IDENTIFIER.fullmatch(t.strip())]
        for row, label_col, label in labels:
            for col in range(label_col + 1, label_col + 30):
                total = sheet.values.get((row, col))
                if not _is_number(total) or sheet.is_formula(row, col):
                    continue
                parts, cells = [], []
                k = row - 1
                while k >= 1:
                    text = _row_label(sheet, k, col, label_col)
                    value = sheet.values.get((k, col))
                    if text is not None and MEMO_LABEL.search(text):
                        k -= 1
                        continue  # an of-which line: not a part
                    if not _is_number(value) or (text is not None and TOTAL_LABEL.search(text)):
                        break
                    parts.append(float(value))
                    cells.append(k)
                    k -= 1
                if len(parts) < 2:
                    continue
                found = _finding(classify_footing(total, parts, tolerance_per_line), sheet.name,
                                 a1(row, col), f"den indtastede total '{label.strip()}'")
                if found is not None:
                    out.append(Finding(found.check, found.severity, found.sheet, found.cell,
                                       found.message + f" ({block(min(cells), col, max(cells), col)})",
                                       found.expected, found.actual, found.difference, None))
    return out


# ------------------------------------------------------------------- tables given as data ----
def footing_table(table: str | Table = "tabel1", params: str | ParameterSet | None = None, *,
                  tolerance_per_line: float = 1.0) -> list[Finding]:
    """Foot a printed table of the parameter set: each ``total`` row against its ``parts``.

    >>> [(f.severity, f.cell, f.difference) for f in footing_table("tabel1")]
    [('info', 'Udgifter i alt', 1.0)]
    """
    ps = resolve(params)
    tab = ps.table(table) if isinstance(table, str) else table
    if not isinstance(tab, Table):
        raise XlmodelError("table", table, "a table name of the parameter set, e.g. 'tabel1'")
    amounts = {row["key"]: float(row["amount"]) for row in tab.rows}
    out = []
    for row in tab.rows:
        if row["kind"] != "total" or not row.get("parts"):
            continue
        result = classify_footing(amounts[row["key"]], [amounts[p] for p in row["parts"]], tolerance_per_line)
        found = _finding(result, f"{tab.reference} ({ps.name})", row["label"],
                         f"den trykte total '{row['label']}' ({tab.unit})")
        if found is not None:
            out.append(found)
    return out


def footing_cells(book: LoadedBook, sheet: str, total: str, parts: str | Sequence[str], *,
                  tolerance_per_line: float = 1.0) -> list[Finding]:
    """Foot one typed total in a workbook: ``total`` cell against ``parts`` (a range such as
    ``"B2:B7"`` or a list of cells); empty or text part cells are refused, not read as 0."""
    ws = book.sheet(sheet)
    cells: list[tuple[int, int]] = []
    for part in [parts] if isinstance(parts, str) else list(parts):
        first, _, last = part.partition(":")
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last) if last else (r1, c1)
        cells += [(r, c) for r in range(min(r1, r2), max(r1, r2) + 1)
                  for c in range(min(c1, c2), max(c1, c2) + 1)]
    values = []
    for r, c in cells:
        value = ws.values.get((r, c))
        if not _is_number(value):
            raise XlmodelError("parts", f"{sheet_prefix(ws.name)}{a1(r, c)} = {value!r}",
                               "cells holding numbers (cached values)")
        values.append(float(value))
    tr, tc = split_cell(total)
    printed = ws.values.get((tr, tc))
    if not _is_number(printed):
        raise XlmodelError("total", f"{sheet_prefix(ws.name)}{total} = {printed!r}",
                           "a cell holding a number")
    found = _finding(classify_footing(printed, values, tolerance_per_line), ws.name, a1(tr, tc),
                     "totalen", ws.formula(tr, tc))
    return [] if found is None else [found]


__all__ = ["FootingResult", "classify_footing", "footing", "footing_cells", "footing_table"]
