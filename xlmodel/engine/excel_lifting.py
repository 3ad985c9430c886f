"""Excel's array lifting for built-in functions that formualizer evaluates only once.

In Excel a function that takes one value, given a range or an array in an array formula
(``{=LEN(A1:A5)}`` or a dynamic-array ``=LEN(A1:A5)``), is applied to every element and returns
an array of the results (Microsoft: "Dynamic array formulas and spilled array behavior";
"Guidelines and examples of array formulas").  formualizer 0.13 lifts some built-ins this way
(SIN, ABS in a spill…) but not others: ``LEN(A1:A5)`` gives one number, ``NORM.S.DIST(A1:A5,1)``
one probability, for the first element only or for an empty value.  The real-workbook corpus
(tests/corpus_real, formulas__test.xlsx) shows 1,100+ cells wrong for that reason alone.

:func:`register` overrides each function of :data:`LIFTED` with a Python callback that lifts
the arguments Excel lifts and computes every element with formualizer's own built-in, on a
private scratch workbook (a callback may use another Workbook instance; formualizer documents
that).  Arguments Excel takes as arrays (the data of PERCENTILE, the known_x's of FORECAST…)
are passed through whole.  An element computed this way costs a scratch evaluation (about
0.2 ms), so the override is registered only for functions an array formula of the workbook
calls (:func:`needed`); a workbook without such formulas is evaluated by formualizer alone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine.excel_coerce import first_value, pick
from xlmodel.ooxml.addresses import col_letters

#: Built-ins formualizer does not lift, with the positions (0-based) of the arguments Excel takes
#: as arrays (never lifted).  Each was seen wrong in the corpus (tests/corpus_real).
LIFTED: dict[str, frozenset[int]] = {
    **{name: frozenset() for name in (
        # statistical distributions
        "NORMDIST", "NORMSDIST", "NORM.DIST", "NORM.S.DIST", "BETA.DIST", "BETA.INV",
        "BINOM.DIST", "BINOM.DIST.RANGE", "BINOM.INV", "CHISQ.DIST", "CHISQ.DIST.RT",
        "CHISQ.INV", "CHISQ.INV.RT", "CONFIDENCE.NORM", "CONFIDENCE.T", "EXPON.DIST", "F.DIST",
        "F.DIST.RT", "F.INV", "F.INV.RT", "FISHER", "FISHERINV", "GAMMA.DIST", "GAMMA.INV",
        "GAUSS", "HYPGEOM.DIST", "NEGBINOM.DIST", "PHI", "POISSON.DIST", "T.DIST", "T.DIST.2T",
        "T.DIST.RT", "T.INV", "T.INV.2T", "WEIBULL.DIST",
        # text
        "ASC", "CLEAN", "LEN", "LENB", "LOWER", "PROPER", "TRIM", "UNICODE", "UPPER",
        "VALUE", "FIXED", "REPT", "LEFT", "LEFTB", "RIGHT", "RIGHTB", "MID", "MIDB", "REPLACE",
        "REPLACEB", "SUBSTITUTE", "NUMBERVALUE", "VALUETOTEXT",
        # information and logical
        "N", "ISNUMBER", "ISERR", "ISERROR", "ISNA", "SWITCH", "IFS",
        "ISBLANK", "ISLOGICAL", "ISNONTEXT", "ISTEXT", "ERROR.TYPE", "NOT")},
    # the data set is an array; k / quart / x / number are lifted
    "PERCENTILE": frozenset({0}), "PERCENTILE.INC": frozenset({0}),
    "PERCENTILE.EXC": frozenset({0}), "QUARTILE": frozenset({0}), "QUARTILE.INC": frozenset({0}),
    "QUARTILE.EXC": frozenset({0}), "FORECAST": frozenset({1, 2}),
    "FORECAST.LINEAR": frozenset({1, 2}), "RANK.AVG": frozenset({1}),
    "LOOKUP": frozenset({1, 2}), "XLOOKUP": frozenset({1, 2}), "XMATCH": frozenset({1}),
    "MATCH": frozenset({1}), "VLOOKUP": frozenset({1}), "HLOOKUP": frozenset({1}),
    "T.TEST": frozenset({0, 1}), "Z.TEST": frozenset({0}), "STANDARDIZE": frozenset(),
    "BITAND": frozenset(), "BITOR": frozenset(), "BITXOR": frozenset(),
    "CONCATENATE": frozenset(), "DATE": frozenset(), "TIME": frozenset(),
    "COUNTIF": frozenset({0}), "SUMIF": frozenset({0, 2}), "AVERAGEIF": frozenset({0, 2}),
    # (sum/max/min/average range, criteria range, criteria, criteria range, criteria, ...)
    **{name: frozenset({0, *range(1, 255, 2)})
       for name in ("SUMIFS", "MAXIFS", "MINIFS", "AVERAGEIFS")},
    "COUNTIFS": frozenset(range(0, 255, 2)),   # (criteria range, criteria, ...)
    "ARRAYTOTEXT": frozenset({0}),             # the array is whole, the format lifted
    **{name: frozenset() for name in ("FV", "IPMT", "NPER", "PMT", "PV", "RATE")},
    "NPV": frozenset(range(1, 255)),           # the rate is lifted, the values are whole
}


def arraytotext_format(args: list[Any]) -> list[Any] | dict[str, str]:
    """ARRAYTOTEXT's format checked as Excel checks it, before formualizer's built-in runs.

    Microsoft's ARRAYTOTEXT page: format 0 (concise, the default) or 1 (strict); "any other
    value returns #VALUE!".  As Excel's cached values in the corpus show (formulas' test.xlsx,
    sheet TEXT): a number is truncated (0.9 → 0, 1.9 → 1), TRUE is 1, a blank 0, text
    ``#VALUE!``, an error is returned.  formualizer 0.13 gives the concise text for 2, TRUE, -1.

    >>> arraytotext_format([[[1]], 1.9]), arraytotext_format([[[1]], 2])
    ([[[1]], 1], {'type': 'Error', 'kind': 'Value'})
    >>> arraytotext_format([[[1]], True]), arraytotext_format([[[1]], "1"])
    ([[[1]], 1], {'type': 'Error', 'kind': 'Value'})
    """
    if len(args) < 2:
        return args
    fmt = args[1]
    if isinstance(fmt, dict):
        return fmt
    if fmt is None:
        fmt = 0
    if isinstance(fmt, str) or not isinstance(fmt, int | float):
        return {"type": "Error", "kind": "Value"}
    fmt = int(fmt)
    if fmt not in (0, 1):
        return {"type": "Error", "kind": "Value"}
    return [args[0], fmt, *args[2:]]


#: Argument checks Excel makes that formualizer's built-in does not: the element's arguments,
#: or the error Excel gives instead of calling the built-in.
CHECKS: dict[str, Callable[[list[Any]], list[Any] | dict[str, str]]] = {
    "ARRAYTOTEXT": arraytotext_format,
}

_ERROR_CODES = {"Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!",
                "Name": "#NAME?", "Num": "#NUM!", "Na": "#N/A"}


def needed(formulas: Iterable[str]) -> set[str]:
    """The functions of :data:`LIFTED` that the given array formulas call.

    >>> sorted(needed(["_xlfn.NORM.S.DIST(C1:Q1,1)", "SUM(LEN(A1:A3))", "SIN(A1:A2)"]))
    ['LEN', 'NORM.S.DIST']
    """
    names = set()
    for text in formulas:
        for m in _CALL.finditer(text.upper()):
            name = re.sub(r"^(?:_XLFN\.|_XLWS\.)+", "", m.group(1))
            if name in LIFTED:
                names.add(name)
    return names


_CALL = re.compile(r"(?<![\w.])((?:_XLFN\.|_XLWS\.)*[A-Z][A-Z0-9.]*)\s*\(")


def scratch_workbook(date1904: bool) -> Any:
    """A private, serially evaluating formualizer workbook with one sheet ``v``, in the
    workbook's date system: where the callbacks compute elements beside the engine's workbook."""
    import formualizer as fz

    config = fz.EvaluationConfig()
    config.enable_parallel = False
    if date1904:
        config.date_system = "1904"
    wb = fz.Workbook(config=fz.WorkbookConfig(eval_config=config))
    wb.add_sheet("v")
    return wb


class _Scratch:
    """A private formualizer workbook that evaluates one built-in call at a time."""

    def __init__(self, date1904: bool) -> None:
        self._wb = scratch_workbook(date1904)
        self._sheets: set[str] = set()
        self._lock = threading.Lock()

    def call(self, name: str, args: list[Any], elements: Iterable[list[Any]]) -> list[Any]:
        """``name`` applied to each argument list of ``elements`` (arrays of ``args`` fixed)."""
        wb = self._wb
        with self._lock:
            refs = []
            for k, a in enumerate(args):
                if isinstance(a, list):
                    sheet = f"arg_{k}"
                    if sheet not in self._sheets:
                        wb.add_sheet(sheet)
                        self._sheets.add(sheet)
                    for i, row in enumerate(a, start=1):
                        for j, v in enumerate(row, start=1):
                            wb.set_value(sheet, i, j, v)
                    refs.append(f"{sheet}!A1:{col_letters(len(a[0]) if a else 1)}{max(len(a), 1)}")
                else:
                    refs.append(f"v!{col_letters(k + 1)}1")
            wb.set_formula("v", 2, 1, f"={name}({','.join(refs)})")
            out = []
            for values in elements:
                for k, v in enumerate(values):
                    if not isinstance(args[k], list):
                        wb.set_value("v", 1, k + 1, v)
                out.append(wb.evaluate_cell("v", 2, 1))
            return out


_pick = pick         # (the older private names: xlmodel.engine.excel_coerce's lifting rules)
_first = first_value


def _checked(name: str, scratch: _Scratch, fixed: list[Any], elements: list[list[Any]]) -> list[Any]:
    """The built-in on each element, after the element's check in :data:`CHECKS` (if any)."""
    check = CHECKS.get(name)
    if check is None:
        return scratch.call(name, fixed, elements)
    results: list[Any] = []
    for element in elements:
        ok = check(element)
        results.append(ok if isinstance(ok, dict) else scratch.call(name, fixed, [ok])[0])
    return results


