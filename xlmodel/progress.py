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
import time
from typing import IO, Any

from xlmodel.tekst import format_tal

#: Seconds of work before the line appears (the issue: "more than about a second").
DELAY = 1.0
_WIDTH = 24


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

    def step(self, detail: str = "", n: int = 1) -> None:
        """``n`` more units done; ``detail`` (e.g. the file name) is shown after the count."""
        self.done += n
        self._draw(detail)

    def show(self, detail: str) -> None:
        """Redraw with a new detail and no new unit (e.g. the phase of one long job)."""
        self._draw(detail)

    def _draw(self, detail: str) -> None:
        if not self.enabled:
            return
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
            count = f"trin {format_tal(self.done, 0)}"
        line = f"{self.label} {count} {detail}"[:120]
        self.stream.write("\r" + line.ljust(120 if self._drawn else len(line)))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the line (only if one was drawn) so what follows starts on a new line."""
        if self._drawn:
            elapsed = time.monotonic() - self._start
            self.stream.write(f"\r{self.label}: {format_tal(self.done, 0)} færdig på "
                              f"{format_tal(elapsed, 1)} s".ljust(120) + "\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
