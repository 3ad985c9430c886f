"""The shipped workbook models: they build reproducibly, carry their sources, check out OK."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlmodel.excel.headless import evaluate
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


def test_six_models_build(built: dict[str, Path]) -> None:
    assert sorted(built) == sorted(MODELS) and len(built) == 6


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parametre_sheet_shows_values_units_and_sources(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    rows = list(wb[SHEET].iter_rows(values_only=True))
    assert rows[0][:len(COLUMNS)] == COLUMNS
    service = next(r for r in rows if r[0] == "pl.service" and r[1] == 2014)
    assert service[2:6] == (1.3, "pct", "aftale", "Aftale 2014, boks 1")
    assert "P_pl_service" in wb.defined_names and "P_bloktilskud_i_alt" in wb.defined_names
    assert all(r[4] in {"aftale", "lov", "udmelding", "antagelse"} for r in rows[1:])


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
                and v in {"OK", "afrunding", "fejl"}}
    assert sorted(differences.values()) == [0.0, 1.0]
    assert statuses == {"OK", "afrunding"}


# ------------------------------------------------------------------ how the models read (issue 15 §2)
MODEL_SHEETS = {  # the sheets a builder styles (Parametre and Kontrol are xlmodel's own)
    "budget_2014.xlsx": ["Budget", "Skattegrundlag"],
    "budget_2014-2017.xlsx": ["Data", "Skat", "Tilskud og udligning", "Overslag", "Beslutning"],
    "kommuner_2014.xlsx": ["Data", "Beregning"],
    "pension_2014.xlsx": ["Loentabel", "Medarbejdere"],
    "tabel1_2014.xlsx": ["Tabel1"],
    "udligning_2014.xlsx": ["Data", "Beregning"],
}
INPUTS = {  # cells a user is meant to change
    "budget_2014.xlsx": {"Budget": ["C5", "C10"], "Skattegrundlag": ["B5", "B6", "B7"]},
    "budget_2014-2017.xlsx": {"Skat": ["B5", "B12", "B13"], "Beslutning": ["B13"], "Data": ["D5", "K102"]},
    "kommuner_2014.xlsx": {"Data": ["D5", "E50", "K102"]},
    "pension_2014.xlsx": {"Loentabel": ["A5", "B5"], "Medarbejdere": ["A5", "C5", "F14", "Q14"]},
    "udligning_2014.xlsx": {"Data": ["D5", "G50", "J60", "N102"]},
}


def shown(value: object, fmt: str) -> str:
    """A number as a Danish viewer shows it under the number formats the models use."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if fmt == "General":
        return repr(value).replace(".", ",")
    fmt = fmt.split(";")[0]
    decimals = len(fmt.split(".")[1]) if "." in fmt else 0
    text = f"{value:,.{decimals}f}" if "," in fmt else f"{value:.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def test_shown_is_the_danish_display() -> None:
    assert shown(3.2, "0.0") == "3,2" and shown(3.6568, "0.00") == "3,66"
    assert shown(12345.678, "#,##0.0") == "12.345,7" and shown(2014, "0") == "2014"


