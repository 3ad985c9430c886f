"""Excel's text functions where formualizer's built-in differs from Excel.

CHAR and CODE use the character set of the operating system Excel runs on (Microsoft's CHAR
and CODE help pages: "Macintosh: Macintosh character set; Windows: ANSI"), so the same formula
gives ``CHAR(128)`` = "€" in Excel for Windows and "Ä" in Excel for Mac.  formualizer always
answers with Unicode code points (``CHAR(128)`` is U+0080 shown as "�").  The refresh computes
with the character set of the application that saved the workbook (docProps/app.xml names it:
"Microsoft Macintosh Excel"), so the values agree with what the user's Excel showed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

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
            j = len(section) if j < 0 else j
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
    index = 0                    # digits placed so far (their index from the right)

    def emit(d: str) -> None:
        nonlocal index
        if grouping and index and index % 3 == 0:
            out.append(",")
        out.append(d)
        index += 1

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
        elif text == "?":
            out.append(" ")
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
    """
    sections = _sections(fmt)
    if isinstance(value, str):
        if len(sections) >= 4:
            section = sections[3]
        elif len(sections) == 1 and "@" in sections[0]:
            section = sections[0]
        else:
            if any("@" in s for s in sections[1:]):
                raise ValueError(fmt)
            return value
        return "".join(value if k == "@" else t for k, t in _tokens(section))
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


# ----------------------------------------------------------------------- registration ----
def registered(date1904: bool = False) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """The text functions xlmodel.engine.excel_dates.register binds: name → (callback, min
    args, max args); each only where the workbook calls it (hot ones within a budget)."""
    return {}
