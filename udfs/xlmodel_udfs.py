"""Shim: the old UDF module name ``xlmodel_udfs`` (a checkout's ``udfs/`` on PYTHONPATH).

The functions live in :mod:`xlmodel.udfs`, which ships in the wheel; name ``xlmodel.udfs`` in
xlwings' "UDF Modules" setting.  Workbooks set up with ``xlmodel_udfs`` keep working: xlwings
finds the wrappers by ``dir(module)`` and calls ``getattr(module, name)``, both of which see the
names bound here.
"""

from xlmodel.udfs import *  # noqa: F403  (the catalogue's functions, one per Excel name)
from xlmodel.udfs import __all__  # noqa: F401
