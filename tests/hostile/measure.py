"""Measure what docs/reliability.md reports: time and peak memory per hostile file, what openpyxl
alone would do with it, SIGKILLs during real writes, and the check's cost on a large real workbook.

    PYTHONPATH=. python tests/hostile/measure.py [--kills 30] [--raw] [--cells 1000000]

Every measurement runs in a child process so that its peak RSS (``ru_maxrss`` from ``wait4``)
is its own.  Not a test: it takes a minute or two and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import make_hostile  # noqa: E402

CHILD_CHECK = r"""
import json, sys, time
from xlmodel.safeio import open_workbook, UnsafeFileError
path, limits = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter()
try:
    open_workbook(path, limits=limits)
    out = "ACCEPTED"
except UnsafeFileError as e:
    out = str(e)
except BaseException as e:
    out = "CRASH " + type(e).__name__ + ": " + str(e)[:200]
print(json.dumps({"seconds": time.perf_counter() - t, "outcome": out}))
"""

CHILD_RAW = r"""
import json, resource, sys, time
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import openpyxl
t = time.perf_counter()
try:
    wb = openpyxl.load_workbook(sys.argv[1])
    out = "loaded; max_row of first sheet = %s" % wb.worksheets[0].max_row
except BaseException as e:
    cause = e.__cause__ or e.__context__
    out = type(e).__name__ + (" from " + type(cause).__name__ if cause else "")
    out += ": " + (str(e).splitlines() or [""])[0][:90]
print(json.dumps({"seconds": time.perf_counter() - t, "outcome": out}))
"""

CHILD_BASELINE = "import xlmodel.safeio, openpyxl"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def run_child(args: list[str], timeout: float) -> tuple[dict[str, object] | None, float, float, str]:
    """(json printed, wall seconds, peak RSS MB, status) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return None, time.perf_counter() - start, usage.ru_maxrss / 1024, f"killed after {timeout:g} s"
        time.sleep(0.01)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode().strip() if proc.stdout else ""
    err = proc.stderr.read().decode().strip() if proc.stderr else ""
    try:
        return json.loads(out.splitlines()[-1]), wall, usage.ru_maxrss / 1024, "ok"
    except (json.JSONDecodeError, IndexError):
        last = err.splitlines()[-1] if err else ""
        return None, wall, usage.ru_maxrss / 1024, f"exit {os.waitstatus_to_exitcode(status)}: {last[:150]}"


def hostile(folder: Path, raw: bool, raw_limit: int) -> None:
    cases = make_hostile.build(folder / "corpus")
    _, _, base_rss, _ = run_child(["-c", CHILD_BASELINE], 60)
    print(f"\nBaseline (python + xlmodel.safeio + openpyxl imported): peak RSS {base_rss:.0f} MB\n")
    print("| case | size on disk | refused in (s) | peak RSS (MB) | problem reported |")
    print("|---|---:|---:|---:|---|")
    worst_t = worst_m = 0.0
    for c in cases.values():
        res, wall, rss, status = run_child(["-c", CHILD_CHECK, str(c.path), json.dumps(c.limits)], 60)
        size = c.path.stat().st_size if c.path.is_file() else 0
        outcome = str(res["outcome"]) if res else status
        problem = outcome.split(": ", 1)[-1].split("; allowed")[0] if res else outcome
        secs = float(res["seconds"]) if res else wall
        worst_t, worst_m = max(worst_t, secs), max(worst_m, rss)
        print(f"| {c.name} | {size:,} | {secs:.3f} | {rss:.0f} | {problem[:110]} |")
    print(f"\n{len(cases)} cases; slowest refusal {worst_t:.2f} s; highest peak RSS {worst_m:.0f} MB "
          f"(baseline {base_rss:.0f} MB)")
    if not raw:
        return
    print(f"\nopenpyxl.load_workbook alone (no check; address space capped at {raw_limit >> 20} MB, 60 s):\n")
    print("| case | seconds | peak RSS (MB) | outcome |")
    print("|---|---:|---:|---|")
    for c in cases.values():
        if c.limits:
            continue  # the limit cases are real workbooks: openpyxl opens them
        res, wall, rss, status = run_child(["-c", CHILD_RAW, str(c.path), str(raw_limit)], 60)
        outcome = str(res["outcome"]) if res else status
        print(f"| {c.name} | {wall:.2f} | {rss:.0f} | {outcome[:120]} |")


