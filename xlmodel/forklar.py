"""Explain a number: the chain from one cell down to its inputs and the parameters behind it.

``forklar(path, "Budget!E5")`` returns a table (a pandas DataFrame), one row per cell in the
chain, starting with the cell itself (``niveau`` 0), then its precedents, their precedents and
so on down to constants:

- ``celle``, ``etiket`` (the row's label and the column's header, as the sheet shows them),
  ``formel`` (the file's own formula text), ``værdi`` (the value the file shows);
- ``funktion``, ``regel``, ``kilde`` for a formula calling catalogue functions: the function's
  help text (what it computes) and the law or agreement section its core function cites
  (the ``[lov: …]``/``[aftale: …]``/``[antagelse: …]`` tags of its docstring);
- ``parameter``, ``parameterværdi``, ``enhed``, ``år``, ``kilde`` for a cell of a parameter
  sheet (a sheet in xlmodel's Parametre layout, recognised by its header row, not its name);
- ``via``: how the cell above reached it (a defined name such as ``P_pl_service``, a range).

Below a cell calling catalogue functions come the parameters those functions read inside their
core (``PL_REGULER(B5,2013,2014,"anlaeg")`` reads ``pl.anlaeg`` for 2014): the engine
recomputes the cell with the catalogue bound to the workbook's active parameter set (the same
adapter the refresh uses) while :func:`xlmodel.parameters.recording` notes each look-up; one row
per parameter read, ``via`` the cell.  A call the engine could not compute gets one row saying
"parametre kunne ikke bestemmes".

The precedents come from the engine's own dependency tracing (formualizer's
``Workbook.trace``); nothing here parses a formula.  Ranges of many constants (a column of 98
municipalities' data) are one row, not 98.

>>> import tempfile, os
>>> from openpyxl import Workbook
>>> wb = Workbook(); ws = wb.active; ws.title = "Budget"
>>> ws["A1"], ws["A2"], ws["A3"] = 100, "=A1*2", "=SUM(A1:A2)"
>>> path = os.path.join(tempfile.mkdtemp(), "m.xlsx"); wb.save(path)
>>> forklar(path, "Budget!A3")[["niveau", "celle", "formel"]].values.tolist()
[[0, 'Budget!A3', '=SUM(A1:A2)'], [1, 'Budget!A1', None], [1, 'Budget!A2', '=A1*2']]
"""

from __future__ import annotations

import os
import re
import sys
import types
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd

from xlmodel.errors import XlmodelError

#: The table's columns, in order.
KOLONNER = ("niveau", "celle", "etiket", "formel", "værdi", "funktion", "regel", "kilde", "parameter",
            "parameterværdi", "enhed", "år", "via")
#: A range with more constant cells than this is shown as one row.
RANGE_ROW = 12
_TAG = re.compile(r"\[(?:aftale|lov|antagelse)\b[^\]]*\]", re.IGNORECASE)
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _split(address: str, sheets: Iterable[str]) -> tuple[str, str]:
    """``"Budget!E5"`` / ``"'Mit ark'!E5"`` → (sheet, "E5"); the sheet must exist."""
    names = list(sheets)
    allowed = f"'Ark!A1' with a sheet of the workbook ({', '.join(names)})"
    if not isinstance(address, str) or "!" not in address:
        raise XlmodelError("cell", address, allowed)
    sheet, _, cell = address.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    match = _CELL.match(cell.strip())
    if sheet not in names or match is None:
        raise XlmodelError("cell", address, allowed)
    return sheet, f"{match.group(1).upper()}{match.group(2)}"


def _rc(cell: str) -> tuple[int, int]:
    from openpyxl.utils.cell import coordinate_to_tuple

    return coordinate_to_tuple(cell)


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, tuple[str, str]]:
    """Catalogue function name → (help text, the source tags of its core function's docstring)."""
    from xlmodel.excel import catalogue

    out = {}
    for fn in catalogue.functions():
        try:
            doc = fn.core_function().__doc__ or ""
        except (ImportError, AttributeError):
            doc = ""
        tags = list(dict.fromkeys(t.strip() for t in _TAG.findall(" ".join(doc.split()))))
        out[fn.name.upper()] = (fn.help, "; ".join(tags))
    return out


