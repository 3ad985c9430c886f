"""Workbooks made by hand (openpyxl, formulas typed as a user would) for the Excel-layer tests.

Every catalogue function appears in :func:`hand_workbook`; :func:`expected` computes what each
formula cell must hold by calling the core directly (never a number copied from a run).
All input figures here are ILLUSTRATIVE test data, not real municipalities.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

# ILLUSTRATIVE inputs for five municipalities
INDBYGGERE = [10_000, 30_000, 60_000, 20_000, 80_000]
REGNSKAB = [110, 95, 100, 104, 99]
KORR_BUDGET = [100, 100, 100, 100, 100]
BUDGET = [104, 103, 95, 100, 101]
RAMME = [100, 100, 100, 100, 100]
PROVENUAENDRING = [30, 10, -20, 0, 5]
PROVENUTAB = [10, 40, 0, 5, 20]
UNDTAGET = [False, True, False, False, False]
#: ILLUSTRATIVE udligning inputs (mio. kr.): udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat
UDGIFTSBEHOV = [300, 900, 1700, 600, 2300]
BESKATNINGSGRUNDLAG = [1000, 3500, 6500, 2600, 8000]
HOVEDSTAD = [True, True, False, False, False]
SELSKABSSKAT = [30, 10, 0, 5, 20]
VAEGTE = [0.6, 0.3, 0.1]
SATSER = [1.2, 1.5, 1.8]
#: ILLUSTRATIVE pay table (trin, løn): not the state's pay scale.
LOENTABEL = [(trin, 300_000 + 5_000 * (trin - 37)) for trin in range(37, 50)]


@dataclass(frozen=True)
class Example:
    sheet: str
    cell: str               # anchor cell
    formula: str            # as a user types it
    module: str             # the core module (tests skip while it has not landed)
    expected: Callable[[], Any]   # the core's answer: a scalar or a 2-D list (the spill)


def _core(ref: str) -> Callable[..., Any]:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _col(values: Any) -> list[list[float]]:
    return [[float(v)] for v in np.asarray(values, dtype=float).ravel()]


def examples() -> list[Example]:
    """One or more cells per catalogue function (cell addresses of :func:`hand_workbook`)."""
    ind = np.array(INDBYGGERE, float)
    c = "Beregning"
    return [
        Example(c, "B2", "=PL_FAKTOR(2013,2014)", "xlmodel.pl",
                lambda: _core("xlmodel.pl:faktor")(2013, 2014)),
        Example(c, "B3", '=PL_FAKTOR(2013,2014,"sats")', "xlmodel.pl",
                lambda: _core("xlmodel.pl:faktor")(2013, 2014, "sats")),
        Example(c, "B4", '=PL_REGULER(Input!B2,2013,2014,"anlaeg")', "xlmodel.pl",
                lambda: _core("xlmodel.pl:reguler")(INDBYGGERE[0], 2013, 2014, "anlaeg")),
        Example(c, "B5", "=PL_VAEGTET(Input!N2:N4,Input!O2:O4)", "xlmodel.pl",
                lambda: _core("xlmodel.pl:vaegtet_sats")(VAEGTE, SATSER)),
        Example(c, "B6", '=PARAMETER("pl.service")', "xlmodel.parameters",
                lambda: _core("xlmodel.parameters:load")().value("pl.service", 2014)),
        Example(c, "B7", '=PARAMETER_KILDE("bloktilskud.i_alt",2014)', "xlmodel.parameters",
                lambda: _core("xlmodel.parameters:load")().source("bloktilskud.i_alt", 2014)),
        Example(c, "B8", "=UDSKRIVNINGSGRUNDLAG_GARANTI(1000000)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:statsgaranti_grundlag")(1_000_000)),
        Example(c, "B9", "=SKATTEPROVENU(1000000,25.1)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:skatteprovenu")(1_000_000, 25.1)),
        Example(c, "B10", "=UDSKRIVNINGSPROCENT(251234,1000000)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:udskrivningsprocent")(251_234, 1_000_000)),
        Example(c, "B11", "=EFTERREGULERING(1000000,1020000,25)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:efterregulering")(1_000_000, 1_020_000, 25)),
        Example(c, "B12", "=EFTERREGULERING_TILLAEG(50000,1000000,0.2)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:efterregulering_tillaeg")(50_000, 1_000_000, 0.2)),
        Example(c, "B13", "=SELVBUDGET_GEVINST(1000000,1030000,25)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:selvbudget_gevinst")(1_000_000, 1_030_000, 25)),
        Example(c, "B14", "=GRUNDSKYLD_GRUNDLAG(1200000,1000000)", "xlmodel.skat",
                lambda: _core("xlmodel.skat:grundskyld_grundlag")(1_200_000, 1_000_000)),
        Example(c, "B15", "=PENSIONSPROCENT(16)", "xlmodel.pension",
                lambda: _core("xlmodel.pension:pensionsprocent")(16)),
        Example(c, "B16", "=PENSION_MERUDGIFT(400000,350000,37)", "xlmodel.pension",
                lambda: _core("xlmodel.pension:merudgift")(400_000, 350_000, 37)),
        Example(c, "B17", "=SKALATRIN_LOEN(45,Input!K2:L14)", "xlmodel.pension",
                lambda: _core("xlmodel.pension:skalatrin_loen")(45, dict(LOENTABEL))),
        Example(c, "B18", "=PENSION_KAPITALVAERDI(10000,3,20)", "xlmodel.pension",
                lambda: _core("xlmodel.pension:kapitalvaerdi")(10_000, 3, 20)),
        Example(c, "B19", "=DEPONERING_FRIGIVELSE(2500000,1)", "xlmodel.laan",
                lambda: _core("xlmodel.laan:deponering_frigivelse")(2_500_000, 1)),
        Example(c, "B20", "=PL_REGULER(Input!B2:B6,2013,2014)", "xlmodel.pl",
                lambda: _col(_core("xlmodel.pl:reguler")(ind, 2013, 2014))),
        Example(c, "B25", "=SUM(B20:B24)", "xlmodel.pl",
                lambda: float(np.sum(_core("xlmodel.pl:reguler")(ind, 2013, 2014)))),
        # the spilling distribution functions, each in its own column of "Fordeling"
        Example("Fordeling", "B2", "=BLOKTILSKUD_FORDEL(Input!B2:B6,1000)", "xlmodel.bloktilskud",
                lambda: _col(_core("xlmodel.bloktilskud:fordel_efter_indbyggere")(ind, 1000))),
        Example("Fordeling", "B7", "=SUM(B2:B6)", "xlmodel.bloktilskud", lambda: 1000.0),
        Example("Fordeling", "C2", "=REGNSKABSSANKTION(Input!C2:C6,Input!D2:D6,Input!B2:B6)",
                "xlmodel.bloktilskud",
                lambda: _col(_core("xlmodel.bloktilskud:regnskabssanktion")(REGNSKAB, KORR_BUDGET, ind))),
        Example("Fordeling", "D2", "=BUDGETSANKTION(Input!E2:E6,Input!F2:F6,Input!B2:B6,0.5)",
                "xlmodel.bloktilskud",
                lambda: _col(_core("xlmodel.bloktilskud:budgetsanktion")(BUDGET, RAMME, ind, 0.5))),
        Example("Fordeling", "E2", "=SKATTESANKTION(Input!G2:G6,Input!B2:B6,,Input!I2:I6)",
                "xlmodel.bloktilskud",
                lambda: np.asarray(_core("xlmodel.bloktilskud:skattestigning_regulering")(
                    PROVENUAENDRING, ind, 0, np.array(UNDTAGET)), float).tolist()),
        Example("Fordeling", "G2", "=SKATTENEDSAETTELSE_TILSKUD(Input!H2:H6,,30)", "xlmodel.bloktilskud",
                lambda: _col(_core("xlmodel.bloktilskud:skattenedsaettelse_tilskud")(
                    PROVENUTAB, 2014, 30))),
        Example("Fordeling", "H2", "=SKATTENEDSAETTELSE_TILSKUD(Input!H2:H6,2015)", "xlmodel.bloktilskud",
                lambda: _col(_core("xlmodel.bloktilskud:skattenedsaettelse_tilskud")(PROVENUTAB, 2015))),
        # tilskud og udligning (issue 12), on the inputs in Input!Q:T
        Example("Fordeling", "J2", "=STRUKTURELT_UNDERSKUD(Input!Q2:Q6,Input!R2:R6)", "xlmodel.udligning",
                lambda: _col(_core("xlmodel.udligning:strukturelt_underskud")(
                    UDGIFTSBEHOV, BESKATNINGSGRUNDLAG))),
        Example("Fordeling", "K2", "=LANDSUDLIGNING(Input!Q2:Q6,Input!R2:R6)", "xlmodel.udligning",
                lambda: _col(_core("xlmodel.udligning:landsudligning")(UDGIFTSBEHOV, BESKATNINGSGRUNDLAG))),
        Example("Fordeling", "L2", "=HOVEDSTADSUDLIGNING(Input!Q2:Q6,Input!R2:R6,Input!B2:B6,Input!S2:S6)",
                "xlmodel.udligning",
                lambda: _col(_core("xlmodel.udligning:hovedstadsudligning")(
                    UDGIFTSBEHOV, BESKATNINGSGRUNDLAG, INDBYGGERE, HOVEDSTAD))),
        Example("Fordeling", "M2", "=HOEJT_UNDERSKUD_TILSKUD(Input!Q2:Q6,Input!R2:R6,Input!B2:B6)",
                "xlmodel.udligning",
                lambda: _col(_core("xlmodel.udligning:hoejt_underskud_tilskud")(
                    UDGIFTSBEHOV, BESKATNINGSGRUNDLAG, INDBYGGERE))),
        Example("Fordeling", "N2", "=SELSKABSSKAT_UDLIGNING(Input!T2:T6,Input!B2:B6)", "xlmodel.udligning",
                lambda: _col(_core("xlmodel.udligning:selskabsskat_udligning")(SELSKABSSKAT, INDBYGGERE))),
        Example("Fordeling", "J10",
                "=TILSKUD_OG_UDLIGNING(Input!B2:B6,Input!Q2:Q6,Input!R2:R6,Input!S2:S6,Input!T2:T6,500)",
                "xlmodel.udligning",
                lambda: _table(_core("xlmodel.udligning:tilskud_og_udligning_tabel")(
                    INDBYGGERE, UDGIFTSBEHOV, BESKATNINGSGRUNDLAG, HOVEDSTAD, SELSKABSSKAT, 500))),
        # budget year + 3 overslagsår (issue 13): labelled tables for one ILLUSTRATIVE municipality
        Example("Fordeling", "Q2", "=OVERSLAG_SKAT(10000,25,4.5)", "xlmodel.overslag",
                lambda: _table(_core("xlmodel.overslag:overslag_skat_tabel")(10_000, 25, 4.5))),
        Example("Fordeling", "Q10", "=SELVBUDGET_BEREGNING(11140,11411.7,25,,1)", "xlmodel.overslag",
                lambda: _table(_core("xlmodel.overslag:selvbudget_beregning_tabel")(
                    11_140, 11_411.7, 25, diskonto_pct=1))),
        Example("Fordeling", "Q14", "=EFTERREGULERING_KALENDER(-121.1,70.2,2852.9,1)", "xlmodel.overslag",
                lambda: _table(_core("xlmodel.overslag:efterregulering_kalender_tabel")(
                    -121.1, 70.2, 2852.9, 1))),
        Example("Fordeling", "Q20", "=SELVBUDGET_RISIKO(11140,25,4.5,1.5,,2000)", "xlmodel.overslag",
                lambda: _table(_core("xlmodel.overslag:selvbudget_risiko_tabel")(
                    11_140, 25, 4.5, 1.5, scenarier=2000))),
    ]


def _excel_date(value: Any) -> Any:
    """A date as Excel's date number (the 1900 system), as the ``rows`` result writes it."""
    import datetime as dt

    return float((value - dt.date(1899, 12, 30)).days) if isinstance(value, dt.date) else value


