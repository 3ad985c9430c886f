"""Tests for xlmodel.kommuner: the 98-municipality list, the illustrative sample, the importer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import kommuner as km
from xlmodel.errors import XlmodelError
from xlmodel.kommuner import REGIONER, eksempeldata, importer_statistikbanken, kommuner, til_indbyggere

# ---------------------------------------------------------------------------------------------
# The municipality list


def test_98_municipalities_unique_codes_and_names() -> None:
    df = kommuner()
    assert list(df.columns) == ["kode", "navn", "region"]
    assert len(df) == 98
    assert df["kode"].is_unique and df["navn"].is_unique
    assert df["kode"].between(101, 860).all()
    assert df["kode"].is_monotonic_increasing


def test_five_regions_with_their_municipality_counts() -> None:
    counts = kommuner()["region"].value_counts().to_dict()
    assert set(counts) == set(REGIONER)
    # Region sizes after kommunalreformen 2007.
    assert counts == {"Region Hovedstaden": 29, "Region Sjælland": 17, "Region Syddanmark": 22,
                      "Region Midtjylland": 19, "Region Nordjylland": 11}


@pytest.mark.parametrize(("kode", "navn", "region"), [
    (101, "København", "Region Hovedstaden"),
    (147, "Frederiksberg", "Region Hovedstaden"),
    (751, "Aarhus", "Region Midtjylland"),
    (851, "Aalborg", "Region Nordjylland"),
    (461, "Odense", "Region Syddanmark"),
    (400, "Bornholm", "Region Hovedstaden"),
    (265, "Roskilde", "Region Sjælland"),
    (253, "Greve", "Region Sjælland"),
    (840, "Rebild", "Region Nordjylland"),
    (825, "Læsø", "Region Nordjylland"),
    (860, "Hjørring", "Region Nordjylland"),
])
def test_known_codes(kode: int, navn: str, region: str) -> None:
    df = kommuner().set_index("kode")
    assert df.loc[kode, "navn"] == navn
    assert df.loc[kode, "region"] == region


def test_christiansoe_is_not_a_municipality() -> None:
    assert 411 not in set(kommuner()["kode"])


def test_kommuner_returns_a_copy() -> None:
    a = kommuner()
    a.loc[0, "navn"] = "X"
    assert kommuner().loc[0, "navn"] == "København"


# ---------------------------------------------------------------------------------------------
# The illustrative sample


def test_sample_is_labelled_illustrative() -> None:
    df = eksempeldata()
    assert df.attrs["illustrativ"] is True
    assert "illustrative" in df.attrs["kilde"].lower()
    assert "importer_statistikbanken" in df.attrs["kilde"]
    assert (df["datakilde"] == "illustrativ").all()
    assert list(df.columns) == ["kode", "navn", "region", "indbyggere", "udskrivningsgrundlag_2011",
                                "udskrivningsprocent", "grundskyldspromille", "datakilde"]
    assert df["kode"].tolist() == kommuner()["kode"].tolist()


def test_sample_magnitudes() -> None:
    df = eksempeldata().set_index("kode")
    assert 5_500_000 < df["indbyggere"].sum() < 5_700_000
    assert 540_000 <= df.loc[101, "indbyggere"] <= 580_000
    assert 1_700 <= df.loc[825, "indbyggere"] <= 2_100
    assert df["indbyggere"].idxmax() == 101 and df["indbyggere"].idxmin() == 825
    per_capita = df["udskrivningsgrundlag_2011"] * 1e6 / df["indbyggere"]
    assert per_capita.between(*km.GRUNDLAG_PR_INDBYGGER).all()
    assert 140_000 < per_capita.mean() < 175_000
    assert df["udskrivningsprocent"].between(22.5, 27.8).all()
    assert (df["udskrivningsprocent"].round(1) == df["udskrivningsprocent"]).all()
    assert df["grundskyldspromille"].between(16, 34).all()


def test_sample_file_is_reproduced_by_make_sample() -> None:
    stored = pd.read_csv(km._data_path(km._EKSEMPEL_FIL), encoding="utf-8")
    pd.testing.assert_frame_equal(stored, km._make_sample(), check_dtype=False)


def test_make_sample_depends_on_seed() -> None:
    assert not km._make_sample(1).equals(km._make_sample(2))


# ---------------------------------------------------------------------------------------------
# Statistikbanken importer

STATBANK = Path(__file__).parent / "data" / "statbank"


def test_folk1a_long_cp1252_with_title_line() -> None:
    raw = (STATBANK / "folk1a_lang_cp1252.csv").read_bytes()
    assert b"\xf8" in raw and b"\r\n" in raw  # really Windows-1252 ("ø") with CRLF
    df = importer_statistikbanken(STATBANK / "folk1a_lang_cp1252.csv")
    assert list(df.columns) == ["kode", "navn", "tid", "vaerdi"]
    assert df.attrs["tabel"] == "FOLK1A"
    assert "FOLK1A" in df.attrs["kilde"]
    assert df.attrs["sprunget_over"] == ["Hele landet", "Region Hovedstaden", "Christiansø"]
    assert df["vaerdi"].dtype == "int64"
    assert len(df) == 16 and set(df["tid"]) == {"2014K1", "2014K2"}
    row = df[(df["kode"] == 101) & (df["tid"] == "2014K1")]
    assert row["navn"].item() == "København" and row["vaerdi"].item() == 569557
    assert set(df["kode"]) == {101, 147, 155, 169, 185, 400, 825, 492}
    assert 411 not in set(df["kode"])


def test_folk1a_wide_utf8_bom_thousand_separators_codes_and_odd_spacing() -> None:
    assert (STATBANK / "folk1a_bred_utf8bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    df = importer_statistikbanken(STATBANK / "folk1a_bred_utf8bom.csv", tabel="folk1a")
    by = df.set_index(["kode", "tid"])["vaerdi"]
    assert by[(461, "2014K1")] == 196584        # "  ODENSE " → 461
    assert by[(430, "2013K1")] == 51634         # "faaborg-midtfyn" → 430
    assert by[(751, "2014K1")] == 323893        # given as code "751"
    assert by[(851, "2013K1")] == 203448        # given as "851 Aalborg"
    assert df.loc[df["kode"] == 461, "navn"].unique().tolist() == ["Odense"]
    assert len(df) == 16


def test_pskat_decimal_commas() -> None:
    df = importer_statistikbanken(STATBANK / "pskat_2014.csv")
    assert df.attrs["tabel"] == "PSKAT"
    assert list(df.columns) == ["kode", "navn", "skattype", "tid", "vaerdi"]
    rates = df.set_index(["kode", "skattype"])["vaerdi"]
    assert rates[(101, "Kommunal indkomstskat")] == pytest.approx(23.80)
    assert rates[(360, "Kommunal indkomstskat")] == pytest.approx(27.80)
    assert rates[(360, "Grundskyld")] == pytest.approx(28.26)
    assert len(df) == 8 and (df["tid"] == "2014").all()


def test_web_export_with_constant_dimension_quotes_and_footnote() -> None:
    df = importer_statistikbanken(STATBANK / "folk1a_web_koen_cp1252.csv")
    assert df.set_index(["kode", "tid"])["vaerdi"].to_dict() == {
        (621, "2014K1"): 89412, (621, "2014K2"): 89616, (630, "2014K1"): 108021, (630, "2014K2"): 108333}


def test_missing_value_is_an_error_naming_the_row() -> None:
    with pytest.raises(XlmodelError, match=r"line 3: Samsø, 2014K1") as info:
        importer_statistikbanken(STATBANK / "folk1a_manglende.csv")
    assert "manglende='drop'" in str(info.value)


def test_missing_value_dropped_on_request_and_listed() -> None:
    df = importer_statistikbanken(STATBANK / "folk1a_manglende.csv", manglende="drop")
    assert set(df["kode"]) == {101, 751}
    assert 741 not in set(df["kode"])
    assert df.attrs["manglende"] == [{"kode": 741, "tid": "2014K1"}]
    assert not (df["vaerdi"] == 0).any()


def test_unknown_names_are_listed() -> None:
    with pytest.raises(XlmodelError) as info:
        importer_statistikbanken(STATBANK / "folk1a_ukendt.csv")
    assert info.value.value == ["Atlantis", "Nordfyn"]
    assert "folk1a_ukendt.csv" in str(info.value)


def test_til_indbyggere() -> None:
    df = importer_statistikbanken(STATBANK / "folk1a_lang_cp1252.csv")
    s = til_indbyggere(df, "2014K2")
    assert s.index.name == "kode" and s.name == "indbyggere"
    assert s.index.tolist() == sorted(s.index) and len(s) == 8
    assert s[101] == 572074 and s[825] == 1838
    assert "FOLK1A" in s.attrs["kilde"]


def test_til_indbyggere_errors() -> None:
    df = importer_statistikbanken(STATBANK / "folk1a_lang_cp1252.csv")
    with pytest.raises(XlmodelError, match="2014K1, 2014K2"):
        til_indbyggere(df, 2014)
    with pytest.raises(XlmodelError, match="FOLK1A"):
        til_indbyggere(importer_statistikbanken(STATBANK / "pskat_2014.csv"), "2014")
    with pytest.raises(XlmodelError, match="df"):
        til_indbyggere([1, 2], "2014K1")  # type: ignore[arg-type]


def _write(tmp_path: Path, text: str | bytes, name: str = "eksport.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize(("content", "detail"), [
    (b"", "empty"),
    (b"  \r\n\r\n", "empty"),
    (bytes(range(256)) * 4, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"\x81\x8d\x8f\x90;\x9d" * 10, "binary"),        # neither UTF-8 nor Windows-1252
    (b"OMR\x01;\x02TID;\x1bINDHOLD\n", "binary"),       # control characters
    (b"PK\x03\x04\x14\x00\x06\x00", "xlsx"),
    ("OMRÅDE,TID,INDHOLD\nKøbenhavn,2014K1,569557\n", "not ';'-separated (found ',')"),
    ("OMRÅDE\tTID\tINDHOLD\nKøbenhavn\t2014K1\t569557\n", "not ';'-separated (found '\\t')"),
    ("OMRÅDE;TID\nKøbenhavn;2014K1\n", "lacks TID and INDHOLD"),
    ("NAVN;AAR;ANTAL\nKøbenhavn;2014;569557\n", "no header"),
    ("OMRÅDE;TID;INDHOLD\n", "no data rows"),
    ("OMRÅDE;TID;INDHOLD\nKøbenhavn;2014K1\n", "line 2 has 2 fields"),
    ("OMRÅDE;TID;INDHOLD\nHele landet;2014K1;5627235\n", "no municipality rows"),
])
def test_bad_files_name_the_file_and_what_is_expected(tmp_path: Path, content: str | bytes,
                                                      detail: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(XlmodelError) as info:
        importer_statistikbanken(path)
    message = str(info.value)
    assert str(path) in message
    assert detail in message
    assert "OMRÅDE;TID;INDHOLD" in message  # says what is expected


@pytest.mark.parametrize(("value", "allowed"), [
    ("5x", "Danish form"),
    ("-", "Danish form"),
    ("-12", "whole number"),
    ("1.234,5", "whole number"),
    ("570,000", "570000 or 570.000"),      # issue 11 obs. 14: was read as 570 persons
    ("1,234,567", "570000 or 570.000"),
    ("9" * 400, "Danish form"),           # 400 digits: was an OverflowError
])
def test_bad_population_values_name_the_line(tmp_path: Path, value: str, allowed: str) -> None:
    path = _write(tmp_path, f"OMRÅDE;TID;INDHOLD\nKøbenhavn;2014K1;{value}\n")
    with pytest.raises(XlmodelError, match=f"line 2: København, 2014K1.*{allowed}"):
        importer_statistikbanken(path)


def test_tax_rate_out_of_range_is_refused(tmp_path: Path) -> None:
    # "23.800" reads as 23800 in Danish notation; a tax rate cannot be that, so it is refused.
    path = _write(tmp_path, "OMRÅDE;SKATTYPE;TID;INDHOLD\nKøbenhavn;Kommunal indkomstskat;2014;23.800\n")
    with pytest.raises(XlmodelError, match="between 0 and 100"):
        importer_statistikbanken(path)


def test_several_values_in_another_dimension_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "OMRÅDE;KØN;TID;INDHOLD\nKøbenhavn;Mænd;2014K1;280000\n"
                            "København;Kvinder;2014K1;289557\n")
    with pytest.raises(XlmodelError, match="KØN"):
        importer_statistikbanken(path)


def test_same_municipality_twice_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "OMRÅDE;TID;INDHOLD\nKøbenhavn;2014K1;569557\n101;2014K1;569557\n")
    with pytest.raises(XlmodelError, match="more than once"):
        importer_statistikbanken(path)


def test_table_argument(tmp_path: Path) -> None:
    with pytest.raises(XlmodelError, match="tabel"):
        importer_statistikbanken(STATBANK / "pskat_2014.csv", tabel="FOLK1A")
    with pytest.raises(XlmodelError, match="SKATTYPE"):
        importer_statistikbanken(STATBANK / "folk1a_lang_cp1252.csv", tabel="PSKAT")
    with pytest.raises(XlmodelError, match="FOLK1A, PSKAT"):
        importer_statistikbanken(STATBANK / "pskat_2014.csv", tabel="BY1")
    with pytest.raises(XlmodelError, match="manglende"):
        importer_statistikbanken(STATBANK / "pskat_2014.csv", manglende="nul")
    taxish = _write(tmp_path, "Kommunale skatteprocenter efter område og tid\nOMRÅDE;TID;INDHOLD\n"
                              "København;2014;23,80\n")
    with pytest.raises(XlmodelError, match="SKATTYPE"):
        importer_statistikbanken(taxish)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(XlmodelError, match="findes_ikke.csv"):
        importer_statistikbanken(tmp_path / "findes_ikke.csv")


def test_utf8_without_bom_and_names_with_kommune_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "OMRÅDE;TID;INDHOLD\nKøbenhavns Kommune;2014K1;569.557\n"
                            "Århus;2014K1;323.893\nRingkøbing-Skjern Kommune;2014K1;57.400\n")
    df = importer_statistikbanken(path)
    assert df.set_index("kode")["vaerdi"].to_dict() == {101: 569557, 751: 323893, 760: 57400}
    assert df["navn"].tolist() == ["København", "Aarhus", "Ringkøbing-Skjern"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(kommuner()["navn"].tolist()), min_size=1, max_size=10, unique=True),
       st.integers(min_value=0, max_value=999_999), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_round_trip_any_names_encoding_and_thousand_separators(names: list[str], base: int,
                                                              encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        values = {n: base + i for i, n in enumerate(names)}
        lines = ["Titel", "OMRÅDE;TID;INDHOLD"] + [f"{n.upper()};2014K1;{v:,}".replace(",", ".")
                                                   for n, v in values.items()]
        path = Path(tmp) / "x.csv"
        path.write_bytes("\r\n".join(lines).encode(encoding))
        s = til_indbyggere(importer_statistikbanken(path), "2014K1")
    codes = kommuner().set_index("navn")["kode"]
    assert s.to_dict() == {int(codes[n]): v for n, v in values.items()}
