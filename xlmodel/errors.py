"""The one exception type xlmodel raises for bad input or bad parameter data.

Every message names *what* was wrong (the argument or the file/key), the
offending value, and what is allowed, so a finance officer can fix the cell
without reading Python.
"""

from __future__ import annotations

from typing import Any


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class XlmodelError(ValueError):
    """Bad input, or a parameter set that does not hold what is asked of it.

    >>> print(XlmodelError("fra_aar", 1999, "a year in 2013–2014"))
    fra_aar: 1999 is not allowed; allowed: a year in 2013–2014
    """

    def __init__(self, argument: str, value: Any, allowed: str, *, detail: str = "") -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed
        self.detail = detail
        what = f"{argument}: {_show(value)} is not allowed"
        if detail:
            what += f" ({detail})"
        super().__init__(f"{what}; allowed: {allowed}")


class ParameterFileError(XlmodelError):
    """A parameter file is malformed: the message names the file and the key."""

    def __init__(self, file: str, key: str, problem: str, allowed: str) -> None:
        self.file = file
        self.key = key
        ValueError.__init__(self, f"{file}: key '{key}': {problem}; allowed: {allowed}")
        self.argument, self.value, self.allowed, self.detail = key, problem, allowed, ""
