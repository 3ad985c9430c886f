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
    assert set(frame["source"]) <= {"aftale", "lov", "udmelding", "antagelse"}
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
    assert changed.get("pl.service").source == "bruger"  # the user's change, shown as such
    assert "1.3 (aftale: Aftale 2014, boks 1)" in changed.get("pl.service").note


# ------------------------------------------------------------------ ranges (issue 11, obs. 11)
@pytest.mark.parametrize(("value", "problem"), [
    ("-150", "-150.0 is outside the range"),
    ("-100", "-100.0 is outside the range"),
    ("nan", "nan is not a finite number"),
    ("inf", "inf is not a finite number"),
    ("-inf", "-inf is not a finite number"),
    ("1e309", "inf is not a finite number"),
])
def test_out_of_range_and_non_finite_values_are_refused(tmp_path: Path, value: str, problem: str) -> None:
    """pl.service = -150 used to give PL_FAKTOR -0.5; nan/inf/1e309 used to load."""
    text = GOOD_PARAM.format(name="bad").replace("{{ 2014 = 1.3 }}", f"{{{{ 2014 = {value} }}}}")
    text = text.replace("{ 2014 = 1.3 }", f"{{ 2014 = {value} }}")
    with pytest.raises(ParameterFileError) as info:
        load(write(tmp_path, "bad", text))
    message = str(info.value)
    assert message.startswith("bad.toml: key 'pl.service.values.2014'")
    assert problem in message
    assert "(-100, inf)" in message or "finite" in message


def test_an_explicit_range_narrows_the_unit_default(tmp_path: Path) -> None:
    text = GOOD_PARAM.format(name="narrow").replace('period = "year"', 'period = "year"\nrange = "[0, 1]"')
    with pytest.raises(ParameterFileError,
                       match=r"1.3 is outside the range; allowed: a finite number in \[0, 1\]"):
        load(write(tmp_path, "narrow", text))
    bad = GOOD_PARAM.format(name="badrange").replace('period = "year"', 'period = "year"\nrange = "0..1"')
    with pytest.raises(ParameterFileError, match="badrange.toml: key 'pl.service.range'"):
        load(write(tmp_path, "badrange", bad))


def test_nan_cap_for_the_tax_frame_is_refused(tmp_path: Path) -> None:
    """skat.forhoejelse_ramme = nan used to disable the 250 mio. exemption cap silently."""
    text = '''[meta]
name = "nanramme"
extends = "aftale-2014"
budget_year = 2014
horizon = [2013, 2017]

[skat.forhoejelse_ramme]
label = "Ramme"
unit = "mio. kr."
period = "year"
source = "aftale"
reference = "test"
values = { 2014 = nan }
'''
    with pytest.raises(ParameterFileError, match="nanramme.toml: key 'skat.forhoejelse_ramme.values.2014'"):
        load(write(tmp_path, "nanramme", text))


def test_every_shipped_value_is_in_its_range() -> None:
    ps = load()
    for p in ps.parameters.values():
        if p.unit == "tekst":
            continue
        assert p.allowed is not None, p.name
        for value in p.values.values():
            for item in value if isinstance(value, list) else [value]:
                assert p.allowed.contains(item), (p.name, item, str(p.allowed))


def test_a_users_change_meets_the_range() -> None:
    with pytest.raises(XlmodelError, match=r"pl.service.values.2014: -150 .*\(-100, inf\)"):
        load().with_value("pl.service", 2014, -150)
    with pytest.raises(XlmodelError, match=r"sanktion.kollektiv_andel.*\[0, 1\]"):
        load().with_value("sanktion.kollektiv_andel", 2011, 1.5)


