"""``xlmodel import FILE --into MODEL.xlsx``: fill a model's Data sheet from the user's files.

Sources:

* a Statistikbanken CSV export of FOLK1A (population): the total per municipality goes to the
  Indbyggere column; an export by age (column ALDER) also gives the aldersbestemt udgiftsbehov
  when ``--enhedsbeloeb`` names a CSV of unit amounts per age group (kr. per inhabitant);
* a plain CSV (``;`` with decimal comma, or ``,``) or XLSX with one row per municipality: a
  ``kode`` (or ``kommune``) column and any of the Data columns by their key
  (:data:`xlmodel.workbooks.udligning_model.DATA_COLUMNS`).

The Data sheet is found by xlmodel's marker text in A3 (:data:`udligning_model.MARKER`), never
by its name.  Only the value cells of the data block (rows of the 98 municipalities, the columns
the file provides) are rewritten, part by part; every other part of the workbook is copied byte
for byte.  Then the workbook is refreshed so every formula shows the new figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from xlmodel.errors import XlmodelError

_KEY_ALIASES = {"kommune": "navn", "kommunekode": "kode", "befolkning": "indbyggere"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="fyld en models Data-ark fra Statistikbanken eller en CSV/XLSX",
                       description="Skriv jeres egne tal ind i modellens Data-ark (kun dets værdiceller) "
                                   "og genberegn modellen.")
    p.add_argument("file", metavar="FIL",
                   help="FOLK1A-eksport (CSV) eller en CSV/XLSX med én række pr. kommune")
    p.add_argument("--into", required=True, metavar="MODEL.xlsx", help="modellen, fx udligning_2014.xlsx")
    p.add_argument("--tid", default=None,
                   help="periode i en FOLK1A-eksport, fx 2014K1 (standard: den seneste)")
    p.add_argument("--enhedsbeloeb", default=None, metavar="FIL",
                   help="CSV aldersgruppe;beløb (kr. pr. indbygger): giver det aldersbestemte udgiftsbehov")
    p.add_argument("--params", default=None,
                   help="parametersæt til genberegningen (standard: modellens eget)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    values = read_source(args.file, tid=args.tid, enhedsbeloeb=args.enhedsbeloeb)
    written = write_data(args.into, values)
    from xlmodel.excel.headless import refresh

    report = refresh(args.into, params=args.params)
    cols = ", ".join(sorted({k for _, k in written}))
    print(f"xlmodel import: {len(written)} celler skrevet i Data ({cols}) fra {Path(args.file).name}")
    if values.attrs.get("bemaerkning"):
        print(f"xlmodel import: {values.attrs['bemaerkning']}")
    if report.error_cells:
        print(f"xlmodel import: {len(report.error_cells)} fejlceller efter genberegning, "
              f"fx {report.error_cells[0]}")
        return 1
    print("xlmodel import: modellen er genberegnet uden fejlceller")
    return 0


# ------------------------------------------------------------------------------ reading ----
def read_source(path: str, *, tid: str | None = None, enhedsbeloeb: str | None = None) -> pd.DataFrame:
    """The file's figures as a frame indexed by kode, columns = Data keys."""
    p = Path(path)
    if not p.is_file():
        raise XlmodelError("FILE", path, "an existing CSV or XLSX file", detail="file not found")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(p, engine="openpyxl")
        except Exception as exc:  # a damaged or foreign file: a message, never a traceback
            raise XlmodelError("FILE", path, "an .xlsx with one header row and one row per municipality",
                               detail=type(exc).__name__) from None
        return _plain(frame, p.name)
    from xlmodel import kommuner

    name, text = kommuner._read_text(p)
    head = text[:4000].upper()
    if "OMRÅDE" in head or "OMRADE" in head or head.lstrip().startswith(";"):
        return _statistikbanken(p, tid, enhedsbeloeb)
    first = text.splitlines()[0] if text.splitlines() else ""
    sep = ";" if first.count(";") >= first.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, decimal="," if sep == ";" else ".")
    except (pd.errors.ParserError, ValueError) as exc:
        raise XlmodelError("FILE", name, "a CSV with one header row and one row per municipality",
                           detail=str(exc).splitlines()[0][:120]) from None
    return _plain(frame, p.name)


