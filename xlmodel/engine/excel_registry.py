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
import contextlib
import importlib
import operator
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from xlmodel.ooxml.addresses import col_number, parse_range

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


def formula_bytes(texts: Iterable[str]) -> bytes:
    """A sheet's formula texts as its part holds them, each as ``>text</f>`` on a line of its own.

    The triggers are searched here rather than in the whole part: a third of the bytes, and
    no attribute (whose quotes, spaces and digits are everywhere) can start a match.  The
    ``>`` and ``</f>`` around each text keep the triggers anchored at a formula's start or end
    working; ``&``, ``<`` and ``>`` are escaped as in the part.

    >>> formula_bytes(["SUM(B1:C1)", 'IF(A1<>"",1,2)'])
    b'>SUM(B1:C1)</f>\\n>IF(A1&lt;&gt;"",1,2)</f>'
    """
    from xlmodel.ooxml.values import xml_escape

    return (">" + xml_escape("\0".join(texts)).replace("\0", "</f>\n>") + "</f>").encode()


def sheet_rewrite(data: bytes, texts: Iterable[str] | None = None) -> Callable[[str], str] | None:
    """The composed rewrite for one sheet part, None when no rewrite's trigger is in it.

    ``texts``: the sheet's formula texts (the engine has them parsed already): the triggers are
    searched in :func:`formula_bytes` of them instead of the whole part ``data``.
    """
    if texts is not None:
        data = formula_bytes(texts)
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
_DIGIT_RUN = re.compile(r"\d+")
_TEXT, _F_TYPE = operator.attrgetter("text"), operator.attrgetter("f_type")


class Formula(NamedTuple):
    """A formula cell given by its text only (:func:`formulas_of`): one plain cell."""

    text: str
    f_type: str | None = None
    ref: str | None = None
    si: str | None = None
    shared_master: bool = False


def formulas_of(texts: Iterable[str]) -> dict[str, list[Formula]]:
    """Formula texts as a workbook's formulas (one sheet, one plain cell per text), for the
    helpers below.

    >>> called(formulas_of(["SUM(A1)", "SUM(B1)+MAX(C1)"]))["SUM"]
    2
    """
    return {"": [Formula(t) for t in texts]}


class _Scan:
    """One workbook's formula texts, grouped: what :func:`called` and :func:`cells_read` read.

    Every text counts the cells it fills: a shared formula's master counts itself and each of
    its followers (which have no text of their own; a master without any follower given counts
    the cells of its range).  The texts are grouped by *shape* (digits and ``$`` dropped:
    ``A2*1.013`` and ``A3*1.013`` are one), so a model of 100,000 formulas of a few shapes is
    searched a few times: the joins, translates and counts run at C speed; one Python pass over
    the cells picks out the shared formulas.  What only :func:`cells_read` needs (the distinct
    texts of a shape) is worked out when it is first asked for.
    """

    def __init__(self, formulas: Mapping[str, Iterable[Any]]) -> None:
        texts: list[str] = []
        shared: list[list[Any]] = []   # per sheet (no tuple per cell: they would wake the GC)
        for cells in formulas.values():
            cells = cells if isinstance(cells, list) else list(cells)
            try:   # FormulaCells: attribute reads at C speed
                here, kinds = list(map(_TEXT, cells)), list(map(_F_TYPE, cells))
            except AttributeError:   # other cell objects (tests, callers): one at a time
                here = [getattr(fc, "text", None) or "" for fc in cells]
                kinds = [getattr(fc, "f_type", None) for fc in cells]
            if None in here:
                here = [t or "" for t in here]
            texts.extend(here)
            if "shared" in kinds:
                shared.append([fc for fc, k in zip(cells, kinds, strict=True) if k == "shared"])
        self.texts = texts
        self.extra: list[tuple[str, int]] = []   # (a shared master's text, its followers' cells)
        for group in shared:
            masters = [fc for fc in group if fc.text]
            followers = collections.Counter([getattr(fc, "si", None) for fc in group if not fc.text])
            for fc in masters:
                n = followers.get(getattr(fc, "si", None), 0) or _cells(getattr(fc, "ref", None)) - 1
                if n:
                    self.extra.append((fc.text, n))
        self._names: dict[str, frozenset[str]] = {}
        self._called: dict[str, int] | None = None
        self._distinct: tuple[list[str], list[str], dict[str, int]] | None = None
        self._unknown: dict[str, bool] = {}

    def names(self, shape: str) -> frozenset[str]:
        """The functions a shape calls (upper case, prefixes dropped; none inside a string)."""
        found = self._names.get(shape)
        if found is None:
            found = frozenset(m.group(1).upper() for m in _CALL.finditer(_unquoted(shape))) \
                if "(" in shape else frozenset()
            self._names[shape] = found
        return found

    def called(self) -> dict[str, int]:
        if self._called is None:
            # the shapes of all texts at C speed: one join, one translate, one split, one count
            # (NUL is in no formula text)
            shapes = collections.Counter("\0".join(self.texts).translate(_NO_DIGITS).split("\0"))
            for text, n in self.extra:
                shapes[text.translate(_NO_DIGITS)] += n
            counts: dict[str, int] = {}
            for shape, weight in shapes.items():
                for name in self.names(shape):
                    counts[name] = counts.get(name, 0) + weight
            self._called = counts
        return self._called

    def distinct(self) -> tuple[list[str], list[str], dict[str, int]]:
        """The distinct texts in the order they first occur, their shapes, and the cells each
        fills."""
        if self._distinct is None:
            weights = collections.Counter(self.texts)
            weights.pop("", None)   # shared followers (counted with their master) and blanks
            for text, n in self.extra:
                weights[text] += n
            texts = list(weights)
            shapes = "\0".join(texts).translate(_NO_DIGITS).split("\0") if texts else []
            if len(shapes) != len(texts):   # a text holding NUL after all: one at a time
                shapes = [t.translate(_NO_DIGITS) for t in texts]
            self._distinct = texts, shapes, weights
        return self._distinct

    def calling(self, names: set[str]) -> dict[str, list[str]]:
        """The distinct texts of each shape that calls one of ``names``, in order."""
        texts, shapes, _ = self.distinct()
        wanted = {shape for shape in dict.fromkeys(shapes) if self.names(shape) & names}
        groups: dict[str, list[str]] = {}
        for text, shape in zip(texts, shapes, strict=True):
            if shape in wanted:
                groups.setdefault(shape, []).append(text)
        return groups

    def cost(self, text: str) -> int:
        """:func:`range_cells` of ``text``, its defined-name test answered once per digit form
        (the test does not depend on the digits' values)."""
        u = _prepared(text)
        key = _DIGIT_RUN.sub("0", u)
        unknown = self._unknown.get(key)
        if unknown is None:
            unknown = self._unknown[key] = _names_unknown_size(key)
        return UNKNOWN_SIZE if unknown else _ranges(u)


