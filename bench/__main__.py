"""Run the benchmarks side by side and write the table (default outside the tree, see DEFAULT_OUT).

    python -m bench              # full sizes (make bench), about 10 minutes on 2 cores
    python -m bench --large      # also the 1,000,000-formula model in the cost growth
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


class LibreOffice:
    """Cold LibreOffice forced recalculation (process start, load, recalc, save) of a file.

    One profile (forced-recalc settings, :mod:`xlmodel.engine.libreoffice`) made by a warm-up run
    and reused: each measured run is a new soffice process, but LibreOffice's first-start
    profile creation (about a second) is not charged to it — the peer at its best.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.profile = workdir, workdir / "lo-profile"
        self.binary = shutil.which("soffice") or shutil.which("libreoffice")

    def warm_up(self, src: Path) -> None:
        self(src, self.workdir)

    def __call__(self, src: Path, workdir: Path) -> tuple[float, float]:
        from xlmodel.engine import libreoffice

        out = workdir / f"lo-{time.perf_counter_ns()}"
        return _measured(libreoffice.command(self.binary or "soffice", src, out, self.profile))


def _cli_refresh(src: Path, workdir: Path) -> tuple[float, float]:
    """Cold `xlmodel refresh` as a user runs it (interpreter start, imports, refresh, write)."""
    copy = workdir / f"r-{time.perf_counter_ns()}.xlsx"
    shutil.copy(src, copy)
    try:
        return _measured([sys.executable, "-m", "xlmodel", "refresh", str(copy), "--quiet"])
    finally:
        copy.unlink(missing_ok=True)


def _cli_validate(src: Path, workdir: Path) -> tuple[float, float]:
    """Cold `xlmodel validate FILE` (every check, recompute included); exit 1 (findings) counts."""
    return _measured_rc([sys.executable, "-m", "xlmodel", "validate", str(src), "--quiet"])


def _median_of(fn, src: Path, workdir: Path, runs: int) -> tuple[float, list[float], float]:
    results = [fn(src, workdir) for _ in range(runs)]
    times = [t for t, _ in results]
    return statistics.median(times), times, max(m for _, m in results)


def _pair(src: Path, workdir: Path, runs: int, lo: LibreOffice | None, ours=None
          ) -> tuple[tuple[float, list[float], float], tuple[float, list[float], float] | None]:
    """Ours and LibreOffice on ``src``, alternating run by run (load hits both alike)."""
    ours = ours or _cli_refresh
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(ours(src, workdir))
        if lo is not None:
            theirs.append(lo(src, workdir))

    def summary(xs: list[tuple[float, float]]) -> tuple[float, list[float], float]:
        return statistics.median(t for t, _ in xs), [t for t, _ in xs], max(m for _, m in xs)

    return summary(mine), (summary(theirs) if theirs else None)


def _ratio_target(lo: float | None, factor: float, text: str) -> tuple[float | None, str | None]:
    if lo is None:
        return None, None
    return lo / factor, f"{text} = {_fmt_s(lo / factor)}"


