"""The shipped workbook models: they build reproducibly, carry their sources, check out OK."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlmodel.engine import evaluate
from xlmodel.excel.layout import COLUMNS, SHEET
from xlmodel.validate import validate
from xlmodel.workbooks import MODELS, build_all

SHIPPED = Path(__file__).resolve().parents[1] / "workbooks"
TIMESTAMP_PARTS = {"docProps/core.xml"}  # openpyxl stamps the save time here


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("models")
    return {p.name: p for p in build_all(out)}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n not in TIMESTAMP_PARTS}


def test_five_models_build(built: dict[str, Path]) -> None:
    assert sorted(built) == sorted(MODELS) and len(built) == 5


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parametre_sheet_shows_values_units_and_sources(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    rows = list(wb[SHEET].iter_rows(values_only=True))
    assert rows[0][:len(COLUMNS)] == COLUMNS
    service = next(r for r in rows if r[0] == "pl.service" and r[1] == 2014)
    assert service[2:6] == (1.3, "pct", "aftale", "Aftale 2014, boks 1")
    assert "P_pl_service" in wb.defined_names and "P_bloktilskud_i_alt" in wb.defined_names
    assert all(r[4] in {"aftale", "lov", "antagelse"} for r in rows[1:])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_kontrol_sheet_is_all_ok_and_cached(built: dict[str, Path], name: str) -> None:
    recomputed = evaluate(built[name])
    status = {cell: v for (sheet, cell), v in recomputed.items()
              if sheet == "Kontrol" and cell.startswith("D") and isinstance(v, str)}
    assert status and set(status.values()) == {"OK"}
    cached = load_workbook(built[name], data_only=True)["Kontrol"]  # what any viewer shows
    assert {cached[c].value for c in status} == {"OK"}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_validate_without_errors(built: dict[str, Path], name: str) -> None:
    report = validate(built[name])
    assert not report.has_errors, report.errors[["check", "sheet", "cell", "message"]].to_string()


def test_illustrative_data_is_labelled(built: dict[str, Path]) -> None:
    wb = load_workbook(built["kommuner_2014.xlsx"])
    for sheet in ("Data", "Beregning"):
        assert "ILLUSTRATIVE" in wb[sheet]["A2"].value
    assert "ILLUSTRATIVE" in load_workbook(built["pension_2014.xlsx"])["Loentabel"]["A2"].value


def test_build_is_reproducible(built: dict[str, Path], tmp_path: Path) -> None:
    again = {p.name: p for p in build_all(tmp_path)}
    for name in MODELS:
        assert parts(again[name]) == parts(built[name]), name


def test_committed_workbooks_are_up_to_date(built: dict[str, Path]) -> None:
    for name in MODELS:
        shipped = SHIPPED / name
        assert shipped.is_file(), f"{name} missing: run `xlmodel build`"
        assert parts(shipped) == parts(built[name]), f"{name} is stale: run `xlmodel build`"


def test_tabel1_footing_is_rounding(built: dict[str, Path]) -> None:
    values = evaluate(built["tabel1_2014.xlsx"])
    differences = {cell: v for (sheet, cell), v in values.items() if sheet == "Tabel1" and cell[0] == "D"
                   and isinstance(v, float)}
    statuses = {v for (sheet, cell), v in values.items() if sheet == "Tabel1" and cell[0] == "E"
                and v in {"ok", "afrunding", "fejl"}}
    assert sorted(differences.values()) == [0.0, 1.0]
    assert statuses == {"ok", "afrunding"}
