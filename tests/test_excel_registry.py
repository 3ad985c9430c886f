"""The engine's Excel-exactness modules (xlmodel.engine.excel_registry): their rewrites reach the
engine's copy only, and a sheet no trigger matches is not rewritten at all."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlmodel.engine import excel_aggregates, excel_finance, excel_registry
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


def test_a_failing_callback_keeps_excels_value_even_under_iferror(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in xlmodel's version of a function (here: ZeroDivisionError) must not become a
    number through IFERROR: the cell keeps the value Excel cached, with the reason, and the
    report says which function failed."""

    def register(wb: object, formulas: object, *, date1904: bool = False) -> None:
        wb.register_function("XLMTEST", lambda x: 1 / 0, min_args=1, max_args=1,  # type: ignore[attr-defined]
                             allow_override_builtin=True)

    src = tmp_path / "bog.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"], ws["A2"], ws["A3"] = "=IFERROR(XLMTEST(1),7)", "=A1+1", "=XLMTEST(2)"
    wb.save(src)
    # cached values as Excel would have written them (openpyxl writes none)
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for f, v in (("IFERROR(XLMTEST(1),7)", "1.77245385090552"), ("A1+1", "2.77245385090552"),
                 ("XLMTEST(2)", "2.506628274631")):
        sheet = sheet.replace(f"<f>{f}</f><v /></c>", f"<f>{f}</f><v>{v}</v></c>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    monkeypatch.setattr(excel_finance, "register", register)
    out = tmp_path / "ud.xlsx"
    report = refresh(src, out)
    kept = {k.cell: k.reason for k in report.not_recomputed}
    assert set(kept) == {"A1", "A3"}, kept
    assert "XLMTEST" in kept["A1"] and "ZeroDivisionError" in kept["A1"]
    written = openpyxl.load_workbook(out, data_only=True)["Ark"]
    assert written["A1"].value == pytest.approx(1.77245385090552)      # not 7
    assert written["A2"].value == pytest.approx(2.77245385090552)      # from the kept value
    assert any("XLMTEST" in w for w in report.warnings)


def test_a_failing_callback_without_a_cached_value_gives_an_error_not_a_number(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cached value to keep (a file openpyxl wrote): the cell and the cells computed from it
    get an error (#N/IMPL! in the engine, written as #VALUE!), never the 7 of IFERROR or 8."""

    def register(wb: object, formulas: object, *, date1904: bool = False) -> None:
        wb.register_function("XLMTEST", lambda x: 1 / 0, min_args=1, max_args=1)  # type: ignore[attr-defined]

    src = tmp_path / "bog.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"], ws["A2"] = "=IFERROR(XLMTEST(1),7)", "=A1+1"
    wb.save(src)
    monkeypatch.setattr(excel_finance, "register", register)
    out = tmp_path / "ud.xlsx"
    refresh(src, out)
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert b"<v>7</v>" not in sheet and b"<v>8</v>" not in sheet
    assert sheet.count(b't="e"') == 2, sheet   # written as Excel errors (#VALUE!)


def test_a_later_registration_replaces_an_earlier_one() -> None:
    import formualizer as fz

    guarded = excel_registry.GuardedWorkbook(fz.Workbook())
    guarded.register_function("DOUBLE", lambda x: x * 2, min_args=1, max_args=1)
    guarded.register_function("DOUBLE", lambda x: x * 3, min_args=1, max_args=1)
    s = guarded.sheet("S")
    s.set_formula(1, 1, "=DOUBLE(2)")
    assert guarded.evaluate_cell("S", 1, 1) == 6


def test_lifting_override_left_out_above_its_budget() -> None:
    """One array formula over PMT in a model of many PMT cells must not send every PMT through
    the scratch workbook: above LIFT_BUDGET cells the built-in stays native."""
    from xlmodel.engine import excel_lifting

    class Recorder:
        def __init__(self) -> None:
            self.names: list[str] = []

        def register_function(self, name: str, *args: object, **kw: object) -> None:
            self.names.append(name)

    small, large = Recorder(), Recorder()
    excel_lifting.register(small, {"LEN"}, called={"LEN": excel_lifting.LIFT_BUDGET})
    excel_lifting.register(large, {"LEN"}, called={"LEN": excel_lifting.LIFT_BUDGET + 1})
    assert small.names == ["LEN", "_xlfn.LEN"] and large.names == []


def _shared(text: str, cells: int, ref: bool = True) -> dict[str, list[object]]:
    """A shared formula's master and its followers (no text of their own) down column A."""
    from xlmodel.ooxml.sheet import FormulaCell

    master = FormulaCell(1, 1, "shared", f"A1:A{cells}" if ref else None, True, text, "0")
    return {"S": [master] + [FormulaCell(r, 1, "shared", None, False, "", "0")
                             for r in range(2, cells + 1)]}


def test_cells_read_counts_every_cell_a_formula_fills() -> None:
    """A shared master counts for each follower; a name or table reads an unknown size."""
    cost = excel_registry.cells_read(_shared("VLOOKUP(B1,D1:F100,2,0)+MATCH(1,G1:G10,0)", 7),
                                     ["VLOOKUP", "MATCH", "XLOOKUP"], budget=10_000)
    assert cost == {"MATCH": 7 * 310, "VLOOKUP": 7 * 310}
    # the followers found by their group index, even without the master's range
    assert excel_registry.cells_read(_shared("MATCH(1,G1:G10,0)", 4, ref=False), ["MATCH"],
                                     budget=100) == {"MATCH": 40}
    named = excel_registry.formulas_of(["MATCH(1,Liste,0)", "MATCH(1,Tabel[Kol],0)"])
    assert excel_registry.cells_read(named, ["MATCH"], budget=50_000)["MATCH"] > 50_000


def test_cells_read_stops_at_the_budget_and_skips_uncalled_functions() -> None:
    texts = [f"VLOOKUP(A{r},D1:F1000,2,0)" for r in range(1, 5001)] + ["SUM(A1:A9)"]
    cost = excel_registry.cells_read(excel_registry.formulas_of(texts), ["VLOOKUP", "SUM"],
                                     budget=10_000)
    assert cost["VLOOKUP"] > 10_000 and cost["SUM"] == 9   # VLOOKUP counted no further
    assert excel_registry.cells_read(excel_registry.formulas_of(["SUM(A1:A9)"]), ["VLOOKUP"],
                                     budget=1) == {}


def test_lookup_gate_counts_shared_followers() -> None:
    """A shared MATCH over 20,000 cells reading 3,000 rows each keeps formualizer's MATCH."""
    from xlmodel.engine import excel_functions

    text = "MATCH(B1,$D$1:$D$3000,0)"
    assert excel_functions.lookups_to_override(_shared(text, 5)) == {"MATCH"}
    assert excel_functions.lookups_to_override(_shared(text, 20_000)) == set()


def test_engineering_gate_counts_shared_followers() -> None:
    from xlmodel.engine import excel_engineering

    assert excel_engineering.gated(_shared("POWER(B1,2)", 10)) == {"POWER"}
    assert excel_engineering.gated(_shared("POWER(B1,2)", 20_000)) == set()


def test_the_scan_lives_in_its_scope_and_thread_only() -> None:
    """called() is answered from one scan inside scanning(); outside it nothing is kept, and
    another thread never reads this thread's workbook."""
    import threading

    formulas = excel_registry.formulas_of(["SUM(A1)", "SUM(A2)"])
    seen: list[object] = []
    with excel_registry.scanning(formulas):
        assert excel_registry.called(formulas) is excel_registry.called(formulas)
        thread = threading.Thread(target=lambda: seen.append(excel_registry._SCOPE.formulas))
        thread.start()
        thread.join()
    assert seen == [None]
    assert excel_registry._SCOPE.formulas is None and excel_registry._SCOPE.scan is None
    assert dict(excel_registry.called(formulas)) == {"SUM": 2}


def test_typed_text_decided_once_per_form() -> None:
    """A formula with a text that is no aggregate's argument is tokenized once per form (its
    digits written 0); a form that types text into an aggregate is wrapped every time."""
    from xlmodel.engine.excel_aggregates import _NO_TYPED_TEXT, wrap_typed_text

    assert wrap_typed_text('IF(SUM(A2:C2)=0,"",A2/SUM(A2:C2))') == 'IF(SUM(A2:C2)=0,"",A2/SUM(A2:C2))'
    assert 'IF(SUM(A0:C0)=0,"",A0/SUM(A0:C0))' in _NO_TYPED_TEXT
    assert wrap_typed_text('IF(SUM(A7:C7)=0,"",1)') == 'IF(SUM(A7:C7)=0,"",1)'
    for r in (2, 3):
        assert wrap_typed_text(f'SUM(A{r},"x")') == f'SUM(A{r},_XLMODEL_AGGR_NUMBER("x"))'
