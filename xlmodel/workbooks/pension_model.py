"""(c) Co-financing of civil-servant pensions beyond trin 44 (teachers) / 37 (P76): an editable
skalatrin pay table (ILLUSTRATIVE default values), an employee list, the municipality's yearly
share and its capitalised value."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from xlmodel.parameters import ParameterSet
from xlmodel.pension import skalatrin_tabel
from xlmodel.workbooks.style import (
    KR,
    PCT2,
    YEAR,
    bar_chart,
    figure,
    formats,
    forside,
    header,
    kontrol,
    mark_input,
    print_setup,
    subtitle,
    table_header,
    title,
)

# (navn, gruppe, trin, trin 1. juli 2013 (0: ikke registreret som leder), pensionsår,
#  år med pension) — illustrative
EMPLOYEES = [
    ("Lærer A", "laerer", 46, 0, 35, 20),
    ("Skoleleder B", "laerer", 50, 49, 37, 22),
    ("Pædagog C", "p76", 40, 0, 30, 18),
    ("Institutionsleder D", "p76", 47, 46, 33, 21),
    ("Lærer E", "laerer", 43, 0, 28, 19),
    ("Lærer F", "laerer", 48, 0, 36, 21),
    ("Pædagog G", "p76", 42, 0, 24, 23),
    ("Lærer H", "laerer", 49, 48, 32, 24),
    ("Pædagog I", "p76", 38, 0, 37, 17),
    ("Lærer J", "laerer", 47, 0, 20, 25),
]
#: each employee's age today (same order) — illustrative; the liability is shown by age band
AGES = [61, 63, 58, 60, 52, 64, 47, 55, 66, 44]
#: age bands of the liability chart: (label, lowest age, highest age)
AGE_BANDS = [("under 50", 0, 49), ("50–54", 50, 54), ("55–59", 55, 59), ("60–64", 60, 64),
             ("65 og derover", 65, 150)]


def build(wb: Workbook, ps: ParameterSet) -> None:
    table = skalatrin_tabel()
    lt = wb.active
    lt.title = "Loentabel"
    title(lt, "Skalatrin og pensionsgivende årsløn (kr.) — redigér med den gældende tabel",
          "ILLUSTRATIVE værdier: " + table.attrs["kilde"])
    header(lt, 4, ["Trin", "Årsløn (kr.)"], [8, 16])
    first = 5
    for i, (trin, loen) in enumerate(table.items()):
        lt.cell(first + i, 1, int(trin)).number_format = YEAR
        lt.cell(first + i, 2, float(loen)).number_format = KR
    last = first + len(table) - 1
    mark_input(lt, f"A{first}:B{last}")
    print_setup(lt, landscape=False, set_name=ps.name)  # two columns: portrait
    rng = f"Loentabel!$A${first}:$B${last}"

    ws = wb.create_sheet("Medarbejdere")
    title(ws, "Tjenestemænd med statslig pension: kommunens finansiering ud over trin 44/37",
          "Medarbejdere: illustrative eksempler. Loft: Aftale 2014; ledere: KL LPNyt 2014:06")
    header(ws, 4, ["Navn", "Gruppe", "Trin", "Trin 1.7.2013", "Pensions-år", "År med pension",
                   "Loft-trin", "Løn faktisk (kr.), xlmodel", "Løn faktisk (kr.), native",
                   "Løn ved loft (kr.)",
                   "Pensions-procent, xlmodel", "Pensions-procent, native",
                   "Årlig merudgift (kr.), xlmodel", "Årlig merudgift (kr.), native",
                   "Kapital-værdi (kr.), xlmodel", "Kapital-værdi (kr.), native PV", "Alder"],
           [18, 8, 6, 11, 10, 8, 8, 11, 11, 11, 11, 11, 11, 11, 12, 12, 7], freeze_cols=1)
    # Issue 11 obs. 15: both spellings of lærer; any other group is refused (dropdown and formula).
    dv = DataValidation(type="list", formula1='"laerer,lærer,p76"', allow_blank=False, showErrorMessage=True,
                        errorTitle="Ukendt gruppe", error="Gruppen skal være laerer (eller lærer) eller p76.")
    ws.add_data_validation(dv)
    ws["B4"].comment = Comment("laerer (loft trin 44) eller p76 (loft trin 37)", "xlmodel")
    ws["D4"].comment = Comment("Trin pr. 1. juli 2013 for ledere (lærere ≥ 48, P76 ≥ 46 beholder det "
                               "som loft); 0 for andre", "xlmodel")
    pairs = []
    p = "P_pension_optjening_pct_pr_aar_i"
    b = "P_pension_optjening_baand_slut_i"
    for i, (navn, gruppe, trin, trin13, aar, udbetaling) in enumerate(EMPLOYEES):
        r = 5 + i
        for c, v in enumerate([navn, gruppe, trin, trin13, aar, udbetaling], start=1):
            ws.cell(r, c, v)
        ws.cell(r, 17, AGES[i])
        dv.add(f"B{r}")
        ws.cell(r, 7, f'=IF(OR(B{r}="laerer",B{r}="lærer"),IF(D{r}>=P_pension_leder_trin_laerer,D{r},'
                      f'P_pension_loft_trin_laerer),IF(B{r}="p76",IF(D{r}>=P_pension_leder_trin_p76,D{r},'
                      f"P_pension_loft_trin_p76),NA()))")
        ws.cell(r, 8, f"=SKALATRIN_LOEN(C{r},{rng})")
        ws.cell(r, 9, f"=VLOOKUP(C{r},{rng},2,FALSE)")
        ws.cell(r, 10, f"=VLOOKUP(G{r},{rng},2,FALSE)")
        ws.cell(r, 11, f"=PENSIONSPROCENT(E{r})")
        n = f"INT(E{r})"  # pensionsalder counts in whole years (tjenestemandspensionsloven § 5)
        ws.cell(r, 12, f"=MIN({b}0,{n})*{p}0+MAX(0,MIN({b}1,{n})-{b}0)*{p}1"
                       f"+MAX(0,MIN({b}2,{n})-{b}1)*{p}2")
        ws.cell(r, 13, f"=PENSION_MERUDGIFT(H{r},J{r},E{r})")
        ws.cell(r, 14, f"=L{r}/100*MAX(0,I{r}-J{r})")
        ws.cell(r, 15, f"=PENSION_KAPITALVAERDI(M{r},P_pension_diskonteringsrente,F{r})")
        ws.cell(r, 16, f"=PV(P_pension_diskonteringsrente/100,F{r},-N{r})")
        for c in (8, 9, 10, 13, 14, 15, 16):
            ws.cell(r, c).number_format = KR
        for ours, native, what in ((8, 9, "løn"), (11, 12, "pensionsprocent"), (13, 14, "merudgift"),
                                   (15, 16, "kapitalværdi")):
            pairs.append((f"{navn}: {what}", f"Medarbejdere!{ws.cell(r, ours).coordinate}",
                          f"Medarbejdere!{ws.cell(r, native).coordinate}"))
    total = 5 + len(EMPLOYEES) + 1
    ws.cell(total, 1, "I alt")
    for c in "MNOP":
        ws[f"{c}{total}"] = f"=SUM({c}5:{c}{total - 2})"
        ws[f"{c}{total}"].number_format = KR
    end = total - 2
    formats(ws, 5, end, {**dict.fromkeys("CDEFG", YEAR), "K": PCT2, "L": PCT2, "Q": YEAR})
    mark_input(ws, f"A5:F{end}", f"Q5:Q{end}")

    # the liability (kapitalværdi) by age band, and its chart
    top = total + 3
    subtitle(ws, top - 1, "Pensionsforpligtelse (kapitalværdi) efter alder")
    table_header(ws, top, {1: "Alder", 2: "Fra", 3: "Til", 4: "Kapitalværdi (kr.)"})
    for k, (label, lo, hi) in enumerate(AGE_BANDS):
        r = top + 1 + k
        ws.cell(r, 1, label)
        ws.cell(r, 2, lo).number_format = YEAR
        ws.cell(r, 3, hi).number_format = YEAR
        ws.cell(r, 4, f'=SUMIFS($O$5:$O${end},$Q$5:$Q${end},">="&B{r},$Q$5:$Q${end},"<="&C{r})'
                ).number_format = KR
    band_end = top + len(AGE_BANDS)
    pairs.append(("Forpligtelse efter alder i alt = kapitalværdi i alt", f"Medarbejdere!O{total}",
                  f"SUM(Medarbejdere!D{top + 1}:D{band_end})"))
    bar_chart(ws, f"F{top - 1}", "Pensionsforpligtelse efter alder (kapitalværdi, kr.)",
              f"$D${top}:$D${band_end}", f"$A${top + 1}:$A${band_end}", y_title="kr.",
              x_title="alder", width_cm=15, height_cm=8, values_on_bars=True)
    kontrol(wb, pairs)
    forside(
        wb, ps, heading=f"Tjenestemandspension ud over trin {figure(ps, 'pension.loft_trin_laerer')}/"
                        f"{figure(ps, 'pension.loft_trin_p76')}: kommunens finansiering",
        purpose=[
            "Kommunens egen finansiering af pensionen for folkeskolelærere og pædagoger (P76) med ret til "
            "statslig tjenestemandspension ud over niveauet for skalatrin "
            f"{figure(ps, 'pension.loft_trin_laerer')} (lærere) og "
            f"{figure(ps, 'pension.loft_trin_p76')} (P76), "
            "for fratrædelser fra 1. juli 2013: den årlige merudgift pr. person og dens kapitalværdi, "
            "i alt og efter alder.",
            "Beregningerne står både med xlmodels katalogfunktioner og med native Excel-formler; "
            "arket Kontrol viser, at de er ens.",
        ],
        sheets=[("Loentabel", "skalatrin og pensionsgivende årsløn (ret til den gældende tabel)"),
                ("Medarbejdere", "medarbejdere, merudgift og kapitalværdi; forpligtelsen efter alder"),
                ("Kontrol", "katalogfunktion mod native formel"),
                ("Parametre", "loft-trin, optjening og diskonteringsrente med enhed, år og kilde")],
        sources=[
            f"{ps.title} (regeringen og KL): kommunalt ansatte med statslig tjenestemandspension — loft "
            "ved skalatrin "
            f"{figure(ps, 'pension.loft_trin_laerer')} (lærere) og "
            f"{figure(ps, 'pension.loft_trin_p76')} (P76).",
            "Tjenestemandspensionsloven § 6 (pensionsprocent efter pensionsalder); KL LPNyt 2014:06 "
            "(ledere registreret på et højere trin 1. juli 2013).",
            "Diskonteringsrente, regulering og overlevelse er antagelser på arket Parametre (kilde "
            "\"antagelse\"): ret dem efter kommunens egne forudsætninger.",
        ],
        illustrative=[
            "Løntabellens beløb og medarbejderne (trin, pensionsår, alder) er ILLUSTRATIVE eksempler — "
            "ikke gældende lønsatser eller rigtige personer. Indsæt den gældende skalatrinstabel og "
            "kommunens egne medarbejdere i de gule inputceller.",
        ])