def _cells(ref: str | None) -> int:
    """The cells of an A1 range (1 for anything else)."""
    if not ref or ":" not in ref:
        return 1
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        return 1
    return (r2 - r1 + 1) * (c2 - c1 + 1)


class _Scope(threading.local):
    formulas: Mapping[str, Iterable[Any]] | None = None
    scan: _Scan | None = None


_SCOPE = _Scope()   # per thread: formualizer may run callbacks (and a server computes) elsewhere


@contextlib.contextmanager
def scanning(formulas: Mapping[str, Iterable[Any]]) -> Iterator[None]:
    """Within it, :func:`called` and :func:`cells_read` scan ``formulas`` once (the scan is
    kept for this thread only and dropped on exit, so no workbook's formulas outlive its
    registration).  ``formualizer_engine.compute`` registers every family inside one.

    >>> class F:
    ...     f_type, ref, text = None, None, "SUM(A1)"
    >>> formulas = {"S": [F()]}
    >>> with scanning(formulas):
    ...     called(formulas) is called(formulas)
    True
    >>> called(formulas) is called(formulas)
    False
    """
    if _SCOPE.formulas is formulas:   # nested (the registry inside the engine's): the same scan
        yield
        return
    before = (_SCOPE.formulas, _SCOPE.scan)
    _SCOPE.formulas, _SCOPE.scan = formulas, None
    try:
        yield
    finally:
        _SCOPE.formulas, _SCOPE.scan = before


def _scan(formulas: Mapping[str, Iterable[Any]]) -> _Scan:
    if _SCOPE.formulas is formulas:
        if _SCOPE.scan is None:
            _SCOPE.scan = _Scan(formulas)
        return _SCOPE.scan
    return _Scan(formulas)


def called(formulas: Mapping[str, Iterable[Any]]) -> Mapping[str, int]:
    """How many formula cells call each function (upper case, ``_xlfn.`` dropped).

    A shared formula's master counts every cell it fills (:class:`_Scan`).  Within
    :func:`scanning` every family module asks at the cost of one scan.

    >>> class F:
    ...     f_type, ref, text = "shared", "A1:A10", "DATE(YEAR(A1),1,1)+_xlfn.DAYS(B1,C1)"
    >>> sorted(called({"S": [F()]}).items())
    [('DATE', 10), ('DAYS', 10), ('YEAR', 10)]
    """
    return _scan(formulas).called()


#: What :func:`range_cells` counts for a defined name or table reference (size not in the text).
UNKNOWN_SIZE = 1 << 40


