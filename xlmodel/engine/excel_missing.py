"""Excel functions formualizer 0.13 does not have: BAHTTEXT, PERCENTOF.

Both are registered under their plain and ``_xlfn.`` names (:func:`register`); neither is a
formualizer built-in, so the registration overrides nothing and plain formulas keep their
native evaluation.  Checked against Excel's cached values in the real-workbook corpus
(tests/test_corpus_arrays.py: formulas' test.xlsx, sheets TEXT and MATH & TRIG).
"""

from __future__ import annotations

import math
from typing import Any

_DIGITS = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_ZERO, _TEN, _TWENTY, _ELEVEN_ONE = "ศูนย์", "สิบ", "ยี่", "เอ็ด"
_POWERS = ((100000, "แสน"), (10000, "หมื่น"), (1000, "พัน"), (100, "ร้อย"))
_MILLION, _BAHT, _EXACT, _SATANG, _MINUS = "ล้าน", "บาท", "ถ้วน", "สตางค์", "ลบ"


def _block(n: int) -> str:
    """Thai words of 1 ≤ n < 1,000,000 (a block between "million"s)."""
    out = []
    for power, word in _POWERS:
        if n >= power:
            out.append(_DIGITS[n // power] + word)
            n %= power
    tens, ones = divmod(n, 10)
    if tens:
        out.append((_DIGITS[tens] if tens >= 3 else _TWENTY if tens == 2 else "") + _TEN)
    if ones:
        out.append(_ELEVEN_ONE if tens and ones == 1 else _DIGITS[ones])
    return "".join(out)


def bahttext(number: float) -> str:
    """BAHTTEXT(number): the amount in Thai words, "บาท" (baht) and "สตางค์" (satang).

    Microsoft's BAHTTEXT page: "Converts a number to Thai text and adds a suffix of 'Baht'."
    The spelling rules (the words of the tens "สิบ", 2 tens "ยี่สิบ", a final 1 after tens
    "เอ็ด", "ล้าน" between blocks of six digits, "ถ้วน" for no satang, "ลบ" before a negative
    amount, the amount rounded to satang) are the Thai number words; the composition follows
    LibreOffice's implementation of the same function (sc/source/core/tool/interpr2.cxx,
    ScBahtText) and agrees with Excel's cached values in the corpus.

    >>> bahttext(157), bahttext(65.8), bahttext(-1), bahttext(0)
    ('หนึ่งร้อยห้าสิบเจ็ดบาทถ้วน', 'หกสิบห้าบาทแปดสิบสตางค์', 'ลบหนึ่งบาทถ้วน', 'ศูนย์บาทถ้วน')
    >>> bahttext(21), bahttext(1_000_001), bahttext(0.5)
    ('ยี่สิบเอ็ดบาทถ้วน', 'หนึ่งล้านหนึ่งบาทถ้วน', 'ห้าสิบสตางค์')
    """
    minus = number < 0
    cents = math.floor(abs(number) * 100 + 0.5)
    baht, satang = divmod(cents, 100)
    text = ""
    if baht == 0:
        text = _ZERO if satang == 0 else ""
    while baht > 0:
        baht, block = divmod(baht, 1_000_000)
        text = (_MILLION if baht else "") + (_block(block) if block else "") + text
    if text:
        text += _BAHT
    text += _EXACT if satang == 0 else _block(satang) + _SATANG
    return (_MINUS if minus else "") + text


def percentof(subset: Any, data: Any) -> Any:
    """PERCENTOF(data_subset, data_all): SUM(data_subset) / SUM(data_all).

    Microsoft's PERCENTOF page: "Returns the percentage that a subset makes up of a given data
    set ... equivalent to SUM(data_subset)/SUM(data_all)".  As SUM over ranges, text and
    logical values in the ranges are left out (corpus: ``PERCENTOF(F49:H49,G49:J49)`` with text
    and TRUE in the data = 1.1).  An error value in either argument gives ``#NUM!`` in Excel's
    cached values (every such cell of the corpus, 10 of 10; not stated on Microsoft's page), a
    zero total ``#DIV/0!``.

    >>> percentof([[0, 2, 2.3]], [[2, 2.3, -0.2, -2]])
    2.047619047619048
    >>> percentof([[1, "x", True]], [[4, None]])
    0.25
    >>> percentof([[1]], [[{"type": "Error", "kind": "Na"}]])
    {'type': 'Error', 'kind': 'Num'}
    """
    sums = []
    for arg in (subset, data):
        rows = arg if isinstance(arg, list) else [[arg]]
        total = 0.0
        for row in rows:
            for v in row:
                if isinstance(v, dict) and v.get("type") == "Error":
                    return {"type": "Error", "kind": "Num"}
                if isinstance(v, int | float) and not isinstance(v, bool):
                    total += v
        sums.append(total)
    if sums[1] == 0:
        return {"type": "Error", "kind": "Div"}
    return sums[0] / sums[1]


def _bahttext_cell(value: Any) -> str:
    from xlmodel.engine.excel_functions import _number

    return bahttext(_number(value))


def register(wb: Any) -> None:
    """Register BAHTTEXT (lifted over ranges, as Excel lifts a one-value argument) and PERCENTOF."""
    from xlmodel.engine.excel_functions import _lifted
    from xlmodel.engine.excel_lifting import spellings

    baht = _lifted(_bahttext_cell)
    baht.__name__ = "BAHTTEXT"
    for name, fn, lo, hi in (("BAHTTEXT", baht, 1, 1), ("PERCENTOF", percentof, 2, 2)):
        for spelling in spellings(name):
            wb.register_function(spelling, fn, min_args=lo, max_args=hi)
