"""The Excel function catalogue, read from ``catalogue.toml``: one source of truth.

The catalogue (name, category, help, arguments, result shape, core binding) drives the xlwings
registration (``xlmodel/udfs.py``), the headless engine's registration
(:mod:`xlmodel.engine`) and the function reference ``docs/functions.md``::

    python -m xlmodel.excel.catalogue --markdown > docs/functions.md

It imports nothing heavy (no numpy, no xlwings), so it is inspectable anywhere, including on
Linux where xlwings' decorators do nothing.

>>> fn = get("PL_REGULER")
>>> fn.signature()
'PL_REGULER(beloeb, fra_aar, til_aar, [serie])'
>>> [a.name for a in fn.required], fn.args[-1].default
(['beloeb', 'fra_aar', 'til_aar'], 'service')
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlmodel.errors import XlmodelError

PATH = Path(__file__).with_name("catalogue.toml")
KINDS = frozenset({"number", "year", "vector", "flags", "text", "table"})
RESULTS = frozenset({"scalar", "spill", "two_columns", "value", "table", "rows"})
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Argument:
    name: str
    kind: str
    help: str
    optional: bool = False
    default: Any = None
    default_from: str | None = None
    core_arg: str | None = None

    @property
    def keyword(self) -> str:
        """The core function's parameter this argument is passed as."""
        return self.core_arg or self.name


@dataclass(frozen=True)
class Function:
    name: str
    category: str
    help: str
    result: str
    core: str
    args: tuple[Argument, ...]

    @property
    def required(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.args if not a.optional)

    @property
    def optional(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.args if a.optional)

    def signature(self) -> str:
        """The Excel call as the issue's table writes it: optional arguments in brackets."""
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return f"{self.name}({', '.join(parts)})"

    def doc(self) -> str:
        """The help text with the arguments: what xlwings shows as the function's description."""
        lines = [self.help, "", self.signature()]
        lines += [f"  {a.name}: {a.help}" for a in self.args]
        return "\n".join(lines)

    def core_function(self) -> Any:
        """Import and return the bound core function (lazily: only when first called)."""
        return _import(self.core)


def _import(ref: str) -> Any:
    import importlib

    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@lru_cache(maxsize=1)
def _load(path: str) -> tuple[Function, ...]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out: list[Function] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("function", [])):
        where = f"{Path(path).name}: function[{i}]"
        name = raw.get("name", "")
        if not name or name != name.upper() or name in seen:
            raise XlmodelError(f"{where}.name", name, "a unique upper-case Excel name")
        seen.add(name)
        if raw.get("result") not in RESULTS:
            raise XlmodelError(f"{name}.result", raw.get("result"), ", ".join(sorted(RESULTS)))
        if ":" not in raw.get("core", ""):
            raise XlmodelError(f"{name}.core", raw.get("core"), "'module:function'")
        args: list[Argument] = []
        for a in raw.get("args", []):
            if a.get("kind") not in KINDS:
                raise XlmodelError(f"{name}.{a.get('name')}.kind", a.get("kind"), ", ".join(sorted(KINDS)))
            if args and args[-1].optional and not a.get("optional", False):
                raise XlmodelError(f"{name}.{a['name']}", "required after optional",
                                   "optional arguments last")
            args.append(Argument(
                name=a["name"], kind=a["kind"], help=a.get("help", ""),
                optional=bool(a.get("optional", False)), default=a.get("default"),
                default_from=a.get("default_from"), core_arg=a.get("core_arg")))
        out.append(Function(name, raw.get("category", "xlmodel"), raw.get("help", ""),
                            raw["result"], raw["core"], tuple(args)))
    return tuple(out)


def functions() -> tuple[Function, ...]:
    """Every catalogue function, in catalogue order."""
    return _load(str(PATH))


def names() -> list[str]:
    return [f.name for f in functions()]


def get(name: str) -> Function:
    """The catalogue entry for an Excel name (case-insensitive)."""
    key = str(name).upper()
    for fn in functions():
        if fn.name == key:
            return fn
    raise XlmodelError("function", name, "a catalogue function: " + ", ".join(names()))


# ------------------------------------------------------------------------------ reference docs
_KIND_TEXT = {
    "number": "number or range",
    "year": "whole year or range",
    "vector": "one row or column",
    "flags": "TRUE/FALSE per row",
    "text": "text, single cell",
    "table": "2-column range",
}
_RESULT_TEXT = {
    "scalar": "one value per cell of the inputs",
    "spill": "spills: one value per municipality",
    "two_columns": "spills: two columns (individual, collective) per municipality",
    "value": "the value (a list value spills as a row)",
    "table": "spills: a header row, then one row per municipality (one column per scheme and the total)",
    "rows": "spills: a header row, then the rows of the result (single-cell arguments; dates as Excel dates)",
}


def _result_text(fn: Function) -> str:
    if fn.result == "scalar" and not any(a.kind in ("number", "year") for a in fn.args):
        return "one value"
    return _RESULT_TEXT[fn.result]


def _default_text(a: Argument) -> str:
    if not a.optional:
        return ""
    text = f"`{a.default}`" if a.default is not None else "the core's default"
    if a.default_from:
        text += f" (parameter `{a.default_from}`)"
    return text


def markdown() -> str:
    """The function reference, generated from the catalogue (docs/functions.md)."""
    out = [
        "# Excel function reference",
        "",
        "<!-- Generated from xlmodel/excel/catalogue.toml by "
        "`python -m xlmodel.excel.catalogue --markdown > docs/functions.md`; do not edit. -->",
        "",
        "Every function takes single cells or ranges. Scalars broadcast over ranges; a range in "
        "gives a same-shaped spilled array out; ranges of different shapes are an error. "
        "Optional arguments left out or blank take the default shown (the active parameter set's "
        "value where a parameter is named). A blank cell inside a range is an error naming the "
        "argument and the position; it is never read as 0. A whole column or row (`A:A`, `1:1`, "
        "typed or through a defined name) is read down to (across to) its last non-empty cell, so "
        "both forms give the same result; a blank cell before that is an error as above. A finite "
        "range (`A1:A100`) must be full: blank cells at its end are an error too. Invalid input "
        "gives an error value "
        "whose message names the argument and what is allowed (see `docs/engine.md`).",
        "",
        "| function | arguments | result |",
        "|---|---|---|",
    ]
    for fn in functions():
        out.append(f"| [`{fn.name}`](#{fn.name.lower()}) | {fn.signature()[len(fn.name) + 1:-1]} "
                   f"| {_result_text(fn)} |")
    category = None
    for fn in functions():
        if fn.category != category:
            category = fn.category
            out += ["", f"## {category}"]
        out += ["", f"### {fn.name}", "", f"`={fn.signature()}`", "", fn.help + ".", "",
                f"Result: {_result_text(fn)}. Core: `{fn.core}`.", "",
                "| argument | kind | optional | default | help |", "|---|---|---|---|---|"]
        for a in fn.args:
            out.append(f"| `{a.name}` | {_KIND_TEXT[a.kind]} | {'yes' if a.optional else ''} "
                       f"| {_default_text(a)} | {a.help} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--markdown"]:
        sys.stdout.write(markdown())
        return 0
    if args in ([], ["--list"]):
        for fn in functions():
            print(fn.signature())
        return 0
    print("usage: python -m xlmodel.excel.catalogue [--list | --markdown]", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
