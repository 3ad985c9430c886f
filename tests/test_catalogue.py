"""The function catalogue: the issue's contract, its bindings to the core, the generated reference."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from xlmodel.errors import XlmodelError
from xlmodel.excel import catalogue
from xlmodel.parameters import load

ROOT = Path(__file__).resolve().parents[1]

#: Issue 3 §1, the user-facing contract: names and argument order exactly as the issue's table;
#: issue 11 appended optional arguments (years, the agreed level, the udligning efterregulering) at the end.
ISSUE_TABLE = {
    "PL_FAKTOR": "fra_aar, til_aar, [serie]",
    "PL_REGULER": "beloeb, fra_aar, til_aar, [serie]",
    "PL_VAEGTET": "vaegte, satser",
    "PARAMETER": "navn, [aar]",
    "PARAMETER_KILDE": "navn, [aar]",
    "BLOKTILSKUD_FORDEL": "indbyggere, beloeb_i_alt",
    "REGNSKABSSANKTION": "regnskab, korrigeret_budget, indbyggere, [kollektiv_andel], [aftalt_niveau], [aar]",
    "BUDGETSANKTION": "budget, ramme, indbyggere, [kollektiv_andel], [aar]",
    "SKATTESANKTION": "provenuaendring, indbyggere, [aar_nr], [undtaget], [aar]",
    "SKATTENEDSAETTELSE_TILSKUD": "provenutab, [aar], [pulje], [taerskel], [ordning_aar]",
    "UDSKRIVNINGSGRUNDLAG_GARANTI": "grundlag_basisaar, [budgetaar]",
    "SKATTEPROVENU": "udskrivningsgrundlag, udskrivningsprocent",
    "UDSKRIVNINGSPROCENT": "provenu, udskrivningsgrundlag, [aar]",
    "EFTERREGULERING": "selvbudgetteret_grundlag, opgjort_grundlag, udskrivningsprocent",
    "EFTERREGULERING_TILLAEG": "efterregulering, udbetalt, diskonto_pct, [efterregulering_udligning], [aar]",
    "SELVBUDGET_GEVINST": "garanti_grundlag, forventet_grundlag, udskrivningsprocent, [udligning_pct], [aar]",
    "GRUNDSKYLD_GRUNDLAG": "grundvaerdi, forrige_grundlag, [reguleringsprocent], [aar]",
    "PENSIONSPROCENT": "pensionsaar, [aar]",
    "PENSION_MERUDGIFT": "loen_faktisk, loen_loft, pensionsaar, [aar]",
    "SKALATRIN_LOEN": "trin, [tabel]",
    "PENSION_KAPITALVAERDI": "aarligt_beloeb, rente_pct, aar, [regulering_pct]",
    "DEPONERING_FRIGIVELSE": "deponeret, aar_nr, [aar_i_alt], [ibrugtagning_aar]",
    # issue 12 (udligning), appended
    "STRUKTURELT_UNDERSKUD": "udgiftsbehov, beskatningsgrundlag, [skatteprocent]",
    "LANDSUDLIGNING": "udgiftsbehov, beskatningsgrundlag, [skatteprocent], [udligningsniveau_pct]",
    "HOVEDSTADSUDLIGNING": "udgiftsbehov, beskatningsgrundlag, indbyggere, hovedstad, [skatteprocent], "
                           "[udligningsniveau_pct]",
    "HOEJT_UNDERSKUD_TILSKUD": "udgiftsbehov, beskatningsgrundlag, indbyggere, [skatteprocent], "
                               "[graense_pct], [tilskud_pct]",
    "SELSKABSSKAT_UDLIGNING": "selskabsskat, indbyggere, [udligning_pct]",
    "TILSKUD_OG_UDLIGNING": "indbyggere, udgiftsbehov, beskatningsgrundlag, hovedstad, selskabsskat, "
                            "[bloktilskud_i_alt]",
    # issue 13 (budget og overslagsår), appended; SELVBUDGET_RISIKO's [budgetaar] per issue 11
    "OVERSLAG_SKAT": "grundlag_basisaar, udskrivningsprocent, [vaekst_pct], [budgetaar]",
    "SELVBUDGET_BEREGNING": "garanti_grundlag, forventet_grundlag, udskrivningsprocent, [udligning_pct], "
                            "[diskonto_pct], [budgetaar]",
    "EFTERREGULERING_KALENDER": "efterregulering_skat, efterregulering_udligning, udbetalt, diskonto_pct, "
                                "[budgetaar]",
    "SELVBUDGET_RISIKO": "garanti_grundlag, udskrivningsprocent, vaekst_middel_pct, vaekst_spredning_pct, "
                         "[udligning_pct], [scenarier], [budgetaar]",
}
#: Defaults the issue's table states (a parameter-set default is checked against the set).
ISSUE_DEFAULTS = {
    ("PL_FAKTOR", "serie"): "service",
    ("PL_REGULER", "serie"): "service",
    ("REGNSKABSSANKTION", "kollektiv_andel"): 0.4,
    ("BUDGETSANKTION", "kollektiv_andel"): 0.4,
    ("SKATTESANKTION", "aar_nr"): 0,
    ("SKATTENEDSAETTELSE_TILSKUD", "aar"): "the set's budget year",
    ("UDSKRIVNINGSGRUNDLAG_GARANTI", "budgetaar"): "the set's budget year",
    ("SELVBUDGET_GEVINST", "udligning_pct"): 58,
    ("PENSION_KAPITALVAERDI", "regulering_pct"): 0,
    ("DEPONERING_FRIGIVELSE", "aar_i_alt"): 25,
}


def test_names_and_argument_order_are_the_issue_table() -> None:
    got = {fn.name: fn.signature()[len(fn.name) + 1 : -1] for fn in catalogue.functions()}
    assert got == ISSUE_TABLE
    assert list(got) == list(ISSUE_TABLE)  # and in the issue's order (the reference follows it)


@pytest.mark.parametrize(("key", "default"), ISSUE_DEFAULTS.items(), ids=lambda x: str(x))
def test_defaults_are_the_issue_table(key, default) -> None:
    name, arg = key
    assert next(a for a in catalogue.get(name).args if a.name == arg).default == default


def _bound(fn: catalogue.Function):
    module = fn.core.partition(":")[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} has not landed on this branch")
    return fn.core_function()


@pytest.mark.parametrize("fn", catalogue.functions(), ids=lambda fn: fn.name)
def test_each_function_is_bound_to_a_core_function_that_takes_its_arguments(fn) -> None:
    core = _bound(fn)
    params = inspect.signature(core).parameters
    names = list(params)
    for a in fn.required:  # passed positionally, in the core's order
        assert names.index(a.keyword) == fn.required.index(a), (fn.name, a.name)
    for a in fn.optional:  # passed by keyword
        assert a.keyword in params, (fn.name, a.name)
        assert params[a.keyword].default is not inspect.Parameter.empty, (fn.name, a.name)


@pytest.mark.parametrize("fn", catalogue.functions(), ids=lambda fn: fn.name)
def test_documented_defaults_are_what_the_core_uses(fn) -> None:
    core = _bound(fn)
    ps = load()
    for a in fn.optional:
        core_default = inspect.signature(core).parameters[a.keyword].default
        if a.default_from:
            assert core_default is None, (fn.name, a.name)  # None: "the parameter set's value"
            assert ps.value(a.default_from, ps.budget_year) == pytest.approx(a.default), (fn.name, a.name)
        elif isinstance(a.default, int | float) or a.default == "service":
            assert core_default == a.default, (fn.name, a.name)
        else:  # a described default ("the set's budget year", "none exempt", …)
            assert core_default is None, (fn.name, a.name)


def test_texts_fit_excels_function_wizard() -> None:
    for fn in catalogue.functions():
        # Application.MacroOptions refuses descriptions over 255 characters (xlwings issue #735)
        assert 0 < len(fn.help) <= 255, fn.name
        assert fn.category.startswith("xlmodel")
        for a in fn.args:
            assert 0 < len(a.help) <= 255, (fn.name, a.name)
            assert a.name.isidentifier() and a.name == a.name.lower()


def test_lookup_is_case_insensitive_and_unknown_names_are_refused() -> None:
    assert catalogue.get("pl_faktor").name == "PL_FAKTOR"
    with pytest.raises(XlmodelError, match="function: 'NOPE' is not allowed; allowed: a catalogue function"):
        catalogue.get("NOPE")


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ('[[function]]\nname="A"\nresult="scalar"\ncore="m:f"\nargs=[{name="x",kind="bogus"}]', "kind"),
        (
            '[[function]]\nname="A"\nresult="scalar"\ncore="m:f"\n[[function]]\nname="A"\nresult="scalar"\ncore="m:f"',
            "unique",
        ),
        (
            '[[function]]\nname="A"\nresult="scalar"\ncore="m:f"\n'
            'args=[{name="x",kind="number",optional=true},{name="y",kind="number"}]',
            "optional arguments last",
        ),
        ('[[function]]\nname="A"\nresult="wide"\ncore="m:f"', "result"),
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path: Path, body: str, complaint: str) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(body)
    with pytest.raises(XlmodelError, match=complaint):
        catalogue._load(str(path))


def test_the_committed_reference_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    assert committed == catalogue.markdown(), (
        "docs/functions.md is stale: python -m xlmodel.excel.catalogue --markdown > docs/functions.md"
    )


def test_the_command_prints_the_reference_and_the_list() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert catalogue.main(["--markdown"]) == 0
    assert out.getvalue() == catalogue.markdown()
    out = io.StringIO()
    with redirect_stdout(out):
        assert catalogue.main(["--list"]) == 0
    assert out.getvalue().splitlines()[0] == "PL_FAKTOR(fra_aar, til_aar, [serie])"
    assert catalogue.main(["--bogus"]) == 2


def test_the_catalogue_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, xlmodel.excel.catalogue as c; c.functions(); "
        "print(sorted(m for m in ('numpy', 'xlwings', 'formualizer', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert out.stdout.strip() in ("[]", "['numpy']")  # numpy only via pandas in xlmodel.parameters


# ----------------------------------------------- issue 11, deliver 1: the catalogue is year-generic
#: Required arguments for one call of every catalogue function (cell inputs).
SAMPLE_CALLS = {
    "PL_FAKTOR": (2013, 2015),
    "PL_REGULER": (100.0, 2013, 2015),
    "PL_VAEGTET": ([[0.6], [0.4]], [[1.2], [1.5]]),
    "PARAMETER": ("skat.fremskrivningsprocent",),
    "PARAMETER_KILDE": ("skat.fremskrivningsprocent",),
    "BLOKTILSKUD_FORDEL": ([[1.0], [3.0]], 100.0),
    "REGNSKABSSANKTION": ([[110.0], [95.0]], [[100.0], [100.0]], [[1.0], [1.0]]),
    "BUDGETSANKTION": ([[3000.0], [95.0]], [[100.0], [100.0]], [[1.0], [1.0]]),
    "SKATTESANKTION": ([[30.0], [-10.0]], [[1.0], [1.0]]),
    "SKATTENEDSAETTELSE_TILSKUD": ([[40.0], [5.0]],),
    "UDSKRIVNINGSGRUNDLAG_GARANTI": (1000.0,),
    "SKATTEPROVENU": (1000.0, 25.0),
    "UDSKRIVNINGSPROCENT": (249.0, 1000.0),
    "EFTERREGULERING": (1000.0, 980.0, 25.0),
    "EFTERREGULERING_TILLAEG": (-50e6, 1000e6, 0.2),
    "SELVBUDGET_GEVINST": (1100.0, 1150.0, 25.0),
    "GRUNDSKYLD_GRUNDLAG": (1_200_000.0, 1_000_000.0),
    "PENSIONSPROCENT": (25.5,),
    "PENSION_MERUDGIFT": (480_000.0, 440_000.0, 37.0),
    "SKALATRIN_LOEN": (44.0,),
    "PENSION_KAPITALVAERDI": (10_000.0, 3.0, 20.0),
    "DEPONERING_FRIGIVELSE": (2_500_000.0, 1.0),
    "STRUKTURELT_UNDERSKUD": ([[300.0], [200.0]], [[1000.0], [1000.0]]),
    "LANDSUDLIGNING": ([[300.0], [200.0]], [[1000.0], [1000.0]]),
    "HOVEDSTADSUDLIGNING": ([[300.0], [200.0]], [[1000.0], [900.0]], [[10.0], [20.0]], [[True], [True]]),
    "HOEJT_UNDERSKUD_TILSKUD": ([[300.0], [200.0]], [[1000.0], [1000.0]], [[10.0], [20.0]]),
    "SELSKABSSKAT_UDLIGNING": ([[3.0], [1.0]], [[10.0], [20.0]]),
    "TILSKUD_OG_UDLIGNING": ([[10.0], [20.0]], [[300.0], [200.0]], [[1000.0], [1000.0]], [[True], [False]],
                             [[3.0], [1.0]]),
    "OVERSLAG_SKAT": (1000.0, 25.0),
    "SELVBUDGET_BEREGNING": (1100.0, 1150.0, 25.0),
    "EFTERREGULERING_KALENDER": (-50e6, 10e6, 1000e6, 1.0),
    "SELVBUDGET_RISIKO": (1100.0, 25.0, 3.5, 1.0),
}
#: Described defaults that mean "the active set's budget year" (or a scheme chosen by it).
_BUDGET_YEAR = {"the set's budget year"}


def _explicit(fn: catalogue.Function, ps, arg: catalogue.Argument):
    """The value an optional argument's default stands for, read from the set ``ps``."""
    if arg.default_from:
        param = ps.parameters[arg.default_from]
        return ps.value(arg.default_from, ps.budget_year) if ps.budget_year in param.values or \
            param.period == "from" else None
    if arg.default in _BUDGET_YEAR:
        return ps.budget_year
    return arg.default if isinstance(arg.default, int | float | str) and arg.default != "" else None


