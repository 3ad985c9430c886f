"""A smoke run of the benchmark scripts at tiny sizes, so they cannot rot (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel.engine import libreoffice

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice (soffice) not installed")
def test_bench_smoke_run_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    for case in ("PL conversions", "98 municipalities", "PL_REGULER called once per cell",
                 "import udfs.xlmodel_udfs", "xlmodel refresh", "xlmodel.validate",
                 "xlmodel validate FOLDER"):
        assert case in table, case
    assert "Smoke sizes" in table
