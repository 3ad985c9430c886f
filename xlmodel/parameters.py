"""Legislation as data: parameter sets read from TOML files of dated values.

Each agreement is one file in ``xlmodel/parametre/`` (or any folder on
``XLMODEL_PARAMS_PATH``).  A parameter is a table with ``label``, ``unit``,
``period``, ``source`` (aftale / lov / antagelse), ``reference`` and
``values`` keyed by year; ``antagelse`` parameters also carry a ``note``.
A file may say ``extends = "aftale-2014"`` to add a new year's values on top of
an earlier set: the next agreement is a new file, never a code change.

Every value is checked against the parameter's allowed range (``range = "(-100, inf)"`` in
the file, or the unit's default, :data:`UNIT_RANGES`); NaN, infinities and numbers too large
for a float (``1e309``) are refused, naming the file, the key, the value and the range.

A scheme that runs over several years (the tax-cut subsidy 2014–2017, …) carries the year it
started in: ``vintage = 2014``.  A later file that defines the same parameter with another
start year (its own ``vintage``, or the first year of its values) adds a *new* scheme; the
earlier one stays, addressable as ``NAME.ordning_2014``, and is never merged with the new
schedule.  After its last year a scheme pays 0 (:meth:`ParameterSet.scheme_value`).

>>> ps = load("aftale-2014")
>>> ps.value("pl.service", 2014)
1.3
>>> ps.source("pl.service", 2014)
'aftale: Aftale 2014, boks 1'
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from xlmodel.errors import ParameterFileError, XlmodelError

DEFAULT = "aftale-2014"
PACKAGE_DIR = Path(__file__).with_name("parametre")
UNITS = frozenset({
    "pct", "pct-point", "andel", "faktor", "mio. kr.", "kr.", "kr. pr. indbygger",
    "år", "trin", "antal", "tekst",
})
#: aftale: the agreement text; lov: Danish law; udmelding: a ministry announcement or publication
#: (official, but neither law nor the agreement); antagelse: xlmodel's assumption (needs a note).
SOURCES = frozenset({"aftale", "lov", "udmelding", "antagelse"})
#: The source of a value the user changed (in a workbook's Parametre sheet or with_value).
USER = "bruger"
#: Sources the user may not change without the validator calling it a departure from the agreement.
OFFICIAL = frozenset({"aftale", "lov", "udmelding"})
PERIODS = frozenset({"year", "from"})
PARAM_KEYS = frozenset({"label", "unit", "period", "source", "reference", "note", "values", "range",
                        "vintage", "price_level"})
#: Default allowed range per unit, as interval text: "(" / ")" exclusive, "[" / "]" inclusive.
#: A parameter's own ``range`` key narrows it (shares of a whole in pct.: "[0, 100]").
UNIT_RANGES = {
    "pct": "(-100, inf)",          # a rate: −100 pct. or less would make an amount 0 or negative
    "pct-point": "(-inf, inf)",
    "andel": "[0, 1]",
    "faktor": "[0, inf)",
    "mio. kr.": "(-inf, inf)",     # amounts carry their sign (Tabel 1: revenue negative)
    "kr.": "(-inf, inf)",
    "kr. pr. indbygger": "(-inf, inf)",
    "år": "[0, inf)",
    "trin": "[1, inf)",
    "antal": "[0, inf)",
}
#: The name under which an earlier scheme of a vintaged parameter stays in a set.
VINTAGE_SUFFIX = ".ordning_"
TABLE_KEYS = frozenset({"label", "unit", "period", "source", "reference", "note", "year", "rows",
                        "price_level"})
META_KEYS = frozenset({"name", "title", "parties", "signed", "budget_year", "horizon", "extends",
                       "illustrative"})


@dataclass(frozen=True)
class Value:
    """One dated value with everything a reader needs to trust it."""

    name: str
    year: int
    value: Any
    unit: str
    source: str
    reference: str
    label: str
    note: str = ""

    @property
    def source_text(self) -> str:
        """``"aftale: Aftale 2014, boks 1"``: what PARAMETER_KILDE shows in a cell."""
        return f"{self.source}: {self.reference}"


@dataclass(frozen=True)
class Range:
    """An allowed interval of a parameter's values, e.g. ``(-100, inf)``.

    >>> r = Range.parse("(-100, inf)")
    >>> r.contains(-99.9), r.contains(-100.0), str(r)
    (True, False, '(-100, inf)')
    """

    lo: float
    hi: float
    lo_open: bool
    hi_open: bool

    _PATTERN = re.compile(r"^\s*([\[(])\s*([-+]?(?:inf|[0-9.e+-]+))\s*,"
                          r"\s*([-+]?(?:inf|[0-9.e+-]+))\s*([\])])\s*$")

    @classmethod
    def parse(cls, text: Any) -> Range:
        m = cls._PATTERN.match(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"{text!r} is not an interval like \"[0, 1]\" or \"(-100, inf)\"")
        lo, hi = float(m[2]), float(m[3])
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise ValueError(f"{text!r}: the lower bound must not exceed the upper bound")
        return cls(lo, hi, m[1] == "(", m[4] == ")")

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def __str__(self) -> str:
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"

    def text(self) -> str:
        """The allowed text of an error message: 'a finite number in (-100, inf)'."""
        return f"a finite number in {self}"


@dataclass(frozen=True)
class Parameter:
    """A named series of dated values.  ``source``/``reference``/``note`` describe the file
    that defined the series last; ``provenance`` keeps each dated value's own source, so a
    value inherited from an earlier agreement still cites that agreement."""

    name: str
    label: str
    unit: str
    period: str
    source: str
    reference: str
    values: dict[int, Any]
    note: str = ""
    provenance: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    allowed: Range | None = None
    vintage: int | None = None
    price_level: str = ""


@dataclass(frozen=True)
class Table:
    """A printed table of the agreement (Tabel 1) kept as rows."""

    name: str
    label: str
    unit: str
    source: str
    reference: str
    year: int
    rows: tuple[dict[str, Any], ...]
    price_level: str = ""


@dataclass(frozen=True)
class ParameterSet:
    """A named, validated parameter set; look-ups by name and year."""

    name: str
    title: str
    horizon: tuple[int, int]
    parameters: dict[str, Parameter]
    tables: dict[str, Table] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    budget_year: int | None = None

    # -- look-up ---------------------------------------------------------------------------
    def get(self, name: str, year: int | None = None) -> Value:
        """The :class:`Value` of ``name`` in ``year`` (default: the set's budget year)."""
        # A set is immutable: one Value per (name, year) looked up, found again by identity (a
        # single-cell catalogue call reads a few parameters; issue 10).  Only a plain int year
        # or None is a key, so 2014.0 and a bool still meet _year's checks and messages.
        key = (id(self), name, year) if type(name) is str and (year is None or type(year) is int) else None
        hit = _LOOKUPS.get(key) if key is not None else None
        if hit is not None and hit[0] is self:
            read = hit[1]
        else:
            read = self._look_up(name, year)
            if key is not None:
                if len(_LOOKUPS) > 4096:
                    _LOOKUPS.clear()
                _LOOKUPS[key] = (self, read)
        reads = _READS.get()
        if reads is not None:  # inside recording(): note what the caller read
            reads.append(read)
        return read

    def _look_up(self, name: str, year: int | None) -> Value:
        param = self._param(name)
        year = self._year(year)
        if param.period == "year":
            if year not in param.values:
                have = ", ".join(str(y) for y in sorted(param.values))
                raise XlmodelError("aar", year, f"a year for which {name} has a value: {have}",
                                   detail=f"parameter set {self.name}")
            found = year
        else:
            earlier = [y for y in param.values if y <= year]
            if not earlier:
                raise XlmodelError("aar", year, f"{min(param.values)} or later for {name}",
                                   detail=f"parameter set {self.name}")
            found = max(earlier)
        source, reference, note = param.provenance.get(
            found, (param.source, param.reference, param.note))
        return Value(name, year, param.values[found], param.unit, source, reference, param.label, note)

    def value(self, name: str, year: int | None = None) -> Any:
        return self.get(name, year).value

    def source(self, name: str, year: int | None = None) -> str:
        return self.get(name, year).source_text

    def rates(self, name: str) -> dict[int, float]:
        """All dated values of a year-by-year series (e.g. ``pl.service``)."""
        return dict(sorted(self._param(name).values.items()))

    # -- schemes that run over several years (vintages) -----------------------------------
    def schemes(self, name: str) -> dict[int, Parameter]:
        """Every scheme of a vintaged parameter by its start year (one entry if not vintaged).

        The newest scheme is ``name`` itself; earlier ones are ``name.ordning_START``.
        """
        latest = self._param(name)
        start = latest.vintage if latest.vintage is not None else min(latest.values)
        found = {start: latest}
        prefix = name + VINTAGE_SUFFIX
        for key, p in self.parameters.items():
            if key.startswith(prefix) and p.vintage is not None:
                found[p.vintage] = p
        return dict(sorted(found.items()))

    def scheme(self, name: str, start: int | None = None, year: int | None = None) -> Parameter:
        """The scheme of ``name`` that started in ``start``.

        ``start`` None: the newest scheme that started in or before ``year`` (default the set's
        budget year).  A start year with no scheme is an error listing the schemes.
        """
        schemes = self.schemes(name)
        have = ", ".join(str(y) for y in schemes)
        if start is None:
            when = self._year(year)
            earlier = [y for y in schemes if y <= when]
            if not earlier:
                raise XlmodelError("aar", when, f"a year in which a scheme of {name} runs (started: {have})",
                                   detail=f"parameter set {self.name}")
            return schemes[max(earlier)]
        if isinstance(start, bool) or not isinstance(start, int | float) or start != int(start):
            raise XlmodelError("ordning_aar", start, f"the start year of a scheme of {name}: {have}")
        if int(start) not in schemes:
            raise XlmodelError("ordning_aar", int(start), f"the start year of a scheme of {name}: {have}",
                               detail=f"parameter set {self.name}")
        return schemes[int(start)]

    def scheme_value(self, name: str, year: int | None = None, start: int | None = None,
                     after: Any = 0.0) -> Any:
        """The value of scheme ``start`` of ``name`` in ``year``; ``after`` once the scheme has ended.

        A scheme pays nothing after its last year (the 2014 tax-cut subsidy gives 0 in 2018):
        that is not an error.  A year before the scheme started is an error.

        >>> ps = load("aftale-2014")
        >>> ps.scheme_value("skat.nedsaettelse_tilskud_max", 2015, 2014)
        50.0
        >>> ps.scheme_value("skat.nedsaettelse_tilskud_max", 2018, 2014)
        0.0
        """
        if year is None:
            when = self._year(None)
        elif isinstance(year, bool) or not isinstance(year, int | float) or year != int(year):
            raise XlmodelError("aar", year, "a whole year")
        else:
            when = int(year)  # no horizon check: after its last year a scheme simply pays `after`
        p = self.scheme(name, start, min(when, self.horizon[1]))
        first, last = min(p.values), max(p.values)
        begin = p.vintage if p.vintage is not None else first
        if when < begin:
            raise XlmodelError("aar", when, f"{begin} or later (the scheme of {name} started in {begin})",
                               detail=f"parameter set {self.name}")
        if when > last:
            found, result = last, after
        elif p.period == "year":
            if when not in p.values:
                have = ", ".join(str(y) for y in sorted(p.values))
                raise XlmodelError("aar", when, f"a year for which {name} has a value: {have}",
                                   detail=f"parameter set {self.name}")
            found, result = when, p.values[when]
        else:
            found = max(y for y in p.values if y <= when)
            result = p.values[found]
        reads = _READS.get()
        if reads is not None:  # inside recording(): note what the caller read
            source, reference, note = p.provenance.get(found, (p.source, p.reference, p.note))
            reads.append(Value(p.name, when, result, p.unit, source, reference, p.label, note))
        return result

    def table(self, name: str) -> Table:
        if name not in self.tables:
            raise XlmodelError("tabel", name, ", ".join(sorted(self.tables)) or "(none)",
                               detail=f"parameter set {self.name}")
        return self.tables[name]

    def _dated(self, p: Parameter, year: int) -> Value:
        source, reference, note = p.provenance.get(year, (p.source, p.reference, p.note))
        return Value(p.name, year, p.values[year], p.unit, source, reference, p.label, note)

    def names(self) -> list[str]:
        return sorted(self.parameters)

    def to_frame(self) -> pd.DataFrame:
        """Every dated value as a row: name, year, value, unit, source, reference, label, note."""
        import pandas as pd  # lazy: Excel's UDF server and the refresh start faster without it

        rows = []
        for p in self.parameters.values():
            for year in sorted(p.values):
                v = self.get(p.name, year) if p.period == "year" else self._dated(p, year)
                rows.append({"name": p.name, "year": year, "value": v.value, "unit": p.unit,
                             "source": v.source, "reference": v.reference, "label": p.label,
                             "note": v.note})
        return pd.DataFrame(rows).sort_values(["name", "year"], ignore_index=True)

    # -- user overrides (assumptions are meant to be changed) -------------------------------
    def with_sheet(self, rows: Any) -> ParameterSet:
        """This set plus the user's changed values from a workbook's Parametre sheet.

        ``rows`` are (navn, aar, vaerdi) triples (or objects with those attributes), as the
        Parametre sheet holds them; a list value's elements are rows ``navn[i]``.  A value equal
        to the set's is no change; a changed one is taken, checked against the parameter's range
        and marked as the user's (source "bruger", the original value in the note).  Rows the set
        does not know are left to the validator (it reports them), never guessed.

        >>> ps = load("aftale-2014").with_sheet([("pension.diskonteringsrente", 2013, 2.5)])
        >>> ps.value("pension.diskonteringsrente"), ps.get("pension.diskonteringsrente").source
        (2.5, 'bruger')
        """
        out = self
        lists: dict[tuple[str, int], dict[int, Any]] = {}
        for row in rows:
            navn, aar, vaerdi = (row.navn, row.aar, row.vaerdi) if hasattr(row, "navn") else tuple(row)[:3]
            if not isinstance(navn, str) or isinstance(aar, bool) or not isinstance(aar, int | float):
                continue
            name, _, index = navn.strip().partition("[")
            param = self.parameters.get(name)
            year = int(aar)
            if param is None or year not in param.values or aar != year:
                continue
            if index:
                try:
                    lists.setdefault((name, year), {})[int(index.rstrip("]"))] = vaerdi
                except ValueError:
                    continue
                continue
            if not _same(param.values[year], vaerdi):
                out = out.with_value(name, year, _as_number(vaerdi, param))
        for (name, year), items in lists.items():
            current = list(self.parameters[name].values[year])
            changed = [_as_number(items.get(i, v), self.parameters[name]) for i, v in enumerate(current)]
            if not all(_same(a, b) for a, b in zip(current, changed, strict=True)):
                out = out.with_value(name, year, changed)
        return out

    def with_value(self, name: str, year: int, value: Any, *, reference: str = "") -> ParameterSet:
        """A copy with one dated value replaced, marked as the user's (source "bruger")."""
        param = self._param(name)
        old = self._dated(param, int(year)) if year in param.values else self.get(name, year)
        _check_range(self.name, f"{name}.values.{int(year)}", value, param)
        mark = (USER, reference or f"brugerens ændring af {old.reference}",
                "Ændret af brugeren; den oprindelige værdi var "
                f"{old.value} ({old.source_text}).")
        new = replace(param, values={**param.values, int(year): value},
                      provenance={**param.provenance, int(year): mark})
        return replace(self, parameters={**self.parameters, name: new})

    # -- helpers ------------------------------------------------------------------------------
    def _param(self, name: str) -> Parameter:
        if not isinstance(name, str) or name not in self.parameters:
            raise XlmodelError("navn", name, f"a parameter of {self.name}, e.g. "
                               + ", ".join(self.names()[:6]) + " … (xlmodel params lists all)")
        return self.parameters[name]

    def _year(self, year: Any) -> int:
        if year is None:
            if self.budget_year is None:
                raise XlmodelError("aar", year, "a year", detail=f"{self.name} has no budget year")
            return self.budget_year
        if isinstance(year, bool) or not isinstance(year, int | float) or year != int(year):
            raise XlmodelError("aar", year, "a whole year")
        lo, hi = self.horizon
        if not lo <= int(year) <= hi:
            raise XlmodelError("aar", int(year), f"a year in {lo}–{hi}",
                               detail=f"outside parameter set {self.name}")
        return int(year)


# ------------------------------------------------------------------------------- loading ----
#: The parameter reads of the current context while :func:`recording` runs (None: not recording).
#: ParameterSet.get's look-ups: (id(set), name, year) → (set, Value).
_LOOKUPS: dict[tuple[int, str, int | None], tuple[ParameterSet, Value]] = {}
_READS: contextvars.ContextVar[list[Value] | None] = contextvars.ContextVar("xlmodel_parameter_reads",
                                                                          default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Value]]:
    """Collect every parameter look-up (:meth:`ParameterSet.get`/``value``/``source`` and
    :meth:`ParameterSet.scheme_value`) made in this thread or context while the block runs.

    Each read is a :class:`Value` (name, year, value, unit, source); ``forklar`` uses it to name
    the parameters a catalogue function reads inside its core.  A context variable keeps threads
    apart; outside a block a look-up pays one ``ContextVar.get``.

    >>> ps = load("aftale-2014")
    >>> with recording() as reads:
    ...     _ = ps.value("pl.anlaeg", 2014)
    >>> [(r.name, r.year) for r in reads]
    [('pl.anlaeg', 2014)]
    """
    reads: list[Value] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def recording_active() -> bool:
    """Whether a :func:`recording` block runs in this context (a core that reads a whole series
    at once, such as the PL index, then notes the years it used with :func:`note_reads`)."""
    return _READS.get() is not None


