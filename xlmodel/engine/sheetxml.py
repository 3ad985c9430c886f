"""Worksheet XML as the engine uses it: :mod:`xlmodel.ooxml.sheet` and :mod:`xlmodel.ooxml.addresses`.

Re-exported so that older imports keep working; new code imports from :mod:`xlmodel.ooxml`.
"""

from __future__ import annotations

from xlmodel.ooxml.addresses import (
    address,
    col_letters,
    col_number,
    parse_address,
    parse_range,
    range_text,
)
from xlmodel.ooxml.sheet import Constant, SheetXml, Update

__all__ = ["Constant", "SheetXml", "Update", "address", "col_letters", "col_number", "parse_address",
           "parse_range", "range_text"]