def test_the_sample_covers_the_whole_catalogue() -> None:
    assert set(SAMPLE_CALLS) == set(catalogue.names())


@pytest.mark.parametrize("fn", catalogue.functions(), ids=lambda fn: fn.name)
def test_every_default_follows_a_second_parameter_set(fn, test_params_path) -> None:
    """Under aftale-2015-test every left-out argument takes that set's value, never 2014's.

    Each optional argument in turn is passed explicitly with the value its default stands for
    in the 2015 set (the parameter's 2015 value, or the budget year 2015); the call with the
    argument left out must give the same result.
    """
    from xlmodel.excel import cells

    ps = load("aftale-2015-test")
    assert ps.budget_year == 2015
    required = SAMPLE_CALLS[fn.name]
    left_out = cells.call(fn.name, *required, params=ps)
    checked = 0
    for i, arg in enumerate(fn.optional):
        value = _explicit(fn, ps, arg)
        if value is None or not isinstance(value, int | float):
            continue  # a described default with no single value ("none exempt", a table)
        args = [*required, *[None] * i, value]
        assert cells.call(fn.name, *args, params=ps) == left_out, (fn.name, arg.name, value)
        checked += 1
    if any(a.default in _BUDGET_YEAR or a.default_from for a in fn.optional):
        assert checked, fn.name


