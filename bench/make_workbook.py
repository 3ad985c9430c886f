"""Generate the benchmark workbooks: 98 municipalities × 10 years × scenarios, and a plain grid.

Each scenario sheet projects, per municipality and year, the tax base (native), the tax
revenue (SKATTEPROVENU), the service frame in 2014-pl (PL_REGULER) with its native twin,
and the statsgaranti base (UDSKRIVNINGSGRUNDLAG_GARANTI) with its native twin.  The
``native=True`` twin writes the same quantities with native formulas only, for engines that
cannot run Python functions (LibreOffice).  Municipal inputs are ILLUSTRATIVE (seeded).
:func:`build_grid` writes the plain native model of issue 10 (rows × 5 native formulas) at any
size, for the refresh and growth cases.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from xlmodel.excel.layout import write_parameters
from xlmodel.parameters import load

YEARS = 10
PER_YEAR = 6  # formulas per municipality and year


def formulas_for(scenarios: int, municipalities: int = 98) -> int:
    return scenarios * municipalities * (YEARS * PER_YEAR + 1)


def scenarios_for(target_formulas: int, municipalities: int = 98) -> int:
    return max(1, round(target_formulas / formulas_for(1, municipalities)))


def build(path: str | Path, scenarios: int, *, native: bool = False, municipalities: int = 98) -> int:
    """Write the workbook; returns the number of formula cells."""
    rng = np.random.default_rng(98)
    wb = Workbook()
    data = wb.active
    data.title = "Data"
    data.append(["kode", "indbyggere", "grundlag_2011", "udskrivningsprocent",
                 "ILLUSTRATIVE DATA — not official"])
    for k in range(municipalities):
        pop = float(rng.integers(1_800, 600_000))
        data.append([101 + k, pop, round(pop * 0.15, 1), round(float(rng.uniform(22.5, 27.8)), 1)])
    write_parameters(wb, load())
    count = 0
    for s in range(1, scenarios + 1):
        ws = wb.create_sheet(f"S{s}")
        ws.append(["kode", "vaekst_pct"] + [f"{kind} {2014 + j}" for j in range(YEARS)
                                            for kind in ("grundlag", "provenu", "service", "service_n",
                                                         "garanti", "garanti_n")])
        for r in range(2, municipalities + 2):
            row: list[object] = [f"=Data!A{r}", round(1 + 0.1 * s + 0.01 * r, 3)]
            for j in range(YEARS):
                c = 3 + j * PER_YEAR
                base, prov, serv = (get_column_letter(c + i) for i in range(3))
                prev = f"Data!C{r}" if j == 0 else get_column_letter(c - PER_YEAR) + str(r)
                row.append(f"={prev}*(1+$B{r}/100)")
                if native:
                    row.append(f"={base}{r}*Data!$D{r}/100")
                    row.append(f"={prov}{r}*0.7*(1+P_pl_service/100)")
                else:
                    row.append(f"=SKATTEPROVENU({base}{r},Data!$D{r})")
                    row.append(f'=PL_REGULER({prov}{r}*0.7,2013,2014,"service")')
                row.append(f"={prov}{r}*0.7*(1+P_pl_service/100)")
                if native:
                    row.append(f"=Data!$C{r}*(1+P_skat_fremskrivningsprocent/100)+{serv}{r}*0")
                else:
                    row.append(f"=UDSKRIVNINGSGRUNDLAG_GARANTI(Data!$C{r},2014)+{serv}{r}*0")
                row.append(f"=Data!$C{r}*(1+P_skat_fremskrivningsprocent/100)")
            ws.append(row)
            count += 1 + YEARS * PER_YEAR
    wb.save(path)
    return count


#: The five native formulas of each row of :func:`build_grid` (``{r}`` is the row): arithmetic, a
#: comparison, a rounding and a short row sum, the mix of a plain budget sheet.  None of them
#: refers to a growing range, so the cost of a row is the same on row 10 and on row 200,000.
GRID_FORMULAS = ("=A{r}*1.013", "=B{r}+A{r}", "=IF(C{r}>B{r},C{r}-B{r},B{r}-C{r})",
                 "=ROUND(D{r}/7,2)", "=SUM(A{r}:E{r})")


def build_grid(path: str | Path, formulas: int) -> int:
    """The plain native model of issue 10: ``formulas / 5`` rows × (1 value + 5 native formulas)
    on one sheet, no catalogue call, written streaming (openpyxl write-only: a million formulas
    fit in little memory).  Returns the number of formula cells.  Inputs are ILLUSTRATIVE."""
    rows = max(1, formulas // len(GRID_FORMULAS))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Model")
    ws.append(["beloeb (ILLUSTRATIVE)", "pl", "sum", "forskel", "afrundet", "i alt"])
    for r in range(2, rows + 2):
        ws.append([float(1000 + (r * 37) % 9000), *(f.format(r=r) for f in GRID_FORMULAS)])
    wb.save(path)
    return rows * len(GRID_FORMULAS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--formulas", type=int, default=100_000)
    parser.add_argument("--native", action="store_true")
    parser.add_argument("--grid", action="store_true",
                        help="the plain native model (rows × 5 native formulas) instead")
    args = parser.parse_args()
    if args.grid:
        n = build_grid(args.out, args.formulas)
    else:
        n = build(args.out, scenarios_for(args.formulas), native=args.native)
    print(f"wrote {args.out}: {n} formulas")


if __name__ == "__main__":
    main()
