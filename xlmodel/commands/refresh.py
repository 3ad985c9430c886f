"""``xlmodel refresh IN.xlsx [-o OUT.xlsx] [--params NAME]``: recalculate a workbook without Excel.

Runs the "Opdater model" macro headless (:mod:`xlmodel.excel.macros` over a file): with
``--params`` the parameter set is first written into the Parametre sheet; every formula is
recalculated (catalogue functions included) and the cached values are written, keeping
formulas, styles, names, validation, comments and VBA; a Kontrol sheet, if the workbook has
one, gets the check results.  Exit 0: no error cells and no failed check; 1: some cell ends in
an error or a check failed; 2: bad input (missing file, not a workbook, unknown parameter set);
3: some cells were not recomputed (the engine could not compute them, so they keep the value
Excel cached; the report lists each with the reason, see xlmodel/engine/keep.py) — 3 wins over 1.
"""

from __future__ import annotations

import argparse

from xlmodel.errors import XlmodelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("refresh", help="recalculate a workbook headless and write the cached values")
    p.add_argument("workbook", metavar="IN.xlsx", help="the workbook (.xlsx or .xlsm)")
    p.add_argument("-o", "--output", metavar="OUT.xlsx",
                   help="write here instead of replacing the input (written atomically either way)")
    p.add_argument("--params", metavar="NAME",
                   help="parameter set (name or .toml file) to use and to write into the Parametre "
                        "sheet (default: aftale-2014; the Parametre sheet is then left as it is)")
    p.add_argument("--backup", action="store_true",
                   help="keep the previous version as NAME.bak.xlsx before replacing it")
    p.add_argument("--force", action="store_true",
                   help="write even if the workbook seems open in Excel (a ~$NAME lock file exists)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlmodel.excel.macros import FEJL, FileBook, opdater_model
    from xlmodel.safeio import guard_input, guard_output

    src = guard_input(args.workbook)  # a folder or a pipe is named as such, before any work
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise XlmodelError("IN.xlsx", str(src), "an .xlsx or .xlsm file",
                           detail=f"{src.suffix or 'no extension'}; .xls and .xlsb are not read")
    # Lock files, symlinks, -o onto the input: refused before anything is computed.
    if args.output is None:
        guard_output(src, in_place=True, force=args.force)
    else:
        guard_output(args.output, (src,), force=args.force)
    book = FileBook(src, args.output, args.params, backup=args.backup, force=args.force)
    findings = opdater_model(book, write_parameters=args.params is not None, write_kontrol=None)
    report = book.report
    assert report is not None  # opdater_model recalculated
    print(report.summary())
    failed = findings[(findings["status"] == FEJL) & (findings["kontrol"] != "fejlceller")]
    for row in failed.itertuples(index=False):
        print(f"check {row.kontrol}: {row.sted}: {row.besked}")
    if report.not_recomputed:
        return 3
    return 1 if report.error_cells or len(failed) else 0
