"""``xlmodel build [--out DIR] [--params NAME]``: generate the workbook models."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="byg regnearksmodellerne (standard i workbooks/)")
    p.add_argument("--out", default="workbooks", help="mappe der skrives i (standard workbooks)")
    p.add_argument("--params", default=None, help="parametersæt (standard aftale-2014)")
    p.add_argument("--quiet", action="store_true", help="ingen fremdriftslinje")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xlmodel.progress import Progress
    from xlmodel.safeio import guard_output
    from xlmodel.workbooks import MODELS, build_all

    out = Path(args.out)
    if not out.exists():  # a new folder holds no lock file and no model: create it, then check
        out.mkdir(parents=True)
    for name in MODELS:  # lock files (open in Excel), symlinks, read-only: refused before any model is built
        guard_output(Path(args.out) / name, flag="--out")
    with Progress(len(MODELS), "Bygger", quiet=args.quiet).tick() as bar:
        paths = build_all(args.out, args.params, progress=lambda name: bar.step(name))
    for path in paths:
        print(f"Skrev {path}")
    return 0
