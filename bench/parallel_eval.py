"""formualizer's parallel evaluation on and off, for workbooks with and without catalogue calls.

    python -m bench.parallel_eval          # about a minute; prints a table for docs/engine.md

The same workbook is computed alternately with ``EvaluationConfig.enable_parallel`` on and off
in one process (five runs each, medians), so machine load hits both sides alike.  It also runs
the workbook of every catalogue function in fresh processes with parallel evaluation forced on,
to show whether the adapter's lock and the up-front imports make it deterministic.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
EVERY = "every catalogue function × 4 (tests/test_determinism.py)"
PROCESSES = 10


def _catalogue(path: Path, rows: int = 10_000) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in range(1, rows + 1):
        ws.cell(r, 1, r)
        ws.cell(r, 2, f"=PL_REGULER(A{r},2013,2014)")
    wb.save(path)
    return path


def _native(path: Path, rows: int = 5_000) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in range(1, rows + 1):
        ws.cell(r, 1, r)
        ws.cell(r, 2, f"=A{r}*1.013")
        ws.cell(r, 3, f"=SUM($A$1:A{r})")
        ws.cell(r, 4, f"=IF(B{r}>C{r},B{r},C{r})")
        ws.cell(r, 5, f"=ROUND(D{r}/7,2)")
    wb.save(path)
    return path


def _every_function(path: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_determinism import many_calls

    return many_calls(path)


def _threads(path: Path, parallel: bool) -> int:
    """How many threads ran catalogue callbacks."""
    from xlmodel.engine import formualizer_engine as fe
    from xlmodel.engine.package import Package
    from xlmodel.excel import cells
    from xlmodel.excel.headless import function_table
    from xlmodel.parameters import resolve

    seen: set[int] = set()
    # every engine callback runs the adapter's one dispatch: spy on it
    real = {name: getattr(cells, name) for name in ("_dispatch",)}

    def spying(inner):  # type: ignore[no-untyped-def]
        def spy(*a, **k):  # type: ignore[no-untyped-def]
            seen.add(threading.get_ident())
            return inner(*a, **k)
        return spy

    for name, inner in real.items():
        setattr(cells, name, spying(inner))
    saved = fe._parallel
    fe._parallel = lambda _f: parallel  # type: ignore[assignment]
    try:
        fe.compute(Package.read(path), resolve(None), function_table)
    finally:
        for name, inner in real.items():
            setattr(cells, name, inner)
        fe._parallel = saved
    return len(seen)


def _timings(path: Path) -> tuple[float, float]:
    from xlmodel.engine import formualizer_engine as fe
    from xlmodel.engine.package import Package
    from xlmodel.excel.headless import function_table
    from xlmodel.parameters import resolve

    pkg, ps = Package.read(path), resolve(None)
    times: dict[bool, list[float]] = {True: [], False: []}
    saved = fe._parallel
    try:
        for _ in range(RUNS):
            for parallel in (True, False):
                fe._parallel = lambda _f, p=parallel: p  # type: ignore[assignment]
                start = time.perf_counter()
                computed = fe.compute(pkg, ps, function_table)
                times[parallel].append(time.perf_counter() - start)
                assert not computed.errors, computed.errors[:3]
    finally:
        fe._parallel = saved
    return statistics.median(times[True]), statistics.median(times[False])


_CHILD = """
import hashlib, json, sys
from xlmodel.engine import formualizer_engine as fe
from xlmodel.engine.package import Package
from xlmodel.excel.headless import function_table
from xlmodel.parameters import resolve
fe._parallel = lambda _f: True
c = fe.compute(Package.read(sys.argv[1]), resolve(None), function_table)
print(len(c.errors), hashlib.sha256(json.dumps(sorted((str(k), repr(v)) for k, v in c.values.items()))
      .encode()).hexdigest()[:16])
"""


def _fresh_processes(path: Path) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for _ in range(PROCESSES):
        run = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                             cwd=ROOT, check=True)
        key = run.stdout.strip()
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        books = {
            "10,000 × PL_REGULER": _catalogue(Path(tmp) / "cat.xlsx"),
            EVERY: _every_function(Path(tmp) / "all.xlsx"),
            "25,000 native formulas": _native(Path(tmp) / "native.xlsx"),
        }
        print("| workbook | parallel | sequential | parallel / sequential | callback threads (par/seq) |")
        print("|---|---|---|---|---|")
        for label, path in books.items():
            on, off = _timings(path)
            threads = f"{_threads(path, True)} / {_threads(path, False)}"
            print(f"| {label} | {on:.3f} s | {off:.3f} s | {on / off:.2f} | {threads} |")
        outcomes = _fresh_processes(books[EVERY])
        print(f"\nparallel forced on, {PROCESSES} fresh processes: "
              + json.dumps(outcomes, ensure_ascii=False) + " (error cells, values hash: runs)")


if __name__ == "__main__":
    main()
