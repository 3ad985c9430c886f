"""The planted-error corpus: small workbooks typed the way a user types them, one planted
error each, plus a clean one.

The workbooks are written with openpyxl, formulas as text (``ws["C4"] = "=B4*1.013"``), into
a temporary folder at test time; no binary file is committed.  openpyxl writes no cached
values, so :func:`recalculated` has LibreOffice (headless, forced to recalculate on load)
open and save them, giving the cached values Excel would have saved, for the checks that
need them (error values, footing).  The figures in the model sheets are ILLUSTRATIVE (made-up
municipalities and amounts); Tabel 1 comes from the parameter set (Aftale 2014, tabel 1).

Each workbook's :class:`Planted` list says which findings the planted error must produce
(check, sheet, cell, severity) and, in ``also``, the further findings that follow from it
(e.g. a hard-coded number also breaks its column's formula pattern).  Nothing else of
severity error or warning is allowed.

Run ``python tests/corpus/make_corpus.py OUTDIR`` to write the corpus for a look in Excel.
"""

from __future__ import annotations

import atexit
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook

from xlmodel.parameters import load

ILLUSTRATIVE = "Illustrative figures (made up), not real municipalities"
KOMMUNER = [  # (name, kommunekode as text with its leading zero, 2013 expenses in mio. kr.)
    ("Nordby", "0101", 1250.0), ("Sydby", "0147", 830.5), ("Østby", "0151", 412.25),
    ("Vestby", "0153", 977.0), ("Midtby", "0155", 260.75), ("Åby", "0157", 1540.0),
]


@dataclass(frozen=True)
class Expect:
    check: str
    sheet: str | None
    cell: str | None
    severity: str


@dataclass(frozen=True)
class Planted:
    """A corpus workbook: how to build it and what it must produce."""

    name: str
    build: Callable[[], Workbook]
    planted: tuple[Expect, ...]
    also: tuple[Expect, ...] = ()            # findings that follow from the planted error
    needs_values: bool = False               # the planted finding needs cached values
    survives_recalc: bool = True             # LibreOffice keeps the planted error when saving
    description: str = ""
    post: Callable[[Path], None] | None = field(default=None, repr=False)  # edit the saved file


# ----------------------------------------------------------------------------- the model ----
def base_model(*, rate_ref: str = "Parametre!$B$2") -> Workbook:
    """The clean model: parameters, a table with totals, a projection row, a lookup."""
    wb = Workbook()
    par = wb.active
    par.title = "Parametre"
    par.append(["navn", "vaerdi", "enhed", "kilde"])
    par.append(["PL-sats 2014", 1.3, "pct", "Aftale 2014, boks 1 (illustrativ brug)"])
    par.append(["Befolkning i alt", 5_627_235, "antal", ILLUSTRATIVE])

    model = wb.create_sheet("Model")
    model.append(["Kommune", "2013", "2014", "Ændring", "Kommunekode"])  # years typed as text headers
    for i, (name, _, amount) in enumerate(KOMMUNER, start=2):
        model.append([name, amount, f"=B{i}*(1+{rate_ref}/100)", f"=C{i}-B{i}",
                      f"=VLOOKUP(A{i},Opslag!$A$2:$B$7,2,FALSE)"])
    model.append(["I alt", "=SUM(B2:B7)", "=SUM(C2:C7)", "=SUM(D2:D7)"])
    model["A10"] = "Note"
    model["B10"] = ILLUSTRATIVE

    projection = wb.create_sheet("Fremskrivning")
    projection.append(["År", 2014, 2015, 2016, 2017, 2018, 2019])
    projection.append(["Udgifter", "=Model!C8"] + [f"={c}2*(1+{rate_ref}/100)" for c in "BCDEF"])

    lookup = wb.create_sheet("Opslag")
    lookup.append(["Kommune", "Kommunekode"])
    for name, code, _ in KOMMUNER:
        lookup.append([name, code])  # codes as text on purpose: "0101" keeps its zero
    return wb


def _clean() -> Workbook:
    return base_model()


def _hardcoded() -> Workbook:
    wb = base_model()
    wb["Model"]["C4"] = "=B4*1.013"
    return wb


def _off_by_one() -> Workbook:
    wb = base_model()
    wb["Model"]["B8"] = "=SUM(B2:B6)"
    return wb


def _ref_error() -> Workbook:
    wb = base_model()
    wb["Model"]["D5"] = "=C5-#REF!"
    return wb


def _inconsistent_row() -> Workbook:
    wb = base_model()
    wb["Fremskrivning"]["E2"] = "=D2*(1+Parametre!$B$3/100)"  # the wrong parameter row
    return wb


def _number_as_text() -> Workbook:
    wb = base_model()
    wb["Model"]["B5"] = "977"  # typed with a leading apostrophe, or pasted as text
    return wb


def _circular() -> Workbook:
    wb = base_model()
    check = wb.create_sheet("Kontrol")
    check["A1"] = "=B1+1"
    check["B1"] = "=A1+1"
    return wb


