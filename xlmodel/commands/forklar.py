"""``xlmodel forklar MODEL.xlsx 'Ark!A1' [--csv FIL]``: how one number is computed, down to its sources.

Prints the chain from the cell to its inputs (see :mod:`xlmodel.forklar`): each precedent's
formula and value, the catalogue function and the rule it applies with its law or agreement
section, each parameter with value, unit, year and source.  Exit 0; 2 on bad input.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("forklar", help="forklar et tal: kæden fra cellen ned til input, regler og kilder",
                       description="Vis hvordan en celle er regnet: formlerne ned til input, "
                                   "katalogfunktionernes regler og parametrenes værdi, enhed, år og kilde.")
    p.add_argument("workbook", metavar="MODEL.xlsx", help="regnearket (.xlsx/.xlsm)")
    p.add_argument("cell", metavar="ARK!CELLE", help="cellen, fx 'Budget!E5'")
    p.add_argument("--dybde", type=int, default=30, metavar="N", help="følg højst N niveauer (standard 30)")
    p.add_argument("--max-raekker", type=int, default=300, metavar="N",
                   help="højst N rækker (standard 300)")
    p.add_argument("--csv", metavar="FIL", help="skriv også tabellen som CSV")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlmodel.errors import XlmodelError
    from xlmodel.forklar import forklar, som_tekst

    for flag, value in (("--dybde", args.dybde), ("--max-raekker", args.max_raekker)):
        if value < 1:
            raise XlmodelError(flag, value, "1 or more")
    table = forklar(args.workbook, args.cell, max_depth=args.dybde, max_rows=args.max_raekker)
    print(f"{args.workbook}: {table.attrs['celle']}")
    print(som_tekst(table))
    if args.csv:
        from xlmodel.safe_csv import write_csv

        write_csv(table, args.csv)
        print(f"Skrev {args.csv}")
    return 0
