"""The lint group: nine checks of formulas and cells for any workbook, from the file alone.

Each check is one module of :mod:`xlmodel.validate.checks`; they read one
:class:`~xlmodel.validate.book.LoadedBook` (:func:`load_book`).  The group itself is
``xlmodel.validate.GROUPS["lint"]``; this module re-exports the pieces older code imports from here.

The checks (each ``(book, params) -> list[Finding]``; ``params`` is not used by lint):

- ``hardcoded_number`` (warning): numeric literals in formulas, outside
  :data:`ALLOWED_NUMBERS` and outside arguments that are constants by convention
  (:data:`CONSTANT_ARGUMENTS`, e.g. ROUND's digits).
- ``inconsistent_formula`` (warning): a formula differing (in R1C1 form) from the majority
  of a run of ≥ 3 formulas in its row or column; ``info`` when the odd one is at the end of
  the run (often a first year or a total).
- ``error_value`` (error): a cached Excel error (#REF!, #DIV/0!, …) or ``#REF!`` written in
  a formula; ``info`` when the error only follows from an error in a cell it refers to.
- ``empty_reference`` (warning): a formula referring to an empty cell (a range only when
  all of it is empty); not inside ISBLANK, COUNTA, ROW and the like.
- ``circular_reference`` (error): each cycle of the dependency graph once, with its cells;
  ``warning`` when the workbook enables iterative calculation.
- ``number_as_text`` (warning, or info for a bare whole number among text): a text cell
  that reads as a number (see :func:`number_from_text`).
- ``approximate_lookup`` (warning): VLOOKUP/HLOOKUP without a FALSE/0 4th argument, MATCH
  without a 0 match type; XLOOKUP and XMATCH default to exact match.
- ``manual_calculation`` (warning): the workbook is set to manual calculation.
- ``uncalculated`` (info): formulas without cached values (the file was never calculated),
  so value-based checks could not run.
"""

from __future__ import annotations

from xlmodel.validate.addresses import (
    EXCEL_ERRORS,
    MAX_COL,
    MAX_ROW,
    a1,
    block,
    col_letters,
    covers,
    regions,
    sheet_prefix,
    split_cell,
)
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet, load_book
from xlmodel.validate.checks.circular_reference import CYCLE_EDGE_BUDGET
from xlmodel.validate.checks.empty_reference import EMPTY_OK_FUNCTIONS
from xlmodel.validate.checks.hardcoded_number import ALLOWED_NUMBERS, CONSTANT_ARGUMENTS
from xlmodel.validate.checks.number_as_text import number_from_text
from xlmodel.validate.formulas import FormInfo, analyse_formula
from xlmodel.validate.references import Ref, form_key, parse_ref, to_r1c1

__all__ = [
    "ALLOWED_NUMBERS", "CONSTANT_ARGUMENTS", "CYCLE_EDGE_BUDGET", "EMPTY_OK_FUNCTIONS", "EXCEL_ERRORS",
    "MAX_COL", "MAX_ROW", "ExcelError", "FormInfo", "LoadedBook", "Ref", "Sheet", "a1",
    "analyse_formula", "block", "col_letters", "covers", "form_key", "load_book", "number_from_text",
    "parse_ref", "regions", "sheet_prefix", "split_cell", "to_r1c1",
]
