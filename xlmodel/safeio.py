"""Safe file handling for workbooks: refuse hostile or broken files, never lose the user's work.

A finance officer's workbook is often the only copy of weeks of work, and a workbook
mailed in from outside may be hostile.  This module is the one door through which
xlmodel reads and writes workbook files:

* :func:`check_workbook_file` looks at a file *before* any library opens it (it lives in
  :mod:`xlmodel.ooxml.safety`, the file-format layer, and is re-exported here with its limits
  and result types): a real file, a zip, no zip bomb, no DTD or entity declaration, no sheet
  beyond Excel's grid or the cell limit, the memory estimate within its limit.
* :func:`open_workbook` = the check + ``openpyxl.load_workbook``; every failure is
  an :class:`UnsafeFileError` with one line naming the file and what is allowed.
* :func:`atomic_write` writes a temporary file in the same folder, fsyncs it, reads
  it back and checks it, and only then replaces the original with ``os.replace``.
  On any failure the original is byte-identical and the temporary file is removed.
  A SIGKILL or power cut between the steps may leave a ``.xlmodel-tmp-*`` file
  beside the target (see :func:`leftover_temp_files`), never a damaged original.
  With ``expect_identity`` (from :func:`read_identified`, noted when the input was read) it
  refuses to replace a file that another program saved meanwhile; a folder lock makes one of
  two concurrent refreshes win and the other be refused.
* :func:`guard_output` / :func:`guard_input` run before any work: no output through a
  symlink, onto the input, or (for reports) over a workbook; no lock file; no folder or FIFO.

The limits and their reasons are documented in :mod:`xlmodel.ooxml.safety`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlmodel.errors import XlmodelError
from xlmodel.ooxml.safety import (
    _ALLOWED,
    _OLE2,
    MAX_CELLS,
    MAX_MEMBERS,
    MAX_MEMORY,
    MAX_PART,
    MAX_RATIO,
    MAX_RUN,
    MAX_UNCOMPRESSED,
    MEMORY_ENV,
    MEMORY_PER_CELL,
    MEMORY_PER_FORMULA,
    SUFFIXES,
    TIMEOUT,
    SheetInfo,
    UnsafeFileError,
    WorkbookInfo,
    _da,
    check_workbook_bytes,
    check_workbook_file,
    memory_limit,
)

if TYPE_CHECKING:  # openpyxl is imported where a function needs it: not on the refresh path
    import openpyxl

__all__ = [
    "MAX_CELLS",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_RUN",
    "MAX_UNCOMPRESSED",
    "TEMP_PREFIX",
    "TIMEOUT",
    "FileIdentity",
    "SafeWriteError",
    "SheetInfo",
    "UnsafeFileError",
    "WorkbookInfo",
    "WriteResult",
    "atomic_write",
    "atomic_write_file",
    "check_workbook_bytes",
    "check_workbook_file",
    "file_identity",
    "guard_input",
    "guard_output",
    "leftover_temp_files",
    "lock_files",
    "memory_limit",
    "open_workbook",
    "read_identified",
]
__all__ += [
    "MAX_MEMORY",
    "MAX_PART",
    "MEMORY_ENV",
    "MEMORY_PER_CELL",
    "MEMORY_PER_FORMULA",
]


#: Prefix of atomic_write's temporary files (a SIGKILL may leave one behind; never the original damaged).
TEMP_PREFIX = ".xlmodel-tmp-"


class SafeWriteError(UnsafeFileError):
    """A write was refused or failed; the message says the original is unchanged."""



@dataclass(frozen=True)
class WriteResult:
    """What :func:`atomic_write` did."""

    path: Path
    backup: Path | None
    info: WorkbookInfo | None  # None from atomic_write_file



def open_workbook(path: str | os.PathLike[str], *, limits: dict[str, Any] | None = None,
                  **openpyxl_kwargs: Any) -> openpyxl.Workbook:
    """:func:`check_workbook_file`, then ``openpyxl.load_workbook(path, **openpyxl_kwargs)``.

    Every failure, including one inside openpyxl, is an :class:`UnsafeFileError` with a
    one-line message naming the file; never a traceback from a library.  ``limits`` are
    passed to the check (e.g. ``{"max_cells": 50_000_000}``).
    """
    import openpyxl
    import openpyxl.xml
    from defusedxml import DefusedXmlException

    if not openpyxl.xml.DEFUSEDXML:
        raise XlmodelError("OPENPYXL_DEFUSEDXML", os.environ.get("OPENPYXL_DEFUSEDXML"),
                           "openpyxl using defusedxml: install defusedxml and unset OPENPYXL_DEFUSEDXML")
    check_workbook_file(path, **(limits or {}))
    shown = os.fspath(path)
    try:
        return openpyxl.load_workbook(path, **openpyxl_kwargs)
    except MemoryError:
        raise UnsafeFileError(shown, "kan ikke være i hukommelsen, når den åbnes") from None
    except DefusedXmlException as exc:
        raise UnsafeFileError(shown, f"erklærer en DTD eller entiteter ({type(exc).__name__})") from None
    except Exception as exc:  # openpyxl raises KeyError, TypeError, ValueError ... on malformed parts
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise UnsafeFileError(shown, f"kunne ikke læses af openpyxl ({type(exc).__name__}: {text})",
                              _ALLOWED) from None


# --------------------------------------------------------------------------- writing


def lock_files(path: str | os.PathLike[str]) -> list[Path]:
    """Lock files beside ``path`` that say a program has it open: Excel ``~$name`` or LibreOffice.

    >>> lock_files("/nonexistent/budget.xlsx")
    []
    """
    p = Path(path)
    candidates = [p.with_name("~$" + p.name), p.with_name(f".~lock.{p.name}#")]
    return [c for c in candidates if os.path.lexists(c)]


def leftover_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """``.xlmodel-tmp-*`` files that a killed write left in the folder of ``path`` (or in the folder)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    return sorted(folder.glob(TEMP_PREFIX + "*"))


