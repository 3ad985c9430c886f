"""(f) One municipality's budget year + 3 overslagsår: statsgaranti or selvbudgettering (issue 13).

The municipality is chosen from a dropdown of the 98 on the sheet Skat; its figures come from the
Data sheet, which holds the ILLUSTRATIVE sample (:func:`xlmodel.udligning.eksempeldata`) in the
layout ``xlmodel import FILE --into budget_2014-2017.xlsx`` fills (the udligning model's Data
sheet, recognised by its marker).  One sheet per topic, the years as columns:

* **Skat**: the guaranteed and the own udskrivningsgrundlag and the tax on each (OVERSLAG_SKAT,
  one INDEX per cell, beside its native twin), the tax efterregulering of the budget year in a
  scenario of the actual growth;
* **Tilskud og udligning**: the share of a tax-base difference the equalisation takes back
  (``skat.selvbudget_udligning``) per year, the school-reform schemes by population
  (BLOKTILSKUD_FORDEL), and for the budget year the whole udligning table (TILSKUD_OG_UDLIGNING)
  on the guaranteed and on the own base;
* **Overslag**: the totals per year under each choice, the efterregulering where it is settled
  (t + 3), PL to the budget year's prices, and the cash calendar (EFTERREGULERING_KALENDER);
* **Beslutning**: the decision on one screen (SELVBUDGET_BEREGNING, SELVBUDGET_RISIKO, the
  break-even growth) and a chart of the gain over growth scenarios.

Every catalogue cell is a single-cell formula (INDEX picks one value of a spill): LibreOffice and
a colleague without Python see the cached numbers.  The years are the parameter set's budget year
+ 0..3, written when the model is built; every rate is a ``P_*`` name of the Parametre sheet.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlmodel.excel.layout import defined_name
from xlmodel.overslag import OVERSLAGSAAR
from xlmodel.parameters import ParameterSet
from xlmodel.tekst import format_tal
from xlmodel.workbooks.style import (
    FIRST,
    KR,
    LAST,
    MIO,
    PCT,
    PCT2,
    YEAR,
    N,
    align,
    bar_chart,
    forside,
    header,
    kontrol,
    mark_input,
    subtitle,
    table_header,
    title,
)
from xlmodel.workbooks.udligning_model import ILLUSTRATIVE, data_sheet

#: the municipality shown when the model is opened (any of the 98; the user picks another)
START_KOMMUNE = "Hvidovre"
#: The ILLUSTRATIVE inputs of the example (the municipality's own growth forecast, the scenario of
#: the actual growth and the spread of the risk calculation) are assumptions of the parameter set
#: (source antagelse, reference "ILLUSTRATIVE …"): :func:`example_inputs`.
EXAMPLE_INPUTS = ("overslag.eksempel_egen_vaekst", "overslag.eksempel_faktisk_vaekst",
                  "overslag.eksempel_spredning")
DATE = "dd-mm-yyyy"
SHARE = "0.000"
COLS = "BCDE"  # the budget year and the three overslagsår


def example_inputs(ps: ParameterSet, year: int) -> tuple[float, float, float]:
    """The example's own growth forecast, actual-growth scenario and spread (pct.) in ``year``.

    >>> from xlmodel.parameters import load
    >>> example_inputs(load(), 2014)
    (4.5, 3.0, 1.5)
    """
    egen, faktisk, spredning = (float(ps.value(name, year)) for name in EXAMPLE_INPUTS)
    return egen, faktisk, spredning


def _p(ps: ParameterSet, name: str, year: int) -> str:
    """The ``P_*`` name of the value of ``name`` that applies in ``year`` (a 'from' value: the latest)."""
    param = ps.parameters[name]
    if param.period == "from":
        year = max(y for y in param.values if y <= year)
    return defined_name(name, year, None)


def _d(letter: str) -> str:
    return f"Data!${letter}${FIRST}:${letter}${LAST}"


def _row(ws: Worksheet, r: int, label: str, cells: list[object], fmt: str | None, note: str = "") -> None:
    ws.cell(r, 1, label)
    for c, value in zip(COLS, cells, strict=False):
        ws[f"{c}{r}"] = value
        if fmt:
            ws[f"{c}{r}"].number_format = fmt
    if note:
        ws.cell(r, 6, note)


def _series(ps: ParameterSet, name: str, sep: str) -> str:
    """A dated parameter's values in year order, for a label: ``300/600/600/300`` (from the set)."""
    values = ps.parameters[name].values
    return sep.join(format_tal(values[y], 0) for y in sorted(values))


