"""Live Excel: the calling workbook's own Parametre table is the parameter set its functions use.

Headless, ``xlmodel refresh`` computes a workbook with the shipped set plus the user's changes in
xlmodel's Parametre table (``xlmodel.excel.workbook_sheets.sheet_parameter_set``).  This module
gives the xlwings faces the same set for the workbook a function is called from:

* **Found by its marker, never by a sheet's name**: the hidden defined name
  ``layout.OWNED_TABLE`` (``_xlmodel_owned_parametre``) that xlmodel wrote refers to the table.
* **One rule, one place**: the cells are read with :func:`xlmodel.excel.layout.parse_rows` and the
  set is built with :meth:`xlmodel.parameters.ParameterSet.with_sheet` — the two functions the
  headless path calls — so a change shows as the user's (source "bruger") in both.
* **Cached per workbook, invalidated by the table's values**: each call reads the table (one
  range read) and compares its values with those the cached set was built from; the set is
  rebuilt only when they differ.  The values themselves rather than a "Genindlæs parametre"
  button, because a button the user forgets leaves stale values in force — a wrong number without
  a message — while a comparison cannot go stale.  (Compared directly, not hashed: on the shipped
  table, 112 rows, a SHA-256 of the values took 3.9 ms, longer than rebuilding the set, 1.0 ms;
  comparing the lists took 0.03 ms — medians of one run on the same machine.)  (Excel still decides
  which cells it recalculates: a function cell does not depend on the Parametre cells, so after
  changing them the user recalculates everything, Ctrl+Alt+F9; udfs/README.md says so.)
* **A broken table is never read silently**: a marker that points nowhere, a header that is no
  longer xlmodel's, or a value the set refuses (out of range, text where a number belongs) is a
  :class:`ParametreFejl` with a Danish message naming the table and what is wrong.  The faces
  then fall back to the shipped set for functions that read no parameter (their result cannot
  depend on the table) and show that message in every cell whose result would depend on it.
  No marker at all: the workbook has no table of xlmodel's, and the shipped set is its set.

Only the small part of xlwings' API below is used, so the layer is tested on Linux with a fake
book (``tests/test_workbook_params.py``): ``caller.sheet.book`` (classic xlwings, the calling
range's book), ``book.fullname``, ``name in book.names``, ``book.names[name].refers_to``,
``book.sheets`` (``.name``), ``book.sheets[name].range((r1, c1), (r2, c2)).options(ndim=2).value``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.excel import layout
from xlmodel.parameters import ParameterSet, recording


class ParametreFejl(XlmodelError):
    """The workbook's owned Parametre table cannot be read; ``str()`` is the Danish message."""

    dansk = True  # xlmodel.excel.danish.message shows it as it is

    def __init__(self, message: str) -> None:
        self.argument, self.value, self.allowed, self.detail = layout.OWNED_TABLE, None, "", ""
        ValueError.__init__(self, message)


def table_cells(book: Any) -> tuple[str, list[list[Any]]] | None:
    """The owned table of an xlwings book as (where, cell values incl. the header), or None.

    None: the book has no marker (no table of xlmodel's).  A marker that no longer refers to a
    range of the book (its sheet deleted: ``=#REF!``) is a :class:`ParametreFejl`.  The file
    twin is :func:`xlmodel.excel.workbook_sheets.table_cells`; both feed :func:`table_set`.
    """
    if layout.OWNED_TABLE not in book.names:
        return None
    text = str(book.names[layout.OWNED_TABLE].refers_to or "")
    ref = layout.parse_ref(text)
    sheets = [s.name for s in book.sheets]
    if ref is None or ref[0] not in sheets:
        raise dangling(text, LIVE)
    sheet, (r1, c1, r2, c2) = ref
    values = book.sheets[sheet].range((r1, c1), (r2, c2)).options(ndim=2).value
    return layout.header_cell(sheet, r1, c1), [list(row) for row in values]


#: What the user does to write the table again: in Excel, and headless (``xlmodel refresh``).
LIVE = "klik Opdater model for at skrive {name} igen"
HEADLESS = "kør xlmodel refresh --params {name} for at skrive {name} igen"


