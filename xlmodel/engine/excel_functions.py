"""Excel functions the headless engine lacks or gets wrong, registered with formualizer.

Each function here follows Excel's documented behaviour and is checked against the values Excel
cached in the real-workbook corpus (tests/corpus_real; tests/test_excel_functions_corpus in
tests/test_corpus_real.py).  :func:`register` binds them to a formualizer workbook, overriding a
built-in of the same name (``allow_override_builtin=True``) where the built-in's answer differs
from Excel's: formualizer's CONVERT knows few units and no prefixes, its DEC2BIN/DEC2OCT/DEC2HEX
and the other base conversions refuse negative numbers and give #VALUE! where Excel gives #NUM!,
its CEILING/CEILING.MATH/FLOOR.MATH round negative numbers the other way, and it has no VDB.

A function gets its arguments as formualizer passes them (numbers as float, text, booleans,
None for an empty cell, a range as a list of rows) and returns a value or an Excel error
(``{"type": "Error", "kind": "Num"}``).  A range where Excel expects one value is applied
element by element (Excel's array lifting) and returns a list of rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from xlmodel.engine import excel_dates, excel_lifting, excel_more, excel_registry, excel_text
from xlmodel.engine.excel_coerce import ExcelError, error, is_error
from xlmodel.engine.excel_finance import vdb  # moved there (the financial family); name kept
from xlmodel.engine.excel_units import UNITS

# One error type and error value for every Excel function xlmodel registers (excel_coerce).
_Err = ExcelError
_error = error
_is_error = is_error


def _number(v: Any) -> float:
    """Excel's coercion of an argument to a number: blank 0, TRUE 1, numeric text, else #VALUE!."""
    if _is_error(v):
        raise _Err(str(v.get("kind")))
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            raise _Err("Value") from None
    raise _Err("Value")


