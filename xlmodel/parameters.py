"""Legislation as data: parameter sets read from TOML files of dated values.

Each agreement is one file in ``xlmodel/parametre/`` (or any folder on
``XLMODEL_PARAMS_PATH``).  A parameter is a table with ``label``, ``unit``,
``period``, ``source`` (aftale / lov / antagelse), ``reference`` and
``values`` keyed by year; ``antagelse`` parameters also carry a ``note``.
A file may say ``extends = "aftale-2014"`` to add a new year's values on top of
an earlier set: the next agreement is a new file, never a code change.

>>> ps = load("aftale-2014")
>>> ps.value("pl.service", 2014)
1.3
>>> ps.source("pl.service", 2014)
'aftale: Aftale 2014, boks 1'
"""

from __future__ import annotations

import os
import tomllib
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
SOURCES = frozenset({"aftale", "lov", "antagelse"})
PERIODS = frozenset({"year", "from"})
PARAM_KEYS = frozenset({"label", "unit", "period", "source", "reference", "note", "values"})
TABLE_KEYS = frozenset({"label", "unit", "period", "source", "reference", "note", "year", "rows"})
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
    def with_value(self, name: str, year: int, value: Any, *, reference: str = "") -> ParameterSet:
        """A copy with one dated value replaced, marked as the user's own assumption."""
        param = self._param(name)
        old = self.get(name, year)
        mark = ("antagelse", reference or f"brugerens ændring af {old.reference}",
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
            param = replace(param, values={**old.values, **param.values},
                            provenance={**old.provenance, **param.provenance})
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
        values[year] = _typed(file, f"{key}.values.{year}", value, unit)
    if period == "year" and key.startswith("pl."):
        _no_gaps(file, key, values)
    provenance = dict.fromkeys(values, (source, reference, note))
    return Parameter(key, label, unit, period, source, reference, values, note, provenance)


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
        for part in row.get("parts", []):
            if part not in keys:
                raise ParameterFileError(file, f"{where}.parts", f"'{part}' is not an earlier row",
                                         ", ".join(sorted(keys)))
        keys.add(row["key"])
    return Table(key, str(node.get("label", key)), str(node.get("unit", "")), source, reference,
                 int(node.get("year", 0)), tuple(rows))


def _provenance(file: str, key: str, node: dict[str, Any]) -> tuple[str, str, str]:
    source = node.get("source")
    if source not in SOURCES:
        raise ParameterFileError(file, f"{key}.source", repr(source), "aftale, lov or antagelse")
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
            return [float(v) for v in value]
        raise ParameterFileError(file, where, f"{value!r}", "a number or a list of numbers")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterFileError(file, where, f"wrong type {type(value).__name__} ({value!r})",
                                 "a number")
    return float(value)


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