CHILD_WRITE = r"""
import sys, openpyxl
from xlmodel.safeio import atomic_write
target, rows, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
wb = openpyxl.Workbook()
ws = wb.active
ws["A1"] = marker
for r in range(2, rows + 2):
    ws.append([r, "Kommune %d" % (r % 98), r * 1.5, "=A%d*C%d" % (r, r)])
atomic_write(target, wb.save, backup=True)
"""


def kills(folder: Path, n: int, rows: int) -> None:
    import openpyxl

    pristine = folder / "original.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "original"
    wb.save(pristine)
    original = hashlib.sha256(pristine.read_bytes()).hexdigest()
    work = folder / "kill"
    work.mkdir()
    target = work / "Budget.xlsx"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD_WRITE, str(folder / "probe.xlsx"), str(rows), "x"],
                   env=env(), check=True)
    full = time.perf_counter() - start
    counts = {"intact, killed before a temp file existed": 0, "intact, killed while writing/verifying": 0,
              "new version complete": 0, "damaged": 0}
    leftovers = 0
    rng = random.Random(2014)
    for i in range(n):
        for p in work.iterdir():
            p.unlink()
        target.write_bytes(pristine.read_bytes())
        proc = subprocess.Popen([sys.executable, "-c", CHILD_WRITE, str(target), str(rows), f"new {i}"],
                                env=env())
        time.sleep(rng.uniform(0.2, full * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left = list(work.glob(".xlmodel-tmp-*"))
        leftovers += len(left)
        if hashlib.sha256(target.read_bytes()).hexdigest() == original:
            inside = left or (work / "Budget.bak.xlsx").exists()
            counts["intact, killed while writing/verifying" if inside
                   else "intact, killed before a temp file existed"] += 1
        else:
            try:
                value = openpyxl.load_workbook(target, read_only=True).active["A1"].value
                counts["new version complete" if value == f"new {i}" else "damaged"] += 1
            except Exception:
                counts["damaged"] += 1
    print(f"\nSIGKILL during atomic_write(wb.save, backup=True) of a {rows * 4:,}-cell workbook "
          f"(a full run takes {full:.1f} s; kill after a random 0.2–{full * 1.05:.1f} s):")
    print(f"{n} kills: {counts}; temporary files left behind in total: {leftovers}")


CHILD_BIG_CHECK = r"""
import json, sys, time
from xlmodel.safeio import check_workbook_file
t = time.perf_counter()
info = check_workbook_file(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t, "cells": info.cells, "xml": info.uncompressed}))
"""

CHILD_BIG_LOAD = r"""
import json, sys, time, openpyxl
t = time.perf_counter()
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def big(folder: Path, cells: int) -> None:
    import openpyxl

    p = folder / "big.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for r in range(cells // 5):
        ws.append([r, f"Kommune {r % 98}", r * 1.5, f"=A{r + 1}*C{r + 1}", "illustrative"])
    wb.save(p)
    res, _, rss, status = run_child(["-c", CHILD_BIG_CHECK, str(p)], 600)
    load, _, load_rss, _ = run_child(["-c", CHILD_BIG_LOAD, str(p)], 600)
    if res is None:
        print(f"\nlarge workbook: check failed: {status}")
        return
    print(f"\nA real {cells:,}-cell workbook ({p.stat().st_size / 1e6:.1f} MB on disk, "
          f"{int(res['xml']) / 1e6:.0f} MB of XML): check_workbook_file {float(res['seconds']):.1f} s, "
          f"peak RSS {rss:.0f} MB; openpyxl.load_workbook "
          f"{float(load['seconds']) if load else float('nan'):.1f} s, peak RSS {load_rss:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--rows", type=int, default=25_000, help="rows of the workbook written during kills")
    ap.add_argument("--raw", action="store_true", help="also run openpyxl alone on each hostile file")
    ap.add_argument("--raw-limit", type=int, default=2 << 30, help="address-space cap for --raw (bytes)")
    ap.add_argument("--cells", type=int, default=1_000_000, help="cells of the large real workbook (0: skip)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xlmodel-measure-") as tmp:
        folder = Path(tmp)
        hostile(folder, args.raw, args.raw_limit)
        if args.kills:
            kills(folder, args.kills, args.rows)
        if args.cells:
            big(folder, args.cells)
    print(f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, measured {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
