"""``xlmodel validate IN.xlsx|FOLDER ... [--params NAME] [--checks a,b] [--all] [--json] [--html PATH]``.

One workbook: counts by severity and check, then the findings (the first ``--max`` or, with
``--all``, every one; a last line says how many more there are).  A folder or several files:
validated in parallel processes (or on Dask with ``--dask ADDRESS``), one line per file, a
combined JSON (``--json``) and an HTML index linking one report per file (``--html FOLDER``).

Exit 0: no error finding; 1: at least one error finding (in any file); 2: bad input (one
line, no traceback; in a batch, a file that could not be read).
Everything printed is Danish (docs/glossary.md); JSON keys and check names stay as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: Findings printed for one workbook unless ``--all`` or ``--max``.
DEFAULT_MAX = 30


def register(sub: argparse._SubParsersAction) -> None:
    from xlmodel.validate import CHECKS, GROUPS

    p = sub.add_parser(
        "validate", help="kontrollér regneark: formler, totaler, parametre og genberegning",
        description="Kontrollér et eller flere regneark uden Excel. En mappe eller flere filer "
                    "kontrolleres parallelt. Afslutningskode 0: ingen fejl; 1: mindst én fejl; "
                    "2: ugyldigt input.")
    p.add_argument("workbook", metavar="IN", nargs="+",
                   help="regneark (.xlsx/.xlsm) eller mapper med regneark")
    p.add_argument("--params", metavar="NAVN", help="parametersættet regnearket skal følge "
                   "(standard aftale-2014)")
    p.add_argument("--checks", metavar="a,b",
                   help="kun disse kontroller (standard: alle). Grupper: alle, "
                        + ", ".join(GROUPS) + ". Kontroller: " + ", ".join(CHECKS))
    p.add_argument("--all", action="store_true", help="vis alle fund, ikke kun de første")
    p.add_argument("--max", type=int, default=DEFAULT_MAX, metavar="N",
                   help=f"vis højst N fund (standard {DEFAULT_MAX})")
    p.add_argument("--json", action="store_true",
                   help='skriv fundene som JSON: {"findings": [...]} (flere filer: {"files": [...]})')
    p.add_argument("--html", metavar="RAPPORT",
                   help="skriv også en HTML-rapport (flere filer: en mappe med index.html og én "
                        "rapport pr. fil)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="antal processer til flere filer (standard: én pr. kerne)")
    p.add_argument("--dask", metavar="ADRESSE",
                   help="kør på en Dask-klynge, fx tcp://127.0.0.1:8786 (kræver xlmodel[dask])")
    p.add_argument("--quiet", action="store_true", help="ingen fremdriftslinje")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlmodel.errors import XlmodelError
    from xlmodel.validate import expand_checks
    from xlmodel.validate.batch import workbooks

    checks = expand_checks(args.checks) if args.checks else None
    if args.max < 0:
        raise XlmodelError("--max", args.max, "0 or more findings")
    single = len(args.workbook) == 1 and not Path(args.workbook[0]).is_dir()
    if single and args.dask is None:
        return _one(args, Path(args.workbook[0]), checks)
    paths = workbooks(args.workbook)
    if not paths:
        raise XlmodelError("IN", ", ".join(args.workbook), "a folder with .xlsx/.xlsm files",
                           detail="no workbooks found")
    return _many(args, paths, checks)


# ---------------------------------------------------------------------------------- one file ----
def _one(args: argparse.Namespace, path: Path, checks: list[str] | None) -> int:
    from xlmodel.progress import Progress
    from xlmodel.validate import validate

    if args.html:  # never over the workbook (or any workbook), never through a symlink
        from xlmodel.safeio import guard_output
        guard_output(args.html, (path,), report=True, flag="--html")
    with Progress(None, "Kontrollerer", quiet=args.quiet) as bar:
        bar.show(path.name)
        report = validate(path, params=args.params, checks=checks)  # checks the file first → exit 2
    if args.html:
        _write_html(Path(args.html), _page(report, path))
    if args.json:
        print(report.to_json(indent=1))
        return 1 if report.has_errors else 0
    for line in summary_lines(report, path):
        print(line)
    for line in finding_lines(report, None if args.all else args.max,
                              html=bool(args.html)):
        print(line)
    if args.html:
        print(f"Skrev {args.html}")
    return 1 if report.has_errors else 0


def _page(report: Any, path: Path) -> str:
    """The HTML page, with the model's outputs explained (linked) where they can be traced."""
    from xlmodel.errors import XlmodelError
    from xlmodel.validate.html import render

    try:
        from xlmodel.forklar import forklar_fil, outputs

        explained = forklar_fil(path, outputs(path))
    except (ImportError, XlmodelError):  # no engine installed, or a file it cannot trace
        explained = {}
    return render(report, workbook=path, forklaringer=explained)


def summary_lines(report: Any, path: Path | str) -> list[str]:
    """The head of the terminal output: totals by severity, then counts by severity and check."""
    from xlmodel.tekst import status

    if not len(report):
        return [f"{path}: ingen fund ({len(report.checks)} kontroller)"]
    lines = [f"{path}: {_counts_text(report.counts())}"]
    summary = report.summary_counts()
    width = max(len(check) for _, check, _ in summary)
    lines.append("")
    lines.append(f"  {'status':<9} {'kontrol':<{width}}  antal")
    for severity, check, count in summary:
        lines.append(f"  {status(severity):<9} {check:<{width}}  {_tal(int(count)):>5}")
    return lines


