"""xlwings Lite (issue 14 §4–6): main.py and requirements.txt generated from the catalogue.

The shipped files must equal what the generator makes of the catalogue today.  main.py is then
imported the way xlwings Lite runs it (xlwings' server runtime: ``XLWINGS_ON_SERVER``, the
``xlwings.server`` decorators and registration, which Lite runs inside Pyodide), its
registration metadata is checked against the catalogue, and calls made through xlwings' own
``custom_functions_call`` are compared with what the headless engine computes for the same
formulas in a workbook.  The xlwings server runtime is part of xlwings' PRO package, which reads a
license key at import: the test uses xlwings' documented ``noncommercial`` key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel.excel import catalogue, lite

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "excel" / "lite"

#: (formula arguments as Excel text, the same arguments as Lite passes them: 2-D lists)
CALLS = {
    "PL_FAKTOR": ("2013,2014", [[[2013.0]], [[2014.0]], None]),
    "PL_REGULER": ('1000,2013,2014,"anlaeg"', [[[1000.0]], [[2013.0]], [[2014.0]], [["anlaeg"]]]),
    "PENSIONSPROCENT": ("37", [[[37.0]]]),
    "UDSKRIVNINGSGRUNDLAG_GARANTI": ("1000,2014", [[[1000.0]], [[2014.0]]]),
    "GRUNDSKYLD_GRUNDLAG": ("1200000,1000000", [[[1200000.0]], [[1000000.0]]]),
}

PROBE = r"""
import asyncio, json, sys
import main
import xlwings.server as s
data = dict(version="lite", client="Office.js", runtime="1.4", culture_info_name="da-DK")
meta = s.custom_functions_meta(main)
scripts = s.custom_scripts_meta(main)
calls = json.loads(sys.argv[1])
results = {}
for name, args in calls.items():
    results[name] = asyncio.run(s.custom_functions_call({"func_name": name, "args": args, **data}, main))
try:
    asyncio.run(s.custom_functions_call({"func_name": "PL_FAKTOR", "args": [[[2013.0]], [[2019.0]], None],
                                         **data}, main))
    error = None
except Exception as exc:  # what Lite turns into a real #VALUE! error with this message
    error = [type(exc).__name__, str(exc)]
from xlwings.server import Caller, caller_from_address
book_call = asyncio.run(s.custom_functions_call(
    {"func_name": "PARAMETER", "args": [[["pl.service"]], None], **data}, main,
    typehint_to_value={Caller: caller_from_address("[model.xlsx]Model!B1")}))
script = getattr(book_call, "script", None)
book_call = {"value": getattr(book_call, "value", book_call),
             "script": getattr(script, "payload", script)}
print(json.dumps({"meta": meta, "scripts": scripts, "results": results, "error": error,
                  "book_call": book_call, "formualizer": "formualizer" in sys.modules}))
"""


def test_the_shipped_files_are_up_to_date_with_the_catalogue() -> None:
    for name, text in lite.files().items():
        assert (LITE / name).read_text(encoding="utf-8") == text, \
            f"excel/lite/{name} is stale: run python -m xlmodel.excel.lite excel/lite"
    assert lite.main(["--check", str(LITE)]) == 0


def test_the_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    assert lite.main([str(tmp_path)]) == 0
    (tmp_path / "main.py").write_text("# old\n", encoding="utf-8")
    assert lite.main(["--check", str(tmp_path)]) == 1


def test_requirements_are_pure_python_or_in_pyodide() -> None:
    text = (LITE / "requirements.txt").read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert lines == list(lite.REQUIREMENTS)
    assert "formualizer" not in lines and "xlwings" not in lines  # Lite brings xlwings itself


@pytest.fixture(scope="module")
def lite_view() -> dict:
    pytest.importorskip("xlwings")
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": str(ROOT)}
    calls = {name: args for name, (_f, args) in CALLS.items()}
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(calls)], capture_output=True, text=True,
                         cwd=LITE, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_every_catalogue_function_is_registered_with_its_argument_docs(lite_view) -> None:
    functions = {f["id"]: f for f in lite_view["meta"]["functions"]}
    assert sorted(functions) == sorted(catalogue.names())
    for fn in catalogue.functions():
        f = functions[fn.name]
        assert f["name"] == fn.name and f["description"] == fn.help
        assert f["result"]["dimensionality"] == "matrix"  # results spill (dynamic arrays)
        assert [p["name"] for p in f["parameters"]] == [a.name for a in fn.args]
        assert [p["description"] for p in f["parameters"]] == [a.help for a in fn.args]
        assert [p.get("optional", False) for p in f["parameters"]] == [a.optional for a in fn.args]


def test_the_two_macros_are_scripts(lite_view) -> None:
    assert [s["function_name"] for s in lite_view["scripts"]] == ["genindlaes_parametre", "opdater_model",
                                                                   "valider"]


def test_lite_hands_the_calling_workbook_and_a_first_call_asks_for_its_table(lite_view) -> None:
    # Lite injects the caller (hidden from Excel's signature); the session has not read the book's
    # Parametre table yet, so a function reading a parameter shows NOT_LOADED and requests the script
    call = lite_view["book_call"]
    assert call["value"] == [[lite.NOT_LOADED]]
    assert call["script"]["script_name"] == lite.RELOAD_SCRIPT


def test_bad_input_raises_the_message_lite_shows_in_the_error(lite_view) -> None:
    kind, message = lite_view["error"]
    assert kind == "CellError"
    assert message.startswith("til_aar: 2019 (")
    assert message.endswith("er ikke tilladt; tilladt: et år i 2013–2014")


def test_the_lite_path_does_not_load_the_compiled_engine(lite_view) -> None:
    assert lite_view["formualizer"] is False


def test_calls_return_what_the_headless_engine_computes(lite_view, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from xlmodel.excel.headless import evaluate

    wb = Workbook()
    ws = wb.active
    ws.title = "Lite"
    for row, (name, (formula, _args)) in enumerate(CALLS.items(), start=1):
        ws.cell(row, 1, name)
        ws.cell(row, 2, f"={name}({formula})")
    path = tmp_path / "lite.xlsx"
    wb.save(path)
    values = evaluate(path)
    for row, name in enumerate(CALLS, start=1):
        engine = values[("Lite", f"B{row}")]
        ours = lite_view["results"][name]
        assert isinstance(engine, float), (name, engine)
        assert ours == [[pytest.approx(engine, rel=1e-12)]], name
