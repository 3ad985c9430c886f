"""A smoke run of the benchmark scripts at tiny sizes, so they cannot rot (no timing asserted),
and the refusal the cost-growth case shows: a file whose refresh would not fit the memory limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import make_workbook
from xlmodel.engine import libreoffice
from xlmodel.safeio import MEMORY_ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice (soffice) not installed")
def test_bench_smoke_run_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    for case in ("PL conversions", "98 municipalities", "PL_REGULER called once per cell",
                 "one single-cell catalogue call from the engine", "import udfs.xlmodel_udfs",
                 "plain model 2,000 native formulas", "native twin", "about 30 % catalogue calls",
                 "the refreshed plain model", "the refreshed bench model", "xlmodel validate FOLDER",
                 "## Cost growth", "## Where one refresh goes", "| evaluate (formualizer) |",
                 "refused as asked: True"):
        assert case in table, case
    assert "Smoke sizes" in table


def test_a_refresh_over_the_memory_limit_is_refused_naming_the_estimate_and_the_limit(
        tmp_path: Path) -> None:
    book = tmp_path / "model.xlsx"
    make_workbook.build_grid(book, 500)
    before = book.read_bytes()
    done = subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(book)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, MEMORY_ENV: "1"})
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    message = done.stderr.strip()
    assert "Traceback" not in message
    assert "anslået" in message and "500 formler" in message  # the estimate, and what it counts
    assert "1,0 MB" in message and f"{MEMORY_ENV}=1" in message  # the limit and where it comes from
    assert book.read_bytes() == before  # refused before anything was written
    ok = subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(book)], cwd=ROOT,
                        capture_output=True, text=True, timeout=300, check=False,
                        env={**os.environ, MEMORY_ENV: "4000"})
    assert ok.returncode == 0, ok.stderr  # the same file under a limit it fits is refreshed