# ----------------------------------------------------------------- vintages (issue 11, obs. 2)
VINTAGE_2015 = '''[meta]
name = "{name}"
extends = "aftale-2014"
budget_year = 2015
horizon = [2013, 2018]

[skat.nedsaettelse_tilskud_max]
label = "Tilskud ved skattenedsættelse 2015"
unit = "pct"
period = "year"
source = "antagelse"
reference = "test"
note = "En 2015-ordning til test."
values = {{ 2015 = 75, 2016 = 50, 2017 = 50, 2018 = 25 }}
'''


def test_a_later_scheme_does_not_merge_into_the_earlier(tmp_path: Path) -> None:
    """A 2015 file's own schedule {2015: 75, …} must leave the 2014 scheme's 75/50/50/25 alone."""
    ps = load(write(tmp_path, "ny2015", VINTAGE_2015.format(name="ny2015")))
    assert sorted(ps.schemes("skat.nedsaettelse_tilskud_max")) == [2014, 2015]
    assert [ps.scheme_value("skat.nedsaettelse_tilskud_max", y, 2014) for y in range(2014, 2019)] == [
        75, 50, 50, 25, 0]
    assert [ps.scheme_value("skat.nedsaettelse_tilskud_max", y, 2015) for y in range(2015, 2020)] == [
        75, 50, 50, 25, 0]
    assert ps.value("skat.nedsaettelse_tilskud_max.ordning_2014", 2015) == 50
    # the newest scheme that started by the year is the default
    assert ps.scheme("skat.nedsaettelse_tilskud_max", year=2016).vintage == 2015
    with pytest.raises(XlmodelError, match="ordning_aar: 2013 .*2014, 2015"):
        ps.scheme("skat.nedsaettelse_tilskud_max", 2013)
    with pytest.raises(XlmodelError, match="aar: 2014 .*2015 or later"):
        ps.scheme_value("skat.nedsaettelse_tilskud_max", 2014, 2015)


def test_revising_the_same_scheme_merges(tmp_path: Path) -> None:
    text = VINTAGE_2015.format(name="rev").replace(
        "values = { 2015 = 75, 2016 = 50, 2017 = 50, 2018 = 25 }", "values = { 2016 = 40 }").replace(
        'period = "year"', 'period = "year"\nvintage = 2014')
    ps = load(write(tmp_path, "rev", text))
    assert list(ps.schemes("skat.nedsaettelse_tilskud_max")) == [2014]
    assert [ps.scheme_value("skat.nedsaettelse_tilskud_max", y, 2014) for y in range(2014, 2018)] == [
        75, 50, 40, 25]


def test_a_value_before_the_vintage_is_refused(tmp_path: Path) -> None:
    text = VINTAGE_2015.format(name="early").replace('period = "year"', 'period = "year"\nvintage = 2016')
    with pytest.raises(ParameterFileError, match="before the scheme's start year 2016"):
        load(write(tmp_path, "early", text))


# ------------------------------------------- issue 11, deliver 3: the workbook's Parametre sheet
def _changed_copy(tmp_path: Path, name: str, value: float) -> Path:
    import shutil

    import openpyxl

    src = Path(__file__).resolve().parents[1] / "workbooks" / "pension_2014.xlsx"
    dst = tmp_path / "pension.xlsx"
    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    ws = wb["Parametre"]
    hit = [row for row in ws.iter_rows(min_row=2) if row[0].value == name]
    assert hit, name
    hit[0][2].value = value
    wb.save(dst)
    return dst


def test_with_sheet_takes_the_users_changes_as_bruger() -> None:
    ps = load().with_sheet([("pension.diskonteringsrente", 2013, 2.0), ("pl.service", 2014, 1.3),
                            ("skat.forhoejelse_individuel_andel[3]", 2011, 20), ("ukendt.navn", 2014, 1)])
    assert ps.value("pension.diskonteringsrente") == 2.0
    assert ps.get("pension.diskonteringsrente").source == "bruger"
    assert ps.get("pl.service").source == "aftale"  # unchanged value: not the user's
    assert ps.value("skat.forhoejelse_individuel_andel") == [75, 50, 50, 20]
    with pytest.raises(XlmodelError, match=r"pl.service.values.2014: -150"):
        load().with_sheet([("pl.service", 2014, -150)])