@pytest.mark.parametrize(("call", "expected_2015", "expected_2014"), [
    (("UDSKRIVNINGSGRUNDLAG_GARANTI", 1000), 1100.0, 1114.0),          # 10.0 vs 11.4 pct.
    (("GRUNDSKYLD_GRUNDLAG", 1_200_000, 1_000_000), 1_060_000.0, 1_063_000.0),   # 6.0 vs 6.3 pct.
    (("PARAMETER", "skat.fremskrivningsprocent"), 10.0, 11.4),
])
def test_issue_11_observation_1_defaults_follow_the_active_set(call, expected_2015, expected_2014,
                                                                test_params_path) -> None:
    from xlmodel.excel import cells

    assert cells.call(*call, params=load("aftale-2015-test")) == expected_2015
    assert cells.call(*call, params=load("aftale-2014")) == expected_2014


def test_no_year_literal_in_the_core() -> None:
    """Obs. 1: no default year in the core's code (years live in the parameter set)."""
    import re

    pattern = re.compile(r"(aar|year)\w*\s*(:\s*[\w |]+)?=\s*20\d\d\b")
    for module in ("pl", "bloktilskud", "skat", "pension", "balance", "laan", "_inputs", "parameters"):
        text = (ROOT / "xlmodel" / f"{module}.py").read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if ">>>" not in line)
        assert not pattern.search(code), (module, pattern.search(code))