def note_reads(ps: ParameterSet, name: str, years: Iterable[int]) -> None:
    """Inside :func:`recording`: note ``name`` in each of ``years`` as read from ``ps``.

    >>> ps = load("aftale-2014")
    >>> with recording() as reads:
    ...     note_reads(ps, "pl.service", [2014, 2014])
    >>> [(r.name, r.year, r.value) for r in reads]
    [('pl.service', 2014, 1.3)]
    """
    if _READS.get() is None:
        return
    for year in sorted(set(years)):
        ps.get(name, year)  # get() records the read, with its value and source


def search_path() -> list[Path]:
    """Folders searched for ``NAME.toml``: ``XLMODEL_PARAMS_PATH`` first, then the package."""
    extra = [Path(p) for p in os.environ.get("XLMODEL_PARAMS_PATH", "").split(os.pathsep) if p]
    return [*extra, PACKAGE_DIR]


def available() -> list[str]:
    """Names of the parameter sets on the search path."""
    return sorted({p.stem for d in search_path() if d.is_dir() for p in d.glob("*.toml")})


_BY_NAME: dict[tuple[str, str], ParameterSet] = {}


def load(name_or_path: str | os.PathLike[str] = DEFAULT) -> ParameterSet:
    """Load a parameter set by name (searched) or by file path, validated and cached.

    A set named by name is read once per process (Excel calls functions thousands of times:
    no file system work per call); :func:`reload` forgets the cache after editing a file.
    A set given as a path is re-read when the file changes.
    """
    key = (name_or_path, os.environ.get("XLMODEL_PARAMS_PATH", ""))
    if isinstance(name_or_path, str) and key in _BY_NAME:
        return _BY_NAME[key]
    path = _locate(name_or_path)
    ps = _load_cached(str(path.resolve()), key[1], path.stat().st_mtime_ns)
    if isinstance(name_or_path, str) and path.stem == name_or_path:
        _BY_NAME[key] = ps  # type: ignore[index]
    return ps


