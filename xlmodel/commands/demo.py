"""``xlmodel demo``: the 2014 mechanics on the embedded defaults, as a readable summary.

Municipal figures come from the ILLUSTRATIVE sample (``xlmodel.kommuner.eksempeldata``);
the summary says so wherever they are used.  Agreement figures come from the parameter set.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from xlmodel import parameters
from xlmodel.tekst import format_tal as _t
from xlmodel.tekst import format_vaerdi as _v

if TYPE_CHECKING:
    import numpy as np

ILLUSTRATIVE = "ILLUSTRATIVE municipal data (not official figures)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="beregn 2014-mekanikken for de illustrative eksempelkommuner")
    p.add_argument("--params", default=parameters.DEFAULT, help="parameter set name or .toml file")
    p.add_argument("--vaekst", type=float, default=3.0,
                   help="assumed yearly growth of the tax base 2011→2014 in pct (default 3.0)")
    p.add_argument("--csv", metavar="DIR", help="also write the per-municipality results as CSV")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: `xlmodel --help` and the other commands need not load pandas
    import numpy as np
    import pandas as pd

    from xlmodel import balance, bloktilskud, kommuner, pension, pl, skat

    ps = parameters.load(args.params)
    year = ps._year(None)  # the set's budget year (no year literal)
    data = kommuner.eksempeldata()
    out = pd.DataFrame({"kode": data["kode"], "navn": data["navn"]})
    _title(f"xlmodel demo — {ps.title} ({ps.name}), budgetår {year}")

    _title("1. Pris- og lønregulering (aftale, boks 1)")
    for serie, name in pl.SERIES.items():
        print(f"  {serie:<9} {year - 1}→{year}: faktor {_t(pl.faktor(year - 1, year, serie, ps), 4)}"
              f"   [{ps.source(name, year)}]")
    bidrag = pl.reguler(ps.value("regioner.udviklingsbidrag", year - 1), year - 1, year, "regional", ps)
    print(f"  Udviklingsbidrag: {_t(ps.value('regioner.udviklingsbidrag', year - 1), 0)} kr. → "
          f"{_t(bidrag, 3)} ≈ {_t(round(bidrag), 0)} kr. pr. indbygger")

    _title("2. Tabel 1: balance og fodning (mio. kr.)")
    print(balance.footing_table(ps).to_string(index=False, float_format=lambda x: _t(x, 0)))

    _title(f"3. Udskrivningsgrundlag: statsgaranti vs selvbudgettering — {ILLUSTRATIVE}")
    garanti = skat.statsgaranti_grundlag(data["udskrivningsgrundlag_2011"], year, ps)
    # Each municipality's expected growth: the assumed level ± an illustrative local spread.
    vaekst = args.vaekst + np.random.default_rng(11).normal(0.0, 0.8, len(data)).round(2)
    valg = skat.vaelg_budgetmodel(data["udskrivningsgrundlag_2011"], vaekst,
                                  data["udskrivningsprocent"], year, params=ps)
    out["garanti_grundlag"] = garanti
    out["gevinst_selvbudget"] = valg["gevinst"].to_numpy()
    breakeven = skat.breakeven_vaekst(year, params=ps)
    fremskriv = _v(ps.value('skat.fremskrivningsprocent', year), aar=False)
    print(f"  Fremskrivningsprocent {fremskriv} pct. [{ps.source('skat.fremskrivningsprocent', year)}]; "
          f"break-even vækst {_t(breakeven, 2)} pct. om året")
    print(f"  Med antaget {_v(args.vaekst, aar=False)} ± 0,8 pct. vækst om året (illustrativ spredning) "
          "vælger "
          f"{int((valg['anbefaling'] == 'selvbudgettering').sum())} af {len(valg)} kommuner selvbudgettering")
    print(f"  Statsgaranteret grundlag i alt: {_t(np.sum(garanti), 0)} mio. kr.")

    _title(f"4. Bloktilskud fordelt efter indbyggere — {ILLUSTRATIVE}")
    # The amount shared by population is the § 14 bloktilskud the ministry announces (part of it
    # finances the equalisation schemes), not Tabel 1's "Bloktilskud mv.", which also holds other
    # grants (issue 11, deliver 4).  A set without the § 14 figure falls back, and says so.
    if "bloktilskud.paragraf14" in ps.parameters and year in ps.parameters["bloktilskud.paragraf14"].values:
        navn = "bloktilskud.paragraf14"
        hvad = "bloktilskuddet efter udligningslovens § 14 (ministeriets udmelding)"
    else:
        navn = "bloktilskud.i_alt"
        hvad = "Bloktilskud mv. fra tabel 1 (sættet har intet § 14-bloktilskud for året)"
    total = ps.value(navn, year)
    andel = bloktilskud.fordel_efter_indbyggere(data["indbyggere"], total)
    out["bloktilskud"] = np.asarray(andel)
    top = out.assign(indbyggere=data["indbyggere"]).nlargest(5, "indbyggere")
    print(top[["navn", "indbyggere", "bloktilskud"]].to_string(
        index=False, formatters={"indbyggere": lambda x: _t(x, 0), "bloktilskud": lambda x: _t(x, 1)}))
    print(f"  Fordelt: {hvad}, {_t(total, 1)} mio. kr. [{ps.source(navn, year)}]")
    print(f"  I alt fordelt: {_t(np.sum(andel), 1)} mio. kr. Til sammenligning bloktilskud mv. i tabel 1: "
          f"{_t(ps.value('bloktilskud.i_alt', year), 0)} [{ps.source('bloktilskud.i_alt', year)}]")

    _title(f"5. Regnskabssanktion, et tænkt scenarie — {ILLUSTRATIVE}")
    budget = data["indbyggere"] * 0.04  # illustrative service budget, mio. kr.
    rng = np.random.default_rng(2014)
    regnskab = budget * (1 + rng.normal(0.0, 0.01, len(budget)))
    sanktion = bloktilskud.regnskabssanktion_detalje(regnskab, budget, data["indbyggere"], params=ps)
    out["regnskabssanktion"] = sanktion["i_alt"].to_numpy()
    print(f"  Overskridelse i alt R = {_t(max(0.0, float(np.sum(regnskab - budget))), 1)} mio. kr.; "
          f"kollektivt {_t(sanktion['kollektiv'].sum(), 1)}, "
          f"individuelt {_t(sanktion['individuel'].sum(), 1)} "
          f"(andel {_v(ps.value('sanktion.kollektiv_andel', year), aar=False)} kollektivt "
          f"[{ps.source('sanktion.kollektiv_andel', year)}])")

    start = ps.scheme("skat.nedsaettelse_tilskud_max", None, year).vintage or year
    _title(f"6. Tilskud i {year} ved skattenedsættelse, ordningen fra {start} "
           "(pulje: aftalen; tærskel: ministeriets udmelding)")
    tab = _cuts_scenario(ps)
    tilskud = bloktilskud.skattenedsaettelse_tilskud(tab, year, ordning_aar=start, params=ps)
    pulje = ps.scheme_value("skat.nedsaettelse_pulje", start, start)
    pct = ps.scheme_value("skat.nedsaettelse_tilskud_max", year, start)
    kilde = ps.source(ps.scheme("skat.nedsaettelse_pulje", start).name, start)
    print(f"  {len(tab)} kommuner nedsætter med i alt {_t(tab.sum(), 0)} mio. kr. (ILLUSTRATIVE fordeling); "
          f"tilskud i {year} i alt {_t(np.sum(tilskud), 1)} mio. kr. "
          f"(puljen {_v(pulje, aar=False)} i {start} "
          f"[{kilde}]; i {year} højst {_v(pct, aar=False)} pct.)")

    _title("7. Tjenestemandspension ud over trin 44/37 — et eksempel (illustrativ lønskala)")
    tabel = pension.skalatrin_tabel()
    loen_faktisk, loen_loft = float(tabel.loc[50]), float(tabel.loc[pension.loft_trin("laerer", params=ps)])
    pct = pension.pensionsprocent(35, ps)
    mer = pension.merudgift(loen_faktisk, loen_loft, 35, ps)
    rente = ps.value("pension.diskonteringsrente", year)
    print(f"  Skoleleder (lærer) på trin 50, 35 pensionsår: pensionsprocent {_v(pct, aar=False)}; "
          "kommunens "
          f"andel {_t(mer, 0)} kr. om året; kapitalværdi over 20 år ved {_v(rente, aar=False)} pct. "
          f"{_t(pension.kapitalvaerdi(mer, rente, 20), 0)} kr.")

    if args.csv:
        from xlmodel.safe_csv import write_csv
        target = Path(args.csv)
        target.mkdir(parents=True, exist_ok=True)
        write_csv(out.assign(datakilde="illustrativ"), target / "demo_kommuner.csv")
        print(f"\nSkrev {target / 'demo_kommuner.csv'}")
    return 0


def _cuts_scenario(ps: parameters.ParameterSet) -> np.ndarray:
    """26 illustrative tax cuts summing to 347 mio. kr. (the 2013 outcome's count and total)."""
    import numpy as np

    weights = np.linspace(1.0, 6.0, 26)
    return weights / weights.sum() * 347.0


def _title(text: str) -> None:
    print(f"\n{text}\n{'-' * min(len(text), 100)}")
