"""Validate many workbooks at once: a folder (or a list of files) in parallel processes or on Dask.

The per-file job is :func:`validate_file`: it validates one workbook and returns a plain,
picklable :class:`FileResult` (path, counts, the findings as JSON-ready dicts, or the one-line
reason a file could not be read).  :func:`validate_many` runs that job

- in a :class:`concurrent.futures.ProcessPoolExecutor` (default: one worker per core).  Where
  processes fork (Linux), this process imports the checks, the engine and what catalogue calls
  need once (:func:`_preload`) and the workers start with all of it; elsewhere each worker
  imports it once, in :func:`_warm`.  Then each takes file after file;
- serially (``workers=1``; what the benchmark compares against);
- on a Dask cluster (``dask="tcp://host:8786"`` or a ``distributed.Client``): the same
  function, submitted with ``client.map`` — install the optional extra ``xlmodel[dask]``.

Results come back in the order of the input, whatever order the workers finish in, so the
same folder gives the same report every time.

>>> import tempfile, os
>>> from openpyxl import Workbook
>>> folder = tempfile.mkdtemp()
>>> for name in ("a.xlsx", "b.xlsx"):
...     wb = Workbook(); wb.active["A1"], wb.active["A2"] = 100, "=A1*1.013"
...     wb.save(os.path.join(folder, name))
>>> results = validate_many(workbooks(folder), checks=["hardcoded_number"], workers=1)
>>> [(os.path.basename(r.path), r.counts) for r in results]
[('a.xlsx', {'error': 0, 'warning': 1, 'info': 0}), ('b.xlsx', {'error': 0, 'warning': 1, 'info': 0})]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlmodel.errors import XlmodelError

#: The file types validation reads; Excel's lock files (``~$name.xlsx``) are skipped.
SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class FileResult:
    """One workbook's outcome: its findings (dicts with the columns of
    :data:`xlmodel.validate.COLUMNS`) or ``problem``, why it could not be validated."""

    path: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    checks: tuple[str, ...] = ()
    problem: str | None = None
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        """Findings per severity code (``error``, ``warning``, ``info``)."""
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f["severity"]] = out.get(f["severity"], 0) + 1
        return out

    @property
    def has_errors(self) -> bool:
        return self.problem is not None or self.counts["error"] > 0

    def report(self) -> Any:
        """The findings as a :class:`~xlmodel.validate.Report` (for the HTML page)."""
        from xlmodel.validate.findings import Report

        report = Report.from_json({"findings": self.findings})
        report.path, report.checks = self.path, self.checks
        return report

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "problem": self.problem, "counts": self.counts,
                "checks": list(self.checks), "seconds": round(self.seconds, 4),
                "findings": self.findings}


def workbooks(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The workbooks to validate: each file as given, each folder's .xlsx/.xlsm files (not
    recursive, sorted by name, lock files skipped).  A missing path is an error naming it.

    >>> workbooks([])
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: IN: [] is not allowed; allowed: one or more .xlsx/.xlsm files or folders
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise XlmodelError("IN", items, "one or more .xlsx/.xlsm files or folders")
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES
                                and not f.name.startswith("~$")))
        elif p.exists():
            found.append(p)
        else:
            raise XlmodelError("IN", str(p), "an existing .xlsx/.xlsm file or a folder", detail="not found")
    return list(dict.fromkeys(found))


def validate_file(path: str | os.PathLike[str], params: str | None = None,
                  checks: Sequence[str] | None = None) -> FileResult:
    """Validate one workbook; never raises for a bad file (the reason goes in ``problem``)."""
    from xlmodel.validate import validate

    start = time.perf_counter()
    try:
        report = validate(path, params=params, checks=checks)
    except XlmodelError as exc:
        return FileResult(str(path), problem=str(exc), seconds=time.perf_counter() - start)
    except (OSError, ValueError, KeyError) as exc:  # a file that breaks a reader: say so, go on
        return FileResult(str(path), problem=f"{type(exc).__name__}: {exc}",
                          seconds=time.perf_counter() - start)
    return FileResult(str(path), report.to_dict()["findings"], tuple(report.checks),
                      seconds=time.perf_counter() - start)


def _warm() -> None:
    """Worker start-up: import the checks once, so no file pays for the imports."""
    from xlmodel.validate import CHECKS, check_function

    for name in CHECKS:
        check_function(name)


def _preload(params: str | None) -> None:
    """Import, before the workers fork, what validating a model costs the first time: the
    checks, the engine and the core a catalogue call needs (pandas, the catalogue's bindings).
    Paid once here instead of once per worker; the pool's workers inherit it."""
    _warm()
    try:
        import xlmodel.excel.headless  # noqa: F401  (the engine and its function table)
        from xlmodel.excel.cells import prepare_engine
        from xlmodel.parameters import resolve

        prepare_engine(resolve(params))
    except (ImportError, XlmodelError):  # no engine installed, or a bad --params: each file says so
        pass


def _fork_context() -> Any:
    """The ``fork`` start method where the platform has it (None: the platform's default)."""
    import multiprocessing

    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def validate_many(paths: Sequence[str | os.PathLike[str]], params: str | None = None,
                  checks: Sequence[str] | None = None, *, workers: int | None = None,
                  dask: Any = None, on_result: Callable[[FileResult], None] | None = None
                  ) -> list[FileResult]:
    """Validate every path; results in input order.  ``workers``: processes (default one per
    core, 1 = in this process); ``dask``: a scheduler address or ``distributed.Client``.
    ``on_result`` is called as each file finishes (progress)."""
    paths = [str(p) for p in paths]
    if checks is not None:  # refuse a bad name once, here, not once per file in the workers
        from xlmodel.validate import expand_checks

        checks = expand_checks(checks)
    if dask is not None:
        return _on_dask(paths, params, checks, dask, on_result)
    n = workers if workers is not None else min(len(paths), os.cpu_count() or 1)
    if n < 1:
        raise XlmodelError("workers", n, "1 or more processes")
    if n == 1 or len(paths) <= 1:
        out = []
        for p in paths:
            out.append(validate_file(p, params, checks))
            if on_result:
                on_result(out[-1])
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[int, FileResult] = {}
    context = _fork_context()
    if context is not None:
        _preload(params)
    with ProcessPoolExecutor(max_workers=n, mp_context=context,
                             initializer=None if context is not None else _warm) as pool:
        futures = {pool.submit(validate_file, p, params, checks): i for i, p in enumerate(paths)}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            if on_result:
                on_result(results[futures[fut]])
    return [results[i] for i in range(len(paths))]


def _on_dask(paths: list[str], params: str | None, checks: Sequence[str] | None, dask: Any,
             on_result: Callable[[FileResult], None] | None) -> list[FileResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise XlmodelError("--dask", str(dask), "a Dask scheduler address, with dask.distributed "
                           "installed", detail="pip install 'xlmodel[dask]'") from None
    own = not isinstance(dask, Client)
    try:
        client = Client(dask, timeout=5) if own else dask
    except (OSError, TimeoutError, ValueError) as exc:
        raise XlmodelError("--dask", str(dask), "the address of a running Dask scheduler, "
                           "e.g. tcp://127.0.0.1:8786", detail=str(exc)) from None
    try:
        futures = client.map(validate_file, paths, params=params, checks=checks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, FileResult] = {}
        for fut in as_completed(futures):
            results[index[fut.key]] = fut.result()
            if on_result:
                on_result(results[index[fut.key]])
        return [results[i] for i in range(len(paths))]
    finally:
        if own:
            client.close()
