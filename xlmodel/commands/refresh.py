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
from typing import Any

from xlmodel.errors import XlmodelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("refresh", help="genberegn et regneark uden Excel og gem de beregnede værdier",
                       description="Genberegn hver formel (katalogfunktionerne med) og gem værdierne; "
                                   "formler, formater, navne og makroer bevares. Afslutningskode 0: "
                                   "ingen fejlceller; 1: fejlceller eller en fejlet kontrol; "
                                   "2: ugyldigt input.")
    p.add_argument("workbook", metavar="IN.xlsx", help="regnearket (.xlsx eller .xlsm)")
    p.add_argument("-o", "--output", metavar="UD.xlsx",
                   help="gem her i stedet for at erstatte input (skrives atomisk under alle "
                        "omstændigheder)")
    p.add_argument("--params", metavar="NAVN",
                   help="parametersæt (navn eller .toml-fil) der bruges og skrives i Parametre-arket "
                        "(standard: aftale-2014; Parametre-arket bliver da som det er)")
    p.add_argument("--backup", action="store_true",
                   help="gem den forrige version som NAVN.bak.xlsx, før den erstattes")
    p.add_argument("--force", action="store_true",
                   help="skriv, selv om regnearket ser ud til at være åbent i Excel "
                        "(en ~$NAVN-låsefil findes)")
    p.add_argument("--quiet", action="store_true", help="ingen fremdriftslinje")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlmodel.excel.macros import FEJL, FileBook, opdater_model_rows
    from xlmodel.safeio import guard_input, guard_output

    src = guard_input(args.workbook)  # a folder or a pipe is named as such, before any work
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise XlmodelError("IN.xlsx", str(src), "an .xlsx or .xlsm file",
                           detail=f"{src.suffix or 'ingen filtype'}; .xls og .xlsb læses ikke")
    # Lock files, symlinks, -o onto the input: refused before anything is computed.
    if args.output is None:
        guard_output(src, in_place=True, force=args.force)
    else:
        guard_output(args.output, (src,), force=args.force)
    from xlmodel.progress import Progress

    with Progress(None, "Opdaterer", quiet=getattr(args, "quiet", False)).tick() as bar:
        bar.show(f"{src.name}: læser")
        book = FileBook(src, args.output, args.params, backup=args.backup, force=args.force)
        bar.show(f"{src.name}: beregner")
        findings = opdater_model_rows(book, write_parameters=args.params is not None, write_kontrol=None)
    report = book.report
    assert report is not None  # opdater_model recalculated
    print(opsummering(report))
    failed = [row for row in findings if row[1] == FEJL and row[0] != "fejlceller"]
    for kontrol, _, sted, besked in failed:
        print(f"kontrol {kontrol}: {sted}: {besked}")
    if report.not_recomputed:
        return 3
    return 1 if report.error_cells or len(failed) else 0


def opsummering(report: Any) -> str:
    """What a refresh did, in Danish (the terminal's text; :class:`RefreshReport` has the data)."""
    from xlmodel.tekst import format_tal

    line = f"{format_tal(report.cells_computed, 0)} formelceller beregnet"
    if report.spilled_cells:
        line += f" ({format_tal(report.spilled_cells, 0)} spildte celler)"
    line += f" med parametersættet {report.params} på {format_tal(report.elapsed, 2)} s"
    if report.output:
        line += f"; skrev {report.output}"
    lines = [line]
    if report.error_cells:
        n = len(report.error_cells)
        lines.append(f"{format_tal(n, 0)} {'celle ender' if n == 1 else 'celler ender'} i en fejl:")
        for e in report.error_cells:
            lines.append(f"  {e.sheet}!{e.cell}: {e.error}" + (f"  {e.message}" if e.message else ""))
    else:
        lines.append("ingen fejlceller")
    if report.not_recomputed:
        n = len(report.not_recomputed)
        lines.append(f"{format_tal(n, 0)} {'celle er' if n == 1 else 'celler er'} ikke genberegnet "
                     "(Excels værdi er beholdt):")
        lines += [f"  {k.sheet}!{k.cell}: {k.reason}" for k in report.not_recomputed]
    lines += [f"advarsel: {w}" for w in report.warnings]
    return "\n".join(lines)
