"""Safe file handling for workbooks: refuse hostile or broken files, never lose the user's work.

A finance officer's workbook is often the only copy of weeks of work, and a workbook
mailed in from outside may be hostile.  This module is the one door through which
xlmodel reads and writes workbook files:

* :func:`check_workbook_file` looks at a file *before* any library opens it: a real
  file, a zip (not a legacy or password-protected OLE2 file), no zip bomb (sizes from
  the zip directory *and* a streamed decompression that stops at the limit, because
  the directory can lie), every XML part parsed with defusedxml (no DTD, no entity
  expansion, no external entities), no sheet beyond Excel's grid or the cell limit.
* :func:`open_workbook` = the check + ``openpyxl.load_workbook``; every failure is
  an :class:`UnsafeFileError` with one line naming the file and what is allowed.
* :func:`atomic_write` writes a temporary file in the same folder, fsyncs it, reads
  it back and checks it, and only then replaces the original with ``os.replace``.
  On any failure the original is byte-identical and the temporary file is removed.
  A SIGKILL or power cut between the steps may leave a ``.xlmodel-tmp-*`` file
  beside the target (see :func:`leftover_temp_files`), never a damaged original.
  With ``expect_identity`` (from :func:`read_identified`, noted when the input was read) it
  refuses to replace a file that another program saved meanwhile; a folder lock makes one of
  two concurrent refreshes win and the other be refused.
* :func:`guard_output` / :func:`guard_input` run before any work: no output through a
  symlink, onto the input, or (for reports) over a workbook; no lock file; no folder or FIFO.

Limits (keyword arguments, defaults below) are sized so that real municipal
workbooks of tens of MB pass, while each hostile case is refused in seconds:

=====================  ====================  ==========================================
limit                  default               why
=====================  ====================  ==========================================
``max_uncompressed``   1 GiB                 total inflated size; a dense 10-million-cell
                                             workbook is ~0.5 GB of XML
``max_ratio``          200                   per member above 1 MiB; real parts are
                                             2–20×, deflated zeros ~1000×
``max_cells``          10 000 000            cells (and shared strings); openpyxl needs
                                             ~0.4 kB RAM per cell
``max_members``        10 000                zip entries
``timeout``            120 s                 the whole check; ~10 MB of XML per second
``MAX_RUN`` (constant) 4 MiB                 longest text run or tag in any XML part
=====================  ====================  ==========================================
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import posixpath
import shutil
import stat
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from xlmodel.errors import XlmodelError

__all__ = [
    "MAX_CELLS",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_RUN",
    "MAX_UNCOMPRESSED",
    "TEMP_PREFIX",
    "TIMEOUT",
    "FileIdentity",
    "SafeWriteError",
    "SheetInfo",
    "UnsafeFileError",
    "WorkbookInfo",
    "WriteResult",
    "atomic_write",
    "atomic_write_file",
    "check_workbook_file",
    "file_identity",
    "guard_input",
    "guard_output",
    "leftover_temp_files",
    "lock_files",
    "memory_limit",
    "open_workbook",
    "read_identified",
]

MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 200.0
RATIO_GRACE = 1 << 20  # members smaller than this are not ratio-checked (printer settings are zeros)
MAX_CELLS = 10_000_000
MAX_MEMBERS = 10_000
TIMEOUT = 120.0
MAX_ROW, MAX_COL = 1_048_576, 16_384  # Excel's grid: A1:XFD1048576
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
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"

#: Prefix of atomic_write's temporary files (a SIGKILL may leave one behind; never the original damaged).
TEMP_PREFIX = ".xlmodel-tmp-"
SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_ALLOWED = "an Excel workbook saved as .xlsx or .xlsm (Office Open XML, no password)"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 16
_MAX_KEPT = 100_000  # sheets / relationships / content-type overrides remembered from structural parts
_MACRO_TYPES = ("sheet.macroEnabled.main+xml", "template.macroEnabledTemplate.main+xml")
_WORKBOOK_TYPES = ("spreadsheetml.sheet.main+xml", "spreadsheetml.template.main+xml", *_MACRO_TYPES)


class UnsafeFileError(XlmodelError):
    """A workbook file was refused before (or while) reading it: hostile, broken or not a workbook.

    >>> print(UnsafeFileError("budget.xlsx", "is empty (0 bytes)", "a workbook saved by Excel"))
    budget.xlsx: is empty (0 bytes); allowed: a workbook saved by Excel

    Messages a finance officer reads on the command line are Danish (``label="tilladt"``).
    """

    def __init__(self, file: str | os.PathLike[str], problem: str, allowed: str = _ALLOWED, *,
                 label: str = "allowed") -> None:
        self.file = str(file)
        self.problem = problem
        ValueError.__init__(self, f"{self.file}: {problem}; {label}: {allowed}")
        self.argument, self.value, self.allowed, self.detail = "file", self.file, allowed, problem


class SafeWriteError(UnsafeFileError):
    """A write was refused or failed; the message says the original is unchanged."""


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

    @property
    def memory_estimate(self) -> int:
        """Bytes a refresh of this workbook needs beyond the interpreter (see MEMORY_PER_*)."""
        return self.cells * MEMORY_PER_CELL + self.formulas * MEMORY_PER_FORMULA + self.uncompressed


@dataclass(frozen=True)
class WriteResult:
    """What :func:`atomic_write` did."""

    path: Path
    backup: Path | None
    info: WorkbookInfo | None  # None from atomic_write_file


class _Refused(Exception):
    """Internal: a limit or rule was broken while streaming; becomes UnsafeFileError."""

    def __init__(self, problem: str, allowed: str = _ALLOWED, *, label: str = "allowed") -> None:
        super().__init__(problem)
        self.problem, self.allowed, self.label = problem, allowed, label


def _mb(n: float) -> str:
    """Bytes for a message: ``_mb(22094)`` → ``'22.1 kB'``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


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
            raise _Refused(f"inflates to more than {_mb(self.max_uncompressed)} (a zip bomb?)",
                           f"at most {_mb(self.max_uncompressed)} uncompressed (max_uncompressed)")
        if time.monotonic() > self.deadline:
            raise _Refused(f"took longer than {self.timeout:g} s to check",
                           f"a workbook that can be checked within {self.timeout:g} s (timeout)")


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
        return "is a password-protected (encrypted) workbook"
    if "Workbook".encode("utf-16-le") in names or "Book".encode("utf-16-le") in names:
        return "is a legacy Excel 97–2003 .xls file"
    return "is a password-protected or legacy .xls file (OLE2 compound file)"


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


