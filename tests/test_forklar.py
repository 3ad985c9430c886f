"""``forklar``: every number traced to its inputs, rules and parameter sources (engine tracing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import xlmodel
from xlmodel.cli import main
from xlmodel.errors import XlmodelError
from xlmodel.excel.headless import refresh
from xlmodel.excel.layout import write_parameters
from xlmodel.forklar import KOLONNER, forklar, outputs
from xlmodel.parameters import load

SHIPPED = Path(__file__).resolve().parents[1] / "workbooks"


def model(tmp_path: Path, sheet_name: str = "Budget") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws.append(["Linje", "2013-pl", "2014-pl", "i alt"])
    ws.append(["Skoler", 1000.0, '=PL_REGULER(B2,2013,2014,"service")', "=C2+C3"])
    ws.append(["Veje", 500.0, "=B3*(1+P_pl_service/100)", None])
    write_parameters(wb, load())
    path = tmp_path / "model.xlsx"
    wb.save(path)
    refresh(path)
    return path


def test_chain_down_to_parameter_and_catalogue_rule(tmp_path: Path) -> None:
    path = model(tmp_path)
    table = forklar(path, "Budget!D2")
    assert list(table.columns) == list(KOLONNER)
    by_cell = table.set_index("celle")
    assert table.iloc[0]["celle"] == "Budget!D2" and table.iloc[0]["niveau"] == 0
    assert table.iloc[0]["værdi"] == pytest.approx(1000 * 1.013 + 500 * 1.013)
    # the catalogue function, its rule and the agreement section its core cites
    pl = by_cell.loc["Budget!C2"]
    assert pl["niveau"] == 1 and pl["funktion"] == "PL_REGULER"
    assert "PL_FAKTOR" in pl["regel"] and "aftale" in pl["kilde"]
    # the parameter behind the native formula: value, unit, year, source, and the name used
    native = by_cell.loc["Budget!C3"]
    assert native["formel"] == "=B3*(1+P_pl_service/100)"
    params = table[(table["parameter"] == "pl.service") & (table["via"] == "P_pl_service")]
    assert len(params) == 1
    p = params.iloc[0]
    ps = load()
    assert p["parameterværdi"] == ps.value("pl.service", 2014) and p["år"] == 2014
    assert p["enhed"] == ps.parameters["pl.service"].unit
    assert "boks 1" in p["kilde"] and p["via"] == "P_pl_service" and p["niveau"] == 2
    # inputs are constants with their values and labels
    assert by_cell.loc["Budget!B3", "værdi"] == 500 and by_cell.loc["Budget!B3", "formel"] is None
    assert "Veje" in by_cell.loc["Budget!B3", "etiket"]


def test_depth_first_each_input_under_its_formula(tmp_path: Path) -> None:
    table = forklar(model(tmp_path), "Budget!D2")
    cells = table["celle"].tolist()
    # right under the catalogue call: the parameters it read (no cell), then its inputs
    between = table.iloc[cells.index("Budget!C2") + 1:cells.index("Budget!B2")]
    assert list(between["parameter"]) == ["pl.service"] and set(between["via"]) == {"Budget!C2"}
    assert cells.index("Budget!B3") > cells.index("Budget!C3")


def test_callable_module_and_quoted_sheet_names(tmp_path: Path) -> None:
    path = model(tmp_path, "Mit budget")
    table = xlmodel.forklar(path, "'Mit budget'!C3")
    assert isinstance(table, pd.DataFrame) and table.iloc[0]["celle"] == "Mit budget!C3"
    assert "pl.service" in set(table["parameter"].dropna())


@pytest.mark.parametrize("cell", ["E5", "Budgt!E5", "Budget!5E", "Budget!", 42])
def test_bad_cell_names_what_is_allowed(tmp_path: Path, cell: object) -> None:
    with pytest.raises(XlmodelError) as err:
        forklar(model(tmp_path), cell)  # type: ignore[arg-type]
    assert "Budget" in str(err.value) and "Parametre" in str(err.value)


def test_cli_prints_the_chain_in_danish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = model(tmp_path)
    csv = tmp_path / "kaede.csv"
    assert main(["forklar", str(path), "Budget!C3", "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "Budget!C3 = 506,5" in out  # Danish decimal comma
    assert "parameter: pl.service = 1,3" in out and "kilde:" in out
    assert csv.is_file() and "pl.service" in csv.read_text(encoding="utf-8-sig")
    assert main(["forklar", str(path), "Nope!A1"]) == 2
    assert "Nope!A1" in capsys.readouterr().err


def test_shipped_model_outputs_are_explained() -> None:
    path = SHIPPED / "budget_2014.xlsx"
    found = outputs(path)
    assert "Budget!E5" in found and all("Parametre" not in c for c in found)
    table = forklar(path, "Budget!E5")
    assert {"Budget!C5"} <= set(table["celle"]) and table["parameter"].notna().any()


def one_call(tmp_path: Path, formula: str) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Linje", "beløb"])
    ws.append(["Post", formula])
    write_parameters(wb, load())
    path = tmp_path / "kald.xlsx"
    wb.save(path)
    refresh(path)
    return path


def test_parameters_read_inside_a_catalogue_call(tmp_path: Path) -> None:
    ps = load()
    table = forklar(one_call(tmp_path, '=PL_REGULER(1000,2013,2014,"anlaeg")'), "Budget!B2")
    reads = table[table["via"] == "Budget!B2"]
    anlaeg = reads[reads["parameter"] == "pl.anlaeg"]
    assert len(anlaeg) == 1, reads
    row = anlaeg.iloc[0]
    expected = ps.get("pl.anlaeg", 2014)
    assert row["år"] == 2014 and row["parameterværdi"] == expected.value
    assert row["enhed"] == expected.unit and row["kilde"] == expected.source_text
    assert row["niveau"] == 1 and row["celle"] is None
    assert table.iloc[0]["værdi"] == pytest.approx(1000 * (1 + expected.value / 100))
    assert not (reads["parameter"] == "pl.service").any()  # only what the call read


def test_default_year_is_the_sets_budget_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ps = load()
    path = one_call(tmp_path, "=UDSKRIVNINGSGRUNDLAG_GARANTI(1000)")
    table = forklar(path, "Budget!B2")
    rows = table[(table["parameter"] == "skat.fremskrivningsprocent") & (table["via"] == "Budget!B2")]
    assert len(rows) == 1, table
    expected = ps.get("skat.fremskrivningsprocent", ps.budget_year)
    assert rows.iloc[0]["år"] == ps.budget_year and rows.iloc[0]["parameterværdi"] == expected.value
    assert rows.iloc[0]["kilde"] == expected.source_text
    assert main(["forklar", str(path), "Budget!B2"]) == 0
    assert "parameter: skat.fremskrivningsprocent" in capsys.readouterr().out


def test_a_failing_call_says_its_parameters_are_unknown(tmp_path: Path) -> None:
    table = forklar(one_call(tmp_path, '=PL_REGULER(1000,2013,2014,"nope")'), "Budget!B2")
    reads = table[table["via"] == "Budget!B2"]
    assert len(reads) == 1 and reads.iloc[0]["parameter"] is None
    assert "parametre kunne ikke bestemmes" in reads.iloc[0]["regel"]
