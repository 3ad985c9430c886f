"""(b) All 98 municipalities: bloktilskud by population, accounts and budget sanctions,
tax-increase regulation and tax-cut compensation.  Municipal data and scenarios are
ILLUSTRATIVE (seeded); the agreement's figures come from the Parametre sheet."""

from __future__ import annotations

import numpy as np
from openpyxl import Workbook

from xlmodel.kommuner import eksempeldata
from xlmodel.parameters import ParameterSet
from xlmodel.workbooks.style import (
    BOOL,
    FIRST,
    ILLUSTRATIVE,
    KR,
    LAST,
    MIO,
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


def _col(letter: str) -> str:
    return f"Data!${letter}${FIRST}:${letter}${LAST}"


def build(wb: Workbook, ps: ParameterSet) -> None:
    data = eksempeldata()
    rng = np.random.default_rng(2014)
    budget = (data["indbyggere"] * 0.0412).round(1)  # service frame, mio. kr. (near the agreed level)
    regnskab = (budget * (1 + rng.normal(0.002, 0.01, N))).round(1)
    ramme = budget
    vedtaget = (budget * (1 + rng.normal(0.0, 0.006, N))).round(1)
    aendring = np.where(rng.random(N) < 0.12, rng.uniform(1, 30, N), 0.0).round(1)
    aendring[rng.random(N) < 0.25] *= -1
    undtaget = (aendring > 0) & (rng.random(N) < 0.3)
    tab = np.where(aendring < 0, -aendring, 0.0)

    ws = wb.active
    ws.title = "Data"
    title(ws, "Kommunernes data og et tænkt scenarie (mio. kr.)", ILLUSTRATIVE)
    header(ws, 4, ["Kode", "Kommune", "Region", "Indbyggere", "Regnskab (mio. kr.)",
                   "Korrigeret budget (mio. kr.)", "Vedtaget budget (mio. kr.)", "Ramme (mio. kr.)",
                   "Provenuændring (mio. kr.)", "Undtaget", "Provenutab (mio. kr.)"],
           [6, 18, 20, 11, 10, 10, 10, 10, 10, 9, 10], freeze_cols=2)
    for i in range(N):
        r = FIRST + i
        values = [int(data["kode"][i]), data["navn"][i], data["region"][i], int(data["indbyggere"][i]),
                  float(regnskab[i]), float(budget[i]), float(vedtaget[i]), float(ramme[i]),
                  float(aendring[i]), bool(undtaget[i]), float(tab[i])]
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
    formats(ws, FIRST, LAST, {"A": YEAR, "D": KR, **dict.fromkeys("EFGHIK", MIO), "J": BOOL})
    mark_input(ws, f"D{FIRST}:K{LAST}")

    calc = wb.create_sheet("Beregning")
    title(calc, "Bloktilskud, sanktioner og skatteregulering pr. kommune (mio. kr.)", ILLUSTRATIVE)
    header(calc, 4, ["Kommune", "Bloktilskud, xlmodel", "Bloktilskud, native",
                     "Regnskabssanktion, xlmodel", "Regnskabssanktion, native", "Budgetsanktion",
                     "Skattesanktion, individuel", "Skattesanktion, kollektiv",
                     "Skattenedsættelse, tilskud", "Bloktilskud netto",
                     "Netto pr. indbygger (kr.)"], [18, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11],
           freeze_cols=1)
    # One formula per municipality, INDEX picking its row of the distribution: a spilled array
    # formula would be recalculated by LibreOffice on open (it ignores an array's cached values)
    # and show #NAME? to a colleague without Python; a single-cell formula keeps its value.
    per_row = {2: f"BLOKTILSKUD_FORDEL({_col('D')},P_bloktilskud_i_alt)",
               4: f"REGNSKABSSANKTION({_col('E')},{_col('F')},{_col('D')})",
               6: f"BUDGETSANKTION({_col('G')},{_col('H')},{_col('D')})",
               9: f"SKATTENEDSAETTELSE_TILSKUD({_col('K')},{ps.budget_year})"}
    skat = f"SKATTESANKTION({_col('I')},{_col('D')},0,{_col('J')})"
    for i in range(N):
        for c, call in per_row.items():
            calc.cell(FIRST + i, c, f"=INDEX({call},{i + 1})")
        calc.cell(FIRST + i, 7, f"=INDEX({skat},{i + 1},1)")
        calc.cell(FIRST + i, 8, f"=INDEX({skat},{i + 1},2)")
    overspend = f"SUMPRODUCT(({_col('E')}>{_col('F')})*({_col('E')}-{_col('F')}))"
    # The accounts sanction measures against the agreed level where the year has one (2014:
    # Aftale 2014, afsnit 3), else against the budgets (issue 11, obs. 6).
    agreed = ps.parameters.get("sanktion.regnskab_aftalt_niveau")
    level = ("P_sanktion_regnskab_aftalt_niveau" if agreed is not None and ps.budget_year in agreed.values
             else f"SUM({_col('F')})")
    total_r = f"MAX(0,SUM({_col('E')})-{level})"
    for i in range(N):
        r = FIRST + i
        calc.cell(r, 1, f"=Data!B{r}")
        calc.cell(r, 10, f"=B{r}-D{r}-F{r}-G{r}-H{r}+I{r}").number_format = MIO
        calc.cell(r, 11, f"=J{r}*1000000/Data!D{r}").number_format = KR  # mio. kr. → kr.
        calc.cell(r, 3, f"=Data!D{r}/SUM({_col('D')})*P_bloktilskud_i_alt")
        calc.cell(r, 5, f"=P_sanktion_kollektiv_andel*{total_r}*Data!D{r}/SUM({_col('D')})"
                        f"+(1-P_sanktion_kollektiv_andel)*{total_r}*MAX(0,Data!E{r}-Data!F{r})/{overspend}")
        for c in range(2, 10):
            calc.cell(r, c).number_format = MIO
    total_row = LAST + 2
    calc.cell(total_row, 1, "I alt")
    for c in "BCDEFGHIJ":
        calc[f"{c}{total_row}"] = f"=SUM({c}{FIRST}:{c}{LAST})"
        calc[f"{c}{total_row}"].number_format = MIO
    calc[f"K{total_row}"] = f"=J{total_row}*1000000/SUM({_col('D')})"
    calc[f"K{total_row}"].number_format = KR

    chart = wb.create_sheet("Diagram")
    title(chart, "Bloktilskud pr. indbygger efter sanktioner og skatteregulering (kr.)", ILLUSTRATIVE)
    bar_chart(chart, "A4", "Bloktilskud pr. indbygger efter sanktioner og tilskud, kr. (ILLUSTRATIVE data)",
              f"$K$4:$K${LAST}", f"$A${FIRST}:$A${LAST}", y_title="kr. pr. indbygger",
              width_cm=27, height_cm=15, data_ws=calc)

    pairs = [(f"Bloktilskud {data['navn'][i]}", f"Beregning!B{FIRST + i}", f"Beregning!C{FIRST + i}")
             for i in (0, 1, 60, 97)]
    pairs += [(f"Regnskabssanktion {data['navn'][i]}", f"Beregning!D{FIRST + i}", f"Beregning!E{FIRST + i}")
              for i in (0, 1, 60, 97)]
    pairs += [("Bloktilskud i alt = bloktilskud mv.", f"Beregning!B{total_row}", "P_bloktilskud_i_alt"),
              ("Regnskabssanktion i alt = overskridelsen R", f"Beregning!D{total_row}", total_r),
              ("Skattesanktion i alt = samlet stigning", f"Beregning!G{total_row}+Beregning!H{total_row}",
               f"MAX(0,SUM({_col('I')}))")]
    kontrol(wb, pairs)
    forside(
        wb, ps, heading=f"Alle 98 kommuner: bloktilskud, sanktioner og skatteregulering {ps.budget_year}",
        purpose=[
            "Bloktilskuddet fordelt efter indbyggertal, regnskabs- og budgetsanktionen, reguleringen for "
            "skattestigninger og tilskuddet ved skattenedsættelse for hver af de 98 kommuner, og hvad "
            "der er tilbage af bloktilskuddet pr. indbygger.",
            "Beregningerne står både med xlmodels katalogfunktioner og med native Excel-formler; "
            "arket Kontrol viser, at de er ens.",
        ],
        sheets=[("Data", "kommunernes data og et tænkt scenarie (inputceller)"),
                ("Beregning", "bloktilskud, sanktioner og skatteregulering pr. kommune"),
                ("Diagram", "bloktilskud pr. indbygger efter sanktioner og tilskud"),
                ("Kontrol", "katalogfunktion mod native formel"),
                ("Parametre", "aftalens tal med enhed, år og kilde")],
        sources=[
            f"{ps.title} (regeringen og KL): bloktilskud mv., betinget bloktilskud, puljen til "
            "skattenedsættelser, rammen på "
            f"{figure(ps, 'skat.forhoejelse_ramme')} mio. kr. for skattestigninger.",
            "Lov om kommunal udligning og generelle tilskud § 14 a og sanktionsloven (2011): regnskabs- og "
            f"budgetsanktionen ({figure(ps, 'sanktion.kollektiv_andel', scale=100)} pct. kollektivt, resten "
            "individuelt); lov nr. 477 af 2008 med ændringer 2010: regulering for skattestigninger "
            f"({figure(ps, 'skat.forhoejelse_individuel_andel')} pct.).",
        ],
        illustrative=[
            "Alle kommunale tal (indbyggere, regnskab, budget, ramme, skatteændringer) er ILLUSTRATIVE: "
            "genereret med en fast seed af xlmodel.kommuner.eksempeldata — ikke officiel statistik.",
            "Officielle tal: FOLK1A (befolkning) og PSKAT (skatteprocenter) fra Statistikbanken; indlæs dem "
            "med xlmodel.kommuner og byg modellen igen.",
        ])
