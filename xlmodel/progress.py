"""Progress on long work (refresh, validate, build, a folder of workbooks), for a person at a terminal.

A :class:`Progress` draws one line on standard error — ``Validerer  [#######.......]  41/98
  ballerup.xlsx`` — that it redraws in place.  It stays silent

- when standard error is not a terminal (a pipe, a log file, CI): output stays clean text;
- with ``quiet=True`` (the commands' ``--quiet``);
- until the work has taken :data:`DELAY` seconds: quick work prints nothing extra.

The commands call :meth:`Progress.step` per unit of work; code that does the work takes an
optional ``progress`` callable and need not know about terminals.

>>> import io
>>> out = io.StringIO()                     # not a terminal: nothing is drawn
>>> with Progress(3, "Validerer", stream=out) as bar:
...     for name in ("a", "b", "c"):
...         bar.step(name)
>>> out.getvalue(), bar.done
('', 3)
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

from xlmodel.tekst import format_tal

#: Seconds of work before the line appears (the issue: "more than about a second").
DELAY = 1.0
_WIDTH = 24


def _columns() -> int:
    """The terminal's width less one (a full line would wrap on some terminals)."""
    import shutil

    return max(20, shutil.get_terminal_size((100, 24)).columns - 1)


class Progress:
    """A progress line: ``total`` units (None: unknown, then steps are counted), a Danish label."""

    def __init__(self, total: int | None, label: str, *, stream: IO[str] | None = None,
                 quiet: bool = False, delay: float = DELAY, force: bool = False) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = not quiet and (force or bool(isatty()))
        self.delay = delay
        self._start = time.monotonic()
        self._drawn = False
        self._last = 0.0
        self._detail = ""
        self._ticker: Any = None
        self._stop: Any = None
        self._lock = threading.Lock()

    def tick(self, interval: float = 0.5) -> Progress:
        """Redraw every ``interval`` seconds from a background thread (elapsed time shown), for
        one long step the caller cannot report into (a recalculation inside the engine)."""
        if not self.enabled or self._ticker is not None:
            return self
        self._stop = threading.Event()

        def run() -> None:
            while not self._stop.wait(interval):
                self._draw(self._detail, ticking=True)

        self._ticker = threading.Thread(target=run, name="xlmodel-progress", daemon=True)
        self._ticker.start()
        return self

    def step(self, detail: str = "", n: int = 1) -> None:
        """``n`` more units done; ``detail`` (e.g. the file name) is shown after the count."""
        self.done += n
        self._draw(detail)

    def show(self, detail: str) -> None:
        """Redraw with a new detail and no new unit (e.g. the phase of one long job)."""
        self._draw(detail)

    def _draw(self, detail: str, ticking: bool = False) -> None:
        self._detail = detail
        if not self.enabled:
            return
        with self._lock:
            self._draw_locked(detail, ticking)

    def _draw_locked(self, detail: str, ticking: bool) -> None:
        now = time.monotonic()
        if now - self._start < self.delay:
            return
        finished = self.total is not None and self.done >= self.total
        if self._drawn and now - self._last < 0.1 and not finished:  # at most 10 redraws a second
            return
        self._last = now
        if self.total:
            filled = min(_WIDTH, round(_WIDTH * self.done / self.total))
            bar = "#" * filled + "." * (_WIDTH - filled)
            count = f"[{bar}] {format_tal(self.done, 0)}/{format_tal(self.total, 0)}"
        else:
            count = f"trin {format_tal(self.done, 0)}" if self.done else ""
        if ticking or self.total is None:
            count = " · ".join(p for p in (count, f"{format_tal(now - self._start, 1)} s") if p)
        width = _columns()
        line = f"{self.label} {count} {detail}"[:width]
        self.stream.write("\r" + line.ljust(width if self._drawn else len(line)))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the line (only if one was drawn) so what follows starts on a new line."""
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self._drawn:
            elapsed = time.monotonic() - self._start
            done = f"{format_tal(self.done, 0)} af {format_tal(self.total, 0)}" if self.total else "færdig"
            line = f"{self.label}: {done} på {format_tal(elapsed, 1)} s"
            self.stream.write("\r" + line.ljust(_columns()) + "\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
