"""(a) A municipality's budget assumptions for the set's budget year (2014 shipped): PL by series,
satsregulering, statsgaranti vs selvbudgettering with the growth at which the choice tips.  The
amounts are an illustrative example municipality; every rate and year comes from the parameter
set (the example's tax rate and growth are ILLUSTRATIVE assumptions in it)."""

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

# (line, PL series, amount in the prices of the year before the budget year, mio. kr.) — illustrative
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
    y = ps.budget_year  # the budget year, its year before, and the tax base's base year: from the set
    prev, k = y - 1, int(ps.value("skat.garanti_basisaar_forskydning", y))
    base = y - k
    boks = f"({ps.title}, boks 1)"
    ws = wb.active
    ws.title = "Budget"
    title(ws, f"Budgetforudsætninger {y}: pris- og lønregulering {prev}-pl → {y}-pl",
          f"Beløb: et illustrativt eksempel (mio. kr.); satser fra Parametre-arket {boks}")
    header(ws, 4, ["Linje", "PL-serie", f"{prev}-pl (mio. kr.)", f"{y}-pl, PL_REGULER (mio. kr.)",
                   f"{y}-pl, native (mio. kr.)", "Kilde"],
           [34, 24, 12, 14, 12, 2 + max(len(ps.source(f"pl.{serie}", y)) for _, serie, _ in LINES)])
    pairs = []
    for r, (label, serie, amount) in enumerate(LINES, start=5):
        ws.cell(r, 1, label)
        ws.cell(r, 2, SERIES_LABEL[serie])
        ws.cell(r, 3, amount)
        ws.cell(r, 4, f'=PL_REGULER(C{r},{prev},{y},"{serie}")')
        ws.cell(r, 5, f"=C{r}*(1+{SERIES_NAME[serie]}/100)")
        ws.cell(r, 6, f'=PARAMETER_KILDE("pl.{serie}",{y})')
        pairs.append((f"PL {label}", f"Budget!D{r}", f"Budget!E{r}"))
    last = 4 + len(LINES)
    formats(ws, 5, last, {"C": MIO, "D": MIO, "E": MIO})
    align(ws, f"F5:F{last}", "left", indent=1)
    mark_input(ws, f"C5:C{last}")
    ws["D5"].comment = Comment('PL_REGULER(beløb; fra_år; til_år; serie): serie er "service", "samlet", '
                               '"anlaeg", "sats" eller "regional"', "xlmodel")

    # PL by series: the rates the lines above use, and a chart of them
    top = last + 3
    subtitle(ws, top - 1, f"PL {prev} → {y} pr. serie {boks}")
    table_header(ws, top, {1: "PL-serie", 3: "PL-sats (pct.)"})
    for i, serie in enumerate(SERIES_NAME):
        r = top + 1 + i
        ws.cell(r, 1, SERIES_LABEL[serie])
        ws.cell(r, 3, f"={SERIES_NAME[serie]}").number_format = PCT
    end = top + len(SERIES_NAME)
    bar_chart(ws, f"A{end + 2}", f"PL {prev} → {y} pr. serie (pct.)", f"$C${top}:$C${end}",
              f"$A${top + 1}:$A${end}", y_title="pct.", number_format=PCT, width_cm=18, height_cm=9,
              values_on_bars=True)

    sk = wb.create_sheet("Skattegrundlag")
    title(sk, f"Statsgaranti eller selvbudgettering {y}",
          f"Grundlag og vækst: illustrativt eksempel (mio. kr.); fremskrivningsprocent fra Parametre {boks}")
    header(sk, 4, ["Post", "xlmodel-funktion", "Native formel", "Note"], [46, 14, 14, 46])
    rows = [
        (f"Udskrivningsgrundlag {base}, mio. kr. (beregningsgrundlag)", 9_850.0, None,
         "input", MIO),
        ("Udskrivningsprocent, pct.", ps.value("budget.eksempel_udskrivningsprocent", y), None, "input", PCT),
        ("Forventet vækst i grundlaget pr. år, pct.", ps.value("budget.eksempel_vaekst", y), None,
         "input: kommunens eget skøn", PCT),
        (f"Statsgaranteret grundlag {y}, mio. kr.", f"=UDSKRIVNINGSGRUNDLAG_GARANTI(B5,{y})",
         "=B5*(1+P_skat_fremskrivningsprocent/100)", f"grundlag {base} × (1 + fremskrivningsprocent)", MIO),
        (f"Forventet grundlag {y}, mio. kr.", f"=B5*(1+B7/100)^{k}", f"=B5*(1+B7/100)^{k}", f"{k} års vækst",
         MIO),
        ("Skat ved statsgaranti, mio. kr.", "=SKATTEPROVENU(B8,B6)", "=C8*B6/100", "grundlag × procent",
         MIO),
        ("Skat ved selvbudgettering (forventet), mio. kr.", "=SKATTEPROVENU(B9,B6)", "=C9*B6/100", "",
         MIO),
        ("Gevinst ved selvbudgettering, mio. kr.", "=SELVBUDGET_GEVINST(B8,B9,B6)",
         "=(C9-C8)*B6/100*(1-P_skat_selvbudget_udligning/100)",
         "efter udligningens tilbagetagning (antagelse); negativ: statsgaranti er bedst", MIO),
        ("Vækst pr. år hvor valget vipper, pct.",
         f'=((1+PARAMETER("skat.fremskrivningsprocent",{y})/100)^(1/{k})-1)*100',
         f"=((1+P_skat_fremskrivningsprocent/100)^(1/{k})-1)*100", "break-even", PCT2),
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
        wb, ps, heading=f"Budgetforudsætninger {y}: PL-regulering og skattegrundlag",
        purpose=[
            f"Et kommunalt budgetforslags forudsætninger efter økonomiaftalen for {y}: budgetlinjer "
            f"fremskrevet fra {prev}-pl til {y}-pl med de aftalte PL-satser pr. serie, og valget mellem "
            "statsgaranteret udskrivningsgrundlag og selvbudgettering med den vækst, hvor valget vipper.",
            "Hver beregning står to gange: med xlmodels katalogfunktion og med en native Excel-formel; "
            "arket Kontrol viser, at de er ens.",
        ],
        sheets=[("Budget", f"budgetlinjer i {prev}-pl og {y}-pl; PL-satserne pr. serie med diagram"),
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
