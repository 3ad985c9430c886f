"""Generate the benchmark workbook: 98 municipalities × 10 years × scenarios.

Each scenario sheet projects, per municipality and year, the tax base (native), the tax
revenue (SKATTEPROVENU), the service frame in 2014-pl (PL_REGULER) with its native twin,
and the statsgaranti base (UDSKRIVNINGSGRUNDLAG_GARANTI) with its native twin.  The
``native=True`` twin writes the same quantities with native formulas only, for engines that
cannot run Python functions (LibreOffice).  Municipal inputs are ILLUSTRATIVE (seeded).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--formulas", type=int, default=100_000)
    parser.add_argument("--native", action="store_true")
    args = parser.parse_args()
    n = build(args.out, scenarios_for(args.formulas), native=args.native)
    print(f"wrote {args.out}: {n} formulas")


if __name__ == "__main__":
    main()
