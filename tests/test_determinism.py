"""Same input → same output in every process (issue 9, observation 1).

formualizer evaluates in parallel; catalogue callbacks then run on worker threads.  Before the
fix the first calls raced on a lazy import (a half-initialised pandas) and 1–3 valid cells came
back ``#VALUE!`` at random, with no message.  These tests refresh a workbook of many catalogue
calls of every kind in fresh processes and require identical, correct values each time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from excel_books import examples, hand_workbook

from xlmodel.excel import catalogue
from xlmodel.excel.headless import refresh

ROOT = Path(__file__).resolve().parents[1]
#: copies of the hand workbook's Beregning and Fordeling sheets (each holds every catalogue function)
COPIES = 4
PROCESSES = 20
#: a call of a catalogue function in a formula (``_xludf.`` prefix allowed), for counting them
CATALOGUE_CALL = re.compile(
    r"(?<![\w.])(?:_xludf\.)?(" + "|".join(sorted(catalogue.names(), key=len, reverse=True)) + r")\s*\(",
    re.IGNORECASE)


def many_calls(path: Path, copies: int = COPIES) -> Path:
    """The hand workbook with its calculation sheets repeated: every catalogue function ≥ ``copies``×."""

    def extra(wb: openpyxl.Workbook) -> None:
        for k in range(2, copies + 1):
            for name in ("Beregning", "Fordeling"):
                ws = wb.create_sheet(f"{name}{k}")
                for row in wb[name].iter_rows():
                    for cell in row:
                        if cell.value is not None:
                            ws[cell.coordinate] = cell.value

    return hand_workbook(path, extra=extra)


def _catalogue_calls(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    for m in CATALOGUE_CALL.finditer(cell.value):
                        counts[m.group(1).upper()] = counts.get(m.group(1).upper(), 0) + 1
    return counts


def test_the_workbook_calls_every_catalogue_function_many_times(tmp_path: Path) -> None:
    counts = _catalogue_calls(many_calls(tmp_path / "many.xlsx"))
    assert set(counts) == set(catalogue.names())
    assert sum(counts.values()) >= 50 and min(counts.values()) >= COPIES


def _sheet_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")}


@pytest.mark.slow
def test_refresh_in_fresh_processes_gives_identical_values(tmp_path: Path) -> None:
    src = many_calls(tmp_path / "many.xlsx")
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}  # the default threads
    outputs = []
    for i in range(PROCESSES):
        out = tmp_path / f"out{i}.xlsx"
        run = subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(src), "-o", str(out)],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert run.returncode == 0, f"run {i}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
        assert "ingen fejlceller" in run.stdout, run.stdout
        outputs.append(_sheet_parts(out))
    first = outputs[0]
    for i, other in enumerate(outputs[1:], start=2):
        assert other == first, f"run {i} wrote different worksheet parts than run 1"
    # and the values are the right ones (the core's answer), in every copy of the sheets
    ws = openpyxl.load_workbook(tmp_path / "out0.xlsx", data_only=True)
    for ex in examples():
        expected = ex.expected()
        first_value = expected[0][0] if isinstance(expected, list) else expected
        for k in range(1, COPIES + 1):
            sheet = ex.sheet if k == 1 else f"{ex.sheet}{k}"
            got = ws[sheet][ex.cell].value
            if isinstance(first_value, str):
                assert got == first_value, (sheet, ex.cell)
            else:
                assert got == pytest.approx(float(first_value), rel=1e-12), (sheet, ex.cell)


def test_callbacks_never_see_a_module_being_imported(tmp_path: Path) -> None:
    """In a fresh process, every module a catalogue call needs is imported before evaluation starts.

    The race of observation 1 needs a first import on a worker thread; here the engine's
    ``evaluate_all`` is wrapped to record which of those modules were not yet loaded.
    """
    src = many_calls(tmp_path / "many.xlsx", copies=1)
    script = textwrap.dedent(f"""
        import json, sys
        import formualizer as fz
        from xlmodel.excel import catalogue
        needed = {{"pandas", "numpy"}} | {{f.core.partition(":")[0] for f in catalogue.functions()}}
        missing = []
        original = fz.Workbook.evaluate_all
        def wrapped(self, *a, **k):
            missing.extend(sorted(m for m in needed if m not in sys.modules))
            return original(self, *a, **k)
        fz.Workbook.evaluate_all = wrapped
        from xlmodel.excel.headless import evaluate
        evaluate({str(src)!r})
        print(json.dumps(missing))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []


def test_an_error_message_comes_from_the_failing_call_not_a_rerun(tmp_path: Path, monkeypatch) -> None:
    """A callback that fails once and then succeeds: the cell is an error, with that call's message.

    A re-run to find the message would succeed and report no reason (observation 1).
    """
    from xlmodel.errors import XlmodelError
    from xlmodel.excel import headless
    from xlmodel.excel.cells import engine_callback as real

    calls = {"n": 0}

    def flaky(name: str, ps):
        inner = real(name, ps)

        def callback(*args):
            if name == "PL_FAKTOR":
                calls["n"] += 1
                if calls["n"] == 1:
                    raise XlmodelError("fra_aar", "a flaky first call", "a second try")
            return inner(*args)

        return callback

    monkeypatch.setattr(headless, "engine_callback", flaky)  # what the function table binds
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=PL_FAKTOR(2013,2014)"
    wb.save(tmp_path / "one.xlsx")
    report = refresh(tmp_path / "one.xlsx", tmp_path / "out.xlsx")
    assert [(e.cell, e.error) for e in report.error_cells] == [("A1", "#VALUE!")]
    assert "a flaky first call" in report.error_cells[0].message
    assert calls["n"] == 1  # no re-run
