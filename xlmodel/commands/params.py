"""``xlmodel params``: the parameter set as a table with its sources."""

from __future__ import annotations

import argparse

from xlmodel import parameters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("params", help="vis et parametersæt med enheder og kilder")
    p.add_argument("--params", default=parameters.DEFAULT,
                   help=f"parametersættets navn eller en .toml-fil (standard {parameters.DEFAULT})")
    p.add_argument("--list", action="store_true", help="vis de tilgængelige parametersæt")
    p.add_argument("--csv", metavar="FIL", help="skriv også tabellen til en CSV-fil")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name in parameters.available():
            print(name)
        return 0
    import pandas as pd

    if args.csv:  # before any work: never over a workbook or the parameter file, never through a link
        from xlmodel.safeio import guard_output
        guard_output(args.csv, (args.params,) if str(args.params).endswith(".toml") else (),
                     report=True, flag="--csv")
    ps = parameters.load(args.params)
    frame = ps.to_frame()
    print(f"{ps.name}: {ps.title} (år {ps.horizon[0]}–{ps.horizon[1]}; {', '.join(ps.files)})")
    shown = frame.assign(value=frame["value"].map(_fmt))[
        ["name", "year", "value", "unit", "source", "reference"]].rename(columns=_KOLONNER)
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 60,
                           "display.width", 200):
        print(shown.to_string(index=False))
    for table in ps.tables.values():
        print(f"\n{table.label} ({table.unit}; {table.source}: {table.reference}): "
              f"{len(table.rows)} rækker — se `xlmodel demo` eller xlmodel.balance")
    if args.csv:
        from xlmodel.safe_csv import write_csv
        write_csv(frame, args.csv)  # ;-separated, decimal commas, BOM: Danish Excel
        print(f"Skrev {args.csv}")
    return 0


#: The table's headers as printed (the CSV keeps the frame's own column names).
_KOLONNER = {"name": "navn", "year": "år", "value": "værdi", "unit": "enhed", "source": "kilde",
             "reference": "reference"}


def _fmt(value: object) -> str:
    """A value in Danish notation: ``1,3``; ``75.479``; a list as ``[75; 50; 50; 25]``."""
    from xlmodel.tekst import format_vaerdi

    if isinstance(value, list):
        return "[" + "; ".join(format_vaerdi(v, aar=False) for v in value) + "]"
    return format_vaerdi(value, aar=False)
