"""docs/overslag.md's worked example is what the code computes (not a hand-typed table)."""

from __future__ import annotations

from pathlib import Path

from xlmodel import overslag as ov

_TEXT = (Path(__file__).resolve().parents[1] / "docs" / "overslag.md").read_text(encoding="utf-8")
#: typographic minus as ASCII, line breaks as spaces (table rows stay on their own line)
DOC = _TEXT.replace("\u2212", "-") + "\n" + " ".join(_TEXT.replace("\u2212", "-").split())
COLS = ["aar", "garanti_grundlag", "egen_grundlag", "skat_garanti", "skat_selvbudget", "udligning_garanti",
        "udligning_selvbudget", "afregnet", "i_alt_garanti", "i_alt_selvbudget"]


def test_the_projection_table_in_the_doc_is_computed() -> None:
    o = ov.projektion(10_000, 25.0, 4.5, faktisk_vaekst_pct=[3.0, 4.5, 4.5, 4.5], diskonto_pct=1.0)
    for r in o.tabel()[COLS].itertuples(index=False):
        row = "| " + " | ".join([str(int(r[0]))] + [f"{v:.1f}" for v in r[1:]]) + " |"
        assert row in DOC, row
    assert f"tax {o.efterregulering_skat[0]:.1f}, udligning +{o.efterregulering_udligning[0]:.1f}" in DOC
    assert float(o.tillaeg[0]) == 0.0 and "no surcharge" in DOC
    cal = ov.efterregulering_kalender(float(o.efterregulering_skat[0]), float(o.efterregulering_udligning[0]),
                                      float(o.skat_selvbudget[0]), 1.0)
    assert f"{cal['beloeb'][0]:.2f} in each of January" in DOC


def test_the_decision_figures_in_the_doc_are_computed() -> None:
    d = ov.selvbudget_beregning(11_140, 10_000 * 1.045**3, 25.0).iloc[0]
    assert f"gain {d.gevinst:.3f} mio. kr." in DOC and f"present value {d.nutidsvaerdi:.3f}" in DOC
    assert f"break-even growth {ov.breakeven_vaekst(11_140, 25.0)[0]:.3f}" in DOC
    r = ov.selvbudget_risiko(11_140, 25.0, 4.5, 1.5).iloc[0]
    for text in (f"expected present value is {r.forventet_gevinst:.3f}", f"spread {r.spredning:.3f}",
                 f"probability of a loss {r.sandsynlighed_tab:.3f}", f"5 % worst case {r.tab_5pct:.3f}"):
        assert text in DOC, text
