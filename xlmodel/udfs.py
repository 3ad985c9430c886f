"""xlmodel's Excel functions for xlwings: name ``xlmodel.udfs`` in xlwings' "UDF Modules" setting.

This module ships in the wheel (``pip install "xlmodel[excel]"`` is all a user installs); the
older name ``xlmodel_udfs`` (the file ``udfs/xlmodel_udfs.py`` of a checkout) is a thin shim
over it.

Every function here is generated at import from the catalogue (xlmodel/excel/catalogue.toml):
a thin wrapper, decorated with ``@xw.func`` / ``@xw.arg(doc=...)`` so Excel's Function Wizard
shows the catalogue's help, that hands the cells and the calling workbook's parameter set to
:func:`xlmodel.excel.cells.call` and shows a refusal as the text ``#VALUE! <besked>``
(:func:`xlmodel.excel.cells.error_text`).
Nothing else lives here; see udfs/README.md for the Excel set-up.

Registration details that matter to xlwings (it finds UDFs by ``dir(module)`` and the
``__xlfunc__`` attribute, names the VBA wrapper after ``__name__`` and calls the module attribute
of that name, and reads the arguments with ``inspect.signature``):

* each wrapper's ``__name__`` is the Excel name and it is bound to that name in this module;
* its ``__signature__`` lists the catalogue's arguments, optional ones defaulting to None (the
  generated VBA declares them ``Optional``; xlwings passes None when they are left out), then
  xlwings' reserved ``caller`` (the calling range, hidden from Excel's signature): the function
  computes with the parameter set of the calling workbook, its own Parametre table
  (:mod:`xlmodel.excel.workbook_params`; a workbook without one uses the shipped set);
* every argument is read with ``ndim=2`` (a range keeps its orientation, so the result spills the
  same way) and ``err_to_str=True`` (an Excel error arrives as "#N/A", not as None, so it is
  refused instead of being taken for a blank cell).

Import is cheap: the core (numpy, pandas) loads on the first call, and xlwings is imported only
where its decorators do something (Windows, or xlwings Server); elsewhere they are no-ops, and
importing xlwings would cost ~0.5 s (it loads pandas and matplotlib).
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

from xlmodel.excel import catalogue

_EMPTY = inspect.Parameter.empty


def _identity_decorator(*_args: Any, **_kwargs: Any) -> Callable[[Any], Any]:
    return lambda f: f


def _decorators() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(xw.func, xw.arg) where they register UDFs; no-op stand-ins elsewhere."""
    if sys.platform.startswith("win") or os.environ.get("XLWINGS_ON_SERVER") == "true" \
            or "xlwings" in sys.modules:
        import xlwings as xw

        return xw.func, xw.arg
    return _identity_decorator, _identity_decorator


#: xlwings' reserved argument: classic xlwings passes the calling range in it (the generated VBA
#: passes ``Nothing`` there and Excel's signature does not show it).  Its book's own Parametre
#: table is the parameter set of the call (:mod:`xlmodel.excel.workbook_params`).
CALLER = "caller"


def _wrapper(fn: catalogue.Function) -> Callable[..., Any]:
    name = fn.name
    signature = inspect.Signature([
        *(inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                            default=None if a.optional else _EMPTY) for a in fn.args),
        inspect.Parameter(CALLER, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)])
    arg_names = [a.name for a in fn.args]

    def udf(*args: Any, **kwargs: Any) -> Any:
        # numpy and the core load on the first call, not at import
        from xlmodel.excel.cells import active_params, call, error_text
        from xlmodel.excel.workbook_params import call_in_book, caller_book

        try:
            bound = signature.bind(*args, **kwargs).arguments
            cells = [bound.get(a) for a in arg_names]
            return call_in_book(call, name, cells, caller_book(bound.get(CALLER)), active_params())
        except Exception as exc:  # a UDF must not put a traceback in a finance officer's cell
            return error_text(exc)

    udf.__name__ = udf.__qualname__ = name
    udf.__module__ = __name__
    udf.__doc__ = fn.help  # the Function Wizard's description (Excel allows 255 characters)
    udf.__annotations__ = {}  # no type hints: xlwings would take them as converters
    udf.__signature__ = signature  # type: ignore[attr-defined]
    udf.__xlmodel__ = fn  # type: ignore[attr-defined]  # what the decorators below were fed
    return udf


def _register() -> list[str]:
    func, arg = _decorators()
    names = []
    for fn in catalogue.functions():
        f = _wrapper(fn)
        for a in reversed(fn.args):
            f = arg(a.name, doc=a.help, ndim=2, err_to_str=True)(f)
        f = func(category=fn.category)(f)
        globals()[fn.name] = f
        names.append(fn.name)
    return names


__all__ = _register()
