"""No English in what a finance officer reads (issue 15 §1): a sweep over the refusals the command
line and the Excel face show when a workbook is opened, linted, built or written.

Every ``…Error(...)`` constructed in the files below is read from the source (AST), so a new
refusal is covered the day it is written.  Two kinds:

* :class:`~xlmodel.errors.XlmodelError` itself (and ``CellInputError``, ``ParameterFileError``) is
  shown through :func:`xlmodel.excel.danish.message`: its argument, value description, detail and
  what is allowed must each be translated by a rule there (or be Danish already);
* its subclasses that carry their own text (``SafeWriteError``, ``UnsafeFileError``, …) are
  shown as they are: their literal text must be Danish.

A text counts as English when, outside quotes and file or key names, it holds one of the common
English words in :data:`ENGLISH`.  The worked examples at the end render real errors end to end.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from xlmodel.errors import XlmodelError
from xlmodel.excel import danish

ROOT = Path(__file__).resolve().parents[1]
#: what opens, lints, builds and writes a workbook, and xlmodel's own parts of it
FILES = [
    "xlmodel/engine/package.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "xlmodel" / "ooxml").glob("*.py")),
    "xlmodel/workbooks/__init__.py",
    "xlmodel/validate/lint.py",
    "xlmodel/safeio.py",
    "xlmodel/excel/workbook_sheets.py",
    "xlmodel/excel/layout.py",
    "xlmodel/excel/macros.py",
    "xlmodel/excel/workbook_params.py",
    "xlmodel/excel/lite.py",
    "xlmodel/udfs.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "xlmodel" / "commands").glob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "xlmodel" / "validate").glob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "xlmodel" / "engine").glob("*.py")
            if p.name != "package.py"),
    "xlmodel/forklar.py",
    "xlmodel/kommuner.py",
    "xlmodel/safe_csv.py",
    "xlmodel/excel/xlsm.py",
    "xlmodel/excel/vba.py",
]
#: shown through danish.message (translated from their fields)
TRANSLATED = {"XlmodelError", "CellInputError", "ParameterFileError"}
#: Python's own exceptions: for developers (never reach a cell or the CLI as such)
BUILTIN = {"TypeError", "ValueError", "KeyError", "OSError", "AttributeError", "ImportError",
           "ModuleNotFoundError",  # raised to the CLI, which prints xlmodel.extras.missing_message
           "RuntimeError", "IndexError", "NotImplementedError", "AssertionError", "SystemExit"}
ENGLISH = re.compile(
    r"\b(allowed|number|blank|range|cell|cells|the|whole|year|text|finite|shape|values|column|row|rows|"
    r"of|with|from|to|above|below|or|and|an?|is|not|no|file|found|workbook|worksheet|sheet|sheets|name|names|"
    r"package|nothing|was|written|open|folder|path|lock|close|first|delete|stale|without|error|"
    r"parameter|set|defines|itself|rename|then|run|again|such|as|table|header|fewer|owns|that|"
    r"declares|saved|read|save|would|bytes|smaller|than|whose|parts|existing|supported|old|refused|"
    r"install|unset|using|own|empty|where|grows|needs|move|looks|beside|delete|if|has|it|its|"
    r"must|only|missing|unknown|invalid|expected|found|should)\b", re.I)
#: stand-ins for an f-string's placeholders when matching the translation rules
SAMPLES = ("2014", "x", "aftale-2014", "Ark1!A1", "P_x")


def _template(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with ``{}`` for each placeholder; None: not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def english(text: str) -> list[str]:
    """The English words of ``text`` outside quotes, placeholders and file/key/part names.

    >>> english("budget.xlsx: er en mappe; intet blev skrevet"), english("is a folder")
    ([], ['is', 'a', 'folder'])
    """
    body = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\{\}", " ", text)
    # commands to type and Excel's own menu names are not prose: pip install …, File → Import File
    body = re.sub(r"(?:pip|apt-get) install(?: \S+)?|File → Import File", " ", body)
    body = re.sub(r"\b[A-Z][A-Z0-9_]+\b", " ", body)  # CLI metavars and names: NAME, FILE, PATH
    body = re.sub(r"\S*[._/\[\]\\]\S*", " ", body)  # workbook.xml, _rels/.rels, xl/sharedStrings.xml
    return ENGLISH.findall(body)


def _translated(text: str) -> bool:
    return any(danish._known(text.replace("{}", s)) for s in SAMPLES)


def _texts() -> list[tuple[str, str, str, str]]:
    """(where, error class, role, text) for every string given to an error constructor in FILES."""
    out = []
    for rel in FILES:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            cls = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if not cls.endswith(("Error", "Fejl")) or cls in BUILTIN:
                continue
            roles = ["argument", "value", "allowed", "extra"] if cls != "ParameterFileError" else \
                ["file", "key", "problem", "allowed"]
            items = [(roles[min(i, 3)], a) for i, a in enumerate(node.args)]
            items += [(k.arg or "kwargs", k.value) for k in node.keywords]
            for role, arg in items:
                text = _template(arg)
                if text is not None and text.strip():
                    out.append((f"{rel}:{node.lineno}", cls, role, text))
    return out


TEXTS = _texts()


def test_the_sweep_reads_the_refusals() -> None:
    classes = {cls for _w, cls, _r, _t in TEXTS}
    assert {"XlmodelError", "SafeWriteError", "ParametreFejl"} <= classes
    assert len(TEXTS) > 80  # every refusal of these files, not a handful


def _problem(cls: str, role: str, text: str) -> list[str]:
    if cls in TRANSLATED:
        if role in ("argument", "file", "key"):
            return english(danish.argument_text(text))
        if role == "value":  # a description of the value; file names, identifiers and input stay
            rendered = danish.value_text(text)
            return [] if not rendered.startswith("teksten ") else english(text)
        return [] if _translated(text) else english(text)
    if role == "argument":  # a subclass shows its own text only (the file name, then the problem)
        return []
    return english(text)  # a subclass with its own text: shown as it is


@pytest.mark.parametrize(("where", "cls", "role", "text"), TEXTS, ids=[f"{w}-{r}" for w, _c, r, _t in TEXTS])
def test_no_english_in_what_a_refusal_shows(where: str, cls: str, role: str, text: str) -> None:
    left = _problem(cls, role, text)
    assert not left, (f"{where}: {cls} {role} {text!r} is English ({left}); add a rule to "
                      "xlmodel/excel/danish.py (XlmodelError) or write it in Danish (its subclasses)")


# ------------------------------------------------------------------ worked examples, end to end ----
def test_opening_a_text_file_as_a_workbook_is_refused_in_danish(tmp_path: Path) -> None:
    from xlmodel.cli import main

    bad = tmp_path / "budget.xlsx"
    bad.write_text("ikke en projektmappe", encoding="utf-8")
    from xlmodel.engine.package import Package

    with pytest.raises(XlmodelError) as info:
        Package(bad.read_bytes(), str(bad))
    text = danish.message(info.value)
    assert text.startswith(f"projektmappe: '{bad}' (ikke en projektmappe: ") and not english(
        text.split(" (", 1)[0] + text.rsplit(")", 1)[-1]), text
    assert "tilladt: en .xlsx- eller .xlsm-fil (en zip-pakke)" in text
    assert main(["validate", str(bad)]) == 2


def test_building_into_a_folder_is_refused_in_danish(tmp_path: Path) -> None:
    from xlmodel import workbooks
    from xlmodel.safeio import SafeWriteError

    (tmp_path / "pension_2014.xlsx").mkdir()
    with pytest.raises(SafeWriteError) as info:
        workbooks.build("pension_2014.xlsx", tmp_path)
    assert str(info.value) == (f"{tmp_path / 'pension_2014.xlsx'}: er en mappe; intet blev skrevet; "
                               "tilladt: stien til en projektmappefil")


def test_a_users_name_in_the_way_of_the_parametre_table_is_refused_in_danish() -> None:
    exc = XlmodelError("defined name P_pl_service", "'Mine'!$A$1", "a name xlmodel owns (it refers into "
                       "xlmodel's Parametre table)",
                       detail="the workbook defines it itself; rename that name, then run again")
    assert danish.message(exc) == (
        "det definerede navn P_pl_service: \"'Mine'!$A$1\" (projektmappen definerer det selv; "
        "omdøb navnet, og kør igen) er ikke tilladt; tilladt: et navn, som xlmodel ejer (det peger ind "
        "i xlmodels Parametre-tabel)")
