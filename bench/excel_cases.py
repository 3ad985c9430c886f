"""Child process: workbook and Excel-facing cases.  ``python -m bench.excel_cases CASE ARGS…``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import median_time


def udf_call_overhead(n: int) -> dict[str, object]:
    """PL_REGULER the way Excel calls it: once per cell (n calls) vs once for an n-cell range."""
    from xlmodel.excel import cells

    amounts = np.random.default_rng(3).uniform(0, 1e6, n)
    per_cell_args = [[[float(a)]] for a in amounts]  # xlwings passes ndim=2 lists
    column = [[float(a)] for a in amounts]

    def per_cell() -> None:
        for arg in per_cell_args:
            cells.xlwings_call("PL_REGULER", arg, [[2013.0]], [[2014.0]], [["service"]])

    def per_range() -> None:
        cells.xlwings_call("PL_REGULER", column, [[2013.0]], [[2014.0]], [["service"]])

    one = cells.xlwings_call("PL_REGULER", per_cell_args[0], [[2013.0]], [[2014.0]], [["service"]])
    whole = cells.xlwings_call("PL_REGULER", column, [[2013.0]], [[2014.0]], [["service"]])
    cell_s, runs = median_time(per_cell, repeat=5)
    range_s, _ = median_time(per_range, repeat=5)
    return {"median_s": cell_s / n, "runs": [r / n for r in runs], "peer_median_s": range_s / n,
            "agree": bool(np.isclose(np.ravel(one)[0], np.ravel(whole)[0]))}


def refresh(path: str) -> dict[str, object]:
    """One `xlmodel refresh` of a copy of ``path`` in this process (after imports)."""
    from xlmodel.excel.headless import refresh as do_refresh

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / Path(path).name
        shutil.copy(path, src)
        start = time.perf_counter()
        report = do_refresh(src, Path(tmp) / "out.xlsx")
        return {"median_s": time.perf_counter() - start, "cells": report.cells_computed,
                "errors": len(report.error_cells)}


def validate(path: str) -> dict[str, object]:
    from xlmodel.validate import validate as do_validate

    do_validate(path)  # warm the imports
    med, runs = median_time(lambda: do_validate(path), repeat=3, warmup=0)
    report = do_validate(path)
    return {"median_s": med, "runs": runs, "findings": len(report.findings),
            "checks": sorted(report.findings["check"].unique().tolist())}


def import_udfs(_: str) -> dict[str, object]:
    """Cold `import udfs.xlmodel_udfs` in fresh interpreters vs a bare interpreter start."""
    root = Path(__file__).resolve().parents[1]

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
        return time.perf_counter() - start

    ours = sorted(run("import udfs.xlmodel_udfs") for _ in range(5))
    bare = sorted(run("pass") for _ in range(5))
    return {"median_s": ours[2], "runs": ours, "peer_median_s": bare[2]}


CASES = {"udf_call_overhead": udf_call_overhead, "refresh": refresh, "validate": validate,
         "import_udfs": import_udfs}

if __name__ == "__main__":
    name, arg = sys.argv[1], sys.argv[2]
    print(json.dumps(CASES[name](int(arg) if arg.isdigit() else arg)))
