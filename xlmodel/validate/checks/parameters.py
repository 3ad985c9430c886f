"""Parameters check: the workbook's Parametre sheet against a named parameter set.

A value that differs from the set is, for an [aftale]/[lov]/[udmelding] value (a stale 2013
rate left in a 2014 model, a typo), an error naming the row, the set's value and its source
("afviger fra aftalen"); for an [antagelse] it is the user's change, reported as info (the
workbook computes with it, source "bruger"); a dated row the set does not have, or
a name the set does not know, is a warning; a value of the set missing from the sheet is a
warning.  A workbook without a Parametre sheet is not an xlmodel model: nothing to check.
"""

from __future__ import annotations

import math
import re
from typing import Any

from xlmodel.excel.layout import COLUMNS, SHEET
from xlmodel.parameters import OFFICIAL, ParameterSet, resolve
from xlmodel.tekst import format_aar, format_eksakt
from xlmodel.validate.addresses import block
from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding

_NAME = re.compile(r"^(?P<name>[\w.]+)(\[(?P<index>\d+)\])?$")
CHECK = "parameters"


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return str(a).strip() == str(b).strip()


def parameters(book: LoadedBook, params: ParameterSet | None) -> list[Finding]:
    sheet = book.find_sheet(SHEET)
    if sheet is None:
        return []
    ps = resolve(params)
    header = tuple(str(sheet.values.get((1, c), "") or "").strip().lower()
                   for c in range(1, len(COLUMNS) + 1))
    if header != COLUMNS:
        # another tool's Parametre sheet (or a damaged header): say so, compare nothing
        return [Finding(CHECK, "info", sheet.name, block(1, 1, 1, len(COLUMNS)),
                        f"Parametre-arkets overskrift er ikke xlmodels ({', '.join(COLUMNS)}): "
                        "rækkerne er ikke sammenlignet",
                        expected=", ".join(COLUMNS), actual=", ".join(header))]
    found: list[Finding] = []
    seen: set[tuple[str, int, int | None]] = set()
    last_row = max((r for r, _ in sheet.values), default=1)
    for r in range(2, last_row + 1):
        navn, aar, vaerdi = (sheet.values.get((r, c)) for c in (1, 2, 3))
        if navn is None and vaerdi is None:
            continue
        where = f"C{r}"
        m = _NAME.match(str(navn or "").strip())
        if m is None or not isinstance(aar, int | float) or isinstance(aar, bool):
            found.append(Finding(CHECK, "warning", sheet.name, f"A{r}",
                                 f"række {r} er ikke 'navn, år, værdi' "
                                 f"({format_eksakt(navn)}, {format_eksakt(aar)})", actual=navn))
            continue
        name, index, year = m["name"], m["index"], int(aar)
        param = ps.parameters.get(name)
        if param is None:
            found.append(Finding(CHECK, "warning", sheet.name, f"A{r}",
                                 f"{name} er ikke en parameter i {ps.name}", actual=name))
            continue
        if year not in param.values:
            have = ", ".join(format_aar(y) for y in sorted(param.values))
            found.append(Finding(CHECK, "error", sheet.name, f"B{r}",
                                 f"{name} for {year} findes ikke i {ps.name} (det har {have}): en forældet "
                                 "eller fremmed værdi; opdater modellen med det rigtige parametersæt",
                                 expected=have, actual=year))
            continue
        expected = param.values[year]
        if index is not None:
            i = int(index)
            expected = expected[i] if isinstance(expected, list) and i < len(expected) else None
        seen.add((name, year, None if index is None else int(index)))
        if expected is None or not _close(vaerdi, expected):
            kind, reference, _ = param.provenance.get(year, (param.source, param.reference, param.note))
            source = f"{kind}: {reference}"
            diff = (float(vaerdi) - float(expected)
                    if isinstance(vaerdi, int | float) and isinstance(expected, int | float) else None)
            if kind == "antagelse" and expected is not None:
                # An assumption is meant to be changed: the workbook uses the user's value (source
                # "bruger"); say so, it is not an error (issue 11, deliver 3).
                found.append(Finding(CHECK, "info", sheet.name, where,
                                     f"{name} {year} er ændret af brugeren til {format_eksakt(vaerdi)} "
                                     f"(en antagelse; {ps.name} har {format_eksakt(expected)}, {source}): "
                                     "projektmappen bruger brugerens værdi", expected=expected, actual=vaerdi,
                                     difference=diff))
                continue
            departs = "afviger fra aftalen" if kind in OFFICIAL else "afviger fra parametersættet"
            found.append(Finding(CHECK, "error", sheet.name, where,
                                 f"{name} {year} er {format_eksakt(vaerdi)} i arket, men "
                                 f"{format_eksakt(expected)} i {ps.name} ({source}): {departs}",
                                 expected=expected, actual=vaerdi, difference=diff))
    for p in ps.parameters.values():
        for year, value in p.values.items():
            keys = [(p.name, year, i) for i in range(len(value))] if isinstance(value, list) else [
                (p.name, year, None)]
            if not any(k in seen for k in keys) and not _reported(found, p.name, year):
                found.append(Finding(CHECK, "warning", sheet.name, None,
                                     f"{p.name} {year} fra {ps.name} mangler i Parametre-arket",
                                     expected=value if not isinstance(value, list) else str(value)))
    return found


def _reported(found: list[Finding], name: str, year: int) -> bool:
    return any(name in f.message and str(year) in f.message for f in found)