def cells_read(formulas: Mapping[str, Iterable[Any]], names: Iterable[str], *,
               budget: int) -> dict[str, int]:
    """The cells the formulas calling each of ``names`` read (:func:`range_cells` of each
    formula calling it, times the cells that formula fills), for the names the workbook calls.

    A cost gate for an override that reads whole ranges in Python: a name whose count is over
    ``budget`` is counted no further (its figure is then only "more than ``budget``"), and the
    scan stops once every name is over.  A workbook calling none of ``names`` costs nothing
    beyond :func:`called`.  The texts are taken a shape at a time; the defined-name test is
    made once per text with its digits blanked, the ranges once per distinct text.

    >>> f = formulas_of(["VLOOKUP(A1,D1:F100,2,0)", "VLOOKUP(A2,D1:F100,2,0)", "MATCH(1,Liste,0)"])
    >>> cells_read(f, ["VLOOKUP", "MATCH", "XLOOKUP"], budget=1000)["VLOOKUP"]
    600
    >>> cells_read(f, ["VLOOKUP", "MATCH"], budget=1000)["MATCH"] > 1000   # a name: size unknown
    True
    """
    scan = _scan(formulas)
    calls = scan.called()
    wanted = {n.upper() for n in names} & calls.keys()
    cost = dict.fromkeys(sorted(wanted), 0)
    if not wanted:
        return cost
    counting = set(wanted)
    weights = scan.distinct()[2]
    for shape, texts in scan.calling(wanted).items():
        here = counting & scan.names(shape)
        if not here:
            continue
        for text in texts:
            n = scan.cost(text) * weights[text]
            for name in here:
                total = cost[name] = cost[name] + n
                if total > budget:
                    counting.discard(name)
            here &= counting
            if not here:
                break
        if not counting:
            break   # every name over the budget: the answer is known
    return cost


def texts_calling(formulas: Mapping[str, Iterable[Any]], name: str) -> list[str]:
    """The distinct formula texts that call ``name`` (upper case, no prefix), in order.

    >>> texts_calling(formulas_of(["SUM(A1)", 'MAX(1)&"SUM("', "SUM(A1)"]), "SUM")
    ['SUM(A1)']
    """
    scan = _scan(formulas)
    if name not in scan.called():
        return []
    return [t for texts in scan.calling({name}).values() for t in texts]


# --- the cells a formula text reads (its A1 ranges) ----------------------------------------
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)\s*:\s*\$?([A-Z]{1,3})\$?(\d+)|"
                    r"(?<![\w.])\$?([A-Z]{1,3})\s*:\s*\$?([A-Z]{1,3})(?![\w(])|"
                    r"(?<![\w.$])\$?(\d+)\s*:\s*\$?(\d+)(?![\w.])")
_STRINGS = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'!')
_NAME = re.compile(r"(?<![\w.$!:])([A-Z_\\][\w.]*)(?![\w.]*\s*[(!])")
_CELL = re.compile(r"\$?[A-Z]{1,3}\$?\d+|[A-Z]{1,3}|_XLFN|_XLWS")
_ERROR_LITERAL = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|CALC!|SPILL!)")
_ETA_NAME = re.compile(r"_XLETA\.[\w.]+")


def _prepared(text: str) -> str:
    """``text`` upper case, strings and quoted sheet names blanked, error literals and eta
    lambdas (``_xleta.SUM``, a function given by name) written as constants: what is left
    names only cells, ranges, functions and defined names."""
    u = text.upper()
    if '"' in u or "'" in u:
        u = _STRINGS.sub('""', u)
    if "#" in u:
        u = _ERROR_LITERAL.sub("0", u)
    if "_XLETA." in u:
        u = _ETA_NAME.sub('""', u)
    return u


def _names_unknown_size(u: str) -> bool:
    """Does a prepared text name a defined name or a table (a size not in the text)?"""
    return any(not _CELL.fullmatch(name) and name not in ("TRUE", "FALSE")
               for name in _NAME.findall(u))


def _ranges(u: str) -> int:
    """The cells the A1 ranges of a prepared text cover (a whole column: 1,048,576 cells,
    a whole row: 16,384)."""
    if ":" not in u:
        return 0
    n = 0
    for m in _RANGE.finditer(u):
        if m.group(1):
            rows = abs(int(m.group(4)) - int(m.group(2))) + 1
            cols = abs(col_number(m.group(3)) - col_number(m.group(1))) + 1
            n += rows * cols
        elif m.group(5):
            n += 1_048_576 * (abs(col_number(m.group(6)) - col_number(m.group(5))) + 1)
        else:
            n += 16_384 * (abs(int(m.group(8)) - int(m.group(7))) + 1)
    return n


def range_cells(text: str) -> int:
    """The cells the A1 ranges of a formula text cover: a whole column counts 1,048,576, a
    whole row 16,384, a defined name or a table reference :data:`UNKNOWN_SIZE` (its size is
    not in the text).  Strings, error literals and eta lambdas read no cells.

    >>> range_cells('SUM(A1:B3,C:C)&"D1:D9"'), range_cells("SUM(2:3,#N/A)"), range_cells("SUM(Liste)")
    (1048582, 32768, 1099511627776)
    """
    u = _prepared(text)
    return UNKNOWN_SIZE if _names_unknown_size(u) else _ranges(u)


_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _unquoted(text: str) -> str:
    return _QUOTED.sub('""', text) if '"' in text else text


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Let every module register its functions on ``wb`` (the formulas scanned once)."""
    with scanning(formulas):
        for module in _modules():
            module.register(wb, formulas, date1904=date1904)
