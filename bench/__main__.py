"""Run the benchmarks side by side and write the table (default outside the tree, see DEFAULT_OUT).

    python -m bench              # full sizes (make bench), about 2–4 minutes
    python -m bench --smoke      # tiny sizes, for the test suite: checks the scripts still run

Every case runs in a child process (its own peak memory, real start-up) and is reported as the
median of several runs beside a peer measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import make_workbook
from bench.harness import Result, child_case

ROOT = Path(__file__).resolve().parents[1]
#: Where `make bench` writes its table unless told otherwise: outside the git tree, so a run
#: never leaves a tracked file changed (docs/benchmarks-latest.md is the published copy).
DEFAULT_OUT = Path(tempfile.gettempdir()) / "xlmodel-bench" / "benchmarks-latest.md"


def _measured(argv: list[str]) -> tuple[float, float]:
    """Run a command; (wall seconds, peak RSS MiB of that child and what it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[:4]} failed")
    return wall, usage.ru_maxrss / 1024.0


def _soffice_recalc(src: Path, workdir: Path) -> tuple[float, float]:
    """Cold LibreOffice forced recalculation (start, load, recalc, save) of ``src``, fresh profile."""
    from xlmodel.engine import libreoffice

    stamp = time.perf_counter_ns()
    cmd = libreoffice.command(libreoffice.soffice() or "soffice", src, workdir / f"lo-{stamp}",
                              workdir / f"profile-{stamp}")
    return _measured(cmd)


def _cli_refresh(src: Path, workdir: Path) -> tuple[float, float]:
    """Cold `xlmodel refresh` as a user runs it (interpreter start, imports, refresh, write)."""
    copy = workdir / f"r-{time.perf_counter_ns()}.xlsx"
    shutil.copy(src, copy)
    return _measured([sys.executable, "-m", "xlmodel", "refresh", str(copy)])


def _median_of(fn, src: Path, workdir: Path, runs: int) -> tuple[float, list[float], float]:
    results = [fn(src, workdir) for _ in range(runs)]
    times = [t for t, _ in results]
    return statistics.median(times), times, max(m for _, m in results)


def run(smoke: bool) -> list[Result]:
    formulas = 2_000 if smoke else 100_000
    pl_n, scen, calls = (10_000, 10, 200) if smoke else (1_000_000, 1_000, 10_000)
    runs = 1 if smoke else 3
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        mixed, native = workdir / "model.xlsx", workdir / "model_native.xlsx"
        n_mixed = make_workbook.build(mixed, make_workbook.scenarios_for(formulas))
        make_workbook.build(native, make_workbook.scenarios_for(formulas), native=True)
        print(f"benchmark workbooks: {n_mixed} formulas each (catalogue+native, and native-only)",
              flush=True)

        print("· PL conversions", flush=True)
        d, rss = child_case("bench.core_cases", "pl_conversions", str(pl_n))
        results.append(Result("pl_conversions", f"{pl_n:,} PL conversions (pl.reguler, arrays)",
                              d["median_s"], d["runs"], rss, "hand-written numpy expression",
                              d["peer_median_s"], 0.050))
        print("· distribution + sanctions + tax-cut compensation", flush=True)
        d, rss = child_case("bench.core_cases", "distribution_sanctions", str(scen))
        results.append(Result("distribution_sanctions",
                              f"98 municipalities × {scen:,} scenarios: distribution, both sanctions, "
                              "tax-cut compensation", d["median_s"], d["runs"], rss,
                              "the same, one scenario per call", d["peer_median_s"], 0.100))
        risk_s = 10 if smoke else 10_000
        print("· selvbudgettering risk (overslag)", flush=True)
        d, rss = child_case("bench.overslag_cases", "selvbudget_risiko", str(risk_s))
        results.append(Result("selvbudget_risiko",
                              f"98 municipalities × {risk_s:,} scenarios: selvbudgettering risk"
                              " (growth, population, surcharge, PV, P(loss), 5 % worst)", d["median_s"],
                              d["runs"], rss, "the same, one scenario per call (1 run)", d["peer_median_s"],
                              1.0, [f"vectorised and loop agree: {d['agree']}"]))
        print("· catalogue function per-call overhead", flush=True)
        d, rss = child_case("bench.excel_cases", "udf_call_overhead", str(calls))
        results.append(Result("udf_per_call", "PL_REGULER called once per cell (per call)",
                              d["median_s"], d["runs"], rss, "one call for the whole range (per cell)",
                              d["peer_median_s"], 20e-6))
        print("· cold import of the UDF module", flush=True)
        d, rss = child_case("bench.excel_cases", "import_udfs", "0")
        results.append(Result("import_udfs", "cold `import udfs.xlmodel_udfs` (interpreter included)",
                              d["median_s"], d["runs"], None, "bare interpreter start",
                              d["peer_median_s"], 0.5))

        print("· refresh vs LibreOffice (native-only workbook)", flush=True)
        ours, ours_runs, ours_rss = _median_of(_cli_refresh, native, workdir, runs)
        if shutil.which("soffice"):
            lo, _, lo_rss = _median_of(_soffice_recalc, native, workdir, runs)
            note = [f"LibreOffice peak RSS {lo_rss:.0f} MiB"]
        else:
            lo, note = None, ["LibreOffice not installed: no peer"]
        results.append(Result("refresh_native", f"`xlmodel refresh`, cold CLI, {n_mixed:,} native formulas",
                              ours, ours_runs, ours_rss, "LibreOffice headless forced recalc, cold",
                              lo, None if lo is None else lo / 2, note))
        print("· refresh of the mixed workbook (catalogue + native)", flush=True)
        ours, ours_runs, ours_rss = _median_of(_cli_refresh, mixed, workdir, runs)
        results.append(Result("refresh_mixed", f"`xlmodel refresh`, cold CLI, {n_mixed:,} formulas "
                              "(about 30 % catalogue calls)", ours, ours_runs, ours_rss,
                              "LibreOffice cannot run catalogue functions", None, None))

        print("· validate", flush=True)
        refreshed = workdir / "model_refreshed.xlsx"
        subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(mixed), "-o", str(refreshed)],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        d, rss = child_case("bench.excel_cases", "validate", str(refreshed))
        results.append(Result("validate", f"`xlmodel.validate` on the refreshed {n_mixed:,}-formula "
                              "workbook (all checks)", d["median_s"], d["runs"], rss,
                              "LibreOffice recalc of the same size (above)", lo, 2.0,
                              [f"checks with findings: {', '.join(d['checks'])}"]))
        print("· a folder of workbooks: one command, process pool vs serial", flush=True)
        results.append(_folder_case(workdir, 4 if smoke else 98, runs))
    return results


