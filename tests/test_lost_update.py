"""Nothing lost, ever: a refresh never replaces a file saved meanwhile, never writes where it must not.

Issue 9, observation 7: a save by another program while a refresh computes was overwritten with
the result of the old content (exit 0); two refreshes of one file both exited 0 with one result
lost; ``-o`` followed a symlink onto another file; ``validate x.xlsx --html x.xlsx`` and
``params --csv x.xlsx`` replaced the workbook with a report; a lock file was noticed only after
the build had overwritten the model.  Each case here failed on that main and passes now.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from xlmodel.cli import main
from xlmodel.safeio import SafeWriteError, check_workbook_file, file_identity, leftover_temp_files

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workbooks" / "budget_2014.xlsx"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _book(tmp_path: Path, name: str = "budget.xlsx") -> Path:
    path = tmp_path / name
    shutil.copyfile(MODEL, path)
    return path


def _other_program_saves(path: Path) -> bytes:
    """What Excel or LibreOffice does: write a new file beside it, rename it over the original."""
    wb = openpyxl.load_workbook(path)
    wb.active["A1"] = "gemt af en kollega"
    tmp = path.with_name("other-program.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path.read_bytes()


def _slow_compute_with(monkeypatch: pytest.MonkeyPatch, meanwhile) -> None:
    """Run ``meanwhile()`` while the engine computes (after the input was read)."""
    import xlmodel.engine.formualizer_engine as fe

    real = fe.compute

    def compute(*args, **kwargs):
        meanwhile()
        return real(*args, **kwargs)

    monkeypatch.setattr(fe, "compute", compute)


def test_save_by_rename_during_refresh_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    saved: list[bytes] = []
    _slow_compute_with(monkeypatch, lambda: saved.append(_other_program_saves(path)))
    assert main(["refresh", str(path)]) == 2
    err = capsys.readouterr().err
    assert "blev gemt af et andet program" in err and "intet blev erstattet" in err
    assert len(err.strip().splitlines()) == 1
    assert path.read_bytes() == saved[0]  # the colleague's save survives, byte for byte
    assert leftover_temp_files(path) == []


def test_save_in_place_same_size_and_mtime_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """An in-place write that keeps size and mtime (and inode): only the hash can tell."""
    path = _book(tmp_path)
    st = os.stat(path)

    def overwrite_in_place() -> None:
        data = bytearray(path.read_bytes())
        data[-30] ^= 0xFF  # inside the zip directory's comment-free tail: same size, other content
        with open(path, "r+b") as fh:
            fh.write(data)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    _slow_compute_with(monkeypatch, overwrite_in_place)
    changed = None

    def record() -> None:
        nonlocal changed
        changed = path.read_bytes()

    assert main(["refresh", str(path)]) == 2
    record()
    assert "samme størrelse og tid, andet indhold" in capsys.readouterr().err
    assert os.stat(path).st_ino == st.st_ino and changed != MODEL.read_bytes()


def test_moved_away_during_refresh_is_not_recreated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    _slow_compute_with(monkeypatch, lambda: os.replace(path, tmp_path / "omdøbt.xlsx"))
    assert main(["refresh", str(path)]) == 2
    assert "flyttet eller slettet" in capsys.readouterr().err
    assert not path.exists()


def test_refresh_to_another_output_still_works_when_input_is_unchanged(tmp_path: Path) -> None:
    path = _book(tmp_path)
    before = path.read_bytes()
    assert main(["refresh", str(path), "-o", str(tmp_path / "ud.xlsx")]) == 0
    assert path.read_bytes() == before
    check_workbook_file(tmp_path / "ud.xlsx")


CONCURRENT_CHILD = r"""
import sys, time
from pathlib import Path
from xlmodel.errors import XlmodelError
from xlmodel.excel.macros import FileBook
path, me, other = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
book = FileBook(path)            # read the input (its identity is noted here)
me.touch()
deadline = time.monotonic() + 60
while not other.exists() and time.monotonic() < deadline:  # both have read before either writes
    time.sleep(0.01)
book.recalculate()
try:
    book.save()
