"""The cell messages a finance officer reads are Danish (issue 15 §1): every refusal the Excel
face shows is rendered from the error's fields, names the argument, the value and what is
allowed, and no English phrase is left in it."""

from __future__ import annotations

import math
import re
import warnings

import pytest
from test_cells import CASES

from xlmodel.errors import ParameterFileError, XlmodelError
from xlmodel.excel import catalogue, danish
from xlmodel.excel.cells import CellInputError, call, xlwings_call

FIRST_CASE: dict[str, tuple] = {}
for _name, _args, _ in CASES:
    FIRST_CASE.setdefault(_name, tuple(_args))

#: one of each kind of bad input a cell can hold (the fuzz test draws from the same families)
JUNK = ["abc", "", None, True, "#N/A", math.nan, math.inf, -1.0, 0.0, 1e15, -1e300, 1800.0, 2200.0,
        2.5, -150.0, 37.5, 100.0, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0]], [[1.0], [2.0]],
        [["x"], [2.0]], [[None], [1.0]], "xx"]
#: English words that must not survive in a Danish message (argument names are identifiers)
ENGLISH = re.compile(r"\b(allowed|number|blank|range|cell|the|whole|year|text|finite|shape|values|"
                     r"column|row|of|with|from|to|above|below|or|and|an?)\b")


def _refusals() -> list[tuple[str, XlmodelError]]:
    out = []
    for name, args in FIRST_CASE.items():
        fn = catalogue.get(name)
        for pos in range(len(fn.args)):
            for junk in JUNK:
                a = list(args) + [None] * (len(fn.args) - len(args))
                a[pos] = junk
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on purpose (1e300)
                        call(name, *a)
                except XlmodelError as exc:
                    out.append((name, exc))
    return out


@pytest.fixture(scope="module")
def refusals() -> list[tuple[str, XlmodelError]]:
    got = _refusals()
    assert len(got) > 500  # the sweep reaches every function's checks, not a handful
    return got


def test_every_refusal_in_the_sweep_is_all_danish(refusals) -> None:
    left = {(name, p) for name, exc in refusals for p in danish.untranslated(exc)}
    assert not left, f"English phrases without a Danish rule in xlmodel/excel/danish.py: {sorted(left)}"
    for _name, exc in refusals:
        text = danish.message(exc)
        body = re.sub(r"'[^']*'", "", text.split(":", 1)[1])  # the user's own text is theirs
        assert not ENGLISH.findall(body), text


def test_every_refusal_names_the_argument_the_value_and_what_is_allowed(refusals) -> None:
    for _name, exc in refusals:
        text = danish.message(exc)
        assert text.startswith(f"{exc.argument}: ") and " er ikke tilladt" in text, text
        assert "; tilladt: " in text and text.split("; tilladt: ", 1)[1], text
        assert danish.value_text(exc.value, isinstance(exc, CellInputError)) in text, text


@pytest.mark.parametrize(("exc", "want"), [
    (CellInputError("beloeb", "a blank cell", "a number (blank cells are not read as 0)",
                    "row 2 of the range"),
     "beloeb: en tom celle (række 2 i området) er ikke tilladt; "
     "tilladt: et tal (tomme celler læses ikke som 0)"),
    (CellInputError("til_aar", "the Excel error #N/A",
                    "a whole year, e.g. 2014 (fix the cell the error comes from)"),
     "til_aar: Excel-fejlen #N/A er ikke tilladt; "
     "tilladt: et helt årstal, fx 2014 (ret den celle, fejlen kommer fra)"),
    (CellInputError("ramme", "a 3×1 range", "a single cell or a range of the same shape as budget (1×2)"),
     "ramme: et 3×1-område er ikke tilladt; "
     "tilladt: én celle eller et område af samme form som budget (1×2)"),
    (XlmodelError("fra_aar", 1999, "a year in 2013–2014",
                  detail="no service PL rate for every step in parameter set aftale-2014"),
     "fra_aar: 1999 (parametersæt aftale-2014 har ikke en service-PL-sats for hvert år) er ikke tilladt; "
     "tilladt: et år i 2013–2014"),
    (XlmodelError("kollektiv_andel", 1.25, "a share from 0 to 1 (e.g. 0.4)"),
     "kollektiv_andel: 1,25 er ikke tilladt; tilladt: en andel fra 0 til 1 (fx 0,4)"),
    (XlmodelError("udskrivningsprocent", 100.0, "a tax rate in percent, above 0 and below 100"),
     "udskrivningsprocent: 100 er ikke tilladt; tilladt: en skatteprocent, over 0 og under 100"),
    (XlmodelError("grundlag", 12345678.5, "a finite number ≥ 0"),
     "grundlag: 12.345.678,5 er ikke tilladt; tilladt: et endeligt tal ≥ 0"),
    (XlmodelError("serie", "xx", "service, samlet, anlaeg, sats, regional"),
     "serie: teksten 'xx' er ikke tilladt; tilladt: service, samlet, anlaeg, sats, regional"),
    (XlmodelError("undtaget", [True, False], "TRUE or FALSE (or 1/0)"),
     "undtaget: [SAND; FALSK] er ikke tilladt; tilladt: SAND eller FALSK (eller 1/0)"),
    (XlmodelError("indbyggere", "5 values", "the same number of values as regnskab (98)"),
     "indbyggere: 5 værdier er ikke tilladt; tilladt: lige så mange værdier som regnskab (98)"),
])
def test_worked_examples(exc: XlmodelError, want: str) -> None:
    assert danish.message(exc) == want


def test_a_users_own_text_is_quoted_not_translated() -> None:
    # "empty" is a phrase the rules know, but here it is what the user typed
    assert danish.message(XlmodelError("beloeb", "empty", "a finite number", detail="text, not a number")) \
        == "beloeb: teksten 'empty' (tekst, ikke et tal) er ikke tilladt; tilladt: et endeligt tal"


def test_an_unknown_phrase_is_kept_and_reported() -> None:
    exc = XlmodelError("x", 3.5, "a brand-new condition nobody translated")
    assert danish.message(exc) == "x: 3,5 er ikke tilladt; tilladt: a brand-new condition nobody translated"
    assert danish.untranslated(exc) == ["a brand-new condition nobody translated"]


def test_parameter_file_errors_keep_file_and_key() -> None:
    exc = ParameterFileError("aftale-2014.toml", "pl.service", "empty", "a number")
    assert danish.message(exc) == "aftale-2014.toml: nøgle 'pl.service': tom; tilladt: et tal"


def test_the_excel_face_shows_the_danish_message_and_python_keeps_english() -> None:
    text = xlwings_call("PL_REGULER", [[None]], [[2013]], [[2014]])
    assert text == ("#VALUE! beloeb: en tom celle er ikke tilladt; "
                    "tilladt: et tal (tomme celler læses ikke som 0)")
    with pytest.raises(CellInputError, match="is not allowed"):
        call("PL_REGULER", [[None]], 2013, 2014)
