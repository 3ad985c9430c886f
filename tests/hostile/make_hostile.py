"""Build a corpus of hostile and broken "workbooks" at test time (nothing big is committed).

Each case is small on disk; the bombs are made by repeating one deflate block (compressed
once after a full flush), so the 2 GiB of whitespace they expand to is never written or held
in memory.  The OLE2 files are synthetic (a compound-file header and directory naming the
streams an encrypted OOXML or a legacy .xls has); msoffcrypto-tool is not installed, so no
really encrypted file is made.

    python tests/hostile/make_hostile.py OUTDIR     # build the corpus to look at it

``build(folder)`` returns ``{name: Case}``; ``Case.expect`` is a fragment of the problem text
:func:`xlmodel.safeio.check_workbook_file` must report, ``Case.limits`` lowered limits (for the
cases that test a limit with a small file).
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
MIB = 1 << 20


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: str  # fragment of the refusal's problem text
    what: str  # one line for the reliability doc
    limits: dict[str, Any] = field(default_factory=dict)


def base_workbook() -> bytes:
    """A small real workbook written by openpyxl, its text moved to a shared-strings part as Excel does.

    Two sheets, 31 rows of illustrative data, a formula column.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["kommune", "beloeb", "dobbelt"])
    for i in range(1, 31):
        ws.append([f"Kommune {i}", i * 1000.5, f"=B{i + 1}*2"])
    wb.create_sheet("Noter")["A1"] = "illustrative data"
    buf = io.BytesIO()
    wb.save(buf)
    parts = members(buf.getvalue())
    strings: list[str] = []

    def shared(m: re.Match[str]) -> str:
        strings.append(m.group(2))
        return f'<c r="{m.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    parts[SHEET] = re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', shared,
                          parts[SHEET].decode()).encode()
    items = "".join(f"<si><t>{t}</t></si>" for t in strings)
    parts[SST] = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}" '
                  f'uniqueCount="{len(strings)}">{items}</sst>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    return rezip(parts)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def rezip(parts: dict[str, bytes], **kw: Any) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, **kw) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _replace(base: bytes, **changes: bytes | None) -> bytes:
    """Base workbook with members replaced (sheet, workbook, sst, types) or dropped (None)."""
    parts = members(base)
    for key, data in changes.items():
        name = {"sheet": SHEET, "workbook": "xl/workbook.xml", "sst": "xl/sharedStrings.xml",
                "types": "[Content_Types].xml"}[key]
        if data is None:
            del parts[name]
        else:
            parts[name] = data
    return rezip(parts)


# ---------------------------------------------------------------- raw zip writer for the bombs


@dataclass
class _Entry:
    name: str
    payload: bytes  # the compressed bytes as stored
    method: int
    crc: int
    size: int  # declared uncompressed size
    alias_of: str | None = None  # directory entry pointing at another entry's local header


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _plain(name: str, data: bytes) -> _Entry:
    return _Entry(name, _deflate(data), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data))


def _raw_zip(entries: list[_Entry]) -> bytes:
    out = io.BytesIO()
    offsets: dict[str, int] = {}
    for e in entries:
        if e.alias_of is not None:
            continue
        offsets[e.name] = out.tell()
        name = e.name.encode()
        out.write(struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", 20, 0, e.method, 0, 0x21, e.crc,
                              len(e.payload), e.size & 0xFFFFFFFF, len(name), 0))
        out.write(name)
        out.write(e.payload)
    cd_start = out.tell()
    for e in entries:
        name = e.name.encode()
        offset = offsets[e.alias_of or e.name]
        out.write(struct.pack("<4sHHHHHHLLLHHHHHLL", b"PK\x01\x02", 20, 20, 0, e.method, 0, 0x21, e.crc,
                              len(e.payload), e.size & 0xFFFFFFFF, len(name), 0, 0, 0, 0, 0, offset))
        out.write(name)
    cd_size = out.tell() - cd_start
    n = len(entries)
    out.write(struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, n, n, cd_size, cd_start, 0))
    return out.getvalue()


