"""LibreOffice as an independent spreadsheet application: forced recalculation, headless.

``recalculate(src, outdir)`` converts ``src`` (xlsx → xlsx) with ``soffice --headless`` in a
throw-away profile whose settings make LibreOffice recalculate every formula on load
(``OOXMLRecalcMode = 0``, "always"): by default it would keep the file's cached values, and a
cross-check against stale numbers would prove nothing.  Catalogue functions are unknown to
LibreOffice (they show as errors); the native formulas are what it checks.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from xlmodel.errors import XlmodelError

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice binary on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def command(binary: str, src: Path, outdir: Path, profile: Path) -> list[str]:
    """The soffice call that recalculates ``src`` into ``outdir`` with the forced-recalc profile
    written into ``profile`` (a folder of its own)."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
    return [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "xlsx", "--outdir", str(outdir), str(src)]


def recalculate(src: str | Path, outdir: str | Path, timeout: float = 180) -> Path:
    """Recalculate ``src`` in LibreOffice and save it as ``outdir/<name>.xlsx``; returns that path."""
    binary = soffice()
    if binary is None:
        raise XlmodelError("soffice", None, "LibreOffice on PATH (Debian: apt-get install "
                           "libreoffice-calc-nogui)", detail="not installed")
    src, out = Path(src).resolve(), Path(outdir).resolve()
    if not src.is_file():
        raise XlmodelError("src", str(src), "an existing workbook file", detail="file not found")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlmodel-lo-") as profile:
        cmd = command(binary, src, out, Path(profile))
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise XlmodelError("soffice", src.name, f"a recalculation within {timeout:g} s",
                               detail="LibreOffice timed out") from None
    target = out / (src.stem + ".xlsx")
    if done.returncode != 0 or not target.is_file():
        raise XlmodelError("soffice", src.name, "a file LibreOffice can open and save",
                           detail=f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}")
    return target


def values(path: str | Path) -> dict[tuple[str, str], Any]:
    """The cached values of every non-empty cell: {(sheet, "A1"): value}."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True, read_only=True)
    try:
        return {(ws.title, cell.coordinate): cell.value for ws in wb.worksheets
                for row in ws.iter_rows() for cell in row
                if cell.value is not None and hasattr(cell, "coordinate")}
    finally:
        wb.close()
