"""(a) A municipality's budget assumptions 2014: PL by series, satsregulering, statsgaranti vs
selvbudgettering with the growth at which the choice tips.  The amounts are an illustrative
example municipality; every rate comes from the Parametre sheet."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment

from xlmodel.parameters import ParameterSet
from xlmodel.workbooks.style import DEC, KR, header, kontrol, title

# (line, PL series, amount in 2013-pl, mio. kr.) — an illustrative municipality
LINES = [
    ("Serviceudgifter, dagtilbud", "service", 512.0),
    ("Serviceudgifter, skoler", "service", 835.5),
    ("Ældreområdet", "service", 901.2),
    ("Samlede udgifter inkl. overførsler", "samlet", 3_120.0),
    ("Anlæg, skolebyggeri", "anlaeg", 140.0),
    ("Overførsler (satsreguleres)", "sats", 1_210.4),
]
# the 2014 values by name: a later parameter set must not change what a 2014 model computes
SERIES_NAME = {"service": "P_pl_service_2014", "samlet": "P_pl_samlet_2014", "anlaeg": "P_pl_anlaeg_2014",
               "sats": "P_pl_sats_2014"}
SERIES_LABEL = {"service": "serviceudgifter", "samlet": "udgifter inkl. overførsler",
                "anlaeg": "anlægsudgifter", "sats": "satsregulering"}


def build(wb: Workbook, ps: ParameterSet) -> None:
    ws = wb.active
    ws.title = "Budget"
    title(ws, "Budgetforudsætninger 2014: pris- og lønregulering 2013-pl → 2014-pl",
          "Beløb: et illustrativt eksempel (mio. kr.); satser fra Parametre-arket (Aftale 2014, boks 1)")
    header(ws, 4, ["Linje", "PL-serie", "2013-pl", "2014-pl (PL_REGULER)", "2014-pl (native)", "Kilde"],
           [38, 10, 14, 22, 18, 40])
    pairs = []
    for r, (label, serie, amount) in enumerate(LINES, start=5):
        ws.cell(r, 1, label)
        ws.cell(r, 2, SERIES_LABEL[serie])
        ws.cell(r, 3, amount).number_format = DEC
        ws.cell(r, 4, f'=PL_REGULER(C{r},2013,2014,"{serie}")').number_format = DEC
        ws.cell(r, 5, f"=C{r}*(1+{SERIES_NAME[serie]}/100)").number_format = DEC
        ws.cell(r, 6, f'=PARAMETER_KILDE("pl.{serie}",2014)')
        pairs.append((f"PL {label}", f"Budget!D{r}", f"Budget!E{r}"))
    ws["D5"].comment = Comment('PL_REGULER(beløb; fra_år; til_år; serie): serie er "service", "samlet", '
                               '"anlaeg", "sats" eller "regional"', "xlmodel")

    sk = wb.create_sheet("Skattegrundlag")
    title(sk, "Statsgaranti eller selvbudgettering 2014",
          "Grundlag og vækst: illustrativt eksempel (mio. kr.); fremskrivningsprocent fra Parametre "
          "(Aftale 2014, boks 1)")
    header(sk, 4, ["Post", "xlmodel-funktion", "Native formel", "Note"], [44, 20, 20, 50])
    rows = [
        ("Udskrivningsgrundlag 2011 (beregningsgrundlag)", 9_850.0, None, "input"),
        ("Udskrivningsprocent", 25.1, None, "input"),
        ("Forventet vækst i grundlaget pr. år, pct.", 3.2, None, "input: kommunens eget skøn"),
        ("Statsgaranteret grundlag 2014", "=UDSKRIVNINGSGRUNDLAG_GARANTI(B5,2014)",
         "=B5*(1+P_skat_fremskrivningsprocent_2014/100)", "grundlag 2011 × (1 + fremskrivningsprocent)"),
        ("Forventet grundlag 2014", "=B5*(1+B7/100)^3", "=B5*(1+B7/100)^3", "3 års vækst"),
        ("Skat ved statsgaranti", "=SKATTEPROVENU(B8,B6)", "=C8*B6/100", "grundlag × procent"),
        ("Skat ved selvbudgettering (forventet)", "=SKATTEPROVENU(B9,B6)", "=C9*B6/100", ""),
        ("Gevinst ved selvbudgettering", "=SELVBUDGET_GEVINST(B8,B9,B6)", "=(C9-C8)*B6/100",
         "negativ: statsgaranti er bedst"),
        ("Vækst pr. år hvor valget vipper, pct.",
         '=((1+PARAMETER("skat.fremskrivningsprocent",2014)/100)^(1/3)-1)*100',
         "=((1+P_skat_fremskrivningsprocent_2014/100)^(1/3)-1)*100", "break-even"),
        ("Anbefaling", '=IF(B12>0,"selvbudgettering","statsgaranti")',
         '=IF(C12>0,"selvbudgettering","statsgaranti")', ""),
    ]
    for r, (label, ours, native, note) in enumerate(rows, start=5):
        sk.cell(r, 1, label)
        sk.cell(r, 2, ours).number_format = KR if r != 6 else DEC
        if native is not None:
            sk.cell(r, 3, native).number_format = KR if r != 6 else DEC
            if r < 14:
                pairs.append((label, f"Skattegrundlag!B{r}", f"Skattegrundlag!C{r}"))
        sk.cell(r, 4, note)
    kontrol(wb, pairs)
