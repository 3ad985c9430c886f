"""(e) Tilskud og udligning for the 98 municipalities (issue 12): Data, Beregning, Tabel, Kontrol.

The Data sheet holds the ILLUSTRATIVE sample (:func:`xlmodel.udligning.eksempeldata`) in the
layout ``xlmodel import FILE --into udligning_2014.xlsx`` fills from the user's files: one row
per municipality from row :data:`FIRST`, the columns of :data:`DATA_COLUMNS`.  Beregning has, per
scheme, the catalogue function's spill and a native twin; Tabel spills TILSKUD_OG_UDLIGNING;
Kontrol checks the twins, that the net schemes sum to 0, that the total is the sum of the parts
and that the grant distributed is the grant.  All amounts in mio. kr.
"""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from xlmodel import udligning
from xlmodel.parameters import ParameterSet
from xlmodel.workbooks.style import (
    BOOL,
    FIRST,
    KR,
    LAST,
    MIO,
    PCT,
    YEAR,
    N,
    bar_chart,
    figure,
    formats,
    forside,
    header,
    kontrol,
    mark_input,
    title,
)

#: Data sheet columns: (letter, heading, eksempeldata column).  The importer writes these cells.
DATA_COLUMNS = (
    ("A", "Kode", "kode"),
    ("B", "Kommune", "navn"),
    ("C", "Region", "region"),
    ("D", "Indbyggere", "indbyggere"),
    ("E", "Udskrivningsgrundlag (mio. kr.)", "udskrivningsgrundlag"),
    ("F", "Grundværdier, afgiftspligtige (mio. kr.)", "grundvaerdier"),
    ("G", "Udgiftsbehov (mio. kr.)", "udgiftsbehov"),
    ("H", "Udgiftsbehov, hovedstadsområdet (mio. kr.)", "udgiftsbehov_hovedstad"),
    ("I", "Selskabsskat (mio. kr.)", "selskabsskat"),
    ("J", "Hovedstadsområdet (SAND/FALSK)", "hovedstad"),
    ("K", "Udskrivningsprocent", "udskrivningsprocent"),
    ("L", "Øvrige tilskud, brugerens beløb (mio. kr.)", "oevrige"),
    ("M", "Heraf aldersbestemt udgiftsbehov (mio. kr.; valgfri)", "aldersbestemt_udgiftsbehov"),
    ("N", "Heraf socioøkonomisk udgiftsbehov (mio. kr.; valgfri)", "socioekonomisk_udgiftsbehov"),
)
#: The Data sheet's marker cell (A3): the importer recognises the sheet by this text, not its name.
MARKER = "xlmodel:udligning-data v1"
ILLUSTRATIVE = "ILLUSTRATIVE DATA — ikke officielle tal (xlmodel.udligning.eksempeldata)"


def _d(letter: str) -> str:
    return f"Data!${letter}${FIRST}:${letter}${LAST}"


def _b(letter: str) -> str:
    return f"Beregning!${letter}${FIRST}:${letter}${LAST}"


def data_sheet(wb: Workbook, ps: ParameterSet, heading: str) -> pd.DataFrame:
    """The Data sheet (the workbook's first): the ILLUSTRATIVE sample, one row per municipality.

    The importer's target, found by :data:`MARKER`; the budget model uses the same layout.
    Returns the sample written.
    """
    data = udligning.eksempeldata(ps)
    ws = wb.active
    ws.title = "Data"
    title(ws, heading, ILLUSTRATIVE)
    ws["A3"] = MARKER
    ws["B3"] = ("Erstat med jeres officielle tal: xlmodel import FIL --into denne_fil.xlsx "
                "(Statistikbanken FOLK1A eller en CSV/XLSX med én række pr. kommune)")
    header(ws, 4, [h for _, h, _ in DATA_COLUMNS], [6, 18, 20, 11, 14, 14, 13, 14, 12, 12, 12, 13, 14, 14],
           freeze_cols=2)
    for i in range(N):
        r = FIRST + i
        for c, (_, _, key) in enumerate(DATA_COLUMNS, start=1):
            if key not in data:
                continue  # optional breakdown: left blank in the sample (nothing refers to it)
            v = data[key].iloc[i]
            ws.cell(r, c, bool(v) if key == "hovedstad" else v.item() if hasattr(v, "item") else v)
    formats(ws, FIRST, LAST, {"A": YEAR, "D": KR, **dict.fromkeys("EFGHILMN", MIO), "J": BOOL, "K": PCT})
    mark_input(ws, f"D{FIRST}:N{LAST}")
    flags = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=False)
    flags.add(f"J{FIRST}:J{LAST}")
    ws.add_data_validation(flags)
    return data


