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

Conditional aggregates (:func:`criterion`, :func:`conditional`)
    Excel's criteria (an error criterion matches that error, ``"<=TRUE"`` compares logical
    values, a matched error cell in the summed range is the answer, the …IFS ranges must have
    one size, an array of criteria gives an array of results).  These are hot built-ins, so
    the override is registered only in a workbook whose calls read at most
    ``excel_functions.LOOKUP_CELL_BUDGET`` cells together, and SUMIF/AVERAGEIF only where every
    sum range has its range's size (:func:`conditionals_to_override`); a larger workbook keeps
    formualizer's own.

Overridden outright (rare, :data:`OVERRIDES`)
    MODE/MODE.SNGL/MODE.MULT (ties in order of first occurrence), FREQUENCY (counts in the bins'
    given order), TRIMMEAN (percent read as a number, lifted over an array).

Other rewrites on the engine copy
    SUMPRODUCT of A1 ranges of unequal sizes (:func:`mark_unequal_sumproduct`: an error in the
    arrays before #VALUE!) and the intersection operator (:func:`write_intersections`).
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
#: A text literal that may be a whole argument: after ``(`` or ``,``, before ``,`` or ``)``.
_WHOLE_TEXT = re.compile(r'[(,]\s*"(?:[^"]|"")*"\s*[,)]')
_DIGIT_RUN = re.compile(r"\d+")
#: Formula forms (digit runs written ``0``) known to type no text into an aggregate: whether a
#: text is a whole argument of an aggregate does not depend on the digits, so ``IF(SUM(A2:C2)
#: =0,"",…)`` down 20,000 rows is tokenized once.  Bounded (cleared when full).
_NO_TYPED_TEXT: dict[str, bool] = {}
_NO_TYPED_TEXT_MAX = 4_096


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
    if '"' not in formula or not _TYPED_CALL.search(formula) or not _WHOLE_TEXT.search(formula):
        return formula
    form = _DIGIT_RUN.sub("0", formula)
    if form in _NO_TYPED_TEXT:
        return formula
    tokens = _tokens(formula)
    if tokens is None:
        return formula
    wraps = _typed_texts(tokens)
    if not wraps:
        if len(_NO_TYPED_TEXT) >= _NO_TYPED_TEXT_MAX:
            _NO_TYPED_TEXT.clear()
        _NO_TYPED_TEXT[form] = True
        return formula
    raw = formula.encode("utf-8")   # the tokenizer's offsets count UTF-8 bytes
    for start, end, helper in sorted(wraps, reverse=True):
        raw = raw[:start] + f"{helper}(".encode() + raw[start:end] + b")" + raw[end:]
    return raw.decode("utf-8")


def _typed_texts(tokens: list[Any]) -> list[tuple[int, int, str]]:
    """(start, end, helper) of each text token that is a whole argument of an aggregate."""
    wraps: list[tuple[int, int, str]] = []   # (start, end, helper) in the formula
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
    return wraps


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

LITERAL_TEXT = Rewrite("typed text in an aggregate's arguments", _TRIGGER_TYPED, wrap_typed_text,
                       needles=(b"SUM", b"PRODUCT", b"AVERAGE", b"MAX", b"MIN", b"MEDIAN", b"STDEV",
                                b"VAR", b"DEVSQ", b"AVEDEV", b"GEOMEAN", b"HARMEAN", b"KURT",
                                b"SKEW", b"COUNT"))


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


# ------------------------------------------------------------------ FREQUENCY, TRIMMEAN ----
def frequency(data: Any, bins: Any) -> Any:
    """FREQUENCY(data_array, bins_array): a column of counts, one per bin and one above them.

    Microsoft (FREQUENCY): a value is counted in the first bin at or above it; blank cells and
    text are ignored.  The counts follow the bins in the order given (the corpus: bins
    ``{1,3;5,3}`` give the counts of ≤1, (1,3], (3,5], none for the repeated 3, and >5); an
    error in the data is the answer; no number among the bins reads as the one bin 0 (the
    corpus: ``FREQUENCY(C43:G43,H43)`` with H43 empty counts the values ≤ 0).

    >>> frequency([[1.0, 2.0, 3.0, 2.0, 1.0, 3.0, 2.0, 1.0, 6.0, 5.0, 4.9, 0.0]], [[1.0, 3.0], [5.0, 3.0]])
    [[4.0], [5.0], [2.0], [0.0], [1.0]]
    >>> frequency([[1.0, 2.0, 3.0, 0.0, -1.0]], None), frequency([[2.0, "x", True, None]], [[None]])
    ([[2.0], [3.0]], [[0.0], [1.0]])
    """
    try:
        values = _numbers_in_order([data] if isinstance(data, list) else [[[data]]])
        edges = _numbers_in_order([bins] if isinstance(bins, list) else [[[bins]]])
    except ExcelError as e:
        return excel_coerce.error(e.kind)
    if not edges:
        edges = [0.0]
    order = sorted(range(len(edges)), key=lambda k: (edges[k], k))   # stable: the first of equal bins
    counts = [0.0] * (len(edges) + 1)
    for v in values:
        k = next((k for k in order if v <= edges[k]), len(edges))
        counts[k] += 1
    return [[c] for c in counts]


def _trimmean(data: Any, percent: Any) -> Any:
    values = _numbers_in_order([data] if isinstance(data, list) else [[[data]]])
    p = excel_coerce.number(percent)
    if not 0 <= p < 1 or not values:
        raise ExcelError("Num")
    drop = int(len(values) * p / 2)          # excluded points: rounded down to a multiple of 2
    kept = sorted(values)[drop:len(values) - drop]
    return sum(kept) / len(kept)


def trimmean(data: Any, percent: Any) -> Any:
    """TRIMMEAN(array, percent): the mean without ``percent`` of the points, half from each end.

    Microsoft (TRIMMEAN): percent < 0 or ≥ 1 is #NUM!; the number of excluded points is rounded
    down to the nearest multiple of 2.  ``percent`` is read as a number (a cell holding
    "29/02/1900" is 60: #NUM!, as Excel caches it; TRUE is 1: #NUM!) and lifted over an array.

    >>> trimmean([[0.0, 1.0, 0.7, 0.2, -1.0, None, "29/02/1900", True]], 0.7)
    0.3
    >>> trimmean([[1.0, 2.0]], "29/02/1900"), trimmean([[1.0, 2.0]], [[0.0, 1.0]])
    ({'type': 'Error', 'kind': 'Num'}, [[1.5, {'type': 'Error', 'kind': 'Num'}]])
    """
    def one(p: Any) -> Any:
        try:
            return _trimmean(data, p)
        except ExcelError as e:
            return excel_coerce.error(e.kind)

    if isinstance(percent, list):
        return [[one(p) for p in row] for row in percent]
    return one(percent)


#: Rare aggregates overridden outright (not hot: a workbook calls them seldom).
OVERRIDES: dict[str, tuple[Any, int, int | None]] = {
    "MODE": (mode_sngl, 1, None), "MODE.SNGL": (mode_sngl, 1, None),
    "MODE.MULT": (mode_mult, 1, None), "FREQUENCY": (frequency, 2, 2),
    "TRIMMEAN": (trimmean, 2, 2)}


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's helpers and :data:`OVERRIDES` on ``wb``."""
    from xlmodel.engine.excel_lifting import spellings

    functions = dict(OVERRIDES)
    for name in conditionals_to_override(formulas):
        kind, singular = CONDITIONAL[name]
        functions[name] = (conditional(kind, singular, date1904), 2, None)
    for name, (fn, lo, hi) in functions.items():
        for spelling in spellings(name):
            # (the registry's GuardedWorkbook replaces excel_lifting's earlier lifting callback)
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
    wb.register_function(f"{PREFIX}NUMBER", lambda v: typed_number(v, date1904),
                         min_args=1, max_args=1)
    wb.register_function(f"{PREFIX}COUNTED", lambda v: typed_counted(v, date1904),
                         min_args=1, max_args=1)
    wb.register_function(f"{PREFIX}SUMPRODUCT", sumproduct_unequal, min_args=1, max_args=None)


# ------------------------------------------------------------------- criteria (…IF, …IFS) ----
_KINDS = {code: kind for kind, code in excel_coerce.CODES.items()}
_OPERATORS = ("<=", ">=", "<>", "<", ">", "=")


def _compare(op: str, a: Any, b: Any) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b, "<>": a != b}[op]


