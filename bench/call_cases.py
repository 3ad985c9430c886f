"""Child process: the cost of one catalogue call from the headless engine.

    python -m bench.call_cases CELLS        # prints one JSON object (the bench's child)

Two measurements, both medians in this one process:

* **from the engine** (the figure): ``CELLS`` cells of ``=PL_REGULER(A{r},2013,2014,"service")``
  against the same workbook with the native twin ``=A{r}*1.013`` in their place, each evaluated
  by the engine (load, evaluate, read back).  The difference divided by ``CELLS`` is what one
  call costs the engine: formualizer's Rust→Python bridge, the engine's cell tag, the adapter,
  the core and the result check.  Both workbooks hold the same values and formula count, so
  everything else cancels.
* **the callback alone** for every single-cell (``scalar``) catalogue function: the Python
  callable the engine registers (:func:`xlmodel.excel.cells.engine_callback`) called with the
  values the engine hands over (floats and text), without the bridge.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

from openpyxl import Workbook

#: Arguments of a valid single-cell call of each scalar catalogue function, as the engine hands
#: them over (numbers as floats).  Functions missing here are measured with no row (listed).
GOOD_CALLS: dict[str, tuple[Any, ...]] = {
    "PL_FAKTOR": (2013.0, 2014.0, "service"),
    "PL_REGULER": (1234.5, 2013.0, 2014.0, "service"),
    "UDSKRIVNINGSGRUNDLAG_GARANTI": (1.0e9, 2014.0),
    "SKATTEPROVENU": (1.0e9, 25.0),
    "UDSKRIVNINGSPROCENT": (2.5e8, 1.0e9),
    "EFTERREGULERING": (1.0e9, 1.01e9, 25.0),
    "EFTERREGULERING_TILLAEG": (-1.0e6, 2.5e8, 2.0),
    "SELVBUDGET_GEVINST": (1.0e9, 1.02e9, 25.0),
    "GRUNDSKYLD_GRUNDLAG": (1.0e9, 9.5e8),
    "PENSIONSPROCENT": (2010.0,),
    "PENSION_MERUDGIFT": (450_000.0, 400_000.0, 2010.0),
    "PENSION_KAPITALVAERDI": (100_000.0, 2.0, 10.0),
    "DEPONERING_FRIGIVELSE": (1.0e6, 3.0),
    "PARAMETER_KILDE": ("pl.service", 2014.0),
}


def _workbook(path: Path, cells: int, catalogue: bool) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kald")
    for r in range(1, cells + 1):
        formula = f'=PL_REGULER(A{r},2013,2014,"service")' if catalogue else f"=A{r}*1.013"
        ws.append([float(r), formula])
    wb.save(path)
    return path


def _evaluate_s(path: Path, runs: int) -> float:
    from xlmodel.engine import evaluate

    evaluate(path)  # warm: imports, catalogue, parameter set
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        evaluate(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def from_engine(cells: int, runs: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cat = _workbook(Path(tmp) / "katalog.xlsx", cells, True)
        nat = _workbook(Path(tmp) / "native.xlsx", cells, False)
        from xlmodel.engine import evaluate

        values = evaluate(cat)
        bad = [k for k, v in values.items() if not isinstance(v, float)]
        if bad:
            raise SystemExit(f"catalogue cells that did not compute: {bad[:3]}")
        # alternate the two so machine load hits both alike
        cat_s, nat_s = [], []
        for _ in range(runs):
            cat_s.append(_evaluate_s(cat, 1))
            nat_s.append(_evaluate_s(nat, 1))
    c, n = statistics.median(cat_s), statistics.median(nat_s)
    return {"per_call_s": max(c - n, 0.0) / cells, "catalogue_s": c, "native_s": n, "cells": cells,
            "runs": [(a - b) / cells for a, b in zip(cat_s, nat_s, strict=True)]}


def callbacks(number: int) -> dict[str, float]:
    """Median seconds per call of each scalar catalogue function's engine callback."""
    from xlmodel.excel import catalogue, cells
    from xlmodel.parameters import resolve

    ps = resolve(None)
    cells.prepare_engine(ps)
    out: dict[str, float] = {}
    for fn in catalogue.functions():
        args = GOOD_CALLS.get(fn.name)
        if fn.result != "scalar" or args is None:
            continue
        cb = cells.engine_callback(fn.name, ps)
        cb(*args)  # a valid call: raises here if the table above went stale
        out[fn.name] = statistics.median(timeit.repeat(lambda cb=cb, a=args: cb(*a),
                                                       number=number, repeat=5)) / number
    return out


def main(cells: int) -> dict[str, Any]:
    engine = from_engine(cells)
    per_fn = callbacks(2_000 if cells < 5_000 else 20_000)
    return {"median_s": engine["per_call_s"], "runs": engine["runs"], "engine": engine,
            "callbacks": per_fn}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
