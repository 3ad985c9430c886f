"""``xlmodel excel init``: a macro-enabled workbook (.xlsm) for Windows Excel with the xlwings add-in.

What xlwings' own ``xlwings quickstart`` does for its projects (it copies the ``quickstart.xlsm``
it ships), done for xlmodel and without touching what the user made:

* **the VBA project** (``xl/vbaProject.bin``): the project of the installed xlwings package's
  ``quickstart.xlsm`` — its references (the xlwings add-in, so ``RunPython`` resolves), its
  project record and its document-module attributes — plus one standard module ``xlmodel`` with
  the two button macros, each calling the shared implementation in :mod:`xlmodel.excel.macros`
  through ``RunPython``  (see :data:`MACROS`);
* **an ``xlwings.conf`` sheet** with the keys of quickstart's ``_xlwings.conf`` sheet (xlwings
  reads the settings from a sheet of that name, starting in A1): ``UDF Modules`` =
  ``xlmodel.udfs``, ``Interpreter_Win`` = the Python that ran the command (on Windows);
* **a sheet ``xlmodel``** with the buttons "Opdater model" and "Valider" (form-control buttons in
  a VML drawing, the form Excel itself writes for them) and a few lines of Danish help.

Idempotent and the user's parts stay byte-identical: every part is copied as read except the
three that must name the new parts ([Content_Types].xml, xl/workbook.xml and its relationships),
which get only additions.  A second run finds each piece by what it wrote — the VBA module
``xlmodel``, a drawing whose buttons run ``OpdaterModel``/``Valider``, a sheet named
``xlwings.conf`` (xlwings' own convention, by name; it is never rewritten) — and adds only what is
missing; with nothing missing the file is not written at all.  A workbook with its own VBA
project but no ``xlmodel`` module is refused (rewriting the user's project is not ours to do):
the message names ``NAME_xlmodel.bas``, written next to it, to import by hand.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from xlmodel.engine.package import NS_MAIN, NS_REL, Package
from xlmodel.errors import XlmodelError
from xlmodel.excel import vba
from xlmodel.ooxml.addresses import rels_part as _rels_part
from xlmodel.ooxml.addresses import resolve_target as _resolve

#: The VBA module xlmodel writes, and the macros its buttons call: (macro, button text, Python call).
MODULE = "xlmodel"
MACROS = (
    ("OpdaterModel", "Opdater model", "import xlmodel.excel.macros as m; m.opdater_model_xlwings()"),
    ("Valider", "Valider", "import xlmodel.excel.macros as m; m.valider_xlwings()"),
)
#: The module xlwings imports the UDFs from (xlwings.conf "UDF Modules").
UDF_MODULE = "xlmodel.udfs"
CONF_SHEET = "xlwings.conf"
BUTTON_SHEET = "xlmodel"
#: The first line of the module: how a later run (and a reader) knows the module is xlmodel's.
MARKER = "' Skrevet af xlmodel excel init"

CT_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"


class InitError(XlmodelError):
    """A refusal of ``xlmodel excel init``, in Danish (the user reads it): what, which file, what to do."""

    def __init__(self, argument: str, value: object, text: str) -> None:
        ValueError.__init__(self, text)
        self.argument, self.value, self.allowed, self.detail = argument, value, "", ""


def module_source() -> str:
    """The ``xlmodel`` VBA module: one Sub per button, each a ``RunPython`` of the shared macros."""
    lines = [f'Attribute VB_Name = "{MODULE}"', MARKER + " (knapperne Opdater model og Valider).",
             "' Kræver xlwings-tilføjelsesprogrammet (Tools > References: xlwings).", ""]
    for macro, _text, call in MACROS:
        lines += [f"Sub {macro}()", f'    RunPython "{call}"', "End Sub", ""]
    return "\r\n".join(lines)


# ------------------------------------------------------------------------ xlwings' template
def _xlwings_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("No module named 'xlwings'", name="xlwings")
    return Path(spec.origin).parent


def quickstart_path() -> Path:
    """The ``quickstart.xlsm`` of the installed xlwings package (what ``xlwings quickstart`` copies)."""
    path = _xlwings_dir() / "quickstart.xlsm"
    if not path.is_file():
        raise InitError("xlwings", str(path), f"xlwings-pakken har ingen quickstart.xlsm ({path}); "
                        'installér xlwings ≥ 0.33: pip install "xlmodel[excel]"')
    return path


def quickstart_vba() -> bytes:
    return zipfile.ZipFile(quickstart_path()).read("xl/vbaProject.bin")


def conf_rows(interpreter: str | None) -> list[tuple[str, object]]:
    """The xlwings.conf sheet's rows: quickstart's keys in its order, with xlmodel's values.

    ``UDF Modules`` names :data:`UDF_MODULE`; ``Interpreter_Win`` is ``interpreter`` (None keeps
    quickstart's value, ``python`` from PATH); every other key keeps quickstart's value.
    """
    from openpyxl import load_workbook

    wb = load_workbook(quickstart_path(), read_only=True)
    try:
        sheet = wb["_xlwings.conf"]
        rows: list[tuple[str, object]] = []
        for key, value, *_ in sheet.iter_rows(min_row=1, max_col=2, values_only=True):
            if not key:
                break
            rows.append((str(key), value))
    finally:
        wb.close()
    out = []
    for key, value in rows:
        if key == "UDF Modules":
            value = UDF_MODULE
        elif key == "Interpreter_Win" and interpreter:
            value = interpreter
        out.append((key, value))
    return out


def default_interpreter() -> str | None:
    """The Python that runs this command, when it is a Windows Python (else None: xlwings' default)."""
    if sys.platform.startswith("win"):
        return sys.executable
    return None


# --------------------------------------------------------------------------------- the parts
def _cell(ref: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _sheet_xml(rows: list[tuple[object, ...]], code_name: str, widths: tuple[float, ...] = (),
               legacy_rid: str | None = None) -> bytes:
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
        if cells:
            body.append(f'<row r="{r}">{cells}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    legacy = f'<legacyDrawing r:id="{legacy_rid}"/>' if legacy_rid else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheetPr codeName="{code_name}"/>'
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + f'<sheetData>{"".join(body)}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f"{legacy}</worksheet>").encode()


def buttons_vml(shape_id_base: int = 1) -> bytes:
    """A VML drawing with one form-control button per macro (what Excel writes for Insert → Button).

    Each button's ``FmlaMacro`` is ``[0]!<macro>``: the macro in this workbook's VBA project.
    """
    shapes = []
    for k, (macro, text, _call) in enumerate(MACROS):
        top_row = 1 + 3 * k  # B2:D3, B5:D6
        shapes.append(
            f'<v:shape id="_x0000_s{1024 * shape_id_base + 1 + k}" type="#_x0000_t201" '
            'style="position:absolute;z-index:1;mso-wrap-style:tight" o:button="t" '
            'fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Calibri" size="220" color="#000000">{escape(text)}</font></div></v:textbox>'
            '<x:ClientData ObjectType="Button">'
            f"<x:Anchor>1, 0, {top_row}, 0, 3, 0, {top_row + 2}, 0</x:Anchor>"
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>[0]!{macro}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
            "</x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{shape_id_base}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
            'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
            '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>' + "".join(shapes) + "</xml>").encode()


BUTTON_HELP = (
    ("xlmodel: knapper",),
    (), (), (), (), (), (),
    ("Opdater model: skriver parametersættet i arket Parametre, genberegner og skriver kontrollerne.",),
    ("Valider: kører kontrollerne på projektmappen, som den er.",),
    ("Funktionerne (fx =PL_REGULER(1000;2013;2014)) kommer fra xlmodel.udfs: "
     "xlwings-fanen → Import Functions.",),
    ("Indstillingerne står i arket xlwings.conf. Vejledning: udfs/README.md.",),
)


# ------------------------------------------------------------------------------ the workbook
@dataclass
class InitResult:
    path: Path
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added)


def new_workbook() -> bytes:
    """A new workbook's starting point: one sheet "Model" with an example formula (openpyxl writes it)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.code_name = "ThisWorkbook"
    ws = wb.active
    ws.title = "Model"
    ws.sheet_properties.codeName = "Sheet1"
    ws["A1"] = "Eksempel: 1.000 kr. i 2013-pl omregnet til 2014-pl (serien service)"
    ws["A2"] = "=PL_REGULER(1000,2013,2014)"
    ws["A3"] = "Viser cellen #NAV? / #NAME?, så importér funktionerne: xlwings-fanen → Import Functions."
    ws.column_dimensions["A"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _vml_parts(pkg: Package) -> list[str]:
    return [n for n in pkg.names() if n.lower().endswith(".vml")]


def has_buttons(pkg: Package) -> bool:
    """Some drawing of the workbook has a button for each of :data:`MACROS`."""
    text = b"".join(pkg.get(n) for n in _vml_parts(pkg))
    # Excel writes [0]!Macro, LibreOffice Module.Macro; either names the macro
    prefix = rb"<x:FmlaMacro>\s*(?:\[\d+\]!|[\w.]+[.!])?"
    return all(re.search(prefix + m.encode() + rb"\s*</x:FmlaMacro>", text) for m, _t, _c in MACROS)


def _vba_part(pkg: Package) -> str | None:
    for r in pkg.relationships(pkg.workbook_part):
        if r["Type"] == REL_VBA:
            part = _resolve(pkg.workbook_part, r["Target"])
            return part if pkg.has(part) else None
    return None


def _code_names(pkg: Package) -> list[str]:
    names = []
    for ref in pkg.sheets():
        m = re.search(rb'<(?:\w+:)?sheetPr\b[^>]*\bcodeName="([^"]+)"', pkg.get(ref.part)[:4096])
        if m:
            names.append(m.group(1).decode())
    return names


def _next_code_name(taken: list[str]) -> str:
    n = 1
    while f"Sheet{n}" in taken:
        n += 1
    return f"Sheet{n}"


def _new_sheet_part(pkg: Package, name: str, xml: bytes) -> str:
    if pkg.sheet(name) is not None:
        raise InitError("workbook", pkg.name, f"{pkg.name}: arket {name!r} findes, men mangler xlmodels "
                        "dele; omdøb arket og kør kommandoen igen")
    return pkg.put_sheet(name, xml).part


def _macro_enable(pkg: Package) -> None:
    """Mark the workbook part macro-enabled and give it its VBA code name (an addition only)."""
    ct = pkg.get("[Content_Types].xml").decode("utf-8")
    part = "/" + pkg.workbook_part
    new = re.sub(rf'(<Override\b[^>]*PartName="{re.escape(part)}"[^>]*ContentType=")[^"]*(")',
                 lambda m: m.group(1) + CT_MACRO_WORKBOOK + m.group(2), ct, count=1)
    if new == ct and CT_MACRO_WORKBOOK not in ct:
        new = re.sub(rf'(<Override\b[^>]*ContentType=")[^"]*("[^>]*PartName="{re.escape(part)}")',
                     lambda m: m.group(1) + CT_MACRO_WORKBOOK + m.group(2), ct, count=1)
    pkg.set("[Content_Types].xml", new.encode("utf-8"))
    wb = pkg.get(pkg.workbook_part).decode("utf-8")
    if not re.search(r"<(?:\w+:)?workbookPr\b[^>]*\bcodeName=", wb):
        if re.search(r"<(\w+:)?workbookPr\b", wb):
            wb = re.sub(r"<((?:\w+:)?workbookPr)\b", r'<\1 codeName="ThisWorkbook"', wb, count=1)
        else:
            anchor = (r"(<(\w+:)?(?:fileVersion|fileSharing)\b[^>]*/>)|(?=<(\w+:)?bookViews\b)"
                      r"|(?=<(\w+:)?sheets\b)")
            wb = re.sub(anchor, lambda m: (m.group(1) or "") + '<workbookPr codeName="ThisWorkbook"/>', wb,
                        count=1)
        pkg.set(pkg.workbook_part, wb.encode("utf-8"))


def _workbook_code_name(pkg: Package) -> str:
    text = pkg.get(pkg.workbook_part).decode("utf-8")
    m = re.search(r'<(?:\w+:)?workbookPr\b[^>]*\bcodeName="([^"]+)"', text)
    return m.group(1) if m else "ThisWorkbook"


def add_excel_parts(pkg: Package, interpreter: str | None = None, *,
                    bas_path: Path | None = None) -> InitResult:
    """Add to ``pkg`` whichever of the VBA module, conf sheet and buttons it lacks."""
    result = InitResult(Path(pkg.name))
    vba_part = _vba_part(pkg)
    modules: list[vba.Module] = []
    if vba_part is not None:
        _text, modules, _head = vba.read_project(pkg.get(vba_part))
        if any(m.name == MODULE for m in modules):
            result.present.append(f"VBA-modulet {MODULE}")
        else:
            if bas_path is not None and not bas_path.exists():  # never over a file of the user's
                bas_path.write_text(module_source(), encoding="cp1252", newline="")
            bas = bas_path.name if bas_path else MODULE + ".bas"
            raise InitError("workbook", pkg.name,
                            f"{pkg.name} har sit eget VBA-projekt, som xlmodel ikke omskriver; importér "
                            f"{bas} (skrevet ved siden af) i VBA-editoren: File → Import File")

    conf_missing = pkg.sheet(CONF_SHEET) is None
    buttons_missing = not has_buttons(pkg)
    if not conf_missing:
        result.present.append(f"arket {CONF_SHEET}")
    if not buttons_missing:
        result.present.append("knapperne Opdater model og Valider")
    taken = _code_names(pkg)
    new_docs: list[str] = []
    if conf_missing:
        code = _next_code_name(taken)
        taken.append(code)
        rows: list[tuple[object, ...]] = list(conf_rows(interpreter))
        rows += [(), (), ("Indstillinger for xlwings i denne projektmappe (de gælder før "
                          "tilføjelsesprogrammets).",),
                 ("UDF Modules: modulet med xlmodels funktioner. Interpreter_Win: python.exe med xlmodel.",)]
        _new_sheet_part(pkg, CONF_SHEET, _sheet_xml(rows, code, (18, 60)))
        new_docs.append(code)
        result.added.append(f"arket {CONF_SHEET} (UDF Modules = {UDF_MODULE})")
        if interpreter is None:
            result.notes.append("Interpreter_Win er 'python' (fra PATH); ret den i arket xlwings.conf, "
                                "eller kør kommandoen på Windows med den Python, der har xlmodel")
    if buttons_missing:
        code = _next_code_name(taken)
        taken.append(code)
        n = 1
        while pkg.has(f"xl/drawings/vmlDrawing{n}.vml"):
            n += 1
        vml = f"xl/drawings/vmlDrawing{n}.vml"
        name = BUTTON_SHEET
        k = 2
        while pkg.sheet(name) is not None:
            name = f"{BUTTON_SHEET} {k}"
            k += 1
        part = _new_sheet_part(pkg, name, _sheet_xml(list(BUTTON_HELP), code, (12, 12, 12, 12), "rId1"))
        pkg.set(vml, buttons_vml(n))
        pkg.add_content_type(vml, CT_VML)
        pkg.set(_rels_part(part),
                ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{REL_VML}" Target="../drawings/vmlDrawing{n}.vml"/>'
                 "</Relationships>").encode())
        new_docs.append(code)
        result.added.append(f"arket {name} med knapperne Opdater model og Valider")
    if vba_part is None:
        _macro_enable(pkg)
        _text, template_modules, _head = vba.read_project(quickstart_vba())
        doc_template = next(m for m in template_modules if m.document and m.name != "ThisWorkbook")
        book_template = next(m for m in template_modules if m.name == "ThisWorkbook")
        book_name = _workbook_code_name(pkg)
        book_source = book_template.source.replace('"ThisWorkbook"', f'"{book_name}"', 1)
        docs = [vba.Module(book_name, book_source, True)]
        for code in _code_names(pkg):
            docs.append(vba.Module(code, re.sub(r'VB_Name = "[^"]*"', f'VB_Name = "{code}"',
                                                doc_template.source, count=1), True))
        part = "xl/vbaProject.bin"
        pkg.set(part, vba.build_project(quickstart_vba(), [*docs, vba.Module(MODULE, module_source())]))
        pkg.add_content_type(part, CT_VBA)
        pkg.add_relationship(pkg.workbook_part, REL_VBA, part)
        result.added.append(f"VBA-modulet {MODULE} med makroerne " + " og ".join(m for m, _t, _c in MACROS))
    elif new_docs:
        result.notes.append("nye ark får deres VBA-dokumentmodul, når Excel åbner projektmappen")
    return result


def init(target: Path, source: Path | None = None, interpreter: str | None = None) -> InitResult:
    """Write ``target`` (.xlsm): ``source`` (an .xlsx/.xlsm, default ``target`` if it exists, else a
    new workbook) with xlmodel's Excel parts added.  Nothing is written when nothing is missing."""
    from xlmodel.engine.package import write_atomic

    if target.suffix.lower() != ".xlsm":
        raise InitError("NAME", str(target), f"{target}: navnet skal ende på .xlsm (eller være uden endelse)")
    if source is None and target.exists():
        source = target
    pkg = Package.read(source) if source is not None else Package(new_workbook(), name=str(target))
    result = add_excel_parts(pkg, interpreter, bas_path=target.with_name(target.stem + "_xlmodel.bas"))
    result.path = target
    if result.changed or source != target:
        write_atomic(target, pkg.to_bytes())
    return result
