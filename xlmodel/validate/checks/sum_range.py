"""``sum_range`` (error / warning): a SUM whose range is off by one against its block of numbers."""

from __future__ import annotations

from xlmodel.parameters import ParameterSet
from xlmodel.validate.addresses import a1
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet
from xlmodel.validate.checks.footing import _is_number, _is_sum, _plain_sum_refs
from xlmodel.validate.findings import Finding


def sum_ranges(book: LoadedBook, params: ParameterSet | None = None) -> list[Finding]:
    """``sum_range``: a SUM below (or right of) a block of numbers whose range is off by one.

    The block is the run of numbers and formulas ending right above the total (one empty
    spacer row allowed).  ``error`` when the range stops one cell short of the block's end,
    or starts one cell after a block that sits right under a text header (a year above the
    block, 1900–2100, is taken as a header and not reported); ``warning`` when the range
    takes in the text header above the block.
    """
    out = []
    for sheet, form, rows, cols in book.groups(_is_sum):
        refs = _plain_sum_refs(book, sheet, form)
        if refs is None or len(refs) != 1 or refs[0].single or refs[0].sheet is not None:
            continue
        ref = refs[0]
        a1s, b1s, a2s, b2s = (x.tolist() for x in ref.resolve(rows, cols))
        values = sheet.values
        for row, col, r1, c1, r2, c2 in zip(rows.tolist(), cols.tolist(), a1s, b1s, a2s, b2s, strict=True):
            if c1 == c2 == col and r2 < row:
                vertical, first, last, here = True, r1, r2, row
            elif r1 == r2 == row and c2 < col:
                vertical, first, last, here = False, c1, c2, col
            else:
                continue
            # a finding needs the range to end 2–3 cells before the total, or text two cells
            # before its first cell or in it (see _check_line): skip the walk otherwise
            if last not in (here - 2, here - 3):
                two_before, at_first = ((values.get((first - 2, col)), values.get((first, col))) if vertical
                                        else (values.get((row, first - 2)), values.get((row, first))))
                if not isinstance(two_before, str) and not isinstance(at_first, str):
                    continue
            found = _check_line(sheet, row, col, first, last, vertical=vertical)
            if found is not None:
                out.append(found)
    return out


def _check_line(sheet: Sheet, row: int, col: int, first: int, last: int, *, vertical: bool) -> Finding | None:
    """Compare the summed span [first, last] with the block of numbers before the total."""
    def at(k: int) -> tuple[int, int]:
        return (k, col) if vertical else (row, k)

    def numeric(k: int) -> bool:
        return k >= 1 and (sheet.is_formula(*at(k)) or _is_number(sheet.values.get(at(k))))

    def text(k: int) -> bool:
        value = sheet.values.get(at(k)) if k >= 1 else None
        return isinstance(value, str) and not isinstance(value, ExcelError) and not sheet.is_formula(*at(k))

    here = row if vertical else col
    bottom = here - 1
    if not numeric(bottom) and sheet.values.get(at(bottom)) is None and numeric(bottom - 1):
        bottom -= 1  # one empty spacer between the block and its total
    if not numeric(bottom):
        return None
    top = bottom
    while numeric(top - 1):
        top -= 1
    where = "kolonnen" if vertical else "rækken"
    step = "række" if vertical else "kolonne"

    def cell(k: int) -> str:
        return a1(*at(k))

    def fixed(lo: int, hi: int) -> str:  # the formula is a plain =SUM(range) here
        return f"=SUM({a1(*at(lo))}:{a1(*at(hi))})"

    formula = sheet.formula(row, col)
    if last == bottom - 1 and top <= first <= last:
        return Finding("sum_range", "error", sheet.name, a1(row, col),
                       f"SUM stopper én {step} for tidligt: {cell(bottom)}, det sidste tal i "
                       f"{where} {cell(top)}:{cell(bottom)}, er udeladt",
                       expected=fixed(first, bottom), actual=formula, formula=formula)
    skipped = sheet.values.get(at(top))
    is_year = _is_number(skipped) and float(skipped).is_integer() and 1900 <= float(skipped) <= 2100
    if first == top + 1 and last >= first and text(top - 1) and not is_year:
        return Finding("sum_range", "error", sheet.name, a1(row, col),
                       f"SUM begynder én {step} for sent: {cell(top)}, det første tal i "
                       f"{where} {cell(top)}:{cell(bottom)}, er udeladt",
                       expected=fixed(top, last), actual=formula, formula=formula)
    if first == top - 1 and text(first) and last >= top:
        return Finding("sum_range", "warning", sheet.name, a1(row, col),
                       f"SUM tager overskriften {cell(first)} ({sheet.values.get(at(first))!r}) med: "
                       "harmløst, så længe den er tekst, forkert hvis den bliver et tal (et årstal)",
                       expected=fixed(top, last), actual=formula, formula=formula)
    return None