def _plain(df: pd.DataFrame, name: str) -> pd.DataFrame:
    from xlmodel import kommuner
    from xlmodel.workbooks.udligning_model import DATA_COLUMNS

    df = df.rename(columns=lambda c: _KEY_ALIASES.get(str(c).strip().casefold(), str(c).strip().casefold()))
    allowed = {key for _, _, key in DATA_COLUMNS} - {"kode", "navn", "region"}
    if "kode" not in df.columns:
        if "navn" not in df.columns:
            raise XlmodelError(name, list(df.columns)[:6], "a column 'kode' (or 'kommune') per row")
        codes = []
        for label in df["navn"]:
            code = kommuner._area_code(str(label))
            if not code:
                raise XlmodelError(f"{name}: kommune", label, "a municipality name of kommuner.csv")
            codes.append(code)
        df["kode"] = codes
    unknown = [c for c in df.columns if c not in allowed | {"kode", "navn", "region"}]
    if unknown:
        raise XlmodelError(f"{name}: kolonne", unknown[0], ", ".join(sorted(allowed)))
    keep = [c for c in df.columns if c in allowed]
    if not keep:
        raise XlmodelError(name, list(df.columns)[:6], "at least one of " + ", ".join(sorted(allowed)))
    out = pd.DataFrame(index=pd.Index(df["kode"].astype(int), name="kode"))
    for col in keep:
        out[col] = _column(df[col].to_numpy(), col, name)
    if out.index.duplicated().any():
        raise XlmodelError(f"{name}: kode", sorted(set(out.index[out.index.duplicated()])),
                           "each municipality once")
    out.attrs["kilde"] = name
    return out


def _column(raw: np.ndarray, col: str, name: str) -> np.ndarray:
    from xlmodel._inputs import numbers

    if col == "hovedstad":
        truth = {"sand": True, "true": True, "1": True, "ja": True,
                 "falsk": False, "false": False, "0": False, "nej": False}
        out = []
        for v in raw:
            key = str(v).strip().casefold()
            if isinstance(v, bool | np.bool_):
                out.append(bool(v))
            elif key in truth or key in ("1.0", "0.0"):
                out.append(truth.get(key, key == "1.0"))
            else:
                raise XlmodelError(f"{name}: hovedstad", v, "SAND/FALSK (TRUE/FALSE, 1/0)")
        return np.array(out, dtype=object)
    minimum = None if col == "oevrige" else 0
    return numbers(raw, f"{name}: {col}", minimum=minimum)


def _statistikbanken(path: Path, tid: str | None, enhedsbeloeb: str | None) -> pd.DataFrame:
    from xlmodel import kommuner

    name, text = kommuner._read_text(path)
    rows = [r for r in csv.reader(text.splitlines(), delimiter=";") if any(c.strip() for c in r)]
    head = next((i for i, r in enumerate(rows[:6]) if "ALDER" in [c.strip().upper() for c in r]), None)
    if head is None:
        if enhedsbeloeb:
            raise XlmodelError("--enhedsbeloeb", enhedsbeloeb, "a FOLK1A export by age (a column ALDER)")
        imp = kommuner.importer_statistikbanken(path, "FOLK1A")
        period = tid or sorted({str(t) for t in imp["tid"]})[-1]
        pop = kommuner.til_indbyggere(imp, period)
        out = pd.DataFrame({"indbyggere": pop.astype(float)})
        out.attrs["kilde"] = f"{imp.attrs['kilde']}, {period}"
        return out
    cols = [c.strip().upper() for c in rows[head]]
    need = {"ALDER", "TID", "INDHOLD"}
    area = next((i for i, c in enumerate(cols) if c in ("OMRÅDE", "OMRADE", "OMRAADE")), None)
    if area is None or not need <= set(cols):
        raise XlmodelError(name, rows[head], "long layout OMRÅDE;ALDER;TID;INDHOLD")
    a, t, v = cols.index("ALDER"), cols.index("TID"), cols.index("INDHOLD")
    records = []
    for lineno, r in enumerate(rows[head + 1:], start=head + 2):
        if len(r) != len(cols):
            raise XlmodelError(name, f"line {lineno}", f"{len(cols)} fields like the header")
        code = kommuner._area_code(r[area])
        if code is None:
            continue
        if code == "":
            raise XlmodelError(f"{name}: OMRÅDE", r[area], "a municipality of kommuner.csv",
                               detail=f"line {lineno}")
        value = kommuner._number(r[v])
        if value is None:
            raise XlmodelError(f"{name}: INDHOLD", r[v], "a number (no '..')", detail=f"line {lineno}")
        if r[a].strip().casefold() in ("alder i alt", "i alt", "total"):
            continue  # the total row: the age groups are summed instead
        records.append((code, r[a].strip(), r[t].strip(), value))
    df = pd.DataFrame(records, columns=["kode", "alder", "tid", "vaerdi"])
    periods = sorted(df["tid"].unique())
    period = tid or periods[-1]
    if period not in periods:
        raise XlmodelError("--tid", tid, ", ".join(periods))
    table = df[df["tid"] == period].pivot_table(index="kode", columns="alder", values="vaerdi", aggfunc="sum")
    out = pd.DataFrame({"indbyggere": table.sum(axis=1)})
    if enhedsbeloeb:
        from xlmodel.udligning import aldersbestemt_udgiftsbehov

        units = _unit_amounts(enhedsbeloeb)
        missing = [g for g in table.columns if g not in units]
        if missing:
            raise XlmodelError("--enhedsbeloeb", missing[0], "a unit amount for every age group in the "
                               "export: " + ", ".join(map(str, table.columns)))
        amounts = [units[g] for g in table.columns]
        out["aldersbestemt_udgiftsbehov"] = aldersbestemt_udgiftsbehov(table, amounts) / 1_000_000
    out.attrs["kilde"] = f"Danmarks Statistik, Statistikbanken FOLK1A efter alder ({name}), {period}"
    return out