def _text(v: Any) -> str:
    if _is_error(v):
        raise _Err(str(v.get("kind")))
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Apply ``fn`` element by element over range arguments; Excel errors become error values."""

    def call(*args: Any) -> Any:
        grids = [a for a in args if isinstance(a, list)]
        if not grids:
            try:
                return fn(*args)
            except _Err as e:
                return _error(e.kind)
        rows = max(len(g) for g in grids)
        cols = max(len(g[0]) if g else 0 for g in grids)

        def pick(a: Any, i: int, j: int) -> Any:
            if not isinstance(a, list):
                return a
            ii = i if len(a) > 1 else 0
            jj = j if a and len(a[0]) > 1 else 0
            if ii >= len(a) or jj >= len(a[ii]):
                raise _Err("Na")
            return a[ii][jj]

        out = []
        for i in range(rows):
            row = []
            for j in range(cols):
                try:
                    row.append(fn(*(pick(a, i, j) for a in args)))
                except _Err as e:
                    row.append(_error(e.kind))
            out.append(row)
        return out

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


def _scalar(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with Excel errors returned as error values (no lifting over ranges)."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except _Err as e:
            return _error(e.kind)

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


# ------------------------------------------------------------------------------- CONVERT ----
_SI = {"Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3,
       "h": 1e2, "da": 1e1, "e": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6, "n": 1e-9,
       "p": 1e-12, "f": 1e-15, "a": 1e-18, "z": 1e-21, "y": 1e-24}
_BINARY = {"Yi": 2.0 ** 80, "Zi": 2.0 ** 70, "Ei": 2.0 ** 60, "Pi": 2.0 ** 50, "Ti": 2.0 ** 40,
           "Gi": 2.0 ** 30, "Mi": 2.0 ** 20, "ki": 2.0 ** 10}
_TEMPERATURE = {"fah": "F", "cel": "C", "kel": "K"}


def _units(name: str) -> list[tuple[str, str, float]]:
    """Every reading (unit, category, prefix multiplier) of a CONVERT unit text.

    A text can be both a unit and a prefixed unit (``"pc"``: parsec, or pico-calorie); Excel
    takes the reading whose category fits the other unit.
    """
    out = []
    if name in UNITS:
        out.append((name, UNITS[name][0], 1.0))
    for size in (1, 2):
        prefix, rest = name[:size], name[size:]
        if rest in UNITS and (prefix in _SI or prefix in _BINARY):
            category, _, allowed = UNITS[rest]
            if not allowed or (prefix in _BINARY and category != "Information"):
                continue
            power = 3 if rest.endswith("3") else 2 if rest.endswith("2") else 1
            out.append((rest, category, (_SI.get(prefix) or _BINARY[prefix]) ** power))
    return out


def _to_kelvin(unit: str, v: float) -> float:
    unit = _TEMPERATURE.get(unit, unit)
    return {"F": lambda x: (x - 32) / 1.8 + 273.15, "C": lambda x: x + 273.15,
            "Rank": lambda x: x / 1.8, "Reau": lambda x: x * 1.25 + 273.15}.get(unit, lambda x: x)(v)


def _from_kelvin(unit: str, v: float) -> float:
    unit = _TEMPERATURE.get(unit, unit)
    return {"F": lambda x: (x - 273.15) * 1.8 + 32, "C": lambda x: x - 273.15,
            "Rank": lambda x: x * 1.8, "Reau": lambda x: (x - 273.15) * 0.8}.get(unit, lambda x: x)(v)


@_scalar
def convert(number: Any, from_unit: Any, to_unit: Any) -> float:
    """CONVERT(number, from_unit, to_unit): Excel's units, SI and binary prefixes.

    A prefix of a squared or cubed unit is squared or cubed (Excel: ``"km2"`` is 10^6 m²):

    >>> convert(1, "Yg", "g"), convert(1, "kibyte", "byte"), round(convert(100, "C", "F"), 6)
    (1e+24, 1024.0, 212.0)
    >>> convert(1, "km2", "m2"), round(convert("3.6", "C", "F"), 9), convert(1, "pc", "J")
    (1000000.0, 38.48, 4.184e-12)
    >>> convert(1, "m", "g")
    {'type': 'Error', 'kind': 'Na'}
    """
    if isinstance(number, bool | list) or isinstance(from_unit, list) or isinstance(to_unit, list):
        raise _Err("Value")   # Excel: a number or numeric text (no TRUE), and no ranges
    value = _number(number)
    pairs = [(f, t) for f in _units(_text(from_unit)) for t in _units(_text(to_unit)) if f[1] == t[1]]
    if not pairs:
        raise _Err("Na")
    (f_unit, f_cat, f_mul), (t_unit, _, t_mul) = pairs[0]
    value *= f_mul
    if f_unit == t_unit:
        return value / t_mul
    if f_cat == "Temperature":
        return _from_kelvin(t_unit, _to_kelvin(f_unit, value)) / t_mul
    return value / UNITS[f_unit][1] * UNITS[t_unit][1] / t_mul


# ------------------------------------------------------------------------ base conversions ----
_BASES = {"BIN": 2, "OCT": 8, "DEC": 10, "HEX": 16}
_DIGITS = "0123456789ABCDEF"


def _parse_base(text: Any, base: int) -> int:
    """A BIN/OCT/HEX argument (at most 10 digits, two's complement) as an integer."""
    if isinstance(text, bool):
        raise _Err("Value")
    s = _text(text).strip().upper()
    if len(s) > 10 or any(ch not in _DIGITS[:base] for ch in s):
        raise _Err("Num")
    if not s:
        return 0
    n = int(s, base)
    if len(s) == 10 and n >= base ** 10 // 2:
        n -= base ** 10
    return n


def _places(places: Any) -> int | None:
    """The ``places`` argument: None when left out; #NUM! unless 1–10 (checked first, as Excel)."""
    if places is None or places == "":
        return None
    p = _number(places)
    if not 1 <= p <= 10:   # Excel: #NUM! for zero, negative or more than 10 places
        raise _Err("Num")
    return int(p)


def _format_base(n: int, base: int, places: int | None) -> str:
    """``n`` in ``base`` (negatives: 10 digits, two's complement), padded to ``places``."""
    limit = base ** 10 // 2
    if not -limit <= n < limit:
        raise _Err("Num")
    negative = n < 0
    if negative:
        n += base ** 10
    digits = ""
    while n:
        n, r = divmod(n, base)
        digits = _DIGITS[r] + digits
    digits = digits or "0"
    if places is not None and not negative:   # a negative number's 10 digits ignore places
        if places < len(digits):
            raise _Err("Num")
        digits = digits.rjust(places, "0")
    return digits


def _base_function(src: str, dst: str) -> Callable[..., Any]:
    sb, db = _BASES[src], _BASES[dst]

    def fn(number: Any, places: Any = None) -> Any:
        if isinstance(number, list) or isinstance(places, list):
            raise _Err("Value")   # Excel's engineering functions do not take ranges
        p = _places(places) if dst != "DEC" else None
        if src == "DEC":
            if isinstance(number, bool):
                raise _Err("Value")
            n = math.trunc(_number(number))
        else:
            n = _parse_base(number, sb)
        if dst == "DEC":
            return float(n)
        return _format_base(n, db, p)

    fn.__name__ = f"{src}2{dst}"
    fn.__doc__ = f"{src}2{dst}(number, [places]): Excel's base conversion (10 digits, two's complement)."
    return _scalar(fn)


# ------------------------------------------------------------------------------- rounding ----
def _quotient(n: float, s: float) -> float:
    """n/s rounded to 15 significant digits, as Excel does before rounding up or down."""
    return float(f"{n / s:.15g}")


@_lifted
def ceiling(number: Any, significance: Any) -> float:
    """CEILING(number, significance): Excel 2010+ rules.

    >>> ceiling(-2.5, -2), ceiling(-2.5, 2), ceiling(2, 0)
    (-4.0, -2.0, 0.0)
    >>> ceiling(2, -2)
    {'type': 'Error', 'kind': 'Num'}
    """
    n, s = _number(number), _number(significance)
    if s == 0 or n == 0:
        return 0.0
    if n > 0 and s < 0:
        raise _Err("Num")
    if n < 0 and s < 0:
        return -math.ceil(_quotient(-n, -s)) * -s
    return math.ceil(_quotient(n, s)) * s


#: An optional argument left out of the call (an empty cell passed is None: the number 0).
_OMITTED: Any = object()


@_lifted
def ceiling_math(number: Any, significance: Any = _OMITTED, mode: Any = None) -> float:
    """CEILING.MATH(number, [significance], [mode]); significance left out 1, an empty cell 0.

    >>> ceiling_math(-5.5, 2), ceiling_math(-5.5, 2, -1), ceiling_math(6.3), ceiling_math(6.3, None)
    (-4.0, -6.0, 7.0, 0.0)
    """
    n = _number(number)
    s = abs(_number(significance)) if significance is not _OMITTED and significance != "" else 1.0
    if s == 0:
        return 0.0
    if n < 0 and mode not in (None, "") and _number(mode) != 0:
        return -math.ceil(_quotient(-n, s)) * s
    return math.ceil(_quotient(n, s)) * s


@_lifted
def floor_math(number: Any, significance: Any = _OMITTED, mode: Any = None) -> float:
    """FLOOR.MATH(number, [significance], [mode]); significance left out 1, an empty cell 0
    (Excel: FLOOR.MATH(-0.6, <empty>) is 0, formulas' test.xlsx MATH & TRIG!AL32).

    >>> floor_math(-5.5, 2), floor_math(-5.5, 2, -1), floor_math(6.7), floor_math(-0.6, None)
    (-6.0, -4.0, 6.0, 0.0)
    """
    n = _number(number)
    s = abs(_number(significance)) if significance is not _OMITTED and significance != "" else 1.0
    if s == 0:
        return 0.0
    if n < 0 and mode not in (None, "") and _number(mode) != 0:
        return -math.floor(_quotient(-n, s)) * s
    return math.floor(_quotient(n, s)) * s


#: name → (callable, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "CONVERT": (convert, 3, 3),
    "CEILING": (ceiling, 2, 2),
    "CEILING.MATH": (ceiling_math, 1, 3),
    "FLOOR.MATH": (floor_math, 1, 3),
    "VDB": (vdb, 5, 7),
    **{f"{a}2{b}": (_base_function(a, b), 1, 1 if b == "DEC" else 2)
       for a in _BASES for b in _BASES if a != b},
}
_LIFTED_MORE = {"PERMUTATIONA"}
_MORE = {name: ((_lifted if name in _LIFTED_MORE else _scalar)(fn), lo, hi)
         for name, (fn, lo, hi) in excel_more.functions(_Err, _number, _text).items()}
