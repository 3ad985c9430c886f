"""An .xlsx/.xlsm file as an OOXML package of parts, edited part by part.

The refresh changes only what it must: the ``<v>`` values of formula cells (and of the cells a
formula spills into) in the worksheet parts it touches, the Parametre/Kontrol sheets when asked,
and the workbook's ``P_*`` defined names.  Every other part — styles, VBA project, comments,
drawings, data validation inside the sheets, pivot caches — is copied byte for byte, so nothing
a library does not understand can be lost.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from xlmodel.errors import XlmodelError

if TYPE_CHECKING:
    from xlmodel.safeio import FileIdentity

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_METADATA = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"

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


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class Package:
    """The parts of a zip package in their original order; untouched parts stay byte-identical."""

    def __init__(self, data: bytes, name: str = "workbook") -> None:
        self.name = name
        self._source = data
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                self._infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
                self._parts = {n: zf.read(n) for n in self._infos}
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise XlmodelError("workbook", name, "an .xlsx or .xlsm file (a zip package)",
                               detail=f"not a workbook: {exc}") from None
        self.changed: set[str] = set()
        self.identity: FileIdentity | None = None  # set by read(): the file's identity as read
        if "[Content_Types].xml" not in self._parts:
            raise XlmodelError("workbook", name, "an .xlsx or .xlsm file",
                               detail="no [Content_Types].xml: not an Office package")
        self.workbook_part = self._office_document()

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Package:
        from xlmodel.safeio import check_workbook_file, read_identified

        p = Path(path)
        if not p.is_file():
            raise XlmodelError("workbook", str(path), "an existing .xlsx or .xlsm file",
                               detail="file not found")
        check_workbook_file(p)  # zip bombs, entity expansion, absurd sizes: refused before reading
        data, identity = read_identified(p)
        pkg = cls(data, name=str(path))
        pkg.identity = identity  # what was read: write_atomic refuses to replace a file changed since
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

    # -- relationships and content types ----------------------------------------------------
    def _office_document(self) -> str:
        rels = self._parts.get("_rels/.rels")
        if rels is None:
            raise XlmodelError("workbook", self.name, "an Office package", detail="no _rels/.rels")
        for rel in self._xml(rels, '_rels/.rels'):
            if rel.get("Type") == REL_OFFICE_DOC:
                part = _resolve("", rel.get("Target", ""))
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
        data = self._parts.get(_rels_part(part))
        if data is None:
            return []
        return [{"Id": r.get("Id", ""), "Type": r.get("Type", ""), "Target": r.get("Target", ""),
                 "TargetMode": r.get("TargetMode", "")} for r in self._xml(data, _rels_part(part))]

    def add_relationship(self, part: str, rel_type: str, target_part: str) -> str:
        """Add a relationship from ``part`` to ``target_part``; returns its new Id."""
        rels_name = _rels_part(part)
        existing = self.relationships(part)
        ids = {r["Id"] for r in existing}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = posixpath.relpath(target_part, posixpath.dirname(part) or ".")
        entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{escape(target)}"/>'
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
        root = self._xml(self._parts[self.workbook_part], self.workbook_part)
        rels = {r["Id"]: r for r in self.relationships(self.workbook_part)}
        out = []
        for el in root.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_REL}}}id", "")
            rel = rels.get(rid)
            if rel is None or rel["Type"] != REL_WORKSHEET:
                continue
            part = _resolve(self.workbook_part, rel["Target"])
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
            self.remove(_rels_part(ref.part))
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
        entry = (f'<{prefix}sheet name="{escape(name, {chr(34): "&quot;"})}" '
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

    def replace_defined_names(self, prefix: str, names: dict[str, str]) -> None:
        """Drop the workbook-level names starting with ``prefix`` and add ``names`` (name → ref)."""
        old = [n for n in self.defined_names() if n.startswith(prefix)]
        self.update_defined_names(old, names)

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
        new = "".join(f'<{el}definedName name="{escape(n)}"{flag if n in hide else ""}>'
                      f"{escape(ref)}</{el}definedName>"
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
        part = _resolve(self.workbook_part, meta["Target"])
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


def write_atomic(path: str | os.PathLike[str], data: bytes, *, backup: bool = False,
                 force: bool = False, expect_identity: FileIdentity | None = None) -> None:
    """Write ``data`` to ``path`` with :func:`xlmodel.safeio.atomic_write` (the one mechanism).

    A temporary file in the same folder is written, fsynced, read back and checked, and only
    then moved over ``path``; a lock file (``~$name``) refuses unless ``force``.
    ``expect_identity`` (``Package.identity``): a file changed since it was read is not replaced.
    """
    from xlmodel.safeio import atomic_write

    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), backup=backup, force=force,
                 readback="zip", expect_identity=expect_identity)