def _folder_case(workdir: Path, n: int, runs: int) -> Result:
    """``xlmodel validate FOLDER`` over ``n`` copies of the shipped budget model, cold CLI:
    the process pool (default, one worker per core) against ``--jobs 1`` in the same run; in
    full mode also ``n`` separate ``xlmodel validate FILE`` calls (once: about a minute)."""
    folder = workdir / "kommuner"
    folder.mkdir()
    for i in range(1, n + 1):
        shutil.copy(ROOT / "workbooks" / "budget_2014.xlsx", folder / f"kommune_{i:03d}.xlsx")

    def cli(*extra: str) -> list[str]:
        return [sys.executable, "-m", "xlmodel", "validate", *extra, "--quiet"]

    pool = [_measured_rc(cli(str(folder))) for _ in range(runs)]
    serial = [_measured_rc(cli(str(folder), "--jobs", "1")) for _ in range(runs)]
    notes = [f"{n} workbooks, {os.cpu_count()} cores; the pool uses one worker per core"]
    if n >= 50:
        start = time.perf_counter()
        for f in sorted(folder.iterdir()):
            _measured_rc(cli(str(f)))
        notes.append(f"{n} separate `xlmodel validate FILE` calls (start-up and imports each time): "
                     f"{time.perf_counter() - start:.1f} s, one run")
    return Result("validate_folder", f"`xlmodel validate FOLDER`, {n} workbooks, cold CLI, process pool",
                  statistics.median(t for t, _ in pool), [t for t, _ in pool], max(m for _, m in pool),
                  "the same command with `--jobs 1` (serial)", statistics.median(t for t, _ in serial),
                  5.0, notes)


def _measured_rc(argv: list[str]) -> tuple[float, float]:
    """Like :func:`_measured`, but exit 1 (the files have error findings) is a result too."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{argv[:5]} failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0


def _fmt_s(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def markdown(results: list[Result], smoke: bool) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `make bench` (`python -m bench`) on {os.cpu_count()} "
        f"cores, {cpu}, Python {platform.python_version()}, {platform.platform()}."
        + (" **Smoke sizes, not the published figures.**" if smoke else ""),
        "Each figure is the median of several runs in a child process; the peer ran in the same run.",
        "",
        "| case | ours | peer | peer time | peer / ours | target | met | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = "–" if r.ratio is None else f"{r.ratio:.1f}×"
        met = "–" if r.met is None else ("yes" if r.met else "**no**")
        rss = "–" if r.peak_rss_mib is None else f"{r.peak_rss_mib:.0f} MiB"
        lines.append(f"| {r.what} | {_fmt_s(r.median_s)} | {r.peer or '–'} | {_fmt_s(r.peer_median_s)} "
                     f"| {ratio} | {_fmt_s(r.target_s)} | {met} | {rss} |")
    notes = [f"- {r.case}: {n}" for r in results for n in r.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (seconds), for tests")
    parser.add_argument("--out", default=None, help="markdown file for the table (default "
                        f"{DEFAULT_OUT}, outside the tracked tree; `--out docs/benchmarks-latest.md` "
                        "to publish; --smoke writes nothing unless given)")
    args = parser.parse_args()
    results = run(args.smoke)
    text = markdown(results, args.smoke)
    print("\n" + text)
    out = args.out or (None if args.smoke else str(DEFAULT_OUT))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
