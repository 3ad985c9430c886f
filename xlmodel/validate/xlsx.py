"""Reading an .xlsx package into the loaded book (:class:`~xlmodel.validate.book.LoadedBook`).

Sheets in the canonical serialisation that Excel, LibreOffice and openpyxl write are read by
one C-level regex pass, verified against the count of ``<c`` tags; anything else (namespace
prefixes, comments, other encodings, unexpected children) goes through the standard
library's expat ``iterparse``.  A document type declaration is refused, so entity expansion
and external entities cannot happen.  This module is the validator's only file-format code;
it goes when the shared file-format layer (``xlmodel.ooxml``) offers the same scan.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import zipfile
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np

from xlmodel.errors import XlmodelError
from xlmodel.validate.addresses import col_index
from xlmodel.validate.book import ExcelError, LoadedBook, Sheet
from xlmodel.validate.references import form_key

MAX_PART_BYTES = 2_000_000_000  # refuse a zip member that claims to inflate beyond this (zip bomb)


_SPREADSHEET_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Parts:
    """The package's members, from a :class:`~xlmodel.ooxml.package.Package` already read and
    checked (the usual way: :func:`xlmodel.validate.validate` reads the file once) or from a
    zip file opened here."""

    def __init__(self, source: Any) -> None:
        if isinstance(source, zipfile.ZipFile):
            self.filename = source.filename or ""
            self._zip: zipfile.ZipFile | None = source
            self._names = set(source.namelist())
        else:
            self.filename = source.name
            self._zip, self._pkg = None, source
            self._names = set(source.names())

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def read(self, name: str) -> bytes:
        if self._zip is None:
            return self._pkg.get(name)
        info = self._zip.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise XlmodelError("path", self.filename, "a workbook whose parts are smaller than 2 GB",
                               detail=f"{name} would inflate to {info.file_size:,} bytes")
        return self._zip.read(name)


def _refuse_dtd(data: bytes, where: str) -> None:
    # SpreadsheetML never has a document type declaration; refusing one rules out entity
    # expansion ("billion laughs") and external entities, as defusedxml does.  (In XML the
    # keywords are upper case; anywhere else in a part "<!" could only be a comment or CDATA.)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XlmodelError("path", where, "an .xlsx file without a DTD", detail="XML DOCTYPE/ENTITY refused")


def _xml(zf: _Parts, name: str) -> ET.Element:
    data = zf.read(name)
    _refuse_dtd(data, f"{zf.filename}:{name}")
    return ET.fromstring(data)


def _rels(zf: _Parts, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, absolute part name) for ``part``."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf:
        return {}
    out = {}
    for rel in _xml(zf, rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = (target.lstrip("/") if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target)))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _shared_strings(zf: _Parts, part: str | None) -> list[str]:
    if part is None or part not in zf:
        return []
    out = []
    for si in _xml(zf, part):
        # plain <t>, or rich-text runs <r><t>; phonetic guides (<rPh>) are not part of the text
        texts = []
        for child in si:
            tag = _local(child.tag)
            if tag == "t":
                texts.append(child.text or "")
            elif tag == "r":
                texts.extend(t.text or "" for t in child if _local(t.tag) == "t")
        out.append(_unescape("".join(texts)))
    return out


_X_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes for characters XML cannot carry."""
    return _X_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def read_book(path: str | os.PathLike[str] | Any) -> LoadedBook:
    """Read an .xlsx/.xlsm workbook once: formulas, cached values, names, calculation mode.

    ``path``: a file, or a :class:`~xlmodel.ooxml.package.Package` already read (and checked).
    Raises :class:`XlmodelError` naming the file when it is missing or not an OOXML workbook.
    """
    if not isinstance(path, str | os.PathLike):
        book = _read(_Parts(path), path.name)
        book.package = path
        return book
    text = os.fspath(path)
    if not os.path.isfile(text):
        raise XlmodelError("path", text, "an existing .xlsx or .xlsm file", detail="file not found")
    try:
        zf = zipfile.ZipFile(text)
    except zipfile.BadZipFile:
        raise XlmodelError("path", text, "an .xlsx or .xlsm workbook (Office Open XML)",
                           detail="not a zip package; old .xls files are not supported") from None
    with zf:
        return _read(_Parts(zf), text)


