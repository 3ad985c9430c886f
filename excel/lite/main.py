"""xlmodel's functions and buttons for xlwings Lite.

Generated from xlmodel/excel/catalogue.toml by `python -m xlmodel.excel.lite excel/lite`;
do not edit. Paste it into the xlwings Lite editor's main.py (see excel/lite/README.md).
"""

from typing import Any

import xlwings as xw
from xlwings import arg, func, script

from xlmodel.excel.cells import call as _call

# Every argument is read as a 2-D range (a range keeps its orientation, so the result
# spills the same way) with Excel errors as text (refused by name, never taken as blank).


@func
@arg('fra_aar', ndim=2, err_to_str=True, doc='Price level (year) the amount is in')
@arg('til_aar', ndim=2, err_to_str=True, doc='Price level (year) to convert to')
@arg('serie', ndim=2, err_to_str=True, doc='PL series: service, samlet, anlaeg, sats or regional')
def PL_FAKTOR(fra_aar: Any, til_aar: Any, serie: Any = None):
    'Chained PL factor from fra_aar-pl to til_aar-pl for a PL series of the parameter set'
    return _call('PL_FAKTOR', fra_aar, til_aar, serie)


@func
@arg('beloeb', ndim=2, err_to_str=True, doc='Amount in fra_aar-pl')
@arg('fra_aar', ndim=2, err_to_str=True, doc='Price level (year) the amount is in')
@arg('til_aar', ndim=2, err_to_str=True, doc='Price level (year) to convert to')
@arg('serie', ndim=2, err_to_str=True, doc='PL series: service, samlet, anlaeg, sats or regional')
def PL_REGULER(beloeb: Any, fra_aar: Any, til_aar: Any, serie: Any = None):
    'An amount in fra_aar-pl converted to til_aar-pl: beloeb × PL_FAKTOR'
    return _call('PL_REGULER', beloeb, fra_aar, til_aar, serie)


@func
@arg('vaegte', ndim=2, err_to_str=True, doc='Weights of the expenditure types (≥ 0), one row or column')
@arg('satser', ndim=2, err_to_str=True, doc='PL rate of each expenditure type in pct., same shape as vaegte')
def PL_VAEGTET(vaegte: Any, satser: Any):
    'Weighted PL rate Σ w·r / Σ w (weights need not sum to 1: they are normalised)'
    return _call('PL_VAEGTET', vaegte, satser)


@func
@arg('navn', ndim=2, err_to_str=True, doc='Parameter name, e.g. pl.service (xlmodel params lists all)')
@arg('aar', ndim=2, err_to_str=True, doc="Year (default: the parameter set's budget year)")
def PARAMETER(navn: Any, aar: Any = None):
    'A value of the active parameter set (aftale-2014 unless chosen otherwise)'
    return _call('PARAMETER', navn, aar)


@func
@arg('navn', ndim=2, err_to_str=True, doc='Parameter name, e.g. pl.service')
@arg('aar', ndim=2, err_to_str=True, doc="Year (default: the parameter set's budget year)")
def PARAMETER_KILDE(navn: Any, aar: Any = None):
    'The source of a parameter value, e.g. "aftale: Aftale 2014, boks 1"'
    return _call('PARAMETER_KILDE', navn, aar)


@func
@arg('indbyggere', ndim=2, err_to_str=True, doc='Population of each municipality, one row or column')
@arg('beloeb_i_alt', ndim=2, err_to_str=True, doc='Amount to distribute (single cell)')
def BLOKTILSKUD_FORDEL(indbyggere: Any, beloeb_i_alt: Any):
    "Each municipality's share of an amount by population: beloeb_i_alt × N_i / Σ N (spills)"
    return _call('BLOKTILSKUD_FORDEL', indbyggere, beloeb_i_alt)


@func
@arg('regnskab', ndim=2, err_to_str=True, doc='Service expenditure in the accounts, per municipality')
@arg('korrigeret_budget', ndim=2, err_to_str=True, doc='Corrected budget, per municipality')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Population, per municipality')
@arg('kollektiv_andel', ndim=2, err_to_str=True, doc='Collective share of the sanction (default 0.4)')
def REGNSKABSSANKTION(regnskab: Any, korrigeret_budget: Any, indbyggere: Any, kollektiv_andel: Any = None):
    "Each municipality's reduction under the accounts sanction (spills)"
    return _call('REGNSKABSSANKTION', regnskab, korrigeret_budget, indbyggere, kollektiv_andel)


@func
@arg('budget', ndim=2, err_to_str=True, doc='Budgeted service expenditure, per municipality')
@arg('ramme', ndim=2, err_to_str=True, doc="The municipality's frame, per municipality")
@arg('indbyggere', ndim=2, err_to_str=True, doc='Population, per municipality')
@arg('kollektiv_andel', ndim=2, err_to_str=True, doc='Collective share of the sanction (default 0.4)')
def BUDGETSANKTION(budget: Any, ramme: Any, indbyggere: Any, kollektiv_andel: Any = None):
    "Each municipality's reduction under the budget sanction (spills)"
    return _call('BUDGETSANKTION', budget, ramme, indbyggere, kollektiv_andel)


