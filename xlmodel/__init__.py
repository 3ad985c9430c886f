"""xlmodel: the mechanics of the Danish municipal finance agreement, for Excel and Python."""

from xlmodel.errors import ParameterFileError, XlmodelError
from xlmodel.parameters import DEFAULT, ParameterSet, load

__all__ = ["DEFAULT", "ParameterFileError", "ParameterSet", "XlmodelError", "load"]
__version__ = "0.1.0"