def reload() -> None:
    """Forget every cached parameter set (after editing a parameter file in a running session)."""
    _BY_NAME.clear()
    _load_cached.cache_clear()


def _locate(name_or_path: str | os.PathLike[str]) -> Path:
    text = os.fspath(name_or_path)
    if not isinstance(text, str) or not text:
        raise XlmodelError("params", name_or_path, "a parameter set name or a .toml file")
    candidate = Path(text)
    if candidate.suffix == ".toml" or os.sep in text:
        if candidate.is_file():
            return candidate
        raise XlmodelError("params", text, "an existing .toml file", detail="file not found")
    for folder in search_path():
        if (folder / f"{text}.toml").is_file():
            return folder / f"{text}.toml"
    raise XlmodelError("params", text, ", ".join(available()) or "(no parameter sets found)")


@lru_cache(maxsize=32)
def _load_cached(path: str, _env: str, _mtime: int) -> ParameterSet:
    return _build(Path(path), seen=())


def _build(path: Path, seen: tuple[str, ...]) -> ParameterSet:
    file = path.name
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterFileError(file, "(file)", f"not valid TOML ({exc})", "TOML syntax") from None
    meta = data.pop("meta", None)
    if not isinstance(meta, dict):
        raise ParameterFileError(file, "meta", "missing", "a [meta] table with name and horizon")
    _no_unknown(file, "meta", meta, META_KEYS)
    name = _need(file, "meta.name", meta.get("name"), str, "the set's name")
    if name != path.stem:
        raise ParameterFileError(file, "meta.name", f"'{name}' differs from the file name",
                                 f"'{path.stem}'")
    horizon = meta.get("horizon")
    if (not isinstance(horizon, list) or len(horizon) != 2
            or not all(isinstance(y, int) for y in horizon) or horizon[0] > horizon[1]):
        raise ParameterFileError(file, "meta.horizon", f"{horizon!r}", "[first_year, last_year]")
    budget_year = meta.get("budget_year")
    if budget_year is not None and not isinstance(budget_year, int):
        raise ParameterFileError(file, "meta.budget_year", repr(budget_year), "a whole year")

    params: dict[str, Parameter] = {}
    tables: dict[str, Table] = {}
    files: tuple[str, ...] = (str(path),)
    lo, hi = horizon
    parent_name = meta.get("extends")
    if parent_name is not None:
        try:  # a cycle is caught by the files' real paths: `extends` may name a set or a path
            parent_path = _locate(parent_name).resolve()
        except XlmodelError as exc:
            raise ParameterFileError(file, "meta.extends", str(exc), "an available parameter set") from None
        if str(parent_path) in (*seen, str(path.resolve())) or parent_name == name:
            raise ParameterFileError(file, "meta.extends", f"'{parent_name}' is circular",
                                     "a different, earlier parameter set")
        try:
            parent = _build(parent_path, seen=(*seen, str(path.resolve())))
        except XlmodelError as exc:
            raise ParameterFileError(file, "meta.extends", str(exc), "an available parameter set") from None
        params, tables, files = dict(parent.parameters), dict(parent.tables), (*parent.files, *files)
        lo, hi = min(lo, parent.horizon[0]), max(hi, parent.horizon[1])

    for key, node in _leaves(file, data):
        if "rows" in node:
            tables[key] = _table(file, key, node)
            continue
        param = _parameter(file, key, node, horizon)
        if key in params:  # a later agreement adds or revises dated values
            old = params[key]
            if old.unit != param.unit:
                raise ParameterFileError(file, f"{key}.unit", f"'{param.unit}' differs from "
                                         f"'{old.unit}' in the set it extends", f"'{old.unit}'")
            if old.vintage is not None or param.vintage is not None:
                old_start = old.vintage if old.vintage is not None else min(old.values)
                new_start = param.vintage if param.vintage is not None else min(param.values)
                if new_start != old_start:  # a new scheme: the earlier one is kept apart, whole
                    params[f"{key}{VINTAGE_SUFFIX}{old_start}"] = replace(
                        old, name=f"{key}{VINTAGE_SUFFIX}{old_start}", vintage=old_start)
                    params[key] = replace(param, vintage=new_start)
                    continue
                param = replace(param, vintage=old_start)
            param = replace(param, values={**old.values, **param.values},
                            provenance={**old.provenance, **param.provenance},
                            allowed=param.allowed)
        params[key] = param
    title = meta.get("title", name)
    return ParameterSet(name=name, title=str(title), horizon=(lo, hi), parameters=params,
                        tables=tables, files=files, budget_year=budget_year)


