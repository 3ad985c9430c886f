"""Excel functions the headless engine lacks or gets wrong, registered with formualizer.

Each function here is checked against the values Excel cached in the real-workbook corpus
(tests/corpus_real, tests/test_corpus_real.py).  :func:`register` binds them to a formualizer
workbook, overriding a built-in of the same name (``allow_override_builtin``) where the
built-in's answer differs from Excel's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: name → (callable, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {}
NAMES: frozenset[str] = frozenset()


def register(wb: Any) -> None:
    """Register every function of this module on ``wb`` (built-ins of the same name overridden)."""
    for name, (fn, lo, hi) in FUNCTIONS.items():
        wb.register_function(name, fn, min_args=lo, max_args=hi, allow_override_builtin=True)
