"""Headless recalculation of workbooks (no Excel): formualizer computes, xlmodel writes.

The engine calls what it is handed: ``compute(pkg, ps, functions)``, ``refresh(src, dst,
params, functions=…)`` and ``evaluate(path, params, functions=…)`` in
:mod:`xlmodel.engine.formualizer_engine` take the function table
(:class:`~xlmodel.engine.functions.FunctionTable`) and the workbook's own parameter handling
(``active_set``, ``write_parameters``) as arguments; the engine imports no face.

With the catalogue's functions and xlmodel's Parametre table, use the Excel face::

    from xlmodel.excel.headless import refresh, evaluate
    report = refresh("model.xlsx", params="aftale-2014")   # in place, atomically
    report.cells_computed, report.error_cells               # [(sheet, cell, error, message)]
    values = evaluate("model.xlsx")                         # {(sheet, "A1"): value}, nothing written

See docs/engine.md for the layers.
"""

from xlmodel.engine.formualizer_engine import phase_timings, write_values
from xlmodel.engine.functions import NO_FUNCTIONS, EngineFunction, FunctionTable
from xlmodel.engine.types import CellError, ErrorCell, RefreshReport

__all__ = ["NO_FUNCTIONS", "CellError", "EngineFunction", "ErrorCell", "FunctionTable", "RefreshReport",
           "phase_timings", "write_values"]