def _unit_amounts(path: str) -> dict[str, float]:
    from xlmodel import kommuner

    name, text = kommuner._read_text(path)
    out: dict[str, float] = {}
    for lineno, r in enumerate(csv.reader(text.splitlines(), delimiter=";"), start=1):
        if len(r) < 2 or not r[0].strip() or r[0].strip().casefold() in ("aldersgruppe", "alder"):
            continue
        value = kommuner._number(r[1])
        if value is None or value < 0:
            raise XlmodelError(f"{name}: beloeb", r[1], "an amount ≥ 0 in kr. per inhabitant",
                               detail=f"line {lineno}")
        out[r[0].strip()] = value
    if not out:
        raise XlmodelError("--enhedsbeloeb", name, "lines 'aldersgruppe;beloeb'")
    return out


# ------------------------------------------------------------------------------ writing ----
def write_data(model: str, values: pd.DataFrame) -> list[tuple[int, str]]:
    """Write ``values`` into the marked Data sheet's block; returns the (kode, key) cells written."""
    from openpyxl import load_workbook

    from xlmodel.engine.package import Package, write_atomic
    from xlmodel.engine.sheetxml import SheetXml, Update, col_number
    from xlmodel.workbooks.udligning_model import DATA_COLUMNS, FIRST, LAST, MARKER

    wb = load_workbook(model, read_only=True, data_only=False)
    sheet = next((ws.title for ws in wb.worksheets if ws["A3"].value == MARKER), None)
    if sheet is None:
        raise XlmodelError("--into", model, f"a workbook with xlmodel's Data sheet (A3 = '{MARKER}')",
                           detail="no sheet carries the marker; build one with `xlmodel build`")
    ws = wb[sheet]
    codes = {}
    for r in range(FIRST, LAST + 1):
        code = ws.cell(r, 1).value
        if isinstance(code, int | float) and not isinstance(code, bool):
            codes[int(code)] = r
    wb.close()
    missing = [k for k in values.index if k not in codes]
    if missing:
        raise XlmodelError("FILE", missing[:5], "municipality codes present in the Data sheet",
                           detail=f"{len(missing)} not found")
    column = {key: col_number(letter) for letter, _, key in DATA_COLUMNS}
    updates: dict[tuple[int, int], Any] = {}
    written = []
    for key in values.columns:
        for kode, v in values[key].items():
            updates[(codes[kode], column[key])] = Update(bool(v) if key == "hovedstad" else float(v))
            written.append((kode, key))
    pkg = Package.read(model)
    ref = pkg.sheet(sheet)
    xml = SheetXml(pkg.get(ref.part), ref.part)
    if "aldersbestemt_udgiftsbehov" in values.columns:
        total = _total_need(xml, values, codes, column)
        if total is not None:
            for kode, v in total.items():
                updates[(codes[kode], column["udgiftsbehov"])] = Update(float(v))
                written.append((kode, "udgiftsbehov"))
            values.attrs["bemaerkning"] = "udgiftsbehov = aldersbestemt + socioøkonomisk (kolonne M + N)"
        else:
            values.attrs["bemaerkning"] = ("udgiftsbehov (kolonne G) er ikke ændret: kolonne N "
                                           "(socioøkonomisk udgiftsbehov) er ikke udfyldt for alle kommuner")
    _guard_formulas(xml, updates)
    pkg.set(ref.part, xml.patch(updates, set()))
    write_atomic(model, pkg.to_bytes())
    return written


def _total_need(xml: Any, values: pd.DataFrame, codes: dict[int, int],
                column: dict[str, int]) -> pd.Series | None:
    if "socioekonomisk_udgiftsbehov" in values.columns:
        socio = values["socioekonomisk_udgiftsbehov"]
    else:
        raw = xml.cell_values()
        col = column["socioekonomisk_udgiftsbehov"]
        found = {k: raw.get((r, col)) for k, r in codes.items()}
        if any(v is None or not re.fullmatch(r"-?[\d.]+(E[-+]?\d+)?", v) for v in found.values()):
            return None
        socio = pd.Series({k: float(v) for k, v in found.items()})
    return values["aldersbestemt_udgiftsbehov"] + socio.reindex(values.index)


def _guard_formulas(xml: Any, updates: dict[tuple[int, int], Any]) -> None:
    """Never overwrite a formula the user put in a data cell: refuse and name it."""
    from xlmodel.engine.sheetxml import address

    formulas = {(fc.row, fc.col) for fc in xml.formula_cells()}
    clash = sorted(set(updates) & formulas)
    if clash:
        raise XlmodelError("--into", address(*clash[0]), "value cells in the Data block",
                           detail=f"{len(clash)} target cells hold formulas; they are left as they are")
