"""``xlmodel params``: the parameter set as a table with its sources."""

from __future__ import annotations

import argparse

from xlmodel import parameters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("params", help="show a parameter set with units and sources")
    p.add_argument("--params", default=parameters.DEFAULT,
                   help=f"parameter set name or .toml file (default {parameters.DEFAULT})")
    p.add_argument("--list", action="store_true", help="list the available parameter sets")
    p.add_argument("--csv", metavar="FILE", help="also write the table to a CSV file")
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
        ["name", "year", "value", "unit", "source", "reference"]]
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 60,
                           "display.width", 200):
        print(shown.to_string(index=False))
    for table in ps.tables.values():
        print(f"\n{table.label} ({table.unit}; {table.source}: {table.reference}): "
              f"{len(table.rows)} rows — see `xlmodel demo` or xlmodel.balance")
    if args.csv:
        from xlmodel.safe_csv import write_csv
        write_csv(frame, args.csv)  # ;-separated, decimal commas, BOM: Danish Excel
        print(f"wrote {args.csv}")
    return 0


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)
