"""xlmodel's functions and buttons for xlwings Lite.

Generated from xlmodel/excel/catalogue.toml by `python -m xlmodel.excel.lite excel/lite`;
do not edit. Paste it into the xlwings Lite editor's main.py (see excel/lite/README.md).
"""

from typing import Any

import xlwings as xw
from xlwings import arg, func, script

from xlmodel.excel.lite import call as _call
from xlmodel.excel.lite import genindlaes_parametre as _genindlaes
from xlmodel.excel.lite import remember as _remember

# Every argument is read as a 2-D range (a range keeps its orientation, so the result
# spills the same way) with Excel errors as text (refused by name, never taken as blank).
# caller (hidden from Excel) names the calling workbook: its Parametre table is the set.


@func
@arg('fra_aar', ndim=2, err_to_str=True, doc='Pris- og lønniveau (år), som beløbet er i')
@arg('til_aar', ndim=2, err_to_str=True, doc='Pris- og lønniveau (år), der omregnes til')
@arg('serie', ndim=2, err_to_str=True, doc='PL-serie: service, samlet, anlaeg, sats eller regional')
def PL_FAKTOR(fra_aar: Any, til_aar: Any, serie: Any = None, caller: xw.Caller | None = None):
    'Kædet PL-faktor fra fra_aar-pl til til_aar-pl for en PL-serie i parametersættet'
    return _call('PL_FAKTOR', fra_aar, til_aar, serie, caller=caller)


@func
@arg('beloeb', ndim=2, err_to_str=True, doc='Beløb i fra_aar-pl')
@arg('fra_aar', ndim=2, err_to_str=True, doc='Pris- og lønniveau (år), som beløbet er i')
@arg('til_aar', ndim=2, err_to_str=True, doc='Pris- og lønniveau (år), der omregnes til')
@arg('serie', ndim=2, err_to_str=True, doc='PL-serie: service, samlet, anlaeg, sats eller regional')
def PL_REGULER(beloeb: Any, fra_aar: Any, til_aar: Any, serie: Any = None, caller: xw.Caller | None = None):
    'Et beløb i fra_aar-pl omregnet til til_aar-pl: beloeb × PL_FAKTOR'
    return _call('PL_REGULER', beloeb, fra_aar, til_aar, serie, caller=caller)


@func
@arg('vaegte', ndim=2, err_to_str=True, doc='Vægte for udgiftsarterne (≥ 0), én række eller kolonne')
@arg('satser', ndim=2, err_to_str=True, doc='PL-sats for hver udgiftsart i pct., samme form som vaegte')
def PL_VAEGTET(vaegte: Any, satser: Any, caller: xw.Caller | None = None):
    'Vægtet PL-sats Σ w·r / Σ w (vægtene behøver ikke summere til 1: de normaliseres)'
    return _call('PL_VAEGTET', vaegte, satser, caller=caller)


@func
@arg('navn', ndim=2, err_to_str=True, doc='Parameterens navn, fx pl.service (xlmodel params viser dem alle)')
@arg('aar', ndim=2, err_to_str=True, doc='År (standard: parametersættets budgetår)')
def PARAMETER(navn: Any, aar: Any = None, caller: xw.Caller | None = None):
    'En værdi fra det aktive parametersæt (aftale-2014, medmindre et andet er valgt)'
    return _call('PARAMETER', navn, aar, caller=caller)


@func
@arg('navn', ndim=2, err_to_str=True, doc='Parameterens navn, fx pl.service')
@arg('aar', ndim=2, err_to_str=True, doc='År (standard: parametersættets budgetår)')
def PARAMETER_KILDE(navn: Any, aar: Any = None, caller: xw.Caller | None = None):
    'Kilden til en parameterværdi, fx "aftale: Aftale 2014, boks 1"'
    return _call('PARAMETER_KILDE', navn, aar, caller=caller)


