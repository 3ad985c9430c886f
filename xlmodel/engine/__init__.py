"""Headless recalculation of xlmodel workbooks (no Excel): formualizer computes, xlmodel writes.

Usage::

    from xlmodel.engine import refresh, evaluate
    report = refresh("model.xlsx", params="aftale-2014")   # in place, atomically
    report.cells_computed, report.error_cells               # [(sheet, cell, error, message)]
    values = evaluate("model.xlsx")                         # {(sheet, "A1"): value}, nothing written

See docs/engine.md for why the engine is formualizer and why xlmodel writes the values itself.
"""

from xlmodel.engine.formualizer_engine import compute, evaluate, refresh, write_values
from xlmodel.engine.types import CellError, ErrorCell, RefreshReport

__all__ = ["CellError", "ErrorCell", "RefreshReport", "compute", "evaluate", "refresh", "write_values"]
