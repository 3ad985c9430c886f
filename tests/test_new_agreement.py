"""README, "A new agreement", followed literally (issue 11 item 5): each step as the README says it.

1. Copy ``xlmodel/parametre/aftale-2014.toml`` to ``aftale-2015.toml`` and set its ``name``, or
2. start a file that extends it with only the new values — the README's own ``toml`` block, taken
   from the README text, not retyped here;
3. put it in a folder on ``XLMODEL_PARAMS_PATH``;
4. use ``--params aftale-2015``: the README's two commands, ``xlmodel params --params aftale-2015``
   and ``xlmodel refresh model.xlsx --params aftale-2015``, on every shipped model.

The README's example values are the real 2015 figures it cites (grundskyld reguleringsprocent
6.4, Skatteministeriet; satsreguleringsprocent 1.5, BEK 942/2014); the expected results below are
computed from the rule with those values, never copied from a run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel import parameters

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_START = README.index("## A new agreement")
SECTION = README[_START:README.index("\n## ", _START + 5)]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600, check=False)


def _readme_commands() -> list[list[str]]:
    """The commands the section names (in backticks), as argument lists without ``xlmodel``."""
    found = re.findall(r"`xlmodel ([^`]+--params aftale-2015[^`]*)`", SECTION)
    assert found, "the README names the commands that use --params aftale-2015"
    return [c.split() for c in found]


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    parametre = tmp_path / "parametre"
    parametre.mkdir()
    return parametre, {**os.environ, "XLMODEL_PARAMS_PATH": str(parametre)}


def test_the_section_says_what_the_test_does() -> None:
    assert "Copy `xlmodel/parametre/aftale-2014.toml` to `aftale-2015.toml` and set its `name`" in SECTION
    assert "XLMODEL_PARAMS_PATH" in SECTION and 'extends = "aftale-2014"' in SECTION
    assert [c[0] for c in _readme_commands()] == ["params", "refresh"]


def test_a_copy_of_aftale_2014_with_its_name_set(folder) -> None:
    parametre, env = folder
    text = (ROOT / "xlmodel" / "parametre" / "aftale-2014.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^name = "aftale-2014"$', 'name = "aftale-2015"', text)
    assert n == 1  # the one name under [meta]
    (parametre / "aftale-2015.toml").write_text(text, encoding="utf-8")
    run = _cli("params", "--params", "aftale-2015", env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "aftale-2015" in run.stdout
    copy, shipped = parameters.load(parametre / "aftale-2015.toml"), parameters.load("aftale-2014")
    assert copy.to_frame().equals(shipped.to_frame())


@pytest.mark.slow  # five refreshes in subprocesses, ~45 s
def test_the_readme_file_and_its_commands_on_every_shipped_model(folder, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from xlmodel import pl, skat

    parametre, env = folder
    block = re.search(r"```toml\n(.*?)```", SECTION, re.S)
    assert block is not None
    path = parametre / "aftale-2015.toml"
    path.write_text(block.group(1), encoding="utf-8")

    ps = parameters.load(path)
    assert ps.name == "aftale-2015"
    # the new values, with their sources, on top of every 2014 value
    assert ps.value("grundskyld.reguleringsprocent", 2015) == 6.4
    assert ps.get("grundskyld.reguleringsprocent", 2015).source == "udmelding"
    assert ps.value("grundskyld.reguleringsprocent", 2014) == 6.3  # 2014's stays
    assert ps.value("pl.sats", 2015) == 1.5 and ps.get("pl.sats", 2015).source == "lov"
    # the rule with the new value: min(1,200,000; 1,000,000 × 1.064) and 1000 regulated 2014 → 2015
    assert skat.grundskyld_grundlag(1_200_000, 1_000_000, aar=2015, params=ps) == pytest.approx(1_064_000)
    assert pl.reguler(1000, 2014, 2015, "sats", params=ps) == pytest.approx(1015)

    params_cmd, refresh_cmd = _readme_commands()
    run = _cli(*params_cmd, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "aftale-2015" in run.stdout and "udmelding" in run.stdout

    models = sorted((ROOT / "workbooks").glob("*.xlsx"))
    assert len(models) >= 5
    for model in models:
        target = tmp_path / model.name
        shutil.copy(model, target)
        args = [str(target) if a == "model.xlsx" else a for a in refresh_cmd]
        run = _cli(*args, "--quiet", env=env)
        assert run.returncode == 0, (model.name, run.stdout[-2000:], run.stderr[-2000:])
        # the refreshed model's Parametre table is the new set: its 2015 row, with its source
        wb = load_workbook(target, read_only=True, data_only=True)
        try:
            rows = [r for ws in wb.worksheets if ws.title.startswith("Parametre")
                    for r in ws.iter_rows(values_only=True)
                    if r and r[0] == "grundskyld.reguleringsprocent" and r[1] == 2015]
        finally:
            wb.close()
        assert rows and rows[0][2] == 6.4 and rows[0][4] == "udmelding", model.name
