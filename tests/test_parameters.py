"""The parameter loader: look-ups, sources, validation messages, a second year as a new file."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlmodel import parameters
from xlmodel.errors import ParameterFileError, XlmodelError
from xlmodel.parameters import load

GOOD_PARAM = """
[meta]
name = "{name}"
horizon = [2013, 2014]
budget_year = 2014

[pl.service]
label = "PL service"
unit = "pct"
period = "year"
source = "aftale"
reference = "test"
values = {{ 2014 = 1.3 }}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_agreement_figures_and_sources() -> None:
    ps = load("aftale-2014")
    assert ps.value("pl.service", 2014) == 1.3
    assert ps.value("pl.samlet", 2014) == 1.4
    assert ps.value("pl.anlaeg", 2014) == 1.6
    assert ps.value("pl.sats", 2014) == 1.8
    assert ps.value("pl.regional", 2014) == 0.9
    assert ps.value("skat.fremskrivningsprocent", 2014) == 11.4
    assert ps.value("grundskyld.reguleringsprocent", 2014) == 6.3
    assert ps.value("skat.forhoejelse_individuel_andel", 2014) == [75, 50, 50, 25]
    assert [ps.value("skat.nedsaettelse_tilskud_max", y) for y in range(2014, 2018)] == [75, 50, 50, 25]
    assert ps.source("pl.service") == "aftale: Aftale 2014, boks 1"
    assert ps.get("pension.diskonteringsrente").source == "antagelse"


def test_every_parameter_has_unit_source_reference() -> None:
    frame = load().to_frame()
    assert set(frame["source"]) <= {"aftale", "lov", "antagelse"}
    assert frame["unit"].isin(parameters.UNITS).all()
    assert frame["reference"].str.len().gt(0).all()
    assumptions = frame[frame["source"] == "antagelse"]
    assert assumptions["note"].str.len().gt(0).all()


def test_period_from_carries_forward_and_year_does_not() -> None:
    ps = load()
    assert ps.value("bloktilskud.skolereform_dut", 2014) == 204
    assert ps.value("bloktilskud.skolereform_dut", 2017) == 407  # "2015 og frem"
    with pytest.raises(XlmodelError, match="pl.service has a value: 2014"):
        ps.value("pl.service", 2015)


@pytest.mark.parametrize(("name", "year", "message"), [
    ("pl.nope", 2014, "navn: 'pl.nope'"),
    ("pl.service", 2030, "aar: 2030 .*outside parameter set aftale-2014.*2013–2017"),
    ("pl.service", 2014.5, "aar: 2014.5"),
    ("pl.service", "2014", "aar: '2014'"),
])
def test_lookup_errors_name_what_was_wrong(name: str, year: object, message: str) -> None:
    with pytest.raises(XlmodelError, match=message):
        load().value(name, year)  # type: ignore[arg-type]


@pytest.mark.parametrize(("patch", "key", "problem"), [
    (("unit = \"pct\"", "unit = \"procent\""), "pl.service.unit", "unknown unit 'procent'"),
    (("unit = \"pct\"\n", ""), "pl.service.unit", "missing"),
    (("source = \"aftale\"", "source = \"rygte\""), "pl.service.source", "'rygte'"),
    (("values = {{ 2014 = 1.3 }}", "values = {{ 2014 = \"1,3\" }}"), "pl.service.values.2014",
     "wrong type str"),
    (("values = {{ 2014 = 1.3 }}", "values = {{ 2013 = 1.0, 2014 = 1.3 }}\nfoo = 1"),
     "pl.service.foo", "unknown key"),
])
def test_file_errors_name_file_and_key(tmp_path: Path, patch: tuple[str, str], key: str,
                                       problem: str) -> None:
    text = GOOD_PARAM.replace(*patch).format(name="broken")
    path = write(tmp_path, "broken", text)
    with pytest.raises(ParameterFileError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith("broken.toml: key ")
    assert key in message and problem in message


def test_year_gap_in_a_pl_series_is_refused(tmp_path: Path) -> None:
    text = GOOD_PARAM.format(name="gap").replace("horizon = [2013, 2014]", "horizon = [2010, 2014]")
    text = text.replace("{ 2014 = 1.3 }", "{ 2012 = 1.0, 2014 = 1.3 }")
    with pytest.raises(ParameterFileError, match=r"year gap: \[2013\] missing"):
        load(write(tmp_path, "gap", text))


def test_assumption_without_note_is_refused(tmp_path: Path) -> None:
    text = GOOD_PARAM.format(name="nonote").replace('source = "aftale"', 'source = "antagelse"')
    with pytest.raises(ParameterFileError, match="nonote.toml: key 'pl.service.note'"):
        load(write(tmp_path, "nonote", text))


def test_not_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match="not valid TOML"):
        load(write(tmp_path, "junk", "this is [not toml"))


def test_unknown_set_lists_available() -> None:
    with pytest.raises(XlmodelError, match="aftale-2014"):
        load("aftale-1999")


def test_new_year_is_a_new_file(test_params_path: Path) -> None:
    assert "aftale-2015-test" in parameters.available()
    ps = load("aftale-2015-test")
    assert ps.value("pl.service", 2014) == 1.3      # inherited from aftale-2014
    assert ps.value("pl.service", 2015) == 1.5      # added by the new file
    assert ps.budget_year == 2015 and ps.horizon == (2013, 2018)
    assert ps.source("pl.service", 2015) == "antagelse: testdata"
    assert ps.source("pl.service", 2014) == "aftale: Aftale 2014, boks 1"  # inherited value keeps its source
    assert ps.files[0].endswith("aftale-2014.toml")


def test_with_value_marks_the_user_assumption() -> None:
    ps = load().with_value("pension.diskonteringsrente", 2014, 2.0)
    assert ps.value("pension.diskonteringsrente", 2015) == 2.0
    assert load().value("pension.diskonteringsrente", 2015) == 3.0
    changed = load().with_value("pl.service", 2014, 1.5)
    assert changed.get("pl.service").source == "antagelse"
    assert "1.3 (aftale: Aftale 2014, boks 1)" in changed.get("pl.service").note
