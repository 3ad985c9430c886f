"""``approximate_lookup`` (warning): VLOOKUP/HLOOKUP/MATCH left on approximate match."""

from __future__ import annotations

from typing import Any

from xlmodel.validate.addresses import (
    block,
    regions,
)
from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding
from xlmodel.validate.formulas import Token


def _calls_lookup(key: str) -> bool:
    key = key.upper()
    return "LOOKUP(" in key or "MATCH(" in key


def approximate_lookups(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``approximate_lookup`` (warning): VLOOKUP/HLOOKUP/MATCH left on approximate match.

    VLOOKUP/HLOOKUP need a 4th argument FALSE or 0, MATCH a 3rd argument 0; a missing argument
    or TRUE/1/-1 means "the largest value ≤ the key in a sorted list", which silently returns
    a wrong row when the list is not sorted or the key is missing.  An argument that is a
    reference or an expression cannot be judged from the file and is not reported.
    """
    out = []
    for sheet, form, rows, cols in book.groups(_calls_lookup):
        info = book.analysis(form)
        bad = []
        for call in info.calls:
            position = {"VLOOKUP": 4, "HLOOKUP": 4, "MATCH": 3}.get(call.function)
            if position is None:
                continue
            if len(call.arguments) < position:
                bad.append(f"{call.function} uden sit {'4.' if position == 4 else '3.'} argument "
                           "(så bruges omtrentligt match)")
                continue
            arg = [t for t in call.arguments[position - 1] if t.type != Token.WSPACE]
            if not arg:
                continue  # VLOOKUP(k,t,2,) : an empty argument is 0, exact match
            literal = _literal(arg)
            if literal is not None and literal != 0:
                shown = "".join(t.value for t in arg)
                bad.append(f"{call.function} med match-argumentet {shown} (omtrentligt match)")
        if not bad:
            continue
        for q in regions(rows, cols):
            out.append(Finding(
                "approximate_lookup", "warning", sheet.name, block(*q),
                "; ".join(dict.fromkeys(bad)) + ": brug eksakt match (FALSE eller 0), medmindre "
                "opslagskolonnen er sorteret, og det nærmeste lavere match er meningen",
                formula=sheet.formula(q[0], q[1])))
    return out


def _literal(tokens: list[Token]) -> float | None:
    """The value of an argument that is a constant: a number, TRUE/FALSE (also written as the
    functions TRUE()/FALSE(), as LibreOffice saves them), with an optional sign; else None."""
    sign = 1.0
    if tokens and tokens[0].type == Token.OP_PRE:
        sign = -1.0 if tokens[0].value == "-" else 1.0
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0].type == Token.OPERAND:
        tok = tokens[0]
        if tok.subtype == Token.LOGICAL:
            return 1.0 if tok.value.upper() == "TRUE" else 0.0
        if tok.subtype == Token.NUMBER:
            try:
                return sign * float(tok.value)
            except ValueError:
                return None
    if (len(tokens) == 2 and tokens[0].type == Token.FUNC and tokens[1].type == Token.FUNC
            and tokens[0].value.upper() in ("TRUE(", "FALSE(")):
        return 1.0 if tokens[0].value.upper() == "TRUE(" else 0.0
    return None
