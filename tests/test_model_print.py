"""The shipped models print well (issue 15 §2): LibreOffice turns each into a PDF, every sheet
stays within its page bound, and the pages are rendered to PNG for a person to look at.

The sheets' footers say "<sheet> … side x af y" (style.print_setup; the Parametre sheet's comes
from the engine), so the pages of each sheet are counted from the PDF's own text.  LibreOffice
runs with a throw-away profile that keeps the cached values (no recalculation: it does not know
the catalogue functions) and a Danish locale, as a Danish finance officer's would.

PNGs: ``build/artefacts/print/<model>/side-NN.png`` (untracked; ``$XLMODEL_ARTEFACTS`` moves it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlmodel.engine import libreoffice
from xlmodel.workbooks import MODELS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbooks"
ARTEFACTS = Path(os.environ.get("XLMODEL_ARTEFACTS", ROOT / "build" / "artefacts")) / "print"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")

pytestmark = [
    pytest.mark.libreoffice, pytest.mark.slow,
    pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed"),
]

#: the most pages each sheet may take on A4 landscape (Forside: portrait); every sheet must print
PAGE_BOUNDS = {
    "budget_2014.xlsx": {"Forside": 1, "Budget": 1, "Skattegrundlag": 1, "Kontrol": 1, "Parametre": 3},
    "budget_2014-2017.xlsx": {"Forside": 1, "Data": 3, "Skat": 1, "Tilskud og udligning": 3, "Overslag": 1,
                              "Beslutning": 1, "Kontrol": 2, "Parametre": 3},
    "kommuner_2014.xlsx": {"Forside": 1, "Data": 3, "Beregning": 3, "Diagram": 1, "Kontrol": 1,
                           "Parametre": 3},
    "pension_2014.xlsx": {"Forside": 1, "Loentabel": 2, "Medarbejdere": 1, "Kontrol": 2, "Parametre": 3},
    "tabel1_2014.xlsx": {"Forside": 1, "Tabel1": 1, "Kontrol": 1, "Parametre": 3},
    "udligning_2014.xlsx": {"Forside": 1, "Data": 3, "Beregning": 3, "Tabel": 3, "Diagram": 1, "Kontrol": 2,
                            "Parametre": 3},
}
#: LibreOffice profile: keep the file's cached values (1 = never recalculate), Danish locale
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>1</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>da-DK</value></prop></item>
</oor:items>
"""
FOOTER = re.compile(r"^\s*(\S.*?)\s{2,}side (\d+) af (\d+)\b", re.M)


def to_pdf(paths: list[Path], outdir: Path) -> dict[str, Path]:
    """Convert workbooks to PDF in one LibreOffice run; {workbook name: pdf path}."""
    profile = outdir / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
    cmd = [libreoffice.soffice(), f"-env:UserInstallation={profile.parent.as_uri()}", "--headless",
           "--norestore", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    out = {p.name: outdir / (p.stem + ".pdf") for p in paths}
    missing = [n for n, pdf in out.items() if not pdf.is_file()]
    assert not missing, f"LibreOffice made no PDF for {missing}: {done.stderr[-500:]}"
    return out


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def pages_per_sheet(pdf: Path) -> dict[str, int]:
    """{sheet: pages}, read from each page's footer "<sheet>  side x af y"."""
    counts: dict[str, int] = {}
    for i, page in enumerate(page_texts(pdf), start=1):
        found = FOOTER.findall(page)
        assert found, f"{pdf.name} page {i} has no footer 'side x af y':\n{page[-300:]}"
        sheet, number, _total = found[-1]
        assert int(number) == i, (pdf.name, i, found[-1])
        counts[sheet.strip()] = counts.get(sheet.strip(), 0) + 1
    return counts


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return to_pdf([SHIPPED / name for name in sorted(MODELS)], tmp_path_factory.mktemp("pdf"))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_sheet_prints_within_its_page_bound(pdfs: dict[str, Path], name: str) -> None:
    counts = pages_per_sheet(pdfs[name])
    sheets = load_workbook(SHIPPED / name, read_only=True).sheetnames
    assert set(counts) == set(sheets), f"sheets printed {counts} vs in the workbook {sheets}"
    bounds = PAGE_BOUNDS[name]
    assert set(bounds) == set(sheets), "a page bound for every sheet"
    over = {s: (n, bounds[s]) for s, n in counts.items() if n > bounds[s]}
    assert not over, f"{name}: sheets over their bound (pages, bound): {over}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_pages_repeat_the_header_and_show_danish_numbers(pdfs: dict[str, Path], name: str) -> None:
    pages = page_texts(pdfs[name])
    wb = load_workbook(SHIPPED / name, read_only=True)
    for sheet in wb.worksheets:
        if sheet.title in ("Forside", "Diagram") or sheet.max_row < 5:
            continue
        own = [p for p in pages if any(f.strip() == sheet.title for f, _, _ in FOOTER.findall(p))]
        heading = next(c for c in next(sheet.iter_rows(min_row=1, max_row=1, values_only=True)) if c)
        first_words = str(heading).split()[0]
        assert all(first_words in p for p in own), f"{name}/{sheet.title}: a page without its title"
    text = "\n".join(pages)
    assert re.search(r"\b\d{1,3}(\.\d{3})+\b", text), f"{name}: no '.' between thousands"
    if name != "tabel1_2014.xlsx":  # Tabel 1 prints whole mio. kr. only
        assert re.search(r"\d,\d", text), f"{name}: no decimal comma in the printed pages"
    assert not re.search(r"\d,\d{3}\.\d", text), f"{name}: an English-formatted number"
    assert "ILLUSTRATIVE" in text


@pytest.mark.parametrize("name", sorted(MODELS))
def test_pages_are_rendered_for_a_person_to_look_at(pdfs: dict[str, Path], name: str) -> None:
    out = ARTEFACTS / Path(name).stem
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdfs[name]), str(out / "side")], check=True,
                   capture_output=True)
    shutil.copy(pdfs[name], out / pdfs[name].name)
    pngs = sorted(out.glob("side-*.png"))
    assert len(pngs) == len(page_texts(pdfs[name]))
    assert all(p.stat().st_size > 5_000 for p in pngs)  # a page with content, not a blank