def _read(zf: _Parts, text: str) -> LoadedBook:
    workbook_part = next((p for _, (kind, p) in _rels(zf, "").items() if kind == "officeDocument"),
                         "xl/workbook.xml")
    if workbook_part not in zf:
        raise XlmodelError("path", text, "an .xlsx or .xlsm workbook", detail="no workbook part")
    try:
        wb = _xml(zf, workbook_part)
    except ET.ParseError as exc:
        raise XlmodelError("path", text, "a well-formed .xlsx workbook",
                           detail=f"{workbook_part}: {exc}") from None
    rels = _rels(zf, workbook_part)
    strings = _shared_strings(zf, next((p for kind, p in rels.values() if kind == "sharedStrings"), None))
    book = LoadedBook(text, [], {})
    for el in wb.iter():
        tag = _local(el.tag)
        if tag == "calcPr":
            book.calc_mode = el.get("calcMode", "auto")
            book.iterate = el.get("iterate", "0").lower() in ("1", "true")
        elif tag == "definedName" and el.text:
            local = el.get("localSheetId")
            book.names[(el.get("name", "").upper(), int(local) if local is not None else None)] = el.text
    sheet_elements = [el for el in wb.iter() if _local(el.tag) == "sheet"]
    form_ids: dict[str, int] = {}
    for index, el in enumerate(sheet_elements):
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id") or k == "id"), None)
        kind, part = rels.get(rid or "", ("", ""))
        sheet = Sheet(el.get("name", f"Sheet{index + 1}"), index)
        book.sheets.append(sheet)
        if kind == "worksheet" and part in zf:
            _read_sheet(zf, part, sheet, strings, book, form_ids)
    return book


def _read_sheet(zf: _Parts, part: str, sheet: Sheet, strings: list[str], book: LoadedBook,
                form_ids: dict[str, int]) -> None:
    data = zf.read(part)
    _refuse_dtd(data, f"{zf.filename}:{part}")
    store = _CellStore(sheet, strings, book, form_ids)
    try:
        canonical = _parse_canonical(data, store)
    except (ValueError, IndexError, UnicodeDecodeError):
        canonical = False  # something the fast path does not expect: let the parser judge
    if not canonical:
        store = _CellStore(sheet, strings, book, form_ids)
        try:
            _parse_xml(data, store)
        except (ET.ParseError, ValueError, IndexError) as exc:
            raise XlmodelError("path", zf.filename, "a well-formed .xlsx workbook",
                               detail=f"{part}: {exc}") from None
    store.finish()


