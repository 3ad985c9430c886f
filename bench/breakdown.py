"""Where the time of one ``xlmodel refresh`` goes: a sampling profile by phase.

    python -m bench.breakdown MODEL.xlsx        # prints one JSON object (the bench's child)

The refresh runs as the CLI runs it (``xlmodel.cli.main(["refresh", copy])``) in this fresh
process, imports included.  A thread samples the main thread's stack every ~0.5 ms and charges
the time since its previous sample to the *innermost* frame that matches a phase of
:data:`PHASES`; the rest is "other".  Unlike cProfile this does not inflate Python-heavy code
against native code, so the shares are those of a real run.  Native calls (formualizer's Rust)
have no frame of their own: they are recognised by the source line of the Python frame that
called them (``evaluate_all(`` …).  Interpreter start-up, which happens before any Python
code, is measured apart as a bare ``python -c pass``.

The phase table names functions of the refresh path; when the code moves, the table moves
with it (a phase that matches nothing shows 0, and its time lands in "other" — visible).
"""

from __future__ import annotations

import contextlib
import json
import linecache
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

#: (phase, matchers).  A matcher is ``("func", module prefix, qualified-name prefix)`` for a
#: Python function, or ``("line", module prefix, text)`` for a native call made on a line of
#: that module containing ``text``.  The first phase whose matcher fits the innermost frame wins;
#: if none fits, the next frame outwards is tried.
PHASES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("imports", [("func", "importlib._bootstrap", "")]),
    ("safety check", [("func", "xlmodel.safeio", "check_workbook_file"),
                      ("func", "xlmodel.ooxml.safety", "")]),
    ("catalogue calls (Python, during evaluation)", [("func", "xlmodel.excel.cells", "")]),
    ("evaluate (formualizer)", [("line", "xlmodel.engine", "evaluate_all("),
                                ("line", "xlmodel.engine", ".evaluate("),
                                ("func", "xlmodel.engine.excel_functions", "register")]),
    ("load (package, sheet scan, engine load)", [
        ("func", "xlmodel.engine.package", "Package.read"),
        ("func", "xlmodel.engine.package", "Package.sheets"),
        ("func", "xlmodel.engine.formualizer_engine", "_load"),
        ("func", "xlmodel.engine.formualizer_engine", "_engine_copy"),
        ("func", "xlmodel.engine.formualizer_engine", "Computed.sheet_xml"),
        ("func", "xlmodel.engine.sheetxml", ""),
        ("func", "xlmodel.engine.workbook_sheets", ""),
        ("func", "xlmodel.ooxml.package", ""),
        ("func", "xlmodel.ooxml.scan", ""),
        ("func", "xlmodel.ooxml.sheet", ""),
        ("line", "xlmodel.engine", "Workbook("),
        ("line", "xlmodel.engine", "load_workbook("),
        ("line", "xlmodel.engine", "from_path("),
    ]),
    ("read back (values, spills, kept values, diagnosis)", [
        ("line", "xlmodel.engine.formualizer_engine", "get_value("),
        ("line", "xlmodel.engine.formualizer_engine", "inspect_cell("),
        ("line", "xlmodel.engine", "read_range("),
        ("line", "xlmodel.engine", "get_values("),
        ("func", "xlmodel.engine.formualizer_engine", "_python_value"),
        ("func", "xlmodel.engine.formualizer_engine", "_diagnose"),
        ("func", "xlmodel.engine.keep", ""),
    ]),
    ("patch cached values", [("func", "xlmodel.engine.formualizer_engine", "write_values"),
                             ("func", "xlmodel.ooxml.patch", "")]),
    ("write (zip, atomic replace)", [("func", "xlmodel.engine.package", "Package.to_bytes"),
                                     ("func", "xlmodel.engine.package", "write_atomic"),
                                     ("func", "xlmodel.safeio", "atomic_write"),
                                     ("func", "xlmodel.ooxml.write", ""),
                                     ("func", "zipfile", "")]),
    ("report and checks (macros, Kontrol)", [("func", "xlmodel.excel.macros", ""),
                                             ("func", "xlmodel.commands", "")]),
]
OTHER = "other (CLI, glue)"


def _phase_of(frame: FrameType | None) -> str:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        qual = frame.f_code.co_qualname
        line = None
        for phase, matchers in PHASES:
            for kind, mod, text in matchers:
                if not module.startswith(mod):
                    continue
                if kind == "func":
                    if qual.startswith(text):
                        return phase
                else:
                    if line is None:
                        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno or 0)
                    if text in line:
                        return phase
        frame = frame.f_back
    return OTHER


class Sampler(threading.Thread):
    """Charges wall time to the phase the main thread is in, sample by sample."""

    def __init__(self, interval: float = 0.001) -> None:
        super().__init__(daemon=True)
        self.interval, self.main = interval, threading.main_thread().ident
        self.seconds: dict[str, float] = {}
        self.samples = 0
        self._stop_flag = threading.Event()

    def run(self) -> None:
        last = time.perf_counter()
        while not self._stop_flag.is_set():
            time.sleep(self.interval)
            frame = sys._current_frames().get(self.main)  # the documented way to sample a thread
            now = time.perf_counter()
            phase = _phase_of(frame)
            self.seconds[phase] = self.seconds.get(phase, 0.0) + (now - last)
            self.samples += 1
            last = now

    def stop(self) -> None:
        self._stop_flag.set()
        self.join()


def main(path: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / Path(path).name
        shutil.copy(path, copy)

        sampler = Sampler()
        start = time.perf_counter()
        sampler.start()
        from xlmodel.cli import main as cli_main

        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON only
            rc = cli_main(["refresh", str(copy), "--quiet"])
        total = time.perf_counter() - start
        sampler.stop()
    if rc not in (0, 1):
        raise SystemExit(f"refresh failed: exit {rc}")
    return {"total_s": total, "phases": sampler.seconds, "samples": sampler.samples}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