def _fingerprint(st: os.stat_result | None) -> tuple[int, int, int] | None:
    return None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns)


def _stat(p: Path) -> os.stat_result | None:
    try:
        return os.stat(p)
    except FileNotFoundError:
        return None


def _refuse_if_busy(target: Path, st: os.stat_result | None, force: bool) -> None:
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _da(SafeWriteError, target, "er en mappe", "et filnavn til en projektmappe")
    if force:
        return
    locks = lock_files(target)
    if locks:
        raise _da(SafeWriteError, target, f"ser ud til at være åben i Excel eller LibreOffice (låsefilen "
                             f"{locks[0].name} ligger ved siden af); intet blev rørt",
                             "luk den først; er den ikke åben i noget program, så slet den gamle "
                             "låsefil eller brug --force (force=True)")
    if st is not None and not st.st_mode & stat.S_IWUSR:
        raise _da(SafeWriteError, target, "er skrivebeskyttet", "en skrivbar fil, eller --force (force=True)")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_path(p: Path) -> None:
    # POSIX flushes a file through any descriptor; Windows (FlushFileBuffers) needs write access.
    fd = os.open(p, os.O_RDWR | os.O_BINARY if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); not possible or needed on Windows."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):  # some filesystems refuse; the replace itself already happened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(tmp: Path | None) -> None:
    if tmp is None:
        return
    with contextlib.suppress(OSError):  # never mask the original failure; leftover_temp_files finds it
        os.unlink(tmp)


def _verify(tmp: Path, target: Path, verify_fn: Callable[[Path], object] | None,
            limits: dict[str, Any]) -> WorkbookInfo:
    try:
        info = check_workbook_file(tmp, **limits)
    except UnsafeFileError as exc:
        raise SafeWriteError(target, f"den nye version bestod ikke kontrollen ({exc.problem}); "
                             "originalen er uændret", "en ny version, der består kontrollen") from None
    suffix = target.suffix.lower()
    if info.macro_enabled != (suffix in (".xlsm", ".xltm")):
        kind = "med makroer" if info.macro_enabled else "uden makroer"
        raise SafeWriteError(target, f"den nye version er en projektmappe {kind}, men filen hedder {suffix} "
                             "(Excel ville nægte at åbne den); originalen er uændret",
                             ".xlsm til projektmapper med makroer, .xlsx uden (keep_vba=True til .xlsm)")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(tmp, read_only=True)
        wb.close()
    except Exception as exc:
        raise SafeWriteError(target, f"den nye version kunne ikke læses igen ({type(exc).__name__}: "
                             f"{str(exc)[:160]}); originalen er uændret", "en læsbar projektmappe") from None
    if verify_fn is not None:
        ok = verify_fn(tmp)
        if ok is False:
            raise SafeWriteError(target, "den nye version blev afvist af verify_fn; originalen er uændret",
                                 "en ny version, som verify_fn godkender")
    return info


