"""Every catalogue function fed generated bad input, the way Excel hands it over (issue 6 §1).

For each function one valid call (from test_cells.CASES) is taken and one argument at a time is
replaced by generated junk: text, blanks, booleans, Excel error values, NaN/inf, negative and
huge numbers, years outside the parameter set, ranges of the wrong shape.  The xlwings face must
then give either the text ``#VALUE! <message>`` naming an argument of the function, or a result
whose every value is a finite number (a valid input, e.g. a negative amount).  Junk that is not
a number in a number argument must always be refused.  200 examples × 22 functions ≈ 4,400 calls.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cells import CASES

from xlmodel.excel import catalogue
from xlmodel.excel.cells import xlwings_call

FIRST_CASE = {}
for _name, _args, _ in CASES:
    FIRST_CASE.setdefault(_name, _args)

NOT_A_NUMBER = st.one_of(
    st.text(min_size=1, max_size=8).filter(lambda s: not _is_number_text(s)),
    st.just(""), st.none(), st.booleans(),
    st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?"]),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
NUMBERS = st.one_of(
    st.floats(-1e12, 1e12, allow_nan=False), st.sampled_from([-1.0, 0.0, 1e15, 1e300, -1e300]),
    st.integers(1800, 2200).map(float),
)
SHAPES = st.sampled_from([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0]], [[1.0], [2.0]]])


def _is_number_text(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _cells(value: Any) -> Any:
    """A value as xlwings passes it with ndim=2: a scalar is [[value]]."""
    return value if isinstance(value, list) else [[value]]


def _finite_numbers(result: Any) -> bool:
    flat = np.asarray(result, dtype=object).ravel()
    return all((isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v))
               or (isinstance(v, str) and not v.startswith("#")) for v in flat)


@pytest.mark.parametrize("name", sorted(FIRST_CASE))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bad_input_is_refused_by_name_or_gives_finite_numbers(name: str, data: st.DataObject) -> None:
    fn = catalogue.get(name)
    args = list(FIRST_CASE[name])
    position = data.draw(st.integers(0, len(args) - 1), label="argument")
    arg = fn.args[position]
    kind = data.draw(st.sampled_from(["junk", "number", "shape"]), label="kind")
    value = data.draw({"junk": NOT_A_NUMBER, "number": NUMBERS, "shape": SHAPES}[kind], label="value")
    args[position] = value
    result = xlwings_call(name, *[_cells(a) for a in args])
    names = [a.name for a in fn.args] + [fn.name, "function"]
    if isinstance(result, str) and result.startswith("#VALUE! "):
        assert any(result[len("#VALUE! "):].startswith(n) or f"{n}:" in result for n in names), result
        return
    blank = value is None or value == ""
    if kind == "junk" and arg.kind in ("number", "year", "vector") and not (blank and arg.optional):
        pytest.fail(f"{name}: {arg.name}={value!r} was not refused: {result!r}")
    if kind == "junk" and arg.kind == "flags" and not isinstance(value, bool) and not blank:
        pytest.fail(f"{name}: {arg.name}={value!r} was not refused: {result!r}")
    assert _finite_numbers(result), f"{name}({arg.name}={value!r}) gave {result!r}"
