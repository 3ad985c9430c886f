"""The ILLUSTRATIVE sample is plausible: each municipality's population within its size class,
tax base per inhabitant within the national range, the familiar shape, labelled illustrative."""

from __future__ import annotations

import pandas as pd

import xlmodel.kommuner as km
from xlmodel.kommuner import GRUNDLAG_PR_INDBYGGER, STOERRELSESKLASSER, eksempeldata


def sample() -> pd.DataFrame:
    return eksempeldata().set_index("kode")


def test_every_municipality_has_a_size_class() -> None:
    assert set(km._KLASSE) == set(km.kommuner()["kode"])
    assert set(km._KLASSE.values()) <= set(STOERRELSESKLASSER)


def test_population_within_its_size_class() -> None:
    df = sample()
    for kode, row in df.iterrows():
        lo, hi = STOERRELSESKLASSER[km._KLASSE[kode]]
        assert lo <= row["indbyggere"] <= hi, (row["navn"], row["indbyggere"], (lo, hi))


def test_the_familiar_shape() -> None:
    df = sample().set_index("navn")["indbyggere"]
    assert 540_000 <= df["København"] <= 580_000
    assert 300_000 <= df["Aarhus"] <= 340_000
    assert df.nlargest(4).index.tolist() == ["København", "Aarhus", "Aalborg", "Odense"]
    for island in ("Læsø", "Fanø", "Samsø", "Ærø"):
        assert df[island] < 8_000, island
    # the two the issue found implausible (126,555 and 156,157 inhabitants)
    assert 35_000 <= df["Ballerup"] <= 60_000
    assert 30_000 <= df["Vesthimmerlands"] <= 55_000
    assert 5_500_000 < df.sum() < 5_700_000


def test_tax_base_per_inhabitant_within_the_national_range() -> None:
    df = sample()
    per_capita = df["udskrivningsgrundlag_2011"] * 1e6 / df["indbyggere"]
    lo, hi = GRUNDLAG_PR_INDBYGGER
    assert per_capita.between(lo, hi).all(), per_capita.describe()
    # the wealthy municipalities north of Copenhagen lie above the typical level
    wealthy = per_capita[list(km._VELHAVENDE)]
    assert wealthy.median() > per_capita.drop(list(km._VELHAVENDE)).quantile(0.9)


def test_seeded_and_labelled() -> None:
    assert km._make_sample(2014).equals(km._make_sample(2014))
    assert not km._make_sample(7)["indbyggere"].equals(km._make_sample(2014)["indbyggere"])
    df = eksempeldata()
    assert (df["datakilde"] == "illustrativ").all() and df.attrs["illustrativ"]
    assert "ILLUSTRATIVE" in df.attrs["kilde"]
