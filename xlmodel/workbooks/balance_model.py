"""(d) Tabel 1 of the agreement: the printed lines, SUM formulas beside the printed totals, and
the footing difference classified (±1 per summed line is rounding)."""

from __future__ import annotations

from openpyxl import Workbook

from xlmodel.balance import tabel1
from xlmodel.parameters import ParameterSet
from xlmodel.workbooks.style import KR, align, forside, header, kontrol, title


def build(wb: Workbook, ps: ParameterSet) -> None:
    table = tabel1(ps)
    ws = wb.active
    ws.title = "Tabel1"
    title(ws, "Balance for kommunerne i 2014 (mio. kr., 2014-pl)", table.attrs.get("kilde", ""))
    header(ws, 4, ["Post", "Aftalt (trykt), mio. kr.", "Sum af linjer, mio. kr.", "Forskel, mio. kr.",
                   "Status"], [52, 12, 12, 10, 11])
    rows: dict[str, int] = {}
    pairs = []
    for i, line in enumerate(table.itertuples(index=False)):
        r = 5 + i
        rows[line.key] = r
        ws.cell(r, 1, line.label)
        ws.cell(r, 2, float(line.amount)).number_format = KR
        if line.kind == "total":
            parts = [rows[p] for p in _parts(ps, line.key)]
            ws.cell(r, 3, "=" + "+".join(f"B{p}" for p in parts)).number_format = KR
            ws.cell(r, 4, f"=B{r}-C{r}").number_format = KR
            ws.cell(r, 5, f'=IF(D{r}=0,"OK",IF(ABS(D{r})<={len(parts)},"afrunding","fejl"))')
            align(ws, f"E{r}")
            pairs.append((f"{line.label}: sum af linjer", f"Tabel1!C{r}", "SUM(" + ",".join(
                f"Tabel1!B{p}" for p in parts) + ")"))
    kontrol(wb, pairs)
    forside(
        wb, ps, heading=f"Tabel 1 i økonomiaftalen for {ps.budget_year}: balancen for kommunerne",
        purpose=[
            "Aftalens Tabel 1 (mio. kr., 2014-pl) som trykt, med en SUM-formel ved siden af hver trykt "
            "total og forskellen klassificeret: 0 er ok, højst 1 pr. summeret linje er afrunding, "
            "mere er en fejl.",
        ],
        sheets=[("Tabel1", "de trykte linjer, summerne og forskellene"),
                ("Kontrol", "summen af linjer mod en native SUM"),
                ("Parametre", "Tabel 1 og aftalens øvrige tal med enhed, år og kilde")],
        sources=[table.attrs.get("kilde", "") or f"{ps.title}, Tabel 1"],
        illustrative=["Ingen: modellen indeholder kun aftalens trykte tal (ingen kommunale data)."])


def _parts(ps: ParameterSet, key: str) -> list[str]:
    row = next(r for r in ps.table("tabel1").rows if r["key"] == key)
    return list(row.get("parts", []))