def run(smoke: bool, large: bool = False) -> tuple[list[Result], list[str]]:
    formulas = 2_000 if smoke else 100_000
    pl_n, scen, calls = (10_000, 10, 200) if smoke else (1_000_000, 1_000, 10_000)
    runs = 1 if smoke else 3
    growth = [500, 2_000] if smoke else [10_000, 100_000, 500_000] + ([1_000_000] if large else [])
    results: list[Result] = []
    sections: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        grid = workdir / "grid.xlsx"
        n_grid = make_workbook.build_grid(grid, formulas)
        mixed, native = workdir / "model.xlsx", workdir / "model_native.xlsx"
        n_mixed = make_workbook.build(mixed, make_workbook.scenarios_for(formulas))
        make_workbook.build(native, make_workbook.scenarios_for(formulas), native=True)
        print(f"benchmark workbooks: grid {n_grid:,} native formulas; bench model {n_mixed:,} formulas "
              "(catalogue+native, and its native-only twin)", flush=True)
        lo = LibreOffice(workdir) if shutil.which("soffice") or shutil.which("libreoffice") else None
        if lo is not None:
            lo.warm_up(grid)

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
        print("· catalogue function per-call overhead (xlwings face)", flush=True)
        d, rss = child_case("bench.excel_cases", "udf_call_overhead", str(calls))
        results.append(Result("udf_per_call", "PL_REGULER called once per cell, xlwings face (per call)",
                              d["median_s"], d["runs"], rss, "one call for the whole range (per cell)",
                              d["peer_median_s"], 20e-6))
        print("· one catalogue call from the engine", flush=True)
        d, rss = child_case("bench.call_cases", str(500 if smoke else 20_000))
        e = d["engine"]
        fastest = min(d["callbacks"].items(), key=lambda kv: kv[1])
        slowest = max(d["callbacks"].items(), key=lambda kv: kv[1])
        results.append(Result(
            "engine_call",
            f"one single-cell catalogue call from the engine (PL_REGULER, {e['cells']:,} cells)",
            d["median_s"], d["runs"], rss, "the same cells with the native twin =A1*1.013 (per cell)",
            e["native_s"] / e["cells"], 3e-6,
            [f"engine evaluation of the {e['cells']:,} cells: catalogue {e['catalogue_s']:.3f} s, native "
             f"twin {e['native_s']:.3f} s (medians, alternating); the difference per cell is the figure",
             "the registered Python callback alone (no Rust bridge, no cell tag), per call: "
             + ", ".join(f"{k} {v * 1e6:.1f} µs" for k, v in sorted(d["callbacks"].items())),
             f"callback alone: fastest {fastest[0]} {fastest[1] * 1e6:.1f} µs, slowest {slowest[0]} "
             f"{slowest[1] * 1e6:.1f} µs"]))
        print("· cold import of the UDF module", flush=True)
        d, rss = child_case("bench.excel_cases", "import_udfs", "0")
        results.append(Result("import_udfs", "cold `import udfs.xlmodel_udfs` (interpreter included)",
                              d["median_s"], d["runs"], None, "bare interpreter start",
                              d["peer_median_s"], 0.5))

        lo_at: dict[int, tuple[float, float]] = {}
        print("· refresh vs LibreOffice: the plain native model (rows × 5 formulas)", flush=True)
        (ours, ours_runs, ours_rss), peer = _pair(grid, workdir, runs, lo)
        lo_grid = None if peer is None else peer[0]
        target, text = _ratio_target(lo_grid, 2.5, "≤ LibreOffice / 2.5")
        notes = ["LibreOffice not installed: no peer"] if peer is None else [
            f"LibreOffice peak RSS {peer[2]:.0f} MiB; runs ours {_runs(ours_runs)}, "
            f"LibreOffice {_runs(peer[1])}"]
        results.append(Result("refresh_grid", f"`xlmodel refresh`, cold CLI, plain model {n_grid:,} native "
                              f"formulas ({n_grid // 5:,} rows × 5)", ours, ours_runs, ours_rss,
                              "LibreOffice headless forced recalc, cold", lo_grid, target, notes, text))
        ours_at = {n_grid: (ours, ours_rss)}
        if peer is not None:
            lo_at[n_grid] = (peer[0], peer[2])

        print("· refresh vs LibreOffice: bench's native twin", flush=True)
        (ours, ours_runs, ours_rss), peer = _pair(native, workdir, runs, None if smoke else lo)
        lo_native = None if peer is None else peer[0]
        target, text = _ratio_target(lo_native, 2.5, "≤ LibreOffice / 2.5")
        results.append(Result("refresh_native", f"`xlmodel refresh`, cold CLI, bench model's native twin "
                              f"({n_mixed:,} native formulas, 17 sheets)", ours, ours_runs, ours_rss,
                              "LibreOffice headless forced recalc, cold", lo_native, target,
                              [] if peer is None else [f"LibreOffice peak RSS {peer[2]:.0f} MiB"], text))

        print("· refresh of the mixed workbook (catalogue + native) vs LibreOffice on its twin", flush=True)
        ours, ours_runs, ours_rss = _median_of(_cli_refresh, mixed, workdir, runs)
        target, text = _ratio_target(lo_native, 1.0, "≤ LibreOffice")
        results.append(Result("refresh_mixed", f"`xlmodel refresh`, cold CLI, bench model {n_mixed:,} "
                              "formulas (about 30 % catalogue calls)", ours, ours_runs, ours_rss,
                              "LibreOffice recalc of its native twin (above)", lo_native, target, [], text))

        print("· validate (all checks, recompute included)", flush=True)
        grid_done, mixed_done = workdir / "grid_refreshed.xlsx", workdir / "model_refreshed.xlsx"
        for src, dst in ((grid, grid_done), (mixed, mixed_done)):
            subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(src), "-o", str(dst), "--quiet"],
                           check=False, stdout=subprocess.DEVNULL, cwd=ROOT)
        ours, ours_runs, ours_rss = _median_of(_cli_validate, grid_done, workdir, runs)
        target, text = _ratio_target(lo_grid, 1.5, "≤ 2/3 of LibreOffice's recalc")
        results.append(Result("validate_grid", f"`xlmodel validate`, cold CLI, all checks incl. recompute, "
                              f"the refreshed plain model ({n_grid:,} formulas)", ours, ours_runs, ours_rss,
                              "LibreOffice recalc of the same model (above)", lo_grid, target, [], text))
        ours, ours_runs, ours_rss = _median_of(_cli_validate, mixed_done, workdir, runs)
        results.append(Result("validate_mixed", f"`xlmodel validate`, cold CLI, all checks incl. recompute, "
                              f"the refreshed bench model ({n_mixed:,} formulas, 30 % catalogue)", ours,
                              ours_runs, ours_rss, "LibreOffice recalc of its native twin (above)",
                              lo_native, None))

        print("· cost growth", flush=True)
        sections.append(_growth(growth, grid, n_grid, ours_at, lo_at, workdir, lo, smoke))
        print("· refusal where a file would not fit", flush=True)
        results.append(_refusal(grid, workdir, n_grid, 1 if smoke else 100))
        print("· breakdown of one refresh", flush=True)
        sections.append(_breakdown(grid, n_grid, results[next(i for i, r in enumerate(results)
                                                              if r.case == "refresh_grid")].median_s))
        print("· a folder of workbooks: one command, process pool vs serial", flush=True)
        results.append(_folder_case(workdir, 4 if smoke else 98, runs))
    return results, sections


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times) + " s"


