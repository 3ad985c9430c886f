"""(c) Co-financing of civil-servant pensions beyond trin 44 (teachers) / 37 (P76): an editable
skalatrin pay table (ILLUSTRATIVE default values), an employee list, the municipality's yearly
share and its capitalised value."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from xlmodel.parameters import ParameterSet
from xlmodel.pension import skalatrin_tabel
from xlmodel.workbooks.style import KR, header, kontrol, title

# (navn, gruppe, trin, trin 1. juli 2013 (0: ikke registreret som leder), pensionsår,
#  år med pension) — illustrative
EMPLOYEES = [
    ("Lærer A", "laerer", 46, 0, 35, 20),
    ("Skoleleder B", "laerer", 50, 49, 37, 22),
    ("Pædagog C", "p76", 40, 0, 30, 18),
    ("Institutionsleder D", "p76", 47, 46, 33, 21),
    ("Lærer E", "laerer", 43, 0, 28, 19),
]


def build(wb: Workbook, ps: ParameterSet) -> None:
    table = skalatrin_tabel()
    lt = wb.active
    lt.title = "Loentabel"
    title(lt, "Skalatrin og pensionsgivende årsløn (kr.) — redigér med den gældende tabel",
          "ILLUSTRATIVE værdier: " + table.attrs["kilde"])
    header(lt, 4, ["Trin", "Årsløn (kr.)"], [8, 16])
    first = 5
    for i, (trin, loen) in enumerate(table.items()):
        lt.cell(first + i, 1, int(trin))
        lt.cell(first + i, 2, float(loen)).number_format = KR
    last = first + len(table) - 1
    rng = f"Loentabel!$A${first}:$B${last}"

    ws = wb.create_sheet("Medarbejdere")
    title(ws, "Tjenestemænd med statslig pension: kommunens finansiering ud over trin 44/37",
          "Medarbejdere: illustrative eksempler. Loft: Aftale 2014; ledere: KL LPNyt 2014:06")
    header(ws, 4, ["Navn", "Gruppe", "Trin", "Trin 1.7.2013", "Pensionsår", "År med pension",
                   "Lofttrin", "Løn faktisk (SKALATRIN_LOEN)", "Løn faktisk (native)", "Løn ved loft",
                   "Pensionsprocent (PENSIONSPROCENT)", "Pensionsprocent (native)",
                   "Årlig merudgift (PENSION_MERUDGIFT)", "Årlig merudgift (native)",
                   "Kapitalværdi (PENSION_KAPITALVAERDI)", "Kapitalværdi (native PV)"],
           [20, 9, 6, 12, 11, 13, 9, 18, 14, 13, 18, 16, 20, 16, 20, 18])
    dv = DataValidation(type="list", formula1='"laerer,p76"', allow_blank=False)
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
        dv.add(f"B{r}")
        ws.cell(r, 7, f'=IF(B{r}="laerer",IF(D{r}>=P_pension_leder_trin_laerer,D{r},'
                      f"P_pension_loft_trin_laerer),IF(D{r}>=P_pension_leder_trin_p76,D{r},"
                      f"P_pension_loft_trin_p76))")
        ws.cell(r, 8, f"=SKALATRIN_LOEN(C{r},{rng})")
        ws.cell(r, 9, f"=VLOOKUP(C{r},{rng},2,FALSE)")
        ws.cell(r, 10, f"=VLOOKUP(G{r},{rng},2,FALSE)")
        ws.cell(r, 11, f"=PENSIONSPROCENT(E{r})")
        ws.cell(r, 12, f"=MIN({b}0,E{r})*{p}0+MAX(0,MIN({b}1,E{r})-{b}0)*{p}1"
                       f"+MAX(0,MIN({b}2,E{r})-{b}1)*{p}2")
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
    kontrol(wb, pairs)