def test_an_assumption_changed_in_the_workbook_changes_the_results(tmp_path: Path) -> None:
    from xlmodel.excel.headless import evaluate

    book = _changed_copy(tmp_path, "pension.diskonteringsrente", 1.0)
    before = evaluate(Path(__file__).resolve().parents[1] / "workbooks" / "pension_2014.xlsx")
    after = evaluate(book)
    # the xlmodel function (column O) and the native PV (P) both follow the user's 1 pct.
    assert after[("Medarbejdere", "O5")] > before[("Medarbejdere", "O5")]
    assert after[("Medarbejdere", "O5")] == pytest.approx(after[("Medarbejdere", "P5")])


def test_validator_changed_assumption_is_info_changed_agreement_is_an_error(tmp_path: Path) -> None:
    from xlmodel.validate import validate

    def findings(name: str, value: float) -> list[dict]:
        report = validate(_changed_copy(tmp_path, name, value), checks=["parameters"])
        rows = report.findings.to_dict("records")
        return [f for f in rows if name in str(f["message"])]

    found = findings("pension.diskonteringsrente", 1.0)
    assert [f["severity"] for f in found] == ["info"] and "ændret af brugeren" in found[0]["message"]
    (tmp_path / "pension.xlsx").unlink()
    found = findings("pension.loft_trin_laerer", 45)
    assert [f["severity"] for f in found] == ["error"] and "afviger fra aftalen" in found[0]["message"]


# ------------------------------------------- README "A new agreement", followed literally (deliver 5)
NEW_2015 = """[meta]
name = "aftale-2015"
title = "Testaftale 2015 (ILLUSTRATIVE tal)"
extends = "aftale-2014"
budget_year = 2015
horizon = [2013, 2018]
illustrative = true
"""


def _new_value(key: str, unit: str, value: float) -> str:
    return (f'\n[{key}]\nlabel = "{key} 2015"\nunit = "{unit}"\nperiod = "year"\nsource = "antagelse"\n'
            f'reference = "test: illustrativt"\nnote = "Illustrativt testtal."\n'
            f"values = {{ 2015 = {value} }}\n")


def test_readme_a_new_agreement_is_a_new_file(tmp_path: Path) -> None:
    """README, "A new agreement": a file with extends = "aftale-2014" and only the new values, each
    with unit, year, source and reference, used with --params aftale-2015: no code change."""
    import os
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert 'extends = "aftale-2014"' in readme and "--params aftale-2015" in readme
    text = NEW_2015 + "".join(_new_value(f"pl.{s}", "pct", v) for s, v in
                              (("samlet", 1.5), ("service", 1.4), ("anlaeg", 1.7), ("sats", 1.6),
                               ("regional", 1.0)))
    text += _new_value("skat.fremskrivningsprocent", "pct", 10.0)
    text += _new_value("grundskyld.reguleringsprocent", "pct", 6.0)
    text += _new_value("bloktilskud.i_alt", "mio. kr.", 76_000)
    text += _new_value("regioner.udviklingsbidrag", "kr. pr. indbygger", 126)
    (tmp_path / "aftale-2015.toml").write_text(text, encoding="utf-8")
    env = {**os.environ, "XLMODEL_PARAMS_PATH": str(tmp_path)}
    for args in (["params", "--params", "aftale-2015"], ["demo", "--params", "aftale-2015"]):
        run = subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                             env=env, timeout=300, check=False)
        assert run.returncode == 0, (args, run.stderr[-2000:])
    assert "2015" in run.stdout and "76,000" in run.stdout.replace(".", ",")
    ps = load(tmp_path / "aftale-2015.toml")
    assert ps.value("skat.fremskrivningsprocent") == 10.0 and ps.value("pl.service", 2014) == 1.3