def criterion(c: Any, date1904: bool = False) -> Any:
    """The test a cell value must pass for the criterion ``c`` of COUNTIF, SUMIFS…

    Microsoft (COUNTIF, COUNTIFS, SUMIF help pages): a criterion is a number, a logical value, a
    text with an optional comparison operator (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``) and
    the wildcards ``?``, ``*`` (``~`` escapes them), case ignored; "if the criteria argument is a
    reference to an empty cell, the COUNTIFS function treats the empty cell as a 0 value".  The
    operand of a text criterion is read as a number where it is one (``">1"``, ``"29/02/1900"``),
    as a logical value for ``TRUE``/``FALSE`` (``"<=TRUE"`` matches FALSE and TRUE, no text), as
    an error for an error literal; an error criterion matches cells holding that error (the
    corpus: ``COUNTIF(K24:L24,K24)`` is 1 with #VALUE! in K24).  A number criterion matches
    numbers and text reading as that number; ``<>`` matches everything the ``=`` test does not,
    empty cells included; ``""`` matches empty cells and empty text, ``"="`` empty cells only.

    >>> t = criterion("<=TRUE"); t(True), t(False), t("ciao"), t(1.0)
    (True, True, False, False)
    >>> t = criterion(">1"); t(2.3), t(1.0), t("5"), t(None)
    (True, False, False, False)
    >>> t = criterion("*a?"); t("ciao"), t("CIAO"), t("ciaoo"), t(1.0)
    (True, True, False, False)
    >>> t = criterion({"type": "Error", "kind": "Div"}); t({"type": "Error", "kind": "Div"}), t(0.0)
    (True, False)
    >>> t = criterion("<>-1"); t(-1.0), t(None), t("x")
    (False, True, True)
    >>> t = criterion(None); t(0.0), t(None)
    (True, False)
    """
    if excel_coerce.is_error(c):
        kind = c.get("kind")
        return lambda v: excel_coerce.is_error(v) and v.get("kind") == kind
    if isinstance(c, bool):
        return lambda v: isinstance(v, bool) and v == c
    if c is None:
        c = 0.0
    if isinstance(c, int | float):
        return _criterion("=", float(c), date1904)
    text = str(c)
    op = next((o for o in _OPERATORS if text.startswith(o)), "")
    rest = text[len(op):]
    if rest == "":
        if op == "":
            return lambda v: v is None or v == ""
        if op == "=":
            return lambda v: v is None
        if op == "<>":
            return lambda v: v is not None
    if rest.strip().upper() in ("TRUE", "FALSE"):
        b = rest.strip().upper() == "TRUE"
        o = op or "="
        if o == "<>":
            return lambda v: not (isinstance(v, bool) and v == b)
        return lambda v: isinstance(v, bool) and _compare(o, v, b)
    if rest.strip().upper() in _KINDS:
        kind = _KINDS[rest.strip().upper()]
        same = criterion({"type": "Error", "kind": kind})
        return (lambda v: not same(v)) if op == "<>" else same if op in ("", "=") else (lambda v: False)
    n = excel_coerce.number_text(rest, date1904)
    if n is not None:
        return _criterion(op or "=", n, date1904)
    return _text_criterion(op or "=", rest)