def _verify_zip(tmp: Path, target: Path, verify_fn: Callable[[Path], object] | None,
                limits: dict[str, Any]) -> None:
    """Read-back of a package xlmodel wrote itself: every member's CRC and the required parts."""
    try:
        with zipfile.ZipFile(tmp) as zf:
            bad = zf.testzip()
            names = set(zf.namelist())
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise SafeWriteError(target, f"den nye version kunne ikke læses igen ({exc}); "
                             "originalen er uændret", "en læsbar projektmappe") from None
    missing = {"[Content_Types].xml"} - names
    if bad is not None or missing or not any(n.startswith("xl/workbook") for n in names):
        raise SafeWriteError(target, f"den nye version er beskadiget ({bad or sorted(missing)}); "
                             "originalen er uændret", "en komplet projektmappe-pakke")
    if (b"macroEnabled" in types) != (target.suffix.lower() in (".xlsm", ".xltm")):
        raise SafeWriteError(target, "den nye versions makroer passer ikke med filnavnet; "
                             "originalen er uændret", ".xlsm med makroer, .xlsx uden")
    if verify_fn is not None and verify_fn(tmp) is False:
        raise SafeWriteError(target, "den nye version blev afvist af verify_fn; originalen er uændret",
                             "en ny version, som verify_fn godkender")


def _backup(target: Path) -> Path:
    """Copy the original to ``name.bak.xlsx`` (replacing the previous backup) via a temp file."""
    bak = target.with_name(f"{target.stem}.bak{target.suffix}")
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".bak", dir=target.parent)
    tmp = Path(name)
    try:
        os.close(fd)
        shutil.copy2(target, tmp)
        _fsync_path(tmp)
        os.replace(tmp, bak)
    except BaseException:
        _discard(tmp)
        raise
    return bak


# --------------------------------------------------------------------------- identity and guards


@dataclass(frozen=True)
class FileIdentity:
    """What a file was when xlmodel read it: enough to notice any later save over it.

    Excel and LibreOffice save by writing a new file and renaming it over the old one (a new
    inode); other programs write in place (same inode, new mtime, maybe the same size).  The
    hash catches an in-place save within the file system's timestamp granularity.
    """

    path: Path  # resolved (symlinks followed)
    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str

    def same_file(self, other: str | os.PathLike[str]) -> bool:
        """True when ``other`` names the file this identity was taken of (path or inode)."""
        try:
            st = os.stat(other)
        except OSError:
            return Path(os.path.realpath(other)) == self.path
        same_inode = (st.st_dev, st.st_ino) == (self.device, self.inode)
        return same_inode or Path(os.path.realpath(other)) == self.path


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _identity(path: Path, st: os.stat_result, sha256: str) -> FileIdentity:
    return FileIdentity(Path(os.path.realpath(path)), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                        sha256)


def file_identity(path: str | os.PathLike[str]) -> FileIdentity:
    """Size, mtime, inode and SHA-256 of ``path`` now (refused if it changes while hashed)."""
    p = Path(path)
    before = os.stat(p)
    digest = _hash_file(p)
    after = os.stat(p)
    if _fingerprint(before) != _fingerprint(after):
        raise _da(UnsafeFileError, p, "blev ændret af et andet program, mens xlmodel læste den",
                              "kør igen, når det andet program har gemt")
    return _identity(p, after, digest)


