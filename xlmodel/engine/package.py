"""The package as the engine uses it: :mod:`xlmodel.ooxml.package` (the file-format layer), and
:func:`write_atomic`, the one way a refreshed package reaches the disk.

``Package``, ``SheetRef``, ``NS_MAIN`` and ``NS_REL`` are re-exported here for the modules that
still import them from the engine (``xlmodel.engine.workbook_sheets``, ``forklar``, the
importer); new code imports them from :mod:`xlmodel.ooxml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from xlmodel.ooxml.addresses import NS_MAIN, NS_REL
from xlmodel.ooxml.package import Package, SheetRef

if TYPE_CHECKING:
    from xlmodel.safeio import FileIdentity

__all__ = ["NS_MAIN", "NS_REL", "Package", "SheetRef", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes, *, backup: bool = False,
                 force: bool = False, expect_identity: FileIdentity | None = None) -> None:
    """Write ``data`` to ``path`` with :func:`xlmodel.safeio.atomic_write` (the one mechanism).

    A temporary file in the same folder is written, fsynced, read back and checked, and only
    then moved over ``path``; a lock file (``~$name``) refuses unless ``force``.
    ``expect_identity`` (``Package.identity``): a file changed since it was read is not replaced.
    """
    from xlmodel.safeio import atomic_write

    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), backup=backup, force=force,
                 readback="zip", expect_identity=expect_identity)