def _criterion(op: str, x: float, date1904: bool) -> Any:
    """The test of a number operand: ``=``/``<>`` also read text as a number."""
    if op in ("=", "<>"):
        def equal(v: Any) -> bool:
            if isinstance(v, bool) or v is None or excel_coerce.is_error(v):
                return False
            if isinstance(v, str):
                return excel_coerce.number_text(v, date1904) == x
            return float(v) == x
        return equal if op == "=" else (lambda v: not equal(v))

    def ordered(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and _compare(op, float(v), x)
    return ordered


def _text_criterion(op: str, operand: str) -> Any:
    """The test of a text operand: wildcards for ``=``/``<>``, text order for the others."""
    if op in ("=", "<>"):
        pattern = excel_coerce.wildcard_pattern(operand)

        def equal(v: Any) -> bool:
            return isinstance(v, str) and pattern.fullmatch(v) is not None
        return equal if op == "=" else (lambda v: not equal(v))
    key = operand.casefold()
    return lambda v: isinstance(v, str) and _compare(op, v.casefold(), key)


def _grid(a: Any) -> list[list[Any]]:
    return a if isinstance(a, list) else [[a]]


_MISSING = object()


def _lift(fn: Any, criteria: list[Any]) -> Any:
    """``fn(criteria…)`` for scalar criteria; over an array of criteria an array of results
    (Excel lifts the criteria: ``COUNTIF(F1:J1,{"*ao","",TRUE})`` is three counts)."""
    arrays = [c for c in criteria if isinstance(c, list) and c]
    if not arrays:
        return fn(criteria)
    rows = max(len(a) for a in arrays)
    cols = max(len(a[0]) for a in arrays)

    def pick(a: Any, i: int, j: int) -> Any:
        if not isinstance(a, list):
            return a
        ii, jj = (i if len(a) > 1 else 0), (j if len(a[0]) > 1 else 0)
        return a[ii][jj] if ii < len(a) and jj < len(a[ii]) else _MISSING

    out = []
    for i in range(rows):
        row = []
        for j in range(cols):
            cs = [pick(c, i, j) for c in criteria]
            row.append(excel_coerce.error("Na") if _MISSING in cs else fn(cs))
        out.append(row)
    return out


def _matching(ranges: list[list[list[Any]]], tests: list[Any]) -> list[tuple[int, int]]:
    """The positions (row, column) where every criteria range passes its test."""
    first = ranges[0]
    return [(i, j) for i in range(len(first)) for j in range(len(first[0]))
            if all(t(r[i][j]) for r, t in zip(ranges, tests, strict=True))]


def _same_shape(grids: Iterable[list[list[Any]]]) -> bool:
    shapes = {(len(g), len(g[0]) if g else 0) for g in grids}
    return len(shapes) == 1


def _aggregate(kind: str, values: list[Any]) -> Any:
    """SUM, AVERAGE, MAX, MIN or COUNT of the matched cells of the aggregated range: numbers
    only (text, logical values, empty cells passed over); a matched error is the answer."""
    numbers = []
    for v in values:
        if excel_coerce.is_error(v):
            return v
        if isinstance(v, int | float) and not isinstance(v, bool):
            numbers.append(float(v))
    if kind == "SUM":
        return float(sum(numbers))   # (math.fsum would differ from Excel's running sum)
    if kind == "AVERAGE":
        return sum(numbers) / len(numbers) if numbers else excel_coerce.error("Div")
    if kind == "MAX":
        return max(numbers, default=0.0)
    return min(numbers, default=0.0)


def conditional(kind: str, singular: bool, date1904: bool = False) -> Any:
    """The callback of ``kind`` IF (``singular``: SUMIF, AVERAGEIF, COUNTIF) or IFS.

    >>> sumif = conditional("SUM", True)
    >>> sumif([["ciao", True]], "<=TRUE", [[10.0, -1.0]])
    -1.0
    >>> sumif([["ciao", True]], "ciao", [[{"type": "Error", "kind": "Value"}, 1.0]])
    {'type': 'Error', 'kind': 'Value'}
    >>> conditional("SUM", False)([[1.0, 2.0, 3.0]], [[1.0, 2.0]], 1.0)
    {'type': 'Error', 'kind': 'Value'}
    >>> conditional("COUNT", True)([[1.0, None, True]], [["", True, 1.0]])
    [[1.0, 1.0, 1.0]]
    """
    def call(*args: Any) -> Any:
        if kind == "COUNT":
            pairs = list(args)
            target = None
        elif singular:
            pairs = list(args[:2])
            target = args[2] if len(args) > 2 else args[0]
        else:
            target, pairs = args[0], list(args[1:])
        if len(pairs) % 2 or not pairs:
            return excel_coerce.error("Value")
        ranges = [_grid(r) for r in pairs[0::2]]
        crit = list(pairs[1::2])
        total = None if target is None else _grid(target)
        if singular and total is not None:
            h, w = len(ranges[0]), len(ranges[0][0]) if ranges[0] else 0
            if len(total) < h or (total and len(total[0]) < w):
                return excel_coerce.error("Value")   # (register only overrides where it fits)
            total = [row[:w] for row in total[:h]]
        if not _same_shape(ranges + ([total] if total is not None else [])):
            return excel_coerce.error("Value")

        def one(cs: list[Any]) -> Any:
            tests = [criterion(c, date1904) for c in cs]
            at = _matching(ranges, tests)
            if total is None:
                return float(len(at))
            return _aggregate(kind, [total[i][j] for i, j in at])

        return _lift(one, crit)

    return call


#: The conditional aggregates: name → (aggregate, singular form).
CONDITIONAL = {"SUMIF": ("SUM", True), "AVERAGEIF": ("AVERAGE", True), "COUNTIF": ("COUNT", True),
               "SUMIFS": ("SUM", False), "AVERAGEIFS": ("AVERAGE", False),
               "COUNTIFS": ("COUNT", False), "MAXIFS": ("MAX", False), "MINIFS": ("MIN", False)}

_A1_RANGE = re.compile(r"^(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?([A-Z]{1,3})\$?(\d+)"
                       r"(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def _range_shape(ref: str) -> tuple[int, int] | None:
    """(rows, columns) of an A1 cell or range reference, None for anything else."""
    from xlmodel.ooxml.addresses import col_number

    m = _A1_RANGE.match(ref.upper())
    if not m:
        return None
    c1, r1 = col_number(m.group(1)), int(m.group(2))
    c2, r2 = (col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return abs(r2 - r1) + 1, abs(c2 - c1) + 1


_REF_RE = r"(?:(?:'(?:[^']|'')+'|[\w.]+)!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"
_SUMIF_CALL = re.compile(r"(?<![\w.])(?:SUMIF|AVERAGEIF)\(", re.IGNORECASE)
#: A SUMIF/AVERAGEIF call whose range and sum range are A1 references (criterion without calls).
_SUMIF_PLAIN = re.compile(rf"(?<![\w.])(?:SUMIF|AVERAGEIF)\(\s*({_REF_RE})\s*,"
                          rf"(?:\"(?:[^\"]|\"\")*\"|\{{(?:\"(?:[^\"]|\"\")*\"|[^{{}}\"])*\}}|[^,(){{}}\"])*"
                          rf"(?:,\s*({_REF_RE})\s*)?\)", re.IGNORECASE)


def sum_range_fits(formula: str) -> bool:
    """Does every SUMIF/AVERAGEIF call of ``formula`` have a sum range the size of its range?

    Excel reads a smaller sum range from its top-left cell over the size of the range
    (``SUMIF(A1:A10,"x",B1)`` sums B1:B10); a callback gets only the cells written, so the
    override is registered only where every call's range and sum range are A1 references of
    one size (:func:`conditionals_to_override`); any other form keeps formualizer's built-in.

    >>> sum_range_fits('SUMIF(A1:A3,">"&C1,B1:B3)+AVERAGEIF(A1:B2,1)'), sum_range_fits("SUMIF(A1:A3,1,B1)")
    (True, False)
    >>> sum_range_fits('SUMIF(D1:H1,{1,">3"},E1:I1)'), sum_range_fits('SUMIF(D1:H1,{1,">3"},E1:F1)')
    (True, False)
    >>> sum_range_fits("SUMIF(A1:A3,1,INDEX(B:B,1):B3)"), sum_range_fits("SUMIF(A1:A3,DATE(2014,1,1),B1:B3)")
    (False, False)
    """
    calls = len(_SUMIF_CALL.findall(formula))
    plain = 0
    for m in _SUMIF_PLAIN.finditer(formula):
        if m.group(2) is not None:
            shape = [_range_shape(g) for g in (m.group(1), m.group(2))]
            if shape[0] is None or shape[0] != shape[1]:
                return False
        plain += 1
    return plain == calls


def conditionals_to_override(formulas: Mapping[str, Iterable[Any]]) -> set[str]:
    """The conditional aggregates (:data:`CONDITIONAL`) to override in a workbook: those whose
    calls read at most ``excel_functions.LOOKUP_CELL_BUDGET`` cells together
    (``excel_registry.cells_read``: a shared formula's followers counted with their master's
    text), SUMIF and AVERAGEIF only where every sum range fits (:func:`sum_range_fits`).  A
    larger workbook keeps formualizer's native ones.

    >>> class F:
    ...     f_type, text, si, shared_master = None, "SUMIF(A1:A9,\\"<=TRUE\\",B1:B9)", None, False
    >>> sorted(conditionals_to_override({"S": [F()] * 10})), conditionals_to_override({"S": [F()] * 3000})
    (['SUMIF'], set())
    """
    from xlmodel.engine.excel_functions import LOOKUP_CELL_BUDGET
    from xlmodel.engine.excel_registry import cells_read, texts_calling

    cost = cells_read(formulas, CONDITIONAL, budget=LOOKUP_CELL_BUDGET)   # {} if none is called
    within = {name for name, n in cost.items() if n <= LOOKUP_CELL_BUDGET}
    unfit = {name for name in within & {"SUMIF", "AVERAGEIF"}
             if not all(sum_range_fits(t) for t in texts_calling(formulas, name))}
    return within - unfit


# --------------------------------------------------------------------------- SUMPRODUCT ----
_SUMPRODUCT_PLAIN = re.compile(rf"(?<![\w.])SUMPRODUCT\(\s*({_REF_RE}(?:\s*,\s*{_REF_RE})+)\s*\)",
                               re.IGNORECASE)


def mark_unequal_sumproduct(formula: str) -> str:
    """``formula`` with each SUMPRODUCT of A1 ranges of unequal sizes renamed to the helper
    :func:`sumproduct_unequal` (the engine copy only).

    Microsoft (SUMPRODUCT): "The array arguments must have the same dimensions.  If they do not,
    SUMPRODUCT returns the #VALUE! error value"; the corpus shows an error in the arrays comes
    first (``SUMPRODUCT(P75:Q75,H75:I75,I75:K75)`` with #NUM! in P75 is #NUM!; formualizer
    answers #VALUE!).  Calls of equal sizes, the common case, are left to the built-in.

    >>> mark_unequal_sumproduct("SUMPRODUCT(P1:Q1,H1:I1,I1:K1)+SUMPRODUCT(A1:A3,B1:B3)")
    '_XLMODEL_AGGR_SUMPRODUCT(P1:Q1,H1:I1,I1:K1)+SUMPRODUCT(A1:A3,B1:B3)'
    """
    if "SUMPRODUCT" not in formula.upper():
        return formula

    def one(m: re.Match[str]) -> str:
        shapes = {_range_shape(ref.strip()) for ref in m.group(1).split(",")}
        if len(shapes) == 1 or None in shapes:
            return m.group(0)
        return f"{PREFIX}SUMPRODUCT({m.group(1)})"

    return _SUMPRODUCT_PLAIN.sub(one, formula)


def sumproduct_unequal(*arrays: Any) -> Any:
    """SUMPRODUCT of arrays of unequal sizes: the first error in them, else #VALUE!.

    >>> sumproduct_unequal([[{"type": "Error", "kind": "Num"}, 1.0]], [[1.0, 2.0, 3.0]])
    {'type': 'Error', 'kind': 'Num'}
    >>> sumproduct_unequal([[1.0, 2.0]], [[1.0, 2.0, 3.0]])
    {'type': 'Error', 'kind': 'Value'}
    """
    for a in arrays:
        for v in (x for row in _grid(a) for x in row):
            if excel_coerce.is_error(v):
                return v
    return excel_coerce.error("Value")


SUMPRODUCT_SIZES = Rewrite("SUMPRODUCT of unequal sizes", re.compile(rb"SUMPRODUCT\("),
                           mark_unequal_sumproduct, needles=(b"SUMPRODUCT(",))

# ---------------------------------------------------------------- intersection operator ----
#: Aggregates that take any number of references: a union argument is the same as its areas
#: given one by one.
_AREA_AGGREGATES = NUMBER_AGGREGATES | {"COUNT", "COUNTA"}
_SHEET_PREFIX = re.compile(r"(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!")
_A1_REF = re.compile(r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?")
#: A reference, a space, a reference or a parenthesis: maybe the intersection operator.
_MAYBE_INTERSECTION = re.compile(r"[A-Za-z]\$?\d+\s+[($A-Za-z']")


def write_intersections(formula: str) -> str:
    """``formula`` with each intersection of A1 references (the space operator) written as the
    range it names, where it is an aggregate's argument or the whole formula (engine copy).

    Microsoft, "Calculation operators and precedence": the space is the intersection operator,
    the cells both references share; none is #NULL!.  formualizer 0.13 answers #N/IMPL!.  An
    intersection with a union gives several areas, each an argument of the aggregate
    (xlmodel.engine.excel_lookups.areas reads the expression).

    >>> write_intersections("SUM(B2:E5 C3:D4)"), write_intersections("J8:K10 L6:M7")
    ('SUM(C3:D4)', '#NULL!')
    >>> write_intersections("SUM(E3:G4 (B2:E5,G2:H5))"), write_intersections("SUM(A1:B2, C1)")
    ('SUM(E3:E4,G3:G4)', 'SUM(A1:B2, C1)')
    >>> write_intersections("(SUM(CORE!$M$4:$N$5,(CORE!$K$4:$K$6 CORE!$J$5:$L$5)))")
    '(SUM(CORE!$M$4:$N$5,CORE!K5))'
    >>> write_intersections("(CORE!$K$4:$K$6 CORE!$J$5:$L$5)"), write_intersections("(S!A1:A3 T!A1:B1)")
    ('CORE!K5', '(S!A1:A3 T!A1:B1)')
    >>> write_intersections("((K4:K6 J5:L5)+(SUM(M4:N5,(K4:K6 J5:L5))))")
    '(K5+(SUM(M4:N5,K5)))'
    >>> write_intersections("SUM((A1:B2 B2:C3),(A1 C3))"), write_intersections("ROWS((A1 C3))")
    ('SUM(B2,#NULL!)', 'ROWS((A1 C3))')
    """
    if " " not in formula or not _MAYBE_INTERSECTION.search(formula):
        return formula
    from xlmodel.engine.excel_lookups import _range_text, areas

    tokens = _tokens(formula)
    if tokens is None:
        return formula
    raw = formula.encode("utf-8")

    def written(start: int, end: int, whole: bool, paren: bool = False) -> str | None:
        piece = raw[start:end].decode("utf-8")
        if " " not in piece.strip():
            return None
        prefixes = _SHEET_PREFIX.findall(piece)   # one sheet named on every reference, or none
        if prefixes:
            piece = _SHEET_PREFIX.sub("", piece)
            if len(set(prefixes)) != 1 or len(_A1_REF.findall(piece)) != len(prefixes):
                return None
        got = areas(piece)
        if got is None or (isinstance(got, str) and paren):
            return None   # (an empty one inside ROWS, AREAS…: not an error value there)
        if isinstance(got, str):
            return got
        if (whole or paren) and len(got) > 1:
            return None
        sheet = prefixes[0] if prefixes else ""
        return ",".join(sheet + _range_text(r) for r in got)

    spans: list[tuple[int, int, bool]] = []   # (start, end, one area only) of pieces
    stack: list[tuple[bool, int]] = []  # per open call/paren: (an area aggregate?, its arg start)
    for tok in tokens:
        kind, sub = str(tok.token_type), str(tok.subtype)
        if sub.endswith("Open"):
            name = tok.value[:-1].upper() if kind.endswith("Func") else ""
            name = name[6:] if name.startswith("_XLFN.") else name
            stack.append((name in _AREA_AGGREGATES,
                          tok.end - 1 if kind.endswith("Func") else tok.start - 1))
        elif sub.endswith("Close") and stack:
            aggregate, start = stack.pop()
            if aggregate and kind.endswith("Func"):
                spans.append((start, tok.start - 1, False))
            elif kind.endswith("Paren"):   # a parenthesised reference expression anywhere
                spans.append((start, tok.end - 1, True))
        elif kind.endswith("Sep") and sub.endswith("Arg") and stack:
            aggregate, start = stack[-1]
            if aggregate:
                spans.append((start, tok.start - 1, False))
            stack[-1] = (aggregate, tok.end - 1)
    out = raw
    done: list[tuple[int, int]] = []
    for start, end, one in sorted(spans, key=lambda x: (-x[1], x[0])):   # outermost first
        if any(a <= start and end <= b for a, b in done):
            continue   # inside a piece already written
        new = written(start, end, False, paren=one)
        if new is not None:
            out = out[:start] + new.encode() + out[end:]
            done.append((start, end))
    if out == raw:
        new = written(0, len(raw), True)
        return formula if new is None else new
    return out.decode("utf-8")


#: (The sheet-part trigger: a digit, spaces, then a reference or a parenthesis; the letter
#: before the digit is left to :func:`write_intersections`' own test, so the scan of a sheet
#: part does not start at every letter.)
INTERSECTIONS = Rewrite("the intersection operator", re.compile(rb"\d +[($A-Za-z']"),
                        write_intersections, needles=(b" ",))   # (triggers see formula text only)

REWRITES: tuple[Rewrite, ...] = (LITERAL_TEXT, SUMPRODUCT_SIZES, INTERSECTIONS)
