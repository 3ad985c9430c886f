"""Child process: the cost of one catalogue call from the headless engine.

    python -m bench.call_cases N            # prints one JSON object (the bench's child)

The figure is the callback exactly as the engine registers it (:func:`registered`: the engine's
wrapper with its cell tag, the adapter's lock, the scalar path, the core, the result check), in
CPU time.  :func:`from_engine` (whole-workbook evaluations with and without the calls) is kept
for manual runs: on the shared 2-core machine its difference stayed inside the noise of loading
and evaluating the workbook, so it is not in the table.  Measurements in this one process, in
CPU time (``time.process_time``: the work done, little disturbed by other processes):

* **from the engine** (the figure): ``CELLS`` cells of ``=PL_REGULER(A{r},2013,2014,"service")``
  against the same workbook with the native twin ``=A{r}*1.013`` in their place, each evaluated
  by the engine (load, evaluate, read back).  The difference divided by ``CELLS`` is what one
  call costs the engine: formualizer's Rust→Python bridge, the engine's cell tag, the adapter,
  the core and the result check.  Both workbooks hold the same values and formula count, so
  everything else cancels.  Median of 5 alternating pairs.
* **the callback alone** for every single-cell (``scalar``) catalogue function: the Python
  callable the engine registers (:func:`xlmodel.excel.cells.engine_callback`) called with the
  values the engine hands over (floats and text), without the bridge; best of 5 repeats.
* **the plain-Python reference**: the same arithmetic as PL_REGULER with its input checks written
  inline in plain Python (type, finiteness, whole years), the floor a Python callback can reach.
"""

from __future__ import annotations

import json
import math
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


def _evaluate_s(path: Path) -> float:
    """CPU seconds of this process (all its threads) for one evaluation: the work done, far less
    disturbed than wall time by the other processes of a shared machine."""
    from xlmodel.excel.headless import evaluate

    start = time.process_time()
    evaluate(path)
    return time.process_time() - start


def from_engine(cells: int, runs: int = 5) -> dict[str, Any]:
    from xlmodel.engine import formualizer_engine as fe

    fe._parallel = lambda _calling: False  # both sequential: CPU time compares like with like
    with tempfile.TemporaryDirectory() as tmp:
        cat = _workbook(Path(tmp) / "katalog.xlsx", cells, True)
        nat = _workbook(Path(tmp) / "native.xlsx", cells, False)
        from xlmodel.excel.headless import evaluate

        values = evaluate(cat)  # warm: imports, catalogue, parameter set; and a check
        bad = [k for k, v in values.items() if not isinstance(v, float)]
        if bad:
            raise SystemExit(f"catalogue cells that did not compute: {bad[:3]}")
        evaluate(nat)
        # alternate the two so machine load hits both alike
        cat_s, nat_s = [], []
        for _ in range(runs):
            cat_s.append(_evaluate_s(cat))
            nat_s.append(_evaluate_s(nat))
    c, n = statistics.median(cat_s), statistics.median(nat_s)
    return {"per_call_s": max(c - n, 0.0) / cells, "catalogue_s": c, "native_s": n, "cells": cells,
            "runs": [(a - b) / cells for a, b in zip(cat_s, nat_s, strict=True)]}


def registered(number: int) -> float:
    """CPU seconds per call of PL_REGULER's callback exactly as the engine registers it: the
    engine's wrapper (cell tag, failure record), the adapter's lock, scalar path, core, result check."""
    from xlmodel.engine import formualizer_engine as fe
    from xlmodel.excel.headless import function_table
    from xlmodel.parameters import resolve

    got: dict[str, Any] = {}

    class Capture:
        def register_function(self, name: str, callback: Any, **_: Any) -> None:
            got[name] = callback

    table = function_table(resolve(None))
    table.prepare()
    fe._register(Capture(), table, fe.Failures(["Kald"]))
    cb = got["PL_REGULER"]
    args = (f"{fe.CELL_TAG}0", 7.0, 2.0, *GOOD_CALLS["PL_REGULER"])
    cb(*args)
    timer = timeit.Timer(lambda: cb(*args), timer=time.process_time)
    return min(timer.repeat(number=number, repeat=5)) / number


def callbacks(number: int) -> dict[str, float]:
    """CPU seconds per call of each scalar catalogue function's engine callback (best of 5)."""
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
        timer = timeit.Timer(lambda cb=cb, a=args: cb(*a), timer=time.process_time)
        out[fn.name] = min(timer.repeat(number=number, repeat=5)) / number  # timeit's best estimate
    return out


def _plain_reguler(beloeb: Any, fra: Any, til: Any, serie: Any) -> float:
    if type(beloeb) is not float or not math.isfinite(beloeb) or beloeb != beloeb:
        raise ValueError("beloeb")
    if type(fra) is not float or fra != int(fra) or type(til) is not float or til != int(til):
        raise ValueError("aar")
    if type(serie) is not str or not serie:
        raise ValueError("serie")
    result = beloeb * 1.013
    if not math.isfinite(result):
        raise ValueError("beloeb")
    return result


def plain_reference(number: int) -> float:
    timer = timeit.Timer(lambda: _plain_reguler(*GOOD_CALLS["PL_REGULER"]), timer=time.process_time)
    return min(timer.repeat(number=number, repeat=5)) / number


def main(cells: int) -> dict[str, Any]:
    number = max(100, cells // 5)
    per_fn = callbacks(number)
    return {"median_s": registered(number * 5), "callbacks": per_fn,
            "plain_reference_s": plain_reference(number * 10)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
