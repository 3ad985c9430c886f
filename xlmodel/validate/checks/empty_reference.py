"""``empty_reference`` (warning): a formula referring to an empty cell (a range: all of it empty)."""

from __future__ import annotations

from typing import Any

from xlmodel.tekst import format_tal
from xlmodel.validate.addresses import (
    MAX_COL,
    MAX_ROW,
    a1,
    block,
    in_block,
    regions,
)
from xlmodel.validate.book import LoadedBook, ref_uses, target_sheet
from xlmodel.validate.findings import Finding
from xlmodel.validate.references import ref_text

# References inside these functions are about the cell itself (is it blank? where is it?),
# so an empty target is intended.
EMPTY_OK_FUNCTIONS = frozenset({
    "ISBLANK", "COUNTA", "COUNTBLANK", "COUNT", "ROW", "ROWS", "COLUMN", "COLUMNS", "CELL",
    "OFFSET", "INDIRECT", "ISNUMBER", "ISTEXT", "ISERROR", "ISERR", "ISNA", "IFERROR", "IFNA",
    "ISFORMULA", "ISREF", "ISLOGICAL", "ISNONTEXT", "TYPE", "FORMULATEXT", "LEN", "SUBTOTAL",
    "AGGREGATE", "COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "AVERAGEIF", "AVERAGEIFS", "MAXIFS",
    "MINIFS", "INDEX", "MATCH", "XMATCH", "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP", "FILTER",
})


def empty_references(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``empty_reference`` (warning): a formula refers to an empty cell, or to a range that
    is empty in full.  A blank usually reads as 0, hiding a missing input.  References inside
    functions that test or locate cells (:data:`EMPTY_OK_FUNCTIONS`), and other uses of a
    reference so tested in the same formula, are not reported."""
    out = []
    for sheet, form, rows, cols, _ in book.skeleton_groups():
        uses = ref_uses(book, sheet, book.structure(form))
        # a reference tested by ISBLANK & co. is guarded everywhere in the formula:
        # =IF(ISBLANK(A3),0,A3) is fine
        guarded = {use.ref for use in uses if use.function in EMPTY_OK_FUNCTIONS}
        for use in uses:
            if use.ref in guarded:
                continue
            target = target_sheet(book, sheet, use.ref)
            if target is None:
                continue
            r1, c1, r2, c2 = use.ref.resolve(rows, cols)
            valid = (r1 >= 1) & (c1 >= 1) & (r2 <= MAX_ROW) & (c2 <= MAX_COL)
            if use.ref.single:
                empty = valid & ~target.occupied.contains(r1, c1)
            else:
                empty = valid & (target.occupied.count(r1, c1, r2, c2) == 0)
            if not empty.any():
                continue
            er, ec = rows[empty], cols[empty]
            for q in regions(er, ec):
                what = ref_text(use.ref, q[0], q[1])
                n = int(in_block(er, ec, q).sum())
                noun, nouns = ("celle", "celler") if use.ref.single else ("område", "områder")
                msg = (f"henviser til {'den tomme' if use.ref.single else 'det tomme'} {noun} {what}"
                       if n == 1 else
                       f"disse {format_tal(n, 0)} formler henviser til tomme {nouns} ({what} fra "
                       f"{a1(q[0], q[1])} og videre)")
                if use.name:
                    msg += f" gennem navnet {use.name}"
                out.append(Finding("empty_reference", "warning", sheet.name, block(*q),
                                   msg + ": en tom celle tæller som 0", actual=what,
                                   formula=sheet.formula(q[0], q[1])))
    return out