def _leaves(file: str, data: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for key, node in data.items():
        full = f"{prefix}{key}"
        if not isinstance(node, dict):
            raise ParameterFileError(file, full, f"a bare value {node!r}",
                                     "a table with label, unit, period, source, reference, values")
        if "values" in node or "rows" in node:
            out.append((full, node))
        else:
            out.extend(_leaves(file, node, prefix=f"{full}."))
    return out


def _parameter(file: str, key: str, node: dict[str, Any], horizon: list[int]) -> Parameter:
    _no_unknown(file, key, node, PARAM_KEYS)
    label = _need(file, f"{key}.label", node.get("label"), str, "a text label")
    unit = _need(file, f"{key}.unit", node.get("unit"), str, ", ".join(sorted(UNITS)))
    if unit not in UNITS:
        raise ParameterFileError(file, f"{key}.unit", f"unknown unit '{unit}'", ", ".join(sorted(UNITS)))
    period = node.get("period")
    if period not in PERIODS:
        raise ParameterFileError(file, f"{key}.period", repr(period), "'year' or 'from'")
    source, reference, note = _provenance(file, key, node)
    default_range = UNIT_RANGES.get(unit)
    allowed: Range | None = None
    if "range" in node or default_range is not None:
        try:
            allowed = Range.parse(node.get("range", default_range))
        except ValueError as exc:
            raise ParameterFileError(file, f"{key}.range", str(exc),
                                     'an interval such as "[0, 1]", "(-100, inf)" or "[0, 100]"') from None
    vintage = node.get("vintage")
    if vintage is not None and (isinstance(vintage, bool) or not isinstance(vintage, int)):
        raise ParameterFileError(file, f"{key}.vintage", repr(vintage),
                                 "the whole year the scheme started in, e.g. 2014")
    raw = node["values"]
    if not isinstance(raw, dict) or not raw:
        raise ParameterFileError(file, f"{key}.values", repr(raw), "a table {YEAR = value, …}")
    values: dict[int, Any] = {}
    for year_text, value in raw.items():
        try:
            year = int(year_text)
        except ValueError:
            raise ParameterFileError(file, f"{key}.values.{year_text}", "not a year",
                                     "whole years as keys, e.g. 2014 = 1.3") from None
        if period == "year" and not horizon[0] <= year <= horizon[1]:
            raise ParameterFileError(file, f"{key}.values.{year}", "outside meta.horizon",
                                     f"a year in {horizon[0]}–{horizon[1]}")
        if vintage is not None and year < vintage:
            raise ParameterFileError(file, f"{key}.values.{year}",
                                     f"before the scheme's start year {vintage}",
                                     f"years from {vintage} (key vintage)")
        values[year] = _typed(file, f"{key}.values.{year}", value, unit)
        if allowed is not None:
            for item in values[year] if isinstance(values[year], list) else [values[year]]:
                if not allowed.contains(item):
                    raise ParameterFileError(file, f"{key}.values.{year}", f"{item!r} is outside the range",
                                             f"{allowed.text()} (key range, or the default of unit '{unit}')")
    if period == "year" and key.startswith("pl."):
        _no_gaps(file, key, values)
    provenance = dict.fromkeys(values, (source, reference, note))
    price_level = node.get("price_level", "")
    if not isinstance(price_level, str):
        raise ParameterFileError(file, f"{key}.price_level", repr(price_level), 'text such as "2014-pl"')
    return Parameter(key, label, unit, period, source, reference, values, note, provenance,
                     allowed, vintage, price_level)


def _table(file: str, key: str, node: dict[str, Any]) -> Table:
    _no_unknown(file, key, node, TABLE_KEYS)
    source, reference, _ = _provenance(file, key, node)
    rows = node["rows"]
    if not isinstance(rows, list) or not rows:
        raise ParameterFileError(file, f"{key}.rows", repr(rows), "a list of rows")
    keys: set[str] = set()
    for i, row in enumerate(rows):
        where = f"{key}.rows[{i}]"
        if not isinstance(row, dict) or not {"key", "label", "amount", "kind"} <= set(row):
            raise ParameterFileError(file, where, repr(row), "{key, label, amount, kind[, parts]}")
        if row["kind"] not in {"line", "total", "memo"}:
            raise ParameterFileError(file, f"{where}.kind", repr(row["kind"]), "line, total or memo")
        _typed(file, f"{where}.amount", row["amount"], "mio. kr.")
        if not all(isinstance(v, str) for v in row.get("parts", [])):
            raise ParameterFileError(file, f"{where}.parts", repr(row["parts"]), "a list of row keys")
        for part in row.get("parts", []):
            if part not in keys:
                raise ParameterFileError(file, f"{where}.parts", f"'{part}' is not an earlier row",
                                         ", ".join(sorted(keys)))
        keys.add(row["key"])
    return Table(key, str(node.get("label", key)), str(node.get("unit", "")), source, reference,
                 int(node.get("year", 0)), tuple(rows), str(node.get("price_level", "")))


def _provenance(file: str, key: str, node: dict[str, Any]) -> tuple[str, str, str]:
    source = node.get("source")
    if source not in SOURCES:
        raise ParameterFileError(file, f"{key}.source", repr(source), "aftale, lov, udmelding or antagelse")
    reference = _need(file, f"{key}.reference", node.get("reference"), str,
                      "a human reference such as 'Aftale 2014, boks 1'")
    note = node.get("note", "")
    if source == "antagelse" and not note:
        raise ParameterFileError(file, f"{key}.note", "missing on an assumption",
                                 "a note saying what is assumed and why")
    return source, reference, str(note)


def _typed(file: str, where: str, value: Any, unit: str) -> Any:
    if unit == "tekst":
        return _need(file, where, value, str, "text (unit 'tekst')")
    if isinstance(value, list):
        if value and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return [_finite(file, where, v) for v in value]
        raise ParameterFileError(file, where, f"{value!r}", "a number or a list of numbers")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterFileError(file, where, f"wrong type {type(value).__name__} ({value!r})",
                                 "a number")
    return _finite(file, where, value)


def _finite(file: str, where: str, value: int | float) -> float:
    """A finite float, or the error: TOML reads ``nan``, ``inf`` and ``1e309`` (= inf) as floats."""
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        shown = f"{value!r}" if isinstance(value, float) else f"an integer of {len(str(abs(value)))} digits"
        raise ParameterFileError(file, where, f"{shown} is not a finite number",
                                 "a finite number (no nan, inf or values beyond ±1.8e308)")
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return str(a).strip() == str(b).strip()


def _as_number(value: Any, param: Parameter) -> Any:
    """A sheet cell as the parameter's type: numbers as float, text for unit 'tekst'."""
    if param.unit == "tekst" or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return float(value)


def _check_range(set_name: str, where: str, value: Any, param: Parameter) -> None:
    """A user's changed value meets the same checks as a value in the file."""
    if param.unit == "tekst":
        if not isinstance(value, str) or not value.strip():
            raise XlmodelError(where, value, "text (unit 'tekst')", detail=f"parameter set {set_name}")
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise XlmodelError(where, item, "a number", detail=f"parameter set {set_name}")
        f = float(item) if not isinstance(item, int) or abs(item) < 10**308 else math.inf
        if param.allowed is not None and not param.allowed.contains(f):
            raise XlmodelError(where, item, param.allowed.text(), detail=f"parameter set {set_name}")
        if not math.isfinite(f):
            raise XlmodelError(where, item, "a finite number", detail=f"parameter set {set_name}")


def _no_gaps(file: str, key: str, values: dict[int, Any]) -> None:
    years = sorted(values)
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        raise ParameterFileError(file, f"{key}.values", f"year gap: {missing} missing",
                                 "consecutive years (a chained PL factor needs every step)")


def _need(file: str, where: str, value: Any, kind: type, allowed: str) -> Any:
    if value is None:
        raise ParameterFileError(file, where, "missing", allowed)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise ParameterFileError(file, where, f"wrong type {type(value).__name__}", allowed)
    return value


def _no_unknown(file: str, where: str, node: dict[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(node) - known)
    if unknown:
        raise ParameterFileError(file, f"{where}.{unknown[0]}", "unknown key",
                                 ", ".join(sorted(known)))


def resolve(params: str | os.PathLike[str] | ParameterSet | None = None) -> ParameterSet:
    """Accept a set, a name or a path (None → the default set): what every mechanism calls."""
    if isinstance(params, ParameterSet):
        return params
    return load(DEFAULT if params is None else params)