@func
@arg('provenuaendring', ndim=2, err_to_str=True, doc='Revenue change from the tax rate change, per municipality')
@arg('indbyggere', ndim=2, err_to_str=True, doc='Population, per municipality')
@arg('aar_nr', ndim=2, err_to_str=True, doc='Year number 0-3 after the increase (default 0)')
@arg('undtaget', ndim=2, err_to_str=True, doc='TRUE for municipalities exempt from the individual part (within the 250 mio. frame)')
def SKATTESANKTION(provenuaendring: Any, indbyggere: Any, aar_nr: Any = None, undtaget: Any = None):
    'Tax-increase regulation: two columns, individual and collective reduction per municipality'
    return _call('SKATTESANKTION', provenuaendring, indbyggere, aar_nr, undtaget)


@func
@arg('provenutab', ndim=2, err_to_str=True, doc='Revenue loss from the tax cut, per municipality')
@arg('aar', ndim=2, err_to_str=True, doc='Year of the subsidy (default 2014)')
@arg('pulje', ndim=2, err_to_str=True, doc="The pool (default: the parameter set's pool)")
@arg('taerskel', ndim=2, err_to_str=True, doc='Loss per municipality compensated at the full rate (default 15)')
def SKATTENEDSAETTELSE_TILSKUD(provenutab: Any, aar: Any = None, pulje: Any = None, taerskel: Any = None):
    'Subsidy per municipality for a tax cut, from the pool for tax cuts (spills)'
    return _call('SKATTENEDSAETTELSE_TILSKUD', provenutab, aar, pulje, taerskel)


@func
@arg('grundlag_basisaar', ndim=2, err_to_str=True, doc='Corrected udskrivningsgrundlag of the base year (3 years before)')
@arg('budgetaar', ndim=2, err_to_str=True, doc='Budget year (default 2014)')
def UDSKRIVNINGSGRUNDLAG_GARANTI(grundlag_basisaar: Any, budgetaar: Any = None):
    "State-guaranteed udskrivningsgrundlag: the base year's grundlag × (1 + fremskrivningsprocent)"
    return _call('UDSKRIVNINGSGRUNDLAG_GARANTI', grundlag_basisaar, budgetaar)


@func
@arg('udskrivningsgrundlag', ndim=2, err_to_str=True, doc='Udskrivningsgrundlag (kr.)')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
def SKATTEPROVENU(udskrivningsgrundlag: Any, udskrivningsprocent: Any):
    'Tax revenue: udskrivningsgrundlag × udskrivningsprocent / 100'
    return _call('SKATTEPROVENU', udskrivningsgrundlag, udskrivningsprocent)


@func
@arg('provenu', ndim=2, err_to_str=True, doc='Required revenue (kr.)')
@arg('udskrivningsgrundlag', ndim=2, err_to_str=True, doc='Udskrivningsgrundlag (kr.)')
def UDSKRIVNINGSPROCENT(provenu: Any, udskrivningsgrundlag: Any):
    'Tax rate needed for a revenue, one decimal, rounded up'
    return _call('UDSKRIVNINGSPROCENT', provenu, udskrivningsgrundlag)


@func
@arg('selvbudgetteret_grundlag', ndim=2, err_to_str=True, doc="The municipality's own estimate of the base (paid on)")
@arg('opgjort_grundlag', ndim=2, err_to_str=True, doc='The final, actual base')
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
def EFTERREGULERING(selvbudgetteret_grundlag: Any, opgjort_grundlag: Any, udskrivningsprocent: Any):
    'Efterregulering under selvbudgettering: final tax − paid (positive: the municipality receives)'
    return _call('EFTERREGULERING', selvbudgetteret_grundlag, opgjort_grundlag, udskrivningsprocent)


@func
@arg('efterregulering', ndim=2, err_to_str=True, doc='Efterregulering (kr.)')
@arg('udbetalt', ndim=2, err_to_str=True, doc='Sum of the payments (kr.)')
@arg('diskonto_pct', ndim=2, err_to_str=True, doc='Nationalbankens diskonto (pct.)')
def EFTERREGULERING_TILLAEG(efterregulering: Any, udbetalt: Any, diskonto_pct: Any):
    'Surcharge on the part of the efterregulering beyond 3 pct. of the payments'
    return _call('EFTERREGULERING_TILLAEG', efterregulering, udbetalt, diskonto_pct)


