"""Tilskud og udligning (issue 12): worked examples, invariants (hypothesis), bad input, afstem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import udligning as u
from xlmodel.errors import XlmodelError
from xlmodel.parameters import load

PS = load("aftale-2014")


# --------------------------------------------------------------------------- worked examples ----
def test_structural_deficit_uses_the_years_average_rate() -> None:
    t = PS.value("udligning.skatteprocent", 2014)
    assert u.strukturelt_underskud(500.0, 1000.0) == pytest.approx(500 - 1000 * t / 100)
    assert u.strukturelt_underskud(500.0, 1000.0, 20) == pytest.approx(300.0)


def test_landsudligning_default_level_is_the_parameter() -> None:
    level = PS.value("udligning.landsudligning_pct", 2014)
    su = u.strukturelt_underskud([300, 100], [1000, 1000], 25)
    np.testing.assert_allclose(u.landsudligning([300, 100], [1000, 1000], 25), level / 100 * su)


def test_hovedstad_sums_to_zero_and_is_zero_outside() -> None:
    r = u.hovedstadsudligning([300, 250, 100, 90], [1000, 800, 300, 200], [100, 80, 40, 30],
                              [True, True, True, False], 25, 27)
    assert r[3] == 0.0
    assert abs(r[:3].sum()) < 1e-9


def test_hovedstad_worked_example_by_hand() -> None:
    # SU = 300 − 250 = 50, 250 − 200 = 50, 100 − 75 = 25 → group per inhabitant 125/220
    su = np.array([50.0, 50.0, 25.0])
    pop = np.array([100, 80, 40])
    expected = 0.27 * (su - pop * su.sum() / pop.sum())
    got = u.hovedstadsudligning([300, 250, 100], [1000, 800, 300], pop, [1, 1, 1], 25, 27)
    np.testing.assert_allclose(got, expected)


def test_hoejt_underskud_threshold_by_hand() -> None:
    # SU 40, 10, −10 over 10 inh. each: national 40/30 per inh.; threshold 0.9 × 4/3 = 1.2
    got = u.hoejt_underskud_tilskud([65, 35, 15], [100, 100, 100], [10, 10, 10], 25, 90, 32)
    np.testing.assert_allclose(got, [0.32 * (4 - 1.2) * 10, 0.0, 0.0])


def test_selskabsskat_sums_to_zero() -> None:
    got = u.selskabsskat_udligning([30, 10, 0], [100, 50, 50])
    assert abs(got.sum()) < 1e-12
    assert got[0] < 0 < got[2]


def test_beskatningsgrundlag_counts_share_of_land_values() -> None:
    share = PS.value("udligning.grundvaerdi_andel", 2014)
    assert u.beskatningsgrundlag(1000, 500) == pytest.approx(1000 + share * 500)
    assert u.beskatningsgrundlag(1000, 500, andel=0.5) == pytest.approx(1250)


def test_demographic_and_socioeconomic_need() -> None:
    befolkning = pd.DataFrame({"0-6": [10, 20], "7-16": [5, 5]}, index=[101, 147])
    got = u.aldersbestemt_udgiftsbehov(befolkning, [2.0, 3.0])
    assert got.to_dict() == {101: 35.0, 147: 55.0}
    s = u.socioekonomisk_udgiftsbehov([[1, 3], [3, 1]], [0.5, 0.5], 100)
    np.testing.assert_allclose(s, [50.0, 50.0])


def test_table_grant_distributed_equals_grant_and_parts_sum_to_total() -> None:
    d = _sample()
    df = u.tilskud_og_udligning(**d)
    parts = [c for c in u.ORDNINGER if c in df.columns]
    np.testing.assert_allclose(df[parts].sum(axis=1), df["i_alt"])
    assert df["i_alt"].sum() == pytest.approx(PS.value("bloktilskud.paragraf14", 2014), rel=1e-12)
    assert df.attrs["overudligning"].startswith("ikke beregnet")
    assert "overudligning" not in df.columns  # left out, never a column of zeros


def test_table_with_overudligning_and_island_grant() -> None:
    d = _sample()
    n = len(d["indbyggere"])
    oe = np.zeros(n)
    oe[:3] = 5.0
    df = u.tilskud_og_udligning(**d, udskrivningsprocent=np.full(n, 22.0), oevrige=oe)
    assert (df["overudligning"] >= 0).all()
    assert df["overudligning"].sum() > 0  # low own rates: some payers are over the limit
    financed = df[["landsudligning", "hoejt_underskud", "overudligning", "bloktilskud"]].sum().sum()
    assert financed == pytest.approx(PS.value("bloktilskud.paragraf14", 2014), rel=1e-12)
    assert df["i_alt"].sum() == pytest.approx(PS.value("bloktilskud.paragraf14", 2014) + 15.0)


def test_series_index_kept() -> None:
    d = _sample()
    idx = pd.Index(range(1000, 1000 + len(d["indbyggere"])), name="kode")
    d["indbyggere"] = pd.Series(d["indbyggere"], index=idx)
    df = u.tilskud_og_udligning(**d)
    assert df.index.equals(idx)


def test_scenarios_match_single_calls() -> None:
    d = _sample()
    growth = np.array([0.0, 0.01, -0.02])[:, None]
    base2d = d["beskatningsgrundlag"] * (1 + growth)
    many = u.beregn(d["indbyggere"], d["udgiftsbehov"], base2d, d["hovedstad"], d["selskabsskat"])
    for k in range(3):
        one = u.beregn(d["indbyggere"], d["udgiftsbehov"], base2d[k], d["hovedstad"], d["selskabsskat"])
        np.testing.assert_allclose(many["i_alt"][k], one["i_alt"], rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------------------- bad input ----
@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"indbyggere": [1, 2]}, "udgiftsbehov"),  # measured against the first argument, indbyggere
    ({"beskatningsgrundlag": ["x"] * 5}, "beskatningsgrundlag"),
    ({"hovedstad": ["ja"] * 5}, "hovedstad"),
    ({"selskabsskat": [1, 2, 3, 4, np.nan]}, "selskabsskat"),
    ({"bloktilskud_i_alt": "mange"}, "bloktilskud_i_alt"),
    ({"skatteprocent": 140}, "skatteprocent"),
    ({"indbyggere": [-1, 1, 1, 1, 1]}, "indbyggere"),
])
def test_bad_input_names_the_argument(kwargs: dict, argument: str) -> None:
    d = {"indbyggere": [10, 20, 30, 40, 50], "udgiftsbehov": [1, 2, 3, 4, 5],
         "beskatningsgrundlag": [5, 5, 5, 5, 5], "hovedstad": [True, False, True, False, False],
         "selskabsskat": [0, 1, 0, 1, 0]}
    d.update(kwargs)
    with pytest.raises(XlmodelError) as exc:
        u.tilskud_og_udligning(**d)
    assert exc.value.argument == argument


def test_overflow_is_an_error_not_zero() -> None:
    with pytest.raises(XlmodelError, match="too large"):
        u.tilskud_og_udligning([1, 1], [1.7e308, 1.7e308], [0, 0], [False, False], [0, 0])


def test_unknown_rate_keyword_refused() -> None:
    with pytest.raises(XlmodelError, match="landsudligning_procent"):
        u.beregn([1], [1], [1], [False], [0], landsudligning_procent=50)


def test_empty_capital_group_gives_zero_hovedstad() -> None:
    r = u.hovedstadsudligning([1, 2], [1, 1], [1, 1], [False, False])
    assert r.tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------ properties ----
def _sample(n: int = 12, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    pop = rng.integers(2_000, 200_000, n).astype(float)
    base = pop * rng.uniform(0.12, 0.2, n)
    need = pop * rng.uniform(0.04, 0.07, n)
    return {"indbyggere": pop, "udgiftsbehov": need, "beskatningsgrundlag": base,
            "hovedstad": rng.random(n) < 0.4, "selskabsskat": pop * rng.uniform(0, 0.004, n)}


municipalities = st.integers(min_value=2, max_value=15).flatmap(lambda n: st.fixed_dictionaries({
    "indbyggere": st.lists(st.floats(1_000, 600_000), min_size=n, max_size=n),
    "udgiftsbehov": st.lists(st.floats(10, 40_000), min_size=n, max_size=n),
    "beskatningsgrundlag": st.lists(st.floats(100, 90_000), min_size=n, max_size=n),
    "hovedstad": st.lists(st.booleans(), min_size=n, max_size=n),
    "selskabsskat": st.lists(st.floats(0, 3_000), min_size=n, max_size=n),
}))


@settings(max_examples=60, deadline=None)
@given(municipalities)
def test_net_systems_sum_to_zero(d: dict) -> None:
    t = u.beregn(**d)
    scale = max(1.0, float(np.abs(t["strukturelt_underskud"]).sum()))
    assert abs(t["hovedstadsudligning"].sum()) <= 1e-9 * scale
    assert abs(t["selskabsskat"].sum()) <= 1e-9 * max(1.0, sum(d["selskabsskat"]))


@settings(max_examples=60, deadline=None)
@given(municipalities, st.floats(0, 100_000))
def test_total_is_sum_of_parts_and_grant_is_distributed(d: dict, grant: float) -> None:
    t = u.beregn(**d, bloktilskud_i_alt=grant)
    parts = sum(t[k] for k in u.ORDNINGER if k in t)
    np.testing.assert_allclose(parts, t["i_alt"], rtol=1e-12, atol=1e-6)
    scale = max(1.0, grant, float(np.abs(t["landsudligning"]).sum()))
    assert abs(t["i_alt"].sum() - grant) <= 1e-9 * scale


@settings(max_examples=60, deadline=None)
@given(municipalities, st.floats(0.01, 100))
def test_scaling_all_amounts_scales_the_result(d: dict, c: float) -> None:
    grant = 50_000.0
    t1 = u.beregn(**d, bloktilskud_i_alt=grant)
    amounts = ("udgiftsbehov", "beskatningsgrundlag", "selskabsskat")
    scaled = {**d, **{k: [c * x for x in d[k]] for k in amounts}}
    t2 = u.beregn(**scaled, bloktilskud_i_alt=c * grant)
    for k in (*u.ORDNINGER, "i_alt"):
        if k in t1:
            np.testing.assert_allclose(t2[k], c * t1[k], rtol=1e-9, atol=1e-6 * c * grant)


@settings(max_examples=60, deadline=None)
@given(municipalities, st.floats(1.001, 1.5), st.integers(0, 14))
def test_own_tax_base_up_means_less_equalisation(d: dict, factor: float, pick: int) -> None:
    i = pick % len(d["indbyggere"])
    t1 = u.beregn(**d)
    base = list(d["beskatningsgrundlag"])
    base[i] *= factor
    t2 = u.beregn(**{**d, "beskatningsgrundlag": base})
    assert t2["landsudligning"][i] < t1["landsudligning"][i]
    if d["hovedstad"][i] and sum(d["hovedstad"]) > 1:
        assert t2["hovedstadsudligning"][i] <= t1["hovedstadsudligning"][i] + 1e-9
    # the total transfer (excluding the population-keyed grant) falls
    own = ("landsudligning", "hovedstadsudligning", "hoejt_underskud", "selskabsskat")
    assert sum(t2[k][i] for k in own) < sum(t1[k][i] for k in own) + 1e-9


# --------------------------------------------------------------------------- afstem ----
def test_afstem_classifies_rounding_real_and_missing() -> None:
    model = pd.DataFrame({"landsudligning": [100.0004, 50.0, 7.0], "bloktilskud": [1.0, 2.0, 3.0]},
                         index=[101, 147, 151])
    ministry = pd.DataFrame({"Landsudligning": [100.0, 49.9], "Bloktilskud": [1.001, 2.0]},
                            index=[101, 147])
    r = u.afstem(model, ministry)
    klasse = {(row.kode, row.ordning): row.klasse for row in r.itertuples()}
    assert klasse[(101, "landsudligning")] == "afrunding"
    assert klasse[(101, "bloktilskud")] == "afrunding"   # exactly 1,000 kr.
    assert klasse[(147, "landsudligning")] == "reel"
    assert klasse[(151, "landsudligning")] == "mangler"
    assert u.opsummer(r) == {"afrunding": 3, "reel": 1, "mangler": 2}


def test_afstem_units_and_bad_tables() -> None:
    model = pd.DataFrame({"landsudligning": [100.0]}, index=[101])
    ministry = pd.DataFrame({"Landsudligning": [100_000.4]}, index=[101])  # 1.000 kr.
    r = u.afstem(model, ministry, ministeriets_enhed="1.000 kr.")
    assert r.loc[0, "klasse"] == "afrunding"
    assert r.loc[0, "ministeriet"] == pytest.approx(100.0004)
    with pytest.raises(XlmodelError, match="columns named like"):
        u.afstem(model, pd.DataFrame({"foo": [1]}, index=[101]))
    with pytest.raises(XlmodelError, match="enhed"):
        u.afstem(model, ministry, enhed="euro")


def test_benchmark_case_runs_and_agrees_with_the_loop() -> None:
    from bench.udligning_cases import table_scenarios

    out = table_scenarios(3)  # smoke size: the script still runs; no timing is asserted here
    assert out["agree"] is True and out["municipalities"] == 98
