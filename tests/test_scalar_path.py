"""The scalar path of a single-cell catalogue call gives exactly what the general path gives.

A single-cell call from the engine or Excel skips the range machinery twice: the adapter
(:func:`xlmodel.excel.cells._single_cells`, ``_call_single``) hands the core Python numbers,
and the core's checks (:func:`xlmodel._inputs.number`, ``year``) keep them Python numbers.  Both
shortcuts must be invisible: for every catalogue function, one valid call and that call with
each argument replaced in turn by good and bad values go through

* the engine's callback (scalar path wherever it applies) and the general path
  (``_call_general``: grids, numpy): identical results, or identical English and Danish messages;
* the core with Python numbers and the core with 0-d numpy arrays (its array path):
  identical results or identical messages.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from test_cells import CASES

from xlmodel import _inputs
from xlmodel.excel import catalogue, cells
from xlmodel.parameters import resolve

PS = resolve(None)
VALID: dict[str, list[tuple[Any, ...]]] = {}
for _name, _args, _ in CASES:
    VALID.setdefault(_name, []).append(tuple(_args))

#: Values put in place of one argument: valid and invalid numbers, years, text, blanks, errors.
SUBSTITUTES: list[Any] = [
    0.0, 1.0, -1.0, 2.5, 1e15, 1e308, -1e308, 5e-324, 2013.0, 2013.5, 2014, 1800.0, 2200.0,
    10000.0, 0, -2014.0, math.nan, math.inf, -math.inf, True, False, None, "", "tekst", "service",
    "regional", "  anlaeg ", "#N/A", "#DIV/0!", "pl.service", "skat.fremskrivningsprocent",
    [[2.5]], [[2013.0]], [[1.0], [2.0]],
]


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        return "value", run()
    except Exception as exc:  # the message is what must agree
        return "error", (type(exc).__name__, str(exc), cells.cell_message(exc))


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "error":
        return a[1] == b[1]
    x, y = a[1], b[1]
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (math.isnan(x) and math.isnan(y))
    return bool(np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object)))


def _variants(args: tuple[Any, ...], n_args: int) -> list[tuple[Any, ...]]:
    """The call, the call with each given argument replaced in turn, and the call with one more
    (optional) argument given, each substitute in its place."""
    out = [args]
    for i in range(len(args)):
        for sub in SUBSTITUTES:
            out.append((*args[:i], sub, *args[i + 1:]))
    if len(args) < n_args:
        out += [(*args, sub) for sub in SUBSTITUTES]
    return out


@pytest.mark.parametrize("name", [fn.name for fn in catalogue.functions()])
def test_engine_callback_and_general_path_agree(name: str) -> None:
    fn = catalogue.get(name)
    assert name in VALID, f"{name}: no valid call in tests/test_cells.py CASES"
    callback = cells.engine_callback(name, PS)
    scalar_calls = 0
    for args in (v for case in VALID[name] for v in _variants(case, len(fn.args))):
        if cells._single_cells(fn, args) is not None:
            scalar_calls += 1
        fast = _outcome(lambda a=args: callback(*a))
        general = _outcome(lambda a=args: cells._call_general(fn, a, PS))
        assert _same(fast, general), (name, args, fast, general)
    if fn.result == "scalar" and all(a.kind in ("number", "year", "text") for a in fn.required):
        assert scalar_calls > len(fn.args), f"{name}: the scalar path was (almost) never taken"


def _as_arrays(values: list[Any]) -> list[Any]:
    return [np.array(v, dtype=float) if type(v) in (float, int) else v for v in values]


@pytest.mark.parametrize("name", [fn.name for fn in catalogue.functions() if fn.result == "scalar"])
def test_core_scalar_path_and_array_path_agree(name: str) -> None:
    fn = catalogue.get(name)
    _, core, takes_params = cells._binding(name)
    extra = {"params": PS} if takes_params else {}
    compared = 0
    for args in (v for case in VALID[name] for v in _variants(case, len(fn.args))):
        single = cells._single_cells(fn, args)
        if single is None:
            continue
        positional, keywords = single
        fast = _outcome(lambda p=positional, k=keywords: core(*p, **k, **extra))
        arrays = _outcome(lambda p=positional, k=keywords: core(
            *_as_arrays(p), **dict(zip(k, _as_arrays(list(k.values())), strict=True)), **extra))
        if arrays[0] == "value":  # a 0-d array in → the core's float out, as for a Python float
            assert isinstance(arrays[1], float | str), (name, args, arrays)
        assert _same(fast, arrays), (name, args, fast, arrays)
        compared += 1
    if all(a.kind in ("number", "year", "text") for a in fn.required):
        assert compared > len(fn.args), f"{name}: too few single-cell calls compared"


def test_number_takes_the_plain_value_and_hands_the_rest_to_numbers() -> None:
    assert type(_inputs.number(2.5, "x")) is float
    assert type(_inputs.number(np.float64(2.5), "x")) is np.ndarray  # numpy scalars: the array path
    for bad in (math.nan, -1.0, "12", None, True):
        with pytest.raises(Exception) as one:
            _inputs.number(bad, "x", minimum=0)
        with pytest.raises(Exception) as many:
            _inputs.numbers(bad, "x", minimum=0)
        assert str(one.value) == str(many.value)
    assert _inputs.year(2014.0, "aar") == 2014 and type(_inputs.year(2014.0, "aar")) is int
    with pytest.raises(Exception, match="whole year"):
        _inputs.year(2014.5, "aar")