class _CellStore:
    """Collects one sheet's cells from either parser into :class:`Sheet`."""

    def __init__(self, sheet: Sheet, strings: list[str], book: LoadedBook, form_ids: dict[str, int]) -> None:
        self.sheet, self.strings, self.book, self.form_ids = sheet, strings, book, form_ids
        sheet.values.clear()
        sheet.formulas.clear()
        sheet.shared.clear()
        sheet.texts.clear()
        sheet.errors.clear()
        self.f_rows: list[int] = []
        self.f_cols: list[int] = []
        self.f_forms: list[int] = []
        self.shared_master: dict[str, tuple[int, int, int]] = {}   # si → (row, col, form id)
        self.shared_children: list[tuple[int, int, str]] = []

    def add(self, row: int, col: int, kind: str, raw: str | None, inline: str | None,
            ftype: str | None, fsi: str | None, ftext: str | None, has_formula: bool) -> None:
        """One cell: ``raw`` is the ``<v>`` text, ``inline`` an inline string's text."""
        value: Any = None
        if raw is not None and raw != "":
            if kind == "n":
                value = float(raw)
            elif kind == "s":
                value = self.strings[int(raw)]
            elif kind == "b":
                value = raw.strip() in ("1", "true")
            elif kind == "e":
                value = ExcelError(raw)
                self.sheet.errors.append((row, col))
            else:  # str (a formula's text result), d (an ISO date)
                value = _unescape(raw)
        elif inline is not None:
            value = _unescape(inline)
        elif raw == "" and kind == "str":
            value = ""
        if value is not None:
            self.sheet.values[(row, col)] = value
        if not has_formula:
            if kind in ("s", "inlineStr") and value:
                self.sheet.texts.append((row, col, value))
            return
        if ftype == "shared" and not ftext:
            self.shared_children.append((row, col, fsi or ""))
            return
        if not ftext or ftype == "dataTable":
            return
        formula = "=" + _unescape(ftext)
        self.sheet.formulas[(row, col)] = formula
        key = form_key(formula, row, col)
        fid = self.form_ids.get(key)
        if fid is None:
            fid = self.form_ids[key] = len(self.book.forms)
            self.book.forms.append(key)
            self.book.examples.append((self.sheet.index, row, col))
        if ftype == "shared":
            self.shared_master[fsi or ""] = (row, col, fid)
        self.f_rows.append(row)
        self.f_cols.append(col)
        self.f_forms.append(fid)

    def finish(self) -> None:
        for row, col, si in self.shared_children:  # a child has its master's R1C1 form by definition
            master = self.shared_master.get(si)
            if master is None:
                continue
            self.sheet.shared[(row, col)] = master[:2]
            self.f_rows.append(row)
            self.f_cols.append(col)
            self.f_forms.append(master[2])
        self.sheet.f_rows = np.asarray(self.f_rows, dtype=np.int64)
        self.sheet.f_cols = np.asarray(self.f_cols, dtype=np.int64)
        self.sheet.f_forms = np.asarray(self.f_forms, dtype=np.int64)


# The canonical serialisation Excel, LibreOffice and openpyxl write: unprefixed elements,
# ``r`` first, double-quoted attributes, children <f>, <v>, <is> in that order.  Matched in
# one C-level pass; the cell count is verified against the number of ``<c`` tags, and any
# file that does not fit (prefixes, comments, CDATA, other encodings, extra children) goes
# through the XML parser instead.
_CANON_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*?)(?:/>|>'
    rb'(?:(<f)([^>]*?)(?:/>|>([^<]*)</f>))?'
    rb'(?:<v>([^<]*)</v>|<v\s*/>)?'
    rb'(?:<is>(.*?)</is>)?</c>)', re.S)
_ATTR_T = re.compile(rb'\st="(\w+)"')
_BYTES_COLUMNS: dict[bytes, int] = {}
_ATTR_SI = re.compile(rb'\ssi="([^"]*)"')
_INLINE_T = re.compile(rb'<t(?:\s[^>]*)?>([^<]*)</t>')


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return _entities(text) if "&" in text else text


def _entities(text: str) -> str:
    """``html.unescape(text)``, quicker for XML's five named entities (``A1&gt;0``: a formula
    with a comparison); anything else (a character reference, a stray ``&``) goes to html.unescape.

    >>> _entities("IF(A1&gt;0,&quot;a&amp;b&quot;,&amp;lt;)"), _entities("&#65;&gt")
    ('IF(A1>0,"a&b",&lt;)', 'A>')
    """
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    if "&" in plain.replace("&amp;", ""):
        return html.unescape(text)
    return plain.replace("&amp;", "&")