except XlmodelError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
sys.exit(0)
"""


def test_two_concurrent_refreshes_one_wins_the_other_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    script = tmp_path / "child.py"
    script.write_text(CONCURRENT_CHILD)
    a, b = tmp_path / "a.ready", tmp_path / "b.ready"
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(x), str(y)], env=ENV,
                              stderr=subprocess.PIPE, text=True) for x, y in ((a, b), (b, a))]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results  # never both 0 with one result silently lost
    refused = next(err for code, err in results if code == 2)
    assert "intet blev erstattet" in refused
    check_workbook_file(path)
    assert openpyxl.load_workbook(path, read_only=True) is not None


def test_lock_file_is_checked_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    (tmp_path / "~$budget.xlsx").write_bytes(b"lock")
    before = path.read_bytes()
    import xlmodel.engine.formualizer_engine as fe

    monkeypatch.setattr(fe, "compute", lambda *a, **k: pytest.fail("computed although the file is open"))
    assert main(["refresh", str(path)]) == 2
    assert "låsefilen ~$budget.xlsx" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_build_checks_lock_files_before_touching_any_model(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "models"
    out.mkdir()
    for name in ("budget_2014.xlsx", "kommuner_2014.xlsx"):
        shutil.copyfile(ROOT / "workbooks" / name, out / name)
    (out / "~$kommuner_2014.xlsx").write_bytes(b"lock")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["build", "--out", str(out)]) == 2
    assert "låsefilen ~$kommuner_2014.xlsx" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # budget_2014 (built first) too


def test_output_through_a_symlink_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    victim = tmp_path / "andet.xlsx"
    shutil.copyfile(ROOT / "workbooks" / "pension_2014.xlsx", victim)
    link = tmp_path / "ud.xlsx"
    link.symlink_to(victim)
    before = victim.read_bytes()
    assert main(["refresh", str(path), "-o", str(link)]) == 2
    assert "symbolsk link" in capsys.readouterr().err
    assert victim.read_bytes() == before and link.is_symlink()
    dangling = tmp_path / "ny.xlsx"
    dangling.symlink_to(tmp_path / "elsewhere" / "x.xlsx")
    assert main(["refresh", str(path), "-o", str(dangling)]) == 2


def test_refresh_in_place_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = _book(tmp_path, "rigtig.xlsx")
    link = tmp_path / "genvej.xlsx"
    link.symlink_to(real)
    assert main(["refresh", str(link)]) == 0
    assert link.is_symlink()
    check_workbook_file(real)


@pytest.mark.parametrize("spelling", ["same", "dot", "hardlink"])
def test_output_equal_to_input_is_refused(tmp_path: Path, spelling: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    before = path.read_bytes()
    out = {"same": str(path), "dot": str(tmp_path / "." / path.name), "hardlink": str(tmp_path / "h.xlsx")}
    if spelling == "hardlink":
        os.link(path, out["hardlink"])
    assert main(["refresh", str(path), "-o", out[spelling]]) == 2
    assert "er inputfilen" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_report_flags_never_overwrite_a_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _book(tmp_path)
    before = path.read_bytes()
    assert main(["validate", str(path), "--html", str(path)]) == 2
    assert "--html" in capsys.readouterr().err
    other = _book(tmp_path, "andet.xlsx")
    assert main(["validate", str(path), "--html", str(other)]) == 2  # not over any workbook
    assert main(["params", "--csv", str(path)]) == 2
    assert "--csv" in capsys.readouterr().err
    link = tmp_path / "eksport.csv"
    link.symlink_to(path)
    assert main(["params", "--csv", str(link)]) == 2
    assert path.read_bytes() == before and other.read_bytes() == MODEL.read_bytes()
    assert main(["params", "--csv", str(tmp_path / "ok.csv")]) == 0  # an ordinary file is fine


# --- SIGKILL at random moments, in place --------------------------------------------------------------

def _valid_or_old(path: Path, old: bytes) -> str:
    data = path.read_bytes()
    if data == old:
        return "old"
    check_workbook_file(path)  # raises if damaged
    openpyxl.load_workbook(path, read_only=True).close()
    return "new"


def _kill_trials(cmd: list[str], files: list[Path], trials: int, seed: int) -> dict[str, int]:
    """Run ``cmd`` once to time it, then kill it at random moments; every file old or new-valid."""
    olds = {f: f.read_bytes() for f in files}
    start = time.monotonic()
    subprocess.run(cmd, env=ENV, capture_output=True, timeout=600, check=False)
    full = time.monotonic() - start
    rng = random.Random(seed)
    outcome = {"old": 0, "new": 0}
    for _ in range(trials):
        for f, data in olds.items():
            f.write_bytes(data)
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, full * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for f in files:
            outcome[_valid_or_old(f, olds[f])] += 1
    return outcome


@pytest.mark.slow
def test_sigkill_during_refresh_in_place_leaves_old_or_new(tmp_path: Path) -> None:
    path = _book(tmp_path, "kommuner.xlsx")
    shutil.copyfile(ROOT / "workbooks" / "kommuner_2014.xlsx", path)
    outcome = _kill_trials([sys.executable, "-m", "xlmodel", "refresh", str(path), "--params",
                            "aftale-2014"], [path], trials=8, seed=9)
    assert sum(outcome.values()) == 8
    print(f"\nrefresh kills: {outcome}")


@pytest.mark.slow
def test_sigkill_during_build_in_place_leaves_old_or_new(tmp_path: Path) -> None:
    out = tmp_path / "models"
    out.mkdir()
    names = ["budget_2014.xlsx", "kommuner_2014.xlsx", "pension_2014.xlsx", "tabel1_2014.xlsx"]
    for name in names:
        shutil.copyfile(ROOT / "workbooks" / name, out / name)
    outcome = _kill_trials([sys.executable, "-m", "xlmodel", "build", "--out", str(out)],
                           [out / n for n in names], trials=6, seed=11)
    assert sum(outcome.values()) == 6 * len(names)
    print(f"\nbuild kills: {outcome}")


def test_identity_sees_an_in_place_change(tmp_path: Path) -> None:
    path = _book(tmp_path)
    first = file_identity(path)
    assert first.same_file(path) and first.size == path.stat().st_size
    with pytest.raises(SafeWriteError, match="ændret"):
        from xlmodel.safeio import atomic_write

        data = bytearray(path.read_bytes())
        data[-30] ^= 0xFF
        path.write_bytes(bytes(data))
        atomic_write(path, lambda tmp: shutil.copyfile(MODEL, tmp), expect_identity=first)