def finding_lines(findings: Any, limit: int | None, *, html: bool = False) -> list[str]:
    """One line per finding (``status kontrol ark!celle: besked``), the first ``limit`` (None:
    all), then ``… og 1.460 flere; brug --all eller --html``.  ``findings``: a
    :class:`~xlmodel.validate.Report` or its findings DataFrame."""
    from xlmodel.tekst import format_vaerdi, status

    rows = findings.rows() if hasattr(findings, "rows") else list(
        findings.itertuples(index=False, name=None))
    if not rows:
        return []
    shown = rows if limit is None else rows[:limit]
    lines = ["", "Fund:"]
    for check, severity, sheet, cell, message, expected, actual, _difference, _formula in shown:
        where = f"{sheet}!{cell}" if sheet and cell else (sheet or cell or "regnearket")
        extra = ""
        if expected is not None and actual is not None and not _blank(expected):
            extra = f" (forventet {format_vaerdi(expected)}, fundet {format_vaerdi(actual)})"
        lines.append(f"  {status(severity):<9} {check:<20} {where}: {message}{extra}")
    rest = len(rows) - len(shown)
    if rest > 0:
        hint = "brug --all" if html else "brug --all eller --html"
        lines.append(f"  … og {_tal(rest)} {'mere' if rest == 1 else 'flere'}; {hint}")
    return lines


def _blank(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _tal(n: int) -> str:
    from xlmodel.tekst import format_tal

    return format_tal(n, 0)


def _counts_text(counts: dict[str, int]) -> str:
    from xlmodel.tekst import antal

    return ", ".join(antal(int(counts.get(code, 0)), code) for code in ("error", "warning", "info"))


def _write_html(target: Path, text: str) -> None:
    from xlmodel.safeio import atomic_write_file, guard_output

    guard_output(target, report=True, flag="--html")  # never over a workbook, never through a symlink
    atomic_write_file(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


# -------------------------------------------------------------------------------- many files ----
def _many(args: argparse.Namespace, paths: list[Path], checks: list[str] | None) -> int:
    from xlmodel.progress import Progress
    from xlmodel.validate.batch import validate_many

    if args.html:  # the index is refused (symlink, a workbook, locked) before any work is done
        from xlmodel.safeio import guard_output

        index, folder = _batch_targets(Path(args.html))
        folder.mkdir(parents=True, exist_ok=True)
        guard_output(index, paths, report=True, flag="--html")
    with Progress(len(paths), "Kontrollerer", quiet=args.quiet or args.json) as bar:
        results = validate_many(paths, args.params, checks, workers=args.jobs, dask=args.dask,
                                on_result=lambda r: bar.step(Path(r.path).name))
    if args.html:
        index = write_batch_html(Path(args.html), results)
    if args.json:
        print(json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False,
                         allow_nan=False, indent=1))
    else:
        width = max(len(str(r.path)) for r in results)
        for r in results:
            text = f"ikke kontrolleret: {r.problem}" if r.problem else _counts_text(r.counts)
            print(f"{r.path!s:<{width}}  {text}")
        with_errors = sum(1 for r in results if r.has_errors)
        totals = {code: sum(r.counts[code] for r in results) for code in ("error", "warning", "info")}
        print(f"\n{_tal(len(results))} regneark: {_tal(with_errors)} med fejl; i alt {_counts_text(totals)}")
        if args.html:
            print(f"Skrev {index}")
    if any(r.problem for r in results):
        print("xlmodel validate: " + "; ".join(f"{r.path}: {r.problem}" for r in results if r.problem),
              file=sys.stderr)
        return 2
    return 1 if any(r.has_errors for r in results) else 0


def write_batch_html(target: Path, results: list[Any]) -> Path:
    """``target/index.html`` (or ``target`` itself when it ends in .html, with the reports in
    ``<name>_filer/``) linking one report per file; returns the index's path."""
    from xlmodel.safeio import guard_output
    from xlmodel.validate.html import render, render_index

    index, folder = _batch_targets(target)
    folder.mkdir(parents=True, exist_ok=True)
    inputs = [r.path for r in results]
    links: list[tuple[Any, str | None]] = []
    used: set[str] = set()
    for r in results:
        if r.problem:
            links.append((r, None))
            continue
        name = Path(r.path).stem + ".html"
        while name in used:  # two files of the same name from different folders
            name = "_" + name
        used.add(name)
        guard_output(folder / name, inputs, report=True, flag="--html")
        _write_html(folder / name, render(r.report(), workbook=Path(r.path)))
        links.append((r, str((folder / name).relative_to(index.parent))))
    _write_html(index, render_index(links))
    return index


def _batch_targets(target: Path) -> tuple[Path, Path]:
    """(index page, folder of the per-file reports) for ``--html`` with several files."""
    if target.suffix.lower() in (".html", ".htm"):
        return target, target.with_name(target.stem + "_filer")
    return target / "index.html", target