def test_inputs_display_the_decimals_that_matter(built: dict[str, Path]) -> None:
    wb = load_workbook(built["budget_2014.xlsx"], data_only=True)
    sk = wb["Skattegrundlag"]
    assert sk["B7"].value == 3.2 and shown(sk["B7"].value, sk["B7"].number_format) == "3,2"
    assert shown(sk["B6"].value, sk["B6"].number_format) == "25,1"
    breakeven = sk["B13"]  # growth per year at which statsgaranti and selvbudgettering tie
    assert 3.6 < breakeven.value < 3.7
    assert shown(breakeven.value, breakeven.number_format) == f"{breakeven.value:.2f}".replace(".", ",")
    assert shown(sk["B5"].value, sk["B5"].number_format) == "9.850,0"  # mio. kr., one decimal


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_number_has_a_format_and_fits_its_column(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name], data_only=True)
    for sheet in MODEL_SHEETS[name]:
        ws = wb[sheet]
        for row in ws.iter_rows(min_row=5):
            for cell in row:
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                where = f"{name} {sheet}!{cell.coordinate}"
                assert cell.number_format != "General", f"{where} has no number format"
                width = ws.column_dimensions[cell.column_letter].width
                text = shown(cell.value, cell.number_format)
                assert len(text) + 1 <= width, f"{where} shows {text!r} in a column {width} wide"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_headers_fit_freeze_and_print_on_a4_landscape(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    for sheet in MODEL_SHEETS[name]:
        ws = wb[sheet]
        header_row = 4
        assert ws.freeze_panes and int(ws.freeze_panes.lstrip("ABCDEFGHIJ")) == header_row + 1, sheet
        for cell in ws[header_row]:
            if cell.value:
                longest = max(len(w) for w in str(cell.value).replace("-", "- ").split())
                assert ws.column_dimensions[cell.column_letter].width >= longest + 2, (sheet, cell.value)
                assert cell.alignment.wrap_text, (sheet, cell.value)
        setup = ws.page_setup
        assert int(setup.paperSize) == int(ws.PAPERSIZE_A4) and setup.fitToWidth == 1, sheet
        assert setup.orientation == ("portrait" if sheet == "Loentabel" else "landscape"), sheet
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"$1:${header_row}", sheet
        assert "&P" in ws.oddFooter.center.text and ws.oddFooter.left.text == "&A"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_inputs_look_like_inputs_and_formulas_do_not(built: dict[str, Path], name: str) -> None:
    from xlmodel.workbooks.style import INPUT_FILL

    wb = load_workbook(built[name])
    for sheet, refs in INPUTS.get(name, {}).items():
        for ref in refs:
            cell = wb[sheet][ref]
            assert cell.fill.fgColor.rgb == INPUT_FILL.fgColor.rgb, f"{sheet}!{ref} not styled as input"
            assert not str(cell.value).startswith("="), f"{sheet}!{ref} is a formula"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.fill.fgColor.rgb != INPUT_FILL.fgColor.rgb, f"{ws.title}!{cell.coordinate}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forside_says_what_the_model_is_its_parameters_sources_and_illustrative_data(
        built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    assert wb.sheetnames[0] == "Forside" and wb.active.title == "Forside"
    labels = {c.value for c in wb["Forside"]["A"] if c.value}
    text = "\n".join(str(c.value) for row in wb["Forside"].iter_rows() for c in row if c.value)
    assert {"Hvad modellen er", "Parametersæt", "Kilder", "ILLUSTRATIVE data", "Ark", "Celletyper"} <= labels
    assert "aftale-2014" in text and "Aftale om kommunernes økonomi for 2014" in text
    assert "Inputcelle" in text
    for sheet in wb.sheetnames[1:]:
        assert f"{sheet}:" in text, f"the Forside does not list sheet {sheet}"
    if name != "tabel1_2014.xlsx":  # Tabel 1 holds the agreement's printed figures only
        assert "ILLUSTRATIV" in text.split("ILLUSTRATIVE data", 1)[1]


CHARTS = {  # model → (sheet the chart is on, a range the chart plots)
    "budget_2014.xlsx": ("Budget", "'Budget'!$C$14:$C$18"),
    "budget_2014-2017.xlsx": ("Beslutning", "'Beslutning'!$B$21:$B$31"),
    "kommuner_2014.xlsx": ("Diagram", "'Beregning'!$K$5:$K$102"),
    "pension_2014.xlsx": ("Medarbejdere", "'Medarbejdere'!$D$20:$D$24"),
    "udligning_2014.xlsx": ("Diagram", "'Beregning'!$S$5:$S$102"),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_one_chart_per_model_where_a_picture_says_more(built: dict[str, Path], name: str) -> None:
    sheet, plotted = CHARTS[name]
    with zipfile.ZipFile(built[name]) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1, charts
        xml = zf.read(charts[0]).decode()
        index = load_workbook(built[name], read_only=True).sheetnames.index(sheet) + 1
        drawing_rels = zf.read(f"xl/worksheets/_rels/sheet{index}.xml.rels").decode()
    assert plotted in xml, f"{name}: the chart does not plot {plotted}"
    assert "drawing" in drawing_rels, f"{name}: the chart is not on {sheet}"


def test_the_row_layout_has_one_row_per_municipality() -> None:
    from xlmodel.kommuner import kommuner
    from xlmodel.workbooks import style

    assert len(kommuner()) == style.N
    assert style.LAST - style.FIRST + 1 == style.N
