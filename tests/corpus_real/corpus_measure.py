"""Measure the headless refresh on real workbooks: do the refreshed values agree with Excel's?

For every ``.xlsx``/``.xlsm`` file under a folder (default: this folder, the corpus listed in
MANIFEST.tsv) the script

1. reads the values the writing application cached for every formula cell and every cell an
   array formula covers (``cached_cells``);
2. refreshes a copy with ``xlmodel.excel.headless.refresh`` and reads the written values back;
   a file the refresh refuses (``XlmodelError``) counts as refused, anything else raised is a
   crash (a traceback: a bug);
3. compares each cell (``same``: numbers within a relative 1e-9 / absolute 1e-12, text and
   booleans exactly, errors by code, empty text equal to an empty cell);
4. optionally (``--libreoffice``) does the same with LibreOffice's forced recalculation
   (``xlmodel.engine.libreoffice.recalculate``).

Cells whose formula calls a volatile function (NOW, TODAY, RAND, RANDBETWEEN, RANDARRAY,
OFFSET, INDIRECT, CELL, INFO), or refers (directly or through other cells) to such a cell, are
left out: their cached value is the value at the moment Excel saved.  Cells with no cached
value are left out too (nothing to compare with).

Figures: ``agreeing`` counts cells the engine recomputed to Excel's value; ``not recomputed``
counts cells the refresh kept at Excel's value because the engine could not compute them
(xlmodel.engine.keep, with the reason); both are out of all compared cells, so a kept cell
never counts as agreeing.  Run::

    .venv/bin/python tests/corpus_real/corpus_measure.py [FOLDER] [--libreoffice] [--cells]
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import math
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

HERE = Path(__file__).resolve().parent
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_TOL, ABS_TOL = 1e-9, 1e-12
VOLATILE = re.compile(r"(?<![\w.])(?:_xlfn\.)?(NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY|OFFSET|INDIRECT|"
                      r"CELL|INFO)\s*\(", re.IGNORECASE)
_REF = re.compile(r"(?:(?:'((?:[^']|'')+)'|([A-Za-z_][\w.]*))!)?\$?([A-Z]{1,3})\$?(\d+)"
                  r"(?::\$?([A-Z]{1,3})\$?(\d+))?")
_ADDR = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass(frozen=True)
class Err:
    """An error value as cached (``#N/A``)."""

    code: str


@dataclass
class Cell:
    value: Any
    formula: str          # the formula text (the anchor's for an array member)
    kind: str             # "formula" or "array" (a cell an array formula covers)


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _rc(ref: str) -> tuple[int, int]:
    m = _ADDR.match(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), col_number(m.group(1))


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part) in workbook order, from workbook.xml and its relationships."""
    rels_root = ET.fromstring(zf.read("_rels/.rels"))
    wb_part = next(r.get("Target", "") for r in rels_root
                   if r.get("Type", "").endswith("/officeDocument")).lstrip("/")
    folder = wb_part.rpartition("/")[0]
    wb_rels = ET.fromstring(zf.read(f"{folder}/_rels/{wb_part.rpartition('/')[2]}.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in wb_rels}
    out = []
    for el in ET.fromstring(zf.read(wb_part)).iter(f"{NS}sheet"):
        rid = el.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
        if part in zf.namelist() and "worksheets/" in part:
            out.append((el.get("name", ""), part))
    return out


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    names = [n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")]
    if not names:
        return []
    root = ET.fromstring(zf.read(names[0]))
    return [_unescape("".join(t.text or "" for t in si.iter(f"{NS}t"))) for si in root.iter(f"{NS}si")]


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML's escaping of characters XML cannot carry (``_x000D_`` is a carriage return)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _value(el: ET.Element, strings: list[str]) -> Any:
    t = el.get("t", "n")
    v = el.find(f"{NS}v")
    if t == "inlineStr":
        is_ = el.find(f"{NS}is")
        return _unescape("".join(x.text or "" for x in is_.iter(f"{NS}t"))) if is_ is not None else None
    if v is None:
        return None
    text = v.text or ""
    if t == "s":
        return strings[int(text)] if text.strip().isdigit() and int(text) < len(strings) else text
    if t == "str":
        return _unescape(text)
    if t == "d":
        return text
    if t == "b":
        return text.strip() in ("1", "true")
    if t == "e":
        return Err(text)
    try:
        return float(text)
    except ValueError:
        return text


def read_cells(path: Path) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Cell]]:
    """(every cell's value, the formula cells with their cached values) of a workbook."""
    with zipfile.ZipFile(path) as zf:
        strings = _shared_strings(zf)
        values: dict[tuple[str, str], Any] = {}
        formulas: dict[tuple[str, str], Cell] = {}
        for sheet, part in _sheet_parts(zf):
            shared: dict[str, str] = {}
            origins: dict[str, tuple[int, int]] = {}
            arrays: list[tuple[tuple[int, int, int, int], str]] = []
            for _, el in ET.iterparse(io.BytesIO(zf.read(part))):
                if el.tag != f"{NS}c":
                    continue
                ref = el.get("r", "")
                val = _value(el, strings)
                values[(sheet, ref)] = val
                f = el.find(f"{NS}f")
                if f is not None:
                    text = f.text or ""
                    if f.get("t") == "shared":
                        si = f.get("si", "")
                        if text:
                            shared[si] = text
                            origins[si] = _rc(ref)
                        elif si in shared:   # a follower: the master's text moved to this cell
                            (r0, c0), (r, c) = origins[si], _rc(ref)
                            text = shifted(shared[si], r - r0, c - c0)
                    if f.get("t") == "array" and f.get("ref"):
                        a, _, b = f.get("ref", "").partition(":")
                        r1, c1 = _rc(a)
                        r2, c2 = _rc(b or a)
                        arrays.append(((r1, c1, r2, c2), text))
                    if text or f.get("t") in ("shared", "array"):
                        # an empty <f/> marks a member of an array formula: its formula is the
                        # anchor's (added below with the array's range)
                        formulas[(sheet, ref)] = Cell(val, text, "formula")
                el.clear()
            for (r1, c1, r2, c2), text in arrays:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        key = (sheet, f"{col_letters(c)}{r}")
                        if key not in formulas:
                            formulas[key] = Cell(values.get(key), text, "array")
    return values, formulas


_A1 = re.compile(r'"(?:[^"]|"")*"|(?<![\w.$])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w(!])')


def shifted(formula: str, dr: int, dc: int) -> str:
    """A shared formula's text as it reads in a follower ``dr`` rows and ``dc`` columns away
    (relative references moved, ``$`` parts and text in quotes kept).

    >>> shifted('SUM(H4:H4)+$A$1+B$2&"A1"', 0, 7)
    'SUM(O4:O4)+$A$1+I$2&"A1"'
    """
    def one(m: re.Match[str]) -> str:
        if m.group(2) is None:
            return m.group(0)
        col = m.group(2) if m.group(1) else col_letters(col_number(m.group(2)) + dc)
        row = m.group(4) if m.group(3) else str(int(m.group(4)) + dr)
        return f"{m.group(1)}{col}{m.group(3)}{row}"

    return _A1.sub(one, formula)


def _refs(formula: str, sheet: str) -> Iterator[tuple[str, int, int, int, int]]:
    for m in _REF.finditer(formula):
        s = (m.group(1).replace("''", "'") if m.group(1) else m.group(2)) or sheet
        r1, c1 = int(m.group(4)), col_number(m.group(3))
        r2, c2 = (int(m.group(6)), col_number(m.group(5))) if m.group(5) else (r1, c1)
        yield s, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def volatile_cells(formulas: dict[tuple[str, str], Cell]) -> set[tuple[str, str]]:
    """Cells calling a volatile function or depending on one (through A1 references)."""
    vol = {k for k, c in formulas.items() if VOLATILE.search(c.formula)}
    if not vol:
        return vol
    refs = {k: list(_refs(c.formula, k[0])) for k, c in formulas.items()}
    changed = True
    while changed:
        changed = False
        at = collections.defaultdict(list)
        for s, a in vol:
            at[s].append(_rc(a))
        for k, rs in refs.items():
            if k in vol:
                continue
            if any(r1 <= r <= r2 and c1 <= c <= c2 for s, r1, c1, r2, c2 in rs for r, c in at.get(s, ())):
                vol.add(k)
                changed = True
    return vol


def same(cached: Any, new: Any) -> bool:
    """Does ``new`` agree with ``cached``? (the tolerance of the published figures)"""
    if cached in (None, "") and new in (None, ""):
        return True
    if isinstance(cached, bool) or isinstance(new, bool):
        return isinstance(cached, bool) and isinstance(new, bool) and cached == new
    if isinstance(cached, float) and isinstance(new, float):
        return math.isclose(cached, new, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(cached, Err) and isinstance(new, Err):
        return cached.code == new.code
    return type(cached) is type(new) and cached == new


@dataclass
class FileResult:
    name: str
    status: str = "ok"                      # ok, refused, crash
    message: str = ""
    compared: int = 0
    volatile: int = 0
    agreeing: int = 0
    kept: int = 0
    differing: list[tuple[str, str, Any, Any, str]] = field(default_factory=list)
    error_over_value: int = 0               # a written error where Excel had a value
    kept_reasons: collections.Counter[str] = field(default_factory=collections.Counter)
    kept_cells: list[tuple[str, str, Any, str, str]] = field(default_factory=list)
    lo_agreeing: int | None = None
    lo_status: str = ""


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file())


def _compare(cells: dict[tuple[str, str], Cell], skip: set[tuple[str, str]],
             written: dict[tuple[str, str], Any], kept: set[tuple[str, str]], res: FileResult,
             record: bool) -> int:
    agreeing = 0
    for key, cell in cells.items():
        if key in skip:
            continue
        new = written.get(key)
        if key in kept:
            continue
        if same(cell.value, new):
            agreeing += 1
        elif record:
            res.differing.append((key[0], key[1], cell.value, new, cell.formula))
            if isinstance(new, Err) and not isinstance(cell.value, Err):
                res.error_over_value += 1
    return agreeing


def measure_file(path: Path, libreoffice: bool = False) -> FileResult:
    """Refresh a copy of ``path`` and compare; with ``libreoffice`` also LibreOffice's recalc."""
    from xlmodel.errors import XlmodelError
    from xlmodel.excel.headless import refresh

    res = FileResult(path.name)
    try:
        _, cells = read_cells(path)
    except Exception as exc:
        res.status, res.message = "unreadable", f"{type(exc).__name__}: {exc}"
        return res
    cells = {k: c for k, c in cells.items() if c.value is not None}
    vol = volatile_cells(cells)
    res.volatile = len(vol)
    res.compared = len(cells) - len(vol)
    with tempfile.TemporaryDirectory(prefix="xlmodel-corpus-") as tmp:
        out = Path(tmp) / ("out" + path.suffix.lower())
        try:
            report = refresh(path, out)
        except XlmodelError as exc:
            res.status, res.message = "refused", str(exc)
        except Exception as exc:
            res.status, res.message = "crash", f"{type(exc).__name__}: {exc}"
        else:
            written, _ = read_cells(out)
            kept = {(k.sheet, k.cell) for k in getattr(report, "not_recomputed", [])}
            kept &= set(cells) - vol
            res.kept = len(kept)
            res.kept_reasons.update(k.reason for k in getattr(report, "not_recomputed", [])
                                    if (k.sheet, k.cell) in kept)
            res.kept_cells = [(k.sheet, k.cell, cells[(k.sheet, k.cell)].value,
                               cells[(k.sheet, k.cell)].formula, k.reason)
                              for k in getattr(report, "not_recomputed", []) if (k.sheet, k.cell) in kept]
            res.agreeing = _compare(cells, vol, written, kept, res, record=True)
        if libreoffice:
            from xlmodel.engine.libreoffice import recalculate

            try:
                lo = recalculate(path, Path(tmp) / "lo")
                lo_values, _ = read_cells(lo)
                res.lo_agreeing = _compare(cells, vol, lo_values, set(), res, record=False)
                res.lo_status = "ok"
            except Exception as exc:
                res.lo_agreeing, res.lo_status = 0, f"{type(exc).__name__}: {exc}"
    return res


def summarise(results: Iterable[FileResult]) -> dict[str, Any]:
    results = list(results)
    ok = [r for r in results if r.status == "ok"]
    compared = sum(r.compared for r in results)
    agreeing = sum(r.agreeing for r in ok)
    kept = sum(r.kept for r in ok)
    reasons: collections.Counter[str] = collections.Counter()
    for r in ok:
        reasons.update(r.kept_reasons)
    lo = [r for r in results if r.lo_agreeing is not None]
    return {
        "files": len(results), "refused": sum(r.status == "refused" for r in results),
        "crashed": sum(r.status in ("crash", "unreadable") for r in results),
        "compared": compared, "volatile": sum(r.volatile for r in results),
        "agreeing": agreeing, "kept": kept,
        "differing": sum(len(r.differing) for r in ok),
        "error_over_value": sum(r.error_over_value for r in ok),
        "agreement": agreeing / compared if compared else 1.0,
        "reasons": reasons,
        "lo_agreement": (sum(r.lo_agreeing or 0 for r in lo) / sum(r.compared for r in lo)) if lo else None,
        "lo_agreeing": sum(r.lo_agreeing or 0 for r in lo) if lo else None,
    }


def _plain(v: Any) -> Any:
    """A cell value for the JSON dump (an error as its code text)."""
    return {"error": v.code} if isinstance(v, Err) else v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(HERE))
    ap.add_argument("--libreoffice", action="store_true", help="also measure LibreOffice's recalculation")
    ap.add_argument("--cells", action="store_true", help="list every differing cell")
    ap.add_argument("--dump", metavar="FILE", help="write every cell not agreeing (differing or not "
                    "recomputed) as one JSON line each, to compare runs before/after a change")
    args = ap.parse_args(argv)
    results = []
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None  # noqa: SIM115
    for path in corpus_files(Path(args.folder)):
        r = measure_file(path, libreoffice=args.libreoffice)
        results.append(r)
        if dump:
            for s_, a, c, n, f in r.differing:
                dump.write(json.dumps({"file": r.name, "cell": f"{s_}!{a}", "excel": _plain(c),
                                       "xlmodel": _plain(n), "formula": f, "kept": ""}) + "\n")
            for s_, a, c, f, why in r.kept_cells:
                dump.write(json.dumps({"file": r.name, "cell": f"{s_}!{a}", "excel": _plain(c),
                                       "xlmodel": None, "formula": f, "kept": why}) + "\n")
        lo = f" lo={r.lo_agreeing}" if r.lo_agreeing is not None else ""
        print(f"{r.status:8} {r.agreeing:6}/{r.compared:<6} kept={r.kept:<5} diff={len(r.differing):<5}"
              f"{lo} {path.relative_to(args.folder)} {r.message[:120]}")
        if args.cells:
            for s, a, c, n, f in r.differing[:60]:
                print(f"    {s}!{a}: excel={c!r} xlmodel={n!r}  ={f[:90]}")
        sys.stdout.flush()
    if dump:
        dump.close()
    s = summarise(results)
    print(f"\nfiles {s['files']}, refused {s['refused']}, crashed {s['crashed']}")
    print(f"compared cells {s['compared']} (volatile left out: {s['volatile']})")
    print(f"xlmodel: agreeing {s['agreeing']} ({s['agreement']:.2%}), not recomputed {s['kept']}, "
          f"differing {s['differing']} (an error where Excel had a value: {s['error_over_value']})")
    for reason, n in s["reasons"].most_common(20):
        print(f"  not recomputed {n:6}  {reason}")
    if s["lo_agreement"] is not None:
        print(f"LibreOffice: agreeing {s['lo_agreeing']} ({s['lo_agreement']:.2%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
