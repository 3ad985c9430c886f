"""``xlmodel validate IN.xlsx [--params NAME] [--json] [--html REPORT.html] [--checks a,b]``.

Exit 0: no error finding; 1: at least one error finding; 2: bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="lint a workbook, check footing, parameters and recompute")
    p.add_argument("workbook", metavar="IN.xlsx", help="the workbook (.xlsx or .xlsm)")
    p.add_argument("--params", metavar="NAME", help="parameter set the workbook should follow "
                   "(default aftale-2014)")
    p.add_argument("--json", action="store_true", help='print {"findings": [...]} as JSON')
    p.add_argument("--html", metavar="REPORT.html", help="also write a readable HTML report")
    p.add_argument("--checks", metavar="a,b", help="only these checks (default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from xlmodel.safeio import atomic_write_file
    from xlmodel.validate import validate
    from xlmodel.validate.html import render

    path = Path(args.workbook)  # validate() checks the file first: hostile or broken → exit 2
    if args.html:  # never over the workbook (or any workbook), never through a symlink
        from xlmodel.safeio import guard_output
        guard_output(args.html, (path,), report=True, flag="--html")
    checks = [c.strip() for c in args.checks.split(",")] if args.checks else None
    report = validate(path, params=args.params, checks=checks)
    if args.html:
        text = render(report)
        atomic_write_file(args.html, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if args.json:
        print(report.to_json(indent=1))
    else:
        print(f"{path}: {len(report.findings)} findings "
              f"({', '.join(f'{int(n)} {s}' for s, n in report.findings['severity'].value_counts().items())})"
              if len(report.findings) else f"{path}: no findings")
        shown = report.findings[report.findings["severity"] != "info"].head(40)
        if not shown.empty:
            with pd.option_context("display.max_colwidth", 70, "display.width", 200):
                print(shown[["severity", "check", "sheet", "cell", "message"]].to_string(index=False))
        if args.html:
            print(f"wrote {args.html}")
    return 1 if report.has_errors else 0
