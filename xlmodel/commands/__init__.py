"""Sub-commands of the ``xlmodel`` command line (see :mod:`xlmodel.cli`)."""