def lifted(name: str, arrays: frozenset[int], scratch: _Scratch) -> Callable[..., Any]:
    """The callback for ``name``: lift every list argument not in ``arrays``, compute each element."""

    def call(*args: Any) -> Any:
        args_l = list(args)
        lift = [k for k, a in enumerate(args_l) if isinstance(a, list) and k not in arrays and a]
        fixed = [None if k in lift else a for k, a in enumerate(args_l)]
        if not lift:
            return _checked(name, scratch, fixed, [fixed])[0]
        rows = max(len(args_l[k]) for k in lift)
        cols = max(len(args_l[k][0]) for k in lift)
        cells = [(i, j) for i in range(rows) for j in range(cols)]
        elements = [[_pick(a, i, j) if k in lift else fixed[k] for k, a in enumerate(args_l)]
                    for i, j in cells]
        values = iter(_first(v) for v in _checked(name, scratch, fixed, elements))
        return [[next(values) for _ in range(cols)] for _ in range(rows)]

    call.__name__ = name
    return call


#: The most formula cells that may call a built-in before its lifting override is left out: the
#: override replaces the built-in in every formula of the workbook, not only in the array
#: formulas, and each call costs a scratch evaluation (about 0.2 ms), so a model of 10,000 PMT
#: cells with one array formula over PMT keeps formualizer's native PMT (2,000 calls ≈ 0.4 s).
LIFT_BUDGET = 2_000


