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
