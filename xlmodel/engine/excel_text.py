"""Excel's text functions where formualizer's built-in differs from Excel.

CHAR and CODE use the character set of the operating system Excel runs on (Microsoft's CHAR
and CODE help pages: "Macintosh: Macintosh character set; Windows: ANSI"), so the same formula
gives ``CHAR(128)`` = "€" in Excel for Windows and "Ä" in Excel for Mac.  formualizer always
answers with Unicode code points (``CHAR(128)`` is U+0080 shown as "�").  The refresh computes
with the character set of the application that saved the workbook (docProps/app.xml names it:
"Microsoft Macintosh Excel"), so the values agree with what the user's Excel showed.

TEXT's number formats (:func:`text_format`), and the text functions :func:`registered` hands to
xlmodel.engine.excel_dates.register (LEFT, MID, FIND, SEARCH, SUBSTITUTE, FIXED, NUMBERVALUE,
TEXTBEFORE/TEXTAFTER, TEXTSPLIT, REGEX*, VALUETOTEXT, ARRAYTOTEXT…): each follows Microsoft's
help page and the values Excel cached in tests/corpus_real (formulas' test.xlsx sheet TEXT,
pycel's text.xlsx).  Excel reads a logical value as ``TRUE``/``FALSE`` text, an empty cell
given as a count as 0 (``SEARCH("a", "a", A1)`` with A1 empty is #VALUE!), a left-out one as
the default, and lifts each function over an array argument element by element.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from xlmodel.engine import excel_coerce as xc

#: Python's codec for each Excel platform's character set.
WINDOWS, MAC = "cp1252", "mac_roman"


def charset_of(app_xml: str) -> str:
    """The character set of the application named in docProps/app.xml.

    >>> charset_of("<Application>Microsoft Macintosh Excel</Application>"), charset_of("")
    ('mac_roman', 'cp1252')
    """
    m = re.search(r"<(?:\w+:)?Application>([^<]*)<", app_xml)
    return MAC if m and "macintosh" in m.group(1).lower() else WINDOWS


def _decode(n: int, charset: str) -> str:
    try:
        return bytes([n]).decode(charset)
    except UnicodeDecodeError:   # cp1252's five unassigned bytes: Windows maps them to C1 controls
        return chr(n)


def char(charset: str, err: Callable[[str], Exception],
         number: Callable[[Any], float]) -> Callable[[Any], str]:
    """CHAR(number) in ``charset``: 1–255 (truncated), else #VALUE!.

    >>> class E(Exception): pass
    >>> c = char(MAC, E, float)
    >>> c(128), c(65.9), char(WINDOWS, E, float)(128)
    ('Ä', 'A', '€')
    """

    def fn(value: Any) -> str:
        n = math.trunc(number(value))
        if not 1 <= n <= 255:
            raise err("Value")
        return _decode(n, charset)

    fn.__name__ = "CHAR"
    return fn


def code(charset: str, err: Callable[[str], Exception],
         text: Callable[[Any], str]) -> Callable[[Any], float]:
    """CODE(text) in ``charset``: the code of the first character; empty text is #VALUE!.

    >>> class E(Exception): pass
    >>> code(MAC, E, str)("Äx"), code(WINDOWS, E, str)("€"), code(WINDOWS, E, str)(chr(129))
    (128.0, 128.0, 129.0)
    """

    def fn(value: Any) -> float:
        s = text(value)
        if not s:
            raise err("Value")
        try:
            encoded = s[0].encode(charset)
        except UnicodeEncodeError:
            encoded = b"?" if ord(s[0]) > 255 else bytes([ord(s[0])])
        return float(encoded[0])

    fn.__name__ = "CODE"
    return fn


# ------------------------------------------------------------------------------------ TEXT ----
#: A format this module does not format itself (dates and times, fractions, General): the
#: caller falls back on formualizer's own TEXT.
class Unsupported(Exception):
    """The format needs formualizer's built-in TEXT."""


def _sections(fmt: str) -> list[str]:
    """A format split at its ``;`` (outside quotes, brackets and escapes)."""
    out, cur, i = [], "", 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            j = fmt.find('"', i + 1)
            j = len(fmt) if j < 0 else j
            cur += fmt[i:j + 1]
            i = j + 1
            continue
        if ch in "\\_*" and i + 1 < len(fmt):
            cur += fmt[i:i + 2]
            i += 2
            continue
        if ch == "[":
            j = fmt.find("]", i)
            j = len(fmt) if j < 0 else j
            cur += fmt[i:j + 1]
            i = j + 1
            continue
        if ch == ";":
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur)
    return out


_COND = re.compile(r"^\[(<=|>=|<>|<|>|=)\s*(-?[\d.]+)\]")


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: ``lit`` literal text, ``ph`` a digit placeholder, ``.``, ``,``,
    ``%``, ``E`` (an exponent with its sign), ``@``; brackets other than a currency are dropped."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            j = section.find('"', i + 1)
            if j < 0:
                raise ValueError(section)   # an unterminated quote: Excel's #VALUE!
            out.append(("lit", section[i + 1:j]))
            i = j + 1
        elif ch == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch == "_" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif ch == "*" and i + 1 < len(section):
            i += 2   # a fill character: no width to fill in a text result
        elif ch == "[":
            j = section.find("]", i)
            j = len(section) if j < 0 else j
            body = section[i + 1:j]
            if body.startswith("$"):
                out.append(("lit", body[1:].split("-")[0]))
            elif re.fullmatch(r"[hms]+", body, re.I):
                raise Unsupported(body)
            i = j + 1
        elif ch in "0#?":
            out.append(("ph", ch))
            i += 1
        elif ch in ".,%@":
            out.append((ch, ch))
            i += 1
        elif ch in "Ee" and i + 1 < len(section) and section[i + 1] in "+-":
            if i + 2 >= len(section) or section[i + 2] not in "0#?":
                raise ValueError(section)   # an exponent without its digits: Excel's #VALUE!
            out.append(("E", section[i + 1]))
            i += 2
        elif ch.lower() in "ymdhsgbe/" or section[i:i + 5].upper() == "AM/PM" \
                or section[i:i + 3].upper() == "A/P":
            raise Unsupported(ch)
        else:
            out.append(("lit", ch))
            i += 1
    return out