def _functions(formula: str) -> list[str]:
    """The catalogue functions a formula calls, via formualizer's tokenizer."""
    import formualizer as fz

    try:
        tokens = list(fz.tokenize(formula if formula.startswith("=") else "=" + formula))
    except Exception:  # a formula the tokenizer refuses: no function to name
        return []
    known = _catalogue()
    names = []
    for tok in tokens:
        if str(tok.token_type).endswith("Func") and str(tok.subtype).endswith("Open"):
            bare = tok.value[:-1]
            bare = bare[7:] if bare.lower().startswith("_xludf.") else bare
            if bare.upper() in known:
                names.append(bare.upper())
    return list(dict.fromkeys(names))


def _parameter_sheets(book: Any) -> set[str]:
    """Sheets laid out as xlmodel's Parametre sheet: row 1 is exactly its header."""
    from xlmodel.excel import layout

    found = set()
    for sheet in book.sheets:
        header = tuple(sheet.value(1, c) for c in range(1, len(layout.COLUMNS) + 1))
        if header == layout.COLUMNS:
            found.add(sheet.name)
    return found


def forklar(path: str | os.PathLike[str], cell: str, *, max_depth: int = 30,
            max_rows: int = 300) -> pd.DataFrame:
    """The chain from ``cell`` (``"Ark!A1"``) down to its inputs, as a table (see the module).

    ``max_depth``: levels followed; ``max_rows``: rows at most (the table's ``attrs
    ["afkortet"]`` says whether the chain was cut).
    """
    return forklar_fil(path, [cell], max_depth=max_depth, max_rows=max_rows)[cell]


def forklar_fil(path: str | os.PathLike[str], cells: Iterable[str], *, max_depth: int = 30,
                max_rows: int = 300) -> dict[str, pd.DataFrame]:
    """:func:`forklar` for several cells of one workbook, reading the file once."""
    import formualizer as fz

    from xlmodel.safeio import check_workbook_file
    from xlmodel.validate.lint import load_book

    check_workbook_file(path)
    book = load_book(path)
    names = [s.name for s in book.sheets]
    wanted = [(c, *_split(c, names)) for c in cells]
    try:
        engine = fz.load_workbook(str(path))
    except Exception as exc:  # the engine's own types for what it cannot read
        raise XlmodelError("workbook", str(path), "a workbook the engine can read",
                           detail=f"{type(exc).__name__}: {exc}") from None
    params = _parameter_sheets(book)
    reads = _CoreReads(path)
    out = {}
    for cell, sheet, address in wanted:
        frame = _explain(book, engine, params, sheet, address, max_depth, max_rows, reads)
        frame.attrs["fil"] = str(path)
        out[cell] = frame
    return out


def _explain(book: Any, engine: Any, params: set[str], sheet: str, address: str,
             max_depth: int, max_rows: int, reads: _CoreReads) -> pd.DataFrame:
    try:
        trace = engine.trace([f"{_quote(sheet)}!{address}"], max_depth=max_depth, max_nodes=4096,
                             max_links=16384, range_member_budget=4096, include_values=False)
    except Exception as exc:  # the engine's own types for what it cannot trace
        raise XlmodelError("cell", f"{sheet}!{address}", "a cell the engine can trace",
                           detail=f"{type(exc).__name__}: {exc}") from None
    data = trace.to_dict()
    nodes: dict[str, Any] = data["nodes"]
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    root = _key(sheet, address)
    queue: list[tuple[str, int, str | None]] = [(_node_key(nodes, root), 0, None)]
    cut = bool(data.get("truncation", {}).get("incomplete"))
    while queue:  # depth first, so each cell's inputs follow it (an indented tree)
        key, depth, via = queue.pop()
        if key in seen:
            continue
        seen.add(key)
        if len(rows) >= max_rows:
            cut = True
            break
        row = _row(book, key, depth, via, params)
        rows.append(row)
        if row["funktion"]:
            rows.extend(reads.rows(row["celle"], depth + 1))
        node = nodes.get(key)
        if node is None:
            continue
        children: list[tuple[str, int, str | None]] = []
        for link in node["links"]:
            ref = link["reference"]
            targets = [t["node"] for t in link["targets"]]
            label = ref.get("name") or (ref.get("declared") if ref.get("kind") == "Range" else None)
            constants = [t for t in targets if not _is_formula(book, t)]
            if ref.get("kind") == "Range" and len(constants) > RANGE_ROW:
                span = ref.get("resolved") or ref.get("declared")
                if span not in seen:
                    seen.add(span)
                    rows.append(_range_row(book, span, constants, depth + 1, label))
                targets = [t for t in targets if t not in constants]
            children.extend((t, depth + 1, label) for t in targets)
        queue.extend(reversed(children))
    frame = pd.DataFrame(rows, columns=list(KOLONNER)).astype(object)
    frame = frame.where(frame.notna(), None)
    frame["niveau"] = frame["niveau"].astype(int)
    frame.attrs["afkortet"] = cut
    frame.attrs["celle"] = root
    return frame


