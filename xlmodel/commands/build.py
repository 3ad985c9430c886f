"""``xlmodel build [--out DIR] [--params NAME]``: generate the workbook models."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="generate the workbook models (default into workbooks/)")
    p.add_argument("--out", default="workbooks", help="output folder (default workbooks)")
    p.add_argument("--params", default=None, help="parameter set (default aftale-2014)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xlmodel.safeio import guard_output
    from xlmodel.workbooks import MODELS, build_all

    out = Path(args.out)
    if not out.exists():  # a new folder holds no lock file and no model: create it, then check
        out.mkdir(parents=True)
    for name in MODELS:  # lock files (open in Excel), symlinks, read-only: refused before any model is built
        guard_output(out / name, flag="--out")
    paths = build_all(args.out, args.params,
                      progress=lambda name: print(f"building {name} ({list(MODELS).index(name) + 1}"
                                                  f"/{len(MODELS)})", flush=True))
    for path in paths:
        print(f"wrote {path}")
    return 0
