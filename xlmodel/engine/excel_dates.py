"""Date, time and text functions (DATE, EDATE, EOMONTH, ISOWEEKNUM, DATEDIF, WEEKNUM, LEFT, RIGHT,
REPLACE, FIXED, TEXTAFTER…) as Excel computes them.

Part of the engine's Excel-exactness modules (xlmodel.engine.excel_registry): ``register``
binds the functions, ``REWRITES`` rewrites formula text on the engine's copy only.  Each function
follows Microsoft's help page and is checked against the values Excel cached in the
real-workbook corpus (tests/corpus_real).  Argument coercion: xlmodel.engine.excel_coerce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xlmodel.engine.excel_registry import Rewrite

REWRITES: tuple[Rewrite, ...] = ()


def register(wb: Any, formulas: Mapping[str, Iterable[Any]], *, date1904: bool = False) -> None:
    """Register this module's functions on ``wb`` (none yet)."""
