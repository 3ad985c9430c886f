"""The pre-open safety check: refuse hostile or broken workbook files before anything parses them.

:func:`check_workbook_file` (and :func:`check_workbook_bytes` for bytes already read) looks at a
file before any library opens it:

* a real file, a zip (not a legacy or password-protected OLE2 file), deflate or stored members;
* no zip bomb: sizes from the zip directory *and* a streamed, CRC-checked inflate of every member
  that stops at the declared size, with a ratio limit per member and a total-size limit;
* no DTD or entity declaration in any XML part: a byte scan for ``<!DOCTYPE`` and ``<!ENTITY``
  (the only way to an entity-expansion or external-entity attack; Excel never writes either),
  and no text run or tag longer than :data:`MAX_RUN`;
* the structural parts ([Content_Types].xml, the workbook and its relationships) parsed with
  defusedxml (they are small and their content is needed: sheets, content types, Strict OOXML);
* worksheets and shared strings counted by byte scans (cells, formulas, rows, shared strings,
  the dimension, rows and columns beyond Excel's grid); nothing that is only copied is parsed;
* the estimated memory of a refresh against a limit (``XLMODEL_MAX_MEMORY_MB``).

Each refusal is an :class:`UnsafeFileError` with one Danish line naming the file, what is wrong
and what is allowed (the limit's number and its keyword).  ``keep_parts=True`` returns the
inflated members with the result (:attr:`WorkbookInfo.parts`) so that the package is inflated once.

Limits (keyword arguments, defaults below) are sized so that real municipal
workbooks of tens of MB pass, while each hostile case is refused in seconds:

=====================  ====================  ==========================================
limit                  default               why
=====================  ====================  ==========================================
``max_uncompressed``   1 GiB                 total inflated size; a dense 10-million-cell
                                             workbook is ~0.5 GB of XML
``max_ratio``          200                   per member above 1 MiB; real parts are
                                             2–20×, deflated zeros ~1000×
``max_cells``          10 000 000            cells (and shared strings)
``max_members``        10 000                zip entries
``max_part``           128 MiB               largest inflated part (the engine's limit)
``timeout``            120 s                 the whole check
``MAX_RUN`` (constant) 4 MiB                 longest text run or tag in any XML part
=====================  ====================  ==========================================
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import posixpath
import re
import stat
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import MAX_COL, MAX_ROW, NS_STRICT, area, col_number, resolve_target
from xlmodel.tekst import format_tal

MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 200.0
RATIO_GRACE = 1 << 20  # members smaller than this are not ratio-checked (printer settings are zeros)
MAX_CELLS = 10_000_000
MAX_MEMBERS = 10_000
TIMEOUT = 120.0
#: Longest text run or tag (bytes fed without a parser event) in any XML part; Excel's own limits are
#: 32 767 characters per cell and 8 192 per formula.  Bounds expat's buffer and openpyxl's strings.
MAX_RUN = 4 << 20
#: Largest single part (inflated): the headless engine (formualizer 0.13, ``max_part_bytes``) refuses
#: a bigger XML part, e.g. a 200 MB sharedStrings.xml, only after seconds of work (measured: a
#: 134 MB part loads, 135 MB is refused).  Refused here first, naming the limit.
MAX_PART = 128 << 20
#: Memory a refresh may use when nothing else is known: 8 GiB.  ``XLMODEL_MAX_MEMORY_MB`` replaces it
#: (and the available-memory check); below it, the memory the machine has free also bounds it.
MAX_MEMORY = 8 << 30
MEMORY_ENV = "XLMODEL_MAX_MEMORY_MB"
#: Measured peak RSS of ``xlmodel refresh`` (formualizer + package + report) per cell on top of the
#: interpreter: 200,000 value cells 170 MB (0.85 kB each); 200,000 formulas beside them +347 MB
#: (1.7 kB each); rounded up.  The package's inflated XML is held as well (counted byte for byte).
MEMORY_PER_CELL = 900
MEMORY_PER_FORMULA = 1_800
STRICT_NS = NS_STRICT

SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_ALLOWED = "en Excel-projektmappe gemt som .xlsx eller .xlsm (Office Open XML, uden adgangskode)"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 16
_MAX_KEPT = 100_000  # sheets / relationships / content-type overrides remembered from structural parts
_MACRO_TYPES = ("sheet.macroEnabled.main+xml", "template.macroEnabledTemplate.main+xml")
_WORKBOOK_TYPES = ("spreadsheetml.sheet.main+xml", "spreadsheetml.template.main+xml", *_MACRO_TYPES)


class UnsafeFileError(XlmodelError):
    """A workbook file was refused before (or while) reading it: hostile, broken or not a workbook.

    >>> print(UnsafeFileError("budget.xlsx", "er tom (0 byte)", "en projektmappe gemt af Excel"))
    budget.xlsx: er tom (0 byte); tilladt: en projektmappe gemt af Excel

    The messages are Danish: a finance officer reads them on the command line.
    """

    def __init__(self, file: str | os.PathLike[str], problem: str, allowed: str = _ALLOWED, *,
                 label: str = "tilladt") -> None:
        self.file = str(file)
        self.problem = problem
        ValueError.__init__(self, f"{self.file}: {problem}; {label}: {allowed}")
        self.argument, self.value, self.allowed, self.detail = "file", self.file, allowed, problem



def _da(cls: type[UnsafeFileError], file: str | os.PathLike[str], problem: str,
        allowed: str) -> UnsafeFileError:
    """A refusal worded in Danish (what the finance officer reads): ``…; tilladt: …``."""
    return cls(file, problem, allowed, label="tilladt")


@dataclass(frozen=True)
class SheetInfo:
    """What a worksheet part holds, as counted while streaming it."""

    name: str
    part: str
    dimension: str | None
    rows: int
    cells: int
    max_row: int
    max_col: int


@dataclass(frozen=True)
class WorkbookInfo:
    """The result of :func:`check_workbook_file` for a file that passed."""

    path: Path
    size: int  # bytes on disk
    members: int  # zip entries
    uncompressed: int  # bytes actually inflated
    workbook_part: str
    macro_enabled: bool  # the workbook's content type is .xlsm/.xltm
    has_vba: bool  # xl/vbaProject.bin present
    sheets: tuple[SheetInfo, ...]
    cells: int
    shared_strings: int
    seconds: float
    formulas: int = 0
    #: sheets named in the workbook that are not readable worksheets: (sheet name, why), in Danish
    unreadable: tuple[tuple[str, str], ...] = ()
    #: every member inflated, by name (only with ``keep_parts=True``; not compared or shown)
    parts: dict[str, bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def memory_estimate(self) -> int:
        """Bytes a refresh of this workbook needs beyond the interpreter (see MEMORY_PER_*)."""
        return self.cells * MEMORY_PER_CELL + self.formulas * MEMORY_PER_FORMULA + self.uncompressed




class _Refused(Exception):
    """Internal: a limit or rule was broken while streaming; becomes UnsafeFileError."""

    def __init__(self, problem: str, allowed: str = _ALLOWED, *, label: str = "tilladt") -> None:
        super().__init__(problem)
        self.problem, self.allowed, self.label = problem, allowed, label


def _g(x: float) -> str:
    """A limit in Danish notation, as few digits as needed: ``_g(0.5)`` → ``'0,5'``."""
    return f"{x:g}".replace(".", ",")


def _mb(n: float) -> str:
    """Bytes for a message, Danish notation: ``_mb(22094)`` → ``'22,1 kB'``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{format_tal(n / size, 1)} {unit}"
    return f"{format_tal(n, 0)} byte"


