"""Optional pieces (pip extras) and the one line a user sees when one is missing.

The core (numpy, pandas, numpy-financial, openpyxl, defusedxml and the headless engine
formualizer) is always installed; the Excel face (xlwings) and the notebooks (jupyter …) are
extras.  A command that needs a missing extra says which one to install, in Danish (the user
reads it), never with a traceback.

>>> print(missing_message(ModuleNotFoundError("No module named 'xlwings'", name="xlwings")))
mangler pakken xlwings; installér den med: pip install "xlmodel[excel]"
>>> print(missing_message(ModuleNotFoundError("No module named 'formualizer'", name="formualizer")))
mangler pakken formualizer (en del af xlmodel); geninstallér xlmodel: pip install --force-reinstall xlmodel
"""

from __future__ import annotations

#: top-level module → the extra that installs it (pyproject.toml [project.optional-dependencies]).
EXTRAS = {
    "xlwings": "excel",
    "jupyter": "notebooks", "nbclient": "notebooks", "nbformat": "notebooks",
    "ipykernel": "notebooks", "matplotlib": "notebooks",
    "pytest": "dev", "hypothesis": "dev", "olefile": "dev", "oletools": "dev",
}


def missing_message(exc: ModuleNotFoundError) -> str:
    """One Danish line naming the missing package and what to install."""
    name = (exc.name or str(exc).rsplit(" ", 1)[-1].strip("'\"")).split(".")[0]
    extra = EXTRAS.get(name)
    if extra:
        return f'mangler pakken {name}; installér den med: pip install "xlmodel[{extra}]"'
    return (f"mangler pakken {name} (en del af xlmodel); geninstallér xlmodel: "
            "pip install --force-reinstall xlmodel")