def read_identified(path: str | os.PathLike[str]) -> tuple[bytes, FileIdentity]:
    """The bytes of ``path`` and the identity of exactly those bytes (for ``expect_identity``)."""
    p = Path(path)
    before = os.stat(p)
    data = p.read_bytes()
    after = os.stat(p)
    if _fingerprint(before) != _fingerprint(after) or len(data) != after.st_size:
        raise _da(UnsafeFileError, p, "blev ændret af et andet program, mens xlmodel læste den",
                              "kør igen, når det andet program har gemt")
    return data, _identity(p, after, hashlib.sha256(data).hexdigest())


def _changed_since(expected: FileIdentity, target: Path) -> str | None:
    """Why ``target`` is no longer what ``expected`` recorded (None: unchanged)."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return "blev flyttet eller slettet, mens xlmodel regnede"
    if (st.st_dev, st.st_ino) != (expected.device, expected.inode):
        return "blev gemt af et andet program (erstattet af en ny fil), mens xlmodel regnede"
    if (st.st_size, st.st_mtime_ns) != (expected.size, expected.mtime_ns):
        return "blev ændret af et andet program, mens xlmodel regnede"
    if _hash_file(target) != expected.sha256:
        return ("blev ændret af et andet program (samme størrelse og tid, andet indhold), "
                "mens xlmodel regnede")
    return None


#: How long a write waits for another xlmodel process's final check and rename in the same folder.
LOCK_WAIT = 60.0


@contextlib.contextmanager
def _folder_lock(folder: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Serialise xlmodel's check-then-replace in one folder across processes (POSIX flock).

    Two refreshes of one file: the second to get here sees the first one's new file and is
    refused.  The lock is held for the final check and the rename only, and the OS releases it
    when a process dies, so a SIGKILL never leaves a stale lock; it is released explicitly
    before the descriptor is closed, and never waited for longer than ``wait`` seconds.
    Not on Windows (no flock) or on a file system without flock: the identity check alone.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    locked = False
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _da(SafeWriteError, folder, "en anden xlmodel-kørsel har skrevet i mappen i mere "
                              f"end {wait:g} s; intet blev erstattet",
                              "kør igen, når den anden kørsel er færdig") from None
                time.sleep(0.02)
            except OSError:  # no flock on this file system
                break
        yield
    finally:
        if locked:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):  # after the rename a failed close must not undo the success
            os.close(fd)


_WORKBOOK_MAGIC = (b"PK\x03\x04", _OLE2[:4])


def guard_input(path: str | os.PathLike[str], what: str = "IN.xlsx") -> Path:
    """Refuse a workbook argument that is a folder, pipe, device or missing, before any work.

    >>> guard_input("/")
    Traceback (most recent call last):
    ...
    xlmodel.ooxml.safety.UnsafeFileError: /: er en mappe, ikke en projektmappe-fil; tilladt: ...
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _da(UnsafeFileError, p, "findes ikke",
                  f"{what}: en eksisterende .xlsx- eller .xlsm-fil") from None
    except OSError as exc:
        raise _da(UnsafeFileError, p, f"kan ikke læses ({exc.strerror or exc})",
                              f"{what}: en læsbar .xlsx- eller .xlsm-fil") from None
    if stat.S_ISDIR(st.st_mode):
        raise _da(UnsafeFileError, p, "er en mappe, ikke en projektmappe-fil",
                              f"{what}: en .xlsx- eller .xlsm-fil")
    if not stat.S_ISREG(st.st_mode):
        raise _da(UnsafeFileError, p, "er ikke en almindelig fil (en enhed, et rør eller en socket)",
                              f"{what}: en .xlsx- eller .xlsm-fil")
    return p