# --------------------------------------------------------------------------- checking


@dataclass
class _Budget:
    """Running totals shared by all members: inflated bytes, cells, elapsed time."""

    max_uncompressed: int
    max_ratio: float
    max_cells: int
    deadline: float
    timeout: float
    inflated: int = 0
    cells: int = 0
    formulas: int = 0

    def add(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.max_uncompressed:
            raise _Refused(f"fylder mere end {_mb(self.max_uncompressed)} udpakket (en zip-bombe?)",
                           f"højst {_mb(self.max_uncompressed)} udpakket (max_uncompressed)")
        if time.monotonic() > self.deadline:
            raise _Refused(f"tog mere end {_g(self.timeout)} s at kontrollere",
                           f"en projektmappe, der kan kontrolleres inden for {_g(self.timeout)} s (timeout)")


def _sniff_ole2(fh: Any, size: int) -> str:
    """Name what an OLE2 compound file is: encrypted OOXML, or legacy .xls/.doc."""
    head = fh.read(512)
    names = b""
    if len(head) == 512:
        shift = struct.unpack_from("<H", head, 0x1E)[0]
        first_dir = struct.unpack_from("<l", head, 0x30)[0]
        if 7 <= shift <= 16 and first_dir >= 0:
            fh.seek((first_dir + 1) << shift)
            names = fh.read(1 << shift)
    fh.seek(0)
    names += fh.read(min(size, 1 << 20))  # fallback: directory entries near the start
    if "EncryptedPackage".encode("utf-16-le") in names or "EncryptionInfo".encode("utf-16-le") in names:
        return "er en projektmappe beskyttet med adgangskode (krypteret)"
    if "Workbook".encode("utf-16-le") in names or "Book".encode("utf-16-le") in names:
        return "er en gammel Excel 97–2003 .xls-fil"
    return "er beskyttet med adgangskode eller en gammel .xls-fil (OLE2-fil)"


def _eocd(fh: Any, size: int) -> tuple[int, int] | None:
    """(entries, directory bytes) from the end-of-central-directory record, before zipfile parses it."""
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    i = tail.rfind(b"PK\x05\x06")
    if i < 0 or len(tail) - i < 22:
        return None
    entries, cd_size = struct.unpack_from("<HL", tail, i + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the real counts are in the zip64 record
        j = i - 20
        if j >= 0 and tail[j:j + 4] == b"PK\x06\x07":
            offset = struct.unpack_from("<Q", tail, j + 8)[0]
            fh.seek(offset)
            rec = fh.read(56)
            if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
                entries, cd_size = struct.unpack_from("<QQ", rec, 32)
    return entries, cd_size


def _inflate(fh: Any, info: zipfile.ZipInfo, budget: _Budget,
             sink: list[bytes] | None = None) -> Iterator[bytes]:
    """Stream one member's data, inflating ourselves so that nothing beyond the declared size is made.

    The zip directory can lie: inflating stops within one 64 kB chunk of the declared size, the
    ratio is checked on bytes actually produced, and the size and CRC are verified at the end.
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _Refused(f"er beskadiget: zip-delen {info.filename!r} mangler sit lokale hoved")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left, produced, crc = info.compress_size, 0, 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    buf = b""
    while True:
        if not buf:
            if left <= 0:
                break
            buf = fh.read(min(_CHUNK, left))
            if not buf:
                raise _Refused(f"er afkortet: zip-delen {info.filename!r} slutter for tidligt")
            left -= len(buf)
        if inflater is None:
            out, buf = buf, b""
        else:
            try:
                out = inflater.decompress(buf, _CHUNK)
            except zlib.error as exc:
                raise _Refused(f"er beskadiget: zip-delen {info.filename!r} kan ikke pakkes ud "
                               f"({exc})") from None
            buf = inflater.unconsumed_tail
        produced += len(out)
        if produced > info.file_size:
            raise _Refused(f"er beskadiget eller forfalsket: zip-delen {info.filename!r} fylder "
                           "udpakket mere end de "
                           f"{format_tal(info.file_size, 0)} byte, som fortegnelsen angiver (en zip-bombe?)")
        if produced > RATIO_GRACE and produced > budget.max_ratio * max(info.compress_size, 1):
            raise _Refused(f"zip-delen {info.filename!r} vokser mere end {_g(budget.max_ratio)}× "
                           "ved udpakning (en zip-bombe?)",
                           f"et pakkeforhold på højst {_g(budget.max_ratio)} (max_ratio)")
        budget.add(len(out))
        crc = zlib.crc32(out, crc)
        if out:
            if sink is not None:
                sink.append(out)
            yield out
        if inflater is not None and inflater.eof:
            break
    if inflater is not None and not inflater.eof:
        raise _Refused(f"er afkortet: zip-delen {info.filename!r} slutter midt i sine data")
    if produced != info.file_size or crc != info.CRC:
        raise _Refused(f"er beskadiget: zip-delen {info.filename!r} passer ikke med sin "
                       "kontrolsum eller størrelse")




class _PartScanner(ContentHandler):
    """SAX handler for one XML part: remembers what the check needs, counts sheet cells."""

    def __init__(self, part: str, label: str, budget: _Budget, keep: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.part, self.label, self.budget, self.keep = part, label, budget, keep
        self.kind = ""
        self.ns = ""
        self.attrs: list[tuple[str, dict[str, str]]] = []  # attributes of the elements named in keep
        self.dimension: str | None = None
        self.rows = self.cells = self.max_row = self.max_col = 0
        self._row = self._col = 0
        self.run = 0  # characters since the last tag, bytes fed since the last event
        self.fed = 0

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        self.kind = name[1]
        self.ns = name[0] or ""
        if self.kind in ("worksheet", "dialogsheet", "macrosheet"):
            self.startElementNS = self._sheet  # type: ignore[method-assign]
        elif self.kind == "sst":
            self.startElementNS = self._sst  # type: ignore[method-assign]
        elif self.keep:
            self.startElementNS = self._keep  # type: ignore[method-assign]
        else:
            self.startElementNS = self._other  # type: ignore[method-assign]

    def _other(self, name: Any, qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0

    def endElementNS(self, name: Any, qname: Any) -> None:
        self.run = self.fed = 0

    def characters(self, content: str) -> None:
        self.run += len(content)
        self.fed = 0
        if self.run > MAX_RUN:
            raise _Refused(f"delen {self.part!r} har en tekst på mere end {format_tal(MAX_RUN, 0)} tegn",
                           "tekst inden for Excels grænser (32.767 tegn i en celle)")

    def fed_bytes(self, n: int) -> None:
        """Called before each chunk: a tag that never ends would grow expat's buffer without bound."""
        self.fed += n
        if self.fed > MAX_RUN:
            raise _Refused(f"delen {self.part!r} har et XML-tag på mere end {format_tal(MAX_RUN, 0)} byte",
                           "tags og attributter af almindelig længde, som Excel skriver dem")

    def _keep(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        if name[1] in self.keep:
            if len(self.attrs) >= _MAX_KEPT:
                raise _Refused(f"delen {self.part!r} har mere end {format_tal(_MAX_KEPT, 0)} "
                               f"{name[1]}-elementer")
            self.attrs.append((name[1], {k[1]: v for k, v in attrs.items()}))

    def _sst(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        if name[1] == "si":
            self.cells += 1
            if self.cells > self.budget.max_cells:
                raise _Refused(f"har mere end {format_tal(self.budget.max_cells, 0)} delte tekster "
                               "(shared strings)",
                               f"højst {format_tal(self.budget.max_cells, 0)} celler (max_cells)")

    def _sheet(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        local = name[1]
        if local == "c":
            self.cells += 1
            self.budget.cells += 1
            ref = attrs.get((None, "r"))
            if ref:
                letters = ref.rstrip("0123456789")
                col = col_number(letters)
                digits = ref[len(letters):]
                if digits and (len(digits) > 7 or int(digits) > MAX_ROW):
                    self._beyond_grid(f"en celle {ref[:20]!r} (et ark med en milliard rækker?)")
            else:
                col = self._col + 1
            self._col = col
            if col > MAX_COL:
                self._beyond_grid(f"en celle i kolonne {format_tal(col, 0)}")
            if col > self.max_col:
                self.max_col = col
            if self.budget.cells > self.budget.max_cells:
                raise _Refused(f"har mere end {format_tal(self.budget.max_cells, 0)} celler ({self.label})",
                               f"højst {format_tal(self.budget.max_cells, 0)} celler i alle ark (max_cells)")
        elif local == "f":
            self.budget.formulas += 1
        elif local == "row":
            r = attrs.get((None, "r"))
            if r is None:
                row = self._row + 1
            elif r.isdigit() and len(r) <= 7:
                row = int(r)
            else:
                self._beyond_grid(f"en række med nummer {r[:20]!r} (et ark med en milliard rækker?)")
            if row > MAX_ROW:
                self._beyond_grid(f"en række med nummer {format_tal(row, 0)} "
                                  "(et ark med en milliard rækker?)")
            self._row, self._col = row, 0
            self.rows += 1
            if row > self.max_row:
                self.max_row = row
        elif local == "dimension":
            self.dimension = attrs.get((None, "ref"), "")
            claimed = area(self.dimension)
            if claimed > self.budget.max_cells:
                raise _Refused(
                    f"{self.label} angiver området {self.dimension[:40]} ({format_tal(claimed, 0)} celler)",
                    f"et brugt område på højst {format_tal(self.budget.max_cells, 0)} celler (max_cells) "
                    "— slet ubrugte rækker og kolonner (Ctrl+End viser det brugte område) og gem")

    def _beyond_grid(self, what: str) -> NoReturn:
        raise _Refused(f"{self.label} har {what}, uden for Excels gitter",
                       f"rækkerne 1–{format_tal(MAX_ROW, 0)} og kolonnerne A–XFD")


def _scan_xml(fh: Any, info: zipfile.ZipInfo, label: str, budget: _Budget,
              keep: frozenset[str] = frozenset(), sink: list[bytes] | None = None) -> _PartScanner:
    """Full SAX parse of one part (structural parts, and XML not in an ASCII-compatible encoding)."""
    scanner = _PartScanner(info.filename, label, budget, keep)
    parser = DefusedExpatParser(namespaceHandling=1, forbid_dtd=True, forbid_entities=True,
                                forbid_external=True)
    parser.setContentHandler(scanner)
    lenient = info.filename.lower().endswith(".vml")  # Excel's VML is not always well-formed XML
    chunks = _inflate(fh, info, budget, sink)
    try:
        for chunk in chunks:
            scanner.fed_bytes(len(chunk))
            parser.feed(chunk)
        parser.close()
    except DefusedXmlException as exc:
        raise _Refused(f"XML-delen {info.filename!r} erklærer en DTD eller entiteter ("
                       f"{type(exc).__name__}): et angreb med entitetsudvidelse (billion laughs) eller "
                       "eksterne entiteter",
                       "XML-dele uden <!DOCTYPE> eller <!ENTITY>, som Excel skriver dem") from None
    except SAXParseException as exc:
        if not lenient:
            raise _Refused(f"XML-delen {info.filename!r} er ikke velformet XML "
                           f"(linje {exc.getLineNumber()}: {exc.getMessage()})") from None
        for _ in chunks:  # still count, bound and CRC-check the rest of a sloppy VML part
            pass
    return scanner

#: A DTD or an entity declaration: the only way into an entity-expansion (billion laughs,
#: quadratic blow-up) or external-entity (XXE) attack.  Excel and LibreOffice never write one.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<(?![?!])(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)")
_SHEET_KINDS = ("worksheet", "dialogsheet", "macrosheet")
_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r")  # what may follow an element's name


class _ByteScan:
    """One XML part streamed as bytes: no parse, only what the check needs.

    * a DTD or entity declaration anywhere (``<!DOCTYPE``, ``<!ENTITY``, any case) is refused;
    * a text run or a tag longer than :data:`MAX_RUN` is refused (no reader buffers it);
    * worksheets: cells, formulas and rows counted, the dimension, the largest row and column,
      rows and columns beyond Excel's grid refused; shared strings: the ``<si>`` items counted.

    Chunks are cut at their last ``<`` and the rest carried over, so no pattern is split; the
    run checks look only at a chunk's first and last ``<``/``>`` (a chunk, 64 kB, is far
    shorter than MAX_RUN, so a run longer than MAX_RUN always crosses chunk boundaries).
    """

    def __init__(self, part: str, label: str, budget: _Budget) -> None:
        self.part, self.label, self.budget = part, label, budget
        self.kind = ""
        self.ns = ""
        self.dimension: str | None = None
        self.rows = self.cells = self.max_row = self.max_col = 0
        self.fallback = False  # not ASCII-compatible (UTF-16/32): the SAX parse decides
        self._carry = b""
        self._tail = b""   # the last bytes of the previous chunk, for _DTD across a boundary
        self._since_lt = self._since_gt = 0
        self._in_tag = False
        self._started = False

    # -- the stream -------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        if not self._started:
            self._start(chunk)
            if self.fallback:
                return
        self._runs(chunk)
        if _DTD.search(self._tail + chunk):
            raise _Refused(f"XML-delen {self.part!r} erklærer en DTD eller entiteter "
                           "(<!DOCTYPE eller <!ENTITY): et angreb med entitetsudvidelse (billion laughs) "
                           "eller eksterne entiteter",
                           "XML-dele uden <!DOCTYPE> eller <!ENTITY>, som Excel skriver dem")
        self._tail = chunk[-9:]
        if self.kind in _SHEET_KINDS or self.kind == "sst":
            buf = self._carry + chunk if self._carry else chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                self._carry = buf
                return
            self._carry = buf[cut:]
            self._count(buf[:cut])

    def close(self) -> None:
        if self._carry and (self.kind in _SHEET_KINDS or self.kind == "sst"):
            self._count(self._carry)
            self._carry = b""

    def _start(self, chunk: bytes) -> None:
        self._started = True
        head = chunk[:4]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
            self.fallback = True
            return
        m = _ROOT.search(chunk, 0, 1 << 16)
        while m is not None and chunk[m.start():m.start() + 4] == b"<!--":  # pragma: no cover
            m = _ROOT.search(chunk, m.end(), 1 << 16)
        if m is None:
            return
        self.kind = m.group(2).decode("ascii", "replace")
        prefix = m.group(1) or b""
        if prefix:
            ns = re.search(rb"xmlns:" + re.escape(prefix) + rb"\s*=\s*[\"']([^\"']*)", chunk)
        else:
            ns = re.search(rb"xmlns\s*=\s*[\"']([^\"']*)", chunk)
        self.ns = ns.group(1).decode("utf-8", "replace") if ns else ""
        p = re.escape(prefix + b":") if prefix else b""
        self._p = (prefix + b":") if prefix else b""
        self._row_r = re.compile(rb"<" + p + rb"row\b[^>]*?\sr\s*=\s*[\"']([^\"']*)")
        self._cell_r = re.compile(rb"<" + p + rb"c\b[^>]*?\sr\s*=\s*[\"']\$?([A-Za-z]*)\$?(\d*)")
        self._dim = re.compile(rb"<" + p + rb"dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']*)")

    def _runs(self, chunk: bytes) -> None:
        n = len(chunk)
        lt, gt = chunk.find(b"<"), chunk.find(b">")
        if self._in_tag:
            if self._since_lt + (gt if gt >= 0 else n) > MAX_RUN:
                raise _Refused(f"delen {self.part!r} har et XML-tag på mere end "
                               f"{format_tal(MAX_RUN, 0)} byte",
                               "tags og attributter af almindelig længde, som Excel skriver dem")
        elif self._since_gt + (lt if lt >= 0 else n) > MAX_RUN:
            raise _Refused(f"delen {self.part!r} har en tekst på mere end {format_tal(MAX_RUN, 0)} tegn",
                           "tekst inden for Excels grænser (32.767 tegn i en celle)")
        last_lt, last_gt = chunk.rfind(b"<"), chunk.rfind(b">")
        self._since_lt = n - 1 - last_lt if last_lt >= 0 else self._since_lt + n
        self._since_gt = n - 1 - last_gt if last_gt >= 0 else self._since_gt + n
        if last_lt >= 0 or last_gt >= 0:
            self._in_tag = last_lt > last_gt

    # -- counting ---------------------------------------------------------------------------
    def _elements(self, buf: bytes, name: bytes) -> int:
        tag = b"<" + self._p + name
        return sum(buf.count(tag + after) for after in _AFTER_NAME)

    def _count(self, buf: bytes) -> None:
        if self.kind == "sst":
            self.cells += self._elements(buf, b"si")
            if self.cells > self.budget.max_cells:
                raise _Refused(f"har mere end {format_tal(self.budget.max_cells, 0)} delte tekster "
                               "(shared strings)",
                               f"højst {format_tal(self.budget.max_cells, 0)} celler (max_cells)")
            return
        if self.dimension is None:
            m = self._dim.search(buf)
            if m is not None:
                self.dimension = m.group(1).decode("utf-8", "replace")
                claimed = area(self.dimension)
                if claimed > self.budget.max_cells:
                    raise _Refused(
                        f"{self.label} angiver området {self.dimension[:40]} "
                        f"({format_tal(claimed, 0)} celler)",
                        f"et brugt område på højst {format_tal(self.budget.max_cells, 0)} celler (max_cells) "
                        "— slet ubrugte rækker og kolonner (Ctrl+End viser det brugte område) og gem")
        cells = self._elements(buf, b"c")
        self.cells += cells
        self.budget.cells += cells
        self.budget.formulas += self._elements(buf, b"f")
        rows = self._elements(buf, b"row")
        self.rows += rows
        if rows:
            numbers = self._row_r.findall(buf)
            for r in set(numbers):
                if not r.isdigit() or len(r) > 7 or int(r) > MAX_ROW:
                    self._beyond_grid(f"en række med nummer {r[:20].decode('ascii', 'replace')!r} "
                                      "(et ark med en milliard rækker?)")
            top = max((int(r) for r in numbers), default=0)
            self.max_row = max(self.max_row, top, self.rows if len(numbers) < rows else 0)
        if cells:
            refs = self._cell_r.findall(buf)
            letters = {a for a, _ in refs}
            widest = max(letters, key=lambda x: (len(x), x.upper()), default=b"")
            if widest:
                col = col_number(widest.decode("ascii"))
                if len(widest) > 3 or col > MAX_COL:
                    self._beyond_grid(f"en celle i kolonne {widest[:10].decode('ascii')} "
                                      f"({format_tal(col, 0) if len(widest) <= 7 else 'langt ude'})")
                self.max_col = max(self.max_col, col)
            deepest = max((d for _, d in refs), key=lambda x: (len(x), x), default=b"")
            if deepest and (len(deepest) > 7 or int(deepest) > MAX_ROW):
                self._beyond_grid(f"en celle i række {deepest[:20].decode('ascii')} "
                                  "(et ark med en milliard rækker?)")
        if self.budget.cells > self.budget.max_cells:
            raise _Refused(f"har mere end {format_tal(self.budget.max_cells, 0)} celler ({self.label})",
                           f"højst {format_tal(self.budget.max_cells, 0)} celler i alle ark (max_cells)")

    def _beyond_grid(self, what: str) -> NoReturn:
        raise _Refused(f"{self.label} har {what}, uden for Excels gitter",
                       f"rækkerne 1–{format_tal(MAX_ROW, 0)} og kolonnerne A–XFD")


def _scan_bytes(fh: Any, info: zipfile.ZipInfo, label: str, budget: _Budget,
                sink: list[bytes] | None = None) -> _ByteScan | _PartScanner:
    """Byte scan of one XML part (a full SAX parse only for XML that is not ASCII-compatible)."""
    scan = _ByteScan(info.filename, label, budget)
    for chunk in _inflate(fh, info, budget, sink):
        scan.feed(chunk)
        if scan.fallback:
            if sink is not None:
                sink.clear()
            return _scan_xml(fh, info, label, budget, sink=sink)
    scan.close()
    return scan


def check_workbook_file(
    path: str | os.PathLike[str],
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_ratio: float = MAX_RATIO,
    max_cells: int = MAX_CELLS,
    max_members: int = MAX_MEMBERS,
    timeout: float = TIMEOUT,
    max_part: int = MAX_PART,
    max_memory: int | None = None,
) -> WorkbookInfo:
    """Check a workbook file before any library opens it; refuse hostile or broken files.

    Raises :class:`UnsafeFileError` (an :class:`~xlmodel.errors.XlmodelError`) with one line
    naming the file, the problem and what is allowed.  Nothing is extracted to disk; memory
    stays bounded (streamed, 64 kB at a time); the whole check stops after ``timeout`` seconds.

    >>> check_workbook_file("no-such-budget.xlsx")
    Traceback (most recent call last):
    ...
    xlmodel.ooxml.safety.UnsafeFileError: no-such-budget.xlsx: findes ikke; tilladt: ...

    ``max_part``: the largest inflated part (the engine's limit).  ``max_memory``: bytes the
    estimated cost of a refresh (:attr:`WorkbookInfo.memory_estimate`) may reach; None → the
    ``XLMODEL_MAX_MEMORY_MB`` variable, else the smaller of 8 GiB and the memory free now.
    """
    start = time.monotonic()
    shown = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnsafeFileError(shown, "findes ikke") from None
    except PermissionError:
        raise UnsafeFileError(shown, "kan ikke læses (ingen adgang)") from None
    except (OSError, ValueError) as exc:
        raise UnsafeFileError(shown, f"kan ikke læses ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFileError(shown, "er en mappe, ikke en projektmappe-fil")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(shown, "er ikke en almindelig fil (en enhed, et rør eller en socket)")
    if st.st_size == 0:
        raise UnsafeFileError(shown, "er tom (0 byte)")
    with open(path, "rb") as fh:
        return _check_stream(fh, shown, Path(path), st.st_size, start, max_uncompressed=max_uncompressed,
                             max_ratio=max_ratio, max_cells=max_cells, max_members=max_members,
                             timeout=timeout, max_part=max_part, max_memory=max_memory)


def check_workbook_bytes(
    data: bytes,
    name: str | os.PathLike[str],
    *,
    keep_parts: bool = False,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_ratio: float = MAX_RATIO,
    max_cells: int = MAX_CELLS,
    max_members: int = MAX_MEMBERS,
    timeout: float = TIMEOUT,
    max_part: int = MAX_PART,
    max_memory: int | None = None,
) -> WorkbookInfo:
    """:func:`check_workbook_file` on bytes already read (``name`` for messages and the suffix).

    The bytes checked are the bytes loaded: no other program can change the file in between.
    ``keep_parts=True``: :attr:`WorkbookInfo.parts` holds every member inflated (CRC-checked),
    so that the package is built without inflating again.
    """
    shown = os.fspath(name)
    if not data:
        raise UnsafeFileError(shown, "er tom (0 byte)")
    return _check_stream(io.BytesIO(data), shown, Path(name), len(data), time.monotonic(),
                         keep_parts=keep_parts, max_uncompressed=max_uncompressed, max_ratio=max_ratio,
                         max_cells=max_cells, max_members=max_members, timeout=timeout, max_part=max_part,
                         max_memory=max_memory)


def _check_stream(fh: Any, shown: str, path: Path, size: int, start: float, *, keep_parts: bool = False,
                  max_uncompressed: int, max_ratio: float, max_cells: int, max_members: int,
                  timeout: float, max_part: int, max_memory: int | None) -> WorkbookInfo:
    budget = _Budget(max_uncompressed, max_ratio, max_cells, start + timeout, timeout)
    try:
        info = _check_open(fh, path, size, budget, max_members, start, max_part,
                           parts={} if keep_parts else None)
        limit, source = (max_memory, "max_memory") if max_memory is not None else memory_limit()
        if info.memory_estimate > limit:
            raise _Refused(
                f"kræver anslået {_mb(info.memory_estimate)} hukommelse at genberegne "
                f"({info.cells:,} celler, "
                f"{info.formulas:,} formler), mere end grænsen {_mb(limit)} ({source})",
                f"højst {_mb(limit)}; hæv grænsen med {MEMORY_ENV}=<MB> på en maskine med mere "
                "hukommelse, eller del projektmappen op", label="tilladt")
        return info
    except _Refused as exc:
        raise UnsafeFileError(shown, exc.problem, exc.allowed, label=exc.label) from None
    except PermissionError:
        raise UnsafeFileError(shown, "kan ikke læses (ingen adgang)") from None
    except OSError as exc:
        raise UnsafeFileError(shown, f"kan ikke læses ({exc.strerror or exc})") from None
    except Exception as exc:  # zipfile/struct/unicode errors on a malformed archive: damaged, not a crash
        raise UnsafeFileError(shown, f"er beskadiget ({type(exc).__name__}: {str(exc)[:160]})") from None


def memory_limit() -> tuple[int, str]:
    """(bytes, where the number comes from) that a refresh may use: the env variable, else
    the smaller of :data:`MAX_MEMORY` and the memory free now (MemAvailable, the address-space
    limit, the cgroup limit).  Free memory varies between runs: a refusal for lack of memory
    says so and names the variable to override it."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            return int(float(text) * (1 << 20)), f"{MEMORY_ENV}={text}"
        except ValueError:
            raise XlmodelError(MEMORY_ENV, text, "a number of megabytes, e.g. 16000") from None
    limit, source = MAX_MEMORY, "standardgrænsen"
    for free, what in _free_memory():
        if free < limit:
            limit, source = free, what
    return limit, source


def _free_memory() -> Iterator[tuple[int, str]]:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                yield int(line.split()[1]) * 1024, "den ledige hukommelse (MemAvailable)"
    with contextlib.suppress(ImportError, OSError, ValueError):
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            used = 0
            with contextlib.suppress(OSError, ValueError, IndexError):
                for line in Path("/proc/self/status").read_text().splitlines():
                    if line.startswith("VmSize:"):
                        used = int(line.split()[1]) * 1024
            yield max(soft - used, 0), "processens grænse for adresserum (ulimit -v)"
    with contextlib.suppress(OSError, ValueError):
        top = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if top != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            yield max(int(top) - used, 0), "containerens hukommelsesgrænse (cgroup)"


def _check_open(fh: Any, path: Path, size: int, budget: _Budget, max_members: int,
                start: float, max_part: int = MAX_PART,
                parts: dict[str, bytes] | None = None) -> WorkbookInfo:
    head = fh.read(8)
    fh.seek(0)
    if head == _OLE2:
        raise _Refused(_sniff_ole2(fh, size), "en .xlsx/.xlsm-projektmappe uden adgangskode — er den "
                       "beskyttet med adgangskode eller en gammel .xls: åbn den i Excel og gem som .xlsx "
                       "uden adgangskode")
    if head[:4] == b"PK\x05\x06":
        raise _Refused("er et tomt zip-arkiv (ingen dele af en projektmappe)")
    if head[:4] != b"PK\x03\x04":
        looks = "HTML/XML-tekst" if head.lstrip()[:1] == b"<" else "ikke et zip-arkiv"
        raise _Refused(f"er ikke en Excel-projektmappe ({looks}; måske er den omdøbt)")
    if path.suffix.lower() not in SUFFIXES:
        raise _Refused(f"har filtypen {path.suffix or '(ingen)'!r}",
                       f"en fil, der ender på {', '.join(SUFFIXES)}")
    if size > budget.max_uncompressed:
        raise _Refused(f"fylder {_mb(size)} på disken",
                       f"højst {_mb(budget.max_uncompressed)} (max_uncompressed)")
    end = _eocd(fh, size)
    if end is None:
        raise _Refused("er afkortet eller beskadiget: zip-fortegnelsen i slutningen af filen mangler")
    if end[0] > max_members or end[1] > 64 * max_members * 1024:
        raise _Refused(f"har {format_tal(end[0], 0)} zip-dele",
                       f"højst {format_tal(max_members, 0)} dele (max_members)")
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError) as exc:
        raise _Refused(f"er afkortet eller beskadiget ({exc})") from None
    infos = archive.infolist()
    if len(infos) > max_members:
        raise _Refused(f"har {format_tal(len(infos), 0)} zip-dele",
                       f"højst {format_tal(max_members, 0)} dele (max_members)")
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _Refused(f"zip-delen {info.filename!r} er krypteret (zip-adgangskode)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"zip-delen {info.filename!r} bruger komprimeringsmetode {info.compress_type}",
                           "dele, der er gemt ukomprimeret eller med deflate, som Excel skriver dem")
        declared += info.file_size
        if info.file_size > RATIO_GRACE and info.file_size > budget.max_ratio * max(info.compress_size, 1):
            raise _Refused(f"zip-delen {info.filename!r} angiver {_mb(info.file_size)} ud fra "
                           f"{_mb(info.compress_size)} (en zip-bombe?)",
                           f"et pakkeforhold på højst {_g(budget.max_ratio)} (max_ratio)")
        if info.file_size > max_part:  # after the ratio: a zip bomb is named as one
            raise _Refused(f"delen {info.filename!r} fylder {_mb(info.file_size)} udpakket, mere end "
                           "regnemotoren læser",
                           f"højst {format_tal(max_part, 0)} byte ({_mb(max_part)}) pr. del (max_part) — "
                           "fjern ubrugte data (fx tekst i mange celler) og gem igen", label="tilladt")
    if declared > budget.max_uncompressed:
        raise _Refused(f"angiver {_mb(declared)} udpakket (en zip-bombe?)",
                       f"højst {_mb(budget.max_uncompressed)} udpakket (max_uncompressed)")
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in itertools.pairwise(ordered):
        if a.header_offset + 30 + a.compress_size > b.header_offset:
            raise _Refused(f"har overlappende zip-dele {a.filename!r} og {b.filename!r} "
                           "(en zip-bombe med overlappende dele?)")
    names = {i.filename: i for i in infos}
    if "mimetype" in names and "content.xml" in names:
        raise _Refused("er et OpenDocument-regneark (.ods), ikke en Excel-projektmappe")
    if "[Content_Types].xml" not in names:
        if "xl/workbook.bin" in names:
            raise _Refused("er en binær .xlsb-projektmappe")
        raise _Refused("er ikke en Excel-projektmappe: delen [Content_Types].xml mangler")
    if "xl/workbook.bin" in names:
        raise _Refused("er en binær .xlsb-projektmappe", "en projektmappe gemt som .xlsx eller .xlsm")

    # Structural parts first so that sheet messages can name the sheet.
    def sink(name: str) -> list[bytes] | None:
        return None if parts is None else chunks.setdefault(name, [])

    chunks: dict[str, list[bytes]] = {}
    types = _scan_xml(fh, names["[Content_Types].xml"], "[Content_Types].xml", budget,
                      frozenset({"Override"}), sink("[Content_Types].xml"))
    overrides = {a.get("PartName", "").lstrip("/"): a.get("ContentType", "")
                 for tag, a in types.attrs if tag == "Override"}
    workbook_part = next((p for p, ct in overrides.items() if ct.endswith(_WORKBOOK_TYPES)), "")
    if workbook_part not in names:
        workbook_part = "xl/workbook.xml" if "xl/workbook.xml" in names else ""
    if not workbook_part:
        raise _Refused("er ikke en Excel-projektmappe: delen xl/workbook.xml mangler")
    macro_enabled = overrides.get(workbook_part, "").endswith(_MACRO_TYPES)
    base = posixpath.dirname(workbook_part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels")
    done = {"[Content_Types].xml"}
    scanned: dict[str, _PartScanner] = {}
    labels: dict[str, str] = {}
    for part, keep in ((workbook_part, "sheet"), (rels_part, "Relationship")):
        if part in names:
            scanned[part] = _scan_xml(fh, names[part], part, budget, frozenset({keep}), sink(part))
            done.add(part)
    if scanned[workbook_part].ns == STRICT_NS:
        raise _Refused("er gemt som Strict Open XML-regneark, som xlmodel ikke understøtter",
                       'en projektmappe gemt som "Excel-projektmappe (*.xlsx)" (Transitional), ikke '
                       '"Strict Open XML-regneark": åbn den i Excel og vælg Gem som', label="tilladt")
    rels = scanned[rels_part].attrs if rels_part in scanned else []
    targets = {a.get("Id"): resolve_target(workbook_part, a.get("Target", ""))
               for tag, a in rels if tag == "Relationship"}
    sheet_names: dict[str, str] = {}
    unreadable: list[tuple[str, str]] = []
    for tag, a in scanned[workbook_part].attrs:
        if tag == "sheet":
            target = targets.get(a.get("id"))
            if target is None:
                unreadable.append((a.get("name", "?"),
                                   f"arket har ingen relation {a.get('id')!r} i {rels_part}"))
            elif target not in names:
                unreadable.append((a.get("name", "?"), f"delen {target} findes ikke i filen"))
            else:
                sheet_names[target] = a.get("name", "?")
    for part, sheet in sheet_names.items():
        labels[part] = f"arket {sheet[:40]!r} ({part})"

    sheets: list[SheetInfo] = []
    shared = 0
    for info in infos:
        if info.filename in done or info.is_dir():
            continue
        lower = info.filename.lower()
        if lower.endswith((".xml", ".rels", ".vml")):
            label = labels.get(info.filename, f"delen {info.filename!r}")
            sc = _scan_bytes(fh, info, label, budget, sink(info.filename))
            if sc.kind in ("worksheet", "dialogsheet", "macrosheet"):
                sheets.append(SheetInfo(sheet_names.get(info.filename, ""), info.filename, sc.dimension,
                                        sc.rows, sc.cells, sc.max_row, sc.max_col))
            elif sc.kind == "sst":
                shared = sc.cells
            elif info.filename in sheet_names and sc.kind not in ("chartsheet",):
                unreadable.append((sheet_names[info.filename],
                                   f"delen {info.filename} er ikke et regneark (<{sc.kind}>)"))
        else:
            for _ in _inflate(fh, info, budget, sink(info.filename)):  # images, VBA: count, bound, CRC
                pass
    return WorkbookInfo(
        path=path, size=size, members=len(infos), uncompressed=budget.inflated, workbook_part=workbook_part,
        macro_enabled=macro_enabled, has_vba="xl/vbaProject.bin" in names, sheets=tuple(sheets),
        cells=budget.cells, shared_strings=shared, seconds=time.monotonic() - start, formulas=budget.formulas,
        unreadable=tuple(unreadable),
        parts=None if parts is None else {i.filename: b"".join(chunks.get(i.filename, ())) for i in infos
                                          if not i.is_dir()})


