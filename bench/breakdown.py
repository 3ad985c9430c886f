"""Where the time of one ``xlmodel refresh`` goes: a sampling profile by phase.

    python -m bench.breakdown MODEL.xlsx        # prints one JSON object (the bench's child)

The refresh runs as the CLI runs it (``xlmodel.cli.main(["refresh", copy])``) in this fresh
process, imports included.  A thread samples the main thread's stack every ~1 ms and charges
the time since its previous sample to a phase: an import wherever it happens, the safety
check, a catalogue call (Python, called from the engine), else the engine phase the thread is
in (the engine's own ``_Phase`` blocks: read, load, evaluate, read back, keep, patch, write),
else "other" (the CLI, the model's checks, the report).  Unlike cProfile this does not inflate
Python-heavy code against native code.  The engine's own timers (``phase_timings``) are
returned beside it as a cross-check.  Interpreter start-up, before any Python code, is
measured apart as a bare ``python -c pass``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

#: Labels of the engine's own phases (``xlmodel.engine.formualizer_engine._Phase``).
ENGINE_PHASES = {
    "read": "read package (unzip, identify, inflate)",
    "load": "load (engine copy, formualizer load)",
    "evaluate": "evaluate (formualizer)",
    "read_back": "read back values and spills",
    "keep": "keep decisions (cached values)",
    "patch": "patch cached values",
    "write": "write (zip, atomic replace)",
}
IMPORTS, SAFETY, CALLS = "imports", "safety check", "catalogue calls (Python, during evaluation)"
OTHER = "other (CLI, model checks, report)"
#: Frames that name a phase wherever they are on the stack, first match wins (module prefixes).
_BY_FRAME = [("importlib._bootstrap", IMPORTS), ("xlmodel.ooxml.safety", SAFETY),
             ("xlmodel.safeio", SAFETY), ("xlmodel.excel.cells", CALLS)]
#: The engine phase the main thread is in (a stack: phases may nest), kept by the patched _Phase.
_CURRENT: list[str] = []


def _phase_of(frame: FrameType | None) -> str:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        for prefix, phase in _BY_FRAME:
            if module.startswith(prefix):
                if phase == SAFETY and "check" not in frame.f_code.co_qualname and module == "xlmodel.safeio":
                    break  # safeio's other helpers (atomic writes) are not the safety check
                return phase
        frame = frame.f_back
    return ENGINE_PHASES.get(_CURRENT[-1], _CURRENT[-1]) if _CURRENT else OTHER


def _follow_engine_phases() -> bool:
    """Make the engine's ``_Phase`` blocks visible to the sampler; False if the engine has none."""
    from xlmodel.engine import formualizer_engine as fe

    phase = getattr(fe, "_Phase", None)
    if phase is None:
        return False
    enter, leave = phase.__enter__, phase.__exit__

    def __enter__(self: Any) -> None:
        _CURRENT.append(self.name)
        enter(self)

    def __exit__(self: Any, *exc: object) -> None:
        leave(self, *exc)
        if _CURRENT:
            _CURRENT.pop()

    phase.__enter__, phase.__exit__ = __enter__, __exit__
    return True


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

        followed = _follow_engine_phases()
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON only
            rc = cli_main(["refresh", str(copy), "--quiet"])
        total = time.perf_counter() - start
        sampler.stop()
    if rc not in (0, 1):
        raise SystemExit(f"refresh failed: exit {rc}")
    from xlmodel import engine

    timed = getattr(engine, "phase_timings", dict)()
    return {"total_s": total, "phases": sampler.seconds, "samples": sampler.samples,
            "engine_timings": {ENGINE_PHASES.get(k, k): v for k, v in timed.items()},
            "followed_engine_phases": followed}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
