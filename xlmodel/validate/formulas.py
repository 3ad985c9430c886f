"""Formula analysis: what one formula contains, found once per form by tokenising.

:func:`analyse_formula` tokenises a formula with openpyxl's ``Tokenizer`` and records its
references, defined names, numeric literals and function calls with argument positions
(:class:`FormInfo`).  The loaded book (:mod:`xlmodel.validate.book`) does this once per form
or skeleton and shares the result with all its cells.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from xlmodel.validate.references import Ref, parse_ref, to_r1c1


def _openpyxl_tokenizer() -> types.ModuleType:
    """openpyxl's formula tokenizer (``openpyxl/formula/tokenizer.py``), without openpyxl.

    The tokenizer needs only :mod:`re`, but ``import openpyxl.formula.tokenizer`` first runs
    openpyxl's package ``__init__``, which loads its whole workbook model (about 0.2 s of
    every validation).  So the module is loaded from its file, under a private name.
    """
    name = "xlmodel.validate._openpyxl_tokenizer"
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec("openpyxl")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("openpyxl is not installed")
    path = os.path.join(next(iter(spec.submodule_search_locations)), "formula", "tokenizer.py")
    file_spec = importlib.util.spec_from_file_location(name, path)
    if file_spec is None or file_spec.loader is None:
        raise ImportError(f"openpyxl's formula tokenizer not found at {path}")
    module = importlib.util.module_from_spec(file_spec)
    sys.modules[name] = module
    file_spec.loader.exec_module(module)
    return module


_tokenizer = _openpyxl_tokenizer()
Token, Tokenizer, TokenizerError = _tokenizer.Token, _tokenizer.Tokenizer, _tokenizer.TokenizerError


@dataclass(frozen=True)
class RefUse:
    ref: Ref
    function: str | None   # innermost enclosing function
    argument: int          # 1-based argument position in that function (0 outside any)
    name: str | None = None  # the defined name the reference came through, if any


@dataclass(frozen=True)
class NumberUse:
    text: str
    value: float
    function: str | None
    argument: int
    in_array: bool
    percent: bool = False  # followed by %: value is text / 100


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[tuple[Token, ...], ...]


@dataclass
class FormInfo:
    """What one R1C1 form contains, found once by tokenising an example cell's formula."""

    r1c1: str
    refs: list[RefUse] = field(default_factory=list)
    names: list[tuple[str, str | None, int]] = field(default_factory=list)  # (name, function, arg)
    numbers: list[NumberUse] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    ref_error: bool = False
    parse_error: str = ""
    tokens: tuple[Token, ...] = ()


def _function_name(value: str) -> str:
    name = value.rstrip("(").upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


#: Analyses by (formula, row, col), shared by every book this process validates: the workbooks
#: of one folder usually come from one template, so the same formula sits in the same cell of
#: each.  A :class:`FormInfo` from here is shared: never change it.
_ANALYSED: dict[tuple[str, int, int], FormInfo] = {}
_ANALYSED_LIMIT = 50_000


def analyse_formula(formula: str, row: int, col: int) -> FormInfo:
    """:func:`_analyse` once per (formula, row, col) in this process (see :data:`_ANALYSED`)."""
    key = (formula, row, col)
    found = _ANALYSED.get(key)
    if found is None:
        found = _analyse(formula, row, col)
        if len(_ANALYSED) >= _ANALYSED_LIMIT:
            _ANALYSED.clear()
        _ANALYSED[key] = found
    return found


def _analyse(formula: str, row: int, col: int) -> FormInfo:
    """Tokenise ``formula`` (at ``row``/``col``) with openpyxl's Tokenizer and record its
    references, names, numeric literals and function calls with their argument positions.

    >>> info = analyse_formula("=ROUND(B2*1.013,2)", 2, 3)
    >>> [(n.value, n.function, n.argument) for n in info.numbers]
    [(1.013, 'ROUND', 1), (2.0, 'ROUND', 2)]
    """
    info = FormInfo(to_r1c1(formula, row, col))
    try:
        items = Tokenizer(formula if formula.startswith("=") else "=" + formula).items
    except (TokenizerError, IndexError, ValueError) as exc:
        info.parse_error = str(exc) or type(exc).__name__
        return info
    info.tokens = tuple(items)
    # stack entries: [kind, function name, argument position, argument token lists]
    stack: list[list[Any]] = []

    def context() -> tuple[str | None, int, bool]:
        in_array = False
        for entry in reversed(stack):
            if entry[0] == "array":
                in_array = True
            if entry[0] == "func":
                return entry[1], entry[2], in_array
        return None, 0, in_array

    for i, tok in enumerate(items):
        for entry in stack:  # every enclosing call collects the tokens of its current argument
            if entry[0] == "func" and not (entry is stack[-1] and tok.type == Token.SEP
                                           and tok.subtype == Token.ARG):
                entry[3][-1].append(tok)
        if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
            stack.append(["func", _function_name(tok.value), 1, [[]]])
        elif tok.type == Token.FUNC and tok.subtype == Token.CLOSE:
            while stack and stack[-1][0] != "func":
                stack.pop()
            if stack:
                _, name, _, args = stack.pop()
                args[-1] = args[-1][:-1]  # drop the closing token itself
                if len(args) == 1 and not args[0]:
                    args = []
                info.calls.append(Call(name, tuple(tuple(a) for a in args)))
        elif tok.type == Token.PAREN:
            if tok.subtype == Token.OPEN:
                stack.append(["paren", None, 0, None])
            elif stack and stack[-1][0] == "paren":
                stack.pop()
        elif tok.type == Token.ARRAY:
            if tok.subtype == Token.OPEN:
                stack.append(["array", None, 0, None])
            elif stack and stack[-1][0] == "array":
                stack.pop()
        elif tok.type == Token.SEP and tok.subtype == Token.ARG and stack and stack[-1][0] == "func":
            stack[-1][2] += 1
            stack[-1][3].append([])
        elif tok.type == Token.OPERAND:
            function, argument, in_array = context()
            if tok.subtype == Token.NUMBER:
                try:
                    value = float(tok.value)
                except ValueError:
                    continue
                nxt = items[i + 1] if i + 1 < len(items) else None
                percent = nxt is not None and nxt.type == Token.OP_POST and nxt.value == "%"
                info.numbers.append(NumberUse(tok.value, value / 100 if percent else value, function,
                                              argument, in_array, percent))
            elif tok.subtype == Token.ERROR:
                info.ref_error |= tok.value.upper() == "#REF!"
            elif tok.subtype == Token.RANGE:
                if "#REF!" in tok.value.upper():
                    info.ref_error = True
                    continue
                ref = parse_ref(tok.value, row, col)
                if ref is not None:
                    info.refs.append(RefUse(ref, function, argument))
                elif "[" not in tok.value:
                    info.names.append((tok.value, function, argument))
    return info
