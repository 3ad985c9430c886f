"""An .xlsx/.xlsm file as an OOXML package of parts, edited part by part.

A refresh changes only what it must: the cached values in the worksheet parts it touches, the
parts xlmodel owns (its Parametre table, its status sheet) and the workbook's defined names.
Every other part — styles, VBA project, comments, drawings, pivot caches — is copied byte for
byte, and an unchanged member is copied into the new zip *as stored* (its compressed bytes, CRC
and local header), not inflated and deflated again.

:meth:`Package.read` reads a file once: the bytes, their identity (for the lost-update check of
the atomic writer), the safety check on exactly those bytes, and the parts the check inflated.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import (
    CT_METADATA,
    CT_WORKSHEET,
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    REL_METADATA,
    REL_OFFICE_DOC,
    REL_WORKSHEET,
    rels_part,
    resolve_target,
)
from xlmodel.ooxml.values import decode_text, xml_escape

if TYPE_CHECKING:
    from xlmodel.safeio import FileIdentity

__all__ = ["CT_METADATA", "CT_WORKSHEET", "DYNAMIC_ARRAY_METADATA", "NS_MAIN", "NS_PKG_REL", "NS_REL",
           "REL_METADATA", "REL_OFFICE_DOC", "REL_WORKSHEET", "Package", "SheetRef"]

#: Excel's dynamic-array cell metadata (what Excel 365 writes for a spilling formula): one
#: XLDAPR type, one future-metadata block with fDynamic=1, one cell-metadata record → cm="1".
DYNAMIC_ARRAY_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{NS_MAIN}" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
).encode()


@dataclass(frozen=True)
class SheetRef:
    name: str
    sheet_id: int
    rid: str
    part: str  # e.g. "xl/worksheets/sheet1.xml"
    state: str = "visible"


def _attr(text: str, name: str) -> str | None:
    m = re.search(rf'(?:^|\s){re.escape(name)}\s*=\s*(["\'])(.*?)\1', text, re.S)
    return m.group(2) if m else None


class Package:
    """The parts of a zip package in their original order; untouched parts stay byte-identical."""

    def __init__(self, data: bytes, name: str = "workbook", parts: dict[str, bytes] | None = None) -> None:
        """The package of ``data``; ``parts`` (name → inflated bytes, from the safety check's
        ``keep_parts``) saves inflating every member again."""
        self.name = name
        self._source = data
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                self._infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
                if parts is None:
                    parts = {n: zf.read(n) for n in self._infos}
                self._parts = {n: parts[n] for n in self._infos}
        except (zipfile.BadZipFile, EOFError, ValueError, KeyError) as exc:
            raise XlmodelError("workbook", name, "an .xlsx or .xlsm file (a zip package)",
                               detail=f"not a workbook: {exc}") from None
        self.changed: set[str] = set()
        self.identity: FileIdentity | None = None  # set by read(): the file's identity as read
        self.info: Any = None  # set by read(): the safety check's WorkbookInfo
        self._sheets: tuple[bytes, bytes, list[SheetRef]] | None = None
        if "[Content_Types].xml" not in self._parts:
            raise XlmodelError("workbook", name, "an .xlsx or .xlsm file",
                               detail="no [Content_Types].xml: not an Office package")
        self.workbook_part = self._office_document()

    @classmethod
    def read(cls, path: str | os.PathLike[str], **limits: Any) -> Package:
        """Read, identify, check and load ``path`` once (``limits`` as for the safety check).

        The safety check runs on the very bytes that are loaded (zip bombs, entity expansion,
        absurd sizes are refused before any part is parsed), and its CRC-checked inflate is
        the package's: no member is inflated twice.
        """
        from xlmodel.ooxml.safety import check_workbook_bytes, check_workbook_file
        from xlmodel.safeio import read_identified

        p = Path(path)
        if not p.is_file():
            raise XlmodelError("workbook", str(path), "an existing .xlsx or .xlsm file",
                               detail="file not found")
        if p.stat().st_size == 0:
            check_workbook_file(p)  # the refusal names an empty file as such
        data, identity = read_identified(p)
        info = check_workbook_bytes(data, p, keep_parts=True, **limits)
        parts, info = info.parts, _without_parts(info)
        pkg = cls(data, name=str(path), parts=parts)
        pkg.identity = identity  # what was read: write_atomic refuses to replace a file changed since
        pkg.info = info
        return pkg

    def _xml(self, data: bytes, part: str) -> Any:
        """Parse a part with defusedxml; malformed or hostile XML is a clear error."""
        try:
            return SafeET.fromstring(data)
        except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
            raise XlmodelError("workbook", self.name, "a well-formed Office package",
                               detail=f"{part}: {type(exc).__name__}: {exc}") from None

    # -- parts -----------------------------------------------------------------------------
    def source_bytes(self) -> bytes:
        """The package as it was read."""
        return self._source

    def names(self) -> list[str]:
        return list(self._parts)

    def get(self, part: str) -> bytes:
        return self._parts[part]

    def has(self, part: str) -> bool:
        return part in self._parts

    def set(self, part: str, data: bytes) -> None:
        if self._parts.get(part) != data:
            self._parts[part] = data
            self.changed.add(part)

    def remove(self, part: str) -> None:
        if part in self._parts:
            del self._parts[part]
            self._infos.pop(part, None)
            self.changed.add(part)

    def to_bytes(self) -> bytes:
        """The package as a zip: unchanged members copied as stored, changed ones deflated.

        Nothing changed: the bytes as read.  A source this writer cannot copy member by member
        (zip64 records, duplicate names) is rewritten whole, every member deflated again.
        """
        if not self.changed:
            return self._source
        raw = _stored_members(self._source)
        if raw is None:
            return self._rezip()
        out = bytearray()
        central: list[bytes] = []
        for name, data in self._parts.items():
            offset = len(out)
            stored = raw.get(name) if name not in self.changed else None
            if stored is not None:
                start, end, record = stored
                out += self._source[start:end]
                central.append(record[:42] + struct.pack("<L", offset) + record[46:])
                continue
            local, record = _member(name, data, self._infos.get(name))
            out += local
            central.append(record[:42] + struct.pack("<L", offset) + record[46:])
        if len(out) > 0xFFFFFFFF or len(central) > 0xFFFF:
            return self._rezip()
        directory = b"".join(central)
        out += directory
        out += struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory),
                           len(out) - len(directory), 0)
        return bytes(out)

    def _rezip(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in self._parts.items():
                info = self._infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                else:
                    src = info
                    info = zipfile.ZipInfo(name, date_time=src.date_time)
                    info.compress_type = src.compress_type
                    info.external_attr = src.external_attr
                    info.create_system = src.create_system
                zf.writestr(info, data)
        return out.getvalue()

    # -- workbook-wide facts ----------------------------------------------------------------
    @property
    def date1904(self) -> bool:
        """Does the workbook count serial dates from 1904 (``<workbookPr date1904="1"/>``)?"""
        text = self._parts[self.workbook_part].decode("utf-8", "replace")
        return _DATE1904.search(text) is not None

    def shared_strings(self) -> list[str]:
        """The shared-string table's texts in order (rich-text runs joined, phonetic runs left
        out, ``_xHHHH_`` decoded): the one reader of ``sharedStrings.xml``."""
        part = next((n for n in self._parts if n.lower().endswith("sharedstrings.xml")), None)
        if part is None:
            return []
        text = self._parts[part].decode("utf-8", "replace")
        out = []
        for si in _SI.finditer(text):
            body = si.group(1) or ""
            if "rPh" in body:
                body = _RPH.sub("", body)
            runs = _T.findall(body)
            joined = runs[0] if len(runs) == 1 else "".join(runs)
            out.append(decode_text(joined) if "&" in joined or "_x" in joined else joined)
        return out

    # -- relationships and content types ----------------------------------------------------
    def _office_document(self) -> str:
        rels = self._parts.get("_rels/.rels")
        if rels is None:
            raise XlmodelError("workbook", self.name, "an Office package", detail="no _rels/.rels")
        for rel in self._xml(rels, '_rels/.rels'):
            if rel.get("Type") == REL_OFFICE_DOC:
                part = resolve_target("", rel.get("Target", ""))
                if part in self._parts:
                    tag = self._xml(self._parts[part], part).tag
                    if tag == f"{{{NS_MAIN}}}workbook":
                        return part
                    if tag.endswith("}workbook"):
                        raise XlmodelError("workbook", self.name, "an .xlsx or .xlsm file",
                                           detail="Strict Open XML is not read; save it as an Excel "
                                                  "Workbook (.xlsx)")
        raise XlmodelError("workbook", self.name, "a spreadsheet package",
                           detail="no workbook part (is it a Word or PowerPoint file?)")

    def relationships(self, part: str) -> list[dict[str, str]]:
        data = self._parts.get(rels_part(part))
        if data is None:
            return []
        return [{"Id": r.get("Id", ""), "Type": r.get("Type", ""), "Target": r.get("Target", ""),
                 "TargetMode": r.get("TargetMode", "")} for r in self._xml(data, rels_part(part))]

    def add_relationship(self, part: str, rel_type: str, target_part: str) -> str:
        """Add a relationship from ``part`` to ``target_part``; returns its new Id."""
        rels_name = rels_part(part)
        existing = self.relationships(part)
        ids = {r["Id"] for r in existing}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = posixpath.relpath(target_part, posixpath.dirname(part) or ".")
        entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{xml_escape(target, quote=True)}"/>'
        data = self._parts.get(rels_name)
        if data is None:
            text = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
                   f'<Relationships xmlns="{NS_PKG_REL}">{entry}</Relationships>'
        else:
            text = data.decode("utf-8")
            text = re.sub(r"</([\w]+:)?Relationships>\s*$", lambda m: entry + m.group(0), text, count=1)
        self.set(rels_name, text.encode("utf-8"))
        return rid

    def add_content_type(self, part: str, content_type: str) -> None:
        text = self._parts["[Content_Types].xml"].decode("utf-8")
        if f'PartName="/{part}"' in text:
            return
        entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        text = re.sub(r"</([\w]+:)?Types>\s*$", lambda m: entry + m.group(0), text, count=1)
        self.set("[Content_Types].xml", text.encode("utf-8"))

    # -- sheets ------------------------------------------------------------------------------
    def sheets(self) -> list[SheetRef]:
        """The worksheets in workbook order (chart sheets and dialog sheets are left out)."""
        data = self._parts[self.workbook_part]
        rels = self._parts.get(rels_part(self.workbook_part), b"")
        if self._sheets is not None and self._sheets[0] is data and self._sheets[1] is rels:
            return list(self._sheets[2])
        found = self._find_sheets()
        self._sheets = (data, rels, found)
        return list(found)

    def _find_sheets(self) -> list[SheetRef]:
        root = self._xml(self._parts[self.workbook_part], self.workbook_part)
        rels = {r["Id"]: r for r in self.relationships(self.workbook_part)}
        out = []
        for el in root.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_REL}}}id", "")
            rel = rels.get(rid)
            if rel is None or rel["Type"] != REL_WORKSHEET:
                continue
            part = resolve_target(self.workbook_part, rel["Target"])
            if part in self._parts:
                out.append(SheetRef(el.get("name", ""), int(el.get("sheetId", "0")), rid, part,
                                    el.get("state", "visible")))
        return out

    def sheet(self, name: str) -> SheetRef | None:
        for ref in self.sheets():
            if ref.name == name:
                return ref
        return None

    def put_sheet(self, name: str, xml: bytes) -> SheetRef:
        """Replace the worksheet ``name`` with ``xml``, or add it as the last sheet.

        A replaced sheet's own relationships (comments, drawings) are dropped with it: the
        sheet is regenerated whole (the Parametre and Kontrol sheets are owned by xlmodel).
        """
        ref = self.sheet(name)
        if ref is not None:
            self.set(ref.part, xml)
            self.remove(rels_part(ref.part))
            return ref
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in self._parts:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        self._parts[part] = xml
        self.changed.add(part)
        self.add_content_type(part, CT_WORKSHEET)
        rid = self.add_relationship(self.workbook_part, REL_WORKSHEET, part)
        text = self._parts[self.workbook_part].decode("utf-8")
        ids = [int(x) for x in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', text)] or [0]
        prefix, rel_prefix = self._prefixes(text)
        entry = (f'<{prefix}sheet name="{xml_escape(name, quote=True)}" '
                 f'sheetId="{max(ids) + 1}" {rel_prefix}:id="{rid}"/>')
        text = re.sub(rf"</{re.escape(prefix)}sheets>", lambda m: entry + m.group(0), text, count=1)
        self.set(self.workbook_part, text.encode("utf-8"))
        return SheetRef(name, max(ids) + 1, rid, part)

    @staticmethod
    def _prefixes(text: str) -> tuple[str, str]:
        """(element prefix incl. colon or "", prefix bound to the relationships namespace)."""
        m = re.search(r"<(\w+:)?workbook\b", text)
        prefix = m.group(1) or "" if m else ""
        r = re.search(rf'xmlns:(\w+)="{re.escape(NS_REL)}"', text)
        if r is None:
            raise XlmodelError("workbook", "workbook.xml", "a workbook part that declares the "
                               "relationships namespace")
        return prefix, r.group(1)

    # -- defined names -----------------------------------------------------------------------
    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names → their formula text (sheet-scoped names left out)."""
        root = self._xml(self._parts[self.workbook_part], self.workbook_part)
        return {el.get("name", ""): el.text or "" for el in root.iter(f"{{{NS_MAIN}}}definedName")
                if el.get("localSheetId") is None}

    def update_defined_names(self, remove: Iterable[str], add: dict[str, str],
                             hidden: Iterable[str] = ()) -> None:
        """Drop the workbook-level names ``remove`` and add ``add`` (name → formula text).

        Names in ``hidden`` are written ``hidden="1"`` (xlmodel's markers).  Every other name,
        sheet-scoped names and the rest of the workbook part are kept as they are.
        """
        drop = {n.lower() for n in remove} | {n.lower() for n in add}
        hide = set(hidden)
        text = self._parts[self.workbook_part].decode("utf-8")
        el, _ = self._prefixes(text)
        pat = re.compile(rf"<{re.escape(el)}definedName\b([^>]*?)(?:/>|>(.*?)</{re.escape(el)}definedName>)",
                         re.S)

        def keep(m: re.Match[str]) -> str:
            name = _attr(m.group(1), "name") or ""
            if name.lower() in drop and _attr(m.group(1), "localSheetId") is None:
                return ""
            return m.group(0)

        text = pat.sub(keep, text)
        flag = ' hidden="1"'
        new = "".join(f'<{el}definedName name="{xml_escape(n, quote=True)}"{flag if n in hide else ""}>'
                      f"{xml_escape(ref)}</{el}definedName>"
                      for n, ref in sorted(add.items()))
        if re.search(rf"<{re.escape(el)}definedNames\s*/>", text):
            text = re.sub(rf"<{re.escape(el)}definedNames\s*/>",
                          lambda m: f"<{el}definedNames>{new}</{el}definedNames>" if new else "",
                          text, count=1)
        elif re.search(rf"</{re.escape(el)}definedNames>", text):
            text = re.sub(rf"</{re.escape(el)}definedNames>", lambda m: new + m.group(0), text, count=1)
            text = re.sub(rf"<{re.escape(el)}definedNames>\s*</{re.escape(el)}definedNames>", "", text)
        elif new:
            block = f"<{el}definedNames>{new}</{el}definedNames>"
            # CT_Workbook order: … sheets, functionGroups, externalReferences, definedNames, calcPr …
            for anchor in ("externalReferences", "functionGroups", "sheets"):
                m = re.search(rf"</{re.escape(el)}{anchor}>|<{re.escape(el)}{anchor}\b[^>]*/>", text)
                if m:
                    last = list(re.finditer(rf"</{re.escape(el)}{anchor}>|<{re.escape(el)}{anchor}\b[^>]*/>",
                                            text))[-1]
                    text = text[:last.end()] + block + text[last.end():]
                    break
        self.set(self.workbook_part, text.encode("utf-8"))

    def without_full_calc_on_load(self) -> None:
        """Drop ``fullCalcOnLoad`` from ``<calcPr>``: the cached values xlmodel wrote are right.

        With the flag, LibreOffice and Excel without the add-in recalculate on open and show
        ``#NAME?`` for every catalogue call instead of the numbers (issue 9, observation 5).
        """
        text = self._parts[self.workbook_part].decode("utf-8")
        new = re.sub(r'(<(?:\w+:)?calcPr\b[^>]*?)\s+fullCalcOnLoad\s*=\s*["\'](?:1|true)["\']', r"\1", text)
        if new != text:
            self.set(self.workbook_part, new.encode("utf-8"))

    # -- dynamic-array metadata --------------------------------------------------------------
    def dynamic_array_cm(self) -> int | None:
        """The ``cm`` index that marks a cell as a dynamic (spilling) array formula.

        Reuses the workbook's metadata part when it has an XLDAPR record; adds Excel's standard
        metadata part when there is none; returns None (plain array formula) when a metadata
        part exists without one, rather than rewriting a part we did not write.
        """
        rels = self.relationships(self.workbook_part)
        meta = next((r for r in rels if r["Type"] == REL_METADATA), None)
        if meta is None:
            part = "xl/metadata.xml"
            if part in self._parts:
                return None
            self._parts[part] = DYNAMIC_ARRAY_METADATA
            self.changed.add(part)
            self.add_content_type(part, CT_METADATA)
            self.add_relationship(self.workbook_part, REL_METADATA, part)
            return 1
        part = resolve_target(self.workbook_part, meta["Target"])
        if part not in self._parts:
            return None
        return _xldapr_index(self._parts[part])


