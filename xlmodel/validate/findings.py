"""What a validation check reports: a :class:`Finding` per problem, a :class:`Report` per workbook.

A finding names the check that raised it, how serious it is (``error`` → the numbers are
wrong or cannot be trusted; ``warning`` → a risk a person should look at; ``info`` → worth
knowing, e.g. a rounding difference in a printed table), where it sits (sheet and cell, or a
block such as ``C2:C99`` when one formula pattern repeats) and, where it applies, the expected
and actual values and their difference.  The report keeps the findings as a pandas DataFrame
with exactly :data:`COLUMNS`, so a notebook can filter and style it and the command line can
print it as JSON.  The DataFrame is built on first use: the command line's counts, lines and
JSON come from the findings themselves, with the values the DataFrame would hold (a column of
numbers with a gap holds floats), so pandas is not imported to validate a workbook.

>>> r = Report.from_findings([Finding("error_value", "error", "Ark1", "B2", "cached value is #DIV/0!",
...                                    actual="#DIV/0!")])
>>> r.has_errors, list(r.summary()["count"])
(True, [1])
>>> Report.from_json(r.to_json()).findings.equals(r.findings)
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, Any

from xlmodel.errors import XlmodelError

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("error", "warning", "info")
COLUMNS = ("check", "severity", "sheet", "cell", "message", "expected", "actual", "difference", "formula")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One problem in one place.

    ``cell`` is an A1 address, a block (``"C2:C99"``) when the same formula pattern is at
    fault in every cell of the block, or ``None`` for a workbook-wide finding (manual
    calculation).  ``expected``/``actual`` are numbers or short texts; ``difference`` is
    ``actual - expected`` when both are numbers.  ``formula`` is the offending cell's formula
    (the first cell's, for a block).
    """

    check: str
    severity: str
    sheet: str | None
    cell: str | None
    message: str
    expected: Any = None
    actual: Any = None
    difference: float | None = None
    formula: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise XlmodelError("severity", self.severity, ", ".join(SEVERITIES))
        if not isinstance(self.check, str) or not self.check:
            raise XlmodelError("check", self.check, "the check's name, e.g. 'hardcoded_number'")


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy scalars unwrapped, NaN/inf → None, other objects → str."""
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, str):  # e.g. an ExcelError: a str subclass
        return str(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    import pandas as pd

    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _is_number(value: Any) -> bool:
    """A real number as a DataFrame column infers it (bools are not numbers there)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return True
    return type(value).__module__ == "numpy" and type(value).__name__.startswith(("float", "int"))


def _as_column(values: list[Any]) -> list[Any] | None:
    """The values as ``DataFrame(...).astype(object)`` holds them: a column of numbers (ints and
    floats, with or without gaps) is float64, so its ints read as floats and a gap as NaN; a
    column of ints only stays ints; any other mix stays as given.  None when a value is of a
    kind this does not decide (dates, odd objects): the caller then builds the DataFrame.

    >>> _as_column([1, None, 2.5]), _as_column([1, 2]), _as_column([1, "a", None]), _as_column([None])
    ([1.0, nan, 2.5], [1, 2], [1, 'a', None], [None])
    """
    kinds = set()
    for v in values:
        if v is None:
            kinds.add("none")
        elif isinstance(v, bool) or type(v).__name__ == "bool_":
            kinds.add("bool")
        elif isinstance(v, str):
            kinds.add("str")
        elif _is_number(v):
            if isinstance(v, int) and not _INT64[0] <= v <= _INT64[1]:
                return None
            kinds.add("float" if isinstance(v, float) or "float" in type(v).__name__ else "int")
        else:
            return None
    if kinds and kinds <= {"int", "float", "none"} and kinds & {"int", "float"}:
        if kinds == {"int"}:
            return [int(v) for v in values]
        return [math.nan if v is None else float(v) for v in values]
    if kinds == {"bool"}:
        return [bool(v) for v in values]
    return list(values)


def _as_difference(value: Any) -> float | None:
    """``difference`` as ``pd.to_numeric(..., errors="coerce").astype(float)`` gives it; None
    when the value is not a plain number (the caller then builds the DataFrame)."""
    if value is None:
        return math.nan
    if _is_number(value):
        return float(value)
    return None