def build(wb: Workbook, ps: ParameterSet) -> None:
    years = [ps.budget_year + k for k in range(OVERSLAGSAAR + 1)]
    y0 = years[0]
    egen_vaekst, faktisk_vaekst, spredning = example_inputs(ps, y0)
    pairs: list[tuple[str, str, str]] = []
    names = [str(v) for v in data_sheet(wb, ps, "Kommunernes data (mio. kr.)")["navn"]]
    kommune = START_KOMMUNE if START_KOMMUNE in names else names[0]
    heads = ["Post", *map(str, years), "Note"]
    widths = [50, 13, 13, 13, 13, 58]
    u = "P_skat_selvbudget_udligning"
    forsinkelse, offset = "P_skat_efterregulering_forsinkelse", "P_skat_garanti_basisaar_forskydning"

    # ---------------------------------------------------------------------------------- Skat
    sk = wb.create_sheet("Skat")
    title(sk, f"Skat {years[0]}–{years[-1]}: statsgaranti og selvbudgettering (mio. kr.)", ILLUSTRATIVE)
    header(sk, 4, heads, widths, freeze_cols=1)
    sk["A5"], sk["B5"] = "Kommune (vælg på listen)", kommune
    sk["F5"] = "de 98 kommuner på arket Data"
    mark_input(sk, "B5")
    choose = DataValidation(type="list", formula1=f"=Data!$B${FIRST}:$B${LAST}", allow_blank=False,
                            showErrorMessage=True, error="Vælg en af de 98 kommuner på listen")
    choose.add("B5")
    sk.add_data_validation(choose)
    row = "Skat!$B$6"
    _row(sk, 6, "Række på arket Data", [f"=MATCH(B5,Data!$B${FIRST}:$B${LAST},0)"], YEAR)
    _row(sk, 7, "Kommunekode", [f"=INDEX({_d('A')},{row})"], YEAR)
    _row(sk, 8, "Indbyggere", [f"=INDEX({_d('D')},{row})"], KR)
    _row(sk, 9, "Udskrivningsprocent, pct.", [f"=INDEX({_d('K')},{row})"], PCT)
    _row(sk, 10, f"Udskrivningsgrundlag {y0}, statsgaranti (Data)", [f"=INDEX({_d('E')},{row})"], MIO)
    fremskriv = _p(ps, "skat.fremskrivningsprocent", y0)
    _row(sk, 11, "Udskrivningsgrundlag i basisåret", [f"=B10/(1+{fremskriv}/100)"], MIO,
         "grundlaget for statsgarantien (3 år før budgetåret)")
    _row(sk, 12, "Kommunens eget skøn: årlig vækst i grundlaget, pct.", [egen_vaekst], PCT,
         "input: fra basisåret og år for år (illustrativt skøn)")
    _row(sk, 13, "Scenarie: faktisk årlig vækst, pct.", [faktisk_vaekst], PCT,
         "input: hvad der faktisk sker (giver efterreguleringen)")
    mark_input(sk, "B12", "B13")
    _row(sk, 14, "År", list(years), YEAR)
    spill = "OVERSLAG_SKAT($B$11,$B$9,$B$12,$B$14)"
    for k, c in enumerate(COLS):
        sk[f"{c}15"] = f"=INDEX({spill},{k + 2},2)"
        sk[f"{c}17"] = f"=INDEX({spill},{k + 2},4)"
        sk[f"{c}19"] = f"=INDEX({spill},{k + 2},3)"
        sk[f"{c}21"] = f"=INDEX({spill},{k + 2},5)"
        if k == 0:
            sk["B16"] = f"=$B$11*(1+{fremskriv}/100)"
            sk["B18"] = f"=$B$11*(1+$B$12/100)^{offset}"
            sk["B24"] = f"=$B$11*(1+$B$13/100)^{offset}"
        else:
            p = COLS[k - 1]
            sk[f"{c}16"] = f"={p}16*(1+{_p(ps, 'overslag.garanti_vaekst', years[k])}/100)"
            sk[f"{c}18"] = f"={p}18*(1+$B$12/100)"
            sk[f"{c}24"] = f"={p}24*(1+$B$13/100)"
        sk[f"{c}20"] = f"={c}16*$B$9/100"
        sk[f"{c}22"] = f"={c}18*$B$9/100"
        sk[f"{c}23"] = f"={c}21-{c}19"
        sk[f"{c}25"] = f"=EFTERREGULERING({c}17,{c}24,$B$9)"
        sk[f"{c}26"] = f"=({c}24-{c}18)*$B$9/100"
        for r in range(15, 27):
            sk[f"{c}{r}"].number_format = MIO
        for r, what in ((15, "statsgaranti, grundlag"), (17, "eget grundlag"), (19, "skat, statsgaranti"),
                        (21, "skat, selvbudget"), (25, "efterregulering af skatten")):
            pairs.append((f"Skat {years[k]}: {what}", f"Skat!{c}{r}", f"Skat!{c}{r + 1}"))
    labels = {
        15: ("Statsgaranti: grundlag (OVERSLAG_SKAT)", "budgetåret: basisår × (1 + fremskrivningsprocent); "
             "derefter KL's skøn"),
        16: ("Statsgaranti: grundlag (native)",
             "overslag.garanti_vaekst pr. år (antagelse: KL's junivurdering)"),
        17: ("Selvbudget: eget grundlag (OVERSLAG_SKAT)", "basisår × (1 + eget skøn)^3, så år for år"),
        18: ("Selvbudget: eget grundlag (native)", ""),
        19: ("Skat ved statsgaranti (OVERSLAG_SKAT)", "grundlag × udskrivningsprocent / 100"),
        20: ("Skat ved statsgaranti (native)", ""),
        21: ("Skat ved selvbudgettering (OVERSLAG_SKAT)", "udbetales månedligt efter eget grundlag"),
        22: ("Skat ved selvbudgettering (native)", ""),
        23: ("Forskel i skat: selvbudget − statsgaranti", "før udligning"),
        24: ("Faktisk grundlag i scenariet (native)", "basisår × (1 + faktisk vækst)^3, så år for år"),
        25: ("Efterregulering af skatten (EFTERREGULERING)", "endelig skat − udbetalt; afregnes i år + 3 "
             "(kommuneskatteloven § 16)"),
        26: ("Efterregulering af skatten (native)", ""),
    }
    for r, (label, note) in labels.items():
        sk.cell(r, 1, label)
        if note:
            sk.cell(r, 6, note)
    align(sk, "B5", "left")

    # ------------------------------------------------------------------ Tilskud og udligning
    tu = wb.create_sheet("Tilskud og udligning")
    tq = "'Tilskud og udligning'"
    title(tu, "Tilskud og udligning ved selvbudgettering (mio. kr.; positiv = kommunen modtager)",
          ILLUSTRATIVE)
    header(tu, 4, [*heads, "", "Beskatningsgrundlag, statsgaranti (alle kommuner)",
                   "Beskatningsgrundlag, selvbudget for den valgte kommune"],
           [*widths, 2, 16, 16], freeze_cols=1)
    _row(tu, 5, "År", [f"=Skat!{c}14" for c in COLS], YEAR)
    for k, c in enumerate(COLS):
        y = years[k]
        tu[f"{c}6"] = f"={u}"
        tu[f"{c}7"] = f"=-{c}6/100*Skat!{c}23"
        tu[f"{c}8"] = f"=SELVBUDGET_GEVINST(Skat!{c}15,Skat!{c}17,Skat!$B$9,,{c}5)"
        tu[f"{c}9"] = f"=Skat!{c}23+{c}7"
        tu[f"{c}10"] = f"=-{c}6/100*Skat!{c}25"
        extra, dut = _p(ps, "bloktilskud.skolereform_ekstra", y), _p(ps, "bloktilskud.skolereform_dut", y)
        tu[f"{c}11"] = f"=INDEX(BLOKTILSKUD_FORDEL({_d('D')},{extra}),{row})"
        tu[f"{c}12"] = f"={extra}*Skat!$B$8/SUM({_d('D')})"
        tu[f"{c}13"] = f"=INDEX(BLOKTILSKUD_FORDEL({_d('D')},{dut}),{row})"
        tu[f"{c}14"] = f"={dut}*Skat!$B$8/SUM({_d('D')})"
        tu[f"{c}6"].number_format = PCT
        for r in range(7, 15):
            tu[f"{c}{r}"].number_format = MIO
        pairs += [(f"Nettogevinst efter udligning {y}", f"{tq}!{c}8", f"{tq}!{c}9"),
                  (f"Skolereform, ekstra tilskud {y}", f"{tq}!{c}11", f"{tq}!{c}12"),
                  (f"Skolereform, DUT-løft {y}", f"{tq}!{c}13", f"{tq}!{c}14")]
    for r, label, note in (
        (6, "Andel af en grundlagsforskel, som udligningen tager tilbage, pct.",
         "skat.selvbudget_udligning (antagelse; udligningsloven § 24)"),
        (7, "Udligningens tilbagetagning af skatteforskellen (native)", "− andel × forskel i skat"),
        (8, "Nettogevinst efter udligning (SELVBUDGET_GEVINST)", "forskel i skat × (1 − andel)"),
        (9, "Nettogevinst efter udligning (native)", ""),
        (10, "Efterregulering af tilskud og udligning (native)", "− andel × efterregulering af skatten"),
        (11, "Skolereform, ekstra tilskud, kommunens andel (BLOKTILSKUD_FORDEL)",
         f"{_series(ps, 'bloktilskud.skolereform_ekstra', '/')} mio. kr. efter indbyggere "
         f"({ps.title}; fordeling: antagelse)"),
        (12, "Skolereform, ekstra tilskud (native)", ""),
        (13, "Skolereform, DUT-løft, kommunens andel (BLOKTILSKUD_FORDEL)",
         f"{_series(ps, 'bloktilskud.skolereform_dut', ' → ')} mio. kr. ({ps.title})"),
        (14, "Skolereform, DUT-løft (native)", ""),
    ):
        tu.cell(r, 1, label)
        if note:
            tu.cell(r, 6, note)
    share = "P_udligning_grundvaerdi_andel"
    for i in range(N):
        r = FIRST + i
        tu.cell(r, 8, f"=Data!E{r}+{share}*Data!F{r}").number_format = MIO
        tu.cell(r, 9, f"=IF(Data!B{r}=Skat!$B$5,Skat!$B$17,Data!E{r})+{share}*Data!F{r}").number_format = MIO
    subtitle(tu, 16, f"Hele udligningstabellen for {y0} (udligningsloven; ministeriets udmelding af "
                     "§ 14-tilskuddet)")
    table = ("TILSKUD_OG_UDLIGNING({pop},{need},{base},{cap},{tax},P_bloktilskud_paragraf14)")
    fields = {"pop": _d("D"), "need": _d("G"), "cap": _d("J"), "tax": _d("I")}
    g_base, s_base = f"$H${FIRST}:$H${LAST}", f"$I${FIRST}:$I${LAST}"
    tu["A17"] = "Tilskud og udligning i alt, statsgaranti (TILSKUD_OG_UDLIGNING)"
    tu["B17"] = f"=INDEX({table.format(base=g_base, **fields)},{row}+1,6)"
    tu["A18"] = "Tilskud og udligning i alt, selvbudget (TILSKUD_OG_UDLIGNING)"
    tu["B18"] = f"=INDEX({table.format(base=s_base, **fields)},{row}+1,6)"
    tu["A19"] = "Forskel: selvbudget − statsgaranti"
    tu["B19"] = "=B18-B17"
    tu["A20"] = "Tilbagetagning efter hele tabellen, pct. af skatteforskellen"
    tu["B20"] = '=IF(ABS(Skat!B23)<1E-9,"–",-B19/Skat!B23*100)'
    for r in (17, 18, 19):
        tu[f"B{r}"].number_format = MIO
    tu["B20"].number_format = PCT
    tu["F17"] = "hele tabellen: lands-, hovedstadsudligning, højt underskud, selskabsskat, bloktilskud"
    tu["F20"] = ("sammenlign med andelen i række 6: for en kommune med højt strukturelt underskud tager "
                 "tabellen mere tilbage")

    # ------------------------------------------------------------------------------ Overslag
    ov = wb.create_sheet("Overslag")
    title(ov, f"Overslag {years[0]}–{years[-1]}: statsgaranti mod selvbudgettering (mio. kr.)", ILLUSTRATIVE)
    header(ov, 4, heads, widths, freeze_cols=1)
    _row(ov, 5, "År", [f"=Skat!{c}14" for c in COLS], YEAR)
    for k, c in enumerate(COLS):
        ov[f"{c}6"] = f"=Skat!{c}19"
        ov[f"{c}7"] = f"=Skat!{c}21"
        ov[f"{c}8"] = f"={tq}!{c}7"
        ov[f"{c}9"] = f"=IF({c}5=$B$5+{forsinkelse},$B$22/1000000,0)"
        ov[f"{c}10"] = f"={tq}!{c}11+{tq}!{c}13"
        ov[f"{c}11"] = f"={c}6+{c}10"
        ov[f"{c}12"] = f"={c}7+{c}8+{c}9+{c}10"
        ov[f"{c}13"] = f"={c}12-{c}11"
        ov[f"{c}14"] = "=1" if k == 0 else f"={COLS[k - 1]}14*(1+{_p(ps, 'overslag.pl', years[k])}/100)"
        ov[f"{c}15"] = f"={c}13/{c}14"
        for r in range(6, 16):
            ov[f"{c}{r}"].number_format = MIO
        ov[f"{c}14"].number_format = "0.0000"
    for r, label, note in (
        (6, "Skat, statsgaranti", "arket Skat"),
        (7, "Skat, selvbudgettering (udbetalt)", "arket Skat"),
        (8, "Udligningens tilbagetagning ved selvbudgettering", "arket Tilskud og udligning"),
        (9, f"Efterregulering af {y0} inkl. tillæg, afregnet",
         f"afregnes i {y0} + 3 (kassekalenderen nedenfor)"),
        (10, "Skolereformens tilskud (ens ved begge valg)", "arket Tilskud og udligning"),
        (11, "I alt, statsgaranti", ""),
        (12, "I alt, selvbudgettering", ""),
        (13, "Forskel: selvbudgettering − statsgaranti, løbende priser", ""),
        (14, f"PL-faktor fra {y0}-pl", "overslag.pl pr. år (antagelse: KL's skøn)"),
        (15, f"Forskel i {y0}-pl", ""),
    ):
        ov.cell(r, 1, label)
        if note:
            ov.cell(r, 6, note)
    subtitle(ov, 17, f"Kassekalender: efterreguleringen af {y0} afregnes i tre rater i {y0} + 3 "
                     "(kommuneskatteloven § 16, stk. 2–3)")
    table_header(ov, 18, {1: "Dato (EFTERREGULERING_KALENDER)", 2: "Beløb, kr.", 3: "Beløb, kr. (native)"},
                 span=5)
    kr = "*1000000"  # the calendar in kr.: the core rounds each payment to øre
    cal = (f"EFTERREGULERING_KALENDER(Skat!$B$25{kr},{tq}!$B$10{kr},Skat!$B$21{kr},P_overslag_diskonto,"
           "$B$5)")
    for k in range(3):
        r = 19 + k
        ov[f"A{r}"] = f"=INDEX({cal},{k + 2},1)"
        ov[f"A{r}"].number_format = DATE
        ov[f"A{r}"].alignment = Alignment(horizontal="left")
        ov[f"B{r}"] = f"=INDEX({cal},{k + 2},2)"
        ov[f"C{r}"] = "=ROUND($B$25/3,2)"  # the core pays each third to the øre
        ov[f"B{r}"].number_format = ov[f"C{r}"].number_format = KR
        pairs.append((f"Kassekalender, rate {k + 1}", f"Overslag!B{r}", f"Overslag!C{r}"))
    e, paid = f"(Skat!$B$25+{tq}!$B$10){kr}", f"Skat!$B$21{kr}"
    free, factor = "P_skat_efterregulering_fri_graense", "P_skat_efterregulering_tillaeg_faktor"
    rows = (
        (22, "Efterregulering i alt inkl. tillæg, kr. (EFTERREGULERING_KALENDER)", "=SUM(B19:B21)"),
        (23, "Efterregulering af skat og af tilskud og udligning, kr. (native)", f"={e}"),
        (24, "Tillæg efter § 16, stk. 3, kr. (native)",
         f"=IF(ABS({e})>{free}/100*{paid},SIGN({e})*(ABS({e})-{free}/100*{paid})*{factor}"
         f"*P_overslag_diskonto/100,0)"),
        (25, "Efterregulering i alt inkl. tillæg, kr. (native)", "=B23+B24"),
    )
    for r, label, formula in rows:
        ov.cell(r, 1, label)
        ov[f"B{r}"] = formula
        ov[f"B{r}"].number_format = KR
    ov["F24"] = "3 × diskontoen på den del af skat + udligning, der overstiger 3 pct. af det udbetalte"
    pairs.append(("Efterregulering i alt inkl. tillæg (tre rater)", "Overslag!B22", "SUM(Overslag!C19:C21)"))

    # ---------------------------------------------------------------------------- Beslutning
    bs = wb.create_sheet("Beslutning")
    title(bs, f"Beslutning {y0}: selvbudgettering eller statsgaranti (mio. kr.)", ILLUSTRATIVE)
    header(bs, 4, ["Post", "xlmodel-funktion", "Native formel", "Note"], [50, 14, 14, 44], freeze_cols=1)
    rente = "P_overslag_kalkulationsrente"
    decision = "SELVBUDGET_BEREGNING(B6,B7,Skat!$B$9,,,Skat!$B$14)"
    risk = "SELVBUDGET_RISIKO(B6,Skat!$B$9,Skat!$B$12,$B$13)"
    tillaeg = (f"IF(ABS((C7-C6)*Skat!$B$9/100*(1-{u}/100))>{free}/100*C6*Skat!$B$9/100,"
               f"SIGN(C7-C6)*(ABS((C7-C6)*Skat!$B$9/100*(1-{u}/100))-{free}/100*C6*Skat!$B$9/100)"
               f"*{factor}*P_overslag_diskonto/100,0)")
    lines = [
        (5, "Kommune", "=Skat!B5", None, None, ""),
        (6, f"Statsgaranteret grundlag {y0}", "=Skat!B15", "=Skat!B16", MIO, ""),
        (7, f"Forventet grundlag {y0} (kommunens eget skøn)", "=Skat!B17", "=Skat!B18", MIO,
         "arket Skat, række 12"),
        (8, "Gevinst ved selvbudgettering (SELVBUDGET_BEREGNING)", f"=INDEX({decision},2,1)",
         f"=(C7-C6)*Skat!$B$9/100*(1-{u}/100)+C9", MIO, "efter udligningens tilbagetagning, inkl. tillæg"),
        (9, "Tillæg efter kommuneskatteloven § 16, stk. 3", f"=INDEX({decision},2,2)", f"={tillaeg}", MIO,
         "på den del, der overstiger 3 pct. af det udbetalte"),
        (10, "Nutidsværdi af gevinsten", f"=INDEX({decision},2,3)",
         f"=C8/(1+{rente}/100)^{forsinkelse}", MIO, "kalkulationsrente overslag.kalkulationsrente"),
        (11, "Afregningsår", f"=INDEX({decision},2,4)", f"=Skat!$B$14+{forsinkelse}", YEAR,
         "efterreguleringen afregnes januar–marts"),
        (12, "Vækst pr. år, hvor valget vipper, pct.", None,
         f"=((1+{fremskriv}/100)^(1/{offset})-1)*100", PCT2, "break-even (uden befolkningseffekt)"),
        (13, "Spredning på væksten, procentpoint", spredning, None, PCT, "input: usikkerheden på eget skøn"),
        (14, "Forventet nutidsværdi over 10.000 scenarier (SELVBUDGET_RISIKO)", f"=INDEX({risk},2,1)", None,
         MIO, "vækst ~ normalfordelt(eget skøn, spredning); fast seed"),
        (15, "Spredning på nutidsværdien", f"=INDEX({risk},2,2)", None, MIO, ""),
        (16, "Sandsynlighed for, at selvbudgettering taber", f"=INDEX({risk},2,3)", None, SHARE, ""),
        (17, "Tab i det 5 %-værste tilfælde (nutidsværdi)", f"=INDEX({risk},2,4)", None, MIO,
         "negativ: et tab"),
        (18, "Anbefaling", '=IF(B10>0,"selvbudgettering","statsgaranti")',
         '=IF(C10>0,"selvbudgettering","statsgaranti")', None, "efter den forventede nutidsværdi"),
    ]
    for r, label, ours, native, fmt, note in lines:
        bs.cell(r, 1, label)
        if ours is not None:
            bs.cell(r, 2, ours)
        if native is not None:
            bs.cell(r, 3, native)
        for c in (2, 3):
            if fmt:
                bs.cell(r, c).number_format = fmt
        bs.cell(r, 4, note)
        if ours is not None and native is not None and isinstance(ours, str) and r not in (5, 18):
            pairs.append((f"Beslutning: {label}", f"Beslutning!B{r}", f"Beslutning!C{r}"))
    mark_input(bs, "B13")
    align(bs, "B5", "left")
    table_header(bs, 20, {1: "Vækst pr. år i scenariet, pct.", 2: "Nutidsværdi (SELVBUDGET_BEREGNING)",
                          3: "Nutidsværdi (native)"}, span=4)
    steps = 11
    for j in range(steps):
        r = 21 + j
        bs[f"A{r}"] = f"=Skat!$B$12+({j}-{steps // 2})*$B$13/2"
        bs[f"A{r}"].number_format = PCT
        bs[f"A{r}"].alignment = Alignment(horizontal="left")
        expected = f"Skat!$B$11*(1+A{r}/100)^{offset}"
        bs[f"B{r}"] = f"=INDEX(SELVBUDGET_BEREGNING($B$6,{expected},Skat!$B$9,,,Skat!$B$14),2,3)"
        diff = f"({expected}-$C$6)*Skat!$B$9/100*(1-{u}/100)"
        surcharge = (f"IF(ABS({diff})>{free}/100*$C$6*Skat!$B$9/100,SIGN({diff})*(ABS({diff})-{free}/100"
                     f"*$C$6*Skat!$B$9/100)*{factor}*P_overslag_diskonto/100,0)")
        bs[f"C{r}"] = f"=({diff}+{surcharge})/(1+{rente}/100)^{forsinkelse}"
        bs[f"B{r}"].number_format = bs[f"C{r}"].number_format = MIO
        pairs.append((f"Scenarie {j + 1}: nutidsværdi", f"Beslutning!B{r}", f"Beslutning!C{r}"))
    last = 20 + steps
    bs[f"A{last + 1}"] = ("Scenarierne: eget skøn ± op til 2,5 gange spredningen; positiv = "
                          "selvbudgettering vinder.")
    bar_chart(bs, "F4", "Nutidsværdi af selvbudgettering pr. vækstscenarie (mio. kr.; ILLUSTRATIVE data)",
              f"$B$20:$B${last}", f"$A$21:$A${last}", y_title="mio. kr.", x_title="vækst pr. år, pct.",
              number_format=MIO, width_cm=17, height_cm=11)

    kontrol(wb, pairs)
    forside(
        wb, ps, heading=f"Budget {years[0]}–{years[-1]}: statsgaranti eller selvbudgettering",
        purpose=[
            f"Én kommunes budgetår {y0} og tre overslagsår (vælg kommunen på arket Skat): skat og tilskud og "
            "udligning ved statsgaranteret udskrivningsgrundlag og ved selvbudgettering, efterreguleringen "
            "tre år efter med tillæg, kassekalenderen og beslutningen med risiko og break-even.",
            "Hver beregning står med xlmodels katalogfunktion og, hvor Excel kan udtrykke den, en native "
            "formel; arket Kontrol viser, at de er ens.",
        ],
        sheets=[("Data", "de 98 kommuners data (inputceller; xlmodel import fylder dem fra jeres filer)"),
                ("Skat", "valg af kommune, grundlag og skat pr. år ved de to valg, efterreguleringen"),
                ("Tilskud og udligning", "udligningens tilbagetagning, skolereformens tilskud, hele "
                                         "udligningstabellen for budgetåret"),
                ("Overslag", "i alt pr. år ved de to valg, PL til budgetårets priser, kassekalenderen"),
                ("Beslutning", "gevinst, tillæg, nutidsværdi, risiko og anbefaling med diagram"),
                ("Kontrol", "katalogfunktion mod native formel for hver beregning"),
                ("Parametre", "alle satser med enhed, år og kilde (overslagsårenes skøn er antagelser)")],
        sources=[
            f"{ps.title}: fremskrivningsprocent "
            f"{format_tal(ps.value('skat.fremskrivningsprocent', y0))}, PL, skolereformens tilskud "
            f"{_series(ps, 'bloktilskud.skolereform_ekstra', '/')} og DUT "
            f"{_series(ps, 'bloktilskud.skolereform_dut', ' → ')} mio. kr.",
            "Kommuneskatteloven § 7 (statsgaranti), § 16 (selvbudgettering, efterregulering i år + 3 i tre "
            "rater, tillæg på 3 × diskontoen over 3 pct.); udligningsloven § 24; lov om kommunernes styrelse "
            "§ 38 (budgetår + 3 overslagsår).",
            "Overslagsårenes vækst og PL (KL's junivurdering), diskonto, kalkulationsrente og udligningens "
            "andel er antagelser på arket Parametre: ret dem dér; se docs/overslag.md.",
        ],
        illustrative=[
            "Alle kommunale tal på arket Data er ILLUSTRATIVE (xlmodel.udligning.eksempeldata, fast seed) — "
            "ikke officielle tal. Kommunens eget skøn, vækstscenariet og spredningen er et illustrativt "
            "eksempel.",
            "Officielle tal: xlmodel import FOLK1A.csv --into denne_fil.xlsx eller en CSV/XLSX med én række "
            "pr. kommune.",
        ],
    )