def build(wb: Workbook, ps: ParameterSet) -> None:
    data = data_sheet(wb, ps, "Kommunernes data til tilskud og udligning (mio. kr.)")

    calc = wb.create_sheet("Beregning")
    title(calc, "Tilskud og udligning pr. kommune (mio. kr.; positiv = kommunen modtager)", ILLUSTRATIVE)
    header(calc, 4, ["Kode", "Beskatningsgrundlag",
                     "Strukturelt underskud (STRUKTURELT_UNDERSKUD)", "Strukturelt underskud (native)",
                     "Landsudligning (LANDSUDLIGNING)", "Landsudligning (native)",
                     "Hovedstadsudligning (HOVEDSTADSUDLIGNING)", "Hovedstadsudligning (native)",
                     "Højt strukturelt underskud (HOEJT_UNDERSKUD_TILSKUD)",
                     "Højt strukturelt underskud (native)",
                     "Selskabsskat (SELSKABSSKAT_UDLIGNING)", "Selskabsskat (native)",
                     "Korrektion for overudligning (native)", "Øvrige tilskud",
                     "Bloktilskud (BLOKTILSKUD_FORDEL)", "Bloktilskud (native)",
                     "I alt (katalogfunktioner)", "I alt (native)", "I alt, kr. pr. indbygger"],
           [8, 14, 14, 14, 13, 13, 13, 13, 13, 13, 13, 13, 13, 12, 13, 13, 13, 13, 13], freeze_cols=1)
    t, lvl, hlvl = "P_udligning_skatteprocent", "P_udligning_landsudligning_pct", "P_udligning_hovedstad_pct"
    base = _b("B")
    financed = f"SUM({_b('F')})+SUM({_b('J')})+SUM({_b('M')})"
    # One formula per municipality, INDEX picking its row of the scheme: a spilled array formula
    # would be recalculated by LibreOffice on open (it ignores an array's cached values) and show
    # #NAME? to a colleague without Python; a single-cell formula keeps its value.
    per_row = {3: f"STRUKTURELT_UNDERSKUD({_d('G')},{base})",
               5: f"LANDSUDLIGNING({_d('G')},{base})",
               7: f"HOVEDSTADSUDLIGNING({_d('H')},{base},{_d('D')},{_d('J')})",
               9: f"HOEJT_UNDERSKUD_TILSKUD({_d('G')},{base},{_d('D')})",
               11: f"SELSKABSSKAT_UDLIGNING({_d('I')},{_d('D')})",
               15: f"BLOKTILSKUD_FORDEL({_d('D')},P_bloktilskud_paragraf14-({financed}))"}
    for i in range(N):
        for c, call in per_row.items():
            calc.cell(FIRST + i, c, f"=INDEX({call},{i + 1})")
    su_h = f"({_d('H')}-{base}*{t}/100)"
    group = f"SUMPRODUCT(--{_d('J')},{su_h})/SUMPRODUCT(--{_d('J')},{_d('D')})"
    for i in range(N):
        r = FIRST + i
        calc.cell(r, 1, f"=Data!A{r}")
        calc.cell(r, 2, f"=Data!E{r}+P_udligning_grundvaerdi_andel*Data!F{r}")
        calc.cell(r, 4, f"=Data!G{r}-B{r}*{t}/100")
        calc.cell(r, 6, f"={lvl}/100*D{r}")
        calc.cell(r, 8, f"=IF(Data!J{r},{hlvl}/100*((Data!H{r}-B{r}*{t}/100)-Data!D{r}*{group}),0)")
        calc.cell(r, 10, f"=P_udligning_hoejt_underskud_pct/100*MAX(0,D{r}/Data!D{r}"
                         f"-P_udligning_hoejt_underskud_graense_pct/100*SUM({_b('D')})/SUM({_d('D')}))*Data!D{r}")
        calc.cell(r, 12, f"=P_udligning_selskabsskat_pct/100*(SUM({_d('I')})/SUM({_d('D')})*Data!D{r}"
                         f"-Data!I{r})")
        marginal = f"(({lvl}+IF(Data!J{r},{hlvl},0))/100*{t})"
        calc.cell(r, 13, f"=MAX(0,-(F{r}+H{r}))*MAX(0,{marginal}-P_udligning_overudligning_graense_pct/100"
                         f"*Data!K{r})/{marginal}")
        calc.cell(r, 14, f"=Data!L{r}")
        calc.cell(r, 16, f"=(P_bloktilskud_paragraf14-({financed}))*Data!D{r}/SUM({_d('D')})")
        calc.cell(r, 17, f"=E{r}+G{r}+I{r}+K{r}+M{r}+N{r}+O{r}")
        calc.cell(r, 18, f"=F{r}+H{r}+J{r}+L{r}+M{r}+N{r}+P{r}")
        calc.cell(r, 19, f"=R{r}*1000000/Data!D{r}")
        for c in range(2, 19):
            calc.cell(r, c).number_format = MIO
        calc.cell(r, 19).number_format = KR
        calc.cell(r, 1).number_format = YEAR
    total = LAST + 2
    calc.cell(total, 1, "I alt")
    for c in "BCDEFGHIJKLMNOPQR":
        calc[f"{c}{total}"] = f"=SUM({c}{FIRST}:{c}{LAST})"
        calc[f"{c}{total}"].number_format = MIO
    calc[f"S{total}"] = f"=R{total}*1000000/SUM({_d('D')})"
    calc[f"S{total}"].number_format = KR

    tab = wb.create_sheet("Tabel")
    title(tab, "TILSKUD_OG_UDLIGNING: hele tabellen i én formel (mio. kr.)", ILLUSTRATIVE)
    tab["A4"] = "Kode"
    tab["A3"] = ("Funktionen bruger det landsdækkende udgiftsbehov også i hovedstadsudligningen og udelader "
                 "overudligning og øvrige tilskud; Beregning er den fulde opgørelse.")
    table = (f"TILSKUD_OG_UDLIGNING({_d('D')},{_d('G')},{base},{_d('J')},{_d('I')},"
             "P_bloktilskud_paragraf14)")
    for k in range(N + 1):  # the header row (row 4), then one row per municipality; INDEX as above
        for j in range(6):
            tab.cell(4 + k, 2 + j, f"=INDEX({table},{k + 1},{j + 1})")
    for i in range(N):
        tab.cell(FIRST + i, 1, f"=Data!A{FIRST + i}").number_format = YEAR
    formats(tab, FIRST, LAST, dict.fromkeys("BCDEFG", MIO))
    for letter in "BCDEFG":
        tab.column_dimensions[letter].width = 16
    tab.freeze_panes = f"A{FIRST}"

    chart = wb.create_sheet("Diagram")
    title(chart, "Tilskud og udligning i alt pr. indbygger (kr.)", ILLUSTRATIVE)
    bar_chart(chart, "A4", "Tilskud og udligning pr. indbygger, kr. (ILLUSTRATIVE data)",
              f"$S$4:$S${LAST}", f"$A${FIRST}:$A${LAST}", y_title="kr. pr. indbygger",
              width_cm=27, height_cm=15, data_ws=calc)
    # Tabel's columns B..G: lands, hovedstad (national need), højt, selskabsskat, bloktilskud, i alt
    tab_total = f"SUM(Tabel!$G${FIRST}:$G${LAST})"

    pairs = []
    for i in (0, 1, 26, 60, 97):
        r = FIRST + i
        name = data["navn"].iloc[i]
        pairs += [(f"Strukturelt underskud {name}", f"Beregning!C{r}", f"Beregning!D{r}"),
                  (f"Landsudligning {name}", f"Beregning!E{r}", f"Beregning!F{r}"),
                  (f"Hovedstadsudligning {name}", f"Beregning!G{r}", f"Beregning!H{r}"),
                  (f"Højt strukturelt underskud {name}", f"Beregning!I{r}", f"Beregning!J{r}"),
                  (f"Selskabsskat {name}", f"Beregning!K{r}", f"Beregning!L{r}"),
                  (f"Bloktilskud {name}", f"Beregning!O{r}", f"Beregning!P{r}"),
                  (f"I alt {name}", f"Beregning!Q{r}", f"Beregning!R{r}"),
                  (f"Tabel: landsudligning {name}", f"Tabel!B{r}", f"Beregning!F{r}")]
    pairs += [
        ("Hovedstadsudligning summer til 0", f"Beregning!G{total}", "0"),
        ("Udligning af selskabsskat summer til 0", f"Beregning!K{total}", "0"),
        ("I alt = summen af ordningerne", f"Beregning!Q{total}",
         f"SUM(Beregning!E{total},Beregning!G{total},Beregning!I{total},Beregning!K{total},"
         f"Beregning!M{total},Beregning!N{total},Beregning!O{total})"),
        ("Fordelt § 14-tilskud = § 14-tilskuddet", f"Beregning!F{total}+Beregning!J{total}"
         f"+Beregning!M{total}+Beregning!O{total}", "P_bloktilskud_paragraf14"),
        ("Tabel: i alt = § 14-tilskuddet", tab_total, "P_bloktilskud_paragraf14"),
    ]
    kontrol(wb, pairs)
    forside(
        wb, ps, heading=f"Tilskud og udligning {ps.budget_year}: alle 98 kommuner",
        purpose=[
            "Landsudligning, hovedstadsudligning, tilskud ved højt strukturelt underskud, korrektion for "
            "overudligning, udligning af selskabsskat og bloktilskuddet efter indbyggertal for hver kommune, "
            "som i ministeriets udmelding 'Kommunal udligning og generelle tilskud' (28. juni).",
            "Hver ordning står med xlmodels katalogfunktion og en native Excel-formel; arket Kontrol viser, "
            "at de er ens, at hovedstads- og selskabsskatteudligningen summer til 0, at i alt er summen af "
            "ordningerne, og at hele § 14-tilskuddet er fordelt.",
        ],
        sheets=[("Data", "kommunernes data (inputceller; xlmodel import fylder dem fra jeres filer)"),
                ("Beregning", "hver ordning pr. kommune, katalogfunktion og native formel"),
                ("Tabel", "hele tabellen med én formel: TILSKUD_OG_UDLIGNING"),
                ("Diagram", "tilskud og udligning i alt pr. indbygger"),
                ("Kontrol", "kontroller af formler og summer"),
                ("Parametre", "satserne med enhed, år og kilde (flere er antagelser: se noterne)")],
        sources=[
            "Lov om kommunal udligning og generelle tilskud til kommuner (udligningsloven), som gældende for "
            f"tilskudsåret {ps.budget_year}: kap. 2 landsudligning, kap. 3 hovedstadsudligning, kap. 4 højt "
            "strukturelt underskud, kap. 5 overudligning, § 14 bloktilskud.",
            "Økonomi- og Indenrigsministeriet: Kommunal udligning og generelle tilskud "
            f"{ps.budget_year} (udmeldt i juni året før): bloktilskuddet "
            f"{figure(ps, 'bloktilskud.paragraf14', 1)} mio. kr.",
            f"{ps.title}: tilskuddet til kommuner med mindre øer "
            f"+{figure(ps, 'bloktilskud.oetilskud_loeft')} mio. kr.",
            "Udligningsniveauer, tærskel, skatteprocent og grundværdiandel er antagelser (Parametre, "
            "kilde 'antagelse' med note); se docs/udligning.md.",
        ],
        illustrative=[
            "Alle kommunale tal (indbyggere, grundlag, grundværdier, udgiftsbehov, selskabsskat) er "
            "ILLUSTRATIVE: genereret med en fast seed af xlmodel.udligning.eksempeldata — "
            "ikke officielle tal.",
            "Officielle tal: xlmodel import FOLK1A.csv --into denne_fil.xlsx (Statistikbanken) eller en "
            "CSV/XLSX med én række pr. kommune; afstem med ministeriets tabel via xlmodel.udligning.afstem.",
        ],
    )
