"""``manual_calculation`` (warning): the workbook is set to manual calculation."""

from __future__ import annotations

from typing import Any

from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding


def manual_calculation(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``manual_calculation`` (warning): the workbook does not recalculate by itself, so the
    numbers it shows may not follow from its formulas."""
    if book.calc_mode != "manual":
        return []
    return [Finding("manual_calculation", "warning", None, None,
                    "projektmappen er sat til manuel beregning (calcMode=\"manual\"): de viste værdier kan "
                    "være forældede; vælg Formler → Beregningsindstillinger → Automatisk",
                    expected="auto", actual="manual")]
