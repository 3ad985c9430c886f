"""Input checking shared by every mechanism: numbers in, numbers out, same shape.

The mechanisms accept scalars, sequences, numpy arrays and pandas Series.
``numbers`` turns an argument into a float ndarray or raises
:class:`~xlmodel.errors.XlmodelError` naming the argument; ``like`` gives the
result back in the caller's container (scalar → float, Series → Series with
the caller's index).  Text, None, NaN and booleans are refused, never read as 0.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import sys
from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np

from xlmodel.errors import XlmodelError

ArrayLike = Any  # float | int | Sequence[float] | np.ndarray | pd.Series


def _pandas() -> Any:
    """pandas if it is loaded (a Series can only exist then): saves its import at start-up."""
    return sys.modules.get("pandas")


_OK = object()


def _first_bad(raw: np.ndarray) -> Any:
    for item in raw.ravel():
        if isinstance(item, bool | np.bool_) or not isinstance(item, Real | np.number):
            return item
        try:
            if not np.isfinite(float(item)):
                return item
        except OverflowError:  # an int beyond a float's range (10**400)
            return item
    return _OK


def _plain(value: Any, minimum: float | None, maximum: float | None, integer: bool) -> bool:
    """Whether ``value`` is one Python number that passes :func:`numbers`'s checks as it is.

    The one statement of the checks for a single value; everything else (arrays, Series, text,
    out-of-range values) is for :func:`numbers` to take or refuse.
    """
    return ((type(value) is float or (type(value) is int and -2**63 < value < 2**63))
            and math.isfinite(value)
            and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
            and (not integer or value == int(value)))


def number(
    value: ArrayLike,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    allowed: str = "",
) -> float | np.ndarray:
    """:func:`numbers` with a scalar path: one plain valid number comes back as a Python float.

    The scalar path of a core (a single cell from Excel or the engine) then runs on Python floats,
    not 0-d arrays; anything else — an array, a Series, a value the checks refuse — goes through
    :func:`numbers`, so its result and its error message are exactly those of the array path.

    >>> number(2.5, "beloeb"), number([1, 2], "beloeb")
    (2.5, array([1., 2.]))
    >>> number(-1.0, "beloeb", minimum=0)
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: beloeb: -1.0 is not allowed; allowed: a finite number ≥ 0
    """
    if _plain(value, minimum, maximum, integer):
        return float(value)
    return numbers(value, name, minimum=minimum, maximum=maximum, integer=integer, allowed=allowed)


def numbers(
    value: ArrayLike,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    allowed: str = "",
) -> np.ndarray:
    """Return ``value`` as a float ndarray, or raise naming ``name``.

    >>> numbers([1, 2.5], "beloeb")
    array([1. , 2.5])
    >>> numbers("12", "beloeb")
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: beloeb: '12' is not allowed (text, not a number); allowed: a finite number
    """
    if _plain(value, minimum, maximum, integer):  # fast path: one cell
        return np.array(float(value))
    what = allowed or _describe(minimum, maximum, integer)
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        value = value.to_numpy()
    if isinstance(value, str | bytes):
        raise XlmodelError(name, value, what, detail="text, not a number")
    if value is None:
        raise XlmodelError(name, value, what, detail="empty")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # a ragged list ([[1, 2], [3]]) or an unconvertible object
        raise XlmodelError(name, value, what or "a rectangular list of numbers",
                           detail="not a rectangular list of numbers") from None
    if arr.dtype.kind not in "fiubUSO" or isinstance(value, dict | set):
        raise XlmodelError(name, value, what, detail="not a number")
    if not isinstance(value, np.ndarray) and arr.dtype.kind in "iu" and arr.ndim > 0 and any(
            isinstance(v, bool) for v in np.array(value, dtype=object).ravel()):
        arr = np.array(value, dtype=object)  # [1, True] must not turn True into 1
    if arr.dtype.kind in "fiu":
        out = arr.astype(float, copy=False)
        if not np.all(np.isfinite(out)):
            bad = out[~np.isfinite(out)].ravel()[0]
            raise XlmodelError(name, float(bad), what, detail="missing or infinite")
    else:
        raw = np.array(value, dtype=object) if arr.dtype.kind in "USO" else arr.astype(object)
        bad = _first_bad(raw)
        if bad is not _OK:
            kind = "text, not a number" if isinstance(bad, str) else (
                "empty" if bad is None else "too large for a float" if isinstance(bad, int)
                and not isinstance(bad, bool) else "not a number")
            shown = f"an integer of {len(str(abs(bad)))} digits" if kind == "too large for a float" else bad
            raise XlmodelError(name, shown, what, detail=kind)
        out = arr.astype(float)
    if integer and np.any(out != np.round(out)):
        bad = out[out != np.round(out)].ravel()[0]
        raise XlmodelError(name, float(bad), what, detail="not a whole number")
    if minimum is not None and np.any(out < minimum):
        raise XlmodelError(name, float(out[out < minimum].ravel()[0]), what)
    if maximum is not None and np.any(out > maximum):
        raise XlmodelError(name, float(out[out > maximum].ravel()[0]), what)
    return out


def _describe(minimum: float | None, maximum: float | None, integer: bool) -> str:
    noun = "a whole number" if integer else "a finite number"
    if minimum is not None and maximum is not None:
        return f"{noun} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{noun} ≥ {minimum:g}"
    if maximum is not None:
        return f"{noun} ≤ {maximum:g}"
    return noun


#: What :func:`years` accepts (range checks against the data belong to the parameter set).
_YEAR = {"integer": True, "minimum": 1, "maximum": 9999, "allowed": "a whole year"}


def years(value: ArrayLike, name: str) -> np.ndarray:
    """Whole-number years as an int ndarray (range checks belong to the parameter set)."""
    pd = _pandas()
    arr = value.to_numpy() if pd is not None and isinstance(value, pd.Series) else value
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iu":  # fast path: already whole
        return arr.astype(np.int64, copy=False)
    return numbers(value, name, **_YEAR).astype(np.int64)  # type: ignore[arg-type]


def year(value: ArrayLike, name: str) -> int | np.ndarray:
    """:func:`years` with a scalar path: one plain whole year comes back as a Python int.

    >>> year(2014.0, "aar"), year([2013, 2014], "aar")
    (2014, array([2013, 2014]))
    """
    if _plain(value, _YEAR["minimum"], _YEAR["maximum"], True):  # type: ignore[arg-type]
        return int(value)
    return years(value, name)


def any_true(mask: bool | np.ndarray) -> bool:
    """``np.any`` that costs nothing on the scalar path (a comparison of Python numbers)."""
    return mask if type(mask) is bool else bool(np.any(mask))


def like(result: np.ndarray | float, *templates: ArrayLike) -> Any:
    """Give ``result`` back in the container of the first non-scalar template.

    Scalars in → a Python float out; a pandas Series in → a Series with its index.
    """
    pd = _pandas()
    if isinstance(result, float):  # the scalar path: a Python (or numpy) float …
        series = None if pd is None else pd.Series
        for template in templates:
            if series is not None and isinstance(template, series):
                break
        else:
            return float(result)  # … and no Series whose container to follow
    result = np.asarray(result, dtype=float)
    for template in templates:
        if pd is not None and isinstance(template, pd.Series):
            return pd.Series(np.broadcast_to(result, template.shape).copy()
                             if result.shape != template.shape else result,
                             index=template.index, name=template.name)
    if result.ndim == 0:
        return float(result)
    return result


# ---- element-wise operations with a scalar path ------------------------------------------------
# A core's arithmetic is written once, with these in place of the numpy ufuncs: arrays go to
# numpy, and two Python floats (the scalar path of :func:`number`) are computed in Python to the
# same double numpy gives, signed zeros included; NaN, which the input checks keep out, is left to
# numpy.  A single-cell call then costs microseconds, not numpy's per-call overhead (issue 10).
# tests/test_scalar_path.py compares each with numpy on edge values.


def minimum(a: Any, b: Any) -> Any:
    """``np.minimum``: the smaller; of two equal values (0.0 and -0.0) the second, as numpy.

    >>> minimum(2.0, 3.0), minimum(0.0, -0.0), minimum(np.array([1.0, 5.0]), 3.0).tolist()
    (2.0, -0.0, [1.0, 3.0])
    """
    if type(a) is float and type(b) is float and a == a and b == b:
        return a if a < b else b
    return np.minimum(a, b)


def maximum(a: Any, b: Any) -> Any:
    """``np.maximum``: the larger; of two equal values the second, as numpy.

    >>> maximum(0.0, -2.0), maximum(-0.0, 0.0), maximum(0.0, np.array([-1.0, 1.0])).tolist()
    (0.0, 0.0, [0.0, 1.0])
    """
    if type(a) is float and type(b) is float and a == a and b == b:
        return a if a > b else b
    return np.maximum(a, b)


def rounded(values: Any, decimals: int = 0) -> Any:
    """``np.round(values, decimals)``: ×10^d, round half to even, ÷10^d (numpy's own steps, not
    Python's correctly rounded ``round(x, d)``, which can differ in the last digit).

    >>> rounded(2.5), rounded(3.5), rounded(-0.4), rounded(0.1234567891, 9), rounded(np.array([0.5]))
    (2.0, 4.0, -0.0, 0.123456789, array([0.]))
    """
    if type(values) is float and 0 <= decimals <= 22:  # 10^d exact, as numpy's power_of_ten
        scale = 10.0 ** decimals
        y = values * scale
        if math.isfinite(y):
            return math.copysign(float(round(y)), y) / scale  # rint keeps the sign of zero
    return np.round(values, decimals)


def ceil(values: Any) -> Any:
    """``np.ceil`` (``ceil(-0.5)`` is -0.0, as numpy).

    >>> ceil(24.01), ceil(-0.5), ceil(np.array([1.2])).tolist()
    (25.0, -0.0, [2.0])
    """
    if type(values) is float and math.isfinite(values):
        return math.copysign(float(math.ceil(values)), values)
    return np.ceil(values)


def floor(values: Any) -> Any:
    """``np.floor`` (``floor(-0.0)`` is -0.0, as numpy).

    >>> floor(19.9), floor(-0.5), floor(np.array([1.8])).tolist()
    (19.0, -1.0, [1.0])
    """
    if type(values) is float and math.isfinite(values):
        return math.copysign(float(math.floor(values)), values)
    return np.floor(values)


def interp(x: Any, xp: Any, fp: Any) -> Any:
    """``np.interp(x, xp, fp)`` for increasing knots ``xp``; a Python float ``x`` with knots given
    as tuples of floats is computed in Python by numpy's own steps (end values outside the knots,
    a knot's own value on it, else slope × (x − xp[j]) + fp[j]).

    >>> interp(20.0, (0.0, 16.0, 32.0), (0.0, 28.0, 52.0)), interp(40.0, (0.0, 16.0), (0.0, 28.0))
    (34.0, 28.0)
    >>> interp(np.array([8.0]), (0.0, 16.0), (0.0, 28.0)).tolist()
    [14.0]
    """
    if type(x) is float and x == x and type(xp) is tuple and type(fp) is tuple:
        if x >= xp[-1]:
            return fp[-1]
        if x < xp[0]:
            return fp[0]
        j = bisect.bisect_right(xp, x) - 1  # xp[j] <= x < xp[j + 1]
        if xp[j] == x:
            return fp[j]
        slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        out = slope * (x - xp[j]) + fp[j]
        if out != out:  # numpy's second form, for an infinite slope
            out = slope * (x - xp[j + 1]) + fp[j + 1]
        return out
    return np.interp(x, xp, fp)


#: What :func:`quiet` gives for Python floats: their operations raise no numpy warning.
_NO_STATE = contextlib.nullcontext()


def quiet(*values: Any) -> Any:
    """``np.errstate(over="ignore", invalid="ignore")`` around arithmetic on ``values`` (the
    result's finiteness is checked after, by :func:`finite_result`); for Python floats only, a
    context that does nothing (they never warn), saving numpy's state switch.

    >>> with quiet(1e308, 10.0):
    ...     1e308 * 10.0
    inf
    """
    for value in values:
        if type(value) is not float:
            return np.errstate(over="ignore", invalid="ignore")
    return _NO_STATE


def sign(values: Any) -> Any:
    """``np.sign``: -1.0, 0.0 or 1.0 (0.0 for both zeros, as numpy).

    >>> sign(-3.0), sign(-0.0), sign(np.array([2.0])).tolist()
    (-1.0, 0.0, [1.0])
    """
    if type(values) is float and values == values:
        return float((values > 0) - (values < 0))
    return np.sign(values)


def choose(condition: Any, a: Any, b: Any) -> Any:
    """``np.where(condition, a, b)``; for a Python bool the chosen value as it is.

    >>> choose(True, 1.0, 2.0), choose(np.array([True, False]), 1.0, 2.0).tolist()
    (1.0, [1.0, 2.0])
    """
    if type(condition) is bool:
        return a if condition else b
    return np.where(condition, a, b)


def same_length(arrays: Iterable[tuple[str, np.ndarray]]) -> int:
    """Check that the named 1-D inputs have one length (a distribution key and its data)."""
    items = list(arrays)
    lengths = {name: a.size for name, a in items}
    if len(set(lengths.values())) > 1:
        first, *rest = items
        for name, arr in rest:
            if arr.size != first[1].size:
                raise XlmodelError(
                    name, f"{arr.size} values",
                    f"the same number of values as {first[0]} ({first[1].size})")
    return next(iter(lengths.values()), 0)


def broadcast(*named: tuple[str, np.ndarray]) -> list[np.ndarray]:
    """Broadcast the inputs against each other, or name the one that does not fit.

    Python numbers (the scalar path of :func:`number`) broadcast with anything: all-scalar
    inputs come back as they are.
    """
    for _, arr in named:
        if isinstance(arr, np.ndarray):
            break
    else:
        return [arr for _, arr in named]
    named = tuple((name, np.asarray(arr)) for name, arr in named)
    shape: tuple[int, ...] = ()
    first = named[0][0]
    for name, arr in named:
        try:
            shape = np.broadcast_shapes(shape, arr.shape)
        except ValueError:
            raise XlmodelError(name, f"shape {arr.shape}",
                               f"one value, or values of the same shape as {first} {shape}") from None
    return [np.broadcast_to(arr, shape) for _, arr in named]


def finite_result(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a float array if every element is finite; else an error naming ``name``.

    A computation whose result cannot be represented as a float (an overflow to inf, or NaN
    from inf − inf) is the input's fault: the argument it came from is named, and the result
    is never shown as a wrong number or a silent 0 [issue 11, obs. 12].

    >>> finite_result([1.0, 2.0], "beloeb").tolist()
    [1.0, 2.0]
    >>> finite_result([1e308 * 10], "beloeb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xlmodel.errors.XlmodelError: beloeb: 'values this large' is not allowed (the calculation ...
    """
    if type(values) is float and math.isfinite(values):  # the scalar path: stays a Python float
        return values  # type: ignore[return-value]
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise XlmodelError(name, "values this large",
                           "smaller numbers (the result must stay below about 1.8e308)",
                           detail="the calculation overflows a float")
    return arr


def align_labels(*named: tuple[str, Any]) -> list[Any]:
    """Pair labelled inputs by label, not by position [issue 11, obs. 13].

    Every pandas Series (or DataFrame, by its index) among the inputs is reordered to the index
    of the first one; other inputs pass through unchanged.  Labels that do not match (a
    municipality in one input and not the other, or a duplicated label) are refused, naming the
    argument: pairing Aarhus's accounts with Odense's budget would be a wrong number.

    >>> import pandas as pd
    >>> a, b = align_labels(("regnskab", pd.Series({"Aarhus": 120, "Odense": 100})),
    ...                     ("budget", pd.Series({"Odense": 100, "Aarhus": 90})))
    >>> b.tolist()
    [90, 100]
    """
    pd = _pandas()
    out = [value for _, value in named]
    if pd is None:
        return out
    labelled = [(i, name, value) for i, (name, value) in enumerate(named)
                if isinstance(value, pd.Series | pd.DataFrame)]
    if len(labelled) < 2:
        return out
    _, first_name, first = labelled[0]
    index = first.index
    if not index.is_unique:
        raise XlmodelError(first_name, "duplicated labels", "one value per label (municipality)")
    for i, name, value in labelled[1:]:
        if value.index.equals(index):
            continue
        if not value.index.is_unique or len(value.index) != len(index) or set(value.index) != set(index):
            extra = [str(x) for x in value.index.difference(index)[:3]]
            missing = [str(x) for x in index.difference(value.index)[:3]]
            what = ", ".join(filter(None, [f"labels not in {first_name}: {extra}" if extra else "",
                                           f"missing: {missing}" if missing else ""])) or "duplicated labels"
            raise XlmodelError(name, what, f"the same labels as {first_name} (paired by label)")
        out[i] = value.reindex(index)
    return out