def guard_output(path: str | os.PathLike[str], inputs: tuple[str | os.PathLike[str], ...] | list[Any] = (),
                 *, in_place: bool = False, report: bool = False, force: bool = False,
                 flag: str = "-o") -> Path:
    """Refuse an output path before any work is done, so nothing is computed only to be refused.

    * ``flag`` names the option in messages (``-o``, ``--html``, ``--csv``, ``--out``).
    * Not a symlink (even a dangling one): writing through it would replace another file.
      ``in_place=True`` (the output *is* the input, e.g. ``refresh model.xlsx``) allows a
      link: the link is kept and the file it points to is refreshed.
    * Not a folder, pipe or device; its folder exists.
    * Not one of ``inputs`` (same path, same file through another name or a hard link).
    * ``report=True`` (HTML, JSON, CSV): an existing file that is a workbook is not replaced.
    * No lock file (``~$name``, ``.~lock.name#``) and not read-only, unless ``force``.
    """
    p = Path(path)
    if not in_place and os.path.islink(p):
        raise _da(SafeWriteError, p, f"er et symbolsk link (til {os.readlink(p)}); {flag} skriver ikke "
                  "gennem "
                             "et link over en anden fil", f"{flag}: en almindelig fil eller et nyt filnavn")
    try:
        st: os.stat_result | None = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _da(SafeWriteError, p, f"kan ikke undersøges ({exc.strerror or exc})",
                             f"{flag}: en skrivbar fil") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _da(SafeWriteError, p, "er en mappe", f"{flag}: et filnavn")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _da(SafeWriteError, p, "er ikke en almindelig fil (en enhed, et rør eller en socket)",
                             f"{flag}: et almindeligt filnavn")
    if not p.absolute().parent.is_dir():
        raise _da(SafeWriteError, p, f"mappen {p.absolute().parent} findes ikke",
                             f"{flag}: en fil i en eksisterende mappe")
    if not in_place:
        for source in inputs:
            same = (st is not None and os.path.exists(source) and os.path.samefile(p, source)) or (
                os.path.realpath(p) == os.path.realpath(source))
            if same:
                raise _da(SafeWriteError, p, f"er inputfilen {source}; {flag} må ikke overskrive den "
                                     "projektmappe, der læses",
                                     f"{flag}: en anden fil (eller udelad {flag} for at opdatere filen selv)"
                                     if not report else f"{flag}: en anden fil end projektmappen")
    if report and st is not None:
        with contextlib.suppress(OSError), open(p, "rb") as fh:
            if fh.read(4) in _WORKBOOK_MAGIC:
                raise _da(SafeWriteError, p, f"er en projektmappe; {flag} skriver ikke en rapport over en "
                                     "projektmappe",
                                     f"{flag}: et filnavn til rapporten, fx rapport.html")
    _refuse_if_busy(Path(os.path.realpath(p)) if in_place else p, st, force)
    return p


def atomic_write(
    path: str | os.PathLike[str],
    write_fn: Callable[[Path], object],
    *,
    verify_fn: Callable[[Path], object] | None = None,
    backup: bool = False,
    force: bool = False,
    limits: dict[str, Any] | None = None,
    readback: str = "full",
    expect_identity: FileIdentity | None = None,
) -> WriteResult:
    """Write a workbook so that the original survives any failure byte-identical.

    ``readback="zip"`` (for bytes built by xlmodel's own writer, which checked every part
    before) replaces the full file check of the new version by a CRC test of every member
    and the package's required parts: the same read-back at a fraction of the cost.

    ``write_fn(tmp)`` writes the new workbook to ``tmp`` (a ``.xlmodel-tmp-*`` file in the same
    folder, e.g. ``atomic_write(p, wb.save)``).  The file is then fsynced, checked with
    :func:`check_workbook_file` (and its extension against its content type), opened with
    openpyxl, passed to ``verify_fn(tmp)`` (which may raise or return False), given the
    original's permissions, and only then moved over ``path`` with ``os.replace``.

    * ``backup=True``: the original is first copied to ``name.bak.xlsx`` (the previous
      backup is replaced).
    * A lock file ``~$name.xlsx`` (Excel has it open), a read-only original, or an original
      that changes while writing → :class:`SafeWriteError`; ``force=True`` skips the lock
      and read-only checks (not the change check).
    * ``expect_identity`` (from :func:`read_identified` / :func:`file_identity` when the input
      was read): if ``path`` is that same file and it no longer is what was read (saved by
      Excel or LibreOffice by rename, written in place, moved, or replaced by another xlmodel
      run), nothing is replaced: :class:`SafeWriteError`.  The final check and the rename run
      under a folder lock, so of two concurrent refreshes of one file exactly one wins.  An
      identity of another file (``-o OUT``) is ignored.  ``force`` does not skip this check.
    * Any exception, a failed check or KeyboardInterrupt: the temporary file is removed and
      the original is untouched.  A SIGKILL may leave a ``.xlmodel-tmp-*`` file (see
      :func:`leftover_temp_files`), never a damaged original.
    """
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise SafeWriteError(target, "er ikke et filnavn til en projektmappe",
                             f"en fil, der ender på {', '.join(SUFFIXES)}")
    if readback not in ("full", "zip"):
        raise XlmodelError("readback", readback, "'full' or 'zip'")
    check = _verify if readback == "full" else _verify_zip
    return _atomic(target, write_fn, lambda tmp: check(tmp, target, verify_fn, limits or {}), backup, force,
                   expect_identity)