class _CoreReads:
    """The parameters each catalogue call of a workbook reads inside its core, found by letting
    the engine recompute the cell (its own argument values) with a recording callback."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._engine: Any = None
        self._failed: str | None = None
        self._sheets: list[str] = []
        self._by_cell: dict[tuple[str, int, int], list[Any]] = {}
        self._errors: dict[tuple[str, int, int], str] = {}

    def _load(self) -> None:
        from xlmodel.engine import excel_functions
        from xlmodel.engine import formualizer_engine as fe
        from xlmodel.engine.package import Package
        from xlmodel.excel import catalogue
        from xlmodel.excel.cells import engine_callback, prepare_engine
        from xlmodel.excel.headless import function_table
        from xlmodel.excel.workbook_sheets import sheet_parameter_set
        from xlmodel.parameters import recording, resolve

        pkg = Package.read(self._path)
        ps = sheet_parameter_set(pkg, resolve(None))  # the set the refresh computes with
        refs = pkg.sheets()
        self._sheets = [ref.name for ref in refs]
        wb = fe._load(fe.engine_copy(pkg, function_table(ps)), pkg.name, parallel=False)
        excel_functions.register(wb)
        prepare_engine(ps)
        for fn in catalogue.functions():
            inner = engine_callback(fn.name, ps)

            def callback(*args: Any, _inner: Any = inner) -> Any:
                where = self._where(*args[:3]) if len(args) >= 3 else None
                if where is not None:
                    args = args[3:]
                with recording() as seen:  # in the callback's own thread: the core's look-ups
                    try:
                        result = _inner(*args)
                    except Exception as exc:
                        if where is not None:
                            self._errors.setdefault(where, str(exc))
                        raise
                if where is not None:
                    self._by_cell.setdefault(where, []).extend(seen)
                return result

            wb.register_function(fn.name, callback, min_args=len(fn.required),
                                 max_args=len(fn.args) + 3)
        self._engine = wb

    def _where(self, tag: Any, row: Any, col: Any) -> tuple[str, int, int] | None:
        from xlmodel.engine.formualizer_engine import CELL_TAG, _first_int

        if not (isinstance(tag, str) and tag.startswith(CELL_TAG)):
            return None
        try:
            return self._sheets[int(tag[len(CELL_TAG):])], _first_int(row), _first_int(col)
        except (ValueError, IndexError, TypeError):
            return None

    def reads(self, sheet: str, cell: str) -> list[Any] | str:
        """The :class:`~xlmodel.parameters.Value` s the cell's catalogue calls read, each once,
        or a Danish sentence saying why they could not be determined."""
        if self._engine is None and self._failed is None:
            try:
                self._load()
            except Exception as exc:  # the engine's own types: say so in the rows, never guess
                self._failed = f"{type(exc).__name__}: {exc}"
        if self._failed is not None:
            return f"parametre kunne ikke bestemmes (motoren kunne ikke indlæse filen: {self._failed})"
        r, c = _rc(cell)
        where = (sheet, r, c)
        if where not in self._by_cell and where not in self._errors:
            try:
                self._engine.evaluate_cell(sheet, r, c)
            except Exception as exc:  # the engine's own types for a cell it cannot compute
                self._errors.setdefault(where, f"{type(exc).__name__}: {exc}")
        if where in self._errors:
            return f"parametre kunne ikke bestemmes (kaldet fejlede: {self._errors[where]})"
        if where not in self._by_cell:
            return "parametre kunne ikke bestemmes (motoren kaldte ikke funktionen)"
        unique = {(v.name, v.year): v for v in self._by_cell[where]}
        return list(unique.values())

    def rows(self, celle: str, depth: int) -> list[dict[str, Any]]:
        """One table row per parameter the cell's catalogue calls read (``via`` the cell)."""
        sheet, cell = _parts(celle)
        found = self.reads(sheet, cell)
        if isinstance(found, str):
            row: dict[str, Any] = dict.fromkeys(KOLONNER)
            row.update(niveau=depth, regel=found, via=celle)
            return [row]
        out = []
        for v in found:
            row = dict.fromkeys(KOLONNER)
            row.update(niveau=depth, parameter=v.name, parameterværdi=v.value, enhed=v.unit, år=v.year,
                       kilde=v.source_text, via=celle)
            out.append(row)
        return out


