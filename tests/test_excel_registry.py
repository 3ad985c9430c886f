"""The engine's Excel-exactness modules (xlmodel.engine.excel_registry): their rewrites reach the
engine's copy only, and a sheet no trigger matches is not rewritten at all."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlmodel.engine import excel_aggregates, excel_registry
from xlmodel.engine.excel_registry import Rewrite
from xlmodel.excel.headless import evaluate, refresh


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"], ws["A2"] = 20, "=A1+1"
    wb.save(path)
    return path


def test_every_module_offers_register_and_rewrites() -> None:
    for module in excel_registry._modules():
        assert callable(module.register), module.__name__
        assert all(isinstance(rw, Rewrite) for rw in module.REWRITES), module.__name__


def test_no_trigger_no_rewrite() -> None:
    assert excel_registry.sheet_rewrite(b"<worksheet><f>A1+1</f></worksheet>") is None


def test_a_rewrite_reaches_the_engine_not_the_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite of ``A1+1`` to ``A1+2`` changes the computed value; the file keeps ``A1+1``."""
    rw = Rewrite("test", re.compile(rb"A1\+1"), lambda t: t.replace("A1+1", "A1+2"))
    src = _book(tmp_path / "bog.xlsx")
    assert evaluate(src)[("Ark", "A2")] == 21
    monkeypatch.setattr(excel_aggregates, "REWRITES", (rw,))
    assert evaluate(src)[("Ark", "A2")] == 22
    out = tmp_path / "ud.xlsx"
    refresh(src, out)
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert b"<f>A1+1</f>" in sheet and b"<v>22</v>" in sheet


def test_needles_gate_the_trigger() -> None:
    rw = Rewrite("t", re.compile(rb"X"), lambda t: t, needles=(b"AREAS(",))
    assert not rw.wanted(b"<f>X</f>")
    assert rw.wanted(b"<f>AREAS(X)</f>")
    assert Rewrite("t", re.compile(rb"X"), lambda t: t).wanted(b"<f>X</f>")


def test_called_counts_cells_and_ignores_text() -> None:
    """A shared formula counts the cells it fills; a name inside a string is no call."""

    class Cell:
        def __init__(self, text: str, f_type: str = "normal", ref: str | None = None) -> None:
            self.text, self.f_type, self.ref = text, f_type, ref

    formulas = {"A": [Cell('SUM(A1:A3)&"IF("'), Cell("_xlfn.XLOOKUP(1,B1:B2,C1:C2)", "shared", "D1:D5")],
                "B": [Cell("SUM(1)"), Cell("1+2")]}
    assert dict(excel_registry.called(formulas)) == {"SUM": 2, "XLOOKUP": 5}
