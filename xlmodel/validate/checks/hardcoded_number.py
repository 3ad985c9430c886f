"""``hardcoded_number`` (warning): numeric literals typed into formulas."""

from __future__ import annotations

from typing import Any

import numpy as np

from xlmodel.tekst import format_tal
from xlmodel.validate.addresses import (
    block,
    in_block,
    regions,
    split_cell,
)
from xlmodel.validate.book import LoadedBook, sorted_unique
from xlmodel.validate.findings import Finding

# Numbers a formula may contain without being flagged: 0 and 1 (identity, flags, "1 +
# rate"), 12 (months in a year), 100 (percent ↔ fraction), 1,000 and 1,000,000 (kr. ↔ 1.000
# kr. ↔ mio. kr.; the tables of the agreement are in mio. kr.).  These are facts of
# arithmetic and units that never change with the agreement.  2 is NOT allowed: in this
# domain a bare 2 is as likely a rate in percent or a number of years (an assumption that
# belongs in a labelled input cell) as a halving.  Pass ``allowed=`` to change the list.
ALLOWED_NUMBERS = frozenset({0.0, 1.0, 12.0, 100.0, 1000.0, 1_000_000.0})

# Function arguments that are constants by convention (1-based positions): digits, column
# and row indices, match types, counts of characters, function numbers.  A number there is
# structure, not an assumption.
CONSTANT_ARGUMENTS: dict[str, frozenset[int]] = {
    name: frozenset(pos) for name, pos in {
        "ROUND": (2,), "ROUNDUP": (2,), "ROUNDDOWN": (2,), "TRUNC": (2,), "FIXED": (2,), "DOLLAR": (2,),
        "VLOOKUP": (3, 4), "HLOOKUP": (3, 4), "INDEX": (2, 3, 4), "MATCH": (3,), "XMATCH": (3, 4),
        "XLOOKUP": (5, 6), "OFFSET": (2, 3, 4, 5), "INDIRECT": (2,), "ADDRESS": (1, 2, 3, 4, 5),
        "LEFT": (2,), "RIGHT": (2,), "MID": (2, 3), "LEFTB": (2,), "RIGHTB": (2,), "MIDB": (2, 3),
        "FIND": (3,), "SEARCH": (3,), "REPLACE": (2, 3), "SUBSTITUTE": (4,),
        "SUBTOTAL": (1,), "AGGREGATE": (1, 2), "LARGE": (2,), "SMALL": (2,),
        "RANK": (3,), "RANK.EQ": (3,), "RANK.AVG": (3,), "WEEKDAY": (2,), "WEEKNUM": (2,),
        "EDATE": (2,), "EOMONTH": (2,), "DAYS360": (3,), "YEARFRAC": (3,),
        "SORT": (2, 3), "SORTBY": (3, 5), "TAKE": (2, 3), "DROP": (2, 3), "CHOOSECOLS": (2, 3, 4, 5),
        "CHOOSEROWS": (2, 3, 4, 5), "TEXTSPLIT": (3, 4, 5), "SEQUENCE": (1, 2), "RANDBETWEEN": (1, 2),
    }.items()
}


def hardcoded_numbers(book: LoadedBook, params: Any = None, *,
                      allowed: frozenset[float] = ALLOWED_NUMBERS) -> list[Finding]:
    """``hardcoded_number`` (warning): numeric literals typed into formulas.

    Numbers in :data:`ALLOWED_NUMBERS` and in conventionally constant arguments
    (:data:`CONSTANT_ARGUMENTS`) are not reported; numbers that are part of references
    (``B2``, ``1:3``) are not literals at all.  One finding per block of cells with the same
    formula pattern (a column of ``=B2*1.013`` … ``=B9*1.02`` is one block listing its rates).
    """
    out = []
    for sheet, first, rows, cols, forms in book.skeleton_groups():
        shared = book.structure(first).numbers
        # positions that are not conventional constants, then per form the values there
        candidates = [k for k, n in enumerate(shared)
                      if n.argument not in CONSTANT_ARGUMENTS.get(n.function or "", frozenset())]
        if not candidates:
            continue
        trusted = book.shares_analysis(first)
        flagged: dict[int, tuple[int, ...]] = {}  # form → positions of the numbers to report
        for form in sorted_unique(forms).tolist():
            if not trusted:  # a form analysed on its own (then alone in its group)
                flagged[form] = tuple(k for k in candidates if abs(shared[k].value) not in allowed)
                continue
            texts = book.form_numbers(form)
            flagged[form] = tuple(k for k in candidates
                                  if abs(float(texts[k]) / (100 if shared[k].percent else 1)) not in allowed)
        batches: dict[tuple[int, ...], list[int]] = {}
        for form, positions in flagged.items():
            if positions:
                batches.setdefault(positions, []).append(form)
        for positions, members in batches.items():
            mask = np.isin(forms, members)
            for q in regions(rows[mask], cols[mask]):
                inside = mask & in_block(rows, cols, q)
                values: dict[str, float] = {}
                for form in sorted_unique(forms[inside]).tolist():
                    texts = book.form_numbers(form) if trusted else [n.text for n in shared]
                    for k in positions:
                        pct = shared[k].percent
                        values.setdefault(texts[k] + ("%" if pct else ""),
                                          float(texts[k]) / (100 if pct else 1))
                shown = ", ".join(list(values)[:6])
                if len(values) > 6:
                    shown += f" … ({format_tal(len(values), 0)} forskellige)"
                single = len(values) == 1
                out.append(Finding(
                    "hardcoded_number", "warning", sheet.name, block(*q),
                    f"{'et fast tal' if single else 'faste tal'} {shown} i formlen: læg "
                    f"{'det' if single else 'dem'} i en navngivet inputcelle (fx i Parametre-arket), "
                    "og henvis til den",
                    actual=next(iter(values.values())) if single else shown,
                    formula=sheet.formula(q[0], q[1])))
    return sorted(out, key=lambda f: (book.sheetnames.index(f.sheet or ""),
                                      split_cell((f.cell or "A1").split(":")[0])))