class Report:
    """The findings of one validation run, one row per finding (columns :data:`COLUMNS`).

    Rows are ordered by severity (errors first), then by sheet and position as the checks
    reported them.
    """

    def __init__(self, findings: pd.DataFrame | None = None, *, path: str | None = None,
                 checks: tuple[str, ...] = (), items: list[Finding] | None = None) -> None:
        """From a DataFrame with :data:`COLUMNS`, or (``items``) from findings already in order."""
        self._frame: pd.DataFrame | None = None
        self._items: list[Finding] | None = None
        if items is not None:
            self._items = list(items)
        else:
            if findings is None:
                raise XlmodelError("findings", None, "a DataFrame with the columns " + ", ".join(COLUMNS))
            missing = [c for c in COLUMNS if c not in findings.columns]
            if missing:
                raise XlmodelError("findings", missing, "a DataFrame with the columns " + ", ".join(COLUMNS))
            self._frame = findings.loc[:, list(COLUMNS)].reset_index(drop=True)
        self.path = path
        self.checks = checks
        self.timings: dict[str, float] = {}  # seconds per check, filled by validate()

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], *, path: str | None = None,
                      checks: tuple[str, ...] = ()) -> Report:
        items = sorted(findings, key=lambda f: _RANK[f.severity])  # stable: keeps each check's order
        return cls(path=path, checks=checks, items=items)

    @property
    def findings(self) -> pd.DataFrame:
        """The findings as a DataFrame with :data:`COLUMNS` (built on first use)."""
        if self._frame is None:
            import pandas as pd

            frame = pd.DataFrame([astuple(f) for f in self._items or []], columns=list(COLUMNS))
            for col in ("expected", "actual"):
                frame[col] = frame[col].astype(object)
            frame["difference"] = pd.to_numeric(frame["difference"], errors="coerce").astype(float)
            self._frame = frame
        return self._frame

    def rows(self) -> list[tuple[Any, ...]]:
        """The findings as tuples of :data:`COLUMNS`, with the values the DataFrame holds."""
        if self._frame is None and self._items is not None:
            columns = list(zip(*(astuple(f) for f in self._items), strict=True)) or [()] * len(COLUMNS)
            expected = _as_column(list(columns[5]))
            actual = _as_column(list(columns[6]))
            difference = [_as_difference(v) for v in columns[7]]
            if expected is not None and actual is not None and None not in difference:
                return list(zip(*columns[:5], expected, actual, difference, columns[8], strict=True))
        return list(self.findings.itertuples(index=False, name=None))

    def counts(self) -> dict[str, int]:
        """Findings per severity code."""
        out = dict.fromkeys(SEVERITIES, 0)
        for severity in self._severities():
            out[severity] += 1
        return out

    def _severities(self) -> list[str]:
        if self._frame is None and self._items is not None:
            return [f.severity for f in self._items]
        return list(self._frame["severity"]) if self._frame is not None else []

    # -- views -------------------------------------------------------------------------------
    @property
    def errors(self) -> pd.DataFrame:
        """The error findings only."""
        return self.findings[self.findings["severity"] == "error"].reset_index(drop=True)

    @property
    def has_errors(self) -> bool:
        return "error" in self._severities()

    def summary_counts(self) -> list[tuple[str, str, int]]:
        """(severity, check, count), errors first, then by check name (as :meth:`summary`)."""
        counts: dict[tuple[str, str], int] = {}
        for row in self.rows():
            counts[(row[1], row[0])] = counts.get((row[1], row[0]), 0) + 1
        return [(sev, check, n) for (sev, check), n in sorted(counts.items(),
                                                              key=lambda kv: (_RANK[kv[0][0]], kv[0][1]))]

    def summary(self) -> pd.DataFrame:
        """Counts by severity and check (columns severity, check, count), errors first."""
        import pandas as pd

        if self.findings.empty:
            return pd.DataFrame({"severity": pd.Series(dtype=object), "check": pd.Series(dtype=object),
                                 "count": pd.Series(dtype=int)})
        counts = self.findings.groupby(["severity", "check"], sort=False).size().rename("count").reset_index()
        counts["_rank"] = counts["severity"].map(_RANK)
        return counts.sort_values(["_rank", "check"]).drop(columns="_rank").reset_index(drop=True)

    def at(self, sheet: str, cell: str) -> pd.DataFrame:
        """Findings whose sheet is ``sheet`` and whose cell or block covers ``cell``."""
        from xlmodel.validate.addresses import covers

        mask = [(s == sheet and c is not None and covers(c, cell))
                for s, c in zip(self.findings["sheet"], self.findings["cell"], strict=True)]
        return self.findings[mask].reset_index(drop=True)

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """``{"findings": [{check, severity, sheet, cell, message, expected, actual, difference,
        formula}, ...]}`` with JSON-safe values (NaN → null)."""
        rows = [{col: _plain(value) for col, value in zip(COLUMNS, row, strict=True)}
                for row in self.rows()]
        return {"findings": rows}

    def to_json(self, **kwargs: Any) -> str:
        """The report as JSON text (see :meth:`to_dict`); ``kwargs`` go to :func:`json.dumps`."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_json(cls, text: str | dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_json` output (text or the parsed dict)."""
        data = json.loads(text) if isinstance(text, str) else text
        if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
            raise XlmodelError("text", text, 'JSON of the form {"findings": [...]}')
        return cls.from_findings(Finding(**{c: row.get(c) for c in COLUMNS}) for row in data["findings"])

    def __len__(self) -> int:
        return len(self._severities())

    def __repr__(self) -> str:
        counts = self.counts()
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
        return f"<Report {self.path or ''} {parts}>".replace("  ", " ")