def _xldapr_index(data: bytes) -> int | None:
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return None  # a metadata part we cannot read: plain array formulas, the part untouched
    types = [t.get("name") for t in root.iter(f"{{{NS_MAIN}}}metadataType")]
    if "XLDAPR" not in types:
        return None
    type_index = types.index("XLDAPR") + 1
    dynamic = None
    for fm in root.iter(f"{{{NS_MAIN}}}futureMetadata"):
        if fm.get("name") != "XLDAPR":
            continue
        for i, bk in enumerate(fm.findall(f"{{{NS_MAIN}}}bk")):
            for el in bk.iter():
                if el.tag.endswith("dynamicArrayProperties") and el.get("fDynamic") in ("1", "true"):
                    dynamic = i
                    break
            if dynamic is not None:
                break
    if dynamic is None:
        return None
    cell_meta = root.find(f"{{{NS_MAIN}}}cellMetadata")
    if cell_meta is None:
        return None
    for i, bk in enumerate(cell_meta.findall(f"{{{NS_MAIN}}}bk"), start=1):
        rc = bk.find(f"{{{NS_MAIN}}}rc")
        if rc is not None and rc.get("t") == str(type_index) and rc.get("v") == str(dynamic):
            return i
    return None




#: zlib level for changed members.  Measured on a 6.6 MB worksheet part (100,000 formulas):
#: level 6 (zlib's default) 0.60 s → 1.09 MB, level 1 0.15 s → 1.26 MB.  A refresh rewrites the
#: sheets it patched every time; 15 % more bytes for a quarter of the time.
DEFLATE_LEVEL = 1

