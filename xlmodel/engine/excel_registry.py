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

import collections
import importlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xlmodel.ooxml.addresses import parse_range

#: The modules, in the order they register (a later one may override an earlier one's name).
MODULES = ("excel_aggregates", "excel_stats", "excel_engineering", "excel_lookups",
           "excel_dates", "excel_finance")


@dataclass(frozen=True)
class Rewrite:
    """One rewrite of formula text for the engine: ``apply(text)`` → new text (or ``text``).

    ``needles``: byte strings of which at least one must occur in a sheet part before
    ``trigger`` is searched there (``bytes in`` is a fast scan; a regex starting with an
    alternation is not): empty, the trigger alone decides.
    """

    name: str
    trigger: re.Pattern[bytes]
    apply: Callable[[str], str]
    needles: tuple[bytes, ...] = ()

    def wanted(self, data: bytes) -> bool:
        """Does this rewrite apply to the sheet part ``data``?"""
        if self.needles and not any(n in data for n in self.needles):
            return False
        return self.trigger.search(data) is not None


class GuardedWorkbook:
    """The formualizer workbook as the Excel-exactness modules register on it.

    Two rules for every function registered through it:

    * **A later registration of a name replaces the earlier one** (formualizer refuses a second
      ``register_function`` of a name with a RuntimeError): a family module's version wins over
      excel_functions' older one, whatever order they were written in.
    * **A callback that raises anything but an Excel error is recorded, never trusted.**
      formualizer turns an exception into ``#VALUE!``, so ``IFERROR(F(x),7)`` would show 7, a
      wrong number.  The guard returns ``#N/IMPL!`` and notes the function in :attr:`failed`;
      the refresh then keeps Excel's cached value in every cell whose formula calls it
      (xlmodel.engine.keep, ``broken``) and says why.

    Everything else is the workbook's own (attribute access is passed through).
    """

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        self._lock = threading.Lock()   # callbacks may run on formualizer's worker threads
        self.failed: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wb, name)

    def register_function(self, name: str, fn: Callable[..., Any], *, min_args: int = 0,
                          max_args: int | None = None, allow_override_builtin: bool = False) -> None:
        call = self._guarded(name, fn)
        try:
            self._wb.register_function(name, call, min_args=min_args, max_args=max_args,
                                       allow_override_builtin=allow_override_builtin)
        except RuntimeError:   # registered before (by an earlier module): this one replaces it
            self._wb.unregister_function(name)
            self._wb.register_function(name, call, min_args=min_args, max_args=max_args,
                                       allow_override_builtin=allow_override_builtin)

    def _guarded(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        from xlmodel.engine.excel_coerce import ExcelError, error

        base = base_name(name)

        def call(*args: Any) -> Any:
            try:
                return fn(*args)
            except ExcelError as e:
                return error(e.kind)
            except Exception as e:  # a bug in xlmodel's version: recorded, the cells kept
                with self._lock:
                    self.failed.setdefault(base, f"{type(e).__name__}: {e}")
                return error("NImpl")

        call.__name__ = getattr(fn, "__name__", base)
        call.__doc__ = getattr(fn, "__doc__", None)
        return call

    def broken(self) -> re.Pattern[str] | None:
        """A pattern finding a call of any function whose version failed, None if none did."""
        if not self.failed:
            return None
        names = "|".join(re.escape(n) for n in sorted(self.failed, key=len, reverse=True))
        return re.compile(rf"(?<![\w.])(?:_xlfn\.|_xlws\.)*({names})\s*\(", re.IGNORECASE)


_OWN_PREFIX = re.compile(r"^(?:_XLFN\.|_XLWS\.)*(?:_XLMODEL(?:_AGGR_|\.LIFT\.|\.|_))?", re.I)


def base_name(registered: str) -> str:
    """The Excel function a registered name stands for (the formula in the file calls that).

    >>> base_name("_xlfn.NORM.DIST"), base_name("_XLMODEL.LIFT.NORM.DIST"), base_name("_XLMODEL_AGGR_SUM")
    ('NORM.DIST', 'NORM.DIST', 'SUM')
    """
    return _OWN_PREFIX.sub("", registered).upper()


def _modules() -> list[Any]:
    return [importlib.import_module(f"xlmodel.engine.{name}") for name in MODULES]


def rewrites() -> tuple[Rewrite, ...]:
    """Every module's rewrites, in module order."""
    return tuple(rw for module in _modules() for rw in getattr(module, "REWRITES", ()))


def sheet_rewrite(data: bytes) -> Callable[[str], str] | None:
    """The composed rewrite for one sheet part, None when no rewrite's trigger is in it."""
    chosen = [rw.apply for rw in rewrites() if rw.wanted(data)]
    if not chosen:
        return None

    def apply(text: str) -> str:
        for fn in chosen:
            text = fn(text)
        return text

    return apply


_NO_DIGITS = str.maketrans("", "", "0123456789$")
_CALL = re.compile(r"(?<![\w.])(?:_xlfn\.|_xlws\.|_xludf\.)*([A-Za-z][\w.]*)\s*\(")
_LAST_CALLED: list[Any] = [None, {}]   # (the formulas mapping, its counts): one scan per workbook


def called(formulas: Mapping[str, Iterable[Any]]) -> Mapping[str, int]:
    """How many formula cells call each function (upper case, ``_xlfn.`` dropped).

    A shared formula's anchor counts every cell it fills.  The texts are grouped by shape first
    (digits and ``$`` dropped: ``A2*1.013`` and ``A3*1.013`` are one), so a model of 100,000
    formulas of a few shapes is searched a few times, not 100,000.  The last workbook's counts
    are kept, so every family module asks at the cost of one scan.

    >>> class F:
    ...     f_type, ref, text = "shared", "A1:A10", "DATE(YEAR(A1),1,1)+_xlfn.DAYS(B1,C1)"
    >>> sorted(called({"S": [F()]}).items())
    [('DATE', 10), ('DAYS', 10), ('YEAR', 10)]
    """
    if _LAST_CALLED[0] is formulas:
        return _LAST_CALLED[1]
    texts = [getattr(fc, "text", None) or "" for cells in formulas.values() for fc in cells]
    # the shapes of all texts at C speed: one join, one translate, one split, one count
    shapes = collections.Counter("\n".join(texts).translate(_NO_DIGITS).split("\n"))
    for cells in formulas.values():
        for fc in cells:
            ref = getattr(fc, "ref", None)
            if ref and ":" in ref and getattr(fc, "f_type", None) == "shared" and fc.text:
                try:
                    r1, c1, r2, c2 = parse_range(ref)
                except ValueError:
                    continue
                shapes[fc.text.translate(_NO_DIGITS)] += (r2 - r1 + 1) * (c2 - c1 + 1) - 1
    counts: dict[str, int] = {}
    for shape, weight in shapes.items():
        if "(" not in shape:
            continue
        for name in {m.group(1).upper() for m in _CALL.finditer(_unquoted(shape))}:
            counts[name] = counts.get(name, 0) + weight
    _LAST_CALLED[:] = [formulas, counts]
    return counts


_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _unquoted(text: str) -> str:
    return _QUOTED.sub('""', text) if '"' in text else text


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Let every module register its functions on ``wb``."""
    for module in _modules():
        module.register(wb, formulas, date1904=date1904)