def whitespace_sheet(mib: int, *, declared: int | None = None) -> _Entry:
    """A well-formed sheet whose <sheetData> holds ``mib`` MiB of spaces, compressed ~1000:1.

    The deflate stream is one prefix block, the same 1 MiB block repeated (identical bytes
    after each full flush, which resets the compressor's history) and a suffix.
    ``declared`` forges the directory's uncompressed size (and uses the matching CRC of the
    declared prefix, so a reader that trusts the directory sees nothing wrong).
    """
    prefix = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    suffix = b"</sheetData></worksheet>"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    spaces = b" " * MIB
    block = c.compress(spaces) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(spaces) + c.flush(zlib.Z_FULL_FLUSH) == block  # the repetition trick holds
    tail = c.compress(suffix) + c.flush()
    size = len(prefix) + mib * MIB + len(suffix)
    crc = zlib.crc32(prefix)
    if declared is None:
        for _ in range(mib):
            crc = zlib.crc32(spaces, crc)
        crc = zlib.crc32(suffix, crc)
    else:
        crc = zlib.crc32(b" " * (declared - len(prefix)), crc)
        size = declared
    return _Entry(SHEET, head + block * mib + tail, zipfile.ZIP_DEFLATED, crc, size)


def _with_sheet(base: bytes, sheet: _Entry) -> bytes:
    parts = members(base)
    entries = [sheet if name == SHEET else _plain(name, data) for name, data in parts.items()]
    return _raw_zip(entries)


def overlapping(base: bytes, copies: int = 1000, kib: int = 512) -> bytes:
    """Many directory entries pointing at one stored member (Fifield's overlapping-entry zip bomb)."""
    parts = members(base)
    kernel = os.urandom(kib * 1024)
    entries = [_plain(name, data) for name, data in parts.items()]
    first = _Entry("xl/media/image1.bin", kernel, zipfile.ZIP_STORED, zlib.crc32(kernel), len(kernel))
    entries.append(first)
    entries += [_Entry(f"xl/media/image{i}.bin", kernel, zipfile.ZIP_STORED, first.crc, len(kernel),
                       alias_of=first.name) for i in range(2, copies + 1)]
    return _raw_zip(entries)


# ---------------------------------------------------------------- OLE2 (synthetic)


def ole2(stream_names: list[str]) -> bytes:
    """A compound-file header (D0CF11E0A1B11AE1) and a directory sector naming ``stream_names``.

    Synthetic: enough for a sniffing check, not a file Office can open.
    """
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<l", header, 0x30, 0)  # first directory sector: sector 0 (offset 512)
    directory = bytearray()
    for i, name in enumerate(["Root Entry", *stream_names]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[0:len(raw)] = raw
        struct.pack_into("<HB", entry, 64, len(raw), 5 if i == 0 else 2)
        directory += entry
    directory += bytes(512 - len(directory) % 512)
    return bytes(header) + bytes(directory) + os.urandom(4096)


# ---------------------------------------------------------------- XML attacks


def _laughs(root: str, body: str) -> bytes:
    ents = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or ""))*10}">'
                                     for i in range(1, 10)]
    return (f'<?xml version="1.0"?><!DOCTYPE {root} [{"".join(ents)}]>' + body).encode()


