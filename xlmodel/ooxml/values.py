"""Cell values as the file stores them: error values and their codes.

>>> CellError("#CIRC!").file_code, CellError("#N/A").file_code, str(CellError("#DIV/0!", "why"))
('#VALUE!', '#N/A', '#DIV/0!')
"""

from __future__ import annotations

from dataclasses import dataclass

from xlmodel.ooxml.addresses import FILE_ERRORS


@dataclass(frozen=True)
class CellError:
    """An error value in a cell: the Excel code (``#VALUE!``) and, where known, why."""

    code: str
    message: str = ""

    def __str__(self) -> str:
        return self.code

    @property
    def file_code(self) -> str:
        """The code as written to the file (#CIRC! and other engine-only codes become #VALUE!)."""
        return self.code if self.code in FILE_ERRORS else "#VALUE!"
