"""The headless face of the catalogue: the function table the engine gets, and the calls with it.

The engine (:mod:`xlmodel.engine`) imports no face: it calls what it is handed.  This module
builds that table from the catalogue — every function's name, arity, result kind and the
adapter's callback bound to a parameter set, the Danish wording of a refusal, formualizer's
error kinds — and offers ``refresh``, ``evaluate`` and ``compute`` with it, the calls the
command line, the macros, the model builder and the tests use.

>>> "PL_FAKTOR" in function_table(resolve(None)).names()
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlmodel.engine import formualizer_engine as fe
from xlmodel.engine.functions import EngineFunction, FunctionTable
from xlmodel.engine.types import RefreshReport
from xlmodel.excel import catalogue, workbook_sheets
from xlmodel.excel.cells import FORMUALIZER_KINDS, cell_message, engine_callback, prepare_engine
from xlmodel.ooxml.package import Package
from xlmodel.parameters import ParameterSet, resolve  # noqa: F401  (resolve: the doctest)


def function_table(ps: ParameterSet) -> FunctionTable:
    """The catalogue's functions bound to ``ps``, as the engine registers them.

    Nothing heavy is imported here: :func:`~xlmodel.excel.cells.prepare_engine` (pandas, the
    core modules) runs as the table's ``prepare``, which the engine calls only for a workbook
    that calls a catalogue function.
    """
    return FunctionTable(
        functions=tuple(EngineFunction(fn.name, len(fn.required), len(fn.args),
                                       engine_callback(fn.name, ps), fn.result)
                        for fn in catalogue.functions()),
        message=cell_message,
        error_kinds=FORMUALIZER_KINDS,
        prepare=lambda: prepare_engine(ps),
    )


def compute(pkg: Package, ps: ParameterSet,
            active_set: fe.ActiveSet = workbook_sheets.sheet_parameter_set) -> fe.Computed:
    """:func:`xlmodel.engine.formualizer_engine.compute` with the catalogue's functions and the
    workbook's own Parametre table (:mod:`xlmodel.excel.workbook_sheets`; validation, which has
    decoded the table's cells already, hands over its own reader of the same rule)."""
    return fe.compute(pkg, ps, function_table, active_set=active_set)


def refresh_package(pkg: Package, ps: ParameterSet, *, write_parameters: bool = False) -> RefreshReport:
    """:func:`xlmodel.engine.formualizer_engine.refresh_package` with the catalogue's functions."""
    writer = workbook_sheets.write_parameter_sheet if write_parameters else None
    return fe.refresh_package(pkg, ps, function_table, active_set=workbook_sheets.sheet_parameter_set,
                              write_parameters=writer)


def refresh(src: str | Path, dst: str | Path | None = None,
            params: str | ParameterSet | None = None) -> RefreshReport:
    """Recalculate ``src`` (catalogue calls included) and write it atomically to ``dst`` (None: in place).

    See :func:`xlmodel.engine.formualizer_engine.refresh`.
    """
    return fe.refresh(src, dst, params, functions=function_table,
                      active_set=workbook_sheets.sheet_parameter_set,
                      write_parameters=workbook_sheets.write_parameter_sheet)


def evaluate(path: str | Path, params: str | ParameterSet | None = None) -> dict[tuple[str, str], Any]:
    """The recomputed value of every formula cell of a workbook, unwritten (catalogue calls included)."""
    return fe.evaluate(path, params, functions=function_table, active_set=workbook_sheets.sheet_parameter_set,
                       write_parameters=workbook_sheets.write_parameter_sheet)