def build(folder: str | os.PathLike[str]) -> dict[str, Case]:
    """Write every hostile case into ``folder``; return them by name."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    base = base_workbook()
    parts = members(base)
    cases: dict[str, Case] = {}

    def add(name: str, data: bytes | Callable[[Path], None], expect: str, what: str,
            suffix: str = ".xlsx", **limits: Any) -> None:
        path = out / f"{name}{suffix}"
        if callable(data):
            data(path)
        else:
            path.write_bytes(data)
        cases[name] = Case(name, path, expect, what, limits)

    sheet_xml = parts[SHEET].decode()
    wb_xml = parts["xl/workbook.xml"].decode()
    sst_xml = parts["xl/sharedStrings.xml"].decode()
    body_of = lambda xml: xml[xml.index("?>") + 2:] if xml.startswith("<?xml") else xml  # noqa: E731

    # --- zip bombs
    add("zip_bomb_2gib", _with_sheet(base, whitespace_sheet(2048)), "angiver",
        "sheet1.xml is 2 GiB of whitespace inside <sheetData> (~2 MB on disk, ratio ~1000)")
    add("ratio_bomb_100mib", _with_sheet(base, whitespace_sheet(100)), "(en zip-bombe?)",
        "sheet1.xml is 100 MiB of whitespace, under the size limit but ~1000:1")
    add("forged_directory", _with_sheet(base, whitespace_sheet(100, declared=MIB)),
        "beskadiget eller forfalsket",
        "zip directory says sheet1.xml is 1 MiB (CRC of that 1 MiB) but it inflates to 100 MiB")
    add("overlapping_entries", overlapping(base), "overlappende zip-dele",
        "1000 directory entries share one 512 KiB stored member (500 MB from 0.5 MB)")
    add("too_many_members", rezip({**parts, **{f"customXml/item{i}.txt": b"" for i in range(10_001)}}),
        "zip-dele", "10 001 empty members beside a valid workbook")
    # --- XML attacks
    laugh_wb = _laughs("workbook", body_of(wb_xml).replace("<sheets>", "<sheets>&lol9;", 1))
    add("billion_laughs_workbook", _replace(base, workbook=laugh_wb), "DTD eller entiteter",
        "xl/workbook.xml with the classic 10^9 'lol' entity expansion")
    laugh_sheet = _laughs("worksheet", body_of(sheet_xml).replace("<sheetData>", "<sheetData>&lol9;", 1))
    add("billion_laughs_sheet", _replace(base, sheet=laugh_sheet), "DTD eller entiteter",
        "sheet1.xml with the 10^9 'lol' entity expansion")
    big = "x" * 50_000
    quad = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "{big}">]>'
            + body_of(sst_xml).replace("<t>", "<t>" + "&a;" * 20_000, 1)).encode()
    add("quadratic_blowup", _replace(base, sst=quad), "DTD eller entiteter",
        "sharedStrings.xml: one 50 kB entity referenced 20 000 times (1 GB)")
    xxe = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + body_of(sst_xml).replace("<t>", "<t>&x;", 1)).encode()
    add("xxe_file", _replace(base, sst=xxe), "DTD eller entiteter",
        "sharedStrings.xml with an external entity reading /etc/passwd")
    ext_dtd = ('<?xml version="1.0"?><!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">'
               + body_of(sheet_xml)).encode()
    add("external_dtd", _replace(base, sheet=ext_dtd), "DTD eller entiteter",
        "sheet1.xml referencing an external DTD over the network")
    add("malformed_xml", _replace(base, workbook=wb_xml.replace("</sheets>", "</sheet>").encode()),
        "ikke velformet", "xl/workbook.xml that is not well-formed XML")
    noise = os.urandom(5 * MIB).translate(bytes(b" \t\r\n"[i % 4] for i in range(256))).decode()
    add("giant_text_run", _replace(base, sheet=sheet_xml.replace("<sheetData>", "<sheetData>" + noise, 1)
                                   .encode()), "en tekst på mere end",
        "5 MiB of random whitespace between two tags (compresses only ~4:1, so no ratio alarm)")
    add("giant_tag", _replace(base, sheet=sheet_xml.replace("<sheetData>", f'<sheetData x="{noise}">', 1)
                              .encode()), "XML-tag på mere end",
        "a 5 MiB attribute value: expat must buffer the whole tag")
    # --- sheets beyond the grid
    add("dimension_whole_grid",
        _replace(base, sheet=re_dimension(sheet_xml, "A1:XFD1048576").encode()), "angiver området",
        "sheet1.xml claims <dimension ref=\"A1:XFD1048576\"/> (17 billion cells) for 93 cells")
    far = sheet_xml.replace("</sheetData>",
                            '<row r="1000000000"><c r="A1000000000"><v>1</v></c></row></sheetData>')
    add("billion_rows", _replace(base, sheet=far.encode()), "uden for Excels gitter",
        "sheet1.xml with a row numbered 1 000 000 000")
    wide = sheet_xml.replace("</sheetData>", '<row r="40"><c r="XFE40"><v>1</v></c></row></sheetData>')
    add("column_beyond_xfd", _replace(base, sheet=wide.encode()), "uden for Excels gitter",
        "sheet1.xml with a cell in column XFE (16 385)")
    add("dimension_over_limit", base, "angiver området", "the real workbook (A1:C31) with max_cells=50",
        max_cells=50)
    add("too_many_cells", _replace(base, sheet=re_dimension(sheet_xml, "A1").encode()), "celler i alle ark",
        "the real workbook, dimension A1 (a lie), 94 cells counted against max_cells=50", max_cells=50)
    many = "".join(f"<si><t>s{i}</t></si>" for i in range(200))
    add("too_many_strings", _replace(base, sst=sst_xml.replace("</sst>", many + "</sst>").encode()),
        "delte tekster", "233 shared strings (more than cells) against max_cells=100", max_cells=100)
    add("timeout", base, "tog mere end", "the real workbook with timeout=0 (limit path)", timeout=0.0)
    add("uncompressed_limit", base, "udpakket",
        "the real workbook (22 kB inflated) with max_uncompressed=10 kB", max_uncompressed=10_000)
    add("disk_size_limit", base, "på disken", "the real workbook (6 kB) with max_uncompressed=5 kB",
        max_uncompressed=5_000)
    # --- broken files
    add("truncated_half", base[: len(base) // 2], "afkortet", "the first half of a real workbook")
    add("truncated_tail", base[:-10], "afkortet", "a real workbook missing its last 10 bytes")
    damaged = bytearray(base)
    info = zipfile.ZipFile(io.BytesIO(base)).getinfo(SHEET)
    middle = info.header_offset + 30 + len(SHEET) + info.compress_size // 2
    damaged[middle:middle + 8] = b"\xff" * 8
    add("corrupted_member", bytes(damaged), "beskadiget", "8 bytes overwritten in the middle of sheet1.xml")
    add("not_zip_text", b"kommune;beloeb\nAarhus;100\n", "ikke et zip-arkiv", "a CSV text file renamed .xlsx")
    add("html_named_xlsx", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML/XML",
        "an HTML table renamed .xlsx (what some web exports do)")
    add("ole2_encrypted", ole2(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]), "adgangskode",
        "synthetic OLE2 file with EncryptionInfo/EncryptedPackage streams (a password-protected .xlsx)")
    add("ole2_legacy", ole2(["Workbook", "\x05SummaryInformation"]), "gammel",
        "synthetic OLE2 file with a Workbook stream (Excel 97-2003 .xls)", suffix=".xls")
    add("empty", b"", "tom", "a 0-byte file")
    add("empty_zip", b"PK\x05\x06" + bytes(18), "tomt zip-arkiv", "a zip with no entries")
    add("directory", lambda p: p.mkdir(exist_ok=True), "mappe", "a folder named directory.xlsx")
    if hasattr(os, "mkfifo"):
        add("fifo", lambda p: p.exists() or os.mkfifo(p), "ikke en almindelig fil",
            "a named pipe called fifo.xlsx (opening it would block forever)")
        if os.path.exists("/dev/zero"):
            add("devzero_link", lambda p: p.is_symlink() or p.symlink_to("/dev/zero"),
            "ikke en almindelig fil",
                "a symlink named .xlsx pointing at /dev/zero (endless zeros)")
    add("nonexistent", lambda p: None, "findes ikke", "a path that does not exist")
    add("missing_content_types", rezip({k: v for k, v in parts.items() if k != "[Content_Types].xml"}),
        "[Content_Types].xml", "a real workbook without [Content_Types].xml")
    add("missing_workbook", rezip({k: v for k, v in parts.items() if k != "xl/workbook.xml"}),
        "xl/workbook.xml", "a real workbook without xl/workbook.xml")
    add("ods_named_xlsx", rezip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                 "content.xml": b"<office:document-content/>"}), "OpenDocument",
        "an OpenDocument spreadsheet renamed .xlsx")
    add("xlsb_named_xlsx", rezip({"[Content_Types].xml": parts["[Content_Types].xml"],
                                  "xl/workbook.bin": b"\x83\x01\x00"}), ".xlsb",
        "a binary .xlsb workbook renamed .xlsx")
    enc = bytearray(base)
    for i in zipfile.ZipFile(io.BytesIO(base)).infolist():  # set the 'encrypted' flag everywhere
        _set_flag(enc, i.header_offset)
    cd = bytes(enc).find(b"PK\x01\x02")
    while cd >= 0:
        struct.pack_into("<H", enc, cd + 8, struct.unpack_from("<H", enc, cd + 8)[0] | 1)
        cd = bytes(enc).find(b"PK\x01\x02", cd + 4)
    add("zip_encrypted_entries", bytes(enc), "krypteret",
        "a real workbook with every zip entry flagged encrypted")
    lz = io.BytesIO()
    with zipfile.ZipFile(lz, "w", zipfile.ZIP_LZMA) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    add("lzma_members", lz.getvalue(), "komprimeringsmetode", "a real workbook re-zipped with LZMA")
    add("wrong_extension", base, "filtypen", "a real workbook named .csv", suffix=".csv")
    return cases


def _set_flag(buf: bytearray, offset: int) -> None:
    struct.pack_into("<H", buf, offset + 6, struct.unpack_from("<H", buf, offset + 6)[0] | 1)


def re_dimension(sheet_xml: str, ref: str) -> str:
    start = sheet_xml.index("<dimension ref=\"") + len("<dimension ref=\"")
    end = sheet_xml.index('"', start)
    return sheet_xml[:start] + ref + sheet_xml[end:]


def good_workbook(path: str | os.PathLike[str]) -> Path:
    """The base workbook, which every check must accept."""
    p = Path(path)
    p.write_bytes(base_workbook())
    return p


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for case in build(target).values():
        size = case.path.stat().st_size if case.path.is_file() else 0
        print(f"{case.name:24} {size:>12,}  {case.what}")
