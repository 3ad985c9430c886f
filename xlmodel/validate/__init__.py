"""Validate a workbook from the file alone: ``validate(path) -> Report``.

The engine loads the workbook once (:func:`~xlmodel.validate.book.load_book`, no Excel
needed) and runs the checks listed in :data:`CHECKS`.  A check is a function
``(book: LoadedBook, params: ParameterSet | None) -> list[Finding]``; :data:`CHECKS` maps its
name to ``"module:function"`` and is imported only when the check runs, so a check module
may import this package freely.  To add a check module (recompute, parameters), add one
line here or call :func:`register`.

>>> import tempfile, os
>>> from openpyxl import Workbook
>>> wb = Workbook(); ws = wb.active
>>> ws["A1"], ws["A2"], ws["A3"] = 100, "=A1*1.013", "=A2+1"
>>> path = os.path.join(tempfile.mkdtemp(), "eksempel.xlsx"); wb.save(path)
>>> report = validate(path, checks=["hardcoded_number"])
>>> report.findings[["check", "severity", "sheet", "cell", "actual"]].to_dict("records")
[{'check': 'hardcoded_number', 'severity': 'warning', 'sheet': 'Sheet', 'cell': 'A2', 'actual': 1.013}]
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import types
from collections.abc import Callable, Iterable
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet, resolve
from xlmodel.validate.addresses import split_cell
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet, load_book
from xlmodel.validate.findings import COLUMNS, SEVERITIES, Finding, Report

CheckFunction = Callable[[LoadedBook, ParameterSet | None], list[Finding]]

# name → "module:function".  Order is the order the checks run and report in.
CHECKS: dict[str, str] = {
    "hardcoded_number": "xlmodel.validate.checks.hardcoded_number:hardcoded_numbers",
    "inconsistent_formula": "xlmodel.validate.checks.inconsistent_formula:inconsistent_formulas",
    "error_value": "xlmodel.validate.checks.error_value:error_values",
    "empty_reference": "xlmodel.validate.checks.empty_reference:empty_references",
    "circular_reference": "xlmodel.validate.checks.circular_reference:circular_references",
    "number_as_text": "xlmodel.validate.checks.number_as_text:numbers_as_text",
    "approximate_lookup": "xlmodel.validate.checks.approximate_lookup:approximate_lookups",
    "manual_calculation": "xlmodel.validate.checks.manual_calculation:manual_calculation",
    "uncalculated": "xlmodel.validate.checks.uncalculated:uncalculated",
    "footing": "xlmodel.validate.checks.footing:footing",
    "sum_range": "xlmodel.validate.checks.sum_range:sum_ranges",
    "parameters": "xlmodel.validate.checks.parameters:parameters",
    "recompute": "xlmodel.validate.checks.recompute:recompute",
}

#: Groups of checks a user can name instead of (or beside) single checks: ``--checks lint``.
#: A group is a list of check names; ``alle`` is every registered check.
GROUPS: dict[str, tuple[str, ...]] = {
    "lint": ("hardcoded_number", "inconsistent_formula", "error_value", "empty_reference",
             "circular_reference", "number_as_text", "approximate_lookup", "manual_calculation",
             "uncalculated"),
    "totaler": ("footing", "sum_range"),
    "model": ("parameters", "recompute"),
}

_LOADED: dict[str, CheckFunction] = {}


def register(name: str, target: str | CheckFunction) -> None:
    """Add or replace a check: ``target`` is ``"module:function"`` or the function itself."""
    if not isinstance(name, str) or not name.isidentifier():
        raise XlmodelError("name", name, "a check name such as 'recompute'")
    if callable(target):
        _LOADED[name] = target
        CHECKS[name] = f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', name)}"
        return
    if not isinstance(target, str) or target.count(":") != 1:
        raise XlmodelError("target", target, "'module:function' or a function")
    _LOADED.pop(name, None)
    CHECKS[name] = target


def check_function(name: str) -> CheckFunction:
    """The function behind a check name (imported on first use)."""
    if name not in CHECKS:
        raise XlmodelError("checks", name, allowed_checks())
    found = _LOADED.get(name)
    if found is None:
        module, _, function = CHECKS[name].partition(":")
        found = _LOADED[name] = getattr(importlib.import_module(module), function)
    return found


def allowed_checks() -> str:
    """What ``checks`` may name, for help texts and error messages: groups, then checks.

    >>> allowed_checks().startswith("en gruppe (alle, lint: hardcoded_number")
    True
    """
    groups = ", ".join(["alle", *(f"{g}: {' '.join(n)}" for g, n in GROUPS.items())])
    return f"en gruppe ({groups}) eller kontrollernes navne: {', '.join(CHECKS)}"


def expand_checks(checks: Iterable[str] | str | None) -> list[str]:
    """Check names (groups expanded, duplicates dropped, in the given order), or all for None.

    ``checks``: a name, a comma-separated text (``"lint,recompute"``) or a list of names.

    >>> expand_checks("totaler,recompute")
    ['footing', 'sum_range', 'recompute']
    >>> expand_checks(["lint"])[:2]
    ['hardcoded_number', 'inconsistent_formula']
    """
    if checks is None:
        return list(CHECKS)
    raw = [checks] if isinstance(checks, str) else list(checks)
    names: list[str] = []
    for item in raw:
        for name in (part.strip() for part in str(item).split(",")):
            if name in ("alle", "all"):
                names.extend(CHECKS)
            elif name in GROUPS:
                names.extend(n for n in GROUPS[name] if n in CHECKS)
            elif name in CHECKS:
                names.append(name)
            else:
                raise XlmodelError("checks", name or item, allowed_checks())
    if not names:
        raise XlmodelError("checks", checks, allowed_checks())
    return list(dict.fromkeys(names))


_selected = expand_checks


def validate(path: str | os.PathLike[str] | LoadedBook,
             params: str | os.PathLike[str] | ParameterSet | None = None,
             checks: Iterable[str] | str | None = None) -> Report:
    """Run the checks on a workbook and return a :class:`Report` (findings as a DataFrame).

    ``path``: an .xlsx/.xlsm file (or a book already loaded with :func:`load_book`).
    ``params``: the parameter set the workbook should follow (name, file or set); None lets
    each check use its default.  ``checks``: names from :data:`CHECKS` (default: all).
    """
    names = _selected(checks)
    params_set = resolve(params) if params is not None else None
    unreadable: tuple[tuple[str, str], ...] = ()
    if isinstance(path, LoadedBook):
        book = path
    else:
        from xlmodel.ooxml.package import Package

        # the file is read, checked (the pre-open safety check, on the very bytes) and inflated
        # once; the lint checks and the recompute's engine both read this one package
        package = Package.read(path)
        unreadable = package.info.unreadable if package.info is not None else ()
        book = load_book(package)
    # A sheet that could not be read is a finding, never "no findings" for a workbook half-checked.
    findings: list[Finding] = [
        Finding("unreadable_sheet", "error", sheet, None,
                f"arket {sheet!r} kunne ikke læses ({why}), så det er ikke kontrolleret; "
                "gem projektmappen igen i Excel")
        for sheet, why in unreadable]
    timings: dict[str, float] = {}
    for name in names:
        start = time.perf_counter()
        found = check_function(name)(book, params_set)
        timings[name] = time.perf_counter() - start
        for item in found:
            if not isinstance(item, Finding):
                raise TypeError(f"check {name!r} returned {type(item).__name__}, not Finding")
        findings.extend(found)
    findings.sort(key=lambda f: _place(book, f, names))
    report = Report.from_findings(findings, path=book.path, checks=tuple(names))
    report.timings = timings
    return report


def _place(book: LoadedBook, finding: Finding, names: list[str]) -> tuple[int, int, int, int, int]:
    """Sort key: severity, then sheet order, row and column of the (first) cell, then check."""
    rank = SEVERITIES.index(finding.severity)
    order = names.index(finding.check) if finding.check in names else len(names)
    sheet = next((s.index for s in book.sheets if s.name == finding.sheet), -1)
    try:
        row, col = split_cell((finding.cell or "").split(":")[0].split(",")[0])
    except XlmodelError:
        row = col = 0
    return rank, sheet, row, col, order


def checks_available() -> list[str]:
    return list(CHECKS)


class _CallableModule(types.ModuleType):
    """Lets ``xlmodel.validate(path)`` work as the issue writes it, beside
    ``xlmodel.validate.validate(path)``: calling the package calls :func:`validate`."""

    def __call__(self, path: Any, params: Any = None, checks: Any = None) -> Report:
        return validate(path, params, checks)


sys.modules[__name__].__class__ = _CallableModule


__all__ = [
    "CHECKS", "COLUMNS", "GROUPS", "SEVERITIES", "CheckFunction", "ExcelError", "Finding", "LoadedBook",
    "Report", "Sheet", "allowed_checks", "check_function", "checks_available", "expand_checks", "load_book",
    "register", "validate",
]
