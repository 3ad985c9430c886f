"""xlmodel: the mechanics of the Danish municipal finance agreement, for Excel and Python."""

from xlmodel.errors import ParameterFileError, XlmodelError
from xlmodel.parameters import DEFAULT, ParameterSet, load

__all__ = ["DEFAULT", "ParameterFileError", "ParameterSet", "XlmodelError", "load"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # `xlmodel.forklar(path, cell)` and `xlmodel.validate(path)` without importing them first;
    # loaded on first use so `import xlmodel` stays light.
    if name in ("forklar", "validate"):
        import importlib

        return importlib.import_module(f"xlmodel.{name}")
    raise AttributeError(f"module 'xlmodel' has no attribute {name!r}")
