"""Text and date/time functions (xlmodel.engine.excel_dates, excel_text, excel_coerce) checked
against the values Excel cached in the real-workbook corpus (tests/corpus_real): formulas'
test.xlsx sheets DATE & TIME and TEXT and the text cells of EXTRA, pycel's date-time.xlsx,
text.xlsx and yearfrac.xlsx, xlcalculator's DATE.xlsx; and the rules themselves."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

import corpus_measure as measure  # tests/corpus_real/corpus_measure.py, loaded by conftest.py
import pytest

from xlmodel.engine import excel_coerce, excel_dates, excel_text
from xlmodel.engine import excel_coerce as xc

CORPUS = Path(__file__).parent / "corpus_real"

#: Cells of the family that still differ from Excel, with the reason (none left).
STILL_DIFFERENT: set[tuple[str, str]] = set()
_EXTRA_TEXT = re.compile(r"(?<![\w.])(?:_xlfn\.)?(?:TEXT|FIXED|REGEX\w+|TEXTAFTER|TEXTBEFORE|"
                         r"TEXTSPLIT)\(", re.I)


def _not_agreeing(result: Any, keep: Any) -> list[tuple[str, str, Any, Any, str]]:
    rows = [(s, a, xl, us, f) for s, a, xl, us, f in result.differing if keep(s, f)]
    rows += [(s, a, xl, why, f) for s, a, xl, f, why in result.kept_cells if keep(s, f)]
    return rows


@pytest.mark.slow
def test_date_and_time_sheet_agrees_with_excel(formulas_test: Any) -> None:
    """Every formula of DATE & TIME (DATE, DATEDIF, EDATE, ISOWEEKNUM, WEEKNUM, YEARFRAC…, in
    cells and lifted over arrays) is Excel's cached value; before excel_dates 42 were not."""
    assert formulas_test.status == "ok"
    assert _not_agreeing(formulas_test, lambda s, f: s == "DATE & TIME") == []


@pytest.mark.slow
def test_text_sheet_agrees_with_excel(formulas_test: Any) -> None:
    """Every formula of TEXT but the listed ones is Excel's value; before excel_text 101 were not."""
    rows = _not_agreeing(formulas_test, lambda s, f: s == "TEXT")
    assert {(s, a) for s, a, *_ in rows} <= STILL_DIFFERENT, rows


@pytest.mark.slow
def test_extra_text_cells_agree_with_excel(formulas_test: Any) -> None:
    """EXTRA's TEXT format edge cases (grouping by template position, an unterminated quote,
    an exponent without digits), FIXED, REGEX*, TEXTAFTER and TEXTSPLIT cells agree."""
    rows = _not_agreeing(formulas_test, lambda s, f: s == "EXTRA" and _EXTRA_TEXT.search(f))
    assert rows == []


@pytest.mark.parametrize("name", ["pycel__date-time.xlsx", "pycel__yearfrac.xlsx",
                                  "xlcalculator__DATE.xlsx"])
def test_date_files_agree_with_excel(name: str) -> None:
    result = measure.measure_file(CORPUS / "files" / name)
    assert result.status == "ok"
    assert not result.differing and not result.kept_cells, (result.differing, result.kept_cells)


def test_pycel_text_functions_agree_with_excel() -> None:
    """pycel's text.xlsx: LEFT/RIGHT of TRUE are "TR"/"UE", VALUE of an empty cell is 0, TEXT's
    text section is the last one with "@" (``TEXT(0,"w;x;z@")`` is "w")."""
    result = measure.measure_file(CORPUS / "files" / "pycel__text.xlsx")
    assert result.status == "ok"
    assert not result.differing and not result.kept_cells, (result.differing, result.kept_cells)


# ----------------------------------------------------------------------- the rules ----
@pytest.mark.parametrize("module", [excel_dates, excel_text, excel_coerce])
def test_doctests(module: Any) -> None:
    """The worked examples in the docstrings (each an Excel value from the corpus or the help)."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10


def _kind(fn: Any, *args: Any) -> str | None:
    return xc.error_kind(lambda: fn(*args))


def test_excel_1900_calendar() -> None:
    """Serial 60 is Excel's 29 Feb 1900; weekdays follow Excel's serials (1 Jan 1900 a Sunday)."""
    assert excel_dates.ymd(60) == (1900, 2, 29)
    assert excel_dates.date(1900, 2, 29) == 60.0
    assert excel_dates.weekday(1) == 1.0 and excel_dates.weekday(61) == 5.0   # Sun; Thu 1 Mar
    assert excel_dates.isoweeknum(1) == 52.0          # a Sunday: the last ISO week of 1899
    assert excel_dates.datedif(8, 1987, "YD") == 153.0
    assert excel_dates.eomonth(0, 0) == 31.0 and excel_dates.edate(31, 1) == 60.0


def test_toolpak_functions_reject_logicals_and_arrays() -> None:
    assert _kind(excel_dates.edate, True, 0) == "Value"
    assert _kind(excel_dates.weeknum, True, 1) == "Value"
    assert _kind(excel_dates.yearfrac, 1, 2, True) == "Value"
    assert excel_dates.day(True) == 1.0 and excel_dates.isoweeknum(True) == 52.0
    wrapped = excel_dates._bind(excel_dates.edate, False, lifted=False)
    assert wrapped([[1.0, 2.0]], 1) == xc.error("Value")


def test_date_ranges() -> None:
    """#NUM! before serial 0, after 31 Dec 9999, for a year past 9999 or below 0."""
    for call in ((excel_dates.day, -1), (excel_dates.day, 2958466), (excel_dates.hour, -1),
                 (excel_dates.date, 10000, 1, 1), (excel_dates.date, -1, 1, 1),
                 (excel_dates.date, 1900, 1, -1), (excel_dates.edate, -1, 1),
                 (excel_dates.yearfrac, 2958466, 200, 0)):
        assert _kind(*call) == "Num", call


