"""Danish cell messages: a refused call rendered for the finance officer who reads the cell.

The core's and the adapter's :class:`~xlmodel.errors.XlmodelError` messages are English (they
are what developers, logs and tests read).  The Excel face shows this module's rendering,
built from the error's structured fields — ``argument``, ``value``, ``allowed``, ``detail`` —
so it keeps naming the argument, the offending value and what is allowed::

    <argument>: <værdi> er ikke tilladt (<detalje>); tilladt: <det tilladte>

Values are shown the Danish way (:mod:`xlmodel.tekst`: decimal comma, ``.`` between thousands,
years as ``2014``; SAND/FALSK), every digit the user typed kept.  The English phrases the
adapter and the core put in ``allowed``, ``detail`` and descriptive values are translated by
the ordered rules in :data:`RULES` (whole phrases, their numbers and nested phrases in turn).  A
phrase no rule knows is kept as it is — the message still names the argument, the value and
what is allowed — and :func:`untranslated` lists such phrases so a test can find them.

>>> from xlmodel.errors import XlmodelError
>>> print(message(XlmodelError("fra_aar", 1999, "a year in 2013–2014")))
fra_aar: 1999 er ikke tilladt; tilladt: et år i 2013–2014
>>> print(message(XlmodelError("kollektiv_andel", 1.5, "a share from 0 to 1 (e.g. 0.4)")))
kollektiv_andel: 1,5 er ikke tilladt; tilladt: en andel fra 0 til 1 (fx 0,4)
>>> print(message(XlmodelError("beloeb", "12", "a finite number", detail="text, not a number")))
beloeb: teksten '12' (tekst, ikke et tal) er ikke tilladt; tilladt: et endeligt tal
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from numbers import Real
from typing import Any

from xlmodel.errors import ParameterFileError, XlmodelError

_NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
#: a noun phrase the rules below may qualify (≥ 0, from … to …): English → Danish with its article
NOUNS = {
    "a number": "et tal",
    "a finite number": "et endeligt tal",
    "a whole number": "et helt tal",
    "a whole year": "et helt årstal",
    "a year": "et år",
    "a number of years": "et antal år",
    "a whole number of years": "et helt antal år",
    "a whole number of periods": "et helt antal perioder",
    "a whole year number": "et helt årsnummer",
    "a number of inhabitants": "et indbyggertal",
    "a deposited amount": "et deponeret beløb",
    "a pay in kr.": "en løn i kr.",
    "a revenue loss": "et provenutab",
    "a tax base": "et skattegrundlag",
    "a share": "en andel",
    "one threshold": "én tærskel",
    "a percentage": "en procentsats",
    "a rate in pct.": "en sats i pct.",
    "a rate per period in pct.": "en sats pr. periode i pct.",
    "a tax rate in percent": "en skatteprocent",
    "an amount": "et beløb",
    "a skalatrin in the pay table": "et skalatrin i løntabellen",
    "a whole period": "en hel periode",
    "one percentage": "én procentsats",  # udligning (issue 12)
}
#: fixed phrases (whole fragments, or a trailing note in parentheses)
PHRASES = {
    # the cell adapter (xlmodel.excel.cells): values, positions, what is allowed
    "a blank cell": "en tom celle",
    "TRUE/FALSE": "SAND/FALSK",
    "a ragged range": "et område med rækker af forskellig længde",
    "a rectangular range": "et rektangulært område",
    "a cell or a range": "en celle eller et område",
    "a single cell": "én celle",
    "a single row or column": "én række eller kolonne",
    "a range": "et område",
    "a range of 2 columns (trin, løn)": "et område med 2 kolonner (trin, løn)",
    "TRUE or FALSE (or 1/0)": "SAND eller FALSK (eller 1/0)",
    "text in a single cell": "tekst i én celle",
    "a whole year, e.g. 2014": "et helt årstal, fx 2014",
    "a finite result": "et endeligt resultat",
    "the calculation gave no finite number; check the inputs":
        "beregningen gav ikke et endeligt tal; kontrollér de celler, der indgår",
    "one value": "én værdi",
    "internal: the core returned a range for single cells":
        "intern fejl: kernen gav et område for enkelte celler",
    "internal: result and input lengths differ": "intern fejl: resultat og input har forskellig længde",
    "a single year for a parameter with a list value": "ét år for en parameter med en listeværdi",
    "fix the cell the error comes from": "ret den celle, fejlen kommer fra",
    "blank cells are not read as 0": "tomme celler læses ikke som 0",
    # the command line's file refusals (xlmodel.engine.package, xlmodel.commands.refresh)
    "an .xlsx or .xlsm file": "en .xlsx- eller .xlsm-fil",
    "an .xlsx or .xlsm file (a zip package)": "en .xlsx- eller .xlsm-fil (en zip-pakke)",
    "a readable .xlsx or .xlsm workbook": "en læsbar .xlsx- eller .xlsm-projektmappe",
    # opening a workbook file (xlmodel.engine.package, xlmodel.validate.lint's loader, issue 15)
    "a spreadsheet package": "en regnearkspakke (.xlsx eller .xlsm)",
    "no workbook part (is it a Word or PowerPoint file?)":
        "ingen projektmappedel (er det en Word- eller PowerPoint-fil?)",
    "no [Content_Types].xml: not an Office package": "ingen [Content_Types].xml: ikke en Office-pakke",
    "an existing .xlsx or .xlsm file": "en eksisterende .xlsx- eller .xlsm-fil",
    "an Office package": "en Office-pakke",
    "no _rels/.rels": "ingen _rels/.rels",
    "a workbook part that declares the relationships namespace":
        "en projektmappedel, der erklærer relationernes navnerum",
    "a well-formed Office package": "en velformet Office-pakke",
    "Strict Open XML is not read; save it as an Excel Workbook (.xlsx)":
        "Strict Open XML læses ikke; gem den som Excel-projektmappe (.xlsx)",
    "an A1 cell address such as 'B7'": "en A1-celleadresse som 'B7'",
    "an A1 cell address": "en A1-celleadresse",
    "a workbook whose parts are smaller than 2 GB": "en projektmappe, hvis dele er mindre end 2 GB",
    "an .xlsx file without a DTD": "en .xlsx-fil uden DTD",
    "XML DOCTYPE/ENTITY refused": "XML med DOCTYPE/ENTITY afvises",
    "an .xlsx or .xlsm workbook (Office Open XML)": "en .xlsx- eller .xlsm-projektmappe (Office Open XML)",
    "not a zip package; old .xls files are not supported":
        "ikke en zip-pakke; gamle .xls-filer understøttes ikke",
    "an .xlsx or .xlsm workbook": "en .xlsx- eller .xlsm-projektmappe",
    "no workbook part": "ingen projektmappedel",
    "a well-formed .xlsx workbook": "en velformet .xlsx-projektmappe",
    "openpyxl using defusedxml: install defusedxml and unset OPENPYXL_DEFUSEDXML":
        "openpyxl med defusedxml: installér defusedxml, og fjern OPENPYXL_DEFUSEDXML",
    "'full' or 'zip'": "'full' eller 'zip'",
    "a number of megabytes, e.g. 16000": "et antal megabyte, fx 16000",
    # xlmodel's own parts of a workbook (xlmodel.excel.workbook_sheets, excel.layout, excel.macros)
    "a name xlmodel owns (it refers into xlmodel's Parametre table)":
        "et navn, som xlmodel ejer (det peger ind i xlmodels Parametre-tabel)",
    "a name xlmodel owns": "et navn, som xlmodel ejer",
    "the workbook defines it itself; rename that name, then run again":
        "projektmappen definerer det selv; omdøb navnet, og kør igen",
    "an empty cell where xlmodel's Parametre table grows":
        "en tom celle, hvor xlmodels Parametre-tabel vokser",
    "a workbook with fewer sheets of that name": "en projektmappe med færre ark med det navn",
    # the command line (xlmodel.commands, xlmodel.validate, xlmodel.forklar, issue 15)
    "1 or more": "1 eller flere",
    "0 or more findings": "0 eller flere fund",
    "1 or more processes": "1 eller flere processer",
    "a folder with .xlsx/.xlsm files": "en mappe med .xlsx-/.xlsm-filer",
    "no workbooks found": "ingen projektmapper fundet",
    "one or more .xlsx/.xlsm files or folders": "en eller flere .xlsx-/.xlsm-filer eller mapper",
    "an existing .xlsx/.xlsm file or a folder": "en eksisterende .xlsx-/.xlsm-fil eller en mappe",
    "not found": "findes ikke",
    "a Dask scheduler address, with dask.distributed installed":
        "adressen på en Dask-scheduler, med dask.distributed installeret",
    "pip install 'xlmodel[dask]'": "installér med pip install 'xlmodel[dask]'",
    "the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786":
        "adressen på en kørende Dask-scheduler, fx tcp://127.0.0.1:8786",
    "a check name such as 'recompute'": "navnet på en kontrol, fx 'recompute'",
    "'module:function' or a function": "'modul:funktion' eller en funktion",
    "the check's name, e.g. 'hardcoded_number'": "kontrollens navn, fx 'hardcoded_number'",
    'JSON of the form {"findings": [...]}': 'JSON på formen {"findings": [...]}',
    "a table name of the parameter set, e.g. 'tabel1'": "navnet på en tabel i parametersættet, fx 'tabel1'",
    "cells holding numbers (cached values)": "celler med tal (gemte værdier)",
    "a cell holding a number": "en celle med et tal",
    "a workbook the engine can read": "en projektmappe, som beregningsmotoren kan læse",
    "a cell the engine can trace": "en celle, som beregningsmotoren kan spore",
    "LibreOffice on PATH (Debian: apt-get install libreoffice-calc-nogui)":
        "LibreOffice på PATH (Debian: apt-get install libreoffice-calc-nogui)",
    "not installed": "ikke installeret",
    "an existing workbook file": "en eksisterende projektmappefil",
    "a file LibreOffice can open and save": "en fil, som LibreOffice kan åbne og gemme",
    "a worksheet part": "en regnearksdel",
    "well-formed cells (<c>…</c>)": "velformede celler (<c>…</c>)",
    "well-formed rows (<row>…</row>)": "velformede rækker (<row>…</row>)",
    "a worksheet with <sheetData>": "et regneark med <sheetData>",
    "a VBA project (MS-CFB)": "et VBA-projekt (MS-CFB)",
    "a VBA project (MS-OVBA)": "et VBA-projekt (MS-OVBA)",
    "at most 109 (a 7 MB VBA project)": "højst 109 (et VBA-projekt på 7 MB)",
    "MS-OVBA data starting with 0x01": "MS-OVBA-data, der begynder med 0x01",
    # xlmodel import (xlmodel.commands.importer) and the Statistikbanken reader (xlmodel.kommuner)
    "an existing CSV or XLSX file": "en eksisterende CSV- eller XLSX-fil",
    "an .xlsx with one header row and one row per municipality":
        "en .xlsx med én overskriftsrække og én række pr. kommune",
    "a CSV with one header row and one row per municipality":
        "en CSV med én overskriftsrække og én række pr. kommune",
    "a column 'kode' (or 'kommune') per row": "en kolonne 'kode' (eller 'kommune') i hver række",
    "a municipality name of kommuner.csv": "et kommunenavn fra kommuner.csv",
    "a municipality of kommuner.csv": "en kommune fra kommuner.csv",
    "a FOLK1A export by age (a column ALDER)": "et FOLK1A-udtræk efter alder (en kolonne ALDER)",
    "a number (no '..')": "et tal (ikke '..')",
    "an amount ≥ 0 in kr. per inhabitant": "et beløb ≥ 0 i kr. pr. indbygger",
    "no sheet carries the marker; build one with `xlmodel build`":
        "intet ark har mærket; byg et med `xlmodel build`",
    "municipality codes present in the Data sheet": "kommunekoder, der findes i arket Data",
    "value cells in the Data block": "værdiceller i Data-blokken",
    "a row for every municipality code": "en række for hver kommunekode",
    "an existing, readable CSV file exported from Statistikbanken":
        "en eksisterende, læsbar CSV-fil eksporteret fra Statistikbanken",
    "the file is empty": "filen er tom",
    "this is a zip/xlsx file; export the table as CSV instead":
        "det er en zip-/xlsx-fil; eksportér tabellen som CSV i stedet",
    "binary content (NUL bytes; or UTF-16), not a CSV text file":
        "binært indhold (NUL-byte eller UTF-16), ikke en CSV-tekstfil",
    "binary content, not readable as UTF-8 or Windows-1252 text":
        "binært indhold, kan ikke læses som UTF-8- eller Windows-1252-tekst",
    "binary content, not a text file": "binært indhold, ikke en tekstfil",
    "'fejl' (raise on '..') or 'drop'": "'fejl' (afvis ved '..') eller 'drop'",
    "no data rows below the header": "ingen datarækker under overskriften",
    "'PSKAT' with a SKATTYPE column, or 'FOLK1A'": "'PSKAT' med en kolonne SKATTYPE, eller 'FOLK1A'",
    "a single value (e.g. 'I alt'); select one in Statistikbanken":
        "én værdi (fx 'I alt'); vælg én i Statistikbanken",
    "several values would be mixed": "flere værdier ville blive blandet",
    "municipality names or 3-digit codes from xlmodel/data/kommuner.csv ('Hele landet', regions, "
    "landsdele and Christiansø are skipped)":
        "kommunenavne eller 3-cifrede koder fra xlmodel/data/kommuner.csv ('Hele landet', regioner, "
        "landsdele og Christiansø springes over)",
    "a period such as 2014, 2014K1 or 2014M01": "en periode som 2014, 2014K1 eller 2014M01",
    "a number in Danish form: 570000 or 570.000 (thousands), 23,8 (decimal comma)":
        "et tal på dansk form: 570000 eller 570.000 (tusinder), 23,8 (decimalkomma)",
    "a number in Danish form (569.557 or 23,80) or '..' for not available":
        "et tal på dansk form (569.557 eller 23,80) eller '..' for ikke oplyst",
    "a number below 1e15 (a count or a rate)": "et tal under 1e15 (et antal eller en sats)",
    "a whole number of persons ≥ 0": "et helt antal personer ≥ 0",
    "a rate between 0 and 100 (pct. or promille)": "en sats mellem 0 og 100 (pct. eller promille)",
    "a number; pass manglende='drop' to leave out rows Statistikbanken marks as not available":
        "et tal; angiv manglende='drop' for at udelade rækker, Statistikbanken markerer som ikke oplyst",
    "every value is missing": "alle værdier mangler",
    "at least one municipality value": "mindst én værdi for en kommune",
    "the same municipality appears more than once (name and code?)":
        "den samme kommune optræder mere end én gang (navn og kode?)",
    "a FOLK1A frame from importer_statistikbanken (columns kode, tid, vaerdi)":
        "en FOLK1A-tabel fra importer_statistikbanken (kolonnerne kode, tid, vaerdi)",
    "a FOLK1A (population) import": "en FOLK1A-import (befolkning)",
    # the core's input checks (xlmodel._inputs) and mechanisms
    "text, not a number": "tekst, ikke et tal",
    "empty": "tom",
    "missing or infinite": "mangler eller er uendelig",
    "not a whole number": "ikke et helt tal",
    "not a number": "ikke et tal",
    "one budget year": "ét budgetår",
    "weights ≥ 0 with a positive sum": "vægte ≥ 0 med en positiv sum",
    "a list of numbers": "en liste af tal",
    "each skalatrin once": "hvert skalatrin én gang",
    "an empty table": "en tom tabel",
    "at least one skalatrin with its pay": "mindst ét skalatrin med dets løn",
    "at least one municipality": "mindst én kommune",
    "no values": "ingen værdier",
    "one value per municipality (1-D)": "én værdi pr. kommune (én række eller kolonne)",
    "one value per municipality (1-D), or scenarios × municipalities (2-D, municipalities last)":
        "én værdi pr. kommune, eller scenarier × kommuner (kommunerne i sidste dimension)",
    "non-increasing survival probabilities": "ikke-stigende overlevelsessandsynligheder",
    "a percentage ≤ the legal maximum 7 pct.": "en procentsats ≤ lovens maksimum på 7 pct.",
    "file not found": "filen findes ikke",
    # trailing notes of a qualified noun
    "mio. kr.": "mio. kr.",
    "3 means 3 pct.": "3 betyder 3 pct.",
    "1 = the year of ibrugtagning": "1 = ibrugtagningsåret",
    # issue 11 (domain): years, schemes, overflow, labels
    "one whole year": "ét helt årstal",
    "the calculation overflows a float": "beregningen overskrider et kommatals største værdi",
    "smaller numbers (the result must stay below about 1.8e308)":
        "mindre tal (resultatet skal holde sig under ca. 1,8e308)",
    "values this large": "så store værdier",
    "duplicated labels": "gentagne etiketter",
    "one value per label (municipality)": "én værdi pr. etiket (kommune)",
    "xlmodel params lists all": "xlmodel params viser dem alle",
    # udligning (issue 12)
    "one number": "ét tal",
    "values too large to compute with": "værdier, der er for store at regne med",
    "amounts whose products and sums stay finite (below about 1e300)":
        "beløb, hvis produkter og summer forbliver endelige (under ca. 1e300)",
    "no inhabitants in the group": "ingen indbyggere i gruppen",
    "at least one municipality with inhabitants > 0 in the group":
        "mindst én kommune med indbyggere > 0 i gruppen",
    "TRUE/FALSE (or 1/0) per municipality": "SAND/FALSK (eller 1/0) pr. kommune",
    "one TRUE/FALSE per municipality": "én SAND/FALSK pr. kommune",
    # budget og overslagsår (issue 13)
    "a growth rate in pct. above -100, one or one per year":
        "en vækstrate i pct. over -100, én eller én pr. år",
    "one value (one municipality)": "én værdi (én kommune)",
    "one amount": "ét beløb",
    "several values": "flere værdier",
    "a table with headings and at least one row": "en tabel med overskrifter og mindst én række",
    "internal: the core returned no table": "intern fejl: kernen gav ingen tabel",
    "a guaranteed base above 0": "et garanteret grundlag over 0",
}

#: argument names that are English words (a file, a sheet …), as a finance officer reads them
ARGUMENTS = {"workbook": "projektmappe", "worksheet": "regneark", "path": "fil", "file": "fil",
             "sheet": "ark", "cell": "celle",
             "name": "navn", "table": "tabel", "text": "tekst", "check": "kontrol", "checks": "kontroller",
             "severity": "alvorlighed", "findings": "fund", "parts": "delene", "total": "totalen",
             "target": "mål", "workers": "processer"}
_COLUMN = re.compile(r"(.+): column (.+)")
#: arguments whose value is a file name: shown as it is (quoted), not as "the text …"
FILE_ARGUMENTS = frozenset({"workbook", "path", "file", "model", "FILE", "IN", "IN.xlsx", "--into"})


def argument_text(argument: str) -> str:
    """An argument's name as the message shows it: identifiers stay, English nouns are Danish.

    >>> argument_text("beloeb"), argument_text("workbook"), argument_text("defined name P_x")
    ('beloeb', 'projektmappe', 'det definerede navn P_x')
    """
    if argument in ARGUMENTS:
        return ARGUMENTS[argument]
    if argument.startswith("defined name "):
        return "det definerede navn " + argument[len("defined name "):]
    m = _COLUMN.fullmatch(argument)
    return f"{m[1]}: kolonnen {m[2]}" if m else argument


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, render: Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern + r"\Z", re.S), render


def _noun(text: str) -> str:
    return NOUNS[text]


_NOUN = "(" + "|".join(sorted(map(re.escape, NOUNS), key=len, reverse=True)) + ")"

#: ordered rules: the first whose pattern matches the whole fragment renders it
RULES: list[Rule] = [
    # "<phrase> (<note>)": translate both; the note alone may be a phrase or a rule
    _rule(r"(.+) \(([^()]+)\)", lambda m: f"{_tr(m[1])} ({_tr(m[2])})" if _known(m[1]) and _known(m[2])
          else _UNKNOWN),
    _rule(r"e\.g\. (.+)", lambda m: f"fx {_tr(m[1])}"),
    _rule(r"(.+), with a positive sum", lambda m: f"{_tr(m[1])}, med en positiv sum"),
    _rule(_NOUN, lambda m: _noun(m[1])),
    _rule(_NOUN + rf" ≥ ({_NUMBER})", lambda m: f"{_noun(m[1])} ≥ {_num(m[2])}"),
    _rule(_NOUN + rf" ≤ ({_NUMBER})", lambda m: f"{_noun(m[1])} ≤ {_num(m[2])}"),
    _rule(_NOUN + rf" from ({_NUMBER}) to ({_NUMBER})",
          lambda m: f"{_noun(m[1])} fra {_num(m[2])} til {_num(m[3])}"),
    _rule(_NOUN + rf" from ({_NUMBER}) to (\w+) \(({_NUMBER})\)",
          lambda m: f"{_noun(m[1])} fra {_num(m[2])} til {m[3]} ({_num(m[4])})"),
    _rule(_NOUN + rf" above ({_NUMBER})", lambda m: f"{_noun(m[1])} over {_num(m[2])}"),
    _rule(_NOUN + rf", above ({_NUMBER}) and below ({_NUMBER})",
          lambda m: f"{_noun(m[1])}, over {_num(m[2])} og under {_num(m[3])}"),
    _rule(_NOUN + r" in (\d{4})–(\d{4})", lambda m: f"{_noun(m[1])} i {m[2]}–{m[3]}"),
    _rule(_NOUN + r": (\d+)–(\d+)", lambda m: f"{_noun(m[1])}: {m[2]}–{m[3]}"),
    _rule(_NOUN + r": ([\d, ]+)", lambda m: f"{_noun(m[1])}: {m[2]}"),
    # values the adapter describes
    _rule(r"the Excel error (#\S+)", lambda m: f"Excel-fejlen {m[1]}"),
    _rule(r"text (.+)", lambda m: f"teksten {m[1]}"),
    _rule(rf"(?:int|float|int\d+|float\d+|uint\d+) ({_NUMBER}|nan|inf|-inf)", lambda m: _num(m[1])),
    _rule(r"a (\d+)×(\d+) range", lambda m: f"et {m[1]}×{m[2]}-område"),
    _rule(r"a (\d+)-dimensional array", lambda m: f"en {m[1]}-dimensionel matrix"),
    _rule(r"(\d+) arguments", lambda m: f"{m[1]} argumenter"),
    _rule(r"at most (\d+): (.+)", lambda m: f"højst {m[1]}: {m[2]}"),
    _rule(r"at most (\d+) \(the length of (\w+)\)", lambda m: f"højst {m[1]} (længden af {m[2]})"),
    _rule(r"row (\d+) of the range", lambda m: f"række {m[1]} i området"),
    _rule(r"column (\d+) of the range", lambda m: f"kolonne {m[1]} i området"),
    _rule(r"row (\d+), column (\d+) of the range", lambda m: f"række {m[1]}, kolonne {m[2]} i området"),
    _rule(r"a single cell or a range of the same shape as (\w+) \((\d+×\d+)\)",
          lambda m: f"én celle eller et område af samme form som {m[1]} ({m[2]})"),
    _rule(r"a catalogue function: (.+)", lambda m: f"en funktion i kataloget: {m[1]}"),
    # the core's shapes and counts
    _rule(r"(\d+) values", lambda m: f"{m[1]} værdier"),
    _rule(r"(\d+) rows of 2", lambda m: f"{m[1]} rækker med 2"),
    _rule(r"(\d+) scenarios \(rows\)", lambda m: f"{m[1]} scenarier (rækker)"),
    _rule(r"shape (\(.*\))", lambda m: f"formen {m[1]}"),
    _rule(r"(\d+)-D input, shape (\(.*\))", lambda m: f"{m[1]}-dimensionelt input med formen {m[2]}"),
    _rule(r"the same number of values as (\w+) \((\d+)\)",
          lambda m: f"lige så mange værdier som {m[1]} ({m[2]})"),
    _rule(r"the same number of scenarios as (\w+) \((\d+)\)",
          lambda m: f"lige så mange scenarier som {m[1]} ({m[2]})"),
    _rule(r"one value, or values of the same shape as (\S+) (\(.*\))",
          lambda m: f"én værdi, eller værdier af samme form som {m[1]} {m[2]}"),
    _rule(r"(\d+) values \(one per municipality\)", lambda m: f"{m[1]} værdier (én pr. kommune)"),
    # parameter sets
    _rule(r"no (\w+) PL rate for every step in parameter set (\S+)",
          lambda m: f"parametersæt {m[2]} har ikke en {m[1]}-PL-sats for hvert år"),
    _rule(r"outside parameter set (\S+)", lambda m: f"uden for parametersæt {m[1]}"),
    _rule(r"parameter set (\S+)", lambda m: f"parametersæt {m[1]}"),
    _rule(r"(\S+) has no budget year", lambda m: f"{m[1]} har intet budgetår"),
    _rule(r"a year for which (\S+) has a value: (.+)", lambda m: f"et år, hvor {m[1]} har en værdi: {m[2]}"),
    _rule(r"(\d{4}) or later for (\S+)", lambda m: f"{m[1]} eller senere for {m[2]}"),
    _rule(r"a parameter of (\S+), e\.g\. (.+) \(xlmodel params lists all\)",
          lambda m: f"en parameter i {m[1]}, fx {m[2]} (xlmodel params viser dem alle)"),
    _rule(r"one band end per accrual rate \((\d+)\)", lambda m: f"én båndgrænse pr. optjeningssats ({m[1]})"),
    _rule(r"S\((\d+)\) is larger than S\((\d+)\)", lambda m: f"S({m[1]}) er større end S({m[2]})"),
    _rule(r"missing column '([^']+)'", lambda m: f"kolonnen '{m[1]}' mangler"),
    _rule(r"(\d+) = the year of the increase; from (\d+) all collective",
          lambda m: f"{m[1]} = stigningsåret; fra {m[2]} er alt kollektivt"),
    _rule(r"the start year of a scheme of (\S+): ([\d, ]+)",
          lambda m: f"startåret for en ordning under {m[1]}: {m[2]}"),
    _rule(r"a year in which a scheme of (\S+) runs \(started: ([\d, ]+)\)",
          lambda m: f"et år, hvor en ordning under {m[1]} løber (startet: {m[2]})"),
    _rule(r"(\d{4}) or later \(the scheme of (\S+) started in (\d{4})\)",
          lambda m: f"{m[1]} eller senere (ordningen under {m[2]} startede i {m[3]})"),
    _rule(r"a finite number in ([\[(].*[\])])", lambda m: f"et endeligt tal i {m[1]}"),
    _rule(r"the same labels as (\w+) \(paired by label\)",
          lambda m: f"de samme etiketter som {m[1]} (parres efter etiket)"),
    # opening and building workbooks (issue 15)
    _rule(r"not a workbook: (.+)", lambda m: f"ikke en projektmappe: {m[1]}"),
    _rule(r"(\S+) would inflate to (\d+) bytes", lambda m: f"{m[1]} ville fylde {_num(m[2])} byte udpakket"),
    _rule(r"a model without error cells under parameter set (\S+)",
          lambda m: f"en model uden fejlceller under parametersæt {m[1]}"),
    _rule(r"(\d+) error cells, first (.+)", lambda m: f"{m[1]} fejlceller, den første {m[2]}"),
    _rule(r"parameter set (\S+) needs (\d+) rows from (\S+); move that cell, then run again",
          lambda m: f"parametersæt {m[1]} skal bruge {m[2]} rækker fra {m[3]}; flyt cellen, og kør igen"),
    # the command line and the Statistikbanken reader (issue 15)
    _rule(r"at least one of (.+)", lambda m: f"mindst én af {m[1]}"),
    _rule(r"a workbook with xlmodel's Data sheet \(A3 = '(.*)'\)",
          lambda m: f"en projektmappe med xlmodels ark Data (A3 = '{m[1]}')"),
    _rule(r"(.+) not found", lambda m: f"{m[1]} findes ikke"),
    _rule(r"(\S+) target cells hold formulas; they are left as they are",
          lambda m: f"{m[1]} målceller indeholder formler; de bliver stående"),
    _rule(r"(\S+) fields like the header", lambda m: f"{m[1]} felter som overskriften"),
    _rule(r"a unit amount for every age group in the export: (.+)",
          lambda m: f"et enhedsbeløb for hver aldersgruppe i udtrækket: {m[1]}"),
    _rule(r"a recalculation within (\S+) s", lambda m: f"en genberegning inden for {m[1]} s"),
    _rule(r"(\S+) rows, datakilde 'illustrativ'", lambda m: f"{m[1]} rækker, datakilde 'illustrativ'"),
    _rule(r"(\S+) rows with unique codes and names", lambda m: f"{m[1]} rækker med entydige koder og navne"),
    _rule(r"(.+), in UTF-8 or Windows-1252", lambda m: f"{m[1]}, i UTF-8 eller Windows-1252"),
    _rule(r"line (\S+) has (\S+) fields, the header (\S+)",
          lambda m: f"linje {m[1]} har {m[2]} felter, overskriften {m[3]}"),
    _rule(r"columns after the first period must all be periods: (.+)",
          lambda m: f"kolonnerne efter den første periode skal alle være perioder: {m[1]}"),
    _rule(r"header (.+) lacks TID and INDHOLD", lambda m: f"overskriften {m[1]} mangler TID og INDHOLD"),
    _rule(r"no OMRÅDE column in header (.+)", lambda m: f"ingen kolonne OMRÅDE i overskriften {m[1]}"),
    _rule(r"(.+): the title mentions tax but there is no SKATTYPE column",
          lambda m: f"{m[1]}: titlen nævner skat, men der er ingen kolonne SKATTYPE"),
    _rule(r"the table in the file \((.+)\)", lambda m: f"tabellen i filen ({m[1]})"),
    _rule(r"(.+): (.+) needs (.+); header is (.+)",
          lambda m: f"{m[1]}: {m[2]} kræver {m[3]}; overskriften er {m[4]}"),
    _rule(r"(\S+) unknown area name\(s\)", lambda m: f"{m[1]} ukendte områdenavne"),
    _rule(r"no municipality rows \(only (.+)\)", lambda m: f"ingen kommunerækker (kun {m[1]})"),
    _rule(r"(.+); a comma before three digits may be English thousands or a Danish decimal",
          lambda m: f"{m[1]}; et komma foran tre cifre kan være engelske tusinder eller et dansk decimaltal"),
    _rule(r"one of the periods in the data: (.+)", lambda m: f"en af perioderne i data: {m[1]}"),
    _rule(r"a DataFrame with the columns (.+)", lambda m: f"en DataFrame med kolonnerne {m[1]}"),
    # the Parametre table (xlmodel.excel.layout.parse_rows)
    _rule(r"the header ([\w, ]+)", lambda m: f"overskriften {m[1]}"),
    # udligning (issue 12)
    _rule(r"the column (\w+) overflowed", lambda m: f"kolonnen {m[1]} løb over"),
    _rule(r"the same number of municipalities as (\w+) \((\d+)\)",
          lambda m: f"lige så mange kommuner som {m[1]} ({m[2]})"),
    # budget og overslagsår (issue 13)
    _rule(r"a budget year whose overslagsår have a rate (\S+) \(KL's skøn; set it in the parameter set\)",
          lambda m: f"et budgetår, hvis overslagsår har en sats {m[1]} "
                    "(KL's skøn; angiv den i parametersættet)"),
    _rule(r"no (\S+) for (\d{4}) in (\S+)", lambda m: f"ingen {m[1]} for {m[2]} i {m[3]}"),
    # a list of options ("service, samlet, anlaeg", "0, 1, 2, 3") needs no translation
    _rule(r"[\w.\-]+(?:, [\w.\-]+)+", lambda m: m[0]),
]

#: descriptions the core gives as the value (a user's own text is shown quoted, never translated)
VALUE_RULES: list[Rule] = [
    _rule(r"(\d+) values", lambda m: f"{m[1]} værdier"),
    _rule(r"(\d+) scenarios \(rows\)", lambda m: f"{m[1]} scenarier (rækker)"),
    _rule(r"shape (\(.*\))", lambda m: f"formen {m[1]}"),
    _rule(r"(\d+)-D input, shape (\(.*\))", lambda m: f"{m[1]}-dimensionelt input med formen {m[2]}"),
    _rule(r"columns (\[.*\])", lambda m: f"kolonnerne {m[1]}"),
    _rule(r"no values", lambda m: "ingen værdier"),
    _rule(r"a range", lambda m: "et område"),
    _rule(r"an empty table", lambda m: "en tom tabel"),
    _rule(r"required after optional", lambda m: "påkrævet efter valgfri"),
    _rule(r"(\d+) municipalities", lambda m: f"{m[1]} kommuner"),  # udligning (issue 12)
    _rule(r"a cell of the workbook's own", lambda m: "en af projektmappens egne celler"),
    _rule(r"not an OLE compound file", lambda m: "ikke en OLE-sammensat fil"),
    _rule(r"no VBA/dir or PROJECT stream", lambda m: "ingen VBA/dir- eller PROJECT-strøm"),
    _rule(r"a compressed container", lambda m: "en komprimeret container"),
    _rule(r"values too large to compute with", lambda m: "værdier, der er for store at regne med"),
]

_UNKNOWN = "\0"  # a rule's result meaning "this rule does not know the phrase after all"


def _tr(text: str) -> str:
    """A fragment in Danish, or ``text`` unchanged if no rule knows it."""
    out = _translate(text)
    return text if out is None else out


def _known(text: str) -> bool:
    return _translate(text) is not None


def _translate(text: str) -> str | None:
    text = text.strip()
    if text in PHRASES:
        return PHRASES[text]
    if re.fullmatch(_NUMBER, text):
        return _num(text)
    for pattern, render in RULES:
        m = pattern.match(text)
        if m:
            out = render(m)
            if out != _UNKNOWN:
                return out
    return None


def _num(x: Any) -> str:
    """A number as the user typed it, in Danish notation (:func:`xlmodel.tekst.format_tal`:
    ``.`` between thousands, decimal comma), every digit kept; a whole year stays ``2014``.

    >>> _num(2014), _num(3.2), _num(1e15), _num(-12345.5), _num("0.4"), _num(float("nan"))
    ('2014', '3,2', '1.000.000.000.000.000', '-12.345,5', '0,4', 'NaN (ikke et tal)')
    >>> _num(2.0000001), _num(1e300)
    ('2,0000001', '1e+300')
    """
    from xlmodel.tekst import format_aar, format_tal

    f = float(x)
    if math.isnan(f):
        return "NaN (ikke et tal)"
    if math.isinf(f):
        return "uendelig" if f > 0 else "minus uendelig"
    if f.is_integer() and 1900 <= f <= 2100:  # a year (tekst.format_vaerdi's rule)
        return format_aar(f)
    text = repr(f)
    if "e" in text and not (f.is_integer() and abs(f) < 1e21):
        return text.replace(".", ",")
    decimals = 0 if f.is_integer() else len(text.partition(".")[2])
    return format_tal(f, decimals)


def value_text(value: Any, described: bool = False) -> str:
    """The offending value as a Danish cell message shows it.

    ``described``: the value is the adapter's description ("a blank cell", "text 'x'"),
    not the user's own text.

    >>> value_text(True), value_text(None), value_text([1, 2.5]), value_text("abc")
    ('SAND', 'ingen værdi', '[1; 2,5]', "teksten 'abc'")
    """
    if described and isinstance(value, str):
        return _tr(value)
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "SAND" if value else "FALSK"
    if value is None:
        return "ingen værdi"
    if isinstance(value, Real):  # int, float and numpy's scalars
        return _num(float(value))
    if isinstance(value, list | tuple):
        text = "[" + "; ".join(value_text(v) if not isinstance(v, str) else repr(v) for v in value) + "]"
        return text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, str):
        for pattern, render in VALUE_RULES:  # the core's own descriptions: "5 values", "shape (2, 3)"
            m = pattern.match(value)
            if m:
                return render(m)
        shown = repr(value)
        return "teksten " + (shown if len(shown) <= 80 else shown[:77] + "...")
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def message(exc: XlmodelError) -> str:
    """The Danish message for a refused call: argument, value, detail, what is allowed."""
    from xlmodel.excel.cells import CellInputError  # cells imports this module

    if getattr(exc, "dansk", None):  # an error written in Danish already (a broken Parametre table)
        return str(exc)
    if isinstance(exc, ParameterFileError):
        return f"{exc.file}: nøgle '{exc.key}': {_tr(str(exc.value))}; tilladt: {_tr(exc.allowed)}"
    if isinstance(exc.value, str) and (exc.argument in FILE_ARGUMENTS
                                       or str(exc.argument).startswith("defined name ")):
        shown = repr(exc.value)
    else:
        shown = value_text(exc.value, described=isinstance(exc, CellInputError))
    what = f"{argument_text(str(exc.argument))}: {shown}"
    if exc.detail:
        what += f" ({_tr(exc.detail)})"
    return f"{what} er ikke tilladt; tilladt: {_tr(str(exc.allowed))}"


def untranslated(exc: XlmodelError) -> list[str]:
    """The English fragments of ``exc`` no rule knows (empty: the message is all Danish)."""
    from xlmodel.excel.cells import CellInputError

    parts = [str(exc.allowed)] + ([exc.detail] if exc.detail else [])
    if isinstance(exc, CellInputError) and isinstance(exc.value, str):
        parts.append(exc.value)
    return [p for p in parts if not _known(p)]
