"""The built wheel, installed without extras into a fresh venv, does the main jobs (issue 9 §4).

`pip wheel . --no-deps` builds xlmodel's wheel; a new venv installs it with its core
dependencies only (pip may use its cache or the registry); then, from a folder outside the
checkout (so nothing is imported from the source tree), `xlmodel refresh` and `xlmodel validate`
run on a copy of a shipped model, the UDF module imports under its packaged name, and a command
that needs the `excel` extra says in one Danish line what to install instead of a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(dist)],
                   check=True, timeout=300, capture_output=True)
    wheel = next(dist.glob("xlmodel-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-2000:]
    work = tmp / "work"
    work.mkdir()
    return {"wheel": wheel, "bin": venv / "bin", "work": work}


def _run(installed: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(installed["bin"] / args[0]), *args[1:]], capture_output=True, text=True,
                          cwd=installed["work"], timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})


def test_the_wheel_holds_the_udf_module_and_the_data(installed) -> None:
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for part in ("xlmodel/udfs.py", "xlmodel/excel/catalogue.toml", "xlmodel/parametre/aftale-2014.toml",
                 "xlmodel/excel/xlsm.py", "xlmodel/excel/lite.py"):
        assert part in names
    meta = zipfile.ZipFile(installed["wheel"]).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: formualizer" in meta  # the headless engine is a core dependency
    assert 'Requires-Dist: xlwings>=0.33; extra == "excel"' in meta


def test_refresh_and_validate_run_without_extras(installed) -> None:
    book = installed["work"] / "budget.xlsx"
    shutil.copyfile(ROOT / "workbooks" / "budget_2014.xlsx", book)
    before = book.read_bytes()
    refresh = _run(installed, "xlmodel", "refresh", book.name)
    assert refresh.returncode == 0, refresh.stderr + refresh.stdout
    assert "Traceback" not in refresh.stderr
    assert zipfile.is_zipfile(book) and book.read_bytes() != b""
    validate = _run(installed, "xlmodel", "validate", book.name)
    assert validate.returncode in (0, 1), validate.stderr  # 1 = findings; never a crash
    assert "Traceback" not in validate.stderr and validate.stdout.strip()
    assert before[:2] == book.read_bytes()[:2] == b"PK"


def test_the_udf_module_imports_under_its_packaged_name(installed) -> None:
    code = ("import xlmodel.udfs as m, xlmodel.excel.catalogue as c; "
            "assert m.__all__ == c.names(); print(len(m.__all__), m.PL_FAKTOR([[2013.0]], [[2014.0]], None))")
    out = _run(installed, "python", "-c", code)
    assert out.returncode == 0, out.stderr
    count, value = out.stdout.split()
    assert int(count) >= 20 and float(value) == pytest.approx(1.013)


def test_a_missing_extra_is_one_danish_line(installed) -> None:
    out = _run(installed, "xlmodel", "excel", "init", "model")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.strip() == 'xlmodel excel: mangler pakken xlwings; installér den med: pip install ' \
                                 '"xlmodel[excel]"'
    assert not (installed["work"] / "model.xlsm").exists()