def test_date_time_text() -> None:
    """Text read as a number: day-first dates, AM/PM times, a date with a time."""
    assert xc.number("1/1/1987 05:00 AM") == pytest.approx(31778 + 5 / 24)
    assert xc.number("12:59:59 AM") == pytest.approx((59 * 60 + 59) / 86400)
    assert excel_dates.timevalue("1/1/1987 05:00 AM") == 0.20833333333212067
    assert _kind(excel_dates.datevalue, 31778.0) == "Value"


def test_text_coercion_and_counts() -> None:
    assert excel_text.left(True, 3) == "TRU" and excel_text.rept(True, 2) == "TRUETRUE"
    assert [excel_text.right("ciao", n) for n in (0, 2, 4, 5, 7, 100)] == \
        ["", "ao", "ciao", "ciao", "ciao", "ciao"]
    assert excel_text.replace("ciao", 10, 2, "x") == "ciaox"          # past the end: appended
    assert _kind(excel_text.left, "ciao", "ciao") == "Value"
    assert _kind(excel_text.search, "a", "a", None) == "Value"   # an empty start cell is 0
    assert excel_text.search("a", "a") == 1.0                     # a left-out one is 1
    assert excel_text.fixed(2.5, None) == "3"                     # an empty decimals cell is 0
    assert excel_text.textafter("1,2,3,4,5,6,7,8", [["3", "4", "5"]], -1) == ",6,7,8"
    assert excel_text.textbefore("1,2,3,4,5,6,7,8", [["3", "4"]], 2) == "1,2,3,"
    assert excel_text.textafter("cc", [[9.0]], 1, 1, 1) == ""
    assert _kind(excel_text.textafter, "cc", [[9.0]], 1, 1, 0) == "Na"


@pytest.mark.slow
def test_substitute_in_core_agrees_with_excel(formulas_test: Any) -> None:
    """CORE's SUBSTITUTE array: an instance TRUE is #VALUE! (formualizer: counts it as 1)."""
    assert _not_agreeing(formulas_test, lambda s, f: "SUBSTITUTE(" in f) == []


def test_omitted_arguments_rewritten_on_the_engine_copy() -> None:
    rw = excel_dates._mark_omitted
    assert rw('_xlfn.TEXTSPLIT(A1,,";")') == '_xlfn.TEXTSPLIT(A1,"",";")'
    assert rw('_xlfn.TEXTAFTER(A1,",",,1)') == '_xlfn.TEXTAFTER(A1,",","",1)'
    assert rw('LEFT(A1,,2)') == 'LEFT(A1,,2)'
    assert excel_text.textsplit("a;b", "", ";") == [["a"], ["b"]]


def test_overrides_are_budgeted() -> None:
    """DATE, LEFT… are overridden only while the workbook's calls stay in the budget."""
    over = excel_dates.CALL_BUDGET + 1
    assert excel_dates.chosen(["DATE", "HOUR", "LEFT"], {"DATE": over, "HOUR": 1, "LEFT": 2}) \
        == ["HOUR", "LEFT"]
    assert excel_dates.chosen(["DATE"], {}) == []


def test_registration_follows_the_formulas() -> None:
    """A workbook calling none of the functions gets no override; one calling LEFT gets LEFT."""
    class Cell:
        f_type, ref = None, None

        def __init__(self, text: str) -> None:
            self.text = text

    class Book:
        def __init__(self) -> None:
            self.names: list[str] = []

        def list_functions(self) -> list[dict[str, Any]]:
            return []

        def register_function(self, name: str, *args: Any, **kwargs: Any) -> None:
            self.names.append(name)

    plain, calling = Book(), Book()
    excel_dates.register(plain, {"S": [Cell("A1*1.013"), Cell("SUM(A1:A9)")]})
    excel_dates.register(calling, {"S": [Cell("A1*2"), Cell('LEFT(A1,2)&"x"')]})
    assert plain.names == [] and calling.names == ["LEFT", "_xlfn.LEFT"]


def test_date_text_without_year_or_with_a_month_name() -> None:
    """"26/08" is 26 August this year (COUNT counts it: STATISTICAL!R21 is 8), month names in
    English and Danish; "1.25" stays a number, not a date."""
    import datetime as dt

    this_year = xc.date_serial(dt.date.today().year, 8, 26)
    assert xc.number("26/08") == this_year
    assert xc.number("26-aug-1987") == xc.number("26 august 1987") == 32015.0
    assert xc.number("1. maj 2014") is not None and xc.number("okt 1, 2014") == 41913.0
    assert xc.number("1.25") == 1.25
    assert _kind(excel_dates.timevalue, "1.25") == "Value"
