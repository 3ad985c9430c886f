"""What the engine calls: the table of functions a face hands it (the engine imports no face).

The engine registers every entry with formualizer (name, arity, callback) and uses the table's
``message`` for a refused call's text and ``error_kinds`` to read formualizer's error values.
The Excel face builds the table from the catalogue (:func:`xlmodel.excel.headless.function_table`);
a test or another face may hand over any table, or :data:`NO_FUNCTIONS`.

>>> table = FunctionTable((EngineFunction("DOUBLE", 1, 1, lambda x: 2 * x),))
>>> table.names(), bool(table.call_pattern().search("=1+double(2)")), NO_FUNCTIONS.call_pattern()
(['DOUBLE'], True, None)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class EngineFunction:
    """One function the engine may call: its name, arity and the callback that computes it.

    The callback raises on a refused input (the cell becomes ``#VALUE!`` and the table's
    ``message`` says why).  ``kind`` is the result kind ("scalar", "array", …), for reports.
    """

    name: str
    min_args: int
    max_args: int
    callback: Callable[..., Any]
    kind: str = "scalar"


def _plain_message(exc: BaseException) -> str:
    return str(exc)


@dataclass(frozen=True)
class FunctionTable:
    """The functions a face hands the engine, with how to word a refusal and read an error."""

    functions: tuple[EngineFunction, ...] = ()
    message: Callable[[BaseException], str] = _plain_message
    error_kinds: Mapping[str, str] = field(default_factory=dict)  # formualizer kind → "#DIV/0!"
    #: Called once, on the engine's (main) thread, before an evaluation in which a function of the
    #: table may be called: imports what the callbacks need, so that no worker thread can see a
    #: half-imported module (issue 9).  Not called for a workbook that calls none of them.
    prepare: Callable[[], None] | None = None

    def names(self) -> list[str]:
        """The functions' names, upper-case, in table order."""
        return [f.name.upper() for f in self.functions]

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        names = sorted(self.names(), key=len, reverse=True)
        if not names:
            return None
        return re.compile(r"(?<![\w.])(?:_xludf\.)?(" + "|".join(map(re.escape, names)) + r")\s*\(",
                          re.IGNORECASE)

    def call_pattern(self) -> re.Pattern[str] | None:
        """A regex that finds a call of one of the functions (None for an empty table)."""
        return self._pattern


#: A table without functions (formulas only).
NO_FUNCTIONS = FunctionTable()