def _inflate(fh: Any, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    """Stream one member's data, inflating ourselves so that nothing beyond the declared size is made.

    The zip directory can lie: inflating stops within one 64 kB chunk of the declared size, the
    ratio is checked on bytes actually produced, and the size and CRC are verified at the end.
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _Refused(f"is damaged: zip entry {info.filename!r} has no local header")
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
                raise _Refused(f"is truncated: zip entry {info.filename!r} ends early")
            left -= len(buf)
        if inflater is None:
            out, buf = buf, b""
        else:
            try:
                out = inflater.decompress(buf, _CHUNK)
            except zlib.error as exc:
                raise _Refused(f"is damaged: zip entry {info.filename!r} does not inflate ({exc})") from None
            buf = inflater.unconsumed_tail
        produced += len(out)
        if produced > info.file_size:
            raise _Refused(f"is damaged or forged: zip entry {info.filename!r} inflates beyond the "
                           f"{info.file_size:,} bytes its directory declares (a zip bomb?)")
        if produced > RATIO_GRACE and produced > budget.max_ratio * max(info.compress_size, 1):
            raise _Refused(f"zip entry {info.filename!r} inflates more than {budget.max_ratio:g}× "
                           "(a zip bomb?)", f"a compression ratio up to {budget.max_ratio:g} (max_ratio)")
        budget.add(len(out))
        crc = zlib.crc32(out, crc)
        if out:
            yield out
        if inflater is not None and inflater.eof:
            break
    if inflater is not None and not inflater.eof:
        raise _Refused(f"is truncated: zip entry {info.filename!r} ends in the middle of its data")
    if produced != info.file_size or crc != info.CRC:
        raise _Refused(f"is damaged: zip entry {info.filename!r} does not match its checksum or size")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) & 0x1F)  # 'A'/'a' → 1
    return n


def _area(ref: str) -> int:
    """Cells claimed by a dimension ref like ``A1:XFD1048576``; 0 when it cannot be read."""
    corners = []
    for cell in ref.upper().split(":")[:2]:
        letters = cell.rstrip("0123456789").replace("$", "")
        digits = cell[len(cell.rstrip("0123456789")):]
        if not letters.isalpha() or not digits:
            return 0
        corners.append((_col_number(letters), int(digits)))
    if len(corners) == 1:
        return 1
    (c1, r1), (c2, r2) = corners
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)


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
            raise _Refused(f"part {self.part!r} has a text run of more than {MAX_RUN:,} characters",
                           "text up to Excel's limits (32,767 characters in a cell)")

    def fed_bytes(self, n: int) -> None:
        """Called before each chunk: a tag that never ends would grow expat's buffer without bound."""
        self.fed += n
        if self.fed > MAX_RUN:
            raise _Refused(f"part {self.part!r} has an XML tag longer than {MAX_RUN:,} bytes",
                           "tags and attributes of ordinary length, as Excel writes them")

    def _keep(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        if name[1] in self.keep:
            if len(self.attrs) >= _MAX_KEPT:
                raise _Refused(f"part {self.part!r} has more than {_MAX_KEPT:,} {name[1]} entries")
            self.attrs.append((name[1], {k[1]: v for k, v in attrs.items()}))

    def _sst(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        if name[1] == "si":
            self.cells += 1
            if self.cells > self.budget.max_cells:
                raise _Refused(f"has more than {self.budget.max_cells:,} shared strings",
                               f"at most {self.budget.max_cells:,} cells (max_cells)")

    def _sheet(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.run = self.fed = 0
        local = name[1]
        if local == "c":
            self.cells += 1
            self.budget.cells += 1
            ref = attrs.get((None, "r"))
            if ref:
                letters = ref.rstrip("0123456789")
                col = _col_number(letters)
                digits = ref[len(letters):]
                if digits and (len(digits) > 7 or int(digits) > MAX_ROW):
                    self._beyond_grid(f"a cell {ref[:20]!r} (a billion-row sheet?)")
            else:
                col = self._col + 1
            self._col = col
            if col > MAX_COL:
                self._beyond_grid(f"a cell in column {col:,}")
            if col > self.max_col:
                self.max_col = col
            if self.budget.cells > self.budget.max_cells:
                raise _Refused(f"has more than {self.budget.max_cells:,} cells ({self.label})",
                               f"at most {self.budget.max_cells:,} cells in all sheets (max_cells)")
        elif local == "f":
            self.budget.formulas += 1
        elif local == "row":
            r = attrs.get((None, "r"))
            if r is None:
                row = self._row + 1
            elif r.isdigit() and len(r) <= 7:
                row = int(r)
            else:
                self._beyond_grid(f"a row numbered {r[:20]!r} (a billion-row sheet?)")
            if row > MAX_ROW:
                self._beyond_grid(f"a row numbered {row:,} (a billion-row sheet?)")
            self._row, self._col = row, 0
            self.rows += 1
            if row > self.max_row:
                self.max_row = row
        elif local == "dimension":
            self.dimension = attrs.get((None, "ref"), "")
            claimed = _area(self.dimension)
            if claimed > self.budget.max_cells:
                raise _Refused(
                    f"{self.label} claims the range {self.dimension[:40]} ({claimed:,} cells)",
                    f"a used range of at most {self.budget.max_cells:,} cells (max_cells) — delete unused "
                    "rows and columns (Ctrl+End shows the used range) and save")

    def _beyond_grid(self, what: str) -> NoReturn:
        raise _Refused(f"{self.label} has {what}, outside Excel's grid",
                       f"rows 1–{MAX_ROW:,} and columns A–XFD")


def _scan_xml(fh: Any, info: zipfile.ZipInfo, label: str, budget: _Budget,
              keep: frozenset[str] = frozenset()) -> _PartScanner:
    scanner = _PartScanner(info.filename, label, budget, keep)
    parser = DefusedExpatParser(namespaceHandling=1, forbid_dtd=True, forbid_entities=True,
                                forbid_external=True)
    parser.setContentHandler(scanner)
    lenient = info.filename.lower().endswith(".vml")  # Excel's VML is not always well-formed XML
    chunks = _inflate(fh, info, budget)
    try:
        for chunk in chunks:
            scanner.fed_bytes(len(chunk))
            parser.feed(chunk)
        parser.close()
    except DefusedXmlException as exc:
        raise _Refused(f"XML part {info.filename!r} declares a DTD or entities ({type(exc).__name__}): "
                       "an entity-expansion (billion laughs) or external-entity attack",
                       "XML parts without <!DOCTYPE> or <!ENTITY>, as Excel writes them") from None
    except SAXParseException as exc:
        if not lenient:
            raise _Refused(f"XML part {info.filename!r} is not well-formed XML "
                           f"(line {exc.getLineNumber()}: {exc.getMessage()})") from None
        for _ in chunks:  # still count, bound and CRC-check the rest of a sloppy VML part
            pass
    return scanner


def _part_name(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


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
    xlmodel.safeio.UnsafeFileError: no-such-budget.xlsx: does not exist; allowed: ...

    ``max_part``: the largest inflated part (the engine's limit).  ``max_memory``: bytes the
    estimated cost of a refresh (:attr:`WorkbookInfo.memory_estimate`) may reach; None → the
    ``XLMODEL_MAX_MEMORY_MB`` variable, else the smaller of 8 GiB and the memory free now.
    """
    start = time.monotonic()
    shown = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnsafeFileError(shown, "does not exist") from None
    except PermissionError:
        raise UnsafeFileError(shown, "cannot be read (permission denied)") from None
    except (OSError, ValueError) as exc:
        raise UnsafeFileError(shown, f"cannot be read ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFileError(shown, "is a folder, not a workbook file")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(shown, "is not a regular file (a device, pipe or socket)")
    if st.st_size == 0:
        raise UnsafeFileError(shown, "is empty (0 bytes)")
    budget = _Budget(max_uncompressed, max_ratio, max_cells, start + timeout, timeout)
    try:
        with open(path, "rb") as fh:
            info = _check_open(fh, Path(path), st.st_size, budget, max_members, start, max_part)
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
        raise UnsafeFileError(shown, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise UnsafeFileError(shown, f"cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:  # zipfile/struct/unicode errors on a malformed archive: damaged, not a crash
        raise UnsafeFileError(shown, f"is damaged ({type(exc).__name__}: {str(exc)[:160]})") from None


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
                start: float, max_part: int = MAX_PART) -> WorkbookInfo:
    head = fh.read(8)
    fh.seek(0)
    if head == _OLE2:
        raise _Refused(_sniff_ole2(fh, size), "an .xlsx/.xlsm workbook without a password — password-"
                       "protected or legacy .xls: open it in Excel and save as .xlsx without a password")
    if head[:4] == b"PK\x05\x06":
        raise _Refused("is an empty zip archive (no workbook parts)")
    if head[:4] != b"PK\x03\x04":
        looks = "HTML/XML text" if head.lstrip()[:1] == b"<" else "not a zip archive"
        raise _Refused(f"is not an Excel workbook ({looks}; maybe it was renamed)")
    if path.suffix.lower() not in SUFFIXES:
        raise _Refused(f"has the extension {path.suffix or '(none)'!r}",
                       f"a file named {', '.join(SUFFIXES)}")
    if size > budget.max_uncompressed:
        raise _Refused(f"is {_mb(size)} on disk",
                       f"at most {_mb(budget.max_uncompressed)} (max_uncompressed)")
    end = _eocd(fh, size)
    if end is None:
        raise _Refused("is truncated or damaged: the zip directory at the end of the file is missing")
    if end[0] > max_members or end[1] > 64 * max_members * 1024:
        raise _Refused(f"has {end[0]:,} zip entries", f"at most {max_members:,} entries (max_members)")
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError) as exc:
        raise _Refused(f"is truncated or damaged ({exc})") from None
    infos = archive.infolist()
    if len(infos) > max_members:
        raise _Refused(f"has {len(infos):,} zip entries", f"at most {max_members:,} entries (max_members)")
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _Refused(f"zip entry {info.filename!r} is encrypted (zip password)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"zip entry {info.filename!r} uses compression method {info.compress_type}",
                           "stored or deflated entries, as Excel writes them")
        declared += info.file_size
        if info.file_size > RATIO_GRACE and info.file_size > budget.max_ratio * max(info.compress_size, 1):
            raise _Refused(f"zip entry {info.filename!r} claims {_mb(info.file_size)} from "
                           f"{_mb(info.compress_size)} (a zip bomb?)",
                           f"a compression ratio up to {budget.max_ratio:g} (max_ratio)")
        if info.file_size > max_part:  # after the ratio: a zip bomb is named as one
            raise _Refused(f"delen {info.filename!r} fylder {_mb(info.file_size)} udpakket, mere end "
                           "regnemotoren læser",
                           f"højst {max_part:,} byte ({_mb(max_part)}) pr. del (max_part) — "
                           "fjern ubrugte data (fx tekst i mange celler) og gem igen", label="tilladt")
    if declared > budget.max_uncompressed:
        raise _Refused(f"claims {_mb(declared)} uncompressed (a zip bomb?)",
                       f"at most {_mb(budget.max_uncompressed)} uncompressed (max_uncompressed)")
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in itertools.pairwise(ordered):
        if a.header_offset + 30 + a.compress_size > b.header_offset:
            raise _Refused(f"has overlapping zip entries {a.filename!r} and {b.filename!r} "
                           "(an overlapping-entry zip bomb?)")
    names = {i.filename: i for i in infos}
    if "mimetype" in names and "content.xml" in names:
        raise _Refused("is an OpenDocument spreadsheet (.ods), not an Excel workbook")
    if "[Content_Types].xml" not in names:
        if "xl/workbook.bin" in names:
            raise _Refused("is a binary .xlsb workbook")
        raise _Refused("is not an Excel workbook: the part [Content_Types].xml is missing")
    if "xl/workbook.bin" in names:
        raise _Refused("is a binary .xlsb workbook", "a workbook saved as .xlsx or .xlsm")

    # Structural parts first so that sheet messages can name the sheet.
    types = _scan_xml(fh, names["[Content_Types].xml"], "[Content_Types].xml", budget,
                      frozenset({"Override"}))
    overrides = {a.get("PartName", "").lstrip("/"): a.get("ContentType", "")
                 for tag, a in types.attrs if tag == "Override"}
    workbook_part = next((p for p, ct in overrides.items() if ct.endswith(_WORKBOOK_TYPES)), "")
    if workbook_part not in names:
        workbook_part = "xl/workbook.xml" if "xl/workbook.xml" in names else ""
    if not workbook_part:
        raise _Refused("is not an Excel workbook: the part xl/workbook.xml is missing")
    macro_enabled = overrides.get(workbook_part, "").endswith(_MACRO_TYPES)
    base = posixpath.dirname(workbook_part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels")
    done = {"[Content_Types].xml"}
    scanned: dict[str, _PartScanner] = {}
    labels: dict[str, str] = {}
    for part, keep in ((workbook_part, "sheet"), (rels_part, "Relationship")):
        if part in names:
            scanned[part] = _scan_xml(fh, names[part], part, budget, frozenset({keep}))
            done.add(part)
    if scanned[workbook_part].ns == STRICT_NS:
        raise _Refused("er gemt som Strict Open XML-regneark, som xlmodel ikke understøtter",
                       'en projektmappe gemt som "Excel-projektmappe (*.xlsx)" (Transitional), ikke '
                       '"Strict Open XML-regneark": åbn den i Excel og vælg Gem som', label="tilladt")
    rels = scanned[rels_part].attrs if rels_part in scanned else []
    targets = {a.get("Id"): _part_name(base, a.get("Target", "")) for tag, a in rels if tag == "Relationship"}
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
        labels[part] = f"sheet {sheet[:40]!r} ({part})"

    sheets: list[SheetInfo] = []
    shared = 0
    for info in infos:
        if info.filename in done or info.is_dir():
            continue
        lower = info.filename.lower()
        if lower.endswith((".xml", ".rels", ".vml")):
            label = labels.get(info.filename, f"part {info.filename!r}")
            sc = _scan_xml(fh, info, label, budget)
            if sc.kind in ("worksheet", "dialogsheet", "macrosheet"):
                sheets.append(SheetInfo(sheet_names.get(info.filename, ""), info.filename, sc.dimension,
                                        sc.rows, sc.cells, sc.max_row, sc.max_col))
            elif sc.kind == "sst":
                shared = sc.cells
            elif info.filename in sheet_names and sc.kind not in ("chartsheet",):
                unreadable.append((sheet_names[info.filename],
                                   f"delen {info.filename} er ikke et regneark (<{sc.kind}>)"))
        else:
            for _ in _inflate(fh, info, budget):  # images, vbaProject.bin: count and bound the bytes
                pass
    return WorkbookInfo(
        path=path, size=size, members=len(infos), uncompressed=budget.inflated, workbook_part=workbook_part,
        macro_enabled=macro_enabled, has_vba="xl/vbaProject.bin" in names, sheets=tuple(sheets),
        cells=budget.cells, shared_strings=shared, seconds=time.monotonic() - start, formulas=budget.formulas,
        unreadable=tuple(unreadable))


def open_workbook(path: str | os.PathLike[str], *, limits: dict[str, Any] | None = None,
                  **openpyxl_kwargs: Any) -> openpyxl.Workbook:
    """:func:`check_workbook_file`, then ``openpyxl.load_workbook(path, **openpyxl_kwargs)``.

    Every failure, including one inside openpyxl, is an :class:`UnsafeFileError` with a
    one-line message naming the file; never a traceback from a library.  ``limits`` are
    passed to the check (e.g. ``{"max_cells": 50_000_000}``).
    """
    if not openpyxl.xml.DEFUSEDXML:
        raise XlmodelError("OPENPYXL_DEFUSEDXML", os.environ.get("OPENPYXL_DEFUSEDXML"),
                           "openpyxl using defusedxml: install defusedxml and unset OPENPYXL_DEFUSEDXML")
    check_workbook_file(path, **(limits or {}))
    shown = os.fspath(path)
    try:
        return openpyxl.load_workbook(path, **openpyxl_kwargs)
    except MemoryError:
        raise UnsafeFileError(shown, "does not fit in memory when opened") from None
    except DefusedXmlException as exc:
        raise UnsafeFileError(shown, f"declares a DTD or entities ({type(exc).__name__})") from None
    except Exception as exc:  # openpyxl raises KeyError, TypeError, ValueError ... on malformed parts
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise UnsafeFileError(shown, f"could not be read by openpyxl ({type(exc).__name__}: {text})",
                              _ALLOWED) from None


# --------------------------------------------------------------------------- writing


def lock_files(path: str | os.PathLike[str]) -> list[Path]:
    """Lock files beside ``path`` that say a program has it open: Excel ``~$name`` or LibreOffice.

    >>> lock_files("/nonexistent/budget.xlsx")
    []
    """
    p = Path(path)
    candidates = [p.with_name("~$" + p.name), p.with_name(f".~lock.{p.name}#")]
    return [c for c in candidates if os.path.lexists(c)]


def leftover_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """``.xlmodel-tmp-*`` files that a killed write left in the folder of ``path`` (or in the folder)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    return sorted(folder.glob(TEMP_PREFIX + "*"))


def _fingerprint(st: os.stat_result | None) -> tuple[int, int, int] | None:
    return None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns)


def _stat(p: Path) -> os.stat_result | None:
    try:
        return os.stat(p)
    except FileNotFoundError:
        return None


def _refuse_if_busy(target: Path, st: os.stat_result | None, force: bool) -> None:
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _da(SafeWriteError, target, "er en mappe", "et filnavn til en projektmappe")
    if force:
        return
    locks = lock_files(target)
    if locks:
        raise _da(SafeWriteError, target, f"ser ud til at være åben i Excel eller LibreOffice (låsefilen "
                             f"{locks[0].name} ligger ved siden af); intet blev rørt",
                             "luk den først; er den ikke åben i noget program, så slet den gamle "
                             "låsefil eller brug --force (force=True)")
    if st is not None and not st.st_mode & stat.S_IWUSR:
        raise _da(SafeWriteError, target, "er skrivebeskyttet", "en skrivbar fil, eller --force (force=True)")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_path(p: Path) -> None:
    # POSIX flushes a file through any descriptor; Windows (FlushFileBuffers) needs write access.
    fd = os.open(p, os.O_RDWR | os.O_BINARY if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); not possible or needed on Windows."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):  # some filesystems refuse; the replace itself already happened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(tmp: Path | None) -> None:
    if tmp is None:
        return
    with contextlib.suppress(OSError):  # never mask the original failure; leftover_temp_files finds it
        os.unlink(tmp)


def _verify(tmp: Path, target: Path, verify_fn: Callable[[Path], object] | None,
            limits: dict[str, Any]) -> WorkbookInfo:
    try:
        info = check_workbook_file(tmp, **limits)
    except UnsafeFileError as exc:
        raise SafeWriteError(target, f"the new version failed its check ({exc.problem}); "
                             "the original is unchanged", "a new version that passes the check") from None
    suffix = target.suffix.lower()
    if info.macro_enabled != (suffix in (".xlsm", ".xltm")):
        kind = "macro-enabled" if info.macro_enabled else "macro-free"
        raise SafeWriteError(target, f"the new version is a {kind} workbook but the file is named {suffix} "
                             "(Excel would refuse to open it); the original is unchanged",
                             ".xlsm for workbooks with macros, .xlsx without (keep_vba=True for .xlsm)")
    try:
        wb = openpyxl.load_workbook(tmp, read_only=True)
        wb.close()
    except Exception as exc:
        raise SafeWriteError(target, f"the new version could not be read back ({type(exc).__name__}: "
                             f"{str(exc)[:160]}); the original is unchanged", "a readable workbook") from None
    if verify_fn is not None:
        ok = verify_fn(tmp)
        if ok is False:
            raise SafeWriteError(target, "the new version failed verify_fn; the original is unchanged",
                                 "a new version that verify_fn accepts")
    return info


def _verify_zip(tmp: Path, target: Path, verify_fn: Callable[[Path], object] | None,
                limits: dict[str, Any]) -> None:
    """Read-back of a package xlmodel wrote itself: every member's CRC and the required parts."""
    try:
        with zipfile.ZipFile(tmp) as zf:
            bad = zf.testzip()
            names = set(zf.namelist())
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise SafeWriteError(target, f"the new version could not be read back ({exc}); "
                             "the original is unchanged", "a readable workbook") from None
    missing = {"[Content_Types].xml"} - names
    if bad is not None or missing or not any(n.startswith("xl/workbook") for n in names):
        raise SafeWriteError(target, f"the new version is damaged ({bad or sorted(missing)}); "
                             "the original is unchanged", "a complete workbook package")
    if (b"macroEnabled" in types) != (target.suffix.lower() in (".xlsm", ".xltm")):
        raise SafeWriteError(target, "the new version's macros do not match the file name; "
                             "the original is unchanged", ".xlsm with macros, .xlsx without")
    if verify_fn is not None and verify_fn(tmp) is False:
        raise SafeWriteError(target, "the new version failed verify_fn; the original is unchanged",
                             "a new version that verify_fn accepts")


def _backup(target: Path) -> Path:
    """Copy the original to ``name.bak.xlsx`` (replacing the previous backup) via a temp file."""
    bak = target.with_name(f"{target.stem}.bak{target.suffix}")
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".bak", dir=target.parent)
    tmp = Path(name)
    try:
        os.close(fd)
        shutil.copy2(target, tmp)
        _fsync_path(tmp)
        os.replace(tmp, bak)
    except BaseException:
        _discard(tmp)
        raise
    return bak


# --------------------------------------------------------------------------- identity and guards


@dataclass(frozen=True)
class FileIdentity:
    """What a file was when xlmodel read it: enough to notice any later save over it.

    Excel and LibreOffice save by writing a new file and renaming it over the old one (a new
    inode); other programs write in place (same inode, new mtime, maybe the same size).  The
    hash catches an in-place save within the file system's timestamp granularity.
    """

    path: Path  # resolved (symlinks followed)
    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str

    def same_file(self, other: str | os.PathLike[str]) -> bool:
        """True when ``other`` names the file this identity was taken of (path or inode)."""
        try:
            st = os.stat(other)
        except OSError:
            return Path(os.path.realpath(other)) == self.path
        same_inode = (st.st_dev, st.st_ino) == (self.device, self.inode)
        return same_inode or Path(os.path.realpath(other)) == self.path


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _identity(path: Path, st: os.stat_result, sha256: str) -> FileIdentity:
    return FileIdentity(Path(os.path.realpath(path)), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                        sha256)


def file_identity(path: str | os.PathLike[str]) -> FileIdentity:
    """Size, mtime, inode and SHA-256 of ``path`` now (refused if it changes while hashed)."""
    p = Path(path)
    before = os.stat(p)
    digest = _hash_file(p)
    after = os.stat(p)
    if _fingerprint(before) != _fingerprint(after):
        raise _da(UnsafeFileError, p, "blev ændret af et andet program, mens xlmodel læste den",
                              "kør igen, når det andet program har gemt")
    return _identity(p, after, digest)


def read_identified(path: str | os.PathLike[str]) -> tuple[bytes, FileIdentity]:
    """The bytes of ``path`` and the identity of exactly those bytes (for ``expect_identity``)."""
    p = Path(path)
    before = os.stat(p)
    data = p.read_bytes()
    after = os.stat(p)
    if _fingerprint(before) != _fingerprint(after) or len(data) != after.st_size:
        raise _da(UnsafeFileError, p, "blev ændret af et andet program, mens xlmodel læste den",
                              "kør igen, når det andet program har gemt")
    return data, _identity(p, after, hashlib.sha256(data).hexdigest())


def _changed_since(expected: FileIdentity, target: Path) -> str | None:
    """Why ``target`` is no longer what ``expected`` recorded (None: unchanged)."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return "blev flyttet eller slettet, mens xlmodel regnede"
    if (st.st_dev, st.st_ino) != (expected.device, expected.inode):
        return "blev gemt af et andet program (erstattet af en ny fil), mens xlmodel regnede"
    if (st.st_size, st.st_mtime_ns) != (expected.size, expected.mtime_ns):
        return "blev ændret af et andet program, mens xlmodel regnede"
    if _hash_file(target) != expected.sha256:
        return ("blev ændret af et andet program (samme størrelse og tid, andet indhold), "
                "mens xlmodel regnede")
    return None


#: How long a write waits for another xlmodel process's final check and rename in the same folder.
LOCK_WAIT = 60.0


@contextlib.contextmanager
def _folder_lock(folder: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Serialise xlmodel's check-then-replace in one folder across processes (POSIX flock).

    Two refreshes of one file: the second to get here sees the first one's new file and is
    refused.  The lock is held for the final check and the rename only, and the OS releases it
    when a process dies, so a SIGKILL never leaves a stale lock; it is released explicitly
    before the descriptor is closed, and never waited for longer than ``wait`` seconds.
    Not on Windows (no flock) or on a file system without flock: the identity check alone.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    locked = False
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _da(SafeWriteError, folder, "en anden xlmodel-kørsel har skrevet i mappen i mere "
                              f"end {wait:g} s; intet blev erstattet",
                              "kør igen, når den anden kørsel er færdig") from None
                time.sleep(0.02)
            except OSError:  # no flock on this file system
                break
        yield
    finally:
        if locked:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):  # after the rename a failed close must not undo the success
            os.close(fd)


_WORKBOOK_MAGIC = (b"PK\x03\x04", _OLE2[:4])


def guard_input(path: str | os.PathLike[str], what: str = "IN.xlsx") -> Path:
    """Refuse a workbook argument that is a folder, pipe, device or missing, before any work.

    >>> guard_input("/")
    Traceback (most recent call last):
    ...
    xlmodel.safeio.UnsafeFileError: /: er en mappe, ikke en projektmappe-fil; tilladt: ...
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _da(UnsafeFileError, p, "findes ikke",
                  f"{what}: en eksisterende .xlsx- eller .xlsm-fil") from None
    except OSError as exc:
        raise _da(UnsafeFileError, p, f"kan ikke læses ({exc.strerror or exc})",
                              f"{what}: en læsbar .xlsx- eller .xlsm-fil") from None
    if stat.S_ISDIR(st.st_mode):
        raise _da(UnsafeFileError, p, "er en mappe, ikke en projektmappe-fil",
                              f"{what}: en .xlsx- eller .xlsm-fil")
    if not stat.S_ISREG(st.st_mode):
        raise _da(UnsafeFileError, p, "er ikke en almindelig fil (en enhed, et rør eller en socket)",
                              f"{what}: en .xlsx- eller .xlsm-fil")
    return p


def guard_output(path: str | os.PathLike[str], inputs: tuple[str | os.PathLike[str], ...] | list[Any] = (),
                 *, in_place: bool = False, report: bool = False, force: bool = False,
                 flag: str = "-o") -> Path:
    """Refuse an output path before any work is done, so nothing is computed only to be refused.

    * ``flag`` names the option in messages (``-o``, ``--html``, ``--csv``, ``--out``).
    * Not a symlink (even a dangling one): writing through it would replace another file.
      ``in_place=True`` (the output *is* the input, e.g. ``refresh model.xlsx``) allows a
      link: the link is kept and the file it points to is refreshed.
    * Not a folder, pipe or device; its folder exists.
    * Not one of ``inputs`` (same path, same file through another name or a hard link).
    * ``report=True`` (HTML, JSON, CSV): an existing file that is a workbook is not replaced.
    * No lock file (``~$name``, ``.~lock.name#``) and not read-only, unless ``force``.
    """
    p = Path(path)
    if not in_place and os.path.islink(p):
        raise _da(SafeWriteError, p, f"er et symbolsk link (til {os.readlink(p)}); {flag} skriver ikke "
                  "gennem "
                             "et link over en anden fil", f"{flag}: en almindelig fil eller et nyt filnavn")
    try:
        st: os.stat_result | None = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _da(SafeWriteError, p, f"kan ikke undersøges ({exc.strerror or exc})",
                             f"{flag}: en skrivbar fil") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _da(SafeWriteError, p, "er en mappe", f"{flag}: et filnavn")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _da(SafeWriteError, p, "er ikke en almindelig fil (en enhed, et rør eller en socket)",
                             f"{flag}: et almindeligt filnavn")
    if not p.absolute().parent.is_dir():
        raise _da(SafeWriteError, p, f"mappen {p.absolute().parent} findes ikke",
                             f"{flag}: en fil i en eksisterende mappe")
    if not in_place:
        for source in inputs:
            same = (st is not None and os.path.exists(source) and os.path.samefile(p, source)) or (
                os.path.realpath(p) == os.path.realpath(source))
            if same:
                raise _da(SafeWriteError, p, f"er inputfilen {source}; {flag} må ikke overskrive den "
                                     "projektmappe, der læses",
                                     f"{flag}: en anden fil (eller udelad {flag} for at opdatere filen selv)"
                                     if not report else f"{flag}: en anden fil end projektmappen")
    if report and st is not None:
        with contextlib.suppress(OSError), open(p, "rb") as fh:
            if fh.read(4) in _WORKBOOK_MAGIC:
                raise _da(SafeWriteError, p, f"er en projektmappe; {flag} skriver ikke en rapport over en "
                                     "projektmappe",
                                     f"{flag}: et filnavn til rapporten, fx rapport.html")
    _refuse_if_busy(Path(os.path.realpath(p)) if in_place else p, st, force)
    return p


def atomic_write(
    path: str | os.PathLike[str],
    write_fn: Callable[[Path], object],
    *,
    verify_fn: Callable[[Path], object] | None = None,
    backup: bool = False,
    force: bool = False,
    limits: dict[str, Any] | None = None,
    readback: str = "full",
    expect_identity: FileIdentity | None = None,
) -> WriteResult:
    """Write a workbook so that the original survives any failure byte-identical.

    ``readback="zip"`` (for bytes built by xlmodel's own writer, which checked every part
    before) replaces the full file check of the new version by a CRC test of every member
    and the package's required parts: the same read-back at a fraction of the cost.

    ``write_fn(tmp)`` writes the new workbook to ``tmp`` (a ``.xlmodel-tmp-*`` file in the same
    folder, e.g. ``atomic_write(p, wb.save)``).  The file is then fsynced, checked with
    :func:`check_workbook_file` (and its extension against its content type), opened with
    openpyxl, passed to ``verify_fn(tmp)`` (which may raise or return False), given the
    original's permissions, and only then moved over ``path`` with ``os.replace``.

    * ``backup=True``: the original is first copied to ``name.bak.xlsx`` (the previous
      backup is replaced).
    * A lock file ``~$name.xlsx`` (Excel has it open), a read-only original, or an original
      that changes while writing → :class:`SafeWriteError`; ``force=True`` skips the lock
      and read-only checks (not the change check).
    * ``expect_identity`` (from :func:`read_identified` / :func:`file_identity` when the input
      was read): if ``path`` is that same file and it no longer is what was read (saved by
      Excel or LibreOffice by rename, written in place, moved, or replaced by another xlmodel
      run), nothing is replaced: :class:`SafeWriteError`.  The final check and the rename run
      under a folder lock, so of two concurrent refreshes of one file exactly one wins.  An
      identity of another file (``-o OUT``) is ignored.  ``force`` does not skip this check.
    * Any exception, a failed check or KeyboardInterrupt: the temporary file is removed and
      the original is untouched.  A SIGKILL may leave a ``.xlmodel-tmp-*`` file (see
      :func:`leftover_temp_files`), never a damaged original.
    """
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise SafeWriteError(target, "is not a workbook file name", f"a file named {', '.join(SUFFIXES)}")
    if readback not in ("full", "zip"):
        raise XlmodelError("readback", readback, "'full' or 'zip'")
    check = _verify if readback == "full" else _verify_zip
    return _atomic(target, write_fn, lambda tmp: check(tmp, target, verify_fn, limits or {}), backup, force,
                   expect_identity)


def atomic_write_file(
    path: str | os.PathLike[str],
    write_fn: Callable[[Path], object],
    *,
    verify_fn: Callable[[Path], object] | None = None,
    backup: bool = False,
    force: bool = False,
    expect_identity: FileIdentity | None = None,
) -> WriteResult:
    """:func:`atomic_write` for any file (CSV, TOML): same steps, ``verify_fn`` is the only check."""
    target = Path(path)

    def verify(tmp: Path) -> None:
        if verify_fn is not None and verify_fn(tmp) is False:
            raise SafeWriteError(target, "the new version failed verify_fn; the original is unchanged",
                                 "a new version that verify_fn accepts")

    return _atomic(target, write_fn, verify, backup, force, expect_identity)


def _refuse_if_changed(target: Path, expected: FileIdentity | None) -> None:
    if expected is None or not expected.same_file(target):  # -o OUT: another file than the input
        return
    why = _changed_since(expected, target)
    if why is not None:
        raise _da(SafeWriteError, target, f"{why}; intet blev erstattet, og den andens ændringer er bevaret",
                             "kør xlmodel igen på den gemte fil (og luk den i Excel/LibreOffice først)")


def _atomic(target: Path, write_fn: Callable[[Path], object], verify: Callable[[Path], WorkbookInfo | None],
            backup: bool, force: bool, expected: FileIdentity | None = None) -> WriteResult:
    tmp: Path | None = None
    try:
        if target.is_symlink():  # replace the file the link points to, keep the link
            target = Path(os.path.realpath(target))
        st = _stat(target)
        _refuse_if_busy(target, st, force)
        _refuse_if_changed(target, expected)  # early: no temporary file for a write that must fail
        mode = stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode()
        try:
            fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
        except OSError as exc:
            raise SafeWriteError(target, f"no temporary file can be made in its folder "
                                 f"({exc.strerror or exc})", "a writable folder") from None
        tmp = Path(name)
        os.close(fd)
        write_fn(tmp)
        _fsync_path(tmp)
        info = verify(tmp)
        os.chmod(tmp, mode)
        if st is not None and hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):  # best effort: only root may give a file away
                os.chown(tmp, st.st_uid, st.st_gid)
        backup_path = _backup(target) if backup and st is not None else None
        with _folder_lock(target.parent):
            now = _stat(target)
            if _fingerprint(now) != _fingerprint(st):
                raise _da(SafeWriteError, target, "blev ændret af et andet program, mens xlmodel skrev; "
                                     "intet blev erstattet", "kør igen, når det andet program har gemt")
            _refuse_if_changed(target, expected)
            _refuse_if_busy(target, now, force)
            os.replace(tmp, target)
    except XlmodelError:
        _discard(tmp)
        raise
    except Exception as exc:
        _discard(tmp)
        raise SafeWriteError(target, f"writing failed ({type(exc).__name__}: {str(exc)[:160]}); "
                             "the original is unchanged", "a successful write") from exc
    except BaseException:  # KeyboardInterrupt, SystemExit: clean up and let it through
        _discard(tmp)
        raise
    _fsync_dir(target.parent)
    return WriteResult(target, backup_path, info)
