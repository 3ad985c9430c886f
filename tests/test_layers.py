"""Layers point one way: file format (ooxml) ← engine ← faces (excel, commands, validate).

An AST scan of every import (module level and inside functions, relative ones resolved) of
every module under xlmodel/engine and xlmodel/ooxml: none may import a face.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FACES = ("xlmodel.excel", "xlmodel.commands", "xlmodel.validate")


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``path``, relative imports made absolute."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out += [(node.lineno, base)] + [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return out


def _face(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FACES)


@pytest.mark.parametrize("layer", ["engine", "ooxml"])
def test_the_lower_layers_import_no_face(layer: str) -> None:
    files = sorted((ROOT / "xlmodel" / layer).glob("*.py"))
    assert files
    bad = [f"{p.relative_to(ROOT)}:{line}: {m}" for p in files for line, m in _imports(p) if _face(m)]
    assert bad == []


def test_the_scan_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The scan itself can fail: each way of writing an import of a face is caught."""
    probe = tmp_path / "xlmodel" / "engine" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("import xlmodel.excel\nfrom xlmodel.validate import book\nimport xlmodel.engine.keep\n"
                     "def f():\n    from ..commands import refresh\n    from xlmodel import excel\n",
                     encoding="utf-8")
    found = [m for _, m in _imports(probe, tmp_path) if _face(m)]
    assert found == ["xlmodel.excel", "xlmodel.validate", "xlmodel.validate.book", "xlmodel.commands",
                     "xlmodel.commands.refresh", "xlmodel.excel"]