def _approximate() -> Workbook:
    wb = base_model()
    wb["Model"]["E4"] = "=VLOOKUP(A4,Opslag!$A$2:$B$7,2,TRUE)"
    return wb


def _manual() -> Workbook:
    wb = base_model()
    wb.calculation.calcMode = "manual"
    return wb


def _empty_reference() -> Workbook:
    wb = base_model()
    model = wb["Model"]
    model["A12"] = "Pr. indbygger (kr.)"
    model["B12"] = "=C8*1000000/B13"  # B13, the population, was never filled in
    model["A13"] = "Indbyggere"
    return wb


def tabel1_workbook(*, total_shift: float = 0.0) -> Workbook:
    """Tabel 1 of the agreement typed in as printed (figures from the parameter set)."""
    table = load().table("tabel1")
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabel 1"
    ws.append([table.label, f"{table.unit}, {table.reference}"])
    for row in table.rows:
        amount = row["amount"] + (total_shift if row["key"] == "udgifter_i_alt" else 0.0)
        ws.append([row["label"], amount])
    return wb


def _tabel1() -> Workbook:
    return tabel1_workbook()


def _tabel1_typo() -> Workbook:
    return tabel1_workbook(total_shift=100.0)  # a typing error in the printed total


def _stale_total(path: Path) -> None:
    """Change a cached part value after calculation, as a program that does not recalculate
    would: Model!B3 becomes 900 while the cached total B8 still adds the old 830.5."""
    set_cached_value(path, "Model", "B3", 900.0)


CORPUS: dict[str, Planted] = {p.name: p for p in [
    Planted("clean", _clean, (), description="no planted error"),
    Planted("hardcoded_number", _hardcoded, (Expect("hardcoded_number", "Model", "C4", "warning"),),
            also=(Expect("inconsistent_formula", "Model", "C4", "warning"),),
            description="=B4*1.013 instead of the parameter cell"),
    Planted("off_by_one_sum", _off_by_one, (Expect("sum_range", "Model", "B8", "error"),),
            also=(Expect("inconsistent_formula", "Model", "B8", "info"),),
            description="=SUM(B2:B6) under a block B2:B7"),
    Planted("ref_error", _ref_error, (Expect("error_value", "Model", "D5", "error"),),
            also=(Expect("inconsistent_formula", "Model", "D5", "warning"),
                  Expect("error_value", "Model", "D8", "info")),
            description="=C5-#REF! (a deleted reference)"),
    Planted("inconsistent_row", _inconsistent_row,
            (Expect("inconsistent_formula", "Fremskrivning", "E2", "warning"),),
            description="one projection year refers to another parameter row"),
    Planted("number_as_text", _number_as_text, (Expect("number_as_text", "Model", "B5", "warning"),),
            description="an amount typed as text"),
    Planted("circular", _circular, (Expect("circular_reference", "Kontrol", "A1", "error"),),
            also=(Expect("error_value", "Kontrol", "A1", "info"),  # the cycle's cells show an error
                  Expect("error_value", "Kontrol", "B1", "info")),
            description="A1=B1+1, B1=A1+1"),
    Planted("approximate_lookup", _approximate, (Expect("approximate_lookup", "Model", "E4", "warning"),),
            also=(Expect("inconsistent_formula", "Model", "E4", "warning"),),
            description="VLOOKUP with TRUE"),
    Planted("manual_calculation", _manual, (Expect("manual_calculation", None, None, "warning"),),
            description="calcMode=manual", survives_recalc=False),  # LibreOffice saves calcMode auto
    Planted("empty_reference", _empty_reference, (Expect("empty_reference", "Model", "B12", "warning"),),
            also=(Expect("error_value", "Model", "B12", "error"),),  # the division by 0, once calculated
            description="divides by an empty population cell"),
    Planted("tabel1", _tabel1, (Expect("footing", "Tabel 1", "B8", "info"),), needs_values=True,
            description="Tabel 1 as printed: 346,745 against lines adding to 346,744 (afrunding)"),
    Planted("tabel1_typo", _tabel1_typo, (Expect("footing", "Tabel 1", "B8", "error"),), needs_values=True,
            description="Tabel 1 with the printed total mistyped by 100"),
    Planted("stale_total", _clean, (Expect("footing", "Model", "B8", "error"),
                                    Expect("recompute", "Model", "B8", "error")), needs_values=True,
            # every formula downstream of B3 shows a stale cached value: recompute finds each one
            also=tuple(Expect("recompute", sheet, cell, "error") for sheet, cell in (
                ("Model", "C3"), ("Model", "D3"), ("Model", "C8"), ("Model", "D8"),
                *(("Fremskrivning", f"{c}2") for c in "BCDEFG"))),
            description="a cached part changed without recalculation", post=_stale_total),
]}


