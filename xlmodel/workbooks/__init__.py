"""The workbook models shipped in ``workbooks/``: generated reproducibly by ``xlmodel build``.

Each model is written with openpyxl (formulas typed as Excel text: catalogue functions and,
beside them where Excel can express the same quantity, a native formula), gets the Parametre
sheet of the parameter set (values with unit, year and source; defined names ``P_*``) and a
Kontrol sheet of native checks, and is then refreshed by the headless engine so the cached
values show correct numbers in any viewer, before any recalculation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from xlmodel.parameters import ParameterSet, resolve
from xlmodel.workbooks import balance_model, budget_model, kommuner_model, pension_model, udligning_model
from xlmodel.workbooks.style import finish

#: file name → builder(workbook, parameter set)
MODELS: dict[str, Callable[[Workbook, ParameterSet], None]] = {
    "budget_2014.xlsx": budget_model.build,
    "kommuner_2014.xlsx": kommuner_model.build,
    "pension_2014.xlsx": pension_model.build,
    "tabel1_2014.xlsx": balance_model.build,
    "udligning_2014.xlsx": udligning_model.build,
}
#: a fixed timestamp so two builds give the same files
BUILD_TIME = dt.datetime(2013, 6, 13, 12, 0, 0)


def build(name: str, outdir: str | Path, params: str | ParameterSet | None = None) -> Path:
    """Build one model into ``outdir`` and refresh its cached values; returns the path."""
    from xlmodel.engine import refresh

    ps = resolve(params)
    wb = Workbook()
    MODELS[name](wb, ps)
    finish(wb, ps)
    wb.properties.creator = "xlmodel"
    wb.properties.created = wb.properties.modified = BUILD_TIME
    path = Path(outdir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    report = refresh(path, params=ps)
    if report.error_cells:
        raise RuntimeError(f"{name}: error cells after refresh: {report.error_cells[:5]}")
    return path


def build_all(outdir: str | Path, params: str | ParameterSet | None = None,
              progress: Callable[[str], None] | None = None) -> list[Path]:
    out = []
    for name in MODELS:
        if progress:
            progress(name)
        out.append(build(name, outdir, params))
    return out
