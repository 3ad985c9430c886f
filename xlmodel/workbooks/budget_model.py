"""(a) A municipality's budget assumptions 2014: PL by series, satsregulering, statsgaranti vs
selvbudgettering with the growth at which the choice tips.  The amounts are an illustrative
example municipality; every rate comes from the Parametre sheet."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment

from xlmodel.parameters import ParameterSet
from xlmodel.workbooks.style import (
    MIO,
    PCT,
    PCT2,
    align,
    bar_chart,
    figure,
    formats,
    forside,
    header,
    kontrol,
    mark_input,
    subtitle,
    table_header,
    title,
)

# (line, PL series, amount in 2013-pl, mio. kr.) — an illustrative municipality
LINES = [
    ("Serviceudgifter, dagtilbud", "service", 512.0),
    ("Serviceudgifter, skoler", "service", 835.5),
    ("Ældreområdet", "service", 901.2),
    ("Samlede udgifter inkl. overførsler", "samlet", 3_120.0),
    ("Anlæg, skolebyggeri", "anlaeg", 140.0),
    ("Overførsler (satsreguleres)", "sats", 1_210.4),
]
SERIES_NAME = {"service": "P_pl_service", "samlet": "P_pl_samlet", "anlaeg": "P_pl_anlaeg",
               "sats": "P_pl_sats", "regional": "P_pl_regional"}
SERIES_LABEL = {"service": "serviceudgifter", "samlet": "udgifter inkl. overførsler",
                "anlaeg": "anlægsudgifter", "sats": "satsregulering", "regional": "regional PL"}


def build(wb: Workbook, ps: ParameterSet) -> None:
    ws = wb.active
    ws.title = "Budget"
    title(ws, "Budgetforudsætninger 2014: pris- og lønregulering 2013-pl → 2014-pl",
          "Beløb: et illustrativt eksempel (mio. kr.); satser fra Parametre-arket (Aftale 2014, boks 1)")
    header(ws, 4, ["Linje", "PL-serie", "2013-pl (mio. kr.)", "2014-pl, PL_REGULER (mio. kr.)",
                   "2014-pl, native (mio. kr.)", "Kilde"],
           [34, 24, 12, 14, 12, 2 + max(len(ps.source(f"pl.{serie}", 2014)) for _, serie, _ in LINES)])
    pairs = []
    for r, (label, serie, amount) in enumerate(LINES, start=5):
        ws.cell(r, 1, label)
        ws.cell(r, 2, SERIES_LABEL[serie])
        ws.cell(r, 3, amount)
        ws.cell(r, 4, f'=PL_REGULER(C{r},2013,2014,"{serie}")')
        ws.cell(r, 5, f"=C{r}*(1+{SERIES_NAME[serie]}/100)")
        ws.cell(r, 6, f'=PARAMETER_KILDE("pl.{serie}",2014)')
        pairs.append((f"PL {label}", f"Budget!D{r}", f"Budget!E{r}"))
    last = 4 + len(LINES)
    formats(ws, 5, last, {"C": MIO, "D": MIO, "E": MIO})
    align(ws, f"F5:F{last}", "left", indent=1)
    mark_input(ws, f"C5:C{last}")
    ws["D5"].comment = Comment('PL_REGULER(beløb; fra_år; til_år; serie): serie er "service", "samlet", '
                               '"anlaeg", "sats" eller "regional"', "xlmodel")

    # PL by series: the rates the lines above use, and a chart of them
    top = last + 3
    subtitle(ws, top - 1, "PL 2013 → 2014 pr. serie (Aftale 2014, boks 1)")
    table_header(ws, top, {1: "PL-serie", 3: "PL-sats (pct.)"})
    for i, serie in enumerate(SERIES_NAME):
        r = top + 1 + i
        ws.cell(r, 1, SERIES_LABEL[serie])
        ws.cell(r, 3, f"={SERIES_NAME[serie]}").number_format = PCT
    end = top + len(SERIES_NAME)
    bar_chart(ws, f"A{end + 2}", "PL 2013 → 2014 pr. serie (pct.)", f"$C${top}:$C${end}",
              f"$A${top + 1}:$A${end}", y_title="pct.", number_format=PCT, width_cm=18, height_cm=9,
              values_on_bars=True)

    sk = wb.create_sheet("Skattegrundlag")
    title(sk, "Statsgaranti eller selvbudgettering 2014",
          "Grundlag og vækst: illustrativt eksempel (mio. kr.); fremskrivningsprocent fra Parametre "
          "(Aftale 2014, boks 1)")
    header(sk, 4, ["Post", "xlmodel-funktion", "Native formel", "Note"], [46, 14, 14, 46])
    rows = [
        ("Udskrivningsgrundlag 2011, mio. kr. (beregningsgrundlag)", 9_850.0, None,
         "input", MIO),
        ("Udskrivningsprocent, pct.", 25.1, None, "input", PCT),
        ("Forventet vækst i grundlaget pr. år, pct.", 3.2, None, "input: kommunens eget skøn", PCT),
        ("Statsgaranteret grundlag 2014, mio. kr.", "=UDSKRIVNINGSGRUNDLAG_GARANTI(B5,2014)",
         "=B5*(1+P_skat_fremskrivningsprocent/100)", "grundlag 2011 × (1 + fremskrivningsprocent)", MIO),
        ("Forventet grundlag 2014, mio. kr.", "=B5*(1+B7/100)^3", "=B5*(1+B7/100)^3", "3 års vækst", MIO),
        ("Skat ved statsgaranti, mio. kr.", "=SKATTEPROVENU(B8,B6)", "=C8*B6/100", "grundlag × procent",
         MIO),
        ("Skat ved selvbudgettering (forventet), mio. kr.", "=SKATTEPROVENU(B9,B6)", "=C9*B6/100", "",
         MIO),
        ("Gevinst ved selvbudgettering, mio. kr.", "=SELVBUDGET_GEVINST(B8,B9,B6)",
         "=(C9-C8)*B6/100*(1-P_skat_selvbudget_udligning/100)",
         "efter udligningens tilbagetagning (antagelse); negativ: statsgaranti er bedst", MIO),
        ("Vækst pr. år hvor valget vipper, pct.",
         '=((1+PARAMETER("skat.fremskrivningsprocent",2014)/100)^(1/3)-1)*100',
         "=((1+P_skat_fremskrivningsprocent/100)^(1/3)-1)*100", "break-even", PCT2),
        ("Anbefaling", '=IF(B12>0,"selvbudgettering","statsgaranti")',
         '=IF(C12>0,"selvbudgettering","statsgaranti")', "", None),
    ]
    for r, (label, ours, native, note, fmt) in enumerate(rows, start=5):
        sk.cell(r, 1, label)
        sk.cell(r, 2, ours)
        if fmt:
            sk.cell(r, 2).number_format = fmt
        if native is not None:
            sk.cell(r, 3, native)
            if fmt:
                sk.cell(r, 3).number_format = fmt
            if r < 14:
                pairs.append((label, f"Skattegrundlag!B{r}", f"Skattegrundlag!C{r}"))
        sk.cell(r, 4, note)
    mark_input(sk, "B5:B7")
    kontrol(wb, pairs)
    forside(
        wb, ps, heading="Budgetforudsætninger 2014: PL-regulering og skattegrundlag",
        purpose=[
            "Et kommunalt budgetforslags forudsætninger efter økonomiaftalen for 2014: budgetlinjer "
            "fremskrevet fra 2013-pl til 2014-pl med de aftalte PL-satser pr. serie, og valget mellem "
            "statsgaranteret udskrivningsgrundlag og selvbudgettering med den vækst, hvor valget vipper.",
            "Hver beregning står to gange: med xlmodels katalogfunktion og med en native Excel-formel; "
            "arket Kontrol viser, at de er ens.",
        ],
        sheets=[("Budget", "budgetlinjer i 2013-pl og 2014-pl; PL-satserne pr. serie med diagram"),
                ("Skattegrundlag", "statsgaranti mod selvbudgettering, break-even-væksten og anbefalingen"),
                ("Kontrol", "katalogfunktion mod native formel for hver beregning"),
                ("Parametre", "alle satser med enhed, år og kilde")],
        sources=[
            f"{ps.title} (regeringen og KL), boks 1: PL-satser og fremskrivningsprocent "
            f"({figure(ps, 'skat.fremskrivningsprocent', 1)}) for statsgarantien.",
            "Kommuneskatteloven § 7 (statsgaranti), § 16 (selvbudgettering og efterregulering), "
            "§ 6 (udskrivningsprocent med én decimal, rundet op).",
        ],
        illustrative=[
            "Budgetbeløbene (mio. kr.), udskrivningsgrundlaget, udskrivningsprocenten og den forventede "
            "vækst er et ILLUSTRATIVT eksempel på en kommune — ikke en rigtig kommunes tal. "
            "Skriv kommunens egne tal i de gule inputceller.",
        ])