@func
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal for hver kommune, én række eller kolonne')
@arg('beloeb_i_alt', ndim=2, err_to_str=True, doc='Beløb, der skal fordeles (én celle)')
def BLOKTILSKUD_FORDEL(indbyggere: Any, beloeb_i_alt: Any, caller: xw.Caller | None = None):
    'Hver kommunes andel af et beløb efter indbyggertal: beloeb_i_alt × N_i / Σ N (spildes: én værdi pr. kommune)'
    return _call('BLOKTILSKUD_FORDEL', indbyggere, beloeb_i_alt, caller=caller)


@func
@arg('regnskab', ndim=2, err_to_str=True, doc='Serviceudgifter i regnskabet, pr. kommune')
@arg('korrigeret_budget', ndim=2, err_to_str=True, doc='Korrigeret budget, pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, pr. kommune')
@arg('kollektiv_andel', ndim=2, err_to_str=True, doc='Den kollektive andel af sanktionen (standard 0,4)')
@arg('aftalt_niveau', ndim=2, err_to_str=True, doc='Det aftalte udgiftsniveau, regnskaberne måles mod (mio. kr.; standard: årets niveau, 2014: 230.541 + DUT; et år uden: budgetterne)')
@arg('aar', ndim=2, err_to_str=True, doc='Regnskabsår (standard: parametersættets budgetår)')
def REGNSKABSSANKTION(regnskab: Any, korrigeret_budget: Any, indbyggere: Any, kollektiv_andel: Any = None, aftalt_niveau: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Hver kommunes modregning efter regnskabssanktionen (spildes: én værdi pr. kommune)'
    return _call('REGNSKABSSANKTION', regnskab, korrigeret_budget, indbyggere, kollektiv_andel, aftalt_niveau, aar, caller=caller)


@func
@arg('budget', ndim=2, err_to_str=True, doc='Budgetterede serviceudgifter, pr. kommune')
@arg('ramme', ndim=2, err_to_str=True, doc='Kommunens ramme, pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, pr. kommune')
@arg('kollektiv_andel', ndim=2, err_to_str=True, doc='Den kollektive andel af sanktionen (standard 0,4)')
@arg('aar', ndim=2, err_to_str=True, doc='Budgetår: sanktionen er højst årets betingede bloktilskud (standard: parametersættets budgetår)')
def BUDGETSANKTION(budget: Any, ramme: Any, indbyggere: Any, kollektiv_andel: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Hver kommunes modregning efter budgetsanktionen (spildes: én værdi pr. kommune)'
    return _call('BUDGETSANKTION', budget, ramme, indbyggere, kollektiv_andel, aar, caller=caller)


@func
@arg('provenuaendring', ndim=2, err_to_str=True, doc='Provenuændring som følge af ændret skatteprocent, pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, pr. kommune')
@arg('aar_nr', ndim=2, err_to_str=True, doc='Årsnummer efter stigningen: 0 = selve året (standard 0); fra år 4 er alt kollektivt')
@arg('undtaget', ndim=2, err_to_str=True, doc='SAND (TRUE) for kommuner, der er undtaget fra den individuelle del (inden for rammen på 250 mio. kr.)')
@arg('aar', ndim=2, err_to_str=True, doc='Året for skattestigningen: dets regler og ramme gælder (standard: parametersættets budgetår)')
def SKATTESANKTION(provenuaendring: Any, indbyggere: Any, aar_nr: Any = None, undtaget: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Regulering for skattestigning: to kolonner, individuel og kollektiv modregning pr. kommune'
    return _call('SKATTESANKTION', provenuaendring, indbyggere, aar_nr, undtaget, aar, caller=caller)


@func
@arg('provenutab', ndim=2, err_to_str=True, doc='Provenutab ved skattenedsættelsen, pr. kommune')
@arg('aar', ndim=2, err_to_str=True, doc='Tilskudsår (standard: parametersættets budgetår); efter ordningens sidste år 0')
@arg('pulje', ndim=2, err_to_str=True, doc='Puljen (standard: parametersættets pulje, 187,5 = 75 pct. af rammen på 250 mio.)')
@arg('taerskel', ndim=2, err_to_str=True, doc='Tab pr. kommune, der kompenseres med fuld sats (standard 15)')
@arg('ordning_aar', ndim=2, err_to_str=True, doc='Året ordningen startede (nedsættelsens år), fx 2014; standard: den nyeste ordning startet senest i aar')
def SKATTENEDSAETTELSE_TILSKUD(provenutab: Any, aar: Any = None, pulje: Any = None, taerskel: Any = None, ordning_aar: Any = None, caller: xw.Caller | None = None):
    'Tilskud pr. kommune for en skattenedsættelse, fra puljen til skattenedsættelser (spildes: én værdi pr. kommune)'
    return _call('SKATTENEDSAETTELSE_TILSKUD', provenutab, aar, pulje, taerskel, ordning_aar, caller=caller)


@func
@arg('grundlag_basisaar', ndim=2, err_to_str=True, doc='Basisårets korrigerede udskrivningsgrundlag (3 år før budgetåret)')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Budgetår (standard: parametersættets budgetår)')
def UDSKRIVNINGSGRUNDLAG_GARANTI(grundlag_basisaar: Any, budgetaar: Any = None, caller: xw.Caller | None = None):
    'Statsgaranteret udskrivningsgrundlag: basisårets grundlag × (1 + fremskrivningsprocent)'
    return _call('UDSKRIVNINGSGRUNDLAG_GARANTI', grundlag_basisaar, budgetaar, caller=caller)


@func
@arg('udskrivningsgrundlag', ndim=2, err_to_str=True, doc='Udskrivningsgrundlag (kr.)')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
def SKATTEPROVENU(udskrivningsgrundlag: Any, udskrivningsprocent: Any, caller: xw.Caller | None = None):
    'Skatteprovenu: udskrivningsgrundlag × udskrivningsprocent / 100'
    return _call('SKATTEPROVENU', udskrivningsgrundlag, udskrivningsprocent, caller=caller)


@func
@arg('provenu', ndim=2, err_to_str=True, doc='Krævet provenu (kr.)')
@arg('udskrivningsgrundlag', ndim=2, err_to_str=True, doc='Udskrivningsgrundlag (kr.)')
@arg('aar', ndim=2, err_to_str=True, doc='År (standard: parametersættets budgetår)')
def UDSKRIVNINGSPROCENT(provenu: Any, udskrivningsgrundlag: Any, aar: Any = None, caller: xw.Caller | None = None):
    'Den udskrivningsprocent, et provenu kræver, med én decimal, rundet op'
    return _call('UDSKRIVNINGSPROCENT', provenu, udskrivningsgrundlag, aar, caller=caller)


@func
@arg('selvbudgetteret_grundlag', ndim=2, err_to_str=True, doc='Kommunens eget skøn over grundlaget (det, der er udbetalt efter)')
@arg('opgjort_grundlag', ndim=2, err_to_str=True, doc='Det endeligt opgjorte, faktiske grundlag')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
def EFTERREGULERING(selvbudgetteret_grundlag: Any, opgjort_grundlag: Any, udskrivningsprocent: Any, caller: xw.Caller | None = None):
    'Efterregulering ved selvbudgettering: endelig skat − udbetalt (positiv: kommunen får penge)'
    return _call('EFTERREGULERING', selvbudgetteret_grundlag, opgjort_grundlag, udskrivningsprocent, caller=caller)


@func
@arg('efterregulering', ndim=2, err_to_str=True, doc='Efterregulering (kr.)')
@arg('udbetalt', ndim=2, err_to_str=True, doc='Summen af udbetalingerne (kr.)')
@arg('diskonto_pct', ndim=2, err_to_str=True, doc='Nationalbankens diskonto 1. juli året før kalenderåret (pct.), kommuneskatteloven § 16, stk. 3')
@arg('efterregulering_udligning', ndim=2, err_to_str=True, doc='Efterregulering af tilskud og udligning (kr.): 3 pct.-grænsen gælder den sammen med skatten (§ 16, stk. 3)')
@arg('aar', ndim=2, err_to_str=True, doc='Det efterregulerede kalenderår (standard: parametersættets budgetår)')
def EFTERREGULERING_TILLAEG(efterregulering: Any, udbetalt: Any, diskonto_pct: Any, efterregulering_udligning: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Tillæg på den del af efterreguleringen (skat plus tilskud og udligning), der overstiger 3 pct. af udbetalingerne: 3 × diskontoen 1. juli året før'
    return _call('EFTERREGULERING_TILLAEG', efterregulering, udbetalt, diskonto_pct, efterregulering_udligning, aar, caller=caller)


@func
@arg('garanti_grundlag', ndim=2, err_to_str=True, doc='Statsgaranteret udskrivningsgrundlag')
@arg('forventet_grundlag', ndim=2, err_to_str=True, doc='Kommunens forventede udskrivningsgrundlag')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
@arg('udligning_pct', ndim=2, err_to_str=True, doc='Andel af en grundlagsforskel, som udligningen tager tilbage, pct. (standard: årets parameter)')
@arg('aar', ndim=2, err_to_str=True, doc='Budgetår (standard: parametersættets budgetår)')
def SELVBUDGET_GEVINST(garanti_grundlag: Any, forventet_grundlag: Any, udskrivningsprocent: Any, udligning_pct: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Forventet gevinst ved selvbudgettering frem for statsgaranti (negativ: statsgaranti er bedst)'
    return _call('SELVBUDGET_GEVINST', garanti_grundlag, forventet_grundlag, udskrivningsprocent, udligning_pct, aar, caller=caller)


@func
@arg('grundvaerdi', ndim=2, err_to_str=True, doc='Årets grundværdi')
@arg('forrige_grundlag', ndim=2, err_to_str=True, doc='Sidste års afgiftsgrundlag')
@arg('reguleringsprocent', ndim=2, err_to_str=True, doc='Reguleringsprocent (standard: årets, 6,3 for 2014)')
@arg('aar', ndim=2, err_to_str=True, doc='Året for afgiftsgrundlaget (standard: parametersættets budgetår)')
def GRUNDSKYLD_GRUNDLAG(grundvaerdi: Any, forrige_grundlag: Any, reguleringsprocent: Any = None, aar: Any = None, caller: xw.Caller | None = None):
    'Afgiftsgrundlag efter loftet: min(grundvaerdi, forrige_grundlag × (1 + reguleringsprocent))'
    return _call('GRUNDSKYLD_GRUNDLAG', grundvaerdi, forrige_grundlag, reguleringsprocent, aar, caller=caller)


@func
@arg('pensionsaar', ndim=2, err_to_str=True, doc='Pensionsgivende tjenesteår, talt i hele år (19,9 tæller som 19)')
@arg('aar', ndim=2, err_to_str=True, doc='Pensioneringsåret: de gældende regler (standard: parametersættets budgetår)')
def PENSIONSPROCENT(pensionsaar: Any, aar: Any = None, caller: xw.Caller | None = None):
    'Pensionsprocent (0-57) for hele års pensionsgivende tjeneste'
    return _call('PENSIONSPROCENT', pensionsaar, aar, caller=caller)


@func
@arg('loen_faktisk', ndim=2, err_to_str=True, doc='Pensionsgivende løn på det faktiske skalatrin')
@arg('loen_loft', ndim=2, err_to_str=True, doc='Pensionsgivende løn på loftets skalatrin (44 for lærere, 37 for P76)')
@arg('pensionsaar', ndim=2, err_to_str=True, doc='Hele års pensionsgivende tjeneste')
@arg('aar', ndim=2, err_to_str=True, doc='Pensioneringsåret: de gældende regler (standard: parametersættets budgetår)')
def PENSION_MERUDGIFT(loen_faktisk: Any, loen_loft: Any, pensionsaar: Any, aar: Any = None, caller: xw.Caller | None = None):
    'Kommunens årlige pensionsandel ud over loftet: pct × max(0, loen_faktisk − loen_loft)'
    return _call('PENSION_MERUDGIFT', loen_faktisk, loen_loft, pensionsaar, aar, caller=caller)


@func
@arg('trin', ndim=2, err_to_str=True, doc='Skalatrin')
@arg('tabel', ndim=2, err_to_str=True, doc='Løntabel: 2 kolonner (trin, løn); standard: den medfølgende ILLUSTRATIVE tabel')
def SKALATRIN_LOEN(trin: Any, tabel: Any = None, caller: xw.Caller | None = None):
    'Pensionsgivende løn på et statsligt skalatrin ifølge en løntabel'
    return _call('SKALATRIN_LOEN', trin, tabel, caller=caller)


@func
@arg('aarligt_beloeb', ndim=2, err_to_str=True, doc='Årligt beløb')
@arg('rente_pct', ndim=2, err_to_str=True, doc='Diskonteringsrente (pct.)')
@arg('aar', ndim=2, err_to_str=True, doc='Antal år')
@arg('regulering_pct', ndim=2, err_to_str=True, doc='Årlig regulering af beløbet (pct., standard 0)')
def PENSION_KAPITALVAERDI(aarligt_beloeb: Any, rente_pct: Any, aar: Any, regulering_pct: Any = None, caller: xw.Caller | None = None):
    'Nutidsværdi af et årligt beløb over aar år ved rente_pct, reguleret med regulering_pct'
    return _call('PENSION_KAPITALVAERDI', aarligt_beloeb, rente_pct, aar, regulering_pct, caller=caller)


@func
@arg('deponeret', ndim=2, err_to_str=True, doc='Deponeret beløb')
@arg('aar_nr', ndim=2, err_to_str=True, doc='Årsnummer, siden aktivet blev taget i brug (1 = første år)')
@arg('aar_i_alt', ndim=2, err_to_str=True, doc='Antal år, deponeringen frigives over (standard 25)')
@arg('ibrugtagning_aar', ndim=2, err_to_str=True, doc='Året aktivet blev taget i brug: dets frigivelsesregel gælder (standard: parametersættets budgetår)')
def DEPONERING_FRIGIVELSE(deponeret: Any, aar_nr: Any, aar_i_alt: Any = None, ibrugtagning_aar: Any = None, caller: xw.Caller | None = None):
    'Frigivelse af et deponeret beløb i år aar_nr (1/aar_i_alt om året fra ibrugtagningen)'
    return _call('DEPONERING_FRIGIVELSE', deponeret, aar_nr, aar_i_alt, ibrugtagning_aar, caller=caller)


@func
@arg('udgiftsbehov', ndim=2, err_to_str=True, doc='Beregnet udgiftsbehov, én værdi pr. kommune')
@arg('beskatningsgrundlag', ndim=2, err_to_str=True, doc='Beskatningsgrundlag (statsgaranti eller selvbudget), én værdi pr. kommune')
@arg('skatteprocent', ndim=2, err_to_str=True, doc='Landsgennemsnitlig skatteprocent (standard: parametersættets værdi for året; antagelse)')
def STRUKTURELT_UNDERSKUD(udgiftsbehov: Any, beskatningsgrundlag: Any, skatteprocent: Any = None, caller: xw.Caller | None = None):
    'Strukturelt underskud pr. kommune: udgiftsbehov − beskatningsgrundlag × skatteprocent / 100 (negativ: strukturelt overskud)'
    return _call('STRUKTURELT_UNDERSKUD', udgiftsbehov, beskatningsgrundlag, skatteprocent, caller=caller)


@func
@arg('udgiftsbehov', ndim=2, err_to_str=True, doc='Beregnet udgiftsbehov, én værdi pr. kommune')
@arg('beskatningsgrundlag', ndim=2, err_to_str=True, doc='Beskatningsgrundlag, én værdi pr. kommune')
@arg('skatteprocent', ndim=2, err_to_str=True, doc='Landsgennemsnitlig skatteprocent (standard: parametersættets værdi for året)')
@arg('udligningsniveau_pct', ndim=2, err_to_str=True, doc='Udligningsniveau i pct. (standard: parametersættets værdi, 61 for 2014; antagelse)')
def LANDSUDLIGNING(udgiftsbehov: Any, beskatningsgrundlag: Any, skatteprocent: Any = None, udligningsniveau_pct: Any = None, caller: xw.Caller | None = None):
    'Landsudligning pr. kommune: udligningsniveau / 100 × strukturelt underskud (positiv: kommunen modtager, negativ: betaler)'
    return _call('LANDSUDLIGNING', udgiftsbehov, beskatningsgrundlag, skatteprocent, udligningsniveau_pct, caller=caller)


@func
@arg('udgiftsbehov', ndim=2, err_to_str=True, doc='Hovedstadsområdets eget udgiftsbehov, én værdi pr. kommune')
@arg('beskatningsgrundlag', ndim=2, err_to_str=True, doc='Beskatningsgrundlag, én værdi pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, én værdi pr. kommune')
@arg('hovedstad', ndim=2, err_to_str=True, doc='SAND for kommuner i hovedstadsområdet, FALSK ellers (én pr. kommune)')
@arg('skatteprocent', ndim=2, err_to_str=True, doc='Landsgennemsnitlig skatteprocent (standard: parametersættets værdi for året)')
@arg('udligningsniveau_pct', ndim=2, err_to_str=True, doc='Udligningsniveau i pct. (standard: parametersættets værdi, 27 for 2014; antagelse)')
def HOVEDSTADSUDLIGNING(udgiftsbehov: Any, beskatningsgrundlag: Any, indbyggere: Any, hovedstad: Any, skatteprocent: Any = None, udligningsniveau_pct: Any = None, caller: xw.Caller | None = None):
    'Hovedstadsudligning: for kommuner med hovedstad=SAND niveau × (strukturelt underskud − indbyggere × gruppens underskud pr. indbygger); summer til 0; 0 ellers'
    return _call('HOVEDSTADSUDLIGNING', udgiftsbehov, beskatningsgrundlag, indbyggere, hovedstad, skatteprocent, udligningsniveau_pct, caller=caller)


@func
@arg('udgiftsbehov', ndim=2, err_to_str=True, doc='Beregnet udgiftsbehov, én værdi pr. kommune')
@arg('beskatningsgrundlag', ndim=2, err_to_str=True, doc='Beskatningsgrundlag, én værdi pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, én værdi pr. kommune')
@arg('skatteprocent', ndim=2, err_to_str=True, doc='Landsgennemsnitlig skatteprocent (standard: parametersættets værdi for året)')
@arg('graense_pct', ndim=2, err_to_str=True, doc='Tærskel i pct. af landsgennemsnittet pr. indbygger (standard 90; antagelse)')
@arg('tilskud_pct', ndim=2, err_to_str=True, doc='Tilskudsprocent af underskuddet over tærsklen (standard 32; antagelse)')
def HOEJT_UNDERSKUD_TILSKUD(udgiftsbehov: Any, beskatningsgrundlag: Any, indbyggere: Any, skatteprocent: Any = None, graense_pct: Any = None, tilskud_pct: Any = None, caller: xw.Caller | None = None):
    'Tilskud ved højt strukturelt underskud: tilskud_pct × max(0, underskud pr. indbygger − graense_pct × landets underskud pr. indbygger) × indbyggere'
    return _call('HOEJT_UNDERSKUD_TILSKUD', udgiftsbehov, beskatningsgrundlag, indbyggere, skatteprocent, graense_pct, tilskud_pct, caller=caller)


@func
@arg('selskabsskat', ndim=2, err_to_str=True, doc='Kommunens selskabsskat, én værdi pr. kommune')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, én værdi pr. kommune')
@arg('udligning_pct', ndim=2, err_to_str=True, doc='Udligningsprocent (standard 50; antagelse)')
def SELSKABSSKAT_UDLIGNING(selskabsskat: Any, indbyggere: Any, udligning_pct: Any = None, caller: xw.Caller | None = None):
    'Udligning af selskabsskat: udligning_pct × (landsgennemsnit pr. indbygger × indbyggere − selskabsskat); summer til 0'
    return _call('SELSKABSSKAT_UDLIGNING', selskabsskat, indbyggere, udligning_pct, caller=caller)


@func
@arg('indbyggere', ndim=2, err_to_str=True, doc='Indbyggertal, én værdi pr. kommune (fordelingsnøgle for bloktilskuddet)')
@arg('udgiftsbehov', ndim=2, err_to_str=True, doc='Beregnet udgiftsbehov, én værdi pr. kommune (også brugt i hovedstadsudligningen)')
@arg('beskatningsgrundlag', ndim=2, err_to_str=True, doc='Beskatningsgrundlag, én værdi pr. kommune')
@arg('hovedstad', ndim=2, err_to_str=True, doc='SAND for kommuner i hovedstadsområdet, FALSK ellers')
@arg('selskabsskat', ndim=2, err_to_str=True, doc='Kommunens selskabsskat, én værdi pr. kommune')
@arg('bloktilskud_i_alt', ndim=2, err_to_str=True, doc='Bloktilskud efter § 14 i alt, mio. kr. (standard: ministeriets udmelding for året)')
def TILSKUD_OG_UDLIGNING(indbyggere: Any, udgiftsbehov: Any, beskatningsgrundlag: Any, hovedstad: Any, selskabsskat: Any, bloktilskud_i_alt: Any = None, caller: xw.Caller | None = None):
    'Hele tabellen: én række pr. kommune under en overskriftsrække; kolonner lands-, hovedstads-, højt underskud, selskabsskat, bloktilskud, i alt'
    return _call('TILSKUD_OG_UDLIGNING', indbyggere, udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat, bloktilskud_i_alt, caller=caller)


@func
@arg('grundlag_basisaar', ndim=2, err_to_str=True, doc='Basisårets korrigerede udskrivningsgrundlag (3 år før budgetåret), fx mio. kr.')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
@arg('vaekst_pct', ndim=2, err_to_str=True, doc='Kommunens eget skøn over den årlige vækst i grundlaget, pct. (standard: parametersættets antagelse for hvert år)')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Budgetår; rækkerne er budgetaar..budgetaar+3 (standard: parametersættets budgetår)')
def OVERSLAG_SKAT(grundlag_basisaar: Any, udskrivningsprocent: Any, vaekst_pct: Any = None, budgetaar: Any = None, caller: xw.Caller | None = None):
    'Skat i budgetåret og de tre overslagsår ved statsgaranti og ved selvbudgettering: en overskriftsrække, så én række pr. år (grundlag og skat)'
    return _call('OVERSLAG_SKAT', grundlag_basisaar, udskrivningsprocent, vaekst_pct, budgetaar, caller=caller)


@func
@arg('garanti_grundlag', ndim=2, err_to_str=True, doc='Statsgaranteret udskrivningsgrundlag for budgetåret')
@arg('forventet_grundlag', ndim=2, err_to_str=True, doc='Kommunens forventede (faktiske) udskrivningsgrundlag for budgetåret')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
@arg('udligning_pct', ndim=2, err_to_str=True, doc='Andel af en grundlagsforskel, som udligningen tager tilbage, pct. (standard: årets parameter; antagelse)')
@arg('diskonto_pct', ndim=2, err_to_str=True, doc='Kommunens kalkulationsrente til nutidsværdien, pct. (standard: parameteren; tillægget bruger Nationalbankens diskonto fra parametersættet)')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Budgetår; efterreguleringen afregnes i budgetaar+3 (standard: parametersættets budgetår)')
def SELVBUDGET_BEREGNING(garanti_grundlag: Any, forventet_grundlag: Any, udskrivningsprocent: Any, udligning_pct: Any = None, diskonto_pct: Any = None, budgetaar: Any = None, caller: xw.Caller | None = None):
    'Selvbudgettering mod statsgaranti: gevinst, tillæg efter § 16, stk. 3, nutidsværdi og afregningsår (overskriftsrække og én række)'
    return _call('SELVBUDGET_BEREGNING', garanti_grundlag, forventet_grundlag, udskrivningsprocent, udligning_pct, diskonto_pct, budgetaar, caller=caller)


@func
@arg('efterregulering_skat', ndim=2, err_to_str=True, doc='Efterregulering af skatten (positiv: kommunen får penge)')
@arg('efterregulering_udligning', ndim=2, err_to_str=True, doc='Efterregulering af tilskud og udligning (positiv: kommunen får penge)')
@arg('udbetalt', ndim=2, err_to_str=True, doc='Summen af de udbetalte månedlige beløb (3 pct.-grænsen regnes af den)')
@arg('diskonto_pct', ndim=2, err_to_str=True, doc='Nationalbankens diskonto 1. juli året før budgetåret, pct. (tillægget er 3 × diskontoen, kommuneskatteloven § 16, stk. 3)')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Det efterregulerede budgetår (standard: parametersættets budgetår); datoerne er Excel-datoer')
def EFTERREGULERING_KALENDER(efterregulering_skat: Any, efterregulering_udligning: Any, udbetalt: Any, diskonto_pct: Any, budgetaar: Any = None, caller: xw.Caller | None = None):
    'Efterreguleringen med tillæg afregnet i tre lige store rater januar, februar og marts i budgetaar+3: overskriftsrække, så dato og beløb for hver rate'
    return _call('EFTERREGULERING_KALENDER', efterregulering_skat, efterregulering_udligning, udbetalt, diskonto_pct, budgetaar, caller=caller)


@func
@arg('garanti_grundlag', ndim=2, err_to_str=True, doc='Statsgaranteret udskrivningsgrundlag for budgetåret')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
@arg('vaekst_middel_pct', ndim=2, err_to_str=True, doc='Forventet årlig vækst i grundlaget fra basisåret, pct.')
@arg('vaekst_spredning_pct', ndim=2, err_to_str=True, doc='Spredning (standardafvigelse) på den årlige vækst, procentpoint (≥ 0)')
@arg('udligning_pct', ndim=2, err_to_str=True, doc='Andel af en grundlagsforskel, som udligningen tager tilbage, pct. (standard: årets parameter; antagelse)')
@arg('scenarier', ndim=2, err_to_str=True, doc='Antal scenarier (standard 10.000); samme input giver altid samme tal')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Budgetår (standard: parametersættets budgetår)')
def SELVBUDGET_RISIKO(garanti_grundlag: Any, udskrivningsprocent: Any, vaekst_middel_pct: Any, vaekst_spredning_pct: Any, udligning_pct: Any = None, scenarier: Any = None, budgetaar: Any = None, caller: xw.Caller | None = None):
    'Risikoen ved selvbudgettering over scenarier for væksten: forventet gevinst, spredning, sandsynlighed for tab og tabet i det 5 %-værste tilfælde (fast seed)'
    return _call('SELVBUDGET_RISIKO', garanti_grundlag, udskrivningsprocent, vaekst_middel_pct, vaekst_spredning_pct, udligning_pct, scenarier, budgetaar, caller=caller)


@script
def opdater_model(book: xw.Book):
    """Opdater model: parametersættet i arket Parametre, genberegning, kontroller."""
    from xlmodel.excel.macros import XlwingsBook, opdater_model as run

    target = XlwingsBook(book)
    run(target)
    _remember(book, target.params)  # the set it wrote into the table is the book's set


@script
def genindlaes_parametre(book: xw.Book):
    """Genindlæs parametre: projektmappens Parametre-tabel bliver funktionernes parametersæt."""
    _genindlaes(book)


@script
def valider(book: xw.Book):
    """Valider: kontrollerne på projektmappen, som den står."""
    from xlmodel.excel.macros import XlwingsBook, valider as run

    run(XlwingsBook(book))
