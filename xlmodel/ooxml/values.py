"""Cell values as the file stores them: error values and their codes.

>>> CellError("#CIRC!").file_code, CellError("#N/A").file_code, str(CellError("#DIV/0!", "why"))
('#VALUE!', '#N/A', '#DIV/0!')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlmodel.ooxml.addresses import FILE_ERRORS


@dataclass(frozen=True)
class CellError:
    """An error value in a cell: the Excel code (``#VALUE!``) and, where known, why."""

    code: str
    message: str = ""

    def __str__(self) -> str:
        return self.code

    @property
    def file_code(self) -> str:
        """The code as written to the file (#CIRC! and other engine-only codes become #VALUE!)."""
        return self.code if self.code in FILE_ERRORS else "#VALUE!"


# ------------------------------------------------------------------------------- XML text ----
# The refresh path's own escaping (xml.sax.saxutils imports urllib and http: 40 ms of start-up).

_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: Characters XML 1.0 cannot carry, and the carriage return (an XML parser turns a raw CR into
#: LF): OOXML writes them ``_xHHHH_`` (ECMA-376 Part 1, 22.9.2.19 ST_Xstring), as Excel does.
_NEEDS_X = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_X_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _entity(m: re.Match[str]) -> str:
    named, dec, hexa = m.groups()
    if named:
        return _NAMED[named]
    try:
        return chr(int(dec) if dec else int(hexa, 16))
    except (ValueError, OverflowError):
        return m.group(0)


def xml_unescape(text: str) -> str:
    """XML character data → text: the five predefined entities and numeric character references.

    >>> xml_unescape("a&lt;b &amp;amp; &quot;&#10;&#x41;")
    'a<b &amp; "\\nA'
    >>> xml_unescape("a&amp;lt;b&gt;"), xml_unescape("&unknown; &amp;")
    ('a&lt;b>', '&unknown; &')
    """
    if "&" not in text:
        return text
    if "&#" not in text:  # the five named entities only: str.replace is ten times a regex callback
        return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&apos;", "'").replace("&amp;", "&"))  # &amp; last: "&amp;lt;" → "&lt;"
    return _ENTITY.sub(_entity, text)


def xml_escape(text: str, quote: bool = False) -> str:
    """Text → XML character data (``&``, ``<``, ``>``; with ``quote`` also ``"`` for attributes).

    >>> xml_escape('a<b & "c"', quote=True)
    'a&lt;b &amp; &quot;c&quot;'
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def encode_text(text: str) -> str:
    """A cell's text as the file stores it: ``_xHHHH_`` for what XML cannot carry (a carriage
    return included, as Excel writes it), ``_x005F_`` before a literal ``_xHHHH_``, then escaped.

    >>> encode_text("a\\r\\nb_x0041_<")
    'a_x000D_\\nb_x005F_x0041_&lt;'
    """
    if _NEEDS_X.search(text):
        text = _NEEDS_X.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return xml_escape(text)


def decode_text(raw: str) -> str:
    """A cell's or shared string's stored text → the text: unescaped, ``_xHHHH_`` decoded.

    >>> decode_text("a_x000D_&#10;b_x005F_x0041_ &amp;")
    'a\\r\\nb_x0041_ &'
    """
    text = xml_unescape(raw)
    return _X_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text
