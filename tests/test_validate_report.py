"""What validation shows a person: counts first, every finding on request, check groups, a folder
at once (processes and Dask), the HTML report laid out in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from xlmodel.cli import main
from xlmodel.errors import XlmodelError
from xlmodel.excel.headless import refresh
from xlmodel.validate import CHECKS, GROUPS, expand_checks, validate
from xlmodel.validate.batch import validate_many, workbooks
from xlmodel.validate.html import render

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbooks"


def many_findings(path: Path, n: int = 75, *, error: bool = False) -> Path:
    """A sheet with ``n`` formulas each holding a hard-coded number (a warning each)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Beregning"
    for i in range(1, n + 1):  # every other row: each formula is its own finding, not a block
        ws.cell(2 * i, 1, i * 10)
        ws.cell(2 * i, 2, f"=A{2 * i}*1.0{i % 7 + 1}")
    if error:
        ws["D1"] = "=1/0"
    wb.save(path)
    if error:  # the engine writes the cached #DIV/0! (an error finding needs the value)
        refresh(path)
    return path


# ------------------------------------------------------------------------------ terminal ----
def test_counts_first_then_the_first_n_and_how_many_more(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = many_findings(tmp_path / "m.xlsx", 75)
    assert main(["validate", str(path), "--checks", "hardcoded_number", "--max", "10"]) == 0
    out = capsys.readouterr().out
    head, _, body = out.partition("Fund:")
    assert "0 fejl, 75 advarsler, 0 info" in head
    assert "advarsel" in head and "hardcoded_number" in head and "75" in head
    finding_lines = [ln for ln in body.splitlines() if ln.strip().startswith("advarsel")]
    assert len(finding_lines) == 10
    assert "… og 65 flere; brug --all eller --html" in body

    assert main(["validate", str(path), "--checks", "hardcoded_number", "--all"]) == 0
    out = capsys.readouterr().out
    assert len([ln for ln in out.partition("Fund:")[2].splitlines()
                if ln.strip().startswith("advarsel")]) == 75
    assert "flere" not in out


def test_danish_thousands_in_the_more_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = many_findings(tmp_path / "m.xlsx", 1_100)
    assert main(["validate", str(path), "--checks", "hardcoded_number", "--max", "5"]) == 0
    out = capsys.readouterr().out
    assert "1.100 advarsler" in out and "… og 1.095 flere" in out


def test_info_findings_are_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # an openpyxl-written file has no cached values: "uncalculated" (info) must be printed
    path = many_findings(tmp_path / "m.xlsx", 3)
    main(["validate", str(path), "--checks", "lint"])
    out = capsys.readouterr().out
    assert "info" in out and "uncalculated" in out.partition("Fund:")[2]


def test_check_groups_and_the_list_of_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert expand_checks("lint") == list(GROUPS["lint"])
    assert expand_checks("lint,recompute")[-1] == "recompute"
    assert expand_checks(["totaler", "footing"]) == ["footing", "sum_range"]
    assert expand_checks("alle") == list(CHECKS)
    assert set().union(*GROUPS.values()) == set(CHECKS)  # every check is in a group
    with pytest.raises(XlmodelError) as err:
        expand_checks("lint,nope")
    assert "'nope'" in str(err.value) and all(name in str(err.value) for name in [*CHECKS, *GROUPS])
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(name in help_text for name in [*CHECKS, *GROUPS])


def test_unknown_check_on_the_command_line_is_exit_2(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = many_findings(tmp_path / "m.xlsx", 2)
    assert main(["validate", str(path), "--checks", "lintt"]) == 2
    err = capsys.readouterr().err
    assert "lintt" in err and "hardcoded_number" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ a folder ----
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "kommuner"
    target.mkdir()
    for p in sorted(SHIPPED.glob("*.xlsx")):
        shutil.copy(p, target / p.name)
    many_findings(target / "zz_fejl.xlsx", 4, error=True)
    (target / "~$budget_2014.xlsx").write_bytes(b"lock")  # Excel's lock file: not a workbook
    (target / "noter.txt").write_text("ikke et regneark", encoding="utf-8")
    return target


def test_folder_in_parallel_same_as_serial(tmp_path: Path) -> None:
    paths = workbooks(folder(tmp_path))
    assert [p.name for p in paths][-1] == "zz_fejl.xlsx" and all(p.suffix == ".xlsx" for p in paths)
    assert not any(p.name.startswith("~$") for p in paths)
    serial = validate_many(paths, workers=1)
    parallel = validate_many(paths, workers=2)
    assert [r.path for r in parallel] == [str(p) for p in paths]
    assert [r.findings for r in parallel] == [r.findings for r in serial]
    assert [r.has_errors for r in parallel] == [False] * (len(paths) - 1) + [True]
    one = validate(paths[0])
    assert serial[0].findings == one.to_dict()["findings"]


def test_folder_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = folder(tmp_path)
    report = tmp_path / "rapport"
    assert main(["validate", str(target), "--html", str(report), "--quiet"]) == 1  # zz_fejl has #DIV/0!
    out = capsys.readouterr().out.splitlines()
    lines = [ln for ln in out if ln.startswith(str(target))]
    n = len(list(SHIPPED.glob("*.xlsx"))) + 1  # the shipped models and zz_fejl
    assert len(lines) == n and "1 fejl" in lines[-1] and lines[0].split()[1:3] == ["0", "fejl,"]
    assert any(f"{n} regneark: 1 med fejl" in ln for ln in out)
    index = (report / "index.html").read_text(encoding="utf-8")
    for name in ("budget_2014", "zz_fejl"):
        assert f'href="{name}.html"' in index and (report / f"{name}.html").is_file()

    assert main(["validate", str(target / "budget_2014.xlsx"), str(target / "tabel1_2014.xlsx"),
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [Path(f["path"]).name for f in data["files"]] == ["budget_2014.xlsx", "tabel1_2014.xlsx"]
    assert all(set(f) >= {"path", "counts", "findings", "problem"} for f in data["files"])


def test_a_broken_file_in_a_folder_is_named_and_exit_2(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mappe"
    target.mkdir()
    many_findings(target / "god.xlsx", 2)
    (target / "itu.xlsx").write_bytes(b"PK\x03\x04broken")
    assert main(["validate", str(target), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "itu.xlsx" in captured.out and "ikke kontrolleret" in captured.out
    assert "itu.xlsx" in captured.err and "Traceback" not in captured.err + captured.out
    assert main(["validate", str(tmp_path / "findes_ikke")]) == 2


@pytest.mark.slow
def test_the_same_job_on_a_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    paths = workbooks(folder(tmp_path))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = validate_many(paths, dask=cluster.scheduler_address)
        assert main(["validate", str(paths[0].parent), "--dask", cluster.scheduler_address,
                     "--quiet"]) == 1
    assert [r.findings for r in on_dask] == [r.findings for r in validate_many(paths, workers=1)]


@pytest.mark.slow
def test_dask_without_a_scheduler_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    path = many_findings(tmp_path / "m.xlsx", 2)
    assert main(["validate", str(path), "--dask", "tcp://127.0.0.1:9", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--dask" in err and "tcp://127.0.0.1:9" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ the page ----
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_PROBE = """<script>window.addEventListener("load", function () {
  var d = document.documentElement, out = document.createElement("pre");
  var cells = Array.from(document.querySelectorAll("td, th"));
  out.id = "layout";
  out.textContent = JSON.stringify({
    scrollWidth: d.scrollWidth, clientWidth: d.clientWidth,
    tables: document.querySelectorAll("table").length,
    findingRows: document.querySelectorAll("h3 ~ table tbody tr").length,
    pastEdge: cells.filter(function (c) {
      return c.getBoundingClientRect().right > d.clientWidth + 1; }).length,
    narrowest: Math.min.apply(null, cells.map(function (c) { return c.getBoundingClientRect().width; })),
    lang: d.lang});
  document.body.appendChild(out);
});</script>"""


def browser_layout(page: str, tmp_path: Path, width: int = 1280) -> dict:
    """Open the page in headless chromium at ``width`` px and return what the browser measured."""
    html = tmp_path / "probe.html"
    html.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profil'}", f"--window-size={width},900", "--dump-dom",
         html.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    dom = result.stdout
    start = dom.find('<pre id="layout">')
    assert start >= 0, (result.returncode, result.stderr[-2000:])
    text = dom[start + len('<pre id="layout">'):dom.index("</pre>", start)]
    return json.loads(text.replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_fits_1280_px_in_a_real_browser(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Budget med et langt arknavn"
    long_formula = "=" + "+".join(f"A{r}*1.0{r % 9 + 1}" for r in range(1, 60))  # one unbroken line
    for r in range(1, 120, 2):  # every other row: one finding per formula
        ws.cell(r, 1, r)
        ws.cell(r, 2, long_formula if r == 1 else f"=A{r}*1.0{r % 9 + 1}")
    ws["C2"] = "x" * 300
    ws["D1"] = "=1/0"
    path = tmp_path / "bred.xlsx"
    wb.save(path)
    refresh(path)
    report = validate(path, checks="lint")
    assert len(report) > 50
    page = render(report, workbook=path)
    layout = browser_layout(page, tmp_path)
    assert layout["lang"] == "da"
    assert layout["scrollWidth"] <= layout["clientWidth"], layout  # no horizontal scrolling
    assert layout["pastEdge"] == 0, layout
    assert layout["tables"] >= 2 and layout["findingRows"] == len(report.findings), layout
    assert layout["narrowest"] > 30, layout  # no column squeezed to one word per line


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_shipped_model_report_with_explanations_fits(tmp_path: Path) -> None:
    from xlmodel.forklar import forklar_fil, outputs

    path = SHIPPED / "budget_2014.xlsx"
    cells = outputs(path, limit=5)
    assert "Budget!E5" in cells
    page = render(validate(path), workbook=path, forklaringer=forklar_fil(path, cells))
    assert page.count('href="#a-forklar-') >= len(cells)
    layout = browser_layout(page, tmp_path)
    assert layout["scrollWidth"] <= layout["clientWidth"] and layout["pastEdge"] == 0, layout


def test_report_is_danish_and_years_are_not_grouped(tmp_path: Path) -> None:
    path = many_findings(tmp_path / "m.xlsx", 3)
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 5, "=A1*2014"
    wb.save(tmp_path / "aar.xlsx")
    page = render(validate(tmp_path / "aar.xlsx", checks="hardcoded_number"))
    assert ">2014<" in page and "2,014" not in page and "2.014" not in page
    page = render(validate(path))
    assert "Overblik" in page and "Fund (" in page and "advarsel" in page
    for english in (">Summary<", ">Findings<", "No error findings", ">severity<"):
        assert english not in page


def test_no_progress_line_when_not_a_terminal(tmp_path: Path) -> None:
    target = folder(tmp_path)
    result = subprocess.run([sys.executable, "-m", "xlmodel", "validate", str(target)],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "\r" not in result.stdout + result.stderr and "[#" not in result.stderr