def dangling(text: str, remedy: str = LIVE, name: str = "tabellen") -> ParametreFejl:
    """The refusal of a marker that points at no range of the workbook (its sheet deleted)."""
    return ParametreFejl(f"xlmodels Parametre-tabel kan ikke findes: navnet {layout.OWNED_TABLE} "
                         f"peger på {text or 'intet'}, ikke på et område i projektmappen (er arket "
                         f"slettet?). {_sentence(remedy.format(name=name))}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def table_set(shipped: ParameterSet, where: str, cells: Sequence[Sequence[Any]],
              remedy: str = LIVE) -> ParameterSet:
    """``shipped`` plus the user's changes in the table's ``cells``: one rule for both faces.

    A header that is not xlmodel's, or a value the set refuses, is a :class:`ParametreFejl`
    naming the cell and what is allowed; ``remedy`` (:data:`LIVE`, :data:`HEADLESS`) says how to
    write the table again.
    """
    from xlmodel.excel.danish import message

    try:
        rows = layout.parse_rows(cells, where)
        return shipped.with_sheet(rows)
    except XlmodelError as exc:
        cell = _value_cell(where, cells, str(exc.argument))
        raise ParametreFejl(f"xlmodels Parametre-tabel ({where}) kan ikke bruges: {message(exc)}"
                            + (f" (cellen {cell})" if cell else "")
                            + f". Ret tabellen, eller {remedy.format(name=shipped.name)}") from None


def _value_cell(where: str, cells: Sequence[Sequence[Any]], key: str) -> str:
    """The vaerdi cell of the row a refusal names (``NAME.values.YEAR``), or "" if none does.

    >>> _value_cell("'P'!B3", [["navn"], ["pl.service", 2014.0, -150.0]], "pl.service.values.2014")
    "'P'!D4"
    """
    name, sep, year = key.rpartition(".values.")
    ref = layout.parse_ref(where)
    if not sep or ref is None or not year.isdigit():
        return ""
    sheet, (r1, c1, _r2, _c2) = ref
    for i, row in enumerate(cells[1:], start=1):
        navn = str(row[0]).strip().partition("[")[0] if row and row[0] is not None else ""
        if navn == name and len(row) > 1 and isinstance(row[1], int | float) and row[1] == int(year):
            return layout.header_cell(sheet, r1 + i, c1 + 2)
    return ""


class WorkbookSets:
    """The parameter set of each open workbook, cached by its full name and the table's values."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[list[list[Any]], ParameterSet | ParametreFejl]] = {}
        self._lock = threading.Lock()

    def for_book(self, book: Any, shipped: ParameterSet) -> ParameterSet:
        """The set of ``book``: ``shipped`` with the user's changes; raises :class:`ParametreFejl`."""
        found = table_cells(book)
        if found is None:
            return shipped
        where, cells = found
        key = (str(getattr(book, "fullname", "") or getattr(book, "name", "")), shipped.name)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None or hit[0] != cells:  # the table changed (or NaN in it: rebuilt, never stale)
            try:
                built: ParameterSet | ParametreFejl = table_set(shipped, where, cells)
            except ParametreFejl as exc:
                built = exc
            hit = (cells, built)
            with self._lock:
                self._cache[key] = hit
        if isinstance(hit[1], ParametreFejl):
            raise hit[1]
        return hit[1]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


SETS = WorkbookSets()


def call_in_book(call: Callable[..., Any], name: str, args: Sequence[Any], book: Any,
                 shipped: ParameterSet) -> Any:
    """``call(name, *args, params=...)`` with ``book``'s set; a broken table → :class:`ParametreFejl`
    only if the function reads a parameter (else its result is the same with any table)."""
    try:
        ps = SETS.for_book(book, shipped) if book is not None else shipped
    except ParametreFejl:
        with recording() as reads:
            result = call(name, *args, params=shipped)
        if reads:
            raise
        return result
    return call(name, *args, params=ps)


def caller_book(caller: Any) -> Any:
    """The book of an xlwings caller range (classic xlwings: ``caller.sheet.book``), or None."""
    try:
        return caller.sheet.book if caller is not None else None
    except AttributeError:
        return None