@func
@arg('garanti_grundlag', ndim=2, err_to_str=True, doc='State-guaranteed udskrivningsgrundlag')
@arg('forventet_grundlag', ndim=2, err_to_str=True, doc="The municipality's expected udskrivningsgrundlag")
@arg('udskrivningsprocent', ndim=2, err_to_str=True, doc='Udskrivningsprocent (pct.)')
@arg('udligning_pct', ndim=2, err_to_str=True, doc='Share of a base difference that equalisation takes back, pct. (an assumption; default 0)')
def SELVBUDGET_GEVINST(garanti_grundlag: Any, forventet_grundlag: Any, udskrivningsprocent: Any, udligning_pct: Any = None):
    'Expected gain of selvbudgettering over statsgaranti (negative: statsgaranti is better)'
    return _call('SELVBUDGET_GEVINST', garanti_grundlag, forventet_grundlag, udskrivningsprocent, udligning_pct)


@func
@arg('grundvaerdi', ndim=2, err_to_str=True, doc="This year's land value")
@arg('forrige_grundlag', ndim=2, err_to_str=True, doc="Last year's afgiftsgrundlag")
@arg('reguleringsprocent', ndim=2, err_to_str=True, doc='Reguleringsprocent (default 6.3 for 2014)')
def GRUNDSKYLD_GRUNDLAG(grundvaerdi: Any, forrige_grundlag: Any, reguleringsprocent: Any = None):
    'Afgiftsgrundlag after the loft: min(grundvaerdi, forrige_grundlag × (1 + reguleringsprocent))'
    return _call('GRUNDSKYLD_GRUNDLAG', grundvaerdi, forrige_grundlag, reguleringsprocent)


@func
@arg('pensionsaar', ndim=2, err_to_str=True, doc='Whole years of pensionable service (0-37)')
def PENSIONSPROCENT(pensionsaar: Any):
    'Pension percentage (0-57) for whole years of pensionable service'
    return _call('PENSIONSPROCENT', pensionsaar)


@func
@arg('loen_faktisk', ndim=2, err_to_str=True, doc='Pensionable pay at the actual skalatrin')
@arg('loen_loft', ndim=2, err_to_str=True, doc='Pensionable pay at the cap skalatrin (44 teachers, 37 P76)')
@arg('pensionsaar', ndim=2, err_to_str=True, doc='Whole years of pensionable service')
def PENSION_MERUDGIFT(loen_faktisk: Any, loen_loft: Any, pensionsaar: Any):
    "The municipality's yearly pension share beyond the cap: pct × max(0, loen_faktisk − loen_loft)"
    return _call('PENSION_MERUDGIFT', loen_faktisk, loen_loft, pensionsaar)


@func
@arg('trin', ndim=2, err_to_str=True, doc='Skalatrin')
@arg('tabel', ndim=2, err_to_str=True, doc='Pay table: 2 columns (trin, løn); default: the shipped illustrative table')
def SKALATRIN_LOEN(trin: Any, tabel: Any = None):
    'Pensionable pay of a state skalatrin from a pay table'
    return _call('SKALATRIN_LOEN', trin, tabel)


@func
@arg('aarligt_beloeb', ndim=2, err_to_str=True, doc='Yearly amount')
@arg('rente_pct', ndim=2, err_to_str=True, doc='Discount rate (pct.)')
@arg('aar', ndim=2, err_to_str=True, doc='Number of years')
@arg('regulering_pct', ndim=2, err_to_str=True, doc='Yearly regulation of the amount (pct., default 0)')
def PENSION_KAPITALVAERDI(aarligt_beloeb: Any, rente_pct: Any, aar: Any, regulering_pct: Any = None):
    'Present value of a yearly amount over aar years at rente_pct, regulated by regulering_pct'
    return _call('PENSION_KAPITALVAERDI', aarligt_beloeb, rente_pct, aar, regulering_pct)


@func
@arg('deponeret', ndim=2, err_to_str=True, doc='Deposited amount')
@arg('aar_nr', ndim=2, err_to_str=True, doc='Year number since the asset was taken into use (1 = first year)')
@arg('aar_i_alt', ndim=2, err_to_str=True, doc='Years over which the deposit is released (default 25)')
def DEPONERING_FRIGIVELSE(deponeret: Any, aar_nr: Any, aar_i_alt: Any = None):
    'Release of a deposit in year aar_nr (1/aar_i_alt a year from taking the asset into use)'
    return _call('DEPONERING_FRIGIVELSE', deponeret, aar_nr, aar_i_alt)


@script
def opdater_model(book: xw.Book):
    """Opdater model: parametersættet i arket Parametre, genberegning, kontroller."""
    from xlmodel.excel.macros import XlwingsBook, opdater_model as run

    run(XlwingsBook(book))


@script
def valider(book: xw.Book):
    """Valider: kontrollerne på projektmappen, som den står."""
    from xlmodel.excel.macros import XlwingsBook, valider as run

    run(XlwingsBook(book))
