"""xlmodel.safeio: hostile and broken files are refused, a write never loses the original."""

from __future__ import annotations

import builtins
import errno
import hashlib
import importlib.util
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml
import pytest
from defusedxml import DefusedXmlException

from xlmodel import safeio
from xlmodel.errors import XlmodelError
from xlmodel.ooxml.addresses import area
from xlmodel.safeio import (
    TEMP_PREFIX,
    SafeWriteError,
    UnsafeFileError,
    atomic_write,
    atomic_write_file,
    check_workbook_file,
    leftover_temp_files,
    lock_files,
    open_workbook,
)

ROOT = Path(__file__).resolve().parents[1]


def _load_generator() -> Any:
    """tests/hostile/make_hostile.py, imported by path (tests/ is not a package)."""
    if "make_hostile" in sys.modules:
        return sys.modules["make_hostile"]
    path = ROOT / "tests" / "hostile" / "make_hostile.py"
    spec = importlib.util.spec_from_file_location("make_hostile", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["make_hostile"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


mh = _load_generator()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return mh.build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def base_bytes() -> bytes:
    return mh.base_workbook()


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ------------------------------------------------------------------ defusedxml under openpyxl


def test_openpyxl_uses_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("name", ["billion_laughs_sheet", "billion_laughs_workbook", "xxe_file"])
def test_openpyxl_alone_refuses_entities(corpus: dict[str, Any], name: str) -> None:
    """Defence in depth: even without our check, openpyxl's defusedxml refuses the XML attacks."""
    with pytest.raises(ValueError) as caught:
        openpyxl.load_workbook(corpus[name].path)
    assert isinstance(caught.value.__cause__ or caught.value.__context__, DefusedXmlException)


def test_open_workbook_refuses_when_openpyxl_is_not_defused(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(XlmodelError, match="OPENPYXL_DEFUSEDXML"):
        open_workbook(mh.good_workbook(tmp_path / "good.xlsx"))


# ------------------------------------------------------------------ hostile corpus


HOSTILE = [
    "zip_bomb_2gib", "ratio_bomb_100mib", "forged_directory", "overlapping_entries", "too_many_members",
    "billion_laughs_workbook", "billion_laughs_sheet", "quadratic_blowup", "xxe_file", "external_dtd",
    "malformed_xml", "giant_text_run", "giant_tag", "dimension_whole_grid", "billion_rows",
    "column_beyond_xfd", "dimension_over_limit", "too_many_cells", "too_many_strings", "timeout",
    "uncompressed_limit", "disk_size_limit", "truncated_half", "truncated_tail", "corrupted_member",
    "not_zip_text", "html_named_xlsx", "ole2_encrypted", "ole2_legacy", "empty", "empty_zip", "directory",
    "nonexistent", "missing_content_types", "missing_workbook", "ods_named_xlsx", "xlsb_named_xlsx",
    "zip_encrypted_entries", "lzma_members", "wrong_extension",
] + (["fifo", "devzero_link"] if hasattr(os, "mkfifo") else [])


def test_every_generated_case_is_listed(corpus: dict[str, Any]) -> None:
    assert sorted(corpus) == sorted(HOSTILE)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused(corpus: dict[str, Any], name: str) -> None:
    case = corpus[name]
    with pytest.raises(UnsafeFileError) as caught:
        check_workbook_file(case.path, **case.limits)
    message = str(caught.value)
    assert isinstance(caught.value, XlmodelError)
    assert case.path.name in message, message
    assert case.expect in message, message
    assert "tilladt:" in message and "\n" not in message


@pytest.mark.parametrize("name", HOSTILE)
def test_open_workbook_refuses_hostile_file(corpus: dict[str, Any], name: str) -> None:
    case = corpus[name]
    with pytest.raises(UnsafeFileError, match=re.escape(case.expect)):
        open_workbook(case.path, limits=case.limits)


def test_sniffing_names_the_kind_of_ole2_file(corpus: dict[str, Any]) -> None:
    with pytest.raises(UnsafeFileError, match=r"beskyttet med adgangskode \(krypteret\)"):
        check_workbook_file(corpus["ole2_encrypted"].path)
    with pytest.raises(UnsafeFileError, match="gammel Excel 97–2003"):
        check_workbook_file(corpus["ole2_legacy"].path)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    p = mh.good_workbook(tmp_path / "secret.xlsx")
    p.chmod(0)
    with pytest.raises(UnsafeFileError, match="ingen adgang"):
        check_workbook_file(p)


def test_streamed_limit_stops_inflating(base_bytes: bytes, tmp_path: Path) -> None:
    """The running total is enforced on bytes actually inflated, not only on the directory's claims."""
    p = tmp_path / "good.xlsx"
    p.write_bytes(base_bytes)
    from xlmodel.ooxml import safety  # the check's mechanism lives in the file-format layer

    budget = safety._Budget(max_uncompressed=1000, max_ratio=200, max_cells=10**6,
                            deadline=time.monotonic() + 60, timeout=60)
    with open(p, "rb") as fh, zipfile.ZipFile(fh) as z:
        info = z.getinfo("xl/theme/theme1.xml")  # 10 kB when inflated
        with pytest.raises(safety._Refused, match="fylder mere end"):
            for _ in safety._inflate(fh, info, budget):
                pass
    assert budget.inflated <= 1000 + safety._CHUNK


# ------------------------------------------------------------------ real workbooks pass


def test_real_workbook_passes(tmp_path: Path) -> None:
    info = check_workbook_file(mh.good_workbook(tmp_path / "good.xlsx"))
    assert [s.name for s in info.sheets] == ["Budget", "Noter"]
    assert info.sheets[0].cells == 93 and info.sheets[0].max_row == 31 and info.sheets[0].max_col == 3
    assert info.cells == 94 and info.shared_strings == 33
    assert info.workbook_part == "xl/workbook.xml" and not info.macro_enabled and not info.has_vba
    wb = open_workbook(tmp_path / "good.xlsx")
    assert wb["Budget"]["A2"].value == "Kommune 1" and wb["Budget"]["B3"].value == 2001


def test_larger_openpyxl_workbook_passes_and_is_counted(tmp_path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for r in range(2000):
        ws.append([r, f"tekst {r}", r * 0.5, f"=A{r + 1}*2", None])
    p = tmp_path / "larger.xlsm"
    wb.save(p)  # an .xlsx content type named .xlsm: reading accepts it, atomic_write would refuse it
    info = check_workbook_file(p)
    assert info.cells == 8000 and info.sheets[0].max_row == 2000


def test_open_workbook_maps_openpyxl_failures(base_bytes: bytes, tmp_path: Path) -> None:
    parts = mh.members(base_bytes)
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b'numFmtId="0"', b'numFmtId="abc"', 1)
    p = tmp_path / "bad_style.xlsx"
    p.write_bytes(mh.rezip(parts))
    check_workbook_file(p)  # well-formed, within limits: only openpyxl can tell
    with pytest.raises(UnsafeFileError, match=r"bad_style\.xlsx: kunne ikke læses af openpyxl \(TypeError"):
        open_workbook(p)


def test_area_and_lock_helpers(tmp_path: Path) -> None:
    assert area("A1:XFD1048576") == 16384 * 1048576
    assert area("B2") == 1 and area("$A$1:$C$31") == 93 and area("garbage") == 0
    target = tmp_path / "Budget2014.xlsx"
    assert lock_files(target) == []
    (tmp_path / "~$Budget2014.xlsx").write_bytes(b"owner")
    (tmp_path / ".~lock.Budget2014.xlsx#").write_bytes(b"lo")
    assert [p.name for p in lock_files(target)] == ["~$Budget2014.xlsx", ".~lock.Budget2014.xlsx#"]


# ------------------------------------------------------------------ atomic_write


@pytest.fixture
def new_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "ny version"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def original(tmp_path: Path, base_bytes: bytes) -> Path:
    p = tmp_path / "Budget.xlsx"
    p.write_bytes(base_bytes)
    p.chmod(0o640)
    return p


def writer(data: bytes) -> Callable[[Path], None]:
    return lambda tmp: Path(tmp).write_bytes(data)


def test_atomic_write_replaces_and_keeps_permissions(original: Path, new_bytes: bytes) -> None:
    result = atomic_write(original, writer(new_bytes))
    assert original.read_bytes() == new_bytes
    assert stat.S_IMODE(original.stat().st_mode) == 0o640
    assert result.path == original and result.backup is None and result.info is not None
    assert leftover_temp_files(original) == []


def test_atomic_write_with_workbook_save(original: Path) -> None:
    wb = openpyxl.load_workbook(original)
    wb["Budget"]["B2"] = 42
    atomic_write(original, wb.save)
    assert openpyxl.load_workbook(original)["Budget"]["B2"].value == 42


def test_atomic_write_creates_a_new_file(tmp_path: Path, new_bytes: bytes) -> None:
    target = tmp_path / "ny.xlsx"
    atomic_write(target, writer(new_bytes))
    assert target.read_bytes() == new_bytes
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_backup_keeps_the_original(original: Path, base_bytes: bytes, new_bytes: bytes) -> None:
    result = atomic_write(original, writer(new_bytes), backup=True)
    assert result.backup == original.with_name("Budget.bak.xlsx")
    assert result.backup.read_bytes() == base_bytes and original.read_bytes() == new_bytes
    assert leftover_temp_files(original) == []


@pytest.mark.parametrize("lock", ["~$Budget.xlsx", ".~lock.Budget.xlsx#"])
def test_lock_file_refuses_unless_forced(original: Path, base_bytes: bytes, new_bytes: bytes,
                                         lock: str) -> None:
    (original.parent / lock).write_bytes(b"Kasper")
    with pytest.raises(SafeWriteError, match=r"Budget\.xlsx: ser ud til at være åben i Excel.*force"):
        atomic_write(original, writer(new_bytes))
    assert original.read_bytes() == base_bytes and leftover_temp_files(original) == []
    atomic_write(original, writer(new_bytes), force=True)
    assert original.read_bytes() == new_bytes


def test_read_only_original_refuses_unless_forced(original: Path, base_bytes: bytes,
                                                  new_bytes: bytes) -> None:
    original.chmod(0o444)
    with pytest.raises(SafeWriteError, match="skrivebeskyttet"):
        atomic_write(original, writer(new_bytes))
    assert original.read_bytes() == base_bytes
    atomic_write(original, writer(new_bytes), force=True)
    assert original.read_bytes() == new_bytes and stat.S_IMODE(original.stat().st_mode) == 0o444


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_is_kept(original: Path, new_bytes: bytes) -> None:
    link = original.with_name("link.xlsx")
    link.symlink_to(original)
    atomic_write(link, writer(new_bytes))
    assert link.is_symlink() and original.read_bytes() == new_bytes


def _refused_and_intact(original: Path, before: bytes, call: Callable[[], object],
                        match: str = "originalen er uændret") -> None:
    with pytest.raises(SafeWriteError, match=match) as caught:
        call()
    assert original.name in str(caught.value)
    assert original.read_bytes() == before
    assert leftover_temp_files(original) == []


def test_bad_new_versions_are_refused(original: Path, base_bytes: bytes, new_bytes: bytes,
                                      corpus: dict[str, Any]) -> None:
    _refused_and_intact(original, base_bytes, lambda: atomic_write(original, writer(b"")), "tom")
    _refused_and_intact(original, base_bytes, lambda: atomic_write(original, lambda tmp: None), "tom")
    _refused_and_intact(original, base_bytes, lambda: atomic_write(original, writer(new_bytes[:-40])))
    bomb = corpus["billion_laughs_sheet"].path.read_bytes()
    _refused_and_intact(original, base_bytes, lambda: atomic_write(original, writer(bomb)), "DTD")
    _refused_and_intact(original, base_bytes, lambda: atomic_write(original, writer(new_bytes),
                                                                   verify_fn=lambda tmp: False), "verify_fn")


def test_verify_fn_exception_is_reported(original: Path, base_bytes: bytes, new_bytes: bytes) -> None:
    def verify(tmp: Path) -> None:
        assert openpyxl.load_workbook(tmp).active["A1"].value == "something else", "A1 is wrong"

    _refused_and_intact(original, base_bytes,
                        lambda: atomic_write(original, writer(new_bytes), verify_fn=verify), "A1 is wrong")


def test_xlsx_content_named_xlsm_is_refused(tmp_path: Path, base_bytes: bytes, new_bytes: bytes) -> None:
    target = tmp_path / "makro.xlsm"
    target.write_bytes(base_bytes)
    _refused_and_intact(target, base_bytes, lambda: atomic_write(target, writer(new_bytes)),
                        "projektmappe uden makroer")


def test_original_changed_meanwhile_is_not_overwritten(original: Path, new_bytes: bytes) -> None:
    def write(tmp: Path) -> None:
        Path(tmp).write_bytes(new_bytes)
        original.write_bytes(b"the user saved meanwhile")  # another program saves during our write

    with pytest.raises(SafeWriteError, match="ændret af et andet program"):
        atomic_write(original, write)
    assert original.read_bytes() == b"the user saved meanwhile" and leftover_temp_files(original) == []


def test_keyboard_interrupt_cleans_up(original: Path, base_bytes: bytes) -> None:
    def write(tmp: Path) -> None:
        Path(tmp).write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(original, write)
    assert original.read_bytes() == base_bytes and leftover_temp_files(original) == []


def test_atomic_write_refuses_non_workbook_names(tmp_path: Path) -> None:
    with pytest.raises(SafeWriteError, match="ikke et filnavn til en projektmappe"):
        atomic_write(tmp_path / "x.csv", writer(b"a,b"))
    with pytest.raises(SafeWriteError, match="er en mappe"):
        (tmp_path / "d.xlsx").mkdir()
        atomic_write(tmp_path / "d.xlsx", writer(b""))


def test_atomic_write_file_for_other_files(tmp_path: Path) -> None:
    target = tmp_path / "noter.txt"
    target.write_text("gammel")
    atomic_write_file(target, lambda tmp: Path(tmp).write_text("ny"))
    assert target.read_text() == "ny"
    _refused_and_intact(target, b"ny", lambda: atomic_write_file(
        target, lambda tmp: Path(tmp).write_text("x"), verify_fn=lambda tmp: False), "verify_fn")


# --- fault injection, one step at a time

STEPS: dict[str, tuple[Any, str]] = {
    "mkstemp": (tempfile, "mkstemp"),
    "write": (Path, "write_bytes"),
    "fsync": (os, "fsync"),
    "check": (safeio, "check_workbook_file"),
    "openpyxl-read-back": (openpyxl, "load_workbook"),
    "chmod": (os, "chmod"),
    "backup-copy": (shutil, "copy2"),
    "replace": (os, "replace"),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_failure_at_each_step_keeps_the_original(monkeypatch: pytest.MonkeyPatch, original: Path,
                                                 base_bytes: bytes, new_bytes: bytes, step: str) -> None:
    owner, attr = STEPS[step]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EIO, f"injected failure in {step}")

    monkeypatch.setattr(owner, attr, broken)
    with pytest.raises(SafeWriteError) as caught:
        atomic_write(original, writer(new_bytes), backup=True)
    monkeypatch.undo()
    assert original.name in str(caught.value)
    assert original.read_bytes() == base_bytes
    assert leftover_temp_files(original) == []


# --- fault injection at every OS call, systematically

PRIMITIVES: list[tuple[Any, str]] = [
    (os, "open"), (os, "close"), (os, "fsync"), (os, "chmod"), (os, "replace"), (os, "unlink"), (os, "stat"),
    (os, "lstat"), (os, "umask"), (shutil, "copy2"), (shutil, "copyfile"), (tempfile, "mkstemp"),
    (io, "open"), (builtins, "open"),
]


class FaultPlan:
    """Counts calls to the OS primitives while active; raises at call number ``fail_at``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.active = False
        self.calls: list[str] = []
        self.fail_at = -1
        self.exc: BaseException = OSError(errno.EIO, "injected")
        self.fail_unlink = False
        wrapped: dict[int, Any] = {}
        for owner, attr in PRIMITIVES:
            real = getattr(owner, attr)
            if id(real) not in wrapped:
                wrapped[id(real)] = self._wrap(real, f"{getattr(owner, '__name__', owner)}.{attr}")
            monkeypatch.setattr(owner, attr, wrapped[id(real)])

    def _wrap(self, real: Any, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.active:
                if self.fail_unlink and name == "os.unlink":
                    raise OSError(errno.EIO, "injected unlink failure")
                self.calls.append(name)
                if len(self.calls) - 1 == self.fail_at:
                    raise self.exc
            return real(*args, **kwargs)

        return call

    def run(self, fn: Callable[[], object]) -> BaseException | None:
        self.calls = []
        self.active = True
        try:
            fn()
        except BaseException as exc:  # KeyboardInterrupt is one of the injected faults
            return exc
        finally:
            self.active = False
        return None


def test_fault_at_every_os_call(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_bytes: bytes,
                                new_bytes: bytes) -> None:
    """Every OS call made by a backup+write+verify+replace fails in turn (3 kinds of fault each).

    Invariant: the target is byte-identical to the original (the write failed and said so), or,
    only for faults after the final ``os.replace`` (the best-effort directory fsync), to the new
    version; a temporary file is left only when the clean-up itself was made to fail.
    """
    target = tmp_path / "Budget.xlsx"
    plan = FaultPlan(monkeypatch)

    def fresh() -> None:
        for p in tmp_path.iterdir():
            p.unlink()
        target.write_bytes(base_bytes)

    def attempt() -> None:
        atomic_write(target, writer(new_bytes), backup=True)

    fresh()
    assert plan.run(attempt) is None
    points = list(plan.calls)
    replaced_at = len(points) - 1 - points[::-1].index("os.replace")  # the final replace onto the target
    assert len(points) > 20  # the sweep below really covers the whole write
    outcomes = {"refused": 0, "completed": 0}
    for kind in ("oserror", "keyboardinterrupt", "oserror+unlink-fails"):
        for k in range(len(points)):
            fresh()
            plan.fail_at = k
            plan.exc = KeyboardInterrupt() if kind == "keyboardinterrupt" else OSError(errno.EIO, "injected")
            plan.fail_unlink = kind == "oserror+unlink-fails"
            exc = plan.run(attempt)
            plan.fail_unlink = False
            current = target.read_bytes()
            where = f"{kind} at call {k} ({points[k]})"
            if exc is None:
                assert current == new_bytes, where
                outcomes["completed"] += 1
                continue
            expected = KeyboardInterrupt if kind == "keyboardinterrupt" else SafeWriteError
            assert isinstance(exc, expected), f"{where}: {exc!r}"
            if k > replaced_at:  # an interrupt after the replace: the new version is complete
                assert kind == "keyboardinterrupt" and current == new_bytes, where
                outcomes["completed"] += 1
                continue
            outcomes["refused"] += 1
            assert current == base_bytes, where
            if kind != "oserror+unlink-fails":
                assert leftover_temp_files(target) == [], where
    plan.fail_at = -1
    assert outcomes["refused"] > outcomes["completed"]
    print(f"\nfault points: {len(points)} OS calls × 3 kinds = {3 * len(points)} runs; {outcomes}")


# --- a real kill in the middle

KILLED_CHILD = r"""
import os, sys, time
from pathlib import Path
from xlmodel import safeio

target, marker, phase, payload = sys.argv[1:5]
data = Path(payload).read_bytes()

def signal_parent():
    Path(marker).write_text("now")
    time.sleep(60)

def write(tmp):
    with open(tmp, "wb") as f:
        f.write(data[: len(data) // 2])
        f.flush()
        if phase == "write":
            signal_parent()
        f.write(data[len(data) // 2 :])

def verify(tmp):
    if phase == "verify":
        signal_parent()

real_replace = os.replace
def slow_replace(src, dst):
    if phase == "replace" and os.fspath(dst) == os.path.realpath(target):
        signal_parent()
    real_replace(src, dst)
os.replace = slow_replace

safeio.atomic_write(target, write, verify_fn=verify, backup=phase == "replace")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("phase", ["write", "verify", "replace"])
def test_sigkill_mid_write_leaves_the_original(tmp_path: Path, original: Path, new_bytes: bytes,
                                               phase: str) -> None:
    before = sha(original)
    payload = tmp_path / "payload.bin"
    payload.write_bytes(new_bytes)
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(original), str(marker), phase,
                              str(payload)], env=_env(), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), child.stderr.read().decode() if child.poll() is not None else "no signal"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert sha(original) == before
    leftovers = leftover_temp_files(original)
    assert all(p.name.startswith(TEMP_PREFIX) for p in leftovers) and len(leftovers) == 1
    if phase == "replace":  # the backup was completed before the kill
        assert sha(original.with_name("Budget.bak.xlsx")) == before


def _xlsm(base: bytes) -> bytes:
    """The base workbook made macro-enabled, with a (dummy, illustrative) VBA project part."""
    parts = mh.members(base)
    vba_default = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    parts["[Content_Types].xml"] = (parts["[Content_Types].xml"]
                                    .replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml"
                                             b".sheet.main+xml",
                                             b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                                    .replace(b"<Default ", vba_default + b"<Default ", 1))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdVBA" Target="vbaProject.bin" Type="http://schemas.'
        b'microsoft.com/office/2006/relationships/vbaProject"/></Relationships>')
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)
    return mh.rezip(parts)


def test_xlsm_keeps_its_macros_or_the_write_is_refused(tmp_path: Path, base_bytes: bytes) -> None:
    target = tmp_path / "Makro.xlsm"
    target.write_bytes(_xlsm(base_bytes))
    info = check_workbook_file(target)
    assert info.macro_enabled and info.has_vba
    before = target.read_bytes()
    # openpyxl without keep_vba writes a macro-free workbook: refused, the VBA project is not lost
    _refused_and_intact(target, before, lambda: atomic_write(target, openpyxl.load_workbook(target).save),
                        "projektmappe uden makroer")
    result = atomic_write(target, openpyxl.load_workbook(target, keep_vba=True).save)
    assert result.info is not None and result.info.has_vba and result.info.macro_enabled
    with zipfile.ZipFile(target) as z:
        assert z.read("xl/vbaProject.bin") == mh.members(before)["xl/vbaProject.bin"]
