"""Values and reports of the headless engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from xlmodel.ooxml.addresses import FILE_ERRORS
from xlmodel.ooxml.values import CellError  # the file format's error value, re-exported

__all__ = ["FILE_ERRORS", "CellError", "ErrorCell", "RefreshReport"]


class ErrorCell(NamedTuple):
    sheet: str
    cell: str
    error: str
    message: str


@dataclass
class RefreshReport:
    """What a refresh did: the contract other commands and the macros rely on."""

    cells_computed: int = 0          # formula cells evaluated
    error_cells: list[ErrorCell] = field(default_factory=list)
    elapsed: float = 0.0             # seconds, load to written file
    spilled_cells: int = 0           # cells filled by a spilling formula (besides its anchor)
    output: Path | None = None
    params: str = ""
    warnings: list[str] = field(default_factory=list)
    not_recomputed: list = field(default_factory=list)  # keep.NotRecomputed: left at Excel's value

    @property
    def ok(self) -> bool:
        return not self.error_cells

    def summary(self) -> str:
        lines = [f"{self.cells_computed} formula cells computed"
                 + (f" ({self.spilled_cells} spilled cells)" if self.spilled_cells else "")
                 + f" with parameter set {self.params} in {self.elapsed:.2f} s"
                 + (f"; wrote {self.output}" if self.output else "")]
        if self.error_cells:
            lines.append(f"{len(self.error_cells)} cells end in an error:")
            for e in self.error_cells:
                lines.append(f"  {e.sheet}!{e.cell}: {e.error}" + (f"  {e.message}" if e.message else ""))
        else:
            lines.append("no error cells")
        if self.not_recomputed:
            lines.append(f"{len(self.not_recomputed)} celler er ikke genberegnet (Excels værdi er beholdt):")
            lines += [f"  {k.sheet}!{k.cell}: {k.reason}" for k in self.not_recomputed]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)
