"""Aggregates (SUM, AVERAGE, STDEV, VAR, MAX, MIN, COUNT…), the conditional aggregates (SUMIF(S),
AVERAGEIF(S), COUNTIF(S), MAXIFS, MINIFS) and their criteria, as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real).  Argument coercion: xlmodel.engine.excel_coerce.

Text typed into an aggregate's list of arguments
    Microsoft (AVERAGE, STDEV.S, MAX… help pages): "Logical values and text representations of
    numbers that you type directly into the list of arguments are counted"; text in a range is
    ignored; a typed text that is no number is #VALUE!.  formualizer 0.13 reads a typed ``"3"``
    but ignores a typed ``""`` or ``"ciao"`` (Excel: #VALUE!) and a date typed as text
    (``"29/02/1900"``, which Excel reads as serial 60).  The rewrite :data:`LITERAL_TEXT` wraps
    such a typed text, and only that, in a call that coerces it as Excel does
    (:func:`typed_number`), so the built-in aggregate itself is left as it is: a formula without
    a typed text argument is not touched, and no aggregate is overridden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_coerce
from xlmodel.engine.excel_coerce import ExcelError
from xlmodel.engine.excel_registry import Rewrite

#: The prefix of the helper functions this module registers (never a name Excel knows).
PREFIX = "_XLMODEL_AGGR_"

#: Aggregates whose typed text arguments are read as numbers (a text that is no number: #VALUE!).
NUMBER_AGGREGATES = frozenset({
    "SUM", "PRODUCT", "SUMSQ", "AVERAGE", "AVERAGEA", "MAX", "MAXA", "MIN", "MINA", "MEDIAN",
    "STDEV", "STDEV.S", "STDEV.P", "STDEVP", "STDEVA",
    "STDEVPA", "VAR", "VAR.S", "VAR.P", "VARP", "VARA", "VARPA", "DEVSQ", "AVEDEV", "GEOMEAN",
    "HARMEAN", "KURT", "SKEW", "SKEW.P"})
#: Aggregates that count a typed text if it is a number and pass over it otherwise.
COUNTING_AGGREGATES = frozenset({"COUNT"})

_TYPED_HELPER = {**{n: f"{PREFIX}NUMBER" for n in NUMBER_AGGREGATES},
                 **{n: f"{PREFIX}COUNTED" for n in COUNTING_AGGREGATES}}
_NAMES_RE = "|".join(re.escape(n) for n in sorted(_TYPED_HELPER, key=len, reverse=True))
#: A call of one of the aggregates with a quote after it (cheap test before tokenizing).
_TYPED_CALL = re.compile(rf"(?<![\w.])(?:_xlfn\.)?(?:{_NAMES_RE})\(.*\"", re.IGNORECASE | re.DOTALL)


def _tokens(formula: str) -> list[Any] | None:
    import formualizer as fz

    try:
        return [t for t in fz.tokenize("=" + formula) if not str(t.token_type).endswith("Whitespace")]
    except Exception:   # a formula formualizer cannot tokenize is left as it is
        return None


def wrap_typed_text(formula: str) -> str:
    """``formula`` with each text typed as a whole argument of an aggregate wrapped in the helper
    that coerces it as Excel does (the engine copy's formula text has no ``=``).

    >>> wrap_typed_text('AVERAGE(D4:E4,"")')
    'AVERAGE(D4:E4,_XLMODEL_AGGR_NUMBER(""))'
    >>> wrap_typed_text('_xlfn.STDEV.S(A1, "29/02/1900" ,"a"&B1,{1,"x"})')
    '_xlfn.STDEV.S(A1, _XLMODEL_AGGR_NUMBER("29/02/1900") ,"a"&B1,{1,"x"})'
    >>> wrap_typed_text('MAX(Ark1!A1,"ø","x")')
    'MAX(Ark1!A1,_XLMODEL_AGGR_NUMBER("ø"),_XLMODEL_AGGR_NUMBER("x"))'
    >>> wrap_typed_text('COUNT(A1,"26/08",LEN("x"))'), wrap_typed_text('COUNTA(A1,"x")')
    ('COUNT(A1,_XLMODEL_AGGR_COUNTED("26/08"),LEN("x"))', 'COUNTA(A1,"x")')
    """
    if '"' not in formula or not _TYPED_CALL.search(formula):
        return formula
    tokens = _tokens(formula)
    if tokens is None:
        return formula
    wraps: list[tuple[int, int, str]] = []   # (start, end, helper) in ``formula``
    stack: list[str | None] = []            # per open call/paren/array: the helper of its args
    for i, tok in enumerate(tokens):
        kind, sub = str(tok.token_type), str(tok.subtype)
        if sub.endswith("Open"):
            name = tok.value[:-1].upper() if kind.endswith("Func") else ""
            name = name[6:] if name.startswith("_XLFN.") else name
            stack.append(_TYPED_HELPER.get(name))
        elif sub.endswith("Close"):
            if stack:
                stack.pop()
        elif kind.endswith("Operand") and sub.endswith("Text") and stack and stack[-1]:
            before, after = tokens[i - 1], tokens[i + 1] if i + 1 < len(tokens) else None
            whole = (str(before.subtype).endswith("Arg") or str(before.token_type).endswith("Func")) \
                and after is not None and (str(after.subtype).endswith("Arg")
                                           or (str(after.token_type).endswith("Func")
                                               and str(after.subtype).endswith("Close")))
            if whole:
                wraps.append((tok.start - 1, tok.end - 1, stack[-1]))
    raw = formula.encode("utf-8")   # the tokenizer's offsets count UTF-8 bytes
    for start, end, helper in sorted(wraps, reverse=True):
        raw = raw[:start] + f"{helper}(".encode() + raw[start:end] + b")" + raw[end:]
    return raw.decode("utf-8")


def typed_number(v: Any, date1904: bool = False) -> Any:
    """A text typed into an aggregate's arguments as Excel reads it: its number, else #VALUE!.

    >>> typed_number("29/02/1900"), typed_number(" 3 "), typed_number("")
    (60.0, 3.0, {'type': 'Error', 'kind': 'Value'})
    """
    try:
        return excel_coerce.number(v, date1904)
    except ExcelError as e:
        return excel_coerce.error(e.kind)


def typed_counted(v: Any, date1904: bool = False) -> Any:
    """A text typed into COUNT's arguments: its number (counted) if it reads as one, else the text
    (not counted).

    >>> typed_counted("29/02/1900"), typed_counted("ciao")
    (60.0, 'ciao')
    """
    if isinstance(v, str):
        n = excel_coerce.number_text(v, date1904)
        return v if n is None else n
    return v


#: Raw formula text in a sheet part that may call an aggregate with a typed text argument.
_TRIGGER_TYPED = re.compile(rb"(?:SUM|PRODUCT|SUMSQ|AVERAGE|MAX|MIN|MEDIAN|MODE|STDEV|VAR|DEVSQ|"
                            rb"AVEDEV|GEOMEAN|HARMEAN|KURT|SKEW|COUNT)[A-Z.]*\([^<]*\"")

LITERAL_TEXT = Rewrite("typed text in an aggregate's arguments", _TRIGGER_TYPED, wrap_typed_text)

REWRITES: tuple[Rewrite, ...] = (LITERAL_TEXT,)


# ----------------------------------------------------------------------------------- MODE ----
def _numbers_in_order(args: Iterable[Any]) -> list[float]:
    """The numbers of the arguments in Excel's order (argument by argument, a range row by row);
    text, logical values and empty cells are passed over, the first error is raised."""
    out: list[float] = []
    for a in args:
        for v in (x for row in a for x in row) if isinstance(a, list) else (a,):
            excel_coerce.passed_on(v)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out.append(float(v))
    return out


def _modes(args: Iterable[Any]) -> list[float]:
    """The most frequent numbers, in the order each first occurs; #N/A when none repeats.

    Microsoft (MODE.SNGL, MODE.MULT): text, logical values and empty cells are ignored; "if the
    data set contains no duplicate data points, MODE.SNGL returns the #N/A error value".  Ties
    go to the value that occurs first in the data (the corpus: MODE.SNGL of 0.2, 0.3, 0.3, -0.1,
    -0.1 is 0.3; formualizer 0.13 answers -0.1).

    >>> _modes([[[0.2, 0.3]], [[0.3, -0.1]], [[-0.1, None]], "29/02/1900"])
    [0.3, -0.1]
    """
    counts: dict[float, int] = {}
    for x in _numbers_in_order(args):
        counts[x] = counts.get(x, 0) + 1
    top = max(counts.values(), default=0)
    if top < 2:
        raise ExcelError("Na")
    return [x for x, n in counts.items() if n == top]


def mode_sngl(*args: Any) -> Any:
    """MODE / MODE.SNGL(number1, …): the most frequent number (ties: the first in the data).

    >>> mode_sngl([[0.1, 0.2]], [[0.2, 0.3]], [[0.3, -0.1]], "")
    0.2
    >>> mode_sngl([[1.0, 2.0]]), mode_sngl([[{"type": "Error", "kind": "Div"}, 1.0]])
    ({'type': 'Error', 'kind': 'Na'}, {'type': 'Error', 'kind': 'Div'})
    """
    try:
        return _modes(args)[0]
    except ExcelError as e:
        return excel_coerce.error(e.kind)


def mode_mult(*args: Any) -> Any:
    """MODE.MULT(number1, …): every most frequent number, as a column, in order of first occurrence.

    >>> mode_mult([[0.2, 0.3]], [[0.3, -0.1]], [[-0.1, None]])
    [[0.3], [-0.1]]
    """
    try:
        return [[x] for x in _modes(args)]
    except ExcelError as e:
        return excel_coerce.error(e.kind)


#: Rare aggregates overridden outright (not hot: a workbook calls them seldom).
OVERRIDES: dict[str, tuple[Any, int, int | None]] = {
    "MODE": (mode_sngl, 1, None), "MODE.SNGL": (mode_sngl, 1, None),
    "MODE.MULT": (mode_mult, 1, None)}


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's helpers and :data:`OVERRIDES` on ``wb``."""
    from xlmodel.engine.excel_lifting import spellings

    for name, (fn, lo, hi) in OVERRIDES.items():
        for spelling in spellings(name):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
    wb.register_function(f"{PREFIX}NUMBER", lambda v: typed_number(v, date1904),
                         min_args=1, max_args=1)
    wb.register_function(f"{PREFIX}COUNTED", lambda v: typed_counted(v, date1904),
                         min_args=1, max_args=1)