def _quote(sheet: str) -> str:
    return f"'{sheet}'" if re.search(r"[^A-Za-z0-9_]", sheet) else sheet


def _key(sheet: str, cell: str) -> str:
    return f"{sheet}!{cell}"


def _node_key(nodes: dict[str, Any], key: str) -> str:
    if key in nodes:
        return key
    sheet, _, cell = key.rpartition("!")
    quoted = f"'{sheet}'!{cell}"
    return quoted if quoted in nodes else key


def _parts(key: str) -> tuple[str, str]:
    sheet, _, cell = key.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "")


def _is_formula(book: Any, key: str) -> bool:
    sheet, cell = _parts(key)
    try:
        return book.sheet(sheet).is_formula(*_rc(cell))
    except (KeyError, ValueError, XlmodelError):
        return False


def _row(book: Any, key: str, depth: int, via: str | None, params: set[str]) -> dict[str, Any]:
    sheet, cell = _parts(key)
    row: dict[str, Any] = dict.fromkeys(KOLONNER)
    row.update(niveau=depth, celle=f"{sheet}!{cell}", via=via)
    try:
        ws = book.sheet(sheet)
        r, c = _rc(cell)
    except (KeyError, ValueError, XlmodelError):
        return row
    formula = ws.formula(r, c)
    row["etiket"] = None if sheet in params else _label(ws, r, c)
    row["formel"] = formula
    row["værdi"] = ws.value(r, c)
    if formula:
        names = _functions(formula)
        if names:
            known = _catalogue()
            row["funktion"] = ", ".join(names)
            row["regel"] = " | ".join(known[n][0] for n in names)
            row["kilde"] = " | ".join(known[n][1] for n in names if known[n][1]) or None
    if sheet in params and r > 1:
        from xlmodel.excel import layout

        values = {name: ws.value(r, i) for i, name in enumerate(layout.COLUMNS, start=1)}
        year = values["aar"]
        if isinstance(year, float) and year.is_integer():
            year = int(year)
        row.update(parameter=values["navn"], parameterværdi=values["vaerdi"], enhed=values["enhed"],
                   år=year)
        source = ": ".join(str(values[k]) for k in ("kilde", "reference") if values.get(k))
        row["kilde"] = source or row["kilde"]
    return row


def _label(ws: Any, r: int, c: int) -> str | None:
    """The row's first text and the nearest text above in the column: ``"Service · 2014-pl"``."""
    def text(rr: int, cc: int) -> str | None:
        v = ws.value(rr, cc)
        return v.strip() if isinstance(v, str) and v.strip() and not ws.is_formula(rr, cc) else None

    left = next((t for cc in range(1, c) if (t := text(r, cc))), None)
    above = next((t for rr in range(r - 1, max(0, r - 200), -1) if (t := text(rr, c))), None)
    parts = [p for p in (left, above) if p]
    return " · ".join(parts)[:120] or None