_DATE1904 = re.compile(r"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](1|true)[\"']")
_SI = re.compile(r"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_RPH = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_T = re.compile(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)


def _without_parts(info: Any) -> Any:
    import dataclasses

    return dataclasses.replace(info, parts=None)


def _stored_members(data: bytes) -> dict[str, tuple[int, int, bytes]] | None:
    """name → (start, end of its local record incl. data descriptor, central-directory record).

    None when the archive has something this copier does not handle (zip64, a duplicate name,
    an inconsistent record): the caller then rewrites the whole archive.
    """
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or len(data) - end < 22:
        return None
    entries, _, cd_offset = struct.unpack_from("<HLL", data, end + 10)
    if entries == 0xFFFF or cd_offset == 0xFFFFFFFF:
        return None
    out: dict[str, tuple[int, int, bytes]] = {}
    pos = cd_offset
    for _ in range(entries):
        if data[pos:pos + 4] != b"PK\x01\x02":
            return None
        (flag, csize, usize, nlen, xlen, clen, lho) = (
            struct.unpack_from("<H", data, pos + 8)[0], *struct.unpack_from("<LLHHH", data, pos + 20),
            struct.unpack_from("<L", data, pos + 42)[0])
        if 0xFFFFFFFF in (csize, usize, lho):
            return None
        raw_name = data[pos + 46:pos + 46 + nlen]
        name = raw_name.decode("utf-8" if flag & 0x800 else "cp437")
        record = data[pos:pos + 46 + nlen + xlen + clen]
        if data[lho:lho + 4] != b"PK\x03\x04":
            return None
        lnlen, lxlen = struct.unpack_from("<HH", data, lho + 26)
        stop = lho + 30 + lnlen + lxlen + csize
        if flag & 0x8:  # a data descriptor follows the data (with or without its signature)
            stop += 16 if data[stop:stop + 4] == b"PK\x07\x08" else 12
        if name in out or stop > cd_offset:
            return None
        out[name] = (lho, stop, record)
        pos += 46 + nlen + xlen + clen
    return out


def _member(name: str, data: bytes, info: zipfile.ZipInfo | None) -> tuple[bytes, bytes]:
    """(local header + data, central-directory record with offset 0) of a new or changed member."""
    stored = info is not None and info.compress_type == zipfile.ZIP_STORED
    if stored:
        body = data
    else:
        z = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
        body = z.compress(data) + z.flush()
    y, mo, d, h, mi, sec = info.date_time if info is not None else (1980, 1, 1, 0, 0, 0)
    dos_time, dos_date = (h << 11) | (mi << 5) | (sec // 2), ((y - 1980) << 9) | (mo << 5) | d
    try:
        raw_name, flag = name.encode("ascii"), 0
    except UnicodeEncodeError:
        raw_name, flag = name.encode("utf-8"), 0x800
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    crc = zlib.crc32(data)
    local = struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", 20, flag, method, dos_time, dos_date, crc,
                        len(body), len(data), len(raw_name), 0) + raw_name
    system = info.create_system if info is not None else 3
    attrs = info.external_attr if info is not None else 0o600 << 16
    record = struct.pack("<4sHHHHHHLLLHHHHHLL", b"PK\x01\x02", (system << 8) | 20, 20, flag, method,
                         dos_time, dos_date, crc, len(body), len(data), len(raw_name), 0, 0, 0, 0,
                         attrs, 0) + raw_name
    return local + body, record