def _fill_integer(slots: list[tuple[str, str]], digits: str, grouping: bool) -> str:
    """Integer digits into the placeholders, right to left (extra digits go to the first one),
    literals where they stand, a thousands separator every three digits when ``grouping``."""
    n_slots = sum(1 for k, _ in slots if k == "ph")
    if digits == "0":
        digits = ""
    if not n_slots:   # no integer placeholder (".##"): the integer digits still show
        return "".join(t for _, t in slots) + digits
    out: list[str] = []
    pos = len(digits)            # digits still to place, from the right
    seen = 0
    index = 0                    # the template position (from the right) of the next digit
    shown = False                # a digit is shown to the right

    def emit(d: str) -> None:
        # Excel groups by template position: an empty "#" between the number's digits and the
        # zeros of "0" placeholders still counts ("#,##000########" shows 1234567 as
        # "00,01,234,567", formulas' test.xlsx EXTRA!A17)
        nonlocal index, shown
        if grouping and index and index % 3 == 0 and shown:
            out.append(",")
        out.append(d)
        index += 1
        shown = True

    for kind, text in reversed(slots):
        if kind != "ph":
            out.append(text[::-1])
            continue
        seen += 1
        if seen == n_slots:      # the leftmost placeholder takes every digit left
            rest = digits[:pos]
            if rest:
                for d in reversed(rest):
                    emit(d)
            elif text == "0":
                emit("0")
            elif text == "?":
                out.append(" ")
            pos = 0
        elif pos > 0:
            pos -= 1
            emit(digits[pos])
        elif text == "0":
            emit("0")
        else:                    # an empty "#" or "?": no digit, but the position counts
            if text == "?":
                out.append(" ")
            index += 1
    return "".join(out)[::-1]


def _fill_fraction(slots: list[tuple[str, str]], digits: str) -> str:
    """Fraction digits into the placeholders, left to right; ``#`` drops trailing zeros."""
    last = max((i for i, d in enumerate(digits) if d != "0"), default=-1)
    out, k = [], 0
    for kind, text in slots:
        if kind != "ph":
            out.append(text)
            continue
        d = digits[k] if k < len(digits) else "0"
        if k <= last or text == "0":
            out.append(d)
        elif text == "?":
            out.append(" ")
        k += 1
    return "".join(out)


