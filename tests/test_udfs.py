"""The xlwings UDF module: generated from the catalogue, registered as xlwings reads it, cheap to import."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xlmodel import pl
from xlmodel.excel import catalogue

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "udfs")])}


@pytest.fixture(scope="module")
def udfs():
    import xlmodel.udfs as module

    return module


def test_the_old_module_name_is_a_shim_over_the_packaged_one(udfs) -> None:
    import udfs.xlmodel_udfs as shim

    assert shim.__all__ == udfs.__all__ == catalogue.names()
    assert all(getattr(shim, n) is getattr(udfs, n) for n in catalogue.names())


def test_one_wrapper_per_catalogue_function(udfs) -> None:
    assert udfs.__all__ == catalogue.names()
    for fn in catalogue.functions():
        f = getattr(udfs, fn.name)
        assert f.__name__ == f.__qualname__ == fn.name  # xlwings names the VBA wrapper after it
        assert f.__doc__ == fn.help
        assert f.__xlmodel__ is fn
        assert f.__annotations__ == {}  # a type hint would become an xlwings converter
        *params, caller = inspect.signature(f).parameters.values()
        # xlwings' reserved argument last: it passes the calling range there (hidden from Excel)
        assert caller.name == "caller" and caller.default is None
        assert [p.name for p in params] == [a.name for a in fn.args]
        assert [p.default is None for p in params] == [a.optional for a in fn.args]
        assert all(p.default is inspect.Parameter.empty for p, a in zip(params, fn.args, strict=True)
                   if not a.optional)


def test_wrappers_give_the_core_answer_for_what_xlwings_passes(udfs) -> None:
    # xlwings with ndim=2 passes every argument as a list of rows, a left-out optional as None
    assert udfs.PL_FAKTOR([[2013.0]], [[2014.0]], None) == pl.faktor(2013, 2014)
    assert udfs.PL_REGULER([[100.0], [200.0]], [[2013.0]], [[2014.0]], [["anlaeg"]]) == \
        [[pytest.approx(v)] for v in pl.reguler([100, 200], 2013, 2014, "anlaeg")]
    # err_to_str=True turns an error cell into "#N/A": refused with the argument's name
    assert udfs.PL_FAKTOR([[2013.0]], [["#N/A"]], None) == \
        "#VALUE! til_aar: Excel-fejlen #N/A er ikke tilladt; tilladt: et helt årstal, fx 2014 " \
        "(ret den celle, fejlen kommer fra)"


XLWINGS_PROBE = textwrap.dedent("""
    import io, json, sys, types
    # xlwings.udfs needs pywin32 at import; stand-ins let its real decorators run on Linux
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings as xw
    import xlwings.udfs as xu
    xw.func, xw.arg, xw.ret = xu.xlfunc, xu.xlarg, xu.xlret   # what Windows binds them to
    import importlib
    m = importlib.import_module(sys.argv[1])
    meta = {n: getattr(m, n).__xlfunc__ for n in m.__all__}
    for v in meta.values():
        v.pop("argmap")
        v["ret"]["options"] = {k: str(o) for k, o in v["ret"]["options"].items()}
    class FakeBook:
        Name = "model.xlsm"
    vba = io.StringIO()
    xu.generate_vba_wrapper(sys.argv[1], m, vba, FakeBook())
    print(json.dumps({"meta": meta, "vba": vba.getvalue()}))
""")


def xlwings_probe(module: str, env: dict | None = None, cwd: Path = ROOT,
                  python: str = sys.executable) -> dict:
    """What xlwings' own UDF machinery makes of ``module``: decorator metadata and the VBA."""
    out = subprocess.run([python, "-c", XLWINGS_PROBE, module], capture_output=True, text=True,
                         env=env or ENV, cwd=cwd, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module", params=["xlmodel.udfs", "xlmodel_udfs"])
def xlwings_view(request) -> dict:
    pytest.importorskip("xlwings")
    view = xlwings_probe(request.param)
    view["module"] = request.param
    return view


def test_xlwings_own_decorators_record_the_catalogue(xlwings_view) -> None:
    meta = xlwings_view["meta"]
    assert set(meta) == set(catalogue.names())
    for fn in catalogue.functions():
        m = meta[fn.name]
        assert m["name"] == fn.name and m["sub"] is False
        assert m["category"] == fn.category
        assert m["ret"]["doc"] == fn.help and m["ret"]["options"] == {}
        *args, caller = m["args"]
        assert caller["name"] == "caller"  # xlwings hands it the calling range
        assert [a["name"] for a in args] == [a.name for a in fn.args]
        for got, a in zip(args, fn.args, strict=True):
            assert got["doc"] == a.help
            assert got["options"] == {"ndim": 2, "err_to_str": True}
            assert ("optional" in got) == a.optional
            if a.optional:
                assert got["optional"] is None


def test_xlwings_generates_the_vba_excel_calls(xlwings_view) -> None:
    vba, module = xlwings_view["vba"], xlwings_view["module"]
    for fn in catalogue.functions():
        params = ", ".join(("Optional " if a.optional else "") + a.name for a in fn.args)
        assert f"Function {fn.name}({params})" in vba
        # Excel's signature has no caller; the call passes Nothing there (xlwings puts the range in)
        array = ", ".join([a.name for a in fn.args] + ["Nothing"])
        assert f'XLPy.CallUDF("{module}", "{fn.name}", Array({array})' in vba


def test_import_is_cheap_and_does_not_load_the_core() -> None:
    code = ("import sys, time; t = time.perf_counter(); import xlmodel.udfs; "
            "dt = time.perf_counter() - t; "
            "print(dt, sorted(m for m in ('xlwings', 'xlmodel.pl', 'xlmodel.excel.cells', 'formualizer', "
            "'openpyxl') if m in sys.modules))")
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT,
                             check=True, timeout=60)
        elapsed, loaded = out.stdout.split(" ", 1)
        times.append(float(elapsed))
        assert loaded.strip() == "[]"
    # measured ~0.25 s (mostly pandas, via xlmodel.parameters); target < 0.5 s, margin for a busy CI box
    assert min(times) < 1.0, times
