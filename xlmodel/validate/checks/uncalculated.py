"""``uncalculated`` (info): formulas without cached values, so value-based checks could not run."""

from __future__ import annotations

from typing import Any

from xlmodel.tekst import format_tal
from xlmodel.validate.book import LoadedBook
from xlmodel.validate.findings import Finding


def uncalculated(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``uncalculated`` (info): formulas carry no cached values, so error values, footing and
    recomputation cannot be compared until the file is calculated (opened and saved in Excel
    or LibreOffice)."""
    if book.formula_count == 0 or book.has_cached_values:
        return []
    return [Finding("uncalculated", "info", None, None,
                    f"ingen af de {format_tal(book.formula_count, 0)} formler har en gemt værdi "
                    "(filen er skrevet af et program, der ikke beregner): kontrollerne af værdier er "
                    "sprunget over")]
