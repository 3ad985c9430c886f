"""The loaded workbook model every check reads: sheets, cells, formula forms, names, settings.

:func:`load_book` reads the .xlsx package once (see :mod:`xlmodel.validate.xlsx`); each
cell's formula and cached value come from the same pass over the sheet XML.  Every formula
gets its relative R1C1 key (:func:`~xlmodel.validate.references.form_key`); cells sharing a key
are one *form*, and forms that differ only in numeric literals share a *skeleton*.  The
expensive work (tokenising, finding references and function arguments) is done once per
skeleton and applied to all its cells with numpy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from xlmodel.errors import XlmodelError
from xlmodel.validate.addresses import MAX_COL, a1, split_cell
from xlmodel.validate.formulas import FormInfo, NumberUse, RefUse, analyse_formula
from xlmodel.validate.references import BRACKETS_ARE_R1C1, NUMBER_LITERAL, Ref, parse_ref, to_r1c1

if TYPE_CHECKING:
    import pandas as pd


class ExcelError(str):
    """A cached Excel error value (``#DIV/0!``, ``#REF!``, …): text that is not a text value."""

    __slots__ = ()


@dataclass
class Sheet:
    """One worksheet: cached values, formulas and the formula cells as arrays."""

    name: str
    index: int
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # written out (with "=")
    shared: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # child → master
    texts: list[tuple[int, int, str]] = field(default_factory=list)  # text constants
    errors: list[tuple[int, int]] = field(default_factory=list)       # cells with a cached error
    f_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    f_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    f_forms: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    _occupied: Grid | None = None
    _formula_grid: Grid | None = None
    _error_grid: Grid | None = None

    def formula(self, row: int, col: int) -> str | None:
        """The A1 formula of a cell (with "="), shared formulas translated; None if none."""
        text = self.formulas.get((row, col))
        if text is not None:
            return text
        master = self.shared.get((row, col))
        if master is None:
            return None
        from openpyxl.formula.translate import Translator  # here: openpyxl is heavy to import

        return Translator(self.formulas[master], origin=a1(*master)).translate_formula(a1(row, col))

    def value(self, row: int, col: int) -> Any:
        return self.values.get((row, col))

    def is_formula(self, row: int, col: int) -> bool:
        return (row, col) in self.formulas or (row, col) in self.shared

    @property
    def occupied(self) -> Grid:
        """Cells holding a value or a formula (an empty text counts as empty)."""
        if self._occupied is None:
            held = [k for k, v in self.values.items() if v is not None and v != ""]
            keys = np.fromiter(chain.from_iterable(held), np.int64, 2 * len(held)).reshape(-1, 2)
            rows, cols = keys[:, 0], keys[:, 1]
            self._occupied = Grid(np.concatenate([rows, self.f_rows]), np.concatenate([cols, self.f_cols]))
        return self._occupied

    @property
    def error_grid(self) -> Grid:
        """Cells whose cached value is an Excel error."""
        if self._error_grid is None:
            self._error_grid = Grid(np.array([e[0] for e in self.errors], np.int64),
                                     np.array([e[1] for e in self.errors], np.int64))
        return self._error_grid

    @property
    def formula_grid(self) -> Grid:
        if self._formula_grid is None:
            self._formula_grid = Grid(self.f_rows, self.f_cols)
        return self._formula_grid


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D array, by sorting: numpy 2's hash-based ``unique`` is about 70×
    slower on 100,000 cell keys (0.2 s against 3 ms).

    >>> sorted_unique(np.array([5, 1, 5, 3])).tolist()
    [1, 3, 5]
    """
    ordered = np.sort(values, kind="stable")
    if len(ordered) < 2:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


class Grid:
    """A set of cells answering "is (r, c) in the set?" and "how many in this rectangle?"
    for whole arrays of queries (sorted keys; summed-area table on compressed coordinates)."""

    _SAT_LIMIT = 4_000_000

    def __init__(self, rows: np.ndarray, cols: np.ndarray) -> None:
        keys = sorted_unique(rows.astype(np.int64) * (MAX_COL + 1) + cols)
        self.keys = keys
        self.rows = keys // (MAX_COL + 1)
        self.cols = keys % (MAX_COL + 1)
        self.urows = sorted_unique(self.rows)
        self.ucols = sorted_unique(self.cols)
        self._sat: np.ndarray | None = None
        if 0 < len(self.urows) * len(self.ucols) <= self._SAT_LIMIT:
            grid = np.zeros((len(self.urows) + 1, len(self.ucols) + 1), dtype=np.int32)
            ri = np.searchsorted(self.urows, self.rows) + 1
            ci = np.searchsorted(self.ucols, self.cols) + 1
            grid[ri, ci] = 1
            self._sat = grid.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)
        self._by_col: dict[int, np.ndarray] | None = None  # column → its keys, sorted by row

    def __len__(self) -> int:
        return len(self.keys)

    def contains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        q = rows.astype(np.int64) * (MAX_COL + 1) + cols
        pos = np.searchsorted(self.keys, q)
        pos = np.minimum(pos, max(len(self.keys) - 1, 0))
        return (self.keys[pos] == q) if len(self.keys) else np.zeros(q.shape, bool)

    def count(self, r1: np.ndarray, c1: np.ndarray, r2: np.ndarray, c2: np.ndarray) -> np.ndarray:
        """How many cells of the set lie in each rectangle [r1..r2] × [c1..c2]."""
        if not len(self.keys):
            return np.zeros(np.shape(r1), np.int64)
        if self._sat is not None:
            a = np.searchsorted(self.urows, r1, "left")
            b = np.searchsorted(self.urows, r2, "right")
            c = np.searchsorted(self.ucols, c1, "left")
            d = np.searchsorted(self.ucols, c2, "right")
            s = self._sat
            return s[b, d] - s[a, d] - s[b, c] + s[a, c]
        return np.array([len(self.inside(*q)) for q in zip(r1, c1, r2, c2, strict=True)], np.int64)

    def columns_between(self, c1: int, c2: int) -> list[int]:
        """The columns in [c1, c2] that hold cells of the set."""
        lo, hi = np.searchsorted(self.ucols, c1, "left"), np.searchsorted(self.ucols, c2, "right")
        return self.ucols[lo:hi].tolist()

    def column_keys(self, col: int) -> np.ndarray:
        """Keys of the set's cells in one column, by row."""
        if self._by_col is None:
            order = np.lexsort((self.rows, self.cols))
            cuts = np.flatnonzero(np.diff(self.cols[order])) + 1
            self._by_col = {int(self.cols[part[0]]): self.keys[part] for part in np.split(order, cuts)}
        return self._by_col.get(col, np.empty(0, np.int64))

    def inside(self, r1: int, c1: int, r2: int, c2: int) -> np.ndarray:
        """Keys of the cells inside one rectangle (row * (MAX_COL+1) + col)."""
        out = []
        for c in self.columns_between(c1, c2):
            keys = self.column_keys(c)
            first = np.searchsorted(keys, r1 * (MAX_COL + 1) + c, "left")
            last = np.searchsorted(keys, r2 * (MAX_COL + 1) + c, "right")
            out.append(keys[first:last])
        return np.concatenate(out) if out else np.empty(0, np.int64)


@dataclass
class LoadedBook:
    """A workbook read from its file: sheets, defined names, calculation settings, and the
    formula groups (cells sharing a relative R1C1 form)."""

    path: str
    sheets: list[Sheet]
    names: dict[tuple[str, int | None], str]     # (upper-case name, sheet index or None) → text
    calc_mode: str = "auto"
    iterate: bool = False
    forms: list[str] = field(default_factory=list)               # form id → key (form_key)
    examples: list[tuple[int, int, int]] = field(default_factory=list)  # form id → (sheet, row, col)
    _info: dict[int, FormInfo] = field(default_factory=dict)
    _skeleton_of: np.ndarray | None = None
    _form_numbers: list[list[str]] = field(default_factory=list)
    _skeleton_first: list[int] = field(default_factory=list)
    _skeleton_ok: list[bool | None] = field(default_factory=list)
    package: Any = None  # the ooxml Package it was read from, when validate() read one (recompute uses it)

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> Sheet:
        """A sheet by name (case-insensitive, as in Excel)."""
        found = self.find_sheet(name)
        if found is None:
            raise XlmodelError("sheet", name, ", ".join(self.sheetnames))
        return found

    def find_sheet(self, name: str | None, default: Sheet | None = None) -> Sheet | None:
        if name is None:
            return default
        wanted = name.upper()
        for s in self.sheets:
            if s.name.upper() == wanted:
                return s
        return None

    def formula(self, sheet: str, cell: str) -> str | None:
        return self.sheet(sheet).formula(*split_cell(cell))

    def value(self, sheet: str, cell: str) -> Any:
        return self.sheet(sheet).value(*split_cell(cell))

    @property
    def formula_count(self) -> int:
        return sum(len(s.f_rows) for s in self.sheets)

    @property
    def has_cached_values(self) -> bool:
        """Does any formula cell carry a cached value (was the file ever calculated)?"""
        return any(
            (r, c) in s.values for s in self.sheets
            for r, c in zip(s.f_rows[:200].tolist(), s.f_cols[:200].tolist(), strict=True))

    def analysis(self, form: int) -> FormInfo:
        """The full analysis of one R1C1 form (tokenised once, on the first cell seen with it)."""
        found = self._info.get(form)
        if found is None:
            si, row, col = self.examples[form]
            found = analyse_formula(self.sheets[si].formula(row, col) or "", row, col)
            self._info[form] = found
        return found

    def r1c1(self, form: int) -> str:
        """The R1C1 text of a form (for people: the grouping key may differ in spelling)."""
        si, row, col = self.examples[form]
        return to_r1c1(self.sheets[si].formula(row, col) or "", row, col)

    # Forms that differ only in their numeric literals (=B2*1.013 and =B3*1.02 copied down a
    # column of different rates) share a *skeleton*: the same references, functions and
    # structure.  One tokenisation serves the skeleton, and the reference-based checks run
    # once per skeleton on all its cells at once.
    def _skeletons(self) -> None:
        if self._skeleton_of is not None:
            return
        ids: dict[str, int] = {}
        of = np.empty(len(self.forms), np.int64)
        numbers: list[list[str]] = []
        first: list[int] = []
        for form, key in enumerate(self.forms):
            if '"' in key or "'" in key or ("[" in key and not BRACKETS_ARE_R1C1.fullmatch(key)):
                skeleton, found = "\0" + key, []  # text or quoting: no sharing, no masking
            else:
                found = NUMBER_LITERAL.findall(key)
                skeleton = NUMBER_LITERAL.sub("#", key) if found else key
            sid = ids.get(skeleton)
            if sid is None:
                sid = ids[skeleton] = len(first)
                first.append(form)
            of[form] = sid
            numbers.append(found)
        self._skeleton_of, self._form_numbers, self._skeleton_first = of, numbers, first
        self._skeleton_ok = [None] * len(first)

    def skeleton(self, form: int) -> int:
        self._skeletons()
        assert self._skeleton_of is not None
        return int(self._skeleton_of[form])

    def structure(self, form: int) -> FormInfo:
        """The analysis shared by the form's skeleton: references, names, calls, #REF!.  The
        numeric literals in it are the skeleton's first form's; see :meth:`numbers`."""
        sid = self.skeleton(form)
        first = self._skeleton_first[sid]
        if self._skeleton_trusted(sid):
            return self.analysis(first)
        return self.analysis(form)

    def numbers(self, form: int) -> list[NumberUse]:
        """The numeric literals of one form, in the order they are written."""
        sid = self.skeleton(form)
        if not self._skeleton_trusted(sid):
            return self.analysis(form).numbers
        shared = self.analysis(self._skeleton_first[sid]).numbers
        texts = self._form_numbers[form]
        return [replace(n, text=t, value=float(t) / 100 if n.percent else float(t))
                for n, t in zip(shared, texts, strict=True)]

    def form_numbers(self, form: int) -> list[str]:
        """The numeric literals of one form as written (texts), found without tokenising."""
        self._skeletons()
        return self._form_numbers[form]

    def shares_analysis(self, form: int) -> bool:
        """Is the form analysed through its skeleton (see :meth:`structure`)?"""
        return self._skeleton_trusted(self.skeleton(form))

    def _skeleton_trusted(self, sid: int) -> bool:
        """Does the tokenizer see exactly the numbers the literal regex found (same count and
        text) in the skeleton's first form?  If not, its forms are analysed one by one."""
        ok = self._skeleton_ok[sid]
        if ok is None:
            first = self._skeleton_first[sid]
            found = self._form_numbers[first]
            seen = [n.text for n in self.analysis(first).numbers]
            ok = self._skeleton_ok[sid] = (not self.analysis(first).parse_error and seen == found)
        return bool(ok)

    def skeleton_groups(self) -> Iterator[tuple[Sheet, int, np.ndarray, np.ndarray, np.ndarray]]:
        """(sheet, a form of the skeleton, rows, cols, forms) for each skeleton on each sheet;
        when a skeleton is not trusted (see :meth:`_skeleton_trusted`) its forms come apart."""
        self._skeletons()
        assert self._skeleton_of is not None
        for sheet in self.sheets:
            if not len(sheet.f_forms):
                continue
            sids = self._skeleton_of[sheet.f_forms]
            order = np.argsort(sids, kind="stable")
            cuts = np.flatnonzero(np.diff(sids[order])) + 1
            for part in np.split(order, cuts):
                forms = sheet.f_forms[part]
                sid = int(sids[part[0]])
                if self._skeleton_trusted(sid):
                    yield sheet, self._skeleton_first[sid], sheet.f_rows[part], sheet.f_cols[part], forms
                    continue
                for form in sorted_unique(forms).tolist():
                    mine = part[forms == form]
                    yield sheet, form, sheet.f_rows[mine], sheet.f_cols[mine], sheet.f_forms[mine]

    def groups(self, where: Callable[[str], bool] | None = None,
               ) -> Iterator[tuple[Sheet, int, np.ndarray, np.ndarray]]:
        """(sheet, form id, rows, cols) for every group of cells sharing one R1C1 form;
        ``where`` keeps only forms whose key (see :func:`form_key`) it accepts."""
        wanted = None if where is None else np.fromiter((bool(where(k)) for k in self.forms), bool,
                                                         len(self.forms))
        for sheet in self.sheets:
            index = np.arange(len(sheet.f_forms)) if wanted is None else np.flatnonzero(wanted[sheet.f_forms])
            if not len(index):
                continue
            order = index[np.argsort(sheet.f_forms[index], kind="stable")]
            forms = sheet.f_forms[order]
            cuts = np.flatnonzero(np.diff(forms)) + 1
            for part in np.split(order, cuts):
                yield sheet, int(sheet.f_forms[part[0]]), sheet.f_rows[part], sheet.f_cols[part]

    def name_ref(self, name: str, sheet: Sheet) -> Ref | None:
        """The reference a defined name stands for (sheet-local names first), if it is one."""
        text = self.names.get((name.upper(), sheet.index)) or self.names.get((name.upper(), None))
        if text is None:
            return None
        ref = parse_ref(text.lstrip("="), 1, 1)
        if ref is None or not all(p[1] for p in (ref.r1, ref.c1, ref.r2, ref.c2)):
            return None  # a formula or a constant, not a fixed place
        return ref

    def cells(self) -> Iterator[tuple[str, int, int, str | None, Any]]:
        """(sheet, row, col, formula, cached value) for every cell with a value or a formula."""
        for s in self.sheets:
            keys = set(s.values) | set(s.formulas) | set(s.shared)
            for r, c in sorted(keys):
                yield s.name, r, c, s.formula(r, c), s.values.get((r, c))

    def cells_frame(self, sheet: str | None = None) -> pd.DataFrame:
        """The cells as a DataFrame: sheet, cell, row, col, formula, value (one sheet or all)."""
        import pandas as pd

        rows = [(name, a1(r, c), r, c, f, v) for name, r, c, f, v in self.cells()
                if sheet is None or name.upper() == sheet.upper()]
        return pd.DataFrame(rows, columns=["sheet", "cell", "row", "col", "formula", "value"])


def target_sheet(book: LoadedBook, sheet: Sheet, ref: Ref) -> Sheet | None:
    if ref.external:
        return None
    return book.find_sheet(ref.sheet, default=sheet)


def ref_uses(book: LoadedBook, sheet: Sheet, info: FormInfo) -> list[RefUse]:
    """The form's references plus the defined names that stand for fixed places."""
    uses = list(info.refs)
    for name, function, argument in info.names:
        ref = book.name_ref(name, sheet)
        if ref is not None:
            uses.append(RefUse(ref, function, argument, name))
    return uses


def load_book(path: str | os.PathLike[str] | Any) -> LoadedBook:
    """Read an .xlsx/.xlsm workbook once: formulas, cached values, names, calculation mode.

    ``path``: a file, or a :class:`~xlmodel.ooxml.package.Package` already read and checked.

    Raises :class:`XlmodelError` naming the file when it is missing or not an OOXML workbook.
    """
    from xlmodel.validate.xlsx import read_book

    return read_book(path)
