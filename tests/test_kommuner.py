"""The 98 municipalities, the illustrative sample, the Statistikbanken importer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xlmodel import kommuner
from xlmodel.errors import XlmodelError

STATBANK = Path(__file__).parent / "data" / "statbank"


def test_98_municipalities_in_5_regions() -> None:
    k = kommuner.kommuner()
    assert len(k) == 98 and k["kode"].is_unique
    assert k["region"].value_counts().to_dict() == {
        "Region Hovedstaden": 29, "Region Midtjylland": 19, "Region Syddanmark": 22,
        "Region Sjælland": 17, "Region Nordjylland": 11}
    known = {101: ("København", "Region Hovedstaden"), 751: ("Aarhus", "Region Midtjylland"),
             851: ("Aalborg", "Region Nordjylland"), 461: ("Odense", "Region Syddanmark"),
             400: ("Bornholm", "Region Hovedstaden"), 265: ("Roskilde", "Region Sjælland"),
             253: ("Greve", "Region Sjælland"), 840: ("Rebild", "Region Nordjylland")}
    indexed = k.set_index("kode")
    for code, (name, region) in known.items():
        assert (indexed.loc[code, "navn"], indexed.loc[code, "region"]) == (name, region)
    assert 411 not in indexed.index  # Christiansø is not a municipality


def test_sample_is_labelled_illustrative_and_reproducible() -> None:
    data = kommuner.eksempeldata()
    assert data.attrs["illustrativ"] is True and "ILLUSTRATIVE" in data.attrs["kilde"]
    assert (data["datakilde"] == "illustrativ").all()
    assert len(data) == 98 and data.notna().all().all()
    assert data["udskrivningsprocent"].between(22.5, 27.8).all()
    regenerated = kommuner._make_sample()
    shipped = pd.read_csv(kommuner.EKSEMPEL_CSV)
    pd.testing.assert_frame_equal(regenerated, shipped, check_dtype=False)


def test_folk1a_long_windows1252_with_title() -> None:
    df = kommuner.importer_statistikbanken(STATBANK / "folk1a_long_cp1252.csv")
    assert df.attrs["tabel"] == "FOLK1A"
    assert df[["kode", "navn", "tid", "vaerdi"]].values.tolist() == [
        [101, "København", "2014K1", 569557.0], [751, "Aarhus", "2014K1", 323893.0],
        [825, "Læsø", "2014K1", 1849.0], [101, "København", "2014K2", 572500.0]]
    pop = kommuner.til_indbyggere(df, "2014K1")
    assert pop.to_dict() == {101: 569557.0, 751: 323893.0, 825: 1849.0}


def test_folk1a_wide_utf8_bom_with_thousand_separators() -> None:
    df = kommuner.importer_statistikbanken(STATBANK / "folk1a_wide_utf8bom.csv")
    assert sorted(df["tid"].unique()) == ["2014K1", "2014K2"]
    got = df.set_index(["kode", "tid"])["vaerdi"]
    assert got[(101, "2014K1")] == 569557 and got[(461, "2014K2")] == 197000
    assert got[(851, "2014K1")] == 205809  # "Aalborg Kommune" maps to Aalborg


def test_pskat_decimal_commas() -> None:
    df = kommuner.importer_statistikbanken(STATBANK / "pskat_long.csv")
    assert df.attrs["tabel"] == "PSKAT"
    rates = df[df["skattype"] == "Kommunal indkomstskat"].set_index("kode")["vaerdi"]
    assert rates.to_dict() == {101: 23.8, 147: 22.8}


def test_missing_values_are_an_error_unless_dropped() -> None:
    with pytest.raises(XlmodelError, match=r"folk1a_missing.csv, line 3: '\.\.'"):
        kommuner.importer_statistikbanken(STATBANK / "folk1a_missing.csv")
    df = kommuner.importer_statistikbanken(STATBANK / "folk1a_missing.csv", manglende="drop")
    assert df["kode"].tolist() == [101]


def test_unknown_municipality_is_named() -> None:
    with pytest.raises(XlmodelError, match="Christiansø.*unknown municipality"):
        kommuner.importer_statistikbanken(STATBANK / "folk1a_unknown.csv")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x00\x01\x02PK binary", "binary"),
    (b"OMRADE,TID,INDHOLD\nKobenhavn,2014K1,1\n", "no ';' separator"),
    ("OMRÅDE;KØN;ALDER\nKøbenhavn;Mænd;12\n".encode(), "one column per period"),
    ("OMRÅDE;TID;INDHOLD\nKøbenhavn;2014K1;mange\n".encode(), "line 2: 'mange'"),
])
def test_broken_files_get_clear_messages(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "eksport.csv"
    path.write_bytes(content)
    with pytest.raises(XlmodelError, match=message):
        kommuner.importer_statistikbanken(path)


def test_unknown_period_lists_the_available() -> None:
    df = kommuner.importer_statistikbanken(STATBANK / "folk1a_long_cp1252.csv")
    with pytest.raises(XlmodelError, match="2014K1, 2014K2"):
        kommuner.til_indbyggere(df, "2015K1")