# ------------------------------------------------------------------------------ writing ----
def write(outdir: Path | str, names: list[str] | None = None) -> dict[str, Path]:
    """Write the corpus workbooks (as typed, no cached values) into ``outdir``."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in names or list(CORPUS):
        path = out / f"{name}.xlsx"
        CORPUS[name].build().save(path)
        paths[name] = path
    return paths


_LO_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: list[Path], outdir: Path, *, timeout: float = 180) -> dict[str, Path]:
    """Open and save ``paths`` with LibreOffice headless, recalculating every formula on load
    (a private profile sets OOXMLRecalcMode = 0, "always"), into ``outdir``."""
    exe = soffice()
    if exe is None:
        raise FileNotFoundError("soffice (LibreOffice) is not on PATH")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo_profile_"))
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(_LO_PROFILE, encoding="utf-8")
    try:
        subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir),
                        *map(str, paths)], check=True, capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = {p.stem: outdir / p.name for p in paths}
    missing = [str(p) for p in out.values() if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return out


def set_cached_value(path: Path, sheet: str, cell: str, value: float) -> None:
    """Rewrite one cell's cached number inside a saved .xlsx (what a non-calculating editor does)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook)
    part = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
    xml = parts[part].decode()
    pattern = re.compile(rf'(<c r="{cell}"[^>]*?)(?:/>|>(.*?)</c>)', re.S)
    m = pattern.search(xml)
    if not m:
        raise ValueError(f"{sheet}!{cell} not found in {part}")
    head = re.sub(r'\st="[^"]*"', "", m.group(1))  # a number: no type attribute
    inner = re.sub(r"<v>[^<]*</v>|<v\s*/>", "", m.group(2) or "")
    xml = xml[:m.start()] + f"{head}>{inner}<v>{value!r}</v></c>" + xml[m.end():]
    parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _scratch(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@lru_cache(maxsize=1)
def typed() -> dict[str, Path]:
    """The corpus as typed (no cached values), written once per process."""
    return write(_scratch("xlmodel_corpus_"))


@lru_cache(maxsize=1)
def recalculated() -> dict[str, Path] | None:
    """The corpus opened and saved by LibreOffice (cached values present), once per process;
    None when LibreOffice is not installed."""
    if soffice() is None:
        return None
    typed_paths = typed()
    out = recalculate(list(typed_paths.values()), _scratch("xlmodel_corpus_lo_"))
    for name, planted in CORPUS.items():
        if planted.post is not None:
            planted.post(out[name])
    return out


# ---------------------------------------------------------------- other XML serialisations ----
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_shared_formulas(src: Path, dst: Path, sheet: str, area: str) -> Path:
    """Copy ``src`` with the formulas of a one-column ``area`` (e.g. "C2:C7") stored as one
    shared formula, as Excel stores a filled-down column: the master holds the text, the
    other cells ``<f t="shared" si="0"/>``."""
    first, last = area.split(":")
    col = re.match(r"[A-Z]+", first).group(0)
    r1, r2 = int(first[len(col):]), int(last[len(col):])
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', parts["xl/workbook.xml"].decode())
    part = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
    xml = parts[part].decode()
    for r in range(r1, r2 + 1):
        pattern = re.compile(rf'(<c r="{col}{r}"[^>]*>)<f>([^<]*)</f>')
        if r == r1:
            xml, n = pattern.subn(
                lambda m: f'{m.group(1)}<f t="shared" ref="{area}" si="0">{m.group(2)}</f>', xml)
        else:
            xml, n = pattern.subn(lambda m: f'{m.group(1)}<f t="shared" si="0"/>', xml)
        if n != 1:
            raise ValueError(f"{sheet}!{col}{r} has no formula to share")
    parts[part] = xml.encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


def with_prefixed_xml(src: Path, dst: Path) -> Path:
    """Copy ``src`` with every worksheet re-serialised with an ``x:`` namespace prefix
    (legal XML that other producers write), which the fast reader must hand to the parser."""
    from xml.etree import ElementTree as ET

    ET.register_namespace("x", MAIN_NS)
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
            parts[name] = ET.tostring(ET.fromstring(parts[name]), encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


# ------------------------------------------------------------------------ benchmark book ----
def big_workbook(path: Path | str, rows: int = 98, columns: int = 1000) -> Path:
    """A 98 × 1,000 projection (98 municipalities, 1,000 periods) plus a total row: about
    100,000 formulas, for measuring lint time.  ILLUSTRATIVE numbers."""
    from openpyxl.utils import get_column_letter as letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    par = wb.create_sheet("Parametre")
    par["A2"], par["C2"] = "PL-sats (illustrativ)", 0.013
    ws.append(["Kommune"] + [f"P{i}" for i in range(columns + 1)])
    for r in range(2, rows + 2):
        ws.cell(r, 1, f"Kommune {r - 1}")
        ws.cell(r, 2, 1000.0 + r)
        for c in range(3, columns + 3):
            ws.cell(r, c, f"={letter(c - 1)}{r}*(1+Parametre!$C$2)")
    for c in range(2, columns + 3):
        ws.cell(rows + 2, c, f"=SUM({letter(c)}2:{letter(c)}{rows + 1})")
    wb.save(path)
    return Path(path)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    written = write(target)
    print("\n".join(f"{name:22} {path}  ({CORPUS[name].description})" for name, path in written.items()))