#: Registered here from their family modules (one implementation each): REGEX* of excel_text,
#: YEARFRAC of excel_dates.  Those modules register them again, within their call budgets;
#: registering them here too keeps the same version above the budget.
_FROM_FAMILIES = ("REGEXTEST", "REGEXEXTRACT", "REGEXREPLACE")
NAMES: frozenset[str] = (frozenset(FUNCTIONS) | frozenset(_MORE) | frozenset(_FROM_FAMILIES)
                         | {"CHAR", "CODE", "TEXT", "YEARFRAC", "PROB"})   # (PROB: excel_stats)
# (the lookups, quantiles, GCD/LCM and ISEVEN/ISODD overridden below are formualizer built-ins)


def _text_function(date1904: bool) -> Callable[..., Any]:
    """TEXT(value, format_text): number formats here (excel_text), dates and times by formualizer."""

    def text(value: Any, fmt: Any) -> Any:
        if _is_error(value):
            raise _Err(str(value.get("kind")))
        pattern = _text(fmt)
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"   # Excel: a logical value is not formatted
        v: Any = 0.0 if value is None else value
        if isinstance(v, str) and v.strip():   # numeric, date or time text counts as its number
            try:
                v = float(v.strip())
            except ValueError:
                number = excel_text.time_text(v)
                if number is None:
                    number = excel_lifting.builtin("VALUE", [v], date1904)
                v = number if isinstance(number, float) else v
        try:
            return excel_text.text_format(v, pattern)
        except excel_text.Unsupported:
            return excel_lifting.builtin("TEXT", [value, pattern], date1904)
        except (ValueError, OverflowError):
            raise _Err("Value") from None

    text.__name__ = "TEXT"
    return text