def _round_digits(value: float, places: int) -> tuple[str, str]:
    """|value| rounded half away from zero to ``places``: (integer digits, fraction digits)."""
    from decimal import ROUND_HALF_UP, Decimal

    d = Decimal(repr(abs(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{d:f}"
    whole, _, frac = text.partition(".")
    return whole, frac.ljust(places, "0")[:places]


def _format_number(value: float, tokens: list[tuple[str, str]]) -> str:
    """A number in one section of a number format (no dates): placeholders, separators,
    scaling, percent and scientific notation."""
    # classify commas: after a placeholder a separator, else literal
    toks: list[tuple[str, str]] = []
    for i, (kind, text) in enumerate(tokens):
        if kind == "," and not (i and tokens[i - 1][0] in ("ph", ",")):
            toks.append(("lit", ","))
        else:
            toks.append((kind, text))
    exp_at = next((i for i, t in enumerate(toks) if t[0] == "E"), None)
    body = toks if exp_at is None else toks[:exp_at]
    point = next((i for i, t in enumerate(body) if t[0] == "."), None)
    int_part = body if point is None else body[:point]
    frac_part = [] if point is None else [t if t[0] != "." else ("lit", ".") for t in body[point + 1:]]
    # scaling commas: separators with no placeholder after them in the integer part
    last_ph = max((i for i, t in enumerate(int_part) if t[0] == "ph"), default=-1)
    scale = sum(1 for i, t in enumerate(int_part) if t[0] == "," and i > last_ph)
    grouping = any(t[0] == "," and 0 < i < last_ph and int_part[i - 1][0] == "ph"
                   and int_part[i + 1][0] == "ph" for i, t in enumerate(int_part))
    int_slots = [t for t in int_part if t[0] != ","]
    frac_slots = [t for t in frac_part if t[0] != ","]
    value = value * 100 ** sum(1 for t in toks if t[0] == "%") / 1000 ** scale
    int_slots = [("lit", "%") if t[0] == "%" else t for t in int_slots]
    frac_slots = [("lit", "%") if t[0] == "%" else t for t in frac_slots]
    places = sum(1 for t in frac_slots if t[0] == "ph")
    exp_text = ""
    if exp_at is not None:
        exp_slots = [t for t in toks[exp_at + 1:] if t[0] == "ph"]
        k = max(sum(1 for t in int_slots if t[0] == "ph"), 1)
        e = 0
        if value:
            e = math.floor(math.log10(abs(value)))
            e = math.floor(e / k) * k if k > 1 else e
        mant = abs(value) / 10 ** e
        whole, frac = _round_digits(mant, places)
        if len(whole) > max(k, 1) and k == 1:   # 9.99 rounded to 10.0: one more power of ten
            e += 1
            whole, frac = _round_digits(abs(value) / 10 ** e, places)
        sign = "-" if e < 0 else ("+" if toks[exp_at][1] == "+" else "")
        exp_digits = str(abs(e)).rjust(sum(1 for t in exp_slots if t[1] == "0"), "0")
        tail = "".join(t[1] for t in toks[exp_at + 1:] if t[0] == "lit")
        exp_text = "E" + sign + exp_digits + tail
    else:
        whole, frac = _round_digits(value, places)
    text = _fill_integer(int_slots, whole.lstrip("0") or "0", grouping)
    if point is not None:
        text += "." + _fill_fraction(frac_slots, frac)
    return text + exp_text


def _cond_ok(cond: tuple[str, float], n: float) -> bool:
    op, x = cond
    return {"<": n < x, "<=": n <= x, ">": n > x, ">=": n >= x, "=": n == x, "<>": n != x}[op]


def text_format(value: Any, fmt: str) -> str:
    """Excel's TEXT(value, format_text) for number formats (Microsoft: "TEXT function",
    "Number format codes").  Raises :class:`Unsupported` for a date, time, fraction or
    General format (the caller uses formualizer's TEXT), ``ValueError`` for Excel's #VALUE!.

    >>> text_format(1234.5678, "#,##0.00"), text_format(0.285, "0.0%"), text_format(-3, "0;(0)")
    ('1,234.57', '28.5%', '(3)')
    >>> text_format(12200000, "0.00E+00"), text_format(1234567, "#,##0,"), text_format(1, '[<=1]"x";"y"')
    ('1.22E+07', '1,235', 'x')
    >>> text_format(123456, "##0° 00' 00''"), text_format("X", '0;-0;0;"<"@">"')
    ("12° 34' 56''", '<X>')
    >>> text_format(1.5, "[h]"), text_format(-1, "[m]"), text_format(1234.56, ".#")
    ('36', '-1440', '1234.6')
    >>> text_format(1234567, "#,##000########"), text_format(1234578, "#,##00000000####0###")
    ('00,01,234,567', '0,000,000,01,234,578')
    >>> text_format(0, "w;x;z@"), text_format(-1, "w;x@"), text_format("X", "w;x@")
    ('w', '-w', 'xX')
    >>> for v, f in (("X", ';-  ##.0;"ZERO"@;"X"'), (1.23, '#"°F""')):
    ...     try:
    ...         text_format(v, f)
    ...     except ValueError:
    ...         print("#VALUE!")
    #VALUE!
    #VALUE!
    """
    sections = _sections(fmt)
    with_at = [i for i, sec in enumerate(sections) if "@" in (k for k, _ in _tokens_or_text(sec))]
    if with_at and with_at != [len(sections) - 1]:
        raise ValueError(fmt)   # a text section (with @) that is not the last one
    text_section = sections[-1] if with_at or len(sections) >= 4 else None
    if isinstance(value, str):
        if text_section is None:
            return value
        return "".join(value if k == "@" else t for k, t in _tokens(text_section))
    if text_section is not None and len(sections) > 1:
        sections = sections[:-1]   # the numbers' sections
    n = float(value)
    conds = [_COND.match(s) for s in sections]
    if any(conds):
        chosen = None
        for s, c in zip(sections, conds, strict=True):
            if c is None or _cond_ok((c.group(1), float(c.group(2))), n):
                chosen = s[c.end():] if c else s
                break
        if chosen is None:
            chosen = "#"   # no section applies: Excel shows the number
        section, sign = chosen, "-" if n < 0 and chosen is sections[0] else ""
        n = abs(n)
    elif n < 0 and len(sections) >= 2:
        section, sign, n = sections[1], "", -n
    elif n == 0 and len(sections) >= 3:
        section, sign = sections[2], ""
    else:
        section, sign, n = sections[0], "-" if n < 0 else "", abs(n)
    if re.fullmatch(r"\s*general\s*", section, re.I) or (not section and len(sections) == 1):
        raise Unsupported(section)
    elapsed = re.fullmatch(r"\[(h+|m+|s+)\]", section.strip(), re.I)
    if elapsed:   # elapsed hours, minutes or seconds: the serial's whole count, rounded to seconds
        unit = {"h": 3600, "m": 60, "s": 1}[elapsed.group(1)[0].lower()]
        count = round(n * 86400) // unit
        return sign + str(count).rjust(len(elapsed.group(1)), "0")
    tokens = _tokens(section)
    if "@" in (k for k, _ in tokens):
        raise ValueError(fmt)
    if not any(k == "ph" for k, _ in tokens):
        return sign + "".join(t for _, t in tokens)   # literal text only (a "%" stays as typed)
    out = _format_number(n, tokens)
    if sign and not re.search(r"[1-9]", out):
        sign = "" if len(sections) == 1 else sign
    return sign + out


def _tokens_or_text(section: str) -> list[tuple[str, str]]:
    """A section's tokens; a date or time section (not tokenised here) as one literal."""
    try:
        return _tokens(section)
    except Unsupported:
        return [("lit", section)]


_TIME_TEXT = re.compile(r"^\s*(\d+):(\d+)(?::(\d+(?:\.\d*)?)|(\.\d+)|\.)?\s*$")


def time_text(s: str) -> float | None:
    """A time typed as text, as Excel reads it where a number is needed (fraction of a day).

    Excel accepts more than a clock shows: ``h:m`` with h ≤ 23 and m < 10000, ``h:m:s`` with
    m < 60 and s < 10000, ``m:s.f`` with m < 60 and s < 10000 (seen in Excel's cached values in
    tests/corpus_real, pycel's text.xlsx).  None when the text is not such a time.

    >>> round(time_text("23:99"), 7), round(time_text("0:0:9999"), 5), time_text("24:99")
    (1.0270833, 0.11573, None)
    >>> round(time_text("59:9999.0"), 4), time_text("23:60:9999"), round(time_text("23:59."), 6)
    (0.1567, None, 0.999306)
    """
    m = _TIME_TEXT.match(s)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if m.group(3) is not None:            # h:m:s
        sec = float(m.group(3))
        if a > 23 or b >= 60 or sec >= 10000:
            return None
        return (a * 3600 + b * 60 + sec) / 86400
    if m.group(4) is not None:            # m:s.f
        sec = b + float(m.group(4))
        if a >= 60 or sec >= 10000:
            return None
        return (a * 60 + sec) / 86400
    if a > 23 or b >= 10000:              # h:m
        return None
    return (a * 60 + b) / 1440


# ------------------------------------------------------- text functions (Excel's rules) ----
# Each takes formualizer's argument values and raises excel_coerce.ExcelError for Excel's error.
# Text arguments are read with excel_coerce.text (TRUE is "TRUE", numbers in General format),
# counts with excel_coerce.number (text that is no number is #VALUE!), as Excel's cached values
# in formulas' test.xlsx (sheet TEXT) and pycel's text.xlsx show.

class _Missing:
    """An argument the formula leaves out (an empty cell given is 0, as Excel reads it)."""


MISSING: Any = _Missing()


def _count(v: Any, default: int | None = None) -> int:
    """A character count or position argument, truncated; a left-out one its default."""
    if v is MISSING:
        return 1 if default is None else default
    return math.trunc(xc.number(v))


def left(text: Any, num_chars: Any = MISSING) -> str:
    """LEFT(text, [num_chars]); a negative count is #VALUE!.

    >>> left(True, 3), left(2.3, 2), xc.error_kind(lambda: left("ciao", "ciao"))
    ('TRU', '2.', 'Value')
    """
    s, n = xc.text(text), _count(num_chars)
    if n < 0:
        raise xc.ExcelError("Value")
    return s[:n]


def right(text: Any, num_chars: Any = MISSING) -> str:
    """RIGHT(text, [num_chars]).

    >>> right(True, 2), right("ciao", 10), right("ciao", 5), right("ciao", 0), right(-1.0, 3)
    ('UE', 'ciao', 'ciao', '', '-1')
    """
    s, n = xc.text(text), _count(num_chars)
    if n < 0:
        raise xc.ExcelError("Value")
    return s[max(len(s) - n, 0):] if n else ""


def mid(text: Any, start_num: Any, num_chars: Any) -> str:
    """MID(text, start_num, num_chars): a start below 1 or a negative count is #VALUE!.

    >>> mid("ciao", 1.9, 2), mid("ciao", 10, 2), xc.error_kind(lambda: mid("ciao", None, 2))
    ('ci', '', 'Value')
    """
    s, start, n = xc.text(text), _count(start_num), _count(num_chars)
    if start < 1 or n < 0:
        raise xc.ExcelError("Value")
    return s[start - 1:start - 1 + n]


def replace(old_text: Any, start_num: Any, num_chars: Any, new_text: Any) -> str:
    """REPLACE(old_text, start_num, num_chars, new_text).

    >>> replace("ciao", 10, 2, 3), replace("ciao", True, None, "a"), replace(2.3, 1, 2, "c")
    ('ciao3', 'aciao', 'c3')
    """
    s, start, n = xc.text(old_text), _count(start_num), _count(num_chars)
    new = xc.text(new_text)
    if start < 1 or n < 0:
        raise xc.ExcelError("Value")
    return s[:start - 1] + new + s[start - 1 + n:]


def substitute(text: Any, old_text: Any, new_text: Any, instance_num: Any = MISSING) -> str:
    """SUBSTITUTE(text, old_text, new_text, [instance_num]): every occurrence, or only the
    n-th; an instance below 1 or a logical value is #VALUE! (formulas' test.xlsx, CORE!AB14).

    >>> substitute("0, 1.9, 1", 1, 5, 1.9), substitute("a-b-c", "-", "", MISSING)
    ('0, 5.9, 1', 'abc')
    >>> [xc.error_kind(lambda n=n: substitute("a", "a", "b", n)) for n in (True, 0, None, '"1"')]
    ['Value', 'Value', 'Value', 'Value']
    """
    s, old, new = xc.text(text), xc.text(old_text), xc.text(new_text)
    if instance_num is MISSING:
        return s.replace(old, new) if old else s
    if isinstance(instance_num, bool):
        raise xc.ExcelError("Value")
    n = _count(instance_num)
    if n < 1:
        raise xc.ExcelError("Value")
    if not old:
        return s
    at = s.find(old)
    for _ in range(n - 1):   # occurrences counted without overlap
        if at < 0:
            break
        at = s.find(old, at + len(old))
    return s if at < 0 else s[:at] + new + s[at + len(old):]


def rept(text: Any, number_times: Any) -> str:
    """REPT(text, number_times): a negative count or a result past 32,767 characters #VALUE!.

    >>> rept(True, 3), rept("ab", 1.9), rept("", 1e20)
    ('TRUETRUETRUE', 'ab', '')
    """
    s, n = xc.text(text), _count(number_times)
    if n < 0 or len(s) * n > 32767:
        raise xc.ExcelError("Value")
    return s * n if s else ""


def asc(text: Any) -> str:
    """ASC(text): full-width (double-byte) Latin letters, digits and signs as half-width.

    >>> asc(True), asc("ＡＢＣ１　x")
    ('TRUE', 'ABC1 x')
    """
    s = xc.text(text)
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else
                   (" " if c == "\u3000" else c) for c in s)


def exact(text1: Any, text2: Any) -> bool:
    """EXACT(text1, text2): the same text, case counted.

    >>> exact(3.0, 3), exact(None, ""), exact("ciao", "CIAO"), exact(True, "TRUE")
    (True, True, False, True)
    """
    return xc.text(text1) == xc.text(text2)


def _start(start_num: Any, within: str) -> int:
    start = _count(start_num, 1)
    if start < 1 or start > len(within) + 1:
        raise xc.ExcelError("Value")
    return start


def find(find_text: Any, within_text: Any, start_num: Any = MISSING) -> float:
    """FIND(find_text, within_text, [start_num]): case counted, no wildcards; not found #VALUE!.

    >>> find("ia", "山田太郎ciao", 2), find("a", "ciao"), find("ia", "ciao", True)
    (6.0, 3.0, 2.0)
    >>> [xc.error_kind(lambda n=n: find("ia", "ciao", n)) for n in (3, 0, None)]
    ['Value', 'Value', 'Value']
    """
    needle, within = xc.text(find_text), xc.text(within_text)
    start = _start(start_num, within)
    at = within.find(needle, start - 1)
    if at < 0:
        raise xc.ExcelError("Value")
    return float(at + 1)


def wildcard(pattern: str) -> str:
    r"""Excel's wildcards as a regular expression: ``?`` one character, ``*`` any, ``~`` escapes.

    >>> wildcard("a?c*~*") == r"a.c.*\*"
    True
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "~" and i + 1 < len(pattern) and pattern[i + 1] in "?*~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append("." if c == "?" else ".*" if c == "*" else re.escape(c))
        i += 1
    return "".join(out)


def search(find_text: Any, within_text: Any, start_num: Any = MISSING) -> float:
    """SEARCH(find_text, within_text, [start_num]): case ignored, wildcards; not found #VALUE!.

    >>> search("BASE", "database", 1.9), search("b?s*", "database"), search("", "abc", 2)
    (5.0, 5.0, 2.0)
    """
    needle, within = xc.text(find_text), xc.text(within_text)
    start = _start(start_num, within)
    m = re.compile(wildcard(needle), re.I | re.S).search(within, start - 1)
    if m is None:
        raise xc.ExcelError("Value")
    return float(m.start() + 1)


def t(value: Any) -> str:
    """T(value): a text itself, anything else ``""`` (an error is passed on).  A range gives
    its first cell's (Excel does not lift T: ``{=T(I1:Q1)}`` shows I1's text in every cell).

    >>> t("26/08/1987"), t(2.3), t(True), t([["x", 1.0]])
    ('26/08/1987', '', '', 'x')
    """
    while isinstance(value, list):
        value = value[0][0] if value and value[0] else None
    xc.passed_on(value)
    return value if isinstance(value, str) else ""


def value(text: Any) -> float:
    """VALUE(text): a number or a text read as one (dates and times too); a logical #VALUE!.

    >>> value(None), value("1987-08-26"), value(2.5), xc.error_kind(lambda: value(True))
    (0.0, 32015.0, 2.5, 'Value')
    """
    if isinstance(text, bool):
        raise xc.ExcelError("Value")
    return xc.number(text)


def fixed(number: Any, decimals: Any = MISSING, no_commas: Any = False) -> str:
    """FIXED(number, [decimals], [no_commas]): the number rounded (to at most 15 significant
    digits, as Excel holds numbers) to ``decimals`` places (up to 127; negative rounds left of
    the point), with thousands separators unless ``no_commas``.

    >>> fixed("123456789076754345682.2121234567832131341", 0)
    '123,456,789,076,754,000,000'
    >>> fixed(1234.567, 1), fixed(1234.567, -2, True), fixed(10001, "3", "FALSe"), fixed(-0.5, 0)
    ('1,234.6', '1200', '10,001.000', '-1')
    >>> fixed(5, -128000), fixed(2.5, None), xc.error_kind(lambda: fixed(1, 128))
    ('0', '3', 'Value')
    >>> len(fixed(1e300, 127)), fixed(10001, "36", "FALSe")[-3:]
    (529, '000')
    """
    from decimal import ROUND_HALF_UP, Decimal, localcontext

    x = xc.number(number)
    d = _count(decimals, 2)
    plain = xc.logical(no_commas)
    if d > 127:
        raise xc.ExcelError("Value")
    v = Decimal(f"{x:.15g}") if x else Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 1000   # 127 places after up to 309 digits before the point
        return _fixed_text(v, d, plain, ROUND_HALF_UP)


def _fixed_text(v: Any, d: int, plain: bool, rounding: str) -> str:
    from decimal import Decimal

    if d >= 0:
        v = v.quantize(Decimal(1).scaleb(-d), rounding=rounding)
    else:
        v = (v.scaleb(d).quantize(Decimal(1), rounding=rounding)).scaleb(-d) \
            if -d <= 400 else Decimal(0)
    places = max(d, 0)
    out = f"{v:{'' if plain else ','}.{places}f}"
    return "0" if out.lstrip("-") == "0" and places == 0 and v == 0 else out


def numbervalue(text: Any, decimal_separator: Any = ",", group_separator: Any = ".") -> float:
    """NUMBERVALUE(text, [decimal_separator], [group_separator]), Microsoft's rules: spaces are
    ignored, only a separator's first character counts, a group separator after the decimal
    one or a second decimal separator is #VALUE!, each trailing ``%`` divides by 100,
    parentheses make it negative.  The defaults are the separators of the Excel that cached
    the corpus's values (decimal comma, group point: da-DK and it-IT alike).

    >>> numbervalue("(2.500,27)", ",", "."), numbervalue("(,25,,0,0.27E + 6%)%", ".", ",.,")
    (-2500.27, -250027.0)
    >>> numbervalue("250)027", ")"), numbervalue(None, ".", ","), numbervalue(2.3)
    (250.027, 0.0, 2.3)
    >>> [xc.error_kind(lambda a=a: numbervalue(*a)) for a in (("(2,500.27)", ",", "."),
    ...  ("(-1)", ".", ","), ("1", "2", None), (True,), ("- -2%%", ".", ","))]
    ['Value', 'Value', 'Value', 'Value', 'Value']
    """
    xc.passed_on(text)
    dec, grp = xc.text(decimal_separator)[:1], xc.text(group_separator)[:1]
    if isinstance(text, bool) or not dec or not grp or dec == grp:
        raise xc.ExcelError("Value")
    if text is None:
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    s = re.sub(r"\s+", "", str(text))
    if not s:
        return 0.0
    percent, negative = 0, False
    while True:
        if s.endswith("%"):
            percent, s = percent + 1, s[:-1]
        elif not negative and s.startswith("(") and s.endswith(")") and dec != "(" and dec != ")":
            negative, s = True, s[1:-1]
        else:
            break
    at = s.find(dec)
    if s.count(dec) > 1 or (at >= 0 and grp in s[at:]):
        raise xc.ExcelError("Value")
    s = s.replace(grp, "").replace(dec, ".")
    pattern = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?" if negative else \
        r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
    if not re.fullmatch(pattern, s):
        raise xc.ExcelError("Value")
    v = float(s) / 100 ** percent
    return -v if negative else v


def _format_arg(fmt: Any) -> int:
    """VALUETOTEXT's and ARRAYTOTEXT's format: 0 concise, 1 strict (truncated), else #VALUE!."""
    n = 0 if fmt is None else math.trunc(xc.number(fmt))
    if n not in (0, 1):
        raise xc.ExcelError("Value")
    return n


def _as_text(v: Any, strict: bool) -> str:
    if xc.is_error(v):
        return xc.CODES.get(str(v.get("kind")), "#VALUE!")
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"' if strict else v
    return xc.text(v)


def valuetotext(value: Any, format: Any = 0) -> str:
    """VALUETOTEXT(value, [format]): concise (0) or strict (1, text quoted); an error value
    becomes its code.

    >>> valuetotext("1987-08-26", "1.99"), valuetotext({"type": "Error", "kind": "Na"}), valuetotext(None, 1)
    ('"1987-08-26"', '#N/A', '')
    """
    return _as_text(value, _format_arg(format) == 1)


def arraytotext(array: Any, format: Any = 0) -> str:
    """ARRAYTOTEXT(array, [format]): concise (0: values joined by ", ") or strict (1: ``{…}``
    with "," between columns, ";" between rows, text quoted).  The format is truncated, a text
    format #VALUE!; one empty cell in strict format is #VALUE! (formulas' test.xlsx, TEXT!V4).

    >>> arraytotext([[1.9, 2.3], [1.9, 2.3]], 1), arraytotext([[None, "", True]], 1)
    ('{1.9,2.3;1.9,2.3}', '{,"",TRUE}')
    >>> arraytotext([[0.0, None, {"type": "Error", "kind": "Na"}]], 0.9), arraytotext("", 1)
    ('0, , #N/A', '{""}')
    >>> [xc.error_kind(lambda f=f: arraytotext([[1.0]], f)) for f in (2, "1")] + [
    ...  xc.error_kind(lambda: arraytotext(None, 1))]
    ['Value', 'Value', 'Value']
    """
    xc.passed_on(format)
    if isinstance(format, str):
        raise xc.ExcelError("Value")
    strict = _format_arg(format) == 1
    if not isinstance(array, list):
        if array is None and strict:
            raise xc.ExcelError("Value")
        array = [[array]]

    def cell(v: Any) -> str:
        return "" if v is None else _as_text(v, strict)

    if strict:
        return "{" + ";".join(",".join(cell(v) for v in row) for row in array) + "}"
    return ", ".join(cell(v) for row in array for v in row)


def _delimiters(delimiter: Any) -> list[str]:
    cells = delimiter if isinstance(delimiter, list) else [[delimiter]]
    return [xc.text(v) for row in cells for v in row]


def _matches(s: str, delims: list[str], fold: bool) -> list[tuple[int, int]]:
    """The delimiters' non-overlapping matches in ``s``, left to right: (position, length)."""
    hay = s.lower() if fold else s
    keys = [d.lower() if fold else d for d in delims if d]
    out, i = [], 0
    while i < len(hay):
        hit = next((k for k in keys if hay.startswith(k, i)), None)
        if hit is None:
            i += 1
        else:
            out.append((i, len(hit)))
            i += len(hit)
    return out


def _text_around(after: bool) -> Callable[..., Any]:
    def fn(text: Any, delimiter: Any, instance_num: Any = MISSING, match_mode: Any = MISSING,
           match_end: Any = MISSING, *if_not_found: Any) -> Any:
        s = xc.text(text)
        delims = _delimiters(delimiter)
        n = 1 if _optional(instance_num) else _count(instance_num)
        mode = 0 if _optional(match_mode) else _count(match_mode)
        end = False if _optional(match_end) else xc.logical(match_end)
        if n == 0 or abs(n) > len(s) or mode not in (0, 1):
            raise xc.ExcelError("Value")
        if all(not d for d in delims):   # an empty delimiter matches at the edge it counts from
            found = [(0, 0)] if n > 0 else [(len(s), 0)]
        else:
            found = _matches(s, delims, mode == 1)
        if end:
            found = [*found, (len(s), 0)] if n > 0 else [(0, 0), *found]
        k = n - 1 if n > 0 else len(found) + n
        if not 0 <= k < len(found):
            if if_not_found:
                return if_not_found[0]
            raise xc.ExcelError("Na")
        at, length = found[k]
        return s[at + length:] if after else s[:at]

    fn.__name__ = "TEXTAFTER" if after else "TEXTBEFORE"
    fn.__doc__ = ("TEXTAFTER" if after else "TEXTBEFORE") + (
        "(text, delimiter, [instance_num], [match_mode], [match_end], [if_not_found]): any of "
        "an array of delimiters; instance 0 or longer than the text #VALUE!, not found #N/A.")
    return fn


textafter = _text_around(True)
textbefore = _text_around(False)


def _optional(v: Any) -> bool:
    """Is an optional argument left out (a rewritten omitted argument arrives as ``""``)?"""
    return v is MISSING or v == ""


def _split(s: str, delims: list[str], fold: bool) -> list[str]:
    found = _matches(s, delims, fold)
    pieces, at = [], 0
    for pos, length in found:
        pieces.append(s[at:pos])
        at = pos + length
    pieces.append(s[at:])
    return pieces


def textsplit(text: Any, col_delimiter: Any, row_delimiter: Any = MISSING,
              ignore_empty: Any = MISSING, match_mode: Any = MISSING,
              pad_with: Any = MISSING) -> Any:
    """TEXTSPLIT(text, col_delimiter, [row_delimiter], [ignore_empty], [match_mode], [pad_with]):
    rows split at any row delimiter, each row at any column delimiter, short rows padded
    (#N/A by default); an empty text or no delimiter at all #VALUE!, match_mode 0 or 1.

    >>> textsplit("26/08TRUE19|87", [["/", "|", True]], [[6.0, 9.0]], False, 1.0, 10.0)
    [['2', 10.0, 10.0], ['', '08', '1'], ['', '87', 10.0]]
    >>> textsplit("1,2.3;4,,5AA6.7", [[",", "."]], [[";", "a"]], True, 1, "pi")
    [['1', '2', '3'], ['4', '5', 'pi'], ['6', '7', 'pi']]
    >>> textsplit("123434,43r23123-1,2.3", "2.3"), xc.error_kind(lambda: textsplit("a", ""))
    ([['123434,43r23123-1,', '']], 'Value')
    """
    s = xc.text(text)
    cols = [d for d in _delimiters(col_delimiter) if d]
    rows = [] if _optional(row_delimiter) or row_delimiter is None else \
        [d for d in _delimiters(row_delimiter) if d]
    skip = False if _optional(ignore_empty) else xc.logical(ignore_empty)
    mode = 0 if _optional(match_mode) else _count(match_mode)
    pad = xc.error("Na") if pad_with is MISSING else pad_with
    if not s or not (cols or rows) or mode not in (0, 1):
        raise xc.ExcelError("Value")
    lines = _split(s, rows, mode == 1) if rows else [s]
    grid = []
    for line in lines:
        cells = _split(line, cols, mode == 1) if cols else [line]
        if skip:
            cells = [c for c in cells if c]
            if not cells:
                continue
        grid.append(cells)
    if not grid:
        raise xc.ExcelError("Calc")
    width = max(len(r) for r in grid)
    return [r + [pad] * (width - len(r)) for r in grid]


def unichar(number: Any) -> str:
    """UNICHAR(number): the Unicode character; 0, a surrogate or past U+10FFFF #VALUE!.

    >>> unichar(65.8), unichar(True) == chr(1), xc.error_kind(lambda: unichar(0))
    ('A', True, 'Value')
    """
    n = math.trunc(xc.number(number))
    if not 1 <= n <= 0x10FFFF or 0xD800 <= n <= 0xDFFF:
        raise xc.ExcelError("Value")
    return chr(n)


def _regex(pattern: Any, case: Any) -> re.Pattern[str]:
    """A pattern with its case sensitivity: 0 (default) counts case, 1 ignores it, else #VALUE!."""
    c = 0 if case is MISSING or case is None else math.trunc(xc.number(case))
    if c not in (0, 1):
        raise xc.ExcelError("Value")
    try:
        return re.compile(xc.text(pattern), re.IGNORECASE if c else 0)
    except re.error:
        raise xc.ExcelError("Value") from None


def regextest(text: Any, pattern: Any, case_sensitivity: Any = MISSING) -> bool:
    r"""REGEXTEST(text, pattern, [case_sensitivity]).

    >>> regextest(10.0, r"^\d+$", 1.9), regextest("ciao", "^ciaO$", 1)
    (True, True)
    >>> xc.error_kind(lambda: regextest(2.3, r"^\d+$", 2))
    'Value'
    """
    return _regex(pattern, case_sensitivity).search(xc.text(text)) is not None


def regexextract(text: Any, pattern: Any, return_mode: Any = MISSING,
                 case_sensitivity: Any = MISSING) -> Any:
    r"""REGEXEXTRACT(text, pattern, [return_mode], [case_sensitivity]): 0 the first match,
    1 every match (a row, as Excel's cached values show), 2 the first match's capture groups
    (a row; an unmatched group #N/A, a pattern without groups #VALUE!); no match #N/A.

    >>> regexextract("abc", "([ac]+)", 1), regexextract("1a2b3c", r"((\d)[bc]+|(3c))", 2)
    ([['a', 'c']], [['2b', '2', {'type': 'Error', 'kind': 'Na'}]])
    >>> xc.error_kind(lambda: regexextract("(378) 555-4197", "[0-9()]+ [0-9-]+", 2))
    'Value'
    """
    rx, s = _regex(pattern, case_sensitivity), xc.text(text)
    how = 0 if return_mode is MISSING or return_mode is None else math.trunc(xc.number(return_mode))
    if how not in (0, 1, 2):
        raise xc.ExcelError("Value")
    if how == 2 and not rx.groups:
        raise xc.ExcelError("Value")
    if how == 1:
        found = [m.group(0) for m in rx.finditer(s)]
        if not found:
            raise xc.ExcelError("Na")
        return [found]
    m = rx.search(s)
    if m is None:
        raise xc.ExcelError("Na")
    if how == 2:
        return [[g if g is not None else xc.error("Na") for g in m.groups()]]
    return m.group(0)


def regexreplace(text: Any, pattern: Any, replacement: Any, occurrence: Any = MISSING,
                 case_sensitivity: Any = MISSING) -> str:
    """REGEXREPLACE(text, pattern, replacement, [occurrence], [case_sensitivity]):
    ``$1`` names a group; occurrence 0 replaces all, n the n-th, -n the n-th from the end.

    >>> regexreplace("a1b22", "([0-9]+)", "<$1>"), regexreplace("a1b22", "[0-9]+", "#", -1)
    ('a<1>b<22>', 'a1b#')
    """
    rx, s = _regex(pattern, case_sensitivity), xc.text(text)
    repl = re.sub(r"\$(\d+)", r"\\g<\1>", xc.text(replacement).replace("\\", "\\\\"))
    nth = 0 if occurrence is MISSING or occurrence is None else math.trunc(xc.number(occurrence))
    if nth == 0:
        return rx.sub(repl, s)
    matches = list(rx.finditer(s))
    index = nth - 1 if nth > 0 else len(matches) + nth
    if not 0 <= index < len(matches):
        return s
    m = matches[index]
    return s[:m.start()] + m.expand(repl) + s[m.end():]


def _first_of(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` whose array result becomes its first value (an element of a lifted call)."""

    def call(*args: Any) -> Any:
        v = fn(*args)
        while isinstance(v, list):
            v = v[0][0] if v and v[0] else None
        return v

    call.__name__ = fn.__name__
    return call


def _lifted_or_whole(fn: Callable[..., Any],
                     arrays: frozenset[int] = frozenset()) -> Callable[..., Any]:
    """``fn`` as is for single values (its array result spills), lifted over array arguments
    (except those at ``arrays``, taken whole) with each element's first value (Excel shows an
    array of arrays by their first values)."""
    lifted = xc.elementwise(_first_of(fn), arrays)
    one = xc.elementwise(fn, arrays)

    def call(*args: Any) -> Any:
        if any(isinstance(a, list) and k not in arrays for k, a in enumerate(args)):
            return lifted(*args)
        return one(*args)

    call.__name__ = fn.__name__
    return call


# ----------------------------------------------------------------------- registration ----
def registered(date1904: bool = False) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """The text functions xlmodel.engine.excel_dates.register binds: name → (callback, min
    args, max args); each only where the workbook calls it, within a call budget."""
    lifted = {"LEFT": (left, 1, 2), "LEFTB": (left, 1, 2), "RIGHT": (right, 1, 2),
              "RIGHTB": (right, 1, 2), "MID": (mid, 3, 3), "MIDB": (mid, 3, 3),
              "REPLACE": (replace, 4, 4), "REPLACEB": (replace, 4, 4), "REPT": (rept, 2, 2),
              "SUBSTITUTE": (substitute, 3, 4),
              "ASC": (asc, 1, 1), "EXACT": (exact, 2, 2), "FIND": (find, 2, 3),
              "FINDB": (find, 2, 3), "SEARCH": (search, 2, 3), "SEARCHB": (search, 2, 3),
              "VALUE": (value, 1, 1), "FIXED": (fixed, 1, 3),
              "NUMBERVALUE": (numbervalue, 1, 3), "VALUETOTEXT": (valuetotext, 1, 2),
              "UNICHAR": (unichar, 1, 1)}
    out: dict[str, tuple[Callable[..., Any], int, int]] = {
        name: (xc.elementwise(fn), lo, hi) for name, (fn, lo, hi) in lifted.items()}
    out["T"] = (xc.scalar_only(t, arrays_ok=True), 1, 1)
    out["ARRAYTOTEXT"] = (xc.elementwise(arraytotext, frozenset({0})), 1, 2)
    out["TEXTAFTER"] = (xc.elementwise(textafter, frozenset({1, 5})), 2, 6)
    out["TEXTBEFORE"] = (xc.elementwise(textbefore, frozenset({1, 5})), 2, 6)
    out["TEXTSPLIT"] = (_lifted_or_whole(textsplit, frozenset({1, 2, 5})), 2, 6)
    out["REGEXTEST"] = (xc.elementwise(regextest), 2, 3)
    out["REGEXEXTRACT"] = (_lifted_or_whole(regexextract), 2, 4)
    out["REGEXREPLACE"] = (xc.elementwise(regexreplace), 3, 5)
    return out
