"""The workbook models shipped in ``workbooks/``: generated reproducibly by ``xlmodel build``.

Each model is written with openpyxl (formulas typed as Excel text: catalogue functions and,
beside them where Excel can express the same quantity, a native formula), gets the Parametre
sheet of the parameter set (values with unit, year and source; defined names ``P_*``) and a
Kontrol sheet of native checks, and is then recalculated in memory by the headless engine so the cached
values show correct numbers in any viewer, before any recalculation (the file does not ask for
one on load).  Every file is written through the one atomic writer (``write_atomic``), after the
lock files of all targets were checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from xlmodel.parameters import ParameterSet, resolve
from xlmodel.workbooks import (
    balance_model,
    budget_model,
    kommuner_model,
    overslag_model,
    pension_model,
    udligning_model,
)
from xlmodel.workbooks.style import finish

#: file name → builder(workbook, parameter set)
MODELS: dict[str, Callable[[Workbook, ParameterSet], None]] = {
    "budget_2014.xlsx": budget_model.build,
    "budget_2014-2017.xlsx": overslag_model.build,
    "kommuner_2014.xlsx": kommuner_model.build,
    "pension_2014.xlsx": pension_model.build,
    "tabel1_2014.xlsx": balance_model.build,
    "udligning_2014.xlsx": udligning_model.build,
}
#: a fixed timestamp so two builds give the same files
BUILD_TIME = dt.datetime(2013, 6, 13, 12, 0, 0)


def model_bytes(name: str, params: str | ParameterSet | None = None) -> bytes:
    """One model as a finished .xlsx package in memory: built, recalculated, cached values in."""
    import io

    from xlmodel.errors import XlmodelError
    from xlmodel.excel.headless import refresh_package
    from xlmodel.ooxml.package import Package

    ps = resolve(params)
    wb = Workbook()
    MODELS[name](wb, ps)
    finish(wb, ps)
    wb.properties.creator = "xlmodel"
    wb.properties.created = wb.properties.modified = BUILD_TIME
    wb.calculation.fullCalcOnLoad = False  # the cached values are written: no forced recalculation
    buf = io.BytesIO()
    wb.save(buf)
    pkg = Package(buf.getvalue(), name)
    report = refresh_package(pkg, ps)
    if report.error_cells:
        first = report.error_cells[0]
        raise XlmodelError("model", name, f"a model without error cells under parameter set {ps.name}",
                           detail=f"{len(report.error_cells)} error cells, first {first.sheet}!{first.cell} "
                                  f"{first.error} {first.message}".rstrip())
    return pkg.to_bytes()


def _check_targets(paths: list[Path]) -> None:
    """Refuse before anything is built or written if a target is open (lock file) or a folder."""
    from xlmodel.safeio import SafeWriteError, lock_files

    for path in paths:
        locks = lock_files(path)
        if locks:
            raise SafeWriteError(path, f"ser ud til at være åben i Excel eller LibreOffice (låsefilen "
                                 f"{locks[0].name} ligger ved siden af); intet blev skrevet",
                                 "luk den først; har intet program den åben, så slet den gamle låsefil")
        if path.is_dir():
            raise SafeWriteError(path, "er en mappe; intet blev skrevet", "stien til en projektmappefil")


def build(name: str, outdir: str | Path, params: str | ParameterSet | None = None) -> Path:
    """Build one model into ``outdir`` through the atomic writer; returns the path."""
    return build_all(outdir, params, names=[name])[0]


def build_all(outdir: str | Path, params: str | ParameterSet | None = None,
              progress: Callable[[str], None] | None = None,
              names: list[str] | None = None) -> list[Path]:
    """Build models (default: all): lock files are checked and every model is computed before any
    file is touched; then each is written with the atomic writer.  A model that cannot be
    computed refuses the whole build (nothing written)."""
    from xlmodel.engine.package import write_atomic

    names = list(MODELS) if names is None else names
    paths = [Path(outdir) / name for name in names]
    _check_targets(paths)
    data = []
    for name in names:
        if progress:
            progress(name)
        data.append(model_bytes(name, params))
    for path, blob in zip(paths, data, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, blob)
    return paths
