"""What a validation check reports: a :class:`Finding` per problem, a :class:`Report` per workbook.

A finding names the check that raised it, how serious it is (``error`` → the numbers are
wrong or cannot be trusted; ``warning`` → a risk a person should look at; ``info`` → worth
knowing, e.g. a rounding difference in a printed table), where it sits (sheet and cell, or a
block such as ``C2:C99`` when one formula pattern repeats) and, where it applies, the expected
and actual values and their difference.  The report keeps the findings as a pandas DataFrame
with exactly :data:`COLUMNS`, so a notebook can filter and style it and the command line can
print it as JSON.

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
from typing import Any

import numpy as np
import pandas as pd

from xlmodel.errors import XlmodelError

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
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


class Report:
    """The findings of one validation run, one row per finding (columns :data:`COLUMNS`).

    Rows are ordered by severity (errors first), then by sheet and position as the checks
    reported them.
    """

    def __init__(self, findings: pd.DataFrame, *, path: str | None = None,
                 checks: tuple[str, ...] = ()) -> None:
        missing = [c for c in COLUMNS if c not in findings.columns]
        if missing:
            raise XlmodelError("findings", missing, "a DataFrame with the columns " + ", ".join(COLUMNS))
        self.findings = findings.loc[:, list(COLUMNS)].reset_index(drop=True)
        self.path = path
        self.checks = checks
        self.timings: dict[str, float] = {}  # seconds per check, filled by validate()

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], *, path: str | None = None,
                      checks: tuple[str, ...] = ()) -> Report:
        items = sorted(findings, key=lambda f: _RANK[f.severity])  # stable: keeps each check's order
        frame = pd.DataFrame([astuple(f) for f in items], columns=list(COLUMNS))
        for col in ("expected", "actual"):
            frame[col] = frame[col].astype(object)
        frame["difference"] = pd.to_numeric(frame["difference"], errors="coerce").astype(float)
        return cls(frame, path=path, checks=checks)

    # -- views -------------------------------------------------------------------------------
    @property
    def errors(self) -> pd.DataFrame:
        """The error findings only."""
        return self.findings[self.findings["severity"] == "error"].reset_index(drop=True)

    @property
    def has_errors(self) -> bool:
        return bool((self.findings["severity"] == "error").any())

    def summary(self) -> pd.DataFrame:
        """Counts by severity and check (columns severity, check, count), errors first."""
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
                for row in self.findings.itertuples(index=False, name=None)]
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
        return len(self.findings)

    def __repr__(self) -> str:
        counts = self.findings["severity"].value_counts()
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
        return f"<Report {self.path or ''} {parts}>".replace("  ", " ")
