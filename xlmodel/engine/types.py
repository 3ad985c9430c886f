"""Values and reports of the headless engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

#: Error values written as a file's cached value (``<c t="e">``): the ECMA-376 set, which every
#: reader knows (calamine, hence formualizer, refuses to load #SPILL! or #CALC!).  Others are
#: written as #VALUE!; the refresh report keeps the real code.
FILE_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                         "#GETTING_DATA"})


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
