"""Headless recalculation of workbooks (no Excel): formualizer computes, xlmodel writes.

The engine calls what it is handed: ``compute(pkg, ps, functions)``, ``refresh(src, dst,
params, functions=…)`` and ``evaluate(path, params, functions=…)`` in
:mod:`xlmodel.engine.formualizer_engine` take the function table
(:class:`~xlmodel.engine.functions.FunctionTable`) as an argument; the engine imports no face.

Usage, with the catalogue's table (built by the Excel face, :mod:`xlmodel.excel.headless`)::

    from xlmodel.engine import refresh, evaluate
    report = refresh("model.xlsx", params="aftale-2014")   # in place, atomically
    report.cells_computed, report.error_cells               # [(sheet, cell, error, message)]
    values = evaluate("model.xlsx")                         # {(sheet, "A1"): value}, nothing written

``refresh``, ``evaluate`` and ``compute`` here are those of the Excel face, resolved on first
use (so ``import xlmodel.engine`` loads no face).  See docs/engine.md for the layers.
"""

from typing import Any

from xlmodel.engine.formualizer_engine import phase_timings, write_values
from xlmodel.engine.functions import NO_FUNCTIONS, EngineFunction, FunctionTable
from xlmodel.engine.types import CellError, ErrorCell, RefreshReport

__all__ = ["NO_FUNCTIONS", "CellError", "EngineFunction", "ErrorCell", "FunctionTable", "RefreshReport",
           "compute", "evaluate", "phase_timings", "refresh", "write_values"]


def __getattr__(name: str) -> Any:
    """``refresh``/``evaluate``/``compute`` with the catalogue's functions, from the Excel face."""
    if name in ("refresh", "evaluate", "compute"):
        from xlmodel.excel import headless

        return getattr(headless, name)
    raise AttributeError(f"module 'xlmodel.engine' has no attribute {name!r}")