def register(wb: Any, names: Iterable[str], date1904: bool = False,
             called: Mapping[str, int] | None = None) -> None:
    """Override each built-in in ``names`` (from :data:`LIFTED`) with its lifting callback;
    with ``called`` (cells calling each function, xlmodel.engine.excel_registry.called) only
    those called by at most :data:`LIFT_BUDGET` cells."""
    names = [n for n in names if n in LIFTED and (called is None or called.get(n, 0) <= LIFT_BUDGET)]
    if not names:
        return
    scratch = _Scratch(date1904)
    for name in names:
        fn = lifted(name, LIFTED[name], scratch)
        for spelling in spellings(name):
            wb.register_function(spelling, fn, min_args=0, max_args=None, allow_override_builtin=True)


def spellings(name: str) -> tuple[str, str]:
    """The names a function is called by in a file: plain and with Excel's ``_xlfn.`` prefix.

    Excel writes functions newer than Excel 2007 as ``_xlfn.NAME`` (``_xlfn.NORM.S.DIST``);
    formualizer looks a prefixed call up under the prefixed name, so an override must be
    registered under both to take effect.

    >>> spellings("NORM.S.DIST")
    ('NORM.S.DIST', '_xlfn.NORM.S.DIST')
    """
    return name, f"_xlfn.{name}"


_SCRATCH: dict[bool, _Scratch] = {}
_SCRATCH_LOCK = threading.Lock()


def builtin(name: str, args: list[Any], date1904: bool = False) -> Any:
    """formualizer's own built-in ``name`` on scalar ``args`` (for an override to fall back on).

    >>> builtin("LEN", ["abc"])
    3.0
    """
    with _SCRATCH_LOCK:
        scratch = _SCRATCH.get(date1904)
        if scratch is None:
            scratch = _SCRATCH[date1904] = _Scratch(date1904)
    return scratch.call(name, list(args), [list(args)])[0]
