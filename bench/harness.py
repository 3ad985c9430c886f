"""Timing and memory helpers shared by the benchmark cases.

Each case runs in its own child process so that its peak memory (``ru_maxrss`` of that
child, read with ``os.wait4``) is its own, and so cold start-up costs are real.  Times are
the median of several runs; every case is reported beside a peer measured in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    case: str
    what: str
    median_s: float
    runs: list[float]
    peak_rss_mib: float | None = None
    peer: str | None = None
    peer_median_s: float | None = None
    target_s: float | None = None
    notes: list[str] = field(default_factory=list)
    #: How the target reads in the table when it is relative (e.g. "≤ LibreOffice / 2.5 = 1.2 s").
    target_text: str | None = None

    @property
    def ratio(self) -> float | None:
        """Peer time / our time: > 1 means we are that many times faster than the peer."""
        if self.peer_median_s is None or self.median_s == 0:
            return None
        return self.peer_median_s / self.median_s

    @property
    def met(self) -> bool | None:
        return None if self.target_s is None else self.median_s <= self.target_s

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def median_time(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def run_child(argv: list[str], timeout: float = 900) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS MiB of that child, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    wall = time.perf_counter() - start
    # communicate() already reaped the child; its rusage is in RUSAGE_CHILDREN only as a max
    # over all children, so cases that need exact per-child memory use child_case() instead.
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, float("nan"), out


def child_case(module: str, *args: str, timeout: float = 900) -> tuple[dict[str, Any], float]:
    """Run ``python -m module args…`` which prints one JSON object; return it and peak RSS (MiB)."""
    argv = [sys.executable, "-m", module, *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    out = bytearray()
    err = bytearray()
    os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
    os.set_blocking(proc.stderr.fileno(), False)  # type: ignore[union-attr]
    while True:
        for stream, buf in ((proc.stdout, out), (proc.stderr, err)):
            chunk = stream.read() if stream else None  # type: ignore[union-attr]
            if chunk:
                buf.extend(chunk)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"{module} took more than {timeout} s")
        time.sleep(0.01)
    for stream, buf in ((proc.stdout, out), (proc.stderr, err)):
        rest = stream.read() if stream else None  # type: ignore[union-attr]
        if rest:
            buf.extend(rest)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {args} failed: {err.decode(errors='replace')[-800:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024.0
