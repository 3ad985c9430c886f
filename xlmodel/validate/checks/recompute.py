"""``recompute``: every workbook's cached values against one independent recalculation.

Every formula cell of every workbook with cached values is recalculated from the file alone by
the headless engine (formualizer for native formulas, the Python core for catalogue functions;
see docs/engine.md) and compared with the value the file shows.  A difference beyond the
tolerance (relative 1e-9 or absolute 1e-6) is an error: the number a reader sees is not what
the formulas give (a value typed over, a stale file saved without recalculating, another
parameter set) — a stale cached value is an audit finding.

What the engine cannot compute is not an error of the workbook: where the engine fails (an
Excel function or form it lacks), :mod:`xlmodel.engine.keep` keeps the cached value and says
why (:class:`~xlmodel.engine.keep.NotRecomputed`); each such block of cells is an ``info``
finding with that reason.  A formula calling a function whose value changes on every
calculation (TODAY, NOW, RAND, …) cannot be compared either: a difference there is ``info``,
and a difference elsewhere in such a workbook is a ``warning`` (it may come from them).

The engine runs once per loaded book (:func:`evaluation`); a workbook without cached values is
left to the ``uncalculated`` check.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from xlmodel.errors import XlmodelError
from xlmodel.parameters import ParameterSet
from xlmodel.tekst import format_eksakt, format_tal
from xlmodel.validate.addresses import a1, block, in_block, regions, split_cell
from xlmodel.validate.book import ExcelError, LoadedBook
from xlmodel.validate.findings import Finding

REL_TOL = 1e-9
ABS_TOL = 1e-6
CHECK = "recompute"
MAX_FINDINGS = 500

#: Functions whose value depends on the moment or chance (or the file's place), not on the
#: workbook: a cached value of theirs cannot be checked by recalculating.
VOLATILE = re.compile(r"(?<![\w.])(?:_xlfn\.)?(TODAY|NOW|RAND|RANDBETWEEN|RANDARRAY|CELL|INFO)\s*\(",
                      re.IGNORECASE)


def evaluation(book: LoadedBook, params: ParameterSet | None) -> Any:
    """The engine's recalculation of the book's package (``Computed``), once per book and set.

    The file was read and checked once by :func:`xlmodel.validate.validate` (``book.package``);
    a book loaded on its own is read (and checked) here.  The workbook's own Parametre table
    (by its marker) is used as it stands — the ``parameters`` check compares it with the set —
    and the catalogue functions use the set.
    """
    from xlmodel.parameters import resolve

    ps = resolve(params)
    cache = book.__dict__.setdefault("_evaluations", {})
    if ps.name not in cache:
        cache[ps.name] = _compute(book, ps)
    return cache[ps.name]


def _compute(book: LoadedBook, ps: ParameterSet) -> Any:
    """The one call into the engine (the excel face hands it the catalogue's function table)."""
    from xlmodel.excel.headless import compute
    from xlmodel.ooxml.package import Package
    from xlmodel.validate.checks.parameters import book_parameter_set

    package = book.package if book.package is not None else Package.read(book.path)
    return compute(package, ps, active_set=lambda _pkg, ps: book_parameter_set(book, ps))


def _same(cached: Any, fresh: Any) -> bool:
    if isinstance(cached, bool) or isinstance(fresh, bool):
        return bool(cached) == bool(fresh) if type(cached) is type(fresh) else False
    if isinstance(cached, int | float) and isinstance(fresh, int | float):
        return math.isclose(float(cached), float(fresh), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    cached_error = isinstance(cached, ExcelError)
    fresh_error = fresh.__class__.__name__ == "CellError"
    if cached_error or fresh_error:  # an error equals only the same error code (never "" or a number)
        return cached_error and fresh_error and _code(cached) == _code(getattr(fresh, "code", fresh))
    return (cached or "") == (fresh or "")


def _code(error: Any) -> str:
    """``#VALUE!`` from an error value or its text (``"#VALUE! til_aar: …"``); ``""`` when empty.

    >>> _code("#VALUE! til_aar: 2020 is not allowed"), _code("")
    ('#VALUE!', '')
    """
    words = str(error).split()
    return words[0] if words else ""


def recompute(book: LoadedBook, params: ParameterSet | None) -> list[Finding]:
    """``recompute`` (error / warning / info): see the module's docstring."""
    if not book.formula_count or not book.has_cached_values:
        return []

    try:
        computed = evaluation(book, params)
    except XlmodelError as exc:  # the engine cannot load this file: say so, the lint results stand
        return [Finding(CHECK, "info", None, None,
                        f"genberegningen kunne ikke køre på denne fil ({exc}): de gemte værdier er ikke "
                        "kontrolleret")]
    found = _not_recomputed(book, computed.kept)
    volatile = any(VOLATILE.search(book.forms[form]) for form in range(len(book.forms)))
    differences = 0
    sheets: dict[str, Any] = {}
    isclose = math.isclose
    for (sheet_name, row, col), value in computed.values.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            sheet = sheets[sheet_name] = book.find_sheet(sheet_name)
        if sheet is None:
            continue
        cached = sheet.values.get((row, col))
        if type(cached) is float and type(value) is float:  # the common case, as _same decides it
            if cached == value or isclose(cached, value, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                continue
        elif _same(cached, value):
            continue
        formula = sheet.formula(row, col)
        own = formula is not None and VOLATILE.search(formula) is not None
        severity = "info" if own else "warning" if volatile else "error"
        diff = (float(cached) - float(value) if isinstance(cached, int | float)
                and isinstance(value, int | float) and not isinstance(cached, bool) else None)
        why = (" (formlen bruger en funktion, hvis værdi skifter ved hver beregning)" if own else
               " (projektmappen bruger funktioner som TODAY eller RAND, hvis værdi skifter: "
               "afvigelsen kan komme derfra)" if volatile else
               ": en forældet eller overskrevet værdi (genberegnet fra filen med xlmodels beregner og kerne)")
        found.append(Finding(CHECK, severity, sheet_name, a1(row, col),
                             f"filen viser {format_eksakt(cached)}, men formlen giver {format_eksakt(value)}"
                             + why,
                             expected=value if not hasattr(value, "code") else str(value.code),
                             actual=cached, difference=diff, formula=formula))
        differences += 1
        if differences >= MAX_FINDINGS:
            found.append(Finding(CHECK, "info", None, None,
                                 f"mere end {format_tal(MAX_FINDINGS, 0)} celler afviger: resten er ikke "
                                 "vist"))
            break
    return found


def _not_recomputed(book: LoadedBook, kept: list[Any]) -> list[Finding]:
    """One info finding per block of cells the engine could not compute, with the reason."""
    by_reason: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for item in kept:
        try:
            row, col = split_cell(item.cell)
        except XlmodelError:  # an address the engine made up: skip it, never crash
            continue
        by_reason.setdefault((item.sheet, item.reason), []).append((row, col))
    out = []
    for (sheet_name, reason), cells in by_reason.items():
        sheet = book.find_sheet(sheet_name)
        rows = np.array([c[0] for c in cells], np.int64)
        cols = np.array([c[1] for c in cells], np.int64)
        for q in regions(rows, cols):
            n = int(in_block(rows, cols, q).sum())
            what = "cellen" if n == 1 else f"de {format_tal(n, 0)} celler"
            out.append(Finding(CHECK, "info", sheet_name, block(*q),
                               f"{what} er ikke genberegnet ({reason}): den gemte værdi er beholdt og ikke "
                               "kontrolleret",
                               formula=sheet.formula(q[0], q[1]) if sheet is not None else None))
    return out