def charset(pkg: Any) -> str:
    """The character set CHAR and CODE use for a package: that of the application that saved it."""
    part = "docProps/app.xml"
    return excel_text.charset_of(pkg.get(part).decode("utf-8", "replace") if pkg.has(part) else "")


def register(wb: Any, formulas: Mapping[str, Iterable[Any]] | None = None, *,
             date1904: bool = False, charset: str = excel_text.WINDOWS) -> None:
    """Register every function of this module on ``wb`` (built-ins of the same name overridden).

    ``formulas`` (the workbook's formula cells by sheet, ``FormulaCell``-like: ``f_type``,
    ``text``) lets the built-ins its array formulas call be lifted over ranges as Excel does
    (xlmodel.engine.excel_lifting); ``date1904`` is the workbook's date system, for those;
    ``charset`` the character set of CHAR and CODE (:func:`charset`).
    """
    functions = {**FUNCTIONS,
                 "CHAR": (_lifted(excel_text.char(charset, _Err, _number)), 1, 1),
                 "CODE": (_lifted(excel_text.code(charset, _Err, _text)), 1, 1),
                 "TEXT": (_lifted(_text_function(date1904)), 2, 2),
                 "YEARFRAC": excel_dates.bound("YEARFRAC", date1904), **_MORE}
    texts = excel_text.registered(date1904)
    functions.update({name: texts[name] for name in _FROM_FAMILIES})
    lookups = lookups_to_override(formulas or {})
    functions.update({name: _BUDGETED[name] for name in lookups})
    functions.update(excel_more.SCALARS)
    for name, (fn, lo, hi) in functions.items():
        for spelling in excel_lifting.spellings(name):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
    if formulas:
        texts = [fc.text for cells in formulas.values() for fc in cells
                 if getattr(fc, "f_type", None) == "array" and getattr(fc, "text", None)]
        # an overridden lookup lifts its own lookup value (excel_more._lift)
        excel_lifting.register(wb, excel_lifting.needed(texts) - lookups, date1904=date1904,
                               called=excel_registry.called(formulas))


#: The most cells the calls of one lookup function may read before its Excel-exact override
#: (xlmodel.engine.excel_more.LOOKUPS) is left out for formualizer's native lookup: a Python
#: callback receives every range as Python lists on every call (about 1.2 µs a cell), so a
#: workbook of many lookups over long tables keeps the native speed.  Below it the cost of all
#: calls together stays under about 0.06 s (measured: 330 VLOOKUPs over 3,000 cells each 1.36 s with
#: the overrides, 0.13 s native).
LOOKUP_CELL_BUDGET = 50_000


def _cells_read(text: str) -> int:
    """The cells the A1 ranges of a formula text cover (excel_registry.range_cells; a defined
    name or a table reference counts as the whole budget and one more)."""
    return min(excel_registry.range_cells(text), LOOKUP_CELL_BUDGET + 1)


def lookups_to_override(formulas: Mapping[str, Iterable[Any]]) -> set[str]:
    """The overrides of excel_more.LOOKUPS and excel_more.RANGE_READERS (functions reading
    ranges) whose calls in the workbook read at most :data:`LOOKUP_CELL_BUDGET` cells together
    (excel_registry.cells_read: every range of a formula calling the function, times the cells
    the formula fills, a shared formula's followers included).

    >>> class F:
    ...     f_type, text = "normal", "VLOOKUP(A1,Data!A1:C100,2,FALSE)"
    >>> sorted(lookups_to_override({"S": [F()] * 10}))
    ['VLOOKUP']
    >>> sorted(lookups_to_override({"S": [F()] * 400}))
    []
    """
    cost = excel_registry.cells_read(formulas, _BUDGETED, budget=LOOKUP_CELL_BUDGET)
    return {name for name, n in cost.items() if n <= LOOKUP_CELL_BUDGET}


_BUDGETED = {**excel_more.LOOKUPS, **excel_more.RANGE_READERS}
