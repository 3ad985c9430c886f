"""``xlmodel excel init NAME`` / ``xlmodel excel init --models``: workbooks for Windows Excel.

Writes ``NAME.xlsm`` with the xlwings VBA project, an ``xlwings.conf`` sheet and the buttons
"Opdater model" and "Valider" (:mod:`xlmodel.excel.xlsm`).  ``NAME`` may be an existing .xlsx
(``budget.xlsx`` → ``budget.xlsm``, the .xlsx left as it is; refused if ``budget.xlsm`` exists)
or .xlsm (completed in place).  ``--models`` completes an existing model .xlsm in place too.
Running it again adds only what is missing.  Needs the ``excel`` extra (xlwings ships the VBA
project it copies).  Exit 0 on success, 2 on bad input.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlmodel.excel.xlsm import InitResult


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("excel", help="gør regneark klar til Excel med xlwings (xlmodel excel init NAVN)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="skriv NAVN.xlsm: xlwings-VBA, xlwings.conf og de to knapper")
    init.add_argument("name", nargs="?", metavar="NAVN",
                      help="regnearket: NAVN eller NAVN.xlsm (nyt eller eksisterende) eller en "
                           "eksisterende NAVN.xlsx")
    init.add_argument("--models", action="store_true",
                      help="gør det for de medfølgende modeller (bygget på ny) i stedet for NAVN")
    init.add_argument("--out", default=".", help="mappe til --models (standard: den aktuelle mappe)")
    init.add_argument("--interpreter", metavar="PYTHON.EXE",
                      help="Interpreter_Win i xlwings.conf (standard: denne Python på Windows, "
                           "ellers xlwings' standard 'python')")
    p.set_defaults(func=run)


def _target(name: str) -> tuple[Path, Path | None]:
    from xlmodel.excel.xlsm import InitError

    path = Path(name)
    if path.suffix.lower() == ".xlsx":
        if not path.is_file():
            raise InitError("NAME", name, f"{name} findes ikke; angiv en eksisterende .xlsx eller et navn "
                            "til en ny .xlsm")
        target = path.with_suffix(".xlsm")
        if target.exists():  # never replace the user's .xlsm with a conversion of the .xlsx
            raise InitError("NAME", name, f"{target.name} findes allerede og erstattes ikke; kør "
                            f"xlmodel excel init {target} for at gøre den færdig")
        return target, path
    if path.suffix.lower() != ".xlsm":
        path = path.with_name(path.name + ".xlsm")
    return path, None


def _report(result: InitResult) -> None:
    if result.changed:
        print(f"skrev {result.path}: " + "; ".join(result.added))
    else:
        print(f"{result.path}: intet manglede (" + "; ".join(result.present) + ")")
    for note in result.notes:
        print(f"  bemærk: {note}")


def run(args: argparse.Namespace) -> int:
    from xlmodel.excel.xlsm import InitError, default_interpreter, init, quickstart_path

    quickstart_path()  # xlwings missing → one line naming the extra, before anything is written
    interpreter = args.interpreter or default_interpreter()
    if args.models == bool(args.name):
        raise InitError("NAME", args.name or "", "angiv enten NAME eller --models")
    if args.name:
        target, source = _target(args.name)
        _report(init(target, source, interpreter))
        return 0
    from xlmodel.workbooks import MODELS, build

    out = Path(args.out)
    if not out.is_dir():
        raise InitError("--out", str(out), f"mappen {out} findes ikke")
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODELS:
            built = build(name, tmp)
            target = out / (Path(built).stem + ".xlsm")
            # an existing .xlsm is the user's: completed in place, never replaced by a new build
            _report(init(target, None if target.exists() else Path(built), interpreter))
    return 0