def _range_row(book: Any, span: str, members: list[str], depth: int, via: str | None) -> dict[str, Any]:
    sheet, cell = _parts(span)
    row: dict[str, Any] = dict.fromkeys(KOLONNER)
    numbers = []
    for key in members:
        s, c = _parts(key)
        try:
            v = book.sheet(s).value(*_rc(c))
        except (KeyError, ValueError, XlmodelError):
            continue
        if isinstance(v, int | float) and not isinstance(v, bool):
            numbers.append(float(v))
    row.update(niveau=depth, celle=f"{sheet}!{cell}", via=via,
               formel=None, værdi=sum(numbers) if numbers else None,
               regel=f"område med {len(members)} inputceller (værdi: summen af {len(numbers)} tal)")
    return row


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def som_tekst(table: pd.DataFrame) -> str:
    """The table as indented Danish text for the terminal (what ``xlmodel forklar`` prints)."""
    from xlmodel.tekst import format_vaerdi

    lines = []
    for row in map(_clean, table.to_dict("records")):
        pad = "  " * int(row["niveau"])
        if row.get("celle") is None:  # a parameter a catalogue function read inside its core
            if row.get("parameter"):
                lines.append(f"{pad}parameter: {row['parameter']} = {format_vaerdi(row['parameterværdi'])} "
                             f"{row['enhed'] or ''} ({format_vaerdi(row['år'])})".rstrip()
                             + f"   (læst af {row['via']})")
                lines.append(f"{pad}    kilde: {row['kilde']}")
            elif row.get("regel"):
                lines.append(f"{pad}{row['regel']}   ({row['via']})")
            continue
        value = format_vaerdi(row["værdi"])
        head = f"{pad}{row['celle']} = {value}" if value != "" else f"{pad}{row['celle']}"
        if row.get("etiket"):
            head += f"   [{row['etiket']}]"
        if row.get("via"):
            head += f"   (via {row['via']})"
        lines.append(head)
        if row.get("formel"):
            lines.append(f"{pad}    formel: {row['formel']}")
        if row.get("funktion"):
            lines.append(f"{pad}    funktion: {row['funktion']} — {row['regel']}")
        elif row.get("regel"):
            lines.append(f"{pad}    {row['regel']}")
        if row.get("parameter"):
            lines.append(f"{pad}    parameter: {row['parameter']} = {format_vaerdi(row['parameterværdi'])} "
                         f"{row['enhed'] or ''} ({format_vaerdi(row['år'])})".rstrip())
        if row.get("kilde"):
            lines.append(f"{pad}    kilde: {row['kilde']}")
    if table.attrs.get("afkortet"):
        lines.append("… kæden er afkortet (brug --dybde eller --max-rækker for mere)")
    return "\n".join(lines)


def outputs(path: str | os.PathLike[str], *, limit: int = 25, max_formulas: int = 5000) -> list[str]:
    """A model's outputs, in sheet order: numeric formula cells that apply a rule (call a
    catalogue function or read a parameter sheet) or that no other formula uses (a total),
    pure copies (``=Data!A5``) left out; at most ``limit``, none for a workbook of more than
    ``max_formulas`` formulas (the report stays quick).
    """
    import formualizer as fz
    from openpyxl.utils.cell import get_column_letter

    from xlmodel.validate.lint import load_book

    book = load_book(path)
    params = _parameter_sheets(book)
    cells = [(s.name, r, c) for s in book.sheets if s.name not in params
             for (r, c) in sorted([*s.formulas, *s.shared])]
    if not cells or len(cells) > max_formulas:
        return []
    keys = [f"{_quote(s)}!{get_column_letter(c)}{r}" for s, r, c in cells]
    try:
        engine = fz.load_workbook(str(path))
        data = engine.trace(keys, max_depth=1, max_nodes=4 * len(keys) + 1024,
                            max_links=16 * len(keys) + 1024, range_member_budget=100_000,
                            include_values=False).to_dict()
    except Exception:  # no outputs rather than a failed report
        return []
    referenced = {t["node"] for link in data["links"] for t in link["targets"]}
    out = []
    for key, (s, r, c) in zip(keys, cells, strict=True):
        v = book.sheet(s).value(r, c)
        if not isinstance(v, int | float) or isinstance(v, bool):
            continue
        links = data["nodes"].get(key, {}).get("links", [])
        targets = [t["node"] for link in links for t in link["targets"]]
        formula = book.sheet(s).formula(r, c) or ""
        rule = bool(_functions(formula)) or any(_parts(t)[0] in params for t in targets)
        copy = len(links) == 1 and links[0]["reference"].get("kind") == "Cell" and not rule \
            and formula.count("(") == 0 and not any(op in formula[1:] for op in "+-*/^&")
        if rule or (key not in referenced and not copy):
            out.append(f"{s}!{get_column_letter(c)}{r}")
        if len(out) >= limit:
            break
    return out


class _CallableModule(types.ModuleType):
    """Lets ``xlmodel.forklar(path, cell)`` work as the issue writes it, beside
    ``xlmodel.forklar.forklar(path, cell)``: calling the module calls :func:`forklar`."""

    def __call__(self, path: Any, cell: str, **kwargs: Any) -> pd.DataFrame:
        return forklar(path, cell, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