def atomic_write_file(
    path: str | os.PathLike[str],
    write_fn: Callable[[Path], object],
    *,
    verify_fn: Callable[[Path], object] | None = None,
    backup: bool = False,
    force: bool = False,
    expect_identity: FileIdentity | None = None,
) -> WriteResult:
    """:func:`atomic_write` for any file (CSV, TOML): same steps, ``verify_fn`` is the only check."""
    target = Path(path)

    def verify(tmp: Path) -> None:
        if verify_fn is not None and verify_fn(tmp) is False:
            raise SafeWriteError(target, "den nye version blev afvist af verify_fn; originalen er uændret",
                                 "en ny version, som verify_fn godkender")

    return _atomic(target, write_fn, verify, backup, force, expect_identity)


def _refuse_if_changed(target: Path, expected: FileIdentity | None) -> None:
    if expected is None or not expected.same_file(target):  # -o OUT: another file than the input
        return
    why = _changed_since(expected, target)
    if why is not None:
        raise _da(SafeWriteError, target, f"{why}; intet blev erstattet, og den andens ændringer er bevaret",
                             "kør xlmodel igen på den gemte fil (og luk den i Excel/LibreOffice først)")


def _atomic(target: Path, write_fn: Callable[[Path], object], verify: Callable[[Path], WorkbookInfo | None],
            backup: bool, force: bool, expected: FileIdentity | None = None) -> WriteResult:
    tmp: Path | None = None
    try:
        if target.is_symlink():  # replace the file the link points to, keep the link
            target = Path(os.path.realpath(target))
        st = _stat(target)
        _refuse_if_busy(target, st, force)
        _refuse_if_changed(target, expected)  # early: no temporary file for a write that must fail
        mode = stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode()
        try:
            fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
        except OSError as exc:
            raise SafeWriteError(target, f"der kan ikke laves en midlertidig fil i dens mappe "
                                 f"({exc.strerror or exc})", "en mappe, der kan skrives i") from None
        tmp = Path(name)
        os.close(fd)
        write_fn(tmp)
        _fsync_path(tmp)
        info = verify(tmp)
        os.chmod(tmp, mode)
        if st is not None and hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):  # best effort: only root may give a file away
                os.chown(tmp, st.st_uid, st.st_gid)
        backup_path = _backup(target) if backup and st is not None else None
        with _folder_lock(target.parent):
            now = _stat(target)
            if _fingerprint(now) != _fingerprint(st):
                raise _da(SafeWriteError, target, "blev ændret af et andet program, mens xlmodel skrev; "
                                     "intet blev erstattet", "kør igen, når det andet program har gemt")
            _refuse_if_changed(target, expected)
            _refuse_if_busy(target, now, force)
            os.replace(tmp, target)
    except XlmodelError:
        _discard(tmp)
        raise
    except Exception as exc:
        _discard(tmp)
        raise SafeWriteError(target, f"skrivningen mislykkedes ({type(exc).__name__}: {str(exc)[:160]}); "
                             "originalen er uændret", "en skrivning, der lykkes") from exc
    except BaseException:  # KeyboardInterrupt, SystemExit: clean up and let it through
        _discard(tmp)
        raise
    _fsync_dir(target.parent)
    return WriteResult(target, backup_path, info)

