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

    if isinstance(exc, ParameterFileError):
        return f"{exc.file}: nøgle '{exc.key}': {_tr(str(exc.value))}; tilladt: {_tr(exc.allowed)}"
    what = f"{exc.argument}: {value_text(exc.value, described=isinstance(exc, CellInputError))}"
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