def _table(df: Any) -> list[list[Any]]:
    """A table result as the engine spills it: the header row, then one row per municipality."""
    return [list(df.columns), *[[_excel_date(v) for v in row] for row in df.to_numpy().tolist()]]


def hand_workbook(path: Path, *, extra: Callable[[Workbook], None] | None = None) -> Path:
    """The hand-made workbook: inputs, one formula per catalogue function, spills, decorations.

    Decorations the refresh must keep: a bold, filled header; a comment; data validation; a
    workbook-level defined name used by a formula; a number format.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "Input"
    header = ["kommune", "indbyggere", "regnskab", "korr_budget", "budget", "ramme",
              "provenuaendring", "provenutab", "undtaget"]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for i in range(len(INDBYGGERE)):
        ws.append([f"Kommune {i + 1} (illustrativ)", INDBYGGERE[i], REGNSKAB[i], KORR_BUDGET[i], BUDGET[i],
                   RAMME[i], PROVENUAENDRING[i], PROVENUTAB[i], UNDTAGET[i]])
    ws["K1"], ws["L1"] = "trin", "løn (illustrativ)"
    for i, (trin, loen) in enumerate(LOENTABEL, start=2):
        ws.cell(i, 11, trin)
        ws.cell(i, 12, loen).number_format = "#,##0"
    ws["N1"], ws["O1"] = "vaegt", "sats"
    for i, (w, s) in enumerate(zip(VAEGTE, SATSER, strict=True), start=2):
        ws.cell(i, 14, w)
        ws.cell(i, 15, s)
    for col, name, values in ((17, "udgiftsbehov", UDGIFTSBEHOV),
                              (18, "beskatningsgrundlag", BESKATNINGSGRUNDLAG),
                              (19, "hovedstad", HOVEDSTAD), (20, "selskabsskat", SELSKABSSKAT)):
        ws.cell(1, col, name)
        for i, v in enumerate(values, start=2):
            ws.cell(i, col, v)
    ws["B2"].comment = Comment("Indbyggertal 1. januar (illustrativt)", "xlmodel test")
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                        showErrorMessage=True, error="Indbyggertal skal være et helt tal ≥ 0")
    ws.add_data_validation(dv)
    dv.add("B2:B6")
    calc = wb.create_sheet("Beregning")
    wb.create_sheet("Fordeling")
    calc["A1"], calc["B1"] = "funktion", "resultat"
    for ex in examples():
        wb[ex.sheet][ex.cell] = ex.formula
    wb.defined_names["Indbyggere_i_alt"] = DefinedName("Indbyggere_i_alt", attr_text="Input!$B$7")
    ws["B7"] = "=SUM(B2:B6)"
    calc["D2"] = "=Indbyggere_i_alt/1000"
    calc["D2"].number_format = "0.0"
    if extra:
        extra(wb)
    wb.save(path)
    return path


def add_vba(xlsx: Path, xlsm: Path, vba: bytes) -> Path:
    """Turn an .xlsx into an .xlsm carrying ``vba`` as xl/vbaProject.bin (as Excel stores it)."""
    with zipfile.ZipFile(xlsx) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    vba_default = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    ct = ct.replace("<Default ", vba_default + "<Default ", 1)
    parts["[Content_Types].xml"] = ct.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/'
                        'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    parts["xl/vbaProject.bin"] = vba
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    xlsm.write_bytes(out.getvalue())
    return xlsm


def vba_project() -> bytes:
    """A real VBA project (from xlwings' quickstart.xlsm) if xlwings is installed, else stand-in bytes."""
    try:
        import xlwings

        with zipfile.ZipFile(Path(xlwings.__file__).with_name("quickstart.xlsm")) as z:
            return z.read("xl/vbaProject.bin")
    except (ImportError, OSError, KeyError):
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8  # OLE header + filler


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def set_cached_value(src: Path, dst: Path, part: str, cell: str, value: str) -> None:
    """Copy ``src`` to ``dst`` with one cell's cached value overwritten in the sheet XML, the way
    a value pasted over a formula result, or a stale file, would look to a reader."""
    import re

    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*>.*?<v>)([^<]*)(</v>)', rf"\g<1>{value}\g<3>",
                     parts[part].decode(), count=1)
    assert n == 1, f"{part}: no cached value in {cell}"
    parts[part] = xml.encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