def _parse_canonical(data: bytes, store: _CellStore) -> bool:
    """Fill ``store`` from canonical sheet XML; False (nothing trusted) when the file does not fit."""
    head = data[:200]
    if (b"<sheetData" not in data or b"<!--" in data or b"<![CDATA[" in data
            or (b"encoding=" in head and not re.search(rb'encoding="utf-?8"', head, re.I))):
        return False
    cells = _CANON_CELL.findall(data)
    if len(cells) != data.count(b"<c ") or b"<c>" in data or b"<c/>" in data:
        return False
    add, values, cols = store.add, store.sheet.values, _BYTES_COLUMNS
    sheet, book, form_ids = store.sheet, store.book, store.form_ids
    formulas, forms, examples = sheet.formulas, book.forms, book.examples
    f_rows, f_cols, f_forms = store.f_rows, store.f_cols, store.f_forms
    index = sheet.index
    for letters, digits, attrs, f_tag, f_attrs, f_text, v, inline in cells:
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = col_index(letters.decode())
        kind = "n"
        at = attrs.find(b' t="')
        if at >= 0:
            kind = attrs[at + 4:attrs.index(b'"', at + 4)].decode()
        if not f_tag and kind == "n":  # the common case: a number typed in
            if v:
                values[(int(digits), col)] = float(v)
            continue
        if kind == "n" and f_text and not inline and not f_attrs.strip():
            # the other common case: a plain formula with a number (or nothing) cached — what
            # add() does for it, inline (a sheet of 100,000 formulas spends its load here)
            row = int(digits)
            if v:
                values[(row, col)] = float(v)
            text = f_text.decode("utf-8")
            if "&" in text:
                text = _entities(text)
            formula = "=" + _unescape(text)
            formulas[(row, col)] = formula
            key = form_key(formula, row, col)
            fid = form_ids.get(key)
            if fid is None:
                fid = form_ids[key] = len(forms)
                forms.append(key)
                examples.append((index, row, col))
            f_rows.append(row)
            f_cols.append(col)
            f_forms.append(fid)
            continue
        ftype = fsi = None
        if f_tag and b"t=" in f_attrs:
            m = _ATTR_T.search(f_attrs)
            ftype = m.group(1).decode() if m else None
            m = _ATTR_SI.search(f_attrs)
            fsi = m.group(1).decode() if m else None
        add(int(digits), col, kind,
            _xml_text(v) if v else None,
            "".join(_xml_text(t) for t in _INLINE_T.findall(inline)) if inline else None,
            ftype, fsi, _xml_text(f_text) if f_text else None, bool(f_tag))
    return True


def _parse_xml(data: bytes, store: _CellStore) -> None:
    """Any well-formed sheet XML, streamed row by row with ElementTree."""
    row_tags = {f"{{{ns}}}row" for ns in _SPREADSHEET_NS} | {"row"}
    ns = None
    C = F = V = IS = T = ""
    row_no = 0
    digits = "0123456789"
    for _, el in ET.iterparse(io.BytesIO(data), events=("end",)):
        tag = el.tag
        if tag not in row_tags:
            continue
        if ns != tag[:-3]:
            ns = tag[:-3]
            C, F, V, IS, T = (ns + t for t in ("c", "f", "v", "is", "t"))
        number = el.get("r")
        row_no = int(number) if number is not None else row_no + 1
        col = 0
        for c in el:
            if c.tag != C:
                continue
            ref = c.get("r")
            if ref is not None:
                letters = ref.rstrip(digits)
                row, col = int(ref[len(letters):]), col_index(letters)
            else:  # r is optional: the next column of this row
                row, col = row_no, col + 1
            f_el = v_el = is_el = None
            for child in c:
                if child.tag == V:
                    v_el = child
                elif child.tag == F:
                    f_el = child
                elif child.tag == IS:
                    is_el = child
            inline = None if is_el is None else "".join(t.text or "" for t in is_el.iter() if t.tag == T)
            store.add(row, col, c.get("t", "n"), None if v_el is None else (v_el.text or ""), inline,
                      None if f_el is None else f_el.get("t"), None if f_el is None else f_el.get("si"),
                      None if f_el is None else f_el.text, f_el is not None)
        el.clear()
