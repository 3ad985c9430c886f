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
    [[2.5]], [[2013.0]], [[1.0], [2.0]], -0.0, 0.5, -0.5, 1e-9, 37.0, 25.999999999999, 1e300,
    {"type": "Error", "kind": "Div"},
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
    if isinstance(x, float) and isinstance(y, float):  # the same double: -0.0 is not 0.0 here
        return (x == y and math.copysign(1, x) == math.copysign(1, y)) or (math.isnan(x) and math.isnan(y))
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


@pytest.mark.parametrize("name", [fn.name for fn in catalogue.functions() if fn.result == "scalar"])
def test_compiled_scalar_path_is_the_plain_one(name: str) -> None:
    """The compiled scalar path (:func:`cells._scalar_call`) takes a call exactly when
    :func:`cells._plain_cells` does, and gives what :func:`cells._call_single` gives for it."""
    fn = catalogue.get(name)
    _, core, takes_params = cells._binding(name)
    single = cells._scalar_call(name)
    assert "def single(" in single.source
    plan, need = cells._plan(name)
    compiled = 0
    for args in (v for case in VALID[name] for v in _variants(_floats(case), len(fn.args))):
        plain = cells._plain_cells(plan, need, args)
        got = _outcome(lambda a=args: single(a, core, PS))
        if plain is None:
            assert got == ("value", cells._NOT_SINGLE), (name, args, got)
            continue
        want = _outcome(lambda p=plain: cells._call_single(fn, (list(p[0]), dict(p[1])), core,
                                                           takes_params, PS))
        assert _same(got, want), (name, args, got, want)
        compiled += all(type(a) in (float, str) for a in args)
    if all(a.kind in ("number", "year", "text") for a in fn.required):
        assert compiled > len(fn.args), f"{name}: the compiled branches were (almost) never taken"


def _floats(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A valid call as the engine hands it over: numbers as floats."""
    return tuple(float(a) if type(a) is int else a for a in args)


#: Edge values for the element-wise helpers: signed zeros, halves, noise, large, non-finite.
EDGES = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.1, 1e-9, -1e-9, 24.9, 249.0 / 1000 * 1000,
         0.1 + 0.2, 1234.5678901234, 1e15 + 0.5, 2.0**52 + 1, 1e300, -1e300, 1.7e308, 5e-324,
         math.inf, -math.inf, math.nan]


def _bits(x: Any) -> Any:
    """A value as its exact double (repr tells -0.0 from 0.0 and every last digit)."""
    return repr(float(x))


@pytest.mark.parametrize("helper, ufunc", [
    (_inputs.minimum, np.minimum), (_inputs.maximum, np.maximum)])
def test_binary_helpers_give_numpy_s_double(helper: Any, ufunc: Any) -> None:
    with np.errstate(all="ignore"):
        for a in EDGES:
            for b in EDGES:
                assert _bits(helper(a, b)) == _bits(ufunc(np.float64(a), np.float64(b))), (a, b)


@pytest.mark.parametrize("helper, ufunc", [
    (_inputs.ceil, np.ceil), (_inputs.floor, np.floor), (_inputs.sign, np.sign),
    (lambda x: _inputs.rounded(x), np.round),
    (lambda x: _inputs.rounded(x, 6), lambda x: np.round(x, 6)),
    (lambda x: _inputs.rounded(x, 9), lambda x: np.round(x, 9))])
def test_unary_helpers_give_numpy_s_double(helper: Any, ufunc: Any) -> None:
    rng = np.random.default_rng(10)
    values = EDGES + rng.normal(0, 1e6, 500).tolist() + (rng.integers(-10**6, 10**6, 500) / 8).tolist()
    with np.errstate(all="ignore"):
        for x in values:
            assert _bits(helper(x)) == _bits(ufunc(np.array(x))), x


def test_interp_gives_numpy_s_double() -> None:
    from xlmodel.pension import _knots

    xp, fp = _knots(PS, None)
    knots = (tuple(xp.tolist()), tuple(fp.tolist()))
    for x in [*(float(n) for n in range(-2, 60)), 0.5, 15.999, 16.0, 36.5, 37.0, 1e300, -0.0]:
        assert _bits(_inputs.interp(x, *knots)) == _bits(np.interp(x, xp, fp)), x
    assert _inputs.interp(np.array([16.0, 20.0]), *knots).tolist() == np.interp([16.0, 20.0], xp, fp).tolist()


def test_choose_and_quiet_take_arrays_to_numpy() -> None:
    assert _inputs.choose(False, 1.0, 2.0) == 2.0
    assert _inputs.choose(np.array([True, False]), 1.0, 2.0).tolist() == [1.0, 2.0]
    assert isinstance(_inputs.quiet(1.0, np.array(2.0)), np.errstate)
    big = 1e308
    with _inputs.quiet(big, 10.0):
        assert math.isinf(big * 10.0)


def test_kapitalvaerdi_one_value_is_the_array_path_s_double() -> None:
    """Both forms of the present value (npf.pv, the growing annuity) and the switch between them
    (g = 0; |i| below 1e-6; i = g) give one value the array path's double."""
    from xlmodel.pension import kapitalvaerdi

    rates = [0.0, 1e-5, -1e-5, 1e-3, 2.0, 3.0, -50.0, 99.0, 1e3]
    for pay in (100_000.0, -2.5, 0.0):
        for i in rates:
            for g in rates:
                for n in (0.0, 1.0, 10.0, 40.0):
                    one = _outcome(lambda p=pay, r=i, y=n, q=g: kapitalvaerdi(p, r, y, q))
                    arr = _outcome(lambda p=pay, r=i, y=n, q=g: kapitalvaerdi(
                        np.array(p), np.array(r), np.array(y), np.array(q)))
                    assert one[0] != "value" or type(one[1]) is float
                    assert _same(one, arr), (pay, i, g, n, one, arr)