def _growth(sizes: list[int], grid: Path, n_grid: int, ours_at: dict[int, tuple[float, float]],
            lo_at: dict[int, tuple[float, float]], workdir: Path, lo: LibreOffice | None, smoke: bool) -> str:
    """Refresh time and peak memory of the plain model at each size (one cold run each; the size
    of the main case reuses its medians), LibreOffice beside it (not in smoke runs)."""
    for n in sizes:
        if n in ours_at:
            continue
        path = workdir / f"grid-{n}.xlsx"
        make_workbook.build_grid(path, n)
        ours_at[n] = _cli_refresh(path, workdir)
        if lo is not None and not smoke:
            lo_at[n] = lo(path, workdir)
        path.unlink()
    lines = ["| formulas | `xlmodel refresh` | µs per formula | marginal µs per formula | peak RSS | "
             "marginal MiB per million formulas | LibreOffice | LibreOffice peak RSS | LibreOffice / ours |",
             "|---|---|---|---|---|---|---|---|---|"]
    previous: tuple[int, float, float] | None = None
    for n in sorted(ours_at):
        t, rss = ours_at[n]
        lo_t, lo_rss = lo_at.get(n, (None, None))
        if previous:
            dn = n - previous[0]
            marginal_t = f"{(t - previous[1]) / dn * 1e6:.1f}"
            marginal_m = f"{(rss - previous[2]) / dn * 1e6:.0f}"
        else:
            marginal_t = marginal_m = "–"
        lines.append(f"| {n:,} | {_fmt_s(t)} | {t / n * 1e6:.1f} | {marginal_t} | {rss:.0f} MiB "
                     f"| {marginal_m} | "
                     f"{_fmt_s(lo_t)} | {'–' if lo_rss is None else f'{lo_rss:.0f} MiB'} | "
                     f"{'–' if lo_t is None else f'{lo_t / t:.2f}×'} |")
        previous = (n, t, rss)
    return "\n".join(["## Cost growth (plain native model, one cold run per size)", "", *lines])


