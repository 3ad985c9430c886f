"""The Excel-exactness modules of the engine, and the rewrites they make on the engine's copy.

Each module listed in :data:`MODULES` gives the headless engine Excel's answer where formualizer
0.13's differs, for one family of functions, checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real).  A module offers two things:

- ``register(wb, formulas, *, date1904)``: registers its functions on the formualizer workbook
  (``allow_override_builtin=True`` where it replaces a built-in).  ``formulas``: the workbook's
  formula cells by sheet (``FormulaCell``: ``row``, ``col``, ``f_type``, ``text``), so a module
  can register an override only where a formula needs it: a Python callback per call costs
  about a microsecond per argument cell, so hot built-ins (SUM, IF, INDEX, VLOOKUP, SUMIFS…)
  are never overridden wholesale.
- ``REWRITES``: :class:`Rewrite` s of formula text, applied to the engine's in-memory copy
  before it is loaded (the file keeps the user's formula).  A rewrite lets a callback see what
  formualizer does not pass, such as whether an argument was a literal or a reference
  (``SUM(A1,"x")`` is #VALUE! in Excel, ``SUM(A1)`` with text in A1 is 0): the call is renamed
  to a function the module registers, with the facts it needs as extra arguments.

A rewrite's ``trigger`` is searched in the sheet part's bytes first, so a workbook that calls
none of the functions pays one byte scan per rewrite and sheet.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The modules, in the order they register (a later one may override an earlier one's name).
MODULES = ("excel_aggregates", "excel_stats", "excel_engineering", "excel_lookups",
           "excel_dates", "excel_finance")


@dataclass(frozen=True)
class Rewrite:
    """One rewrite of formula text for the engine: ``apply(text)`` → new text (or ``text``)."""

    name: str
    trigger: re.Pattern[bytes]
    apply: Callable[[str], str]


def _modules() -> list[Any]:
    return [importlib.import_module(f"xlmodel.engine.{name}") for name in MODULES]


def rewrites() -> tuple[Rewrite, ...]:
    """Every module's rewrites, in module order."""
    return tuple(rw for module in _modules() for rw in getattr(module, "REWRITES", ()))


def sheet_rewrite(data: bytes) -> Callable[[str], str] | None:
    """The composed rewrite for one sheet part, None when no rewrite's trigger is in it."""
    chosen = [rw.apply for rw in rewrites() if rw.trigger.search(data)]
    if not chosen:
        return None

    def apply(text: str) -> str:
        for fn in chosen:
            text = fn(text)
        return text

    return apply


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Let every module register its functions on ``wb``."""
    for module in _modules():
        module.register(wb, formulas, date1904=date1904)