def _refusal(grid: Path, workdir: Path, n: int, limit_mb: int) -> Result:
    """`xlmodel refresh` under ``XLMODEL_MAX_MEMORY_MB`` below the file's estimate: a refusal."""
    copy = workdir / "refuse.xlsx"
    shutil.copy(grid, copy)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xlmodel", "refresh", str(copy), "--quiet"],
                          capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "XLMODEL_MAX_MEMORY_MB": str(limit_mb)})
    took = time.perf_counter() - start
    message = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
    untouched = copy.read_bytes() == grid.read_bytes()
    refused = done.returncode != 0 and "XLMODEL_MAX_MEMORY_MB" in message and untouched
    return Result("refusal", f"`XLMODEL_MAX_MEMORY_MB={limit_mb} xlmodel refresh` of the {n:,}-formula "
                  "model: "
                  "refused before any work, file untouched", took, [took], None, None, None, None,
                  [f"exit {done.returncode}, refused as asked: {refused}; message: {message}"])


def _breakdown(grid: Path, n: int, cold_median: float) -> str:
    d, rss = child_case("bench.breakdown", str(grid))
    bare = statistics.median(_measured([sys.executable, "-c", "pass"])[0] for _ in range(5))
    total = d["total_s"] + bare
    timed = d.get("engine_timings", {})
    rows = [("interpreter start (bare `python -c pass`)", bare)]
    rows += sorted(d["phases"].items(), key=lambda kv: -kv[1])
    lines = [f"## Where one refresh goes ({n:,}-formula plain model, one cold run, sampled)", "",
             "A thread samples the refresh's stack every millisecond (`bench/breakdown.py`): an import "
             "counts as *imports* wherever it happens, the safety check and catalogue calls as "
             "themselves, the rest as the engine phase it ran in (the engine's own timer for that "
             "phase, which includes imports and checks made inside it, beside it).",
             "", "| phase | seconds (sampled) | share | engine's own timer |", "|---|---|---|---|"]
    lines += [f"| {name} | {sec:.3f} | {sec / total:.0%} | "
              f"{'–' if name not in timed else f'{timed[name]:.3f}'} |" for name, sec in rows]
    lines += [f"| **total** (this run; the cold CLI median above: {cold_median:.2f} s) | {total:.3f} "
              "| 100% | |", "", f"{d['samples']:,} samples; peak RSS {rss:.0f} MiB."]
    return "\n".join(lines)


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


def markdown(results: list[Result], smoke: bool, sections: list[str] | None = None) -> str:
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
        target = r.target_text or _fmt_s(r.target_s)
        lines.append(f"| {r.what} | {_fmt_s(r.median_s)} | {r.peer or '–'} | {_fmt_s(r.peer_median_s)} "
                     f"| {ratio} | {target} | {met} | {rss} |")
    notes = [f"- {r.case}: {n}" for r in results for n in r.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    for section in sections or []:
        lines += ["", section]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (seconds), for tests")
    parser.add_argument("--out", default=None, help="markdown file for the table (default "
                        f"{DEFAULT_OUT}, outside the tracked tree; `--out docs/benchmarks-latest.md` "
                        "to publish; --smoke writes nothing unless given)")
    parser.add_argument("--large", action="store_true",
                        help="add the 1,000,000-formula size to the cost growth (a few minutes more)")
    args = parser.parse_args()
    results, sections = run(args.smoke, args.large)
    text = markdown(results, args.smoke, sections)
    print("\n" + text)
    out = args.out or (None if args.smoke else str(DEFAULT_OUT))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
